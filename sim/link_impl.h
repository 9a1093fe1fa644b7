/* link_impl.h - the link's private state, shared by the files that make up the link:
 *   link.c       set-up: channel, optics, pulse, equalizer choice, geometry (p4_link_create)
 *   link_dsp.c   the DSP receiver's set-up (detector gains, AGC, fixed-point formats) and latency
 *   link_unit.c  the sample-level engine: one work unit simulated and counted
 *   link_trunc.c how much of each response the engines run
 *   link_symbol.c the symbol-rate engine: the same unit from the pulse at the sampling phase
 *   link_run.c   run control: work units over threads and processes, checkpoints, chain segments
 *   link_ami.c   the IBIS-AMI receiver's GetWave flow in a unit; an RX model's optical input
 *   link_ami_tx.c the IBIS-AMI transmitter's GetWave flow in a unit
 *   link_poly.c  the DSP receiver's waveform made only at the phases it reads
 */
#ifndef P4_LINK_IMPL_H
#define P4_LINK_IMPL_H
#include "pam4sim/link.h"
#include "pam4sim/ami.h"
#include "pam4sim/checkpoint.h"
#include "pam4sim/driver.h"
#include "pam4sim/dsprx.h"
#include "pam4sim/fec.h"
#include "../channel/fftplan.h"
#include "pam4sim/framer.h"
#include "pam4sim/equalizer.h"
#include "pam4sim/fir.h"
#include "pam4sim/optics.h"
#include "pam4sim/pam4.h"
#include "pam4sim/prbs.h"
#include "pam4sim/response.h"
#include "pam4sim/rng.h"
#include "pam4sim/touchstone.h"
#include <fftw3.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "link_optics.h"
#include "work.h"

#define P4_SYM_INPUTS (2 + P4_MAX_XTALK + 129) /* pulse, noise, aggressors, edge shifts 0..sps */
#define TAIL_REL 1e-9 /* energy left out of a truncated impulse response */

typedef struct link_ami link_ami; /* the RX model's GetWave flow (link_ami.c), NULL without */
typedef struct unit_ami unit_ami; /* a unit state's model instance for it                 */
typedef struct link_poly link_poly; /* the DSP receiver's waveform at the phases it reads (link_poly.c) */
typedef struct unit_poly unit_poly;
typedef struct link_ami_tx link_ami_tx; /* the TX model's GetWave flow (link_ami_tx.c), NULL without */
typedef struct unit_ami_tx unit_ami_tx; /* a unit state's TX model instance for it                  */

struct p4_link {
    p4_config cfg;
    p4_link_info info;
    int sps, nxt;
    double ui_s, fs_hz;
    double lv[4], th[3], lvA[4];
    /* the linear chain */
    p4_impulse sig, noise, xt[P4_MAX_XTALK];
    int has_noise, passthrough;
    double *pulse;  /* full-rate pulse response of one symbol of level 1 (incl. TX FFE) */
    int pulse_len;
    int phase, cursor;
    size_t fir_len;
    double noise_var;  /* noise variance at the sampler (V^2), for the AGC */
    double rn_sym[P4_MAX_TAPS]; /* Gaussian noise autocorrelation at the sampler, symbol lags (stat.h) */
    double *xpulse[P4_MAX_XTALK]; /* aggressor pulse responses (one symbol of level 1 x amplitude) */
    int xpulse_len[P4_MAX_XTALK];
    double xt_amp_v[P4_MAX_XTALK];  /* each aggressor's peak amplitude [V] */
    /* DSP receiver and FEC */
    p4_dsprx *dsp;     /* the receiver set-up chose (its info); each worker runs its own copy */
    p4_dsprx_setup dsp_setup;
    int fec, inner;
    size_t frame;      /* symbols per (super)frame, 1 without FEC */
    /* optical line */
    p4_optics_model *optm; /* NULL for an electrical link */
    long opt_lead;         /* samples: the optical line's output index n is time n + opt_lead */
    long pulse_lead;       /* samples: pulse index i is time i + sig.lead + pulse_lead */
    double tia_sat_half;   /* receiver output tanh half swing [V], INFINITY: linear */
    double *opt_pulse;     /* photocurrent per unit level (the line's linear fit), per sample */
    int opt_len;
    double *opt_edge;      /* the line's edge response from its linear fit (stat.h), NULL: none */
    size_t opt_edge_len;
    /* the symbol-rate engine (link_symbol.c): responses at the sampling phase, symbol-spaced */
    int symbol_engine;     /* 1: units without eye symbols run at symbol rate */
    double *noise_sym;     /* the noise at the sampler as white noise through this symbol-rate response
                            * (NULL: no noise, or noise that is not additive at the sampler) */
    size_t noise_sym_len;
    double *sym_h[P4_SYM_INPUTS];
    size_t sym_len[P4_SYM_INPUTS];
    int sym_shift[P4_SYM_INPUTS]; /* jitter inputs: the edge's integer sample position in its UI */
    int sym_nin, sym_njit;        /* inputs: the pulse, [noise], aggressors, then sym_njit jitter */
    /* the taps the engines run (link_trunc.c): sig.h[0, sig_run), noise.h[noise_a, noise_a + noise_run),
     * xt[i].h[0, xt_run[i]) */
    size_t sig_run, noise_a, noise_run, xt_run[P4_MAX_XTALK];
    /* unit geometry */
    size_t warm, tail;
    uint64_t count_off; /* global index of the first counted symbol */
    link_ami *ami;
    link_ami_tx *ami_tx;
    link_poly *poly;       /* NULL: the DSP receiver's waveform by the FIR at the sample rate */
};

