/* work.c - work units and rounds of threads (see work.h). */
#include "work.h"
#include "pam4sim/link.h"
#include <pthread.h>

int p4_work_plan(uint64_t *symbols, size_t unit_symbols, size_t F, int64_t threads, size_t *L, uint64_t *nunits)
{
    size_t u = unit_symbols;
    if (F > 1) { /* whole frames: units and the run start and end on frame boundaries */
        u = u / F * F;
        if (u < F) u = F;
        *symbols = (*symbols + F - 1) / F * F;
    }
    *L = u;
    *nunits = (*symbols + u - 1) / u;
    int nw = threads > 0 ? (int)threads : p4_default_threads();
    if ((uint64_t)nw > *nunits) nw = (int)*nunits;
    return nw < 1 ? 1 : nw;
}

void p4_work_round(void *(*fn)(void *), void *items, size_t size, int n)
{
    pthread_t tid[256];
    char *it = items;
    int started = 0;
    if (n > 1)
        for (; started < n && started < 256; started++)
            if (pthread_create(&tid[started], NULL, fn, it + (size_t)started * size)) break;
    for (int i = started; i < n; i++) fn(it + (size_t)i * size); /* one unit, or threads refused */
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
}
