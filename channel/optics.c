/* optics.c - driver, laser, modulator, fiber and photodiode at sample level (see optics.h).
 *
 * Design choices:
 *  - The linear pieces before the nonlinearity (electrical path, driver and modulator bandwidth) are
 *    one real FIR; dispersion is one complex FIR on the field (overlap-save, c2c), band-limited over
 *    the top third of the sample band by a raised cosine so that its impulse response stays short (a
 *    chirp filter over the whole simulated band would wrap its group delay at fs/2), yet keeps the
 *    chirped field's spectrum (cd_build); the MMF modal response is a real FIR on the detected power.
 *  - A dispersion that changes nothing at the configured accuracy is dropped (field_effect, the
 *    field_tol_oma test in optics.h): the intensity path then runs, 1.6-1.8x faster on a DR1 lane.
 *  - Chirp uses the transient-chirp (Henry factor) model phi = (alpha/2) ln P: with dispersion it
 *    gives the small-signal response cos(theta) - alpha sin(theta), theta = pi lambda^2 D L f^2 / c.
 *  - MPI is one reflected copy of the field with a delay and a phase drawn per work unit; laser
 *    phase noise (a Wiener phase with variance 2 pi linewidth per second) makes the beat drift.
 *    A reflection delay longer than the coherence time gives the usual incoherent beat noise.
 *  - Noise per sample from its one-sided PSD S at fs: variance S fs/2 (RIN: RIN fs/2 relative;
 *    shot: 2 q i fs/2 = q i fs).
 */
#include "pam4sim/optics.h"
#include "pam4sim/fir.h"
#include "../dsp/clones.h"
#include "vexp.h"
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Q_E 1.602176634e-19 /* C */
#define C_M_S 299792458.0
#define TAIL_REL 1e-9
#define BLOCK 16384 /* samples per internal block (the noise draws: RIN, then shot, per block) */
#define DRIVE_BLOCKS 4 /* blocks whose drive filtering is done at once (whole FIR hops, not 16384's) */

struct p4_optics_model {
    p4_optics_params p;
    p4_optics_info info;
    p4_impulse drive, modal;
    double complex *cd_h;
    size_t cd_len;
    long cd_lead;
    double eml_k, eml_inv_er, eml_den; /* EML transfer: curvature k, 1/ER and e^k - 1 */
    double eml_a, eml_b, eml_c0, eml_c1; /* the same in the form eml_transmission evaluates */
    int eml_linear;                    /* k <= 1e-9: g linear in the drive */
    double field_scale, power_scale;   /* applied loss on the field and on power */
    double sat_half;                   /* driver tanh half swing, INFINITY: off */
    size_t mpi_delay;
    double mpi_amp, sig_rin, sig_phase, shot_q_fs;
};

struct p4_optics {
    const p4_optics_model *m;
    p4_fir *drive, *modal;
    p4_cfir *cd;
    double *v, *p, *g;
    double complex *e, *mpi_buf;
    size_t mpi_pos;
    double complex mpi_rot;
    double phase;
    int phase_noise_only; /* the field-path test: the rng drives the laser's phase noise alone */
};

double p4_w_to_dbm(double w) { return w > 0 ? 10 * log10(w / 1e-3) : -INFINITY; }

double p4_fiber_dispersion(double lambda_nm, double lambda0_nm, double s0)
{
    return s0 / 4 * (lambda_nm - pow(lambda0_nm, 4) / pow(lambda_nm, 3));
}

double p4_rlm_of_levels(const double p[4])
{
    double mid = (p[0] + p[3]) / 2, es1 = (p[1] - mid) / (p[0] - mid), es2 = (p[2] - mid) / (p[3] - mid);
    return fmin(fmin(3 * es1, 3 * es2), fmin(2 - 3 * es1, 2 - 3 * es2));
}

/* EML shape g(u) in [0, 1] for u in [-1, 1], curvature k. */
static inline double eml_g(double k, double den, double u)
{
    return k > 1e-9 ? (exp(k * (u + 1) / 2) - 1) / den : (u + 1) / 2;
}

