/* The hub: one libev loop per OS thread, the greenlets it schedules, and the
 * wait primitives every patch is written against.
 *
 * The hub knows nothing of sockets or pthreads. A patch knows nothing of
 * libev: it asks to wait for an fd, a deadline or a wait queue, and is told
 * why it woke. Results are errno-style codes returned as values (0 = woken,
 * ETIMEDOUT, EINTR, EBADF, ...); errno itself is never touched here, except
 * that each greenlet keeps its own errno and h_errno across switches. */
#ifndef GP_HUB_H
#define GP_HUB_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../shim/base/util.h"

typedef struct gl gl_t;

/* ---- deadlines ---------------------------------------------------------- */

/* An absolute instant on CLOCK_MONOTONIC or CLOCK_REALTIME (a realtime
 * deadline follows clock changes, as clock_nanosleep(TIMER_ABSTIME) does). */
typedef struct {
    int64_t ns; /* HUB_NEVER: no deadline */
    clockid_t clock;
} hub_deadline;

#define HUB_NEVER INT64_MAX

int64_t hub_now_ns(clockid_t clock);
hub_deadline hub_never(void);
hub_deadline hub_after_ns(int64_t ns); /* from now, monotonic; <= 0 is now */
/* From a user timespec. Both return EINVAL for tv_nsec outside [0, 1e9) and
 * clamp a negative relative time to "now", as the kernel does. */
int hub_after_ts(const struct timespec *rel, hub_deadline *out);
int hub_at_ts(clockid_t clock, const struct timespec *abs, hub_deadline *out);
/* Time left until dl (>= 0), for "remaining time" results. */
int64_t hub_left_ns(hub_deadline dl);

/* ---- greenlets ----------------------------------------------------------- */

enum gl_state { GL_RUNNING, GL_READY, GL_PARKED, GL_DEAD };

/* libstdc++'s thread-local storage (its exception state and std::call_once's
 * callable: 32 bytes in GCC 12) is saved and restored at every switch of a
 * greenlet on its OS thread's block, as errno is, when it fits in this. */
#define HUB_CXX_TLS 32

/* Opaque but visible, so the few hot accessors below can be inline. */
struct gl {
    void *ctx;                  /* fcontext_t while switched out */
    struct hub *hub;            /* the OS thread's hub this greenlet lives on */
    gl_t *rq_next;              /* run queue link */
    gp_link all;                /* on its hub's list of every live greenlet (dump, fork) */
    char *stack_lo;             /* usable stack [stack_lo, stack_lo+stack_size) */
    size_t stack_size;          /* 0 for the OS thread's own stack */
    size_t stack_map;           /* bytes mapped incl. guard; 0 if not ours */
    unsigned long long *canary; /* slab stacks: checked at every switch */
    unsigned vg_stack;          /* valgrind's id for the stack, when run under it */
    int state;                  /* enum gl_state */
    int result;                 /* why gl_park returned */
    int err, herr;              /* errno and h_errno while switched out */
    void *tcb;                  /* the %fs base it runs with: its own thread control block
                                   (hub/tcb.c) or its OS thread's; NULL for the hub greenlet,
                                   which runs on whichever block is current */
    void *tcb_mem;              /* its own block's memory, NULL when it runs on the OS thread's */
    uint64_t cxx_tls[HUB_CXX_TLS / 8]; /* on the OS thread's block: libstdc++'s TLS while
                                          switched out (hub/tcb.c, hub_cxx_tls) */
    unsigned char is_hub, is_main;
    unsigned char stack_given; /* the program's (pthread_attr_setstack): never ours to free */
    unsigned char pending;     /* the thread patch has something to deliver to it (a
                                  cancellation, a signal) at its next patched call */
    unsigned char tcb_ready;   /* its own block has been run on (locale set up): the hub
                                  may borrow it */
    uint64_t sigmask;          /* signals it blocks (bit sig-1), applied to the OS
                                  thread while it runs: see hub_sigmask */
    unsigned id;               /* unique, never 0; see gl_id */
    void (*fn)(void *);
    void *arg;
    void *local; /* owned by the creator (the thread patch's record) */
    /* what it waits on, for the would-block-forever report and the dump */
    int op;    /* the patched call in progress: 1 + its symbols.def id (gl_op_name) */
    int wkind; /* enum hub_wkind */
    long wobj; /* fd, child pid, or address of the wait queue */
    int wevents;
    int64_t wsince;          /* CLOCK_MONOTONIC_COARSE ns when the wait began */
    int64_t wdeadline;       /* monotonic or realtime ns; HUB_NEVER */
    struct hub_waiter *wq_w; /* while parked on a wait queue */
    struct gp_queue *wq_q;
    char name[16];
    struct hub_signal *sigq; /* process-directed signals the hub handed to it,
                                to be raised again while it runs (hub/sig.c) */
    uint64_t sigwait;        /* signals it waits for in sigwait & co. (signal patch) */
    unsigned sig_eintr;      /* handlers without SA_RESTART run in it (signal patch) */
#ifdef __SANITIZE_ADDRESS__
    const void *asan_lo; /* the OS thread's own stack, for ASan's fiber switches */
    size_t asan_size;
#endif
    /* diagnostics (GEVENT_STATS, the dump; hub/stats.c) */
    void *op_ra;             /* return address of the libc call in progress (set with op) */
    void *created_ra;        /* the creator's op_ra when spawned: its pthread_create call site */
    unsigned char op_waited; /* GEVENT_STATS: op's wait counted (once per call) */
    int64_t cpu_ns;          /* CPU time it used while switched out, once counted (hub/cpu.c) */
};

