/* test_impulse.c - the link's pulse responses against a direct computation from the Touchstone file.
 *
 * The reference: SDD21 of the file at its own points (the transform's bins are the file's 10 MHz
 * steps: no interpolation; zero above the file's last frequency, no taper; the aggressors with the
 * victim's pairs) times the TX Gaussian and the RX 4th-order Butterworth written out here,
 * inverse-transformed over the whole 100 ns period the file's step implies, then convolved with
 * the rendered one-symbol pulse. No truncation anywhere. The link's victim and aggressor pulses,
 * under channel.impulse_max_ui 256..4096 and channel.taper_fraction 0..0.1, must match its peak and
 * its symbol-spaced cursors within 0.5 % of the peak, and the sampling-phase frame must not move.
 */
#include "testutil.h"
#include <complex.h>
#include <fftw3.h>
#include <math.h>
#include <string.h>

static size_t NREF;

/* Reference pulse of a file's SDD21 (amplitude amp) on the link's sample grid. */
static double *reference_pulse(const char *path, const p4_config *c, double amp, int order[4])
{
    p4_touchstone *ts = p4_touchstone_read(path);
    cr_assert_not_null(ts, "%s", p4_last_error());
    if (order[0] == 0) cr_assert_eq(p4_touchstone_port_order(ts, NULL, order), P4_OK);
    double complex *h = malloc(ts->nfreq * sizeof *h);
    cr_assert_eq(p4_touchstone_sdd21(ts, order, h), P4_OK);
    double fs = c->baud_gbd * 1e9 * (double)c->sps, df = ts->freq_hz[1] - ts->freq_hz[0];
    cr_assert(ts->freq_hz[0] == 0 || fabs(ts->freq_hz[0] - df) < 1e-6 * df);
    NREF = (size_t)llround(fs / df);
    cr_assert(fabs(NREF * df - fs) < 1e-6 * fs && NREF % 2 == 0, "the file's step does not divide the sample rate");
    double bw = sqrt(M_LN2) / (2 * M_PI * c->tx_rise_time_ps * 1e-12 / 1.6832), fr = c->noise_filter_ghz * 1e9;
    fftw_complex *X = fftw_alloc_complex(NREF / 2 + 1);
    double *x = fftw_alloc_real(NREF);
    for (size_t k = 0; k <= NREF / 2; k++) {
        double f = (double)k * fs / NREF;
        size_t k0 = ts->freq_hz[0] > 0; /* a file from 10 MHz: DC is its first point's magnitude */
        double complex H = k >= k0 && k - k0 < ts->nfreq ? h[k - k0] : 0;
        if (k == 0 && k0) H = creal(h[0]) < 0 ? -cabs(h[0]) : cabs(h[0]);
        else if (k - k0 < ts->nfreq)
            cr_assert(fabs(ts->freq_hz[k - k0] - f) < 1e-3 * df, "file point %zu off the grid", k - k0);
        H *= exp(-0.5 * M_LN2 * (f / bw) * (f / bw));
        double complex s = I * f / fr, den = 1; /* Butterworth: poles exp(j pi (2k + 3) / 8) */
        for (int p = 1; p <= 4; p++) den *= s - cexp(I * M_PI * (2.0 * p + 3) / 8);
        X[k] = H / den;
    }
    X[0] = creal(X[0]), X[NREF / 2] = creal(X[NREF / 2]);
    fftw_plan pl = fftw_plan_dft_c2r_1d((int)NREF, X, x, FFTW_ESTIMATE);
    fftw_execute(pl);
    fftw_destroy_plan(pl);
    int sps = (int)c->sps;
    double *rect = calloc(2 * (size_t)sps, sizeof *rect), one[2] = {1, 0};
    p4_render r;
    p4_render_init(&r, sps);
    p4_render_run(&r, one, NULL, 2, rect);
    double *p = calloc(NREF, sizeof *p);
    for (size_t i = 0; i < NREF; i++)
        for (int k = 0; k < 2 * sps; k++) p[(i + (size_t)k) % NREF] += amp * rect[k] * x[i] / NREF;
    free(rect), free(h);
    fftw_free(X), fftw_free(x);
    p4_touchstone_free(ts);
    return p;
}

static size_t peak_of(const double *p, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(p[i]) > fabs(p[k])) k = i;
    return k;
}

