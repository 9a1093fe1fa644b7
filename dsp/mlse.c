/* mlse.c - Viterbi MLSE for PAM4 with 1- or 2-symbol ISI memory (see mlse.h); traceback up to 32
 * by register exchange, longer by walking the stored survivors back.
 * State s = a_m + 4 a_{m-1} (memory 2) or a_m (memory 1). The predecessors of s' are
 * (s' >> 2) + 4^(M-1) k, k = 0..3; the branch s -> s' has yhat = L(s' & 3) + t1 L(s & 3) + t2 L(s >> 2).
 */
#include "pam4sim/mlse.h"
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
    if (!n) return;
    /* flush: the last min(tb, n) decisions from the final best state */
    int bs = best_state(v, pm);
    size_t depth = n < (size_t)tb ? n : (size_t)tb;
    dec[n - 1] = (uint8_t)(bs & 3);
    for (size_t j = 1; j < depth; j++) dec[n - 1 - j] = (uint8_t)(path[bs] >> (2 * (j - 1)) & 3);
}

/* the loops with the state count a constant (memory 1: 4 states, memory 2: 16) */
static void run_exchange(const p4_mlse *v, const double *y, size_t n, uint8_t *dec)
{
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
