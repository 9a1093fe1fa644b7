/* com_params.c - COM parameter tables from YAML (the shipped ones are built in by com/embed.sh).
 *
 * A table is a flat mapping. Every key is required (a set states all it means), each value is
 * range-checked, lists have their allowed lengths, and an unknown key is an error: any of these
 * stops the load with "FILE:LINE: key 'K' ..." and the allowed range.
 */
#include "pam4sim/com.h"
#include "yaml_guard.h"
#include <libfyaml.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const char *const p4_com_builtin[][2];

typedef struct {
    const char *key;
    char kind;         /* 'd' double, 'i' int, 'l' list of doubles, 's' string */
    size_t off, cnt;   /* offset of the value; of the list's count (int) for 'l' */
    double lo, hi;     /* allowed range of each value */
    int nmin, nmax;    /* allowed list lengths */
} ckey;

#define D(k, f, lo, hi) {k, 'd', offsetof(p4_com_params, f), 0, lo, hi, 0, 0}
#define N(k, f, lo, hi) {k, 'i', offsetof(p4_com_params, f), 0, lo, hi, 0, 0}
#define L(k, f, c, lo, hi, a, b) {k, 'l', offsetof(p4_com_params, f), offsetof(p4_com_params, c), lo, hi, a, b}
#define T(k, f, n) {k, 'l', offsetof(p4_com_params, f), 0, -1e9, 1e9, n, n}

static const ckey keys[] = {
    {"name", 's', offsetof(p4_com_params, name), 0, 0, 0, 0, 0},
    D("baud_gbd", baud_gbd, 1, 500),
    N("samples_per_ui", samples_per_ui, 8, 128),
    D("der0", der0, 1e-15, 1e-2),
    D("threshold_db", threshold_db, -20, 20),
    D("tx_rise_time_ps", tx_rise_time_ps, 0, 100),
    D("rlm", rlm, 0.5, 1),
    D("victim_amplitude_v", victim_amplitude_v, 0.01, 5),
    D("fext_amplitude_v", fext_amplitude_v, 0, 5),
    D("next_amplitude_v", next_amplitude_v, 0, 5),
    D("reference_ohm", reference_ohm, 1, 1000),
    D("termination_ohm", termination_ohm, 1, 1000),
    D("a_dd_ui", a_dd_ui, 0, 0.5),
    D("snr_tx_db", snr_tx_db, 0, 100),
    D("eta0_v2_per_ghz", eta0_v2_per_ghz, 0, 1e-5),
    D("sigma_rj_ui", sigma_rj_ui, 0, 0.5),
    D("rx_filter_fb", rx_filter_fb, 0.05, 1e4),
    D("ctle_fz_ghz", ctle_fz_ghz, 0.01, 1000),
    D("ctle_fp1_ghz", ctle_fp1_ghz, 0.01, 1000),
    D("ctle_fp2_ghz", ctle_fp2_ghz, 0.01, 1e6),
    D("ctle_flf_ghz", ctle_flf_ghz, 0.001, 1000),
    T("g_dc_db", g_dc_db, 3),
    T("g_dc2_db", g_dc2_db, 3),
    N("tx_precursors", tx_pre, 0, P4_COM_MAX_TX),
    L("tx_min", tx_min, ntx, -1, 1, 0, P4_COM_MAX_TX),
    L("tx_max", tx_max, ntx, -1, 1, 0, P4_COM_MAX_TX),
    L("tx_step", tx_step, ntx, 0.001, 1, 0, P4_COM_MAX_TX),
    D("c0_min", c0_min, 0, 1),
    N("rx_ffe_taps", rx_taps, 1, P4_COM_MAX_RX),
    N("rx_ffe_precursors", rx_pre, 0, P4_COM_MAX_RX - 1),
    D("rx_ffe_tap_max", rx_tap_max, 0, 10),
    L("dfe_bmax", dfe_bmax, ndfe, 0, 2, 0, P4_COM_MAX_DFE),
    L("die_cap_ff", die_cap_ff, nd, 0, 10000, 1, 4),
    L("die_ind_nh", die_ind_nh, nd, 0, 100, 1, 4),
    D("bump_cap_ff", bump_cap_ff, 0, 10000),
    D("ball_cap_ff", ball_cap_ff, 0, 10000),
    L("line_ohm", line_ohm, nseg, 10, 500, 1, 2),
    D("breakout_mm", breakout_mm, 0, 1000),
    D("line_gamma0_per_mm", gamma0_per_mm, 0, 1),
    D("line_a1_per_mm", a1_per_mm, 0, 1),
    D("line_a2_per_mm", a2_per_mm, 0, 1),
    D("line_tau_ns_per_mm", tau_ns_per_mm, 0, 1),
    L("pkg_tx_mm", pkg_tx_mm, ncase, 0, 1000, 1, P4_COM_MAX_CASES),
    L("pkg_rx_mm", pkg_rx_mm, ncase, 0, 1000, 1, P4_COM_MAX_CASES),
    L("pkg_next_mm", pkg_next_mm, ncase, 0, 1000, 1, P4_COM_MAX_CASES),
    L("pkg_fext_mm", pkg_fext_mm, ncase, 0, 1000, 1, P4_COM_MAX_CASES),
    D("board_ohm", board_ohm, 10, 500),
    D("board_gamma0_per_mm", board_gamma0_per_mm, 0, 1),
    D("board_a1_per_mm", board_a1_per_mm, 0, 1),
    D("board_a2_per_mm", board_a2_per_mm, 0, 1),
    D("board_tau_ns_per_mm", board_tau_ns_per_mm, 0, 1),
    L("board_tx_mm", board_tx_mm, ncase, 0, 2000, 1, P4_COM_MAX_CASES),
    L("board_rx_mm", board_rx_mm, ncase, 0, 2000, 1, P4_COM_MAX_CASES),
    L("board_next_mm", board_next_mm, ncase, 0, 2000, 1, P4_COM_MAX_CASES),
    L("board_fext_mm", board_fext_mm, ncase, 0, 2000, 1, P4_COM_MAX_CASES),
};
#define NKEYS (sizeof keys / sizeof keys[0])

