/* cli_module.c - `pam4sim module`: the lanes of a module (a 1.6T DR8-class module: 8 x 200G) through
 * one architecture, and with --population N a population of modules for yield (module.h).
 *
 *   pam4sim module [FILE.yaml] [--set key=value]... [--arch retimed|lpo|lro|npo|cpo]
 *                  [--lane K:key=value]... [--symbols N] [--population N [--exact]] [-j N] [--json OUT]
 *
 * The configuration starts from the comparison default (a C2M host board at both ends, the DR1-class
 * optical line, KP4), then FILE and --set, as for compare. The host board is the loss model (every
 * lane the same) or a multi-lane Touchstone file (lane k of the module is the file's lane k, the
 * others its aggressors). --lane K:key=value changes lane K only (1-based), e.g. to see one weak lane.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LANE_SETS 64

typedef struct {
    const char *json;
    const char *arch_key;
    uint64_t population;
    int exact;
    int nsets;
    int set_lane[MAX_LANE_SETS];
    const char *set_kv[MAX_LANE_SETS];
    const p4_config *c;
    p4_arch a;
    int nlanes;
    p4_module_result r;
    p4_population p;
    int have_pop;
} mod_run;

static int mod_other(const char *opt, const char *val, void *ctx)
{
    mod_run *s = ctx;
    if (!strcmp(opt, "--exact")) return s->exact = 1, 1;
    if (!val) return 2;
    if (!strcmp(opt, "--json")) return s->json = val, 0;
    if (!strcmp(opt, "--arch")) return s->arch_key = val, 0;
    if (!strcmp(opt, "--population")) return cli_parse_u64(opt, val, &s->population) ? -1 : 0;
    if (!strcmp(opt, "--lane")) {
        char *end;
        long k = strtol(val, &end, 10);
        if (end == val || *end != ':' || k < 1 || k > P4_MODULE_MAX_LANES || !strchr(end + 1, '=')) {
            fprintf(stderr, "pam4sim: --lane '%s': expected K:key=value with K in 1 .. %d\n", val, P4_MODULE_MAX_LANES);
            return -1;
        }
        if (s->nsets >= MAX_LANE_SETS) {
            fprintf(stderr, "pam4sim: at most %d --lane settings\n", MAX_LANE_SETS);
            return -1;
        }
        s->set_lane[s->nsets] = (int)k - 1, s->set_kv[s->nsets++] = end + 1;
        return 0;
    }
    return 2;
}

static void report(const mod_run *s)
{
    const p4_module_result *r = &s->r;
    const p4_config *c = s->c;
    printf("module       %d lanes, %s, target BER %.3g, margin to pass %.2f dB\n", r->nlanes, p4_arch_name(r->arch), c->target_ber,
           c->mod_threshold_db);
    if (!isnan(r->drv_peaking_db) || !isnan(r->tia_peaking_db))
        printf("linear       driver CTLE %.1f dB, TIA CTLE %.1f dB (the host's choice on lane 1)\n", r->drv_peaking_db, r->tia_peaking_db);
    printf("\n%-5s %-27s %-24s %-22s %8s %10s\n", "lane", "pre-FEC BER [95 %]", "post-FEC BER [95 %]", "FLR [95 %]", "eye", "margin dB");
    for (int k = 0; k < r->nlanes; k++) {
        const p4_lane_result *o = &r->lane[k];
        char a[48], b[48], f[48], e[16];
        snprintf(a, sizeof a, "%.2e [%.1e, %.1e]", o->ber, o->ber_lo, o->ber_hi);
        snprintf(b, sizeof b, "%.1e [<= %.1e]", o->post_ber, o->post_hi);
        snprintf(f, sizeof f, "%.1e [<= %.1e]", o->flr, o->flr_hi);
        if (isnan(o->eye_height)) snprintf(e, sizeof e, "-");
        else snprintf(e, sizeof e, "%.3f", o->eye_height);
        printf("%-5d %-27s %-24s %-22s %8s %10.2f%s\n", k + 1, a, b, f, e, o->margin_db,
               o->margin_db < c->mod_threshold_db ? "  FAILS" : k == r->worst ? "  (worst)" : "");
    }
    printf("\nworst lane   %d: margin %.2f dB (statistical engine, COM-style at the target BER)\n", r->worst + 1, r->lane[r->worst].margin_db);
    printf("module FLR   %.2e (upper 95 %%: %.2e; lanes independent: 1 - prod(1 - FLR))\n", r->flr, r->flr_hi);
    printf("power        %.3f W a lane, %.2f W the module (%.2f pJ/bit)\n", r->pw.w_lane, r->pw.w_module, r->pw.pj_bit);
    printf("latency      %.2f ns one way, host to host (lane 1)\n", r->lat.total_ns);
    printf("engines      BER, FEC and eyes: Monte Carlo (%llu bits a lane); margins: statistical\n",
           (unsigned long long)r->lane[0].bits);
    if (!s->have_pop) return;
    const p4_population *p = &s->p;
    printf("\npopulation   %d modules x %d lanes, seed %lld, margins by %s\n", p->nmod, p->nlanes, (long long)c->seed,
           p->exact ? "the statistical engine at every draw" : "first-order expansion about each nominal lane (--exact: the engine at every draw)");
    printf("varied       ");
    for (int i = 0, first = 1; i < P4_VARY_COUNT; i++)
        if (c->vary_width[i] > 0) printf("%s%s %s %g/%s", first ? "" : ", ", p4_vary_name(i), c->vary_dist[i], c->vary_width[i], c->vary_scope[i]), first = 0;
    printf("\nyield        %.4f (%d of %d modules with every lane >= %.2f dB)\n", p->yield, (int)lround(p->yield * p->nmod), p->nmod,
           p->threshold_db);
    printf("worst lane   margin: min %.2f, 1 %% %.2f, 5 %% %.2f, median %.2f, 95 %% %.2f dB\n", p->worst_pct[0], p->worst_pct[1],
           p->worst_pct[2], p->worst_pct[3], p->worst_pct[4]);
    printf("drivers      correlation with the worst-lane margin:");
    for (int i = 0; i < P4_VARY_COUNT; i++)
        if (c->vary_width[p->rank[i]] > 0) printf(" %s %+.2f", p4_vary_name(p->rank[i]), p->corr[p->rank[i]]);
    printf("\n");
}

static void json_out(FILE *f, void *v)
{
    const mod_run *s = v;
    const p4_module_result *r = &s->r;
    cli_json_head(f, "module", s->c);
    fprintf(f, ",\n  \"architecture\": \"%s\", \"lanes\": [", p4_arch_key(r->arch));
    for (int k = 0; k < r->nlanes; k++) {
        const p4_lane_result *o = &r->lane[k];
        fprintf(f, "%s\n    {\"lane\": %d, \"bits\": %llu, \"bit_errors\": %llu, \"pre_fec_ber\": ", k ? "," : "", k + 1,
                (unsigned long long)o->bits, (unsigned long long)o->bit_errors);
        p4_json_num(f, o->ber);
        fprintf(f, ", \"pre_fec_ci95\": ");
        p4_json_array(f, (const double[2]){o->ber_lo, o->ber_hi}, 2, 1);
        fprintf(f, ", \"post_fec_ber\": ");
        p4_json_num(f, o->post_ber);
        fprintf(f, ", \"post_fec_ci95\": ");
        p4_json_array(f, (const double[2]){o->post_lo, o->post_hi}, 2, 1);
        fprintf(f, ", \"codewords\": %llu, \"flr\": ", (unsigned long long)o->codewords);
        p4_json_num(f, o->flr);
        fprintf(f, ", \"flr_ci95\": ");
        p4_json_array(f, (const double[2]){o->flr_lo, o->flr_hi}, 2, 1);
        fprintf(f, ", \"eye_height\": ");
        p4_json_num(f, o->eye_height);
        fprintf(f, ", \"stat_ber\": ");
        p4_json_num(f, o->stat_ber);
        fprintf(f, ", \"margin_db\": ");
        p4_json_num(f, o->margin_db);
        fprintf(f, "}");
    }
    fprintf(f, "\n  ],\n  \"worst_lane\": %d, \"module_flr\": ", r->worst + 1);
    p4_json_num(f, r->flr);
    fprintf(f, ", \"module_flr_upper95\": ");
    p4_json_num(f, r->flr_hi);
    fprintf(f, ",\n  \"power\": {\"w_lane\": %.6g, \"w_module\": %.6g, \"pj_bit\": %.6g}, \"latency_ns\": %.6g", r->pw.w_lane, r->pw.w_module,
            r->pw.pj_bit, r->lat.total_ns);
    if (s->have_pop) {
        const p4_population *p = &s->p;
        fprintf(f, ",\n  \"population\": {\"modules\": %d, \"lanes\": %d, \"method\": \"%s\", \"threshold_db\": %.6g, \"yield\": %.6g,\n"
                   "    \"worst_lane_margin_db\": {\"min\": %.6g, \"p1\": %.6g, \"p5\": %.6g, \"median\": %.6g, \"p95\": %.6g},\n"
                   "    \"drivers\": [",
                p->nmod, p->nlanes, p->exact ? "exact" : "expansion", p->threshold_db, p->yield, p->worst_pct[0], p->worst_pct[1],
                p->worst_pct[2], p->worst_pct[3], p->worst_pct[4]);
        for (int i = 0, n = 0; i < P4_VARY_COUNT; i++)
            if (s->c->vary_width[p->rank[i]] > 0)
                fprintf(f, "%s{\"parameter\": \"%s\", \"correlation\": %.6g}", n++ ? ", " : "", p4_vary_name(p->rank[i]), p->corr[p->rank[i]]);
        fprintf(f, "]}");
    }
    fprintf(f, "\n}\n");
}

int cmd_module(int argc, char **argv)
{
    static p4_config cfg;
    if (p4_arch_config_default(&cfg)) return cli_fail();
    static mod_run s;
    memset(&s, 0, sizeof s);
    s.c = &cfg;
    int rc = cli_config("module", argc, argv, &cfg, mod_other, &s);
    if (rc) return rc;
    if (p4_config_validate(&cfg)) return cli_fail();
    s.a = p4_arch_from_key(s.arch_key ? s.arch_key : cfg.mod_arch);
    if (s.a == P4_ARCH_COUNT) {
        fprintf(stderr, "pam4sim: --arch '%s' (allowed: retimed (or dsp), lpo, lro, npo, cpo)\n", s.arch_key);
        return 2;
    }
    if (s.population > 10000000) {
        fprintf(stderr, "pam4sim: --population %llu (allowed: 1 .. 10000000)\n", (unsigned long long)s.population);
        return 2;
    }
    s.nlanes = (int)cfg.pw_lanes;
    if (s.nlanes > P4_MODULE_MAX_LANES) {
        fprintf(stderr, "pam4sim: power.lanes_per_module = %d: a module here has at most %d lanes\n", s.nlanes, P4_MODULE_MAX_LANES);
        return 2;
    }
    static p4_config lanes[P4_MODULE_MAX_LANES];
    for (int k = 0; k < s.nlanes; k++)
        if (p4_module_lane_config(&cfg, k, &lanes[k])) return cli_fail();
    for (int i = 0; i < s.nsets; i++) {
        if (s.set_lane[i] >= s.nlanes) {
            fprintf(stderr, "pam4sim: --lane %d: the module has %d lanes\n", s.set_lane[i] + 1, s.nlanes);
            return 2;
        }
        if (p4_config_set(&lanes[s.set_lane[i]], s.set_kv[i]) || p4_config_validate(&lanes[s.set_lane[i]])) return cli_fail();
    }
    fprintf(stderr, "module: %d lanes through %s ...\n", s.nlanes, p4_arch_name(s.a));
    if (p4_module_run(&cfg, lanes, s.nlanes, s.a, 0, &s.r)) return cli_fail();
    if (s.population) {
        fprintf(stderr, "module: a population of %llu modules ...\n", (unsigned long long)s.population);
        if (s.nsets) fprintf(stderr, "module: the population varies the nominal lanes (--lane settings are not in it)\n");
        if (p4_module_population(&cfg, s.a, (int)s.population, s.exact, &s.p)) return cli_fail();
        s.have_pop = 1;
    }
    report(&s);
    int fail = s.json ? cli_write_atomic(s.json, json_out, &s) : 0;
    if (s.have_pop) p4_population_free(&s.p);
    return fail ? 1 : 0;
}
