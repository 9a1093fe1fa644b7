/* cli_mission.c - `pam4sim` and `pam4sim run` without a configuration file: the mission (mission.h).
 *
 *   pam4sim [run]                                      (no argument at all)
 *   pam4sim [run] --mission [--set key=value]... [--symbols N] [--seed S] [-j N] [--arch retimed,lpo,...]
 *                 [--no-budget] [--json OUT] [--fail-on-target]
 *
 * One 200GBASE-DR1-class lane host to host through a DSP-retimed and an LPO module side by side
 * (or the rungs --arch names): the Monte Carlo counts, the statistical margins and budgets, latency
 * and power, each figure labelled with the engine that produced it. The configuration is the
 * comparison default (arch.h) with --set on top: the keys are the same as everywhere. A link of
 * one's own stays a file away (`pam4sim run FILE.yaml`), the built-in electrical link one flag
 * away (`pam4sim run --link`), and every command line that ran it before (any option without
 * FILE, --mission aside) still does.
 */
#include "cli.h"
#include "cli_help.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *json, *arch_list;
    int budgets, fail_on_target, bad;
    const p4_config *c;
    p4_mission m;
} mission_run;

static int mission_other(const char *opt, const char *val, void *ctx)
{
    mission_run *s = ctx;
    if (!strcmp(opt, "--no-budget")) return s->budgets = 0, 1;
    if (!strcmp(opt, "--fail-on-target")) return s->fail_on_target = 1, 1;
    if (!strcmp(opt, "--link") || !strcmp(opt, "--mission")) return 1;
    if (!strcmp(opt, "--plot") || !strcmp(opt, "--checkpoint") || !strcmp(opt, "--resume") || !strcmp(opt, "--until-errors") ||
        !strcmp(opt, "--max-seconds") || !strcmp(opt, "--checkpoint-every")) {
        fprintf(stderr, "pam4sim: run: %s needs one link: give a configuration FILE, or --link for the built-in electrical link\n", opt);
        s->bad = 1;
        return val ? 0 : 1;
    }
    if (!val) return 2;
    if (!strcmp(opt, "--json")) return s->json = val, 0;
    if (!strcmp(opt, "--arch")) return s->arch_list = val, 0;
    return 2;
}

/* The mission runs for `pam4sim` and `pam4sim run` with no argument at all, with --mission, or with
 * an option only the mission has (--arch, --no-budget) and no configuration file; --link or a FILE
 * is a link. Every command line that ran a link before still does. */
int cli_run_is_mission(int argc, char **argv)
{
    if (argc == 0) return 1;
    const cli_command *c = cli_command_find("run");
    int mission = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--link") || argv[i][0] != '-') return 0; /* a FILE (values were split from their options) */
        if (!strcmp(argv[i], "--mission") || !strcmp(argv[i], "--arch") || !strcmp(argv[i], "--no-budget")) mission = 1;
        if (c && cli_option_kind(c, argv[i]) == 2) i++;
    }
    return mission;
}

static const char *eng_mc = "MC", *eng_stat = "stat";

static void cell_ber(char *b, size_t n, double v, double lo, double hi)
{
    if (v == 0) snprintf(b, n, "0 [<= %.1e]", hi);
    else snprintf(b, n, "%.2e [%.1e, %.1e]", v, lo, hi);
}

static void cell_budget(char *b, size_t n, const p4_budget *bd, double margin, const char *unit, int have)
{
    if (!have) snprintf(b, n, "-");
    else if (bd->end == P4_BUDGET_FOUND) snprintf(b, n, "%+.2f dB (%.2f %s)", margin, bd->value, unit);
    else if (bd->end == P4_BUDGET_PASSES_ALL) snprintf(b, n, ">= %+.2f dB (%.1f %s)", margin, bd->value, unit);
    else snprintf(b, n, "fails at %.1f %s", bd->value, unit);
}

static void row(const mission_run *s, const char *label, const char *eng, const char cells[][48])
{
    printf("%-30s", label);
    for (int i = 0; i < s->m.narch; i++) printf(" %-26s", cells[i]);
    printf(" %s\n", eng);
}

