/* test_channel_scale.c - a measured channel scaled in length (channel.length_scale) and with a
 * loss-model section in series (channel.extra_loss_db): losses against k times the file's own,
 * group delay against k times the file's, H^2 against H x H, k = 1 against the plain reader, the
 * crosstalk paths scaled with the thru, and which keys act on which configuration. */
#include "testutil.h"
#include <math.h>
#include <string.h>

/* SDD21 of the cable assembly's thru at its file points. */
static p4_touchstone *ca_thru(double complex **h)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/CA_19p75dB_thru.s4p", channels_dir());
    p4_touchstone *ts = p4_touchstone_read(path);
    cr_assert_not_null(ts, "%s", p4_last_error());
    int order[4];
    cr_assert_eq(p4_touchstone_port_order(ts, NULL, order), P4_OK);
    *h = malloc(ts->nfreq * sizeof **h);
    cr_assert_eq(p4_touchstone_sdd21(ts, order, *h), P4_OK);
    return ts;
}

#define NGRID 65536
#define FS (106.25e9 * 16)

/* Group delay at f from the grid: minus the phase step between neighbouring bins over 2 pi df
 * (on a grid fine enough that the step stays below pi: 6.5 MHz bins for the cable's 20 ns at k 2). */
static double group_delay_s(const p4_fresp *r, double f)
{
    size_t k = (size_t)(f * r->n / r->fs_hz);
    double d = carg(r->H[k + 1] / r->H[k]);
    return -d / (2 * M_PI * r->fs_hz / (double)r->n);
}

/* |H|^k: the insertion loss at the three reporting frequencies is k times the file's (the file's
 * own loss, interpolated from its points by p4_interp_db), within 0.05 dB; the group delay is k
 * times the file's within 1 %. */
Test(channel_scale, loss_and_delay_are_k_times_the_files, .timeout = 60)
{
    double complex *h;
    p4_touchstone *ts = ca_thru(&h);
    const double f[3] = {13.28e9, 26.56e9, 53.125e9}, ks[4] = {0.5, 0.8, 1.5, 2.0};
    p4_fresp *one = p4_fresp_create(4 * NGRID, FS);
    cr_assert_eq(p4_fresp_from_samples(one, ts->freq_hz, h, ts->nfreq, 0.1), P4_OK);
    for (int i = 0; i < 4; i++) {
        p4_fresp *r = p4_fresp_create(4 * NGRID, FS);
        cr_assert_eq(p4_fresp_from_samples_pow(r, ts->freq_hz, h, ts->nfreq, 0.1, ks[i]), P4_OK);
        for (int j = 0; j < 3; j++) {
            double il = -p4_fresp_db_at(r, f[j]), file = -p4_interp_db(ts->freq_hz, h, ts->nfreq, f[j]);
            cr_assert(fabs(il - ks[i] * file) <= 0.05, "k %g: IL %.3f dB at %.3f GHz, k x file %.3f dB", ks[i], il,
                      f[j] * 1e-9, ks[i] * file);
        }
        double t1 = group_delay_s(one, 13.28e9), tk = group_delay_s(r, 13.28e9);
        cr_assert(t1 > 1e-9, "the cable's delay %.3g s", t1);
        cr_assert(fabs(tk - ks[i] * t1) <= 0.01 * ks[i] * t1, "k %g: group delay %.4g ns, k x file %.4g ns", ks[i],
                  tk * 1e9, ks[i] * t1 * 1e9);
        p4_fresp_free(r);
    }
    p4_fresp_free(one);
    free(h);
    p4_touchstone_free(ts);
}

/* The cable's thru on the grid as |h|^power (a) and by the plain reader (b). */
static void both_grids(double power, p4_fresp **a, p4_fresp **b)
{
    double complex *h;
    p4_touchstone *ts = ca_thru(&h);
    *a = p4_fresp_create(NGRID, FS), *b = p4_fresp_create(NGRID, FS);
    cr_assert_eq(p4_fresp_from_samples_pow(*a, ts->freq_hz, h, ts->nfreq, 0.1, power), P4_OK);
    cr_assert_eq(p4_fresp_from_samples(*b, ts->freq_hz, h, ts->nfreq, 0.1), P4_OK);
    free(h);
    p4_touchstone_free(ts);
}

/* k = 2 is the file cascaded with itself: H^2 against H x H below the taper (0.02 dB, 0.01 rad;
 * they differ only by interpolating |h|^2 rather than |h| between the 10 MHz file points). */
