/* thread: pthread_create makes a greenlet; the lifecycle, identity, keys and
 * once-control around it keep their pthread contracts. */
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <sys/single_threaded.h>
#include <signal.h>
#include <sched.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "thread.h"

#define KEYS_BLOCK        32
#define KEYS_BLOCKS       (PTHREAD_KEYS_MAX / KEYS_BLOCK)
#define DESTRUCTOR_ROUNDS PTHREAD_DESTRUCTOR_ITERATIONS

/* ---- the registry: pthread_t -> record ------------------------------------ */

/* Records by pthread_t (a pthread_t is never 0): lets us tell our greenlets
 * from native threads, and answer ESRCH for unknown ids instead of
 * dereferencing them. */
static gp_pset reg = {.key_off = offsetof(struct gth, self)};
_Static_assert(sizeof(pthread_t) == sizeof(uintptr_t), "pthread_t is the key");

struct gth *gth_find(pthread_t t)
{
    return gp_pset_find(&reg, (uintptr_t)t);
}

static int reg_insert(struct gth *th)
{
    return gp_pset_add(&reg, th);
}

static void reg_remove(struct gth *th)
{
    gp_pset_del(&reg, th);
}

/* ---- identity ------------------------------------------------------------- */

static __thread int tls_tid __attribute__((tls_model("initial-exec")));

/* A main greenlet's record, made on first need under its real pthread_t
 * (its thread pointer: the OS thread's). */
static struct gth *main_record(gl_t *g, pthread_t self)
{
    struct gth *th = calloc(1, sizeof *th);
    if (!th) return NULL;
    th->self = self;
    th->gl = g;
    th->is_main = 1;
    if (reg_insert(th)) {
        free(th);
        return NULL;
    }
    g->local = th;
    return th;
}

struct gth *gth_self(void)
{
    gl_t *g = gl_self();
    if (!g) return NULL;
    if (g->local) return g->local;
    return main_record(g, REAL(pthread_self)());
}

struct gth *gth_find_main(pthread_t t)
{
    gl_t *m = hub_main_greenlet();
    if (!m) return NULL;
    if (m->local) return ((struct gth *)m->local)->self == t ? m->local : NULL;
    /* the thread pointer it runs with: its own, or the OS thread's (which
     * the calling greenlet shares when it has none of its own) */
    pthread_t mt = m->tcb ? (pthread_t)m->tcb : hub_tls.cur->tcb_mem ? 0 : REAL(pthread_self)();
    return mt && mt == t ? main_record(m, t) : NULL;
}

int gth_owner_is_local(int owner)
{
    if (hub_solo()) return 0;         /* its unlocker is on another OS thread */
    if (owner >= (1 << 22)) return 1; /* a greenlet id: never a kernel tid */
    if (!tls_tid) tls_tid = gettid();
    return owner == tls_tid;
}

int gth_poll_wait(gp_backoff *b, hub_deadline dl)
{
    int r = hub_pause(b, dl);
    /* EINTR: a handler ran, no SA_RESTART */
    return r == ETIMEDOUT || r == ECANCELED || r == EINTR ? r : 0;
}

static pid_t pid_cache GP_FORK_DATA;

GP_FORK_CODE static void pid_forget(void)
{
    GP_SET(pid_cache, 0);
    GP_SET(tls_tid, 0); /* the fork child is a new task */
}

int gth_os_tid(void)
{
    if (!tls_tid) tls_tid = gettid();
    return tls_tid;
}

pid_t gth_pid(void)
{
    if (!pid_cache) pid_cache = getpid();
    return pid_cache;
}

#ifdef __SANITIZE_ADDRESS__
static int san_range(struct dl_phdr_info *info, size_t size, void *data);
#endif

void gth_thread_init(void)
{
#ifdef __SANITIZE_ADDRESS__
    dl_iterate_phdr(san_range, NULL);
#endif
    gp_atfork(NULL, NULL, pid_forget);
    hub_soon_hook = gth_kill_soon;
}