static int line_of(struct fy_node *n)
{
    struct fy_token *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar_token(n) : NULL;
    const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
    return m ? m->line + 1 : 0;
}

static p4_status number(const char *where, const ckey *k, struct fy_node *n, double *v)
{
    const char *t = n && fy_node_is_scalar(n) ? fy_node_get_scalar0(n) : NULL;
    char *end = NULL;
    *v = t ? strtod(t, &end) : NAN;
    if (!t || end == t || *end || !isfinite(*v))
        return p4_error(P4_EPARSE, "%s: key '%s' needs a number (got '%s')", where, k->key, t ? t : "a list or map");
    if (*v < k->lo || *v > k->hi)
        return p4_error(P4_EINVAL, "%s: key '%s' = %g is outside [%g, %g]", where, k->key, *v, k->lo, k->hi);
    if (k->kind == 'i' && *v != floor(*v))
        return p4_error(P4_EINVAL, "%s: key '%s' must be an integer", where, k->key);
    return P4_OK;
}

/* lists whose lengths must agree: the count field is set by the first, checked by the others */
static p4_status set_key(p4_com_params *p, const ckey *k, struct fy_node *vn, const char *file, size_t *seen_cnt, int *nseen)
{
    char where[700];
    snprintf(where, sizeof where, "%s:%d", file, line_of(vn));
    char *base = (char *)p;
    if (k->kind == 's') {
        const char *t = vn && fy_node_is_scalar(vn) ? fy_node_get_scalar0(vn) : NULL;
        if (!t || strlen(t) >= sizeof p->name) return p4_error(P4_EPARSE, "%s: key 'name' needs a short string", where);
        snprintf(p->name, sizeof p->name, "%s", t);
        return P4_OK;
    }
    if (k->kind != 'l') {
        double v;
        p4_status st = number(where, k, vn, &v);
        if (st) return st;
        if (k->kind == 'd') *(double *)(base + k->off) = v;
        else *(int *)(base + k->off) = (int)v;
        return P4_OK;
    }
    if (!vn || !fy_node_is_sequence(vn)) return p4_error(P4_EPARSE, "%s: key '%s' needs a list [a, b, ...]", where, k->key);
    int len = fy_node_sequence_item_count(vn);
    if (len < k->nmin || len > k->nmax)
        return p4_error(P4_EINVAL, "%s: key '%s' has %d values (allowed %d..%d)", where, k->key, len, k->nmin, k->nmax);
    if (k->cnt) {
        int *cnt = (int *)(base + k->cnt), seen = 0;
        for (int i = 0; i < *nseen; i++) seen |= seen_cnt[i] == k->cnt;
        if (seen && *cnt != len)
            return p4_error(P4_EINVAL, "%s: key '%s' has %d values, its companion lists %d", where, k->key, len, *cnt);
        if (!seen) seen_cnt[(*nseen)++] = k->cnt;
        *cnt = len;
    }
    void *it = NULL;
    struct fy_node *e;
    for (int i = 0; (e = fy_node_sequence_iterate(vn, &it)); i++) {
        snprintf(where, sizeof where, "%s:%d", file, line_of(e));
        double v;
        p4_status st = number(where, k, e, &v);
        if (st) return st;
        ((double *)(base + k->off))[i] = v;
    }
    return P4_OK;
}

