/* The per-fd table of the socket, io and select patches: what each fd is and
 * how the user sees it, so the shim can make fds non-blocking for itself
 * while the program keeps its own view of O_NONBLOCK and timeouts.
 *
 * O_NONBLOCK and SO_*TIMEO belong to the open file description, not to the
 * fd: the fds that share one (dup, dup2, dup3, F_DUPFD) are linked in a
 * ring, and a change made through any of them is seen through all. */
#ifndef GP_FDT_H
#define GP_FDT_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "../hub/hub.h"

struct msghdr;

enum fdt_kind {
    FDT_UNKNOWN = 0, /* not looked at yet: fdt_get classifies it */
    FDT_SOCKET,
    FDT_PIPE,
    FDT_FIFO,
    FDT_TTY,     /* any character device */
    FDT_EVENTFD, /* anonymous inodes: eventfd, timerfd, signalfd, epoll... */
    FDT_FILE,    /* regular files, directories, block devices: never wait */
};

struct fdt {
    /* the description's, shared by the ring (fdt_share) */
    unsigned char kind;
    unsigned char user_nb;    /* O_NONBLOCK as the program set it */
    unsigned char shim_nb;    /* the shim set O_NONBLOCK on the description itself */
    unsigned char owned;      /* created through a hook: the shim keeps it non-blocking */
    unsigned char stream;     /* a byte stream (SOCK_STREAM, pipe, FIFO) */
    unsigned char nowait_bad; /* HUB_IN/HUB_OUT: the kernel refused RWF_NOWAIT */
    int64_t rcvtimeo_ns;      /* SO_RCVTIMEO, 0 = none */
    int64_t sndtimeo_ns;      /* SO_SNDTIMEO, 0 = none */
    /* this fd's own */
    unsigned char drained; /* the last read came back short: wait before the next */
    unsigned moving;       /* id of the greenlet whose whole transfer on it moved part of
                              its bytes (fdt_call_all): a signal ends that call with the
                              count; an id, never reused, so one unwound meanwhile
                              leaves nothing that matches another */
    struct fdt *sib;       /* next fd on the same description (a ring), or NULL */
};

/* The entry of fd, classified on first use (fstat + F_GETFL); NULL for a
 * negative, closed or out-of-range fd. */
struct fdt *fdt_get(int fd);
/* fd was just created by the program through a hook, already non-blocking
 * (SOCK_NONBLOCK / O_NONBLOCK added by the hook): set its kind and the
 * user's O_NONBLOCK; when the user did not ask for it, the shim owns the
 * non-blocking mode (shim_nb). */
void fdt_created_nb(int fd, int kind, int user_nb, int stream);
/* fd is closed or about to be replaced: forget everything about it. */
void fdt_forget(int fd);
/* newfd now refers to oldfd's description. */
void fdt_copy(int oldfd, int newfd);
/* e's description-wide fields changed: every fd of its ring sees them. */
void fdt_share(struct fdt *e);
/* Gives the description back its blocking mode if the shim made it
 * non-blocking (the fd is about to be used by code that cannot wait on the
 * hub: stdio, a child process). */
void fdt_disown(int fd);
/* Before execve: every fd that survives exec (no FD_CLOEXEC) and that the
 * shim made non-blocking gets its blocking mode back. */
void fdt_before_exec(void);

/* Waits on the hub until fd is ready for events (HUB_IN/HUB_OUT) or dl:
 * 0, or -1 with errno (EAGAIN when dl passed, as SO_*TIMEO give; EBADF when
 * the fd was closed meanwhile; the interrupt code). */
int fdt_wait(int fd, int events, hub_deadline dl);

/* How fdt_call makes op not block the hub (op gets the mode):
 *   FDT_PLAIN     the description is non-blocking (shim-owned): call as is
 *   FDT_DONTWAIT  a socket call: op adds MSG_DONTWAIT (whatever the
 *                 description's mode, even if cleared behind our back)
 *   FDT_NOWAIT    op uses preadv2/pwritev2(RWF_NOWAIT), which leaves a
 *                 description the shim does not own untouched; if the
 *                 kernel refuses (EOPNOTSUPP) the entry remembers it and
 *                 the call goes FDT_READY
 *   FDT_READY     wait until the fd is ready, then call op(FDT_PLAIN) once
 *                 (may block the OS thread if someone else drained it) */
