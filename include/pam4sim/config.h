/* config.h - the effective configuration of a link: every key, its unit, default and range.
 *
 * One table (config.c) drives everything: the built-in default, YAML loading (libfyaml), --set
 * overrides, range checks with file:line errors, `pam4sim config` (the default with comments and
 * units) and the configuration block of the JSON report. Units are in key names. Keys that accept
 * "auto" hold NAN until the link resolves them.
 */
#ifndef PAM4SIM_CONFIG_H
#define PAM4SIM_CONFIG_H
#include <stdint.h>
#include <stdio.h>
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

#define P4_PATH_MAX 512
#define P4_MAX_TAPS 64
#define P4_MAX_XTALK 8
#define P4_AMI_PARAM_MAX 128  /* "name=value" of one IBIS-AMI model parameter */
#define P4_AMI_MAX_PARAMS 32

typedef struct {
    /* sim */
    double baud_gbd;
    int64_t sps, symbols, seed, unit_symbols, threads;
    char engine[16];                /* auto, symbol, sample (link_symbol.c) */
    char noise_draw[16];            /* auto (where it is read), waveform (every sample) */
    /* tx */
    char pattern[32];
    int precode;
    double amplitude_v, rlm;
    double tx_ffe[P4_MAX_TAPS];
    int64_t n_tx_ffe, tx_ffe_main;
    char tx_filter[16];
    double tx_bandwidth_ghz, tx_rise_time_ps, tx_snr_db;
    double rj_ps, sj_ps, sj_mhz, dcd_ps;
    /* IBIS-AMI models of the host SerDes (ami.h): tx.ami.*, rx.ami.*; params as "name=value" */
    char tx_ami_model[P4_PATH_MAX], tx_ami_file[P4_PATH_MAX], rx_ami_model[P4_PATH_MAX], rx_ami_file[P4_PATH_MAX];
    int tx_ami_isolate, rx_ami_isolate;
    char rx_ami_flow[16];           /* auto, init, getwave (sim/link_ami.c) */
    char tx_ami_flow[16];           /* auto, init, getwave (sim/link_ami_tx.c) */
    double tx_ami_timeout_s, rx_ami_timeout_s;
    char tx_ami_params[P4_AMI_MAX_PARAMS][P4_AMI_PARAM_MAX], rx_ami_params[P4_AMI_MAX_PARAMS][P4_AMI_PARAM_MAX];
    int64_t n_tx_ami_params, n_rx_ami_params;
    /* channel */
    char ch_type[16];
    char ch_file[P4_PATH_MAX];
    int64_t port_order[4];
    int64_t n_port_order;
    int64_t lane, lane_map[4 * 16], n_lane_map; /* a multi-lane file: the victim lane, the port map */
    int lane_crosstalk;
    double lane_amplitude_v[P4_MAX_XTALK];
    int64_t n_lane_amplitude;
    double ch_taps[P4_MAX_TAPS];
    int64_t n_ch_taps;
    double il_nyquist_db, skin_fraction, length_mm, delay_ps_per_mm, reflection_coeff, reflection_delay_ps;
    double taper_fraction, impulse_max_ui, reference_ohm;
    double length_scale, ch_extra_loss_db; /* a measured channel scaled: H^k, and a loss-model section in series */
    char ch_position[8];            /* with optics: tx (before the driver), rx (after the TIA), both */
    /* crosstalk */
    char xt_files[P4_MAX_XTALK][P4_PATH_MAX];
    int64_t n_xt_files;
    double xt_amplitude_v[P4_MAX_XTALK];
    int64_t n_xt_amplitude;
    /* optics (channel/optics.c): driver, laser, modulator, fiber, PD, TIA */
    int optics_enable;
    double drv_swing_vpp, drv_bandwidth_ghz, drv_sat_vpp, drv_peaking_db, tia_peaking_db;
    double laser_power_dbm, laser_rin_db_hz, laser_linewidth_mhz, wavelength_nm;
    char mod_type[16];
    double mod_bandwidth_ghz, mod_il_db, eml_er_db, eml_rlm, eml_alpha, mzm_vpi_v, mzm_bias_vpi;
    char fiber_type[16];
    double fiber_length_m, fiber_atten_db_km, fiber_d_ps_nm_km, fiber_lambda0_nm, fiber_s0_ps_nm2_km;
    double fiber_group_index, fiber_emb_mhz_km, fiber_field_tol_oma;
    int64_t n_connectors;
    double connector_loss_db, extra_loss_db, mpi_db, mpi_delay_ns;
    double rx_power_dbm, rx_oma_dbm;
    double pd_responsivity_a_w, pd_dark_na;
    int pd_shot;
    double tia_gain_ohm, tia_bandwidth_ghz, tia_noise_pa_rthz, tia_agc_vpp, tia_sat_vpp, tia_taper_fraction;
    /* rx */
    double eta0_v2_per_ghz, noise_rms_v, noise_filter_ghz;
    int ctle_enable;
    double g_dc_db, g_dc_hp_db, fz_ghz, fp1_ghz, fp2_ghz, f_lf_ghz;
    char ffe_mode[16];
    int64_t ffe_taps, ffe_precursors;
    double ffe_coef[P4_MAX_TAPS];
    int64_t n_ffe_coef;
    int64_t dfe_taps;
    double dfe_coef[P4_MAX_TAPS];
    int64_t n_dfe_coef;
    double sample_phase_ui;
    /* rx DSP (bit-true receiver) */
    int dsp_enable;
    char dsp_arith[16];
    int64_t adc_bits;
    double adc_enob, agc_rms_fraction;
    char cdr_detector[16];
    double cdr_bandwidth_mhz, cdr_damping, cdr_kp, cdr_ki, cdr_offset_ppm, cdr_initial_phase_ui, cdr_gear, cdr_lock_snr_db;
    int64_t cdr_latency, cdr_acquire;
    int64_t coef_bits, acc_bits, out_bits;
    double out_level_fraction, ffe_lms_step, dfe_lms_step, ffe_train_step, dfe_train_step;
    int64_t train_symbols;
    int64_t mlse_memory, mlse_traceback;
    /* fec */
    char fec_mode[16];
    int64_t fec_interleave, fec_inner_flips, burst_gap;
    /* dsp latency model */
    double dsp_clock_ghz, lat_adc_ns;
    int64_t lat_ffe_cycles, lat_mlse_cycles, lat_fec_enc_cycles, lat_fec_dec_cycles, lat_inner_cycles;
    /* measure */
    double target_ber, eye_ber;
    int64_t eye_symbols;
    /* TDECQ (sim/tdecq.c) */
    int tdecq_in_run, tdecq_through_fiber, tdecq_optimize;
    int64_t tdecq_taps;
    double tdecq_target_ser, tdecq_scope_noise_uw, tdecq_ref_ghz;
    /* statistical engine (sim/stat.c) */
    int64_t stat_sps, stat_bins;
    double stat_eye_ber, stat_der0;
    int stat_dfe_prop;
    /* link architectures (sim/arch.c): the module's DSP, the linear module's settings, the comparison */
    double mod_tx_amplitude_v, mod_tx_ffe[P4_MAX_TAPS];
    int64_t mod_n_tx_ffe, mod_ffe_taps, mod_ffe_precursors, mod_dfe_taps, mod_mlse_memory;
    double lpo_drv_peaking_db[P4_MAX_TAPS], lpo_tia_peaking_db[P4_MAX_TAPS];
    int64_t lpo_n_drv_peaking, lpo_n_tia_peaking;
    /* near- and co-packaged optics: the host channel to the optical engine, the laser */
    double npo_host_il_db, npo_host_length_mm, cpo_host_il_db, cpo_host_length_mm, cpo_els_loss_db;
    int npo_retimed;
    char cpo_laser[16];
    int64_t cmp_symbols, cmp_budget_symbols;
    int cmp_budget_screen;
    double cmp_host_il_max_db;
    char cmp_optical_budget[16];
    double lat_dsp_tx_ns;
    /* power (sim/power.c), pJ/bit of lane rate, both directions of a lane */
    double pw_dsp_pj_bit, pw_dsp_tx_share, pw_retimed_analog_pj_bit, pw_linear_analog_pj_bit, pw_host_serdes_pj_bit;
    int64_t pw_lanes, pw_ports;
    double pw_lane_gbps, pw_hours_per_year, pw_price_per_kwh;
    double pw_npo_analog_pj_bit, pw_cpo_engine_pj_bit, pw_cpo_laser_pj_bit;
    /* a module of lanes and a population of modules (sim/module.c): the architecture, the margin
     * that passes, and the spread of each varied parameter (P4_VARY_COUNT of them, module.h) */
    char mod_arch[16];
    double mod_threshold_db;
    char vary_dist[8][12], vary_scope[8][8];
    double vary_width[8];
    /* COM (com.h) of channel.file against crosstalk.files: the parameter set, its threshold, the
     * NEXT aggressors among the files */
    char com_params[P4_PATH_MAX];
    double com_threshold_db;
    int64_t com_next[P4_MAX_XTALK], n_com_next;
} p4_config;

