/* No greenlet starves the others: "nothing ready" answers yield, and
 * preemption at safe points (GEVENT_PREEMPT).
 *
 * Each hub's OS thread has a timer on its own CPU-time clock that sends it
 * GP_SIG_PREEMPT every fifth of a slice of CPU time it consumes: while the
 * thread waits (the hub idle in the loop, or blocked in a system call) it
 * gets no tick, so an idle process is never woken. A slice itself is
 * wall-clock time (what a ticker or an echo client sees): when the hub has
 * made no scheduling pass for a slice of the monotonic clock, measured at
 * these ticks, the greenlet holding the thread has used up
 * its slice: the handler raises hub_tls.preempt (acted on at the next
 * patched call, gp_enter) and switches the greenlet out at once, from
 * inside the signal frame, if the interrupted instruction is safe to leave
 * (preempt_safe): the signal frame stays on the greenlet's stack and the
 * greenlet goes on, when its turn comes, by returning from the handler
 * (sigreturn restores every register and its signal mask).
 *
 * Safe means: the PC is in the program's own code (the main executable or
 * a library that is not one of the system's runtime libraries, see
 * range_kind), not in a no-wait section, on the greenlet's own stack, and
 * no frame of libc, ld.so, libstdc++, libgcc, an allocator, a sanitizer,
 * libev, c-ares or the shim is live on that stack. The last is checked
 * conservatively: every word of the live stack, [sp, the start routine's
 * base), that points into such a library's text just after a call
 * instruction counts as a live frame. A stale or data word can only make a
 * false "unsafe" (preemption waits for the next tick or patched call),
 * never a false "safe": the return address of every live frame is on the
 * stack. That covers malloc, stdio, the dynamic linker, unwinders,
 * callbacks from qsort or dl_iterate_phdr, and the program's own signal
 * handlers (their frame returns into libc's __restore_rt). */
#include "hub_int.h" /* before link.h: elf.h defines EV_NONE, which ev.h declares */
#include "monitor.h"

#include <dlfcn.h>
#include <errno.h>
#include <link.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

/* A lone spinner lets the hub poll every HUB_IDLE_CYCLES TSC cycles (some
 * 30-100 us), looking at the clock every 64 answers: a poll costs a system
 * call, the check a few ns every 64 answers. */
#define HUB_IDLE_CYCLES 100000

/* ---- "nothing ready" --------------------------------------------------------- */

void hub_nothing_ready(void)
{
    gl_t *g = hub_tls.cur;
    if (!g || g->is_hub || hub_tls.nowait) return;
    struct hub *h = g->hub;
    if (!h->rq_head && !h->pq_head) {
        /* Alone: answering at once is what a spinner wants, but now and
         * then the hub must look at the loop (fds, timers), or whatever it
         * spins for never comes. */
        if (++h->idle_spins & 63) return;
        uint64_t t = __builtin_ia32_rdtsc();
        if (t - h->idle_tsc < HUB_IDLE_CYCLES) return;
        h->idle_tsc = t;
        h->poll_now = 1;
    }
    hub_yield();
}

/* ---- the preempted queue ------------------------------------------------------ */

void hub_pq_take(struct hub *h)
{
    h->since_pq = 0;
    hub_rq_push(h, hub_gl_pop(&h->pq_head, &h->pq_tail));
}

/* A greenlet that used up its slice waits in the preempted queue, whose
 * greenlets run, one at a time, when nothing else is ready (or after
 * HUB_POLL_EVERY other runs, so that they are never starved): greenlets
 * that woke for I/O or a timer run before the next CPU-bound one (an echo
 * reply is not queued behind four compressors). The hub polls first. */
static void preempt_switch(gl_t *g)
{
    struct hub *h = g->hub;
    g->state = GL_READY;
    hub_gl_push(&h->pq_head, &h->pq_tail, g);
    h->poll_now = 2; /* poll, and run what it wakes first */
    h->round = 0;
    __atomic_add_fetch(&hub_monitor_stats.preemptions, 1, __ATOMIC_RELAXED);
    gl_switch(g, h->hub_gl);
}

