/* test_arch.c - link architectures (arch.h, budget.h, latency.h, power.h) against things outside
 * them: every architecture closes over ideal host boards; as the host loss rises LPO fails first;
 * the chained retimed link's end-to-end BER against the sum of its segments' BERs, and each
 * segment in the chain against the same segment run on its own; power and latency against hand
 * arithmetic and SPEC 7's figures. */
#include "testutil.h"
#include "pam4sim/budget.h"
#include "pam4sim/latency.h"
#include "pam4sim/power.h"
#include <math.h>

static void cmp_config(p4_config *c, const char *const *sets, int n)
{
    cr_assert_eq(p4_arch_config_default(c), P4_OK, "%s", p4_last_error());
    for (int i = 0; i < n; i++) cr_assert_eq(p4_config_set(c, sets[i]), P4_OK, "%s: %s", sets[i], p4_last_error());
}

typedef struct {
    p4_arch_plan plan;
    p4_link *l[P4_ARCH_MAX_SEG];
    p4_chain_counts cc;
} chain;

static void chain_run(const p4_config *c, p4_arch a, chain *ch)
{
    cr_assert_eq(p4_arch_plan_choose(c, a, &ch->plan), P4_OK, "%s", p4_last_error());
    for (int k = 0; k < ch->plan.nseg; k++) cr_assert_not_null(ch->l[k] = p4_link_create(&ch->plan.seg[k].cfg), "%s", p4_last_error());
    cr_assert_eq(p4_chain_run(ch->l, ch->plan.nseg, c, (uint64_t)c->symbols, &ch->cc), P4_OK, "%s", p4_last_error());
}

static void chain_free(chain *ch)
{
    for (int k = 0; k < P4_ARCH_MAX_SEG; k++) p4_link_destroy(ch->l[k]);
    p4_chain_counts_free(&ch->cc);
}

static double ber_of(const p4_counts *n) { return n->bits ? (double)n->bit_errors / (double)n->bits : 0; }

Test(arch, every_architecture_closes_over_ideal_host_boards, .timeout = 300)
{
    p4_config c;
    const char *sets[] = {"channel.type=none", "sim.symbols=100000", "sim.seed=11"};
    cmp_config(&c, sets, 3);
    for (int a = 0; a < P4_ARCH_COUNT; a++) {
        chain ch = {0};
        chain_run(&c, (p4_arch)a, &ch);
        double lo, hi;
        p4_clopper_pearson(ch.cc.e2e.bit_errors, ch.cc.e2e.bits, &lo, &hi);
        cr_log_info("%s: %llu bit errors in %llu bits, 95 %% upper %.2e (seed 11)", p4_arch_name((p4_arch)a),
                    (unsigned long long)ch.cc.e2e.bit_errors, (unsigned long long)ch.cc.e2e.bits, hi);
        cr_expect_geq(ch.cc.e2e.symbols, 100000);
        cr_expect_lt(hi, c.target_ber, "%s does not close over ideal host boards (seed 11)", p4_arch_name((p4_arch)a));
        cr_expect_eq(ch.cc.e2e.fec.cw_failed + ch.cc.e2e.fec.cw_miscorrected, 0);
        cr_expect_gt(ch.cc.e2e.fec.codewords, 0, "the host decodes KP4");
        chain_free(&ch);
    }
}

/* Where the host channel loss makes each architecture stop closing: LPO's host SerDes equalizes
 * both boards and the optics at once, the retimed module splits them, so LPO fails first. */
