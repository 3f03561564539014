/* Cases from the Open POSIX Test Suite that the shim got wrong, as a plain
 * threaded program (same output natively and under the shim):
 *  join   a thread that takes SIGUSR1 from a sender thread creates and
 *         joins threads and waits on a condvar while the handler runs
 *         (pthread_create/14-1: a join waiting for a thread that ended while
 *         the joiner ran its handler waited for good)
 *  cond   a process-shared condvar broadcast, destroyed and its memory
 *         zeroed at once while its waiters are still to wake
 *         (pthread_cond_destroy/2-1)
 *  sched  pthread_getschedparam/pthread_setschedparam on a thread created
 *         with an explicit policy (pthread_create/3-2)
 *  nomem  the first lock of a process whose memory is full
 *         (pthread_cond_init/4-1)
 *  killh  pthread_kill from a signal handler to another thread waiting in
 *         sigsuspend (pthread_cond_init/1-3's child)
 *  rtq    a real-time signal raised twice while blocked is taken twice by
 *         sigwaitinfo, with raise's si_code; sighold/sigrelse hold and let
 *         in a signal (sigwait/2-1, sigwaitinfo/6-1)
 *  forkcond  a private condvar in shared memory, with a waiter in a fork
 *         child, signalled and broadcast by the parent
 *         (pthread_cond_init/1-3)
 *  altstack  the alternate signal stack seen by a handler of a program that
 *         set none, then one it sets and disables (sigaction/12-29, 13-3)
 *  sigwaitn  threads waiting in sigwait for a signal they block, each sent
 *         its own with pthread_kill (sigwait/6-2)
 *  semintr  a handler without SA_RESTART ends another thread's sem_wait on
 *         a process-shared semaphore with EINTR, the signal coming while
 *         the process's main thread computes (sem_wait/7-1)
 *  hsleep  a thread's handler sleeps while the thread waits in a timed
 *         rwlock wait; main runs meanwhile and unlocks
 *         (pthread_rwlock_timedrdlock/6-2, pthread_barrier_wait/3-2)
 * usage: sync_posix_cases [CASE]... (the names above)
 * (default: all) */
#define _GNU_SOURCE /* sighold, sigrelse */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 300

static sem_t go;
static volatile sig_atomic_t handled, stop;
static pthread_mutex_t mtx = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cnd = PTHREAD_COND_INITIALIZER;
static int flag;

/* Blocks or unblocks one signal in the calling thread's mask. */
static void mask_one(int how, int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    pthread_sigmask(how, &s, NULL);
}

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
    sem_post(&go);
}

static void *sender(void *arg)
{
    mask_one(SIG_BLOCK, SIGUSR1);
    while (!stop) {
        while (sem_wait(&go) != 0) continue;
        if (!stop) kill(getpid(), SIGUSR1);
    }
    return arg;
}

static void *child(void *arg)
{
    pthread_mutex_lock(&mtx);
    flag = 1;
    pthread_cond_signal(&cnd);
    pthread_mutex_unlock(&mtx);
    return arg;
}

static void *worker(void *arg)
{
    (void)arg;
    mask_one(SIG_UNBLOCK, SIGUSR1);
    long bad = 0;
    for (long i = 0; i < ROUNDS; i++) {
        pthread_t t;
        void *ret;
        flag = 0;
        if (pthread_create(&t, NULL, child, (void *)i) != 0) return (void *)-1L;
        pthread_mutex_lock(&mtx);
        while (!flag) pthread_cond_wait(&cnd, &mtx);
        pthread_mutex_unlock(&mtx);
        if (pthread_join(t, &ret) != 0 || ret != (void *)i) bad++;
    }
    return (void *)bad;
}

static void join_case(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    mask_one(SIG_BLOCK, SIGUSR1);
    sem_init(&go, 0, 1);
    pthread_t w, snd;
    void *bad;
    pthread_create(&w, NULL, worker, NULL);
    pthread_create(&snd, NULL, sender, NULL);
    pthread_join(w, &bad);
    stop = 1;
    sem_post(&go);
    pthread_join(snd, NULL);
    printf("join: %d threads created and joined under signals, %ld bad, handler ran: %s\n", ROUNDS,
           (long)bad, handled > 0 ? "yes" : "no");
}

#define NWAITERS 4
static struct {
    pthread_mutex_t m;
    pthread_cond_t c;
    int pred, waiting;
} sh;

