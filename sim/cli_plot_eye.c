/* cli_plot_eye.c - eye diagrams and bathtubs for `stat --plot` and `run --plot` (PLplot).
 *
 * An eye is the log10 density of the slicer input over phase and amplitude in a perceptual colour
 * map (viridis: dark for rare, yellow for common; white where nothing lands) with a colour bar on
 * its scale, the BER contours drawn on the wrong-side probability map, the contour at
 * measure.target_ber thick and red, and each eye's opening (height and width, the figures the
 * report prints) as black bars with their values. The statistical eye has its own map (stat.h);
 * the Monte Carlo eye's is built from the counted histograms per transmitted level: above a
 * level's samples and below the next level's, the larger of the two tail fractions (so its
 * contour at p is where p4_eye_measure finds the eye's edges). The Monte Carlo eye is counted at
 * sim.sps phases per UI; between two counted phases the picture blends the two columns linearly
 * (a display aid: raise sim.sps for a finer eye). Its bathtub is counted too: half the symbol
 * error ratio at the slicer thresholds (Gray coding: one bit per symbol error), down to the one
 * error its samples can show.
 */
#include "cli.h"
#include "cli_plot.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *name, *title, *contours_text;
    int nx, ny, up;       /* phases, amplitude bins, display columns per phase */
    double vr;            /* amplitude range +-vr (normalized: outer levels at +-1) */
    const double *disp;   /* [(nx - 1) * up + 1][ny] probability per bin, the picture */
    double zfloor;        /* log10 of the least probability shown (the colour bar's foot) */
    const double *map;    /* [nx][ny] wrong-side probability */
    const double *lev;    /* thin contours (probabilities) */
    int nlev;
    double target, open_ber;
    const double *th, *height, *width; /* thresholds; the reported openings at open_ber */
} eye_pic;

static void viridis(void)
{
    PLFLT pos[5] = {0, 0.25, 0.5, 0.75, 1}, r[5] = {0.267, 0.229, 0.128, 0.369, 0.993},
          g[5] = {0.005, 0.322, 0.567, 0.789, 0.906}, b[5] = {0.329, 0.546, 0.551, 0.383, 0.144};
    plscmap1n(256);
    plscmap1l(1, 5, pos, r, g, b, NULL);
}

static void colour_bar(double zmin, double zmax)
{
    PLFLT w, h, vals[2] = {zmin, zmax}, ticks[1] = {zmax - zmin > 8 ? 2 : 1};
    const PLFLT *values[1] = {vals};
    PLINT nvals[1] = {2}, sub[1] = {0}, lopt[1] = {PL_COLORBAR_LABEL_RIGHT};
    const char *labels[1] = {"log10 probability per amplitude bin"}, *axis[1] = {"bcvtm"};
    plcol0(C_AXIS);
    plcolorbar(&w, &h, PL_COLORBAR_IMAGE, PL_POSITION_RIGHT | PL_POSITION_OUTSIDE | PL_POSITION_VIEWPORT, 0.02, 0,
               0.035, 0.9, C_BG, C_AXIS, 1, 0, 0, 0, 0, 1, lopt, labels, 1, axis, ticks, sub, nvals, values);
}

/* An eye's opening at probability p: at the centre phase column, the least-map bin within a third
 * of a level spacing (2/3, normalized) of threshold th is the eye's centre; from it, the bins and
 * phase columns where the map stays below p. 0 if the eye is closed there. */
