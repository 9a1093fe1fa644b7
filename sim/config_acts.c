/* config_acts.c - which configuration keys act on the link a configuration describes.
 *
 * A sweep over a key that cannot change the result prints identical rows and looks like an
 * answer ("the link does not care about its loss") when it is not one. Every key belongs to a
 * part of the link that one configuration switches on or off: the loss model, a Touchstone file,
 * a tap channel, the crosstalk files, the optical line (and its modulator type, fiber type, MPI),
 * the CTLE, the bit-true DSP receiver, the statistical or the Monte Carlo engine, or the
 * comparison of architectures (read by `compare` only). One table below holds, per key or key
 * prefix, the condition under which it acts and the reason written when it does not; keys not in
 * the table act on every link. The table errs towards "acts": a rule is only here where the code
 * that reads the key is skipped under the stated condition. COM (engine 'c') is the other way
 * round: a short list of the keys that enter it, because its parameter set holds the rest.
 *
 * The alternative rejected: a run of the link at two values of the key, compared. It costs a link
 * set-up per check, and equal results at two values do not prove the key has no effect.
 */
#include "pam4sim/config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef int (*acts_fn)(const p4_config *c, int engine);

static int is_model(const p4_config *c, int e) { return (void)e, !strcmp(c->ch_type, "model"); }
static int is_ts(const p4_config *c, int e) { return (void)e, !strcmp(c->ch_type, "touchstone"); }
static int any_ts(const p4_config *c, int e) { return is_ts(c, e) || c->n_xt_files > 0; }
static int is_taps(const p4_config *c, int e) { return (void)e, !strcmp(c->ch_type, "taps"); }
static int has_ch(const p4_config *c, int e) { return (void)e, strcmp(c->ch_type, "none") != 0; }
static int skin(const p4_config *c, int e) { return is_model(c, e) || (has_ch(c, e) && c->ch_extra_loss_db > 0); }
static int has_xt(const p4_config *c, int e) { return (void)e, c->n_xt_files > 0; }
static int optics(const p4_config *c, int e) { return (void)e, c->optics_enable; }
static int eml(const p4_config *c, int e) { return optics(c, e) && !strcmp(c->mod_type, "eml"); }
static int mzm(const p4_config *c, int e) { return optics(c, e) && !strcmp(c->mod_type, "mzm"); }
static int mmf(const p4_config *c, int e) { return optics(c, e) && !strcmp(c->fiber_type, "mmf"); }
static int mpi(const p4_config *c, int e) { return optics(c, e) && isfinite(c->mpi_db); }
static int ctle(const p4_config *c, int e) { return (void)e, c->ctle_enable; }
static int given_ffe(const p4_config *c, int e) { return (void)e, !strcmp(c->ffe_mode, "given"); }
static int has_dfe(const p4_config *c, int e) { return (void)e, c->dfe_taps > 0; }
static int sj(const p4_config *c, int e) { return (void)e, c->sj_ps > 0; }
static int mc(const p4_config *c, int e) { return (void)c, e != 's'; }
static int dsp(const p4_config *c, int e) { return mc(c, e) && c->dsp_enable; }
static int fec(const p4_config *c, int e) { return mc(c, e) && strcmp(c->fec_mode, "none"); }
static int st(const p4_config *c, int e) { return (void)c, e != 'm'; }
static int never(const p4_config *c, int e) { return (void)c, (void)e, 0; }

/* Why a rule's condition fails, in words (%1$s: the key). */
static const char *ch_is(const p4_config *c)
{
    return !strcmp(c->ch_type, "touchstone") ? "the channel is a Touchstone file"
         : !strcmp(c->ch_type, "model")      ? "the channel is the loss model"
         : !strcmp(c->ch_type, "taps")       ? "the channel is symbol-spaced taps"
                                             : "there is no channel (channel.type none)";
}

