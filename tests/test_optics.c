/* test_optics.c - the optical line against physics outside the code: dispersion fading notches
 * |cos(pi lambda^2 D L f^2 / c)| (and cos - alpha sin with chirp), exact attenuation and flight time,
 * MZM compression from its cosine transfer, shot / RIN / MPI noise against their formulas, and the
 * TDECQ search against the analytic TDECQ of a clean eye with known noise. */
#include "testutil.h"
#include "../channel/vexp.h"
#include "../sim/plain.h"
#include <complex.h>
#include <fftw3.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>

#define C_M_S 299792458.0
#define FS (106.25e9 * 16)

/* An ideal line: no bandwidth limits, linear EML (ER 20 dB), no fiber, no noise sources. */
static p4_optics_params ideal_line(void)
{
    p4_optics_params p;
    memset(&p, 0, sizeof p);
    p.fs_hz = FS, p.baud_hz = 106.25e9, p.grid_n = 65536, p.max_len = 16384;
    p.drive_gain = 1, p.drv_sat_vpp = INFINITY, p.laser_w = 10e-3, p.wavelength_m = 1311e-9;
    p.mod_type = P4_MOD_EML, p.il = 1, p.swing_vpp = 2, p.eml_er = 100, p.eml_rlm = 1;
    p.vpi_v = 3, p.bias_vpi = 0.5, p.group_index = 1.467, p.emb_mhz_km = 4700;
    p.rx_power_dbm = NAN, p.rx_oma_dbm = NAN, p.responsivity = 0.85;
    const double lv[4] = {-1, -1 / 3.0, 1 / 3.0, 1};
    memcpy(p.level_drive_v, lv, sizeof lv);
    return p;
}

static p4_optics_model *make(const p4_optics_params *p)
{
    p4_optics_model *m = p4_optics_model_create(p, NULL);
    cr_assert_not_null(m, "%s", p4_last_error());
    return m;
}

/* |H(f)| / g0 of the small-signal intensity response, for f up to fmax: a periodic random drive of
 * 65536 samples, two periods through the line, the second one's spectrum over the input's. The
 * drive is applied as +x and -x and the outputs halved-differenced, which cancels the even-order
 * terms of square-law detection exactly (they would show near the notches). */
static void small_signal_response(const p4_optics_params *p, double *mag, double fmax, size_t *nbins)
{
    const size_t N = 65536;
    p4_optics_model *m = make(p);
    p4_optics *o = p4_optics_create(m);
    double *x = malloc(2 * N * sizeof *x), *y = malloc(2 * N * sizeof *y), *ym = malloc(2 * N * sizeof *ym);
    p4_rng r;
    p4_rng_seed(&r, 11, 0, 0);
    p4_rng_gauss_fill(&r, x, N, 0.002); /* small signal: distortion ~ 1e-3 of the response */
    memcpy(x + N, x, N * sizeof *x);
    p4_optics_reset(o, NULL);
    p4_optics_run(o, x, 2 * N, NULL, P4_OPT_POWER, y);
    for (size_t k = 0; k < 2 * N; k++) x[k] = -x[k];
    p4_optics_reset(o, NULL);
    p4_optics_run(o, x, 2 * N, NULL, P4_OPT_POWER, ym);
    for (size_t k = 0; k < 2 * N; k++) x[k] = -x[k], y[k] = (y[k] - ym[k]) / 2;
    fftw_complex *X = fftw_alloc_complex(N / 2 + 1), *Y = fftw_alloc_complex(N / 2 + 1);
    fftw_plan a = fftw_plan_dft_r2c_1d((int)N, x, X, FFTW_ESTIMATE), b = fftw_plan_dft_r2c_1d((int)N, y + N, Y, FFTW_ESTIMATE);
    fftw_execute(a), fftw_execute(b);
    double g0 = p4_optics_model_info(m)->rx_oma_w / 2; /* dP/dv at DC: OMA over the 2 V swing */
    size_t k = 1;
    for (; k <= N / 2 && k * FS / N <= fmax; k++) mag[k] = cabs(Y[k] / X[k]) / g0;
    *nbins = k;
    fftw_destroy_plan(a), fftw_destroy_plan(b), fftw_free(X), fftw_free(Y);
    free(x), free(y), free(ym);
    p4_optics_destroy(o);
    p4_optics_model_free(m);
}

