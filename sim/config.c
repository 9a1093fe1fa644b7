/* config.c - the configuration table and everything driven by it (see config.h).
 *
 * Each key is one row: dotted path, type, where it lives in p4_config, range, whether "auto" is
 * allowed, the default as YAML text and a one-line meaning. The default is made by parsing those
 * texts through the same setter a file goes through, so the printed default, the loaded default and
 * the checks cannot drift apart.
 */
#include "pam4sim/config.h"
#include "pam4sim/com.h"
#include "pam4sim/json.h"
#include "pam4sim/prbs.h"
#include "suggest.h"
#include "yaml_guard.h"
#include <errno.h>
#include <libfyaml.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { T_DBL, T_INT, T_BOOL, T_STR, T_ENUM, T_DLIST, T_ILIST, T_SLIST, T_PATH, T_AMAP } ktype;

typedef struct {
    const char *key;
    ktype type;
    size_t off, count_off; /* count_off: for lists */
    int maxn;
    double min, max;
    int auto_ok;
    const char *choices; /* T_ENUM: space-separated */
    const char *def;
    const char *help;
    int name_ok; /* T_PATH: a name without '/' that does not end in .yaml is kept as it is (a set's name) */
} kdef;

#define O(f) offsetof(p4_config, f)
#define DBL(k, f, lo, hi, d, h) {k, T_DBL, O(f), 0, 0, lo, hi, 0, NULL, d, h, 0}
#define DBLA(k, f, lo, hi, d, h) {k, T_DBL, O(f), 0, 0, lo, hi, 1, NULL, d, h, 0}
#define INT(k, f, lo, hi, d, h) {k, T_INT, O(f), 0, 0, lo, hi, 0, NULL, d, h, 0}
#define BOOL(k, f, d, h) {k, T_BOOL, O(f), 0, 0, 0, 1, 0, NULL, d, h, 0}
#define ENUM(k, f, ch, d, h) {k, T_ENUM, O(f), 0, 0, 0, 0, 0, ch, d, h, 0}
#define PATH(k, f, d, h) {k, T_PATH, O(f), 0, 0, 0, 0, 0, NULL, d, h, 0}
/* a shipped set's name or a YAML file (com.params), checked by loading it */
#define SETPATH(k, f, d, h) {k, T_PATH, O(f), 0, 0, 0, 0, 0, NULL, d, h, 1}
#define DLIST(k, f, n, mx, lo, hi, d, h) {k, T_DLIST, O(f), O(n), mx, lo, hi, 0, NULL, d, h, 0}
#define ILIST(k, f, n, mx, lo, hi, d, h) {k, T_ILIST, O(f), O(n), mx, lo, hi, 0, NULL, d, h, 0}
#define SLIST(k, f, n, mx, d, h) {k, T_SLIST, O(f), O(n), mx, 0, 0, 0, NULL, d, h, 0}
/* a mapping of free names to values (an IBIS-AMI model's parameters), stored as "name=value" */
#define AMAP(k, f, n, h) {k, T_AMAP, O(f), O(n), P4_AMI_MAX_PARAMS, 0, 0, 0, NULL, "{}", h, 0}