/* The slice the monitor meant is the one still running: the hub has not
 * made a pass since it raised the flag. */
static int slice_over(struct hub *h)
{
    /* the monitor thread reads passes: atomics */
    return __atomic_load_n(&h->passes, __ATOMIC_RELAXED) ==
           __atomic_load_n(&h->preempt_pass, __ATOMIC_RELAXED);
}

static int call_point_safe(gl_t *g, uintptr_t sp);

/* At a patched call (gp_enter): the same rule as for the signal, for the
 * caller's frames. The shim frames of the call itself lie first on the
 * stack and are skipped; the call must come from the program's code, and
 * no system library's frame may lie below it (a patched call made by
 * libgcc's unwinder, or from a callback under qsort or dl_iterate_phdr,
 * is not a point to switch at). If it is not safe, the monitor asks again
 * at its next tick. */
void hub_preempt_yield(void)
{
    gl_t *g = hub_tls.cur;
    hub_tls.preempt = 0;
    if (!g || g->is_hub || hub_tls.nowait || !slice_over(g->hub) ||
        !call_point_safe(g, (uintptr_t)__builtin_frame_address(0)))
        return;
    __atomic_add_fetch(&hub_monitor_stats.at_calls, 1, __ATOMIC_RELAXED);
    preempt_switch(g);
}

/* ---- the start routine's base frame ------------------------------------------ */

/* hub_call_base(fn, a, b, c) calls fn(a, b, c) and returns what it returns.
 * Its return address, hub_call_base_ret, marks where the program's own
 * frames begin on a greenlet stack: the stack scan stops there (below it
 * lie the shim's frames that started the greenlet). A frame pointer and
 * CFI so that unwinders (cancellation, C++ exceptions, backtraces) walk
 * through it. */
__asm__(".text\n"
        ".globl hub_call_base\n"
        ".hidden hub_call_base\n"
        ".type hub_call_base,@function\n"
        "hub_call_base:\n"
        ".cfi_startproc\n"
        "pushq %rbp\n"
        ".cfi_def_cfa_offset 16\n"
        ".cfi_offset %rbp, -16\n"
        "movq %rsp, %rbp\n"
        ".cfi_def_cfa_register %rbp\n"
        "movq %rdi, %rax\n"
        "movq %rsi, %rdi\n"
        "movq %rdx, %rsi\n"
        "movq %rcx, %rdx\n"
        "call *%rax\n"
        ".globl hub_call_base_ret\n"
        ".hidden hub_call_base_ret\n"
        "hub_call_base_ret:\n"
        "popq %rbp\n"
        ".cfi_def_cfa %rsp, 8\n"
        "ret\n"
        ".cfi_endproc\n"
        ".size hub_call_base, .-hub_call_base\n");
extern const char hub_call_base_ret[];

/* The scans read whole stack frames, the shim's own included, whose ASan
 * redzones are poisoned: they are not instrumented. */
#define GP_NO_ASAN __attribute__((no_sanitize("address")))

/* ---- text ranges ---------------------------------------------------------------- */

/* Executable segments of every loaded object, sorted, rebuilt by the
 * monitor thread when the set of objects changes (dl_iterate_phdr's adds
 * and subs counters) and published by swapping a pointer: the handler
 * reads a table that is never freed while it may be in use (two tables,
 * one being built; the old one is reused only after a full monitor tick). */
#define RANGES_MAX 512
struct ranges {
    int n;
    uintptr_t lo[RANGES_MAX], hi[RANGES_MAX];
    unsigned char kind[RANGES_MAX]; /* RK_* */
};
enum { RK_PROGRAM, RK_SYSTEM, RK_SHIM };
static struct ranges range_tab[2];
static struct ranges *ranges_cur;
static unsigned long long ranges_gen = ~0ull;

/* The libraries whose frames make a point unsafe: the C runtime, the
 * dynamic linker, C++ and unwinding runtimes, allocators, sanitizers, and
 * the shim with what it links. Everything else (the executable, zlib,
 * libm, OpenSSL, the program's own libraries) is the program's code. */
