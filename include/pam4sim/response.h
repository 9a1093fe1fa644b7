/* response.h - frequency responses on an FFT grid, and the impulse responses made from them.
 *
 * Every linear analog block of a link (TX bandwidth, channel, RX noise filter, CTLE) is described by
 * its frequency response sampled on one grid: bin k at k*fs/n for k = 0..n/2 (fs = baud * sps). The
 * link multiplies them and inverse-transforms once, so the whole linear chain runs as one FIR through
 * FFTW overlap-save (fir.h): cheaper than a chain of recursive filters at 16 samples/UI and free of
 * bilinear-transform warping.
 *
 * Measured data (Touchstone SDD21) onto the grid (p4_fresp_from_samples):
 *  - a uniform grid from DC (or from its step; DC is then the first point's magnitude, real) whose
 *    step divides fs: the file's own impulse response (inverse transform over its 1/step period,
 *    the second half negative time) laid into the grid's period and transformed, so every file point
 *    is kept exactly and the bins between are the time-limited interpolation;
 *  - otherwise between file points: magnitude and unwrapped phase interpolated linearly;
 *  - below the first file frequency (DC extrapolation): magnitude held at the first point, phase taken
 *    linearly to 0 at DC (a real, positive DC response); a 0 Hz point is forced real;
 *  - above the last file frequency f_max: zero, optionally reached through a raised-cosine taper
 *    over [f_max (1 - taper), f_max] (the link's default 0: a taper changes the data).
 * Analytic blocks: Gaussian (|H| = exp(-ln2/2 (f/B)^2), zero phase), Bessel-Thomson and Butterworth
 * of any order normalized to their 3-dB frequency, the COM continuous-time CTLE, a symbol-spaced tap
 * channel, and the loss model (lossmodel.c).
 */
#ifndef PAM4SIM_RESPONSE_H
#define PAM4SIM_RESPONSE_H
#include "pam4sim/cplx.h"
#include <stddef.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    size_t n;          /* time-domain length (even); n/2 + 1 bins */
    double fs_hz;      /* sample rate                            */
    p4_complex *H; /* H[k] at k * fs_hz / n                    */
} p4_fresp;

p4_fresp *p4_fresp_create(size_t n, double fs_hz); /* all ones */
void p4_fresp_free(p4_fresp *r);
p4_fresp *p4_fresp_copy(const p4_fresp *r);
void p4_fresp_mul(p4_fresp *a, const p4_fresp *b); /* a *= b */
static inline double p4_fresp_freq(const p4_fresp *r, size_t k) { return (double)k * r->fs_hz / (double)r->n; }
/* |H(f)| in dB by linear interpolation between bins. */
double p4_fresp_db_at(const p4_fresp *r, double f_hz);

/* Measured samples h(f) onto the grid, as described above; taper in [0, 0.5]. */
p4_status p4_fresp_from_samples(p4_fresp *r, const double *f_hz, const p4_complex *h, size_t nf,
                                double taper);
/* The same for h raised to `power` (finite; a line `power` times as long as the measured one of
 * the same construction): |h|^power in magnitude and power x the unwrapped phase, taken at the
 * file's points before the interpolation. power = 1 is p4_fresp_from_samples exactly. */
p4_status p4_fresp_from_samples_pow(p4_fresp *r, const double *f_hz, const p4_complex *h, size_t nf,
                                    double taper, double power);
void p4_fresp_gaussian(p4_fresp *r, double f3db_hz);
/* Bessel-Thomson low-pass of order 1..10, normalized so |H(f3db)| = 1/sqrt(2). */
p4_status p4_fresp_bessel(p4_fresp *r, int order, double f3db_hz);
void p4_fresp_butterworth(p4_fresp *r, int order, double f3db_hz);
/* A raised-cosine taper from 1 at (1 - fraction) of the grid's Nyquist frequency to 0 at Nyquist
 * (fraction in (0, 1]; 0: no change). An analog response evaluated on the grid (a Butterworth) keeps a
 * value at Nyquist whose odd (imaginary) part the real impulse response cannot carry: the periodic
 * spectrum jumps there, and the impulse response keeps a spurious 1/t tail (2nd order at 55 GHz on
 * a 1.7 THz grid: up to 3e-7 of the peak beyond 250 UI, 3e-12 tapered). The taper removes the jump where the response is
 * already far down. */
void p4_fresp_nyquist_taper(p4_fresp *r, double fraction);
/* COM CTLE: (g_dc + jf/fz)/((1 + jf/fp1)(1 + jf/fp2)) * (g_dc_hp + jf/f_lf)/(1 + jf/f_lf), g in dB. */
void p4_fresp_ctle(p4_fresp *r, double g_dc_db, double g_dc_hp_db, double fz_hz, double fp1_hz, double fp2_hz,
                   double f_lf_hz);
/* Tap channel: sum_k taps[k] exp(-j 2 pi f k spacing_s). */
void p4_fresp_taps(p4_fresp *r, const double *taps, int ntaps, double spacing_s);
/* Pure delay exp(-j 2 pi f delay_s). */
void p4_fresp_delay(p4_fresp *r, double delay_s);
/* Replace the phase by the minimum phase of |H| (real cepstrum): a causal response for a magnitude. */
p4_status p4_fresp_min_phase(p4_fresp *r);

/* Inverse transform to the n-sample (circular) impulse response h[0..n). */
p4_status p4_fresp_impulse(const p4_fresp *r, double *h);

/* A truncated impulse response: h[0..len) is sample `lead` of the circular response (lead < 0: the
 * response starts before t = 0, as zero-phase filters do); `dropped` the fraction of the response's
 * energy left outside. */
typedef struct {
    double *h;
    size_t len;
    long lead;
    double dropped;
} p4_impulse;
/* Keep from `margin` samples before the first sample above 1e-4 of the peak (searched a quarter
 * period back) to where the energy left is below tail_rel of the total. `lead` is a multiple of
 * `align` (>= 1): with align = samples per UI, a sample's phase within the UI is the same whatever
 * the window, so a sampling phase means one instant of the response under any cap or taper. When
 * that span exceeds max_len samples, the window of max_len samples (aligned) with the most energy
 * among those holding the peak with `margin` samples before it: a cap never cuts the main lobe, it
 * drops the weakest tail, and `dropped` says how much. */
p4_status p4_impulse_truncate(const double *full, size_t n, double tail_rel, size_t margin, size_t max_len,
                              size_t align, p4_impulse *out);
void p4_impulse_free(p4_impulse *imp);



/* Analytic loss model (lossmodel.c): IL(f) = il_nyq_db * (s sqrt(f/fN) + (1-s) f/fN) dB, made
 * causal with its minimum phase, then a flight delay and an optional echo r exp(-j2 pi f t_r):
 * H = H_min exp(-j2 pi f delay) (1 + r exp(-j2 pi f t_r)). Multiplies into r. */
p4_status p4_fresp_loss_model(p4_fresp *r, double il_nyq_db, double skin_fraction, double f_nyq_hz,
                              double delay_s, double refl_coeff, double refl_delay_s);
#ifdef __cplusplus
}
#endif
#endif
