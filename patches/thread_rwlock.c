/* thread: reader/writer locks as one wait queue on the hub.
 *
 * State lives in the program's pthread_rwlock_t, in the bytes glibc 2.36
 * leaves unused (so a lock glibc used before we started reads as free), next
 * to the fields glibc's static initialisers and pthread_rwlock_init set:
 *   __readers..__writers_futex  glibc's own, left alone
 *   __pad3   st: readers holding it (> 0), RW_WRITER, or 0
 *   __pad4   writers waiting
 *   __cur_writer  the write owner's id (EDEADLK), as glibc keeps it
 *   __shared      process-shared
 *   __rwelision, __pad1, __pad2   the queue of waiting greenlets, readers
 *                 and writers in arrival order (process-private), or the
 *                 write owner's pid (process-shared: ids are per process)
 *   __flags  glibc's preference: PTHREAD_RWLOCK_PREFER_READER_NP (the
 *            default), PREFER_WRITER_NP (writers get it from a writer
 *            first), PREFER_WRITER_NONRECURSIVE_NP (besides, new readers
 *            wait behind a waiting writer)
 * An unlock hands the lock over to the greenlets it lets in (a writer, or
 * every queued reader) before waking them. A process-shared lock keeps its
 * state in atomic words only, and its waiters poll on the hub. */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include "thread.h"

struct grw {
    unsigned g_readers, g_writers, g_wrphase, g_wfutex; /* glibc's: left alone */
    int st;
    unsigned wwait;
    int cur_writer;
    int shared;
    union {
        hub_wq q;
        int wpid;
    };
    unsigned flags;
    unsigned pad;
};
_Static_assert(sizeof(struct grw) == sizeof(pthread_rwlock_t), "glibc rwlock layout");
_Static_assert(offsetof(struct grw, cur_writer) == offsetof(pthread_rwlock_t, __data.__cur_writer),
               "cur_writer");
_Static_assert(offsetof(struct grw, shared) == offsetof(pthread_rwlock_t, __data.__shared),
               "shared");
_Static_assert(offsetof(struct grw, q) == offsetof(pthread_rwlock_t, __data.__rwelision), "queue");
_Static_assert(offsetof(struct grw, flags) == offsetof(pthread_rwlock_t, __data.__flags), "flags");

#define RW_WRITER      (-1)
#define RW_MAX_READERS ((1 << 28) - 1) /* glibc's reader count overflows past this */

enum { W_READ = 1, W_WRITE = 2 }; /* waiter tag */
#define GRANTED ((void *)1)       /* waiter data: the unlocker let it in */

static inline int readers_wait(const struct grw *l)
{
    /* New readers queue behind a waiting writer only with this preference. */
    return l->flags == PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP &&
           __atomic_load_n(&l->wwait, __ATOMIC_RELAXED) > 0;
}

