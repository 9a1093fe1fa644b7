/* budget.c - an architecture's budget in one key (see budget.h). */
#include "pam4sim/budget.h"
#include "pam4sim/checkpoint.h"
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/* The segment's configuration with what cannot change its simulation cleared: the optical line of
 * an electrical segment, the channel of a segment without one, the architecture and power keys. */
/* the cleared regions rely on config.h's order: the optical line's block ends where rx.* begins,
 * and the architecture and power keys close the struct */
_Static_assert(offsetof(p4_config, drv_swing_vpp) < offsetof(p4_config, tia_sat_vpp) &&
                   offsetof(p4_config, tia_sat_vpp) < offsetof(p4_config, eta0_v2_per_ghz),
               "p4_config: the optics block must lie between drv_swing_vpp and eta0_v2_per_ghz");
_Static_assert(offsetof(p4_config, stat_dfe_prop) < offsetof(p4_config, mod_tx_amplitude_v),
               "p4_config: the architecture keys must close the struct");

static uint64_t seg_key(const p4_config *s, uint64_t symbols)
{
    p4_config k = *s;
    char *b = (char *)&k;
    if (!k.optics_enable) memset(b + offsetof(p4_config, drv_swing_vpp), 0, offsetof(p4_config, eta0_v2_per_ghz) - offsetof(p4_config, drv_swing_vpp));
    if (!strcmp(k.ch_type, "none"))
        k.il_nyquist_db = k.skin_fraction = k.length_mm = k.reflection_coeff = 0, k.ch_file[0] = 0;
    memset(b + offsetof(p4_config, mod_tx_amplitude_v), 0, sizeof k - offsetof(p4_config, mod_tx_amplitude_v));
    k.symbols = (int64_t)symbols;
    return p4_config_hash(&k);
}

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER; /* searches may share a cache from threads */

static p4_status seg_ber(const p4_config *s, uint64_t symbols, p4_ber_cache *cache, double *ber)
{
    uint64_t key = cache ? seg_key(s, symbols) : 0;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; cache && i < cache->n; i++)
        if (cache->key[i] == key) {
            cache->hits++;
            *ber = cache->ber[i];
            pthread_mutex_unlock(&cache_mu);
            return P4_OK;
        }
    pthread_mutex_unlock(&cache_mu);
    p4_link *l = p4_link_create(s);
    if (!l) return P4_EINVAL;
    p4_counts n;
    p4_status st = p4_link_run(l, symbols, &n);
    p4_link_destroy(l);
    if (st) return st;
    *ber = n.bits ? (double)n.bit_errors / (double)n.bits : 0;
    p4_counts_free(&n);
    if (cache) {
        pthread_mutex_lock(&cache_mu);
        cache->misses++;
        int i = cache->n < P4_BER_CACHE ? cache->n++ : (int)(cache->misses % P4_BER_CACHE);
        cache->key[i] = key, cache->ber[i] = *ber;
        pthread_mutex_unlock(&cache_mu);
    }
    return P4_OK;
}

p4_status p4_arch_ber_sum(const p4_config *c, p4_arch a, uint64_t symbols, p4_ber_cache *cache, double *ber,
                          double *sb, p4_arch_plan *plan)
{
    p4_arch_plan p;
    p4_status st = p4_arch_plan_choose(c, a, &p);
    *ber = 0;
    for (int k = 0; !st && k < p.nseg; k++) {
        double b = 0;
        st = seg_ber(&p.seg[k].cfg, symbols, cache, &b);
        *ber += b;
        if (sb) sb[k] = b;
    }
    if (!st && plan) *plan = p;
    return st;
}

static p4_status at(const p4_config *c, p4_arch a, const char *key, double x, p4_ber_cache *cache, p4_budget *o, double *ber)
{
    p4_config v = *c;
    char kv[160];
    snprintf(kv, sizeof kv, "%s=%.17g", key, x);
    p4_status st = p4_config_set(&v, kv);
    if (!st) st = p4_arch_ber_sum(&v, a, (uint64_t)c->cmp_budget_symbols, cache, ber, NULL, NULL);
    if (!st && o->n < P4_BUDGET_POINTS) o->x[o->n] = x, o->ber[o->n] = *ber, o->n++;
    return st;
}

p4_status p4_arch_budget(const p4_config *c, p4_arch a, const char *key, double start, double step, double lo, double hi,
                         int bisect, p4_ber_cache *cache, p4_budget *o)
{
    memset(o, 0, sizeof *o);
    const double t = c->target_ber, floor_ber = 1 / (3.0 * 2 * (double)c->cmp_budget_symbols);
    double x = start < lo ? lo : start > hi ? hi : start, b;
    p4_status st = at(c, a, key, x, cache, o, &b);
    if (st) return st;
    double pass = NAN, fail = NAN, bp = 0, bf = 0;
    if (b < t) pass = x, bp = b;
    else fail = x, bf = b;
    /* step towards the other side of the target */
    const double dir = isnan(fail) ? step : -step;
    while (!st && (isnan(pass) || isnan(fail))) {
        double nx = x + dir;
        if (nx < lo) nx = lo;
        if (nx > hi) nx = hi;
        if (nx == x) { /* at a bound, still on one side */
            o->end = isnan(fail) ? P4_BUDGET_PASSES_ALL : P4_BUDGET_FAILS_ALL;
            o->value = x;
            return P4_OK;
        }
        x = nx;
        st = at(c, a, key, x, cache, o, &b);
        if (st) return st;
        if (b < t) pass = x, bp = b;
        else fail = x, bf = b;
    }
    for (int i = 0; !st && i < bisect; i++) {
        double m = 0.5 * (pass + fail);
        st = at(c, a, key, m, cache, o, &b);
        if (st) return st;
        if (b < t) pass = m, bp = b;
        else fail = m, bf = b;
    }
    double lp = log10(bp > floor_ber ? bp : floor_ber), lf = log10(bf), lt = log10(t);
    double w = lf > lp ? (lt - lp) / (lf - lp) : 0.5;
    if (w < 0) w = 0;
    if (w > 1) w = 1;
    o->end = P4_BUDGET_FOUND;
    o->value = pass + w * (fail - pass);
    return P4_OK;
}
