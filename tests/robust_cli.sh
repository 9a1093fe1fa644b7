#!/bin/sh
# robust_cli.sh - hostile input from the command line: each case once broke the program (a crash, a
# hang, a number silently changed, a half-written or complete-looking file); now each is one clear
# error line naming the file, line or key and a non-zero exit, or the obvious behaviour.
# usage: sh tests/robust_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

# expect STATUS NEEDLE COMMAND...: the exit status and a needle in stdout+stderr, under 60 s
expect() {
  want=$1 needle=$2; shift 2
  out=$(timeout 60 "$@" 2>&1); rc=$?
  if [ "$rc" = "$want" ] && printf '%s' "$out" | grep -qF -- "$needle"; then ok
  else bad "$*: status $rc (want $want), output: $(printf '%s' "$out" | tail -n 3)"; fi
}
# PLplot and MPI keep shared-memory files; with a file size limit they need these to start
lim() { (trap '' XFSZ; ulimit -f "$1"; shift; PMIX_MCA_gds=hash OMPI_MCA_btl=self "$@"); }

# ---- Touchstone ----
row() { printf '%s' "$1"; i=0; while [ $i -lt 16 ]; do printf ' 0.5 0'; i=$((i+1)); done; echo; }
{ echo '# Hz S MA R 50'; row 0; row 1; row 100e9; row 200e9; } > "$T/tiny.s4p"
expect 0 "causality" "$BIN" channel "$T/tiny.s4p"          # a 1 Hz step: was a 2^44-point transform
printf '# GHz S DB R 50\n1 1e300 0 0 0 0 0 0 0\n2 0 0 0 0 0 0 0 0\n' > "$T/db.s2p"
expect 1 "db.s2p:2: magnitude in dB 1e+300 is out of range" "$BIN" channel "$T/db.s2p"
printf '# GHz S RI R 50\n1 0 0 0 0 0 0 0 0\n2 0 1e300 0 0 0 0 0 0\n' > "$T/ri.s2p"
expect 1 "ri.s2p:3: imaginary part 1e+300 is out of range" "$BIN" channel "$T/ri.s2p"
printf '# GHz S RI R 50\n1e300 0 0 0 0 0 0 0 0\n2e300 0 0 0 0 0 0 0 0\n' > "$T/fr.s2p"
expect 1 "fr.s2p:2: frequency 1e+300 is out of range" "$BIN" channel "$T/fr.s2p"
printf '# GHz S RI R 50\n1 0 0 0.5 0 0.5 0 0 0\n' > "$T/one.s2p"
expect 1 "one.s2p:2: only one frequency point" "$BIN" channel "$T/one.s2p"
expect 1 "one.s2p:2: only one frequency point" "$BIN" run --set channel.type=touchstone --set "channel.file=$T/one.s2p"
printf '# GHz S RI R inf\n1 0 0 0.5 0 0.5 0 0 0\n2 0 0 0.5 0 0.5 0 0 0\n' > "$T/rinf.s2p"
expect 1 "rinf.s2p:1: reference resistance" "$BIN" channel "$T/rinf.s2p"

# ---- YAML: directives (libfyaml 0.7.12 spins forever on these 4 bytes), UTF-8, documents ----
printf '%%l:\273' > "$T/hang.yaml"
expect 1 "hang.yaml:1: a line starting with '%'" "$BIN" run "$T/hang.yaml"
expect 1 "YAML directives are not accepted" "$BIN" run --set "$(printf 'tx.rlm=%%l:\273')"
printf '\357\273\277%%YAML 1.2\n---\ntx:\n  rlm: 0.9\n' > "$T/bom.yaml"   # after a byte order mark
expect 1 "bom.yaml:1: a line starting with '%'" "$BIN" run "$T/bom.yaml"
printf 'tx:\n  rlm: 0.9\n  pattern: prbs\377\n' > "$T/utf.yaml"
expect 1 "utf.yaml:3: not UTF-8 text (byte 0xFF)" "$BIN" run "$T/utf.yaml"
: > "$T/empty.yaml"
expect 1 "empty.yaml: the configuration is empty" "$BIN" run "$T/empty.yaml"
"$BIN" run "$T/empty.yaml" 2>&1 | grep -q '\[ERR\]' && bad "empty YAML: libfyaml's raw [ERR] line" || ok
printf 'tx:\n  rlm: 0.9\n---\ntx:\n  rlm: 0.8\n' > "$T/multi.yaml"
expect 1 "multi.yaml: a second YAML document" "$BIN" run "$T/multi.yaml"
printf 'sim:\n  symbols: 2000\ntx:\n  rlm:\n' > "$T/noval.yaml"
expect 1 "noval.yaml:4: key 'tx.rlm' has no value" "$BIN" run "$T/noval.yaml"
printf 'tx:\n  rlm: [0.9\n' > "$T/flow.yaml"
expect 1 "flow.yaml:3:1: not valid YAML" "$BIN" run "$T/flow.yaml"
printf 'tx:\n  rlm: &a 0.9\n  amplitude_v: *a\n' > "$T/alias.yaml"
expect 1 "alias.yaml:3: key 'tx.amplitude_v': YAML aliases" "$BIN" run "$T/alias.yaml"
# config FILE prints the effective configuration of FILE (and --set)
printf 'tx:\n  rlm: 0.91\n' > "$T/rlm.yaml"
expect 0 "rlm: 0.91 " "$BIN" config "$T/rlm.yaml"
expect 0 "amplitude_v: 0.5 " "$BIN" config "$T/rlm.yaml" --set tx.amplitude_v=0.5

