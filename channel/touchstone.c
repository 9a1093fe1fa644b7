/* touchstone.c - Touchstone v1/v2 reader, renormalization and differential figures.
 *
 * The parser reads the whole file, walks it line by line and keeps a flat stream of numbers with the
 * line each came from: a frequency point is 1 + 2*N*N numbers wherever the line breaks fall, which is
 * how version 1 files of more than two ports wrap. Errors carry the file and line.
 * Causality check: SDD21 is resampled onto a uniform grid, Hann-windowed over its band (to keep the
 * band-edge truncation from ringing) and inverse transformed; energy in the second half of the
 * period is energy at negative time. Above 1e-3 of the total we warn. The grid step is the file's
 * smallest step, but never finer than fmax / P4_TS_CAUSAL_POINTS: a file with one tiny step (0, 1 Hz,
 * 100 GHz) would otherwise ask for a transform of 2^44 points; the coarser grid only smooths the
 * check. Every allocation is checked.
 * Hostile numbers: each value is checked against its range before it is converted (a frequency up to
 * P4_TS_MAX_HZ, a magnitude up to P4_TS_MAX_MAG linear or its dB), so no infinity or NaN gets in.
 */
#include "pam4sim/touchstone.h"
#include <ctype.h>
#include <errno.h>
#include <fftw3.h>
#include <gsl/gsl_complex_math.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>
#define P4_TS_PATH 4096
#define P4_TS_MAX_HZ 1e13          /* 10 THz: far above any electrical channel */
#define P4_TS_MAX_MAG 1e3          /* |S| up to 60 dB of gain: any passive or active network */
#define P4_TS_MIN_DB -1000.0       /* 1e-50: zero for every purpose */
#define P4_TS_MAX_ANGLE_DEG 1e9    /* angles are taken modulo 360; beyond this they lose all precision */
#define P4_TS_CAUSAL_POINTS 131072 /* most points of the causality check's uniform grid */

static int ends_with_xz(const char *path)
{
    size_t n = strlen(path);
    return n > 3 && !strcmp(path + n - 3, ".xz");
}

