#!/bin/sh
# com_cli.sh - `pam4sim com` from the command line: the report, a valid JSON file, the shipped table
# and the same table from its YAML file giving the same COM, and bad input refused with one line
# naming the problem, a non-zero exit and no result file left behind.
# usage: sh tests/com_cli.sh build/pam4sim build/channels
BIN=${1:-build/pam4sim}
CH=${2:-build/channels}
. "$(dirname "$0")/cli_lib.sh"
PARAMS="$(dirname "$0")/../com/params"

"$BIN" --help 2>&1 | grep -q "^  com " && ok || bad "--help does not list com"

# a thru and two aggressors under the 802.3ck KR set, with the JSON result
"$BIN" com "$CH/CA_19p75dB_thru.s4p" --fext "$CH/CA_19p75dB_fext1.s4p" --next "$CH/CA_19p75dB_next1.s4p" \
  --params 8023ck-kr -j 2 --json "$T/com.json" --plot "$T/plots" > "$T/com.txt" 2>&1 || bad "com exit $?: $(cat "$T/com.txt")"
for f in com_pulse com_tail; do nontrivial "$T/plots/$f.png" 10000; nontrivial "$T/plots/$f.svg" 10000; done
grep -q "^COM  .* dB (case [12]): \(PASS\|FAIL\) (threshold 3 dB)" "$T/com.txt" && ok || bad "com: no verdict line"
for w in "CTLE " "TX FFE " "FOM " "A_s " "noise (rms at the slicer): TX"; do has "$T/com.txt" "$w"; done
python3 -m json.tool "$T/com.json" > /dev/null 2>&1 && ok || bad "com JSON is not valid JSON"
has "$T/com.json" '"com_db": '
has "$T/com.json" '"params": {"name": "8023ck-kr"'

# the shipped table and the same file given as a user's table: the same numbers
"$BIN" com "$CH/CA_19p75dB_thru.s4p" --params "$PARAMS/8023ck-kr.yaml" -j 2 > "$T/file.txt" 2>&1 || bad "com --params FILE exit $?"
"$BIN" com "$CH/CA_19p75dB_thru.s4p" --params 8023ck-kr -j 2 > "$T/name.txt" 2>&1 || bad "com --params NAME exit $?"
grep -v "^time" "$T/file.txt" > "$T/a" && grep -v "^time" "$T/name.txt" > "$T/b" && cmp -s "$T/a" "$T/b" && ok \
  || bad "the shipped table and its file disagree"

# bad input: one line, non-zero exit, no JSON file
err() { # expected-exit, expected-text, args...
  want=$1 text=$2; shift 2
  "$BIN" com "$@" --json "$T/bad.json" > "$T/out" 2> "$T/err"; rc=$?
  [ "$rc" -eq "$want" ] && ok || bad "com $*: exit $rc, expected $want"
  [ "$(wc -l < "$T/err")" -eq 1 ] && ok || bad "com $*: not one error line: $(cat "$T/err")"
  grep -q -- "$text" "$T/err" && ok || bad "com $*: error '$(cat "$T/err")' lacks '$text'"
  [ ! -e "$T/bad.json" ] && ok || bad "com $*: a JSON file was left"
}
err 1 "no/such.s4p" no/such.s4p
err 1 "no such set" "$CH/CA_19p75dB_thru.s4p" --params 8023zz-kr
sed 's/^rlm: 0.95/rlm: 1.5/' "$PARAMS/8023ck-kr.yaml" > "$T/bad1.yaml"
err 1 "bad1.yaml:16: key 'rlm' = 1.5 is outside \[0.5, 1\]" "$CH/CA_19p75dB_thru.s4p" --params "$T/bad1.yaml"
printf 'name: x\ncolour: blue\n' > "$T/bad2.yaml"
err 1 "bad2.yaml:2: unknown key 'colour'" "$CH/CA_19p75dB_thru.s4p" --params "$T/bad2.yaml"
# hostile tables go through the YAML guard (a directive made libfyaml spin; found by make fuzz)
printf '%%l:\273\n' > "$T/bad3.yaml"
err 1 "bad3.yaml:1: a line starting with '%'" "$CH/CA_19p75dB_thru.s4p" --params "$T/bad3.yaml"
printf 'name: x\000\n' > "$T/bad4.yaml"
err 1 "bad4.yaml" "$CH/CA_19p75dB_thru.s4p" --params "$T/bad4.yaml"
err 2 "unknown option '--fast'" "$CH/CA_19p75dB_thru.s4p" --fast
err 2 "a thread count 1..64" "$CH/CA_19p75dB_thru.s4p" -j 0
err 2 "give the thru channel"

# COM from a configuration: sweep --engine com over the thru's length. At k = 1 its COM is
# `pam4sim com`'s on the same files (the same JSON number, digit for digit); it falls with k; the
# crossing of the threshold in the JSON and the text is the linear interpolation in dB of the rows.
ABS=$(cd "$CH" && pwd)
cat > "$T/ca.yaml" <<EOY
channel: {type: touchstone, file: $ABS/CA_19p75dB_thru.s4p}
crosstalk: {files: [$ABS/CA_19p75dB_fext1.s4p, $ABS/CA_19p75dB_next1.s4p]}
com: {params: 8023ck-kr}
EOY
"$BIN" sweep "$T/ca.yaml" --engine com --vary channel.length_scale=0.8:1.2:0.2 -j 2 --csv "$T/sw.csv" --json "$T/sw.json" \
  --plot "$T/swp" > "$T/sw.txt" 2>&1 || bad "sweep --engine com exit $?: $(cat "$T/sw.txt")"
