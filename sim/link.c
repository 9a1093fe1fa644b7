/* link.c - set-up and Monte Carlo run of an electrical PAM4 link (design notes in link.h).
 *
 * Per work unit (symbols [W + L + T] where W is the warm-up, L the counted symbols, T the tail the
 * link's delay needs), in chunks of one FIR hop:
 *   pattern -> precode -> levels (RLM, amplitude) -> TX FFE -> render with jittered edges
 *   -> [FIR: TX bandwidth x channel x RX filter x CTLE] + [FIR: shaped noise] + [FIR: aggressors]
 *   -> unit RX waveform
 * then over the unit: sample at the phase -> RX FFE -> DFE + slicer -> precode decode -> count
 * against the TX symbols delayed by the correlation delay; eye histogram at every phase.
 */
#include "pam4sim/link.h"
#include "pam4sim/driver.h"
#include "pam4sim/equalizer.h"
#include "pam4sim/fir.h"
#include "pam4sim/pam4.h"
#include "pam4sim/prbs.h"
#include "pam4sim/response.h"
#include "pam4sim/rng.h"
#include "pam4sim/touchstone.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TAIL_REL 1e-9 /* energy left out of a truncated impulse response */

static p4_status p4_link_measure_delay(p4_link *l);

struct p4_link {
    p4_config cfg;
    p4_link_info info;
    int sps, nxt;
    double ui_s, fs_hz;
    double lv[4], th[3], lvA[4];
    /* the linear chain */
    p4_impulse sig, noise, xt[P4_MAX_XTALK];
    int has_noise, passthrough;
    double *pulse;  /* full-rate pulse response of one symbol of level 1 (incl. TX FFE) */
    int pulse_len;
    int phase, cursor;
    size_t fir_len;
    /* unit geometry */
    size_t warm, tail;
};

const p4_link_info *p4_link_info_get(const p4_link *l) { return &l->info; }

static void warn(p4_link *l, const char *msg)
{
    if (l->info.nwarn < P4_MAX_WARN) snprintf(l->info.warn[l->info.nwarn++], 256, "%s", msg);
}

void p4_link_destroy(p4_link *l)
{
    if (!l) return;
    p4_impulse_free(&l->sig);
    p4_impulse_free(&l->noise);
    for (int i = 0; i < P4_MAX_XTALK; i++) p4_impulse_free(&l->xt[i]);
    free(l->pulse);
    free(l);
}

/* Channel response from a Touchstone file into r. */
static p4_status touchstone_into(p4_link *l, p4_fresp *r, const char *path, const int64_t *po, int have_po,
                                 double *il_nyq, int64_t order_used[4])
{
    p4_touchstone *ts = p4_touchstone_read(path);
    if (!ts) return P4_EPARSE;
    p4_status st = p4_touchstone_renormalize(ts, l->cfg.reference_ohm);
    int in[4] = {0}, order[4];
    if (have_po)
        for (int i = 0; i < 4; i++) in[i] = (int)po[i];
    if (!st) st = p4_touchstone_port_order(ts, in, order);
    if (!st && order_used)
        for (int i = 0; i < 4; i++) order_used[i] = order[i];
    double complex *h = st ? NULL : malloc(ts->nfreq * sizeof *h);
    if (!st && !h) st = p4_error(P4_ENOMEM, "out of memory");
    if (!st) st = p4_touchstone_sdd21(ts, order, h);
    if (!st) st = p4_fresp_from_samples(r, ts->freq_hz, h, ts->nfreq, l->cfg.taper_fraction);
    if (!st && il_nyq) *il_nyq = -p4_interp_db(ts->freq_hz, h, ts->nfreq, 0.5 / l->ui_s);
    if (!st && ts->freq_hz[ts->nfreq - 1] < 0.5 / l->ui_s) {
        char m[256];
        snprintf(m, sizeof m, "%s ends at %.2f GHz, below Nyquist %.3f GHz: the response above is zero", path,
                 ts->freq_hz[ts->nfreq - 1] * 1e-9, 0.5e-9 / l->ui_s);
        warn(l, m);
    }
    free(h);
    p4_touchstone_free(ts);
    return st;
}

