/* thread: raw futexes. Rust's std (Mutex, Condvar, RwLock, Once, park),
 * libstdc++'s atomic waits (std::atomic::wait, std::latch, std::barrier,
 * std::counting_semaphore, std::future) and other lock libraries call
 * syscall(SYS_futex, ...) through libc: this hook makes those waits greenlet
 * waits on the hub instead of sleeps of the whole OS thread. Every other
 * system call number goes straight to libc's syscall() with its six
 * arguments untouched.
 *
 * The futex table: waiters hashed by address into buckets, each a FIFO
 * list of nodes on the waiting greenlets' own stacks, behind a spin lock (a
 * waker may be another OS thread). A wait checks *uaddr == val and links
 * itself under the bucket lock, so a waker that changed the word and then
 * called FUTEX_WAKE (taking the same lock) cannot miss it, as in the
 * kernel. A wake unlinks the first matching waiters (address, and bitset
 * for the _BITSET ops) and hands each over: directly (gl_unpark, through the
 * waiter's one-greenlet wait queue) when the caller is a greenlet of the
 * waiter's hub, else as a hub_remote post, which any OS thread and any
 * signal handler may make. Return values and errno are the kernel's, check
 * for check (test/legacy/futex_ops.c compares them natively).
 *
 * What stays the kernel's:
 *  - a wait made where no greenlet may wait (the hub itself, a signal
 *    handler, a native helper thread, before the library is initialised)
 *    sleeps in the kernel; such waits are counted in fx_kwaiting, and while
 *    any is under way a wake also asks the kernel to wake what is left of
 *    its count. So do shared futexes (no FUTEX_PRIVATE_FLAG): another process
 *    may sleep in the kernel on them.
 *  - a shared futex's greenlet waiter never sleeps in the kernel: it waits
 *    in the table (woken at once by this process) and, when the word is not
 *    in memory known to be private to this process (see fx_xproc), looks at
 *    it every 50 us doubling to 5 ms; a changed word ends the wait with 0 (a
 *    wake from another process that leaves the word unchanged goes unseen).
 *  - the PI ops (LOCK_PI, UNLOCK_PI, TRYLOCK_PI, LOCK_PI2, WAIT_REQUEUE_PI,
 *    CMP_REQUEUE_PI) and unknown ops go to the kernel (glibc's PI mutexes
 *    are hooked as pthread_mutex_*); FUTEX_WAKE_OP is done by the kernel,
 *    then the greenlets it would have woken are woken; futex_waitv and
 *    futex calls not made through libc's syscall() (inline syscall
 *    instructions) are not seen at all. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "thread.h"

#ifndef FUTEX_BITSET_MATCH_ANY
#define FUTEX_BITSET_MATCH_ANY 0xffffffffu
#endif
#define FX_CMD(op) ((op) & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))

/* First address the kernel refuses as a user address (x86_64 and arm64
 * with 4-level/48-bit page tables): a private key there is the kernel's
 * EFAULT, so such wakes go to the kernel. */
#define FX_USER_TOP (1UL << 47)

enum { FX_WAITING, FX_WOKEN, FX_POSTED, FX_GONE };

struct fx_waiter {
    gp_link link;         /* on its bucket's queue while FX_WAITING */
    const uint32_t *addr; /* changed by a requeue, under both bucket locks */
    uint32_t bitset;
    int shared;   /* no FUTEX_PRIVATE_FLAG: the kernel keys these apart */
    int state;    /* FX_WAITING on a bucket; FX_WOKEN / FX_POSTED once unlinked */
    hub_wq q;     /* the waiting greenlet alone: a direct wake unparks it */
    hub_remote r; /* a wake from elsewhere; r.hub is the waiter's hub */
};

struct fx_bucket {
    int lock;
    gp_queue q; /* its waiters, in the order they came */
};

#define FX_BITS 9
static struct fx_bucket fx_tab[1 << FX_BITS];
/* A bucket was ever used: a fork child has some to reset (fx_forked). */
static int fx_used GP_FORK_DATA;
/* Waits of this process sleeping in the kernel through this hook. */
static int fx_kwaiting GP_FORK_DATA;
/* Bucket locks this OS thread holds: a signal handler that interrupted
 * their holder must not spin on them. */
static __thread int fx_held __attribute__((tls_model("initial-exec")));

