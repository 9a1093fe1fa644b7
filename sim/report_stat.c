/* report_stat.c - the statistical eye's report: text and the "stat" member of the JSON document. */
#include "pam4sim/report.h"
#include "pam4sim/stat.h"
#include <math.h>

static const char *eye_name[3] = {"lower", "middle", "upper"};

/* a JSON string: quotes, backslashes and control characters escaped */
static void json_text(FILE *f, const char *t)
{
    fputc('"', f);
    for (; *t; t++)
        if (*t == '"' || *t == '\\') fprintf(f, "\\%c", *t);
        else if ((unsigned char)*t < 0x20) fprintf(f, "\\u%04x", (unsigned char)*t);
        else fputc(*t, f);
    fputc('"', f);
}

void p4_report_stat_text(FILE *f, const p4_config *c, const p4_link_info *in, const p4_stat_result *r)
{
    fprintf(f, "\nstatistical  %d phases x %d amplitude bins; %d cursors exact, %d small ones Gaussian\n", r->nphase, r->nbins,
            r->exact_cursors, r->gaussian_cursors);
    fprintf(f, "interference rms (normalized): ISI %.4f, crosstalk %.4f; Gaussian: noise %.4f, RJ %.4f, small cursors %.4f\n",
            r->isi_rms, r->xt_rms, r->sigma_noise, r->sigma_rj, r->sigma_small);
    fprintf(f, "jitter       DCD %.4f UI p-p (exact even/odd), SJ dual Dirac +-%.4f UI\n", r->dcd_ui, r->a_dd_ui);
    if (r->optical)
        fprintf(f, "optical      levels %+.4f %+.4f %+.4f %+.4f (the modulator's static transfer); shot + RIN noise rms per level "
                   "%.4f %.4f %.4f %.4f%s\n",
                r->level[0], r->level[1], r->level[2], r->level[3], r->sigma_level[0], r->sigma_level[1], r->sigma_level[2],
                r->sigma_level[3], r->mpi ? "; MPI beat per level and reflected level, over its phase" : "");
    fprintf(f, "BER          %.3e at the slicer", r->ber);
    if (r->dfe_prop_factor > 1)
        fprintf(f, " (%.3e x DFE errors per event %.3f: next-symbol error probability %.3g first, %.3g later)", r->ber_raw,
                r->dfe_prop_factor, r->dfe_prop_p1, r->dfe_prop_p);
    fprintf(f, "\ntarget       BER %.2e: %s\n", c->target_ber, r->ber <= c->target_ber ? "met" : "NOT met");
    if (r->com_beyond || !(r->a_s > 0))
        fprintf(f, "COM-style    -inf dB: the interference at DER0 %.1e reaches beyond the +-%.1f amplitude grid (A_s %.4f)\n",
                r->der0, P4_STAT_RANGE + 1.5, r->a_s);
    else
        fprintf(f, "COM-style    %.2f dB = 20 log10(A_s %.4f / A_ni %.4f) at DER0 %.1e (%.1f mV / %.1f mV at the sampler)\n",
                r->com_db, r->a_s, r->a_ni, r->der0, 1e3 * r->a_s * in->main_cursor_v, 1e3 * r->a_ni * in->main_cursor_v);
    for (int i = 0; i < r->n_unmodelled; i++) fprintf(f, "not modelled %s\n", r->unmodelled[i]);
    fprintf(f, "\neyes (height normalized to the outer level / width UI):\n  BER     ");
    for (int e = 2; e >= 0; e--) fprintf(f, "  %-17s", eye_name[e]);
    fprintf(f, "\n");
    for (int k = 0; k < P4_STAT_DECADES; k += 3) {
        fprintf(f, "  %.0e ", p4_stat_decade_ber(k));
        for (int e = 2; e >= 0; e--) fprintf(f, "  %6.3f / %6.3f  ", r->height[k][e], r->width_ui[k][e]);
        fprintf(f, "\n");
    }
    fprintf(f, "  %.1e (stat.eye_ber): ", r->eye_ber);
    for (int e = 2; e >= 0; e--)
        fprintf(f, " %s %.3f (%.1f mV) %.3f UI (%.2f ps);", eye_name[e], r->eye_height[e],
                1e3 * r->eye_height[e] * in->main_cursor_v, r->eye_width_ui[e], r->eye_width_ui[e] * 1e3 / c->baud_gbd);
    fprintf(f, "\n");
}