Test(arch, lpo_fails_first_as_host_loss_rises, .timeout = 600)
{
    p4_config c;
    const char *sets[] = {"compare.budget_symbols=60000", "sim.seed=5", "lpo.driver_peaking_db=[0, 6]", "lpo.tia_peaking_db=[0, 6]"};
    cmp_config(&c, sets, 4);
    p4_ber_cache cache = {0};
    p4_budget ret, lpo;
    cr_assert_eq(p4_arch_budget(&c, P4_ARCH_LPO, "channel.il_nyquist_db", 12, 6, 0, 50, 1, &cache, &lpo), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_arch_budget(&c, P4_ARCH_RETIMED, "channel.il_nyquist_db", 12, 6, 0, 50, 1, &cache, &ret), P4_OK, "%s", p4_last_error());
    cr_log_info("largest host loss: LPO %.2f dB, retimed %.2f dB (seed 5)", lpo.value, ret.value);
    cr_assert_eq(lpo.end, P4_BUDGET_FOUND);
    cr_assert_eq(ret.end, P4_BUDGET_FOUND);
    cr_expect_lt(lpo.value, ret.value - 5, "LPO %.2f dB, retimed %.2f dB (seed 5)", lpo.value, ret.value);
    /* the answers mean what they say: each architecture 2 dB past its own budget fails, 2 dB short passes */
    for (int a = 0; a < 2; a++) {
        p4_arch arch = a ? P4_ARCH_RETIMED : P4_ARCH_LPO;
        double edge = a ? ret.value : lpo.value;
        for (int side = -1; side <= 1; side += 2) {
            p4_config v = c;
            char kv[64];
            snprintf(kv, sizeof kv, "channel.il_nyquist_db=%.3f", edge + 2 * side);
            cr_assert_eq(p4_config_set(&v, kv), P4_OK);
            double ber;
            cr_assert_eq(p4_arch_ber_sum(&v, arch, 60000, &cache, &ber, NULL, NULL), P4_OK, "%s", p4_last_error());
            cr_log_info("%s at %s: BER %.3e", p4_arch_name(arch), kv, ber);
            if (side > 0) cr_expect_gt(ber, c.target_ber, "%s should fail at %s (seed 5)", p4_arch_name(arch), kv);
            else cr_expect_lt(ber, c.target_ber, "%s should pass at %s (seed 5)", p4_arch_name(arch), kv);
        }
    }
}

/* Screening (compare.budget_screen, on by default) decides far points on a quarter of the symbols;
 * without it every point runs in full. The search must visit the same points and give the same
 * answer exactly (the bracketing points always run in full), with some points screened. */
Test(arch, screened_budget_equals_the_full_search, .timeout = 600)
{
    p4_config c;
    const char *sets[] = {"compare.budget_symbols=160000", "sim.seed=7"};
    cmp_config(&c, sets, 2);
    p4_ber_cache cache = {0};
    p4_budget scr, ref;
    cr_assert_eq(p4_arch_budget(&c, P4_ARCH_RETIMED, "channel.il_nyquist_db", 12, 6, 0, 50, 2, &cache, &scr), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_config_set(&c, "compare.budget_screen=false"), P4_OK);
    cr_assert_eq(p4_arch_budget(&c, P4_ARCH_RETIMED, "channel.il_nyquist_db", 12, 6, 0, 50, 2, &cache, &ref), P4_OK, "%s", p4_last_error());
    int screened = 0;
    cr_assert_eq(scr.n, ref.n, "%d points screened, %d in full (seed 7)", scr.n, ref.n);
    for (int i = 0; i < scr.n; i++) {
        cr_expect_eq(scr.x[i], ref.x[i], "point %d: %g screened, %g in full (seed 7)", i, scr.x[i], ref.x[i]);
        cr_expect_eq(ref.symbols[i], 160000);
        screened += scr.symbols[i] < 160000;
        if (scr.symbols[i] == 160000) cr_expect_eq(scr.ber[i], ref.ber[i], "point %d: a full point's BER", i);
    }
    cr_log_info("retimed host loss: %d of %d points screened; %.6f dB both ways (seed 7)", screened, scr.n, scr.value);
    cr_expect_gt(screened, 0, "no point was screened (seed 7)");
    cr_expect_eq(scr.value, ref.value, "screened %.9f dB, in full %.9f dB (seed 7)", scr.value, ref.value);
}

/* At a host loss where the retimed module's host-side segments make errors, the host's errors are
 * counted against its own data; they should be the segments' errors added up (less the rare
 * symbol wrong in two segments), and each segment in the chain should make errors at the rate it
 * makes them when run on its own pattern. */
