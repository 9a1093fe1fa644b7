/* ami.h - IBIS-AMI (IBIS 7.x) SerDes models as the host transmitter and receiver.
 *
 * A vendor ships a SerDes as an executable model (a shared library exporting AMI_Init, optionally
 * AMI_GetWave, and AMI_Close) and an .ami parameter file. This module
 *   - parses the .ami file (sim/ami_file.c): the parenthesised tree, its Reserved_Parameters
 *     (Init_Returns_Impulse, GetWave_Exists, Ignore_Bits, Max_Init_Aggressors, Modulation and the
 *     PAM4 thresholds) and its Model_Specific parameters (Usage, Type, Format, Default), and builds
 *     the input parameter string from the defaults and the user's overrides, refusing values
 *     outside a parameter's declared format;
 *   - loads and calls the model (sim/ami_model.c) with the IBIS signatures, either in this process
 *     (dlopen) or isolated in a child process (sim/ami_isolate.c) that owns the model and talks a
 *     small request/reply protocol over a socket pair, the impulse matrix and the waveform blocks in
 *     shared memory: a model that crashes ends its child, and the caller gets an error naming the
 *     model and the call;
 *   - runs the two IBIS flows (sim/ami_flow.c): the statistical (Init) flow, which hands an
 *     impulse response through the TX and RX models' AMI_Init, and the time-domain (GetWave) flow,
 *     which hands waveform blocks to AMI_GetWave: a receiver's result sampled at the model's clock
 *     times plus half a UI, after the model's Ignore_Bits (sim/link_ami.c); a transmitter's on the
 *     rendered TX waveform, its clock not used (sim/link_ami_tx.c).
 *
 * IBIS conventions used: the impulse matrix is row_size samples per column, column 0 the victim and
 * columns 1..aggressors the crosstalk (or probe) responses, column-major; sample_interval and
 * bit_time in seconds; clock_times absolute from the first AMI_GetWave call, ended by -1, each the
 * recovered clock's edge, the data sampled half a bit later. Messages and output parameters the
 * model returns are copied out and shown to the user.
 */
#ifndef PAM4SIM_AMI_H
#define PAM4SIM_AMI_H
#include <stddef.h>
#include <stdio.h>
#include "pam4sim/config.h"
#include "pam4sim/response.h"
#include "pam4sim/status.h"

/* ---- the .ami parameter file ---- */

typedef enum { P4_AMI_IN, P4_AMI_OUT, P4_AMI_INOUT, P4_AMI_INFO, P4_AMI_DEP } p4_ami_usage;
typedef enum { P4_AMI_FLOAT, P4_AMI_INTEGER, P4_AMI_UI, P4_AMI_TAP, P4_AMI_STRING, P4_AMI_BOOLEAN } p4_ami_type;
typedef enum { P4_AMI_VALUE, P4_AMI_RANGE, P4_AMI_LIST, P4_AMI_INCREMENT, P4_AMI_CORNER } p4_ami_format;

#define P4_AMI_NAME 64
#define P4_AMI_LIST_MAX 32

typedef struct {
    char name[P4_AMI_NAME];       /* the leaf's name                                          */
    char path[4 * P4_AMI_NAME];   /* branch.branch.leaf below Model_Specific (or the name)      */
    int branch;                   /* 1: a branch (holds parameters), 0: a parameter            */
    int depth;                    /* nesting below Model_Specific / Reserved_Parameters (0..)  */
    int reserved;                 /* under Reserved_Parameters                                 */
    int line;                     /* line of its opening parenthesis                           */
    p4_ami_usage usage;
    p4_ami_type type;
    p4_ami_format format;
    double num[4];                /* Range: typ min max; Increment: typ min max delta; Corner: typ slow fast */
    int nlist;                    /* List entries (as text)                                     */
    char list[P4_AMI_LIST_MAX][P4_AMI_NAME];
    char value[P4_AMI_NAME];      /* the value passed (default, or the override)                */
    int overridden;
} p4_ami_param;

typedef struct {
    char path[P4_PATH_MAX];
    char root[P4_AMI_NAME];       /* the tree's root name: the parameter string starts with it */
    int nparam;
    p4_ami_param *param;          /* every node of Reserved_Parameters and Model_Specific, in order */
    /* reserved parameters */
    int init_returns_impulse, getwave_exists;
    int max_init_aggressors;      /* 0 when absent                                             */
    long ignore_bits;             /* 0 when absent                                             */
    int modulation_declared;      /* 0: absent (IBIS default NRZ), 1: PAM4                     */
    int has_thresholds;           /* PAM4_Upper/Center/LowerThreshold present (Info or Out)     */
    double thresholds[3];         /* lower, center, upper [V]                                  */
} p4_ami_file;

