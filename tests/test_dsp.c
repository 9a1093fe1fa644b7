/* test_dsp.c - the DSP receiver: fixed-point FFE bound, CDR lock and SJ tracking, re-acquisition by
 * the lock detector after a phase hit, MLSE against a plain Viterbi and against the
 * DFE, precoding and DFE bursts, FEC in the loop. */
#include "testutil.h"
#include <math.h>
#include <string.h>

/* The fixed-point FFE stays within its quantisation bound of the floating-point FFE:
 * |y_fixed - y_ref| <= 1/2 output LSB (same integer taps, no saturation), and against the exact
 * (unquantised) taps within 1/2 LSB + sum|x| * (tap LSB / 2) in output units. */
Test(dsp, fixed_ffe_within_quantisation_bound)
{
    const uint64_t seed = 31;
    p4_rng r;
    p4_rng_seed(&r, seed, 0, 1);
    p4_dsprx_setup s = {0};
    s.sps = 16, s.fixed = 1, s.gain = 300, s.adc_bits = 8, s.nffe = 12, s.npre = 3, s.ndfe = 0;
    for (int i = 0; i < 12; i++) s.w[i] = (i == 3 ? 20.0 : 0) + 3 * (p4_rng_uniform(&r) - 0.5);
    s.coef_bits = 10, s.acc_bits = 30, s.out_bits = 12, s.out_level_fraction = 0.5;
    s.lv[0] = -1, s.lv[1] = -1.0 / 3, s.lv[2] = 1.0 / 3, s.lv[3] = 1;
    s.bandwidth_hz = 4e6, s.damping = 0.7, s.baud_hz = 106.25e9, s.kd = -1, s.kp = NAN, s.ki = NAN;
    p4_dsprx *d = p4_dsprx_create(&s);
    cr_assert_not_null(d, "%s", p4_last_error());
    const p4_dsprx_info *in = p4_dsprx_info_get(d);
    enum { N = 20000 };
    static double x[N], y[N], yref[N];
    for (int i = 0; i < N; i++) x[i] = fmax(-128, fmin(127, round(8 * p4_rng_gauss(&r))));
    p4_dsprx_ffe_block(d, x, N, y, yref);
    double worst = 0, worst2 = 0, L = in->out_level, cscale = L / s.gain * ldexp(1, in->shift);
    for (int m = 0; m < N; m++) {
        worst = fmax(worst, fabs(y[m] - yref[m]));
        /* exact taps: y_exact = sum w x cscale / 2^shift */
        double ex = 0, sx = 0;
        for (int i = 0; i < 12 && i <= m; i++) ex += s.w[i] * cscale * x[m - i], sx += fabs(x[m - i]);
        ex *= ldexp(1, -in->shift);
        double bound = 0.5 + 0.5 * sx * ldexp(1, -in->shift);
        worst2 = fmax(worst2, fabs(y[m] - ex) / bound);
    }
    printf("fixed FFE (seed %llu): shift %d, max |y - y_ref| %.3f LSB, max error / bound vs exact taps %.3f\n",
           (unsigned long long)seed, in->shift, worst, worst2);
    cr_expect_leq(worst, 0.5, "rounding bound (seed %llu)", (unsigned long long)seed);
    cr_expect_leq(worst2, 1.0, "tap-quantisation bound (seed %llu)", (unsigned long long)seed);
    cr_expect_gt(worst, 0.3, "the bound is approached, so the test can fail");
    p4_dsprx_destroy(d);
}

#define DSP_LINK "rx.ctle.g_dc_db=0", "rx.ctle.g_dc_hp_db=-2", "rx.dsp.enable=true", "rx.adc.enob=auto", \
    "sim.symbols=150000"

static void cdr_case(const char *phase, const char *ppm, double want_ppm)
{
    char a[64], b[64];
    snprintf(a, sizeof a, "rx.cdr.initial_phase_ui=%s", phase);
    snprintf(b, sizeof b, "rx.cdr.offset_ppm=%s", ppm);
    const char *sets[] = {DSP_LINK, a, b};
    p4_counts n;
    p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
    double tracked = 1e-9 * (double)n.fec.cdr_freq_nppm_sum / (double)n.fec.dsp_units;
    printf("CDR from %s UI at %s ppm: %llu errors in %llu, %llu slips, tracked %.2f ppm (seed 1)\n", phase, ppm,
           (unsigned long long)n.symbol_errors, (unsigned long long)n.symbols, (unsigned long long)n.fec.cdr_slips,
           tracked);
    cr_expect_eq(n.symbol_errors, 0, "CDR from %s UI, %s ppm: errors", phase, ppm);
    cr_expect_eq(n.fec.cdr_slips, 0, "CDR from %s UI, %s ppm: slips", phase, ppm);
    cr_expect_lt(fabs(tracked - want_ppm), 5, "tracked %.2f ppm, offset %.0f", tracked, want_ppm);
    p4_counts_free(&n);
    p4_link_destroy(l);
}

