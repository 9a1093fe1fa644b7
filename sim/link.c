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
#include "pam4sim/checkpoint.h"
#include "pam4sim/driver.h"
#include "pam4sim/dsprx.h"
#include "pam4sim/fec.h"
#include "pam4sim/framer.h"
#include "pam4sim/equalizer.h"
#include "pam4sim/fir.h"
#include "pam4sim/optics.h"
#include "pam4sim/pam4.h"
#include "pam4sim/prbs.h"
#include "pam4sim/response.h"
#include "pam4sim/rng.h"
#include "pam4sim/touchstone.h"
#include "link_optics.h"
#include "work.h"
#include <fftw3.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define TAIL_REL 1e-9 /* energy left out of a truncated impulse response */

static p4_status p4_link_measure_delay(p4_link *l);
static p4_status dsp_setup(p4_link *l);
static void dsp_latency(p4_link *l);

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
    double noise_var;  /* noise variance at the sampler (V^2), for the AGC */
    double rn_sym[P4_MAX_TAPS]; /* Gaussian noise autocorrelation at the sampler, symbol lags (stat.h) */
    double *xpulse[P4_MAX_XTALK]; /* aggressor pulse responses (one symbol of level 1 x amplitude) */
    int xpulse_len[P4_MAX_XTALK];
    /* DSP receiver and FEC */
    p4_dsprx *dsp;     /* the receiver set-up chose (its info); each worker runs its own copy */
    p4_dsprx_setup dsp_setup;
    int fec, inner;
    size_t frame;      /* symbols per (super)frame, 1 without FEC */
    /* optical line */
    p4_optics_model *optm; /* NULL for an electrical link */
    long opt_lead;         /* samples: the optical line's output index n is time n + opt_lead */
    long pulse_lead;       /* samples: pulse index i is time i + sig.lead + pulse_lead */
    double tia_sat_half;   /* receiver output tanh half swing [V], INFINITY: linear */
    /* unit geometry */
    size_t warm, tail;
    uint64_t count_off; /* global index of the first counted symbol */
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
    for (int i = 0; i < P4_MAX_XTALK; i++) p4_impulse_free(&l->xt[i]), free(l->xpulse[i]);
    free(l->pulse);
    p4_dsprx_destroy(l->dsp);
    p4_optics_model_free(l->optm);
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
/* A linear driver's or TIA's CTLE (LPO modules): the COM CTLE shape with the zero and first pole
 * at baud/4 and the second pole at baud, g_dc = -peaking, scaled to unit gain at DC, so the high
 * frequencies gain `peaking_db` over DC (less the second pole's roll-off). */
static p4_status peaking_into(p4_fresp *r, double peaking_db, double baud_hz)
{
    if (peaking_db <= 0) return P4_OK;
    p4_fresp *p = p4_fresp_create(r->n, r->fs_hz);
    if (!p) return p4_error(P4_ENOMEM, "out of memory");
    p4_fresp_ctle(p, -peaking_db, 0, baud_hz / 4, baud_hz / 4, baud_hz, baud_hz / 80);
    double g = pow(10, peaking_db / 20);
    for (size_t k = 0; k <= r->n / 2; k++) r->H[k] *= p->H[k] * g;
    p4_fresp_free(p);
    return P4_OK;
}

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

/* Full-rate pulse response (amplitude-scaled) of an impulse h convolved with the rendered pulse (or
 * an optical line's identified pulse): a direct loop for a short pulse, FFTW for a long one (the
 * CTLE search convolves once per candidate). NULL when out of memory. */
static double *conv_pulse(const double *h, size_t hl, const double *rp, int rl, double amp, int *np)
{
    int n = (int)hl + rl;
    double *p = calloc(n, sizeof *p);
    *np = n;
    if (!p) return NULL;
    if ((double)hl * rl < 1e6) {
        for (int i = 0; i < rl; i++)
            if (rp[i] != 0)
                for (size_t j = 0; j < hl; j++) p[i + j] += amp * rp[i] * h[j];
        return p;
    }
    size_t N = 1024;
    while (N < (size_t)n) N *= 2;
    double *x = fftw_alloc_real(N), *y = fftw_alloc_real(N);
    fftw_complex *X = fftw_alloc_complex(N / 2 + 1), *Y = fftw_alloc_complex(N / 2 + 1);
    fftw_plan fx = NULL, fy = NULL, b = NULL;
    if (x && y && X && Y) {
        fx = fftw_plan_dft_r2c_1d((int)N, x, X, FFTW_ESTIMATE), fy = fftw_plan_dft_r2c_1d((int)N, y, Y, FFTW_ESTIMATE);
        b = fftw_plan_dft_c2r_1d((int)N, X, x, FFTW_ESTIMATE);
    }
    if (fx && fy && b) {
        memset(x, 0, N * sizeof *x), memset(y, 0, N * sizeof *y);
        memcpy(x, h, hl * sizeof *x), memcpy(y, rp, (size_t)rl * sizeof *y);
        fftw_execute(fx), fftw_execute(fy);
        for (size_t k = 0; k <= N / 2; k++) X[k] *= Y[k];
        fftw_execute(b);
        for (int i = 0; i < n; i++) p[i] = x[i] * amp / (double)N;
    } else
        free(p), p = NULL;
    if (fx) fftw_destroy_plan(fx);
    if (fy) fftw_destroy_plan(fy);
    if (b) fftw_destroy_plan(b);
    fftw_free(x), fftw_free(y), fftw_free(X), fftw_free(Y);
    return p;
}

