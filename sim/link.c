/* link.c - set-up of a PAM4 link (design notes in link.h): the channel (loss model or Touchstone,
 * TX and RX filters, CTLE search), the optical line, crosstalk, the noise at the sampler, the pulse
 * response, the sampling phase and equalizer (MMSE), the delay and the work-unit geometry. The
 * sample-level engine is in link_unit.c, run control in link_run.c, the DSP receiver's set-up in
 * link_dsp.c.
 */
#include "link_impl.h"

const p4_link_info *p4_link_info_get(const p4_link *l) { return &l->info; }

void link_warn(p4_link *l, const char *msg)
{
    if (l->info.nwarn < P4_MAX_WARN) snprintf(l->info.warn[l->info.nwarn++], 256, "%s", msg);
}

static double *optical_edge(const p4_link *l, size_t *len);

void p4_link_destroy(p4_link *l)
{
    if (!l) return;
    p4_impulse_free(&l->sig);
    p4_impulse_free(&l->noise);
    for (int i = 0; i < P4_MAX_XTALK; i++) p4_impulse_free(&l->xt[i]), free(l->xpulse[i]);
    free(l->pulse), free(l->opt_pulse), free(l->opt_edge);
    link_symbol_free(l);
    link_poly_free(l->poly);
    p4_dsprx_destroy(l->dsp);
    p4_optics_model_free(l->optm);
    link_ami_free(l->ami), link_ami_tx_free(l->ami_tx);
    free(l);
}

/* Channel response from a Touchstone file into r, raised to `power` (channel.length_scale: a line
 * `power` times as long, |H|^k and k x the unwrapped phase). With sect non-NULL and power != 1,
 * *sect receives the section that lengthening adds in series, H^(power-1), for the crosstalk paths
 * (NULL when power is 1). il_nyq: the file's own loss at baud/2. A file of more than 4 ports (or with
 * a lane map) is a multi-lane file: the thru is lane channel.lane's, and xt_lane >= 0 asks instead
 * for the crosstalk from that lane (0-based) into it; *nlanes (when asked) gets the file's lanes. */