static const kdef keys[] = {
    DBL("sim.baud_gbd", baud_gbd, 1, 500, "106.25", "symbol rate [GBd] (200G/lane KP4: 106.25; with inner FEC: 113.4375)"),
    INT("sim.sps", sps, 4, 128, "16", "samples per UI of the waveform"),
    INT("sim.symbols", symbols, 1000, 1e15, "1000000", "symbols counted for BER"),
    INT("sim.seed", seed, 0, 4611686018427387904.0, "1", "master seed of every random stream"),
    INT("sim.unit_symbols", unit_symbols, 0, 1048576, "0", "symbols per work unit (each unit has its own random streams; 1024 or more); 0: 32768, or 131072 with the DSP receiver, whose clock acquisition and LMS training (about 20600 symbols) every unit repeats"),
    ENUM("sim.engine", engine, "auto symbol sample", "auto", "auto: the symbol-rate engine where it is exact (linear electrical link, floating-point receiver), else sample level; symbol or sample force one"),
    ENUM("sim.noise", noise_draw, "auto waveform", "auto", "where the sample-level engine draws additive receiver noise: auto: only where it is read (the sampler of the floating-point receiver, the DSP receiver's ADC reads and the eye's equalized samples, at symbol rate with the same autocorrelation), waveform: into every sample (0.5.0; needed by nothing the link reports; the bang-bang CDR, TIA compression and IBIS-AMI GetWave always take it)"),
    INT("sim.threads", threads, 0, 256, "0", "worker threads, 0 = one per core (the result does not depend on it)"),
    ENUM("tx.pattern", pattern, "prbs7 prbs9 prbs13 prbs15 prbs23 prbs31 prbs9q prbs13q prbs31q ssprq random", "prbs31q", "test pattern (SPEC 5) or seeded random data"),
    BOOL("tx.precode", precode, "false", "1/(1+D) mod 4 precoding (decoded after the slicer)"),
    DBL("tx.amplitude_v", amplitude_v, 0.001, 5, "0.413", "peak differential amplitude of the outer levels [V] (COM A_v)"),
    DBL("tx.rlm", rlm, 0.5, 1, "0.95", "level-mismatch ratio RLM (inner levels at +-RLM/3)"),
    DLIST("tx.ffe_taps", tx_ffe, n_tx_ffe, P4_MAX_TAPS, -1, 1, "[-0.10, 0.85, -0.05]", "TX FFE taps, symbol-spaced, pre-cursors first"),
    INT("tx.ffe_main", tx_ffe_main, 0, 63, "1", "index of the main tap in tx.ffe_taps"),
    ENUM("tx.filter", tx_filter, "none gaussian bessel", "gaussian", "driver bandwidth shape: Gaussian or 4th-order Bessel-Thomson"),
    DBL("tx.bandwidth_ghz", tx_bandwidth_ghz, 0, 1000, "0", "driver 3-dB bandwidth [GHz] (0: from tx.rise_time_ps)"),
    DBL("tx.rise_time_ps", tx_rise_time_ps, 0, 100, "4.0", "driver 20-80 % rise time [ps] (Gaussian; COM T_r)"),
    DBL("tx.snr_db", tx_snr_db, 10, INFINITY, "33", "TX SNR [dB]: level power / white noise power in the Nyquist band (.inf: off; electrical links: with optics the laser RIN and the TIA are the noise)"),
    DBL("tx.jitter.rj_ps", rj_ps, 0, 5, "0.094", "random jitter, rms [ps] (COM sigma_RJ 0.01 UI)"),
    DBL("tx.jitter.sj_ps", sj_ps, 0, 1000, "0", "sinusoidal jitter amplitude, peak [ps] (above 0.49 UI only with rx.dsp.enable, as a delay)"),
    DBL("tx.jitter.sj_mhz", sj_mhz, 0, 1e6, "0", "sinusoidal jitter frequency [MHz]"),
    DBL("tx.jitter.dcd_ps", dcd_ps, 0, 4, "0.376", "even/odd duty-cycle distortion, peak-to-peak [ps] (2 x COM A_DD)"),
    PATH("tx.ami.model", tx_ami_model, "\"\"", "IBIS-AMI transmitter model (.so) of the host SerDes: through its AMI_Init it replaces tx.ffe_taps, through its AMI_GetWave it filters the TX waveform (tx.ami.flow) (\"\": the native TX FFE)"),
    PATH("tx.ami.ami_file", tx_ami_file, "\"\"", ".ami parameter file of tx.ami.model (\"\": the model's file name with .ami)"),
    BOOL("tx.ami.isolate", tx_ami_isolate, "true", "run the model in a child process of its own: a crash is an error naming the model and the call, not the end of pam4sim"),
    DBL("tx.ami.timeout_s", tx_ami_timeout_s, 0, 1e6, "600", "isolated model: the longest one call (AMI_Init, AMI_GetWave, AMI_Close) may take before its process is stopped and the call fails [s] (0: no limit)"),
    ENUM("tx.ami.flow", tx_ami_flow, "auto init getwave", "auto", "how a sample-level run takes tx.ami.model: init (its AMI_Init response in the linear chain: a symbol-spaced one replaces tx.ffe_taps), getwave (the rendered TX waveform through its AMI_GetWave, the native TX FFE bypassed; the link's equalizer design still from its Init response; sample-level engine only), auto: getwave when the .ami says GetWave_Exists True and the model exports AMI_GetWave, else init (the statistical engine always takes init)"),
    AMAP("tx.ami.params", tx_ami_params, n_tx_ami_params, "the model's In/InOut parameters by name (tx.ami.params.NAME=VALUE), checked against the .ami file's Range/List/Increment/Corner"),
    ENUM("channel.type", ch_type, "none touchstone model taps", "model", "none, a Touchstone file, the analytic loss model, or symbol-spaced taps"),
    PATH("channel.file", ch_file, "\"\"", "Touchstone .s2p/.s4p file (type touchstone)"),
    ILIST("channel.port_order", port_order, n_port_order, 4, 1, 4, "[]", "in+, in-, out+, out- ports ([] = detect from the DC thru)"),
    INT("channel.lane", lane, 1, 16, "1", "multi-lane Touchstone file: the victim lane (1-based, in the order of channel.lane_map)"),
    ILIST("channel.lane_map", lane_map, n_lane_map, 64, 1, 64, "[]", "multi-lane file: in+, in-, out+, out- of each lane, 4 ports a lane ([] = detect from the DC thru: blocks of four ports or the two halves facing each other)"),
    BOOL("channel.lane_crosstalk", lane_crosstalk, "true", "multi-lane file: every other lane is an aggressor (its input pair into the victim's output pair), each with its own random pattern"),
    DLIST("channel.lane_amplitudes_v", lane_amplitude_v, n_lane_amplitude, P4_MAX_XTALK, 0, 5, "[]", "multi-lane file: the other lanes' peak amplitudes [V], in lane order ([] = tx.amplitude_v)"),
    DLIST("channel.taps", ch_taps, n_ch_taps, P4_MAX_TAPS, -10, 10, "[1.0]", "symbol-spaced channel taps (type taps), e.g. [1, 0.6] for 1 + 0.6D"),
    DBL("channel.il_nyquist_db", il_nyquist_db, 0, 80, "28", "loss model: insertion loss at baud/2 [dB]"),
    DBL("channel.skin_fraction", skin_fraction, 0, 1, "0.3", "loss model: share of the Nyquist loss from the skin-effect sqrt(f) term (rest: dielectric, f)"),
    DBL("channel.length_mm", length_mm, 0, 10000, "150", "loss model: trace length [mm] (sets the flight delay)"),
    DBL("channel.delay_ps_per_mm", delay_ps_per_mm, 1, 20, "6.5", "loss model: propagation delay [ps/mm] (PCB stripline 6-7)"),
    DBL("channel.reflection_coeff", reflection_coeff, -0.9, 0.9, "0", "loss model: echo amplitude relative to the thru (0: no reflection)"),
    DBL("channel.reflection_delay_ps", reflection_delay_ps, 0, 10000, "200", "loss model: echo delay after the main arrival [ps]"),
    DBL("channel.taper_fraction", taper_fraction, 0, 0.5, "0", "Touchstone: raised-cosine roll-off over this top fraction of the file's band (a file on a uniform grid from DC needs none)"),
    DBL("channel.length_scale", length_scale, 0.05, 20, "1", "Touchstone: length factor k of the measured channel, a k-times longer line of the same construction (|H|^k, k x the unwrapped phase; the crosstalk paths get the same added section H^(k-1))"),
    DBL("channel.extra_loss_db", ch_extra_loss_db, 0, 80, "0", "a loss-model section in series at the receiver (loss at baud/2 [dB], shape from channel.skin_fraction), on the channel and every crosstalk path"),
    ENUM("channel.position", ch_position, "tx rx both", "tx", "with optics.enable: the channel before the driver (tx), after the TIA (rx), or the same channel at both (a linear module between two host boards)"),
    DBL("channel.impulse_max_ui", impulse_max_ui, 8, 8192, "512", "longest impulse response kept [UI]"),
    DBL("channel.reference_ohm", reference_ohm, 1, 1000, "50", "reference resistance the S-parameters are renormalized to [ohm]"),
    SLIST("crosstalk.files", xt_files, n_xt_files, P4_MAX_XTALK, "[]", "FEXT/NEXT aggressor Touchstone files, each driven by an independent random pattern"),
    DLIST("crosstalk.amplitudes_v", xt_amplitude_v, n_xt_amplitude, P4_MAX_XTALK, 0, 5, "[]", "aggressor peak amplitudes [V] ([] = tx.amplitude_v; COM: A_fe 0.413, A_ne 0.45)"),
    BOOL("optics.enable", optics_enable, "false", "optical line: channel -> driver -> laser + modulator -> fiber -> PD -> TIA -> rx (channel.* is the electrical path before the driver)"),
    DBL("optics.driver.swing_vpp", drv_swing_vpp, 0.01, 10, "1.8", "driver output swing between the outer levels [Vpp]: tx.amplitude_v maps to half of it (at DC the swing is this x the sum of tx.ffe_taps)"),
    DBL("optics.driver.bandwidth_ghz", drv_bandwidth_ghz, 0, 1000, "0", "driver 3-dB bandwidth, 2nd-order Butterworth [GHz] (0: none)"),
    DBL("optics.driver.sat_vpp", drv_sat_vpp, 0.01, INFINITY, ".inf", "driver compression: tanh saturating at this output swing [Vpp] (.inf: linear)"),
    DBL("optics.driver.peaking_db", drv_peaking_db, 0, 20, "0", "linear driver CTLE: high-frequency gain over DC [dB] (COM CTLE shape, zero and first pole at baud/4, second at baud; 0: flat) [S: LPO modules expose a few settings]"),
    DBL("optics.laser.power_dbm", laser_power_dbm, -20, 30, "10", "CW laser power into the modulator [dBm]"),
    DBL("optics.laser.rin_db_hz", laser_rin_db_hz, -INFINITY, -100, "-150", "laser relative intensity noise, one-sided [dB/Hz] (-.inf: off) [S]"),
    DBL("optics.laser.linewidth_mhz", laser_linewidth_mhz, 0, 1000, "1", "laser linewidth [MHz]: phase noise, seen through dispersion and MPI"),
    DBL("optics.laser.wavelength_nm", wavelength_nm, 700, 1700, "1311", "laser wavelength [nm] (200GBASE-DR1: 1304.5-1317.5)"),
    ENUM("optics.modulator.type", mod_type, "eml mzm", "eml", "electro-absorption modulated laser, or Mach-Zehnder (sinusoidal field transfer, chirp-free push-pull)"),
    DBL("optics.modulator.bandwidth_ghz", mod_bandwidth_ghz, 0, 1000, "70", "modulator 3-dB bandwidth on the drive voltage, 2nd-order Butterworth [GHz] (0: none)"),
    DBL("optics.modulator.insertion_loss_db", mod_il_db, 0, 30, "3", "loss at the modulator's transmission peak (EML: at the level-3 drive) [dB]"),
    DBL("optics.eml.er_db", eml_er_db, 0.5, 20, "4.5", "EML static extinction ratio between the outer levels [dB] [V: 3.8-5.2]"),
    DBL("optics.eml.rlm", eml_rlm, 0.5, 1, "0.95", "EML static RLM for equally spaced drive levels: the curvature of its exponential absorption (1: linear) [U]"),
    DBL("optics.eml.chirp_alpha", eml_alpha, -5, 5, "0.5", "EML chirp (Henry) factor: optical phase = alpha/2 ln(P) [U]"),
    DBL("optics.mzm.vpi_v", mzm_vpi_v, 0.1, 20, "3.0", "MZM half-wave voltage (push-pull) [V]"),
    DBL("optics.mzm.bias_vpi", mzm_bias_vpi, 0, 1, "0.5", "MZM bias point as a fraction of Vpi (0.5: quadrature)"),
    ENUM("optics.fiber.type", fiber_type, "smf mmf", "smf", "single-mode, or multimode (adds the modal bandwidth on the detected power)"),
    DBL("optics.fiber.length_m", fiber_length_m, 0, 200000, "500", "fiber length [m]"),
    DBL("optics.fiber.attenuation_db_km", fiber_atten_db_km, 0, 10, "0.4", "fiber attenuation [dB/km] (SMF 1310 nm: 0.35-0.5; MMF 850 nm: ~3) [U]"),
    DBLA("optics.fiber.dispersion_ps_nm_km", fiber_d_ps_nm_km, -200, 200, "auto", "chromatic dispersion D [ps/(nm km)] (auto: (S0/4)(lambda - lambda0^4/lambda^3))"),
    DBL("optics.fiber.lambda0_nm", fiber_lambda0_nm, 700, 1700, "1310", "zero-dispersion wavelength [nm] (G.652: 1300-1324) [U]"),
    DBL("optics.fiber.s0_ps_nm2_km", fiber_s0_ps_nm2_km, 0, 1, "0.092", "dispersion slope at lambda0 [ps/(nm^2 km)] (G.652: <= 0.092) [U]"),
    DBL("optics.fiber.group_index", fiber_group_index, 1, 2, "1.467", "group index: flight time = length x group index / c (1.467: 4.89 ns/m) [U]"),
    DBL("optics.fiber.field_tol_oma", fiber_field_tol_oma, 0, 0.1, "1e-3", "a dispersion whose largest effect on the received power (chirp, phase noise; averaged over a UI) stays within this fraction of the OMA is dropped and the line runs its intensity path (1e-3: at most 0.05 dB of PAM4 eye closure; 0: always the field path; measured on a probe, reported)"),
    DBL("optics.fiber.modal_bandwidth_mhz_km", fiber_emb_mhz_km, 1, 1e6, "4700", "MMF effective modal bandwidth [MHz km] (OM4 4700, OM3 2000 at 850 nm) [V]"),
    INT("optics.connectors.count", n_connectors, 0, 100, "2", "connectors in the fiber link"),
    DBL("optics.connectors.loss_db", connector_loss_db, 0, 5, "0.5", "loss per connector [dB] [U]"),
    DBL("optics.extra_loss_db", extra_loss_db, 0, 40, "0", "further link loss (splices, attenuator) [dB]"),
    DBL("optics.mpi.crosstalk_db", mpi_db, -INFINITY, -10, "-.inf", "multipath interference: power of the doubly reflected copy relative to the signal [dB] (-.inf: off; SPEC -35..-45) [U]"),
    DBL("optics.mpi.delay_ns", mpi_delay_ns, 0.01, 100, "1.0", "MPI: delay of the reflected copy [ns]"),
    DBLA("optics.rx.power_dbm", rx_power_dbm, -40, 20, "auto", "received average power [dBm] (auto: launch minus fiber, connector and extra loss)"),
    DBLA("optics.rx.oma_dbm", rx_oma_dbm, -40, 20, "auto", "received OMA (outer) [dBm], instead of optics.rx.power_dbm (auto: from the losses)"),
    DBL("optics.pd.responsivity_a_w", pd_responsivity_a_w, 0.01, 2, "0.85", "photodiode responsivity [A/W] (PIN 0.8-0.9) [U]"),
    DBL("optics.pd.dark_current_na", pd_dark_na, 0, 1e6, "5", "dark current [nA] [U]"),
    BOOL("optics.pd.shot_noise", pd_shot, "true", "shot noise of the photocurrent (one-sided PSD 2 q I)"),
    DBL("optics.tia.gain_ohm", tia_gain_ohm, 1, 1e6, "2000", "transimpedance [ohm]"),
    DBL("optics.tia.bandwidth_ghz", tia_bandwidth_ghz, 1, 1000, "55", "TIA 3-dB bandwidth, 2nd-order Butterworth [GHz] [V/U: >= 50-60]"),
    DBL("optics.tia.taper_fraction", tia_taper_fraction, 0, 0.5, "0.25", "TIA response tapered to 0 over this top fraction of the simulated band, never where the TIA is above 0.1 (raised cosine; removes the 1/t tail of a response cut at Nyquist; 0: none, as before 0.9.0)"),
    DBL("optics.tia.noise_pa_rthz", tia_noise_pa_rthz, 0, 1000, "17", "input-referred noise current density [pA/sqrt(Hz)] [V: 15-20]"),
    DBL("optics.tia.peaking_db", tia_peaking_db, 0, 20, "0", "linear TIA CTLE: high-frequency gain over DC [dB] (shape as optics.driver.peaking_db; 0: flat)"),
    DBL("optics.tia.agc_vpp", tia_agc_vpp, 0, 10, "0.5", "AGC: output swing between the outer levels [Vpp] (0: off, the fixed optics.tia.gain_ohm)"),
    DBL("optics.tia.sat_vpp", tia_sat_vpp, 0.01, INFINITY, ".inf", "receiver output compression: tanh saturating at this swing [Vpp] (.inf: linear)"),
    DBL("rx.noise.eta0_v2_per_ghz", eta0_v2_per_ghz, 0, 1e-3, "6e-9", "one-sided noise PSD at the CTLE input [V^2/GHz] (COM eta0)"),
    DBL("rx.noise.rms_v", noise_rms_v, 0, 1, "0", "white Gaussian noise at the sampler, rms [V]"),
    DBL("rx.noise.filter_ghz", noise_filter_ghz, 0, 1000, "61.625", "4th-order Butterworth RX filter 3-dB frequency [GHz] (COM f_r = 0.58 f_b; 0: off)"),
    BOOL("rx.ctle.enable", ctle_enable, "true", "continuous-time linear equalizer (COM form)"),
    DBLA("rx.ctle.g_dc_db", g_dc_db, -30, 0, "auto", "CTLE DC gain [dB] (auto: best of 0..-15 by MMSE SNR)"),
    DBLA("rx.ctle.g_dc_hp_db", g_dc_hp_db, -10, 0, "auto", "CTLE low-frequency shelf gain [dB] (auto: best of 0..-5)"),
    DBL("rx.ctle.fz_ghz", fz_ghz, 0.1, 1000, "42.5", "CTLE zero [GHz]"),
    DBL("rx.ctle.fp1_ghz", fp1_ghz, 0.1, 1000, "42.5", "CTLE first pole [GHz]"),
    DBL("rx.ctle.fp2_ghz", fp2_ghz, 0.1, 1000, "106.25", "CTLE second pole [GHz]"),
    DBL("rx.ctle.f_lf_ghz", f_lf_ghz, 0.001, 100, "1.328125", "CTLE low-frequency pole/zero [GHz]"),
    ENUM("rx.ffe.mode", ffe_mode, "mmse given", "mmse", "RX FFE coefficients: MMSE (GSL Cholesky) or given"),
    INT("rx.ffe.taps", ffe_taps, 1, 64, "24", "RX FFE taps, symbol-spaced (1: gain only)"),
    INT("rx.ffe.precursors", ffe_precursors, 0, 63, "4", "RX FFE taps before the main tap"),
    DLIST("rx.ffe.coefficients", ffe_coef, n_ffe_coef, P4_MAX_TAPS, -100, 100, "[]", "given RX FFE taps (mode given; scaled so the main cursor is 1)"),
    DBL("rx.ffe.lms_step", ffe_lms_step, 0, 0.1, "1e-5", "FFE LMS tracking step, relative (fraction of the error removed per UI; keep the LMS slower than the CDR; 0: frozen; DSP only)"),
    DBL("rx.ffe.train_step", ffe_train_step, 0, 0.1, "1e-3", "FFE LMS step during training (0: no training)"),
    INT("rx.ffe.train_symbols", train_symbols, 0, 1000000, "4096", "LMS training on the known symbols, then decision-directed [UI]"),
    INT("rx.dfe.taps", dfe_taps, 0, 64, "1", "DFE taps"),
    DLIST("rx.dfe.coefficients", dfe_coef, n_dfe_coef, P4_MAX_TAPS, -2, 2, "[]", "given DFE taps ([] = from the MMSE design)"),
    DBL("rx.dfe.lms_step", dfe_lms_step, 0, 0.1, "0", "DFE LMS tracking step, relative (0: frozen after training; tracking both FFE and DFE can drift with the CDR; DSP only)"),
    DBL("rx.dfe.train_step", dfe_train_step, 0, 0.1, "1e-3", "DFE LMS step during training"),
    DBLA("rx.sample_phase_ui", sample_phase_ui, 0, 0.9999, "auto", "sampling phase within the UI (auto: the phase of best MMSE SNR)"),
    BOOL("rx.dsp.enable", dsp_enable, "false", "bit-true DSP receiver: AGC, ADC at the recovered clock, CDR, fixed-point FFE/DFE with LMS, MLSE"),
    ENUM("rx.dsp.arith", dsp_arith, "fixed float", "fixed", "DSP arithmetic: fixed (bit-true integers) or float (the reference)"),
    INT("rx.dsp.coef_bits", coef_bits, 4, 24, "10", "FFE tap width [bits, signed]"),
    INT("rx.dsp.acc_bits", acc_bits, 8, 48, "24", "FFE accumulator width [bits, signed, saturating]"),
    INT("rx.dsp.out_bits", out_bits, 4, 16, "10", "FFE/DFE output width [bits, signed; round half up, saturate]"),
    DBL("rx.dsp.out_level_fraction", out_level_fraction, 0.1, 0.9, "0.5", "outer PAM4 level as a fraction of the output full scale"),
    INT("rx.adc.bits", adc_bits, 3, 16, "8", "ADC resolution [bits]"),
    DBLA("rx.adc.enob", adc_enob, 1, 16, "6.0", "ADC effective number of bits (noise added to reach it; auto: = bits) [U]"),
    DBL("rx.adc.agc_rms_fraction", agc_rms_fraction, 0.05, 1, "0.3", "AGC target: signal rms at the ADC as a fraction of half its full scale"),
    ENUM("rx.cdr.detector", cdr_detector, "mm bangbang none", "mm", "timing detector: baud-rate Mueller-Mueller, bang-bang (edge samples), or none (fixed phase)"),
    DBL("rx.cdr.bandwidth_mhz", cdr_bandwidth_mhz, 0.001, 2000, "4", "CDR -3 dB jitter-transfer bandwidth [MHz] [U]"),
    DBL("rx.cdr.damping", cdr_damping, 0.1, 10, "0.707", "CDR loop damping factor"),
    DBLA("rx.cdr.kp", cdr_kp, 0, 1, "auto", "proportional gain [UI per unit error] (auto: from bandwidth and damping)"),
    DBLA("rx.cdr.ki", cdr_ki, 0, 1, "auto", "integral gain [UI per unit error per UI] (auto: from bandwidth and damping)"),
    INT("rx.cdr.latency_symbols", cdr_latency, 0, 65536, "64", "loop latency: a timing error acts this many UI later [U]"),
    DBL("rx.cdr.offset_ppm", cdr_offset_ppm, -1000, 1000, "0", "RX clock frequency minus TX clock frequency [ppm]"),
    DBL("rx.cdr.initial_phase_ui", cdr_initial_phase_ui, -0.5, 0.5, "0", "CDR phase at the start of acquisition, from the nominal sampling phase [UI]"),
    INT("rx.cdr.acquire_symbols", cdr_acquire, 0, 1000000, "16384", "acquisition (before counting) with the bandwidth raised by rx.cdr.acquire_gear [UI]"),
    DBL("rx.cdr.acquire_gear", cdr_gear, 1, 64, "8", "bandwidth multiplier during acquisition"),
    DBL("rx.cdr.lock_snr_db", cdr_lock_snr_db, 0, 40, "12", "lock detector: slicer SNR over 1024 UI below which the CDR re-acquires the phase by an eye scan [dB] (0: off; a closed eye reads 10-12) [U]"),
    INT("rx.mlse.memory", mlse_memory, 0, 2, "0", "MLSE memory in symbols (0: off; needs rx.dfe.taps = memory: the 1 + aD (+ bD^2) target; DSP only)"),
    INT("rx.mlse.traceback_symbols", mlse_traceback, 1, 256, "32", "MLSE traceback depth [UI]"),
    PATH("rx.ami.model", rx_ami_model, "\"\"", "IBIS-AMI receiver model (.so) of the host SerDes: it replaces the CTLE and RX FFE; through its AMI_Init rx.dfe.taps stands for its DFE, through its AMI_GetWave its DFE and clock are its own (rx.ami.flow) (\"\": the native receiver)"),
    PATH("rx.ami.ami_file", rx_ami_file, "\"\"", ".ami parameter file of rx.ami.model (\"\": the model's file name with .ami)"),
    BOOL("rx.ami.isolate", rx_ami_isolate, "true", "run the model in a child process of its own (as tx.ami.isolate)"),
    ENUM("rx.ami.flow", rx_ami_flow, "auto init getwave", "auto", "how a sample-level run takes rx.ami.model: init (its AMI_Init response in the linear chain, rx.dfe.taps for its DFE), getwave (the RX input waveform through its AMI_GetWave, sampled at its clock times, its DFE inside; sample-level engine only), auto: getwave when the .ami says GetWave_Exists True and the model exports AMI_GetWave, else init (the statistical engine always takes init)"),
    DBL("rx.ami.timeout_s", rx_ami_timeout_s, 0, 1e6, "600", "isolated model: the longest one call may take [s] (as tx.ami.timeout_s)"),
    AMAP("rx.ami.params", rx_ami_params, n_rx_ami_params, "the model's In/InOut parameters by name (rx.ami.params.NAME=VALUE), checked against the .ami file"),
    ENUM("fec.mode", fec_mode, "none kp4 kp4_inner", "none", "FEC on real encoded data: none (tx.pattern), KP4 RS(544,514), or KP4 + Clause 177 inner code"),
    INT("fec.interleave", fec_interleave, 1, 4, "2", "KP4 codewords interleaved symbol by symbol (200G/lane: 2)"),
    INT("fec.inner_flips", fec_inner_flips, 0, 8, "4", "inner code Chase-II: least reliable bits tried (2^n patterns; 0: hard decoding)"),
    INT("fec.burst_gap_symbols", burst_gap, 0, 1000, "8", "errors closer than this many correct UI belong to one error event"),
    DBL("dsp.clock_ghz", dsp_clock_ghz, 0.1, 10, "1.0", "DSP core clock [GHz] (parallelism = baud / clock) [S]"),
    DBL("dsp.latency.adc_ns", lat_adc_ns, 0, 100, "3.0", "ADC, deserializer and AGC latency [ns] [U]"),
    INT("dsp.latency.ffe_cycles", lat_ffe_cycles, 0, 10000, "10", "FFE/DFE pipeline depth [clock cycles] (vendor claim ~10 ns) [S]"),
    INT("dsp.latency.mlse_cycles", lat_mlse_cycles, 0, 10000, "8", "MLSE pipeline depth besides the traceback [cycles] [U]"),
    INT("dsp.latency.fec_encode_cycles", lat_fec_enc_cycles, 0, 10000, "6", "RS(544,514) encode [cycles] (3 + 3 ns at 1 GHz) [S]"),
    INT("dsp.latency.fec_decode_cycles", lat_fec_dec_cycles, 0, 10000, "31", "RS(544,514) decode [cycles] (31 ns at 1 GHz) [S]"),
    INT("dsp.latency.inner_cycles", lat_inner_cycles, 0, 10000, "4", "inner-code decode [cycles] [U]"),
    DBL("dsp.latency.tx_ns", lat_dsp_tx_ns, 0, 1000, "5", "module DSP transmit path (re-timing FIFO, TX FFE, serializer, DAC) [ns] [U]"),
    DBL("measure.target_ber", target_ber, 1e-15, 0.5, "2.4e-4", "pre-FEC BER the link must meet (KP4 threshold)"),
    DBL("measure.eye_ber", eye_ber, 1e-15, 0.5, "1e-4", "BER at which eye heights and widths are measured"),
    INT("measure.eye_symbols", eye_symbols, 0, 1e15, "1000000", "symbols in the eye histogram (0: all)"),
    BOOL("tdecq.in_run", tdecq_in_run, "true", "with optics.enable, run also measures the transmitter's TDECQ"),
    BOOL("tdecq.through_fiber", tdecq_through_fiber, "false", "measure after the configured fiber (dispersion, MPI) instead of at the transmitter"),
    BOOL("tdecq.optimize", tdecq_optimize, "true", "refine the MMSE equalizer by minimising TDECQ itself (Nelder-Mead)"),
    INT("tdecq.taps", tdecq_taps, 1, 31, "15", "reference equalizer taps, T-spaced, summing to 1 (802.3dj: 15; 100G PMDs: 5)"),
    DBL("tdecq.target_ser", tdecq_target_ser, 1e-8, 0.1, "4.8e-4", "symbol error ratio defining Qt (106.25 GBd: 4.8e-4 [U]; 113.4375 GBd: 9.6e-3 [V])"),
    DBL("tdecq.scope_noise_uw", tdecq_scope_noise_uw, 0, 1e4, "0", "instrument noise sigma_S, rms [uW]"),
    DBLA("tdecq.reference_ghz", tdecq_ref_ghz, 1, 1000, "auto", "4th-order Bessel-Thomson reference receiver [GHz] (auto: baud/2)"),
    INT("stat.sps", stat_sps, 8, 128, "32", "samples per UI of the pulse response the statistical engine uses (stat and sweep --engine stat build the link at this rate)"),
    INT("stat.bins", stat_bins, 256, 16384, "2048", "amplitude bins of the statistical eye over +-2 (normalized: outer levels at +-1)"),
    DBL("stat.eye_ber", stat_eye_ber, 1e-18, 0.1, "1e-12", "BER at which the statistical eye's heights and widths are reported"),
    DBL("stat.der0", stat_der0, 1e-12, 0.1, "2e-4", "detector error ratio of the COM-style margin 20 log10(A_s/A_ni) (COM DER0)"),
    BOOL("stat.dfe_propagation", stat_dfe_prop, "true", "scale the statistical BER by the DFE's estimated error-propagation burst length"),
    DBL("module.tx.amplitude_v", mod_tx_amplitude_v, 0.001, 5, "0.5", "module DSP's line-side DAC into the driver: peak amplitude of the outer levels [V] (its host-side TX is tx.*)"),
    DLIST("module.tx.ffe_taps", mod_tx_ffe, mod_n_tx_ffe, P4_MAX_TAPS, -1, 1, "[0.0, 1.0, 0.0]", "module DSP's line-side TX FFE taps, symbol-spaced (main tap at tx.ffe_main)"),
    INT("module.rx.ffe_taps", mod_ffe_taps, 1, 64, "32", "module DSP receivers (host side and line side): FFE taps [S: 200G optical DSPs ~30-50 taps]"),
    INT("module.rx.ffe_precursors", mod_ffe_precursors, 0, 63, "6", "module DSP receivers: FFE taps before the main tap"),
    INT("module.rx.dfe_taps", mod_dfe_taps, 0, 64, "1", "module DSP receivers: DFE taps (= module.rx.mlse_memory when the MLSE is on)"),
    INT("module.rx.mlse_memory", mod_mlse_memory, 0, 2, "0", "module DSP receivers: MLSE memory [symbols] (0: DFE decisions) [S: 1-2 in 200G optical DSPs]"),
    ENUM("module.arch", mod_arch, "retimed lpo lro npo cpo", "retimed", "pam4sim module: the architecture of every lane (DR8-class: 8 x 200G)"),
    DBL("module.margin_threshold_db", mod_threshold_db, -20, 20, "0", "pam4sim module: a lane passes when its margin to measure.target_ber (statistical, COM-style at the target) is at least this [dB]"),
    DLIST("lpo.driver_peaking_db", lpo_drv_peaking_db, lpo_n_drv_peaking, P4_MAX_TAPS, 0, 20, "[0, 3, 6]", "linear module: the driver CTLE settings the host chooses from (best MMSE SNR) [dB]"),
    DLIST("lpo.tia_peaking_db", lpo_tia_peaking_db, lpo_n_tia_peaking, P4_MAX_TAPS, 0, 20, "[0, 3, 6]", "linear module: the TIA CTLE settings the host chooses from [dB]"),
    DBL("npo.host_il_db", npo_host_il_db, 0, 30, "5", "near-packaged optics: loss of the host channel from the switch package to the optical engine on the board [dB at Nyquist] [U: a few dB]"),
    DBL("npo.host_length_mm", npo_host_length_mm, 0, 1000, "30", "near-packaged optics: length of that channel [mm] (its flight time)"),
    BOOL("npo.retimed", npo_retimed, "false", "near-packaged optics with a DSP retimer in the engine (true) or linear drive from the host SerDes (false)"),
    DBL("cpo.host_il_db", cpo_host_il_db, 0, 20, "2", "co-packaged optics: loss of the die-to-engine channel on the switch substrate [dB at Nyquist] [S: XSR, about 1-3 dB]"),
    DBL("cpo.host_length_mm", cpo_host_length_mm, 0, 200, "10", "co-packaged optics: length of the die-to-engine channel [mm]"),
    ENUM("cpo.laser", cpo_laser, "external integrated", "external", "co-packaged optics: the laser as an external laser source (ELS, fiber-fed) or integrated in the engine"),
    DBL("cpo.els_loss_db", cpo_els_loss_db, 0, 20, "2", "co-packaged optics, external laser: loss from the ELS to the modulator (fiber, connectors, coupler) [dB] [U]"),
    INT("compare.budget_symbols", cmp_budget_symbols, 1000, 1e12, "200000", "symbols per segment at each point of a budget search"),
    BOOL("compare.budget_screen", cmp_budget_screen, "true", "budget search: a point first runs a quarter of compare.budget_symbols, and stops there when its BER is beyond a factor 2 of the target at 99 % confidence (the bracketing points always run in full)"),
    DBL("compare.host_il_max_db", cmp_host_il_max_db, 1, 80, "50", "budget search: highest host channel loss tried [dB at Nyquist]"),
    ENUM("compare.optical_budget", cmp_optical_budget, "oma length none", "oma", "optical budget answer: smallest received OMA, longest fiber, or none"),
    DBL("power.dsp_pj_bit", pw_dsp_pj_bit, 0, 1000, "8.75", "module DSP, both directions of a lane, per bit of lane rate [pJ/bit] [S: a DSP ~6-8 W of an 800G module: 7 W / 800 Gb/s]"),
    DBL("power.dsp_tx_share", pw_dsp_tx_share, 0, 1, "0.5", "share of the DSP's power in its transmit path (host-side RX, line-side TX), the part LRO keeps [U]"),
    DBL("power.retimed_analog_pj_bit", pw_retimed_analog_pj_bit, 0, 1000, "10", "retimed module besides its DSP (laser, driver, PD/TIA, control) [pJ/bit] [S: 800G DSP module 14-16 W less its DSP: 8 W / 800 Gb/s]"),
    DBL("power.linear_analog_pj_bit", pw_linear_analog_pj_bit, 0, 1000, "10.6", "linear module (laser, linear driver and TIA with CTLE, control) [pJ/bit] [S: 800G LPO 8-9 W: 8.5 W / 800 Gb/s]"),
    DBL("power.host_serdes_pj_bit", pw_host_serdes_pj_bit, 0, 1000, "0", "host SerDes, both ends of a lane [pJ/bit] (the same in every architecture; 0: not counted)"),
    DBL("power.lane_gbps", pw_lane_gbps, 1, 10000, "200", "data rate of a lane [Gb/s] (the pJ/bit figures are per bit of it)"),
    INT("power.lanes_per_module", pw_lanes, 1, 64, "8", "lanes per module (1.6T = 8 x 200G)"),
    INT("power.ports", pw_ports, 0, 1e9, "32000", "ports (modules) in the deployment, for the yearly energy [S: the 32,000-port example]"),
    DBL("power.hours_per_year", pw_hours_per_year, 0, 8784, "8766", "hours a year the ports run (365.25 x 24)"),
    DBL("power.price_per_kwh", pw_price_per_kwh, 0, 100, "0.10", "electricity price per kWh (currency as you read it) [U]"),
    DBL("power.npo_analog_pj_bit", pw_npo_analog_pj_bit, 0, 1000, "8", "near-packaged optical engine, linear (laser, driver, PD/TIA, control) [pJ/bit] [U: between LPO and CPO]"),
    DBL("power.cpo_engine_pj_bit", pw_cpo_engine_pj_bit, 0, 1000, "4", "co-packaged optical engine without its laser (modulator driver, PD/TIA, control) [pJ/bit] [S: CPO switches claim about 3.5x less optics power than pluggables: 15 W / 800 Gb/s / 3.5 = 5.4 pJ/bit with the laser]"),
    DBL("power.cpo_laser_pj_bit", pw_cpo_laser_pj_bit, 0, 1000, "1.5", "co-packaged optics: the laser (ELS or integrated), wall-plug [pJ/bit] [U]"),
    ENUM("variation.laser_power_db.dist", vary_dist[0], "normal uniform", "normal", "population: distribution of the laser power: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.laser_power_db.width", vary_width[0], 0, 1000, "0.5", "population: spread of the laser power [dB] (optics.laser.power_dbm) (0: fixed)"),
    ENUM("variation.laser_power_db.scope", vary_scope[0], "lane module", "lane", "population: drawn for each lane or once per module"),
    ENUM("variation.er_db.dist", vary_dist[1], "normal uniform", "normal", "population: distribution of the EML extinction ratio: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.er_db.width", vary_width[1], 0, 1000, "0.3", "population: spread of the EML extinction ratio [dB] (optics.eml.er_db) (0: fixed)"),
    ENUM("variation.er_db.scope", vary_scope[1], "lane module", "lane", "population: drawn for each lane or once per module"),
    ENUM("variation.modulator_bandwidth_ghz.dist", vary_dist[2], "normal uniform", "normal", "population: distribution of the modulator bandwidth: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.modulator_bandwidth_ghz.width", vary_width[2], 0, 1000, "3", "population: spread of the modulator bandwidth [GHz] (optics.modulator.bandwidth_ghz) (0: fixed)"),
    ENUM("variation.modulator_bandwidth_ghz.scope", vary_scope[2], "lane module", "lane", "population: drawn for each lane or once per module"),
    ENUM("variation.tia_bandwidth_ghz.dist", vary_dist[3], "normal uniform", "normal", "population: distribution of the TIA bandwidth: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.tia_bandwidth_ghz.width", vary_width[3], 0, 1000, "3", "population: spread of the TIA bandwidth [GHz] (optics.tia.bandwidth_ghz) (0: fixed)"),
    ENUM("variation.tia_bandwidth_ghz.scope", vary_scope[3], "lane module", "lane", "population: drawn for each lane or once per module"),
    ENUM("variation.driver_swing_vpp.dist", vary_dist[4], "normal uniform", "normal", "population: distribution of the driver swing: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.driver_swing_vpp.width", vary_width[4], 0, 1000, "0.03", "population: spread of the driver swing [Vpp] (optics.driver.swing_vpp) (0: fixed)"),
    ENUM("variation.driver_swing_vpp.scope", vary_scope[4], "lane module", "lane", "population: drawn for each lane or once per module"),
    ENUM("variation.host_loss_db.dist", vary_dist[5], "normal uniform", "normal", "population: distribution of the host channel loss at Nyquist: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.host_loss_db.width", vary_width[5], 0, 1000, "0.5", "population: spread of the host channel loss at Nyquist [dB] (channel.il_nyquist_db, loss model) (0: fixed)"),
    ENUM("variation.host_loss_db.scope", vary_scope[5], "lane module", "lane", "population: drawn for each lane or once per module"),
    ENUM("variation.fiber_length_m.dist", vary_dist[6], "normal uniform", "uniform", "population: distribution of the fiber length: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.fiber_length_m.width", vary_width[6], 0, 1000, "0", "population: spread of the fiber length [m] (optics.fiber.length_m) (0: fixed)"),
    ENUM("variation.fiber_length_m.scope", vary_scope[6], "lane module", "module", "population: drawn for each lane or once per module"),
    ENUM("variation.connector_loss_db.dist", vary_dist[7], "normal uniform", "normal", "population: distribution of the loss per connector: normal (width = sigma) or uniform (width = half range)"),
    DBL("variation.connector_loss_db.width", vary_width[7], 0, 1000, "0.1", "population: spread of the loss per connector [dB] (optics.connectors.loss_db) (0: fixed)"),
    ENUM("variation.connector_loss_db.scope", vary_scope[7], "lane module", "lane", "population: drawn for each lane or once per module"),
    SETPATH("com.params", com_params, "\"\"", "COM (IEEE 802.3 Annex 93A/178A) parameter set: a shipped name (8023dj-kr, 8023dj-cr, 8023dj-c2m, 8023ck-kr) or a YAML table; with it, sweep --engine com and p4_com_run_config compute COM of channel.file (type touchstone) against crosstalk.files (\"\": none)"),
    DBLA("com.threshold_db", com_threshold_db, -20, 20, "auto", "COM pass threshold [dB] (auto: the set's threshold_db, 3 dB in the shipped sets)"),
    ILIST("com.next_files", com_next, n_com_next, P4_MAX_XTALK, 0, P4_MAX_XTALK, "[]", "positions (1-based) in crosstalk.files of COM's NEXT aggressors, the others FEXT ([]: the files whose name contains 'next' in any case; [0]: none)"),
};
#define NKEYS (sizeof keys / sizeof keys[0])

