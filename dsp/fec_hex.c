/* fec_hex.c - RS symbols as hexadecimal text, for `pam4sim fec` (see fec.h).
 *
 * A token is read whole before it is judged: one longer than P4_HEX_TOKEN_MAX characters is an
 * error (never cut, so "0000...0001ff" cannot pass as its first characters), and a NUL byte is an
 * error (never a separator, so two tokens around it cannot merge). Values are parsed with strtoul on
 * the digits alone; a sign, spaces or a second "0x" are refused.
 */
#include "pam4sim/fec.h"
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int is_sep(int ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f'; }

int p4_hex_next(p4_hex_reader *r, const char *name, unsigned *v)
{
    int ch;
    while ((ch = fgetc(r->f)) != EOF && is_sep(ch))
        if (ch == '\n') r->line++;
    if (ch == EOF) {
        if (ferror(r->f)) return p4_error(P4_EIO, "%s: cannot read: %s", name, strerror(errno)), -1;
        return 0;
    }
    char tok[P4_HEX_TOKEN_MAX + 1];
    size_t n = 0;
    do {
        if (!ch) return p4_error(P4_EPARSE, "%s line %ld: a NUL byte (the input must be text)", name, r->line), -1;
        if (n == P4_HEX_TOKEN_MAX) {
            tok[n] = 0;
            return p4_error(P4_EPARSE, "%s line %ld: token '%.16s...' is longer than %d characters", name, r->line,
                            tok, P4_HEX_TOKEN_MAX), -1;
        }
        tok[n++] = (char)ch;
    } while ((ch = fgetc(r->f)) != EOF && !is_sep(ch));
    if (ch == '\n') ungetc(ch, r->f);
    tok[n] = 0;
    const char *t = tok;
    if (t[0] == '0' && (t[1] == 'x' || t[1] == 'X')) t += 2;
    int digits = *t != 0;
    for (const char *p = t; *p; p++) digits &= isxdigit((unsigned char)*p) != 0;
    unsigned long x = digits ? strtoul(t, NULL, 16) : 0;
    if (!digits || x > 0x3FF) {
        char shown[4 * P4_HEX_TOKEN_MAX + 1], *q = shown;
        for (const char *p = tok; *p; p++) /* bytes that are not printable shown as \xNN */
            q += isprint((unsigned char)*p) ? sprintf(q, "%c", *p) : sprintf(q, "\\x%02x", (unsigned char)*p);
        return p4_error(P4_EPARSE, "%s line %ld: '%s' is not a 10-bit hexadecimal symbol (0..3ff)", name, r->line,
                        shown), -1;
    }
    *v = (unsigned)x;
    return 1;
}
