/* prbs.c - LFSR test patterns, SSPRQ and seeded random symbols (see prbs.h).
 *
 * SSPRQ is built once into a static table of 65535 symbols (SPEC 5): three PRBS31 sections of
 * 10924/10922/10922 bits from seeds 0x00000002, 0x34013FF7, 0x0CCCCCCC make A (32768 bits);
 * seq1 = Gray(A), seq2 = 3 - Gray(A), B = (A||A) without its first and last bit, seq3 =
 * Gray(B[0:32766]), seq4 = 3 - Gray(last 32768 bits of B).
 */
#include "pam4sim/prbs.h"
#include "pam4sim/rng.h"
#include "pam4sim/status.h"
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const uint8_t gray_of_code[4] = {0, 1, 3, 2}; /* code A<<1|B -> level index */

void p4_lfsr_init(p4_lfsr *l, int degree, const int *lags, int nlags, uint32_t seed, int invert)
{
    l->degree = degree;
    l->mask = degree >= 32 ? 0xFFFFFFFFu : ((1u << degree) - 1);
    l->taps = 0;
    for (int i = 0; i < nlags; i++) l->taps |= 1u << (lags[i] - 1); /* b[n-lag] sits in S(lag-1) */
    l->state = seed & l->mask;
    l->invert = invert;
}

int p4_lfsr_bit(p4_lfsr *l)
{
    int fb = __builtin_parity(l->state & l->taps);
    l->state = ((l->state << 1) | (uint32_t)fb) & l->mask;
    return fb ^ l->invert;
}

/* GF(2) matrices as columns: col[j] = image of basis vector e_j. */
typedef struct { uint32_t col[32]; int n; } gf2mat;

static uint32_t gf2_apply(const gf2mat *m, uint32_t v)
{
    uint32_t r = 0;
    for (int j = 0; j < m->n; j++)
        if (v >> j & 1) r ^= m->col[j];
    return r;
}

static gf2mat gf2_mul(const gf2mat *a, const gf2mat *b) /* a*b */
{
    gf2mat r = {.n = a->n};
    for (int j = 0; j < a->n; j++) r.col[j] = gf2_apply(a, b->col[j]);
    return r;
}

void p4_lfsr_jump(p4_lfsr *l, uint64_t k)
{
    gf2mat step = {.n = l->degree};
    for (int j = 0; j < l->degree; j++) {
        uint32_t e = 1u << j;
        step.col[j] = ((e << 1) | (uint32_t)__builtin_parity(e & l->taps)) & l->mask;
    }
    uint32_t s = l->state;
    while (k) {
        if (k & 1) s = gf2_apply(&step, s);
        step = gf2_mul(&step, &step);
        k >>= 1;
    }
    l->state = s;
}

typedef enum { KIND_LFSR, KIND_SSPRQ, KIND_RANDOM } pat_kind;

typedef struct {
    const char *name;
    int degree, nlags, lags[4];
    uint32_t seed;
    int invert;
} lfsr_def;

static const lfsr_def defs[] = {
    {"prbs7", 7, 2, {6, 7}, 0x7F, 0},
    {"prbs9", 9, 2, {5, 9}, 0x1FF, 0},
    {"prbs13", 13, 4, {1, 2, 12, 13}, 0x1FFF, 0},
    {"prbs15", 15, 2, {14, 15}, 0x7FFF, 1},
    {"prbs23", 23, 2, {18, 23}, 0x7FFFFF, 1},
    {"prbs31", 31, 2, {28, 31}, 0x7FFFFFFF, 1},
    {"prbs9q", 9, 2, {5, 9}, 0x1FF, 0},
    {"prbs13q", 13, 4, {1, 2, 12, 13}, 0x1AA0, 0},
    {"prbs31q", 31, 2, {28, 31}, 0x7FFFFFFF, 1},
};
#define NDEFS (sizeof defs / sizeof defs[0])

struct p4_pattern {
    pat_kind kind;
    const lfsr_def *def;
    p4_lfsr lfsr;
    uint64_t pos, seed; /* symbol position (ssprq), seed (random) */
    p4_rng rng;
};

#define SSPRQ_LEN 65535
static uint8_t ssprq_tab[SSPRQ_LEN];
static int ssprq_ready;