/* The name of the call g is in (symbols.def), or NULL: plain reads, safe in
 * a signal handler. */
extern const char *const gp_sym_names[];
static inline const char *gl_op_name(const gl_t *g)
{
    return g->op ? gp_sym_names[g->op - 1] : NULL;
}

enum hub_wkind { HUB_W_NONE, HUB_W_FD, HUB_W_SLEEP, HUB_W_WQ, HUB_W_CHILD, HUB_W_OTHER };

/* Per OS thread: the running greenlet (NULL until the thread first needs its
 * hub) and a depth counter of contexts where waiting is forbidden (signal
 * handlers, native helper threads). Initial-exec TLS: we are preloaded. */
struct hub_tls {
    gl_t *cur;
    struct hub *hub;
    int nowait;
    int booting; /* the hub is being made (hub_get) */
    int preempt; /* GEVENT_PREEMPT: the running greenlet has used up its slice
                    (set by the monitor thread; see hub_preempt_point) */
    int forked;  /* a fork child's hub: tid and loop not told yet (hub_fork_settle) */
};
extern __thread struct hub_tls hub_tls __attribute__((tls_model("initial-exec")));

/* May the caller wait cooperatively? False on the hub greenlet itself (libev
 * and c-ares calling libc must pass through) and inside a no-wait section. */
static inline int hub_may_wait(void)
{
    gl_t *g = hub_tls.cur;
    return hub_tls.nowait == 0 && (g == NULL || !g->is_hub);
}

/* The running greenlet; creates this OS thread's hub on first use (the
 * thread's own context becomes its main greenlet). NULL only on ENOMEM. */
gl_t *gl_self(void);

/* The calling OS thread's main greenlet (its own context), or NULL before
 * its hub exists. */
gl_t *hub_main_greenlet(void);

/* New greenlet on the calling thread's hub, ready to run after the caller
 * next yields or waits. stack_size 0 = the default (hub_default_stack).
 * NULL with *err = EAGAIN (no stack) or ENOMEM. */
gl_t *gl_spawn(size_t stack_size, void (*fn)(void *), void *arg, int *err);
/* The same for a greenlet that is a thread to the program: with its own
 * thread-local storage and thread control block when hub_tcb_wanted(). */
gl_t *gl_spawn_thread(size_t stack_size, void (*fn)(void *), void *arg, int *err);
/* gl_spawn_thread on the program's own stack [stack_lo, stack_lo+stack_size)
 * (pthread_attr_setstack): it runs there, and the memory stays the program's. */
gl_t *gl_spawn_thread_on(void *stack_lo, size_t stack_size, void (*fn)(void *), void *arg,
                         int *err);
/* Ends the calling greenlet; its stack and record are released once the hub
 * has switched away. If it was the last greenlet alive, exit(0) is called,
 * as when the last thread of a process exits. */
