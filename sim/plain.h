/* plain.h - for the tests: switches to the plain methods that faster ones are checked against.
 *
 * With p4_tdecq_plain set, TDECQ's window histograms take the portable loop (never the AVX2 one)
 * and sigma_G takes its 24 halvings evaluating every midpoint (no bracket, no replay). With
 * p4_pmf_tails_plain set, p4_pmf_tails sums one grid point at a time (not four per pass). The fast
 * paths must give the same results to the bit (tests/test_optics.c, tests/test_stat.c). Not
 * thread-safe; tests only.
 */
#ifndef P4_PLAIN_H
#define P4_PLAIN_H
extern int p4_tdecq_plain, p4_pmf_tails_plain;
#endif
