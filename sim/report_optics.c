/* report_optics.c - the optical line's part of the report: power bookkeeping at every point (dBm,
 * OMA, ER), the fiber, the receiver's noise and thermal-noise sensitivity, and TDECQ. */
#include "pam4sim/report.h"
#include <math.h>
#include <string.h>


void p4_report_tdecq_text(FILE *f, const p4_config *c, const p4_tdecq_result *t)
{
    fprintf(f, "tdecq        %.2f dB (%s; %d-tap FFE, Ceq %.3f; least squares alone %.2f dB)\n", t->tdecq_db,
            c->tdecq_through_fiber ? "after the fiber" : "at the transmitter", t->ntaps, t->ceq, t->tdecq_mmse_db);
    fprintf(f, "             OMAouter %.2f dBm, Pave %.2f dBm, ER %.2f dB; OMAouter - TDECQ %.2f dBm\n",
            p4_w_to_dbm(t->oma_outer_w), p4_w_to_dbm(t->pave_w), t->er_db, p4_w_to_dbm(t->oma_outer_w) - t->tdecq_db);
    fprintf(f, "             sigma_G %.3g uW (windows 0.45/0.55 UI: %.3g / %.3g uW), Qt %.3f at SER %.2g\n",
            1e6 * t->sigma_g_w, 1e6 * t->sigma_left_w, 1e6 * t->sigma_right_w, t->qt, c->tdecq_target_ser);
    fprintf(f, "             taps");
    for (int i = 0; i < t->ntaps; i++) fprintf(f, " %.3f", t->taps[i]);
    fprintf(f, "\n");
}

void p4_report_launch_text(FILE *f, const p4_optics_info *o)
{
    fprintf(f, "launch       Pavg %.2f dBm, OMAouter %.2f dBm, ER %.2f dB, RLM %.3f (static levels)\n",
            p4_w_to_dbm(o->launch_avg_w), p4_w_to_dbm(o->launch_oma_w), o->launch_er_db, o->launch_rlm);
}

void p4_report_optics_text(FILE *f, const p4_config *c, const p4_link_info *in)
{
    if (!in->optical) return;
    const p4_optics_info *o = &in->opt;
    int eml = !strcmp(c->mod_type, "eml");
    fprintf(f, "laser        %.2f dBm at %.2f nm, RIN %.1f dB/Hz, linewidth %.3g MHz\n", c->laser_power_dbm,
            c->wavelength_nm, c->laser_rin_db_hz, c->laser_linewidth_mhz);
    if (eml)
        fprintf(f, "modulator    EML %.0f GHz, ER %.2f dB, static RLM %.3f, chirp alpha %.2f; driver %.2f Vpp\n",
                c->mod_bandwidth_ghz, c->eml_er_db, c->eml_rlm, c->eml_alpha, c->drv_swing_vpp);
    else
        fprintf(f, "modulator    MZM %.0f GHz, Vpi %.2f V, bias %.2f Vpi; driver %.2f Vpp\n", c->mod_bandwidth_ghz,
                c->mzm_vpi_v, c->mzm_bias_vpi, c->drv_swing_vpp);
    p4_report_launch_text(f, o);
    fprintf(f, "fiber        %s %.0f m: %.3f dB; D %.3f ps/(nm km), dispersion phase at baud/2 %.3g rad; flight %.3f ns\n",
            c->fiber_type, c->fiber_length_m, o->fiber_loss_db, o->d_ps_nm_km, o->cd_phase_nyq_rad, o->flight_ns);
    if (o->field_dropped)
        fprintf(f, "             dispersion dropped: its largest effect on the received power is %.3g of the OMA "
                   "(optics.fiber.field_tol_oma %.2g); the line runs its intensity path\n",
                o->field_effect_oma, c->fiber_field_tol_oma);
    else if (!isnan(o->field_effect_oma))
        fprintf(f, "             field path on: the dispersion changes the received power by up to %.3g of the OMA\n",
                o->field_effect_oma);
    fprintf(f, "link loss    %.2f dB (fiber + %lld connectors x %.2f dB + %.2f dB)", o->link_loss_db,
            (long long)c->n_connectors, c->connector_loss_db, c->extra_loss_db);
    if (fabs(o->applied_loss_db - o->link_loss_db) > 1e-9)
        fprintf(f, "; applied %.2f dB to meet the received power asked for", o->applied_loss_db);
    fprintf(f, "\n");
    if (!isinf(c->mpi_db)) fprintf(f, "mpi          %.1f dB, delay %.3g ns\n", c->mpi_db, c->mpi_delay_ns);
    fprintf(f, "received     Pavg %.2f dBm, OMAouter %.2f dBm; photocurrent %.2f uA average\n", p4_w_to_dbm(o->rx_avg_w),
            p4_w_to_dbm(o->rx_oma_w), 1e6 * o->dc_current_a);
    fprintf(f, "pd + tia     %.2f A/W; %.0f ohm, %.0f GHz, %.1f pA/sqrt(Hz): %.2f uA rms in the %.1f GHz noise bandwidth\n",
            c->pd_responsivity_a_w, in->tia_z_ohm, c->tia_bandwidth_ghz, c->tia_noise_pa_rthz, in->tia_noise_ua,
            in->rx_noise_bw_ghz);
    fprintf(f, "sensitivity  thermal-noise limit 6 Qt i_n sqrt(B) / R = %.2f dBm OMA at BER %.2e (margin %.2f dB)\n",
            in->sens_thermal_oma_dbm, c->target_ber, p4_w_to_dbm(o->rx_oma_w) - in->sens_thermal_oma_dbm);
    fprintf(f, "linearity    the line's best linear fit: SNDR %.1f dB\n", in->opt_sndr_db);
    if (in->has_tdecq) p4_report_tdecq_text(f, c, &in->tdecq);
}

