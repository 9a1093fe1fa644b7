/* bad_init.c - a test model whose AMI_Init returns failure with a message. */
#include <stddef.h>
static char m[] = "bad_init: this model refuses every channel";
long AMI_Init(double *h, long r, long a, double si, double bt, char *in, char **out, void **mem, char **msg)
{
    (void)h, (void)r, (void)a, (void)si, (void)bt, (void)in;
    *out = NULL, *mem = NULL, *msg = m;
    return 0;
}
long AMI_Close(void *mem) { (void)mem; return 1; }