# ---- numbers: NaN fails every range check, integers stay exact, no overflow ----
expect 2 "is not a list of frequencies" "$BIN" jtol --freqs-mhz nan
expect 2 "--max-seconds needs a number" "$BIN" run --max-seconds nan
expect 1 "'tx.rlm': 'nan' is not a number" "$BIN" run --set tx.rlm=nan
expect 2 "values; at most 100000 points" "$BIN" sweep --vary sim.seed=0:3e9:1
expect 2 "points; at most 100000" "$BIN" sweep --vary sim.seed=0:9999:1 --vary tx.rlm=0.5:0.9999:0.00001
expect 1 "out of range [0, 4611686018427387904]" "$BIN" run --set sim.seed=4611686018427387905
"$BIN" run --seed 9007199254740993 --symbols 1000 --json "$T/seed.json" > /dev/null 2>&1 || bad "seed 2^53+1: exit $?"
grep -q '"seed": 9007199254740993,' "$T/seed.json" && ok || bad "seed 2^53+1 not kept exactly"
# the checkpoint's configuration hash sees 0.413 and 0.41300000004 as different
"$BIN" run --symbols 20000 --set sim.unit_symbols=4096 --checkpoint "$T/ck.bin" --checkpoint-every 1 > /dev/null 2>&1
expect 1 "written for another configuration" "$BIN" run --symbols 20000 --set sim.unit_symbols=4096 \
  --set tx.amplitude_v=0.41300000004 --resume "$T/ck.bin"
# a hand-made checkpoint with a valid checksum and impossible counts (errors > symbols)
python3 - "$T/ck.bin" "$T/forged.bin" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read()
head_end = 0
for _ in range(5): head_end = d.index(b"\n", head_end) + 1
nw = int(d[:head_end].split(b"words ")[1].split(b"\n")[0])
words = list(struct.unpack("<%dQ" % nw, d[head_end:head_end + 8 * nw]))
words[1] = words[0] + 1          # symbol errors > symbols
body = d[:head_end] + struct.pack("<%dQ" % nw, *words)
h = 0xcbf29ce484222325
for b in body: h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
open(sys.argv[2], "wb").write(body + b"checksum %016x\n" % h)
PY
expect 1 "forged.bin: the checkpoint's counts are impossible" "$BIN" run --symbols 20000 --set sim.unit_symbols=4096 \
  --resume "$T/forged.bin"

# ---- fec: tokens too long and NUL bytes are errors, not cut or merged ----
printf '%070d1ff\n' 0 > "$T/long.hex"
expect 1 "is longer than 32 characters" sh -c "'$BIN' fec decode < '$T/long.hex'"
printf '1 2\0003\n' > "$T/nul.hex"
expect 1 "line 1: a NUL byte" sh -c "'$BIN' fec decode < '$T/nul.hex'"

# ---- paths longer than the buffers are refused, not cut ----
long=$(printf "$T/%0600d.s4p" 0)
expect 1 "the path is longer than 511 characters" "$BIN" run --set channel.type=touchstone --set "channel.file=$long"

# ---- files: honour the umask, never half-written, partial results marked ----
(umask 022; "$BIN" run --symbols 1000 --json "$T/m644.json" > /dev/null 2>&1)
(umask 077; "$BIN" run --symbols 1000 --json "$T/m600.json" > /dev/null 2>&1)
[ "$(stat -c %a "$T/m644.json")" = 644 ] && [ "$(stat -c %a "$T/m600.json")" = 600 ] && ok || bad "result files ignore the umask"
# an output that cannot be written is refused before the run, not after it
"$BIN" run --symbols 2000000 --json "$T/nofolder/out.json" > "$T/nw.txt" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "nofolder/out.json: cannot write" "$T/nw.txt" && ! grep -q "^BER" "$T/nw.txt" && ok \
  || bad "unwritable --json not refused before the run (status $rc)"
# SIGINT: the JSON holds what was merged, marked partial
"$BIN" run --symbols 2000000000 --set sim.unit_symbols=16384 --set sim.engine=sample -j 1 --json "$T/int.json" > /dev/null 2>&1 & pid=$!
sleep 3; kill -INT $pid; wait $pid; rc=$?
[ $rc = 130 ] && grep -q '"run": {"end": "interrupted", "partial": true, "symbols_planned": 2000000000}' "$T/int.json" && ok \
  || bad "interrupted run: status $rc, JSON not marked partial"
# a periodic checkpoint that cannot be written (file size limit): an error, and the partial result
lim 64 "$BIN" run --symbols 200000 --set sim.unit_symbols=16384 -j 1 --checkpoint "$T/big.ck" --checkpoint-every 2 \
  --json "$T/ckfail.json" > "$T/ckfail.txt" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "big.ck: cannot write the checkpoint" "$T/ckfail.txt" && \
  grep -q '"end": "failed", "partial": true' "$T/ckfail.json" && ok || bad "failing checkpoint: status $rc, no partial result"
# plots on a full disk: no truncated picture renamed into place
lim 2000 "$BIN" stat --plot "$T/pl" > "$T/pl.txt" 2>&1; rc=$?
[ $rc = 1 ] && grep -q "eye.svg: the plot was not written" "$T/pl.txt" && ok || bad "plot on a full disk: status $rc"
for f in "$T"/pl/*.svg; do [ -f "$f" ] || continue; tail -c 16 "$f" | grep -q '</svg>' && ok || bad "$f is truncated"; done
ls -a "$T/pl" | grep -q tmp && bad "a temporary plot file was left" || ok

echo "robust_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
