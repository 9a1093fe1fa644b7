/* vectors_blocks.c - the reference vector blocks: what each one feeds a block of the model and
 * what it records (format in vectors.h, the list with meanings in vectors/README.md).
 *
 *   patterns      every test pattern: full periods, and windows of the long PRBS at the start and
 *                 across the wrap (which exercises the O(log k) seek)
 *   pam4          Gray mapping of bit pairs and the 1/(1+D) precoder
 *   kp4_encode    RS(544,514) messages -> codewords, and the codewords as PAM4 symbols on the line
 *   kp4_decode    received words with 0..15 symbol errors, bursts, and 16..40 errors -> decoder output
 *   inner_fec     Clause 177 encoder, hard and Chase-II soft decoder on noisy slicer inputs
 *   dsp_datapath  bit-true ADC -> FFE -> DFE + slicer -> MLSE with fixed coefficients, fixed clock
 *   responses     impulse and 1-UI pulse responses of the CTLE, the loss model and a Touchstone channel
 *   link          whole-link results at fixed seeds: error counts, FEC counts, chosen equalizer, eye
 *
 * Every random stimulus comes from the block's seed through the library's counter-based streams, so
 * a block is the same on every run. Integer words are compared exactly; doubles carry a tolerance
 * chosen per file (FFT round-off differs between FFTW builds and CPUs, see vectors/README.md).
 */
#include "keycache.h"
#include "pam4sim/pam4sim.h"
#include "pam4sim/vectors.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_VEC 0x7EC /* the vector stimulus stream id */

typedef p4_status (*block_fn)(p4_vset *s, uint64_t seed, const char *chdir, int threads);

#define ADD(name, role, fmt, width, tol, what)                                                      \
    p4_vset_add(s, blk, seed, name, role, fmt, width, tol, what)
#define CHECK(x)                                                                                     \
    do {                                                                                             \
        if (!(x)) return p4_error(P4_ENOMEM, "out of memory making vectors");                       \
    } while (0)

/* ---- patterns ---- */

static p4_status push_pattern(p4_vfile *f, const char *name, uint64_t seed, uint64_t start, size_t n)
{
    p4_pattern *p = p4_pattern_create(name, seed);
    if (!p) return P4_EINVAL;
    p4_pattern_seek(p, start);
    uint8_t buf[4096];
    p4_status st = P4_OK;
    for (size_t done = 0; done < n && !st;) {
        size_t k = n - done < sizeof buf ? n - done : sizeof buf;
        p4_pattern_run(p, buf, k);
        for (size_t i = 0; i < k && !st; i++) st = p4_vfile_push_u(f, buf[i]);
        done += k;
    }
    p4_pattern_destroy(p);
    return st;
}

static p4_status blk_patterns(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)chdir, (void)threads;
    const char *blk = "patterns";
    static const char *full[] = {"prbs7", "prbs9", "prbs13", "prbs15", "prbs9q", "prbs13q", "ssprq"};
    static const char *longp[] = {"prbs23", "prbs31", "prbs31q"};
    char name[96], what[512];
    for (size_t i = 0; i < sizeof full / sizeof *full; i++) {
        p4_pattern *p = p4_pattern_create(full[i], seed);
        uint64_t per = p4_pattern_period(p);
        p4_pattern_destroy(p);
        snprintf(name, sizeof name, "patterns/%s.hex", full[i]);
        snprintf(what, sizeof what,
                 "%s, one full period (%llu symbols) from the 802.3 seed (prbs.h)\n"
                 "PAM4 symbols: Gray level index 0..3, 0 = the lowest level; bit pairs {A,B} 00->0 01->1 11->2 10->3",
                 full[i], (unsigned long long)per);
        p4_vfile *f = ADD(name, "response", P4_VF_UINT, 2, 0, what);
        CHECK(f);
        if (push_pattern(f, full[i], seed, 0, (size_t)per)) return P4_EINVAL;
    }
    for (size_t i = 0; i < sizeof longp / sizeof *longp; i++) {
        p4_pattern *p = p4_pattern_create(longp[i], seed);
        uint64_t per = p4_pattern_period(p);
        p4_pattern_destroy(p);
        snprintf(name, sizeof name, "patterns/%s_start.hex", longp[i]);
        snprintf(what, sizeof what, "%s, symbols 0..65535 of its %llu-symbol period (Gray level index 0..3)", longp[i],
                 (unsigned long long)per);
        p4_vfile *f = ADD(name, "response", P4_VF_UINT, 2, 0, what);
        CHECK(f);
        if (push_pattern(f, longp[i], seed, 0, 65536)) return P4_EINVAL;
        snprintf(name, sizeof name, "patterns/%s_wrap.hex", longp[i]);
        snprintf(what, sizeof what,
                 "%s, symbols %llu..%llu: the last 2048 of the period, then the first 2048 again\n"
                 "(made by the O(log k) seek; Gray level index 0..3)",
                 longp[i], (unsigned long long)(per - 2048), (unsigned long long)(per + 2047));
        f = ADD(name, "response", P4_VF_UINT, 2, 0, what);
        CHECK(f);
        if (push_pattern(f, longp[i], seed, per - 2048, 4096)) return P4_EINVAL;
    }
    p4_vfile *f = ADD("patterns/random.hex", "response", P4_VF_UINT, 2, 0,
                      "tx.pattern random: 4096 i.i.d. symbols of the block's seed (the library's counter-based stream)");
    CHECK(f);
    return push_pattern(f, "random", seed, 0, 4096);
}

