/* The wait primitives: deadlines, parking, fd readiness and wait queues.
 *
 * Everything that can wake a parked greenlet counts itself in hub->wakers
 * while armed; when nothing is ready and no waker is armed, no greenlet can
 * ever run again, and the hub says so instead of hanging. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "hub_int.h"

/* ---- deadlines ------------------------------------------------------------ */

int64_t hub_now_ns(clockid_t clock)
{
    struct timespec ts;
    /* the original (the vDSO): clock_gettime is the thread patch's hook */
    int (*real)(clockid_t, struct timespec *) = gp_real(GP_SYM_clock_gettime);
    if (!real || real(clock, &ts) != 0) gp_syscall(SYS_clock_gettime, clock, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

hub_deadline hub_never(void)
{
    return (hub_deadline){HUB_NEVER, CLOCK_MONOTONIC};
}

hub_deadline hub_after_ns(int64_t ns)
{
    int64_t now = hub_now_ns(CLOCK_MONOTONIC);
    if (ns < 0) ns = 0;
    return (hub_deadline){ns > HUB_NEVER - now ? HUB_NEVER - 1 : now + ns, CLOCK_MONOTONIC};
}

static int ts_ns(const struct timespec *ts, int64_t *ns)
{
    if (ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000) return EINVAL;
    if (ts->tv_sec > (HUB_NEVER - 1 - ts->tv_nsec) / 1000000000)
        *ns = HUB_NEVER - 1; /* far enough to be forever, but still a deadline */
    else
        *ns = (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
    return 0;
}

int hub_after_ts(const struct timespec *rel, hub_deadline *out)
{
    int64_t ns;
    int r = ts_ns(rel, &ns);
    if (r == 0) *out = hub_after_ns(ns);
    return r;
}

int hub_at_ts(clockid_t clock, const struct timespec *abs, hub_deadline *out)
{
    int64_t ns;
    int r = ts_ns(abs, &ns);
    if (r) return r;
    if (clock == CLOCK_REALTIME || clock == CLOCK_MONOTONIC) {
        *out = (hub_deadline){ns, clock};
    } else { /* other clocks: convert to a monotonic deadline now */
        *out = hub_after_ns(ns - hub_now_ns(clock));
    }
    return 0;
}

int64_t hub_left_ns(hub_deadline dl)
{
    if (dl.ns == HUB_NEVER) return HUB_NEVER;
    int64_t left = dl.ns - hub_now_ns(dl.clock);
    return left > 0 ? left : 0;
}

/* ---- parking -------------------------------------------------------------- */

/* A deadline is an ev_timer for monotonic time and an ev_periodic for
 * realtime, which libev reschedules when the wall clock jumps. */
struct hub_timer {
    union {
        ev_timer t;
        ev_periodic p;
    } w;
    gl_t *gl;
};

static void on_timer(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop, (void)revents;
    gl_unpark(((struct hub_timer *)w)->gl, ETIMEDOUT);
}

static void on_periodic(struct ev_loop *loop, ev_periodic *w, int revents)
{
    (void)loop, (void)revents;
    gl_unpark(((struct hub_timer *)w)->gl, ETIMEDOUT);
}

int gl_park(hub_deadline dl)
{
    gl_t *self = gl_self();
    struct hub *h = self->hub;
    if (dl.ns == HUB_NEVER) return hub_switch_out();
    if (dl.ns <= hub_now_ns(dl.clock)) { /* already due: never park */
        hub_wq_unlink(self);
        self->wkind = HUB_W_NONE;
        return ETIMEDOUT;
    }

    struct hub_timer tm;
    tm.gl = self;
    self->wdeadline = dl.ns;
    if (dl.clock == CLOCK_REALTIME) {
        ev_periodic_init(&tm.w.p, on_periodic, (ev_tstamp)dl.ns / 1e9, 0, 0);
        ev_periodic_start(h->loop, &tm.w.p);
    } else {
        /* libev adds the delay to its cached loop time: read our clock first,
         * refresh the loop's, so the timer can only fire late, never early. */
        int64_t now = hub_now_ns(CLOCK_MONOTONIC);
        ev_now_update(h->loop);
        ev_timer_init(&tm.w.t, on_timer, (ev_tstamp)(dl.ns - now) / 1e9, 0);
        ev_timer_start(h->loop, &tm.w.t);
    }
    h->wakers++;
    int r = hub_switch_out();
    h->wakers--;
    if (dl.clock == CLOCK_REALTIME)
        ev_periodic_stop(h->loop, &tm.w.p);
    else
        ev_timer_stop(h->loop, &tm.w.t);
    self->wdeadline = HUB_NEVER;
    return r;
}

int (*hub_intr_hook)(int code);

/* Before a wait: something pending for the greenlet (see hub.h). */
static inline int intr_before(gl_t *self)
{
    return __builtin_expect(self->pending, 0) && hub_intr_hook ? hub_intr_hook(0) : 0;
}

/* After a wait: an interrupt is handed to the patch layer. */
static inline int intr_after(int r)
{
    if (__builtin_expect(r == EINTR || r == ECANCELED, 0) && hub_intr_hook) return hub_intr_hook(r);
    return r;
}

static void wait_begin(gl_t *g, int kind, long obj, int events)
{
    g->wkind = kind;
    g->wobj = obj;
    g->wevents = events;
    /* only the dump reads it ("for 1.204 s"): the coarse clock (a tick, 1-4
     * ms) costs 8 ns here, the precise one 50-60 ns, on every wait */
    g->wsince = hub_now_ns(CLOCK_MONOTONIC_COARSE);
}

int hub_park_as(int kind, long obj, hub_deadline dl)
{
    wait_begin(gl_self(), kind, obj, 0);
    return gl_park(dl);
}

int hub_sleep(hub_deadline dl)
{
    gl_t *self = gl_self();
    int r = intr_before(self);
    if (r) return r;
    wait_begin(self, HUB_W_SLEEP, 0, 0);
    r = intr_after(gl_park(dl));
    return r == ETIMEDOUT || r == HUB_RESTART ? 0 : r;
}

int hub_pause(gp_backoff *b, hub_deadline dl)
{
    int64_t left = hub_left_ns(dl);
    if (left == 0) return ETIMEDOUT;
    int64_t ns = gp_backoff_next(b);
    return hub_sleep(hub_after_ns(ns < left ? ns : left));
}

/* ---- fd readiness --------------------------------------------------------- */

#define FDW(l) gp_owner(l, struct hub_fdwaiter, link)

/* The watcher's fd never changes (one hub_fdw per fd), so its events are
 * set with ev_io_modify, not ev_io_set: libev then compares the interest
 * with what the kernel was last told and makes no epoll_ctl call when a
 * greenlet leaves and comes back for the same events between two polls
 * (the echo server's read, write, read-again-and-wait). ev_io_set would
 * force an EPOLL_CTL_ADD (failing with EEXIST) every time; it is kept for
 * an fd that was closed (hub_fd_closed), whose number may now name
 * another file the kernel's epoll set has never seen. */
static void fdw_update(struct ev_loop *loop, struct hub_fdw *f, int fd)
{
    int ev = 0;
    (void)fd;
    for (gp_link *l = f->head; l; l = l->next) {
        int want = FDW(l)->pfd->events;
        ev |= (want & HUB_IN ? EV_READ : 0) | (want & HUB_OUT ? EV_WRITE : 0);
    }
    if (ev == (f->io.events & (EV_READ | EV_WRITE)) && ev_is_active(&f->io)) return;
    ev_io_stop(loop, &f->io);
    if (ev) {
        ev_io_modify(&f->io, ev);
        ev_io_start(loop, &f->io);
    }
}

/* Wakes the waiters of f whose interest matches revents. EV_ERROR (libev
 * found the fd invalid) wakes everybody with EBADF. A woken waiter leaves
 * f at once and f's interest shrinks with it: the fd stays readable until
 * its greenlet runs, and with 19,000 connections every poll before then
 * would otherwise report all the woken-but-not-yet-run fds again (level
 * triggered), making each poll cost O(connections). */
static void fdw_wake(struct ev_loop *loop, struct hub_fdw *f, int revents, int code)
{
    gp_link *l, *next;
    int woke = 0;
    gp_list_foreach (l, next, f->head) {
        struct hub_fdwaiter *w = FDW(l);
        int got = (revents & EV_READ ? HUB_IN : 0) | (revents & EV_WRITE ? HUB_OUT : 0);
        got &= w->pfd->events;
        if (code == 0 && !got) continue;
        w->pfd->revents |= got;
        gl_unpark(w->gl, code);
        gp_list_del(&f->head, &w->link);
        w->gl = NULL; /* tells hub_wait_fds it is unlinked already */
        woke = 1;
    }
    if (woke) fdw_update(loop, f, f->io.fd);
}

static void on_io(struct ev_loop *loop, ev_io *io, int revents)
{
    fdw_wake(loop, (struct hub_fdw *)io, revents, revents & EV_ERROR ? EBADF : 0);
}

static struct hub_fdw *fdw_get(struct hub *h, int fd)
{
    if (fd >= h->nfdw) {
        int n = h->nfdw ? h->nfdw : 64;
        while (n <= fd) n *= 2;
        struct hub_fdw **t = realloc(h->fdw, (size_t)n * sizeof *t);
        if (!t) return NULL;
        memset(t + h->nfdw, 0, (size_t)(n - h->nfdw) * sizeof *t);
        h->fdw = t;
        h->nfdw = n;
    }
    if (!h->fdw[fd]) {
        struct hub_fdw *f = calloc(1, sizeof *f);
        if (!f) return NULL;
        ev_io_init(&f->io, on_io, fd, 0);
        h->fdw[fd] = f;
    }
    return h->fdw[fd];
}

int hub_wait_fds(struct hub_pollfd *set, int n, hub_deadline dl)
{
    gl_t *self = gl_self();
    struct hub *h = self->hub;
    struct hub_fdwaiter stackw[8];
    int r = intr_before(self);
    if (r) return r;
    struct hub_fdwaiter *ws = n <= 8 ? stackw : malloc((size_t)n * sizeof *ws);
    if (!ws) return ENOMEM;
again:;
    int linked = 0;
    for (int i = 0; i < n; i++) {
        set[i].revents = 0;
        if (set[i].fd < 0) {
            r = EBADF;
            break;
        }
        struct hub_fdw *f = fdw_get(h, set[i].fd);
        if (!f) {
            r = ENOMEM;
            break;
        }
        ws[i] = (struct hub_fdwaiter){.pfd = &set[i], .gl = self};
        gp_list_push(&f->head, &ws[i].link);
        fdw_update(h->loop, f, set[i].fd);
        linked++;
    }
    if (r == 0) {
        wait_begin(self, HUB_W_FD, set[0].fd, set[0].events);
        h->wakers++;
        r = gl_park(dl);
        h->wakers--;
    }
    for (int i = 0; i < linked; i++) {
        struct hub_fdw *f = h->fdw[set[i].fd];
        if (f && ws[i].gl) { /* gl cleared: woken or closed, unlinked already */
            gp_list_del(&f->head, &ws[i].link);
            fdw_update(h->loop, f, set[i].fd);
        }
    }
    if (r == EINTR || r == ECANCELED) { /* the hook may unwind: free first */
        if (ws != stackw) free(ws);
        ws = NULL;
        self->wkind = HUB_W_FD; /* what was interrupted, for the hook (SO_*TIMEO) */
        r = intr_after(r);
        self->wkind = HUB_W_NONE;
        if (r == HUB_RESTART) {
            ws = n <= 8 ? stackw : malloc((size_t)n * sizeof *ws);
            if (!ws) return ENOMEM;
            r = 0;
            goto again;
        }
    }
    if (ws && ws != stackw) free(ws);
    return r;
}

int hub_wait_fd(int fd, int events, hub_deadline dl)
{
    struct hub_pollfd p = {fd, events, 0};
    return hub_wait_fds(&p, 1, dl);
}

void hub_fd_closed(int fd)
{
    struct hub *h = hub_tls.hub;
    if (!h || fd < 0 || fd >= h->nfdw || !h->fdw[fd]) return;
    struct hub_fdw *f = h->fdw[fd];
    while (f->head) {
        struct hub_fdwaiter *w = FDW(f->head);
        gp_list_del(&f->head, &w->link);
        gl_unpark(w->gl, EBADF);
        w->gl = NULL;
    }
    ev_io_stop(h->loop, &f->io);
    ev_io_set(&f->io, fd, 0); /* the next start re-registers the fd (see fdw_update) */
}

/* ---- wait queues ---------------------------------------------------------- */

int hub_wq_park(hub_wq *q, hub_waiter *w, hub_deadline dl, int kind, long obj)
{
    hub_waiter local = {0};
    gl_t *self = gl_self();
    if (!w) w = &local;
    w->gl = self;
    gp_queue_push(q, &w->link);
    self->wq_q = q;
    self->wq_w = w;
    /* A native thread may wake the main hub's waits (hub_wq_wake_foreign):
     * the poke is ready */
    if (__builtin_expect(__atomic_load_n(&hub_natives, __ATOMIC_RELAXED) != 0, 0) &&
        self->hub->initial)
        hub_poke_arm(self->hub);
    wait_begin(self, kind, obj, 0);
    return gl_park(dl); /* gl_unpark took us off q, whoever woke us */
}

int hub_wq_wait(hub_wq *q, hub_waiter *w, hub_deadline dl)
{
    int r = intr_before(gl_self());
    if (r) return r;
    r = intr_after(hub_wq_park(q, w, dl, HUB_W_WQ, (long)q));
    /* A handler ran: a spurious wakeup, never a wait again from here. Out of
     * q from the signal on, we missed any wake meanwhile (the thread we join
     * ended, the mutex was let go, the condvar signalled): every caller
     * looks at what it waits for and waits again if need be. */
    return r == HUB_RESTART ? 0 : r;
}

/* The hub keeps the greenlets in such waits on a list of its own: hub_soon
 * wakes them without knowing their queues. The node leaves the list before
 * the interrupt hook runs, which may unwind the greenlet's stack. */
struct outw {
    gp_link link;
    gl_t *gl;
};

int hub_wq_wait_outside(hub_wq *q, hub_deadline dl)
{
    gl_t *self = gl_self();
    struct hub *h = self->hub;
    struct outw me = {{NULL, NULL}, self};
    int r = intr_before(self);
    if (r) return r;
    hub_poke_arm(h);
    gp_list_push(&h->outside, &me.link);
    h->wakers++;
    r = hub_wq_park(q, NULL, dl, HUB_W_WQ, (long)q);
    h->wakers--;
    gp_list_del(&h->outside, &me.link);
    /* A handler that ran may have made the condition true (sem_post is
     * async-signal-safe): a restart looks again, as the kernel's restarted
     * futex wait compares the word again, instead of parking blind. */
    r = intr_after(r);
    return r == HUB_RESTART ? 0 : r;
}

/* A native OS thread (alone on a hub of its own) cannot touch the
 * greenlets' queues. It posts the queue's address here and pokes the
 * greenlets' hub, which makes every greenlet parked on that queue by
 * hub_wq_wait return 0, the spurious wake-up its caller handles by looking
 * again. The address is only compared, never read: the queue may be gone
 * (then nobody waits on it) or reused (then its waiters look again, no
 * harm). With the slots full, the waiters of every queue look again. */
#define FOREIGN_SLOTS 8
static hub_wq *foreign_q[FOREIGN_SLOTS];
static int foreign_all, foreign_due;

void hub_wq_wake_foreign(hub_wq *q)
{
    int i = 0;
    for (hub_wq *none = NULL; i < FOREIGN_SLOTS; i++, none = NULL)
        if (__atomic_compare_exchange_n(&foreign_q[i], &none, q, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_RELAXED))
            break;
    if (i == FOREIGN_SLOTS) __atomic_store_n(&foreign_all, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&foreign_due, 1, __ATOMIC_RELEASE);
    hub_poke(hub_initial(), HUB_POKE_WQ);
}

/* Every pass of the initial hub's loop once the process has native
 * threads: a poke posted before the hub had armed it (the waiters parked
 * before any native thread existed) is found here, at the hub's next
 * wake-up, and from now on the poke wakes the hub itself. */
void hub_wq_foreign_check(struct hub *h)
{
    if (!h->initial) return;
    hub_poke_arm(h);
    if (__atomic_load_n(&foreign_due, __ATOMIC_ACQUIRE)) hub_wq_foreign_drain(h);
}

void hub_wq_foreign_drain(struct hub *h)
{
    hub_wq *qs[FOREIGN_SLOTS];
    __atomic_store_n(&foreign_due, 0, __ATOMIC_RELEASE);
    int n = 0, all = __atomic_exchange_n(&foreign_all, 0, __ATOMIC_ACQ_REL);
    for (int i = 0; i < FOREIGN_SLOTS; i++)
        if ((qs[n] = __atomic_exchange_n(&foreign_q[i], NULL, __ATOMIC_ACQ_REL))) n++;
    for (gl_t *g = hub_gl_at(h->all); g; g = hub_gl_at(g->all.next)) {
        if (g->state != GL_PARKED || g->wkind != HUB_W_WQ || !g->wq_q) continue;
        int hit = all;
        for (int k = 0; k < n && !hit; k++) hit = g->wq_q == qs[k];
        if (hit) gl_unpark(g, HUB_RESTART);
    }
}

void hub_outside_wake(struct hub *h)
{
    for (gp_link *l = h->outside; l; l = l->next) gl_unpark(gp_owner(l, struct outw, link)->gl, 0);
}

void hub_wq_wake(hub_wq *q, hub_waiter *w)
{
    (void)q;
    gl_unpark(w->gl, 0);
}

gl_t *hub_wq_wake_one(hub_wq *q)
{
    hub_waiter *w = hub_wq_first(q);
    if (!w) return NULL;
    gl_t *g = w->gl;
    gl_unpark(g, 0);
    return g;
}

int hub_wq_wake_all(hub_wq *q)
{
    int n = 0;
    while (!gp_queue_empty(q)) {
        gl_unpark(hub_wq_first(q)->gl, 0);
        n++;
    }
    return n;
}
