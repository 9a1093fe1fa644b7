/* yaml_guard.c - the only way hostile text reaches libfyaml.
 *
 * libfyaml 0.7.12 (the version Debian 12 ships) spins forever in its directive scanner on input as
 * short as "%l:" followed by the byte 0xBB, and prints "[ERR]" lines of its own on stderr. So before
 * any text is parsed it is checked here: no NUL byte, valid UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF), and no line starting with '%' (a directive: a configuration never
 * needs one). The parser's diagnostics go to a buffer, and the first one becomes our error line.
 * A configuration is exactly one document: an empty text and a second document ("---") are errors
 * rather than silently ignored.
 */
#include "yaml_guard.h"
#include <stdlib.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    char msg[256];
    int have;
} diag_capture;

static void capture(struct fy_diag *d, void *user, const char *buf, size_t len)
{
    (void)d;
    diag_capture *c = user;
    if (c->have) return;
    size_t n = 0;
    while (n < len && buf[n] != '\n' && n + 1 < sizeof c->msg) n++;
    memcpy(c->msg, buf, n);
    c->msg[n] = 0;
    c->have = 1;
}

/* libfyaml's "<memory-@0x...>:3:1: error: what" as "WHERE:3:1: not valid YAML: what" */
static p4_status parse_error(const diag_capture *c, const char *where)
{
    const char *m = c->msg, *pos = "", *gt = m[0] == '<' ? strchr(m, '>') : NULL;
    int pl = 0;
    if (gt && gt[1] == ':') {
        pos = gt + 1;
        const char *e = strstr(pos, ": ");
        pl = e ? (int)(e - pos) : 0;
        m = e ? e + 2 : gt + 1;
    }
    if (!strncmp(m, "error: ", 7)) m += 7;
    return p4_error(P4_EPARSE, "%s%.*s: not valid YAML: %s", where, pl, pos, m);
}

/* Length of the UTF-8 sequence at s (1..4), or 0 if it is not valid UTF-8. */
static int utf8_len(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    if (c < 0x80) return 1;
    int n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!n || (size_t)n > left) return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0; /* overlong */
    if (c == 0xED && s[1] > 0x9F) return 0; /* surrogates */
    if (c == 0xF0 && s[1] < 0x90) return 0; /* overlong */
    if (c == 0xF4 && s[1] > 0x8F) return 0; /* above U+10FFFF */
    return n;
}

void p4_yaml_free(p4_yaml *y)
{
    if (y->doc) fy_parse_document_destroy(y->parser, y->doc);
    if (y->parser) fy_parser_destroy(y->parser);
    if (y->diag) fy_diag_destroy(y->diag);
    memset(y, 0, sizeof *y);
}

p4_status p4_yaml_parse(p4_yaml *y, const char *text, size_t len, const char *where)
{
    memset(y, 0, sizeof *y);
    int line = 1;
    for (size_t i = 0; i < len;) {
        const unsigned char *s = (const unsigned char *)text + i;
        if (!s[0]) return p4_error(P4_EPARSE, "%s:%d: a NUL byte (the configuration must be text)", where, line);
        int line_start = i == 0 || text[i - 1] == '\n' || text[i - 1] == '\r' ||
                         (i == 3 && !memcmp(text, "\xef\xbb\xbf", 3)); /* after a byte order mark */
        if (s[0] == '%' && line_start)
            return p4_error(P4_EPARSE, "%s:%d: a line starting with '%%' (YAML directives are not accepted)", where, line);
        int n = utf8_len(s, len - i);
        if (!n) return p4_error(P4_EPARSE, "%s:%d: not UTF-8 text (byte 0x%02X)", where, line, s[0]);
        if (s[0] == '\n') line++;
        i += (size_t)n;
    }
    diag_capture cap = {.have = 0};
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = capture;
    dc.user = &cap;
    dc.colorize = false;
    dc.show_source = false;
    dc.show_type = false;
    dc.show_module = false;
    y->diag = fy_diag_create(&dc);
    struct fy_parse_cfg pc = {.flags = FYPCF_QUIET, .diag = y->diag};
    y->parser = y->diag ? fy_parser_create(&pc) : NULL;
    if (!y->parser || fy_parser_set_string(y->parser, text, len)) {
        p4_yaml_free(y);
        return p4_error(P4_ENOMEM, "%s: cannot start the YAML parser (out of memory)", where);
    }
    y->doc = fy_parse_load_document(y->parser);
    p4_status st = P4_OK;
    if (!y->doc || cap.have) {
        if (cap.have) st = parse_error(&cap, where);
        else st = p4_error(P4_EPARSE, "%s: the configuration is empty", where);
    } else if (!fy_document_root(y->doc)) {
        st = p4_error(P4_EPARSE, "%s: the configuration is empty", where);
    } else {
        struct fy_document *more = fy_parse_load_document(y->parser);
        if (more) {
            fy_parse_document_destroy(y->parser, more);
            st = p4_error(P4_EPARSE, "%s: a second YAML document ('---'): the configuration is one document", where);
        } else if (cap.have)
            st = parse_error(&cap, where);
    }
    if (st) p4_yaml_free(y);
    return st;
}

p4_status p4_yaml_read_file(const char *path, size_t max_bytes, const char *what, char **out, size_t *out_len)
{
    *out = NULL, *out_len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return p4_error(P4_EIO, "%s: cannot open %s: %s", path, what, strerror(errno));
    char *text = NULL;
    size_t len = 0, cap = 0;
    int nomem = 0;
    for (;;) { /* growing chunks: the size of a pipe or /dev/stdin is not known ahead */
        if (len == cap) {
            if (cap > max_bytes) break;
            char *nt = realloc(text, (cap ? 2 * cap : 4096) + 1);
            if (!nt) { nomem = 1; break; }
            text = nt, cap = cap ? 2 * cap : 4096;
        }
        size_t got = fread(text + len, 1, cap - len, f);
        if (!got) break;
        len += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (nomem || bad || len > max_bytes) {
        free(text);
        return nomem ? p4_error(P4_ENOMEM, "%s: out of memory", path)
             : bad   ? p4_error(P4_EIO, "%s: cannot read %s", path, what)
                     : p4_error(P4_EPARSE, "%s: larger than %zu MB: not %s", path, max_bytes >> 20, what);
    }
    if (!text && !(text = malloc(1))) return p4_error(P4_ENOMEM, "%s: out of memory", path);
    text[len] = 0;
    *out = text, *out_len = len;
    return P4_OK;
}
