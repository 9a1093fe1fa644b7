/* com.h - the Channel Operating Margin of IEEE 802.3 Annex 93A (and its 200G/lane form, 178A).
 *
 * COM = 20 log10(A_s / A_ni) for a victim thru channel and its crosstalk aggressors, with a
 * parameter set (a table: the YAML files in com/params ship 8023dj-kr and 8023ck-kr, each value with its
 * source; a user's table loads the same way). The procedure, and this implementation's reading of
 * each step:
 *  1. Channels: SDD21, SDD11, SDD22, SDD12 of each file at its own frequencies (victim pairs found
 *     from the thru's DC path; the aggressors use the victim's pairs). Files on a uniform grid whose
 *     step divides M f_b are used point for point; any other grid is resampled onto one that does
 *     (the thru's step, or its mean step made to divide M f_b) as response.h puts a file on a grid.
 *  2. Package at both ends (package.h), the victim's with the transmit and receive test lengths of
 *     the package case, an aggressor's transmit package with the NEXT or FEXT length and the
 *     victim's receive package; terminations R_d against R_0 (93A-18). Every package case is
 *     computed; COM is the smallest. Sets with host boards (cable assemblies) put a board line
 *     between each package and the channel (z_bp of TX, RX, NEXT, FEXT), same line form.
 *  3. Pulse: H21 x H_t (Gaussian, exp(-2 (pi f T_r / 1.6832)^2)) x H_r (4th-order Butterworth at
 *     f_r f_b, 93A-20) x the CTLE (93A-22 with the low-frequency pole/zero pair, gains g_DC, g_DC2)
 *     x a 1-UI rectangle x the amplitude (A_v, A_fe, A_ne), inverse-transformed over the file's own
 *     1/step period at M samples/UI; no truncation of the frequency data, a time window holding all
 *     but 1e-12 of the energy. The CTLE is linear in g_DC, g_DC2 and g_DC g_DC2, so each channel
 *     is transformed four times and every CTLE setting is a sum of those four pulses.
 *  4. TX FFE c(-n..1) on the grid of the set (c(0) = 1 - sum |c(k)| >= c0_min), applied to the
 *     pulse at symbol spacing; the victim's TX FFE is also the aggressors' (FEXT and NEXT).
 *  5. Sampling instant t_s: the Mueller-Muller point of the pulse after TX FFE and CTLE,
 *     h(t_s - T) = h(t_s + T), nearest the peak, at sample resolution.
 *  6. RX FFE (sets with one): MMSE with the DFE's cursors removed, from the pulse autocorrelation,
 *     the TX noise, eta0 through H_r H_ctf and the crosstalk (each at its worst phase) at symbol
 *     lags; scaled to a main tap of 1 and each other tap clipped to its limit. An aggressor's worst
 *     phase is the largest sum of squares of its pulse after TX FFE and CTLE. DFE: b(k) =
 *     h(k)/h(0) clipped to +-b_max(k); what it cannot cancel stays ISI.
 *  7. Figure of merit (93A-47): FOM = 10 log10(A_s^2 / (s_TX^2 + s_ISI^2 + s_J^2 + s_XT^2 + s_N^2))
 *     with A_s = R_LM h(0) / (L - 1), every variance after the whole equalizer:
 *     s_TX^2 = sx2 10^(-SNR_TX/10) sum_n h(n)^2 (TX noise through the pulse, per symbol),
 *     s_ISI^2 = sx2 (sum over every pre- and post-cursor, DFE residuals for the DFE's),
 *     s_J^2 = sx2 (A_DD^2 + s_RJ^2) sum_n h_J(n)^2 with h_J the pulse's slope per UI,
 *     s_XT^2 = sx2 sum over aggressors at their worst phase, s_N^2 = eta0 int |H_r H_ctf H_ffe|^2,
 *     sx2 = (L^2 - 1) / (3 (L - 1)^2) = 5/9. The grid's maximum over CTLE x TX FFE (every point
 *     evaluated) picks the equalizer.
 *  8. COM at the chosen equalizer: ISI, crosstalk (every cursor, each aggressor at its worst phase)
 *     and the dual-Dirac jitter (A_DD h_J(n) for every n, 93A-40: each edge's jitter moves the
 *     sample by its symbol's step through the slope) as exact PAM4 distributions (stat.h, the
 *     statistical eye's implementation) on a grid of A_s/1000, cursors below one bin joining the
 *     Gaussian with their variance, as the statistical eye does; the Gaussian holds
 *     s_TX^2 + s_N^2 + s_RJ^2 sx2 sum h_J^2 (93A-41); A_ni is where the lower tail reaches DER_0.
 * Threads share the CTLE settings; the best is taken in grid order, so any count gives the same.
 */
#ifndef PAM4SIM_COM_H
#define PAM4SIM_COM_H
#include <stdio.h>
#include "pam4sim/config.h"
#include "pam4sim/package.h"
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_COM_MAX_TX 8
#define P4_COM_MAX_RX 64
#define P4_COM_MAX_DFE 32
#define P4_COM_MAX_CASES 4
#define P4_COM_MAX_AGG 16
#define P4_COM_PLOT_PRE 8     /* equalized cursors kept for plots: the main one at this index */
#define P4_COM_PLOT_CURSORS 48
#define P4_COM_PLOT_TAIL 200  /* points of the lower tail kept for plots */

