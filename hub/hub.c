/* The hub: greenlets, the run queue, and the loop that runs them.
 *
 * Every blocked greenlet switches to the hub greenlet, which runs ready
 * greenlets one at a time and polls libev when nothing is ready, and
 * between rounds: a round runs once each greenlet that was ready when it
 * began, then the loop is polled without blocking. Every greenlet an fd
 * event woke has thus run (read its data, usually waited again for the
 * same fd) before the next poll: a level-triggered poll never reports an
 * fd again only because its greenlet has not run yet, and the watcher is
 * still armed for the same events, so libev has nothing to tell the
 * kernel. A yield ends the round at once (a crowd of yielders cannot
 * starve I/O). */
#include <errno.h>
#include <pthread.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_int.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#define HUB_STACK (256 * 1024) /* the hub's own: libev and c-ares callbacks */

__thread struct hub_tls hub_tls __attribute__((tls_model("initial-exec")));
size_t hub_default_stack;
static unsigned gl_next_id = 1u << 22; /* above any pid: never a real tid */

static void hub_main(void *arg);

/* ---- switching ------------------------------------------------------------ */

/* Switch from the running greenlet to another. When we are switched back
 * to, the switcher's suspended context arrives with the transfer. */
void gl_switch(gl_t *from, gl_t *to)
{
    if (hub_stack_overflowed(from)) hub_stack_overflow_die(from);
    if (__builtin_expect(hub_stats_on, 0)) hub_stats.switches++;
    from->err = errno;
    from->herr = h_errno;
    hub_tls.cur = to;
#ifdef __SANITIZE_ADDRESS__
    void *fake = NULL;
    __sanitizer_start_switch_fiber(from->state == GL_DEAD ? NULL : &fake, to->stack_lo,
                                   to->stack_size);
#endif
    transfer_t t = jump_fcontext(to->ctx, from);
#ifdef __SANITIZE_ADDRESS__
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    ((gl_t *)t.data)->ctx = t.fctx;
    errno = from->err;
    h_errno = from->herr;
}

static void gl_trampoline(transfer_t t)
{
#ifdef __SANITIZE_ADDRESS__
    __sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
    ((gl_t *)t.data)->ctx = t.fctx;
    gl_t *self = hub_tls.cur;
    errno = 0;
    self->fn(self->arg);
    gl_exit();
}

/* ---- creation ------------------------------------------------------------- */

static gl_t *gl_new(struct hub *h, size_t stack_size, void (*fn)(void *), void *arg, int *err)
{
    gl_t *g = calloc(1, sizeof *g);
    if (!g) {
        *err = ENOMEM;
        return NULL;
    }
    g->hub = h;
    g->fn = fn;
    g->arg = arg;
    g->id = __atomic_fetch_add(&gl_next_id, 1, __ATOMIC_RELAXED);
    if (g->id == 0) g->id = __atomic_fetch_add(&gl_next_id, 1, __ATOMIC_RELAXED);
    g->wdeadline = HUB_NEVER;
    if (hub_stack_alloc(g, stack_size ? stack_size : hub_default_stack) != 0) {
        free(g);
        *err = EAGAIN;
        return NULL;
    }
    g->ctx = make_fcontext(g->stack_lo + g->stack_size, g->stack_size, gl_trampoline);
    return g;
}

static void hub_link(struct hub *h, gl_t *g)
{
    g->all_next = h->all;
    g->all_prev = NULL;
    if (h->all) h->all->all_prev = g;
    h->all = g;
    h->nalive++;
    if (__builtin_expect(hub_stats_on, 0)) hub_stats_link(g, 1);
}

static void hub_unlink(struct hub *h, gl_t *g)
{
    if (g->all_prev)
        g->all_prev->all_next = g->all_next;
    else
        h->all = g->all_next;
    if (g->all_next) g->all_next->all_prev = g->all_prev;
    h->nalive--;
    if (__builtin_expect(hub_stats_on, 0)) hub_stats_link(g, -1);
}

struct hub *hub_get(void)
{
    if (hub_tls.hub) return hub_tls.hub;
    struct hub *h = calloc(1, sizeof *h);
    gl_t *m = calloc(1, sizeof *m);
    if (!h || !m) goto fail;
    /* The first hub in the process takes libev's default loop: only it can
     * watch children (ev_child), which the os patch needs. */
    static int default_taken;
    h->loop = __atomic_exchange_n(&default_taken, 1, __ATOMIC_ACQ_REL)
                  ? ev_loop_new(EVFLAG_AUTO)
                  : ev_default_loop(EVFLAG_AUTO);
    if (!h->loop) goto fail;
    int err;
    h->hub_gl = gl_new(h, HUB_STACK, hub_main, h, &err);
    if (!h->hub_gl) goto fail;
    h->hub_gl->is_hub = 1;
    snprintf(h->hub_gl->name, sizeof h->hub_gl->name, "hub");
    m->hub = h;
    m->is_main = 1;
    m->state = GL_RUNNING;
    m->id = (unsigned)gettid();
    m->wdeadline = HUB_NEVER;
#ifdef __SANITIZE_ADDRESS__
    pthread_attr_t a; /* ASan must know the OS stack to switch back to it */
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
        void *lo;
        pthread_attr_getstack(&a, &lo, &m->stack_size);
        m->stack_lo = lo;
        pthread_attr_destroy(&a);
    }
