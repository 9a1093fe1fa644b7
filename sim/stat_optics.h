/* stat_optics.h - the statistical eye's model of an optical line beyond its linear fit (private to
 * sim/stat.c; method in stat_optics.c). Every function takes the link's view with v->opt set. */
#ifndef P4_STAT_OPTICS_H
#define P4_STAT_OPTICS_H
#include "pam4sim/link.h"

/* The line's real levels on the receiver's normalized scale (ideal ones: v->lv). */
void stat_opt_levels(const p4_link_view *v, double lvr[4]);
/* Variance of the level-dependent noise (shot, RIN) at the FFE output for a victim at each level,
 * cursor d (symbols) at pulse sample offset base. */
p4_status stat_opt_level_var(const p4_link_view *v, const double lvr[4], int d, int base, double var[4]);
/* Whether the line has MPI, and its mixture for a victim at `level` (main cursor c0, Gaussian
 * variance var around each component): weights, means, variances; returns the count (64). */
int stat_opt_mpi_on(const p4_link_view *v);
int stat_opt_mpi_mix(const p4_link_view *v, int level, double c0, double var, double *wt, double *mu, double *vr);

#endif