/* ---- pam4 mapping and precoding ---- */

static p4_status blk_pam4(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)chdir, (void)threads;
    const char *blk = "pam4";
    p4_rng r;
    p4_rng_seed(&r, seed, 0, STREAM_VEC);
    p4_vfile *bi = ADD("pam4/gray_bits.hex", "stimulus", P4_VF_UINT, 2, 0,
                       "bit pairs {A,B} as A*2+B, A first in time: 00 01 10 11, then 1020 random pairs");
    p4_vfile *bo = ADD("pam4/gray_symbols.hex", "response", P4_VF_UINT, 2, 0,
                       "the PAM4 symbol (level index 0..3, 0 lowest) of each pair: Gray 00->0 01->1 11->2 10->3");
    CHECK(bi && bo);
    for (int i = 0; i < 1024; i++) {
        unsigned ab = i < 4 ? (unsigned)i : (unsigned)(p4_rng_u64(&r) >> 62);
        unsigned a = ab >> 1, b = ab & 1;
        if (p4_vfile_push_u(bi, ab) || p4_vfile_push_u(bo, (a << 1) | (a ^ b))) return P4_ENOMEM;
    }
    p4_vfile *pi = ADD("pam4/precode_in.hex", "stimulus", P4_VF_UINT, 2, 0,
                       "Gray symbols G(j) into the 1/(1+D) precoder, 4096 random");
    p4_vfile *po = ADD("pam4/precode_out.hex", "response", P4_VF_UINT, 2, 0,
                       "precoded symbols P(j) = (G(j) - P(j-1)) mod 4, P(-1) = 0 (SPEC 5)");
    CHECK(pi && po);
    uint8_t g[4096], p[4096], st = 0;
    for (int i = 0; i < 4096; i++) g[i] = (uint8_t)(p4_rng_u64(&r) >> 62);
    memcpy(p, g, sizeof p);
    p4_precode(p, sizeof p, &st);
    for (int i = 0; i < 4096; i++)
        if (p4_vfile_push_u(pi, g[i]) || p4_vfile_push_u(po, p[i])) return P4_ENOMEM;
    return P4_OK;
}

/* ---- KP4 RS(544,514) ---- */

static void random_message(p4_rng *r, uint16_t *m)
{
    for (int i = 0; i < P4_RS_K; i++) m[i] = (uint16_t)(p4_rng_u64(r) >> 54);
}

static p4_status push_words(p4_vfile *f, const uint16_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p4_vfile_push_u(f, w[i])) return P4_ENOMEM;
    return P4_OK;
}

static p4_status blk_kp4_encode(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)chdir, (void)threads;
    const char *blk = "kp4_encode";
    p4_vfile *g = ADD("kp4_encode/generator.hex", "parameter", P4_VF_UINT, 10, 0,
                      "g(x) = prod_{j=0}^{29} (x - alpha^j) over GF(2^10), p(x) = x^10 + x^3 + 1: g0 .. g30 (g30 = 1)");
    p4_vfile *mi = ADD("kp4_encode/message.hex", "stimulus", P4_VF_UINT, 10, 0,
                       "8 messages of 514 10-bit symbols, m0 (the x^543 coefficient, sent first) first:\n"
                       "all zero; all 3ff; i mod 1024; a single 001 at m0; 4 random");
    p4_vfile *co = ADD("kp4_encode/codeword.hex", "response", P4_VF_UINT, 10, 0,
                       "8 codewords of 544 symbols in wire order: the 514 message symbols, then parity x^29 .. x^0");
    p4_vfile *pm = ADD("kp4_encode/codeword_pam4.hex", "response", P4_VF_UINT, 2, 0,
                       "the codewords on the line: each 10-bit symbol LSB first as 5 PAM4 symbols (bit pairs {A,B} in\n"
                       "order, Gray level index 0..3), 2720 per codeword");
    CHECK(g && mi && co && pm);
    uint16_t gen[P4_RS_NPAR + 1], m[P4_RS_K], c[P4_RS_N];
    uint8_t line[P4_RS_N * 5];
    p4_rs_generator(gen);
    if (push_words(g, gen, P4_RS_NPAR + 1)) return P4_ENOMEM;
    p4_rng r;
    p4_rng_seed(&r, seed, 0, STREAM_VEC);
    for (int k = 0; k < 8; k++) {
        for (int i = 0; i < P4_RS_K; i++) m[i] = k == 0 ? 0 : k == 1 ? 0x3FF : k == 2 ? (uint16_t)(i & 0x3FF) : k == 3 ? (i == 0) : 0;
        if (k >= 4) random_message(&r, m);
        p4_rs_encode(m, c);
        p4_rs_to_pam4(c, P4_RS_N, line);
        if (push_words(mi, m, P4_RS_K) || push_words(co, c, P4_RS_N)) return P4_ENOMEM;
        for (int i = 0; i < P4_RS_N * 5; i++)
            if (p4_vfile_push_u(pm, line[i])) return P4_ENOMEM;
    }
    return P4_OK;
}

