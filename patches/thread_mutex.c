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
 *   __list   our wait queue of greenlets (process-private mutexes), or the
 *            owner's pid (process-shared ones: owner ids are per process)
 * An unlock hands the mutex straight to the first queued greenlet (FIFO, no
 * thundering herd). Owners we cannot be woken by — a native thread, another
 * process (PTHREAD_PROCESS_SHARED) — are polled for with short sleeps on the
 * hub, never waited for in the kernel, which would stop every greenlet.
 *
 * Robust mutexes keep glibc's robust encoding instead: __lock holds the
 * owner's id, FUTEX_OWNER_DIED once the owner ended holding it (each
 * greenlet keeps the list of robust mutexes it holds), __owner
 * PTHREAD_MUTEX_INCONSISTENT after an EOWNERDEAD until
 * pthread_mutex_consistent, PTHREAD_MUTEX_NOTRECOVERABLE for good once
 * unlocked inconsistent. Unlocks wake the first waiter rather than hand
 * over, so a waiter always sees the owner-died state itself. A
 * process-shared robust mutex holds the OS thread's kernel tid in __lock
 * instead (the greenlet's id stays in __owner, the pid in __list.__prev)
 * and is linked, by __list.__next as glibc links it, on the OS thread's
 * robust list: if the whole process dies holding it, the kernel marks it
 * owner-dead for the other processes. */
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
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
    union {
        hub_wq q; /* process-private */
        int pid;  /* process-shared: the owner's */
    };
};
_Static_assert(sizeof(struct gmx) == sizeof(pthread_mutex_t), "glibc mutex layout");
_Static_assert(offsetof(struct gmx, kind) == offsetof(pthread_mutex_t, __data.__kind), "kind");

#define HANDED_OFF 1 /* waiter tag: the unlocker made us the owner */

/* glibc's robust encoding (nptl/pthreadP.h, linux/futex.h) */
#define RB_WAITERS        FUTEX_WAITERS    /* a native waiter may sleep in futex */
#define RB_DIED           FUTEX_OWNER_DIED /* the owner ended holding it */
#define RB_TID            FUTEX_TID_MASK
#define RB_INCONSISTENT   INT_MAX
#define RB_NOTRECOVERABLE (INT_MAX - 1)

