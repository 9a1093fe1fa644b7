/* cli_sweep.c - `pam4sim sweep`: the link over a grid of configuration values.
 *
 *   pam4sim sweep [FILE.yaml] --vary key=start:stop:step [--vary ...] [--engine stat|mc|com]
 *                 [--set k=v]... [--symbols N] [-j N] [--csv OUT] [--json OUT] [--plot DIR]
 *
 * --vary takes a range of numbers (key=start:stop:step) or a list of values, numbers or text such
 * as files (key=a,b,c). Points are the Cartesian product of the --vary lists (the first --vary
 * outermost), run one after another, each with all -j threads (the statistical engine shares its
 * phases, Monte Carlo its work units), so any -j gives the same numbers. Along the last --vary key,
 * for each combination of the others, the report says where the BER crosses measure.target_ber
 * (interpolated in log BER between numbers; between two neighbouring text values otherwise).
 * --engine com computes COM (com.h, p4_com_run_config) of each point's Touchstone channel against
 * its crosstalk files under com.params, instead of a BER: a row holds COM, the thru's loss at
 * f_b/2, A_s and A_ni, and PASS at COM >= the threshold; the crossing is where COM meets the
 * threshold (interpolated linearly in dB). Only the keys that enter COM may vary
 * (p4_config_key_acts with engine 'c': the thru file, channel.length_scale, channel.extra_loss_db,
 * the aggressor files and com.*).
 * Before anything runs, every point's configuration is checked, and a key that cannot act on the
 * configured link at some point (p4_config_key_acts: a loss-model key on a Touchstone channel, a
 * stat.* key under Monte Carlo, ...) is refused with the reason: its rows would all be equal.
 * A point that fails while it runs (a file that cannot be read, a link that cannot be set up) is
 * reported as failed with its reason in the text, CSV and JSON, and the sweep goes on; the exit
 * status is then 1, after every file is written. --fail-on-target: exit status 3 when a finished
 * point misses the target. A progress bar goes to stderr when it is a terminal; SIGINT/SIGTERM stop
 * after the running point (a Monte Carlo point stops at its round's end and is left out) and the
 * points finished so far are reported and written, marked as interrupted; the exit status is then
 * 128 + signal.
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
    double start, stop, step; /* a range; NAN for a list */
    int n, numeric;           /* numeric: every value is a number (crossings interpolate) */
    char **txt;               /* the n values as given to --set */
    double *num;              /* the n values as numbers (NAN where text) */
} vary;

typedef struct {
    int vi[MAX_VARY]; /* each key's value index */
    double ber, lo, hi, com_db, height[3], width[3];
    double thr_db, il_db, a_s_v, a_ni_v; /* --engine com: the threshold, the thru's loss at f_b/2, A_s, A_ni */
    uint64_t bits, bit_errors;
    int failed;
    char err[256];
} point;

typedef struct {
    vary v[MAX_VARY];
    int nv, mc, com, bad, help;
    const char *csv, *json, *plot;
    const p4_config *c;
    p4_config *base; /* the same configuration while the options are read */
    point *pt;
    int npt, total, interrupted;
} sweep;

static volatile sig_atomic_t g_stop, g_sig;
static void on_signal(int s) { g_stop = 1, g_sig = s; }

static int add_value(vary *v, const char *t, size_t len)
{
    char **tx = realloc(v->txt, (size_t)(v->n + 1) * sizeof *tx);
    double *nu = tx ? realloc(v->num, (size_t)(v->n + 1) * sizeof *nu) : NULL;
    if (tx) v->txt = tx;
    if (nu) v->num = nu;
    char *c = nu ? malloc(len + 1) : NULL;
    if (!c) {
        fprintf(stderr, "pam4sim: sweep: out of memory\n");
        return -1;
    }
    memcpy(c, t, len), c[len] = 0;
    char *end;
    double x = strtod(c, &end);
    v->txt[v->n] = c, v->num[v->n] = end != c && !*end && isfinite(x) ? x : NAN;
    if (isnan(v->num[v->n])) v->numeric = 0;
    v->n++;
    return 0;
}

