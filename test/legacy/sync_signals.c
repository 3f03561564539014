#define _GNU_SOURCE
/* Signals sent to one thread with pthread_kill: the handler runs in that
 * thread; a blocking read or sem_wait fails with EINTR, or goes on with
 * SA_RESTART; sleep returns early either way; a mutex wait goes on; a
 * signal the thread blocks waits until it unblocks it (per-thread masks). */
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static pthread_t handled_in;
static int pfd[2];
static sem_t sem;
static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;

static void on_sig(int s)
{
    (void)s;
    hits++;
    handled_in = pthread_self();
}

static void install(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sig;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
}

static const char *err(long r)
{
    return r < 0 ? strerrorname_np(errno) : "ok";
}

static void *reads(void *a)
{
    char b;
    ssize_t n = read(pfd[0], &b, 1);
    printf("  read -> %zd %s, handler ran in this thread: %s\n", n, err(n),
           hits && pthread_equal(handled_in, pthread_self()) ? "yes" : "no");
    return a;
}
static void *sem_waits(void *a)
{
    int r = sem_wait(&sem);
    printf("  sem_wait -> %d %s, handler ran in this thread: %s\n", r, err(r),
           hits && pthread_equal(handled_in, pthread_self()) ? "yes" : "no");
    return a;
}
static void *sleeps(void *a)
{
    unsigned left = sleep(3);
    printf("  sleep(3) -> returned early: %s, handler ran in this thread: %s\n",
           left > 0 ? "yes" : "no",
           hits && pthread_equal(handled_in, pthread_self()) ? "yes" : "no");
    return a;
}
static void *locks(void *a)
{
    int r = pthread_mutex_lock(&mx);
    printf("  mutex_lock -> %d after the handler ran in this thread: %s\n", r,
           hits && pthread_equal(handled_in, pthread_self()) ? "yes" : "no");
    pthread_mutex_unlock(&mx);
    return a;
}
static void *masks(void *a)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    usleep(100000); /* SIGUSR2 sent meanwhile: blocked, does not interrupt */
    printf("  blocked: handler ran %d times\n", (int)hits);
    sigset_t p;
    sigpending(&p);
    printf("  blocked: pending for this thread: %s\n", sigismember(&p, SIGUSR2) ? "yes" : "no");
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    printf("  unblocked: handler ran %d times, in this thread: %s\n", (int)hits,
           pthread_equal(handled_in, pthread_self()) ? "yes" : "no");
    return a;
}

static void one(const char *name, void *(*fn)(void *), int sig, int restart, void (*after)(void))
{
    pthread_t t;
    hits = 0;
    install(restart);
    printf("%s (%s)\n", name, restart ? "SA_RESTART" : "no SA_RESTART");
    pthread_create(&t, NULL, fn, NULL);
    usleep(50000);
    pthread_kill(t, sig);
    usleep(50000);
    if (after) after();
    pthread_join(t, NULL);
}

static void feed(void)
{
    if (write(pfd[1], "x", 1) != 1) perror("write");
}
static void post(void)
{
    sem_post(&sem);
}
static void unlock(void)
{
    pthread_mutex_unlock(&mx);
}

/* sem_post is async-signal-safe: a handler may wake a waiting thread. */
static sem_t alarm_sem;
static void on_alarm(int s)
{
    (void)s;
    sem_post(&alarm_sem);
}
static void *alarm_waiter(void *a)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int r;
    while ((r = sem_wait(&alarm_sem)) < 0 && errno == EINTR)
        ;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    printf("  sem_wait -> %d, woken by the handler's sem_post: %s\n", r,
           ms >= 40 && ms < 1000 ? "yes" : "no");
    return a;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (pipe(pfd)) return 1;
    sem_init(&sem, 0, 0);
    one("read on a pipe", reads, SIGUSR1, 0, NULL);
    one("read on a pipe", reads, SIGUSR1, 1, feed);
    one("read, sent SIGWINCH (ignored by default)", reads, SIGWINCH, 0, feed);
    one("sem_wait", sem_waits, SIGUSR1, 0, NULL);
    one("sem_wait", sem_waits, SIGUSR1, 1, post);
    one("sleep", sleeps, SIGUSR1, 1, NULL);
    pthread_mutex_lock(&mx);
    one("mutex wait", locks, SIGUSR1, 0, unlock);
    one("per-thread mask", masks, SIGUSR2, 1, NULL);

    printf("sem_post from a signal handler\n");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, NULL);
    sem_init(&alarm_sem, 0, 0);
    struct itimerval it = {{0, 50000}, {0, 50000}}, off = {{0, 0}, {0, 0}};
    pthread_t t;
    pthread_create(&t, NULL, alarm_waiter, NULL);
    setitimer(ITIMER_REAL, &it, NULL); /* every 50 ms */
    alarm_waiter(NULL);                /* main waits too */
    pthread_join(t, NULL);
    setitimer(ITIMER_REAL, &off, NULL);
    return 0;
}
