/* cli_plot.c - pictures with PLplot, each written as PNG (pngcairo) and SVG (svg): the frame every
 * plot shares (grid, title above, units on the axes, legends inside the frame on a white box), the
 * channel's insertion loss, the pulse response and BER against a swept parameter. The eyes and
 * bathtubs are in cli_plot_eye.c. Files go through a temporary name and a rename, so a failed plot
 * leaves none.
 *
 * Scales follow the data a reader cares about: the insertion loss axis ends a little below the
 * largest loss up to 1.1 x Nyquist (a Touchstone file's data end well before the symbol rate and
 * the loss beyond them is not data); log axes label every few decades, so 19 decades read as 7.
 * PLplot's drivers write through a FILE we give them (plsfile) and close it themselves, ignoring
 * errors; so that FILE is a cookie stream over the file descriptor which remembers any failed write
 * and a failed close, and the rename happens only when every write and the close succeeded (a full
 * disk or a file size limit leaves no picture, and says so).
 */
#include "cli.h"
#include "cli_plot.h"
#include "pam4sim/pam4sim.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fmt_dev[PLOT_FORMATS] = {"pngcairo", "svg"}, *const fmt_ext[PLOT_FORMATS] = {"png", "svg"};
static char g_tmp[4096], g_final[4096];

/* The plot's output stream: its descriptor, and the first error of a write or of the close. */
static struct {
    int fd, err, closed;
} g_out;

static ssize_t out_write(void *c, const char *buf, size_t n)
{
    (void)c;
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(g_out.fd, buf + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            if (!g_out.err) g_out.err = w < 0 ? errno : ENOSPC;
            return -1;
        }
        done += (size_t)w;
    }
    return (ssize_t)n;
}

static int out_close(void *c)
{
    (void)c;
    int rc = close(g_out.fd);
    if (rc && !g_out.err) g_out.err = errno;
    g_out.closed = 1;
    return rc;
}

/* A FILE over a new file at path that remembers its errors; NULL (errno set) if it cannot be made. */
static FILE *out_open(const char *path)
{
    g_out.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    g_out.err = 0, g_out.closed = 0;
    if (g_out.fd < 0) return NULL;
    FILE *f = fopencookie(NULL, "w", (cookie_io_functions_t){.write = out_write, .close = out_close});
    if (!f) close(g_out.fd);
    return f;
}

int cli_plot_dir(const char *dir)
{
    if (strlen(dir) > 3000) { /* the file names inside it must fit g_tmp and g_final */
        fprintf(stderr, "pam4sim: --plot %.64s...: the path is longer than 3000 characters\n", dir);
        return 1;
    }
    if (mkdir(dir, 0777) && errno != EEXIST) {
        fprintf(stderr, "pam4sim: --plot %s: cannot create the folder: %s\n", dir, strerror(errno));
        return 1;
    }
    struct stat st;
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pam4sim: --plot %s: not a folder\n", dir);
        return 1;
    }
    return 0;
}

double plot_lg(double p, double floor) { return p > 0 ? fmax(log10(p), floor) : floor; }

void plot_target(double xa, double xb, double target, char *label, size_t n)
{
    PLFLT tx[2] = {xa, xb}, ty[2] = {log10(target), log10(target)};
    plcol0(C_TARGET);
    pllsty(2);
    plline(2, tx, ty);
    pllsty(1);
    snprintf(label, n, "target BER %.2g (measure.target_ber)", target);
}

