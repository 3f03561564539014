/* thread: timer_create(SIGEV_THREAD) notifies in a greenlet.
 *
 * glibc runs such a timer's notifications in threads of its own, made by a
 * helper thread that waits for an internal signal: real OS threads next to
 * the program's greenlets. Here the timer is a timerfd, a helper greenlet
 * of the shim (not a program thread: it takes no signal) waits for it on
 * the hub, and each expiry starts a new detached thread -- a greenlet, made
 * by the thread patch's pthread_create, with every signal blocked and the
 * attributes given -- that calls the notification function, as glibc's
 * does. timer_settime, timer_gettime, timer_getoverrun and timer_delete
 * know these timers by their address; every other timer (SIGEV_SIGNAL,
 * SIGEV_NONE, SIGEV_THREAD_ID, a CPU-time clock) is the kernel's. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>

#include "thread.h"

GP_HOOK_DECL(pthread_create)

struct gtimer {
    struct gtimer *next; /* every live one (the list: gt_lock) */
    int fd;              /* the timerfd */
    int overrun;         /* of the last notification */
    int deleted;
    void (*fn)(union sigval);
    union sigval val;
    size_t stack; /* from sigev_notify_attributes, 0: the default */
};

static struct gtimer *gt_all GP_FORK_DATA;
static int gt_lock GP_FORK_DATA;

struct note {
    void (*fn)(union sigval);
    union sigval val;
};

static void *notify(void *arg)
{
    struct note n = *(struct note *)arg;
    free(arg);
    n.fn(n.val);
    return NULL;
}

/* The helper greenlet: one notification thread per expiry read. */
static void helper(void *arg)
{
    struct gtimer *gt = arg;
    for (;;) {
        int r = hub_wait_fd(gt->fd, HUB_IN, hub_never());
        if (gt->deleted || r == EBADF) break;
        uint64_t n;
        if (gp_syscall(SYS_read, gt->fd, &n, sizeof n) != sizeof n || n == 0) continue;
        gt->overrun = n - 1 > (uint64_t)INT_MAX ? INT_MAX : (int)(n - 1); /* DELAYTIMER_MAX */
        struct note *nt = malloc(sizeof *nt);
        if (!nt) continue; /* as glibc, a notification that cannot start is lost */
        nt->fn = gt->fn;
        nt->val = gt->val;
        pthread_attr_t a;
        pthread_t t;
        pthread_attr_init(&a);
        pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
        if (gt->stack) pthread_attr_setstacksize(&a, gt->stack);
        if (GP_HOOK(pthread_create)(&t, &a, notify, nt) != 0) free(nt);
        pthread_attr_destroy(&a);
    }
    free(gt);
}

static struct gtimer *find(timer_t id)
{
    struct gtimer *gt;
    gp_spin_lock(&gt_lock);
    for (gt = gt_all; gt && (timer_t)gt != id; gt = gt->next) {
    }
    gp_spin_unlock(&gt_lock);
    return gt;
}

static int timerfd_clock(clockid_t c)
{
    return c == CLOCK_REALTIME || c == CLOCK_MONOTONIC || c == CLOCK_BOOTTIME ||
           c == CLOCK_REALTIME_ALARM || c == CLOCK_BOOTTIME_ALARM;
}

/* glibc starts its SIGEV_THREAD helper, an OS thread that then lives as
 * long as the process, before the kernel sees the clock: a clock the
 * kernel refuses is found out with a SIGEV_NONE timer of its own first,
 * so that a bad call leaves no thread behind. 0, or the kernel's errno. */
static int clock_refused(clockid_t clock)
{
    struct sigevent none;
    memset(&none, 0, sizeof none);
    none.sigev_notify = SIGEV_NONE;
    int kid;
    if (gp_syscall(SYS_timer_create, clock, &none, &kid) != 0) return errno;
    gp_syscall(SYS_timer_delete, kid);
    return 0;
}

