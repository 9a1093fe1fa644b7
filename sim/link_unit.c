/* link_unit.c - the sample-level engine: one work unit of a link simulated and counted.
 *
 * Per work unit (symbols [W + L + T] where W is the warm-up, L the counted symbols, T the tail the
 * link's delay needs), in chunks of one FIR hop:
 *   pattern -> precode -> levels (RLM, amplitude) -> TX FFE -> render with jittered edges
 *   [-> an IBIS-AMI TX model's GetWave, the TX FFE then unity (link_ami_tx.c)]
 *   -> [FIR: TX bandwidth x channel x RX filter x CTLE] + [FIR: aggressors] + [its own FIR: shaped
 *   noise, whose long zero-phase response would otherwise set the FFT size of the chain's; only with
 *   sim.noise = waveform, the bang-bang CDR or where the noise is not additive at the end]
 *   -> unit RX waveform
 * The additive receiver noise is otherwise drawn where it is read, at symbol rate with the
 * autocorrelation it has at symbol lags (link_symbol.c: l->noise_sym): added to the sampler's
 * samples, to the DSP receiver's reads (p4_dsprx_run_noise) and, through the FFE, to the eye's
 * equalized samples. Every phase of a stationary noise has the law of the sampled one, so the reads
 * and each phase of the eye see the noise they would see in the waveform; what differs is only
 * that the eye's phases of one symbol share a draw, and the DSP's reads are symbol-spaced where its
 * clock moves them by a fraction of a sample (its frequency offset, its loop), a change of lag
 * far below the noise's correlation time. This draws one value per UI instead of sps and skips the
 * noise FIR (about a third of a DSP receiver's run).
 * then over the unit: sample at the phase -> RX FFE -> DFE + slicer (or the DSP receiver) ->
 * precode decode -> count against the TX symbols delayed by the correlation delay; eye histogram at
 * every phase.
 */
#include "link_impl.h"
#include "../dsp/clones.h"

void unit_free(unit_state *u, int nxt)
{
    free(u->tx), free(u->line), free(u->lev), free(u->ffe_out), free(u->delta), free(u->wave);
    free(u->noise), free(u->rx), free(u->xs), free(u->y), free(u->z), free(u->fb), free(u->dec), free(u->xsym);
    free(u->dec_dfe);
    p4_framer_destroy(u->fr);
    for (int i = 0; i < nxt; i++) free(u->xlev[i]), free(u->xwave[i]), p4_pattern_destroy(u->xpat[i]);
    p4_fir_destroy(u->fir);
    p4_ffe_destroy(u->txffe);
    p4_ffe_destroy(u->rxffe);
    p4_pattern_destroy(u->pat);
    p4_dsprx_destroy(u->dsp);
    p4_optics_destroy(u->opt);
    free(u->owave);
    p4_fir_destroy(u->sfir);
    p4_fir_destroy(u->nfir);
    p4_fir_destroy(u->noisefir);
    free(u->nout);
    free(u->nw);
    free(u->sbuf), free(u->sxsym);
    unit_ami_free(u->ami), unit_ami_tx_free(u->ami_tx);
    unit_poly_free(u->poly);
}

