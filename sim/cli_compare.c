/* cli_compare.c - `pam4sim compare`: the same lane as a DSP-retimed, an LPO and an LRO link, side by side.
 *
 *   pam4sim compare [FILE.yaml] [--set key=value]... [--symbols N] [-j N] [--json OUT] [--no-budget] [--fail-on-target]
 *
 * The configuration starts from the comparison default (p4_arch_config_default: a C2M host board at
 * both ends, the DR1-class optical line, KP4) and then FILE and --set, as for run. For each architecture
 * (arch.h): the linear module's CTLE settings the host picks, the chain simulated for sim.symbols
 * host symbols (per segment and end-to-end pre-FEC BER, KP4 post-FEC BER and frame loss, eyes),
 * the latency per block (latency.h) and the power (power.h). Then the budgets (budget.h): the
 * largest host channel loss (a loss-model board: channel.il_nyquist_db; a Touchstone board: its own
 * loss plus the channel.extra_loss_db section it still takes) and the smallest received OMA or the
 * longest fiber (compare.optical_budget) at which each architecture still meets measure.target_ber,
 * each with its margin to the configured value. --fail-on-target: exit status 3 unless every
 * architecture's end-to-end BER reads "met".
 */
#include "cli.h"
#include "pam4sim/budget.h"
#include "pam4sim/latency.h"
#include "pam4sim/pam4sim.h"
#include "pam4sim/power.h"
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


typedef struct {
    p4_arch_plan plan;
    p4_link *link[P4_ARCH_MAX_SEG];
    p4_chain_counts cc;
    p4_eye eye[P4_ARCH_MAX_SEG];
    p4_latency lat;
    p4_power pw;
    double ber, lo, hi, seg_ber[P4_ARCH_MAX_SEG], sum_ber;
    double post_ber, post_lo, post_hi, flr, flr_lo, flr_hi, flr_bin, flr_cmp;
    p4_budget il, opt;
    int have_il, have_opt;
    double setup_s;
    p4_arch arch;
    double host_nominal, oma_nominal; /* this rung's host channel loss [dB] and received OMA [dBm] */
} arch_res;

typedef struct {
    const char *json;
    int budget;
    p4_config *c;
    int narch;                /* the architectures compared, in column order (--arch) */
    const char *arch_list;
    arch_res r[P4_ARCH_COUNT];
    double nominal_oma_dbm;
    double host_il_db; /* the host board's loss at Nyquist as configured (a file: after its scaling) */
    int il_by_extra;   /* a Touchstone board: the host-loss budget searches channel.extra_loss_db */
    const char *opt_key;
    double seconds;
} cmp_run;

