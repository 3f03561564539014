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
    gp_link link; /* on hub_fdw.head */
    struct hub_pollfd *pfd;
    gl_t *gl;
};
struct hub_fdw {
    ev_io io;      /* events = union of the waiters' interests */
    gp_link *head; /* its waiters (hub_fdwaiter) */
};

struct hub {
    struct ev_loop *loop;
    gl_t *hub_gl;  /* runs the loop */
    gl_t *main_gl; /* the OS thread's own context */
    gl_t *rq_head, *rq_tail;
    gp_link *all;     /* every live greenlet but the hub's own (gl_t.all; hub_gl_at) */
    int64_t cpu_last; /* the OS thread's CPU time at the last switch, once counting (cpu.c) */
    gl_t *dead;       /* exited; released once switched away from */
    unsigned nalive;
    unsigned nparked;
    unsigned wakers; /* active wake sources: timers, fd waits, refs */
    unsigned rq_len;
    unsigned round;       /* greenlets left to run before the next poll (hub.c) */
    unsigned since_poll;  /* greenlets run since the last poll */
    struct hub_fdw **fdw; /* indexed by fd, grown on demand */
    int nfdw;
    /* remote.c: the one way in from other OS threads and signal handlers */
    ev_async poke;
    unsigned pokes;                 /* HUB_POKE_* posted, not handled yet */
    int poke_on;                    /* poke started (hub_poke_arm) */
    struct hub_remote *remote_head; /* pushed by any thread, drained here */
    gp_link *outside;               /* wait.c: waits hub_soon may end */
    void *altstack;                 /* stack.c: the alternate signal stack we set, if any */
    /* signal masks (hub.c): the OS thread's as last set, the hub's own,
     * and for each signal how many live greenlets block it */
    int masks; /* any greenlet or the OS thread blocks something */
    uint64_t os_mask, hub_mask;
    unsigned nmasked; /* live greenlets with a non-empty mask */
    unsigned nblock[64];
    /* sig.c: signals caught on this thread where no program thread takes
     * them; written by the signal handler, drained by the hub */
    struct hub_sigring *sigring;
    int sig_on;                  /* hub_sig_arm'ed: hub_sig_defer queues */
    struct hub_signal *sig_held; /* accepted by nobody yet */
    /* starvation (preempt.c, monitor.c) */
    unsigned idle_spins;        /* lone "nothing ready" answers (preempt.c) */
    uint64_t idle_tsc;          /* TSC at the last poll they asked for */
    unsigned char poll_now;     /* poll before the next round, whatever since_poll says */
    unsigned char in_loop;      /* waiting in the loop: idle, not held by a greenlet */
    unsigned long passes;       /* bumped per scheduling pass; read by the monitor */
    gl_t *running;              /* the greenlet the hub last switched to */
    gl_t *pq_head, *pq_tail;    /* preempted greenlets: they run when nothing else is ready */
    unsigned since_pq;          /* greenlets run since one was taken from pq */
    int tid;                    /* the OS thread's, for the monitor */
    unsigned char initial;      /* on the process's initial thread (tid == pid) */
    uintptr_t main_top;         /* top of the OS thread's own stack, when known */
    unsigned long preempt_pass; /* passes when the slice ran out (preempt.c) */
    unsigned long tick_passes;  /* passes at the last CPU-time tick */
    int64_t tick_at;            /* the monotonic clock then */
    int64_t slice_at;           /* ... when the running greenlet's slice began */
    int slice_done;             /* that slice ran out (counted once) */
    int preempt_timer;          /* the kernel's timer id + 1; 0: none */
    /* the monitor thread's own view (monitor.c) */
    unsigned long m_passes;
    int64_t m_since;
    int m_reported;
    struct hub_tls *tls;  /* that thread's hub_tls (the monitor raises .preempt) */
    struct hub *next_hub; /* every hub of the process, for the monitor */
};

/* The run queue and the preempted queue: greenlets linked through rq_next,
 * first in first out (one pointer a greenlet: the hottest path there is). */
static inline void hub_gl_push(gl_t **head, gl_t **tail, gl_t *g)
{
    g->rq_next = NULL;
    if (*tail)
        (*tail)->rq_next = g;
    else
        *head = g;
    *tail = g;
}
static inline gl_t *hub_gl_pop(gl_t **head, gl_t **tail)
{
    gl_t *g = *head;
    if (g && !(*head = g->rq_next)) *tail = NULL;
    return g;
}