void plot_begin(const char *dir, const char *name, int fmt, const char *title, const char *xl, const char *yl,
                double x0, double x1, double y0, double y1, int logy, int ydec, int right_margin)
{
    snprintf(g_final, sizeof g_final, "%s/%s.%s", dir, name, fmt_ext[fmt]);
    snprintf(g_tmp, sizeof g_tmp, "%s/.%s.tmp.%s", dir, name, fmt_ext[fmt]);
    plsdev(fmt_dev[fmt]);
    FILE *out = out_open(g_tmp);
    if (out) plsfile(out);
    else plsfnam("/dev/null"), g_out.err = errno ? errno : EIO, g_out.closed = 1; /* reported in end() */
    plspage(0, 0, 960, 640, 0, 0);
    plscolbg(255, 255, 255);
    plinit();
    plscol0(C_AXIS, 0, 0, 0);
    plscol0(C_TARGET, 210, 0, 0);
    plscol0(C_DATA, 0, 80, 200);
    plscol0(C_DATA2, 0, 150, 70);
    plscol0(C_GRID, 215, 215, 215);
    plscol0(C_MARK, 255, 255, 255);
    plscol0(C_CONTOUR, 40, 40, 40);
    pladv(0);
    plschr(0, 0.9);
    plvpor(logy ? 0.12 : 0.10, right_margin ? 0.80 : 0.95, 0.13, 0.90);
    plwind(x0, x1, y0, y1);
    plcol0(C_GRID);
    plbox("g", 0, 0, "g", logy ? ydec : 0, 0);
    plcol0(C_AXIS);
    if (logy) { /* y holds log10 values: ticks every decade, a label "10^k" every ydec decades */
        plbox("bcnst", 0, 0, "bcst", ydec, ydec);
        for (int k = (int)ceil(y0); k <= (int)floor(y1); k++)
            if (k % ydec == 0) {
                char t[32];
                snprintf(t, sizeof t, k ? "10#u%d#d" : "1", k);
                plmtex("lv", 0.6, (k - y0) / (y1 - y0), 1.0, t);
            }
    } else
        plbox("bcnst", 0, 0, "bcnstv", 0, 0);
    plmtex("t", 1.2, 0.5, 0.5, title);
    plmtex("b", 3.0, 0.5, 0.5, xl);
    plmtex("l", logy ? 4.6 : 3.6, 0.5, 0.5, yl);
}

int plot_end(void)
{
    plend();
    if (!g_out.closed && !g_out.err) g_out.err = EIO; /* the driver did not close its stream */
    struct stat st;
    if (g_out.err || stat(g_tmp, &st) || st.st_size == 0 || rename(g_tmp, g_final)) {
        fprintf(stderr, "pam4sim: %s: the plot was not written: %s\n", g_final, strerror(g_out.err ? g_out.err : errno));
        remove(g_tmp);
        return 1;
    }
    printf("plot         %s\n", g_final);
    return 0;
}

void plot_legend(int n, const plot_item *it, int pos, double scale)
{
    PLINT opt[8], tc[8], lc[8], ls[8], sc[8], sn[8];
    PLFLT lw[8], ss[8], w, h;
    const char *text[8], *sym[8];
    if (n > 8) n = 8;
    for (int i = 0; i < n; i++) {
        opt[i] = (it[i].style ? PL_LEGEND_LINE : 0) | (it[i].symbol ? PL_LEGEND_SYMBOL : 0);
        if (!opt[i]) opt[i] = PL_LEGEND_NONE;
        tc[i] = C_AXIS, lc[i] = sc[i] = it[i].color, ls[i] = it[i].style ? it[i].style : 1;
        lw[i] = it[i].width > 0 ? it[i].width : 1, ss[i] = 1, sn[i] = 1;
        sym[i] = it[i].symbol == 17 ? "\u25CF" : it[i].symbol == 4 ? "\u25CB" : "*"; /* as plpoin draws them */
        text[i] = it[i].text;
    }
    pllsty(1);
    pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, PL_POSITION_INSIDE | pos, 0.02, 0.03, 0.08,
             C_BG, C_AXIS, 1, 0, 0, n, opt, 1.0, scale, 1.8, 0, tc, text, NULL, NULL, NULL, NULL, lc, ls, lw, sc, ss,
             sn, sym);
    plwidth(1);
}

