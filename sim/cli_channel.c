/* cli_channel.c - the warnings of `pam4sim channel`: what makes a channel file a poor basis for a
 * 200 Gb/s-per-lane simulation, said before the user simulates it.
 *
 *  - band: the file ends below the link's Nyquist frequency (baud/2, --baud-gbd, default
 *    sim.baud_gbd): the link takes the response above the last point as zero, so the loss there
 *    is invented;
 *  - passivity: the largest singular value of S at any frequency exceeds 1 + tol (--passivity-tol,
 *    default 1e-3, the size of a careful VNA measurement's error; the public cable assembly sits at
 *    1.0005): the file creates energy, and equalization on it is optimistic;
 *  - budget: the insertion loss at Nyquist against the 200G/lane budgets of SPEC.md section 2,
 *    each with its confidence tag ([V] verified, [U] unconfirmed); the report says which budgets
 *    the loss is beyond and which it is within, and warns when it is beyond every one.
 * The budget figures are a table here, labelled with their source and tag; the [U] figures are
 * defaults to question, not limits.
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name;   /* interface                                    */
    double il_db;       /* insertion loss at 53.125 GHz                 */
    const char *what;   /* how SPEC.md states it, with its tag          */
} il_budget;

/* SPEC.md section 2 (802.3dj material), smallest first */
static const il_budget budgets[] = {
    {"200GAUI-1 C2M", 18, "high-teens dB host + module [U]"},
    {"200GAUI-1 C2C", 30, "~30 dB [U]"},
    {"200GBASE-CR1", 38, "high-30s dB cable [U]"},
    {"200GBASE-KR1", 40, "~40 dB bump-to-bump [V]"},
};
#define NBUDGETS (int)(sizeof budgets / sizeof budgets[0])

int cli_channel_checks(FILE *f, int json, const p4_touchstone *ts, const p4_channel_summary *s, double baud_gbd, double tol)
{
    double fn_hz = baud_gbd * 0.5e9, il = NAN;
    double complex *h = malloc(ts->nfreq * sizeof *h);
    if (!h) return cli_fail();
    if (!p4_touchstone_sdd21(ts, s->order, h)) il = -p4_interp_db(ts->freq_hz, h, ts->nfreq, fn_hz);
    free(h);
    char warn[3][320];
    int nw = 0;
    if (s->fmax_ghz * 1e9 < fn_hz)
        snprintf(warn[nw++], sizeof warn[0], "the band ends at %.4g GHz, below the link's Nyquist frequency %.4g GHz (%.6g GBd): "
                 "a simulation takes the response above as zero", s->fmax_ghz, fn_hz * 1e-9, baud_gbd);
    if (s->max_sv > 1 + tol)
        snprintf(warn[nw++], sizeof warn[0], "not passive: largest singular value of S %.4f at %.4g GHz exceeds 1 + %g",
                 s->max_sv, s->max_sv_ghz, tol);
    int beyond = 0;
    for (int i = 0; i < NBUDGETS; i++) beyond += il > budgets[i].il_db;
    if (beyond == NBUDGETS)
        snprintf(warn[nw++], sizeof warn[0], "IL %.2f dB at %.5g GHz is beyond every 200G/lane budget (the largest: %s, %s)", il,
                 fn_hz * 1e-9, budgets[NBUDGETS - 1].name, budgets[NBUDGETS - 1].what);
    if (json) {
        fprintf(f, ",\n \"nyquist_ghz\": %.6g, \"il_nyquist_db\": ", fn_hz * 1e-9);
        p4_json_num(f, il);
        fprintf(f, ", \"passivity_tol\": %g,\n \"budgets\": [", tol);
        for (int i = 0; i < NBUDGETS; i++)
            fprintf(f, "%s{\"name\": \"%s\", \"il_db\": %g, \"source\": \"SPEC 2: %s\", \"beyond\": %s}", i ? ", " : "",
                    budgets[i].name, budgets[i].il_db, budgets[i].what, isnan(il) ? "null" : il > budgets[i].il_db ? "true" : "false");
        fprintf(f, "],\n \"warnings\": [");
        for (int i = 0; i < nw; i++) fprintf(f, "%s\"%s\"", i ? ", " : "", warn[i]);
        fprintf(f, "]");
        return 0;
    }
    if (isnan(il)) {
        fprintf(f, "budgets      no IL at %.5g GHz: the file ends at %.4g GHz\n", fn_hz * 1e-9, s->fmax_ghz);
        for (int i = 0; i < nw; i++) fprintf(f, "warning      %s\n", warn[i]);
        return 0;
    }
    fprintf(f, "budgets      IL %.2f dB at %.5g GHz:", il, fn_hz * 1e-9);
    for (int pass = 0; pass < 2; pass++) {
        int first = 1;
        for (int i = 0; i < NBUDGETS; i++)
            if ((il > budgets[i].il_db) == !pass) {
                fprintf(f, "%s %s (%s)", first ? (pass ? (beyond ? "; within" : " within") : " beyond") : ",", budgets[i].name,
                        budgets[i].what);
                first = 0;
            }
    }
    fprintf(f, "\n");
    for (int i = 0; i < nw; i++) fprintf(f, "warning      %s\n", warn[i]);
    return 0;
}
