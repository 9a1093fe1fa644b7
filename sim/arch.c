/* arch.c - link architectures as chains of segments, and the chain's run (see arch.h).
 *
 * Geometry of a chain unit: the last segment's decisions are counted over [k0, k0 + N) (global
 * symbol indices, k0 on a KP4 frame boundary). Segment k takes its input from global g(k-1) and
 * hands decisions on from g(k) = g(k-1) + warm(k), so the host's data start at k0 - sum(warm) and
 * segment k made for the next one's span of decisions. Segment k's decision i is global
 * g(k) + i; the counted symbols are its decisions from sum(warm of the later segments) on.
 */
#include "pam4sim/arch.h"
#include "pam4sim/framer.h"
#include "pam4sim/prbs.h"
#include "work.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const names[P4_ARCH_COUNT] = {"DSP-retimed", "LPO", "LRO", "NPO", "CPO"};
static const char *const keys[P4_ARCH_COUNT] = {"retimed", "lpo", "lro", "npo", "cpo"};

const char *p4_arch_name(p4_arch a) { return a < P4_ARCH_COUNT ? names[a] : "?"; }
const char *p4_arch_key(p4_arch a) { return a < P4_ARCH_COUNT ? keys[a] : "?"; }

p4_arch p4_arch_from_key(const char *key)
{
    if (!strcmp(key, "dsp")) return P4_ARCH_RETIMED;
    for (int a = 0; a < P4_ARCH_COUNT; a++)
        if (!strcmp(key, keys[a])) return (p4_arch)a;
    return P4_ARCH_COUNT;
}

const char *p4_arch_host_loss_key(p4_arch a)
{
    return a == P4_ARCH_NPO ? "npo.host_il_db" : a == P4_ARCH_CPO ? "cpo.host_il_db" : "channel.il_nyquist_db";
}

int p4_arch_has_dsp(const p4_config *c, p4_arch a)
{
    return a == P4_ARCH_RETIMED || a == P4_ARCH_LRO || (a == P4_ARCH_NPO && c->npo_retimed);
}

/* The host channel of a packaged architecture: the loss model at its own loss and length (NPO:
 * the board trace from the switch package to the engine; CPO: the die-to-engine path); the
 * laser of co-packaged optics behind the external source's loss. Other architectures: c as is. */
static void packaged(p4_config *s, const p4_config *c, p4_arch a)
{
    if (a != P4_ARCH_NPO && a != P4_ARCH_CPO) return;
    strcpy(s->ch_type, "model");
    s->ch_file[0] = 0;
    s->il_nyquist_db = a == P4_ARCH_NPO ? c->npo_host_il_db : c->cpo_host_il_db;
    s->length_mm = a == P4_ARCH_NPO ? c->npo_host_length_mm : c->cpo_host_length_mm;
    if (a == P4_ARCH_CPO && !strcmp(c->cpo_laser, "external")) s->laser_power_dbm = c->laser_power_dbm - c->cpo_els_loss_db;
}

/* The comparison default on top of the built-in one: what `pam4sim compare` with no file simulates. */
static const char *const cmp_defaults[] = {
    "channel.il_nyquist_db=12",       /* host board to the module cage at each end (C2M) */
    "channel.length_mm=100",
    "optics.driver.bandwidth_ghz=70", /* the DR1 line of examples/dr1.yaml */
    "optics.laser.power_dbm=8",
    "fec.mode=kp4",
    "sim.symbols=400000",
    NULL,
};

p4_status p4_arch_config_default(p4_config *c)
{
    p4_config_default(c);
    for (int i = 0; cmp_defaults[i]; i++) {
        p4_status st = p4_config_set(c, cmp_defaults[i]);
        if (st) return st;
    }
    return P4_OK;
}

/* ---- plans ---- */

static void seg_common(p4_config *s, const p4_config *c, int k)
{
    *s = *c;
    strcpy(s->ch_position, "tx"); /* electrical segments; optical() places the board */
    s->tdecq_in_run = 0;
    strcpy(s->fec_mode, "none");
    s->seed = (int64_t)(((uint64_t)c->seed + 1000003ull * (uint64_t)(k + 1)) % 4611686018427387904ull);
}

