/* The one way into a hub from outside its loop: other OS threads and
 * signal handlers post a reason (HUB_POKE_*) and wake the loop through the
 * hub's single ev_async; the hub greenlet then handles every reason posted
 * since it last looked. Posting is an atomic or plus ev_async_send, both
 * safe from any thread and from signal handlers.
 *
 * The watcher is started the first time something on the hub's own thread
 * may need it (hub_poke_arm): an active async watcher gives libev an event
 * descriptor to re-create in every fork child, which a program that never
 * needs one should not pay for. Once started it counts in libev's refcount,
 * so a loop whose only possible wake-up is a poke blocks in epoll_wait
 * instead of polling in a loop; whether anything can wake a greenlet at
 * all is the hub's own count (wakers), never libev's.
 *
 * Completions (hub_remote, see hub.h) ride on it: a lock-free push onto
 * the hub's list, drained whole by the hub, which unparks each waiter. */
#include <errno.h>

#include "hub_int.h"

static void remote_drain(struct hub *h)
{
    hub_remote *r = __atomic_exchange_n(&h->remote_head, NULL, __ATOMIC_ACQUIRE);
    while (r) {
        hub_remote *next = r->next; /* r may be reused once its owner runs */
        r->done = 1;
        gl_unpark(r->gl, 0);
        r = next;
    }
}

void (*hub_soon_hook)(void);

static void on_poke(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop, (void)revents;
    struct hub *h = gp_owner(w, struct hub, poke);
    unsigned due = __atomic_exchange_n(&h->pokes, 0, __ATOMIC_ACQ_REL);
    if (due & HUB_POKE_REMOTE) remote_drain(h);
    if (due & HUB_POKE_SOON) {
        if (hub_soon_hook) hub_soon_hook();
        hub_outside_wake(h);
    }
    if (due & HUB_POKE_CHILD) hub_child_poked();
    if (due & HUB_POKE_DUMP) hub_dump_poked();
    if (due & HUB_POKE_WQ) hub_wq_foreign_drain(h);
    /* HUB_POKE_SIG only wakes the loop: hub_main hands the queued signals
     * out after ev_run returns */
}

void hub_poke_arm(struct hub *h)
{
    if (h->poke_on) return;
    ev_async_init(&h->poke, on_poke);
    ev_async_start(h->loop, &h->poke);
    __atomic_store_n(&h->poke_on, 1, __ATOMIC_RELEASE);
}

int hub_poke(struct hub *h, unsigned why)
{
    if (!h || !__atomic_load_n(&h->poke_on, __ATOMIC_ACQUIRE)) return 0;
    __atomic_fetch_or(&h->pokes, why, __ATOMIC_RELEASE);
    ev_async_send(h->loop, &h->poke);
    return 1;
}

GP_FORK_CODE void hub_poke_forked(struct hub *h)
{
    /* what the parent's threads posted belongs to greenlets the child
     * does not have */
    GP_SET(h->remote_head, NULL);
    GP_SET(h->pokes, 0);
}

/* ---- completions ---------------------------------------------------------- */

void hub_remote_init(hub_remote *r)
{
    struct hub *h = hub_get();
    r->next = NULL;
    r->hub = h;
    r->gl = hub_tls.cur;
    r->done = 0;
    if (h) hub_poke_arm(h);
}

void hub_remote_done(hub_remote *r)
{
    struct hub *h = r->hub;
    hub_remote *old = __atomic_load_n(&h->remote_head, __ATOMIC_RELAXED);
    do r->next = old;
    while (!__atomic_compare_exchange_n(&h->remote_head, &old, r, 1, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED));
    /* From here on r belongs to the hub again: touch only the hub. */
    hub_poke(h, HUB_POKE_REMOTE);
}

void hub_remote_wait(hub_remote *r)
{
    struct hub *h = r->hub;
    h->wakers++;
    while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE))
        hub_park_as(HUB_W_OTHER, 0, hub_never()); /* an interrupt just parks us again */
    h->wakers--;
}

int hub_remote_wait_intr(hub_remote *r, void (*kick)(void *), void *arg)
{
    struct hub *h = r->hub;
    int code = 0;
    h->wakers++;
    while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
        /* once kicked, again every 10 ms: the other thread may have been
         * about to start its wait when the first kick came */
        int c = hub_park_as(HUB_W_OTHER, 0, code ? hub_after_ns(10000000) : hub_never());
        if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) break;
        if ((c == EINTR || c == ECANCELED) && !code) code = c;
        if (code && (c == EINTR || c == ECANCELED || c == ETIMEDOUT)) kick(arg);
    }
    h->wakers--;
    return code;
}
