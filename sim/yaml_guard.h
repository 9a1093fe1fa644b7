/* yaml_guard.h - YAML text to one libfyaml document, refusing what the parser cannot be trusted with
 * (see yaml_guard.c). Internal to the library. */
#ifndef PAM4SIM_YAML_GUARD_H
#define PAM4SIM_YAML_GUARD_H
#include <libfyaml.h>
#include <stddef.h>
#include "pam4sim/status.h"

typedef struct {
    struct fy_parser *parser;
    struct fy_diag *diag;
    struct fy_document *doc;
} p4_yaml;

/* Parse text[len] (where: "FILE" or "--set" for messages) into y->doc, one document with a root.
 * Refused with a message naming where and the line: NUL bytes, text that is not UTF-8, YAML
 * directives (a line starting with '%'), text libfyaml rejects (its own message, without its
 * "[ERR]" prefix), an empty document, and a second document. p4_yaml_free in every case. */
p4_status p4_yaml_parse(p4_yaml *y, const char *text, size_t len, const char *where);
void p4_yaml_free(p4_yaml *y);

/* A whole file into *text (malloc'd, NUL-terminated; its length in *len), at most max_bytes; what
 * names the file's kind in messages ("the configuration"). */
p4_status p4_yaml_read_file(const char *path, size_t max_bytes, const char *what, char **text, size_t *len);

#endif