static void *cond_waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&sh.m);
    sh.waiting++;
    int r = 0;
    while (!sh.pred && r == 0) r = pthread_cond_wait(&sh.c, &sh.m);
    sh.waiting--;
    pthread_mutex_unlock(&sh.m);
    return (void *)(long)r;
}

static void cond_case(void)
{
    int bad = 0;
    for (int round = 0; round < 20; round++) {
        pthread_mutexattr_t ma;
        pthread_condattr_t ca;
        pthread_mutexattr_init(&ma);
        pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
        pthread_condattr_init(&ca);
        pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
        pthread_mutex_init(&sh.m, &ma);
        pthread_cond_init(&sh.c, &ca);
        sh.pred = 0;
        pthread_t t[NWAITERS];
        for (int i = 0; i < NWAITERS; i++) pthread_create(&t[i], NULL, cond_waiter, NULL);
        for (;;) {
            pthread_mutex_lock(&sh.m);
            int n = sh.waiting;
            pthread_mutex_unlock(&sh.m);
            if (n == NWAITERS) break;
            sched_yield();
        }
        pthread_mutex_lock(&sh.m);
        sh.pred = 1;
        pthread_cond_broadcast(&sh.c);
        pthread_mutex_unlock(&sh.m);
        /* safe once no thread is blocked in it; its memory is ours again */
        if (pthread_cond_destroy(&sh.c) != 0) bad++;
        memset(&sh.c, 0, sizeof sh.c);
        for (int i = 0; i < NWAITERS; i++) {
            void *r;
            pthread_join(t[i], &r);
            if (r) bad++;
        }
        pthread_mutex_destroy(&sh.m);
    }
    printf("cond: 20 rounds of %d waiters on a shared condvar destroyed and zeroed, %d bad\n",
           NWAITERS, bad);
}

static void *sched_thread(void *arg)
{
    int *out = arg, pol;
    struct sched_param sp;
    out[0] = pthread_getschedparam(pthread_self(), &pol, &sp);
    out[1] = pol;
    out[2] = sp.sched_priority;
    sp.sched_priority = sched_get_priority_min(SCHED_RR);
    out[3] = pthread_setschedparam(pthread_self(), SCHED_RR, &sp);
    out[4] = pthread_getschedparam(pthread_self(), &pol, &sp);
    out[5] = pol;
    out[6] = sp.sched_priority;
    sp.sched_priority = 1000;
    out[7] = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    return NULL;
}

static void sched_case(void)
{
    pthread_attr_t a;
    struct sched_param sp = {.sched_priority = sched_get_priority_min(SCHED_FIFO)};
    int out[8] = {0};
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
    pthread_attr_setschedpolicy(&a, SCHED_FIFO);
    pthread_attr_setschedparam(&a, &sp);
    int r = pthread_create(&t, &a, sched_thread, out);
    if (r == EPERM) { /* not allowed real-time threads here: the same natively */
        printf("sched: EPERM creating a SCHED_FIFO thread\n");
        return;
    }
    pthread_join(t, NULL);
    printf("sched: created FIFO/%d: get %s %s/%d; set RR/min %s; get %s %s/%d; set FIFO/1000 %s\n",
           sp.sched_priority, strerror(out[0]), out[1] == SCHED_FIFO ? "FIFO" : "other", out[2],
           strerror(out[3]), strerror(out[4]), out[5] == SCHED_RR ? "RR" : "other", out[6],
           strerror(out[7]));
}

/* Run first in its process: no thread call before the fork (the hub is
 * made at the first need, here the child's first lock). main flushes
 * stdout after each case. */
