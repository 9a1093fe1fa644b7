/* test_channel.c - Touchstone reading against the measured losses of the public channels, the
 * impulse response against the file it came from, the loss model, filters, and bad input. */
#include "testutil.h"
#include <complex.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static const struct { const char *file; double il[3]; } table[] = { /* vectors/channels/README.md */
    {"CA_19p75dB_thru.s4p", {11.62, 19.74, 35.77}},      {"DPO_4in_Meg7_THRU.s4p", {7.03, 12.17, 88.9}},
    {"DPO_10in_Meg7_THRU.s4p", {14.64, 24.24, 107.7}},   {"DPO_12in_Meg7_THRU.s4p", {17.17, 28.25, 114.2}},
    {"DPO_14in_Meg7_THRU.s4p", {19.72, 32.33, 120.7}},   {"C2C_PCB_SYSVIA_12dB_thru.s4p", {6.93, 12.17, 75.3}},
};

Test(channel, losses_match_the_published_table, .timeout = 60)
{
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", channels_dir(), table[i].file);
        p4_touchstone *ts = p4_touchstone_read(path);
        cr_assert_not_null(ts, "%s", p4_last_error());
        p4_channel_summary s;
        cr_assert_eq(p4_touchstone_summary(ts, NULL, &s), P4_OK);
        const int com[4] = {1, 3, 2, 4};
        cr_assert_arr_eq(s.order, com, sizeof com, "%s: pairs from the DC thru", table[i].file);
        for (int k = 0; k < 3; k++) {
            /* the table gives one decimal above 70 dB */
            double tol = table[i].il[k] > 70 ? 0.05 + 0.05 : 0.05;
            cr_assert(fabs(s.il_db[k] - table[i].il[k]) <= tol, "%s: IL %.3f dB at %.3f GHz, table %.2f", table[i].file,
                      s.il_db[k], s.f_eval_ghz[k], table[i].il[k]);
        }
        cr_assert(!s.causality_warning, "%s flagged non-causal (%.2e)", table[i].file, s.noncausal_ratio);
        if (i == 0) cr_assert_float_eq(s.max_sv, 1.0005, 2e-4, "CA max singular value");
        p4_touchstone_free(ts);
    }
}

/* The FIR made from SDD21 reproduces the file's loss: transform the impulse back and compare. */
Test(channel, impulse_reproduces_the_file, .timeout = 60)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/CA_19p75dB_thru.s4p", channels_dir());
    p4_touchstone *ts = p4_touchstone_read(path);
    int order[4];
    p4_touchstone_port_order(ts, NULL, order);
    double complex *h = malloc(ts->nfreq * sizeof *h);
    p4_touchstone_sdd21(ts, order, h);
    double fs = 106.25e9 * 16;
    size_t n = 65536;
    p4_fresp *r = p4_fresp_create(n, fs);
    cr_assert_eq(p4_fresp_from_samples(r, ts->freq_hz, h, ts->nfreq, 0.1), P4_OK);
    double *full = malloc(n * sizeof *full);
    p4_fresp_impulse(r, full);
    p4_impulse imp;
    cr_assert_eq(p4_impulse_truncate(full, n, 1e-9, 32, 8192, 16, &imp), P4_OK);
    /* DFT of the truncated impulse at 13.28 and 26.56 GHz. Within 0.1 dB: the 26 MHz grid of a 16 sps,
     * 65536-point transform smooths the file's 10 MHz ripple a little. */
    const double f[2] = {13.28e9, 26.56e9};
    for (int k = 0; k < 2; k++) {
        double complex acc = 0;
        for (size_t i = 0; i < imp.len; i++) acc += imp.h[i] * cexp(-2 * M_PI * I * f[k] * (double)i / fs);
        double db = -20 * log10(cabs(acc)), ref = -p4_interp_db(ts->freq_hz, h, ts->nfreq, f[k]);
        cr_assert(fabs(db - ref) < 0.1, "impulse gives %.3f dB at %.2f GHz, file %.3f dB", db, f[k] * 1e-9, ref);
    }
    p4_impulse_free(&imp);
    free(full), free(h);
    p4_fresp_free(r);
    p4_touchstone_free(ts);
}

Test(channel, loss_model_is_causal_and_has_its_loss)
{
    size_t n = 65536;
    double fs = 106.25e9 * 16, fN = 53.125e9;
    p4_fresp *r = p4_fresp_create(n, fs);
    cr_assert_eq(p4_fresp_loss_model(r, 30, 0.4, fN, 0, 0, 0), P4_OK);
    cr_assert_float_eq(-p4_fresp_db_at(r, fN), 30, 0.02, "IL at Nyquist %.3f", -p4_fresp_db_at(r, fN));
    cr_assert_float_eq(-p4_fresp_db_at(r, fN / 4), 30 * (0.4 * 0.5 + 0.6 * 0.25), 0.02);
    double *h = malloc(n * sizeof *h), pos = 0, neg = 0;
    p4_fresp_impulse(r, h);
    for (size_t k = 0; k < n; k++) {
        if (k < n / 2) pos += h[k] * h[k];
        else neg += h[k] * h[k];
    }
    cr_assert(neg < 1e-6 * pos, "minimum-phase response has %.2e of its energy at negative time", neg / pos);
    free(h);
    p4_fresp_free(r);
}

