/* test_poly.c - the DSP receiver's waveform made at the phases it reads (sim/link_poly.c) against the
 * waveform the FIR at the sample rate makes (sim.noise = waveform), with no noise so that both are
 * the same deterministic signal: every sample of a unit within 1e-12 of the peak, for the loss
 * model with jitter (RJ, DCD) and for the cable assembly with two aggressors; the receiver's
 * decisions identical; a unit whose waveform is a ring of blocks decides as one that holds the whole
 * waveform; and the eye's samples, the RX FFE's output made in the spectral domain, equal the FFE
 * run over the FIR's waveform within 1e-12 of the peak. */
#include "testutil.h"
#include "../sim/link_impl.h"
#include <math.h>
#include <string.h>

static p4_link *make(const char *const *sets, int n, const char *noise)
{
    p4_config c;
    config_with(&c, sets, n);
    char kv[64];
    snprintf(kv, sizeof kv, "sim.noise=%s", noise);
    cr_assert_eq(p4_config_set(&c, kv), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    return l;
}

/* One unit of each link (unit 1, so that its patterns and streams are not the first's), compared. */
static void same_waveform(const char *name, const char *const *sets, int n)
{
    p4_link *a = make(sets, n, "auto"), *b = make(sets, n, "waveform");
    cr_assert_not_null(a->poly, "%s: the waveform at the read phases should apply", name);
    cr_assert_null(b->poly);
    unit_state ua, ub;
    const size_t counted = 40000;
    cr_assert_eq(unit_alloc(a, counted, 1, &ua), P4_OK);
    cr_assert_eq(unit_alloc(b, counted, 1, &ub), P4_OK);
    cr_assert_eq(ua.nsamp, ub.nsamp);
    ua.poly_whole = 1; /* the whole waveform */
    unit_simulate(a, &ua, 1, a->warm + counted, 1);
    unit_poly_complete(&ua);
    unit_simulate(b, &ub, 1, b->warm + counted, 1);
    double peak = 0, dev = 0;
    size_t at = 0;
    for (size_t j = 0; j < ub.nsamp; j++) {
        peak = fmax(peak, fabs(ub.rx[j]));
        double e = fabs(ua.rx[j] - ub.rx[j]);
        if (e > dev) dev = e, at = j;
    }
    cr_log_info("%s: %zu samples, peak %.4g V, largest difference %.3g V (sample %zu)", name, ub.nsamp, peak, dev, at);
    cr_assert(peak > 1e-3, "%s: no signal", name);
    cr_assert(dev <= 1e-12 * peak, "%s: sample %zu differs by %.3g V (peak %.4g V)", name, at, dev, peak);
    cr_assert(!memcmp(ua.dec, ub.dec, ua.nsym), "%s: the receiver's decisions differ", name);
    /* the same unit again through a ring of blocks: the same decisions */
    uint8_t *dec = malloc(ua.nsym);
    cr_assert_not_null(dec);
    memcpy(dec, ua.dec, ua.nsym);
    ua.poly_whole = 0;
    unit_simulate(a, &ua, 1, a->warm + counted, 1);
    cr_assert(!memcmp(ua.dec, dec, ua.nsym), "%s: the ring of blocks decides otherwise", name);
    free(dec);
    /* the eye's samples (the RX FFE's output at every phase, made in the spectral domain) against
     * the FFE run here over the FIR's waveform: within 1e-12 of the peak times sum |w| */
    const int sps = a->sps, nffe = a->info.nffe;
    const double *w = a->info.ffe;
    double wsum = 0, edev = 0;
    for (int i = 0; i < nffe; i++) wsum += fabs(w[i]);
    const size_t B = unit_poly_block(&ua), RS = unit_poly_eye_stride(&ua);
    for (size_t m = a->warm; m < a->warm + 5000; m++) {
        const double *rows = unit_poly_eye_block(&ua, m / B);
        for (int r = 0; r < sps; r++) {
            double y = 0;
            for (int i = 0; i < nffe && (size_t)i <= m; i++) y += w[i] * ub.rx[(m - (size_t)i) * (size_t)sps + (size_t)r];
            edev = fmax(edev, fabs(rows[(size_t)r * RS + m % B] - y));
        }
    }
    cr_log_info("%s: eye samples, largest difference %.3g V", name, edev);
    cr_assert(edev <= 1e-12 * peak * wsum, "%s: an eye sample differs by %.3g V (peak %.4g V, sum |w| %.3g)", name, edev, peak, wsum);
    unit_free(&ua, a->nxt), unit_free(&ub, b->nxt);
    p4_link_destroy(a), p4_link_destroy(b);
}

#define QUIET "tx.snr_db=.inf", "rx.noise.eta0_v2_per_ghz=0", "rx.noise.rms_v=0", "rx.dsp.enable=true"

Test(poly, loss_model_with_jitter, .timeout = 120)
{
    const char *sets[] = {QUIET, "channel.il_nyquist_db=30", "tx.jitter.rj_ps=0.3", "tx.jitter.dcd_ps=0.5",
                          "rx.cdr.offset_ppm=50", "sim.unit_symbols=40000"};
    same_waveform("loss model 30 dB, RJ 0.3 ps, DCD 0.5 ps", sets, (int)(sizeof sets / sizeof *sets));
}

Test(poly, cable_assembly_with_aggressors, .timeout = 120)
{
    char th[600], xt[1300], f[2][600], chf[700];
    snprintf(th, sizeof th, "%s/CA_19p75dB_thru.s4p", channels_dir());
    snprintf(f[0], sizeof f[0], "%s/CA_19p75dB_fext1.s4p", channels_dir());
    snprintf(f[1], sizeof f[1], "%s/CA_19p75dB_next1.s4p", channels_dir());
    snprintf(chf, sizeof chf, "channel.file=%s", th);
    snprintf(xt, sizeof xt, "crosstalk.files=[%s, %s]", f[0], f[1]);
    const char *sets[] = {QUIET, "channel.type=touchstone", chf, xt, "crosstalk.amplitudes_v=[0.2, 0.2]",
                          "rx.ffe.taps=32", "rx.ffe.precursors=6", "sim.unit_symbols=40000"};
    same_waveform("cable assembly, 2 aggressors", sets, (int)(sizeof sets / sizeof *sets));
}

Test(poly, where_it_does_not_apply)
{
    const char *bb[] = {"rx.dsp.enable=true", "rx.cdr.detector=bangbang"};
    p4_link *l = make(bb, 2, "auto");
    cr_assert_null(l->poly, "the bang-bang CDR keeps the noise in the waveform");
    p4_link_destroy(l);
    const char *fl[] = {"rx.dsp.enable=false"};
    l = make(fl, 1, "auto");
    cr_assert_null(l->poly);
    p4_link_destroy(l);
}
