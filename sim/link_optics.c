/* link_optics.c - the optical line's part of a link's set-up (see link_optics.h).
 *
 * Identification: a square-law detector after a chirped, dispersive field and a curved modulator is
 * not linear, so the equalizer design (which needs a pulse response) uses the least-squares linear
 * fit from the TX levels to the photocurrent. The probe is periodic (period P symbols with P/4 of
 * each level in a fixed random order), simulated until the line is in its periodic steady state; on
 * the last period the normal equations are circulant-exact: R[k][k'] = r(k - k') is the probe's
 * circular autocorrelation (one Cholesky for all phases) and b_q[k] the cross-correlation with
 * phase q. The fit's residual power (the line's nonlinear distortion) is reported as SNDR.
 */
#include "link_optics.h"
#include "keycache.h"
#include "../channel/fftplan.h"
#include "pam4sim/driver.h"
#include "pam4sim/equalizer.h"
#include "pam4sim/prbs.h"
#include "pam4sim/rng.h"
#include <gsl/gsl_linalg.h>
#include <pthread.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define Q_E 1.602176634e-19

void p4_lo_params(const p4_config *c, double fs_hz, size_t grid_n, size_t max_len, const double lvA[4],
                  double dc_gain, p4_optics_params *p)
{
    memset(p, 0, sizeof *p);
    p->fs_hz = fs_hz, p->baud_hz = c->baud_gbd * 1e9, p->grid_n = grid_n, p->max_len = max_len;
    p->drive_gain = c->drv_swing_vpp / (2 * c->amplitude_v);
    p->drv_bandwidth_hz = c->drv_bandwidth_ghz * 1e9;
    p->drv_sat_vpp = c->drv_sat_vpp;
    p->laser_w = 1e-3 * pow(10, c->laser_power_dbm / 10);
    p->rin_per_hz = isinf(c->laser_rin_db_hz) ? 0 : pow(10, c->laser_rin_db_hz / 10);
    p->linewidth_hz = c->laser_linewidth_mhz * 1e6;
    p->wavelength_m = c->wavelength_nm * 1e-9;
    p->mod_type = !strcmp(c->mod_type, "mzm") ? P4_MOD_MZM : P4_MOD_EML;
    p->mod_bandwidth_hz = c->mod_bandwidth_ghz * 1e9;
    p->il = pow(10, -c->mod_il_db / 10);
    p->swing_vpp = c->drv_swing_vpp;
    p->eml_er = pow(10, c->eml_er_db / 10), p->eml_rlm = c->eml_rlm, p->alpha = c->eml_alpha;
    p->vpi_v = c->mzm_vpi_v, p->bias_vpi = c->mzm_bias_vpi;
    p->mmf = !strcmp(c->fiber_type, "mmf");
    p->length_m = c->fiber_length_m, p->atten_db_km = c->fiber_atten_db_km;
    p->d_ps_nm_km = isnan(c->fiber_d_ps_nm_km)
                        ? p4_fiber_dispersion(c->wavelength_nm, c->fiber_lambda0_nm, c->fiber_s0_ps_nm2_km)
                        : c->fiber_d_ps_nm_km;
    p->group_index = c->fiber_group_index, p->emb_mhz_km = c->fiber_emb_mhz_km;
    p->connectors_db = (double)c->n_connectors * c->connector_loss_db + c->extra_loss_db;
    p->mpi_rel = isinf(c->mpi_db) ? 0 : pow(10, c->mpi_db / 10);
    p->mpi_delay_s = c->mpi_delay_ns * 1e-9;
    p->rx_power_dbm = c->rx_power_dbm, p->rx_oma_dbm = c->rx_oma_dbm;
    double ffe_sum = 0;
    for (int i = 0; i < c->n_tx_ffe; i++) ffe_sum += c->tx_ffe[i];
    for (int k = 0; k < 4; k++) p->level_drive_v[k] = lvA[k] * ffe_sum * dc_gain;
    p->responsivity = c->pd_responsivity_a_w, p->dark_a = c->pd_dark_na * 1e-9, p->shot = c->pd_shot;
    p->field_tol_oma = c->fiber_field_tol_oma;
}

