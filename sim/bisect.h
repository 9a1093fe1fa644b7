/* bisect.h - the result of n halvings of [lo, hi] on a monotone test, from a handful of evaluations.
 *
 * A bisection that keeps lo where g(mid) <= thr and hi otherwise, n times, ends at one of 2^n cells.
 * When g is non-decreasing, a halving's outcome is known without evaluating g once a bracket
 * [a, b] of the crossing (g(a) <= thr < g(b)) is known and the midpoint lies below a or above b by
 * more than eps: then g(mid) <= g(a) or g(mid) >= g(b). So the crossing is bracketed first, to eps,
 * by the Illinois method on ln g (from a guess, stepping outward until the crossing is bracketed),
 * and the n halvings are then replayed, evaluating g only at the midpoints within eps of the
 * bracket. The answer is the bisection's to the bit; eps only has to exceed the scale on which the
 * computed g may fail to be monotone (its rounding). For g spanning decades (an error ratio) about 8
 * evaluations replace n + 1.
 */
#ifndef P4_BISECT_H
#define P4_BISECT_H

/* g(x) >= 0, non-decreasing in x. */
typedef double (*p4_mono_fn)(double x, void *arg);

/* lo after n halvings of [lo, hi] (g(hi) is not assumed > thr: the halvings alone decide). *guess
 * (NAN: none) is where the search for the crossing starts; it is set to the crossing found. */
double p4_bisect_halvings(p4_mono_fn g, void *arg, double thr, double lo, double hi, int n, double eps,
                          double *guess);

#endif
