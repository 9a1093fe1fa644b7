/* cli_sweep.c - `pam4sim sweep`: the link over a grid of configuration values.
 *
 *   pam4sim sweep [FILE.yaml] --vary key=start:stop:step [--vary ...] [--engine stat|mc]
 *                 [--set k=v]... [--symbols N] [-j N] [--csv OUT] [--json OUT] [--plot DIR]
 *
 * Points are the Cartesian product of the --vary lists (the first --vary outermost), run one after
 * another, each with all -j threads (the statistical engine shares its phases, Monte Carlo its work
 * units), so any -j gives the same numbers. Along the last --vary key, for each combination of the
 * others, the report says where the BER crosses measure.target_ber (interpolated in log BER).
 * A progress bar goes to stderr when it is a terminal; SIGINT/SIGTERM stop after the running point
 * (a Monte Carlo point stops at its round's end and is left out) and the points finished so far are
 * reported and written, marked as interrupted; the exit status is then 128 + signal.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_VARY 4
#define MAX_POINTS 100000

typedef struct {
    char key[96];
    double start, stop, step;
    int n;
} vary;

typedef struct {
    double val[MAX_VARY];
    double ber, lo, hi, com_db, height[3], width[3];
    uint64_t bits, bit_errors;
} point;

typedef struct {
    vary v[MAX_VARY];
    int nv, mc, bad, help;
    const char *csv, *json, *plot;
    const p4_config *c;
    point *pt;
    int npt, total, interrupted;
} sweep;

static volatile sig_atomic_t g_stop, g_sig;
static void on_signal(int s) { g_stop = 1, g_sig = s; }

static int parse_vary(sweep *s, const char *arg)
{
    if (s->nv == MAX_VARY) {
        fprintf(stderr, "pam4sim: sweep: at most %d --vary keys\n", MAX_VARY);
        return -1;
    }
    vary *v = &s->v[s->nv];
    const char *eq = strchr(arg, '=');
    char *end;
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof v->key) goto bad;
    memcpy(v->key, arg, eq - arg), v->key[eq - arg] = 0;
    v->start = strtod(eq + 1, &end);
    if (end == eq + 1 || *end != ':') goto bad;
    const char *p = end + 1;
    v->stop = strtod(p, &end);
    if (end == p || *end != ':') goto bad;
    p = end + 1;
    v->step = strtod(p, &end);
    if (end == p || *end || !isfinite(v->start) || !isfinite(v->stop) || !(fabs(v->step) > 0)) goto bad;
    if ((v->stop - v->start) / v->step < -1e-9) {
        fprintf(stderr, "pam4sim: sweep: --vary %s: the step %g does not lead from %g to %g\n", arg, v->step, v->start, v->stop);
        return -1;
    }
    double count = floor((v->stop - v->start) / v->step + 1e-9) + 1; /* checked before it becomes an int */
    if (!(count <= MAX_POINTS)) {
        fprintf(stderr, "pam4sim: sweep: --vary %s: %.3g values; at most %d points\n", arg, count, MAX_POINTS);
        return -1;
    }
    v->n = (int)count;
    s->nv++;
    return 0;
bad:
    fprintf(stderr, "pam4sim: sweep: --vary needs key=start:stop:step with numbers and a nonzero step (got '%s')\n", arg);
    return -1;
}

static int sweep_other(const char *opt, const char *val, void *ctx)
{
    sweep *s = ctx;
    if (!strcmp(opt, "--help")) return s->help = 1, 1;
    if (!val) return 2;
    if (!strcmp(opt, "--vary")) {
        if (parse_vary(s, val)) s->bad = 1;
    } else if (!strcmp(opt, "--engine")) {
        if (!strcmp(val, "mc")) s->mc = 1;
        else if (!strcmp(val, "stat")) s->mc = 0;
        else {
            fprintf(stderr, "pam4sim: sweep: --engine must be stat or mc (got '%s')\n", val);
            s->bad = 1;
        }
    } else if (!strcmp(opt, "--csv")) s->csv = val;
    else if (!strcmp(opt, "--json")) s->json = val;
    else if (!strcmp(opt, "--plot")) s->plot = val;
    else return 2;
    return 0;
}

