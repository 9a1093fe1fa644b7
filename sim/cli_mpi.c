/* cli_mpi.c - running one simulation as several processes with Open MPI (`mpirun -np N pam4sim
 * run ...`). Built with -DP4_MPI by mpicc when the Makefile finds it; without it pam4sim is one
 * process and these functions say so.
 *
 * The library stays free of MPI: p4_link_run_ctl deals work units to the ranks and asks, through
 * p4_run_control.sum_u64, for words summed over all ranks (per-unit errors and the stop vote after
 * each round, the counts at checkpoints and at the end). Here that is MPI_Allreduce(MPI_SUM) on
 * MPI_UINT64_T, in slices below INT_MAX words. Every count is an integer, so the sum does not
 * depend on the order MPI adds in, and the result equals one process's for the same seed.
 */
#include "cli.h"
#include <limits.h>
#include <stdlib.h>
#ifdef P4_MPI
#include <mpi.h>

static int g_rank, g_size = 1, g_on;

static p4_status mpi_sum(void *ctx, uint64_t *v, size_t n)
{
    (void)ctx;
    for (size_t off = 0; off < n;) {
        int k = n - off > (size_t)(INT_MAX / 2) ? INT_MAX / 2 : (int)(n - off);
        if (MPI_Allreduce(MPI_IN_PLACE, v + off, k, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
            return p4_error(P4_EIO, "MPI_Allreduce failed");
        off += (size_t)k;
    }
    return P4_OK;
}

/* Started by a launcher (mpirun, srun)? Open MPI, PMIx and PMI set these for every rank; a process
 * started alone skips MPI_Init, which as a singleton spawns a runtime daemon (seconds of wall time
 * on every command). */
static int launched(void)
{
    return getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMIX_RANK") || getenv("PMI_RANK") || getenv("PMI_SIZE");
}

void cli_mpi_init(int *argc, char ***argv)
{
    int inited = 0;
    MPI_Initialized(&inited);
    if (!inited && !launched()) return; /* one process: rank 0 of 1 */
    if (!inited && MPI_Init(argc, argv) == MPI_SUCCESS) g_on = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
}

void cli_mpi_finalize(void)
{
    if (g_on) MPI_Finalize();
    g_on = 0;
}

int cli_mpi_rank(void) { return g_rank; }
int cli_mpi_size(void) { return g_size; }
const char *cli_mpi_build(void) { return "Open MPI"; }

void cli_mpi_control(p4_run_control *rc)
{
    rc->rank = g_rank, rc->nranks = g_size;
    if (g_size > 1) rc->sum_u64 = mpi_sum, rc->ctx = NULL;
}
#else
void cli_mpi_init(int *argc, char ***argv) { (void)argc, (void)argv; }
void cli_mpi_finalize(void) {}
int cli_mpi_rank(void) { return 0; }
int cli_mpi_size(void) { return 1; }
const char *cli_mpi_build(void) { return "none (mpicc was not found at build time)"; }
void cli_mpi_control(p4_run_control *rc) { rc->rank = 0, rc->nranks = 1; }
#endif
