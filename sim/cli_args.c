/* cli_args.c - the pass every subcommand's arguments go through first (see cli_help.h).
 *
 * Each subcommand then parses words of one form only: an option in its own word, its value in the
 * next. Written forms the user may reach for (`-j2` as in make, `--threads=2`, `--json=out.json`)
 * are split here, so no subcommand can take `-j2`'s neighbour for its value and a file name after
 * it for a configuration. An option is checked against the command's table before anything runs:
 * an unknown one is one line with the nearest known option and the help to read, a value-taking
 * option at the end or followed by another option (`--json --plot x`) is an error rather than a
 * file named "--plot". --help and -h anywhere in option position ask for the command's help.
 */
#include "cli_help.h"
#include <stdlib.h>
#include <string.h>

static void push(cli_args *a, char **cur, const char *s, size_t n)
{
    memcpy(*cur, s, n);
    (*cur)[n] = 0;
    a->argv[a->argc++] = *cur;
    *cur += n + 1;
}

int cli_args_parse(const cli_command *c, int argc, char **argv, cli_args *a)
{
    size_t bytes = 0;
    for (int i = 0; i < argc; i++) bytes += strlen(argv[i]) + 2;
    memset(a, 0, sizeof *a);
    a->argv = calloc((size_t)2 * argc + 1, sizeof *a->argv);
    a->store = malloc(bytes + 1);
    char *cur = a->store;
    if (!a->argv || !a->store) {
        fprintf(stderr, "pam4sim: out of memory\n");
        cli_args_free(a);
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        const char *w = argv[i];
        if (w[0] != '-' || !w[1]) { /* a positional word (or "-") */
            push(a, &cur, w, strlen(w));
            continue;
        }
        if (!strcmp(w, "--help") || !strcmp(w, "-h")) {
            a->help = 1;
            continue;
        }
        size_t n = strlen(w);
        const char *val = NULL;
        if (w[1] == 'j' && w[2]) /* -jN, -j=N */
            n = 2, val = w[2] == '=' ? w + 3 : w + 2;
        else if (w[1] == '-' && strchr(w, '='))
            n = (size_t)(strchr(w, '=') - w), val = w + n + 1;
        char opt[64];
        snprintf(opt, sizeof opt, "%.*s", (int)n, w);
        int kind = n < sizeof opt ? cli_option_kind(c, opt) : 0;
        if (!kind || (kind == 1 && val)) {
            const char *near = cli_option_suggest(c, opt);
            if (kind == 1) fprintf(stderr, "pam4sim: %s: option %s takes no value", c->name, opt);
            else fprintf(stderr, "pam4sim: %s: unknown option '%s'", c->name, opt);
            if (near && kind == 0) fprintf(stderr, " (did you mean %s?)", near);
            fprintf(stderr, "; see pam4sim %s --help\n", c->name);
            cli_args_free(a);
            return 2;
        }
        push(a, &cur, opt, n);
        if (kind == 1) continue;
        if (!val && i + 1 < argc) val = argv[++i];
        if (!val || !*val || (val[0] == '-' && val[1] == '-')) {
            fprintf(stderr, "pam4sim: %s: %s needs a value%s%s%s; see pam4sim %s --help\n", c->name, opt,
                    val && *val ? " (got the option '" : "", val && *val ? val : "", val && *val ? "')" : "",
                    c->name);
            cli_args_free(a);
            return 2;
        }
        push(a, &cur, val, strlen(val));
    }
    return 0;
}

void cli_args_free(cli_args *a)
{
    free(a->argv);
    free(a->store);
    a->argv = NULL, a->store = NULL, a->argc = 0;
}
