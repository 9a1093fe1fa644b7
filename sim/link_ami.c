/* link_ami.c - the IBIS-AMI receiver's time-domain (GetWave) flow inside the sample-level engine,
 * and the impulse response an RX model sees on an optical (linear-drive) line.
 *
 * GetWave flow (rx.ami.flow = getwave, or auto with a model that has GetWave). The link is built
 * with the model out of its linear chain (ami_flow.c: p4_ami_link_rx): the unit's RX waveform u->rx
 * is the receiver's input, after the channel, the optical line, noise, crosstalk and TIA
 * compression, with the link's own CTLE, FFE and DFE off. unit_ami_getwave, called from
 * unit_simulate once u->rx is complete, then per work unit:
 *   AMI_Init on the impulse response at the model's input (the same for every unit), which also
 *   resets the model's state; u->rx through AMI_GetWave in blocks of P4_AMI_BLOCK samples, in place
 *   (the model's output: its CTLE and DFE); the output sampled at each clock time + UI/2 after the
 *   first Ignore_Bits clocks (ami_flow.c: p4_ami_getwave_flow_run); a model that returns no clock
 *   times leaves the clock to the simulator (IBIS): the output is sampled once per UI at the phase
 *   where it lies nearest the levels (least slicer error), chosen on the probe unit;
 *   each instant s [samples] is the symbol m = round((s - anchor) / sps), where anchor is the
 *   model's mean sampling position in the UI, measured once on a probe unit at set-up: a clock that
 *   wanders less than half a UI from it keeps its symbols; a symbol that gets no instant is
 *   "missing" (its sample is 0), one that gets two keeps the first ("repeated");
 *   each sample is mapped onto pam4sim's slicer levels through the model's PAM4 thresholds (its
 *   PAM4_Lower/Center/UpperThreshold outputs, the latest a call returned; piecewise linear, so the
 *   slicer decides exactly as those thresholds do), or, when the model returns none, scaled by the
 *   unit's mean |sample| against the levels' mean |level|;
 *   pam4sim's slicer (a DFE of no taps) decides, precoding is undone, and the unit is counted as
 *   any other against the TX symbols delayed by the link's measured delay (link_measure_delay runs
 *   this same flow).
 * A model is stateful over its whole stream, and a work unit is one contiguous stream: each unit
 * state (one per worker) loads its own model instance, and every unit starts with its own AMI_Init,
 * so a unit's result depends on its index alone and the run's does not depend on -j (a model that
 * keeps state outside its memory handle breaks this). The model's warm-up is the unit's: the link's
 * warm-up grows by Ignore_Bits. The symbol-rate engine cannot carry a waveform, so the link runs at
 * sample level (link_symbol.c), draws its noise on every sample and runs its responses uncut (see
 * link_ami_setup: the native cut is sized for the native slicer).
 * The clock's statistics are summed
 * over every unit the link runs (integers, so in any order) into the link's info for the report.
 * A failing or crashing model (isolated) ends the unit with an error that the run returns.
 *
 * Optical input (link_ami_optical_input). On a linear-drive optical link the RX model sits after
 * driver, optics, TIA and the boards; the link's own end-to-end pulse is the receive chain's impulse
 * response (TIA x boards x RX filter, truncated as the link truncates it) convolved with the optical
 * line's identified linear pulse (per unit level: TX FFE, driver, modulator, fiber, photodiode). The
 * model gets the impulse h whose one-UI pulse is exactly that pulse: h[n] = h[n - sps] + p[n] -
 * p[n - 1] (the running sum of sps samples of h telescopes to p[n]).
 */
#include "link_impl.h"
#include "pam4sim/ami.h"

#define P4_AMI_BLOCK 8192 /* samples per AMI_GetWave call */

struct link_ami {
    ami_side s;              /* the model, its parameters and the impulse at its input */
    int model_th;            /* the model returns PAM4 thresholds (its Init did)         */
    double anchor;           /* mean sampling position in the UI [samples]; NAN: probing */
    int own_phase;           /* a model without clock times: pam4sim's sampling phase (-1: none) */
    pthread_mutex_t mu;
    p4_ami_info *info;       /* the link's info.ami_rx: the clock's statistics           */
    int64_t cos_e9, sin_e9;  /* sums over units of the instants' unit phasors x 1e9        */
    uint64_t var_e12;        /* sum of squared deviations from each unit's mean [UI^2 x 1e12] */
    uint64_t units, clocks, ignored, missing, repeated, phased;
};

