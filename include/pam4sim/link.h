/* link.h - an electrical PAM4 link, TX to decisions, simulated sample by sample.
 *
 * p4_link_create() turns a configuration into a ready link: it builds the frequency responses of
 * the TX bandwidth, the channel, the RX noise filter and the CTLE on one FFT grid; chooses the CTLE
 * gains ("auto"), the sampling phase ("auto") and the RX FFE/DFE coefficients by the MMSE SNR of the
 * sampled pulse response; and sets up the overlap-save FIR that runs the whole linear chain. Noise
 * (TX noise through the channel, eta0 at the CTLE input through the RX filter and CTLE, white noise
 * at the sampler) is one Gaussian input shaped by sqrt(total noise PSD): the phase of a noise filter
 * does not change the statistics, so all sources cost one FFT.
 *
 * With optics.enable the transmitter's rendered waveform drives the optical line (optics.h) and the
 * receive FIR is TIA x RX filter x CTLE on the photocurrent. The equalizer design needs the pulse
 * response of a nonlinear line: it is identified by least squares from a noiseless periodic probe
 * of balanced random levels (the best linear approximation; the residual is reported as the line's
 * SNDR), and noise design terms (TIA, shot, RIN, MPI at the average power) are white at the PD.
 *
 * p4_link_run() simulates sim.symbols symbols in work units of sim.unit_symbols. Each unit starts
 * with a warm-up that fills every filter's history, has its own random streams from (seed, unit,
 * stream), and is counted after its decisions are aligned to the TX symbols by the delay measured by
 * correlation at creation. Memory is fixed by the unit size, not by the symbol count.
 */
#ifndef PAM4SIM_LINK_H
#define PAM4SIM_LINK_H
#include <stdint.h>
#include "pam4sim/ami.h"
#include "pam4sim/config.h"
#include "pam4sim/measure.h"
#include "pam4sim/optics.h"
#include "pam4sim/tdecq.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct p4_link p4_link;

#define P4_PULSE_PRE 3
#define P4_PULSE_POST 8
#define P4_MAX_WARN 8
#define P4_IL_POINTS 256

typedef struct {
    /* what the link chose */
    double g_dc_db, g_dc_hp_db;     /* CTLE (NAN when off)            */
    double sample_phase_ui;
    double mmse_snr_db;             /* predicted SNR at the slicer    */
    int nffe, npre, ndfe;
    double ffe[P4_MAX_TAPS], dfe[P4_MAX_TAPS];
    /* pulse response at the sampler (before the RX FFE) */
    double main_cursor_v;
    double pre[P4_PULSE_PRE], post[P4_PULSE_POST]; /* relative to the main cursor */
    double channel_il_nyquist_db;   /* |H_channel| at baud/2 (after channel.length_scale and extra_loss_db) */
    double channel_il_file_db;      /* a Touchstone channel: the file's own loss at baud/2                  */
    int channel_scaled;             /* a Touchstone channel scaled or with an extra loss in series          */
    double fir_taps;                /* length of the linear-chain FIR */
    char engine[16];                /* "symbol" (symbol rate where exact) or "sample"       */
    char engine_why[96];            /* why that engine                                       */
    /* latency model, ns */
    double lat_tx_ffe_ns, lat_driver_ns, lat_channel_ns, lat_rx_analog_ns, lat_rx_ffe_ns, lat_model_ns;
    double lat_measured_ns;         /* from the correlation delay     */
    long delay_symbols;
    /* DSP receiver (rx.dsp.enable) */
    int dsp;
    double agc_gain_db, adc_full_scale_v, adc_lsb_mv, cdr_kd, cdr_kp, cdr_ki, dsp_out_level;
    int ffe_shift, mu_ffe, mu_dfe;
    int32_t ffe_q[P4_MAX_TAPS], dfe_q[P4_MAX_TAPS];
    size_t fec_frame_symbols;     /* 0 without FEC */
    /* latency of the receive DSP and FEC, per block (ns), with where each figure comes from */
    int nlat;
    struct { char name[48]; double ns; char source[48]; } lat[12];
    double lat_dsp_total_ns;
    /* optical line (optics.enable) */
    int optical;
    p4_optics_info opt;
    double tia_z_ohm;               /* transimpedance used (AGC or fixed)                    */
    double rx_noise_bw_ghz;         /* noise-equivalent bandwidth of TIA x RX filter x CTLE  */
    double tia_noise_ua;            /* input-referred rms noise current in that bandwidth    */
    double sens_thermal_oma_dbm;    /* 6 Qt i_n sqrt(B) / R at measure.target_ber            */
    double opt_sndr_db;             /* linear fit of the optical line: signal / residual     */
    double lat_fiber_ns;            /* flight time, added to the modelled and measured delay */
    int has_tdecq;                  /* tdecq.in_run                                          */
    p4_tdecq_result tdecq;
    /* insertion loss of the electrical channel, for plots: |H| in dB at il_f_ghz (0 .. baud) */
    int il_n;
    double il_f_ghz[P4_IL_POINTS], il_db[P4_IL_POINTS];
    int nwarn;
    char warn[P4_MAX_WARN][256];
    p4_ami_info ami_tx, ami_rx;     /* IBIS-AMI host SerDes models (tx.ami, rx.ami), when used */
} p4_link_info;

