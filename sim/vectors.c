/* vectors.c - reference vector files: the container, the text format, the manifest, and the check
 * (format and rules in vectors.h; the blocks themselves are made in vectors_blocks.c).
 *
 * Writing never leaves a partial file: each file and the manifest go through a temporary name in
 * the same folder and a rename. Checking only reads. A mismatch is reported as
 *   DIR/FILE:LINE: word I: expected E, got G   (expected = the file, got = the model)
 * once per file (the first differing word, then how many differ), so a failing regression points at
 * the first place a hardware engineer would look.
 */
#include "pam4sim/vectors.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *fmt_name[] = {"uint", "int", "double"};

void p4_vset_free(p4_vset *s)
{
    for (int i = 0; i < s->n; i++) free(s->f[i]->u), free(s->f[i]->d), free(s->f[i]);
    free(s->f);
    memset(s, 0, sizeof *s);
}

p4_vfile *p4_vset_add(p4_vset *s, const char *block, uint64_t seed, const char *name, const char *role,
                      p4_vformat fmt, int width, double tol, const char *what)
{
    if (s->n == s->cap) {
        int c = s->cap ? 2 * s->cap : 16;
        p4_vfile **nf = realloc(s->f, (size_t)c * sizeof *nf);
        if (!nf) return NULL;
        s->f = nf, s->cap = c;
    }
    p4_vfile *f = calloc(1, sizeof *f);
    if (!f) return NULL;
    s->f[s->n++] = f;
    snprintf(f->name, sizeof f->name, "%s", name);
    snprintf(f->block, sizeof f->block, "%s", block);
    snprintf(f->role, sizeof f->role, "%s", role);
    snprintf(f->what, sizeof f->what, "%s", what ? what : "");
    f->seed = seed, f->fmt = fmt, f->width = fmt == P4_VF_DOUBLE ? 64 : width, f->tol = tol;
    return f;
}

static p4_status grow(p4_vfile *f)
{
    if (f->n < f->cap) return P4_OK;
    size_t c = f->cap ? 2 * f->cap : 1024;
    if (f->fmt == P4_VF_DOUBLE) {
        double *nd = realloc(f->d, c * sizeof *nd);
        if (!nd) return p4_error(P4_ENOMEM, "out of memory for vector %s", f->name);
        f->d = nd;
    } else {
        uint64_t *nu = realloc(f->u, c * sizeof *nu);
        if (!nu) return p4_error(P4_ENOMEM, "out of memory for vector %s", f->name);
        f->u = nu;
    }
    f->cap = c;
    return P4_OK;
}

static uint64_t mask_of(int width) { return width >= 64 ? ~0ull : (1ull << width) - 1; }

p4_status p4_vfile_push_u(p4_vfile *f, uint64_t v)
{
    if (grow(f)) return P4_ENOMEM;
    f->u[f->n++] = v & mask_of(f->width);
    return P4_OK;
}

p4_status p4_vfile_push_i(p4_vfile *f, int64_t v)
{
    if (grow(f)) return P4_ENOMEM;
    f->u[f->n++] = (uint64_t)v & mask_of(f->width);
    return P4_OK;
}

p4_status p4_vfile_push_d(p4_vfile *f, double v)
{
    if (grow(f)) return P4_ENOMEM;
    f->d[f->n++] = v;
    return P4_OK;
}

static int hex_digits(int width) { return (width + 3) / 4; }

static uint64_t word_bits(const p4_vfile *f, size_t i)
{
    if (f->fmt != P4_VF_DOUBLE) return f->u[i];
    uint64_t b;
    memcpy(&b, &f->d[i], sizeof b);
    return b;
}

static int64_t sign_extend(uint64_t v, int width)
{
    if (width >= 64) return (int64_t)v;
    uint64_t m = 1ull << (width - 1);
    return (int64_t)((v ^ m) - m);
}

/* "exact" or the tolerance as %g. */
static void tol_text(const p4_vfile *f, char *buf, size_t n)
{
    if (f->fmt != P4_VF_DOUBLE || f->tol == 0) snprintf(buf, n, "exact");
    else snprintf(buf, n, "%.3g", f->tol);
}

