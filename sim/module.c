/* module.c - a module of lanes through one architecture, and a population of modules (module.h).
 *
 * The statistical evaluations (nominal margins, slopes, exact draws) are independent items, run in
 * rounds of threads (work.h), each on its own configuration at one thread and writing its own slot,
 * so the results do not depend on the thread count. The Monte Carlo lanes run one after the other,
 * each chain over all threads (arch.h).
 */
#include "pam4sim/module.h"
#include "pam4sim/checkpoint.h"
#include "pam4sim/rng.h"
#include "pam4sim/touchstone.h"
#include "pam4sim/stat.h"
#include "keycache.h"
#include "work.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const vary_names[P4_VARY_COUNT] = {"laser_power_db", "er_db", "modulator_bandwidth_ghz", "tia_bandwidth_ghz",
                                                      "driver_swing_vpp", "host_loss_db", "fiber_length_m", "connector_loss_db"};
static const char *const vary_keys[P4_VARY_COUNT] = {"optics.laser.power_dbm", "optics.eml.er_db", "optics.modulator.bandwidth_ghz",
                                                     "optics.tia.bandwidth_ghz", "optics.driver.swing_vpp", NULL,
                                                     "optics.fiber.length_m", "optics.connectors.loss_db"};

const char *p4_vary_name(int i) { return i >= 0 && i < P4_VARY_COUNT ? vary_names[i] : "?"; }
const char *p4_vary_key(int i, p4_arch a)
{
    if (i < 0 || i >= P4_VARY_COUNT) return "?";
    return vary_keys[i] ? vary_keys[i] : p4_arch_host_loss_key(a);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

p4_status p4_module_lane_config(const p4_config *c, int k, p4_config *out)
{
    *out = *c;
    out->seed = (int64_t)(((uint64_t)c->seed + 7919ull * (uint64_t)k) % 4611686018427387904ull);
    if (!strcmp(c->ch_type, "touchstone")) {
        p4_touchstone *ts = p4_touchstone_read(c->ch_file);
        if (!ts) return P4_EPARSE;
        p4_lane_map m;
        int given[64];
        for (int i = 0; i < (int)c->n_lane_map; i++) given[i] = (int)c->lane_map[i];
        p4_status st = ts->nports > 4 || c->n_lane_map ? p4_touchstone_lanes(ts, given, (int)c->n_lane_map, &m) : P4_OK;
        int nl = ts->nports > 4 || c->n_lane_map ? m.nlanes : 1;
        p4_touchstone_free(ts);
        if (st) return st;
        if (nl > 1) {
            if (k >= nl)
                return p4_error(P4_EINVAL, "%s has %d lanes; a module of %lld lanes needs one for each (power.lanes_per_module)", c->ch_file,
                                nl, (long long)c->pw_lanes);
            out->lane = k + 1;
        }
    }
    return P4_OK;
}

/* ---- statistical margins ---- */

/* The segments' statistical results, keyed by their configuration, seed included (the statistical
 * engine samples the DFE's error bursts from it): a budget search moves one key, and the segments
 * it does not change (the optical segment while the host loss moves, the host segments while the
 * OMA does) are evaluated once. */
static p4_keycache seg_cache = P4_KEYCACHE_INIT;

static p4_status seg_stat(const p4_config *seg, double der0, double *ber, double *margin)
{
    p4_config s = *seg;
    s.sps = s.stat_sps, s.tdecq_in_run = 0, s.stat_der0 = der0, s.threads = 1;
    if (!strcmp(s.rx_ami_flow, "auto")) snprintf(s.rx_ami_flow, sizeof s.rx_ami_flow, "init"); /* stat takes a model's Init */
    if (!strcmp(s.tx_ami_flow, "auto")) snprintf(s.tx_ami_flow, sizeof s.tx_ami_flow, "init");
    const uint64_t key = p4_config_hash(&s);
    double v[2];
    if (!p4_keycache_get(&seg_cache, key, v)) {
        p4_link *l = p4_link_create(&s);
        if (!l) return P4_EINVAL;
        p4_stat_result r;
        p4_status st = p4_stat_run(l, &r);
        p4_link_destroy(l);
        if (st) return st;
        v[0] = r.ber, v[1] = r.com_db;
        p4_stat_free(&r);
        p4_keycache_put(&seg_cache, key, v);
    }
    *ber = v[0], *margin = v[1];
    return P4_OK;
}

/* A lane's statistical BER (sum over its segments) and margin (its worst segment's, each at
 * target / nseg): module.h. */
p4_status p4_lane_stat(const p4_arch_plan *p, double target, double *ber, double *margin)
{
    double sum = 0, worst = INFINITY;
    for (int k = 0; k < p->nseg; k++) {
        double b, m;
        p4_status st = seg_stat(&p->seg[k].cfg, target / p->nseg, &b, &m);
        if (st) return st;
        sum += b, worst = fmin(worst, m);
    }
    *ber = sum, *margin = worst;
    return P4_OK;
}

/* One statistical evaluation: a lane's configuration, moved by dev[] (NULL: nominal), through the
 * architecture with fixed linear settings. */
typedef struct {
    const p4_config *lane;
    p4_arch a;
    double drv, tia;
    double dev[P4_VARY_COUNT];
    int moved;
    double ber, margin;
    p4_status st;
    char err[256];
} stat_item;

static p4_status moved_config(const p4_config *lane, p4_arch a, const double *dev, p4_config *out)
{
    *out = *lane;
    out->threads = 1;
    for (int i = 0; i < P4_VARY_COUNT; i++) {
        if (dev[i] == 0) continue;
        const char *key = p4_vary_key(i, a);
        double v, lo, hi;
        p4_status st = p4_config_number(out, key, &v, &lo, &hi);
        if (st) return st;
        if (isnan(v)) return p4_error(P4_EINVAL, "variation.%s: '%s' is auto, so there is nothing to vary (set it)", vary_names[i], key);
        v += dev[i];
        v = v < lo ? lo : v > hi ? hi : v;
        char kv[160];
        snprintf(kv, sizeof kv, "%s=%.17g", key, v);
        if ((st = p4_config_set(out, kv))) return st;
    }
    return P4_OK;
}

static void *stat_worker(void *arg)
{
    stat_item *it = arg;
    p4_config c;
    p4_arch_plan plan;
    it->st = moved_config(it->lane, it->a, it->dev, &c);
    if (!it->st) it->st = p4_arch_plan_make(&c, it->a, it->drv, it->tia, &plan);
    if (!it->st) it->st = p4_lane_stat(&plan, c.target_ber, &it->ber, &it->margin);
    if (it->st) snprintf(it->err, sizeof it->err, "%s", p4_last_error());
    return NULL;
}

/* Run n items in rounds of at most `threads` (0: one a core). */
static p4_status stat_items(stat_item *items, size_t n, int64_t threads)
{
    int nt = threads > 0 ? (int)threads : p4_default_threads();
    if (nt > 256) nt = 256;
    for (size_t i = 0; i < n; i += (size_t)nt) {
        int k = n - i < (size_t)nt ? (int)(n - i) : nt;
        p4_work_round(stat_worker, items + i, sizeof *items, k);
        for (int j = 0; j < k; j++)
            if (items[i + j].st) return p4_error(items[i + j].st, "%s", items[i + j].err);
    }
    return P4_OK;
}

/* ---- the module by Monte Carlo ---- */

static double ratio(uint64_t k, uint64_t n) { return n ? (double)k / (double)n : 0; }

p4_status p4_module_run(const p4_config *host, const p4_config *lanes, int nlanes, p4_arch a, uint64_t symbols, p4_module_result *r)
{
    memset(r, 0, sizeof *r);
    if (nlanes < 1 || nlanes > P4_MODULE_MAX_LANES)
        return p4_error(P4_EINVAL, "p4_module_run: %d lanes (allowed: 1 .. %d)", nlanes, P4_MODULE_MAX_LANES);
    const double t0 = now_s();
    r->arch = a, r->nlanes = nlanes;
    p4_arch_plan plan0;
    p4_status st = p4_arch_plan_choose(&lanes[0], a, &plan0); /* the host picks the linear settings once */
    r->drv_peaking_db = plan0.drv_peaking_db, r->tia_peaking_db = plan0.tia_peaking_db;
    const double drv = isnan(plan0.drv_peaking_db) ? 0 : plan0.drv_peaking_db, tia = isnan(plan0.tia_peaking_db) ? 0 : plan0.tia_peaking_db;
    stat_item *items = calloc((size_t)nlanes, sizeof *items);
    if (!st && !items) st = p4_error(P4_ENOMEM, "out of memory");
    double prod = 1, prod_hi = 1, worst = INFINITY;
    for (int k = 0; !st && k < nlanes; k++) {
        p4_arch_plan plan;
        st = p4_arch_plan_make(&lanes[k], a, drv, tia, &plan);
        p4_link *l[P4_ARCH_MAX_SEG] = {0};
        const p4_link_info *in[P4_ARCH_MAX_SEG];
        for (int s = 0; !st && s < plan.nseg; s++) {
            if (!(l[s] = p4_link_create(&plan.seg[s].cfg))) st = P4_EINVAL;
            else in[s] = p4_link_info_get(l[s]);
        }
        p4_chain_counts cc;
        memset(&cc, 0, sizeof cc);
        if (!st) st = p4_chain_run(l, plan.nseg, &lanes[k], symbols ? symbols : (uint64_t)host->symbols, &cc);
        if (!st) {
            p4_lane_result *o = &r->lane[k];
            const p4_counts *e = &cc.e2e;
            const p4_fec_counts *f = &e->fec;
            o->bits = e->bits, o->bit_errors = e->bit_errors, o->ber = ratio(e->bit_errors, e->bits);
            p4_clopper_pearson(e->bit_errors, e->bits, &o->ber_lo, &o->ber_hi);
            o->post_ber = ratio(f->msg_bit_errors, f->msg_bits);
            p4_clopper_pearson(f->msg_bit_errors, f->msg_bits, &o->post_lo, &o->post_hi);
            o->codewords = f->codewords, o->cw_lost = f->cw_failed + f->cw_miscorrected;
            o->flr = ratio(o->cw_lost, o->codewords);
            p4_clopper_pearson(o->cw_lost, o->codewords, &o->flr_lo, &o->flr_hi);
            p4_eye eye;
            p4_eye_measure(&cc.seg[plan.nseg - 1], p4_link_thresholds(l[plan.nseg - 1]), host->eye_ber, &eye);
            o->eye_height = eye.height[1];
            prod *= 1 - o->flr, prod_hi *= 1 - o->flr_hi;
            if (k == 0) p4_latency_of(host, &plan, in, &r->lat);
            items[k].lane = &lanes[k], items[k].a = a, items[k].drv = drv, items[k].tia = tia;
        }
        p4_chain_counts_free(&cc);
        for (int s = 0; s < P4_ARCH_MAX_SEG; s++) p4_link_destroy(l[s]);
    }
    if (!st) st = stat_items(items, (size_t)nlanes, host->threads);
    for (int k = 0; !st && k < nlanes; k++) {
        r->lane[k].stat_ber = items[k].ber, r->lane[k].margin_db = items[k].margin;
        if (items[k].margin < worst) worst = items[k].margin, r->worst = k;
    }
    free(items);
    r->flr = 1 - prod, r->flr_hi = 1 - prod_hi;
    p4_power_of(host, a, &r->pw);
    r->seconds = now_s() - t0;
    return st;
}

/* ---- a population ---- */

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double p4_population_yield(const p4_population *p, double threshold_db)
{
    int pass = 0;
    for (int m = 0; m < p->nmod; m++) pass += p->worst[m] >= threshold_db;
    return p->nmod ? (double)pass / p->nmod : 0;
}

void p4_population_free(p4_population *p)
{
    free(p->margin), free(p->dev), free(p->worst), free(p->worst_lane);
    memset(p, 0, sizeof *p);
}

p4_status p4_module_population(const p4_config *c, p4_arch a, int nmod, int exact, p4_population *p)
{
    memset(p, 0, sizeof *p);
    const int nl = (int)c->pw_lanes;
    if (nmod < 1 || nmod > 10000000) return p4_error(P4_EINVAL, "population: %d modules (allowed: 1 .. 10000000)", nmod);
    if (nl < 1 || nl > P4_MODULE_MAX_LANES)
        return p4_error(P4_EINVAL, "population: power.lanes_per_module = %d (allowed: 1 .. %d)", nl, P4_MODULE_MAX_LANES);
    const double t0 = now_s();
    p->nmod = nmod, p->nlanes = nl, p->exact = exact, p->threshold_db = c->mod_threshold_db;
    p->margin = calloc((size_t)nmod * nl, sizeof *p->margin);
    p->dev = calloc((size_t)nmod * nl * P4_VARY_COUNT, sizeof *p->dev);
    p->worst = calloc((size_t)nmod, sizeof *p->worst);
    p->worst_lane = calloc((size_t)nmod, sizeof *p->worst_lane);
    p4_config *lanes = calloc((size_t)nl, sizeof *lanes);
    if (!p->margin || !p->dev || !p->worst || !p->worst_lane || !lanes) {
        free(lanes);
        p4_population_free(p);
        return p4_error(P4_ENOMEM, "population: out of memory for %d modules", nmod);
    }
    p4_status st = P4_OK;
    for (int k = 0; !st && k < nl; k++) st = p4_module_lane_config(c, k, &lanes[k]);
    /* the host's linear settings, chosen on the nominal first lane */
    p4_arch_plan plan0;
    if (!st) st = p4_arch_plan_choose(&lanes[0], a, &plan0);
    const double drv = st || isnan(plan0.drv_peaking_db) ? 0 : plan0.drv_peaking_db;
    const double tia = st || isnan(plan0.tia_peaking_db) ? 0 : plan0.tia_peaking_db;
    /* a varied parameter that does not act here is left out: the host loss of a file channel */
    double width[P4_VARY_COUNT];
    for (int i = 0; i < P4_VARY_COUNT; i++) {
        width[i] = c->vary_width[i];
        if (i == 5 && a != P4_ARCH_NPO && a != P4_ARCH_CPO && strcmp(c->ch_type, "model")) width[i] = 0;
    }
    /* the draws: per module, the module-scope values, then each lane's */
    for (int m = 0; !st && m < nmod; m++) {
        p4_rng r;
        p4_rng_seed(&r, (uint64_t)c->seed, (uint64_t)m, P4_STREAM_VARY);
        double mod_draw[P4_VARY_COUNT];
        for (int i = 0; i < P4_VARY_COUNT; i++)
            mod_draw[i] = strcmp(c->vary_dist[i], "uniform") ? p4_rng_gauss(&r) : 2 * p4_rng_uniform(&r) - 1;
        for (int k = 0; k < nl; k++)
            for (int i = 0; i < P4_VARY_COUNT; i++) {
                double u = strcmp(c->vary_dist[i], "uniform") ? p4_rng_gauss(&r) : 2 * p4_rng_uniform(&r) - 1;
                double d = !strcmp(c->vary_scope[i], "module") ? mod_draw[i] : u;
                p->dev[((size_t)m * nl + k) * P4_VARY_COUNT + i] = width[i] * d;
            }
    }
    /* lanes that differ only in their seed (a loss-model host channel) share one expansion */
    int rep[P4_MODULE_MAX_LANES], nrep = 0, slot[P4_MODULE_MAX_LANES];
    for (int k = 0; !st && k < nl; k++) {
        rep[k] = k;
        for (int j = 0; j < k && rep[k] == k; j++) {
            p4_config x = lanes[k];
            x.seed = lanes[j].seed;
            if (!memcmp(&x, &lanes[j], sizeof x)) rep[k] = j;
        }
        slot[k] = rep[k] == k ? nrep++ : slot[rep[k]];
    }
    /* the nominal lanes and, for the expansion, +-1 width of each varied parameter */
    size_t nitem = exact ? (size_t)nmod * nl : (size_t)nrep * (1 + 2 * P4_VARY_COUNT);
    stat_item *items = st ? NULL : calloc(nitem, sizeof *items);
    if (!st && !items) st = p4_error(P4_ENOMEM, "population: out of memory");
    for (size_t j = 0; !st && j < nitem; j++) {
        stat_item *it = &items[j];
        it->a = a, it->drv = drv, it->tia = tia;
        if (exact) {
            int k = (int)(j % nl);
            it->lane = &lanes[k];
            memcpy(it->dev, p->dev + j * P4_VARY_COUNT, sizeof it->dev);
        } else {
            int r = (int)(j / (1 + 2 * P4_VARY_COUNT)), e = (int)(j % (1 + 2 * P4_VARY_COUNT)), k = 0;
            while (slot[k] != r || rep[k] != k) k++; /* the representative lane of slot r */
            it->lane = &lanes[k];
            if (e) it->dev[(e - 1) / 2] = (e % 2 ? 1 : -1) * width[(e - 1) / 2];
        }
    }
    /* an expansion item of a parameter that does not vary is not evaluated */
    size_t n_eval = 0;
    stat_item *todo = st ? NULL : malloc(nitem * sizeof *todo);
    size_t *where = st ? NULL : malloc(nitem * sizeof *where);
    if (!st && (!todo || !where)) st = p4_error(P4_ENOMEM, "population: out of memory");
    for (size_t j = 0; !st && j < nitem; j++) {
        int e = exact ? 0 : (int)(j % (1 + 2 * P4_VARY_COUNT));
        if (e && width[(e - 1) / 2] == 0) continue;
        todo[n_eval] = items[j], where[n_eval++] = j;
    }
    if (!st) st = stat_items(todo, n_eval, c->threads);
    for (size_t i = 0; !st && i < n_eval; i++) items[where[i]] = todo[i];
    if (!st) {
        if (exact) {
            for (size_t j = 0; j < nitem; j++) p->margin[j] = items[j].margin;
            /* the nominal lanes, for the report */
            stat_item nom[P4_MODULE_MAX_LANES];
            memset(nom, 0, sizeof nom);
            for (int k = 0; k < nl; k++) nom[k].lane = &lanes[k], nom[k].a = a, nom[k].drv = drv, nom[k].tia = tia;
            st = stat_items(nom, (size_t)nl, c->threads);
            for (int k = 0; !st && k < nl; k++) p->nominal[k] = nom[k].margin;
        } else {
            for (int k = 0; k < nl; k++) {
                const stat_item *b = &items[(size_t)slot[k] * (1 + 2 * P4_VARY_COUNT)];
                p->nominal[k] = b[0].margin;
                for (int i = 0; i < P4_VARY_COUNT; i++)
                    p->slope[k][i] = width[i] > 0 ? (b[1 + 2 * i].margin - b[2 + 2 * i].margin) / (2 * width[i]) : 0;
            }
            for (int m = 0; m < nmod; m++)
                for (int k = 0; k < nl; k++) {
                    const double *d = p->dev + ((size_t)m * nl + k) * P4_VARY_COUNT;
                    double v = p->nominal[k];
                    for (int i = 0; i < P4_VARY_COUNT; i++) v += p->slope[k][i] * d[i];
                    p->margin[(size_t)m * nl + k] = v;
                }
        }
    }
    free(items), free(todo), free(where), free(lanes);
    if (st) {
        p4_population_free(p);
        return st;
    }
    /* worst lanes, yield, percentiles, what drives the failures */
    for (int m = 0; m < nmod; m++) {
        int w = 0;
        for (int k = 1; k < nl; k++)
            if (p->margin[(size_t)m * nl + k] < p->margin[(size_t)m * nl + w]) w = k;
        p->worst[m] = p->margin[(size_t)m * nl + w], p->worst_lane[m] = w;
    }
    p->yield = p4_population_yield(p, p->threshold_db);
    double *sorted = malloc((size_t)nmod * sizeof *sorted);
    if (sorted) {
        memcpy(sorted, p->worst, (size_t)nmod * sizeof *sorted);
        qsort(sorted, (size_t)nmod, sizeof *sorted, cmp_dbl);
        const double pts[5] = {0, 0.01, 0.05, 0.5, 0.95};
        for (int i = 0; i < 5; i++) p->worst_pct[i] = sorted[(size_t)floor(pts[i] * (nmod - 1) + 0.5)];
        free(sorted);
    }
    double mw = 0, sw = 0;
    for (int m = 0; m < nmod; m++) mw += p->worst[m];
    mw /= nmod;
    for (int m = 0; m < nmod; m++) sw += (p->worst[m] - mw) * (p->worst[m] - mw);
    for (int i = 0; i < P4_VARY_COUNT; i++) {
        double mx = 0, sx = 0, sxy = 0;
        for (int m = 0; m < nmod; m++) mx += p->dev[((size_t)m * nl + p->worst_lane[m]) * P4_VARY_COUNT + i];
        mx /= nmod;
        for (int m = 0; m < nmod; m++) {
            double x = p->dev[((size_t)m * nl + p->worst_lane[m]) * P4_VARY_COUNT + i] - mx;
            sx += x * x, sxy += x * (p->worst[m] - mw);
        }
        p->corr[i] = sx > 0 && sw > 0 ? sxy / sqrt(sx * sw) : 0;
        p->rank[i] = i;
    }
    for (int i = 1; i < P4_VARY_COUNT; i++) /* by |corr|, largest first (insertion sort: 8 entries) */
        for (int j = i; j > 0 && fabs(p->corr[p->rank[j]]) > fabs(p->corr[p->rank[j - 1]]); j--) {
            int t = p->rank[j];
            p->rank[j] = p->rank[j - 1], p->rank[j - 1] = t;
        }
    p->seconds = now_s() - t0;
    return P4_OK;
}