static void report(const mission_run *s)
{
    const p4_config *c = s->c;
    const p4_mission *m = &s->m;
    char v[P4_ARCH_COUNT][48];
    printf("pam4sim %s: the mission - one 200G/lane lane, host to host, through each module side by side\n", P4_VERSION);
    printf("lane           host SerDes -> host board %.1f dB (C2M, loss model) -> module -> %.0f m %s fiber -> module\n"
           "               -> host board -> host SerDes; KP4 at the host; target pre-FEC BER %.2g\n",
           c->il_nyquist_db, c->fiber_length_m, c->fiber_type, c->target_ber);
    printf("engines        MC: Monte Carlo, %lld host symbols a module (95 %% intervals); stat: the statistical engine\n",
           (long long)c->symbols);
    printf("other links    pam4sim run FILE.yaml (examples/), or pam4sim run --link for the built-in electrical link\n");
    printf("options        pam4sim run --mission [--arch retimed,lpo,cpo] [--set key=value] [--json OUT] (pam4sim run --help)\n\n");
    printf("%-30s", "");
    for (int i = 0; i < m->narch; i++) printf(" %-26s", p4_arch_name(m->r[i].arch));
    printf(" engine\n");
    for (int i = 0; i < m->narch; i++) cell_ber(v[i], 48, m->r[i].ber, m->r[i].ber_lo, m->r[i].ber_hi);
    row(s, "pre-FEC BER, end to end", eng_mc, v);
    for (int i = 0; i < m->narch; i++) cell_ber(v[i], 48, m->r[i].post_ber, m->r[i].post_lo, m->r[i].post_hi);
    row(s, "post-FEC BER (KP4)", eng_mc, v);
    for (int i = 0; i < m->narch; i++) cell_ber(v[i], 48, m->r[i].flr, m->r[i].flr_lo, m->r[i].flr_hi);
    row(s, "frame loss ratio", eng_mc, v);
    for (int i = 0; i < m->narch; i++)
        isnan(m->r[i].eye_height) ? snprintf(v[i], 48, "-") : snprintf(v[i], 48, "%.3f", m->r[i].eye_height);
    row(s, "host eye height (normalized)", eng_mc, v);
    for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%.2e%s", m->r[i].stat_ber, m->r[i].consistent ? "" : " (!)");
    row(s, "pre-FEC BER, far below a count", eng_stat, v);
    for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%+.2f dB", m->r[i].margin_db);
    row(s, "margin to the target", eng_stat, v);
    for (int i = 0; i < m->narch; i++)
        cell_budget(v[i], 48, &m->r[i].host, m->r[i].host_margin_db, "dB", s->budgets && m->r[i].host_key);
    row(s, "host-loss margin (budget)", eng_stat, v);
    for (int i = 0; i < m->narch; i++) cell_budget(v[i], 48, &m->r[i].oma, m->r[i].oma_margin_db, "dBm", s->budgets);
    row(s, "received-OMA margin (budget)", eng_stat, v);
    for (int k = 0; k < P4_LAT_KINDS; k++) {
        char lab[48];
        snprintf(lab, sizeof lab, "latency %s [ns]", p4_lat_kind_name((p4_lat_kind)k));
        for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%.2f", m->r[i].lat.kind_ns[k]);
        row(s, lab, "model", v);
    }
    for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%.2f", m->r[i].lat.total_ns);
    row(s, "latency one way, total [ns]", "model", v);
    for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%.2f W (%.2f pJ/bit)", m->r[i].pw.w_lane, m->r[i].pw.pj_bit);
    row(s, "power per lane", "table", v);
    for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%.2f W", m->r[i].pw.w_module);
    row(s, "power per 1.6T module", "table", v);
    for (int i = 0; i < m->narch; i++) snprintf(v[i], 48, "%.0f MWh", m->r[i].pw.kwh_year * 1e-3);
    char lab[64];
    snprintf(lab, sizeof lab, "%lld modules a year", (long long)c->pw_ports);
    row(s, lab, "table", v);
    /* the verdict: what dropping the DSP costs and buys, against the first (retimed) column */
    const p4_mission_arch *r0 = &m->r[0];
    printf("\n");
    for (int i = 0; i < m->narch; i++) {
        const p4_mission_arch *r = &m->r[i];
        printf("verdict      %-12s %s the target (%s); margin %+.2f dB", p4_arch_name(r->arch), r->ber_hi < c->target_ber ? "meets" : "does NOT meet",
               r->ber_hi < c->target_ber ? "95 % upper bound below it" : "counted", r->margin_db);
        if (i && r0->arch == P4_ARCH_RETIMED) {
            if (s->budgets && r->host_key && r0->host_key)
                printf("; host loss %+.1f dB", r->host.value - r0->host.value);
            if (s->budgets) printf(", OMA %+.1f dB", r0->oma.value - r->oma.value);
            printf(" against retimed for %.2f W less a lane and %.1f ns less latency", r0->pw.w_lane - r->pw.w_lane,
                   r0->lat.total_ns - r->lat.total_ns);
        }
        printf("\n");
    }
    for (int i = 0; i < m->narch; i++)
        if (!m->r[i].consistent)
            printf("check        %s: the statistical BER %.2e lies above the count's 95 %% bound %.2e: the engines disagree here\n",
                   p4_arch_name(m->r[i].arch), m->r[i].stat_ber, m->r[i].ber_hi);
    printf("time         Monte Carlo %.1f s, statistical %.1f s (%d threads)\n", m->seconds_mc, m->seconds_stat,
           c->threads ? (int)c->threads : p4_default_threads());
}