static int opening_at(const eye_pic *e, double th, double p, double *v_lo, double *v_hi, double *x_lo, double *x_hi,
                      double *v_c)
{
    const double dv = 2 * e->vr / e->ny;
    const int q0 = e->nx / 2, span = (int)(2.0 / 9 / dv);
    const double *m0 = e->map + (size_t)q0 * e->ny;
    int b0 = (int)floor((th + e->vr) / dv);
    for (int b = b0 - span, best = b0; b <= b0 + span; b++)
        if (b >= 0 && b < e->ny && m0[b] < m0[best]) best = b, b0 = b;
    if (b0 < 0 || b0 >= e->ny || !(m0[b0] < p)) return 0;
    int lo = b0, hi = b0, l = q0, r = q0;
    while (lo > 0 && m0[lo - 1] < p) lo--;
    while (hi < e->ny - 1 && m0[hi + 1] < p) hi++;
    while (l > 0 && e->map[(size_t)(l - 1) * e->ny + b0] < p) l--;
    while (r < e->nx - 1 && e->map[(size_t)(r + 1) * e->ny + b0] < p) r++;
    *v_lo = -e->vr + lo * dv, *v_hi = -e->vr + (hi + 1) * dv, *v_c = -e->vr + (b0 + 0.5) * dv;
    *x_lo = (l - q0 - 0.5) / e->nx, *x_hi = (r - q0 + 0.5) / e->nx;
    return 1;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The colour bar's foot: the 2nd percentile of the drawn bins' log10 probabilities (so the colours
 * spread over what the picture holds), at least zfloor, at most a decade below the top. */
static double colour_floor(PLFLT **z, int nd, int ny, double zfloor, double zmax)
{
    double *v = malloc((size_t)nd * ny * sizeof *v), f = zmax - 1;
    size_t m = 0;
    for (int k = 0; k < nd; k++)
        for (int j = 0; j < ny; j++)
            if (z[k][j] > -30) v[m++] = z[k][j];
    if (m) {
        qsort(v, m, sizeof *v, cmp_dbl);
        f = fmin(f, v[m / 50]);
    }
    free(v);
    return fmax(f, zfloor);
}

static int eye_plot(const char *dir, const eye_pic *e)
{
    const int nx = e->nx, ny = e->ny, up = e->up, nd = (nx - 1) * up + 1;
    PLFLT **z, **zc, *xg = malloc(nx * sizeof *xg), *yg = malloc(ny * sizeof *yg);
    plAlloc2dGrid(&z, nd, ny);
    plAlloc2dGrid(&zc, nx, ny);
    double zmax = -40;
    for (int k = 0; k < nd; k++)
        for (int j = 0; j < ny; j++) {
            z[k][j] = plot_lg(e->disp[(size_t)k * ny + j], -30);
            zmax = fmax(zmax, z[k][j]);
        }
    for (int i = 0; i < nx; i++) {
        xg[i] = (double)(i - nx / 2) / nx;
        for (int j = 0; j < ny; j++) zc[i][j] = plot_lg(e->map[(size_t)i * ny + j], -30);
    }
    for (int j = 0; j < ny; j++) yg[j] = -e->vr + (j + 0.5) * 2 * e->vr / ny;
    PLcGrid cg = {xg, yg, NULL, nx, ny, 0};
    PLFLT lev[32], tl = log10(e->target);
    for (int k = 0; k < e->nlev && k < 32; k++) lev[k] = log10(e->lev[k]);
    const double zmin = colour_floor(z, nd, ny, e->zfloor, zmax), hx = 0.5 / ((double)nx * up);
    const double x0 = xg[0] - hx, x1 = xg[nx - 1] + hx;
    char tt[96], ot[96];
    snprintf(tt, sizeof tt, "BER %.2g: the target (measure.target_ber)", e->target);
    snprintf(ot, sizeof ot, "openings at BER %.2g: height / width", e->open_ber);
    int rc = 0;
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, e->name, fmt, e->title, "phase offset from the chosen sampling phase [UI]",
                   "slicer input (outer levels at +-1)", -0.5, 0.5, -e->vr, 1.3 * e->vr, 0, 0, 1); /* room for the legend */
        viridis();
        /* SVG draws every cell as a rectangle: at most 128 amplitude rows there (bins merged) */
        int m = fmt == 1 && ny > 128 ? ny / 128 : 1, ny2 = ny / m;
        PLFLT **zi = z;
        if (m > 1) {
            plAlloc2dGrid(&zi, nd, ny2);
            for (int i = 0; i < nd; i++)
                for (int j = 0; j < ny2; j++) {
                    double acc = 0;
                    for (int k = 0; k < m; k++) acc += pow(10, z[i][j * m + k]);
                    zi[i][j] = plot_lg(acc / m, -30);
                }
        }
        plimage((PLFLT_MATRIX)zi, nd, ny2, x0, x1, -e->vr, e->vr, zmin, zmax, x0, x1, -e->vr, e->vr);
        if (m > 1) plFree2dGrid(zi, nd, ny2);
        if (e->nlev) {
            plcol0(C_CONTOUR);
            plcont((PLFLT_MATRIX)zc, nx, ny, 1, nx, 1, ny, lev, e->nlev, pltr1, &cg);
        }
        plcol0(C_TARGET);
        plwidth(3);
        plcont((PLFLT_MATRIX)zc, nx, ny, 1, nx, 1, ny, &tl, 1, pltr1, &cg);
        plwidth(2);
        plcol0(C_AXIS);
        for (int k = 0; k < 3; k++) {
            double vlo, vhi, xlo, xhi, vc;
            if (!(e->height[k] > 0) || !opening_at(e, e->th[k], e->open_ber, &vlo, &vhi, &xlo, &xhi, &vc)) continue;
            PLFLT cx = 0, cy = vc, ylo = vlo, yhi = vhi, xl = xlo, xr = xhi;
            plerry(1, &cx, &ylo, &yhi);
            plerrx(1, &xl, &xr, &cy);
            char t[64];
            snprintf(t, sizeof t, "%.3f / %.3f UI", e->height[k], e->width[k]);
            plschr(0, 0.75);
            plptex(fmax(xhi, 0.14) + 0.03, vc, 1, 0, 0, t);
            plschr(0, 0.9);
        }
        plwidth(1);
        plot_item it[3] = {{e->contours_text, C_CONTOUR, e->nlev ? 1 : 0, 1, 0}, {tt, C_TARGET, 1, 3, 0},
                           {ot, C_AXIS, 1, 2, 0}};
        plot_legend(e->nlev ? 3 : 2, e->nlev ? it : it + 1, PL_POSITION_TOP | PL_POSITION_LEFT, 0.7);
        colour_bar(zmin, zmax);
        rc |= plot_end();
    }
    plFree2dGrid(z, nd, ny);
    plFree2dGrid(zc, nx, ny);
    free(xg), free(yg);
    return rc;
}