/* mkdir -p of the folder part of path. */
static p4_status make_parents(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return p4_error(P4_EIO, "%s: cannot create: %s", buf, strerror(errno));
        *p = '/';
    }
    return P4_OK;
}

typedef void (*body_fn)(FILE *f, const void *ctx);

static p4_status write_atomic(const char *path, body_fn fn, const void *ctx)
{
    if (make_parents(path)) return P4_EIO;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) return p4_error(P4_EIO, "%s: cannot write: %s", path, strerror(errno));
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return p4_error(P4_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    fn(f, ctx);
    int bad = ferror(f);
    bad |= fclose(f);
    if (bad || chmod(tmp, 0644) || rename(tmp, path)) {
        unlink(tmp);
        return p4_error(P4_EIO, "%s: cannot write: %s", path, strerror(errno));
    }
    return P4_OK;
}

typedef struct {
    const p4_vfile *f;
    const char *version;
} file_ctx;

static void file_body(FILE *o, const void *v)
{
    const file_ctx *c = v;
    const p4_vfile *f = c->f;
    char tol[32];
    tol_text(f, tol, sizeof tol);
    fprintf(o, "// pam4sim reference vector (format: vectors/README.md)\n");
    fprintf(o, "// file: %s\n// block: %s\n// seed: %llu\n// role: %s\n", f->name, f->block,
            (unsigned long long)f->seed, f->role);
    fprintf(o, "// format: %s\n// width: %d\n// words: %zu\n// tolerance: %s\n", fmt_name[f->fmt], f->width, f->n, tol);
    for (const char *p = f->what; *p;) {
        const char *e = strchr(p, '\n');
        int len = e ? (int)(e - p) : (int)strlen(p);
        fprintf(o, "// what: %.*s\n", len, p);
        p += len + (e != NULL);
    }
    fprintf(o, "// generated by: pam4sim %s\n", c->version);
    const int nd = hex_digits(f->width);
    for (size_t i = 0; i < f->n; i++) fprintf(o, "%0*llx\n", nd, (unsigned long long)word_bits(f, i));
}

/* ---- the manifest ---- */

static int block_rank(const char *b)
{
    const char *list = p4_vector_blocks();
    int r = 0;
    for (const char *p = list; *p; r++) {
        size_t len = strcspn(p, " ");
        if (len == strlen(b) && !strncmp(p, b, len)) return r;
        p += len;
        while (*p == ' ') p++;
    }
    return 1000;
}

static int in_set_block(const p4_vset *s, const char *block)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->f[i]->block, block)) return 1;
    return 0;
}

typedef struct {
    const p4_vfile **rows;
    int n;
} manifest_ctx;

static void manifest_body(FILE *o, const void *v)
{
    const manifest_ctx *m = v;
    fprintf(o, "# pam4sim reference vectors: one line per file (format: vectors/README.md in pam4sim).\n"
               "# Check: pam4sim vectors check DIR. Regenerate (deliberately): pam4sim vectors generate DIR.\n"
               "# file block seed role format width words tolerance\n");
    for (int i = 0; i < m->n; i++) {
        const p4_vfile *f = m->rows[i];
        char tol[32];
        tol_text(f, tol, sizeof tol);
        fprintf(o, "%s %s %llu %s %s %d %zu %s\n", f->name, f->block, (unsigned long long)f->seed, f->role,
                fmt_name[f->fmt], f->width, f->n, tol);
    }
}

static int row_cmp(const void *a, const void *b)
{
    const p4_vfile *x = *(const p4_vfile *const *)a, *y = *(const p4_vfile *const *)b;
    int ra = block_rank(x->block), rb = block_rank(y->block);
    if (ra != rb) return ra < rb ? -1 : 1;
    return 0;
}

