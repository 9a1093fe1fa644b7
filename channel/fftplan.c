/* fftplan.c - the process-wide FFTW plan cache (see fftplan.h). A short list per kind, searched
 * under a mutex; set-up asks for a handful of sizes. */
#include "fftplan.h"
#include <pthread.h>
#include <stdlib.h>

typedef struct plan_entry {
    size_t n;
    fftw_plan p;
    struct plan_entry *next;
} plan_entry;

static plan_entry *table[P4_FFT_KINDS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static fftw_plan make(p4_fft_kind kind, size_t n)
{
    fftw_complex *c = fftw_alloc_complex(n);
    double *r = fftw_alloc_real(n);
    fftw_plan p = NULL;
    if (c && r) switch (kind) {
        case P4_FFT_R2C: p = fftw_plan_dft_r2c_1d((int)n, r, c, FFTW_ESTIMATE); break;
        case P4_FFT_C2R: p = fftw_plan_dft_c2r_1d((int)n, c, r, FFTW_ESTIMATE); break;
        case P4_FFT_FWD_IP: p = fftw_plan_dft_1d((int)n, c, c, FFTW_FORWARD, FFTW_ESTIMATE); break;
        case P4_FFT_BWD_IP: p = fftw_plan_dft_1d((int)n, c, c, FFTW_BACKWARD, FFTW_ESTIMATE); break;
        default: break;
        }
    fftw_free(c), fftw_free(r);
    return p;
}

fftw_plan p4_fft_plan(p4_fft_kind kind, size_t n)
{
    if (kind < 0 || kind >= P4_FFT_KINDS || n < 1) return NULL;
    pthread_mutex_lock(&mu);
    plan_entry *e = table[kind];
    while (e && e->n != n) e = e->next;
    fftw_plan p = e ? e->p : NULL;
    if (!e && (e = malloc(sizeof *e)) && (p = make(kind, n))) {
        e->n = n, e->p = p, e->next = table[kind];
        table[kind] = e;
    } else if (!p)
        free(e);
    pthread_mutex_unlock(&mu);
    return p;
}
