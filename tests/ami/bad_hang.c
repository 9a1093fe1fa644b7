/* bad_hang.c - a test model whose AMI_Init never returns. */
#include <stddef.h>
#include <unistd.h>
long AMI_Init(double *h, long r, long a, double si, double bt, char *in, char **out, void **mem, char **msg)
{
    (void)h, (void)r, (void)a, (void)si, (void)bt, (void)in, (void)out, (void)mem, (void)msg;
    for (;;) pause();
    return 1;
}
long AMI_Close(void *mem) { (void)mem; return 1; }
