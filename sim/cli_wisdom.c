/* cli_wisdom.c - `pam4sim fft-wisdom`: measure this machine's FFT plans for pam4sim's sizes.
 *
 *   pam4sim fft-wisdom --out FILE [--seconds S]
 *
 * FFTW's measured plans are faster than its estimated ones, but measuring costs seconds per size, so
 * pam4sim never measures in a run: it uses the measurements kept as FFTW wisdom (fir.h,
 * p4_fft_plans). The built-in wisdom was measured on one processor; this command measures the same
 * sizes here, and PAM4SIM_FFTW_WISDOM=FILE makes every later run use them. The file is written
 * through a temporary, so it is never half-written.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void progress(const char *what, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "fft-wisdom: measuring %s\n", what);
}

int cmd_fft_wisdom(int argc, char **argv)
{
    const char *out = NULL;
    double seconds = 0;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--out") && v) out = v, i++;
        else if (!strcmp(argv[i], "--seconds") && v) {
            char *end;
            seconds = strtod(v, &end);
            if (end == v || *end || !(seconds >= 0 && seconds <= 3600)) {
                fprintf(stderr, "pam4sim: fft-wisdom: --seconds %s: a time per size in seconds, 0 .. 3600 (0: no limit)\n", v);
                return 2;
            }
            i++;
        } else {
            fprintf(stderr, "pam4sim: fft-wisdom: unexpected argument '%s' (see pam4sim fft-wisdom --help)\n", argv[i]);
            return 2;
        }
    }
    if (!out) {
        fprintf(stderr, "pam4sim: fft-wisdom: --out FILE is required (the wisdom file to write)\n");
        return 2;
    }
    if (cli_check_writable("--out", out)) return 1;
    if (p4_fft_wisdom_measure(out, seconds, progress, NULL)) return cli_fail();
    printf("wrote %s: use it with  export PAM4SIM_FFTW_WISDOM=%s\n", out, out);
    return 0;
}