Test(optics, dispersion_fading_notches)
{
    for (int chirp = 0; chirp < 2; chirp++) {
        p4_optics_params p = ideal_line();
        p.wavelength_m = 1550e-9, p.d_ps_nm_km = 17, p.length_m = 20000, p.alpha = chirp ? 1.0 : 0;
        double theta = M_PI * p.wavelength_m * p.wavelength_m * 17e-6 * p.length_m / C_M_S; /* rad/Hz^2 */
        double f1 = sqrt(M_PI / 2 / theta); /* first notch of the chirp-free response */
        static double mag[65536];
        size_t nb;
        small_signal_response(&p, mag, 60e9, &nb);
        double worst = 0, wf = 0;
        for (size_t k = 1; k < nb; k++) {
            double f = k * FS / 65536, th = theta * f * f;
            double expect = fabs(cos(th) - p.alpha * sin(th));
            if (fabs(mag[k] - expect) > worst) worst = fabs(mag[k] - expect), wf = f;
        }
        cr_log_info("alpha %.0f: first chirp-free notch %.3f GHz; largest |H| error %.4f at %.2f GHz (%zu bins to 60 GHz)",
                    p.alpha, f1 * 1e-9, worst, wf * 1e-9, nb);
        cr_assert(worst < 0.01, "alpha %.0f: |H(f)| differs from the fading formula by %.4f at %.2f GHz", p.alpha, worst,
                  wf * 1e-9);
    }
}

/* OM4 at 850 nm: the intensity response falls to 1/2 at EMB / L (the effective modal bandwidth is
 * the fiber's optical 3-dB bandwidth), with the Gaussian shape exp(-ln2 (f L / EMB)^2). */
Test(optics, mmf_modal_bandwidth)
{
    p4_optics_params p = ideal_line();
    p.mmf = 1, p.emb_mhz_km = 4700, p.length_m = 100, p.wavelength_m = 850e-9;
    const double b = 4700e6 / 0.1; /* 47 GHz */
    static double mag[65536];
    size_t nb;
    small_signal_response(&p, mag, 60e9, &nb);
    double worst = 0;
    for (size_t k = 1; k < nb; k++) {
        double f = k * FS / 65536, expect = exp(-M_LN2 * (f / b) * (f / b));
        worst = fmax(worst, fabs(mag[k] - expect));
    }
    size_t kb = (size_t)lround(b / (FS / 65536));
    cr_log_info("OM4 100 m: |H| %.4f at %.2f GHz (expected 0.5); largest deviation from the Gaussian %.2e", mag[kb],
                kb * FS / 65536 * 1e-9, worst);
    cr_assert(worst < 1e-3, "MMF response differs from exp(-ln2 (f/B)^2) by %.2e", worst);
}

