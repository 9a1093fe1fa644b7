/* Fuzz target: the IBIS-AMI parameter file parser (sim/ami_file.c). The input is split at its first
 * NUL byte: before it, the .ami text (p4_ami_file_parse); after it, "name=value" overrides, one per
 * line (p4_ami_file_set). A file that parses has its overrides applied and its AMI_parameters_in
 * string built, so the writer sees every value the parser and the range checks let through. */
#include "pam4sim/pam4sim.h"
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) p4_init(), init = 1;
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    size_t n = strlen(text); /* the .ami part ends at the first NUL */
    p4_ami_file *f = p4_ami_file_parse(text, "fuzz.ami");
    if (f) {
        char *line = n < size ? text + n + 1 : NULL;
        for (int k = 0; line && *line && k < 64; k++) {
            char *nl = strchr(line, '\n'), *eq;
            if (nl) *nl = 0;
            if ((eq = strchr(line, '='))) {
                *eq = 0;
                (void)p4_ami_file_set(f, line, eq + 1, "rx.ami.params");
                (void)p4_ami_file_find(f, line);
            }
            line = nl ? nl + 1 : NULL;
        }
        free(p4_ami_file_params_in(f));
        double v;
        (void)p4_ami_string_number(text, "Ignore_Bits", &v);
        p4_ami_file_free(f);
    }
    free(text);
    return 0;
}
