/* budget.h - where an architecture stops closing: the value of one key (host channel loss,
 * received OMA, fiber length) at which its end-to-end pre-FEC BER reaches measure.target_ber.
 *
 * The end-to-end BER at a point is the sum of the segments' BERs, each segment simulated on its
 * own (compare.budget_symbols symbols); the chained run (arch.h) shows the sum holds where errors
 * are rare (a symbol wrong in two segments is counted twice). Segments a point does not change
 * (the optical segment while the host loss moves) are simulated once: a cache keyed by the
 * segment's configuration. A linear module's CTLE settings are chosen again at every point.
 *
 * Search: from `start`, steps of `step` in the direction in which the link gets worse until the
 * target is crossed (or a bound is reached), then bisect the bracket `bisect` times and interpolate
 * log10(BER) linearly between the last passing and failing points. Searches may run in several
 * threads at once and share one cache (it is locked; a segment one search is simulating is waited
 * for, not simulated twice).
 *
 * Screening (compare.budget_screen): a point first runs a quarter of the symbols; when the Poisson
 * bounds of its error count (99 %, two-sided) put its BER below half the target or above twice it,
 * the point is decided there. Only the decision (which side of the target) steers the search, and a
 * point decided that way would be decided the same by the full run unless its full-length estimate
 * fell more than a factor 2 from a bound it lies beyond, so the search visits the same points; the
 * two points that bracket the crossing, whose BERs the interpolation uses, are always run in full.
 */
#ifndef PAM4SIM_BUDGET_H
#define PAM4SIM_BUDGET_H
#include "pam4sim/arch.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_BUDGET_POINTS 32
#define P4_BER_CACHE 256

typedef struct {
    int n;
    uint64_t key[P4_BER_CACHE];
    double ber[P4_BER_CACHE];
    uint64_t hits, misses;
} p4_ber_cache;

/* Pre-FEC BER of architecture a as the sum over its segments (seg_ber[k] each, NULL: not wanted),
 * symbols per segment; cache may be NULL. plan (may be NULL) receives the plan used. */
p4_status p4_arch_ber_sum(const p4_config *c, p4_arch a, uint64_t symbols, p4_ber_cache *cache, double *ber,
                          double *seg_ber, p4_arch_plan *plan);

typedef enum { P4_BUDGET_FOUND = 0, P4_BUDGET_PASSES_ALL, P4_BUDGET_FAILS_ALL } p4_budget_end;

typedef struct {
    p4_budget_end end;
    double value;                 /* the crossing (FOUND), else the bound reached           */
    int n;                        /* points simulated                                        */
    double x[P4_BUDGET_POINTS], ber[P4_BUDGET_POINTS];
    uint64_t symbols[P4_BUDGET_POINTS]; /* per segment at each point (screened: a quarter)      */
} p4_budget;

/* key: a numeric configuration key; step: signed, towards a worse link; [lo, hi]: the key's bounds. */
p4_status p4_arch_budget(const p4_config *c, p4_arch a, const char *key, double start, double step, double lo, double hi,
                         int bisect, p4_ber_cache *cache, p4_budget *out);

#ifdef __cplusplus
}
#endif
#endif
