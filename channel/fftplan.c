/* fftplan.c - the process-wide FFTW plan cache and its wisdom (see fftplan.h). A short list per
 * kind, searched under a mutex; set-up asks for a handful of sizes. */
#include "fftplan.h"
#include "pam4sim/fir.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char p4_fftw_wisdom[]; /* channel/fftw_wisdom.txt, built in (build/fftw_wisdom.c) */

typedef struct plan_entry {
    size_t n;
    fftw_plan p;
    struct plan_entry *next;
} plan_entry;

static plan_entry *table[P4_FFT_KINDS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static char plans_desc[512] = "estimated (FFTW_ESTIMATE)";
static int wisdom_bad; /* PAM4SIM_FFTW_WISDOM names a file that could not be read as wisdom */

/* The wisdom, once per process: PAM4SIM_FFTW_WISDOM=none: none; a path: that file; unset or empty:
 * the built-in. */
static void load_wisdom(void)
{
    const char *env = getenv("PAM4SIM_FFTW_WISDOM");
    if (env && !strcmp(env, "none")) {
        snprintf(plans_desc, sizeof plans_desc, "estimated (FFTW_ESTIMATE: PAM4SIM_FFTW_WISDOM=none)");
    } else if (env && *env) {
        if (fftw_import_wisdom_from_filename(env))
            snprintf(plans_desc, sizeof plans_desc, "measured where the wisdom in %s has the size, else estimated", env);
        else {
            wisdom_bad = 1;
            snprintf(plans_desc, sizeof plans_desc, "estimated (PAM4SIM_FFTW_WISDOM=%s: not a readable wisdom file)", env);
        }
    } else if (!p4_fftw_wisdom[0])
        snprintf(plans_desc, sizeof plans_desc, "estimated (no built-in wisdom)");
    else if (fftw_import_wisdom_from_string(p4_fftw_wisdom))
        snprintf(plans_desc, sizeof plans_desc, "measured where the built-in wisdom has the size, else estimated");
    else
        snprintf(plans_desc, sizeof plans_desc, "estimated (the built-in wisdom is not for this FFTW)");
    const size_t n = strlen(plans_desc);
    snprintf(plans_desc + n, sizeof plans_desc - n, "; %s", fftw_version);
}

static pthread_once_t wisdom_once = PTHREAD_ONCE_INIT;
void p4_fft_wisdom_load(void) { pthread_once(&wisdom_once, load_wisdom); }

const char *p4_fft_plans(void)
{
    p4_fft_wisdom_load();
    return plans_desc;
}

p4_status p4_fft_wisdom_check(void)
{
    p4_fft_wisdom_load();
    return wisdom_bad ? p4_error(P4_EINVAL, "PAM4SIM_FFTW_WISDOM=%s: not a readable FFTW wisdom file for %s (make one with `pam4sim fft-wisdom --out FILE`, or set PAM4SIM_FFTW_WISDOM=none)",
                                 getenv("PAM4SIM_FFTW_WISDOM"), fftw_version)
                      : P4_OK;
}

static fftw_plan plan_with(p4_fft_kind kind, size_t n, double *r, fftw_complex *c, unsigned flags)
{
    switch (kind) {
    case P4_FFT_R2C: return fftw_plan_dft_r2c_1d((int)n, r, c, flags);
    case P4_FFT_C2R: return fftw_plan_dft_c2r_1d((int)n, c, r, flags);
    case P4_FFT_FWD_IP: return fftw_plan_dft_1d((int)n, c, c, FFTW_FORWARD, flags);
    case P4_FFT_BWD_IP: return fftw_plan_dft_1d((int)n, c, c, FFTW_BACKWARD, flags);
    default: return NULL;
    }
}

/* The measured plan where the wisdom has (kind, n), else the estimated one: both fixed algorithms
 * for the process (no timing at run time). */
static fftw_plan make(p4_fft_kind kind, size_t n)
{
    fftw_complex *c = fftw_alloc_complex(n);
    double *r = fftw_alloc_real(n);
    fftw_plan p = NULL;
    if (c && r) {
        p = plan_with(kind, n, r, c, FFTW_MEASURE | FFTW_WISDOM_ONLY);
        if (!p) p = plan_with(kind, n, r, c, FFTW_ESTIMATE);
    }
    fftw_free(c), fftw_free(r);
    return p;
}

fftw_plan p4_fft_plan(p4_fft_kind kind, size_t n)
{
    if (kind < 0 || kind >= P4_FFT_KINDS || n < 1) return NULL;
    p4_fft_wisdom_load();
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

/* The sizes pam4sim plans in its runs: the FIRs' powers of two, the DSP receiver's phase blocks
 * (link_poly.c: B 9/8 and B 5/4), the field path's and the responses' complex transforms. */
p4_status p4_fft_wisdom_measure(const char *path, double seconds, void (*progress)(const char *what, void *ctx), void *ctx)
{
    p4_fft_wisdom_load();
    pthread_mutex_lock(&mu);
    fftw_forget_wisdom();
    fftw_set_timelimit(seconds > 0 ? seconds : FFTW_NO_TIMELIMIT);
    struct job {
        p4_fft_kind kind;
        size_t n;
    } todo[64];
    int nt = 0;
    for (size_t n = 1024; n <= 131072; n *= 2) todo[nt++] = (struct job){P4_FFT_R2C, n}, todo[nt++] = (struct job){P4_FFT_C2R, n};
    for (size_t b = 1024; b <= 32768; b *= 2)
        for (int k = 0; k < 2; k++) {
            const size_t n = k ? b / 4 * 5 : b / 8 * 9;
            todo[nt++] = (struct job){P4_FFT_R2C, n}, todo[nt++] = (struct job){P4_FFT_C2R, n};
        }
    for (size_t n = 2048; n <= 131072; n *= 2) todo[nt++] = (struct job){P4_FFT_FWD_IP, n}, todo[nt++] = (struct job){P4_FFT_BWD_IP, n};
    p4_status st = P4_OK;
    static const char *const kname[] = {"r2c", "c2r", "forward c2c", "backward c2c"};
    for (int i = 0; i < nt && !st; i++) {
        char what[64];
        snprintf(what, sizeof what, "%s %zu", kname[todo[i].kind], todo[i].n);
        if (progress) progress(what, ctx);
        fftw_complex *c = fftw_alloc_complex(todo[i].n);
        double *r = fftw_alloc_real(todo[i].n);
        fftw_plan p = c && r ? plan_with(todo[i].kind, todo[i].n, r, c, FFTW_MEASURE) : NULL;
        if (!p) st = p4_error(P4_ENOMEM, "fft-wisdom: could not plan %s (out of memory)", what);
        else fftw_destroy_plan(p);
        fftw_free(c), fftw_free(r);
    }
    fftw_set_timelimit(FFTW_NO_TIMELIMIT);
    if (!st) { /* to a temporary beside the file, then renamed: never a half-written file */
        size_t len = strlen(path) + 8;
        char *tmp = malloc(len);
        if (!tmp) st = p4_error(P4_ENOMEM, "out of memory");
        else {
            snprintf(tmp, len, "%s.tmp", path);
            if (!fftw_export_wisdom_to_filename(tmp)) st = p4_error(P4_EIO, "%s: cannot write the wisdom", tmp);
            else if (rename(tmp, path)) {
                remove(tmp);
                st = p4_error(P4_EIO, "%s: cannot write the wisdom", path);
            }
            free(tmp);
        }
    }
    pthread_mutex_unlock(&mu);
    return st;
}
