/* driver.c - jittered edges and the sample-level DAC render (see driver.h). */
#include "pam4sim/driver.h"
#include <math.h>

void p4_jitter_edges(const p4_jitter *j, p4_rng *rng, uint64_t k0, size_t n, double *d)
{
    for (size_t i = 0; i < n; i++) d[i] = 0;
    if (j->rj_ui != 0) p4_rng_gauss_fill(rng, d, n, j->rj_ui);
    if (j->sj_ui != 0) {
        double w = 2 * M_PI * j->sj_cycles_per_ui;
        for (size_t i = 0; i < n; i++) d[i] += j->sj_ui * sin(w * (double)(k0 + i));
    }
    if (j->dcd_ui != 0)
        for (size_t i = 0; i < n; i++) d[i] += ((k0 + i) & 1) ? -0.5 * j->dcd_ui : 0.5 * j->dcd_ui;
    for (size_t i = 0; i < n; i++) d[i] = d[i] > 0.49 ? 0.49 : d[i] < -0.49 ? -0.49 : d[i];
}

void p4_render_init(p4_render *r, int sps)
{
    r->sps = sps;
    r->prev = 0;
    r->acc = 0;
    r->pos = 0;
}

/* The waveform holds level v on [pos, e): write the samples this completes. */
static size_t advance(p4_render *r, double *out, size_t s, double e, double v)
{
    size_t es = (size_t)e;
    if (es == s) {
        r->acc += v * (e - r->pos);
    } else {
        out[s] = r->acc + v * ((double)(s + 1) - r->pos);
        for (s++; s < es; s++) out[s] = v;
        r->acc = v * (e - (double)es);
    }
    r->pos = e;
    return es;
}

void p4_render_run(p4_render *r, const double *level, const double *delta, size_t n, double *out)
{
    const int sps = r->sps;
    size_t s = (size_t)r->pos;
    for (size_t k = 0; k < n; k++) {
        double e = ((double)k + 0.5 + (delta ? delta[k] : 0.0)) * sps;
        s = advance(r, out, s, e, r->prev);
        r->prev = level[k];
    }
    double end = (double)n * sps;
    s = advance(r, out, s, end, r->prev);
    /* the next block starts at 0 with nothing accumulated: end is a sample boundary */
    r->pos = 0;
    r->acc = 0;
}
