/* socket: sockets become non-blocking descriptions the shim owns; a call the
 * program makes blocking waits on the hub instead of in the kernel. The
 * program keeps its own view of O_NONBLOCK and SO_*TIMEO (see fdt.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "block.h"
#include "fdt.h"
#include "patch.h"

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *addr,
                       socklen_t *alen);

/* ---- creating sockets ----------------------------------------------------- */

#define SOCK_KIND(type) ((type) & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))

/* The shim makes a socket's description non-blocking (so accept, connect
 * and sendfile can wait on the hub) only when read and write on it are
 * hooked too: with io switched off, the program's plain read() would get
 * EAGAIN. Without it, recv/send still wait on the hub (MSG_DONTWAIT) and
 * the rest blocks the OS thread, as natively. */
static int own_sockets(void)
{
    return gp_sub_on[GP_SUB_io];
}

/* fd was created through a hook; nb: the kernel made it non-blocking. */
static void sock_created(int fd, int type, int nb)
{
    if (nb)
        fdt_created_nb(fd, FDT_SOCKET, type & SOCK_NONBLOCK, SOCK_KIND(type) == SOCK_STREAM);
    else
        fdt_forget(fd); /* classified (and not owned) on first use */
}

int socket(int domain, int type, int protocol)
{
    if (!gp_enter(GP_SYM_socket)) return REAL(socket)(domain, type, protocol);
    int nb = (type & SOCK_NONBLOCK) || own_sockets();
    int fd = REAL(socket)(domain, type | (nb ? SOCK_NONBLOCK : 0), protocol);
    if (fd >= 0) sock_created(fd, type, nb);
    return fd;
}

int socketpair(int domain, int type, int protocol, int sv[2])
{
    if (!gp_enter(GP_SYM_socketpair)) return REAL(socketpair)(domain, type, protocol, sv);
    int nb = (type & SOCK_NONBLOCK) || own_sockets();
    int r = REAL(socketpair)(domain, type | (nb ? SOCK_NONBLOCK : 0), protocol, sv);
    if (r == 0) { /* the kernel wrote sv: it is valid memory */
        sock_created(sv[0], type, nb);
        sock_created(sv[1], type, nb);
    }
    return r;
}

struct accept_ctx {
    int fd;
    struct sockaddr *addr;
    socklen_t *alen;
    int flags;
};
static ssize_t accept_op(void *c, int mode)
{
    struct accept_ctx *a = c;
    (void)mode;
    return REAL(accept4)(a->fd, a->addr, a->alen, a->flags | (own_sockets() ? SOCK_NONBLOCK : 0));
}

/* A socket we do not own is waited for before accept is called: only if it
 * listens, or it would never be ready and accept's EINVAL never come. */
static int listening(int fd)
{
    int on = 0;
    socklen_t l = sizeof on;
    return REAL(getsockopt)(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &l) == 0 && on;
}

static int do_accept(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
    struct fdt *e = fdt_get(fd);
    struct accept_ctx a = {fd, addr, alen, flags};
    int r;
    if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) /* EINVAL, at once */
        return REAL(accept4)(fd, addr, alen, flags);
    if (e && e->user_nb) /* the program asked for EAGAIN: the kernel answers it */
        r = (int)gp_none_io(
            REAL(accept4)(fd, addr, alen, flags | (own_sockets() ? SOCK_NONBLOCK : 0)));
    else if (e && e->kind == FDT_SOCKET && (e->shim_nb || listening(fd)))
        r = (int)fdt_call(fd, e, HUB_IN, e->shim_nb ? FDT_PLAIN : FDT_READY, accept_op, &a);
    else /* not a listening socket, or a bad fd: the kernel's own error */
        return REAL(accept4)(fd, addr, alen, flags);
    if (r >= 0) {
        int nb = (flags & SOCK_NONBLOCK) || own_sockets();
        if (nb)
            fdt_created_nb(r, FDT_SOCKET, flags & SOCK_NONBLOCK, e->stream);
        else
            fdt_forget(r);
    } else if (errno == EMFILE || errno == ENFILE) {
        /* At the fd limit a server's accept loop retries at once. Natively
         * its other threads close connections meanwhile; here they are
         * greenlets that must get a turn, or the loop spins forever.
         * (errno is the greenlet's own across the yield.) */
        hub_yield();
    }
    return r;
}

