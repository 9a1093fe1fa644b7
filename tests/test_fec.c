/* test_fec.c - KP4 RS(544,514) and the Clause 177 inner code against SPEC 4. */
#include "testutil.h"
#include <string.h>

static void random_msg(p4_rng *r, uint16_t *m)
{
    for (int i = 0; i < P4_RS_K; i++) m[i] = (uint16_t)(p4_rng_u64(r) & 0x3FF);
}

/* Put `nerr` errors at distinct random positions with random nonzero values. */
static void add_errors(p4_rng *r, uint16_t *cw, int nerr)
{
    int pos[64], n = 0;
    while (n < nerr) {
        int p = (int)(p4_rng_u64(r) % P4_RS_N), dup = 0;
        for (int i = 0; i < n; i++) dup |= pos[i] == p;
        if (dup) continue;
        pos[n++] = p;
        uint16_t e;
        do e = (uint16_t)(p4_rng_u64(r) & 0x3FF);
        while (!e);
        cw[p] ^= e;
    }
}

Test(rs, generator_matches_spec)
{
    uint16_t g[31];
    p4_rs_generator(g);
    const uint16_t lo[6] = {523, 834, 128, 158, 185, 127}, hi[6] = {552, 230, 187, 552, 575, 1};
    for (int i = 0; i < 6; i++) {
        cr_expect_eq(g[i], lo[i], "g%d = %u, SPEC %u", i, g[i], lo[i]);
        cr_expect_eq(g[25 + i], hi[i], "g%d = %u, SPEC %u", 25 + i, g[25 + i], hi[i]);
    }
}

Test(rs, codewords_have_zero_syndromes_and_roots)
{
    p4_rng r;
    p4_rng_seed(&r, 11, 0, 1);
    uint16_t m[P4_RS_K], c[P4_RS_N], s[30];
    for (int t = 0; t < 20; t++) {
        random_msg(&r, m);
        p4_rs_encode(m, c);
        cr_assert(p4_rs_syndromes(c, s), "codeword %d has a nonzero syndrome (seed 11)", t);
        cr_assert(!memcmp(c, m, sizeof m), "systematic: message first");
        cr_assert_eq(p4_rs_decode(c), 0);
    }
    /* the all-zero message gives the all-zero codeword; a single message symbol gives g(x)-multiples */
    memset(m, 0, sizeof m);
    m[P4_RS_K - 1] = 1; /* x^30 -> parity = x^30 mod g = g - x^30 (char 2: g0..g29) */
    p4_rs_encode(m, c);
    uint16_t g[31];
    p4_rs_generator(g);
    for (int j = 0; j < 30; j++) cr_expect_eq(c[P4_RS_N - 1 - j], g[j], "parity x^%d", j);
}

Test(rs, corrects_every_weight_up_to_t)
{
    const uint64_t seed = 12;
    p4_rng r;
    p4_rng_seed(&r, seed, 0, 1);
    uint16_t m[P4_RS_K], c[P4_RS_N], rx[P4_RS_N];
    for (int w = 1; w <= P4_RS_T; w++)
        for (int t = 0; t < 60; t++) {
            random_msg(&r, m);
            p4_rs_encode(m, c);
            memcpy(rx, c, sizeof c);
            add_errors(&r, rx, w);
            int n = p4_rs_decode(rx);
            cr_assert_eq(n, w, "weight %d trial %d: decoder returned %d (seed %llu)", w, t, n,
                         (unsigned long long)seed);
            cr_assert(!memcmp(rx, c, sizeof c), "weight %d trial %d: wrong correction (seed %llu)", w, t,
                      (unsigned long long)seed);
        }
}

