/* ami_isolate.c - an IBIS-AMI model in a child process of its own (see ami.h).
 *
 * A vendor model is foreign code: it can crash, leak or scribble over memory. p4_ami_child_start
 * forks a child that loads the model and then serves calls; the parent keeps nothing of the
 * model's. The protocol, over a Unix socket pair, is one fixed-size request (operation, the call's
 * integer and double arguments, sizes) followed by the parameter string, answered by one fixed-size
 * reply (the model's return value) followed by the model's message and output parameters. The bulk
 * data (the impulse matrix; a waveform block and its clock times) lives in a shared-memory file
 * (memfd) that both processes map, grown by the parent when a call needs more; the model works on
 * it in place, so nothing is copied through the socket. If the child dies (a signal, an exit), the
 * parent's read ends at end-of-file, it reaps the child and reports the model, the call and the
 * signal; the calling process goes on. A model that does not answer within the timeout (a hang, an
 * endless loop) is killed and reported the same way.
 *
 * The child is forked without exec (no helper program to find when the library is used from any
 * program): it only loads the model, calls it and talks on its socket. stdio buffers are flushed
 * before the fork and the child leaves with _exit, so the parent's unwritten output is not written
 * twice; the child ignores SIGINT (the parent handles an interrupt and closes the model), takes the
 * default action on fatal signals (not the parent's handlers: MPI's print a backtrace) and dies
 * with its parent (PR_SET_PDEATHSIG).
 */
#include "pam4sim/ami.h"
#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int op;
    long a0, a1;
    double d0, d1;
    size_t ndata, cap, plen;
} req_t;

typedef struct {
    long ret;
    int status; /* hello: 0 loaded, 1 dlopen failed, 2 a symbol missing */
    size_t mlen, olen;
} rep_t;

struct p4_ami_child {
    pid_t pid;
    int fd, mfd;
    double *shm;
    size_t cap; /* doubles mapped */
    int dead;
    double timeout_s; /* longest wait for a reply (0: none) */
    char path[P4_PATH_MAX];
};

typedef long (*init_fn)(double *, long, long, double, double, char *, char **, void **, char **);
typedef long (*getwave_fn)(double *, long, double *, char **, void *);
typedef long (*close_fn)(void *);

static int put(int fd, const void *b, size_t n)
{
    const char *p = b;
    while (n) {
        ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k, n -= (size_t)k;
    }
    return 0;
}

static int get(int fd, void *b, size_t n)
{
    char *p = b;
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return -1;
        p += k, n -= (size_t)k;
    }
    return 0;
}

static int reply(int fd, long ret, int status, const char *msg, const char *out)
{
    rep_t r = {.ret = ret, .status = status, .mlen = msg ? strlen(msg) : 0, .olen = out ? strlen(out) : 0};
    return put(fd, &r, sizeof r) || put(fd, msg, r.mlen) || put(fd, out, r.olen);
}

/* The child: load, say hello, serve until end-of-file or 'Q'. */
static void child_main(const char *path, int fd, int mfd)
{
    /* keep stdio, the socket and the shared memory; close what else was inherited (other models'
     * sockets, opened by other threads, would otherwise hide their child's end from their parent) */
    if (dup2(fd, 100) < 0 || dup2(mfd, 101) < 0) _exit(4);
    fd = 100, mfd = 101;
    close_range(3, 99, 0);
    close_range(102, ~0U, 0);
    signal(SIGINT, SIG_IGN);
    /* a crash ends the child plainly (the parent may have installed reporting handlers, as MPI does) */
    static const int fatal[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGPIPE, SIGTERM};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], SIG_DFL);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    void *dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        reply(fd, 0, 1, dlerror(), NULL);
        _exit(0);
    }
    init_fn in = (init_fn)dlsym(dl, "AMI_Init");
    close_fn cl = (close_fn)dlsym(dl, "AMI_Close");
    getwave_fn gw = (getwave_fn)dlsym(dl, "AMI_GetWave");
    if (!in || !cl) {
        reply(fd, 0, 2, !in ? "AMI_Init" : "AMI_Close", NULL);
        _exit(0);
    }
    if (reply(fd, gw != NULL, 0, NULL, NULL)) _exit(0);
    double *shm = NULL;
    size_t cap = 0;
    void *mem = NULL;
    char *params = NULL;
    for (;;) {
        req_t q;
        if (get(fd, &q, sizeof q) || q.op == 'Q') break;
        if (q.cap != cap) {
            if (shm) munmap(shm, cap * sizeof *shm);
            shm = mmap(NULL, q.cap * sizeof *shm, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
            if (shm == MAP_FAILED) _exit(3);
            cap = q.cap;
        }
        free(params);
        params = malloc(q.plen + 1);
        if (!params || get(fd, params, q.plen)) break;
        params[q.plen] = 0;
        char *out = NULL, *msg = NULL;
        long ret = 0;
        if (q.op == 'I') {
            if (mem) cl(mem), mem = NULL;
            ret = in(shm, q.a0, q.a1, q.d0, q.d1, params, &out, &mem, &msg);
        } else if (q.op == 'G') {
            ret = gw ? gw(shm, q.a0, shm + q.a0, &out, mem) : 0;
        } else if (q.op == 'C') {
            ret = mem ? cl(mem) : 1;
            mem = NULL;
        }
        if (reply(fd, ret, 0, msg, out)) break;
    }
    _exit(0);
}