struct unit_ami {
    p4_ami_model *m;
    double *imp, *t, *v, *sv, *ss;
    size_t cap;
    double last_phase;       /* the unit's mean sampling position [samples] */
    double gain;             /* its slicer input per volt of the model's output */
    p4_status st;
    char msg[1024];
};

p4_status ami_side_setup(ami_side *s, const p4_link *l, const char *model, const char *ami_file,
                         const char (*params)[P4_AMI_PARAM_MAX], int64_t nparams, const char *key, int isolate, double timeout_s)
{
    memset(s, 0, sizeof *s);
    p4_ami_file *f = p4_ami_file_for(model, ami_file, params, nparams, key);
    if (!f) return P4_EPARSE;
    snprintf(s->model, sizeof s->model, "%s", model);
    s->isolate = isolate, s->timeout_s = timeout_s;
    s->dt = 1 / l->fs_hz, s->ui = l->ui_s, s->ignore_bits = f->ignore_bits;
    p4_status st = (s->params_in = p4_ami_file_params_in(f)) ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st && (f->ignore_bits < 0 || f->ignore_bits > 1000000))
        st = p4_error(P4_EINVAL, "%s: Ignore_Bits %ld is outside 0..1000000 (each work unit runs them before it counts)", f->path,
                      f->ignore_bits);
    p4_ami_file_free(f);
    return st;
}

/* A unit's own instance of the model (its own process when isolated), with the call timeout. */
p4_ami_model *ami_side_open(const ami_side *s)
{
    p4_ami_model *m = p4_ami_open(s->model, s->isolate);
    if (m) p4_ami_set_timeout(m, s->timeout_s);
    return m;
}

void ami_side_free(ami_side *s) { free(s->params_in), free(s->imp); }

void link_ami_free(link_ami *a)
{
    if (!a) return;
    pthread_mutex_destroy(&a->mu);
    ami_side_free(&a->s);
    free(a);
}

void unit_ami_free(unit_ami *a)
{
    if (!a) return;
    p4_ami_free(a->m);
    free(a->imp), free(a->t), free(a->v), free(a->sv), free(a->ss);
    free(a);
}

p4_status unit_ami_status(const unit_state *u)
{
    p4_status st = unit_ami_tx_status(u);
    if (st) return st;
    return u->ami && u->ami->st ? p4_error(u->ami->st, "%s", u->ami->msg) : P4_OK;
}

static int fail(unit_ami *a, p4_status st)
{
    a->st = st;
    snprintf(a->msg, sizeof a->msg, "%s", p4_last_error());
    return 1;
}

/* thresholds from a parameter string: 1 when all three are there, increasing */
static int model_thresholds(const char *s, double th[3])
{
    return !p4_ami_string_number(s, "PAM4_LowerThreshold", &th[0]) && !p4_ami_string_number(s, "PAM4_CenterThreshold", &th[1]) &&
           !p4_ami_string_number(s, "PAM4_UpperThreshold", &th[2]) && th[0] < th[1] && th[1] < th[2];
}

/* v on the model's thresholds th -> the same position on pam4sim's thresholds pt (piecewise linear) */
static double to_levels(double v, const double th[3], const double pt[3])
{
    return v >= th[1] ? pt[1] + (v - th[1]) * (pt[2] - pt[1]) / (th[2] - th[1])
                      : pt[1] + (v - th[1]) * (pt[1] - pt[0]) / (th[1] - th[0]);
}

/* The unit state's model instance. Made where the unit state is (unit_alloc, the run's own thread,
 * not a worker's): an isolated model's process dies with the thread that started it. */
p4_status unit_ami_alloc(const p4_link *l, unit_state *u)
{
    p4_status tst = l->ami_tx ? unit_ami_tx_alloc(l, u) : P4_OK; /* the transmitter's (link_ami_tx.c) */
    if (tst || !l->ami) return tst;
    const link_ami *la = l->ami;
    unit_ami *a = u->ami = calloc(1, sizeof *a);
    if (!a) return p4_error(P4_ENOMEM, "out of memory for the GetWave flow");
    a->cap = P4_AMI_BLOCK;
    a->imp = malloc((size_t)la->s.R * sizeof *a->imp);
    a->t = malloc(a->cap * sizeof *a->t), a->v = malloc(a->cap * sizeof *a->v);
    a->sv = malloc(u->nsym * sizeof *a->sv), a->ss = malloc(u->nsym * sizeof *a->ss);
    if (!a->imp || !a->t || !a->v || !a->sv || !a->ss) return p4_error(P4_ENOMEM, "out of memory for the GetWave flow");
    return (a->m = ami_side_open(&la->s)) ? P4_OK : P4_EIO;
}