static p4_status blk_kp4_decode(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)chdir, (void)threads;
    const char *blk = "kp4_decode";
    /* case list: weights 0..15 at random positions, a 15-symbol burst, then beyond t */
    static const int weight[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 15, 16, 16, 17, 20, 24, 30, 40};
    static const int burst[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0};
    const int nc = (int)(sizeof weight / sizeof *weight);
    p4_vfile *cs = ADD("kp4_decode/case.hex", "parameter", P4_VF_UINT, 8, 0,
                       "per case: the number of symbol errors added (cases 16 and 18 are bursts of consecutive symbols):\n"
                       "0..15, 15 (burst), 16, 16 (burst), 17, 20, 24, 30, 40");
    p4_vfile *sent = ADD("kp4_decode/sent.hex", "parameter", P4_VF_UINT, 10, 0,
                         "the codeword sent, 544 symbols per case in wire order (to tell a miscorrection)");
    p4_vfile *rx = ADD("kp4_decode/received.hex", "stimulus", P4_VF_UINT, 10, 0,
                       "the received word: sent XOR a nonzero random error value at each error position");
    p4_vfile *out = ADD("kp4_decode/decoded.hex", "response", P4_VF_UINT, 10, 0,
                        "the decoder's output word (left as received when it detects an uncorrectable word)");
    p4_vfile *stt = ADD("kp4_decode/status.hex", "response", P4_VF_INT, 8, 0,
                        "per case: symbols corrected (0..15), or -1 (ff) for a detected uncorrectable word");
    CHECK(cs && sent && rx && out && stt);
    p4_rng r;
    p4_rng_seed(&r, seed, 0, STREAM_VEC);
    uint16_t m[P4_RS_K], c[P4_RS_N], w[P4_RS_N];
    for (int k = 0; k < nc; k++) {
        random_message(&r, m);
        p4_rs_encode(m, c);
        memcpy(w, c, sizeof w);
        uint8_t hit[P4_RS_N] = {0};
        int start = (int)(p4_rng_u64(&r) % (uint64_t)(P4_RS_N - weight[k] + 1));
        for (int e = 0; e < weight[k]; e++) {
            int pos = start + e;
            if (!burst[k])
                do pos = (int)(p4_rng_u64(&r) % P4_RS_N);
                while (hit[pos]);
            hit[pos] = 1;
            uint16_t ev;
            do ev = (uint16_t)(p4_rng_u64(&r) >> 54);
            while (!ev);
            w[pos] ^= ev;
        }
        if (p4_vfile_push_u(cs, (uint64_t)weight[k]) || push_words(sent, c, P4_RS_N) || push_words(rx, w, P4_RS_N))
            return P4_ENOMEM;
        int st = p4_rs_decode(w);
        if (push_words(out, w, P4_RS_N) || p4_vfile_push_i(stt, st)) return P4_ENOMEM;
    }
    return P4_OK;
}

/* ---- Clause 177 inner code ---- */

static p4_status blk_inner_fec(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)chdir, (void)threads;
    const char *blk = "inner_fec";
    enum { NB = 64, NFLIP = 4 };
    const double sigma = 0.16;
    p4_vfile *mi = ADD("inner_fec/message.hex", "stimulus", P4_VF_UINT, 2, 0,
                       "64 blocks of 60 PAM4 symbols (Gray level index; bit pairs {m(2k), m(2k+1)}), random");
    p4_vfile *bo = ADD("inner_fec/encoded.hex", "response", P4_VF_UINT, 2, 0,
                       "the 64-symbol blocks: the 60 message symbols, then the 8 parity bits as 4 symbols (Table 177-1)");
    p4_vfile *zi = ADD("inner_fec/slicer_in.hex", "stimulus", P4_VF_DOUBLE, 64, 1e-12,
                       "slicer input of each symbol: its level (-1, -1/3, 1/3, 1) plus Gaussian noise, sigma 0.16");
    p4_vfile *di = ADD("inner_fec/decisions.hex", "stimulus", P4_VF_UINT, 2, 0,
                       "hard decisions of the slicer inputs, thresholds -2/3, 0, 2/3");
    p4_vfile *ho = ADD("inner_fec/hard_out.hex", "response", P4_VF_UINT, 2, 0, "the hard decoder's output symbols");
    p4_vfile *hs = ADD("inner_fec/hard_status.hex", "response", P4_VF_INT, 2, 0,
                       "per block: 1 corrected, 0 no error seen, -1 (3) detected uncorrectable");
    p4_vfile *so = ADD("inner_fec/soft_out.hex", "response", P4_VF_UINT, 2, 0,
                       "the Chase-II decoder's output symbols, 4 least reliable code bits flipped (16 test patterns)");
    p4_vfile *ss = ADD("inner_fec/soft_status.hex", "response", P4_VF_INT, 2, 0, "per block: as hard_status, for the soft decoder");
    CHECK(mi && bo && zi && di && ho && hs && so && ss);
    double lv[4], th[3];
    p4_levels(1.0, lv);
    p4_thresholds(lv, th);
    p4_rng r;
    p4_rng_seed(&r, seed, 0, STREAM_VEC);
    for (int b = 0; b < NB; b++) {
        uint8_t bits[P4_INNER_BITS], sym[P4_INNER_SYMS], dec[P4_INNER_SYMS], soft[P4_INNER_SYMS];
        double z[P4_INNER_SYMS];
        for (int i = 0; i < P4_INNER_MSG_BITS; i++) bits[i] = (uint8_t)(p4_rng_u64(&r) >> 63);
        p4_inner_encode(bits);
        for (int k = 0; k < P4_INNER_SYMS; k++) {
            unsigned a = bits[2 * k], bb = bits[2 * k + 1];
            sym[k] = (uint8_t)((a << 1) | (a ^ bb));
            z[k] = lv[sym[k]] + sigma * p4_rng_gauss(&r);
            dec[k] = p4_slice(z[k], th);
        }
        memcpy(soft, dec, sizeof soft);
        for (int k = 0; k < P4_INNER_SYMS; k++) {
            if (k < 60 && p4_vfile_push_u(mi, sym[k])) return P4_ENOMEM;
            if (p4_vfile_push_u(bo, sym[k]) || p4_vfile_push_d(zi, z[k]) || p4_vfile_push_u(di, dec[k])) return P4_ENOMEM;
        }
        int hst = p4_inner_decode_hard(dec, z, th), sst = p4_inner_decode_soft(soft, z, th, NFLIP);
        for (int k = 0; k < P4_INNER_SYMS; k++)
            if (p4_vfile_push_u(ho, dec[k]) || p4_vfile_push_u(so, soft[k])) return P4_ENOMEM;
        if (p4_vfile_push_i(hs, hst) || p4_vfile_push_i(ss, sst)) return P4_ENOMEM;
    }
    return P4_OK;
}

