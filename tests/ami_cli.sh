# ami_cli.sh - the IBIS-AMI keys from the command line: a run and a statistical eye with the example
# models (the models' messages in the report), parameters from --set and from YAML, a sweep of a
# model parameter, and bad input (a value outside the .ami format, a malformed .ami, a crashing,
# failing, hanging or incomplete model): one
# error line naming the key, file, line or model, exit status 1, no core, no half-written JSON. The
# GetWave flow in a run: the flow and the model's clock reported, -j 1 and -j 2 alike, a model that
# crashes in AMI_GetWave. The transmitter's GetWave flow: reported, -j alike, the symbol engine and
# stat refusing it, a TX model that crashes in AMI_GetWave.
# Usage: sh tests/ami_cli.sh build/pam4sim build/ami
. "$(dirname "$0")/cli_lib.sh"
P=$1 A=$(cd "$2" && pwd)

"$P" run --symbols 20000 --set tx.ami.model="$A/tx_ffe.so" --set tx.ami.params.c_m1=-0.12 --json "$T/tx.json" > "$T/tx.txt" 2>&1 && ok || bad "run with the TX model"
for s in '"ami": {"tx": {"model": ' '"taps": \[-0.12, 0.85, -0.05\]' '"message": "tx_ffe: taps 0 0 -0.12 \[0.85\] -0.05' '}, "rx": null}'; do has "$T/tx.json" "$s"; done
has "$T/tx.txt" "tx ami says  tx_ffe: taps 0 0 -0.12 \[0.85\] -0.05"
has "$T/tx.txt" "symbol-spaced, used as the TX FFE: -0.1200 0.8500 -0.0500"

cat > "$T/rx.yaml" <<YAML
channel:
  il_nyquist_db: 16
rx:
  dfe:
    taps: 2
  ami:
    model: $A/rx_ctle_dfe.so
    isolate: false
    params:
      ctle_dc_gain_db: -10
      dfe_taps: 2
YAML
"$P" stat "$T/rx.yaml" --json "$T/rx.json" > "$T/rx.txt" 2>&1 && ok || bad "stat with the RX model (YAML)"
has "$T/rx.txt" "rx ami says  rx_ctle_dfe: CTLE g_dc -10.0 dB"
has "$T/rx.txt" "(dfe_tap2 "
has "$T/rx.json" '"ctle_dc_gain_db": "-10"'
has "$T/rx.json" '"params": {"ctle_dc_gain_db": "-10", "dfe_taps": "2"}'

"$P" sweep --engine stat --set channel.il_nyquist_db=16 --set rx.ami.model="$A/rx_ctle_dfe.so" --set rx.dfe.taps=2 \
  --vary rx.ami.params.ctle_dc_gain_db=-10:-8:2 > "$T/sw.txt" 2>&1 && ok || bad "sweep of a model parameter"
has "$T/sw.txt" "rx.ami.params.ctle_dc_gain_db"
[ "$(grep -c '^ *-10 \|^ *-8 ' "$T/sw.txt")" -eq 2 ] && ok || bad "sweep: two points"
"$P" config | grep -q "rx.ami.params\|params: {}" && ok || bad "config does not list the AMI keys"