static p4_status check(const p4_com_params *p, const char *file)
{
    if (p->g_dc_db[0] > p->g_dc_db[1] || !(p->g_dc_db[2] > 0) || p->g_dc2_db[0] > p->g_dc2_db[1] || !(p->g_dc2_db[2] > 0))
        return p4_error(P4_EINVAL, "%s: key 'g_dc_db'/'g_dc2_db' must be [min, max, step] with min <= max, step > 0", file);
    if (p->g_dc_db[1] > 0 || p->g_dc2_db[1] > 0 || p->g_dc_db[0] < -40 || p->g_dc2_db[0] < -40)
        return p4_error(P4_EINVAL, "%s: key 'g_dc_db'/'g_dc2_db': gains in [-40, 0] dB", file);
    double nctle = (floor((p->g_dc_db[1] - p->g_dc_db[0]) / p->g_dc_db[2] + 1e-9) + 1) *
                   (floor((p->g_dc2_db[1] - p->g_dc2_db[0]) / p->g_dc2_db[2] + 1e-9) + 1);
    if (nctle > 1e4)
        return p4_error(P4_EINVAL, "%s: keys 'g_dc_db'/'g_dc2_db' make %.0f CTLE settings (at most 10000)", file, nctle);
    double ntx = 1;
    for (int i = 0; i < p->ntx; i++) ntx *= floor((p->tx_max[i] - p->tx_min[i]) / p->tx_step[i] + 1e-9) + 1;
    if (ntx > 2e6) return p4_error(P4_EINVAL, "%s: keys 'tx_min'/'tx_max'/'tx_step' make %.0f TX FFE points (at most 2 10^6)", file, ntx);
    if (p->tx_pre > p->ntx) return p4_error(P4_EINVAL, "%s: key 'tx_precursors' = %d exceeds the %d TX taps", file, p->tx_pre, p->ntx);
    for (int i = 0; i < p->ntx; i++)
        if (p->tx_min[i] > p->tx_max[i]) return p4_error(P4_EINVAL, "%s: key 'tx_min'[%d] exceeds 'tx_max'[%d]", file, i, i);
    if (p->rx_pre >= p->rx_taps)
        return p4_error(P4_EINVAL, "%s: key 'rx_ffe_precursors' = %d must be below rx_ffe_taps = %d", file, p->rx_pre, p->rx_taps);
    return P4_OK;
}