int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
    if (!gp_enter(GP_SYM_accept)) return REAL(accept)(fd, addr, alen);
    return do_accept(fd, addr, alen, 0);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
    if (!gp_enter(GP_SYM_accept4)) return REAL(accept4)(fd, addr, alen, flags);
    return do_accept(fd, addr, alen, flags);
}

/* A blocking connect on a description we made non-blocking: start it, wait
 * until the socket is writable, then ask connect again, which is what
 * finishes it in the kernel's eyes (0, or the error as a blocking connect
 * returns it, the socket left unconnected) - SO_ERROR would leave the
 * socket "connecting" and change what the next connect says. */
int connect(int fd, const struct sockaddr *addr, socklen_t alen)
{
    if (!gp_enter(GP_SYM_connect)) return REAL(connect)(fd, addr, alen);
    struct fdt *e = fdt_get(fd);
    /* only a description we made non-blocking can be waited for here */
    if (!e || e->kind != FDT_SOCKET || e->user_nb || !e->shim_nb)
        return (int)gp_none_io(REAL(connect)(fd, addr, alen));
    int r = REAL(connect)(fd, addr, alen);
    if (r == 0 || (errno != EINPROGRESS && errno != EALREADY && errno != EAGAIN)) return r;
    /* what a blocking connect says when SO_SNDTIMEO runs out: EINPROGRESS
     * for a new attempt, EALREADY when one was already under way, EAGAIN
     * for AF_UNIX (a full backlog) */
    int timeout_err = errno;
    hub_deadline dl = e->sndtimeo_ns > 0 ? hub_after_ns(e->sndtimeo_ns) : hub_never();
    gp_backoff backoff = GP_BACKOFF(1000000, 50000000);
    for (;;) {
        int w;
        if (errno == EAGAIN) {
            /* AF_UNIX with a full backlog: nothing to poll for (the socket
             * is writable all along); natively the kernel sleeps until the
             * listener accepts. Retry after a growing pause. */
            w = hub_pause(&backoff, dl);
        } else {
            w = hub_wait_fd(fd, HUB_OUT, dl);
        }
        if (w == ETIMEDOUT) {
            errno = timeout_err;
            return -1;
        }
        if (w) {
            errno = w;
            return -1;
        }
        r = REAL(connect)(fd, addr, alen);
        if (r == 0) return 0;
        if (errno == EISCONN && timeout_err != EAGAIN) return 0; /* finished meanwhile */
        if (errno != EINPROGRESS && errno != EALREADY && errno != EAGAIN) return -1;
    }
}

/* ---- sending and receiving ------------------------------------------------ */

struct xfer {
    int fd;
    int flags;
    struct fdt_rest t; /* the buffer, or the msghdr's array (fdt.h) */
    struct sockaddr *addr;
    socklen_t *alen; /* recvfrom */
    socklen_t salen; /* sendto */
    struct mmsghdr *mm;
    unsigned vlen;
};

#define DW(mode) ((mode) == FDT_DONTWAIT ? MSG_DONTWAIT : 0)

static ssize_t recvfrom_op(void *c, int mode)
{
    struct xfer *x = c;
    return REAL(recvfrom)(x->fd, x->t.buf, x->t.n, x->flags | DW(mode), x->addr, x->alen);
}
static ssize_t sendto_op(void *c, int mode)
{
    struct xfer *x = c;
    return REAL(sendto)(x->fd, x->t.buf, x->t.n, x->flags | DW(mode), x->addr, x->salen);
}
/* The program's header for the first part, then one naming what is left
 * of its array (fdt_rest). */
static struct msghdr *msg_now(struct xfer *x, struct msghdr *m)
{
    if (!x->t.done) return (struct msghdr *)x->t.msg;
    *m = (struct msghdr){.msg_iov = x->t.iov, .msg_iovlen = (size_t)x->t.iovcnt};
    return m;
}
static ssize_t recvmsg_op(void *c, int mode)
{
    struct xfer *x = c;
    struct msghdr m;
    return REAL(recvmsg)(x->fd, msg_now(x, &m), x->flags | DW(mode));
}
static ssize_t sendmsg_op(void *c, int mode)
{
    struct xfer *x = c;
    struct msghdr m;
    return REAL(sendmsg)(x->fd, msg_now(x, &m), x->flags | DW(mode));
}

/* Should this socket call wait on the hub? Not for a non-blocking fd in the
 * user's view, MSG_DONTWAIT, MSG_ERRQUEUE (reading the error queue never
 * waits: EAGAIN when it is empty), or anything that is not a socket we
 * know. */