/* A model that returns no clock times: the phase of the UI where its output, scaled to the levels by
 * its mean |sample|, is nearest the levels (least mean squared slicer error), over the unit. */
static int own_phase(const p4_link *l, const unit_state *u)
{
    const int sps = l->sps;
    const size_t m0 = l->warm, m1 = u->nsym > l->tail ? u->nsym - l->tail : 0;
    double sl = 0, best = INFINITY;
    int bq = 0;
    for (int k = 0; k < 4; k++) sl += 0.25 * fabs(l->lv[k]);
    for (int q = 0; q < sps && m1 > m0; q++) {
        double sa = 0, e = 0;
        for (size_t m = m0; m < m1; m++) sa += fabs(u->rx[m * (size_t)sps + (size_t)q]);
        double gain = sa > 0 ? sl * (double)(m1 - m0) / sa : 0;
        for (size_t m = m0; m < m1; m++) {
            double x = gain * u->rx[m * (size_t)sps + (size_t)q], d = INFINITY;
            for (int k = 0; k < 4; k++) d = fmin(d, (x - l->lv[k]) * (x - l->lv[k]));
            e += d;
        }
        if (e < best) best = e, bq = q;
    }
    return bq;
}

int unit_ami_getwave(const p4_link *l, unit_state *u)
{
    link_ami *la = l->ami;
    const int sps = l->sps;
    unit_ami *a = u->ami;
    if (a->st) return 1;
    /* a fresh stream: Init (the model's state starts over), then the unit's waveform in blocks */
    memcpy(a->imp, la->s.imp, (size_t)la->s.R * sizeof *a->imp);
    p4_status st = p4_ami_init(a->m, a->imp, la->s.R, 0, la->s.dt, la->s.ui, la->s.params_in);
    if (st) return fail(a, st);
    double th[3] = {0, 0, 0};
    if (isnan(la->anchor)) { /* the set-up's probe: what the model said, whether it gives thresholds */
        la->model_th = model_thresholds(p4_ami_params_out(a->m), th);
        la->info->thresholds_from_model = la->model_th;
        snprintf(la->info->message, sizeof la->info->message, "%s", p4_ami_message(a->m));
        snprintf(la->info->params_out, sizeof la->info->params_out, "%s", p4_ami_params_out(a->m));
    }
    int have_th = la->model_th && model_thresholds(p4_ami_params_out(a->m), th);
    p4_ami_getwave_flow *g = p4_ami_getwave_flow_create(a->m, la->s.dt, la->s.ui, a->cap);
    if (!g) return fail(a, P4_ENOMEM);
    size_t ns = 0;
    uint64_t clocks = 0;
    double raw_abs = 0;
    for (size_t n0 = 0; n0 + 2 <= u->nsamp; n0 += a->cap) {
        size_t nb = u->nsamp - n0 < a->cap ? u->nsamp - n0 : a->cap, got = 0;
        st = p4_ami_getwave_flow_run(g, u->rx + n0, nb, la->s.ignore_bits, a->t, a->v, a->cap, &got);
        if (st) break;
        if (la->model_th && model_thresholds(p4_ami_params_out(a->m), th)) have_th = 1;
        for (size_t i = 0; i < got && ns < u->nsym; i++) {
            a->ss[ns] = a->t[i] / la->s.dt, raw_abs += fabs(a->v[i]);
            a->sv[ns++] = have_th ? to_levels(a->v[i], th, l->th) : a->v[i];
        }
    }
    clocks = (uint64_t)p4_ami_getwave_flow_bits(g);
    p4_ami_getwave_flow_free(g);
    if (st) return fail(a, st);
    if (!st && la->model_th && !have_th)
        return fail(a, p4_error(P4_EINVAL, "%s: the model returned no increasing PAM4_Lower/Center/UpperThreshold", la->s.model));
    if (!clocks) { /* no clock times: the simulator's clock (IBIS), a phase chosen on the probe unit */
        if (isnan(la->anchor)) la->own_phase = own_phase(l, u), la->info->own_clock = 1;
        const long q = la->own_phase >= 0 ? la->own_phase : 0;
        ns = 0;
        for (size_t m = (size_t)la->s.ignore_bits; m < u->nsym; m++) {
            double v = u->rx[m * (size_t)sps + (size_t)q];
            a->ss[ns] = (double)(m * (size_t)sps + (size_t)q), raw_abs += fabs(v);
            a->sv[ns++] = have_th ? to_levels(v, th, l->th) : v;
        }
    }
    if (!la->model_th) { /* no thresholds from the model: its gain from the mean |sample| */
        double sa = 0, sl = 0;
        for (size_t i = 0; i < ns; i++) sa += fabs(a->sv[i]);
        for (int k = 0; k < 4; k++) sl += 0.25 * fabs(l->lv[k]);
        double gain = sa > 0 ? sl * (double)ns / sa : 1;
        for (size_t i = 0; i < ns; i++) a->sv[i] *= gain;
    }
    double map_abs = 0;
    for (size_t i = 0; i < ns; i++) map_abs += fabs(a->sv[i]);
    a->gain = raw_abs > 0 ? map_abs / raw_abs : 1;
    /* the instants' mean position in the UI, and the symbols they sample */
    double c = 0, s = 0;
    for (size_t i = 0; i < ns; i++) {
        double ph = 2 * M_PI * fmod(a->ss[i], sps) / sps;
        c += cos(ph), s += sin(ph);
    }
    double mean = ns ? fmod(atan2(s, c) / (2 * M_PI) * sps + sps, sps) : 0;
    a->last_phase = mean;
    const double anchor = isnan(la->anchor) ? mean : la->anchor;
    for (size_t m = 0; m < u->nsym; m++) u->xs[m] = NAN;
    uint64_t missing = 0, repeated = 0;
    double var = 0;
    for (size_t i = 0; i < ns; i++) {
        long m = lround((a->ss[i] - anchor) / sps);
        double d = (a->ss[i] - mean) / sps;
        d -= round(d);
        var += d * d;
        if (m < 0 || m >= (long)u->nsym) continue;
        if (isnan(u->xs[m])) u->xs[m] = a->sv[i];
        else repeated++;
    }
    const size_t D = (size_t)l->info.delay_symbols, m0 = l->warm + D, m1 = u->nsym - l->tail + D;
    for (size_t m = 0; m < u->nsym; m++)
        if (isnan(u->xs[m])) {
            u->xs[m] = 0;
            missing += m >= m0 && m < m1;
        }
    /* pam4sim's slicer: a DFE of no taps (the model's DFE is in its output) */
    p4_dfe dfe;
    p4_dfe_init(&dfe, NULL, 0, l->lv);
    memcpy(u->y, u->xs, u->nsym * sizeof *u->y);
    p4_dfe_run(&dfe, u->y, u->nsym, u->z, u->fb, u->dec);
    if (l->cfg.precode) {
        uint8_t ps = 0;
        p4_precode_decode(u->dec, u->nsym, &ps);
    }
    /* the clock's statistics, summed as integers (any order of units gives the same) */
    pthread_mutex_lock(&la->mu);
    la->units++, la->clocks += clocks, la->ignored += clocks < (uint64_t)la->s.ignore_bits ? clocks : (uint64_t)la->s.ignore_bits;
    la->missing += missing, la->repeated += repeated, la->phased += ns;
    la->cos_e9 += llround(c * 1e9), la->sin_e9 += llround(s * 1e9), la->var_e12 += (uint64_t)llround(var * 1e12);
    p4_ami_info *in = la->info;
    in->units = la->units, in->clocks = la->clocks, in->ignored = la->ignored, in->missing = la->missing, in->repeated = la->repeated;
    in->phase_ui = fmod(atan2((double)la->sin_e9, (double)la->cos_e9) / (2 * M_PI) + 1, 1);
    in->spread_ui = la->phased ? sqrt((double)la->var_e12 * 1e-12 / (double)la->phased) : 0;
    pthread_mutex_unlock(&la->mu);
    return 1;
}