Test(arch, retimed_end_to_end_is_the_sum_of_its_segments, .timeout = 300)
{
    p4_config c;
    /* every segment erring: lossy host boards (42 dB: the bit-true receivers, designed with their
     * ADC noise, close 33 dB), a bit-true host receiver, a weak received OMA */
    const char *sets[] = {"channel.il_nyquist_db=42", "rx.dsp.enable=true", "optics.rx.oma_dbm=-8.8", "sim.symbols=200000",
                          "sim.seed=7"};
    cmp_config(&c, sets, 5);
    chain ch = {0};
    chain_run(&c, P4_ARCH_RETIMED, &ch);
    double sum = 0;
    for (int k = 0; k < ch.plan.nseg; k++) {
        sum += ber_of(&ch.cc.seg[k]);
        cr_expect_eq(ch.cc.seg[k].symbols, ch.cc.e2e.symbols, "each segment counted on the host's symbols");
    }
    double e2e = ber_of(&ch.cc.e2e);
    cr_log_info("retimed at 42 dB: segments %.3e %.3e %.3e, sum %.3e, end to end %.3e (%llu bit errors; seed 7)",
                ber_of(&ch.cc.seg[0]), ber_of(&ch.cc.seg[1]), ber_of(&ch.cc.seg[2]), sum, e2e,
                (unsigned long long)ch.cc.e2e.bit_errors);
    cr_assert_gt(ch.cc.e2e.bit_errors, 200, "too few errors to compare (seed 7)");
    for (int k = 0; k < ch.plan.nseg; k++) cr_expect_gt(ch.cc.seg[k].bit_errors, 20, "segment %d (seed 7)", k + 1);
    cr_expect_lt(fabs(e2e - sum), 0.05 * sum, "end to end %.3e vs sum %.3e (seed 7)", e2e, sum);
    /* each segment alone, on its own pattern and seed: within 5 sigma of the chained count */
    for (int k = 0; k < ch.plan.nseg; k++) {
        if (!ch.cc.seg[k].bit_errors) continue;
        p4_counts n;
        cr_assert_eq(p4_link_run(ch.l[k], ch.cc.seg[k].symbols, &n), P4_OK);
        double a = (double)ch.cc.seg[k].bit_errors, b = (double)n.bit_errors * (double)ch.cc.seg[k].bits / (double)n.bits;
        /* errors come in DFE bursts: the count's variance is (bits per event) x count */
        uint64_t events = 0;
        for (int i = 1; i < P4_HIST; i++) events += ch.cc.seg[k].fec.event_hist[i];
        double m = events ? a / (double)events : 1;
        cr_log_info("segment %d: chained %.0f bit errors (%.2f per event), alone %.0f", k + 1, a, m, b);
        cr_expect_lt(fabs(a - b), 5 * sqrt(m * (a + b)), "segment %d: chained %.0f vs alone %.0f (seed 7)", k + 1, a, b);
        p4_counts_free(&n);
    }
    chain_free(&ch);
}

Test(arch, power_rolls_up_by_hand)
{
    p4_config c;
    cmp_config(&c, NULL, 0);
    p4_power r, l, h;
    p4_power_of(&c, P4_ARCH_RETIMED, &r);
    p4_power_of(&c, P4_ARCH_LPO, &l);
    p4_power_of(&c, P4_ARCH_LRO, &h);
    /* (8.75 + 10) pJ/bit x 200 Gb/s = 3.75 W a lane, 30 W an 8-lane module (SPEC 7: 1.6T DSP modules
     * 25-30 W); LPO 10.6 pJ/bit: 2.12 W, 16.96 W; LRO 8.75/2 + (10 + 10.6)/2 = 14.675 pJ/bit */
    cr_expect_float_eq(r.w_lane, 3.75, 1e-12);
    cr_expect_float_eq(r.w_module, 30.0, 1e-12);
    cr_expect_float_eq(l.w_module, 16.96, 1e-12);
    cr_expect_float_eq(h.pj_bit, 14.675, 1e-12);
    /* 32000 ports x 30 W x 8766 h = 8 415 360 kWh; at 0.10 per kWh, 841 536 */
    cr_expect_float_eq(r.kwh_year, 8415360.0, 1e-6);
    cr_expect_float_eq(r.cost_year, 841536.0, 1e-6);
    /* SPEC 7: a 32,000-port deployment saving 8 W per port saves about 2.2 GWh a year */
    p4_config s = c;
    s.pw_lanes = 1, s.pw_lane_gbps = 1000, s.pw_dsp_pj_bit = 8, s.pw_retimed_analog_pj_bit = s.pw_linear_analog_pj_bit = 1;
    p4_power_of(&s, P4_ARCH_RETIMED, &r);
    p4_power_of(&s, P4_ARCH_LPO, &l);
    double saved_gwh = (r.kwh_year - l.kwh_year) * 1e-6;
    cr_expect_float_eq(r.w_module - l.w_module, 8.0, 1e-12);
    cr_expect(fabs(saved_gwh - 2.2) < 0.05, "8 W x 32000 ports: %.3f GWh a year (SPEC: ~2.2)", saved_gwh);
}