static int cmp_other(const char *opt, const char *val, void *ctx)
{
    cmp_run *s = ctx;
    if (!strcmp(opt, "--no-budget")) return s->budget = 0, 1;
    if (!val) return 2;
    if (!strcmp(opt, "--json")) return s->json = val, 0;
    if (!strcmp(opt, "--arch")) return s->arch_list = val, 0;
    return 2;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double ratio(uint64_t k, uint64_t n) { return n ? (double)k / (double)n : 0; }

/* One architecture: plan, links, the chained run, the figures. */
static int simulate(cmp_run *s, int col)
{
    arch_res *r = &s->r[col];
    const p4_arch a = r->arch;
    const p4_config *c = s->c;
    double t0 = now_s();
    if (p4_arch_plan_choose(c, a, &r->plan)) return 1;
    const p4_link_info *infos[P4_ARCH_MAX_SEG];
    for (int k = 0; k < r->plan.nseg; k++) {
        if (!(r->link[k] = p4_link_create(&r->plan.seg[k].cfg))) return 1;
        infos[k] = p4_link_info_get(r->link[k]);
    }
    r->setup_s = now_s() - t0;
    if (p4_chain_run(r->link, r->plan.nseg, c, (uint64_t)c->symbols, &r->cc)) return 1;
    const p4_counts *e = &r->cc.e2e;
    r->ber = ratio(e->bit_errors, e->bits);
    p4_clopper_pearson(e->bit_errors, e->bits, &r->lo, &r->hi);
    r->sum_ber = 0;
    for (int k = 0; k < r->plan.nseg; k++) {
        const p4_counts *n = &r->cc.seg[k];
        r->seg_ber[k] = ratio(n->bit_errors, n->bits);
        r->sum_ber += r->seg_ber[k];
        p4_eye_measure(n, p4_link_thresholds(r->link[k]), c->eye_ber, &r->eye[k]);
    }
    const p4_fec_counts *f = &e->fec;
    r->post_ber = ratio(f->msg_bit_errors, f->msg_bits);
    p4_clopper_pearson(f->msg_bit_errors, f->msg_bits, &r->post_lo, &r->post_hi);
    r->flr = ratio(f->cw_failed + f->cw_miscorrected, f->codewords);
    p4_clopper_pearson(f->cw_failed + f->cw_miscorrected, f->codewords, &r->flr_lo, &r->flr_hi);
    p4_fec_extrapolate(f, &r->flr_bin, &r->flr_cmp);
    p4_latency_of(c, &r->plan, infos, &r->lat);
    p4_power_of(c, a, &r->pw);
    for (int k = 0; k < r->plan.nseg; k++)
        if (r->plan.seg[k].optical) r->oma_nominal = p4_w_to_dbm(infos[k]->opt.rx_oma_w);
    r->host_nominal = a == P4_ARCH_NPO ? c->npo_host_il_db : a == P4_ARCH_CPO ? c->cpo_host_il_db : infos[0]->channel_il_nyquist_db;
    if (col == 0) s->nominal_oma_dbm = r->oma_nominal, s->host_il_db = infos[0]->channel_il_nyquist_db;
    return 0;
}

/* An architecture's host-loss budget. */
static int budget_host(cmp_run *s, int col, p4_ber_cache *cache)
{
    arch_res *r = &s->r[col];
    const p4_arch a = r->arch;
    const p4_config *c = s->c;
    if (!strcmp(c->ch_type, "model") || a == P4_ARCH_NPO || a == P4_ARCH_CPO) {
        if (p4_arch_budget(c, a, p4_arch_host_loss_key(a), r->host_nominal, 6, 0, c->cmp_host_il_max_db, 3, cache, &r->il))
            return 1;
        r->have_il = 1;
    } else if (s->il_by_extra) {
        /* a measured board: the loss-model section in series that it still takes, on top of its own */
        double room = c->cmp_host_il_max_db - (s->host_il_db - c->ch_extra_loss_db);
        if (room < c->ch_extra_loss_db) room = c->ch_extra_loss_db;
        if (p4_arch_budget(c, a, "channel.extra_loss_db", c->ch_extra_loss_db, 3, 0, room > 80 ? 80 : room, 3, cache, &r->il))
            return 1;
        double base = s->host_il_db - c->ch_extra_loss_db; /* the board without the section */
        r->il.value += base;
        for (int i = 0; i < r->il.n; i++) r->il.x[i] += base;
        r->have_il = 1;
    }
    return 0;
}

/* An architecture's optical budget (received OMA or fiber length). */
static int budget_optical(cmp_run *s, int col, p4_ber_cache *cache)
{
    arch_res *r = &s->r[col];
    const p4_config *c = s->c;
    if (s->opt_key) {
        int oma = !strcmp(c->cmp_optical_budget, "oma");
        double start = oma ? floor(r->oma_nominal) : c->fiber_length_m;
        double step = oma ? -3 : (c->fiber_length_m > 500 ? c->fiber_length_m : 500);
        if (p4_arch_budget(c, r->arch, s->opt_key, start, step, oma ? -40 : 0, oma ? 20 : 200000, 3, cache, &r->opt)) return 1;
        r->have_opt = 1;
    }
    return 0;
}

typedef struct {
    cmp_run *s;
    int col, which, failed;
    p4_ber_cache *cache;
    char err[512];
} budget_job;

static void *budget_thread(void *arg)
{
    budget_job *j = arg;
    if ((j->which ? budget_optical : budget_host)(j->s, j->col, j->cache)) j->failed = 1, snprintf(j->err, sizeof j->err, "%s", p4_last_error());
    return NULL;
}

/* ---- the report ---- */

#define COLW 22

static void cell(char *b, size_t n, const char *fmt, double v)
{
    if (isnan(v)) snprintf(b, n, "-");
    else snprintf(b, n, fmt, v);
}

static void rowv(const cmp_run *s, const char *label, char v[][64])
{
    printf("%-28s", label);
    for (int a = 0; a < s->narch; a++) printf(" %-*s", COLW, v[a]);
    printf("\n");
}

static void row_num(const cmp_run *s, const char *label, const char *fmt, double (*get)(const arch_res *, int), int arg)
{
    char v[P4_ARCH_COUNT][64];
    for (int a = 0; a < s->narch; a++) cell(v[a], sizeof v[a], fmt, get(&s->r[a], arg));
    rowv(s, label, v);
}

static double g_seg_ber(const arch_res *r, int k) { return k < r->plan.nseg ? r->seg_ber[k] : NAN; }
static double g_seg_eye(const arch_res *r, int k)
{
    if (k >= r->plan.nseg) return NAN;
    double h = INFINITY;
    for (int i = 0; i < 3; i++) h = r->eye[k].height[i] < h ? r->eye[k].height[i] : h;
    return h;
}
static double g_seg_snr(const arch_res *r, int k) { return k < r->plan.nseg ? p4_link_info_get(r->link[k])->mmse_snr_db : NAN; }
static double g_ber(const arch_res *r, int k) { return k ? r->sum_ber : r->ber; }
static double g_post(const arch_res *r, int k) { return k ? r->flr : r->post_ber; }
static double g_flr_ext(const arch_res *r, int k) { return k ? r->flr_cmp : r->flr_bin; }
static double g_lat(const arch_res *r, int k) { return k < 0 ? r->lat.total_ns : r->lat.kind_ns[k]; }
static double g_lat_meas(const arch_res *r, int k) { return k ? r->lat.analog_measured_ns : r->lat.analog_model_ns; }
static double g_pw(const arch_res *r, int k)
{
    return k == 0 ? r->pw.pj_bit : k == 1 ? r->pw.w_lane : k == 2 ? r->pw.w_module : k == 3 ? r->pw.kwh_year : r->pw.cost_year;
}
static double g_peak(const arch_res *r, int k) { return k ? r->plan.tia_peaking_db : r->plan.drv_peaking_db; }

static void budget_cell(char *b, size_t n, const p4_budget *bu, int have, const char *unit, int larger_is_better)
{
    if (!have) snprintf(b, n, "-");
    else if (bu->end == P4_BUDGET_FOUND) snprintf(b, n, "%.2f %s", bu->value, unit);
    else if (bu->end == P4_BUDGET_PASSES_ALL) snprintf(b, n, "%s %.4g %s", larger_is_better ? ">" : "<", bu->value, unit);
    else snprintf(b, n, "fails at %.4g %s", bu->value, unit);
}

/* The margin to the budget: budget - nominal where larger is better, nominal - budget otherwise. */
static double margin_of(double budget, double nominal, int larger_is_better)
{
    return larger_is_better ? budget - nominal : nominal - budget;
}

static void margin_cell(char *b, size_t n, const p4_budget *bu, int have, double nominal, int larger_is_better)
{
    double m = margin_of(bu->value, nominal, larger_is_better);
    if (!have) snprintf(b, n, "-");
    else if (bu->end == P4_BUDGET_FOUND) snprintf(b, n, "%+.2f", m);
    else if (bu->end == P4_BUDGET_PASSES_ALL) snprintf(b, n, "> %+.2f", m);
    else snprintf(b, n, "< %+.2f", m);
}

static void report(const cmp_run *s)
{
    const p4_config *c = s->c;
    printf("pam4sim %s  compare: one lane host to host, %.4g GBd PAM4, seed %lld, %lld host symbols per architecture\n",
           P4_VERSION, c->baud_gbd, (long long)c->seed, (long long)s->r[0].cc.e2e.symbols);
    if (!strcmp(c->ch_type, "model"))
        printf("host board   C2M loss model %.2f dB at %.4g GHz, %.0f mm, at both ends\n", c->il_nyquist_db, c->baud_gbd / 2,
               c->length_mm);
    else if (!strcmp(c->ch_type, "touchstone"))
        printf("host board   %s (length x %g, + %g dB in series): IL %.2f dB at %.4g GHz, at both ends\n", c->ch_file, c->length_scale,
               c->ch_extra_loss_db, s->host_il_db, c->baud_gbd / 2);
    else printf("host board   %s %s at both ends\n", c->ch_type, c->ch_file);
    if (c->tx_ami_model[0] || c->rx_ami_model[0]) /* IBIS-AMI host models (ami.h) */
        printf("host SerDes  TX %s; RX %s%s\n", c->tx_ami_model[0] ? c->tx_ami_model : "native FFE",
               c->rx_ami_model[0] ? c->rx_ami_model : "native", c->rx_ami_model[0] ? " + rx.dfe.taps DFE" : "");
    else
        printf("host SerDes  TX FFE %lld taps; RX %s, %lld-tap FFE (%lld pre), %lld-tap DFE%s\n", (long long)c->n_tx_ffe,
           c->ctle_enable ? "CTLE" : "no CTLE", (long long)c->ffe_taps, (long long)c->ffe_precursors, (long long)c->dfe_taps,
           c->dsp_enable ? ", bit-true DSP" : "");
    printf("optics       %s %.0f nm, %.0f m %s, %lld connectors; received OMA %.2f dBm (retimed line)\n",
           !strcmp(c->mod_type, "eml") ? "EML" : "MZM", c->wavelength_nm, c->fiber_length_m, !strcmp(c->fiber_type, "smf") ? "SMF" : "MMF",
           (long long)c->n_connectors, s->nominal_oma_dbm);
    printf("module DSP   %lld-tap FFE (%lld pre), %lld-tap DFE, MLSE %s; FEC %s at the host\n", (long long)c->mod_ffe_taps,
           (long long)c->mod_ffe_precursors, (long long)c->mod_dfe_taps, c->mod_mlse_memory ? "on" : "off", c->fec_mode);
    for (int a = 0; a < s->narch; a++)
        for (int k = 0; k < s->r[a].plan.nseg; k++)
            printf("%-12s %d: %s\n", k ? "" : p4_arch_name(s->r[a].arch), k + 1, s->r[a].plan.seg[k].name);
    printf("\n");
    {
        char v[P4_ARCH_COUNT][64];
        for (int a = 0; a < s->narch; a++) snprintf(v[a], sizeof v[a], "%s", p4_arch_name(s->r[a].arch));
        rowv(s, "", v);
    }
    row_num(s, "linear driver peaking [dB]", "%.0f", g_peak, 0);
    row_num(s, "linear TIA peaking [dB]", "%.0f", g_peak, 1);
    for (int k = 0; k < P4_ARCH_MAX_SEG; k++) {
        char l[64];
        snprintf(l, sizeof l, "segment %d MMSE SNR [dB]", k + 1);
        row_num(s, l, "%.2f", g_seg_snr, k);
        snprintf(l, sizeof l, "segment %d pre-FEC BER", k + 1);
        row_num(s, l, "%.3e", g_seg_ber, k);
        snprintf(l, sizeof l, "segment %d eye height", k + 1);
        row_num(s, l, "%.3f", g_seg_eye, k);
    }
    row_num(s, "end-to-end pre-FEC BER", "%.3e", g_ber, 0);
    row_num(s, "  sum of the segments' BER", "%.3e", g_ber, 1);
    {
        char v[P4_ARCH_COUNT][64];
        for (int a = 0; a < s->narch; a++)
            snprintf(v[a], sizeof v[a], "%s", s->r[a].hi < c->target_ber ? "met" : s->r[a].lo > c->target_ber ? "NOT met" : "within CI");
        rowv(s, "  target BER", v);
    }
    row_num(s, "post-FEC BER (counted)", "%.3e", g_post, 0);
    row_num(s, "frame loss ratio (counted)", "%.3e", g_post, 1);
    row_num(s, "FLR extrap. independent", "%.2e", g_flr_ext, 0);
    row_num(s, "FLR extrap. measured bursts", "%.2e", g_flr_ext, 1);
    for (int k = 0; k < P4_LAT_KINDS; k++) {
        char l[64];
        snprintf(l, sizeof l, "latency %s [ns]", p4_lat_kind_name((p4_lat_kind)k));
        row_num(s, l, "%.2f", g_lat, k);
    }
    row_num(s, "latency total [ns]", "%.2f", g_lat, -1);
    row_num(s, "  TX->decision, modelled", "%.2f", g_lat_meas, 0);
    row_num(s, "  TX->decision, measured", "%.2f", g_lat_meas, 1);
    row_num(s, "power [pJ/bit]", "%.2f", g_pw, 0);
    row_num(s, "power per lane [W]", "%.3f", g_pw, 1);
    {
        char l[64];
        snprintf(l, sizeof l, "power per %lld-lane module [W]", (long long)c->pw_lanes);
        row_num(s, l, "%.2f", g_pw, 2);
        snprintf(l, sizeof l, "%lld ports [MWh/year]", (long long)c->pw_ports);
        char v[P4_ARCH_COUNT][64];
        for (int a = 0; a < s->narch; a++) snprintf(v[a], sizeof v[a], "%.1f", s->r[a].pw.kwh_year * 1e-3);
        rowv(s, l, v);
        for (int a = 0; a < s->narch; a++) snprintf(v[a], sizeof v[a], "%.4g", s->r[a].pw.cost_year);
        snprintf(l, sizeof l, "  cost/year at %.3g per kWh", c->pw_price_per_kwh);
        rowv(s, l, v);
        for (int a = 0; a < s->narch; a++)
            snprintf(v[a], sizeof v[a], "%.1f", (s->r[0].pw.kwh_year - s->r[a].pw.kwh_year) * 1e-3);
        rowv(s, s->r[0].arch == P4_ARCH_RETIMED ? "  saved vs retimed [MWh/yr]" : "  saved vs the first [MWh/yr]", v);
    }
    if (s->budget) {
        char v[P4_ARCH_COUNT][64];
        for (int a = 0; a < s->narch; a++) budget_cell(v[a], sizeof v[a], &s->r[a].il, s->r[a].have_il, "dB", 1);
        rowv(s, "largest host loss [Nyquist]", v);
        for (int a = 0; a < s->narch; a++) margin_cell(v[a], sizeof v[a], &s->r[a].il, s->r[a].have_il, s->r[a].host_nominal, 1);
        rowv(s, "  host-loss margin [dB]", v);
        if (s->opt_key) {
            int oma = !strcmp(c->cmp_optical_budget, "oma");
            for (int a = 0; a < s->narch; a++)
                budget_cell(v[a], sizeof v[a], &s->r[a].opt, s->r[a].have_opt, oma ? "dBm" : "m", !oma);
            rowv(s, oma ? "smallest received OMA" : "longest fiber", v);
            for (int a = 0; a < s->narch; a++)
                margin_cell(v[a], sizeof v[a], &s->r[a].opt, s->r[a].have_opt, oma ? s->r[a].oma_nominal : c->fiber_length_m, !oma);
            rowv(s, oma ? "  received-OMA margin [dB]" : "  fiber-length margin [m]", v);
        }
        if (!s->il_by_extra && strcmp(c->ch_type, "model")) printf("(the host-loss budget needs a loss-model or Touchstone board)\n");
        printf("(margin: how far the configured value may move before the target is missed; > or <: the search's bound)\n");
    }
    printf("\nlatency per block (ns; one way, host TX data to host RX data)\n");
    for (int a = 0; a < s->narch; a++) {
        const p4_latency *l = &s->r[a].lat;
        printf("  %s\n", p4_arch_name(s->r[a].arch));
        for (int i = 0; i < l->n; i++) {
            char where[16] = "host";
            if (l->row[i].seg >= 0) snprintf(where, sizeof where, "seg %d", l->row[i].seg + 1);
            printf("    %-6s %-28s %9.3f  [%s]\n", where, l->row[i].block, l->row[i].ns, l->row[i].source);
        }
    }
    printf("\npower per block (pJ/bit; W per lane at %.4g Gb/s, both directions)\n", c->pw_lane_gbps);
    for (int a = 0; a < s->narch; a++) {
        const p4_power *p = &s->r[a].pw;
        printf("  %s\n", p4_arch_name(s->r[a].arch));
        for (int i = 0; i < p->n; i++)
            printf("    %-40s %7.3f pJ/bit %7.3f W  [%s]\n", p->row[i].block, p->row[i].pj_bit, p->row[i].w_lane, p->row[i].source);
    }
    printf("\nrun time     %.1f s\n", s->seconds);
}

/* ---- JSON ---- */

/* A budget with its margin to the nominal value (margin_db: in the key's unit; with "end" not
 * "found" it is a bound, as the value is). */
static void json_budget(FILE *f, const p4_budget *b, double nominal, int larger_is_better)
{
    static const char *const ends[] = {"found", "passes_whole_range", "fails_whole_range"};
    fprintf(f, "{\"end\": \"%s\", \"value\": ", ends[b->end]);
    p4_json_num(f, b->value);
    fprintf(f, ", \"nominal\": ");
    p4_json_num(f, nominal);
    fprintf(f, ", \"margin\": ");
    p4_json_num(f, margin_of(b->value, nominal, larger_is_better));
    fprintf(f, ", \"points\": [");
    for (int i = 0; i < b->n; i++) {
        fprintf(f, "%s[", i ? ", " : "");
        p4_json_num(f, b->x[i]), fprintf(f, ", "), p4_json_num(f, b->ber[i]);
        fprintf(f, "]");
    }
    fprintf(f, "], \"point_symbols\": [");
    for (int i = 0; i < b->n; i++) fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)b->symbols[i]);
    fprintf(f, "]}");
}

