/* report_ami.c - the text and JSON reports of IBIS-AMI models (see ami.h): which model, how it
 * ran, what pam4sim took from its Init, and what the model said (its message and output
 * parameters, shown as the model wrote them). */
#include "pam4sim/ami.h"
#include <string.h>

static void side(FILE *f, const p4_ami_info *in, const char *name)
{
    if (!in->used) return;
    const int tx = !strcmp(name, "tx");
    fprintf(f, "%s ami       %s (%s%s); %s%s\n", name, in->model, in->isolated ? "isolated process" : "in process",
            in->getwave ? ", has GetWave" : "", in->getwave_flow ? tx ? "its GetWave on the TX waveform; the link's design from its Init, linear response from "
                                                                      : "its GetWave on the RX waveform"
                                                                 : "linear response from ",
            !in->probe ? "" : in->probe == 1 ? "an aggressor column" : "a second Init on a unit impulse");
    if (in->symbol_spaced) {
        fprintf(f, "%s ami taps  symbol-spaced, used as the TX FFE%s:", name, in->getwave_flow ? " of the link's design" : "");
        for (int k = 0; k < in->ntaps; k++) fprintf(f, " %.4f", in->taps[k]);
        fprintf(f, "\n");
    }
    if (in->nonlinear_rel > 1e-6)
        fprintf(f, "warning      %s ami: %.2g %% of the victim's Init output is not the model's linear response (a DFE or nonlinear step in Init): not modelled\n",
                name, 100 * in->nonlinear_rel);
    if (in->getwave_flow && tx)
        fprintf(f, "%s ami flow  GetWave: %llu units, the rendered TX waveform through the model (the native TX FFE unity), "
                   "Ignore_Bits %ld per unit in the warm-up; the model's clock times are not used; aggressors do not pass through it\n",
                name, in->units, in->ignore_bits);
    else if (in->getwave_flow && in->own_clock)
        fprintf(f, "%s ami flow  GetWave: %llu units; the model returns no clock times: sampled at pam4sim's phase %.4f UI (least slicer "
                   "error) after Ignore_Bits %ld per unit; thresholds %s\n",
                name, in->units, in->phase_ui, in->ignore_bits,
                in->thresholds_from_model ? "the model's PAM4_*Threshold" : "from the mean |sample| (the model returns none)");
    else if (in->getwave_flow)
        fprintf(f, "%s ami flow  GetWave: %llu units, %llu clocks (%llu ignored: Ignore_Bits %ld per unit), sampling at %.4f UI "
                   "(rms %.4f UI), %llu symbols without a clock, %llu with two; thresholds %s\n",
                name, in->units, in->clocks, in->ignored, in->ignore_bits, in->phase_ui, in->spread_ui, in->missing, in->repeated,
                in->thresholds_from_model ? "the model's PAM4_*Threshold" : "from the mean |sample| (the model returns none)");
    else if (in->used && !strcmp(name, "rx"))
        fprintf(f, "%s ami flow  Init: the model's linear response in the chain, rx.dfe.taps for its DFE\n", name);
    if (in->message[0]) fprintf(f, "%s ami says  %s\n", name, in->message);
    if (in->params_out[0]) fprintf(f, "%s ami out   %s\n", name, in->params_out);
}

void p4_ami_report_text(FILE *f, const p4_ami_info *tx, const p4_ami_info *rx)
{
    side(f, tx, "tx");
    side(f, rx, "rx");
}

/* a JSON string: quotes, backslashes and control characters escaped */
static void jstr(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') fprintf(f, "\\%c", ch);
        else if (ch < 0x20) fprintf(f, "\\u%04x", ch);
        else fputc(ch, f);
    }
    fputc('"', f);
}

static void side_json(FILE *f, const p4_ami_info *in)
{
    if (!in->used) {
        fprintf(f, "null");
        return;
    }
    fprintf(f, "{\"model\": ");
    jstr(f, in->model);
    fprintf(f, ", \"flow\": \"%s\"", in->getwave_flow ? "getwave" : "init");
    if (in->getwave_flow && in->probe) /* a transmitter: its design from Init, no clock */
        fprintf(f, ", \"units\": %llu, \"ignore_bits_per_unit\": %ld", in->units, in->ignore_bits);
    else if (in->getwave_flow)
        fprintf(f, ", \"clock\": {\"units\": %llu, \"clocks\": %llu, \"ignored_bits\": %llu, \"ignore_bits_per_unit\": %ld, "
                   "\"phase_ui\": %.6f, \"spread_ui\": %.6f, \"missing_symbols\": %llu, \"repeated_symbols\": %llu, "
                   "\"thresholds\": \"%s\", \"source\": \"%s\"}",
                in->units, in->clocks, in->ignored, in->ignore_bits, in->phase_ui, in->spread_ui, in->missing, in->repeated,
                in->thresholds_from_model ? "model" : "mean_abs", in->own_clock ? "pam4sim" : "model");
    fprintf(f, ", \"isolated\": %s, \"getwave\": %s, \"probe\": \"%s\", \"symbol_spaced\": %s, \"taps\": [",
            in->isolated ? "true" : "false", in->getwave ? "true" : "false", !in->probe ? "none" : in->probe == 1 ? "aggressor column" : "second init",
            in->symbol_spaced ? "true" : "false");
    for (int k = 0; k < in->ntaps; k++) fprintf(f, "%s%.9g", k ? ", " : "", in->taps[k]);
    fprintf(f, "], \"init_output_not_linear\": %.6g, \"params_in\": ", in->nonlinear_rel);
    jstr(f, in->params_in);
    fprintf(f, ", \"message\": ");
    jstr(f, in->message);
    fprintf(f, ", \"params_out\": ");
    jstr(f, in->params_out);
    fprintf(f, "}");
}

void p4_ami_report_json(FILE *f, const p4_ami_info *tx, const p4_ami_info *rx)
{
    if (!tx->used && !rx->used) return;
    fprintf(f, ",\n    \"ami\": {\"tx\": ");
    side_json(f, tx);
    fprintf(f, ", \"rx\": ");
    side_json(f, rx);
    fprintf(f, "}");
}
