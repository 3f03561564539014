/* select: poll, ppoll, select, pselect, epoll_wait and epoll_pwait. Each asks
 * the kernel with a zero timeout first; when nothing is ready it waits on
 * the hub for the whole set (an epoll fd is itself pollable) until the
 * deadline, then asks the kernel again for the exact answer. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdt.h"
#include "patch.h"
#include "signal_int.h"

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *ss,
                size_t fdslen);

static int real_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    void *p = gp_real(GP_SYM_poll);
    return p ? ((int (*)(struct pollfd *, nfds_t, int))p)(fds, n, timeout)
             : (int)gp_syscall(SYS_poll, fds, n, timeout);
}

/* The hub's wait result as a poll-style return: 0 to ask the kernel again
 * (ready, timed out, or an fd closed: the kernel then says POLLNVAL), -1
 * with errno for an interruption. */
static int waited(int r)
{
    if (r == 0 || r == ETIMEDOUT || r == EBADF) return 0;
    errno = r;
    return -1;
}

static int pollev(short ev)
{
    return (ev & (POLLIN | POLLPRI | POLLRDNORM | POLLRDBAND | POLLRDHUP) ? HUB_IN : 0) |
           (ev & (POLLOUT | POLLWRNORM | POLLWRBAND) ? HUB_OUT : 0);
}

/* Waits on the hub for the fds of a poll set until dl: 0 or -1/errno. */
static int hub_poll_set(const struct pollfd *fds, nfds_t n, hub_deadline dl)
{
    struct hub_pollfd stackset[16], *set = stackset;
    if (n > 16 && !(set = malloc(n * sizeof *set))) {
        errno = ENOMEM;
        return -1;
    }
    int m = 0;
    for (nfds_t i = 0; i < n; i++) {
        int ev = pollev(fds[i].events);
        if (fds[i].fd < 0 || !ev) continue; /* ignored, as the kernel does */
        set[m++] = (struct hub_pollfd){fds[i].fd, ev, 0};
    }
    int r = m ? hub_wait_fds(set, m, dl) : hub_sleep(dl);
    if (set != stackset) free(set);
    return waited(r);
}

/* The common loop: try(ctx) asks the kernel without waiting (> 0 ready,
 * < 0 error, 0 nothing), wait(ctx, dl) waits on the hub. With a signal
 * mask (ss) it is the greenlet's for the whole call. */
static int poll_loop(int (*try)(void *), int (*wait)(void *, hub_deadline), void *ctx,
                     hub_deadline dl);
static int masked_loop(int (*try)(void *), int (*wait)(void *, hub_deadline), void *ctx,
                       hub_deadline dl, const sigset_t *ss)
{
    uint64_t old;
    if (!ss) return poll_loop(try, wait, ctx, dl);
    int e = gp_sigmask_swap(ss, &old);
    if (e) {
        errno = e;
        return -1;
    }
    int r = poll_loop(try, wait, ctx, dl);
    int keep = errno;
    gp_sigmask_restore(old);
    errno = keep;
    return r;
}

static int poll_loop(int (*try)(void *), int (*wait)(void *, hub_deadline), void *ctx,
                     hub_deadline dl)
{
    for (;;) {
        int r = try(ctx);
        if (r != 0) return r;
        if (hub_left_ns(dl) == 0) return 0;
        if (wait(ctx, dl) < 0) return -1;
    }
}

struct pctx {
    struct pollfd *fds;
    nfds_t n;
    const sigset_t *ss;
};
static int poll_try(void *c)
{
    struct pctx *p = c;
    return real_poll(p->fds, p->n, 0);
}
static int ppoll_try(void *c)
{
    struct pctx *p = c;
    struct timespec zero = {0, 0};
    return REAL(ppoll)(p->fds, p->n, &zero, p->ss);
}
static int poll_wait(void *c, hub_deadline dl)
{
    struct pctx *p = c;
    return hub_poll_set(p->fds, p->n, dl);
}

static int do_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    if (timeout == 0) return gp_none_zero(real_poll(fds, n, 0));
    struct pctx p = {fds, n, NULL};
    hub_deadline dl = timeout < 0 ? hub_never() : hub_after_ns((int64_t)timeout * 1000000);
    return poll_loop(poll_try, poll_wait, &p, dl);
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    if (!gp_enter(GP_SYM_poll)) return real_poll(fds, n, timeout);
    return do_poll(fds, n, timeout);
}

int __poll_chk(struct pollfd *fds, nfds_t n, int timeout, size_t fdslen)
{
    if (fdslen / sizeof *fds < n || !gp_enter(GP_SYM___poll_chk))
        return REAL(__poll_chk)(fds, n, timeout, fdslen); /* reports the overflow */
    return do_poll(fds, n, timeout);
}