void gl_exit(void) __attribute__((noreturn));
unsigned gl_id(gl_t *g);
unsigned hub_alive(void); /* live greenlets on this thread's hub */
/* The caller is the only greenlet its OS thread has (or the thread has no
 * hub yet): nothing else could run while it waits, so a patch may make the
 * blocking call itself, which the kernel interrupts and restarts exactly
 * as natively and which costs no switch to the hub. Never creates the hub. */
int hub_alone(void);
/* The caller is an OS thread other than the process's initial one, running
 * nothing but its own main greenlet: a native thread the shim did not make
 * (an allocator's background thread). What it waits for is released by
 * other OS threads, and while it waits nothing else would run on it. */
int hub_solo(void);

/* Per-greenlet CPU time (hub/cpu.c): counted at every switch once
 * hub_cpu_start has been called (the program asked for a thread CPU clock;
 * never creates the hub); hub_cpu_ns is g's total (the running one's up to
 * now). */
void hub_cpu_start(void);
int64_t hub_cpu_ns(gl_t *g);
/* The live greenlet of this OS thread's hub with gl_id id, or NULL. */
gl_t *hub_gl_by_id(unsigned id);

/* Default stack size in bytes (GEVENT_STACK_SIZE, else glibc's default). */
extern size_t hub_default_stack;

/* ---- waiting ------------------------------------------------------------- */

/* Parks the caller until gl_unpark() or the deadline. Returns the unpark
 * code, or ETIMEDOUT. The low-level primitive; prefer the ones below. */
int gl_park(hub_deadline dl);
/* gl_park, recorded as waiting for kind (enum hub_wkind) and obj (what the
 * dump shows): no interrupt handling, the raw code. */
int hub_park_as(int kind, long obj, hub_deadline dl);
/* Makes a parked greenlet runnable with result code; no-op if it is not
 * parked (so racing wake sources are harmless). Unlinks it from any wait
 * queue, so a queue only ever holds greenlets that are really waiting. The
 * code is what its wait returns: 0 for a wake-up, or an interrupt (EINTR
 * for a signal, ECANCELED for cancellation) out of whatever it waits on. */
void gl_unpark(gl_t *g, int code);

/* Interrupts are acted on by the patch layer. Set by the thread patch and
 * called, in the interrupted greenlet, by every wait primitive below
 * (hub_sleep, hub_wait_fds, hub_wq_wait, hub_child_wait):
 *   - before it waits, when g->pending is set, with code 0: returns 0 to go
 *     on waiting, or an interrupt code to return at once;
 *   - after its own clean-up, when the wait was interrupted with EINTR or
 *     ECANCELED: returns the code the primitive is to return, or
 *     HUB_RESTART to wait again as if nothing had happened.
 * It may not return at all: deferred cancellation unwinds the greenlet. */
#define HUB_RESTART (-1)
extern int (*hub_intr_hook)(int code);
/* A greenlet preempted by the signal (GEVENT_PREEMPT) resumes in the middle
 * of the program's code, not at a call: the signals handed to it while it
 * was switched out are delivered there, as the kernel interrupts a running
 * thread (nothing else: a cancellation waits for its point). Set by the
 * thread patch. */
extern void (*hub_deliver_hook)(void);

/* Cooperative yield: run every other ready greenlet once, then come back. */
void hub_yield(void);
/* A patched call is about to answer "nothing is ready" without waiting (a
 * zero-timeout poll returning 0, EAGAIN on a non-blocking fd, EBUSY from a
 * trylock, WNOHANG finding no child...): a thread spinning on it must let
 * the others run. Yields when another greenlet is ready; when none is,
 * returns at once (a few ns) and only every so often lets the hub poll
 * without blocking, so I/O and timers still come in. errno is kept. */
void hub_nothing_ready(void);

/* GEVENT_PREEMPT: the running greenlet has had its time slice (the monitor
 * thread raised hub_tls.preempt): switch it out at this patched call. */
void hub_preempt_yield(void);
static inline void hub_preempt_point(void)
{
    if (__builtin_expect(hub_tls.preempt, 0)) hub_preempt_yield();
}

/* Sleep until dl. 0, or the interrupt code. */
int hub_sleep(hub_deadline dl);

/* fd readiness. events/revents are HUB_IN | HUB_OUT. */
#define HUB_IN  1
#define HUB_OUT 2
struct hub_pollfd {
    int fd;
    int events;
    int revents; /* out */
};
/* Waits until any entry is ready (revents set for each ready one), the
 * deadline, an interrupt, or hub_fd_closed() on one of the fds. Returns 0,
 * ETIMEDOUT, EBADF (fd closed or invalid), or the interrupt code. */
