/* measure.h - counting and the figures made from counts: BER/SER with a 95 % Clopper-Pearson
 * interval, and eye heights, widths and VEC from the eye histogram at the slicer input.
 *
 * The eye histogram holds, for each transmitted level (0..3), each sampling phase offset (sps
 * offsets from -UI/2 to +UI/2 around the chosen phase) and each of P4_EYE_BINS amplitude bins over
 * [-P4_EYE_RANGE, P4_EYE_RANGE] (normalized: outer levels at +-1), the number of slicer-input samples.
 * The equalizer is applied at every phase with the nominal phase's DFE feedback, which is what a
 * sampling-phase sweep of the real slicer sees.
 * Eye height at BER b: for the eye between levels i and i+1, the lowest value the upper level's
 * samples reach with probability b minus the highest the lower level's reach with probability b.
 * Width: the span of phase around the nominal over which both tails stay clear of the threshold,
 * the crossings interpolated linearly. VEC = 20 log10(level spacing / height).
 */
#ifndef PAM4SIM_MEASURE_H
#define PAM4SIM_MEASURE_H
#include <stdint.h>
#include "pam4sim/status.h"

#define P4_EYE_BINS 1024
#define P4_EYE_RANGE 2.0
#define P4_EYE_MAX_SPS 128

typedef struct {
    uint64_t symbols, symbol_errors, bits, bit_errors;
    uint64_t eye_symbols;
    int sps;
    uint32_t *eye; /* [4][sps][P4_EYE_BINS], NULL if no eye */
} p4_counts;

p4_status p4_counts_init(p4_counts *c, int sps, int with_eye);
void p4_counts_add(p4_counts *dst, const p4_counts *src);
void p4_counts_free(p4_counts *c);

/* 95 % Clopper-Pearson interval for k events in n trials. */
void p4_clopper_pearson(uint64_t k, uint64_t n, double *lo, double *hi);

typedef struct {
    double height[3];    /* normalized (outer levels at +-1); NAN if too few samples; 0 if closed */
    double width_ui[3];
    double spacing[3];   /* mean level spacing at the nominal phase */
    double vec_db;       /* worst eye */
    uint64_t min_level_samples;
} p4_eye;

/* th: slicer thresholds (normalized); ber: probability per level tail. */
void p4_eye_measure(const p4_counts *c, const double th[3], double ber, p4_eye *out);

#endif