static inline struct fx_bucket *fx_bucket(const void *a)
{
    uint64_t h = ((uint64_t)(uintptr_t)a >> 2) * 0x9E3779B97F4A7C15ull;
    if (__builtin_expect(!fx_used, 0)) fx_used = 1;
    return &fx_tab[h >> (64 - FX_BITS)];
}

static void fx_lock(struct fx_bucket *b)
{
    gp_spin_lock(&b->lock);
    fx_held++;
}

static void fx_unlock(struct fx_bucket *b)
{
    fx_held--;
    gp_spin_unlock(&b->lock);
}

/* Two buckets (a requeue, a wake-op), in one global order. */
static void fx_lock2(struct fx_bucket *a, struct fx_bucket *b)
{
    if (a == b) {
        fx_lock(a);
    } else if (a < b) {
        fx_lock(a);
        fx_lock(b);
    } else {
        fx_lock(b);
        fx_lock(a);
    }
}

static void fx_unlock2(struct fx_bucket *a, struct fx_bucket *b)
{
    fx_unlock(a);
    if (b != a) fx_unlock(b);
}

#define FX_W(l) gp_owner(l, struct fx_waiter, link)

/* ---- reading the program's futex word ---------------------------------- */

/* Memory that cannot go away under us is read directly; anything else
 * through gp_copy_in (two system calls, but EFAULT where the kernel says
 * EFAULT instead of a crash in the shim). Direct: the running stack's live
 * part (gp_on_live_stack, as gp_copy_in itself), the whole main stack, the brk heap (where malloc
 * puts a Rust Arc<Mutex> or a C++ object on this single OS thread), and the writable segments of
 * the objects loaded at start-up (statics; such objects are never unloaded). */
static struct {
    uintptr_t lo, hi;
} fx_seg[64];
static int fx_nseg;

static int fx_direct(const void *p)
{
    uintptr_t a = (uintptr_t)p, e = a + sizeof(uint32_t);
    if (e < a || (a & 3)) return 0;
    if (gp_on_live_stack(p, sizeof(uint32_t))) return 1;
    /* The process's main stack, whoever runs: the main greenlet's locals
     * (a std::latch, an atomic handed to its threads by reference) are
     * what other greenlets wait on. Below its current extent the kernel
     * grows it on access, as it would for the futex call itself. */
    if (a >= gp_main_stack_lim && e <= gp_main_stack_top) return 1;
    if (gp_brk_lo && a >= gp_brk_lo && e <= (uintptr_t)sbrk(0)) return 1;
    for (int i = 0; i < fx_nseg; i++)
        if (a >= fx_seg[i].lo && e <= fx_seg[i].hi) return 1;
    return 0;
}

static int fx_load(const uint32_t *a, uint32_t *v)
{
    if (fx_direct(a)) {
        *v = __atomic_load_n(a, __ATOMIC_SEQ_CST);
        return 0;
    }
    return gp_copy_in(v, a, sizeof *v);
}

static int fx_seg_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    for (int i = 0; i < info->dlpi_phnum && fx_nseg < 64; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W)) continue;
        fx_seg[fx_nseg].lo = info->dlpi_addr + ph->p_vaddr;
        fx_seg[fx_nseg].hi = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        fx_nseg++;
    }
    return 0;
}

/* In a fork child only the forking greenlet is left, and it was not
 * waiting; the other OS threads are gone with their waits. */
GP_FORK_CODE static void fx_forked(void)
{
    GP_SET(fx_held, 0);
    if (!fx_used) return; /* the table's pages may not even be present */
    /* bucket by bucket, writing only the ones in use (GP_SET) */
    for (size_t i = 0; i < sizeof fx_tab / sizeof fx_tab[0]; i++) {
        GP_SET(fx_tab[i].lock, 0);
        GP_SET(fx_tab[i].q.head, NULL);
        GP_SET(fx_tab[i].q.tail, NULL);
    }
    GP_SET(fx_kwaiting, 0);
}

void gth_futex_init(void)
{
    dl_iterate_phdr(fx_seg_cb, NULL);
    gp_atfork(NULL, NULL, fx_forked);
}

/* ---- the operations ------------------------------------------------------ */

static long fx_kernel(const uint32_t *ua, int op, long val, long a4, const uint32_t *ua2, long val3)
{
    long r = gp_syscall(SYS_futex, (long)ua, op, val, a4, (long)ua2, val3);
    return r < 0 ? -errno : r;
}

