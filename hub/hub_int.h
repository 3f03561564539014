/* Private to hub/: the loop structure and the helpers its files share. */
#ifndef GP_HUB_INT_H
#define GP_HUB_INT_H

#include <ev.h>

#include "../shim/base/base.h"
#include "hub.h"

/* boost.context's assembly routines (extern "C" in libboost_context.a); the
 * C++ header only declares them, so we declare them for C here. */
typedef void *fcontext_t;
typedef struct {
    fcontext_t fctx;
    void *data;
} transfer_t;
transfer_t jump_fcontext(fcontext_t const to, void *vp);
fcontext_t make_fcontext(void *sp, size_t size, void (*fn)(transfer_t));

/* One fd's waiters and the single libev watcher serving all of them. */
struct hub_fdwaiter {
    struct hub_fdwaiter *next, *prev;
    struct hub_pollfd *pfd;
    gl_t *gl;
};
struct hub_fdw {
    ev_io io; /* events = union of the waiters' interests */
    struct hub_fdwaiter *head;
};

struct hub {
    struct ev_loop *loop;
    gl_t *hub_gl;  /* runs the loop */
    gl_t *main_gl; /* the OS thread's own context */
    gl_t *rq_head, *rq_tail;
    gl_t *all;  /* every live greenlet but the hub's own */
    gl_t *dead; /* exited; released once switched away from */
    unsigned nalive;
    unsigned nparked;
    unsigned wakers; /* active wake sources: timers, fd waits, refs */
    unsigned rq_len;
    unsigned round;       /* greenlets left to run before the next poll (hub.c) */
    unsigned since_poll;  /* greenlets run since the last poll */
    struct hub_fdw **fdw; /* indexed by fd, grown on demand */
    int nfdw;
    ev_async soon; /* hub_soon, once armed */
    int soon_armed;
    /* signal masks (hub.c): the OS thread's as last set, the hub's own,
     * and for each signal how many live greenlets block it */
    int masks; /* any greenlet or the OS thread blocks something */
    uint64_t os_mask, hub_mask;
    unsigned nmasked; /* live greenlets with a non-empty mask */
    unsigned nblock[64];
    /* sig.c: signals caught on this thread where no program thread takes
     * them; written by the signal handler, drained by the hub */
    struct hub_sigring *sigring;
    ev_async sig_async;
    struct hub_signal *sig_held; /* accepted by nobody yet */
    /* remote.c: completions posted by other OS threads */
    ev_async remote_async;
    struct hub_remote *remote_head; /* pushed by any thread, drained here */
    int remote_on;                  /* remote_async started */
};

struct hub *hub_get(void);            /* this thread's hub, created on demand */
void hub_mask_recount(struct hub *h); /* after fork: from the survivors */
void gl_switch(gl_t *from, gl_t *to);
void hub_rq_push(struct hub *h, gl_t *g);
void hub_wq_unlink(gl_t *g); /* off its wait queue, if on one */
int hub_switch_out(void);    /* park the running greenlet; returns its wake code */

/* tcb.c */
int hub_tcb_new(gl_t *g);           /* its own block; 0 or ENOMEM */
void hub_tcb_free(gl_t *g);         /* from the hub, once g is dead */
void hub_tcb_switch(void *tp);      /* makes tp's block current */
void hub_tcb_started(void);         /* first thing on a new block */
void hub_tcb_forked(struct hub *h); /* fork child */
static inline void *hub_tcb_cur(void)
{
    void *p;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(p));
    return p;
}

/* stack.c */
int hub_stack_alloc(gl_t *g, size_t size);
void hub_stack_free(gl_t *g);
static inline int hub_stack_overflowed(gl_t *g)
{
    return g->canary && *g->canary != 0;
}
void hub_stack_overflow_die(gl_t *g) __attribute__((noreturn));
void hub_stack_thread_init(void); /* sigaltstack + SIGSEGV reporter */

/* sig.c */
void hub_sig_init(struct hub *h);     /* at hub creation */
void hub_sig_dispatch(struct hub *h); /* on the hub: hand deferred signals out */
static inline int hub_sig_due(struct hub *h)
{
    return h->sigring && __atomic_load_n((unsigned *)h->sigring, __ATOMIC_ACQUIRE);
}
void hub_sig_orphan(gl_t *g);       /* g is dying: its signals go back */
void hub_sig_mask_changed(gl_t *g); /* held signals g may take now */
void hub_sig_forked(struct hub *h, gl_t *self);

/* remote.c: in a fork child, forget what the parent's threads posted */
void hub_remote_forked(struct hub *h);

/* stats.c: called only when hub_stats_on */
void hub_stats_link(gl_t *g, int delta);
void hub_stats_park(gl_t *self);

#endif
