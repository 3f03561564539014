/* Shared by the thread patch files: the record behind a greenlet's
 * pthread_t, and the identity helpers the lock implementations use. */
#ifndef GP_THREAD_H
#define GP_THREAD_H

#include <pthread.h>
#include <stdint.h>

#include "patch.h"

struct gth_keys;

/* What _Unwind_ForcedUnwind needs: struct _Unwind_Exception's size and
 * alignment, without unwind.h's declarations leaking into every file. */
struct gth_exc {
    uint64_t cls;
    void (*cleanup)(int, void *);
    uintptr_t priv[2];
} __attribute__((aligned(16)));

/* One per greenlet created by pthread_create (its pthread_t is the record's
 * address) and one per OS thread's main greenlet, created on first need
 * (its pthread_t is the real one, so glibc functions we do not interpose
 * keep working there). Lives until joined, or until exit when detached. */
struct gth {
    pthread_t self;
    gl_t *gl; /* NULL once exited */
    void *(*start)(void *);
    void *arg;
    void *ret;
    unsigned char detached, exited, joining, is_main;
    unsigned char keys_done; /* key destructors have run: values set now are dropped */
    struct gth *joins;       /* the thread this one is joining, for EDEADLK */
    hub_wq joinq;
    struct gth_keys *keys;

    /* cancellation and exit (thread_cancel.c) */
    unsigned char cancel_req;                    /* pthread_cancel was called */
    unsigned char cancel_off;                    /* PTHREAD_CANCEL_DISABLE */
    unsigned char cancel_async;                  /* PTHREAD_CANCEL_ASYNCHRONOUS */
    unsigned char exiting;                       /* unwinding towards the end: no more cancels */
    void *exit_value;                            /* what the joiner gets once unwound */
    __pthread_unwind_buf_t *cleanup;             /* innermost pthread_cleanup_push */
    struct _pthread_cleanup_buffer *old_cleanup; /* _pthread_cleanup_push (old ABI) */
    uintptr_t base_cfa;        /* unwinding ends at this frame (0: end of stack) */
    struct gth_exc exc;        /* the forced-unwind "exception" */
    uint64_t sigpending;       /* pthread_kill'ed signals not delivered yet, bit sig-1 */
    uint64_t sigraised;        /* of those, sent by raise (si_code SI_USER, not SI_TKILL) */
    unsigned char sigmore[64]; /* real-time ones: instances queued behind the first */
    int *once;                 /* the pthread_once_t whose init routine it runs */

    /* robust mutexes held (thread_mutex.c), released when it ends */
    void **robust;
    unsigned nrobust, caprobust;

    /* attributes it was created with, for pthread_getattr_np; the policy
     * and priority as pthread_setschedparam left them (sched_set: given
     * explicitly, or inherited from a creator that had them; else the OS
     * thread's) */
    size_t guardsize;
    int sched_policy, sched_prio, inherit, scope;
    unsigned char sched_set;
};

/* The calling greenlet's record (created for a main greenlet on demand);
 * NULL only on ENOMEM. */
struct gth *gth_self(void);
/* The record of this OS thread's main greenlet if t is its pthread_t
 * (made now if it has none yet: main may never have asked for its own). */
struct gth *gth_find_main(pthread_t t);
/* The record of a pthread_t created under the shim, or of a main greenlet
 * seen before; NULL if unknown (a native thread, or already joined). */
struct gth *gth_find(pthread_t t);
/* The hub was poked: greenlets a signal handler sent a signal to with
 * pthread_kill while they were parked are interrupted (thread_signal.c). */
void gth_kill_soon(void);

/* Ends the calling greenlet th: key destructors, robust mutexes, joiners.
 * Runs no cleanup handler: see gth_unwind. */
void gth_exit(struct gth *th, void *ret) __attribute__((noreturn));
/* Ends the calling greenlet th with ret the way pthread_exit does: runs its
 * cleanup handlers (pthread_cleanup_push, and C++ destructors on the way
 * when libgcc's unwinder is there), then gth_exit. */
void gth_unwind(struct gth *th, void *ret) __attribute__((noreturn));
/* th unwinds out of a pthread_once init routine (cancelled, or
 * pthread_exit): the once control goes back to "never called". */
void gth_once_undo(struct gth *th);
/* Recomputes th->gl->pending from the cancel state and pending signals. */
void gth_update_pending(struct gth *th);
/* The robust mutexes th holds are marked owner-dead and their waiters
 * woken (thread_mutex.c). */
void gth_robust_release(struct gth *th);
/* Our own cancellation points (pthread_cond_wait, sem_wait, pthread_join,
 * ...) call this where they may act: on entry, and once their wait came
 * back with ECANCELED and their state is put right. Acts (never returns)
 * if a cancellation is pending and enabled, else returns. */
void gth_testcancel(void);

/* The record of t; *other set when t runs on another OS thread (the main
 * greenlet of a native thread: glibc's own calls reach it there). */
struct gth *gth_target(pthread_t t, int *other);
/* Raises th's signals sent with pthread_kill, now that th runs: each
 * handler runs on th's stack. 1 if every handler that ran has SA_RESTART. */
int gth_deliver(struct gth *th);
/* Takes one instance of th's pending sig (a real-time signal queues): its
 * si_code, SI_USER or SI_TKILL. */
int gth_take_pending(struct gth *th, int sig);

/* Raw futexes' part (futex.c). */
void gth_futex_init(void);
void gth_timer_init(void); /* thread_timer.c */

int gth_os_tid(void); /* the calling OS thread's kernel tid */

/* Owner ids written into lock words: greenlet ids (>= 1<<22) for greenlets,
 * the kernel tid for main greenlets (as glibc writes), so a native thread
 * using glibc's own code on the same mutex sees a consistent owner. */
static inline int gth_owner_id(void)
{
    gl_t *g = hub_tls.cur;
    if (!g) g = gl_self();
    return g ? (int)g->id : gth_os_tid(); /* no hub (no memory left for it): as a main greenlet */
}

/* Owner ids are unique within a process only (a forked child goes on with
 * its parent's ids, and both go on counting): an object shared between
 * processes records its owner's pid next to the id. */
pid_t gth_pid(void);
void gth_thread_init(void); /* thread.c's part of the set-up */

/* Does the owner id belong to a greenlet of this OS thread's hub, i.e. one
 * that will wake our wait queue when it unlocks? Anything else (a native
 * thread, another process) is polled for. */
int gth_owner_is_local(int owner);

/* Brief cooperative polling sleep, for waits on objects another OS thread or
 * process may release: b's next pause (GTH_POLL: doubles from 50 us to
 * 5 ms), never past dl. Returns ETIMEDOUT once dl has passed, ECANCELED
 * when one of our own cancellation points is to act (see gth_testcancel),
 * EINTR after a handler without SA_RESTART, else 0. */
#define GTH_POLL GP_BACKOFF(50000, 5000000)
int gth_poll_wait(gp_backoff *b, hub_deadline dl);

#endif
