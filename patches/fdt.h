/* The per-fd table of the socket, io and select patches: what each fd is and
 * how the user sees it, so the shim can make fds non-blocking for itself
 * while the program keeps its own view of O_NONBLOCK and timeouts. */
#ifndef GP_FDT_H
#define GP_FDT_H

#include <stdint.h>
#include <sys/types.h>

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
    unsigned char kind;
    unsigned char user_nb; /* O_NONBLOCK as the program set it */
    unsigned char shim_nb; /* the shim set O_NONBLOCK on the description itself */
    unsigned char owned;   /* created through a hook: the shim keeps it non-blocking */
    int64_t rcvtimeo_ns;   /* SO_RCVTIMEO, 0 = none */
    int64_t sndtimeo_ns;   /* SO_SNDTIMEO, 0 = none */
};

/* The entry of fd, classified on first use (fstat + F_GETFL); NULL for a
 * negative, closed or out-of-range fd. */
struct fdt *fdt_get(int fd);
/* fd was just created by the program through a hook: set its kind and the
 * user's O_NONBLOCK; when the user did not ask for it, the shim makes the
 * description non-blocking itself (shim_nb). */
void fdt_created(int fd, int kind, int user_nb);
/* Like fdt_created, but the description is already non-blocking (created
 * with SOCK_NONBLOCK / O_NONBLOCK added by the hook). */
void fdt_created_nb(int fd, int kind, int user_nb);
/* fd is closed or about to be replaced: forget everything about it. */
void fdt_forget(int fd);
/* newfd now refers to oldfd's description. */
void fdt_copy(int oldfd, int newfd);
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
/* The same for an fd the shim does not own: asks the kernel first, so a
 * ready fd costs no trip through the loop. */
int fdt_wait_ready(int fd, int events, hub_deadline dl);

/* Runs op(ctx, nb) until it stops failing with EAGAIN, waiting on the hub
 * between tries. nb: op may add MSG_DONTWAIT (sockets), so calls on a
 * description whose O_NONBLOCK was cleared behind our back cannot block.
 * own: op will not block (shim-owned description or nb honoured); when 0,
 * readiness is awaited first and op called once. */
ssize_t fdt_call(int fd, const struct fdt *e, int events, int own, ssize_t (*op)(void *ctx, int nb),
                 void *ctx);

/* A deadline from a SO_*TIMEO value (0 = never). */
hub_deadline fdt_deadline(int64_t timeo_ns);
/* May a call on e wait on the hub at all? */
static inline int fdt_waitable(const struct fdt *e)
{
    return e && !e->user_nb && e->kind != FDT_FILE && e->kind != FDT_UNKNOWN;
}

#endif