/* Link pulse p[0..n) against the circular reference: peak, and cursors at the link's phase q. */
static void compare(const char *what, const double *p, int n, const double *ref, int sps, int q, double tol,
                    double *frame)
{
    size_t pk = peak_of(p, (size_t)n), rk = peak_of(ref, NREF);
    /* a crosstalk pulse has lobes of similar height: align by the best correlation near the peaks */
    double bestc = -INFINITY;
    long shift = 0;
    for (long d = -4L * sps; d <= 4L * sps; d++) {
        double acc = 0;
        for (long i = 0; i < n; i++) acc += p[i] * ref[((long)rk + d + (i - (long)pk) + 4 * (long)NREF) % (long)NREF];
        if (acc > bestc) bestc = acc, shift = d;
    }
    rk = (size_t)(((long)rk + shift + (long)NREF) % (long)NREF);
    double peak = ref[peak_of(ref, NREF)];
    cr_assert(fabs(fabs(p[pk]) - fabs(peak)) <= tol * fabs(peak), "%s: peak %.6g mV, reference %.6g mV", what, p[pk] * 1e3,
              peak * 1e3);
    int off = ((q - (int)(pk % (size_t)sps)) % sps + sps) % sps; /* first sample at phase q from the peak */
    for (int m = -8; m <= 40; m++) {
        long i = (long)pk + off + (long)m * sps - sps;
        if (i < 0 || i >= n) continue;
        double r = ref[((long)rk + (i - (long)pk) + (long)NREF) % (long)NREF];
        cr_assert(fabs(p[i] - r) <= tol * fabs(peak), "%s: cursor %d at phase %d: %.6g mV, reference %.6g mV", what,
                  m, q, p[i] * 1e3, r * 1e3);
    }
    if (frame) *frame = (double)(pk % (size_t)sps);
}

