/* Fuzz target: the hexadecimal symbol reader of `pam4sim fec`, and the RS decoder on what it reads
 * (every 544 symbols are decoded, as `fec decode` does; every 514 encoded, as `fec encode`). */
#include "pam4sim/pam4sim.h"
#include <stdio.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) p4_init(), init = 1;
    if (size < 1) return 0;
    FILE *f = fmemopen((void *)(data + 1), size - 1, "rb");
    if (!f) return 0;
    p4_hex_reader r = {f, 1};
    uint16_t w[P4_RS_N];
    unsigned v;
    int got = 0, n = data[0] & 1 ? P4_RS_N : P4_RS_K;
    while (p4_hex_next(&r, "fuzz", &v) == 1) {
        w[got++] = (uint16_t)v;
        if (got == n) {
            if (n == P4_RS_N) p4_rs_decode(w);
            else p4_rs_encode(w, w);
            got = 0;
        }
    }
    fclose(f);
    return 0;
}