static p4_status load_doc(struct fy_document *d, const char *file, p4_com_params *p)
{
    struct fy_node *root = d ? fy_document_root(d) : NULL;
    if (!root || !fy_node_is_mapping(root)) return p4_error(P4_EPARSE, "%s: not a YAML mapping of COM parameters", file);
    memset(p, 0, sizeof *p);
    int seen[NKEYS] = {0}, nseen = 0;
    size_t seen_cnt[NKEYS];
    void *it = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(root, &it))) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        const char *kt = kn && fy_node_is_scalar(kn) ? fy_node_get_scalar0(kn) : "?";
        size_t i = 0;
        while (i < NKEYS && strcmp(keys[i].key, kt)) i++;
        if (i == NKEYS) return p4_error(P4_EINVAL, "%s:%d: unknown key '%s'", file, line_of(kn), kt);
        p4_status st = set_key(p, &keys[i], vn, file, seen_cnt, &nseen);
        if (st) return st;
        seen[i] = 1;
    }
    for (size_t i = 0; i < NKEYS; i++)
        if (!seen[i]) return p4_error(P4_EINVAL, "%s: key '%s' is missing", file, keys[i].key);
    p->breakout_mm = p->nseg > 1 ? p->breakout_mm : 0;
    return check(p, file);
}

const char *const *p4_com_param_names(void)
{
    static const char *names[16];
    int n = 0;
    for (; p4_com_builtin[n][0] && n < 15; n++) names[n] = p4_com_builtin[n][0];
    names[n] = NULL;
    return names;
}

int p4_com_is_path(const char *s)
{
    size_t n = strlen(s);
    return strchr(s, '/') || (n > 5 && !strcmp(s + n - 5, ".yaml"));
}

p4_status p4_com_params_load(const char *s, p4_com_params *p)
{
    if (!s || !*s) return p4_error(P4_EINVAL, "COM parameters: give a set name or a YAML file");
    int is_path = p4_com_is_path(s);
    char file[560], *text = NULL;
    size_t len = 0;
    const char *doc_text;
    /* through the YAML guard (yaml_guard.h), as a configuration: a directive, a NUL byte or text
     * that is not UTF-8 is refused before libfyaml sees it */
    if (is_path) {
        p4_status rs = p4_yaml_read_file(s, 1 << 20, "a COM parameter file", &text, &len);
        if (rs) return rs;
        snprintf(file, sizeof file, "%s", s);
        doc_text = text;
    } else {
        int i = 0;
        while (p4_com_builtin[i][0] && strcmp(p4_com_builtin[i][0], s)) i++;
        if (!p4_com_builtin[i][0]) {
            char list[256] = "";
            for (int j = 0; p4_com_builtin[j][0]; j++)
                snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", j ? ", " : "", p4_com_builtin[j][0]);
            return p4_error(P4_EINVAL, "COM parameters '%s': no such set (shipped: %s; or a YAML file)", s, list);
        }
        snprintf(file, sizeof file, "com/params/%s.yaml", s);
        doc_text = p4_com_builtin[i][1], len = strlen(doc_text);
    }
    p4_yaml y;
    p4_status st = p4_yaml_parse(&y, doc_text, len, file);
    if (!st) {
        st = load_doc(y.doc, file, p);
        p4_yaml_free(&y);
    }
    free(text);
    return st;
}

void p4_com_params_json(FILE *f, const p4_com_params *p)
{
    const char *base = (const char *)p;
    fprintf(f, "{");
    for (size_t i = 0; i < NKEYS; i++) {
        const ckey *k = &keys[i];
        fprintf(f, "%s\"%s\": ", i ? ", " : "", k->key);
        if (k->kind == 's') fprintf(f, "\"%s\"", p->name);
        else if (k->kind == 'd') fprintf(f, "%.10g", *(const double *)(base + k->off));
        else if (k->kind == 'i') fprintf(f, "%d", *(const int *)(base + k->off));
        else {
            int n = k->cnt ? *(const int *)(base + k->cnt) : k->nmin;
            fprintf(f, "[");
            for (int j = 0; j < n; j++) fprintf(f, "%s%.10g", j ? ", " : "", ((const double *)(base + k->off))[j]);
            fprintf(f, "]");
        }
    }
    fprintf(f, "}");
}
