/* ami_flow.c - the IBIS-AMI flows: Init (statistical) into a link's linear chain, and GetWave
 * (time domain) on waveform blocks (see ami.h).
 *
 * Init flow. A link is one linear chain of frequency responses (response.h); pam4sim puts an AMI
 * model into it as the model's own linear response, measured the way IBIS lets a simulator see
 * it: AMI_Init gets the real impulse response as its victim column (what an adaptive model adapts
 * to) and a unit impulse as an aggressor column, which the model equalizes as it does crosstalk,
 * with the settings it chose for the victim; that column is the model's impulse response g. A model
 * that takes no aggressor (Max_Init_Aggressors absent or 0) gets a second Init on the unit impulse
 * alone (it may adapt to that instead: reported). With g in the chain every other part of the link
 * follows unchanged: noise at the RX input, crosstalk and the sampler see the model's filter, and
 * the statistical engine, the Monte Carlo run, sweeps and comparisons all use it. What the victim
 * column came back as, beyond g * input, is what the Init flow cannot carry (a DFE or a nonlinear
 * step applied in Init): its share is reported.
 *
 * A TX model whose g is symbol-spaced (zero between bit instants) is a TX FFE: its taps replace
 * tx.ffe_taps and it runs exactly as the native FFE (leading zero taps, a whole-bit delay, are
 * dropped: the link measures its delay). Any other TX response multiplies the TX filter. With an RX
 * model the link's own CTLE is off and its FFE keeps one tap (the gain to a unit main cursor);
 * rx.dfe.taps stands for the model's DFE, which acts on decisions and so is not in its Init output.
 *
 * A TX model's flow (tx.ami.flow) is resolved here; the chain takes its Init response in either
 * flow (the link's equalizer design, delay probe and pulse). In the GetWave flow the waveform takes
 * AMI_GetWave instead (sim/link_ami_tx.c), so the Init response must be symbol-spaced: the TX FFE
 * the waveform then bypasses; any other response is refused in that flow.
 *
 * GetWave flow. A block goes to AMI_GetWave in place; each clock time c it returns is sampled at
 * c + bit_time/2 by linear interpolation of the returned waveform (across the previous block's last
 * sample; an instant past the block's last sample waits for the next block), after Ignore_Bits
 * clocks.
 */
#include "pam4sim/ami.h"
#include <fftw3.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

p4_status p4_ami_linear_response(p4_ami_model *m, const p4_ami_file *f, const double *impulse, long row_size,
                                 double dt, double ui, double *g, double *victim_out, p4_ami_info *info)
{
    if (!f->init_returns_impulse)
        return p4_error(P4_EINVAL, "%s: Init_Returns_Impulse is False: the model equalizes in GetWave only, and pam4sim's links take a model through its Init",
                        f->path);
    char *pin = p4_ami_file_params_in(f);
    int probe_col = f->max_init_aggressors >= 1;
    size_t R = (size_t)row_size;
    double *mat = calloc(R * 2, sizeof *mat);
    p4_status st = pin && mat ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st) {
        /* IBIS impulse responses are per second: the discrete response over dt */
        for (size_t i = 0; i < R; i++) mat[i] = impulse[i] / dt;
        mat[R] = 1 / dt;
        st = p4_ami_init(m, mat, row_size, probe_col, dt, ui, pin);
    }
    if (!st) {
        snprintf(info->message, sizeof info->message, "%s", p4_ami_message(m));
        snprintf(info->params_out, sizeof info->params_out, "%s", p4_ami_params_out(m));
        snprintf(info->params_in, sizeof info->params_in, "%s", pin);
        for (size_t i = 0; i < R; i++) {
            if (victim_out) victim_out[i] = mat[i] * dt;
            g[i] = mat[R + i] * dt;
        }
        info->probe = probe_col ? 1 : 2;
        if (!probe_col) {
            memset(mat, 0, R * sizeof *mat);
            mat[0] = 1 / dt;
            st = p4_ami_init(m, mat, row_size, 0, dt, ui, pin);
            for (size_t i = 0; !st && i < R; i++) g[i] = mat[i] * dt;
        }
    }
    if (!st) st = p4_ami_close(m);
    /* what of the victim's output the linear response does not explain */
    if (!st && victim_out) {
        size_t glen = R;
        double gmax = 0;
        for (size_t i = 0; i < R; i++) gmax = fmax(gmax, fabs(g[i]));
        while (glen > 1 && fabs(g[glen - 1]) <= 1e-13 * gmax) glen--;
        double num = 0, den = 0;
        for (size_t n = 0; n < R; n++) {
            double y = 0;
            for (size_t k = 0; k < glen && k <= n; k++) y += g[k] * impulse[n - k];
            num += (victim_out[n] - y) * (victim_out[n] - y), den += victim_out[n] * victim_out[n];
        }
        info->nonlinear_rel = den > 0 ? sqrt(num / den) : 0;
    }
    free(pin), free(mat);
    return st;
}