double p4_lo_noise_var(const p4_config *c, const p4_optics_info *oi, double fs_hz, double *thermal)
{
    double in = c->tia_noise_pa_rthz * 1e-12, R = c->pd_responsivity_a_w;
    double var_th = in * in * fs_hz / 2, p2 = 0;
    for (int k = 0; k < 4; k++) p2 += 0.25 * oi->rx_p[k] * oi->rx_p[k];
    double i_avg = R * oi->rx_avg_w + c->pd_dark_na * 1e-9;
    double var_shot = c->pd_shot ? Q_E * i_avg * fs_hz : 0;
    double var_rin = isinf(c->laser_rin_db_hz) ? 0 : pow(10, c->laser_rin_db_hz / 10) * fs_hz / 2 * R * R * p2;
    double var_mpi = isinf(c->mpi_db) ? 0 : 2 * pow(10, c->mpi_db / 10) * R * R * oi->rx_avg_w * oi->rx_avg_w;
    *thermal = var_th;
    return var_th + var_shot + var_rin + var_mpi;
}

/* The probe of a given period P: symbols in a balanced random order, fixed (the design must not depend
 * on sim.seed) */
static void probe_symbols(uint8_t *sym, size_t P)
{
    p4_rng r;
    p4_rng_seed(&r, 0x0971CA1ull, 0, 0);
    for (size_t i = 0; i < P; i++) sym[i] = (uint8_t)(i & 3);
    for (size_t i = P - 1; i > 0; i--) {
        size_t j = (size_t)(p4_rng_uniform(&r) * (double)(i + 1));
        uint8_t t = sym[i];
        sym[i] = sym[j], sym[j] = t;
    }
}

/* Results kept for the process, keyed by what produced them: identifications (a comparison sets up
 * the same line for every setting of the host's receiver and at every point of a host-side budget)
 * and the probe's Cholesky factors (they depend only on P, K and the levels). First in, first out. */
#define ID_CACHE 16
#define CHOL_CACHE 4
static struct {
    uint64_t key;
    double *pulse, sndr_db, dc;
    int len, kpre;
} id_cache[ID_CACHE];
static struct {
    uint64_t key;
    gsl_matrix *L;
} chol_cache[CHOL_CACHE];
static int id_n, id_next, chol_n, chol_next;
static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;

/* The Cholesky factor of the normal matrix R[k][k'] = r(k - k') of the probe a (period P): from the
 * cache, or computed and kept. *out: a copy the caller frees. */
static p4_status probe_cholesky(const double *a, size_t P, int K, const double lv[4], gsl_matrix **out)
{
    uint64_t key = p4_fnv64(p4_fnv64(p4_fnv64(P4_FNV0, &P, sizeof P), &K, sizeof K), lv, 4 * sizeof *lv);
    gsl_matrix *A = *out = gsl_matrix_alloc(K, K);
    if (!A) return p4_error(P4_ENOMEM, "optics: out of memory for the identification");
    int hit = 0;
    pthread_mutex_lock(&cache_mu);
    for (int i = 0; i < chol_n && !hit; i++)
        if (chol_cache[i].key == key) gsl_matrix_memcpy(A, chol_cache[i].L), hit = 1;
    pthread_mutex_unlock(&cache_mu);
    if (hit) return P4_OK;
    for (int d = 0; d < K; d++) {
        double r0 = 0;
        for (size_t mm = 0; mm < P; mm++) r0 += a[mm] * a[(mm + (size_t)d) % P];
        for (int i = 0; i + d < K; i++) gsl_matrix_set(A, i, i + d, r0), gsl_matrix_set(A, i + d, i, r0);
    }
    if (gsl_linalg_cholesky_decomp1(A)) return p4_error(P4_ENUM, "optics: the identification probe is singular");
    gsl_matrix *keep = gsl_matrix_alloc(K, K);
    if (keep) {
        gsl_matrix_memcpy(keep, A);
        pthread_mutex_lock(&cache_mu);
        int i = chol_n < CHOL_CACHE ? chol_n++ : chol_next++ % CHOL_CACHE;
        gsl_matrix_free(chol_cache[i].L);
        chol_cache[i].key = key, chol_cache[i].L = keep;
        pthread_mutex_unlock(&cache_mu);
    }
    return P4_OK;
}