/* The rendered waveform of one symbol of level 1 (through the TX FFE), sps*(ntx+1) samples. */
static double *render_pulse(const p4_link *l, int *len)
{
    const p4_config *c = &l->cfg;
    int sps = l->sps, n = (int)c->n_tx_ffe + 2;
    double *lev = calloc(n, sizeof *lev), *out = calloc((size_t)n * sps, sizeof *out);
    for (int i = 0; i < c->n_tx_ffe; i++) lev[i] = c->tx_ffe[i];
    p4_render r;
    p4_render_init(&r, sps);
    p4_render_run(&r, lev, NULL, n, out);
    free(lev);
    *len = n * sps;
    return out;
}

typedef struct {
    double snr, phase_ui;
    int phase, cursor;
    double w[P4_MAX_TAPS], b[P4_MAX_TAPS];
} eq_choice;

/* Best sampling phase and equalizer for the full-rate pulse response p[0..np). */
static p4_status choose_eq(const p4_link *l, const double *p, int np, const double *rn_full, eq_choice *best)
{
    const p4_config *c = &l->cfg;
    int sps = l->sps, nffe = (int)c->ffe_taps, npre = (int)c->ffe_precursors, ndfe = (int)c->dfe_taps;
    int nsym = np / sps;
    double *ps = malloc(nsym * sizeof *ps), rn[P4_MAX_TAPS];
    for (int i = 0; i < nffe; i++) rn[i] = rn_full ? rn_full[i * sps] : 0;
    double s2 = 0;
    for (int i = 0; i < 4; i++) s2 += 0.25 * l->lv[i] * l->lv[i];
    best->snr = -1;
    int q_lo = 0, q_hi = sps;
    if (!isnan(c->sample_phase_ui)) q_lo = (int)lround(c->sample_phase_ui * sps) % sps, q_hi = q_lo + 1;
    p4_status st = P4_OK;
    for (int q = q_lo; q < q_hi; q++) {
        int cur = 0;
        for (int m = 0; m < nsym; m++) {
            ps[m] = p[m * sps + q];
            if (fabs(ps[m]) > fabs(ps[cur])) cur = m;
        }
        eq_choice e = {.phase = q, .cursor = cur, .phase_ui = (double)q / sps};
        if (!strcmp(c->ffe_mode, "given")) {
            memcpy(e.w, c->ffe_coef, nffe * sizeof *e.w);
            st = p4_mmse_evaluate(ps, nsym, cur, rn, s2, nffe, npre, ndfe, e.w, e.b, &e.snr);
        } else
            st = p4_mmse_design(ps, nsym, cur, rn, s2, nffe, npre, ndfe, e.w, e.b, &e.snr);
        if (st) break;
        if (c->n_dfe_coef) memcpy(e.b, c->dfe_coef, ndfe * sizeof *e.b);
        if (e.snr > best->snr) *best = e;
    }
    free(ps);
    return st;
}

/* Full-rate pulse response (amplitude-scaled) of an impulse h convolved with the rendered pulse. */
static double *conv_pulse(const double *h, size_t hl, const double *rp, int rl, double amp, int *np)
{
    int n = (int)hl + rl;
    double *p = calloc(n, sizeof *p);
    for (int i = 0; i < rl; i++)
        if (rp[i] != 0)
            for (size_t j = 0; j < hl; j++) p[i + j] += amp * rp[i] * h[j];
    *np = n;
    return p;
}