static p4_status touchstone_into(p4_link *l, p4_fresp *r, const char *path, const int64_t *po, int have_po, double power,
                                 double *il_nyq, int64_t order_used[4], p4_fresp **sect, int xt_lane, int *nlanes)
{
    const p4_config *c = &l->cfg;
    p4_touchstone *ts = p4_touchstone_read(path);
    if (!ts) return P4_EPARSE;
    p4_status st = p4_touchstone_renormalize(ts, l->cfg.reference_ohm);
    int in[4] = {0}, order[4];
    const int multi = ts->nports > 4 || c->n_lane_map || xt_lane >= 0;
    p4_lane_map lm = {0};
    if (have_po)
        for (int i = 0; i < 4; i++) in[i] = (int)po[i];
    if (!st && multi) {
        int given[64];
        for (int i = 0; i < (int)c->n_lane_map; i++) given[i] = (int)c->lane_map[i];
        st = p4_touchstone_lanes(ts, given, (int)c->n_lane_map, &lm);
        if (!st && c->lane > lm.nlanes)
            st = p4_error(P4_EINVAL, "key 'channel.lane' = %lld: %s has %d lanes (allowed: 1 .. %d)", (long long)c->lane, path, lm.nlanes,
                          lm.nlanes);
        if (!st)
            for (int i = 0; i < 4; i++) order[i] = lm.port[c->lane - 1][i];
    } else if (!st) {
        st = p4_touchstone_port_order(ts, in, order);
        lm.nlanes = 1;
    }
    if (nlanes) *nlanes = lm.nlanes;
    if (!st && order_used)
        for (int i = 0; i < 4; i++) order_used[i] = order[i];
    double complex *h = st ? NULL : malloc(ts->nfreq * sizeof *h);
    if (!st && !h) st = p4_error(P4_ENOMEM, "out of memory");
    if (!st) st = multi ? p4_touchstone_lane_sdd(ts, &lm, (int)c->lane - 1, xt_lane >= 0 ? xt_lane : (int)c->lane - 1, h)
                        : p4_touchstone_sdd21(ts, order, h);
    if (!st) st = p4_fresp_from_samples_pow(r, ts->freq_hz, h, ts->nfreq, l->cfg.taper_fraction, power);
    if (!st && sect && power != 1) {
        *sect = p4_fresp_create(r->n, r->fs_hz);
        st = *sect ? p4_fresp_from_samples_pow(*sect, ts->freq_hz, h, ts->nfreq, l->cfg.taper_fraction, power - 1)
                   : p4_error(P4_ENOMEM, "out of memory");
    }
    if (!st && il_nyq) *il_nyq = -p4_interp_db(ts->freq_hz, h, ts->nfreq, 0.5 / l->ui_s);
    if (!st && ts->freq_hz[ts->nfreq - 1] < 0.5 / l->ui_s) {
        char m[256];
        snprintf(m, sizeof m, "%s ends at %.2f GHz, below Nyquist %.3f GHz: the response above is zero", path,
                 ts->freq_hz[ts->nfreq - 1] * 1e-9, 0.5e-9 / l->ui_s);
        link_warn(l, m);
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
    const double s2 = link_level_power(l);
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
        /* the bit-true receiver's ADC adds its own noise (quantization and ENOB), white at symbol
         * rate, at a level the AGC ties to the power at the sampler (link_dsp.c: gain = f half /
         * rms): 4^(bits - ENOB) / 12 codes^2, (f half)^2 codes^2 being that power. Without it a
         * quiet link's design inverts the channel and the ADC's noise comes out enhanced. */
        double rq[P4_MAX_TAPS];
        memcpy(rq, rn, (size_t)nffe * sizeof *rq);
        if (c->dsp_enable && nffe > 0) {
            double pw = 0, half = ldexp(1, (int)c->adc_bits - 1);
            for (int m = 0; m < nsym; m++) pw += ps[m] * ps[m];
            double enob = link_adc_enob(c);
            double f = c->agc_rms_fraction * half;
            rq[0] += (s2 * pw + rn[0]) * pow(4, (double)c->adc_bits - enob) / 12 / (f * f);
        }
        if (!strcmp(c->ffe_mode, "given")) {
            memcpy(e.w, c->ffe_coef, nffe * sizeof *e.w);
            st = p4_mmse_evaluate(ps, nsym, cur, rq, s2, nffe, npre, ndfe, e.w, e.b, &e.snr);
        } else
            st = p4_mmse_design(ps, nsym, cur, rq, s2, nffe, npre, ndfe, e.w, e.b, &e.snr);
        if (st) break;
        if (c->n_dfe_coef) memcpy(e.b, c->dfe_coef, ndfe * sizeof *e.b);
        if (e.snr > best->snr) *best = e;
    }
    free(ps);
    return st;
}

/* A warning when channel.impulse_max_ui dropped a noticeable part of a response's energy. */
static void warn_dropped(p4_link *l, const p4_impulse *imp, const char *what)
{
    if (imp->dropped < 1e-4) return; /* under 0.01 % of the energy: nothing a result can show */
    char m[256];
    snprintf(m, sizeof m, "channel.impulse_max_ui %.0f drops %.2g %% of the energy of %.160s's response", l->cfg.impulse_max_ui,
             100 * imp->dropped, what);
    link_warn(l, m);
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
    fftw_plan f = p4_fft_plan(P4_FFT_R2C, N), b = p4_fft_plan(P4_FFT_C2R, N);
    if (x && y && X && Y && f && b) {
        memset(x, 0, N * sizeof *x), memset(y, 0, N * sizeof *y);
        memcpy(x, h, hl * sizeof *x), memcpy(y, rp, (size_t)rl * sizeof *y);
        fftw_execute_dft_r2c(f, x, X), fftw_execute_dft_r2c(f, y, Y);
        for (size_t k = 0; k <= N / 2; k++) X[k] *= Y[k];
        fftw_execute_dft_c2r(b, X, x);
        for (int i = 0; i < n; i++) p[i] = x[i] * amp / (double)N;
    } else
        free(p), p = NULL;
    fftw_free(x), fftw_free(y), fftw_free(X), fftw_free(Y);
    return p;
}

