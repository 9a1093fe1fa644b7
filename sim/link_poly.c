/* link_poly.c - the DSP receiver's waveform made only at the phases it reads (a linear electrical
 * link, sim.noise auto).
 *
 * The bit-true DSP receiver reads the unit's waveform at its own clock: four samples around one
 * instant per UI (cubic interpolation), plus an eye scan across the UI now and then. The
 * sample-level engine makes all sps samples of every UI through an overlap-save FIR at the sample
 * rate (an r2c and a c2r of 8192 points per 420 UI: most of a DSP receiver's run). Everything up to
 * the waveform is linear in the symbol-level inputs (link_symbol.c): the sample at phase r of UI m is
 *
 *   rx[m sps + r] = sum_i (in_i * h_i,r)[m]
 *
 * with in_0 the TX FFE's output, in_1..nx the aggressors' levels, in_(1+nx+s) the jitter weights of
 * the edges next to whole-sample position s, and h_i,r their symbol-spaced responses at phase r
 * (link_phase_responses: the symbol-rate engine's, for every phase). So phase r of a block of B
 * symbols is one inverse transform of sum_i X_i H_i,r, the inputs' spectra X_i shared by the phases.
 * Here a phase of a block is made the first time the receiver reads a sample of it
 * (p4_dsprx_source: a bit per phase per block) into a ring of POLY_RING blocks; a block's input
 * spectra are kept in a small cache (the receiver moves forward; its eye scans look a few blocks
 * ahead). The eye (unit_count) reads the RX FFE's output at every phase of each UI, not the
 * waveform: phase r of that output is one inverse transform of sum_i X_i H_i,r W, with W the FFE's
 * spectrum folded into the responses at set-up (G), made block by block as the eye reaches it. So a
 * unit with eye symbols makes the phases its receiver reads (about 5 of 16) and the eye's 16, and
 * never holds its whole waveform (16.8 MB for 131072 symbols) nor runs the FFE at 16 phases per
 * symbol. The block's overlap covers the responses through the FFE (J + nffe - 1). Each sample's
 * value depends only on its block and phase, never on the order of the reads, so results do not
 * depend on it (nor on threads). The values are those of the sample-level FIR, and of the FFE over
 * it, up to rounding (tests/test_poly.c: within 1e-12 of the peak, and of the peak times sum |w|).
 *
 * Where it does not apply (link_poly_setup says why not and the FIR at the sample rate runs): noise in
 * the waveform (sim.noise = waveform, the bang-bang CDR), an optical line or TIA compression
 * (nonlinear), an IBIS-AMI transmitter's GetWave, sps not a power of two.
 */
#include "link_impl.h"

#define POLY_CACHE 8 /* blocks whose input spectra are kept */
#define POLY_RING 8  /* blocks of waveform a unit keeps (a power of two; tests may keep it whole) */
#define PHASE_PAD 8    /* doubles between the eye rows: rows B apart (a power of two) would all
                          * fall in one set of the L1 cache, which the eye's loop reads across */
#define EYE_RING 3     /* eye blocks kept: a symbol's phases reach the blocks of m - 1 .. m + 1 */
#define POLY_MAX_BYTES 256e6 /* the responses' spectra; more (sim.sps 64 and long responses): the FIR */

struct link_poly {
    int sps, nin, nx, shift;   /* inputs: 0 TX FFE, 1..nx aggressors, 1+nx+s jitter at s = 0..sps  */
    size_t B, N, nb;           /* symbols per block (a power of two), transform length, N/2+1     */
    fftw_complex **H;          /* [r * nin + i]: spectrum of h_i,r / N, NULL where the response is 0 */
    fftw_complex **G;          /* [r * nin + i]: H_i,r times the RX FFE's spectrum (the eye's samples) */
    unsigned char jany[129];   /* jitter position s has a response at some phase                  */
    fftw_plan fwd, inv;
};

