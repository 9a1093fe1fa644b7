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

/* searches may share a cache from threads; a segment being simulated is marked in flight, and a
 * search that needs the same one waits for it instead of simulating it again */
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cache_cv = PTHREAD_COND_INITIALIZER;
#define IN_FLIGHT 64
static uint64_t in_flight[IN_FLIGHT];
static int n_in_flight;

static int cache_find(const p4_ber_cache *cache, uint64_t key, double *ber)
{
    for (int i = 0; i < cache->n; i++)
        if (cache->key[i] == key) return *ber = cache->ber[i], 1;
    return 0;
}

static int flying(uint64_t key)
{
    for (int i = 0; i < n_in_flight; i++)
        if (in_flight[i] == key) return 1;
    return 0;
}

static void land(uint64_t key)
{
    for (int i = 0; i < n_in_flight; i++)
        if (in_flight[i] == key) {
            in_flight[i] = in_flight[--n_in_flight];
            break;
        }
    pthread_cond_broadcast(&cache_cv);
}

static p4_status seg_ber(const p4_config *s, uint64_t symbols, p4_ber_cache *cache, double *ber)
{
    uint64_t key = cache ? seg_key(s, symbols) : 0;
    int mine = 0;
    if (cache) {
        pthread_mutex_lock(&cache_mu);
        for (;;) {
            if (cache_find(cache, key, ber)) {
                cache->hits++;
                pthread_mutex_unlock(&cache_mu);
                return P4_OK;
            }
            if (!flying(key)) break;
            pthread_cond_wait(&cache_cv, &cache_mu);
        }
        if (n_in_flight < IN_FLIGHT) in_flight[n_in_flight++] = key, mine = 1;
        pthread_mutex_unlock(&cache_mu);
    }
    p4_link *l = p4_link_create(s);
    p4_status st = l ? P4_OK : P4_EINVAL;
    p4_counts n;
    if (!st) st = p4_link_run(l, symbols, &n);
    p4_link_destroy(l);
    if (!st) {
        *ber = n.bits ? (double)n.bit_errors / (double)n.bits : 0;
        p4_counts_free(&n);
    }
    if (cache) {
        pthread_mutex_lock(&cache_mu);
        if (!st) {
            cache->misses++;
            int i = cache->n < P4_BER_CACHE ? cache->n++ : (int)(cache->misses % P4_BER_CACHE);
            cache->key[i] = key, cache->ber[i] = *ber;
        }
        if (mine) land(key);
        pthread_mutex_unlock(&cache_mu);
    }
    return st;
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

/* Screening: 1 when a BER measured on `symbols` symbols per segment (2 bits each) lies beyond a
 * factor 2 of the target t at 99 % confidence (two-sided Poisson bounds of the error count, in
 * Wilson's form, the upper one with one error more). */
static int decided(double ber, uint64_t symbols, double t)
{
    const double z = 2.5758, bits = 2.0 * (double)symbols, k = round(ber * bits);
    const double r = z * sqrt(k + z * z / 4), up = (k + z * z / 2 + r + 1) / bits, lo = (k + z * z / 2 - r) / bits;
    return up < t / 2 || lo > 2 * t;
}

/* The end-to-end BER at key = x (full: always the whole compare.budget_symbols). */
static p4_status at_x(const p4_config *c, p4_arch a, const char *key, double x, int full, p4_ber_cache *cache, p4_budget *o,
                      double *ber)
{
    p4_config v = *c;
    char kv[160];
    snprintf(kv, sizeof kv, "%s=%.17g", key, x);
    p4_status st = p4_config_set(&v, kv);
    uint64_t sym = (uint64_t)c->cmp_budget_symbols, quick = sym / 4;
    if (!st && !full && c->cmp_budget_screen && quick >= 1000) {
        st = p4_arch_ber_sum(&v, a, quick, cache, ber, NULL, NULL);
        if (!st && decided(*ber, quick, c->target_ber)) sym = quick;
    }
    if (!st && sym == (uint64_t)c->cmp_budget_symbols) st = p4_arch_ber_sum(&v, a, sym, cache, ber, NULL, NULL);
    if (!st && o->n < P4_BUDGET_POINTS) o->x[o->n] = x, o->ber[o->n] = *ber, o->symbols[o->n] = sym, o->n++;
    return st;
}

/* The BER of a bracketing point from the full run (a screened point is run again in full; the
 * decision stays the screened one's, which the full run confirms unless it lies within the factor
 * 2 of the screen). */
static p4_status full_ber(const p4_config *c, p4_arch a, const char *key, double x, p4_ber_cache *cache, p4_budget *o,
                          double *ber)
{
    for (int i = o->n - 1; i >= 0; i--)
        if (o->x[i] == x) {
            if (o->symbols[i] == (uint64_t)c->cmp_budget_symbols) return *ber = o->ber[i], P4_OK;
            p4_budget tmp = {0};
            p4_status st = at_x(c, a, key, x, 1, cache, &tmp, ber);
            if (!st) o->ber[i] = *ber, o->symbols[i] = tmp.symbols[0];
            return st;
        }
    return P4_OK;
}

p4_status p4_arch_budget(const p4_config *c, p4_arch a, const char *key, double start, double step, double lo, double hi,
                         int bisect, p4_ber_cache *cache, p4_budget *o)
{
    memset(o, 0, sizeof *o);
    const double t = c->target_ber, floor_ber = 1 / (3.0 * 2 * (double)c->cmp_budget_symbols);
    double x = start < lo ? lo : start > hi ? hi : start, b;
    p4_status st = at_x(c, a, key, x, 0, cache, o, &b);
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
        st = at_x(c, a, key, x, 0, cache, o, &b);
        if (st) return st;
        if (b < t) pass = x, bp = b;
        else fail = x, bf = b;
    }
    for (int i = 0; !st && i < bisect; i++) {
        double m = 0.5 * (pass + fail);
        st = at_x(c, a, key, m, 0, cache, o, &b);
        if (st) return st;
        if (b < t) pass = m, bp = b;
        else fail = m, bf = b;
    }
    st = full_ber(c, a, key, pass, cache, o, &bp);
    if (!st) st = full_ber(c, a, key, fail, cache, o, &bf);
    if (st) return st;
    double lp = log10(bp > floor_ber ? bp : floor_ber), lf = log10(bf > floor_ber ? bf : floor_ber), lt = log10(t);
    double w = lf > lp ? (lt - lp) / (lf - lp) : 0.5;
    if (w < 0) w = 0;
    if (w > 1) w = 1;
    o->end = P4_BUDGET_FOUND;
    o->value = pass + w * (fail - pass);
    return P4_OK;
}
