/* Fuzz target: the Touchstone reader and everything `pam4sim channel` computes from a file
 * (renormalization, port order, SDD21/SDD11, passivity, causality). The first byte picks the file
 * name's port count (.s1p, .s2p, .s4p, .s16p, .snp with [Number of Ports]); the rest is the file. */
#include "pam4sim/pam4sim.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {".s1p", ".s2p", ".s4p", ".s16p", ".snp", ".S4P"};
    static int init;
    if (!init) p4_init(), init = 1;
    if (size < 1) return 0;
    char path[128];
    if (fuzz_file(data + 1, size - 1, names[data[0] % 6], path, sizeof path)) return 0;
    p4_touchstone *ts = p4_touchstone_read(path);
    if (ts) {
        p4_channel_summary s;
        int order[4] = {0};
        if (!p4_touchstone_renormalize(ts, 100)) p4_touchstone_summary(ts, order, &s);
        p4_touchstone_free(ts);
    }
    unlink(path);
    return 0;
}
