/* report.c - text and JSON reports of a link run (see report.h). */
#include "pam4sim/report.h"
#include "pam4sim/fir.h"
#include <math.h>
#include <string.h>

static const char *eye_name[3] = {"lower", "middle", "upper"};

void p4_report_link_text(FILE *f, const p4_config *c, const p4_link_info *in)
{
    fprintf(f, "pam4sim %s  %s link, %.4g GBd PAM4 (%.4g Gb/s), %lld samples/UI, seed %lld\n", P4_VERSION,
            in->optical ? "optical" : "electrical", c->baud_gbd, 2 * c->baud_gbd, (long long)c->sps, (long long)c->seed);
    if (!strcmp(c->ch_type, "touchstone") && in->channel_scaled)
        fprintf(f, "channel      %s: IL %.2f dB at %.4g GHz; scaled: length x %g, + %g dB loss model in series: IL %.2f dB\n",
                c->ch_file, in->channel_il_file_db, c->baud_gbd / 2, c->length_scale, c->ch_extra_loss_db, in->channel_il_nyquist_db);
    else if (!strcmp(c->ch_type, "touchstone"))
        fprintf(f, "channel      %s: IL %.2f dB at %.4g GHz\n", c->ch_file, in->channel_il_nyquist_db, c->baud_gbd / 2);
    else if (c->ch_extra_loss_db > 0 && strcmp(c->ch_type, "none"))
        fprintf(f, "channel      %s with + %g dB loss model in series: IL %.2f dB at %.4g GHz\n", c->ch_type, c->ch_extra_loss_db,
                in->channel_il_nyquist_db, c->baud_gbd / 2);
    else if (!strcmp(c->ch_type, "model"))
        fprintf(f, "channel      loss model: IL %.2f dB at %.4g GHz (%.0f %% skin), %.0f mm\n", in->channel_il_nyquist_db,
                c->baud_gbd / 2, 100 * c->skin_fraction, c->length_mm);
    else if (!strcmp(c->ch_type, "none"))
        fprintf(f, "channel      none%s\n", in->optical ? " (the transmitter drives the optical driver directly)" : "");
    else
        fprintf(f, "channel      %s (IL %.2f dB at %.4g GHz)\n", c->ch_type, in->channel_il_nyquist_db, c->baud_gbd / 2);
    if (c->n_xt_files) fprintf(f, "crosstalk    %lld aggressors\n", (long long)c->n_xt_files);
    p4_report_optics_text(f, c, in);
    for (int i = 0; i < in->nwarn; i++) fprintf(f, "warning      %s\n", in->warn[i]);
    p4_ami_report_text(f, &in->ami_tx, &in->ami_rx); /* IBIS-AMI models (sim/report_ami.c) */
    if (!isnan(in->g_dc_db)) fprintf(f, "ctle         g_dc %.0f dB, g_dc_hp %.0f dB\n", in->g_dc_db, in->g_dc_hp_db);
    else fprintf(f, "ctle         off\n");
    fprintf(f, "sampling     phase %.4f UI; MMSE SNR at the slicer %.2f dB\n", in->sample_phase_ui, in->mmse_snr_db);
    fprintf(f, "pulse        main cursor %.2f mV; pre", 1e3 * in->main_cursor_v);
    for (int i = P4_PULSE_PRE - 1; i >= 0; i--) fprintf(f, " %+.3f", in->pre[i]);
    fprintf(f, "; post");
    for (int i = 0; i < 5; i++) fprintf(f, " %+.3f", in->post[i]);
    fprintf(f, "\nrx ffe       %d taps (%d pre):", in->nffe, in->npre);
    for (int i = 0; i < in->nffe; i++) fprintf(f, " %.3f", in->ffe[i]);
    fprintf(f, "\ndfe          %d taps:", in->ndfe);
    for (int i = 0; i < in->ndfe; i++) fprintf(f, " %.3f", in->dfe[i]);
    fprintf(f, "\n");
}