static int pulse_plot(const char *dir, const p4_link *l)
{
    p4_link_view v;
    p4_link_view_get(l, &v);
    int n = v.pulse_len, k0 = 0, k1 = n, pk = 0;
    for (int i = 0; i < n; i++)
        if (fabs(v.pulse[i]) > fabs(v.pulse[pk])) pk = i;
    /* from 5 UI before the peak to 25 after */
    k0 = pk - 5 * v.sps > 0 ? pk - 5 * v.sps : 0;
    k1 = pk + 25 * v.sps < n ? pk + 25 * v.sps : n;
    PLFLT *x = malloc((k1 - k0) * sizeof *x), *y = malloc((k1 - k0) * sizeof *y), sx[40], sy[40];
    double lo = 0, hi = 0;
    for (int i = k0; i < k1; i++) {
        x[i - k0] = (double)(i - pk) / v.sps, y[i - k0] = 1e3 * v.pulse[i];
        lo = fmin(lo, y[i - k0]), hi = fmax(hi, y[i - k0]);
    }
    int ns = 0;
    int c = v.cursor * v.sps + v.phase; /* the sampled cursors at the chosen phase */
    for (int m = -5; m <= 25 && ns < 40; m++) {
        int idx = c + m * v.sps;
        if (idx >= k0 && idx < k1) sx[ns] = (double)(idx - pk) / v.sps, sy[ns++] = 1e3 * v.pulse[idx];
    }
    int rc = 0;
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, "pulse", fmt, "pulse response at the sampler (before the RX FFE)", "time from the peak [UI]",
                   "amplitude [mV]", x[0], x[k1 - k0 - 1], lo - 0.05 * (hi - lo), hi + 0.25 * (hi - lo), 0, 0, 0);
        PLFLT zx[2] = {x[0], x[k1 - k0 - 1]}, zy[2] = {0, 0};
        plcol0(C_AXIS);
        plline(2, zx, zy);
        plcol0(C_DATA);
        plwidth(2);
        plline(k1 - k0, x, y);
        plwidth(1);
        plcol0(C_TARGET);
        plpoin(ns, sx, sy, 4);
        plot_item it[2] = {{"pulse response (one UI at the full swing)", C_DATA, 1, 2, 0},
                           {"cursors at the chosen sampling phase", C_TARGET, 0, 1, 4}};
        plot_legend(2, it, PL_POSITION_TOP | PL_POSITION_RIGHT, 0.85);
        rc |= plot_end();
    }
    free(x), free(y);
    return rc;
}

static int il_plot(const char *dir, const p4_link_info *in, double baud_gbd)
{
    PLFLT x[P4_IL_POINTS], y[P4_IL_POINTS], worst = 1;
    const double fny = baud_gbd / 2;
    for (int i = 0; i < in->il_n; i++) {
        x[i] = in->il_f_ghz[i], y[i] = -in->il_db[i];
        if (x[i] <= 1.1 * fny && in->il_db[i] < 200) worst = fmax(worst, in->il_db[i]);
    }
    /* the axis: to the next 5 dB below the largest loss up to 1.1 x Nyquist, with a 25 % margin
     * (losses above 200 dB are a Touchstone file's frequencies beyond its data, not a channel) */
    double bottom = -5 * ceil(1.25 * worst / 5);
    int rc = 0;
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, "insertion_loss", fmt, "channel insertion loss", "frequency [GHz]", "|H(f)| [dB]", 0,
                   baud_gbd, bottom, 0.02 * -bottom, 0, 0, 0);
        plcol0(C_DATA);
        plwidth(2);
        plline(in->il_n, x, y);
        plwidth(1);
        PLFLT nx[2] = {fny, fny}, ny[2] = {bottom, 0.02 * -bottom};
        plcol0(C_TARGET);
        pllsty(2);
        plline(2, nx, ny);
        pllsty(1);
        PLFLT px = fny, py = -in->channel_il_nyquist_db;
        plpoin(1, &px, &py, 17);
        char t[96];
        snprintf(t, sizeof t, "Nyquist %.4g GHz: %.2f dB", fny, in->channel_il_nyquist_db);
        plot_item it[2] = {{"channel |H(f)|", C_DATA, 1, 2, 0}, {t, C_TARGET, 2, 1, 17}};
        plot_legend(2, it, PL_POSITION_TOP | PL_POSITION_RIGHT, 0.85);
        rc |= plot_end();
    }
    return rc;
}

