/* touchstone_lanes.c - the lanes of a multi-port Touchstone file (see touchstone.h).
 *
 * A lane is a differential pair in (in+, in-) and a pair out (out+, out-), 1-based ports. Its thru
 * is SDD(out <- in); every other lane a's coupling into it is SDD(v.out <- a.in), the crosstalk a
 * victim sees when lane a transmits from its own input pair (FEXT for a lane running the victim's
 * way, NEXT for one running the other way: the same term, only its label differs).
 *
 * Detection from the lowest-frequency thru, where it is unambiguous: each port's thru partner is
 * the port it couples to most; the partners must pair every port with exactly one other. Two
 * layouts are recognised:
 *   blocks of four   the lane k in ports 4k+1 .. 4k+4, each block's order as a 4-port's (COM's
 *                    [1,3,2,4] where the thrus are 1->2 and 3->4, [1,2,3,4] for 1->3 and 2->4, ...);
 *   halves           ports 1 .. N/2 on one side, N/2+1 .. N on the other, thru p -> p + N/2, and
 *                    the pairs (1,2), (3,4), ...: lane k = [2k+1, 2k+2, 2k+1+N/2, 2k+2+N/2].
 * Anything else needs the map given (channel.lane_map).
 */
#include "pam4sim/touchstone.h"
#include <complex.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static double mag_at0(const p4_touchstone *ts, int i, int j) { return cabs(ts->s[(size_t)(i - 1) * ts->nports + (j - 1)]); }

static p4_status check_map(const p4_touchstone *ts, p4_lane_map *m)
{
    int seen[P4_TS_MAX_PORTS + 1] = {0};
    for (int k = 0; k < m->nlanes; k++)
        for (int e = 0; e < 4; e++) {
            int p = m->port[k][e];
            if (p < 1 || p > ts->nports)
                return p4_error(P4_EINVAL, "%s: lane %d's port %d is not a port of this %d-port file (allowed: 1 .. %d)", ts->path, k + 1,
                                p, ts->nports, ts->nports);
            if (seen[p])
                return p4_error(P4_EINVAL, "%s: port %d is in lane %d and lane %d (each port in one lane)", ts->path, p, seen[p], k + 1);
            seen[p] = k + 1;
        }
    return P4_OK;
}

p4_status p4_touchstone_lanes(const p4_touchstone *ts, const int *given, int ngiven, p4_lane_map *m)
{
    memset(m, 0, sizeof *m);
    const int n = ts->nports;
    if (ngiven) {
        if (ngiven % 4 || ngiven / 4 > P4_TS_MAX_LANES)
            return p4_error(P4_EINVAL, "%s: channel.lane_map has %d ports: give 4 per lane (in+, in-, out+, out-), at most %d lanes",
                            ts->path, ngiven, P4_TS_MAX_LANES);
        m->nlanes = ngiven / 4;
        for (int k = 0; k < m->nlanes; k++)
            for (int e = 0; e < 4; e++) m->port[k][e] = given[4 * k + e];
        snprintf(m->layout, sizeof m->layout, "given");
        return check_map(ts, m);
    }
    if (n == 2) {
        m->nlanes = 1;
        m->port[0][0] = 1, m->port[0][2] = 2; /* single-ended: in- and out- unused */
        snprintf(m->layout, sizeof m->layout, "2-port");
        return P4_OK;
    }
    if (n % 4 || n / 4 > P4_TS_MAX_LANES)
        return p4_error(P4_EINVAL, "%s: %d ports do not make whole lanes of 4 (give channel.lane_map)", ts->path, n);
    int partner[P4_TS_MAX_PORTS + 1];
    for (int p = 1; p <= n; p++) {
        int best = 0;
        double bm = -1;
        for (int q = 1; q <= n; q++)
            if (q != p && mag_at0(ts, q, p) > bm) bm = mag_at0(ts, q, p), best = q;
        partner[p] = best;
    }
    for (int p = 1; p <= n; p++)
        if (partner[partner[p]] != p)
            return p4_error(P4_EINVAL, "%s: cannot tell the lanes from the lowest-frequency thru (port %d's strongest path is to %d, "
                                       "whose is to %d): give channel.lane_map", ts->path, p, partner[p], partner[partner[p]]);
    int blocks = 1, halves = 1;
    for (int p = 1; p <= n; p++) {
        blocks = blocks && (partner[p] - 1) / 4 == (p - 1) / 4;
        halves = halves && partner[p] == (p <= n / 2 ? p + n / 2 : p - n / 2);
    }
    m->nlanes = n / 4;
    if (blocks) {
        for (int k = 0; k < m->nlanes; k++) {
            int b = 4 * k;
#define T(i, j) (mag_at0(ts, b + (j), b + (i)) + 0)
            double t12 = T(1, 2) + T(3, 4), t13 = T(1, 3) + T(2, 4), t14 = T(1, 4) + T(2, 3);
#undef T
            static const int o1324[4] = {1, 3, 2, 4}, o1234[4] = {1, 2, 3, 4}, o1243[4] = {1, 2, 4, 3};
            const int *o = t12 >= t13 && t12 >= t14 ? o1324 : t13 >= t14 ? o1234 : o1243;
            for (int e = 0; e < 4; e++) m->port[k][e] = b + o[e];
        }
        snprintf(m->layout, sizeof m->layout, n == 4 ? "4-port" : "blocks of four ports");
    } else if (halves) {
        for (int k = 0; k < m->nlanes; k++) {
            m->port[k][0] = 2 * k + 1, m->port[k][1] = 2 * k + 2;
            m->port[k][2] = 2 * k + 1 + n / 2, m->port[k][3] = 2 * k + 2 + n / 2;
        }
        snprintf(m->layout, sizeof m->layout, "halves (port p to p + %d)", n / 2);
    } else
        return p4_error(P4_EINVAL, "%s: the thru paths pair the ports neither in blocks of four nor in halves: give channel.lane_map",
                        ts->path);
    return P4_OK;
}

