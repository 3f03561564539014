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
 * starve I/O). Rounds of a few greenlets (a lock handed back and forth)
 * poll only every HUB_POLL_EVERY greenlet runs. */
#include <errno.h>
#include <pthread.h>
#include <netdb.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hub_int.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#define HUB_POLL_EVERY 64           /* greenlet runs between two polls, at most */
#define HUB_STACK      (256 * 1024) /* the hub's own: libev and c-ares callbacks */

__thread struct hub_tls hub_tls __attribute__((tls_model("initial-exec")));
size_t hub_default_stack;
static unsigned gl_next_id = 1u << 22; /* above any pid: never a real tid */

static void hub_main(void *arg);

/* ---- signal masks ---------------------------------------------------------- */

/* SIGKILL, SIGSTOP and glibc's two internal signals: no mask has them */
#define MASK_NEVER ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)) | (1ull << 31) | (1ull << 32))
/* Once the monitor or preemption is on, the shim's signal (hub/monitor.h):
 * a greenlet's mask may have it (the program's view), the OS thread's never
 * (the signal patch holds the program's instances while it is blocked). */
uint64_t hub_mask_os_never;

static void os_mask_apply(struct hub *h, uint64_t m)
{
    m &= ~hub_mask_os_never;
    gp_syscall(SYS_rt_sigprocmask, SIG_SETMASK, &m, NULL, sizeof m);
    h->os_mask = m;
}

/* hub_mask: what every live greenlet blocks. */
static void hub_mask_update(struct hub *h)
{
    uint64_t m = 0;
    if (h->nalive && h->nmasked == h->nalive)
        for (int i = 0; i < 64; i++)
            if (h->nblock[i] == h->nalive) m |= 1ull << i;
    h->hub_mask = m;
    h->masks = h->nmasked || h->os_mask;
}

static void mask_count(struct hub *h, uint64_t m, int d)
{
    if (!m) return;
    for (uint64_t b = m; b; b &= b - 1) h->nblock[__builtin_ctzll(b)] += (unsigned)d;
    h->nmasked += (unsigned)d;
}

void hub_mask_recount(struct hub *h)
{
    memset(h->nblock, 0, sizeof h->nblock);
    h->nmasked = 0;
    for (gl_t *g = hub_gl_at(h->all); g; g = hub_gl_at(g->all.next)) mask_count(h, g->sigmask, 1);
    hub_mask_update(h);
}

void hub_sigmask_set(gl_t *g, uint64_t mask)
{
    struct hub *h = g->hub;
    mask &= ~MASK_NEVER;
    mask_count(h, g->sigmask, -1); /* g is live, so counted */
    mask_count(h, mask, 1);
    g->sigmask = mask;
    hub_mask_update(h);
    if (g == hub_tls.cur && (mask & ~hub_mask_os_never) != h->os_mask) os_mask_apply(h, mask);
    h->masks = h->nmasked || h->os_mask;
    if (__builtin_expect(h->sig_held != NULL, 0)) hub_sig_mask_changed(g);
}

void hub_sigmask_sync(void)
{
    struct hub *h = hub_tls.hub;
    if (!h) return;
    uint64_t m = 0;
    gp_syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &m, sizeof m);
    h->os_mask = m;
    h->masks = h->nmasked || h->os_mask;
}

/* Switching to `to`: the OS thread takes its mask (the hub's: the common
 * part of all). Called only when some mask is in use. */
static void mask_switch(struct hub *h, gl_t *to)
{
    uint64_t want = (to->is_hub ? h->hub_mask : to->sigmask) & ~hub_mask_os_never;
    if (want != h->os_mask) os_mask_apply(h, want);
    h->masks = h->nmasked || h->os_mask;
}

/* ---- switching ------------------------------------------------------------ */

#ifdef __SANITIZE_ADDRESS__
/* ASan must be told of every stack switch. The OS thread's own stack (the
 * main greenlet's, stack_size 0) is not ours: ASan reports its bounds when
 * we first leave it, and we hand them back when we switch to it again. */
