/* report_dsp.c - the DSP receiver, MLSE, FEC, error-structure and DSP-latency parts of the report. */
#include "pam4sim/report.h"
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <string.h>


static double q_of_ser(double ser) { return ser > 0 && ser < 1.5 ? gsl_cdf_ugaussian_Qinv(ser / 1.5) : NAN; }

double p4_ser_gain_db(double a, double b) { return 20 * log10(q_of_ser(b) / q_of_ser(a)); }

static double ratio(uint64_t k, uint64_t n) { return n ? (double)k / (double)n : NAN; }

static uint64_t hist_total(const uint64_t *h, double *mean)
{
    uint64_t t = 0;
    double s = 0;
    for (int i = 1; i < P4_HIST; i++) t += h[i], s += (double)i * (double)h[i];
    *mean = t ? s / (double)t : NAN;
    return t;
}

static void hist_text(FILE *f, const uint64_t *h, int from)
{
    int last = -1;
    for (int i = from; i < P4_HIST; i++)
        if (h[i]) last = i;
    for (int i = from; i <= last; i++)
        if (h[i]) fprintf(f, " %d%s:%llu", i, i == P4_HIST - 1 ? "+" : "", (unsigned long long)h[i]);
    if (last < 0) fprintf(f, " none");
}

void p4_report_dsp_text(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n)
{
    const p4_fec_counts *fc = &n->fec;
    if (in->dsp) {
        int fx = !strcmp(c->dsp_arith, "fixed");
        fprintf(f, "\ndsp rx       ADC %lld bits", (long long)c->adc_bits);
        if (fx) fprintf(f, ", ENOB %.1f", isnan(c->adc_enob) ? (double)c->adc_bits : c->adc_enob);
        else fprintf(f, " (floating-point reference: no quantisation)");
        fprintf(f, ", full scale %.1f mV (LSB %.2f mV), AGC to rms %.2f of half scale; %llu samples clipped\n",
                1e3 * in->adc_full_scale_v, in->adc_lsb_mv, c->agc_rms_fraction, (unsigned long long)fc->adc_clips);
        if (fx)
            fprintf(f, "             FFE %lld-bit taps, %lld-bit accumulator >> %d into %lld bits (outer level %.0f); "
                       "LMS steps 2^-%d (FFE), 2^-%d (DFE)\n",
                    (long long)c->coef_bits, (long long)c->acc_bits, in->ffe_shift, (long long)c->out_bits,
                    in->dsp_out_level, in->mu_ffe, in->mu_dfe);
        fprintf(f, "             CDR %s, %.3g MHz, damping %.3g: kp %.3g, ki %.3g (K_d %.3g per UI), latency %lld UI, "
                   "offset %+.1f ppm; %llu cycle slips; tracked %+.2f ppm\n",
                c->cdr_detector, c->cdr_bandwidth_mhz, c->cdr_damping, in->cdr_kp, in->cdr_ki, in->cdr_kd,
                (long long)c->cdr_latency, c->cdr_offset_ppm, (unsigned long long)fc->cdr_slips,
                fc->dsp_units ? 1e-9 * (double)fc->cdr_freq_nppm_sum / (double)fc->dsp_units : NAN);
        if (c->mlse_memory) {
            double sd = ratio(fc->dfe_symbol_errors, n->symbols), sm = ratio(n->symbol_errors, n->symbols);
            fprintf(f, "mlse         memory %lld, traceback %lld UI: SER %.3e against %.3e for the DFE on the same "
                       "samples (%llu vs %llu errors",
                    (long long)c->mlse_memory, (long long)c->mlse_traceback, sm, sd,
                    (unsigned long long)n->symbol_errors, (unsigned long long)fc->dfe_symbol_errors);
            if (n->symbol_errors && fc->dfe_symbol_errors)
                fprintf(f, "; %.2fx fewer, %.2f dB SNR-equivalent", sd / sm, p4_ser_gain_db(sd, sm));
            fprintf(f, ")\n");
        }
    }
    double mean_run, mean_ev;
    uint64_t runs = hist_total(fc->run_hist, &mean_run), evs = hist_total(fc->event_hist, &mean_ev);
    if (runs) {
        fprintf(f, "bursts       %llu runs of consecutive symbol errors (mean %.2f):", (unsigned long long)runs, mean_run);
        hist_text(f, fc->run_hist, 1);
        fprintf(f, "\n             %llu error events (gap <= %lld UI), errors per event (mean %.2f):",
                (unsigned long long)evs, (long long)c->burst_gap, mean_ev);
        hist_text(f, fc->event_hist, 1);
        fprintf(f, "\n");
    }
    if (fc->codewords) {
        double lo, hi, flr_b, flr_c;
        p4_clopper_pearson(fc->msg_bit_errors, fc->msg_bits, &lo, &hi);
        p4_fec_extrapolate(fc, &flr_b, &flr_c);
        uint64_t lost = fc->cw_failed + fc->cw_miscorrected;
        if (fc->inner_blocks)
            fprintf(f, "inner fec    %llu blocks (Chase-II, %lld flips): SER %.3e before, %.3e after; %llu blocks "
                       "detected uncorrectable\n",
                    (unsigned long long)fc->inner_blocks, (long long)c->fec_inner_flips,
                    ratio(fc->inner_pre_sym_errors, fc->inner_blocks * 64),
                    ratio(fc->inner_post_sym_errors, fc->inner_blocks * 64), (unsigned long long)fc->inner_detected);
        fprintf(f, "kp4 fec      %llu codewords (RS(544,514), %lld-way interleave); RS symbol error ratio %.3e\n",
                (unsigned long long)fc->codewords, (long long)c->fec_interleave,
                ratio(fc->rs_symbol_errors, fc->rs_symbols));
        fprintf(f, "             symbol errors per codeword:");
        hist_text(f, fc->cw_hist, 0);
        fprintf(f, "\n             post-FEC BER %.3e (%llu bit errors; 95 %% CI %.2e .. %.2e)\n", ratio(fc->msg_bit_errors, fc->msg_bits),
                (unsigned long long)fc->msg_bit_errors, lo, hi);
        double flo, fhi;
        p4_clopper_pearson(lost, fc->codewords, &flo, &fhi);
        fprintf(f, "             frame loss ratio %.3e (%llu: %llu detected, %llu miscorrected; 95 %% CI %.2e .. %.2e)\n",
                ratio(lost, fc->codewords), (unsigned long long)lost, (unsigned long long)fc->cw_failed,
                (unsigned long long)fc->cw_miscorrected, flo, fhi);
        fprintf(f, "             extrapolated FLR: %.2e (independent symbol errors), %.2e (measured bursts, compound "
                   "Poisson) - extrapolated, not counted\n",
                flr_b, flr_c);
    }
    if (in->nlat) {
        fprintf(f, "dsp latency  ");
        for (int i = 0; i < in->nlat; i++)
            fprintf(f, "%s%s %.2f ns [%s]", i ? "\n             " : "", in->lat[i].name, in->lat[i].ns, in->lat[i].source);
        fprintf(f, "\n             receive DSP and FEC total %.2f ns\n", in->lat_dsp_total_ns);
    }
}