static void futex_wake(int *word, int shared)
{
    gp_syscall(SYS_futex, word, shared ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static int mx_valid(const struct gmx *m)
{
    return m->kind >= 0 && !(m->kind & ~KIND_KNOWN);
}

/* Is the owner id in the mutex the caller's own process's? */
static inline int mx_here(const struct gmx *m)
{
    return !(m->kind & KIND_PSHARED) || m->pid == gth_pid();
}

static inline void mx_set_pid(struct gmx *m)
{
    if (m->kind & KIND_PSHARED) m->pid = gth_pid();
}

static void mx_take(struct gmx *m, int id)
{
    mx_set_pid(m);
    m->owner = id;
    m->nusers++;
    if ((m->kind & KIND_TYPE_MASK) == PTHREAD_MUTEX_RECURSIVE) m->count = 1;
}

/* ---- robust mutexes --------------------------------------------------------- */

#define RB_SHARED(m) (((m)->kind & (KIND_ROBUST | KIND_PSHARED)) == (KIND_ROBUST | KIND_PSHARED))

/* The kernel's robust list of the OS thread, registered by glibc when the
 * thread started: entries are the mutexes' __list.__next words. */
struct klist {
    struct klist *next;
};
struct khead {
    struct klist list;
    long futex_offset; /* from an entry to its lock word */
    struct klist *pending;
};
#define KENTRY_OFF offsetof(pthread_mutex_t, __data.__list.__next)
static __thread struct khead *khead_cache __attribute__((tls_model("initial-exec")));

static struct khead *khead(void)
{
    if (!khead_cache) {
        struct khead *h = NULL;
        size_t len;
        if (gp_syscall(SYS_get_robust_list, 0, &h, &len) == 0 && h &&
            h->futex_offset == -(long)KENTRY_OFF)
            khead_cache = h;
    }
    return khead_cache;
}

static void klist_add(struct gmx *m)
{
    struct khead *h = khead();
    if (!h) return;
    struct klist *e = (struct klist *)((char *)m + KENTRY_OFF);
    e->next = h->list.next;
    h->list.next = e;
}

static void klist_del(struct gmx *m)
{
    struct khead *h = khead();
    if (!h) return;
    struct klist *e = (struct klist *)((char *)m + KENTRY_OFF);
    for (struct klist *p = &h->list; p->next != &h->list; p = p->next)
        if (p->next == e) {
            p->next = e->next;
            return;
        }
}

/* What a robust mutex's lock word holds for the caller. */
static inline int rb_me(const struct gmx *m, int id)
{
    return RB_SHARED(m) ? gth_os_tid() : id;
}

/* Is lock word v the caller's? */
static inline int rb_mine(const struct gmx *m, int v, int id)
{
    if (!RB_SHARED(m)) return (v & RB_TID) == id;
    return (v & RB_TID) == gth_os_tid() && m->pid == gth_pid() &&
           (m->owner == id || m->owner == RB_INCONSISTENT);
}

static void rb_track(struct gmx *m)
{
    struct gth *th = gth_self();
    if (!th) return;
    if (th->nrobust == th->caprobust) {
        unsigned cap = th->caprobust ? th->caprobust * 2 : 8;
        void **t = realloc(th->robust, cap * sizeof *t);
        if (!t) return; /* not tracked: its owner's end goes unnoticed */
        th->robust = t;
        th->caprobust = cap;
    }
    th->robust[th->nrobust++] = m;
}

static void rb_untrack(struct gmx *m)
{
    struct gth *th = gth_self();
    if (!th) return;
    for (unsigned i = th->nrobust; i-- > 0;)
        if (th->robust[i] == m) {
            th->robust[i] = th->robust[--th->nrobust];
            return;
        }
}

/* Releases the lock word and wakes one waiter, native or ours. */
static void rb_release(struct gmx *m)
{
    int shared = m->kind & KIND_PSHARED;
    if (__atomic_exchange_n(&m->lock, 0, __ATOMIC_RELEASE) & RB_WAITERS)
        futex_wake(&m->lock, shared);
    if (!shared) hub_wq_wake_one(&m->q);
}

static int rb_try(struct gmx *m, int id)
{
    int type = m->kind & KIND_TYPE_MASK, me = rb_me(m, id);
    for (;;) {
        int v = __atomic_load_n(&m->lock, __ATOMIC_RELAXED);
        if (v == 0) {
            if (!__atomic_compare_exchange_n(&m->lock, &v, me, 0, __ATOMIC_ACQUIRE,
                                             __ATOMIC_RELAXED))
                continue;
            if (m->owner == RB_NOTRECOVERABLE) {
                m->count = 0;
                rb_release(m);
                return ENOTRECOVERABLE;
            }
            m->count = 1;
            m->owner = id;
            mx_set_pid(m);
            m->nusers++;
            rb_track(m);
            if (RB_SHARED(m)) klist_add(m);
            return 0;
        }
        if (v & RB_DIED) {
            if (!__atomic_compare_exchange_n(&m->lock, &v, me | (v & RB_WAITERS), 0,
                                             __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
                continue;
            m->count = 1;
            m->owner = RB_INCONSISTENT; /* until pthread_mutex_consistent */
            mx_set_pid(m);
            rb_track(m);
            if (RB_SHARED(m)) klist_add(m);
            return EOWNERDEAD;
        }
        if (rb_mine(m, v, id)) {
            if (type == PTHREAD_MUTEX_ERRORCHECK) return EDEADLK;
            if (type == PTHREAD_MUTEX_RECURSIVE) {
                if (m->count + 1 == 0) return EAGAIN;
                m->count++;
                return 0;
            }
        }
        return EBUSY;
    }
}

static int rb_unlock(struct gmx *m, int id)
{
    int type = m->kind & KIND_TYPE_MASK, v = m->lock;
    if (!rb_mine(m, v, id) || !(v & ~RB_WAITERS)) return EPERM;
    int newowner = 0;
    if (m->owner == RB_INCONSISTENT) {
        if (type == PTHREAD_MUTEX_RECURSIVE && --m->count != 0) return ENOTRECOVERABLE;
        newowner = RB_NOTRECOVERABLE; /* unlocked without being made consistent */
    } else if (type == PTHREAD_MUTEX_RECURSIVE) {
        if (m->owner != id) return EPERM;
        if (--m->count != 0) return 0;
    }
    rb_untrack(m);
    if (RB_SHARED(m)) klist_del(m);
    m->owner = newowner;
    m->nusers--;
    rb_release(m);
    return 0;
}

void gth_robust_release(struct gth *th)
{
    /* What the kernel does with a dead thread's robust list. */
    while (th->nrobust) {
        struct gmx *m = th->robust[--th->nrobust];
        if (RB_SHARED(m)) klist_del(m); /* its OS thread lives on */
        int v = __atomic_load_n(&m->lock, __ATOMIC_RELAXED);
        while (!__atomic_compare_exchange_n(&m->lock, &v, (v & RB_WAITERS) | RB_DIED, 0,
                                            __ATOMIC_RELEASE, __ATOMIC_RELAXED))
            ;
        if (v & RB_WAITERS) futex_wake(&m->lock, m->kind & KIND_PSHARED);
        if (!(m->kind & KIND_PSHARED)) hub_wq_wake_one(&m->q);
    }
}

/* ---- all mutexes --------------------------------------------------------------- */

/* The id of the owner, for deciding how to wait. */
static inline int mx_owner(const struct gmx *m)
{
    return m->kind & KIND_ROBUST ? m->lock & RB_TID : m->owner;
}

/* 0 when acquired (or re-entered), else EBUSY / EDEADLK / EAGAIN, and for
 * robust mutexes EOWNERDEAD (acquired) / ENOTRECOVERABLE. */
static int mx_try(struct gmx *m, int id)
{
    int type = m->kind & KIND_TYPE_MASK;
    if (__builtin_expect(m->kind & KIND_ROBUST, 0)) return rb_try(m, id);
    if (m->owner == id && m->lock && mx_here(m)) {
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
    int id = gth_owner_id(), r = mx_try(m, id);
    gp_backoff backoff = GTH_POLL;
    if (r != EBUSY) return r;
    /* A normal mutex relocked by its owner waits forever, as in glibc:
     * the hub reports the deadlock if nothing else can run. */
    hub_deadline dl = hub_never();
    if (abstime && (r = hub_at_ts(clock, abstime, &dl))) return r;
    for (;;) {
        if (!(m->kind & KIND_PSHARED) && gth_owner_is_local(mx_owner(m))) {
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
    if (__builtin_expect(m->kind & KIND_ROBUST, 0)) return rb_unlock(m, id);
    if (type != PTHREAD_MUTEX_NORMAL && type != PTHREAD_MUTEX_ADAPTIVE_NP) {
        if (m->owner != id || !m->lock || !mx_here(m)) return EPERM;
        if (type == PTHREAD_MUTEX_RECURSIVE && --m->count) return 0;
    }
    m->owner = 0;
    m->nusers--;
    /* a native thread never touches the greenlets' queue (nobody queues
     * behind it: its id is not local to them, they poll) */
    hub_waiter *w = (m->kind & KIND_PSHARED) || hub_solo() ? NULL : hub_wq_first(&m->q);
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
    /* as glibc: robust priority-protected mutexes are not supported */
    if (proto == PTHREAD_PRIO_PROTECT && robust) return ENOTSUP;
    int ceiling = 0;
    if (proto == PTHREAD_PRIO_PROTECT) {
        pthread_mutexattr_getprioceiling(attr, &ceiling);
        int lo = sched_get_priority_min(SCHED_FIFO);
        if (ceiling < lo) ceiling = lo;
    }
    *m = (struct gmx){0};
    m->kind = type | (robust ? KIND_ROBUST : 0) | (pshared ? KIND_PSHARED : 0) |
              (proto == PTHREAD_PRIO_INHERIT ? KIND_PRIO_INHERIT : 0) |
              (proto == PTHREAD_PRIO_PROTECT ? KIND_PRIO_PROTECT : 0);
    m->spins = (short)ceiling; /* glibc keeps it in __lock, which we use */
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

int pthread_mutex_clocklock(pthread_mutex_t *restrict mutex, clockid_t clock,
                            const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_mutex_clocklock))
        return REAL(pthread_mutex_clocklock)(mutex, clock, abstime);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    return mx_lock((struct gmx *)mutex, abstime, clock);
}

int pthread_mutex_consistent(pthread_mutex_t *mutex)
{
    if (!gp_enter(GP_SYM_pthread_mutex_consistent)) return REAL(pthread_mutex_consistent)(mutex);
    struct gmx *m = (struct gmx *)mutex;
    if (!(m->kind & KIND_ROBUST) || m->owner != RB_INCONSISTENT) return EINVAL;
    m->owner = gth_owner_id();
    return 0;
}

/* The priority ceiling: kept, reported, never applied (every greenlet runs
 * at its OS thread's priority). */
int pthread_mutex_getprioceiling(const pthread_mutex_t *restrict mutex, int *restrict ceiling)
{
    if (!gp_enter(GP_SYM_pthread_mutex_getprioceiling))
        return REAL(pthread_mutex_getprioceiling)(mutex, ceiling);
    const struct gmx *m = (const struct gmx *)mutex;
    if (!(m->kind & KIND_PRIO_PROTECT)) return EINVAL;
    *ceiling = m->spins;
    return 0;
}

int pthread_mutex_setprioceiling(pthread_mutex_t *restrict mutex, int ceiling, int *restrict old)
{
    if (!gp_enter(GP_SYM_pthread_mutex_setprioceiling))
        return REAL(pthread_mutex_setprioceiling)(mutex, ceiling, old);
    struct gmx *m = (struct gmx *)mutex;
    if (!(m->kind & KIND_PRIO_PROTECT)) return EINVAL;
    if (ceiling < sched_get_priority_min(SCHED_FIFO) ||
        ceiling > sched_get_priority_max(SCHED_FIFO))
        return EINVAL;
    *old = m->spins;
    m->spins = (short)ceiling;
    return 0;
}

int pthread_mutex_trylock(pthread_mutex_t *mutex)
{
    if (!gp_enter(GP_SYM_pthread_mutex_trylock)) return REAL(pthread_mutex_trylock)(mutex);
    struct gmx *m = (struct gmx *)mutex;
    if (!mx_valid(m)) return EINVAL;
    int r = mx_try(m, gth_owner_id());
    return gp_none_rc(r == EDEADLK && !(m->kind & KIND_ROBUST) ? EBUSY : r);
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
    hub_wq q;         /* __wseq, __g1_start: zero in a fresh glibc condvar */
    unsigned seq;     /* bumped by every signal: pollers of shared condvars */
    unsigned natives; /* native threads sleeping in futex on seq */
    unsigned waiting; /* a shared condvar's waiters, in any process */
    pid_t qpid;       /* the process whose greenlets q holds (private condvar) */
    unsigned pad[1];
    unsigned flags; /* __wrefs */
    unsigned pad2[2];
};
_Static_assert(sizeof(struct gcv) == sizeof(pthread_cond_t), "glibc cond layout");
_Static_assert(offsetof(struct gcv, flags) == offsetof(pthread_cond_t, __data.__wrefs), "wrefs");

#define CV_SHARED    1
#define CV_MONOTONIC 2
#define CV_FOREIGN   4 /* a native thread signalled it: greenlets poll seq */

/* A native OS thread alone on its hub (hub_solo: jemalloc's background
 * thread, made with libc's pthread_create) waits on a condition variable
 * the greenlets of another OS thread signal: it sleeps in the kernel on
 * seq, which every signal bumps, and signals wake such sleepers by futex.
 * The greenlets' wait queue belongs to their OS thread: never touched here. */
static int cv_wait_native(struct gcv *c, struct gmx *m, const struct timespec *abstime,
                          clockid_t clock)
{
    if (abstime && (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000)) return EINVAL;
    unsigned seq = __atomic_load_n(&c->seq, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&c->natives, 1, __ATOMIC_SEQ_CST);
    int r = mx_unlock(m);
    if (r) {
        __atomic_fetch_sub(&c->natives, 1, __ATOMIC_SEQ_CST);
        return r;
    }
    long op = FUTEX_WAIT_BITSET | (c->flags & CV_SHARED ? 0 : FUTEX_PRIVATE_FLAG) |
              (clock == CLOCK_REALTIME ? FUTEX_CLOCK_REALTIME : 0);
    int err = errno;
    while (__atomic_load_n(&c->seq, __ATOMIC_SEQ_CST) == seq) {
        long k = gp_syscall(SYS_futex, &c->seq, op, (long)seq, abstime, NULL,
                            (long)FUTEX_BITSET_MATCH_ANY);
        if (k < 0 && errno == ETIMEDOUT) {
            r = ETIMEDOUT;
            break;
        }
        if (k == 0) break; /* woken: a signal, or a spurious wakeup POSIX allows */
    }
    __atomic_fetch_sub(&c->natives, 1, __ATOMIC_SEQ_CST);
    errno = err;
    int lr = mx_lock(m, NULL, CLOCK_REALTIME);
    return lr ? lr : r;
}

/* After seq was bumped: native sleepers wake (all: a spurious wakeup is
 * allowed, a lost one is not). */
static void cv_wake_natives(struct gcv *c)
{
    if (__atomic_load_n(&c->natives, __ATOMIC_SEQ_CST))
        gp_syscall(SYS_futex, &c->seq,
                   (long)(c->flags & CV_SHARED ? FUTEX_WAKE : FUTEX_WAKE_PRIVATE), (long)INT_MAX,
                   NULL, NULL, 0L);
}

/* A cancellation point: acted on at entry (gp_enter), and when the wait
 * comes back ECANCELED, once the mutex is relocked, as POSIX wants it for
 * the cleanup handlers. */
static int cv_wait(struct gcv *c, struct gmx *m, const struct timespec *abstime, clockid_t clock)
{
    if (hub_solo()) return cv_wait_native(c, m, abstime, clock);
    hub_deadline dl = hub_never();
    if (abstime && hub_at_ts(clock, abstime, &dl)) return EINVAL;
    unsigned seq = c->seq;
    /* Counted before the mutex is let go: a destroy after the signal that
     * wakes us sees us (the pollers of a shared condvar look at seq late). */
    int shared = c->flags & CV_SHARED;
    if (shared) __atomic_add_fetch(&c->waiting, 1, __ATOMIC_ACQ_REL);
    int r = mx_unlock(m);
    gp_backoff backoff = GTH_POLL;
    if (r) {
        if (shared) __atomic_sub_fetch(&c->waiting, 1, __ATOMIC_RELEASE);
        return r;
    }
    if (shared || (c->flags & CV_FOREIGN)) {
        while (r != ETIMEDOUT && r != ECANCELED &&
               __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) == seq)
            r = gth_poll_wait(&backoff, dl);
        if (shared) __atomic_sub_fetch(&c->waiting, 1, __ATOMIC_RELEASE);
    } else {
        /* A private condvar in memory another process shares (or the fork
         * parent's, copied): its queue links that process's greenlets, which
         * are nothing here. We start a queue of our own; theirs are left to
         * their process's own signals, as a private futex's waiters are. */
        if (c->qpid != gth_pid()) {
            c->q = (hub_wq){0};
            c->qpid = gth_pid();
        }
        /* hub_wq_wait's 0 with neither a wake (w.data) nor seq moved: a
         * handler ran and the wait restarts, as glibc's futex wait does
         * (a timed wait still ends ETIMEDOUT). data, not seq, says we were
         * woken: the program may reuse the condvar's memory at once. */
        hub_waiter w = {0};
        do r = hub_wq_wait(&c->q, &w, dl);
        while (r == 0 && !w.data && __atomic_load_n(&c->seq, __ATOMIC_ACQUIRE) == seq &&
               !(__atomic_load_n(&c->flags, __ATOMIC_ACQUIRE) & CV_FOREIGN));
    }
    /* Relock whatever happened; an interrupt is a spurious wakeup. The
     * relock itself is no cancellation point. */
    gl_t *g = hub_tls.cur;
    int op = g->op;
    g->op = GP_SYM_pthread_mutex_lock + 1;
    int lr = mx_lock(m, NULL, CLOCK_REALTIME);
    g->op = op;
    if (r == ECANCELED) gth_testcancel();
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
    /* As glibc, the waiters (woken: signalled before the destroy, as POSIX
     * wants) are gone from the condvar before the program may reuse its
     * memory. Those of a private condvar leave it as they are woken; those
     * of a shared one, perhaps in another process, when they next look. */
    struct gcv *c = (struct gcv *)cond;
    gp_backoff backoff = GTH_POLL;
    if (c->flags & CV_SHARED)
        while (__atomic_load_n(&c->waiting, __ATOMIC_ACQUIRE)) gth_poll_wait(&backoff, hub_never());
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

int pthread_cond_clockwait(pthread_cond_t *restrict cond, pthread_mutex_t *restrict mutex,
                           clockid_t clock, const struct timespec *restrict abstime)
{
    if (!gp_enter(GP_SYM_pthread_cond_clockwait))
        return REAL(pthread_cond_clockwait)(cond, mutex, clock, abstime);
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    return cv_wait((struct gcv *)cond, (struct gmx *)mutex, abstime, clock);
}

/* A native thread signalling: the greenlets' queue is another OS thread's,
 * so from now on greenlets poll seq on this condition variable; those
 * already queued when this first happens are woken by their hub (a
 * spurious wake-up for any the signal was not for, as POSIX allows). */
static int cv_foreign(struct gcv *c)
{
    if (!hub_solo()) return 0;
    if (!(__atomic_fetch_or(&c->flags, CV_FOREIGN, __ATOMIC_SEQ_CST) & CV_FOREIGN) &&
        c->qpid == gth_pid())
        hub_wq_wake_foreign(&c->q);
    return 1;
}

int pthread_cond_signal(pthread_cond_t *cond)
{
    if (!gp_enter(GP_SYM_pthread_cond_signal)) return REAL(pthread_cond_signal)(cond);
    struct gcv *c = (struct gcv *)cond;
    __atomic_fetch_add(&c->seq, 1, __ATOMIC_SEQ_CST);
    cv_wake_natives(c);
    if (cv_foreign(c) || c->qpid != gth_pid()) return 0;
    hub_waiter *w = hub_wq_first(&c->q);
    if (w) {
        w->data = w; /* woken, whatever the condvar's memory says next */
        hub_wq_wake_one(&c->q);
    }
    return 0;
}

int pthread_cond_broadcast(pthread_cond_t *cond)
{
    if (!gp_enter(GP_SYM_pthread_cond_broadcast)) return REAL(pthread_cond_broadcast)(cond);
    struct gcv *c = (struct gcv *)cond;
    __atomic_fetch_add(&c->seq, 1, __ATOMIC_SEQ_CST);
    cv_wake_natives(c);
    if (cv_foreign(c) || c->qpid != gth_pid()) return 0;
    for (hub_waiter *w = hub_wq_first(&c->q); w; w = hub_wq_next(w)) w->data = w;
    hub_wq_wake_all(&c->q);
    return 0;
}
