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
#include <stddef.h>
#include <stdint.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_EYE_BINS 1024
#define P4_EYE_RANGE 2.0
#define P4_EYE_MAX_SPS 128

#define P4_HIST 65 /* histogram bins 0..63, and 64 = "64 or more" */

/* FEC and error-structure counts (zero when unused). */
typedef struct {
    uint64_t codewords;
    uint64_t cw_hist[P4_HIST];     /* RS symbol errors per codeword                          */
    uint64_t cw_failed;            /* > t errors, detected by the decoder                     */
    uint64_t cw_miscorrected;      /* > t errors, decoded to another codeword                  */
    uint64_t rs_symbols, rs_symbol_errors;
    uint64_t rs_events;            /* runs of consecutive erroneous RS symbols in a codeword   */
    uint64_t rs_event_hist[P4_HIST]; /* their lengths                                         */
    uint64_t msg_bits, msg_bit_errors; /* after RS decoding                                    */
    uint64_t inner_blocks, inner_pre_sym_errors, inner_post_sym_errors, inner_detected;
    uint64_t run_hist[P4_HIST];    /* PAM4 symbol-error runs (consecutive) by length           */
    uint64_t event_hist[P4_HIST];  /* PAM4 error events (gap <= burst gap) by errors per event */
    uint64_t dfe_symbol_errors, dfe_bit_errors; /* the DFE's decisions when MLSE decides      */
    uint64_t adc_clips, cdr_slips, dsp_units;
    int64_t cdr_freq_nppm_sum;     /* loop integrator at each unit's end [1e-9 ppm], summed:
                                    * an integer, so that any merge order gives the same bits */
} p4_fec_counts;

/* p4_fec_counts as an array of 64-bit words (merging, checkpoints, MPI reductions). */
#define P4_FEC_WORDS (sizeof(p4_fec_counts) / sizeof(uint64_t))
#ifdef __cplusplus
static_assert(sizeof(p4_fec_counts) % sizeof(uint64_t) == 0, "p4_fec_counts must be whole 64-bit words");
#else
_Static_assert(sizeof(p4_fec_counts) % sizeof(uint64_t) == 0, "p4_fec_counts must be whole 64-bit words");
#endif

typedef struct {
    uint64_t symbols, symbol_errors, bits, bit_errors;
    uint64_t eye_symbols;
    int sps;
    uint32_t *eye; /* [4][sps][P4_EYE_BINS], NULL if no eye */
    p4_fec_counts fec;
} p4_counts;

p4_status p4_counts_init(p4_counts *c, int sps, int with_eye);
void p4_counts_add(p4_counts *dst, const p4_counts *src);
/* Zero every count, keeping the eye buffer (zeroed too when eye_too). */
void p4_counts_clear(p4_counts *c, int eye_too);
void p4_counts_free(p4_counts *c);
/* The counts as 64-bit words: the five totals, p4_fec_counts, then the eye histogram (if any), one
 * word per bin. Returns the number of words (w NULL: only count them). Unpack adds nothing: it sets. */
size_t p4_counts_pack(const p4_counts *c, uint64_t *w);
void p4_counts_unpack(p4_counts *c, const uint64_t *w);

/* Count n decisions got[] against sent[]: symbols, symbol and bit errors, runs of consecutive symbol
 * errors and error events (errors closer than burst_gap correct symbols belong to one event). */
void p4_counts_compare(p4_counts *c, const uint8_t *sent, const uint8_t *got, size_t n, size_t burst_gap);

/* 95 % Clopper-Pearson interval for k events in n trials. */
void p4_clopper_pearson(uint64_t k, uint64_t n, double *lo, double *hi);

typedef struct {
    double height[3];    /* normalized (outer levels at +-1); NAN if too few samples; 0 if closed */
    double width_ui[3];
    double spacing[3];   /* mean level spacing at the nominal phase */
    double vec_db;       /* worst eye */
    uint64_t min_level_samples;
} p4_eye;

/* Frame loss ratio extrapolated from the counts, for rates too low to count (NAN when no RS symbol
 * error was seen). binomial: RS symbol errors independent with the measured ratio p,
 * FLR = P[Bin(544, p) > 15]. compound: error events Poisson with the measured rate per codeword,
 * each with a length drawn from the measured event-length histogram (Panjer's recursion), which
 * keeps the burstiness of a DFE; FLR = P[total > 15]. */
void p4_fec_extrapolate(const p4_fec_counts *f, double *flr_binomial, double *flr_compound);

/* th: slicer thresholds (normalized); ber: probability per level tail. */
void p4_eye_measure(const p4_counts *c, const double th[3], double ber, p4_eye *out);

#ifdef __cplusplus
}
#endif
#endif
