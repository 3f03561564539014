/* liburing: a program's completion thread waiting in io_uring_wait_cqe
 * would wait in io_uring_enter, a system call liburing makes itself,
 * without libc: no hook of ours would see it and the OS thread (every
 * greenlet) would wait in the kernel. liburing's own exported entry
 * points are interposed instead, as libc's are (a program linking liburing
 * statically, or issuing io_uring_enter by hand, is only reported by
 * gevent-run --check):
 *   - waits (__io_uring_get_cqe, which io_uring_wait_cqe and
 *     io_uring_peek_cqe inline into the program, io_uring_wait_cqes,
 *     io_uring_wait_cqe_timeout, io_uring_submit_and_wait): the submission
 *     part is made at once, then the greenlet waits on the hub for the
 *     ring's descriptor to be readable (the kernel posts completions to
 *     it) and looks again, until enough completions are there or the
 *     deadline passes;
 *   - submissions (io_uring_submit and the above): a descriptor named in a
 *     submitted request gets its blocking mode back if the shim had made it
 *     non-blocking, since io_uring completes requests on a non-blocking
 *     description with -EAGAIN instead of waiting for it.
 * Without liburing's header at build time the hooks only pass through. */
#include <errno.h>
#include <signal.h>
#include <time.h>

#include "fdt.h"
#include "patch.h"

#if __has_include(<liburing.h>)
#include <liburing.h>

/* Requests submitted next: their fds, if the shim owns their mode. */
static void uring_disown(struct io_uring *ring)
{
    struct io_uring_sq *sq = &ring->sq;
    for (unsigned h = sq->sqe_head; h != sq->sqe_tail; h++) {
        struct io_uring_sqe *sqe = &sq->sqes[h & sq->ring_mask];
        if (sqe->fd >= 0 && !(sqe->flags & IOSQE_FIXED_FILE)) fdt_disown(sqe->fd);
    }
}

/* Waits until the ring holds want completions or dl: 0, -ETIME, or -errno
 * of an interrupted wait. */
static int uring_wait(struct io_uring *ring, unsigned want, hub_deadline dl)
{
    while (io_uring_cq_ready(ring) < want) {
        int w = hub_wait_fd(ring->ring_fd, HUB_IN, dl);
        if (w == ETIMEDOUT) return io_uring_cq_ready(ring) >= want ? 0 : -ETIME;
        if (w) return -w;
    }
    return 0;
}

typedef int (*get_cqe_fn)(struct io_uring *, struct io_uring_cqe **, unsigned, unsigned,
                          sigset_t *);

int __io_uring_get_cqe(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, unsigned submit,
                       unsigned wait_nr, sigset_t *sigmask)
{
    get_cqe_fn real = (get_cqe_fn)gp_real(GP_SYM___io_uring_get_cqe);
    if (!wait_nr || sigmask || !gp_enter(GP_SYM___io_uring_get_cqe))
        return real(ring, cqe_ptr, submit, wait_nr, sigmask);
    if (submit) uring_disown(ring);
    int r = real(ring, cqe_ptr, submit, 0, NULL); /* submits, and peeks */
    if (r < 0 && r != -EAGAIN && r != -ETIME) return r;
    int w = uring_wait(ring, wait_nr, hub_never());
    if (w) return w;
    return real(ring, cqe_ptr, 0, 0, NULL);
}

int io_uring_submit(struct io_uring *ring)
{
    if (gp_enter(GP_SYM_io_uring_submit)) uring_disown(ring);
    return REAL(io_uring_submit)(ring);
}

int io_uring_submit_and_wait(struct io_uring *ring, unsigned wait_nr)
{
    if (!wait_nr || !gp_enter(GP_SYM_io_uring_submit_and_wait))
        return REAL(io_uring_submit_and_wait)(ring, wait_nr);
    uring_disown(ring);
    int r = REAL(io_uring_submit)(ring);
    if (r < 0) return r;
    int w = uring_wait(ring, wait_nr, hub_never());
    return w ? w : r;
}

static int wait_cqes(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, unsigned wait_nr,
                     struct __kernel_timespec *ts)
{
    hub_deadline dl = hub_never();
    if (ts) {
        struct timespec rel = {(time_t)ts->tv_sec, (long)ts->tv_nsec};
        if (hub_after_ts(&rel, &dl)) return -EINVAL;
    }
    uring_disown(ring);
    int r = REAL(io_uring_submit)(ring);
    if (r < 0) return r;
    int w = uring_wait(ring, wait_nr, dl);
    if (w) return w;
    return ((get_cqe_fn)gp_real(GP_SYM___io_uring_get_cqe))(ring, cqe_ptr, 0, 0, NULL);
}

int io_uring_wait_cqes(struct io_uring *ring, struct io_uring_cqe **cqe_ptr, unsigned wait_nr,
                       struct __kernel_timespec *ts, sigset_t *sigmask)
{
    if (!wait_nr || sigmask || !gp_enter(GP_SYM_io_uring_wait_cqes))
        return REAL(io_uring_wait_cqes)(ring, cqe_ptr, wait_nr, ts, sigmask);
    return wait_cqes(ring, cqe_ptr, wait_nr, ts);
}

int io_uring_wait_cqe_timeout(struct io_uring *ring, struct io_uring_cqe **cqe_ptr,
                              struct __kernel_timespec *ts)
{
    if (!gp_enter(GP_SYM_io_uring_wait_cqe_timeout))
        return REAL(io_uring_wait_cqe_timeout)(ring, cqe_ptr, ts);
    return wait_cqes(ring, cqe_ptr, 1, ts);
}

#else /* no liburing.h: pass through, with liburing's prototypes in spirit */

typedef int (*pass5)(void *, void *, unsigned long, unsigned long, void *);
int __io_uring_get_cqe(void *ring, void *cqe, unsigned submit, unsigned wait_nr, void *mask)
{
    return ((pass5)gp_real(GP_SYM___io_uring_get_cqe))(ring, cqe, submit, wait_nr, mask);
}
int io_uring_submit(void *ring)
{
    return ((int (*)(void *))gp_real(GP_SYM_io_uring_submit))(ring);
}
int io_uring_submit_and_wait(void *ring, unsigned wait_nr)
{
    return ((int (*)(void *, unsigned))gp_real(GP_SYM_io_uring_submit_and_wait))(ring, wait_nr);
}
int io_uring_wait_cqes(void *ring, void *cqe, unsigned wait_nr, void *ts, void *mask)
{
    return ((pass5)gp_real(GP_SYM_io_uring_wait_cqes))(ring, cqe, wait_nr, (unsigned long)ts, mask);
}
int io_uring_wait_cqe_timeout(void *ring, void *cqe, void *ts)
{
    return ((int (*)(void *, void *, void *))gp_real(GP_SYM_io_uring_wait_cqe_timeout))(ring, cqe,
                                                                                        ts);
}
#endif
