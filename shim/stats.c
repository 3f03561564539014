/* GEVENT_STATS=1: per-symbol counters printed at exit, and the descriptions
 * the hub's dump asks the shim for (where a greenlet was created).
 *
 * Counting is split so the hot path stays cheap: gp_enter counts calls and
 * names the call in progress in the greenlet (stat_sym); the hub calls
 * stats_wait after each park, which charges the time to that symbol and
 * counts the call as "had to wait" once, however often it parked. */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../patches/thread.h"
#include "shim.h"

static int64_t stats_t0;

static void stats_wait(gl_t *g, int64_t ns)
{
    int s = g->stat_sym;
    if (s == 0) return; /* parked outside a patched call (e.g. at exit) */
    int id = (s > 0 ? s : -s) - 1;
    if (s > 0) {
        gp_syms[id].waits++;
        g->stat_sym = -s;
    }
    gp_syms[id].wait_ns += ns;
}

/* "name+0xoff (module+0xoff)": the symbol when the module exports it, and
 * always the module offset, which `addr2line -e MODULE OFF` resolves. */
static void describe_addr(void *addr, char *buf, size_t n)
{
    Dl_info di;
    if (!addr || !dladdr(addr, &di) || !di.dli_fbase) {
        snprintf(buf, n, "%p", addr);
        return;
    }
    const char *mod = di.dli_fname && *di.dli_fname ? di.dli_fname : "?";
    const char *base = strrchr(mod, '/');
    base = base ? base + 1 : mod;
    unsigned long off = (unsigned long)((char *)addr - (char *)di.dli_fbase);
    if (di.dli_sname && di.dli_saddr)
        snprintf(buf, n, "%s+0x%lx (%s+0x%lx)", di.dli_sname,
                 (unsigned long)((char *)addr - (char *)di.dli_saddr), base, off);
    else
        snprintf(buf, n, "%s+0x%lx", base, off);
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
        describe_addr((void *)th->start, a, sizeof a);
        if (g->created_ra) {
            describe_addr(g->created_ra, b, sizeof b);
            snprintf(buf, n, "started at %s, created from %s", a, b);
        } else {
            snprintf(buf, n, "started at %s", a);
        }
    } else if (g->created_ra) {
        describe_addr(g->created_ra, b, sizeof b);
        snprintf(buf, n, "created from %s", b);
    }
}

void gp_stats_init(void)
{
    hub_origin_hook = stats_origin;
    if (!gp_stats) return;
    stats_t0 = hub_now_ns(CLOCK_MONOTONIC);
    hub_wait_hook = stats_wait;
    hub_stats_on = 1;
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

    dprintf(2, "%s pid %d, %.3f s since start\n", P, (int)getpid(), up);
    dprintf(2, "%s %-7s %-20s %12s %12s %12s\n", P, "subsys", "symbol", "calls", "waits",
            "waited s");
    for (int i = 0; i < GP_NSYMS; i++) {
        int s = gp_sym_sub(i);
        scalls[s] += gp_syms[i].calls;
        swaits[s] += gp_syms[i].waits;
        sns[s] += gp_syms[i].wait_ns;
        if (gp_syms[i].calls)
            dprintf(2, "%s %-7s %-20s %12lu %12lu %12.6f\n", P, gp_sub_names[s], gp_sym_names[i],
                    gp_syms[i].calls, gp_syms[i].waits, (double)gp_syms[i].wait_ns / 1e9);
    }
    for (int s = 0; s < GP_NSUBS; s++)
        if (scalls[s])
            dprintf(2, "%s %-7s %-20s %12lu %12lu %12.6f\n", P, gp_sub_names[s], "(total)",
                    scalls[s], swaits[s], (double)sns[s] / 1e9);
    char res[32], deep[32];
    human(hub_stats.peak_stack_bytes, res, sizeof res);
    human(hub_stats.deepest, deep, sizeof deep);
    dprintf(2,
            "%s greenlets created %lu, peak alive %lu, switches %lu, parks %lu (%.6f s)\n"
            "%s stack: peak reserved %s, deepest use seen at a switch %s\n",
            P, hub_stats.created, hub_stats.peak_alive, hub_stats.switches, hub_stats.parks,
            (double)hub_stats.parked_ns / 1e9, P, res, deep);
}
