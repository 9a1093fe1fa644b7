/* test_run.c - long-run control: --until-errors cuts at the same unit for any thread count;
 * a stopped run resumed from its checkpoint equals the uninterrupted run word for word; damaged,
 * foreign and other-version checkpoints are refused with the reason; and two processes (here two
 * threads with a barrier-based sum standing in for MPI_Allreduce) give the one-process result. */
#include "testutil.h"
#include <pthread.h>
#include <string.h>
#include <unistd.h>

static const char *HOT[] = {"sim.symbols=400000", "sim.unit_symbols=8192", "channel.il_nyquist_db=34",
                            "rx.noise.rms_v=0.0016", "measure.eye_symbols=50000", "sim.seed=9"};
#define NHOT (sizeof HOT / sizeof *HOT)

static p4_link *make(const char *threads)
{
    p4_config c;
    p4_config_default(&c);
    for (size_t i = 0; i < NHOT; i++) cr_assert_eq(p4_config_set(&c, HOT[i]), P4_OK);
    cr_assert_eq(p4_config_set(&c, threads), P4_OK);
    p4_link *l = p4_link_create(&c);
    cr_assert_not_null(l, "%s", p4_last_error());
    return l;
}

/* The whole state of two counts, word for word. */
static int same(const p4_counts *a, const p4_counts *b)
{
    size_t n = p4_counts_pack(a, NULL);
    if (n != p4_counts_pack(b, NULL)) return 0;
    uint64_t *x = malloc(n * 8), *y = malloc(n * 8);
    p4_counts_pack(a, x), p4_counts_pack(b, y);
    int r = !memcmp(x, y, n * 8);
    free(x), free(y);
    return r;
}

static void run(const char *threads, const p4_run_control *rc, p4_counts *n, p4_run_info *ri)
{
    p4_link *l = make(threads);
    cr_assert_eq(p4_link_run_ctl(l, 0, rc, n, ri), P4_OK, "%s", p4_last_error());
    p4_link_destroy(l);
}

Test(run, until_errors_cuts_at_the_same_unit_for_any_thread_count)
{
    p4_run_control rc = {.until_errors = 150};
    p4_counts a, b;
    p4_run_info ia, ib;
    run("sim.threads=1", &rc, &a, &ia);
    run("sim.threads=2", &rc, &b, &ib);
    cr_log_info("until 150 bit errors (seed 9): %llu bit errors in %llu symbols, %llu units; -j 2 %llu in %llu",
                (unsigned long long)a.bit_errors, (unsigned long long)a.symbols, (unsigned long long)ia.units,
                (unsigned long long)b.bit_errors, (unsigned long long)b.symbols);
    cr_assert_eq(ia.end, P4_RUN_ERRORS);
    cr_assert(a.bit_errors >= 150 && a.symbols < 400000, "%llu errors in %llu symbols", (unsigned long long)a.bit_errors,
              (unsigned long long)a.symbols);
    cr_assert(same(&a, &b), "-j 1 and -j 2 stopped at different places (seed 9)");
    p4_counts_free(&a), p4_counts_free(&b);
}

Test(run, stopped_and_resumed_equals_uninterrupted)
{
    char ck[] = "/tmp/p4ckptXXXXXX";
    int fd = mkstemp(ck);
    cr_assert(fd >= 0);
    close(fd);
    p4_counts full, part, rest;
    p4_run_info ip, ir;
    run("sim.threads=2", NULL, &full, NULL);
    volatile int stop = 1; /* as if a signal came during the first round */
    p4_run_control rc = {.stop = &stop, .checkpoint = ck};
    run("sim.threads=2", &rc, &part, &ip);
    cr_assert_eq(ip.end, P4_RUN_STOPPED);
    cr_assert_eq(ip.units, 2, "one round of two units, got %llu", (unsigned long long)ip.units);
    cr_assert(part.symbols < full.symbols);
    p4_run_control r2 = {.resume = ck};
    run("sim.threads=1", &r2, &rest, &ir); /* resumed with another thread count */
    cr_assert(ir.resumed && ir.resumed_units == 2 && ir.end == P4_RUN_DONE);
    cr_log_info("stopped after %llu units (%llu symbols, %llu bit errors); resumed: %llu bit errors, uninterrupted %llu",
                (unsigned long long)ip.units, (unsigned long long)part.symbols, (unsigned long long)part.bit_errors,
                (unsigned long long)rest.bit_errors, (unsigned long long)full.bit_errors);
    cr_assert(same(&full, &rest), "the resumed run differs from the uninterrupted one");
    unlink(ck);
    p4_counts_free(&full), p4_counts_free(&part), p4_counts_free(&rest);
}

/* A resume from path must fail with an error naming the file and containing needle. */
static void refused(const char *path, const char *threads, const char *needle)
{
    p4_link *l = make(threads);
    p4_counts n;
    p4_run_control rc = {.resume = path};
    p4_status st = p4_link_run_ctl(l, 0, &rc, &n, NULL);
    cr_assert_neq(st, P4_OK, "a bad checkpoint was accepted (%s)", needle);
    cr_assert(strstr(p4_last_error(), needle) && strstr(p4_last_error(), path), "error '%s' lacks '%s'", p4_last_error(),
              needle);
    p4_counts_free(&n);
    p4_link_destroy(l);
}

