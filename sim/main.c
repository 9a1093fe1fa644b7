/* main.c - the pam4sim command line: a thin layer over libpam4sim.
 *
 *   pam4sim [run] [FILE.yaml] [--set key=value]... [--symbols N] [--seed S] [-j N] [--json OUT]
 *   pam4sim config [FILE] [--set]  the full default (or FILE's configuration), with comments and units
 *   pam4sim prbs NAME [--symbols N]
 *   pam4sim channel FILE.sNp [--json] [--port-order a,b,c,d]
 *   pam4sim --help | --version
 * Errors: one line on stderr, exit status 1 (2 for usage). Result files are written to a temporary
 * file in the same folder and renamed into place, so a failed run never leaves a partial file.
 */
#include "pam4sim/pam4sim.h"
#include "cli.h"
#include <errno.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int usage(FILE *f, int rc)
{
    fprintf(f,
            "pam4sim %s - sample-level simulator of 200 Gb/s-per-lane PAM4 links\n\n"
            "usage:\n"
            "  pam4sim [run] [FILE.yaml] [--set key=value]... [--symbols N] [--seed S] [-j N] [--json OUT] [--plot DIR]\n"
            "      simulate the link (the built-in default 200G/lane electrical link without FILE);\n"
            "      -j N: worker threads (default one per core; the result does not depend on N)\n"
            "      long runs: [--until-errors N] [--max-seconds S] (--symbols is the most to run)\n"
            "                 [--checkpoint FILE [--checkpoint-every UNITS]] [--resume FILE];\n"
            "                 SIGINT/SIGTERM print the partial result (and write the checkpoint), exit 128+signal\n"
            "  pam4sim config [FILE.yaml] [--set k=v]...\n"
            "      print the full configuration (the default, or that of FILE and --set) with units and ranges\n"
            "  pam4sim prbs NAME [--symbols N]\n"
            "      print a pattern as digits 0-3 (%s)\n"
            "  pam4sim channel FILE.sNp [--json] [--port-order a,b,c,d]\n"
            "      insertion/return loss at 13.28, 26.56, 53.125 GHz, passivity and causality\n"
            "  pam4sim fec encode|decode < IN > OUT\n"
            "      KP4 RS(544,514) on hexadecimal symbols: 514 in, 544 out (encode) or back (decode)\n"
            "  pam4sim jtol [FILE.yaml] [--set k=v]... [--freqs-mhz f1,f2,...] [--symbols N] [-j N] [--json OUT]\n"
            "      jitter tolerance of the DSP receiver: tolerated SJ (UI) at each frequency\n"
            "  pam4sim tdecq [FILE.yaml] [--set k=v]... [--json OUT]\n"
            "      TDECQ, OMAouter and ER of the configured optical transmitter (SSPRQ, 802.3 method)\n"
            "  pam4sim sensitivity [FILE.yaml] [--set k=v]... [--symbols N] [-j N] [--json OUT]\n"
            "      BER against received OMA (optics.rx.oma_dbm) and the OMA at measure.target_ber\n"
            "  pam4sim stat [FILE.yaml] [--set k=v]... [-j N] [--json OUT] [--plot DIR]\n"
            "      statistical eye to 1e-15: BER, contours, bathtubs, COM-style margin (no symbols simulated)\n"
            "  pam4sim sweep [FILE.yaml] --vary key=start:stop:step [--vary ...] [--engine stat|mc]\n"
            "                [--set k=v]... [--symbols N] [-j N] [--csv OUT] [--json OUT] [--plot DIR]\n"
            "      the link over a grid of values: BER, margins, and where the BER crosses the target\n"
            "  --plot DIR (run, stat, sweep): PNG and SVG pictures (eye, bathtubs, pulse, insertion loss, BER)\n"
            "  pam4sim vectors check [DIR] | generate [DIR] [--block NAME] | export --block NAME --out DIR | list\n"
            "      reference test vectors: bit-exact regression check, deliberate regeneration, RTL export\n"
            "  pam4sim --help | --version\n",
            P4_VERSION, p4_pattern_names());
    return rc;
}

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
    fprintf(f, "{\n  \"program\": \"pam4sim\",\n  \"version\": \"%s\",\n  \"schema\": %d,\n  \"command\": ", P4_VERSION,
            P4_JSON_SCHEMA);
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
    static const char *const flags[] = {"--help", "--no-budget", NULL};
    for (int i = 0; flags[i]; i++)
        if (!strcmp(opt, flags[i])) return 1;
    return 0;
}

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
        if (!strcmp(a, "--set")) {
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
                fprintf(stderr, "pam4sim: %s: unknown option '%s'%s\n", cmd, a, val ? "" : " (or it needs a value)");
                return 2;
            }
            if (rc == 0) i++;
        }
    }
    return p4_config_validate(cfg) ? cli_fail() : 0;
}

