/* bench_com.c - time of a full COM (com.h) on one core and on two: the cable assembly thru with its
 * four aggressors under each shipped parameter set. Prints figures, never asserts on time; the COM
 * of the two thread counts is compared (it must be the same). Channels: $P4_CHANNELS or
 * build/channels. */
#include "bench.h"
#include <stdlib.h>
#include <sys/resource.h>

static double cpu_now(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec;
}

int main(void)
{
    const char *dir = getenv("P4_CHANNELS") ? getenv("P4_CHANNELS") : "build/channels";
    char thru[1024], a[4][1024];
    snprintf(thru, sizeof thru, "%s/CA_19p75dB_thru.s4p", dir);
    static const char *const an[4] = {"fext1", "fext2", "next1", "next2"};
    for (int i = 0; i < 4; i++) snprintf(a[i], sizeof a[i], "%s/CA_19p75dB_%s.s4p", dir, an[i]);
    const char *fx[2] = {a[0], a[1]}, *nx[2] = {a[2], a[3]};
    for (const char *const *set = p4_com_param_names(); *set; set++) {
        p4_com_params p;
        if (p4_com_params_load(*set, &p)) {
            printf("%s: %s\n", *set, p4_last_error());
            return 1;
        }
        double com[2] = {0}, wall[2] = {0}, cpu[2] = {0};
        long ev = 0;
        for (int j = 0; j < 2; j++) {
            p4_com_input in = {.thru = thru, .fext = fx, .nfext = 2, .next = nx, .nnext = 2, .threads = j + 1};
            p4_com_result r;
            double t0 = bench_now(), c0 = cpu_now();
            if (p4_com_run(&p, &in, &r)) {
                printf("%s: %s\n", *set, p4_last_error());
                return 1;
            }
            wall[j] = bench_now() - t0, cpu[j] = cpu_now() - c0, com[j] = r.com_db, ev = r.evaluated;
        }
        printf("COM %-10s CA thru + 4 aggressors  %8ld FOM points  1 thread %5.2f s (CPU %5.2f s)  2 threads %5.2f s"
               "  COM %.2f dB  same for both: %s\n",
               *set, ev, wall[0], cpu[0], wall[1], com[0], com[0] == com[1] ? "yes" : "NO");
    }
    return 0;
}
