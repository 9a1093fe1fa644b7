/* mlse.h - maximum-likelihood sequence estimation of PAM4 on a short ISI target.
 *
 * Viterbi over 4^M states (M = 1 or 2 symbols of memory) for y[m] = L(a_m) + t1 L(a_{m-1})
 * (+ t2 L(a_{m-2})) + noise, with L the four levels (any units). Branch metric (y - yhat)^2, path
 * metrics renormalised every step, survivors in a ring of traceback+1 steps: the decision for step
 * m - traceback comes from tracing back from the best state at step m, which is what a hardware
 * MLSE with a fixed traceback depth outputs; the last `traceback` decisions of a block come from the
 * final best state. Deterministic: ties go to the lower state index.
 */
#ifndef PAM4SIM_MLSE_H
#define PAM4SIM_MLSE_H
#include <stddef.h>
#include <stdint.h>
#ifdef __cplusplus
extern "C" {
#endif

typedef struct p4_mlse p4_mlse;

/* memory 1..2, taps[0..memory) = t1 (t2), lv: the four levels, traceback >= 1 steps. */
p4_mlse *p4_mlse_create(int memory, const double *taps, const double lv[4], int traceback);
/* Decode y[0..n) into dec[0..n) (dec[m] is a_m); state starts unknown (all states equal). */
void p4_mlse_run(p4_mlse *v, const double *y, size_t n, uint8_t *dec);
void p4_mlse_destroy(p4_mlse *v);

#ifdef __cplusplus
}
#endif
#endif