/* Curvature giving the static RLM r (bisection: the RLM falls as k grows). */
static double eml_curvature(double r)
{
    double lo = 0, hi = 40;
    if (r >= 1) return 0;
    for (int it = 0; it < 200; it++) {
        double k = (lo + hi) / 2, den = expm1(k), y[4];
        for (int i = 0; i < 4; i++) y[i] = eml_g(k, den, -1 + 2 * i / 3.0);
        if (p4_rlm_of_levels(y) > r) lo = k;
        else hi = k;
    }
    return (lo + hi) / 2;
}

/* EML power transmission (0..1 of the laser power) at drive v [V at the modulator]:
 * il (1/ER + (1 - 1/ER) g(u)), u = 2 v / swing, in the constants of eml_setup (no division, and
 * the exponential in plain arithmetic, so that a loop over samples vectorises). */
static inline double eml_transmission(const p4_optics_model *m, double v)
{
    double g = m->eml_linear ? v * m->eml_a + 0.5 : p4_vexp(v * m->eml_a + m->eml_b) - 1;
    double t = m->eml_c0 + m->eml_c1 * g;
    t = t < 0 ? 0 : t; /* a NaN drive stays NaN */
    return t > 1 ? 1 : t;
}

/* g(u) = (e^(k (u + 1) / 2) - 1) / (e^k - 1) = (e^(a v + b) - 1) / den with a = k / swing, b = k / 2;
 * for k <= 1e-9 g = (u + 1) / 2 = v / swing + 1/2. */
static void eml_setup(p4_optics_model *m)
{
    const p4_optics_params *p = &m->p;
    m->eml_linear = !(m->eml_k > 1e-9);
    m->eml_a = (m->eml_linear ? 1 : m->eml_k) / p->swing_vpp;
    m->eml_b = m->eml_k / 2;
    m->eml_c0 = p->il * m->eml_inv_er;
    m->eml_c1 = p->il * (1 - m->eml_inv_er) / (m->eml_linear ? 1 : m->eml_den);
}

/* Modulator power transmission (0..1 of the laser power) at drive v [V at the modulator]. */
static inline double mod_transmission(const p4_optics_model *m, double v)
{
    const p4_optics_params *p = &m->p;
    double t;
    if (p->mod_type == P4_MOD_EML) {
        return eml_transmission(m, v);
    } else {
        double c = cos(M_PI / 2 * (1 - p->bias_vpi - v / p->vpi_v));
        t = p->il * c * c;
    }
    return t < 0 ? 0 : t > 1 ? 1 : t;
}

static inline double compress(const p4_optics_model *m, double v)
{
    return isinf(m->sat_half) ? v : m->sat_half * tanh(v / m->sat_half);
}

double p4_optics_static_power(const p4_optics_model *m, double drive_in_v)
{
    return m->p.laser_w * mod_transmission(m, compress(m, m->p.drive_gain * drive_in_v));
}

void p4_optics_model_free(p4_optics_model *m)
{
    if (!m) return;
    p4_impulse_free(&m->drive);
    p4_impulse_free(&m->modal);
    free(m->cd_h);
    free(m);
}

const p4_optics_info *p4_optics_model_info(const p4_optics_model *m) { return &m->info; }
void p4_optics_set_dc(p4_optics_model *m, double dc_a) { m->info.dc_current_a = dc_a; }

/* The circular dispersion impulse response into H[0..n): H(f) = exp(j theta_per_hz2 f^2) W(|f|) on the
 * full complex band, W = 1, or (limit) a raised cosine over the top third of the band (2/3 to 1 x
 * fs/2: a band limit that keeps all of a chirped field's spectrum that matters; one at 2 to 3 x baud
 * changed the detected power by 2-4e-3 of the OMA and made a longer response). Returns M: the
 * response truncated to [-M, M] keeps all but TAIL_REL of the energy (|h| is even). */
