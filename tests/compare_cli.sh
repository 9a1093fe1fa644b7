#!/bin/sh
# compare_cli.sh - `pam4sim compare` from the command line: the side-by-side report and its JSON
# (three architectures, their segments, latency and power blocks), a budget search with its margins,
# --fail-on-target's exit status, and bad input
# refused with the key named and no file left behind.
# usage: sh tests/compare_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

# the comparison without budgets: report lines and JSON members
"$BIN" compare --no-budget --symbols 30000 --fail-on-target --json "$T/c.json" > "$T/c.txt" 2> "$T/c.err" || bad "compare exit $? (all meet the target)"
for s in "DSP-retimed" "LPO" "LRO" "end-to-end pre-FEC BER" "post-FEC BER" "latency total" "power per 8-lane module" \
         "KP4 codeword accumulation" "module DSP transmit"; do has "$T/c.txt" "$s"; done
[ "$(grep -c '"key": "' "$T/c.json")" -eq 3 ] && ok || bad "JSON: expected 3 architectures"
for s in '"segments"' '"e2e"' '"post_fec_ber"' '"latency"' '"power"' '"w_module": 30,' '"schema": 4'; do has "$T/c.json" "$s"; done
grep -q '"budget_host_il_db"' "$T/c.json" && bad "JSON: budgets without a search" || ok
# the retimed chain has three segments, LPO one, LRO two
[ "$(grep -c '^  *"name": "\|{"name": "' "$T/c.json")" -ge 9 ] && ok || bad "JSON: segment names"

# the same numbers for any number of threads
for j in 1 2; do
  "$BIN" compare --no-budget --symbols 20000 --set sim.unit_symbols=8192 -j $j --json "$T/j$j.json" > /dev/null 2>&1 || bad "compare -j $j exit $?"
  grep -v '"threads"' "$T/j$j.json" > "$T/j$j.txt"
done
cmp -s "$T/j1.txt" "$T/j2.txt" && ok || bad "compare: -j 1 and -j 2 differ"

# a cheap host-loss budget for every architecture
"$BIN" compare --symbols 20000 --set compare.budget_symbols=30000 --set compare.optical_budget=none \
  --set "lpo.driver_peaking_db=[6]" --set "lpo.tia_peaking_db=[6]" --json "$T/b.json" > "$T/b.txt" 2>&1 || bad "budget exit $?"
has "$T/b.txt" "largest host loss"
[ "$(grep -c '"budget_host_il_db": {"end": "found"' "$T/b.json")" -eq 3 ] && ok || bad "budget: not found for all three"
# the margin to the target next to each budget: the budget less the configured 12 dB board
has "$T/b.txt" "host-loss margin \[dB\]"
python3 - "$T/b.json" <<'EOF' && ok || bad "budget margins in the JSON"
import json, sys
for a in json.load(open(sys.argv[1]))["architectures"]:
    b = a["budget_host_il_db"]
    assert b["nominal"] == 12 and abs(b["margin"] - (b["value"] - 12)) < 1e-6, b  # JSON keeps 9 digits
    assert abs(a["margin_host_il_db"] - b["margin"]) < 1e-6 and a["target_met"] is True, a
EOF

# --fail-on-target: 3 when an architecture misses the target (the optics 20 dB short), 0 when all meet it
"$BIN" compare --no-budget --symbols 2000 --set optics.rx.oma_dbm=-18 --fail-on-target > "$T/t.txt" 2>&1; rc=$?
[ $rc -eq 3 ] && ok || bad "compare missing the target with --fail-on-target: exit $rc (want 3)"
"$BIN" compare --no-budget --symbols 2000 --set optics.rx.oma_dbm=-18 > /dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && ok || bad "compare missing the target without the option: exit $rc (want 0)"

# channel.position without optics
"$BIN" run --set channel.position=rx --symbols 1000 > /dev/null 2> "$T/p.err"
[ $? -eq 1 ] && ok || bad "channel.position without optics: exit"
has "$T/p.err" "channel.position"

# bad input: the key and its range named, exit 1 (2 for usage), no JSON left
"$BIN" compare --no-budget --set compare.optical_budget=far --json "$T/x.json" > /dev/null 2> "$T/x.err"
[ $? -eq 1 ] && ok || bad "bad enum: exit"
has "$T/x.err" "compare.optical_budget"
[ -e "$T/x.json" ] && bad "bad enum left a JSON file" || ok
"$BIN" compare --no-budget --set module.rx.mlse_memory=2 > /dev/null 2> "$T/y.err"
[ $? -eq 1 ] && ok || bad "module.rx.mlse_memory without the DFE taps: exit"
has "$T/y.err" "module.rx.mlse_memory"
"$BIN" compare --no-budget --set power.dsp_tx_share=1.5 > /dev/null 2> "$T/z.err"
[ $? -eq 1 ] && ok || bad "power.dsp_tx_share out of range: exit"
has "$T/z.err" "power.dsp_tx_share"
"$BIN" compare --bogus > /dev/null 2>&1
[ $? -eq 2 ] && ok || bad "unknown option: exit 2"

echo "compare_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
