/* Greenlets (threads) blocked in well-known places, for the live dump:
 *   dump_me SECONDS [read] [waitpid] [spin]
 * "sleeper" sleeps in nanosleep, "locker" waits on a mutex main holds,
 * "reader" (with "read") reads a pipe nobody writes to yet, "reaper" (with
 * "waitpid") waits for a child that sleeps, "spinner" (with "spin") sleeps
 * 300 ms, then computes for SECONDS without making a call. Main prints one line
 *   ready pid PID fd FD mutex ADDR child CHILDPID
 * then sleeps SECONDS, releases everyone, joins them and exits 0. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int fds[2] = {-1, -1};
static pid_t child;
static long secs;

static void *sleeper(void *arg)
{
    (void)arg;
    struct timespec ts = {secs, 0};
    nanosleep(&ts, NULL);
    return NULL;
}

static void *locker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    char c;
    return read(fds[0], &c, 1) == 1 ? NULL : (void *)1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *spinner(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    double t0 = now();
    while (now() - t0 < (double)secs) continue;
    return NULL;
}

static void *reaper(void *arg)
{
    (void)arg;
    int st;
    return waitpid(child, &st, 0) == child ? NULL : (void *)1;
}

static void spawn(pthread_t *t, void *(*fn)(void *), const char *name)
{
    if (pthread_create(t, NULL, fn, NULL) != 0) exit(1);
    pthread_setname_np(*t, name);
}

int main(int argc, char **argv)
{
    int do_read = 0, do_wait = 0, do_spin = 0;
    secs = argc > 1 ? atol(argv[1]) : 3;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "read") == 0) do_read = 1;
        if (strcmp(argv[i], "waitpid") == 0) do_wait = 1;
        if (strcmp(argv[i], "spin") == 0) do_spin = 1;
    }
    if (pipe(fds) != 0) return 1;
    if (do_wait) {
        child = fork();
        if (child < 0) return 1;
        if (child == 0) {
            struct timespec ts = {secs + 5, 0};
            nanosleep(&ts, NULL);
            _exit(0);
        }
    }
    pthread_t t[5];
    int n = 0;
    pthread_mutex_lock(&lock);
    spawn(&t[n++], sleeper, "sleeper");
    spawn(&t[n++], locker, "locker");
    if (do_read) spawn(&t[n++], reader, "reader");
    if (do_wait) spawn(&t[n++], reaper, "reaper");
    if (do_spin) spawn(&t[n++], spinner, "spinner");
    struct timespec ts = {0, 100 * 1000 * 1000}; /* let them all block */
    nanosleep(&ts, NULL);
    printf("ready pid %d fd %d mutex %p child %d\n", (int)getpid(), fds[0], (void *)&lock,
           (int)child);
    fflush(stdout);
    ts.tv_sec = secs;
    ts.tv_nsec = 0;
    nanosleep(&ts, NULL);
    pthread_mutex_unlock(&lock);
    if (write(fds[1], "x", 1) != 1) return 1;
    if (do_wait) kill(child, SIGTERM);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    printf("done\n");
    return 0;
}