static void json_budget(FILE *f, const p4_budget *b, double margin)
{
    fprintf(f, "{\"end\": \"%s\", \"value\": ", b->end == P4_BUDGET_FOUND ? "found" : b->end == P4_BUDGET_PASSES_ALL ? "passes_all" : "fails_all");
    p4_json_num(f, b->value);
    fprintf(f, ", \"margin_db\": ");
    p4_json_num(f, margin);
    fprintf(f, ", \"points\": %d, \"engine\": \"stat\"}", b->n);
}

static void json_out(FILE *f, void *v)
{
    const mission_run *s = v;
    const p4_mission *m = &s->m;
    cli_json_head(f, "mission", s->c);
    fprintf(f, ",\n  \"architectures\": [");
    for (int i = 0; i < m->narch; i++) {
        const p4_mission_arch *r = &m->r[i];
        fprintf(f, "%s\n    {\"key\": \"%s\", \"name\": \"%s\", \"segments\": %d,\n     \"mc\": {\"bits\": %llu, \"bit_errors\": %llu, \"pre_fec_ber\": ",
                i ? "," : "", p4_arch_key(r->arch), p4_arch_name(r->arch), r->plan.nseg, (unsigned long long)r->cc.e2e.bits,
                (unsigned long long)r->cc.e2e.bit_errors);
        p4_json_num(f, r->ber);
        fprintf(f, ", \"pre_fec_ci95\": ");
        p4_json_array(f, (const double[2]){r->ber_lo, r->ber_hi}, 2, 1);
        fprintf(f, ", \"post_fec_ber\": "), p4_json_num(f, r->post_ber);
        fprintf(f, ", \"post_fec_ci95\": ");
        p4_json_array(f, (const double[2]){r->post_lo, r->post_hi}, 2, 1);
        fprintf(f, ", \"flr\": "), p4_json_num(f, r->flr);
        fprintf(f, ", \"flr_ci95\": ");
        p4_json_array(f, (const double[2]){r->flr_lo, r->flr_hi}, 2, 1);
        fprintf(f, ", \"eye_height\": "), p4_json_num(f, r->eye_height);
        fprintf(f, ", \"target_met\": %s},\n     \"stat\": {\"pre_fec_ber\": ", r->ber_hi < s->c->target_ber ? "true" : "false");
        p4_json_num(f, r->stat_ber);
        fprintf(f, ", \"margin_db\": "), p4_json_num(f, r->margin_db);
        fprintf(f, ", \"consistent_with_mc\": %s", r->consistent ? "true" : "false");
        if (s->budgets && r->host_key) {
            fprintf(f, ", \"host_loss_key\": \"%s\", \"host_loss_nominal_db\": ", r->host_key);
            p4_json_num(f, r->host_nominal);
            fprintf(f, ", \"host_loss_budget\": "), json_budget(f, &r->host, r->host_margin_db);
        }
        if (s->budgets) {
            fprintf(f, ", \"rx_oma_nominal_dbm\": "), p4_json_num(f, r->oma_nominal);
            fprintf(f, ", \"rx_oma_budget\": "), json_budget(f, &r->oma, r->oma_margin_db);
        }
        fprintf(f, "},\n     \"latency\": {\"total_ns\": "), p4_json_num(f, r->lat.total_ns);
        fprintf(f, ", \"blocks\": [");
        for (int k = 0; k < r->lat.n; k++) {
            fprintf(f, "%s{\"segment\": %d, \"kind\": \"%s\", \"block\": ", k ? ", " : "", r->lat.row[k].seg + 1,
                    p4_lat_kind_name(r->lat.row[k].kind));
            p4_json_str(f, r->lat.row[k].block);
            fprintf(f, ", \"ns\": "), p4_json_num(f, r->lat.row[k].ns);
            fprintf(f, ", \"source\": "), p4_json_str(f, r->lat.row[k].source);
            fprintf(f, "}");
        }
        fprintf(f, "]},\n     \"power\": {\"w_lane\": "), p4_json_num(f, r->pw.w_lane);
        fprintf(f, ", \"w_module\": "), p4_json_num(f, r->pw.w_module);
        fprintf(f, ", \"pj_bit\": "), p4_json_num(f, r->pw.pj_bit);
        fprintf(f, ", \"kwh_year\": "), p4_json_num(f, r->pw.kwh_year);
        fprintf(f, ", \"blocks\": [");
        for (int k = 0; k < r->pw.n; k++) {
            fprintf(f, "%s{\"block\": ", k ? ", " : "");
            p4_json_str(f, r->pw.row[k].block);
            fprintf(f, ", \"pj_bit\": "), p4_json_num(f, r->pw.row[k].pj_bit);
            fprintf(f, ", \"source\": ");
            p4_json_str(f, r->pw.row[k].source);
            fprintf(f, "}");
        }
        fprintf(f, "]}}");
    }
    fprintf(f, "\n  ]\n}\n");
}

