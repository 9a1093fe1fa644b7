/* cli_sensitivity.c - `pam4sim sensitivity`: BER against received OMA, and the OMA at the target.
 *
 *   pam4sim sensitivity [FILE.yaml] [--set key=value]... [--symbols N] [-j N] [--step DB] [--json OUT]
 *
 * Starting 1 dB below the thermal-noise limit 6 Qt i_n sqrt(B) / R (rounded down to the step), the
 * received OMA (optics.rx.oma_dbm) rises in steps until the measured BER is below a twentieth of
 * measure.target_ber; if the first point already meets the target, the start moves down. The
 * sensitivity is where log10(BER) interpolated linearly between the two points around the target
 * crosses it. Each point is a full run of sim.symbols symbols with its own 95 % interval; TDECQ is
 * not measured (tdecq.in_run off).
 */
#include "cli.h"
#include "pam4sim/pam4sim.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 48

typedef struct {
    const char *json;
    double step_db;
    const p4_config *c;
    int n;
    double oma[MAXP], avg[MAXP], ber[MAXP], lo[MAXP], hi[MAXP];
    double sens_dbm, thermal_dbm;
} sens_run;

static int sens_other(const char *opt, const char *val, void *ctx)
{
    sens_run *s = ctx;
    if (!val) return 2;
    if (!strcmp(opt, "--json")) s->json = val;
    else if (!strcmp(opt, "--step")) {
        char *end;
        s->step_db = strtod(val, &end);
        if (end == val || *end || !(s->step_db >= 0.1 && s->step_db <= 5)) {
            fprintf(stderr, "pam4sim: sensitivity: --step must be in [0.1, 5] dB (got '%s')\n", val);
            return 2;
        }
    } else
        return 2;
    return 0;
}

/* Run the link at received OMA oma_dbm into point i. */
static int point(sens_run *s, const p4_config *base, double oma_dbm, int i)
{
    p4_config c = *base;
    c.rx_oma_dbm = oma_dbm, c.rx_power_dbm = NAN;
    p4_link *l = p4_link_create(&c);
    if (!l) return 1;
    p4_counts n;
    if (p4_link_run(l, 0, &n)) {
        p4_link_destroy(l);
        return 1;
    }
    const p4_link_info *in = p4_link_info_get(l);
    s->oma[i] = oma_dbm;
    s->avg[i] = p4_w_to_dbm(in->opt.rx_avg_w);
    s->ber[i] = n.bits ? (double)n.bit_errors / (double)n.bits : 0;
    p4_clopper_pearson(n.bit_errors, n.bits, &s->lo[i], &s->hi[i]);
    if (i == 0) s->thermal_dbm = in->sens_thermal_oma_dbm;
    printf("%10.2f %12.2f %12.3e  [%.2e, %.2e]  %llu bit errors\n", oma_dbm, s->avg[i], s->ber[i], s->lo[i], s->hi[i],
           (unsigned long long)n.bit_errors);
    fflush(stdout);
    p4_counts_free(&n);
    p4_link_destroy(l);
    return 0;
}

static void json_out(FILE *f, void *v)
{
    sens_run *s = v;
    cli_json_head(f, "sensitivity", s->c);
    fprintf(f, ",\n  "), p4_json_key(f, "target_ber", s->c->target_ber);
    fprintf(f, ",\n  "), p4_json_key(f, "thermal_limit_oma_dbm", s->thermal_dbm);
    fprintf(f, ",\n  "), p4_json_key(f, "sensitivity_oma_dbm", s->sens_dbm);
    fprintf(f, ",\n  \"points\": [");
    for (int i = 0; i < s->n; i++) {
        fprintf(f, "%s\n    {", i ? "," : ""), p4_json_key(f, "oma_dbm", s->oma[i]);
        fprintf(f, ", "), p4_json_key(f, "avg_dbm", s->avg[i]);
        fprintf(f, ", "), p4_json_key(f, "ber", s->ber[i]);
        fprintf(f, ", \"ber_ci95\": [");
        p4_json_num(f, s->lo[i]), fprintf(f, ", "), p4_json_num(f, s->hi[i]);
        fprintf(f, "]}");
    }
    fprintf(f, "\n  ]\n}\n");
}

int cmd_sensitivity(int argc, char **argv)
{
    p4_config cfg;
    p4_config_default(&cfg);
    sens_run s = {.step_db = 1, .sens_dbm = NAN};
    int rc = cli_config("sensitivity", argc, argv, &cfg, sens_other, &s);
    if (rc) return rc;
    if (s.json && cli_check_writable("--json", s.json)) return 1;
    if (!cfg.optics_enable) {
        fprintf(stderr, "pam4sim: sensitivity: optics.enable is false: it sweeps the received optical power "
                        "(try examples/dr1.yaml)\n");
        return 1;
    }
    cfg.tdecq_in_run = 0;
    s.c = &cfg;
    /* the thermal-noise limit of this receiver, from a first set-up */
    p4_config c0 = cfg;
    c0.rx_oma_dbm = c0.rx_power_dbm = NAN;
    p4_link *l0 = p4_link_create(&c0);
    if (!l0) return cli_fail();
    double start = floor(p4_link_info_get(l0)->sens_thermal_oma_dbm / s.step_db) * s.step_db - s.step_db;
    p4_link_destroy(l0);
    printf("sensitivity at BER %.2e (%lld symbols per point)\n%10s %12s %12s\n", cfg.target_ber, (long long)cfg.symbols,
           "OMA [dBm]", "Pavg [dBm]", "BER");
    for (int tries = 0; tries < 4 && s.n < MAXP; tries++) {
        if (point(&s, &cfg, start, s.n)) return cli_fail();
        if (s.ber[s.n++] >= cfg.target_ber) break;
        start -= 4 * s.step_db; /* the first point already closes: start lower */
    }
    double oma = start;
    while (s.n < MAXP && s.ber[s.n - 1] >= cfg.target_ber / 20 && s.ber[s.n - 1] > 0) {
        oma += s.step_db;
        if (point(&s, &cfg, oma, s.n++)) return cli_fail();
    }
    /* the crossing: the last point at or above the target and the next one */
    for (int i = 0; i + 1 < s.n; i++)
        if (s.oma[i + 1] > s.oma[i] && s.ber[i] >= cfg.target_ber && s.ber[i + 1] < cfg.target_ber) {
            double a = log10(s.ber[i]), b = s.ber[i + 1] > 0 ? log10(s.ber[i + 1]) : a - 3, t = log10(cfg.target_ber);
            s.sens_dbm = s.oma[i] + (a - t) / (a - b) * (s.oma[i + 1] - s.oma[i]);
        }
    if (isnan(s.sens_dbm)) printf("sensitivity  not bracketed in %d points\n", s.n);
    else
        printf("sensitivity  %.2f dBm OMA at BER %.2e (thermal-noise limit %.2f dBm: penalty %.2f dB)\n", s.sens_dbm,
               cfg.target_ber, s.thermal_dbm, s.sens_dbm - s.thermal_dbm);
    return s.json ? cli_write_atomic(s.json, json_out, &s) : 0;
}
