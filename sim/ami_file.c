/* ami_file.c - the IBIS-AMI .ami parameter file (see ami.h).
 *
 * Two passes: a tokenizer turns the text into a tree of parenthesised lists and atoms (quoted
 * strings are one atom), each node with the line of its opening parenthesis; then the tree is read
 * as IBIS 7 defines it: (root (Description ...) (Reserved_Parameters ...) (Model_Specific ...)).
 * A node under the two sections is a parameter when it has a Usage or Type child, otherwise a
 * branch holding parameters. A parameter's format is (Format Range typ min max) or the older bare
 * (Range typ min max), likewise Value, List, Increment (typ min max delta) and Corner (typ slow
 * fast); (Default v) replaces the typical value. Every error names the file, the line and the
 * parameter. Overrides are checked against the same format and type.
 */
#include "pam4sim/ami.h"
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct node {
    int list, line;
    char *atom;              /* atoms: the text (quotes removed); quoted: 1 */
    int quoted;
    struct node **kid;
    int nkid;
} node;

static void node_free(node *n)
{
    if (!n) return;
    for (int i = 0; i < n->nkid; i++) node_free(n->kid[i]);
    free(n->kid), free(n->atom), free(n);
}

static int node_add(node *p, node *k)
{
    node **nk = realloc(p->kid, (size_t)(p->nkid + 1) * sizeof *nk);
    if (!nk) return -1;
    p->kid = nk;
    p->kid[p->nkid++] = k;
    return 0;
}

/* Tokenize and build the tree; '|' starts a comment to the end of the line outside quotes. */
static node *parse_tree(const char *s, const char *name)
{
    node *stack[64];
    int depth = 0, line = 1;
    node *root = NULL;
    for (const char *p = s; *p;) {
        if (*p == '\n') line++, p++;
        else if (isspace((unsigned char)*p)) p++;
        else if (*p == '|') {
            while (*p && *p != '\n') p++;
        } else if (*p == '(') {
            node *n = calloc(1, sizeof *n);
            if (!n) goto nomem;
            n->list = 1, n->line = line;
            if (depth == 0) {
                if (root) {
                    node_free(n);
                    p4_error(P4_EPARSE, "%s:%d: text after the root's closing parenthesis", name, line);
                    goto fail;
                }
                root = n;
            } else if (node_add(stack[depth - 1], n)) {
                node_free(n);
                goto nomem;
            }
            if (depth == 64) {
                p4_error(P4_EPARSE, "%s:%d: parentheses nested deeper than 64", name, line);
                goto fail;
            }
            stack[depth++] = n;
            p++;
        } else if (*p == ')') {
            if (depth == 0) {
                p4_error(P4_EPARSE, "%s:%d: unbalanced parentheses: ')' closes nothing", name, line);
                goto fail;
            }
            depth--, p++;
        } else {
            if (depth == 0) {
                p4_error(P4_EPARSE, "%s:%d: text outside the root's parentheses", name, line);
                goto fail;
            }
            node *n = calloc(1, sizeof *n);
            if (!n || node_add(stack[depth - 1], n)) {
                free(n);
                goto nomem;
            }
            n->line = line;
            const char *b = p;
            if (*p == '"') {
                b = ++p;
                while (*p && *p != '"') line += *p++ == '\n';
                if (!*p) {
                    p4_error(P4_EPARSE, "%s:%d: unterminated string", name, n->line);
                    goto fail;
                }
                n->quoted = 1;
                n->atom = strndup(b, (size_t)(p - b));
                p++;
            } else {
                while (*p && !isspace((unsigned char)*p) && *p != '(' && *p != ')') p++;
                n->atom = strndup(b, (size_t)(p - b));
            }
            if (!n->atom) goto nomem;
        }
    }
    if (depth > 0) {
        p4_error(P4_EPARSE, "%s:%d: unbalanced parentheses: '(' opened here is never closed", name, stack[depth - 1]->line);
        goto fail;
    }
    if (!root) p4_error(P4_EPARSE, "%s:1: no parameter tree (an .ami file is one parenthesised list)", name);
    return root;
nomem:
    p4_error(P4_ENOMEM, "%s: out of memory", name);
fail:
    node_free(root);
    return NULL;
}