Test(arch, latency_rolls_up_by_hand, .timeout = 120)
{
    p4_config c;
    cmp_config(&c, NULL, 0);
    const double ui = 1 / 106.25;
    p4_latency lat[P4_ARCH_COUNT];
    for (int a = 0; a < P4_ARCH_COUNT; a++) {
        p4_arch_plan p;
        cr_assert_eq(p4_arch_plan_make(&c, (p4_arch)a, 0, 0, &p), P4_OK);
        p4_link *l[P4_ARCH_MAX_SEG] = {0};
        const p4_link_info *in[P4_ARCH_MAX_SEG];
        for (int k = 0; k < p.nseg; k++) {
            cr_assert_not_null(l[k] = p4_link_create(&p.seg[k].cfg), "%s", p4_last_error());
            in[k] = p4_link_info_get(l[k]);
        }
        p4_latency_of(&c, &p, in, &lat[a]);
        double sum = 0;
        for (int i = 0; i < lat[a].n; i++) sum += lat[a].row[i].ns;
        cr_expect_float_eq(lat[a].total_ns, sum, 1e-9);
        /* KP4 at the host: encode 6 ns + 2 x 544 x 5 UI accumulation (51.2 ns) + decode 31 ns (SPEC 7) */
        cr_expect_float_eq(lat[a].kind_ns[P4_LAT_FEC], 6 + 2 * 544 * 5 * ui + 31, 1e-9);
        /* 500 m of SMF at 4.89 ns/m (SPEC 7) and the host channel at both ends, 6.5 ps/mm: 100 mm of
         * C2M board, NPO's 30 mm board trace, CPO's 10 mm die-to-engine path */
        const double host_mm = a == P4_ARCH_NPO ? 30 : a == P4_ARCH_CPO ? 10 : 100;
        cr_expect(fabs(lat[a].kind_ns[P4_LAT_FLIGHT] - 2 * host_mm * 6.5e-3 - 500 * 4.89) < 0.01 * 500 * 4.89,
                  "%s flight %.2f ns", p4_arch_name((p4_arch)a), lat[a].kind_ns[P4_LAT_FLIGHT]);
        /* against retimed: the shorter host channel's flight, within 2 UI (the flight is the impulse
         * peak of a lossy line, which moves by picoseconds with the loss) */
        cr_expect(fabs(lat[a].kind_ns[P4_LAT_FLIGHT] - lat[P4_ARCH_RETIMED].kind_ns[P4_LAT_FLIGHT] + 2 * (100 - host_mm) * 6.5e-3) < 2 * ui,
                  "%s: flight %.4f ns against retimed %.4f ns", p4_arch_name((p4_arch)a), lat[a].kind_ns[P4_LAT_FLIGHT],
                  lat[P4_ARCH_RETIMED].kind_ns[P4_LAT_FLIGHT]);
        /* the analog path by correlation agrees with the model to a fraction of a UI per segment */
        cr_expect(fabs(lat[a].analog_measured_ns - lat[a].analog_model_ns) < 0.5 * ui * p.nseg, "%s: measured %.4f model %.4f",
                  p4_arch_name((p4_arch)a), lat[a].analog_measured_ns, lat[a].analog_model_ns);
        for (int k = 0; k < p.nseg; k++) p4_link_destroy(l[k]);
    }
    /* DSP: retimed has two module receivers (ADC 3 + FFE/DFE 10 ns + 6 pre-cursor UI each), two module
     * transmitters (5 ns each) and the host's float FFE (4 pre-cursor UI); LPO only the host's FFE;
     * LRO one module receiver, one module transmitter and the host's FFE */
    const double mrx = 3 + 10 + 6 * ui, host = 4 * ui;
    cr_expect_float_eq(lat[P4_ARCH_RETIMED].kind_ns[P4_LAT_DSP], 2 * mrx + 2 * 5 + host, 1e-9);
    cr_expect_float_eq(lat[P4_ARCH_LPO].kind_ns[P4_LAT_DSP], host, 1e-9);
    cr_expect_float_eq(lat[P4_ARCH_LRO].kind_ns[P4_LAT_DSP], mrx + 5 + host, 1e-9);
    /* the linear packaged engines: only the host's FFE; and the ladder's total latency falls rung by
     * rung (no DSP, then a shorter host channel) */
    cr_expect_float_eq(lat[P4_ARCH_NPO].kind_ns[P4_LAT_DSP], host, 1e-9);
    cr_expect_float_eq(lat[P4_ARCH_CPO].kind_ns[P4_LAT_DSP], host, 1e-9);
    const p4_arch ladder[] = {P4_ARCH_RETIMED, P4_ARCH_LRO, P4_ARCH_LPO, P4_ARCH_NPO, P4_ARCH_CPO};
    for (int i = 1; i < 5; i++)
        cr_expect_lt(lat[ladder[i]].total_ns, lat[ladder[i - 1]].total_ns, "%s %.3f ns, %s %.3f ns", p4_arch_name(ladder[i]),
                     lat[ladder[i]].total_ns, p4_arch_name(ladder[i - 1]), lat[ladder[i - 1]].total_ns);
}