static struct fdt *sock_waitable(int fd, int flags)
{
    if (flags & (MSG_DONTWAIT | MSG_ERRQUEUE)) return NULL;
    struct fdt *e = fdt_get(fd);
    return fdt_waitable(e) && e->kind == FDT_SOCKET ? e : NULL;
}

/* The peer will send no more (shut down its side, or gone). */
static int peer_done(int fd)
{
    struct pollfd p = {fd, POLLRDHUP, 0};
    return REAL(poll)(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static int is_unix(int fd)
{
    int d = 0;
    socklen_t l = sizeof d;
    return REAL(getsockopt)(fd, SOL_SOCKET, SO_DOMAIN, &d, &l) == 0 && d == AF_UNIX;
}

/* MSG_PEEK with MSG_WAITALL on a stream: TCP waits until all of it is
 * queued (or end of file, a signal, the timeout: what is there), each try
 * reading from the start of the queue; AF_UNIX returns what is queued.
 * Nothing announces more data on a socket that is readable already: peek
 * again after a growing pause. */
static ssize_t peek_all(int fd, struct fdt *e, ssize_t (*op)(void *, int), struct xfer *x)
{
    x->flags &= ~MSG_WAITALL;
    ssize_t r = fdt_call(fd, e, HUB_IN, FDT_DONTWAIT, op, x);
    if (r <= 0 || is_unix(fd)) return r;
    const struct msghdr *m = x->t.msg; /* the kernel accepted it */
    size_t want = m ? fdt_iov_len(m->msg_iov, (int)m->msg_iovlen) : x->t.n;
    hub_deadline dl = e->rcvtimeo_ns > 0 ? hub_after_ns(e->rcvtimeo_ns) : hub_never();
    gp_backoff b = GP_BACKOFF(100000, 10000000);
    int err = errno;
    while ((size_t)r < want && !peer_done(fd) && hub_pause(&b, dl) == 0) {
        ssize_t again = op(x, FDT_DONTWAIT);
        if (again < r) break; /* an error, or another reader took some */
        r = again;
    }
    errno = err;
    return r;
}

/* A blocking send returns once all of it is queued, and a receive with
 * MSG_WAITALL on a stream once all of it came (or end of file, an error, a
 * signal, the timeout: what came so far); on a datagram socket the kernel
 * ignores MSG_WAITALL. Either is the whole transfer (fdt_call_all). */
static ssize_t sock_call(int fd, struct fdt *e, int events, ssize_t (*op)(void *, int),
                         struct xfer *x)
{
    if (events & HUB_IN) {
        if (!(x->flags & MSG_WAITALL) || !e->stream)
            return fdt_call(fd, e, events, FDT_DONTWAIT, op, x);
        if (x->flags & MSG_PEEK) return peek_all(fd, e, op, x);
        x->flags &= ~MSG_WAITALL;
    }
    return fdt_call_all(fd, e, events, FDT_DONTWAIT, op, x, &x->t);
}

static ssize_t do_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr,
                           socklen_t *alen)
{
    struct fdt *e = sock_waitable(fd, flags);
    if (!e) return gp_none_io(REAL(recvfrom)(fd, buf, n, flags, addr, alen));
    struct xfer x = {.fd = fd, .flags = flags, .t = FDT_BUF(buf, n), .addr = addr, .alen = alen};
    ssize_t r = sock_call(fd, e, HUB_IN, recvfrom_op, &x);
    if (!(flags & (MSG_PEEK | MSG_WAITALL))) fdt_read_done(e, r, n);
    return r;
}

static ssize_t do_sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
                         socklen_t alen)
{
    struct fdt *e = sock_waitable(fd, flags);
    if (!e) return gp_none_io(REAL(sendto)(fd, buf, n, flags, addr, alen));
    struct xfer x = {.fd = fd,
                     .flags = flags,
                     .t = FDT_BUF(buf, n),
                     .addr = (struct sockaddr *)addr,
                     .salen = alen};
    return sock_call(fd, e, HUB_OUT, sendto_op, &x);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    if (!gp_enter(GP_SYM_recv)) return REAL(recv)(fd, buf, n, flags);
    return do_recvfrom(fd, buf, n, flags, NULL, NULL);
}