/* The state of one work unit (one worker's buffers, FIR, receiver, framer, patterns). */
typedef struct {
    size_t nsym, nsamp, chunk;        /* symbols in the unit, samples, symbols per chunk */
    uint8_t *tx, *line;               /* Gray symbols sent; precoded symbols on the line */
    double *lev, *ffe_out, *delta, *wave, *noise, *rx;
    double *xs, *y, *z, *fb;
    uint8_t *dec, *xsym, *dec_dfe;
    p4_framer *fr;
    p4_dsprx_out dout;
    double *xlev[P4_MAX_XTALK], *xwave[P4_MAX_XTALK];
    p4_fir *fir;                      /* the chain and the aggressors */
    p4_fir *noisefir;                 /* the noise at 16 samples/UI (units that read every phase) */
    double *nout;                     /* its output for one chunk */
    p4_ffe *txffe, *rxffe;
    p4_pattern *pat, *xpat[P4_MAX_XTALK];
    p4_dsprx *dsp;                    /* this unit state's own DSP receiver (NULL without) */
    p4_optics *opt;                   /* this unit state's optical line (NULL without) */
    double *owave;                    /* the line's photocurrent for one chunk */
    const uint8_t *ext;               /* a segment's given TX symbols (nsym of them), or NULL */
    p4_fir *sfir;                     /* the symbol-rate engine's FIR (NULL when it does not run) */
    size_t schunk;                    /* its symbols per chunk                                     */
    double *sbuf;                     /* its chunk buffers: levels, TX FFE, edges, noise, aggressors, jitter */
    uint8_t *sxsym;                   /* an aggressor's symbols for one chunk                      */
    p4_fir *nfir;                     /* the noise at the sampler, symbol rate (l->noise_sym)      */
    double *nw;                       /* its white input and output, nsym each                     */
    const double *rnoise;             /* the additive noise drawn at symbol rate where it is read (then
                                       * not in rx: unit_simulate), nsym of them, or NULL            */
    unit_ami *ami;                    /* its IBIS-AMI receiver model (GetWave flow), made on first use */
    unit_ami_tx *ami_tx;              /* its IBIS-AMI transmitter model (GetWave flow)             */
    unit_poly *poly;                  /* its DSP receiver's waveform made on demand (or NULL)      */
    int poly_whole;                   /* tests: the DSP receiver's made waveform kept whole (not a ring) */
} unit_state;

void link_warn(p4_link *l, const char *msg);
p4_status link_dsp_setup(p4_link *l);
void link_dsp_latency(p4_link *l);
p4_status link_measure_delay(p4_link *l);
p4_status unit_alloc(const p4_link *l, size_t counted, int with_dsp, unit_state *u);
void unit_free(unit_state *u, int nxt);
void unit_simulate(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0, int use_dsp);
uint64_t unit_begin(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0, p4_rng *rj, p4_rng *rn, p4_jitter *jit);
void unit_levels(const p4_link *l, unit_state *u, uint64_t start, size_t s0, size_t n, uint8_t *pstate, double *lev,
                 double *ffe_out);
void unit_decide(const p4_link *l, unit_state *u);
/* The hop a FIR of longest response L had before 0.9.0 (FFT length the larger of 8192 and the power
 * of two >= 4 L): the work units' chunks keep it. The random pattern drops the rest of its 32-symbol
 * word at the end of each call, so the chunking is part of the symbol stream; the FIR itself now
 * picks a shorter transform for a short response (fir.c), which moves no symbol. */
static inline size_t link_chunk_hop(const size_t *len, int n)
{
    size_t L = 1, N = 8192;
    for (int i = 0; i < n; i++) L = len[i] > L ? len[i] : L;
    while (N < 4 * L) N *= 2;
    return N - L + 1;
}

/* The symbol-rate engines' jitter (link_symbol.c): an edge step placed delta UI off its nominal
 * position, pos = sps/2 + delta sps samples into its UI, falls between the whole-sample positions
 * u0 = floor(pos) (returned) and u0 + 1, with the weights step (1 - phi) and step phi in w. */