static void json_out(FILE *f, void *v)
{
    const cmp_run *s = v;
    cli_json_head(f, "compare", s->c);
    fprintf(f, ",\n  "), p4_json_key(f, "target_ber", s->c->target_ber);
    fprintf(f, ",\n  \"architectures\": [");
    for (int a = 0; a < s->narch; a++) {
        const arch_res *r = &s->r[a];
        const p4_counts *e = &r->cc.e2e;
        fprintf(f, "%s\n    {\"name\": ", a ? "," : ""), p4_json_str(f, p4_arch_name(s->r[a].arch));
        fprintf(f, ", \"key\": "), p4_json_str(f, p4_arch_key(s->r[a].arch));
        fprintf(f, ", "), p4_json_key(f, "driver_peaking_db", r->plan.drv_peaking_db);
        fprintf(f, ", "), p4_json_key(f, "tia_peaking_db", r->plan.tia_peaking_db);
        fprintf(f, ",\n     \"segments\": [");
        for (int k = 0; k < r->plan.nseg; k++) {
            const p4_counts *n = &r->cc.seg[k];
            const p4_link_info *in = p4_link_info_get(r->link[k]);
            fprintf(f, "%s\n       {\"name\": ", k ? "," : ""), p4_json_str(f, r->plan.seg[k].name);
            fprintf(f, ", \"symbols\": %llu, \"bit_errors\": %llu, ", (unsigned long long)n->symbols,
                    (unsigned long long)n->bit_errors);
            p4_json_key(f, "ber", r->seg_ber[k]);
            fprintf(f, ", "), p4_json_key(f, "mmse_snr_db", in->mmse_snr_db);
            fprintf(f, ", \"eye_height\": ");
            p4_json_array(f, r->eye[k].height, 3, 1);
            fprintf(f, ", \"eye_width_ui\": ");
            p4_json_array(f, r->eye[k].width_ui, 3, 1);
            fprintf(f, ", "), p4_json_key(f, "vec_db", r->eye[k].vec_db);
            fprintf(f, ", "), p4_json_key(f, "delay_measured_ns", in->lat_measured_ns), fprintf(f, "}");
        }
        fprintf(f, "],\n     \"e2e\": {\"symbols\": %llu, \"bit_errors\": %llu, \"ber\": ", (unsigned long long)e->symbols,
                (unsigned long long)e->bit_errors);
        p4_json_num(f, r->ber);
        fprintf(f, ", \"ber_ci95\": [");
        p4_json_num(f, r->lo), fprintf(f, ", "), p4_json_num(f, r->hi);
        fprintf(f, "], "), p4_json_key(f, "segment_ber_sum", r->sum_ber);
        fprintf(f, ", \"codewords\": %llu, \"post_fec_ber\": ", (unsigned long long)e->fec.codewords);
        p4_json_num(f, r->post_ber);
        fprintf(f, ", "), p4_json_key(f, "flr", r->flr);
        fprintf(f, ", \"flr_ci95\": [");
        p4_json_num(f, r->flr_lo), fprintf(f, ", "), p4_json_num(f, r->flr_hi);
        fprintf(f, "], "), p4_json_key(f, "flr_extrapolated_binomial", r->flr_bin);
        fprintf(f, ", "), p4_json_key(f, "flr_extrapolated_compound", r->flr_cmp);
        fprintf(f, "},\n     \"latency\": {"), p4_json_key(f, "total_ns", r->lat.total_ns);
        fprintf(f, ", "), p4_json_key(f, "analog_model_ns", r->lat.analog_model_ns);
        fprintf(f, ", "), p4_json_key(f, "analog_measured_ns", r->lat.analog_measured_ns);
        fprintf(f, ", \"blocks\": [");
        for (int i = 0; i < r->lat.n; i++) {
            fprintf(f, "%s\n       {\"segment\": %d, \"kind\": ", i ? "," : "", r->lat.row[i].seg + 1);
            p4_json_str(f, p4_lat_kind_name(r->lat.row[i].kind));
            fprintf(f, ", \"block\": "), p4_json_str(f, r->lat.row[i].block);
            fprintf(f, ", "), p4_json_key(f, "ns", r->lat.row[i].ns);
            fprintf(f, ", \"source\": "), p4_json_str(f, r->lat.row[i].source), fprintf(f, "}");
        }
        fprintf(f, "]},\n     \"power\": {"), p4_json_key(f, "pj_bit", r->pw.pj_bit);
        fprintf(f, ", "), p4_json_key(f, "w_lane", r->pw.w_lane);
        fprintf(f, ", "), p4_json_key(f, "w_module", r->pw.w_module);
        fprintf(f, ", "), p4_json_key(f, "kwh_year", r->pw.kwh_year);
        fprintf(f, ", "), p4_json_key(f, "cost_year", r->pw.cost_year);
        fprintf(f, ", \"blocks\": [");
        for (int i = 0; i < r->pw.n; i++) {
            fprintf(f, "%s\n       {\"block\": ", i ? "," : ""), p4_json_str(f, r->pw.row[i].block);
            fprintf(f, ", "), p4_json_key(f, "pj_bit", r->pw.row[i].pj_bit);
            fprintf(f, ", "), p4_json_key(f, "w_lane", r->pw.row[i].w_lane);
            fprintf(f, ", \"source\": "), p4_json_str(f, r->pw.row[i].source), fprintf(f, "}");
        }
        fprintf(f, "]}");
        int oma = !strcmp(s->c->cmp_optical_budget, "oma");
        if (r->have_il) fprintf(f, ",\n     \"budget_host_il_db\": "), json_budget(f, &r->il, r->host_nominal, 1);
        if (r->have_opt) fprintf(f, ",\n     \"budget_%s\": ", oma ? "rx_oma_dbm" : "fiber_length_m"),
                         json_budget(f, &r->opt, oma ? r->oma_nominal : s->c->fiber_length_m, !oma);
        if (r->have_il) fprintf(f, ",\n     \"margin_host_il_db\": "), p4_json_num(f, margin_of(r->il.value, r->host_nominal, 1));
        if (r->have_opt && oma) fprintf(f, ",\n     \"margin_rx_oma_db\": "), p4_json_num(f, margin_of(r->opt.value, r->oma_nominal, 0));
        fprintf(f, ",\n     \"target_met\": %s", r->hi < s->c->target_ber ? "true" : "false");
        fprintf(f, "}");
    }
    fprintf(f, "\n  ]\n}\n");
}