#ifdef __SANITIZE_ADDRESS__
/* The sanitizer runtime (make SANITIZE=1) keeps its per-thread state under
 * a pthread key and finds its thread's stack with pthread_self and
 * pthread_getattr_np, through these hooks (it is loaded after the shim). It
 * must see the OS thread, whose one sanitizer thread the fiber annotations
 * of hub.c switch from stack to stack: a greenlet's view (no value for its
 * key) made it find no thread of its own inside a greenlet and ignore
 * every fiber switch there, and take a greenlet's or the hub's stack for
 * the thread's ("ASan is ignoring requested __asan_handle_no_return", false
 * stack reports on reused stacks). Its values are kept per OS thread (the
 * shim's own TLS is carried from block to block, hub/tcb.c). */
static uintptr_t san_lo[4], san_hi[4];
static int san_n;
static __thread void *san_val[64] __attribute__((tls_model("initial-exec")));
static __thread unsigned char san_set[64] __attribute__((tls_model("initial-exec")));

static int san_range(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    const char *n = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
    n = n ? n + 1 : info->dlpi_name;
    if (!n || (strncmp(n, "libasan.so", 10) && strncmp(n, "libubsan.so", 11))) return 0;
    for (int i = 0; i < info->dlpi_phnum && san_n < 4; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        san_lo[san_n] = info->dlpi_addr + ph->p_vaddr;
        san_hi[san_n] = san_lo[san_n] + ph->p_memsz;
        san_n++;
    }
    return 0;
}

static int from_sanitizer(const void *ra)
{
    for (int i = 0; i < san_n; i++)
        if ((uintptr_t)ra >= san_lo[i] && (uintptr_t)ra < san_hi[i]) return 1;
    return 0;
}
#define SAN_CALLER from_sanitizer(__builtin_return_address(0))
#else
#define SAN_CALLER 0
#endif

/* A spawned greenlet (not a main one, not the hub) is running. */
static inline struct gth *spawned(void)
{
    gl_t *g = hub_tls.cur;
    return g && g->local && !g->is_main ? g->local : NULL;
}

pthread_t pthread_self(void)
{
    if (SAN_CALLER) return REAL(pthread_self)();
    struct gth *th = spawned();
    return th ? th->self : REAL(pthread_self)();
}
GP_HOOK_ALIAS(pthread_self)

int pthread_equal(pthread_t a, pthread_t b)
{
    return a == b;
}

/* ---- thread-specific data ------------------------------------------------- */

/* Keys are glibc's own (so indices never clash with keys made before we
 * were initialised); values of spawned greenlets live here, of main
 * greenlets in glibc. seq is odd while a key is in use and changes on every
 * create/delete, so a value set under a deleted key is never returned. */
static struct {
    unsigned seq;
    void (*dtor)(void *);
} keys[PTHREAD_KEYS_MAX];

struct gth_keys {
    struct slot {
        unsigned seq;
        void *val;
    } * blk[KEYS_BLOCKS];
};

int pthread_key_create(pthread_key_t *key, void (*dtor)(void *))
{
    int r = REAL(pthread_key_create)(key, dtor);
    if (r == 0 && *key < PTHREAD_KEYS_MAX) {
        keys[*key].dtor = dtor;
        __atomic_fetch_add(&keys[*key].seq, 1, __ATOMIC_RELEASE);
    }
    return r;
}

int pthread_key_delete(pthread_key_t key)
{
    int r = REAL(pthread_key_delete)(key);
    if (r == 0 && key < PTHREAD_KEYS_MAX) __atomic_fetch_add(&keys[key].seq, 1, __ATOMIC_RELEASE);
    return r;
}

/* The allocator may call pthread_setspecific itself from inside the calloc
 * below (jemalloc registers its thread cleanup on a thread's first
 * allocation): what that nested call stored is kept, ours is given back. */
static struct slot *key_slot(struct gth *th, pthread_key_t key, int create)
{
    if (!th->keys) {
        struct gth_keys *k = create ? calloc(1, sizeof *k) : NULL;
        if (!k) return NULL;
        /* the compiler assumes calloc changes no memory of ours: reload */
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        if (th->keys)
            free(k);
        else
            th->keys = k;
    }
    struct slot **b = &th->keys->blk[key / KEYS_BLOCK];
    if (!*b) {
        struct slot *blk = create ? calloc(KEYS_BLOCK, sizeof *blk) : NULL;
        if (!blk) return NULL;
        __atomic_signal_fence(__ATOMIC_SEQ_CST);
        b = &th->keys->blk[key / KEYS_BLOCK];
        if (*b)
            free(blk);
        else
            *b = blk;
    }
    return &(*b)[key % KEYS_BLOCK];
}