p4_link *p4_link_create(const p4_config *cfg)
{
    p4_init(); /* shared tables built before any worker thread reads them */
    if (p4_config_validate(cfg)) return NULL;
    p4_link *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    l->cfg = *cfg;
    const p4_config *c = &l->cfg;
    l->sps = (int)c->sps;
    l->ui_s = 1e-9 / c->baud_gbd;
    l->fs_hz = c->baud_gbd * 1e9 * l->sps;
    l->tia_sat_half = INFINITY;
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
    if (!st) {
        l->info.il_n = P4_IL_POINTS;
        for (int i = 0; i < P4_IL_POINTS; i++) {
            double f = c->baud_gbd * 1e9 * i / (P4_IL_POINTS - 1);
            l->info.il_f_ghz[i] = f * 1e-9;
            l->info.il_db[i] = -p4_fresp_db_at(ch, f);
        }
    }
    if (!st && c->noise_filter_ghz > 0) p4_fresp_butterworth(rxf, 4, c->noise_filter_ghz * 1e9);
    /* IBIS-AMI host SerDes models (sim/ami_flow.c): their Init-flow responses join the chain */
    if (!st) st = p4_ami_link_apply(&l->cfg, txf, ch, rxf, &l->info.ami_tx, &l->info.ami_rx);
    /* channel bulk delay: peak of the channel's own impulse response */
    if (!st) {
        p4_fresp_impulse(ch, full);
        size_t pk = 0;
        for (size_t k = 0; k < n; k++)
            if (fabs(full[k]) > fabs(full[pk])) pk = k;
        double t = (double)(pk < n / 2 ? (long)pk : (long)pk - (long)n) / l->fs_hz;
        l->info.lat_channel_ns = t * 1e9;
    }
    /* the optical line: the electrical path so far (TX filter x channel) drives it, and the receive
     * side becomes transimpedance x TIA x RX filter x CTLE on the photocurrent */
    double *opt_pulse = NULL, opt_var_design = 0, opt_var_th = 0;
    p4_fresp *rx_ch = NULL;
    int opt_len = 0;
    if (!st && c->optics_enable) {
        /* channel.position: the electrical channel before the driver (tx), after the TIA (rx), or
         * both (a linear module between two host boards); a linear driver's and TIA's CTLE peaking */
        int ch_tx = strcmp(c->ch_position, "rx") != 0, ch_rx = strcmp(c->ch_position, "tx") != 0;
        p4_fresp *elec = p4_fresp_copy(txf);
        rx_ch = ch_rx ? p4_fresp_copy(ch) : NULL;
        p4_optics_params op;
        if (!elec || (ch_rx && !rx_ch)) st = p4_error(P4_ENOMEM, "out of memory");
        if (!st) {
            if (ch_tx) p4_fresp_mul(elec, ch);
            if (ch_tx && ch_rx) l->info.lat_channel_ns *= 2;
            st = peaking_into(elec, c->drv_peaking_db, c->baud_gbd * 1e9);
        }
        if (!st) {
            p4_lo_params(c, l->fs_hz, n, max_len, l->lvA, creal(elec->H[0]), &op);
            if (!(l->optm = p4_optics_model_create(&op, elec))) st = P4_EINVAL;
        }
        if (!st && c->tdecq_in_run) {
            st = p4_lo_tdecq(c, &op, elec, l->optm, l->sps, l->lvA, &l->info.tdecq);
            l->info.has_tdecq = !st;
        }
        p4_fresp_free(elec);
        int kpre = 0;
        if (!st) st = p4_lo_identify(c, l->optm, l->sps, l->lv, l->lvA, &opt_pulse, &opt_len, &kpre, &l->info.opt_sndr_db);
        if (!st) {
            const p4_optics_info *oi = p4_optics_model_info(l->optm);
            l->info.optical = 1;
            l->info.opt = *oi;
            l->info.lat_fiber_ns = oi->flight_ns;
            opt_var_design = p4_lo_noise_var(c, oi, l->fs_hz, &opt_var_th);
            double z = c->tia_agc_vpp > 0 ? c->tia_agc_vpp / (c->pd_responsivity_a_w * oi->rx_oma_w) : c->tia_gain_ohm;
            l->info.tia_z_ohm = z;
            for (size_t k = 0; k <= n / 2; k++) txf->H[k] = 1, ch->H[k] = z;
            p4_fresp_butterworth(ch, 2, c->tia_bandwidth_ghz * 1e9);
            st = peaking_into(ch, c->tia_peaking_db, c->baud_gbd * 1e9);
            if (rx_ch) p4_fresp_mul(ch, rx_ch);
            l->opt_lead = oi->lead;
            l->pulse_lead = oi->lead - (long)kpre * l->sps;
            l->tia_sat_half = c->tia_sat_vpp / 2;
        }
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
    /* optical: the TIA's input noise is the one signal-independent source the noise FIR shapes; the
     * design also counts shot, RIN and MPI (the line draws those itself, per sample) */
    double var_tx_fir = var_tx;
    if (l->optm) var_tx = opt_var_design, var_tx_fir = opt_var_th;
    l->has_noise = var_tx_fir > 0 || var_rx > 0 || var_rms > 0;
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
            pulse = l->optm ? conv_pulse(imp.h, imp.len, opt_pulse, opt_len, 1.0, &np)
                            : conv_pulse(imp.h, imp.len, rp, rl, c->amplitude_v, &np);
            st = pulse ? choose_eq(l, pulse, np, rn_full, &e) : p4_error(P4_ENOMEM, "out of memory");
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
                l->noise_var = rn_full[0];
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
            tmp->H[k] = sqrt(var_tx_fir * hr * hr * hc * hc + var_rx * hr * hr + var_rms);
        }
        p4_fresp_impulse(tmp, full);
        st = p4_impulse_truncate(full, n, TAIL_REL, 0, max_len, &l->noise);
        /* the same PSD squared is the autocorrelation the statistical engine needs */
        for (size_t k = 0; !st && k <= n / 2; k++) tmp->H[k] *= tmp->H[k];
        if (!st) p4_fresp_impulse(tmp, full);
        for (int i = 0; !st && i < P4_MAX_TAPS; i++) l->rn_sym[i] = full[((size_t)i * l->sps) % n];
    }
    int rl1 = 2 * l->sps;
    double one[2] = {1, 0}, *rect = calloc((size_t)rl1, sizeof *rect);
    if (rect) {
        p4_render r1;
        p4_render_init(&r1, l->sps);
        p4_render_run(&r1, one, NULL, 2, rect);
    } else
        st = p4_error(P4_ENOMEM, "out of memory");
    for (int i = 0; !st && i < l->nxt; i++) {
        p4_fresp_mul(xt[i], best_ctle);
        p4_fresp_impulse(xt[i], full);
        st = p4_impulse_truncate(full, n, TAIL_REL, 2 * (size_t)l->sps, max_len, &l->xt[i]);
        double amp = c->n_xt_amplitude ? c->xt_amplitude_v[i] : c->amplitude_v;
        if (!st) l->xpulse[i] = conv_pulse(l->xt[i].h, l->xt[i].len, rect, rl1, amp, &l->xpulse_len[i]);
    }
    free(rect);
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
        l->passthrough = !l->optm && !l->has_noise && l->nxt == 0 && l->sig.len == 1 && l->sig.lead == 0 && l->sig.h[0] == 1;
        /* latency model: times of the pulse's main cursor, from the symbol's own edge */
        double ui_ns = l->ui_s * 1e9;
        in->lat_tx_ffe_ns = c->tx_ffe_main * ui_ns;
        in->lat_driver_ns = 0.5 * ui_ns; /* edges sit mid-UI in the render */
        double t_cursor_ns =
            ((double)(best.cursor * l->sps + best.phase) + (double)l->sig.lead + (double)l->pulse_lead) / l->fs_hz * 1e9;
        in->lat_rx_analog_ns = t_cursor_ns - in->lat_tx_ffe_ns - in->lat_driver_ns - in->lat_channel_ns;
        in->lat_rx_ffe_ns = c->ffe_precursors * ui_ns;
        in->lat_model_ns = t_cursor_ns + in->lat_rx_ffe_ns + in->lat_fiber_ns;
        l->warm = l->fir_len / l->sps + (size_t)c->ffe_taps + (size_t)c->dfe_taps + 16;
        if (l->optm) {
            l->warm += in->opt.memory / (size_t)l->sps + 2;
            /* receiver noise bandwidth (TIA x RX filter x CTLE, relative to DC) and the
             * thermal-noise sensitivity 6 Qt i_n sqrt(B) / R (SPEC 6) */
            double b = 0, h0 = cabs(ch->H[0] * rxf->H[0] * best_ctle->H[0]);
            for (size_t k = 1; k < n / 2; k++) {
                double h = cabs(ch->H[k] * rxf->H[k] * best_ctle->H[k]) / h0;
                b += h * h;
            }
            b *= l->fs_hz / (double)n;
            double i_n = c->tia_noise_pa_rthz * 1e-12, qt = gsl_cdf_ugaussian_Qinv(2 * c->target_ber / 1.5);
            in->rx_noise_bw_ghz = b * 1e-9;
            in->tia_noise_ua = i_n * sqrt(b) * 1e6;
            in->sens_thermal_oma_dbm = p4_w_to_dbm(6 * qt * i_n * sqrt(b) / c->pd_responsivity_a_w);
        }
        l->tail = (size_t)best.cursor + (size_t)c->ffe_taps + 32;
    }
    p4_fresp_free(txf), p4_fresp_free(ch), p4_fresp_free(rxf), p4_fresp_free(tmp), p4_fresp_free(rx_ch);
    p4_fresp_free(sig), p4_fresp_free(ctle), p4_fresp_free(best_ctle);
    for (int i = 0; i < P4_MAX_XTALK; i++) p4_fresp_free(xt[i]);
    free(full), free(rp), free(pulse), free(best_pulse), free(rn_full), free(opt_pulse);
    if (st) {
        p4_link_destroy(l);
        return NULL;
    }
    /* the delay from TX symbols to decisions, measured by correlation on a probe unit */
    if (p4_link_measure_delay(l) || dsp_setup(l)) {
        p4_link_destroy(l);
        return NULL;
    }
    dsp_latency(l);
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
    uint8_t *dec, *xsym, *dec_dfe;
    p4_framer *fr;
    p4_dsprx_out dout;
    double *xlev[P4_MAX_XTALK], *xwave[P4_MAX_XTALK];
    p4_fir *fir;
    p4_ffe *txffe, *rxffe;
    p4_pattern *pat, *xpat[P4_MAX_XTALK];
    p4_dsprx *dsp;                    /* this unit state's own DSP receiver (NULL without) */
    p4_optics *opt;                   /* this unit state's optical line (NULL without) */
    double *owave;                    /* the line's photocurrent for one chunk */
    const uint8_t *ext;               /* a segment's given TX symbols (nsym of them), or NULL */
} unit_state;

