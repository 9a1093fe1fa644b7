/* status.c - the thread-local last-error message and library set-up (see status.h). */
#include "pam4sim/status.h"
#include "pam4sim/fec.h"
#include "pam4sim/rng.h"
#include "../channel/fftplan.h"
#include <gsl/gsl_errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

static _Thread_local char err_buf[1024];

p4_status p4_error(p4_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    va_end(ap);
    return st;
}

const char *p4_last_error(void) { return err_buf; }

static void init_once(void)
{
    fftw_make_planner_thread_safe();
    p4_fft_wisdom_load(); /* before any thread plans */
}

/* Every table built on first use is built here too, so that threads started later only read them.
 * FFTW's planner is made thread-safe (links may be set up in several threads at once). */
void p4_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_once);
    gsl_set_error_handler_off();
    p4_rng_init();
    p4_gf_init();
    p4_inner_init();
}
