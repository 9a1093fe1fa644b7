/* link_run.c - run control of a link: work units dealt to threads and processes in rounds,
 * merged in unit order, stopped by an error count, a time limit or a signal, checkpointed and
 * resumed; and the link as one segment of a chain (given TX symbols, aligned decisions).
 */
#include "link_impl.h"

/* One worker: its own unit state (FIR, receiver, framer, patterns) and the counts of its current
 * unit, which the caller merges in unit order. */
typedef struct {
    const p4_link *l;
    unit_state u;
    p4_counts c;
    uint64_t unit, k0;
    size_t n, neye;
} worker;

static void *worker_unit(void *arg)
{
    worker *w = arg;
    /* the eye reads every phase: units with eye symbols run at sample level */
    if (w->l->symbol_engine && !w->neye) unit_symbol_simulate(w->l, &w->u, w->unit, w->k0);
    else unit_simulate(w->l, &w->u, w->unit, w->k0, 1);
    unit_count(w->l, &w->u, 0, w->n, w->neye, &w->c);
    return NULL;
}

int p4_default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

/* Units are independent (their random streams come from (seed, unit, stream)), every count is an
 * integer, and a unit's geometry (first counted symbol, length, share of the eye budget) follows
 * from its index alone, so the result does not depend on the number of threads or processes, nor
 * on where a run stopped and resumed. A round is nw units per process; units are dealt to the
 * processes in order (process r takes units r*nw .. r*nw + nw - 1 of each round). After a round the
 * per-unit bit errors and a stop vote are summed over the processes, and every process cuts the
 * round at the same unit: the first at which the bit errors reach until_errors. The FFTW plans are
 * all made here, in the calling thread, before any worker starts (planning is not thread-safe;
 * executing distinct plans is). */
static void unit_geometry(const p4_link *l, uint64_t unit, uint64_t symbols, size_t L, worker *w)
{
    const uint64_t budget = l->cfg.eye_symbols ? (uint64_t)l->cfg.eye_symbols : UINT64_MAX, first = unit * L;
    w->unit = unit, w->k0 = l->count_off + first;
    w->n = symbols - first < L ? (size_t)(symbols - first) : L;
    w->neye = budget <= first ? 0 : budget - first < w->n ? (size_t)(budget - first) : w->n;
}

/* Sum the words over the processes (in place); one process: nothing to do. */
static p4_status sum_ranks(const p4_run_control *rc, uint64_t *v, size_t n)
{
    return rc && rc->sum_u64 && rc->nranks > 1 ? rc->sum_u64(rc->ctx, v, n) : P4_OK;
}

