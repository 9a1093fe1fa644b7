/* rng.h - reproducible random streams: xoshiro256** with a ziggurat Gaussian.
 *
 * Every random stream in a run is derived from (master seed, work-unit index, stream id) with
 * SplitMix64, never from a thread, so results do not depend on how work is scheduled.
 * Why not gsl_rng: one indirect call per draw, and Gaussian noise is drawn for every sample of
 * every waveform (the hot path). The Gaussian is Doornik's 128-layer ziggurat (ZIGNOR), exact in the
 * tails (the tail beyond R = 3.4426 uses Marsaglia's exponential method), which the SER-versus-erfc
 * test checks down to 1e-5.
 */
#ifndef PAM4SIM_RNG_H
#define PAM4SIM_RNG_H
#include <stdint.h>
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct { uint64_t s[4]; } p4_rng;

/* Stream ids: one per independent random source in a link. */
enum { P4_STREAM_DATA = 1, P4_STREAM_NOISE = 2, P4_STREAM_JITTER = 3, P4_STREAM_ADC = 4, P4_STREAM_OPTICS = 5, P4_STREAM_VARY = 6, P4_STREAM_XTALK = 16 };

/* Seed a stream from (seed, unit, stream). */
/* Build the Gaussian sampler's tables (once; p4_init() does it; later calls are free). */
void p4_rng_init(void);
void p4_rng_seed(p4_rng *r, uint64_t seed, uint64_t unit, uint64_t stream);

static inline uint64_t p4_rng_u64(p4_rng *r)
{
    uint64_t *s = r->s;
    uint64_t x = s[1] * 5;
    uint64_t res = ((x << 7) | (x >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return res;
}
/* Uniform in [0, 1) with 53 random bits. */
static inline double p4_rng_uniform(p4_rng *r) { return (double)(p4_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0); /* 2^-53 */ }

/* One standard normal deviate. */
double p4_rng_gauss(p4_rng *r);
/* Fill out[0..n) with sigma * N(0,1). */
void p4_rng_gauss_fill(p4_rng *r, double *out, size_t n, double sigma);

#ifdef __cplusplus
}
#endif
#endif
