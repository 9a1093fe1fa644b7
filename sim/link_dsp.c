/* link_dsp.c - the DSP receiver's set-up from the link's design (AGC gain from the signal and
 * noise power at the sampler, ADC noise from the ENOB, the CDR's detector gain from the equalized
 * pulse, the equalizer's fixed-point formats, the warm-up that acquisition and training need), and
 * the receive DSP and FEC latency per block.
 */
#include "link_impl.h"

/* Below this Mueller-Mueller detector gain (per UI, outer level 1) the pulse has too little ISI for
 * a baud-rate timing detector; channels that need equalizing give 0.5 - 1. */
#define MM_KD_MIN 0.1
/* Above this rms of the edge time the bang-bang loop wanders (the loss model over 3e5 symbols:
 * 0.07 UI at 30 dB and 0.10 UI at 32 dB within 3e-5 of Mueller-Muller's BER; 0.15 UI at 34 dB
 * 4e-4, 0.19 UI at 36 dB 1e-2, where Mueller-Muller gives 0 and 8e-6) */
#define BB_EDGE_RMS_MAX 0.12
/* The gain's estimate takes the edge time's rms as at most this: a sign detector whose edges move
 * by more is no longer linear over the loop's excursions, and a gain scaled as 1/sigma from there
 * made the loop jitter and slip */
#define BB_SIGMA_CAP 0.2