/* A point's configuration: base with its values set, checked. 0, or 1 with the error printed. */
static int point_config(const sweep *s, const p4_config *base, const point *pt, p4_config *c)
{
    *c = *base;
    for (int k = 0; k < s->nv; k++) {
        char kv[160];
        snprintf(kv, sizeof kv, "%s=%.12g", s->v[k].key, pt->val[k]);
        if (p4_config_set(c, kv)) return cli_fail();
    }
    return p4_config_validate(c) ? cli_fail() : 0;
}

/* One point: its configuration, then the engine. Returns 0, 1 (error printed) or 3 (interrupted). */
static int run_point(sweep *s, const p4_config *base, point *pt)
{
    p4_config c;
    if (point_config(s, base, pt, &c)) return 1;
    if (!s->mc) cli_stat_config(&c);
    p4_link *l = p4_link_create(&c);
    if (!l) return cli_fail();
    int rc = 0;
    if (s->mc) {
        p4_counts n;
        p4_run_control ctl = {.stop = &g_stop};
        p4_run_info ri;
        if (p4_link_run_ctl(l, 0, &ctl, &n, &ri)) rc = cli_fail();
        else if (ri.end == P4_RUN_STOPPED) rc = 3;
        else {
            p4_eye eye;
            p4_eye_measure(&n, p4_link_thresholds(l), c.eye_ber, &eye);
            pt->bits = n.bits, pt->bit_errors = n.bit_errors;
            pt->ber = n.bits ? (double)n.bit_errors / n.bits : NAN;
            p4_clopper_pearson(n.bit_errors, n.bits, &pt->lo, &pt->hi);
            pt->com_db = NAN;
            for (int e = 0; e < 3; e++) pt->height[e] = eye.height[e], pt->width[e] = eye.width_ui[e];
        }
        p4_counts_free(&n);
    } else {
        p4_stat_result r;
        if (p4_stat_run(l, &r)) rc = cli_fail();
        else {
            pt->ber = r.ber, pt->lo = pt->hi = NAN, pt->com_db = r.com_db;
            for (int e = 0; e < 3; e++) pt->height[e] = r.eye_height[e], pt->width[e] = r.eye_width_ui[e];
        }
        p4_stat_free(&r);
    }
    p4_link_destroy(l);
    return rc;
}

static void progress(const sweep *s, int done)
{
    if (!isatty(2)) return;
    int w = 30, f = s->total ? done * w / s->total : w;
    fprintf(stderr, "\r[%.*s%*s] %d/%d points", f, "##############################", w - f, "", done, s->total);
    if (done == s->total) fprintf(stderr, "\n");
    fflush(stderr);
}

/* Along the last key: where the BER crosses the target between two neighbouring points. */
static void crossings(const sweep *s, FILE *f, int json)
{
    const vary *last = &s->v[s->nv - 1];
    int nl = last->n, groups = s->npt / nl, first = 1;
    double lt = log10(s->c->target_ber);
    for (int g = 0; g < groups; g++) {
        const point *p = s->pt + (size_t)g * nl;
        for (int i = 0; i + 1 < nl; i++) {
            int a = p[i].ber <= s->c->target_ber, b = p[i + 1].ber <= s->c->target_ber;
            if (a == b || isnan(p[i].ber) || isnan(p[i + 1].ber)) continue;
            double la = log10(fmax(p[i].ber, 1e-300)), lb = log10(fmax(p[i + 1].ber, 1e-300));
            double x = p[i].val[s->nv - 1] + (lt - la) / (lb - la) * (p[i + 1].val[s->nv - 1] - p[i].val[s->nv - 1]);
            if (json) {
                fprintf(f, "%s\n      {", first ? "" : ",");
                for (int k = 0; k + 1 < s->nv; k++) p4_json_key(f, s->v[k].key, p[i].val[k]), fprintf(f, ", ");
                p4_json_key(f, last->key, x), fprintf(f, ", \"closes_below\": %s}", a ? "true" : "false");
            } else {
                fprintf(f, "crossing    ");
                for (int k = 0; k + 1 < s->nv; k++) fprintf(f, " %s=%g,", s->v[k].key, p[i].val[k]);
                fprintf(f, " BER %.2e at %s = %.4g (the link closes %s it)\n", s->c->target_ber, last->key, x,
                        a ? "below" : "above");
            }
            first = 0;
        }
    }
    if (!json && first) fprintf(f, "crossing     the BER does not cross %.2e inside the sweep\n", s->c->target_ber);
}