static void check_set(const char *thru, const char *const *aggr, int na, double baud)
{
    /* The cap never matters (0.05 %). The taper changes the data: its band (54-60 GHz at 0.1) holds
     * real crosstalk coupling the reference keeps, and its 6 GHz width spreads a NEXT pulse over
     * ~9 UI (30 % of NEXT1's peak 8 UI early at 0.1). Victims: 0.5 % for every taper 0..0.1;
     * aggressors: 0.5 % up to a taper of 0.005 (the default is 0). */
    static const double cap[] = {256, 4096, 512, 2048, 256}, taper[] = {0, 0.1, 0.005, 0, 0.05};
    char sets[16][1200];
    double *ref_v = NULL, *ref_x[4] = {0}, frame0 = -1, phase0 = -1;
    for (int t = 0; t < 5; t++) {
        p4_config c;
        p4_config_default(&c);
        int ns = 0;
        snprintf(sets[ns++], sizeof sets[0], "sim.baud_gbd=%g", baud);
        snprintf(sets[ns++], sizeof sets[0], "channel.type=touchstone");
        snprintf(sets[ns++], sizeof sets[0], "channel.file=%s/%s", channels_dir(), thru);
        snprintf(sets[ns++], sizeof sets[0], "channel.impulse_max_ui=%g", cap[t]);
        snprintf(sets[ns++], sizeof sets[0], "channel.taper_fraction=%g", taper[t]);
        snprintf(sets[ns++], sizeof sets[0], "tx.ffe_taps=[1]");
        snprintf(sets[ns++], sizeof sets[0], "tx.ffe_main=0");
        snprintf(sets[ns++], sizeof sets[0], "rx.ctle.enable=false");
        char *xs = sets[ns++];
        int len = snprintf(xs, sizeof sets[0], "crosstalk.files=[");
        for (int i = 0; i < na; i++)
            len += snprintf(xs + len, sizeof sets[0] - (size_t)len, "%s%s/%s", i ? "," : "", channels_dir(), aggr[i]);
        snprintf(xs + len, sizeof sets[0] - (size_t)len, "]");
        for (int i = 0; i < ns; i++) cr_assert_eq(p4_config_set(&c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
        p4_link *l = p4_link_create(&c);
        cr_assert_not_null(l, "%s", p4_last_error());
        if (!ref_v) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", channels_dir(), thru);
            int order[4] = {0};
            ref_v = reference_pulse(path, &c, c.amplitude_v, order);
            for (int i = 0; i < na; i++) {
                snprintf(path, sizeof path, "%s/%s", channels_dir(), aggr[i]);
                ref_x[i] = reference_pulse(path, &c, c.amplitude_v, order);
            }
        }
        p4_link_view v;
        p4_link_view_get(l, &v);
        char what[256];
        double frame;
        snprintf(what, sizeof what, "%s at %g GBd, cap %g UI, taper %g", thru, baud, cap[t], taper[t]);
        compare(what, v.pulse, v.pulse_len, ref_v, v.sps, v.phase, 5e-3, &frame);
        /* the frame: the pulse's peak sits at the same phase, and the chosen phase is the same */
        if (t == 0) frame0 = frame, phase0 = v.info->sample_phase_ui;
        cr_assert_eq(frame, frame0, "%s: the peak moved within the UI (%g -> %g samples)", what, frame0, frame);
        /* the MMSE choice of phase: a near tie the taper's change of the data may tip */
        cr_assert(taper[t] > 0.005 || fabs(v.info->sample_phase_ui - phase0) < 1e-9, "%s: sampling phase %g UI, %g UI at the first cap",
                  what, v.info->sample_phase_ui, phase0);
        for (int i = 0; i < na && taper[t] <= 0.005; i++) {
            snprintf(what, sizeof what, "%s at %g GBd, cap %g UI, taper %g", aggr[i], baud, cap[t], taper[t]);
            compare(what, v.xt_pulse[i], v.xt_len[i], ref_x[i], v.sps, v.phase, 5e-3, NULL);
        }
        p4_link_destroy(l);
    }
    free(ref_v);
    for (int i = 0; i < na; i++) free(ref_x[i]);
}

static const char *const ca_aggr[] = {"CA_19p75dB_fext1.s4p", "CA_19p75dB_fext2.s4p", "CA_19p75dB_next1.s4p",
                                      "CA_19p75dB_next2.s4p"};

Test(impulse, cable_assembly_and_aggressors_53g, .timeout = 300)
{
    check_set("CA_19p75dB_thru.s4p", ca_aggr, 4, 53.125);
}

Test(impulse, cable_assembly_and_aggressors_106g, .timeout = 300)
{
    check_set("CA_19p75dB_thru.s4p", ca_aggr, 4, 106.25);
}

Test(impulse, backplanes_and_pcb_53g, .timeout = 300)
{
    static const char *const f[] = {"DPO_4in_Meg7_THRU.s4p", "DPO_10in_Meg7_THRU.s4p", "DPO_12in_Meg7_THRU.s4p",
                                    "DPO_14in_Meg7_THRU.s4p", "C2C_PCB_SYSVIA_12dB_thru.s4p"};
    for (int i = 0; i < 5; i++) check_set(f[i], NULL, 0, 53.125);
}

/* The window a cap keeps holds the peak and the most energy; the dropped share is what it says. */
Test(impulse, capped_window_keeps_the_main_lobe)
{
    size_t n = 4096;
    double *h = calloc(n, sizeof *h);
    /* a precursor ripple far ahead (raises the start search) and the main lobe late */
    for (size_t i = 100; i < 1100; i++) h[i] = 1e-3 * sin(0.3 * (double)i);
    for (size_t i = 2000; i < 2040; i++) h[i] = exp(-0.5 * pow(((double)i - 2010) / 5.0, 2));
    p4_impulse imp;
    cr_assert_eq(p4_impulse_truncate(h, n, 1e-12, 8, 256, 16, &imp), P4_OK);
    cr_assert_eq(imp.len, 256);
    cr_assert_eq(imp.lead % 16, 0);
    cr_assert(imp.lead <= 2010 - 8 && imp.lead + 256 > 2040, "window [%ld, %ld) misses the lobe", imp.lead,
              imp.lead + 256);
    double tot = 0, kept = 0;
    for (size_t i = 0; i < n; i++) tot += h[i] * h[i];
    for (size_t i = 0; i < imp.len; i++) kept += imp.h[i] * imp.h[i];
    cr_assert(fabs(imp.dropped - (1 - kept / tot)) < 1e-12, "dropped %g, kept share says %g", imp.dropped,
              1 - kept / tot);
    cr_assert(imp.dropped > 0);
    p4_impulse_free(&imp);
    free(h);
}