static void unit_free(unit_state *u, int nxt)
{
    free(u->tx), free(u->line), free(u->lev), free(u->ffe_out), free(u->delta), free(u->wave);
    free(u->noise), free(u->rx), free(u->xs), free(u->y), free(u->z), free(u->fb), free(u->dec), free(u->xsym);
    free(u->dec_dfe);
    p4_framer_destroy(u->fr);
    for (int i = 0; i < nxt; i++) free(u->xlev[i]), free(u->xwave[i]), p4_pattern_destroy(u->xpat[i]);
    p4_fir_destroy(u->fir);
    p4_ffe_destroy(u->txffe);
    p4_ffe_destroy(u->rxffe);
    p4_pattern_destroy(u->pat);
    p4_dsprx_destroy(u->dsp);
    p4_optics_destroy(u->opt);
    free(u->owave);
}

/* with_dsp: give the unit its own DSP receiver (when the link has one). */
static p4_status unit_alloc(const p4_link *l, size_t counted, int with_dsp, unit_state *u)
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
    u->dec_dfe = malloc(u->nsym);
    if (l->fec && !(u->fr = p4_framer_create(l->inner, (int)c->fec_interleave, (uint64_t)c->seed)))
        return p4_error(P4_ENOMEM, "out of memory for a work unit");
    u->lev = malloc(u->chunk * sizeof(double)), u->ffe_out = malloc(u->chunk * sizeof(double));
    u->delta = malloc(u->chunk * sizeof(double));
    u->wave = malloc(cs * sizeof(double)), u->noise = malloc(cs * sizeof(double));
    u->rx = malloc(u->nsamp * sizeof(double));
    u->xs = malloc(u->nsym * sizeof(double)), u->y = malloc(u->nsym * sizeof(double));
    u->z = malloc(u->nsym * sizeof(double)), u->fb = malloc(u->nsym * sizeof(double));
    int ok = u->tx && u->line && u->dec && u->dec_dfe && u->xsym && u->lev && u->ffe_out && u->delta && u->wave && u->noise &&
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
    if (with_dsp && l->dsp) ok = ok && (u->dsp = p4_dsprx_create(&l->dsp_setup));
    if (l->optm) ok = ok && (u->opt = p4_optics_create(l->optm)) && (u->owave = malloc(cs * sizeof(double)));
    if (!ok || !u->txffe || !u->rxffe || !u->pat) return p4_error(P4_ENOMEM, "out of memory for a work unit");
    return P4_OK;
}