/* ---- the bit-true receive datapath with fixed coefficients ---- */

static p4_status blk_dsp_datapath(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)chdir, (void)threads;
    const char *blk = "dsp_datapath";
    enum { N = 4096, NFFE = 8, NPRE = 2, NDFE = 1 };
    static const double h[] = {0.12, 1.0, 0.45, 0.18, 0.07, 0.03}; /* symbol-spaced channel, cursor 1 */
    const double sigma = 0.1, gain = 55.0, hot = 1.8;              /* V rms; ADC codes per volt */
    p4_config dc;
    p4_config_default(&dc); /* the product's default widths */
    double lv[4];
    p4_levels(1.0, lv);
    double s2 = 0;
    for (int i = 0; i < 4; i++) s2 += 0.25 * lv[i] * lv[i];
    double rn[NFFE] = {sigma * sigma}, w[NFFE], b[NDFE], snr;
    p4_status st = p4_mmse_design(h, (int)(sizeof h / sizeof *h), 1, rn, s2, NFFE, NPRE, NDFE, w, b, &snr);
    if (st) return st;
    p4_dsprx_setup su = {0};
    su.sps = 1, su.base_pos = 1, su.fixed = 1, su.gain = gain, su.adc_bits = (int)dc.adc_bits, su.adc_noise = 0;
    su.nffe = NFFE, su.npre = NPRE, su.ndfe = NDFE;
    memcpy(su.w, w, sizeof w);
    memcpy(su.b, b, sizeof b);
    su.coef_bits = (int)dc.coef_bits, su.acc_bits = (int)dc.acc_bits, su.out_bits = (int)dc.out_bits;
    su.out_level_fraction = dc.out_level_fraction;
    memcpy(su.lv, lv, sizeof lv);
    su.detector = P4_CDR_NONE, su.kd = 1, su.bandwidth_hz = 1e6, su.damping = 0.7, su.baud_hz = 106.25e9;
    su.kp = su.ki = 0, su.gear = 1;
    su.mlse_memory = 1, su.traceback = 16;
    p4_dsprx *d = p4_dsprx_create(&su);
    if (!d) return P4_EINVAL;
    const p4_dsprx_info *in = p4_dsprx_info_get(d);
    const double L = in->out_level;
    /* stimulus: random symbols through h, plus noise; wave[1 + m] is step m's sample */
    p4_rng r;
    p4_rng_seed(&r, seed, 0, STREAM_VEC);
    uint8_t a[N];
    double *wave = calloc(N + 4, sizeof *wave), *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    double *z = malloc(N * sizeof *z);
    uint8_t *dec = malloc(N), *dfe = malloc(N);
    if (!wave || !x || !y || !z || !dec || !dfe) st = p4_error(P4_ENOMEM, "out of memory making vectors");
    for (int m = 0; m < N; m++) a[m] = (uint8_t)(p4_rng_u64(&r) >> 62);
    for (int m = 0; !st && m < N; m++) {
        double v = sigma * p4_rng_gauss(&r);
        for (int j = 0; j < (int)(sizeof h / sizeof *h); j++)
            if (m + 1 - j >= 0 && m + 1 - j < N) v += h[j] * lv[a[m + 1 - j]];
        wave[1 + m] = m >= N - 512 ? hot * v : v; /* the last 512 steps overdrive the ADC */
    }
    if (!st) {
        p4_dsprx_out o = {.z = z, .dec = dec, .dec_dfe = dfe, .y = y, .x = x};
        p4_dsprx_run(d, wave, N + 4, N, NULL, 0, 0, &r, &o);
    }
    char what[512];
    const int ob = su.out_bits;
    snprintf(what, sizeof what,
             "ADC input at each symbol instant [V]: sample m = sum_j h(j) L(a(m + 1 - j)) + noise, with levels L = -1, -1/3,\n"
             "1/3, 1 V, h = 0.12 1 0.45 0.18 0.07 0.03 (main cursor h(1)), Gaussian noise sigma %.3g V; the last 512\n"
             "samples are multiplied by %.3g (an overdriven ADC: codes and FFE output saturate)", sigma, hot);
    p4_vfile *fa = ADD("dsp_datapath/adc_in.hex", "stimulus", P4_VF_DOUBLE, 64, 1e-12, what);
    p4_vfile *ft = ADD("dsp_datapath/tx_symbols.hex", "parameter", P4_VF_UINT, 2, 0,
                       "the symbols sent, a(m) (level index 0..3); the decisions at step m are a(m - 2): sample m\n"
                       "carries a(m) in its main cursor and the FFE main tap c(2) multiplies x(m - 2)");
    snprintf(what, sizeof what,
             "ADC codes: round-half-up of adc_in * %.6g codes/V, saturated to [%d, %d] (%d bits)", gain,
             -(1 << (su.adc_bits - 1)), (1 << (su.adc_bits - 1)) - 1, su.adc_bits);
    p4_vfile *fx = ADD("dsp_datapath/adc_code.hex", "response", P4_VF_INT, su.adc_bits, 0, what);
    snprintf(what, sizeof what,
             "FFE taps c(0..%d), %d-bit signed: y(m) = sum_i c(i) x(m - i); main tap c(%d)\n"
             "output = round-half-up(sat_%d(acc) / 2^%d), saturated to %d bits", NFFE - 1, su.coef_bits, NPRE,
             su.acc_bits, in->shift, ob);
    p4_vfile *fc = ADD("dsp_datapath/ffe_coef.hex", "parameter", P4_VF_INT, su.coef_bits, 0, what);
    snprintf(what, sizeof what,
             "DFE tap b(0) in Q10: feedback = round-half-up(b(0) * L(d(m-1)) / 1024), with the levels L in output units\n"
             "and d(-1) = 0 (the decision register starts at level index 0)\n"
             "levels %.0f %.0f %.0f %.0f (round-half-up of L x -1, -1/3, 1/3, 1), thresholds floor((L(i) + L(i+1)) / 2)",
             floor(-L + 0.5), floor(-L / 3 + 0.5), floor(L / 3 + 0.5), floor(L + 0.5));
    p4_vfile *fb = ADD("dsp_datapath/dfe_coef.hex", "parameter", P4_VF_INT, 16, 0, what);
    snprintf(what, sizeof what, "FFE output y(m), %d-bit signed output units (outer level %.0f)", ob, L);
    p4_vfile *fy = ADD("dsp_datapath/ffe_out.hex", "response", P4_VF_INT, ob, 0, what);
    p4_vfile *fz = ADD("dsp_datapath/slicer_in.hex", "response", P4_VF_INT, ob + 2, 0,
                       "slicer input z(m) = y(m) - feedback(m), output units");
    p4_vfile *fd = ADD("dsp_datapath/dfe_decision.hex", "response", P4_VF_UINT, 2, 0, "the DFE slicer's decisions (level index)");
    p4_vfile *fm = ADD("dsp_datapath/mlse_decision.hex", "response", P4_VF_UINT, 2, 0,
                       "MLSE (memory 1, target 1 + (b(0)/1024) D on y / outer level, traceback 16) decisions");
    if (!st && !(fa && ft && fx && fc && fb && fy && fz && fd && fm)) st = p4_error(P4_ENOMEM, "out of memory making vectors");
    for (int i = 0; !st && i < NFFE; i++) st = p4_vfile_push_i(fc, in->ffe_q[i]);
    if (!st) st = p4_vfile_push_i(fb, in->dfe_q[0]);
    for (int m = 0; !st && m < N; m++) {
        st = p4_vfile_push_d(fa, wave[1 + m]) || p4_vfile_push_u(ft, a[m]) || p4_vfile_push_i(fx, (int64_t)x[m]) ||
             p4_vfile_push_i(fy, llround(y[m] * L)) || p4_vfile_push_i(fz, llround(z[m] * L)) ||
             p4_vfile_push_u(fd, dfe[m]) || p4_vfile_push_u(fm, dec[m]);
    }
    p4_dsprx_destroy(d);
    free(wave), free(x), free(y), free(z), free(dec), free(dfe);
    return st;
}

