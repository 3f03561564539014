/* The hub in a fork child.
 *
 * Only the forking thread survives a fork, so only the forking greenlet
 * survives here. The others are dropped from the hub's lists without
 * freeing or reusing their stacks: the child may still read data that
 * lives on them (a buffer a dropped thread handed over, a waiter node on a
 * wait queue). The loop is told it forked before it next runs (hub.c,
 * hub_ev_run: hub_fork_settle), so libev makes its own epoll set and
 * wake-up descriptor instead of sharing the parent's.
 *
 * Run from a pthread_atfork child handler registered by our constructor, or
 * earlier, by the first pthread_atfork call of anybody (the thread patch's
 * __register_atfork): glibc runs child handlers in registration order, so
 * the hub is whole again before the program's own child handlers run,
 * whoever called fork (the program, daemon(), a library), with or without
 * the os patch. */
#include <pthread.h>
#include <sys/single_threaded.h>

#include "hub_int.h"

void hub_child_forked(void); /* child.c */

/* Nothing of the hub needs resetting in the child: the forking greenlet is
 * its only one and nothing waits, queues or counts for anybody else. Then
 * the child handler writes one word of TLS (on the page of the thread
 * control block, which the kernel wrote for the child already) and reads
 * none of the hub's heap pages: on a paravirtualised machine the first
 * touch of a heap page in a fresh child, even a read, costs a fault in the
 * hypervisor (about 150 us here, make bench 60-fork). Decided by the
 * prepare handler in the parent; GP_SET: in a loop of forks the answer
 * stays the same and the parent writes nothing. No other OS thread (glibc's
 * __libc_single_threaded, which the thread patch clears for greenlet
 * threads too): nobody posts to the hub between this check and the fork. */
static int fork_quiet GP_FORK_DATA;

static int quiet(struct hub *h, gl_t *self)
{
    if (!__libc_single_threaded || self != h->main_gl || h->all != &self->all || self->all.next ||
        h->nalive != 1 || h->rq_head || h->pq_head || h->running != self || !h->initial ||
        h->nparked || h->wakers || h->rq_len || h->sig_on || h->sig_held || self->sigq ||
        h->remote_head || h->pokes || h->outside || h->preempt_timer || hub_monitor_running() ||
        !hub_child_idle() || (self->tcb && self->tcb != hub_tcb_cur()))
        return 0;
    for (int fd = 0; fd < h->nfdw; fd++) {
        struct hub_fdw *f = h->fdw[fd];
        if (f && (f->head || ev_is_active(&f->io))) return 0;
    }
    return 1;
}

static void hub_fork_prepare(void)
{
    struct hub *h = hub_tls.hub;
    gl_t *self = hub_tls.cur;
    int q = h && self && quiet(h, self);
    GP_SET(fork_quiet, q);
}

void hub_fork_settle(struct hub *h)
{
    hub_tls.forked = 0;
    h->tid = (int)gettid();
    ev_loop_fork(h->loop);
}

GP_FORK_CODE void hub_fork_child(void)
{
    struct hub *h = hub_tls.hub;
    gl_t *self = hub_tls.cur;
    if (!h || !self) return;
    hub_tls.forked = 1; /* hub_fork_settle before the loop next runs */
    if (fork_quiet) return;

    /* Every fd waiter was another greenlet: forget them, stop the watchers. */
    for (int fd = 0; fd < h->nfdw; fd++) {
        struct hub_fdw *f = h->fdw[fd];
        if (!f) continue;
        GP_SET(f->head, NULL);
        if (ev_is_active(&f->io)) ev_io_stop(h->loop, &f->io);
    }

    /* Drop every greenlet but the caller. A dropped one is marked dead so a
     * timer of its that still fires, or an unlock that finds its node on a
     * wait queue, never makes it runnable; its node is taken off the queue
     * (which lives in the program's memory, e.g. a pthread_mutex_t). */
    gp_link *l, *next;
    gp_list_foreach (l, next, h->all) {
        gl_t *g = hub_gl_at(l);
        if (g == self) continue;
        hub_wq_unlink(g);
        g->state = GL_DEAD;
        g->all.next = g->all.prev = NULL;
        if (__builtin_expect(hub_stats_on, 0)) hub_stats_link(g, -1);
    }
    /* GP_SET: what a fork child writes is copied first (util.h) */
    if (!self->is_hub) {
        GP_SET(h->all, &self->all);
        GP_SET(self->all.next, NULL);
        GP_SET(self->all.prev, NULL);
        GP_SET(h->nalive, 1);
    } else { /* forked from a loop callback: no program greenlet survives */
        GP_SET(h->all, NULL);
        GP_SET(h->nalive, 0);
    }
    GP_SET(h->rq_head, NULL);
    GP_SET(h->rq_tail, NULL);
    GP_SET(h->pq_head, NULL); /* preempted greenlets are gone too */
    GP_SET(h->pq_tail, NULL);
    GP_SET(h->running, self);
    h->tid = (int)gettid();
    GP_SET(h->initial, 1); /* the child's only thread */
    hub_initial_forked(h);
    GP_SET(h->nparked, 0);
    GP_SET(h->wakers, 0); /* what counted itself there belonged to the dropped */
    GP_SET(h->rq_len, 0);
    GP_SET(h->round, 0);
    GP_SET(self->state, GL_RUNNING);
    hub_mask_recount(h);
    hub_sig_forked(h, self);
    hub_poke_forked(h);
    GP_SET(h->outside, NULL); /* the greenlets in hub_wq_wait_outside are gone */
    hub_child_forked();
    hub_tcb_forked(h);
    hub_monitor_forked(h);
}

/* Also runs before ASan's constructor in the sanitizer build: not instrumented. */
__attribute__((no_sanitize_address)) void hub_fork_register(void)
{
    static int done GP_FORK_DATA; /* and the section's page is present in every child */
    if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL)) return;
    gp_atfork(hub_fork_prepare, NULL, hub_fork_child);
}

__attribute__((constructor)) static void hub_fork_init(void)
{
    hub_fork_register();
}
