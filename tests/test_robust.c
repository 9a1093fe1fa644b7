/* test_robust.c - the library's readers against hostile input: each case once crashed, hung, or
 * let a wrong number through. Expected values are written out by hand (an integer's decimal digits,
 * RFC 8259's escapes), not taken from the code under test. */
#include "testutil.h"
#include <math.h>
#include <string.h>
#include <unistd.h>

static void write_file(const char *path, const char *text, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    cr_assert_eq(fwrite(text, 1, n, f), n);
    fclose(f);
}

Test(robust, touchstone_tiny_step_keeps_the_causality_grid_bounded, .timeout = 60)
{
    /* 0, 1 Hz, 100 GHz, 200 GHz: the smallest step once sized a 2^44-point transform */
    char path[64], text[4096], *p = text;
    snprintf(path, sizeof path, "/tmp/p4rob_%d.s4p", (int)getpid());
    p += sprintf(p, "# Hz S MA R 50\n");
    const char *f[4] = {"0", "1", "100e9", "200e9"};
    for (int k = 0; k < 4; k++) {
        p += sprintf(p, "%s", f[k]);
        for (int e = 0; e < 16; e++) p += sprintf(p, " %s 0", e == 4 || e == 1 || e == 14 || e == 11 ? "0.9" : "0.01");
        p += sprintf(p, "\n");
    }
    write_file(path, text, strlen(text));
    p4_touchstone *ts = p4_touchstone_read(path);
    cr_assert_not_null(ts, "%s", p4_last_error());
    p4_channel_summary s;
    int order[4] = {0};
    cr_assert_eq(p4_touchstone_summary(ts, order, &s), P4_OK, "%s", p4_last_error());
    cr_assert(s.noncausal_ratio >= 0 && s.noncausal_ratio <= 1, "ratio %g", s.noncausal_ratio);
    p4_touchstone_free(ts);
    unlink(path);
}

Test(robust, touchstone_values_checked_before_conversion)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/p4rob_%d.s2p", (int)getpid());
    static const struct { const char *text, *needle; } bad[] = {
        {"# GHz S DB R 50\n1 0 0 1e300 0 0 0 0 0\n2 0 0 0 0 0 0 0 0\n", ":2: magnitude in dB 1e+300 is out of range"},
        {"# GHz S RI R 50\n1 0 0 0 0 0 0 0 0\n2 0 0 0 0 0 0 -1e300 0\n", ":3: real part -1e+300 is out of range"},
        {"# GHz S MA R 50\n1 0 0 0 0 0 0 0 0\n1e300 0 0 0 0 0 0 0 0\n", ":3: frequency 1e+300 is out of range"},
        {"# GHz S MA R 50\n1 0 0 0.5 0 0.5 0 0 0\n", ":2: only one frequency point"},
        {"# GHz S MA R 1e999\n1 0 0 0.5 0 0.5 0 0 0\n2 0 0 0.5 0 0.5 0 0 0\n", ":1: reference resistance"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_file(path, bad[i].text, strlen(bad[i].text));
        cr_assert_null(p4_touchstone_read(path), "accepted: %s", bad[i].text);
        cr_assert(strstr(p4_last_error(), path) && strstr(p4_last_error(), bad[i].needle), "message '%s' lacks '%s'",
                  p4_last_error(), bad[i].needle);
    }
    unlink(path);
}

Test(robust, yaml_directive_and_bad_utf8_refused_without_parsing, .timeout = 20)
{
    p4_config c;
    p4_config_default(&c);
    /* "%l:" and 0xBB: libfyaml 0.7.12's directive scanner never returns on these */
    cr_assert_neq(p4_config_set(&c, "tx.rlm=%l:\xbb"), P4_OK);
    cr_assert(strstr(p4_last_error(), "YAML directives are not accepted"), "%s", p4_last_error());
    char path[64];
    snprintf(path, sizeof path, "/tmp/p4rob_%d.yaml", (int)getpid());
    write_file(path, "%l:\xbb", 4);
    cr_assert_neq(p4_config_load(&c, path), P4_OK);
    write_file(path, "tx:\n  pattern: \xc0\x80\n", 18); /* an overlong NUL */
    cr_assert_neq(p4_config_load(&c, path), P4_OK);
    cr_assert(strstr(p4_last_error(), ":2: not UTF-8 text (byte 0xC0)"), "%s", p4_last_error());
    write_file(path, "tx:\n  rlm: 0.9\n\0tx:\n", 19);
    cr_assert_neq(p4_config_load(&c, path), P4_OK);
    cr_assert(strstr(p4_last_error(), ":3: a NUL byte"), "%s", p4_last_error());
    write_file(path, "# only a comment\n", 17);
    cr_assert_neq(p4_config_load(&c, path), P4_OK);
    cr_assert(strstr(p4_last_error(), "the configuration is empty"), "%s", p4_last_error());
    write_file(path, "tx:\n  rlm: 0.9\n---\ntx:\n  rlm: 0.8\n", 34);
    cr_assert_neq(p4_config_load(&c, path), P4_OK);
    cr_assert(strstr(p4_last_error(), "a second YAML document"), "%s", p4_last_error());
    unlink(path);
}