static int range_kind(const char *path)
{
    static const char *const sys[] = {
        "libc.so",     "ld-linux",    "ld64.so",     "libstdc++",        "libgcc_s",
        "libpthread",  "libdl.so",    "librt.so",    "libgevent_patch",  "libev.so",
        "libcares",    "libjemalloc", "libtcmalloc", "libmimalloc",      "malloc",
        "libasan",     "libubsan",    "liblsan",     "libtsan",          "libunwind",
        "libvalgrind", "vgpreload",   "linux-vdso",  "libboost_context",
    };
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (!*base) return RK_SYSTEM; /* the vdso and anything unnamed */
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++)
        if (strstr(base, sys[i])) return RK_SYSTEM;
    return RK_PROGRAM;
}

static int add_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct ranges *t = data;
    const char *name = info->dlpi_name;
    int kind;
    if (!name || !*name) /* the main executable (first) or the vdso */
        kind = info->dlpi_addr == (uintptr_t)0 || t->n == 0 ? RK_PROGRAM : RK_SYSTEM;
    else
        kind = range_kind(name);
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || t->n >= RANGES_MAX) continue;
        t->lo[t->n] = info->dlpi_addr + ph->p_vaddr;
        t->hi[t->n] = t->lo[t->n] + ph->p_memsz;
        t->kind[t->n] = (unsigned char)kind;
        t->n++;
    }
    return 0;
}

static int gen_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    *(unsigned long long *)data = info->dlpi_adds * 1000003ull + info->dlpi_subs;
    return 1;
}

static int range_of(const struct ranges *t, uintptr_t addr);

void hub_ranges_refresh(void)
{
    unsigned long long gen = 0;
    dl_iterate_phdr(gen_cb, &gen);
    if (gen == ranges_gen && ranges_cur) return;
    struct ranges *t = ranges_cur == &range_tab[0] ? &range_tab[1] : &range_tab[0];
    t->n = 0;
    dl_iterate_phdr(add_object, t);
    /* insertion sort: a few dozen objects */
    for (int i = 1; i < t->n; i++)
        for (int j = i; j > 0 && t->lo[j] < t->lo[j - 1]; j--) {
            uintptr_t l = t->lo[j], h = t->hi[j];
            unsigned char k = t->kind[j];
            t->lo[j] = t->lo[j - 1], t->hi[j] = t->hi[j - 1], t->kind[j] = t->kind[j - 1];
            t->lo[j - 1] = l, t->hi[j - 1] = h, t->kind[j - 1] = k;
        }
    int r = range_of(t, (uintptr_t)hub_preempt_yield);
    if (r >= 0) t->kind[r] = RK_SHIM;
    __atomic_store_n(&ranges_cur, t, __ATOMIC_RELEASE);
    ranges_gen = gen;
}

/* The range holding addr, or -1. Async-signal-safe. */
static int range_of(const struct ranges *t, uintptr_t addr)
{
    int lo = 0, hi = t->n - 1;
    if (t->n == 0 || addr < t->lo[0] || addr >= t->hi[t->n - 1]) return -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (addr < t->lo[mid])
            hi = mid - 1;
        else if (addr >= t->hi[mid])
            lo = mid + 1;
        else
            return mid;
    }
    return -1;
}

/* A return address: the bytes before it are a call instruction (call rel32,
 * or call through a register or memory: FF /2 with any ModRM length). */
static int after_call(const struct ranges *t, int r, uintptr_t w)
{
    const unsigned char *p = (const unsigned char *)w;
    if (w - 7 < t->lo[r]) return 1; /* cannot look: assume it is */
    if (p[-5] == 0xE8) return 1;
    for (int len = 2; len <= 7; len++)
        if (p[-len] == 0xFF && ((p[-len + 1] >> 3) & 7) == 2) return 1;
    return 0;
}

int hub_text_kind(uintptr_t addr)
{
    const struct ranges *t = __atomic_load_n(&ranges_cur, __ATOMIC_ACQUIRE);
    int r = t ? range_of(t, addr) : -1;
    return r < 0 ? -1 : t->kind[r];
}

