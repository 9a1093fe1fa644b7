/* cli_stat.c - `pam4sim stat`: the statistical eye of the configured link (stat.h).
 *
 *   pam4sim stat [FILE.yaml] [--set key=value]... [-j N] [--json OUT] [--plot DIR]
 *
 * The link is set up as `run` sets it up, at stat.sps samples per UI (sim.sps is set to it) and
 * without the TDECQ measurement; nothing is simulated symbol by symbol. With com.params set, COM of
 * the same Touchstone channel and crosstalk files (p4_com_run_config) follows as one line and a
 * "com" object in the JSON: the standard's figure beside the link's own COM-style margin.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <string.h>
#include <time.h>

typedef struct {
    const char *json, *plot;
    const p4_config *c;
    const p4_link_info *in;
    const p4_stat_result *r;
    const p4_com_params *cp; /* with com.params: the set and its result */
    const p4_com_result *cr;
} stat_out;

static int stat_other(const char *opt, const char *val, void *ctx)
{
    stat_out *o = ctx;
    if (!val) return 2;
    if (!strcmp(opt, "--json")) return o->json = val, 0;
    if (!strcmp(opt, "--plot")) return o->plot = val, 0;
    return 2;
}

static void json_out(FILE *f, void *v)
{
    stat_out *o = v;
    cli_json_head(f, "stat", o->c);
    fprintf(f, ",\n  \"link\": {"), p4_json_key(f, "sample_phase_ui", o->in->sample_phase_ui);
    fprintf(f, ", "), p4_json_key(f, "mmse_snr_db", o->in->mmse_snr_db);
    fprintf(f, ", "), p4_json_key(f, "main_cursor_v", o->in->main_cursor_v);
    fprintf(f, ", \"ffe\": ");
    p4_json_array(f, o->in->ffe, o->in->nffe, 1);
    fprintf(f, ", \"dfe\": ");
    p4_json_array(f, o->in->dfe, o->in->ndfe, 1);
    fprintf(f, ", "), p4_json_key(f, "g_dc_db", o->in->g_dc_db);
    fprintf(f, ", "), p4_json_key(f, "g_dc_hp_db", o->in->g_dc_hp_db);
    fprintf(f, "}");
    p4_report_stat_json(f, o->r);
    if (o->cr) {
        const p4_com_result *r = o->cr;
        fprintf(f, ",\n  \"com\": {\"params\": "), p4_json_str(f, o->cp->name), fprintf(f, ", ");
        p4_json_key(f, "com_db", r->com_db), fprintf(f, ", "), p4_json_key(f, "threshold_db", r->threshold_db);
        fprintf(f, ", \"pass\": %s, \"worst_case\": %d, ", r->pass ? "true" : "false", r->worst_case);
        p4_json_key(f, "il_nyquist_db", r->il_nyquist_db), fprintf(f, ", ");
        p4_json_key(f, "a_s_v", r->c[r->worst_case].a_s_v), fprintf(f, ", "), p4_json_key(f, "a_ni_v", r->c[r->worst_case].a_ni_v);
        fprintf(f, "}");
    }
    fprintf(f, "\n}\n");
}

/* The configuration the statistical engine's link is built from. */
void cli_stat_config(p4_config *c)
{
    c->sps = c->stat_sps;
    c->tdecq_in_run = 0;
    if (!strcmp(c->rx_ami_flow, "auto")) snprintf(c->rx_ami_flow, sizeof c->rx_ami_flow, "init"); /* stat takes a model's Init */
    if (!strcmp(c->tx_ami_flow, "auto")) snprintf(c->tx_ami_flow, sizeof c->tx_ami_flow, "init");
}

int cmd_stat(int argc, char **argv)
{
    p4_config cfg;
    p4_config_default(&cfg);
    stat_out o = {.c = &cfg};
    int rc = cli_config("stat", argc, argv, &cfg, stat_other, &o);
    if (rc) return rc;
    if (o.json && cli_check_writable("--json", o.json)) return 1;
    cli_stat_config(&cfg);
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p4_link *l = p4_link_create(&cfg);
    if (!l) return cli_fail();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    p4_stat_result r;
    if (p4_stat_run(l, &r)) {
        p4_stat_free(&r);
        p4_link_destroy(l);
        return cli_fail();
    }
    clock_gettime(CLOCK_MONOTONIC, &t2);
    o.in = p4_link_info_get(l), o.r = &r;
    p4_com_params cp;
    p4_com_result cr;
    if (cfg.com_params[0]) {
        if (p4_com_run_config(&cfg, &cp, &cr)) {
            p4_stat_free(&r);
            p4_link_destroy(l);
            return cli_fail();
        }
        o.cp = &cp, o.cr = &cr;
    }
    p4_report_link_text(stdout, &cfg, o.in);
    p4_report_stat_text(stdout, &cfg, o.in, &r);
    if (o.cr)
        printf("COM          %.2f dB (IEEE 802.3 93A/178A, set %s, case %d of %d): %s (threshold %g dB); A_s %.2f mV, "
               "A_ni %.2f mV; thru IL %.2f dB at %.4g GHz\n",
               cr.com_db, cp.name, cr.worst_case + 1, cr.ncase, cr.pass ? "PASS" : "FAIL", cr.threshold_db,
               cr.c[cr.worst_case].a_s_v * 1e3, cr.c[cr.worst_case].a_ni_v * 1e3, cr.il_nyquist_db, cp.baud_gbd / 2);
    printf("\nstat time    set-up %.2f s, statistical eye %.3f s\n",
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec),
           (double)(t2.tv_sec - t1.tv_sec) + 1e-9 * (double)(t2.tv_nsec - t1.tv_nsec));
    if (o.json) rc = cli_write_atomic(o.json, json_out, &o);
    if (o.plot) rc |= cli_plot_stat(o.plot, l, &r, &cfg);
    if (!rc && cli_fail_on_target && !(r.ber <= cfg.target_ber)) rc = CLI_EXIT_TARGET;
    p4_stat_free(&r);
    p4_link_destroy(l);
    return rc;
}
