/* fftplan.h - (private to the library) FFTW plans made once per (kind, size) and kept for the process.
 *
 * Making an FFTW_ESTIMATE plan costs about as much as several transforms of its size (it computes
 * the twiddle factors), and set-up used to make one per call. Here a plan is made on the first
 * request for its (kind, n), on arrays from fftw_malloc, and every later request gets the same plan;
 * callers execute it with FFTW's new-array functions (fftw_execute_dft_r2c, _c2r, fftw_execute_dft)
 * on their own fftw_malloc arrays, which have the planning arrays' alignment. A plan is the measured
 * one where the process's wisdom holds (kind, n) (FFTW_MEASURE | FFTW_WISDOM_ONLY: no timing at run
 * time), else the estimated one (FFTW_ESTIMATE): either is a fixed algorithm for its (kind, n,
 * alignment), so results are the same as with a fresh plan (see p4_fft_plans in fir.h).
 * Thread-safe (one mutex around the table; executing a plan from several threads is safe in FFTW).
 * Plans are never destroyed: their number is bounded by the sizes the program uses.
 */
#ifndef PAM4SIM_FFTPLAN_H
#define PAM4SIM_FFTPLAN_H
#include <complex.h> /* before fftw3.h: fftw_complex is double _Complex */
#include <stddef.h>
#include <fftw3.h>

typedef enum {
    P4_FFT_R2C,     /* real n -> n/2+1 complex, out of place          */
    P4_FFT_C2R,     /* n/2+1 complex -> real n, out of place (destroys its input) */
    P4_FFT_FWD_IP,  /* complex n, forward (e^-i), in place            */
    P4_FFT_BWD_IP,  /* complex n, backward (e^+i), in place           */
    P4_FFT_KINDS
} p4_fft_kind;

/* The plan for (kind, n), n >= 1; NULL when out of memory. */
fftw_plan p4_fft_plan(p4_fft_kind kind, size_t n);
/* A sealed wisdom text (text[len] = 0; `pam4sim fft-wisdom` appends "pam4sim-wisdom fnv1a64 HASH"
 * as its last line): 0 with the FFTW wisdom's length in *wlen (the seal cut off in place), or -1
 * with why in err. */
int p4_fft_wisdom_unseal(char *text, size_t len, size_t *wlen, char *err, size_t errn);
/* acc = X H (add: acc += X H) over nb bins, the complex products written out (re = ac - bd,
 * im = ad + bc) so that they vectorise (fir.c: the FIRs' and the DSP receiver's phase spectra). */
void p4_spec_mac(double _Complex *acc, const double _Complex *X, const double _Complex *H, size_t nb, int add);
/* The wisdom into FFTW, once per process (p4_init calls it before any thread). */
void p4_fft_wisdom_load(void);

#endif
