/* cli_vectors.c - `pam4sim vectors`: the reference test vectors (format in vectors/README.md).
 *
 *   pam4sim vectors check [DIR] [--channels CHDIR] [-j N]
 *       regenerate, in memory, every block DIR/manifest.txt names and compare: integer words
 *       bit-exact, doubles within the manifest's tolerance; the first mismatch of each file is
 *       reported as FILE:LINE: word I: expected E, got G; exit 1 on any mismatch
 *   pam4sim vectors generate [DIR] [--block NAME]... [--seed S] [--channels CHDIR]
 *       (re)write the vectors of the blocks (all by default) and their manifest lines: a deliberate
 *       act after a reviewed change of the model, never done by a test
 *   pam4sim vectors export --block NAME --out DIR [--seed S] [--channels CHDIR]
 *       stimulus and expected response of one block (with its manifest) for an RTL test bench
 *   pam4sim vectors list
 *   pam4sim vectors generate --config FILE.yaml --block NAME --out DIR [-j N]
 *       a user's golden block: the results of a run of FILE (its Touchstone files made absolute) as
 *       DIR/NAME/link_*.hex with DIR/NAME/config.yaml beside them and their manifest lines, so that
 *       `vectors check DIR` runs that configuration again and compares (vectors.h)
 * DIR defaults to ./vectors; CHDIR (the Touchstone channels the responses and link blocks read)
 * to DIR/channels when that exists, else ./vectors/channels.
 */
#include "pam4sim/pam4sim.h"
#include "cli.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The end of a usage error's one line: where to read more. */
static int vusage(void)
{
    fprintf(stderr, "; see pam4sim vectors --help\n");
    return 2;
}

static int write_blocks(const char *dir, const char **blk, int nblk, uint64_t seed, const char *chdir)
{
    p4_vset s = {0};
    for (int i = 0; i < nblk; i++)
        if (p4_vectors_make(&s, blk[i], seed, chdir, 0)) {
            p4_vset_free(&s);
            return cli_fail();
        }
    if (p4_vectors_write(&s, dir, P4_VERSION)) {
        p4_vset_free(&s);
        return cli_fail();
    }
    size_t words = 0;
    for (int i = 0; i < s.n; i++) words += s.f[i]->n;
    printf("wrote %d files (%zu words) and %s/manifest.txt: blocks", s.n, words, dir);
    for (int i = 0; i < nblk; i++) printf(" %s", blk[i]);
    printf(", seed %llu\n", (unsigned long long)seed);
    p4_vset_free(&s);
    return 0;
}

static void yaml_writer(FILE *f, void *ctx) { p4_config_write_yaml(ctx, f, 1); }

/* A path of the configuration made absolute (so the copy in DIR/NAME finds the same file). */
static int absolute(char *path, const char *key)
{
    char buf[PATH_MAX];
    if (!path[0] || path[0] == '/') return 0;
    if (!realpath(path, buf) || strlen(buf) >= P4_PATH_MAX) {
        fprintf(stderr, "pam4sim: vectors generate: %s '%s': %s\n", key, path, strerror(errno));
        return 1;
    }
    strcpy(path, buf);
    return 0;
}

