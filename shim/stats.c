/* GEVENT_STATS=1: per-symbol counters printed at exit, and the descriptions
 * the hub's dump asks the shim for (where a greenlet was created).
 *
 * Counting is split so the hot path stays cheap: gp_enter counts calls and
 * names the call in progress in the greenlet (op); the hub calls
 * stats_wait as each park begins, which counts the call as "had to wait"
 * once however often it parks, and as it ends, which charges the time to
 * that symbol. A wait still in progress at exit is counted, its time not. */
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../patches/thread.h"
#include "shim.h"

static int64_t stats_t0;

static void stats_wait(gl_t *g, int64_t ns)
{
    if (g->op == 0) return; /* parked outside a patched call (e.g. at exit) */
    if (ns < 0) {           /* a park begins: the call waits, count it once */
        if (!g->op_waited) {
            gp_syms[g->op - 1].waits++;
            g->op_waited = 1;
        }
        return;
    }
    gp_syms[g->op - 1].wait_ns += ns;
}

/* The hub knows nothing of pthreads: the thread patch's record behind a
 * greenlet (g->local) names the start routine the program passed. */
static void stats_origin(gl_t *g, char *buf, size_t n)
{
    char a[160], b[160];
    struct gth *th = g->local;
    buf[0] = 0;
    if (g->is_main || g->is_hub) return;
    if (th && th->start) {
        gp_where((void *)th->start, a, sizeof a);
        if (g->created_ra) {
            gp_where(g->created_ra, b, sizeof b);
            snprintf(buf, n, "started at %s, created from %s", a, b);
        } else {
            snprintf(buf, n, "started at %s", a);
        }
    } else if (g->created_ra) {
        gp_where(g->created_ra, b, sizeof b);
        snprintf(buf, n, "created from %s", b);
    }
}

/* A fatal signal skips atexit: print the table first, then die of the
 * signal as the program would have (SA_RESETHAND restored the default,
 * SA_NODEFER lets the re-raise through at once). The table is written with
 * dprintf from counters nobody locks, so this is safe enough for a process
 * that is about to end anyway. */
static volatile sig_atomic_t stats_printed;

static void stats_fatal(int sig)
{
    hub_tls.nowait++; /* a signal handler: nothing here waits on the hub */
    if (!stats_printed) {
        stats_printed = 1;
        gp_stats_print();
    }
    gp_syscall(SYS_tgkill, getpid(), gettid(), sig); /* raise() is a hook of ours */
}

static void stats_on_fatal_signals(void)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGABRT, SIGPIPE, SIGALRM};
    /* libc's own sigaction: the signal patch must not take this for the
     * program's handler. */
    int (*act)(int, const struct sigaction *, struct sigaction *) = gp_sigaction;
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction old, sa;
        /* Only where the default action would kill silently: a handler or
         * SIG_IGN the program inherited stays as it is. */
        if (sigs[i] == gp_config.dump_signal || act(sigs[i], NULL, &old) != 0 ||
            old.sa_handler != SIG_DFL || (old.sa_flags & SA_SIGINFO))
            continue;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = stats_fatal;
        sa.sa_flags = SA_RESETHAND | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        act(sigs[i], &sa, NULL);
    }
}

void gp_stats_init(void)
{
    hub_origin_hook = stats_origin;
    if (!gp_stats) return;
    stats_t0 = hub_now_ns(CLOCK_MONOTONIC);
    hub_wait_hook = stats_wait;
    hub_stats_on = 1;
    stats_on_fatal_signals();
}

/* At exit: once, even if a fatal signal printed already. */
void gp_stats_exit(void)
{
    if (!stats_printed) {
        stats_printed = 1;
        gp_stats_print();
    }
}

static void human(size_t v, char *buf, size_t n)
{
    if (v >= 10u << 20)
        snprintf(buf, n, "%zu MiB", v >> 20);
    else if (v >= 10u << 10)
        snprintf(buf, n, "%zu KiB", v >> 10);
    else
        snprintf(buf, n, "%zu B", v);
}

/* Written with dprintf on fd 2: no stdio buffers or locks, so it also works
 * at exit after the program closed stdout, and from a fatal-signal path. */
void gp_stats_print(void)
{
    static const char P[] = "gevent_patch stats:";
    unsigned long scalls[GP_NSUBS] = {0}, swaits[GP_NSUBS] = {0};
    int64_t sns[GP_NSUBS] = {0};
    double up = (double)(hub_now_ns(CLOCK_MONOTONIC) - stats_t0) / 1e9;

    gp_dprintf(2, "%s pid %d, %.3f s since start\n", P, (int)getpid(), up);
    gp_dprintf(2, "%s %-7s %-20s %12s %12s %12s\n", P, "subsys", "symbol", "calls", "waits",
               "waited s");
    for (int i = 0; i < GP_NSYMS; i++) {
        int s = gp_sym_sub(i);
        scalls[s] += gp_syms[i].calls;
        swaits[s] += gp_syms[i].waits;
        sns[s] += gp_syms[i].wait_ns;
        if (gp_syms[i].calls)
            gp_dprintf(2, "%s %-7s %-20s %12lu %12lu %12.6f\n", P, gp_sub_names[s], gp_sym_names[i],
                       gp_syms[i].calls, gp_syms[i].waits, (double)gp_syms[i].wait_ns / 1e9);
    }
    for (int s = 0; s < GP_NSUBS; s++)
        if (scalls[s])
            gp_dprintf(2, "%s %-7s %-20s %12lu %12lu %12.6f\n", P, gp_sub_names[s], "(total)",
                       scalls[s], swaits[s], (double)sns[s] / 1e9);
    char res[32], deep[32];
    human(hub_stats.peak_stack_bytes, res, sizeof res);
    human(hub_stats.deepest, deep, sizeof deep);
    gp_dprintf(2,
               "%s greenlets created %lu, peak alive %lu, switches %lu, parks %lu (%.6f s)\n"
               "%s stack: peak reserved %s, deepest use seen at a wait %s\n",
               P, hub_stats.created, hub_stats.peak_alive, hub_stats.switches, hub_stats.parks,
               (double)hub_stats.parked_ns / 1e9, P, res, deep);
    if (hub_tcb_changes) /* greenlets with blocks of their own (hub/tcb.c) */
        gp_dprintf(2, "%s thread control blocks: %%fs changed %lu times (%s)\n", P, hub_tcb_changes,
                   hub_tcb_switcher());
    if (gp_config.monitor_ms || gp_config.preempt_ms)
        gp_dprintf(2,
                   "%s monitor: reports %lu; preemptions %lu (at a patched call %lu, by signal "
                   "%lu) of %lu slices that ran out\n",
                   P, hub_monitor_stats.reports, hub_monitor_stats.preemptions,
                   hub_monitor_stats.at_calls, hub_monitor_stats.at_signals,
                   hub_monitor_stats.slices);
    extern int sud_on;
    extern unsigned long sud_traps, sud_waits;
    if (sud_on)
        gp_dprintf(2,
                   "%s syscall dispatch: %lu system calls made without libc trapped, %lu "
                   "io_uring waits on the hub\n",
                   P, sud_traps, sud_waits);
}
