/* Raw system calls: a `syscall` instruction outside libc (liburing's
 * io_uring_enter, a statically linked library, hand-written assembly)
 * reaches the kernel without passing any hook, and a blocking one holds
 * the OS thread with every greenlet on it.
 *
 * GEVENT_SYSCALL_DISPATCH=on turns on Linux's syscall user dispatch
 * (PR_SET_SYSCALL_USER_DISPATCH, 5.11+) for each OS thread running a hub:
 * system calls made from libc's code pass as usual (the one range the
 * kernel lets through without looking further), any other traps into
 * SIGSYS before the kernel runs it. The handler makes it for the program:
 *   - a call the library hooks (read, write, recvfrom, accept, connect,
 *     poll, epoll_wait, nanosleep, wait4, futex...) goes to the same hook
 *     a libc call would reach, so it waits on the hub as one;
 *   - io_uring_enter asked to wait for completions submits at once, then
 *     waits on the hub for the ring's descriptor to become readable (the
 *     kernel posts completions to it), as patches/uring.c does for the
 *     liburing calls a program imports;
 *   - anything else is made by libc's syscall() and its result handed back.
 * The library's own raw system calls go through libc's syscall() while
 * dispatch is on (gp_syscall_via), so they never trap. The result goes back
 * in the trapped thread's rax, errno untouched, as for the instruction
 * itself. The handler runs on the greenlet's own stack with SA_NODEFER: a
 * greenlet parked inside it lets others trap too (a SIGSYS forced while
 * blocked would kill the process).
 *
 * Off by default: with it on, every system call pays the kernel's check of
 * where it came from (see make bench, 46-rawsys), and a trapped one a
 * signal delivery. Calls that cannot be made from a handler (clone of a
 * thread with its own stack, clone3, rt_sigreturn) fail with ENOSYS; a
 * fork made raw is made as fork. Not inherited by exec'ed programs (the
 * kernel drops it) nor by OS threads the program creates with the thread
 * patch off. */
#include <dlfcn.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/ucontext.h>
#include <time.h>

#include "patch.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH 59
#define PR_SYS_DISPATCH_ON           1
#endif
#ifndef SYSCALL_DISPATCH_FILTER_BLOCK
#define SYSCALL_DISPATCH_FILTER_ALLOW 0
#define SYSCALL_DISPATCH_FILTER_BLOCK 1
#endif
#ifndef SYS_USER_DISPATCH
#define SYS_USER_DISPATCH 2
#endif

int sud_on;                         /* GEVENT_SYSCALL_DISPATCH=on and the kernel took it */
unsigned long sud_traps, sud_waits; /* GEVENT_STATS */
static uintptr_t libc_lo, libc_len;
/* The kernel reads it at each trapped call: always "block" (the library
 * never needs the fast switch: its own calls come from libc). */
static volatile char selector = SYSCALL_DISPATCH_FILTER_BLOCK;
static long (*libc_syscall)(long, ...);

/* How a hook returns: -1 and errno (R_NEG1), an error number (R_ERRNUM:
 * clock_nanosleep), and whether the value is an int. */