/* with_dsp: give the unit its own DSP receiver (when the link has one). */
p4_status unit_alloc(const p4_link *l, size_t counted, int with_dsp, unit_state *u)
{
    memset(u, 0, sizeof *u);
    const p4_config *c = &l->cfg;
    const double *h[2 + P4_MAX_XTALK];
    size_t len[2 + P4_MAX_XTALK];
    int nin = 0;
    if (!l->passthrough) {
        h[nin] = l->sig.h, len[nin++] = l->sig_run;
        for (int i = 0; i < l->nxt; i++) h[nin] = l->xt[i].h, len[nin++] = l->xt_run[i];
        u->fir = p4_fir_create(nin, h, len);
        if (!u->fir) return P4_ENOMEM;
        const double *nh = l->noise.h + l->noise_a;
        if (l->has_noise && !(u->noisefir = p4_fir_create(1, &nh, &l->noise_run))) return P4_ENOMEM;
        /* the larger chunk hop of the two FIRs (each loops over its own hops), in a multiple of 32
         * symbols: the random pattern draws 32 symbols per word and drops the rest of a word at the
         * end of a call, so both engines must cut their chunks on those words */
        size_t hop = link_chunk_hop(len, nin);
        if (u->noisefir && link_chunk_hop(&l->noise_run, 1) > hop) hop = link_chunk_hop(&l->noise_run, 1);
        u->chunk = hop / l->sps;
        if (u->chunk >= 32) u->chunk -= u->chunk % 32;
    } else
        u->chunk = 1024;
    size_t need = l->warm + counted + l->tail;
    u->nsym = (need + u->chunk - 1) / u->chunk * u->chunk;
    u->nsamp = u->nsym * l->sps;
    size_t cs = u->chunk * l->sps;
    u->tx = malloc(u->nsym), u->line = malloc(u->nsym), u->dec = malloc(u->nsym), u->xsym = malloc(u->chunk);
    u->dec_dfe = malloc(u->nsym);
    if (l->fec && !(u->fr = p4_framer_create(l->inner, (int)c->fec_interleave, (uint64_t)c->seed)))
        return p4_error(P4_ENOMEM, "out of memory for a work unit");
    u->lev = malloc(u->chunk * sizeof(double)), u->ffe_out = malloc(u->chunk * sizeof(double));
    u->delta = malloc(u->chunk * sizeof(double));
    u->wave = malloc(cs * sizeof(double)), u->noise = malloc(cs * sizeof(double)), u->nout = malloc(cs * sizeof(double));
    u->rx = malloc(u->nsamp * sizeof(double));
    u->xs = malloc(u->nsym * sizeof(double)), u->y = malloc(u->nsym * sizeof(double));
    u->z = malloc(u->nsym * sizeof(double)), u->fb = malloc(u->nsym * sizeof(double));
    int ok = u->tx && u->line && u->dec && u->dec_dfe && u->xsym && u->lev && u->ffe_out && u->delta && u->wave && u->noise && u->nout &&
             u->rx && u->xs && u->y && u->z && u->fb;
    for (int i = 0; i < l->nxt; i++) {
        u->xlev[i] = malloc(u->chunk * sizeof(double));
        u->xwave[i] = malloc(cs * sizeof(double));
        u->xpat[i] = p4_pattern_create("random", (uint64_t)c->seed ^ (0x5851F42D4C957F2Dull * (uint64_t)(i + 1)));
        ok = ok && u->xlev[i] && u->xwave[i] && u->xpat[i];
    }
    u->txffe = p4_ffe_create(c->tx_ffe, (int)c->n_tx_ffe);
    u->rxffe = p4_ffe_create(l->info.ffe, l->info.nffe);
    u->pat = p4_pattern_create(c->pattern, (uint64_t)c->seed);
    if (with_dsp && l->dsp) ok = ok && (u->dsp = p4_dsprx_create(&l->dsp_setup));
    if (l->optm) ok = ok && (u->opt = p4_optics_create(l->optm)) && (u->owave = malloc(cs * sizeof(double)));
    if (!ok || !u->txffe || !u->rxffe || !u->pat) return p4_error(P4_ENOMEM, "out of memory for a work unit");
    p4_status st = unit_symbol_alloc(l, u);
    if (!st && with_dsp && u->dsp && l->poly) st = unit_poly_alloc(l, u);
    return st ? st : unit_ami_alloc(l, u); /* the AMI models' processes, made in this thread */
}

/* Symbols s0 .. s0+n-1 of the unit (from `start`, the unit's first global index): the TX symbols
 * (given, framed or the pattern), precoded onto the line, their levels (RLM, amplitude) and the TX
 * FFE's output. */
void unit_levels(const p4_link *l, unit_state *u, uint64_t start, size_t s0, size_t n, uint8_t *pstate, double *lev,
                 double *ffe_out)
{
    uint8_t *tx = u->tx + s0, *line = u->line + s0;
    if (u->ext) memcpy(tx, u->ext + s0, n);
    else if (u->fr) p4_framer_fill(u->fr, start + s0, n, tx);
    else p4_pattern_run(u->pat, tx, n);
    memcpy(line, tx, n);
    if (l->cfg.precode) p4_precode(line, n, pstate);
    for (size_t k = 0; k < n; k++) lev[k] = l->lvA[line[k]];
    p4_ffe_run(u->txffe, lev, n, ffe_out);
}

