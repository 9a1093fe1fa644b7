/* test_com.c - COM (com.h) against closed forms and the standard's expectations: the package's
 * two-ports, COM of a lossless channel derived by hand, the eta0 term against the Butterworth's
 * noise bandwidth, COM falling along the backplane loss ladder, the figure-of-merit search against
 * every grid point evaluated alone, crosstalk lowering COM, the same COM for any thread count, and
 * the parameter tables' errors. */
#include "testutil.h"
#include <complex.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static p4_package lossless(double zc, double len)
{
    p4_package p = {.nd = 1, .nseg = 1, .zc_ohm = {zc}, .len_mm = {len}, .tau_ns_per_mm = 6.141e-3, .r0_ohm = 50};
    return p;
}

Test(com, package_line_closed_forms)
{
    /* a matched lossless line is a pure delay */
    p4_package p = lossless(100, 20);
    for (double f = 1e9; f < 60e9; f += 7e9) {
        p4_s2 s = p4_s2_line(f, 100, 20, &p);
        double complex want = cexp(-I * 2 * M_PI * f * 1e-9 * 6.141e-3 * 20);
        cr_assert(cabs(s.s11) < 1e-12 && cabs(s.s21 - want) < 1e-12, "matched line at %g GHz", f * 1e-9);
    }
    /* a quarter-wave line of differential 80 ohm (40 ohm half circuit) on 50 ohm: Z_in = 40^2/50 */
    double fq = 1 / (4 * 6.141e-3 * 20 * 1e-9);
    p4_s2 s = p4_s2_line(fq, 80, 20, &p);
    double zin = 40.0 * 40.0 / 50, g = (zin - 50) / (zin + 50);
    cr_assert(cabs(s.s11 - g) < 1e-9, "quarter wave: S11 %g%+gj, transformer %g", creal(s.s11), cimag(s.s11), g);
    /* two halves cascaded are the whole line (lossy) */
    p4_package q = lossless(87.5, 0);
    q.gamma0_per_mm = 5e-4, q.a1_per_mm = 8.9e-4, q.a2_per_mm = 2e-4;
    p4_s2 w = p4_s2_line(30e9, 87.5, 33, &q), h = p4_s2_line(30e9, 87.5, 16.5, &q), hh = p4_s2_cascade(h, h);
    cr_assert(cabs(w.s21 - hh.s21) < 1e-12 && cabs(w.s11 - hh.s11) < 1e-12, "cascade of halves");
    /* a lossless package (C, L, lossless lines) is lossless: |S11|^2 + |S21|^2 = 1 */
    p4_package k = {.nd = 3, .cd_f = {40e-15, 90e-15, 110e-15}, .ls_h = {0.13e-9, 0.15e-9, 0.14e-9}, .cb_f = 30e-15,
                    .cp_f = 40e-15, .nseg = 2, .zc_ohm = {87.5, 92.5}, .len_mm = {33, 1.8}, .tau_ns_per_mm = 6.141e-3,
                    .r0_ohm = 50};
    for (double f = 0.5e9; f < 100e9; f += 9.5e9) {
        p4_s2 t = p4_package_s(&k, f, 0), r = p4_package_s(&k, f, 1);
        double e = cabs(t.s11) * cabs(t.s11) + cabs(t.s21) * cabs(t.s21);
        cr_assert(fabs(e - 1) < 1e-12, "lossless package at %g GHz: %.15g", f * 1e-9, e);
        cr_assert(cabs(r.s11 - t.s22) < 1e-15 && cabs(r.s21 - t.s12) < 1e-15, "receive side is the flipped transmit side");
    }
    /* a shunt C at low frequency: S21 = 1 - j w C r0 / 2 to first order */
    p4_s2 c = p4_s2_shunt_c(1e6, 100e-15, 50);
    cr_assert(cabs(c.s21 - (1 - I * 2 * M_PI * 1e6 * 100e-15 * 25)) < 1e-9);
}

/* An ideal thru: S21 = 1, no reflection, from DC to 40 GHz (fs/2 at 10 GBd x 8) in steps of
 * step_hz; uneven: every other step 1.5 times longer. */