/* vectors generate --config FILE --block NAME --out DIR */
static int generate_config(const char *file, const char *name, const char *out, int threads)
{
    p4_config c;
    p4_config_default(&c);
    if (p4_config_load(&c, file) || p4_config_validate(&c)) return cli_fail();
    int bad = absolute(c.ch_file, "channel.file");
    for (int i = 0; i < c.n_xt_files; i++) bad |= absolute(c.xt_files[i], "crosstalk.files");
    if (bad) return 1;
    c.threads = 0;
    p4_vset s = {0};
    p4_config run = c;
    run.threads = threads;
    if (p4_vectors_make_config(&s, name, &run) || p4_vectors_write(&s, out, P4_VERSION)) {
        p4_vset_free(&s);
        return cli_fail();
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/config.yaml", out, name);
    int rc = cli_write_atomic(path, yaml_writer, &c);
    if (!rc)
        printf("wrote %s/%s: %d files from %s (seed %lld) and %s; check with: pam4sim vectors check %s\n", out, name, s.n,
               file, (long long)c.seed, path, out);
    p4_vset_free(&s);
    return rc;
}

int cmd_vectors(int argc, char **argv)
{
    if (argc < 1) {
        fprintf(stderr, "pam4sim: vectors needs check, generate, export or list");
        return vusage();
    }
    const char *sub = argv[0], *dir = NULL, *out = NULL, *chdir = NULL, *config = NULL;
    const char *blk[16];
    int nblk = 0;
    uint64_t seed = 1, threads = 0;
    if (!strcmp(sub, "list")) {
        char list[256];
        snprintf(list, sizeof list, "%s", p4_vector_blocks());
        for (char *t = strtok(list, " "); t; t = strtok(NULL, " ")) printf("%-13s %s\n", t, p4_vector_block_help(t));
        return 0;
    }
    if (strcmp(sub, "check") && strcmp(sub, "generate") && strcmp(sub, "export")) {
        fprintf(stderr, "pam4sim: vectors: unknown command '%s' (check, generate, export, list)", sub);
        return vusage();
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a[0] != '-') {
            if (dir) {
                fprintf(stderr, "pam4sim: vectors %s takes one folder ('%s' and '%s' given)\n", sub, dir, a);
                return 2;
            }
            dir = a;
            continue;
        }
        if (!v) {
            fprintf(stderr, "pam4sim: vectors: option '%s' needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--block")) {
            if (!p4_vector_block_help(v) && !strcmp(sub, "export")) {
                fprintf(stderr, "pam4sim: vectors: unknown block '%s' (allowed: %s)\n", v, p4_vector_blocks());
                return 2;
            }
            if (nblk < 16) blk[nblk++] = v;
        } else if (!strcmp(a, "--out")) out = v;
        else if (!strcmp(a, "--config")) config = v;
        else if (!strcmp(a, "--channels")) chdir = v;
        else if (!strcmp(a, "--seed")) {
            if (cli_parse_u64(a, v, &seed)) return 2;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--threads")) {
            if (cli_parse_u64(a, v, &threads) || threads > 256) {
                if (threads > 256) fprintf(stderr, "pam4sim: vectors: -j must be 0..256\n");
                return 2;
            }
        } else {
            fprintf(stderr, "pam4sim: vectors: unknown option '%s'", a);
            return vusage();
        }
        i++;
    }
    if (config || (nblk && !strcmp(sub, "generate"))) { /* every --block of generate must be known without --config */
        for (int k = 0; k < nblk && !config; k++)
            if (!p4_vector_block_help(blk[k])) {
                fprintf(stderr, "pam4sim: vectors: unknown block '%s' (allowed: %s; a block of your own needs --config FILE)\n",
                        blk[k], p4_vector_blocks());
                return 2;
            }
        if (config && (strcmp(sub, "generate") || nblk != 1 || !out || dir)) {
            fprintf(stderr, "pam4sim: vectors: --config goes with generate, one --block NAME and --out DIR");
            return vusage();
        }
        if (config) return generate_config(config, blk[0], out, (int)threads);
    }
    char chbuf[4096];
    if (!chdir) { /* the folder's own channels, else the project's */
        snprintf(chbuf, sizeof chbuf, "%s/channels", dir ? dir : "vectors");
        chdir = access(chbuf, R_OK) == 0 ? chbuf : "vectors/channels";
    }
    if (!strcmp(sub, "export")) {
        if (!nblk || !out || dir) {
            fprintf(stderr, "pam4sim: vectors export needs --block NAME and --out DIR");
            return vusage();
        }
        return write_blocks(out, blk, nblk, seed, chdir);
    }
    if (!dir) dir = "vectors";
    if (!strcmp(sub, "generate")) {
        if (!nblk) {
            char list[256];
            snprintf(list, sizeof list, "%s", p4_vector_blocks());
            static char names[16][24];
            for (char *t = strtok(list, " "); t && nblk < 16; t = strtok(NULL, " "))
                snprintf(names[nblk], sizeof names[nblk], "%s", t), blk[nblk] = names[nblk], nblk++;
        }
        return write_blocks(dir, blk, nblk, seed, chdir);
    }
    if (nblk || out) {
        fprintf(stderr, "pam4sim: vectors check takes no --block or --out (it checks what the manifest lists)\n");
        return 2;
    }
    p4_vset man;
    if (p4_vectors_manifest(dir, &man)) return cli_fail(); /* no manifest: one clear line */
    p4_vset_free(&man);
    p4_vcheck_summary sum;
    int failed = p4_vectors_check(dir, chdir, (int)threads, stdout, &sum);
    fflush(stdout);
    if (failed) {
        fprintf(stderr, "pam4sim: vectors check %s: %d mismatch%s (the lines above name each file and word)\n", dir,
                failed, failed == 1 ? "" : "es");
        return 1;
    }
    printf("vectors %s: %d blocks, %d files, %llu words match (integers bit-exact; largest double deviation %.2g)\n",
           dir, sum.blocks, sum.files, (unsigned long long)sum.words, sum.max_dev);
    return 0;
}