Test(dsp, cdr_locks_from_initial_phases_and_offsets, .timeout = 120)
{
    cdr_case("0.45", "100", 100);
    cdr_case("-0.25", "100", 100);
    cdr_case("0.25", "-100", -100);
}

/* SJ of 1 UI at a tenth of the 4 MHz loop bandwidth is tracked without errors; the same loop
 * cannot follow 0.3 UI at ten times its bandwidth (so the test can fail). */
Test(dsp, cdr_tracks_sj_below_its_bandwidth, .timeout = 120)
{
    const char *slow[] = {DSP_LINK, "tx.jitter.sj_ps=9.41", "tx.jitter.sj_mhz=0.4"};
    p4_counts n;
    p4_link *l = run_link(slow, 7, &n, NULL);
    printf("SJ 1 UI at 0.4 MHz: %llu errors in %llu\n", (unsigned long long)n.symbol_errors,
           (unsigned long long)n.symbols);
    cr_expect_eq(n.symbol_errors, 0, "SJ at bandwidth/10 must be tracked");
    p4_counts_free(&n);
    p4_link_destroy(l);
    const char *fast[] = {DSP_LINK, "tx.jitter.sj_ps=2.8", "tx.jitter.sj_mhz=40"};
    l = run_link(fast, 7, &n, NULL);
    printf("SJ 0.3 UI at 40 MHz: %llu errors in %llu\n", (unsigned long long)n.symbol_errors,
           (unsigned long long)n.symbols);
    cr_expect_gt(n.symbol_errors, 100, "SJ at 10x the bandwidth is not tracked");
    p4_counts_free(&n);
    p4_link_destroy(l);
}

/* A phase hit: the received waveform jumps 0.375 UI late halfway through (a one-pole channel at
 * 0.35 x baud, 24-tap FFE, +50 ppm). A Mueller-Mueller loop that far off never pulls back in (more
 * than 1000 errors in the 90000 symbols after the first 10000); with the lock detector one
 * re-acquisition restores error-free decisions within 10000 symbols, in the same frame alignment. */
static void phase_hit(double lock_db, size_t *late, uint64_t *relocks)
{
    enum { SPS = 16, NSYM = 200000, J = 100000, SHIFT = 6 };
    static double w[NSYM * SPS + 64], z[NSYM], y[NSYM];
    static uint8_t a[NSYM], dec[NSYM], dd[NSYM];
    const double lv[4] = {-1, -1.0 / 3, 1.0 / 3, 1}, k = 1 - exp(-2 * M_PI * 0.35 / SPS);
    p4_rng r;
    p4_rng_seed(&r, 5, 0, 1);
    double v = 0;
    for (size_t i = 0; i < NSYM * SPS; i++) {
        if (i % SPS == 0) a[i / SPS] = (uint8_t)(p4_rng_u64(&r) >> 62);
        v += k * (lv[a[i / SPS]] - v);
        w[i] = v + 0.01 * p4_rng_gauss(&r);
    }
    memmove(w + J * SPS + SHIFT, w + J * SPS, ((NSYM - J) * SPS - SHIFT) * sizeof *w);
    p4_dsprx_setup s = {.sps = SPS, .base_pos = SPS - 1, .fixed = 1, .gain = 60, .adc_bits = 8, .adc_noise = 0.5,
                        .nffe = 24, .npre = 4, .coef_bits = 10, .acc_bits = 24, .out_bits = 10,
                        .out_level_fraction = 0.5, .lms_step = 1e-5, .train_step = 1e-3, .ms_codes = 1800,
                        .train = 4096, .ndfe = 1, .dfe_train_step = 1e-3, .detector = P4_CDR_MM, .kd = -0.8,
                        .bandwidth_hz = 4e6, .damping = 0.707, .baud_hz = 106.25e9, .kp = NAN, .ki = NAN,
                        .latency = 64, .offset_ppm = 50, .acquire = 16384, .gear = 8, .lock_snr_db = lock_db};
    s.w[4] = 1, s.b[0] = 0.1;
    memcpy(s.lv, lv, sizeof lv);
    p4_dsprx *d = p4_dsprx_create(&s);
    cr_assert_not_null(d, "%s", p4_last_error());
    p4_dsprx_out o = {.z = z, .y = y, .dec = dec, .dec_dfe = dd};
    p4_dsprx_run(d, w, NSYM * SPS + 64, NSYM, a, 4, 0, &r, &o);
    size_t before = 0, after = 0;
    for (size_t m = 30000; m < J; m++) before += dec[m] != a[m - 4];
    for (size_t m = J + 10000; m < NSYM; m++) after += dec[m] != a[m - 4];
    printf("phase hit of 0.375 UI, lock detector at %.0f dB: %zu errors before, %zu from 10000 UI after; %llu "
           "re-acquisitions (seed 5)\n", lock_db, before, after, (unsigned long long)o.relocks);
    cr_expect_eq(before, 0, "locked before the hit");
    *late = after, *relocks = o.relocks;
    p4_dsprx_destroy(d);
}