struct unit_poly {
    const link_poly *lp;
    size_t nsym, nblocks;
    double **in;               /* each input over the unit (nsym), NULL: all zero                 */
    uint64_t *ready;           /* per block: the phases made                                       */
    double *buf;               /* N: a block's input segment, then a phase's output                */
    fftw_complex *acc, **X[POLY_CACHE]; /* the cache: nin spectra per slot (each fftw-aligned)      */
    unsigned char *live[POLY_CACHE];    /* which inputs are not zero in the slot's block            */
    long cached[POLY_CACHE];
    double *rx;                /* where the phases go: the unit's waveform, or the ring            */
    double *ring;              /* POLY_RING blocks of the waveform (a unit without eye symbols)    */
    double *eye;               /* EYE_RING blocks of the eye's samples: sps rows of B + PHASE_PAD     */
    long eye_owner[EYE_RING];  /* the block in each eye slot, -1: none                            */
    long owner[POLY_RING];     /* the block in each ring slot, -1: none                            */
    int use_ring;
    int oom;                   /* a jitter input could not be allocated: the unit takes the FIR     */
    unsigned char jused[129];  /* jitter input s holds weights of this unit                        */
};

void link_poly_free(link_poly *p)
{
    if (!p) return;
    for (int k = 0; p->H && k < p->sps * p->nin; k++) fftw_free(p->H[k]);
    for (int k = 0; p->G && k < p->sps * p->nin; k++) fftw_free(p->G[k]);
    free(p->H), free(p->G);
    free(p);
}

static const char *why_not(const p4_link *l)
{
    const p4_config *c = &l->cfg;
    if (!c->dsp_enable) return "no DSP receiver";
    if (!strcmp(c->noise_draw, "waveform")) return "sim.noise = waveform";
    if (l->dsp_setup.detector == P4_CDR_BANGBANG) return "the bang-bang CDR (noise in the waveform)";
    if (l->optm) return "an optical line (nonlinear)";
    if (!isinf(l->tia_sat_half)) return "TIA compression";
    if (l->ami || l->ami_tx) return "an IBIS-AMI GetWave flow";
    if (l->passthrough) return "no linear chain";
    if (l->has_noise && !l->noise_sym) return "noise not additive at the end";
    if (l->sps > 64 || (l->sps & (l->sps - 1))) return "sim.sps not a power of two <= 64";
    return NULL;
}

/* Symbols per block for responses J symbols long: at least 4 J, a power of two from 1024. */
static size_t poly_block(size_t J)
{
    size_t B = 1024;
    while (B < 4 * J) B *= 2;
    return B;
}

/* The transform for blocks of B symbols and responses J long: B plus an overlap of at least J, of a
 * length FFTW transforms fast. B 9/8 (2^k 9) or B 5/4 (2^k 5), which poly_block's B >= 4 J always
 * allows (before 0.9.0 the overlap was rounded to 64: 1088 = 64 17, a factor FFTW's codelets do not
 * cover, so it ran on its generic code). The overlap beyond J is history the output does not read. */
static size_t poly_len(size_t B, size_t J)
{
    return J <= B / 8 ? B / 8 * 9 : B / 4 * 5;
}

