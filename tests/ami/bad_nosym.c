/* bad_nosym.c - a test model that exports AMI_Init but no AMI_Close. */
#include <stddef.h>
long AMI_Init(double *h, long r, long a, double si, double bt, char *in, char **out, void **mem, char **msg)
{
    (void)h, (void)r, (void)a, (void)si, (void)bt, (void)in;
    *out = NULL, *mem = NULL, *msg = NULL;
    return 1;
}