p4_link *p4_link_create(const p4_config *cfg)
{
    p4_init();
    if (p4_config_validate(cfg)) return NULL;
    p4_link *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->cfg = *cfg;
    const p4_config *c = &l->cfg;
    l->sps = (int)c->sps;
    l->ui_s = 1e-9 / c->baud_gbd;
    l->fs_hz = c->baud_gbd * 1e9 * l->sps;
    p4_levels(c->rlm, l->lv);
    p4_thresholds(l->lv, l->th);
    for (int i = 0; i < 4; i++) l->lvA[i] = l->lv[i] * c->amplitude_v;
    size_t max_len = (size_t)(c->impulse_max_ui * l->sps);
    size_t n = 65536;
    while (n < 4 * max_len) n *= 2;
    p4_fresp *txf = p4_fresp_create(n, l->fs_hz), *ch = p4_fresp_create(n, l->fs_hz),
             *rxf = p4_fresp_create(n, l->fs_hz), *tmp = NULL;
    double *full = malloc(n * sizeof *full), *pulse = NULL, *rp = NULL, *best_pulse = NULL;
    p4_status st = (txf && ch && rxf && full) ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    double fN = 0.5 / l->ui_s;
    /* aggressors use the victim's pairs (a crosstalk file has no thru to detect them from);
     * without a victim file, COM's default [1,3,2,4] */
    int64_t thru_order[4] = {1, 3, 2, 4};
    if (c->n_port_order == 4) memcpy(thru_order, c->port_order, sizeof thru_order);
    /* TX bandwidth */
    if (!st && !strcmp(c->tx_filter, "gaussian")) {
        double bw = c->tx_bandwidth_ghz * 1e9;
        if (bw <= 0 && c->tx_rise_time_ps > 0) bw = sqrt(M_LN2) / (2 * M_PI * c->tx_rise_time_ps * 1e-12 / 1.6832);
        if (bw > 0) p4_fresp_gaussian(txf, bw);
    } else if (!st && !strcmp(c->tx_filter, "bessel"))
        st = p4_fresp_bessel(txf, 4, c->tx_bandwidth_ghz * 1e9);
    /* channel */
    l->info.channel_il_nyquist_db = 0;
    if (!st && !strcmp(c->ch_type, "touchstone"))
        st = touchstone_into(l, ch, c->ch_file, c->port_order, c->n_port_order == 4, &l->info.channel_il_nyquist_db,
                             thru_order);
    else if (!st && !strcmp(c->ch_type, "model"))
        st = p4_fresp_loss_model(ch, c->il_nyquist_db, c->skin_fraction, fN, c->length_mm * c->delay_ps_per_mm * 1e-12,
                                 c->reflection_coeff, c->reflection_delay_ps * 1e-12);
    else if (!st && !strcmp(c->ch_type, "taps"))
        p4_fresp_taps(ch, c->ch_taps, (int)c->n_ch_taps, l->ui_s);
    if (!st && strcmp(c->ch_type, "touchstone")) l->info.channel_il_nyquist_db = -p4_fresp_db_at(ch, fN);
    if (!st && c->noise_filter_ghz > 0) p4_fresp_butterworth(rxf, 4, c->noise_filter_ghz * 1e9);
    /* channel bulk delay: peak of the channel's own impulse response */
    if (!st) {
        p4_fresp_impulse(ch, full);
        size_t pk = 0;
        for (size_t k = 0; k < n; k++)
            if (fabs(full[k]) > fabs(full[pk])) pk = k;
        double t = (double)(pk < n / 2 ? (long)pk : (long)pk - (long)n) / l->fs_hz;
        l->info.lat_channel_ns = t * 1e9;
    }
    /* crosstalk responses (before the CTLE, which multiplies in later) */
    p4_fresp *xt[P4_MAX_XTALK] = {0};
    l->nxt = (int)c->n_xt_files;
    for (int i = 0; !st && i < l->nxt; i++) {
        xt[i] = p4_fresp_copy(txf);
        st = touchstone_into(l, xt[i], c->xt_files[i], thru_order, 1, NULL, NULL);
        if (!st) p4_fresp_mul(xt[i], rxf);
    }
    /* noise PSD pieces (per-sample variances of white inputs at fs) */
    double s2 = 0;
    for (int i = 0; i < 4; i++) s2 += 0.25 * l->lv[i] * l->lv[i];
    double psig = s2 * c->amplitude_v * c->amplitude_v;
    double var_tx = isinf(c->tx_snr_db) ? 0 : psig * pow(10, -c->tx_snr_db / 10) / fN * (l->fs_hz / 2);
    double var_rx = c->eta0_v2_per_ghz * l->fs_hz * 1e-9 / 2;
    double var_rms = c->noise_rms_v * c->noise_rms_v;
    l->has_noise = var_tx > 0 || var_rx > 0 || var_rms > 0;
    /* rendered pulse and its spectrum for the crosstalk PSD */
    int rl;
    rp = render_pulse(l, &rl);
    /* CTLE candidates */
    double gdc_list[32], ghp_list[8];
    int ngdc = 1, nghp = 1;
    gdc_list[0] = c->g_dc_db, ghp_list[0] = c->g_dc_hp_db;
    if (c->ctle_enable && isnan(c->g_dc_db)) {
        ngdc = 16;
        for (int i = 0; i < 16; i++) gdc_list[i] = -i;
    }
    if (c->ctle_enable && isnan(c->g_dc_hp_db)) {
        nghp = 6;
        for (int i = 0; i < 6; i++) ghp_list[i] = -i;
    }
    if (!c->ctle_enable) ngdc = nghp = 1;
    p4_fresp *sig = NULL, *ctle = NULL, *best_ctle = NULL;
    double *rn_full = malloc(n * sizeof *rn_full);
    eq_choice best = {.snr = -1}, e;
    int best_np = 0;
    for (int a = 0; !st && a < ngdc; a++)
        for (int b = 0; !st && b < nghp; b++) {
            p4_fresp_free(ctle);
            ctle = p4_fresp_create(n, l->fs_hz);
            if (c->ctle_enable)
                p4_fresp_ctle(ctle, gdc_list[a], ghp_list[b], c->fz_ghz * 1e9, c->fp1_ghz * 1e9, c->fp2_ghz * 1e9,
                              c->f_lf_ghz * 1e9);
            p4_fresp_free(sig);
            sig = p4_fresp_copy(txf);
            p4_fresp_mul(sig, ch);
            p4_fresp_mul(sig, rxf);
            p4_fresp_mul(sig, ctle);
            /* noise autocorrelation at the sampler */
            tmp = p4_fresp_create(n, l->fs_hz);
            for (size_t k = 0; k <= n / 2; k++) {
                double hr = cabs(rxf->H[k] * ctle->H[k]), hc = cabs(ch->H[k]);
                double S = var_tx * hr * hr * hc * hc + var_rx * hr * hr + var_rms;
                for (int i = 0; i < l->nxt; i++) {
                    double amp = c->n_xt_amplitude ? c->xt_amplitude_v[i] : c->amplitude_v;
                    double f = p4_fresp_freq(tmp, k), x = M_PI * f * l->ui_s;
                    double sinc = x == 0 ? 1 : sin(x) / x; /* |rect pulse| / sps */
                    double ha = cabs(xt[i]->H[k] * ctle->H[k]);
                    S += s2 * amp * amp * l->sps * sinc * sinc * ha * ha;
                }
                tmp->H[k] = S;
            }
            p4_fresp_impulse(tmp, rn_full);
            p4_fresp_free(tmp);
            tmp = NULL;
            p4_fresp_impulse(sig, full);
            p4_impulse imp;
            st = p4_impulse_truncate(full, n, TAIL_REL, 2 * (size_t)l->sps, max_len, &imp);
            if (st) break;
            int np;
            pulse = conv_pulse(imp.h, imp.len, rp, rl, c->amplitude_v, &np);
            st = choose_eq(l, pulse, np, rn_full, &e);
            if (!st && e.snr > best.snr) {
                best = e;
                free(best_pulse);
                best_pulse = pulse;
                pulse = NULL;
                best_np = np;
                p4_impulse_free(&l->sig);
                l->sig = imp;
                imp.h = NULL;
                p4_fresp_free(best_ctle);
                best_ctle = p4_fresp_copy(ctle);
                l->info.g_dc_db = c->ctle_enable ? gdc_list[a] : NAN;
                l->info.g_dc_hp_db = c->ctle_enable ? ghp_list[b] : NAN;
            }
            free(pulse);
            pulse = NULL;
            p4_impulse_free(&imp);
        }
    if (!st && best.snr < 0) st = p4_error(P4_ENUM, "p4_link_create: no equalizer solution");
    /* the shaped-noise FIR and the aggressor FIRs for the chosen CTLE */
    if (!st && l->has_noise) {
        tmp = p4_fresp_create(n, l->fs_hz);
        for (size_t k = 0; k <= n / 2; k++) {
            double hr = cabs(rxf->H[k] * best_ctle->H[k]), hc = cabs(ch->H[k]);
            tmp->H[k] = sqrt(var_tx * hr * hr * hc * hc + var_rx * hr * hr + var_rms);
        }
        p4_fresp_impulse(tmp, full);
        st = p4_impulse_truncate(full, n, TAIL_REL, 0, max_len, &l->noise);
    }
    for (int i = 0; !st && i < l->nxt; i++) {
        p4_fresp_mul(xt[i], best_ctle);
        p4_fresp_impulse(xt[i], full);
        st = p4_impulse_truncate(full, n, TAIL_REL, 2 * (size_t)l->sps, max_len, &l->xt[i]);
    }
    if (!st) {
        l->pulse = best_pulse;
        best_pulse = NULL;
        l->pulse_len = best_np;
        l->phase = best.phase;
        l->cursor = best.cursor;
        p4_link_info *in = &l->info;
        in->sample_phase_ui = best.phase_ui;
        in->mmse_snr_db = 10 * log10(best.snr);
        in->nffe = (int)c->ffe_taps, in->npre = (int)c->ffe_precursors, in->ndfe = (int)c->dfe_taps;
        memcpy(in->ffe, best.w, sizeof in->ffe);
        memcpy(in->dfe, best.b, sizeof in->dfe);
        double mc = l->pulse[best.cursor * l->sps + best.phase];
        in->main_cursor_v = mc;
        for (int i = 0; i < P4_PULSE_PRE; i++) {
            int m = best.cursor - 1 - i;
            in->pre[i] = m >= 0 ? l->pulse[m * l->sps + best.phase] / mc : 0;
        }
        for (int i = 0; i < P4_PULSE_POST; i++) {
            int idx = (best.cursor + 1 + i) * l->sps + best.phase;
            in->post[i] = idx < l->pulse_len ? l->pulse[idx] / mc : 0;
        }
        l->fir_len = l->sig.len;
        if (l->has_noise && l->noise.len > l->fir_len) l->fir_len = l->noise.len;
        for (int i = 0; i < l->nxt; i++)
            if (l->xt[i].len > l->fir_len) l->fir_len = l->xt[i].len;
        in->fir_taps = (double)l->fir_len;
        l->passthrough = !l->has_noise && l->nxt == 0 && l->sig.len == 1 && l->sig.lead == 0 && l->sig.h[0] == 1;
        /* latency model: times of the pulse's main cursor, from the symbol's own edge */
        double ui_ns = l->ui_s * 1e9;
        in->lat_tx_ffe_ns = c->tx_ffe_main * ui_ns;
        in->lat_driver_ns = 0.5 * ui_ns; /* edges sit mid-UI in the render */
        double t_cursor_ns = ((double)(best.cursor * l->sps + best.phase) + (double)l->sig.lead) / l->fs_hz * 1e9;
        in->lat_rx_analog_ns = t_cursor_ns - in->lat_tx_ffe_ns - in->lat_driver_ns - in->lat_channel_ns;
        in->lat_rx_ffe_ns = c->ffe_precursors * ui_ns;
        in->lat_model_ns = t_cursor_ns + in->lat_rx_ffe_ns;
        l->warm = l->fir_len / l->sps + (size_t)c->ffe_taps + (size_t)c->dfe_taps + 16;
        l->tail = (size_t)best.cursor + (size_t)c->ffe_taps + 32;
    }
    p4_fresp_free(txf), p4_fresp_free(ch), p4_fresp_free(rxf), p4_fresp_free(tmp);
    p4_fresp_free(sig), p4_fresp_free(ctle), p4_fresp_free(best_ctle);
    for (int i = 0; i < P4_MAX_XTALK; i++) p4_fresp_free(xt[i]);
    free(full), free(rp), free(pulse), free(best_pulse), free(rn_full);
    if (st) {
        p4_link_destroy(l);
        return NULL;
    }
    /* the delay from TX symbols to decisions, measured by correlation on a probe unit */
    if (p4_link_measure_delay(l)) {
        p4_link_destroy(l);
        return NULL;
    }
    return l;
}