p4_link *p4_link_create(const p4_config *cfg);
/* The MMSE SNR at the slicer (dB) that p4_link_create would choose, from the set-up's equalizer
 * choice alone (no delay probe, DSP receiver, TDECQ or engine set-up): for searches over settings. */
p4_status p4_link_mmse_snr(const p4_config *cfg, double *snr_db);
const p4_link_info *p4_link_info_get(const p4_link *l);
/* Run the configured number of symbols (or `symbols` if > 0). */
p4_status p4_link_run(p4_link *l, uint64_t symbols, p4_counts *out);

/* How a run ended. */
typedef enum { P4_RUN_DONE = 0, P4_RUN_ERRORS, P4_RUN_TIME, P4_RUN_STOPPED } p4_run_end;

/* Control of a long run. Stops are decided between rounds of work units; until_errors cuts at the
 * unit (in unit order) where the bit errors reach it, so its result does not depend on -j or on the
 * number of processes. A stop by time or by *stop is at a round's end (where depends on timing;
 * what was merged is exact, and a checkpoint taken there resumes to the uninterrupted result). */
typedef struct {
    uint64_t until_errors;            /* stop once the bit errors reach this (0: off)                */
    double max_seconds;               /* stop after the round in which this wall time passes (0: off) */
    const volatile int *stop;         /* nonzero: stop after the current round (a signal handler)    */
    const char *checkpoint;           /* checkpoint file (checkpoint.h), or NULL                     */
    uint64_t checkpoint_every;        /* units between checkpoints (0: only when the run stops early) */
    const char *resume;               /* go on from this checkpoint, or NULL                         */
    /* several processes (MPI): this one's rank of nranks, and sum_u64, which must sum n words over
     * all processes in place (MPI_Allreduce with MPI_SUM); NULL / 1 for one process */
    int rank, nranks;
    p4_status (*sum_u64)(void *ctx, uint64_t *v, size_t n);
    void *ctx;
} p4_run_control;

typedef struct {
    p4_run_end end;
    uint64_t units;                   /* work units merged (from unit 0, resumed ones included) */
    int resumed;
    uint64_t resumed_units;
    int checkpoints;                  /* checkpoints written */
    double seconds;                   /* wall time of this call's rounds */
} p4_run_info;

/* As p4_link_run, under control (rc may be NULL); ri (may be NULL) says how it ended. Every process
 * of a multi-process run returns the total counts. */
p4_status p4_link_run_ctl(p4_link *l, uint64_t symbols, const p4_run_control *rc, p4_counts *out, p4_run_info *ri);
void p4_link_destroy(p4_link *l);

/* Worker threads p4_link_run uses when sim.threads is 0: the number of online cores. */
int p4_default_threads(void);
/* The symbol-spaced pulse response at phase index phase (0..sps-1), for tests: fills p[0..n). */
int p4_link_pulse(const p4_link *l, int phase, double *p, int n);
/* Start the DSP receiver's clock recovery at initial_phase_ui with the RX clock offset_ppm from the
 * TX clock (as rx.cdr.initial_phase_ui and rx.cdr.offset_ppm, same ranges) in the runs that follow,
 * without setting the link up again: for sweeps of the clock's start. P4_EINVAL without the DSP
 * receiver or out of range. */
