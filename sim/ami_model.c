/* ami_model.c - loading an IBIS-AMI model and calling it (see ami.h).
 *
 * One object for both ways of running a model: in this process (dlopen, the three entry points
 * called directly: the fastest, but a crash in the model ends the program) or isolated in a child
 * process (ami_isolate.c). The IBIS signatures:
 *   long AMI_Init(double *impulse_matrix, long row_size, long aggressors, double sample_interval,
 *                 double bit_time, char *AMI_parameters_in, char **AMI_parameters_out,
 *                 void **AMI_memory_handle, char **msg);
 *   long AMI_GetWave(double *wave, long wave_size, double *clock_times, char **AMI_parameters_out,
 *                    void *AMI_memory);
 *   long AMI_Close(void *AMI_memory);
 * A return of 1 is success, 0 failure. The strings a model returns belong to it until AMI_Close:
 * they are copied at once. One Init's memory is held at a time; a new Init closes the last one.
 */
#include "pam4sim/ami.h"
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef long (*init_fn)(double *, long, long, double, double, char *, char **, void **, char **);
typedef long (*getwave_fn)(double *, long, double *, char **, void *);
typedef long (*close_fn)(void *);

struct p4_ami_model {
    char path[P4_PATH_MAX];
    void *dl;
    init_fn init;
    getwave_fn getwave;
    close_fn close;
    void *mem;
    int have_mem, has_getwave;
    p4_ami_child *child;
    char *msg, *out;
};

static void keep(p4_ami_model *m, char *msg, char *out, int copy)
{
    free(m->msg), free(m->out);
    m->msg = copy ? strdup(msg ? msg : "") : (msg ? msg : strdup(""));
    m->out = copy ? strdup(out ? out : "") : (out ? out : strdup(""));
}