static void asan_arrived(void *fake, gl_t *from)
{
    const void *lo;
    size_t size;
    __sanitizer_finish_switch_fiber(fake, &lo, &size);
    if (from->stack_size == 0 && from->state != GL_DEAD) {
        from->asan_lo = lo;
        from->asan_size = size;
    }
}
#endif

/* Switch from the running greenlet to another. When we are switched back
 * to, the switcher's suspended context arrives with the transfer. */
void gl_switch(gl_t *from, gl_t *to)
{
    if (hub_stack_overflowed(from)) hub_stack_overflow_die(from);
    if (__builtin_expect(hub_stats_on, 0)) hub_stats.switches++;
    from->err = errno;
    from->herr = h_errno;
    int cxx = hub_cxx_size && !from->tcb_mem && !from->is_hub;
    if (cxx) memcpy(from->cxx_tls, (char *)hub_tcb_cur() + hub_cxx_off, hub_cxx_size);
    if (__builtin_expect(to->hub->masks, 0)) mask_switch(to->hub, to);
    if (__builtin_expect(hub_cpu_on, 0) && !from->is_hub) hub_cpu_switch(to->hub, from);
    hub_tls.cur = to;
    /* The hub runs on the block it finds; a greenlet ending on its own
     * block leaves it, so the hub can free it: for the block of the
     * greenlet the hub will run next when it has started on it (a thread
     * that ends while others are ready costs one %fs change, not two),
     * else for the OS thread's. */
    void *tcb = to->tcb;
    if (!tcb && from->state == GL_DEAD && from->tcb_mem) {
        gl_t *next = from->hub->rq_head;
        tcb = next && next->tcb_ready ? next->tcb : from->hub->main_gl->tcb;
    }
    if (tcb && tcb != hub_tcb_cur()) hub_tcb_switch(tcb);
#ifdef __SANITIZE_ADDRESS__
    void *fake = NULL;
    __sanitizer_start_switch_fiber(from->state == GL_DEAD ? NULL : &fake,
                                   to->stack_size ? to->stack_lo : to->asan_lo,
                                   to->stack_size ? to->stack_size : to->asan_size);
#endif
    transfer_t t = jump_fcontext(to->ctx, from);
#ifdef __SANITIZE_ADDRESS__
    asan_arrived(fake, t.data);
#endif
    ((gl_t *)t.data)->ctx = t.fctx;
    errno = from->err;
    h_errno = from->herr;
    if (cxx) memcpy((char *)hub_tcb_cur() + hub_cxx_off, from->cxx_tls, hub_cxx_size);
}

static void gl_trampoline(transfer_t t)
{
#ifdef __SANITIZE_ADDRESS__
    asan_arrived(NULL, t.data);
#endif
    ((gl_t *)t.data)->ctx = t.fctx;
    gl_t *self = hub_tls.cur;
    if (self->tcb_mem) {
        hub_tcb_started();
        self->tcb_ready = 1;
    } else if (hub_cxx_size) /* a new thread's libstdc++ state: none yet */
        memset((char *)hub_tcb_cur() + hub_cxx_off, 0, hub_cxx_size);
    errno = 0;
    self->fn(self->arg);
    gl_exit();
}

/* ---- creation ------------------------------------------------------------- */

static gl_t *gl_new(struct hub *h, void *given, size_t stack_size, void (*fn)(void *), void *arg,
                    int *err)
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
    g->tcb = h->main_gl ? h->main_gl->tcb : NULL; /* the hub's own: none */
    if (given) {
        hub_stack_given(g, given, stack_size);
    } else if (hub_stack_alloc(g, stack_size ? stack_size : hub_default_stack) != 0) {
        free(g);
        *err = EAGAIN;
        return NULL;
    }
    g->ctx = make_fcontext(g->stack_lo + g->stack_size, g->stack_size, gl_trampoline);
    return g;
}