int p4_link_pulse(const p4_link *l, int phase, double *p, int n)
{
    int k = 0;
    for (; k < n && k * l->sps + phase < l->pulse_len; k++) p[k] = l->pulse[k * l->sps + phase];
    return k;
}

/* ---- the Monte Carlo run ---- */

typedef struct {
    size_t nsym, nsamp, chunk;        /* symbols in the unit, samples, symbols per chunk */
    uint8_t *tx, *line;               /* Gray symbols sent; precoded symbols on the line */
    double *lev, *ffe_out, *delta, *wave, *noise, *rx;
    double *xs, *y, *z, *fb;
    uint8_t *dec, *xsym;
    double *xlev[P4_MAX_XTALK], *xwave[P4_MAX_XTALK];
    p4_fir *fir;
    p4_ffe *txffe, *rxffe;
    p4_pattern *pat, *xpat[P4_MAX_XTALK];
} unit_state;

static void unit_free(unit_state *u, int nxt)
{
    free(u->tx), free(u->line), free(u->lev), free(u->ffe_out), free(u->delta), free(u->wave);
    free(u->noise), free(u->rx), free(u->xs), free(u->y), free(u->z), free(u->fb), free(u->dec), free(u->xsym);
    for (int i = 0; i < nxt; i++) free(u->xlev[i]), free(u->xwave[i]), p4_pattern_destroy(u->xpat[i]);
    p4_fir_destroy(u->fir);
    p4_ffe_destroy(u->txffe);
    p4_ffe_destroy(u->rxffe);
    p4_pattern_destroy(u->pat);
}

