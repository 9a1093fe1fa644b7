/* bench_link.c - throughput and peak memory of the link engines. Prints figures; never fails on time.
 *
 * Each case runs beside the same case by the sample-level path (sim.engine=sample, the 0.5.0
 * method: every sample of the waveform through the FIRs) and prints the ratio measured in the same
 * run, because absolute times on shared machines vary 2-4x between runs. Cases: the default link
 * (eye histogram on for its first 1e6 symbols) at 1e6 and 1e7 symbols; the same with the eye on one
 * work unit only (the engines' own speed); set-up alone. Peak RSS after each case shows that memory
 * does not grow with the symbol count (work units of fixed size). One thread, CPU time: figures are
 * per core.
 * Then the thread scaling: the same run on 1 thread and on every core, with the speed-up and whether
 * the two results are identical (they must be: units have their own streams, merged in order).
 * Last the optical lane of examples/dr1.yaml (run from the repository root, as make bench does).
 */
#include "bench.h"
#include "../channel/fftplan.h"
#include "pam4sim/rng.h"
#include <stdlib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static double run(const char *name, const char *const *sets, int nsets, uint64_t symbols)
{
    p4_counts n;
    double ts, tr;
    p4_link *l = bench_run(name, sets, nsets, symbols, &n, &ts, &tr);
    if (!l) return NAN;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%-36s %7.0e symbols  set-up %5.3f s  run %6.2f s  %6.2f M symbols/s/core  FIR %4.0f taps  %-6s  peak RSS %5.1f MiB  BER %.2e\n",
           name, (double)symbols, ts, tr, (double)symbols / tr * 1e-6, p4_link_info_get(l)->fir_taps,
           p4_link_info_get(l)->engine, ru.ru_maxrss / 1024.0, (double)n.bit_errors / (double)n.bits);
    p4_counts_free(&n);
    p4_link_destroy(l);
    return tr;
}

/* The case as configured and again with the sample-level path forced; the ratio of run times. */
static void versus(const char *name, const char *const *sets, int nsets, uint64_t symbols)
{
    const char *all[16];
    for (int i = 0; i < nsets; i++) all[i] = sets[i];
    all[nsets] = "sim.engine=sample";
    double a = run(name, sets, nsets, symbols);
    char n2[64];
    snprintf(n2, sizeof n2, "  same, sample level forced");
    double b = run(n2, all, nsets + 1, symbols);
    printf("  %-34s speed-up over the sample-level path %.1fx\n", "", b / a);
}

/* Set-up alone (CPU time of p4_link_create), best of three. */
static void setup_time(const char *name, const char *const *sets, int nsets)
{
    double best = INFINITY;
    for (int r = 0; r < 3; r++) {
        double t0 = bench_cpu();
        p4_link *l = bench_link(name, sets, nsets);
        if (!l) return;
        double t = bench_cpu() - t0;
        best = t < best ? t : best;
        p4_link_destroy(l);
    }
    printf("%-36s set-up %5.3f s CPU (best of 3)\n", name, best);
}

static double timed(const char *name, const char *const *sets, int nsets, int threads, uint64_t symbols, p4_counts *n)
{
    const char *all[16];
    char th[32];
    for (int i = 0; i < nsets; i++) all[i] = sets[i];
    snprintf(th, sizeof th, "sim.threads=%d", threads);
    all[nsets] = th;
    double ts, tr;
    p4_link *l = bench_run(name, all, nsets + 1, symbols, n, &ts, &tr);
    if (!l) return NAN;
    p4_link_destroy(l);
    return tr;
}

static void scaling(const char *name, const char *const *sets, int nsets, uint64_t symbols)
{
    int nt = p4_default_threads();
    p4_counts a, b;
    setenv("P4_BENCH_WALL", "1", 1);
    double t1 = timed(name, sets, nsets, 1, symbols, &a), tn = timed(name, sets, nsets, nt, symbols, &b);
    unsetenv("P4_BENCH_WALL");
    if (isnan(t1) || isnan(tn)) return;
    int same = a.symbol_errors == b.symbol_errors && a.bit_errors == b.bit_errors &&
               !memcmp(&a.fec, &b.fec, sizeof a.fec) && !memcmp(a.eye, b.eye, (size_t)4 * a.sps * P4_EYE_BINS * sizeof *a.eye);
    printf("%-34s %9.0e symbols  1 thread %6.2f s  %d threads %6.2f s  speed-up %.2fx  results identical: %s\n", name,
           (double)symbols, t1, nt, tn, t1 / tn, same ? "yes" : "NO");
    p4_counts_free(&a);
    p4_counts_free(&b);
}