Test(optics, attenuation_and_flight_time_are_exact)
{
    p4_optics_params p = ideal_line();
    p.length_m = 2000, p.atten_db_km = 0.4, p.connectors_db = 3 * 0.3 + 1.0, p.eml_er = 10;
    p4_optics_model *m = make(&p);
    const p4_optics_info *in = p4_optics_model_info(m);
    cr_assert(fabs(in->fiber_loss_db - 0.8) < 1e-12, "fiber loss %.15g", in->fiber_loss_db);
    cr_assert(fabs(in->applied_loss_db - 2.7) < 1e-12, "link loss %.15g", in->applied_loss_db);
    double expect_ns = 2000 * 1.467 / C_M_S * 1e9;
    cr_assert(fabs(in->flight_ns - expect_ns) < 1e-9 * expect_ns, "flight %.9f ns vs %.9f", in->flight_ns, expect_ns);
    /* static levels: laser x (1/ER + (1 - 1/ER)(u + 1)/2), then the loss */
    for (int k = 0; k < 4; k++) {
        double u = -1 + 2 * k / 3.0, t = 0.1 + 0.9 * (u + 1) / 2, expect = 10e-3 * t * pow(10, -0.27);
        cr_assert(fabs(in->rx_p[k] - expect) < 1e-12 * expect, "level %d: %.12g W vs %.12g W", k, in->rx_p[k], expect);
    }
    /* the simulated photocurrent of a balanced random pattern has mean R P_avg (no filters: exact
     * up to the render's averaging at edges, linear here) */
    const size_t nsym = 4096, sps = 16;
    double *v = malloc(nsym * sps * sizeof *v), *i = malloc(nsym * sps * sizeof *i);
    for (size_t s = 0; s < nsym; s++) {
        int lvl = (int)(s & 3);
        for (size_t q = 0; q < sps; q++) v[s * sps + q] = p.level_drive_v[lvl];
    }
    p4_optics *o = p4_optics_create(m);
    p4_optics_reset(o, NULL);
    p4_optics_run(o, v, nsym * sps, NULL, P4_OPT_CURRENT, i);
    double mean = 0; /* whole 4-symbol periods, after the FIR has filled */
    const size_t k0 = 64 * sps, k1 = (nsym - 64) * sps;
    for (size_t k = k0; k < k1; k++) mean += i[k];
    mean /= (double)(k1 - k0);
    cr_assert(fabs(mean - 0.85 * in->rx_avg_w) < 1e-9 * mean, "mean photocurrent %.9g A vs R Pavg %.9g A", mean,
              0.85 * in->rx_avg_w);
    free(v), free(i);
    p4_optics_destroy(o);
    p4_optics_model_free(m);
}

Test(optics, mzm_is_linear_small_and_compresses_large)
{
    double rlm[2];
    const double swing[2] = {0.3, 3.0}; /* Vpi 3 V: 0.1 Vpi and Vpi */
    for (int s = 0; s < 2; s++) {
        p4_optics_params p = ideal_line();
        p.mod_type = P4_MOD_MZM, p.swing_vpp = swing[s], p.drive_gain = swing[s] / 2;
        p4_optics_model *m = make(&p);
        const p4_optics_info *in = p4_optics_model_info(m);
        double lv[4];
        for (int k = 0; k < 4; k++) { /* cos^2((pi/2)(1 - bias - v/Vpi)), v the drive at the modulator */
            double v = swing[s] / 2 * (-1 + 2 * k / 3.0), c = cos(M_PI / 2 * (0.5 - v / 3.0));
            lv[k] = 10e-3 * c * c;
            cr_assert(fabs(in->launch_p[k] - lv[k]) < 1e-12, "swing %.1f level %d: %.12g vs %.12g", swing[s], k,
                      in->launch_p[k], lv[k]);
        }
        double mid = (lv[0] + lv[3]) / 2, es1 = (lv[1] - mid) / (lv[0] - mid), es2 = (lv[2] - mid) / (lv[3] - mid);
        double expect = fmin(fmin(3 * es1, 3 * es2), fmin(2 - 3 * es1, 2 - 3 * es2));
        rlm[s] = in->launch_rlm;
        cr_assert(fabs(rlm[s] - expect) < 1e-12, "RLM %.12f vs %.12f", rlm[s], expect);
        p4_optics_model_free(m);
    }
    cr_log_info("MZM RLM: %.5f at 0.1 Vpi, %.5f at Vpi", rlm[0], rlm[1]);
    cr_assert(rlm[0] > 0.995, "small swing should be linear: RLM %.5f", rlm[0]);
    cr_assert(rlm[1] < 0.9, "a full Vpi swing compresses the outer levels: RLM %.5f", rlm[1]);
}

/* The vectorisable exponential (channel/vexp.h) against the library's, over the whole range and
 * densely over the EML's (its exponent k (u + 1) / 2 lies in [0, 40]). */