# the GetWave flow (rx.ami.flow auto: the example RX model has GetWave): the flow and the model's
# clock in the text and the JSON; the same result with -j 1 and -j 2; init one value away
G="--symbols 100000 --seed 3 --set channel.il_nyquist_db=16 --set tx.rlm=1 --set rx.noise.eta0_v2_per_ghz=7e-7 --set rx.ami.model=$A/rx_ctle_dfe.so --set rx.ami.params.ctle_dc_gain_db=-10 --set rx.ami.params.dfe_taps=2"
"$P" run $G -j 1 --json "$T/gw1.json" > "$T/gw1.txt" 2>&1 && ok || bad "run in the GetWave flow (-j 1)"
"$P" run $G -j 2 --json "$T/gw2.json" > "$T/gw2.txt" 2>&1 && ok || bad "run in the GetWave flow (-j 2)"
has "$T/gw1.json" '"rx": {"model": ".*rx_ctle_dfe.so", "flow": "getwave", "clock": {"units": 4, "clocks": [0-9]*, "ignored_bits": 16000, "ignore_bits_per_unit": 4000, "phase_ui": 0.18'
has "$T/gw1.txt" "rx ami flow  GetWave: 4 units, .* clocks (16000 ignored: Ignore_Bits 4000 per unit), sampling at 0.18"
has "$T/gw1.txt" "engine       sample level (the IBIS-AMI receiver's GetWave flow"
b1=$(grep '^BER' "$T/gw1.txt"); b2=$(grep '^BER' "$T/gw2.txt")
[ -n "$b1" ] && [ "$b1" = "$b2" ] && ok || bad "-j 1 and -j 2 differ: '$b1' / '$b2'"
c1=$(grep -o '"clock": {[^}]*}' "$T/gw1.json"); c2=$(grep -o '"clock": {[^}]*}' "$T/gw2.json")
[ -n "$c1" ] && [ "$c1" = "$c2" ] && ok || bad "the clock's statistics differ with -j"
"$P" run $G --set rx.ami.flow=init --set rx.dfe.taps=2 --json "$T/gwi.json" > /dev/null 2>&1 && ok || bad "run in the Init flow"
has "$T/gwi.json" '"flow": "init"'
"$P" stat --set rx.ami.model="$A/rx_ctle_dfe.so" --set rx.dfe.taps=1 > /dev/null 2>&1 && ok || bad "stat takes the Init flow with rx.ami.flow auto"

# the transmitter's GetWave flow (tx.ami.flow auto: the test TX model has GetWave): the flow in the
# text and the JSON, -j 1 and -j 2 alike; stat takes its Init
X="--symbols 60000 --seed 3 --set channel.il_nyquist_db=34 --set rx.noise.eta0_v2_per_ghz=1e-7 --set tx.ami.model=$A/tx_ffe_gw.so --set tx.ami.params.c_m1=-0.2 --set tx.ami.params.c_0=0.75 --set tx.ami.params.c_1=-0.05"
"$P" run $X -j 1 --json "$T/tg1.json" > "$T/tg1.txt" 2>&1 && ok || bad "run in the TX GetWave flow (-j 1)"
"$P" run $X -j 2 --json "$T/tg2.json" > "$T/tg2.txt" 2>&1 && ok || bad "run in the TX GetWave flow (-j 2)"
has "$T/tg1.json" '"tx": {"model": ".*tx_ffe_gw.so", "flow": "getwave", "units": [1-9][0-9]*, "ignore_bits_per_unit": 0,'
has "$T/tg1.txt" "tx ami flow  GetWave: [1-9][0-9]* units, the rendered TX waveform through the model"
has "$T/tg1.txt" "engine       sample level (the IBIS-AMI transmitter's GetWave flow"
b1=$(grep '^BER' "$T/tg1.txt"); b2=$(grep '^BER' "$T/tg2.txt")
[ -n "$b1" ] && [ "$b1" = "$b2" ] && ok || bad "TX GetWave: -j 1 and -j 2 differ: '$b1' / '$b2'"
case "$b1" in *" 0 bit errors"*) bad "TX GetWave: the -j comparison needs errors ($b1)" ;; *) ok ;; esac
"$P" run $X --set tx.ami.flow=init --json "$T/tgi.json" > /dev/null 2>&1 && ok || bad "run in the TX Init flow"
has "$T/tgi.json" '"tx": {"model": ".*tx_ffe_gw.so", "flow": "init"'
"$P" stat --set tx.ami.model="$A/tx_ffe_gw.so" > /dev/null 2>&1 && ok || bad "stat takes the TX Init flow with tx.ami.flow auto"

