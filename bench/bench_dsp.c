/* bench_dsp.c - the DSP receiver and KP4 FEC: end-to-end symbols/s per core with the bit-true DSP
 * receiver and KP4 in the loop, and KP4 codewords/s decoded on the fast path (count against what
 * was sent) and on the full path (Berlekamp-Massey, Chien, Forney). Prints figures; never fails on time.
 */
#include "bench.h"
#include <stdio.h>
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

int main(void)
{
    p4_init();
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
