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

/* A deadline not computed yet: fdt_call computes it from the entry's
 * SO_*TIMEO on its first wait, so a call that does not wait reads no clock,
 * and a loop of calls (MSG_WAITALL, the rest of a partial write) shares
 * one deadline, as the kernel's own timeout covers the whole call. */
#define FDT_DL_UNSET ((hub_deadline){0, CLOCK_MONOTONIC})

/* Runs op(ctx, mode) until it stops failing with EAGAIN, waiting on the hub
 * between tries until *dl (HUB_IN: SO_RCVTIMEO, HUB_OUT: SO_SNDTIMEO). When
 * the deadline passes op is tried once more: data that came at the last
 * moment is returned, as the kernel would. A read (HUB_IN) on an fd whose
 * last read came back short waits first: the next try would almost surely
 * fail with EAGAIN. */
ssize_t fdt_call(int fd, struct fdt *e, int events, int mode, ssize_t (*op)(void *ctx, int mode),
                 void *ctx, hub_deadline *dl);

/* fd is a socket with a timeout set for events (HUB_IN: SO_RCVTIMEO,
 * HUB_OUT: SO_SNDTIMEO): a signal handler interrupting a wait on it makes
 * the call fail with EINTR even under SA_RESTART (signal(7)). */
int fdt_timeo_set(int fd, int events);

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

/* An iovec array with a prefix consumed, for finishing a partial write the
 * way a blocking writev/sendmsg on a stream would have. The program's
 * array is only copied (and read by us) after the kernel accepted it. */
struct fdt_iov {
    struct iovec *v;
    int n;
    struct iovec stack[8];
    struct iovec *heap;
};
/* Sum of the lengths (the kernel already read the array: it is valid). */
size_t fdt_iov_len(const struct iovec *iov, int n);
/* c = iov[0..n) without its first skip bytes; 0, or ENOMEM. */
int fdt_iov_skip(struct fdt_iov *c, const struct iovec *iov, int n, size_t skip);
void fdt_iov_free(struct fdt_iov *c);

#endif
