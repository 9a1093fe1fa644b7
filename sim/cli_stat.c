/* cli_stat.c - `pam4sim stat`: the statistical eye of the configured link (stat.h).
 *
 *   pam4sim stat [FILE.yaml] [--set key=value]... [-j N] [--json OUT] [--plot DIR]
 *
 * The link is set up as `run` sets it up, at stat.sps samples per UI (sim.sps is set to it) and
 * without the TDECQ measurement; nothing is simulated symbol by symbol.
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
    fprintf(f, "\n}\n");
}

/* The configuration the statistical engine's link is built from. */
void cli_stat_config(p4_config *c)
{
    c->sps = c->stat_sps;
    c->tdecq_in_run = 0;
    if (!strcmp(c->rx_ami_flow, "auto")) snprintf(c->rx_ami_flow, sizeof c->rx_ami_flow, "init"); /* stat takes a model's Init */
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
    p4_report_link_text(stdout, &cfg, o.in);
    p4_report_stat_text(stdout, &cfg, o.in, &r);
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
