#!/bin/sh
# cli_errors.sh BIN CHANNELS - the CLI's exit codes, one-line errors, and no partial output files.
set -u
bin=$1; ch=$2
. "$(dirname "$0")/cli_lib.sh"
tmp=$T
printf 'sim:\n  symbols: 1000\nchannel:\n  length_mm: -3\n' > $tmp/neg.yaml
printf '# GHz S RI R 50\n1 0 0 0.5 0 0.5 0 0 0\n2 0 0 0.4\n' > $tmp/trunc.s2p
check "negative length"   1 "neg.yaml:4: key 'channel.length_mm' = -3 is out of range" $bin run $tmp/neg.yaml --json $tmp/out.json
check "zero baud"         1 "sim.baud_gbd' = 0 is out of range"  $bin run --set sim.baud_gbd=0 --json $tmp/out.json
check "unknown key"       1 "unknown key 'tx.swing'"            $bin run --set tx.swing=1 --json $tmp/out.json
check "missing channel"   1 "nofile.s4p: cannot open"            $bin run --set channel.type=touchstone --set channel.file=$tmp/nofile.s4p --json $tmp/out.json
check "truncated file"    1 "trunc.s2p:3: truncated"             $bin channel $tmp/trunc.s2p
check "prbs digits"       0 "^0012322303231310010331213302202231320111" $bin prbs prbs9q --symbols 40
check "channel IL"        0 "19.7"                               $bin channel $ch/CA_19p75dB_thru.s4p
check "channel xz"        0 "26.560 GHz       19.75 dB"          $bin channel vectors/channels/CA_19p75dB_thru.s4p.xz
echo garbage > $tmp/bad.s4p.xz
check "channel bad xz"    1 "bad.s4p.xz: cannot decompress"      $bin channel $tmp/bad.s4p.xz
check "version"           0 "pam4sim 0.9.0"                      $bin --version
# fec: encode, 15 errors decode back to the message, 16 are uncorrectable, bad tokens named
awk 'BEGIN{for(i=0;i<514;i++) printf "%x ", (i*37+11)%1024; print ""}' > $tmp/msg.hex
$bin fec encode < $tmp/msg.hex > $tmp/cw.hex || bad "fec encode"
[ "$(wc -w < $tmp/cw.hex)" = 544 ] || bad "fec encode: not 544 symbols"
corrupt() { awk -v n=$1 '{for(i=1;i<=NF;i++) printf "%s ", (i<=2*n && i%2==0 && $i!="3ff") ? "3ff" : $i; print ""}' $tmp/cw.hex; }
corrupt 15 > $tmp/e15.hex; corrupt 16 > $tmp/e16.hex
check "fec decode 15"     0 "corrected 15 symbols"               $bin fec decode < $tmp/e15.hex
$bin fec decode < $tmp/e15.hex 2>/dev/null | tr ' ' '\n' | grep . | sed 's/^0*\(.\)/\1/' > $tmp/dec.txt
tr ' ' '\n' < $tmp/msg.hex | grep . | cmp -s - $tmp/dec.txt || bad "fec decode: message not restored"
check "fec decode 16"     1 "uncorrectable"                      $bin fec decode < $tmp/e16.hex
echo "1 2 zz" > $tmp/bad.hex
check "fec bad token"     1 "line 1: 'zz' is not a 10-bit"       $bin fec decode < $tmp/bad.hex
check "fec short input"   1 "ends inside codeword 0: 3 of 514"   sh -c "echo 1 2 3 | $bin fec encode"
# optics: conflicting or impossible powers, ranges, commands that need an optical link
check "optics two powers" 1 "'optics.rx.power_dbm' and 'optics.rx.oma_dbm' both set" $bin run --set optics.enable=true --set optics.rx.power_dbm=0 --set optics.rx.oma_dbm=0 --json $tmp/out.json
check "optics above launch" 1 "above the launch power"          $bin run examples/dr1.yaml --set optics.rx.oma_dbm=15 --json $tmp/out.json
check "optics rin range"  1 "'optics.laser.rin_db_hz' = -90 is out of range" $bin run examples/dr1.yaml --set optics.laser.rin_db_hz=-90 --json $tmp/out.json
check "tdecq electrical"  1 "optics.enable is false"            $bin tdecq --json $tmp/out.json
check "sensitivity electrical" 1 "optics.enable is false"       $bin sensitivity --json $tmp/out.json
check "jtol unknown option" 2 "jtol: unknown option '--bogus'"  $bin jtol --bogus 1
# long runs: checkpoints that cannot be used are refused with the reason
check "resume missing"    1 "nock.bin: cannot open the checkpoint" $bin run --resume $tmp/nock.bin --json $tmp/out.json
$bin run --symbols 20000 --set sim.unit_symbols=4096 --checkpoint $tmp/ck.bin --checkpoint-every 1 > /dev/null
check "resume other config" 1 "written for another configuration" $bin run --symbols 20000 --set sim.unit_symbols=4096 --seed 2 --resume $tmp/ck.bin --json $tmp/out.json
check "max-seconds value" 2 "max-seconds needs a number"         $bin run --max-seconds -1
check "until-errors value" 2 "until-errors needs a whole number" $bin run --until-errors x
[ -e $tmp/out.json ] && bad "an output file was left after an error"
ls $tmp | grep -q tmp && bad "a temporary file was left"
check "json written"      0 "BER"                                $bin run --symbols 20000 --json $tmp/ok.json
check "tdecq dr1"         0 "OMAouter - TDECQ"                   $bin tdecq examples/dr1.yaml --set tdecq.optimize=false --json $tmp/tq.json
grep -q '"tdecq_db"' $tmp/tq.json || bad "tdecq JSON lacks tdecq_db"
grep -q '"ber"' $tmp/ok.json || bad "JSON lacks ber"
# determinism: -j 1 and -j 2 write the same result (only the recorded thread count differs)
$bin run --symbols 60000 --set sim.unit_symbols=8192 --set channel.il_nyquist_db=34 --set rx.noise.rms_v=0.0016 -j 1 --json $tmp/j1.json >/dev/null
$bin run --symbols 60000 --set sim.unit_symbols=8192 --set channel.il_nyquist_db=34 --set rx.noise.rms_v=0.0016 -j 2 --json $tmp/j2.json >/dev/null
grep -v '"threads"' $tmp/j1.json > $tmp/j1.txt; grep -v '"threads"' $tmp/j2.json > $tmp/j2.txt
if [ -s $tmp/j1.txt ] && grep -q '"symbols"' $tmp/j1.txt && cmp -s $tmp/j1.txt $tmp/j2.txt; then ok; echo "ok   -j1 = -j2"
else bad "-j1 and -j2 results differ"; fi
# vectors: a corrupted word fails the check and is named; an unknown block is refused
cp -r vectors $tmp/vec && rm -rf $tmp/vec/channels
sed -i '12s/^0/1/; 12s/^3/2/' $tmp/vec/kp4_decode/decoded.hex
check "vectors corrupt"   1 "vec/kp4_decode/decoded.hex:12: word 0: expected" $bin vectors check $tmp/vec
check "vectors bad block" 2 "unknown block 'fft' (allowed: patterns"       $bin vectors export --block fft --out $tmp/x
check "vectors export"    0 "wrote 4 files"                                $bin vectors export --block kp4_encode --out $tmp/ex
check "export checks"     0 "1 blocks, 4 files"                            $bin vectors check $tmp/ex
echo "cli_errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