/* Waits that sleep in the kernel: counted, so wakes know to ask it too. */
static long fx_kernel_wait(const uint32_t *ua, int op, long val, long a4, const uint32_t *ua2,
                           long val3)
{
    __atomic_add_fetch(&fx_kwaiting, 1, __ATOMIC_SEQ_CST);
    long r = fx_kernel(ua, op, val, a4, ua2, val3);
    __atomic_sub_fetch(&fx_kwaiting, 1, __ATOMIC_SEQ_CST);
    return r;
}

/* May another process wait on this futex? Only a shared one (no
 * FUTEX_PRIVATE_FLAG), and only outside the memory fx_direct knows, which
 * is all private to this process. libstdc++ makes every atomic wait a
 * shared futex, on the heap or the stack: no polling, no kernel call for
 * those. */
static int fx_xproc(const uint32_t *ua, int shared)
{
    return shared && !fx_direct(ua);
}

/* Does a wake on ua also go to the kernel? */
static int fx_ask_kernel(const uint32_t *ua, int shared)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* the program's store before our load */
    return fx_xproc(ua, shared) || (uintptr_t)ua >= FX_USER_TOP ||
           __atomic_load_n(&fx_kwaiting, __ATOMIC_RELAXED);
}

/* Wakes up to n waiters of b on addr whose bitset meets bitset, in the
 * order they came. direct: the caller is a greenlet that may unpark the
 * greenlets of its own hub. */
static int fx_wake_locked(struct fx_bucket *b, const uint32_t *addr, int shared, int n,
                          uint32_t bitset, int direct)
{
    int woken = 0;
    gp_link *l, *next;
    gp_queue_foreach (l, next, &b->q) {
        struct fx_waiter *w = FX_W(l);
        if (woken >= n) break;
        if (w->addr != addr || w->shared != shared || !(w->bitset & bitset)) continue;
        gp_queue_remove(&b->q, &w->link);
        if (direct && w->r.hub == hub_tls.hub) {
            w->state = FX_WOKEN;
            hub_wq_wake_one(&w->q);
        } else {
            w->state = FX_POSTED; /* before the post: w may be gone after it */
            hub_remote_done(&w->r);
        }
        woken++;
    }
    return woken;
}

/* The bucket a waiter is on now (a requeue may move it), locked. */
static struct fx_bucket *fx_lock_mine(struct fx_waiter *me)
{
    for (;;) {
        struct fx_bucket *b = fx_bucket(__atomic_load_n(&me->addr, __ATOMIC_ACQUIRE));
        fx_lock(b);
        if (b == fx_bucket(me->addr)) return b;
        fx_unlock(b);
    }
}

/* A greenlet unwound out of its wait (asynchronous cancellation acts inside
 * the hub's wait primitive) leaves no node behind on its dead stack: this
 * file is built with -fexceptions, so the unwinder runs this cleanup. */
static void fx_leave(struct fx_waiter *me)
{
    if (me->state == FX_WAITING) {
        struct fx_bucket *b = fx_lock_mine(me);
        if (me->state == FX_WAITING) gp_queue_remove(&b->q, &me->link);
        fx_unlock(b);
    }
    if (me->state == FX_POSTED) hub_remote_wait(&me->r);
}

static long fx_wait(const uint32_t *ua, uint32_t val, uint32_t bitset, hub_deadline dl, int shared)
{
    struct fx_waiter me __attribute__((cleanup(fx_leave))) = {
        .addr = ua, .bitset = bitset, .shared = shared, .state = FX_GONE};
    struct fx_bucket *b = fx_bucket(ua);
    uint32_t cur;
    gp_backoff backoff = GP_BACKOFF(50000, 5000000); /* shared futexes: looked at again */
    hub_remote_init(&me.r);
    fx_lock(b);
    int r = fx_load(ua, &cur);
    if (r == 0 && cur != val) r = EAGAIN;
    if (r) {
        fx_unlock(b);
        return -r;
    }
    gp_queue_push(&b->q, &me.link);
    me.state = FX_WAITING;
    fx_unlock(b);
    int poll = fx_xproc(ua, shared);
    for (;;) {
        hub_deadline until = dl;
        if (poll) {
            int64_t left = hub_left_ns(dl), tick = gp_backoff_next(&backoff);
            if (left > tick) until = hub_after_ns(tick);
        }
        r = hub_wq_wait(&me.q, NULL, until);
        b = fx_lock_mine(&me);
        if (me.state != FX_WAITING) { /* woken, whatever else happened meanwhile */
            fx_unlock(b);
            return 0; /* fx_leave waits for a post to be delivered */
        }
        if (r == EINTR || (r == ETIMEDOUT && hub_left_ns(dl) == 0)) {
            gp_queue_remove(&b->q, &me.link);
            me.state = FX_GONE;
            fx_unlock(b);
            return -r;
        }
        /* A shared futex's look, or a wait restarted after a signal handler
         * (SA_RESTART) or a cancellation request it does not act on: the
         * kernel reads the word again too. */
        if (fx_load(me.addr, &cur) || cur != val) {
            gp_queue_remove(&b->q, &me.link);
            me.state = FX_GONE;
            fx_unlock(b);
            return r == ETIMEDOUT ? 0 : -EAGAIN;
        }
        fx_unlock(b);
    }
}

