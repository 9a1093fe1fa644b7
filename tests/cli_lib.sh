# cli_lib.sh - helpers the CLI check scripts share (sourced): a temporary folder removed on exit,
# pass/fail counters, and the checks they use.
set -u
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
nontrivial() { # file, at least bytes
  [ -f "$1" ] && [ "$(wc -c < "$1")" -ge "$2" ] && ok || bad "$1 missing or under $2 bytes"
}
has() { grep -q -- "$2" "$1" && ok || bad "$1: no '$2'"; }
