/* io: read/write and friends on sockets, pipes, FIFOs, ttys and eventfds
 * wait on the hub; regular files go straight through. Pipes the program
 * creates become non-blocking descriptions the shim owns (fdt.h); inherited
 * fds are never switched: their readiness is awaited, then the original is
 * called. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fdt.h"
#include "patch.h"

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

/* The originals, or the raw system call while dlsym is resolving them
 * (bootstrap: dlsym itself may read or write). */
static ssize_t real_read(int fd, void *buf, size_t n)
{
    void *p = gp_real(GP_SYM_read);
    return p ? ((ssize_t(*)(int, void *, size_t))p)(fd, buf, n) : syscall(SYS_read, fd, buf, n);
}
static ssize_t real_write(int fd, const void *buf, size_t n)
{
    void *p = gp_real(GP_SYM_write);
    return p ? ((ssize_t(*)(int, const void *, size_t))p)(fd, buf, n)
             : syscall(SYS_write, fd, buf, n);
}

struct rw {
    int fd, sock;
    void *buf;
    size_t n;
    const struct iovec *iov;
    int iovcnt;
};

/* On a socket, read is recv with no flags: MSG_DONTWAIT keeps it from ever
 * blocking the hub, whoever changed the description's mode. */
static ssize_t read_op(void *c, int nb)
{
    struct rw *x = c;
    if (x->sock && nb) return REAL(recvfrom)(x->fd, x->buf, x->n, MSG_DONTWAIT, NULL, NULL);
    return real_read(x->fd, x->buf, x->n);
}
static ssize_t write_op(void *c, int nb)
{
    struct rw *x = c;
    if (x->sock && nb) return REAL(sendto)(x->fd, x->buf, x->n, MSG_DONTWAIT, NULL, 0);
    return real_write(x->fd, x->buf, x->n);
}
static ssize_t readv_op(void *c, int nb)
{
    struct rw *x = c;
    if (x->sock && nb) {
        struct msghdr m = {.msg_iov = (struct iovec *)x->iov, .msg_iovlen = (size_t)x->iovcnt};
        if (x->iovcnt >= 0) return REAL(recvmsg)(x->fd, &m, MSG_DONTWAIT);
    }
    return REAL(readv)(x->fd, x->iov, x->iovcnt);
}
static ssize_t writev_op(void *c, int nb)
{
    struct rw *x = c;
    if (x->sock && nb) {
        struct msghdr m = {.msg_iov = (struct iovec *)x->iov, .msg_iovlen = (size_t)x->iovcnt};
        if (x->iovcnt >= 0) return REAL(sendmsg)(x->fd, &m, MSG_DONTWAIT);
    }
    return REAL(writev)(x->fd, x->iov, x->iovcnt);
}

/* The fd's entry when a call on it may wait on the hub, else NULL. */
static struct fdt *io_waitable(int fd)
{
    struct fdt *e = fdt_get(fd);
    return fdt_waitable(e) ? e : NULL;
}

/* Runs op; a socket whose entry was stale (the fd number was reused behind
 * our back for something else) is looked at again. */
static ssize_t io_call(int fd, struct fdt *e, int events, ssize_t (*op)(void *, int), struct rw *x)
{
    x->sock = e->kind == FDT_SOCKET;
    ssize_t r = fdt_call(fd, e, events, x->sock || e->shim_nb, op, x);
    if (r < 0 && errno == ENOTSOCK && x->sock) {
        fdt_forget(fd);
        if (!(e = io_waitable(fd))) return -2; /* the caller goes to the original */
        x->sock = e->kind == FDT_SOCKET;
        r = fdt_call(fd, e, events, x->sock || e->shim_nb, op, x);
    }
    return r;
}

static ssize_t do_read(int fd, void *buf, size_t n)
{
    struct fdt *e = io_waitable(fd);
    if (!e) return real_read(fd, buf, n);
    struct rw x = {.fd = fd, .buf = buf, .n = n};
    ssize_t r = io_call(fd, e, HUB_IN, read_op, &x);
    return r < -1 ? real_read(fd, buf, n) : r;
}

ssize_t read(int fd, void *buf, size_t n)
{
    if (!gp_enter(GP_SYM_read)) return real_read(fd, buf, n);
    return do_read(fd, buf, n);
}

ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen)
{
    if (n > buflen || !gp_enter(GP_SYM___read_chk))
        return REAL(__read_chk)(fd, buf, n, buflen); /* reports the overflow */
    return do_read(fd, buf, n);
}

/* A blocking write returns once all of it is written (pipes, stream
 * sockets): go on after partial writes as the kernel would have. */
ssize_t write(int fd, const void *buf, size_t n)
{
    if (!gp_enter(GP_SYM_write)) return real_write(fd, buf, n);
    struct fdt *e = io_waitable(fd);
    if (!e) return real_write(fd, buf, n);
    struct rw x = {.fd = fd};
    size_t done = 0;
    do {
        x.buf = (char *)buf + done;
        x.n = n - done;
        ssize_t r = io_call(fd, e, HUB_OUT, write_op, &x);
        if (r < -1) return done ? (ssize_t)done : real_write(fd, buf, n);
        if (r < 0) return done ? (ssize_t)done : -1;
        if (r == 0) break;
        done += (size_t)r;
    } while (done < n);
    return (ssize_t)done;
}

ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
    if (!gp_enter(GP_SYM_readv)) return REAL(readv)(fd, iov, iovcnt);
    struct fdt *e = io_waitable(fd);
    if (!e) return REAL(readv)(fd, iov, iovcnt);
    struct rw x = {.fd = fd, .iov = iov, .iovcnt = iovcnt};
    ssize_t r = io_call(fd, e, HUB_IN, readv_op, &x);
    return r < -1 ? REAL(readv)(fd, iov, iovcnt) : r;
}

ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
    if (!gp_enter(GP_SYM_writev)) return REAL(writev)(fd, iov, iovcnt);
    struct fdt *e = io_waitable(fd);
    if (!e) return REAL(writev)(fd, iov, iovcnt);
    struct rw x = {.fd = fd, .iov = iov, .iovcnt = iovcnt};
    ssize_t r = io_call(fd, e, HUB_OUT, writev_op, &x);
    return r < -1 ? REAL(writev)(fd, iov, iovcnt) : r;
}

int pipe2(int fds[2], int flags)
{
    if (!gp_enter(GP_SYM_pipe2)) return REAL(pipe2)(fds, flags);
    int r = REAL(pipe2)(fds, flags | O_NONBLOCK);
    if (r == 0) {
        fdt_created_nb(fds[0], FDT_PIPE, flags & O_NONBLOCK);
        fdt_created_nb(fds[1], FDT_PIPE, flags & O_NONBLOCK);
    }
    return r;
}

int pipe(int fds[2])
{
    if (!gp_enter(GP_SYM_pipe)) return REAL(pipe)(fds);
    int r = REAL(pipe2)(fds, O_NONBLOCK);
    if (r == 0) {
        fdt_created_nb(fds[0], FDT_PIPE, 0);
        fdt_created_nb(fds[1], FDT_PIPE, 0);
    }
    return r;
}

/* stdio reads and writes through glibc's private calls, which never reach
 * the hooks: a stream gets its fd back in blocking mode (it may then block
 * the OS thread, as documented, but never fails with EAGAIN). */
FILE *fdopen(int fd, const char *mode)
{
    if (gp_syms[GP_SYM_fdopen].on) fdt_disown(fd);
    return REAL(fdopen)(fd, mode);
}
