#define _GNU_SOURCE
/* Robust mutexes whose owner thread ends holding them: a thread waiting in
 * pthread_mutex_lock at that moment gets EOWNERDEAD, makes the state
 * consistent, and the mutex goes on working; left inconsistent, it becomes
 * ENOTRECOVERABLE for everybody. Also in process-shared memory. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *e(int r)
{
    return r ? strerrorname_np(r) : "0";
}

static void *owner(void *m)
{
    pthread_mutex_lock(m);
    usleep(50000); /* the waiter is blocked meanwhile */
    return NULL;   /* ends holding it */
}

struct wait_arg {
    pthread_mutex_t *m;
    int r, fix;
};
static void *waiter(void *a)
{
    struct wait_arg *w = a;
    usleep(10000);
    w->r = pthread_mutex_lock(w->m);
    if (w->r == EOWNERDEAD && w->fix) pthread_mutex_consistent(w->m);
    if (w->r == 0 || w->r == EOWNERDEAD) pthread_mutex_unlock(w->m);
    return NULL;
}

static void scenario(const char *name, pthread_mutex_t *m, int fix)
{
    pthread_t o, w;
    struct wait_arg wa = {m, -1, fix};
    pthread_create(&o, NULL, owner, m);
    pthread_create(&w, NULL, waiter, &wa);
    pthread_join(o, NULL);
    pthread_join(w, NULL);
    printf("%s: the blocked waiter got %s", name, e(wa.r));
    int r = pthread_mutex_lock(m);
    printf(", then lock -> %s", e(r));
    if (r == 0) printf(", unlock -> %s", e(pthread_mutex_unlock(m)));
    printf("\n");
}

int main(void)
{
    pthread_mutexattr_t a;
    pthread_mutex_t m1, m2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m1, &a);
    pthread_mutex_init(&m2, &a);
    scenario("made consistent", &m1, 1);
    scenario("left inconsistent", &m2, 0);

    pthread_mutex_t *sm =
        mmap(NULL, sizeof *sm, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(sm, &a);
    scenario("process-shared, made consistent", sm, 1);
    printf("process-shared: lock twice -> %s", e(pthread_mutex_lock(sm)));
    printf(", %s", e(pthread_mutex_lock(sm)));
    printf(", unlock -> %s\n", e(pthread_mutex_unlock(sm)));

    /* The owner is a whole process that dies holding it: the kernel marks
     * it owner-dead (the robust list of the dying thread). */
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(sm);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += 2;
    int r = pthread_mutex_timedlock(sm, &ts);
    printf("process-shared, owner process exited: timedlock -> %s", e(r));
    if (r == EOWNERDEAD) printf(", consistent -> %s", e(pthread_mutex_consistent(sm)));
    printf(", unlock -> %s\n", e(pthread_mutex_unlock(sm)));

    /* ... and a child process blocked on it sees a thread of its parent
     * end holding it */
    pthread_t o;
    pthread_create(&o, NULL, owner, sm); /* locks, ends 50 ms later */
    usleep(10000);
    pid = fork();
    if (pid == 0) _exit(pthread_mutex_lock(sm) == EOWNERDEAD ? 0 : 1);
    pthread_join(o, NULL);
    waitpid(pid, &st, 0);
    printf("process-shared, a child waiting while a thread of its parent ended holding it: %s\n",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "EOWNERDEAD" : "something else");
    return 0;
}