static const char *head(const node *n) { return n->list && n->nkid && !n->kid[0]->list ? n->kid[0]->atom : NULL; }

static const node *child(const node *n, const char *name)
{
    for (int i = 1; i < n->nkid; i++) {
        const char *h = head(n->kid[i]);
        if (h && !strcasecmp(h, name)) return n->kid[i];
    }
    return NULL;
}

static int is_number(const char *t, double *v)
{
    char *e;
    errno = 0;
    *v = strtod(t, &e);
    return e != t && !*e && isfinite(*v);
}

static const char *type_name[] = {"Float", "Integer", "UI", "Tap", "String", "Boolean"};
static const char *usage_name[] = {"In", "Out", "InOut", "Info", "Dep"};

/* Is text a valid value of the parameter's type, inside its declared format? `who` starts the
 * message: "FILE:LINE: parameter 'P'" for the file's own default, "KEY = V: parameter 'P' (FILE:LINE)"
 * for an override (fixed: a Value format refuses any other value). */
static p4_status check_value(const p4_ami_param *q, const char *t, const char *who, int fixed)
{
    double v = 0;
    int num = q->type != P4_AMI_STRING && q->type != P4_AMI_BOOLEAN;
    if (num && !is_number(t, &v))
        return p4_error(P4_EINVAL, "%s: '%s' is not a number (Type %s)", who, t, type_name[q->type]);
    if (q->type == P4_AMI_INTEGER && v != floor(v))
        return p4_error(P4_EINVAL, "%s: '%s' is not a whole number (Type Integer)", who, t);
    if (q->type == P4_AMI_BOOLEAN && strcasecmp(t, "True") && strcasecmp(t, "False"))
        return p4_error(P4_EINVAL, "%s: '%s' must be True or False (Type Boolean)", who, t);
    double tol = 1e-9 * (fabs(q->num[1]) + fabs(q->num[2]) + 1);
    switch (q->format) {
    case P4_AMI_VALUE:
        if (fixed && strcmp(t, q->list[0]) && (!num || fabs(v - atof(q->list[0])) > tol))
            return p4_error(P4_EINVAL, "%s: fixed at %s (Format Value)", who, q->list[0]);
        return P4_OK;
    case P4_AMI_RANGE:
    case P4_AMI_INCREMENT:
        if (!(v >= q->num[1] - tol && v <= q->num[2] + tol))
            return p4_error(P4_EINVAL, "%s: %s is out of its Range [%g, %g]", who, t, q->num[1], q->num[2]);
        if (q->format == P4_AMI_INCREMENT && q->num[3] > 0) {
            double k = (v - q->num[1]) / q->num[3];
            if (fabs(k - round(k)) > 1e-6)
                return p4_error(P4_EINVAL, "%s: %s is not on its Increment grid %g + k x %g within [%g, %g]", who, t, q->num[1], q->num[3], q->num[1], q->num[2]);
        }
        return P4_OK;
    case P4_AMI_LIST:
    case P4_AMI_CORNER: {
        char allowed[512] = "";
        for (int i = 0; i < q->nlist; i++) {
            double ev;
            if (!strcasecmp(q->list[i], t) || (num && is_number(q->list[i], &ev) && fabs(ev - v) <= tol)) return P4_OK;
            size_t L = strlen(allowed);
            snprintf(allowed + L, sizeof allowed - L, "%s%s", i ? " " : "", q->list[i]);
        }
        return p4_error(P4_EINVAL, "%s: %s is not in its %s (%s)", who, t, q->format == P4_AMI_LIST ? "List" : "Corner", allowed);
    }
    }
    return P4_OK;
}

static int lookup(const char *t, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(t, names[i])) return i;
    return -1;
}

/* Numbers of a format list (k from index `from`); returns how many, -1 on a non-number. */
static int numbers(const node *n, int from, double *out, int max, const p4_ami_param *q, const char *name)
{
    int k = 0;
    for (int i = from; i < n->nkid && k < max; i++, k++) {
        if (n->kid[i]->list || !is_number(n->kid[i]->atom, &out[k])) {
            p4_error(P4_EPARSE, "%s:%d: parameter '%s': format entry '%s' is not a number", name, n->line, q->path,
                     n->kid[i]->list ? "(...)" : n->kid[i]->atom);
            return -1;
        }
    }
    return k;
}