Test(channel, analytic_filters)
{
    p4_fresp *r = p4_fresp_create(65536, 1.7e12);
    cr_assert_eq(p4_fresp_bessel(r, 4, 53.125e9), P4_OK);
    cr_assert_float_eq(p4_fresp_db_at(r, 53.125e9), -3.0103, 0.01, "Bessel-Thomson 3 dB point");
    p4_fresp_free(r);
    r = p4_fresp_create(65536, 1.7e12);
    p4_fresp_butterworth(r, 4, 61.625e9);
    cr_assert_float_eq(p4_fresp_db_at(r, 61.625e9), -3.0103, 0.01);
    cr_assert_float_eq(p4_fresp_db_at(r, 2 * 61.625e9), -10 * log10(1 + 256), 0.05, "4th order: 1/(1+(f/fc)^8)");
    p4_fresp_free(r);
    r = p4_fresp_create(65536, 1.7e12);
    p4_fresp_ctle(r, -10, -3, 42.5e9, 42.5e9, 106.25e9, 1.328125e9);
    cr_assert_float_eq(p4_fresp_db_at(r, 0), -13, 1e-9, "CTLE DC gain g_dc + g_dc_hp");
    /* analytic |H| at 53.125 GHz */
    double f = 53.125e9, g = pow(10, -0.5), ghp = pow(10, -0.15);
    double complex H = (g + I * f / 42.5e9) / ((1 + I * f / 42.5e9) * (1 + I * f / 106.25e9)) * (ghp + I * f / 1.328125e9) /
                       (1 + I * f / 1.328125e9);
    cr_assert_float_eq(p4_fresp_db_at(r, f), 20 * log10(cabs(H)), 0.02);
    p4_fresp_free(r);
}

/* Jitter moves edges, not levels: the crossing times of a rendered 0-3-0-3 pattern carry the DCD. */
Test(channel, jitter_moves_edges)
{
    int sps = 16;
    p4_render rd;
    p4_render_init(&rd, sps);
    double lev[64], d[64], out[64 * 16];
    for (int k = 0; k < 64; k++) lev[k] = k & 1 ? 1 : -1;
    p4_jitter j = {0, 0, 0, 0.1};
    p4_rng rng;
    p4_rng_seed(&rng, 1, 0, 0);
    p4_jitter_edges(&j, &rng, 0, 64, d);
    p4_render_run(&rd, lev, d, 64, out);
    for (int k = 2; k < 62; k++) { /* find the crossing of 0 near edge k by the sample area */
        int s = (int)((k + 0.5) * sps + d[k] * sps);
        double x = out[s];                                 /* mixed sample: -1 + 2 * fraction after the edge */
        double e = s + (1 - (x - lev[k - 1]) / (lev[k] - lev[k - 1])); /* edge position, samples */
        double expect = (k + 0.5 + (k & 1 ? -0.05 : 0.05)) * sps;
        cr_assert_float_eq(e, expect, 1e-9, "edge %d at %.6f samples, expected %.6f", k, e, expect);
    }
}

static void expect_error(const char *content, const char *name, const char *needle)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/p4test_%d_%s", (int)getpid(), name);
    if (content) {
        FILE *f = fopen(path, "w");
        fputs(content, f);
        fclose(f);
    }
    p4_touchstone *ts = p4_touchstone_read(path);
    cr_assert_null(ts, "%s should be rejected", name);
    cr_assert(strstr(p4_last_error(), needle), "%s: message '%s' lacks '%s'", name, p4_last_error(), needle);
    cr_assert(strstr(p4_last_error(), path), "%s: message names the file", name);
    unlink(path);
}

Test(channel, bad_touchstone_files)
{
    expect_error(NULL, "missing.s2p", "cannot open");
    expect_error("# GHz S RI R 50\n1 0 0 0.5 0 0.5 0 0 0\n2 0 0 0.4 0\n", "trunc.s2p", ":3: truncated");
    expect_error("# GHz S RI R 50\n1 0 0 0.5 0 0.5 0 0 0\n2 0 0 0.4 x 0.4 0 0 0\n", "nonnum.s2p", ":3: non-numeric entry 'x'");
    expect_error("# GHz S RI R 50\n2 0 0 0.5 0 0.5 0 0 0\n1 0 0 0.4 0 0.4 0 0 0\n", "order.s2p", ":3: frequency");
    expect_error("# GHz Z RI R 50\n1 0 0 0.5 0 0.5 0 0 0\n", "zpar.s2p", ":1: Z-parameters");
    expect_error("", "empty.s2p", "no network data");
}

