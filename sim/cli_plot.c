/* cli_plot.c - pictures with PLplot, each written as PNG (pngcairo) and SVG (svg): the eye density
 * with BER contours, bathtubs, BER against a swept parameter, the pulse response and the channel's
 * insertion loss. Files go through a temporary name and a rename, so a failed plot leaves none.
 * PLplot's drivers write through a FILE we give them (plsfile) and close it themselves, ignoring
 * errors; so that FILE is a cookie stream over the file descriptor which remembers any failed write
 * and a failed close, and the rename happens only when every write and the close succeeded (a full
 * disk or a file size limit leaves no picture, and says so). */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <errno.h>
#include <math.h>
#include <plplot.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fmt_dev[2] = {"pngcairo", "svg"}, *const fmt_ext[2] = {"png", "svg"};
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

static void begin(const char *dir, const char *name, int fmt, const char *title, const char *xl, const char *yl,
                  double x0, double x1, double y0, double y1, int axis)
{
    snprintf(g_final, sizeof g_final, "%s/%s.%s", dir, name, fmt_ext[fmt]);
    snprintf(g_tmp, sizeof g_tmp, "%s/.%s.tmp.%s", dir, name, fmt_ext[fmt]);
    plsdev(fmt_dev[fmt]);
    FILE *out = out_open(g_tmp);
    if (out) plsfile(out);
    else plsfnam("/dev/null"), g_out.err = errno ? errno : EIO, g_out.closed = 1; /* reported in end() */
    plspage(0, 0, 900, 640, 0, 0);
    plscolbg(255, 255, 255);
    plinit();
    plscol0(1, 0, 0, 0);   /* axes and text: black */
    plscol0(2, 200, 0, 0); /* target lines: red */
    plscol0(3, 0, 70, 200); /* data: blue */
    plscol0(4, 0, 140, 60);
    plcol0(1);
    plenv(x0, x1, y0, y1, 0, axis);
    pllab(xl, yl, title);
}

static int end(void)
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

/* The log10 of a probability, floored for display. */
static double lg(double p, double floor) { return p > 0 ? fmax(log10(p), floor) : floor; }

/* Density image (log10 probability per bin) over phase x amplitude, with contours of cmap on top. */
static int eye_image(const char *dir, const char *name, const char *title, int nx, int ny, const double *dens,
                     const double *cmap, double v_range)
{
    PLFLT **z, **zc = NULL, *xg = malloc(nx * sizeof *xg), *yg = malloc(ny * sizeof *yg);
    plAlloc2dGrid(&z, nx, ny);
    if (cmap) plAlloc2dGrid(&zc, nx, ny);
    double zmax = -40;
    for (int i = 0; i < nx; i++) {
        xg[i] = (i - nx / 2 + 0.5) / nx;
        for (int j = 0; j < ny; j++) {
            z[i][j] = lg(dens[(size_t)i * ny + j], -18);
            zmax = fmax(zmax, z[i][j]);
            if (cmap) zc[i][j] = lg(cmap[(size_t)i * ny + j], -30);
        }
    }
    for (int j = 0; j < ny; j++) yg[j] = -v_range + (j + 0.5) * 2 * v_range / ny;
    PLcGrid cg = {xg, yg, NULL, nx, ny, 0};
    PLFLT lev[P4_STAT_DECADES];
    for (int k = 0; k < P4_STAT_DECADES; k++) lev[k] = log10(p4_stat_decade_ber(k));
    int rc = 0;
    for (int fmt = 0; fmt < 2; fmt++) {
        begin(dir, name, fmt, title, "phase offset [UI]", "slicer input (outer levels at +-1)", -0.5, 0.5, -v_range,
              v_range, 0);
        plscmap1n(256);
        PLFLT pos[3] = {0, 0.5, 1}, r[3] = {1, 0.3, 0.9}, g[3] = {1, 0.5, 0.1}, b[3] = {1, 0.9, 0.1};
        plscmap1l(1, 3, pos, r, g, b, NULL);
        /* SVG draws every cell as a rectangle: at most 128 amplitude rows there (bins merged) */
        int m = fmt == 1 && ny > 128 ? ny / 128 : 1, ny2 = ny / m;
        PLFLT **zi = z;
        if (m > 1) {
            plAlloc2dGrid(&zi, nx, ny2);
            for (int i = 0; i < nx; i++)
                for (int j = 0; j < ny2; j++) {
                    double acc = 0;
                    for (int k = 0; k < m; k++) acc += dens[(size_t)i * ny + j * m + k];
                    zi[i][j] = lg(acc / m, -18);
                }
        }
        plimage((PLFLT_MATRIX)zi, nx, ny2, -0.5, 0.5, -v_range, v_range, zmax - 12, zmax, -0.5, 0.5, -v_range, v_range);
        if (m > 1) plFree2dGrid(zi, nx, ny2);
        if (cmap) {
            plcol0(1);
            plcont((PLFLT_MATRIX)zc, nx, ny, 1, nx, 1, ny, lev, P4_STAT_DECADES, pltr1, &cg);
            plmtex("t", 0.3, 1.0, 1.0, "contours: BER 1e-3 ... 1e-15, one per decade");
        }
        rc |= end();
    }
    plFree2dGrid(z, nx, ny);
    if (zc) plFree2dGrid(zc, nx, ny);
    free(xg), free(yg);
    return rc;
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
    for (int fmt = 0; fmt < 2; fmt++) {
        begin(dir, "pulse", fmt, "pulse response at the sampler (before the RX FFE)", "time from the peak [UI]", "[mV]",
              x[0], x[k1 - k0 - 1], lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), 1);
        plcol0(3);
        plline(k1 - k0, x, y);
        plcol0(2);
        plpoin(ns, sx, sy, 4);
        plcol0(1);
        plmtex("t", 0.3, 1.0, 1.0, "circles: the cursors at the chosen sampling phase");
        rc |= end();
    }
    free(x), free(y);
    return rc;
}