uint64_t p4_lo_key(const p4_config *c, const p4_optics_params *op, const p4_fresp *elec, int sps, const double lv[4],
                   const double lvA[4])
{
    uint64_t h = p4_fnv64(P4_FNV0, op, sizeof *op); /* p4_lo_params zeroes the padding */
    h = p4_fnv64(h, elec->H, (elec->n / 2 + 1) * sizeof *elec->H);
    h = p4_fnv64(h, &elec->fs_hz, sizeof elec->fs_hz);
    h = p4_fnv64(h, c->tx_ffe, (size_t)c->n_tx_ffe * sizeof *c->tx_ffe);
    h = p4_fnv64(h, &sps, sizeof sps);
    h = p4_fnv64(h, lv, 4 * sizeof *lv);
    return p4_fnv64(h, lvA, 4 * sizeof *lvA);
}

p4_status p4_lo_identify(const p4_config *c, p4_optics_model *m, uint64_t key, int sps, const double lv[4],
                         const double lvA[4], double **pulse, int *len, int *kpre_out, double *sndr_db)
{
    if (key) {
        int hit = 0;
        pthread_mutex_lock(&cache_mu);
        for (int i = 0; i < id_n && !hit; i++)
            if (id_cache[i].key == key && (*pulse = malloc((size_t)id_cache[i].len * sizeof **pulse))) {
                memcpy(*pulse, id_cache[i].pulse, (size_t)id_cache[i].len * sizeof **pulse);
                *len = id_cache[i].len, *kpre_out = id_cache[i].kpre, *sndr_db = id_cache[i].sndr_db;
                p4_optics_set_dc(m, id_cache[i].dc);
                hit = 1;
            }
        pthread_mutex_unlock(&cache_mu);
        if (hit) return P4_OK;
    }
    const p4_optics_info *oi = p4_optics_model_info(m);
    int kpre = 4 + (int)((oi->lead < 0 ? -oi->lead : 0) / sps) + (int)c->n_tx_ffe;
    int kpost = 12 + (int)(oi->memory / (size_t)sps) + (int)c->n_tx_ffe;
    int K = kpre + kpost + 1;
    if (K > 1024) return p4_error(P4_EINVAL, "optics: the line's memory (%d UI) is too long to identify", K);
    size_t P = 4096;
    while (P < 8 * (size_t)K) P *= 2;
    size_t periods = 2 + (oi->memory / (size_t)sps + (size_t)c->n_tx_ffe) / P + 1, S = periods * P, N = P * (size_t)sps;
    const size_t nb = P / 2 + 1;
    uint8_t *sym = malloc(P);
    double *lev = malloc(S * sizeof *lev), *ffe = malloc(S * sizeof *ffe), *wave = malloc(S * sps * sizeof *wave);
    double *y = malloc(S * sps * sizeof *y), *a = malloc(P * sizeof *a);
    double *yq = fftw_alloc_real(P), *cc = fftw_alloc_real(P);
    fftw_complex *Af = fftw_alloc_complex(nb), *Yf = fftw_alloc_complex(nb);
    fftw_plan fwd = p4_fft_plan(P4_FFT_R2C, P), bwd = p4_fft_plan(P4_FFT_C2R, P);
    double *p = calloc((size_t)K * sps, sizeof *p);
    gsl_matrix *A = NULL;
    gsl_vector *b = gsl_vector_alloc(K), *x = gsl_vector_alloc(K);
    p4_ffe *tf = p4_ffe_create(c->tx_ffe, (int)c->n_tx_ffe);
    p4_optics *o = p4_optics_create(m);
    p4_status st = sym && lev && ffe && wave && y && a && yq && cc && Af && Yf && fwd && bwd && p && b && x && tf && o
                       ? P4_OK : p4_error(P4_ENOMEM, "optics: out of memory for the identification");
    double dc = 0;
    if (!st) {
        probe_symbols(sym, P);
        for (size_t i = 0; i < S; i++) lev[i] = lvA[sym[i % P]];
        for (size_t i = 0; i < P; i++) a[i] = lv[sym[i]];
        st = probe_cholesky(a, P, K, lv, &A);
    }
    if (!st) {
        p4_ffe_run(tf, lev, S, ffe);
        p4_render rd;
        p4_render_init(&rd, sps);
        p4_render_run(&rd, ffe, NULL, S, wave);
        p4_optics_set_dc(m, 0);
        p4_optics_reset(o, NULL);
        p4_optics_run(o, wave, S * sps, NULL, P4_OPT_CURRENT, y);
        const double *yl = y + (S - P) * sps; /* the last period: symbol index i mod P */
        for (size_t j = 0; j < N; j++) dc += yl[j];
        dc /= (double)N;
        /* b_q[i] = sum_mm yq[mm] a[(mm - (i - kpre)) mod P]: the circular cross-correlation at lag
         * i - kpre, all lags at once by FFT (the probe's spectrum conjugated once) */
        memcpy(yq, a, P * sizeof *yq);
        fftw_execute_dft_r2c(fwd, yq, Af);
        for (size_t k = 0; k < nb; k++) Af[k] = conj(Af[k]) / (double)P;
        /* the fit's power x.b and the residual's |y - dc|^2 - x.b (least squares: x.Ax = x.b) */
        double ps = 0, py = 0;
        for (int q = 0; q < sps; q++) {
            for (size_t mm = 0; mm < P; mm++) yq[mm] = yl[mm * sps + q] - dc, py += yq[mm] * yq[mm];
            fftw_execute_dft_r2c(fwd, yq, Yf);
            for (size_t k = 0; k < nb; k++) Yf[k] *= Af[k];
            fftw_execute_dft_c2r(bwd, Yf, cc);
            for (int i = 0; i < K; i++) gsl_vector_set(b, i, cc[((long)i - kpre + (long)P) % (long)P]);
            gsl_linalg_cholesky_solve(A, b, x);
            for (int i = 0; i < K; i++) p[i * sps + q] = gsl_vector_get(x, i), ps += gsl_vector_get(x, i) * gsl_vector_get(b, i);
        }
        double pe = py - ps;
        *sndr_db = pe > 1e-15 * py ? 10 * log10(ps / pe) : INFINITY;
        p4_optics_set_dc(m, dc);
    }
    free(sym), free(lev), free(ffe), free(wave), free(y), free(a);
    fftw_free(yq), fftw_free(cc), fftw_free(Af), fftw_free(Yf);
    gsl_matrix_free(A), gsl_vector_free(b), gsl_vector_free(x);
    p4_ffe_destroy(tf);
    p4_optics_destroy(o);
    if (st) {
        free(p);
        return st;
    }
    *pulse = p, *len = K * sps, *kpre_out = kpre;
    double *keep = key ? malloc((size_t)K * sps * sizeof *keep) : NULL;
    if (keep) {
        memcpy(keep, p, (size_t)K * sps * sizeof *keep);
        pthread_mutex_lock(&cache_mu);
        int i = id_n < ID_CACHE ? id_n++ : id_next++ % ID_CACHE;
        free(id_cache[i].pulse);
        id_cache[i].key = key, id_cache[i].pulse = keep, id_cache[i].len = K * sps, id_cache[i].kpre = kpre;
        id_cache[i].sndr_db = *sndr_db, id_cache[i].dc = dc;
        pthread_mutex_unlock(&cache_mu);
    }
    return P4_OK;
}

