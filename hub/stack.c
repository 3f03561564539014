/* Greenlet stacks.
 *
 * Two kinds, chosen by the kernel's mapping budget (vm.max_map_count):
 *  - guarded: one mmap per stack with a guard page below it. With
 *    MADV_GUARD_INSTALL (Linux 6.13+) the guard needs no mapping of its own,
 *    elsewhere mprotect splits it off, costing a second one. Used while our
 *    stacks hold less than half the budget, the rest is the program's.
 *  - slab: carved from large mappings, with a canary page below each stack
 *    whose last word must stay zero. It is checked at every switch away from
 *    the greenlet and in the SIGSEGV reporter, so an overflow is still
 *    reported by name. Zero, because reading untouched anonymous memory
 *    costs no RSS, where writing a pattern would cost a page per stack.
 * Freed stacks of the common size are pooled; past the first POOL_WARM their
 * pages go back to the system (MADV_DONTNEED: the mapping stays, the memory
 * does not), and past POOL_MAX guarded ones are unmapped, so a burst does
 * not pin its peak forever. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hub_int.h"

#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/asan_interface.h>
#endif

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h> /* optional: only makes greenlets visible to valgrind */
#else
#define RUNNING_ON_VALGRIND             0
#define VALGRIND_STACK_REGISTER(lo, hi) 0
#define VALGRIND_STACK_DEREGISTER(id)   ((void)(id))
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102
#endif

#define POOL_WARM      256   /* pooled stacks kept as they are */
#define POOL_MAX       16384 /* pooled at all; between the two, memory is given back */
#define SLAB_SLOTS     64
#define OVERFLOW_REACH (256 << 10) /* a frame may jump this far past the guard */

static size_t page_size;
static int guard_madvise = 1; /* cleared when the kernel lacks MADV_GUARD_INSTALL */
static long map_budget;       /* mappings our guarded stacks may hold */
static long maps_held;

/* Free stacks of one mapping size, as an array: linking them through their
 * own memory would touch a page of each, which is what a pooled stack past
 * POOL_WARM must not hold. */
struct stack_pool {
    char **v;
    size_t map;
    unsigned n, cap;
};
static struct stack_pool guarded_pool;
static struct stack_pool slab_pool; /* slots of the slab size, never unmapped */

static long read_max_map_count(void)
{
    long v = 65530; /* the kernel's default */
    char buf[32];
    if (gp_read_file("/proc/sys/vm/max_map_count", buf, sizeof buf) > 0) {
        char *end;
        long n = strtol(buf, &end, 10);
        if (end != buf) v = n;
    }
    return v;
}

static char *pool_take(struct stack_pool *p, size_t map)
{
    if (!p->n || p->map != map) return NULL;
    return p->v[--p->n];
}