/* 0, EBUSY, or EAGAIN (too many readers). */
static int rd_try(struct grw *l)
{
    int v = __atomic_load_n(&l->st, __ATOMIC_RELAXED);
    for (;;) {
        if (v < 0 || readers_wait(l)) return EBUSY;
        if (v >= RW_MAX_READERS) return EAGAIN;
        if (__atomic_compare_exchange_n(&l->st, &v, v + 1, 1, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return 0;
    }
}

static int wr_try(struct grw *l, int id)
{
    int v = 0;
    if (!__atomic_compare_exchange_n(&l->st, &v, RW_WRITER, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
        return EBUSY;
    l->cur_writer = id;
    if (l->shared) l->wpid = gth_pid();
    return 0;
}

/* Does the caller hold it for writing? */
static inline int is_writer(const struct grw *l, int id)
{
    return l->cur_writer == id && (!l->shared || l->wpid == gth_pid());
}

/* ---- hand-over (process-private locks) ------------------------------------ */

static hub_waiter *first_of(struct grw *l, int tag)
{
    for (hub_waiter *w = hub_wq_first(&l->q); w; w = hub_wq_next(w))
        if (w->tag == tag) return w;
    return NULL;
}

static void grant_writer(struct grw *l, hub_waiter *w)
{
    l->st = RW_WRITER;
    l->cur_writer = (int)w->gl->id;
    w->data = GRANTED;
    hub_wq_wake(&l->q, w);
}

/* Lets every queued reader in, unless a writer queued ahead of them is to
 * go first (writer preference). */
static void grant_readers(struct grw *l)
{
    hub_waiter *w = hub_wq_first(&l->q), *next;
    for (; w; w = next) {
        next = hub_wq_next(w);
        if (w->tag != W_READ) continue;
        l->st++;
        w->data = GRANTED;
        hub_wq_wake(&l->q, w);
    }
}

/* Who goes in next, after a write unlock (from_writer), the last read
 * unlock, or a writer giving up: a queued writer when the lock is free and
 * the preference says so, else every queued reader that may go. */
static void hand_over(struct grw *l, int from_writer)
{
    if (l->shared || gp_queue_empty(&l->q) || l->st == RW_WRITER) return;
    hub_waiter *wr = first_of(l, W_WRITE);
    if (from_writer) {
        if (wr && (l->flags != PTHREAD_RWLOCK_PREFER_READER_NP || !first_of(l, W_READ)))
            grant_writer(l, wr);
        else
            grant_readers(l);
        return;
    }
    if (l->st == 0 && wr)
        grant_writer(l, wr);
    else if (!readers_wait(l))
        grant_readers(l); /* readers held back by a writer that gave up */
}

/* ---- locking -------------------------------------------------------------- */

/* Timed and clock variants check their arguments first, as glibc does. */
static int deadline(const struct timespec *abstime, clockid_t clock, hub_deadline *dl)
{
    *dl = hub_never();
    if (!abstime) return 0;
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    return hub_at_ts(clock, abstime, dl);
}

static int rdlock(struct grw *l, const struct timespec *abstime, clockid_t clock)
{
    hub_deadline dl;
    int r = deadline(abstime, clock, &dl);
    gp_backoff backoff = GTH_POLL;
    if (r) return r;
    if (is_writer(l, gth_owner_id())) return EDEADLK;
    while ((r = rd_try(l)) == EBUSY) {
        if (l->shared) {
            if (gth_poll_wait(&backoff, dl) == ETIMEDOUT) return ETIMEDOUT;
            continue;
        }
        hub_waiter w = {.tag = W_READ};
        r = hub_wq_wait(&l->q, &w, dl);
        if (w.data == GRANTED) return 0;
        if (r == ETIMEDOUT) return ETIMEDOUT;
    }
    return r;
}

static int wrlock(struct grw *l, const struct timespec *abstime, clockid_t clock)
{
    hub_deadline dl;
    int r = deadline(abstime, clock, &dl), id = gth_owner_id();
    gp_backoff backoff = GTH_POLL;
    if (r) return r;
    if (is_writer(l, id)) return EDEADLK;
    if (wr_try(l, id) == 0) return 0;
    __atomic_fetch_add(&l->wwait, 1, __ATOMIC_RELAXED);
    for (;;) {
        if (l->shared) {
            r = gth_poll_wait(&backoff, dl) == ETIMEDOUT ? ETIMEDOUT : 0;
            if (wr_try(l, id) == 0) break;
        } else {
            hub_waiter w = {.tag = W_WRITE};
            r = hub_wq_wait(&l->q, &w, dl);
            if (w.data == GRANTED) break;
            if (r != ETIMEDOUT && wr_try(l, id) == 0) break;
        }
        if (r == ETIMEDOUT) {
            __atomic_fetch_sub(&l->wwait, 1, __ATOMIC_RELAXED);
            hand_over(l, 0); /* readers held back for us may go in now */
            return ETIMEDOUT;
        }
    }
    __atomic_fetch_sub(&l->wwait, 1, __ATOMIC_RELAXED);
    return 0;
}

static int unlock(struct grw *l)
{
    int v = __atomic_load_n(&l->st, __ATOMIC_RELAXED);
    if (v == RW_WRITER) {
        /* glibc treats any unlock of a write-locked lock as the writer's */
        l->cur_writer = 0;
        __atomic_store_n(&l->st, 0, __ATOMIC_RELEASE);
        hand_over(l, 1);
        return 0;
    }
    if (v <= 0) return 0; /* not locked: undefined, glibc says nothing either */
    if (__atomic_sub_fetch(&l->st, 1, __ATOMIC_RELEASE) == 0) hand_over(l, 0);
    return 0;
}

/* ---- the API ---------------------------------------------------------------- */

int pthread_rwlock_init(pthread_rwlock_t *restrict rwlock,
                        const pthread_rwlockattr_t *restrict attr)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_init)) return REAL(pthread_rwlock_init)(rwlock, attr);
    int kind = PTHREAD_RWLOCK_DEFAULT_NP, pshared = PTHREAD_PROCESS_PRIVATE;
    if (attr) {
        pthread_rwlockattr_getkind_np(attr, &kind);
        pthread_rwlockattr_getpshared(attr, &pshared);
    }
    struct grw *l = (struct grw *)rwlock;
    memset(l, 0, sizeof *l);
    l->flags = (unsigned)kind;
    l->shared = pshared != PTHREAD_PROCESS_PRIVATE;
    return 0;
}

int pthread_rwlock_destroy(pthread_rwlock_t *rwlock)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_destroy)) return REAL(pthread_rwlock_destroy)(rwlock);
    return 0; /* as glibc: nothing to release */
}