static const kdef *find_key(const char *path)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(keys[i].key, path)) return &keys[i];
    return NULL;
}

/* "; did you mean 'KEY'?" for the nearest key to a misspelt one, or "" (buf holds the text). */
static const char *did_you_mean(const char *path, char *buf, size_t n)
{
    p4_suggest s;
    p4_suggest_start(&s, path);
    for (size_t i = 0; i < NKEYS; i++) p4_suggest_add(&s, keys[i].key);
    const char *best = p4_suggest_best(&s);
    if (best) snprintf(buf, n, "; did you mean '%s'?", best);
    else buf[0] = 0;
    return buf;
}

p4_status p4_config_number(const p4_config *c, const char *key, double *v, double *lo, double *hi)
{
    const kdef *k = find_key(key);
    if (!k || (k->type != T_DBL && k->type != T_INT))
        return p4_error(P4_EINVAL, "'%s' is not a numeric configuration key", key);
    const char *b = (const char *)c + k->off;
    *v = k->type == T_DBL ? *(const double *)b : (double)*(const int64_t *)b;
    if (lo) *lo = k->min;
    if (hi) *hi = k->max;
    return P4_OK;
}

int p4_config_has_key(const char *key) { return find_key(key) != NULL; }

static int is_prefix(const char *path)
{
    size_t n = strlen(path);
    for (size_t i = 0; i < NKEYS; i++)
        if (!strncmp(keys[i].key, path, n) && keys[i].key[n] == '.') return 1;
    return 0;
}

