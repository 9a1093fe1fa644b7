/* com_config.c - COM of the link a configuration describes (com.h: p4_com_run_config).
 *
 * The configuration gives the channels, the parameter set the rest: channel.file is the thru (its
 * pairs from channel.port_order, or found from its DC path), crosstalk.files the aggressors (NEXT
 * where com.next_files says, or by name), channel.length_scale and channel.extra_loss_db the
 * section in series at the receiver on the thru and every aggressor (com_chan.c; the extra loss is
 * defined at the configuration's sim.baud_gbd / 2, as the link defines it, so both engines see one
 * section), sim.threads the threads. com.threshold_db replaces the set's threshold unless auto.
 * The link's own amplitudes, equalizer and noise keys do not enter: COM is the standard's figure
 * with its reference transmitter and receiver.
 */
#include "pam4sim/com.h"
#include <math.h>
#include <string.h>
#include <strings.h>

int p4_com_config_is_next(const p4_config *c, int i)
{
    if (i < 0 || i >= c->n_xt_files) return 0;
    if (c->n_com_next) {
        for (int64_t k = 0; k < c->n_com_next; k++)
            if (c->com_next[k] == i + 1) return 1;
        return 0;
    }
    const char *f = c->xt_files[i], *base = strrchr(f, '/');
    base = base ? base + 1 : f;
    for (const char *p = base; *p; p++)
        if (!strncasecmp(p, "next", 4)) return 1;
    return 0;
}

p4_status p4_com_params_of_config(const p4_config *c, p4_com_params *p)
{
    if (!c->com_params[0]) return p4_error(P4_EINVAL, "key 'com.params' is not set: give a set name (8023dj-kr, ...) or a YAML table");
    p4_status st = p4_com_params_load(c->com_params, p);
    if (st) {
        char why[512];
        snprintf(why, sizeof why, "%s", p4_last_error());
        return p4_error(st, "key 'com.params' = '%s': %s", c->com_params, why);
    }
    if (!isnan(c->com_threshold_db)) p->threshold_db = c->com_threshold_db;
    return P4_OK;
}

p4_status p4_com_run_config(const p4_config *c, p4_com_params *p_out, p4_com_result *r)
{
    p4_com_params p;
    p4_status st = p4_config_validate(c);
    if (!st) st = p4_com_params_of_config(c, &p);
    if (!st && strcmp(c->ch_type, "touchstone"))
        st = p4_error(P4_EINVAL, "key 'com.params': COM needs channel.type touchstone (its thru is channel.file)");
    if (st) return st;
    const char *fext[P4_MAX_XTALK], *next[P4_MAX_XTALK];
    int nf = 0, nn = 0, order[4];
    for (int i = 0; i < (int)c->n_xt_files; i++) {
        if (p4_com_config_is_next(c, i)) next[nn++] = c->xt_files[i];
        else fext[nf++] = c->xt_files[i];
    }
    for (int i = 0; i < 4; i++) order[i] = c->n_port_order == 4 ? (int)c->port_order[i] : 0;
    p4_com_input in = {.thru = c->ch_file, .fext = fext, .nfext = nf, .next = next, .nnext = nn, .threads = (int)c->threads,
                       .port_order = c->n_port_order == 4 ? order : NULL, .length_scale = c->length_scale,
                       .extra_loss_db = c->ch_extra_loss_db, .extra_loss_skin = c->skin_fraction,
                       .extra_loss_nyquist_ghz = c->baud_gbd / 2};
    st = p4_com_run(&p, &in, r);
    if (p_out) *p_out = p;
    return st;
}
