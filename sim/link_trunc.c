/* link_trunc.c - how much of the chain's and the aggressors' impulse responses the engines run: cut
 * by what the cut changes at the slicer, not by a fraction of the response's energy.
 *
 * Set-up keeps each response (the linear chain, the noise shaping, each aggressor) to 1e-9 of its
 * energy, capped at channel.impulse_max_ui, which on a lossy channel is the cap: 8192 taps at 16
 * samples/UI, most of them a slow tail far below the noise. What matters is the slicer: with the
 * chosen RX FFE w (equalized main cursor 1, SNR = s2 / sigma^2 with s2 the mean level power),
 *  - cutting the chain (or an aggressor's response) after L samples removes from the symbol-spaced
 *    pulse at the phase the part dp = (tail of h) * (rendered symbol) * amplitude; the residual ISI
 *    power at the slicer changes by s2 sum_m ((w * dp)[m])^2;
 * Each response is cut to the shortest length (in steps of a UI, by bisection) whose change is below
 * its share of CUT_DB of sigma^2 (split evenly over the responses), so the slicer's noise-plus-ISI
 * moves by less than CUT_DB. 0.03 dB moves a BER of 3e-4 by about 4 % (less than the spread between
 * seeds of a 2e6-symbol run); 0.1 dB would move it by 14 %, 0.01 dB would keep 3136 of the default
 * link's 8192 taps instead of 1920. The cut applies to both engines (the symbol-rate engine
 * builds its responses from the same taps), and the FFT size follows the longest response. The
 * noise filter is not cut (below).
 * Rejected: an energy threshold (it keeps what the FFE and the noise make irrelevant).
 */
#include "link_impl.h"

#define CUT_DB 0.03 /* change of the slicer's noise-plus-ISI allowed for all cuts together, dB */

/* The tail's pulse at the phase samples, p[j] = amp sum_{t >= L, t < len} h[t] rp[j sps + ph - t]:
 * where the whole window of rp lies at or after L, the sum is the uncut pulse P[j] (computed once);
 * only the rl/sps samples across L are summed again. Both add the same terms in the same order. */
static double tail_at(const p4_link *l, const double *h, size_t len, size_t L, const double *rp, int rl,
                      const double *P, size_t j)
{
    long n = (long)j * l->sps + l->phase;
    if (n - (rl - 1) >= (long)L) return P[j];
    double v = 0;
    for (int r = 0; r < rl; r++) {
        long t = n - r;
        if (t >= (long)L && t < (long)len) v += rp[r] * h[t];
    }
    return v;
}

/* ISI power change at the slicer when h[0..len) is cut to L (P: the uncut sums, J of them). */
static double isi_change(const p4_link *l, const double *h, size_t len, size_t L, const double *rp, int rl, double amp,
                         const double *P, size_t J, const double *w, int nffe, double s2, double *dp)
{
    size_t j0 = L / (size_t)l->sps;
    if (J <= j0) return 0;
    size_t nd = J - j0;
    double acc = 0;
    for (size_t j = j0; j < J; j++) dp[j - j0] = amp * tail_at(l, h, len, L, rp, rl, P, j);
    for (size_t m = 0; m < nd + (size_t)nffe; m++) {
        double e = 0;
        for (int i = 0; i < nffe; i++)
            if (m >= (size_t)i && m - (size_t)i < nd) e += w[i] * dp[m - (size_t)i];
        acc += e * e;
    }
    return s2 * acc;
}

/* Shortest multiple of a UI (at least 2 UI, at most len) whose cut changes the slicer by <= budget. */
static size_t cut_chain(const p4_link *l, const double *h, size_t len, const double *rp, int rl, double amp,
                        const double *w, int nffe, double s2, double budget)
{
    size_t lo = 2 * (size_t)l->sps, hi = len; /* hi passes (no cut) */
    if (lo >= hi) return len;
    const size_t J = (len + (size_t)rl) / (size_t)l->sps + 1;
    double *P = malloc(J * sizeof *P), *dp = malloc(J * sizeof *dp);
    if (!P || !dp) {
        free(P), free(dp);
        return len;
    }
    for (size_t j = 0; j < J; j++) { /* the uncut sums (L = 0: every t in the window counts) */
        long n = (long)j * l->sps + l->phase;
        double v = 0;
        for (int r = 0; r < rl; r++) {
            long t = n - r;
            if (t >= 0 && t < (long)len) v += rp[r] * h[t];
        }
        P[j] = v;
    }
    while (hi - lo > (size_t)l->sps) {
        size_t mid = (lo + hi) / 2 / (size_t)l->sps * (size_t)l->sps;
        if (mid <= lo) break;
        if (isi_change(l, h, len, mid, rp, rl, amp, P, J, w, nffe, s2, dp) <= budget) hi = mid;
        else lo = mid;
    }
    free(P), free(dp);
    return hi;
}

void link_cut_responses(p4_link *l, const double *rp, int rl, double ramp)
{
    const double *w = l->info.ffe;
    const int nffe = l->info.nffe, nresp = 1 + l->nxt;
    const double s2 = link_level_power(l);
    const double sigma2 = s2 / pow(10, l->info.mmse_snr_db / 10);
    const double budget = (pow(10, CUT_DB / 10) - 1) * sigma2 / nresp;
    l->sig_run = cut_chain(l, l->sig.h, l->sig.len, rp, rl, ramp, w, nffe, s2, budget);
    /* the noise filter runs whole: its cut would bound the slicer's variance but not the noise's
     * correlation from symbol to symbol (a CTLE's low-frequency shelf correlates it over hundreds of
     * UI), which the DFE's error propagation sees: a cut by the variance alone lowered the cable
     * assembly's SER by 5 %. */
    l->noise_a = 0, l->noise_run = l->noise.len;
    /* aggressors: the response to one rendered symbol of level 1 (a 2-UI render of [1, 0]) */
    double one[2] = {1, 0}, *rect = calloc(2 * (size_t)l->sps, sizeof *rect);
    for (int i = 0; i < l->nxt; i++) {
        l->xt_run[i] = l->xt[i].len;
        if (!rect) continue;
        p4_render r;
        p4_render_init(&r, l->sps);
        p4_render_run(&r, one, NULL, 2, rect);
        double amp = l->xt_amp_v[i];
        l->xt_run[i] = cut_chain(l, l->xt[i].h, l->xt[i].len, rect, 2 * l->sps, amp, w, nffe, s2, budget);
    }
    free(rect);
}
