/* pam4.h - PAM4 symbol mapping: Gray bits, 1/(1+D) precoding, levels with RLM, the slicer.
 *
 * Symbols are Gray-coded level indices 0..3 (0 = lowest level). Bits {A,B}, A first in time:
 * 00->0, 01->1, 11->2, 10->3 (802.3 Clause 120). Precoder (SPEC 5): P(j) = (G(j) - P(j-1)) mod 4,
 * decoder G(j) = (P(j) + P(j-1)) mod 4, initial state P(-1) = 0.
 *
 * Levels: outer levels at -1 and +1, inner levels at -rlm/3 and +rlm/3, so that the 802.3 120D
 * level-mismatch ratio RLM = min(3ES1, 3ES2, 2-3ES1, 2-3ES2) equals rlm for 0 < rlm <= 1.
 */
#ifndef PAM4SIM_PAM4_H
#define PAM4SIM_PAM4_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

/* Gray code bits A<<1|B of a symbol. */
static inline unsigned p4_sym_bits(uint8_t s) { return (unsigned)(s ^ (s >> 1)); }
/* Number of differing bits between two symbols (0..2). */
static inline int p4_bit_errors(uint8_t a, uint8_t b) { return __builtin_popcount(p4_sym_bits(a) ^ p4_sym_bits(b)); }

/* In-place precoder / decoder over a block; *state carries P(j-1) between blocks (start at 0). */
void p4_precode(uint8_t *sym, size_t n, uint8_t *state);
void p4_precode_decode(uint8_t *sym, size_t n, uint8_t *state);

/* The four normalized levels for a level-mismatch ratio rlm (0 < rlm <= 1). */
void p4_levels(double rlm, double lv[4]);
/* Slicer thresholds midway between adjacent levels. */
void p4_thresholds(const double lv[4], double th[3]);
static inline uint8_t p4_slice(double x, const double th[3])
{
    return (uint8_t)((x > th[0]) + (x > th[1]) + (x > th[2]));
}

#ifdef __cplusplus
}
#endif
#endif
