/* stat.h - the statistical eye: BER at every (sampling phase, threshold) down to 1e-15 from the
 * link's pulse responses, without simulating symbols.
 *
 * For each of sps sampling phases (offsets -UI/2 .. +UI/2 around the phase the link chose, the same
 * offsets as the Monte Carlo eye histogram), from p4_link_view:
 *   - the victim pulse sampled at symbol spacing and equalized by the link's RX FFE; the DFE taps
 *     (fixed, as the Monte Carlo receiver has them) remove their post-cursors from ideal decisions;
 *   - every other cursor is a four-point distribution (the PAM4 levels, equally likely); cursors
 *     whose largest value is below one amplitude bin join the Gaussian part with their variance,
 *     the rest are convolved exactly on the amplitude grid. A four-point kernel is sparse, so the
 *     convolution is a direct loop over the distribution's support: all terms are positive, and
 *     the tails keep their relative precision down to 1e-15 and below, which an FFT convolution's
 *     round-off (about 1e-16 of the peak in every bin) does not;
 *   - crosstalk: each aggressor's pulse (synchronous, at the same phase, as the Monte Carlo link
 *     sends it) through the FFE, convolved the same way;
 *   - Gaussian: the link's noise autocorrelation through the FFE (w' Rn w), random jitter through
 *     the slope (each TX edge k moves by its own delta_k: the sampler sees
 *     -sum_k (y_k - y_(k-1)) delta_k G(t - t_k), G the chain's edge response through the FFE, so
 *     sigma^2 = sigma_RJ^2 E[dy^2] sum G^2), and the small cursors;
 *   - even/odd duty-cycle distortion (+-A_DD on alternate edges; tx.jitter.dcd_ps = 2 A_DD) is linear
 *     in the data: it adds (-1)^n dd[r] to cursor r for a victim at even or odd index n, so the eye
 *     is the equal mixture of the two parities' distributions, computed exactly;
 *   - sinusoidal jitter, seen by the fixed-phase sampler as a slow timing shift, is a dual Dirac:
 *     the BER at each phase is the mean of the BERs at +-tx.jitter.sj_ps;
 *   - an optical line has no electrical edge response (the line is nonlinear): its jitter, RJ and
 *     DCD together, goes through the slope of the equalized pulse as a Gaussian (COM's model). Its
 *     real level spacing (the modulator's static transfer), the noise that depends on the level
 *     (shot noise and RIN at each level's power, through the receive chain and the FFE) and the
 *     MPI beat (a mixture over the reflected copy's level and phase) are added per level
 *     (sim/stat_optics.c): each level has its own tails;
 *   - what it does not model (the bit-true DSP receiver, a compressing receiver output) is listed
 *     in the result (unmodelled), and the BER is bounded: SER <= 3/4, BER <= 1/2.
 * The tails P(N <= v) and P(N > v) of the zero-mean part N are computed on the grid by summing the
 * distribution against the Gaussian's Q function (the kernel spans +-9 sigma; beyond, 0 or 1 by
 * prefix sums), each tail from its own side so neither is 1 minus a number close to 1.
 *
 * Results, for level i at a_i = c0 lv_i (c0 the equalized main cursor at that phase):
 *   - contour of eye j at probability b: v_lo where P(a_j + N > v_lo) = b and v_hi where
 *     P(a_(j+1) + N < v_hi) = b (the Monte Carlo eye's definition, measure.h); height = v_hi - v_lo;
 *     width = the span of phase around the nominal over which both tails at the slicer threshold
 *     stay below b (crossings interpolated in log BER);
 *   - BER at the slicer: SER = 1/4 sum over levels of the tail beyond their thresholds, BER = SER/2
 *     (Gray: one bit per adjacent error), doubled with precoding, at most 1/2, and scaled by the
 *     DFE's bit errors per burst over those of its first error: sampled (sim/stat_dfe.c: the first
 *     error's symbol context from a tilted law, its coloured noise continued by an AR model, the
 *     DFE run on the wrong feedback); where too few samples count, a Markov chain over the
 *     decision error (1 + p1/(1-p): p1, the first continuation, with the noise's lag-1
 *     correlation and the next symbol's level through the first pre-cursor; p, each later one);
 *   - COM-style margin 20 log10(A_s / A_ni): A_s = c0 x half the smallest level spacing, A_ni the
 *     amplitude N exceeds downward with probability stat.der0.
 * Threads (sim.threads) share the phases; every phase is computed alone, so any count gives the
 * same result.
 */
