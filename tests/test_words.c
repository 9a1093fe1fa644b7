/* test_words.c - the names the command line and the vector check give to things: the edit distance
 * behind "did you mean" (against hand-counted distances, including the classic kitten/sitting = 3
 * and a swap of neighbours = 1), the closeness rule, and the meaning of a vector file's word read
 * from its description. */
#include "../sim/suggest.h"
#include "pam4sim/pam4sim.h"
#include <criterion/criterion.h>
#include <string.h>

Test(words, edit_distance)
{
    cr_assert_eq(p4_edit_distance("kitten", "sitting"), 3);
    cr_assert_eq(p4_edit_distance("", "abc"), 3);
    cr_assert_eq(p4_edit_distance("sweep", "sweep"), 0);
    cr_assert_eq(p4_edit_distance("swep", "sweep"), 1);        /* one deletion */
    cr_assert_eq(p4_edit_distance("sewep", "sweep"), 1);       /* one swap of neighbours */
    cr_assert_eq(p4_edit_distance("--symbol", "--symbols"), 1);
    cr_assert_eq(p4_edit_distance("ca", "abc"), 3);            /* restricted swaps: no edit of a swapped pair */
    cr_assert_eq(p4_edit_distance("flaw", "lawn"), 2);
}

Test(words, suggestion_closeness)
{
    p4_suggest s;
    static const char *const cmds[] = {"run", "config", "stat", "sweep", "compare", "vectors"};
    p4_suggest_start(&s, "swep");
    for (int i = 0; i < 6; i++) p4_suggest_add(&s, cmds[i]);
    cr_assert_str_eq(p4_suggest_best(&s), "sweep");
    p4_suggest_start(&s, "xyzzy"); /* nothing within 2 edits of a 5-letter word */
    for (int i = 0; i < 6; i++) p4_suggest_add(&s, cmds[i]);
    cr_assert_null(p4_suggest_best(&s));
    p4_suggest_start(&s, "stat"); /* an exact word is not a misspelling */
    p4_suggest_add(&s, "stat");
    cr_assert_null(p4_suggest_best(&s));
}

Test(words, vector_word_names)
{
    char b[256];
    const char *counts = "a run\nwords: symbols symbol_errors bits bit_errors, then the\nRS histogram 0..16";
    p4_vword_name(counts, 21, 3, b, sizeof b);
    cr_assert_str_eq(b, "bit_errors");
    p4_vword_name(counts, 21, 0, b, sizeof b);
    cr_assert_str_eq(b, "symbols");
    p4_vword_name(counts, 21, 10, b, sizeof b);
    cr_assert_str_eq(b, "the RS histogram 0..16: element 6 after the 4 named words");
    p4_vword_name("8 codewords of 544 symbols in wire order", 8 * 544, 600, b, sizeof b);
    cr_assert_str_eq(b, "codeword 1, element 56 of 544");
    p4_vword_name("8 codewords of 544 symbols in wire order", 100, 60, b, sizeof b); /* 8 x 544 != 100 */
    cr_assert_str_eq(b, "");
    p4_vword_name("the hard decoder's output symbols", 10, 3, b, sizeof b);
    cr_assert_str_eq(b, "");
}