/* The CTLE search without an inverse FFT per candidate. The CTLE is
 *   C = (g + j f/fz)(ghp + j f/flf) / D = g ghp B0 + g B1 + ghp B2 + B3,   D = (1 + j f/fp1)(1 + j f/fp2)(1 + j f/flf)
 * with B0 = 1/D, B1 = j(f/flf)/D, B2 = j(f/fz)/D, B3 = -(f/fz)(f/flf)/D: bilinear in the linear gains
 * (g, ghp). So a candidate's pulse is the same combination of four basis pulses, and its noise
 * autocorrelation (|C|^2 times the rest of the PSD, plus the white part at the sampler) a
 * combination of ten: 4 + 10 inverse FFTs in all, then per candidate the combination and the MMSE
 * over the phases. The pulse is the impulse convolved with rp (the rendered symbol, or an optical
 * line's identified pulse) times ramp. The basis impulses are read over one window (from before the earliest response
 * of the candidate with g = ghp = 1, impulse_max_ui long). The winner is then set up as before
 * (its own truncation, pulse and equalizer), so only near-ties (SNRs within rounding) could rank
 * otherwise. Returns the winning indices in *ia, *ib. */
static p4_status ctle_search(const p4_link *l, const p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf,
                             p4_fresp *const *xt, double var_tx, double var_rx, double var_rms, double s2,
                             const double *rp, int rl, double ramp, size_t max_len, const double *gdc, int ngdc,
                             const double *ghp, int nghp, int *ia, int *ib)
{
    const p4_config *c = &l->cfg;
    const size_t n = ch->n, nb = n / 2 + 1;
    const double fz = c->fz_ghz * 1e9, fp1 = c->fp1_ghz * 1e9, fp2 = c->fp2_ghz * 1e9, flf = c->f_lf_ghz * 1e9;
    double complex *B[4];
    double *G = malloc(nb * sizeof *G), *full = malloc(n * sizeof *full), *pk[4] = {0}, *R[10] = {0};
    p4_fresp *t = p4_fresp_create(n, l->fs_hz);
    p4_status st = G && full && t ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    for (int k = 0; k < 4; k++)
        if (!(B[k] = malloc(nb * sizeof **B))) st = p4_error(P4_ENOMEM, "out of memory");
    for (size_t k = 0; !st && k < nb; k++) {
        double f = p4_fresp_freq(ch, k), x = f / fz, y = f / flf;
        double complex D = (1 + I * f / fp1) * (1 + I * f / fp2) * (1 + I * y);
        B[0][k] = 1 / D, B[1][k] = I * y / D, B[2][k] = I * x / D, B[3][k] = -x * y / D;
        double hr = cabs(rxf->H[k]), hc = cabs(ch->H[k]), sn = var_tx * hr * hr * hc * hc + var_rx * hr * hr;
        double ft = M_PI * f * l->ui_s, sinc = ft == 0 ? 1 : sin(ft) / ft;
        for (int i = 0; i < l->nxt; i++) {
            double amp = l->xt_amp_v[i], ha = cabs(xt[i]->H[k]);
            sn += s2 * amp * amp * l->sps * sinc * sinc * ha * ha;
        }
        G[k] = sn;
    }
    /* the window: from the g = ghp = 1 candidate's truncation, 4 UI earlier, impulse_max_ui long */
    long start = 0;
    if (!st) {
        for (size_t k = 0; k < nb; k++) t->H[k] = txf->H[k] * ch->H[k] * rxf->H[k] * (B[0][k] + B[1][k] + B[2][k] + B[3][k]);
        p4_fresp_impulse(t, full);
        p4_impulse imp;
        st = p4_impulse_truncate(full, n, TAIL_REL, 2 * (size_t)l->sps, max_len, (size_t)l->sps, &imp);
        start = imp.lead - 4 * l->sps;
        p4_impulse_free(&imp);
    }
    double *win = st ? NULL : malloc(max_len * sizeof *win);
    if (!st && !win) st = p4_error(P4_ENOMEM, "out of memory");
    int np = 0;
    for (int k = 0; !st && k < 4; k++) {
        for (size_t j = 0; j < nb; j++) t->H[j] = txf->H[j] * ch->H[j] * rxf->H[j] * B[k][j];
        p4_fresp_impulse(t, full);
        for (size_t d = 0; d < max_len; d++) win[d] = full[(size_t)(((start + (long)d) % (long)n + (long)n) % (long)n)];
        if (!(pk[k] = conv_pulse(win, max_len, rp, rl, ramp, &np))) st = p4_error(P4_ENOMEM, "out of memory");
    }
    /* R[kl] = IFFT(Re(B_k conj B_l) G), k <= l */
    for (int k = 0, q = 0; !st && k < 4; k++)
        for (int m = k; !st && m < 4; m++, q++) {
            for (size_t j = 0; j < nb; j++) t->H[j] = creal(B[k][j] * conj(B[m][j])) * G[j];
            p4_fresp_impulse(t, full);
            R[q] = malloc((size_t)P4_MAX_TAPS * l->sps * sizeof *R[q]);
            if (!R[q]) st = p4_error(P4_ENOMEM, "out of memory");
            else memcpy(R[q], full, (size_t)P4_MAX_TAPS * l->sps * sizeof *R[q]);
        }
    double *pulse = st ? NULL : malloc((size_t)np * sizeof *pulse), *rn = malloc((size_t)P4_MAX_TAPS * l->sps * sizeof *rn);
    if (!st && (!pulse || !rn)) st = p4_error(P4_ENOMEM, "out of memory");
    double best = -1;
    for (int a = 0; !st && a < ngdc; a++)
        for (int b = 0; !st && b < nghp; b++) {
            const double g = pow(10, gdc[a] / 20), h = pow(10, ghp[b] / 20), w[4] = {g * h, g, h, 1};
            for (int i = 0; i < np; i++) pulse[i] = w[0] * pk[0][i] + w[1] * pk[1][i] + w[2] * pk[2][i] + w[3] * pk[3][i];
            for (int i = 0; i < P4_MAX_TAPS * l->sps; i++) {
                double v = i ? 0 : var_rms;
                for (int k = 0, q = 0; k < 4; k++)
                    for (int m = k; m < 4; m++, q++) v += (k == m ? 1 : 2) * w[k] * w[m] * R[q][i];
                rn[i] = v;
            }
            eq_choice e;
            st = choose_eq(l, pulse, np, rn, &e);
            if (!st && e.snr > best) best = e.snr, *ia = a, *ib = b;
        }
    for (int k = 0; k < 4; k++) free(B[k]), free(pk[k]);
    for (int q = 0; q < 10; q++) free(R[q]);
    free(G), free(full), free(win), free(pulse), free(rn);
    p4_fresp_free(t);
    return st;
}