/* A bathtub: y = log10 probability against x, the target line, each labelled. */
static int bathtub_plot(const char *dir, const char *name, const char *title, const char *xl, const char *what, int n,
                        const PLFLT *x, const PLFLT *y, double xa, double xb, double target, const char *floor_text)
{
    const int points = floor_text != NULL; /* the counted bathtub: a point per counted phase */
    char tt[96];
    int rc = 0;
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, name, fmt, title, xl, "probability", xa, xb, -18, 0, 1, 3, 0);
        plot_target(xa, xb, target, tt, sizeof tt);
        plcol0(C_DATA);
        plwidth(2);
        /* draw runs of points that have a value (the counted bathtub has none below one error) */
        for (int i = 0; i < n;) {
            int j = i;
            while (j < n && isfinite(y[j])) j++;
            if (j - i > 1) plline(j - i, x + i, y + i);
            else if (j - i == 1) plpoin(1, (PLFLT *)x + i, (PLFLT *)y + i, 17);
            if (points && j > i) plpoin(j - i, (PLFLT *)x + i, (PLFLT *)y + i, 17);
            i = j + 1;
        }
        plwidth(1);
        plot_item it[3] = {{what, C_DATA, 1, 2, points ? 17 : 0}, {tt, C_TARGET, 2, 1, 0}, {floor_text, C_AXIS, 0, 1, 0}};
        plot_legend(floor_text ? 3 : 2, it, PL_POSITION_BOTTOM | PL_POSITION_RIGHT, 0.85);
        rc |= plot_end();
    }
    return rc;
}

int cli_plot_stat(const char *dir, const p4_link *l, const p4_stat_result *r, const p4_config *c)
{
    if (cli_plot_dir(dir)) return 1;
    double lev[P4_STAT_DECADES];
    for (int k = 0; k < P4_STAT_DECADES; k++) lev[k] = p4_stat_decade_ber(k);
    eye_pic e = {"eye", "statistical eye at the slicer input", "BER contours 1e-3 ... 1e-15, one per decade",
                 r->nphase, r->nbins, 1, P4_STAT_RANGE, r->density, -30, r->ber_map, lev, P4_STAT_DECADES,
                 c->target_ber, r->eye_ber, p4_link_thresholds(l), r->eye_height, r->eye_width_ui};
    int rc = eye_plot(dir, &e);
    int np = r->nphase, nb = r->nbins, q0 = np / 2;
    PLFLT *x = malloc(nb * sizeof *x), *y = malloc(nb * sizeof *y), hx[P4_EYE_MAX_SPS], hy[P4_EYE_MAX_SPS];
    for (int k = 0; k < nb; k++)
        x[k] = -P4_STAT_RANGE + (k + 0.5) * r->dv, y[k] = plot_lg(r->ber_map[(size_t)q0 * nb + k], -18);
    for (int q = 0; q < np; q++) hx[q] = (double)(q - q0) / np, hy[q] = plot_lg(r->hbathtub[q], -18);
    rc |= bathtub_plot(dir, "bathtub_vertical", "vertical bathtub at the chosen sampling phase",
                       "slicer threshold (outer levels at +-1)", "probability of the wrong side (statistical)", nb, x,
                       y, -1.2, 1.2, c->target_ber, NULL);
    rc |= bathtub_plot(dir, "bathtub_horizontal", "horizontal bathtub: BER at the slicer thresholds",
                       "phase offset from the chosen sampling phase [UI]", "BER (statistical)", np, hx, hy, -0.5, 0.5,
                       c->target_ber, NULL);
    free(x), free(y);
    return rc | plot_link(dir, l, c->baud_gbd);
}