Test(rs, beyond_t_is_flagged_or_a_counted_miscorrection)
{
    const uint64_t seed = 13;
    p4_rng r;
    p4_rng_seed(&r, seed, 0, 1);
    uint16_t m[P4_RS_K], c[P4_RS_N], rx[P4_RS_N], keep[P4_RS_N];
    int flagged = 0, miscorrected = 0;
    for (int w = 16; w <= 30; w++)
        for (int t = 0; t < 40; t++) {
            random_msg(&r, m);
            p4_rs_encode(m, c);
            memcpy(rx, c, sizeof c);
            add_errors(&r, rx, w);
            memcpy(keep, rx, sizeof rx);
            int n = p4_rs_decode(rx);
            cr_assert(memcmp(rx, c, sizeof c), "weight %d decoded to the sent word (seed %llu)", w,
                      (unsigned long long)seed);
            if (n < 0) {
                flagged++;
                cr_assert(!memcmp(rx, keep, sizeof rx), "a flagged word must be left as received");
            } else {
                uint16_t s[30];
                cr_assert(p4_rs_syndromes(rx, s), "a miscorrection must be a codeword");
                cr_assert_leq(n, P4_RS_T);
                miscorrected++;
            }
        }
    /* RS(544,514) miscorrects rarely: ~1/t! of words beyond t land in another decoding sphere */
    cr_expect_geq(flagged, 590, "flagged %d of 600", flagged);
    printf("rs beyond t: %d flagged, %d miscorrected of 600\n", flagged, miscorrected);
}

Test(rs, pam4_mapping_round_trip)
{
    uint16_t a[4] = {0x001, 0x3FF, 0x2AA, 0x155}, b[4];
    uint8_t s[20];
    p4_rs_to_pam4(a, 4, s);
    /* 0x001 LSB first: bits 1,0,0,0,... -> first PAM4 symbol {A=1,B=0} = Gray 3, then 0s */
    cr_expect_eq(s[0], 3);
    for (int i = 1; i < 5; i++) cr_expect_eq(s[i], 0);
    for (int i = 5; i < 10; i++) cr_expect_eq(s[i], 2, "0x3FF: all {1,1} = Gray 2");
    p4_pam4_to_rs(s, 4, b);
    cr_assert(!memcmp(a, b, sizeof a));
}

/* ---- Clause 177 inner code ---- */

static const char *spec_msg =
    "010110001100110011010110101010110110110110101110101110110011011110101010111110110110100101110101100000101101010010110000";

static void bits_to_syms(const uint8_t *bits, uint8_t *sym)
{
    for (int k = 0; k < 64; k++) {
        unsigned a = bits[2 * k], b = bits[2 * k + 1];
        sym[k] = (uint8_t)((a << 1) | (a ^ b));
    }
}

Test(inner, spec_test_vector)
{
    uint8_t bits[128];
    cr_assert_eq(strlen(spec_msg), 120);
    for (int i = 0; i < 120; i++) bits[i] = (uint8_t)(spec_msg[i] - '0');
    p4_inner_encode(bits);
    char par[9] = {0};
    for (int i = 0; i < 8; i++) par[i] = (char)('0' + bits[120 + i]);
    cr_assert_str_eq(par, "01010001", "parity bits 120..127");
    uint8_t sym[64];
    bits_to_syms(bits, sym);
    cr_assert_eq(p4_inner_syndrome(sym), 0);
}

static const double lv[4] = {-1, -1.0 / 3, 1.0 / 3, 1}, th[3] = {-2.0 / 3, 0, 2.0 / 3};

/* Every adjacent-level symbol error, as a real slicer makes it (the received sample just past the
 * threshold on the wrong side), flips exactly one of the 68 code bits and is corrected by the hard and
 * the soft decoder. The hard decoder also corrects any single parity-bit flip (A of a parity symbol
 * can only flip to a far level: 0 <-> 3), received at the wrong level. */
