/* test_module.c - a module of lanes and a population of modules (module.h): an ideal 8-lane module
 * has no errors on any lane and a lane made worse is the worst lane with the lowest margin; with
 * every spread at zero each module is the nominal one; the yield falls from 1 to 0 monotonically as
 * the threshold crosses the nominal margin; the same seed draws the same population for any thread
 * count; the first-order expansion agrees with the statistical engine at each draw. */
#include "testutil.h"
#include <math.h>
#include <string.h>

static void module_config(p4_config *c, const char *const *sets, int n)
{
    cr_assert_eq(p4_arch_config_default(c), P4_OK, "%s", p4_last_error());
    for (int i = 0; i < n; i++) cr_assert_eq(p4_config_set(c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
}

Test(module, ideal_module_and_a_worse_lane, .timeout = 600)
{
    p4_config c;
    const char *sets[] = {"channel.type=none", "sim.seed=4", "lpo.driver_peaking_db=[0]", "lpo.tia_peaking_db=[0]"};
    module_config(&c, sets, 4);
    p4_config lanes[8];
    for (int k = 0; k < 8; k++) cr_assert_eq(p4_module_lane_config(&c, k, &lanes[k]), P4_OK, "%s", p4_last_error());
    cr_expect_neq(lanes[0].seed, lanes[1].seed, "each lane its own seed");
    /* lane 6 (0-based 5) receives 4 dB less light (two connectors 2 dB worse): about 3 dB less margin */
    cr_assert_eq(p4_config_set(&lanes[5], "optics.connectors.loss_db=2.5"), P4_OK);
    p4_module_result r;
    cr_assert_eq(p4_module_run(&c, lanes, 8, P4_ARCH_LPO, 40000, &r), P4_OK, "%s", p4_last_error());
    for (int k = 0; k < 8; k++) {
        cr_log_info("lane %d: %llu bit errors in %llu bits, margin %.2f dB (seed 4)", k + 1, (unsigned long long)r.lane[k].bit_errors,
                    (unsigned long long)r.lane[k].bits, r.lane[k].margin_db);
        if (k != 5) cr_expect_eq(r.lane[k].bit_errors, 0, "lane %d of an ideal module (seed 4)", k + 1);
        cr_expect_geq(r.lane[k].bits, 80000);
    }
    cr_expect_eq(r.worst, 5, "the worst lane: %d", r.worst + 1);
    for (int k = 0; k < 8; k++)
        if (k != 5) {
            cr_expect_lt(r.lane[5].margin_db, r.lane[k].margin_db - 1, "lane 6 %.2f dB, lane %d %.2f dB", r.lane[5].margin_db, k + 1,
                         r.lane[k].margin_db);
            cr_expect_float_eq(r.lane[k].margin_db, r.lane[0].margin_db, 1e-9, "identical lanes, identical margins");
        }
    cr_expect_float_eq(r.pw.w_module, 8 * r.pw.w_lane, 1e-12);
}

Test(module, zero_spreads_give_the_nominal_module, .timeout = 300)
{
    p4_config c;
    module_config(&c, NULL, 0);
    for (int i = 0; i < P4_VARY_COUNT; i++) c.vary_width[i] = 0;
    c.pw_lanes = 4;
    p4_population p;
    cr_assert_eq(p4_module_population(&c, P4_ARCH_LPO, 50, 0, &p), P4_OK, "%s", p4_last_error());
    for (int m = 0; m < 50; m++)
        for (int k = 0; k < 4; k++) cr_assert_eq(p.margin[m * 4 + k], p.nominal[k], "module %d lane %d", m, k + 1);
    p4_population q;
    cr_assert_eq(p4_module_population(&c, P4_ARCH_LPO, 3, 1, &q), P4_OK, "%s", p4_last_error());
    for (int m = 0; m < 3; m++)
        for (int k = 0; k < 4; k++) cr_expect_float_eq(q.margin[m * 4 + k], p.nominal[k], 1e-12, "exact, module %d lane %d", m, k + 1);
    p4_population_free(&p), p4_population_free(&q);
}

Test(module, yield_falls_across_the_nominal_margin_and_the_draws_do_not_depend_on_threads, .timeout = 300)
{
    p4_config c;
    const char *sets[] = {"sim.seed=9", "power.lanes_per_module=4", "sim.threads=1"};
    module_config(&c, sets, 3);
    p4_population p, q;
    cr_assert_eq(p4_module_population(&c, P4_ARCH_LPO, 400, 0, &p), P4_OK, "%s", p4_last_error());
    double prev = 2, nom = p.nominal[0];
    cr_log_info("nominal margin %.3f dB; worst lane 0/1/5/50/95 %%: %.2f %.2f %.2f %.2f %.2f (seed 9)", nom, p.worst_pct[0], p.worst_pct[1],
                p.worst_pct[2], p.worst_pct[3], p.worst_pct[4]);
    cr_expect_eq(p4_population_yield(&p, nom - 5), 1.0);
    cr_expect_eq(p4_population_yield(&p, nom + 5), 0.0);
    for (double t = nom - 5; t <= nom + 5; t += 0.05) {
        double y = p4_population_yield(&p, t);
        cr_expect_leq(y, prev, "yield rises at %.2f dB", t);
        prev = y;
    }
    double mid = p4_population_yield(&p, nom - 0.5);
    cr_expect(mid > 0 && mid < 1, "0.5 dB below the nominal margin, some modules fail: yield %.3f", mid);
    cr_assert_eq(p4_config_set(&c, "sim.threads=2"), P4_OK);
    cr_assert_eq(p4_module_population(&c, P4_ARCH_LPO, 400, 0, &q), P4_OK, "%s", p4_last_error());
    cr_expect_eq(memcmp(p.dev, q.dev, 400 * 4 * P4_VARY_COUNT * sizeof *p.dev), 0, "draws with 1 and 2 threads");
    cr_expect_eq(memcmp(p.margin, q.margin, 400 * 4 * sizeof *p.margin), 0, "margins with 1 and 2 threads");
    /* the ranking is by |correlation|, and it leads with the parameter whose spread moves the
     * margin most in the expansion (|slope x width| on a lane: the lanes are alike here) */
    for (int i = 1; i < P4_VARY_COUNT; i++) cr_expect_geq(fabs(p.corr[p.rank[i - 1]]), fabs(p.corr[p.rank[i]]));
    int most = 0;
    for (int i = 1; i < P4_VARY_COUNT; i++)
        if (fabs(p.slope[0][i] * c.vary_width[i]) > fabs(p.slope[0][most] * c.vary_width[most])) most = i;
    cr_expect_str_eq(p4_vary_name(p.rank[0]), p4_vary_name(most), "first: %s (corr %.3f), the expansion's largest: %s", p4_vary_name(p.rank[0]),
                     p.corr[p.rank[0]], p4_vary_name(most));
    cr_expect_gt(fabs(p.corr[p.rank[0]]), 0.3, "the leading parameter's correlation %.3f", p.corr[p.rank[0]]);
    p4_population_free(&p), p4_population_free(&q);
}

Test(module, expansion_against_the_statistical_engine_at_each_draw, .timeout = 600)
{
    p4_config c;
    const char *sets[] = {"sim.seed=2", "power.lanes_per_module=2"};
    module_config(&c, sets, 2);
    p4_population lin, ex;
    cr_assert_eq(p4_module_population(&c, P4_ARCH_LPO, 6, 0, &lin), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_module_population(&c, P4_ARCH_LPO, 6, 1, &ex), P4_OK, "%s", p4_last_error());
    for (int j = 0; j < 12; j++) {
        cr_log_info("draw %d: expansion %.3f dB, exact %.3f dB", j, lin.margin[j], ex.margin[j]);
        cr_expect(fabs(lin.margin[j] - ex.margin[j]) < 0.3, "draw %d: expansion %.3f dB, exact %.3f dB (seed 2)", j, lin.margin[j],
                  ex.margin[j]);
    }
    p4_population_free(&lin), p4_population_free(&ex);
}