/* The ladder's power per lane by hand: retimed 18.75, LRO 14.675, LPO 10.6, NPO 8, CPO 4 + 1.5
 * pJ/bit, x 200 Gb/s; a retimed NPO engine adds its DSP; SPEC 7's 800G anchors for the defaults. */
Test(arch, ladder_power_falls_rung_by_rung)
{
    p4_config c;
    cmp_config(&c, NULL, 0);
    const p4_arch ladder[] = {P4_ARCH_RETIMED, P4_ARCH_LRO, P4_ARCH_LPO, P4_ARCH_NPO, P4_ARCH_CPO};
    const double w_lane[] = {3.75, 2.935, 2.12, 1.6, 1.1};
    p4_power p[5];
    for (int i = 0; i < 5; i++) {
        p4_power_of(&c, ladder[i], &p[i]);
        cr_expect_float_eq(p[i].w_lane, w_lane[i], 1e-12, "%s: %.4f W a lane", p4_arch_name(ladder[i]), p[i].w_lane);
        if (i) cr_expect_lt(p[i].w_lane, p[i - 1].w_lane);
    }
    /* 800G = 4 lanes: the DSP module 15 W (SPEC: 14-16 W), the LPO module 8.48 W (SPEC: 8-9 W) */
    cr_expect(fabs(4 * p[0].w_lane - 15) < 1 && fabs(4 * p[2].w_lane - 8.5) < 0.5, "800G: DSP %.2f W, LPO %.2f W", 4 * p[0].w_lane,
              4 * p[2].w_lane);
    cr_expect_eq(p[4].n, 2, "CPO: the engine and its laser");
    cr_expect(strstr(p[4].row[1].block, "external") != NULL, "the default CPO laser is an external source: %s", p[4].row[1].block);
    p4_config r = c;
    cr_assert_eq(p4_config_set(&r, "npo.retimed=true"), P4_OK);
    p4_power n;
    p4_power_of(&r, P4_ARCH_NPO, &n);
    cr_expect_float_eq(n.pj_bit, 8.75 + 8, 1e-12);
}

/* The packaged rungs build their host channel from their own keys; CPO's external laser reaches the
 * modulator cpo.els_loss_db lower; NPO retimed takes the retimed module's shape. */