/* The whole file; a name ending in .xz is read through `xz -dc` (the channels ship compressed). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f;
    int piped = ends_with_xz(path);
    if (piped) {
        if (access(path, R_OK)) {
            p4_error(P4_EIO, "%s: cannot open: %s", path, strerror(errno));
            return NULL;
        }
        char cmd[3 * P4_TS_PATH + 32], *q = cmd + sprintf(cmd, "xz -dc -- '");
        for (const char *c = path; *c && q < cmd + sizeof cmd - 8; c++) {
            if (*c == '\'') q += sprintf(q, "'\\''");
            else *q++ = *c;
        }
        strcpy(q, "'");
        f = popen(cmd, "r");
    } else
        f = fopen(path, "rb");
    if (!f) {
        p4_error(P4_EIO, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *nb = realloc(buf, 2 * cap + 1);
            if (!nb) { free(buf); buf = NULL; break; }
            buf = nb;
            cap *= 2;
        }
    }
    int rc = piped ? pclose(f) : fclose(f);
    if (piped && rc) {
        free(buf);
        p4_error(P4_EIO, "%s: cannot decompress with 'xz -dc' (exit status %d; is xz installed?)", path,
                 WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
        return NULL;
    }
    if (!buf) {
        p4_error(P4_ENOMEM, "%s: out of memory", path);
        return NULL;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

static int ports_from_name(const char *path)
{
    char name[P4_TS_PATH];
    snprintf(name, sizeof name, "%s", path);
    if (ends_with_xz(name)) name[strlen(name) - 3] = 0;
    const char *dot = strrchr(name, '.');
    int n = 0;
    if (dot && (dot[1] == 's' || dot[1] == 'S') && sscanf(dot + 2, "%d", &n) == 1) {
        const char *p = dot + 2;
        while (isdigit((unsigned char)*p)) p++;
        if ((*p == 'p' || *p == 'P') && p[1] == 0) return n;
    }
    return 0;
}

typedef struct {
    double *v;
    int *line;
    size_t n, cap;
} numstream;

static int push(numstream *ns, double v, int line)
{
    if (ns->n == ns->cap) {
        size_t c = ns->cap ? 2 * ns->cap : 65536;
        double *nv = realloc(ns->v, c * sizeof *nv);
        if (!nv) return -1;
        ns->v = nv;
        int *nl = realloc(ns->line, c * sizeof *nl);
        if (!nl) return -1;
        ns->line = nl;
        ns->cap = c;
    }
    ns->v[ns->n] = v;
    ns->line[ns->n++] = line;
    return 0;
}

void p4_touchstone_free(p4_touchstone *ts)
{
    if (!ts) return;
    free(ts->freq_hz);
    free(ts->s);
    free(ts);
}

p4_touchstone *p4_touchstone_read(const char *path)
{
    size_t len;
    char *buf = slurp(path, &len);
    if (!buf) return NULL;
    int nports = ports_from_name(path);
    double funit = 1e9, rref = 50;
    char fmt[3] = "MA";
    int have_option = 0, order_12_21 = 0, in_data = 1, ended = 0, version2 = 0;
    char matrix = 'F';                   /* [Matrix Format] Full, Upper, Lower */
    double rport[P4_TS_MAX_PORTS] = {0}; /* [Reference] per port (0: the common one) */
    int nrport = 0, ref_line = 0;
    long nfreq_declared = -1;
    numstream ns = {0};
    p4_touchstone *ts = NULL;
    p4_status st = P4_OK;
    int lineno = 0;
    char *save = NULL;
    for (char *line = buf; line && !ended; line = save) {
        lineno++;
        char *nl = strchr(line, '\n');
        save = nl ? nl + 1 : NULL;
        if (nl) *nl = 0;
        char *bang = strchr(line, '!');
        if (bang) *bang = 0;
        char *p = line;
        while (isspace((unsigned char)*p)) p++;
        if (!*p) continue;
        if (*p == '#') {
            if (have_option) continue; /* 802 spec: only the first option line counts */
            have_option = 1;
            char *tok, *sv;
            for (tok = strtok_r(p + 1, " \t\r", &sv); tok; tok = strtok_r(NULL, " \t\r", &sv)) {
                if (!strcasecmp(tok, "hz")) funit = 1;
                else if (!strcasecmp(tok, "khz")) funit = 1e3;
                else if (!strcasecmp(tok, "mhz")) funit = 1e6;
                else if (!strcasecmp(tok, "ghz")) funit = 1e9;
                else if (!strcasecmp(tok, "s")) ;
                else if (!strcasecmp(tok, "y") || !strcasecmp(tok, "z") || !strcasecmp(tok, "h") ||
                         !strcasecmp(tok, "g")) {
                    st = p4_error(P4_EPARSE, "%s:%d: %s-parameters are not supported (allowed: S)", path,
                                  lineno, tok);
                    goto fail;
                } else if (!strcasecmp(tok, "ri") || !strcasecmp(tok, "ma") || !strcasecmp(tok, "db")) {
                    fmt[0] = (char)toupper((unsigned char)tok[0]);
                    fmt[1] = (char)toupper((unsigned char)tok[1]);
                } else if (!strcasecmp(tok, "r")) {
                    char *rv = strtok_r(NULL, " \t\r", &sv), *end;
                    rref = rv ? strtod(rv, &end) : 0;
                    if (!rv || *end || !(rref > 0 && rref <= 1e9)) {
                        st = p4_error(P4_EPARSE, "%s:%d: reference resistance must be a number in (0, 1e9] ohm",
                                      path, lineno);
                        goto fail;
                    }
                } else {
                    st = p4_error(P4_EPARSE,
                                  "%s:%d: unknown option '%s' (allowed: Hz kHz MHz GHz, S, RI MA DB, R <ohm>)",
                                  path, lineno, tok);
                    goto fail;
                }
            }
            continue;
        }
        if (*p == '[') {
            char *close = strchr(p, ']');
            if (!close) {
                st = p4_error(P4_EPARSE, "%s:%d: keyword without ']'", path, lineno);
                goto fail;
            }
            *close = 0;
            const char *kw = p + 1, *arg = close + 1;
            while (isspace((unsigned char)*arg)) arg++;
            if (!strcasecmp(kw, "version")) {
                in_data = 0, version2 = 1;
                order_12_21 = 1; /* version 2's 2-port default is 12_21 unless said otherwise */
            } else if (!strcasecmp(kw, "number of ports")) {
                char *end;
                long np = strtol(arg, &end, 10);
                while (isspace((unsigned char)*end)) end++;
                if (end == arg || *end || np < 1 || np > P4_TS_MAX_PORTS) {
                    st = p4_error(P4_EPARSE, "%s:%d: [Number of Ports] '%s' (allowed: 1 .. %d)", path, lineno, arg, P4_TS_MAX_PORTS);
                    goto fail;
                }
                if (nports && nports != (int)np) {
                    st = p4_error(P4_EPARSE, "%s:%d: [Number of Ports] %ld but the file is named for %d ports", path, lineno, np, nports);
                    goto fail;
                }
                nports = (int)np;
            } else if (!strcasecmp(kw, "mixed-mode order")) {
                st = p4_error(P4_EPARSE, "%s:%d: mixed-mode data ([Mixed-Mode Order]) are not supported: give single-ended "
                                         "S-parameters (pam4sim forms the differential terms itself)", path, lineno);
                goto fail;
            } else if (!strcasecmp(kw, "number of noise frequencies") || !strcasecmp(kw, "noise data")) {
                ended = 1;
            } else if (!strcasecmp(kw, "two-port data order")) {
                order_12_21 = !strncmp(arg, "12_21", 5);
            } else if (!strcasecmp(kw, "number of frequencies")) {
                nfreq_declared = atol(arg);
            } else if (!strcasecmp(kw, "reference")) {
                /* one value, or one per port (they may continue on the next lines) */
                ref_line = lineno;
                const char *q = arg;
                for (;;) {
                    while (*q && isspace((unsigned char)*q)) q++;
                    if (!*q) {
                        const char *nx = save;
                        while (nx && (*nx == ' ' || *nx == '\t')) nx++;
                        if (nports && nrport < nports && nx && (isdigit((unsigned char)*nx) || *nx == '.' || *nx == '+')) {
                            char *nl2 = strchr(save, '\n'); /* the values go on on the next line */
                            q = save, save = nl2 ? nl2 + 1 : NULL, lineno++;
                            if (nl2) *nl2 = 0;
                            char *c2 = strchr(q, '!');
                            if (c2) *c2 = 0;
                            continue;
                        }
                        break;
                    }
                    char *end;
                    double r = strtod(q, &end);
                    if (end == q || !(r > 0 && r <= 1e9) || nrport >= P4_TS_MAX_PORTS) {
                        st = p4_error(P4_EPARSE, "%s:%d: [Reference] values must be numbers in (0, 1e9] ohm, at most one per port", path, lineno);
                        goto fail;
                    }
                    rport[nrport++] = r;
                    q = end;
                }
                if (nrport) rref = rport[0];
            } else if (!strcasecmp(kw, "matrix format")) {
                matrix = (char)toupper((unsigned char)arg[0]);
                if (strncasecmp(arg, "full", 4) && strncasecmp(arg, "upper", 5) && strncasecmp(arg, "lower", 5)) {
                    st = p4_error(P4_EPARSE, "%s:%d: [Matrix Format] %s (allowed: Full, Upper, Lower)", path, lineno, arg);
                    goto fail;
                }
            } else if (!strcasecmp(kw, "network data")) {
                in_data = 1;
            } else if (!strcasecmp(kw, "noise data") || !strcasecmp(kw, "end")) {
                ended = 1;
            }
            continue;
        }
        if (!in_data) continue;
        char *tok, *sv;
        for (tok = strtok_r(p, " \t\r,", &sv); tok; tok = strtok_r(NULL, " \t\r,", &sv)) {
            char *end;
            errno = 0;
            double v = strtod(tok, &end);
            if (end == tok || *end || !isfinite(v)) {
                st = p4_error(P4_EPARSE, "%s:%d: non-numeric entry '%s'", path, lineno, tok);
                goto fail;
            }
            if (push(&ns, v, lineno)) {
                st = p4_error(P4_ENOMEM, "%s: out of memory", path);
                goto fail;
            }
        }
    }
    if (nports < 1 || nports > P4_TS_MAX_PORTS) {
        st = p4_error(P4_EPARSE, "%s: cannot tell the number of ports (name the file .s1p .. .s%dp or "
                                 "give [Number of Ports] 1..%d)", path, P4_TS_MAX_PORTS, P4_TS_MAX_PORTS);
        goto fail;
    }
    if (version2 && matrix != 'F' && nports < 2) matrix = 'F';
    if (nrport > 1 && nrport != nports) {
        st = p4_error(P4_EPARSE, "%s:%d: [Reference] gives %d values for %d ports (allowed: one, or one per port)", path,
                      ref_line, nrport, nports);
        goto fail;
    }
    const size_t nent = matrix == 'F' ? (size_t)nports * nports : (size_t)nports * (nports + 1) / 2;
    size_t per = 1 + 2 * nent;
    if (ns.n == 0) {
        st = p4_error(P4_EPARSE, "%s:%d: no network data", path, lineno);
        goto fail;
    }
    if (ns.n % per) {
        size_t first = ns.n - ns.n % per;
        st = p4_error(P4_EPARSE,
                      "%s:%d: truncated data: the frequency point starting at line %d has %zu of %zu values "
                      "(1 frequency + 2 x %zu entries of a %d-port %s matrix)",
                      path, ns.line[ns.n - 1], ns.line[first], ns.n % per, per, nent, nports,
                      matrix == 'F' ? "full" : matrix == 'U' ? "upper-triangular" : "lower-triangular");
        goto fail;
    }
    size_t nf = ns.n / per;
    if (nf < 2) {
        st = p4_error(P4_EPARSE, "%s:%d: only one frequency point (a channel needs at least 2)", path, ns.line[0]);
        goto fail;
    }
    if (nfreq_declared >= 0 && (size_t)nfreq_declared != nf) {
        st = p4_error(P4_EPARSE, "%s: [Number of Frequencies] says %ld but the file has %zu points", path,
                      nfreq_declared, nf);
        goto fail;
    }
    if (strlen(path) >= sizeof ts->path) {
        st = p4_error(P4_EINVAL, "%.64s...: the path is longer than %zu characters", path, sizeof ts->path - 1);
        goto fail;
    }
    ts = calloc(1, sizeof *ts);
    if (!ts || !(ts->freq_hz = malloc(nf * sizeof(double))) ||
        !(ts->s = malloc(nf * nports * nports * sizeof(double complex)))) {
        st = p4_error(P4_ENOMEM, "%s: out of memory", path);
        goto fail;
    }
    ts->nports = nports;
    ts->nfreq = nf;
    ts->r_ref_ohm = rref;
    for (int i = 0; i < nports; i++) ts->r_port_ohm[i] = nrport > 1 ? rport[i] : rref;
    snprintf(ts->path, sizeof ts->path, "%s", path);
    for (size_t k = 0; k < nf; k++) {
        const double *v = ns.v + k * per;
        if (!(v[0] >= 0 && v[0] <= P4_TS_MAX_HZ / funit)) {
            st = p4_error(P4_EPARSE, "%s:%d: frequency %.9g is out of range [0, %g Hz]", path, ns.line[k * per], v[0],
                          P4_TS_MAX_HZ);
            goto fail;
        }
        double f = v[0] * funit;
        if (f < 0 || (k > 0 && !(f > ts->freq_hz[k - 1]))) {
            st = p4_error(P4_EPARSE, "%s:%d: frequency %.9g Hz is not above the previous %.9g Hz "
                                     "(frequencies must increase, from 0)",
                          path, ns.line[k * per], f, k ? ts->freq_hz[k - 1] : 0.0);
            goto fail;
        }
        ts->freq_hz[k] = f;
        for (int e = 0, ui = 0, uj = 0; e < (int)nent; e++) {
            double a = v[1 + 2 * e], b = v[2 + 2 * e];
            int la = ns.line[k * per + 1 + 2 * e], lb = ns.line[k * per + 2 + 2 * e];
            /* dB: from far below any measurement floor up to the largest magnitude */
            double amin = fmt[0] == 'D' ? P4_TS_MIN_DB : -P4_TS_MAX_MAG;
            double amax = fmt[0] == 'D' ? 20 * log10(P4_TS_MAX_MAG) : P4_TS_MAX_MAG;
            double bmax = fmt[0] == 'R' ? P4_TS_MAX_MAG : P4_TS_MAX_ANGLE_DEG;
            if (!(a >= amin && a <= amax) || !(fabs(b) <= bmax)) {
                int bad_a = !(a >= amin && a <= amax);
                st = p4_error(P4_EPARSE, "%s:%d: %s %.9g is out of range [%g, %g]", path, bad_a ? la : lb,
                              fmt[0] == 'R' ? (bad_a ? "real part" : "imaginary part")
                              : bad_a ? (fmt[0] == 'D' ? "magnitude in dB" : "magnitude") : "angle in degrees",
                              bad_a ? a : b, bad_a ? amin : -bmax, bad_a ? amax : bmax);
                goto fail;
            }
            double complex z;
            if (fmt[0] == 'R') z = a + I * b;
            else {
                double mag = fmt[0] == 'D' ? pow(10.0, a / 20.0) : a;
                z = mag * cexp(I * b * M_PI / 180.0);
            }
            int i = e / nports, j = e % nports;
            if (matrix != 'F') { /* row by row: Upper from the diagonal on, Lower up to it */
                i = ui, j = uj;
                if (matrix == 'U' ? ++uj == nports : ++uj > ui) ui++, uj = matrix == 'U' ? ui : 0;
                ts->s[(k * nports + j) * nports + i] = z; /* reciprocal: the other triangle */
            } else if (nports == 2 && !order_12_21) { int t = i; i = j; j = t; } /* S11 S21 S12 S22 */
            ts->s[(k * nports + i) * nports + j] = z;
        }
    }
    free(ns.v);
    free(ns.line);
    free(buf);
    return ts;
