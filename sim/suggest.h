/* suggest.h - "did you mean": the nearest of a set of known words to a misspelt one (private to
 * the library and the command line; not installed).
 *
 * Distance is the optimal-string-alignment edit distance (insert, delete, substitute, swap two
 * neighbours; each costs 1), so `swep`, `sewep` and `seewp` all lead to `sweep`. A candidate is
 * offered only when it is close for its length: at most 1 edit for words of up to 4 characters,
 * 2 up to 8, 3 beyond (a guess further away misleads more than it helps).
 */
#ifndef PAM4SIM_SUGGEST_H
#define PAM4SIM_SUGGEST_H
#include <stddef.h>

typedef struct {
    const char *word; /* the misspelt word                 */
    const char *best; /* nearest candidate so far, or NULL */
    size_t dist;      /* its distance                      */
} p4_suggest;

/* Edit distance of a and b (each at most 255 characters are compared). */
size_t p4_edit_distance(const char *a, const char *b);
void p4_suggest_start(p4_suggest *s, const char *word);
void p4_suggest_add(p4_suggest *s, const char *candidate); /* the first of equals wins */
/* The nearest candidate if it is close enough for the word's length, else NULL. */
const char *p4_suggest_best(const p4_suggest *s);

#endif
