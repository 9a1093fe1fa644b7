/* Fuzz target: the checkpoint reader. A checksum the fuzzer cannot forge would keep it at the
 * header, so when the first byte is odd the target appends the right "checksum" line itself: the
 * reader then sees files that are whole but made by hand (any header numbers, any counts). The
 * configuration hash expected is FUZZ_HASH, which the seeds carry. */
#include "pam4sim/pam4sim.h"
#include "fuzz_util.h"

#define FUZZ_HASH 0x0123456789abcdefull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) p4_init(), init = 1;
    if (size < 1) return 0;
    char path[128];
    if (fuzz_file(data + 1, size - 1, ".ckpt", path, sizeof path)) return 0;
    if (data[0] & 1) {
        uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64, as the writer */
        for (size_t i = 1; i < size; i++) h = (h ^ data[i]) * 0x100000001b3ull;
        FILE *f = fopen(path, "ab");
        if (f) fprintf(f, "checksum %016llx\n", (unsigned long long)h), fclose(f);
    }
    p4_counts c;
    if (!p4_counts_init(&c, 4 + (data[0] >> 1 & 3) * 4, data[0] >> 3 & 1)) {
        uint64_t next = 0;
        p4_checkpoint_read(path, FUZZ_HASH, &next, &c);
        p4_counts_free(&c);
    }
    unlink(path);
    return 0;
}