static void hub_link(struct hub *h, gl_t *g)
{
    gp_list_push(&h->all, &g->all);
    h->nalive++;
    if (__builtin_expect(hub_stats_on, 0)) hub_stats_link(g, 1);
    if (__builtin_expect(h->masks, 0)) {
        mask_count(h, g->sigmask, 1);
        hub_mask_update(h);
    }
}

static void hub_unlink(struct hub *h, gl_t *g)
{
    gp_list_del(&h->all, &g->all);
    h->nalive--;
    if (__builtin_expect(hub_stats_on, 0)) hub_stats_link(g, -1);
    if (__builtin_expect(h->masks, 0)) {
        mask_count(h, g->sigmask, -1);
        hub_mask_update(h);
    }
}

static struct hub *first_hub;
GP_FORK_DATA static struct hub
    *initial_hub; /* the process's main thread's (a fork child's only one) */
unsigned hub_natives;

GP_FORK_CODE void hub_initial_forked(struct hub *h)
{
    GP_SET(initial_hub, h);
}

struct hub *hub_initial(void)
{
    return __atomic_load_n(&initial_hub, __ATOMIC_ACQUIRE);
}

void hub_soon(void)
{
    struct hub *h = hub_tls.hub;
    if (!h) h = __atomic_load_n(&first_hub, __ATOMIC_ACQUIRE);
    hub_poke(h, HUB_POKE_SOON);
}

/* Bootstrap: whatever creating the hub calls (the allocator, libev, and
 * through them any hook: jemalloc's calloc locks a pthread mutex) runs in a
 * no-wait section, so those hooks pass straight to the originals instead
 * of asking for the hub being made (a recursion without end). */
static struct hub *hub_create(void);
struct hub *hub_get(void)
{
    if (hub_tls.hub) return hub_tls.hub;
    if (hub_tls.booting) return NULL; /* asked again while being made */
    hub_tls.booting = 1;
    hub_tls.nowait++;
    struct hub *h = hub_create();
    hub_tls.nowait--;
    hub_tls.booting = 0;
    return h;
}

static struct hub *hub_create(void)
{
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
    h->hub_gl = gl_new(h, NULL, HUB_STACK, hub_main, h, &err);
    if (!h->hub_gl) goto fail;
    hub_sig_init(h);
    h->hub_gl->is_hub = 1;
    snprintf(h->hub_gl->name, sizeof h->hub_gl->name, "hub");
    m->hub = h;
    m->is_main = 1;
    m->state = GL_RUNNING;
    m->id = (unsigned)gettid();
    m->wdeadline = HUB_NEVER;
    m->tcb = hub_tcb_cur();
#ifdef __SANITIZE_ADDRESS__
    pthread_attr_t a; /* ASan must know the OS stack to switch back to it */
    if (REAL(pthread_getattr_np)(REAL(pthread_self)(), &a) == 0) {
        void *lo;
        pthread_attr_getstack(&a, &lo, &m->stack_size);
        m->stack_lo = lo;
        pthread_attr_destroy(&a);
    }
#endif
    h->main_gl = m;
    /* the OS thread's own mask becomes its main greenlet's */
    gp_syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &h->os_mask, sizeof h->os_mask);
    m->sigmask = h->os_mask;
    h->masks = h->os_mask != 0;
    hub_link(h, m);
    hub_tls.hub = h;
    hub_tls.cur = m;
    h->running = m;
    h->tid = (int)gettid();
    h->tls = &hub_tls;
    if (h->tid == getpid()) { /* the process's main thread: its stack ends here */
        extern void *__libc_stack_end;
        h->initial = 1;
        h->main_top = (uintptr_t)__libc_stack_end;
        __atomic_store_n(&initial_hub, h, __ATOMIC_RELEASE);
    } else {
        __atomic_fetch_add(&hub_natives, 1, __ATOMIC_RELAXED);
    }
    hub_monitor_add(h);
    hub_preempt_arm(h);
    struct hub *none = NULL;
    __atomic_compare_exchange_n(&first_hub, &none, h, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED);
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