Test(optics, plain_arithmetic_exp_is_within_two_ulp)
{
    double worst = 0, at = 0;
    for (int pass = 0; pass < 2; pass++)
        for (int i = 0; i <= 2000000; i++) {
            double x = pass ? -2 + 44.0 * i / 2000000 : -708 + 1417.0 * i / 2000000, e = exp(x);
            double ulp = (nextafter(e, INFINITY) - e), err = fabs(p4_vexp(x) - e) / ulp;
            if (err > worst) worst = err, at = x;
        }
    cr_log_info("p4_vexp: largest error %.2f ulp (at x = %.6g)", worst, at);
    cr_assert(worst <= 2, "p4_vexp is %.2f ulp from exp at x = %.17g", worst, at);
    cr_assert_eq(p4_vexp(0), 1.0);
}

/* The field path's logarithm and sine/cosine (channel/vexp.h) against the library's: ln within 2 ulp
 * over [1e-304, 1e304] and densely around 1; sin and cos within 3 ulp, or 1.2e-16 absolute near
 * their zeros, over [-2000, 2000] (the chirp's and the laser's phase stay far inside). */
Test(optics, plain_arithmetic_log_and_sincos_are_within_a_few_ulp)
{
    double wl = 0, atl = 0, wsc = 0, atsc = 0;
    for (int i = 0; i <= 2000000; i++) {
        double x = exp(-700 + 1400.0 * i / 2000000), y = log(x);
        double err = fabs(p4_vlog(x) - y) / (nextafter(fabs(y), INFINITY) - fabs(y));
        if (err > wl) wl = err, atl = x;
        x = 0.99 + 0.02 * i / 2000000, y = log(x);
        err = fabs(p4_vlog(x) - y) / (nextafter(fabs(y), INFINITY) - fabs(y));
        if (err > wl) wl = err, atl = x;
    }
    for (int i = 0; i <= 2000000; i++) {
        double x = -2000 + 4000.0 * i / 2000000, sn, cs, ref[2] = {sin(x), cos(x)};
        p4_vsincos(x, &sn, &cs);
        const double got[2] = {sn, cs};
        for (int j = 0; j < 2; j++) {
            double d = fabs(got[j] - ref[j]), u = d / (nextafter(fabs(ref[j]), INFINITY) - fabs(ref[j]));
            if (d > 1.2e-16 && u > wsc) wsc = u, atsc = x;
        }
    }
    cr_log_info("p4_vlog: %.2f ulp (at %.6g); p4_vsincos: %.2f ulp (at %.6g)", wl, atl, wsc, atsc);
    cr_assert(wl <= 2, "p4_vlog is %.2f ulp from log at x = %.17g", wl, atl);
    cr_assert(wsc <= 3, "p4_vsincos is %.2f ulp from sin/cos at x = %.17g", wsc, atsc);
    double sn, cs;
    p4_vsincos(0, &sn, &cs);
    cr_assert(sn == 0 && cs == 1 && p4_vlog(1) == 0);
}

/* A curved EML (RLM 0.9, ER 4.5 dB): its static levels have the configured RLM and extinction
 * ratio, and equal il P_laser (1/ER + (1 - 1/ER) (e^(k (u+1)/2) - 1) / (e^k - 1)) by the library's
 * exp at the reported curvature k. */
Test(optics, curved_eml_levels_have_the_configured_rlm_and_er)
{
    p4_optics_params p = ideal_line();
    p.eml_rlm = 0.9, p.eml_er = pow(10, 0.45), p.il = 0.5, p.drive_gain = 1;
    p4_optics_model *m = make(&p);
    const p4_optics_info *in = p4_optics_model_info(m);
    const double k = in->eml_curvature, ier = 1 / p.eml_er;
    cr_assert(k > 0.1, "RLM 0.9 needs a curved EML (k %.3g)", k);
    for (int i = 0; i < 4; i++) {
        double u = -1 + 2 * i / 3.0, g = expm1(k * (u + 1) / 2) / expm1(k);
        double want = p.laser_w * p.il * (ier + (1 - ier) * g);
        cr_assert(fabs(in->launch_p[i] - want) < 1e-13 * p.laser_w, "level %d: %.15g W vs %.15g W", i, in->launch_p[i],
                  want);
    }
    cr_assert(fabs(in->launch_rlm - 0.9) < 1e-6, "RLM %.9f vs 0.9", in->launch_rlm);
    cr_assert(fabs(in->launch_er_db - 4.5) < 1e-9, "ER %.12f dB vs 4.5 dB", in->launch_er_db);
    p4_optics_model_free(m);
}

