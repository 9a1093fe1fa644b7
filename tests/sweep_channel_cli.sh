#!/bin/sh
# sweep_channel_cli.sh - sweeping a measured channel and telling scripts the answer, from the
# command line: a swept key that cannot act on the link refused with the reason; --vary over a list
# of files with one unreadable file (reported as failed in text, CSV and JSON, the sweep going on);
# the length factor of the cable assembly swept by Monte Carlo (a crossing, and BER monotonic in k
# within the 95 % intervals); --fail-on-target's exit status; `pam4sim channel`'s warnings.
# usage: sh tests/sweep_channel_cli.sh build/pam4sim build/channels
BIN=${1:-build/pam4sim}
CH=${2:-build/channels}
. "$(dirname "$0")/cli_lib.sh"
CA="$CH/CA_19p75dB_thru.s4p"
# the cable assembly's thru alone, with the example's receiver (32-tap FFE, 6 pre)
THRU="--set channel.type=touchstone --set channel.file=$CA --set rx.ffe.taps=32 --set rx.ffe.precursors=6"

# a loss-model key on a Touchstone channel: refused, naming the key and why, nothing written
"$BIN" sweep $THRU --vary channel.il_nyquist_db=30:46:4 --set stat.sps=16 --csv "$T/no.csv" > "$T/o1" 2> "$T/e1"
rc=$?
[ $rc -eq 1 ] && grep -q "channel.il_nyquist_db has no effect here: the channel is a Touchstone file; channel.il_nyquist_db applies to the loss model" "$T/e1" \
  && [ ! -f "$T/no.csv" ] && ok || bad "il_nyquist_db on a file: exit $rc: $(cat "$T/e1")"
# the same mechanism for other keys: stat.* under Monte Carlo, the DSP receiver's keys under the statistical engine
"$BIN" sweep --engine mc --vary stat.bins=512,1024 > /dev/null 2> "$T/e2"
[ $? -eq 1 ] && grep -q "stat.bins applies to the statistical engine" "$T/e2" && ok || bad "stat.bins under mc: $(cat "$T/e2")"
"$BIN" sweep --set rx.dsp.enable=true --vary rx.cdr.bandwidth_mhz=2,4 > /dev/null 2> "$T/e3"
[ $? -eq 1 ] && grep -q "does not model the bit-true DSP receiver" "$T/e3" && ok || bad "rx.cdr under stat: $(cat "$T/e3")"

# a list of files with an unreadable one in the middle: 3 rows, the failure with its reason, exit 1
printf '! not a Touchstone file\n# GHz S RI R 50\n1 2 x\n' > "$T/broken.s4p"
"$BIN" sweep $THRU --vary "channel.file=$CA,$T/broken.s4p,$CH/DPO_4in_Meg7_THRU.s4p" --set stat.sps=16 \
  --csv "$T/f.csv" --json "$T/f.json" > "$T/f.txt" 2>&1
rc=$?
[ $rc -eq 1 ] && ok || bad "sweep with a failing point: exit $rc (want 1)"
grep -q "broken.s4p failed: .*broken.s4p" "$T/f.txt" && grep -q "^failed       1 of 3 points" "$T/f.txt" && ok || bad "text: $(cat "$T/f.txt")"
[ "$(wc -l < "$T/f.csv")" -eq 4 ] && grep -q ",failed,.*broken.s4p" "$T/f.csv" && [ "$(grep -c ',ok,$' "$T/f.csv")" -eq 2 ] \
  && ok || bad "CSV: $(cat "$T/f.csv")"
python3 - "$T/f.json" <<'EOF' && ok || bad "JSON of the failed sweep"
import json, sys
s = json.load(open(sys.argv[1]))["sweep"]
p = s["points"]
assert s["points_failed"] == 1 and len(p) == 3, s
assert p[1]["status"] == "failed" and "broken.s4p" in p[1]["error"] and p[1]["target_met"] is False
assert p[0]["status"] == p[2]["status"] == "ok" and 0 < p[0]["ber"] < 0.5 and 0 < p[2]["ber"] < 0.5
EOF

# the length factor of the cable assembly, Monte Carlo: a crossing between k = 0.8 (IL 28.6 dB)
# and 1.1 (39.3 dB), and the BER monotonic in k within the 95 % intervals (every pair of points)
"$BIN" sweep $THRU --engine mc --symbols 100000 --vary channel.length_scale=0.8:1.1:0.1 --csv "$T/k.csv" > "$T/k.txt" 2>&1 \
  || bad "length_scale sweep exit $?"