static void write_ideal_grid(const char *path, double step_hz, int uneven)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "# Hz S RI R 50\n");
    double x = 0;
    for (int k = 0; x <= 40e9 + 1; k++) {
        fprintf(f, "%.0f 0 0 1 0 1 0 0 0\n", x);
        x += uneven && k % 2 ? 1.5 * step_hz : step_hz;
    }
    fclose(f);
}

static void write_ideal(const char *path) { write_ideal_grid(path, 1e8, 0); }

static const char *ideal_yaml =
    "name: ideal\nbaud_gbd: 10\nsamples_per_ui: 8\nder0: 1e-4\nthreshold_db: 3\ntx_rise_time_ps: 0\nrlm: 1\n"
    "victim_amplitude_v: 0.4\nfext_amplitude_v: 0.4\nnext_amplitude_v: 0.4\nreference_ohm: 50\ntermination_ohm: 50\n"
    "a_dd_ui: 0.02\nsnr_tx_db: 25\neta0_v2_per_ghz: 0\nsigma_rj_ui: 0.01\nrx_filter_fb: 10000\nctle_fz_ghz: 5\n"
    "ctle_fp1_ghz: 5\nctle_fp2_ghz: 1e6\nctle_flf_ghz: 1\ng_dc_db: [0, 0, 1]\ng_dc2_db: [0, 0, 1]\ntx_precursors: 0\n"
    "tx_min: []\ntx_max: []\ntx_step: []\nc0_min: 0.5\nrx_ffe_taps: 1\nrx_ffe_precursors: 0\nrx_ffe_tap_max: 1\n"
    "dfe_bmax: []\ndie_cap_ff: [0]\ndie_ind_nh: [0]\nbump_cap_ff: 0\nball_cap_ff: 0\nline_ohm: [100]\n"
    "breakout_mm: 0\nline_gamma0_per_mm: 0\nline_a1_per_mm: 0\nline_a2_per_mm: 0\nline_tau_ns_per_mm: 0\n"
    "pkg_tx_mm: [0]\npkg_rx_mm: [0]\npkg_next_mm: [0]\npkg_fext_mm: [0]\nboard_ohm: 100\nboard_gamma0_per_mm: 0\n"
    "board_a1_per_mm: 0\nboard_a2_per_mm: 0\nboard_tau_ns_per_mm: 6.141e-3\nboard_tx_mm: [0]\nboard_rx_mm: [0]\n"
    "board_next_mm: [0]\nboard_fext_mm: [0]\n";

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* The lossless file and its table in a new folder dir (a mkdtemp template); f, y: their paths. */
static p4_com_params ideal_setup(char *dir, char f[600], char y[600])
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(f, 600, "%s/ideal.s2p", dir), snprintf(y, 600, "%s/ideal.yaml", dir);
    write_ideal(f), write_text(y, ideal_yaml);
    p4_com_params p;
    cr_assert_eq(p4_com_params_load(y, &p), P4_OK, "%s", p4_last_error());
    return p;
}

/* Lossless channel, flat chain: the pulse is A_v in one UI and zero elsewhere (no ISI, no slope at
 * the sampler, so no jitter), the only noise the TX's: A_ni = Qinv(DER0) A_v sqrt(5/9 10^(-SNR/10)),
 * A_s = A_v / 3, COM = 20 log10(A_s / A_ni) = 6.602 dB at SNR_TX 25 dB, DER0 1e-4. */