int plot_link(const char *dir, const p4_link *l, double baud_gbd)
{
    return pulse_plot(dir, l) | il_plot(dir, p4_link_info_get(l), baud_gbd);
}

int cli_plot_sweep(const char *dir, const char *key, int n, const double *x, const double *ber, const double *lo,
                   const double *hi, double target)
{
    if (cli_plot_dir(dir)) return 1;
    if (n < 1) return 0;
    PLFLT *y = malloc(n * sizeof *y), x0 = x[0], x1 = x[0];
    double ymin = log10(target) - 1;
    for (int i = 0; i < n; i++) {
        y[i] = plot_lg(ber[i], -18), ymin = fmin(ymin, y[i]);
        x0 = fmin(x0, x[i]), x1 = fmax(x1, x[i]);
    }
    if (x1 == x0) x0 -= 1, x1 += 1;
    double pad = 0.03 * (x1 - x0);
    ymin = floor(ymin) - 0.5;
    int rc = 0, dec = ymin < -9 ? 3 : 1;
    char tl[96];
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, "sweep_ber", fmt, "BER against the swept parameter", key, "BER", x0 - pad, x1 + pad, ymin, 0, 1,
                   dec, 0);
        plot_target(x0 - pad, x1 + pad, target, tl, sizeof tl);
        plcol0(C_DATA);
        plwidth(2);
        plline(n, (PLFLT *)x, y);
        plwidth(1);
        plpoin(n, (PLFLT *)x, y, 17);
        int ni = 2;
        if (lo && hi) {
            PLFLT *ylo = malloc(n * sizeof *ylo), *yhi = malloc(n * sizeof *yhi);
            for (int i = 0; i < n; i++) ylo[i] = plot_lg(lo[i], ymin), yhi[i] = plot_lg(hi[i], ymin);
            plerry(n, (PLFLT *)x, ylo, yhi);
            free(ylo), free(yhi);
            ni = 3;
        }
        plot_item it[3] = {{lo && hi ? "BER (Monte Carlo)" : "BER (statistical eye)", C_DATA, 1, 2, 17},
                           {tl, C_TARGET, 2, 1, 0},
                           {"95 % confidence interval", C_DATA, 0, 1, 0}};
        plot_legend(ni, it, PL_POSITION_BOTTOM | PL_POSITION_RIGHT, 0.85);
        rc |= plot_end();
    }
    free(y);
    return rc;
}

/* COM against the swept parameter (sweep --engine com), linear in dB, with the threshold. */
int cli_plot_sweep_com(const char *dir, const char *key, int n, const double *x, const double *com, double thr)
{
    if (cli_plot_dir(dir)) return 1;
    if (n < 1) return 0;
    double x0 = x[0], x1 = x[0], lo = thr, hi = thr;
    for (int i = 0; i < n; i++) {
        x0 = fmin(x0, x[i]), x1 = fmax(x1, x[i]);
        if (isfinite(com[i])) lo = fmin(lo, com[i]), hi = fmax(hi, com[i]);
    }
    if (x1 == x0) x0 -= 1, x1 += 1;
    double pad = 0.03 * (x1 - x0), ypad = fmax(0.5, 0.08 * (hi - lo));
    int rc = 0;
    char tl[64];
    snprintf(tl, sizeof tl, "threshold %g dB", thr);
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, "sweep_com", fmt, "COM against the swept parameter", key, "COM [dB]", x0 - pad, x1 + pad, lo - ypad,
                   hi + ypad, 0, 1, 0);
        PLFLT tx[2] = {x0 - pad, x1 + pad}, ty[2] = {thr, thr};
        plcol0(C_TARGET);
        pllsty(2);
        plline(2, tx, ty);
        pllsty(1);
        plcol0(C_DATA);
        plwidth(2);
        plline(n, (PLFLT *)x, (PLFLT *)com);
        plwidth(1);
        plpoin(n, (PLFLT *)x, (PLFLT *)com, 17);
        plot_item it[2] = {{"COM", C_DATA, 1, 2, 17}, {tl, C_TARGET, 2, 1, 0}};
        plot_legend(2, it, PL_POSITION_TOP | PL_POSITION_RIGHT, 0.85);
        rc |= plot_end();
    }
    return rc;
}

