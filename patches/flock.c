/* File locks: flock, fcntl(F_SETLKW / F_OFD_SETLKW) and lockf(F_LOCK)
 * wait without holding the OS thread.
 *
 * Every call first tries the lock without waiting; only a lock held by
 * someone else costs more:
 *   - flock and OFD locks belong to the open file description. Nothing in
 *     the kernel watches their waiters (no deadlock detection), so the
 *     greenlet retries with the non-blocking form, sleeping on the hub
 *     between tries (1 ms doubling to 10 ms): the lock is taken at the
 *     first try after its holder let go.
 *   - POSIX record locks (F_SETLKW, lockf) belong to the process; the
 *     kernel detects deadlocks between processes only for a caller that is
 *     really blocked in F_SETLKW. So the blocking call itself is made on a
 *     native worker thread of the shim (one process: the same owner, the
 *     same fd table): the lock is taken exactly when the kernel grants it,
 *     and EDEADLK is reported as natively. A signal for the waiting
 *     greenlet cuts the worker's call short (signal SIGRTMAX-1, sent to
 *     the worker, whose handler does nothing: the kernel ends F_SETLKW
 *     with EINTR), then the call fails with EINTR or starts again under
 *     SA_RESTART, as natively; a lock granted first is kept, as natively.
 *     If the program has a handler of its own for SIGRTMAX-1, the wait
 *     cannot be cut short (the signal is handled once the call returns).
 * Bad arguments get the kernel's answer from the first, non-blocking try. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../resolver/resolver.h"
#include "block.h"
#include "patch.h"

#define LK_MIN_NS 1000000LL  /* first pause between tries */
#define LK_MAX_NS 10000000LL /* longest pause */

/* Retries try() until it stops failing with busy; 0/-1 as the call. */
static int lk_poll(int (*try)(void *), void *ctx, int busy)
{
    gp_backoff b = GP_BACKOFF(LK_MIN_NS, LK_MAX_NS);
    for (;;) {
        int r = try(ctx);
        if (r == 0 || (errno != busy && errno != EAGAIN && errno != EACCES)) return r;
        int w = hub_pause(&b, hub_never());
        if (w) {
            errno = w;
            return -1;
        }
    }
}

struct lk_flock {
    int fd, op;
};
static int try_flock(void *c)
{
    struct lk_flock *x = c;
    return REAL(flock)(x->fd, x->op | LOCK_NB);
}

int flock(int fd, int op)
{
    if ((op & (LOCK_NB | LOCK_UN)) || !gp_enter(GP_SYM_flock)) return REAL(flock)(fd, op);
    struct lk_flock x = {fd, op};
    return lk_poll(try_flock, &x, EWOULDBLOCK);
}

/* ---- record locks ------------------------------------------------------------- */

struct lk_fcntl {
    int (*real)(int, int, ...);
    int fd, cmd;
    void *arg;
};

static int try_ofd(void *c)
{
    struct lk_fcntl *x = c;
    return x->real(x->fd, F_OFD_SETLK, x->arg);
}

static long setlkw(void *c)
{
    struct lk_fcntl *x = c;
    return x->real(x->fd, F_SETLKW, x->arg);
}

int lk_fcntl_wait(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
    struct lk_fcntl x = {.real = real, .fd = fd, .cmd = cmd, .arg = arg};
    if (!hub_may_wait()) return real(fd, cmd, arg);
    if (cmd == F_OFD_SETLKW) return lk_poll(try_ofd, &x, EAGAIN);
    int r = real(fd, F_SETLK, arg);
    if (r == 0 || (errno != EAGAIN && errno != EACCES)) return r;
    return (int)lk_worker_call(setlkw, &x);
}

/* ---- cutting a worker's wait short ------------------------------------------------ */

/* The signal that ends a worker's blocking call (a handler that does
 * nothing, without SA_RESTART): unblocked in the worker only around the
 * call. Installed once, if the program has not claimed the signal. */
#define LK_SIG (SIGRTMAX - 1)
static int kick_state; /* 0 unknown, 1 ready, 2 unavailable */

static void on_kick(int sig)
{
    (void)sig;
}

