/* testutil.h - helpers shared by the tests: build a link from --set style overrides and run it. */
#ifndef P4_TESTUTIL_H
#define P4_TESTUTIL_H
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pam4sim/pam4sim.h"

static inline const char *channels_dir(void)
{
    const char *d = getenv("P4_CHANNELS");
    return d ? d : "build/channels";
}

/* The default configuration with --set style overrides applied in order ("file=PATH" loads a
 * configuration file at that point). */
static inline void config_with(p4_config *c, const char *const *sets, int nsets)
{
    p4_config_default(c);
    for (int i = 0; i < nsets; i++)
        cr_assert_eq(!strncmp(sets[i], "file=", 5) ? p4_config_load(c, sets[i] + 5) : p4_config_set(c, sets[i]), P4_OK,
                     "%s: %s", sets[i], p4_last_error());
}

/* config_with, then create and run the link. Returns the link (caller destroys). */
static inline p4_link *run_link(const char *const *sets, int nsets, p4_counts *n, p4_config *cfg_out)
{
    p4_config c;
    config_with(&c, sets, nsets);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "link: %s", p4_last_error());
    cr_assert_eq(p4_link_run(l, 0, n), P4_OK, "run: %s", p4_last_error());
    if (cfg_out) *cfg_out = c;
    return l;
}

/* A link with nothing but the levels: no channel, no filters, no jitter, no noise, gain-only FFE. */
#define IDEAL_LINK "channel.type=none", "tx.filter=none", "tx.snr_db=.inf", "tx.jitter.rj_ps=0", \
    "tx.jitter.dcd_ps=0", "rx.noise.eta0_v2_per_ghz=0", "rx.noise.filter_ghz=0", "rx.ctle.enable=false", \
    "rx.ffe.taps=1", "rx.ffe.precursors=0", "rx.dfe.taps=0", "tx.ffe_taps=[1]", "tx.ffe_main=0"

#endif
