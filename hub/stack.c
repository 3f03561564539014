/* Greenlet stacks: mmap'ed with a guard page below, pooled for reuse, and a
 * SIGSEGV reporter on an alternate stack that names the greenlet whose stack
 * overflowed before the process dies as it would have anyway. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hub_int.h"

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 /* Linux 6.13: a guard without a new mapping */
#endif

#define POOL_MAX 256           /* stacks kept for reuse; the rest are unmapped */
#define OVERFLOW_REACH (256 << 10) /* a frame may jump this far past the guard */

static size_t page_size;
static int guard_madvise = 1; /* cleared when the kernel lacks MADV_GUARD_INSTALL */

/* Free stacks, linked through their first word, all of one mapping size:
 * greenlets of a program mostly share one size, so one class suffices and
 * other sizes are unmapped at once. */
static struct {
    void *head;
    size_t map;
    unsigned n;
} pool;

static int guard_install(char *p)
{
    if (guard_madvise) {
        if (madvise(p, page_size, MADV_GUARD_INSTALL) == 0) return 0;
        if (errno != EINVAL) return -1;
        guard_madvise = 0;
    }
    return mprotect(p, page_size, PROT_NONE);
}

int hub_stack_alloc(gl_t *g, size_t size)
{
    if (!page_size) page_size = (size_t)sysconf(_SC_PAGESIZE);
    size = (size + page_size - 1) & ~(page_size - 1);
    size_t map = size + page_size;
    char *p;
    if (pool.head && pool.map == map) {
        p = pool.head;
        pool.head = *(void **)(p + page_size);
        pool.n--;
    } else {
        p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (p == MAP_FAILED) return -1;
        if (guard_install(p) != 0) {
            munmap(p, map);
            return -1;
        }
    }
    g->stack_lo = p + page_size;
    g->stack_size = size;
    g->stack_map = map;
    return 0;
}

void hub_stack_free(gl_t *g)
{
    char *p = g->stack_lo - page_size;
    if (!g->stack_map) return;
    if (pool.n < POOL_MAX && (pool.n == 0 || pool.map == g->stack_map)) {
        pool.map = g->stack_map;
        *(void **)g->stack_lo = pool.head;
        pool.head = p;
        pool.n++;
    } else {
        munmap(p, g->stack_map);
    }
    g->stack_map = 0;
}

gl_t *hub_guard_owner(void *addr)
{
    gl_t *g = hub_tls.cur;
    char *a = addr;
    if (!g || !g->stack_map) return NULL;
    if (a < g->stack_lo && a >= g->stack_lo - OVERFLOW_REACH) return g;
    return NULL;
}

static void raw_write(const char *s, size_t n)
{
    while (n > 0) {
        long r = syscall(SYS_write, 2, s, n);
        if (r <= 0) return;
        s += r;
        n -= (size_t)r;
    }
}

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    gl_t *g = hub_guard_owner(si->si_addr);
    if (g) {
        char line[200];
        int n = snprintf(line, sizeof line,
                         "gevent_patch: stack overflow in greenlet %u (%s): its stack is %zu bytes; "
                         "raise it with pthread_attr_setstacksize or GEVENT_STACK_SIZE\n",
                         g->id, g->name[0] ? g->name : "unnamed", g->stack_size);
        if (n > 0) raw_write(line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
    }
    /* Die as natively: the faulting instruction runs again with the default
     * action in place. */
    signal(sig, SIG_DFL);
}

void hub_stack_thread_init(void)
{
    static int installed;
    stack_t ss = {0};
    ss.ss_size = 64 << 10;
    ss.ss_sp = mmap(NULL, ss.ss_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ss.ss_sp == MAP_FAILED || sigaltstack(&ss, NULL) != 0) return;
    if (__atomic_exchange_n(&installed, 1, __ATOMIC_ACQ_REL)) return;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    /* Keep a handler the program installed before us (we run first, but a
     * preloaded neighbour may not). */
    struct sigaction old;
    if (sigaction(SIGSEGV, NULL, &old) == 0 && old.sa_handler == SIG_DFL)
        sigaction(SIGSEGV, &sa, NULL);
}