/* H[k] *= DFT of g[0..len) on the grid of r */
static p4_status multiply_response(p4_fresp *r, const double *g, size_t len)
{
    size_t n = r->n;
    double *x = fftw_alloc_real(n);
    fftw_complex *X = fftw_alloc_complex(n / 2 + 1);
    fftw_plan p = x && X ? fftw_plan_dft_r2c_1d((int)n, x, X, FFTW_ESTIMATE) : NULL;
    if (!p) {
        fftw_free(x), fftw_free(X);
        return p4_error(P4_ENOMEM, "out of memory");
    }
    memset(x, 0, n * sizeof *x);
    memcpy(x, g, (len < n ? len : n) * sizeof *x);
    fftw_execute(p);
    for (size_t k = 0; k <= n / 2; k++) r->H[k] *= X[k];
    fftw_destroy_plan(p);
    fftw_free(x), fftw_free(X);
    return P4_OK;
}

p4_ami_file *p4_ami_file_for(const char *model, const char *ami, const char (*params)[P4_AMI_PARAM_MAX], int64_t nparams,
                             const char *key)
{
    char path[P4_PATH_MAX];
    if (ami[0]) snprintf(path, sizeof path, "%s", ami);
    else {
        snprintf(path, sizeof path, "%s", model);
        char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
        if (dot && (!slash || dot > slash)) *dot = 0;
        size_t L = strlen(path);
        snprintf(path + L, sizeof path - L, ".ami");
    }
    p4_ami_file *f = p4_ami_file_read(path);
    if (!f) return NULL;
    char pkey[64];
    snprintf(pkey, sizeof pkey, "%s.params", key);
    for (int64_t i = 0; i < nparams; i++) {
        char name[P4_AMI_PARAM_MAX];
        snprintf(name, sizeof name, "%s", params[i]);
        char *eq = strchr(name, '=');
        if (!eq) continue;
        *eq = 0;
        if (p4_ami_file_set(f, name, eq + 1, pkey)) {
            p4_ami_file_free(f);
            return NULL;
        }
    }
    return f;
}

/* A model and its .ami file with the user's parameters; the .ami defaults to the model's name with
 * .ami for its suffix. */
static p4_status open_side(const char *model, const char *ami, int isolate, double timeout_s,
                           const char (*params)[P4_AMI_PARAM_MAX], int64_t nparams, const char *key, p4_ami_model **m,
                           p4_ami_file **f)
{
    if (!(*f = p4_ami_file_for(model, ami, params, nparams, key))) return P4_EPARSE;
    if (!(*m = p4_ami_open(model, isolate))) return P4_EIO;
    p4_ami_set_timeout(*m, timeout_s);
    return P4_OK;
}

static void info_start(p4_ami_info *in, const char *model, int isolate, const p4_ami_model *m, const p4_ami_file *f)
{
    in->used = 1;
    snprintf(in->model, sizeof in->model, "%s", model);
    in->isolated = isolate;
    in->getwave = p4_ami_has_getwave(m);
    in->ignore_bits = f->ignore_bits;
}

/* the models' row: the channel's response and room for theirs after it */
static long row_size(size_t len, size_t n, int sps)
{
    long R = (long)len + 256L * sps;
    return R > (long)(n / 2) ? (long)(n / 2) : R;
}

