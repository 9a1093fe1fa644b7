/* fec.h - the forward error correction of 200G/lane Ethernet (SPEC 4): KP4 RS(544,514) over
 * GF(2^10), and the Clause 177 inner code (Hamming (68,60) on symbol parities, 128-bit blocks).
 *
 * RS(544,514): p(x) = x^10 + x^3 + 1, alpha = 0x002, g(x) = prod_{j=0}^{29} (x - alpha^j), t = 15.
 * Arrays hold a codeword in wire order: c[0] is message symbol m_0, the x^543 coefficient, sent
 * first; c[514..543] are the parity symbols, coefficients of x^29 .. x^0.
 * The decoder is the textbook one: syndromes by Horner, Berlekamp-Massey, Chien search over the
 * 544 positions of the shortened code, Forney. It returns the number of symbols it changed, or -1
 * when it detects an uncorrectable word (locator degree > t, roots outside the code, or a nonzero
 * syndrome after correction), leaving the word as received. A word with more than t errors may
 * also decode to another codeword (a miscorrection); only a caller who knows what was sent can tell.
 *
 * Inner code (Clause 177, 113.4375 GBd PMDs): 120 message bits m(0..119) (60 PAM4 symbols, bit pairs
 * {A,B} = {m(2k), m(2k+1)}); m_xor(k) = m(2k) ^ m(2k+1), which for Gray mapping is the LSB of the
 * level index, so any error to an adjacent level flips it; 8 parity bits from Table 177-1 (row k is
 * the contribution of m_xor(k), column 0 the MSB = bit 120); 128 bits = 64 PAM4 symbols. Every row has
 * odd weight, so the (68,60) code on [m_xor, parity] corrects one error and detects two (d_min = 4).
 * The soft decoder is Chase-II: the `nflip` least reliable of the 68 code bits (reliability = the
 * distance of the slicer input to the nearest threshold that flips the bit) give 2^nflip test
 * patterns, each decoded by syndrome, and the candidate with the smallest total reliability of
 * flipped bits wins. A corrected m_xor moves its symbol to the nearest level on the other side of
 * the nearest threshold (the second most likely level).
 */
#ifndef PAM4SIM_FEC_H
#define PAM4SIM_FEC_H
#include <stdint.h>
#include <stddef.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_RS_N 544
#define P4_RS_K 514
#define P4_RS_T 15
#define P4_RS_NPAR 30

/* GF(2^10) arithmetic (tables built on first use; thread-safe after p4_init()). */
uint16_t p4_gf_mul(uint16_t a, uint16_t b);
uint16_t p4_gf_pow_alpha(int e); /* alpha^e, any integer e */
void p4_gf_init(void);

/* The generator polynomial, ascending: g[0..30], g[30] = 1. */
void p4_rs_generator(uint16_t g[P4_RS_NPAR + 1]);
/* msg[0..514) (10-bit symbols) -> cw[0..544) (msg followed by parity). cw may equal msg's buffer. */
void p4_rs_encode(const uint16_t *msg, uint16_t *cw);
/* Decode in place: corrected-symbol count (0..15), or -1 if uncorrectable (word left unchanged). */
int p4_rs_decode(uint16_t *cw);
/* Syndromes S_0..S_29 of a received word; returns 1 if all are zero. */
int p4_rs_syndromes(const uint16_t *cw, uint16_t s[P4_RS_NPAR]);

/* ---- Clause 177 inner code ---- */
#define P4_INNER_MSG_BITS 120
#define P4_INNER_BITS 128
#define P4_INNER_SYMS 64

/* Build the decoder's syndrome table (once; p4_init() does it). */
void p4_inner_init(void);
/* bits[0..120) message -> bits[120..128) parity (bits are 0/1 bytes). */
void p4_inner_encode(uint8_t *bits);
/* Parity byte (bit 7 = codeword bit 120) of a 120-bit message. */
uint8_t p4_inner_parity(const uint8_t *bits);
/* Syndrome of a 64-symbol block of Gray symbols (0..3): 0 if it is a codeword. */
uint8_t p4_inner_syndrome(const uint8_t *sym);
/* Hard decoding: sym[0..64) decisions and z[0..64) slicer inputs (to choose the neighbour level)
 * corrected in place; th: slicer thresholds. Returns 1 if it changed a symbol, 0 if none, -1 if it
 * detected an uncorrectable block. */
int p4_inner_decode_hard(uint8_t *sym, const double *z, const double th[3]);
/* Chase-II soft decoding with 2^nflip test patterns (nflip 0..8; 0 = hard). Same returns. */
int p4_inner_decode_soft(uint8_t *sym, const double *z, const double th[3], int nflip);

/* Symbols <-> bits on the wire: a 10-bit RS symbol is sent LSB first (SPEC 4, [U]) as 5 PAM4
 * symbols, each taking two bits {A,B} in order. */
void p4_rs_to_pam4(const uint16_t *rs, size_t nrs, uint8_t *pam4);
void p4_pam4_to_rs(const uint8_t *pam4, size_t nrs, uint16_t *rs);

/* Hexadecimal RS symbols as text (`pam4sim fec`, dsp/fec_hex.c): tokens separated by whitespace,
 * each made of hexadecimal digits with an optional 0x, value 0..3ff. */
#include <stdio.h>
typedef struct {
    FILE *f;
    long line; /* 1-based line of the next token */
} p4_hex_reader;
/* The next symbol: 1 with *v, 0 at the end of the input, or -1 with an error naming `name`, the line
 * and the token (a token that is not a 10-bit number, one of more than P4_HEX_TOKEN_MAX characters,
 * a NUL byte, a read error). */
#define P4_HEX_TOKEN_MAX 32
int p4_hex_next(p4_hex_reader *r, const char *name, unsigned *v);

#ifdef __cplusplus
}
#endif
#endif