p4_status link_poly_setup(p4_link *l)
{
    if (why_not(l)) return P4_OK;
    const int sps = l->sps, nx = l->nxt, nin = 1 + nx + sps + 1;
    /* the spectra of every input at every phase, at most: above POLY_MAX_BYTES the FIR runs */
    {
        size_t run = l->sig_run;
        for (int i = 0; i < nx; i++) run = l->xt_run[i] > run ? l->xt_run[i] : run;
        const size_t J = run / (size_t)sps + 4 + (size_t)l->info.nffe, B = poly_block(J);
        if (2.0 * sps * nin * (double)(poly_len(B, J) + 2) * 8 > POLY_MAX_BYTES) return P4_OK;
    }
    double *h[1 + P4_MAX_XTALK + 129];
    size_t len[1 + P4_MAX_XTALK + 129];
    link_poly *p = calloc(1, sizeof *p);
    if (!p) return p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
    p->sps = sps, p->nx = nx, p->nin = nin;
    p->H = calloc((size_t)sps * nin, sizeof *p->H), p->G = calloc((size_t)sps * nin, sizeof *p->G);
    p4_status st = p->H && p->G ? P4_OK : p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
    double *x = NULL;
    fftw_complex *W = NULL; /* the RX FFE's spectrum (the eye's samples are the FFE's output) */
    const int nffe = l->info.nffe;
    for (int r = 0; !st && r < sps; r++) {
        st = link_phase_responses(l, r, h, len);
        if (st) break;
        if (r == 0) { /* the block: at least 4 x the longest response through the FFE; the transform
                       * B 9/8 or B 5/4 */
            size_t J = 1;
            for (int i = 0; i < nin; i++) J = len[i] > J ? len[i] : J;
            J += (size_t)(nffe > 1 ? nffe - 1 : 0);
            p->B = poly_block(J);
            p->N = poly_len(p->B, J);
            p->nb = p->N / 2 + 1;
            int s = 0; /* 2^shift samples per block */
            while (((size_t)1 << s) < (size_t)sps * p->B) s++;
            p->shift = s;
            x = fftw_alloc_real(p->N), W = fftw_alloc_complex(p->nb);
            if (!x || !W) st = p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
            if (!st && !(p->fwd = p4_fft_plan(P4_FFT_R2C, p->N)))
                st = p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
            if (!st) {
                memset(x, 0, p->N * sizeof *x);
                for (int i = 0; i < nffe; i++) x[i] = l->info.ffe[i];
                fftw_execute_dft_r2c(p->fwd, x, W);
            }
        }
        for (int i = 0; !st && i < nin; i++) {
            if (!h[i]) continue;
            /* longer than the overlap the block allows: cannot happen (J sets N), but never wrap */
            if (len[i] + (size_t)(nffe > 1 ? nffe - 1 : 0) > p->N - p->B + 1) {
                st = p4_error(P4_EINVAL, "internal: a phase response of %zu taps exceeds the block's overlap", len[i]);
                break;
            }
            if (i >= 1 + nx) p->jany[i - 1 - nx] = 1;
            fftw_complex *Hk = p->H[r * nin + i] = fftw_alloc_complex(p->nb);
            if (!Hk) {
                st = p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
                break;
            }
            memset(x, 0, p->N * sizeof *x);
            memcpy(x, h[i], len[i] * sizeof *x);
            fftw_execute_dft_r2c(p->fwd, x, Hk);
            for (size_t k = 0; k < p->nb; k++) Hk[k] /= (double)p->N;
            fftw_complex *Gk = p->G[r * nin + i] = fftw_alloc_complex(p->nb);
            if (!Gk) {
                st = p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
                break;
            }
            for (size_t k = 0; k < p->nb; k++) Gk[k] = Hk[k] * W[k];
        }
        for (int i = 0; i < nin; i++) free(h[i]);
    }
    fftw_free(x), fftw_free(W);
    if (!st && !(p->inv = p4_fft_plan(P4_FFT_C2R, p->N))) st = p4_error(P4_ENOMEM, "out of memory for the DSP receiver's waveform");
    if (st) {
        link_poly_free(p);
        return st;
    }
    l->poly = p;
    size_t n = strlen(l->info.engine_why);
    snprintf(l->info.engine_why + n, sizeof l->info.engine_why - n, "; waveform made at the phases it reads");
    return P4_OK;
}