/* Parse an .ami file; NULL with "FILE:LINE: parameter 'X': ..." on a malformed file. */
p4_ami_file *p4_ami_file_read(const char *path);
/* The same from text (name is used in messages as the file name). */
p4_ami_file *p4_ami_file_parse(const char *text, const char *name);
void p4_ami_file_free(p4_ami_file *f);
/* Override an In/InOut parameter by its name (or branch.name path); `key` names the setting in
 * messages (e.g. rx.ami.params). Refused, naming the parameter, its format and the .ami line, when
 * the value is outside the declared Range/List/Increment/Corner or of the wrong Type. */
p4_status p4_ami_file_set(p4_ami_file *f, const char *name, const char *value, const char *key);
/* The AMI_parameters_in string: (root (name value) (branch (name value)) ...) of the In and InOut
 * parameters with their values. Caller frees. */
char *p4_ami_file_params_in(const p4_ami_file *f);
/* A parameter by name or path, or NULL. */
const p4_ami_param *p4_ami_file_find(const p4_ami_file *f, const char *name);

/* A number from an AMI parameter string (e.g. AMI_parameters_out): the value of the first
 * "(name value)" found at any depth; 0 when found. */
int p4_ami_string_number(const char *params, const char *name, double *v);

/* ---- a loaded model ---- */

typedef struct p4_ami_model p4_ami_model;

/* Load a model: dlopen it here (isolate 0), or in a child process of its own (isolate 1). Resolves
 * AMI_Init and AMI_Close (required) and AMI_GetWave (optional). NULL with a message naming the file
 * and the missing symbol, or dlopen's reason. */
p4_ami_model *p4_ami_open(const char *so_path, int isolate);
/* Isolated models: the longest a call may take before the model's process is killed and the call
 * fails (seconds; 0: no limit). In process a model cannot be stopped. */
void p4_ami_set_timeout(p4_ami_model *m, double seconds);
/* AMI_GetWave was found. */
int p4_ami_has_getwave(const p4_ami_model *m);
/* AMI_Init on impulse[row_size * (1 + aggressors)] (modified in place when the model returns an
 * impulse). The previous Init's memory is closed first. An AMI_Init that returns 0, or a model that
 * crashes in it (isolated), gives an error naming the model, the call and the model's message. */
p4_status p4_ami_init(p4_ami_model *m, double *impulse, long row_size, long aggressors, double sample_interval,
                      double bit_time, const char *params_in);
/* AMI_GetWave on wave[0..n) in place; clock_times[0..nclk) filled (the model's ticks, then -1). */
p4_status p4_ami_getwave(p4_ami_model *m, double *wave, long n, double *clock_times, long nclk);
/* AMI_Close of the current Init's memory (nothing when none). */
p4_status p4_ami_close(p4_ami_model *m);
/* The model's last message and output parameters ("" when none); valid until the next call. */
const char *p4_ami_message(const p4_ami_model *m);
const char *p4_ami_params_out(const p4_ami_model *m);
const char *p4_ami_path(const p4_ami_model *m);
/* Close, unload (end the child). */
void p4_ami_free(p4_ami_model *m);

/* ---- isolation (sim/ami_isolate.c; used by p4_ami_model) ---- */

typedef struct p4_ami_child p4_ami_child;
p4_ami_child *p4_ami_child_start(const char *so_path, int *has_getwave);
/* op 'I' (Init: data = impulse matrix), 'G' (GetWave: data = wave then clock times), 'C' (Close).
 * ret: the model's return value; msg and out: its strings (malloc'd, caller frees, may be NULL). */
p4_status p4_ami_child_call(p4_ami_child *c, int op, double *data, size_t ndata, size_t nback, long a0, long a1,
                            double d0, double d1, const char *params, long *ret, char **msg, char **out);
void p4_ami_child_set_timeout(p4_ami_child *c, double seconds);
void p4_ami_child_stop(p4_ami_child *c);

/* ---- the flows (sim/ami_flow.c) ---- */

/* What the Init flow did, for the report. */
typedef struct {
    int used;                     /* a model was applied                                        */
    char model[P4_PATH_MAX];
    int isolated, getwave;
    int symbol_spaced;            /* TX: the response is symbol-spaced, applied as the TX FFE     */
    int ntaps;                    /* ... with these taps                                         */
    double taps[P4_MAX_TAPS];
    int probe;                    /* linear response from an aggressor column (1) or a second Init (2) */
    double nonlinear_rel;         /* |victim - linear part * input| / |victim|: what the flow cannot model */
    long ignore_bits;
    /* the time-domain flow (rx.ami.flow: sim/link_ami.c; tx.ami.flow: sim/link_ami_tx.c): the
     * receiver model's clock over every work unit the link ran (a transmitter's clock is not used) */
    int getwave_flow;             /* 1: the sample-level run takes the model through AMI_GetWave  */
    int thresholds_from_model;    /* the slicer's thresholds are the model's PAM4_*Threshold outputs */
    int own_clock;                /* the model returns no clock times: pam4sim's sampling phase     */
    unsigned long long units, clocks, ignored, missing, repeated; /* units run; clocks returned; the
                                   * first Ignore_Bits of each unit; symbols without a clock; symbols
                                   * with more than one */
    double phase_ui, spread_ui;   /* circular mean of the sampling instants (clock + UI/2) in the UI of
                                   * the RX waveform, and their rms spread about each unit's mean */
    char params_in[512];
    char message[256];
    char params_out[256];
} p4_ami_info;