static void reap(p4_ami_child *c, const char *call)
{
    int ws = 0;
    c->dead = 1;
    pid_t r = waitpid(c->pid, &ws, 0);
    if (r == c->pid && WIFSIGNALED(ws))
        p4_error(P4_EIO, "%s: the model crashed in %s (signal %d, %s); its isolated process ended, pam4sim goes on",
                 c->path, call, WTERMSIG(ws), strsignal(WTERMSIG(ws)));
    else if (r == c->pid && WIFEXITED(ws))
        p4_error(P4_EIO, "%s: the model's process exited (status %d) in %s", c->path, WEXITSTATUS(ws), call);
    else
        p4_error(P4_EIO, "%s: lost the model's process in %s", c->path, call);
}

static char *get_str(int fd, size_t n)
{
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (get(fd, s, n)) {
        free(s);
        return NULL;
    }
    s[n] = 0;
    return s;
}

p4_ami_child *p4_ami_child_start(const char *so_path, int *has_getwave)
{
    p4_ami_child *c = calloc(1, sizeof *c);
    int sv[2] = {-1, -1};
    if (!c) {
        p4_error(P4_ENOMEM, "out of memory");
        return NULL;
    }
    snprintf(c->path, sizeof c->path, "%s", so_path);
    c->fd = c->mfd = -1;
    c->mfd = memfd_create("pam4sim-ami", 0);
    if (c->mfd < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) {
        p4_error(P4_EIO, "%s: cannot set up the model's process (%s)", so_path, strerror(errno));
        goto fail;
    }
    fflush(NULL);
    c->pid = fork();
    if (c->pid < 0) {
        p4_error(P4_EIO, "%s: cannot start the model's process (%s)", so_path, strerror(errno));
        goto fail;
    }
    if (c->pid == 0) {
        close(sv[0]);
        child_main(so_path, sv[1], c->mfd);
    }
    close(sv[1]), sv[1] = -1;
    c->fd = sv[0];
    rep_t r;
    if (get(c->fd, &r, sizeof r)) {
        reap(c, "loading");
        goto fail;
    }
    char *m = get_str(c->fd, r.mlen), *o = get_str(c->fd, r.olen);
    if (r.status == 1) p4_error(P4_EIO, "%s: cannot load the model: %s", so_path, m ? m : "?");
    else if (r.status == 2)
        p4_error(P4_EINVAL, "%s: the model has no %s (an IBIS-AMI model exports AMI_Init, AMI_Close and optionally AMI_GetWave)", so_path, m ? m : "?");
    free(m), free(o);
    if (r.status) {
        waitpid(c->pid, NULL, 0);
        c->dead = 1;
        goto fail;
    }
    *has_getwave = r.ret != 0;
    return c;
fail:
    if (sv[1] >= 0) close(sv[1]);
    p4_ami_child_stop(c);
    return NULL;
}

