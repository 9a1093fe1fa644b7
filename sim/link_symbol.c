/* link_symbol.c - the symbol-rate engine: a work unit of a linear link with the floating-point
 * receiver, computed at the sampling phase only.
 *
 * The sample-level engine (link_unit.c) renders the TX levels at sps samples per UI, filters them
 * through the linear chain h (TX filter x channel x RX filter x CTLE), adds noise shaped by the
 * noise FIR and the aggressors through their own responses, and then reads one sample per UI at the
 * chosen phase. Everything up to that read is linear, so the read sample is a sum of symbol-spaced
 * convolutions, and this engine computes only those:
 *
 *   x[m] = sum_k f_k R[m - k]                                     the pulse at the phase
 *        + sum_k sum_s c_s[k] D_s[m - k]                          jitter, exact (below)
 *        + (g * w)[m]                                             noise, coloured as at the sampler
 *        + sum_i sum_k a_i[k] X_i[m - k]                          crosstalk
 *
 * f_k is the TX FFE's output (levels x amplitude), a_i the aggressors' levels, w white N(0,1).
 * Jitter: the render places symbol k's edge (step f_k - f_(k-1)) at (k + 1/2 + delta_k) UI and
 * averages the waveform over each sample, so an edge at sample position e = e0 + phi (phi in
 * [0, 1)) reaches output sample N as (1 - phi) H[N - e0] + phi H[N - e0 - 1], H the running sum of
 * h: linear interpolation between the responses to edges on whole samples. With u = sps/2 +
 * delta_k sps the edge's position in its UI, the edge's contribution is the unjittered one plus
 * (f_k - f_(k-1)) [(1 - phi) D_u0 + phi D_(u0+1)] with D_s[j] = H[j sps + phase - s] - (the same at
 * u = sps/2): one symbol-spaced response per whole-sample edge position s = 0..sps, each driven by
 * the weights of the edges that fall next to it. The delta_k sequence is the sample-level engine's
 * own (same stream, same clamp), so signal, jitter and crosstalk are those of the sample-level run
 * up to rounding; only the noise is a different draw of the same process. Noise: the sample-level
 * noise is white noise through the noise FIR n_h, so at symbol spacing it is a stationary Gaussian
 * process with autocorrelation r_k = sum_t n_h[t] n_h[t + k sps]; a Gaussian process is fixed by
 * its autocorrelation, and g is its zero-phase spectral square root (sqrt of the symbol-rate PSD,
 * computed from r by FFT), truncated where the energy left out is below 1e-12 of r_0.
 * All responses go into one multi-input overlap-save FIR at symbol rate (fir.h); the jitter inputs
 * with no edge near them in a block cost no transform.
 *
 * Where it does not apply: an optical line (its modulator and photodiode are nonlinear and draw
 * their noise per sample), TIA compression (tanh), the bit-true DSP receiver (its ADC, clock
 * recovery and AGC read the waveform between the sampling instants); those run at sample level.
 * The eye histogram needs every phase: units that hold eye symbols run at sample level, so the eye
 * is the sample-level engine's own.
 * Rejected: a Taylor expansion of jitter in delta (one extra response, but only first-order exact);
 * generating noise at symbol rate from the polyphase parts of n_h (sps FIRs per symbol: as costly
 * as the sample-level path).
 */
#include "link_impl.h"

#define NOISE_TAIL 1e-12 /* energy of the symbol-rate noise response left out, relative to r_0 */

static const char *why_not(const p4_link *l)
{
    if (l->optm) return "an optical line (nonlinear, per-sample noise)";
    if (!isinf(l->tia_sat_half)) return "TIA compression";
    if (l->cfg.dsp_enable) return "the bit-true DSP receiver (ADC, clock recovery)";
    if (l->passthrough) return "no linear chain to filter";
    if (l->ami) return "the IBIS-AMI receiver's GetWave flow (rx.ami.flow), a waveform through the model";
    if (l->ami_tx) return "the IBIS-AMI transmitter's GetWave flow (tx.ami.flow), a waveform through the model";
    return NULL;
}