void unit_poly_free(unit_poly *u)
{
    if (!u) return;
    for (int i = 0; u->in && i < u->lp->nin; i++) free(u->in[i]);
    free(u->in);
    free(u->ready);
    fftw_free(u->buf), fftw_free(u->acc);
    free(u->ring), free(u->eye);
    for (int k = 0; k < POLY_CACHE; k++) {
        for (int i = 0; u->X[k] && i < u->lp->nin; i++) fftw_free(u->X[k][i]);
        free(u->X[k]), free(u->live[k]);
    }
    free(u);
}

p4_status unit_poly_alloc(const p4_link *l, unit_state *u)
{
    const link_poly *p = l->poly;
    unit_poly *q = u->poly = calloc(1, sizeof *q);
    if (!q) return p4_error(P4_ENOMEM, "out of memory for a work unit");
    q->lp = p, q->nsym = u->nsym, q->nblocks = (u->nsym + p->B - 1) / p->B;
    q->in = calloc((size_t)p->nin, sizeof *q->in);
    q->ready = calloc(q->nblocks, sizeof *q->ready);
    q->buf = fftw_alloc_real(p->N), q->acc = fftw_alloc_complex(p->nb);
    q->ring = malloc((size_t)POLY_RING * p->B * (size_t)p->sps * sizeof *q->ring);
    q->eye = malloc((size_t)EYE_RING * (p->B + PHASE_PAD) * (size_t)p->sps * sizeof *q->eye);
    int ok = q->in && q->ready && q->buf && q->acc && q->ring && q->eye && (q->in[0] = calloc(u->nsym, sizeof(double)));
    for (int i = 0; ok && i < p->nx; i++) ok = (q->in[1 + i] = calloc(u->nsym, sizeof(double))) != NULL;
    for (int k = 0; ok && k < POLY_CACHE; k++) { /* a spectrum for every input that has a response */
        ok = (q->X[k] = calloc((size_t)p->nin, sizeof *q->X[k])) && (q->live[k] = calloc((size_t)p->nin, 1));
        for (int i = 0; ok && i < p->nin; i++)
            if (i <= p->nx || p->jany[i - 1 - p->nx]) ok = (q->X[k][i] = fftw_alloc_complex(p->nb)) != NULL;
        q->cached[k] = -1;
    }
    return ok ? P4_OK : p4_error(P4_ENOMEM, "out of memory for a work unit");
}

/* The unit's inputs (the pattern, precoding, levels, TX FFE, jitter and aggressor streams of
 * unit_simulate, chunk by chunk in the same order) and nothing made yet. */
void unit_poly_begin(const p4_link *l, unit_state *u, uint64_t start, p4_rng *rj, const p4_jitter *jit, int ring)
{
    unit_poly *q = u->poly;
    const link_poly *p = q->lp;
    const int sps = l->sps, nx = l->nxt, j0 = 1 + nx;
    const int jon = p4_jitter_active(jit);
    p4_jitter jt = *jit;
    for (int i = j0; i < p->nin; i++) /* jitter inputs: kept from unit to unit, cleared where used */
        if (q->jused[i - j0]) memset(q->in[i], 0, u->nsym * sizeof(double)), q->jused[i - j0] = 0;
    memset(q->ready, 0, q->nblocks * sizeof *q->ready);
    for (int k = 0; k < POLY_CACHE; k++) q->cached[k] = -1;
    q->use_ring = ring, q->rx = ring ? q->ring : u->rx, q->oom = 0;
    for (int k = 0; k < POLY_RING; k++) q->owner[k] = -1;
    for (int k = 0; k < EYE_RING; k++) q->eye_owner[k] = -1;
    uint8_t pstate = 0;
    double prev = 0; /* the TX FFE output before the chunk's first edge */
    const size_t ch = u->chunk;
    for (size_t s0 = 0; s0 < u->nsym; s0 += ch) {
        double *ffe = q->in[0] + s0;
        unit_levels(l, u, start, s0, ch, &pstate, u->lev, ffe);
        if (jon) {
            p4_jitter_edges(&jt, rj, start + s0, ch, u->delta);
            for (size_t t = 0; t < ch; t++) { /* the symbol-rate engine's edge weights */
                double step = ffe[t] - prev, wgt[2];
                prev = ffe[t];
                if (step == 0) continue;
                const int u0 = edge_split(sps, u->delta[t], step, wgt);
                for (int e = 0; e < 2; e++) {
                    const int s = u0 + e, i = j0 + s;
                    if (s < 0 || s > sps || wgt[e] == 0 || !p->jany[s]) continue; /* as the unjittered edge */
                    if (!q->in[i] && !(q->in[i] = calloc(u->nsym, sizeof(double)))) {
                        q->oom = 1;
                        continue;
                    }
                    q->jused[s] = 1;
                    q->in[i][s0 + t] += wgt[e];
                }
            }
        }
        for (int i = 0; i < nx; i++) {
            p4_pattern_run(u->xpat[i], u->xsym, ch);
            for (size_t t = 0; t < ch; t++) q->in[1 + i][s0 + t] = l->lv[u->xsym[t]];
        }
    }
}

