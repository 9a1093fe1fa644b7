/* cli_wisdom.c - `pam4sim fft-wisdom`: measure this machine's FFT plans for pam4sim's sizes.
 *
 *   pam4sim fft-wisdom --out FILE [--max-size N]
 *
 * FFTW's measured plans are faster than its estimated ones, but measuring costs seconds per size, so
 * pam4sim never measures in a run: it uses the measurements kept as FFTW wisdom (fir.h,
 * p4_fft_plans). The built-in wisdom was measured on one processor; this command measures the same
 * sizes here, and PAM4SIM_FFTW_WISDOM=FILE makes every later run use them. The file is written
 * through a temporary and sealed; the command says how many of the plans a run will find in it.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <limits.h>
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
    size_t max_n = 131072;
    for (int i = 0; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--out") && v) out = v, i++;
        else if (!strcmp(argv[i], "--max-size") && v) {
            char *end;
            const double n = strtod(v, &end);
            if (end == v || *end || !(n >= 1024 && n <= 131072) || n != (double)(size_t)n) {
                fprintf(stderr, "pam4sim: fft-wisdom: --max-size %s: the largest transform to measure, a whole number of points in 1024 .. 131072\n", v);
                return 2;
            }
            max_n = (size_t)n, i++;
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
    int got = 0, sizes = 0;
    if (p4_fft_wisdom_measure(out, max_n, &got, &sizes, progress, NULL)) return cli_fail();
    char abs[PATH_MAX];
    const char *shown = realpath(out, abs) ? abs : out;
    printf("wrote %s: %d of the %d plans pam4sim makes up to %zu points measured; use it with\n"
           "  export PAM4SIM_FFTW_WISDOM=%s\n", out, got, sizes, max_n, shown);
    if (got < sizes) fprintf(stderr, "pam4sim: fft-wisdom: %d plans were not kept measured by FFTW; they will be estimated\n", sizes - got);
    return 0;
}
