/* cli_com.c - `pam4sim com`: the Channel Operating Margin of a thru channel and its aggressors
 * (com.h), with a shipped parameter set or the user's own table.
 *
 *   pam4sim com THRU.s4p [--fext F.s4p]... [--next N.s4p]... [--params NAME|FILE.yaml] [-j N]
 *               [--json OUT] [--plot DIR]
 */
#include "cli.h"
#include "pam4sim/com.h"
#include "pam4sim/pam4sim.h"
#include <stdlib.h>
#include <string.h>

typedef struct {
    const p4_com_params *p;
    const p4_com_input *in;
    const p4_com_result *r;
    const char *params;
} com_out;

static void json_files(FILE *f, const char *key, const char *const *v, int n)
{
    fprintf(f, ", \"%s\": [", key);
    for (int i = 0; i < n; i++) fprintf(f, "%s\"%s\"", i ? ", " : "", v[i]);
    fprintf(f, "]");
}

static void json_out(FILE *f, void *v)
{
    com_out *o = v;
    const p4_com_result *r = o->r;
    fprintf(f, "{\n  \"program\": \"pam4sim\",\n  \"version\": \"%s\",\n  \"schema\": %d,\n  \"fft_plans\": ", P4_VERSION,
            P4_JSON_SCHEMA);
    p4_json_str(f, p4_fft_plans());
    fprintf(f, ",\n  \"command\": \"com\",\n");
    fprintf(f, "  \"params\": ");
    p4_com_params_json(f, o->p);
    fprintf(f, ",\n  \"channels\": {\"thru\": \"%s\"", o->in->thru);
    json_files(f, "fext", o->in->fext, o->in->nfext);
    json_files(f, "next", o->in->next, o->in->nnext);
    fprintf(f, "},\n  \"com_db\": ");
    p4_json_num(f, r->com_db);
    fprintf(f, ",\n  \"threshold_db\": %g,\n  \"pass\": %s,\n  \"worst_case\": %d,\n  \"il_nyquist_db\": ", r->threshold_db,
            r->pass ? "true" : "false", r->worst_case);
    p4_json_num(f, r->il_nyquist_db);
    fprintf(f, ",\n  \"evaluated\": %ld,\n  \"seconds\": %.3f,\n  \"cases\": [", r->evaluated, r->seconds);
    for (int i = 0; i < r->ncase; i++) {
        const p4_com_case *c = &r->c[i];
        fprintf(f, "%s\n    {\"package_mm\": {\"tx\": %g, \"rx\": %g, \"next\": %g, \"fext\": %g}, ", i ? "," : "",
                o->p->pkg_tx_mm[i], o->p->pkg_rx_mm[i], o->p->pkg_next_mm[i], o->p->pkg_fext_mm[i]);
        fprintf(f, "\"board_mm\": {\"tx\": %g, \"rx\": %g, \"next\": %g, \"fext\": %g}, \"com_db\": ", o->p->board_tx_mm[i],
                o->p->board_rx_mm[i], o->p->board_next_mm[i], o->p->board_fext_mm[i]);
        p4_json_num(f, c->com_db);
        fprintf(f, ", \"fom_db\": ");
        p4_json_num(f, c->fom_db);
        fprintf(f, ", \"a_s_v\": %.6g, \"a_ni_v\": %.6g, \"g_dc_db\": %g, \"g_dc2_db\": %g, \"tx_ffe\": ", c->a_s_v,
                c->a_ni_v, c->g_dc_db, c->g_dc2_db);
        p4_json_array(f, c->tx, c->ntx, 1);
        fprintf(f, ", \"rx_ffe\": ");
        p4_json_array(f, c->rx, c->nrx, 1);
        fprintf(f, ", \"dfe\": ");
        p4_json_array(f, c->dfe, c->ndfe, 1);
        fprintf(f,
                ", \"sample_phase_ui\": %.6g, \"h0_v\": %.6g, \"sigma_v\": {\"tx\": %.6g, \"isi\": %.6g, \"xt\": %.6g, "
                "\"eta0\": %.6g, \"rj\": %.6g}, \"a_dd_v\": %.6g}",
                c->sample_phase_ui, c->h0_v, c->sigma_tx_v, c->sigma_isi_v, c->sigma_xt_v, c->sigma_n_v, c->sigma_rj_v,
                c->a_dd_v);
    }
    fprintf(f, "\n  ]\n}\n");
}

