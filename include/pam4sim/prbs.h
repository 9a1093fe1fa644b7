/* prbs.h - PAM4 test patterns exactly as 802.3 Clause 120 defines them (SPEC.md section 5).
 *
 * Every pattern is an endless, periodic stream of PAM4 symbols 0..3 (Gray-coded level indices;
 * 0 is the lowest level). Binary PRBSn patterns are mapped two bits per symbol, the first bit in time
 * being the MSB {A,B} of the Gray code 00->0, 01->1, 11->2, 10->3.
 *
 * LFSR convention (802.3): the feedback bit is shifted into S0 and is also the output bit; a seed
 * "S0..S(n-1)" loads bit i into Si. p4_pattern_seek() jumps anywhere in the stream in O(log k) by
 * raising the LFSR's GF(2) state matrix to the k-th power, so a work unit can start at any symbol.
 *
 *   name     polynomial                 seed          output    period (symbols)
 *   prbs7    x^7+x^6+1                  all ones      plain     127
 *   prbs9    x^9+x^5+1                  all ones      plain     511
 *   prbs13   x^13+x^12+x^2+x+1          all ones      plain     8191
 *   prbs15   x^15+x^14+1                all ones      inverted  32767   (ITU-T O.150)
 *   prbs23   x^23+x^18+1                all ones      inverted  8388607 (ITU-T O.150)
 *   prbs31   x^31+x^28+1                all ones      inverted  2^31-1  (ITU-T O.150)
 *   prbs9q   x^9+x^5+1                  all ones      plain     511
 *   prbs13q  x^13+x^12+x^2+x+1          0x1AA0        plain     8191
 *   prbs31q  x^31+x^28+1                all ones      inverted  2^31-1
 *   ssprq    three PRBS31 sections, Gray and inverted-Gray halves (SPEC 5)      65535
 *   random   uniform i.i.d. symbols from a seeded stream                         -
 */
#ifndef PAM4SIM_PRBS_H
#define PAM4SIM_PRBS_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct p4_pattern p4_pattern;

/* Create a pattern by name (case-insensitive, see the table). seed is used by "random" only.
 * Returns NULL (p4_last_error() names the allowed names) for an unknown name. */
p4_pattern *p4_pattern_create(const char *name, uint64_t seed);
/* Position the stream so the next symbol produced is symbol index k (0 = the first). For "random",
 * re-seeds the stream from (seed, k). */
void p4_pattern_seek(p4_pattern *p, uint64_t k);
/* Produce the next n symbols. */
void p4_pattern_run(p4_pattern *p, uint8_t *sym, size_t n);
/* Period in symbols (0 for random). */
uint64_t p4_pattern_period(const p4_pattern *p);
const char *p4_pattern_name(const p4_pattern *p);
void p4_pattern_destroy(p4_pattern *p);
/* The allowed names, comma-separated, for error messages and help. */
const char *p4_pattern_names(void);

/* A single binary LFSR, exposed for tests and for FEC scramblers later: lags are the recursion's
 * delays, b[n] = XOR of b[n - lag]. */
typedef struct { uint32_t state, mask; int degree; uint32_t taps; int invert; } p4_lfsr;
void p4_lfsr_init(p4_lfsr *l, int degree, const int *lags, int nlags, uint32_t seed, int invert);
int p4_lfsr_bit(p4_lfsr *l);
/* Advance by k bits in O(degree^2 log k). */
void p4_lfsr_jump(p4_lfsr *l, uint64_t k);

#ifdef __cplusplus
}
#endif
#endif
