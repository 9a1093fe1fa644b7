#!/bin/sh
# vectors_cli.sh - regression vectors from the command line: a mismatch names what the word means
# (from the file's description), and a user's own configuration recorded as a golden block
# (vectors generate --config) checks clean, agrees with `pam4sim run` of the same file, and fails
# with a clear message once the configuration is changed.
# usage: sh tests/vectors_cli.sh build/pam4sim
BIN=${1:-build/pam4sim}
. "$(dirname "$0")/cli_lib.sh"

# a record-shaped description ("8 codewords of 544 symbols"): word 600 is codeword 1, element 56
mkdir "$T/enc"; cp -r vectors/kp4_encode "$T/enc/"
grep '^#\|^kp4_encode/' vectors/manifest.txt > "$T/enc/manifest.txt"
"$BIN" vectors check "$T/enc" > "$T/ok.log" 2>&1 && ok || bad "kp4_encode copy does not check: $(tail -3 "$T/ok.log")"
line=$((11 + 600 + 1)) # 11 header lines, then word 0
awk -v n=$line 'NR == n {print ($0 == "000" ? "001" : "000"); next} {print}' vectors/kp4_encode/codeword.hex > "$T/enc/kp4_encode/codeword.hex"
"$BIN" vectors check "$T/enc" > "$T/enc.log" 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "corrupted codeword: exit $rc"
has "$T/enc.log" "codeword.hex:$line: word 600 (codeword 1, element 56 of 544): expected"

# a user's configuration as a golden block
printf 'sim:\n  symbols: 40000\n  seed: 7\nchannel:\n  il_nyquist_db: 48\n' > "$T/team.yaml"
"$BIN" vectors generate --config "$T/team.yaml" --block team_link --out "$T/gold" -j 2 > "$T/gen.log" 2>&1 && ok ||
  bad "generate --config: $(cat "$T/gen.log")"
for f in manifest.txt team_link/config.yaml team_link/link_counts.hex team_link/link_figures.hex; do
  [ -s "$T/gold/$f" ] && ok || bad "generate --config did not write $f"
done
grep -q '^team_link/link_counts.hex team_link 7 response uint 64 31 exact' "$T/gold/manifest.txt" && ok ||
  bad "manifest line: $(grep team_link "$T/gold/manifest.txt")"
"$BIN" vectors check "$T/gold" -j 1 > "$T/chk.log" 2>&1 && ok || bad "check of the golden block: $(cat "$T/chk.log")"
has "$T/chk.log" "ok    team_link     seed 7: 2 files"
# its counts are the command line's: words 0 (symbols) and 3 (bit errors) against pam4sim run
words=$(grep -v '^//' "$T/gold/team_link/link_counts.hex")
sym=$(printf '%d' 0x$(echo "$words" | sed -n 1p)); err=$(printf '%d' 0x$(echo "$words" | sed -n 4p))
"$BIN" run "$T/team.yaml" > "$T/run.txt" 2>&1
rerr=$(awk '/^BER/ {gsub(/\(/, "", $3); print $3}' "$T/run.txt")
[ "$sym" = 40960 ] || [ "$sym" = 40000 ] && [ "$err" -gt 10 ] && [ "$err" = "$rerr" ] && ok ||
  bad "golden counts: $sym symbols, $err bit errors; pam4sim run: $rerr"
# a changed configuration fails, saying so and naming the words
sed -i 's/^  il_nyquist_db: 48 /  il_nyquist_db: 49 /' "$T/gold/team_link/config.yaml"
grep -q '^  il_nyquist_db: 49 ' "$T/gold/team_link/config.yaml" && ok || bad "the test could not change the configuration"
"$BIN" vectors check "$T/gold" > "$T/chg.log" 2>&1; rc=$?
[ $rc = 1 ] && ok || bad "changed configuration: exit $rc"
has "$T/chg.log" "link_counts.hex: the configuration is not the one the vectors were generated from"
has "$T/chg.log" "link_counts.hex:[0-9]*: word 1 (symbol_errors): expected"
has "$T/chg.log" "FAIL  team_link"
# bad use
"$BIN" vectors generate --config "$T/team.yaml" --block link --out "$T/x" > /dev/null 2> "$T/e1"; rc=$?
[ $rc = 1 ] && grep -q "is a built-in block" "$T/e1" && ok || bad "built-in name: exit $rc, $(cat "$T/e1")"
"$BIN" vectors generate --block mine --out "$T/x" > /dev/null 2> "$T/e2"; rc=$?
[ $rc = 2 ] && grep -q "a block of your own needs --config FILE" "$T/e2" && ok || bad "own block without --config: $(cat "$T/e2")"
"$BIN" vectors generate --config "$T/nofile.yaml" --block mine --out "$T/x" > /dev/null 2> "$T/e3"; rc=$?
[ $rc = 1 ] && grep -q "No such file or directory" "$T/e3" && [ ! -e "$T/x" ] && ok || bad "missing config: $(cat "$T/e3")"

echo "vectors_cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
