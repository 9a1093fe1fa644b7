/* Fuzz target: the configuration loader. The first byte picks the way in: a YAML file
 * (p4_config_load), or a --set assignment (p4_config_set, the rest of the input as "key=value").
 * A configuration that loads is validated and written back as YAML, JSON and the exact JSON of the
 * checkpoint hash, so the writers see every value the loader lets through. */
#include "pam4sim/pam4sim.h"
#include "fuzz_util.h"
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    static p4_config def; /* the default parses ~200 small documents: made once */
    if (!init) p4_init(), p4_config_default(&def), init = 1;
    if (size < 1) return 0;
    p4_config c = def;
    p4_status st;
    if (data[0] & 1) {
        char *as = malloc(size);
        if (!as) return 0;
        memcpy(as, data + 1, size - 1);
        as[size - 1] = 0;
        st = p4_config_set(&c, as);
        free(as);
    } else {
        char path[128];
        if (fuzz_file(data + 1, size - 1, ".yaml", path, sizeof path)) return 0;
        st = p4_config_load(&c, path);
        unlink(path);
    }
    if (!st && !p4_config_validate(&c)) {
        FILE *f = fopen("/dev/null", "w");
        if (f) {
            p4_config_write_yaml(&c, f, 1);
            p4_config_write_json(&c, f, 2);
            fclose(f);
        }
        (void)p4_config_hash(&c);
    }
    return 0;
}
