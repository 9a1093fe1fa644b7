/* main.c - the pam4sim command line: a thin layer over libpam4sim.
 *
 *   pam4sim [run] [FILE.yaml] [--set key=value]... [--symbols N] [--seed S] [-j N] [--json OUT]
 *   pam4sim config [FILE] [--set]  the full default (or FILE's configuration), with comments and units
 *   pam4sim prbs NAME [--symbols N]
 *   pam4sim channel FILE.sNp [--json] [--port-order a,b,c,d] [--baud-gbd B] [--passivity-tol T]
 *   pam4sim COMMAND --help | --help | --version
 * The commands, their help and their options are one table (cli_help.c); every command's arguments
 * pass cli_args_parse first (unknown options, -jN, --opt=value). Errors: one line on stderr, exit
 * status 1 (2 for usage). Result files are written to a temporary file in the same folder and
 * renamed into place, so a failed run never leaves a partial file.
 */
#include "pam4sim/pam4sim.h"
#include "cli.h"
#include "cli_help.h"
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int cli_fail(void)
{
    fprintf(stderr, "pam4sim: %s\n", p4_last_error());
    return 1;
}

int cli_parse_u64(const char *opt, const char *v, uint64_t *out)
{
    int64_t x; /* exactly: 2^53 + 1 stays 2^53 + 1 */
    if (!v || p4_parse_int64(v, &x) || x < 0 || x > (int64_t)1000000000000000000) {
        fprintf(stderr, "pam4sim: %s needs a whole number in [0, 1e18] (got '%s')\n", opt, v ? v : "");
        return -1;
    }
    *out = (uint64_t)x;
    return 0;
}

/* A temporary file beside path (tmp[n]), with the permissions umask gives a new file (mkstemp's
 * are 0600); its descriptor, or -1 with the message printed. */
static int temp_beside(const char *path, char *tmp, size_t n)
{
    if (strlen(path) + 12 >= n) {
        fprintf(stderr, "pam4sim: %.64s...: the path is longer than %zu characters\n", path, n - 13);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "pam4sim: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    if (fchmod(fd, 0666 & ~mask)) {
        fprintf(stderr, "pam4sim: %s: cannot write: %s\n", path, strerror(errno));
        close(fd), unlink(tmp);
        return -1;
    }
    return fd;
}

int cli_check_writable(const char *opt, const char *path)
{
    char tmp[4096];
    struct stat st;
    if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pam4sim: %s %s: a folder, not a file\n", opt, path);
        return 1;
    }
    int fd = temp_beside(path, tmp, sizeof tmp);
    if (fd < 0) return 1;
    close(fd);
    unlink(tmp);
    return 0;
}

/* Write through a temporary file and rename, so no partial output is ever left. */
int cli_write_atomic(const char *path, cli_writer_fn fn, void *ctx)
{
    char tmp[4096];
    int fd = temp_beside(path, tmp, sizeof tmp);
    if (fd < 0) return 1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        fprintf(stderr, "pam4sim: %s: cannot write: %s\n", path, strerror(errno));
        close(fd), unlink(tmp);
        return 1;
    }
    fn(f, ctx);
    int bad = ferror(f);
    if (fclose(f) || bad || rename(tmp, path)) {
        fprintf(stderr, "pam4sim: %s: cannot write: %s\n", path, strerror(errno));
        unlink(tmp);
        return 1;
    }
    return 0;
}

void cli_json_head(FILE *f, const char *command, const p4_config *c)
{
    fprintf(f, "{\n  \"program\": \"pam4sim\",\n  \"version\": \"%s\",\n  \"schema\": %d,\n  \"fft_plans\": ", P4_VERSION,
            P4_JSON_SCHEMA);
    p4_json_str(f, p4_fft_plans());
    fprintf(f, ",\n  \"command\": ");
    p4_json_str(f, command);
    fprintf(f, ",\n  \"seed\": %lld,\n  \"config\": ", (long long)c->seed);
    p4_config_write_json(c, f, 2);
}

typedef struct {
    const p4_config *c;
    const p4_link_info *in;
    const p4_counts *n;
    const p4_eye *eye;
    const char *end;
    int partial;
} run_ctx;

static void json_writer(FILE *f, void *v)
{
    run_ctx *r = v;
    p4_report_json_run(f, r->c, r->in, r->n, r->eye, r->end, r->partial);
}

/* Options of any command that take no value (the first pass must not take their next word). */
static int is_flag(const char *opt)
{
    static const char *const flags[] = {"--help", "--no-budget", "--exact", "--fail-on-target", "--link", "--mission", NULL};
    for (int i = 0; flags[i]; i++)
        if (!strcmp(opt, flags[i])) return 1;
    return 0;
}

