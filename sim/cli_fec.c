/* cli_fec.c - `pam4sim fec encode|decode`: KP4 RS(544,514) on hexadecimal symbols.
 *
 * encode: reads 514 message symbols per codeword (hexadecimal 0..3ff, separated by any whitespace)
 * from stdin, writes the 544 codeword symbols, one codeword per line.
 * decode: reads 544 symbols per codeword, writes the 514 corrected message symbols per line; stderr
 * says for each codeword how many symbols were corrected; an uncorrectable codeword is written as
 * received, named on stderr, and makes the exit status 1. Bad input (a token that is not a 10-bit
 * hexadecimal number, a token too long or a NUL byte: p4_hex_next; an incomplete last codeword) is an
 * error naming the line and the token.
 */
#include "cli.h"
#include "pam4sim/fec.h"
#include <stdlib.h>
#include <string.h>

int cmd_fec(int argc, char **argv)
{
    if (argc != 1 || (strcmp(argv[0], "encode") && strcmp(argv[0], "decode"))) {
        fprintf(stderr, "pam4sim: fec needs encode or decode%s%s%s; see pam4sim fec --help\n", argc ? " (got '" : "",
                argc ? argv[0] : "", argc ? "')" : "");
        return 2;
    }
    int enc = !strcmp(argv[0], "encode");
    int nin = enc ? P4_RS_K : P4_RS_N, nout = enc ? P4_RS_N : P4_RS_K;
    p4_hex_reader r = {stdin, 1};
    uint16_t w[P4_RS_N];
    long cw = 0, bad = 0, corrected = 0;
    for (;;) {
        int got = 0, rc = 0;
        unsigned v;
        while (got < nin && (rc = p4_hex_next(&r, "fec: stdin", &v)) == 1) w[got++] = (uint16_t)v;
        if (rc < 0) return cli_fail();
        if (got == 0) break;
        if (got < nin) {
            fprintf(stderr, "pam4sim: fec %s: stdin ends inside codeword %ld: %d of %d symbols\n", argv[0], cw, got,
                    nin);
            return 1;
        }
        if (enc) p4_rs_encode(w, w);
        else {
            int n = p4_rs_decode(w);
            if (n < 0) {
                fprintf(stderr, "codeword %ld: uncorrectable (more than %d symbol errors)\n", cw, P4_RS_T);
                bad++;
            } else {
                fprintf(stderr, "codeword %ld: corrected %d symbol%s\n", cw, n, n == 1 ? "" : "s");
                corrected += n;
            }
        }
        for (int i = 0; i < nout; i++) printf("%03x%c", w[i], i + 1 < nout ? ' ' : '\n');
        cw++;
    }
    if (!enc)
        fprintf(stderr, "%ld codeword%s, %ld symbols corrected, %ld uncorrectable\n", cw, cw == 1 ? "" : "s",
                corrected, bad);
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "pam4sim: fec: cannot write stdout\n");
        return 1;
    }
    return bad ? 1 : 0;
}
