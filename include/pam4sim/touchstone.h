/* touchstone.h - Touchstone S-parameter files and the differential figures users ask of them.
 *
 * Reads version 1 files (.s1p .. .s16p: any frequency unit Hz/kHz/MHz/GHz, RI/MA/DB, any reference
 * resistance, '!' comments, any number of lines per frequency point) and the cheap part of version 2
 * ([Version], [Number of Ports], [Two-Port Data Order], [Number of Frequencies], [Reference],
 * [Matrix Format] Full, [Network Data], [End]). Data are renormalized to a common reference when the
 * file's reference differs (S' = (I - G S)^-1 (S - G I), G = (R' - R)/(R' + R)).
 *
 * Differential figures use a port order {in+, in-, out+, out-} (1-based). Given as zeros, the order is
 * detected from the lowest-frequency thru: files whose thru paths are 1->2 and 3->4 get COM's
 * [1,3,2,4]; 1->3 and 2->4 gives [1,2,3,4]; 1->4 and 2->3 gives [1,2,4,3].
 */
#ifndef PAM4SIM_TOUCHSTONE_H
#define PAM4SIM_TOUCHSTONE_H
#include "pam4sim/cplx.h"
#include <stddef.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int nports;
    size_t nfreq;
    double *freq_hz;        /* strictly increasing                                   */
    p4_complex *s;      /* s[(k * nports + i) * nports + j] = S(i+1, j+1) at freq k */
    double r_ref_ohm;       /* reference resistance of s                              */
    char path[512];
} p4_touchstone;

/* Read a file; NULL on error with "FILE:LINE: what (allowed ...)" in p4_last_error(). */
p4_touchstone *p4_touchstone_read(const char *path);
void p4_touchstone_free(p4_touchstone *ts);
/* Renormalize every port to r_ohm (> 0). */
p4_status p4_touchstone_renormalize(p4_touchstone *ts, double r_ohm);

/* Resolve a port order: order[4] in, 1-based, zeros meaning "detect". 2-port files have no order. */
p4_status p4_touchstone_port_order(const p4_touchstone *ts, const int order_in[4], int order_out[4]);
/* Differential thru SDD21 (or S21 for a 2-port file) at every file frequency into h[nfreq]. */
p4_status p4_touchstone_sdd21(const p4_touchstone *ts, const int order[4], p4_complex *h);
/* Differential input reflection SDD11 (S11 for a 2-port). */
p4_status p4_touchstone_sdd11(const p4_touchstone *ts, const int order[4], p4_complex *h);

/* |h| in dB, interpolated linearly in dB between file points; NAN outside the file's range. */
double p4_interp_db(const double *freq_hz, const p4_complex *h, size_t n, double f_hz);

/* Summary of a channel file: what `pam4sim channel` prints. */
typedef struct {
    int order[4];
    double f_eval_ghz[3];      /* 13.28, 26.56, 53.125 GHz                         */
    double il_db[3];           /* -20 log10 |SDD21|                                 */
    double rl_db[3];           /* -20 log10 |SDD11|                                 */
    double max_sv;             /* largest singular value of S over all frequencies  */
    double max_sv_ghz;
    double noncausal_ratio;    /* energy of the SDD21 impulse at negative time / total */
    int causality_warning;     /* noncausal_ratio above P4_NONCAUSAL_LIMIT          */
    double fmin_ghz, fmax_ghz;
} p4_channel_summary;
#define P4_NONCAUSAL_LIMIT 1e-3
p4_status p4_touchstone_summary(const p4_touchstone *ts, const int order_in[4], p4_channel_summary *out);

#ifdef __cplusplus
}
#endif
#endif
