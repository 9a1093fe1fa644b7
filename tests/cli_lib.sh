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
check() { # name, expected exit status, text its output must hold, command...: one line, ok or FAIL
  name=$1; want=$2; needle=$3; shift 3
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! printf '%s' "$out" | grep -q -- "$needle"; then
    bad "$name: status $rc (want $want), output: $out"
  else ok; echo "ok   $name"; fi
}
