#!/bin/sh
# install.sh - the library as a user installs it: `make install` into a staging folder (DESTDIR and
# PREFIX), then, with only the installed headers, shared library and pkg-config file (pkg-config's
# sysroot pointed at the stage), a C++ program and examples/loss_sweep.c are built and run, and
# `make uninstall` removes every file it put there.
# usage: sh tests/install.sh build/pam4sim build/channels     (MAKE: the make to call)
BIN=${1:-build/pam4sim}; CH=${2:-build/channels}
MAKE=${MAKE:-make}
SAN=${P4_SAN_FLAGS:-} # the sanitizers the library was built with (make asan), for the programs built against it
. "$(dirname "$0")/cli_lib.sh"
S=$T/stage P=/opt/pam4sim
$MAKE --no-print-directory -s install DESTDIR="$S" PREFIX=$P > "$T/install.log" 2>&1 && ok || bad "make install: $(cat "$T/install.log")"
L=$S$P/lib
# the shared library: versioned file, SONAME with the major version, the two links
[ -f "$L/libpam4sim.so.0.9.0" ] && [ "$(readlink "$L/libpam4sim.so.0")" = libpam4sim.so.0.9.0 ] &&
  [ "$(readlink "$L/libpam4sim.so")" = libpam4sim.so.0 ] && ok || bad "installed library files: $(ls "$L")"
readelf -d "$L/libpam4sim.so.0.9.0" | grep -q 'SONAME.*\[libpam4sim.so.0\]' && ok || bad "no SONAME libpam4sim.so.0"
# every public header installed, and pam4sim.h names each one
for h in include/pam4sim/*.h; do
  b=$(basename "$h"); [ -f "$S$P/include/pam4sim/$b" ] || bad "header $b not installed"
  [ "$b" = pam4sim.h ] || grep -q "\"pam4sim/$b\"" include/pam4sim/pam4sim.h || bad "pam4sim.h does not include $b"
done
export PKG_CONFIG_PATH="$L/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$S"
[ "$(pkg-config --modversion pam4sim)" = "$("$BIN" --version | awk 'NR == 1 {print $2}')" ] && ok || bad "pkg-config version differs from the program's"
flags="$(pkg-config --cflags --libs pam4sim)"
echo "$flags" | grep -q -- "-I$S$P/include" && ok || bad "pkg-config flags: $flags"
# C++: every header through pam4sim.h, strict, linked by the C names
g++ -std=c++11 -Wall -Wextra -pedantic -Werror $SAN tests/cxx_api.cpp $flags -o "$T/cxx_api" 2> "$T/cxx.err" && ok || bad "C++ build: $(head -5 "$T/cxx.err")"
LD_LIBRARY_PATH="$L" "$T/cxx_api" "$CH/CA_19p75dB_thru.s4p" > "$T/cxx.out" 2>&1 && ok || bad "cxx_api: $(cat "$T/cxx.out")"
# the example: built as its comment says, against the installed library (dynamically: it needs .so.0)
cc -std=c11 -Wall -Wextra -Werror $SAN examples/loss_sweep.c $flags -o "$T/loss_sweep" 2> "$T/ex.err" && ok || bad "example build: $(head -5 "$T/ex.err")"
readelf -d "$T/loss_sweep" | grep -q 'NEEDED.*\[libpam4sim.so.0\]' && ok || bad "the example does not load libpam4sim.so.0"
LD_LIBRARY_PATH="$L" "$T/loss_sweep" 40000 > "$T/ex.out" 2>&1 && ok || bad "loss_sweep: $(cat "$T/ex.out")"
# its numbers: BER rises with loss, and the 48 dB point is the command line's, error for error
awk 'NR > 2 {print $3}' "$T/ex.out" > "$T/ber"
[ "$(wc -l < "$T/ber")" = 5 ] && sort -g -c "$T/ber" && ok || bad "loss_sweep: BER not rising with loss: $(cat "$T/ex.out")"
e48=$(awk '$1 == 48 {print $2}' "$T/ex.out")
c48=$("$BIN" run --symbols 40000 --set channel.il_nyquist_db=48 | awk '/^BER/ {gsub(/\(/, "", $3); print $3}')
[ -n "$e48" ] && [ "$e48" -gt 10 ] && [ "$e48" = "$c48" ] && ok || bad "48 dB: example $e48 bit errors, pam4sim run $c48"
# uninstall leaves nothing behind
$MAKE --no-print-directory -s uninstall DESTDIR="$S" PREFIX=$P > "$T/un.log" 2>&1 && ok || bad "make uninstall: $(cat "$T/un.log")"
left=$(find "$S" -type f -o -type l)
[ -z "$left" ] && ok || bad "left after uninstall: $left"
echo "install: $pass passed, $fail failed"
[ "$fail" = 0 ]
