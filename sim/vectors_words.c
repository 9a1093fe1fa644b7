/* vectors_words.c - what a word of a vector file means, read from the file's description.
 *
 * The descriptions follow a few shapes (vectors_blocks.c writes them): a list of names after
 * "words:" (or "words [units]:"), the last name ending in a comma, optionally followed by what the
 * remaining words are ("then the RS errors-per-codeword histogram 0..16"); or records, "8 codewords
 * of 544 symbols". Word i is named from the first shape that fits, so a mismatch reads
 * "word 3 (bit_errors)" or "word 600 (codeword 1, element 56 of 544)" instead of a bare position.
 */
#include "pam4sim/vectors.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The names after "words...:" up to the first one ending in ','; the rest of that sentence. */
static int named(const char *t, size_t i, char *buf, size_t len)
{
    const char *p = strstr(t, "words");
    if (!p || (p != t && isalnum((unsigned char)p[-1]))) return 0;
    const char *colon = strchr(p, ':');
    if (!colon || colon - p > 24) return 0;
    p = colon + 1;
    size_t k = 0;
    for (;;) {
        while (*p == ' ') p++;
        size_t w = strcspn(p, " ,");
        if (!w) return 0;
        int last = p[w] == ',' || !p[w];
        if (k == i) {
            snprintf(buf, len, "%.*s", (int)w, p);
            return 1;
        }
        k++;
        p += w + (p[w] == ',');
        if (last) break;
    }
    /* past the names: what follows them, and how far into it */
    while (*p == ' ') p++;
    if (!strncmp(p, "then ", 5)) p += 5;
    if (!*p) return 0;
    size_t n = strcspn(p, ";");
    snprintf(buf, len, "%.*s: element %zu after the %zu named words", (int)(n < 140 ? n : 140), p, i - k, k);
    return 1;
}

/* "N things of M ..." with N x M = the file's words: "thing i / M, element i % M of M". */
static int records(const char *t, size_t n_words, size_t i, char *buf, size_t len)
{
    for (const char *p = t; *p; p++) {
        if (!isdigit((unsigned char)*p) || (p > t && isalnum((unsigned char)p[-1]))) continue;
        char *e;
        unsigned long a = strtoul(p, &e, 10);
        char thing[32];
        int used = 0;
        unsigned long b;
        if (a > 0 && sscanf(e, " %31[a-z-] of %lu%n", thing, &b, &used) == 2 && used && b > 0 &&
            a * b == n_words) {
            size_t tl = strlen(thing);
            if (tl > 1 && thing[tl - 1] == 's') thing[tl - 1] = 0;
            snprintf(buf, len, "%s %zu, element %zu of %lu", thing, i / b, i % b, b);
            return 1;
        }
        p = e - 1;
    }
    return 0;
}

void p4_vword_name(const char *what, size_t n_words, size_t i, char *buf, size_t len)
{
    char t[1024];
    size_t k = 0;
    for (const char *p = what; *p && k + 1 < sizeof t; p++) t[k++] = *p == '\n' ? ' ' : *p;
    t[k] = 0;
    buf[0] = 0;
    if (!named(t, i, buf, len) && !records(t, n_words, i, buf, len)) buf[0] = 0;
}
