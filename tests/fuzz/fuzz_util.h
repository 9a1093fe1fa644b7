/* fuzz_util.h - what the fuzz targets share: the input as a file of a chosen name. libFuzzer runs
 * one input at a time in a process, so one file per process (its pid in the name) is enough. */
#ifndef PAM4SIM_FUZZ_UTIL_H
#define PAM4SIM_FUZZ_UTIL_H
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Write data[size] to a file under /tmp ending in suffix; its path in path[n]. 0 or -1. */
static int fuzz_file(const uint8_t *data, size_t size, const char *suffix, char *path, size_t n)
{
    snprintf(path, n, "/tmp/pam4sim-fuzz-%ld%s", (long)getpid(), suffix);
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    int ok = fwrite(data, 1, size, f) == size;
    return fclose(f) == 0 && ok ? 0 : -1;
}
#endif
