/* optics.h - the optical line of a link: driver, laser, modulator, fiber, photodiode, sample by sample.
 *
 * Input: the transmitter's rendered waveform in volts (after the TX FFE, the DAC/driver render and
 * the electrical path before the driver). Output: the photocurrent in amperes (or the optical power
 * in watts, for TDECQ). The TIA, the RX filter and the CTLE that follow are linear and run in the
 * link's receive FIR; the TIA's input noise is shaped there too.
 *
 * Per block of samples:
 *   v  = FIR[electrical path x driver x modulator bandwidth] (volts, x driver gain)
 *   v  = (sat/2) tanh(2 v / sat)                        driver compression
 *   P  = P_laser (1 + n_RIN) T(v)                        laser + modulator power transfer
 *   E  = sqrt(P) exp(j (alpha/2) ln P + j phi_laser)     EML (transient chirp, laser phase noise)
 *   E  = sqrt(P_laser (1 + n_RIN) IL) cos(theta(v)) e^{j phi_laser}   MZM (signed field, chirp-free)
 *   E  = sqrt(A) FIR_c[exp(j pi lambda^2 D L f^2 / c)] E fiber: dispersion on the field, loss A
 *   E += sqrt(eps) E(t - tau) exp(j psi)                 MPI: a doubly reflected copy
 *   P  = |E|^2, then the MMF modal filter (Gaussian in power) for fiber.type mmf
 *   i  = R P + I_dark + shot (sigma^2 = q i fs per sample) - I_dc   (AC-coupled TIA input)
 * The field path (complex FIR, chirp, phase noise, MPI) runs only where it changes the result:
 * without dispersion and MPI the detected power is P itself. With dispersion alone (no MPI) and
 * field_tol_oma > 0, the model measures what the field path changes: a fixed random PAM4 probe
 * (1024 symbols after the line's memory) through the line without RIN and shot noise, with and
 * without the field path (the laser's phase noise on, so that its conversion to intensity noise by
 * the dispersion counts), the difference of the powers averaged over one UI (as a receiver of about
 * baud/2 bandwidth sees it). When its largest value is at most field_tol_oma x the received OMA, the
 * dispersion is dropped (field_path 0, the value kept in field_effect_oma): the line is then the
 * intensity path, exactly as without dispersion.
 *
 * Static transfer (the power at a constant drive): EML T(u) = T3 (P0 + OMA (e^{k(u+1)/2} - 1) /
 * (e^k - 1)) in normalized drive u in [-1, 1] (outer levels), exponential absorption whose
 * curvature k is set by the static RLM (k = 0: linear; k = ln ER: pure exponential from zero drive);
 * MZM T(v) = IL cos^2((pi/2)(1 - b - v/Vpi)), b the bias in Vpi. Both are clamped to [0, P_laser].
 *
 * Units: volts, watts, amperes, seconds inside; dBm, nm, ps/(nm km), GHz in the parameters.
 */