static p4_status unit_alloc(const p4_link *l, size_t counted, unit_state *u)
{
    memset(u, 0, sizeof *u);
    const p4_config *c = &l->cfg;
    const double *h[2 + P4_MAX_XTALK];
    size_t len[2 + P4_MAX_XTALK];
    int nin = 0;
    if (!l->passthrough) {
        h[nin] = l->sig.h, len[nin++] = l->sig.len;
        if (l->has_noise) h[nin] = l->noise.h, len[nin++] = l->noise.len;
        for (int i = 0; i < l->nxt; i++) h[nin] = l->xt[i].h, len[nin++] = l->xt[i].len;
        u->fir = p4_fir_create(nin, h, len);
        if (!u->fir) return P4_ENOMEM;
        u->chunk = p4_fir_hop(u->fir) / l->sps;
    } else
        u->chunk = 1024;
    size_t need = l->warm + counted + l->tail;
    u->nsym = (need + u->chunk - 1) / u->chunk * u->chunk;
    u->nsamp = u->nsym * l->sps;
    size_t cs = u->chunk * l->sps;
    u->tx = malloc(u->nsym), u->line = malloc(u->nsym), u->dec = malloc(u->nsym), u->xsym = malloc(u->chunk);
    u->lev = malloc(u->chunk * sizeof(double)), u->ffe_out = malloc(u->chunk * sizeof(double));
    u->delta = malloc(u->chunk * sizeof(double));
    u->wave = malloc(cs * sizeof(double)), u->noise = malloc(cs * sizeof(double));
    u->rx = malloc(u->nsamp * sizeof(double));
    u->xs = malloc(u->nsym * sizeof(double)), u->y = malloc(u->nsym * sizeof(double));
    u->z = malloc(u->nsym * sizeof(double)), u->fb = malloc(u->nsym * sizeof(double));
    int ok = u->tx && u->line && u->dec && u->xsym && u->lev && u->ffe_out && u->delta && u->wave && u->noise &&
             u->rx && u->xs && u->y && u->z && u->fb;
    for (int i = 0; i < l->nxt; i++) {
        u->xlev[i] = malloc(u->chunk * sizeof(double));
        u->xwave[i] = malloc(cs * sizeof(double));
        u->xpat[i] = p4_pattern_create("random", (uint64_t)c->seed ^ (0x5851F42D4C957F2Dull * (uint64_t)(i + 1)));
        ok = ok && u->xlev[i] && u->xwave[i] && u->xpat[i];
    }
    u->txffe = p4_ffe_create(c->tx_ffe, (int)c->n_tx_ffe);
    u->rxffe = p4_ffe_create(l->info.ffe, l->info.nffe);
    u->pat = p4_pattern_create(c->pattern, (uint64_t)c->seed);
    if (!ok || !u->txffe || !u->rxffe || !u->pat) return p4_error(P4_ENOMEM, "out of memory for a work unit");
    return P4_OK;
}