fail:
    (void)st;
    free(ns.v);
    free(ns.line);
    free(buf);
    p4_touchstone_free(ts);
    return NULL;
}

p4_status p4_touchstone_renormalize(p4_touchstone *ts, double r_ohm)
{
    if (!(r_ohm > 0)) return p4_error(P4_EINVAL, "p4_touchstone_renormalize: r_ohm must be > 0");
    int n = ts->nports, same = 1;
    double g[P4_TS_MAX_PORTS], kf[P4_TS_MAX_PORTS];
    for (int i = 0; i < n; i++) {
        double r = ts->r_port_ohm[i] > 0 ? ts->r_port_ohm[i] : ts->r_ref_ohm;
        same = same && fabs(r_ohm - r) < 1e-12 * r_ohm;
        g[i] = (r_ohm - r) / (r_ohm + r);
        kf[i] = (r + r_ohm) / (2 * sqrt(r * r_ohm));
    }
    if (same) return P4_OK;
    /* S' = K (S - G)(I - G S)^-1 K^-1: solve (I - G S)^T X = (S - G)^T, then S' = K X^T K^-1 */
    gsl_matrix_complex *A = gsl_matrix_complex_alloc(n, n);
    gsl_vector_complex *b = gsl_vector_complex_alloc(n), *x = gsl_vector_complex_alloc(n);
    gsl_permutation *perm = gsl_permutation_alloc(n);
    double complex *out = malloc((size_t)n * n * sizeof *out);
    p4_status st = A && b && x && perm && out ? P4_OK : p4_error(P4_ENOMEM, "%s: out of memory", ts->path);
    for (size_t k = 0; k < ts->nfreq && st == P4_OK; k++) {
        double complex *S = ts->s + k * n * n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double complex a = (i == j) - g[j] * S[j * n + i]; /* (I - G S)^T */
                gsl_matrix_complex_set(A, i, j, gsl_complex_rect(creal(a), cimag(a)));
            }
        int sgn;
        if (gsl_linalg_complex_LU_decomp(A, perm, &sgn)) {
            st = p4_error(P4_ENUM, "%s: cannot renormalize to %g ohm (singular at %g Hz)", ts->path, r_ohm,
                          ts->freq_hz[k]);
            break;
        }
        for (int i = 0; i < n; i++) { /* row i of S' = column i of X */
            for (int j = 0; j < n; j++) {
                double complex v = S[i * n + j] - g[i] * (i == j); /* (S - G)^T, column i */
                gsl_vector_complex_set(b, j, gsl_complex_rect(creal(v), cimag(v)));
            }
            if (gsl_linalg_complex_LU_solve(A, perm, b, x)) {
                st = p4_error(P4_ENUM, "%s: cannot renormalize to %g ohm (singular at %g Hz)", ts->path, r_ohm, ts->freq_hz[k]);
                break;
            }
            for (int j = 0; j < n; j++) {
                gsl_complex z = gsl_vector_complex_get(x, j);
                out[i * n + j] = kf[i] * (GSL_REAL(z) + I * GSL_IMAG(z)) / kf[j];
            }
        }
        if (!st) memcpy(S, out, (size_t)n * n * sizeof *S);
    }
    if (!st) {
        ts->r_ref_ohm = r_ohm;
        for (int i = 0; i < n; i++) ts->r_port_ohm[i] = r_ohm;
    }
    free(out);
    gsl_matrix_complex_free(A);
    gsl_vector_complex_free(b);
    gsl_vector_complex_free(x);
    gsl_permutation_free(perm);
    return st;
}

