/* test_config.c - configuration errors name file, line, key and range; runs are reproducible. */
#include "testutil.h"
#include <string.h>
#include <unistd.h>

static void load_error(const char *yaml, const char *needle)
{
    char path[256];
    snprintf(path, sizeof path, "/tmp/p4cfg_%d.yaml", (int)getpid());
    FILE *f = fopen(path, "w");
    fputs(yaml, f);
    fclose(f);
    p4_config c;
    p4_config_default(&c);
    cr_assert_neq(p4_config_load(&c, path), P4_OK, "'%s' should be rejected", yaml);
    cr_assert(strstr(p4_last_error(), needle), "message '%s' lacks '%s'", p4_last_error(), needle);
    unlink(path);
}

Test(config, bad_values_are_named)
{
    load_error("sim:\n  baud_gbd: 106.25\n  bogus: 3\n", ":3: unknown key 'sim.bogus'");
    load_error("channel:\n  type: model\n  length_mm: -5\n", ":3: key 'channel.length_mm' = -5 is out of range [0, 10000]");
    load_error("sim:\n  baud_gbd: 0\n", ":2: key 'sim.baud_gbd' = 0 is out of range [1, 500]");
    load_error("tx:\n  pattern: prbs8\n", "(allowed: prbs7");
    load_error("rx:\n  ffe:\n    taps: many\n", ":3: key 'rx.ffe.taps': 'many' is not a number");
}

Test(config, set_overrides_and_defaults_round_trip)
{
    p4_config a, b;
    p4_config_default(&a);
    cr_assert_eq(p4_config_set(&a, "channel.il_nyquist_db=31.5"), P4_OK);
    cr_assert_float_eq(a.il_nyquist_db, 31.5, 0);
    cr_assert_eq(p4_config_set(&a, "tx.ffe_taps=[0.1, 0.7, -0.2]"), P4_OK);
    cr_assert_eq(a.n_tx_ffe, 3);
    cr_assert_float_eq(a.tx_ffe[2], -0.2, 0);
    /* the printed default, loaded back, is the default */
    char path[256];
    snprintf(path, sizeof path, "/tmp/p4def_%d.yaml", (int)getpid());
    FILE *f = fopen(path, "w");
    p4_config_default(&a);
    p4_config_write_yaml(&a, f, 1);
    fclose(f);
    p4_config_default(&b);
    cr_assert_eq(p4_config_load(&b, path), P4_OK, "%s", p4_last_error());
    cr_assert_eq(memcmp(&a, &b, sizeof a), 0, "printed default does not load back to the default");
    unlink(path);
}

static char *json_of(const char *seed)
{
    const char *sets[] = {"sim.symbols=50000", "measure.eye_symbols=20000", seed};
    p4_counts n;
    p4_config c;
    p4_link *l = run_link(sets, 3, &n, &c);
    p4_eye e;
    p4_eye_measure(&n, p4_link_thresholds(l), c.eye_ber, &e);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    p4_report_json(f, &c, p4_link_info_get(l), &n, &e);
    fclose(f);
    p4_counts_free(&n);
    p4_link_destroy(l);
    return buf;
}

Test(config, same_seed_same_json, .timeout = 120)
{
    char *a = json_of("sim.seed=11"), *b = json_of("sim.seed=11"), *c = json_of("sim.seed=12");
    cr_assert_str_eq(a, b, "the same seed must give byte-identical JSON");
    cr_assert_str_neq(a, c, "a different seed must change the result");
    cr_assert(strstr(a, "\"version\": \"" P4_VERSION "\"") && strstr(a, "\"seed\": 11") && strstr(a, "\"il_nyquist_db\": 28"));
    free(a), free(b), free(c);
}

/* sim.unit_symbols 0 (the default) is automatic: 32768, or 131072 with the DSP receiver (its
 * acquisition and training repeat in every unit); a value is kept; 1..1023 is refused by name. */
Test(config, automatic_work_unit)
{
    p4_config c;
    p4_config_default(&c);
    cr_expect_eq(c.unit_symbols, 0);
    cr_expect_eq(p4_unit_symbols(&c), 32768);
    cr_assert_eq(p4_config_set(&c, "rx.dsp.enable=true"), P4_OK);
    cr_expect_eq(p4_unit_symbols(&c), 131072);
    cr_assert_eq(p4_config_set(&c, "sim.unit_symbols=4096"), P4_OK);
    cr_expect_eq(p4_unit_symbols(&c), 4096);
    cr_assert_eq(p4_config_set(&c, "sim.unit_symbols=500"), P4_OK);
    cr_expect_neq(p4_config_validate(&c), P4_OK);
    cr_expect(strstr(p4_last_error(), "sim.unit_symbols") != NULL, "%s", p4_last_error());
}