static void hist_json(FILE *f, const char *name, const uint64_t *h)
{
    int last = 0;
    for (int i = 0; i < P4_HIST; i++)
        if (h[i]) last = i;
    p4_json_str(f, name), fprintf(f, ": [");
    for (int i = 0; i <= last; i++) fprintf(f, "%s%llu", i ? ", " : "", (unsigned long long)h[i]);
    fprintf(f, "]");
}

void p4_report_dsp_json(FILE *f, const p4_config *c, const p4_link_info *in, const p4_counts *n)
{
    const p4_fec_counts *fc = &n->fec;
    if (in->dsp) {
        fprintf(f, ",\n    \"dsp\": {\"arith\": "), p4_json_str(f, c->dsp_arith);
        fprintf(f, ", "), p4_json_key(f, "adc_full_scale_v", in->adc_full_scale_v);
        fprintf(f, ", \"adc_clips\": %llu, \"ffe_shift\": %d, \"out_level\": ", (unsigned long long)fc->adc_clips,
                in->ffe_shift);
        p4_json_num(f, in->dsp_out_level);
        fprintf(f, ", \"ffe_q\": [");
        for (int i = 0; i < in->nffe; i++) fprintf(f, "%s%d", i ? ", " : "", in->ffe_q[i]);
        fprintf(f, "], \"dfe_q\": [");
        for (int i = 0; i < in->ndfe; i++) fprintf(f, "%s%d", i ? ", " : "", in->dfe_q[i]);
        fprintf(f, "], "), p4_json_key(f, "cdr_kp", in->cdr_kp);
        fprintf(f, ", "), p4_json_key(f, "cdr_ki", in->cdr_ki);
        fprintf(f, ", "), p4_json_key(f, "cdr_kd", in->cdr_kd);
        fprintf(f, ", \"cdr_slips\": %llu, \"cdr_tracked_ppm\": ", (unsigned long long)fc->cdr_slips);
        p4_json_num(f, fc->dsp_units ? 1e-9 * (double)fc->cdr_freq_nppm_sum / (double)fc->dsp_units : NAN);
        fprintf(f, ", \"dfe_symbol_errors\": %llu, \"dfe_bit_errors\": %llu}", (unsigned long long)fc->dfe_symbol_errors,
                (unsigned long long)fc->dfe_bit_errors);
    }
    fprintf(f, ",\n    \"bursts\": {\"gap_symbols\": %lld, ", (long long)c->burst_gap);
    hist_json(f, "run_lengths", fc->run_hist);
    fprintf(f, ", ");
    hist_json(f, "errors_per_event", fc->event_hist);
    fprintf(f, "}");
    if (fc->codewords) {
        double lo, hi, flr_b, flr_c;
        p4_clopper_pearson(fc->msg_bit_errors, fc->msg_bits, &lo, &hi);
        p4_fec_extrapolate(fc, &flr_b, &flr_c);
        fprintf(f, ",\n    \"fec\": {\"mode\": "), p4_json_str(f, c->fec_mode);
        fprintf(f, ", \"codewords\": %llu, ", (unsigned long long)fc->codewords);
        hist_json(f, "symbol_errors_per_codeword", fc->cw_hist);
        fprintf(f, ", "), p4_json_key(f, "rs_symbol_error_ratio", ratio(fc->rs_symbol_errors, fc->rs_symbols));
        fprintf(f, ", \"failed\": %llu, \"miscorrected\": %llu, \"flr\": ", (unsigned long long)fc->cw_failed,
                (unsigned long long)fc->cw_miscorrected);
        p4_json_num(f, ratio(fc->cw_failed + fc->cw_miscorrected, fc->codewords));
        fprintf(f, ", \"post_fec_bit_errors\": %llu, \"post_fec_ber\": ", (unsigned long long)fc->msg_bit_errors);
        p4_json_num(f, ratio(fc->msg_bit_errors, fc->msg_bits));
        fprintf(f, ", \"post_fec_ber_ci95\": ["), p4_json_num(f, lo), fprintf(f, ", "), p4_json_num(f, hi);
        fprintf(f, "], "), p4_json_key(f, "flr_extrapolated_binomial", flr_b);
        fprintf(f, ", "), p4_json_key(f, "flr_extrapolated_compound_poisson", flr_c);
        if (fc->inner_blocks) {
            fprintf(f, ", \"inner_blocks\": %llu, \"inner_ser_before\": ", (unsigned long long)fc->inner_blocks);
            p4_json_num(f, ratio(fc->inner_pre_sym_errors, fc->inner_blocks * 64));
            fprintf(f, ", "), p4_json_key(f, "inner_ser_after", ratio(fc->inner_post_sym_errors, fc->inner_blocks * 64));
        }
        fprintf(f, "}");
    }
    if (in->nlat) {
        fprintf(f, ",\n    \"latency_dsp_ns\": {");
        for (int i = 0; i < in->nlat; i++) {
            fprintf(f, "%s", i ? ", " : ""), p4_json_key(f, in->lat[i].name, in->lat[i].ns);
        }
        fprintf(f, ", "), p4_json_key(f, "total", in->lat_dsp_total_ns);
        fprintf(f, "}");
    }
}