/* ppoll: the signal mask is applied while the kernel is asked; while
 * waiting on the hub the greenlet runs with the thread's mask. */
static int do_ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *ss)
{
    struct timespec t;
    hub_deadline dl = hub_never();
    if (tmo) {
        int e = gp_copy_in(&t, tmo, sizeof t);
        if (e == 0 && (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)) e = EINVAL;
        if (e == 0 && t.tv_sec == 0 && t.tv_nsec == 0)
            return gp_none_zero(REAL(ppoll)(fds, n, tmo, ss));
        if (e) return REAL(ppoll)(fds, n, tmo, ss); /* the kernel's own error */
        hub_after_ts(&t, &dl);
    }
    struct pctx p = {fds, n, ss};
    return masked_loop(ppoll_try, poll_wait, &p, dl, ss);
}

int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *ss)
{
    if (!gp_enter(GP_SYM_ppoll)) return REAL(ppoll)(fds, n, tmo, ss);
    return do_ppoll(fds, n, tmo, ss);
}

int __ppoll_chk(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *ss,
                size_t fdslen)
{
    if (fdslen / sizeof *fds < n || !gp_enter(GP_SYM___ppoll_chk))
        return REAL(__ppoll_chk)(fds, n, tmo, ss, fdslen);
    return do_ppoll(fds, n, tmo, ss);
}

/* ---- select ----------------------------------------------------------------- */

/* The sets are rewritten by every kernel call: the caller's input is kept
 * in copies (fd_set bits as unsigned longs, nfds of them rounded up). */
struct sctx {
    int nfds;
    fd_set *u[3];         /* the program's sets (may be NULL) */
    unsigned long *in[3]; /* their input */
    size_t bytes;
    const sigset_t *ss;
    int pselect;
};

static int select_try(void *c)
{
    struct sctx *s = c;
    for (int k = 0; k < 3; k++)
        if (s->u[k]) memcpy(s->u[k], s->in[k], s->bytes);
    if (s->pselect) {
        struct timespec zero = {0, 0};
        return REAL(pselect)(s->nfds, s->u[0], s->u[1], s->u[2], &zero, s->ss);
    }
    struct timeval zero = {0, 0};
    return REAL(select)(s->nfds, s->u[0], s->u[1], s->u[2], &zero);
}

static int select_wait(void *c, hub_deadline dl)
{
    struct sctx *s = c;
    const int bits = 8 * (int)sizeof(unsigned long);
    int n = 0;
    for (int fd = 0; fd < s->nfds; fd++) {
        int ev = 0;
        for (int k = 0; k < 3; k++)
            if (s->in[k] && (s->in[k][fd / bits] >> (fd % bits) & 1))
                ev |= k == 1 ? HUB_OUT : HUB_IN;
        n += ev != 0;
    }
    struct hub_pollfd stackset[16], *set = stackset;
    if (n > 16 && !(set = malloc((size_t)n * sizeof *set))) {
        errno = ENOMEM;
        return -1;
    }
    int m = 0;
    for (int fd = 0; fd < s->nfds && m < n; fd++) {
        int ev = 0;
        for (int k = 0; k < 3; k++)
            if (s->in[k] && (s->in[k][fd / bits] >> (fd % bits) & 1))
                ev |= k == 1 ? HUB_OUT : HUB_IN;
        if (ev) set[m++] = (struct hub_pollfd){fd, ev, 0};
    }
    int r = m ? hub_wait_fds(set, m, dl) : hub_sleep(dl);
    if (set != stackset) free(set);
    return waited(r);
}

static int do_select(struct sctx *s, fd_set *r, fd_set *w, fd_set *x, hub_deadline dl)
{
    unsigned long stackbuf[3][FD_SETSIZE / (8 * sizeof(unsigned long))];
    void *heap = NULL;
    s->bytes = ((size_t)s->nfds + 8 * sizeof(unsigned long) - 1) / (8 * sizeof(unsigned long)) *
               sizeof(unsigned long);
    fd_set *u[3] = {r, w, x};
    if (s->bytes > sizeof stackbuf[0] && !(heap = malloc(3 * s->bytes))) {
        errno = ENOMEM;
        return -1;
    }
    for (int k = 0; k < 3; k++) {
        s->u[k] = u[k];
        s->in[k] = NULL;
        if (!u[k]) continue;
        s->in[k] = heap ? (unsigned long *)((char *)heap + k * s->bytes) : stackbuf[k];
        if (gp_copy_in(s->in[k], u[k], s->bytes)) {
            free(heap);
            errno = EFAULT;
            return -1;
        }
    }
    int ret = masked_loop(select_try, select_wait, s, dl, s->pselect ? s->ss : NULL);
    free(heap);
    return ret;
}