void p4_report_text(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n, const p4_eye *eye)
{
    double lo, hi, slo, shi;
    p4_clopper_pearson(n->bit_errors, n->bits, &lo, &hi);
    p4_clopper_pearson(n->symbol_errors, n->symbols, &slo, &shi);
    double ber = n->bits ? (double)n->bit_errors / n->bits : 0, ser = n->symbols ? (double)n->symbol_errors / n->symbols : 0;
    p4_report_link_text(f, c, in);
    if (!strcmp(in->engine, "symbol"))
        fprintf(f, "engine       symbol rate (%s); work units holding eye symbols at sample level\n", in->engine_why);
    else fprintf(f, "engine       sample level (%s)\n", in->engine_why);
    fprintf(f, "\nsymbols      %llu\n", (unsigned long long)n->symbols);
    fprintf(f, "SER          %.3e  (%llu errors; 95 %% CI %.2e .. %.2e)\n", ser, (unsigned long long)n->symbol_errors, slo, shi);
    fprintf(f, "BER          %.3e  (%llu bit errors; 95 %% CI %.2e .. %.2e)\n", ber, (unsigned long long)n->bit_errors, lo, hi);
    fprintf(f, "target       BER %.2e: %s\n", c->target_ber,
            hi < c->target_ber ? "met" : lo > c->target_ber ? "NOT met" : "undecided at this count (run more symbols)");
    fprintf(f, "\neyes at BER %.1e (%llu symbols in the histogram; heights relative to the outer level, mV at the sampler):\n",
            c->eye_ber, (unsigned long long)n->eye_symbols);
    for (int e = 2; e >= 0; e--) {
        if (isnan(eye->height[e]))
            fprintf(f, "  %-6s     too few samples for BER %.1e (need about %.0f symbols)\n", eye_name[e], c->eye_ber,
                    4 / c->eye_ber);
        else
            fprintf(f, "  %-6s     height %.3f (%.1f mV)  width %.3f UI (%.2f ps)\n", eye_name[e], eye->height[e],
                    1e3 * eye->height[e] * in->main_cursor_v, eye->width_ui[e], eye->width_ui[e] * 1e3 / c->baud_gbd);
    }
    fprintf(f, "  VEC        %.2f dB\n", eye->vec_db);
    fprintf(f, "\nlatency (ns)  tx ffe %.4f  driver %.4f  channel %.4f  rx analog %.4f  rx ffe %.4f",
            in->lat_tx_ffe_ns, in->lat_driver_ns, in->lat_channel_ns, in->lat_rx_analog_ns, in->lat_rx_ffe_ns);
    if (in->optical) fprintf(f, "  fiber flight %.4f", in->lat_fiber_ns);
    fprintf(f, "\n");
    fprintf(f, "              modelled total %.4f; measured by correlation %.4f (%ld UI)\n", in->lat_model_ns,
            in->lat_measured_ns, in->delay_symbols);
    p4_report_dsp_text(f, c, in, n);
}

void p4_report_json(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n, const p4_eye *eye)
{
    p4_report_json_run(f, c, in, n, eye, NULL, 0);
}