static void text_out(const com_out *o)
{
    const p4_com_params *p = o->p;
    const p4_com_result *r = o->r;
    printf("COM (IEEE 802.3 Annex 93A/178A), parameter set %s\n", p->name);
    printf("thru         %s (IL %.2f dB at %.4g GHz, the file alone: no package or board)\n", o->in->thru, r->il_nyquist_db, p->baud_gbd / 2);
    for (int i = 0; i < o->in->nfext; i++) printf("FEXT         %s\n", o->in->fext[i]);
    for (int i = 0; i < o->in->nnext; i++) printf("NEXT         %s\n", o->in->next[i]);
    for (int i = 0; i < r->ncase; i++) {
        const p4_com_case *c = &r->c[i];
        printf("\ncase %d       package z_p: TX %g mm, RX %g mm, NEXT %g mm, FEXT %g mm\n", i + 1, p->pkg_tx_mm[i],
               p->pkg_rx_mm[i], p->pkg_next_mm[i], p->pkg_fext_mm[i]);
        if (p->board_tx_mm[i] > 0 || p->board_rx_mm[i] > 0 || p->board_next_mm[i] > 0 || p->board_fext_mm[i] > 0)
            printf("  boards     host board z_bp: TX %g mm, RX %g mm, NEXT %g mm, FEXT %g mm (Z_c %g ohm)\n", p->board_tx_mm[i],
                   p->board_rx_mm[i], p->board_next_mm[i], p->board_fext_mm[i], p->board_ohm);
        printf("  CTLE       g_DC %g dB, g_DC2 %g dB\n  TX FFE     ", c->g_dc_db, c->g_dc2_db);
        for (int k = 0; k < c->ntx; k++) printf("c(%d) %.3f%s", k - p->tx_pre, c->tx[k], k + 1 < c->ntx ? ", " : "\n");
        if (c->nrx > 1) {
            printf("  RX FFE     ");
            for (int k = 0; k < c->nrx; k++) printf("%.3f%s", c->rx[k], k + 1 < c->nrx ? " " : "\n");
        }
        printf("  DFE        ");
        for (int k = 0; k < c->ndfe; k++) printf("%.3f%s", c->dfe[k], k + 1 < c->ndfe ? " " : "");
        printf("\n  t_s        %.4f UI of the pulse's own time axis\n", c->sample_phase_ui);
        printf("  FOM        %.2f dB\n", c->fom_db);
        printf("  noise (rms at the slicer): TX %.3f mV, ISI %.3f mV, crosstalk %.3f mV, eta0 %.3f mV, RJ %.3f mV,"
               " A_DD dual Dirac %.3f mV\n",
               c->sigma_tx_v * 1e3, c->sigma_isi_v * 1e3, c->sigma_xt_v * 1e3, c->sigma_n_v * 1e3, c->sigma_rj_v * 1e3,
               c->a_dd_v * 1e3);
        printf("  A_s        %.3f mV, A_ni %.3f mV at DER0 %g\n", c->a_s_v * 1e3, c->a_ni_v * 1e3, p->der0);
        printf("  COM        %.2f dB\n", c->com_db);
    }
    printf("\nCOM          %.2f dB (case %d): %s (threshold %g dB)\n", r->com_db, r->worst_case + 1, r->pass ? "PASS" : "FAIL",
           r->threshold_db);
    printf("time         %.2f s, %ld figure-of-merit evaluations\n", r->seconds, r->evaluated);
}

int cmd_com(int argc, char **argv)
{
    const char *thru = NULL, *params = "8023dj-kr", *json = NULL, *plot = NULL;
    const char *fext[P4_COM_MAX_AGG], *next[P4_COM_MAX_AGG];
    int nf = 0, nn = 0;
    long threads = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = !strcmp(a, "--fext") || !strcmp(a, "--next") || !strcmp(a, "--params") || !strcmp(a, "--json") ||
                    !strcmp(a, "--plot") || !strcmp(a, "-j");
        if (takes && !v) {
            fprintf(stderr, "pam4sim: com: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--fext") || !strcmp(a, "--next")) {
            int *n = a[2] == 'f' ? &nf : &nn;
            if (nf + nn >= P4_COM_MAX_AGG) {
                fprintf(stderr, "pam4sim: com: at most %d aggressors\n", P4_COM_MAX_AGG);
                return 2;
            }
            (a[2] == 'f' ? fext : next)[(*n)++] = v, i++;
        } else if (!strcmp(a, "--params")) params = v, i++;
        else if (!strcmp(a, "--json")) json = v, i++;
        else if (!strcmp(a, "--plot")) plot = v, i++;
        else if (!strcmp(a, "-j")) {
            char *end;
            threads = strtol(v, &end, 10);
            if (*end || threads < 1 || threads > 64) {
                fprintf(stderr, "pam4sim: com: -j %s: a thread count 1..64\n", v);
                return 2;
            }
            i++;
        } else if (a[0] == '-') {
            fprintf(stderr, "pam4sim: com: unknown option '%s' (--fext, --next, --params, --json, --plot, -j)\n", a);
            return 2;
        } else if (!thru) thru = a;
        else {
            fprintf(stderr, "pam4sim: com: one thru file (got '%s' and '%s')\n", thru, a);
            return 2;
        }
    }
    if (!thru) {
        fprintf(stderr, "pam4sim: com: give the thru channel: pam4sim com THRU.s4p [--fext F] [--next N] [--params SET]\n");
        return 2;
    }
    p4_com_params p;
    if (p4_com_params_load(params, &p)) return cli_fail();
    p4_com_input in = {.thru = thru, .fext = fext, .nfext = nf, .next = next, .nnext = nn, .threads = (int)threads};
    p4_com_result r;
    if (p4_com_run(&p, &in, &r)) return cli_fail();
    com_out o = {.p = &p, .in = &in, .r = &r, .params = params};
    text_out(&o);
    int rc = json ? cli_write_atomic(json, json_out, &o) : 0;
    if (plot) rc |= cli_plot_com(plot, &r, p.der0);
    return rc;
}