/* The start of unit `unit` (counted symbols from global index k0): its jitter and noise streams,
 * the patterns' positions and the jitter its edges carry. Returns the global index of the unit's
 * first symbol. */
uint64_t unit_begin(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0, p4_rng *rj, p4_rng *rn, p4_jitter *jit)
{
    const p4_config *c = &l->cfg;
    uint64_t start = k0 >= l->warm ? k0 - l->warm : 0;
    p4_rng_seed(rj, (uint64_t)c->seed, unit, P4_STREAM_JITTER);
    p4_rng_seed(rn, (uint64_t)c->seed, unit, P4_STREAM_NOISE);
    p4_pattern_seek(u->pat, !strcmp(c->pattern, "random") ? unit : start);
    for (int i = 0; i < l->nxt; i++) p4_pattern_seek(u->xpat[i], unit);
    /* with the DSP receiver, SJ is a delay of the received waveform (dsprx.h), not an edge shift */
    double sj_edges = c->dsp_enable ? 0 : c->sj_ps * 1e-12 / l->ui_s;
    *jit = (p4_jitter){c->rj_ps * 1e-12 / l->ui_s, sj_edges, c->sj_mhz * 1e6 * l->ui_s, c->dcd_ps * 1e-12 / l->ui_s};
    p4_ffe_reset(u->txffe);
    return start;
}

/* Simulate unit `unit` whose counted symbols start at global symbol index k0: fills u->rx, u->dec
 * (and u->z, u->fb, u->dec_dfe). use_dsp: the DSP receiver (when configured) instead of the ideal
 * sampler and floating-point equalizer. */