p4_status link_ami_setup(p4_link *l)
{
    const p4_config *c = &l->cfg;
    link_ami *a = l->ami = calloc(1, sizeof *a);
    if (!a) return p4_error(P4_ENOMEM, "out of memory");
    pthread_mutex_init(&a->mu, NULL);
    a->anchor = NAN, a->own_phase = -1;
    a->info = &l->info.ami_rx;
    const long sps = l->sps, P = l->pulse_len;
    p4_status st = ami_side_setup(&a->s, l, c->rx_ami_model, c->rx_ami_file, c->rx_ami_params, c->n_rx_ami_params, "rx.ami",
                                  (int)c->rx_ami_isolate, c->rx_ami_timeout_s);
    a->s.R = P + 256 * sps;
    if (!st && !(a->s.imp = malloc((size_t)a->s.R * sizeof *a->s.imp))) st = p4_error(P4_ENOMEM, "out of memory");
    if (st) return st;
    /* the model's input: the impulse whose one-UI pulse is the link's own pulse (per unit level, the
     * RX waveform's time frame: u->rx is the sum of the symbols' levels times it, shifted by sps) */
    const double *p = l->pulse;
    double *h = a->s.imp;
    for (long n = 0; n < a->s.R; n++) h[n] = (n >= sps ? h[n - sps] : 0) + (n < P ? p[n] : 0) - (n >= 1 && n - 1 < P ? p[n - 1] : 0);
    for (long n = 0; n < a->s.R; n++) h[n] /= a->s.dt;
    /* the chain and the aggressors run whole (to TAIL_REL of their energy): link_trunc cuts them by
     * what the cut changes at the native slicer, which is not this flow's (the model's CTLE and DFE
     * follow, and the native design's noise-plus-ISI, without them, would allow a cut the model
     * sees: on the 16 dB test channel, 25 % fewer errors) */
    size_t fir = l->sig_run = l->sig.len;
    for (int i = 0; i < l->nxt; i++)
        if ((l->xt_run[i] = l->xt[i].len) > fir) fir = l->xt[i].len;
    if (l->has_noise && l->noise_run > fir) fir = l->noise_run;
    if (fir > l->fir_len) l->warm += (fir - l->fir_len) / (size_t)sps + 1;
    l->fir_len = fir, l->info.fir_taps = (double)fir;
    /* the model's warm-up is the unit's; its latency is in the delay the link measures */
    l->warm += (size_t)a->s.ignore_bits + 32;
    l->tail += 64;
    /* a probe unit: the model's message and thresholds, where in the UI it samples (each unit maps
     * its instants from there) */
    unit_state u;
    st = unit_alloc(l, 4096, 0, &u);
    if (!st) {
        unit_simulate(l, &u, 0, l->warm, 0);
        st = unit_ami_status(&u);
    }
    if (!st) {
        a->anchor = u.ami->last_phase;
        /* the eye (unit_count) is the model's output at its sampling phase, at the slicer's scale */
        l->phase = (int)(lround(a->anchor) % sps);
        l->info.sample_phase_ui = (double)l->phase / (double)sps;
        l->info.ffe[0] = u.ami->gain;
    }
    unit_free(&u, l->nxt);
    return st;
}