void link_symbol_free(p4_link *l)
{
    for (int i = 0; i < l->sym_nin; i++) free(l->sym_h[i]);
    l->sym_nin = 0;
    free(l->noise_sym);
    l->noise_sym = NULL;
}

static double *push_input(p4_link *l, size_t len, int shift)
{
    double *h = calloc(len, sizeof *h);
    if (!h) return NULL;
    l->sym_h[l->sym_nin] = h, l->sym_len[l->sym_nin] = len, l->sym_shift[l->sym_nin] = shift;
    l->sym_nin++;
    return h;
}

/* The symbol-rate noise response g (zero-phase square root of the PSD of r[0..K]) into l->noise_sym. */
static p4_status noise_response(p4_link *l, const double *r, size_t K)
{
    size_t N = 256;
    while (N < 8 * K) N *= 2;
    double *x = fftw_alloc_real(N);
    fftw_complex *X = fftw_alloc_complex(N / 2 + 1);
    fftw_plan f = p4_fft_plan(P4_FFT_R2C, N), b = p4_fft_plan(P4_FFT_C2R, N);
    p4_status st = P4_OK;
    if (!x || !X || !f || !b) st = p4_error(P4_ENOMEM, "out of memory for the symbol-rate noise");
    if (!st) {
        memset(x, 0, N * sizeof *x);
        x[0] = r[0];
        for (size_t k = 1; k <= K; k++) x[k] = x[N - k] = r[k];
        fftw_execute_dft_r2c(f, x, X);
        for (size_t k = 0; k <= N / 2; k++) X[k] = sqrt(fmax(creal(X[k]), 0));
        fftw_execute_dft_c2r(b, X, x);
        double tot = 0;
        for (size_t k = 0; k < N; k++) x[k] /= (double)N, tot += x[k] * x[k];
        /* half-width M: the energy beyond |j| > M is below NOISE_TAIL r_0 */
        size_t M = N / 2 - 1;
        double out = tot - x[0] * x[0];
        for (size_t m = 1; m < N / 2; m++) {
            out -= 2 * x[m] * x[m];
            if (out <= NOISE_TAIL * r[0]) {
                M = m;
                break;
            }
        }
        double *g = l->noise_sym = malloc((2 * M + 1) * sizeof *g);
        if (!g) st = p4_error(P4_ENOMEM, "out of memory for the symbol-rate noise");
        else l->noise_sym_len = 2 * M + 1;
        for (size_t j = 0; g && j <= 2 * M; j++) g[j] = x[(j + N - M) % N];
    }
    fftw_free(x), fftw_free(X);
    return st;
}

/* The noise at symbol spacing: the sample-level noise FIR's autocorrelation at symbol lags. */
static p4_status noise_setup(p4_link *l)
{
    const size_t sps = (size_t)l->sps, K = l->noise_run / sps + 1;
    const double *h = l->noise.h + l->noise_a;
    double *r = calloc(K + 1, sizeof *r);
    if (!r) return p4_error(P4_ENOMEM, "out of memory for the symbol-rate engine");
    for (size_t k = 0; k <= K; k++) {
        double acc = 0;
        for (size_t t = 0; t + k * sps < l->noise_run; t++) acc += h[t] * h[t + k * sps];
        r[k] = acc;
    }
    p4_status st = noise_response(l, r, K);
    free(r);
    return st;
}