void unit_simulate(const p4_link *l, unit_state *u, uint64_t unit, uint64_t k0, int use_dsp)
{
    const p4_config *c = &l->cfg;
    const int sps = l->sps;
    p4_rng rj, rn, ro;
    p4_jitter jit;
    uint64_t start = unit_begin(l, u, unit, k0, &rj, &rn, &jit);
    p4_rng_seed(&ro, (uint64_t)c->seed, unit, P4_STREAM_OPTICS);
    if (u->opt) p4_optics_reset(u->opt, &ro);
    int jon = p4_jitter_active(&jit);
    /* the additive noise drawn only where it is read (sim.noise auto; l->noise_sym exists where the
     * noise is additive after the last nonlinearity and no model filters it): at symbol rate, at the
     * sampler of the floating-point receiver or at the DSP receiver's reads, and through the FFE for
     * the eye (unit_count). Not with the bang-bang CDR, whose edge samples need it between the reads. */
    const int dsp = use_dsp && u->dsp != NULL;
    const int at_reads = u->nfir && strcmp(c->noise_draw, "waveform") != 0 &&
                         !(dsp && l->dsp_setup.detector == P4_CDR_BANGBANG);
    u->rnoise = NULL;
    p4_render rend, xrend[P4_MAX_XTALK];
    p4_render_init(&rend, sps);
    for (int i = 0; i < l->nxt; i++) p4_render_init(&xrend[i], sps);
    if (u->fir) p4_fir_reset(u->fir);
    if (u->noisefir) p4_fir_reset(u->noisefir);
    uint8_t pstate = 0;
    const size_t ch = u->chunk, cs = ch * sps;
    /* the waveform made as the receiver reads it (link_poly.c), else by the FIR at the sample rate */
    int poly = dsp && u->poly;
    if (poly) {
        unit_poly_begin(l, u, start, &rj, &jit, !u->poly_whole);
        if (unit_poly_failed(u)) { /* out of memory for its inputs: the FIR, from the streams' start */
            poly = 0;
            unit_begin(l, u, unit, k0, &rj, &rn, &jit);
        }
    }
    for (size_t s0 = 0; s0 < (poly ? 0 : u->nsym); s0 += ch) {
        unit_levels(l, u, start, s0, ch, &pstate, u->lev, u->ffe_out);
        if (jon) p4_jitter_edges(&jit, &rj, start + s0, ch, u->delta);
        double *dst = u->rx + s0 * sps;
        p4_render_run(&rend, u->ffe_out, jon ? u->delta : NULL, ch, u->fir ? u->wave : dst);
        if (l->ami_tx) unit_ami_tx_run(l, u, s0, u->fir ? u->wave : dst, cs); /* the TX model's GetWave (link_ami_tx.c) */
        if (!u->fir) continue;
        const double *in[2 + P4_MAX_XTALK];
        int nin = 0;
        if (u->opt) {
            p4_optics_run(u->opt, u->wave, cs, &ro, P4_OPT_CURRENT, u->owave);
            in[nin++] = u->owave;
        } else
            in[nin++] = u->wave;
        for (int i = 0; i < l->nxt; i++) {
            double amp = l->xt_amp_v[i];
            p4_pattern_run(u->xpat[i], u->xsym, ch);
            for (size_t k = 0; k < ch; k++) u->xlev[i][k] = l->lv[u->xsym[k]] * amp;
            p4_render_run(&xrend[i], u->xlev[i], NULL, ch, u->xwave[i]);
            in[nin++] = u->xwave[i];
        }
        p4_fir_run(u->fir, in, cs, dst);
        if (l->has_noise && !at_reads) {
            const double *nin1[1] = {u->noise};
            p4_rng_gauss_fill(&rn, u->noise, cs, 1.0);
            p4_fir_run(u->noisefir, nin1, cs, u->nout);
            for (size_t k = 0; k < cs; k++) dst[k] += u->nout[k];
        }
        if (!isinf(l->tia_sat_half))
            for (size_t k = 0; k < cs; k++) dst[k] = l->tia_sat_half * tanh(dst[k] / l->tia_sat_half);
    }
    if (use_dsp && u->dsp) {
        p4_rng ra;
        p4_rng_seed(&ra, (uint64_t)c->seed, unit, P4_STREAM_ADC);
        p4_dsprx_out *o = &u->dout;
        memset(o, 0, sizeof *o);
        o->z = u->z, o->fb = u->fb, o->dec = u->dec, o->dec_dfe = u->dec_dfe, o->y = u->y;
        if (at_reads) u->rnoise = unit_sym_noise(l, u, &rn);
        p4_dsprx_source src;
        const double *wave = poly ? unit_poly_source(u, &src) : u->rx;
        p4_dsprx_set_source(u->dsp, poly ? &src : NULL);
        p4_dsprx_run_noise(u->dsp, wave, u->nsamp, u->rnoise, u->nsym, u->line, l->info.delay_symbols, (double)start,
                           &ra, o);
        p4_dsprx_set_source(u->dsp, NULL);
        if (c->precode) { /* dec_dfe is only read when the DSP decides (its MLSE comparison) */
            uint8_t st = 0;
            p4_precode_decode(u->dec_dfe, u->nsym, &st);
        }
    } else {
        if (l->ami && unit_ami_getwave(l, u)) return; /* the RX model's GetWave flow (link_ami.c) */
        for (size_t m = 0; m < u->nsym; m++) u->xs[m] = u->rx[m * sps + l->phase];
        if (at_reads) {
            const double *nz = u->rnoise = unit_sym_noise(l, u, &rn);
            for (size_t m = 0; m < u->nsym; m++) u->xs[m] += nz[m];
        }
        unit_decide(l, u);
        return;
    }
    if (c->precode) {
        uint8_t st = 0;
        p4_precode_decode(u->dec, u->nsym, &st);
    }
}

/* RX digital of the floating-point receiver on the samples u->xs: FFE, DFE + slicer, precode
 * decoding. */