static void module_rx(p4_config *s, const p4_config *c)
{
    s->dsp_enable = 1;
    s->rx_ami_model[0] = 0; /* an IBIS-AMI model (rx.ami) is the host's receiver, not the module's */
    strcpy(s->rx_ami_flow, "auto");
    strcpy(s->ffe_mode, "mmse");
    s->n_ffe_coef = s->n_dfe_coef = 0;
    s->ffe_taps = c->mod_ffe_taps, s->ffe_precursors = c->mod_ffe_precursors;
    s->dfe_taps = c->mod_dfe_taps, s->mlse_memory = c->mod_mlse_memory;
}

/* the module DSP's line-side DAC into the driver: linear (RLM 1), its bandwidth the driver's */
static void module_line_tx(p4_config *s, const p4_config *c)
{
    s->tx_ami_model[0] = 0; /* tx.ami is the host's transmitter */
    strcpy(s->tx_ami_flow, "auto");
    s->amplitude_v = c->mod_tx_amplitude_v;
    memcpy(s->tx_ffe, c->mod_tx_ffe, sizeof s->tx_ffe);
    s->n_tx_ffe = c->mod_n_tx_ffe;
    s->rlm = 1.0;
    strcpy(s->tx_filter, "none");
    s->tx_snr_db = INFINITY;
}

static void optical(p4_config *s, const char *position, double drv_db, double tia_db)
{
    s->optics_enable = 1;
    snprintf(s->ch_position, sizeof s->ch_position, "%s", position);
    s->drv_peaking_db = drv_db, s->tia_peaking_db = tia_db;
}

/* a module DSP after the TIA: the TIA is the receiver's noise and its filter (as examples/dr1.yaml) */
static void module_line_rx(p4_config *s, const p4_config *c)
{
    module_rx(s, c);
    strcpy(s->ch_type, "none");
    s->length_scale = 1, s->ch_extra_loss_db = 0; /* the host board's scaling, not this segment's */
    s->eta0_v2_per_ghz = 0, s->noise_filter_ghz = 0;
    s->ctle_enable = 0;
}

static p4_status plan_make(const p4_config *c, p4_arch a, double drv_db, double tia_db, p4_arch_plan *p)
{
    memset(p, 0, sizeof *p);
    p->arch = a;
    p->drv_peaking_db = p->tia_peaking_db = NAN;
    if (a >= P4_ARCH_COUNT) return p4_error(P4_EINVAL, "p4_arch_plan_make: unknown architecture %d", (int)a);
    if (a == P4_ARCH_NPO) a = c->npo_retimed ? P4_ARCH_RETIMED : P4_ARCH_LPO; /* its shape; packaged() its channel */
    if (a == P4_ARCH_CPO) a = P4_ARCH_LPO;
    if (a == P4_ARCH_LPO) {
        p->nseg = 1;
        seg_common(&p->seg[0].cfg, c, 0);
        optical(&p->seg[0].cfg, "both", drv_db, tia_db);
        snprintf(p->seg[0].name, sizeof p->seg[0].name, "host -> C2M -> linear module -> optics -> C2M -> host");
        p->seg[0].optical = 1;
        p->drv_peaking_db = drv_db, p->tia_peaking_db = tia_db;
        return P4_OK;
    }
    /* host -> module DSP (retimed and LRO) */
    p4_config *s = &p->seg[0].cfg;
    seg_common(s, c, 0);
    s->optics_enable = 0;
    module_rx(s, c);
    snprintf(p->seg[0].name, sizeof p->seg[0].name, "host TX -> C2M -> module DSP");
    s = &p->seg[1].cfg;
    seg_common(s, c, 1);
    module_line_tx(s, c);
    p->seg[1].tx_dsp = p->seg[1].optical = 1;
    if (a == P4_ARCH_LRO) {
        p->nseg = 2;
        optical(s, "rx", 0, tia_db); /* the far host board (channel.*) after the TIA */
        snprintf(p->seg[1].name, sizeof p->seg[1].name, "module DSP -> optics -> linear TIA -> C2M -> host");
        p->tia_peaking_db = tia_db;
        return P4_OK;
    }
    p->nseg = 3;
    optical(s, "tx", 0, 0);
    module_line_rx(s, c);
    snprintf(p->seg[1].name, sizeof p->seg[1].name, "module DSP -> optics -> module DSP");
    s = &p->seg[2].cfg;
    seg_common(s, c, 2);
    s->optics_enable = 0;
    s->tx_ami_model[0] = 0; /* the module DSP's host-side TX, not the host's (tx.ami) */
    strcpy(s->tx_ami_flow, "auto");
    p->seg[2].tx_dsp = 1;
    snprintf(p->seg[2].name, sizeof p->seg[2].name, "module DSP -> C2M -> host RX");
    return P4_OK;
}

