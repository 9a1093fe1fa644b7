/* gw_passthru.c - a test model with GetWave that changes nothing and returns no clock times (IBIS
 * then leaves the clock to the simulator): its Init returns the impulse unchanged, its GetWave the
 * waveform unchanged, and clock_times[0] = -1. */
#include <stddef.h>
long AMI_Init(double *h, long r, long a, double si, double bt, char *in, char **out, void **mem, char **msg)
{
    (void)h, (void)r, (void)a, (void)si, (void)bt, (void)in;
    static char empty[] = "";
    *out = empty, *msg = empty, *mem = NULL;
    return 1;
}
long AMI_GetWave(double *wave, long n, double *clock_times, char **out, void *mem)
{
    (void)wave, (void)n, (void)mem;
    static char empty[] = "";
    *out = empty;
    clock_times[0] = -1;
    return 1;
}
long AMI_Close(void *mem) { (void)mem; return 1; }