/* Simulate unit `unit` whose counted symbols start at global symbol index k0: fills u->rx, u->dec. */
static void unit_simulate(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0)
{
    const p4_config *c = &l->cfg;
    const int sps = l->sps;
    uint64_t start = k0 >= l->warm ? k0 - l->warm : 0; /* global index of the unit's first symbol */
    p4_rng rj, rn;
    p4_rng_seed(&rj, (uint64_t)c->seed, unit, P4_STREAM_JITTER);
    p4_rng_seed(&rn, (uint64_t)c->seed, unit, P4_STREAM_NOISE);
    p4_pattern_seek(u->pat, !strcmp(c->pattern, "random") ? unit : start);
    for (int i = 0; i < l->nxt; i++) p4_pattern_seek(u->xpat[i], unit);
    p4_jitter jit = {c->rj_ps * 1e-12 / l->ui_s, c->sj_ps * 1e-12 / l->ui_s, c->sj_mhz * 1e6 * l->ui_s,
                     c->dcd_ps * 1e-12 / l->ui_s};
    int jon = p4_jitter_active(&jit);
    p4_render rend, xrend[P4_MAX_XTALK];
    p4_render_init(&rend, sps);
    for (int i = 0; i < l->nxt; i++) p4_render_init(&xrend[i], sps);
    p4_ffe_reset(u->txffe);
    if (u->fir) p4_fir_reset(u->fir);
    uint8_t pstate = 0;
    const size_t ch = u->chunk, cs = ch * sps;
    for (size_t s0 = 0; s0 < u->nsym; s0 += ch) {
        uint8_t *tx = u->tx + s0, *line = u->line + s0;
        p4_pattern_run(u->pat, tx, ch);
        memcpy(line, tx, ch);
        if (c->precode) p4_precode(line, ch, &pstate);
        for (size_t k = 0; k < ch; k++) u->lev[k] = l->lvA[line[k]];
        p4_ffe_run(u->txffe, u->lev, ch, u->ffe_out);
        if (jon) p4_jitter_edges(&jit, &rj, start + s0, ch, u->delta);
        double *dst = u->rx + s0 * sps;
        p4_render_run(&rend, u->ffe_out, jon ? u->delta : NULL, ch, u->fir ? u->wave : dst);
        if (!u->fir) continue;
        const double *in[2 + P4_MAX_XTALK];
        int nin = 0;
        in[nin++] = u->wave;
        if (l->has_noise) {
            p4_rng_gauss_fill(&rn, u->noise, cs, 1.0);
            in[nin++] = u->noise;
        }
        for (int i = 0; i < l->nxt; i++) {
            double amp = c->n_xt_amplitude ? c->xt_amplitude_v[i] : c->amplitude_v;
            p4_pattern_run(u->xpat[i], u->xsym, ch);
            for (size_t k = 0; k < ch; k++) u->xlev[i][k] = l->lv[u->xsym[k]] * amp;
            p4_render_run(&xrend[i], u->xlev[i], NULL, ch, u->xwave[i]);
            in[nin++] = u->xwave[i];
        }
        p4_fir_run(u->fir, in, cs, dst);
    }
    /* RX digital: sample, FFE, DFE + slicer */
    for (size_t m = 0; m < u->nsym; m++) u->xs[m] = u->rx[m * sps + l->phase];
    p4_ffe_reset(u->rxffe);
    p4_ffe_run(u->rxffe, u->xs, u->nsym, u->y);
    p4_dfe dfe;
    p4_dfe_init(&dfe, l->info.dfe, l->info.ndfe, l->lv);
    p4_dfe_run(&dfe, u->y, u->nsym, u->z, u->fb, u->dec);
    if (c->precode) {
        uint8_t st = 0;
        p4_precode_decode(u->dec, u->nsym, &st);
    }
}

