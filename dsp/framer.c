/* framer.c - FEC framing of the TX data and the per-codeword receive count (see framer.h).
 *
 * Receive: inner blocks are decoded first (soft, from z); their message symbols form the KP4
 * stream, which is cut into RS symbols and de-interleaved. A codeword with at most t wrong symbols
 * is corrected exactly (bounded-distance decoding always succeeds there), so only the others go
 * through the full decoder, which either flags them or miscorrects to another codeword; both are
 * frame losses, and the message bits left wrong count towards the post-FEC BER.
 */
#include "pam4sim/framer.h"
#include "pam4sim/fec.h"
#include "pam4sim/rng.h"
#include <stdlib.h>
#include <string.h>

struct p4_framer {
    int inner, il;
    uint64_t seed;
    size_t kp4_syms;     /* PAM4 symbols of one KP4 frame (il codewords) */
    size_t frame_syms;   /* of a (super)frame */
    int kp4_per_frame;   /* KP4 frames per (super)frame */
    uint64_t cached;     /* index of the frame in buf, or UINT64_MAX */
    uint8_t *buf;
    uint16_t *rs, *cw;   /* scratch: il*544 RS symbols */
    uint8_t *kp4;        /* scratch: KP4 PAM4 symbols of a superframe */
    uint8_t *rk, *sk;    /* receive scratch: received and sent KP4 symbols of a superframe */
    uint16_t *ws, *wr;   /* receive scratch: sent and received codewords of a frame */
};

p4_framer *p4_framer_create(int inner, int interleave, uint64_t seed)
{
    if (interleave < 1 || interleave > 4) return NULL;
    p4_framer *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    f->inner = inner, f->il = interleave, f->seed = seed;
    f->kp4_syms = (size_t)interleave * P4_RS_N * 5;
    f->kp4_per_frame = inner ? 3 : 1;
    size_t kp4_total = f->kp4_syms * f->kp4_per_frame;
    f->frame_syms = inner ? kp4_total / 60 * 64 : kp4_total;
    f->cached = UINT64_MAX;
    f->buf = malloc(f->frame_syms);
    f->rs = malloc((size_t)interleave * P4_RS_N * sizeof *f->rs);
    f->cw = malloc((size_t)interleave * P4_RS_N * sizeof *f->cw);
    f->kp4 = malloc(kp4_total);
    f->rk = malloc(kp4_total), f->sk = malloc(kp4_total);
    f->ws = malloc((size_t)interleave * P4_RS_N * sizeof *f->ws);
    f->wr = malloc((size_t)interleave * P4_RS_N * sizeof *f->wr);
    if (!f->buf || !f->rs || !f->cw || !f->kp4 || !f->rk || !f->sk || !f->ws || !f->wr) {
        p4_framer_destroy(f);
        return NULL;
    }
    return f;
}

void p4_framer_destroy(p4_framer *f)
{
    if (!f) return;
    free(f->buf), free(f->rs), free(f->cw), free(f->kp4), free(f->rk), free(f->sk), free(f->ws), free(f->wr);
    free(f);
}

size_t p4_framer_frame_symbols(const p4_framer *f) { return f->frame_syms; }

/* Interleave il codewords (cw[c*544 + i]) into the RS stream, then to PAM4. */
static void frame_kp4(p4_framer *f, p4_rng *r, uint8_t *out)
{
    for (int c = 0; c < f->il; c++) {
        uint16_t *w = f->cw + (size_t)c * P4_RS_N;
        for (int i = 0; i < P4_RS_K; i++) w[i] = (uint16_t)(p4_rng_u64(r) & 0x3FF);
        p4_rs_encode(w, w);
    }
    for (int i = 0; i < P4_RS_N; i++)
        for (int c = 0; c < f->il; c++) f->rs[(size_t)i * f->il + c] = f->cw[(size_t)c * P4_RS_N + i];
    p4_rs_to_pam4(f->rs, (size_t)f->il * P4_RS_N, out);
}

