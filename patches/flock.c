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
 *     and EDEADLK is reported as natively. While it waits, the greenlet
 *     cannot be interrupted (a signal for it is handled once it has the
 *     lock or the error).
 * Bad arguments get the kernel's answer from the first, non-blocking try. */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "../resolver/resolver.h"
#include "block.h"
#include "patch.h"

#define LK_MIN_NS 1000000LL  /* first pause between tries */
#define LK_MAX_NS 10000000LL /* longest pause */

/* Retries try() until it stops failing with busy; 0/-1 as the call. */
static int lk_poll(int (*try)(void *), void *ctx, int busy)
{
    int64_t pause = LK_MIN_NS;
    for (;;) {
        int r = try(ctx);
        if (r == 0 || (errno != busy && errno != EAGAIN && errno != EACCES)) return r;
        int w = hub_sleep(hub_after_ns(pause));
        if (w) {
            errno = w;
            return -1;
        }
        if ((pause *= 2) > LK_MAX_NS) pause = LK_MAX_NS;
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
    struct rsv_job job; /* first: the pool hands it back */
    int (*real)(int, int, ...);
    int fd, cmd;
    void *arg;
    int r;
};

static int try_ofd(void *c)
{
    struct lk_fcntl *x = c;
    return x->real(x->fd, F_OFD_SETLK, x->arg);
}

static void blocking_setlkw(struct rsv_job *j)
{
    struct lk_fcntl *x = (struct lk_fcntl *)j;
    x->r = x->real(x->fd, F_SETLKW, x->arg);
}

int lk_fcntl_wait(int (*real)(int, int, ...), int fd, int cmd, void *arg)
{
    struct lk_fcntl x = {.real = real, .fd = fd, .cmd = cmd, .arg = arg};
    if (!hub_may_wait()) return real(fd, cmd, arg);
    if (cmd == F_OFD_SETLKW) return lk_poll(try_ofd, &x, EAGAIN);
    int r = real(fd, F_SETLK, arg);
    if (r == 0 || (errno != EAGAIN && errno != EACCES)) return r;
    x.job.fn = blocking_setlkw;
    rsv_pool_run(&x.job); /* errno travels back with the job */
    return x.r;
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