Test(dsp, lock_detector_reacquires_after_a_phase_hit)
{
    size_t on, off;
    uint64_t r_on, r_off;
    phase_hit(12, &on, &r_on);
    phase_hit(0, &off, &r_off);
    cr_expect_eq(on, 0, "errors after re-acquisition");
    cr_expect_geq(r_on, 1, "the lock detector must act");
    cr_expect_gt(off, 1000, "without the lock detector the loop stays off (so the test can fail)");
    cr_expect_eq(r_off, 0);
}

#define DUOBINARY "channel.type=taps", "channel.taps=[1, 0.9]", "tx.filter=none", "tx.snr_db=.inf", \
    "tx.jitter.rj_ps=0", "tx.jitter.dcd_ps=0", "rx.noise.eta0_v2_per_ghz=0", "rx.noise.filter_ghz=0", \
    "rx.ctle.enable=false", "rx.ffe.taps=4", "rx.ffe.precursors=1", "rx.dfe.taps=1", "tx.ffe_taps=[1]", \
    "tx.ffe_main=0", "sim.symbols=300000"

Test(dsp, mlse_beats_dfe_on_a_1_plus_d_channel)
{
    const char *sets[] = {DUOBINARY, "rx.noise.rms_v=0.04", "rx.dsp.enable=true", "rx.mlse.memory=1",
                          "rx.cdr.detector=none"};
    p4_counts n;
    p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
    printf("1 + 0.9D: MLSE %llu symbol errors, DFE %llu on the same samples (seed 1)\n",
           (unsigned long long)n.symbol_errors, (unsigned long long)n.fec.dfe_symbol_errors);
    cr_expect_gt(n.fec.dfe_symbol_errors, 50, "the DFE must make errors here");
    cr_expect_lt(n.symbol_errors * 3, n.fec.dfe_symbol_errors, "MLSE at least 3x fewer errors than the DFE");
    p4_counts_free(&n);
    p4_link_destroy(l);
}

/* A plain Viterbi written from the definition: full survivor tables, and the decision for step
 * m - tb read by walking back tb steps from the best state at step m (ties to the lower index). */
static void viterbi_ref(int mem, const double *t, const double *lv, int tb, const double *y, int n, uint8_t *dec)
{
    const int ns = mem == 1 ? 4 : 16;
    static uint8_t pred[20000][16];
    double pm[16] = {0}, npm[16];
    for (int m = 0; m < n; m++) {
        int bs = 0;
        for (int s2 = 0; s2 < ns; s2++) {
            npm[s2] = INFINITY;
            for (int k = 0; k < 4; k++) {
                int p = mem == 1 ? k : (s2 >> 2) + 4 * k; /* state = a_m + 4 a_(m-1) */
                double yh = lv[s2 & 3] + t[0] * lv[p & 3] + (mem == 2 ? t[1] * lv[p >> 2] : 0);
                double c = pm[p] + (y[m] - yh) * (y[m] - yh);
                if (c < npm[s2]) npm[s2] = c, pred[m][s2] = (uint8_t)p;
            }
            if (npm[s2] < npm[bs]) bs = s2;
        }
        double b = npm[bs];
        for (int s2 = 0; s2 < ns; s2++) pm[s2] = npm[s2] - b;
        if (m >= tb) {
            int st = bs;
            for (int i = 0; i < tb; i++) st = pred[m - i][st];
            dec[m - tb] = (uint8_t)(st & 3);
        }
    }
    int bs = 0;
    for (int s2 = 1; s2 < ns; s2++)
        if (pm[s2] < pm[bs]) bs = s2;
    for (int i = 0; i < (n < tb ? n : tb); i++) dec[n - 1 - i] = (uint8_t)(bs & 3), bs = pred[n - 1 - i][bs];
}

/* The MLSE's decisions (register exchange up to a traceback of 32, survivor walk above) equal the
 * plain Viterbi's, symbol for symbol, at memory 1 and 2 on a noisy channel where paths merge late. */
