/* Between the os and signal patches: who owns SIGCHLD and what a child
 * wait may rely on. */
#ifndef GP_OS_H
#define GP_OS_H

/* signal.c */
/* SIGCHLD reaches our handler on this thread, so hub_child_notify() runs
 * on every child state change (else child waits poll). Installs that
 * handler first if the program's SIG_DFL had left the kernel's in place:
 * call it before the wait's first WNOHANG try. */
int sig_chld_reliable(void);
/* A waiter of the hub wakes with EINTR when the program's SIGCHLD handler
 * ran without SA_RESTART while it waited, as one thread would natively:
 * takes one such interruption, if any. */
int sig_chld_take_intr(void);
void sig_chld_forget_intr(void);
/* system(): the program's SIGCHLD handler is held back meanwhile, as glibc
 * blocks SIGCHLD in the caller (so that handler cannot reap our child). */
void sig_chld_hold(void);
void sig_chld_release(void);
/* Around exec and posix_spawn: the real disposition becomes what the
 * program sees, so the new image inherits SIG_IGN when it should. */
void sig_chld_exec_begin(void);
void sig_chld_exec_end(void);

#endif
