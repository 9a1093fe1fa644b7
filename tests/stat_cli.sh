#!/bin/sh
# stat_cli.sh - `pam4sim stat`, `sweep` and `--plot` from the command line: files written and
# non-trivial, every plot's code path run, sweep results the same for any -j, the target crossing
# found, Ctrl-C keeping the finished points, the edges of the ranges answered (no crash, BER in
# [0, 0.5], never "met" where the link cannot close), and bad input refused without leaving files.
# usage: sh tests/stat_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

# stat: report, JSON, plots (eye with contours, both bathtubs, pulse, insertion loss)
"$BIN" stat --set stat.sps=16 --json "$T/stat.json" --plot "$T/p1" > "$T/stat.txt" 2>&1 || bad "stat exit $?"
grep -q "^COM-style" "$T/stat.txt" && ok || bad "stat: no COM line"
grep -q '"contours"' "$T/stat.json" && grep -q '"horizontal_bathtub"' "$T/stat.json" && ok || bad "stat JSON members"
for f in eye bathtub_vertical bathtub_horizontal pulse insertion_loss; do
  nontrivial "$T/p1/$f.png" 10000; nontrivial "$T/p1/$f.svg" 10000
done
ls "$T/p1" | grep -q tmp && bad "a temporary plot file was left" || ok

# run --plot: the Monte Carlo eye, its counted bathtub, pulse, insertion loss
"$BIN" run --symbols 20000 -j 1 --plot "$T/p2" > /dev/null 2>&1 || bad "run --plot exit $?"
for f in eye bathtub_horizontal pulse insertion_loss; do nontrivial "$T/p2/$f.png" 10000; nontrivial "$T/p2/$f.svg" 10000; done

# sweep, Monte Carlo: the same CSV for -j 1 and -j 2
for j in 1 2; do
  "$BIN" sweep --engine mc --vary rx.noise.eta0_v2_per_ghz=1e-7:2e-7:1e-7 --symbols 60000 -j $j --csv "$T/mc$j.csv" \
    > /dev/null 2>&1 || bad "sweep mc -j $j exit $?"
done
cmp -s "$T/mc1.csv" "$T/mc2.csv" && ok || bad "sweep mc: -j 1 and -j 2 differ"
[ "$(wc -l < "$T/mc1.csv")" -eq 3 ] && ok || bad "sweep mc: expected 2 points"

# sweep, statistical: the loss at which the default link stops meeting the target, plots, JSON
"$BIN" sweep --vary channel.il_nyquist_db=40:52:4 --set stat.sps=16 --json "$T/sw.json" --csv "$T/sw.csv" \
  --plot "$T/p3" > "$T/sw.txt" 2>&1 || bad "sweep stat exit $?"
grep -q "^crossing .*channel.il_nyquist_db = " "$T/sw.txt" && ok || bad "sweep: no crossing found: $(cat "$T/sw.txt")"
grep -q '"crossings": \[$' "$T/sw.json" && grep -q '"closes_below": true' "$T/sw.json" && ok || bad "sweep JSON crossing"
nontrivial "$T/p3/sweep_ber.png" 10000; nontrivial "$T/p3/sweep_ber.svg" 10000
# two keys: a crossing per value of the first
"$BIN" sweep --vary rx.ffe.taps=12:24:12 --vary channel.il_nyquist_db=40:52:6 --set stat.sps=16 > "$T/sw2.txt" 2>&1 \
  || bad "sweep 2 keys exit $?"
[ "$(grep -c '^crossing .*rx.ffe.taps=' "$T/sw2.txt")" -ge 1 ] && ok || bad "sweep 2 keys: $(cat "$T/sw2.txt")"

# Ctrl-C: the finished points are reported and written, marked interrupted, exit 130
"$BIN" sweep --engine mc --vary channel.il_nyquist_db=20:40:1 --symbols 2000000 -j 1 --json "$T/int.json" \
  > "$T/int.txt" 2>&1 &