/* Simulate unit `unit` whose counted symbols start at global symbol index k0: fills u->rx, u->dec
 * (and u->z, u->fb, u->dec_dfe). use_dsp: the DSP receiver (when configured) instead of the ideal
 * sampler and floating-point equalizer. */
static void unit_simulate(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0, int use_dsp)
{
    const p4_config *c = &l->cfg;
    const int sps = l->sps;
    uint64_t start = k0 >= l->warm ? k0 - l->warm : 0; /* global index of the unit's first symbol */
    p4_rng rj, rn;
    p4_rng_seed(&rj, (uint64_t)c->seed, unit, P4_STREAM_JITTER);
    p4_rng_seed(&rn, (uint64_t)c->seed, unit, P4_STREAM_NOISE);
    p4_rng ro;
    p4_rng_seed(&ro, (uint64_t)c->seed, unit, P4_STREAM_OPTICS);
    if (u->opt) p4_optics_reset(u->opt, &ro);
    p4_pattern_seek(u->pat, !strcmp(c->pattern, "random") ? unit : start);
    for (int i = 0; i < l->nxt; i++) p4_pattern_seek(u->xpat[i], unit);
    /* with the DSP receiver, SJ is a delay of the received waveform (dsprx.h), not an edge shift */
    double sj_edges = c->dsp_enable ? 0 : c->sj_ps * 1e-12 / l->ui_s;
    p4_jitter jit = {c->rj_ps * 1e-12 / l->ui_s, sj_edges, c->sj_mhz * 1e6 * l->ui_s, c->dcd_ps * 1e-12 / l->ui_s};
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
        if (u->ext) memcpy(tx, u->ext + s0, ch);
        else if (u->fr) p4_framer_fill(u->fr, start + s0, ch, tx);
        else p4_pattern_run(u->pat, tx, ch);
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
        if (u->opt) {
            p4_optics_run(u->opt, u->wave, cs, &ro, P4_OPT_CURRENT, u->owave);
            in[nin++] = u->owave;
        } else
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
        if (!isinf(l->tia_sat_half))
            for (size_t k = 0; k < cs; k++) dst[k] = l->tia_sat_half * tanh(dst[k] / l->tia_sat_half);
    }
    if (use_dsp && u->dsp) {
        p4_rng ra;
        p4_rng_seed(&ra, (uint64_t)c->seed, unit, P4_STREAM_ADC);
        p4_dsprx_out *o = &u->dout;
        memset(o, 0, sizeof *o);
        o->z = u->z, o->fb = u->fb, o->dec = u->dec, o->dec_dfe = u->dec_dfe, o->y = u->y;
        p4_dsprx_run(u->dsp, u->rx, u->nsamp, u->nsym, u->line, l->info.delay_symbols, (double)start, &ra, o);
    } else {
        /* RX digital: sample, FFE, DFE + slicer */
        for (size_t m = 0; m < u->nsym; m++) u->xs[m] = u->rx[m * sps + l->phase];
        p4_ffe_reset(u->rxffe);
        p4_ffe_run(u->rxffe, u->xs, u->nsym, u->y);
        p4_dfe dfe;
        p4_dfe_init(&dfe, l->info.dfe, l->info.ndfe, l->lv);
        p4_dfe_run(&dfe, u->y, u->nsym, u->z, u->fb, u->dec);
    }
    if (c->precode) { /* dec_dfe is only read when the DSP decides (its MLSE comparison) */
        uint8_t st = 0;
        p4_precode_decode(u->dec, u->nsym, &st);
        st = 0;
        if (use_dsp && u->dsp) p4_precode_decode(u->dec_dfe, u->nsym, &st);
    }
}

