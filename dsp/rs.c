/* rs.c - KP4 RS(544,514) over GF(2^10): encoder, and the Berlekamp-Massey / Chien / Forney decoder
 * (see fec.h for the conventions). Log/antilog tables; the encoder is the usual LFSR division.
 * Roots alpha^0..alpha^29 (first consecutive root b = 0), so Forney's error value at locator X is
 * e = X^(1-b) Omega(X^-1) / Lambda'(X^-1) = X Omega(X^-1) / Lambda'(X^-1).
 */
#include "pam4sim/fec.h"
#include <pthread.h>
#include <string.h>

#define GF_N 1023
static uint16_t gf_exp[2 * GF_N + 2], gf_log[GF_N + 1];
static uint16_t rs_g[P4_RS_NPAR + 1];
static pthread_once_t gf_once = PTHREAD_ONCE_INIT;

static void gf_build(void)
{
    unsigned x = 1;
    for (int i = 0; i < GF_N; i++) {
        gf_exp[i] = (uint16_t)x;
        gf_log[x] = (uint16_t)i;
        x <<= 1;
        if (x & 0x400) x ^= 0x409;
    }
    for (int i = GF_N; i < 2 * GF_N + 2; i++) gf_exp[i] = gf_exp[i - GF_N];
    gf_log[0] = 0;
    /* g(x) = prod (x - alpha^j): multiply in one root at a time, ascending coefficients */
    memset(rs_g, 0, sizeof rs_g);
    rs_g[0] = 1;
    for (int j = 0; j < P4_RS_NPAR; j++) {
        uint16_t r = gf_exp[j];
        for (int i = j + 1; i > 0; i--) rs_g[i] = rs_g[i - 1] ^ p4_gf_mul(rs_g[i], r);
        rs_g[0] = p4_gf_mul(rs_g[0], r);
    }
}

void p4_gf_init(void) { pthread_once(&gf_once, gf_build); }

uint16_t p4_gf_mul(uint16_t a, uint16_t b)
{
    if (!a || !b) return 0;
    return gf_exp[gf_log[a] + gf_log[b]];
}

static inline uint16_t gf_div(uint16_t a, uint16_t b)
{
    if (!a) return 0;
    return gf_exp[gf_log[a] + GF_N - gf_log[b]];
}

uint16_t p4_gf_pow_alpha(int e)
{
    e %= GF_N;
    if (e < 0) e += GF_N;
    return gf_exp[e];
}

void p4_rs_generator(uint16_t g[P4_RS_NPAR + 1])
{
    p4_gf_init();
    memcpy(g, rs_g, sizeof rs_g);
}

void p4_rs_encode(const uint16_t *msg, uint16_t *cw)
{
    p4_gf_init();
    uint16_t par[P4_RS_NPAR] = {0}; /* par[j]: coefficient of x^j of the running remainder */
    int lg[P4_RS_NPAR];
    for (int j = 0; j < P4_RS_NPAR; j++) lg[j] = gf_log[rs_g[j]];
    for (int i = 0; i < P4_RS_K; i++) {
        uint16_t fb = (uint16_t)((msg[i] & 0x3FF) ^ par[P4_RS_NPAR - 1]);
        if (fb) {
            int lf = gf_log[fb];
            for (int j = P4_RS_NPAR - 1; j > 0; j--) par[j] = par[j - 1] ^ gf_exp[lf + lg[j]];
            par[0] = gf_exp[lf + lg[0]];
        } else {
            memmove(par + 1, par, (P4_RS_NPAR - 1) * sizeof *par);
            par[0] = 0;
        }
    }
    if (cw != msg) memmove(cw, msg, P4_RS_K * sizeof *cw);
    for (int j = 0; j < P4_RS_NPAR; j++) cw[P4_RS_K + j] = par[P4_RS_NPAR - 1 - j];
}

int p4_rs_syndromes(const uint16_t *cw, uint16_t s[P4_RS_NPAR])
{
    p4_gf_init();
    /* Horner for all 30 syndromes at once: the chains are independent, so the CPU overlaps them */
    unsigned acc[P4_RS_NPAR] = {0};
    for (int i = 0; i < P4_RS_N; i++) {
        unsigned r = cw[i] & 0x3FF;
        for (int j = 0; j < P4_RS_NPAR; j++) acc[j] = (acc[j] ? gf_exp[gf_log[acc[j]] + j] : 0) ^ r;
    }
    int zero = 1;
    for (int j = 0; j < P4_RS_NPAR; j++) s[j] = (uint16_t)acc[j], zero &= acc[j] == 0;
    return zero;
}