/* Read one parameter's attributes into q. */
static p4_status read_param(const node *n, p4_ami_param *q, const char *name)
{
    const node *u = child(n, "Usage"), *t = child(n, "Type"), *d = child(n, "Default");
    if (!u || u->nkid < 2 || u->kid[1]->list)
        return p4_error(P4_EPARSE, "%s:%d: parameter '%s': no (Usage In|Out|InOut|Info|Dep)", name, n->line, q->path);
    int k = lookup(u->kid[1]->atom, usage_name, 5);
    if (k < 0) return p4_error(P4_EPARSE, "%s:%d: parameter '%s': unknown Usage '%s' (In, Out, InOut, Info, Dep)", name, u->line, q->path, u->kid[1]->atom);
    q->usage = (p4_ami_usage)k;
    if (!t || t->nkid < 2 || t->kid[1]->list)
        return p4_error(P4_EPARSE, "%s:%d: parameter '%s': no (Type Float|Integer|UI|Tap|String|Boolean)", name, n->line, q->path);
    k = lookup(t->kid[1]->atom, type_name, 6);
    if (k < 0)
        return p4_error(P4_EPARSE, "%s:%d: parameter '%s': unknown Type '%s' (Float, Integer, UI, Tap, String, Boolean)", name, t->line, q->path, t->kid[1]->atom);
    q->type = (p4_ami_type)k;
    /* the format: (Format F ...) or a bare (F ...) */
    static const char *const fmt_name[] = {"Value", "Range", "List", "Increment", "Corner"};
    const node *f = child(n, "Format");
    int from = 2;
    if (!f) {
        for (int i = 0; i < 5 && !f; i++)
            if ((f = child(n, fmt_name[i]))) from = 1;
    }
    if (!f || f->nkid <= from - 1 + (from == 2))
        return p4_error(P4_EPARSE, "%s:%d: parameter '%s': no Format (Value, Range, List, Increment or Corner)", name, n->line, q->path);
    const char *fn = from == 2 ? (f->kid[1]->list ? "" : f->kid[1]->atom) : head(f);
    k = lookup(fn, fmt_name, 5);
    if (k < 0) return p4_error(P4_EPARSE, "%s:%d: parameter '%s': unknown Format '%s' (Value, Range, List, Increment, Corner)", name, f->line, q->path, fn);
    q->format = (p4_ami_format)k;
    int nv = f->nkid - from;
    static const int need[] = {1, 3, 1, 4, 3};
    if (nv < need[k])
        return p4_error(P4_EPARSE, "%s:%d: parameter '%s': Format %s needs %d value%s", name, f->line, q->path, fmt_name[k], need[k], need[k] > 1 ? "s" : "");
    int num = q->type != P4_AMI_STRING && q->type != P4_AMI_BOOLEAN;
    if (k == P4_AMI_VALUE || k == P4_AMI_LIST) {
        for (int i = 0; i < nv && q->nlist < P4_AMI_LIST_MAX; i++) {
            if (f->kid[from + i]->list) return p4_error(P4_EPARSE, "%s:%d: parameter '%s': a list inside its %s", name, f->line, q->path, fmt_name[k]);
            snprintf(q->list[q->nlist++], P4_AMI_NAME, "%s", f->kid[from + i]->atom);
        }
    } else {
        if (!num) return p4_error(P4_EPARSE, "%s:%d: parameter '%s': Format %s needs a numeric Type, not %s", name, f->line, q->path, fmt_name[k], type_name[q->type]);
        if (numbers(f, from, q->num, need[k], q, name) < 0) return P4_EPARSE;
        if (k == P4_AMI_CORNER) {
            q->nlist = 3;
            for (int i = 0; i < 3; i++) snprintf(q->list[i], P4_AMI_NAME, "%.10g", q->num[i]);
        } else if (q->num[1] > q->num[2])
            return p4_error(P4_EPARSE, "%s:%d: parameter '%s': Range minimum %g above its maximum %g", name, f->line, q->path, q->num[1], q->num[2]);
    }
    /* the value passed: Default, else the typical value / first entry */
    const char *def;
    char tmp[P4_AMI_NAME];
    if (d && d->nkid >= 2 && !d->kid[1]->list) def = d->kid[1]->atom;
    else if (k == P4_AMI_VALUE || k == P4_AMI_LIST) def = q->list[0];
    else snprintf(tmp, sizeof tmp, "%.10g", q->num[0]), def = tmp;
    snprintf(q->value, sizeof q->value, "%s", def);
    if (q->usage == P4_AMI_OUT) return P4_OK; /* the model fills it */
    char who[sizeof q->path + P4_PATH_MAX + 32];
    snprintf(who, sizeof who, "%s:%d: parameter '%s'", name, d ? d->line : f->line, q->path);
    p4_status st = check_value(q, def, who, 0);
    double dv;
    if (st && (k == P4_AMI_RANGE || k == P4_AMI_INCREMENT) && is_number(def, &dv) && (dv < q->num[1] || dv > q->num[2]))
        return p4_error(P4_EPARSE, "%s: default %s is outside its Range [%g, %g]", who, def, q->num[1], q->num[2]);
    return st;
}

