/* Per-thread CPU-time clocks (pthread_getcpuclockid, CLOCK_THREAD_CPUTIME_ID,
 * clock_getres): each thread's clock counts its own CPU time only. Spins
 * are measured in the spinning thread's own CPU time, so the output does
 * not depend on the machine's load: one line per check, "yes" expected. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int spun, may_exit;
static double start_clock;

static double clk(clockid_t c)
{
    struct timespec t;
    if (clock_gettime(c, &t) != 0) return -1;
    return t.tv_sec + t.tv_nsec / 1e9;
}

static void spin_cpu(double s) /* s seconds of this thread's CPU time */
{
    double t0 = clk(CLOCK_THREAD_CPUTIME_ID);
    while (clk(CLOCK_THREAD_CPUTIME_ID) - t0 < s) {
    }
}

static void *worker(void *arg)
{
    (void)arg;
    clockid_t c;
    pthread_getcpuclockid(pthread_self(), &c);
    start_clock = clk(c);
    spin_cpu(0.1);
    pthread_mutex_lock(&mu);
    spun = 1;
    pthread_cond_broadcast(&cv);
    while (!may_exit) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

static const char *yes_no(int c)
{
    return c ? "yes" : "no";
}

int main(void)
{
    spin_cpu(0.2);
    clockid_t mc, wc;
    if (pthread_getcpuclockid(pthread_self(), &mc) != 0) return 1;
    double m0 = clk(mc);
    printf("main's clock shows its 0.2 s of spinning: %s\n", yes_no(m0 >= 0.2));
    printf("CLOCK_THREAD_CPUTIME_ID is main's clock: %s\n",
           yes_no(clk(CLOCK_THREAD_CPUTIME_ID) - m0 < 0.05));
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    if (pthread_getcpuclockid(t, &wc) != 0) return 1;
    pthread_mutex_lock(&mu);
    while (!spun) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    double w = clk(wc), m1 = clk(mc);
    printf("a new thread's clock starts near 0 (pthread_create/11-1): %s\n",
           yes_no(start_clock >= 0 && start_clock < 0.1));
    printf("the worker's clock, read by main, shows its 0.1 s of spinning and not main's: %s\n",
           yes_no(w >= 0.1 && w < 0.2));
    printf("main's clock did not count the worker's spinning: %s\n", yes_no(m1 - m0 < 0.05));
    struct timespec r = {7, 7};
    printf("clock_getres on the worker's clock: %s\n",
           yes_no(clock_getres(wc, &r) == 0 && r.tv_sec == 0 && r.tv_nsec >= 1 &&
                  r.tv_nsec <= 1000000));
    pthread_mutex_lock(&mu);
    may_exit = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(t, NULL);
    struct timespec ts;
    errno = 0;
    int rc = clock_gettime(wc, &ts);
    printf("a joined thread's clock: %d %s\n", rc, errno == EINVAL ? "EINVAL" : "other");
    return 0;
}