static p4_status p4_link_measure_delay(p4_link *l)
{
    unit_state u;
    size_t probe = 4096;
    p4_status st = unit_alloc(l, probe, 0, &u); /* the delay is measured on the float receiver */
    if (!st) {
        unit_simulate(l, &u, 0, l->warm, 0);
        long best = 0, maxlag = (long)l->tail - 8;
        double bc = -INFINITY;
        for (long lag = 0; lag <= maxlag; lag++) {
            double acc = 0;
            for (size_t t = l->warm; t < l->warm + probe && t + (size_t)lag < u.nsym; t++)
                acc += l->lv[u.line[t]] * u.z[t + lag];
            if (acc > bc) bc = acc, best = lag;
        }
        l->info.delay_symbols = best;
        l->info.lat_measured_ns =
            ((double)best * l->sps + l->phase + (double)l->sig.lead + (double)l->opt_lead) / l->fs_hz * 1e9 + l->info.lat_fiber_ns;
    }
    unit_free(&u, l->nxt);
    return st;
}

/* Count one simulated unit (n counted symbols from warm-up + off, the first neye of them into the
 * eye) into c. */
static void unit_count(const p4_link *l, const unit_state *u, size_t off, size_t n, size_t neye, p4_counts *out)
{
    const size_t t0 = l->warm + off;
    const p4_config *c = &l->cfg;
    const int sps = l->sps, half = sps / 2, nffe = l->info.nffe;
    const size_t D = (size_t)l->info.delay_symbols;
    const double *w = l->info.ffe;
    p4_fec_counts *fc = &out->fec;
    p4_counts_compare(out, u->tx + t0, u->dec + t0 + D, n, (size_t)c->burst_gap);
    if (u->dsp) {
        for (size_t t = t0; t < t0 + n; t++) {
            uint8_t a = u->tx[t], b = u->dec_dfe[t + D];
            if (a != b) fc->dfe_symbol_errors++, fc->dfe_bit_errors += (uint64_t)p4_bit_errors(a, b);
        }
        fc->adc_clips += u->dout.clips, fc->cdr_slips += u->dout.slips, fc->dsp_units++;
        fc->cdr_freq_nppm_sum += (int64_t)llround(u->dout.freq_ppm * 1e9);
    }
    if (u->fr)
        p4_framer_receive(u->fr, u->tx + t0, u->dec + t0 + D, u->z + t0 + D, n, l->th,
                          (int)c->fec_inner_flips, fc);
    for (size_t t = t0; t < t0 + neye; t++) {
        size_t m = t + D;
        uint32_t *hl = out->eye + (size_t)u->line[t] * sps * P4_EYE_BINS;
        for (int q = 0; q < sps; q++) {
            long base = (long)m * sps + l->phase + q - half;
            double acc = 0;
            for (int i = 0; i < nffe; i++) acc += w[i] * u->rx[base - (long)i * sps];
            double v = acc - u->fb[m];
            int bin = (int)floor((v + P4_EYE_RANGE) * (P4_EYE_BINS / (2 * P4_EYE_RANGE)));
            bin = bin < 0 ? 0 : bin >= P4_EYE_BINS ? P4_EYE_BINS - 1 : bin;
            hl[(size_t)q * P4_EYE_BINS + bin]++;
        }
    }
    out->eye_symbols += neye;
}

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
    unit_simulate(w->l, &w->u, w->unit, w->k0, 1);
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
    const int nw = p4_work_plan(&symbols, (size_t)c->unit_symbols, l->frame, c->threads, &L, &nunits);
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