static size_t cd_build(const p4_optics_params *p, double theta_per_hz2, int limit, double complex *H)
{
    size_t n = p->grid_n;
    double f2 = p->fs_hz / 2, f1 = 2 * f2 / 3;
    for (size_t k = 0; k < n; k++) {
        double f = (k <= n / 2 ? (double)k : (double)k - (double)n) * p->fs_hz / (double)n, af = fabs(f);
        double w = !limit || af <= f1 ? 1 : af >= f2 ? 0 : 0.5 * (1 + cos(M_PI * (af - f1) / (f2 - f1)));
        H[k] = w * cexp(I * theta_per_hz2 * f * f) / (double)n;
    }
    fftw_plan pl = fftw_plan_dft_1d((int)n, (fftw_complex *)H, (fftw_complex *)H, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_execute(pl);
    fftw_destroy_plan(pl);
    double tot = 0;
    for (size_t k = 0; k < n; k++) tot += creal(H[k] * conj(H[k]));
    double in = creal(H[0] * conj(H[0]));
    size_t M = 0, maxM = (p->max_len - 1) / 2;
    while (M < maxM && M < n / 2 - 1 && tot - in > TAIL_REL * tot) {
        M++;
        in += creal(H[M] * conj(H[M])) + creal(H[n - M] * conj(H[n - M]));
    }
    return M;
}

/* The dispersion response the line runs: the shorter of the full-band one and the band-limited
 * one. Full band, the group delay jumps from +tau to -tau where f wraps at fs/2 and the response
 * decays slowly (500 m at 16 samples/UI: 429 taps at 0.092 ps/(nm km), about 3200 at -1.84);
 * band-limited, 110-160 taps over 0.1-2 ps/(nm km) and 0.5-2 km, within 1e-3 of the OMA of the
 * exact dispersed power (tests/test_optics.c). */
static p4_status cd_response(p4_optics_model *m, double theta_per_hz2)
{
    const p4_optics_params *p = &m->p;
    size_t n = p->grid_n;
    double complex *H[2] = {fftw_alloc_complex(n), fftw_alloc_complex(n)};
    if (!H[0] || !H[1]) {
        fftw_free(H[0]), fftw_free(H[1]);
        return p4_error(P4_ENOMEM, "optics: out of memory for the dispersion response");
    }
    size_t Mk[2] = {cd_build(p, theta_per_hz2, 0, H[0]), cd_build(p, theta_per_hz2, 1, H[1])};
    int pick = Mk[1] < Mk[0];
    size_t M = Mk[pick];
    m->cd_len = 2 * M + 1;
    m->cd_lead = -(long)M;
    m->cd_h = malloc(m->cd_len * sizeof *m->cd_h);
    for (size_t j = 0; m->cd_h && j < m->cd_len; j++) m->cd_h[j] = H[pick][(j + n - M) % n];
    fftw_free(H[0]), fftw_free(H[1]);
    return m->cd_h ? P4_OK : p4_error(P4_ENOMEM, "optics: out of memory for the dispersion response");
}

/* Real impulse response of a frequency response, truncated. */
static p4_status real_impulse(const p4_fresp *r, size_t max_len, size_t margin, p4_impulse *out)
{
    double *full = malloc(r->n * sizeof *full);
    if (!full) return p4_error(P4_ENOMEM, "optics: out of memory");
    p4_status st = p4_fresp_impulse(r, full);
    if (!st) st = p4_impulse_truncate(full, r->n, TAIL_REL, margin, max_len, 1, out);
    free(full);
    return st;
}

static p4_status check(int ok, const char *what)
{
    return ok ? P4_OK : p4_error(P4_EINVAL, "p4_optics_model_create: %s", what);
}

static void run_all(p4_optics *o, const double *v_in, size_t n, p4_rng *rng, int what, double *out);

/* What the field path changes (optics.h): the largest |power with it - power without it| over a
 * fixed probe, relative to the received OMA. The field path delays by the dispersion FIR's centre
 * (cd_lead samples): its output at n + M is the intensity path's at n. */
static p4_status field_effect(p4_optics_model *m, double *rel)
{
    const int sps = (int)lround(m->p.fs_hz / m->p.baud_hz);
    const size_t M = (size_t)(-m->cd_lead), skip = m->drive.len + m->cd_len + m->modal.len;
    const size_t nsym = (skip + (size_t)sps - 1) / (size_t)sps + 1024, n = nsym * (size_t)sps + M;
    double *v = malloc(n * sizeof *v), *pf = malloc(n * sizeof *pf), *pi = malloc(n * sizeof *pi);
    p4_optics *o = p4_optics_create(m);
    p4_status st = v && pf && pi && o ? P4_OK : p4_error(P4_ENOMEM, "optics: out of memory");
    if (!st) {
        p4_rng r;
        p4_rng_seed(&r, 0xF1E1Dull, 0, 0);
        for (size_t k = 0; k < nsym; k++) {
            double lv = m->p.level_drive_v[p4_rng_u64(&r) >> 62];
            for (int q = 0; q < sps; q++) v[k * (size_t)sps + (size_t)q] = lv;
        }
        for (size_t k = nsym * (size_t)sps; k < n; k++) v[k] = v[nsym * (size_t)sps - 1];
        /* with the field path: phase noise only (its own stream), no RIN or shot noise */
        p4_optics_reset(o, NULL);
        o->phase_noise_only = 1;
        run_all(o, v, n, &r, P4_OPT_POWER, pf);
        /* without it */
        m->info.field_path = 0;
        p4_optics_reset(o, NULL);
        o->phase_noise_only = 0;
        p4_optics_run(o, v, n, NULL, P4_OPT_POWER, pi);
        m->info.field_path = 1;
        /* the difference as a receiver sees it: averaged over one UI (a window whose first null is at
         * the baud rate), which keeps the chirp's interplay with the dispersion (about baud/2 wide)
         * and drops the part of the laser's phase noise, converted to intensity noise, that lies far
         * above any receiver's band */
        double d = 0, acc = 0;
        for (size_t k = skip; k + M < n; k++) {
            acc += pf[k + M] - pi[k];
            if (k >= skip + (size_t)sps) acc -= pf[k - (size_t)sps + M] - pi[k - (size_t)sps];
            if (k + 1 >= skip + (size_t)sps) d = fmax(d, fabs(acc) / sps);
        }
        *rel = d / m->info.rx_oma_w;
    }
    free(v), free(pf), free(pi);
    p4_optics_destroy(o);
    return st;
}

p4_optics_model *p4_optics_model_create(const p4_optics_params *p, const p4_fresp *elec)
{
    p4_status st = check(p->fs_hz > 0 && p->baud_hz > 0 && p->grid_n >= 16 && p->max_len >= 1, "bad sample grid");
    if (!st) st = check(p->laser_w > 0 && p->il > 0 && p->il <= 1 && p->swing_vpp > 0, "laser power, insertion loss and swing must be > 0");
    if (!st) st = check(p->mod_type != P4_MOD_EML || (p->eml_er > 1 && p->eml_rlm >= 0.5 && p->eml_rlm <= 1),
                        "EML needs ER > 0 dB and RLM in [0.5, 1]");
    if (!st) st = check(p->mod_type != P4_MOD_MZM || p->vpi_v > 0, "MZM needs Vpi > 0");
    if (!st) st = check(p->responsivity > 0 && p->length_m >= 0 && p->group_index >= 1, "responsivity, length or group index out of range");
    if (!st) st = check(!p->mmf || p->emb_mhz_km > 0, "MMF needs a modal bandwidth > 0");
    if (!st) st = check(!elec || (elec->n == p->grid_n && elec->fs_hz == p->fs_hz), "the electrical path is on another grid");
    if (st) return NULL;
    p4_optics_model *m = calloc(1, sizeof *m);
    if (!m) {
        p4_error(P4_ENOMEM, "p4_optics_model_create: out of memory");
        return NULL;
    }
    m->p = *p;
    p4_optics_info *in = &m->info;
    m->sat_half = isinf(p->drv_sat_vpp) ? INFINITY : p->drv_sat_vpp / 2;
    if (p->mod_type == P4_MOD_EML) {
        m->eml_k = eml_curvature(p->eml_rlm);
        m->eml_den = expm1(m->eml_k);
        m->eml_inv_er = 1 / p->eml_er;
        eml_setup(m);
        in->eml_curvature = m->eml_k;
    }
    /* static power bookkeeping */
    for (int i = 0; i < 4; i++) in->launch_p[i] = p4_optics_static_power(m, p->level_drive_v[i]);
    in->launch_avg_w = (in->launch_p[0] + in->launch_p[1] + in->launch_p[2] + in->launch_p[3]) / 4;
    in->launch_oma_w = in->launch_p[3] - in->launch_p[0];
    in->launch_er_db = 10 * log10(in->launch_p[3] / in->launch_p[0]);
    in->launch_rlm = p4_rlm_of_levels(in->launch_p);
    in->fiber_loss_db = p->atten_db_km * p->length_m * 1e-3;
    in->link_loss_db = in->fiber_loss_db + p->connectors_db;
    double dbm_avg = p4_w_to_dbm(in->launch_avg_w), dbm_oma = p4_w_to_dbm(in->launch_oma_w);
    if (!isnan(p->rx_power_dbm)) in->applied_loss_db = dbm_avg - p->rx_power_dbm;
    else if (!isnan(p->rx_oma_dbm)) in->applied_loss_db = dbm_oma - p->rx_oma_dbm;
    else in->applied_loss_db = in->link_loss_db;
    if (!(in->launch_oma_w > 0)) {
        p4_error(P4_EINVAL, "optics: the transmitter has no modulation (OMA 0): check optics.driver.swing_vpp and the modulator");
        goto fail;
    }
    if (in->applied_loss_db < -1e-9) {
        p4_error(P4_EINVAL, "optics: the received power asked for is %.2f dB above the launch power (%.2f dBm average, %.2f dBm OMA): raise optics.laser.power_dbm",
                 -in->applied_loss_db, dbm_avg, dbm_oma);
        goto fail;
    }
    m->power_scale = pow(10, -in->applied_loss_db / 10);
    m->field_scale = sqrt(m->power_scale);
    for (int i = 0; i < 4; i++) in->rx_p[i] = in->launch_p[i] * m->power_scale;
    in->rx_avg_w = in->launch_avg_w * m->power_scale;
    in->rx_oma_w = in->launch_oma_w * m->power_scale;
    in->d_ps_nm_km = p->d_ps_nm_km;
    double fN = p->baud_hz / 2;
    double theta_per_hz2 = M_PI * p->wavelength_m * p->wavelength_m * (p->d_ps_nm_km * 1e-6) * p->length_m / C_M_S;
    in->cd_phase_nyq_rad = theta_per_hz2 * fN * fN;
    in->flight_ns = p->length_m * p->group_index / C_M_S * 1e9;
    /* noise per sample */
    m->sig_rin = sqrt(p->rin_per_hz * p->fs_hz / 2);
    m->sig_phase = sqrt(2 * M_PI * p->linewidth_hz / p->fs_hz);
    m->shot_q_fs = p->shot ? Q_E * p->fs_hz : 0;
    m->mpi_amp = sqrt(p->mpi_rel);
    m->mpi_delay = p->mpi_rel > 0 ? (size_t)lround(p->mpi_delay_s * p->fs_hz) : 0;
    if (m->mpi_delay < 1 && p->mpi_rel > 0) m->mpi_delay = 1;
    in->field_path = theta_per_hz2 != 0 || p->mpi_rel > 0;
    /* drive: electrical path x driver x modulator, times the driver gain */
    p4_fresp *r = p4_fresp_create(p->grid_n, p->fs_hz);
    if (!r) {
        p4_error(P4_ENOMEM, "p4_optics_model_create: out of memory");
        goto fail;
    }
    if (elec) p4_fresp_mul(r, elec);
    if (p->drv_bandwidth_hz > 0) p4_fresp_butterworth(r, 2, p->drv_bandwidth_hz);
    if (p->mod_bandwidth_hz > 0) p4_fresp_butterworth(r, 2, p->mod_bandwidth_hz);
    for (size_t k = 0; k <= p->grid_n / 2; k++) r->H[k] *= p->drive_gain;
    st = real_impulse(r, p->max_len, 2 * (size_t)(p->fs_hz / p->baud_hz), &m->drive);
    if (!st && p->mmf && p->length_m > 0) {
        /* EMB is the optical (power) 3-dB bandwidth: |H(B)| = 1/2, a Gaussian of electrical
         * 3-dB frequency B / sqrt(2) */
        double b_hz = p->emb_mhz_km * 1e6 / (p->length_m * 1e-3);
        for (size_t k = 0; k <= p->grid_n / 2; k++) r->H[k] = 1;
        p4_fresp_gaussian(r, b_hz / sqrt(2));
        st = real_impulse(r, p->max_len, 0, &m->modal);
    }
    p4_fresp_free(r);
    if (!st && theta_per_hz2 != 0) st = cd_response(m, theta_per_hz2);
    if (st) goto fail;
    in->lead = m->drive.lead + (m->cd_h ? m->cd_lead : 0) + (m->modal.h ? m->modal.lead : 0);
    in->memory = m->drive.len + m->cd_len + m->modal.len + m->mpi_delay;
    in->field_effect_oma = NAN;
    if (m->cd_h && p->mpi_rel == 0 && p->field_tol_oma > 0) {
        if (field_effect(m, &in->field_effect_oma)) goto fail;
        if (in->field_effect_oma <= p->field_tol_oma) {
            free(m->cd_h);
            m->cd_h = NULL, m->cd_len = 0;
            in->field_path = 0, in->field_dropped = 1;
            in->lead = m->drive.lead + (m->modal.h ? m->modal.lead : 0);
            in->memory = m->drive.len + m->modal.len;
        }
    }
    return m;
fail:
    p4_optics_model_free(m);
    return NULL;
}

void p4_optics_destroy(p4_optics *o)
{
    if (!o) return;
    p4_fir_destroy(o->drive);
    p4_fir_destroy(o->modal);
    p4_cfir_destroy(o->cd);
    free(o->v), free(o->p), free(o->g), free(o->e), free(o->mpi_buf);
    free(o);
}

p4_optics *p4_optics_create(const p4_optics_model *m)
{
    p4_optics *o = calloc(1, sizeof *o);
    if (!o) return NULL;
    o->m = m;
    const double *h[1] = {m->drive.h};
    size_t len[1] = {m->drive.len};
    o->drive = p4_fir_create(1, h, len);
    int ok = o->drive != NULL;
    if (m->modal.h) {
        h[0] = m->modal.h, len[0] = m->modal.len;
        ok = ok && (o->modal = p4_fir_create(1, h, len));
    }
    if (m->cd_h) ok = ok && (o->cd = p4_cfir_create(m->cd_h, m->cd_len));
    o->v = malloc(DRIVE_BLOCKS * BLOCK * sizeof *o->v), o->p = malloc(BLOCK * sizeof *o->p), o->g = malloc(BLOCK * sizeof *o->g);
    o->e = malloc(BLOCK * sizeof *o->e);
    if (m->mpi_delay) o->mpi_buf = calloc(m->mpi_delay, sizeof *o->mpi_buf);
    ok = ok && o->v && o->p && o->g && o->e && (!m->mpi_delay || o->mpi_buf);
    if (!ok) {
        p4_optics_destroy(o);
        p4_error(P4_ENOMEM, "p4_optics_create: out of memory");
        return NULL;
    }
    return o;
}

void p4_optics_reset(p4_optics *o, p4_rng *rng)
{
    p4_fir_reset(o->drive);
    if (o->modal) p4_fir_reset(o->modal);
    if (o->cd) p4_cfir_reset(o->cd);
    if (o->mpi_buf) memset(o->mpi_buf, 0, o->m->mpi_delay * sizeof *o->mpi_buf);
    o->mpi_pos = 0;
    o->phase = 0;
    o->mpi_rot = rng ? cexp(I * 2 * M_PI * p4_rng_uniform(rng)) : 1;
}

/* The intensity path's EML: P = s max(1 + rin, 0) T(v) (rin: the RIN draws, or NULL). */
P4_CLONES static void eml_power(const p4_optics_model *m, const double *v, const double *rin, size_t n, double s,
                                double *P)
{
    if (rin)
        for (size_t k = 0; k < n; k++) {
            double l = 1 + rin[k];
            P[k] = s * (l > 0 ? l : 0) * eml_transmission(m, v[k]);
        }
    else
        for (size_t k = 0; k < n; k++) P[k] = s * 1.0 * eml_transmission(m, v[k]);
}

/* The field path's EML: the field amplitude sqrt(P) into e (interleaved re, im) and the chirp's
 * phase (alpha/2) ln P into ph, with P = laser max(1 + rin, 0) T(v) (rin: the RIN draws, or NULL)
 * floored at 1e-12 of the laser for the logarithm; ln in plain arithmetic (vexp.h) so that the loop
 * vectorises. */
P4_CLONES static void eml_field(const p4_optics_model *m, const double *v, const double *rin, size_t n, double ha,
                                double *e, double *ph)
{
    const double laser = m->p.laser_w, floor_w = 1e-12 * laser, fs = m->field_scale;
    for (size_t k = 0; k < n; k++) {
        double l = rin ? 1 + rin[k] : 1;
        l = l > 0 ? laser * l : 0;
        const double pw = l * eml_transmission(m, v[k]);
        e[2 * k] = sqrt(pw) * fs, e[2 * k + 1] = 0;
        ph[k] = ha != 0 ? ha * p4_vlog(pw > floor_w ? pw : floor_w) : 0;
    }
}

/* e *= exp(j ph), the complex product written out (vexp.h's sine and cosine: the loop vectorises). */
P4_CLONES static void rotate(const double *ph, size_t n, double *e)
{
    for (size_t k = 0; k < n; k++) {
        double sn, cs;
        p4_vsincos(ph[k], &sn, &cs);
        const double re = e[2 * k], im = e[2 * k + 1];
        e[2 * k] = re * cs - im * sn, e[2 * k + 1] = re * sn + im * cs;
    }
}

/* The photodiode with shot noise: i = R P + dark, plus sqrt(q fs i) g where i > 0, less the DC. */
P4_CLONES static void detect_shot(const double *P, const double *g, size_t n, double R, double dark, double dc,
                                  double q_fs, double *out)
{
    for (size_t k = 0; k < n; k++) {
        double i = R * P[k] + dark, si = sqrt(q_fs * (i > 0 ? i : 0));
        out[k] = i + (i > 0 ? si * g[k] : 0) - dc;
    }
}

/* One block from the modulator's drive v (filtered, compressed) on. */
static void run_block(p4_optics *o, const double *v, size_t n, p4_rng *rng, int what, double *out)
{
    const p4_optics_model *m = o->m;
    const p4_optics_params *p = &m->p;
    double *P = o->p, *g = o->g;
    double complex *e = o->e;
    int rin = rng && m->sig_rin > 0 && !o->phase_noise_only;
    if (rin) p4_rng_gauss_fill(rng, g, n, m->sig_rin);
    if (!m->info.field_path) {
        double s = p->laser_w * m->power_scale;
        if (p->mod_type == P4_MOD_EML)
            eml_power(m, v, rin ? g : NULL, n, s, P);
        else
            for (size_t k = 0; k < n; k++) {
                double l = rin ? 1 + g[k] : 1;
                P[k] = s * (l > 0 ? l : 0) * mod_transmission(m, v[k]);
            }
    } else {
        /* the field, with chirp and laser phase noise */
        int pn = rng && m->sig_phase > 0;
        double ha = p->alpha / 2;
        if (p->mod_type == P4_MOD_EML)
            eml_field(m, v, rin ? g : NULL, n, ha, (double *)e, P);
        else
            for (size_t k = 0; k < n; k++) {
                double l = rin ? 1 + g[k] : 1;
                l = l > 0 ? p->laser_w * l : 0;
                e[k] = sqrt(l * p->il) * cos(M_PI / 2 * (1 - p->bias_vpi - v[k] / p->vpi_v)) * m->field_scale;
                P[k] = 0; /* the phase, for the loop below */
            }
        if (pn) {
            p4_rng_gauss_fill(rng, g, n, m->sig_phase);
            for (size_t k = 0; k < n; k++) o->phase += g[k], P[k] += o->phase;
        }
        if (ha != 0 || pn) rotate(P, n, (double *)e);
        if (o->cd) p4_cfir_run(o->cd, e, n, e);
        if (o->mpi_buf && rng) {
            const size_t D = m->mpi_delay;
            const double complex rot = m->mpi_amp * o->mpi_rot;
            size_t pos = o->mpi_pos;
            for (size_t k = 0; k < n; k++) {
                double complex d = o->mpi_buf[pos];
                o->mpi_buf[pos] = e[k];
                pos = pos + 1 == D ? 0 : pos + 1;
                e[k] += rot * d;
            }
            o->mpi_pos = pos;
        }
        for (size_t k = 0; k < n; k++) P[k] = creal(e[k]) * creal(e[k]) + cimag(e[k]) * cimag(e[k]);
    }
    if (o->modal) p4_fir_run(o->modal, (const double *const *)&P, n, P);
    if (what == P4_OPT_POWER) {
        memcpy(out, P, n * sizeof *out);
        return;
    }
    const double R = p->responsivity, dark = p->dark_a, dc = m->info.dc_current_a;
    if (rng && m->shot_q_fs > 0 && !o->phase_noise_only) {
        p4_rng_gauss_fill(rng, g, n, 1.0);
        detect_shot(P, g, n, R, dark, dc, m->shot_q_fs, out);
    } else
        for (size_t k = 0; k < n; k++) out[k] = R * P[k] + dark - dc;
}

/* The drive filter over DRIVE_BLOCKS blocks at a time (its transforms cover whole hops, not a
 * 16384-sample block's two and a bit), then the blocks: the same blocks from the start of the call,
 * so the noise draws do not depend on this grouping. */
static void run_all(p4_optics *o, const double *v_in, size_t n, p4_rng *rng, int what, double *out)
{
    const p4_optics_model *m = o->m;
    for (size_t s0 = 0; s0 < n; s0 += DRIVE_BLOCKS * BLOCK) {
        const size_t ns = n - s0 < DRIVE_BLOCKS * BLOCK ? n - s0 : DRIVE_BLOCKS * BLOCK;
        const double *in = v_in + s0;
        double *v = o->v;
        p4_fir_run(o->drive, &in, ns, v);
        if (!isinf(m->sat_half))
            for (size_t k = 0; k < ns; k++) v[k] = m->sat_half * tanh(v[k] / m->sat_half);
        for (size_t off = 0; off < ns; off += BLOCK)
            run_block(o, v + off, ns - off < BLOCK ? ns - off : BLOCK, rng, what, out + s0 + off);
    }
}

void p4_optics_run(p4_optics *o, const double *v_in, size_t n, p4_rng *rng, int what, double *out)
{
    run_all(o, v_in, n, rng, what, out);
}