int pthread_rwlock_rdlock(pthread_rwlock_t *rwlock)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_rdlock)) return REAL(pthread_rwlock_rdlock)(rwlock);
    return rdlock((struct grw *)rwlock, NULL, CLOCK_REALTIME);
}

int pthread_rwlock_tryrdlock(pthread_rwlock_t *rwlock)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_tryrdlock)) return REAL(pthread_rwlock_tryrdlock)(rwlock);
    return gp_none_rc(rd_try((struct grw *)rwlock));
}

int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict rwlock,
                               const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_timedrdlock))
        return REAL(pthread_rwlock_timedrdlock)(rwlock, abstime);
    return rdlock((struct grw *)rwlock, abstime, CLOCK_REALTIME);
}

int pthread_rwlock_clockrdlock(pthread_rwlock_t *restrict rwlock, clockid_t clock,
                               const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_clockrdlock))
        return REAL(pthread_rwlock_clockrdlock)(rwlock, clock, abstime);
    return rdlock((struct grw *)rwlock, abstime, clock);
}

int pthread_rwlock_wrlock(pthread_rwlock_t *rwlock)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_wrlock)) return REAL(pthread_rwlock_wrlock)(rwlock);
    return wrlock((struct grw *)rwlock, NULL, CLOCK_REALTIME);
}

int pthread_rwlock_trywrlock(pthread_rwlock_t *rwlock)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_trywrlock)) return REAL(pthread_rwlock_trywrlock)(rwlock);
    return gp_none_rc(wr_try((struct grw *)rwlock, gth_owner_id()));
}

int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict rwlock,
                               const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_timedwrlock))
        return REAL(pthread_rwlock_timedwrlock)(rwlock, abstime);
    return wrlock((struct grw *)rwlock, abstime, CLOCK_REALTIME);
}

int pthread_rwlock_clockwrlock(pthread_rwlock_t *restrict rwlock, clockid_t clock,
                               const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_clockwrlock))
        return REAL(pthread_rwlock_clockwrlock)(rwlock, clock, abstime);
    return wrlock((struct grw *)rwlock, abstime, clock);
}

int pthread_rwlock_unlock(pthread_rwlock_t *rwlock)
{
    if (!gp_enter(GP_SYM_pthread_rwlock_unlock)) return REAL(pthread_rwlock_unlock)(rwlock);
    return unlock((struct grw *)rwlock);
}