static int il_plot(const char *dir, const p4_link_info *in, double baud_gbd)
{
    PLFLT x[P4_IL_POINTS], y[P4_IL_POINTS], hi = 1;
    for (int i = 0; i < in->il_n; i++) x[i] = in->il_f_ghz[i], y[i] = -in->il_db[i], hi = fmax(hi, in->il_db[i]);
    int rc = 0;
    for (int fmt = 0; fmt < 2; fmt++) {
        begin(dir, "insertion_loss", fmt, "channel insertion loss", "frequency [GHz]", "|H| [dB]", 0, baud_gbd, -1.1 * hi,
              0.05 * hi, 1);
        plcol0(3);
        plline(in->il_n, x, y);
        PLFLT nx[2] = {baud_gbd / 2, baud_gbd / 2}, ny[2] = {-1.1 * hi, 0.05 * hi};
        plcol0(2);
        pllsty(2);
        plline(2, nx, ny);
        pllsty(1);
        char t[96];
        snprintf(t, sizeof t, "%.2f dB at Nyquist (%.4g GHz)", in->channel_il_nyquist_db, baud_gbd / 2);
        plcol0(1);
        plmtex("t", 0.3, 1.0, 1.0, t);
        rc |= end();
    }
    return rc;
}

static int bathtubs(const char *dir, const p4_stat_result *r, double target)
{
    int np = r->nphase, nb = r->nbins, q0 = np / 2, rc = 0;
    PLFLT *x = malloc(nb * sizeof *x), *y = malloc(nb * sizeof *y), hx[P4_EYE_MAX_SPS], hy[P4_EYE_MAX_SPS];
    for (int k = 0; k < nb; k++) x[k] = -P4_STAT_RANGE + (k + 0.5) * r->dv, y[k] = lg(r->ber_map[(size_t)q0 * nb + k], -18);
    for (int q = 0; q < np; q++) hx[q] = (double)(q - q0) / np, hy[q] = lg(r->hbathtub[q], -18);
    PLFLT tx[2] = {-P4_STAT_RANGE, P4_STAT_RANGE}, ty[2] = {log10(target), log10(target)};
    for (int fmt = 0; fmt < 2; fmt++) {
        begin(dir, "bathtub_vertical", fmt, "vertical bathtub at the chosen phase", "threshold (outer levels at +-1)",
              "probability of the wrong side", -1.2, 1.2, -18, 0, 20);
        plcol0(3);
        plline(nb, x, y);
        plcol0(2);
        plline(2, tx, ty);
        rc |= end();
        begin(dir, "bathtub_horizontal", fmt, "horizontal bathtub: BER at the slicer thresholds", "phase offset [UI]", "BER",
              -0.5, 0.5, -18, 0, 20);
        plcol0(3);
        plline(np, hx, hy);
        PLFLT tx2[2] = {-0.5, 0.5};
        plcol0(2);
        plline(2, tx2, ty);
        rc |= end();
    }
    free(x), free(y);
    return rc;
}

