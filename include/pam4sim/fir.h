/* fir.h - long FIR filters by FFTW overlap-save, several inputs summed into one output.
 *
 * out[t] = sum_i (h_i * in_i)[t]. Each input has its own impulse response (the victim through the
 * whole linear chain, the noise shaping filter, each crosstalk aggressor); spectra are summed before a
 * single inverse transform, so K inputs cost K forward and one inverse r2c/c2r transform per hop.
 * The FFT length is the larger of 8192 and the power of two >= 4x the longest response, which keeps
 * the cost per output sample near its minimum (N log N / hop). Zero added latency: any n <= hop is
 * processed at once (p4_fir_run loops over larger n).
 * Plans are made once with FFTW_ESTIMATE (reproducible); only p4_fir_run touches the instance's
 * own buffers, so instances on different threads may run at once.
 */
#ifndef PAM4SIM_FIR_H
#define PAM4SIM_FIR_H
#include <stddef.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct p4_fir p4_fir;

/* h[i][0..len[i]) for input i = 0..ninputs-1 (ninputs 1..256, len >= 1). */
p4_fir *p4_fir_create(int ninputs, const double *const *h, const size_t *len);
/* Largest n processed by one transform. */
size_t p4_fir_hop(const p4_fir *f);
size_t p4_fir_fft_len(const p4_fir *f);
/* Filter n new samples of every input (in[i][0..n)) into out[0..n). in[i] NULL: that input is zero
 * over the block (an input that is zero over its whole history costs no transform). */
void p4_fir_run(p4_fir *f, const double *const *in, size_t n, double *out);
/* Forget the history (all inputs zero before now). */
void p4_fir_reset(p4_fir *f);
void p4_fir_destroy(p4_fir *f);

/* One complex input through one complex response (the optical field through fiber dispersion):
 * the same overlap-save with c2c transforms. */
typedef struct p4_cfir p4_cfir;
p4_cfir *p4_cfir_create(const double _Complex *h, size_t len);
size_t p4_cfir_hop(const p4_cfir *f);
void p4_cfir_run(p4_cfir *f, const double _Complex *in, size_t n, double _Complex *out);
void p4_cfir_reset(p4_cfir *f);
void p4_cfir_destroy(p4_cfir *f);

#ifdef __cplusplus
}
#endif
#endif
