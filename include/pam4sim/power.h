/* power.h - power per architecture: a per-block table in pJ/bit with each figure's source, rolled
 * up per lane, per module and per N ports per year.
 *
 * Convention (SPEC 7): pJ/bit is a module's power over its data rate in one direction (an 800G
 * module at 15 W: 18.75 pJ/bit), so a block's W per lane = pJ/bit x power.lane_gbps x 1e-3 covers
 * both directions of the lane. Blocks: the module DSP (retimed: all of it; LRO: its transmit-path
 * share power.dsp_tx_share), the module's optics and analog (retimed: power.retimed_analog_pj_bit;
 * LPO: power.linear_analog_pj_bit; LRO: the mean of the two, a DSP-driven transmitter and a linear
 * receiver), and the host SerDes (the same in all; 0 leaves it out). Per module: x lanes; per year:
 * x ports x hours / 1000 kWh, and x price. NPO: the engine (power.npo_analog_pj_bit) and, retimed,
 * the DSP; CPO: the engine without its laser (power.cpo_engine_pj_bit) and the laser, external or
 * integrated (power.cpo_laser_pj_bit).
 */
#ifndef PAM4SIM_POWER_H
#define PAM4SIM_POWER_H
#include "pam4sim/arch.h"
#include "pam4sim/config.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_POWER_ROWS 6

typedef struct {
    int n;
    struct {
        char block[64];
        double pj_bit, w_lane;
        char source[128];
    } row[P4_POWER_ROWS];
    double pj_bit, w_lane, w_module, kwh_year, cost_year;
} p4_power;

void p4_power_of(const p4_config *c, p4_arch a, p4_power *out);

#ifdef __cplusplus
}
#endif
#endif
