/* test_vectors.c - the reference vectors and determinism: the documented number formats reproduce
 * the datapath vectors by hand; the KP4 decoder cases behave as RS theory says; the check passes on
 * a fresh set and fails, naming the file and word, on one corrupted word, a wrong header, a missing
 * file and a stale manifest; runs are identical for 1 and 2 threads and on repetition. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const p4_vfile *get(const p4_vset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->f[i]->name, name)) return s->f[i];
    cr_assert_fail("no vector file %s", name);
    return NULL;
}

static int64_t sval(const p4_vfile *f, size_t i)
{
    uint64_t m = 1ull << (f->width - 1);
    return (int64_t)((f->u[i] ^ m) - m);
}

static double rhu(double v) { return floor(v + 0.5); } /* round half up */

/* Recompute the fixed-point datapath from the vector files alone, with the formulas their headers
 * state: ADC = sat(rhu(v * gain)), y = sat(rhu(sat(acc) / 2^shift)), z = y - rhu(b0 L(d) / 1024),
 * decision = number of thresholds floor((L_i + L_i+1) / 2) below z. */
Test(vectors, datapath_formats_reproduce_the_model)
{
    const uint64_t seed = 1;
    p4_vset s = {0};
    cr_assert_eq(p4_vectors_make(&s, "dsp_datapath", seed, channels_dir(), 1), P4_OK, "%s", p4_last_error());
    const p4_vfile *vin = get(&s, "dsp_datapath/adc_in.hex"), *code = get(&s, "dsp_datapath/adc_code.hex");
    const p4_vfile *cf = get(&s, "dsp_datapath/ffe_coef.hex"), *bf = get(&s, "dsp_datapath/dfe_coef.hex");
    const p4_vfile *yf = get(&s, "dsp_datapath/ffe_out.hex"), *zf = get(&s, "dsp_datapath/slicer_in.hex");
    const p4_vfile *df = get(&s, "dsp_datapath/dfe_decision.hex"), *tx = get(&s, "dsp_datapath/tx_symbols.hex");
    const p4_vfile *ml = get(&s, "dsp_datapath/mlse_decision.hex");
    double gain, lvq[4];
    int shift, acc_bits, out_bits = yf->width, adc_bits = code->width;
    cr_assert_eq(sscanf(strstr(code->what, "* ") + 2, "%lf", &gain), 1);
    cr_assert_eq(sscanf(strstr(cf->what, "sat_") + 4, "%d(acc) / 2^%d", &acc_bits, &shift), 2, "%s", cf->what);
    cr_assert_eq(sscanf(strstr(bf->what, "\nlevels ") + 8, "%lf %lf %lf %lf", &lvq[0], &lvq[1], &lvq[2], &lvq[3]), 4);
    double th[3];
    for (int i = 0; i < 3; i++) th[i] = floor((lvq[i] + lvq[i + 1]) / 2);
    const double amax = ldexp(1, acc_bits - 1) - 1, omax = ldexp(1, out_bits - 1) - 1;
    const double cmax = ldexp(1, adc_bits - 1) - 1, cmin = -ldexp(1, adc_bits - 1);
    size_t n = vin->n, bad_adc = 0, bad_y = 0, bad_z = 0, bad_d = 0, clips = 0, sat_y = 0;
    size_t dfe_err = 0, mlse_err = 0;
    int past = 0;
    for (size_t m = 0; m < n; m++) {
        double x = fmin(cmax, fmax(cmin, rhu(vin->d[m] * gain)));
        clips += x == cmax || x == cmin;
        bad_adc += x != (double)sval(code, m);
        double acc = 0;
        for (size_t i = 0; i < cf->n && i <= m; i++) acc += (double)sval(cf, i) * (double)sval(code, m - i);
        double y = fmin(omax, fmax(-omax, rhu(fmin(amax, fmax(-amax, acc)) * ldexp(1, -shift))));
        sat_y += fabs(y) == omax;
        bad_y += y != (double)sval(yf, m);
        double z = (double)sval(yf, m) - rhu((double)sval(bf, 0) * lvq[past] / 1024);
        bad_z += z != (double)sval(zf, m);
        int d = (z > th[0]) + (z > th[1]) + (z > th[2]);
        bad_d += (uint64_t)d != df->u[m];
        past = (int)df->u[m];
        if (m >= 2 && m < n - 512) dfe_err += df->u[m] != tx->u[m - 2], mlse_err += ml->u[m] != tx->u[m - 2];
    }
    printf("datapath vectors (seed %llu): %zu steps, %zu ADC clips, %zu saturated FFE outputs; mismatches ADC %zu, "
           "FFE %zu, z %zu, decisions %zu; errors against the sent symbols DFE %zu, MLSE %zu\n",
           (unsigned long long)seed, n, clips, sat_y, bad_adc, bad_y, bad_z, bad_d, dfe_err, mlse_err);
    cr_expect_eq(bad_adc + bad_y + bad_z + bad_d, 0, "the documented formats must reproduce the model bit for bit");
    cr_expect_gt(clips, 0, "the stimulus should exercise ADC saturation");
    cr_expect_gt(sat_y, 0, "the stimulus should exercise FFE output saturation");
    cr_expect_lt(dfe_err, n / 100, "a working receiver: DFE symbol errors below 1 %% (before the overdriven end)");
    cr_expect_gt(dfe_err, 0, "the noise should cause some decision errors");
    cr_expect_leq(mlse_err, dfe_err, "MLSE no worse than the DFE on this ISI channel");
    p4_vset_free(&s);
}

