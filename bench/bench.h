/* bench.h - what the benchmark programs share: clocks and building a link from --set style
 * overrides of the default (on one thread unless an override says otherwise). One-thread figures
 * are CPU time of the process (bench_cpu: the machines are shared, and CPU time varies less than
 * wall time); thread scaling needs wall time (bench_now). */
#ifndef P4_BENCH_H
#define P4_BENCH_H
#include "pam4sim/pam4sim.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* The default on one thread (figures per core) with the overrides applied, created; NULL (and a
 * printed message) on error. An override "file=PATH" loads that configuration file at its place. */
static inline p4_link *bench_link(const char *name, const char *const *sets, int nsets)
{
    p4_config c;
    p4_config_default(&c);
    c.threads = 1;
    for (int i = 0; i < nsets; i++)
        if (!strncmp(sets[i], "file=", 5) ? p4_config_load(&c, sets[i] + 5) : p4_config_set(&c, sets[i])) {
            printf("%s: %s\n", name, p4_last_error());
            return NULL;
        }
    p4_link *l = p4_link_create(&c);
    if (!l) printf("%s: %s\n", name, p4_last_error());
    return l;
}

static inline double bench_cpu(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Create the link (bench_link) and run `symbols`: counts into n, set-up and run seconds (CPU time
 * with one thread, else wall time). Returns the link for the caller's report (caller destroys it
 * and frees n), or NULL. */
static inline p4_link *bench_run(const char *name, const char *const *sets, int nsets, uint64_t symbols, p4_counts *n,
                                 double *setup_s, double *run_s)
{
    double t0 = bench_now(), c0 = bench_cpu();
    p4_link *l = bench_link(name, sets, nsets);
    if (!l) return NULL;
    double t1 = bench_now(), c1 = bench_cpu();
    p4_link_run(l, symbols, n);
    double t2 = bench_now(), c2 = bench_cpu();
    int one = !getenv("P4_BENCH_WALL"); /* thread scaling compares wall times */
    for (int i = 0; i < nsets; i++)
        if (!strncmp(sets[i], "sim.threads=", 12) && strcmp(sets[i], "sim.threads=1")) one = 0;
    *setup_s = one ? c1 - c0 : t1 - t0, *run_s = one ? c2 - c1 : t2 - t1;
    return l;
}

#endif
