#define _GNU_SOURCE
/* Readers and writers on a table guarded by a rwlock: readers overlap, a
 * writer is alone, every reader sees a consistent table, and the counts
 * add up. Then the same with writer preference, where a steady stream of
 * readers must not keep the writers out. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define READERS 40
#define WRITERS 8
#define ROUNDS  50
#define SLOTS   64

static pthread_rwlock_t lock;
static long table[SLOTS];
static int readers_in, writers_in, max_readers, bad, overlap_bad;
static long reads, writes;
static pthread_mutex_t stat = PTHREAD_MUTEX_INITIALIZER;

static void *reader(void *a)
{
    (void)a;
    for (int i = 0; i < ROUNDS; i++) {
        int r = (i % 3 == 2) ? pthread_rwlock_tryrdlock(&lock) : pthread_rwlock_rdlock(&lock);
        if (r) {
            sched_yield();
            continue;
        }
        pthread_mutex_lock(&stat);
        readers_in++;
        if (writers_in) overlap_bad++;
        if (readers_in > max_readers) max_readers = readers_in;
        pthread_mutex_unlock(&stat);
        long v = table[0];
        usleep(200); /* stay a while: other readers come in meanwhile */
        for (int s = 1; s < SLOTS; s++)
            if (table[s] != v) bad++;
        pthread_mutex_lock(&stat);
        readers_in--;
        reads++;
        pthread_mutex_unlock(&stat);
        pthread_rwlock_unlock(&lock);
        if (i % 5 == 0) usleep(100);
    }
    return NULL;
}

static void *writer(void *a)
{
    (void)a;
    for (int i = 0; i < ROUNDS; i++) {
        pthread_rwlock_wrlock(&lock);
        pthread_mutex_lock(&stat);
        writers_in++;
        if (writers_in != 1 || readers_in) overlap_bad++;
        pthread_mutex_unlock(&stat);
        for (int s = 0; s < SLOTS; s++) {
            table[s]++;
            if (s == SLOTS / 2) sched_yield(); /* half-written: nobody may look */
        }
        pthread_mutex_lock(&stat);
        writers_in--;
        writes++;
        pthread_mutex_unlock(&stat);
        pthread_rwlock_unlock(&lock);
        usleep(300);
    }
    return NULL;
}

static void run(const char *name, int kind)
{
    pthread_rwlockattr_t a;
    pthread_t r[READERS], w[WRITERS];
    pthread_rwlockattr_init(&a);
    pthread_rwlockattr_setkind_np(&a, kind);
    pthread_rwlock_init(&lock, &a);
    memset(table, 0, sizeof table);
    readers_in = writers_in = max_readers = bad = overlap_bad = 0;
    reads = writes = 0;
    for (int i = 0; i < WRITERS; i++) pthread_create(&w[i], NULL, writer, NULL);
    for (int i = 0; i < READERS; i++) pthread_create(&r[i], NULL, reader, NULL);
    for (int i = 0; i < READERS; i++) pthread_join(r[i], NULL);
    for (int i = 0; i < WRITERS; i++) pthread_join(w[i], NULL);
    printf("%s:\n", name);
    printf("  writes %ld (expected %d), table[0] %ld\n", writes, WRITERS * ROUNDS, table[0]);
    printf("  reads done: %s\n", reads > READERS * ROUNDS / 2 ? "most" : "too few");
    printf("  readers saw a half-written table: %d times\n", bad);
    printf("  a writer shared the lock: %d times\n", overlap_bad);
    printf("  readers held it together: %s\n", max_readers > 1 ? "yes" : "no");
    pthread_rwlock_destroy(&lock);
    pthread_rwlockattr_destroy(&a);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    run("prefer readers", PTHREAD_RWLOCK_PREFER_READER_NP);
    run("prefer writers", PTHREAD_RWLOCK_PREFER_WRITER_NP);
    run("prefer writers, non-recursive", PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    return 0;
}