#ifndef PAM4SIM_OPTICS_H
#define PAM4SIM_OPTICS_H
#include <stddef.h>
#include "pam4sim/response.h"
#include "pam4sim/rng.h"
#include "pam4sim/status.h"
#ifdef __cplusplus
extern "C" {
#endif

enum { P4_MOD_EML = 0, P4_MOD_MZM = 1 };

typedef struct {
    double fs_hz, baud_hz;
    size_t grid_n;               /* FFT grid of the responses (as the link's)            */
    size_t max_len;              /* longest impulse response kept [samples]              */
    /* driver */
    double drive_gain;           /* V at the modulator per V of the rendered input       */
    double drv_bandwidth_hz;     /* 0: none                                              */
    double drv_sat_vpp;          /* INFINITY: linear                                     */
    /* laser */
    double laser_w, rin_per_hz;  /* RIN linear, one-sided (0: off)                       */
    double linewidth_hz, wavelength_m;
    /* modulator */
    int mod_type;
    double mod_bandwidth_hz, il;  /* il: power transmission at the peak (linear)         */
    double swing_vpp;            /* nominal outer-level swing at the modulator [Vpp]     */
    double eml_er, eml_rlm, alpha;
    double vpi_v, bias_vpi;
    /* fiber and link loss */
    int mmf;
    double length_m, atten_db_km, d_ps_nm_km, group_index, emb_mhz_km;
    double connectors_db;        /* all connectors, extra loss                           */
    double mpi_rel;              /* 0: off                                               */
    double mpi_delay_s;
    double rx_power_dbm, rx_oma_dbm; /* NAN: from the losses                             */
    /* the drive voltages (at the driver input, DC) of the four static levels            */
    double level_drive_v[4];
    /* photodiode */
    double responsivity, dark_a;
    int shot;
    double field_tol_oma;        /* drop a dispersion whose effect is below this x OMA (0: never) */
} p4_optics_params;

/* What the optical line does to power, as set up (all powers in W at the point named). */
typedef struct {
    double eml_curvature;        /* k of the EML transfer                                */
    double launch_p[4];          /* static launch power of each level                    */
    double launch_avg_w, launch_oma_w, launch_er_db, launch_rlm;
    double fiber_loss_db, link_loss_db, applied_loss_db;
    double rx_p[4], rx_avg_w, rx_oma_w;
    double d_ps_nm_km, cd_phase_nyq_rad; /* dispersion used; pi lambda^2 D L fN^2 / c   */
    double flight_ns;
    double dc_current_a;         /* mean photocurrent (set by p4_optics_set_dc)          */
    int field_path;              /* the complex-field path is on                         */
    int field_dropped;           /* the dispersion was dropped (field_tol_oma)           */
    double field_effect_oma;     /* its measured largest effect on the power / OMA (NAN: not measured) */
    long lead;                   /* samples: output index n is time n + lead of the input */
    size_t memory;               /* samples of history the line needs (warm-up)          */
} p4_optics_info;

typedef struct p4_optics_model p4_optics_model;
typedef struct p4_optics p4_optics;

/* Build the shared model. elec: the electrical path before the driver on the same grid as
 * grid_n/fs_hz (NULL: none). NULL on bad parameters, with a message. */
p4_optics_model *p4_optics_model_create(const p4_optics_params *p, const p4_fresp *elec);
void p4_optics_model_free(p4_optics_model *m);
const p4_optics_info *p4_optics_model_info(const p4_optics_model *m);
/* The mean photocurrent the TIA input removes (AC coupling); set once before creating runners. */
void p4_optics_set_dc(p4_optics_model *m, double dc_a);
/* Static power transfer: launch power [W] at a constant drive [V at the driver input]. */
double p4_optics_static_power(const p4_optics_model *m, double drive_in_v);

/* A runner with its own filter history (one per worker). */
p4_optics *p4_optics_create(const p4_optics_model *m);
void p4_optics_destroy(p4_optics *o);
/* Forget the history; rng draws the MPI phase of the new run. */
void p4_optics_reset(p4_optics *o, p4_rng *rng);
/* What p4_optics_run outputs. */
enum { P4_OPT_CURRENT = 0, P4_OPT_POWER = 1 };
/* n samples of the rendered TX waveform v_in [V] to out[0..n): the AC-coupled photocurrent [A]
 * (P4_OPT_CURRENT) or the received optical power [W] (P4_OPT_POWER, no PD). rng: the noise
 * stream (NULL: noiseless - no RIN, phase noise or shot noise). Any n. */
void p4_optics_run(p4_optics *o, const double *v_in, size_t n, p4_rng *rng, int what, double *out);

/* Power in dBm (-INFINITY for 0 W). */
double p4_w_to_dbm(double w);
/* D(lambda) = (S0/4)(lambda - lambda0^4/lambda^3) [ps/(nm km)], lambdas in nm. */
double p4_fiber_dispersion(double lambda_nm, double lambda0_nm, double s0_ps_nm2_km);
/* 802.3 RLM of four levels: min(3 ES1, 3 ES2, 2 - 3 ES1, 2 - 3 ES2). */
double p4_rlm_of_levels(const double p[4]);

#ifdef __cplusplus
}
#endif
#endif