typedef struct {
    char name[64];
    double baud_gbd, der0, threshold_db, tx_rise_time_ps, rlm;
    int samples_per_ui;
    double victim_amplitude_v, fext_amplitude_v, next_amplitude_v;
    double reference_ohm, termination_ohm;
    double a_dd_ui, snr_tx_db, eta0_v2_per_ghz, sigma_rj_ui, rx_filter_fb;
    double ctle_fz_ghz, ctle_fp1_ghz, ctle_fp2_ghz, ctle_flf_ghz;
    double g_dc_db[3], g_dc2_db[3];            /* min, max, step */
    int tx_pre, ntx;                           /* non-main TX taps c(-tx_pre) .. c(ntx - tx_pre) */
    double tx_min[P4_COM_MAX_TX], tx_max[P4_COM_MAX_TX], tx_step[P4_COM_MAX_TX], c0_min;
    int rx_taps, rx_pre;                       /* 1 tap: no RX FFE */
    double rx_tap_max;
    int ndfe;
    double dfe_bmax[P4_COM_MAX_DFE];
    int nd;
    double die_cap_ff[4], die_ind_nh[4], bump_cap_ff, ball_cap_ff;
    int nseg;
    double line_ohm[2], breakout_mm;
    double gamma0_per_mm, a1_per_mm, a2_per_mm, tau_ns_per_mm;
    int ncase;
    double pkg_tx_mm[P4_COM_MAX_CASES], pkg_rx_mm[P4_COM_MAX_CASES], pkg_next_mm[P4_COM_MAX_CASES],
        pkg_fext_mm[P4_COM_MAX_CASES];
    /* host board segments between package and channel (cable assemblies, C2M; 0 mm: none), each
     * a line of the 93A-12..17 form with the board's own coefficients */
    double board_ohm, board_gamma0_per_mm, board_a1_per_mm, board_a2_per_mm, board_tau_ns_per_mm;
    double board_tx_mm[P4_COM_MAX_CASES], board_rx_mm[P4_COM_MAX_CASES], board_next_mm[P4_COM_MAX_CASES],
        board_fext_mm[P4_COM_MAX_CASES];
} p4_com_params;

/* A parameter set by name (one shipped with the library: p4_com_param_names) or from a YAML file
 * (a path: anything with a '/' or ending in .yaml). Unknown, missing or out-of-range keys are
 * errors naming the file, line and key. */
p4_status p4_com_params_load(const char *name_or_path, p4_com_params *p);
/* 1 if p4_com_params_load takes s as a file (it has a '/' or ends in .yaml), 0 for a set's name. */
int p4_com_is_path(const char *s);
/* The table as one JSON object (every key, as a file would give it). */
void p4_com_params_json(FILE *f, const p4_com_params *p);
/* The shipped sets' names, NULL-terminated. */
const char *const *p4_com_param_names(void);

typedef struct {
    double com_db, a_s_v, a_ni_v, fom_db;
    double g_dc_db, g_dc2_db;
    double tx[P4_COM_MAX_TX + 1];  /* c(-tx_pre) .. c(ntx - tx_pre), main included */
    int ntx;
    double rx[P4_COM_MAX_RX];
    int nrx;
    double dfe[P4_COM_MAX_DFE];
    int ndfe;
    double sample_phase_ui;        /* t_s within the UI, on the pulse's own time axis */
    double h0_v;                   /* equalized main cursor */
    /* rms of each noise term at the slicer (V), as the FOM takes them */
    double sigma_tx_v, sigma_isi_v, sigma_xt_v, sigma_n_v, sigma_rj_v;
    double a_dd_v;                 /* rms of the dual-Dirac jitter term, A_DD sqrt(sx2 sum h_J^2) */
    /* for plots: the equalized victim's cursors (before the DFE) from P4_COM_PLOT_PRE before the
     * main one, and the lower tail P(N <= y) of the interference and noise for y in [-2 A_s, 0] */
    double cursors_v[P4_COM_PLOT_CURSORS];
    double tail_y_v[P4_COM_PLOT_TAIL], tail_p[P4_COM_PLOT_TAIL];
} p4_com_case;

typedef struct {
    double com_db;                 /* smallest over the package cases */
    int worst_case, ncase;
    p4_com_case c[P4_COM_MAX_CASES];
    int pass;
    double threshold_db, il_nyquist_db;
    long evaluated;                /* FOM evaluations (grid points x cases) */
    double seconds;
} p4_com_result;

typedef struct {
    const char *thru;
    const char *const *fext;
    int nfext;
    const char *const *next;
    int nnext;
    int threads;                   /* 0: one per online core */
    const int *port_order;         /* the thru's in+, in-, out+, out- (1-based); NULL: from its DC path */
    /* a section in series at the receiver, on the thru and every aggressor (com_chan.c): the thru
     * made length_scale times as long (|SDD21|^k, k x its phase; 0 or 1: as measured), and the loss
     * model's section of extra_loss_db (0: none) at extra_loss_nyquist_ghz (0: the set's f_b/2) */
    double length_scale, extra_loss_db, extra_loss_skin, extra_loss_nyquist_ghz;
} p4_com_input;

p4_status p4_com_run(const p4_com_params *p, const p4_com_input *in, p4_com_result *r);

/* From a configuration (com_config.c): the set com.params with com.threshold_db (unless auto). */
p4_status p4_com_params_of_config(const p4_config *c, p4_com_params *p);
/* 1 if crosstalk.files[i] is a NEXT aggressor for COM: listed in com.next_files, or, with that
 * list empty, its file name contains "next" (any case). */
int p4_com_config_is_next(const p4_config *c, int i);
/* COM of the link c describes: channel.file (channel.type touchstone) as the thru, crosstalk.files
 * as the aggressors, channel.length_scale and channel.extra_loss_db as the section in series at the
 * receiver (on the thru and every aggressor), sim.threads threads, the set com.params. The
 * configuration is validated first; p (may be NULL) receives the set used. */
p4_status p4_com_run_config(const p4_config *c, p4_com_params *p, p4_com_result *r);

#ifdef __cplusplus
}
#endif
#endif