p4_status p4_touchstone_port_order(const p4_touchstone *ts, const int in[4], int out[4])
{
    if (ts->nports == 2) {
        out[0] = 1, out[1] = 0, out[2] = 2, out[3] = 0;
        return P4_OK;
    }
    if (ts->nports != 4)
        return p4_error(P4_EINVAL, "%s: a channel needs a 2-port or 4-port file, this one has %d ports",
                        ts->path, ts->nports);
    if (in && (in[0] || in[1] || in[2] || in[3])) {
        int seen = 0;
        for (int i = 0; i < 4; i++) {
            if (in[i] < 1 || in[i] > 4 || (seen >> in[i] & 1))
                return p4_error(P4_EINVAL, "port_order must be a permutation of 1,2,3,4 (in+, in-, out+, out-)");
            seen |= 1 << in[i];
            out[i] = in[i];
        }
        return P4_OK;
    }
    const double complex *S = ts->s; /* lowest frequency */
#define M(i, j) cabs(S[((i) - 1) * 4 + (j) - 1])
    double t12 = M(2, 1) + M(4, 3), t13 = M(3, 1) + M(4, 2), t14 = M(4, 1) + M(3, 2);
#undef M
    static const int o1324[4] = {1, 3, 2, 4}, o1234[4] = {1, 2, 3, 4}, o1243[4] = {1, 2, 4, 3};
    const int *o = t12 >= t13 && t12 >= t14 ? o1324 : t13 >= t14 ? o1234 : o1243;
    memcpy(out, o, 4 * sizeof *out);
    return P4_OK;
}

