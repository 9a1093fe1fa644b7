/* latency.c - an architecture's one-way latency, per block (see latency.h). */
#include "pam4sim/latency.h"
#include "pam4sim/fec.h"
#include <stdio.h>
#include <string.h>

static const char *const kind_names[P4_LAT_KINDS] = {"FEC", "DSP", "analog", "flight"};

const char *p4_lat_kind_name(p4_lat_kind k) { return k < P4_LAT_KINDS ? kind_names[k] : "?"; }

static void add(p4_latency *o, int seg, p4_lat_kind kind, const char *block, double ns, const char *source)
{
    if (o->n >= P4_LAT_ROWS) return;
    snprintf(o->row[o->n].block, sizeof o->row[0].block, "%s", block);
    snprintf(o->row[o->n].source, sizeof o->row[0].source, "%s", source);
    o->row[o->n].ns = ns, o->row[o->n].seg = seg, o->row[o->n].kind = kind;
    o->total_ns += ns, o->kind_ns[kind] += ns;
    o->n++;
}

void p4_latency_of(const p4_config *c, const p4_arch_plan *p, const p4_link_info *const *infos, p4_latency *o)
{
    memset(o, 0, sizeof *o);
    const double clk_ns = 1 / c->dsp_clock_ghz, ui_ns = 1 / c->baud_gbd;
    const int fec = strcmp(c->fec_mode, "none") != 0, inner = !strcmp(c->fec_mode, "kp4_inner");
    if (fec) add(o, -1, P4_LAT_FEC, "KP4 encode (host TX)", (double)c->lat_fec_enc_cycles * clk_ns, "dsp.latency.fec_encode_cycles [S]");
    for (int k = 0; k < p->nseg; k++) {
        const p4_config *s = &p->seg[k].cfg;
        const p4_link_info *in = infos[k];
        if (p->seg[k].tx_dsp) add(o, k, P4_LAT_DSP, "module DSP transmit", c->lat_dsp_tx_ns, "dsp.latency.tx_ns [U]");
        add(o, k, P4_LAT_ANALOG, "TX FFE and driver", in->lat_tx_ffe_ns + in->lat_driver_ns, "tx.ffe_main x UI + UI/2");
        if (strcmp(s->ch_type, "none"))
            add(o, k, P4_LAT_FLIGHT, s->optics_enable && !strcmp(s->ch_position, "both") ? "C2M channels (both ends)" : "C2M channel",
                in->lat_channel_ns, "channel impulse peak");
        if (s->optics_enable) add(o, k, P4_LAT_FLIGHT, "fiber", in->lat_fiber_ns, "length x group index / c");
        add(o, k, P4_LAT_ANALOG, s->optics_enable ? "optics, TIA, RX analog" : "RX analog", in->lat_rx_analog_ns,
            "pulse main cursor");
        if (s->dsp_enable)
            for (int i = 0; i < in->nlat; i++) add(o, k, P4_LAT_DSP, in->lat[i].name, in->lat[i].ns, in->lat[i].source);
        else
            add(o, k, P4_LAT_DSP, "RX FFE pre-cursor taps", in->lat_rx_ffe_ns, "rx.ffe.precursors x UI");
        o->analog_model_ns += in->lat_model_ns;
        o->analog_measured_ns += in->lat_measured_ns;
    }
    if (fec) {
        double acc = (double)c->fec_interleave * P4_RS_N * 5 * ui_ns;
        if (inner) {
            acc *= 64.0 / 60;
            add(o, -1, P4_LAT_FEC, "inner FEC decode", (double)c->lat_inner_cycles * clk_ns, "dsp.latency.inner_cycles [U]");
        }
        add(o, -1, P4_LAT_FEC, "KP4 codeword accumulation", acc, "interleave x 544 x 10 bits / line rate");
        add(o, -1, P4_LAT_FEC, "KP4 decode (host RX)", (double)c->lat_fec_dec_cycles * clk_ns, "dsp.latency.fec_decode_cycles [S]");
    }
}
