/* dsprx.h - the bit-true DSP receiver of a 200G/lane retimer or host SerDes:
 *   AGC -> ADC at the recovered clock -> FFE (fixed point, LMS) -> DFE (LMS) + slicer -> [MLSE]
 *                 ^--------- CDR (Mueller-Mueller or bang-bang, 2nd-order loop) <-------'
 *
 * It runs symbol by symbol over a unit's received waveform (sps samples per UI) because the CDR
 * closes a loop through the decisions; everything inside a step is plain arithmetic on short
 * arrays, no indirect calls.
 *
 * Clocks: the RX clock runs offset_ppm faster than the TX clock, so without correction step m
 * samples at m (1 - eps) UI of TX time. The CDR adds a phase phi (UI): the ADC samples the waveform
 * at base + (m (1 - eps) + phi_m - tau_m) sps samples, interpolated (cubic Lagrange), where tau_m is
 * the sinusoidal jitter of the TX clock applied as a delay of the received waveform (exact when the
 * SJ period is long against the channel's impulse response; the jitter tolerance curve lives there).
 * The loop: phi += kp e + I, I += ki e, with e the timing error `latency` steps earlier; e > 0
 * means sampling early. kp and ki come from the -3 dB bandwidth and damping of the linearised
 * second-order loop and the detector gain K_d = dE[e]/dphi (kp = -2 zeta wn T / K_d,
 * ki = -(wn T)^2 / K_d). During the first `acquire` steps the bandwidth is `gear` times larger.
 * Acquisition aid (detector on, acquire >= 3584): before the loop runs, eye scans on the
 * free-running clock (the slicer MSE with the initial taps at 16 phases across one UI) at steps
 * m0, m0 + 448, ... up to m0 + min(acquire / 4, 4096) give the eye's centre and the frequency; the
 * loop starts there with its integrator at that frequency. Lock detector (lock_snr_db > 0): every
 * 1024 steps after the aid, a decision-directed slicer SNR below lock_snr_db re-runs the aid from
 * the current step, keeps the whole UI nearest the old phase and restarts the equalizer's taps.
 *
 * Arithmetic (fixed = 1): ADC codes are integers in [-2^(b-1), 2^(b-1)-1] (round to nearest,
 * saturate), with Gaussian noise added before quantisation to bring the ADC's SNR down to its ENOB.
 * FFE taps are `coef_bits`-bit signed integers; the accumulator is saturated to `acc_bits` bits and
 * shifted right by `shift` with round-half-up into `out_bits`-bit signed output units, in which the
 * outer level sits at out_level (out_level_fraction of full scale). DFE taps are Q10 (units of
 * 1/1024 of an output level unit per level unit), feedback = (sum b_j L(d_j)) rounded. Adaptive
 * registers hold 24 more fraction bits; LMS steps are powers of two chosen from the relative step
 * (lms_step) and the signal power. Values are kept in doubles that hold integers exactly, so the fixed
 * path is bit-exact and fixed = 0 runs the same loop in floating point (no ADC quantisation or ENOB
 * noise, no rounding, no saturation): the reference it is checked against.
 * The FFE main tap is not adapted (it holds the gain, so LMS and CDR cannot trade phase for gain).
 * By default the DFE taps are frozen after training: tracking both the FFE's and the DFE's
 * post-cursor is a redundant direction along which the taps drift and drag the Mueller-Mueller
 * error signal with them (seen as cycle slips under low-frequency SJ).
 * LMS error: z - L(ref), where ref is the known line symbol during training and the decision
 * afterwards. Sequence: the CDR acquires alone for acquire/2 steps (equalizer at its MMSE start),
 * the phase is re-labelled to the nearest whole UI (frame alignment), then `train` steps of training
 * at train_step, then decision-directed tracking at lms_step. The tracking step must keep the
 * equalizer much slower than the CDR: an LMS that is faster re-times the signal itself (its taps
 * cancel the pre- and post-cursor a Mueller-Mueller detector steers by) and the loop loses its grip.
 *
 * MLSE (memory 1 or 2): Viterbi over 4^M states on the FFE output, whose target is
 * 1 + b1 D (+ b2 D^2) with b the (frozen) DFE taps; branch metric (y - yhat)^2, fixed-depth traceback.
 */
#ifndef PAM4SIM_DSPRX_H
#define PAM4SIM_DSPRX_H
#include <stddef.h>
#include <stdint.h>
#include "pam4sim/rng.h"
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

enum { P4_CDR_NONE = 0, P4_CDR_MM = 1, P4_CDR_BANGBANG = 2 };

