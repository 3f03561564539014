/* os: fork, the wait family, system/popen/pclose, posix_spawn and exec.
 *
 * A cooperative wait retries the real call with WNOHANG added each time a
 * SIGCHLD arrives (hub_child_wait), so the kernel decides who gets which
 * status, exactly as natively: many greenlets waiting for different
 * children, waitpid(-1), process groups, WUNTRACED/WCONTINUED/__WALL, and a
 * program reaping in its own SIGCHLD handler all keep their meaning, and
 * ECHILD/EINVAL/EFAULT come from the kernel. glibc's system() and popen()
 * wait through private calls we never see, so they are rebuilt here on
 * posix_spawn, which does not wait. fork itself is glibc's: the hub is made
 * whole in the child by an atfork handler (hub/fork.c). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "block.h"
#include "fdt.h"
#include "os.h"
#include "patch.h"

extern char **environ;

/* Written by the fd table patch: gives every inherited fd back the user's
 * view (blocking unless the user set O_NONBLOCK) before a new image starts. */

/* ---- the cooperative wait ------------------------------------------------- */

enum { W_PID, W_RUSAGE, W_ID };
struct wcall {
    int kind;
    pid_t pid;
    int *status;
    int options;
    struct rusage *ru;
    idtype_t idtype;
    id_t id;
    siginfo_t *info;
};

/* One try with WNOHANG: > 0 or -1 (with errno) is the answer, 0 is "not
 * yet". waitid answers 0 both ways; si_pid tells them apart (the kernel
 * zeroes it when nothing was waitable). */
static long try_wait(struct wcall *c)
{
    switch (c->kind) {
    case W_PID:
        return REAL(waitpid)(c->pid, c->status, c->options | WNOHANG);
    case W_RUSAGE:
        return REAL(wait4)(c->pid, c->status, c->options | WNOHANG, c->ru);
    default: {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (REAL(waitid)(c->idtype, c->id, &si, c->options | WNOHANG) < 0) return -1;
        if (si.si_pid == 0) return 0;
        /* as natively, the child is reaped even if the copy-out fails */
        if (c->info && gp_copy_out(c->info, &si, sizeof si)) {
            errno = EFAULT;
            return -1;
        }
        return 1;
    }
    }
}

/* The call itself, blocking (hub_alone). */
static long block_wait(struct wcall *c)
{
    switch (c->kind) {
    case W_PID:
        return REAL(waitpid)(c->pid, c->status, c->options);
    case W_RUSAGE:
        return REAL(wait4)(c->pid, c->status, c->options, c->ru);
    default:
        return REAL(waitid)(c->idtype, c->id, c->info, c->options);
    }
}

static long coop_wait(struct wcall *c)
{
    /* Nothing else could run meanwhile: the kernel's own wait. A fork,
     * exit and waitpid then costs what it does natively: the hub's way
     * (a SIGCHLD handler, an eventfd poke, two epoll_waits, a switch each
     * way) writes a dozen pages a fork has just made copy-on-write. */
    if (hub_alone()) return block_wait(c);
    int reliable = sig_chld_reliable();
    long r;
    hub_child_watch();
    gp_backoff poll = HUB_CHILD_POLL;
    for (unsigned round = 0;; round++) {
        unsigned gen = hub_child_gen();
        if ((r = try_wait(c)) != 0) break;
        if (round > 0 && sig_chld_take_intr()) { /* the program's handler interrupted us */
            errno = EINTR;
            r = -1;
            break;
        }
        int e = hub_child_wait(gen, c->kind == W_ID ? (long)c->id : (long)c->pid, reliable, &poll);
        if (e) {
            /* a handler ran: natively the call still returns the child if
             * one had changed state when the signal came (the child's own
             * SIGCHLD interrupts nothing) */
            if (e == EINTR && (r = try_wait(c)) != 0) break;
            errno = e;
            r = -1;
            break;
        }
    }
    hub_child_unwatch();
    if (hub_child_waiters() == 0) sig_chld_forget_intr();
    return r;
}

pid_t waitpid(pid_t pid, int *status, int options)
{
    if (!gp_enter(GP_SYM_waitpid)) return REAL(waitpid)(pid, status, options);
    if (options & WNOHANG) return gp_none_zero(REAL(waitpid)(pid, status, options));
    struct wcall c = {.kind = W_PID, .pid = pid, .status = status, .options = options};
    return (pid_t)coop_wait(&c);
}

