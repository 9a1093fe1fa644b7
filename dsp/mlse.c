/* mlse.c - Viterbi MLSE for PAM4 with 1- or 2-symbol ISI memory (see mlse.h); traceback up to 32
 * by register exchange, longer by walking the stored survivors back.
 * State s = a_m + 4 a_{m-1} (memory 2) or a_m (memory 1). The predecessors of s' are
 * (s' >> 2) + 4^(M-1) k, k = 0..3; the branch s -> s' has yhat = L(s' & 3) + t1 L(s & 3) + t2 L(s >> 2).
 */
#include "pam4sim/mlse.h"
#include "clones.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct p4_mlse {
    int mem, ns, tb;
    double yhat[16][4];   /* [new state][k]: expected output of the branch from predecessor k */
    uint8_t *surv;        /* [(tb+1)][ns]: which k each state came from */
};

p4_mlse *p4_mlse_create(int memory, const double *taps, const double lv[4], int traceback)
{
    if (memory < 1 || memory > 2 || traceback < 1) return NULL;
    p4_mlse *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->mem = memory, v->ns = memory == 1 ? 4 : 16, v->tb = traceback;
    v->surv = malloc((size_t)(traceback + 1) * v->ns);
    if (!v->surv) {
        free(v);
        return NULL;
    }
    int stride = memory == 1 ? 1 : 4;
    for (int s2 = 0; s2 < v->ns; s2++)
        for (int k = 0; k < 4; k++) {
            int s = (s2 >> 2) + stride * k;
            double y = lv[s2 & 3] + taps[0] * lv[s & 3];
            if (memory == 2) y += taps[1] * lv[(s >> 2) & 3];
            v->yhat[s2][k] = y;
        }
    return v;
}

void p4_mlse_destroy(p4_mlse *v)
{
    if (!v) return;
    free(v->surv);
    free(v);
}

/* Trace back from state s at step m over `depth` steps; writes dec for steps m-depth+1..m if out. */
static int traceback(const p4_mlse *v, int s, size_t m, int depth, uint8_t *dec, int write_from)
{
    int stride = v->mem == 1 ? 1 : 4, R = v->tb + 1;
    for (int i = 0; i < depth; i++) {
        size_t step = m - (size_t)i;
        if (i >= write_from) dec[step] = (uint8_t)(s & 3);
        int k = v->surv[(step % R) * v->ns + s];
        s = (s >> 2) + stride * k;
    }
    return s;
}

/* One add-compare-select step on the sample yv: new metrics npm (renormalized to the best, whose
 * state it returns) and each state's predecessor k in bk. */
static inline __attribute__((always_inline)) int acs_n(const p4_mlse *v, double *pm, double yv, uint8_t *bk, const int ns,
                                                      const int stride)
{
    double npm[16], best = INFINITY;
    int bs = 0;
    for (int s2 = 0; s2 < ns; s2++) {
        double bm = INFINITY;
        int kk = 0;
        for (int k = 0; k < 4; k++) {
            double d = yv - v->yhat[s2][k];
            double c = pm[(s2 >> 2) + stride * k] + d * d;
            if (c < bm) bm = c, kk = k;
        }
        npm[s2] = bm;
        bk[s2] = (uint8_t)kk;
        if (bm < best) best = bm, bs = s2;
    }
    for (int s2 = 0; s2 < ns; s2++) pm[s2] = npm[s2] - best;
    return bs;
}

static inline int acs(const p4_mlse *v, double *pm, double yv, uint8_t *bk)
{
    return v->mem == 1 ? acs_n(v, pm, yv, bk, 4, 1) : acs_n(v, pm, yv, bk, 16, 4);
}

static int best_state(const p4_mlse *v, const double *pm)
{
    int bs = 0;
    for (int s2 = 1; s2 < v->ns; s2++)
        if (pm[s2] < pm[bs]) bs = s2;
    return bs;
}

