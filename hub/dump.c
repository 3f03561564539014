/* What every greenlet is doing: for the would-block-forever diagnostic and
 * the on-demand dump. Written with dprintf to a raw fd so it works from the
 * hub greenlet and from a signal context without stdio locks. */
#include <stdio.h>
#include <stdlib.h>
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

static void dump_one(int fd, gl_t *g, int64_t now)
{
    dprintf(fd, "  greenlet %u%s%s%s%s: %s", g->id, g->is_main ? " (main)" : "",
            g->name[0] ? " \"" : "", g->name, g->name[0] ? "\"" : "", state_name(g->state));
    if (g->state == GL_PARKED) {
        dprintf(fd, " in %s", g->op ? g->op : "?");
        switch (g->wkind) {
        case HUB_W_FD:
            dprintf(fd, " on fd %ld for %s%s", g->wobj, g->wevents & HUB_IN ? "read" : "",
                    g->wevents == (HUB_IN | HUB_OUT) ? "+write"
                    : g->wevents & HUB_OUT           ? "write"
                                                     : "");
            break;
        case HUB_W_SLEEP:
            dprintf(fd, " sleeping");
            break;
        case HUB_W_WQ:
            dprintf(fd, " on wait queue %p", (void *)g->wobj);
            break;
        case HUB_W_CHILD:
            dprintf(fd, " for child %ld", g->wobj);
            break;
        default:
            break;
        }
        dprintf(fd, " for %.3f s", (double)(now - g->wsince) / 1e9);
        if (g->wdeadline != HUB_NEVER)
            dprintf(fd, ", with a deadline");
        else
            dprintf(fd, ", no deadline");
    }
    dprintf(fd, "\n");
}

void hub_dump(int fd)
{
    struct hub *h = hub_tls.hub;
    if (!h) return;
    int64_t now = hub_now_ns(CLOCK_MONOTONIC);
    dprintf(fd, "gevent_patch: %u greenlet(s) on OS thread %d:\n", h->nalive, (int)gettid());
    for (gl_t *g = h->all; g; g = g->all_next) dump_one(fd, g, now);
}

void hub_would_block_forever(void)
{
    dprintf(2, "gevent_patch: would block forever: every greenlet is waiting and nothing "
               "can wake any of them (a deadlock in the program)\n");
    hub_dump(2);
    fflush(NULL); /* keep what the program printed so far */
    _exit(3);
}