int select(int nfds, fd_set *r, fd_set *w, fd_set *x, struct timeval *tv)
{
    if (!gp_enter(GP_SYM_select)) return REAL(select)(nfds, r, w, x, tv);
    struct timeval t;
    hub_deadline dl = hub_never();
    if (nfds < 0) return REAL(select)(nfds, r, w, x, tv); /* EINVAL at once */
    if (tv) {
        if (gp_copy_in(&t, tv, sizeof t)) {
            errno = EFAULT;
            return -1;
        }
        if (t.tv_sec == 0 && t.tv_usec == 0) return gp_none_zero(REAL(select)(nfds, r, w, x, tv));
        if (t.tv_sec < 0 || t.tv_usec < 0)
            return REAL(select)(nfds, r, w, x, tv); /* the kernel's answer, at once */
        /* glibc normalises tv_usec >= 1000000 into seconds, as the old
         * select system call did */
        int64_t sec = t.tv_sec + t.tv_usec / 1000000;
        if (sec < t.tv_sec || sec > INT64_MAX / 1000000000 - 1) sec = INT64_MAX / 1000000000 - 1;
        dl = hub_after_ns(sec * 1000000000 + (int64_t)(t.tv_usec % 1000000) * 1000);
    }
    struct sctx s = {.nfds = nfds};
    int ret = do_select(&s, r, w, x, dl);
    if (tv && ret >= 0) { /* Linux writes back the time left */
        int64_t left = hub_left_ns(dl);
        t.tv_sec = left / 1000000000;
        t.tv_usec = left % 1000000000 / 1000;
        gp_copy_out(tv, &t, sizeof t);
    }
    return ret;
}

int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x, const struct timespec *tmo,
            const sigset_t *ss)
{
    if (!gp_enter(GP_SYM_pselect)) return REAL(pselect)(nfds, r, w, x, tmo, ss);
    struct timespec t;
    hub_deadline dl = hub_never();
    if (nfds < 0) return REAL(pselect)(nfds, r, w, x, tmo, ss);
    if (tmo) {
        if (gp_copy_in(&t, tmo, sizeof t)) {
            errno = EFAULT;
            return -1;
        }
        if (t.tv_sec == 0 && t.tv_nsec == 0)
            return gp_none_zero(REAL(pselect)(nfds, r, w, x, tmo, ss));
        if (t.tv_sec < 0 || t.tv_nsec < 0 || t.tv_nsec >= 1000000000)
            return REAL(pselect)(nfds, r, w, x, tmo, ss);
        hub_after_ts(&t, &dl);
    }
    struct sctx s = {.nfds = nfds, .ss = ss, .pselect = 1};
    return do_select(&s, r, w, x, dl);
}

/* ---- epoll ------------------------------------------------------------------ */

struct ectx {
    int epfd;
    struct epoll_event *ev;
    int max;
    const sigset_t *ss;
    int pwait;
};
static int epoll_try(void *c)
{
    struct ectx *e = c;
    return e->pwait ? REAL(epoll_pwait)(e->epfd, e->ev, e->max, 0, e->ss)
                    : REAL(epoll_wait)(e->epfd, e->ev, e->max, 0);
}
static int epoll_hubwait(void *c, hub_deadline dl)
{
    struct ectx *e = c;
    return waited(hub_wait_fd(e->epfd, HUB_IN, dl));
}

int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
    epfd = hub_priv_fd(epfd, __builtin_return_address(0));
    if (!gp_enter(GP_SYM_epoll_wait)) return REAL(epoll_wait)(epfd, ev, max, timeout);
    if (timeout == 0) return gp_none_zero(REAL(epoll_wait)(epfd, ev, max, 0));
    struct ectx e = {epfd, ev, max, NULL, 0};
    hub_deadline dl = timeout < 0 ? hub_never() : hub_after_ns((int64_t)timeout * 1000000);
    return poll_loop(epoll_try, epoll_hubwait, &e, dl);
}

int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout, const sigset_t *ss)
{
    epfd = hub_priv_fd(epfd, __builtin_return_address(0));
    if (!gp_enter(GP_SYM_epoll_pwait)) return REAL(epoll_pwait)(epfd, ev, max, timeout, ss);
    if (timeout == 0) return gp_none_zero(REAL(epoll_pwait)(epfd, ev, max, 0, ss));
    struct ectx e = {epfd, ev, max, ss, 1};
    hub_deadline dl = timeout < 0 ? hub_never() : hub_after_ns((int64_t)timeout * 1000000);
    return masked_loop(epoll_try, epoll_hubwait, &e, dl, ss);
}
