/* cli_help.h - the command line's table of subcommands: their one-line summaries, their help
 * texts, and the options each accepts (cli_help.c); and the argument pass every subcommand's
 * arguments go through before the subcommand sees them (cli_args.c). Not part of the library. */
#ifndef PAM4SIM_CLI_HELP_H
#define PAM4SIM_CLI_HELP_H
#include <stdio.h>

typedef struct {
    const char *name;        /* "run"                                                     */
    const char *summary;     /* one line for `pam4sim --help`                              */
    const char *help;        /* the full text of `pam4sim NAME --help`                     */
    const char *const *opts; /* NULL-terminated; "--json=" takes a value, "--no-budget" none */
} cli_command;

const cli_command *cli_command_find(const char *name); /* NULL if there is no such command */
/* The nearest command name to a misspelt one, or NULL if none is close. */
const char *cli_command_suggest(const char *word);
int cli_help_overview(FILE *f);                          /* `pam4sim --help`; returns 0 */
int cli_help_command(const cli_command *c, FILE *f);     /* `pam4sim NAME --help`; returns 0 */
/* Whether the command takes option opt: 0 no, 1 as a flag, 2 with a value. */
int cli_option_kind(const cli_command *c, const char *opt);
/* The nearest option of the command to a misspelt one, or NULL. */
const char *cli_option_suggest(const cli_command *c, const char *opt);

/* The arguments after the command, checked and put in one form: `-jN` and `-j=N` become `-j N`,
 * `--opt=value` becomes `--opt value` (options that take a value), every option is one the command
 * takes and every value-taking option has its value (a value is never taken for a file). An
 * unknown option is one error line with a "did you mean" and where to look. */
typedef struct {
    int argc;
    char **argv;
    char *store; /* the split words */
    int help;    /* --help or -h was given */
} cli_args;
int cli_args_parse(const cli_command *c, int argc, char **argv, cli_args *out); /* 0, or 2 (printed) */
void cli_args_free(cli_args *a);

#endif