#define UP 8 /* display columns per counted phase of the Monte Carlo eye */

/* Add mass spread evenly over [x0, x1] to the bins (width dv from -range) of d. */
static void spread(double *d, int nb, double dv, double range, double x0, double x1, double mass)
{
    double a = (x0 + range) / dv, b = (x1 + range) / dv;
    if (b - a < 1e-9) {
        int k = (int)floor(a);
        if (k >= 0 && k < nb) d[k] += mass;
        return;
    }
    for (int k = (int)floor(a) > 0 ? (int)floor(a) : 0; k < nb && k < b; k++) {
        double lo = fmax(a, k), hi = fmin(b, k + 1);
        if (hi > lo) d[k] += mass * (hi - lo) / (b - a);
    }
}

/* Quantile of a piecewise-linear CDF c[0..nb] (c[0] = 0, c[nb] = 1) over bin edges -range + b dv,
 * walking *b forward (u only grows). */
static double quantile(const double *c, int nb, double dv, double range, double u, int *b)
{
    while (*b < nb - 1 && c[*b + 1] <= u) (*b)++;
    double w = c[*b + 1] - c[*b];
    return -range + (*b + (w > 0 ? (u - c[*b]) / w : 0)) * dv;
}

/* One display column between counted phases a and b (fraction t of the way): each level's
 * distribution moved by interpolating its quantile function (the trace slides from one phase to
 * the next instead of fading), weighted by the level's share of the samples. */
static void blend_column(const double *ca, const double *cb, const double *share, int nb, double dv, double t,
                         double *out)
{
    for (int lv = 0; lv < 4; lv++) {
        const double *A = ca + (size_t)lv * (nb + 1), *B = cb + (size_t)lv * (nb + 1);
        if (!(share[lv] > 0) || !(A[nb] > 0) || !(B[nb] > 0)) continue;
        int ia = 0, ib = 0, ka = 0, kb = 0;
        double u = 0, xa = quantile(A, nb, dv, P4_EYE_RANGE, 0, &ka), xb = quantile(B, nb, dv, P4_EYE_RANGE, 0, &kb);
        double x = (1 - t) * xa + t * xb;
        while (ia < nb || ib < nb) { /* the next breakpoint of either CDF */
            double ua = ia < nb ? A[ia + 1] : 2, ub = ib < nb ? B[ib + 1] : 2, un = fmin(fmin(ua, ub), 1);
            if (ua <= un) ia++;
            if (ub <= un) ib++;
            if (un <= u) continue;
            double xn = (1 - t) * quantile(A, nb, dv, P4_EYE_RANGE, un, &ka) + t * quantile(B, nb, dv, P4_EYE_RANGE, un, &kb);
            spread(out, nb, dv, P4_EYE_RANGE, x, xn, share[lv] * (un - u));
            u = un, x = xn;
            if (u >= 1) break;
        }
    }
}

/* The Monte Carlo eye from the counted histograms: the picture (UP columns per phase), the
 * wrong-side map, and the bathtub (log10 BER per phase; NAN where no error was counted). */
