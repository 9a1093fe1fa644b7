/* module.h - a module of lanes (a 1.6T module: 8 x 200G) through one architecture, and a population
 * of modules drawn from parameter spreads, for yield.
 *
 * Lanes. Lane k's configuration is the nominal one with its own seed (sim.seed + 7919 k) and, when
 * the host channel is a multi-lane Touchstone file, the file's lane k as the victim and every other
 * lane of the file as an aggressor (channel.lane = k + 1); a loss-model host channel is the same on
 * every lane. p4_module_run simulates each lane's chain (arch.h) with Monte Carlo, host to host
 * with KP4 at the host: pre- and post-FEC BER with 95 % intervals, frame loss, the host's eye; and
 * each lane's margin from the statistical engine (stat.h).
 *
 * Margin. A lane's margin to measure.target_ber is the statistical engine's COM-style ratio
 * 20 log10(A_s / A_ni) with A_ni the noise-and-interference amplitude exceeded with probability
 * target / nseg (stat.der0 for each of the chain's nseg segments, whose errors add up): 0 dB is a
 * lane at the target, +3 dB one whose noise and interference may grow by 3 dB. It goes on growing
 * where the BER itself has fallen below any grid, so a population's margins never saturate. The
 * lane's margin is its worst segment's; its statistical BER the sum of its segments'. The linear
 * module's CTLE settings are the ones the host chose for the nominal lane, kept for every drawn
 * module.
 *
 * Population. Module m draws each varied parameter (variation.*: a distribution, a width, drawn per
 * lane or once per module) from the stream (sim.seed, m, P4_STREAM_VARY): the same population for
 * any thread count. The lane's margin is the statistical engine's at the drawn configuration
 * (exact), or by default its first-order expansion about the nominal lane, M0 + sum_i s_i d_i,
 * with each slope s_i from a central difference of +-1 width (2 statistical evaluations per varied
 * parameter and lane, instead of one per drawn lane: 1000 modules x 8 lanes in seconds); the exact
 * mode checks it. A module passes when every lane's margin is at least module.margin_threshold_db;
 * the yield is the passing share. Which parameter drives failures: each parameter's correlation
 * with the module's worst-lane margin (for a per-lane parameter, its draw on the worst lane), ranked
 * by magnitude.
 */
#ifndef PAM4SIM_MODULE_H
#define PAM4SIM_MODULE_H
#include "pam4sim/arch.h"
#include "pam4sim/latency.h"
#include "pam4sim/power.h"

#ifdef __cplusplus
extern "C" {
#endif

#define P4_MODULE_MAX_LANES 16
#define P4_VARY_COUNT 8

/* The varied parameters: their names (variation.<name>) and the configuration key each moves
 * (the host loss key depends on the architecture: p4_arch_host_loss_key). */
const char *p4_vary_name(int i);
const char *p4_vary_key(int i, p4_arch a);

/* Lane k's nominal configuration (0-based). */
p4_status p4_module_lane_config(const p4_config *c, int k, p4_config *out);

/* A lane's statistical BER and margin through the plan's segments (their configurations). */
p4_status p4_lane_stat(const p4_arch_plan *plan, double target, double *ber, double *margin_db);

typedef struct {
    double ber, ber_lo, ber_hi;            /* pre-FEC at the host, end to end (Monte Carlo)  */
    uint64_t bits, bit_errors;
    double post_ber, post_lo, post_hi;     /* after KP4                                       */
    double flr, flr_lo, flr_hi;            /* KP4 frame loss ratio                            */
    uint64_t codewords, cw_lost;
    double eye_height;                     /* the host's middle eye at measure.eye_ber (normalized; NAN: too few samples) */
    double stat_ber, margin_db;            /* statistical engine                               */
} p4_lane_result;

typedef struct {
    p4_arch arch;
    int nlanes;
    p4_lane_result lane[P4_MODULE_MAX_LANES];
    int worst;                    /* the lane with the lowest margin (0-based)                 */
    double flr, flr_hi;           /* module: 1 - prod (1 - FLR_k), and with each lane's upper bound */
    double drv_peaking_db, tia_peaking_db; /* the linear module's settings (NAN where none)   */
    p4_power pw;
    p4_latency lat;
    double seconds;
} p4_module_result;

/* Simulate the lanes (configurations lanes[0..nlanes)) of architecture a: `symbols` host symbols
 * a lane (0: sim.symbols). host: the module's configuration (its power, FEC and host keys). */
p4_status p4_module_run(const p4_config *host, const p4_config *lanes, int nlanes, p4_arch a, uint64_t symbols, p4_module_result *r);

typedef struct {
    int nmod, nlanes, exact;
    double threshold_db;
    double *margin;               /* [nmod][nlanes]                                           */
    double *dev;                  /* [nmod][nlanes][P4_VARY_COUNT] deviations drawn            */
    double *worst;                /* [nmod] worst-lane margin                                  */
    int *worst_lane;              /* [nmod]                                                    */
    double yield;                 /* share of modules whose every lane passes                  */
    double worst_pct[5];          /* worst-lane margin at the 0, 1, 5, 50 and 95 % points      */
    double nominal[P4_MODULE_MAX_LANES];                  /* each lane's nominal margin        */
    double slope[P4_MODULE_MAX_LANES][P4_VARY_COUNT];     /* dB per unit of each parameter     */
    double corr[P4_VARY_COUNT];   /* correlation of each parameter with the worst-lane margin  */
    int rank[P4_VARY_COUNT];      /* parameters by |corr|, largest first                       */
    double seconds;
} p4_population;

/* Draw nmod modules of c's lanes (power.lanes_per_module of them) through architecture a and
 * evaluate every lane's margin (exact: the statistical engine at each draw; else the expansion). */
p4_status p4_module_population(const p4_config *c, p4_arch a, int nmod, int exact, p4_population *out);
void p4_population_free(p4_population *p);
/* The yield at another threshold, from the margins already computed. */
double p4_population_yield(const p4_population *p, double threshold_db);

#ifdef __cplusplus
}
#endif
#endif
