/* cli_tdecq.c - `pam4sim tdecq`: TDECQ, OMAouter and ER of the configured optical transmitter.
 *
 *   pam4sim tdecq [FILE.yaml] [--set key=value]... [--json OUT]
 *
 * The link is set up as `run` would (optics.enable must be on) with tdecq.in_run forced on; nothing
 * is counted. The capture and the method are in tdecq.h and link_optics.h.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <string.h>

typedef struct {
    const char *json;
    const p4_config *c;
    const p4_link_info *in;
} tdecq_out;

static int tdecq_other(const char *opt, const char *val, void *ctx)
{
    tdecq_out *o = ctx;
    if (!strcmp(opt, "--json") && val) return o->json = val, 0;
    return 2;
}

static void json_out(FILE *f, void *v)
{
    tdecq_out *o = v;
    cli_json_head(f, "tdecq", o->c);
    fprintf(f, ",\n  \"tdecq\": ");
    p4_report_tdecq_json(f, &o->in->tdecq);
    fprintf(f, "\n}\n");
}

int cmd_tdecq(int argc, char **argv)
{
    p4_config cfg;
    p4_config_default(&cfg);
    tdecq_out o = {.c = &cfg};
    int rc = cli_config("tdecq", argc, argv, &cfg, tdecq_other, &o);
    if (rc) return rc;
    if (o.json && cli_check_writable("--json", o.json)) return 1;
    if (!cfg.optics_enable) {
        fprintf(stderr, "pam4sim: tdecq: optics.enable is false: TDECQ measures an optical transmitter "
                        "(try examples/dr1.yaml)\n");
        return 1;
    }
    cfg.tdecq_in_run = 1;
    p4_link *l = p4_link_create(&cfg);
    if (!l) return cli_fail();
    o.in = p4_link_info_get(l);
    printf("pam4sim %s  TDECQ of the transmitter, %.4g GBd, SSPRQ, reference receiver %.4g GHz, seed %lld\n",
           P4_VERSION, cfg.baud_gbd, isnan(cfg.tdecq_ref_ghz) ? cfg.baud_gbd / 2 : cfg.tdecq_ref_ghz, (long long)cfg.seed);
    p4_report_launch_text(stdout, &o.in->opt);
    p4_report_tdecq_text(stdout, &cfg, &o.in->tdecq);
    rc = o.json ? cli_write_atomic(o.json, json_out, &o) : 0;
    p4_link_destroy(l);
    return rc;
}
