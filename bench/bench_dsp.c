/* bench_dsp.c - the DSP receiver and KP4 FEC: the receiver's loop alone, examples/dsp_kp4.yaml (CPU
 * time), end-to-end symbols/s per core with the bit-true DSP receiver and KP4 in the loop, and KP4 codewords/s decoded on the fast path (count against what
 * was sent) and on the full path (Berlekamp-Massey, Chien, Forney). Prints figures; never fails on time.
 */
#include "bench.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void link_case(const char *name, const char *const *sets, int nsets, uint64_t symbols)
{
    p4_counts n;
    double ts, tr;
    p4_link *l = bench_run(name, sets, nsets, symbols, &n, &ts, &tr);
    if (!l) return;
    printf("%-40s %9.0e symbols  set-up %5.2f s  run %6.2f s  %6.2f M symbols/s/core  BER %.2e\n", name,
           (double)n.symbols, ts, tr, (double)n.symbols / tr * 1e-6,
           (double)n.bit_errors / (double)n.bits);
    p4_counts_free(&n);
    p4_link_destroy(l);
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A shipped example on one core, CPU time (the machine's other load does not count), with up to
 * two overrides; returns the run's symbols per second (0 on failure). */
static double example_case(const char *name, const char *file, const char *set1, const char *set2, uint64_t symbols)
{
    char f[256];
    snprintf(f, sizeof f, "file=%s", file);
    const char *sets[] = {f, set1, set2};
    double c0 = cpu_now();
    p4_link *l = bench_link(name, sets, 1 + (set1 != NULL) + (set2 != NULL));
    if (!l) return 0;
    double c1 = cpu_now();
    p4_counts n;
    p4_link_run(l, symbols, &n);
    double c2 = cpu_now();
    printf("%-40s %9.0e symbols  set-up %5.2f s  run %6.2f s  %6.2f M symbols/s/core (CPU time)  BER %.2e\n", name,
           (double)n.symbols, c1 - c0, c2 - c1, (double)n.symbols / (c2 - c1) * 1e-6, (double)n.bit_errors / (double)n.bits);
    double rate = (double)n.symbols / (c2 - c1);
    p4_counts_free(&n);
    p4_link_destroy(l);
    return rate;
}

/* The receiver's per-symbol loop alone (ADC with ENOB noise, 24-tap fixed-point FFE with LMS, DFE,
 * Mueller-Mueller CDR at +50 ppm, optional MLSE) on a band-limited PAM4 waveform at 16 samples/UI:
 * what the DSP costs beside the sample-level engine that makes its input. */
static void loop_case(const char *name, int mlse, size_t nsym)
{
    enum { SPS = 16 };
    size_t ns = nsym * SPS + 64;
    double *w = calloc(ns, sizeof *w), *z = malloc(nsym * sizeof *z), *y = malloc(nsym * sizeof *y);
    uint8_t *a = malloc(nsym), *dec = malloc(nsym), *dd = malloc(nsym);
    if (!w || !z || !y || !a || !dec || !dd) return;
    p4_rng r;
    p4_rng_seed(&r, 5, 0, 1);
    const double lv[4] = {-1, -1.0 / 3, 1.0 / 3, 1};
    double st = 0, k = 1 - exp(-2 * M_PI * 0.35 / SPS); /* one pole at 0.35 x baud */
    for (size_t m = 0; m < nsym; m++) {
        a[m] = (uint8_t)(p4_rng_u64(&r) >> 62);
        for (int q = 0; q < SPS; q++) st += k * (lv[a[m]] - st), w[m * SPS + q] = st + 0.01 * p4_rng_gauss(&r);
    }
    p4_dsprx_setup s = {0};
    s.sps = SPS, s.base_pos = SPS - 1, s.fixed = 1, s.gain = 60, s.adc_bits = 8, s.adc_noise = 0.5;
    s.nffe = 24, s.npre = 4, s.w[4] = 1, s.coef_bits = 10, s.acc_bits = 24, s.out_bits = 10, s.out_level_fraction = 0.5;
    s.lms_step = 1e-5, s.train_step = 1e-3, s.ms_codes = 60 * 60 * 0.5, s.train = 4096;
    s.ndfe = 1, s.b[0] = 0.1, s.dfe_train_step = 1e-3;
    memcpy(s.lv, lv, sizeof lv);
    s.detector = P4_CDR_MM, s.kd = -0.8, s.bandwidth_hz = 4e6, s.damping = 0.707, s.baud_hz = 106.25e9;
    s.kp = s.ki = NAN, s.latency = 64, s.offset_ppm = 50, s.acquire = 16384, s.gear = 8, s.lock_snr_db = 12;
    s.mlse_memory = mlse, s.traceback = 32;
    p4_dsprx *d = p4_dsprx_create(&s);
    if (d) {
        p4_dsprx_out o = {.z = z, .y = y, .dec = dec, .dec_dfe = dd};
        double c0 = cpu_now();
        p4_dsprx_run(d, w, ns, nsym, a, 4, 0, &r, &o);
        double c1 = cpu_now();
        size_t err = 0;
        for (size_t m = 40000; m < nsym; m++) err += dec[m] != a[m - 4];
        printf("%-40s %9.0e symbols  run %6.2f s  %6.2f M symbols/s/core (CPU time)  SER %.1e, %llu re-locks\n", name,
               (double)nsym, c1 - c0, (double)nsym / (c1 - c0) * 1e-6, (double)err / (double)(nsym - 40000),
               (unsigned long long)o.relocks);
        p4_dsprx_destroy(d);
    }
    free(w), free(z), free(y), free(a), free(dec), free(dd);
}

int main(void)
{
    p4_init();
    loop_case("DSP receiver loop alone", 0, 2000000);
    loop_case("DSP receiver loop alone, MLSE(1)", 1, 2000000);
    /* the example, and beside it the 0.6.0 method (noise and waveform at every sample) in the same run */
    const char *ex = "examples/dsp_kp4.yaml", *old = "sim.noise=waveform", *eye1 = "measure.eye_symbols=1";
    double a = example_case("examples/dsp_kp4.yaml (1e6 in the eye)", ex, NULL, NULL, 2000000);
    double b = example_case("  same, sim.noise=waveform", ex, old, NULL, 2000000);
    if (a > 0 && b > 0) printf("%-40s %.2fx\n", "  noise and waveform where read", a / b);
    a = example_case("examples/dsp_kp4.yaml, eye on one unit", ex, eye1, NULL, 2000000);
    b = example_case("  same, sim.noise=waveform", ex, eye1, old, 2000000);
    if (a > 0 && b > 0) printf("%-40s %.2fx\n", "  noise and waveform where read", a / b);
    const char *base[] = {"rx.ctle.g_dc_db=0", "rx.ctle.g_dc_hp_db=-2", "measure.eye_symbols=1"};
    link_case("float receiver (reference)", base, 3, 3000000);
    const char *dsp[] = {"rx.ctle.g_dc_db=0", "rx.ctle.g_dc_hp_db=-2", "measure.eye_symbols=1", "rx.dsp.enable=true"};
    link_case("DSP receiver", dsp, 4, 3000000);
    const char *fec[] = {"rx.ctle.g_dc_db=0", "rx.ctle.g_dc_hp_db=-2", "measure.eye_symbols=1", "rx.dsp.enable=true",
                         "fec.mode=kp4"};
    link_case("DSP receiver + KP4", fec, 5, 3000000);
    const char *mlse[] = {"rx.ctle.g_dc_db=0", "rx.ctle.g_dc_hp_db=-2", "measure.eye_symbols=1", "rx.dsp.enable=true",
                          "fec.mode=kp4", "rx.mlse.memory=1"};
    link_case("DSP receiver + MLSE(1) + KP4", mlse, 6, 3000000);

    /* KP4 decoding alone: codewords with 8 symbol errors */
    p4_rng r;
    p4_rng_seed(&r, 3, 0, 1);
    enum { NCW = 2000 };
    static uint16_t sent[NCW][P4_RS_N], rx[NCW][P4_RS_N];
    for (int k = 0; k < NCW; k++) {
        for (int i = 0; i < P4_RS_K; i++) sent[k][i] = (uint16_t)(p4_rng_u64(&r) & 0x3FF);
        p4_rs_encode(sent[k], sent[k]);
        memcpy(rx[k], sent[k], sizeof rx[k]);
        for (int e = 0; e < 8; e++) rx[k][p4_rng_u64(&r) % P4_RS_N] ^= (uint16_t)(1 + p4_rng_u64(&r) % 1023);
    }
    double t0 = bench_now();
    long bad = 0;
    for (int rep = 0; rep < 20; rep++)
        for (int k = 0; k < NCW; k++) {
            int ne = 0;
            for (int i = 0; i < P4_RS_N; i++) ne += sent[k][i] != rx[k][i];
            bad += ne > P4_RS_T;
        }
    double t1 = bench_now();
    for (int k = 0; k < NCW; k++) bad += p4_rs_decode(rx[k]) < 0;
    double t2 = bench_now();
    printf("KP4 fast path (count vs sent)            %9.0f codewords/s\n", 20 * NCW / (t1 - t0));
    printf("KP4 full decoder (8 errors per codeword) %9.0f codewords/s (%.1f us each)%s\n", NCW / (t2 - t1),
           (t2 - t1) / NCW * 1e6, bad ? "  (unexpected failures)" : "");
    return 0;
}
