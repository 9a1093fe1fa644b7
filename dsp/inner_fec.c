/* inner_fec.c - the Clause 177 inner code: encoder, syndrome, hard and Chase-II soft decoders
 * (conventions in fec.h). Code bit j of the (68,60) word: j < 60 is m_xor(j) (the level LSB of
 * message symbol j), j >= 60 is parity bit 120 + (j - 60), i.e. bit A or B of parity symbol 60 + (j-60)/2.
 * Syndrome = recomputed parity XOR received parity; a single error in code bit j < 60 gives row j,
 * in parity bit 120+i gives the byte with bit 7-i set.
 */
#include "pam4sim/fec.h"
#include <math.h>
#include <pthread.h>
#include <string.h>

static const uint8_t rows[60] = {
    0x94, 0x4A, 0x25, 0xCB, 0xBC, 0x5E, 0x2F, 0xCE, 0x67, 0xEA, 0x75, 0xE3, 0xA8, 0x54, 0x2A,
    0x15, 0xD3, 0xB0, 0x58, 0x2C, 0x16, 0x0B, 0xDC, 0x6E, 0x37, 0xC2, 0x61, 0xE9, 0xAD, 0x8F,
    0x9E, 0x4F, 0xFE, 0x7F, 0xE6, 0x73, 0xE0, 0x70, 0x38, 0x1C, 0x0E, 0x07, 0xDA, 0x6D, 0xEF,
    0xAE, 0x57, 0xF2, 0x79, 0xE5, 0xAB, 0x8C, 0x46, 0x23, 0xC8, 0x64, 0x32, 0x19, 0xD5, 0xB3};

/* syndrome byte -> code bit index 0..67 of a single error, or -1 */
static int8_t single[256];
static pthread_once_t single_once = PTHREAD_ONCE_INIT;

static void build_single(void)
{
    memset(single, -1, sizeof single);
    for (int j = 0; j < 60; j++) single[rows[j]] = (int8_t)j;
    for (int i = 0; i < 8; i++) single[0x80 >> i] = (int8_t)(60 + i);
}

void p4_inner_init(void) { pthread_once(&single_once, build_single); }

uint8_t p4_inner_parity(const uint8_t *bits)
{
    uint8_t p = 0;
    for (int k = 0; k < 60; k++)
        if ((bits[2 * k] ^ bits[2 * k + 1]) & 1) p ^= rows[k];
    return p;
}

void p4_inner_encode(uint8_t *bits)
{
    uint8_t p = p4_inner_parity(bits);
    for (int i = 0; i < 8; i++) bits[120 + i] = (p >> (7 - i)) & 1;
}

uint8_t p4_inner_syndrome(const uint8_t *sym)
{
    uint8_t p = 0, r = 0;
    for (int k = 0; k < 60; k++)
        if (sym[k] & 1) p ^= rows[k]; /* m_xor = A ^ B = level LSB for Gray symbols */
    for (int i = 0; i < 4; i++) {
        unsigned s = sym[60 + i] & 3, a = s >> 1, b = (s ^ (s >> 1)) & 1;
        r |= (uint8_t)((a << (7 - 2 * i)) | (b << (6 - 2 * i)));
    }
    return p ^ r;
}

/* Reliability of each of the 68 code bits, and the symbol each bit's flip leads to. */
static void bit_reliabilities(const uint8_t *sym, const double *z, const double th[3], double rel[68],
                              uint8_t alt[68])
{
    for (int k = 0; k < 60; k++) {
        int s = sym[k] & 3;
        /* nearest threshold: any crossing flips the level LSB */
        double dl = s > 0 ? z[k] - th[s - 1] : INFINITY, du = s < 3 ? th[s] - z[k] : INFINITY;
        if (dl < 0) dl = 0;
        if (du < 0) du = 0;
        rel[k] = dl < du ? dl : du;
        alt[k] = (uint8_t)(dl < du ? s - 1 : s + 1);
    }
    for (int i = 0; i < 4; i++) {
        int k = 60 + i, s = sym[k] & 3;
        /* bit A flips across th[1] (1 <-> 2); bit B across th[0] (0 <-> 1) or th[2] (2 <-> 3) */
        double da = fabs(z[k] - th[1]);
        double db = s <= 1 ? fabs(z[k] - th[0]) : fabs(z[k] - th[2]);
        rel[60 + 2 * i] = da;
        alt[60 + 2 * i] = (uint8_t)(s ^ 3); /* flip A of a Gray symbol: 0 <-> 3, 1 <-> 2 */
        rel[60 + 2 * i + 1] = db;
        alt[60 + 2 * i + 1] = (uint8_t)(s ^ 1); /* flip B: 0 <-> 1, 2 <-> 3 */
    }
}

/* Flip code bit j of the block: the symbol becomes alt[j]; parity bits share a symbol. */
static void flip(uint8_t *sym, int j, const uint8_t alt[68])
{
    if (j < 60) sym[j] = alt[j];
    else {
        int k = 60 + (j - 60) / 2;
        sym[k] ^= (uint8_t)((j - 60) % 2 ? 1 : 3);
    }
}

static uint8_t bit_syndrome(int j) { return j < 60 ? rows[j] : (uint8_t)(0x80 >> (j - 60)); }

int p4_inner_decode_hard(uint8_t *sym, const double *z, const double th[3])
{
    return p4_inner_decode_soft(sym, z, th, 0);
}

int p4_inner_decode_soft(uint8_t *sym, const double *z, const double th[3], int nflip)
{
    pthread_once(&single_once, build_single);
    uint8_t s0 = p4_inner_syndrome(sym);
    if (nflip < 0) nflip = 0;
    if (nflip > 8) nflip = 8;
    if (!s0 && !nflip) return 0;
    double rel[68];
    uint8_t alt[68];
    bit_reliabilities(sym, z, th, rel, alt);
    /* the nflip least reliable code bits */
    int lr[8], n = nflip;
    uint8_t used[68] = {0};
    for (int i = 0; i < n; i++) {
        int m = -1;
        for (int j = 0; j < 68; j++)
            if (!used[j] && (m < 0 || rel[j] < rel[m])) m = j;
        used[m] = 1;
        lr[i] = m;
    }
    double best = INFINITY;
    int best_a = -1;
    unsigned best_pat = 0;
    for (unsigned pat = 0; pat < (1u << n); pat++) {
        uint8_t s = s0;
        double cost = 0;
        for (int i = 0; i < n; i++)
            if (pat >> i & 1) s ^= bit_syndrome(lr[i]), cost += rel[lr[i]];
        int extra = -1;
        if (s) {
            extra = single[s];
            if (extra < 0) continue;
            int dup = 0; /* flipping a test-pattern bit back is the same candidate as a smaller pattern */
            for (int i = 0; i < n; i++) dup |= (pat >> i & 1) && lr[i] == extra;
            if (dup) continue;
            cost += rel[extra];
        }
        if (cost < best) best = cost, best_pat = pat, best_a = extra;
    }
    if (isinf(best)) return -1;
    int changed = 0;
    for (int i = 0; i < n; i++)
        if (best_pat >> i & 1) flip(sym, lr[i], alt), changed = 1;
    if (best_a >= 0) flip(sym, best_a, alt), changed = 1;
    return changed;
}