static inline int edge_split(int sps, double delta, double step, double w[2])
{
    const double pos = 0.5 * sps + delta * sps;
    const int u0 = (int)floor(pos);
    const double phi = pos - u0;
    w[0] = step * (1 - phi), w[1] = step * phi;
    return u0;
}
/* The mean power of the four levels, s2 = sum lv^2 / 4 (the MMSE designs' and detectors' scale). */
static inline double link_level_power(const p4_link *l)
{
    double s2 = 0;
    for (int i = 0; i < 4; i++) s2 += 0.25 * l->lv[i] * l->lv[i];
    return s2;
}
/* The ADC's effective bits: rx.adc.enob, at most rx.adc.bits (auto: the bits). */
static inline double link_adc_enob(const p4_config *c)
{
    return isnan(c->adc_enob) ? (double)c->adc_bits : fmin(c->adc_enob, (double)c->adc_bits);
}
p4_status link_symbol_setup(p4_link *l);
p4_status link_phase_responses(const p4_link *l, int ph, double **h, size_t *len);
void link_symbol_free(p4_link *l);
void link_cut_responses(p4_link *l, const double *rp, int rl, double ramp);
p4_status unit_symbol_alloc(const p4_link *l, unit_state *u);
void unit_noise_prefill(p4_fir *f, int nin, int idx, size_t len, p4_rng *rn, double *w, double *scratch, size_t S);
const double *unit_sym_noise(const p4_link *l, unit_state *u, p4_rng *rn);
void unit_symbol_simulate(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0);
void unit_count(const p4_link *l, const unit_state *u, size_t off, size_t n, size_t neye, p4_counts *out);
/* link_poly.c */
p4_status link_poly_setup(p4_link *l);
void link_poly_free(link_poly *p);
p4_status unit_poly_alloc(const p4_link *l, unit_state *u);
void unit_poly_free(unit_poly *u);
void unit_poly_begin(const p4_link *l, unit_state *u, uint64_t start, p4_rng *rj, const p4_jitter *jit, int ring);
const double *unit_poly_source(unit_state *u, p4_dsprx_source *s); /* returns the waveform to read */
void unit_poly_complete(const unit_state *u); /* a whole waveform's missing phases (unit_state.poly_whole) */
/* The eye's samples of block b (B symbols): the RX FFE's output at phase r of each UI in row r, rows
 * unit_poly_eye_stride apart; valid until three other blocks are asked for. */
const double *unit_poly_eye_block(const unit_state *u, size_t b);
size_t unit_poly_block(const unit_state *u);
size_t unit_poly_eye_stride(const unit_state *u);
int unit_poly_failed(const unit_state *u);
/* link_ami.c: what a GetWave flow (the receiver's there, the transmitter's in link_ami_tx.c) keeps
 * of its model for every unit: where and how to load it, its AMI_parameters_in string, its
 * Ignore_Bits, and the impulse its AMI_Init gets (imp[R], IBIS units: 1/s), which each flow fills. */
typedef struct {
    char model[P4_PATH_MAX];
    int isolate;
    double timeout_s;
    char *params_in;
    double *imp;
    long R, ignore_bits;
    double dt, ui;
} ami_side;
p4_status ami_side_setup(ami_side *s, const p4_link *l, const char *model, const char *ami_file,
                         const char (*params)[P4_AMI_PARAM_MAX], int64_t nparams, const char *key, int isolate, double timeout_s);
p4_ami_model *ami_side_open(const ami_side *s);
void ami_side_free(ami_side *s);
p4_status link_ami_setup(p4_link *l);
void link_ami_reset_stats(p4_link *l);
void link_ami_free(link_ami *a);
p4_status unit_ami_alloc(const p4_link *l, unit_state *u);
int unit_ami_getwave(const p4_link *l, unit_state *u);
p4_status unit_ami_status(const unit_state *u);
void unit_ami_free(unit_ami *a);
/* link_ami_tx.c */
p4_status link_ami_tx_setup(p4_link *l, const p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf);
void link_ami_tx_reset_stats(p4_link *l);
void link_ami_tx_free(link_ami_tx *a);
p4_status unit_ami_tx_alloc(const p4_link *l, unit_state *u);
void unit_ami_tx_run(const p4_link *l, unit_state *u, size_t s0, double *wave, size_t n);
p4_status unit_ami_tx_status(const unit_state *u);
void unit_ami_tx_free(unit_ami_tx *a);
p4_status link_ami_optical_input(const p4_link *l, const p4_fresp *rx_a, const p4_fresp *rx_b, const double *opt_pulse, int opt_len,
                                 size_t max_len, double **seen, long *len);

#endif
