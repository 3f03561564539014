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

#define POLL_MIN_NS (1 * 1000000LL)
#define POLL_MAX_NS (50 * 1000000LL)

static volatile unsigned child_gen GP_FORK_DATA; /* SIGCHLD arrivals (and other nudges) */
/* Greenlets between hub_child_watch and hub_child_unwatch: only they look at
 * child_gen, so a SIGCHLD with none of them writes nothing (a fork's parent
 * reaping its child with the kernel's wait: patches/os.c). */
static unsigned child_watch GP_FORK_DATA;
static struct hub *child_hub;               /* the hub the handler pokes */
static ev_async child_async;                /* on child_hub's loop, started once */
static volatile int child_async_on;         /* set once child_async is started */
static hub_wq child_wq GP_FORK_DATA;        /* greenlets of child_hub in hub_child_wait */
static unsigned child_waiters GP_FORK_DATA; /* all hubs: greenlets in hub_child_wait */

unsigned hub_child_gen(void)
{
    return __atomic_load_n(&child_gen, __ATOMIC_ACQUIRE);
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
    /* ev_async_send is async-signal-safe and thread-safe */
    if (__atomic_load_n(&child_async_on, __ATOMIC_ACQUIRE))
        ev_async_send(child_hub->loop, &child_async);
}

static void on_child_async(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop, (void)w, (void)revents;
    hub_wq_wake_all(&child_wq);
}

/* The calling hub is the one the handler pokes (starting the watcher on
 * first use), or cannot be. */
static int child_hub_is_me(struct hub *h)
{
    if (child_hub) return child_hub == h;
    if (!ev_is_default_loop(h->loop)) return 0;
    ev_async_init(&child_async, on_child_async);
    ev_async_start(h->loop, &child_async);
    child_hub = h;
    __atomic_store_n(&child_async_on, 1, __ATOMIC_RELEASE);
    return 1;
}

int hub_child_wait(unsigned gen, long pid, int reliable, unsigned round)
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
        hub_waiter w = {0};
        h->wakers++;
        self->wsince = hub_now_ns(CLOCK_MONOTONIC);
        w.gl = self;
        w.next = NULL;
        w.prev = child_wq.tail;
        if (child_wq.tail)
            child_wq.tail->next = &w;
        else
            child_wq.head = &w;
        child_wq.tail = &w;
        self->wq_q = &child_wq;
        self->wq_w = &w;
        self->wkind = HUB_W_CHILD;
        self->wobj = pid;
        self->wevents = 0;
        r = gl_park(hub_never());
        h->wakers--;
    } else {
        /* nothing will poke this hub: poll, often at first, then less */
        int64_t step = round < 6 ? POLL_MIN_NS << round : POLL_MAX_NS;
        if (step > POLL_MAX_NS) step = POLL_MAX_NS;
        self->wkind = HUB_W_CHILD;
        self->wobj = pid;
        self->wsince = hub_now_ns(CLOCK_MONOTONIC);
        r = gl_park(hub_after_ns(step));
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