ssize_t __recv_chk(int fd, void *buf, size_t n, size_t buflen, int flags)
{
    if (n > buflen || !gp_enter(GP_SYM___recv_chk))
        return REAL(__recv_chk)(fd, buf, n, buflen, flags); /* reports the overflow */
    return do_recvfrom(fd, buf, n, flags, NULL, NULL);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *addr, socklen_t *alen)
{
    if (!gp_enter(GP_SYM_recvfrom)) return REAL(recvfrom)(fd, buf, n, flags, addr, alen);
    return do_recvfrom(fd, buf, n, flags, addr, alen);
}

ssize_t __recvfrom_chk(int fd, void *buf, size_t n, size_t buflen, int flags, struct sockaddr *addr,
                       socklen_t *alen)
{
    if (n > buflen || !gp_enter(GP_SYM___recvfrom_chk))
        return REAL(__recvfrom_chk)(fd, buf, n, buflen, flags, addr, alen);
    return do_recvfrom(fd, buf, n, flags, addr, alen);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    if (!gp_enter(GP_SYM_send)) return REAL(send)(fd, buf, n, flags);
    return do_sendto(fd, buf, n, flags, NULL, 0);
}

ssize_t sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *addr,
               socklen_t alen)
{
    if (!gp_enter(GP_SYM_sendto)) return REAL(sendto)(fd, buf, n, flags, addr, alen);
    return do_sendto(fd, buf, n, flags, addr, alen);
}

/* recvmsg and sendmsg: as recv and send, over the msghdr's array. */
ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
    if (!gp_enter(GP_SYM_recvmsg)) return REAL(recvmsg)(fd, msg, flags);
    struct fdt *e = sock_waitable(fd, flags);
    if (!e) return gp_none_io(REAL(recvmsg)(fd, msg, flags));
    struct xfer x = {.fd = fd, .flags = flags, .t = FDT_MSG(msg)};
    return sock_call(fd, e, HUB_IN, recvmsg_op, &x);
}

static ssize_t do_sendmsg(int fd, struct fdt *e, const struct msghdr *msg, int flags)
{
    struct xfer x = {.fd = fd, .flags = flags, .t = FDT_MSG(msg)};
    return sock_call(fd, e, HUB_OUT, sendmsg_op, &x);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
    if (!gp_enter(GP_SYM_sendmsg)) return REAL(sendmsg)(fd, msg, flags);
    struct fdt *e = sock_waitable(fd, flags);
    if (!e) return gp_none_io(REAL(sendmsg)(fd, msg, flags));
    return do_sendmsg(fd, e, msg, flags);
}

/* recvmmsg and sendmmsg, as the kernel runs them on a blocking socket: one
 * message after the other, each waiting for the socket (SO_*TIMEO per
 * message), until vlen are done or an error stops them (the count so far
 * wins over the error). recvmmsg's own timeout is only looked at after a
 * batch arrived, and MSG_WAITFORONE stops waiting after the first. */
static ssize_t recvmmsg_op(void *c, int mode)
{
    struct xfer *x = c;
    return REAL(recvmmsg)(x->fd, x->mm, x->vlen, x->flags | DW(mode), NULL);
}

#define MMSG_MAX 1024 /* UIO_MAXIOV: the kernel clamps vlen to it */

int recvmmsg(int fd, struct mmsghdr *mm, unsigned int vlen, int flags, struct timespec *tmo)
{
    if (!gp_enter(GP_SYM_recvmmsg)) return REAL(recvmmsg)(fd, mm, vlen, flags, tmo);
    struct fdt *e = sock_waitable(fd, flags);
    if (!e) return (int)gp_none_io(REAL(recvmmsg)(fd, mm, vlen, flags, tmo));
    struct timespec t;
    hub_deadline end = hub_never();
    if (tmo) {
        if (gp_copy_in(&t, tmo, sizeof t) || t.tv_sec < 0 || t.tv_nsec < 0 ||
            t.tv_nsec >= 1000000000)
            return REAL(recvmmsg)(fd, mm, vlen, flags, tmo); /* the kernel's error */
        hub_after_ts(&t, &end);
    }
    if (vlen > MMSG_MAX) vlen = MMSG_MAX;
    unsigned got = 0;
    while (got < vlen) {
        /* each try takes every message already queued */
        struct xfer x = {.fd = fd, .mm = got ? mm + got : mm, .vlen = vlen - got, .flags = flags};
        ssize_t r = fdt_call(fd, e, HUB_IN, FDT_DONTWAIT, recvmmsg_op, &x);
        if (r <= 0) {
            if (!got) return (int)r;
            break;
        }
        got += (unsigned)r;
        if (flags & MSG_WAITFORONE) break;
        if (tmo && hub_left_ns(end) == 0) break;
    }
    if (tmo) { /* the time left, as the kernel writes it back */
        int64_t left = hub_left_ns(end);
        t.tv_sec = left / 1000000000;
        t.tv_nsec = left % 1000000000;
        gp_copy_out(tmo, &t, sizeof t);
    }
    return (int)got;
}

