/* json.c - JSON numbers and strings (see json.h). */
#include "pam4sim/json.h"
#include <math.h>
#include <string.h>

void p4_json_num(FILE *f, double v)
{
    if (isfinite(v)) fprintf(f, "%.9g", v);
    else fputs("null", f);
}

void p4_json_array(FILE *f, const double *v, int n, size_t stride)
{
    fputc('[', f);
    for (int i = 0; i < n; i++) {
        if (i) fputs(", ", f);
        p4_json_num(f, v[(size_t)i * stride]);
    }
    fputc(']', f);
}

void p4_json_key(FILE *f, const char *key, double v)
{
    p4_json_str(f, key);
    fputs(": ", f);
    p4_json_num(f, v);
    if (!isfinite(v)) {
        char k[256];
        snprintf(k, sizeof k, "%s_reason", key);
        fputs(", ", f);
        p4_json_str(f, k);
        fprintf(f, ": \"%s\"", isnan(v) ? "nan" : v > 0 ? "+inf" : "-inf");
    }
}

/* The escape of one byte into e[8]: its length (1 if the byte stands for itself). */
static int escape(unsigned char c, char e[8])
{
    static const char short_esc[] = "\"\"\\\\\bb\ff\nn\rr\tt";
    for (const char *p = short_esc; *p; p += 2)
        if ((unsigned char)p[0] == c) return e[0] = '\\', e[1] = p[1], e[2] = 0, 2;
    if (c < 0x20 || c == 0x7f) return snprintf(e, 8, "\\u%04x", c);
    return e[0] = (char)c, e[1] = 0, 1;
}

void p4_json_str(FILE *f, const char *s)
{
    char e[8];
    fputc('"', f);
    for (; *s; s++) fwrite(e, 1, (size_t)escape((unsigned char)*s, e), f);
    fputc('"', f);
}

void p4_json_str_buf(char *out, size_t n, const char *s)
{
    char e[8];
    size_t j = 0;
    if (n < 3) {
        if (n) out[0] = 0;
        return;
    }
    out[j++] = '"';
    for (; *s; s++) {
        size_t l = (size_t)escape((unsigned char)*s, e);
        if (j + l + 2 > n) break;
        memcpy(out + j, e, l), j += l;
    }
    out[j++] = '"';
    out[j] = 0;
}