int hub_wait_fds(struct hub_pollfd *set, int n, hub_deadline dl);
int hub_wait_fd(int fd, int events, hub_deadline dl);
/* Must be called before an fd is closed or replaced (close, dup2): wakes
 * every greenlet waiting on it with EBADF and forgets the fd. */
void hub_fd_closed(int fd);

/* Wait queues: the base's FIFO (two pointers, valid when zeroed), so they
 * can live inside the caller's pthread_mutex_t (etc.) storage. Waiters are
 * nodes on the waiting greenlet's own stack: no allocation. */
typedef struct hub_waiter {
    gp_link link; /* on its queue */
    gl_t *gl;
    int tag;    /* free for the queue's owner (e.g. reader or writer) */
    void *data; /* likewise: a waker can hand a value over before waking */
} hub_waiter;
typedef gp_queue hub_wq;

/* Parks on q (w may be NULL when no tag/data is needed). 0 when woken by
 * hub_wq_wake*, or spuriously (a signal handler ran and the call restarts:
 * the caller looks at its condition again), ETIMEDOUT, or the interrupt
 * code; never left on q after. */
int hub_wq_wait(hub_wq *q, hub_waiter *w, hub_deadline dl);
static inline hub_waiter *hub_wq_first(hub_wq *q)
{
    return q->head ? gp_owner(q->head, hub_waiter, link) : NULL;
}
static inline hub_waiter *hub_wq_next(hub_waiter *w)
{
    return w->link.next ? gp_owner(w->link.next, hub_waiter, link) : NULL;
}
void hub_wq_wake(hub_wq *q, hub_waiter *w); /* wake this one (it is on q) */
gl_t *hub_wq_wake_one(hub_wq *q);           /* the woken greenlet, or NULL */
int hub_wq_wake_all(hub_wq *q);             /* how many were woken */
/* From a native OS thread (hub_solo), which cannot touch q: every greenlet
 * of the process's main hub waiting on q in hub_wq_wait returns 0 soon (a
 * spurious wake-up: it looks again). q is only compared, never read. A
 * greenlet that parked before the process had a native thread is reached
 * at the hub's next poke. Thread-safe. */
void hub_wq_wake_foreign(hub_wq *q);

/* A wait on q that something outside the loop may also end: a signal
 * handler or another OS thread, which cannot touch q, calls hub_soon()
 * instead of waking. Then every greenlet of that hub waiting here returns
 * 0 to look again (the caller re-checks its condition), as after a signal
 * handler that restarts the call. Counts as a waker: the hub never calls it
 * a deadlock. Otherwise returns as hub_wq_wait. */
int hub_wq_wait_outside(hub_wq *q, hub_deadline dl);
/* Async-signal-safe and thread-safe: pokes the hub of the calling OS thread
 * (or the process's first hub, from a thread without one). */
void hub_soon(void);
/* Set by a patch: called by the hub greenlet after a hub_soon, for what a
 * signal handler decided but could not do itself (the thread patch
 * interrupts greenlets a handler sent a signal to with pthread_kill). */
extern void (*hub_soon_hook)(void);

/* Sleeps b's next pause (shim/base/util.h), never past dl: 0 after it,
 * ETIMEDOUT at once when dl has passed, else as hub_sleep. */
struct gp_backoff;
int hub_pause(struct gp_backoff *b, hub_deadline dl);

/* Something outside the loop (a native worker thread, a signal) may still
 * wake a greenlet: hold a reference so an otherwise idle hub does not call
 * it a deadlock. Wait primitives above count themselves. */
void hub_ref(void);
void hub_unref(void);

/* ---- signal masks --------------------------------------------------------- */

/* Each greenlet has its own signal mask, as each thread has natively: a new
 * greenlet inherits its creator's, and the OS thread's mask follows the
 * greenlet that runs (one system call per switch between greenlets whose
 * masks differ, none otherwise). While the hub itself runs (waiting in the
 * loop), only the signals every greenlet blocks are blocked, so a signal
 * one of them accepts is handled at once, as natively some thread would.
 * Masks are kernel words (bit sig-1); glibc's internal signals and
 * SIGKILL/SIGSTOP are never blocked. */