p4_status p4_vectors_manifest(const char *dir, p4_vset *out)
{
    memset(out, 0, sizeof *out);
    char path[4096];
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) return p4_error(P4_EIO, "%s: cannot open: %s", path, strerror(errno));
    char line[1024];
    int ln = 0;
    p4_status st = P4_OK;
    while (!st && fgets(line, sizeof line, f)) {
        ln++;
        char *p = line + strspn(line, " \t");
        if (*p == '#' || *p == '\n' || !*p) continue;
        char name[96], block[24], role[12], fmt[12], tol[32];
        unsigned long long seed;
        int width;
        size_t words;
        if (sscanf(p, "%95s %23s %llu %11s %11s %d %zu %31s", name, block, &seed, role, fmt, &width, &words, tol) != 8) {
            st = p4_error(P4_EPARSE, "%s:%d: expected 'file block seed role format width words tolerance'", path, ln);
            break;
        }
        int fi = !strcmp(fmt, "uint") ? 0 : !strcmp(fmt, "int") ? 1 : !strcmp(fmt, "double") ? 2 : -1;
        char *end;
        double t = strcmp(tol, "exact") ? strtod(tol, &end) : 0;
        if (fi < 0 || width < 1 || width > 64 || (strcmp(tol, "exact") && (*end || !(t >= 0)))) {
            st = p4_error(P4_EPARSE, "%s:%d: format must be uint|int|double, width 1..64, tolerance 'exact' or a number >= 0",
                          path, ln);
            break;
        }
        p4_vfile *v = p4_vset_add(out, block, seed, name, role, (p4_vformat)fi, width, t, NULL);
        if (!v) st = p4_error(P4_ENOMEM, "out of memory reading %s", path);
        else v->n = words;
    }
    fclose(f);
    if (!st && !out->n) st = p4_error(P4_EPARSE, "%s: no files listed", path);
    if (st) p4_vset_free(out);
    return st;
}

p4_status p4_vectors_write(const p4_vset *s, const char *dir, const char *version)
{
    char path[4096];
    for (int i = 0; i < s->n; i++) {
        file_ctx c = {s->f[i], version};
        snprintf(path, sizeof path, "%s/%s", dir, s->f[i]->name);
        if (write_atomic(path, file_body, &c)) return P4_EIO;
    }
    /* the manifest: lines of other blocks kept, this set's blocks replaced */
    p4_vset old = {0};
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    if (access(path, F_OK) == 0 && p4_vectors_manifest(dir, &old)) return P4_EPARSE;
    const p4_vfile **rows = malloc((size_t)(old.n + s->n) * sizeof *rows);
    if (!rows) {
        p4_vset_free(&old);
        return p4_error(P4_ENOMEM, "out of memory for the manifest");
    }
    int n = 0;
    for (int i = 0; i < old.n; i++)
        if (!in_set_block(s, old.f[i]->block)) rows[n++] = old.f[i];
    for (int i = 0; i < s->n; i++) rows[n++] = s->f[i];
    /* stable order by block: insertion sort keeps files in the order their block made them */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && row_cmp(&rows[j - 1], &rows[j]) > 0; j--) {
            const p4_vfile *t = rows[j];
            rows[j] = rows[j - 1], rows[j - 1] = t;
        }
    manifest_ctx m = {rows, n};
    p4_status st = write_atomic(path, manifest_body, &m);
    free(rows);
    p4_vset_free(&old);
    return st;
}

/* ---- the check ---- */

static void show_word(char *buf, size_t n, const p4_vfile *f, uint64_t bits)
{
    const int nd = hex_digits(f->width);
    if (f->fmt == P4_VF_DOUBLE) {
        double d;
        memcpy(&d, &bits, sizeof d);
        snprintf(buf, n, "%016llx (%.17g)", (unsigned long long)bits, d);
    } else if (f->fmt == P4_VF_INT)
        snprintf(buf, n, "%0*llx (%lld)", nd, (unsigned long long)bits, (long long)sign_extend(bits, f->width));
    else
        snprintf(buf, n, "%0*llx (%llu)", nd, (unsigned long long)bits, (unsigned long long)bits);
}