/* The cache slot holding block b's input spectra (made when absent). */
static int block_spectra(unit_poly *q, size_t b)
{
    const link_poly *p = q->lp;
    int k = (int)(b % POLY_CACHE);
    if (q->cached[k] == (long)b) return k;
    const size_t ov = p->N - p->B;                     /* history before the block */
    const long first = (long)(b * p->B) - (long)ov;    /* symbol of buf[0] */
    /* the segment's symbols inside the unit: buf[t0, t1) */
    const size_t t0 = first < 0 ? (size_t)-first : 0;
    const size_t t1 = (size_t)(first + (long)p->N) <= q->nsym ? p->N : (size_t)((long)q->nsym - first);
    for (int i = 0; i < p->nin; i++) {
        q->live[k][i] = 0;
        if (!q->in[i] || (i > p->nx && !q->jused[i - 1 - p->nx])) continue;
        const double *src = q->in[i] + (first + (long)t0); /* buf[t0] */
        int nz = i <= p->nx; /* the levels: taken as live; a jitter input: where an edge falls */
        for (size_t t = 0; !nz && t < t1 - t0; t++) nz = src[t] != 0;
        if (!nz) continue;
        memset(q->buf, 0, t0 * sizeof *q->buf);
        memcpy(q->buf + t0, src, (t1 - t0) * sizeof *q->buf);
        memset(q->buf + t1, 0, (p->N - t1) * sizeof *q->buf);
        fftw_execute_dft_r2c(p->fwd, q->buf, q->X[k][i]);
        q->live[k][i] = 1;
    }
    q->cached[k] = (long)b;
    return k;
}

/* Phase r of block b (its n samples, one per UI) into out[0..n): of the waveform (T = p->H), or
 * of the RX FFE's output (T = p->G). */
static void phase_out(unit_poly *q, fftw_complex *const *T, size_t b, int r, size_t n, double *out)
{
    const link_poly *p = q->lp;
    const int k = block_spectra(q, b);
    int any = 0; /* acc = sum_i X_i T_i,r */
    for (int i = 0; i < p->nin; i++) {
        const fftw_complex *H = T[r * p->nin + i];
        if (!H || !q->live[k][i]) continue;
        p4_spec_mac(q->acc, q->X[k][i], H, p->nb, any);
        any = 1;
    }
    if (!any) {
        memset(out, 0, n * sizeof *out);
        return;
    }
    fftw_execute_dft_c2r(p->inv, q->acc, q->buf);
    memmove(out, q->buf + (p->N - p->B), n * sizeof *out);
}

/* Where block b's samples go: the unit's waveform, or its ring slot (whose previous block's
 * phases are then gone). */
