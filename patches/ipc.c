/* Message queues and System V semaphores wait on the hub.
 *
 * A POSIX message queue is a descriptor the kernel can poll: each try is
 * made with an absolute timeout already in the past (the kernel then
 * answers ETIMEDOUT at once instead of sleeping, and the description's
 * own O_NONBLOCK still gives EAGAIN as natively), and between tries the
 * greenlet waits on the hub for the queue to become readable or writable,
 * until the program's own deadline. System V queues and semaphores have
 * no descriptor: tries are made with IPC_NOWAIT (semop: a zero timeout),
 * with pauses on the hub between them (1 ms doubling to 10 ms). A call
 * the program made non-blocking itself passes straight through. */
#include <errno.h>
#include <mqueue.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <time.h>

#include "patch.h"

#define IPC_MIN_NS 1000000LL
#define IPC_MAX_NS 10000000LL

/* The program's absolute timeout, checked as the kernel checks it first:
 * 0, or EFAULT / EINVAL. */
static int user_deadline(const struct timespec *abs, clockid_t clock, int relative,
                         hub_deadline *dl)
{
    struct timespec ts;
    *dl = hub_never();
    if (!abs) return 0;
    if (gp_copy_in(&ts, abs, sizeof ts)) return EFAULT;
    if (ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000L || (relative && ts.tv_sec < 0)) return EINVAL;
    return relative ? hub_after_ts(&ts, dl) : hub_at_ts(clock, &ts, dl);
}

/* ---- POSIX message queues ------------------------------------------------------- */

static const struct timespec past = {0, 0};

struct mqx {
    mqd_t mq;
    char *msg;
    size_t len;
    unsigned prio, *priop;
};

static ssize_t mq_try(int send, struct mqx *x)
{
    if (send) return REAL(mq_timedsend)(x->mq, x->msg, x->len, x->prio, &past);
    return REAL(mq_timedreceive)(x->mq, x->msg, x->len, x->priop, &past);
}

static ssize_t mq_wait(int send, struct mqx *x, const struct timespec *abs)
{
    hub_deadline dl;
    int e = user_deadline(abs, CLOCK_REALTIME, 0, &dl);
    if (e) {
        errno = e;
        return -1;
    }
    for (;;) {
        ssize_t r = mq_try(send, x);
        if (r >= 0 || errno != ETIMEDOUT) return r;
        int w = hub_wait_fd(x->mq, send ? HUB_OUT : HUB_IN, dl);
        if (w == ETIMEDOUT) return mq_try(send, x); /* what came at the deadline counts */
        if (w) {
            errno = w;
            return -1;
        }
    }
}

ssize_t mq_receive(mqd_t mq, char *msg, size_t len, unsigned *prio)
{
    if (!gp_enter(GP_SYM_mq_receive)) return REAL(mq_receive)(mq, msg, len, prio);
    struct mqx x = {.mq = mq, .msg = msg, .len = len, .priop = prio};
    return mq_wait(0, &x, NULL);
}

ssize_t mq_timedreceive(mqd_t mq, char *msg, size_t len, unsigned *prio, const struct timespec *abs)
{
    if (!gp_enter(GP_SYM_mq_timedreceive)) return REAL(mq_timedreceive)(mq, msg, len, prio, abs);
    struct mqx x = {.mq = mq, .msg = msg, .len = len, .priop = prio};
    return mq_wait(0, &x, abs);
}

int mq_send(mqd_t mq, const char *msg, size_t len, unsigned prio)
{
    if (!gp_enter(GP_SYM_mq_send)) return REAL(mq_send)(mq, msg, len, prio);
    struct mqx x = {.mq = mq, .msg = (char *)msg, .len = len, .prio = prio};
    return (int)mq_wait(1, &x, NULL);
}