static p4_status p4_link_measure_delay(p4_link *l)
{
    unit_state u;
    size_t probe = 4096;
    p4_status st = unit_alloc(l, probe, &u);
    if (!st) {
        unit_simulate(l, &u, 0, l->warm);
        long best = 0, maxlag = (long)l->tail - 8;
        double bc = -INFINITY;
        for (long lag = 0; lag <= maxlag; lag++) {
            double acc = 0;
            for (size_t t = l->warm; t < l->warm + probe && t + (size_t)lag < u.nsym; t++)
                acc += l->lv[u.line[t]] * u.z[t + lag];
            if (acc > bc) bc = acc, best = lag;
        }
        l->info.delay_symbols = best;
        l->info.lat_measured_ns = ((double)best * l->sps + l->phase + (double)l->sig.lead) / l->fs_hz * 1e9;
    }
    unit_free(&u, l->nxt);
    return st;
}

p4_status p4_link_run(p4_link *l, uint64_t symbols, p4_counts *out)
{
    const p4_config *c = &l->cfg;
    if (!symbols) symbols = (uint64_t)c->symbols;
    size_t L = (size_t)c->unit_symbols;
    unit_state u;
    p4_status st = unit_alloc(l, L, &u);
    if (!st) st = p4_counts_init(out, l->sps, 1);
    const int sps = l->sps, half = sps / 2, nffe = l->info.nffe;
    const size_t D = (size_t)l->info.delay_symbols;
    const double *w = l->info.ffe;
    uint64_t eye_budget = c->eye_symbols ? (uint64_t)c->eye_symbols : UINT64_MAX;
    for (uint64_t unit = 0, done = 0; !st && done < symbols; unit++) {
        size_t n = symbols - done < L ? (size_t)(symbols - done) : L;
        unit_simulate(l, &u, unit, l->warm + done);
        uint64_t se = 0, be = 0;
        for (size_t t = l->warm; t < l->warm + n; t++) {
            uint8_t a = u.tx[t], b = u.dec[t + D];
            if (a != b) se++, be += (uint64_t)p4_bit_errors(a, b);
        }
        out->symbols += n, out->symbol_errors += se, out->bits += 2 * n, out->bit_errors += be;
        size_t neye = out->eye_symbols >= eye_budget ? 0 : (size_t)(eye_budget - out->eye_symbols < n ? eye_budget - out->eye_symbols : n);
        for (size_t t = l->warm; t < l->warm + neye; t++) {
            size_t m = t + D;
            uint32_t *hl = out->eye + (size_t)u.line[t] * sps * P4_EYE_BINS;
            for (int q = 0; q < sps; q++) {
                long base = (long)m * sps + l->phase + q - half;
                double acc = 0;
                for (int i = 0; i < nffe; i++) acc += w[i] * u.rx[base - (long)i * sps];
                double v = acc - u.fb[m];
                int bin = (int)floor((v + P4_EYE_RANGE) * (P4_EYE_BINS / (2 * P4_EYE_RANGE)));
                bin = bin < 0 ? 0 : bin >= P4_EYE_BINS ? P4_EYE_BINS - 1 : bin;
                hl[(size_t)q * P4_EYE_BINS + bin]++;
            }
        }
        out->eye_symbols += neye;
        done += n;
    }
    unit_free(&u, l->nxt);
    return st;
}

const double *p4_link_thresholds(const p4_link *l) { return l->th; }