/* ---- responses ---- */

/* The cable assembly's thru file in chdir: unpacked if there, else as it ships (.xz). */
static void ca_thru_path(const char *chdir, char *buf, size_t n)
{
    snprintf(buf, n, "%s/CA_19p75dB_thru.s4p", chdir);
    if (access(buf, R_OK)) snprintf(buf, n, "%s/CA_19p75dB_thru.s4p.xz", chdir);
}

/* Impulse (window of `len` samples from `start`) and the 1-UI pulse of r, sps samples per UI. */
static p4_status push_response(p4_vset *s, const char *blk, uint64_t seed, const p4_fresp *r, int sps,
                               const char *stem, const char *desc, size_t len)
{
    double *h = malloc(r->n * sizeof *h);
    if (!h) return p4_error(P4_ENOMEM, "out of memory making vectors");
    p4_status st = p4_fresp_impulse(r, h);
    double peak = 0;
    for (size_t i = 0; i < r->n; i++) peak = fmax(peak, fabs(h[i]));
    size_t first = 0;
    while (first < r->n && fabs(h[first]) < 1e-3 * peak) first++;
    size_t start = first > (size_t)(8 * sps) ? first - (size_t)(8 * sps) : 0;
    if (start + len > r->n) start = r->n - len;
    char name[96], what[512];
    snprintf(name, sizeof name, "responses/%s_impulse.hex", stem);
    snprintf(what, sizeof what,
             "%s: impulse response h(k) at %d samples/UI (106.25 GBd), samples %zu..%zu of the %zu-point\n"
             "circular response (FFT grid of %zu points), per sample: y(k) = sum_j h(j) x(k - j)", desc, sps, start,
             start + len - 1, r->n, r->n);
    p4_vfile *fi = p4_vset_add(s, blk, seed, name, "response", P4_VF_DOUBLE, 64, 1e-12, what);
    snprintf(name, sizeof name, "responses/%s_pulse.hex", stem);
    snprintf(what, sizeof what, "%s: response to a 1-UI rectangular pulse of height 1, p(k) = sum_{j<%d} h(k - j),\n"
                                "same window as the impulse", desc, sps);
    p4_vfile *fp = p4_vset_add(s, blk, seed, name, "response", P4_VF_DOUBLE, 64, 1e-12, what);
    if (!st && !(fi && fp)) st = p4_error(P4_ENOMEM, "out of memory making vectors");
    for (size_t k = start; !st && k < start + len; k++) {
        double p = 0;
        for (int j = 0; j < sps; j++) p += h[(k + r->n - (size_t)j) % r->n];
        st = p4_vfile_push_d(fi, h[k]) || p4_vfile_push_d(fp, p);
    }
    free(h);
    return st;
}

