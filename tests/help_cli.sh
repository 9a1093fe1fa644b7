#!/bin/sh
# help_cli.sh - the command line as a new user meets it: every command's --help and -h (usage,
# exit 0), the overview listing every command, one-line errors that say where to look, "did you
# mean" for misspelt commands, options and configuration keys, why a configuration cannot be
# opened, and the -jN / --threads=N / --opt=value forms (a value is never taken for a file).
# usage: sh tests/help_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

# expect NAME STATUS NEEDLE CMD...: exit status, one stderr line holding NEEDLE (usage errors)
expect() {
  name=$1 want=$2 needle=$3; shift 3
  "$@" > "$T/out" 2> "$T/err"; rc=$?
  if [ "$rc" != "$want" ]; then bad "$name: exit $rc, want $want ($(head -c 300 "$T/err"))"
  elif [ "$(wc -l < "$T/err")" != 1 ]; then bad "$name: $(wc -l < "$T/err") stderr lines, want 1: $(head -c 300 "$T/err")"
  elif ! grep -q -- "$needle" "$T/err"; then bad "$name: no '$needle' in: $(cat "$T/err")"
  else ok; fi
}

# the overview: exit 0 on stdout, every command listed with one line
"$BIN" --help > "$T/over" 2>&1 && ok || bad "--help exit $?"
cmds=$(sed -n '/^commands:/,/^$/p' "$T/over" | awk 'NF > 1 {print $1}')
[ "$(echo $cmds)" = "run config stat sweep compare module com jtol tdecq sensitivity channel prbs fec vectors fft-wisdom" ] && ok ||
  bad "--help lists: $(echo $cmds)"
"$BIN" -h | cmp -s - "$T/over" && ok || bad "-h differs from --help"
# every command: --help and -h print its usage on stdout, exit 0, nothing on stderr
for c in $cmds; do
  for h in --help -h; do
    "$BIN" $c $h > "$T/h" 2> "$T/e"; rc=$?
    [ $rc = 0 ] && [ ! -s "$T/e" ] && head -1 "$T/h" | grep -q "^pam4sim $c - " && grep -q "usage: pam4sim" "$T/h" && ok ||
      bad "$c $h: exit $rc, $(head -2 "$T/h") $(cat "$T/e")"
  done
done
"$BIN" help sweep | grep -q -- "--vary key=" && ok || bad "help sweep"
# --help wins wherever it stands, before anything runs or is read
"$BIN" run nofile.yaml --symbols 5 --help > /dev/null 2>&1 && ok || bad "run FILE --help: exit $?"
"$BIN" vectors check --help | grep -q "vectors generate --config" && ok || bad "vectors check --help"

# misspelt commands, options and keys: one line, a suggestion, where to look
expect "misspelt command" 2 "unknown command 'swep' (did you mean sweep?); see pam4sim --help" "$BIN" swep
expect "misspelt option" 2 "run: unknown option '--symbol' (did you mean --symbols?); see pam4sim run --help" \
  "$BIN" run --symbol 1000
expect "option of another command" 2 "stat: unknown option '--csv'; see pam4sim stat --help" "$BIN" stat --csv x.csv
expect "misspelt option, implicit run" 2 "did you mean --json?" "$BIN" --jsn out.json
expect "misspelt sweep option" 2 "did you mean --vary?" "$BIN" sweep --varry channel.il_nyquist_db=20:30:5
expect "flag with a value" 2 "option --no-budget takes no value" "$BIN" compare --no-budget=yes
expect "misspelt key (--set)" 1 "unknown key 'rx.ffe.tap'; did you mean 'rx.ffe.taps'?" "$BIN" run --set rx.ffe.tap=3
printf 'rx:\n  ffe:\n    tap: 3\n' > "$T/k.yaml"
expect "misspelt key (file)" 1 "k.yaml:3: unknown key 'rx.ffe.tap'; did you mean 'rx.ffe.taps'?" "$BIN" stat "$T/k.yaml"
expect "no close key" 1 "unknown key 'zzz' (run 'pam4sim config'" "$BIN" run --set zzz=1
expect "vectors subcommand" 2 "see pam4sim vectors --help" "$BIN" vectors chek
expect "fec without mode" 2 "fec needs encode or decode; see pam4sim fec --help" "$BIN" fec
expect "channel without file" 2 "see pam4sim channel --help" "$BIN" channel

# a configuration that cannot be opened says why
expect "missing configuration" 1 "nofile.yaml: cannot open the configuration: No such file or directory" \
  "$BIN" run "$T/nofile.yaml"
mkdir "$T/locked"; chmod 755 "$T" "$T/locked"; printf 'sim:\n  symbols: 1000\n' > "$T/locked/c.yaml"; chmod 000 "$T/locked/c.yaml"
if [ "$(id -u)" != 0 ]; then
  expect "unreadable configuration" 1 "c.yaml: cannot open the configuration: Permission denied" "$BIN" run "$T/locked/c.yaml"
elif command -v setpriv > /dev/null; then # root reads anything: ask as nobody
  expect "unreadable configuration" 1 "c.yaml: cannot open the configuration: Permission denied" \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$BIN" run "$T/locked/c.yaml"
fi

# -jN, -j=N, --threads N, --threads=N, --json=OUT: the value is the option's, never a file
"$BIN" run --symbols 20000 -j1 --json "$T/a.json" > /dev/null 2> "$T/err" && ok || bad "-j1: $(cat "$T/err")"
grep -q '"threads": 1$' "$T/a.json" && ok || bad "-j1 not recorded as 1 thread"
"$BIN" run --symbols 20000 --threads=2 --json="$T/b.json" > /dev/null 2> "$T/err" && ok || bad "--threads=2: $(cat "$T/err")"
grep -q '"threads": 2$' "$T/b.json" && ok || bad "--threads=2 not recorded as 2 threads"
"$BIN" stat --set stat.sps=16 --threads 2 -j=1 --json "$T/s.json" > /dev/null 2> "$T/err" && ok || bad "stat -j=1: $(cat "$T/err")"
grep -q '"threads": 1$' "$T/s.json" && ok || bad "stat: the last of --threads 2 -j=1 is not 1"
# the same result whatever the written form (only the thread count differs)
sed 's/"threads": [0-9]*/"threads": X/' "$T/a.json" > "$T/a.txt"; sed 's/"threads": [0-9]*/"threads": X/' "$T/b.json" > "$T/b.txt"
cmp -s "$T/a.txt" "$T/b.txt" && ok || bad "-j1 and --threads=2 results differ"
expect "option value missing" 2 "run: -j needs a value (got the option '--json')" "$BIN" run -j --json "$T/c.json"
[ ! -e "$T/c.json" ] && ok || bad "a file was written after a usage error"
expect "value at the end" 2 "run: --json needs a value; see pam4sim run --help" "$BIN" run --symbols 1000 --json
expect "-j where there is none" 2 "channel: unknown option '-j'" "$BIN" channel x.s4p -j2

echo "help_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