/* Detector gain dE[e]/dphi per UI of the Mueller-Mueller detector, from the equalized pulse. */
static double mm_detector_gain(const p4_link *l)
{
    const p4_link_info *in = &l->info;
    int sps = l->sps, d = l->cursor + in->npre;
    const double s2 = link_level_power(l);
    double v[2];
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

/* Bang-bang detector gain: a sign detector on symmetric transitions (1/4 of symbols: half of them
 * 0<->3, half 1<->2) of the waveform half a UI before the decision's sample. For a transition of +-A
 * there, v = A (p(e) - p(e + 1 UI)) + ISI + noise with p the pulse at the sampler, so the edge time
 * has rms sigma = sqrt(noise + ISI) over the slope A (p'(e) - p'(e + 1 UI)), with RJ added; each
 * transition type gives -2 / (sigma sqrt(2 pi)). The ISI of the other symbols at the edge instant
 * counts: behind a lossy channel it is most of what moves the edge sample, and a gain from the
 * noise alone was 3-10x too high, which set the loop's bandwidth far below the configured one (the
 * phase wandered: BER 5e-3 at 32 dB where Mueller-Muller gives none). *edge_rms_ui: sigma of the
 * 0<->3 transitions. */
static double bb_detector_gain(const p4_link *l, double *edge_rms_ui)
{
    const int sps = l->sps, len = l->pulse_len;
    const long e = (long)l->cursor * sps + l->phase - sps / 2; /* the edge, in the current symbol's pulse */
    const double s2 = link_level_power(l);
    double isi = 0;
    for (long q = (e % sps + sps) % sps; q < len; q += sps) /* every symbol but the two of the transition */
        if (q != e && q != e + sps) isi += s2 * l->pulse[q] * l->pulse[q];
    double dp[2] = {0, 0}; /* p' at e and e + 1 UI, per UI */
    for (int t = 0; t < 2; t++) {
        long q = e + t * sps;
        if (q >= 1 && q + 1 < len) dp[t] = (l->pulse[q + 1] - l->pulse[q - 1]) * sps / 2;
    }
    const double D = fabs(dp[0] - dp[1]), rj = l->cfg.rj_ps * 1e-12 / l->ui_s;
    const double amp[2] = {(l->lv[3] - l->lv[0]) / 2, (l->lv[2] - l->lv[1]) / 2};
    double kd = 0;
    for (int t = 0; t < 2; t++) {
        double slope = amp[t] * D;
        double sig = sqrt(rj * rj + (slope > 0 ? (l->noise_var + isi) / (slope * slope) : 1e4));
        if (t == 0) *edge_rms_ui = sig;
        sig = sig < 0.01 ? 0.01 : sig > BB_SIGMA_CAP ? BB_SIGMA_CAP : sig;
        kd += 0.5 * 2 / (sig * sqrt(2 * M_PI));
    }
    return -0.25 * kd;
}

p4_status link_dsp_setup(p4_link *l)
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
            link_warn(l, "precoding with the inner code: the soft decoder's reliabilities refer to the precoded symbols");
    }
    if (c->dsp_enable) {
        in->dsp = 1;
        const double s2 = link_level_power(l);
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
        double enob = link_adc_enob(c);
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
        double edge_rms_ui = 0;
        s.kd = s.detector == P4_CDR_BANGBANG ? bb_detector_gain(l, &edge_rms_ui) : mm_detector_gain(l);
        if (s.detector == P4_CDR_MM && !(fabs(s.kd) >= MM_KD_MIN)) {
            /* a pulse with (almost) no ISI: the baud-rate samples do not move with the phase inside
             * the eye, so a Mueller-Mueller loop has nothing to steer by and drifts to the eye's edge */
            char msg[200];
            snprintf(msg, sizeof msg, "the Mueller-Mueller detector's gain is %.3g per UI (a pulse without ISI); the CDR uses "
                     "the bang-bang detector on edge samples", s.kd);
            link_warn(l, msg);
            s.detector = P4_CDR_BANGBANG;
            s.kd = bb_detector_gain(l, &edge_rms_ui);
            snprintf(l->cfg.cdr_detector, sizeof l->cfg.cdr_detector, "bangbang");
        }
        if (s.detector == P4_CDR_BANGBANG && edge_rms_ui > BB_EDGE_RMS_MAX) {
            char msg[300];
            char rms[32];
            if (edge_rms_ui < 1) snprintf(rms, sizeof rms, "%.2f UI", edge_rms_ui);
            else snprintf(rms, sizeof rms, "more than 1 UI");
            snprintf(msg, sizeof msg, "the bang-bang detector reads the edges of the waveform at the ADC (before the FFE), which ISI and noise move "
                     "by %s rms here (above %.2f UI its lock wanders and the BER rises); rx.cdr.detector=mm steers on "
                     "the equalized samples", rms, BB_EDGE_RMS_MAX);
            link_warn(l, msg);
        }
        s.bandwidth_hz = c->cdr_bandwidth_mhz * 1e6, s.damping = c->cdr_damping, s.baud_hz = 1 / l->ui_s;
        s.kp = c->cdr_kp, s.ki = c->cdr_ki;
        s.latency = (int)c->cdr_latency;
        s.offset_ppm = c->cdr_offset_ppm, s.initial_phase_ui = c->cdr_initial_phase_ui;
        s.acquire = (long)c->cdr_acquire, s.gear = c->cdr_gear;
        s.lock_snr_db = c->cdr_lock_snr_db;
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

p4_status p4_link_set_clock(p4_link *l, double initial_phase_ui, double offset_ppm)
{
    if (!l->dsp) return p4_error(P4_EINVAL, "p4_link_set_clock: the link has no DSP receiver (rx.dsp.enable)");
    if (!(initial_phase_ui >= -0.5 && initial_phase_ui <= 0.5) || !(offset_ppm >= -1000 && offset_ppm <= 1000))
        return p4_error(P4_EINVAL, "p4_link_set_clock: phase %g UI (-0.5 .. 0.5) or offset %g ppm (-1000 .. 1000) out of range",
                        initial_phase_ui, offset_ppm);
    l->cfg.cdr_initial_phase_ui = l->dsp_setup.initial_phase_ui = initial_phase_ui;
    l->cfg.cdr_offset_ppm = l->dsp_setup.offset_ppm = offset_ppm;
    return P4_OK;
}

p4_status p4_link_set_seed(p4_link *l, int64_t seed)
{
    if (seed < 0) return p4_error(P4_EINVAL, "p4_link_set_seed: seed %lld must be >= 0", (long long)seed);
    l->cfg.seed = seed;
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
void link_dsp_latency(p4_link *l)
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
