/* Process-directed signals that landed where no program thread takes them
 * (see hub.h): queued by the signal handler, handed out by the hub.
 *
 * The queue is a ring written only on the hub's own OS thread, by signal
 * handlers (which may nest, but a nested one finishes before the one it
 * interrupted goes on), and drained by the hub greenlet of that thread:
 * a claimed slot becomes visible to the hub only once its `ready` flag is
 * set, and the hub cannot run before every handler on its thread has
 * returned. A full ring drops the signal, as the kernel merges a standard
 * signal that is already pending. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hub_int.h"

#define SIGRING 64

struct hub_sigring {
    unsigned due; /* written, not drained yet: first field (hub_sig_due) */
    unsigned w;   /* next slot to claim (handlers) */
    unsigned r;   /* next slot to drain (the hub) */
    struct {
        int ready;
        siginfo_t si;
    } slot[SIGRING];
};

int (*hub_sig_eligible)(gl_t *g);

void hub_sig_init(struct hub *h)
{
    h->sigring = calloc(1, sizeof *h->sigring);
    /* on failure signals stay where they land, as before */
}

/* Only once a signal may need it: the hub's poke (remote.c) */
void hub_sig_arm(void)
{
    struct hub *h = hub_get();
    if (!h || !h->sigring || h->sig_on) return;
    hub_poke_arm(h);
    __atomic_store_n(&h->sig_on, 1, __ATOMIC_RELEASE);
}

int hub_sig_defer(const siginfo_t *si)
{
    struct hub *h = hub_tls.hub;
    struct hub_sigring *q = h ? h->sigring : NULL;
    if (!q || !__atomic_load_n(&h->sig_on, __ATOMIC_ACQUIRE)) return 0; /* not armed */
    unsigned i = __atomic_fetch_add(&q->w, 1, __ATOMIC_RELAXED);
    if (i - q->r >= SIGRING) { /* full: merged away */
        __atomic_fetch_sub(&q->w, 1, __ATOMIC_RELAXED);
        return 1;
    }
    q->slot[i % SIGRING].si = *si;
    __atomic_store_n(&q->slot[i % SIGRING].ready, 1, __ATOMIC_RELEASE);
    __atomic_fetch_add(&q->due, 1, __ATOMIC_RELEASE);
    /* wakes epoll_wait even when the signal came just before the hub
     * entered it; async-signal-safe by libev's contract */
    hub_poke(h, HUB_POKE_SIG);
    return 1;
}

static int accepts(gl_t *g, uint64_t bit)
{
    return g->state != GL_DEAD && !g->is_hub && (!(g->sigmask & bit) || (g->sigwait & bit)) &&
           (!hub_sig_eligible || hub_sig_eligible(g));
}

/* As the kernel's complete_signal: the main thread if it does not block
 * the signal, else a thread that does not (one in a blocking call first:
 * it is the one a process-directed signal interrupts). */
static gl_t *pick(struct hub *h, uint64_t bit)
{
    if (h->main_gl && h->main_gl->hub == h && accepts(h->main_gl, bit)) {
        for (gl_t *g = hub_gl_at(h->all); g; g = hub_gl_at(g->all.next))
            if (g == h->main_gl) return g; /* still alive */
    }
    gl_t *any = NULL;
    for (gl_t *g = hub_gl_at(h->all); g; g = hub_gl_at(g->all.next)) {
        if (!accepts(g, bit)) continue;
        if (g->state == GL_PARKED) return g;
        if (!any) any = g;
    }
    return any;
}

static void append(struct hub_signal **q, struct hub_signal *s)
{
    s->next = NULL;
    while (*q) q = &(*q)->next;
    *q = s;
}

/* Gives s to a greenlet that takes it, or holds it for the process. */
static void assign(struct hub *h, struct hub_signal *s)
{
    uint64_t bit = 1ull << (s->si.si_signo - 1);
    gl_t *g = pick(h, bit);
    if (!g) {
        append(&h->sig_held, s);
        return;
    }
    append(&g->sigq, s);
    g->pending = 1; /* raised at its next patched call or wait */
    if (g->state == GL_PARKED) gl_unpark(g, EINTR);
}

void hub_sig_dispatch(struct hub *h)
{
    struct hub_sigring *q = h->sigring;
    while (__atomic_load_n(&q->slot[q->r % SIGRING].ready, __ATOMIC_ACQUIRE)) {
        struct hub_signal *s = malloc(sizeof *s);
        if (s) s->si = q->slot[q->r % SIGRING].si; /* else lost, as on a full ring */
        __atomic_store_n(&q->slot[q->r % SIGRING].ready, 0, __ATOMIC_RELAXED);
        q->r++;
        __atomic_fetch_sub(&q->due, 1, __ATOMIC_RELEASE);
        if (s) assign(h, s);
    }
}

static int take(struct hub_signal **q, uint64_t set, siginfo_t *out)
{
    for (; *q; q = &(*q)->next) {
        struct hub_signal *s = *q;
        if (!(set & (1ull << (s->si.si_signo - 1)))) continue;
        *q = s->next;
        *out = s->si;
        free(s);
        return 1;
    }
    return 0;
}

int hub_sig_take(gl_t *g, uint64_t set, siginfo_t *out)
{
    return take(&g->sigq, set, out);
}

uint64_t hub_sig_held(void)
{
    uint64_t m = 0;
    struct hub *h = hub_tls.hub;
    for (struct hub_signal *s = h ? h->sig_held : NULL; s; s = s->next)
        m |= 1ull << (s->si.si_signo - 1);
    return m;
}

int hub_sig_take_held(uint64_t set, siginfo_t *out)
{
    struct hub *h = hub_tls.hub;
    return h ? take(&h->sig_held, set, out) : 0;
}

void hub_sig_orphan(gl_t *g)
{
    struct hub_signal *s;
    while ((s = g->sigq)) {
        g->sigq = s->next;
        assign(g->hub, s);
    }
}

void hub_sig_mask_changed(gl_t *g)
{
    struct hub *h = g->hub;
    struct hub_signal *s = h->sig_held;
    h->sig_held = NULL;
    while (s) {
        struct hub_signal *next = s->next;
        assign(h, s);
        s = next;
    }
}

/* A fork child starts with no signal pending, for the process or a thread
 * (the lists are left to the parent's memory, as the dropped greenlets). */
void hub_sig_forked(struct hub *h, gl_t *self)
{
    GP_SET(h->sig_held, NULL);
    GP_SET(self->sigq, NULL);
    struct hub_sigring *q = h->sigring;
    if (!q) return;
    for (int i = 0; i < SIGRING; i++) GP_SET(q->slot[i].ready, 0); /* no memset: GP_SET */
    GP_SET(q->due, 0);
    GP_SET(q->w, 0);
    GP_SET(q->r, 0);
}