typedef struct {
    const char *json, *plot;
    int help, bad;
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
    if (!strcmp(opt, "--help")) return o->help = 1, 1;
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
    p4_config cfg;
    p4_config_default(&cfg);
    run_opts o = {0};
    int rc0 = cli_config("run", argc, argv, &cfg, run_other, &o);
    if (o.help) return usage(stdout, 0);
    if (o.bad) return 2;
    if (rc0) return rc0 == 2 ? usage(stderr, 2) : rc0;
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
    p4_counts_free(&n);
    p4_link_destroy(l);
    if (failed) rc = 1;
    else if (!rc && ri.end == P4_RUN_STOPPED) rc = 128 + (g_signal ? (int)g_signal : SIGINT);
    return rc;
}

static int cmd_prbs(int argc, char **argv)
{
    if (argc < 1) return usage(stderr, 2);
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
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = 1;
        else if (!strcmp(argv[i], "--port-order") && i + 1 < argc) {
            if (sscanf(argv[++i], "%d,%d,%d,%d", &po[0], &po[1], &po[2], &po[3]) != 4) {
                fprintf(stderr, "pam4sim: --port-order needs four ports, e.g. 1,3,2,4\n");
                return 2;
            }
        } else if (argv[i][0] != '-' && !file) file = argv[i];
        else return usage(stderr, 2);
    }
    if (!file) return usage(stderr, 2);
    p4_touchstone *ts = p4_touchstone_read(file);
    if (!ts) return cli_fail();
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
        fprintf(f, ", \"causality_warning\": %s}\n", s.causality_warning ? "true" : "false");
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

static int dispatch(int argc, char **argv)
{
    if (argc < 2) return cmd_run(0, argv + 1);
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) return usage(stdout, 0);
    if (!strcmp(cmd, "--version")) {
        printf("pam4sim %s (MPI: %s)\n", P4_VERSION, cli_mpi_build());
        return 0;
    }
    if (!strcmp(cmd, "run")) return cmd_run(argc - 2, argv + 2);
    if (cmd[0] == '-' || strchr(cmd, '.')) return cmd_run(argc - 1, argv + 1);
    if (cli_mpi_size() > 1) {
        if (!cli_mpi_rank()) fprintf(stderr, "pam4sim: %s: only run splits its work over MPI processes; start it without mpirun\n", cmd);
        return 2;
    }
    if (!strcmp(cmd, "config")) { /* the default, or the effective configuration of FILE and --set */
        p4_config c;
        p4_config_default(&c);
        int rc = cli_config("config", argc - 2, argv + 2, &c, NULL, NULL);
        if (rc) return rc;
        p4_config_write_yaml(&c, stdout, 1);
        return 0;
    }
    if (!strcmp(cmd, "prbs")) return cmd_prbs(argc - 2, argv + 2);
    if (!strcmp(cmd, "channel")) return cmd_channel(argc - 2, argv + 2);
    if (!strcmp(cmd, "fec")) return cmd_fec(argc - 2, argv + 2);
    if (!strcmp(cmd, "jtol")) return cmd_jtol(argc - 2, argv + 2);
    if (!strcmp(cmd, "vectors")) return cmd_vectors(argc - 2, argv + 2);
    if (!strcmp(cmd, "tdecq")) return cmd_tdecq(argc - 2, argv + 2);
    if (!strcmp(cmd, "sensitivity")) return cmd_sensitivity(argc - 2, argv + 2);
    if (!strcmp(cmd, "stat")) return cmd_stat(argc - 2, argv + 2);
    if (!strcmp(cmd, "sweep")) return cmd_sweep(argc - 2, argv + 2);
    if (!strcmp(cmd, "compare")) return cmd_compare(argc - 2, argv + 2);
    fprintf(stderr, "pam4sim: unknown command '%s'\n", cmd);
    return usage(stderr, 2);
}