int cmd_compare(int argc, char **argv)
{
    static p4_config cfg;
    if (p4_arch_config_default(&cfg)) return cli_fail();
    static cmp_run s;
    memset(&s, 0, sizeof s);
    s.budget = 1, s.c = &cfg;
    int rc = cli_config("compare", argc, argv, &cfg, cmp_other, &s);
    if (rc) return rc;
    if (s.json && cli_check_writable("--json", s.json)) return 1;
    if (p4_config_validate(&cfg)) return cli_fail();
    s.opt_key = !strcmp(cfg.cmp_optical_budget, "oma") ? "optics.rx.oma_dbm"
              : !strcmp(cfg.cmp_optical_budget, "length") ? "optics.fiber.length_m" : NULL;
    if (s.opt_key && !strcmp(s.opt_key, "optics.rx.oma_dbm")) cfg.rx_power_dbm = NAN; /* the search sets the OMA */
    s.il_by_extra = !strcmp(cfg.ch_type, "touchstone");
    /* the columns: --arch, or the pluggable rungs */
    const char *list = s.arch_list ? s.arch_list : "retimed,lpo,lro";
    char buf[128];
    snprintf(buf, sizeof buf, "%s", list);
    for (char *sv, *t = strtok_r(buf, ",", &sv); t; t = strtok_r(NULL, ",", &sv)) {
        p4_arch a = p4_arch_from_key(t);
        int dup = 0;
        for (int i = 0; i < s.narch; i++) dup |= s.r[i].arch == a;
        if (a == P4_ARCH_COUNT || dup) {
            fprintf(stderr, "pam4sim: compare: --arch '%s' (allowed: a comma-separated list of retimed (or dsp), lpo, lro, npo, cpo, each once)\n", t);
            return 2;
        }
        s.r[s.narch++].arch = a;
    }
    double t0 = now_s();
    int fail = 0;
    for (int a = 0; !fail && a < s.narch; a++) {
        fprintf(stderr, "compare: %s ...\n", p4_arch_name(s.r[a].arch));
        fail = simulate(&s, a);
    }
    /* every budget search at once (two per architecture): each alternates serial set-ups with
     * threaded runs, and they share the cache of segment BERs */
    static p4_ber_cache cache;
    memset(&cache, 0, sizeof cache);
    budget_job jobs[2 * P4_ARCH_COUNT];
    pthread_t tid[2 * P4_ARCH_COUNT];
    int started[2 * P4_ARCH_COUNT] = {0};
    if (!fail && s.budget) {
        fprintf(stderr, "compare: budgets ...\n");
        for (int j = 0; j < 2 * s.narch; j++) {
            jobs[j] = (budget_job){.s = &s, .col = j / 2, .which = j % 2, .cache = &cache};
            if (pthread_create(&tid[j], NULL, budget_thread, &jobs[j])) budget_thread(&jobs[j]);
            else started[j] = 1;
        }
        for (int j = 0; j < 2 * s.narch; j++)
            if (started[j]) pthread_join(tid[j], NULL);
        for (int j = 0; !fail && j < 2 * s.narch; j++)
            if (jobs[j].failed) fail = 1, p4_error(P4_EINVAL, "%s", jobs[j].err);
    }
    if (!strcmp(cfg.ch_type, "model")) s.host_il_db = cfg.il_nyquist_db; /* the key the search moves */
    s.seconds = now_s() - t0;
    if (!fail) {
        report(&s);
        if (s.json) fail = cli_write_atomic(s.json, json_out, &s);
    } else
        cli_fail();
    int missed = 0; /* --fail-on-target: every architecture's end-to-end BER must read "met" */
    for (int a = 0; a < s.narch; a++) {
        missed |= !(s.r[a].hi < cfg.target_ber);
        for (int k = 0; k < P4_ARCH_MAX_SEG; k++) p4_link_destroy(s.r[a].link[k]);
        p4_chain_counts_free(&s.r[a].cc);
    }
    return fail ? 1 : missed && cli_fail_on_target ? CLI_EXIT_TARGET : 0;
}
