/* thread: POSIX semaphores as a wait queue on the hub.
 *
 * The first 16 bytes are glibc's own sem_t (a 64-bit word: the value, and
 * in the high half the native waiters; then whether it is process-shared),
 * so the value stays where glibc, a native thread or another process looks
 * for it; the queue of waiting greenlets lives in the 16 bytes glibc leaves
 * unused. A process-shared semaphore (sem_init with pshared, or sem_open in
 * shared memory) is never queued on: its waiters poll on the hub with short
 * sleeps, so a post from another process is seen within milliseconds and
 * the hub never blocks in the kernel.
 *
 * sem_post is async-signal-safe: posted from a signal handler that
 * interrupted the hub (or from another OS thread), it only pokes the hub,
 * which wakes the greenlets waiting on semaphores that have a token. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "signal_int.h"
#include "thread.h"

struct gsem {
    uint64_t data; /* value, and glibc's count of native waiters << 32 */
    int shared;    /* glibc's "private": FUTEX_PRIVATE_FLAG when shared */
    int pad;
    hub_wq q; /* greenlets waiting (process-private only) */
};
_Static_assert(sizeof(struct gsem) == sizeof(sem_t), "glibc sem_t layout");

#define VALUE(d)  ((unsigned)(d))
#define NATIVE(d) ((unsigned)((d) >> 32))

static int sem_try(struct gsem *s)
{
    uint64_t d = __atomic_load_n(&s->data, __ATOMIC_RELAXED);
    do {
        if (VALUE(d) == 0) return EAGAIN;
    } while (
        !__atomic_compare_exchange_n(&s->data, &d, d - 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED));
    return 0;
}

/* -1/errno as the sem_* calls return. A cancellation point: acted on at
 * entry (gp_enter) and when the wait comes back ECANCELED. */
static int sem_wait_until(struct gsem *s, hub_deadline dl)
{
    if (sem_try(s) == 0) return 0;
    int r;
    gp_backoff backoff = GTH_POLL;
    unsigned eintr = gp_sig_ran_eintr();
    for (;;) {
        if (s->shared) {
            /* A handler without SA_RESTART that ran in us while we were
             * not parked (between two looks, or as the next look began:
             * the hub's EINTR does not tell it) ends the wait as the
             * kernel's futex wait would end (posix sem_wait/7-1 waited
             * for good when SIGABRT came then). */
            if (gp_sig_ran_eintr() != eintr) {
                errno = EINTR;
                return -1;
            }
            r = gth_poll_wait(&backoff, dl);
        } else {
            /* a signal handler or another OS thread may post (hub_soon) */
            r = hub_wq_wait_outside(&s->q, dl);
        }
        if (r == ECANCELED) gth_testcancel();
        /* a handler without SA_RESTART: EINTR, even when it posted (the
         * token stays, as glibc's wait does not look again) */
        if (r != EINTR && sem_try(s) == 0) return 0;
        if (r == ETIMEDOUT || r == EINTR) {
            errno = r;
            return -1;
        }
    }
}

int sem_init(sem_t *sem, int pshared, unsigned value)
{
    if (!gp_enter(GP_SYM_sem_init)) return REAL(sem_init)(sem, pshared, value);
    if (value > SEM_VALUE_MAX) {
        errno = EINVAL;
        return -1;
    }
    struct gsem *s = (struct gsem *)sem;
    *s = (struct gsem){0};
    s->data = value;
    s->shared = pshared ? FUTEX_PRIVATE_FLAG : 0;
    return 0;
}

int sem_destroy(sem_t *sem)
{
    if (!gp_enter(GP_SYM_sem_destroy)) return REAL(sem_destroy)(sem);
    return 0; /* glibc checks nothing either */
}

int sem_wait(sem_t *sem)
{
    if (!gp_enter(GP_SYM_sem_wait)) return REAL(sem_wait)(sem);
    return sem_wait_until((struct gsem *)sem, hub_never());
}

int sem_trywait(sem_t *sem)
{
    if (!gp_enter(GP_SYM_sem_trywait)) return REAL(sem_trywait)(sem);
    if (sem_try((struct gsem *)sem) == 0) return 0;
    errno = EAGAIN;
    return (int)gp_none_io(-1);
}

int sem_timedwait(sem_t *restrict sem, const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_sem_timedwait)) return REAL(sem_timedwait)(sem, abstime);
    hub_deadline dl;
    if (hub_at_ts(CLOCK_REALTIME, abstime, &dl)) {
        errno = EINVAL;
        return -1;
    }
    return sem_wait_until((struct gsem *)sem, dl);
}

int sem_clockwait(sem_t *restrict sem, clockid_t clock, const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_sem_clockwait)) return REAL(sem_clockwait)(sem, clock, abstime);
    hub_deadline dl;
    if ((clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) || hub_at_ts(clock, abstime, &dl)) {
        errno = EINVAL;
        return -1;
    }
    return sem_wait_until((struct gsem *)sem, dl);
}

int sem_post(sem_t *sem)
{
    struct gsem *s = (struct gsem *)sem;
    if (!gp_enter(GP_SYM_sem_post)) {
        /* the hub greenlet (a signal handler interrupted the loop), a
         * no-wait section, or the patch is off */
        int r = REAL(sem_post)(sem);
        if (r == 0 && !s->shared && __atomic_load_n(&s->q.head, __ATOMIC_RELAXED)) hub_soon();
        return r;
    }
    uint64_t d = __atomic_load_n(&s->data, __ATOMIC_RELAXED);
    do {
        if (VALUE(d) == SEM_VALUE_MAX) {
            errno = EOVERFLOW;
            return -1;
        }
    } while (
        !__atomic_compare_exchange_n(&s->data, &d, d + 1, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
    if (NATIVE(d)) /* a native thread or process sleeps in glibc's sem_wait */
        gp_syscall(SYS_futex, &s->data, FUTEX_WAKE | (FUTEX_PRIVATE_FLAG ^ s->shared), 1, NULL,
                   NULL, 0);
    if (!s->shared) hub_wq_wake_one(&s->q);
    return 0;
}

int sem_getvalue(sem_t *restrict sem, int *restrict value)
{
    if (!gp_enter(GP_SYM_sem_getvalue)) return REAL(sem_getvalue)(sem, value);
    *value = (int)VALUE(__atomic_load_n(&((struct gsem *)sem)->data, __ATOMIC_RELAXED));
    return 0;
}

/* Named semaphores are glibc's (a file in /dev/shm, mapped shared): they
 * are process-shared semaphores like any other, waited for by polling. */
sem_t *sem_open(const char *name, int oflag, ...)
{
    mode_t mode = 0;
    unsigned value = 0;
    if (oflag & O_CREAT) {
        va_list ap;
        va_start(ap, oflag);
        mode = va_arg(ap, mode_t);
        value = va_arg(ap, unsigned);
        va_end(ap);
    }
    gp_enter(GP_SYM_sem_open);
    return REAL(sem_open)(name, oflag, mode, value);
}

int sem_close(sem_t *sem)
{
    gp_enter(GP_SYM_sem_close);
    return REAL(sem_close)(sem);
}

int sem_unlink(const char *name)
{
    gp_enter(GP_SYM_sem_unlink);
    return REAL(sem_unlink)(name);
}
