/* bad_segv.c - a test model whose AMI_Init dereferences a null pointer. */
#include <stddef.h>
long AMI_Init(double *h, long r, long a, double si, double bt, char *in, char **out, void **mem, char **msg)
{
    (void)h, (void)r, (void)a, (void)si, (void)bt, (void)in, (void)out, (void)mem, (void)msg;
    volatile double *p = NULL;
    *p = 1;
    return 1;
}
long AMI_Close(void *mem) { (void)mem; return 1; }
