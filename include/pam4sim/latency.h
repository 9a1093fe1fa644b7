/* latency.h - one-way latency of an architecture, host TX data to host RX data, per block (ns).
 *
 * From each segment's set-up (p4_link_info): the TX FFE and driver, the C2M channel's flight, the
 * fiber's flight, the receive analog path (to the sampled main cursor: CTLE, TIA, optics), and the
 * receiver: a DSP's pipeline (ADC, FFE/DFE, pre-cursor taps, MLSE: its p4_link_info.lat rows) or a
 * floating-point RX FFE's pre-cursor taps; a module DSP's transmit path (dsp.latency.tx_ns); KP4
 * encode at the host TX and codeword accumulation + decode at the host RX (dsp.latency.*).
 * The analog part is also measured: each segment's delay found by correlating its TX symbols with
 * its decisions (p4_link_info.lat_measured_ns), summed over the segments.
 */
#ifndef PAM4SIM_LATENCY_H
#define PAM4SIM_LATENCY_H
#include "pam4sim/arch.h"
#include "pam4sim/link.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_LAT_ROWS 40

typedef enum { P4_LAT_FEC = 0, P4_LAT_DSP, P4_LAT_ANALOG, P4_LAT_FLIGHT, P4_LAT_KINDS } p4_lat_kind;

typedef struct {
    int n;
    struct {
        char block[64];
        double ns;
        char source[64];
        int seg;          /* segment index (-1: the host's FEC) */
        p4_lat_kind kind;
    } row[P4_LAT_ROWS];
    double total_ns, kind_ns[P4_LAT_KINDS];
    double analog_model_ns, analog_measured_ns; /* TX to decision per segment, summed: modelled, by correlation */
} p4_latency;

const char *p4_lat_kind_name(p4_lat_kind k);
/* infos[k]: the created link of plan->seg[k]. */
void p4_latency_of(const p4_config *c, const p4_arch_plan *p, const p4_link_info *const *infos, p4_latency *out);

#ifdef __cplusplus
}
#endif
#endif