void p4_link_seg_destroy(p4_link_seg *s)
{
    if (!s) return;
    unit_free(&s->u, s->l->nxt);
    free(s);
}

void p4_link_view_get(const p4_link *l, p4_link_view *v)
{
    memset(v, 0, sizeof *v);
    v->sps = l->sps, v->phase = l->phase, v->cursor = l->cursor, v->info = &l->info, v->lv = l->lv, v->th = l->th;
    v->pulse = l->pulse, v->pulse_len = l->pulse_len;
    if (!l->optm) v->edge = l->sig.h, v->edge_len = l->sig.len;
    v->cfg = &l->cfg;
    v->nxt = l->nxt;
    for (int i = 0; i < l->nxt; i++) v->xt_pulse[i] = l->xpulse[i], v->xt_len[i] = l->xpulse_len[i];
    v->rn = l->rn_sym, v->nrn = P4_MAX_TAPS;
}

/* ---- the DSP receiver's set-up and the latency model ---- */

/* Detector gain dE[e]/dphi per UI of the Mueller-Mueller detector, from the equalized pulse. */
static double mm_detector_gain(const p4_link *l)
{
    const p4_link_info *in = &l->info;
    int sps = l->sps, d = l->cursor + in->npre;
    double s2 = 0, v[2];
    for (int i = 0; i < 4; i++) s2 += 0.25 * l->lv[i] * l->lv[i];
    for (int side = 0; side < 2; side++) {
        int q = l->phase + (side ? 1 : -1);
        double h[2];
        for (int t = 0; t < 2; t++) {
            int k = d + (t ? 1 : -1);
            double acc = 0;
            for (int i = 0; i < in->nffe; i++) {
                long idx = (long)(k - i) * sps + q;
                if (idx >= 0 && idx < l->pulse_len) acc += in->ffe[i] * l->pulse[idx];
            }
            h[t] = acc;
        }
        v[side] = h[1] - h[0];
    }
    return s2 * (v[1] - v[0]) / (2.0 / sps);
}