enum { R_NEG1 = 0, R_ERRNUM = 1, R_INT = 2 };
struct route {
    long nr;
    const char *hook;
    int how;
    void *fn;
};
static struct route routes[] = {
    {SYS_read, "read", R_NEG1, 0},
    {SYS_write, "write", R_NEG1, 0},
    {SYS_readv, "readv", R_NEG1, 0},
    {SYS_writev, "writev", R_NEG1, 0},
    {SYS_recvfrom, "recvfrom", R_NEG1, 0},
    {SYS_sendto, "sendto", R_NEG1, 0},
    {SYS_recvmsg, "recvmsg", R_NEG1, 0},
    {SYS_sendmsg, "sendmsg", R_NEG1, 0},
    {SYS_accept, "accept", R_NEG1 | R_INT, 0},
    {SYS_accept4, "accept4", R_NEG1 | R_INT, 0},
    {SYS_connect, "connect", R_NEG1 | R_INT, 0},
    {SYS_poll, "poll", R_NEG1 | R_INT, 0},
    {SYS_ppoll, "ppoll", R_NEG1 | R_INT, 0},
    {SYS_select, "select", R_NEG1 | R_INT, 0},
    {SYS_epoll_wait, "epoll_wait", R_NEG1 | R_INT, 0},
    {SYS_epoll_pwait, "epoll_pwait", R_NEG1 | R_INT, 0},
    {SYS_nanosleep, "nanosleep", R_NEG1 | R_INT, 0},
    {SYS_clock_nanosleep, "clock_nanosleep", R_ERRNUM | R_INT, 0},
    {SYS_wait4, "wait4", R_NEG1 | R_INT, 0},
    {SYS_futex, "syscall", R_NEG1, 0}, /* the futex hook, number first */
};
#define NROUTES (sizeof routes / sizeof routes[0])

typedef long (*fn6)(long, long, long, long, long, long);
typedef long (*fn7)(long, long, long, long, long, long, long);

/* io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz) asked to
 * wait: submit now, then wait on the hub until the ring's descriptor is
 * readable (min_complete 1), or poll the ring with a zero timeout every
 * millisecond past that (more completions wanted). */
static long uring_enter(const long *a)
{
    unsigned flags = (unsigned)a[3], min = (unsigned)a[2];
    hub_deadline dl = hub_never();
    if (flags & IORING_ENTER_EXT_ARG) {
        struct io_uring_getevents_arg ga;
        if ((size_t)a[5] != sizeof ga) return -EINVAL;
        memcpy(&ga, (const void *)a[4], sizeof ga);
        if (ga.sigmask) return -ENOSYS; /* a mask swapped for the wait: the kernel's */
        if (ga.ts) {
            const struct __kernel_timespec *ts = (const void *)(uintptr_t)ga.ts;
            dl = hub_after_ns(ts->tv_sec * 1000000000LL + ts->tv_nsec);
        }
    } else if (a[4]) {
        return -ENOSYS;
    }
    long r = libc_syscall(SYS_io_uring_enter, a[0], a[1], 0L,
                          (long)(flags & ~IORING_ENTER_GETEVENTS), a[4], a[5]);
    if (r < 0) return -errno;
    __atomic_add_fetch(&sud_waits, 1, __ATOMIC_RELAXED);
    for (;;) {
        int w = hub_wait_fd((int)a[0], HUB_IN, dl);
        if (w == ETIMEDOUT) return r ? r : -ETIME;
        if (w) return -w;
        if (min <= 1) return r;
        struct __kernel_timespec zero = {0, 0};
        struct io_uring_getevents_arg ga = {0, 0, 0, (uint64_t)(uintptr_t)&zero};
        long c = libc_syscall(SYS_io_uring_enter, a[0], 0L, (long)min,
                              (long)(IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG), (long)&ga,
                              (long)sizeof ga);
        if (c >= 0) return r;
        if (errno != ETIME) return -errno;
        hub_sleep(hub_after_ns(1000000)); /* readable, not enough yet */
    }
}