/* The greenlet whose node on a hub's list of every greenlet is l, or NULL:
 * for (gl_t *g = hub_gl_at(h->all); g; g = hub_gl_at(g->all.next)). */
static inline gl_t *hub_gl_at(gp_link *l)
{
    return l ? gp_owner(l, gl_t, all) : NULL;
}

struct hub *hub_get(void);            /* this thread's hub, created on demand */
void hub_mask_recount(struct hub *h); /* after fork: from the survivors */
void gl_switch(gl_t *from, gl_t *to);
/* cpu.c: counting per-greenlet CPU time (a thread CPU clock was asked for) */
extern int hub_cpu_on;
void hub_cpu_switch(struct hub *h, gl_t *from);
void hub_rq_push(struct hub *h, gl_t *g);
void hub_wq_unlink(gl_t *g); /* off its wait queue, if on one */
int hub_switch_out(void);    /* park the running greenlet; returns its wake code */

/* tcb.c */
extern ptrdiff_t hub_cxx_off;       /* libstdc++'s TLS block from tp, when swapped */
extern size_t hub_cxx_size;         /* its size; 0: libstdc++ not loaded at start */
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
/* preempt.c: a preempted greenlet waiting for its next turn; the hub takes
 * one into the run queue per round */
void hub_pq_take(struct hub *h);
/* monitor.c: a new hub joins the list the monitor watches */
void hub_monitor_add(struct hub *h);
void hub_monitor_forked(struct hub *h); /* in a fork child */
int hub_monitor_running(void);          /* the monitor thread was started */
/* fork.c: a fork child's hub learns its tid and tells libev it forked;
 * before its loop next runs (hub_tls.forked) */
void hub_fork_settle(struct hub *h);
/* child.c: no greenlet of any hub waits for a child */
int hub_child_idle(void);
void hub_preempt_arm(struct hub *h); /* preempt.c: on h's own OS thread */
extern uint64_t hub_mask_os_never;   /* hub.c: signals the OS thread never blocks */

/* stack.c */
int hub_stack_alloc(gl_t *g, size_t size);
void hub_stack_given(gl_t *g, void *lo, size_t size);
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

/* remote.c: the hub's one ev_async, for every wake-up from outside its
 * loop (a signal handler, another OS thread). hub_poke_arm starts it, on
 * the hub's own thread, before anything may post; hub_poke posts the
 * reasons (bits) and wakes the loop: async-signal-safe and thread-safe, 0
 * when h is not armed (nothing posted). */
enum {
    HUB_POKE_REMOTE = 1, /* hub_remote completions queued */
    HUB_POKE_SOON = 2,   /* hub_soon: waits in hub_wq_wait_outside look again */
    HUB_POKE_SIG = 4,    /* signals queued by hub_sig_defer */
    HUB_POKE_CHILD = 8,  /* a SIGCHLD: hub_child_wait's waiters look again */
    HUB_POKE_DUMP = 16,  /* the dump signal */
    HUB_POKE_WQ = 32,    /* hub_wq_wake_foreign: posted queues' waiters look again */
};
void hub_poke_arm(struct hub *h);
int hub_poke(struct hub *h, unsigned why);
void hub_poke_forked(struct hub *h); /* fork child: the parent's posts dropped */
/* What the poke calls on the hub for each reason */
void hub_outside_wake(struct hub *h);     /* wait.c */
void hub_child_poked(void);               /* child.c */
void hub_dump_poked(void);                /* dump.c */
void hub_wq_foreign_drain(struct hub *h); /* wait.c */
void hub_wq_foreign_check(struct hub *h); /* wait.c: hub_main, once hub_natives */
/* hub.c: the hub of the process's main thread (the greenlets'), or NULL;
 * how many hubs native threads made (each alone on its own) */
struct hub *hub_initial(void);
void hub_initial_forked(struct hub *h);
extern unsigned hub_natives;

/* wait.c, for the other waits of hub/: parks on q as that (w: the caller's node or NULL); the raw
 * wake code, no interrupt handling */
int hub_wq_park(hub_wq *q, hub_waiter *w, hub_deadline dl, int kind, long obj);

/* stats.c: called only when hub_stats_on */
void hub_stats_link(gl_t *g, int delta);
void hub_stats_park(gl_t *self);

#endif
