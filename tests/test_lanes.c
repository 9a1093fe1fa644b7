/* test_lanes.c - multi-port Touchstone files against the 2- and 4-port files they are built from:
 * per-port reference renormalization against the closed form from a Z matrix; version 2 files in
 * every matrix format against the version 1 file; an 8-port block matrix (two lanes) built from the
 * public cable assembly's thru and FEXT files reproduces the 4-port run with that aggressor (same
 * SDD21 to 1e-12, same error counts for the same seed); lane detection; malformed files refused
 * with the file, the line and what was expected. */
#include "testutil.h"
#include "pam4sim/touchstone.h"
#include <complex.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static p4_touchstone *ca(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", channels_dir(), name);
    p4_touchstone *ts = p4_touchstone_read(path);
    cr_assert_not_null(ts, "%s", p4_last_error());
    return ts;
}

static p4_touchstone *blank(int n, size_t nf, const double *f)
{
    p4_touchstone *t = calloc(1, sizeof *t);
    t->nports = n, t->nfreq = nf, t->r_ref_ohm = 50;
    for (int i = 0; i < n; i++) t->r_port_ohm[i] = 50;
    t->freq_hz = malloc(nf * sizeof(double));
    memcpy(t->freq_hz, f, nf * sizeof(double));
    t->s = calloc(nf * n * n, sizeof(double complex));
    return t;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* S of a 2-port Z matrix with real references r1, r2: S = R^-1/2 (Z - R)(Z + R)^-1 R^1/2 */
static void s_of_z(const double complex z[4], double r1, double r2, double complex s[4])
{
    double complex a11 = z[0] + r1, a12 = z[1], a21 = z[2], a22 = z[3] + r2, det = a11 * a22 - a12 * a21;
    double complex i11 = a22 / det, i12 = -a12 / det, i21 = -a21 / det, i22 = a11 / det; /* (Z + R)^-1 */
    double complex m11 = (z[0] - r1) * i11 + z[1] * i21, m12 = (z[0] - r1) * i12 + z[1] * i22;
    double complex m21 = z[2] * i11 + (z[3] - r2) * i21, m22 = z[2] * i12 + (z[3] - r2) * i22;
    double q1 = sqrt(r1), q2 = sqrt(r2);
    s[0] = m11, s[1] = m12 * q2 / q1, s[2] = m21 * q1 / q2, s[3] = m22;
}

Test(lanes, per_port_reference_against_the_closed_form)
{
    /* a T network of two series RL arms and a shunt RC, at 1 and 20 GHz */
    const double f[2] = {1e9, 20e9};
    p4_touchstone *t = blank(2, 2, f);
    double complex want[2][4];
    for (int k = 0; k < 2; k++) {
        double w = 2 * M_PI * f[k];
        double complex za = 10 + I * w * 0.2e-9, zb = 30 + I * w * 0.1e-9, zc = 200 / (1 + I * w * 200 * 0.05e-12);
        double complex z[4] = {za + zc, zc, zc, zb + zc}, s[4];
        s_of_z(z, 25, 75, s);
        for (int e = 0; e < 4; e++) t->s[k * 4 + e] = s[e];
        s_of_z(z, 50, 50, want[k]);
    }
    t->r_port_ohm[0] = 25, t->r_port_ohm[1] = 75, t->r_ref_ohm = 25;
    char path[] = "/tmp/p4_lanes_ref.s2p";
    cr_assert_eq(p4_touchstone_write(t, path, 2, 'F'), P4_OK, "%s", p4_last_error());
    p4_touchstone *r = p4_touchstone_read(path);
    cr_assert_not_null(r, "%s", p4_last_error());
    cr_expect_float_eq(r->r_port_ohm[0], 25, 1e-12);
    cr_expect_float_eq(r->r_port_ohm[1], 75, 1e-12);
    cr_assert_eq(p4_touchstone_renormalize(r, 50), P4_OK, "%s", p4_last_error());
    for (int k = 0; k < 2; k++)
        for (int e = 0; e < 4; e++)
            cr_expect_lt(cabs(r->s[k * 4 + e] - want[k][e]), 1e-12, "S%d%d at %g GHz: %g%+gj, closed form %g%+gj", e / 2 + 1, e % 2 + 1,
                         f[k] * 1e-9, creal(r->s[k * 4 + e]), cimag(r->s[k * 4 + e]), creal(want[k][e]), cimag(want[k][e]));
    unlink(path);
    p4_touchstone_free(t), p4_touchstone_free(r);
}

Test(lanes, version2_matrix_formats_read_as_the_version1_file)
{
    p4_touchstone *t = ca("CA_19p75dB_thru.s4p");
    /* a reciprocal copy (Upper and Lower carry one triangle) */
    for (size_t k = 0; k < t->nfreq; k++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < i; j++) t->s[(k * 4 + i) * 4 + j] = t->s[(k * 4 + j) * 4 + i];
    const char *v1 = "/tmp/p4_lanes_v1.s4p";
    cr_assert_eq(p4_touchstone_write(t, v1, 1, 'F'), P4_OK, "%s", p4_last_error());
    p4_touchstone *ref = p4_touchstone_read(v1);
    cr_assert_not_null(ref, "%s", p4_last_error());
    const char fmts[3] = {'F', 'U', 'L'};
    for (int m = 0; m < 3; m++) {
        const char *v2 = "/tmp/p4_lanes_v2.ts";
        cr_assert_eq(p4_touchstone_write(t, v2, 2, fmts[m]), P4_OK, "%s", p4_last_error());
        p4_touchstone *r = p4_touchstone_read(v2);
        cr_assert_not_null(r, "matrix %c: %s", fmts[m], p4_last_error());
        cr_assert_eq(r->nports, 4);
        cr_assert_eq(r->nfreq, ref->nfreq);
        double worst = 0;
        for (size_t e = 0; e < ref->nfreq * 16; e++) worst = fmax(worst, cabs(r->s[e] - ref->s[e]));
        cr_expect_eq(worst, 0.0, "matrix %c: largest difference %g", fmts[m], worst);
        p4_touchstone_free(r);
        unlink(v2);
    }
    unlink(v1);
    p4_touchstone_free(t), p4_touchstone_free(ref);
}

/* lane A = the thru (ports 1..4 in its own order), lane B = a copy of the thru (5..8), and the FEXT
 * file's coupling from its input pair to its output pair placed from B's input to A's output (the
 * FEXT file's pairs taken in the thru's port order, as a link reads its crosstalk files) */
static void build_two_lane(const char *path)
{
    p4_touchstone *th = ca("CA_19p75dB_thru.s4p"), *fx = ca("CA_19p75dB_fext1.s4p");
    cr_assert_eq(th->nfreq, fx->nfreq, "the thru and FEXT files share a grid");
    int ot[4], zero[4] = {0};
    cr_assert_eq(p4_touchstone_port_order(th, zero, ot), P4_OK);
    p4_touchstone *t = blank(8, th->nfreq, th->freq_hz);
    for (size_t k = 0; k < t->nfreq; k++) {
        double complex *S = t->s + k * 64;
        const double complex *T = th->s + k * 16, *F = fx->s + k * 16;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++) S[i * 8 + j] = T[i * 4 + j], S[(i + 4) * 8 + j + 4] = T[i * 4 + j];
        /* B's input pair: ports 4 + ot[0], 4 + ot[1]; A's output pair: ot[2], ot[3] */
        for (int r = 0; r < 2; r++)
            for (int c = 0; c < 2; c++) {
                int ao = ot[2 + r] - 1, bi = 4 + ot[c] - 1;
                double complex v = F[(ot[2 + r] - 1) * 4 + (ot[c] - 1)];
                S[ao * 8 + bi] = v, S[bi * 8 + ao] = v;
            }
    }
    cr_assert_eq(p4_touchstone_write(t, path, 1, 'F'), P4_OK, "%s", p4_last_error());
    p4_touchstone_free(t), p4_touchstone_free(th), p4_touchstone_free(fx);
}