enum { FDT_PLAIN, FDT_DONTWAIT, FDT_NOWAIT, FDT_READY };

/* Runs op(ctx, mode) until it stops failing with EAGAIN, waiting on the hub
 * between tries until the call's deadline (HUB_IN: SO_RCVTIMEO, HUB_OUT:
 * SO_SNDTIMEO; computed on the first wait, so a call that does not wait
 * reads no clock). When the deadline passes op is tried once more: data
 * that came at the last moment is returned, as the kernel would. A read
 * (HUB_IN) on an fd whose last read came back short waits first: the next
 * try would almost surely fail with EAGAIN. */
ssize_t fdt_call(int fd, struct fdt *e, int events, int mode, ssize_t (*op)(void *ctx, int mode),
                 void *ctx);

/* What is left of a transfer the program asked for as one call, which op
 * reads: a buffer (buf, n), an iovec array (iov, iovcnt), the array of a
 * msghdr (msg), or only a count (n alone: sendfile, where the kernel moves
 * the file offset). The program's array is read only once the kernel has
 * accepted it (a bad pointer is the kernel's EFAULT to report), and what is
 * left of it is a copy: while done is 0 a msghdr op passes the program's
 * own header, after that one naming iov alone (the name and the ancillary
 * data went with the first part). */
struct fdt_rest {
    void *buf;
    size_t n;
    struct iovec *iov;
    int iovcnt;
    const struct msghdr *msg;
    size_t done; /* moved so far */
};
#define FDT_BUF(b, len) ((struct fdt_rest){.buf = (void *)(b), .n = (len)})
#define FDT_VEC(v, cnt) ((struct fdt_rest){.iov = (struct iovec *)(v), .iovcnt = (cnt)})
#define FDT_MSG(m)      ((struct fdt_rest){.msg = (m)})
#define FDT_COUNT(len)  ((struct fdt_rest){.n = (len)})

/* The whole transfer, as a blocking call on a stream makes it (write and
 * send of any kind, reads with MSG_WAITALL): fdt_call again on what *t has
 * left after each partial transfer, under one deadline (the kernel's
 * SO_*TIMEO covers the whole call). Returns the whole count; or, when end
 * of file, an error, a signal or the deadline stops it after some progress,
 * the count so far (errno as it was: the call succeeded); the first part's
 * own result (0, or -1 with errno) when nothing moved. */
ssize_t fdt_call_all(int fd, struct fdt *e, int events, int mode,
                     ssize_t (*op)(void *ctx, int mode), void *ctx, struct fdt_rest *t);

/* A signal handler with SA_RESTART interrupted g waiting on fd for events:
 * is the call to end instead of waiting again? Yes on a socket with a
 * timeout set for that direction (HUB_IN: SO_RCVTIMEO, HUB_OUT:
 * SO_SNDTIMEO), where the kernel fails with EINTR (signal(7)); and for a
 * whole transfer that moved part of its bytes, which returns the count so
 * far (a restart is for a call that moved nothing). */
int fdt_no_restart(int fd, int events, const gl_t *g);

/* The mode for read/write-like calls on e (sockets: FDT_DONTWAIT). */
int fdt_io_mode(const struct fdt *e, int events);

/* After a read of want bytes returned got: a short read on a stream means
 * it is empty now. */
static inline void fdt_read_done(struct fdt *e, ssize_t got, size_t want)
{
    if (got > 0 && (size_t)got < want && e->stream) e->drained = 1;
}

/* May a call on e wait on the hub at all? */
static inline int fdt_waitable(const struct fdt *e)
{
    return e && !e->user_nb && e->kind != FDT_FILE && e->kind != FDT_UNKNOWN;
}

/* Sum of the lengths (the kernel already read the array: it is valid). */
size_t fdt_iov_len(const struct iovec *iov, int n);

#endif