grep -Eq "^crossing .*channel.length_scale = (0\.[89]|1\.0)" "$T/k.txt" && ok || bad "no crossing along k: $(cat "$T/k.txt")"
awk -F, 'NR > 1 { k[NR] = $1; lo[NR] = $3; hi[NR] = $4; n = NR }
         END { for (i = 2; i <= n; i++) for (j = i + 1; j <= n; j++) if (hi[j] < lo[i]) { print "k " k[j] " below k " k[i]; exit 1 }
               if (n != 5) exit 1 }' "$T/k.csv" && ok || bad "BER not monotonic in k: $(cat "$T/k.csv")"
"$BIN" run $THRU --set channel.length_scale=1.3 --set channel.extra_loss_db=2 --symbols 2000 > "$T/r.txt" 2>&1
grep -Eq "IL 35.77 dB at 53.12 GHz; scaled: length x 1.3, \+ 2 dB loss model in series: IL 48.(4[5-9]|5[0-5]) dB" "$T/r.txt" && ok \
  || bad "the scaled IL in the report: $(grep channel "$T/r.txt")"
"$BIN" run --set channel.length_scale=2 > /dev/null 2> "$T/e4"
[ $? -eq 1 ] && grep -q "channel.length_scale' = 2 needs channel.type touchstone" "$T/e4" && ok || bad "length_scale on the model: $(cat "$T/e4")"

# --fail-on-target: 3 when the target is missed, 0 when met or without the option
"$BIN" stat --set stat.sps=16 --fail-on-target > /dev/null 2>&1; [ $? -eq 0 ] && ok || bad "stat met: exit not 0"
"$BIN" stat --set stat.sps=16 --set channel.il_nyquist_db=50 > /dev/null 2>&1; [ $? -eq 0 ] && ok || bad "stat missed, no option: exit not 0"
"$BIN" stat --set stat.sps=16 --set channel.il_nyquist_db=50 --fail-on-target > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok || bad "stat missed: exit $rc (want 3)"
"$BIN" run --symbols 20000 --set channel.il_nyquist_db=50 --fail-on-target > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok || bad "run missed: exit $rc (want 3)"
"$BIN" sweep --vary channel.il_nyquist_db=40,52 --set stat.sps=16 --fail-on-target > /dev/null 2>&1; rc=$?
[ $rc -eq 3 ] && ok || bad "sweep with a point missing the target: exit $rc (want 3)"
"$BIN" sweep --vary channel.il_nyquist_db=30,34 --set stat.sps=16 --fail-on-target > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok || bad "sweep all met: exit $rc (want 0)"

# pam4sim channel: warnings for the band, passivity and the budgets
"$BIN" channel "$CA" > "$T/c1.txt" 2>&1 || bad "channel exit $?"
grep -q "^budgets .*beyond 200GAUI-1 C2M.*within 200GBASE-CR1.*200GBASE-KR1 (~40 dB bump-to-bump \[V\])" "$T/c1.txt" \
  && ! grep -q "^warning" "$T/c1.txt" && ok || bad "channel CA: $(cat "$T/c1.txt")"
"$BIN" channel "$CA" --baud-gbd 130 --passivity-tol 1e-4 > "$T/c2.txt" 2>&1
grep -q "^warning .*band ends at 60 GHz, below the link's Nyquist frequency 65 GHz" "$T/c2.txt" \
  && grep -q "^warning .*not passive: largest singular value of S 1.0005" "$T/c2.txt" && ok || bad "channel CA at 130 GBd: $(cat "$T/c2.txt")"
"$BIN" channel "$CH/DPO_4in_Meg7_THRU.s4p" --json > "$T/c3.json" 2>&1
python3 - "$T/c3.json" <<'EOF' && ok || bad "channel DPO JSON: $(cat "$T/c3.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert abs(d["il_nyquist_db"] - 88.9) < 0.1 and all(b["beyond"] for b in d["budgets"])
assert any("beyond every 200G/lane budget" in w and "200GBASE-KR1" in w for w in d["warnings"]), d["warnings"]
EOF
"$BIN" channel "$CA" --baud-gbd 0 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--baud-gbd 0 accepted"

echo "sweep/channel CLI: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
