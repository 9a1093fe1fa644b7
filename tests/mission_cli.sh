#!/bin/sh
# mission_cli.sh - the mission, `pam4sim run` with no argument: it finishes and prints every section
# (Monte Carlo counts, statistical margins and budgets, latency, power, the verdict) with the engine
# of each figure, --json holds them, its Monte Carlo figures equal compare's for the same
# configuration, and the electrical link stays one flag away (--link, or any option without FILE).
# usage: sh tests/mission_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

# the mission as it ships: no argument at all
start=$(date +%s)
"$BIN" run > "$T/m.txt" 2> "$T/m.err" || bad "pam4sim run exit $?"
end=$(date +%s)
echo "mission: $((end - start)) s wall"
for s in "the mission" "DSP-retimed" "LPO" "pre-FEC BER, end to end" "post-FEC BER (KP4)" "margin to the target" \
         "host-loss margin (budget)" "received-OMA margin (budget)" "latency one way, total" "power per 1.6T module" \
         "modules a year" "verdict      LPO" "pam4sim run --link"; do has "$T/m.txt" "$s"; done
grep -q '^margin to the target .* stat$' "$T/m.txt" && ok || bad "the margin's engine is not named"
grep -q '^pre-FEC BER, end to end .* MC$' "$T/m.txt" && ok || bad "the counted BER's engine is not named"

# JSON, the mission's options, and its Monte Carlo figures against compare's
"$BIN" run --mission --no-budget --symbols 20000 --json "$T/m.json" > /dev/null 2>&1 || bad "run --mission exit $?"
"$BIN" compare --no-budget --symbols 20000 --set stat.sps=16 --json "$T/c.json" > /dev/null 2>&1 || bad "compare exit $?"
python3 - "$T/m.json" "$T/c.json" <<'PY' && ok || bad "mission and compare differ (above)"
import json, sys
m = json.load(open(sys.argv[1])); c = json.load(open(sys.argv[2]))
assert m["command"] == "mission", m["command"]
cmp = {a["key"]: a for a in c["architectures"]}
bad = 0
for a in m["architectures"]:
    b = cmp[a["key"]]
    pairs = [("bits", a["mc"]["bits"], b["e2e"]["symbols"] * 2), ("bit errors", a["mc"]["bit_errors"], b["e2e"]["bit_errors"]),
             ("post-FEC BER", a["mc"]["post_fec_ber"], b["e2e"]["post_fec_ber"]), ("FLR", a["mc"]["flr"], b["e2e"]["flr"]),
             ("latency", a["latency"]["total_ns"], b["latency"]["total_ns"]), ("power", a["power"]["w_module"], b["power"]["w_module"])]
    for name, x, y in pairs:
        if abs(x - y) > 1e-9 * max(1, abs(y)):
            print("%s %s: mission %r, compare %r" % (a["key"], name, x, y)); bad = 1
    for k in ("margin_db", "pre_fec_ber", "consistent_with_mc"):
        assert k in a["stat"], k
sys.exit(bad)
PY
"$BIN" run --mission --arch cpo --no-budget --symbols 20000 > "$T/cpo.txt" 2>&1 && ok || bad "--arch cpo exit $?"
has "$T/cpo.txt" "CPO"

# the electrical link: one flag away, and every command line that ran it still does
"$BIN" run --link --symbols 20000 > "$T/l.txt" 2>&1 && ok || bad "run --link exit $?"
has "$T/l.txt" "electrical link"
"$BIN" run --symbols 20000 > "$T/l2.txt" 2>&1 && ok || bad "run --symbols exit $?"
has "$T/l2.txt" "electrical link"

# bad input
"$BIN" run --mission --arch xyz > /dev/null 2> "$T/x.err"
[ $? -eq 2 ] && ok || bad "--arch xyz: exit"
has "$T/x.err" "allowed: a comma-separated list"
"$BIN" run --mission --plot "$T/p" > /dev/null 2> "$T/y.err"
[ $? -ne 0 ] && ok || bad "--mission --plot: exit"
has "$T/y.err" "needs one link"

echo "mission_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
