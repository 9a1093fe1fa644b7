/* pam4.c - Gray mapping, precoding and levels (see pam4.h). */
#include "pam4sim/pam4.h"

void p4_precode(uint8_t *sym, size_t n, uint8_t *state)
{
    uint8_t p = *state;
    for (size_t j = 0; j < n; j++) {
        p = (uint8_t)((sym[j] - p) & 3);
        sym[j] = p;
    }
    *state = p;
}

void p4_precode_decode(uint8_t *sym, size_t n, uint8_t *state)
{
    uint8_t prev = *state;
    for (size_t j = 0; j < n; j++) {
        uint8_t p = sym[j];
        sym[j] = (uint8_t)((p + prev) & 3);
        prev = p;
    }
    *state = prev;
}

void p4_levels(double rlm, double lv[4])
{
    lv[0] = -1.0;
    lv[1] = -rlm / 3.0;
    lv[2] = rlm / 3.0;
    lv[3] = 1.0;
}

void p4_thresholds(const double lv[4], double th[3])
{
    for (int i = 0; i < 3; i++) th[i] = 0.5 * (lv[i] + lv[i + 1]);
}