p4_status p4_parse_int64(const char *txt, int64_t *v)
{
    char *end;
    errno = 0;
    long long x = strtoll(txt, &end, 10);
    if (end != txt && !*end && !errno) {
        *v = x;
        return P4_OK;
    }
    /* 1e6 or 100.0: accepted where the double is exactly that integer (below 2^53) */
    double d = strtod(txt, &end);
    if (end != txt && !*end && d == floor(d) && fabs(d) <= 9007199254740992.0) {
        *v = (int64_t)d;
        return P4_OK;
    }
    return p4_error(P4_EPARSE, "'%s' is not a whole number in [-2^63, 2^63)", txt);
}

/* where: "FILE:LINE" or "--set" for messages */
static p4_status parse_double(const kdef *k, const char *txt, double *v, const char *where)
{
    char *end;
    if (k->auto_ok && !strcasecmp(txt, "auto")) {
        *v = NAN;
        return P4_OK;
    }
    if (!strcasecmp(txt, ".inf") || !strcasecmp(txt, "inf")) *v = INFINITY;
    else if (!strcasecmp(txt, "-.inf") || !strcasecmp(txt, "-inf")) *v = -INFINITY;
    else {
        *v = strtod(txt, &end);
        if (end == txt || *end || isnan(*v))
            return p4_error(P4_EPARSE, "%s: key '%s': '%s' is not a number%s", where, k->key, txt,
                            k->auto_ok ? " or auto" : "");
    }
    if (!(*v >= k->min && *v <= k->max))
        return p4_error(P4_EINVAL, "%s: key '%s' = %s is out of range [%g, %g]%s", where, k->key, txt, k->min,
                        k->max, k->auto_ok ? " (or auto)" : "");
    return P4_OK;
}

