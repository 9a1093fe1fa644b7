/* link_optics.h - the optical line's part of a link's set-up (used by link.c; not public).
 *
 * From the configuration to the optical line's parameters; the line's pulse response identified
 * from a noiseless probe; the white noise terms at the photodiode the equalizer design assumes.
 */
#ifndef PAM4SIM_LINK_OPTICS_H
#define PAM4SIM_LINK_OPTICS_H
#include "pam4sim/config.h"
#include "pam4sim/optics.h"
#include "pam4sim/response.h"
#include "pam4sim/tdecq.h"

/* Parameters of the optical line. dc_gain: the electrical path's gain at DC (TX filter x channel);
 * lvA: the four levels [V] before the TX FFE. */
void p4_lo_params(const p4_config *c, double fs_hz, size_t grid_n, size_t max_len, const double lvA[4],
                  double dc_gain, p4_optics_params *p);

/* The best linear approximation of the line from TX levels (normalized lv) to photocurrent, at full
 * rate, by least squares on a periodic balanced probe through the TX FFE, the render and the line
 * without noise. *pulse (malloc'd, *len samples) starts kpre UI before the symbol; sets the line's
 * DC (AC coupling) to the probe's mean; sndr_db: fitted power over residual power. */
p4_status p4_lo_identify(const p4_config *c, p4_optics_model *m, uint64_t key, int sps, const double lv[4],
                         const double lvA[4], double **pulse, int *len, int *kpre, double *sndr_db);

/* The key under which an identification is kept for the process (p4_lo_identify with key 0 keeps
 * nothing): a hash of everything the line and the probe depend on, the line's parameters op and the
 * electrical response elec it was made from (p4_optics_model_create), the TX FFE, sps and levels. */
uint64_t p4_lo_key(const p4_config *c, const p4_optics_params *op, const p4_fresp *elec, int sps, const double lv[4],
                   const double lvA[4]);

/* Noise at the photodiode as white per-sample variances [A^2]: the TIA's input noise alone
 * (*thermal), and with shot, RIN and MPI at the received levels (the return value). */
double p4_lo_noise_var(const p4_config *c, const p4_optics_info *oi, double fs_hz, double *thermal);

/* TDECQ of the configured transmitter: SSPRQ through the TX FFE, the render with the TX jitter and
 * the optical line with its noise (RIN; MPI and dispersion with tdecq.through_fiber), one steady
 * period captured at sps and measured (tdecq.h). line: the link's own line, used as it is through
 * the fiber; at the transmitter a line without fiber is built from op (the link's parameters) and
 * elec (as for p4_optics_model_create). */
p4_status p4_lo_tdecq(const p4_config *c, const p4_optics_params *op, const p4_fresp *elec, const p4_optics_model *line,
                      int sps, const double lvA[4], p4_tdecq_result *r);

#endif
