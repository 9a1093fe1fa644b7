/* fftplan.c - the process-wide FFTW plan cache and its wisdom (see fftplan.h). A short list per
 * kind, searched under a mutex; set-up asks for a handful of sizes. */
#include "fftplan.h"
#include "pam4sim/fir.h"
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const char p4_fftw_wisdom[]; /* channel/fftw_wisdom.txt, built in (build/fftw_wisdom.c) */

typedef struct plan_entry {
    size_t n;
    fftw_plan p;
    struct plan_entry *next;
} plan_entry;

static plan_entry *table[P4_FFT_KINDS];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static char plans_desc[1024] = "estimated (FFTW_ESTIMATE)";
static char wisdom_err[300]; /* why PAM4SIM_FFTW_WISDOM's file was refused, "" when it was not */

/* The wisdom's seal: FFTW aborts the process on some corrupt wisdom (an assertion while planning
 * from it), so a wisdom is imported only when it carries the FNV-1a hash of its text, which
 * `pam4sim fft-wisdom` appends as a last line: a file damaged or not written by pam4sim is refused
 * with an error instead. */
#define SEAL "pam4sim-wisdom fnv1a64 "
#define WISDOM_MAX_BYTES (4u << 20)

static uint64_t fnv1a64(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
    return h;
}

/* The sealed wisdom in text (NUL-terminated; its seal line is cut off in place): 0 and the FFTW
 * text's length, or -1 with why in err. */
int p4_fft_wisdom_unseal(char *text, size_t len, size_t *wlen, char *err, size_t errn)
{
    if (strlen(text) != len) return snprintf(err, errn, "holds a NUL byte: not a wisdom file"), -1;
    size_t o = 0; /* line ends as written (a file converted to CRLF keeps its seal) */
    for (size_t i = 0; i < len; i++)
        if (text[i] != '\r') text[o++] = text[i];
    text[o] = 0, len = o;
    size_t end = len;
    while (end > 0 && text[end - 1] == '\n') end--;
    size_t ls = end; /* the last line's start */
    while (ls > 0 && text[ls - 1] != '\n') ls--;
    const size_t ns = strlen(SEAL);
    if (end - ls != ns + 16 || strncmp(text + ls, SEAL, ns))
        return snprintf(err, errn, "has no pam4sim seal on its last line (write it with `pam4sim fft-wisdom --out FILE`)"), -1;
    uint64_t want = 0;
    for (size_t i = ls + ns; i < end; i++) {
        const char c = text[i];
        const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) return snprintf(err, errn, "has a malformed pam4sim seal"), -1;
        want = want << 4 | (uint64_t)v;
    }
    if (fnv1a64(text, ls) != want) return snprintf(err, errn, "is damaged (its text does not match its seal)"), -1;
    text[ls] = 0;
    *wlen = ls;
    return 0;
}

/* PAM4SIM_FFTW_WISDOM's file into FFTW: 0, or -1 with why in wisdom_err. */
static int import_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return snprintf(wisdom_err, sizeof wisdom_err, "cannot be opened: %s", strerror(errno)), -1;
    char *text = malloc(WISDOM_MAX_BYTES + 1);
    size_t len = text ? fread(text, 1, WISDOM_MAX_BYTES + 1, f) : 0;
    const int rerr = ferror(f) ? errno : 0;
    fclose(f);
    int rc = -1;
    size_t wlen = 0;
    if (!text) snprintf(wisdom_err, sizeof wisdom_err, "out of memory");
    else if (rerr) snprintf(wisdom_err, sizeof wisdom_err, "cannot be read: %s", strerror(rerr));
    else if (len > WISDOM_MAX_BYTES) snprintf(wisdom_err, sizeof wisdom_err, "is larger than %u MiB: not a wisdom file", WISDOM_MAX_BYTES >> 20);
    else if (text[len] = 0, !p4_fft_wisdom_unseal(text, len, &wlen, wisdom_err, sizeof wisdom_err)) {
        if (fftw_import_wisdom_from_string(text)) rc = 0;
        else snprintf(wisdom_err, sizeof wisdom_err, "is not wisdom for %s (measure again with `pam4sim fft-wisdom --out FILE`)", fftw_version);
    }
    free(text);
    return rc;
}

/* The wisdom, once per process: PAM4SIM_FFTW_WISDOM=none: none; a path: that file; unset or empty:
 * the built-in. */
