/* thread: mutexes and condition variables as wait queues on the hub.
 *
 * State lives in the caller's own pthread_mutex_t, laid out as glibc lays it
 * out, so static initialisers read right and a native thread running
 * glibc's code on the same mutex still interoperates:
 *   __lock   0 free, 1 held, 2 held and a native waiter may sleep in futex
 *   __count  recursion depth (recursive mutexes)
 *   __owner  owner id (kernel tid for main greenlets, greenlet id otherwise)
 *   __nusers locks held, as glibc counts them (pthread_mutex_destroy: EBUSY)
 *   __kind   glibc's type and flag bits
 *   __list   our wait queue of greenlets (process-private mutexes only)
 * An unlock hands the mutex straight to the first queued greenlet (FIFO, no
 * thundering herd). Owners we cannot be woken by — a native thread, another
 * process (PTHREAD_PROCESS_SHARED) — are polled for with short sleeps on the
 * hub, never waited for in the kernel, which would stop every greenlet. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread.h"

/* glibc's __kind bits (nptl/pthreadP.h) */
#define KIND_TYPE_MASK    3
#define KIND_ROBUST       16
#define KIND_PRIO_INHERIT 32
#define KIND_PRIO_PROTECT 64
#define KIND_PSHARED      128
#define KIND_KNOWN                                                                                 \
    (KIND_TYPE_MASK | KIND_ROBUST | KIND_PRIO_INHERIT | KIND_PRIO_PROTECT | KIND_PSHARED | 256 |   \
     512)

struct gmx {
    int lock;
    unsigned count;
    int owner;
    unsigned nusers;
    int kind;
    short spins, elision;
    hub_wq q;
};
_Static_assert(sizeof(struct gmx) == sizeof(pthread_mutex_t), "glibc mutex layout");
_Static_assert(offsetof(struct gmx, kind) == offsetof(pthread_mutex_t, __data.__kind), "kind");

#define HANDED_OFF 1 /* waiter tag: the unlocker made us the owner */