/* Whose values: the thread whose block is current. The hub runs on a
 * parked greenlet's block, and an allocator called from it for the first
 * time on that block (jemalloc, mimalloc, tcmalloc keep a thread's cache in
 * TLS) registers that thread's clean-up: it must run when the greenlet
 * ends, not be stored in the OS thread's slot and leak or dangle. */
static inline struct gth *keys_owner(void)
{
    gl_t *g = hub_tcb_owner();
    return g && g->local && !g->is_main ? g->local : NULL;
}

void *pthread_getspecific(pthread_key_t key)
{
#ifdef __SANITIZE_ADDRESS__
    if (SAN_CALLER && key < 64) {
        if (san_set[key]) return san_val[key];
        void *v = REAL(pthread_getspecific)(key); /* the OS thread's own block */
        if (v) san_val[key] = v, san_set[key] = 1;
        return v;
    }
#endif
    struct gth *th = keys_owner();
    if (!th || !gp_syms[GP_SYM_pthread_getspecific].on) return REAL(pthread_getspecific)(key);
    if (key >= PTHREAD_KEYS_MAX) return NULL;
    struct slot *s = key_slot(th, key, 0);
    return s && s->seq == keys[key].seq ? s->val : NULL;
}

int pthread_setspecific(pthread_key_t key, const void *val)
{
#ifdef __SANITIZE_ADDRESS__
    if (SAN_CALLER && key < 64) {
        san_val[key] = (void *)val;
        san_set[key] = 1;
        return REAL(pthread_setspecific)(key, val);
    }
#endif
    struct gth *th = keys_owner();
    if (!th || !gp_syms[GP_SYM_pthread_setspecific].on) return REAL(pthread_setspecific)(key, val);
    if (key >= PTHREAD_KEYS_MAX || !(keys[key].seq & 1)) return EINVAL;
    /* After its destructors a thread's values are never read again: an
     * allocator that re-registers its cleanup from free() (jemalloc's
     * "reincarnated" state) while we free the table must not allocate or
     * write into it. glibc keeps such a value in struct pthread and drops it. */
    if (th->keys_done) return 0;
    struct slot *s = key_slot(th, key, 1);
    if (!s) return ENOMEM;
    s->seq = keys[key].seq;
    s->val = (void *)val;
    return 0;
}

/* Destructors run for non-NULL values, repeated while they set new ones. */
static void keys_run_destructors(struct gth *th)
{
    if (!th->keys) {
        th->keys_done = 1;
        return;
    }
    for (int round = 0; round < DESTRUCTOR_ROUNDS; round++) {
        int again = 0;
        for (int b = 0; b < KEYS_BLOCKS; b++) {
            struct slot *blk = th->keys->blk[b];
            for (int i = 0; blk && i < KEYS_BLOCK; i++) {
                int k = b * KEYS_BLOCK + i;
                void *v = blk[i].val;
                if (!v || blk[i].seq != keys[k].seq) continue;
                blk[i].val = NULL;
                if (keys[k].dtor) {
                    keys[k].dtor(v);
                    again = 1;
                }
            }
        }
        if (!again) break;
    }
    struct gth_keys *k = th->keys; /* detached first: free() may call pthread_setspecific */
    th->keys = NULL;
    th->keys_done = 1;
    for (int b = 0; b < KEYS_BLOCKS; b++) free(k->blk[b]);
    free(k);
}

/* ---- create, exit, join, detach ------------------------------------------ */

static void gth_free(struct gth *th)
{
    reg_remove(th);
    free(th);
}

void gth_exit(struct gth *th, void *ret)
{
    th->exiting = 1;
    th->gl->pending = 0;
    hub_tcb_dtors(th->gl); /* thread_local destructors first, as glibc */
    keys_run_destructors(th);
    hub_tcb_freeres(th->gl);
    gth_robust_release(th);
    free(th->robust);
    th->robust = NULL;
    th->nrobust = th->caprobust = 0;
    th->ret = ret;
    th->exited = 1;
    th->gl->local = NULL;
    th->gl = NULL;
    if (th->detached)
        gth_free(th);
    else
        hub_wq_wake_all(&th->joinq);
    gl_exit();
}