Test(lanes, two_lane_file_reproduces_the_4port_run, .timeout = 300)
{
    const char *s8 = "/tmp/p4_two_lane.s8p";
    build_two_lane(s8);
    p4_touchstone *t = p4_touchstone_read(s8), *th = ca("CA_19p75dB_thru.s4p"), *fx = ca("CA_19p75dB_fext1.s4p");
    cr_assert_not_null(t, "%s", p4_last_error());
    p4_lane_map m;
    cr_assert_eq(p4_touchstone_lanes(t, NULL, 0, &m), P4_OK, "%s", p4_last_error());
    cr_assert_eq(m.nlanes, 2, "%s", m.layout);
    int zero[4] = {0}, ot[4];
    p4_touchstone_port_order(th, zero, ot);
    for (int e = 0; e < 4; e++) cr_expect_eq(m.port[0][e], ot[e], "lane 1 port %d", e);
    double complex *a = malloc(t->nfreq * sizeof *a), *b = malloc(t->nfreq * sizeof *b);
    cr_assert_eq(p4_touchstone_lane_sdd(t, &m, 0, 0, a), P4_OK);
    p4_touchstone_sdd21(th, ot, b);
    double worst = 0;
    for (size_t k = 0; k < t->nfreq; k++) worst = fmax(worst, cabs(a[k] - b[k]));
    cr_expect_lt(worst, 1e-12, "thru SDD21: %g", worst);
    cr_assert_eq(p4_touchstone_lane_sdd(t, &m, 0, 1, a), P4_OK);
    p4_touchstone_sdd21(fx, ot, b);
    worst = 0;
    for (size_t k = 0; k < t->nfreq; k++) worst = fmax(worst, cabs(a[k] - b[k]));
    cr_expect_lt(worst, 1e-12, "lane 2 into lane 1 against the FEXT file's SDD21: %g", worst);
    free(a), free(b);
    p4_touchstone_free(t), p4_touchstone_free(th), p4_touchstone_free(fx);
    /* the same link both ways: 4-port thru + the FEXT file, and lane 1 of the 8-port file */
    char f4[1024], x4[1100], f8[1100];
    snprintf(f4, sizeof f4, "channel.file=%s/CA_19p75dB_thru.s4p", channels_dir());
    snprintf(x4, sizeof x4, "crosstalk.files=[%s/CA_19p75dB_fext1.s4p]", channels_dir());
    snprintf(f8, sizeof f8, "channel.file=%s", s8);
    const char *common[] = {"channel.type=touchstone", "channel.port_order=[]", "sim.symbols=300000", "sim.seed=21",
                            "channel.taper_fraction=0.1", "rx.noise.eta0_v2_per_ghz=2e-8", "crosstalk.amplitudes_v=[0.6]"};
    const char *sets4[] = {common[0], common[2], common[3], common[4], common[5], f4, x4, common[6]};
    const char *sets8[] = {common[0], common[2], common[3], common[4], common[5], f8, "channel.lane_amplitudes_v=[0.6]"};
    p4_counts n4, n8;
    p4_link *l4 = run_link(sets4, 8, &n4, NULL), *l8 = run_link(sets8, 7, &n8, NULL);
    cr_log_info("4-port + FEXT file: %llu bit errors; lane 1 of the 8-port: %llu (seed 21)", (unsigned long long)n4.bit_errors,
                (unsigned long long)n8.bit_errors);
    cr_expect_gt(n4.bit_errors, 0, "the comparison needs errors to compare (seed 21)");
    cr_expect_eq(n4.bit_errors, n8.bit_errors, "bit errors: 4-port %llu, 8-port %llu (seed 21)", (unsigned long long)n4.bit_errors,
                 (unsigned long long)n8.bit_errors);
    cr_expect_eq(n4.symbol_errors, n8.symbol_errors);
    p4_counts_free(&n4), p4_counts_free(&n8);
    p4_link_destroy(l4), p4_link_destroy(l8);
    unlink(s8);
}

