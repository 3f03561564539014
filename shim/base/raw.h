/* Raw system calls and the few libc services every layer needs without
 * going through a hook: for signal handlers (async-signal-safe, and no
 * record of the running greenlet touched), for the shim's own messages,
 * and for fork handlers registered before the constructor has run. */
#ifndef GP_BASE_RAW_H
#define GP_BASE_RAW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The whole buffer with write(2) system calls, retried on EINTR and short
 * writes: n, or -1 with errno set (what was written stays written). */
ssize_t gp_write_all(int fd, const void *buf, size_t n);
/* The same for reads: the bytes read, fewer only at end of file. */
ssize_t gp_read_all(int fd, void *buf, size_t n);
static inline ssize_t gp_write_str(int fd, const char *s)
{
    size_t n = 0;
    while (s[n]) n++;
    return gp_write_all(fd, s, n);
}

/* dprintf for the shim's own messages: formatted on the stack (up to 1 KiB
 * a call), written with gp_write_all; never the stdio patch's dprintf. */
int gp_dprintf(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A small file (/proc, /etc) read whole with raw system calls into buf,
 * NUL-terminated: its length, or -1. */
ssize_t gp_read_file(const char *path, char *buf, size_t n);

/* The kernel directly, as libc's syscall() but never the shim's own
 * syscall() hook (patches/futex.c): six long arguments, -1 with errno set
 * on failure. Every system call the library makes for itself uses this;
 * async-signal-safe. */
long gp_syscall(long nr, ...);
/* When set (GEVENT_SYSCALL_DISPATCH=on: system calls from outside libc
 * trap), gp_syscall goes through it: libc's own syscall(). */
extern long (*gp_syscall_via)(long, ...);
/* The executable segment of the object holding addr (0), or -1. */
int gp_text_of(const void *addr, uintptr_t *lo, uintptr_t *len);

/* pthread_atfork for the library's own handlers: glibc's
 * __register_atfork, never the thread patch's hook of that name. Safe from
 * any constructor, before ours or ASan's. */
int gp_atfork(void (*prepare)(void), void (*parent)(void), void (*child)(void));

/* libc's sigaction, for the shim's own handlers (the signal patch must not
 * take them for the program's). Resolved on its first use. */
struct sigaction;
int gp_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#endif