static gl_t *spawn(void *given, size_t stack_size, void (*fn)(void *), void *arg, int *err,
                   int thread)
{
    struct hub *h = hub_get();
    if (!h) {
        *err = ENOMEM;
        return NULL;
    }
    gl_t *g = gl_new(h, given, stack_size, fn, arg, err);
    if (!g) return NULL;
    if (thread && hub_tcb_wanted() == HUB_TLS_GREENLET && hub_tcb_new(g)) {
        hub_stack_free(g);
        free(g);
        *err = EAGAIN;
        return NULL;
    }
    g->created_ra = hub_tls.cur ? hub_tls.cur->op_ra : NULL; /* for the dump */
    g->sigmask = hub_tls.cur ? hub_tls.cur->sigmask : 0;     /* as a new thread inherits */
    hub_link(h, g);
    g->state = GL_READY;
    hub_rq_push(h, g);
    return g;
}

gl_t *gl_spawn(size_t stack_size, void (*fn)(void *), void *arg, int *err)
{
    return spawn(NULL, stack_size, fn, arg, err, 0);
}

gl_t *gl_spawn_thread(size_t stack_size, void (*fn)(void *), void *arg, int *err)
{
    return spawn(NULL, stack_size, fn, arg, err, 1);
}

gl_t *gl_spawn_thread_on(void *stack_lo, size_t stack_size, void (*fn)(void *), void *arg, int *err)
{
    return spawn(stack_lo, stack_size, fn, arg, err, 1);
}

unsigned gl_id(gl_t *g)
{
    return g->id;
}
unsigned hub_alive(void)
{
    return hub_get() ? hub_tls.hub->nalive : 0;
}

int hub_alone(void)
{
    struct hub *h = hub_tls.hub;
    gl_t *g = hub_tls.cur;
    if (!h) return 1;
    return g && !g->is_hub && h->nalive == 1 && h->all == &g->all && !h->rq_head && !h->pq_head;
}

int hub_solo(void)
{
    struct hub *h = hub_get();
    return h && hub_tls.cur == h->main_gl && h->nalive <= 1 && !h->initial;
}

/* ---- scheduling ----------------------------------------------------------- */

void hub_rq_push(struct hub *h, gl_t *g)
{
    hub_gl_push(&h->rq_head, &h->rq_tail, g);
    h->rq_len++;
}

/* Moves what was queued after `tail` to the front of the run queue. */
static void hub_rq_front(struct hub *h, gl_t *tail)
{
    gl_t *first = tail->rq_next, *last = h->rq_tail;
    tail->rq_next = NULL;
    h->rq_tail = tail;
    last->rq_next = h->rq_head;
    h->rq_head = first;
}

static gl_t *hub_rq_pop(struct hub *h)
{
    gl_t *g = hub_gl_pop(&h->rq_head, &h->rq_tail);
    if (g) h->rq_len--;
    return g;
}

void hub_wq_unlink(gl_t *g)
{
    hub_wq *q = g->wq_q;
    hub_waiter *w = g->wq_w;
    if (!q) return;
    gp_queue_remove(q, &w->link);
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
    /* sent a signal (or cancelled asynchronously) while it was ready */
    if (__builtin_expect(self->pending, 0) && hub_intr_hook) hub_intr_hook(0);
}

void gl_exit(void)
{
    gl_t *self = gl_self();
    struct hub *h = self->hub;
    hub_unlink(h, self);
    self->state = GL_DEAD;
    if (__builtin_expect(self->sigq != NULL, 0)) hub_sig_orphan(self); /* to another thread */
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
#ifdef __SANITIZE_ADDRESS__
            /* The frames still live when it died (start routine, gl_exit,
             * gl_switch) keep their redzones poisoned: whatever uses these
             * addresses next would inherit them, the pool's next owner or a
             * fresh mmap at the same address (ASan leaves the shadow of
             * unmapped memory as it was): a false stack-buffer-overflow.
             * ctx is its stack pointer as it switched away for good. */
            char *sp = g->ctx, *top = g->stack_lo + g->stack_size;
            if ((g->stack_map || g->stack_given) && sp > g->stack_lo && sp < top) {
                char *from = sp - g->stack_lo > 4096 ? sp - 4096 : g->stack_lo;
                __asan_unpoison_memory_region(from, (size_t)(top - from));
            }
#endif
            hub_tcb_free(g);
            hub_stack_free(g);
            free(g);
        }
    }
}