static p4_status set_scalar(p4_config *c, const kdef *k, const char *txt, const char *where, int idx)
{
    char *base = (char *)c + k->off;
    double v;
    p4_status st;
    switch (k->type) {
    case T_DBL:
    case T_DLIST:
        if ((st = parse_double(k, txt, &v, where))) return st;
        ((double *)base)[idx] = v;
        return P4_OK;
    case T_INT:
    case T_ILIST: {
        int64_t iv;
        if (p4_parse_int64(txt, &iv)) {
            char *end;
            double d = strtod(txt, &end);
            if (end == txt || *end || isnan(d))
                return p4_error(P4_EPARSE, "%s: key '%s': '%s' is not a number", where, k->key, txt);
            return p4_error(P4_EINVAL, "%s: key '%s' = %s must be a whole number in [%.0f, %.0f]", where, k->key, txt,
                            k->min, k->max);
        }
        /* the limits are whole numbers below 2^63, exact as doubles and as integers */
        if (iv < (int64_t)k->min || iv > (int64_t)k->max)
            return p4_error(P4_EINVAL, "%s: key '%s' = %s is out of range [%.0f, %.0f]", where, k->key, txt, k->min,
                            k->max);
        ((int64_t *)base)[idx] = iv;
        return P4_OK;
    }
    case T_BOOL:
        if (!strcasecmp(txt, "true") || !strcasecmp(txt, "yes") || !strcasecmp(txt, "on")) *(int *)base = 1;
        else if (!strcasecmp(txt, "false") || !strcasecmp(txt, "no") || !strcasecmp(txt, "off")) *(int *)base = 0;
        else return p4_error(P4_EPARSE, "%s: key '%s' = '%s' must be true or false", where, k->key, txt);
        return P4_OK;
    case T_ENUM: {
        const char *p = k->choices;
        size_t n = strlen(txt);
        while (p && *p) {
            const char *sp = strchr(p, ' ');
            size_t len = sp ? (size_t)(sp - p) : strlen(p);
            if (len == n && !strncasecmp(p, txt, n)) {
                snprintf(base, 16 + (k->off == O(pattern)) * 16, "%.*s", (int)len, p);
                return P4_OK;
            }
            p = sp ? sp + 1 : NULL;
        }
        return p4_error(P4_EINVAL, "%s: key '%s' = '%s' is not allowed (allowed: %s)", where, k->key, txt,
                        k->choices);
    }
    case T_STR:
    case T_PATH:
    case T_SLIST:
        if (strlen(txt) >= P4_PATH_MAX)
            return p4_error(P4_EINVAL, "%s: key '%s': the path is longer than %d characters", where, k->key,
                            P4_PATH_MAX - 1);
        if (k->name_ok && *txt) { /* a set: it must load (its own errors name its file, line and key) */
            p4_com_params p;
            if (p4_com_params_load(txt, &p)) {
                char why[512];
                snprintf(why, sizeof why, "%s", p4_last_error());
                return p4_error(P4_EINVAL, "%s: key '%s' = '%s': %s", where, k->key, txt, why);
            }
        }
        snprintf(base + (k->type == T_SLIST ? (size_t)idx * P4_PATH_MAX : 0), P4_PATH_MAX, "%s", txt);
        return P4_OK;
    case T_AMAP: break;
    }
    return P4_OK;
}

