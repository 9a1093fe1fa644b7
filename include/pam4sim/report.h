/* report.h - the run report: a human summary and a versioned JSON document.
 *
 * The JSON carries the program version, the seed, the full effective configuration, what the link
 * chose (CTLE, phase, equalizer), the counts with their 95 % intervals, eyes, pulse response and the
 * latency breakdown. It holds no wall-clock figures, so the same seed gives byte-identical files.
 */
#ifndef PAM4SIM_REPORT_H
#define PAM4SIM_REPORT_H
#include <stdio.h>
#include "pam4sim/config.h"
#include "pam4sim/json.h"
#include "pam4sim/link.h"
#include "pam4sim/measure.h"
#include "pam4sim/stat.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_VERSION "0.9.0"
#define P4_JSON_SCHEMA 4

/* The link part of the text report: header, channel, optics, CTLE, phase, pulse, FFE, DFE. */
void p4_report_link_text(FILE *f, const p4_config *c, const p4_link_info *in);
void p4_report_text(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n, const p4_eye *eye);
void p4_report_json(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n, const p4_eye *eye);
/* The same with how the run ended: results.run = {"end": end, "partial": partial, "symbols_planned"}.
 * partial: the counts stop short of what was asked for (a signal, a failed checkpoint), so they
 * must not be read as the whole run. */
void p4_report_json_run(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n, const p4_eye *eye,
                        const char *end, int partial);
/* The DSP receiver, MLSE, FEC, error-burst and DSP-latency parts (report_dsp.c); JSON: members
 * "dsp", "fec", "bursts", "latency_dsp" of "results", each line starting with a comma. */
void p4_report_dsp_text(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n);
void p4_report_dsp_json(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n);
/* The optical line and TDECQ (report_optics.c); JSON: member "optics" of "link", with a leading comma. */
void p4_report_optics_text(FILE *f, const p4_config *c, const p4_link_info *in);
void p4_report_optics_json(FILE *f, const p4_config *c, const p4_link_info *in);
void p4_report_tdecq_text(FILE *f, const p4_config *c, const p4_tdecq_result *t);
void p4_report_launch_text(FILE *f, const p4_optics_info *o); /* the "launch" line: Pavg, OMA, ER, RLM */
void p4_report_tdecq_json(FILE *f, const p4_tdecq_result *t);
/* The statistical eye (report_stat.c); JSON: member "stat", with a leading comma. */
void p4_report_stat_text(FILE *f, const p4_config *c, const p4_link_info *in, const p4_stat_result *r);
void p4_report_stat_json(FILE *f, const p4_stat_result *r);
/* SNR-equivalent gain in dB of going from SER a to SER b (Q-factor ratio; NAN if either is 0). */
double p4_ser_gain_db(double ser_from, double ser_to);

#ifdef __cplusplus
}
#endif
#endif