Test(arch, packaged_plans)
{
    p4_config c;
    const char *sets[] = {"npo.host_il_db=4", "npo.host_length_mm=25", "cpo.host_il_db=1.5", "cpo.els_loss_db=3"};
    cmp_config(&c, sets, 4);
    p4_arch_plan p;
    cr_assert_eq(p4_arch_plan_make(&c, P4_ARCH_CPO, 0, 0, &p), P4_OK);
    cr_expect_eq(p.nseg, 1);
    cr_expect_float_eq(p.seg[0].cfg.il_nyquist_db, 1.5, 1e-12);
    cr_expect_float_eq(p.seg[0].cfg.laser_power_dbm, c.laser_power_dbm - 3, 1e-12);
    cr_expect_str_eq(p.seg[0].cfg.ch_position, "both");
    cr_assert_eq(p4_config_set(&c, "cpo.laser=integrated"), P4_OK);
    cr_assert_eq(p4_arch_plan_make(&c, P4_ARCH_CPO, 0, 0, &p), P4_OK);
    cr_expect_float_eq(p.seg[0].cfg.laser_power_dbm, c.laser_power_dbm, 1e-12);
    cr_assert_eq(p4_arch_plan_make(&c, P4_ARCH_NPO, 0, 0, &p), P4_OK);
    cr_expect_eq(p.nseg, 1);
    cr_expect_float_eq(p.seg[0].cfg.il_nyquist_db, 4, 1e-12);
    cr_expect_float_eq(p.seg[0].cfg.length_mm, 25, 1e-12);
    cr_assert_eq(p4_config_set(&c, "npo.retimed=true"), P4_OK);
    cr_assert_eq(p4_arch_plan_make(&c, P4_ARCH_NPO, 0, 0, &p), P4_OK);
    cr_expect_eq(p.nseg, 3);
    for (int k = 0; k < 3; k++) cr_expect_float_eq(p.seg[k].cfg.il_nyquist_db, 4, 1e-12);
    cr_expect(p.seg[1].cfg.dsp_enable && p.seg[1].tx_dsp, "the engine's DSP retimes the line");
    cr_expect_eq(p4_arch_from_key("dsp"), P4_ARCH_RETIMED);
    cr_expect_eq(p4_arch_from_key("cpo"), P4_ARCH_CPO);
    cr_expect_eq(p4_arch_from_key("xyz"), P4_ARCH_COUNT);
    cr_expect_str_eq(p4_arch_host_loss_key(P4_ARCH_CPO), "cpo.host_il_db");
}

/* CPO over a 1 dB die-to-engine path meets the target at a received OMA (-8 dBm) where LPO over a
 * 16 dB host board does not; each on the other side of its own crossing: LPO passes at 0 dBm, CPO
 * fails at -12 dBm, so the verdict at -8 dBm is the host channel's penalty, not a broken link. */
Test(arch, cpo_closes_where_lpo_over_a_lossy_board_does_not, .timeout = 300)
{
    p4_config c;
    const char *sets[] = {"sim.seed=3", "cpo.host_il_db=1", "channel.il_nyquist_db=16"};
    cmp_config(&c, sets, 3);
    struct {
        p4_arch a;
        const char *oma;
        int pass;
    } pts[] = {{P4_ARCH_CPO, "optics.rx.oma_dbm=-8", 1}, {P4_ARCH_LPO, "optics.rx.oma_dbm=-8", 0},
               {P4_ARCH_LPO, "optics.rx.oma_dbm=0", 1}, {P4_ARCH_CPO, "optics.rx.oma_dbm=-12", 0}};
    for (int i = 0; i < 4; i++) {
        p4_config v = c;
        cr_assert_eq(p4_config_set(&v, pts[i].oma), P4_OK);
        double ber;
        cr_assert_eq(p4_arch_ber_sum(&v, pts[i].a, 100000, NULL, &ber, NULL, NULL), P4_OK, "%s", p4_last_error());
        cr_log_info("%s at %s: BER %.3e (seed 3)", p4_arch_name(pts[i].a), pts[i].oma, ber);
        if (pts[i].pass) cr_expect_lt(ber, c.target_ber, "%s at %s: BER %.3e (seed 3)", p4_arch_name(pts[i].a), pts[i].oma, ber);
        else cr_expect_gt(ber, c.target_ber, "%s at %s: BER %.3e (seed 3)", p4_arch_name(pts[i].a), pts[i].oma, ber);
    }
}
