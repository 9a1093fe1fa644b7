/* rng.c - seeding and the ziggurat Gaussian (see rng.h for the design). */
#include "pam4sim/rng.h"
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void p4_rng_seed(p4_rng *r, uint64_t seed, uint64_t unit, uint64_t stream)
{
    uint64_t x = seed;
    uint64_t a = splitmix64(&x);
    x = a ^ (unit * 0xD1B54A32D192ED03ull);
    uint64_t b = splitmix64(&x);
    x = b ^ (stream * 0x8CB92BA72F3D8DD7ull);
    for (int i = 0; i < 4; i++) r->s[i] = splitmix64(&x);
    if (!(r->s[0] | r->s[1] | r->s[2] | r->s[3])) r->s[0] = 1;
}

/* Doornik (2005), "An improved ziggurat method to generate normal random samples". */
#define ZIG_C 128
#define ZIG_R 3.442619855899
#define ZIG_V 9.91256303526217e-3
static double zig_x[ZIG_C + 1], zig_r[ZIG_C];
static atomic_int zig_ready;
static pthread_once_t zig_once = PTHREAD_ONCE_INIT;

static void zig_init(void)
{
    double f = exp(-0.5 * ZIG_R * ZIG_R);
    zig_x[0] = ZIG_V / f;
    zig_x[1] = ZIG_R;
    zig_x[ZIG_C] = 0;
    for (int i = 2; i < ZIG_C; i++) {
        zig_x[i] = sqrt(-2 * log(ZIG_V / zig_x[i - 1] + f));
        f = exp(-0.5 * zig_x[i] * zig_x[i]);
    }
    for (int i = 0; i < ZIG_C; i++) zig_r[i] = zig_x[i + 1] / zig_x[i];
    atomic_store_explicit(&zig_ready, 1, memory_order_release);
}

void p4_rng_init(void) { pthread_once(&zig_once, zig_init); }

static inline void zig_need(void)
{
    if (!atomic_load_explicit(&zig_ready, memory_order_acquire)) p4_rng_init();
}

static double uniform_open(p4_rng *r) /* (0, 1] */
{
    return (double)((p4_rng_u64(r) >> 11) + 1) * 0x1p-53;
}

static double zig_tail(p4_rng *r, int negative)
{
    double x, y;
    do {
        x = log(uniform_open(r)) / ZIG_R;
        y = log(uniform_open(r));
    } while (-2 * y < x * x);
    return negative ? x - ZIG_R : ZIG_R - x;
}

/* The layers beyond the rectangle: the wedge test or the tail; loops until accepted. */
static double zig_slow(p4_rng *r, double u, unsigned i)
{
    for (;;) {
        if (i == 0) return zig_tail(r, u < 0);
        double x = u * zig_x[i];
        double f0 = exp(-0.5 * (zig_x[i] * zig_x[i] - x * x));
        double f1 = exp(-0.5 * (zig_x[i + 1] * zig_x[i + 1] - x * x));
        if (f1 + p4_rng_uniform(r) * (f0 - f1) < 1.0) return x;
        uint64_t b = p4_rng_u64(r);
        u = 2.0 * ((double)(b >> 11) * 0x1p-53) - 1.0;
        i = (unsigned)(b & 0x7F);
        if (fabs(u) < zig_r[i]) return u * zig_x[i];
    }
}

double p4_rng_gauss(p4_rng *r)
{
    zig_need();
    uint64_t b = p4_rng_u64(r);
    double u = 2.0 * ((double)(b >> 11) * 0x1p-53) - 1.0;
    unsigned i = (unsigned)(b & 0x7F);
    if (fabs(u) < zig_r[i]) return u * zig_x[i];
    return zig_slow(r, u, i);
}

/* The generator's state in a local copy, which stays in registers (through *r, every draw would
 * store it and the next load it back: a store-to-load wait on the chain from draw to draw); *r is
 * brought up to date around the rare slow path, so the stream is the same draw for draw. */
void p4_rng_gauss_fill(p4_rng *r, double *out, size_t n, double sigma)
{
    zig_need();
    p4_rng st = *r;
    for (size_t k = 0; k < n; k++) {
        uint64_t b = p4_rng_u64(&st);
        double u = 2.0 * ((double)(b >> 11) * 0x1p-53) - 1.0;
        unsigned i = (unsigned)(b & 0x7F);
        double g;
        if (fabs(u) < zig_r[i])
            g = u * zig_x[i];
        else {
            *r = st;
            g = zig_slow(r, u, i);
            st = *r;
        }
        out[k] = sigma * g;
    }
    *r = st;
}
