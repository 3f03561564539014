/* The per-fd table. Two levels (chunks of FDT_CHUNK entries allocated on
 * first use), so it follows RLIMIT_NOFILE without a fixed size and an entry
 * never moves once handed out (rings of siblings point at entries). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#include "fdt.h"
#include "patch.h"

#define FDT_CHUNK 1024
#define FDT_TOP   1024 /* 1M fds: the kernel's default nr_open */

/* Each chunk also remembers which entries are valid. */
struct fdt_chunk {
    struct fdt e[FDT_CHUNK];
    unsigned char known[FDT_CHUNK];
};
static struct fdt_chunk *fdt_top[FDT_TOP];

/* Rings change (dup, close) and description-wide fields spread through
 * them under one lock; lookups take none. Only native threads can contend
 * (greenlets of one hub never run at once), and nobody waits while holding
 * it, so a spin lock will do. */
static int fdt_lk;
static void lock(void)
{
    gp_spin_lock(&fdt_lk);
}
static void unlock(void)
{
    gp_spin_unlock(&fdt_lk);
}

/* fcntl without our own hook (and without dlsym while it is resolving). */
static int raw_fcntl(int fd, int cmd, long arg)
{
    void *p = gp_real(GP_SYM_fcntl);
    if (p) return ((int (*)(int, int, ...))p)(fd, cmd, arg);
    return (int)gp_syscall(SYS_fcntl, fd, cmd, arg);
}