p4_status p4_lo_tdecq(const p4_config *c, const p4_optics_params *op, const p4_fresp *elec, const p4_optics_model *line,
                      int sps, const double lvA[4], p4_tdecq_result *r)
{
    if (sps < 16 || sps % 2)
        return p4_error(P4_EINVAL, "TDECQ needs an even sim.sps >= 16 (it is %d): set sim.sps or tdecq.in_run = false", sps);
    p4_optics_model *own = NULL; /* at the transmitter: the same line without fiber or link loss */
    if (!c->tdecq_through_fiber) {
        p4_optics_params q = *op;
        q.length_m = 0, q.connectors_db = 0, q.mpi_rel = 0;
        q.rx_power_dbm = q.rx_oma_dbm = NAN;
        if (!(own = p4_optics_model_create(&q, elec))) return P4_EINVAL;
    }
    const p4_optics_model *m = own ? own : line;
    const p4_optics_info *oi = p4_optics_model_info(m);
    /* the line's output at index n is the waveform at time n + lead: symbol j shows at j sps - lead.
     * The period measured starts at a pattern start delayed by that much, after the warm-up, so the
     * measurement's own delay search (up to 64 UI) only has to find the filters' group delay. */
    const size_t per = 65535, Np = per * (size_t)sps, warm = oi->memory / (size_t)sps + (size_t)c->n_tx_ffe + 64;
    const size_t lag = oi->lead < 0 ? (size_t)(-oi->lead) : 0, lag_periods = (lag + Np - 1) / Np;
    const size_t S = (1 + lag_periods + (warm + per - 1) / per) * per, N = S * (size_t)sps;
    const size_t first = (S - per * (1 + lag_periods)) * (size_t)sps + lag; /* first sample measured */
    uint8_t *sym = malloc(per);
    double *lev = malloc(S * sizeof *lev), *ffe = malloc(S * sizeof *ffe), *delta = malloc(S * sizeof *delta);
    double *wave = malloc(N * sizeof *wave), *pw = malloc(N * sizeof *pw);
    p4_pattern *pat = p4_pattern_create("ssprq", 0);
    p4_ffe *tf = p4_ffe_create(c->tx_ffe, (int)c->n_tx_ffe);
    p4_optics *o = p4_optics_create(m);
    p4_status st = sym && lev && ffe && delta && wave && pw && pat && tf && o
                       ? P4_OK : p4_error(P4_ENOMEM, "TDECQ: out of memory for the capture");
    if (!st) {
        p4_pattern_run(pat, sym, per);
        for (size_t i = 0; i < S; i++) lev[i] = lvA[sym[i % per]];
        p4_ffe_run(tf, lev, S, ffe);
        double ui = 1e-9 / c->baud_gbd;
        p4_jitter jit = {c->rj_ps * 1e-12 / ui, c->sj_ps * 1e-12 / ui, c->sj_mhz * 1e6 * ui, c->dcd_ps * 1e-12 / ui};
        p4_rng rj, rn;
        p4_rng_seed(&rj, (uint64_t)c->seed, 0, P4_STREAM_JITTER);
        p4_rng_seed(&rn, (uint64_t)c->seed, 0, P4_STREAM_OPTICS);
        int jon = p4_jitter_active(&jit);
        if (jon) p4_jitter_edges(&jit, &rj, 0, S, delta);
        p4_render rd;
        p4_render_init(&rd, sps);
        p4_render_run(&rd, ffe, jon ? delta : NULL, S, wave);
        p4_optics_reset(o, &rn);
        p4_optics_run(o, wave, N, &rn, P4_OPT_POWER, pw);
        p4_tdecq_params tp = {.sps = sps, .ntaps = (int)c->tdecq_taps, .optimize = c->tdecq_optimize,
                              .baud_hz = c->baud_gbd * 1e9,
                              .ref_hz = isnan(c->tdecq_ref_ghz) ? c->baud_gbd * 1e9 / 2 : c->tdecq_ref_ghz * 1e9,
                              .target_ser = c->tdecq_target_ser, .scope_noise_w = c->tdecq_scope_noise_uw * 1e-6};
        st = p4_tdecq_measure(pw + first, sym, per, &tp, r);
    }
    free(sym), free(lev), free(ffe), free(delta), free(wave), free(pw);
    p4_pattern_destroy(pat);
    p4_ffe_destroy(tf);
    p4_optics_destroy(o);
    p4_optics_model_free(own);
    return st;
}
