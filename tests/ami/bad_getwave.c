/* bad_getwave.c - a test model whose AMI_Init succeeds (it returns the impulse unchanged) and whose
 * AMI_GetWave dereferences a null pointer. */
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
    (void)wave, (void)n, (void)clock_times, (void)out, (void)mem;
    volatile double *p = NULL;
    *p = 1;
    return 1;
}
long AMI_Close(void *mem) { (void)mem; return 1; }