int p4_rs_decode(uint16_t *cw)
{
    uint16_t S[P4_RS_NPAR];
    if (p4_rs_syndromes(cw, S)) return 0;
    /* Berlekamp-Massey: Lambda(x) ascending, degree L */
    uint16_t lam[P4_RS_NPAR + 1] = {1}, B[P4_RS_NPAR + 1] = {1}, T[P4_RS_NPAR + 1];
    int L = 0, m = 1;
    uint16_t b = 1;
    for (int r = 0; r < P4_RS_NPAR; r++) {
        uint16_t d = S[r];
        for (int i = 1; i <= L; i++) d ^= p4_gf_mul(lam[i], S[r - i]);
        if (!d) {
            m++;
            continue;
        }
        uint16_t coef = gf_div(d, b);
        if (2 * L <= r) {
            memcpy(T, lam, sizeof T);
            for (int i = 0; i + m <= P4_RS_NPAR; i++) lam[i + m] ^= p4_gf_mul(coef, B[i]);
            L = r + 1 - L;
            memcpy(B, T, sizeof B);
            b = d;
            m = 1;
        } else {
            for (int i = 0; i + m <= P4_RS_NPAR; i++) lam[i + m] ^= p4_gf_mul(coef, B[i]);
            m++;
        }
    }
    if (L > P4_RS_T) return -1;
    /* Omega(x) = S(x) Lambda(x) mod x^30 */
    uint16_t om[P4_RS_NPAR] = {0};
    for (int i = 0; i < P4_RS_NPAR; i++)
        for (int j = 0; j <= L && j <= i; j++) om[i] ^= p4_gf_mul(lam[j], S[i - j]);
    /* Chien: position with power p is an error if Lambda(alpha^-p) = 0; term i is lam[i] alpha^(-p i),
     * kept as a log and stepped by -i per position */
    int pos[P4_RS_T], npos = 0, lt[P4_RS_T + 1];
    uint16_t val[P4_RS_T];
    for (int i = 0; i <= L; i++) lt[i] = lam[i] ? gf_log[lam[i]] : -1;
    for (int p = 0; p < P4_RS_N; p++) {
        unsigned v = 0;
        for (int i = 0; i <= L; i++)
            if (lt[i] >= 0) {
                v ^= gf_exp[lt[i]];
                lt[i] -= i;
                if (lt[i] < 0) lt[i] += GF_N;
            }
        if (v) continue;
        if (npos == L) return -1;
        /* Forney: e = X Omega(X^-1) / Lambda'(X^-1), X = alpha^p */
        uint16_t xi = p4_gf_pow_alpha(-p), o = 0, dl = 0, xp = 1;
        for (int i = 0; i < P4_RS_NPAR; i++) {
            o ^= p4_gf_mul(om[i], xp);
            xp = p4_gf_mul(xp, xi);
        }
        xp = 1; /* Lambda'(x) = sum over odd i of lam[i] x^(i-1) */
        uint16_t x2 = p4_gf_mul(xi, xi);
        for (int i = 1; i <= L; i += 2) {
            dl ^= p4_gf_mul(lam[i], xp);
            xp = p4_gf_mul(xp, x2);
        }
        if (!dl) return -1;
        val[npos] = p4_gf_mul(p4_gf_pow_alpha(p), gf_div(o, dl));
        pos[npos++] = P4_RS_N - 1 - p;
    }
    if (npos != L) return -1;
    uint16_t save[P4_RS_T];
    for (int i = 0; i < npos; i++) save[i] = cw[pos[i]], cw[pos[i]] ^= val[i];
    if (!p4_rs_syndromes(cw, S)) {
        for (int i = 0; i < npos; i++) cw[pos[i]] = save[i];
        return -1;
    }
    return npos;
}

void p4_rs_to_pam4(const uint16_t *rs, size_t nrs, uint8_t *pam4)
{
    for (size_t i = 0; i < nrs; i++)
        for (int k = 0; k < 5; k++) {
            unsigned a = (rs[i] >> (2 * k)) & 1, b = (rs[i] >> (2 * k + 1)) & 1;
            *pam4++ = (uint8_t)((a << 1) | (a ^ b));
        }
}

void p4_pam4_to_rs(const uint8_t *pam4, size_t nrs, uint16_t *rs)
{
    for (size_t i = 0; i < nrs; i++) {
        unsigned v = 0;
        for (int k = 0; k < 5; k++) {
            unsigned s = *pam4++ & 3, a = s >> 1, b = (s ^ (s >> 1)) & 1;
            v |= (a << (2 * k)) | (b << (2 * k + 1));
        }
        rs[i] = (uint16_t)v;
    }
}
