/* Per-greenlet CPU time, for the program's thread CPU clocks
 * (pthread_getcpuclockid, CLOCK_THREAD_CPUTIME_ID: the thread patch).
 *
 * The kernel counts CPU time per OS thread; a greenlet's is the sum of the
 * OS thread's CPU time over the stretches it ran. Reading the thread's CPU
 * clock is a system call (no vDSO for it), far more than a switch costs,
 * so nothing is counted until the program first asks for a thread's CPU
 * clock (hub_cpu_start): from then on each switch away from a program
 * greenlet reads the clock once and charges it the stretch since the last
 * such switch, the hub's own work in between included (done on its behalf:
 * one reading per switch out, not two). What ran before that is charged to
 * the OS thread's main greenlet. */
#include <sys/syscall.h>
#include <time.h>

#include "hub_int.h"

int hub_cpu_on;

static int64_t thread_cpu_ns(void)
{
    struct timespec ts;
    if (gp_syscall(SYS_clock_gettime, CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The hub's first reading: what ran so far is the main greenlet's. */
static int64_t begin(struct hub *h, int64_t now)
{
    h->cpu_last = now ? now : 1;
    if (h->main_gl) h->main_gl->cpu_ns = now;
    return now;
}

void hub_cpu_switch(struct hub *h, gl_t *from)
{
    int64_t now = thread_cpu_ns();
    if (!h->cpu_last) {
        begin(h, now);
        return;
    }
    from->cpu_ns += now - h->cpu_last;
    h->cpu_last = now;
}

void hub_cpu_start(void)
{
    __atomic_store_n(&hub_cpu_on, 1, __ATOMIC_RELAXED);
    /* an OS thread without a hub yet has run only its main thread: its
     * hub's first switch charges it all (begin) */
    struct hub *h = hub_tls.hub;
    if (h && !h->cpu_last) begin(h, thread_cpu_ns());
}

int64_t hub_cpu_ns(gl_t *g)
{
    struct hub *h = g->hub;
    if (g != hub_tls.cur) return g->cpu_ns; /* switched out: its sum is whole */
    int64_t now = thread_cpu_ns();
    if (!h->cpu_last) begin(h, now);
    return g->cpu_ns + now - h->cpu_last;
}

gl_t *hub_gl_by_id(unsigned id)
{
    gl_t *g = hub_tls.cur;
    if (g && g->id == id) return g;
    struct hub *h = hub_tls.hub;
    for (g = h ? hub_gl_at(h->all) : NULL; g; g = hub_gl_at(g->all.next))
        if (g->id == id && g->state != GL_DEAD) return g;
    return NULL;
}