static void free_vary(vary *v)
{
    for (int i = 0; i < v->n; i++) free(v->txt[i]);
    free(v->txt), free(v->num);
}

/* key=start:stop:step (three numbers), or key=a,b,c (numbers or text, e.g. files) */
static int parse_vary(sweep *s, const char *arg)
{
    if (s->nv == MAX_VARY) {
        fprintf(stderr, "pam4sim: sweep: at most %d --vary keys\n", MAX_VARY);
        return -1;
    }
    vary *v = &s->v[s->nv];
    memset(v, 0, sizeof *v);
    v->numeric = 1, v->start = v->stop = v->step = NAN;
    const char *eq = strchr(arg, '=');
    char *end;
    if (!eq || eq == arg || (size_t)(eq - arg) >= sizeof v->key || !eq[1]) goto bad;
    memcpy(v->key, arg, eq - arg), v->key[eq - arg] = 0;
    const char *p = eq + 1;
    double a = strtod(p, &end);
    if (end != p && *end == ':') { /* a range */
        v->start = a;
        p = end + 1;
        v->stop = strtod(p, &end);
        if (end == p || *end != ':') goto bad;
        p = end + 1;
        v->step = strtod(p, &end);
        if (end == p || *end || !isfinite(v->start) || !isfinite(v->stop) || !(fabs(v->step) > 0)) goto bad;
        if ((v->stop - v->start) / v->step < -1e-9) {
            fprintf(stderr, "pam4sim: sweep: --vary %s: the step %g does not lead from %g to %g\n", arg, v->step, v->start, v->stop);
            return -1;
        }
        double n = floor((v->stop - v->start) / v->step + 1e-9) + 1;
        if (!(n <= MAX_POINTS)) { /* checked as a double, before it becomes an int (NaN fails too) */
            fprintf(stderr, "pam4sim: sweep: --vary %s gives %.3g values; at most %d points\n", arg, n, MAX_POINTS);
            return -1;
        }
        for (int i = 0; i < (int)n; i++) {
            char t[64];
            int len = snprintf(t, sizeof t, "%.12g", v->start + i * v->step);
            if (add_value(v, t, (size_t)len)) return -1;
        }
    } else /* a list */
        for (const char *q = p;; q++)
            if (*q == ',' || !*q) {
                if (q == p) goto bad;
                if (add_value(v, p, (size_t)(q - p))) return -1;
                if (!*q) break;
                p = q + 1;
            }
    s->nv++;
    return 0;
bad:
    fprintf(stderr, "pam4sim: sweep: --vary needs key=start:stop:step with numbers and a nonzero step, or key=a,b,c with no empty value (got '%s')\n", arg);
    return -1;
}