void p4_report_stat_json(FILE *f, const p4_stat_result *r)
{
    fprintf(f, ",\n  \"stat\": {\n    \"phases\": %d, \"bins\": %d, \"exact_cursors\": %d, \"gaussian_cursors\": %d,\n", r->nphase,
            r->nbins, r->exact_cursors, r->gaussian_cursors);
    const struct { const char *k; double v; } nv[] = {
        {"ber", r->ber}, {"ber_raw", r->ber_raw}, {"dfe_propagation_p1", r->dfe_prop_p1}, {"dfe_propagation_p", r->dfe_prop_p}, {"noise_lag1_rho", r->noise_rho},
        {"dfe_propagation_factor", r->dfe_prop_factor}, {"main_cursor", r->c0}, {"isi_rms", r->isi_rms},
        {"crosstalk_rms", r->xt_rms}, {"sigma_noise", r->sigma_noise}, {"sigma_rj", r->sigma_rj},
        {"sigma_small_cursors", r->sigma_small}, {"dcd_ui", r->dcd_ui}, {"sj_dual_dirac_ui", r->a_dd_ui},
        {"com_db", r->com_db}, {"a_s", r->a_s}, {"a_ni", r->a_ni}, {"der0", r->der0}, {"eye_ber", r->eye_ber}};
    fprintf(f, "    ");
    for (size_t i = 0; i < sizeof nv / sizeof nv[0]; i++) {
        p4_json_key(f, nv[i].k, nv[i].v);
        fprintf(f, i + 1 < sizeof nv / sizeof nv[0] ? (i % 4 == 3 ? ",\n    " : ", ") : ",\n");
    }
    fprintf(f, "    \"not_modelled\": [");
    for (int i = 0; i < r->n_unmodelled; i++) {
        fprintf(f, "%s", i ? ", " : "");
        json_text(f, r->unmodelled[i]);
    }
    fprintf(f, "],\n");
    if (r->optical) {
        fprintf(f, "    \"optical_levels\": ");
        p4_json_array(f, r->level, 4, 1);
        fprintf(f, ", \"sigma_level_noise\": ");
        p4_json_array(f, r->sigma_level, 4, 1);
        fprintf(f, ", \"mpi_beat\": %s,\n", r->mpi ? "true" : "false");
    }
    fprintf(f, "    \"eye_height\": ");
    p4_json_array(f, r->eye_height, 3, 1);
    fprintf(f, ", \"eye_width_ui\": ");
    p4_json_array(f, r->eye_width_ui, 3, 1);
    fprintf(f, ",\n    \"decades\": [");
    for (int k = 0; k < P4_STAT_DECADES; k++) {
        fprintf(f, "%s\n      {", k ? "," : ""), p4_json_key(f, "ber", p4_stat_decade_ber(k));
        fprintf(f, ", \"height\": ");
        p4_json_array(f, r->height[k], 3, 1);
        fprintf(f, ", \"width_ui\": ");
        p4_json_array(f, r->width_ui[k], 3, 1);
        fprintf(f, "}");
    }
    fprintf(f, "],\n    \"phase_ui\": [");
    for (int q = 0; q < r->nphase; q++) fprintf(f, "%s", q ? ", " : ""), p4_json_num(f, (double)(q - r->nphase / 2) / r->nphase);
    fprintf(f, "],\n    \"horizontal_bathtub\": ");
    p4_json_array(f, r->hbathtub, r->nphase, 1);
    /* the vertical bathtub at the chosen phase, every step-th bin */
    int step = r->nbins / 256 > 0 ? r->nbins / 256 : 1, nv2 = r->nbins / step;
    fprintf(f, ",\n    \"vertical_bathtub\": {\"v\": [");
    for (int k = 0; k < nv2; k++) fprintf(f, "%s", k ? ", " : ""), p4_json_num(f, -P4_STAT_RANGE + (k * step + 0.5) * r->dv);
    fprintf(f, "], \"probability\": ");
    p4_json_array(f, r->ber_map + (size_t)(r->nphase / 2) * r->nbins, nv2, (size_t)step);
    fprintf(f, "},\n    \"contours\": [");
    for (int j = 0; j < 3; j++)
        for (int k = 0; k < P4_STAT_DECADES; k++) {
            size_t o = ((size_t)j * P4_STAT_DECADES + k) * r->nphase;
            fprintf(f, "%s\n      {\"eye\": ", j + k ? "," : ""), p4_json_str(f, eye_name[j]);
            fprintf(f, ", "), p4_json_key(f, "ber", p4_stat_decade_ber(k)), fprintf(f, ", \"low\": ");
            p4_json_array(f, r->contour_lo + o, r->nphase, 1);
            fprintf(f, ", \"high\": ");
            p4_json_array(f, r->contour_hi + o, r->nphase, 1);
            fprintf(f, "}");
        }
    fprintf(f, "]\n  }");
}