/* Return addresses on [sp, top), innermost first, up to max, stopping at the
 * start routine's base. Async-signal-safe. For the monitor's backtraces. */
GP_NO_ASAN int hub_stack_scan(uintptr_t sp, uintptr_t top, uintptr_t *out, int max)
{
    const struct ranges *t = __atomic_load_n(&ranges_cur, __ATOMIC_ACQUIRE);
    int n = 0;
    if (!t) return 0;
    for (uintptr_t p = (sp + 7) & ~(uintptr_t)7; p + 8 <= top && n < max; p += 8) {
        uintptr_t w = *(const uintptr_t *)p;
        if (w == (uintptr_t)hub_call_base_ret) break;
        int r = range_of(t, w);
        if (r >= 0 && after_call(t, r, w)) out[n++] = w;
    }
    return n;
}

/* ---- the preemption signal -------------------------------------------------------- */

int hub_main_based;
void (*hub_deliver_hook)(void);
/* How far below the top of the main thread's stack its stack pointer may
 * be for the scan (its base frame must lie within): the default limit. */
#define MAIN_STACK_SCAN ((uintptr_t)8 << 20)

/* Is the interrupted greenlet at a point where it may be switched out? */
GP_NO_ASAN static int preempt_safe(gl_t *g, uintptr_t pc, uintptr_t sp)
{
    const struct ranges *t = __atomic_load_n(&ranges_cur, __ATOMIC_ACQUIRE);
    uintptr_t lo, top;
    if (!t) return 0;
    if (g->is_main) {
        /* the process's main thread, when main runs through the base frame;
         * other OS threads' own main greenlets only at patched calls */
        struct hub *h = g->hub;
        if (!hub_main_based || !h->main_top) return 0;
        top = h->main_top;
        lo = top - MAIN_STACK_SCAN;
    } else {
        if (!g->stack_size) return 0;
        lo = (uintptr_t)g->stack_lo;
        top = lo + g->stack_size;
    }
    if (sp < lo || sp >= top) return 0; /* on a signal stack, or not ours */
    int r = range_of(t, pc);
    if (r < 0 || t->kind[r] != RK_PROGRAM) return 0;
    for (uintptr_t p = sp & ~(uintptr_t)7; p + 8 <= top; p += 8) {
        uintptr_t w = *(const uintptr_t *)p;
        if (w == (uintptr_t)hub_call_base_ret) return 1; /* the program's frames end here */
        if ((r = range_of(t, w)) >= 0 && t->kind[r] != RK_PROGRAM && after_call(t, r, w)) return 0;
    }
    return 0; /* no base frame: a greenlet the shim started for itself */
}

GP_NO_ASAN static int call_point_safe(gl_t *g, uintptr_t sp)
{
    const struct ranges *t = __atomic_load_n(&ranges_cur, __ATOMIC_ACQUIRE);
    int r;
    if (!t || (r = range_of(t, (uintptr_t)g->op_ra)) < 0 || t->kind[r] != RK_PROGRAM) return 0;
    /* A main greenlet has no base frame to stop at (libc's start-up frames
     * lie below main): only its caller is checked. */
    if (!g->stack_size) return 1;
    uintptr_t top = (uintptr_t)g->stack_lo + g->stack_size;
    if (sp < (uintptr_t)g->stack_lo || sp >= top) return 0;
    int leading = 1;
    for (uintptr_t p = sp & ~(uintptr_t)7; p + 8 <= top; p += 8) {
        uintptr_t w = *(const uintptr_t *)p;
        if (w == (uintptr_t)hub_call_base_ret) return 1;
        if ((r = range_of(t, w)) < 0 || t->kind[r] == RK_PROGRAM || !after_call(t, r, w)) {
            if (r >= 0 && t->kind[r] == RK_PROGRAM && after_call(t, r, w)) leading = 0;
            continue;
        }
        if (leading && t->kind[r] == RK_SHIM) continue; /* the patched call's own frames */
        return 0;
    }
    return 0;
}

struct hub_probe hub_probe;