/* TDECQ's fast path (the AVX2 window equalizer where the processor has it, sigma's halvings replayed
 * from a bracket) against its plain method (the portable loop, every halving evaluated), bit for bit:
 * on a synthetic capture (a first-order response, uniform noise) of 2000 and 1003 symbols (not a
 * multiple of 16), with 1, 8 and 15 taps, the least-squares taps alone and Nelder-Mead on them. */
Test(optics, tdecq_fast_path_gives_the_plain_methods_bits)
{
    const int sps = 16;
    for (int len = 0; len < 2; len++) {
        const size_t nsym = len ? 1003 : 2000, N = nsym * sps;
        uint8_t *sym = malloc(nsym);
        double *P = malloc(N * sizeof *P), y = 0;
        uint64_t st = 12345;
        for (size_t i = 0; i < nsym; i++) {
            st = st * 6364136223846793005ull + 1442695040888963407ull;
            sym[i] = (uint8_t)((st >> 33) & 3);
        }
        for (int rep = 0; rep < 2; rep++)
            for (size_t k = 0; k < N; k++) {
                y += 0.12 * (1e-3 * (0.3 + sym[k / sps]) - y);
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                P[k] = y + 2e-5 * ((double)(st >> 11) * 0x1p-53 - 0.5);
            }
        for (int opt = 0; opt < 2; opt++)
            for (int T = 1; T <= 15; T += 7) {
                p4_tdecq_params tp = {.sps = sps, .ntaps = T, .optimize = opt, .baud_hz = 106.25e9, .ref_hz = 53.125e9,
                                      .target_ser = 4.8e-4, .scope_noise_w = 1e-6};
                p4_tdecq_result f, r;
                p4_tdecq_plain = 0;
                cr_assert_eq(p4_tdecq_measure(P, sym, nsym, &tp, &f), P4_OK, "%s", p4_last_error());
                p4_tdecq_plain = 1;
                cr_assert_eq(p4_tdecq_measure(P, sym, nsym, &tp, &r), P4_OK, "%s", p4_last_error());
                p4_tdecq_plain = 0;
                cr_assert(f.tdecq_db == r.tdecq_db && f.sigma_left_w == r.sigma_left_w && f.sigma_right_w == r.sigma_right_w &&
                              f.ceq == r.ceq && f.evaluations == r.evaluations,
                          "%zu symbols, %d taps, optimize %d: fast %a dB (%d evaluations) vs plain %a dB (%d)", nsym, T, opt,
                          f.tdecq_db, f.evaluations, r.tdecq_db, r.evaluations);
                for (int i = 0; i < T; i++) cr_assert(f.taps[i] == r.taps[i], "tap %d: %a vs %a", i, f.taps[i], r.taps[i]);
            }
        free(sym), free(P);
    }
}

/* Variance of the photocurrent at a constant drive (mid level), n samples per reset. */
static double current_variance(const p4_optics_params *p, size_t n, int resets, double *mean)
{
    p4_optics_model *m = make(p);
    p4_optics *o = p4_optics_create(m);
    double *v = calloc(n, sizeof *v), *i = malloc(n * sizeof *i), s = 0, s2 = 0;
    p4_rng r;
    for (int k = 0; k < resets; k++) {
        p4_rng_seed(&r, 5, (uint64_t)k, 9);
        p4_optics_reset(o, &r);
        p4_optics_run(o, v, n, &r, P4_OPT_CURRENT, i);
        for (size_t t = 4096; t < n; t++) s += i[t], s2 += i[t] * i[t]; /* after the MPI delay line fills */
    }
    double cnt = (double)(n - 4096) * resets;
    *mean = s / cnt;
    free(v), free(i);
    p4_optics_destroy(o);
    p4_optics_model_free(m);
    return s2 / cnt - *mean * *mean;
}