typedef struct {
    const char *key; /* a key, or a prefix ending in '.' */
    acts_fn acts;
    const char *why; /* %s: the key; a leading '@' is replaced by what the channel is */
    const char *why_stat; /* with the statistical engine, if it differs */
} rule;

#define DSP_WHY "rx.dsp.enable is false; %s applies to the bit-true DSP receiver", \
                "the statistical engine does not model the bit-true DSP receiver; %s applies to --engine mc with rx.dsp.enable"

/* The first matching rule decides; a key with no rule acts. */
static const rule rules[] = {
    {"channel.il_nyquist_db", is_model, "@; %s applies to the loss model", NULL},
    {"channel.length_mm", is_model, "@; %s applies to the loss model", NULL},
    {"channel.delay_ps_per_mm", is_model, "@; %s applies to the loss model", NULL},
    {"channel.reflection_coeff", is_model, "@; %s applies to the loss model", NULL},
    {"channel.reflection_delay_ps", is_model, "@; %s applies to the loss model", NULL},
    {"channel.skin_fraction", skin, "@ and channel.extra_loss_db is 0; %s shapes the loss model and the extra loss", NULL},
    {"channel.file", is_ts, "@; %s applies to channel.type touchstone", NULL},
    {"channel.length_scale", is_ts, "@; %s scales a Touchstone channel", NULL},
    {"channel.taps", is_taps, "@; %s applies to channel.type taps", NULL},
    {"channel.extra_loss_db", has_ch, "@; %s is a section in series with a channel", NULL},
    {"channel.port_order", any_ts, "there is no Touchstone file (channel or crosstalk); %s applies to those", NULL},
    {"channel.taper_fraction", any_ts, "there is no Touchstone file (channel or crosstalk); %s applies to those", NULL},
    {"channel.reference_ohm", any_ts, "there is no Touchstone file (channel or crosstalk); %s applies to those", NULL},
    {"channel.position", optics, "optics.enable is false; %s places the channel around the optical line", NULL},
    {"crosstalk.amplitudes_v", has_xt, "crosstalk.files is empty; %s applies to the aggressors", NULL},
    {"optics.enable", NULL, NULL, NULL}, /* acts always; listed before the optics. prefix */
    {"optics.eml.", eml, "the optical line is off or its modulator is not an EML; %s applies to optics.modulator.type eml", NULL},
    {"optics.mzm.", mzm, "the optical line is off or its modulator is not a Mach-Zehnder; %s applies to optics.modulator.type mzm", NULL},
    {"optics.fiber.modal_bandwidth_mhz_km", mmf, "the optical line is off or its fiber is single-mode; %s applies to optics.fiber.type mmf", NULL},
    {"optics.mpi.delay_ns", mpi, "the optical line is off or optics.mpi.crosstalk_db is -inf (no MPI); %s is the reflection's delay", NULL},
    {"optics.", optics, "optics.enable is false; %s applies to the optical line", NULL},
    {"rx.ctle.enable", NULL, NULL, NULL},
    {"rx.ctle.", ctle, "rx.ctle.enable is false; %s applies to the CTLE", NULL},
    {"rx.ffe.coefficients", given_ffe, "rx.ffe.mode is mmse; %s applies to rx.ffe.mode given", NULL},
    {"rx.dfe.coefficients", has_dfe, "rx.dfe.taps is 0; %s applies to the DFE", NULL},
    {"rx.dsp.enable", mc, "the statistical engine does not model the bit-true DSP receiver (%s); use --engine mc", NULL},
    {"rx.dsp.", dsp, DSP_WHY},
    {"rx.adc.", dsp, DSP_WHY},
    {"rx.cdr.", dsp, DSP_WHY},
    {"rx.mlse.", dsp, DSP_WHY},
    {"rx.ffe.lms_step", dsp, DSP_WHY},
    {"rx.ffe.train_step", dsp, DSP_WHY},
    {"rx.ffe.train_symbols", dsp, DSP_WHY},
    {"rx.dfe.lms_step", dsp, DSP_WHY},
    {"rx.dfe.train_step", dsp, DSP_WHY},
    {"tx.jitter.sj_mhz", sj, "tx.jitter.sj_ps is 0; %s is the frequency of the sinusoidal jitter", NULL},
    {"tx.pattern", mc, "the statistical engine takes every symbol sequence as equally likely; %s applies to --engine mc", NULL},
    {"fec.", fec, "fec.mode is none or the engine is statistical; %s applies to the FEC in the Monte Carlo run", NULL},
    {"sim.sps", mc, "the statistical engine builds the link at stat.sps; %s applies to --engine mc", NULL},
    {"sim.symbols", mc, "the statistical engine simulates no symbols; %s applies to --engine mc", NULL},
    {"sim.noise", mc, "the statistical engine has no noise samples; %s applies to --engine mc", NULL},
    {"sim.unit_symbols", mc, "the statistical engine simulates no symbols; %s applies to --engine mc", NULL},
    {"measure.eye_symbols", mc, "the statistical engine simulates no symbols; %s applies to --engine mc", NULL},
    {"measure.eye_ber", mc, "the statistical engine's eyes are at stat.eye_ber; %s applies to --engine mc", NULL},
    {"stat.", st, "the Monte Carlo engine counts errors; %s applies to the statistical engine", NULL},
    {"sim.threads", never, "the results do not depend on %s (work units carry their own random streams)", NULL},
    {"tdecq.", never, "%s sets the TDECQ measurement, which is not one of the link's BER, margin and eye figures", NULL},
    {"dsp.", never, "%s sets latency figures only, not the link's BER, margins or eyes", NULL},
    {"module.", never, "%s describes the module DSP of `pam4sim compare`'s architectures, not this link", NULL},
    {"lpo.", never, "%s describes the linear module of `pam4sim compare`'s architectures, not this link", NULL},
    {"compare.", never, "%s sets `pam4sim compare`'s budget searches, not this link", NULL},
    {"power.", never, "%s sets power figures only, not the link's BER, margins or eyes", NULL},
    {"com.", never, "%s sets the COM computation (sweep --engine com), not the link's BER, margins or eyes", NULL},
};