static p4_status blk_responses(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    (void)threads;
    const char *blk = "responses";
    const int sps = 16;
    const double fb = 106.25e9, fs = fb * sps;
    const size_t n = 16384, len = 128 * sps;
    p4_fresp *r = p4_fresp_create(n, fs);
    if (!r) return p4_error(P4_ENOMEM, "out of memory making vectors");
    p4_fresp_ctle(r, -8, -2, 42.5e9, 42.5e9, 106.25e9, 1.328125e9);
    p4_status st = push_response(s, blk, seed, r, sps, "ctle",
                                 "COM CTLE g_dc -8 dB, g_dc_hp -2 dB, fz = fp1 42.5 GHz, fp2 106.25 GHz, f_lf 1.328125 GHz", len);
    p4_fresp_free(r);
    if (st) return st;
    r = p4_fresp_create(n, fs);
    if (!r) return p4_error(P4_ENOMEM, "out of memory making vectors");
    st = p4_fresp_loss_model(r, 28, 0.3, fb / 2, 0, 0, 0);
    if (!st)
        st = push_response(s, blk, seed, r, sps, "loss_model",
                           "loss model 28 dB at 53.125 GHz, skin fraction 0.3, minimum phase, no delay or echo", len);
    p4_fresp_free(r);
    if (st) return st;
    /* the cable assembly, SDD21 with the ports (1,3) in, (2,4) out */
    char path[4096];
    ca_thru_path(chdir, path, sizeof path);
    p4_touchstone *ts = p4_touchstone_read(path);
    if (!ts) return P4_EIO;
    double complex *h = malloc(ts->nfreq * sizeof *h);
    int order[4] = {1, 3, 2, 4};
    r = p4_fresp_create(n, fs);
    st = h && r ? p4_touchstone_sdd21(ts, order, h) : p4_error(P4_ENOMEM, "out of memory making vectors");
    if (!st) st = p4_fresp_from_samples(r, ts->freq_hz, h, ts->nfreq, 0.1);
    if (!st)
        st = push_response(s, blk, seed, r, sps, "ca_19p75db",
                           "CA_19p75dB_thru.s4p SDD21 (ports 1,3 in, 2,4 out), taper 0.1 (response.h), 128 UI from\n"
                           "8 UI before the first sample above 1e-3 of the peak", len);
    p4_fresp_free(r);
    free(h);
    p4_touchstone_free(ts);
    return st;
}

/* ---- whole-link results ---- */

/* The results of a run of configuration c as files PREFIX_counts.hex, PREFIX_figures.hex (and
 * PREFIX_optics.hex for an optical link) of block blk. */