p4_status p4_ami_tx_input(const p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf, int sps, double **h, long *len)
{
    *h = NULL, *len = 0;
    size_t n = txf->n;
    p4_fresp *chain = p4_fresp_copy(txf);
    double *full = malloc(n * sizeof *full), *v = NULL;
    p4_impulse imp = {0};
    p4_status st = chain && full ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st) {
        p4_fresp_mul(chain, ch);
        p4_fresp_mul(chain, rxf);
        st = p4_fresp_impulse(chain, full);
    }
    if (!st) st = p4_impulse_truncate(full, n, 1e-12, 2 * (size_t)sps, n / 4, (size_t)sps, &imp);
    long R = row_size(imp.len, n, sps);
    if (!st && !(v = calloc((size_t)R, sizeof *v))) st = p4_error(P4_ENOMEM, "out of memory");
    if (!st) memcpy(v, imp.h, (imp.len < (size_t)R ? imp.len : (size_t)R) * sizeof *v), *h = v, *len = R;
    p4_fresp_free(chain);
    p4_impulse_free(&imp);
    free(full);
    return st;
}

/* The flow a model's key (tx.ami.flow, rx.ami.flow) asks for, given what the model has. */
static p4_status side_flow(const char *flow, const char *key, const char *model, const p4_ami_model *m, const p4_ami_file *f,
                           int *getwave)
{
    int can = f->getwave_exists && p4_ami_has_getwave(m);
    *getwave = !strcmp(flow, "getwave") || (!strcmp(flow, "auto") && can);
    if (*getwave && !can)
        return p4_error(P4_EINVAL, "key '%s' = getwave: %s %s", key, model,
                        !p4_ami_has_getwave(m) ? "exports no AMI_GetWave" : "has GetWave_Exists False in its .ami file");
    return P4_OK;
}

p4_status p4_ami_link_tx(p4_config *c, p4_fresp *txf, const p4_fresp *ch, const p4_fresp *rxf, p4_ami_info *tx,
                         double **seen, long *len)
{
    memset(tx, 0, sizeof *tx);
    *seen = NULL, *len = 0;
    int sps = (int)c->sps;
    double dt = 1 / txf->fs_hz, ui = sps * dt;
    /* the impulse response the models see: TX analog x channel x RX analog front end */
    double *g = NULL, *vin = NULL, *vout = NULL;
    long R = 0;
    p4_ami_model *m = NULL;
    p4_ami_file *f = NULL;
    p4_status st = p4_ami_tx_input(txf, ch, rxf, sps, &vin, &R);
    if (!st && !(g = calloc((size_t)R, sizeof *g), vout = calloc((size_t)R, sizeof *vout))) st = p4_error(P4_ENOMEM, "out of memory");
    if (!st && c->tx_ami_model[0]) {
        st = open_side(c->tx_ami_model, c->tx_ami_file, c->tx_ami_isolate, c->tx_ami_timeout_s, c->tx_ami_params, c->n_tx_ami_params,
                       "tx.ami", &m, &f);
        if (!st) info_start(tx, c->tx_ami_model, (int)c->tx_ami_isolate, m, f);
        if (!st) st = side_flow(c->tx_ami_flow, "tx.ami.flow", c->tx_ami_model, m, f, &tx->getwave_flow);
        if (!st) st = p4_ami_linear_response(m, f, vin, R, dt, ui, g, vout, tx);
        if (!st) {
            /* symbol-spaced: a TX FFE */
            double gmax = 0, off = 0;
            for (long i = 0; i < R; i++) gmax = fmax(gmax, fabs(g[i]));
            for (long i = 0; i < R; i++)
                if (i % sps) off = fmax(off, fabs(g[i]));
            long first = 0, last = R / sps - 1;
            while (first < last && g[first * sps] == 0) first++;
            while (last > first && fabs(g[last * sps]) <= 1e-15 * gmax) last--;
            if (gmax > 0 && off <= 1e-12 * gmax && last - first + 1 <= P4_MAX_TAPS) {
                tx->symbol_spaced = 1;
                tx->ntaps = (int)(last - first + 1);
                int main = 0;
                for (int k = 0; k < tx->ntaps; k++) {
                    tx->taps[k] = c->tx_ffe[k] = g[(first + k) * sps];
                    if (fabs(tx->taps[k]) > fabs(tx->taps[main])) main = k;
                }
                c->n_tx_ffe = tx->ntaps, c->tx_ffe_main = main;
            } else if (tx->getwave_flow) {
                st = p4_error(P4_EINVAL, "key 'tx.ami.flow' = getwave: %s's Init response is not symbol-spaced; the link designs "
                                         "its equalizer on a TX model's Init response as the TX FFE, and takes GetWave only from a "
                                         "TX FFE model (tx.ami.flow = init takes this one)", c->tx_ami_model);
            } else {
                st = multiply_response(txf, g, (size_t)R);
                c->tx_ffe[0] = 1, c->n_tx_ffe = 1, c->tx_ffe_main = 0;
            }
            memcpy(vin, vout, (size_t)R * sizeof *vin);
        }
    }
    if (!st) {
        /* the receiver sees the link's own pulse per unit level: the TX levels' amplitude and, without
         * a TX model (whose output already holds its taps), the native TX FFE */
        double *y = vout;
        memset(y, 0, (size_t)R * sizeof *y);
        int nt = c->tx_ami_model[0] ? 1 : (int)c->n_tx_ffe;
        for (int k = 0; k < nt; k++) {
            double w = c->tx_ami_model[0] ? 1 : c->tx_ffe[k];
            for (long i = 0; i + (long)k * sps < R; i++) y[i + (long)k * sps] += w * vin[i];
        }
        for (long i = 0; i < R; i++) y[i] *= c->amplitude_v;
        *seen = y, *len = R, vout = NULL;
    }
    p4_ami_free(m);
    p4_ami_file_free(f);
    free(g), free(vin), free(vout);
    return st;
}

