#!/bin/sh
# json_cli.sh - the JSON of every command that writes JSON, parsed by an independent parser
# (python3's json module, with NaN and Infinity refused: RFC 8259 has neither), including values that
# are not finite (all-zero TX taps: an infinite MMSE SNR) and a file name that needs escaping.
# usage: sh tests/json_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

valid() { # file, what
  python3 - "$1" <<'PY' && ok || bad "$2: $1 is not valid JSON"
import json, sys
def refuse(c): raise ValueError("not JSON: " + c)
try:
    json.load(open(sys.argv[1], encoding="utf-8"), parse_constant=refuse)
except Exception as e:
    print(e); sys.exit(1)
PY
}
ex="$(dirname "$0")/../examples"

"$BIN" run --symbols 20000 --json "$T/run.json" > /dev/null 2>&1 || bad "run exit $?"
valid "$T/run.json" run
"$BIN" run --symbols 20000 --set rx.dsp.enable=true --set fec.mode=kp4 --json "$T/dsp.json" > /dev/null 2>&1 || bad "run dsp exit $?"
valid "$T/dsp.json" "run with the DSP receiver and KP4"
"$BIN" stat --set stat.sps=16 --json "$T/stat.json" > /dev/null 2>&1 || bad "stat exit $?"
valid "$T/stat.json" stat
# all-zero TX taps: no signal, an infinite (or undefined) SNR: null with a reason, never a bare inf
"$BIN" stat --set stat.sps=16 --set 'tx.ffe_taps=[0, 0, 0]' --json "$T/zero.json" > /dev/null 2>&1
[ -f "$T/zero.json" ] && { valid "$T/zero.json" "stat with zero TX taps"; has "$T/zero.json" '_reason'; }
"$BIN" sweep --vary channel.il_nyquist_db=20:24:4 --set stat.sps=16 --json "$T/sweep.json" --csv "$T/sweep.csv" \
  > /dev/null 2>&1 || bad "sweep exit $?"
valid "$T/sweep.json" sweep
"$BIN" jtol --freqs-mhz 4 --symbols 20000 --json "$T/jtol.json" > /dev/null 2>&1 || bad "jtol exit $?"
valid "$T/jtol.json" jtol
"$BIN" tdecq "$ex/dr1.yaml" --set tdecq.optimize=false --json "$T/tdecq.json" > /dev/null 2>&1 || bad "tdecq exit $?"
valid "$T/tdecq.json" tdecq
"$BIN" sensitivity "$ex/dr1.yaml" --symbols 20000 --step 2 --json "$T/sens.json" > /dev/null 2>&1 || bad "sensitivity exit $?"
valid "$T/sens.json" sensitivity
"$BIN" compare --no-budget --symbols 20000 --json "$T/cmp.json" > /dev/null 2>&1 || bad "compare exit $?"
valid "$T/cmp.json" compare
# channel --json: a name with a quote, a backslash and a control byte; frequencies outside the file
name="$T/we\"ird\\$(printf '\001').s2p"
printf '# GHz S RI R 50\n0 0 0 0.5 0 0.5 0 0 0\n1 0 0 0.5 0 0.5 0 0 0\n' > "$name"
"$BIN" channel --json "$name" > "$T/ch.json" 2>&1 || bad "channel exit $?"
valid "$T/ch.json" "channel --json"
has "$T/ch.json" '"13.28_reason": "nan"'

echo "json_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