static struct fdt_chunk *chunk(int fd, int create)
{
    if (fd < 0 || fd / FDT_CHUNK >= FDT_TOP) return NULL;
    struct fdt_chunk **slot = &fdt_top[fd / FDT_CHUNK];
    struct fdt_chunk *c = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (c || !create) return c;
    c = calloc(1, sizeof *c);
    if (!c) return NULL;
    struct fdt_chunk *expect = NULL;
    if (!__atomic_compare_exchange_n(slot, &expect, c, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        free(c); /* another native thread was first */
        c = expect;
    }
    return c;
}

/* ---- rings of fds sharing a description ------------------------------------ */

static void ring_unlink(struct fdt *e) /* under lock */
{
    if (!e->sib) return;
    struct fdt *p = e->sib;
    while (p->sib != e) p = p->sib;
    p->sib = e->sib == p ? NULL : e->sib;
    e->sib = NULL;
}

static void ring_link(struct fdt *o, struct fdt *n) /* under lock; n is alone */
{
    n->sib = o->sib ? o->sib : o;
    o->sib = n;
}

static void copy_desc(struct fdt *to, const struct fdt *from)
{
    to->kind = from->kind;
    to->user_nb = from->user_nb;
    to->shim_nb = from->shim_nb;
    to->owned = from->owned;
    to->stream = from->stream;
    to->nowait_bad = from->nowait_bad;
    to->rcvtimeo_ns = from->rcvtimeo_ns;
    to->sndtimeo_ns = from->sndtimeo_ns;
}

void fdt_share(struct fdt *e)
{
    if (!e->sib) return;
    lock();
    for (struct fdt *s = e->sib; s && s != e; s = s->sib) copy_desc(s, e);
    unlock();
}

/* ---- classifying and creating ------------------------------------------------ */

static int64_t tv_ns(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000000 + (int64_t)tv->tv_usec * 1000;
}

static int classify(int fd, struct fdt *e)
{
    struct stat st;
    int fl = raw_fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fstat(fd, &st) < 0) return -1;
    e->stream = 0;
    switch (st.st_mode & S_IFMT) {
    case S_IFSOCK:
        e->kind = FDT_SOCKET;
        break;
    case S_IFIFO:
        e->kind = FDT_FIFO;
        e->stream = 1;
        break;
    case S_IFCHR:
        e->kind = FDT_TTY;
        break;
    case 0:
        e->kind = FDT_EVENTFD;
        break; /* anon inodes carry no type */
    default:
        e->kind = FDT_FILE;
        break;
    }
    e->user_nb = (fl & O_NONBLOCK) != 0;
    e->shim_nb = e->owned = e->nowait_bad = e->drained = 0;
    e->moving = 0;
    e->rcvtimeo_ns = e->sndtimeo_ns = 0;
    e->sib = NULL;
    if (e->kind == FDT_SOCKET) { /* inherited: its timeouts were set before us */
        struct timeval tv;
        int type = 0;
        socklen_t l = sizeof tv;
        if (REAL(getsockopt)(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &l) == 0)
            e->rcvtimeo_ns = tv_ns(&tv);
        l = sizeof tv;
        if (REAL(getsockopt)(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) == 0)
            e->sndtimeo_ns = tv_ns(&tv);
        l = sizeof type;
        if (REAL(getsockopt)(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0)
            e->stream = type == SOCK_STREAM;
    }
    return 0;
}

int fdt_no_restart(int fd, int events, const gl_t *g)
{
    struct fdt *e = fdt_get(fd);
    if (!e) return 0;
    if (e->moving && e->moving == g->id) return 1;
    if (e->kind != FDT_SOCKET) return 0;
    return ((events & HUB_IN) && e->rcvtimeo_ns > 0) || ((events & HUB_OUT) && e->sndtimeo_ns > 0);
}

struct fdt *fdt_get(int fd)
{
    struct fdt_chunk *c = chunk(fd, 1);
    if (!c) return NULL;
    int i = fd % FDT_CHUNK;
    if (!c->known[i]) {
        if (classify(fd, &c->e[i]) < 0) return NULL;
        c->known[i] = 1;
    }
    return &c->e[i];
}

/* fd's entry, emptied (and out of its old ring): fd names something new. */
static struct fdt *fresh(int fd) /* under lock */
{
    struct fdt_chunk *c = chunk(fd, 1);
    if (!c) return NULL;
    int i = fd % FDT_CHUNK;
    if (c->known[i]) ring_unlink(&c->e[i]);
    c->e[i] = (struct fdt){0};
    c->known[i] = 1;
    return &c->e[i];
}

void fdt_created_nb(int fd, int kind, int user_nb, int stream)
{
    lock();
    struct fdt *e = fresh(fd);
    if (e) {
        e->kind = (unsigned char)kind;
        e->user_nb = user_nb != 0;
        e->shim_nb = !user_nb;
        e->owned = 1;
        e->stream = stream != 0;
    }
    unlock();
}

void fdt_forget(int fd)
{
    struct fdt_chunk *c = chunk(fd, 0);
    if (!c) return;
    int i = fd % FDT_CHUNK;
    lock();
    if (c->known[i]) ring_unlink(&c->e[i]);
    c->known[i] = 0;
    unlock();
}

void fdt_copy(int oldfd, int newfd)
{
    struct fdt *o = fdt_get(oldfd);
    if (!o || oldfd == newfd) {
        if (!o) fdt_forget(newfd);
        return;
    }
    lock();
    struct fdt *n = fresh(newfd);
    if (n) {
        copy_desc(n, o);
        ring_link(o, n);
    }
    unlock();
}

void fdt_disown(int fd)
{
    struct fdt_chunk *c = chunk(fd, 0);
    int i = fd % FDT_CHUNK;
    if (!c || !c->known[i]) return;
    struct fdt *e = &c->e[i];
    if (e->shim_nb) {
        int fl = raw_fcntl(fd, F_GETFL, 0);
        if (fl >= 0) raw_fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    }
    e->shim_nb = 0;
    e->owned = 0;
    fdt_share(e);
}

void fdt_before_exec(void)
{
    int e = errno;
    for (int t = 0; t < FDT_TOP; t++) {
        struct fdt_chunk *c = __atomic_load_n(&fdt_top[t], __ATOMIC_ACQUIRE);
        if (!c) continue;
        for (int i = 0; i < FDT_CHUNK; i++) {
            if (!c->known[i] || !c->e[i].shim_nb) continue;
            int fd = t * FDT_CHUNK + i;
            int fdfl = raw_fcntl(fd, F_GETFD, 0);
            if (fdfl < 0 || (fdfl & FD_CLOEXEC)) continue;
            fdt_disown(fd);
        }
    }
    errno = e;
}

/* ---- waiting ------------------------------------------------------------------ */

int fdt_wait(int fd, int events, hub_deadline dl)
{
    int r = hub_wait_fd(fd, events, dl);
    if (r == 0) return 0;
    errno = r == ETIMEDOUT ? EAGAIN : r;
    return -1;
}

/* A call's deadline, computed on its first wait ({0} until then): a call
 * that does not wait reads no clock. */
static hub_deadline *deadline(const struct fdt *e, int events, hub_deadline *dl)
{
    if (dl->ns == 0) {
        int64_t t = events & HUB_IN ? e->rcvtimeo_ns : e->sndtimeo_ns;
        *dl = t > 0 ? hub_after_ns(t) : hub_never();
    }
    return dl;
}

/* Asks the kernel first, so a ready fd costs no trip through the loop. */
static int wait_ready(int fd, int events, hub_deadline dl)
{
    struct pollfd p = {
        fd, (short)((events & HUB_IN ? POLLIN : 0) | (events & HUB_OUT ? POLLOUT : 0)), 0};
    void *rp = gp_real(GP_SYM_poll);
    int n = rp ? ((int (*)(struct pollfd *, nfds_t, int))rp)(&p, 1, 0)
               : (int)gp_syscall(SYS_poll, &p, 1, 0);
    if (n != 0) return 0; /* ready, or an error the real call will report */
    return fdt_wait(fd, events, dl);
}

int fdt_io_mode(const struct fdt *e, int events)
{
    if (e->kind == FDT_SOCKET) return FDT_DONTWAIT;
    if (e->shim_nb) return FDT_PLAIN;
    if ((e->kind == FDT_PIPE || e->kind == FDT_FIFO || e->kind == FDT_EVENTFD) &&
        !(e->nowait_bad & events))
        return FDT_NOWAIT;
    return FDT_READY;
}

static ssize_t call(int fd, struct fdt *e, int events, int mode, ssize_t (*op)(void *ctx, int mode),
                    void *ctx, hub_deadline *dl)
{
    ssize_t r;
    if (events & HUB_IN && e->drained) {
        e->drained = 0;
        int w = hub_wait_fd(fd, events, *deadline(e, events, dl));
        if (w && w != ETIMEDOUT) {
            errno = w;
            return -1;
        }
    }
    if (mode == FDT_READY) goto ready;
    for (;;) {
        r = op(ctx, mode);
        if (r >= 0) return r;
        if (errno == EOPNOTSUPP && mode == FDT_NOWAIT) { /* this kind of file cannot */
            e->nowait_bad |= (unsigned char)events;
            fdt_share(e);
            goto ready;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK) return r;
        int w = hub_wait_fd(fd, events, *deadline(e, events, dl));
        if (w == ETIMEDOUT) { /* one last try: what came at the deadline counts */
            r = op(ctx, mode);
            if (r < 0 && errno == EWOULDBLOCK) errno = EAGAIN;
            return r;
        }
        if (w) {
            errno = w;
            return -1;
        }
    }
ready:
    if (wait_ready(fd, events, *deadline(e, events, dl)) < 0) return -1;
    return op(ctx, FDT_PLAIN);
}

ssize_t fdt_call(int fd, struct fdt *e, int events, int mode, ssize_t (*op)(void *ctx, int mode),
                 void *ctx)
{
    hub_deadline dl = {0, CLOCK_MONOTONIC};
    return call(fd, e, events, mode, op, ctx, &dl);
}

/* ---- whole transfers ---------------------------------------------------------- */

size_t fdt_iov_len(const struct iovec *iov, int n)
{
    size_t t = 0;
    for (int i = 0; i < n; i++) t += iov[i].iov_len;
    return t;
}

/* t without its first r bytes (an array: in place, in our copy). */
static void rest_skip(struct fdt_rest *t, size_t r)
{
    t->done += r;
    if (!t->iov) { /* a buffer, or a count */
        if (t->buf) t->buf = (char *)t->buf + r;
        t->n -= r;
        return;
    }
    while (t->iovcnt > 0 && r >= t->iov->iov_len) {
        r -= t->iov->iov_len;
        t->iov++;
        t->iovcnt--;
    }
    if (t->iovcnt > 0) {
        t->iov->iov_base = (char *)t->iov->iov_base + r;
        t->iov->iov_len -= r;
    }
}

ssize_t fdt_call_all(int fd, struct fdt *e, int events, int mode,
                     ssize_t (*op)(void *ctx, int mode), void *ctx, struct fdt_rest *t)
{
    hub_deadline dl = {0, CLOCK_MONOTONIC};
    int err = errno;
    ssize_t r = call(fd, e, events, mode, op, ctx, &dl);
    if (r <= 0) return r;
    size_t want = t->n, done = (size_t)r;
    const struct iovec *v = NULL;
    int n = 0;
    if (t->iov || t->msg) { /* the kernel accepted the array: ours to read */
        v = t->msg ? t->msg->msg_iov : t->iov;
        n = t->msg ? (int)t->msg->msg_iovlen : t->iovcnt;
        want = fdt_iov_len(v, n);
    }
    if (done >= want) return r; /* all at once: the usual case */
    struct iovec stack[8], *copy = NULL;
    if (v) {
        copy = n <= (int)(sizeof stack / sizeof *stack) ? stack : malloc((size_t)n * sizeof *v);
        if (!copy) { /* as a short transfer */
            errno = err;
            return r;
        }
        memcpy(copy, v, (size_t)n * sizeof *v);
        t->iov = copy;
        t->iovcnt = n;
    }
    gl_t *self = gl_self();
    unsigned me = self ? self->id : 0;
    e->moving = me;
    while (done < want) {
        rest_skip(t, (size_t)r);
        r = call(fd, e, events, mode, op, ctx, &dl);
        if (r <= 0) break; /* end of file, an error, a signal: what moved is the result */
        done += (size_t)r;
    }
    if (e->moving == me) e->moving = 0;
    if (copy != stack) free(copy);
    errno = err;
    return (ssize_t)done;
}