/* One "name=value" of a T_AMAP key (a later value of a name replaces the earlier one). Names and
 * values are checked against the model's .ami file when the link loads it. */
static p4_status amap_set(p4_config *c, const kdef *k, const char *name, const char *val, const char *where)
{
    char (*e)[P4_AMI_PARAM_MAX] = (char (*)[P4_AMI_PARAM_MAX])((char *)c + k->off);
    int64_t *cnt = (int64_t *)((char *)c + k->count_off);
    size_t nl = strlen(name);
    if (!nl || strchr(name, '=') || nl + strlen(val) + 2 > P4_AMI_PARAM_MAX)
        return p4_error(P4_EINVAL, "%s: key '%s.%s': a parameter name and value of at most %d characters", where, k->key, name,
                        P4_AMI_PARAM_MAX - 2);
    int64_t i = 0;
    while (i < *cnt && !(strncmp(e[i], name, nl) == 0 && e[i][nl] == '=')) i++;
    if (i == *cnt) {
        if (*cnt == k->maxn) return p4_error(P4_EINVAL, "%s: key '%s': at most %d parameters", where, k->key, k->maxn);
        (*cnt)++;
    }
    snprintf(e[i], P4_AMI_PARAM_MAX, "%s=%s", name, val);
    return P4_OK;
}

static int is_list(const kdef *k) { return k->type == T_DLIST || k->type == T_ILIST || k->type == T_SLIST; }

/* relative file names in a config file are taken from the file's folder */
static void resolve_path(char *dst, size_t n, const char *txt, const char *dir)
{
    if (!dir || !*dir || txt[0] == '/' || !txt[0]) snprintf(dst, n, "%s", txt);
    else snprintf(dst, n, "%s/%s", dir, txt);
}

/* Line (1-based) of a node: libfyaml 0.7 keeps marks on tokens, so look through to a scalar. */
static int node_line(struct fy_node *n)
{
    for (int depth = 0; n && depth < 8; depth++) {
        if (fy_node_is_scalar(n)) {
            struct fy_token *t = fy_node_get_scalar_token(n);
            const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
            return m ? m->line + 1 : 0;
        }
        void *it = NULL;
        if (fy_node_is_sequence(n)) n = fy_node_sequence_iterate(n, &it);
        else {
            struct fy_node_pair *pr = fy_node_mapping_iterate(n, &it);
            n = pr ? fy_node_pair_key(pr) : NULL;
        }
    }
    return 0;
}

/* line: of the key, for a value without a line of its own (an empty one) */
static p4_status set_node(p4_config *c, const kdef *k, struct fy_node *n, const char *file, const char *dir, int line)
{
    char where[P4_PATH_MAX + 32];
    int vl = node_line(n);
    if (file) snprintf(where, sizeof where, "%s:%d", file, vl ? vl : line);
    else snprintf(where, sizeof where, "--set");
    if (fy_node_is_alias(n))
        return p4_error(P4_EPARSE, "%s: key '%s': YAML aliases (*name) are not accepted; write the value", where, k->key);
    if (fy_node_is_scalar(n) && !fy_node_get_scalar_length(n) && fy_node_get_style(n) != FYNS_SINGLE_QUOTED &&
        fy_node_get_style(n) != FYNS_DOUBLE_QUOTED)
        return p4_error(P4_EPARSE, "%s: key '%s' has no value", where, k->key);
    char tmp[2 * P4_PATH_MAX];
    if (k->type == T_AMAP) {
        if (!fy_node_is_mapping(n)) return p4_error(P4_EPARSE, "%s: key '%s' must be a mapping of parameter names to values", where, k->key);
        void *it = NULL;
        struct fy_node_pair *pr;
        while ((pr = fy_node_mapping_iterate(n, &it))) {
            struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
            if (!kn || !vn || !fy_node_is_scalar(kn) || !fy_node_is_scalar(vn))
                return p4_error(P4_EPARSE, "%s: key '%s': each entry is NAME: VALUE", where, k->key);
            p4_status st = amap_set(c, k, fy_node_get_scalar0(kn), fy_node_get_scalar0(vn), where);
            if (st) return st;
        }
        return P4_OK;
    }
    if (is_list(k)) {
        int64_t *cnt = (int64_t *)((char *)c + k->count_off);
        if (fy_node_is_scalar(n)) { /* a single value is a one-element list */
            const char *t = fy_node_get_scalar0(n);
            if (k->type == T_SLIST) resolve_path(tmp, sizeof tmp, t, dir), t = tmp;
            p4_status st = set_scalar(c, k, t, where, 0);
            if (!st) *cnt = 1;
            return st;
        }
        if (!fy_node_is_sequence(n))
            return p4_error(P4_EPARSE, "%s: key '%s' must be a list", where, k->key);
        int len = fy_node_sequence_item_count(n);
        if (len > k->maxn)
            return p4_error(P4_EINVAL, "%s: key '%s' has %d entries (at most %d)", where, k->key, len, k->maxn);
        void *iter = NULL;
        struct fy_node *it;
        int i = 0;
        while ((it = fy_node_sequence_iterate(n, &iter))) {
            if (!fy_node_is_scalar(it) || fy_node_is_alias(it))
                return p4_error(P4_EPARSE, "%s: key '%s': list entries must be plain values (no lists, maps or *aliases)",
                                where, k->key);
            const char *t = fy_node_get_scalar0(it);
            if (k->type == T_SLIST) resolve_path(tmp, sizeof tmp, t, dir), t = tmp;
            p4_status st = set_scalar(c, k, t, where, i++);
            if (st) return st;
        }
        *cnt = i;
        return P4_OK;
    }
    if (!fy_node_is_scalar(n)) return p4_error(P4_EPARSE, "%s: key '%s' must be a single value", where, k->key);
    const char *t = fy_node_get_scalar0(n);
    if (k->type == T_PATH && !(k->name_ok && !p4_com_is_path(t))) resolve_path(tmp, sizeof tmp, t, dir), t = tmp;
    return set_scalar(c, k, t, where, 0);
}