void unit_decide(const p4_link *l, unit_state *u)
{
    p4_ffe_reset(u->rxffe);
    p4_ffe_run(u->rxffe, u->xs, u->nsym, u->y);
    p4_dfe dfe;
    p4_dfe_init(&dfe, l->info.dfe, l->info.ndfe, l->lv);
    p4_dfe_run(&dfe, u->y, u->nsym, u->z, u->fb, u->dec);
    if (l->cfg.precode) {
        uint8_t st = 0;
        p4_precode_decode(u->dec, u->nsym, &st);
    }
}

p4_status link_measure_delay(p4_link *l)
{
    unit_state u;
    size_t probe = 4096;
    p4_status st = unit_alloc(l, probe, 0, &u); /* the delay is measured on the float receiver */
    if (!st) {
        unit_simulate(l, &u, 0, l->warm, 0);
        st = unit_ami_status(&u);
        long best = 0, maxlag = (long)l->tail - 8;
        double bc = -INFINITY;
        for (long lag = 0; lag <= maxlag; lag++) {
            double acc = 0;
            for (size_t t = l->warm; t < l->warm + probe && t + (size_t)lag < u.nsym; t++)
                acc += l->lv[u.line[t]] * u.z[t + lag];
            if (acc > bc) bc = acc, best = lag;
        }
        if (!st) l->info.delay_symbols = best;
        l->info.lat_measured_ns =
            ((double)best * l->sps + l->phase + (double)l->sig.lead + (double)l->opt_lead) / l->fs_hz * 1e9 + l->info.lat_fiber_ns;
    }
    unit_free(&u, l->nxt);
    return st;
}

/* The eye's equalized samples of one symbol at the sps phases q: acc[q] = ne + sum_i w[i] r0[q - i sps]
 * (taps in order, the same sum per phase as a pass per tap); for sps = 16 the sums stay in registers. */
P4_CLONES static void eye_phases(const double *r0, const double *w, int nffe, int sps, double ne, double *acc)
{
    if (sps == 16) { /* four four-lane sums (two two-lane registers each in the baseline clone) */
        typedef double v4d __attribute__((vector_size(32)));
        v4d a0 = {ne, ne, ne, ne}, a1 = a0, a2 = a0, a3 = a0, x0, x1, x2, x3;
        for (int i = 0; i < nffe; i++) {
            const double *r = r0 - (long)i * 16;
            const v4d wi = {w[i], w[i], w[i], w[i]};
            memcpy(&x0, r, 32), memcpy(&x1, r + 4, 32), memcpy(&x2, r + 8, 32), memcpy(&x3, r + 12, 32);
            a0 += wi * x0, a1 += wi * x1, a2 += wi * x2, a3 += wi * x3;
        }
        memcpy(acc, &a0, 32), memcpy(acc + 4, &a1, 32), memcpy(acc + 8, &a2, 32), memcpy(acc + 12, &a3, 32);
        return;
    }
    for (int q = 0; q < sps; q++) acc[q] = ne;
    for (int i = 0; i < nffe; i++) {
        const double wi = w[i], *r = r0 - (long)i * sps;
        for (int q = 0; q < sps; q++) acc[q] += wi * r[q];
    }
}

/* Count one simulated unit (n counted symbols from warm-up + off, the first neye of them into the
 * eye) into c. */