static void csv_out(FILE *f, void *v)
{
    const sweep *s = v;
    for (int k = 0; k < s->nv; k++) fprintf(f, "%s,", s->v[k].key);
    fprintf(f, "ber,ber_ci_lo,ber_ci_hi,com_db,height_lower,height_middle,height_upper,width_lower_ui,width_middle_ui,"
               "width_upper_ui,target_met\n");
    for (int i = 0; i < s->npt; i++) {
        const point *p = &s->pt[i];
        for (int k = 0; k < s->nv; k++) fprintf(f, "%.12g,", p->val[k]);
        fprintf(f, "%.6e,%.6e,%.6e,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d\n", p->ber, p->lo, p->hi, p->com_db, p->height[0],
                p->height[1], p->height[2], p->width[0], p->width[1], p->width[2], p->ber <= s->c->target_ber);
    }
}

static void json_out(FILE *f, void *v)
{
    const sweep *s = v;
    cli_json_head(f, "sweep", s->c);
    fprintf(f, ",\n  \"sweep\": {\n    \"engine\": \"%s\", ", s->mc ? "mc" : "stat"), p4_json_key(f, "target_ber", s->c->target_ber);
    fprintf(f, ", \"interrupted\": %s, \"points_planned\": %d,\n    \"vary\": [", s->interrupted ? "true" : "false", s->total);
    for (int k = 0; k < s->nv; k++) {
        fprintf(f, "%s{\"key\": ", k ? ", " : ""), p4_json_str(f, s->v[k].key);
        fprintf(f, ", "), p4_json_key(f, "start", s->v[k].start), fprintf(f, ", "), p4_json_key(f, "stop", s->v[k].stop);
        fprintf(f, ", "), p4_json_key(f, "step", s->v[k].step), fprintf(f, "}");
    }
    fprintf(f, "],\n    \"points\": [");
    for (int i = 0; i < s->npt; i++) {
        const point *p = &s->pt[i];
        fprintf(f, "%s\n      {", i ? "," : "");
        for (int k = 0; k < s->nv; k++) p4_json_key(f, s->v[k].key, p->val[k]), fprintf(f, ", ");
        const double ci[2] = {p->lo, p->hi};
        p4_json_key(f, "ber", p->ber);
        fprintf(f, ", \"ber_ci95\": ");
        p4_json_array(f, ci, 2, 1);
        fprintf(f, ", "), p4_json_key(f, "com_db", p->com_db);
        fprintf(f, ", \"eye_height\": ");
        p4_json_array(f, p->height, 3, 1);
        fprintf(f, ", \"eye_width_ui\": ");
        p4_json_array(f, p->width, 3, 1);
        fprintf(f, ", \"target_met\": %s}", p->ber <= s->c->target_ber ? "true" : "false");
    }
    fprintf(f, "],\n    \"crossings\": [");
    if (s->npt) crossings(s, f, 1);
    fprintf(f, "]\n  }\n}\n");
}