pid=$!
sleep 4
kill -INT $pid
wait $pid
rc=$?
[ $rc -eq 130 ] && ok || bad "interrupted sweep exit $rc (want 130)"
grep -q '"interrupted": true' "$T/int.json" 2>/dev/null && ok || bad "interrupted sweep: JSON not marked"
grep -q "^interrupted" "$T/int.txt" && ok || bad "interrupted sweep: no report line"

# the edges of the ranges: a 200 km line (every key in range) that cannot close; an 80 km one; a
# Touchstone entry that converts to infinity. No crash: BER in [0, 0.5], never "met", valid JSON
# (or, for the file, one clear error line)
for L in 80000 200000; do
  "$BIN" stat --set optics.enable=true --set optics.fiber.length_m=$L --set stat.sps=8 --json "$T/far$L.json" \
    > "$T/far$L.txt" 2>&1; rc=$?
  [ $rc -eq 0 ] && ok || bad "stat at $L m: exit $rc: $(tail -3 "$T/far$L.txt")"
  awk '/^BER/ { b = $2 + 0; found = 1 } END { exit !(found && b >= 0 && b <= 0.5) }' "$T/far$L.txt" && ok \
    || bad "stat at $L m: BER outside [0, 0.5]: $(grep '^BER' "$T/far$L.txt")"
  grep -q "^target .*NOT met" "$T/far$L.txt" && ok || bad "stat at $L m: the target reads met"
  grep -q '^COM-style    -inf dB' "$T/far$L.txt" && ok || bad "stat at $L m: COM: $(grep '^COM' "$T/far$L.txt")"
  tail -c 3 "$T/far$L.json" | grep -q '}' && grep -q '"not_modelled": \[' "$T/far$L.json" && ok || bad "stat at $L m: JSON"
done
awk 'BEGIN { print "# GHz S DB R 50"
  for (f = 0; f <= 120; f += 1) {
    t = -0.3 * f; o = -60; x = (f == 20) ? 1e300 : t   # one S-parameter whose magnitude is 10^(1e300/20)
    printf "%g", f
    for (i = 1; i <= 4; i++) for (j = 1; j <= 4; j++) {
      m = ((i == 1 && j == 2) || (i == 2 && j == 1) || (i == 3 && j == 4) || (i == 4 && j == 3)) ? t : o
      if (i == 2 && j == 1) m = x
      printf " %g %g", m, -10 * f
    }
    printf "\n" } }' > "$T/inf.s4p"
"$BIN" stat --set channel.type=touchstone --set channel.file="$T/inf.s4p" --set stat.sps=8 > "$T/inf.txt" 2> "$T/inf.err"
rc=$?
if [ $rc -eq 0 ]; then
  awk '/^BER/ { b = $2 + 0; found = 1 } END { exit !(found && b >= 0 && b <= 0.5) }' "$T/inf.txt" && ok || bad "infinite entry: BER"
else
  [ $rc -eq 1 ] && [ "$(wc -l < "$T/inf.err")" -ge 1 ] && ok || bad "infinite Touchstone entry: exit $rc: $(cat "$T/inf.err")"
fi

# bad input: usage errors and a value out of range, no files left
"$BIN" sweep --vary channel.il_nyquist_db=30:20:2 > /dev/null 2> "$T/e1"; [ $? -eq 2 ] && ok || bad "backwards step"
"$BIN" sweep --vary nonsense > /dev/null 2> "$T/e2"; [ $? -eq 2 ] && ok || bad "--vary without ="
"$BIN" sweep --vary channel.il_nyquist_db=10:1000:100 --csv "$T/no.csv" > /dev/null 2> "$T/e3"
[ $? -eq 1 ] && grep -q "channel.il_nyquist_db" "$T/e3" && [ ! -f "$T/no.csv" ] && ok || bad "out-of-range sweep value: $(cat "$T/e3")"
"$BIN" sweep --engine fast --vary sim.seed=1:2:1 > /dev/null 2>&1; [ $? -eq 2 ] && ok || bad "--engine fast"
"$BIN" stat --plot /dev/null/x > /dev/null 2> "$T/e4"; [ $? -eq 1 ] && ok || bad "stat --plot into a bad folder"

echo "stat_cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