static int pool_put(struct stack_pool *p, char *s, size_t map)
{
    if (p->n == p->cap) {
        unsigned cap = p->cap ? p->cap * 2 : 256;
        char **v = realloc(p->v, cap * sizeof *v);
        if (!v) return -1;
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = s;
    p->map = map;
    return 0;
}

static char *guarded_new(size_t map)
{
    char *p = mmap(NULL, map, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return NULL;
    if (guard_madvise && madvise(p, page_size, MADV_GUARD_INSTALL) != 0) guard_madvise = 0;
    if (!guard_madvise && mprotect(p, page_size, PROT_NONE) != 0) {
        munmap(p, map);
        return NULL;
    }
    maps_held += guard_madvise ? 1 : 2;
    return p;
}

/* A new slab: its slots all go to the slab pool but the first, returned. */
static char *slab_new(size_t map)
{
    char *p = mmap(NULL, map * SLAB_SLOTS, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (p == MAP_FAILED) return NULL;
    for (int i = SLAB_SLOTS - 1; i > 0; i--)
        if (pool_put(&slab_pool, p + (size_t)i * map, map))
            break; /* ENOMEM: slots lost, not memory */
    return p;
}

int hub_stack_alloc(gl_t *g, size_t size)
{
    if (!page_size) {
        page_size = (size_t)sysconf(_SC_PAGESIZE);
        map_budget = read_max_map_count() / 2;
        if (RUNNING_ON_VALGRIND) guard_madvise = 0; /* it does not model guard regions */
    }
    size = (size + page_size - 1) & ~(page_size - 1);
    size_t map = size + page_size; /* usable stack + guard page or canary page */
    char *p;
    int slab = 0, reused = 1;
    if ((p = pool_take(&guarded_pool, map))) {
    } else if ((p = pool_take(&slab_pool, map))) {
        slab = 1;
    } else {
        reused = 0;
        if (maps_held + 2 <= map_budget) {
            p = guarded_new(map);
        } else if (slab_pool.n == 0) {
            p = slab_new(map); /* one mapping for SLAB_SLOTS stacks */
            slab = 1;
        } else {
            p = guarded_new(map); /* an odd size past the budget: let the kernel decide */
        }
    }
    if (!p) return -1;
    g->stack_lo = p + page_size;
    g->stack_size = size;
    g->stack_map = map;
    g->vg_stack = VALGRIND_STACK_REGISTER(g->stack_lo, g->stack_lo + size);
#ifdef __SANITIZE_ADDRESS__
    /* a pooled stack still carries the redzones of its last owner's frames */
    if (reused) __asan_unpoison_memory_region(g->stack_lo, size);
#else
    (void)reused;
#endif
    g->canary = NULL;
    if (slab) /* the word below the stack: never written unless overflowed */
        g->canary = (unsigned long long *)(p + page_size - sizeof *g->canary);
    return 0;
}

/* A stack the program gave (pthread_attr_setstack, as glibc does with one):
 * exactly its bounds, no guard page, never pooled or unmapped; the program
 * may reuse or free the memory once the thread is joined. */
void hub_stack_given(gl_t *g, void *lo, size_t size)
{
    g->stack_lo = lo;
    g->stack_size = size;
    g->stack_map = 0;
    g->canary = NULL;
    g->stack_given = 1;
    g->vg_stack = VALGRIND_STACK_REGISTER(g->stack_lo, g->stack_lo + size);
#ifdef __SANITIZE_ADDRESS__
    /* memory a thread ran on before keeps the redzones of its frames */
    __asan_unpoison_memory_region(lo, size);
#endif
}

void hub_stack_free(gl_t *g)
{
    if (g->stack_given) {
        VALGRIND_STACK_DEREGISTER(g->vg_stack);
        g->stack_given = 0;
        return;
    }
    if (!g->stack_map) return;
    char *p = g->stack_lo - page_size;
    size_t map = g->stack_map;
    VALGRIND_STACK_DEREGISTER(g->vg_stack);
    if (g->canary) {
        /* Slab slots stay ours; past the pool bound their memory goes back. */
        if (slab_pool.n >= POOL_WARM || (slab_pool.n && slab_pool.map != map))
            madvise(p, map, MADV_DONTNEED);
        if (slab_pool.n == 0 || slab_pool.map == map) pool_put(&slab_pool, p, map);
        /* else: an odd-sized slot is abandoned; its memory is already given back */
    } else if (guarded_pool.n < POOL_MAX && (guarded_pool.n == 0 || guarded_pool.map == map)) {
        /* A syscall either way past the warm part: giving the pages back
         * is cheaper than unmapping and mapping again. */
        if (guarded_pool.n >= POOL_WARM) madvise(p + page_size, map - page_size, MADV_DONTNEED);
        if (pool_put(&guarded_pool, p, map) == 0) goto done;
        munmap(p, map);
        maps_held -= guard_madvise ? 1 : 2;
    } else {
        munmap(p, map);
        maps_held -= guard_madvise ? 1 : 2;
    }
done:
    g->stack_map = 0;
}

gl_t *hub_guard_owner(void *addr)
{
    gl_t *g = hub_tls.cur;
    char *a = addr;
    if (!g || !g->stack_map) return NULL;
    if (a < g->stack_lo && a >= g->stack_lo - OVERFLOW_REACH) return g;
    return hub_stack_overflowed(g) ? g : NULL;
}

static void report(gl_t *g)
{
    char line[200];
    int n = snprintf(line, sizeof line,
                     "gevent_patch: stack overflow in greenlet %u (%s): its stack is %zu bytes; "
                     "raise it with pthread_attr_setstacksize or GEVENT_STACK_SIZE\n",
                     g->id, g->name[0] ? g->name : "unnamed", g->stack_size);
    if (n > 0) gp_write_all(2, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* libc's sigaction, not the signal patch's hook: async-signal-safe. */
static void default_action(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    gp_sigaction(sig, &sa, NULL);
}

void hub_stack_overflow_die(gl_t *g)
{
    report(g);
    default_action(SIGSEGV);
    gp_syscall(SYS_tgkill, getpid(), gettid(), SIGSEGV); /* raise() is the thread patch's */
    _exit(128 + SIGSEGV);
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    gl_t *g = hub_guard_owner(si->si_addr);
    if (g) report(g);
    /* Die as natively: the faulting instruction runs again with the default
     * action in place. */
    default_action(sig);
}

void *hub_own_altstack(void)
{
    return hub_tls.hub ? hub_tls.hub->altstack : NULL;
}

void hub_stack_thread_init(void)
{
    static int installed;
    stack_t ss = {0}, cur;
    /* The program's own alternate stack stays (its handlers look at it,
     * and ours runs on it as well); else one of ours. */
    if (gp_syscall(SYS_sigaltstack, NULL, &cur) != 0 || !(cur.ss_flags & SS_DISABLE)) goto handler;
    ss.ss_size = 64 << 10;
    ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ss.ss_sp == MAP_FAILED) return;
    if (gp_syscall(SYS_sigaltstack, &ss, NULL) != 0) {
        munmap(ss.ss_sp, ss.ss_size);
        return;
    }
    hub_tls.hub->altstack = ss.ss_sp; /* the program's view hides it */
handler:
    if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL)) return;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    /* Keep a handler installed before us (we run first, but a preloaded
     * neighbour may not). */
    if (gp_sigaction(SIGSEGV, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        gp_sigaction(SIGSEGV, &sa, NULL);
}