pid_t wait(int *status)
{
    if (!gp_enter(GP_SYM_wait)) return REAL(wait)(status);
    struct wcall c = {.kind = W_PID, .pid = -1, .status = status};
    return (pid_t)coop_wait(&c);
}

pid_t wait4(pid_t pid, int *status, int options, struct rusage *ru)
{
    if (!gp_enter(GP_SYM_wait4)) return REAL(wait4)(pid, status, options, ru);
    if (options & WNOHANG) return gp_none_zero(REAL(wait4)(pid, status, options, ru));
    struct wcall c = {.kind = W_RUSAGE, .pid = pid, .status = status, .options = options, .ru = ru};
    return (pid_t)coop_wait(&c);
}

pid_t wait3(int *status, int options, struct rusage *ru)
{
    if (!gp_enter(GP_SYM_wait3)) return REAL(wait3)(status, options, ru);
    if (options & WNOHANG) return gp_none_zero(REAL(wait3)(status, options, ru));
    struct wcall c = {.kind = W_RUSAGE, .pid = -1, .status = status, .options = options, .ru = ru};
    return (pid_t)coop_wait(&c);
}

int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
    if (!gp_enter(GP_SYM_waitid)) return REAL(waitid)(idtype, id, info, options);
    if (options & WNOHANG) {
        int r = REAL(waitid)(idtype, id, info, options);
        if (r == 0 && info && info->si_pid == 0) gp_none(); /* none exited yet */
        return r;
    }
    struct wcall c = {.kind = W_ID, .idtype = idtype, .id = id, .info = info, .options = options};
    return coop_wait(&c) < 0 ? -1 : 0;
}

/* The child's status, waiting cooperatively through EINTR as glibc's
 * system() and pclose() do; -1 if it was not ours to reap. */
static int wait_child(pid_t pid)
{
    int status;
    struct wcall c = {.kind = W_PID, .pid = pid, .status = &status};
    long r;
    do r = coop_wait(&c);
    while (r < 0 && errno == EINTR);
    return r == pid ? status : -1;
}

/* ---- fork ----------------------------------------------------------------- */

/* glibc's fork runs the atfork handlers in their documented order; the
 * first child handler registered is the hub's (hub/fork.c), so the child's
 * hub has only the calling greenlet and a fresh loop before the program's
 * own child handlers run. Nothing more to do here. */
pid_t fork(void)
{
    return REAL(fork)();
}

/* ---- spawning ------------------------------------------------------------- */

/* posix_spawn does not wait (the OS thread resumes at the child's exec),
 * so the original is used as is; only SIGCHLD's real disposition is made
 * what the program sees for the child to inherit, and, as before an exec,
 * the fds the child inherits get their blocking mode back (the ones its
 * file actions dup2 are handled by posix_spawn_file_actions_adddup2). */
static int spawn(int p, pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    fdt_before_exec();
    sig_chld_exec_begin();
    int r = p ? REAL(posix_spawnp)(pid, path, fa, attr, argv, envp)
              : REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
    sig_chld_exec_end();
    return r;
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    if (!gp_enter(GP_SYM_posix_spawn)) return REAL(posix_spawn)(pid, path, fa, attr, argv, envp);
    return spawn(0, pid, path, fa, attr, argv, envp);
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                 const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
    if (!gp_enter(GP_SYM_posix_spawnp)) return REAL(posix_spawnp)(pid, file, fa, attr, argv, envp);
    return spawn(1, pid, file, fa, attr, argv, envp);
}

/* ---- system --------------------------------------------------------------- */

static int lock_word;
static void lock(void)
{
    gp_spin_lock(&lock_word);
}
static void unlock(void)
{
    gp_spin_unlock(&lock_word);
}

/* glibc's semantics: SIGINT and SIGQUIT ignored in the caller while any
 * system() runs (restored by the last one), default in the child unless
 * the caller ignored them; SIGCHLD held back from the program's handler
 * (glibc blocks it in the caller; blocking it here would deafen the hub). */
static unsigned sys_refs;
static struct sigaction sys_intr, sys_quit;