Test(com, lossless_channel_by_hand)
{
    char dir[] = "/tmp/p4comXXXXXX", f[600], y[600];
    p4_com_params p = ideal_setup(dir, f, y);
    p4_com_input in = {.thru = f, .threads = 1};
    p4_com_result r;
    cr_assert_eq(p4_com_run(&p, &in, &r), P4_OK, "%s", p4_last_error());
    double an = gsl_cdf_ugaussian_Qinv(1e-4) * 0.4 * sqrt(5.0 / 9 * pow(10, -2.5)), as = 0.4 / 3;
    double com = 20 * log10(as / an);
    /* 1e-3: the RX filter at 10^4 f_b still delays by 4 fs, which rings the sampled rectangle by 1e-4 */
    cr_assert(fabs(r.c[0].a_s_v - as) < 1e-3 * as, "A_s %.9g, hand %.9g", r.c[0].a_s_v, as);
    cr_assert(fabs(r.com_db - com) < 0.01, "COM %.4f dB, by hand %.4f dB", r.com_db, com);
    cr_assert(r.c[0].sigma_isi_v < 1e-3 * as && r.c[0].sigma_rj_v < 1e-3 * as && r.c[0].a_dd_v < 1e-3 * as,
              "ISI or jitter on an ideal thru: %g %g %g V", r.c[0].sigma_isi_v, r.c[0].sigma_rj_v, r.c[0].a_dd_v);
    /* the same with a 16-tap RX FFE (MMSE) and a DFE tap: the design must find the identity */
    p.rx_taps = 16, p.rx_pre = 5, p.rx_tap_max = 0.7, p.ndfe = 1, p.dfe_bmax[0] = 0.85;
    cr_assert_eq(p4_com_run(&p, &in, &r), P4_OK, "%s", p4_last_error());
    cr_assert(fabs(r.com_db - com) < 0.01, "COM with the RX FFE %.4f dB, by hand %.4f dB", r.com_db, com);
    for (int i = 0; i < 16; i++)
        cr_assert(fabs(r.c[0].rx[i] - (i == 5)) < 1e-4, "RX FFE tap %d = %g on an ideal thru", i, r.c[0].rx[i]);
    p.rx_taps = 1, p.rx_pre = 0, p.ndfe = 0;
    /* the same file on a step that does not divide M f_b (30 MHz into 80 GHz), and on an uneven
     * grid: resampled, the same COM */
    for (int uneven = 0; uneven < 2; uneven++) {
        write_ideal_grid(f, 30e6, uneven);
        cr_assert_eq(p4_com_run(&p, &in, &r), P4_OK, "%s", p4_last_error());
        cr_assert(fabs(r.com_db - com) < 0.01, "COM on a %s 30 MHz grid %.4f dB, by hand %.4f dB",
                  uneven ? "uneven" : "uniform", r.com_db, com);
    }
    write_ideal(f);
    /* the eta0 term alone: eta0 int |H_r|^2 df = eta0 f_r (pi/8)/sin(pi/8) for the 4th-order Butterworth */
    p.snr_tx_db = 100, p.eta0_v2_per_ghz = 1e-8, p.rx_filter_fb = 0.58;
    cr_assert_eq(p4_com_run(&p, &in, &r), P4_OK, "%s", p4_last_error());
    double sn = sqrt(1e-8 * 0.58 * 10 * (M_PI / 8) / sin(M_PI / 8));
    cr_assert(fabs(r.c[0].sigma_n_v - sn) < 2e-3 * sn, "sigma_N %.6g V, closed form %.6g V", r.c[0].sigma_n_v, sn);
    unlink(f), unlink(y), rmdir(dir);
}

/* Host board segments on the lossless channel: a matched lossless board (Z_c = 2 R_0) is a delay,
 * so COM and A_s stay (its delay a whole number of samples); a board with only gamma0 (flat loss) scales the pulse by exp(-gamma0 z) over
 * both boards, so A_s scales by exactly that and COM (TX noise alone, which scales with it) stays. */
Test(com, host_board_closed_forms)
{
    char dir[] = "/tmp/p4comXXXXXX", f[600], y[600];
    p4_com_params p = ideal_setup(dir, f, y);
    p4_com_input in = {.thru = f, .threads = 1};
    p4_com_result r0, r;
    cr_assert_eq(p4_com_run(&p, &in, &r0), P4_OK, "%s", p4_last_error());
    p.board_tx_mm[0] = 150, p.board_rx_mm[0] = 75;
    p.board_tau_ns_per_mm = 0.0125; /* one sample (1/(M f_b)) per mm: a whole-sample delay, no fractional ringing */
    cr_assert_eq(p4_com_run(&p, &in, &r), P4_OK, "%s", p4_last_error());
    cr_assert(fabs(r.com_db - r0.com_db) < 0.01 && fabs(r.c[0].a_s_v - r0.c[0].a_s_v) < 1e-3 * r0.c[0].a_s_v,
              "matched lossless boards: COM %.4f / %.4f dB, A_s %.6g / %.6g V", r.com_db, r0.com_db, r.c[0].a_s_v, r0.c[0].a_s_v);
    p.board_gamma0_per_mm = 1e-3;
    cr_assert_eq(p4_com_run(&p, &in, &r), P4_OK, "%s", p4_last_error());
    double a = exp(-1e-3 * 225);
    cr_assert(fabs(r.c[0].a_s_v - a * r0.c[0].a_s_v) < 1e-3 * a * r0.c[0].a_s_v, "A_s %.6g V, exp(-gamma0 z) x %.6g = %.6g V",
              r.c[0].a_s_v, r0.c[0].a_s_v, a * r0.c[0].a_s_v);
    cr_assert(fabs(r.com_db - r0.com_db) < 0.01, "flat-loss boards: COM %.4f dB, without %.4f dB", r.com_db, r0.com_db);
    unlink(f), unlink(y), rmdir(dir);
}