p4_ami_model *p4_ami_open(const char *so_path, int isolate)
{
    p4_ami_model *m = calloc(1, sizeof *m);
    if (!m) {
        p4_error(P4_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(m->path, sizeof m->path, "%s", so_path);
    /* a path without a slash would search the library path: name the file as given */
    char local[P4_PATH_MAX + 2];
    snprintf(local, sizeof local, "%s%s", strchr(so_path, '/') ? "" : "./", so_path);
    if (isolate) {
        if (!(m->child = p4_ami_child_start(local, &m->has_getwave))) {
            free(m);
            return NULL;
        }
    } else {
        m->dl = dlopen(local, RTLD_NOW | RTLD_LOCAL);
        if (!m->dl) {
            p4_error(P4_EIO, "%s: cannot load the model: %s", so_path, dlerror());
            free(m);
            return NULL;
        }
        m->init = (init_fn)dlsym(m->dl, "AMI_Init");
        m->close = (close_fn)dlsym(m->dl, "AMI_Close");
        m->getwave = (getwave_fn)dlsym(m->dl, "AMI_GetWave");
        if (!m->init || !m->close) {
            p4_error(P4_EINVAL, "%s: the model has no %s (an IBIS-AMI model exports AMI_Init, AMI_Close and optionally AMI_GetWave)",
                     so_path, !m->init ? "AMI_Init" : "AMI_Close");
            dlclose(m->dl);
            free(m);
            return NULL;
        }
        m->has_getwave = m->getwave != NULL;
    }
    keep(m, NULL, NULL, 1);
    return m;
}

int p4_ami_has_getwave(const p4_ami_model *m) { return m->has_getwave; }
void p4_ami_set_timeout(p4_ami_model *m, double seconds)
{
    if (m->child) p4_ami_child_set_timeout(m->child, seconds);
}
const char *p4_ami_message(const p4_ami_model *m) { return m->msg ? m->msg : ""; }
const char *p4_ami_params_out(const p4_ami_model *m) { return m->out ? m->out : ""; }
const char *p4_ami_path(const p4_ami_model *m) { return m->path; }

p4_status p4_ami_close(p4_ami_model *m)
{
    if (!m->have_mem) return P4_OK;
    m->have_mem = 0;
    long ret = 1;
    if (m->child) {
        char *msg, *out;
        p4_status st = p4_ami_child_call(m->child, 'C', NULL, 0, 0, 0, 0, 0, 0, NULL, &ret, &msg, &out);
        free(msg), free(out);
        if (st) return st;
    } else
        ret = m->close(m->mem);
    m->mem = NULL;
    if (!ret) return p4_error(P4_EIO, "%s: AMI_Close returned failure (0)", m->path);
    return P4_OK;
}

p4_status p4_ami_init(p4_ami_model *m, double *impulse, long row_size, long aggressors, double sample_interval,
                      double bit_time, const char *params_in)
{
    p4_status st = p4_ami_close(m);
    if (st) return st;
    long ret = 0;
    size_t n = (size_t)row_size * (size_t)(1 + aggressors);
    if (m->child) {
        char *msg, *out;
        st = p4_ami_child_call(m->child, 'I', impulse, n, n, row_size, aggressors, sample_interval, bit_time,
                               params_in, &ret, &msg, &out);
        if (st) return st;
        m->have_mem = 1; /* the child holds it */
        keep(m, msg, out, 0);
    } else {
        char *pin = strdup(params_in ? params_in : ""), *out = NULL, *msg = NULL;
        if (!pin) return p4_error(P4_ENOMEM, "out of memory");
        m->mem = NULL;
        ret = m->init(impulse, row_size, aggressors, sample_interval, bit_time, pin, &out, &m->mem, &msg);
        free(pin);
        m->have_mem = 1;
        keep(m, msg, out, 1);
    }
    if (!ret) return p4_error(P4_EINVAL, "%s: AMI_Init returned failure (0)%s%s", m->path, *m->msg ? ": " : "", m->msg);
    return P4_OK;
}

p4_status p4_ami_getwave(p4_ami_model *m, double *wave, long n, double *clock_times, long nclk)
{
    if (!m->has_getwave) return p4_error(P4_EINVAL, "%s: the model has no AMI_GetWave", m->path);
    if (!m->have_mem) return p4_error(P4_EINVAL, "%s: AMI_GetWave before AMI_Init", m->path);
    for (long i = 0; i < nclk; i++) clock_times[i] = -1;
    long ret = 0;
    if (m->child) {
        /* wave and clock times side by side in the shared memory */
        double *buf = malloc(((size_t)n + (size_t)nclk) * sizeof *buf);
        if (!buf) return p4_error(P4_ENOMEM, "out of memory");
        memcpy(buf, wave, (size_t)n * sizeof *buf);
        memcpy(buf + n, clock_times, (size_t)nclk * sizeof *buf);
        char *msg, *out;
        p4_status st = p4_ami_child_call(m->child, 'G', buf, (size_t)(n + nclk), (size_t)(n + nclk), n, nclk, 0, 0, NULL,
                                         &ret, &msg, &out);
        if (!st) {
            memcpy(wave, buf, (size_t)n * sizeof *buf);
            memcpy(clock_times, buf + n, (size_t)nclk * sizeof *buf);
            free(msg);
            free(m->out);
            m->out = out;
        }
        free(buf);
        if (st) return st;
    } else {
        char *out = NULL;
        ret = m->getwave(wave, n, clock_times, &out, m->mem);
        free(m->out);
        m->out = strdup(out ? out : "");
    }
    if (!ret) return p4_error(P4_EINVAL, "%s: AMI_GetWave returned failure (0)", m->path);
    return P4_OK;
}

void p4_ami_free(p4_ami_model *m)
{
    if (!m) return;
    /* a failing close here is not news: the error the caller is about to report stays */
    char keep[1024];
    snprintf(keep, sizeof keep, "%s", p4_last_error());
    if (p4_ami_close(m)) p4_error(P4_EIO, "%s", keep);
    if (m->child) p4_ami_child_stop(m->child);
    if (m->dl) dlclose(m->dl);
    free(m->msg), free(m->out);
    free(m);
}