void hub_sigmask_set(gl_t *g, uint64_t mask);
/* The OS thread's mask was changed behind the hub's back (a call that
 * bypassed hub_sigmask_set): read it again. */
void hub_sigmask_sync(void);
/* The alternate signal stack the hub set on the calling OS thread for its
 * stack-overflow report (the program had none), or NULL (hub/stack.c). */
void *hub_own_altstack(void);

/* ---- process-directed signals (hub/sig.c) -------------------------------- */

/* The kernel gives a process-directed signal (kill, alarm, a child's
 * SIGCHLD, the terminal's SIGINT) to the OS thread, whichever greenlet runs:
 * often the hub, waiting in epoll_wait while every greenlet waits. The
 * signal patch installs its own handler for the signals the program
 * catches; when it lands where no program thread would take it (the hub
 * greenlet, or a greenlet that blocks it, during a mask switch), that
 * handler passes it here. The hub then hands it to one greenlet as the
 * kernel would choose a thread: the main greenlet if it does not block it,
 * else one that is waiting, else any that does not block it; that
 * greenlet's wait is interrupted (EINTR) and the signal is raised again on
 * the OS thread while it runs (rt_tgsigqueueinfo with the original siginfo),
 * so the program's handler runs on its stack with the kernel's own
 * sa_mask, SA_NODEFER and ucontext. A signal nobody accepts is held, as the
 * kernel keeps it pending, until a greenlet unblocks it.
 * (A preemption signal of the hub's own, issue 14, must not go through
 * here: install it with the original sigaction so it never meets the
 * signal patch's table, and keep it out of every greenlet's mask.) */
#include <signal.h>
struct hub_signal {
    struct hub_signal *next;
    siginfo_t si;
};
/* Async-signal-safe: queues si for the calling OS thread's hub; 0 when the
 * hub is not armed for it (then run the handler where it landed). */
int hub_sig_defer(const siginfo_t *si);
/* Readies the calling thread's hub for hub_sig_defer (once the program
 * catches a signal). */
void hub_sig_arm(void);
/* Takes the first signal handed to the running greenlet g that is in set
 * (bit sig-1): 1 and *out, or 0. */
int hub_sig_take(gl_t *g, uint64_t set, siginfo_t *out);
/* Signals held for the process (nobody accepted them yet), bit sig-1. */
uint64_t hub_sig_held(void);
/* Takes a held signal in set: 1 and *out, or 0. */
int hub_sig_take_held(uint64_t set, siginfo_t *out);
/* Set by the signal patch: does g run the program's handlers (a program
 * thread, not one of the shim's own greenlets)? */
extern int (*hub_sig_eligible)(gl_t *g);

/* ---- work done by other OS threads (hub/remote.c) ------------------------ */

/* A greenlet that hands work to a native thread (a worker pool, a library
 * with its own threads) parks until that thread says it is done:
 *
 *     hub_remote r;
 *     hub_remote_init(&r);          // in the greenlet, before handing r over
 *     ... give the job and &r to the other thread ...
 *     hub_remote_wait(&r);          // parks; returns once the job is done
 *
 *     // on the other thread, after writing its results:
 *     hub_remote_done(&r);
 *
 * hub_remote_done may be called from any OS thread (and from a signal
 * handler): it queues r on the greenlet's hub without locks and pokes the
 * loop (ev_async); the hub marks r done and makes the greenlet runnable.
 * Everything the other thread wrote before hub_remote_done is visible to
 * the greenlet after hub_remote_wait. The wait cannot be interrupted (the
 * other thread still owns r until it has posted it): a greenlet interrupted
 * meanwhile parks again. While a wait is under way the hub counts a waker,
 * so it never reports a deadlock. r must stay valid until hub_remote_wait
 * returns; it may live on the waiting greenlet's stack. In a fork child the
 * other threads are gone: posts the parent had not delivered are dropped
 * along with the greenlets that waited for them. */
typedef struct hub_remote {
    struct hub_remote *next; /* the hub's queue of posted completions */
    struct hub *hub;         /* where the waiting greenlet lives */
    gl_t *gl;
    int done; /* set on the hub when the post is delivered */
} hub_remote;
void hub_remote_init(hub_remote *r);
void hub_remote_done(hub_remote *r);
void hub_remote_wait(hub_remote *r);
/* The same for work that can be cut short: when the greenlet is
 * interrupted (EINTR, ECANCELED), kick(arg) is called, and again every
 * 10 ms until the other thread posts r (kick must make it finish soon, as
 * a signal ends a blocking system call). Returns the first interrupt code,
 * or 0; the caller then hands it to hub_intr_hook as any wait does. */
