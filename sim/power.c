/* power.c - the per-block power table of an architecture and its roll-ups (see power.h). */
#include "pam4sim/power.h"
#include <stdio.h>
#include <string.h>

static void row(p4_power *p, const p4_config *c, const char *block, double pj_bit, const char *source)
{
    if (p->n >= P4_POWER_ROWS) return;
    snprintf(p->row[p->n].block, sizeof p->row[0].block, "%s", block);
    snprintf(p->row[p->n].source, sizeof p->row[0].source, "%s", source);
    p->row[p->n].pj_bit = pj_bit;
    p->row[p->n].w_lane = pj_bit * c->pw_lane_gbps * 1e-3;
    p->pj_bit += pj_bit;
    p->n++;
}

void p4_power_of(const p4_config *c, p4_arch a, p4_power *p)
{
    memset(p, 0, sizeof *p);
    switch (a) {
    case P4_ARCH_RETIMED:
        row(p, c, "module DSP (both paths)", c->pw_dsp_pj_bit, "power.dsp_pj_bit [S]");
        row(p, c, "module optics and analog", c->pw_retimed_analog_pj_bit, "power.retimed_analog_pj_bit [S]");
        break;
    case P4_ARCH_LPO:
        row(p, c, "linear module (optics, driver/TIA CTLE)", c->pw_linear_analog_pj_bit, "power.linear_analog_pj_bit [S]");
        break;
    case P4_ARCH_LRO:
        row(p, c, "module DSP (transmit path)", c->pw_dsp_pj_bit * c->pw_dsp_tx_share,
            "power.dsp_pj_bit x power.dsp_tx_share [S]/[U]");
        row(p, c, "module optics and analog", 0.5 * (c->pw_retimed_analog_pj_bit + c->pw_linear_analog_pj_bit),
            "mean of retimed and linear analog [U]");
        break;
    case P4_ARCH_NPO:
        if (c->npo_retimed) row(p, c, "engine DSP (both paths)", c->pw_dsp_pj_bit, "power.dsp_pj_bit [S]");
        row(p, c, "near-packaged optical engine", c->pw_npo_analog_pj_bit, "power.npo_analog_pj_bit [U]");
        break;
    case P4_ARCH_CPO:
        row(p, c, "co-packaged optical engine", c->pw_cpo_engine_pj_bit, "power.cpo_engine_pj_bit [S]");
        row(p, c, strcmp(c->cpo_laser, "external") ? "integrated laser" : "external laser source (ELS)", c->pw_cpo_laser_pj_bit,
            "power.cpo_laser_pj_bit [U]");
        break;
    default:
        return;
    }
    if (c->pw_host_serdes_pj_bit > 0) row(p, c, "host SerDes (both ends)", c->pw_host_serdes_pj_bit, "power.host_serdes_pj_bit");
    p->w_lane = p->pj_bit * c->pw_lane_gbps * 1e-3;
    p->w_module = p->w_lane * (double)c->pw_lanes;
    p->kwh_year = p->w_module * (double)c->pw_ports * c->pw_hours_per_year * 1e-3;
    p->cost_year = p->kwh_year * c->pw_price_per_kwh;
}
