/* keycache.h - a small thread-safe cache of results (two doubles each) keyed by a 64-bit hash of
 * what produced them (a configuration's p4_config_hash), for the searches that evaluate the same
 * configuration more than once (module.c: a segment's statistics; mission.c: the host's choice of a
 * linear module's settings). First in, first out once full; a hit returns exactly what was stored,
 * so results do not depend on whether, or from which thread, a value was cached. Not public. */
#ifndef PAM4SIM_KEYCACHE_H
#define PAM4SIM_KEYCACHE_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define P4_KEYCACHE_SIZE 64

typedef struct {
    uint64_t key[P4_KEYCACHE_SIZE];
    double v[P4_KEYCACHE_SIZE][2];
    int n, next;
    pthread_mutex_t mu;
} p4_keycache;

#define P4_KEYCACHE_INIT {.mu = PTHREAD_MUTEX_INITIALIZER}

/* FNV-1a 64 of n bytes, continuing from h (start with P4_FNV0) */
#define P4_FNV0 0xcbf29ce484222325ull
static inline uint64_t p4_fnv64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* 1 and v[0..1] when key is there, else 0 */
static inline int p4_keycache_get(p4_keycache *c, uint64_t key, double v[2])
{
    int hit = 0;
    pthread_mutex_lock(&c->mu);
    for (int i = 0; i < c->n && !hit; i++)
        if (c->key[i] == key) v[0] = c->v[i][0], v[1] = c->v[i][1], hit = 1;
    pthread_mutex_unlock(&c->mu);
    return hit;
}

static inline void p4_keycache_put(p4_keycache *c, uint64_t key, const double v[2])
{
    pthread_mutex_lock(&c->mu);
    int i = c->n < P4_KEYCACHE_SIZE ? c->n++ : c->next++ % P4_KEYCACHE_SIZE;
    c->key[i] = key, c->v[i][0] = v[0], c->v[i][1] = v[1];
    pthread_mutex_unlock(&c->mu);
}

#endif
