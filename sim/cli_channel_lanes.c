/* cli_channel_lanes.c - `pam4sim channel FILE` for a multi-lane file: per lane, the ports, the
 * insertion and return loss at the reference frequencies (13.28, 26.56, 53.125 GHz: baud/8, baud/4,
 * baud/2 at 106.25 GBd) and the integrated crosstalk noise from each other lane (touchstone.h:
 * p4_icn_mv, 802.3 Annex 85A weighting at the default tx.amplitude_v and sim.baud_gbd, a 20-80 %
 * transition time of a quarter UI), with the power sum of all of them. */
#include "cli.h"
#include "pam4sim/touchstone.h"
#include <complex.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int cli_channel_lanes(const p4_touchstone *ts, const char *file, int json, const int *map, int nmap)
{
    p4_lane_map m;
    if (p4_touchstone_lanes(ts, map, nmap, &m)) return cli_fail();
    p4_config c;
    p4_config_default(&c);
    const double baud = c.baud_gbd * 1e9, trise = 0.25 / baud, amp = c.amplitude_v;
    static const double fe[3] = {13.28e9, 26.56e9, 53.125e9};
    const size_t nf = ts->nfreq;
    double complex *h = malloc(nf * sizeof *h);
    if (!h) return fprintf(stderr, "pam4sim: out of memory\n"), 1;
    if (json) printf("{\"file\": \"%s\", \"ports\": %d, \"points\": %zu, \"lane_layout\": \"%s\", \"icn_amplitude_v\": %g, "
                     "\"icn_baud_gbd\": %g, \"icn_rise_ps\": %.4g,\n \"lanes\": [",
                     file, ts->nports, nf, m.layout, amp, c.baud_gbd, trise * 1e12);
    else {
        printf("%s: %d ports, %zu points, %.4g .. %.4g GHz, %d lanes (%s)\n", file, ts->nports, nf, ts->freq_hz[0] * 1e-9,
               ts->freq_hz[nf - 1] * 1e-9, m.nlanes, m.layout);
        printf("ICN: 802.3 Annex 85A weighting, %g V aggressors at %g GBd, 20-80 %% rise %.2f ps\n", amp, c.baud_gbd, trise * 1e12);
        printf("%-5s %-15s %26s %26s %s\n", "lane", "ports in/out", "IL dB @ 13.3/26.6/53.1 GHz", "RL dB @ 13.3/26.6/53.1 GHz",
               "ICN mV from each lane (total)");
    }
    for (int v = 0; v < m.nlanes; v++) {
        double il[3], rl[3], icn[P4_TS_MAX_LANES], tot = 0;
        p4_touchstone_lane_sdd(ts, &m, v, v, h);
        for (int i = 0; i < 3; i++) il[i] = -p4_interp_db(ts->freq_hz, h, nf, fe[i]);
        p4_touchstone_lane_sdd11(ts, &m, v, h);
        for (int i = 0; i < 3; i++) rl[i] = -p4_interp_db(ts->freq_hz, h, nf, fe[i]);
        for (int a = 0; a < m.nlanes; a++) {
            icn[a] = 0;
            if (a == v) continue;
            p4_touchstone_lane_sdd(ts, &m, v, a, h);
            icn[a] = p4_icn_mv(ts->freq_hz, h, nf, amp, baud, trise);
            tot += icn[a] * icn[a];
        }
        tot = sqrt(tot);
        const int *p = m.port[v];
        if (json) {
            printf("%s\n  {\"lane\": %d, \"ports\": [%d, %d, %d, %d], \"insertion_loss_db\": [", v ? "," : "", v + 1, p[0], p[1], p[2], p[3]);
            for (int i = 0; i < 3; i++) isfinite(il[i]) ? printf("%s%.4f", i ? ", " : "", il[i]) : printf("%snull", i ? ", " : "");
            printf("], \"return_loss_db\": [");
            for (int i = 0; i < 3; i++) isfinite(rl[i]) ? printf("%s%.4f", i ? ", " : "", rl[i]) : printf("%snull", i ? ", " : "");
            printf("], \"icn_from_lane_mv\": {");
            for (int a = 0, first = 1; a < m.nlanes; a++)
                if (a != v) printf("%s\"%d\": %.4f", first ? "" : ", ", a + 1, icn[a]), first = 0;
            printf("}, \"icn_total_mv\": %.4f}", tot);
        } else {
            char ports[32], ils[48], rls[48];
            snprintf(ports, sizeof ports, "%d,%d / %d,%d", p[0], p[1], p[2], p[3]);
            snprintf(ils, sizeof ils, "%7.2f %7.2f %7.2f", il[0], il[1], il[2]);
            snprintf(rls, sizeof rls, "%7.2f %7.2f %7.2f", rl[0], rl[1], rl[2]);
            printf("%-5d %-15s %26s %26s ", v + 1, ports, ils, rls);
            for (int a = 0; a < m.nlanes; a++) a == v ? printf("    -  ") : printf(" %6.3f", icn[a]);
            printf("  (%.3f)\n", tot);
        }
    }
    if (json) printf("\n ]}\n");
    free(h);
    return 0;
}
