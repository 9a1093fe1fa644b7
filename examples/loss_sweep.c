/* loss_sweep.c - libpam4sim from a program of your own: the default link's BER as the channel's
 * insertion loss at Nyquist rises.
 *
 *   cc loss_sweep.c $(pkg-config --cflags --libs pam4sim) -o loss_sweep
 *   ./loss_sweep [SYMBOLS]        (default 100000 symbols per point)
 *
 * For each loss: a default configuration, channel.il_nyquist_db set through the same key=value
 * path as `pam4sim --set`, checked, the link set up (equalizer adapted) and run; the bit errors
 * and the BER with its 95 % Clopper-Pearson interval are printed. Every call returns a status or
 * NULL; p4_last_error() says what went wrong.
 */
#include <pam4sim/pam4sim.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    const unsigned long long symbols = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    p4_init();
    printf("pam4sim %s: BER of the default link against channel loss, %llu symbols per point\n", P4_VERSION,
           symbols);
    printf("%10s %12s %12s %24s\n", "IL [dB]", "bit errors", "BER", "95 % interval");
    for (int il_db = 36; il_db <= 52; il_db += 4) {
        p4_config c;
        char set[64];
        p4_config_default(&c);
        snprintf(set, sizeof set, "channel.il_nyquist_db=%d", il_db);
        if (p4_config_set(&c, set) || p4_config_validate(&c)) {
            fprintf(stderr, "loss_sweep: %s\n", p4_last_error());
            return 1;
        }
        p4_link *l = p4_link_create(&c);
        if (!l) {
            fprintf(stderr, "loss_sweep: %s\n", p4_last_error());
            return 1;
        }
        p4_counts n;
        if (p4_link_run(l, symbols, &n)) {
            fprintf(stderr, "loss_sweep: %s\n", p4_last_error());
            p4_link_destroy(l);
            return 1;
        }
        double lo, hi;
        p4_clopper_pearson(n.bit_errors, n.bits, &lo, &hi);
        printf("%10d %12llu %12.3e %11.2e .. %.2e\n", il_db, (unsigned long long)n.bit_errors,
               (double)n.bit_errors / (double)n.bits, lo, hi);
        p4_counts_free(&n);
        p4_link_destroy(l);
    }
    return 0;
}