p4_status p4_ami_link_rx(p4_config *c, p4_fresp *rxf, const double *seen, long R, p4_ami_info *rx)
{
    memset(rx, 0, sizeof *rx);
    if (!c->rx_ami_model[0]) return P4_OK;
    double dt = 1 / rxf->fs_hz, ui = (double)c->sps * dt;
    p4_ami_model *m = NULL;
    p4_ami_file *f = NULL;
    double *g = calloc((size_t)R, sizeof *g), *vout = calloc((size_t)R, sizeof *vout);
    p4_status st = g && vout ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    if (!st)
        st = open_side(c->rx_ami_model, c->rx_ami_file, c->rx_ami_isolate, c->rx_ami_timeout_s, c->rx_ami_params, c->n_rx_ami_params,
                       "rx.ami", &m, &f);
    if (!st) info_start(rx, c->rx_ami_model, (int)c->rx_ami_isolate, m, f);
    if (!st) st = side_flow(c->rx_ami_flow, "rx.ami.flow", c->rx_ami_model, m, f, &rx->getwave_flow);
    if (!st && !rx->getwave_flow) {
        st = p4_ami_linear_response(m, f, seen, R, dt, ui, g, vout, rx);
        if (!st) st = multiply_response(rxf, g, (size_t)R);
    } else if (!st) {
        /* GetWave: each work unit runs its own Init and GetWave (sim/link_ami.c); this Init is the
         * report's (the model's message, its output parameters) */
        char *pin = p4_ami_file_params_in(f);
        st = pin ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
        for (long i = 0; !st && i < R; i++) vout[i] = seen[i] / dt;
        if (!st) st = p4_ami_init(m, vout, R, 0, dt, ui, pin);
        if (!st) {
            snprintf(rx->message, sizeof rx->message, "%s", p4_ami_message(m));
            snprintf(rx->params_out, sizeof rx->params_out, "%s", p4_ami_params_out(m));
            snprintf(rx->params_in, sizeof rx->params_in, "%s", pin);
            st = p4_ami_close(m);
        }
        free(pin);
        c->dfe_taps = 0;
    }
    c->ctle_enable = 0;
    c->ffe_taps = 1, c->ffe_precursors = 0;
    snprintf(c->ffe_mode, sizeof c->ffe_mode, "mmse");
    p4_ami_free(m);
    p4_ami_file_free(f);
    free(g), free(vout);
    return st;
}

