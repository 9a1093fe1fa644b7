/* test_ami.c - IBIS-AMI: the .ami parser (valid trees, overrides against their formats, malformed
 * files refused with file, line and parameter), the loader (failing, crashing and incomplete
 * and hanging models, isolated and in process), the Init flow (the example TX FFE model against a direct
 * convolution and against the native TX FFE, pulse to 1e-12 and BER counts equal; the example RX
 * model's statistical BER against the native CTLE + DFE within 0.1 dB) and the GetWave flow (the
 * example RX model's BER, with its own clock recovery, against the native receiver at the same
 * sampling phase, within their confidence intervals). Models come from P4_AMI (build/ami). */
#include "testutil.h"
#include <math.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static const char *ami_dir(void)
{
    const char *d = getenv("P4_AMI");
    return d ? d : "build/ami";
}

static const char *model(const char *name)
{
    static _Thread_local char buf[4][512];
    static _Thread_local int k;
    char *b = buf[k++ & 3];
    snprintf(b, 512, "%s/%s", ami_dir(), name);
    return b;
}

/* ---- the .ami parser ---- */

Test(ami_file, example_receiver_tree)
{
    p4_ami_file *f = p4_ami_file_read(model("rx_ctle_dfe.ami"));
    cr_assert_not_null(f, "%s", p4_last_error());
    cr_expect_str_eq(f->root, "rx_ctle_dfe_ami");
    cr_expect_eq(f->init_returns_impulse, 1);
    cr_expect_eq(f->getwave_exists, 1);
    cr_expect_eq(f->max_init_aggressors, 16);
    cr_expect_eq(f->ignore_bits, 4000);
    cr_expect_eq(f->modulation_declared, 1);
    cr_expect_eq(f->has_thresholds, 1);
    const p4_ami_param *q = p4_ami_file_find(f, "ctle.ctle_dc_gain_db");
    cr_assert_not_null(q);
    cr_expect_eq(q->format, P4_AMI_INCREMENT);
    cr_expect_float_eq(q->num[3], 1, 0);
    cr_expect_eq(q->line, 17);
    char *s = p4_ami_file_params_in(f);
    cr_expect_str_eq(s, "(rx_ctle_dfe_ami (ctle (ctle_dc_gain_db -8) (ctle_hp_gain_db 0) (ctle_fz_ghz 42.5) (ctle_fp1_ghz 42.5) "
                        "(ctle_fp2_ghz 106.25) (ctle_flf_ghz 1.328125)) (dfe_taps 1) (dfe_lms_step 0.001) (cdr_step_ui 0.0005))");
    free(s);
    /* overrides: inside the format, then outside it */
    cr_expect_eq(p4_ami_file_set(f, "ctle_dc_gain_db", "-11", "rx.ami.params"), P4_OK, "%s", p4_last_error());
    cr_expect_eq(p4_ami_file_set(f, "dfe_taps", "3", "rx.ami.params"), P4_OK);
    s = p4_ami_file_params_in(f);
    cr_expect(strstr(s, "(ctle_dc_gain_db -11)") && strstr(s, "(dfe_taps 3)"), "%s", s);
    free(s);
    struct { const char *name, *value, *expect; } bad[] = {
        {"ctle_dc_gain_db", "-20", "rx.ami.params.ctle_dc_gain_db = -20: parameter 'ctle.ctle_dc_gain_db' (" },
        {"ctle_dc_gain_db", "-8.5", "is not on its Increment grid -15 + k x 1 within [-15, 0]"},
        {"dfe_taps", "2.5", "is not a whole number (Type Integer)"},
        {"dfe_taps", "17", "17 is out of its Range [0, 16]"},
        {"cdr_step_ui", "fast", "'fast' is not a number (Type Float)"},
        {"main_cursor_v", "1", "has Usage Out"},
        {"no_such", "1", "has no parameter 'no_such'"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_neq(p4_ami_file_set(f, bad[i].name, bad[i].value, "rx.ami.params"), P4_OK, "%s=%s accepted", bad[i].name, bad[i].value);
        cr_expect(strstr(p4_last_error(), bad[i].expect), "%s=%s: '%s' lacks '%s'", bad[i].name, bad[i].value, p4_last_error(), bad[i].expect);
    }
    cr_expect(strstr(p4_last_error(), "rx_ctle_dfe.ami"), "the file is named: %s", p4_last_error());
    p4_ami_file_free(f);
}

#define RES_OK "(Reserved_Parameters\n (Init_Returns_Impulse (Usage Info) (Type Boolean) (Value True))\n (GetWave_Exists (Usage Info) (Type Boolean) (Value False)))\n"

/* Malformed files: refused with the file name, the line and the parameter. */
Test(ami_file, malformed_refused_with_file_line_parameter)
{
    struct { const char *what, *text, *expect; } cases[] = {
        {"unbalanced (", "(m\n" RES_OK "(Model_Specific\n (a (Usage In) (Type Float) (Value 1))\n", "t.ami:5: unbalanced parentheses: '(' opened here is never closed"},
        {"unbalanced )", "(m\n" RES_OK ")\n)\n", "t.ami:6: unbalanced parentheses: ')' closes nothing"},
        {"range default", "(m\n" RES_OK "(Model_Specific\n (gain (Usage In) (Type Float)\n  (Range 3 0 1))))\n", "t.ami:7: parameter 'gain': default 3 is outside its Range [0, 1]"},
        {"Default outside", "(m\n" RES_OK "(Model_Specific\n (gain (Usage In) (Type Float) (Range 0.5 0 1)\n (Default 2))))\n", "t.ami:7: parameter 'gain': default 2 is outside its Range [0, 1]"},
        {"unknown Type", "(m\n" RES_OK "(Model_Specific\n (b (br (gain (Usage In)\n (Type Double) (Value 1))))))\n", "t.ami:7: parameter 'b.br.gain': unknown Type 'Double'"},
        {"missing reserved", "(m\n(Reserved_Parameters\n (Init_Returns_Impulse (Usage Info) (Type Boolean) (Value True))))\n", "t.ami:2: parameter 'GetWave_Exists': missing from Reserved_Parameters"},
        {"no Usage", "(m\n" RES_OK "(Model_Specific\n (g (Type Float) (Value 1))))\n", "t.ami:6: parameter 'g': no (Usage"},
        {"NRZ", "(m\n(Reserved_Parameters\n (Init_Returns_Impulse (Usage Info) (Type Boolean) (Value True))\n (GetWave_Exists (Usage Info) (Type Boolean) (Value False))\n (Modulation (Usage Info) (Type String) (Value \"NRZ\"))))\n", "t.ami:5: parameter 'Modulation' = NRZ"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p4_ami_file *f = p4_ami_file_parse(cases[i].text, "t.ami");
        cr_expect_null(f, "%s: accepted", cases[i].what);
        p4_ami_file_free(f);
        cr_expect(strstr(p4_last_error(), cases[i].expect), "%s: '%s' lacks '%s'", cases[i].what, p4_last_error(), cases[i].expect);
    }
    /* the same through a file on disk: its path is in the message */
    char path[] = "/tmp/p4amiXXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    const char *t = cases[2].text;
    cr_assert_eq(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    close(fd);
    cr_expect_null(p4_ami_file_read(path));
    char want[64];
    snprintf(want, sizeof want, "%s:7: parameter 'gain'", path);
    cr_expect(strstr(p4_last_error(), want), "%s", p4_last_error());
    unlink(path);
}

/* ---- the loader ---- */

Test(ami_model, failing_incomplete_and_crashing_models)
{
    double h[64] = {0};
    h[3] = 1;
    for (int iso = 0; iso < 2; iso++) {
        p4_ami_model *m = p4_ami_open(model("bad_init.so"), iso);
        cr_assert_not_null(m, "%s", p4_last_error());
        cr_expect_neq(p4_ami_init(m, h, 64, 0, 1e-12, 16e-12, "(bad_ami)"), P4_OK);
        cr_expect(strstr(p4_last_error(), "bad_init.so: AMI_Init returned failure (0): bad_init: this model refuses every channel"),
                  "isolate %d: %s", iso, p4_last_error());
        p4_ami_free(m);
        cr_expect_null(p4_ami_open(model("bad_nosym.so"), iso));
        cr_expect(strstr(p4_last_error(), "bad_nosym.so: the model has no AMI_Close"), "isolate %d: %s", iso, p4_last_error());
        cr_expect_null(p4_ami_open(model("no_such_model.so"), iso));
        cr_expect(strstr(p4_last_error(), "no_such_model.so: cannot load the model"), "isolate %d: %s", iso, p4_last_error());
    }
    /* isolated, a segfault in AMI_Init is an error, and this process goes on to use another model */
    p4_ami_model *m = p4_ami_open(model("bad_segv.so"), 1);
    cr_assert_not_null(m, "%s", p4_last_error());
    cr_expect_neq(p4_ami_init(m, h, 64, 0, 1e-12, 16e-12, "(bad_ami)"), P4_OK);
    cr_expect(strstr(p4_last_error(), "bad_segv.so: the model crashed in AMI_Init (signal 11"), "%s", p4_last_error());
    cr_expect_neq(p4_ami_init(m, h, 64, 0, 1e-12, 16e-12, "(bad_ami)"), P4_OK);
    cr_expect(strstr(p4_last_error(), "the model's process ended earlier"), "%s", p4_last_error());
    p4_ami_free(m);
    /* isolated, a model that never returns is stopped after its timeout */
    m = p4_ami_open(model("bad_hang.so"), 1);
    cr_assert_not_null(m, "%s", p4_last_error());
    p4_ami_set_timeout(m, 0.5);
    cr_expect_neq(p4_ami_init(m, h, 64, 0, 1e-12, 16e-12, "(bad_ami)"), P4_OK);
    cr_expect(strstr(p4_last_error(), "bad_hang.so: the model did not return from AMI_Init within 0.5 s"), "%s", p4_last_error());
    p4_ami_free(m);
    m = p4_ami_open(model("tx_ffe.so"), 1);
    cr_assert_not_null(m);
    cr_expect_eq(p4_ami_init(m, h, 64, 0, 1e-12, 16e-12, "(tx_ffe_ami (c_0 0.5))"), P4_OK, "%s", p4_last_error());
    /* c(0) is the model's fourth tap: the unit sample moves 3 bits (48 samples) later */
    cr_expect(h[3] == 0 && fabs(h[51] - 0.5) < 1e-15, "the model's output came back through the shared memory");
    cr_expect(strstr(p4_ami_message(m), "tx_ffe: taps"), "%s", p4_ami_message(m));
    p4_ami_free(m);
}

/* In process there is no protection: the same model ends the process (this test's own). */
Test(ami_model, in_process_crash_ends_the_process, .signal = SIGSEGV)
{
    double h[64] = {0};
    p4_ami_model *m = p4_ami_open(model("bad_segv.so"), 0);
    cr_assert_not_null(m);
    p4_ami_init(m, h, 64, 0, 1e-12, 16e-12, "(bad_ami)");
}

/* A link with a crashing or failing host model is refused with the model and the call named. */
Test(ami_model, link_refuses_failing_models)
{
    const char *files[] = {"bad_segv.so", "bad_init.so", "bad_nosym.so"};
    const char *expect[] = {"crashed in AMI_Init", "AMI_Init returned failure", "has no AMI_Close"};
    for (int i = 0; i < 3; i++) {
        p4_config c;
        p4_config_default(&c);
        snprintf(c.rx_ami_model, sizeof c.rx_ami_model, "%s", model(files[i]));
        p4_link *l = p4_link_create(&c);
        cr_expect_null(l);
        p4_link_destroy(l);
        cr_expect(strstr(p4_last_error(), files[i]) && strstr(p4_last_error(), expect[i]), "%s: %s", files[i], p4_last_error());
    }
}

/* ---- Init flow: the TX FFE model ---- */

/* The model's output against the convolution done here, and its response's taps. */
Test(ami_flow, tx_model_is_the_ffe_convolution)
{
    const int sps = 16, R = 4096;
    double *h = malloc(R * sizeof *h), *g = malloc(R * sizeof *g), *y = malloc(R * sizeof *y);
    for (int n = 0; n < R; n++) h[n] = n < 40 ? 0 : exp(-(n - 40) / 90.0) * sin(0.07 * n) + 1e-3 * cos(0.3 * n) * (n < 1000);
    p4_ami_file *f = p4_ami_file_read(model("tx_ffe.ami"));
    cr_assert_not_null(f, "%s", p4_last_error());
    const double c[5] = {-0.04, 0.1, -0.25, 0.6, -0.15};
    const char *nm[5] = {"c_m3", "c_m2", "c_m1", "c_0", "c_1"};
    for (int k = 0; k < 5; k++) {
        char v[32];
        snprintf(v, sizeof v, "%.17g", c[k]);
        cr_assert_eq(p4_ami_file_set(f, nm[k], v, "tx.ami.params"), P4_OK, "%s", p4_last_error());
    }
    for (int iso = 0; iso < 2; iso++) {
        p4_ami_model *m = p4_ami_open(model("tx_ffe.so"), iso);
        cr_assert_not_null(m, "%s", p4_last_error());
        p4_ami_info info = {0};
        cr_assert_eq(p4_ami_linear_response(m, f, h, R, 0.5e-12, sps * 0.5e-12, g, y, &info), P4_OK, "%s", p4_last_error());
        double err = 0, hmax = 0;
        for (int n = 0; n < R; n++) {
            double ref = 0;
            for (int k = 0; k < 5; k++)
                if (n - k * sps >= 0) ref += c[k] * h[n - k * sps];
            err = fmax(err, fabs(y[n] - ref)), hmax = fmax(hmax, fabs(h[n]));
        }
        cr_expect(err <= 1e-12 * hmax, "isolate %d: victim differs from the convolution by %.3g", iso, err);
        for (int n = 0; n < R; n++) cr_expect(fabs(g[n] - (n % sps == 0 && n / sps < 5 ? c[n / sps] : 0)) < 1e-15, "g[%d] = %g", n, g[n]);
        cr_expect_eq(info.probe, 1, "the probe rode in an aggressor column");
        cr_expect(info.nonlinear_rel < 1e-12, "a linear model: %.3g", info.nonlinear_rel);
        p4_ami_free(m);
    }
    p4_ami_file_free(f);
    free(h), free(g), free(y);
}

static p4_link *make(const char *const *sets, int n, const char *extra1, const char *extra2)
{
    p4_config c;
    p4_config_default(&c);
    c.tdecq_in_run = 0;
    for (int i = 0; i < n; i++) cr_assert_eq(p4_config_set(&c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
    if (extra1) cr_assert_eq(p4_config_set(&c, extra1), P4_OK, "%s: %s", extra1, p4_last_error());
    if (extra2) cr_assert_eq(p4_config_set(&c, extra2), P4_OK, "%s: %s", extra2, p4_last_error());
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    return l;
}

/* The example TX model with the native FFE's taps: the same pulse response to 1e-12 and the same
 * error counts for the same seed, with jitter, noise and the CTLE search on. */
Test(ami_flow, tx_model_equals_native_ffe, .timeout = 120)
{
    const char *common[] = {"channel.il_nyquist_db=34", "rx.noise.eta0_v2_per_ghz=3e-8", "sim.seed=7", "sim.symbols=300000", "sim.threads=2"};
    char tx[256];
    snprintf(tx, sizeof tx, "tx.ami.model=%s", model("tx_ffe.so"));
    p4_link *a = make(common, 5, "tx.ffe_taps=[0.06, -0.22, 0.65, -0.07]", "tx.ffe_main=2");
    const char *amiset[] = {"tx.ami.params.c_m3=0", "tx.ami.params.c_m2=0.06", "tx.ami.params.c_m1=-0.22", "tx.ami.params.c_0=0.65",
                            "tx.ami.params.c_1=-0.07", common[0], common[1], common[2], common[3], common[4]};
    p4_link *b = make(amiset, 10, tx, NULL); /* the model replaces the native taps */
    const p4_link_info *ib = p4_link_info_get(b);
    cr_expect_eq(ib->ami_tx.symbol_spaced, 1);
    cr_expect_eq(ib->ami_tx.ntaps, 4);
    p4_link_view va, vb;
    p4_link_view_get(a, &va), p4_link_view_get(b, &vb);
    cr_assert_eq(va.pulse_len, vb.pulse_len);
    cr_expect_eq(va.phase, vb.phase);
    double err = 0, mx = 0;
    for (int i = 0; i < va.pulse_len; i++) err = fmax(err, fabs(va.pulse[i] - vb.pulse[i])), mx = fmax(mx, fabs(va.pulse[i]));
    cr_log_info("TX model vs native FFE: pulse max difference %.3g V (peak %.3g V)", err, mx);
    cr_expect(err <= 1e-12 * mx, "pulse differs by %.3g (peak %.3g)", err, mx);
    p4_counts na, nb;
    cr_assert_eq(p4_link_run(a, 0, &na), P4_OK);
    cr_assert_eq(p4_link_run(b, 0, &nb), P4_OK);
    cr_log_info("bit errors native %llu, AMI %llu of %llu", (unsigned long long)na.bit_errors, (unsigned long long)nb.bit_errors,
                (unsigned long long)na.bits);
    cr_expect(na.bit_errors > 100, "the comparison needs errors (%llu)", (unsigned long long)na.bit_errors);
    cr_expect_eq(na.bit_errors, nb.bit_errors);
    cr_expect_eq(na.symbol_errors, nb.symbol_errors);
    cr_expect_eq(na.bits, nb.bits);
    p4_counts_free(&na), p4_counts_free(&nb);
    p4_link_destroy(a), p4_link_destroy(b);
}

/* ---- Init flow: the RX model in the statistical engine ---- */

Test(ami_flow, rx_model_stat_equals_native_ctle_dfe, .timeout = 120)
{
    const char *common[] = {"channel.il_nyquist_db=16", "rx.noise.eta0_v2_per_ghz=6e-9", "sim.sps=32", "rx.dfe.taps=2",
                            "stat.dfe_propagation=true"};
    char rx[256];
    snprintf(rx, sizeof rx, "rx.ami.model=%s", model("rx_ctle_dfe.so"));
    const double gdc[] = {-6, -10};
    for (int k = 0; k < 2; k++) {
        char g1[64], g2[64];
        snprintf(g1, sizeof g1, "rx.ctle.g_dc_db=%g", gdc[k]);
        snprintf(g2, sizeof g2, "rx.ami.params.ctle_dc_gain_db=%g", gdc[k]);
        const char *nat[] = {common[0], common[1], common[2], common[3], common[4], "rx.ctle.g_dc_hp_db=0", "rx.ffe.taps=1", "rx.ffe.precursors=0"};
        const char *ami[] = {common[0], common[1], common[2], common[3], common[4], "rx.ami.params.ctle_hp_gain_db=0", "rx.ami.params.dfe_taps=2",
                             "rx.ami.flow=init"};
        p4_link *a = make(nat, 8, g1, NULL);
        p4_link *b = make(ami, 8, g2, rx);
        p4_stat_result ra, rb;
        cr_assert_eq(p4_stat_run(a, &ra), P4_OK, "%s", p4_last_error());
        cr_assert_eq(p4_stat_run(b, &rb), P4_OK, "%s", p4_last_error());
        double dd = p4_ser_gain_db(ra.ber, rb.ber);
        cr_log_info("g_dc %g dB: native stat BER %.4e (COM %.3f dB), AMI Init flow %.4e (COM %.3f dB): %.3f dB", gdc[k], ra.ber, ra.com_db,
                    rb.ber, rb.com_db, dd);
        cr_expect(ra.ber > 1e-12 && ra.ber < 1e-2, "BER %.3g outside the range compared", ra.ber);
        cr_expect(fabs(dd) < 0.1, "g_dc %g: AMI %.4e vs native %.4e: %.3f dB SNR-equivalent", gdc[k], rb.ber, ra.ber, dd);
        cr_expect(fabs(rb.com_db - ra.com_db) < 0.1, "COM margin %.3f vs %.3f dB", rb.com_db, ra.com_db);
        p4_stat_free(&ra), p4_stat_free(&rb);
        p4_link_destroy(a), p4_link_destroy(b);
    }
}

/* ---- GetWave flow: the RX model's own CTLE, DFE and clock recovery on a waveform ---- */

static int gray_bits(int a, int b)
{
    int x = (a ^ (a >> 1)) ^ (b ^ (b >> 1));
    return (x & 1) + (x >> 1);
}

#define GW_ETA0 "rx.noise.eta0_v2_per_ghz=9e-7" /* V^2/GHz at the receiver input */
static const char *const gw_base[] = {"channel.il_nyquist_db=16", "tx.rlm=1", "tx.jitter.rj_ps=0", "tx.jitter.dcd_ps=0",
                                      "tx.snr_db=.inf", "rx.ffe.taps=1", "rx.ffe.precursors=0", "sim.seed=3", "sim.threads=2"};
#define GW_NBASE ((int)(sizeof gw_base / sizeof gw_base[0]))

typedef struct {
    uint64_t bits, errors;
    double phase_ui, spread_ui; /* circular mean and rms spread of the sampling instants in the UI */
    double *pulse;              /* the model's equalized pulse (its Init output), waveform frame */
    int pulse_len;
} gw_result;

/* The waveform: the link's pulse response without a receiver (TX, channel, the receiver's front-end
 * filter) driven by random symbols, plus white noise (eta0 fs / 2 per sample) through that filter,
 * as the native link shapes it; one overlap-save FIR makes both. The model gets the impulse whose
 * one-UI pulse is that pulse, then the waveform in blocks of 4096 samples; its decisions, at its
 * clock times + UI/2 with its own thresholds, are counted against the symbols sent. */
static void getwave_run(const char *cdr_step, const char *lms_step, long nsym, gw_result *res)
{
    p4_link *lw = make(gw_base, GW_NBASE, "rx.ctle.enable=false", "rx.dfe.taps=0");
    p4_link_view v;
    p4_link_view_get(lw, &v);
    const int sps = v.sps;
    int P = v.pulse_len;
    double pmax = 0;
    for (int i = 0; i < P; i++) pmax = fmax(pmax, fabs(v.pulse[i]));
    while (P > 1 && fabs(v.pulse[P - 1]) < 1e-6 * pmax) P--;
    const double *p = v.pulse, dt = 1e-9 / 106.25 / sps, ui = sps * dt;
    /* the impulse whose one-UI pulse is p: h[n] = h[n - sps] + p[n] - p[n - 1]; IBIS units: / dt */
    long R = P + 256L * sps;
    double *h = calloc((size_t)R, sizeof *h);
    for (long n = 0; n < R; n++) h[n] = (n >= sps ? h[n - sps] : 0) + (n < P ? p[n] : 0) - (n >= 1 && n - 1 < P ? p[n - 1] : 0);
    for (long n = 0; n < R; n++) h[n] /= dt;
    p4_ami_file *f = p4_ami_file_read(model("rx_ctle_dfe.ami"));
    cr_assert_not_null(f);
    cr_assert_eq(p4_ami_file_set(f, "ctle_dc_gain_db", "-10", "rx.ami.params"), P4_OK);
    cr_assert_eq(p4_ami_file_set(f, "dfe_taps", "2", "rx.ami.params"), P4_OK);
    cr_assert_eq(p4_ami_file_set(f, "cdr_step_ui", cdr_step, "rx.ami.params"), P4_OK);
    cr_assert_eq(p4_ami_file_set(f, "dfe_lms_step", lms_step, "rx.ami.params"), P4_OK);
    char *pin = p4_ami_file_params_in(f);
    p4_ami_model *m = p4_ami_open(model("rx_ctle_dfe.so"), 1);
    cr_assert_not_null(m, "%s", p4_last_error());
    cr_assert_eq(p4_ami_init(m, h, R, 0, dt, ui, pin), P4_OK, "%s", p4_last_error());
    double th[3];
    cr_assert_eq(p4_ami_string_number(p4_ami_params_out(m), "PAM4_LowerThreshold", &th[0]), 0);
    cr_assert_eq(p4_ami_string_number(p4_ami_params_out(m), "PAM4_CenterThreshold", &th[1]), 0);
    cr_assert_eq(p4_ami_string_number(p4_ami_params_out(m), "PAM4_UpperThreshold", &th[2]), 0);
    cr_log_info("%s; %s", p4_ami_message(m), p4_ami_params_out(m));
    memset(res, 0, sizeof *res);
    res->pulse_len = (int)R;
    res->pulse = calloc((size_t)R, sizeof *res->pulse);
    for (long n = 0; n < R; n++) /* Init returned the impulse through its CTLE: its 1-UI pulse */
        res->pulse[n] = (n ? res->pulse[n - 1] : 0) + (h[n] - (n >= sps ? h[n - sps] : 0)) * dt;
    const size_t B = 4096;
    p4_ami_getwave_flow *g = p4_ami_getwave_flow_create(m, dt, ui, B);
    cr_assert_not_null(g);
    p4_rng r;
    p4_rng_seed(&r, 11, 0, 0);
    uint8_t *sym = malloc((size_t)nsym);
    for (long k = 0; k < nsym; k++) sym[k] = (uint8_t)(p4_rng_u64(&r) >> 62);
    static const double lv[4] = {-1, -1.0 / 3, 1.0 / 3, 1};
    double sigma = sqrt(9e-7 * (sps * 106.25) / 2);
    p4_fresp *bw = p4_fresp_create(16384, 1 / dt);
    double *full = malloc(16384 * sizeof *full);
    p4_fresp_butterworth(bw, 4, 61.625e9); /* rx.noise.filter_ghz */
    p4_fresp_impulse(bw, full);
    p4_impulse ni;
    cr_assert_eq(p4_impulse_truncate(full, 16384, 1e-12, 0, 4096, 1, &ni), P4_OK);
    const double *hs[2] = {p, ni.h};
    size_t hl[2] = {(size_t)P, ni.len};
    p4_fir *fir = p4_fir_create(2, hs, hl);
    cr_assert_not_null(fir);
    double *imp = malloc(B * sizeof *imp), *wn = malloc(B * sizeof *wn);
    double *w = malloc(B * sizeof *w), *t = malloc(B * sizeof *t), *z = malloc(B * sizeof *z);
    double *ts = malloc((size_t)nsym * sizeof *ts), *zs = malloc((size_t)nsym * sizeof *zs);
    size_t ns = 0;
    long nsamp = (nsym - P / sps - 8) * (long)sps;
    for (long n0 = 0; n0 < nsamp; n0 += (long)B) {
        size_t nbk = (size_t)(nsamp - n0 < (long)B ? nsamp - n0 : (long)B);
        if (nbk < 2) break;
        p4_rng_gauss_fill(&r, wn, nbk, sigma);
        for (size_t i = 0; i < nbk; i++) imp[i] = (n0 + (long)i) % sps ? 0 : lv[sym[(n0 + (long)i) / sps]];
        const double *in[2] = {imp, wn};
        p4_fir_run(fir, in, nbk, w);
        size_t got;
        cr_assert_eq(p4_ami_getwave_flow_run(g, w, nbk, f->ignore_bits, t, z, B, &got), P4_OK, "%s", p4_last_error());
        for (size_t i = 0; i < got && ns < (size_t)nsym; i++) ts[ns] = t[i], zs[ns++] = z[i];
    }
    cr_assert(ns > (size_t)nsym / 2, "%zu samples", ns);
    /* decisions; the symbol of an instant by time from the first one, whose symbol is the best
     * match over the first 2000 */
    uint8_t *dec = malloc(ns);
    for (size_t i = 0; i < ns; i++) dec[i] = (uint8_t)((zs[i] > th[0]) + (zs[i] > th[1]) + (zs[i] > th[2]));
    double s0 = ts[0] / dt;
    long best_m0 = 0, best_hits = -1;
    for (long m0 = (long)(s0 / sps) - P / sps - 2; m0 <= (long)(s0 / sps) + 2; m0++) {
        long hits = 0;
        for (size_t i = 0; i < 2000; i++) {
            long k = m0 + lround((ts[i] / dt - s0) / sps);
            hits += k >= 0 && k < nsym && sym[k] == dec[i];
        }
        if (hits > best_hits) best_hits = hits, best_m0 = m0;
    }
    cr_assert(best_hits > 1900, "no alignment: %ld of 2000", best_hits);
    double c = 0, sn = 0;
    for (size_t i = 0; i < ns; i++) {
        long k = best_m0 + lround((ts[i] / dt - s0) / sps);
        if (k < 0 || k >= nsym) continue;
        res->bits += 2, res->errors += (uint64_t)gray_bits(sym[k], dec[i]);
        double a = 2 * M_PI * fmod(ts[i] / dt, sps) / sps;
        c += cos(a), sn += sin(a);
    }
    res->phase_ui = fmod(atan2(sn, c) / (2 * M_PI) + 1, 1);
    double var = 0;
    for (size_t i = 0; i < ns; i++) {
        double d = fmod(ts[i] / dt, sps) / sps - res->phase_ui;
        d -= round(d);
        var += d * d;
    }
    res->spread_ui = sqrt(var / (double)ns);
    p4_fresp_free(bw), p4_impulse_free(&ni), p4_fir_destroy(fir);
    p4_link_destroy(lw);
    p4_ami_getwave_flow_free(g);
    p4_ami_free(m);
    p4_ami_file_free(f);
    free(full), free(wn), free(imp), free(pin), free(h), free(sym), free(w), free(t), free(z), free(ts), free(zs), free(dec);
}

/* The native receiver (the same CTLE settings, a 2-tap DFE, the same channel and noise) sampling
 * where the model sampled; BER and its 95 % interval. A link's phase counts from its own pulse's
 * index frame (its impulse truncation), so the model's instant (waveform frame, phase_ui) is mapped
 * onto the native link's frame by the offset that best aligns the native equalized pulse with the
 * model's (its CTLE is the same filter), on the native grid of sps phases per UI. */
static double native_ber(const gw_result *g, int sps, long nsym, double *lo, double *hi, double *phase_native)
{
    char ph[64], sp[32], ns[48];
    snprintf(sp, sizeof sp, "sim.sps=%d", sps);
    snprintf(ns, sizeof ns, "sim.symbols=%ld", nsym);
    const char *s[GW_NBASE + 6];
    for (int i = 0; i < GW_NBASE; i++) s[i] = gw_base[i];
    s[GW_NBASE] = "rx.ctle.g_dc_db=-10", s[GW_NBASE + 1] = "rx.ctle.g_dc_hp_db=0", s[GW_NBASE + 2] = "rx.dfe.taps=2";
    s[GW_NBASE + 3] = sp, s[GW_NBASE + 4] = ns;
    p4_link *l = make(s, GW_NBASE + 5, GW_ETA0, NULL);
    p4_link_view v;
    p4_link_view_get(l, &v);
    const int r = sps / 16; /* native samples per waveform sample */
    double best = INFINITY, off = 0;
    for (int d = -128 * r; d <= 128 * r; d++) { /* waveform-frame time of native index i: i / r + d / r */
        double e = 0;
        for (int i = 0; i < v.pulse_len; i++) {
            double x = (double)(i + d) / r;
            int k = (int)floor(x);
            double y = 0, u = x - k; /* Catmull-Rom cubic between pulse[k] and pulse[k + 1] */
            if (k >= 1 && k + 2 < g->pulse_len) {
                const double *q = g->pulse + k - 1;
                y = q[1] + 0.5 * u * (q[2] - q[0] + u * (2 * q[0] - 5 * q[1] + 4 * q[2] - q[3] + u * (3 * (q[1] - q[2]) + q[3] - q[0])));
            }
            e += (v.pulse[i] - y) * (v.pulse[i] - y);
        }
        if (e < best) best = e, off = (double)d / r;
    }
    p4_link_destroy(l);
    *phase_native = fmod(fmod(g->phase_ui - off / 16, 1.0) + 1, 1.0);
    /* the grid phases either side (one when on the grid); log BER interpolated between them */
    double x = *phase_native * sps, q[2] = {floor(x + 1e-9), ceil(x - 1e-9)}, b[2], l2[2], h2[2];
    int nq = q[1] > q[0] ? 2 : 1;
    for (int j = 0; j < nq; j++) {
        snprintf(ph, sizeof ph, "rx.sample_phase_ui=%.6f", fmod(q[j] / sps, 1.0));
        s[GW_NBASE + 5] = ph;
        l = make(s, GW_NBASE + 6, GW_ETA0, NULL);
        p4_counts cn;
        cr_assert_eq(p4_link_run(l, 0, &cn), P4_OK);
        p4_clopper_pearson(cn.bit_errors, cn.bits, &l2[j], &h2[j]);
        b[j] = (double)cn.bit_errors / cn.bits;
        cr_assert(cn.bit_errors > 100, "the native receiver needs errors to compare (%llu)", (unsigned long long)cn.bit_errors);
        p4_counts_free(&cn);
        p4_link_destroy(l);
    }
    if (nq == 1) {
        *lo = l2[0], *hi = h2[0];
        return b[0];
    }
    double u = x - q[0];
    *lo = exp((1 - u) * log(l2[0]) + u * log(l2[1])), *hi = exp((1 - u) * log(h2[0]) + u * log(h2[1]));
    return exp((1 - u) * log(b[0]) + u * log(b[1]));
}

static void agree_ci(const char *what, const gw_result *g, double nber, double nlo, double nhi, double nph)
{
    double lo, hi, ber = (double)g->errors / g->bits;
    p4_clopper_pearson(g->errors, g->bits, &lo, &hi);
    cr_log_info("%s: GetWave BER %.3e [%.2e, %.2e] (%llu bit errors) sampling at %.4f UI (rms %.4f UI); native %.3e [%.2e, %.2e] at %.4f UI of its frame",
                what, ber, lo, hi, (unsigned long long)g->errors, g->phase_ui, g->spread_ui, nber, nlo, nhi, nph);
    cr_expect(g->errors > 100, "%s: the comparison needs errors", what);
    cr_expect(lo <= nhi && nlo <= hi, "%s: the confidence intervals do not overlap", what);
}

/* The model's clock held at the instant its Init chose (a sample of the grid): GetWave's CTLE,
 * DFE (with its error propagation) and slicer against the native receiver at that phase. */
Test(ami_flow, rx_getwave_fixed_clock_matches_native, .timeout = 240)
{
    gw_result g;
    getwave_run("0", "0", 400000, &g);
    cr_expect(g.spread_ui < 1e-9, "a fixed clock: spread %.3g UI", g.spread_ui);
    double lo, hi, nph, b = native_ber(&g, 16, 1600000, &lo, &hi, &nph);
    agree_ci("fixed clock", &g, b, lo, hi, nph);
    free(g.pulse);
}

/* The model's bang-bang CDR and LMS DFE: it locks (rms wander below 0.02 UI) where Init chose to
 * sample (its edge loop balances where p(s - T/2) = p(s + T/2), a fixed offset away, which Init
 * measures on the equalized pulse), and its BER agrees with the native receiver's at that phase
 * (64 samples/UI, log BER interpolated between the grid phases) within their 95 % intervals. */
Test(ami_flow, rx_getwave_cdr_matches_native_at_its_phase, .timeout = 240)
{
    gw_result g, f;
    getwave_run("0.0005", "0.001", 400000, &g);
    getwave_run("0", "0", 20000, &f); /* the instant Init chose, held */
    cr_expect(g.spread_ui < 0.02, "the CDR wanders: rms %.4f UI", g.spread_ui);
    double dph = g.phase_ui - f.phase_ui;
    cr_log_info("bang-bang CDR at %.4f UI, Init's instant %.4f UI", g.phase_ui, f.phase_ui);
    cr_expect(fabs(dph - round(dph)) < 0.01, "the CDR locked %.4f UI from Init's instant", dph - round(dph));
    double lo, hi, nph, b = native_ber(&g, 64, 400000, &lo, &hi, &nph), ber = (double)g.errors / g.bits;
    cr_log_info("bang-bang CDR: %.2f dB SNR-equivalent from the native receiver", p4_ser_gain_db(2 * ber, 2 * b));
    agree_ci("bang-bang CDR", &g, b, lo, hi, nph);
    free(g.pulse), free(f.pulse);
}

/* ---- GetWave flow in the link's own run (sim/link_ami.c) ---- */

static const char *const run_base[] = {"channel.il_nyquist_db=16", "tx.rlm=1", "rx.noise.eta0_v2_per_ghz=7e-7", "sim.seed=3",
                                       "sim.symbols=1000000", "sim.threads=2"};
#define RUN_NBASE ((int)(sizeof run_base / sizeof run_base[0]))

static p4_link *make_run(const char *const *extra, int nextra)
{
    const char *s[RUN_NBASE + 8];
    for (int i = 0; i < RUN_NBASE; i++) s[i] = run_base[i];
    for (int i = 0; i < nextra; i++) s[RUN_NBASE + i] = extra[i];
    return make(s, RUN_NBASE + nextra, NULL, NULL);
}

/* pam4sim's run with the example RX model in the GetWave flow (its CTLE, DFE and bang-bang CDR on
 * the RX waveform, sampled at its clock times) against the native receiver with the same CTLE and
 * a 2-tap DFE at its own MMSE phase, on a 16 dB channel with noise that puts the BER in
 * 1e-4..1e-3 (seed 3, 1e6 symbols): within their 95 % intervals; the same counts with 1 and 2
 * threads; the flow and the clock's statistics in the link's info. */
Test(ami_flow, run_getwave_flow_agrees_with_native_receiver, .timeout = 300)
{
    char rx[256];
    snprintf(rx, sizeof rx, "rx.ami.model=%s", model("rx_ctle_dfe.so"));
    const char *nat[] = {"rx.ctle.g_dc_db=-10", "rx.ctle.g_dc_hp_db=0", "rx.dfe.taps=2", "rx.ffe.taps=1", "rx.ffe.precursors=0"};
    const char *gw[] = {rx, "rx.ami.params.ctle_dc_gain_db=-10", "rx.ami.params.dfe_taps=2", "rx.ami.flow=auto"};
    p4_link *a = make_run(nat, 5), *b = make_run(gw, 4);
    const p4_link_info *ib = p4_link_info_get(b);
    cr_expect_eq(ib->ami_rx.getwave_flow, 1, "auto takes GetWave when the model has it");
    cr_expect_str_eq(ib->engine, "sample");
    p4_counts na, nb, n1;
    cr_assert_eq(p4_link_run(a, 0, &na), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_link_run(b, 0, &nb), P4_OK, "%s", p4_last_error());
    double la, ha, lb, hb, ba = (double)na.bit_errors / na.bits, bb = (double)nb.bit_errors / nb.bits;
    p4_clopper_pearson(na.bit_errors, na.bits, &la, &ha);
    p4_clopper_pearson(nb.bit_errors, nb.bits, &lb, &hb);
    cr_log_info("native CTLE + DFE BER %.3e [%.2e, %.2e]; AMI GetWave %.3e [%.2e, %.2e]; model's clock at %.4f UI (rms %.4f UI), %llu clocks, %llu ignored, %llu units",
                ba, la, ha, bb, lb, hb, ib->ami_rx.phase_ui, ib->ami_rx.spread_ui, ib->ami_rx.clocks, ib->ami_rx.ignored, ib->ami_rx.units);
    cr_expect(ba > 1e-4 && ba < 1e-3, "native BER %.3g outside 1e-4..1e-3", ba);
    cr_expect(lb <= ha && la <= hb, "the 95 %% intervals do not overlap");
    cr_expect_eq(nb.bits, na.bits);
    cr_expect(ib->ami_rx.units > 0 && ib->ami_rx.clocks > nb.bits / 2, "%llu clocks", ib->ami_rx.clocks);
    cr_expect_eq(ib->ami_rx.ignored, ib->ami_rx.units * 4000, "Ignore_Bits 4000 per unit");
    cr_expect(ib->ami_rx.spread_ui < 0.02 && ib->ami_rx.missing == 0, "rms %.4f UI, %llu missing", ib->ami_rx.spread_ui, ib->ami_rx.missing);
    cr_expect(fabs(ib->ami_rx.phase_ui - p4_link_info_get(a)->sample_phase_ui) < 0.02, "the model samples at %.4f UI, the native receiver at %.4f UI",
              ib->ami_rx.phase_ui, p4_link_info_get(a)->sample_phase_ui);
    /* one thread: the same counts */
    const char *gw1[] = {rx, "rx.ami.params.ctle_dc_gain_db=-10", "rx.ami.params.dfe_taps=2", "sim.threads=1"};
    p4_link *c = make_run(gw1, 4);
    cr_assert_eq(p4_link_run(c, 0, &n1), P4_OK, "%s", p4_last_error());
    cr_expect_eq(n1.bit_errors, nb.bit_errors);
    cr_expect_eq(n1.symbol_errors, nb.symbol_errors);
    cr_expect_eq(n1.bits, nb.bits);
    cr_expect_eq(p4_link_info_get(c)->ami_rx.clocks, ib->ami_rx.clocks);
    /* the other flow one value away: init puts the model's Init response in the chain */
    const char *in[] = {rx, "rx.ami.params.ctle_dc_gain_db=-10", "rx.ami.params.dfe_taps=2", "rx.ami.flow=init", "rx.dfe.taps=2"};
    p4_link *d = make_run(in, 5);
    cr_expect_eq(p4_link_info_get(d)->ami_rx.getwave_flow, 0);
    p4_counts_free(&na), p4_counts_free(&nb), p4_counts_free(&n1);
    p4_link_destroy(a), p4_link_destroy(b), p4_link_destroy(c), p4_link_destroy(d);
}

/* A GetWave model that returns no clock times leaves the clock to the simulator: a pass-through
 * model (Ignore_Bits 100) sampled at pam4sim's phase of least slicer error, scaled by its mean
 * |sample|, against the native receiver with no CTLE, one FFE tap and no DFE (3 dB channel, seed 3,
 * 1e6 symbols): the same phase and BERs within their 95 % intervals. */
Test(ami_flow, getwave_model_without_clock_uses_the_simulators, .timeout = 120)
{
    char rx[256];
    snprintf(rx, sizeof rx, "rx.ami.model=%s", model("gw_passthru.so"));
    const char *base[] = {"channel.il_nyquist_db=3", "tx.rlm=1", "rx.noise.eta0_v2_per_ghz=5e-6", "sim.seed=3", "sim.symbols=1000000",
                          "sim.threads=2", "rx.ffe.taps=1", "rx.ffe.precursors=0", "rx.dfe.taps=0"};
    p4_link *a = make(base, 9, "rx.ctle.enable=false", NULL), *b = make(base, 9, rx, NULL);
    const p4_link_info *ia = p4_link_info_get(a), *ib = p4_link_info_get(b);
    cr_expect_eq(ib->ami_rx.getwave_flow, 1);
    cr_expect_eq(ib->ami_rx.own_clock, 1);
    p4_counts na, nb;
    cr_assert_eq(p4_link_run(a, 0, &na), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_link_run(b, 0, &nb), P4_OK, "%s", p4_last_error());
    double la, ha, lb, hb;
    p4_clopper_pearson(na.bit_errors, na.bits, &la, &ha);
    p4_clopper_pearson(nb.bit_errors, nb.bits, &lb, &hb);
    cr_log_info("no clock from the model: native BER %.3e [%.2e, %.2e] at %.4f UI; pass-through GetWave %.3e [%.2e, %.2e] at %.4f UI",
                (double)na.bit_errors / na.bits, la, ha, ia->sample_phase_ui, (double)nb.bit_errors / nb.bits, lb, hb, ib->ami_rx.phase_ui);
    cr_expect(na.bit_errors > 100, "the comparison needs errors (%llu)", (unsigned long long)na.bit_errors);
    cr_expect(fabs(ib->ami_rx.phase_ui - ia->sample_phase_ui) < 1e-9, "phase %.4f vs the native %.4f UI", ib->ami_rx.phase_ui, ia->sample_phase_ui);
    cr_expect(lb <= ha && la <= hb, "the 95 %% intervals do not overlap");
    cr_expect_eq(ib->ami_rx.clocks, 0);
    p4_counts_free(&na), p4_counts_free(&nb);
    p4_link_destroy(a), p4_link_destroy(b);
}

/* The GetWave flow is sample level: sim.engine = symbol is refused naming the key, and the
 * statistical engine refuses rx.ami.flow = getwave. */
Test(ami_flow, getwave_flow_refuses_symbol_engine_and_stat)
{
    p4_config c;
    p4_config_default(&c);
    c.tdecq_in_run = 0;
    snprintf(c.rx_ami_model, sizeof c.rx_ami_model, "%s", model("rx_ctle_dfe.so"));
    cr_assert_eq(p4_config_set(&c, "sim.engine=symbol"), P4_OK);
    cr_expect_null(p4_link_create(&c));
    cr_expect(strstr(p4_last_error(), "sim.engine = symbol") && strstr(p4_last_error(), "rx.ami.flow"), "%s", p4_last_error());
    cr_assert_eq(p4_config_set(&c, "sim.engine=auto"), P4_OK);
    cr_assert_eq(p4_config_set(&c, "rx.ami.flow=getwave"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    p4_stat_result r;
    cr_expect_neq(p4_stat_run(l, &r), P4_OK);
    cr_expect(strstr(p4_last_error(), "rx.ami.flow"), "%s", p4_last_error());
    p4_stat_free(&r);
    p4_link_destroy(l);
    p4_config_default(&c);
    cr_expect_neq(p4_config_set(&c, "rx.ami.flow=fast"), P4_OK);
    cr_assert_eq(p4_config_set(&c, "rx.ami.flow=getwave"), P4_OK);
    cr_expect_neq(p4_config_validate(&c), P4_OK, "getwave without a model");
    cr_expect(strstr(p4_last_error(), "rx.ami.flow"), "%s", p4_last_error());
}

/* ---- GetWave flow of the transmitter (sim/link_ami_tx.c) ---- */

/* The test TX model's FFE in AMI_GetWave on the rendered TX waveform against the native TX FFE with
 * the same taps, jitter off (each rendered sample is then exactly a level, and the model sums
 * c_k x[n - k sps] from zero in tap order as the native FFE sums its levels: the waveform into the
 * channel is the same to the bit), on a 34 dB channel with noise for a BER in 1e-4..1e-3 (seed 3,
 * 3e5 symbols): the same error counts; the same with 1 and 2 threads; the design's taps (the
 * model's Init response) equal the native taps to 1e-15. */
static const char *const gw_tx_base[] = {"channel.il_nyquist_db=34", "rx.noise.eta0_v2_per_ghz=5e-8", "tx.jitter.rj_ps=0",
                                         "tx.jitter.dcd_ps=0", "sim.seed=3", "sim.symbols=300000", "sim.engine=sample"};
#define GW_TX_NBASE ((int)(sizeof gw_tx_base / sizeof gw_tx_base[0]))

static p4_link *make_tx(const char *const *extra, int nextra)
{
    const char *s[GW_TX_NBASE + 12];
    for (int i = 0; i < GW_TX_NBASE; i++) s[i] = gw_tx_base[i];
    for (int i = 0; i < nextra; i++) s[GW_TX_NBASE + i] = extra[i];
    return make(s, GW_TX_NBASE + nextra, NULL, NULL);
}

Test(ami_flow, tx_getwave_flow_equals_native_ffe, .timeout = 300)
{
    const double taps[5] = {-0.02, 0.06, -0.22, 0.65, -0.07};
    char tx[256];
    snprintf(tx, sizeof tx, "tx.ami.model=%s", model("tx_ffe_gw.so"));
    const char *nat[] = {"tx.ffe_taps=[-0.02, 0.06, -0.22, 0.65, -0.07]", "tx.ffe_main=2", "sim.threads=2"};
    const char *gw[] = {tx, "tx.ami.params.c_m3=-0.02", "tx.ami.params.c_m2=0.06", "tx.ami.params.c_m1=-0.22", "tx.ami.params.c_0=0.65",
                        "tx.ami.params.c_1=-0.07", "sim.threads=2", "tx.ami.flow=auto"};
    p4_link *a = make_tx(nat, 3), *b = make_tx(gw, 8);
    const p4_link_info *ia = p4_link_info_get(a), *ib = p4_link_info_get(b);
    cr_expect_eq(ib->ami_tx.getwave_flow, 1, "auto takes GetWave when the TX model has it");
    cr_expect_str_eq(ib->engine, "sample");
    cr_assert_eq(ib->ami_tx.ntaps, 5);
    for (int k = 0; k < 5; k++) cr_expect(fabs(ib->ami_tx.taps[k] - taps[k]) <= 1e-15, "design tap %d: %.17g", k, ib->ami_tx.taps[k]);
    cr_expect_eq(ib->delay_symbols, ia->delay_symbols);
    cr_expect_eq(ib->sample_phase_ui, ia->sample_phase_ui);
    p4_counts na, nb, n1;
    cr_assert_eq(p4_link_run(a, 0, &na), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_link_run(b, 0, &nb), P4_OK, "%s", p4_last_error());
    double ba = (double)na.bit_errors / (double)na.bits;
    cr_log_info("TX FFE native: %llu bit errors of %llu (BER %.3e); TX model in GetWave: %llu; %llu units through the model",
                (unsigned long long)na.bit_errors, (unsigned long long)na.bits, ba, (unsigned long long)nb.bit_errors, ib->ami_tx.units);
    cr_expect(ba > 1e-4 && ba < 1e-3, "native BER %.3g outside 1e-4..1e-3", ba);
    cr_expect_eq(nb.bit_errors, na.bit_errors);
    cr_expect_eq(nb.symbol_errors, na.symbol_errors);
    cr_expect_eq(nb.bits, na.bits);
    cr_expect(ib->ami_tx.units >= 10, "%llu units", ib->ami_tx.units);
    /* one thread: the same counts */
    gw[6] = "sim.threads=1";
    p4_link *c = make_tx(gw, 8);
    cr_assert_eq(p4_link_run(c, 0, &n1), P4_OK, "%s", p4_last_error());
    cr_expect_eq(n1.bit_errors, nb.bit_errors);
    cr_expect_eq(n1.symbol_errors, nb.symbol_errors);
    cr_expect_eq(p4_link_info_get(c)->ami_tx.units, ib->ami_tx.units);
    /* the Init flow one value away */
    gw[7] = "tx.ami.flow=init";
    p4_link *d = make_tx(gw, 8);
    cr_expect_eq(p4_link_info_get(d)->ami_tx.getwave_flow, 0);
    p4_counts_free(&na), p4_counts_free(&nb), p4_counts_free(&n1);
    p4_link_destroy(a), p4_link_destroy(b), p4_link_destroy(c), p4_link_destroy(d);
}

/* The TX GetWave flow is sample level (sim.engine = symbol refused naming the key), the statistical
 * engine refuses tx.ami.flow = getwave, getwave needs a model that exports AMI_GetWave, and a TX model that
 * crashes in AMI_GetWave ends the link's set-up with an error naming the model and the call. */
Test(ami_flow, tx_getwave_flow_refusals, .timeout = 60)
{
    p4_config c;
    p4_config_default(&c);
    c.tdecq_in_run = 0;
    snprintf(c.tx_ami_model, sizeof c.tx_ami_model, "%s", model("tx_ffe_gw.so"));
    cr_assert_eq(p4_config_set(&c, "sim.engine=symbol"), P4_OK);
    cr_expect_null(p4_link_create(&c));
    cr_expect(strstr(p4_last_error(), "sim.engine = symbol") && strstr(p4_last_error(), "tx.ami.flow"), "%s", p4_last_error());
    cr_assert_eq(p4_config_set(&c, "sim.engine=auto"), P4_OK);
    cr_assert_eq(p4_config_set(&c, "tx.ami.flow=getwave"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    cr_expect_str_eq(p4_link_info_get(l)->engine, "sample");
    p4_stat_result r;
    cr_expect_neq(p4_stat_run(l, &r), P4_OK);
    cr_expect(strstr(p4_last_error(), "tx.ami.flow"), "%s", p4_last_error());
    p4_stat_free(&r);
    p4_link_destroy(l);
    snprintf(c.tx_ami_model, sizeof c.tx_ami_model, "%s", model("tx_ffe.so"));
    cr_expect_null(p4_link_create(&c));
    cr_expect(strstr(p4_last_error(), "key 'tx.ami.flow' = getwave") && strstr(p4_last_error(), "exports no AMI_GetWave"), "%s",
              p4_last_error());
    snprintf(c.tx_ami_model, sizeof c.tx_ami_model, "%s", model("bad_getwave.so"));
    cr_expect_null(p4_link_create(&c));
    cr_expect(strstr(p4_last_error(), "bad_getwave.so") && strstr(p4_last_error(), "AMI_GetWave"), "%s", p4_last_error());
    p4_config_default(&c);
    cr_expect_neq(p4_config_set(&c, "tx.ami.flow=fast"), P4_OK);
    cr_assert_eq(p4_config_set(&c, "tx.ami.flow=getwave"), P4_OK);
    cr_expect_neq(p4_config_validate(&c), P4_OK, "getwave without a model");
    cr_expect(strstr(p4_last_error(), "tx.ami.flow"), "%s", p4_last_error());
}

/* On a linear-drive optical link the RX model's Init sees driver, optics, TIA and boards: the
 * impulse it gets (recorded by a pass-through model) has as its one-UI pulse the link's own
 * end-to-end pulse, that of the same link with the native receiver's CTLE off, to 1e-9. */
Test(ami_flow, optical_rx_model_sees_the_end_to_end_pulse, .timeout = 120)
{
    char path[] = "/tmp/p4_ami_probe_XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    setenv("P4_AMI_PROBE_OUT", path, 1);
    char rx[256];
    snprintf(rx, sizeof rx, "rx.ami.model=%s", model("probe_input.so"));
    const char *common[] = {"optics.enable=true", "sim.symbols=4096", "rx.ffe.taps=1", "rx.ffe.precursors=0"};
    p4_link *a = make(common, 4, rx, NULL);
    unsetenv("P4_AMI_PROBE_OUT");
    p4_link *b = make(common, 4, "rx.ctle.enable=false", NULL);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    double dt;
    long R;
    cr_assert_eq(fscanf(f, "%lf %ld", &dt, &R), 2);
    double *h = malloc((size_t)R * sizeof *h);
    for (long i = 0; i < R; i++) cr_assert_eq(fscanf(f, "%lf", &h[i]), 1);
    fclose(f);
    unlink(path);
    p4_link_view va, vb;
    p4_link_view_get(a, &va), p4_link_view_get(b, &vb);
    cr_assert_eq(va.pulse_len, vb.pulse_len);
    const int sps = va.sps;
    double err_a = 0, err_b = 0, mx = 0, acc = 0;
    for (long n = 0; n < R; n++) {
        acc += h[n] * dt - (n >= sps ? h[n - sps] * dt : 0); /* the model's one-UI pulse */
        double pa = n < va.pulse_len ? va.pulse[n] : 0, pb = n < vb.pulse_len ? vb.pulse[n] : 0;
        err_a = fmax(err_a, fabs(acc - pa)), err_b = fmax(err_b, fabs(acc - pb)), mx = fmax(mx, fabs(pb));
    }
    cr_log_info("optical link: the model's pulse vs the link's %.3g, vs the native link's %.3g (peak %.3g)", err_a, err_b, mx);
    cr_expect(mx > 0);
    cr_expect(err_a <= 1e-9 * mx, "the model's pulse differs from its link's by %.3g (peak %.3g)", err_a, mx);
    cr_expect(err_b <= 1e-9 * mx, "the model's pulse differs from the native link's by %.3g (peak %.3g)", err_b, mx);
    free(h);
    p4_link_destroy(a), p4_link_destroy(b);
}

/* ---- architectures: the models are the host's SerDes, in every architecture, and only there ---- */

Test(ami_flow, models_sit_at_the_host_in_every_architecture)
{
    p4_config c;
    cr_assert_eq(p4_arch_config_default(&c), P4_OK);
    snprintf(c.tx_ami_model, sizeof c.tx_ami_model, "%s", model("tx_ffe.so"));
    snprintf(c.rx_ami_model, sizeof c.rx_ami_model, "%s", model("rx_ctle_dfe.so"));
    /* [architecture][segment]: host TX model, host RX model */
    const int want[P4_ARCH_COUNT][P4_ARCH_MAX_SEG][2] = {
        [P4_ARCH_RETIMED] = {{1, 0}, {0, 0}, {0, 1}}, [P4_ARCH_LPO] = {{1, 1}}, [P4_ARCH_LRO] = {{1, 0}, {0, 1}},
        [P4_ARCH_NPO] = {{1, 1}}, [P4_ARCH_CPO] = {{1, 1}}};
    for (int a = 0; a < P4_ARCH_COUNT; a++) {
        p4_arch_plan p;
        cr_assert_eq(p4_arch_plan_make(&c, (p4_arch)a, 0, 0, &p), P4_OK, "%s", p4_last_error());
        for (int k = 0; k < p.nseg; k++) {
            cr_expect_eq(p.seg[k].cfg.tx_ami_model[0] != 0, want[a][k][0], "arch %d segment %d (%s): TX model", a, k, p.seg[k].name);
            cr_expect_eq(p.seg[k].cfg.rx_ami_model[0] != 0, want[a][k][1], "arch %d segment %d (%s): RX model", a, k, p.seg[k].name);
            cr_expect_eq(p4_config_validate(&p.seg[k].cfg), P4_OK, "%s", p4_last_error());
        }
    }
}
