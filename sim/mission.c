/* mission.c - the mission: DSP-retimed and LPO (or any rungs) side by side, Monte Carlo counts and
 * statistical margins and budgets (mission.h).
 *
 * The Monte Carlo chains run one after the other, each over all threads; the statistical budget
 * searches (two per architecture) then run at once, one per thread, each evaluation at one thread,
 * so neither result depends on the thread count.
 */
#include "pam4sim/mission.h"
#include "pam4sim/module.h"
#include "pam4sim/checkpoint.h"
#include "pam4sim/stat.h"
#include "keycache.h"
#include "work.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double ratio(uint64_t k, uint64_t n) { return n ? (double)k / (double)n : 0; }

p4_status p4_mission_config_default(p4_config *c)
{
    p4_status st = p4_arch_config_default(c);
    if (!st) st = p4_config_set(c, "sim.symbols=65536");
    if (!st) st = p4_config_set(c, "stat.sps=16"); /* the rate the statistical engine is checked against Monte Carlo at */
    return st;
}


/* c with key = x */
static p4_status config_at(const p4_config *c, const char *key, double x, p4_config *v)
{
    *v = *c;
    char kv[160];
    snprintf(kv, sizeof kv, "%s=%.17g", key, x);
    return p4_config_set(v, kv);
}

/* the margin at key = x with the linear module's settings held at (drv, tia) */
static p4_status margin_at(const p4_config *c, p4_arch a, const char *key, double x, double drv, double tia, p4_budget *o, double *m)
{
    p4_config v;
    double ber;
    p4_arch_plan p;
    p4_status st = config_at(c, key, x, &v);
    if (!st) st = p4_arch_plan_make(&v, a, drv, tia, &p);
    if (!st) st = p4_lane_stat(&p, v.target_ber, &ber, m);
    if (!st && !isfinite(*m)) *m = *m > 0 ? 100 : -100; /* an eye closed beyond any grid: far on its side */
    if (!st && o->n < P4_BUDGET_POINTS) o->x[o->n] = x, o->ber[o->n] = *m, o->n++;
    return st;
}

/* The host's choices already made (its linear module's settings; 0, 0 where there are none), keyed
 * by the configuration (the seed and thread count aside) and the architecture: the searches of one
 * architecture start from the same nominal point. */
static p4_keycache choices = P4_KEYCACHE_INIT;

static uint64_t choice_key(const p4_config *v, p4_arch a)
{
    p4_config k = *v;
    k.seed = 0, k.threads = 0;
    return p4_config_hash(&k) ^ (0x9E3779B97F4A7C15ull * (uint64_t)(a + 1));
}

static void choice_put(uint64_t h, double drv, double tia)
{
    const double v[2] = {drv, tia};
    p4_keycache_put(&choices, h, v);
}


static p4_status choose_at(const p4_config *c, p4_arch a, const char *key, double x, double *drv, double *tia)
{
    p4_config v;
    p4_status st = config_at(c, key, x, &v);
    if (st) return st;
    uint64_t h = choice_key(&v, a);
    double got[2];
    if (p4_keycache_get(&choices, h, got)) {
        *drv = got[0], *tia = got[1];
        return P4_OK;
    }
    p4_arch_plan p;
    st = p4_arch_plan_choose(&v, a, &p);
    if (st) return st;
    *drv = isnan(p.drv_peaking_db) ? 0 : p.drv_peaking_db, *tia = isnan(p.tia_peaking_db) ? 0 : p.tia_peaking_db;
    choice_put(h, *drv, *tia);
    return P4_OK;
}

p4_status p4_arch_stat(const p4_config *c, p4_arch a, double *ber, double *margin_db)
{
    p4_arch_plan plan;
    p4_status st = p4_arch_plan_choose(c, a, &plan);
    return st ? st : p4_lane_stat(&plan, c->target_ber, ber, margin_db);
}

/* Secant on the margin (dB), which is smooth in a loss or a power in dB, with the linear settings
 * held; the first step from the expected slope; a step that leaves [lo, hi] stops at the bound. */
