/* ami_util.h - what the example IBIS-AMI models share: reading a number from the parameter string
 * the simulator passes to AMI_Init, "(root (name value) (branch (name value)) ...)".
 * The models include nothing of pam4sim: they are built as any vendor's model would be. */
#ifndef AMI_UTIL_H
#define AMI_UTIL_H
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* The value of the first "(name value)" at any depth, or def when absent. */
static double ami_param(const char *params, const char *name, double def)
{
    size_t n = strlen(name);
    for (const char *p = params ? strchr(params, '(') : NULL; p; p = strchr(p + 1, '(')) {
        const char *a = p + 1;
        while (isspace((unsigned char)*a)) a++;
        if (strncmp(a, name, n) || !isspace((unsigned char)a[n])) continue;
        char *e;
        double v = strtod(a + n, &e);
        if (e != a + n) return v;
    }
    return def;
}
#endif