/* The register exchange's last min(tb, n) decisions, from the final best state's path word. */
static void flush_exchange(const p4_mlse *v, const double *pm, const uint64_t *path, size_t n, uint8_t *dec)
{
    if (!n) return;
    int bs = best_state(v, pm);
    size_t depth = n < (size_t)v->tb ? n : (size_t)v->tb;
    dec[n - 1] = (uint8_t)(bs & 3);
    for (size_t j = 1; j < depth; j++) dec[n - 1 - j] = (uint8_t)(path[bs] >> (2 * (j - 1)) & 3);
}

/* Register exchange: each state carries its survivor path's last 32 symbols (2 bits each, the
 * symbol of step m - j in bits 2(j - 1)), so the decision tb steps back is read from the best
 * state's word instead of walked back through tb survivor tables. The same survivors and the same
 * best state as the traceback, so the same decisions. */
static inline __attribute__((always_inline)) void run_exchange_n(const p4_mlse *v, const double *y, size_t n, uint8_t *dec,
                                                                const int ns, const int stride)
{
    double pm[16] = {0};
    uint64_t path[16] = {0}, npath[16];
    uint8_t bk[16];
    const int tb = v->tb, sh = 2 * (tb - 1);
    for (size_t m = 0; m < n; m++) {
        int bs = acs_n(v, pm, y[m], bk, ns, stride);
        for (int s2 = 0; s2 < ns; s2++) {
            int p = (s2 >> 2) + stride * bk[s2];
            npath[s2] = path[p] << 2 | (uint64_t)(p & 3);
        }
        memcpy(path, npath, sizeof path);
        if (m >= (size_t)tb) dec[m - tb] = (uint8_t)(path[bs] >> sh & 3);
    }
    flush_exchange(v, pm, path, n, dec);
}

#if P4_HAVE_AVX
/* Memory 1 by register exchange with the four states in the four lanes of AVX registers. Per state
 * the four candidates pm[k] + (y - yhat[s2][k])^2 are reduced as a tree, (0 vs 1) and (2 vs 3), then
 * the two winners, each comparison strict so that a tie keeps the lower k: the first k attaining the
 * minimum, which is what acs_n's scan in k order keeps. The best state likewise (its value by a
 * tree across the lanes, its index as the first lane attaining it). The same values and the same
 * survivors as acs_n: bit-identical; the loop's serial chain is shorter. */
