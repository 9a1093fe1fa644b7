/* stat_dfe.h - the DFE's error bursts for the statistical eye (private to sim/stat.c; method in
 * stat_dfe.c). */
#ifndef P4_STAT_DFE_H
#define P4_STAT_DFE_H
#include "pam4sim/status.h"
#include <stdint.h>

#define STAT_DFE_MIN_ESS 300 /* below, the sampled figures are not used */

typedef struct {
    const double *cur[2]; /* [ncur] FFE-output cursors at the chosen phase, DFE taps subtracted,
                           * for a victim at an even and an odd index (they differ with DCD);
                           * cur[.][d] is the main cursor                                    */
    int ncur, d;       /* the victim's cursor                                                 */
    const double *dfe; /* [ndfe] the DFE taps                                                 */
    int ndfe;
    const double *xt;  /* crosstalk cursors, aggressor after aggressor, xt_len[a] each         */
    const int *xt_len;
    int nxt;
    const double *ffe, *rn; /* the FFE [nffe] and the noise autocorrelation at symbol lags [nrn] */
    int nffe, nrn;
    double var_white;        /* white Gaussian parts (random jitter, small cursors)            */
    double var_level[4];     /* white noise that depends on the victim's level                 */
    const double *lv, *lvi, *th; /* the line's levels, the receiver's ideal ones, thresholds   */
    uint64_t seed;
} stat_dfe_in;

typedef struct {
    double factor; /* bit errors per burst over those of its first error                        */
    double p1, p;  /* the first continuation's probability, and the later ones'                 */
    double rho;    /* the noise's lag-1 correlation at the FFE output                           */
    int samples;
    double ess;    /* effective samples of the weighted first errors: (sum w)^2 / sum w^2        */
} stat_dfe_out;

p4_status stat_dfe_bursts(const stat_dfe_in *in, stat_dfe_out *out);

#endif