/* Compare one model file with dir/name; 0 if equal. */
static int compare_file(const p4_vfile *f, const char *dir, FILE *log, uint64_t *words, double *max_dev)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, f->name);
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(log, "%s: cannot open: %s (block %s makes it)\n", path, strerror(errno), f->block);
        return 1;
    }
    char line[512], what[1024] = "";
    int ln = 0, bad = 0;
    size_t i = 0, ndiff = 0;
    const uint64_t mask = mask_of(f->width);
    const int nd = hex_digits(f->width);
    while (fgets(line, sizeof line, in)) {
        ln++;
        size_t len = strcspn(line, "\r\n");
        line[len] = 0;
        if (!strncmp(line, "//", 2)) {
            char key[32], val[64];
            if (!strncmp(line, "// what: ", 9)) { /* the file's own description, for naming words */
                size_t wl = strlen(what);
                snprintf(what + wl, sizeof what - wl, "%s%s", wl ? "\n" : "", line + 9);
            }
            if (sscanf(line + 2, " %31[^:]: %63s", key, val) == 2) {
                int hdr_bad = (!strcmp(key, "format") && strcmp(val, fmt_name[f->fmt])) ||
                              (!strcmp(key, "width") && atoi(val) != f->width) ||
                              (!strcmp(key, "words") && strtoull(val, NULL, 10) != f->n);
                if (hdr_bad) {
                    fprintf(log, "%s:%d: header %s is %s; the model makes %s, %d bits, %zu words\n", path, ln, key, val,
                            fmt_name[f->fmt], f->width, f->n);
                    bad = 1;
                    break;
                }
            }
            continue;
        }
        if (!len) continue;
        char *end;
        errno = 0;
        unsigned long long v = strtoull(line, &end, 16);
        if (end == line || *end || errno || (int)len > nd || (v & ~mask)) {
            fprintf(log, "%s:%d: word %zu: '%s' is not a %d-bit hexadecimal word\n", path, ln, i, line, f->width);
            bad = 1;
            break;
        }
        if (i >= f->n) {
            fprintf(log, "%s:%d: more words than the %zu the model makes\n", path, ln, f->n);
            bad = 1;
            break;
        }
        uint64_t got = word_bits(f, i);
        int differ;
        if (f->fmt == P4_VF_DOUBLE) {
            double e;
            memcpy(&e, &v, sizeof e);
            double dev = fabs(e - f->d[i]);
            /* NAN stands for "not applicable" (a CTLE that is off): it matches NAN only */
            differ = isnan(e) || isnan(f->d[i]) ? isnan(e) != isnan(f->d[i])
                     : f->tol > 0             ? !(dev <= f->tol)
                                              : (uint64_t)v != got;
            if (!differ && dev > *max_dev) *max_dev = dev;
        } else
            differ = (uint64_t)v != got;
        if (differ && !ndiff++) {
            char es[64], gs[64], nm[256];
            show_word(es, sizeof es, f, v);
            show_word(gs, sizeof gs, f, got);
            p4_vword_name(what[0] ? what : f->what, f->n, i, nm, sizeof nm);
            fprintf(log, "%s:%d: word %zu%s%s%s: expected %s, got %s%s\n", path, ln, i, nm[0] ? " (" : "", nm,
                    nm[0] ? ")" : "", es, gs, f->fmt == P4_VF_DOUBLE && f->tol > 0 ? " (beyond the tolerance)" : "");
        }
        i++;
    }
    fclose(in);
    if (what[0] && strcmp(what, f->what)) { /* the first line where the descriptions part */
        const char *a = what, *b = f->what;
        while (*a && *a == *b) a++, b++;
        while (a > what && a[-1] != '\n') a--, b--;
        int digest = !strncmp(a, "configuration digest", 20);
        fprintf(log, "%s: %s: the file says '%.*s', the model '%.*s'\n", path,
                digest ? "the configuration is not the one the vectors were generated from"
                       : "its description differs from the model's",
                (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
        bad |= digest;
    }
    if (!bad && i < f->n) {
        fprintf(log, "%s: %zu words; the model makes %zu\n", path, i, f->n);
        bad = 1;
    }
    if (ndiff) fprintf(log, "%s: %zu of %zu words differ\n", path, ndiff, f->n);
    *words += i;
    return bad || ndiff;
}

/* ---- the whole check: manifest against model, then contents ---- */

static const p4_vfile *find_file(const p4_vset *s, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->f[i]->name, name)) return s->f[i];
    return NULL;
}

