/* Fuzz target: the reader of a sealed FFT wisdom file (channel/fftplan.c, p4_fft_wisdom_unseal),
 * which decides whether PAM4SIM_FFTW_WISDOM's file reaches FFTW at all (FFTW aborts on some corrupt
 * wisdom, so only a text matching its seal is imported). The input is the file's bytes; a text that
 * passes must have been cut before its seal, NUL-terminated. */
#include "../../channel/fftplan.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), err[300];
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = 0;
    size_t wlen = 0;
    if (!p4_fft_wisdom_unseal(text, size, &wlen, err, sizeof err) && (wlen > size || strlen(text) != wlen)) abort();
    free(text);
    return 0;
}