typedef struct {
    p4_ami_file *f;
    int cap;
    const char *name;
} builder;

static p4_ami_param *new_param(builder *b)
{
    if (b->f->nparam == b->cap) {
        int nc = b->cap ? 2 * b->cap : 32;
        p4_ami_param *np = realloc(b->f->param, (size_t)nc * sizeof *np);
        if (!np) return NULL;
        b->f->param = np, b->cap = nc;
    }
    p4_ami_param *q = &b->f->param[b->f->nparam++];
    memset(q, 0, sizeof *q);
    return q;
}

static int is_param(const node *n) { return child(n, "Usage") || child(n, "Type"); }

static p4_status read_section(builder *b, const node *sec, int reserved, int depth, const char *prefix)
{
    for (int i = 1; i < sec->nkid; i++) {
        const node *n = sec->kid[i];
        const char *h = head(n);
        if (!n->list) return p4_error(P4_EPARSE, "%s:%d: '%s' where a (parameter ...) was expected", b->name, n->line, n->atom);
        if (!h) return p4_error(P4_EPARSE, "%s:%d: a list without a parameter name", b->name, n->line);
        if (!strcasecmp(h, "Description")) continue;
        p4_ami_param *q = new_param(b);
        if (!q) return p4_error(P4_ENOMEM, "out of memory");
        snprintf(q->name, sizeof q->name, "%s", h);
        if (snprintf(q->path, sizeof q->path, "%s%s%s", prefix, *prefix ? "." : "", h) >= (int)sizeof q->path)
            return p4_error(P4_EPARSE, "%s:%d: the parameter path %s.%s is longer than %d characters", b->name, n->line, prefix, h,
                            (int)sizeof q->path - 1);
        q->line = n->line, q->depth = depth, q->reserved = reserved;
        if (is_param(n)) {
            p4_status st = read_param(n, q, b->name);
            if (st) return st;
        } else {
            q->branch = 1;
            char path[sizeof q->path];
            snprintf(path, sizeof path, "%s", q->path);
            p4_status st = read_section(b, n, reserved, depth + 1, path);
            if (st) return st;
            /* an end marker closes the branch */
            p4_ami_param *e = new_param(b);
            if (!e) return p4_error(P4_ENOMEM, "out of memory");
            e->branch = -1, e->depth = depth, e->reserved = reserved;
        }
    }
    return P4_OK;
}

const p4_ami_param *p4_ami_file_find(const p4_ami_file *f, const char *name)
{
    const p4_ami_param *hit = NULL;
    for (int i = 0; i < f->nparam; i++) {
        const p4_ami_param *q = &f->param[i];
        if (q->branch) continue;
        if (!strcasecmp(q->path, name)) return q;
        if (!strcasecmp(q->name, name) && !hit) hit = q;
    }
    return hit;
}

static int truthy(const char *v) { return !strcasecmp(v, "True"); }