static p4_com_params ck_one_case(void)
{
    p4_com_params p;
    cr_assert_eq(p4_com_params_load("8023ck-kr", &p), P4_OK, "%s", p4_last_error());
    p.ncase = 1;
    return p;
}

static double com_of(const p4_com_params *p, const char *thru, const char *const *fext, int nf, const char *const *next,
                     int nn, int threads, p4_com_result *r)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", channels_dir(), thru);
    p4_com_input in = {.thru = path, .fext = fext, .nfext = nf, .next = next, .nnext = nn, .threads = threads};
    cr_assert_eq(p4_com_run(p, &in, r), P4_OK, "%s: %s", thru, p4_last_error());
    return r->com_db;
}

/* The backplane ladder 4, 10, 12, 14 in: more loss, less COM (the smallest over both package
 * cases, as the standard reports it), by at least 0.3 dB a step. (With the short package alone the
 * 4 in channel, resonant above 40 GHz, keeps more ISI than the 10 in one.) */
Test(com, falls_with_loss, .timeout = 600)
{
    p4_com_params p;
    cr_assert_eq(p4_com_params_load("8023ck-kr", &p), P4_OK, "%s", p4_last_error());
    static const char *const f[] = {"DPO_4in_Meg7_THRU.s4p", "DPO_10in_Meg7_THRU.s4p", "DPO_12in_Meg7_THRU.s4p",
                                    "DPO_14in_Meg7_THRU.s4p"};
    double prev = INFINITY;
    p4_com_result r;
    for (int i = 0; i < 4; i++) {
        double c = com_of(&p, f[i], NULL, 0, NULL, 0, 0, &r);
        cr_assert(c < prev - 0.3, "%s: COM %.2f dB, the shorter channel %.2f dB", f[i], c, prev);
        prev = c;
    }
}

/* The search's choice is the best of every grid point evaluated alone (each a one-point grid). */
Test(com, search_finds_the_grid_maximum, .timeout = 600)
{
    p4_com_params p = ck_one_case();
    p.g_dc_db[0] = -12, p.g_dc_db[1] = -9, p.g_dc_db[2] = 1;
    p.g_dc2_db[0] = -2, p.g_dc2_db[1] = -1, p.g_dc2_db[2] = 1;
    p.ntx = 2, p.tx_pre = 1;
    p.tx_min[0] = -0.2, p.tx_max[0] = 0, p.tx_step[0] = 0.1;
    p.tx_min[1] = -0.1, p.tx_max[1] = 0, p.tx_step[1] = 0.1;
    p4_com_result full, one;
    com_of(&p, "CA_19p75dB_thru.s4p", NULL, 0, NULL, 0, 2, &full);
    cr_assert_eq(full.evaluated, 4 * 2 * 3 * 2);
    double best = -INFINITY;
    for (double g = -12; g <= -9; g++)
        for (double g2 = -2; g2 <= -1; g2++)
            for (double cm = -0.2; cm <= 1e-9; cm += 0.1)
                for (double cp = -0.1; cp <= 1e-9; cp += 0.1) {
                    p4_com_params q = p;
                    q.g_dc_db[0] = q.g_dc_db[1] = g, q.g_dc2_db[0] = q.g_dc2_db[1] = g2;
                    q.tx_min[0] = q.tx_max[0] = cm, q.tx_min[1] = q.tx_max[1] = cp;
                    com_of(&q, "CA_19p75dB_thru.s4p", NULL, 0, NULL, 0, 1, &one);
                    cr_assert_eq(one.evaluated, 1);
                    if (one.c[0].fom_db > best) best = one.c[0].fom_db;
                }
    cr_assert(fabs(full.c[0].fom_db - best) < 1e-9, "search FOM %.6f dB, grid maximum %.6f dB", full.c[0].fom_db, best);
}

