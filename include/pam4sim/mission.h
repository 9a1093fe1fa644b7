/* mission.h - the question pam4sim exists for, in one run: one 200GBASE-DR1-class lane, host to
 * host (host SerDes -> 200GAUI-1 host board -> module -> 500 m SMF -> module -> host board -> host
 * SerDes, KP4 at the host), through a DSP-retimed and an LPO module (or any rungs of the ladder)
 * side by side: what dropping the DSP costs in margin and buys in power and latency.
 *
 * Each figure comes from the engine that can give it:
 *   - Monte Carlo (arch.h's chained run, sim.symbols host symbols): the counted pre-FEC BER with its
 *     95 % interval, KP4's post-FEC BER and frame loss, the host's eye; the same run `compare` makes
 *     for the same configuration, so the two agree count for count;
 *   - the statistical engine (stat.h), each segment at stat.sps: the BER far below what a run can
 *     count, and the margins. A lane's margin is its worst segment's COM-style ratio
 *     20 log10(A_s / A_ni) at the target BER shared among the segments (module.h); the host-loss
 *     budget is the host channel loss at which that margin reaches 0 dB, the received-OMA budget
 *     the OMA at which it does (a secant search on the margin, smooth in both: a few evaluations
 *     each, the linear module's settings chosen again at every point); the margins in dB are the
 *     budget less the nominal value. Where a segment holds what the statistical engine does not
 *     model (a bit-true DSP receiver: its ADC, CDR, MLSE), it sees the floating-point equalizer
 *     the DSP is set up from; the Monte Carlo count is the check: the statistical BER must lie
 *     below the count's upper 95 % bound (`consistent`).
 */
#ifndef PAM4SIM_MISSION_H
#define PAM4SIM_MISSION_H
#include "pam4sim/arch.h"
#include "pam4sim/budget.h"
#include "pam4sim/latency.h"
#include "pam4sim/power.h"
#ifdef __cplusplus
extern "C" {
#endif

/* Statistical BER (sum over the segments) and margin (dB, 0 at the target) of architecture a at
 * configuration c, the linear module's settings chosen by the host (arch.h). */
p4_status p4_arch_stat(const p4_config *c, p4_arch a, double *ber, double *margin_db);

/* The value of a numeric key at which a's statistical margin reaches 0 dB, from `start` (whose
 * margin m_start is known, or NAN), with slope_guess the margin's expected change per unit of the
 * key (its sign: which way is worse), within [lo, hi]. out->x/ber hold the points evaluated (ber:
 * the margin in dB there). */
p4_status p4_arch_stat_budget(const p4_config *c, p4_arch a, const char *key, double start, double m_start, double slope_guess,
                              double lo, double hi, p4_budget *out);

typedef struct {
    p4_arch arch;
    p4_arch_plan plan;
    p4_chain_counts cc;
    double ber, ber_lo, ber_hi;                 /* Monte Carlo, host end to end               */
    double post_ber, post_lo, post_hi, flr, flr_lo, flr_hi;
    double eye_height;                          /* the host's middle eye at measure.eye_ber     */
    double stat_ber, margin_db;                 /* statistical, at the nominal configuration    */
    int consistent;                             /* stat_ber <= the count's upper 95 % bound     */
    const char *host_key;                       /* the key of the host channel's loss           */
    double host_nominal, oma_nominal;           /* [dB at Nyquist], [dBm]                        */
    p4_budget host, oma;                        /* statistical budgets                           */
    double host_margin_db, oma_margin_db;       /* budget - nominal (host), nominal - budget (OMA) */
    p4_latency lat;
    p4_power pw;
} p4_mission_arch;

typedef struct {
    int narch;
    p4_mission_arch r[P4_ARCH_COUNT];
    double seconds_mc, seconds_stat;
} p4_mission;

/* The default mission configuration: the comparison default (arch.h), 65536 host symbols. */
p4_status p4_mission_config_default(p4_config *c);
/* Run the mission for archs[0..narch) (with_budgets: the statistical budgets too). */
p4_status p4_mission_run(const p4_config *c, const p4_arch *archs, int narch, int with_budgets, p4_mission *m);
void p4_mission_free(p4_mission *m);

#ifdef __cplusplus
}
#endif
#endif