p4_status p4_ami_link_apply(p4_config *c, p4_fresp *txf, const p4_fresp *ch, p4_fresp *rxf, p4_ami_info *tx,
                            p4_ami_info *rx)
{
    memset(tx, 0, sizeof *tx), memset(rx, 0, sizeof *rx);
    if (!c->tx_ami_model[0] && !c->rx_ami_model[0]) return P4_OK;
    double *seen = NULL;
    long R = 0;
    p4_status st = p4_ami_link_tx(c, txf, ch, rxf, tx, &seen, &R);
    if (!st) st = p4_ami_link_rx(c, rxf, seen, R, rx);
    free(seen);
    return st;
}

/* ---- the GetWave flow ---- */

#define P4_AMI_PENDING 64

struct p4_ami_getwave_flow {
    p4_ami_model *m;
    double dt, ui;
    size_t block;
    double *clk;
    long nclk;
    double base;             /* samples before the current block */
    double last;             /* the previous block's last sample  */
    double pending[P4_AMI_PENDING]; /* sampling instants [samples] past the last block's end */
    int npending;
    long bits;               /* clocks seen                      */
};

p4_ami_getwave_flow *p4_ami_getwave_flow_create(p4_ami_model *m, double sample_interval, double bit_time, size_t block)
{
    p4_ami_getwave_flow *g = calloc(1, sizeof *g);
    if (!g || !p4_ami_has_getwave(m) || block < 2) {
        free(g);
        p4_error(P4_EINVAL, "%s: %s", p4_ami_path(m), !p4_ami_has_getwave(m) ? "the model has no AMI_GetWave" : "a GetWave block needs 2 samples or more");
        return NULL;
    }
    g->m = m, g->dt = sample_interval, g->ui = bit_time, g->block = block;
    /* IBIS: the clock vector is larger than the clocks a call can return, plus the -1 */
    g->nclk = (long)(block * sample_interval / bit_time) * 2 + 16;
    g->clk = malloc((size_t)g->nclk * sizeof *g->clk);
    if (!g->clk) {
        free(g);
        p4_error(P4_ENOMEM, "out of memory");
        return NULL;
    }
    return g;
}

static void emit(p4_ami_getwave_flow *g, double s, const double *w, size_t n, double *t, double *v,
                 size_t cap, size_t *nout)
{
    double x = s - g->base;
    long i = (long)floor(x);
    double fr = x - (double)i;
    double y0 = i < 0 ? g->last : w[i], y1 = w[i + 1 < (long)n ? i + 1 : (long)n - 1];
    if (*nout < cap) {
        t[*nout] = s * g->dt;
        v[*nout] = y0 + fr * (y1 - y0);
        (*nout)++;
    }
}

p4_status p4_ami_getwave_flow_run(p4_ami_getwave_flow *g, double *wave, size_t n, long ignore_bits, double *t_out,
                                  double *v_out, size_t cap, size_t *nout)
{
    *nout = 0;
    if (n > g->block || n < 2) return p4_error(P4_EINVAL, "%s: GetWave block of %zu samples (2..%zu)", p4_ami_path(g->m), n, g->block);
    p4_status st = p4_ami_getwave(g->m, wave, (long)n, g->clk, g->nclk);
    if (st) return st;
    double end = g->base + (double)n - 1; /* last sample of this block */
    /* instants that waited for this block first */
    int keep = 0;
    for (int i = 0; i < g->npending; i++) {
        if (g->pending[i] <= end) emit(g, g->pending[i], wave, n, t_out, v_out, cap, nout);
        else g->pending[keep++] = g->pending[i];
    }
    g->npending = keep;
    for (long k = 0; k < g->nclk && g->clk[k] >= 0; k++) {
        if (g->bits++ < ignore_bits) continue;
        double s = (g->clk[k] + g->ui / 2) / g->dt;
        if (s < g->base - 1) continue; /* before what this flow still holds */
        if (s <= end) emit(g, s, wave, n, t_out, v_out, cap, nout);
        else if (g->npending < P4_AMI_PENDING) g->pending[g->npending++] = s;
    }
    g->last = wave[n - 1];
    g->base += (double)n;
    return P4_OK;
}

long p4_ami_getwave_flow_bits(const p4_ami_getwave_flow *g) { return g->bits; }

void p4_ami_getwave_flow_free(p4_ami_getwave_flow *g)
{
    if (!g) return;
    free(g->clk);
    free(g);
}
