/* probe_input.c - a test model that passes everything through (its AMI_Init returns the impulse
 * matrix unchanged: a unit response) and writes the victim column it was given, one number a line,
 * to the file named by the environment variable P4_AMI_PROBE_OUT (nothing when unset): what a
 * receiver model sees at its input. */
#include <stdio.h>
#include <stdlib.h>
long AMI_Init(double *h, long r, long a, double si, double bt, char *in, char **out, void **mem, char **msg)
{
    (void)a, (void)bt, (void)in;
    static char empty[] = "";
    *out = empty, *msg = empty, *mem = NULL;
    const char *path = getenv("P4_AMI_PROBE_OUT");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "%.17g %ld\n", si, r);
        for (long i = 0; i < r; i++) fprintf(f, "%.17g\n", h[i]);
        fclose(f);
    }
    return 1;
}
long AMI_Close(void *mem) { (void)mem; return 1; }