/* SDD(out pair of v <- in pair of a), or SDD11 of v (reflect): h[nfreq] */
static p4_status lane_term(const p4_touchstone *ts, const p4_lane_map *m, int v, int a, int reflect, double complex *h)
{
    if (v < 0 || v >= m->nlanes || a < 0 || a >= m->nlanes)
        return p4_error(P4_EINVAL, "%s: lane %d or %d is not one of the file's %d lanes", ts->path, v + 1, a + 1, m->nlanes);
    const int n = ts->nports;
    const int *pv = m->port[v], *pa = m->port[a];
    if (!pv[1]) { /* single-ended 2-port */
        for (size_t k = 0; k < ts->nfreq; k++) h[k] = ts->s[k * 4 + (reflect ? 0 : 2)];
        return P4_OK;
    }
    int ia = pa[0] - 1, ib = pa[1] - 1, oc = reflect ? pv[0] - 1 : pv[2] - 1, od = reflect ? pv[1] - 1 : pv[3] - 1;
    for (size_t k = 0; k < ts->nfreq; k++) {
        const double complex *S = ts->s + k * (size_t)n * n;
        h[k] = 0.5 * (S[oc * n + ia] - S[oc * n + ib] - S[od * n + ia] + S[od * n + ib]);
    }
    return P4_OK;
}

p4_status p4_touchstone_lane_sdd(const p4_touchstone *ts, const p4_lane_map *m, int victim, int aggressor, double complex *h)
{
    return lane_term(ts, m, victim, aggressor, 0, h);
}

p4_status p4_touchstone_lane_sdd11(const p4_touchstone *ts, const p4_lane_map *m, int lane, double complex *h)
{
    return lane_term(ts, m, lane, lane, 1, h);
}

/* ICN (IEEE 802.3 Annex 85A/92A form): sigma^2 = 2 df sum W(f) |XT(f)|^2 over f < f_b, with the
 * weight W(f) = (A^2/f_b) sinc^2(f/f_b) / (1 + (f/f_t)^4) / (1 + (f/f_r)^8), f_t = 0.2365 / T_t
 * (T_t the 20-80 % transition time), f_r = 0.75 f_b. The file's points are taken as the grid
 * (df their spacing, trapezoid weights). */
double p4_icn_mv(const double *f_hz, const double complex *xt, size_t n, double amp_v, double baud_hz, double t_rise_s)
{
    const double ft = 0.2365 / t_rise_s, fr = 0.75 * baud_hz;
    double acc = 0;
    for (size_t k = 0; k + 1 < n; k++) {
        double s = 0;
        for (int e = 0; e < 2; e++) {
            double f = f_hz[k + e];
            if (f <= 0 || f > baud_hz) continue;
            double x = M_PI * f / baud_hz, sinc = sin(x) / x;
            double w = amp_v * amp_v / baud_hz * sinc * sinc / (1 + pow(f / ft, 4)) / (1 + pow(f / fr, 8));
            double m = cabs(xt[k + e]);
            s += 0.5 * w * m * m;
        }
        acc += s * (f_hz[k + 1] - f_hz[k]);
    }
    return 1e3 * sqrt(2 * acc);
}