static void futex_wake(int *word, int shared)
{
    syscall(SYS_futex, word, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static int mx_valid(const struct gmx *m)
{
    return m->kind >= 0 && !(m->kind & ~KIND_KNOWN);
}

static void mx_take(struct gmx *m, int id)
{
    m->owner = id;
    m->nusers++;
    if ((m->kind & KIND_TYPE_MASK) == PTHREAD_MUTEX_RECURSIVE) m->count = 1;
}

/* 0 when acquired (or re-entered), else EBUSY / EDEADLK / EAGAIN. */
static int mx_try(struct gmx *m, int id)
{
    int type = m->kind & KIND_TYPE_MASK;
    if (m->owner == id && m->lock) {
        if (type == PTHREAD_MUTEX_RECURSIVE) {
            if (m->count + 1 == 0) return EAGAIN;
            m->count++;
            return 0;
        }
        if (type == PTHREAD_MUTEX_ERRORCHECK) return EDEADLK;
    }
    int free_ = 0;
    if (__atomic_compare_exchange_n(&m->lock, &free_, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        mx_take(m, id);
        return 0;
    }
    return EBUSY;
}

static int mx_lock(struct gmx *m, const struct timespec *abstime, clockid_t clock)
{
    if (!mx_valid(m)) return EINVAL;
    int id = gth_owner_id(), r = mx_try(m, id), backoff = 0;
    if (r != EBUSY) return r;
    /* A normal mutex relocked by its owner waits forever, as in glibc:
     * the hub reports the deadlock if nothing else can run. */
    hub_deadline dl = hub_never();
    if (abstime && (r = hub_at_ts(clock, abstime, &dl))) return r;
    for (;;) {
        if (!(m->kind & KIND_PSHARED) && gth_owner_is_local(m->owner)) {
            hub_waiter w = {0};
            r = hub_wq_wait(&m->q, &w, dl);
            if (w.tag == HANDED_OFF) return 0;
        } else {
            r = gth_poll_wait(&backoff, dl);
        }
        if (r == ETIMEDOUT) return ETIMEDOUT;
        if ((r = mx_try(m, id)) != EBUSY) return r;
    }
}

static int mx_unlock(struct gmx *m)
{
    int type = m->kind & KIND_TYPE_MASK, id = gth_owner_id();
    if (!mx_valid(m)) return EINVAL;
    if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_ADAPTIVE_NP) {
        if (m->owner != id || !m->lock) return EPERM;
        if (type == PTHREAD_MUTEX_RECURSIVE && --m->count) return 0;
    }
    m->owner = 0;
    m->nusers--;
    hub_waiter *w = (m->kind & KIND_PSHARED) ? NULL : hub_wq_first(&m->q);
    if (w) {
        mx_take(m, (int)w->gl->id);
        w->tag = HANDED_OFF;
        hub_wq_wake(&m->q, w);
        return 0;
    }
    if (__atomic_exchange_n(&m->lock, 0, __ATOMIC_RELEASE) == 2)
        futex_wake(&m->lock, m->kind & KIND_PSHARED);
    return 0;
}

int pthread_mutex_init(pthread_mutex_t *mutex, const pthread_mutexattr_t *attr)
{
    if (!gp_enter(GP_SYM_pthread_mutex_init)) return REAL(pthread_mutex_init)(mutex, attr);
    struct gmx *m = (struct gmx *)mutex;
    int type = PTHREAD_MUTEX_NORMAL, pshared = 0, robust = 0, proto = PTHREAD_PRIO_NONE;
    if (attr) {
        pthread_mutexattr_gettype(attr, &type);
        pthread_mutexattr_getpshared(attr, &pshared);
        pthread_mutexattr_getrobust(attr, &robust);
        pthread_mutexattr_getprotocol(attr, &proto);
    }
    *m = (struct gmx){0};
    m->kind = type | (robust ? KIND_ROBUST : 0) | (pshared ? KIND_PSHARED : 0) |
              (proto == PTHREAD_PRIO_INHERIT ? KIND_PRIO_INHERIT : 0) |
              (proto == PTHREAD_PRIO_PROTECT ? KIND_PRIO_PROTECT : 0);
    return 0;
}

int pthread_mutex_destroy(pthread_mutex_t *mutex)
{
    if (!gp_enter(GP_SYM_pthread_mutex_destroy)) return REAL(pthread_mutex_destroy)(mutex);
    struct gmx *m = (struct gmx *)mutex;
    if (!(m->kind & KIND_ROBUST) && m->nusers != 0) return EBUSY;
    m->kind = -1; /* as glibc marks it: any later use is EINVAL */
    return 0;
}

int pthread_mutex_lock(pthread_mutex_t *mutex)
{
    if (!gp_enter(GP_SYM_pthread_mutex_lock)) return REAL(pthread_mutex_lock)(mutex);
    return mx_lock((struct gmx *)mutex, NULL, CLOCK_REALTIME);
}

int pthread_mutex_timedlock(pthread_mutex_t *restrict mutex,
                            const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_mutex_timedlock))
        return REAL(pthread_mutex_timedlock)(mutex, abstime);
    return mx_lock((struct gmx *)mutex, abstime, CLOCK_REALTIME);
}

int pthread_mutex_trylock(pthread_mutex_t *mutex)
{
    if (!gp_enter(GP_SYM_pthread_mutex_trylock)) return REAL(pthread_mutex_trylock)(mutex);
    struct gmx *m = (struct gmx *)mutex;
    if (!mx_valid(m)) return EINVAL;
    int r = mx_try(m, gth_owner_id());
    return r == EDEADLK ? EBUSY : r;
}

int pthread_mutex_unlock(pthread_mutex_t *mutex)
{
    if (!gp_enter(GP_SYM_pthread_mutex_unlock)) return REAL(pthread_mutex_unlock)(mutex);
    return mx_unlock((struct gmx *)mutex);
}

/* ---- condition variables -------------------------------------------------- */