Test(robust, integers_are_exact)
{
    p4_config c;
    p4_config_default(&c);
    cr_assert_eq(p4_config_set(&c, "sim.seed=9007199254740993"), P4_OK, "%s", p4_last_error());
    cr_assert_eq(c.seed, 9007199254740993LL); /* 2^53 + 1: a double would hold 2^53 */
    cr_assert_eq(p4_config_set(&c, "sim.seed=4611686018427387904"), P4_OK, "%s", p4_last_error());
    cr_assert_neq(p4_config_set(&c, "sim.seed=4611686018427387905"), P4_OK, "2^62 + 1 passed the range [0, 2^62]");
    cr_assert_eq(p4_config_set(&c, "sim.symbols=1e6"), P4_OK, "%s", p4_last_error());
    cr_assert_eq(c.symbols, 1000000);
    cr_assert_neq(p4_config_set(&c, "sim.symbols=1e6.5"), P4_OK);
    cr_assert_neq(p4_config_set(&c, "sim.symbols=2500.5"), P4_OK);
    int64_t v;
    cr_assert_eq(p4_parse_int64("-9223372036854775808", &v), P4_OK);
    cr_assert_eq(v, INT64_MIN);
    cr_assert_neq(p4_parse_int64("9223372036854775808", &v), P4_OK);
}

Test(robust, config_hash_is_exact)
{
    p4_config a, b;
    p4_config_default(&a);
    b = a;
    cr_assert_eq(p4_config_set(&a, "tx.amplitude_v=0.413"), P4_OK);
    cr_assert_eq(p4_config_set(&b, "tx.amplitude_v=0.41300000004"), P4_OK);
    cr_assert_neq(p4_config_hash(&a), p4_config_hash(&b), "0.413 and 0.41300000004 share a hash");
    b = a;
    b.threads = 7; /* the thread count does not change results, nor the hash */
    cr_assert_eq(p4_config_hash(&a), p4_config_hash(&b));
}

Test(robust, checkpoint_with_impossible_counts_refused)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/p4rob_%d.ck", (int)getpid());
    p4_counts c, r;
    cr_assert_eq(p4_counts_init(&c, 4, 0), P4_OK);
    c.symbols = 1000, c.bits = 2000, c.symbol_errors = 3, c.bit_errors = 4;
    uint64_t next = 0;
    cr_assert_eq(p4_checkpoint_write(path, 42, 1, &c), P4_OK, "%s", p4_last_error());
    cr_assert_eq(p4_counts_init(&r, 4, 0), P4_OK);
    cr_assert_eq(p4_checkpoint_read(path, 42, &next, &r), P4_OK, "%s", p4_last_error());
    cr_assert_eq(r.bit_errors, 4);
    cr_assert_eq(next, 1);
    /* the writer checksums whatever it is given, as a hand-made file would */
    c.bit_errors = 2001;
    cr_assert_eq(p4_checkpoint_write(path, 42, 1, &c), P4_OK);
    cr_assert_neq(p4_checkpoint_read(path, 42, &next, &r), P4_OK, "more bit errors than bits accepted");
    cr_assert(strstr(p4_last_error(), "counts are impossible (more bit errors than bits)"), "%s", p4_last_error());
    c.bit_errors = 4, c.symbols = 2000000, c.bits = 4000000; /* 2e6 symbols in 1 unit of at most 2^20 */
    cr_assert_eq(p4_checkpoint_write(path, 42, 1, &c), P4_OK);
    cr_assert_neq(p4_checkpoint_read(path, 42, &next, &r), P4_OK, "more symbols than one unit holds accepted");
    p4_counts_free(&c), p4_counts_free(&r);
    unlink(path);
}

Test(robust, hex_reader_refuses_long_tokens_and_nul)
{
    char text[] = "3ff 0x001 00000000000000000000000000000000000001ff\n1 2\0 3";
    FILE *f = fmemopen(text, sizeof text - 1, "rb");
    p4_hex_reader r = {f, 1};
    unsigned v;
    cr_assert_eq(p4_hex_next(&r, "in", &v), 1);
    cr_assert_eq(v, 0x3ff);
    cr_assert_eq(p4_hex_next(&r, "in", &v), 1);
    cr_assert_eq(v, 1);
    cr_assert_eq(p4_hex_next(&r, "in", &v), -1, "a 41-character token was cut and read as %x", v);
    cr_assert(strstr(p4_last_error(), "in line 1: token '0000000000000000...' is longer than 32"), "%s", p4_last_error());
    fclose(f);
    f = fmemopen(text + 51, 6, "rb"); /* "1 2\0 3" */
    r = (p4_hex_reader){f, 1};
    cr_assert_eq(p4_hex_next(&r, "in", &v), 1);
    cr_assert_eq(p4_hex_next(&r, "in", &v), -1, "2 and 3 merged across a NUL byte");
    cr_assert(strstr(p4_last_error(), "a NUL byte"), "%s", p4_last_error());
    fclose(f);
}

Test(robust, json_escapes_and_non_finite_numbers)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    p4_json_str(f, "a\"b\\c\n\x01\x7f");
    fputc(' ', f);
    p4_json_key(f, "snr_db", INFINITY);
    fputc(' ', f);
    p4_json_key(f, "x", 0.5);
    fputc(' ', f);
    p4_json_num(f, NAN);
    fclose(f);
    cr_assert_str_eq(buf, "\"a\\\"b\\\\c\\n\\u0001\\u007f\" \"snr_db\": null, \"snr_db_reason\": \"+inf\" \"x\": 0.5 null");
    free(buf);
}
