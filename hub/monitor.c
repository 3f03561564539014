/* The monitor: one native thread of the shim's own ("gevent-monitor"),
 * started only with GEVENT_MONITOR, that watches every hub from outside
 * (gevent's GEVENT_MAX_BLOCKING_TIME).
 *
 * A hub bumps h->passes once per scheduling pass and sets h->in_loop while
 * it waits in the loop; it pays nothing else. Every tick the monitor looks
 * at each hub: when passes has not moved and the hub is not waiting, the
 * greenlet the hub last switched to (h->running) holds the OS thread. Past
 * the report threshold it prints, once per episode, who holds it, for how
 * long, its last patched call, the system call the OS thread is in
 * (/proc/self/task/TID/syscall) and a backtrace. (Preemption needs no
 * thread: preempt.c.)
 *
 * It reads hub and greenlet records without locks: they are only read, a
 * record is freed only after the hub has made a pass (which ends the
 * episode), and what is printed is re-checked against passes. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hub_int.h"
#include "monitor.h"

struct hub_monitor_stats hub_monitor_stats;

static struct hub *hubs; /* every hub, pushed by hub_monitor_add */
static unsigned mon_report_ms;
static int (*mon_create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
static int mon_running;

void hub_monitor_add(struct hub *h)
{
    struct hub *old = __atomic_load_n(&hubs, __ATOMIC_RELAXED);
    do h->next_hub = old;
    while (!__atomic_compare_exchange_n(&hubs, &old, h, 1, __ATOMIC_RELEASE, __ATOMIC_RELAXED));
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    gp_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void nap_ns(int64_t ns)
{
    struct timespec ts = {(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    gp_syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, NULL);
}

/* ---- what the OS thread is doing --------------------------------------------------- */

/* The system calls a thread may be found blocked in, by number (x86-64). */
static const char *syscall_name(long nr)
{
    static const struct {
        short nr;
        const char *name;
    } t[] = {
        {0, "read"},
        {1, "write"},
        {2, "open"},
        {7, "poll"},
        {16, "ioctl"},
        {17, "pread64"},
        {18, "pwrite64"},
        {19, "readv"},
        {20, "writev"},
        {23, "select"},
        {34, "pause"},
        {35, "nanosleep"},
        {40, "sendfile"},
        {42, "connect"},
        {43, "accept"},
        {44, "sendto"},
        {45, "recvfrom"},
        {46, "sendmsg"},
        {47, "recvmsg"},
        {61, "wait4"},
        {65, "semop"},
        {69, "msgsnd"},
        {70, "msgrcv"},
        {72, "fcntl"},
        {73, "flock"},
        {74, "fsync"},
        {75, "fdatasync"},
        {128, "rt_sigtimedwait"},
        {130, "rt_sigsuspend"},
        {162, "sync"},
        {202, "futex"},
        {208, "io_getevents"},
        {220, "semtimedop"},
        {230, "clock_nanosleep"},
        {232, "epoll_wait"},
        {242, "mq_timedsend"},
        {243, "mq_timedreceive"},
        {247, "waitid"},
        {257, "openat"},
        {270, "pselect6"},
        {271, "ppoll"},
        {275, "splice"},
        {281, "epoll_pwait"},
        {288, "accept4"},
        {299, "recvmmsg"},
        {307, "sendmmsg"},
        {426, "io_uring_enter"},
        {441, "epoll_pwait2"},
    };
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (t[i].nr == nr) return t[i].name;
    return NULL;
}

/* /proc/self/task/TID/syscall: "running", or "NR a1..a6 sp pc" while in a
 * system call (-1 when blocked outside one). 1 in a call, 0 running, -1 if
 * unreadable. */
static int thread_syscall(int tid, long *nr, unsigned long args[6], uintptr_t *sp, uintptr_t *pc)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", tid);
    int fd = (int)gp_syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = gp_syscall(SYS_read, fd, buf, sizeof buf - 1);
    gp_syscall(SYS_close, fd);
    if (n <= 0) return -1;
    buf[n] = 0;
    if (strncmp(buf, "running", 7) == 0) return 0;
    unsigned long a[8] = {0};
    if (sscanf(buf, "%ld %lx %lx %lx %lx %lx %lx %lx %lx", nr, &a[0], &a[1], &a[2], &a[3], &a[4],
               &a[5], &a[6], &a[7]) < 1)
        return -1;
    memcpy(args, a, 6 * sizeof *args);
    *sp = a[6];
    *pc = a[7];
    return *nr >= 0 ? 1 : 0;
}

/* ---- the report ------------------------------------------------------------------------- */

static void where(char *buf, size_t n, uintptr_t addr)
{
    Dl_info di;
    if (addr && dladdr((void *)addr, &di) && di.dli_fbase) {
        const char *mod = di.dli_fname && *di.dli_fname ? di.dli_fname : "?";
        const char *base = strrchr(mod, '/');
        base = base ? base + 1 : mod;
        unsigned long off = (unsigned long)(addr - (uintptr_t)di.dli_fbase);
        if (di.dli_sname && di.dli_saddr)
            snprintf(buf, n, "%s+0x%lx (%s+0x%lx)", di.dli_sname,
                     (unsigned long)(addr - (uintptr_t)di.dli_saddr), base, off);
        else
            snprintf(buf, n, "%s+0x%lx", base, off);
    } else {
        snprintf(buf, n, "%#lx", (unsigned long)addr);
    }
}

/* A backtrace of the running greenlet: the handler of GP_SIG_PREEMPT takes
 * the sample on its OS thread (its interrupted PC and the return addresses
 * on its stack). */
static int probe_running(struct hub *h, uintptr_t *pc, uintptr_t *ra, int max)
{
    hub_probe.tid = h->tid;
    hub_probe.n = 0;
    __atomic_store_n(&hub_probe.state, PROBE_ASKED, __ATOMIC_RELEASE);
    hub_probe_send(h->tid);
    for (int i = 0; i < 200 && __atomic_load_n(&hub_probe.state, __ATOMIC_ACQUIRE) != PROBE_DONE;
         i++)
        nap_ns(1000000);
    int ok = __atomic_load_n(&hub_probe.state, __ATOMIC_ACQUIRE) == PROBE_DONE;
    int n = 0;
    if (ok) {
        *pc = hub_probe.pc;
        n = hub_probe.n < max ? hub_probe.n : max;
        memcpy(ra, hub_probe.ra, (size_t)n * sizeof *ra);
    }
    __atomic_store_n(&hub_probe.state, PROBE_IDLE, __ATOMIC_RELEASE);
    return ok ? n : -1;
}

static void report(struct hub *h, gl_t *g, unsigned long passes, int64_t held_ns)
{
    char a[200], line[1024];
    int fd = 2;
    /* what the OS thread is doing: a system call (stable: read its stack
     * directly), or running (ask the handler for a sample) */
    long nr = -1;
    unsigned long args[6] = {0};
    uintptr_t sp = 0, pc = 0, ra[PROBE_MAX];
    int st = thread_syscall(h->tid, &nr, args, &sp, &pc);
    int n = 0;
    if (st == 1) {
        uintptr_t top = g->stack_size ? (uintptr_t)g->stack_lo + g->stack_size
                        : g->is_main  ? h->main_top
                                      : 0;
        if (top && sp < top && sp >= top - (g->stack_size ? g->stack_size : (64u << 20)))
            n = hub_stack_scan(sp, top, ra, PROBE_MAX);
    } else if (st == 0) {
        n = probe_running(h, &pc, ra, PROBE_MAX);
    }
    if (__atomic_load_n(&h->passes, __ATOMIC_RELAXED) != passes) return; /* it moved on */

    gp_dprintf(fd,
               "gevent_patch: monitor: greenlet %u%s%s%s%s has held OS thread %d for %.3f s "
               "without letting the hub run (GEVENT_MONITOR=%u)\n",
               g->id, g->is_main ? " (main)" : "", g->name[0] ? " \"" : "", g->name,
               g->name[0] ? "\"" : "", h->tid, (double)held_ns / 1e9, mon_report_ms);
    if (hub_origin_hook && !g->is_main) {
        line[0] = 0;
        hub_origin_hook(g, line, sizeof line);
        if (line[0]) gp_dprintf(fd, "      %s\n", line);
    }
    if (g->op) {
        where(a, sizeof a, (uintptr_t)g->op_ra);
        gp_dprintf(fd, "      last patched call: %s, called from %s\n", gl_op_name(g), a);
    } else {
        gp_dprintf(fd, "      last patched call: none\n");
    }
    if (st == 1) {
        const char *name = syscall_name(nr);
        if (name)
            gp_dprintf(fd, "      in system call: %s(%#lx, %#lx, %#lx, ...)\n", name, args[0],
                       args[1], args[2]);
        else
            gp_dprintf(fd, "      in system call: %ld(%#lx, %#lx, %#lx, ...)\n", nr, args[0],
                       args[1], args[2]);
        uintptr_t lo, len;
        if (pc && gp_text_of(gp_real(GP_SYM_read), &lo, &len) == 0 && pc - lo >= len) {
            where(a, sizeof a, pc);
            gp_dprintf(fd,
                       "      made without libc: a syscall instruction at %s, which no hook sees "
                       "(GEVENT_SYSCALL_DISPATCH=on makes such calls waits on the hub)\n",
                       a);
        }
    } else if (st == 0) {
        gp_dprintf(fd, "      in system call: none (running)\n");
    }
    if (n < 0) {
        gp_dprintf(fd, "      backtrace: no sample (the thread did not take the signal)\n");
    } else {
        gp_dprintf(fd, "      backtrace (addr2line -e MODULE 0xOFF; return addresses found on "
                       "the stack):\n");
        if (pc) {
            where(a, sizeof a, pc);
            gp_dprintf(fd, "        #0 %s\n", a);
        }
        for (int i = 0; i < n; i++) {
            where(a, sizeof a, ra[i] - 1); /* the call instruction, for addr2line */
            gp_dprintf(fd, "        #%d %s\n", i + 1, a);
        }
    }
    __atomic_add_fetch(&hub_monitor_stats.reports, 1, __ATOMIC_RELAXED);
}

/* ---- the thread ------------------------------------------------------------------------------ */

static void watch(struct hub *h, int64_t now)
{
    unsigned long passes = __atomic_load_n(&h->passes, __ATOMIC_RELAXED);
    if (passes != h->m_passes || __atomic_load_n(&h->in_loop, __ATOMIC_RELAXED) || !h->m_since) {
        h->m_passes = passes;
        h->m_since = now;
        h->m_reported = 0;
        return;
    }
    gl_t *g = __atomic_load_n(&h->running, __ATOMIC_RELAXED);
    if (!g || g->is_hub) return; /* the hub itself, in a callback */
    int64_t held = now - h->m_since;
    if (__atomic_load_n(&h->nalive, __ATOMIC_RELAXED) < 2) return; /* nobody starves */
    if (mon_report_ms && !h->m_reported && held >= (int64_t)mon_report_ms * 1000000) {
        h->m_reported = 1;
        report(h, g, passes, held);
    }
}

static void *mon_main(void *arg)
{
    (void)arg;
    hub_tls.nowait++; /* for good: this thread never waits on a hub */
    prctl(PR_SET_NAME, "gevent-monitor", 0, 0, 0);
    /* a fifth of the period: an episode starts at most a tick before the
     * monitor sees it, and is noticed at most a tick after it is due */
    int64_t tick = (int64_t)mon_report_ms * 1000000 / 5;
    if (tick < 200000) tick = 200000;
    if (tick > 50000000) tick = 50000000;
    for (;;) {
        nap_ns(tick);
        hub_ranges_refresh();
        int64_t now = mono_ns();
        for (struct hub *h = __atomic_load_n(&hubs, __ATOMIC_ACQUIRE); h; h = h->next_hub)
            watch(h, now);
    }
    return NULL;
}

static int mon_spawn(void)
{
    pthread_t t;
    pthread_attr_t a;
    sigset_t all, old;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&a, 256 * 1024);
    /* every signal blocked: the program's signals go to its own threads */
    sigfillset(&all);
    gp_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
    int r = mon_create(&t, &a, mon_main, NULL);
    gp_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);
    pthread_attr_destroy(&a);
    return r;
}

int hub_monitor_start(unsigned report_ms, unsigned slice_ms,
                      int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *))
{
    if (!report_ms && !slice_ms) return 0;
    mon_report_ms = report_ms;
    mon_create = create;
    hub_ranges_refresh(); /* before any signal can need it */
    hub_mask_os_never |= 1ull << (GP_SIG_PREEMPT - 1);
    int r = hub_preempt_install();
    if (r) return r;
    if (slice_ms) hub_preempt_start(slice_ms);
    if (!report_ms) return 0;
    if (!create) return ENOSYS;
    if ((r = mon_spawn()) == 0) mon_running = 1;
    return r;
}

int hub_monitor_running(void)
{
    return mon_running;
}

/* In a fork child: the monitor thread is gone, and so are the other OS
 * threads' hubs. Watch the one left, with a new monitor thread. */
void hub_monitor_forked(struct hub *h)
{
    GP_SET(h->preempt_timer, 0); /* a child inherits no timer */
    hub_preempt_arm(h);
    if (!mon_running) return;
    h->next_hub = NULL;
    hubs = h;
    h->m_passes = 0;
    h->m_reported = 0;
    hub_probe.state = PROBE_IDLE;
    mon_spawn();
}
