/* Completions posted by other OS threads (see hub_remote in hub.h).
 *
 * Posting is a lock-free push onto the hub's list plus ev_async_send, both
 * safe from any thread and from signal handlers; the hub greenlet drains
 * the whole list at once in the async callback and unparks each waiter. */
#include <errno.h>

#include "hub_int.h"

static void on_remote(struct ev_loop *loop, ev_async *w, int revents)
{
    (void)loop, (void)revents;
    struct hub *h = (struct hub *)((char *)w - offsetof(struct hub, remote_async));
    hub_remote *r = __atomic_exchange_n(&h->remote_head, NULL, __ATOMIC_ACQUIRE);
    while (r) {
        hub_remote *next = r->next; /* r may be reused once its owner runs */
        r->done = 1;
        gl_unpark(r->gl, 0);
        r = next;
    }
}

void hub_remote_init(hub_remote *r)
{
    struct hub *h = hub_get();
    r->next = NULL;
    r->hub = h;
    r->gl = hub_tls.cur;
    r->done = 0;
    if (h && !h->remote_on) {
        ev_async_init(&h->remote_async, on_remote);
        ev_async_start(h->loop, &h->remote_async);
        ev_unref(h->loop); /* wakers, not libev's refcount, decide liveness */
        h->remote_on = 1;
    }
}

void hub_remote_done(hub_remote *r)
{
    struct hub *h = r->hub;
    hub_remote *old = __atomic_load_n(&h->remote_head, __ATOMIC_RELAXED);
    do r->next = old;
    while (!__atomic_compare_exchange_n(&h->remote_head, &old, r, 1, __ATOMIC_RELEASE,
                                        __ATOMIC_RELAXED));
    /* From here on r belongs to the hub again: touch only the hub. */
    ev_async_send(h->loop, &h->remote_async);
}

void hub_remote_wait(hub_remote *r)
{
    gl_t *self = hub_tls.cur;
    struct hub *h = r->hub;
    h->wakers++;
    while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
        self->wkind = HUB_W_OTHER;
        self->wsince = hub_now_ns(CLOCK_MONOTONIC);
        gl_park(hub_never()); /* an interrupt just parks us again */
    }
    h->wakers--;
}

int hub_remote_wait_intr(hub_remote *r, void (*kick)(void *), void *arg)
{
    gl_t *self = hub_tls.cur;
    struct hub *h = r->hub;
    int code = 0;
    h->wakers++;
    while (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
        self->wkind = HUB_W_OTHER;
        self->wsince = hub_now_ns(CLOCK_MONOTONIC);
        /* once kicked, again every 10 ms: the other thread may have been
         * about to start its wait when the first kick came */
        int c = gl_park(code ? hub_after_ns(10000000) : hub_never());
        if (__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) break;
        if ((c == EINTR || c == ECANCELED) && !code) code = c;
        if (code && (c == EINTR || c == ECANCELED || c == ETIMEDOUT)) kick(arg);
    }
    h->wakers--;
    return code;
}

void hub_remote_forked(struct hub *h)
{
    GP_SET(h->remote_head, NULL);
}