/* light: the equalizer choice only (no TDECQ, delay probe, DSP or engine set-up). */
static p4_link *link_create(const p4_config *cfg, int light)
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
    int file_lanes = 0; /* lanes of a Touchstone channel file */
    if (c->n_port_order == 4) memcpy(thru_order, c->port_order, sizeof thru_order);
    /* TX bandwidth */
    if (!st && !strcmp(c->tx_filter, "gaussian")) {
        double bw = c->tx_bandwidth_ghz * 1e9;
        if (bw <= 0 && c->tx_rise_time_ps > 0) bw = sqrt(M_LN2) / (2 * M_PI * c->tx_rise_time_ps * 1e-12 / 1.6832);
        if (bw > 0) p4_fresp_gaussian(txf, bw);
    } else if (!st && !strcmp(c->tx_filter, "bessel"))
        st = p4_fresp_bessel(txf, 4, c->tx_bandwidth_ghz * 1e9);
    /* channel; sect: what channel.length_scale and channel.extra_loss_db put in series at the
     * receiver, which every crosstalk path also passes (so each aggressor keeps its ratio to the
     * thru at every frequency) */
    l->info.channel_il_nyquist_db = 0;
    p4_fresp *sect = NULL;
    if (!st && !strcmp(c->ch_type, "touchstone"))
        st = touchstone_into(l, ch, c->ch_file, c->port_order, c->n_port_order == 4, c->length_scale,
                             &l->info.channel_il_file_db, thru_order, &sect, -1, &file_lanes);
    else if (!st && !strcmp(c->ch_type, "model"))
        st = p4_fresp_loss_model(ch, c->il_nyquist_db, c->skin_fraction, fN, c->length_mm * c->delay_ps_per_mm * 1e-12,
                                 c->reflection_coeff, c->reflection_delay_ps * 1e-12);
    else if (!st && !strcmp(c->ch_type, "taps"))
        p4_fresp_taps(ch, c->ch_taps, (int)c->n_ch_taps, l->ui_s);
    if (!st && c->ch_extra_loss_db > 0 && strcmp(c->ch_type, "none")) {
        p4_fresp *e = p4_fresp_create(n, l->fs_hz);
        st = e ? p4_fresp_loss_model(e, c->ch_extra_loss_db, c->skin_fraction, fN, 0, 0, 0) : p4_error(P4_ENOMEM, "out of memory");
        if (!st) p4_fresp_mul(ch, e);
        if (!st && sect) p4_fresp_mul(sect, e), p4_fresp_free(e);
        else if (!st) sect = e;
        else p4_fresp_free(e);
    }
    if (!st) {
        int ts = !strcmp(c->ch_type, "touchstone");
        l->info.channel_scaled = ts && (c->length_scale != 1 || c->ch_extra_loss_db > 0);
        l->info.channel_il_nyquist_db = ts && !l->info.channel_scaled ? l->info.channel_il_file_db : -p4_fresp_db_at(ch, fN);
    }
    if (!st) {
        l->info.il_n = P4_IL_POINTS;
        for (int i = 0; i < P4_IL_POINTS; i++) {
            double f = c->baud_gbd * 1e9 * i / (P4_IL_POINTS - 1);
            l->info.il_f_ghz[i] = f * 1e-9;
            l->info.il_db[i] = -p4_fresp_db_at(ch, f);
        }
    }
    if (!st && c->noise_filter_ghz > 0) p4_fresp_butterworth(rxf, 4, c->noise_filter_ghz * 1e9);
    /* IBIS-AMI host SerDes models (sim/ami_flow.c): their Init-flow responses join the chain; on an
     * optical line the RX model waits for the line's response (below) to see the whole chain */
    double *ami_seen = NULL;
    long ami_len = 0;
    if (!st && (c->tx_ami_model[0] || c->rx_ami_model[0]))
        st = p4_ami_link_tx(&l->cfg, txf, ch, rxf, &l->info.ami_tx, &ami_seen, &ami_len);
    /* the TX model's GetWave flow: the design above keeps its Init response (link_ami_tx.c) */
    if (!st && !light && l->info.ami_tx.getwave_flow) st = link_ami_tx_setup(l, txf, ch, rxf);
    if (!st && c->rx_ami_model[0] && !c->optics_enable) st = p4_ami_link_rx(&l->cfg, rxf, ami_seen, ami_len, &l->info.ami_rx);
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
        if (!st && c->tdecq_in_run && !light) {
            st = p4_lo_tdecq(c, &op, elec, l->optm, l->sps, l->lvA, &l->info.tdecq);
            l->info.has_tdecq = !st;
        }
        uint64_t key = st ? 0 : p4_lo_key(c, &op, elec, l->sps, l->lv, l->lvA);
        p4_fresp_free(elec);
        int kpre = 0;
        if (!st) st = p4_lo_identify(c, l->optm, key, l->sps, l->lv, l->lvA, &opt_pulse, &opt_len, &kpre, &l->info.opt_sndr_db);
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
            { /* no spurious 1/t tail (response.h): the taper over the top fraction of the band, but
               * never where the TIA's response is above 0.1 (3.15 x its 3-dB frequency), so that a
               * coarse grid (sim.sps 4) or a wide TIA keeps its band */
                const double f01 = c->tia_bandwidth_ghz * 1e9 * pow(99, 0.25), fn = l->fs_hz / 2;
                const double fr = fmin(c->tia_taper_fraction, 1 - f01 / fn);
                if (fr > 0) p4_fresp_nyquist_taper(ch, fr);
            }
            st = peaking_into(ch, c->tia_peaking_db, c->baud_gbd * 1e9);
            if (rx_ch) p4_fresp_mul(ch, rx_ch);
            l->opt_lead = oi->lead;
            l->pulse_lead = oi->lead - (long)kpre * l->sps;
            l->tia_sat_half = c->tia_sat_vpp / 2;
        }
        /* the RX model sees driver, optics, TIA and boards: the link's own end-to-end pulse (link_ami.c) */
        if (!st && c->rx_ami_model[0]) {
            free(ami_seen), ami_seen = NULL;
            st = link_ami_optical_input(l, ch, rxf, opt_pulse, opt_len, max_len, &ami_seen, &ami_len);
            if (!st) st = p4_ami_link_rx(&l->cfg, rxf, ami_seen, ami_len, &l->info.ami_rx);
        }
    }
    /* crosstalk responses (before the CTLE, which multiplies in later) */
    p4_fresp *xt[P4_MAX_XTALK] = {0};
    l->nxt = (int)c->n_xt_files;
    for (int i = 0; !st && i < l->nxt; i++) {
        xt[i] = p4_fresp_create(n, l->fs_hz); /* the file's response replaces the grid's: filters after */
        st = xt[i] ? touchstone_into(l, xt[i], c->xt_files[i], thru_order, 1, 1, NULL, NULL, NULL, -1, NULL)
                   : p4_error(P4_ENOMEM, "out of memory");
        if (!st && sect) p4_fresp_mul(xt[i], sect);
        if (!st) p4_fresp_mul(xt[i], txf), p4_fresp_mul(xt[i], rxf);
        l->xt_amp_v[i] = c->n_xt_amplitude ? c->xt_amplitude_v[i] : c->amplitude_v;
    }
    /* the other lanes of a multi-lane channel file, after the crosstalk files */
    const int nlane_xt = !st && file_lanes > 1 && c->lane_crosstalk ? file_lanes - 1 : 0;
    if (nlane_xt && l->nxt + nlane_xt > P4_MAX_XTALK)
        st = p4_error(P4_EINVAL, "%s: %d other lanes and %d crosstalk files make more than %d aggressors", c->ch_file, nlane_xt, l->nxt,
                      P4_MAX_XTALK);
    if (!st && c->n_lane_amplitude && c->n_lane_amplitude != nlane_xt)
        st = p4_error(P4_EINVAL, "key 'channel.lane_amplitudes_v' has %lld values for %d other lanes of %s", (long long)c->n_lane_amplitude,
                      nlane_xt, c->ch_file);
    for (int a = 0, j = 0; !st && a < file_lanes && j < nlane_xt; a++) {
        if (a == c->lane - 1) continue;
        int i = l->nxt;
        xt[i] = p4_fresp_create(n, l->fs_hz);
        st = xt[i] ? touchstone_into(l, xt[i], c->ch_file, thru_order, 1, 1, NULL, NULL, NULL, a, NULL) : p4_error(P4_ENOMEM, "out of memory");
        if (!st && sect) p4_fresp_mul(xt[i], sect);
        if (!st) p4_fresp_mul(xt[i], txf), p4_fresp_mul(xt[i], rxf);
        l->xt_amp_v[i] = c->n_lane_amplitude ? c->lane_amplitude_v[j] : c->amplitude_v;
        l->nxt++, j++;
    }
    /* noise PSD pieces (per-sample variances of white inputs at fs) */
    const double s2 = link_level_power(l);
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
    /* many candidates at the best phase: rank them by their bilinear form and set up only the winner
     * below (with a given phase, each candidate's phase is relative to its own truncation: the loop
     * below ranks those) */
    if (!st && ngdc * nghp > 1 && isnan(c->sample_phase_ui)) {
        int ia = 0, ib = 0;
        st = ctle_search(l, txf, ch, rxf, xt, var_tx, var_rx, var_rms, s2, l->optm ? opt_pulse : rp, l->optm ? opt_len : rl,
                         l->optm ? 1.0 : c->amplitude_v, max_len, gdc_list, ngdc, ghp_list, nghp, &ia, &ib);
        gdc_list[0] = gdc_list[ia], ghp_list[0] = ghp_list[ib], ngdc = nghp = 1;
    }
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
                    double amp = l->xt_amp_v[i];
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
            st = p4_impulse_truncate(full, n, TAIL_REL, 2 * (size_t)l->sps, max_len, (size_t)l->sps, &imp);
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
    /* the shaped-noise FIR and the aggressor FIRs for the chosen CTLE (not for the equalizer choice
     * alone: its SNR is above) */
    if (!st && l->has_noise && !light) {
        tmp = p4_fresp_create(n, l->fs_hz);
        for (size_t k = 0; k <= n / 2; k++) {
            double hr = cabs(rxf->H[k] * best_ctle->H[k]), hc = cabs(ch->H[k]);
            tmp->H[k] = sqrt(var_tx_fir * hr * hr * hc * hc + var_rx * hr * hr + var_rms);
        }
        p4_fresp_impulse(tmp, full);
        st = p4_impulse_truncate(full, n, TAIL_REL, 0, max_len, 1, &l->noise);
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
    for (int i = 0; !st && !light && i < l->nxt; i++) {
        p4_fresp_mul(xt[i], best_ctle);
        p4_fresp_impulse(xt[i], full);
        st = p4_impulse_truncate(full, n, TAIL_REL, 2 * (size_t)l->sps, max_len, (size_t)l->sps, &l->xt[i]);
        if (!st) warn_dropped(l, &l->xt[i], i < c->n_xt_files ? c->xt_files[i] : c->ch_file);
        double amp = l->xt_amp_v[i];
        if (!st) l->xpulse[i] = conv_pulse(l->xt[i].h, l->xt[i].len, rect, rl1, amp, &l->xpulse_len[i]);
    }
    free(rect);
    if (!st) {
        l->opt_pulse = opt_pulse, l->opt_len = opt_len;
        opt_pulse = NULL;
        l->pulse = best_pulse;
        best_pulse = NULL;
        l->pulse_len = best_np;
        if (l->optm && !light) l->opt_edge = optical_edge(l, &l->opt_edge_len);
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
        warn_dropped(l, &l->sig, "the channel");
        if (!light)
            link_cut_responses(l, l->optm ? l->opt_pulse : rp, l->optm ? l->opt_len : rl, l->optm ? 1.0 : c->amplitude_v);
        l->fir_len = l->sig_run;
        if (l->has_noise && l->noise_run > l->fir_len) l->fir_len = l->noise_run;
        for (int i = 0; i < l->nxt; i++)
            if (l->xt_run[i] > l->fir_len) l->fir_len = l->xt_run[i];
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
    p4_fresp_free(txf), p4_fresp_free(ch), p4_fresp_free(rxf), p4_fresp_free(tmp), p4_fresp_free(rx_ch), p4_fresp_free(sect);
    p4_fresp_free(sig), p4_fresp_free(ctle), p4_fresp_free(best_ctle);
    for (int i = 0; i < P4_MAX_XTALK; i++) p4_fresp_free(xt[i]);
    free(full), free(rp), free(pulse), free(best_pulse), free(rn_full), free(opt_pulse);
    if (!st && l->ami_tx) l->warm += (size_t)l->info.ami_tx.ignore_bits; /* the TX model's warm-up */
    /* the RX model's GetWave flow: its input impulse, warm-up and sampling phase (link_ami.c) */
    if (!st && !light && l->info.ami_rx.getwave_flow) st = link_ami_setup(l);
    free(ami_seen);
    if (st) {
        p4_link_destroy(l);
        return NULL;
    }
    if (light) return l;
    /* the delay from TX symbols to decisions, measured by correlation on a probe unit */
    if (link_measure_delay(l) || link_dsp_setup(l) || link_symbol_setup(l) || link_poly_setup(l)) {
        p4_link_destroy(l);
        return NULL;
    }
    link_ami_reset_stats(l);
    link_dsp_latency(l);
    return l;
}

p4_link *p4_link_create(const p4_config *cfg) { return link_create(cfg, 0); }

p4_status p4_link_mmse_snr(const p4_config *cfg, double *snr_db)
{
    p4_link *l = link_create(cfg, 1);
    if (!l) return P4_EINVAL;
    *snr_db = l->info.mmse_snr_db;
    p4_link_destroy(l);
    return P4_OK;
}

int p4_link_pulse(const p4_link *l, int phase, double *p, int n)
{
    int k = 0;
    for (; k < n && k * l->sps + phase < l->pulse_len; k++) p[k] = l->pulse[k * l->sps + phase];
    return k;
}

/* An optical line's edge response for the statistical engine's jitter (the electrical chain's is
 * its impulse response, sig): from the line's linear fit. The fit's response to a level step is
 * the pulse summed over whole symbols, and its per-sample change is the edge response through the
 * TX FFE (the step's edge at sample sps/2 of the render); the TX FFE, T-spaced, comes off by a
 * division per sampling phase in the frequency domain (a TX FFE's response has no zero on the unit
 * circle where its main tap dominates). Per volt of level step, as sig. NULL (and the engine keeps
 * its slope model) when the division is ill-conditioned or memory runs out. */
static double *optical_edge(const p4_link *l, size_t *len)
{
    const p4_config *c = &l->cfg;
    const int sps = l->sps, np = l->pulse_len, h2 = sps / 2;
    const int L = (np + sps) / sps + 1;
    size_t N = 64;
    while (N < 4 * (size_t)L + 64) N *= 2;
    double *S = calloc((size_t)(L + 1) * sps, sizeof *S), *out = calloc((size_t)L * sps, sizeof *out);
    double *x = fftw_alloc_real(N);
    fftw_complex *X = fftw_alloc_complex(N / 2 + 1), *C = fftw_alloc_complex(N / 2 + 1);
    fftw_plan f = NULL, b = NULL;
    int ok = S && out && x && X && C;
    if (ok) {
        f = fftw_plan_dft_r2c_1d((int)N, x, X, FFTW_ESTIMATE);
        b = fftw_plan_dft_c2r_1d((int)N, X, x, FFTW_ESTIMATE);
        ok = f && b;
    }
    if (ok) {
        /* the TX FFE's response (with its amplitude) at the N frequencies */
        memset(x, 0, N * sizeof *x);
        for (int i = 0; i < c->n_tx_ffe; i++) x[i] = c->tx_ffe[i] * c->amplitude_v;
        fftw_execute(f);
        double cmax = 0, cmin = INFINITY;
        for (size_t k = 0; k <= N / 2; k++) {
            double m = cabs(X[k]);
            C[k] = X[k], cmax = fmax(cmax, m), cmin = fmin(cmin, m);
        }
        ok = cmax > 0 && cmin > 1e-2 * cmax;
        for (int n = 0; n < (L + 1) * sps; n++) S[n] = (n < np ? l->pulse[n] : 0) + (n >= sps ? S[n - sps] : 0);
        for (int q = 0; ok && q < sps; q++) {
            /* g[m sps + q] = S(n) - S(n - 1) at n = m sps + q + sps/2, then g / C */
            memset(x, 0, N * sizeof *x);
            for (int m = 0; m < L; m++) {
                int n = m * sps + q + h2;
                x[m] = n < (L + 1) * sps ? S[n] - (n > 0 ? S[n - 1] : 0) : 0;
            }
            fftw_execute(f);
            for (size_t k = 0; k <= N / 2; k++) X[k] /= C[k] * (double)N;
            fftw_execute(b);
            for (int m = 0; m < L; m++) out[m * sps + q] = x[m]; /* the anticausal part (wrapped) left out */
        }
    }
    if (f) fftw_destroy_plan(f);
    if (b) fftw_destroy_plan(b);
    fftw_free(x), fftw_free(X), fftw_free(C), free(S);
    if (!ok) {
        free(out);
        return NULL;
    }
    *len = (size_t)L * sps;
    return out;
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
    if (l->optm) {
        v->rx_h = l->sig.h, v->rx_h_len = l->sig.len;
        v->opt_pulse = l->opt_pulse, v->opt_len = l->opt_len;
        v->opt = p4_optics_model_info(l->optm);
        v->edge = l->opt_edge, v->edge_len = l->opt_edge_len;
        v->fs_hz = l->fs_hz;
    }
}