static p4_status secant(const p4_config *c, p4_arch a, const char *key, double x0, double m0, double slope_guess, double lo,
                        double hi, double drv, double tia, p4_budget *o, double *xr, double *mr)
{
    p4_status st = isfinite(m0) ? P4_OK : margin_at(c, a, key, x0, drv, tia, o, &m0);
    double x1 = x0 - m0 / slope_guess, m1 = m0;
    x1 = x1 < lo ? lo : x1 > hi ? hi : x1;
    if (x1 == x0) x1 = x0 + (x0 < hi ? 1e-3 * (hi - lo) : -1e-3 * (hi - lo));
    if (!st) st = margin_at(c, a, key, x1, drv, tia, o, &m1);
    for (int it = 0; !st && it < 12 && fabs(m1) > 0.03; it++) {
        double s = (m1 - m0) / (x1 - x0);
        if (!(s * slope_guess > 0)) s = slope_guess; /* a flat or turned step: the expected slope */
        double x2 = x1 - m1 / s;
        x2 = x2 < lo ? lo : x2 > hi ? hi : x2;
        if (x2 == x1) break; /* at a bound, still on one side */
        x0 = x1, m0 = m1, x1 = x2;
        st = margin_at(c, a, key, x1, drv, tia, o, &m1);
        if (fabs(x1 - x0) < 1e-3) break;
    }
    *xr = x1, *mr = m1;
    return st;
}

p4_status p4_arch_stat_budget(const p4_config *c, p4_arch a, const char *key, double start, double m_start, double slope_guess,
                              double lo, double hi, p4_budget *o)
{
    memset(o, 0, sizeof *o);
    if (!(slope_guess != 0) || !(lo < hi)) return p4_error(P4_EINVAL, "p4_arch_stat_budget: slope_guess != 0 and lo < hi needed");
    double x = start < lo ? lo : start > hi ? hi : start, m = x == start ? m_start : NAN, drv, tia;
    if (isfinite(m)) o->x[0] = x, o->ber[0] = m, o->n = 1; /* known: the caller's evaluation */
    /* the host chooses the linear settings at the start; the search holds them, then the host
     * chooses again at the crossing, and the search goes on from there until the choice stands */
    p4_status st = choose_at(c, a, key, x, &drv, &tia);
    for (int round = 0; !st && round < 4; round++) {
        st = secant(c, a, key, x, m, slope_guess, lo, hi, drv, tia, o, &x, &m);
        double d2, t2;
        if (!st) st = choose_at(c, a, key, x, &d2, &t2);
        if (st || (d2 == drv && t2 == tia)) break;
        drv = d2, tia = t2, m = NAN;
    }
    if (st) return st;
    o->value = x;
    o->end = fabs(m) <= 0.05 ? P4_BUDGET_FOUND : m > 0 ? P4_BUDGET_PASSES_ALL : P4_BUDGET_FAILS_ALL;
    return P4_OK;
}

/* ---- the mission ---- */

typedef struct {
    const p4_config *c;
    p4_mission_arch *r;
    int which; /* 0: host loss, 1: received OMA */
    p4_status st;
    char err[256];
} budget_job;

static void *budget_worker(void *arg)
{
    budget_job *j = arg;
    p4_config c = *j->c;
    c.threads = 1;
    p4_mission_arch *r = j->r;
    if (j->which == 0)
        j->st = p4_arch_stat_budget(&c, r->arch, r->host_key, r->host_nominal, r->margin_db, -1, 0, c.cmp_host_il_max_db, &r->host);
    else {
        c.rx_power_dbm = NAN; /* the search sets the received OMA */
        j->st = p4_arch_stat_budget(&c, r->arch, "optics.rx.oma_dbm", r->oma_nominal, NAN, 1, -30, 10, &r->oma);
    }
    if (j->st) snprintf(j->err, sizeof j->err, "%s", p4_last_error());
    return NULL;
}

typedef struct {
    const p4_config *c;
    p4_mission_arch *r;
    p4_status st;
    char err[256];
} stat_job;

static void *stat_worker(void *arg)
{
    stat_job *j = arg;
    p4_config c = *j->c;
    c.threads = 1;
    j->st = p4_lane_stat(&j->r->plan, c.target_ber, &j->r->stat_ber, &j->r->margin_db);
    if (j->st) snprintf(j->err, sizeof j->err, "%s", p4_last_error());
    return NULL;
}

void p4_mission_free(p4_mission *m)
{
    for (int i = 0; i < m->narch; i++) p4_chain_counts_free(&m->r[i].cc);
    m->narch = 0;
}