/* Bang-bang detector gain: a sign detector on symmetric transitions (1/4 of symbols) whose edge
 * time has rms sigma (RJ and noise over the edge slope): -(1/4) 2 / (sigma sqrt(2 pi)). */
static double bb_detector_gain(const p4_link *l)
{
    double slope = 0;
    for (int i = 0; i + 1 < l->pulse_len; i++) slope = fmax(slope, (l->pulse[i + 1] - l->pulse[i]) * l->sps);
    slope *= l->lv[3] - l->lv[0];
    double rj = l->cfg.rj_ps * 1e-12 / l->ui_s;
    double sig = sqrt(rj * rj + (slope > 0 ? l->noise_var / (slope * slope) : 0.01));
    if (sig < 0.01) sig = 0.01;
    return -0.25 * 2 / (sig * sqrt(2 * M_PI));
}

static p4_status dsp_setup(p4_link *l)
{
    const p4_config *c = &l->cfg;
    p4_link_info *in = &l->info;
    l->fec = strcmp(c->fec_mode, "none") != 0;
    l->inner = !strcmp(c->fec_mode, "kp4_inner");
    l->frame = 1;
    if (l->fec) {
        p4_framer *f = p4_framer_create(l->inner, (int)c->fec_interleave, (uint64_t)c->seed);
        if (!f) return p4_error(P4_ENOMEM, "out of memory for the FEC framer");
        l->frame = p4_framer_frame_symbols(f);
        in->fec_frame_symbols = l->frame;
        p4_framer_destroy(f);
        if (c->precode && l->inner)
            warn(l, "precoding with the inner code: the soft decoder's reliabilities refer to the precoded symbols");
    }
    if (c->dsp_enable) {
        in->dsp = 1;
        double s2 = 0;
        for (int i = 0; i < 4; i++) s2 += 0.25 * l->lv[i] * l->lv[i];
        double ps = 0;
        for (int k = 0; k * l->sps + l->phase < l->pulse_len; k++) {
            double v = l->pulse[k * l->sps + l->phase];
            ps += v * v;
        }
        double ms_v = s2 * ps + l->noise_var;
        double half = ldexp(1, (int)c->adc_bits - 1);
        p4_dsprx_setup s = {0};
        s.sps = l->sps;
        s.base_pos = l->phase;
        s.fixed = !strcmp(c->dsp_arith, "fixed");
        s.gain = c->agc_rms_fraction * half / sqrt(ms_v);
        s.adc_bits = (int)c->adc_bits;
        double enob = isnan(c->adc_enob) ? (double)c->adc_bits : fmin(c->adc_enob, (double)c->adc_bits);
        s.adc_noise = sqrt((pow(4, (double)c->adc_bits - enob) - 1) / 12);
        s.nffe = in->nffe, s.npre = in->npre, s.ndfe = in->ndfe;
        memcpy(s.w, in->ffe, sizeof s.w);
        memcpy(s.b, in->dfe, sizeof s.b);
        s.coef_bits = (int)c->coef_bits, s.acc_bits = (int)c->acc_bits, s.out_bits = (int)c->out_bits;
        s.out_level_fraction = c->out_level_fraction;
        s.lms_step = c->ffe_lms_step, s.dfe_lms_step = c->dfe_lms_step;
        s.train_step = c->ffe_train_step, s.dfe_train_step = c->dfe_train_step;
        s.ms_codes = s.gain * s.gain * ms_v;
        s.train = (long)c->train_symbols;
        memcpy(s.lv, l->lv, sizeof s.lv);
        s.detector = !strcmp(c->cdr_detector, "mm") ? P4_CDR_MM : !strcmp(c->cdr_detector, "bangbang") ? P4_CDR_BANGBANG
                                                                                                         : P4_CDR_NONE;
        s.kd = s.detector == P4_CDR_BANGBANG ? bb_detector_gain(l) : mm_detector_gain(l);
        s.bandwidth_hz = c->cdr_bandwidth_mhz * 1e6, s.damping = c->cdr_damping, s.baud_hz = 1 / l->ui_s;
        s.kp = c->cdr_kp, s.ki = c->cdr_ki;
        s.latency = (int)c->cdr_latency;
        s.offset_ppm = c->cdr_offset_ppm, s.initial_phase_ui = c->cdr_initial_phase_ui;
        s.acquire = (long)c->cdr_acquire, s.gear = c->cdr_gear;
        s.sj_amp_ui = c->sj_ps * 1e-12 / l->ui_s;
        s.sj_rad_per_ui = 2 * M_PI * c->sj_mhz * 1e6 * l->ui_s;
        s.mlse_memory = (int)c->mlse_memory, s.traceback = (int)c->mlse_traceback;
        l->dsp_setup = s;
        l->dsp = p4_dsprx_create(&s);
        if (!l->dsp) return P4_EINVAL;
        const p4_dsprx_info *di = p4_dsprx_info_get(l->dsp);
        in->agc_gain_db = 20 * log10(s.gain / half); /* volts to fraction of half full scale */
        in->adc_full_scale_v = 2 * half / s.gain;
        in->adc_lsb_mv = 1e3 / s.gain;
        in->cdr_kd = s.kd, in->cdr_kp = di->kp, in->cdr_ki = di->ki;
        in->ffe_shift = di->shift, in->mu_ffe = di->mu_ffe, in->mu_dfe = di->mu_dfe;
        in->dsp_out_level = di->out_level;
        memcpy(in->ffe_q, di->ffe_q, sizeof in->ffe_q);
        memcpy(in->dfe_q, di->dfe_q, sizeof in->dfe_q);
        /* warm-up: acquisition and training happen before counting; SJ moves the sampling point */
        size_t extra = (size_t)(c->cdr_acquire + c->train_symbols) + 64;
        size_t sj = (size_t)ceil(s.sj_amp_ui) + 8;
        l->warm += extra + sj;
        l->tail += sj + (size_t)c->mlse_traceback + (size_t)c->cdr_latency;
    }
    l->count_off = (l->warm + l->frame - 1) / l->frame * l->frame;
    return P4_OK;
}