typedef struct {
    int sps;
    double base_pos;      /* sample index of step 0 at phi = 0 */
    int fixed;            /* 1: bit-true integers; 0: floating-point reference */
    /* AGC + ADC */
    double gain;          /* ADC codes per volt (AGC gain / LSB) */
    int adc_bits;
    double adc_noise;     /* rms of the ENOB noise, codes */
    /* FFE: taps designed in volts (output 1 = outer level) */
    int nffe, npre;
    double w[64];
    int coef_bits, acc_bits, out_bits;
    double out_level_fraction;
    double lms_step;      /* relative, per symbol, decision-directed; 0 = frozen */
    double train_step;    /* relative, per symbol, during training */
    double ms_codes;      /* mean square ADC code, for the LMS step */
    long train;           /* training steps */
    /* DFE */
    int ndfe;
    double b[64];         /* normalized taps */
    double dfe_lms_step, dfe_train_step;
    double lv[4];         /* normalized levels (outer +-1) */
    /* CDR */
    int detector;
    double kd;            /* detector gain dE[e]/dphi, per UI (normalized units) */
    double bandwidth_hz, damping, baud_hz, kp, ki; /* kp, ki: NAN = from the bandwidth */
    int latency;
    double offset_ppm, initial_phase_ui;
    long acquire;
    double gear;
    double lock_snr_db;   /* lock detector: slicer SNR below which the phase is re-acquired (0: off) */
    /* sinusoidal jitter as a delay of the received waveform */
    double sj_amp_ui, sj_rad_per_ui;
    /* MLSE */
    int mlse_memory, traceback;
} p4_dsprx_setup;

typedef struct p4_dsprx p4_dsprx;

typedef struct {
    double *z, *fb;       /* slicer input and DFE feedback, normalized (outer levels +-1) */
    uint8_t *dec;         /* final decisions (MLSE when on, else DFE) */
    uint8_t *dec_dfe;     /* the DFE's own decisions */
    double *y;            /* FFE output, normalized */
    double *x;            /* ADC codes (fixed) or scaled samples (float); may be NULL */
    uint64_t clips;       /* ADC samples at a rail */
    uint64_t slips;       /* changes of the residual phase's nearest whole UI after acquisition */
    uint64_t relocks;     /* re-acquisitions by the lock detector */
    double freq_ppm;      /* the loop integrator at the end, as a frequency offset */
    double phase_end_ui;  /* residual phase at the end */
} p4_dsprx_out;

p4_dsprx *p4_dsprx_create(const p4_dsprx_setup *s);
void p4_dsprx_destroy(p4_dsprx *d);
/* Process steps 0..nsym of wave[0..nsamp). train[m - delay] is the line symbol step m decides
 * (for training; may be NULL). t0: global TX symbol index of step 0 (sets the SJ phase).
 * rng: the ADC noise stream. Resets all state first, so units are independent. */
void p4_dsprx_run(p4_dsprx *d, const double *wave, size_t nsamp, size_t nsym, const uint8_t *train, long delay,
                  double t0, p4_rng *rng, p4_dsprx_out *o);
/* A waveform computed on demand: before reading sample j the receiver checks bit (j & phase_mask) of
 * ready[j >> block_shift] and, when it is clear, calls fill(ctx, j), which must compute that sample
 * (and may compute more) into the waveform and set its bit. For a waveform whose samples cost
 * something to make and of which the receiver reads a few per UI (sps a power of two, phase_mask =
 * sps - 1 and a block of 2^block_shift samples a whole number of UI). The samples' values must not
 * depend on the order they are made in: the results are then those of the whole waveform. ready
 * NULL (the default): the waveform is all there. */
typedef struct {
    const uint64_t *ready;
    int block_shift;
    size_t phase_mask;
    void (*fill)(void *ctx, size_t sample);
    void *ctx;
    size_t ring_mask;  /* 0: sample j is wave[j]; else wave is a ring, sample j at wave[j & ring_mask]
                        * (fill then clears the bits of the samples it overwrites) */
} p4_dsprx_source;
void p4_dsprx_set_source(p4_dsprx *d, const p4_dsprx_source *src);

/* The same with noise given at the reads: noise[m] (volts, as wave) is added to every sample step m
 * interpolates (its ADC sample and the acquisition aid's eye-scan samples of that step), so that a
 * caller whose noise is stationary and additive can draw it at symbol rate instead of into every
 * sample of wave. Not added to the bang-bang detector's edge samples (a caller with that detector
 * keeps the noise in wave). noise NULL: p4_dsprx_run. */
void p4_dsprx_run_noise(p4_dsprx *d, const double *wave, size_t nsamp, const double *noise, size_t nsym,
                        const uint8_t *train, long delay, double t0, p4_rng *rng, p4_dsprx_out *o);

/* What set-up chose, for the report. */
typedef struct {
    int shift;            /* FFE accumulator right shift */
    double out_level;     /* output units of the outer level */
    double kp, ki;        /* loop gains used after acquisition */
    int mu_ffe, mu_dfe;   /* LMS step exponents (2^-mu) */
    int32_t ffe_q[64], dfe_q[64];
} p4_dsprx_info;
const p4_dsprx_info *p4_dsprx_info_get(const p4_dsprx *d);

/* The fixed-point FFE alone (tests, vectors): codes x[0..n) -> y[0..n) output units, with the taps
 * and format of d; y_ref gets sum c x / 2^shift with no rounding or saturation (may be NULL). */
void p4_dsprx_ffe_block(const p4_dsprx *d, const double *x, size_t n, double *y, double *y_ref);

/* Loop gains of a second-order CDR: -3 dB bandwidth f3 at baud fb, damping zeta, detector gain kd. */
void p4_cdr_gains(double f3_hz, double zeta, double fb_hz, double kd, double *kp, double *ki);

#ifdef __cplusplus
}
#endif
#endif