int hub_remote_wait_intr(hub_remote *r, void (*kick)(void *), void *arg);

/* ---- thread-local storage per greenlet (hub/tcb.c) ------------------------ */

/* GEVENT_TLS: auto (a block per greenlet when a module other than libc and
 * the shim's own has TLS), greenlet (always), shared (never: every greenlet
 * of an OS thread runs on the OS thread's block, as gevent does). */
enum { HUB_TLS_AUTO, HUB_TLS_GREENLET, HUB_TLS_SHARED };
extern int hub_tcb_mode; /* HUB_TLS_GREENLET or HUB_TLS_SHARED, for new greenlets */
void hub_tcb_init(int cfg);
/* The mode for a thread created now (auto mode looks for TLS modules
 * dlopen'ed since the last call). */
int hub_tcb_wanted(void);
const char *hub_tcb_describe(void);   /* why the mode is what it is */
const char *hub_tcb_switcher(void);   /* "wrfsbase" or "arch_prctl" */
extern unsigned long hub_tcb_changes; /* %fs changes so far */
/* In an ending greenlet with its own block, on that block: thread_local
 * destructors (before pthread key destructors, as glibc), then the rest of
 * libc's per-thread clean-up that needs the block (after them). */
void hub_tcb_dtors(gl_t *g);
/* The greenlet whose thread control block is current: the running one, or
 * for the hub, which runs on whichever block it finds, that block's owner
 * (what a library the hub calls into sees as "this thread"). */
gl_t *hub_tcb_owner(void);
void hub_tcb_freeres(gl_t *g);

/* ---- diagnostics --------------------------------------------------------- */

/* Prints every greenlet of this thread's hub and what it waits on. */
void hub_dump(int fd);
/* Called when greenlets wait and nothing can ever wake them: prints the
 * dump and exits with status 3. */
void hub_would_block_forever(void) __attribute__((noreturn));

/* Greenlet that overflowed into a guard page, if addr is one. */
gl_t *hub_guard_owner(void *addr);

/* ---- diagnostics: stats and the dump signal (hub/stats.c, hub/dump.c) ---- */

/* Process-wide counters, kept only while hub_stats_on (GEVENT_STATS=1): the
 * hot paths test one flag and nothing else when it is off. Plain increments:
 * with the thread patch on, every greenlet lives on one OS thread. */
struct hub_stats {
    unsigned long created;  /* greenlets spawned */
    unsigned long switches; /* context switches, the hub's included */
    unsigned long alive, peak_alive;
    size_t stack_bytes, peak_stack_bytes; /* stack reserved by live greenlets */
    size_t deepest;                       /* deepest stack use seen when a greenlet parked, bytes */
    unsigned long parks;                  /* times a greenlet was switched out to wait */
    int64_t parked_ns;                    /* total time parked */
};
extern int hub_stats_on;
extern struct hub_stats hub_stats;
/* Set by the shim when stats are on: called in the waiting greenlet before
 * each park with -1, and after it with how long it was parked (the
 * greenlet's op names the call). */
extern void (*hub_wait_hook)(gl_t *g, int64_t parked_ns);
/* Set by the shim: appends a description of where g was created (its start
 * routine) to buf, for the dump. */
extern void (*hub_origin_hook)(gl_t *g, char *buf, size_t n);
/* Makes signo print hub_dump(2) of this thread's hub: the handler only pokes
 * the loop (ev_async), the hub greenlet prints when it next runs. 0 or errno. */
int hub_dump_on_signal(int signo);

/* ---- starvation: the monitor and preemption (hub/monitor.c, preempt.c) --- */

/* Starts the monitor thread ("gevent-monitor", a native thread made with
 * create, the original pthread_create): report_ms > 0 prints a report when
 * a greenlet has held a hub's OS thread that long (GEVENT_MONITOR);
 * slice_ms > 0 preempts a greenlet that has run that long (GEVENT_PREEMPT).
 * 0, or an errno value. */
#include <pthread.h>
int hub_monitor_start(unsigned report_ms, unsigned slice_ms,
                      int (*create)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                    void *));