/* A block of the manifest, made again: a built-in block, or a user's configuration block (a block
 * name the model does not know, with DIR/BLOCK/config.yaml beside its files). */
static p4_status make_block(p4_vset *model, const char *dir, const char *block, uint64_t seed, const char *chdir,
                            int threads)
{
    if (p4_vector_block_help(block)) return p4_vectors_make(model, block, seed, chdir, threads);
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/config.yaml", dir, block);
    if (access(path, F_OK))
        return p4_error(P4_EINVAL, "unknown vector block '%s' (built-in: %s) and no %s for a configuration block",
                        block, p4_vector_blocks(), path);
    p4_config c;
    p4_config_default(&c);
    if (p4_config_load(&c, path)) return P4_EINVAL;
    c.threads = threads;
    if ((uint64_t)c.seed != seed)
        return p4_error(P4_EINVAL, "%s: sim.seed is %lld, the manifest lists seed %llu", path, (long long)c.seed,
                        (unsigned long long)seed);
    return p4_vectors_make_config(model, block, &c);
}

int p4_vectors_check(const char *dir, const char *channels_dir, int threads, FILE *log, p4_vcheck_summary *sum)
{
    memset(sum, 0, sizeof *sum);
    p4_vset man;
    if (p4_vectors_manifest(dir, &man)) {
        fprintf(log, "%s\n", p4_last_error());
        return sum->failed = 1;
    }
    char mpath[4096];
    snprintf(mpath, sizeof mpath, "%s/manifest.txt", dir);
    /* every (block, seed) the manifest names, in order, made once */
    for (int i = 0; i < man.n; i++) {
        int seen = 0;
        for (int j = 0; j < i && !seen; j++) seen = !strcmp(man.f[j]->block, man.f[i]->block);
        if (seen) continue;
        for (int j = i + 1; j < man.n; j++)
            if (!strcmp(man.f[j]->block, man.f[i]->block) && man.f[j]->seed != man.f[i]->seed) {
                fprintf(log, "%s: block %s is listed with two seeds (%llu, %llu)\n", mpath, man.f[i]->block,
                        (unsigned long long)man.f[i]->seed, (unsigned long long)man.f[j]->seed);
                sum->failed++;
                break;
            }
        p4_vset model = {0};
        if (make_block(&model, dir, man.f[i]->block, man.f[i]->seed, channels_dir, threads)) {
            fprintf(log, "%s: block %s: %s\n", mpath, man.f[i]->block, p4_last_error());
            sum->failed++;
            p4_vset_free(&model);
            continue;
        }
        sum->blocks++;
        int failed = 0;
        for (int k = 0; k < model.n; k++) {
            const p4_vfile *f = model.f[k], *m = find_file(&man, f->name);
            char t1[32], t2[32];
            if (m) tol_text(m, t1, sizeof t1);
            tol_text(f, t2, sizeof t2);
            if (!m) {
                fprintf(log, "%s: %s (block %s) is not listed; the model makes it\n", mpath, f->name, f->block);
                failed++;
            } else if (m->fmt != f->fmt || m->width != f->width || m->n != f->n || strcmp(t1, t2)) {
                fprintf(log, "%s: %s is listed as %s %d bits, %zu words, %s; the model makes %s %d bits, %zu words, %s\n",
                        mpath, f->name, fmt_name[m->fmt], m->width, m->n, t1, fmt_name[f->fmt], f->width, f->n, t2);
                failed++;
            } else
                failed += compare_file(f, dir, log, &sum->words, &sum->max_dev);
            sum->files++;
        }
        for (int k = 0; k < man.n; k++)
            if (!strcmp(man.f[k]->block, man.f[i]->block) && !find_file(&model, man.f[k]->name)) {
                fprintf(log, "%s: %s is listed, but block %s no longer makes it\n", mpath, man.f[k]->name, man.f[k]->block);
                failed++;
            }
        fprintf(log, "%-5s %-13s seed %llu: %d files\n", failed ? "FAIL" : "ok", man.f[i]->block,
                (unsigned long long)man.f[i]->seed, model.n);
        sum->failed += failed;
        p4_vset_free(&model);
    }
    p4_vset_free(&man);
    return sum->failed;
}