static void gth_main(void *arg)
{
    struct gth *th = arg;
    /* A cancellation unwinds the start routine's frames and no further. */
    th->base_cfa = (uintptr_t)__builtin_dwarf_cfa();
    /* through hub_call_base: where the program's frames begin (preemption) */
    gth_exit(th, hub_call_base((void *)th->start, th->arg, NULL, NULL));
}

/* A new thread starts with its creator's name, as a new task inherits comm. */
static void inherit_name(gl_t *g)
{
    gl_t *me = gl_self();
    if (me->is_main && !me->name[0])
        REAL(pthread_getname_np)(REAL(pthread_self)(), me->name, sizeof me->name);
    memcpy(g->name, me->name, sizeof g->name);
}

/* The program's main runs through hub_call_base, as every greenlet's start
 * routine does: its frames end at the marker the preemption signal's stack
 * scan stops at, above libc's start-up frames, so the main thread is
 * preemptible like any other thread (issue 14). Only when the shim is
 * preloaded (a dlopen'ed shim comes after main started). */
static int (*prog_main)(int, char **, char **);

static int main_based(int argc, char **argv, char **envp)
{
    hub_main_based = 1;
    return (int)(intptr_t)hub_call_base((void *)prog_main, (void *)(intptr_t)argc, argv, envp);
}

int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end);
int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
    if (main && gp_syms[GP_SYM___libc_start_main].on) {
        prog_main = main;
        main = main_based;
    }
    return REAL(__libc_start_main)(main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* The stack the program gave with pthread_attr_setstack or setstackaddr,
 * NULL if none. glibc's attr records the stack's top, NULL until one is set,
 * and pthread_attr_getstack answers top - the attr's own size (NULL - size
 * when none was given; pthread_attr_getstackaddr would say so directly but
 * is deprecated). The size used is pthread_attr_getstacksize's, glibc's
 * default when only the address was set, as glibc's pthread_create does. */
static void *attr_given_stack(const pthread_attr_t *attr, size_t size)
{
    void *lo;
    size_t own;
    if (pthread_attr_getstack(attr, &lo, &own) != 0) return NULL;
    uintptr_t top = (uintptr_t)lo + own;
    return top ? (char *)top - size : NULL;
}