p4_status p4_mission_run(const p4_config *c, const p4_arch *archs, int narch, int with_budgets, p4_mission *m)
{
    memset(m, 0, sizeof *m);
    if (narch < 1 || narch > P4_ARCH_COUNT) return p4_error(P4_EINVAL, "p4_mission_run: %d architectures (allowed: 1 .. %d)", narch, P4_ARCH_COUNT);
    double t0 = now_s();
    p4_status st = P4_OK;
    for (int i = 0; !st && i < narch; i++) {
        p4_mission_arch *r = &m->r[i];
        r->arch = archs[i];
        m->narch = i + 1;
        st = p4_arch_plan_choose(c, r->arch, &r->plan);
        p4_link *l[P4_ARCH_MAX_SEG] = {0};
        const p4_link_info *in[P4_ARCH_MAX_SEG];
        int optical = 0;
        for (int k = 0; !st && k < r->plan.nseg; k++) {
            if (!(l[k] = p4_link_create(&r->plan.seg[k].cfg))) st = P4_EINVAL;
            else in[k] = p4_link_info_get(l[k]);
            if (!st && r->plan.seg[k].optical) optical = k;
        }
        if (!st) st = p4_chain_run(l, r->plan.nseg, c, (uint64_t)c->symbols, &r->cc);
        if (!st) {
            const p4_counts *e = &r->cc.e2e;
            const p4_fec_counts *f = &e->fec;
            r->ber = ratio(e->bit_errors, e->bits);
            p4_clopper_pearson(e->bit_errors, e->bits, &r->ber_lo, &r->ber_hi);
            r->post_ber = ratio(f->msg_bit_errors, f->msg_bits);
            p4_clopper_pearson(f->msg_bit_errors, f->msg_bits, &r->post_lo, &r->post_hi);
            r->flr = ratio(f->cw_failed + f->cw_miscorrected, f->codewords);
            p4_clopper_pearson(f->cw_failed + f->cw_miscorrected, f->codewords, &r->flr_lo, &r->flr_hi);
            p4_eye eye;
            p4_eye_measure(&r->cc.seg[r->plan.nseg - 1], p4_link_thresholds(l[r->plan.nseg - 1]), c->eye_ber, &eye);
            r->eye_height = eye.height[1];
            p4_latency_of(c, &r->plan, in, &r->lat);
            p4_power_of(c, r->arch, &r->pw);
            r->oma_nominal = p4_w_to_dbm(in[optical]->opt.rx_oma_w);
            r->host_key = p4_arch_host_loss_key(r->arch);
            double lo, hi;
            if (!strcmp(c->ch_type, "model") || r->arch == P4_ARCH_NPO || r->arch == P4_ARCH_CPO)
                st = p4_config_number(c, r->host_key, &r->host_nominal, &lo, &hi);
            else
                r->host_key = NULL; /* a measured host board: no loss key to move */
        }
        for (int k = 0; k < P4_ARCH_MAX_SEG; k++) p4_link_destroy(l[k]);
    }
    /* the budget searches start where the host already chose: its choice, at their start points */
    for (int i = 0; !st && with_budgets && i < narch; i++) {
        const p4_mission_arch *r = &m->r[i];
        double drv = isnan(r->plan.drv_peaking_db) ? 0 : r->plan.drv_peaking_db, tia = isnan(r->plan.tia_peaking_db) ? 0 : r->plan.tia_peaking_db;
        p4_config v, w = *c;
        w.threads = 1;
        if (r->host_key && !config_at(&w, r->host_key, r->host_nominal, &v)) choice_put(choice_key(&v, r->arch), drv, tia);
        w.rx_power_dbm = NAN; /* as the OMA search sets it: the received OMA given, at its nominal value */
        if (!config_at(&w, "optics.rx.oma_dbm", r->oma_nominal, &v)) choice_put(choice_key(&v, r->arch), drv, tia);
    }
    m->seconds_mc = now_s() - t0;
    t0 = now_s();
    /* the nominal statistical margins, then the budgets, all at once */
    stat_job sj[P4_ARCH_COUNT];
    for (int i = 0; !st && i < narch; i++) sj[i] = (stat_job){.c = c, .r = &m->r[i]};
    if (!st) p4_work_round(stat_worker, sj, sizeof sj[0], narch);
    for (int i = 0; !st && i < narch; i++)
        if (sj[i].st) st = p4_error(sj[i].st, "%s", sj[i].err);
    budget_job bj[2 * P4_ARCH_COUNT];
    int nb = 0;
    for (int i = 0; !st && with_budgets && i < narch; i++) {
        if (m->r[i].host_key) bj[nb++] = (budget_job){.c = c, .r = &m->r[i], .which = 0};
        bj[nb++] = (budget_job){.c = c, .r = &m->r[i], .which = 1};
    }
    if (!st && nb) p4_work_round(budget_worker, bj, sizeof bj[0], nb);
    for (int i = 0; !st && i < nb; i++)
        if (bj[i].st) st = p4_error(bj[i].st, "%s", bj[i].err);
    for (int i = 0; !st && i < narch; i++) {
        p4_mission_arch *r = &m->r[i];
        r->consistent = r->stat_ber <= r->ber_hi;
        r->host_margin_db = r->host_key && with_budgets ? r->host.value - r->host_nominal : NAN;
        r->oma_margin_db = with_budgets ? r->oma_nominal - r->oma.value : NAN;
    }
    m->seconds_stat = now_s() - t0;
    return st;
}