Test(dsp, mlse_equals_a_plain_viterbi)
{
    enum { N = 20000 };
    static double y[N];
    static uint8_t a[N], got[N], want[N];
    const double lv[4] = {-1, -1.0 / 3, 1.0 / 3, 1}, t[2] = {0.8, 0.35};
    p4_rng r;
    p4_rng_seed(&r, 7, 0, 1);
    for (int m = 0; m < N; m++) a[m] = (uint8_t)(p4_rng_u64(&r) >> 62);
    const int tbs[] = {1, 5, 16, 32, 33, 48};
    for (int mem = 1; mem <= 2; mem++) {
        for (int m = 0; m < N; m++)
            y[m] = lv[a[m]] + (m ? t[0] * lv[a[m - 1]] : 0) + (mem == 2 && m > 1 ? t[1] * lv[a[m - 2]] : 0) +
                   0.12 * p4_rng_gauss(&r);
        for (size_t i = 0; i < sizeof tbs / sizeof *tbs; i++) {
            p4_mlse *v = p4_mlse_create(mem, t, lv, tbs[i]);
            cr_assert_not_null(v);
            p4_mlse_run(v, y, N, got);
            viterbi_ref(mem, t, lv, tbs[i], y, N, want);
            int diff = 0, err = 0;
            for (int m = 0; m < N; m++) diff += got[m] != want[m], err += want[m] != a[m];
            printf("MLSE memory %d traceback %d: %d of %d decisions differ from the plain Viterbi (%d symbol errors; seed 7)\n",
                   mem, tbs[i], diff, N, err);
            cr_expect_eq(diff, 0, "memory %d traceback %d", mem, tbs[i]);
            cr_expect_gt(err, 10, "the channel must be noisy enough for paths to merge late");
            p4_mlse_destroy(v);
        }
    }
}

static double mean_event(const p4_counts *n, double *frac2)
{
    double s = 0, t = 0;
    for (int i = 1; i < P4_HIST; i++) s += i * (double)n->fec.event_hist[i], t += (double)n->fec.event_hist[i];
    *frac2 = t ? (double)n->fec.event_hist[2] / t : 0;
    return t ? s / t : 0;
}

/* SPEC 5: with 1/(1+D) precoding a DFE error burst leaves two symbol errors (at its ends). */
Test(dsp, precoding_shrinks_dfe_bursts_to_pairs)
{
    const char *off[] = {DUOBINARY, "rx.noise.rms_v=0.05", "fec.burst_gap_symbols=64"};
    const char *on[] = {DUOBINARY, "rx.noise.rms_v=0.05", "fec.burst_gap_symbols=64", "tx.precode=true"};
    p4_counts a, b;
    p4_link *la = run_link(off, sizeof off / sizeof *off, &a, NULL), *lb = run_link(on, sizeof on / sizeof *on, &b, NULL);
    double f2a, f2b, ma = mean_event(&a, &f2a), mb = mean_event(&b, &f2b);
    printf("errors per event: %.2f without precoding, %.2f with (%.0f %% pairs) (seed 1)\n", ma, mb, 100 * f2b);
    cr_expect_gt(ma, 2.5, "DFE error propagation makes bursts");
    int mode = 1;
    for (int i = 1; i < P4_HIST; i++)
        if (b.fec.event_hist[i] > b.fec.event_hist[mode]) mode = i;
    cr_expect_eq(mode, 2, "with precoding the usual event is a pair");
    cr_expect_gt(f2b, 0.6, "with precoding, most events are pairs");
    cr_expect_lt(mb, 0.5 * ma, "precoding at least halves the errors per event");
    p4_counts_free(&a), p4_counts_free(&b);
    p4_link_destroy(la), p4_link_destroy(lb);
}