/* CPU seconds per call of f(arg), over enough calls for 0.2 s. */
static double per_call(void (*f)(void *), void *arg)
{
    long n = 0;
    double t0 = bench_cpu(), t;
    do {
        for (int i = 0; i < 64; i++) f(arg);
        n += 64;
    } while ((t = bench_cpu() - t0) < 0.2);
    return t / (double)n;
}

typedef struct {
    fftw_plan f, b;
    double *x;
    fftw_complex *X;
    p4_rng r;
    double *w;
} prim;
static void do_r2c(void *a) { prim *p = a; fftw_execute_dft_r2c(p->f, p->x, p->X); }
static void do_c2r(void *a) { prim *p = a; fftw_execute_dft_c2r(p->b, p->X, p->x); }
static void do_gauss(void *a) { prim *p = a; p4_rng_gauss_fill(&p->r, p->w, 4096, 1.0); }

/* The floor of each path from its unavoidable primitives on this machine: the overlap-save
 * transforms per output (N = 8192, the default link's hop 8192 - 512 + 1 at symbol rate, the same
 * in samples at 16 per UI) and the Gaussian draws; everything else (patterns, FFE, DFE, counting)
 * comes on top. */
static void floors(void)
{
    prim p = {.x = fftw_alloc_real(8192), .X = fftw_alloc_complex(4097), .w = malloc(4096 * sizeof(double))};
    if (!p.x || !p.X || !p.w) return;
    p.f = p4_fft_plan(P4_FFT_R2C, 8192), p.b = p4_fft_plan(P4_FFT_C2R, 8192);
    for (int i = 0; i < 8192; i++) p.x[i] = (double)(i % 7) - 3;
    p4_rng_seed(&p.r, 1, 0, 1);
    double tf = per_call(do_r2c, &p), tb = per_call(do_c2r, &p), tg = per_call(do_gauss, &p) / 4096;
    const double hop = 8192 - 512 + 1;
    /* symbol rate: pulse, noise and two edge-position inputs forward, one inverse, one draw */
    double fs = (4 * tf + tb) / hop + tg;
    /* sample level, no eye: chain input forward and inverse per 16 samples of each UI, one draw */
    double fl = (tf + tb) / (hop / 16) + tg;
    printf("floors (this machine): r2c 8192 %.1f us, c2r %.1f us, Gaussian %.1f ns: symbol-rate engine %.0f M symbols/s,"
           " sample level (no eye) %.1f M symbols/s\n", tf * 1e6, tb * 1e6, tg * 1e9, 1e-6 / fs, 1e-6 / fl);
    fftw_free(p.x), fftw_free(p.X), free(p.w);
}

int main(void)
{
    p4_init();
    floors();
    const char *def[] = {"sim.sps=16"};
    setup_time("default link", def, 1);
    versus("default link", def, 1, 1000000);
    versus("default link", def, 1, 10000000);
    const char *noeye[] = {"sim.sps=16", "measure.eye_symbols=1"};
    versus("default link, eye on one unit", noeye, 2, 20000000);
    const char *hot[] = {"sim.sps=16", "channel.impulse_max_ui=64", "measure.eye_symbols=1", "rx.ffe.taps=24",
                         "rx.dfe.taps=1", "rx.ctle.g_dc_db=-6", "rx.ctle.g_dc_hp_db=0"};
    versus("hot path (1024-tap FIR, no eye)", hot, 7, 10000000);
    printf("\nthread scaling (run only, set-up excluded, wall time):\n");
    scaling("default link", def, 1, 4000000);
    scaling("default link, eye on one unit", noeye, 2, 20000000);
    const char *dsp[] = {"sim.sps=16", "rx.dsp.enable=true", "fec.mode=kp4", "sim.unit_symbols=65280",
                         "rx.ctle.g_dc_db=0", "rx.ctle.g_dc_hp_db=-2"};
    scaling("DSP receiver + KP4", dsp, 6, 2000000);
    /* the optical lane of examples/dr1.yaml 2 dB above its thermal-noise limit, without TDECQ */
    printf("\noptical lane (examples/dr1.yaml, received OMA -8 dBm):\n");
    const char *dr1f[] = {"file=examples/dr1.yaml", "sim.threads=1", "tdecq.in_run=false", "optics.rx.oma_dbm=-8",
                          "rx.dsp.enable=false", "fec.mode=none"};
    versus("DR1 lane, float receiver", dr1f, 6, 1000000);
    const char *dr1d[] = {"file=examples/dr1.yaml", "sim.threads=1", "tdecq.in_run=false", "optics.rx.oma_dbm=-8"};
    run("DR1 lane, DSP receiver + KP4", dr1d, 4, 1000000);
    scaling("DR1 lane, DSP receiver + KP4", dr1d, 4, 2000000);
    return 0;
}
