/* checkpoint.c - writing and reading run checkpoints (format in checkpoint.h).
 *
 * The checksum only says the file is whole; a file made by hand can carry a valid checksum and any
 * numbers. So the counts read are also checked against what a run can produce (no more errors than
 * symbols, no more symbols than the units so far can hold), and a file that breaks one is refused.
 */
#include "pam4sim/checkpoint.h"
#include "pam4sim/report.h"
#include "keycache.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>


uint64_t p4_config_hash(const p4_config *c)
{
    p4_config k = *c;
    k.threads = 0;
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return 0;
    p4_config_write_exact(&k, f);
    fclose(f);
    uint64_t h = p4_fnv64(P4_FNV0, buf, len);
    free(buf);
    return h;
}

p4_status p4_checkpoint_write(const char *path, uint64_t config_hash, uint64_t next_unit, const p4_counts *c)
{
    size_t nw = p4_counts_pack(c, NULL);
    uint64_t *w = malloc(nw * sizeof *w);
    if (!w) return p4_error(P4_ENOMEM, "%s: out of memory for the checkpoint", path);
    p4_counts_pack(c, w);
    char head[256], tmp[4096];
    int hl = snprintf(head, sizeof head, "pam4sim checkpoint 1\nversion %s\nconfig %016llx\nnext_unit %llu\nwords %zu\n",
                      P4_VERSION, (unsigned long long)config_hash, (unsigned long long)next_unit, nw);
    uint64_t h = p4_fnv64(p4_fnv64(P4_FNV0, head, (size_t)hl), w, nw * sizeof *w);
    if (strlen(path) + 12 >= sizeof tmp) {
        free(w);
        return p4_error(P4_EINVAL, "%.64s...: the checkpoint's path is longer than %zu characters", path, sizeof tmp - 13);
    }
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    mode_t mask = umask(0); /* mkstemp makes 0600; a checkpoint gets what umask gives any new file */
    umask(mask);
    if (fd >= 0 && fchmod(fd, 0666 & ~mask)) close(fd), unlink(tmp), fd = -1;
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    int ok = f && fwrite(head, 1, (size_t)hl, f) == (size_t)hl && fwrite(w, sizeof *w, nw, f) == nw &&
             fprintf(f, "checksum %016llx\n", (unsigned long long)h) > 0;
    if (f) ok = !fclose(f) && ok;
    else if (fd >= 0) close(fd);
    free(w);
    if (!ok || rename(tmp, path)) {
        int e = errno;
        if (fd >= 0) unlink(tmp);
        return p4_error(P4_EIO, "%s: cannot write the checkpoint: %s", path, strerror(e));
    }
    return P4_OK;
}

/* The counts a run can produce: NULL, or what is impossible about them. */
static const char *impossible(const p4_counts *c, uint64_t next_unit)
{
    const p4_fec_counts *f = &c->fec;
    if (c->symbol_errors > c->symbols) return "more symbol errors than symbols";
    if (c->bit_errors > c->bits) return "more bit errors than bits";
    if (c->bits / 2 > c->symbols) return "more than 2 bits per symbol";
    if (c->eye_symbols > c->symbols) return "more eye symbols than symbols";
    if (next_unit > UINT64_MAX / P4_MAX_UNIT_SYMBOLS || c->symbols > next_unit * P4_MAX_UNIT_SYMBOLS)
        return "more symbols than its work units hold";
    if (f->cw_failed > f->codewords || f->cw_miscorrected > f->codewords - f->cw_failed)
        return "more failed codewords than codewords";
    if (f->rs_symbol_errors > f->rs_symbols) return "more RS symbol errors than RS symbols";
    if (f->msg_bit_errors > f->msg_bits) return "more post-FEC bit errors than bits";
    if (f->dfe_symbol_errors > c->symbols) return "more DFE symbol errors than symbols";
    return NULL;
}

p4_status p4_checkpoint_read(const char *path, uint64_t config_hash, uint64_t *next_unit, p4_counts *c)
{
    FILE *f = fopen(path, "rb");
    if (!f) return p4_error(P4_EIO, "%s: cannot open the checkpoint: %s", path, strerror(errno));
    char line[5][128], ver[64] = "";
    unsigned long long cfg = 0, nu = 0;
    size_t nw = 0;
    p4_status st = P4_OK;
    for (int i = 0; i < 5 && !st; i++)
        if (!fgets(line[i], sizeof line[i], f)) st = p4_error(P4_EPARSE, "%s: not a pam4sim checkpoint (too short)", path);
    if (!st && strcmp(line[0], "pam4sim checkpoint 1\n"))
        st = p4_error(P4_EPARSE, "%s: not a pam4sim checkpoint (first line '%.40s')", path, line[0]);
    if (!st && (sscanf(line[1], "version %63s", ver) != 1 || sscanf(line[2], "config %llx", &cfg) != 1 ||
                sscanf(line[3], "next_unit %llu", &nu) != 1 || sscanf(line[4], "words %zu", &nw) != 1))
        st = p4_error(P4_EPARSE, "%s: the checkpoint's header is damaged", path);
    if (!st && strcmp(ver, P4_VERSION))
        st = p4_error(P4_EINVAL, "%s: written by pam4sim %s; this is %s: checkpoints do not carry across versions", path,
                      ver, P4_VERSION);
    if (!st && cfg != config_hash)
        st = p4_error(P4_EINVAL, "%s: written for another configuration (hash %016llx, this run %016llx): resume with the "
                                 "same file and --set options (only -j may differ)", path, cfg, (unsigned long long)config_hash);
    if (!st && nw != p4_counts_pack(c, NULL))
        st = p4_error(P4_EINVAL, "%s: holds %zu count words, this run needs %zu", path, nw, p4_counts_pack(c, NULL));
    uint64_t *w = st ? NULL : malloc(nw * sizeof *w);
    if (!st && !w) st = p4_error(P4_ENOMEM, "%s: out of memory", path);
    unsigned long long sum = 0;
    if (!st && (fread(w, sizeof *w, nw, f) != nw || fscanf(f, "checksum %llx", &sum) != 1))
        st = p4_error(P4_EPARSE, "%s: the checkpoint is truncated", path);
    if (!st) {
        uint64_t h = P4_FNV0;
        for (int i = 0; i < 5; i++) h = p4_fnv64(h, line[i], strlen(line[i]));
        if (p4_fnv64(h, w, nw * sizeof *w) != sum) st = p4_error(P4_EPARSE, "%s: the checkpoint is corrupt (checksum)", path);
    }
    if (!st) {
        p4_counts_unpack(c, w);
        const char *why = impossible(c, nu);
        if (why) st = p4_error(P4_EPARSE, "%s: the checkpoint's counts are impossible (%s)", path, why);
        else *next_unit = nu;
    }
    free(w);
    fclose(f);
    return st;
}