static double *block_dest(unit_poly *q, size_t b)
{
    const size_t sps = (size_t)q->lp->sps;
    if (!q->use_ring) return q->rx + b * q->lp->B * sps;
    const size_t k = b % POLY_RING;
    if (q->owner[k] != (long)b) {
        if (q->owner[k] >= 0) q->ready[q->owner[k]] = 0;
        q->owner[k] = (long)b;
    }
    return q->ring + k * q->lp->B * sps;
}

static size_t block_len(const unit_poly *q, size_t b)
{
    const size_t m0 = b * q->lp->B;
    return m0 + q->lp->B <= q->nsym ? q->lp->B : q->nsym - m0;
}

/* Phase r of block b into the waveform (a store every sps samples). */
static void make_phase(unit_poly *q, size_t b, int r)
{
    const size_t sps = (size_t)q->lp->sps, n = block_len(q, b);
    double *rx = block_dest(q, b) + (size_t)r;
    phase_out(q, (fftw_complex *const *)q->lp->H, b, r, n, q->buf);
    for (size_t t = 0; t < n; t++) rx[t * sps] = q->buf[t];
    q->ready[b] |= (uint64_t)1 << r;
}

/* The eye's samples of block b: the RX FFE's output at every phase, row r = phase r (made in the
 * spectral domain: sum_i X_i H_i,r W, the FFE's spectrum folded into the responses), in the eye's
 * ring. */
const double *unit_poly_eye_block(const unit_state *u, size_t b)
{
    unit_poly *q = u->poly;
    const size_t sps = (size_t)q->lp->sps, RS = q->lp->B + PHASE_PAD, k = b % EYE_RING;
    double *rows = q->eye + k * sps * RS;
    if (q->eye_owner[k] != (long)b && b >= q->nblocks) { /* past the unit (the eye never reads there) */
        memset(rows, 0, sps * RS * sizeof *rows);
        q->eye_owner[k] = (long)b;
    } else if (q->eye_owner[k] != (long)b) {
        const size_t n = block_len(q, b);
        for (size_t r = 0; r < sps; r++) { /* a short last block: zeros after its end */
            phase_out(q, (fftw_complex *const *)q->lp->G, b, (int)r, n, rows + r * RS);
            memset(rows + r * RS + n, 0, (RS - n) * sizeof *rows);
        }
        q->eye_owner[k] = (long)b;
    }
    return rows;
}

size_t unit_poly_block(const unit_state *u) { return u->poly->lp->B; }
size_t unit_poly_eye_stride(const unit_state *u) { return u->poly->lp->B + PHASE_PAD; }

/* The receiver's first read of a phase. */
static void fill(void *ctx, size_t sample)
{
    unit_poly *q = ctx;
    const size_t sps = (size_t)q->lp->sps;
    make_phase(q, sample / sps / q->lp->B, (int)(sample % sps));
}

/* The receiver's source: this unit's waveform, made on demand. */
const double *unit_poly_source(unit_state *u, p4_dsprx_source *s)
{
    unit_poly *q = u->poly;
    const size_t ring = q->use_ring ? (size_t)POLY_RING * q->lp->B * (size_t)q->lp->sps - 1 : 0;
    *s = (p4_dsprx_source){q->ready, q->lp->shift, (size_t)q->lp->sps - 1, fill, q, ring};
    return q->rx;
}

/* Every phase of every block of a unit that keeps its whole waveform (unit_state.poly_whole: the
 * tests compare it with the FIR's). */
void unit_poly_complete(const unit_state *u)
{
    unit_poly *q = u->poly;
    if (q->use_ring) return;
    for (size_t b = 0; b < q->nblocks; b++)
        for (int r = 0; r < q->lp->sps; r++)
            if (!(q->ready[b] >> r & 1)) make_phase(q, b, r);
}

/* Whether unit_poly_begin could not hold the unit's inputs (out of memory): the unit then makes its
 * waveform by the FIR at the sample rate (the same samples up to rounding). */
int unit_poly_failed(const unit_state *u) { return u->poly && u->poly->oom; }