/* Signal 64 (SIGRTMAX) is the shim's own while the monitor or preemption
 * is on, but the program keeps it: an instance that is not the shim's (a
 * kill, a program's timer, pthread_kill) is passed to hub_sig_foreign, set
 * by the signal patch, which treats it as the program's disposition says
 * (hub_sig_shared_prev: the disposition before the shim took it, the
 * program's view until it sets one). Without that hook, the default. */
extern void (*hub_sig_foreign)(int sig, siginfo_t *si, void *uc);
int hub_sig_shared(int sig); /* 1: sig's kernel disposition is the hub's */
extern struct sigaction hub_sig_shared_prev;
/* Counters for GEVENT_STATS. */
struct hub_monitor_stats {
    unsigned long reports;     /* monitor reports printed */
    unsigned long preemptions; /* greenlets switched out for their time slice */
    unsigned long at_calls;    /* ... at a patched call */
    unsigned long at_signals;  /* ... from the preemption signal */
    unsigned long slices;      /* time slices that ran out */
};
extern struct hub_monitor_stats hub_monitor_stats;
/* Calls fn(a, b, c) and returns its result, marking on the stack where the
 * program's own frames begin: a greenlet's start routine must be called
 * through it to be preemptible from the signal (preempt.c). */
void *hub_call_base(void *fn, void *a, void *b, void *c);
/* The process's main ran through hub_call_base (the thread patch's
 * __libc_start_main): its main greenlet is preemptible from the signal. */
extern int hub_main_based;

/* ---- children and fork (hub/child.c, hub/fork.c; the os and signal
 * patches) ------------------------------------------------------------------ */

/* SIGCHLD arrivals, counted while anybody watches (between hub_child_watch
 * and hub_child_unwatch). Read before trying a real wait with WNOHANG;
 * hub_child_wait(gen, ...) then returns at once if one came in between. */
unsigned hub_child_gen(void);
void hub_child_watch(void);
void hub_child_unwatch(void);
/* Async-signal-safe: a SIGCHLD arrived (or the set of children may have
 * changed): bumps the count and wakes every greenlet in hub_child_wait. */
void hub_child_notify(void);
/* Greenlets (all hubs) in hub_child_wait now. */
unsigned hub_child_waiters(void);
/* Parks until hub_child_notify() after gen, or an interrupt (the code).
 * reliable: the caller knows hub_child_notify() runs on every SIGCHLD; the
 * hub owning libev's default loop then parks for good, any other hub (or
 * !reliable) polls instead, poll's next pause (HUB_CHILD_POLL: 1 ms
 * doubling up to 50 ms), returning 0 on each tick so the caller retries.
 * pid is what the dump shows. */
#define HUB_CHILD_POLL GP_BACKOFF(1000000, 50000000)
int hub_child_wait(unsigned gen, long pid, int reliable, struct gp_backoff *poll);
/* In a fork child: only the calling greenlet survives, the loop is
 * re-initialised. Runs from a pthread_atfork child handler registered before
 * any of the program's; callable again harmlessly. */
void hub_fork_child(void);
/* Registers hub_fork_child as a child handler, once. */
void hub_fork_register(void);

/* ---- the shim's own descriptors (privfd.c) -------------------------------- */

/* libev's descriptors, moved to high close-on-exec slots when created and
 * out of the way when the program closes or replaces their numbers. */
int hub_priv_from_libev(const void *ra); /* a return address inside libev */
int hub_priv_adopt(int fd);              /* a new libev fd: its high slot */
int hub_priv_is(int fd);                 /* fd is one of ours now */
int hub_priv_evict(int fd);              /* ours moves elsewhere; 1 if fd was ours */
int hub_priv_xlate(int fd);              /* libev's number -> where it is now */
void hub_priv_forget(int fd);            /* libev closed its number fd */
int hub_priv_list(int *out, int max);    /* where ours are now */
#define HUB_PRIV_MAX 64 /* how many: libev's few, c-ares' sockets (resolver/chan.c) */
extern int hub_priv_moved;
/* In a hook: fd as libev's own call means it (ra: the hook's return address). */
static inline int hub_priv_fd(int fd, const void *ra)
{
    return __builtin_expect(hub_priv_moved, 0) && hub_priv_from_libev(ra) ? hub_priv_xlate(fd) : fd;
}

#endif
