/* test_cdr.c - the DSP receiver's clock acquisition over a grid of starting phases and clock
 * offsets, on four channels: an ideal one (no ISI: the Mueller-Mueller detector has no gain), the
 * default 28 dB loss model, the cable assembly's thru channel and the DR1 optical line.
 *
 * For every one of 16 initial phases across [-0.5, 0.5) UI and 5 offsets across +-200 ppm, one
 * work unit (its own seed: its own data and noise) must show no cycle slip after acquisition, and
 * the BER pooled over the grid must agree with the floating-point receiver's (ideal sampler at the
 * design phase, MMSE equalizer in doubles) on the same channel: their 95 % intervals overlap (the
 * DSP's is the wider of Clopper-Pearson and the spread of the 80 points' BERs). On the cable
 * assembly the DSP's 8-bit ADC and 10-bit taps alone cost 1.6x in BER at a fixed ideal clock, so
 * the reference there is the same DSP receiver started at 0 UI and 0 ppm on the same data and
 * noise. The ADC is given its full ENOB so that the receivers see the same noise; on the default
 * channel the noise is raised so that there are errors to compare. Before the acquisition aid, the
 * Mueller-Mueller loop started near half a UI hung on its unstable point and slipped, and on the
 * ideal channel it drifted to the eye's edge (1.4e-3 on the DR1 comparison's first segment).
 */
#include "testutil.h"
#include <math.h>
#include <string.h>

enum { NPHASE = 16, NPPM = 5, UNIT = 8192 };

/* The 95 % interval of a BER pooled over the grid's points: the wider of Clopper-Pearson and the
 * interval of the mean of the points' BERs (sum sb, squares sb2): each unit of an adaptive receiver
 * converges to its own taps and phase, so its errors are over-dispersed. */
static void interval(uint64_t err, uint64_t bits, double sb, double sb2, double *lo, double *hi)
{
    const double np = NPHASE * NPPM, mean = sb / np, sd = sqrt(fmax(0, (sb2 - np * mean * mean) / (np - 1)));
    p4_clopper_pearson(err, bits, lo, hi);
    *lo = fmin(*lo, mean - 1.99 * sd / sqrt(np)), *hi = fmax(*hi, mean + 1.99 * sd / sqrt(np));
}

/* ref_float: compare with the floating-point receiver; 0: with the same DSP receiver started at the
 * nominal phase and frequency (where its fixed-point formats alone cost more than the interval) */