Test(lanes, detection_and_given_maps)
{
    const char *s8 = "/tmp/p4_two_lane_d.s8p";
    build_two_lane(s8);
    p4_touchstone *t = p4_touchstone_read(s8);
    cr_assert_not_null(t, "%s", p4_last_error());
    p4_lane_map m;
    int bad[8] = {1, 3, 2, 4, 5, 7, 6, 3};
    cr_expect_neq(p4_touchstone_lanes(t, bad, 8, &m), P4_OK, "a port in two lanes");
    cr_expect(strstr(p4_last_error(), "port 3") != NULL, "%s", p4_last_error());
    int out[4] = {1, 3, 2, 9};
    cr_expect_neq(p4_touchstone_lanes(t, out, 4, &m), P4_OK);
    cr_expect(strstr(p4_last_error(), "1 .. 8") != NULL, "%s", p4_last_error());
    /* the halves layout: ports 1..4 facing 5..8, pairs (1,2), (3,4): permute the block file into it */
    p4_touchstone_lanes(t, NULL, 0, &m);
    int perm[8]; /* new index of each old port (0-based) */
    for (int k = 0; k < 2; k++) {
        perm[m.port[k][0] - 1] = 2 * k, perm[m.port[k][1] - 1] = 2 * k + 1;
        perm[m.port[k][2] - 1] = 4 + 2 * k, perm[m.port[k][3] - 1] = 4 + 2 * k + 1;
    }
    p4_touchstone *h = blank(8, t->nfreq, t->freq_hz);
    for (size_t k = 0; k < t->nfreq; k++)
        for (int i = 0; i < 8; i++)
            for (int j = 0; j < 8; j++) h->s[(k * 8 + perm[i]) * 8 + perm[j]] = t->s[(k * 8 + i) * 8 + j];
    p4_lane_map mh;
    cr_assert_eq(p4_touchstone_lanes(h, NULL, 0, &mh), P4_OK, "%s", p4_last_error());
    cr_expect_eq(mh.nlanes, 2);
    cr_expect(strstr(mh.layout, "halves") != NULL, "%s", mh.layout);
    double complex *a = malloc(t->nfreq * sizeof *a), *b = malloc(t->nfreq * sizeof *b);
    for (int v = 0; v < 2; v++)
        for (int g = 0; g < 2; g++) {
            p4_touchstone_lane_sdd(t, &m, v, g, a);
            p4_touchstone_lane_sdd(h, &mh, v, g, b);
            for (size_t k = 0; k < t->nfreq; k++) cr_assert_eq(a[k], b[k], "lane %d <- %d at point %zu", v + 1, g + 1, k);
        }
    free(a), free(b);
    p4_touchstone_free(t), p4_touchstone_free(h);
    unlink(s8);
}