static void nomem_case(void)
{
    pid_t p = fork();
    if (p == 0) {
        struct rlimit rl = {64 << 20, 64 << 20};
        setrlimit(RLIMIT_AS, &rl);
        void *prev = NULL, *q;
        while ((q = malloc(4096))) {
            *(void **)q = prev;
            prev = q;
        }
        while ((q = malloc(sizeof(void *)))) {
            *(void **)q = prev;
            prev = q;
        }
        static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
        int r = pthread_mutex_lock(&m);
        r |= pthread_mutex_unlock(&m);
        while (prev) {
            q = prev;
            prev = *(void **)q;
            free(q);
        }
        _exit(r);
    }
    int st;
    waitpid(p, &st, 0);
    printf("nomem: lock and unlock with memory full: %s\n",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed");
}

static pthread_t killh_target;
static volatile sig_atomic_t killh_ret = -1, killh_got;

static void killh_usr1(int sig)
{
    (void)sig;
    killh_ret = pthread_kill(killh_target, SIGUSR2);
}

static void killh_usr2(int sig)
{
    (void)sig;
    killh_got++;
}

static void *killh_thread(void *arg)
{
    sigset_t none;
    mask_one(SIG_BLOCK, SIGUSR2); /* pending until sigsuspend */
    sem_post(arg);
    sigemptyset(&none);
    int r = sigsuspend(&none);
    return (void *)(long)(r == -1 && errno == EINTR ? 1 : 0);
}

static void killh_case(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = killh_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = killh_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sem_t ready;
    sem_init(&ready, 0, 0);
    pthread_create(&killh_target, NULL, killh_thread, &ready);
    while (sem_wait(&ready) != 0) continue;
    pthread_kill(pthread_self(), SIGUSR1);
    void *eintr;
    pthread_join(killh_target, &eintr);
    printf("killh: pthread_kill in a handler: %s; target's handler ran %d time(s); its "
           "sigsuspend: %s\n",
           killh_ret < 0 ? "not called" : strerror(killh_ret), (int)killh_got,
           eintr ? "EINTR" : "other");
}

static volatile sig_atomic_t rtq_usr1;

static void rtq_on_usr1(int sig)
{
    (void)sig;
    rtq_usr1++;
}

static void *rtq_thread(void *arg)
{
    (void)arg;
    sigset_t s;
    mask_one(SIG_BLOCK, SIGRTMIN);
    raise(SIGRTMIN);
    raise(SIGRTMIN);
    siginfo_t si;
    struct timespec zero = {0, 0};
    int a = sigwaitinfo(&s, &si), ca = si.si_code;
    int b = sigwaitinfo(&s, &si), cb = si.si_code;
    int c = sigtimedwait(&s, &si, &zero), ec = errno;
    printf("rtq: raised twice: took %s (code %d), %s (code %d), then %s\n",
           a == SIGRTMIN ? "SIGRTMIN" : "other", ca, b == SIGRTMIN ? "SIGRTMIN" : "other", cb,
           c < 0 && ec == EAGAIN ? "EAGAIN" : "another");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = rtq_on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations" /* what the suite calls */
    sighold(SIGUSR1);
    raise(SIGUSR1);
    sigset_t p;
    sigpending(&p);
    int held = rtq_usr1 == 0 && sigismember(&p, SIGUSR1);
    sigrelse(SIGUSR1);
#pragma GCC diagnostic pop
    printf("rtq: sighold kept SIGUSR1 pending: %s; handler ran after sigrelse: %d\n",
           held ? "yes" : "no", (int)rtq_usr1);
    return NULL;
}

static void rtq_case(void)
{
    pthread_t t;
    pthread_create(&t, NULL, rtq_thread, NULL);
    pthread_join(t, NULL);
}

static struct fc {
    pthread_mutex_t m;
    pthread_cond_t c;
    int pred;
} * fc;

static void *fc_waiter(void *arg)
{
    int *out = arg, r = 0;
    pthread_mutex_lock(&fc->m);
    out[0] = 1;
    /* a timed wait, looked at again: what a child does to a private
     * condvar is undefined natively; only our own signal must reach us */
    while (!fc->pred) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 200000000;
        if (ts.tv_nsec >= 1000000000) ts.tv_sec++, ts.tv_nsec -= 1000000000;
        r = pthread_cond_timedwait(&fc->c, &fc->m, &ts);
        if (r && r != ETIMEDOUT) break;
    }
    out[1] = fc->pred;
    pthread_mutex_unlock(&fc->m);
    return NULL;
}