int lk_kick_ready(void)
{
    int st = __atomic_load_n(&kick_state, __ATOMIC_ACQUIRE);
    if (st) return st == 1;
    struct sigaction old, sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_kick;
    sigemptyset(&sa.sa_mask);
    st = 2;
    if (gp_sigaction(LK_SIG, NULL, &old) == 0 && old.sa_handler == SIG_DFL &&
        !(old.sa_flags & SA_SIGINFO) && gp_sigaction(LK_SIG, &sa, NULL) == 0)
        st = 1;
    __atomic_store_n(&kick_state, st, __ATOMIC_RELEASE);
    return st == 1;
}

long lk_kickable(struct lk_kick *k, long (*call)(void *), void *arg)
{
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, LK_SIG);
    __atomic_store_n(&k->tid, (int)gp_syscall(SYS_gettid), __ATOMIC_RELEASE);
    REAL(pthread_sigmask)(SIG_UNBLOCK, &one, NULL);
    long r;
    if (__atomic_load_n(&k->cut, __ATOMIC_ACQUIRE)) {
        errno = EINTR;
        r = -1;
    } else {
        r = call(arg);
    }
    int e = errno;
    REAL(pthread_sigmask)(SIG_BLOCK, &one, NULL);
    __atomic_store_n(&k->tid, -1, __ATOMIC_RELEASE);
    errno = e;
    return r;
}

void lk_kick(struct lk_kick *k)
{
    __atomic_store_n(&k->cut, 1, __ATOMIC_RELEASE);
    int tid = __atomic_load_n(&k->tid, __ATOMIC_ACQUIRE);
    if (tid > 0) gp_syscall(SYS_tgkill, (long)getpid(), (long)tid, (long)LK_SIG);
}

struct lk_job {
    struct rsv_job job; /* first: the pool hands it back */
    struct lk_kick kick;
    long (*call)(void *);
    void *arg;
    long r;
};

static void lk_run(struct rsv_job *j)
{
    struct lk_job *x = (struct lk_job *)j;
    x->r = lk_kickable(&x->kick, x->call, x->arg);
}

static void lk_kick_job(struct rsv_job *j)
{
    lk_kick(&((struct lk_job *)j)->kick);
}

long lk_worker_call(long (*call)(void *), void *arg)
{
    struct lk_job x = {.call = call, .arg = arg};
    for (;;) {
        gl_t *g = hub_tls.cur;
        int code = g && g->pending && hub_intr_hook ? hub_intr_hook(0) : 0;
        if (code) { /* a signal or cancellation already waiting */
            errno = code;
            return -1;
        }
        memset(&x.kick, 0, sizeof x.kick);
        x.job.fn = lk_run;
        if (lk_kick_ready())
            code = rsv_pool_run_intr(&x.job, lk_kick_job);
        else
            rsv_pool_run(&x.job); /* errno travels back with the job */
        if (x.r >= 0 || errno != EINTR) return x.r;
        if (!code) continue; /* a kick meant for another wait: not ours */
        code = hub_intr_hook ? hub_intr_hook(code) : code;
        if (code == HUB_RESTART) continue; /* SA_RESTART: the kernel would restart it */
        errno = code;
        return -1;
    }
}

/* lockf(F_LOCK) is F_SETLKW on a write lock from the current offset, as
 * glibc builds it; the other commands never wait. */
int lockf(int fd, int cmd, off_t len)
{
    if (cmd != F_LOCK || !gp_enter(GP_SYM_lockf)) return REAL(lockf)(fd, cmd, len);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = len};
    return lk_fcntl_wait((int (*)(int, int, ...))gp_real(GP_SYM_fcntl), fd, F_SETLKW, &fl);
}

int lockf64(int fd, int cmd, off64_t len)
{
    if (cmd != F_LOCK || !gp_enter(GP_SYM_lockf64)) return REAL(lockf64)(fd, cmd, len);
    struct flock64 fl = {.l_type = F_WRLCK, .l_whence = SEEK_CUR, .l_start = 0, .l_len = len};
    return lk_fcntl_wait((int (*)(int, int, ...))gp_real(GP_SYM_fcntl), fd, F_SETLKW, &fl);
}
