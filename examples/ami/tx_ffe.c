/* tx_ffe.c - an example IBIS-AMI transmitter: a 5-tap symbol-spaced FFE, Init only.
 *
 * AMI_Init convolves every column of the impulse matrix (the victim and each aggressor: a TX
 * equalizer filters whatever it drives) with the FFE taps c(-3) c(-2) c(-1) c(0) c(1), causal:
 * out[n] = sum_k c_k h[n - k * samples_per_bit]. The taps come from the parameter string
 * (Model_Specific tx_ffe_ami: c_m3 .. c_1). GetWave_Exists is False: a simulator's time-domain flow
 * convolves its stimulus with the returned impulse response. Returns 1 on success, 0 with a
 * message when bit_time is not a whole number of sample intervals.
 */
#include <math.h>
#include <stdio.h>
#include "ami_util.h"

typedef struct {
    char msg[256];
    char out[64];
} tx_mem;

long AMI_Init(double *impulse_matrix, long row_size, long aggressors, double sample_interval, double bit_time,
              char *AMI_parameters_in, char **AMI_parameters_out, void **AMI_memory_handle, char **msg)
{
    tx_mem *m = calloc(1, sizeof *m);
    if (!m) return 0;
    *AMI_memory_handle = m;
    *msg = m->msg;
    *AMI_parameters_out = m->out;
    snprintf(m->out, sizeof m->out, "(tx_ffe_ami)");
    double spb_d = bit_time / sample_interval;
    long spb = lround(spb_d);
    if (spb < 1 || fabs(spb_d - spb) > 1e-6 * spb_d) {
        snprintf(m->msg, sizeof m->msg, "tx_ffe: bit_time %g s is not a whole number of sample intervals (%g s)", bit_time, sample_interval);
        return 0;
    }
    static const char *name[5] = {"c_m3", "c_m2", "c_m1", "c_0", "c_1"};
    double c[5];
    for (int k = 0; k < 5; k++) c[k] = ami_param(AMI_parameters_in, name[k], k == 3 ? 1 : 0);
    double *col = malloc((size_t)row_size * sizeof *col);
    if (!col) return 0;
    for (long a = 0; a <= aggressors; a++) {
        double *h = impulse_matrix + a * row_size;
        memcpy(col, h, (size_t)row_size * sizeof *col);
        for (long n = 0; n < row_size; n++) {
            double s = 0;
            for (int k = 0; k < 5; k++)
                if (n - k * spb >= 0) s += c[k] * col[n - k * spb];
            h[n] = s;
        }
    }
    free(col);
    snprintf(m->msg, sizeof m->msg, "tx_ffe: taps %.4g %.4g %.4g [%.4g] %.4g, %ld samples per bit, %ld aggressor columns",
             c[0], c[1], c[2], c[3], c[4], spb, aggressors);
    return 1;
}

long AMI_Close(void *AMI_memory)
{
    free(AMI_memory);
    return 1;
}