#endif
    h->main_gl = m;
    hub_link(h, m);
    hub_tls.hub = h;
    hub_tls.cur = m;
    hub_stack_thread_init();
    return h;
fail:
    free(h);
    free(m);
    return NULL;
}

gl_t *gl_self(void)
{
    if (hub_tls.cur) return hub_tls.cur;
    return hub_get() ? hub_tls.cur : NULL;
}

gl_t *gl_spawn(size_t stack_size, void (*fn)(void *), void *arg, int *err)
{
    struct hub *h = hub_get();
    if (!h) {
        *err = ENOMEM;
        return NULL;
    }
    gl_t *g = gl_new(h, stack_size, fn, arg, err);
    if (!g) return NULL;
    g->created_ra = hub_tls.cur ? hub_tls.cur->op_ra : NULL; /* for the dump */
    hub_link(h, g);
    g->state = GL_READY;
    hub_rq_push(h, g);
    return g;
}

unsigned gl_id(gl_t *g)
{
    return g->id;
}
unsigned hub_alive(void)
{
    return hub_get() ? hub_tls.hub->nalive : 0;
}

/* ---- scheduling ----------------------------------------------------------- */

void hub_rq_push(struct hub *h, gl_t *g)
{
    g->rq_next = NULL;
    if (h->rq_tail)
        h->rq_tail->rq_next = g;
    else
        h->rq_head = g;
    h->rq_tail = g;
    h->rq_len++;
}

static gl_t *hub_rq_pop(struct hub *h)
{
    gl_t *g = h->rq_head;
    if (!g) return NULL;
    if (!(h->rq_head = g->rq_next)) h->rq_tail = NULL;
    h->rq_len--;
    return g;
}

void hub_wq_unlink(gl_t *g)
{
    hub_wq *q = g->wq_q;
    hub_waiter *w = g->wq_w;
    if (!q) return;
    if (w->prev)
        w->prev->next = w->next;
    else
        q->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        q->tail = w->prev;
    g->wq_q = NULL;
}

void gl_unpark(gl_t *g, int code)
{
    if (g->state != GL_PARKED) return;
    hub_wq_unlink(g);
    g->state = GL_READY;
    g->result = code;
    g->hub->nparked--;
    hub_rq_push(g->hub, g);
}

/* Switch to the hub; returns when someone made us runnable again. */
int hub_switch_out(void)
{
    gl_t *self = hub_tls.cur;
    struct hub *h = self->hub;
    self->state = GL_PARKED;
    h->nparked++;
    if (__builtin_expect(hub_stats_on, 0)) {
        /* The coarse clock costs a quarter of the precise one; its tick
         * (1-4 ms) errs either way with equal odds, so sums stay right. */
        hub_stats_park(self); /* a wait begins: depth, and the hook */
        int64_t t0 = hub_now_ns(CLOCK_MONOTONIC_COARSE);
        gl_switch(self, h->hub_gl);
        int64_t dt = hub_now_ns(CLOCK_MONOTONIC_COARSE) - t0;
        hub_stats.parks++;
        hub_stats.parked_ns += dt;
        if (hub_wait_hook) hub_wait_hook(self, dt);
    } else {
        gl_switch(self, h->hub_gl);
    }
    self->wkind = HUB_W_NONE;
    return self->result;
}

void hub_yield(void)
{
    gl_t *self = gl_self();
    if (!self || self->is_hub) return;
    struct hub *h = self->hub;
    /* The hub polls (without blocking) before it runs anyone again, so a
     * yielder gives I/O a chance too. Never run the loop from here: libev's
     * own libc calls must come from the hub greenlet to pass through. */
    h->round = 0;
    self->state = GL_READY;
    hub_rq_push(h, self);
    gl_switch(self, h->hub_gl);
}

void gl_exit(void)
{
    gl_t *self = gl_self();
    struct hub *h = self->hub;
    hub_unlink(h, self);
    self->state = GL_DEAD;
    if (h->nalive == 0) exit(0); /* the last thread of the process ended */
    self->rq_next = h->dead;
    h->dead = self;
    gl_switch(self, h->hub_gl);
    abort(); /* a dead greenlet is never resumed */
}

static void hub_reap(struct hub *h)
{
    gl_t *g;
    while ((g = h->dead)) {
        h->dead = g->rq_next;
        if (!g->is_main) { /* main's stack is the OS thread's own */
            hub_stack_free(g);
            free(g);
        }
    }
}

static void hub_main(void *arg)
{
    struct hub *h = arg;
    for (;;) {
        hub_reap(h);
        if (!h->rq_head) {
            if (h->wakers == 0 && h->nparked > 0) hub_would_block_forever();
            ev_run(h->loop, EVRUN_ONCE);
            h->round = h->rq_len;
        } else if (h->round == 0) {
            ev_run(h->loop, EVRUN_NOWAIT);
            h->round = h->rq_len;
        }
        gl_t *g = hub_rq_pop(h);
        if (g) {
            h->round--;
            g->state = GL_RUNNING;
            gl_switch(h->hub_gl, g);
        }
    }
}

void hub_ref(void)
{
    if (hub_get()) hub_tls.hub->wakers++;
}

void hub_unref(void)
{
    if (hub_get()) hub_tls.hub->wakers--;
}