Test(channel_scale, square_is_the_cascade_of_two, .timeout = 60)
{
    p4_fresp *a, *b;
    both_grids(2, &a, &b);
    p4_fresp_mul(b, b);
    double worst_db = 0, worst_rad = 0;
    for (size_t k = 1; p4_fresp_freq(a, k) < 53.125e9; k++) {
        double db = 20 * log10(cabs(a->H[k]) / cabs(b->H[k])), ph = fabs(carg(a->H[k] / b->H[k]));
        worst_db = fmax(worst_db, fabs(db)), worst_rad = fmax(worst_rad, ph);
    }
    cr_assert(worst_db < 0.02 && worst_rad < 0.01, "H^2 vs H x H: %.4f dB, %.4f rad", worst_db, worst_rad);
    p4_fresp_free(a), p4_fresp_free(b);
}

/* k = 1 takes no pow(): the grid is the plain reader's bit for bit, so a link with the key at 1
 * is the link without it (the reference vectors pin that link's pulse). */
Test(channel_scale, unit_scale_is_the_file_exactly, .timeout = 60)
{
    p4_fresp *a, *b;
    both_grids(1, &a, &b);
    cr_assert(!memcmp(a->H, b->H, (NGRID / 2 + 1) * sizeof *a->H), "k = 1 differs from the file");
    p4_fresp_free(a), p4_fresp_free(b);
}