p4_status link_symbol_setup(p4_link *l)
{
    const p4_config *c = &l->cfg;
    const char *why = why_not(l);
    int want = strcmp(c->engine, "sample") != 0;
    if (!strcmp(c->engine, "symbol") && why)
        return p4_error(P4_EINVAL, "sim.engine = symbol: this link has %s, which only the sample-level engine models (use auto or sample)", why);
    snprintf(l->info.engine, sizeof l->info.engine, "%s", want && !why ? "symbol" : "sample");
    snprintf(l->info.engine_why, sizeof l->info.engine_why, "%s",
             !want ? "forced by sim.engine" : why ? why : "linear electrical link, floating-point receiver");
    /* noise added after the last nonlinearity can be drawn at the sampler alone (both engines) */
    if (l->has_noise && isinf(l->tia_sat_half) && !l->passthrough && !l->ami) {
        p4_status st = noise_setup(l);
        if (st) return st;
    }
    if (!want || why) return P4_OK;
    const int sps = l->sps, nx = l->nxt;
    double *h[1 + P4_MAX_XTALK + 129];
    size_t len[1 + P4_MAX_XTALK + 129];
    p4_status st = link_phase_responses(l, l->phase, h, len);
    if (st) return st;
    /* the inputs: the pulse, [the noise], the aggressors, then the jitter responses that are not zero */
    l->sym_nin = 0;
    l->sym_h[l->sym_nin] = h[0], l->sym_len[l->sym_nin] = len[0], l->sym_shift[l->sym_nin++] = -1;
    if (l->has_noise) {
        double *g = push_input(l, l->noise_sym_len, -1);
        if (!g) st = p4_error(P4_ENOMEM, "out of memory for the symbol-rate engine");
        else memcpy(g, l->noise_sym, l->noise_sym_len * sizeof *g);
    }
    for (int i = 0; i < nx; i++) l->sym_h[l->sym_nin] = h[1 + i], l->sym_len[l->sym_nin] = len[1 + i], l->sym_shift[l->sym_nin++] = -1;
    l->sym_njit = 0;
    for (int s = 0; s <= sps; s++) {
        if (!h[1 + nx + s]) continue;
        l->sym_h[l->sym_nin] = h[1 + nx + s], l->sym_len[l->sym_nin] = len[1 + nx + s], l->sym_shift[l->sym_nin++] = s;
        l->sym_njit++;
    }
    if (!st) l->symbol_engine = 1;
    return st;
}

/* The symbol-spaced responses of the chain read at sample phase ph (0 <= ph < sps of the UI, as
 * u->rx[m sps + ph]), each allocated: h[0] the pulse R, h[1 + i] aggressor i's X_i, h[1 + nxt + s] the
 * jitter response D_s of the whole-sample edge position s = 0..sps, NULL where it is zero (the
 * unjittered edge's own position). Design: the comment at the top of this file. */