/* Crosstalk costs margin, and the thread count changes nothing. */
Test(com, crosstalk_lowers_com_and_threads_agree, .timeout = 600)
{
    p4_com_params p = ck_one_case();
    char a[4][1024];
    const char *fx[2] = {a[0], a[1]}, *nx[2] = {a[2], a[3]};
    snprintf(a[0], sizeof a[0], "%s/CA_19p75dB_fext1.s4p", channels_dir());
    snprintf(a[1], sizeof a[1], "%s/CA_19p75dB_fext2.s4p", channels_dir());
    snprintf(a[2], sizeof a[2], "%s/CA_19p75dB_next1.s4p", channels_dir());
    snprintf(a[3], sizeof a[3], "%s/CA_19p75dB_next2.s4p", channels_dir());
    p4_com_result r0, r1, r2;
    double c0 = com_of(&p, "CA_19p75dB_thru.s4p", NULL, 0, NULL, 0, 1, &r0);
    double c1 = com_of(&p, "CA_19p75dB_thru.s4p", fx, 2, nx, 2, 1, &r1);
    double c2 = com_of(&p, "CA_19p75dB_thru.s4p", fx, 2, nx, 2, 2, &r2);
    cr_assert(c1 < c0 - 0.05, "COM with crosstalk %.3f dB, without %.3f dB", c1, c0);
    cr_assert(r1.c[0].sigma_xt_v > 0 && r0.c[0].sigma_xt_v == 0);
    cr_assert(c1 == c2 && r1.c[0].fom_db == r2.c[0].fom_db, "-j 1: %.17g dB, -j 2: %.17g dB", c1, c2);
    cr_assert_eq(r1.c[0].g_dc_db, r2.c[0].g_dc_db);
}

static void load_error(const char *text, const char *want)
{
    char dir[] = "/tmp/p4comXXXXXX", y[600];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(y, sizeof y, "%s/bad.yaml", dir);
    write_text(y, text);
    p4_com_params p;
    cr_assert_neq(p4_com_params_load(y, &p), P4_OK, "loaded: %s", text);
    cr_assert(strstr(p4_last_error(), want), "error '%s' does not say '%s'", p4_last_error(), want);
    unlink(y), rmdir(dir);
}

/* text with the first `from` replaced by `to` */
static void edited(char *out, size_t cap, const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    cr_assert_not_null(at, "'%s' not in the table", from);
    snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

Test(com, table_errors_name_the_key)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%sbogus_key: 1\n", ideal_yaml);
    load_error(buf, "unknown key 'bogus_key'");
    edited(buf, sizeof buf, ideal_yaml, "der0: 1e-4", "der0: 0.5");
    load_error(buf, "bad.yaml:4: key 'der0' = 0.5 is outside [1e-15, 0.01]");
    edited(buf, sizeof buf, ideal_yaml, "rlm: 1\n", "");
    load_error(buf, "key 'rlm' is missing");
    edited(buf, sizeof buf, ideal_yaml, "pkg_rx_mm: [0]", "pkg_rx_mm: [0, 1]");
    load_error(buf, "key 'pkg_rx_mm' has 2 values, its companion lists 1");
    edited(buf, sizeof buf, ideal_yaml, "samples_per_ui: 8", "samples_per_ui: eight");
    load_error(buf, "key 'samples_per_ui' needs a number");
    p4_com_params p;
    cr_assert_neq(p4_com_params_load("8023xx-kr", &p), P4_OK);
    cr_assert(strstr(p4_last_error(), "8023dj-kr"), "the error lists the shipped sets: %s", p4_last_error());
    /* every shipped set loads */
    for (const char *const *n = p4_com_param_names(); *n; n++)
        cr_assert_eq(p4_com_params_load(*n, &p), P4_OK, "%s: %s", *n, p4_last_error());
}
