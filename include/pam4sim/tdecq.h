/* tdecq.h - transmitter and dispersion eye closure, quaternary (TDECQ), as 802.3 121.8.5 defines it.
 *
 * Input: one period of a periodic optical power waveform (the SSPRQ pattern) at sps samples/UI.
 *  1. A 4th-order Bessel-Thomson reference receiver (default baud/2), applied circularly (the
 *     waveform is one period of a periodic signal).
 *  2. Pave: the waveform's mean. OMAouter = P3 - P0, each the mean over the central 2 UI of the
 *     pattern's longest run of that level. ER = P3/P0.
 *  3. The time reference is the circular mean of the times the filtered waveform crosses Pave; the
 *     two histogram windows, 0.04 UI wide, are centred 0.45 and 0.55 UI after it. Each window is
 *     sampled at 5 evenly spaced instants (linear interpolation between samples).
 *  4. A T-spaced FFE of `ntaps` taps summing to 1 (main tap in the middle): first the constrained
 *     least-squares fit to the ideal levels at the eye centre, then (optimize) Nelder-Mead on the
 *     TDECQ itself.
 *  5. Thresholds Pave - OMA/3, Pave, Pave + OMA/3. For each window the SER with added Gaussian noise
 *     of rms s = sigma Ceq at the equalizer output, each sample taken as the symbol of the region it
 *     lies in: Q((y - lower)/s) + Q((upper - y)/s) with one term for the outer regions, averaged.
 *     sigma_G: the largest sigma for which SER <= target, the smaller of the two windows.
 *  6. TDECQ = 10 log10((OMAouter / 6) / (Qt sqrt(sigma_G^2 + sigma_S^2))), Qt from 1.5 Q(Qt) =
 *     target SER. Ceq: the FFE's noise enhancement for noise white at the reference receiver's input,
 *     sqrt(sum_ij c_i c_j rho(i - j)), rho the autocorrelation of that noise after the receiver at
 *     lags of whole UI [U: SPEC 3 gives sqrt(sum c_i^2), which is the same only for noise white at
 *     the equalizer's input; the noise the method adds is seen through the reference receiver].
 */
#ifndef PAM4SIM_TDECQ_H
#define PAM4SIM_TDECQ_H
#include <stddef.h>
#include <stdint.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_TDECQ_MAX_TAPS 31

typedef struct {
    int sps, ntaps, optimize;
    double baud_hz, ref_hz;      /* reference receiver 3-dB frequency */
    double target_ser, scope_noise_w;
} p4_tdecq_params;

typedef struct {
    double tdecq_db, ceq, qt;
    double oma_outer_w, pave_w, p3_w, p0_w, er_db;
    double sigma_g_w, sigma_left_w, sigma_right_w;
    double t_cross_ui;           /* crossing time within the UI of the capture grid */
    int ntaps;
    double taps[P4_TDECQ_MAX_TAPS];
    double tdecq_mmse_db;        /* with the least-squares equalizer alone */
    int evaluations;
} p4_tdecq_result;

/* P[0..nsym*sps): one period of the waveform [W]; sym[0..nsym): the pattern's symbols (0..3) in
 * order; the waveform may lag the symbols by any delay (found by correlation). */
p4_status p4_tdecq_measure(const double *P, const uint8_t *sym, size_t nsym, const p4_tdecq_params *p,
                           p4_tdecq_result *r);

#ifdef __cplusplus
}
#endif
#endif
