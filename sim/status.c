/* status.c - the thread-local last-error message and library set-up (see status.h). */
#include "pam4sim/status.h"
#include "pam4sim/fec.h"
#include "pam4sim/rng.h"
#include <gsl/gsl_errno.h>
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

/* Every table built on first use is built here too, so that threads started later only read them. */
void p4_init(void)
{
    gsl_set_error_handler_off();
    p4_rng_init();
    p4_gf_init();
    p4_inner_init();
}