p4_status p4_arch_plan_make(const p4_config *c, p4_arch a, double drv_db, double tia_db, p4_arch_plan *p)
{
    p4_status st = plan_make(c, a, drv_db, tia_db, p);
    if (st) return st;
    p->arch = a;
    for (int k = 0; k < p->nseg; k++) {
        packaged(&p->seg[k].cfg, c, a);
        if (a == P4_ARCH_NPO || a == P4_ARCH_CPO) { /* the names of the packaged parts */
            char *n = p->seg[k].name, out[sizeof p->seg[k].name];
            const char *ch = a == P4_ARCH_NPO ? "board trace" : "die-to-engine", *mod = a == P4_ARCH_NPO ? "engine" : "co-packaged engine";
            size_t o = 0;
            for (const char *q = n; *q && o + 1 < sizeof out;) {
                const char *w = !strncmp(q, "C2M", 3) ? ch : !strncmp(q, "module", 6) ? mod : NULL;
                size_t skip = w ? (q[0] == 'C' ? 3 : 6) : 1;
                if (!w) out[o++] = *q;
                else o += (size_t)snprintf(out + o, sizeof out - o, "%s", w);
                if (o >= sizeof out) o = sizeof out - 1;
                q += skip;
            }
            out[o] = 0;
            memcpy(n, out, sizeof out);
        }
    }
    return P4_OK;
}

/* MMSE SNR of segment k of each of n plans: their links set up (and dropped) in parallel. */
typedef struct {
    const p4_arch_plan *plans;
    int n, k, next;
    double *snr;
    p4_status st;
    char err[256];
    pthread_mutex_t mu;
} snr_job;

static void *snr_worker(void *arg)
{
    snr_job *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->mu);
        int i = j->st ? j->n : j->next++;
        pthread_mutex_unlock(&j->mu);
        if (i >= j->n) return NULL;
        if (p4_link_mmse_snr(&j->plans[i].seg[j->k].cfg, &j->snr[i])) {
            pthread_mutex_lock(&j->mu);
            if (!j->st) j->st = P4_EINVAL, snprintf(j->err, sizeof j->err, "%s", p4_last_error());
            pthread_mutex_unlock(&j->mu);
        }
    }
}

static p4_status snr_many(const p4_arch_plan *plans, int n, int k, int threads, double *snr)
{
    snr_job j = {.plans = plans, .n = n, .k = k, .snr = snr};
    pthread_mutex_init(&j.mu, NULL);
    int nt = threads > 0 ? threads : p4_default_threads(), started = 0;
    if (nt > n) nt = n;
    if (nt > 16) nt = 16;
    pthread_t tid[16];
    for (; nt > 1 && started < nt; started++)
        if (pthread_create(&tid[started], NULL, snr_worker, &j)) break;
    snr_worker(&j); /* this thread works too */
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&j.mu);
    return j.st ? p4_error(j.st, "%s", j.err) : P4_OK;
}

p4_status p4_arch_plan_choose(const p4_config *c, p4_arch a, p4_arch_plan *p)
{
    double drv = c->lpo_drv_peaking_db[0], tia = c->lpo_tia_peaking_db[0];
    p4_status st = p4_arch_plan_make(c, a, drv, tia, p);
    if (st || (p4_arch_has_dsp(c, a) && a != P4_ARCH_LRO)) return st;
    const int one = p->nseg == 1; /* LPO, linear NPO, CPO: one linear segment; LRO: the second */
    const int k = one ? 0 : 1; /* the linear segment */
    p4_arch_plan *cand = malloc(P4_MAX_TAPS * sizeof *cand);
    double snr[P4_MAX_TAPS], best = -INFINITY;
    int n = 0;
    if (!cand) return p4_error(P4_ENOMEM, "out of memory");
    if (one) { /* the driver's settings, the TIA at its first */
        for (int i = 0; !st && i < c->lpo_n_drv_peaking; i++) st = p4_arch_plan_make(c, a, c->lpo_drv_peaking_db[i], tia, &cand[n++]);
        if (!st) st = snr_many(cand, n, k, (int)c->threads, snr);
        for (int i = 0; !st && i < n; i++)
            if (snr[i] > best) best = snr[i], drv = c->lpo_drv_peaking_db[i];
    } else
        drv = 0;
    n = 0;
    int first = one; /* the TIA's first setting was seen in the driver's pass */
    for (int i = first; !st && i < c->lpo_n_tia_peaking; i++) st = p4_arch_plan_make(c, a, drv, c->lpo_tia_peaking_db[i], &cand[n++]);
    if (!st && n) st = snr_many(cand, n, k, (int)c->threads, snr);
    for (int i = 0; !st && i < n; i++)
        if (snr[i] > best) best = snr[i], tia = c->lpo_tia_peaking_db[first + i];
    free(cand);
    return st ? st : p4_arch_plan_make(c, a, drv, tia, p);
}