/* Our layout inside pthread_cond_t keeps glibc's __wrefs word (offset 36)
 * where glibc keeps the clock and process-shared flags, so a condvar
 * initialised by glibc before we started keeps its clock. */
struct gcv {
    hub_wq q;     /* __wseq, __g1_start: zero in a fresh glibc condvar */
    unsigned seq; /* bumped by every signal: pollers of shared condvars */
    unsigned pad[4];
    unsigned flags; /* __wrefs */
    unsigned pad2[2];
};
_Static_assert(sizeof(struct gcv) == sizeof(pthread_cond_t), "glibc cond layout");
_Static_assert(offsetof(struct gcv, flags) == offsetof(pthread_cond_t, __data.__wrefs), "wrefs");

#define CV_SHARED    1
#define CV_MONOTONIC 2

static int cv_wait(struct gcv *c, struct gmx *m, const struct timespec *abstime, clockid_t clock)
{
    hub_deadline dl = hub_never();
    if (abstime && hub_at_ts(clock, abstime, &dl)) return EINVAL;
    unsigned seq = c->seq;
    int r = mx_unlock(m), backoff = 0;
    if (r) return r;
    if (c->flags & CV_SHARED) {
        while (r != ETIMEDOUT && __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) == seq)
            r = gth_poll_wait(&backoff, dl);
    } else {
        r = hub_wq_wait(&c->q, NULL, dl);
    }
    /* Relock whatever happened; an interrupt is a spurious wakeup. */
    int lr = mx_lock(m, NULL, CLOCK_REALTIME);
    if (lr) return lr;
    return r == ETIMEDOUT ? ETIMEDOUT : 0;
}

int pthread_cond_init(pthread_cond_t *cond, const pthread_condattr_t *attr)
{
    if (!gp_enter(GP_SYM_pthread_cond_init)) return REAL(pthread_cond_init)(cond, attr);
    struct gcv *c = (struct gcv *)cond;
    int pshared = 0;
    clockid_t clock = CLOCK_REALTIME;
    if (attr) {
        pthread_condattr_getpshared(attr, &pshared);
        pthread_condattr_getclock(attr, &clock);
    }
    *c = (struct gcv){0};
    c->flags = (pshared ? CV_SHARED : 0) | (clock == CLOCK_MONOTONIC ? CV_MONOTONIC : 0);
    return 0;
}

int pthread_cond_destroy(pthread_cond_t *cond)
{
    if (!gp_enter(GP_SYM_pthread_cond_destroy)) return REAL(pthread_cond_destroy)(cond);
    return 0; /* glibc returns 0 too, whatever the state */
}

static clockid_t cv_clock(const struct gcv *c)
{
    return c->flags & CV_MONOTONIC ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}

int pthread_cond_wait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex)
{
    if (!gp_enter(GP_SYM_pthread_cond_wait)) return REAL(pthread_cond_wait)(cond, mutex);
    struct gcv *c = (struct gcv *)cond;
    return cv_wait(c, (struct gmx *)mutex, NULL, cv_clock(c));
}

int pthread_cond_timedwait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex,
                           const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_cond_timedwait))
        return REAL(pthread_cond_timedwait)(cond, mutex, abstime);
    struct gcv *c = (struct gcv *)cond;
    return cv_wait(c, (struct gmx *)mutex, abstime, cv_clock(c));
}

int pthread_cond_signal(pthread_cond_t *cond)
{
    if (!gp_enter(GP_SYM_pthread_cond_signal)) return REAL(pthread_cond_signal)(cond);
    struct gcv *c = (struct gcv *)cond;
    __atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
    hub_wq_wake_one(&c->q);
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *cond)
{
    if (!gp_enter(GP_SYM_pthread_cond_broadcast)) return REAL(pthread_cond_broadcast)(cond);
    struct gcv *c = (struct gcv *)cond;
    __atomic_fetch_add(&c->seq, 1, __ATOMIC_RELEASE);
    hub_wq_wake_all(&c->q);
    return 0;
}