/* COM (engine 'c') takes the thru, its scaling and the aggressor files from the configuration and
 * everything else (equalizer, noise, package, amplitudes, f_b) from its parameter set: the keys
 * that enter it, the rest refused with this reason. */
static const char *const com_keys[] = {"com.", "channel.file", "channel.length_scale", "channel.extra_loss_db",
                                       "channel.port_order", "crosstalk.files"};
#define COM_WHY "%s does not enter COM: its equalizer, noise, package, amplitudes and f_b are the parameter set's (com.params)"

static int matches(const char *pat, const char *key)
{
    size_t n = strlen(pat);
    return pat[n - 1] == '.' ? !strncmp(pat, key, n) : !strcmp(pat, key);
}

int p4_config_key_acts(const p4_config *c, const char *key, int engine, char *why, size_t n)
{
    if (why && n) why[0] = 0;
    if (!p4_config_has_key(key)) return -1;
    if (engine == 'c') {
        int in = !strcmp(key, "channel.skin_fraction") && c->ch_extra_loss_db > 0; /* the extra section's shape */
        for (size_t i = 0; i < sizeof com_keys / sizeof com_keys[0]; i++) in |= matches(com_keys[i], key);
        if (!in && why && n) snprintf(why, n, COM_WHY, key);
        return in;
    }
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        const rule *r = &rules[i];
        if (!matches(r->key, key)) continue;
        if (!r->acts || !r->why || r->acts(c, engine)) return 1;
        if (why && n) {
            const char *w = engine == 's' && r->why_stat ? r->why_stat : r->why;
            if (w[0] == '@') {
                char tail[256];
                snprintf(tail, sizeof tail, w + 1, key);
                snprintf(why, n, "%s%s", ch_is(c), tail);
            } else
                snprintf(why, n, w, key);
        }
        return 0;
    }
    return 1;
}
