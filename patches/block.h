/* Between the patches that make the last blocking paths wait on the hub:
 * stdio streams (stdio.c), file locks (flock.c), FIFOs and message queues
 * (fifo.c, ipc.c). */
#ifndef GP_BLOCK_H
#define GP_BLOCK_H

#include <stdio.h>
#include <sys/types.h>

/* stdio.c: a stream over fd whose reads and writes go through the hooked
 * read and write (they wait on the hub), with fileno giving fd back and a
 * FILE lock greenlets can wait for. mode is fopen's ("r", "w+", ...); the
 * caller checked it. NULL with errno on failure (fd stays open). */
FILE *hs_open(int fd, const char *mode);
/* Whether fd is a descriptor whose stdio should wait on the hub (a socket,
 * pipe, FIFO, tty or other character device that can block). */
int hs_wants_fd(int fd);

/* flock.c: fcntl(F_SETLKW / F_OFD_SETLKW) waiting on the hub. real is the
 * original fcntl (or fcntl64). */
int lk_fcntl_wait(int (*real)(int, int, ...), int fd, int cmd, void *arg);

/* flock.c: call(arg), a blocking system call (F_SETLKW, open of a FIFO),
 * made on a resolver worker while the greenlet waits on the hub. A signal
 * for the greenlet cuts it short as it would the call natively: EINTR, or
 * the call made again under SA_RESTART (the hub's interrupt protocol); a
 * result the call had already got is kept. Its result, errno set. */
long lk_worker_call(long (*call)(void *), void *arg);
struct lk_kick {
    int tid; /* the worker making the call, 0 before, -1 after */
    int cut;
};
int lk_kick_ready(void);
long lk_kickable(struct lk_kick *k, long (*call)(void *), void *arg);
void lk_kick(struct lk_kick *k);

/* fileio.c: GEVENT_FILEIO=thread is on; fio_rw runs the original of id
 * (read, write, readv, writev) on a worker when fd is a regular file or a
 * block device, else on the caller. */
extern int fio_on;
ssize_t fio_rw(int id, int fd, long a1, long a2);
long fio_call(void *fn, long a0, long a1, long a2, long a3, long a4, long a5);

/* fileio.c's hooks other patches call (a path lookup may wait for the
 * disk: with GEVENT_FILEIO=thread they run on a worker). */
#include <sys/stat.h>
#include "patch.h"
GP_HOOK_DECL(stat)
GP_HOOK_DECL(fstatat)

#endif
