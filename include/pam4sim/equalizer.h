/* equalizer.h - symbol-rate equalizers: FFE (TX and RX), DFE with the PAM4 slicer, and the MMSE
 * design of FFE + DFE coefficients.
 *
 * FFE: out[k] = sum_i c[i] in[k - i], blocks with history, the loop over k innermost so it
 * vectorises. DFE: z[k] = y[k] - sum_j b[j] level(dec[k-1-j]) and dec[k] = slice(z[k]); its own
 * decisions feed back, so error propagation is real.
 * MMSE (p4_mmse_design): given the symbol-spaced pulse response p[0..np) at the sampling phase with
 * its main cursor at index `cursor`, the FFE has nffe taps of which npre are before the main tap, so
 * the decision delay is d = cursor + npre. With ideal past decisions the DFE removes post-cursors
 * d+1..d+ndfe; the FFE minimises E|w'x - a(k-d)|^2 over the rest:
 *   R = s2 sum_{m not in DFE} P_m P_m' + Rn,   w = R^-1 (s2 P_d)     (Cholesky, GSL)
 * where P_m[i] = p[m - i], s2 is the symbol variance and Rn[i][j] = rn[|i - j|] the noise
 * autocorrelation at the FFE input. w is then scaled so the equalized main cursor is exactly 1
 * (unbiased), b[j] = (w * p)[d + 1 + j], and snr = s2 / (residual ISI + w' Rn w).
 */
#ifndef PAM4SIM_EQUALIZER_H
#define PAM4SIM_EQUALIZER_H
#include <stddef.h>
#include <stdint.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int ntaps;
    double *c;     /* taps */
    double *work;  /* history (ntaps-1) followed by the block */
    size_t cap;
} p4_ffe;

p4_ffe *p4_ffe_create(const double *taps, int ntaps);
void p4_ffe_run(p4_ffe *f, const double *in, size_t n, double *out);
void p4_ffe_reset(p4_ffe *f);
void p4_ffe_destroy(p4_ffe *f);

typedef struct {
    int ntaps;
    double b[64];
    double lv[4], th[3];
    double past[64]; /* levels of the last decisions, most recent first */
} p4_dfe;

/* ntaps 0..64; lv: the four equalized levels; thresholds midway. */
p4_status p4_dfe_init(p4_dfe *d, const double *b, int ntaps, const double lv[4]);
void p4_dfe_reset(p4_dfe *d);
/* y -> slicer input z, the feedback subtracted fb (may be NULL), decisions dec. */
void p4_dfe_run(p4_dfe *d, const double *y, size_t n, double *z, double *fb, uint8_t *dec);

p4_status p4_mmse_design(const double *p, int np, int cursor, const double *rn, double s2, int nffe, int npre,
                         int ndfe, double *w, double *b, double *snr);
/* Given FFE taps w (scaled in place to an equalized main cursor of 1): DFE taps and SNR as above. */
p4_status p4_mmse_evaluate(const double *p, int np, int cursor, const double *rn, double s2, int nffe, int npre,
                           int ndfe, double *w, double *b, double *snr);

#ifdef __cplusplus
}
#endif
#endif