/* KP4 in the loop: the counts hold together, and post-FEC errors come only from frames lost. */
Test(dsp, kp4_in_the_loop_counts)
{
    const char *sets[] = {IDEAL_LINK, "rx.noise.rms_v=0.052", "fec.mode=kp4", "sim.symbols=500000"};
    p4_counts n;
    p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
    const p4_fec_counts *f = &n.fec;
    uint64_t over = 0, tot = 0;
    for (int i = 0; i < P4_HIST; i++) tot += f->cw_hist[i], over += i > P4_RS_T ? f->cw_hist[i] : 0;
    double flr_b, flr_c;
    p4_fec_extrapolate(f, &flr_b, &flr_c);
    printf("KP4: %llu codewords, %llu over t, SER %.3g, FLR %.3g, extrapolated %.3g / %.3g (seed 1)\n",
           (unsigned long long)f->codewords, (unsigned long long)over, (double)n.symbol_errors / n.symbols,
           (double)over / f->codewords, flr_b, flr_c);
    cr_expect_eq(n.symbols % 5440, 0, "whole frames");
    cr_expect_eq(f->codewords, n.symbols / 2720);
    cr_expect_eq(tot, f->codewords);
    cr_expect_eq(f->cw_failed + f->cw_miscorrected, over, "frames lost = codewords over t");
    cr_expect_eq(over == 0, f->msg_bit_errors == 0, "post-FEC errors only from lost frames");
    cr_expect_gt(over, 5, "this noise must lose some frames");
    /* independent Gaussian noise: the binomial extrapolation matches the count within its CI */
    double lo, hi;
    p4_clopper_pearson(over, f->codewords, &lo, &hi);
    cr_expect(flr_b > lo / 2 && flr_b < hi * 2, "binomial FLR %.3g vs counted CI %.3g..%.3g", flr_b, lo, hi);
    p4_counts_free(&n);
    p4_link_destroy(l);
}

/* The inner code at 113.4375 GBd in the loop: Chase-II lowers the symbol error ratio. */
Test(dsp, inner_code_in_the_loop)
{
    const char *sets[] = {IDEAL_LINK, "sim.baud_gbd=113.4375", "rx.noise.rms_v=0.058", "fec.mode=kp4_inner",
                          "sim.symbols=200000"};
    p4_counts n;
    p4_link *l = run_link(sets, sizeof sets / sizeof *sets, &n, NULL);
    const p4_fec_counts *f = &n.fec;
    printf("inner: %llu blocks, SER %.3g -> %.3g\n", (unsigned long long)f->inner_blocks,
           (double)f->inner_pre_sym_errors / (f->inner_blocks * 64.0), (double)f->inner_post_sym_errors / (f->inner_blocks * 64.0));
    cr_expect_gt(f->inner_pre_sym_errors, 200);
    cr_expect_lt(f->inner_post_sym_errors * 3, f->inner_pre_sym_errors, "the inner code removes most errors");
    cr_expect_eq(n.symbols % 17408, 0, "whole superframes");
    p4_counts_free(&n);
    p4_link_destroy(l);
}

/* The equalizer design counts the ADC's own noise (quantization and ENOB at the AGC's level): a
 * link with no other noise must not get a channel inverse. Without it the design reported 70 dB at
 * the slicer and FFE taps of +-85 on examples/dsp_kp4.yaml with its noise off, and the ADC's noise,
 * enhanced by those taps, gave BER 5.7e-3. With it the design's SNR is bounded by the matched-filter
 * bound of the ADC's white noise: the power at the sampler, (f half)^2 codes^2 by the AGC, over
 * 4^(bits - ENOB)/12 codes^2 (30.4 dB at 8 bits, ENOB 6, f = 0.3), and the link decides without error. */
Test(dsp, quiet_link_design_counts_the_adc_noise, .timeout = 120)
{
    const char *sets[] = {"file=examples/dsp_kp4.yaml", "tx.snr_db=.inf", "rx.noise.eta0_v2_per_ghz=0", "sim.symbols=300000",
                          "sim.threads=2"};
    p4_counts n;
    p4_link *l = run_link(sets, 5, &n, NULL);
    const p4_link_info *in = p4_link_info_get(l);
    double wmax = 0;
    for (int i = 0; i < in->nffe; i++)
        if (i != in->npre) wmax = fmax(wmax, fabs(in->ffe[i] / in->ffe[in->npre]));
    cr_log_info("quiet DSP link: design SNR %.2f dB, largest other FFE tap %.2f of the main, BER %.3e", in->mmse_snr_db, wmax,
                (double)n.bit_errors / (double)n.bits);
    p4_config c;
    config_with(&c, sets, 5);
    const double f_half = c.agc_rms_fraction * ldexp(1, (int)c.adc_bits - 1);
    const double bound_db = 10 * log10(f_half * f_half * 12 / pow(4, (double)c.adc_bits - c.adc_enob));
    cr_log_info("matched-filter bound of the ADC's noise %.2f dB", bound_db);
    cr_assert_lt(in->mmse_snr_db, bound_db, "the design should be bounded by the ADC's noise (%.2f dB, bound %.2f dB)",
                 in->mmse_snr_db, bound_db);
    cr_assert_lt(wmax, 1.0, "a channel inverse: a tap %.2f times the main", wmax);
    cr_assert_lt((double)n.bit_errors / (double)n.bits, 1e-5);
    p4_counts_free(&n);
    p4_link_destroy(l);
}
