/* Fuzz target: the COM parameter table reader (sim/com_params.c): the input as a YAML table file
 * loaded by p4_com_params_load, the way `pam4sim com --params FILE.yaml` and com.params take a
 * user's own table. */
#include "pam4sim/pam4sim.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) p4_init(), init = 1;
    char path[128];
    if (fuzz_file(data, size, ".yaml", path, sizeof path)) return 0;
    p4_com_params p;
    (void)p4_com_params_load(path, &p);
    unlink(path);
    return 0;
}