int cli_fail_on_target;

int cli_config(const char *cmd, int argc, char **argv, p4_config *cfg, cli_other_fn other, void *ctx)
{
    const char *file = NULL;
    for (int i = 0; i < argc; i++) {
        if (argv[i][0] != '-') {
            if (file) {
                fprintf(stderr, "pam4sim: %s takes one configuration file ('%s' and '%s' given)\n", cmd, file, argv[i]);
                return 2;
            }
            file = argv[i];
        } else if (i + 1 < argc && !is_flag(argv[i]))
            i++;
    }
    if (file && p4_config_load(cfg, file)) return cli_fail();
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') continue;
        const char *key = !strcmp(a, "--symbols") ? "sim.symbols" : !strcmp(a, "--seed") ? "sim.seed"
                        : !strcmp(a, "-j") || !strcmp(a, "--threads") ? "sim.threads" : NULL;
        if (!strcmp(a, "--fail-on-target")) {
            cli_fail_on_target = 1;
        } else if (!strcmp(a, "--set")) {
            if (!val) {
                fprintf(stderr, "pam4sim: %s: --set needs key=value\n", cmd);
                return 2;
            }
            if (p4_config_set(cfg, val)) return cli_fail();
            i++;
        } else if (key) {
            uint64_t v;
            char kv[96];
            if (cli_parse_u64(a, val, &v)) return 2;
            snprintf(kv, sizeof kv, "%s=%llu", key, (unsigned long long)v);
            if (p4_config_set(cfg, kv)) return cli_fail();
            i++;
        } else {
            int rc = other ? other(a, val, ctx) : 2;
            if (rc == 2) {
                fprintf(stderr, "pam4sim: %s: unknown option '%s'%s; see pam4sim %s --help\n", cmd, a,
                        val ? "" : " (or it needs a value)", cmd);
                return 2;
            }
            if (rc == 0) i++;
        }
    }
    return p4_config_validate(cfg) ? cli_fail() : 0;
}

typedef struct {
    const char *json, *plot;
    int bad;
    p4_run_control rc;
} run_opts;

static volatile sig_atomic_t g_stop, g_signal;

static void on_signal(int sig)
{
    g_stop = 1;
    g_signal = sig;
}

static int run_other(const char *opt, const char *val, void *ctx)
{
    run_opts *o = ctx;
    uint64_t v;
    if (!strcmp(opt, "--link")) return 1; /* the built-in link, not the mission (cmd_run) */
    if (!strcmp(opt, "--mission")) {
        fprintf(stderr, "pam4sim: run: --mission takes no configuration file (its keys come with --set)\n");
        return o->bad = 1, 1;
    }
    if (!val) return 2;
    if (!strcmp(opt, "--json")) o->json = val;
    else if (!strcmp(opt, "--plot")) o->plot = val;
    else if (!strcmp(opt, "--checkpoint")) o->rc.checkpoint = val;
    else if (!strcmp(opt, "--resume")) o->rc.resume = val;
    else if (!strcmp(opt, "--until-errors") || !strcmp(opt, "--checkpoint-every")) {
        if (cli_parse_u64(opt, val, &v)) return o->bad = 1, 0;
        *(opt[2] == 'u' ? &o->rc.until_errors : &o->rc.checkpoint_every) = v;
    } else if (!strcmp(opt, "--max-seconds")) {
        char *end;
        o->rc.max_seconds = strtod(val, &end);
        if (end == val || *end || !(o->rc.max_seconds > 0 && o->rc.max_seconds <= 1e9)) { /* NaN fails */
            fprintf(stderr, "pam4sim: --max-seconds needs a number of seconds in (0, 1e9] (got '%s')\n", val);
            return o->bad = 1, 0;
        }
    } else
        return 2;
    return 0;
}

static const char *end_text(p4_run_end e)
{
    return e == P4_RUN_ERRORS ? "stopped at --until-errors" : e == P4_RUN_TIME ? "stopped at --max-seconds"
         : e == P4_RUN_STOPPED ? "interrupted" : "complete";
}

static const char *end_json(p4_run_end e)
{
    return e == P4_RUN_ERRORS ? "until_errors" : e == P4_RUN_TIME ? "max_seconds" : e == P4_RUN_STOPPED ? "interrupted"
                                                                                                      : "complete";
}