void unit_count(const p4_link *l, const unit_state *u, size_t off, size_t n, size_t neye, p4_counts *out)
{
    const size_t t0 = l->warm + off;
    const p4_config *c = &l->cfg;
    const int sps = l->sps, half = sps / 2, nffe = l->info.nffe;
    const size_t D = (size_t)l->info.delay_symbols;
    const double *w = l->info.ffe;
    p4_fec_counts *fc = &out->fec;
    p4_counts_compare(out, u->tx + t0, u->dec + t0 + D, n, (size_t)c->burst_gap);
    if (u->dsp) {
        for (size_t t = t0; t < t0 + n; t++) {
            uint8_t a = u->tx[t], b = u->dec_dfe[t + D];
            if (a != b) fc->dfe_symbol_errors++, fc->dfe_bit_errors += (uint64_t)p4_bit_errors(a, b);
        }
        fc->adc_clips += u->dout.clips, fc->cdr_slips += u->dout.slips, fc->dsp_units++;
        fc->cdr_freq_nppm_sum += (int64_t)llround(u->dout.freq_ppm * 1e9);
    }
    if (u->fr)
        p4_framer_receive(u->fr, u->tx + t0, u->dec + t0 + D, u->z + t0 + D, n, l->th,
                          (int)c->fec_inner_flips, fc);
    /* the FFE at every phase of the UI: taps outside, the sps contiguous phases inside (the same sum
     * per phase, tap by tap in order); bins by truncation of a value clamped to [0, bins) */
    const double scale = P4_EYE_BINS / (2 * P4_EYE_RANGE);
    const double *nz = u->rnoise; /* the noise drawn at symbol rate (not in u->rx), or NULL */
    double acc[128];
    /* a DSP receiver's made waveform (link_poly.c): the FFE's output at each phase comes made, in
     * blocks; eye phase q is sample l->phase - half + q of the UI, phase r_q of UI m + s_q */
    const int made = u->poly && u->dsp && !unit_poly_failed(u) && !u->poly_whole;
    if (neye && u->poly && u->dsp && !unit_poly_failed(u) && u->poly_whole) unit_poly_complete(u); /* eye_phases reads it */
    int rq[128], sq[128], need[3] = {0, 0, 0};
    for (int q = 0; q < sps; q++) {
        const int d = l->phase - half + q;
        sq[q] = d < 0 ? -1 : d >= sps ? 1 : 0;
        rq[q] = d - sq[q] * sps;
        need[sq[q] + 1] = 1;
    }
    const size_t PB = made ? unit_poly_block(u) : 1, PS = made ? unit_poly_eye_stride(u) : 0; /* PB: 2^k */
    size_t blk[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX};
    const double *rows[3] = {NULL, NULL, NULL};
    for (size_t t = t0; t < t0 + neye; t++) {
        size_t m = t + D;
        uint32_t *hl = out->eye + (size_t)u->line[t] * sps * P4_EYE_BINS;
        const double *r0 = u->rx + (long)m * sps + l->phase - half;
        /* the noise through the FFE: every phase of a stationary noise has the law of the sampled
         * one, so each phase's column of the histogram has the law it has with the noise drawn
         * into every sample (only the phases of one symbol share their draw) */
        double ne = 0;
        if (nz) { /* four partial sums: not one chain of nffe dependent additions */
            double p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            const int top = (size_t)nffe <= m + 1 ? nffe : (int)m + 1;
            const double *nm = nz + m;
            int i = 0;
            for (; i + 4 <= top; i += 4)
                p0 += w[i] * nm[-i], p1 += w[i + 1] * nm[-i - 1], p2 += w[i + 2] * nm[-i - 2], p3 += w[i + 3] * nm[-i - 3];
            for (; i < top; i++) p0 += w[i] * nm[-i];
            ne = (p0 + p1) + (p2 + p3);
        }
        if (made) {
            const double *at[3] = {NULL, NULL, NULL}; /* UI m - 1, m, m + 1 in their blocks' rows */
            for (int k = 0; k < 3; k++) { /* (m >= warm >= 1: UI m - 1 exists) */
                if (!need[k]) continue;
                const size_t mm = m + (size_t)k - 1, b = mm & ~(PB - 1);
                if (b != blk[k]) blk[k] = b, rows[k] = unit_poly_eye_block(u, b / PB);
                at[k] = rows[k] + (mm - b);
            }
            for (int q = 0; q < sps; q++) acc[q] = ne + at[sq[q] + 1][(size_t)rq[q] * PS];
        } else
            eye_phases(r0, w, nffe, sps, ne, acc);
        const double fbm = u->fb[m];
        int bins[128];
        for (int q = 0; q < sps; q++) { /* bins by truncation of a value clamped to [0, bins - 1] */
            double x = (acc[q] - fbm + P4_EYE_RANGE) * scale;
            x = x < 0 ? 0 : x;
            x = x > P4_EYE_BINS - 1 ? P4_EYE_BINS - 1 : x;
            bins[q] = (int)x;
        }
        for (int q = 0; q < sps; q++) hl[(size_t)q * P4_EYE_BINS + bins[q]]++;
    }
    out->eye_symbols += neye;
}
