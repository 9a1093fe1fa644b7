/* com_chan.h - the channels of a COM run (private to sim/com*.c): each file's differential
 * S-parameters at its own frequencies, put on one grid, and the section a configuration adds in
 * series (channel.length_scale, channel.extra_loss_db).
 */
#ifndef P4_COM_CHAN_H
#define P4_COM_CHAN_H
#include "pam4sim/com.h"
#include <complex.h>
#include <stddef.h>

typedef struct {
    size_t nf;
    double *f;
    double complex *s11, *s21, *s12, *s22;
    double amp;
    int kind; /* 0 thru, 1 FEXT, 2 NEXT */
} chan;

void com_free_chan(chan *c);
/* The four differential S-parameters of a file at its own frequencies (pairs: order_in, or found
 * from the DC thru when order_in is NULL; order_out, if given, receives the pairs used). */
p4_status com_read_chan(const char *path, double r0, const int order_in[4], int order_out[4], chan *c);
/* The file's grid: uniform from DC or from its step (k0 = 1), the step dividing fs evenly. */
int com_exact_grid(const chan *c, double fs, double *df, size_t *k0, size_t *n);
/* Resampled onto n bins over fs from DC, as response.h puts a file on a link's grid. */
p4_status com_regrid(chan *c, double fs, size_t n);
/* The section in series at the receiver, once every channel is on the grid f = (i + k0) fs / n:
 * the thru's own SDD21 raised to (k - 1) (|H|^(k-1), (k - 1) x its phase unwrapped along the grid,
 * so the thru becomes |H|^k with k x its phase) times the loss model's section of extra_loss_db at
 * f_nyq_hz; it multiplies SDD21 and SDD12 of the thru and of every aggressor. The ends' reflections
 * (SDD11, SDD22) stay as measured. k = 1 and no extra loss: nothing is touched. */
p4_status com_chan_section(chan *vic, chan *agg, int nagg, double k, double extra_loss_db, double skin_fraction,
                           double f_nyq_hz, double fs, size_t n, size_t k0);
#endif