int pthread_create(pthread_t *restrict t, const pthread_attr_t *restrict attr, void *(*fn)(void *),
                   void *restrict arg)
{
    if (!gp_enter(GP_SYM_pthread_create)) return REAL(pthread_create)(t, attr, fn, arg);
    gl_t *me = gl_self(); /* the first call of the thread has no greenlet yet in gp_enter */
    if (me && !me->op_ra) {
        me->op = GP_SYM_pthread_create + 1;
        me->op_ra = __builtin_return_address(0); /* the creation site the dump shows */
    }
    size_t stack = 0;
    void *given = NULL;
    int detach = PTHREAD_CREATE_JOINABLE, err;
    struct gth *th = calloc(1, sizeof *th);
    if (!th) return EAGAIN;
    th->guardsize = (size_t)sysconf(_SC_PAGESIZE);
    th->inherit = PTHREAD_INHERIT_SCHED;
    th->scope = PTHREAD_SCOPE_SYSTEM;
    if (attr) {
        struct sched_param sp = {0};
        pthread_attr_getdetachstate(attr, &detach);
        pthread_attr_getstacksize(attr, &stack);
        pthread_attr_getguardsize(attr, &th->guardsize);
        pthread_attr_getinheritsched(attr, &th->inherit);
        pthread_attr_getscope(attr, &th->scope);
        pthread_attr_getschedpolicy(attr, &th->sched_policy);
        pthread_attr_getschedparam(attr, &sp);
        th->sched_prio = sp.sched_priority;
        given = attr_given_stack(attr, stack);
        if (given) th->guardsize = 0; /* glibc guards no stack of the program's */
    }
    if (th->inherit == PTHREAD_EXPLICIT_SCHED) {
        th->sched_set = 1;
    } else {
        struct gth *self = gth_self();
        if (self && self->sched_set) {
            th->sched_set = 1;
            th->sched_policy = self->sched_policy;
            th->sched_prio = self->sched_prio;
        }
    }
    /* A new thread inherits its creator's cancellation type and state
     * only in part: POSIX starts it enabled and deferred. Its signals
     * pending with pthread_kill start empty, as natively. */
    th->self = (pthread_t)th;
    th->start = fn;
    th->arg = arg;
    th->detached = detach == PTHREAD_CREATE_DETACHED;
    if (reg_insert(th)) {
        free(th);
        return EAGAIN;
    }
    gl_t *g = given ? gl_spawn_thread_on(given, stack, gth_main, th, &err)
                    : gl_spawn_thread(stack, gth_main, th, &err);
    if (!g) {
        gth_free(th);
        return EAGAIN;
    }
    g->local = th;
    th->gl = g;
    /* The program has more than one thread now, as glibc's pthread_create
     * would record: libstdc++ skips the hand-shake between a stop_token's
     * callback and its destructor while this says single-threaded (a
     * jthread stopped while it waits would never be joined). */
    __libc_single_threaded = 0;
    inherit_name(g);
    sigset_t ss; /* pthread_attr_setsigmask_np: its mask instead of ours */
    if (attr && pthread_attr_getsigmask_np(attr, &ss) == 0) {
        uint64_t m;
        memcpy(&m, &ss, sizeof m);
        hub_sigmask_set(g, m);
    }
    *t = th->self;
    return 0;
}
GP_HOOK_ALIAS(pthread_create)

void pthread_exit(void *ret)
{
    if (!gp_enter(GP_SYM_pthread_exit)) REAL(pthread_exit)(ret);
    struct gth *th = gth_self();
    if (!th) REAL(pthread_exit)(ret);
    if (th->exiting) { /* from a cleanup handler or a destructor while unwinding */
        th->exit_value = ret;
        gth_unwind(th, ret);
    }
    if (th->is_main && getpid() != gettid()) {
        /* A native thread's main greenlet: the OS thread itself must end
         * through glibc, once the greenlets it carries have finished. */
        gp_backoff backoff = GTH_POLL;
        while (hub_alive() > 1) gth_poll_wait(&backoff, hub_never());
        REAL(pthread_exit)(ret);
    }
    gth_unwind(th, ret); /* the process's main: it lives on while others run */
}

/* The shared part of the join family: dl NULL means "do not wait". */
/* With the thread subsystem on, a pthread_t we do not know is a thread that
 * was already joined (or never existed): ESRCH, rather than letting glibc
 * dereference it. */
static int join(pthread_t t, void **ret, const hub_deadline *dl)
{
    struct gth *self = gth_self(), *th = gth_find(t);
    if (!self) return ENOMEM;
    if (dl) gth_testcancel(); /* a cancellation point, except tryjoin */
    if (!th) return ESRCH;
    if (th == self || th->joins == self) return EDEADLK;
    if (th->detached || th->joining) return EINVAL;
    if (!th->exited) {
        if (!dl) return EBUSY;
        th->joining = 1;
        self->joins = th;
        int r = 0;
        while (!th->exited && r != ETIMEDOUT) {
            r = hub_wq_wait(&th->joinq, NULL, *dl);
            if (r == ECANCELED) { /* th stays joinable, as natively */
                self->joins = NULL;
                th->joining = 0;
                gth_testcancel();
                th->joining = 1;
                self->joins = th;
            }
        }
        self->joins = NULL;
        th->joining = 0;
        if (!th->exited) return ETIMEDOUT;
    }
    if (ret) *ret = th->ret;
    gth_free(th);
    return 0;
}

int pthread_join(pthread_t t, void **ret)
{
    if (!gp_enter(GP_SYM_pthread_join)) return REAL(pthread_join)(t, ret);
    hub_deadline never = hub_never();
    return join(t, ret, &never);
}

int pthread_tryjoin_np(pthread_t t, void **ret)
{
    if (!gp_enter(GP_SYM_pthread_tryjoin_np)) return REAL(pthread_tryjoin_np)(t, ret);
    return gp_none_rc(join(t, ret, NULL));
}