static int sweep_other(const char *opt, const char *val, void *ctx)
{
    sweep *s = ctx;
    if (!strcmp(opt, "--help")) return s->help = 1, 1;
    if (!val) return 2;
    if (!strcmp(opt, "--vary")) {
        if (parse_vary(s, val)) s->bad = 1;
        else { /* the base takes the first value, so that it is whole (e.g. --vary channel.file=...
                * with channel.type touchstone); every point sets its own (a bad value is named there) */
            const vary *v = &s->v[s->nv - 1];
            char kv[P4_PATH_MAX + 128];
            snprintf(kv, sizeof kv, "%s=%s", v->key, v->txt[0]);
            (void)p4_config_set(s->base, kv);
        }
    } else if (!strcmp(opt, "--engine")) {
        if (!strcmp(val, "mc")) s->mc = 1, s->com = 0;
        else if (!strcmp(val, "stat")) s->mc = 0, s->com = 0;
        else if (!strcmp(val, "com")) s->mc = 0, s->com = 1;
        else {
            fprintf(stderr, "pam4sim: sweep: --engine must be stat, mc or com (got '%s')\n", val);
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
        char kv[P4_PATH_MAX + 128];
        snprintf(kv, sizeof kv, "%s=%s", s->v[k].key, s->v[k].txt[pt->vi[k]]);
        if (p4_config_set(c, kv)) return cli_fail();
    }
    return p4_config_validate(c) ? cli_fail() : 0;
}

/* Every swept key must act on the link at this point. 0, or 1 with the reason printed. */
static int keys_act(const sweep *s, const p4_config *c)
{
    for (int k = 0; k < s->nv; k++) {
        char why[512];
        if (p4_config_key_acts(c, s->v[k].key, s->com ? 'c' : s->mc ? 'm' : 's', why, sizeof why) == 0) {
            fprintf(stderr, "pam4sim: sweep: --vary %s has no effect here: %s\n", s->v[k].key, why);
            return 1;
        }
    }
    return 0;
}

static const char *val_txt(const sweep *s, const point *p, int k) { return s->v[k].txt[p->vi[k]]; }
static double val_num(const sweep *s, const point *p, int k) { return s->v[k].num[p->vi[k]]; }
static int met(const sweep *s, const point *p)
{
    return !p->failed && (s->com ? p->com_db >= p->thr_db : p->ber <= s->c->target_ber);
}
/* the figure against its target: log10 BER - log10 target, or COM - threshold (dB) */
static double metric(const sweep *s, const point *p)
{
    return s->com ? p->com_db - p->thr_db : log10(fmax(p->ber, 1e-300)) - log10(s->c->target_ber);
}
static const char *engine_name(const sweep *s) { return s->com ? "com" : s->mc ? "mc" : "stat"; }

/* One point: its configuration, then the engine. Returns 0 (done, or failed with pt->failed and
 * its reason set) or 3 (interrupted). */
static int run_point(sweep *s, const p4_config *base, point *pt)
{
    p4_config c;
    if (point_config(s, base, pt, &c)) return 1;
    if (s->com) {
        p4_com_params p;
        p4_com_result r;
        if (p4_com_run_config(&c, &p, &r)) {
            pt->failed = 1, pt->com_db = pt->il_db = pt->a_s_v = pt->a_ni_v = NAN;
            snprintf(pt->err, sizeof pt->err, "%s", p4_last_error());
        } else
            pt->com_db = r.com_db, pt->thr_db = r.threshold_db, pt->il_db = r.il_nyquist_db,
            pt->a_s_v = r.c[r.worst_case].a_s_v, pt->a_ni_v = r.c[r.worst_case].a_ni_v;
        pt->ber = pt->lo = pt->hi = NAN;
        for (int e = 0; e < 3; e++) pt->height[e] = pt->width[e] = NAN;
        return 0;
    }
    if (!s->mc) cli_stat_config(&c);
    p4_link *l = p4_link_create(&c);
    int rc = l ? 0 : 1;
    if (!l) {
    } else if (s->mc) {
        p4_counts n;
        p4_run_control ctl = {.stop = &g_stop};
        p4_run_info ri;
        if (p4_link_run_ctl(l, 0, &ctl, &n, &ri)) rc = 1;
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
        if (p4_stat_run(l, &r)) rc = 1;
        else {
            pt->ber = r.ber, pt->lo = pt->hi = NAN, pt->com_db = r.com_db;
            for (int e = 0; e < 3; e++) pt->height[e] = r.eye_height[e], pt->width[e] = r.eye_width_ui[e];
        }
        p4_stat_free(&r);
    }
    p4_link_destroy(l);
    if (rc == 1) {
        pt->failed = 1, pt->ber = pt->lo = pt->hi = pt->com_db = NAN;
        for (int e = 0; e < 3; e++) pt->height[e] = pt->width[e] = NAN;
        snprintf(pt->err, sizeof pt->err, "%s", p4_last_error());
        rc = 0;
    }
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

/* a point's value of key k: a number, or text (JSON: a string) */
static void json_val(FILE *f, const sweep *s, const point *p, int k)
{
    if (s->v[k].numeric) p4_json_num(f, val_num(s, p, k));
    else p4_json_str(f, val_txt(s, p, k));
}

/* Along the last key: where the BER crosses the target between two neighbouring finished points. */
static void crossings(const sweep *s, FILE *f, int json)
{
    const int last = s->nv - 1;
    const vary *lv = &s->v[last];
    int nl = lv->n, groups = s->npt / nl, first = 1;
    char what[64]; /* the figure and its target, in words */
    int ok = 0;
    while (ok + 1 < s->npt && s->pt[ok].failed) ok++;
    if (s->com) snprintf(what, sizeof what, "COM %g dB", s->pt[ok].thr_db);
    else snprintf(what, sizeof what, "BER %.2e", s->c->target_ber);
    for (int g = 0; g < groups; g++) {
        const point *p = s->pt + (size_t)g * nl, *a = NULL;
        for (int i = 0; i < nl; i++) {
            const point *b = &p[i];
            if (b->failed || isnan(s->com ? b->com_db : b->ber)) continue;
            if (!a || met(s, a) == met(s, b)) {
                a = b;
                continue;
            }
            if (json) {
                fprintf(f, "%s\n      {", first ? "" : ",");
                for (int k = 0; k < last; k++) p4_json_str(f, s->v[k].key), fprintf(f, ": "), json_val(f, s, a, k), fprintf(f, ", ");
                p4_json_str(f, lv->key);
                if (lv->numeric) {
                    double ya = metric(s, a), yb = metric(s, b), xa = val_num(s, a, last);
                    fprintf(f, ": %.6g, \"closes_below\": %s, \"engine\": \"%s\"}", xa - ya / (yb - ya) * (val_num(s, b, last) - xa),
                            met(s, a) ? "true" : "false", engine_name(s));
                } else {
                    fprintf(f, ": null, \"between\": ["), p4_json_str(f, val_txt(s, a, last)), fprintf(f, ", ");
                    p4_json_str(f, val_txt(s, b, last)), fprintf(f, "], \"met_at\": "), p4_json_str(f, val_txt(s, met(s, a) ? a : b, last));
                    fprintf(f, ", \"engine\": \"%s\"}", engine_name(s));
                }
            } else {
                fprintf(f, "crossing    ");
                for (int k = 0; k < last; k++) fprintf(f, " %s=%s,", s->v[k].key, val_txt(s, a, k));
                const char *eng = s->com ? "COM" : s->mc ? "Monte Carlo" : "statistical engine";
                if (lv->numeric) {
                    double ya = metric(s, a), yb = metric(s, b), xa = val_num(s, a, last);
                    fprintf(f, " %s at %s = %.4g (the %s %s it; %s)\n", what, lv->key, xa - ya / (yb - ya) * (val_num(s, b, last) - xa),
                            s->com ? "channel passes" : "link closes", met(s, a) ? "below" : "above", eng);
                } else
                    fprintf(f, " %s crossed between %s = %s and %s (met at %s; %s)\n", what, lv->key, val_txt(s, a, last),
                            val_txt(s, b, last), val_txt(s, met(s, a) ? a : b, last), eng);
            }
            first = 0;
            a = b;
        }
    }
    if (!json && first && s->com) fprintf(f, "crossing     COM does not cross its threshold inside the sweep\n");
    else if (!json && first) fprintf(f, "crossing     the BER does not cross %.2e inside the sweep\n", s->c->target_ber);
}

/* a CSV field: quoted when it holds a comma, a quote or a line break */
static void csv_str(FILE *f, const char *t)
{
    if (!strpbrk(t, ",\"\n\r")) {
        fputs(t, f);
        return;
    }
    fputc('"', f);
    for (; *t; t++) {
        if (*t == '"') fputc('"', f);
        fputc(*t, f);
    }
    fputc('"', f);
}

static void csv_out(FILE *f, void *v)
{
    const sweep *s = v;
    for (int k = 0; k < s->nv; k++) csv_str(f, s->v[k].key), fputc(',', f);
    if (s->com) {
        fprintf(f, "com_db,threshold_db,il_nyquist_db,a_s_v,a_ni_v,target_met,status,error\n");
        for (int i = 0; i < s->npt; i++) {
            const point *p = &s->pt[i];
            for (int k = 0; k < s->nv; k++) csv_str(f, val_txt(s, p, k)), fputc(',', f);
            fprintf(f, "%.6g,%.6g,%.6g,%.6g,%.6g,%d,%s,", p->com_db, p->thr_db, p->il_db, p->a_s_v, p->a_ni_v, met(s, p),
                    p->failed ? "failed" : "ok");
            csv_str(f, p->err);
            fputc('\n', f);
        }
        return;
    }
    fprintf(f, "ber,ber_ci_lo,ber_ci_hi,com_db,height_lower,height_middle,height_upper,width_lower_ui,width_middle_ui,"
               "width_upper_ui,target_met,status,error\n");
    for (int i = 0; i < s->npt; i++) {
        const point *p = &s->pt[i];
        for (int k = 0; k < s->nv; k++) csv_str(f, val_txt(s, p, k)), fputc(',', f);
        fprintf(f, "%.6e,%.6e,%.6e,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%d,%s,", p->ber, p->lo, p->hi, p->com_db, p->height[0],
                p->height[1], p->height[2], p->width[0], p->width[1], p->width[2], met(s, p), p->failed ? "failed" : "ok");
        csv_str(f, p->err);
        fputc('\n', f);
    }
}

static void json_out(FILE *f, void *v)
{
    const sweep *s = v;
    int nfail = 0;
    for (int i = 0; i < s->npt; i++) nfail += s->pt[i].failed;
    cli_json_head(f, "sweep", s->c);
    fprintf(f, ",\n  \"sweep\": {\n    \"engine\": \"%s\", \"target_ber\": %.6g, \"interrupted\": %s, \"points_planned\": %d, "
               "\"points_failed\": %d,\n",
            engine_name(s), s->c->target_ber, s->interrupted ? "true" : "false", s->total, nfail);
    if (s->com) fprintf(f, "    \"com_params\": "), p4_json_str(f, s->c->com_params), fprintf(f, ",\n");
    fprintf(f, "    \"vary\": [");
    for (int k = 0; k < s->nv; k++) {
        const vary *x = &s->v[k];
        fprintf(f, "%s{\"key\": ", k ? ", " : "");
        p4_json_str(f, x->key);
        if (!isnan(x->step)) fprintf(f, ", \"start\": %.12g, \"stop\": %.12g, \"step\": %.12g", x->start, x->stop, x->step);
        fprintf(f, ", \"values\": [");
        for (int i = 0; i < x->n; i++) {
            fprintf(f, "%s", i ? ", " : "");
            if (x->numeric) fprintf(f, "%.12g", x->num[i]);
            else p4_json_str(f, x->txt[i]);
        }
        fprintf(f, "]}");
    }
    fprintf(f, "],\n    \"points\": [");
    for (int i = 0; i < s->npt; i++) {
        const point *p = &s->pt[i];
        fprintf(f, "%s\n      {", i ? "," : "");
        for (int k = 0; k < s->nv; k++) p4_json_str(f, s->v[k].key), fprintf(f, ": "), json_val(f, s, p, k), fprintf(f, ", ");
        if (p->failed) {
            fprintf(f, "\"status\": \"failed\", \"error\": ");
            p4_json_str(f, p->err);
            fprintf(f, ", \"target_met\": false}");
            continue;
        }
        if (s->com) {
            fprintf(f, "\"status\": \"ok\", "), p4_json_key(f, "com_db", p->com_db), fprintf(f, ", ");
            p4_json_key(f, "threshold_db", p->thr_db), fprintf(f, ", "), p4_json_key(f, "il_nyquist_db", p->il_db), fprintf(f, ", ");
            p4_json_key(f, "a_s_v", p->a_s_v), fprintf(f, ", "), p4_json_key(f, "a_ni_v", p->a_ni_v);
            fprintf(f, ", \"target_met\": %s}", met(s, p) ? "true" : "false");
            continue;
        }
        const double ci[2] = {p->lo, p->hi};
        fprintf(f, "\"status\": \"ok\", \"ber\": ");
        p4_json_num(f, p->ber);
        fprintf(f, ", \"ber_ci95\": ");
        p4_json_array(f, ci, 2, 1);
        fprintf(f, ", "), p4_json_key(f, "com_db", p->com_db);
        fprintf(f, ", \"eye_height\": ");
        p4_json_array(f, p->height, 3, 1);
        fprintf(f, ", \"eye_width_ui\": ");
        p4_json_array(f, p->width, 3, 1);
        fprintf(f, ", \"target_met\": %s}", met(s, p) ? "true" : "false");
    }
    fprintf(f, "],\n    \"crossings\": [");
    if (s->npt) crossings(s, f, 1);
    fprintf(f, "]\n  }\n}\n");
}

static void free_all(sweep *s)
{
    for (int k = 0; k < s->nv; k++) free_vary(&s->v[k]);
    free(s->pt);
}

/* One point's row of the text report. */
static void print_row(const sweep *s, const point *p)
{
    for (int k = 0; k < s->nv; k++) printf("%14s ", val_txt(s, p, k));
    if (p->failed) {
        printf("failed: %s\n", p->err);
        return;
    }
    if (s->com) {
        printf("%8.2f %8.2f %8.2f %8.2f  %s\n", p->com_db, p->il_db, p->a_s_v * 1e3, p->a_ni_v * 1e3, met(s, p) ? "PASS" : "FAIL");
        return;
    }
    if (s->mc) printf("%11.3e  %9.2e..%9.2e %12s", p->ber, p->lo, p->hi, "");
    else printf("%11.3e %21s %12.2f", p->ber, "", p->com_db);
    printf(" %8.3f %s\n", p->height[1], met(s, p) ? "met" : "NOT met");
}

int cmd_sweep(int argc, char **argv)
{
    p4_config cfg;
    p4_config_default(&cfg);
    sweep s = {.c = &cfg, .base = &cfg};
    int rc = cli_config("sweep", argc, argv, &cfg, sweep_other, &s);
    if (s.help) {
        printf("usage: pam4sim sweep [FILE.yaml] --vary key=start:stop:step|key=a,b,c [--vary ...] [--engine stat|mc|com]\n"
               "                     [--set k=v]... [--symbols N] [-j N] [--csv OUT] [--json OUT] [--plot DIR] [--fail-on-target]\n");
        free_all(&s);
        return 0;
    }
    if (s.bad || rc || !s.nv) {
        if (!s.bad && !rc) fprintf(stderr, "pam4sim: sweep: give at least one --vary key=start:stop:step or key=a,b,c\n");
        free_all(&s);
        return s.bad || !rc ? 2 : rc;
    }
    if (s.com && !cfg.com_params[0]) {
        fprintf(stderr, "pam4sim: sweep: --engine com needs key 'com.params' (a set: %s; or a YAML table), e.g. --set com.params=8023dj-kr\n",
                "8023dj-kr, 8023dj-cr, 8023dj-c2m, 8023ck-kr");
        free_all(&s);
        return 2;
    }
    if ((s.json && cli_check_writable("--json", s.json)) || (s.csv && cli_check_writable("--csv", s.csv))) {
        free_all(&s);
        return 1;
    }
    double total = 1; /* a double: four keys of 1e5 values each would overflow an integer */
    for (int k = 0; k < s.nv; k++) total *= s.v[k].n;
    if (!(total <= MAX_POINTS)) {
        fprintf(stderr, "pam4sim: sweep: %.6g points; at most %d\n", total, MAX_POINTS);
        free_all(&s);
        return 2;
    }
    s.total = (int)total;
    s.pt = calloc((size_t)total, sizeof *s.pt);
    if (!s.pt) {
        free_all(&s);
        return cli_fail();
    }
    /* every point's configuration is checked before any runs, so a bad value, or a key that does
     * nothing to the configured link, fails at once */
    for (int i = 0; i < s.total; i++) {
        int rest = i;
        for (int k = s.nv - 1; k >= 0; k--) s.pt[i].vi[k] = rest % s.v[k].n, rest /= s.v[k].n;
        p4_config c;
        if (point_config(&s, &cfg, &s.pt[i], &c) || keys_act(&s, &c)) {
            free_all(&s);
            return 1;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (s.com)
        printf("pam4sim %s  sweep of %d points, COM (com.params %s), PASS at COM >= the threshold\n", P4_VERSION, s.total, cfg.com_params);
    else
        printf("pam4sim %s  sweep of %d points, %s engine, target BER %.2e, seed %lld\n", P4_VERSION, s.total,
               s.mc ? "Monte Carlo" : "statistical", cfg.target_ber, (long long)cfg.seed);
    for (int k = 0; k < s.nv; k++) {
        const vary *v = &s.v[k];
        if (!isnan(v->step)) printf("%-12s %g .. %g step %g (%d values)\n", v->key, v->start, v->stop, v->step, v->n);
        else {
            printf("%-12s", v->key);
            for (int i = 0; i < v->n; i++) printf("%s %s", i ? "," : "", v->txt[i]);
            printf(" (%d values)\n", v->n);
        }
    }
    printf("\n");
    for (int k = 0; k < s.nv; k++) printf("%14s ", s.v[k].key);
    char hl[32];
    snprintf(hl, sizeof hl, "eye@%.0e", s.mc ? cfg.eye_ber : cfg.stat_eye_ber); /* the middle eye's height at that BER */
    if (s.com) printf("%8s %8s %8s %8s  %s\n", "COM dB", "IL dB", "A_s mV", "A_ni mV", "verdict");
    else printf("%11s %21s %12s %8s %s\n", "BER", s.mc ? "95 % CI" : "", s.mc ? "" : "COM-style dB", hl, "BER target");
    progress(&s, 0);
    int nfail = 0, nmiss = 0;
    for (int i = 0; i < s.total && !g_stop; i++) {
        int r = run_point(&s, &cfg, &s.pt[i]);
        if (r == 3) break;
        if (r) { /* the configuration was checked above: this is not expected */
            free_all(&s);
            return r;
        }
        s.npt = i + 1;
        nfail += s.pt[i].failed, nmiss += !s.pt[i].failed && !met(&s, &s.pt[i]);
        if (isatty(2)) fprintf(stderr, "\r%*s\r", 60, "");
        print_row(&s, &s.pt[i]);
        fflush(stdout);
        progress(&s, s.npt);
    }
    s.interrupted = s.npt < s.total;
    printf("\n");
    if (s.interrupted) printf("interrupted  after %d of %d points; the files hold those\n", s.npt, s.total);
    if (nfail) printf("failed       %d of %d points (the reason is on each row; the sweep went on)\n", nfail, s.npt);
    if (s.npt) crossings(&s, stdout, 0);
    rc = 0;
    if (s.csv) rc |= cli_write_atomic(s.csv, csv_out, &s);
    if (s.json) rc |= cli_write_atomic(s.json, json_out, &s);
    if (s.plot && s.npt) {
        /* BER (or COM) against the last key (for one key: the whole sweep; otherwise its first line);
         * text values are plotted at their index */
        const vary *lv = &s.v[s.nv - 1];
        int nl = lv->n < s.npt ? lv->n : s.npt;
        double *x = malloc(nl * sizeof *x), *b = malloc(nl * sizeof *b), *lo = malloc(nl * sizeof *lo), *hi = malloc(nl * sizeof *hi);
        char label[128];
        snprintf(label, sizeof label, "%s%s", lv->key, lv->numeric ? "" : " (index of the value)");
        for (int i = 0; i < nl; i++)
            x[i] = lv->numeric ? lv->num[s.pt[i].vi[s.nv - 1]] : i, b[i] = s.com ? s.pt[i].com_db : s.pt[i].ber,
            lo[i] = s.pt[i].lo, hi[i] = s.pt[i].hi;
        if (s.com) { /* the threshold of the first finished point (com.threshold_db or the set's) */
            double thr = NAN;
            for (int i = 0; i < nl && isnan(thr); i++)
                if (!s.pt[i].failed) thr = s.pt[i].thr_db;
            rc |= cli_plot_sweep_com(s.plot, label, nl, x, b, isnan(thr) ? 3 : thr);
        } else
            rc |= cli_plot_sweep(s.plot, label, nl, x, b, s.mc ? lo : NULL, s.mc ? hi : NULL, cfg.target_ber);
        free(x), free(b), free(lo), free(hi);
    }
    free_all(&s);
    if (!rc && s.interrupted) rc = 128 + (g_sig ? (int)g_sig : SIGINT);
    if (!rc && nfail) rc = 1;
    if (!rc && nmiss && cli_fail_on_target) rc = CLI_EXIT_TARGET;
    return rc;
}
