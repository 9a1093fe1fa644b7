/* framer.h - the TX data of a FEC-coded link and the RX side that undoes it.
 *
 * A frame is `interleave` KP4 codewords sent symbol by symbol in turn (cw0[0], cw1[0], cw0[1], ...),
 * each 10-bit RS symbol as 5 PAM4 symbols (fec.h): 2720 x interleave UI. With the Clause 177 inner
 * code a superframe of 3 frames (a whole number of 120-bit inner messages for any interleave) is cut
 * into 60-symbol messages, each followed by its 4 parity symbols: 3 x 2720 x interleave x 64/60 UI.
 * Message symbols are uniform random 10-bit values from the stream (seed, frame index, DATA), so any
 * symbol of the stream can be regenerated from its index alone: work units need no shared state.
 */
#ifndef PAM4SIM_FRAMER_H
#define PAM4SIM_FRAMER_H
#include <stddef.h>
#include <stdint.h>
#include "pam4sim/measure.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef struct p4_framer p4_framer;

/* inner: 0 (KP4 only) or 1 (KP4 + inner code); interleave 1..4. */
p4_framer *p4_framer_create(int inner, int interleave, uint64_t seed);
void p4_framer_destroy(p4_framer *f);
/* Symbols per (super)frame. */
size_t p4_framer_frame_symbols(const p4_framer *f);
/* PAM4 symbols [start, start+n) of the stream. */
void p4_framer_fill(p4_framer *f, uint64_t start, size_t n, uint8_t *out);

/* Receive whole frames: sent[0..n) and received rx[0..n) symbols (n a multiple of the frame length,
 * starting at a frame boundary), z[0..n) the slicer inputs for the inner soft decoder, th the slicer
 * thresholds. Counts per codeword, runs the RS decoder where more than t symbols are wrong, and
 * adds everything to c. inner_flips: Chase-II depth. */
void p4_framer_receive(p4_framer *f, const uint8_t *sent, const uint8_t *rx, const double *z, size_t n,
                       const double th[3], int inner_flips, p4_fec_counts *c);

#ifdef __cplusplus
}
#endif
#endif