/* The shim's own instances of signal 64 carry this address as their value:
 * the timers' (SI_TIMER) and the monitor's samples (SI_QUEUE, from this
 * process). Any other instance is the program's (hub_sig_foreign). */
static const char sig_cookie;
void (*hub_sig_foreign)(int sig, siginfo_t *si, void *uc);
struct sigaction hub_sig_shared_prev;
static int sig_taken;

int hub_sig_shared(int sig)
{
    return sig == GP_SIG_PREEMPT && __atomic_load_n(&sig_taken, __ATOMIC_ACQUIRE);
}

static int sig_mine(const siginfo_t *si)
{
    if (si->si_value.sival_ptr != (void *)&sig_cookie) return 0;
    return si->si_code == SI_TIMER ||
           (si->si_code == SI_QUEUE && si->si_pid == (pid_t)gp_syscall(SYS_getpid));
}

void hub_probe_send(int tid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_signo = GP_SIG_PREEMPT;
    si.si_code = SI_QUEUE;
    si.si_pid = (pid_t)gp_syscall(SYS_getpid);
    si.si_uid = (uid_t)gp_syscall(SYS_getuid);
    si.si_value.sival_ptr = (void *)&sig_cookie;
    gp_syscall(SYS_rt_tgsigqueueinfo, si.si_pid, tid, GP_SIG_PREEMPT, &si);
}

/* The program's instance, with no signal patch to take it: what the
 * disposition the shim replaced would have done (the default terminates:
 * it is raised again, blocked until this handler returns, with that
 * default restored). */
static void sig_not_mine(int sig, siginfo_t *si, void *uc)
{
    if (hub_sig_foreign) {
        hub_sig_foreign(sig, si, uc);
        return;
    }
    if (hub_sig_shared_prev.sa_handler == SIG_IGN) return;
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    gp_sigaction(sig, &dfl, NULL);
    gp_syscall(SYS_rt_tgsigqueueinfo, gp_syscall(SYS_getpid), gp_syscall(SYS_gettid), sig, si);
}

#define SLICE_TICKS 5
static int64_t tick_ns; /* 0: preemption off */

void hub_preempt_arm(struct hub *h)
{
    if (!tick_ns || h->preempt_timer || h->tid != (int)gp_syscall(SYS_gettid)) return;
    /* the kernel's own timer_create: glibc's (or the signal patch's) would
     * not do SIGEV_THREAD_ID on a CPU clock any better */
    struct sigevent ev;
    memset(&ev, 0, sizeof ev);
    ev.sigev_signo = GP_SIG_PREEMPT;
    ev.sigev_value.sival_ptr = (void *)&sig_cookie;
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev._sigev_un._tid = h->tid;
    int id;
    if (gp_syscall(SYS_timer_create, CLOCK_THREAD_CPUTIME_ID, &ev, &id) != 0) return;
    struct itimerspec it = {{0, tick_ns}, {0, tick_ns}};
    if (tick_ns >= 1000000000)
        it.it_interval = it.it_value =
            (struct timespec){tick_ns / 1000000000, tick_ns % 1000000000};
    gp_syscall(SYS_timer_settime, id, 0, &it, NULL);
    h->preempt_timer = id + 1;
}

void hub_preempt_start(unsigned slice_ms)
{
    tick_ns = (int64_t)slice_ms * 1000000 / SLICE_TICKS;
    if (hub_tls.hub) hub_preempt_arm(hub_tls.hub);
}

static int64_t mono_ns(void)
{
    struct timespec ts;
    gp_syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A tick: has the greenlet holding the thread used up its slice? A slice is
 * wall-clock time, as the program's other threads see it (a ticker, an
 * echo reply): the ticks come from a CPU-time timer, so they come only while
 * the thread runs (and it holds the greenlet only then), but what they
 * compare is the monotonic clock. The kernel checks CPU timers at its
 * scheduler tick (4 ms at HZ=250), and only while the thread is on a CPU:
 * a greenlet seen for the first time at this tick is counted from the
 * previous tick, so a slice may end early (up to the gap between two
 * ticks), never late. */