void p4_ami_child_set_timeout(p4_ami_child *c, double seconds) { c->timeout_s = seconds; }

/* Wait for the reply; a model that does not answer in time is killed. 0: readable. */
static int wait_reply(p4_ami_child *c, const char *call)
{
    if (c->timeout_s <= 0) return 0;
    struct pollfd pf = {.fd = c->fd, .events = POLLIN};
    double left_ms = c->timeout_s * 1e3;
    for (;;) {
        int ms = left_ms > 1e9 ? 1000000000 : (int)left_ms;
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int r = poll(&pf, 1, ms);
        if (r > 0) return 0;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        left_ms -= (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
        if ((r < 0 && errno != EINTR) || left_ms <= 0) break;
    }
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    c->dead = 1;
    p4_error(P4_EIO, "%s: the model did not return from %s within %g s (ami.timeout_s); its process was stopped", c->path, call, c->timeout_s);
    return -1;
}

static const char *call_name(int op) { return op == 'I' ? "AMI_Init" : op == 'G' ? "AMI_GetWave" : "AMI_Close"; }

p4_status p4_ami_child_call(p4_ami_child *c, int op, double *data, size_t ndata, size_t nback, long a0, long a1,
                            double d0, double d1, const char *params, long *ret, char **msg, char **out)
{
    *msg = *out = NULL;
    if (c->dead) return p4_error(P4_EIO, "%s: %s: the model's process ended earlier", c->path, call_name(op));
    if (ndata > c->cap) {
        size_t cap = ndata + ndata / 2 + 4096;
        if (c->shm) munmap(c->shm, c->cap * sizeof *c->shm), c->shm = NULL, c->cap = 0;
        if (ftruncate(c->mfd, (off_t)(cap * sizeof(double))))
            return p4_error(P4_ENOMEM, "%s: cannot size the shared memory (%s)", c->path, strerror(errno));
        double *p = mmap(NULL, cap * sizeof *p, PROT_READ | PROT_WRITE, MAP_SHARED, c->mfd, 0);
        if (p == MAP_FAILED) return p4_error(P4_ENOMEM, "%s: cannot map the shared memory (%s)", c->path, strerror(errno));
        c->shm = p, c->cap = cap;
    }
    if (ndata) memcpy(c->shm, data, ndata * sizeof *data);
    req_t q = {.op = op, .a0 = a0, .a1 = a1, .d0 = d0, .d1 = d1, .ndata = ndata, .cap = c->cap,
               .plen = params ? strlen(params) : 0};
    rep_t r;
    if (put(c->fd, &q, sizeof q) || put(c->fd, params, q.plen)) {
        reap(c, call_name(op));
        return P4_EIO;
    }
    if (wait_reply(c, call_name(op))) return P4_EIO;
    if (get(c->fd, &r, sizeof r)) {
        reap(c, call_name(op));
        return P4_EIO;
    }
    *msg = get_str(c->fd, r.mlen), *out = get_str(c->fd, r.olen);
    if (!*msg || !*out) {
        free(*msg), free(*out), *msg = *out = NULL;
        reap(c, call_name(op));
        return P4_EIO;
    }
    if (nback) memcpy(data, c->shm, nback * sizeof *data);
    *ret = r.ret;
    return P4_OK;
}

void p4_ami_child_stop(p4_ami_child *c)
{
    if (!c) return;
    if (c->fd >= 0) {
        req_t q = {.op = 'Q', .cap = c->cap};
        if (!c->dead) put(c->fd, &q, sizeof q);
        close(c->fd);
    }
    if (c->pid > 0 && !c->dead) {
        /* the child leaves at 'Q' or end-of-file; one that hangs in its model is killed after 2 s */
        int ws;
        for (int i = 0; i < 200 && waitpid(c->pid, &ws, WNOHANG) == 0; i++) nanosleep(&(struct timespec){0, 10000000}, NULL);
        if (waitpid(c->pid, &ws, WNOHANG) == 0) kill(c->pid, SIGKILL), waitpid(c->pid, &ws, 0);
    }
    if (c->shm) munmap(c->shm, c->cap * sizeof *c->shm);
    if (c->mfd >= 0) close(c->mfd);
    free(c);
}