static int do_system(const char *line)
{
    struct sigaction ign;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    lock();
    if (sys_refs++ == 0) {
        REAL(sigaction)(SIGINT, &ign, &sys_intr);
        REAL(sigaction)(SIGQUIT, &ign, &sys_quit);
    }
    sigset_t reset, mask;
    sigemptyset(&reset);
    if (sys_intr.sa_handler != SIG_IGN) sigaddset(&reset, SIGINT);
    if (sys_quit.sa_handler != SIG_IGN) sigaddset(&reset, SIGQUIT);
    unlock();
    sig_chld_hold();
    REAL(pthread_sigmask)(SIG_BLOCK, NULL, &mask);

    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setsigmask(&attr, &mask);
    posix_spawnattr_setsigdefault(&attr, &reset);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
    char *argv[] = {"sh", "-c", (char *)line, NULL};
    pid_t pid;
    int status, r = spawn(0, &pid, "/bin/sh", NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (r == 0)
        status = wait_child(pid);
    else
        status = 127 << 8; /* as if the shell had run and done _exit(127) */

    lock();
    if (--sys_refs == 0) {
        REAL(sigaction)(SIGINT, &sys_intr, NULL);
        REAL(sigaction)(SIGQUIT, &sys_quit, NULL);
    }
    unlock();
    sig_chld_release();
    if (r) errno = r;
    return status;
}

int system(const char *line)
{
    if (!gp_enter(GP_SYM_system)) return REAL(system)(line);
    if (!line) return do_system("exit 0") == 0; /* is there a shell? */
    return do_system(line);
}

/* ---- popen / pclose ------------------------------------------------------- */

/* Our popen streams: FILE -> child. A stream not listed is glibc's own (or
 * not a pipe at all) and goes to the original pclose.
 *
 * The FILE is one of the stdio patch's streams over the pipe (block.h), not
 * fdopen's: glibc's would read and write through its private calls and
 * block the OS thread (every greenlet) while the child takes its time. */
struct pent {
    FILE *fp;
    pid_t pid;
    int fd;
};
static struct pent *ptab;
static size_t ptab_n, ptab_cap;

FILE *popen(const char *cmd, const char *mode)
{
    if (!gp_enter(GP_SYM_popen)) return REAL(popen)(cmd, mode);
    int rd = 0, wr = 0, cloexec = 0;
    for (const char *m = mode; *m; m++) {
        if (*m == 'r')
            rd = 1;
        else if (*m == 'w')
            wr = 1;
        else if (*m == 'e')
            cloexec = 1;
        else
            rd = wr = 1; /* anything else is invalid, as in glibc */
    }
    if (!(rd ^ wr)) {
        errno = EINVAL;
        return NULL;
    }
    /* a blocking pipe: the child's end must be, and the cookie stream
     * waits for ours on the hub before each read or write */
    int fds[2];
    if (REAL(pipe2)(fds, O_CLOEXEC) < 0) return NULL;
    int parent = rd ? fds[0] : fds[1], child = rd ? fds[1] : fds[0], target = rd ? 1 : 0;

    /* grow the table first: nothing to undo after the child exists */
    lock();
    if (ptab_n == ptab_cap) {
        size_t cap = ptab_cap ? ptab_cap * 2 : 16;
        struct pent *t = realloc(ptab, cap * sizeof *t);
        if (t) {
            ptab = t;
            ptab_cap = cap;
        }
    }
    int room = ptab_n < ptab_cap;
    unlock();
    if (!room) {
        GP_HOOK(close)(fds[0]);
        GP_HOOK(close)(fds[1]);
        errno = ENOMEM;
        return NULL;
    }

    /* the child gets its end as stdin/stdout (dup2 onto itself clears
     * FD_CLOEXEC) and, as POSIX asks, none of the other popen streams */
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (gp_syms[GP_SYM_posix_spawn_file_actions_adddup2].on) fdt_disown(child); /* as the hook */
    REAL(posix_spawn_file_actions_adddup2)(&fa, child, target);
    lock();
    for (size_t i = 0; i < ptab_n; i++)
        if (ptab[i].fd != target) posix_spawn_file_actions_addclose(&fa, ptab[i].fd);
    unlock();
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    pid_t pid;
    int r = spawn(0, &pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    GP_HOOK(close)(child);
    if (r) {
        GP_HOOK(close)(parent);
        errno = r;
        return NULL;
    }
    if (!cloexec) REAL(fcntl)(parent, F_SETFD, 0);
    FILE *fp = hs_open(parent, rd ? "r" : "w");
    if (!fp) {
        int e = errno;
        GP_HOOK(close)(parent);
        wait_child(pid);
        errno = e;
        return NULL;
    }
    lock();
    ptab[ptab_n++] = (struct pent){fp, pid, parent};
    unlock();
    return fp;
}

static pid_t ptab_take(FILE *fp)
{
    pid_t pid = 0;
    lock();
    for (size_t i = 0; i < ptab_n; i++)
        if (ptab[i].fp == fp) {
            pid = ptab[i].pid;
            ptab[i] = ptab[--ptab_n];
            break;
        }
    unlock();
    return pid;
}

/* The pipe behind one of our popen streams, or -1 (at once when there are
 * none: a racy read of ptab_n, only a hint, keeps fileno cheap). */
static int ptab_fd(FILE *fp)
{
    int fd = -1;
    if (!ptab_n) return -1;
    lock();
    for (size_t i = 0; i < ptab_n; i++)
        if (ptab[i].fp == fp) fd = ptab[i].fd;
    unlock();
    return fd;
}

int fileno(FILE *fp)
{
    int fd = ptab_fd(fp);
    return fd >= 0 ? fd : REAL(fileno)(fp);
}

int fileno_unlocked(FILE *fp)
{
    int fd = ptab_fd(fp);
    return fd >= 0 ? fd : REAL(fileno_unlocked)(fp);
}

int pclose(FILE *fp)
{
    pid_t pid = ptab_take(fp);
    if (!pid) return REAL(pclose)(fp);
    GP_HOOK(fclose)(fp);
    if (!gp_enter(GP_SYM_pclose)) { /* e.g. from a signal handler: wait natively */
        int status;
        pid_t r;
        while ((r = REAL(waitpid)(pid, &status, 0)) < 0 && errno == EINTR) {
        }
        return r == pid ? status : -1;
    }
    return wait_child(pid);
}

/* ---- exec ----------------------------------------------------------------- */

/* The new image must see every fd as the user set it, and SIGCHLD ignored
 * if the program ignored it. If exec fails, the hub's view comes back. */
static void exec_begin(void)
{
    fdt_before_exec();
    sig_chld_exec_begin();
}

static void exec_failed(void)
{
    int e = errno;
    sig_chld_exec_end();
    errno = e;
}

#define EXEC_HOOK(sym, call)                                                                       \
    do {                                                                                           \
        if (!gp_enter(GP_SYM_##sym)) return call;                                                  \
        exec_begin();                                                                              \
        int r_ = call;                                                                             \
        exec_failed();                                                                             \
        return r_;                                                                                 \
    } while (0)

int execve(const char *path, char *const argv[], char *const envp[])
{
    EXEC_HOOK(execve, REAL(execve)(path, argv, envp));
}

int execv(const char *path, char *const argv[])
{
    EXEC_HOOK(execv, REAL(execv)(path, argv));
}

int execvp(const char *file, char *const argv[])
{
    EXEC_HOOK(execvp, REAL(execvp)(file, argv));
}

int execvpe(const char *file, char *const argv[], char *const envp[])
{
    EXEC_HOOK(execvpe, REAL(execvpe)(file, argv, envp));
}

int fexecve(int fd, char *const argv[], char *const envp[])
{
    EXEC_HOOK(fexecve, REAL(fexecve)(fd, argv, envp));
}

int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
    EXEC_HOOK(execveat, REAL(execveat)(dirfd, path, argv, envp, flags));
}

/* execl, execle, execlp: the list becomes a vector, then the v form.
 * (arg may be NULL in practice, whatever the prototype says.) */
static size_t count_args(const char *arg, va_list ap)
{
    size_t n = 1;
    va_list c;
    va_copy(c, ap);
    if (arg)
        while (va_arg(c, const char *)) n++;
    va_end(c);
    return n;
}

/* Fills argv (n + 1 slots) and consumes the list up to its NULL. */
static void fill_args(char **argv, size_t n, const char *arg, va_list *ap)
{
    argv[0] = (char *)arg;
    for (size_t i = 1; i < n; i++) argv[i] = va_arg(*ap, char *);
    argv[arg ? n : 0] = NULL;
    if (arg) (void)va_arg(*ap, char *); /* the terminating NULL */
}

#define ARGV_FROM_LIST(argv, arg, ap)                                                              \
    size_t n_ = count_args(arg, ap);                                                               \
    char *argv[n_ + 1];                                                                            \
    fill_args(argv, n_, arg, &ap)

int execl(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    ARGV_FROM_LIST(argv, arg, ap);
    va_end(ap);
    EXEC_HOOK(execl, REAL(execv)(path, argv));
}

int execlp(const char *file, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    ARGV_FROM_LIST(argv, arg, ap);
    va_end(ap);
    EXEC_HOOK(execlp, REAL(execvp)(file, argv));
}

int execle(const char *path, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    ARGV_FROM_LIST(argv, arg, ap);
    char *const *envp = va_arg(ap, char *const *);
    va_end(ap);
    EXEC_HOOK(execle, REAL(execve)(path, argv, envp));
}