static p4_status mixed(const p4_touchstone *ts, const int order[4], int thru, double complex *h)
{
    int n = ts->nports;
    if (n == 2) {
        for (size_t k = 0; k < ts->nfreq; k++) h[k] = ts->s[k * 4 + (thru ? 2 : 0)];
        return P4_OK;
    }
    if (n != 4) return p4_error(P4_EINVAL, "%s: differential figures need 2 or 4 ports", ts->path);
    int a = order[0] - 1, b = order[1] - 1, c = thru ? order[2] - 1 : a, d = thru ? order[3] - 1 : b;
    for (size_t k = 0; k < ts->nfreq; k++) {
        const double complex *S = ts->s + k * 16;
        h[k] = 0.5 * (S[c * 4 + a] - S[c * 4 + b] - S[d * 4 + a] + S[d * 4 + b]);
    }
    return P4_OK;
}

p4_status p4_touchstone_sdd21(const p4_touchstone *ts, const int order[4], double complex *h)
{
    return mixed(ts, order, 1, h);
}

p4_status p4_touchstone_sdd11(const p4_touchstone *ts, const int order[4], double complex *h)
{
    return mixed(ts, order, 0, h);
}

double p4_interp_db(const double *f, const double complex *h, size_t n, double x)
{
    if (n == 0 || x < f[0] || x > f[n - 1]) return NAN;
    size_t lo = 0, hi = n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (f[mid] <= x) lo = mid; else hi = mid;
    }
    double a = 20 * log10(cabs(h[lo]) + 1e-300), b = 20 * log10(cabs(h[hi]) + 1e-300);
    if (hi == lo) return a;
    double t = (x - f[lo]) / (f[hi] - f[lo]);
    return a + t * (b - a);
}