static void forkcond_case(void)
{
    fc = mmap(NULL, sizeof *fc, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutex_init(&fc->m, NULL);
    pthread_cond_init(&fc->c, NULL);
    fc->pred = 0;
    int up[2], down[2];
    char x = 0;
    if (pipe(up) || pipe(down)) return;
    pid_t p = fork();
    if (p == 0) { /* a waiter here; the parent signals it from its process */
        int out[2] = {0, 0};
        pthread_t t;
        pthread_create(&t, NULL, fc_waiter, out);
        for (;;) { /* the waiter is in its wait once it let the mutex go */
            pthread_mutex_lock(&fc->m);
            int in = out[0];
            pthread_mutex_unlock(&fc->m);
            if (in) break;
            sched_yield();
        }
        if (write(up[1], &x, 1) != 1 || read(down[0], &x, 1) != 1) _exit(3);
        pthread_mutex_lock(&fc->m);
        fc->pred = 1;
        pthread_cond_broadcast(&fc->c);
        pthread_mutex_unlock(&fc->m);
        pthread_join(t, NULL);
        _exit(out[1] ? 0 : 1);
    }
    int st = 0, ok = read(up[0], &x, 1) == 1;
    /* its waiters are the child's: nothing of ours to wake */
    int rs = pthread_cond_signal(&fc->c), rb = pthread_cond_broadcast(&fc->c);
    if (ok) ok = write(down[1], &x, 1) == 1;
    waitpid(p, &st, 0);
    printf("forkcond: signal and broadcast here: %s, %s; the child's waiter saw the predicate: "
           "%s\n",
           strerror(rs), strerror(rb), ok && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
    close(up[0]), close(up[1]), close(down[0]), close(down[1]);
    munmap(fc, sizeof *fc);
}

static stack_t alt_before;
static volatile stack_t alt_in;
static volatile int alt_ret = -2;

static void alt_handler(int sig)
{
    (void)sig;
    stack_t now;
    alt_ret = sigaltstack(NULL, &now);
    alt_in = now;
}

static void altstack_case(void)
{
    sigaltstack(NULL, &alt_before);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = alt_handler;
    sa.sa_flags = SA_ONSTACK;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    printf("altstack: before: %s, size %zu, flags %d; in the handler: %d, same: %s, flags %d\n",
           alt_before.ss_sp ? "a stack" : "none", alt_before.ss_size, alt_before.ss_flags, alt_ret,
           alt_in.ss_sp == alt_before.ss_sp && alt_in.ss_size == alt_before.ss_size ? "yes" : "no",
           alt_in.ss_flags);
    static char mine[1 << 16];
    stack_t ss = {.ss_sp = mine, .ss_size = sizeof mine, .ss_flags = 0}, old, now;
    int r = sigaltstack(&ss, &old);
    sigaltstack(NULL, &now);
    printf("altstack: set our own: %d, old flags %d; now ours: %s, flags %d\n", r, old.ss_flags,
           now.ss_sp == mine && now.ss_size == sizeof mine ? "yes" : "no", now.ss_flags);
    alt_ret = -2;
    raise(SIGUSR1);
    printf("altstack: in the handler: %d, on ours: %s\n", alt_ret,
           alt_in.ss_sp == mine && (alt_in.ss_flags & SS_ONSTACK) ? "yes" : "no");
    ss.ss_flags = SS_DISABLE;
    r = sigaltstack(&ss, &old);
    sigaltstack(NULL, &now);
    printf("altstack: disabled: %d, old ours: %s; now flags %d; bad flags: %s\n", r,
           old.ss_sp == mine ? "yes" : "no", now.ss_flags,
           (ss.ss_flags = 12345, sigaltstack(&ss, NULL) == -1 && errno == EINVAL) ? "EINVAL"
                                                                                  : "other");
}

#define NSW 4
static void *sw_thread(void *arg)
{
    sigset_t s;
    int sig = 0;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    int r = sigwait(&s, &sig); /* blocked since main's mask */
    *(int *)arg = r == 0 && sig == SIGUSR1;
    return NULL;
}

static void sigwaitn_case(void)
{
    sigset_t s;
    mask_one(SIG_BLOCK, SIGUSR1);
    pthread_t t[NSW];
    int took[NSW] = {0}, n = 0;
    for (int i = 0; i < NSW; i++) pthread_create(&t[i], NULL, sw_thread, &took[i]);
    usleep(100000); /* most are in sigwait by now (those that are not find it pending) */
    for (int i = 0; i < NSW; i++) {
        pthread_kill(t[i], SIGUSR1);
        pthread_join(t[i], NULL);
        n += took[i];
    }
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("sigwaitn: %d of %d threads took the SIGUSR1 sent to each\n", n, NSW);
}

static sem_t *si_sem;
static volatile sig_atomic_t si_handled;

static void si_usr1(int sig)
{
    (void)sig;
    si_handled++;
}

static void *si_thread(void *arg)
{
    mask_one(SIG_UNBLOCK, SIGUSR1); /* the only thread that takes it */
    int r = sem_wait(si_sem);
    *(int *)arg = r == -1 ? errno : 0;
    return NULL;
}

static void semintr_case(void)
{
    si_sem = mmap(NULL, sizeof *si_sem, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    sem_init(si_sem, 1, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = si_usr1; /* no SA_RESTART: sem_wait fails EINTR */
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t s;
    mask_one(SIG_BLOCK, SIGUSR1);
    int err = -1;
    pthread_t t;
    pthread_create(&t, NULL, si_thread, &err);
    usleep(50000); /* the thread is in sem_wait */
    kill(getpid(), SIGUSR1);
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do clock_gettime(CLOCK_MONOTONIC, &now); /* compute 30 ms: no wait */
    while ((now.tv_sec - t0.tv_sec) * 1000000000L + now.tv_nsec - t0.tv_nsec < 30000000L);
    pthread_join(t, NULL);
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("semintr: sem_wait: %s, handler ran %d time(s)\n",
           err == EINTR ? "EINTR"
           : err == 0   ? "a token"
                        : strerror(err),
           (int)si_handled);
    /* as sem_wait/7-1: a child alone in sem_wait, its parent's signal
     * coming at any moment of its looks (20 rounds, 20 to 77 ms) */
    int eintr = 0;
    for (int i = 0; i < 20; i++) {
        pid_t p = fork();
        if (p == 0) {
            pthread_sigmask(SIG_UNBLOCK, &s, NULL);
            _exit(sem_wait(si_sem) == -1 && errno == EINTR ? 0 : 1);
        }
        usleep(20000 + 3000 * i);
        kill(p, SIGUSR1);
        int st;
        waitpid(p, &st, 0);
        eintr += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    printf("semintr: a child's sem_wait ended by EINTR in %d of 20 rounds\n", eintr);
    munmap(si_sem, sizeof *si_sem);
}

static pthread_rwlock_t hs_lock = PTHREAD_RWLOCK_INITIALIZER;
static volatile sig_atomic_t hs_unlocked, hs_seen;

static void hs_usr1(int sig)
{
    (void)sig;
    sleep(1); /* only this thread sleeps */
    hs_seen = hs_unlocked;
}

static void *hs_thread(void *arg)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 3;
    *(int *)arg = pthread_rwlock_timedrdlock(&hs_lock, &ts);
    if (*(int *)arg == 0) pthread_rwlock_unlock(&hs_lock);
    return NULL;
}

static void hsleep_case(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = hs_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_rwlock_wrlock(&hs_lock);
    int r = -1;
    pthread_t t;
    pthread_create(&t, NULL, hs_thread, &r);
    usleep(100000); /* the thread waits for the lock */
    pthread_kill(t, SIGUSR1);
    usleep(200000); /* while its handler sleeps */
    hs_unlocked = 1;
    pthread_rwlock_unlock(&hs_lock);
    pthread_join(t, NULL);
    printf("hsleep: main unlocked while the handler slept: %s; the timed read lock: %s\n",
           hs_seen ? "yes" : "no", r == 0 ? "taken" : strerror(r));
}

static const struct {
    const char *name;
    void (*run)(void);
} cases[] = {
    {"nomem", nomem_case},       {"join", join_case},         {"cond", cond_case},
    {"sched", sched_case},       {"killh", killh_case},       {"rtq", rtq_case},
    {"forkcond", forkcond_case}, {"altstack", altstack_case}, {"sigwaitn", sigwaitn_case},
    {"semintr", semintr_case},   {"hsleep", hsleep_case},
};
#define NCASES (sizeof cases / sizeof cases[0])

/* With no argument every case runs, in the table's order. */
int main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)argc - 1 : NCASES;
    for (size_t i = 0; i < n; i++) {
        const char *c = argc > 1 ? argv[i + 1] : cases[i].name;
        size_t k = 0;
        while (k < NCASES && strcmp(c, cases[k].name)) k++;
        if (k == NCASES) {
            fprintf(stderr, "unknown case %s\n", c);
            return 2;
        }
        cases[k].run();
        fflush(stdout);
    }
    return 0;
}