p4_status link_phase_responses(const p4_link *l, int ph, double **h, size_t *len)
{
    const int sps = l->sps, nx = l->nxt;
    for (int i = 0; i < 1 + nx + sps + 1; i++) h[i] = NULL, len[i] = 0;
    const long L = (long)l->sig_run;
    double *H = malloc((size_t)L * sizeof *H);
    if (!H) return p4_error(P4_ENOMEM, "out of memory for the symbol-rate responses");
    H[0] = l->sig.h[0];
    for (long t = 1; t < L; t++) H[t] = H[t - 1] + l->sig.h[t];
#define HS(n) ((n) < 0 ? 0.0 : (n) >= L ? H[L - 1] : H[(n)])
    /* the unjittered edge at u = sps/2 samples into its UI (half a sample in for odd sps) */
    const int u00 = sps / 2;
    const double f0 = 0.5 * sps - u00;
    const size_t J = (size_t)(L + 2 * sps) / (size_t)sps + 2; /* past J every edge response is H[L-1] */
    double *Sb = malloc(J * sizeof *Sb);
    p4_status st = Sb ? P4_OK : p4_error(P4_ENOMEM, "out of memory for the symbol-rate responses");
    for (size_t j = 0; !st && j < J; j++) {
        long n = (long)j * sps + ph - u00;
        Sb[j] = (1 - f0) * HS(n) + f0 * HS(n - 1);
    }
    double *R = st ? NULL : (h[0] = calloc(J, sizeof *R));
    len[0] = J;
    if (!st && !R) st = p4_error(P4_ENOMEM, "out of memory for the symbol-rate responses");
    for (size_t j = 0; R && j < J; j++) R[j] = Sb[j] - (j ? Sb[j - 1] : 0);
    /* aggressors: their run taps through one rendered symbol of level 1 ([1, 0] over 2 UI), at the phase */
    double one[2] = {1, 0}, rect[2 * 128];
    p4_render r1;
    p4_render_init(&r1, sps);
    p4_render_run(&r1, one, NULL, 2, rect);
    for (int i = 0; !st && i < nx; i++) {
        const long xl = (long)l->xt_run[i];
        const double amp = l->xt_amp_v[i];
        size_t n = (size_t)(xl + 2 * sps - ph + sps - 1) / (size_t)sps;
        double *X = h[1 + i] = calloc(n ? n : 1, sizeof *X);
        len[1 + i] = n ? n : 1;
        if (!X) st = p4_error(P4_ENOMEM, "out of memory for the symbol-rate responses");
        for (size_t j = 0; X && j < n; j++) {
            double v = 0;
            for (int q = 0; q < 2 * sps; q++) {
                long t = (long)j * sps + ph - q;
                if (t >= 0 && t < xl) v += rect[q] * l->xt[i].h[t];
            }
            X[j] = amp * v;
        }
    }
    /* jitter: one response per whole-sample edge position s (none where it equals the unjittered) */
    for (int s = 0; !st && s <= sps; s++) {
        int zero = 1;
        for (size_t j = 0; zero && j < J; j++) zero = HS((long)j * sps + ph - s) - Sb[j] == 0;
        if (zero) continue;
        double *D = h[1 + nx + s] = calloc(J, sizeof *D);
        len[1 + nx + s] = J;
        if (!D) st = p4_error(P4_ENOMEM, "out of memory for the symbol-rate responses");
        for (size_t j = 0; D && j < J; j++) D[j] = HS((long)j * sps + ph - s) - Sb[j];
    }
#undef HS
    free(H), free(Sb);
    if (st)
        for (int i = 0; i < 1 + nx + sps + 1; i++) free(h[i]), h[i] = NULL;
    return st;
}

p4_status unit_symbol_alloc(const p4_link *l, unit_state *u)
{
    if (l->noise_sym) {
        u->nfir = p4_fir_create(1, (const double *const *)&l->noise_sym, &l->noise_sym_len);
        u->nw = malloc(2 * u->nsym * sizeof *u->nw);
        if (!u->nfir || !u->nw) return p4_error(P4_ENOMEM, "out of memory for a work unit");
    }
    if (!l->symbol_engine) return P4_OK;
    u->sfir = p4_fir_create(l->sym_nin, (const double *const *)l->sym_h, l->sym_len);
    if (!u->sfir) return P4_ENOMEM;
    size_t hop = link_chunk_hop(l->sym_len, l->sym_nin);
    u->schunk = hop > u->chunk ? hop / u->chunk * u->chunk : u->chunk;
    u->sbuf = malloc(u->schunk * (size_t)(4 + l->nxt + l->sym_njit) * sizeof *u->sbuf);
    u->sxsym = malloc(u->schunk);
    return u->sbuf && u->sxsym ? P4_OK : p4_error(P4_ENOMEM, "out of memory for a work unit");
}

/* The noise response is zero-phase: fill input idx's history of FIR f (nin inputs, every other one
 * zero) with len - 1 white samples, so that the noise is stationary from the unit's first symbol.
 * w and scratch hold S doubles. */
void unit_noise_prefill(p4_fir *f, int nin, int idx, size_t len, p4_rng *rn, double *w, double *scratch, size_t S)
{
    const double *in[P4_SYM_INPUTS];
    for (int i = 0; i < nin; i++) in[i] = NULL;
    in[idx] = w;
    for (size_t done = 0, pre = len - 1; done < pre; done += S) {
        size_t n = pre - done < S ? pre - done : S;
        p4_rng_gauss_fill(rn, w, n, 1.0);
        p4_fir_run(f, in, n, scratch);
    }
}