static int cmd_run(int argc, char **argv)
{
    if (cli_run_is_mission(argc, argv)) return cmd_mission(argc, argv);
    p4_config cfg;
    p4_config_default(&cfg);
    run_opts o = {0};
    int rc0 = cli_config("run", argc, argv, &cfg, run_other, &o);
    if (o.bad) return 2;
    if (rc0) return rc0;
    const char *json = o.json;
    /* the files a long run ends with must be writable before it starts */
    if (cli_mpi_rank() == 0 && ((json && cli_check_writable("--json", json)) ||
                                (o.rc.checkpoint && cli_check_writable("--checkpoint", o.rc.checkpoint))))
        return 1;
    if (o.plot && cli_mpi_rank() == 0 && cli_plot_dir(o.plot)) return 1;
    /* SIGINT and SIGTERM stop the run after the current round: the partial result is printed (and
     * a checkpoint written with --checkpoint) */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    o.rc.stop = &g_stop;
    cli_mpi_control(&o.rc);
    const int lead = cli_mpi_rank() == 0; /* the report and the files come from rank 0 */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p4_link *l = p4_link_create(&cfg);
    if (!l) return cli_fail();
    p4_counts n = {0};
    p4_run_info ri = {0};
    int failed = 0;
    if (p4_link_run_ctl(l, 0, &o.rc, &n, &ri)) {
        /* a failure between rounds (a checkpoint that cannot be written: a full disk) leaves the
         * units merged so far: one process still reports them, marked partial */
        cli_fail();
        if (!(ri.units > 0 && n.eye && cli_mpi_size() == 1)) {
            p4_counts_free(&n);
            p4_link_destroy(l);
            return 1;
        }
        failed = 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    p4_eye eye;
    p4_eye_measure(&n, p4_link_thresholds(l), cfg.eye_ber, &eye);
    const p4_link_info *in = p4_link_info_get(l);
    double sec = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    if (lead) {
        p4_report_text(stdout, &cfg, in, &n, &eye);
        printf("\nrun time     %.2f s (%.2f M symbols/s)", sec, (double)n.symbols / sec * 1e-6);
        if (cli_mpi_size() > 1)
            printf(", %d processes x %d threads", cli_mpi_size(), cfg.threads ? (int)cfg.threads : p4_default_threads());
        printf("\nrun end      %s after %llu work units (%llu symbols)", failed ? "failed (partial result)" : end_text(ri.end),
               (unsigned long long)ri.units, (unsigned long long)n.symbols);
        if (ri.resumed) printf("; resumed at unit %llu from %s", (unsigned long long)ri.resumed_units, o.rc.resume);
        if (o.rc.checkpoint && ri.checkpoints && !failed)
            printf("; checkpoint %s (continue with --resume %s)", o.rc.checkpoint, o.rc.checkpoint);
        printf("\n");
    }
    int rc = 0;
    if (json && lead) {
        run_ctx r = {&cfg, in, &n, &eye, failed ? "failed" : end_json(ri.end), failed || ri.end == P4_RUN_STOPPED};
        rc = cli_write_atomic(json, json_writer, &r);
    }
    if (o.plot && lead) rc |= cli_plot_run(o.plot, l, &n, &cfg);
    double lo, hi; /* --fail-on-target: "met" as the report says it, the 95 % interval below the target */
    p4_clopper_pearson(n.bit_errors, n.bits, &lo, &hi);
    if (!rc && cli_fail_on_target && ri.end != P4_RUN_STOPPED && !(hi < cfg.target_ber)) rc = CLI_EXIT_TARGET;
    p4_counts_free(&n);
    p4_link_destroy(l);
    if (failed) rc = 1;
    else if (!rc && ri.end == P4_RUN_STOPPED) rc = 128 + (g_signal ? (int)g_signal : SIGINT);
    return rc;
}

static int cmd_prbs(int argc, char **argv)
{
    if (argc < 1 || argv[0][0] == '-') {
        fprintf(stderr, "pam4sim: prbs needs a pattern NAME first (%s); see pam4sim prbs --help\n", p4_pattern_names());
        return 2;
    }
    uint64_t n = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--symbols") && i + 1 < argc) {
            if (cli_parse_u64("--symbols", argv[++i], &n)) return 2;
        } else {
            fprintf(stderr, "pam4sim: prbs: unknown argument '%s'\n", argv[i]);
            return 2;
        }
    }
    p4_pattern *p = p4_pattern_create(argv[0], 1);
    if (!p) return cli_fail();
    if (!n) n = p4_pattern_period(p) && p4_pattern_period(p) <= 65535 ? p4_pattern_period(p) : 1000;
    uint8_t buf[4096];
    char out[4097];
    for (uint64_t done = 0; done < n;) {
        size_t k = n - done < sizeof buf ? (size_t)(n - done) : sizeof buf;
        p4_pattern_run(p, buf, k);
        for (size_t i = 0; i < k; i++) out[i] = (char)('0' + buf[i]);
        fwrite(out, 1, k, stdout);
        done += k;
    }
    putchar('\n');
    p4_pattern_destroy(p);
    return 0;
}