int mq_timedsend(mqd_t mq, const char *msg, size_t len, unsigned prio, const struct timespec *abs)
{
    if (!gp_enter(GP_SYM_mq_timedsend)) return REAL(mq_timedsend)(mq, msg, len, prio, abs);
    struct mqx x = {.mq = mq, .msg = (char *)msg, .len = len, .prio = prio};
    return (int)mq_wait(1, &x, abs);
}

/* ---- System V ------------------------------------------------------------------- */

/* Retries try until it stops failing with busy or dl passes (then
 * timeout_err, after one last try). */
static long sysv_poll(long (*try)(void *), void *ctx, int busy, hub_deadline dl, int timeout_err)
{
    gp_backoff b = GP_BACKOFF(IPC_MIN_NS, IPC_MAX_NS);
    for (;;) {
        long r = try(ctx);
        if (r >= 0 || errno != busy) return r;
        int w = hub_pause(&b, dl);
        if (w) {
            errno = w == ETIMEDOUT ? timeout_err : w;
            return -1;
        }
    }
}

struct msgx {
    int id;
    void *buf;
    size_t sz;
    long type;
    int flg;
};
static long try_msgsnd(void *c)
{
    struct msgx *x = c;
    return REAL(msgsnd)(x->id, x->buf, x->sz, x->flg | IPC_NOWAIT);
}
static long try_msgrcv(void *c)
{
    struct msgx *x = c;
    return REAL(msgrcv)(x->id, x->buf, x->sz, x->type, x->flg | IPC_NOWAIT);
}

int msgsnd(int id, const void *buf, size_t sz, int flg)
{
    if ((flg & IPC_NOWAIT) || !gp_enter(GP_SYM_msgsnd)) return REAL(msgsnd)(id, buf, sz, flg);
    struct msgx x = {id, (void *)buf, sz, 0, flg};
    return (int)sysv_poll(try_msgsnd, &x, EAGAIN, hub_never(), 0);
}

ssize_t msgrcv(int id, void *buf, size_t sz, long type, int flg)
{
    if ((flg & IPC_NOWAIT) || !gp_enter(GP_SYM_msgrcv)) return REAL(msgrcv)(id, buf, sz, type, flg);
    struct msgx x = {id, buf, sz, type, flg};
    return sysv_poll(try_msgrcv, &x, ENOMSG, hub_never(), 0);
}

struct semx {
    int id;
    struct sembuf *sops;
    size_t n;
};
static long try_semop(void *c)
{
    struct semx *x = c;
    return REAL(semtimedop)(x->id, x->sops, x->n, &past);
}

/* Whether the operations may be waited for here: the array is readable
 * (else the kernel's EFAULT comes from the original) and none of them is
 * IPC_NOWAIT (then a failed try could not say which one would block). */
static int sem_waitable(const struct sembuf *sops, size_t n)
{
    struct sembuf b[64];
    if (n == 0 || n > 64 || gp_copy_in(b, sops, n * sizeof *b)) return 0;
    for (size_t i = 0; i < n; i++)
        if (b[i].sem_flg & IPC_NOWAIT) return 0;
    return 1;
}

int semop(int id, struct sembuf *sops, size_t n)
{
    if (!gp_enter(GP_SYM_semop) || !sem_waitable(sops, n)) return REAL(semop)(id, sops, n);
    struct semx x = {id, sops, n};
    return (int)sysv_poll(try_semop, &x, EAGAIN, hub_never(), 0);
}

int semtimedop(int id, struct sembuf *sops, size_t n, const struct timespec *rel)
{
    hub_deadline dl;
    if (!gp_enter(GP_SYM_semtimedop) || !sem_waitable(sops, n) ||
        user_deadline(rel, CLOCK_MONOTONIC, 1, &dl))
        return REAL(semtimedop)(id, sops, n, rel); /* the kernel reports a bad timeout */
    struct semx x = {id, sops, n};
    return (int)sysv_poll(try_semop, &x, EAGAIN, dl, EAGAIN);
}