void p4_report_json_run(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n, const p4_eye *eye,
                        const char *end, int partial)
{
    double lo, hi, slo, shi;
    p4_clopper_pearson(n->bit_errors, n->bits, &lo, &hi);
    p4_clopper_pearson(n->symbol_errors, n->symbols, &slo, &shi);
    fprintf(f, "{\n  \"program\": \"pam4sim\",\n  \"version\": \"%s\",\n  \"schema\": %d,\n  \"fft_plans\": ", P4_VERSION,
            P4_JSON_SCHEMA);
    p4_json_str(f, p4_fft_plans());
    fprintf(f, ",\n  \"seed\": %lld,\n", (long long)c->seed);
    fprintf(f, "  \"config\": ");
    p4_config_write_json(c, f, 2);
    fprintf(f, ",\n  \"link\": {\n    "), p4_json_key(f, "channel_il_nyquist_db", in->channel_il_nyquist_db);
    fprintf(f, ",\n    "), p4_json_key(f, "ctle_g_dc_db", in->g_dc_db);
    fprintf(f, ",\n    "), p4_json_key(f, "ctle_g_dc_hp_db", in->g_dc_hp_db);
    fprintf(f, ",\n    "), p4_json_key(f, "sample_phase_ui", in->sample_phase_ui);
    fprintf(f, ",\n    "), p4_json_key(f, "mmse_snr_db", in->mmse_snr_db);
    if (!strcmp(c->ch_type, "touchstone")) fprintf(f, ",\n    "), p4_json_key(f, "channel_il_file_db", in->channel_il_file_db);
    fprintf(f, ",\n    \"engine\": "), p4_json_str(f, in->engine);
    fprintf(f, ", \"engine_reason\": "), p4_json_str(f, in->engine_why);
    fprintf(f, ",\n    \"rx_ffe\": [");
    for (int i = 0; i < in->nffe; i++) fprintf(f, "%s", i ? ", " : ""), p4_json_num(f, in->ffe[i]);
    fprintf(f, "],\n    \"dfe\": [");
    for (int i = 0; i < in->ndfe; i++) fprintf(f, "%s", i ? ", " : ""), p4_json_num(f, in->dfe[i]);
    fprintf(f, "],\n    \"pulse\": {"), p4_json_key(f, "main_cursor_v", in->main_cursor_v);
    fprintf(f, ", \"pre\": [");
    for (int i = 0; i < P4_PULSE_PRE; i++) fprintf(f, "%s", i ? ", " : ""), p4_json_num(f, in->pre[i]);
    fprintf(f, "], \"post\": [");
    for (int i = 0; i < P4_PULSE_POST; i++) fprintf(f, "%s", i ? ", " : ""), p4_json_num(f, in->post[i]);
    fprintf(f, "]}");
    p4_report_optics_json(f, c, in);
    p4_ami_report_json(f, &in->ami_tx, &in->ami_rx); /* IBIS-AMI models, when used (sim/report_ami.c) */
    fprintf(f, ",\n    \"warnings\": [");
    for (int i = 0; i < in->nwarn; i++) fprintf(f, "%s", i ? ", " : ""), p4_json_str(f, in->warn[i]);
    fprintf(f, "]\n  },\n  \"results\": {\n");
    if (end) {
        fprintf(f, "    \"run\": {\"end\": "), p4_json_str(f, end);
        fprintf(f, ", \"partial\": %s, \"symbols_planned\": %lld},\n", partial ? "true" : "false", (long long)c->symbols);
    }
    fprintf(f, "    \"symbols\": %llu,\n    \"symbol_errors\": %llu,\n    \"bit_errors\": %llu,\n",
            (unsigned long long)n->symbols, (unsigned long long)n->symbol_errors, (unsigned long long)n->bit_errors);
    fprintf(f, "    "), p4_json_key(f, "ser", n->symbols ? (double)n->symbol_errors / n->symbols : 0);
    fprintf(f, ", \"ser_ci95\": [");
    p4_json_num(f, slo), fprintf(f, ", "), p4_json_num(f, shi);
    fprintf(f, "],\n    "), p4_json_key(f, "ber", n->bits ? (double)n->bit_errors / n->bits : 0);
    fprintf(f, ", \"ber_ci95\": [");
    p4_json_num(f, lo), fprintf(f, ", "), p4_json_num(f, hi);
    fprintf(f, "],\n    \"target_ber_met\": %s,\n", hi < c->target_ber ? "true" : lo > c->target_ber ? "false" : "null");
    fprintf(f, "    \"eye\": {"), p4_json_key(f, "ber", c->eye_ber);
    fprintf(f, ", \"symbols\": %llu", (unsigned long long)n->eye_symbols);
    for (int e = 0; e < 3; e++) {
        fprintf(f, ", \"%s\": {\"height\": ", eye_name[e]);
        p4_json_num(f, eye->height[e]);
        fprintf(f, ", "), p4_json_key(f, "height_mv", 1e3 * eye->height[e] * in->main_cursor_v);
        fprintf(f, ", "), p4_json_key(f, "width_ui", eye->width_ui[e]);
        fprintf(f, "}");
    }
    fprintf(f, ", "), p4_json_key(f, "vec_db", eye->vec_db);
    fprintf(f, "},\n    \"latency_ns\": {"), p4_json_key(f, "tx_ffe", in->lat_tx_ffe_ns);
    fprintf(f, ", "), p4_json_key(f, "driver", in->lat_driver_ns);
    fprintf(f, ", "), p4_json_key(f, "channel", in->lat_channel_ns);
    fprintf(f, ", "), p4_json_key(f, "rx_analog", in->lat_rx_analog_ns);
    fprintf(f, ", "), p4_json_key(f, "rx_ffe", in->lat_rx_ffe_ns);
    fprintf(f, ", "), p4_json_key(f, "fiber_flight", in->lat_fiber_ns);
    fprintf(f, ", "), p4_json_key(f, "model_total", in->lat_model_ns);
    fprintf(f, ", "), p4_json_key(f, "measured", in->lat_measured_ns);
    fprintf(f, ", \"delay_symbols\": %ld}", in->delay_symbols);
    p4_report_dsp_json(f, c, in, n);
    fprintf(f, "\n  }\n}\n");
}