/* {"name": value, ...} of a table, without the closing brace */
typedef struct {
    const char *name;
    double v;
} field;

static void json_fields(FILE *f, const field *t, int n)
{
    for (int i = 0; i < n; i++) {
        fprintf(f, "%s", i ? ", " : "{"), p4_json_key(f, t[i].name, t[i].v);
    }
}

void p4_report_tdecq_json(FILE *f, const p4_tdecq_result *t)
{
    const field tab[] = {{"tdecq_db", t->tdecq_db},          {"tdecq_least_squares_db", t->tdecq_mmse_db},
                         {"oma_outer_dbm", p4_w_to_dbm(t->oma_outer_w)}, {"pave_dbm", p4_w_to_dbm(t->pave_w)},
                         {"er_db", t->er_db},                {"ceq", t->ceq},
                         {"sigma_g_uw", 1e6 * t->sigma_g_w}, {"qt", t->qt}};
    json_fields(f, tab, (int)(sizeof tab / sizeof tab[0]));
    fprintf(f, ", \"taps\": [");
    for (int i = 0; i < t->ntaps; i++) fprintf(f, "%s", i ? ", " : ""), p4_json_num(f, t->taps[i]);
    fprintf(f, "]}");
}

void p4_report_optics_json(FILE *f, const p4_config *c, const p4_link_info *in)
{
    (void)c;
    if (!in->optical) return;
    const p4_optics_info *o = &in->opt;
    const field tab[] = {{"launch_avg_dbm", p4_w_to_dbm(o->launch_avg_w)},
                         {"launch_oma_dbm", p4_w_to_dbm(o->launch_oma_w)},
                         {"launch_er_db", o->launch_er_db},
                         {"launch_rlm", o->launch_rlm},
                         {"fiber_loss_db", o->fiber_loss_db},
                         {"link_loss_db", o->link_loss_db},
                         {"applied_loss_db", o->applied_loss_db},
                         {"rx_avg_dbm", p4_w_to_dbm(o->rx_avg_w)},
                         {"rx_oma_dbm", p4_w_to_dbm(o->rx_oma_w)},
                         {"dispersion_ps_nm_km", o->d_ps_nm_km},
                         {"flight_ns", o->flight_ns},
                         {"photocurrent_ua", 1e6 * o->dc_current_a},
                         {"tia_ohm", in->tia_z_ohm},
                         {"rx_noise_bandwidth_ghz", in->rx_noise_bw_ghz},
                         {"tia_noise_ua_rms", in->tia_noise_ua},
                         {"thermal_sensitivity_oma_dbm", in->sens_thermal_oma_dbm},
                         {"sndr_db", in->opt_sndr_db}};
    fprintf(f, ",\n    \"optics\": ");
    json_fields(f, tab, (int)(sizeof tab / sizeof tab[0]));
    fprintf(f, ", \"tdecq\": ");
    if (in->has_tdecq) p4_report_tdecq_json(f, &in->tdecq);
    else fprintf(f, "null");
    fprintf(f, "}");
}