/* The same data in RI/Hz, MA/kHz and DB/GHz (wrapped over two lines) read the same. */
Test(channel, formats_and_units_agree)
{
    const char *txt[3] = {"! RI\n# Hz S RI R 50\n1e9 0.1 0 0.6 -0.3 0.6 -0.3 0.1 0\n2e9 0.1 0 0.3 -0.4 0.3 -0.4 0.1 0\n",
                          "# kHz S MA R 50\n1e6 0.1 0 0.670820393 -26.56505118 0.670820393 -26.56505118 0.1 0\n"
                          "2e6 0.1 0 0.5 -53.13010235 0.5 -53.13010235 0.1 0\n",
                          "[Version] 2.0\n# GHz S DB R 50\n[Number of Ports] 2\n[Two-Port Data Order] 21_12\n[Number of Frequencies] 2\n[Network Data]\n"
                          "1 -20 0 -3.467875756 -26.56505118\n -3.467875756 -26.56505118 -20 0\n"
                          "2 -20 0 -6.020599913 -53.13010235 -6.020599913 -53.13010235 -20 0\n[End]\n"};
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "/tmp/p4fmt_%d_%d.s2p", (int)getpid(), i);
        FILE *f = fopen(path, "w");
        fputs(txt[i], f);
        fclose(f);
        p4_touchstone *ts = p4_touchstone_read(path);
        cr_assert_not_null(ts, "%s", p4_last_error());
        cr_assert_eq(ts->nfreq, 2);
        cr_assert_float_eq(ts->freq_hz[1], 2e9, 1e-3);
        double complex s21 = ts->s[(1 * 2 + 1) * 2 + 0]; /* S(2,1) at the second point */
        cr_assert_float_eq(creal(s21), 0.3, 1e-6, "format %d", i);
        cr_assert_float_eq(cimag(s21), -0.4, 1e-6, "format %d", i);
        p4_touchstone_free(ts);
        unlink(path);
    }
}

/* The Nyquist taper (p4_fresp_nyquist_taper): a 2nd-order Butterworth on the grid (the optical
 * receiver's TIA, 55 GHz at 16 x 106.25 GBd) keeps an imaginary part at Nyquist that the real
 * impulse response cannot carry, and its response kept a two-sided 1/t tail (3e-7 of the peak beyond
 * 250 UI); tapered over the top quarter of the band, the tail is the filter's own exponential decay.
 * Below the taper the response is untouched, at Nyquist it is zero, and the noise power (the
 * integral of |H|^2) moves by less than 1e-3. */
Test(channel, nyquist_taper_removes_the_1_over_t_tail)
{
    const size_t n = 65536, ui = 16;
    p4_fresp *a = p4_fresp_create(n, 16 * 106.25e9), *b = p4_fresp_create(n, 16 * 106.25e9);
    p4_fresp_butterworth(a, 2, 55e9);
    p4_fresp_butterworth(b, 2, 55e9);
    p4_fresp_nyquist_taper(b, 0.25);
    double pa = 0, pb = 0;
    for (size_t k = 0; k <= n / 2; k++) {
        if (k <= 3 * n / 8) cr_assert(b->H[k] == a->H[k], "bin %zu below the taper changed", k);
        else cr_assert(cabs(b->H[k]) <= cabs(a->H[k]) * (1 + 1e-15), "bin %zu grew", k);
        pa += cabs(a->H[k]) * cabs(a->H[k]), pb += cabs(b->H[k]) * cabs(b->H[k]);
    }
    cr_assert(b->H[n / 2] == 0, "the tapered response is not zero at Nyquist");
    cr_assert(fabs(pb / pa - 1) < 1e-3, "the noise power moved by %.3g", pb / pa - 1);
    double *ha = malloc(n * sizeof *ha), *hb = malloc(n * sizeof *hb);
    cr_assert_eq(p4_fresp_impulse(a, ha), P4_OK);
    cr_assert_eq(p4_fresp_impulse(b, hb), P4_OK);
    double peak = 0, ta = 0, tb = 0;
    for (size_t t = 0; t < n; t++) peak = fmax(peak, fabs(ha[t]));
    for (size_t t = 250 * ui; t < n - 250 * ui; t++) ta = fmax(ta, fabs(ha[t])), tb = fmax(tb, fabs(hb[t]));
    cr_log_info("beyond 250 UI: %.3g of the peak untapered, %.3g tapered", ta / peak, tb / peak);
    cr_assert(ta > 1e-7 * peak, "no 1/t tail without the taper (%.3g): the test no longer sees the effect", ta / peak);
    cr_assert(tb < 1e-10 * peak, "the tapered response keeps a tail of %.3g of the peak beyond 250 UI", tb / peak);
    free(ha), free(hb);
    p4_fresp_free(a), p4_fresp_free(b);
}