static void load_wisdom(void)
{
    const char *env = getenv("PAM4SIM_FFTW_WISDOM");
    if (env && !strcmp(env, "none")) {
        snprintf(plans_desc, sizeof plans_desc, "estimated (FFTW_ESTIMATE: PAM4SIM_FFTW_WISDOM=none)");
    } else if (env && *env) {
        if (!import_file(env))
            snprintf(plans_desc, sizeof plans_desc, "measured where the wisdom in %.300s has the size, else estimated", env);
        else
            snprintf(plans_desc, sizeof plans_desc, "estimated (PAM4SIM_FFTW_WISDOM=%.300s refused: it %s)", env, wisdom_err);
    } else {
        const size_t len = strlen(p4_fftw_wisdom);
        char *text = malloc(len + 1), err[200];
        size_t wlen;
        if (!len) snprintf(plans_desc, sizeof plans_desc, "estimated (no built-in wisdom)");
        else if (!text)
            snprintf(plans_desc, sizeof plans_desc, "estimated (out of memory for the built-in wisdom)");
        else if (memcpy(text, p4_fftw_wisdom, len + 1), p4_fft_wisdom_unseal(text, len, &wlen, err, sizeof err))
            snprintf(plans_desc, sizeof plans_desc, "estimated (the built-in wisdom %s)", err);
        else if (fftw_import_wisdom_from_string(text))
            snprintf(plans_desc, sizeof plans_desc, "measured where the built-in wisdom has the size, else estimated");
        else
            snprintf(plans_desc, sizeof plans_desc, "estimated (the built-in wisdom is not for this FFTW)");
        free(text);
    }
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
    return wisdom_err[0] ? p4_error(P4_EINVAL, "PAM4SIM_FFTW_WISDOM=%s: the file %s (or set PAM4SIM_FFTW_WISDOM=none)",
                                    getenv("PAM4SIM_FFTW_WISDOM"), wisdom_err)
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
 * (link_poly.c: B 9/8 and B 5/4), the field path's and the responses' complex transforms; those up
 * to max_n. */
typedef struct {
    p4_fft_kind kind;
    size_t n;
} fft_job;

static int jobs(size_t max_n, fft_job *todo)
{
    int nt = 0;
    for (size_t n = 1024; n <= 131072; n *= 2)
        if (n <= max_n) todo[nt++] = (fft_job){P4_FFT_R2C, n}, todo[nt++] = (fft_job){P4_FFT_C2R, n};
    for (size_t b = 1024; b <= 32768; b *= 2)
        for (int k = 0; k < 2; k++) {
            const size_t n = k ? b / 4 * 5 : b / 8 * 9;
            if (n <= max_n) todo[nt++] = (fft_job){P4_FFT_R2C, n}, todo[nt++] = (fft_job){P4_FFT_C2R, n};
        }
    for (size_t n = 2048; n <= 131072; n *= 2)
        if (n <= max_n) todo[nt++] = (fft_job){P4_FFT_FWD_IP, n}, todo[nt++] = (fft_job){P4_FFT_BWD_IP, n};
    return nt;
}

/* Plan each job with flags; returns how many gave a plan (destroyed at once). */
static int plan_jobs(const fft_job *todo, int nt, unsigned flags, void (*progress)(const char *, void *), void *ctx)
{
    static const char *const kname[] = {"r2c", "c2r", "forward c2c", "backward c2c"};
    int got = 0;
    for (int i = 0; i < nt; i++) {
        if (progress) {
            char what[64];
            snprintf(what, sizeof what, "%s %zu", kname[todo[i].kind], todo[i].n);
            progress(what, ctx);
        }
        fftw_complex *c = fftw_alloc_complex(todo[i].n);
        double *r = fftw_alloc_real(todo[i].n);
        fftw_plan p = c && r ? plan_with(todo[i].kind, todo[i].n, r, c, flags) : NULL;
        if (p) got++, fftw_destroy_plan(p);
        fftw_free(c), fftw_free(r);
    }
    return got;
}

/* text and its seal into path, through a temporary of a unique name beside it (never a half-written
 * file, never another file's name). */
static p4_status write_sealed(const char *path, const char *text)
{
    const size_t len = strlen(path) + 8;
    char *tmp = malloc(len);
    if (!tmp) return p4_error(P4_ENOMEM, "out of memory");
    snprintf(tmp, len, "%s.XXXXXX", path);
    const int fd = mkstemp(tmp);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        p4_status st = p4_error(P4_EIO, "%s: cannot write the wisdom beside it: %s", path, strerror(errno));
        if (fd >= 0) close(fd), remove(tmp);
        free(tmp);
        return st;
    }
    int ok = fputs(text, f) >= 0 && fprintf(f, "%s%016llx\n", SEAL, (unsigned long long)fnv1a64(text, strlen(text))) > 0;
    int err = ok ? 0 : errno;
    if (fclose(f) && ok) ok = 0, err = errno;
    p4_status st = P4_OK;
    if (!ok) st = p4_error(P4_EIO, "%s: cannot write the wisdom: %s", tmp, strerror(err));
    else if (rename(tmp, path)) st = p4_error(P4_EIO, "%s: cannot write the wisdom: %s", path, strerror(errno));
    if (st) remove(tmp);
    free(tmp);
    return st;
}

p4_status p4_fft_wisdom_measure(const char *path, size_t max_n, int *measured, int *sizes,
                                void (*progress)(const char *what, void *ctx), void *ctx)
{
    p4_fft_wisdom_load();
    fft_job todo[64];
    const int nt = jobs(max_n, todo);
    if (!nt) return p4_error(P4_EINVAL, "fft-wisdom: no size pam4sim plans is <= %zu (the smallest is 1024)", max_n);
    pthread_mutex_lock(&mu);
    /* the process's own wisdom is kept aside and put back: measuring starts from none (FFTW's
     * MEASURE plans, no time limit: a time-limited search is kept at a lower rigour, which the
     * runs' lookups never match) */
    char *before = fftw_export_wisdom_to_string();
    fftw_forget_wisdom();
    plan_jobs(todo, nt, FFTW_MEASURE, progress, ctx);
    char *w = fftw_export_wisdom_to_string();
    /* what a run will find in it: the wisdom alone, each size looked up as p4_fft_plan does */
    fftw_forget_wisdom();
    const int got = w && fftw_import_wisdom_from_string(w) ? plan_jobs(todo, nt, FFTW_MEASURE | FFTW_WISDOM_ONLY, NULL, NULL) : 0;
    fftw_forget_wisdom();
    if (before) fftw_import_wisdom_from_string(before);
    free(before);
    pthread_mutex_unlock(&mu);
    *measured = got, *sizes = nt;
    p4_status st = !w ? p4_error(P4_ENOMEM, "out of memory")
                   : !got ? p4_error(P4_ENUM, "fft-wisdom: FFTW kept no measured plan (nothing written)")
                          : write_sealed(path, w);
    free(w);
    return st;
}