static void grid(const char *name, const char *const *sets, int nsets, int ref_float)
{
    p4_config c;
    config_with(&c, sets, nsets);
    char unit[64];
    snprintf(unit, sizeof unit, "sim.unit_symbols=%d", UNIT);
    cr_assert_eq(p4_config_set(&c, unit), P4_OK);
    cr_assert_eq(p4_config_set(&c, "sim.threads=1"), P4_OK); /* the four tests run side by side */
    cr_assert_eq(p4_config_set(&c, "rx.adc.enob=auto"), P4_OK);
    cr_assert_eq(p4_config_set(&c, "measure.eye_symbols=0"), P4_OK);
    p4_config cf = c;
    cr_assert_eq(p4_config_set(&c, "rx.dsp.enable=true"), P4_OK);
    cr_assert_eq(p4_config_set(&cf, "rx.dsp.enable=false"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s: %s", name, p4_last_error());
    uint64_t err = 0, bits = 0, slips = 0, worst_slips = 0;
    double sb = 0, sb2 = 0; /* per-point BER sums: the spread between units an adaptive receiver has */
    uint64_t rerr = 0, rbits = 0;
    double rb = 0, rb2 = 0;
    double worst_ph = 0, worst_ppm = 0;
    for (int ip = 0; ip < NPPM; ip++)
        for (int k = 0; k < NPHASE; k++) {
            double ph = -0.5 + (double)k / NPHASE, ppm = -200 + 100.0 * ip;
            cr_assert_eq(p4_link_set_clock(l, ph, ppm), P4_OK, "%s", p4_last_error());
            cr_assert_eq(p4_link_set_seed(l, 1 + ip * NPHASE + k), P4_OK, "%s", p4_last_error());
            p4_counts n;
            cr_assert_eq(p4_link_run(l, UNIT, &n), P4_OK, "%s", p4_last_error());
            err += n.bit_errors, bits += n.bits, slips += n.fec.cdr_slips;
            double b = (double)n.bit_errors / (double)n.bits;
            sb += b, sb2 += b * b;
            if (n.fec.cdr_slips > worst_slips) worst_slips = n.fec.cdr_slips, worst_ph = ph, worst_ppm = ppm;
            p4_counts_free(&n);
            if (!ref_float) { /* the reference on the same data and noise */
                cr_assert_eq(p4_link_set_clock(l, 0, 0), P4_OK, "%s", p4_last_error());
                cr_assert_eq(p4_link_run(l, UNIT, &n), P4_OK, "%s", p4_last_error());
                rerr += n.bit_errors, rbits += n.bits;
                b = (double)n.bit_errors / (double)n.bits;
                rb += b, rb2 += b * b;
                p4_counts_free(&n);
            }
        }
    p4_link_destroy(l);
    double dlo, dhi, flo, fhi;
    interval(err, bits, sb, sb2, &dlo, &dhi);
    uint64_t ferr = rerr, fbits = rbits;
    if (ref_float) {
        p4_link *lf = p4_link_create(&cf);
        cr_assert_not_null(lf, "%s: %s", name, p4_last_error());
        p4_counts nf;
        cr_assert_eq(p4_link_set_seed(lf, 1000), P4_OK, "%s", p4_last_error());
        cr_assert_eq(p4_link_run(lf, bits / 2, &nf), P4_OK, "%s", p4_last_error());
        ferr = nf.bit_errors, fbits = nf.bits;
        p4_clopper_pearson(ferr, fbits, &flo, &fhi);
        p4_counts_free(&nf);
        p4_link_destroy(lf);
    } else
        interval(rerr, rbits, rb, rb2, &flo, &fhi);
    printf("CDR grid %-22s %d phases x %d offsets: %llu slips; DSP BER %.3g (%llu of %llu, CI %.3g .. %.3g), "
           "%s BER %.3g (%llu of %llu, CI %.3g .. %.3g) (seeds 1..80, 1000)\n",
           name, NPHASE, NPPM, (unsigned long long)slips, (double)err / (double)bits, (unsigned long long)err,
           (unsigned long long)bits, dlo, dhi, ref_float ? "float" : "DSP from 0 UI, 0 ppm", (double)ferr / (double)fbits, (unsigned long long)ferr,
           (unsigned long long)fbits, flo, fhi);
    cr_expect_eq(slips, 0, "%s: %llu cycle slips (worst: %llu from %.4f UI at %.0f ppm)", name,
                 (unsigned long long)slips, (unsigned long long)worst_slips, worst_ph, worst_ppm);
    cr_expect(dlo <= fhi && flo <= dhi, "%s: DSP BER interval %.3g .. %.3g and the reference's %.3g .. %.3g do not overlap",
              name, dlo, dhi, flo, fhi);
}

/* the first segment of the DR1 comparison: the host's TX straight into the module DSP */
Test(cdr, acquires_on_an_ideal_channel, .timeout = 300)
{
    const char *sets[] = {"channel.type=none", "tx.filter=none", "tx.snr_db=.inf", "tx.ffe_taps=[0, 1, 0]",
                          "tx.rlm=1", "tx.jitter.rj_ps=0.094", "tx.jitter.dcd_ps=0.2", "rx.noise.eta0_v2_per_ghz=0",
                          "rx.noise.filter_ghz=0", "rx.ctle.enable=false", "rx.ffe.taps=32", "rx.ffe.precursors=6"};
    grid("ideal channel", sets, sizeof sets / sizeof *sets, 1);
}

Test(cdr, acquires_on_the_default_channel, .timeout = 300)
{
    const char *sets[] = {"rx.noise.rms_v=0.0024"};
    grid("default 28 dB", sets, sizeof sets / sizeof *sets, 1);
}

Test(cdr, acquires_on_the_cable_assembly, .timeout = 300)
{
    char f[512];
    snprintf(f, sizeof f, "channel.file=%s/CA_19p75dB_thru.s4p", channels_dir());
    const char *sets[] = {"channel.type=touchstone", f, "rx.ffe.taps=32", "rx.ffe.precursors=6"};
    grid("cable assembly thru", sets, sizeof sets / sizeof *sets, 0);
}

Test(cdr, acquires_on_the_dr1_line, .timeout = 300)
{
    const char *sets[] = {"tx.amplitude_v=0.5", "tx.rlm=1", "tx.ffe_taps=[0, 1, 0]", "tx.filter=none", "tx.snr_db=.inf",
                          "tx.jitter.dcd_ps=0.2", "channel.type=none", "optics.enable=true",
                          "optics.driver.bandwidth_ghz=70", "optics.laser.power_dbm=8", "optics.rx.oma_dbm=-9",
                          "rx.noise.eta0_v2_per_ghz=0", "rx.noise.filter_ghz=0", "rx.ctle.enable=false",
                          "rx.ffe.precursors=6", "tdecq.optimize=false", "tdecq.in_run=false"};
    grid("DR1 line at -9 dBm OMA", sets, sizeof sets / sizeof *sets, 1);
}

/* The bang-bang detector on lossy channels (edges moved by ISI 0.07 and 0.10 UI rms), over long
 * units (3e5 symbols: a loop that wanders needs time to reach the eye's edge): with its gain
 * estimated from the ISI and noise at the edge, the loop has its configured bandwidth and stays
 * within a few times the Mueller-Muller receiver's BER on the same data and noise. With the gain
 * from the noise alone it ran 3-10x too slow and wandered: here BER 6.7e-6 at 30 dB and 5.05e-3 at
 * 32 dB, where Mueller-Muller gives none. Beyond 0.12 UI (0.15 UI at 34 dB) the link warns. */
Test(cdr, bang_bang_holds_its_lock_on_lossy_channels, .timeout = 300)
{
    const char *il[] = {"channel.il_nyquist_db=30", "channel.il_nyquist_db=32"};
    for (int k = 0; k < 2; k++) {
        double ber[2], hi[2], lo;
        for (int d = 0; d < 2; d++) {
            const char *sets[] = {il[k], d ? "rx.cdr.detector=bangbang" : "rx.cdr.detector=mm", "rx.dsp.enable=true",
                                  "sim.symbols=300000", "sim.unit_symbols=300000", "measure.eye_symbols=0", "sim.seed=3"};
            p4_counts n;
            p4_link *l = run_link(sets, 7, &n, NULL);
            ber[d] = (double)n.bit_errors / (double)n.bits;
            p4_clopper_pearson(n.bit_errors, n.bits, &lo, &hi[d]);
            cr_expect_eq(n.fec.cdr_slips, 0, "%s %s: %llu slips", il[k], sets[1], (unsigned long long)n.fec.cdr_slips);
            const p4_link_info *in = p4_link_info_get(l);
            for (int i = 0; d && i < in->nwarn; i++)
                cr_expect_null(strstr(in->warn[i], "bang-bang detector reads the edges"), "%s: warned below the limit: %s",
                               il[k], in->warn[i]);
            p4_counts_free(&n);
            p4_link_destroy(l);
        }
        printf("bang-bang at %s: BER %.3g (Mueller-Muller %.3g, 95 %% upper %.3g) (seed 3)\n", il[k], ber[1], ber[0], hi[0]);
        cr_expect(ber[1] <= fmax(10 * hi[0], 3e-5), "%s: bang-bang BER %.3g against Mueller-Muller's %.3g (upper %.3g)",
                  il[k], ber[1], ber[0], hi[0]);
    }
}

/* Where the edges move by more than BB_EDGE_RMS_MAX the link says so. */
Test(cdr, bang_bang_warns_where_its_edges_are_unreliable)
{
    const char *sets[] = {"channel.il_nyquist_db=36", "rx.cdr.detector=bangbang", "rx.dsp.enable=true"};
    p4_config c;
    config_with(&c, sets, 3);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    const p4_link_info *in = p4_link_info_get(l);
    int found = 0;
    for (int i = 0; i < in->nwarn; i++) found |= strstr(in->warn[i], "bang-bang detector reads the edges") != NULL;
    cr_assert(found, "no warning about the bang-bang detector's edges at 36 dB");
    p4_link_destroy(l);
}