Test(inner, every_single_error_corrected)
{
    p4_rng r;
    p4_rng_seed(&r, 21, 0, 1);
    uint8_t bits[128], sym[64], rx[64];
    double z[64];
    for (int t = 0; t < 8; t++) {
        for (int i = 0; i < 120; i++) bits[i] = (uint8_t)(p4_rng_u64(&r) & 1);
        p4_inner_encode(bits);
        bits_to_syms(bits, sym);
        for (int k = 0; k < 64; k++)
            for (int dir = -1; dir <= 1; dir += 2) {
                /* the wrong symbol: adjacent level for message symbols; for parity symbols, flip A or B */
                int wrong = sym[k] + dir;
                int far = k >= 60 && (wrong < 0 || wrong > 3);
                if (far) wrong = sym[k] ^ 3; /* the A bit of a parity symbol at an outer level */
                if (wrong < 0 || wrong > 3) continue;
                for (int dec = 0; dec < 2 - far; dec++) {
                    memcpy(rx, sym, 64);
                    for (int j = 0; j < 64; j++) z[j] = lv[sym[j]] + 0.05 * (p4_rng_uniform(&r) - 0.5);
                    rx[k] = (uint8_t)wrong;
                    /* received just across the threshold between the two levels, or at the wrong level */
                    z[k] = abs(wrong - sym[k]) == 1 ? 0.5 * (lv[wrong] + lv[sym[k]]) + 0.05 * (wrong - sym[k])
                                                    : lv[wrong];
                    int ret = dec ? p4_inner_decode_soft(rx, z, th, 4) : p4_inner_decode_hard(rx, z, th);
                    cr_assert_eq(ret, 1, "symbol %d -> %d (%s): returned %d", k, wrong, dec ? "soft" : "hard", ret);
                    cr_assert(!memcmp(rx, sym, 64), "symbol %d -> %d (%s) not corrected", k, wrong,
                              dec ? "soft" : "hard");
                }
            }
    }
}

Test(inner, double_errors_detected_by_hard_decoder)
{
    uint8_t bits[128] = {0}, sym[64], rx[64];
    double z[64];
    p4_inner_encode(bits);
    bits_to_syms(bits, sym);
    int detected = 0, total = 0;
    for (int a = 0; a < 60; a++)
        for (int b = a + 1; b < 60; b += 7) {
            memcpy(rx, sym, 64);
            rx[a] = 1, rx[b] = 1;
            for (int j = 0; j < 64; j++) z[j] = lv[rx[j]];
            detected += p4_inner_decode_hard(rx, z, th) == -1;
            total++;
        }
    cr_expect_eq(detected, total, "d_min = 4: every double error is detected (%d of %d)", detected, total);
}

/* On an AWGN PAM4 channel at a pre-FEC symbol error ratio near 1e-2, Chase-II beats hard decoding. */
Test(inner, soft_beats_hard_on_a_noisy_link)
{
    const uint64_t seed = 22;
    p4_rng r;
    p4_rng_seed(&r, seed, 0, 1);
    uint8_t bits[128], sym[64], hard[64], soft[64], dec[64];
    double z[64];
    long pre = 0, post_hard = 0, post_soft = 0;
    const double sigma = 0.135;
    for (int blk = 0; blk < 20000; blk++) {
        for (int i = 0; i < 120; i++) bits[i] = (uint8_t)(p4_rng_u64(&r) & 1);
        p4_inner_encode(bits);
        bits_to_syms(bits, sym);
        for (int k = 0; k < 64; k++) {
            z[k] = lv[sym[k]] + sigma * p4_rng_gauss(&r);
            dec[k] = p4_slice(z[k], th);
            pre += dec[k] != sym[k];
        }
        memcpy(hard, dec, 64), memcpy(soft, dec, 64);
        p4_inner_decode_hard(hard, z, th);
        p4_inner_decode_soft(soft, z, th, 4);
        for (int k = 0; k < 64; k++) post_hard += hard[k] != sym[k], post_soft += soft[k] != sym[k];
    }
    printf("inner FEC (seed %llu): SER pre %.3g, after hard %.3g, after Chase-II(4) %.3g\n",
           (unsigned long long)seed, pre / 1.28e6, post_hard / 1.28e6, post_soft / 1.28e6);
    cr_expect_gt(pre, 5000, "pre-FEC SER near 1e-2");
    cr_expect_lt(post_hard, pre / 2, "hard decoding corrects (seed %llu)", (unsigned long long)seed);
    cr_expect_lt(post_soft * 2, post_hard, "soft at least 2x fewer errors than hard (seed %llu)",
                 (unsigned long long)seed);
}
