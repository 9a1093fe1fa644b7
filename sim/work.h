/* work.h - work units and rounds of threads, shared by the link's run and the chain's run (not public).
 *
 * A run of `symbols` is cut into units of L symbols; with a frame of F > 1 symbols (KP4) the unit
 * and the run are whole frames. A round runs one unit per worker, each in its own thread (the
 * caller's thread alone for one unit, or where a thread cannot be started); the caller merges the
 * workers' counts in unit order afterwards, so the result does not depend on the thread count.
 */
#ifndef PAM4SIM_WORK_H
#define PAM4SIM_WORK_H
#include <stddef.h>
#include <stdint.h>

/* Rounds *symbols up to whole frames, sets *L (symbols per unit) and *nunits; returns the workers:
 * threads (0: one per core), at most the number of units, at least 1. */
int p4_work_plan(uint64_t *symbols, size_t unit_symbols, size_t frame, int64_t threads, size_t *L, uint64_t *nunits);

/* fn(items + i * size) for i < n, in threads (n <= 256). */
void p4_work_round(void *(*fn)(void *), void *items, size_t size, int n);

#endif
