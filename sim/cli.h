/* cli.h - the pam4sim subcommands that live in their own files (sim/cli_*.c), and the helpers
 * they share with main.c. Not part of the library. */
#ifndef PAM4SIM_CLI_H
#define PAM4SIM_CLI_H
#include <stdio.h>
#include <stdint.h>
#include "pam4sim/config.h"
#include "pam4sim/link.h"
#include "pam4sim/stat.h"
#include "pam4sim/touchstone.h"
#include "pam4sim/com.h"

int cli_fail(void);                                           /* print p4_last_error(), return 1 */
int cli_parse_u64(const char *opt, const char *v, uint64_t *out); /* 0, or -1 with a message */
typedef void (*cli_writer_fn)(FILE *f, void *ctx);
int cli_write_atomic(const char *path, cli_writer_fn fn, void *ctx); /* temporary file + rename */
/* Before a long run: can a file be made beside path (the option's name for the message)? 0 or 1. */
int cli_check_writable(const char *opt, const char *path);
/* The start of a command's JSON document: program, version, schema, command, seed and the full
 * configuration, without the closing brace (the caller goes on with ",\n  \"key\": ..."). */
void cli_json_head(FILE *f, const char *command, const p4_config *c);

/* The options every simulating command shares: the one configuration FILE (loaded first, so the
 * options override it wherever they appear), --set key=value, --symbols N, --seed S, -j N. Any
 * other option (with its value; NULL if none follows) goes to other(), which returns 0 if it took
 * the value, 1 if it took none, or 2 for a usage error. Returns 0, 1 (an error, printed) or 2. */
typedef int (*cli_other_fn)(const char *opt, const char *val, void *ctx);
/* cli_config also takes --fail-on-target (run, stat, sweep, compare): a completed run that misses
 * measure.target_ber then exits with CLI_EXIT_TARGET instead of 0. */
#define CLI_EXIT_TARGET 3
extern int cli_fail_on_target;
int cli_config(const char *cmd, int argc, char **argv, p4_config *cfg, cli_other_fn other, void *ctx);

/* Several processes (cli_mpi.c): MPI when built with it, else one process. */
void cli_mpi_init(int *argc, char ***argv);
void cli_mpi_finalize(void);
int cli_mpi_rank(void);
int cli_mpi_size(void);
const char *cli_mpi_build(void);
void cli_mpi_control(p4_run_control *rc); /* this process's rank, the ranks and the sum */

int cmd_fec(int argc, char **argv);  /* pam4sim fec encode|decode */
int cmd_jtol(int argc, char **argv); /* pam4sim jtol */
int cmd_vectors(int argc, char **argv); /* pam4sim vectors check|generate|export|list */
int cmd_tdecq(int argc, char **argv);   /* pam4sim tdecq */
int cmd_fft_wisdom(int argc, char **argv); /* pam4sim fft-wisdom */
int cmd_sensitivity(int argc, char **argv); /* pam4sim sensitivity */
int cmd_stat(int argc, char **argv);        /* pam4sim stat */
int cmd_module(int argc, char **argv);      /* pam4sim module */
int cmd_mission(int argc, char **argv);     /* pam4sim [run] without FILE: the mission */
int cli_run_is_mission(int argc, char **argv);
int cli_channel_lanes(const p4_touchstone *ts, const char *file, int json, const int *map, int nmap); /* channel: a multi-lane file */
void cli_stat_config(p4_config *c);         /* the statistical engine's link: stat.sps, no TDECQ */

/* Plots (cli_plot.c, PLplot): PNG and SVG files in folder dir (created if missing); 0 or 1. */
int cli_plot_dir(const char *dir);
int cli_plot_stat(const char *dir, const p4_link *l, const p4_stat_result *r, const p4_config *c);
int cli_plot_run(const char *dir, const p4_link *l, const p4_counts *n, const p4_config *c);
int cli_plot_sweep(const char *dir, const char *key, int n, const double *x, const double *ber, const double *lo,
                   const double *hi, double target);
int cmd_sweep(int argc, char **argv); /* pam4sim sweep */
/* pam4sim channel's checks (cli_channel.c): band against baud/2, passivity against 1 + tol, the IL
 * at baud/2 against the 200G/lane budgets; JSON members (",\n ..." without the closing brace) or
 * text lines. */
int cli_channel_checks(FILE *f, int json, const p4_touchstone *ts, const p4_channel_summary *s, double baud_gbd, double tol);
int cmd_compare(int argc, char **argv); /* pam4sim compare */
int cmd_com(int argc, char **argv);     /* pam4sim com */
int cli_plot_com(const char *dir, const p4_com_result *r, double der0); /* COM pulse and tail plots */
/* sweep --engine com: COM against the last key with the threshold (sweep_com, PNG and SVG) */
int cli_plot_sweep_com(const char *dir, const char *key, int n, const double *x, const double *com, double thr);

#endif
