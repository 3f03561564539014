/* io: read/write and friends on sockets, pipes, FIFOs, ttys and eventfds
 * wait on the hub; regular files go straight through. Pipes the program
 * creates become non-blocking descriptions the shim owns (fdt.h); inherited
 * fds are never switched: they are read and written with RWF_NOWAIT where
 * the kernel allows it (pipes, FIFOs, eventfds), else their readiness is
 * awaited, then the original is called. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "block.h"
#include "fdt.h"
#include "patch.h"

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

/* The originals, or the raw system call while dlsym is resolving them
 * (bootstrap: dlsym itself may read or write). */
static ssize_t real_read(int fd, void *buf, size_t n)
{
    void *p = gp_real(GP_SYM_read);
    return p ? ((ssize_t(*)(int, void *, size_t))p)(fd, buf, n) : gp_syscall(SYS_read, fd, buf, n);
}
static ssize_t real_write(int fd, const void *buf, size_t n)
{
    void *p = gp_real(GP_SYM_write);
    return p ? ((ssize_t(*)(int, const void *, size_t))p)(fd, buf, n)
             : gp_syscall(SYS_write, fd, buf, n);
}

struct rw {
    int fd;
    struct fdt_rest t; /* the buffer or the array (fdt.h) */
};

/* On a socket, read is recv with no flags and MSG_DONTWAIT keeps it from
 * ever blocking the hub, whoever changed the description's mode; on a
 * description the shim does not own, RWF_NOWAIT does the same. */
static ssize_t read_op(void *c, int mode)
{
    struct rw *x = c;
    if (mode == FDT_DONTWAIT)
        return REAL(recvfrom)(x->fd, x->t.buf, x->t.n, MSG_DONTWAIT, NULL, NULL);
    if (mode == FDT_NOWAIT) {
        struct iovec v = {x->t.buf, x->t.n};
        return preadv2(x->fd, &v, 1, -1, RWF_NOWAIT);
    }
    return real_read(x->fd, x->t.buf, x->t.n);
}
static ssize_t write_op(void *c, int mode)
{
    struct rw *x = c;
    if (mode == FDT_DONTWAIT) return REAL(sendto)(x->fd, x->t.buf, x->t.n, MSG_DONTWAIT, NULL, 0);
    if (mode == FDT_NOWAIT) {
        struct iovec v = {x->t.buf, x->t.n};
        return pwritev2(x->fd, &v, 1, -1, RWF_NOWAIT);
    }
    return real_write(x->fd, x->t.buf, x->t.n);
}
static ssize_t readv_op(void *c, int mode)
{
    struct rw *x = c;
    if (mode == FDT_DONTWAIT) {
        struct msghdr m = {.msg_iov = x->t.iov, .msg_iovlen = (size_t)x->t.iovcnt};
        return REAL(recvmsg)(x->fd, &m, MSG_DONTWAIT);
    }
    if (mode == FDT_NOWAIT) return preadv2(x->fd, x->t.iov, x->t.iovcnt, -1, RWF_NOWAIT);
    return REAL(readv)(x->fd, x->t.iov, x->t.iovcnt);
}
static ssize_t writev_op(void *c, int mode)
{
    struct rw *x = c;
    if (mode == FDT_DONTWAIT) {
        struct msghdr m = {.msg_iov = x->t.iov, .msg_iovlen = (size_t)x->t.iovcnt};
        return REAL(sendmsg)(x->fd, &m, MSG_DONTWAIT);
    }
    if (mode == FDT_NOWAIT) return pwritev2(x->fd, x->t.iov, x->t.iovcnt, -1, RWF_NOWAIT);
    return REAL(writev)(x->fd, x->t.iov, x->t.iovcnt);
}

/* The fd's entry when a call on it may wait on the hub, else NULL. */
static struct fdt *io_waitable(int fd)
{
    struct fdt *e = fdt_get(fd);
    return fdt_waitable(e) ? e : NULL;
}

/* Runs op, the whole transfer for a write: a blocking write returns once
 * all of it is written (pipes, stream sockets; a datagram goes whole or
 * not at all). A socket whose entry was stale (the fd number was reused
 * behind our back for something else) is looked at again. -2: not
 * waitable after all, the caller goes to the original. */
static ssize_t io_call(int fd, struct fdt **ep, int events, ssize_t (*op)(void *, int),
                       struct rw *x)
{
    for (int again = 0;; again++) {
        struct fdt *e = *ep;
        int mode = fdt_io_mode(e, events);
        ssize_t r = events & HUB_OUT ? fdt_call_all(fd, e, events, mode, op, x, &x->t)
                                     : fdt_call(fd, e, events, mode, op, x);
        if (again || r >= 0 || errno != ENOTSOCK || e->kind != FDT_SOCKET) return r;
        fdt_forget(fd);
        if (!(*ep = io_waitable(fd))) return -2;
    }
}

