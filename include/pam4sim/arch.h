/* arch.h - link architectures: one lane, host to host, as a chain of segments (DESIGN "The pipeline").
 *
 * A configuration describes the host (tx.*: the host SerDes TX, which a module's host-side TX also
 * is; channel.*: the host board, 200GAUI-1 C2M, the same at both ends; rx.*: the host SerDes RX),
 * the optical line (optics.*), the module's DSP (module.*) and the linear module's settings (lpo.*).
 * From it, p4_arch_plan_make builds each architecture's segments as link configurations:
 *
 *   DSP-retimed  host TX -> C2M -> module DSP RX  =>  module DSP TX -> optics -> module DSP RX
 *                =>  module DSP TX (as tx.*) -> C2M -> host RX
 *   LPO          host TX -> C2M -> linear driver -> optics -> linear TIA -> C2M -> host RX (one segment)
 *   LRO          host TX -> C2M -> module DSP RX  =>  module DSP TX -> optics -> linear TIA -> C2M -> host RX
 *   NPO          as LPO (or, with npo.retimed, as DSP-retimed), the host channel the short board trace
 *                from the switch package to the optical engine (npo.host_il_db, npo.host_length_mm)
 *   CPO          as LPO, the host channel the die-to-engine path on the switch substrate
 *                (cpo.host_il_db, cpo.host_length_mm); with an external laser source the laser's
 *                power at the modulator is cpo.els_loss_db lower
 *
 * "=>" is a decision point: the next segment transmits the previous one's decisions. Module DSP
 * receivers are bit-true (rx.dsp, with module.rx's equalizer); the host RX is as rx.* says. The
 * module's line TX is a linear DAC (RLM 1, module.tx.*) into the driver; a retimed module's driver
 * and TIA are flat, a linear module's take the CTLE peaking the host chooses among lpo.* by the
 * MMSE SNR of the whole segment (a coordinate search: driver first, then TIA). Each segment has
 * its own seed (sim.seed + 1000003 k), FEC off: the host encodes and decodes KP4 end to end.
 *
 * p4_chain_run simulates the chain in work units: the host's data (its KP4 frames or tx.pattern)
 * go into the first segment, each segment's decisions into the next, and the host's decisions are
 * counted against the data (pre-FEC BER, error events, KP4 per codeword). Each segment is also
 * counted against its own input on the same symbols. A unit's random streams come from (segment
 * seed, unit, stream), so the result does not depend on the number of threads.
 */
#ifndef PAM4SIM_ARCH_H
#define PAM4SIM_ARCH_H
#include "pam4sim/config.h"
#include "pam4sim/link.h"
#include "pam4sim/measure.h"
#ifdef __cplusplus
extern "C" {
#endif

/* The integration ladder, from the pluggable retimed module to co-packaged optics. */
typedef enum { P4_ARCH_RETIMED = 0, P4_ARCH_LPO, P4_ARCH_LRO, P4_ARCH_NPO, P4_ARCH_CPO, P4_ARCH_COUNT } p4_arch;

#define P4_ARCH_MAX_SEG 3

typedef struct {
    p4_arch arch;
    int nseg;
    struct {
        char name[96];
        p4_config cfg;  /* the segment as a link */
        int tx_dsp;     /* its transmitter is a module DSP (re-timed symbols) */
        int optical;
    } seg[P4_ARCH_MAX_SEG];
    double drv_peaking_db, tia_peaking_db; /* the linear module's settings (NAN where it has none) */
} p4_arch_plan;

/* The comparison default: the built-in default with a 12 dB (at Nyquist), 100 mm C2M host board,
 * a 70 GHz driver, an 8 dBm laser (the DR1 line of examples/dr1.yaml), KP4, 400000 symbols. */
p4_status p4_arch_config_default(p4_config *c);

/* "DSP-retimed", "LPO", "LRO", "NPO", "CPO"; and the short key "retimed", "lpo", "lro", "npo", "cpo". */
const char *p4_arch_name(p4_arch a);
const char *p4_arch_key(p4_arch a);
/* The architecture named by key (also "dsp" for retimed); P4_ARCH_COUNT when none. */
p4_arch p4_arch_from_key(const char *key);
/* The configuration key that holds a's host channel loss at Nyquist (its host-loss budget's key). */
const char *p4_arch_host_loss_key(p4_arch a);
/* Whether a's segments are retimed by a module DSP (DSP-retimed, LRO, NPO with npo.retimed). */
int p4_arch_has_dsp(const p4_config *c, p4_arch a);

/* The segments of architecture a with the linear parts at drv_db / tia_db (ignored where a has
 * no such part). */
p4_status p4_arch_plan_make(const p4_config *c, p4_arch a, double drv_db, double tia_db, p4_arch_plan *p);

/* The plan with the linear module's settings the host chooses (the best MMSE SNR of the linear
 * segment over lpo.driver_peaking_db, then lpo.tia_peaking_db); for DSP-retimed, the plan. */
p4_status p4_arch_plan_choose(const p4_config *c, p4_arch a, p4_arch_plan *p);

typedef struct {
    int nseg;
    p4_counts seg[P4_ARCH_MAX_SEG]; /* each segment against its own input (eye histograms too)  */
    p4_counts e2e;                  /* the host's decisions against the host's data, with KP4    */
    double seconds;
} p4_chain_counts;

/* Run `symbols` host symbols (rounded up to whole KP4 frames) through the chain of created links
 * (links[k] made from plan->seg[k].cfg). host: the configuration with the host's data (tx.pattern,
 * fec.*, sim.seed, sim.unit_symbols, sim.threads, measure.eye_symbols, fec.burst_gap_symbols). */
p4_status p4_chain_run(p4_link *const *links, int nseg, const p4_config *host, uint64_t symbols, p4_chain_counts *out);
void p4_chain_counts_free(p4_chain_counts *cc);

#ifdef __cplusplus
}
#endif
#endif