# bad input: exit 1, one line
fails() { # expected text, args...
  want=$1; shift
  "$P" "$@" > "$T/out.txt" 2> "$T/err.txt"; st=$?
  [ $st -eq 1 ] && ok || bad "$*: exit $st (want 1)"
  [ "$(wc -l < "$T/err.txt")" -eq 1 ] && ok || bad "$*: $(wc -l < "$T/err.txt") error lines"
  has "$T/err.txt" "$want"
}
R="run --symbols 20000 --json $T/bad.json"
fails "rx.ami.params.ctle_dc_gain_db = -20: parameter 'ctle.ctle_dc_gain_db' (.*rx_ctle_dfe.ami:17): -20 is out of its Range \[-15, 0\]" \
  $R --set rx.ami.model="$A/rx_ctle_dfe.so" --set rx.ami.params.ctle_dc_gain_db=-20
fails "has no parameter 'ctle_gain'" $R --set rx.ami.model="$A/rx_ctle_dfe.so" --set rx.ami.params.ctle_gain=1
fails "the model crashed in AMI_Init (signal 11" $R --set rx.ami.model="$A/bad_segv.so"
fails "AMI_Init returned failure (0): bad_init: this model refuses every channel" $R --set tx.ami.model="$A/bad_init.so"
fails "bad_hang.so: the model did not return from AMI_Init within 1 s" $R --set rx.ami.model="$A/bad_hang.so" --set rx.ami.timeout_s=1
fails "bad_nosym.so: the model has no AMI_Close" $R --set tx.ami.model="$A/bad_nosym.so"
fails "cannot load the model" $R --set tx.ami.model="$A/no_such.so" --set tx.ami.ami_file="$A/tx_ffe.ami"
printf '(m\n (Reserved_Parameters\n  (Init_Returns_Impulse (Usage Info) (Type Boolean) (Value True))\n  (GetWave_Exists (Usage Info) (Type Boolean) (Value False)))\n (Model_Specific (g (Usage In) (Type Float) (Range 2 0 1))))\n' > "$T/bad.ami"
fails "$T/bad.ami:5: parameter 'g': default 2 is outside its Range \[0, 1\]" $R --set tx.ami.model="$A/tx_ffe.so" --set tx.ami.ami_file="$T/bad.ami"
fails "rx.ami.model' is the host receiver: it cannot run with rx.dsp.enable" $R --set rx.ami.model="$A/rx_ctle_dfe.so" --set rx.dsp.enable=true
fails "bad_getwave.so: the model crashed in AMI_GetWave (signal 11" $R --set rx.ami.model="$A/bad_getwave.so"
fails "sim.engine = symbol: this link has the IBIS-AMI receiver's GetWave flow (rx.ami.flow)" $R --set rx.ami.model="$A/rx_ctle_dfe.so" --set sim.engine=symbol
fails "key 'rx.ami.flow' = getwave: .*bad_segv.so exports no AMI_GetWave" $R --set rx.ami.model="$A/bad_segv.so" --set rx.ami.flow=getwave
fails "key 'rx.ami.flow' = getwave needs a receiver model" $R --set rx.ami.flow=getwave
fails "rx.ami.flow" $R --set rx.ami.flow=fast
fails "bad_getwave.so: the model crashed in AMI_GetWave (signal 11" $R --set tx.ami.model="$A/bad_getwave.so" --set tx.ami.flow=getwave
fails "sim.engine = symbol: this link has the IBIS-AMI transmitter's GetWave flow (tx.ami.flow)" $R --set tx.ami.model="$A/tx_ffe_gw.so" --set sim.engine=symbol
fails "key 'tx.ami.flow' = getwave: .*tx_ffe.so exports no AMI_GetWave" $R --set tx.ami.model="$A/tx_ffe.so" --set tx.ami.flow=getwave
fails "key 'tx.ami.flow' = getwave needs a transmitter model" $R --set tx.ami.flow=getwave
fails "key 'tx.ami.flow' = getwave" stat --set tx.ami.model="$A/tx_ffe_gw.so" --set tx.ami.flow=getwave
[ -e "$T/bad.json" ] && bad "a failed run left $T/bad.json" || ok
ls core* 2>/dev/null && bad "a core file" || ok

echo "ami CLI checks: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
