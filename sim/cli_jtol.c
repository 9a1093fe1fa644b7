/* cli_jtol.c - `pam4sim jtol`: a jitter-tolerance curve of the DSP receiver.
 *
 *   pam4sim jtol [FILE.yaml] [--set key=value]... [--freqs-mhz f1,f2,...] [--symbols N] [-j N] [--json OUT]
 *
 * For each SJ frequency, the largest SJ amplitude (UI, peak) at which the link still meets
 * measure.target_ber, found by bisection on a log scale between 0.01 and 8 UI (8 steps, so the
 * answer is good to about 10 %). A point passes when its measured BER (bit errors / bits over
 * --symbols symbols, default 2e5) is at or below the target. The DSP receiver is switched on (its
 * CDR is what tracks the jitter); SJ is applied as a delay of the received waveform (dsprx.h).
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int n;
    double f[32], a[32];
    const p4_config *c;
    uint64_t symbols;
} jtol_result;

static int point_passes(const p4_config *base, double f_mhz, double a_ui, uint64_t symbols, int *err)
{
    p4_config c = *base;
    c.sj_mhz = f_mhz;
    c.sj_ps = a_ui * 1e3 / c.baud_gbd;
    p4_link *l = p4_link_create(&c);
    if (!l) {
        *err = 1;
        return 0;
    }
    p4_counts n;
    int ok = 0;
    if (!p4_link_run(l, symbols, &n)) {
        ok = (double)n.bit_errors <= c.target_ber * (double)n.bits;
        p4_counts_free(&n);
    } else
        *err = 1;
    p4_link_destroy(l);
    return ok;
}

static void json_out(FILE *f, void *v)
{
    jtol_result *r = v;
    fprintf(f, "{\n  \"program\": \"pam4sim\", \"version\": \"%s\", \"fft_plans\": ", P4_VERSION);
    p4_json_str(f, p4_fft_plans());
    fprintf(f, ", \"command\": \"jtol\", \"seed\": %lld,\n", (long long)r->c->seed);
    fprintf(f, "  "), p4_json_key(f, "target_ber", r->c->target_ber);
    fprintf(f, ", \"symbols_per_point\": %llu,\n  \"config\": ", (unsigned long long)r->symbols);
    p4_config_write_json(r->c, f, 2);
    fprintf(f, ",\n  \"points\": [");
    for (int i = 0; i < r->n; i++)
        fprintf(f, "%s\n    {", i ? "," : ""), p4_json_key(f, "sj_mhz", r->f[i]), fprintf(f, ", "),
            p4_json_key(f, "tolerated_ui", r->a[i]), fprintf(f, "}");
    fprintf(f, "\n  ]\n}\n");
}

typedef struct {
    const char *json, *freqs;
} jtol_opts;

static int jtol_other(const char *opt, const char *val, void *ctx)
{
    jtol_opts *o = ctx;
    if (!val) return 2;
    if (!strcmp(opt, "--freqs-mhz")) o->freqs = val;
    else if (!strcmp(opt, "--json")) o->json = val;
    else return 2;
    return 0;
}

int cmd_jtol(int argc, char **argv)
{
    p4_config cfg;
    p4_config_default(&cfg);
    jtol_opts o = {.freqs = "0.4,1,2,4,10,40"};
    if (p4_config_set(&cfg, "rx.dsp.enable=true")) return cli_fail();
    int rc = cli_config("jtol", argc, argv, &cfg, jtol_other, &o);
    if (rc) return rc;
    if (o.json && cli_check_writable("--json", o.json)) return 1;
    if (p4_config_set(&cfg, "rx.dsp.enable=true")) return cli_fail(); /* the file cannot switch it off */
    const char *json = o.json, *freqs = o.freqs;
    /* symbols per point: --symbols (which cli_config put in sim.symbols), else 2e5 */
    uint64_t symbols = 200000;
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--symbols")) symbols = (uint64_t)cfg.symbols;
    jtol_result r = {.c = &cfg, .symbols = symbols};
    for (const char *p = freqs; *p && r.n < 32;) {
        char *end;
        double f = strtod(p, &end);
        if (end == p || !(f > 0 && f <= 1e5)) { /* written so that NaN fails */
            fprintf(stderr, "pam4sim: jtol: --freqs-mhz: '%s' is not a list of frequencies in (0, 1e5] MHz\n", freqs);
            return 2;
        }
        r.f[r.n++] = f;
        p = *end == ',' ? end + 1 : end;
    }
    printf("jitter tolerance at BER %.2e (%llu symbols per point; CDR %s, %.3g MHz)\n", cfg.target_ber,
           (unsigned long long)symbols, cfg.cdr_detector, cfg.cdr_bandwidth_mhz);
    printf("%12s %14s\n", "SJ [MHz]", "tolerated [UI]");
    for (int i = 0; i < r.n; i++) {
        /* tolerated amplitude: 0 if even 0.01 UI fails, 8 (or more) if 8 UI passes, else bisect */
        double lo = log(0.01), hi = log(8.0);
        int err = 0;
        const char *tag = "";
        if (!point_passes(&cfg, r.f[i], 0.01, symbols, &err)) r.a[i] = 0, tag = "  (fails at 0.01 UI)";
        else if (point_passes(&cfg, r.f[i], 8.0, symbols, &err)) r.a[i] = 8, tag = "  (or more)";
        else {
            for (int k = 0; k < 8 && !err; k++) {
                double mid = 0.5 * (lo + hi);
                if (point_passes(&cfg, r.f[i], exp(mid), symbols, &err)) lo = mid;
                else hi = mid;
            }
            r.a[i] = exp(lo);
        }
        if (err) return cli_fail();
        printf("%12g %14.3f%s\n", r.f[i], r.a[i], tag);
        fflush(stdout);
    }
    return json ? cli_write_atomic(json, json_out, &r) : 0;
}