p4_status p4_link_set_clock(p4_link *l, double initial_phase_ui, double offset_ppm);
/* Draw the data, noise and jitter of the runs that follow from seed (as sim.seed, >= 0) without
 * setting the link up again (the design does not depend on the seed): for independent repetitions. */
p4_status p4_link_set_seed(p4_link *l, int64_t seed);
/* The slicer thresholds (normalized, outer levels at +-1). */
const double *p4_link_thresholds(const p4_link *l);

/* A link as one segment of a chain (arch.h): it transmits given symbols instead of its own pattern
 * or frames, and hands its decisions on. A segment made for `counted` decisions takes span input
 * symbols per call (its warm-up, the counted ones, its tail, in whole chunks); the decisions come
 * out aligned to the input: dec[i] (and the slicer input z[i]) answer tx[warm + i], i < counted.
 * `start` is the global index of tx[0] (jitter and pattern phases), `unit` picks the random
 * streams. p4_link_seg_count counts decisions off .. off + n (the first neye into the eye) against
 * the input, as a run would. A segment is one thread's: make one per worker. FFTW plans are made in
 * p4_link_seg_create: call it from one thread. */
typedef struct p4_link_seg p4_link_seg;
p4_link_seg *p4_link_seg_create(const p4_link *l, size_t counted);
size_t p4_link_seg_span(const p4_link_seg *s);
size_t p4_link_seg_warm(const p4_link_seg *s);
void p4_link_seg_run(p4_link_seg *s, uint64_t unit, uint64_t start, const uint8_t *tx, uint8_t *dec, double *z);
void p4_link_seg_count(const p4_link_seg *s, size_t off, size_t n, size_t neye, p4_counts *c);
/* A model's failure in the last p4_link_seg_run (the RX model's GetWave flow), raised again here. */
p4_status p4_link_seg_status(const p4_link_seg *s);
void p4_link_seg_destroy(p4_link_seg *s);

/* What the statistical engine (stat.h) needs of a created link: its linear chain at the sampler
 * before the RX FFE, in one index frame. Sample n of pulse, xt_pulse and edge is the response at
 * time n (samples) to symbol 0, whose TX edge lies at sample sps/2 (driver.h); the chosen sampling
 * phase of symbol m is sample m*sps + phase. Pointers stay valid for the link's life. */
typedef struct {
    int sps, phase, cursor;         /* cursor: the pulse's main cursor, in symbols             */
    const p4_link_info *info;       /* the chosen RX FFE and DFE                                */
    const double *lv, *th;          /* normalized levels (outer +-1) and slicer thresholds       */
    const double *pulse;            /* V per unit level: TX FFE x amplitude x the whole chain   */
    int pulse_len;
    const double *edge;             /* V per sample of edge delay per V of level step: the       */
    size_t edge_len;                /* chain's per-sample impulse (an optical line's from its   */
                                    /* linear fit; NULL where that is ill-conditioned)          */
    const p4_config *cfg;           /* the link's configuration (TX FFE, amplitude, jitter)     */
    int nxt;                        /* aggressors: pulse of one symbol of level 1 x its amplitude */
    const double *xt_pulse[P4_MAX_XTALK];
    int xt_len[P4_MAX_XTALK];
    const double *rn;               /* Gaussian noise autocorrelation at the sampler, V^2, at    */
    int nrn;                        /* symbol lags 0..nrn-1 (crosstalk not included; for an     */
                                    /* optical line the signal-independent noise only)          */
    /* an optical line (NULL otherwise): the receive chain's impulse response from photocurrent
     * to the sampler (V per A, per sample) and the photocurrent per unit level (A, the line's
     * linear fit), so that pulse = rx_h (*) opt_pulse; the line's static levels and powers */
    const double *rx_h, *opt_pulse;
    size_t rx_h_len;
    int opt_len;
    const p4_optics_info *opt;
    double fs_hz;                   /* sample rate of every response above                      */
} p4_link_view;
void p4_link_view_get(const p4_link *l, p4_link_view *v);

#ifdef __cplusplus
}
#endif
#endif
