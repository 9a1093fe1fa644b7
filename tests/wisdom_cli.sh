#!/bin/sh
# wisdom_cli.sh BIN - FFT plans from wisdom (fir.h, p4_fft_plans): `pam4sim fft-wisdom` writes a file
# PAM4SIM_FFTW_WISDOM then uses; a file that is not wisdom is refused with its name; and the results
# of runs with the built-in wisdom, with none (every plan estimated) and with a freshly measured one
# agree: every integer the same, every double within one step of its 9 printed digits (2e-8
# relative: plans differ only in the rounding of their sums).
set -u
bin=$1
. "$(dirname "$0")/cli_lib.sh"
tmp=$T
check "wisdom needs --out"   2 "--out FILE is required"       $bin fft-wisdom
check "wisdom max-size"      2 "--max-size x: the largest transform" $bin fft-wisdom --out $tmp/w --max-size x
check "wisdom unwritable"    1 "nodir/w"                       $bin fft-wisdom --out $tmp/nodir/w
# the sizes up to 4096 points (the FIRs' 2048, the DSP receiver's 1152): every one kept measured
check "wisdom measured"      0 "wrote $tmp/w: 18 of the 18 plans pam4sim makes up to 4096 points measured" $bin fft-wisdom --out $tmp/w --max-size 4096
[ "$(ls $tmp | grep -c '^w\.')" = 0 ] && head -c 6 $tmp/w | grep -q '(fftw-' || bad "wisdom file: not FFTW wisdom, or its temporary left"
# the built-in wisdom: measured here; refused whole by another FFTW or a processor without AVX
if $bin --version | grep -q "FFT plans: measured where the built-in wisdom"; then ok; echo "ok   version built-in"
elif $bin --version | grep -q "the built-in wisdom is not for this FFTW"; then ok; echo "ok   version built-in (refused by this FFTW or processor: plans estimated)"
else bad "version built-in: $($bin --version)"; fi
check "version file"         0 "measured where the wisdom in $tmp/w"           env PAM4SIM_FFTW_WISDOM=$tmp/w $bin --version
check "version none"         0 "FFT plans: estimated (FFTW_ESTIMATE"            env PAM4SIM_FFTW_WISDOM=none $bin --version
echo "(not wisdom" > $tmp/bad
check "bad wisdom refused"   1 "PAM4SIM_FFTW_WISDOM=$tmp/bad: the file has no pam4sim seal" env PAM4SIM_FFTW_WISDOM=$tmp/bad $bin run --symbols 1000 --json $tmp/bad.json
[ ! -e $tmp/bad.json ] || bad "bad wisdom: wrote its JSON"
check "missing wisdom"       1 "PAM4SIM_FFTW_WISDOM=$tmp/none.w: the file cannot be opened: No such file" env PAM4SIM_FFTW_WISDOM=$tmp/none.w $bin stat
check "directory as wisdom"  1 "PAM4SIM_FFTW_WISDOM=$tmp: the file cannot be read: Is a directory" env PAM4SIM_FFTW_WISDOM=$tmp $bin stat
check "help despite it"      0 "^pam4sim run - "              env PAM4SIM_FFTW_WISDOM=$tmp/none.w $bin run --help
check "config despite it"    0 "sim:"                          env PAM4SIM_FFTW_WISDOM=$tmp/none.w $bin config
sed 's/$/\r/' $tmp/w > $tmp/crlf
check "CRLF wisdom taken"    0 "measured where the wisdom in $tmp/crlf" env PAM4SIM_FFTW_WISDOM=$tmp/crlf $bin --version
# FFTW aborts on some corrupt wisdom (an assertion while planning from it): a file whose text does
# not match its seal, or without one, is refused before FFTW reads it
sed '$d' $tmp/w > $tmp/unsealed
check "unsealed wisdom"      1 "the file has no pam4sim seal"  env PAM4SIM_FFTW_WISDOM=$tmp/unsealed $bin stat
sed '3s/#x/#y/' $tmp/w > $tmp/damaged
check "damaged wisdom"       1 "the file is damaged"           env PAM4SIM_FFTW_WISDOM=$tmp/damaged $bin stat
head -c 1000 /dev/urandom > $tmp/random
check "random bytes"         1 "PAM4SIM_FFTW_WISDOM=$tmp/random: the file" env PAM4SIM_FFTW_WISDOM=$tmp/random $bin stat
# the same results with every source of plans: the electrical link (symbol-rate engine), the DSP
# receiver (its waveform by phase transforms), the DR1 optical lane (the FIRs at the sample rate)
same() { # name, args...
  name=$1; shift
  for w in "" none $tmp/w; do
    PAM4SIM_FFTW_WISDOM=$w $bin run "$@" --json $tmp/r_${w##*/}.json > /dev/null 2>&1 || { bad "$name: run with '$w' failed"; return; }
  done
  python3 - $tmp/r_.json $tmp/r_none.json $tmp/r_w.json <<'PY' && { ok; echo "ok   $name"; } || bad "$name"
import json, sys
docs = [json.load(open(f)) for f in sys.argv[1:]]
def cmp(a, b, path):
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), path
        for k in a:
            if k != "fft_plans": cmp(a[k], b[k], path + "." + k)  # the plans' source differs by design
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)): cmp(x, y, "%s[%d]" % (path, i))
    elif isinstance(a, float) or isinstance(b, float):
        assert abs(a - b) <= 2e-8 * max(abs(a), abs(b)) + 1e-300, "%s: %r against %r" % (path, a, b)
    else:
        assert a == b, "%s: %r against %r" % (path, a, b)
for d in docs[1:]:
    try: cmp(docs[0], d, "")
    except AssertionError as e: print("  differs at", e); sys.exit(1)
PY
}
same "same results: electrical link"  --symbols 300000 -j 2
same "same results: DSP receiver"     examples/dsp_kp4.yaml --symbols 300000 -j 2
same "same results: DR1 optical lane" examples/dr1.yaml --symbols 200000 -j 2 --set tdecq.in_run=false
echo "wisdom_cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