/* ---- the chain's run ---- */

typedef struct {
    p4_link *const *links;
    int nseg;
    const p4_config *host;
    size_t N;                       /* counted symbols per unit */
    size_t warm[P4_ARCH_MAX_SEG], wsum, wf; /* warm-ups, their sum, the sum in whole frames */
    /* per worker */
    p4_link_seg *seg[P4_ARCH_MAX_SEG];
    uint8_t *src, *dec[P4_ARCH_MAX_SEG];
    double *z;
    p4_framer *fr;
    p4_pattern *pat;
    p4_chain_counts c;
    uint64_t unit;
    size_t n, neye;
} chain_worker;

static void worker_free(chain_worker *w)
{
    for (int k = 0; k < w->nseg; k++) p4_link_seg_destroy(w->seg[k]), free(w->dec[k]);
    free(w->src), free(w->z);
    p4_framer_destroy(w->fr);
    p4_pattern_destroy(w->pat);
    p4_chain_counts_free(&w->c);
}

static p4_status worker_make(chain_worker *w, int with_fec)
{
    const p4_config *h = w->host;
    size_t need = w->N;
    for (int k = w->nseg - 1; k >= 0; k--) { /* each segment delivers the next one's span */
        if (!(w->seg[k] = p4_link_seg_create(w->links[k], need)) || !(w->dec[k] = malloc(need)))
            return p4_error(P4_ENOMEM, "out of memory for a chain unit");
        w->warm[k] = p4_link_seg_warm(w->seg[k]);
        need = p4_link_seg_span(w->seg[k]);
    }
    w->src = malloc(need);
    w->z = malloc(w->N * sizeof *w->z);
    if (!w->src || !w->z) return p4_error(P4_ENOMEM, "out of memory for a chain unit");
    if (with_fec && !(w->fr = p4_framer_create(!strcmp(h->fec_mode, "kp4_inner"), (int)h->fec_interleave, (uint64_t)h->seed)))
        return p4_error(P4_ENOMEM, "out of memory for the framer");
    if (!with_fec && !(w->pat = p4_pattern_create(h->pattern, (uint64_t)h->seed)))
        return p4_error(P4_ENOMEM, "out of memory for the pattern");
    w->c.nseg = w->nseg;
    p4_status st = p4_counts_init(&w->c.e2e, 1, 0);
    for (int k = 0; !st && k < w->nseg; k++) {
        p4_link_view v;
        p4_link_view_get(w->links[k], &v);
        st = p4_counts_init(&w->c.seg[k], v.sps, 1);
    }
    w->wsum = 0;
    for (int k = 0; k < w->nseg; k++) w->wsum += w->warm[k];
    return st;
}

/* One unit: the host's data through every segment, then the counts. */
static void *worker_unit(void *arg)
{
    chain_worker *w = arg;
    const p4_config *h = w->host;
    const uint64_t k0 = w->unit * w->N + w->wf, g0 = k0 - w->wsum;
    size_t span0 = p4_link_seg_span(w->seg[0]);
    if (w->fr) p4_framer_fill(w->fr, g0, span0, w->src);
    else {
        p4_pattern_seek(w->pat, !strcmp(h->pattern, "random") ? w->unit : g0);
        p4_pattern_run(w->pat, w->src, span0);
    }
    const uint8_t *in = w->src;
    uint64_t g = g0;
    for (int k = 0; k < w->nseg; k++) {
        p4_link_seg_run(w->seg[k], w->unit, g, in, w->dec[k], k == w->nseg - 1 ? w->z : NULL);
        in = w->dec[k], g += w->warm[k];
    }
    size_t later = w->wsum;
    for (int k = 0; k < w->nseg; k++) {
        later -= w->warm[k];
        p4_link_seg_count(w->seg[k], later, w->n, w->neye, &w->c.seg[k]);
    }
    const uint8_t *sent = w->src + w->wsum, *got = w->dec[w->nseg - 1];
    p4_counts_compare(&w->c.e2e, sent, got, w->n, (size_t)h->burst_gap);
    if (w->fr)
        p4_framer_receive(w->fr, sent, got, w->z, w->n, p4_link_thresholds(w->links[w->nseg - 1]), (int)h->fec_inner_flips,
                          &w->c.e2e.fec);
    return NULL;
}

