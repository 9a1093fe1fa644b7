#!/bin/sh
# module_cli.sh - `pam4sim module` from the command line: the per-lane report and its JSON (every
# lane, the worst lane, module FLR, power, latency), a weak lane named as the worst, a population
# (yield, percentiles, drivers) that does not depend on -j, and bad input refused with no file left.
# usage: sh tests/module_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

"$BIN" module --arch lpo --symbols 20000 --set power.lanes_per_module=4 --lane 2:optics.connectors.loss_db=2 \
  --population 100 --json "$T/m.json" > "$T/m.txt" 2> "$T/m.err" || bad "module exit $?"
for s in "4 lanes, LPO" "worst lane   2" "module FLR" "W the module" "population   100 modules x 4 lanes" "yield" \
         "correlation with the worst-lane margin:"; do has "$T/m.txt" "$s"; done
python3 -m json.tool "$T/m.json" > /dev/null && ok || bad "module JSON does not parse"
[ "$(grep -c '{"lane": ' "$T/m.json")" -eq 4 ] && ok || bad "JSON: expected 4 lanes"
for s in '"worst_lane": 2' '"module_flr"' '"population"' '"yield"' '"drivers"'; do has "$T/m.json" "$s"; done

# the population does not depend on the thread count (two parameters varied: 5 statistical evaluations)
FEW="--set variation.er_db.width=0 --set variation.modulator_bandwidth_ghz.width=0 --set variation.tia_bandwidth_ghz.width=0
     --set variation.driver_swing_vpp.width=0 --set variation.connector_loss_db.width=0"
for j in 1 2; do
  "$BIN" module --arch lpo --symbols 10000 --set power.lanes_per_module=2 --population 50 $FEW -j $j --json "$T/p$j.json" > /dev/null 2>&1 \
    || bad "module -j $j exit $?"
  grep -v '"threads"' "$T/p$j.json" > "$T/p$j.txt"
done
cmp -s "$T/p1.txt" "$T/p2.txt" && ok || bad "module: -j 1 and -j 2 differ"

# bad input: exit 2 or 1 with the reason, no JSON left
"$BIN" module --arch xyz --json "$T/x.json" > /dev/null 2> "$T/x.err"
[ $? -eq 2 ] && ok || bad "bad --arch: exit"
has "$T/x.err" "allowed: retimed"
"$BIN" module --lane 9:optics.connectors.loss_db=1 --json "$T/x.json" > /dev/null 2> "$T/y.err"
[ $? -ne 0 ] && ok || bad "--lane past the lanes: exit"
has "$T/y.err" "the module has 8 lanes"
"$BIN" module --set variation.er_db.dist=cauchy --json "$T/x.json" > /dev/null 2> "$T/z.err"
[ $? -eq 1 ] && ok || bad "bad variation: exit"
has "$T/z.err" "variation.er_db.dist"
[ -e "$T/x.json" ] && bad "a JSON file was left behind" || ok

echo "module_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