/* COM: the equalized victim's cursors and the lower tail of interference and noise, worst case. */
int cli_plot_com(const char *dir, const p4_com_result *r, double der0)
{
    if (cli_plot_dir(dir)) return 1;
    const p4_com_case *c = &r->c[r->worst_case];
    PLFLT x[P4_COM_PLOT_CURSORS], y[P4_COM_PLOT_CURSORS], lo = 0, hi = 0;
    for (int i = 0; i < P4_COM_PLOT_CURSORS; i++) {
        x[i] = i - P4_COM_PLOT_PRE, y[i] = 1e3 * c->cursors_v[i];
        lo = fmin(lo, y[i]), hi = fmax(hi, y[i]);
    }
    int rc = 0;
    char t[128];
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        plot_begin(dir, "com_pulse", fmt, "COM: equalized pulse at t_s (TX FFE, CTLE, RX FFE; before the DFE)", "cursor [UI]",
                   "cursor value [mV]", x[0] - 1, x[P4_COM_PLOT_CURSORS - 1] + 1, lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), 0, 1, 0);
        plcol0(C_DATA);
        for (int i = 0; i < P4_COM_PLOT_CURSORS; i++) {
            PLFLT sx[2] = {x[i], x[i]}, sy[2] = {0, y[i]};
            plline(2, sx, sy);
        }
        plpoin(P4_COM_PLOT_CURSORS, x, y, 4);
        plot_item it[1] = {{"equalized cursors (worst package case)", C_DATA, 1, 1, 4}};
        plot_legend(1, it, PL_POSITION_TOP | PL_POSITION_RIGHT, 0.85);
        rc |= plot_end();
    }
    PLFLT ty[P4_COM_PLOT_TAIL], tp[P4_COM_PLOT_TAIL];
    double floor = fmin(log10(der0) - 3, -8);
    for (int i = 0; i < P4_COM_PLOT_TAIL; i++) ty[i] = 1e3 * c->tail_y_v[i], tp[i] = plot_lg(c->tail_p[i], floor);
    for (int fmt = 0; fmt < PLOT_FORMATS; fmt++) {
        snprintf(t, sizeof t, "COM %.2f dB: lower tail of interference and noise", c->com_db);
        plot_begin(dir, "com_tail", fmt, t, "y [mV]", "P(N <= y)", ty[0], 0, floor, 0, 1, 3, 0);
        plcol0(C_DATA);
        plwidth(2);
        plline(P4_COM_PLOT_TAIL, ty, tp);
        plwidth(1);
        PLFLT dx[2] = {ty[0], 0}, dy[2] = {log10(der0), log10(der0)};
        plcol0(C_TARGET);
        pllsty(2);
        plline(2, dx, dy);
        PLFLT ax[2] = {-1e3 * c->a_ni_v, -1e3 * c->a_ni_v}, ay[2] = {floor, 0};
        plline(2, ax, ay);
        pllsty(1);
        PLFLT sx[2] = {-1e3 * c->a_s_v, -1e3 * c->a_s_v};
        plcol0(C_DATA2);
        plline(2, sx, ay);
        char l1[64], l2[64];
        snprintf(l1, sizeof l1, "DER0 %.2g and -A_ni %.3f mV", der0, 1e3 * c->a_ni_v);
        snprintf(l2, sizeof l2, "-A_s %.3f mV", 1e3 * c->a_s_v);
        plot_item it[3] = {{"P(N <= y)", C_DATA, 1, 2, 0}, {l1, C_TARGET, 2, 1, 0}, {l2, C_DATA2, 1, 1, 0}};
        plot_legend(3, it, PL_POSITION_TOP | PL_POSITION_LEFT, 0.85);
        rc |= plot_end();
    }
    return rc;
}