__attribute__((target("avx"))) static void run_exchange_m1_avx(const p4_mlse *v, const double *y, size_t n, uint8_t *dec)
{
    __m256d yh[4], pm = _mm256_setzero_pd();
    for (int k = 0; k < 4; k++) yh[k] = _mm256_setr_pd(v->yhat[0][k], v->yhat[1][k], v->yhat[2][k], v->yhat[3][k]);
    const __m256d k0 = _mm256_setzero_pd(), k1 = _mm256_set1_pd(1), k2 = _mm256_set1_pd(2), k3 = _mm256_set1_pd(3);
    uint64_t path[4] = {0}, npath[4];
    const int tb = v->tb, sh = 2 * (tb - 1);
    int bs = 0;
    for (size_t m = 0; m < n; m++) {
        const __m256d yv = _mm256_set1_pd(y[m]);
        const __m256d lo = _mm256_permute2f128_pd(pm, pm, 0x00), hi = _mm256_permute2f128_pd(pm, pm, 0x11);
        const __m256d p0 = _mm256_permute_pd(lo, 0x0), p1 = _mm256_permute_pd(lo, 0xF);
        const __m256d p2 = _mm256_permute_pd(hi, 0x0), p3 = _mm256_permute_pd(hi, 0xF);
        __m256d d0 = _mm256_sub_pd(yv, yh[0]), d1 = _mm256_sub_pd(yv, yh[1]);
        __m256d d2 = _mm256_sub_pd(yv, yh[2]), d3 = _mm256_sub_pd(yv, yh[3]);
        __m256d c0 = _mm256_add_pd(p0, _mm256_mul_pd(d0, d0)), c1 = _mm256_add_pd(p1, _mm256_mul_pd(d1, d1));
        __m256d c2 = _mm256_add_pd(p2, _mm256_mul_pd(d2, d2)), c3 = _mm256_add_pd(p3, _mm256_mul_pd(d3, d3));
        __m256d l01 = _mm256_cmp_pd(c1, c0, _CMP_LT_OQ), l23 = _mm256_cmp_pd(c3, c2, _CMP_LT_OQ);
        __m256d m01 = _mm256_blendv_pd(c0, c1, l01), m23 = _mm256_blendv_pd(c2, c3, l23);
        __m256d i01 = _mm256_blendv_pd(k0, k1, l01), i23 = _mm256_blendv_pd(k2, k3, l23);
        __m256d l = _mm256_cmp_pd(m23, m01, _CMP_LT_OQ);
        __m256d bm = _mm256_blendv_pd(m01, m23, l), kk = _mm256_blendv_pd(i01, i23, l);
        /* the best value in every lane: pairs, then halves */
        __m256d sw = _mm256_permute_pd(bm, 0x5);
        __m256d b1 = _mm256_blendv_pd(bm, sw, _mm256_cmp_pd(sw, bm, _CMP_LT_OQ));
        __m256d sw2 = _mm256_permute2f128_pd(b1, b1, 0x01);
        __m256d best = _mm256_blendv_pd(b1, sw2, _mm256_cmp_pd(sw2, b1, _CMP_LT_OQ));
        pm = _mm256_sub_pd(bm, best);
        /* off the chain: the best state (the first lane at the minimum) and the survivors */
        bs = __builtin_ctz((unsigned)_mm256_movemask_pd(_mm256_cmp_pd(bm, best, _CMP_EQ_OQ)) | 16u);
        if (bs > 3) bs = 0; /* no lane equal (NaN): acs_n keeps state 0 */
        double kd[4];
        _mm256_storeu_pd(kd, kk);
        for (int s2 = 0; s2 < 4; s2++) {
            int p = (int)kd[s2];
            npath[s2] = path[p] << 2 | (uint64_t)p;
        }
        memcpy(path, npath, sizeof path);
        if (m >= (size_t)tb) dec[m - tb] = (uint8_t)(path[bs] >> sh & 3);
    }
    double pf[4];
    _mm256_storeu_pd(pf, pm);
    flush_exchange(v, pf, path, n, dec);
}
#endif

/* the loops with the state count a constant (memory 1: 4 states, memory 2: 16) */
static void run_exchange(const p4_mlse *v, const double *y, size_t n, uint8_t *dec)
{
#if P4_HAVE_AVX
    if (v->mem == 1 && __builtin_cpu_supports("avx")) {
        run_exchange_m1_avx(v, y, n, dec);
        return;
    }
#endif
    if (v->mem == 1) run_exchange_n(v, y, n, dec, 4, 1);
    else run_exchange_n(v, y, n, dec, 16, 4);
}

void p4_mlse_run(p4_mlse *v, const double *y, size_t n, uint8_t *dec)
{
    if (v->tb <= 32) {
        run_exchange(v, y, n, dec);
        return;
    }
    double pm[16] = {0};
    const int R = v->tb + 1;
    for (size_t m = 0; m < n; m++) {
        int bs = acs(v, pm, y[m], v->surv + (m % R) * v->ns);
        if (m >= (size_t)v->tb) {
            /* decision for step m - tb: trace back tb steps, then read the state */
            int s = traceback(v, bs, m, v->tb, dec, v->tb);
            dec[m - v->tb] = (uint8_t)(s & 3);
        }
    }
    if (!n) return;
    /* flush: the last min(tb, n) decisions from the final best state */
    int depth = n < (size_t)v->tb ? (int)n : v->tb;
    traceback(v, best_state(v, pm), n - 1, depth, dec, 0);
}