Test(optics, shot_rin_and_mpi_noise_follow_theory)
{
    const double q = 1.602176634e-19;
    double var[2], snr[2], mean;
    for (int k = 0; k < 2; k++) { /* shot noise: variance q i fs, proportional to the power */
        p4_optics_params p = ideal_line();
        p.shot = 1, p.rx_power_dbm = k ? 0 : -3;
        var[k] = current_variance(&p, 1 << 20, 1, &mean);
        double expect = q * mean * FS;
        cr_log_info("shot: %.1f dBm: variance %.4e A^2, q i fs %.4e (seed 5)", p.rx_power_dbm, var[k], expect);
        cr_assert(fabs(var[k] / expect - 1) < 0.01, "shot variance %.4e vs %.4e (seed 5)", var[k], expect);
    }
    cr_assert(fabs(var[1] / var[0] / pow(10, 0.3) - 1) < 0.02, "shot variance ratio %.4f for +3 dB", var[1] / var[0]);
    for (int k = 0; k < 2; k++) { /* RIN: variance RIN fs/2 i^2: SNR independent of the received power */
        p4_optics_params p = ideal_line();
        p.rin_per_hz = pow(10, -14.5), p.rx_power_dbm = k ? 0 : -10;
        var[k] = current_variance(&p, 1 << 20, 1, &mean);
        snr[k] = mean * mean / var[k];
        double expect = 2 / (p.rin_per_hz * FS);
        cr_log_info("RIN: %.1f dBm: SNR %.2f dB, 2/(RIN fs) %.2f dB (seed 5)", p.rx_power_dbm, 10 * log10(snr[k]),
                    10 * log10(expect));
        cr_assert(fabs(snr[k] / expect - 1) < 0.01, "RIN-limited SNR %.4e vs %.4e (seed 5)", snr[k], expect);
    }
    cr_assert(fabs(snr[1] / snr[0] - 1) < 0.02, "RIN-limited SNR moved with the received power: %.4f", snr[1] / snr[0]);
    /* MPI: a reflected copy at eps beats with a random phase: variance 2 eps (R P)^2 */
    p4_optics_params p = ideal_line();
    p.mpi_rel = 1e-3, p.mpi_delay_s = 1e-9;
    p4_optics_model *m = make(&p);
    double v = current_variance(&p, 8192, 400, &mean), ip = 0.85 * p4_optics_static_power(m, 0);
    p4_optics_model_free(m);
    double expect = 2 * p.mpi_rel * ip * ip;
    cr_log_info("MPI -30 dB: variance %.4e A^2, 2 eps (R P)^2 %.4e (400 draws of the phase, seed 5)", v, expect);
    cr_assert(fabs(v / expect - 1) < 0.15, "MPI beat variance %.4e vs %.4e (seed 5)", v, expect);
}

/* A clean SSPRQ eye (rectangular levels) plus Gaussian noise held over each UI, so that at the window
 * instants (mid-UI, where the 4 x baud reference receiver has settled) the noise has exactly the rms
 * drawn: with an ideal FFE sigma_G^2 + sigma_n^2 = sigma_ideal^2 = (OMA / (6 Qt))^2, so
 * TDECQ = 10 log10(Ceq) - 5 log10(1 - (sigma_n / sigma_ideal)^2). */