static p4_status apply_map(p4_config *c, const char *prefix, struct fy_node *map, const char *file, const char *dir)
{
    void *iter = NULL;
    struct fy_node_pair *pr;
    while ((pr = fy_node_mapping_iterate(map, &iter))) {
        struct fy_node *kn = fy_node_pair_key(pr), *vn = fy_node_pair_value(pr);
        int line = node_line(kn);
        const char *kt = kn && fy_node_is_scalar(kn) ? fy_node_get_scalar0(kn) : "?";
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", kt);
        const kdef *k = find_key(path);
        p4_status st;
        if (k) {
            if (!vn) return p4_error(P4_EPARSE, "%s:%d: key '%s' has no value", file, line, path);
            st = set_node(c, k, vn, file, dir, line);
        } else if (is_prefix(path)) {
            if (!vn || !fy_node_is_mapping(vn))
                return p4_error(P4_EPARSE, "%s:%d: key '%s' must be a mapping of keys", file, line,
                                path);
            st = apply_map(c, path, vn, file, dir);
        } else {
            char dym[128];
            return p4_error(P4_EINVAL, "%s:%d: unknown key '%s'%s (run 'pam4sim config' for every key)", file,
                            line, path, did_you_mean(path, dym, sizeof dym));
        }
        if (st) return st;
    }
    return P4_OK;
}

void p4_config_default(p4_config *c)
{
    memset(c, 0, sizeof *c);
    for (size_t i = 0; i < NKEYS; i++) {
        struct fy_document *d = fy_document_build_from_string(NULL, keys[i].def, FY_NT);
        if (d && fy_document_root(d)) set_node(c, &keys[i], fy_document_root(d), NULL, NULL, 0);
        else if (keys[i].type == T_PATH) ((char *)c + keys[i].off)[0] = 0;
        fy_document_destroy(d);
    }
}

/* A configuration file is small: anything larger is not one. */
#define P4_CONFIG_MAX_BYTES (16 << 20)

static p4_status apply_root(p4_config *c, struct fy_node *root, const char *path, const char *dir)
{
    if (!fy_node_is_mapping(root))
        return p4_error(P4_EPARSE, "%s:%d: the configuration must be a mapping of keys", path,
                        node_line(root) ? node_line(root) : 1);
    return apply_map(c, "", root, path, dir);
}

