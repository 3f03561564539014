#define _GNU_SOURCE
/* Process-shared objects between a parent and a forked child: an unnamed
 * semaphore pair in shared memory (ping-pong), a named semaphore (sem_open),
 * a process-shared barrier, rwlock and spin lock. While the parent waits on
 * them, another of its threads must keep running. */
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PINGS  300
#define ROUNDS 50

struct shm {
    sem_t ping, pong;
    pthread_barrier_t bar;
    pthread_rwlock_t rw;
    pthread_spinlock_t spin;
    long counter, spun;
    int barrier_serial;
};

static volatile int ticks, stop;
static void *ticker(void *a)
{
    (void)a;
    while (!stop) {
        ticks++;
        usleep(1000);
    }
    return NULL;
}

static void child(struct shm *s, const char *name)
{
    for (int i = 0; i < PINGS; i++) {
        sem_wait(&s->ping);
        s->counter++;
        sem_post(&s->pong);
    }
    sem_t *n = sem_open(name, 0);
    if (n == SEM_FAILED) _exit(2);
    for (int i = 0; i < 100; i++) sem_post(n);
    sem_close(n);
    for (int r = 0; r < ROUNDS; r++) {
        if (pthread_barrier_wait(&s->bar) == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&s->barrier_serial, 1, __ATOMIC_RELAXED);
        pthread_rwlock_wrlock(&s->rw);
        long v = s->counter;
        usleep(100);
        s->counter = v + 1;
        pthread_rwlock_unlock(&s->rw);
        pthread_spin_lock(&s->spin);
        s->spun++;
        pthread_spin_unlock(&s->spin);
    }
    _exit(0);
}

int main(void)
{
    struct shm *s =
        mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    pthread_barrierattr_t ba;
    pthread_rwlockattr_t ra;
    char name[64];
    pthread_t t;
    int status;
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (s == MAP_FAILED) return 1;
    sem_init(&s->ping, 1, 0);
    sem_init(&s->pong, 1, 0);
    pthread_barrierattr_init(&ba);
    pthread_barrierattr_setpshared(&ba, PTHREAD_PROCESS_SHARED);
    pthread_barrier_init(&s->bar, &ba, 2);
    pthread_rwlockattr_init(&ra);
    pthread_rwlockattr_setpshared(&ra, PTHREAD_PROCESS_SHARED);
    pthread_rwlock_init(&s->rw, &ra);
    pthread_spin_init(&s->spin, PTHREAD_PROCESS_SHARED);
    snprintf(name, sizeof name, "/gp-sync-pshared-%d", (int)getpid());
    sem_t *n = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
    if (n == SEM_FAILED) return 1;

    pthread_create(&t, NULL, ticker, NULL);
    pid_t pid = fork();
    if (pid == 0) child(s, name);

    int t0 = ticks;
    for (int i = 0; i < PINGS; i++) {
        sem_post(&s->ping);
        sem_wait(&s->pong);
    }
    printf("ping-pong: %d round trips, counter %ld\n", PINGS, s->counter);
    for (int i = 0; i < 100; i++) sem_wait(n);
    int v = -1;
    sem_getvalue(n, &v);
    printf("named semaphore: 100 posts from the child received, value now %d\n", v);
    for (int r = 0; r < ROUNDS; r++) {
        if (pthread_barrier_wait(&s->bar) == PTHREAD_BARRIER_SERIAL_THREAD)
            __atomic_fetch_add(&s->barrier_serial, 1, __ATOMIC_RELAXED);
        pthread_rwlock_wrlock(&s->rw);
        long c = s->counter;
        usleep(100);
        s->counter = c + 1;
        pthread_rwlock_unlock(&s->rw);
        pthread_spin_lock(&s->spin);
        s->spun++;
        pthread_spin_unlock(&s->spin);
    }
    waitpid(pid, &status, 0);
    printf("child exited %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    printf("barrier: %d rounds, %d serial waiters\n", ROUNDS, s->barrier_serial);
    printf("rwlock: counter %ld (expected %d)\n", s->counter, PINGS + 2 * ROUNDS);
    printf("spin lock: %ld (expected %d)\n", s->spun, 2 * ROUNDS);
    stop = 1;
    pthread_join(t, NULL);
    printf("another thread ran while the parent waited: %s\n", ticks - t0 > 5 ? "yes" : "no");
    sem_close(n);
    sem_unlink(name);
    return 0;
}