int cli_plot_stat(const char *dir, const p4_link *l, const p4_stat_result *r, const p4_config *c)
{
    if (cli_plot_dir(dir)) return 1;
    int rc = eye_image(dir, "eye", "statistical eye: density and BER contours", r->nphase, r->nbins, r->density, r->ber_map,
                       P4_STAT_RANGE);
    rc |= bathtubs(dir, r, c->target_ber);
    rc |= pulse_plot(dir, l);
    rc |= il_plot(dir, p4_link_info_get(l), c->baud_gbd);
    return rc;
}

int cli_plot_run(const char *dir, const p4_link *l, const p4_counts *n, const p4_config *c)
{
    if (cli_plot_dir(dir)) return 1;
    int rc = 0;
    if (n->eye && n->eye_symbols) {
        int sps = n->sps;
        double *d = calloc((size_t)sps * P4_EYE_BINS, sizeof *d), tot = (double)n->eye_symbols;
        for (int lv = 0; lv < 4; lv++)
            for (int q = 0; q < sps; q++)
                for (int b = 0; b < P4_EYE_BINS; b++)
                    d[(size_t)q * P4_EYE_BINS + b] += n->eye[((size_t)lv * sps + q) * P4_EYE_BINS + b] / tot;
        rc |= eye_image(dir, "eye", "Monte Carlo eye at the slicer input (density)", sps, P4_EYE_BINS, d, NULL, P4_EYE_RANGE);
        free(d);
    }
    rc |= pulse_plot(dir, l);
    rc |= il_plot(dir, p4_link_info_get(l), c->baud_gbd);
    return rc;
}

int cli_plot_sweep(const char *dir, const char *key, int n, const double *x, const double *ber, const double *lo,
                   const double *hi, double target)
{
    if (cli_plot_dir(dir)) return 1;
    if (n < 1) return 0;
    PLFLT *y = malloc(n * sizeof *y), x0 = x[0], x1 = x[0];
    double ymin = log10(target) - 1;
    for (int i = 0; i < n; i++) {
        y[i] = lg(ber[i], -18), ymin = fmin(ymin, y[i]);
        x0 = fmin(x0, x[i]), x1 = fmax(x1, x[i]);
    }
    if (x1 == x0) x0 -= 1, x1 += 1;
    ymin = floor(ymin) - 0.5;
    int rc = 0;
    char xl[128];
    snprintf(xl, sizeof xl, "%s", key);
    for (int fmt = 0; fmt < 2; fmt++) {
        begin(dir, "sweep_ber", fmt, "BER against the swept parameter", xl, "BER", x0, x1, ymin, 0, 20);
        plcol0(3);
        plline(n, (PLFLT *)x, y);
        plpoin(n, (PLFLT *)x, y, 17);
        if (lo && hi) {
            PLFLT *ylo = malloc(n * sizeof *ylo), *yhi = malloc(n * sizeof *yhi);
            for (int i = 0; i < n; i++) ylo[i] = lg(lo[i], ymin), yhi[i] = lg(hi[i], ymin);
            plerry(n, (PLFLT *)x, ylo, yhi);
            free(ylo), free(yhi);
        }
        PLFLT tx[2] = {x0, x1}, ty[2] = {log10(target), log10(target)};
        plcol0(2);
        plline(2, tx, ty);
        plcol0(1);
        plmtex("t", 0.3, 1.0, 1.0, "red: measure.target_ber");
        rc |= end();
    }
    free(y);
    return rc;
}
