/* checkpoint.h - the state of a run between work units, in a file, so that a run can stop and go on.
 *
 * A checkpoint holds what a run has merged so far: the index of the next work unit and the counts
 * of every unit before it (all integers, p4_counts_pack). Units are independent and their counts
 * add, so a run resumed from unit k gives exactly the result of one that never stopped.
 * File: a text header - "pam4sim checkpoint 1", "version V", "config H" (FNV-1a 64 of the
 * effective configuration as exact JSON, sim.threads left out: it does not change results),
 * "next_unit K", "words W" - then W 64-bit words in the machine's byte order, then "checksum C" (FNV-1a
 * 64 of everything before it). Written to a temporary file and renamed, so a checkpoint is always
 * whole. A file from another version, another configuration, or with a wrong checksum is refused.
 */
#ifndef PAM4SIM_CHECKPOINT_H
#define PAM4SIM_CHECKPOINT_H
#include <stdint.h>
#include "pam4sim/config.h"
#include "pam4sim/measure.h"
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

/* The most symbols of a work unit (sim.unit_symbols' upper limit): a checkpoint at unit K holds at
 * most K times this many. */
#define P4_MAX_UNIT_SYMBOLS 1048576u

/* FNV-1a 64 of the configuration's exact JSON (p4_config_write_exact) with sim.threads set to 0. */
uint64_t p4_config_hash(const p4_config *c);
p4_status p4_checkpoint_write(const char *path, uint64_t config_hash, uint64_t next_unit, const p4_counts *c);
/* Read into c (initialized with the run's sps and eye); checks version, configuration, checksum and
 * that the counts are possible (errors <= symbols, symbols <= units x P4_MAX_UNIT_SYMBOLS). */
p4_status p4_checkpoint_read(const char *path, uint64_t config_hash, uint64_t *next_unit, p4_counts *c);

#ifdef __cplusplus
}
#endif
#endif