static long fx_wake(const uint32_t *ua, int n, uint32_t bitset, int shared, int direct)
{
    int want = n > 0 ? n : 1; /* the kernel wakes one even when asked for none */
    int woken = 0;
    struct fx_bucket *b = fx_bucket(ua);
    if (!fx_held) {
        fx_lock(b);
        if (!gp_queue_empty(&b->q)) woken = fx_wake_locked(b, ua, shared, want, bitset, direct);
        fx_unlock(b);
    }
    if (woken < want && fx_ask_kernel(ua, shared)) {
        long k = fx_kernel(ua, FUTEX_WAKE_BITSET | (shared ? 0 : FUTEX_PRIVATE_FLAG), want - woken,
                           0, NULL, bitset);
        if (k < 0 && woken == 0) return k;
        if (k > 0) woken += (int)k;
    }
    return woken;
}

/* FUTEX_REQUEUE and FUTEX_CMP_REQUEUE: wake nwake, move up to nreq of the
 * rest to ua2 (in their order, behind ua2's waiters); the count of both. */
static long fx_requeue(int op, const uint32_t *ua, int nwake, int nreq, const uint32_t *ua2,
                       int cmp, uint32_t val3, int shared, int direct)
{
    if (nwake < 0 || nreq < 0) return -EINVAL;
    if (((uintptr_t)ua & 3) || ((uintptr_t)ua2 & 3)) return -EINVAL;
    struct fx_bucket *b1 = fx_bucket(ua), *b2 = fx_bucket(ua2);
    int woken = 0, moved = 0;
    if (fx_held) return fx_kernel(ua, op, nwake, nreq, ua2, val3);
    fx_lock2(b1, b2);
    if (cmp) {
        uint32_t cur;
        int r = fx_load(ua, &cur);
        if (r == 0 && cur != val3) r = EAGAIN;
        if (r) {
            fx_unlock2(b1, b2);
            return -r;
        }
    }
    woken = nwake ? fx_wake_locked(b1, ua, shared, nwake, FUTEX_BITSET_MATCH_ANY, direct) : 0;
    gp_link *l, *next;
    gp_queue_foreach (l, next, &b1->q) {
        struct fx_waiter *w = FX_W(l);
        if (moved >= nreq) break;
        if (w->addr != ua || w->shared != shared) continue;
        moved++;
        if (ua2 == ua) continue; /* the kernel leaves them where they are */
        gp_queue_remove(&b1->q, &w->link);
        __atomic_store_n(&w->addr, ua2, __ATOMIC_RELEASE);
        gp_queue_push(&b2->q, &w->link);
    }
    fx_unlock2(b1, b2);
    if ((woken < nwake || moved < nreq) && fx_ask_kernel(ua, shared)) {
        long k = fx_kernel(ua, op, nwake - woken, nreq - moved, ua2, val3);
        if (k < 0 && woken + moved == 0) return k;
        if (k > 0) moved += (int)k;
    }
    return woken + moved;
}

/* FUTEX_WAKE_OP: the kernel does the atomic operation on ua2 and reports
 * every error; the greenlets it would have woken are then woken. */