#ifndef PAM4SIM_STAT_H
#define PAM4SIM_STAT_H
#include "pam4sim/link.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_STAT_DECADES 13 /* contours at 1e-3, 1e-4, ... 1e-15 */
#define P4_STAT_RANGE 2.0  /* the output amplitude grid spans +-2 (normalized) */
#define P4_STAT_MAX_UNMODELLED 6

typedef struct {
    int nphase;          /* phases: offset (q - nphase/2) / nphase UI around the chosen phase */
    int nbins;           /* amplitude bins over +-P4_STAT_RANGE */
    double dv;           /* bin width */
    double *density;     /* [nphase][nbins] probability per bin of the slicer input (all levels) */
    double *ber_map;     /* [nphase][nbins] conditional probability that a sample of the nearest
                          * level(s) lies on the wrong side of v: the map the contours are drawn on */
    double *contour_lo, *contour_hi; /* [3][P4_STAT_DECADES][nphase]; NAN where the eye is closed */
    double *hbathtub;    /* [nphase] BER at the slicer thresholds against phase */
    /* at the chosen phase */
    double ber, ber_raw; /* BER at the slicer thresholds: with and without DFE propagation */
    double dfe_prop_p1, dfe_prop_p, dfe_prop_factor; /* first and later continuation probability */
    double noise_rho;    /* lag-1 covariance of the Gaussian noise over N's variance (FFE output) */
    double c0;                            /* equalized main cursor                          */
    double sigma_noise, sigma_rj, sigma_small, sigma_total; /* Gaussian parts, normalized   */
    double isi_rms, xt_rms;               /* rms of the exactly convolved ISI and crosstalk  */
    double a_dd_ui;                       /* dual-Dirac SJ amplitude used                    */
    double dcd_ui;                        /* even/odd DCD, peak-to-peak                      */
    int exact_cursors, gaussian_cursors;  /* how the cursors were treated                    */
    double height[P4_STAT_DECADES][3], width_ui[P4_STAT_DECADES][3];
    double eye_ber, eye_height[3], eye_width_ui[3]; /* at stat.eye_ber (interpolated)        */
    double com_db, a_s, a_ni, der0;
    int com_beyond;                       /* A_ni beyond the amplitude grid: com_db is -inf */
    int optical;                          /* an optical line: the three figures below       */
    double level[4];                      /* the line's real levels (normalized, ideal +-1, +-1/3) */
    double sigma_level[4];                /* level-dependent noise (shot, RIN) rms per level */
    int mpi;                              /* MPI beat mixed in                               */
    int dfe_sampled;                      /* bursts sampled (else the Markov chain)          */
    double dfe_ess;                       /* the sampled bursts' effective sample count      */
    int n_unmodelled;                     /* what the configuration holds that stat leaves out */
    char unmodelled[P4_STAT_MAX_UNMODELLED][256];
    struct p4_stat_tails *priv;           /* the tails, for p4_stat_eye_at                   */
} p4_stat_result;

/* Compute the statistical eye of a created link (its stat.* keys; sim.threads workers). */
p4_status p4_stat_run(const p4_link *l, p4_stat_result *r);
void p4_stat_free(p4_stat_result *r);
/* Contour probability of decade k (0..P4_STAT_DECADES-1): 1e-3 ... 1e-15. */
double p4_stat_decade_ber(int k);
/* Height and width of each eye at probability b, at the chosen phase (as for the decades). */
void p4_stat_eye_at(const p4_stat_result *r, double b, double height[3], double width_ui[3]);

/* The exact PAM4 distribution both the statistical eye and COM (com.h) use, one implementation:
 * sum_k c[k] x_k with x_k independent and equally likely among lv[0..3], on n (even) bins of width
 * dv, bin k centred at (k - n/2 + 0.5) dv, values split linearly between neighbouring bins (mean
 * kept), values past the grid in its end bins. buf holds 2n doubles; returns the pmf (inside buf)
 * and its support [*lo, *hi]. */
const double *p4_pam4_pmf(const double *c, int nc, const double lv[4], double dv, int n, double *buf, int *lo, int *hi);
/* Both tails of that pmf after adding a mixture of nw Gaussians (weights wt, means mu, variances
 * var): lt[k] = P(N <= x_k), ut[k] = P(N > x_k), each summed from its own side (relative precision
 * kept far into the tails). */
p4_status p4_pmf_tails(const double *pmf, int n, int lo, int hi, const double *wt, const double *mu, const double *var,
                       int nw, double dv, double *lt, double *ut);

#ifdef __cplusplus
}
#endif
#endif