/* Fill with the built-in default. */
void p4_config_default(p4_config *c);
/* Apply a YAML file on top of c; relative paths in it are taken from the file's folder. */
p4_status p4_config_load(p4_config *c, const char *path);
/* Apply "key=value" (value in YAML: 3, auto, [1, 0.5], text). */
p4_status p4_config_set(p4_config *c, const char *assignment);
/* The value of a numeric key (sim.seed, optics.laser.power_dbm, ...) and its allowed range. */
p4_status p4_config_number(const p4_config *c, const char *key, double *v, double *lo, double *hi);
/* Cross-key checks (run after loading and overrides). */
/* The work unit's length [symbols]: sim.unit_symbols, or with 0 (automatic) 32768, and 131072 with
 * the DSP receiver (each unit repeats its clock acquisition and LMS training). */
int64_t p4_unit_symbols(const p4_config *c);
p4_status p4_config_validate(const p4_config *c);
/* 1 if key is a configuration key (dotted path), else 0. */
int p4_config_has_key(const char *key);
/* Whether a key acts on the link this configuration describes (run, stat, sweep). Returns 1 if
 * it does; 0 if it cannot change the result here, with the reason in why[0..n) (e.g. "the channel
 * is a Touchstone file; channel.il_nyquist_db applies to the loss model"); -1 for an unknown key.
 * engine: 's' for the statistical engine, 'm' for the Monte Carlo engines, 'c' for COM (com.params:
 * only the thru, its scaling, the aggressor files and com.* enter it), 0 for either link engine. The rules
 * are one table in config.c, beside the keys. */
int p4_config_key_acts(const p4_config *c, const char *key, int engine, char *why, size_t n);
/* The configuration as commented YAML (with_help: units, ranges, meaning). */
void p4_config_write_yaml(const p4_config *c, FILE *f, int with_help);
/* The configuration as one JSON object (no trailing newline), indented by `indent` spaces. */
void p4_config_write_json(const p4_config *c, FILE *f, int indent);
/* The same JSON with every number exact (doubles as C99 hexadecimal floats): what a checkpoint's
 * configuration hash is taken over, so 0.413 and 0.41300000004 never share one. */
void p4_config_write_exact(const p4_config *c, FILE *f);
/* A whole number, exactly: decimal digits (any int64), or a double that is exactly an integer below
 * 2^53 (1e6, 100.0). P4_EPARSE otherwise. */
p4_status p4_parse_int64(const char *txt, int64_t *v);

#ifdef __cplusplus
}
#endif
#endif
