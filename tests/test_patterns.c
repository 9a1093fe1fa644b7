/* test_patterns.c - every pattern against SPEC.md section 5 check values and LFSR properties. */
#include "testutil.h"
#include <math.h>
#include <string.h>

static void check_prefix(const char *name, const char *expect)
{
    p4_pattern *p = p4_pattern_create(name, 1);
    cr_assert_not_null(p, "%s", p4_last_error());
    size_t n = strlen(expect);
    uint8_t s[128];
    p4_pattern_run(p, s, n);
    for (size_t i = 0; i < n; i++) cr_assert_eq('0' + s[i], expect[i], "%s: symbol %zu is %d, expected %c", name, i, s[i], expect[i]);
    p4_pattern_destroy(p);
}

Test(patterns, spec_check_values)
{
    check_prefix("prbs9q", "0012322303231310010331213302202231320111");
    check_prefix("prbs13q", "10313202201111301031212312100121021210231311120122211213222101132233123203320231");
    check_prefix("prbs31q", "2222222222222201222222222222000222222222");
    check_prefix("ssprq", "22222222222221322222222222212212222222222132132222222221222221222222213222213222");
}

static void counts(const char *name, uint64_t n, const uint64_t expect[4])
{
    p4_pattern *p = p4_pattern_create(name, 1);
    uint8_t *s = malloc(n);
    p4_pattern_run(p, s, n);
    uint64_t c[4] = {0};
    for (uint64_t i = 0; i < n; i++) c[s[i]]++;
    for (int k = 0; k < 4; k++) cr_assert_eq(c[k], expect[k], "%s: level %d appears %llu times, expected %llu", name, k,
                                             (unsigned long long)c[k], (unsigned long long)expect[k]);
    free(s);
    p4_pattern_destroy(p);
}

Test(patterns, spec_level_counts)
{
    const uint64_t p13[4] = {2047, 2048, 2048, 2048}, ss[4] = {15215, 17553, 17552, 15215};
    counts("prbs13q", 8191, p13);
    counts("ssprq", 65535, ss);
}

/* Binary PRBSn: maximal length (period 2^n - 1 bits, 2^(n-1) ones), and seeking equals running. */
Test(patterns, maximal_length_and_seek)
{
    const char *names[] = {"prbs7", "prbs9", "prbs13", "prbs15"};
    const int deg[] = {7, 9, 13, 15};
    for (int i = 0; i < 4; i++) {
        uint64_t per = (1ull << deg[i]) - 1;
        p4_pattern *p = p4_pattern_create(names[i], 1);
        cr_assert_eq(p4_pattern_period(p), per);
        uint8_t *s = malloc(2 * per);
        p4_pattern_run(p, s, 2 * per);
        for (uint64_t k = 0; k < per; k++) cr_assert_eq(s[k], s[k + per], "%s not periodic at %llu", names[i], (unsigned long long)k);
        for (uint64_t q = 1; q < per; q++) { /* no shorter period: the sequence differs from its shift */
            if (per % q) continue;
            int same = 1;
            for (uint64_t k = 0; k < per && same; k++) same = s[k] == s[(k + q) % per];
            cr_assert(!same, "%s has period %llu", names[i], (unsigned long long)q);
        }
        uint64_t ones = 0; /* over one symbol period = two bit periods: 2^(n-1) ones per bit period */
        for (uint64_t k = 0; k < per; k++) ones += __builtin_popcount(p4_sym_bits(s[k]));
        uint64_t expect = i < 3 ? per + 1 : per - 1; /* prbs15 is inverted: 2^(n-1) zeros */
        cr_assert_eq(ones, expect, "%s: %llu ones in two bit periods", names[i], (unsigned long long)ones);
        uint8_t t[64];
        p4_pattern_seek(p, 1000);
        p4_pattern_run(p, t, 64);
        for (int k = 0; k < 64; k++) cr_assert_eq(t[k], s[(1000 + k) % per], "%s: seek differs at %d", names[i], k);
        free(s);
        p4_pattern_destroy(p);
    }
    /* PRBS31: a jump of 3e9 symbols equals the sequential stream taken modulo the period */
    p4_pattern *a = p4_pattern_create("prbs31q", 1), *b = p4_pattern_create("prbs31q", 1);
    uint64_t per = (1ull << 31) - 1;
    p4_pattern_seek(a, per + 77);
    uint8_t x[32], y[32], skip[77];
    p4_pattern_run(a, x, 32);
    p4_pattern_run(b, skip, 77);
    p4_pattern_run(b, y, 32);
    cr_assert_arr_eq(x, y, 32);
    p4_pattern_destroy(a);
    p4_pattern_destroy(b);
}

Test(patterns, unknown_name_is_an_error)
{
    cr_assert_null(p4_pattern_create("prbs8", 1));
    cr_assert(strstr(p4_last_error(), "prbs8") && strstr(p4_last_error(), "prbs13q"), "%s", p4_last_error());
}

Test(pam4, gray_and_precoder)
{
    const uint8_t bits[4] = {0, 1, 3, 2}; /* 00->0, 01->1, 11->2, 10->3 */
    for (uint8_t s = 0; s < 4; s++) cr_assert_eq(p4_sym_bits(s), bits[s]);
    uint8_t g[8] = {0, 1, 2, 3, 3, 2, 1, 0}, p[8], st = 0;
    const uint8_t expect[8] = {0, 1, 1, 2, 1, 1, 0, 0};
    memcpy(p, g, 8);
    p4_precode(p, 8, &st);
    cr_assert_arr_eq(p, expect, 8, "SPEC 5 precoder check vector");
    st = 0;
    p4_precode_decode(p, 8, &st);
    cr_assert_arr_eq(p, g, 8);
    double lv[4];
    p4_levels(0.9, lv);
    double vmid = (lv[0] + lv[3]) / 2, es1 = (lv[1] - vmid) / (lv[0] - vmid), es2 = (lv[2] - vmid) / (lv[3] - vmid);
    double rlm = fmin(fmin(3 * es1, 3 * es2), fmin(2 - 3 * es1, 2 - 3 * es2));
    cr_assert_float_eq(rlm, 0.9, 1e-12, "802.3 120D RLM of the levels");
}
