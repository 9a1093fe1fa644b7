#!/bin/sh
# cli_errors.sh BIN CHANNELS - the CLI's exit codes, one-line errors, and no partial output files.
set -u
bin=$1; ch=$2; tmp=$(mktemp -d); fails=0
check() { # name, expected status, needle, command...
  name=$1; want=$2; needle=$3; shift 3
  out=$("$@" 2>&1); rc=$?
  if [ "$rc" != "$want" ] || ! printf '%s' "$out" | grep -q -- "$needle"; then
    echo "FAIL $name: status $rc (want $want), output: $out"; fails=$((fails+1))
  else echo "ok   $name"; fi
}
printf 'sim:\n  symbols: 1000\nchannel:\n  length_mm: -3\n' > $tmp/neg.yaml
printf '# GHz S RI R 50\n1 0 0 0.5 0 0.5 0 0 0\n2 0 0 0.4\n' > $tmp/trunc.s2p
check "negative length"   1 "neg.yaml:4: key 'channel.length_mm' = -3 is out of range" $bin run $tmp/neg.yaml --json $tmp/out.json
check "zero baud"         1 "sim.baud_gbd' = 0 is out of range"  $bin run --set sim.baud_gbd=0 --json $tmp/out.json
check "unknown key"       1 "unknown key 'tx.swing'"            $bin run --set tx.swing=1 --json $tmp/out.json
check "missing channel"   1 "nofile.s4p: cannot open"            $bin run --set channel.type=touchstone --set channel.file=$tmp/nofile.s4p --json $tmp/out.json
check "truncated file"    1 "trunc.s2p:3: truncated"             $bin channel $tmp/trunc.s2p
check "prbs digits"       0 "^0012322303231310010331213302202231320111" $bin prbs prbs9q --symbols 40
check "channel IL"        0 "19.7"                               $bin channel $ch/CA_19p75dB_thru.s4p
check "version"           0 "pam4sim 0.1.0"                      $bin --version
[ -e $tmp/out.json ] && { echo "FAIL: an output file was left after an error"; fails=$((fails+1)); }
ls $tmp | grep -q tmp && { echo "FAIL: a temporary file was left"; fails=$((fails+1)); }
check "json written"      0 "BER"                                $bin run --symbols 20000 --json $tmp/ok.json
grep -q '"ber"' $tmp/ok.json || { echo "FAIL: JSON lacks ber"; fails=$((fails+1)); }
rm -rf $tmp
[ $fails = 0 ] || { echo "$fails CLI checks failed"; exit 1; }