Test(lanes, malformed_multiport_files)
{
    struct {
        const char *name, *text, *want;
    } cases[] = {
        {"/tmp/p4_bad1.s8p", "# GHz S RI R 50\n1 0 0 0 0\n", ":2: truncated data"},
        {"/tmp/p4_bad2.s4p", "[Version] 2.0\n# GHz S RI R 50\n[Number of Ports] 8\n[Network Data]\n", "[Number of Ports] 8 but the file is named for 4"},
        {"/tmp/p4_bad3.ts", "[Version] 2.0\n# GHz S RI R 50\n[Number of Ports] 4\n[Matrix Format] Diagonal\n", ":4: [Matrix Format] Diagonal"},
        {"/tmp/p4_bad4.ts", "[Version] 2.0\n# GHz S RI R 50\n[Number of Ports] 4\n[Mixed-Mode Order] D2,1 D1,1\n", "mixed-mode"},
        {"/tmp/p4_bad5.ts", "[Version] 2.0\n# GHz S RI R 50\n[Number of Ports] 3\n[Reference] 50 50\n[Network Data]\n1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n", ":4: [Reference] gives 2 values for 3 ports"},
        {"/tmp/p4_bad6.ts", "[Version] 2.0\n# GHz S RI R 50\n[Number of Ports] 2\n[Matrix Format] Upper\n[Network Data]\n1 0 0 0 0 0 0\n2 0 0 0 0\n", ":7: truncated data: the frequency point starting at line 7 has 5 of 7 values"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(cases[i].name, cases[i].text);
        p4_touchstone *t = p4_touchstone_read(cases[i].name);
        cr_expect_null(t, "%s should be refused", cases[i].name);
        cr_expect(strstr(p4_last_error(), cases[i].name) && strstr(p4_last_error(), cases[i].want), "%s: got \"%s\", want \"%s\"",
                  cases[i].name, p4_last_error(), cases[i].want);
        p4_touchstone_free(t);
        unlink(cases[i].name);
    }
}

/* `pam4sim channel` on the two-lane file: one row a lane, the thru's IL as the 4-port's, the ICN
 * from the other lane; the JSON parses (python3's json module) and holds the same ICN. */
Test(lanes, channel_command_per_lane, .timeout = 120)
{
    const char *bin = getenv("P4_BIN");
    if (!bin) cr_skip_test("P4_BIN not set");
    const char *s8 = "/tmp/p4_two_lane_c.s8p";
    build_two_lane(s8);
    char cmd[2048], out[8192] = {0};
    snprintf(cmd, sizeof cmd, "%s channel %s --json > /tmp/p4_lanes.json && python3 -c \"import json; d = json.load(open('/tmp/p4_lanes.json')); "
             "print(len(d['lanes']), d['lanes'][0]['insertion_loss_db'][2], d['lanes'][0]['icn_from_lane_mv']['2'])\"", bin, s8);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    cr_assert_eq(pclose(p), 0, "%s -> %s", cmd, out);
    out[n] = 0;
    int lanes = 0;
    double il, icn;
    cr_assert_eq(sscanf(out, "%d %lf %lf", &lanes, &il, &icn), 3, "%s", out);
    cr_expect_eq(lanes, 2);
    p4_touchstone *th = ca("CA_19p75dB_thru.s4p"), *fx = ca("CA_19p75dB_fext1.s4p");
    p4_channel_summary s;
    int zero[4] = {0}, ot[4];
    cr_assert_eq(p4_touchstone_summary(th, zero, &s), P4_OK);
    cr_expect(fabs(il - s.il_db[2]) < 1e-3, "lane 1 IL at 53.125 GHz %.4f, the 4-port file's %.4f", il, s.il_db[2]);
    p4_touchstone_port_order(th, zero, ot);
    double complex *h = malloc(fx->nfreq * sizeof *h);
    p4_touchstone_sdd21(fx, ot, h);
    p4_config c;
    p4_config_default(&c);
    double want = p4_icn_mv(fx->freq_hz, h, fx->nfreq, c.amplitude_v, c.baud_gbd * 1e9, 0.25 / (c.baud_gbd * 1e9));
    cr_expect(fabs(icn - want) < 1e-3 * want + 1e-4, "ICN from lane 2: %.4f mV, from the FEXT file %.4f mV", icn, want);
    cr_expect(want > 0.01 && want < 50, "a FEXT ICN of %.4f mV is not a plausible figure", want);
    free(h);
    p4_touchstone_free(th), p4_touchstone_free(fx);
    unlink(s8), unlink("/tmp/p4_lanes.json");
}

/* ICN against an independent sum: a flat crosstalk |XT| = 0.01 up to f_b, the weight
 * (A^2/f_b) sinc^2(f/f_b) / (1 + (f/f_r)^8) (f_t far above f_b), integrated on a 100x finer grid. */
Test(lanes, icn_against_a_fine_sum)
{
    const size_t n = 2001;
    double *f = malloc(n * sizeof *f);
    double complex *x = malloc(n * sizeof *x);
    const double fb = 100e9;
    for (size_t k = 0; k < n; k++) f[k] = fb * (double)k / (n - 1), x[k] = 0.01;
    double icn = p4_icn_mv(f, x, n, 0.5, fb, 1e-15); /* f_t huge: only sinc^2 and the f_r term */
    double acc = 0;
    const size_t m = 200001;
    for (size_t k = 1; k < m; k++) {
        double fk = fb * (double)k / (m - 1), u = M_PI * fk / fb, s = sin(u) / u;
        double w = 0.25 / fb * s * s / (1 + pow(fk / (0.75 * fb), 8));
        acc += w * 1e-4 * fb / (m - 1) * (k == m - 1 ? 0.5 : 1);
    }
    double want = 1e3 * sqrt(2 * acc);
    cr_expect(fabs(icn - want) < 1e-3 * want, "ICN %.6f mV, fine sum %.6f mV", icn, want);
    free(f), free(x);
}