/* Counts summed over the processes into tot (a copy: each process keeps its own). */
static p4_status total_counts(const p4_run_control *rc, const p4_counts *mine, p4_counts *tot)
{
    size_t nw = p4_counts_pack(mine, NULL);
    uint64_t *w = malloc(nw * sizeof *w);
    if (!w) return p4_error(P4_ENOMEM, "out of memory for the counts");
    p4_counts_pack(mine, w);
    p4_status st = sum_ranks(rc, w, nw);
    if (!st) p4_counts_unpack(tot, w);
    free(w);
    return st;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

p4_status p4_link_run_ctl(p4_link *l, uint64_t symbols, const p4_run_control *rc, p4_counts *out, p4_run_info *ri)
{
    const p4_config *c = &l->cfg;
    p4_run_info info = {.end = P4_RUN_DONE};
    const int nranks = rc && rc->nranks > 1 ? rc->nranks : 1, rank = nranks > 1 ? rc->rank : 0;
    if (!symbols) symbols = (uint64_t)c->symbols;
    size_t L;
    uint64_t nunits;
    const int nw = p4_work_plan(&symbols, (size_t)p4_unit_symbols(c), l->frame, c->threads, &L, &nunits);
    const size_t R = (size_t)nw * (size_t)nranks; /* units per round, all processes */
    worker *ws = calloc((size_t)nw, sizeof *ws);
    uint64_t *vote = calloc(R + 1, sizeof *vote); /* per-unit bit errors, then the stop vote */
    p4_status st = ws && vote ? p4_counts_init(out, l->sps, 1) : p4_error(P4_ENOMEM, "out of memory for %d workers", nw);
    const uint64_t hash = rc && (rc->checkpoint || rc->resume) ? p4_config_hash(c) : 0;
    uint64_t unit = 0; /* the next unit to merge */
    if (!st && rc && rc->resume) {
        p4_counts got;
        st = p4_counts_init(&got, l->sps, 1);
        if (!st) st = p4_checkpoint_read(rc->resume, hash, &unit, &got);
        if (!st && unit > nunits)
            st = p4_error(P4_EINVAL, "%s: the checkpoint is at unit %llu, past this run's %llu units", rc->resume,
                          (unsigned long long)unit, (unsigned long long)nunits);
        if (!st && rank == 0) p4_counts_add(out, &got); /* the other processes start from zero */
        p4_counts_free(&got);
        info.resumed = !st, info.resumed_units = unit;
    }
    int made = 0;
    while (!st && made < nw) { /* a half-made worker is counted: unit_free and p4_counts_free take it */
        worker *w = &ws[made++];
        w->l = l;
        st = unit_alloc(l, L, 1, &w->u);
        if (!st) st = p4_counts_init(&w->c, l->sps, 1);
    }
    uint64_t err_total = 0; /* bit errors merged, all processes */
    if (!st && rc && rc->until_errors) {
        p4_counts tot;
        st = p4_counts_init(&tot, l->sps, 0);
        if (!st) st = total_counts(rc, out, &tot);
        err_total = tot.bit_errors;
        p4_counts_free(&tot);
    }
    const double t0 = now_s();
    uint64_t since_ckpt = 0;
    while (!st && unit < nunits) {
        if (rc && rc->until_errors && err_total >= rc->until_errors) {
            info.end = P4_RUN_ERRORS;
            break;
        }
        /* this process's units of the round */
        int nr = 0;
        for (; nr < nw; nr++) {
            uint64_t u = unit + (uint64_t)rank * (uint64_t)nw + (uint64_t)nr;
            if (u >= nunits) break;
            unit_geometry(l, u, symbols, L, &ws[nr]);
        }
        p4_work_round(worker_unit, ws, sizeof *ws, nr);
        for (int i = 0; !st && i < nr; i++) st = unit_ami_status(&ws[i].u); /* a failing GetWave model */
        if (st) break;
        /* agree on the cut and on stopping */
        memset(vote, 0, (R + 1) * sizeof *vote);
        for (int i = 0; i < nr; i++) vote[(size_t)rank * nw + i] = ws[i].c.bit_errors;
        int stop_here = (rc && rc->stop && *rc->stop) || (rc && rc->max_seconds > 0 && now_s() - t0 >= rc->max_seconds);
        vote[R] = (uint64_t)stop_here;
        st = sum_ranks(rc, vote, R + 1);
        if (st) break;
        uint64_t round_units = nunits - unit < R ? nunits - unit : R, cut = round_units; /* units merged this round */
        if (rc && rc->until_errors)
            for (uint64_t k = 0; k < round_units; k++) {
                err_total += vote[k];
                if (err_total >= rc->until_errors) {
                    cut = k + 1;
                    break;
                }
            }
        for (int i = 0; i < nr; i++) {
            if ((uint64_t)rank * nw + (uint64_t)i < cut) p4_counts_add(out, &ws[i].c);
            p4_counts_clear(&ws[i].c, ws[i].neye > 0);
        }
        unit += cut, since_ckpt += cut;
        if (cut < round_units) info.end = P4_RUN_ERRORS;
        else if (vote[R]) info.end = rc->stop && *rc->stop ? P4_RUN_STOPPED : P4_RUN_TIME;
        int last = info.end != P4_RUN_DONE || unit >= nunits;
        if (rc && rc->checkpoint && ((rc->checkpoint_every && since_ckpt >= rc->checkpoint_every) || (last && unit < nunits))) {
            p4_counts tot;
            st = p4_counts_init(&tot, l->sps, 1);
            if (!st) st = total_counts(rc, out, &tot);
            if (!st && rank == 0) st = p4_checkpoint_write(rc->checkpoint, hash, unit, &tot);
            p4_counts_free(&tot);
            since_ckpt = 0, info.checkpoints++;
        }
        if (info.end != P4_RUN_DONE) break;
    }
    if (!st && unit >= nunits) info.end = P4_RUN_DONE;
    /* every process ends with the total */
    if (!st && nranks > 1) st = total_counts(rc, out, out);
    info.units = unit, info.seconds = now_s() - t0;
    for (int i = 0; i < made; i++) {
        unit_free(&ws[i].u, l->nxt);
        p4_counts_free(&ws[i].c);
    }
    free(ws);
    free(vote);
    if (ri) *ri = info;
    return st;
}

p4_status p4_link_run(p4_link *l, uint64_t symbols, p4_counts *out)
{
    return p4_link_run_ctl(l, symbols, NULL, out, NULL);
}

const double *p4_link_thresholds(const p4_link *l) { return l->th; }

/* ---- the link as a segment of a chain (link.h) ---- */

struct p4_link_seg {
    const p4_link *l;
    unit_state u;
    size_t counted;
};

p4_link_seg *p4_link_seg_create(const p4_link *l, size_t counted)
{
    p4_link_seg *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->l = l, s->counted = counted;
    if (unit_alloc(l, counted, 1, &s->u)) {
        unit_free(&s->u, l->nxt);
        free(s);
        return NULL;
    }
    return s;
}

size_t p4_link_seg_span(const p4_link_seg *s) { return s->u.nsym; }
size_t p4_link_seg_warm(const p4_link_seg *s) { return s->l->warm; }

void p4_link_seg_run(p4_link_seg *s, uint64_t unit, uint64_t start, const uint8_t *tx, uint8_t *dec, double *z)
{
    const p4_link *l = s->l;
    const size_t D = (size_t)l->info.delay_symbols;
    s->u.ext = tx;
    unit_simulate(l, &s->u, unit, start + l->warm, 1);
    memcpy(dec, s->u.dec + l->warm + D, s->counted);
    if (z) memcpy(z, s->u.z + l->warm + D, s->counted * sizeof *z);
}

void p4_link_seg_count(const p4_link_seg *s, size_t off, size_t n, size_t neye, p4_counts *c)
{
    unit_count(s->l, &s->u, off, n, neye, c);
}

p4_status p4_link_seg_status(const p4_link_seg *s) { return unit_ami_status(&s->u); }

void p4_link_seg_destroy(p4_link_seg *s)
{
    if (!s) return;
    unit_free(&s->u, s->l->nxt);
    free(s);
}