/* The sample-level engine's additive noise where it is read: u->nsym values at symbol spacing,
 * white noise from rn through l->noise_sym (stationary from the first). Returns them (in u->nw). */
const double *unit_sym_noise(const p4_link *l, unit_state *u, p4_rng *rn)
{
    double *w = u->nw, *out = u->nw + u->nsym;
    const double *in[1] = {w};
    p4_fir_reset(u->nfir);
    unit_noise_prefill(u->nfir, 1, 0, l->noise_sym_len, rn, w, out, u->nsym);
    p4_rng_gauss_fill(rn, w, u->nsym, 1.0);
    p4_fir_run(u->nfir, in, u->nsym, out);
    return out;
}

/* The symbol-rate engine's version of unit_simulate (link_unit.c) for the floating-point receiver:
 * fills u->tx, u->line, u->xs and the decisions (u->y, u->z, u->fb, u->dec), not u->rx. */
void unit_symbol_simulate(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0)
{
    const int sps = l->sps, nxt = l->nxt, nj = l->sym_njit, j0 = l->sym_nin - nj;
    p4_rng rj, rn;
    p4_jitter jit;
    uint64_t start = unit_begin(l, u, unit, k0, &rj, &rn, &jit);
    int jon = p4_jitter_active(&jit);
    p4_fir_reset(u->sfir);
    const size_t S = u->schunk;
    double *lev = u->sbuf, *ffe = lev + S, *delta = ffe + S, *w = delta + S, *xlev = w + S, *cj = xlev + (size_t)nxt * S;
    if (l->has_noise) unit_noise_prefill(u->sfir, l->sym_nin, 1, l->sym_len[1], &rn, w, lev, S);
    const double *in[P4_SYM_INPUTS];
    int slot[130]; /* input of each whole-sample edge position, -1: none */
    for (int s = 0; s <= sps; s++) slot[s] = -1;
    for (int i = 0; i < nj; i++) slot[l->sym_shift[j0 + i]] = i;
    uint8_t pstate = 0;
    double prev = 0; /* the TX FFE output before the chunk's first edge */
    for (size_t s0 = 0; s0 < u->nsym; s0 += S) {
        const size_t n = u->nsym - s0 < S ? u->nsym - s0 : S;
        int k = 0;
        unit_levels(l, u, start, s0, n, &pstate, lev, ffe);
        in[k++] = ffe;
        if (l->has_noise) {
            p4_rng_gauss_fill(&rn, w, n, 1.0);
            in[k++] = w;
        }
        for (int i = 0; i < nxt; i++) {
            double *a = xlev + (size_t)i * S;
            p4_pattern_run(u->xpat[i], u->sxsym, n);
            for (size_t t = 0; t < n; t++) a[t] = l->lv[u->sxsym[t]];
            in[k++] = a;
        }
        for (int i = 0; i < nj; i++) in[j0 + i] = NULL;
        if (jon) {
            p4_jitter_edges(&jit, &rj, start + s0, n, delta);
            for (size_t t = 0; t < n; t++) {
                double step = ffe[t] - prev, wgt[2];
                prev = ffe[t];
                if (step == 0) continue;
                const int u0 = edge_split(sps, delta[t], step, wgt);
                for (int e = 0; e < 2; e++) {
                    int i = slot[u0 + e];
                    if (i < 0 || wgt[e] == 0) continue;
                    double *cw = cj + (size_t)i * S;
                    if (!in[j0 + i]) memset(cw, 0, n * sizeof *cw), in[j0 + i] = cw;
                    cw[t] += wgt[e];
                }
            }
        }
        p4_fir_run(u->sfir, in, n, u->xs + s0);
    }
    unit_decide(l, u);
}