int cmd_sweep(int argc, char **argv)
{
    p4_config cfg;
    p4_config_default(&cfg);
    sweep s = {.c = &cfg};
    int rc = cli_config("sweep", argc, argv, &cfg, sweep_other, &s);
    if (s.help) {
        printf("usage: pam4sim sweep [FILE.yaml] --vary key=start:stop:step [--vary ...] [--engine stat|mc]\n"
               "                     [--set k=v]... [--symbols N] [-j N] [--csv OUT] [--json OUT] [--plot DIR]\n");
        return 0;
    }
    if (s.bad) return 2;
    if (rc) return rc;
    if ((s.json && cli_check_writable("--json", s.json)) || (s.csv && cli_check_writable("--csv", s.csv))) return 1;
    if (!s.nv) {
        fprintf(stderr, "pam4sim: sweep: give at least one --vary key=start:stop:step\n");
        return 2;
    }
    double total = 1; /* a double: four keys of 1e5 values each would overflow an integer */
    for (int k = 0; k < s.nv; k++) total *= s.v[k].n;
    if (total > MAX_POINTS) {
        fprintf(stderr, "pam4sim: sweep: %.6g points; at most %d\n", total, MAX_POINTS);
        return 2;
    }
    s.total = (int)total;
    s.pt = calloc((size_t)total, sizeof *s.pt);
    if (!s.pt) return cli_fail();
    /* every point's configuration is checked before any runs, so a bad value fails at once */
    for (int i = 0; i < s.total; i++) {
        int rest = i;
        for (int k = s.nv - 1; k >= 0; k--) s.pt[i].val[k] = s.v[k].start + (rest % s.v[k].n) * s.v[k].step, rest /= s.v[k].n;
        p4_config c;
        if (point_config(&s, &cfg, &s.pt[i], &c)) {
            free(s.pt);
            return 1;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("pam4sim %s  sweep of %d points, %s engine, target BER %.2e, seed %lld\n", P4_VERSION, s.total,
           s.mc ? "Monte Carlo" : "statistical", cfg.target_ber, (long long)cfg.seed);
    for (int k = 0; k < s.nv; k++) printf("%-12s %g .. %g step %g (%d values)\n", s.v[k].key, s.v[k].start, s.v[k].stop, s.v[k].step, s.v[k].n);
    printf("\n");
    for (int k = 0; k < s.nv; k++) printf("%14s ", s.v[k].key);
    printf("%11s %21s %8s %8s\n", "BER", s.mc ? "95 % CI" : "", s.mc ? "" : "COM dB", "height");
    progress(&s, 0);
    for (int i = 0; i < s.total && !g_stop; i++) {
        int r = run_point(&s, &cfg, &s.pt[i]);
        if (r == 3) break;
        if (r) {
            free(s.pt);
            return r;
        }
        s.npt = i + 1;
        if (isatty(2)) fprintf(stderr, "\r%*s\r", 60, "");
        for (int k = 0; k < s.nv; k++) printf("%14.6g ", s.pt[i].val[k]);
        if (s.mc) printf("%11.3e  %9.2e..%9.2e %8s", s.pt[i].ber, s.pt[i].lo, s.pt[i].hi, "");
        else printf("%11.3e %21s %8.2f", s.pt[i].ber, "", s.pt[i].com_db);
        printf(" %8.3f %s\n", s.pt[i].height[1], s.pt[i].ber <= cfg.target_ber ? "met" : "NOT met");
        fflush(stdout);
        progress(&s, s.npt);
    }
    s.interrupted = s.npt < s.total;
    printf("\n");
    if (s.interrupted) printf("interrupted  after %d of %d points; the files hold those\n", s.npt, s.total);
    if (s.npt) crossings(&s, stdout, 0);
    rc = 0;
    if (s.csv) rc |= cli_write_atomic(s.csv, csv_out, &s);
    if (s.json) rc |= cli_write_atomic(s.json, json_out, &s);
    if (s.plot && s.npt) {
        /* BER against the last key (for one key: the whole sweep; otherwise its first line) */
        int nl = s.v[s.nv - 1].n < s.npt ? s.v[s.nv - 1].n : s.npt;
        double *x = malloc(nl * sizeof *x), *b = malloc(nl * sizeof *b), *lo = malloc(nl * sizeof *lo), *hi = malloc(nl * sizeof *hi);
        for (int i = 0; i < nl; i++) x[i] = s.pt[i].val[s.nv - 1], b[i] = s.pt[i].ber, lo[i] = s.pt[i].lo, hi[i] = s.pt[i].hi;
        rc |= cli_plot_sweep(s.plot, s.v[s.nv - 1].key, nl, x, b, s.mc ? lo : NULL, s.mc ? hi : NULL, cfg.target_ber);
        free(x), free(b), free(lo), free(hi);
    }
    free(s.pt);
    if (!rc && s.interrupted) rc = 128 + (g_sig ? (int)g_sig : SIGINT);
    return rc;
}
