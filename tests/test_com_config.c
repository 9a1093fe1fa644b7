/* test_com_config.c - COM from a configuration (p4_com_run_config): the same number as the
 * library call on the same files, the thru's loss scaling exactly as |H|^k does (k x its dB at
 * f_b/2) and adding the extra section's dB, COM falling as the channel grows longer, the NEXT files
 * found by name or by com.next_files, and bad values refused naming the key. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

static void ca_config(p4_config *c, const char *set, int aggressors)
{
    char kv[1200];
    p4_config_default(c);
    cr_assert_eq(p4_config_set(c, "channel.type=touchstone"), P4_OK);
    snprintf(kv, sizeof kv, "channel.file=%s/CA_19p75dB_thru.s4p", channels_dir());
    cr_assert_eq(p4_config_set(c, kv), P4_OK, "%s", p4_last_error());
    if (aggressors) {
        const char *d = channels_dir();
        snprintf(kv, sizeof kv, "crosstalk.files=[%s/CA_19p75dB_fext1.s4p, %s/CA_19p75dB_next1.s4p]", d, d);
        cr_assert_eq(p4_config_set(c, kv), P4_OK, "%s", p4_last_error());
    }
    snprintf(kv, sizeof kv, "com.params=%s", set);
    cr_assert_eq(p4_config_set(c, kv), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_config_set(c, "sim.threads=1"), P4_OK);
}

/* the configuration's COM is p4_com_run's on the same files, bit for bit */
Test(com_config, equals_the_library_call, .timeout = 600)
{
    p4_config c;
    ca_config(&c, "8023ck-kr", 1);
    cr_assert_eq(p4_com_config_is_next(&c, 0), 0, "fext1 is FEXT");
    cr_assert_eq(p4_com_config_is_next(&c, 1), 1, "next1 is NEXT by its name");
    p4_com_result a, b;
    p4_com_params p;
    cr_assert_eq(p4_com_run_config(&c, &p, &a), P4_OK, "%s", p4_last_error());
    const char *fext[] = {c.xt_files[0]}, *next[] = {c.xt_files[1]};
    p4_com_input in = {.thru = c.ch_file, .fext = fext, .nfext = 1, .next = next, .nnext = 1, .threads = 1};
    cr_assert_eq(p4_com_run(&p, &in, &b), P4_OK, "%s", p4_last_error());
    cr_assert(a.com_db == b.com_db && a.il_nyquist_db == b.il_nyquist_db, "config %.17g dB, library %.17g dB", a.com_db, b.com_db);
    /* com.next_files [0]: both FEXT (A_fe < A_ne and the FEXT package): a different COM */
    cr_assert_eq(p4_config_set(&c, "com.next_files=[0]"), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_com_config_is_next(&c, 1), 0, "[0]: no NEXT aggressor");
    cr_assert_eq(p4_config_set(&c, "com.next_files=[1]"), P4_OK, "%s", p4_last_error());
    cr_assert(p4_com_config_is_next(&c, 0) && !p4_com_config_is_next(&c, 1), "[1]: the first file is NEXT");
    /* com.threshold_db replaces the set's threshold and the verdict follows it */
    ca_config(&c, "8023ck-kr", 0);
    char kv[64];
    snprintf(kv, sizeof kv, "com.threshold_db=%.6f", floor(a.com_db) + 20 > 20 ? 20.0 : floor(a.com_db) + 20);
    cr_assert_eq(p4_config_set(&c, kv), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_com_run_config(&c, &p, &b), P4_OK, "%s", p4_last_error());
    cr_assert(!b.pass && b.threshold_db == p.threshold_db && p.threshold_db > b.com_db, "threshold %g, COM %g", b.threshold_db, b.com_db);
}

/* channel.length_scale k: the thru's loss at f_b/2 is k times the file's (|H|^k, in dB exactly k x,
 * the interpolation being linear in dB), COM falls with k; channel.extra_loss_db adds its dB at
 * the configuration's baud / 2 (here the set's f_b / 2 too). */
Test(com_config, length_scale_and_extra_loss, .timeout = 600)
{
    p4_config c;
    ca_config(&c, "8023ck-kr", 0);
    cr_assert_eq(p4_config_set(&c, "sim.baud_gbd=53.125"), P4_OK);
    p4_com_result r;
    double il1 = 0, prev = INFINITY;
    const double k[] = {0.8, 1, 1.2};
    for (int i = 0; i < 3; i++) {
        char kv[64];
        snprintf(kv, sizeof kv, "channel.length_scale=%g", k[i]);
        cr_assert_eq(p4_config_set(&c, kv), P4_OK);
        cr_assert_eq(p4_com_run_config(&c, NULL, &r), P4_OK, "%s", p4_last_error());
        if (k[i] == 1) il1 = r.il_nyquist_db;
        cr_assert(r.com_db < prev - 0.1, "k %g: COM %.3f dB, shorter %.3f dB", k[i], r.com_db, prev);
        prev = r.com_db;
        if (i == 2) cr_assert(fabs(r.il_nyquist_db - 1.2 * il1) < 1e-9 * il1, "IL %.12g dB, 1.2 x %.12g", r.il_nyquist_db, il1);
    }
    cr_assert_eq(p4_config_set(&c, "channel.length_scale=1"), P4_OK);
    cr_assert_eq(p4_config_set(&c, "channel.extra_loss_db=3"), P4_OK);
    cr_assert_eq(p4_com_run_config(&c, NULL, &r), P4_OK, "%s", p4_last_error());
    cr_assert(fabs(r.il_nyquist_db - il1 - 3) < 2e-3, "IL %.4f dB with 3 dB in series, %.4f without", r.il_nyquist_db, il1);
    cr_assert(r.com_db < prev + 10 && isfinite(r.com_db), "finite COM %g", r.com_db);
}