static p4_link *ca_link(double k, double extra_db, int with_xt)
{
    p4_config c;
    p4_config_default(&c);
    char s[1200];
    snprintf(s, sizeof s, "channel.file=%s/CA_19p75dB_thru.s4p", channels_dir());
    cr_assert_eq(p4_config_set(&c, "channel.type=touchstone"), P4_OK);
    cr_assert_eq(p4_config_set(&c, s), P4_OK);
    if (with_xt) {
        snprintf(s, sizeof s, "crosstalk.files=[%s/CA_19p75dB_fext1.s4p, %s/CA_19p75dB_next1.s4p]", channels_dir(),
                 channels_dir());
        cr_assert_eq(p4_config_set(&c, s), P4_OK);
    }
    snprintf(s, sizeof s, "channel.length_scale=%.17g", k);
    cr_assert_eq(p4_config_set(&c, s), P4_OK, "%s", p4_last_error());
    snprintf(s, sizeof s, "channel.extra_loss_db=%.17g", extra_db);
    cr_assert_eq(p4_config_set(&c, s), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_config_set(&c, "rx.ctle.g_dc_db=-8"), P4_OK); /* one CTLE: a fast set-up */
    cr_assert_eq(p4_config_set(&c, "channel.impulse_max_ui=2048"), P4_OK); /* the crosstalk files whole */
    cr_assert_eq(p4_config_set(&c, "rx.ctle.g_dc_hp_db=-2"), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    return l;
}

/* The link reports the scaled loss at Nyquist: k x 35.77 dB (vectors/channels/README.md) plus the
 * extra loss, within 0.05 dB. */
Test(channel_scale, the_link_reports_the_scaled_loss, .timeout = 120)
{
    const double ks[3] = {0.6, 1.0, 1.3}, ex[3] = {0, 4, 2.5};
    for (int i = 0; i < 3; i++) {
        p4_link *l = ca_link(ks[i], ex[i], 0);
        const p4_link_info *in = p4_link_info_get(l);
        cr_assert_float_eq(in->channel_il_file_db, 35.77, 0.05);
        cr_assert(fabs(in->channel_il_nyquist_db - (ks[i] * 35.77 + ex[i])) <= 0.05, "k %g + %g dB: IL %.3f dB", ks[i], ex[i],
                  in->channel_il_nyquist_db);
        p4_link_destroy(l);
    }
}

/* |DFT of a sampled response| at f [Hz], fs the sample rate. */
static double mag_at(const double *x, int n, double f, double fs)
{
    double complex acc = 0;
    for (int i = 0; i < n; i++) acc += x[i] * cexp(-2 * M_PI * I * f * i / fs);
    return cabs(acc);
}

/* Consistency with the aggressors: the scaling is a section in series at the receiver, which the
 * thru and every crosstalk path pass alike, so each aggressor's response relative to the thru's
 * (both at the sampler, through the same CTLE) is the same at k = 1.4 plus 3 dB as at k = 1: the
 * dB difference, averaged in magnitude over 10..40 GHz in 1 GHz steps (below 10 GHz the NEXT
 * file lies 60-120 dB under the thru, at its numerical floor), within 0.1 dB (single
 * frequencies move by up to a few tenths at the crosstalk files' notches, where the truncated FIRs
 * resolve the fine structure differently). Had the aggressors been left alone, the ratio would
 * move by 0.4 x the thru's loss plus 3 dB: 5 to 13 dB over that band. */
Test(channel_scale, aggressors_keep_their_ratio_to_the_thru, .timeout = 180)
{
    p4_link *a = ca_link(1, 0, 1), *b = ca_link(1.4, 3, 1);
    p4_link_view v[2];
    p4_link_view_get(a, &v[0]), p4_link_view_get(b, &v[1]);
    cr_assert_eq(v[0].nxt, 2);
    double fs = 106.25e9 * v[0].sps;
    for (int x = 0; x < 2; x++) {
        double dev = 0;
        int nf = 0;
        for (double f = 10e9; f <= 40e9; f += 1e9, nf++) {
            double r[2];
            for (int s = 0; s < 2; s++)
                r[s] = 20 * log10(mag_at(v[s].xt_pulse[x], v[s].xt_len[x], f, fs) / mag_at(v[s].pulse, v[s].pulse_len, f, fs));
            dev += fabs(r[1] - r[0]);
        }
        cr_assert(dev / nf < 0.1, "aggressor %d: its ratio to the thru moves by %.3f dB on average", x, dev / nf);
    }
    p4_link_destroy(a), p4_link_destroy(b);
}

/* Which keys act: the loss model's keys on a Touchstone channel do not, with the reason; the
 * scaling keys on the loss model are refused by validation. */
Test(channel_scale, keys_that_do_not_act_are_named)
{
    p4_config c;
    p4_config_default(&c);
    char why[512];
    cr_assert_eq(p4_config_key_acts(&c, "channel.il_nyquist_db", 0, why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "channel.length_scale", 0, why, sizeof why), 0);
    cr_assert_eq(p4_config_key_acts(&c, "no.such_key", 0, why, sizeof why), -1);
    cr_assert_eq(p4_config_set(&c, "channel.type=touchstone"), P4_OK);
    cr_assert_eq(p4_config_key_acts(&c, "channel.il_nyquist_db", 0, why, sizeof why), 0);
    cr_assert_str_eq(why, "the channel is a Touchstone file; channel.il_nyquist_db applies to the loss model");
    cr_assert_eq(p4_config_key_acts(&c, "channel.length_scale", 0, why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "channel.skin_fraction", 0, why, sizeof why), 0);
    cr_assert_eq(p4_config_set(&c, "channel.extra_loss_db=3"), P4_OK);
    cr_assert_eq(p4_config_key_acts(&c, "channel.skin_fraction", 0, why, sizeof why), 1);
    /* engines, the optical line, the DSP receiver, keys of compare only, the thread count */
    cr_assert_eq(p4_config_key_acts(&c, "stat.bins", 'm', why, sizeof why), 0);
    cr_assert_eq(p4_config_key_acts(&c, "stat.bins", 's', why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "sim.symbols", 's', why, sizeof why), 0);
    cr_assert_eq(p4_config_key_acts(&c, "optics.fiber.length_m", 'm', why, sizeof why), 0);
    cr_assert(strstr(why, "optics.enable is false"), "%s", why);
    cr_assert_eq(p4_config_key_acts(&c, "optics.enable", 'm', why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "rx.cdr.bandwidth_mhz", 'm', why, sizeof why), 0);
    cr_assert_eq(p4_config_set(&c, "rx.dsp.enable=true"), P4_OK);
    cr_assert_eq(p4_config_key_acts(&c, "rx.cdr.bandwidth_mhz", 'm', why, sizeof why), 1);
    cr_assert_eq(p4_config_key_acts(&c, "rx.cdr.bandwidth_mhz", 's', why, sizeof why), 0);
    cr_assert_eq(p4_config_key_acts(&c, "compare.host_il_max_db", 0, why, sizeof why), 0);
    cr_assert_eq(p4_config_key_acts(&c, "sim.threads", 0, why, sizeof why), 0);
    cr_assert_eq(p4_config_key_acts(&c, "rx.noise.eta0_v2_per_ghz", 's', why, sizeof why), 1);

    p4_config_default(&c);
    cr_assert_eq(p4_config_set(&c, "channel.length_scale=2"), P4_OK);
    cr_assert_neq(p4_config_validate(&c), P4_OK, "length_scale on the loss model accepted");
    cr_assert(strstr(p4_last_error(), "channel.length_scale"), "%s", p4_last_error());
    cr_assert_neq(p4_config_set(&c, "channel.length_scale=0"), P4_OK, "a zero length accepted");
    cr_assert_neq(p4_config_set(&c, "channel.extra_loss_db=-1"), P4_OK, "a gain accepted as loss");
}
