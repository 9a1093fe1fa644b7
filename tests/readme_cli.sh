#!/bin/sh
# readme_cli.sh - the README's example outputs cannot drift: each code block after a marker
# <!-- output: pam4sim ARGS --> is run as `pam4sim ARGS`, and every line of the block must be a line
# of the program's output, word for word (the block may leave lines out; lines with times in them,
# which vary from run to run, are not compared).
# usage: sh tests/readme_cli.sh build/pam4sim [README.md]
BIN=${1:-build/pam4sim}
README=${2:-$(dirname "$0")/../README.md}
. "$(dirname "$0")/cli_lib.sh"

n=0
grep -n '^<!-- output: pam4sim .* -->$' "$README" | while IFS=: read -r line rest; do
  args=$(echo "$rest" | sed 's/^<!-- output: pam4sim \(.*\) -->$/\1/')
  # the block: from the fence after the marker to the next fence
  awk -v s="$line" 'NR > s && /^```/ { if (in_b) exit; in_b = 1; next } in_b { print }' "$README" > "$T/block"
  # shellcheck disable=SC2086
  "$BIN" $args > "$T/out" 2> /dev/null || { echo "FAIL: pam4sim $args: exit $?"; echo x >> "$T/bad"; continue; }
  grep -v -e '^run time' -e '^time ' -e '^run end' "$T/block" | while IFS= read -r l; do
    [ -z "$l" ] && continue
    grep -Fxq -- "$l" "$T/out" || { echo "FAIL: README line not in 'pam4sim $args': $l"; echo x >> "$T/bad"; }
  done
  echo x >> "$T/done"
done
blocks=$(cat "$T/done" 2>/dev/null | wc -l)
bads=$(cat "$T/bad" 2>/dev/null | wc -l)
[ "$blocks" -ge 3 ] && ok || bad "expected at least 3 example blocks in the README, found $blocks"
[ "$bads" -eq 0 ] && ok || bad "$bads README lines differ from the program's output"
echo "readme_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