static void lat_add(p4_link_info *in, const char *name, double ns, const char *src)
{
    if (in->nlat >= 12) return;
    snprintf(in->lat[in->nlat].name, sizeof in->lat[0].name, "%s", name);
    snprintf(in->lat[in->nlat].source, sizeof in->lat[0].source, "%s", src);
    in->lat[in->nlat++].ns = ns;
    in->lat_dsp_total_ns += ns;
}

/* Receive DSP and FEC latency, per block (SPEC 7). */
static void dsp_latency(p4_link *l)
{
    const p4_config *c = &l->cfg;
    p4_link_info *in = &l->info;
    double clk_ns = 1 / c->dsp_clock_ghz, ui_ns = l->ui_s * 1e9;
    if (c->dsp_enable) {
        lat_add(in, "ADC, deserializer, AGC", c->lat_adc_ns, "dsp.latency.adc_ns [U]");
        lat_add(in, "FFE + DFE pipeline", (double)c->lat_ffe_cycles * clk_ns, "dsp.latency.ffe_cycles [S]");
        lat_add(in, "FFE pre-cursor taps", (double)c->ffe_precursors * ui_ns, "rx.ffe.precursors x UI");
        if (c->mlse_memory) {
            lat_add(in, "MLSE pipeline", (double)c->lat_mlse_cycles * clk_ns, "dsp.latency.mlse_cycles [U]");
            lat_add(in, "MLSE traceback", (double)c->mlse_traceback * ui_ns, "rx.mlse.traceback_symbols x UI");
        }
    }
    if (l->fec) {
        double acc = (double)c->fec_interleave * P4_RS_N * 5 * ui_ns;
        if (l->inner) {
            acc *= 64.0 / 60;
            lat_add(in, "inner FEC decode", (double)c->lat_inner_cycles * clk_ns, "dsp.latency.inner_cycles [U]");
        }
        lat_add(in, "KP4 codeword accumulation", acc, "interleave x 544 x 10 bits / line rate");
        lat_add(in, "KP4 decode", (double)c->lat_fec_dec_cycles * clk_ns, "dsp.latency.fec_decode_cycles [S]");
        lat_add(in, "KP4 encode (at the TX)", (double)c->lat_fec_enc_cycles * clk_ns, "dsp.latency.fec_encode_cycles [S]");
    }
}
