/* The per-fd table. Two levels (chunks of FDT_CHUNK entries allocated on
 * first use), so it follows RLIMIT_NOFILE without a fixed size and an entry
 * never moves once handed out. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/syscall.h>
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

/* fcntl without our own hook (and without dlsym while it is resolving). */
static int raw_fcntl(int fd, int cmd, long arg)
{
    void *p = gp_real(GP_SYM_fcntl);
    if (p) return ((int (*)(int, int, ...))p)(fd, cmd, arg);
    return (int)syscall(SYS_fcntl, fd, cmd, arg);
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

static int classify(int fd, struct fdt *e)
{
    struct stat st;
    int fl = raw_fcntl(fd, F_GETFL, 0);
    if (fl < 0 || fstat(fd, &st) < 0) return -1;
    switch (st.st_mode & S_IFMT) {
    case S_IFSOCK:
        e->kind = FDT_SOCKET;
        break;
    case S_IFIFO:
        e->kind = FDT_FIFO;
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
    e->shim_nb = 0;
    e->rcvtimeo_ns = e->sndtimeo_ns = 0;
    if (e->kind == FDT_SOCKET) { /* inherited: its timeouts were set before us */
        struct timeval tv;
        socklen_t l = sizeof tv;
        if (REAL(getsockopt)(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, &l) == 0)
            e->rcvtimeo_ns = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
        l = sizeof tv;
        if (REAL(getsockopt)(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &l) == 0)
            e->sndtimeo_ns = (int64_t)tv.tv_sec * 1000000000 + tv.tv_usec * 1000;
    }
    return 0;
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

static struct fdt *fresh(int fd)
{
    struct fdt_chunk *c = chunk(fd, 1);
    if (!c) return NULL;
    int i = fd % FDT_CHUNK;
    c->e[i] = (struct fdt){0};
    c->known[i] = 1;
    return &c->e[i];
}

void fdt_created_nb(int fd, int kind, int user_nb)
{
    struct fdt *e = fresh(fd);
    if (!e) return;
    e->kind = (unsigned char)kind;
    e->user_nb = user_nb != 0;
    e->shim_nb = !user_nb;
    e->owned = 1;
}

void fdt_created(int fd, int kind, int user_nb)
{
    if (!user_nb) {
        int fl = raw_fcntl(fd, F_GETFL, 0);
        if (fl < 0 || raw_fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0) {
            /* cannot make it ours: wait for readiness, then call */
            struct fdt *e = fresh(fd);
            if (e) e->kind = (unsigned char)kind;
            return;
        }
    }
    fdt_created_nb(fd, kind, user_nb);
}

void fdt_forget(int fd)
{
    struct fdt_chunk *c = chunk(fd, 0);
    if (c) c->known[fd % FDT_CHUNK] = 0;
}

void fdt_copy(int oldfd, int newfd)
{
    struct fdt *o = fdt_get(oldfd);
    if (!o) {
        fdt_forget(newfd);
        return;
    }
    struct fdt copy = *o;
    struct fdt *n = fresh(newfd);
    if (n) *n = copy;
}

void fdt_disown(int fd)
{
    struct fdt_chunk *c = chunk(fd, 0);
    int i = fd % FDT_CHUNK;
    if (!c || !c->known[i]) return;
    c->e[i].owned = 0;
    if (!c->e[i].shim_nb) return;
    int fl = raw_fcntl(fd, F_GETFL, 0);
    if (fl >= 0) raw_fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
    c->e[i].shim_nb = 0;
    c->e[i].owned = 0;
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

hub_deadline fdt_deadline(int64_t timeo_ns)
{
    return timeo_ns > 0 ? hub_after_ns(timeo_ns) : hub_never();
}

int fdt_wait(int fd, int events, hub_deadline dl)
{
    int r = hub_wait_fd(fd, events, dl);
    if (r == 0) return 0;
    errno = r == ETIMEDOUT ? EAGAIN : r;
    return -1;
}

int fdt_wait_ready(int fd, int events, hub_deadline dl)
{
    struct pollfd p = {
        fd, (short)((events & HUB_IN ? POLLIN : 0) | (events & HUB_OUT ? POLLOUT : 0)), 0};
    void *rp = gp_real(GP_SYM_poll);
    int n = rp ? ((int (*)(struct pollfd *, nfds_t, int))rp)(&p, 1, 0)
               : (int)syscall(SYS_poll, &p, 1, 0);
    if (n != 0) return 0; /* ready, or an error the real call will report */
    return fdt_wait(fd, events, dl);
}

ssize_t fdt_call(int fd, const struct fdt *e, int events, int own, ssize_t (*op)(void *ctx, int nb),
                 void *ctx)
{
    hub_deadline dl = fdt_deadline(events & HUB_IN ? e->rcvtimeo_ns : e->sndtimeo_ns);
    if (!own) {
        if (fdt_wait_ready(fd, events, dl) < 0) return -1;
        return op(ctx, 0);
    }
    for (;;) {
        ssize_t r = op(ctx, 1);
        if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return r;
        if (fdt_wait(fd, events, dl) < 0) return -1;
    }
}