/* A read of 0 bytes, or a vector count the kernel refuses, is answered at
 * once natively (sockets and pipes do not wait for data first): so here. */
static ssize_t do_read(int fd, void *buf, size_t n)
{
    struct fdt *e = n ? io_waitable(fd) : NULL;
    if (!e)
        return gp_none_io(fio_on ? fio_rw(GP_SYM_read, fd, (long)buf, (long)n)
                                 : real_read(fd, buf, n));
    struct rw x = {fd, FDT_BUF(buf, n)};
    ssize_t r = io_call(fd, &e, HUB_IN, read_op, &x);
    if (r < -1) return real_read(fd, buf, n);
    fdt_read_done(e, r, n);
    return r;
}

ssize_t read(int fd, void *buf, size_t n)
{
    fd = hub_priv_fd(fd, __builtin_return_address(0));
    if (!gp_enter(GP_SYM_read)) return real_read(fd, buf, n);
    return do_read(fd, buf, n);
}
GP_HOOK_ALIAS(read)

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    if (n > buflen || !gp_enter(GP_SYM___read_chk))
        return REAL(__read_chk)(fd, buf, n, buflen); /* reports the overflow */
    return do_read(fd, buf, n);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    fd = hub_priv_fd(fd, __builtin_return_address(0));
    if (!gp_enter(GP_SYM_write)) return real_write(fd, buf, n);
    struct fdt *e = io_waitable(fd);
    if (!e)
        return gp_none_io(fio_on ? fio_rw(GP_SYM_write, fd, (long)buf, (long)n)
                                 : real_write(fd, buf, n));
    struct rw x = {fd, FDT_BUF(buf, n)};
    ssize_t r = io_call(fd, &e, HUB_OUT, write_op, &x);
    return r < -1 ? real_write(fd, buf, n) : r;
}
GP_HOOK_ALIAS(write)

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    if (!gp_enter(GP_SYM_readv)) return REAL(readv)(fd, iov, iovcnt);
    struct fdt *e = iovcnt > 0 && iovcnt <= IOV_MAX ? io_waitable(fd) : NULL;
    if (!e) return gp_none_io(fio_rw(GP_SYM_readv, fd, (long)iov, iovcnt));
    struct rw x = {fd, FDT_VEC(iov, iovcnt)};
    ssize_t r = io_call(fd, &e, HUB_IN, readv_op, &x);
    if (r < -1) return REAL(readv)(fd, iov, iovcnt);
    if (r > 0) fdt_read_done(e, r, fdt_iov_len(iov, iovcnt));
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    if (!gp_enter(GP_SYM_writev)) return REAL(writev)(fd, iov, iovcnt);
    struct fdt *e = iovcnt > 0 && iovcnt <= IOV_MAX ? io_waitable(fd) : NULL;
    if (!e) return gp_none_io(fio_rw(GP_SYM_writev, fd, (long)iov, iovcnt));
    struct rw x = {fd, FDT_VEC(iov, iovcnt)};
    ssize_t r = io_call(fd, &e, HUB_OUT, writev_op, &x);
    return r < -1 ? REAL(writev)(fd, iov, iovcnt) : r;
}

int pipe2(int fds[2], int flags)
{
    if (!gp_enter(GP_SYM_pipe2)) return REAL(pipe2)(fds, flags);
    int r = REAL(pipe2)(fds, flags | O_NONBLOCK);
    if (r == 0) {
        fdt_created_nb(fds[0], FDT_PIPE, flags & O_NONBLOCK, !(flags & O_DIRECT));
        fdt_created_nb(fds[1], FDT_PIPE, flags & O_NONBLOCK, !(flags & O_DIRECT));
    }
    return r;
}

int pipe(int fds[2])
{
    if (!gp_enter(GP_SYM_pipe)) return REAL(pipe)(fds);
    int r = REAL(pipe2)(fds, O_NONBLOCK);
    if (r == 0) {
        fdt_created_nb(fds[0], FDT_PIPE, 0, 1);
        fdt_created_nb(fds[1], FDT_PIPE, 0, 1);
    }
    return r;
}

/* fdopen and fclose: patches/stdio.c. */

/* A child made with posix_spawn gets fd as newfd: it must not inherit a
 * description the shim made non-blocking behind the program's back. */
int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa, int fd, int newfd)
{
    if (gp_syms[GP_SYM_posix_spawn_file_actions_adddup2].on) fdt_disown(fd);
    return REAL(posix_spawn_file_actions_adddup2)(fa, fd, newfd);
}
