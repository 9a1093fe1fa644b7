/* pam4sim.h - libpam4sim, everything: include this one header. */
#ifndef PAM4SIM_H
#define PAM4SIM_H
#include "pam4sim/status.h"
#include "pam4sim/rng.h"
#include "pam4sim/prbs.h"
#include "pam4sim/pam4.h"
#include "pam4sim/equalizer.h"
#include "pam4sim/fec.h"
#include "pam4sim/dsprx.h"
#include "pam4sim/mlse.h"
#include "pam4sim/framer.h"
#include "pam4sim/touchstone.h"
#include "pam4sim/response.h"
#include "pam4sim/fir.h"
#include "pam4sim/driver.h"
#include "pam4sim/config.h"
#include "pam4sim/measure.h"
#include "pam4sim/optics.h"
#include "pam4sim/tdecq.h"
#include "pam4sim/link.h"
#include "pam4sim/report.h"
#include "pam4sim/vectors.h"
#endif