static void make_frame(p4_framer *f, uint64_t idx)
{
    p4_rng r;
    p4_rng_seed(&r, f->seed, idx, P4_STREAM_DATA);
    uint8_t *k = f->inner ? f->kp4 : f->buf;
    for (int j = 0; j < f->kp4_per_frame; j++) frame_kp4(f, &r, k + (size_t)j * f->kp4_syms);
    if (f->inner) {
        size_t nblk = f->frame_syms / 64;
        uint8_t bits[128];
        for (size_t b = 0; b < nblk; b++) {
            const uint8_t *m = f->kp4 + b * 60;
            uint8_t *o = f->buf + b * 64;
            for (int i = 0; i < 60; i++) {
                unsigned s = m[i], a = s >> 1;
                bits[2 * i] = (uint8_t)a, bits[2 * i + 1] = (uint8_t)((s ^ a) & 1);
                o[i] = m[i];
            }
            uint8_t p = p4_inner_parity(bits);
            for (int i = 0; i < 4; i++) {
                unsigned a = (p >> (7 - 2 * i)) & 1, bb = (p >> (6 - 2 * i)) & 1;
                o[60 + i] = (uint8_t)((a << 1) | (a ^ bb));
            }
        }
    }
    f->cached = idx;
}

void p4_framer_fill(p4_framer *f, uint64_t start, size_t n, uint8_t *out)
{
    while (n) {
        uint64_t idx = start / f->frame_syms;
        size_t off = (size_t)(start % f->frame_syms), k = f->frame_syms - off;
        if (k > n) k = n;
        if (f->cached != idx) make_frame(f, idx);
        memcpy(out, f->buf + off, k);
        out += k, start += k, n -= k;
    }
}

/* KP4 PAM4 symbols of one frame -> per-codeword RS symbols w[c*544 + i]. */
static void deinterleave(p4_framer *f, const uint8_t *pam4, uint16_t *w)
{
    p4_pam4_to_rs(pam4, (size_t)f->il * P4_RS_N, f->rs);
    for (int i = 0; i < P4_RS_N; i++)
        for (int c = 0; c < f->il; c++) w[(size_t)c * P4_RS_N + i] = f->rs[(size_t)i * f->il + c];
}

static inline int bits10(unsigned v) { return __builtin_popcount(v & 0x3FF); }

void p4_framer_receive(p4_framer *f, const uint8_t *sent, const uint8_t *rx, const double *z, size_t n,
                       const double th[3], int inner_flips, p4_fec_counts *c)
{
    size_t F = f->frame_syms, kt = f->kp4_syms * f->kp4_per_frame;
    uint8_t *rk = f->rk, *sk = f->sk, blk[64];
    uint16_t *ws = f->ws, *wr = f->wr;
    for (size_t fr = 0; fr + F <= n; fr += F) {
        const uint8_t *s = sent + fr, *r = rx + fr;
        if (f->inner) {
            for (size_t b = 0; b < F / 64; b++) {
                memcpy(blk, r + b * 64, 64);
                for (int i = 0; i < 64; i++) c->inner_pre_sym_errors += blk[i] != s[b * 64 + i];
                int ret = p4_inner_decode_soft(blk, z + fr + b * 64, th, inner_flips);
                c->inner_detected += ret < 0;
                for (int i = 0; i < 64; i++) c->inner_post_sym_errors += blk[i] != s[b * 64 + i];
                memcpy(rk + b * 60, blk, 60);
                memcpy(sk + b * 60, s + b * 64, 60);
                c->inner_blocks++;
            }
        } else {
            memcpy(rk, r, kt);
            memcpy(sk, s, kt);
        }
        for (int j = 0; j < f->kp4_per_frame; j++) {
            deinterleave(f, sk + (size_t)j * f->kp4_syms, ws);
            deinterleave(f, rk + (size_t)j * f->kp4_syms, wr);
            for (int cw = 0; cw < f->il; cw++) {
                const uint16_t *a = ws + (size_t)cw * P4_RS_N;
                uint16_t *b = wr + (size_t)cw * P4_RS_N;
                int ne = 0, run = 0;
                for (int i = 0; i <= P4_RS_N; i++) {
                    int bad = i < P4_RS_N && a[i] != b[i];
                    ne += bad;
                    if (bad) run++;
                    else if (run) {
                        c->rs_events++;
                        c->rs_event_hist[run < P4_HIST - 1 ? run : P4_HIST - 1]++;
                        run = 0;
                    }
                }
                c->codewords++;
                c->cw_hist[ne < P4_HIST - 1 ? ne : P4_HIST - 1]++;
                c->rs_symbols += P4_RS_N, c->rs_symbol_errors += (uint64_t)ne;
                c->msg_bits += (uint64_t)P4_RS_K * 10;
                if (ne <= P4_RS_T) continue;
                int ret = p4_rs_decode(b);
                if (ret < 0) c->cw_failed++;
                else c->cw_miscorrected++;
                for (int i = 0; i < P4_RS_K; i++) c->msg_bit_errors += (uint64_t)bits10(a[i] ^ b[i]);
            }
        }
    }
}
