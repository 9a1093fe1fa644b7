/* cli.h - the pam4sim subcommands that live in their own files (sim/cli_*.c), and the helpers
 * they share with main.c. Not part of the library. */
#ifndef PAM4SIM_CLI_H
#define PAM4SIM_CLI_H
#include <stdio.h>
#include <stdint.h>

int cli_fail(void);                                           /* print p4_last_error(), return 1 */
int cli_parse_u64(const char *opt, const char *v, uint64_t *out); /* 0, or -1 with a message */
typedef void (*cli_writer_fn)(FILE *f, void *ctx);
int cli_write_atomic(const char *path, cli_writer_fn fn, void *ctx); /* temporary file + rename */

int cmd_fec(int argc, char **argv);  /* pam4sim fec encode|decode */
int cmd_jtol(int argc, char **argv); /* pam4sim jtol */
int cmd_vectors(int argc, char **argv); /* pam4sim vectors check|generate|export|list */

#endif