static p4_status record_link(p4_vset *s, const char *blk, uint64_t seed, const char *prefix, const char *desc,
                             const p4_config *cp)
{
    p4_config c = *cp;
    p4_link *l = p4_link_create(&c);
    if (!l) return P4_EINVAL;
    p4_counts n;
    p4_status st = p4_link_run(l, 0, &n);
    if (st) {
        p4_link_destroy(l);
        return st;
    }
    const p4_link_info *in = p4_link_info_get(l);
    p4_eye eye;
    p4_eye_measure(&n, p4_link_thresholds(l), c.eye_ber, &eye);
    const p4_fec_counts *f = &n.fec;
    char name[96], what[512];
    snprintf(name, sizeof name, "%s_counts.hex", prefix);
    snprintf(what, sizeof what,
             "%s\nwords: symbols symbol_errors bits bit_errors eye_symbols delay_symbols codewords cw_failed\n"
             "cw_miscorrected rs_symbol_errors msg_bit_errors dfe_symbol_errors adc_clips cdr_slips, then the\n"
             "RS errors-per-codeword histogram 0..16", desc);
    p4_vfile *fc = p4_vset_add(s, blk, seed, name, "response", P4_VF_UINT, 64, 0, what);
    snprintf(name, sizeof name, "%s_figures.hex", prefix);
    snprintf(what, sizeof what,
             "%s\nwords: sample_phase_ui ctle_g_dc_db ctle_g_dc_hp_db mmse_snr_db main_cursor_v, eye height and width\n"
             "(UI) of the upper, middle, lower eye at measure.eye_ber, then the RX FFE taps (volt domain)", desc);
    p4_vfile *fg = p4_vset_add(s, blk, seed, name, "response", P4_VF_DOUBLE, 64, 1e-9, what);
    if (!fc || !fg) st = p4_error(P4_ENOMEM, "out of memory making vectors");
    const uint64_t cnt[] = {n.symbols,         n.symbol_errors,        n.bits,           n.bit_errors,
                            n.eye_symbols,     (uint64_t)in->delay_symbols, f->codewords, f->cw_failed,
                            f->cw_miscorrected, f->rs_symbol_errors,  f->msg_bit_errors, f->dfe_symbol_errors,
                            f->adc_clips,      f->cdr_slips};
    for (size_t i = 0; !st && i < sizeof cnt / sizeof *cnt; i++) st = p4_vfile_push_u(fc, cnt[i]);
    for (int i = 0; !st && i <= 16; i++) st = p4_vfile_push_u(fc, f->cw_hist[i]);
    const double fig[] = {in->sample_phase_ui, in->g_dc_db, in->g_dc_hp_db, in->mmse_snr_db, in->main_cursor_v,
                          eye.height[0],       eye.width_ui[0], eye.height[1], eye.width_ui[1], eye.height[2],
                          eye.width_ui[2]};
    for (size_t i = 0; !st && i < sizeof fig / sizeof *fig; i++) st = p4_vfile_push_d(fg, fig[i]);
    for (int i = 0; !st && i < in->nffe; i++) st = p4_vfile_push_d(fg, in->ffe[i]);
    if (!st && in->optical) {
        const p4_optics_info *o = &in->opt;
        snprintf(name, sizeof name, "%s_optics.hex", prefix);
        snprintf(what, sizeof what,
                 "%s\nwords [W, dB]: launch_avg launch_oma launch_er_db launch_rlm rx_avg rx_oma applied_loss_db\n"
                 "dc_current_a sndr_db tdecq_db tdecq_ceq tdecq_oma_outer (TDECQ: NAN when not measured)", desc);
        p4_vfile *fo = p4_vset_add(s, blk, seed, name, "response", P4_VF_DOUBLE, 64, 1e-9, what);
        const int t = in->has_tdecq;
        const double ofig[] = {o->launch_avg_w, o->launch_oma_w, o->launch_er_db,  o->launch_rlm,
                               o->rx_avg_w,     o->rx_oma_w,     o->applied_loss_db, o->dc_current_a,
                               in->opt_sndr_db, t ? in->tdecq.tdecq_db : NAN, t ? in->tdecq.ceq : NAN,
                               t ? in->tdecq.oma_outer_w : NAN};
        if (!fo) st = p4_error(P4_ENOMEM, "out of memory making vectors");
        for (size_t i = 0; !st && i < sizeof ofig / sizeof *ofig; i++) st = p4_vfile_push_d(fo, ofig[i]);
    }
    p4_counts_free(&n);
    p4_link_destroy(l);
    return st;
}

static p4_status link_case(p4_vset *s, uint64_t seed, const char *stem, const char *desc, const char *const *sets,
                           int nsets, int threads)
{
    p4_config c;
    p4_config_default(&c);
    char kv[4200];
    for (int i = 0; i < nsets; i++)
        if (p4_config_set(&c, sets[i])) return P4_EINVAL;
    snprintf(kv, sizeof kv, "sim.seed=%llu", (unsigned long long)seed);
    if (p4_config_set(&c, kv)) return P4_EINVAL;
    snprintf(kv, sizeof kv, "sim.threads=%d", threads);
    if (p4_config_set(&c, kv) || p4_config_validate(&c)) return P4_EINVAL;
    char prefix[96];
    snprintf(prefix, sizeof prefix, "link/%s", stem);
    return record_link(s, "link", seed, prefix, desc, &c);
}

