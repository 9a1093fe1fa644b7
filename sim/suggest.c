/* suggest.c - the nearest known word to a misspelt one (see suggest.h).
 *
 * Optimal-string-alignment distance by dynamic programming over three rows (the swap needs the row
 * two back). Words here are option names, commands and configuration keys, tens of characters, so
 * the O(|a| |b|) table is small; longer words are cut at 255 characters.
 */
#include "suggest.h"
#include <string.h>

#define MAXW 255

size_t p4_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    if (n > MAXW) n = MAXW;
    if (m > MAXW) m = MAXW;
    size_t row[3][MAXW + 1]; /* rows i-2, i-1, i (rotated by i % 3) */
    for (size_t j = 0; j <= m; j++) row[0][j] = j;
    for (size_t i = 1; i <= n; i++) {
        size_t *cur = row[i % 3], *prev = row[(i - 1) % 3], *prev2 = row[(i + 1) % 3];
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] != b[j - 1];
            size_t d = prev[j - 1] + cost;
            if (prev[j] + 1 < d) d = prev[j] + 1;
            if (cur[j - 1] + 1 < d) d = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
    }
    return row[n % 3][m];
}

void p4_suggest_start(p4_suggest *s, const char *word)
{
    s->word = word, s->best = NULL, s->dist = (size_t)-1;
}

void p4_suggest_add(p4_suggest *s, const char *candidate)
{
    size_t d = p4_edit_distance(s->word, candidate);
    if (d < s->dist) s->best = candidate, s->dist = d;
}

const char *p4_suggest_best(const p4_suggest *s)
{
    size_t n = strlen(s->word), most = n <= 4 ? 1 : n <= 8 ? 2 : 3;
    return s->best && s->dist > 0 && s->dist <= most ? s->best : NULL;
}