static int cmd_channel(int argc, char **argv)
{
    const char *file = NULL;
    int json = 0, po[4] = {0};
    p4_config dc;
    p4_config_default(&dc);
    double baud = dc.baud_gbd, tol = 1e-3;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if ((!strcmp(argv[i], "--baud-gbd") || !strcmp(argv[i], "--passivity-tol")) && i + 1 < argc) {
            char *end;
            double v = strtod(argv[i + 1], &end), lo = argv[i][2] == 'b' ? 1 : 0, hi = argv[i][2] == 'b' ? 500 : 1;
            if (end == argv[i + 1] || *end || !(v > lo && v <= hi)) {
                fprintf(stderr, "pam4sim: channel: %s must be a number in (%g, %g] (got '%s')\n", argv[i], lo, hi, argv[i + 1]);
                return 2;
            }
            *(argv[i][2] == 'b' ? &baud : &tol) = v;
            i++;
        }
        else if (!strcmp(argv[i], "--port-order") && i + 1 < argc) {
            if (sscanf(argv[++i], "%d,%d,%d,%d", &po[0], &po[1], &po[2], &po[3]) != 4) {
                fprintf(stderr, "pam4sim: --port-order needs four ports, e.g. 1,3,2,4\n");
                return 2;
            }
        } else if (argv[i][0] != '-' && !file) file = argv[i];
        else {
            fprintf(stderr, "pam4sim: channel: unexpected '%s' (one FILE.sNp); see pam4sim channel --help\n", argv[i]);
            return 2;
        }
    }
    if (!file) {
        fprintf(stderr, "pam4sim: channel needs a Touchstone FILE.sNp; see pam4sim channel --help\n");
        return 2;
    }
    p4_touchstone *ts = p4_touchstone_read(file);
    if (!ts) return cli_fail();
    if (ts->nports > 4) { /* a multi-lane file: per lane */
        int rc = cli_channel_lanes(ts, file, json, NULL, 0);
        p4_touchstone_free(ts);
        return rc;
    }
    p4_channel_summary s;
    if (p4_touchstone_summary(ts, po, &s)) {
        p4_touchstone_free(ts);
        return cli_fail();
    }
    if (json) {
        FILE *f = stdout;
        fprintf(f, "{\"file\": "), p4_json_str(f, file);
        fprintf(f, ", \"ports\": %d, \"points\": %zu, ", ts->nports, ts->nfreq);
        p4_json_key(f, "fmin_ghz", s.fmin_ghz), fprintf(f, ", "), p4_json_key(f, "fmax_ghz", s.fmax_ghz);
        fprintf(f, ", \"port_order\": [%d, %d, %d, %d], ", s.order[0], s.order[1], s.order[2], s.order[3]);
        p4_json_key(f, "reference_ohm", ts->r_ref_ohm);
        const char *name[2] = {"insertion_loss_db", "return_loss_db"};
        for (int t = 0; t < 2; t++) {
            fprintf(f, ",\n \"%s\": {", name[t]);
            for (int i = 0; i < 3; i++) {
                char k[32];
                snprintf(k, sizeof k, "%g", s.f_eval_ghz[i]);
                fprintf(f, "%s", i ? ", " : ""), p4_json_key(f, k, t ? s.rl_db[i] : s.il_db[i]);
            }
            fprintf(f, "}");
        }
        fprintf(f, ",\n "), p4_json_key(f, "max_singular_value", s.max_sv);
        fprintf(f, ", "), p4_json_key(f, "max_singular_value_ghz", s.max_sv_ghz);
        fprintf(f, ", \"passive\": %s,\n ", s.max_sv <= 1 ? "true" : "false");
        p4_json_key(f, "noncausal_energy_ratio", s.noncausal_ratio);
        fprintf(f, ", \"causality_warning\": %s", s.causality_warning ? "true" : "false");
        cli_channel_checks(f, 1, ts, &s, baud, tol);
        fprintf(f, "}\n");
    } else {
        printf("%s: %d ports, %zu points, %.4g .. %.4g GHz, reference %g ohm\n", file, ts->nports, ts->nfreq,
               s.fmin_ghz, s.fmax_ghz, ts->r_ref_ohm);
        if (ts->nports == 4)
            printf("port order   in %d,%d  out %d,%d (in+, in-, out+, out-)\n", s.order[0], s.order[1], s.order[2], s.order[3]);
        printf("%-14s %12s %12s\n", "frequency", "IL (SDD21)", "RL (SDD11)");
        for (int i = 0; i < 3; i++) printf("%8.3f GHz   %9.2f dB %9.2f dB\n", s.f_eval_ghz[i], s.il_db[i], s.rl_db[i]);
        printf("passivity    largest singular value %.4f at %.3g GHz%s\n", s.max_sv, s.max_sv_ghz,
               s.max_sv > 1 ? " (slightly non-passive)" : "");
        printf("causality    %.2e of the SDD21 impulse energy at negative time%s\n", s.noncausal_ratio,
               s.causality_warning ? "  WARNING: the data look non-causal" : "");
        cli_channel_checks(stdout, 0, ts, &s, baud, tol);
    }
    p4_touchstone_free(ts);
    return 0;
}

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    p4_init();
    cli_mpi_init(&argc, &argv);
    int rc = dispatch(argc, argv);
    cli_mpi_finalize();
    return rc;
}

