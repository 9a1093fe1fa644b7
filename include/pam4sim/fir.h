/* fir.h - long FIR filters by FFTW overlap-save, several inputs summed into one output.
 *
 * out[t] = sum_i (h_i * in_i)[t]. Each input has its own impulse response (the victim through the
 * whole linear chain, the noise shaping filter, each crosstalk aggressor); spectra are summed before a
 * single inverse transform, so K inputs cost K forward and one inverse r2c/c2r transform per hop.
 * The FFT length is the larger of 2048 and the power of two >= 4x the longest response, which keeps
 * the cost per output sample near its minimum (N log N / hop). Zero added latency: any n <= hop is
 * processed at once (p4_fir_run loops over larger n).
 * Plans are made once per size for the process (reproducible: see p4_fft_plans); only p4_fir_run
 * touches the instance's own buffers, so instances on different threads may run at once.
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

/* FFT plans. FFTW's measured plans (FFTW_MEASURE) run about 1.4x faster than its estimated ones
 * (FFTW_ESTIMATE; r2c + c2r of 8192 points, bench_link's first line), but measuring takes seconds per size and its choice
 * depends on timings. So the measurement is made once, ahead of time, and kept as FFTW wisdom: a
 * plan is the measured one where the wisdom holds its (kind, size), else the estimated one; either
 * way a fixed algorithm, never timed at run time, so every run of a build on one machine gives the
 * same results. The wisdom: the built-in (channel/fftw_wisdom.txt, measured on the processor
 * pam4sim is developed on), or the file named by the environment variable PAM4SIM_FFTW_WISDOM (made
 * by p4_fft_wisdom_measure, the `pam4sim fft-wisdom` command, and sealed: a file whose text does not
 * match its seal is refused, since FFTW aborts on some corrupt wisdom), or none with
 * PAM4SIM_FFTW_WISDOM=none (every plan estimated, as before 0.9.0). FFTW takes or refuses a wisdom
 * whole: its header signs the FFTW build and the processor's vector extensions, so another FFTW
 * version or a processor without AVX refuses the built-in one (every plan estimated); another AVX
 * processor takes it, with choices measured here. Plans differ only in the rounding of their sums.
 * Wisdom is FFTW's, for the whole process: once loaded it also steers FFTW_ESTIMATE plans made
 * anywhere in the process (an application's own included). p4_init loads it, before any thread (or
 * the first plan does); FFTW's planner lock does not cover loading wisdom. */
const char *p4_fft_plans(void);           /* what plans this process makes, in words */
p4_status p4_fft_wisdom_check(void);      /* P4_EINVAL when PAM4SIM_FFTW_WISDOM names an unusable file */
/* Measure the sizes pam4sim plans, up to max_n points (FFTW_MEASURE, no time limit: about 40 s for
 * all of them here), and write the sealed wisdom to path (through a temporary of a unique name: never
 * half-written). *measured of the *sizes plans are then found in it as a run looks them up. The
 * process's own wisdom is kept and put back; call it while no other thread plans. progress (may be
 * NULL) is told each size first. */
p4_status p4_fft_wisdom_measure(const char *path, size_t max_n, int *measured, int *sizes,
                                void (*progress)(const char *what, void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