static double max_singular(const p4_touchstone *ts, double *at_hz)
{
    int n = ts->nports;
    gsl_matrix_complex *A = gsl_matrix_complex_alloc(n, n);
    gsl_vector *ev = gsl_vector_alloc(n);
    gsl_eigen_herm_workspace *w = gsl_eigen_herm_alloc(n);
    double best = 0;
    *at_hz = 0;
    for (size_t k = 0; k < ts->nfreq; k++) {
        const double complex *S = ts->s + k * n * n;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                double complex acc = 0;
                for (int m = 0; m < n; m++) acc += conj(S[m * n + i]) * S[m * n + j];
                gsl_matrix_complex_set(A, i, j, gsl_complex_rect(creal(acc), cimag(acc)));
            }
        gsl_eigen_herm(A, ev, w);
        for (int i = 0; i < n; i++) {
            double sv = sqrt(fmax(0, gsl_vector_get(ev, i)));
            if (sv > best) best = sv, *at_hz = ts->freq_hz[k];
        }
    }
    gsl_eigen_herm_free(w);
    gsl_vector_free(ev);
    gsl_matrix_complex_free(A);
    return best;
}

static p4_status noncausal_ratio(const double *f, const double complex *h, size_t n, double *ratio)
{
    *ratio = 0;
    if (n < 4 || !(f[n - 1] > 0)) return P4_OK;
    double fmax = f[n - 1], df = fmax;
    for (size_t k = 1; k < n; k++) df = fmin(df, f[k] - f[k - 1]);
    if (df < fmax / P4_TS_CAUSAL_POINTS) df = fmax / P4_TS_CAUSAL_POINTS;
    size_t nb = (size_t)(fmax / df + 0.5) + 1, nt = 1;
    while (nt < 4 * nb) nt <<= 1;
    fftw_complex *X = fftw_alloc_complex(nt);
    fftw_plan pl = X ? fftw_plan_dft_1d((int)nt, X, X, FFTW_BACKWARD, FFTW_ESTIMATE) : NULL;
    if (!pl) {
        fftw_free(X);
        return p4_error(P4_ENOMEM, "p4_touchstone_summary: out of memory for the causality check (%zu points)", nt);
    }
    memset(X, 0, nt * sizeof *X);
    size_t j = 0;
    for (size_t k = 0; k < nb; k++) {
        double fk = k * df;
        while (j + 1 < n && f[j + 1] < fk) j++;
        double complex v;
        if (fk <= f[0]) v = cabs(h[0]);
        else if (j + 1 >= n) v = h[n - 1];
        else {
            double t = (fk - f[j]) / (f[j + 1] - f[j]);
            v = h[j] + t * (h[j + 1] - h[j]);
        }
        double w = 0.5 * (1 + cos(M_PI * fk / fmax));
        X[k] = v * w;
        if (k) X[nt - k] = conj(v) * w;
    }
    fftw_execute(pl);
    double pos = 0, neg = 0;
    for (size_t k = 0; k < nt; k++) {
        double e = creal(X[k]) * creal(X[k]);
        if (k < nt / 2) pos += e; else neg += e;
    }
    fftw_destroy_plan(pl);
    fftw_free(X);
    *ratio = pos + neg > 0 ? neg / (pos + neg) : 0;
    return P4_OK;
}