p4_ami_file *p4_ami_file_parse(const char *text, const char *name)
{
    node *root = parse_tree(text, name);
    if (!root) return NULL;
    p4_ami_file *f = calloc(1, sizeof *f);
    builder b = {.f = f, .name = name};
    p4_status st = f ? P4_OK : p4_error(P4_ENOMEM, "out of memory");
    const node *res = NULL, *ms = NULL;
    if (!st) {
        snprintf(f->path, sizeof f->path, "%s", name);
        if (!head(root)) st = p4_error(P4_EPARSE, "%s:%d: the tree has no root name", name, root->line);
    }
    if (!st) {
        snprintf(f->root, sizeof f->root, "%s", head(root));
        res = child(root, "Reserved_Parameters"), ms = child(root, "Model_Specific");
        if (!res) st = p4_error(P4_EPARSE, "%s:%d: no (Reserved_Parameters ...) in '%s'", name, root->line, f->root);
    }
    if (!st) st = read_section(&b, res, 1, 0, "");
    if (!st && ms) st = read_section(&b, ms, 0, 0, "");
    /* the reserved parameters pam4sim uses */
    static const char *const required[] = {"Init_Returns_Impulse", "GetWave_Exists"};
    for (int i = 0; !st && i < 2; i++) {
        const p4_ami_param *q = p4_ami_file_find(f, required[i]);
        if (!q || !q->reserved)
            st = p4_error(P4_EPARSE, "%s:%d: parameter '%s': missing from Reserved_Parameters (required by IBIS)", name, res->line, required[i]);
        else if (q->type != P4_AMI_BOOLEAN)
            st = p4_error(P4_EPARSE, "%s:%d: parameter '%s': Type must be Boolean", name, q->line, required[i]);
    }
    if (!st) {
        f->init_returns_impulse = truthy(p4_ami_file_find(f, "Init_Returns_Impulse")->value);
        f->getwave_exists = truthy(p4_ami_file_find(f, "GetWave_Exists")->value);
        const p4_ami_param *q;
        if ((q = p4_ami_file_find(f, "Max_Init_Aggressors")) && q->reserved) f->max_init_aggressors = atoi(q->value);
        if ((q = p4_ami_file_find(f, "Ignore_Bits")) && q->reserved) f->ignore_bits = atol(q->value);
        if ((q = p4_ami_file_find(f, "Modulation")) && q->reserved) {
            if (!strcasecmp(q->value, "PAM4")) f->modulation_declared = 1;
            else st = p4_error(P4_EINVAL, "%s:%d: parameter 'Modulation' = %s: pam4sim simulates PAM4 links (Modulation PAM4)", name, q->line, q->value);
        }
        static const char *const th[] = {"PAM4_LowerThreshold", "PAM4_CenterThreshold", "PAM4_UpperThreshold"};
        int nth = 0;
        for (int i = 0; i < 3; i++)
            if ((q = p4_ami_file_find(f, th[i])) && q->reserved) f->thresholds[i] = atof(q->value), nth++;
        f->has_thresholds = nth == 3;
        if (!st && nth && nth < 3)
            st = p4_error(P4_EPARSE, "%s:%d: the PAM4 thresholds need all three of PAM4_UpperThreshold, PAM4_CenterThreshold, PAM4_LowerThreshold", name, res->line);
        if (!st && f->has_thresholds && !(f->thresholds[0] < f->thresholds[1] && f->thresholds[1] < f->thresholds[2]))
            st = p4_error(P4_EPARSE, "%s:%d: PAM4 thresholds must rise: lower %g < center %g < upper %g", name, res->line, f->thresholds[0], f->thresholds[1], f->thresholds[2]);
        if (!st && f->getwave_exists == 0 && f->init_returns_impulse == 0)
            st = p4_error(P4_EINVAL, "%s:%d: neither Init_Returns_Impulse nor GetWave_Exists is True: the model does nothing", name, res->line);
    }
    node_free(root);
    if (st) {
        p4_ami_file_free(f);
        return NULL;
    }
    return f;
}