static void ssprq_build(void)
{
    static const struct { uint32_t seed; int nbits; } sec[3] = {
        {0x00000002u, 10924}, {0x34013FF7u, 10922}, {0x0CCCCCCCu, 10922}};
    static uint8_t A[32768], B[65534];
    int n = 0;
    const int lags[2] = {28, 31};
    for (int s = 0; s < 3; s++) {
        p4_lfsr l;
        p4_lfsr_init(&l, 31, lags, 2, sec[s].seed, 1);
        for (int i = 0; i < sec[s].nbits; i++) A[n++] = (uint8_t)p4_lfsr_bit(&l);
    }
    memcpy(B, A + 1, 32767);
    memcpy(B + 32767, A, 32767);
    int k = 0;
    for (int i = 0; i < 32768; i += 2) ssprq_tab[k++] = gray_of_code[A[i] << 1 | A[i + 1]];
    for (int i = 0; i < 32768; i += 2) ssprq_tab[k++] = 3 - gray_of_code[A[i] << 1 | A[i + 1]];
    for (int i = 0; i < 32766; i += 2) ssprq_tab[k++] = gray_of_code[B[i] << 1 | B[i + 1]];
    for (int i = 65534 - 32768; i < 65534; i += 2) ssprq_tab[k++] = 3 - gray_of_code[B[i] << 1 | B[i + 1]];
    ssprq_ready = 1;
}

const char *p4_pattern_names(void)
{
    return "prbs7, prbs9, prbs13, prbs15, prbs23, prbs31, prbs9q, prbs13q, prbs31q, ssprq, random";
}

p4_pattern *p4_pattern_create(const char *name, uint64_t seed)
{
    p4_pattern *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->seed = seed;
    if (!strcasecmp(name, "ssprq")) {
        if (!ssprq_ready) ssprq_build();
        p->kind = KIND_SSPRQ;
    } else if (!strcasecmp(name, "random")) {
        p->kind = KIND_RANDOM;
    } else {
        for (size_t i = 0; i < NDEFS; i++)
            if (!strcasecmp(name, defs[i].name)) p->def = &defs[i];
        if (!p->def) {
            free(p);
            p4_error(P4_EINVAL, "p4_pattern_create: unknown pattern '%s' (allowed: %s)", name,
                     p4_pattern_names());
            return NULL;
        }
        p->kind = KIND_LFSR;
    }
    p4_pattern_seek(p, 0);
    return p;
}

uint64_t p4_pattern_period(const p4_pattern *p)
{
    if (p->kind == KIND_SSPRQ) return SSPRQ_LEN;
    if (p->kind == KIND_RANDOM) return 0;
    uint64_t bits = (1ull << p->def->degree) - 1; /* odd: two bit periods per symbol period */
    return bits;
}

const char *p4_pattern_name(const p4_pattern *p)
{
    return p->kind == KIND_SSPRQ ? "ssprq" : p->kind == KIND_RANDOM ? "random" : p->def->name;
}

void p4_pattern_seek(p4_pattern *p, uint64_t k)
{
    p->pos = k;
    if (p->kind == KIND_LFSR) {
        const lfsr_def *d = p->def;
        p4_lfsr_init(&p->lfsr, d->degree, d->lags, d->nlags, d->seed, d->invert);
        uint64_t period = (1ull << d->degree) - 1;
        p4_lfsr_jump(&p->lfsr, (2 * (k % period)) % period);
    } else if (p->kind == KIND_RANDOM) {
        p4_rng_seed(&p->rng, p->seed, k, P4_STREAM_DATA);
    }
}

void p4_pattern_run(p4_pattern *p, uint8_t *sym, size_t n)
{
    switch (p->kind) {
    case KIND_LFSR:
        for (size_t i = 0; i < n; i++) {
            int a = p4_lfsr_bit(&p->lfsr);
            int b = p4_lfsr_bit(&p->lfsr);
            sym[i] = gray_of_code[a << 1 | b];
        }
        break;
    case KIND_SSPRQ:
        for (size_t i = 0; i < n; i++) {
            sym[i] = ssprq_tab[p->pos % SSPRQ_LEN];
            p->pos++;
        }
        return;
    case KIND_RANDOM:
        for (size_t i = 0; i < n;) {
            uint64_t r = p4_rng_u64(&p->rng);
            for (int j = 0; j < 32 && i < n; j++, i++, r >>= 2) sym[i] = (uint8_t)(r & 3);
        }
        break;
    }
    p->pos += n;
}

void p4_pattern_destroy(p4_pattern *p) { free(p); }