p4_status p4_touchstone_summary(const p4_touchstone *ts, const int order_in[4], p4_channel_summary *o)
{
    memset(o, 0, sizeof *o);
    p4_status st = p4_touchstone_port_order(ts, order_in, o->order);
    if (st) return st;
    double complex *h = malloc(ts->nfreq * sizeof *h), *r = malloc(ts->nfreq * sizeof *r);
    if (!h || !r) {
        free(h), free(r);
        return p4_error(P4_ENOMEM, "out of memory");
    }
    p4_touchstone_sdd21(ts, o->order, h);
    p4_touchstone_sdd11(ts, o->order, r);
    static const double fe[3] = {13.28, 26.56, 53.125};
    for (int i = 0; i < 3; i++) {
        o->f_eval_ghz[i] = fe[i];
        o->il_db[i] = -p4_interp_db(ts->freq_hz, h, ts->nfreq, fe[i] * 1e9);
        o->rl_db[i] = -p4_interp_db(ts->freq_hz, r, ts->nfreq, fe[i] * 1e9);
    }
    double at;
    o->max_sv = max_singular(ts, &at);
    o->max_sv_ghz = at * 1e-9;
    st = noncausal_ratio(ts->freq_hz, h, ts->nfreq, &o->noncausal_ratio);
    if (st) {
        free(h), free(r);
        return st;
    }
    o->causality_warning = o->noncausal_ratio > P4_NONCAUSAL_LIMIT;
    o->fmin_ghz = ts->freq_hz[0] * 1e-9;
    o->fmax_ghz = ts->freq_hz[ts->nfreq - 1] * 1e-9;
    free(h);
    free(r);
    return P4_OK;
}

