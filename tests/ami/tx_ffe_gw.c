/* tx_ffe_gw.c - a test IBIS-AMI transmitter with GetWave: the example 5-tap symbol-spaced FFE
 * (examples/ami/tx_ffe.c: c(-3) .. c(1)) in both flows.
 *
 * AMI_Init is the example's (every column of the impulse matrix convolved with the taps, causal:
 * out[n] = sum_k c_k h[n - k * samples_per_bit]); it returns the impulse. AMI_GetWave applies the
 * same FFE to the waveform, in place and stateful across calls (the last 4 bits of input are
 * kept), each output summed from zero over the taps in order c(-3) .. c(1); a new AMI_Init starts
 * the history over (zeros). It returns no clock times.
 */
#define AMI_Init tx_ffe_init
#define AMI_Close tx_ffe_close
#include "../../examples/ami/tx_ffe.c"
#undef AMI_Init
#undef AMI_Close

typedef struct {
    void *ffe;     /* the example's Init memory (its message) */
    double c[5];
    long spb;
    double *buf;   /* history (4 bits) then the current block's input */
    long cap;
} gw_mem;

long AMI_Init(double *impulse_matrix, long row_size, long aggressors, double sample_interval, double bit_time,
              char *AMI_parameters_in, char **AMI_parameters_out, void **AMI_memory_handle, char **msg)
{
    gw_mem *m = calloc(1, sizeof *m);
    if (!m) return 0;
    *AMI_memory_handle = m;
    long ok = tx_ffe_init(impulse_matrix, row_size, aggressors, sample_interval, bit_time, AMI_parameters_in, AMI_parameters_out,
                          &m->ffe, msg);
    static const char *name[5] = {"c_m3", "c_m2", "c_m1", "c_0", "c_1"};
    for (int k = 0; k < 5; k++) m->c[k] = ami_param(AMI_parameters_in, name[k], k == 3 ? 1 : 0);
    m->spb = lround(bit_time / sample_interval);
    return ok;
}

long AMI_GetWave(double *wave, long n, double *clock_times, char **AMI_parameters_out, void *AMI_memory)
{
    (void)clock_times, (void)AMI_parameters_out;
    gw_mem *m = AMI_memory;
    const long H = 4 * m->spb;
    if (H + n > m->cap) {
        double *b = realloc(m->buf, (size_t)(H + n) * sizeof *b);
        if (!b) return 0;
        if (!m->buf) memset(b, 0, (size_t)H * sizeof *b);
        m->buf = b, m->cap = H + n;
    }
    memcpy(m->buf + H, wave, (size_t)n * sizeof *wave);
    for (long i = 0; i < n; i++) {
        double s = 0;
        for (int k = 0; k < 5; k++) s += m->c[k] * m->buf[H + i - k * m->spb];
        wave[i] = s;
    }
    memmove(m->buf, m->buf + n, (size_t)H * sizeof *m->buf);
    return 1;
}

long AMI_Close(void *AMI_memory)
{
    gw_mem *m = AMI_memory;
    if (!m) return 1;
    tx_ffe_close(m->ffe);
    free(m->buf);
    free(m);
    return 1;
}