static void counts_clear(p4_chain_counts *c)
{
    p4_counts_clear(&c->e2e, 0);
    for (int k = 0; k < c->nseg; k++) p4_counts_clear(&c->seg[k], 1);
}

void p4_chain_counts_free(p4_chain_counts *cc)
{
    p4_counts_free(&cc->e2e);
    for (int k = 0; k < P4_ARCH_MAX_SEG; k++) p4_counts_free(&cc->seg[k]);
}

p4_status p4_chain_run(p4_link *const *links, int nseg, const p4_config *host, uint64_t symbols, p4_chain_counts *out)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(out, 0, sizeof *out);
    if (nseg < 1 || nseg > P4_ARCH_MAX_SEG) return p4_error(P4_EINVAL, "p4_chain_run: %d segments (1..%d)", nseg, P4_ARCH_MAX_SEG);
    const int with_fec = strcmp(host->fec_mode, "none") != 0;
    size_t F = 1;
    if (with_fec) {
        p4_framer *f = p4_framer_create(!strcmp(host->fec_mode, "kp4_inner"), (int)host->fec_interleave, 0);
        if (!f) return p4_error(P4_ENOMEM, "out of memory for the framer");
        F = p4_framer_frame_symbols(f);
        p4_framer_destroy(f);
    }
    size_t N;
    uint64_t nunits;
    /* one unit length for the whole chain: automatic, the longest its segments would take alone */
    int64_t unit = host->unit_symbols;
    if (!unit) {
        p4_config c = *host;
        for (int k = 0; k < nseg; k++) c.dsp_enable |= p4_link_info_get(links[k])->dsp;
        unit = p4_unit_symbols(&c);
    }
    const int nw = p4_work_plan(&symbols, (size_t)unit, F, host->threads, &N, &nunits);
    chain_worker *ws = calloc((size_t)nw, sizeof *ws);
    p4_status st = ws ? P4_OK : p4_error(P4_ENOMEM, "out of memory for %d workers", nw);
    int made = 0;
    while (!st && made < nw) { /* FFTW plans: made here, in this thread */
        chain_worker *w = &ws[made++];
        w->links = links, w->nseg = nseg, w->host = host, w->N = N;
        st = worker_make(w, with_fec);
        w->wf = (w->wsum + F - 1) / F * F;
    }
    if (!st) {
        out->nseg = nseg;
        st = p4_counts_init(&out->e2e, 1, 0);
        for (int k = 0; !st && k < nseg; k++) st = p4_counts_init(&out->seg[k], ws[0].c.seg[k].sps, 1);
    }
    const uint64_t budget = host->eye_symbols ? (uint64_t)host->eye_symbols : UINT64_MAX;
    for (uint64_t unit = 0; !st && unit < nunits; unit += (uint64_t)nw) {
        int nr = 0;
        for (; nr < nw && unit + (uint64_t)nr < nunits; nr++) {
            chain_worker *w = &ws[nr];
            uint64_t first = (unit + (uint64_t)nr) * N;
            w->unit = unit + (uint64_t)nr;
            w->n = symbols - first < N ? (size_t)(symbols - first) : N;
            w->neye = budget <= first ? 0 : budget - first < w->n ? (size_t)(budget - first) : w->n;
        }
        p4_work_round(worker_unit, ws, sizeof *ws, nr);
        for (int i = 0; i < nr; i++) /* a failing GetWave model */
            for (int k = 0; !st && k < nseg; k++) st = p4_link_seg_status(ws[i].seg[k]);
        if (st) break;
        for (int i = 0; i < nr; i++) { /* in unit order */
            p4_counts_add(&out->e2e, &ws[i].c.e2e);
            for (int k = 0; k < nseg; k++) p4_counts_add(&out->seg[k], &ws[i].c.seg[k]);
            counts_clear(&ws[i].c);
        }
    }
    for (int i = 0; i < made; i++) worker_free(&ws[i]);
    free(ws);
    if (st) p4_chain_counts_free(out);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    out->seconds = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    return st;
}