int pthread_clockjoin_np(pthread_t t, void **ret, clockid_t clock, const struct timespec *abstime)
{
    if (!gp_enter(GP_SYM_pthread_clockjoin_np))
        return REAL(pthread_clockjoin_np)(t, ret, clock, abstime);
    hub_deadline dl = hub_never();
    if (clock != CLOCK_REALTIME && clock != CLOCK_MONOTONIC) return EINVAL;
    if (abstime && hub_at_ts(clock, abstime, &dl)) return EINVAL;
    return join(t, ret, &dl);
}

int pthread_timedjoin_np(pthread_t t, void **ret, const struct timespec *abstime)
{
    if (!gp_enter(GP_SYM_pthread_timedjoin_np)) return REAL(pthread_timedjoin_np)(t, ret, abstime);
    hub_deadline dl = hub_never();
    if (abstime && hub_at_ts(CLOCK_REALTIME, abstime, &dl)) return EINVAL;
    return join(t, ret, &dl);
}

int pthread_detach(pthread_t t)
{
    if (!gp_enter(GP_SYM_pthread_detach)) return REAL(pthread_detach)(t);
    gth_self(); /* so that the main thread's own id is known */
    struct gth *th = gth_find(t);
    if (!th) return ESRCH;
    if (th->detached) return EINVAL;
    th->detached = 1;
    if (th->exited) gth_free(th);
    return 0;
}

/* ---- once ----------------------------------------------------------------- */

/* glibc's encoding: bit 0 "in progress", bit 1 "done", so a once_control
 * used natively before we were initialised reads the same. A greenlet
 * running the init routine may yield; the others wait on the hub, polling
 * in case the runner is a native thread. */
#define ONCE_INPROGRESS 1
#define ONCE_DONE       2
static hub_wq once_wq;

void gth_once_undo(struct gth *th)
{
    if (!th->once) return;
    __atomic_store_n(th->once, 0, __ATOMIC_RELEASE);
    th->once = NULL;
    hub_wq_wake_all(&once_wq);
}

int pthread_once(pthread_once_t *once, void (*init)(void))
{
    if (!gp_enter(GP_SYM_pthread_once)) return REAL(pthread_once)(once, init);
    int *w = (int *)once;
    for (;;) {
        int v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
        if (v & ONCE_DONE) return 0;
        if (!(v & ONCE_INPROGRESS)) {
            if (!__atomic_compare_exchange_n(w, &v, ONCE_INPROGRESS, 0, __ATOMIC_ACQUIRE,
                                             __ATOMIC_RELAXED))
                continue;
            /* cancelled inside init: as if pthread_once had never been
             * called, and a waiter takes over (gth_unwind calls once_undo) */
            struct gth *th = gth_self();
            int *outer = th ? th->once : NULL;
            if (th) th->once = w;
            init();
            if (th) th->once = outer;
            __atomic_store_n(w, ONCE_DONE, __ATOMIC_RELEASE);
            hub_wq_wake_all(&once_wq);
            return 0;
        }
        hub_wq_wait(&once_wq, NULL, hub_after_ns(5000000));
    }
}

/* ---- attributes and names ------------------------------------------------- */

int pthread_getattr_np(pthread_t t, pthread_attr_t *attr)
{
    if (SAN_CALLER) return REAL(pthread_getattr_np)(t, attr);
    struct gth *th = gp_enter(GP_SYM_pthread_getattr_np) ? gth_find(t) : NULL;
    if (!th || th->is_main) return REAL(pthread_getattr_np)(t, attr);
    if (!th->gl) return ESRCH;
    int r = pthread_attr_init(attr);
    if (r) return r;
    pthread_attr_setstack(attr, th->gl->stack_lo, th->gl->stack_size);
    pthread_attr_setguardsize(attr, th->guardsize);
    pthread_attr_setdetachstate(attr,
                                th->detached ? PTHREAD_CREATE_DETACHED : PTHREAD_CREATE_JOINABLE);
    /* What it was created with: every greenlet really runs as its OS
     * thread does, but the program sees what it asked for. */
    struct sched_param sp = {.sched_priority = th->sched_prio};
    pthread_attr_setinheritsched(attr, th->inherit);
    pthread_attr_setscope(attr, th->scope);
    pthread_attr_setschedpolicy(attr, th->sched_policy);
    pthread_attr_setschedparam(attr, &sp);
    return 0;
}