/* the default, or the effective configuration of FILE and --set */
static int cmd_config(int argc, char **argv)
{
    p4_config c;
    p4_config_default(&c);
    int rc = cli_config("config", argc, argv, &c, NULL, NULL);
    if (rc) return rc;
    p4_config_write_yaml(&c, stdout, 1);
    return 0;
}

typedef int (*cmd_fn)(int argc, char **argv);

static cmd_fn command_fn(const char *name)
{
    static const struct {
        const char *name;
        cmd_fn fn;
    } fns[] = {{"run", cmd_run},         {"config", cmd_config},   {"prbs", cmd_prbs},
               {"channel", cmd_channel}, {"fec", cmd_fec},         {"jtol", cmd_jtol},
               {"vectors", cmd_vectors}, {"tdecq", cmd_tdecq},     {"sensitivity", cmd_sensitivity},
               {"stat", cmd_stat},       {"sweep", cmd_sweep},     {"compare", cmd_compare},
               {"module", cmd_module},   {"com", cmd_com},         {"fft-wisdom", cmd_fft_wisdom}};
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
        if (!strcmp(fns[i].name, name)) return fns[i].fn;
    return NULL;
}

static int dispatch(int argc, char **argv)
{
    const char *name = argc < 2 ? "run" : argv[1];
    int first = 2; /* where the command's own arguments start */
    if (!strcmp(name, "--help") || !strcmp(name, "-h") || !strcmp(name, "help")) {
        const cli_command *c = argc > 2 ? cli_command_find(argv[2]) : NULL;
        return c ? cli_help_command(c, stdout) : cli_help_overview(stdout);
    }
    if (!strcmp(name, "--version")) {
        printf("pam4sim %s (MPI: %s; FFT plans: %s)\n", P4_VERSION, cli_mpi_build(), p4_fft_plans());
        return 0;
    }
    if (argc < 2 || name[0] == '-' || strchr(name, '.')) name = "run", first = 1; /* run is the default */
    const cli_command *c = cli_command_find(name);
    cmd_fn fn = command_fn(name);
    if (!c || !fn) {
        const char *near = cli_command_suggest(name);
        fprintf(stderr, "pam4sim: unknown command '%s'", name);
        if (near) fprintf(stderr, " (did you mean %s?)", near);
        fprintf(stderr, "; see pam4sim --help\n");
        return 2;
    }
    if (strcmp(name, "run") && cli_mpi_size() > 1) {
        if (!cli_mpi_rank()) fprintf(stderr, "pam4sim: %s: only run splits its work over MPI processes; start it without mpirun\n", name);
        return 2;
    }
    cli_args a;
    if (cli_args_parse(c, argc - first, argv + first, &a)) return 2;
    /* a PAM4SIM_FFTW_WISDOM that cannot be used stops the commands that transform (not help, the
     * configuration, patterns, FEC, or the command that writes wisdom) */
    static const char *const no_fft[] = {"fft-wisdom", "config", "prbs", "fec"};
    int needs_fft = !a.help;
    for (size_t i = 0; i < sizeof no_fft / sizeof *no_fft; i++) needs_fft = needs_fft && strcmp(name, no_fft[i]);
    if (needs_fft && p4_fft_wisdom_check()) {
        cli_args_free(&a);
        return cli_fail();
    }
    int rc = a.help ? cli_help_command(c, stdout) : fn(a.argc, a.argv);
    cli_args_free(&a);
    return rc;
}
