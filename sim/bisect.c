/* bisect.c - n halvings replayed from a bracket of the crossing (the method is in bisect.h). */
#include "bisect.h"
#include <math.h>

double p4_bisect_halvings(p4_mono_fn g, void *arg, double thr, double lo, double hi, int n, double eps,
                          double *guess)
{
    const double lt = log(thr);
    double gb = g(hi, arg), ga = g(lo, arg); /* hi first: a caller that tried it may have it cached */
    if (!(ga <= thr)) return lo;    /* every halving fails */
    if (gb <= thr) {                /* every halving succeeds: lo moves up, hi stays */
        for (int it = 0; it < n; it++) lo = (lo + hi) / 2;
        return lo;
    }
    double a = lo, b = hi, fa = log(ga) - lt, fb = log(gb) - lt;
    /* from the guess, steps outward (x4 each) until the crossing is bracketed */
    double x = guess ? *guess : NAN;
    for (double step = 1e-2 * (hi - lo); x > a && x < b; step *= 4) {
        double gx = g(x, arg), fx = log(gx) - lt;
        if (gx <= thr) a = x, fa = fx, x += step;
        else b = x, fb = fx, x -= step;
    }
    /* Illinois: regula falsi on ln g, halving the value kept twice; at least 1e-3 of the bracket */
    for (int side = 0, it = 0; b - a > eps && it < 400; it++) {
        double m = 1e-3 * (b - a);
        x = isfinite(fa) && isfinite(fb) ? a - fa * (b - a) / (fb - fa) : (a + b) / 2;
        x = !(x > a + m) ? a + m : !(x < b - m) ? b - m : x;
        if (!(x > a && x < b)) break; /* the bracket is a few ulp wide: the replay evaluates inside it */
        double gx = g(x, arg), fx = log(gx) - lt;
        if (gx <= thr) {
            a = x, fa = fx;
            if (side < 0) fb /= 2;
            side = -1;
        } else {
            b = x, fb = fx;
            if (side > 0) fa /= 2;
            side = 1;
        }
    }
    if (guess) *guess = a;
    for (int it = 0; it < n; it++) {
        double mid = (lo + hi) / 2;
        int ok = mid < a - eps ? 1 : mid > b + eps ? 0 : g(mid, arg) <= thr;
        if (ok) lo = mid;
        else hi = mid;
    }
    return lo;
}
