/* Between the patches that make the last blocking paths wait on the hub:
 * stdio streams (stdio.c), file locks (flock.c), FIFOs and message queues
 * (fifo.c, ipc.c). */
#ifndef GP_BLOCK_H
#define GP_BLOCK_H

#include <stdio.h>

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

#endif