Test(optics, tdecq_of_a_noisy_clean_eye_matches_its_formula)
{
    const size_t nsym = 65535, sps = 16, N = nsym * sps;
    uint8_t *sym = malloc(nsym);
    double *w = malloc(N * sizeof *w), *g = malloc(nsym * sizeof *g);
    p4_pattern *pat = p4_pattern_create("ssprq", 0);
    p4_pattern_run(pat, sym, nsym);
    p4_pattern_destroy(pat);
    const double p0 = 0.2e-3, oma = 1e-3, qt = gsl_cdf_ugaussian_Qinv(4.8e-4 / 1.5), sig_ideal = oma / (6 * qt);
    p4_rng r;
    p4_rng_seed(&r, 21, 0, 0);
    p4_rng_gauss_fill(&r, g, nsym, 1.0);
    const double frac[3] = {0.0, 0.5, 0.7};
    for (int t = 0; t < 3; t++) {
        double sn = frac[t] * sig_ideal;
        for (size_t k = 0; k < N; k++) w[k] = p0 + oma * sym[k / sps] / 3.0 + sn * g[k / sps];
        p4_tdecq_params tp = {.sps = (int)sps, .ntaps = 15, .optimize = 0, .baud_hz = 106.25e9,
                              .ref_hz = 4 * 106.25e9, .target_ser = 4.8e-4, .scope_noise_w = 0};
        p4_tdecq_result res;
        cr_assert_eq(p4_tdecq_measure(w, sym, nsym, &tp, &res), P4_OK, "%s", p4_last_error());
        double expect = 10 * log10(res.ceq) - 5 * log10(1 - frac[t] * frac[t]);
        cr_log_info("noise %.2f sigma_ideal: TDECQ %.3f dB, formula %.3f dB (Ceq %.4f, OMA %.5g W, seed 21)", frac[t],
                    res.tdecq_db, expect, res.ceq, res.oma_outer_w);
        cr_assert(fabs(res.oma_outer_w - oma) < 0.01 * oma, "OMAouter %.4g W vs %.4g W", res.oma_outer_w, oma);
        cr_assert(fabs(res.ceq - 1) < 0.02, "the equalizer of a clean eye should be nearly a delta: Ceq %.4f", res.ceq);
        cr_assert(fabs(res.tdecq_db - expect) < 0.1, "TDECQ %.3f dB vs formula %.3f dB (seed 21)", res.tdecq_db, expect);
    }
    free(sym), free(w), free(g);
}

/* The field-path test (optics.h). The field path against an exact computation outside the line's
 * FIR: the intensity path's power P (a line without dispersion), its EML field sqrt(P) e^{j (alpha/2)
 * ln P} over one period of a periodic drive, the dispersion exp(j theta f^2) applied by one FFT over
 * the whole period (no truncation, no band limit), |.|^2. A line whose measured effect is within
 * field_tol_oma drops its dispersion and runs exactly the intensity path (the output of a line
 * without dispersion, bit for bit); below the tolerance it keeps it. */