p4_status p4_vectors_make_config(p4_vset *s, const char *block, const p4_config *c)
{
    if (!block[0] || strlen(block) >= sizeof s->f[0]->block || strspn(block, "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(block))
        return p4_error(P4_EINVAL, "vector block name '%s': 1..%zu characters a-z, 0-9 and _", block,
                        sizeof s->f[0]->block - 1);
    if (p4_vector_block_help(block))
        return p4_error(P4_EINVAL, "vector block name '%s' is a built-in block; choose another name", block);
    if (p4_config_validate(c)) return P4_EINVAL;
    p4_config cc = *c;
    cc.threads = 0; /* the result does not depend on it, so neither does the digest */
    char *yaml = NULL, prefix[96], d[320];
    size_t len = 0;
    FILE *m = open_memstream(&yaml, &len);
    if (!m) return p4_error(P4_ENOMEM, "out of memory making vectors");
    p4_config_write_yaml(&cc, m, 0);
    fclose(m);
    uint64_t h = p4_fnv64(P4_FNV0, yaml, len);
    free(yaml);
    snprintf(d, sizeof d, "a run of the configuration %.32s/config.yaml (pam4sim vectors generate --config)\n"
             "configuration digest %016llx (FNV-1a 64 of its YAML)", block, (unsigned long long)h);
    snprintf(prefix, sizeof prefix, "%s/link", block);
    return record_link(s, block, (uint64_t)c->seed, prefix, d, c);
}

static p4_status blk_link(p4_vset *s, uint64_t seed, const char *chdir, int threads)
{
    static const char *hot[] = {"sim.symbols=200000", "channel.il_nyquist_db=34", "rx.noise.rms_v=0.0016"};
    p4_status st = link_case(s, seed, "loss_model_34db",
                             "the built-in default link with the loss model at 34 dB and 1.6 mV rms white noise at the\n"
                             "sampler, 200000 symbols",
                             hot, 3, threads);
    if (st) return st;
    char file[4200];
    ca_thru_path(chdir, file, sizeof file);
    char kv[4300];
    snprintf(kv, sizeof kv, "channel.file=%s", file);
    const char *ca[] = {"sim.symbols=100000", "channel.type=touchstone", kv};
    st = link_case(s, seed, "ca_19p75db", "the default link on CA_19p75dB_thru.s4p (ports 1,3 -> 2,4), 100000 symbols",
                   ca, 3, threads);
    if (st) return st;
    static const char *dsp[] = {"sim.symbols=120000", "sim.unit_symbols=65536", "channel.il_nyquist_db=32",
                                "rx.dsp.enable=true", "rx.cdr.offset_ppm=50", "rx.mlse.memory=1", "fec.mode=kp4",
                                "rx.noise.rms_v=0.0018"};
    st = link_case(s, seed, "dsp_kp4",
                   "bit-true DSP receiver (CDR at +50 ppm, fixed-point FFE, MLSE memory 1) with KP4 on the loss model\n"
                   "at 32 dB with 1.8 mV rms white noise at the sampler, 120000 symbols (whole frames)",
                   dsp, 8, threads);
    if (st) return st;
    /* the same with the noise drawn into every sample (sim.noise = waveform): the noise FIR at 16
     * samples/UI, the eye and the receiver's reads from the waveform, as 0.6.0 and earlier */
    static const char *dspw[] = {"sim.symbols=120000", "sim.unit_symbols=65536", "channel.il_nyquist_db=32",
                                 "rx.dsp.enable=true", "rx.cdr.offset_ppm=50", "rx.mlse.memory=1", "fec.mode=kp4",
                                 "rx.noise.rms_v=0.0018", "sim.noise=waveform"};
    st = link_case(s, seed, "dsp_kp4_waveform",
                   "the dsp_kp4 case with the noise drawn into every sample through its FIR (sim.noise = waveform)",
                   dspw, 9, threads);
    if (st) return st;
    /* examples/dr1.yaml near its sensitivity, with the link's dispersion raised to the DR band edge
     * and MPI on, so that every optical path (chirp, field FIR, phase noise, MPI, RIN, shot) is used */
    static const char *dr1[] = {
        "sim.symbols=120000", "sim.unit_symbols=65536", "tx.amplitude_v=0.5", "tx.rlm=1", "tx.ffe_taps=[0, 1, 0]",
        "tx.filter=none", "tx.snr_db=.inf", "tx.jitter.dcd_ps=0.2", "channel.type=none", "optics.enable=true",
        "optics.driver.bandwidth_ghz=70", "optics.laser.power_dbm=8", "optics.fiber.dispersion_ps_nm_km=-1.84",
        "optics.mpi.crosstalk_db=-35", "optics.rx.oma_dbm=-9", "rx.noise.eta0_v2_per_ghz=0", "rx.noise.filter_ghz=0",
        "rx.ctle.enable=false", "rx.ffe.precursors=6", "rx.dsp.enable=true", "fec.mode=kp4", "tdecq.optimize=false"};
    return link_case(s, seed, "dr1_oma_m9",
                     "examples/dr1.yaml (EML 70 GHz, ER 4.5 dB, chirp 0.5; 500 m SMF at D -1.84 ps/(nm km); MPI -35 dB;\n"
                     "PIN + TIA 17 pA/sqrt(Hz) 55 GHz; DSP receiver, KP4) at -9 dBm received OMA, 120000 symbols",
                     dr1, (int)(sizeof dr1 / sizeof *dr1), threads);
}

/* ---- the registry ---- */

static const struct {
    const char *name;
    block_fn fn;
    const char *help;
} blocks[] = {
    {"patterns", blk_patterns, "every test pattern (full periods; windows of PRBS23/31 at the start and the wrap)"},
    {"pam4", blk_pam4, "Gray mapping of bit pairs and the 1/(1+D) precoder"},
    {"kp4_encode", blk_kp4_encode, "RS(544,514) generator, messages -> codewords -> PAM4 symbols"},
    {"kp4_decode", blk_kp4_decode, "RS(544,514) decoder on 0..15 errors, bursts, and 16..40 errors"},
    {"inner_fec", blk_inner_fec, "Clause 177 inner code: encoder, hard and Chase-II soft decoder"},
    {"dsp_datapath", blk_dsp_datapath, "bit-true ADC -> FFE -> DFE -> MLSE with fixed coefficients"},
    {"responses", blk_responses, "impulse and pulse responses: CTLE, loss model, CA_19p75dB Touchstone"},
    {"link", blk_link, "whole-link error counts, FEC counts, equalizer and eye at fixed seeds"},
};
#define NBLOCKS (sizeof blocks / sizeof *blocks)

const char *p4_vector_blocks(void)
{
    return "patterns pam4 kp4_encode kp4_decode inner_fec dsp_datapath responses link";
}

const char *p4_vector_block_help(const char *block)
{
    for (size_t i = 0; i < NBLOCKS; i++)
        if (!strcmp(blocks[i].name, block)) return blocks[i].help;
    return NULL;
}

p4_status p4_vectors_make(p4_vset *s, const char *block, uint64_t seed, const char *channels_dir, int threads)
{
    for (size_t i = 0; i < NBLOCKS; i++)
        if (!strcmp(blocks[i].name, block)) return blocks[i].fn(s, seed, channels_dir, threads);
    return p4_error(P4_EINVAL, "unknown vector block '%s' (allowed: %s)", block, p4_vector_blocks());
}
