/* test_bisect.c - sim/bisect.c against the plain bisection it replaces: n halvings evaluating the
 * test at every midpoint. On random monotone functions (smooth over decades, flat with jumps, zero
 * below a point) and on a smooth one with a rounding-scale wobble (not monotone below eps, as a
 * computed error ratio may be), with and without a guess, the two end in the same cell to the bit,
 * and the replay evaluates far fewer points where the function spans decades. */
#include <criterion/criterion.h>
#include "../sim/bisect.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    int kind, calls;
    double x0, k;
} fn;

static double g(double x, void *p)
{
    fn *f = p;
    f->calls++;
    switch (f->kind) {
    case 0: return exp(f->k * (x - f->x0));                            /* smooth, decades */
    case 1: return floor(f->k * (x - f->x0)) + 1e3;                      /* flat between jumps */
    case 2: return x < f->x0 ? 0 : 0.5 * erfc(-f->k * (x - f->x0)) - 0.5; /* zero below x0 */
    default: { /* smooth, with a rounding-scale wobble (1e-15 relative): not monotone below eps */
        uint64_t b;
        memcpy(&b, &x, sizeof b);
        return exp(f->k * (x - f->x0)) * (1 + ((b >> 3) & 1 ? 1e-15 : -1e-15));
    }
    }
}

static double plain(fn *f, double thr, double lo, double hi, int n)
{
    for (int it = 0; it < n; it++) {
        double mid = (lo + hi) / 2;
        if (g(mid, f) <= thr) lo = mid;
        else hi = mid;
    }
    return lo;
}

static double uni(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*s >> 11) * 0x1p-53;
}

Test(bisect, replayed_halvings_end_in_the_bisections_cell)
{
    const uint64_t seed = 7;
    uint64_t s = seed;
    long calls = 0, cases = 0;
    for (int t = 0; t < 3000; t++) {
        fn f = {.kind = t % 4, .x0 = -20 + 10 * uni(&s), .k = 0.5 + 20 * uni(&s)};
        double lo = -16.1 - 3 * uni(&s), hi = lo + 5 + 20 * uni(&s);
        double thr = f.kind == 0 || f.kind == 3 ? exp(-30 + 60 * uni(&s)) : f.kind == 1 ? 1e3 + 40 * uni(&s) : 1e-6 + 0.4 * uni(&s);
        int n = 1 + t % 40;
        double want = plain(&f, thr, lo, hi, n);
        double guess = t % 4 == 0 ? NAN : t % 4 == 1 ? lo + (hi - lo) * uni(&s) : t % 4 == 2 ? hi + 1 : f.x0;
        f.calls = 0;
        double got = p4_bisect_halvings(g, &f, thr, lo, hi, n, 1e-9, &guess);
        cr_assert(got == want, "case %d (kind %d, n %d, seed %llu): %a vs the bisection's %a", t, f.kind, n,
                  (unsigned long long)seed, got, want);
        if ((f.kind == 0 || f.kind == 3) && n == 24) calls += f.calls, cases++;
    }
    cr_assert(cases > 0 && calls < 16 * cases, "%.1f evaluations per 24 halvings on a smooth error ratio",
              (double)calls / (double)cases);
    cr_log_info("smooth case: %.1f evaluations per 24 halvings (seed %llu)", (double)calls / (double)cases,
                (unsigned long long)seed);
}

Test(bisect, a_test_that_never_or_always_holds)
{
    fn f = {.kind = 0, .x0 = 0, .k = 1};
    double guess = NAN;
    cr_assert_eq(p4_bisect_halvings(g, &f, 1e-30, -5, 5, 24, 1e-9, &guess), plain(&f, 1e-30, -5, 5, 24));
    cr_assert_eq(p4_bisect_halvings(g, &f, 1e30, -5, 5, 24, 1e-9, &guess), plain(&f, 1e30, -5, 5, 24));
}