Test(optics, field_path_dropped_only_where_it_is_a_no_op)
{
    p4_optics_params p = ideal_line();
    p.alpha = 0.5, p.eml_er = 3, p.drv_bandwidth_hz = 40e9, p.mod_bandwidth_hz = 60e9;
    p.d_ps_nm_km = 0.5, p.length_m = 2000;
    p4_optics_params q = p;
    q.d_ps_nm_km = 0;
    p4_optics_model *mf = make(&p), *m0 = make(&q);
    const double theta = M_PI * p.wavelength_m * p.wavelength_m * (p.d_ps_nm_km * 1e-6) * p.length_m / C_M_S;
    const double oma = p4_optics_model_info(m0)->rx_oma_w;
    /* a periodic PAM4 drive (period N samples), two periods through both lines */
    const int sps = 16;
    const size_t nsym = 4096, N = nsym * sps, n = 2 * N;
    double *v = malloc(n * sizeof *v), *pf = malloc(n * sizeof *pf), *p0 = malloc(n * sizeof *p0);
    p4_rng r;
    p4_rng_seed(&r, 5, 0, 0);
    for (size_t k = 0; k < nsym; k++) {
        double lv = p.level_drive_v[p4_rng_u64(&r) >> 62];
        for (int j = 0; j < sps; j++) v[k * sps + j] = v[N + k * sps + j] = lv;
    }
    p4_optics *of = p4_optics_create(mf), *o0 = p4_optics_create(m0);
    p4_optics_reset(of, NULL), p4_optics_reset(o0, NULL);
    p4_optics_run(of, v, n, NULL, P4_OPT_POWER, pf);
    p4_optics_run(o0, v, n, NULL, P4_OPT_POWER, p0);
    /* the exact dispersed power of the second period, from the intensity path's */
    fftw_complex *E = fftw_alloc_complex(N);
    for (size_t k = 0; k < N; k++) {
        double P = p0[N + k];
        E[k] = sqrt(P) * cexp(I * p.alpha / 2 * log(P));
    }
    fftw_plan fw = fftw_plan_dft_1d((int)N, E, E, FFTW_FORWARD, FFTW_ESTIMATE), bw = fftw_plan_dft_1d((int)N, E, E, FFTW_BACKWARD, FFTW_ESTIMATE);
    fftw_execute(fw);
    for (size_t k = 0; k < N; k++) {
        double f = (k <= N / 2 ? (double)k : (double)k - (double)N) * FS / (double)N;
        E[k] *= cexp(I * theta * f * f) / (double)N;
    }
    fftw_execute(bw);
    const long shift = p4_optics_model_info(mf)->lead - p4_optics_model_info(m0)->lead;
    double dmax = 0, err = 0, dui = 0, acc = 0; /* dui: the change averaged over one UI */
    for (size_t k = 2048; k + 2048 < N; k++) {
        double exact = creal(E[k] * conj(E[k])), got = pf[(long)(N + k) - shift];
        dmax = fmax(dmax, fabs(exact - p0[N + k])), err = fmax(err, fabs(got - exact));
        acc += exact - p0[N + k];
        if (k >= 2048 + sps) acc -= creal(E[k - sps] * conj(E[k - sps])) - p0[N + k - sps];
        if (k + 1 >= 2048 + sps) dui = fmax(dui, fabs(acc) / sps);
    }
    fftw_destroy_plan(fw), fftw_destroy_plan(bw), fftw_free(E);
    cr_log_info("dispersion: largest change of the power %.3g of the OMA; the line's field path (a %zu-tap FIR) differs "
                "from the exact dispersed power by %.3g of the OMA",
                dmax / oma, p4_optics_model_info(mf)->memory - p4_optics_model_info(m0)->memory, err / oma);
    cr_assert(dmax > 1e-3 * oma, "the dispersion should act here (%.3g of the OMA)", dmax / oma);
    cr_assert(err < 0.1 * dmax && err < 1e-3 * oma, "the field path differs from the exact dispersed power by %.3g of its change",
              err / dmax);
    double meas = p4_optics_model_info(mf)->field_effect_oma;
    cr_assert(isnan(meas), "field_tol_oma 0 must not measure");
    /* with a tolerance: measured on the model's probe, the same size as on this drive */
    p4_optics_params pt = p;
    pt.field_tol_oma = 0.1;
    p4_optics_model *mt = make(&pt);
    const p4_optics_info *it = p4_optics_model_info(mt);
    cr_log_info("measured on the model's probe: %.3g of the OMA; dropped %d", it->field_effect_oma, it->field_dropped);
    cr_log_info("averaged over a UI, the exact change here: %.3g of the OMA", dui / oma);
    cr_assert(it->field_effect_oma > dui / oma / 1.5 && it->field_effect_oma < 1.5 * dui / oma,
              "the probe measured %.3g of the OMA against %.3g here (both averaged over a UI)", it->field_effect_oma, dui / oma);
    cr_assert(it->field_dropped && !it->field_path && it->lead == p4_optics_model_info(m0)->lead);
    p4_optics *ot = p4_optics_create(mt);
    p4_optics_reset(ot, NULL);
    p4_optics_run(ot, v, n, NULL, P4_OPT_POWER, pf);
    cr_assert(memcmp(pf, p0, n * sizeof *pf) == 0, "a dropped dispersion must give the intensity path exactly");
    /* a tolerance below the effect keeps the field path */
    pt.field_tol_oma = 0.5 * it->field_effect_oma;
    p4_optics_model *mk = make(&pt);
    cr_assert(!p4_optics_model_info(mk)->field_dropped && p4_optics_model_info(mk)->field_path);
    p4_optics_destroy(of), p4_optics_destroy(o0), p4_optics_destroy(ot);
    p4_optics_model_free(mf), p4_optics_model_free(m0), p4_optics_model_free(mt), p4_optics_model_free(mk);
    free(v), free(pf), free(p0);
}