/* alarm or setitimer(ITIMER_REAL) will send SIGALRM: something can still
 * happen (its handler, or the end of the process), as with a program that
 * deadlocks on purpose and has an alarm get it out. */
static int alarm_armed(void)
{
    struct itimerval it;
    return gp_syscall(SYS_getitimer, ITIMER_REAL, &it) == 0 &&
           (it.it_value.tv_sec || it.it_value.tv_usec);
}

/* The loop, told it forked when a fork child first runs it (fork.c): a
 * child that never runs the loop (fork, then exec or _exit) writes no page
 * of libev's or, most often, of the hub's. */
static void hub_ev_run(struct hub *h, int flags)
{
    if (__builtin_expect(hub_tls.forked, 0)) hub_fork_settle(h);
    ev_run(h->loop, flags);
}

static void hub_main(void *arg)
{
    struct hub *h = arg;
    for (;;) {
        /* the monitor (hub/monitor.c) tells a held OS thread by this */
        __atomic_store_n(&h->passes, h->passes + 1, __ATOMIC_RELAXED);
        hub_reap(h);
        if (__builtin_expect(__atomic_load_n(&hub_natives, __ATOMIC_RELAXED) != 0, 0))
            hub_wq_foreign_check(h);
        if (__builtin_expect(hub_sig_due(h), 0)) hub_sig_dispatch(h);
        if (!h->rq_head) {
            if (h->pq_head) { /* only preempted ones: look for I/O, never block */
                hub_ev_run(h, EVRUN_NOWAIT);
            } else {
                if (h->wakers == 0 && h->nparked > 0 && !alarm_armed()) hub_would_block_forever();
                __atomic_store_n(&h->in_loop, 1, __ATOMIC_RELAXED);
                hub_ev_run(h, EVRUN_ONCE);
                __atomic_store_n(&h->in_loop, 0, __ATOMIC_RELAXED);
            }
            if (hub_sig_due(h)) hub_sig_dispatch(h);
            if (!h->rq_head && h->pq_head) hub_pq_take(h); /* nothing else to run */
            h->round = h->rq_len;
            h->since_poll = 0;
            h->poll_now = 0;
        } else if (h->round == 0) {
            /* Between rounds, a poll costs a syscall: two greenlets handing
             * a lock back and forth make a round each, so poll only once
             * HUB_POLL_EVERY greenlets have run since the last one (or at
             * once after a preemption or a lone "nothing ready" spinner). */
            if (h->since_poll >= HUB_POLL_EVERY || h->poll_now) {
                gl_t *tail = h->rq_tail;
                hub_ev_run(h, EVRUN_NOWAIT);
                if (hub_sig_due(h)) hub_sig_dispatch(h);
                h->since_poll = 0;
                /* after a preemption, what the poll woke runs first (Go's
                 * runnext): an echo reply does not queue behind greenlets
                 * that may all be CPU-bound */
                if (h->poll_now == 2 && tail && tail != h->rq_tail) hub_rq_front(h, tail);
                h->poll_now = 0;
            }
            /* preempted greenlets run when nothing else is ready, or
             * once HUB_POLL_EVERY others have run: never starved */
            if (h->pq_head && h->since_pq >= HUB_POLL_EVERY) hub_pq_take(h);
            h->round = h->rq_len;
        }
        gl_t *g = hub_rq_pop(h);
        if (g) {
            h->round--;
            h->since_poll++;
            h->since_pq++;
            g->state = GL_RUNNING;
            h->running = g;
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

gl_t *hub_main_greenlet(void)
{
    struct hub *h = hub_tls.hub;
    return h ? h->main_gl : NULL;
}
