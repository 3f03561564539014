/* What every greenlet is doing: for the would-block-forever diagnostic and
 * the on-demand dump (GEVENT_DUMP_SIGNAL).
 *
 * Printing happens on the hub greenlet only, never in signal context: the
 * dump signal's handler just pokes the loop with ev_async_send (which is
 * async-signal-safe), and the watcher's callback prints. Output goes with
 * dprintf to a raw fd: no stdio buffers or locks the program may hold. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_int.h"

static const char *state_name(int s)
{
    switch (s) {
    case GL_RUNNING:
        return "running";
    case GL_READY:
        return "ready";
    case GL_PARKED:
        return "waiting";
    default:
        return "dead";
    }
}

static void put_where(int fd, const char *what, void *addr)
{
    char buf[300];
    if (!addr) return;
    gp_where(addr, buf, sizeof buf);
    gp_dprintf(fd, "\n      %s %s", what, buf);
}

static void dump_one(int fd, gl_t *g, int64_t now, int64_t coarse)
{
    gp_dprintf(fd, "  greenlet %u%s%s%s%s: %s", g->id, g->is_main ? " (main)" : "",
               g->name[0] ? " \"" : "", g->name, g->name[0] ? "\"" : "", state_name(g->state));
    if (g->state == GL_PARKED) {
        gp_dprintf(fd, " in %s", g->op ? gl_op_name(g) : "?");
        switch (g->wkind) {
        case HUB_W_FD:
            gp_dprintf(fd, " on fd %ld for %s%s", g->wobj, g->wevents & HUB_IN ? "read" : "",
                       g->wevents == (HUB_IN | HUB_OUT) ? "+write"
                       : g->wevents & HUB_OUT           ? "write"
                                                        : "");
            break;
        case HUB_W_SLEEP:
            gp_dprintf(fd, " sleeping");
            break;
        case HUB_W_WQ:
            gp_dprintf(fd, " on wait queue %p", (void *)g->wobj);
            break;
        case HUB_W_CHILD:
            gp_dprintf(fd, " for child %ld", g->wobj);
            break;
        default:
            break;
        }
        gp_dprintf(fd, " for %.3f s", (double)(coarse - g->wsince) / 1e9);
        if (g->wdeadline == HUB_NEVER) {
            gp_dprintf(fd, ", no deadline");
        } else {
            /* A realtime deadline is an epoch time, far above any
             * monotonic reading: tell them apart without a clock field. */
            int64_t base = g->wdeadline > (int64_t)1000000000 * 1000000000 / 10
                               ? hub_now_ns(CLOCK_REALTIME)
                               : now;
            gp_dprintf(fd, ", deadline in %.3f s", (double)(g->wdeadline - base) / 1e9);
        }
        put_where(fd, "called from", g->op_ra);
    }
    if (hub_origin_hook && !g->is_hub) {
        char buf[400];
        buf[0] = 0;
        hub_origin_hook(g, buf, sizeof buf);
        if (buf[0]) gp_dprintf(fd, "\n      %s", buf);
    }
    gp_dprintf(fd, "\n");
}

void hub_dump(int fd)
{
    struct hub *h = hub_tls.hub;
    if (!h) return;
    int64_t now = hub_now_ns(CLOCK_MONOTONIC), coarse = hub_now_ns(CLOCK_MONOTONIC_COARSE);
    gp_dprintf(fd, "gevent_patch: %u greenlet(s) on OS thread %d (pid %d):\n", h->nalive,
               (int)gettid(), (int)getpid());
    for (gl_t *g = hub_gl_at(h->all); g; g = hub_gl_at(g->all.next)) dump_one(fd, g, now, coarse);
    gp_dprintf(fd, "gevent_patch: end of dump\n");
}

void hub_would_block_forever(void)
{
    gp_dprintf(2, "gevent_patch: would block forever: every greenlet is waiting and nothing "
                  "can wake any of them (a deadlock in the program)\n");
    hub_dump(2);
    REAL(fflush)(NULL); /* keep what the program printed so far */
    _exit(3);
}

/* ---- the dump signal ---------------------------------------------------- */

static struct hub *dump_hub; /* poked by the handler (HUB_POKE_DUMP) */

static volatile sig_atomic_t dump_pending;

void hub_dump_poked(void)
{
    dump_pending = 0;
    hub_dump(2);
}

/* Async-signal-safe formatting for the one line the handler may write. */
static char *put_s(char *p, char *end, const char *s)
{
    while (s && *s && p < end) *p++ = *s++;
    return p;
}

static char *put_u(char *p, char *end, unsigned long v, unsigned base)
{
    char tmp[24];
    int n = 0;
    do tmp[n++] = "0123456789abcdef"[v % base];
    while ((v /= base) && n < (int)sizeof tmp);
    while (n && p < end) *p++ = tmp[--n];
    return p;
}

/* The hub has not run since the last request: the running greenlet neither
 * waits nor yields. Say which one, from what it left in its record (plain
 * reads, a raw write(2)): that is the CPU-bound loop or the uncovered blocking
 * call the user is looking for. */
static void dump_stuck(void)
{
    char buf[256], *p = buf, *end = buf + sizeof buf - 1;
    gl_t *g = hub_tls.cur;
    p = put_s(p, end, "gevent_patch: dump still pending: the hub has not run since it was asked; ");
    if (!g || g->is_hub || hub_tls.hub == NULL) {
        p = put_s(p, end, "the signal arrived on another OS thread\n");
    } else {
        p = put_s(p, end, "greenlet ");
        p = put_u(p, end, g->id, 10);
        if (g->name[0]) {
            p = put_s(p, end, " \"");
            p = put_s(p, end, g->name);
            p = put_s(p, end, "\"");
        }
        p = put_s(p, end,
                  " is running and has not yielded (CPU-bound, or blocked in a call the "
                  "shim does not cover); its last patched call: ");
        p = put_s(p, end, g->op ? gl_op_name(g) : "none");
        p = put_s(p, end, " from 0x");
        p = put_u(p, end, (unsigned long)g->op_ra, 16);
        p = put_s(p, end, "\n");
    }
    gp_write_all(2, buf, (size_t)(p - buf));
}

/* A no-wait section: libev's wake-up write (ev_async_send) and anything
 * else reached from here pass straight to libc, and leave the running
 * greenlet's record of its last call (what dump_stuck reports) alone. */
static void dump_handler(int sig)
{
    (void)sig;
    int e = errno;
    hub_tls.nowait++;
    if (dump_pending) dump_stuck();
    dump_pending = 1;
    hub_poke(dump_hub, HUB_POKE_DUMP);
    hub_tls.nowait--;
    errno = e;
}

int hub_dump_on_signal(int signo)
{
    struct hub *h = hub_get();
    if (!h) return ENOMEM;
    if (!dump_hub) {
        hub_poke_arm(h);
        dump_hub = h;
    }
    /* libc's own sigaction: the signal patch must not treat this handler as
     * the program's. SA_RESTART: the dump never makes a call fail EINTR. */
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = dump_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    return gp_sigaction(signo, &sa, NULL) == 0 ? 0 : errno;
}