static int slice_used(struct hub *h, gl_t *g)
{
    unsigned long p = h->passes;
    int64_t now = mono_ns(), last = h->tick_at;
    h->tick_at = now;
    if (p != h->tick_passes || h->in_loop || !last) {
        h->tick_passes = p;
        h->slice_at = last ? last : now;
        h->slice_done = 0;
        return 0;
    }
    if (now - h->slice_at < tick_ns * SLICE_TICKS || !g || g->is_hub || h->nalive < 2) return 0;
    h->preempt_pass = p;
    hub_tls.preempt = 1; /* at its next patched call, if not here */
    if (!h->slice_done) {
        h->slice_done = 1;
        __atomic_add_fetch(&hub_monitor_stats.slices, 1, __ATOMIC_RELAXED);
    }
    return 1;
}

static void on_preempt(int sig, siginfo_t *si, void *uc_)
{
    int e = errno;
    ucontext_t *uc = uc_;
    uintptr_t pc = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
    struct hub *h = hub_tls.hub;
    gl_t *g = hub_tls.cur;

    if (!sig_mine(si)) {
        errno = e;
        sig_not_mine(sig, si, uc_);
        errno = e;
        return;
    }

    /* the monitor asked for a sample of this thread (its report) */
    if (__atomic_load_n(&hub_probe.state, __ATOMIC_ACQUIRE) == PROBE_ASKED &&
        hub_probe.tid == (int)gp_syscall(SYS_gettid)) {
        hub_probe.pc = pc;
        hub_probe.n = 0;
        if (g && g->stack_size && sp >= (uintptr_t)g->stack_lo &&
            sp < (uintptr_t)g->stack_lo + g->stack_size)
            hub_probe.n =
                hub_stack_scan(sp, (uintptr_t)g->stack_lo + g->stack_size, hub_probe.ra, PROBE_MAX);
        else if (g && g->is_main && h && h->main_top && sp < h->main_top)
            hub_probe.n = hub_stack_scan(sp, h->main_top, hub_probe.ra, PROBE_MAX);
        __atomic_store_n(&hub_probe.state, PROBE_DONE, __ATOMIC_RELEASE);
    }

    if (si->si_code == SI_TIMER && h && tick_ns) slice_used(h, g);
    if (!hub_tls.preempt || !h || !g || g->is_hub || hub_tls.nowait || !slice_over(h) ||
        !preempt_safe(g, pc, sp)) {
        errno = e;
        return;
    }
    hub_tls.preempt = 0;
    __atomic_add_fetch(&hub_monitor_stats.at_signals, 1, __ATOMIC_RELAXED);
    h->slice_done = 0;
    /* The kernel blocked what sa_mask says for the handler's duration; the
     * next greenlet must run with its own mask: tell the hub what the OS
     * thread's mask is now, and mask_switch sets the right one. When this
     * greenlet resumes, sigreturn restores the mask it was interrupted
     * with (its own). */
    uint64_t m = 0;
    gp_syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, sizeof m);
    h->os_mask = m;
    h->masks = 1;
    preempt_switch(g);
    /* back, at the same point of the program: a signal sent to it
     * meanwhile runs its handler now (a loop that makes no call would
     * otherwise never see it) */
    if (__builtin_expect(g->pending, 0) && hub_deliver_hook) hub_deliver_hook();
    errno = e;
}

int hub_preempt_install(void)
{
    static int done;
    if (done) return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_preempt;
    /* SA_RESTART: should it ever land in a system call, the call goes on.
     * Every other signal is blocked while the handler decides, so no
     * handler of the program runs on top of a half-switched greenlet. */
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigdelset(&sa.sa_mask, SIGSEGV);
    sigdelset(&sa.sa_mask, SIGBUS);
    sigdelset(&sa.sa_mask, SIGILL);
    sigdelset(&sa.sa_mask, SIGFPE);
    if (gp_sigaction(GP_SIG_PREEMPT, &sa, &hub_sig_shared_prev) != 0) return errno;
    __atomic_store_n(&sig_taken, 1, __ATOMIC_RELEASE);
    done = 1;
    return 0;
}
