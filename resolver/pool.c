/* A few native worker threads for GEVENT_RESOLVER=thread: glibc's own
 * resolver (every NSS module of nsswitch.conf) runs there while the
 * calling greenlet waits on its hub (hub_remote).
 *
 * Workers are real threads made with the original pthread_create, started
 * on demand up to POOL_MAX and ending after POOL_IDLE_S idle seconds. They
 * never get a hub: hub_tls.nowait is set for their whole life, so every
 * interposed call they make passes straight through. They block every
 * signal, so the program's handlers keep running where they did. The queue
 * is guarded by a spin lock (a few instructions); idle workers sleep on a
 * futex. In a fork child the workers are gone: the pool starts afresh. */
#include <errno.h>
#include <netdb.h>
#include <linux/futex.h>
#include <signal.h>
#include <sys/prctl.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "rsv_int.h"

#define POOL_MAX    10 /* gevent's threadpool default */
#define POOL_IDLE_S 30

static struct {
    int lock;
    gp_queue q; /* jobs no worker took yet, in the order they came */
    int nworkers, idle;
    int claimed;   /* idle workers already woken for a job, not yet running */
    unsigned wake; /* futex word */
    int atfork;
} P;

#define lock()   rsv_lock(&P.lock)
#define unlock() rsv_unlock(&P.lock)

static void fork_child(void)
{
    memset(&P, 0, sizeof P);
    P.atfork = 1;
}

static void run(struct rsv_job *j)
{
    h_errno = j->herr;
    errno = j->err;
    j->fn(j);
    j->herr = h_errno;
    j->err = errno;
}

static void *worker(void *arg)
{
    (void)arg;
    hub_tls.nowait++;                    /* for good: this thread never waits on a hub */
    prctl(PR_SET_NAME, "gevent-worker"); /* the shim's own, in ps and /proc */
    lock();
    for (;;) {
        gp_link *l = gp_queue_pop(&P.q);
        if (l) {
            struct rsv_job *j = gp_owner(l, struct rsv_job, link);
            unlock();
            rsv_worker_res();
            run(j);
            hub_remote_done(j->done);
            lock();
            continue;
        }
        unsigned seq = P.wake;
        P.idle++;
        unlock();
        struct timespec ts = {POOL_IDLE_S, 0};
        long r = gp_syscall(SYS_futex, &P.wake, FUTEX_WAIT_PRIVATE, seq, &ts, NULL, 0);
        int timedout = r < 0 && errno == ETIMEDOUT;
        lock();
        if (P.claimed > 0)
            P.claimed--; /* pool_run took us off the idle count */
        else
            P.idle--;
        if (timedout && gp_queue_empty(&P.q)) {
            P.nworkers--;
            unlock();
            return NULL;
        }
    }
}

/* Starts a worker; 0 or an error number. */
static int spawn(void)
{
    pthread_attr_t a;
    pthread_t t;
    sigset_t all, old;
    if (!rsv_libc.pthread_create) return ENOSYS;
    pthread_attr_init(&a);
    pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
    sigfillset(&all);
    REAL(pthread_sigmask)(SIG_SETMASK, &all, &old); /* inherited by the worker */
    int r = rsv_libc.pthread_create(&t, &a, worker, NULL);
    REAL(pthread_sigmask)(SIG_SETMASK, &old, NULL);
    pthread_attr_destroy(&a);
    return r;
}

static int pool_run(struct rsv_job *j, void (*kick)(struct rsv_job *));

void rsv_pool_run(struct rsv_job *j)
{
    j->herr = h_errno;
    j->err = errno;
    pool_run(j, NULL);
    h_errno = j->herr;
    errno = j->err;
}

int rsv_pool_run_intr(struct rsv_job *j, void (*kick)(struct rsv_job *))
{
    j->herr = h_errno;
    j->err = errno;
    int code = pool_run(j, kick);
    h_errno = j->herr;
    errno = j->err;
    return code;
}

static int pool_run(struct rsv_job *j, void (*kick)(struct rsv_job *))
{
    hub_remote done;
    if (!__atomic_exchange_n(&P.atfork, 1, __ATOMIC_ACQ_REL)) gp_atfork(NULL, NULL, fork_child);
    hub_remote_init(&done);
    if (!done.hub) { /* no hub to wait on */
        run(j);
        return 0;
    }
    j->done = &done;
    lock();
    gp_queue_push(&P.q, &j->link);
    /* an idle worker is claimed for this job at once, so the next job
     * starts another worker instead of queueing behind this one */
    int wake = P.idle > 0, start = !wake && P.nworkers < POOL_MAX;
    if (wake) {
        P.wake++;
        P.idle--;
        P.claimed++;
    }
    if (start) P.nworkers++;
    unlock();
    if (wake) gp_syscall(SYS_futex, &P.wake, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
    if (start && spawn() != 0) {
        lock();
        P.nworkers--;
        int none = P.nworkers == 0, mine = 0;
        if (none) { /* nobody will run it: take it back and run it here */
            if ((mine = gp_list_has(&P.q.head, &j->link))) gp_queue_remove(&P.q, &j->link);
        }
        unlock();
        if (mine) {
            run(j);
            return 0;
        }
    }
    if (kick) return hub_remote_wait_intr(&done, (void (*)(void *))kick, j);
    hub_remote_wait(&done);
    return 0;
}