void link_ami_reset_stats(p4_link *l)
{
    link_ami_tx_reset_stats(l);
    link_ami *a = l->ami;
    if (!a) return;
    a->units = a->clocks = a->ignored = a->missing = a->repeated = a->phased = 0;
    a->cos_e9 = a->sin_e9 = 0, a->var_e12 = 0;
    p4_ami_info *in = a->info;
    in->units = in->clocks = in->ignored = in->missing = in->repeated = 0;
    in->phase_ui = in->spread_ui = 0;
}

p4_status link_ami_optical_input(const p4_link *l, const p4_fresp *rx_a, const p4_fresp *rx_b, const double *opt_pulse, int opt_len,
                                 size_t max_len, double **seen, long *len)
{
    const size_t n = rx_a->n, sps = (size_t)l->sps;
    p4_fresp *chain = p4_fresp_copy(rx_a);
    double *full = malloc(n * sizeof *full);
    p4_impulse imp = {0};
    p4_status st = chain && full ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st) {
        p4_fresp_mul(chain, rx_b);
        st = p4_fresp_impulse(chain, full);
    }
    /* as the link truncates its chain (link.c) */
    if (!st) st = p4_impulse_truncate(full, n, TAIL_REL, 2 * sps, max_len, sps, &imp);
    long np = (long)imp.len + opt_len, R = np + 256L * (long)sps;
    if (R > (long)(n / 2)) R = (long)(n / 2);
    if (R < np) R = np;
    double *p = st ? NULL : calloc((size_t)R, sizeof *p), *h = st ? NULL : calloc((size_t)R, sizeof *h);
    if (!st && (!p || !h)) st = p4_error(P4_ENOMEM, "out of memory");
    for (int i = 0; !st && i < opt_len; i++)
        if (opt_pulse[i] != 0)
            for (size_t j = 0; j < imp.len; j++) p[(size_t)i + j] += opt_pulse[i] * imp.h[j];
    for (long k = 0; !st && k < R; k++) h[k] = (k >= (long)sps ? h[k - (long)sps] : 0) + p[k] - (k ? p[k - 1] : 0);
    p4_fresp_free(chain);
    p4_impulse_free(&imp);
    free(full), free(p);
    if (st) {
        free(h);
        return st;
    }
    *seen = h, *len = R;
    return P4_OK;
}