p4_status p4_touchstone_write(const p4_touchstone *ts, const char *path, int version, char matrix)
{
    const int n = ts->nports;
    matrix = (char)toupper((unsigned char)matrix);
    if (version != 1 && version != 2) return p4_error(P4_EINVAL, "p4_touchstone_write: version %d (allowed: 1, 2)", version);
    if (matrix != 'F' && (version != 2 || n < 2 || !strchr("UL", matrix)))
        return p4_error(P4_EINVAL, "p4_touchstone_write: matrix format '%c' (allowed: F; U or L in version 2)", matrix);
    char tmp[P4_TS_PATH + 8];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp) return p4_error(P4_EINVAL, "%s: path too long", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return p4_error(P4_EIO, "%s: cannot write (%s)", tmp, strerror(errno));
    if (version == 2) {
        fprintf(f, "[Version] 2.0\n# Hz S RI R %.17g\n[Number of Ports] %d\n", ts->r_ref_ohm, n);
        if (n == 2) fprintf(f, "[Two-Port Data Order] 12_21\n");
        fprintf(f, "[Number of Frequencies] %zu\n[Reference]", ts->nfreq);
        for (int i = 0; i < n; i++) fprintf(f, " %.17g", ts->r_port_ohm[i] > 0 ? ts->r_port_ohm[i] : ts->r_ref_ohm);
        fprintf(f, "\n[Matrix Format] %s\n[Network Data]\n", matrix == 'F' ? "Full" : matrix == 'U' ? "Upper" : "Lower");
    } else
        fprintf(f, "# Hz S RI R %.17g\n", ts->r_ref_ohm);
    for (size_t k = 0; k < ts->nfreq; k++) {
        fprintf(f, "%.17g", ts->freq_hz[k]);
        int col = 0;
        for (int i = 0; i < n; i++) {
            int j0 = matrix == 'U' ? i : 0, j1 = matrix == 'L' ? i + 1 : n;
            for (int j = j0; j < j1; j++) {
                int r = i, c = j;
                if (version == 1 && n == 2) r = j, c = i; /* version 1 two-ports: S11 S21 S12 S22 */
                double complex z = ts->s[(k * n + r) * n + c];
                if (col && col % 4 == 0) fputs("\n", f); /* at most 4 entries a line, as version 1 wraps */
                fprintf(f, " %.17g %.17g", creal(z), cimag(z));
                col++;
            }
            if (n > 2 && version == 1 && col % 4) fputs("\n", f), col = 0; /* each row on its own lines */
        }
        fputs("\n", f);
    }
    if (version == 2) fprintf(f, "[End]\n");
    int bad = ferror(f);
    if (fclose(f) || bad || rename(tmp, path)) {
        unlink(tmp);
        return p4_error(P4_EIO, "%s: write failed (%s)", path, strerror(errno));
    }
    return P4_OK;
}