int cmd_mission(int argc, char **argv)
{
    static p4_config cfg;
    if (p4_mission_config_default(&cfg)) return cli_fail();
    static mission_run s;
    memset(&s, 0, sizeof s);
    s.budgets = 1, s.c = &cfg;
    int rc = cli_config("run", argc, argv, &cfg, mission_other, &s);
    if (s.bad) return 2;
    if (rc) return rc;
    if (cli_mpi_size() > 1) {
        if (!cli_mpi_rank()) fprintf(stderr, "pam4sim: the mission runs in one process: give a configuration FILE (or --link) to split a run over MPI\n");
        return 2;
    }
    p4_arch archs[P4_ARCH_COUNT] = {P4_ARCH_RETIMED, P4_ARCH_LPO};
    int narch = 2;
    if (s.arch_list) {
        narch = 0;
        char buf[128];
        snprintf(buf, sizeof buf, "%s", s.arch_list);
        for (char *sv, *t = strtok_r(buf, ",", &sv); t; t = strtok_r(NULL, ",", &sv)) {
            p4_arch a = p4_arch_from_key(t);
            if (a == P4_ARCH_COUNT || narch >= P4_ARCH_COUNT) {
                fprintf(stderr, "pam4sim: run: --arch '%s' (allowed: a comma-separated list of retimed (or dsp), lpo, lro, npo, cpo)\n", t);
                return 2;
            }
            archs[narch++] = a;
        }
    }
    fprintf(stderr, "mission: %d architectures, Monte Carlo then the statistical margins ...\n", narch);
    if (p4_mission_run(&cfg, archs, narch, s.budgets, &s.m)) return cli_fail();
    report(&s);
    int fail = s.json ? cli_write_atomic(s.json, json_out, &s) : 0;
    int missed = 0;
    for (int i = 0; i < s.m.narch; i++) missed |= !(s.m.r[i].ber_hi < cfg.target_ber);
    p4_mission_free(&s.m);
    return fail ? 1 : s.fail_on_target && missed ? 3 : 0;
}