p4_status p4_config_load(p4_config *c, const char *path)
{
    if (strlen(path) >= P4_PATH_MAX)
        return p4_error(P4_EINVAL, "%.64s...: the path is longer than %d characters", path, P4_PATH_MAX - 1);
    char *text;
    size_t len;
    p4_status rs = p4_yaml_read_file(path, P4_CONFIG_MAX_BYTES, "the configuration", &text, &len);
    if (rs) return rs;
    p4_yaml y;
    p4_status st = p4_yaml_parse(&y, text, len, path);
    if (!st) {
        char dir[P4_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0; else dir[0] = 0;
        st = apply_root(c, fy_document_root(y.doc), path, dir);
        p4_yaml_free(&y);
    }
    free(text);
    return st;
}

p4_status p4_config_set(p4_config *c, const char *as)
{
    const char *eq = strchr(as, '=');
    if (!eq) return p4_error(P4_EINVAL, "--set '%.200s': expected key=value", as);
    char key[256];
    if (eq - as >= (long)sizeof key) return p4_error(P4_EINVAL, "--set: unknown key '%.64s...'", as);
    snprintf(key, sizeof key, "%.*s", (int)(eq - as), as);
    const kdef *k = find_key(key);
    const char *val = eq + 1;
    for (size_t i = 0; !k && i < NKEYS; i++) { /* tx.ami.params.NAME=VALUE */
        size_t L = strlen(keys[i].key);
        if (keys[i].type == T_AMAP && !strncmp(key, keys[i].key, L) && key[L] == '.')
            return amap_set(c, &keys[i], key + L + 1, val, "--set");
    }
    if (!k) {
        char dym[128];
        return p4_error(P4_EINVAL, "--set: unknown key '%s'%s (run 'pam4sim config' for every key)", key,
                        did_you_mean(key, dym, sizeof dym));
    }
    char where[300];
    snprintf(where, sizeof where, "--set %s", key);
    p4_yaml y;
    const char *txt = *val ? val : "\"\"";
    p4_status st = p4_yaml_parse(&y, txt, strlen(txt), where);
    if (st) return st;
    st = set_node(c, k, fy_document_root(y.doc), NULL, NULL, 0);
    p4_yaml_free(&y);
    return st;
}

int64_t p4_unit_symbols(const p4_config *c)
{
    return c->unit_symbols ? c->unit_symbols : c->dsp_enable ? 131072 : 32768;
}

p4_status p4_config_validate(const p4_config *c)
{
    if (c->unit_symbols != 0 && c->unit_symbols < 1024)
        return p4_error(P4_EINVAL, "key 'sim.unit_symbols' = %lld must be 0 (automatic) or in [1024, 1048576]",
                        (long long)c->unit_symbols);
    if (c->n_tx_ffe < 1) return p4_error(P4_EINVAL, "key 'tx.ffe_taps' needs at least one tap");
    if (c->tx_ffe_main >= c->n_tx_ffe)
        return p4_error(P4_EINVAL, "key 'tx.ffe_main' = %lld must be below the number of TX FFE taps (%lld)",
                        (long long)c->tx_ffe_main, (long long)c->n_tx_ffe);
    if (c->ffe_precursors >= c->ffe_taps)
        return p4_error(P4_EINVAL, "key 'rx.ffe.precursors' = %lld must be in [0, rx.ffe.taps - 1 = %lld]",
                        (long long)c->ffe_precursors, (long long)c->ffe_taps - 1);
    if (!strcmp(c->ffe_mode, "given") && c->n_ffe_coef != c->ffe_taps)
        return p4_error(P4_EINVAL, "key 'rx.ffe.coefficients' has %lld values; rx.ffe.taps is %lld",
                        (long long)c->n_ffe_coef, (long long)c->ffe_taps);
    if (c->n_dfe_coef && c->n_dfe_coef != c->dfe_taps)
        return p4_error(P4_EINVAL, "key 'rx.dfe.coefficients' has %lld values; rx.dfe.taps is %lld",
                        (long long)c->n_dfe_coef, (long long)c->dfe_taps);
    if (c->n_port_order != 0 && c->n_port_order != 4)
        return p4_error(P4_EINVAL, "key 'channel.port_order' needs 4 ports (in+, in-, out+, out-) or []");
    if (!strcmp(c->ch_type, "touchstone") && !c->ch_file[0])
        return p4_error(P4_EINVAL, "key 'channel.file' is required when channel.type is touchstone");
    if (c->n_xt_amplitude && c->n_xt_amplitude != c->n_xt_files)
        return p4_error(P4_EINVAL, "key 'crosstalk.amplitudes_v' has %lld values for %lld files",
                        (long long)c->n_xt_amplitude, (long long)c->n_xt_files);
    if (c->mlse_memory && c->dfe_taps != c->mlse_memory)
        return p4_error(P4_EINVAL, "key 'rx.mlse.memory' = %lld needs rx.dfe.taps = %lld (the MLSE target taps; %lld given)",
                        (long long)c->mlse_memory, (long long)c->mlse_memory, (long long)c->dfe_taps);
    if (!c->dsp_enable && c->sj_ps * 1e-3 * c->baud_gbd > 0.49)
        return p4_error(P4_EINVAL, "key 'tx.jitter.sj_ps' = %g is above 0.49 UI (%.3g ps): larger SJ needs rx.dsp.enable = true",
                        c->sj_ps, 0.49e3 / c->baud_gbd);
    if (c->mlse_memory && !c->dsp_enable)
        return p4_error(P4_EINVAL, "key 'rx.mlse.memory' needs rx.dsp.enable = true");
    if (!isnan(c->rx_power_dbm) && !isnan(c->rx_oma_dbm))
        return p4_error(P4_EINVAL, "keys 'optics.rx.power_dbm' and 'optics.rx.oma_dbm' both set: give one (the other auto)");
    if (c->length_scale != 1 && strcmp(c->ch_type, "touchstone"))
        return p4_error(P4_EINVAL, "key 'channel.length_scale' = %g needs channel.type touchstone (it scales a measured channel; the loss model's is channel.il_nyquist_db)",
                        c->length_scale);
    if (c->ch_extra_loss_db != 0 && !strcmp(c->ch_type, "none"))
        return p4_error(P4_EINVAL, "key 'channel.extra_loss_db' = %g needs a channel (channel.type is none)", c->ch_extra_loss_db);
    if (!c->optics_enable && strcmp(c->ch_position, "tx"))
        return p4_error(P4_EINVAL, "key 'channel.position' = %s needs optics.enable = true (an electrical link's channel is its whole medium)",
                        c->ch_position);
    if (c->mod_mlse_memory && c->mod_dfe_taps != c->mod_mlse_memory)
        return p4_error(P4_EINVAL, "key 'module.rx.mlse_memory' = %lld needs module.rx.dfe_taps = %lld (%lld given)",
                        (long long)c->mod_mlse_memory, (long long)c->mod_mlse_memory, (long long)c->mod_dfe_taps);
    if (c->mod_ffe_precursors >= c->mod_ffe_taps)
        return p4_error(P4_EINVAL, "key 'module.rx.ffe_precursors' = %lld must be in [0, module.rx.ffe_taps - 1 = %lld]",
                        (long long)c->mod_ffe_precursors, (long long)c->mod_ffe_taps - 1);
    if (c->tx_ffe_main >= c->mod_n_tx_ffe)
        return p4_error(P4_EINVAL, "key 'module.tx.ffe_taps' has %lld taps; tx.ffe_main = %lld needs more",
                        (long long)c->mod_n_tx_ffe, (long long)c->tx_ffe_main);
    if (c->lpo_n_drv_peaking < 1 || c->lpo_n_tia_peaking < 1)
        return p4_error(P4_EINVAL, "keys 'lpo.driver_peaking_db' and 'lpo.tia_peaking_db' need at least one setting");
    if (!strcmp(c->tx_ami_flow, "getwave") && !c->tx_ami_model[0])
        return p4_error(P4_EINVAL, "key 'tx.ami.flow' = getwave needs a transmitter model (tx.ami.model)");
    if (!strcmp(c->rx_ami_flow, "getwave") && !c->rx_ami_model[0])
        return p4_error(P4_EINVAL, "key 'rx.ami.flow' = getwave needs a receiver model (rx.ami.model)");
    if (c->rx_ami_model[0] && c->dsp_enable)
        return p4_error(P4_EINVAL, "key 'rx.ami.model' is the host receiver: it cannot run with rx.dsp.enable = true (the bit-true DSP receiver)");
    if (!strcmp(c->tx_filter, "bessel") && c->tx_bandwidth_ghz <= 0)
        return p4_error(P4_EINVAL, "key 'tx.bandwidth_ghz' must be > 0 for tx.filter bessel");
    if (c->com_params[0] && strcmp(c->ch_type, "touchstone"))
        return p4_error(P4_EINVAL, "key 'com.params' = '%s' needs channel.type touchstone (COM takes channel.file as its thru; the channel is %s)",
                        c->com_params, c->ch_type);
    for (int64_t i = 0; i < c->n_com_next; i++)
        if (c->com_next[i] > c->n_xt_files || (c->com_next[i] == 0 && c->n_com_next > 1))
            return p4_error(P4_EINVAL, "key 'com.next_files' = %lld: a position in crosstalk.files (1 .. %lld), or [0] alone for no NEXT aggressor",
                            (long long)c->com_next[i], (long long)c->n_xt_files);
    return P4_OK;
}

/* ---- writers ---- */

static void fmt_scalar(const p4_config *c, const kdef *k, int idx, char *out, size_t n, int json, int exact)
{
    const char *base = (const char *)c + k->off;
    switch (k->type) {
    case T_DBL:
    case T_DLIST: {
        double v = ((const double *)base)[idx];
        if (isnan(v)) snprintf(out, n, json ? "\"auto\"" : "auto");
        else if (isinf(v)) snprintf(out, n, json ? "\"%s\"" : "%s", v > 0 ? ".inf" : "-.inf");
        else if (exact) snprintf(out, n, "%a", v);
        else {
            /* the shortest of 15 or 17 digits that reads back to the same double */
            snprintf(out, n, "%.15g", v);
            if (strtod(out, NULL) != v) snprintf(out, n, "%.17g", v);
        }
        break;
    }
    case T_INT:
    case T_ILIST: snprintf(out, n, "%lld", (long long)((const int64_t *)base)[idx]); break;
    case T_BOOL: snprintf(out, n, "%s", *(const int *)base ? "true" : "false"); break;
    case T_SLIST: base += (size_t)idx * P4_PATH_MAX; /* fall through */
    default: p4_json_str_buf(out, n, base); /* YAML's double-quoted strings take the same escapes */
    }
}

static void fmt_value(const p4_config *c, const kdef *k, char *out, size_t n, int json, int exact)
{
    if (k->type == T_AMAP) {
        const char (*e)[P4_AMI_PARAM_MAX] = (const char (*)[P4_AMI_PARAM_MAX])((const char *)c + k->off);
        int64_t cnt = *(const int64_t *)((const char *)c + k->count_off);
        size_t j = (size_t)snprintf(out, n, "{");
        for (int64_t i = 0; i < cnt && j < n; i++) {
            const char *eq = strchr(e[i], '=');
            int nl = (int)(eq - e[i]);
            j += (size_t)snprintf(out + j, n - j, json ? "%s\"%.*s\": \"%s\"" : "%s%.*s: \"%s\"", i ? ", " : "", nl, e[i], eq + 1);
        }
        if (j < n) snprintf(out + j, n - j, "}");
        return;
    }
    if (!is_list(k)) {
        fmt_scalar(c, k, 0, out, n, json, exact);
        return;
    }
    int64_t cnt = *(const int64_t *)((const char *)c + k->count_off);
    size_t j = (size_t)snprintf(out, n, "[");
    for (int64_t i = 0; i < cnt && j < n; i++) {
        char one[6 * P4_PATH_MAX + 8]; /* a path with every byte escaped as \u00XX */
        fmt_scalar(c, k, (int)i, one, sizeof one, json, exact);
        j += (size_t)snprintf(out + j, n - j, "%s%s", i ? ", " : "", one);
    }
    if (j < n) snprintf(out + j, n - j, "]");
}

/* Open and close nested groups between the previous key and this one. */
static int common_groups(const char *a, const char *b)
{
    int n = 0;
    for (;;) {
        const char *da = strchr(a, '.'), *db = strchr(b, '.');
        if (!da || !db || da - a != db - b || strncmp(a, b, (size_t)(da - a))) return n;
        n++;
        a = da + 1, b = db + 1;
    }
}

static void write_tree(const p4_config *c, FILE *f, int json, int with_help, int indent, int exact)
{
    const char *prev = "";
    int depth = 0;
    char val[P4_MAX_XTALK * (6 * P4_PATH_MAX + 10) + P4_AMI_MAX_PARAMS * (P4_AMI_PARAM_MAX + 8) + 64];
    if (json) fprintf(f, "{");
    for (size_t i = 0; i < NKEYS; i++) {
        const kdef *k = &keys[i];
        int keep = i ? common_groups(prev, k->key) : 0;
        for (; depth > keep; depth--)
            if (json) fprintf(f, "\n%*s}", indent + 2 * depth, "");
        /* open the groups of this key below `keep` */
        const char *p = k->key;
        for (int g = 0; g < keep; g++) p = strchr(p, '.') + 1;
        const char *dot;
        int first_in_group = 1;
        if (json && i) first_in_group = 0;
        while ((dot = strchr(p, '.'))) {
            if (json)
                fprintf(f, "%s\n%*s\"%.*s\": {", first_in_group ? "" : ",", indent + 2 * (depth + 1), "",
                        (int)(dot - p), p);
            else
                fprintf(f, "%s%*s%.*s:\n", depth == 0 && with_help && i ? "\n" : "", 2 * depth, "", (int)(dot - p), p);
            first_in_group = 1;
            depth++;
            p = dot + 1;
        }
        fmt_value(c, k, val, sizeof val, json, exact);
        if (json) {
            fprintf(f, "%s\n%*s\"%s\": %s", first_in_group ? "" : ",", indent + 2 * (depth + 1), "", p, val);
        } else {
            int w = fprintf(f, "%*s%s: %s", 2 * depth, "", p, val);
            if (with_help) {
                fprintf(f, "%*s# %s", w < 44 ? 44 - w : 1, "", k->help);
                if (k->type == T_DBL || k->type == T_INT)
                    fprintf(f, "; range %g..%g%s", k->min, k->max, k->auto_ok ? " or auto" : "");
                else if (k->type == T_ENUM) fprintf(f, "; one of: %s", k->choices);
            }
            fprintf(f, "\n");
        }
        prev = k->key;
    }
    if (json) {
        for (; depth > 0; depth--) fprintf(f, "\n%*s}", indent + 2 * depth, "");
        fprintf(f, "\n%*s}", indent, "");
    }
}

void p4_config_write_yaml(const p4_config *c, FILE *f, int with_help)
{
    if (with_help)
        fprintf(f, "# pam4sim configuration: every key with its default. Units are in the key names.\n"
                   "# Override any key with --set key=value, or keep the keys you change in a file.\n\n");
    write_tree(c, f, 0, with_help, 0, 0);
}

void p4_config_write_json(const p4_config *c, FILE *f, int indent) { write_tree(c, f, 1, 0, indent, 0); }

void p4_config_write_exact(const p4_config *c, FILE *f) { write_tree(c, f, 1, 0, 0, 1); }