nontrivial "$T/swp/sweep_com.png" 10000; nontrivial "$T/swp/sweep_com.svg" 10000
"$BIN" com "$CH/CA_19p75dB_thru.s4p" --fext "$CH/CA_19p75dB_fext1.s4p" --next "$CH/CA_19p75dB_next1.s4p" --params 8023ck-kr \
  -j 2 --json "$T/one.json" > /dev/null 2>&1 || bad "com exit $?"
python3 - "$T/sw.json" "$T/one.json" "$T/sw.csv" > "$T/py.txt" 2>&1 <<'EOY' && ok || bad "sweep vs com: $(cat "$T/py.txt")"
import csv, json, sys
sw, one = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
pts = sw["sweep"]["points"]
assert sw["sweep"]["engine"] == "com" and len(pts) == 3, sw["sweep"]
at1 = [p for p in pts if p["channel.length_scale"] == 1][0]
assert at1["com_db"] == one["com_db"] and at1["il_nyquist_db"] == one["il_nyquist_db"], (at1, one["com_db"])
c = [p["com_db"] for p in pts]
assert c[0] > c[1] > c[2], c
rows = list(csv.DictReader(open(sys.argv[3])))
assert [float(r["com_db"]) for r in rows] == [float("%.6g" % x) for x in c], rows
assert all(r["target_met"] == ("1" if float(r["com_db"]) >= 3 else "0") for r in rows), rows
# the crossing of the 3 dB threshold, linear in dB between the two points around it
x = sw["sweep"]["crossings"]
assert len(x) == 1 and x[0]["engine"] == "com" and x[0]["closes_below"] is True, x
a, b = [p for p in pts if p["com_db"] >= 3][-1], [p for p in pts if p["com_db"] < 3][0]
ka, kb = a["channel.length_scale"], b["channel.length_scale"]
want = ka + (a["com_db"] - 3) / (a["com_db"] - b["com_db"]) * (kb - ka)
assert abs(x[0]["channel.length_scale"] - want) < 1e-5, (x, want)
print("%.4g" % want)
EOY
grep -q "^crossing     COM 3 dB at channel.length_scale = $(cat "$T/py.txt") (the channel passes below it; COM)" "$T/sw.txt" && ok \
  || bad "sweep --engine com: no crossing line: $(cat "$T/sw.txt")"

# stat with com.params: the COM line and the JSON's "com" equal `pam4sim com` on the same files
"$BIN" stat "$T/ca.yaml" --set stat.sps=8 --json "$T/st.json" > "$T/st.txt" 2>&1 || bad "stat with com.params exit $?: $(tail -2 "$T/st.txt")"
grep -q "^COM          [-0-9.]* dB (IEEE 802.3 93A/178A, set 8023ck-kr, case [12] of 2): \(PASS\|FAIL\)" "$T/st.txt" && ok \
  || bad "stat: no COM line: $(grep '^COM' "$T/st.txt")"
python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); b=json.load(open(sys.argv[2])); assert a["com"]["com_db"] == b["com_db"], (a["com"], b["com_db"])' \
  "$T/st.json" "$T/one.json" 2> "$T/py2.txt" && ok || bad "stat's COM differs from com's: $(cat "$T/py2.txt")"

# bad input to a COM sweep: one line naming the key, no rows
swerr() { # expected-exit, expected-text, args...
  want=$1 text=$2; shift 2
  "$BIN" sweep "$@" > "$T/out" 2> "$T/err"; rc=$?
  [ "$rc" -eq "$want" ] && ok || bad "sweep $*: exit $rc, expected $want"
  [ "$(wc -l < "$T/err")" -eq 1 ] && ok || bad "sweep $*: not one error line: $(cat "$T/err")"
  grep -q -- "$text" "$T/err" && ok || bad "sweep $*: error '$(cat "$T/err")' lacks '$text'"
}
swerr 1 "key 'com.params' = '8023zz-kr': COM parameters '8023zz-kr': no such set" "$T/ca.yaml" --engine com --set com.params=8023zz-kr --vary channel.length_scale=1,2
sed 's/^rlm: 0.95/rlm: 1.5/' "$PARAMS/8023ck-kr.yaml" > "$T/bad1.yaml"
swerr 1 "key 'com.params' = '.*bad1.yaml': .*bad1.yaml:16: key 'rlm' = 1.5 is outside" "$T/ca.yaml" --engine com --set "com.params=$T/bad1.yaml" --vary channel.length_scale=1,2
swerr 1 "tx.amplitude_v does not enter COM" "$T/ca.yaml" --engine com --vary tx.amplitude_v=0.3,0.4
swerr 2 "--engine com needs key 'com.params'" "$T/ca.yaml" --engine com --set 'com.params=""' --vary channel.length_scale=1,2
swerr 1 "key 'com.params' = '8023dj-kr' needs channel.type touchstone" --engine com --set com.params=8023dj-kr --vary channel.il_nyquist_db=20,30

echo "com_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