static long fx_wake_op(int op, const uint32_t *ua, int n, int n2, const uint32_t *ua2,
                       uint32_t val3, int shared, int direct)
{
    struct fx_bucket *b1 = fx_bucket(ua), *b2 = fx_bucket(ua2);
    uint32_t old;
    if (fx_held || fx_load(ua2, &old)) return fx_kernel(ua, op, n, n2, ua2, val3);
    fx_lock2(b1, b2);
    long k = fx_kernel(ua, op, n, n2, ua2, val3);
    if (k >= 0) {
        int oparg = (int)(val3 << 8) >> 20, cmparg = (int)(val3 << 20) >> 20, o = (int)old, hit;
        (void)oparg;
        switch ((val3 >> 24) & 15) {
        case FUTEX_OP_CMP_EQ:
            hit = o == cmparg;
            break;
        case FUTEX_OP_CMP_NE:
            hit = o != cmparg;
            break;
        case FUTEX_OP_CMP_LT:
            hit = o < cmparg;
            break;
        case FUTEX_OP_CMP_LE:
            hit = o <= cmparg;
            break;
        case FUTEX_OP_CMP_GT:
            hit = o > cmparg;
            break;
        default:
            hit = o >= cmparg;
            break;
        }
        k += fx_wake_locked(b1, ua, shared, n > 0 ? n : 1, FUTEX_BITSET_MATCH_ANY, direct);
        if (hit)
            k += fx_wake_locked(b2, ua2, shared, n2 > 0 ? n2 : 1, FUTEX_BITSET_MATCH_ANY, direct);
    }
    fx_unlock2(b1, b2);
    return k;
}

/* SYS_futex, as the kernel takes it: a negative errno or the result. */
static long fx_futex(uint32_t *ua, int op, uint32_t val, long a4, uint32_t *ua2, uint32_t val3)
{
    int cmd = FX_CMD(op), shared = !(op & FUTEX_PRIVATE_FLAG), rt = op & FUTEX_CLOCK_REALTIME;
    int park = gp_enter(GP_SYM_syscall);
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
        if (!park) return fx_kernel_wait(ua, op, val, a4, ua2, val3);
        hub_deadline dl = hub_never();
        if (a4) { /* copied and checked first, as the system call does */
            struct timespec ts;
            if (fx_direct((void *)a4) && fx_direct((char *)a4 + sizeof ts - 4))
                memcpy(&ts, (void *)a4, sizeof ts);
            else if (gp_copy_in(&ts, (void *)a4, sizeof ts))
                return -EFAULT;
            if (ts.tv_sec < 0 || (unsigned long)ts.tv_nsec >= 1000000000UL) return -EINVAL;
            if (rt && cmd != FUTEX_WAIT_BITSET) return -ENOSYS;
            if (cmd == FUTEX_WAIT)
                hub_after_ts(&ts, &dl); /* relative, CLOCK_MONOTONIC */
            else
                hub_at_ts(rt ? CLOCK_REALTIME : CLOCK_MONOTONIC, &ts, &dl);
        }
        if (rt && cmd != FUTEX_WAIT_BITSET) return -ENOSYS;
        uint32_t bitset = cmd == FUTEX_WAIT ? FUTEX_BITSET_MATCH_ANY : val3;
        if (!bitset || ((uintptr_t)ua & 3)) return -EINVAL;
        return fx_wait(ua, val, bitset, dl, shared);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
        if (rt) return -ENOSYS;
        uint32_t bitset = cmd == FUTEX_WAKE ? FUTEX_BITSET_MATCH_ANY : val3;
        if (!bitset || ((uintptr_t)ua & 3)) return -EINVAL;
        return fx_wake(ua, (int)val, bitset, shared, park);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
        if (rt) return -ENOSYS;
        return fx_requeue(op, ua, (int)val, (int)a4, ua2, cmd == FUTEX_CMP_REQUEUE, val3, shared,
                          park);
    case FUTEX_WAKE_OP:
        if (rt || ((uintptr_t)ua & 3) || ((uintptr_t)ua2 & 3))
            return fx_kernel(ua, op, val, a4, ua2, val3);
        return fx_wake_op(op, ua, (int)val, (int)a4, ua2, val3, shared, park);
    default: /* PI futexes, unknown ops: the kernel's */
        return fx_kernel(ua, op, val, a4, ua2, val3);
    }
}

/* ---- the hook ------------------------------------------------------------ */

long syscall(long nr, ...)
{
    va_list ap;
    va_start(ap, nr);
    long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
    long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
    va_end(ap);
    if (nr != SYS_futex || !gp_syms[GP_SYM_syscall].on) {
        long (*real)(long, ...) = gp_real(GP_SYM_syscall);
        return real ? real(nr, a1, a2, a3, a4, a5, a6) : gp_syscall(nr, a1, a2, a3, a4, a5, a6);
    }
    long r = fx_futex((uint32_t *)a1, (int)a2, (uint32_t)a3, a4, (uint32_t *)a5, (uint32_t)a6);
    if (r < 0) {
        errno = (int)-r;
        return -1;
    }
    return r;
}