p4_ami_file *p4_ami_file_read(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        p4_error(P4_EIO, "%s: cannot open the .ami file", path);
        return NULL;
    }
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *t = n >= 0 && n < (1L << 24) ? malloc((size_t)n + 1) : NULL;
    if (!t || fread(t, 1, (size_t)n, fp) != (size_t)n) {
        fclose(fp), free(t);
        p4_error(P4_EIO, "%s: cannot read the .ami file", path);
        return NULL;
    }
    fclose(fp);
    t[n] = 0;
    p4_ami_file *f = p4_ami_file_parse(t, path);
    free(t);
    return f;
}

void p4_ami_file_free(p4_ami_file *f)
{
    if (!f) return;
    free(f->param);
    free(f);
}

p4_status p4_ami_file_set(p4_ami_file *f, const char *name, const char *value, const char *key)
{
    p4_ami_param *q = (p4_ami_param *)p4_ami_file_find(f, name);
    if (!q) return p4_error(P4_EINVAL, "%s.%s: %s has no parameter '%s'", key, name, f->path, name);
    if (q->usage != P4_AMI_IN && q->usage != P4_AMI_INOUT)
        return p4_error(P4_EINVAL, "%s.%s: parameter '%s' has Usage %s (%s:%d): only In and InOut parameters are set", key, name, q->path, usage_name[q->usage], f->path, q->line);
    const char *v = value;
    if (q->type == P4_AMI_BOOLEAN) { /* YAML's true/false as IBIS's True/False */
        if (!strcasecmp(v, "true")) v = "True";
        else if (!strcasecmp(v, "false")) v = "False";
    }
    char who[3 * P4_PATH_MAX], tmp[P4_AMI_NAME];
    snprintf(who, sizeof who, "%s.%s = %s: parameter '%s' (%s:%d)", key, name, value, q->path, f->path, q->line);
    snprintf(tmp, sizeof tmp, "%s", v);
    p4_status st = check_value(q, tmp, who, 1);
    if (st) return st;
    snprintf(q->value, sizeof q->value, "%s", tmp);
    q->overridden = 1;
    return P4_OK;
}

static int append(char **s, size_t *len, size_t *cap, const char *fmt, const char *a, const char *b)
{
    char buf[2 * P4_AMI_NAME + 16];
    int k = snprintf(buf, sizeof buf, fmt, a, b);
    if (*len + (size_t)k + 1 > *cap) {
        size_t nc = 2 * (*cap + (size_t)k + 1);
        char *ns = realloc(*s, nc);
        if (!ns) return -1;
        *s = ns, *cap = nc;
    }
    memcpy(*s + *len, buf, (size_t)k + 1);
    *len += (size_t)k;
    return 0;
}

char *p4_ami_file_params_in(const p4_ami_file *f)
{
    size_t len = 0, cap = 256;
    char *s = malloc(cap);
    if (!s || append(&s, &len, &cap, "(%s%s", f->root, "")) {
        free(s);
        return NULL;
    }
    int err = 0;
    for (int i = 0; i < f->nparam && !err; i++) {
        const p4_ami_param *q = &f->param[i];
        if (q->branch == 1) err = append(&s, &len, &cap, " (%s%s", q->name, "");
        else if (q->branch == -1) err = append(&s, &len, &cap, ")%s%s", "", "");
        else if (q->usage == P4_AMI_IN || q->usage == P4_AMI_INOUT)
            err = append(&s, &len, &cap, q->type == P4_AMI_STRING ? " (%s \"%s\")" : " (%s %s)", q->name, q->value);
    }
    if (err || append(&s, &len, &cap, ")%s%s", "", "")) {
        free(s);
        return NULL;
    }
    return s;
}

int p4_ami_string_number(const char *params, const char *name, double *v)
{
    size_t n = strlen(name);
    for (const char *p = params ? strchr(params, '(') : NULL; p; p = strchr(p + 1, '(')) {
        const char *a = p + 1;
        while (isspace((unsigned char)*a)) a++;
        if (strncasecmp(a, name, n) || !isspace((unsigned char)a[n])) continue;
        char *e;
        double x = strtod(a + n, &e);
        while (isspace((unsigned char)*e)) e++;
        if (e != a + n && *e == ')') {
            *v = x;
            return 0;
        }
    }
    return -1;
}