/* What the trapped instruction would have returned: value or -errno. */
static long run(long nr, const long *a)
{
    if (nr == SYS_io_uring_enter && (a[3] & IORING_ENTER_GETEVENTS) && a[2] > 0 && hub_may_wait() &&
        gp_sub_on[GP_SUB_io]) {
        long r = uring_enter(a);
        if (r != -ENOSYS) return r;
    }
    for (size_t i = 0; i < NROUTES; i++) {
        if (routes[i].nr != nr || !routes[i].fn) continue;
        long r = nr == SYS_futex ? ((fn7)routes[i].fn)(nr, a[0], a[1], a[2], a[3], a[4], a[5])
                                 : ((fn6)routes[i].fn)(a[0], a[1], a[2], a[3], a[4], a[5]);
        if (routes[i].how & R_INT) r = (int)r;
        if (routes[i].how & R_ERRNUM) return -r;
        return r == -1 ? -errno : r;
    }
    switch (nr) {
    case SYS_rt_sigreturn:
    case SYS_clone3:
        return -ENOSYS;
    case SYS_clone:
        if (a[1]) return -ENOSYS; /* a thread on its own stack */
        break;
    case SYS_vfork:
        nr = SYS_fork; /* the parent's frame would be the child's */
        break;
    }
    long r = libc_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
    return r == -1 ? -errno : r;
}

static void on_sigsys(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    ucontext_t *uc = ctx;
    greg_t *g = uc->uc_mcontext.gregs;
    if (si->si_code != SYS_USER_DISPATCH) { /* a seccomp trap: not ours to answer */
        g[REG_RAX] = -ENOSYS;
        return;
    }
    int saved = errno;
    long a[6] = {g[REG_RDI], g[REG_RSI], g[REG_RDX], g[REG_R10], g[REG_R8], g[REG_R9]};
    __atomic_add_fetch(&sud_traps, 1, __ATOMIC_RELAXED);
    g[REG_RAX] = run(si->si_syscall, a);
    errno = saved;
}

/* Dispatch for the calling OS thread: 0 or -1. */
static int sud_thread(void)
{
    return (int)libc_syscall(SYS_prctl, (long)PR_SET_SYSCALL_USER_DISPATCH,
                             (long)PR_SYS_DISPATCH_ON, (long)libc_lo, (long)libc_len,
                             (long)&selector, 0L);
}

static void sud_fork_child(void)
{
    if (sud_on) sud_thread(); /* the kernel does not carry it into a child */
}

/* The hooks a trapped call goes to: this library's own definitions, as a
 * call through libc's PLT would reach them. */
static void find_hooks(void)
{
    Dl_info di;
    void *self = NULL;
    if (dladdr((void *)find_hooks, &di) && di.dli_fname)
        self = dlopen(di.dli_fname, RTLD_LAZY | RTLD_NOLOAD);
    for (size_t i = 0; i < NROUTES; i++) {
        int id = gp_sym_find(routes[i].hook);
        if (self && id >= 0 && gp_syms[id].on) routes[i].fn = dlsym(self, routes[i].hook);
    }
    if (self) dlclose(self);
}

__attribute__((constructor(103))) static void sud_init(void)
{
    const char *v = secure_getenv("GEVENT_SYSCALL_DISPATCH");
    if (!v || !strcmp(v, "off") || !strcmp(v, "0")) return;
    if (strcmp(v, "on") && strcmp(v, "1"))
        gp_config_bad("GEVENT_SYSCALL_DISPATCH", v, "allowed: off, on");
    hub_tls.nowait++;
    libc_syscall = (long (*)(long, ...))gp_real(GP_SYM_syscall);
    if (!libc_syscall || gp_text_of((void *)libc_syscall, &libc_lo, &libc_len) < 0) {
        gp_dprintf(2, "gevent_patch: GEVENT_SYSCALL_DISPATCH=on: libc's code not found; off\n");
        hub_tls.nowait--;
        return;
    }
    find_hooks();
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigsys;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_RESTART;
    gp_sigaction(SIGSYS, &sa, NULL);
    gp_syscall_via = libc_syscall; /* before the first trap could happen */
    if (sud_thread() < 0) {
        gp_syscall_via = NULL;
        gp_dprintf(2, "gevent_patch: GEVENT_SYSCALL_DISPATCH=on: the kernel refused it (%s); off\n",
                   strerror(errno));
    } else {
        sud_on = 1;
        gp_atfork(NULL, NULL, sud_fork_child);
    }
    hub_tls.nowait--;
}
