/* touchstone.h - Touchstone S-parameter files and the differential figures users ask of them.
 *
 * Reads version 1 files (.s1p .. .s64p: any frequency unit Hz/kHz/MHz/GHz, RI/MA/DB, any reference
 * resistance, '!' comments, any number of lines per frequency point, so the wrapped rows of large
 * matrices) and version 2 ([Version], [Number of Ports], [Two-Port Data Order], [Number of
 * Frequencies], [Reference] one value or one per port, [Matrix Format] Full, Upper or Lower,
 * [Network Data], [End]; [Mixed-Mode Order] and [Number of Noise Frequencies] are refused with the
 * reason). Data are renormalized to a common reference when a port's reference differs: with power
 * waves and real references, S' = K (S - G)(I - G S)^-1 K^-1, G = diag((R'_i - R_i)/(R'_i + R_i)),
 * K = diag((R_i + R'_i) / (2 sqrt(R_i R'_i))).
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

#define P4_TS_MAX_PORTS 64

typedef struct {
    int nports;
    size_t nfreq;
    double *freq_hz;        /* strictly increasing                                   */
    p4_complex *s;          /* s[(k * nports + i) * nports + j] = S(i+1, j+1) at freq k */
    double r_ref_ohm;       /* reference resistance of s (of port 1 when they differ)  */
    double r_port_ohm[P4_TS_MAX_PORTS]; /* each port's reference resistance               */
    char path[512];
} p4_touchstone;

/* Read a file; NULL on error with "FILE:LINE: what (allowed ...)" in p4_last_error(). */
p4_touchstone *p4_touchstone_read(const char *path);
void p4_touchstone_free(p4_touchstone *ts);
/* Write ts as a Touchstone file (RI, Hz, every digit): version 1 or 2; matrix 'F' (full), or in
 * version 2 'U' / 'L' (upper / lower triangle, for reciprocal networks). Written to path.tmp,
 * then renamed into place. */
p4_status p4_touchstone_write(const p4_touchstone *ts, const char *path, int version, char matrix);
/* Renormalize every port to r_ohm (> 0). */
p4_status p4_touchstone_renormalize(p4_touchstone *ts, double r_ohm);

/* Resolve a port order: order[4] in, 1-based, zeros meaning "detect". 2-port files have no order. */
p4_status p4_touchstone_port_order(const p4_touchstone *ts, const int order_in[4], int order_out[4]);
/* Differential thru SDD21 (or S21 for a 2-port file) at every file frequency into h[nfreq]. */
p4_status p4_touchstone_sdd21(const p4_touchstone *ts, const int order[4], p4_complex *h);
/* Differential input reflection SDD11 (S11 for a 2-port). */
p4_status p4_touchstone_sdd11(const p4_touchstone *ts, const int order[4], p4_complex *h);

/* ---- lanes of a multi-port file (touchstone_lanes.c) ---- */
#define P4_TS_MAX_LANES 16
typedef struct {
    int nlanes;
    int port[P4_TS_MAX_LANES][4]; /* in+, in-, out+, out- (1-based; a 2-port: {1, 0, 2, 0}) */
    char layout[48];              /* how the map was found: "given", "4-port", "blocks of four ports", ... */
} p4_lane_map;
/* The file's lanes: given (4 ports a lane) or detected from the lowest-frequency thru where that is
 * unambiguous (blocks of four ports, or the two halves of the ports facing each other). */
p4_status p4_touchstone_lanes(const p4_touchstone *ts, const int *given, int ngiven, p4_lane_map *m);
/* SDD from lane `aggressor`'s input pair to lane `victim`'s output pair (0-based lanes; equal:
 * the victim's thru SDD21), at every file frequency into h[nfreq]. */
p4_status p4_touchstone_lane_sdd(const p4_touchstone *ts, const p4_lane_map *m, int victim, int aggressor, p4_complex *h);
/* A lane's input reflection SDD11. */
p4_status p4_touchstone_lane_sdd11(const p4_touchstone *ts, const p4_lane_map *m, int lane, p4_complex *h);
/* Integrated crosstalk noise [mV rms] of a crosstalk transfer xt[n] at f_hz[n] (802.3 Annex 85A
 * weighting up to baud_hz: aggressor amplitude amp_v, 20-80 % transition time t_rise_s). */
double p4_icn_mv(const double *f_hz, const p4_complex *xt, size_t n, double amp_v, double baud_hz, double t_rise_s);

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