static void mc_maps(const p4_counts *n, const double th[3], double *disp, double *map, PLFLT *hb)
{
    const int sps = n->sps > 0 ? n->sps : 1, nb = P4_EYE_BINS;
    const double dv = 2 * P4_EYE_RANGE / nb;
    double *cum = malloc((size_t)sps * 4 * (nb + 1) * sizeof *cum), share[P4_EYE_MAX_SPS][4];
    int tb[3];
    for (int e = 0; e < 3; e++) tb[e] = (int)floor((th[e] + P4_EYE_RANGE) / dv);
    for (int q = 0; q < sps; q++) {
        double tot[4], all = 0;
        for (int lv = 0; lv < 4; lv++) { /* fraction of a level's samples below bin edge b */
            const uint32_t *h = n->eye + ((size_t)lv * sps + q) * nb;
            double *c = cum + ((size_t)q * 4 + lv) * (nb + 1), s = 0;
            for (int b = 0; b < nb; b++) c[b] = s, s += h[b];
            c[nb] = s, tot[lv] = s, all += s;
            for (int b = 0; b <= nb; b++) c[b] = s > 0 ? c[b] / s : 0;
        }
        for (int lv = 0; lv < 4; lv++) share[q][lv] = all > 0 ? tot[lv] / all : 0;
        const double *c = cum + (size_t)q * 4 * (nb + 1);
        for (int b = 0; b < nb; b++) {
            double v = -P4_EYE_RANGE + (b + 0.5) * dv;
            int e = fabs(v - th[0]) < fabs(v - th[1]) ? 0 : fabs(v - th[1]) < fabs(v - th[2]) ? 1 : 2;
            double above = 1 - c[(size_t)e * (nb + 1) + b + 1], below = c[(size_t)(e + 1) * (nb + 1) + b];
            map[(size_t)q * nb + b] = fmax(above, below);
        }
        double ser = 0;
        for (int lv = 0; lv < 4; lv++) {
            const double *cl = c + (size_t)lv * (nb + 1);
            if (lv > 0) ser += cl[tb[lv - 1]];
            if (lv < 3) ser += 1 - cl[tb[lv] + 1];
        }
        hb[q] = ser > 0 ? log10(ser / 4 / 2) : NAN;
    }
    const size_t nd = (size_t)(sps - 1) * UP + 1;
    memset(disp, 0, nd * nb * sizeof *disp);
    for (int k = 0; k < (int)nd; k++) {
        int i = k / UP, i1 = i + 1 < sps ? i + 1 : i;
        double t = (double)(k % UP) / UP, sh[4];
        for (int lv = 0; lv < 4; lv++) sh[lv] = (1 - t) * share[i][lv] + t * share[i1][lv];
        blend_column(cum + (size_t)i * 4 * (nb + 1), cum + (size_t)i1 * 4 * (nb + 1), sh, nb, dv, t,
                     disp + (size_t)k * nb);
    }
    free(cum);
}

int cli_plot_run(const char *dir, const p4_link *l, const p4_counts *n, const p4_config *c)
{
    if (cli_plot_dir(dir)) return 1;
    int rc = 0;
    if (n->eye && n->eye_symbols) {
        const int sps = n->sps;
        const double *th = p4_link_thresholds(l);
        double *disp = malloc((size_t)((sps - 1) * UP + 1) * P4_EYE_BINS * sizeof *disp),
               *map = malloc((size_t)sps * P4_EYE_BINS * sizeof *map);
        PLFLT hb[P4_EYE_MAX_SPS], hx[P4_EYE_MAX_SPS];
        mc_maps(n, th, disp, map, hb);
        p4_eye eye;
        p4_eye_measure(n, th, c->eye_ber, &eye);
        char title[128], floor_text[96];
        snprintf(title, sizeof title, "Monte Carlo eye at the slicer input (%llu symbols, %d phases/UI)",
                 (unsigned long long)n->eye_symbols, sps);
        eye_pic e = {"eye", title, NULL, sps, P4_EYE_BINS, UP, P4_EYE_RANGE, disp, log10(0.5 / (double)n->eye_symbols), map, NULL, 0,
                     c->target_ber, c->eye_ber, th, eye.height, eye.width_ui};
        rc |= eye_plot(dir, &e);
        for (int q = 0; q < sps; q++) hx[q] = (double)(q - sps / 2) / sps;
        snprintf(floor_text, sizeof floor_text, "no line: no error counted (below %.1e)",
                 1.0 / (2.0 * (double)n->eye_symbols));
        rc |= bathtub_plot(dir, "bathtub_horizontal", "horizontal bathtub: BER at the slicer thresholds (counted)",
                           "phase offset from the chosen sampling phase [UI]", "BER (Monte Carlo, symbol errors / 2)",
                           sps, hx, hb, -0.5, 0.5, c->target_ber, floor_text);
        free(disp), free(map);
    }
    return rc | plot_link(dir, l, c->baud_gbd);
}
