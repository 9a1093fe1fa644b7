/* driver.h - the TX DAC/driver at sample level: symbol levels become a waveform whose edges carry
 * jitter.
 *
 * Edges, not noise: symbol k's edge lies at (k + 1/2 + delta_k) UI, delta_k in UI, and the waveform
 * is piecewise constant between edges. Each output sample is the waveform's mean over that sample
 * (an exact area, so a sub-sample edge shift moves energy between neighbouring samples: jitter much
 * smaller than a sample is represented). The half-UI offset keeps every edge inside its own UI for
 * |delta| < 1/2, so a block of n symbols gives exactly n*sps samples with no look-ahead; |delta| is
 * clamped to 0.49 UI.
 * delta_k = RJ (Gaussian, rms) + SJ (A sin(2 pi f t_k)) + DCD (+dcd/2 on even edges, -dcd/2 on odd),
 * where k is the symbol's index in the whole run, so SJ phase and even/odd survive work units.
 */
#ifndef PAM4SIM_DRIVER_H
#define PAM4SIM_DRIVER_H
#include <stddef.h>
#include <stdint.h>
#include "pam4sim/rng.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double rj_ui;      /* random jitter rms, UI              */
    double sj_ui;      /* sinusoidal jitter amplitude (peak), UI */
    double sj_cycles_per_ui; /* SJ frequency / baud            */
    double dcd_ui;     /* even/odd duty-cycle distortion, peak-to-peak, UI */
} p4_jitter;

static inline int p4_jitter_active(const p4_jitter *j)
{
    return j->rj_ui != 0 || j->sj_ui != 0 || j->dcd_ui != 0;
}
/* Edge offsets (UI) of symbols k0 .. k0+n-1. */
void p4_jitter_edges(const p4_jitter *j, p4_rng *rng, uint64_t k0, size_t n, double *delta_ui);

typedef struct {
    int sps;
    double prev;   /* level before the next edge */
    double acc;    /* integral accumulated in the current partial sample */
    double pos;    /* current position within the output block, samples */
} p4_render;

void p4_render_init(p4_render *r, int sps);
/* Levels of n symbols (and their edge offsets, or NULL) to n*sps samples. */
void p4_render_run(p4_render *r, const double *level, const double *delta_ui, size_t n, double *out);

#ifdef __cplusplus
}
#endif
#endif
