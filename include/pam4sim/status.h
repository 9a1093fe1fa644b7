/* status.h - error reporting for libpam4sim.
 *
 * The library never aborts and never exits. Functions return a p4_status (P4_OK == 0) or, for
 * constructors, NULL; in both cases a one-line message naming the function, the parameter and the
 * allowed range is left in a thread-local buffer that p4_last_error() returns. The CLI prints that
 * line and exits non-zero. p4_init() switches GSL's aborting error handler off.
 */
#ifndef PAM4SIM_STATUS_H
#define PAM4SIM_STATUS_H
#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    P4_OK = 0,
    P4_EINVAL = 1, /* a parameter out of its range                   */
    P4_EIO = 2,    /* a file could not be read or written             */
    P4_EPARSE = 3, /* a file or a value could not be parsed           */
    P4_ENOMEM = 4, /* an allocation failed                            */
    P4_ENUM = 5    /* a numerical failure (singular matrix, no root)  */
} p4_status;

/* Set the message of the last error (printf-style) and return the status given. */
p4_status p4_error(p4_status st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The message of the last error on this thread ("" if none). */
const char *p4_last_error(void);
/* Library set-up: turns GSL's abort-on-error handler off and builds the shared tables (GF(2^10),
 * inner code, Gaussian sampler) so worker threads only read them. Safe to call many times. */
void p4_init(void);

#ifdef __cplusplus
}
#endif
#endif
