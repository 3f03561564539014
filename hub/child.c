/* Waiting for children: SIGCHLD arrivals, counted, and the greenlets parked
 * until the next one.
 *
 * The hub never reaps a child itself (libev's own SIGCHLD reaper is kept
 * off by the signal patch): a waiting greenlet retries the real wait call
 * with WNOHANG each time a SIGCHLD arrives, so the kernel decides who gets
 * which status, exactly as natively. Only the hub owning libev's default
 * loop is poked from the signal handler (that loop lives as long as the
 * process); greenlets of other hubs poll with a backoff. */
#include <errno.h>

#include "hub_int.h"

static volatile unsigned child_gen GP_FORK_DATA; /* SIGCHLD arrivals (and other nudges) */
/* Greenlets between hub_child_watch and hub_child_unwatch: only they look at
 * child_gen, so a SIGCHLD with none of them writes nothing (a fork's parent
 * reaping its child with the kernel's wait: patches/os.c). */
static unsigned child_watch GP_FORK_DATA;
static struct hub *child_hub;               /* the hub the handler pokes, once armed */
static hub_wq child_wq GP_FORK_DATA;        /* greenlets of child_hub in hub_child_wait */
static unsigned child_waiters GP_FORK_DATA; /* all hubs: greenlets in hub_child_wait */

unsigned hub_child_gen(void)
{
    return __atomic_load_n(&child_gen, __ATOMIC_ACQUIRE);
}

int hub_child_idle(void)
{
    return !__atomic_load_n(&child_watch, __ATOMIC_RELAXED) &&
           !__atomic_load_n(&child_waiters, __ATOMIC_RELAXED) && !child_wq.head;
}

unsigned hub_child_waiters(void)
{
    return __atomic_load_n(&child_waiters, __ATOMIC_RELAXED);
}

void hub_child_watch(void)
{
    __atomic_add_fetch(&child_watch, 1, __ATOMIC_SEQ_CST);
}

void hub_child_unwatch(void)
{
    __atomic_sub_fetch(&child_watch, 1, __ATOMIC_SEQ_CST);
}

void hub_child_notify(void)
{
    /* a watcher that came after this load makes its WNOHANG try after the
     * change of state that sent the signal: it sees the child itself */
    if (!__atomic_load_n(&child_watch, __ATOMIC_SEQ_CST) &&
        !__atomic_load_n(&child_waiters, __ATOMIC_SEQ_CST))
        return;
    __atomic_add_fetch(&child_gen, 1, __ATOMIC_ACQ_REL);
    hub_poke(__atomic_load_n(&child_hub, __ATOMIC_ACQUIRE), HUB_POKE_CHILD);
}

void hub_child_poked(void)
{
    hub_wq_wake_all(&child_wq);
}

/* The calling hub is the one the handler pokes (arming it on first use),
 * or cannot be. */
static int child_hub_is_me(struct hub *h)
{
    if (child_hub) return child_hub == h;
    if (!ev_is_default_loop(h->loop)) return 0;
    hub_poke_arm(h);
    __atomic_store_n(&child_hub, h, __ATOMIC_RELEASE);
    return 1;
}

int hub_child_wait(unsigned gen, long pid, int reliable, gp_backoff *poll)
{
    gl_t *self = gl_self();
    struct hub *h = self->hub;
    /* Arm the handler's poke before looking at the count: a SIGCHLD that
     * lands between the caller's WNOHANG try and the arming would otherwise
     * bump the count without poking anyone, and we would park for good. */
    int poked = reliable && child_hub_is_me(h);
    if (hub_child_gen() != gen) return 0; /* a SIGCHLD came in meanwhile */
    int r = self->pending && hub_intr_hook ? hub_intr_hook(0) : 0;
    if (r) return r;
    __atomic_add_fetch(&child_waiters, 1, __ATOMIC_RELAXED);
    if (poked) {
        /* the wait queue has no waker of its own: the handler is ours */
        h->wakers++;
        r = hub_wq_park(&child_wq, NULL, hub_never(), HUB_W_CHILD, pid);
        h->wakers--;
    } else {
        /* nothing will poke this hub: poll, often at first, then less */
        r = hub_park_as(HUB_W_CHILD, pid, hub_after_ns(gp_backoff_next(poll)));
        if (r == ETIMEDOUT) r = 0;
    }
    __atomic_sub_fetch(&child_waiters, 1, __ATOMIC_RELAXED);
    if ((r == EINTR || r == ECANCELED) && hub_intr_hook && (r = hub_intr_hook(r)) == HUB_RESTART)
        r = 0; /* the caller retries */
    return r;
}

GP_FORK_CODE void hub_child_forked(void)
{
    /* the waiters were other greenlets: none of them exists in the child */
    GP_SET(child_wq.head, NULL);
    GP_SET(child_wq.tail, NULL);
    GP_SET(child_waiters, 0);
    GP_SET(child_watch, 0);
}