int timer_create(clockid_t clock, struct sigevent *restrict sev, timer_t *restrict id)
{
    struct sigevent ev;
    if (!gp_enter(GP_SYM_timer_create) || !sev || gp_copy_in(&ev, sev, sizeof ev) ||
        ev.sigev_notify != SIGEV_THREAD)
        return REAL(timer_create)(clock, sev, id);
    if (!timerfd_clock(clock)) {
        int e = clock_refused(clock);
        if (e) {
            errno = e;
            return -1;
        }
        return REAL(timer_create)(clock, sev, id);
    }
    struct gtimer *gt = calloc(1, sizeof *gt);
    if (!gt) {
        errno = EAGAIN;
        return -1;
    }
    gt->fn = ev.sigev_notify_function;
    gt->val = ev.sigev_value;
    if (ev.sigev_notify_attributes)
        pthread_attr_getstacksize(ev.sigev_notify_attributes, &gt->stack);
    gt->fd = (int)gp_syscall(SYS_timerfd_create, clock, TFD_NONBLOCK | TFD_CLOEXEC);
    if (gt->fd < 0) {
        int e = errno;
        free(gt);
        errno = e == EMFILE || e == ENFILE || e == ENOMEM ? EAGAIN : e;
        return -1;
    }
    int err;
    gl_t *h = gl_spawn(0, helper, gt, &err);
    if (!h) {
        gp_syscall(SYS_close, gt->fd);
        free(gt);
        errno = EAGAIN;
        return -1;
    }
    hub_sigmask_set(h, ~0ull); /* its notification threads start with every signal blocked */
    timer_t t = (timer_t)gt;
    if (gp_copy_out(id, &t, sizeof t)) { /* the helper ends at once */
        gt->deleted = 1;
        hub_fd_closed(gt->fd);
        gp_syscall(SYS_close, gt->fd);
        errno = EFAULT;
        return -1;
    }
    gp_spin_lock(&gt_lock);
    gt->next = gt_all;
    gt_all = gt;
    gp_spin_unlock(&gt_lock);
    return 0;
}

int timer_settime(timer_t id, int flags, const struct itimerspec *restrict v,
                  struct itimerspec *restrict old)
{
    struct gtimer *gt = find(id);
    if (!gt) return REAL(timer_settime)(id, flags, v, old);
    return (int)gp_syscall(SYS_timerfd_settime, gt->fd,
                           flags & TIMER_ABSTIME ? TFD_TIMER_ABSTIME : 0, v, old);
}

int timer_gettime(timer_t id, struct itimerspec *v)
{
    struct gtimer *gt = find(id);
    if (!gt) return REAL(timer_gettime)(id, v);
    return (int)gp_syscall(SYS_timerfd_gettime, gt->fd, v);
}

int timer_getoverrun(timer_t id)
{
    struct gtimer *gt = find(id);
    return gt ? gt->overrun : REAL(timer_getoverrun)(id);
}

int timer_delete(timer_t id)
{
    struct gtimer **p, *gt;
    gp_spin_lock(&gt_lock);
    for (p = &gt_all; (gt = *p) && (timer_t)gt != id; p = &gt->next) {
    }
    if (gt) *p = gt->next;
    gp_spin_unlock(&gt_lock);
    if (!gt) return REAL(timer_delete)(id);
    gt->deleted = 1;
    hub_fd_closed(gt->fd); /* wakes the helper, which frees gt */
    gp_syscall(SYS_close, gt->fd);
    return 0;
}

/* A fork child inherits no timer: the ids are unknown there (EINVAL from
 * the kernel), their descriptors closed. The helpers were dropped with
 * every other greenlet. */
GP_FORK_CODE static void gt_forked(void)
{
    for (struct gtimer *gt = gt_all; gt; gt = gt->next) gp_syscall(SYS_close, gt->fd);
    GP_SET(gt_all, NULL);
    GP_SET(gt_lock, 0);
}

void gth_timer_init(void)
{
    gp_atfork(NULL, NULL, gt_forked);
}