/* bad values: one error naming the key */
Test(com_config, bad_values_name_the_key)
{
    p4_config c;
    p4_config_default(&c);
    cr_assert_neq(p4_config_set(&c, "com.params=8023zz-kr"), P4_OK);
    cr_assert(strstr(p4_last_error(), "key 'com.params' = '8023zz-kr'") && strstr(p4_last_error(), "no such set"), "%s",
              p4_last_error());
    cr_assert_neq(p4_config_set(&c, "com.params=/no/such.yaml"), P4_OK);
    cr_assert(strstr(p4_last_error(), "key 'com.params'") && strstr(p4_last_error(), "cannot open"), "%s", p4_last_error());
    cr_assert_neq(p4_config_set(&c, "com.threshold_db=30"), P4_OK);
    cr_assert(strstr(p4_last_error(), "com.threshold_db"), "%s", p4_last_error());
    /* a set on a loss-model channel: the validation names the key */
    cr_assert_eq(p4_config_set(&c, "com.params=8023dj-kr"), P4_OK, "%s", p4_last_error());
    cr_assert_neq(p4_config_validate(&c), P4_OK);
    cr_assert(strstr(p4_last_error(), "key 'com.params'") && strstr(p4_last_error(), "touchstone"), "%s", p4_last_error());
    p4_com_result r;
    cr_assert_neq(p4_com_run_config(&c, NULL, &r), P4_OK);
    /* com.next_files beyond crosstalk.files */
    ca_config(&c, "8023dj-kr", 1);
    cr_assert_eq(p4_config_set(&c, "com.next_files=[3]"), P4_OK);
    cr_assert_neq(p4_config_validate(&c), P4_OK);
    cr_assert(strstr(p4_last_error(), "key 'com.next_files' = 3"), "%s", p4_last_error());
    /* which keys enter COM */
    char why[512];
    cr_assert_eq(p4_config_key_acts(&c, "channel.length_scale", 'c', why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "crosstalk.files", 'c', why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "tx.amplitude_v", 'c', why, sizeof why), 0);
    cr_assert(strstr(why, "does not enter COM"), "%s", why);
    cr_assert_eq(p4_config_key_acts(&c, "com.params", 's', why, sizeof why), 0, "com.* does not act on the link's BER");
}

/* The 802.3dj CR and C2M sets load and give a finite COM on the public cable assembly; CR's host
 * boards (two 75 mm lines, 5.1 dB each at f_b/2) cost the same thru more than 1 dB against KR, whose
 * reference transmitter and receiver it shares. The board keys are range-checked by name. */
Test(com_config, dj_cr_and_c2m_sets, .timeout = 600)
{
    p4_config c;
    p4_com_result kr, r;
    ca_config(&c, "8023dj-kr", 0);
    cr_assert_eq(p4_com_run_config(&c, NULL, &kr), P4_OK, "%s", p4_last_error());
    const char *sets[] = {"8023dj-cr", "8023dj-c2m"};
    for (int i = 0; i < 2; i++) {
        ca_config(&c, sets[i], 0);
        p4_com_params p;
        cr_assert_eq(p4_com_run_config(&c, &p, &r), P4_OK, "%s: %s", sets[i], p4_last_error());
        cr_assert(isfinite(r.com_db) && r.c[0].a_s_v > 0 && r.c[0].a_ni_v > 0, "%s: COM %g dB", sets[i], r.com_db);
        cr_assert_str_eq(p.name, sets[i]);
        if (i == 0)
            cr_assert(r.com_db < kr.com_db - 1, "CR with host boards %.2f dB, KR %.2f dB", r.com_db, kr.com_db);
    }
    char dir[] = "/tmp/p4comcXXXXXX", y[600], line[256];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(y, sizeof y, "%s/bad.yaml", dir);
    FILE *in = fopen("com/params/8023dj-cr.yaml", "r"), *out = fopen(y, "w");
    cr_assert(in && out, "com/params/8023dj-cr.yaml (run from the source tree)");
    while (fgets(line, sizeof line, in)) fputs(!strncmp(line, "board_rx_mm:", 12) ? "board_rx_mm: [-1]\n" : line, out);
    fclose(in), fclose(out);
    p4_com_params p;
    cr_assert_neq(p4_com_params_load(y, &p), P4_OK);
    cr_assert(strstr(p4_last_error(), "key 'board_rx_mm' = -1 is outside [0, 2000]"), "%s", p4_last_error());
    unlink(y), rmdir(dir);
}