/* The model's linear response g[0..row_size) as AMI_Init applies it: the victim column is `impulse`
 * (what the model adapts to), the probe a unit impulse in an aggressor column when the .ami allows
 * one (Max_Init_Aggressors >= 1), otherwise a second Init on the unit impulse alone. The victim's
 * output goes to victim_out (may be NULL). */
p4_status p4_ami_linear_response(p4_ami_model *m, const p4_ami_file *f, const double *impulse, long row_size,
                                 double dt, double ui, double *g, double *victim_out, p4_ami_info *info);

/* The Init-flow hook of a link's transmitter: with tx.ami.model set, load it, hand it the impulse
 * response of txf x ch x rxf (its TX analog, channel and RX analog front end, sampled at fs) and
 * put the model's linear response into the chain: a symbol-spaced response becomes the TX FFE of
 * cfg (exact, as the native FFE), any other response multiplies txf. *seen (malloc'd, *len
 * samples, per sample as p4_impulse) gets what a receiver model sees at its input on an electrical
 * link, the link's own response per unit level: the TX model's output, or the chain's impulse
 * response through the native TX FFE without one, times the TX amplitude. tx.ami.flow (auto:
 * getwave when the .ami declares GetWave_Exists True and the model exports AMI_GetWave) is resolved
 * here into tx->getwave_flow; the chain takes the Init response either way (the link's design), and
 * a GetWave flow needs that response symbol-spaced (sim/link_ami_tx.c runs the waveform). */
p4_status p4_ami_link_tx(p4_config *cfg, p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf, p4_ami_info *tx,
                         double **seen, long *len);
/* The impulse response a TX model's AMI_Init gets: txf x ch x rxf at fs, truncated, with room for the
 * model's response after it (*len samples, malloc'd, per sample as p4_impulse). */
p4_status p4_ami_tx_input(const p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf, int sps, double **h, long *len);
/* The receiver's hook: with rx.ami.model set, load it and give its AMI_Init the impulse response
 * seen[0..len) at its input (per sample). The flow (rx.ami.flow, resolved here: auto is getwave
 * when the .ami declares GetWave_Exists True and the model exports AMI_GetWave) decides what joins
 * the chain: init multiplies the model's linear response into rxf and rx.dfe.taps stands for its
 * DFE; getwave leaves rxf as the RX input (the model's GetWave filters the waveform, sim/link_ami.c)
 * and turns the link's DFE off (the model's is in its output). Either way the link's own CTLE and
 * RX FFE are off (cfg is the link's copy; the FFE keeps one tap, the gain). */
p4_status p4_ami_link_rx(p4_config *cfg, p4_fresp *rxf, const double *seen, long len, p4_ami_info *rx);
/* Both, on an electrical link (the receiver sees the transmitter model's output). */
p4_status p4_ami_link_apply(p4_config *cfg, p4_fresp *txf, const p4_fresp *ch, p4_fresp *rxf, p4_ami_info *tx,
                            p4_ami_info *rx);
/* The .ami file of a model setting (model, ami_file, params as in p4_config) with the user's
 * parameters applied; NULL with the error set. key: "tx.ami" or "rx.ami" for messages. */
p4_ami_file *p4_ami_file_for(const char *model, const char *ami, const char (*params)[P4_AMI_PARAM_MAX], int64_t nparams,
                             const char *key);

/* The report's lines about the models (sim/report_ami.c): what each did and what it said. */
void p4_ami_report_text(FILE *f, const p4_ami_info *tx, const p4_ami_info *rx);
/* The same as a ",\n    \"ami\": {...}" member of the link object (nothing when no model is used). */
void p4_ami_report_json(FILE *f, const p4_ami_info *tx, const p4_ami_info *rx);

/* The time-domain flow: a receiver model's GetWave on a stream of waveform blocks, sampled at its
 * clock times + UI/2 (linear interpolation; a clock near a block's end waits for the next block). */
typedef struct p4_ami_getwave_flow p4_ami_getwave_flow;
p4_ami_getwave_flow *p4_ami_getwave_flow_create(p4_ami_model *m, double sample_interval, double bit_time,
                                                size_t block);
/* One block of wave[0..n) (n <= block; modified in place: the model's output). Appends samples at
 * the sampling instants after Ignore_Bits to t_out/v_out (at most cap); *nout: how many. */
p4_status p4_ami_getwave_flow_run(p4_ami_getwave_flow *g, double *wave, size_t n, long ignore_bits, double *t_out,
                                  double *v_out, size_t cap, size_t *nout);
/* Clocks the model returned so far (the ignored ones included). */
long p4_ami_getwave_flow_bits(const p4_ami_getwave_flow *g);
void p4_ami_getwave_flow_free(p4_ami_getwave_flow *g);

#endif
