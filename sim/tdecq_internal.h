/* tdecq_internal.h - for the tests: the TDECQ search's plain method, to check the fast one against.
 *
 * With p4_tdecq_plain set, the window histograms take the portable loop (never the AVX2 one) and
 * sigma_G takes its 24 halvings evaluating every midpoint (no bracket, no replay). The fast path must
 * give the same result to the bit (tests/test_optics.c). Not thread-safe; tests only.
 */
#ifndef P4_TDECQ_INTERNAL_H
#define P4_TDECQ_INTERNAL_H
extern int p4_tdecq_plain;
#endif