int sendmmsg(int fd, struct mmsghdr *mm, unsigned int vlen, int flags)
{
    if (!gp_enter(GP_SYM_sendmmsg)) return REAL(sendmmsg)(fd, mm, vlen, flags);
    struct fdt *e = sock_waitable(fd, flags);
    if (!e) return (int)gp_none_io(REAL(sendmmsg)(fd, mm, vlen, flags));
    if (vlen > MMSG_MAX) vlen = MMSG_MAX;
    unsigned sent = 0;
    while (sent < vlen) {
        /* the first may be a bad pointer the kernel is to report */
        struct msghdr *h = sent ? &mm[sent].msg_hdr : (struct msghdr *)(void *)mm;
        ssize_t r = do_sendmsg(fd, e, h, flags);
        if (r < 0) {
            if (!sent) return -1;
            break;
        }
        mm[sent++].msg_len = (unsigned)r;
    }
    return (int)sent;
}

struct sf_ctx {
    int out, in;
    off_t *off;
    struct fdt_rest t; /* a count: the kernel advances *off (or in's offset) itself */
};
static ssize_t sendfile_op(void *c, int mode)
{
    struct sf_ctx *s = c;
    (void)mode;
    return REAL(sendfile)(s->out, s->in, s->off, s->t.n);
}

/* A blocking sendfile sends all of n to a socket; to a pipe, what fits
 * once there is room (the kernel's splice into a pipe). */
static ssize_t do_sendfile(int out, int in, off_t *off, size_t n)
{
    struct fdt *e = fdt_get(out);
    if (!fdt_waitable(e) || !e->shim_nb) return REAL(sendfile)(out, in, off, n);
    struct sf_ctx s = {out, in, off, FDT_COUNT(n)};
    if (e->kind != FDT_SOCKET) return fdt_call(out, e, HUB_OUT, FDT_PLAIN, sendfile_op, &s);
    return fdt_call_all(out, e, HUB_OUT, FDT_PLAIN, sendfile_op, &s, &s.t);
}

ssize_t sendfile(int out, int in, off_t *off, size_t n)
{
    if (!gp_enter(GP_SYM_sendfile)) return REAL(sendfile)(out, in, off, n);
    return do_sendfile(out, in, off, n);
}

ssize_t sendfile64(int out, int in, off64_t *off, size_t n)
{
    if (!gp_enter(GP_SYM_sendfile64)) return REAL(sendfile64)(out, in, off, n);
    return do_sendfile(out, in, (off_t *)off, n);
}

/* ---- shutting down ---------------------------------------------------- */

int shutdown(int fd, int how)
{
    if (!gp_enter(GP_SYM_shutdown)) return REAL(shutdown)(fd, how);
    return REAL(shutdown)(fd, how);
}

/* ---- options and modes -------------------------------------------------- */

int setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
    if (!gp_syms[GP_SYM_setsockopt].on) return REAL(setsockopt)(fd, level, name, val, len);
    int r = REAL(setsockopt)(fd, level, name, val, len);
    if (r == 0 && level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO)) {
        struct timeval tv; /* the kernel read it: the pointer is good */
        struct fdt *e = fdt_get(fd);
        if (e && len >= sizeof tv && gp_copy_in(&tv, val, sizeof tv) == 0) {
            int64_t ns = (int64_t)tv.tv_sec * 1000000000 + (int64_t)tv.tv_usec * 1000;
            if (ns < 0) ns = 0;
            if (name == SO_RCVTIMEO)
                e->rcvtimeo_ns = ns;
            else
                e->sndtimeo_ns = ns;
            fdt_share(e);
        }
    }
    return r;
}

int getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
    if (!gp_enter(GP_SYM_getsockopt)) return REAL(getsockopt)(fd, level, name, val, len);
    return REAL(getsockopt)(fd, level, name, val, len);
}