/* The decoder cases: up to t = 15 errors (random or burst) always decode to the sent word with the
 * right count; beyond t the word is flagged or miscorrected, never returned as the sent word. */
Test(vectors, kp4_decode_cases_follow_rs_theory)
{
    p4_vset s = {0};
    cr_assert_eq(p4_vectors_make(&s, "kp4_decode", 1, channels_dir(), 1), P4_OK, "%s", p4_last_error());
    const p4_vfile *cs = get(&s, "kp4_decode/case.hex"), *sent = get(&s, "kp4_decode/sent.hex");
    const p4_vfile *rx = get(&s, "kp4_decode/received.hex"), *out = get(&s, "kp4_decode/decoded.hex");
    const p4_vfile *st = get(&s, "kp4_decode/status.hex");
    for (size_t k = 0; k < cs->n; k++) {
        size_t o = k * P4_RS_N, w = 0, same = 1;
        for (int i = 0; i < P4_RS_N; i++) w += rx->u[o + i] != sent->u[o + i], same &= out->u[o + i] == sent->u[o + i];
        cr_expect_eq(w, cs->u[k], "case %zu: %zu symbol errors, the case says %llu", k, w, (unsigned long long)cs->u[k]);
        int64_t status = sval(st, k);
        if (w <= P4_RS_T) cr_expect(same && status == (int64_t)w, "case %zu: %zu errors, status %lld", k, w, (long long)status);
        else cr_expect(!same, "case %zu: %zu errors decoded to the sent word", k, w);
    }
    p4_vset_free(&s);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Replace line `line` (1-based) of path by `text`. */
static void replace_line(const char *path, int line, const char *text)
{
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "%s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *p = buf;
    for (int i = 1; i < line; i++) p = strchr(p, '\n') + 1;
    char *e = strchr(p, '\n');
    static char out[1 << 20];
    snprintf(out, sizeof out, "%.*s%s%s", (int)(p - buf), buf, text, e);
    write_file(path, out);
}

static int check_dir(const char *dir, char **log)
{
    size_t len;
    FILE *m = open_memstream(log, &len);
    p4_vcheck_summary sum;
    int failed = p4_vectors_check(dir, channels_dir(), 1, m, &sum);
    fclose(m);
    return failed;
}

Test(vectors, check_finds_corruption_and_names_the_file)
{
    char dir[] = "/tmp/p4vecXXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    p4_vset s = {0};
    cr_assert_eq(p4_vectors_make(&s, "kp4_encode", 7, channels_dir(), 1), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_vectors_make(&s, "pam4", 7, channels_dir(), 1), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_vectors_write(&s, dir, "test"), P4_OK, "%s", p4_last_error());
    char *log = NULL, path[512], cmd[600];
    cr_expect_eq(check_dir(dir, &log), 0, "fresh vectors must pass:\n%s", log);
    free(log);
    /* one word of the codewords: 11 header lines, so word 100 is line 112 */
    snprintf(path, sizeof path, "%s/kp4_encode/codeword.hex", dir);
    const p4_vfile *cw = get(&s, "kp4_encode/codeword.hex");
    char word[8];
    snprintf(word, sizeof word, "%03llx", (unsigned long long)(cw->u[100] ^ 1));
    replace_line(path, 12 + 100, word);
    cr_expect_eq(check_dir(dir, &log), 1, "one corrupted word must fail:\n%s", log);
    cr_expect_not_null(strstr(log, "kp4_encode/codeword.hex:112: word 100 (codeword 0, element 100 of 544): expected"),
                       "names file, line, word and its meaning:\n%s", log);
    free(log);
    snprintf(word, sizeof word, "%03llx", (unsigned long long)cw->u[100]);
    replace_line(path, 12 + 100, word);
    cr_expect_eq(check_dir(dir, &log), 0, "restored:\n%s", log);
    free(log);
    /* a header that disagrees with the model */
    snprintf(path, sizeof path, "%s/pam4/precode_out.hex", dir);
    replace_line(path, 7, "// width: 3");
    cr_expect_eq(check_dir(dir, &log), 1);
    cr_expect_not_null(strstr(log, "precode_out.hex:7: header width is 3"), "%s", log);
    free(log);
    /* a missing file */
    unlink(path);
    cr_expect_eq(check_dir(dir, &log), 1);
    cr_expect_not_null(strstr(log, "precode_out.hex: cannot open"), "%s", log);
    free(log);
    /* a manifest line the model does not make */
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *f = fopen(path, "a");
    fputs("pam4/extra.hex pam4 7 response uint 2 10 exact\n", f);
    fclose(f);
    cr_expect_geq(check_dir(dir, &log), 2);
    cr_expect_not_null(strstr(log, "pam4/extra.hex is listed, but block pam4 no longer makes it"), "%s", log);
    free(log);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_expect_eq(system(cmd), 0);
    p4_vset_free(&s);
}

/* Same seed, 1 thread, 2 threads, and again: every count and every eye bin identical. */
static void same_counts(const p4_counts *a, const p4_counts *b, const char *what)
{
    cr_expect_eq(a->symbols, b->symbols, "%s", what);
    cr_expect_eq(a->symbol_errors, b->symbol_errors, "%s: %llu vs %llu errors", what,
                 (unsigned long long)a->symbol_errors, (unsigned long long)b->symbol_errors);
    cr_expect_eq(a->bit_errors, b->bit_errors, "%s", what);
    cr_expect_eq(a->eye_symbols, b->eye_symbols, "%s", what);
    cr_expect_eq(memcmp(&a->fec, &b->fec, sizeof a->fec), 0, "%s: FEC counts differ", what);
    cr_expect_eq(memcmp(a->eye, b->eye, (size_t)4 * a->sps * P4_EYE_BINS * sizeof *a->eye), 0, "%s: eye differs", what);
}

Test(vectors, runs_identical_for_any_thread_count)
{
    const char *base[] = {"sim.symbols=131072", "sim.unit_symbols=16384", "channel.il_nyquist_db=34",
                          "rx.noise.rms_v=0.0016", "measure.eye_symbols=50000", "sim.seed=5", "sim.threads=1"};
    const char *dsp[] = {"sim.symbols=65280", "sim.unit_symbols=16320", "channel.il_nyquist_db=32", "rx.dsp.enable=true",
                         "rx.mlse.memory=1", "fec.mode=kp4", "rx.noise.rms_v=0.0018", "rx.cdr.offset_ppm=30",
                         "sim.seed=5", "sim.threads=1"};
    struct { const char *const *sets; int n; const char *name; } cases[] = {{base, 7, "float"}, {dsp, 10, "dsp+kp4"}};
    for (int c = 0; c < 2; c++) {
        p4_counts n1, n2, n3;
        const char *sets[16];
        memcpy(sets, cases[c].sets, (size_t)cases[c].n * sizeof *sets);
        p4_link_destroy(run_link(sets, cases[c].n, &n1, NULL));
        sets[cases[c].n - 1] = "sim.threads=2";
        p4_link_destroy(run_link(sets, cases[c].n, &n2, NULL));
        p4_link_destroy(run_link(sets, cases[c].n, &n3, NULL));
        printf("determinism %s (seed 5): %llu symbols, %llu errors with 1 thread, %llu with 2, %llu again\n",
               cases[c].name, (unsigned long long)n1.symbols, (unsigned long long)n1.symbol_errors,
               (unsigned long long)n2.symbol_errors, (unsigned long long)n3.symbol_errors);
        cr_expect_gt(n1.symbol_errors, 0, "%s: the case must have errors to compare", cases[c].name);
        same_counts(&n1, &n2, cases[c].name);
        same_counts(&n2, &n3, cases[c].name);
        p4_counts_free(&n1), p4_counts_free(&n2), p4_counts_free(&n3);
    }
}