Test(run, bad_checkpoints_are_refused)
{
    char ck[] = "/tmp/p4ckptXXXXXX";
    int fd = mkstemp(ck);
    close(fd);
    volatile int stop = 1;
    p4_run_control rc = {.stop = &stop, .checkpoint = ck};
    p4_counts n;
    run("sim.threads=1", &rc, &n, NULL);
    p4_counts_free(&n);
    FILE *f = fopen(ck, "rb");
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    char *buf = malloc((size_t)len);
    fseek(f, 0, SEEK_SET);
    cr_assert_eq(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    /* another configuration (seed) */
    p4_config c;
    p4_config_default(&c);
    for (size_t i = 0; i < NHOT; i++) p4_config_set(&c, HOT[i]);
    p4_config_set(&c, "sim.seed=10");
    p4_link *l = p4_link_create(&c);
    p4_run_control r2 = {.resume = ck};
    cr_assert_neq(p4_link_run_ctl(l, 0, &r2, &n, NULL), P4_OK);
    cr_assert(strstr(p4_last_error(), "another configuration"), "%s", p4_last_error());
    p4_counts_free(&n);
    p4_link_destroy(l);
    char bad[] = "/tmp/p4ckbadXXXXXX";
    fd = mkstemp(bad);
    close(fd);
    /* one flipped byte in the counts */
    buf[len / 2] ^= 0x10;
    f = fopen(bad, "wb"), fwrite(buf, 1, (size_t)len, f), fclose(f);
    refused(bad, "sim.threads=1", "corrupt (checksum)");
    buf[len / 2] ^= 0x10;
    /* another version */
    char *v = strstr(buf, "version ");
    v[8] = v[8] == '9' ? '8' : '9';
    f = fopen(bad, "wb"), fwrite(buf, 1, (size_t)len, f), fclose(f);
    refused(bad, "sim.threads=1", "checkpoints do not carry across versions");
    v[8] = P4_VERSION[0]; /* back to this version */
    /* truncated */
    f = fopen(bad, "wb"), fwrite(buf, 1, (size_t)len / 3, f), fclose(f);
    refused(bad, "sim.threads=1", "the checkpoint is truncated");
    /* not a checkpoint */
    f = fopen(bad, "wb"), fputs("hello\n", f), fclose(f);
    refused(bad, "sim.threads=1", "not a pam4sim checkpoint");
    free(buf);
    unlink(ck), unlink(bad);
}

/* Two processes stood in for by two threads: sum_u64 adds each one's words at a barrier. */
typedef struct {
    pthread_barrier_t bar;
    pthread_mutex_t mu;
    uint64_t *acc;
    size_t n;
} fake_mpi;

static p4_status fake_sum(void *ctx, uint64_t *v, size_t n)
{
    fake_mpi *m = ctx;
    if (pthread_barrier_wait(&m->bar) == PTHREAD_BARRIER_SERIAL_THREAD) {
        free(m->acc);
        m->acc = calloc(n, sizeof *m->acc);
        m->n = n;
    }
    pthread_barrier_wait(&m->bar);
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < n; i++) m->acc[i] += v[i];
    pthread_mutex_unlock(&m->mu);
    pthread_barrier_wait(&m->bar);
    memcpy(v, m->acc, n * sizeof *v);
    pthread_barrier_wait(&m->bar);
    return P4_OK;
}

typedef struct {
    int rank;
    fake_mpi *m;
    p4_link *l;
    p4_counts n;
    uint64_t until;
    p4_status st;
} rank_arg;

static void *rank_main(void *p)
{
    rank_arg *a = p;
    p4_run_control rc = {.rank = a->rank, .nranks = 2, .sum_u64 = fake_sum, .ctx = a->m, .until_errors = a->until};
    a->st = p4_link_run_ctl(a->l, 0, &rc, &a->n, NULL);
    return NULL;
}

Test(run, two_processes_equal_one)
{
    for (int with_until = 0; with_until < 2; with_until++) {
        p4_counts one;
        p4_run_control rc1 = {.until_errors = with_until ? 150 : 0};
        run("sim.threads=2", &rc1, &one, NULL);
        fake_mpi m = {.acc = NULL};
        pthread_barrier_init(&m.bar, NULL, 2);
        pthread_mutex_init(&m.mu, NULL);
        rank_arg a[2];
        pthread_t t[2];
        for (int r = 0; r < 2; r++) {
            a[r] = (rank_arg){.rank = r, .m = &m, .l = make("sim.threads=1"), .until = rc1.until_errors};
            pthread_create(&t[r], NULL, rank_main, &a[r]);
        }
        for (int r = 0; r < 2; r++) pthread_join(t[r], NULL);
        for (int r = 0; r < 2; r++) {
            cr_assert_eq(a[r].st, P4_OK, "%s", p4_last_error());
            cr_assert(same(&one, &a[r].n), "rank %d's total differs from one process (until_errors %d, seed 9)", r,
                      with_until);
        }
        cr_log_info("2 ranks x 1 thread = 1 process x 2 threads%s: %llu bit errors in %llu symbols (seed 9)",
                    with_until ? " (until 150 errors)" : "", (unsigned long long)one.bit_errors,
                    (unsigned long long)one.symbols);
        for (int r = 0; r < 2; r++) p4_counts_free(&a[r].n), p4_link_destroy(a[r].l);
        p4_counts_free(&one);
        free(m.acc);
        pthread_barrier_destroy(&m.bar);
        pthread_mutex_destroy(&m.mu);
    }
}
