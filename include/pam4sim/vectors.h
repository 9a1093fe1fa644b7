/* vectors.h - reference test vectors: the model's blocks as stimulus/response files that a hardware
 * test bench reads, and the regression check that the model still produces them.
 *
 * A vector file is plain text, one word per line in hexadecimal ($readmemh-style), after a header of
 * `//` comment lines (which $readmemh skips) that states the block, the role, the format, the width,
 * the number of words, the tolerance and what the words are. Formats:
 *   uint    unsigned integers of `width` bits, ceil(width/4) hex digits
 *   int     two's complement integers of `width` bits (so -1 in 10 bits is 3ff)
 *   double  IEEE 754 binary64 bit patterns, 16 hex digits (SystemVerilog $bitstoreal)
 * Integer files (decisions, codes, fixed-point samples) are compared exactly; double files within the
 * absolute tolerance the generator states (written into the header and the manifest).
 *
 * A set of vectors lives in a folder with a manifest (manifest.txt): one line per file with its
 * block, seed, role, format, width, word count and tolerance. The model regenerates every block the
 * manifest names (from that block's seed) and compares; it never writes while checking.
 * Regenerating is the separate, deliberate p4_vectors_write().
 */
#ifndef PAM4SIM_VECTORS_H
#define PAM4SIM_VECTORS_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "pam4sim/config.h"
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

typedef enum { P4_VF_UINT = 0, P4_VF_INT = 1, P4_VF_DOUBLE = 2 } p4_vformat;

typedef struct {
    char name[96];      /* path inside the vectors folder, e.g. "kp4_decode/rx_word.hex" */
    char block[24];
    uint64_t seed;
    char role[12];      /* stimulus | response | parameter */
    p4_vformat fmt;
    int width;          /* bits per word (64 for double) */
    double tol;         /* absolute tolerance for double files; 0 = exact */
    char what[512];     /* meaning, order, units (header lines; '\n' separates them) */
    size_t n, cap;
    uint64_t *u;        /* integer words (int: the value's two's complement in 64 bits) */
    double *d;          /* double words */
} p4_vfile;

typedef struct {
    p4_vfile **f;       /* each file allocated on its own: a pointer from p4_vset_add stays valid */
    int n, cap;
} p4_vset;

/* The blocks, in manifest order, as a space-separated list. */
const char *p4_vector_blocks(void);
/* One-line description of a block (NULL for an unknown name). */
const char *p4_vector_block_help(const char *block);

/* Generate block `block` with stimulus seed `seed` into s (appending). channels_dir: the folder of
 * the Touchstone channels (for the response and link blocks). threads: for the link block (0 = all
 * cores; the result does not depend on it). */
p4_status p4_vectors_make(p4_vset *s, const char *block, uint64_t seed, const char *channels_dir, int threads);
void p4_vset_free(p4_vset *s);

/* A user's golden block: the results of a run of configuration c (counts, equalizer and eye figures,
 * and the optical figures of an optical link, as the link block records them) as files
 * BLOCK/link_counts.hex, BLOCK/link_figures.hex (BLOCK/link_optics.hex) of block `block` (1..23 of
 * a-z 0-9 _, not a built-in block's name), seed sim.seed. Each file's description names the
 * configuration and its digest (FNV-1a 64 of its YAML, sim.threads left out), so a check says when
 * the configuration is not the one the files were made from. The configuration itself lives beside
 * the files as BLOCK/config.yaml (written by the caller); p4_vectors_check finds a block it does
 * not know there. */
p4_status p4_vectors_make_config(p4_vset *s, const char *block, const p4_config *c);

/* What word i of file f means, from the file's description (f->what): the name from a "words: a b
 * c" list, or the element of a list after it ("then the RS errors-per-codeword histogram 0..16":
 * element k), or the record and element for "N things of M ..." (e.g. "codeword 2, element 11 of
 * 544"); "" when the description says nothing more than the position. */
void p4_vword_name(const char *what, size_t n_words, size_t i, char *buf, size_t len);

/* Append an empty file to s and return it (NULL when out of memory). */
p4_vfile *p4_vset_add(p4_vset *s, const char *block, uint64_t seed, const char *name, const char *role,
                      p4_vformat fmt, int width, double tol, const char *what);
p4_status p4_vfile_push_u(p4_vfile *f, uint64_t v);
p4_status p4_vfile_push_i(p4_vfile *f, int64_t v);
p4_status p4_vfile_push_d(p4_vfile *f, double v);

/* Write every file of s and its manifest (dir/manifest.txt, merged with the lines of blocks not in s)
 * into dir; each file goes through a temporary name and a rename. */
p4_status p4_vectors_write(const p4_vset *s, const char *dir, const char *version);

/* The manifest of dir: its lines as files without words (block, seed, name, format, width, n, tol). */
p4_status p4_vectors_manifest(const char *dir, p4_vset *out);

typedef struct {
    int blocks, files, failed; /* failed: files (or manifest lines) that did not match */
    uint64_t words;
    double max_dev;            /* largest deviation of a double word within its tolerance */
} p4_vcheck_summary;

/* The regression check of the folder dir: regenerate every block its manifest names (channels from
 * channels_dir), require the manifest and the model to list the same files with the same format,
 * width, word count and tolerance, and compare every word. One line per block and one per problem on
 * `log`. Returns the number of failures (0: everything matches). */
int p4_vectors_check(const char *dir, const char *channels_dir, int threads, FILE *log, p4_vcheck_summary *sum);

#ifdef __cplusplus
}
#endif
#endif