/* A greenlet's scheduling policy and priority are what it was given (at
 * creation with PTHREAD_EXPLICIT_SCHED, or since by pthread_setschedparam):
 * reported back, never applied, since it runs on the hub's OS thread with
 * every other greenlet (README, Limits). Checked as the kernel would:
 * EINVAL for a policy or priority out of range, EPERM for a real-time one
 * the process may not have. The main thread's stay the OS thread's. */
static int sched_check(int policy, int prio)
{
    int lo = sched_get_priority_min(policy), hi = sched_get_priority_max(policy);
    if (lo < 0 || hi < 0 || prio < lo || prio > hi) return EINVAL;
    if (prio > 0 && geteuid() != 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_RTPRIO, &rl) != 0 ||
            (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)prio))
            return EPERM;
    }
    return 0;
}

static int sched_get(struct gth *th, int *policy, struct sched_param *param)
{
    if (!th->sched_set) /* as its OS thread, which it inherited from */
        return REAL(pthread_getschedparam)(REAL(pthread_self)(), policy, param);
    *policy = th->sched_policy;
    memset(param, 0, sizeof *param);
    param->sched_priority = th->sched_prio;
    return 0;
}

static int sched_set(struct gth *th, int policy, int prio)
{
    int r = sched_check(policy, prio);
    if (r) return r;
    th->sched_policy = policy;
    th->sched_prio = prio;
    th->sched_set = 1;
    return 0;
}

int pthread_getschedparam(pthread_t t, int *restrict policy, struct sched_param *restrict param)
{
    struct gth *th = gp_enter(GP_SYM_pthread_getschedparam) ? gth_find(t) : NULL;
    if (!th || th->is_main) return REAL(pthread_getschedparam)(t, policy, param);
    return th->gl ? sched_get(th, policy, param) : ESRCH;
}

int pthread_setschedparam(pthread_t t, int policy, const struct sched_param *param)
{
    struct gth *th = gp_enter(GP_SYM_pthread_setschedparam) ? gth_find(t) : NULL;
    if (!th || th->is_main) return REAL(pthread_setschedparam)(t, policy, param);
    return th->gl ? sched_set(th, policy, param->sched_priority) : ESRCH;
}

int pthread_setschedprio(pthread_t t, int prio)
{
    struct gth *th = gp_enter(GP_SYM_pthread_setschedprio) ? gth_find(t) : NULL;
    if (!th || th->is_main) return REAL(pthread_setschedprio)(t, prio);
    if (!th->gl) return ESRCH;
    int policy;
    struct sched_param sp;
    int r = sched_get(th, &policy, &sp);
    return r ? r : sched_set(th, policy, prio);
}

#define NAME_MAX_LEN 16 /* TASK_COMM_LEN, with the NUL */

int pthread_setname_np(pthread_t t, const char *name)
{
    struct gth *th = gp_enter(GP_SYM_pthread_setname_np) ? gth_find(t) : NULL;
    if (!th || th->is_main) {
        int r = REAL(pthread_setname_np)(t, name);
        if (r == 0 && th && th->gl) strncpy(th->gl->name, name, sizeof th->gl->name - 1);
        return r;
    }
    size_t n = strlen(name);
    if (n >= NAME_MAX_LEN) return ERANGE;
    if (!th->gl) return ESRCH;
    memcpy(th->gl->name, name, n + 1);
    return 0;
}

int pthread_getname_np(pthread_t t, char *buf, size_t len)
{
    struct gth *th = gp_enter(GP_SYM_pthread_getname_np) ? gth_find(t) : NULL;
    if (!th || th->is_main) return REAL(pthread_getname_np)(t, buf, len);
    if (!th->gl) return ESRCH;
    size_t n = strlen(th->gl->name);
    if (len < n + 1) return ERANGE;
    memcpy(buf, th->gl->name, n + 1);
    return 0;
}
