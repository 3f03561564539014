/* Opening FIFOs and waiting on message queues and semaphores while a
 * thread ticks every 10 ms: each waiter must see >= 20 ticks before its
 * partner (started once the waiter has waited 25 ticks) arrives.
 * Usage: ipc_wait DIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile int ticks, stop, waiting, wait_start;
static char fifo[512];
static mqd_t mq;
static int msq, sem;

static void *ticker(void *a)
{
    (void)a;
    while (!stop) {
        usleep(10000);
        ticks++;
    }
    return NULL;
}

static void begin_wait(void)
{
    wait_start = ticks;
    waiting = 1;
}
static const char *end_wait(void)
{
    waiting = 0;
    return ticks - wait_start >= 20 ? "yes" : "no";
}
/* The partner: once the waiter has waited 25 ticks (or 3 s). */
static void await_waiter(void)
{
    for (int ms = 0; ms < 3000 && !(waiting && ticks - wait_start >= 25); ms += 5) usleep(5000);
}

static void *fifo_writer(void *a)
{
    (void)a;
    await_waiter();
    int fd = open(fifo, O_WRONLY);
    if (write(fd, "hello\n", 6) != 6) perror("write");
    close(fd);
    return NULL;
}

static void *fifo_reader(void *a)
{
    (void)a;
    await_waiter();
    int fd = open(fifo, O_RDONLY);
    char b[16] = "";
    if (read(fd, b, sizeof b - 1) < 0) perror("read");
    printf("FIFO reader that came later read: %s", b);
    close(fd);
    return NULL;
}

static void *mq_producer(void *a)
{
    (void)a;
    await_waiter();
    for (int i = 0; i < 10; i++) {
        char m[32];
        int n = snprintf(m, sizeof m, "msg %d", i);
        if (mq_send(mq, m, (size_t)n + 1, 0) != 0) perror("mq_send");
    }
    return NULL;
}

struct sysv_msg {
    long type;
    char text[32];
};

static void *msg_producer(void *a)
{
    (void)a;
    await_waiter();
    for (int i = 0; i < 10; i++) {
        struct sysv_msg m = {1, ""};
        snprintf(m.text, sizeof m.text, "msg %d", i);
        if (msgsnd(msq, &m, sizeof m.text, 0) != 0) perror("msgsnd");
    }
    return NULL;
}

static void *sem_poster(void *a)
{
    (void)a;
    await_waiter();
    struct sembuf up = {0, 1, 0};
    if (semop(sem, &up, 1) != 0) perror("semop");
    return NULL;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp";
    snprintf(fifo, sizeof fifo, "%s/fifo", dir);
    if (mkfifo(fifo, 0600) != 0) return 1;
    pthread_t tk, t;
    pthread_create(&tk, NULL, ticker, NULL);

    /* a reader opening before any writer exists */
    pthread_create(&t, NULL, fifo_writer, NULL);
    begin_wait();
    int fd = open(fifo, O_RDONLY);
    const char *w = end_wait();
    char b[16] = "";
    ssize_t n = read(fd, b, sizeof b - 1);
    printf("FIFO open(O_RDONLY) before the writer: ticks while waiting >= 20: %s; read %zd: %s", w,
           n, b);
    printf("FIFO fd's O_NONBLOCK as the program sees it: %s\n",
           fcntl(fd, F_GETFL) & O_NONBLOCK ? "set" : "clear");
    pthread_join(t, NULL);
    n = read(fd, b, sizeof b);
    printf("FIFO read after the writer closed: %zd\n", n);
    close(fd);

    /* a writer opening before any reader exists, through stdio */
    pthread_create(&t, NULL, fifo_reader, NULL);
    begin_wait();
    FILE *f = fopen(fifo, "w");
    w = end_wait();
    fprintf(f, "hello\n");
    fclose(f);
    pthread_join(t, NULL);
    printf("FIFO fopen(\"w\") before the reader: ticks while waiting >= 20: %s\n", w);
    errno = 0;
    fd = open(fifo, O_WRONLY | O_NONBLOCK);
    int e = errno;
    printf("FIFO open(O_WRONLY|O_NONBLOCK) without a reader: %d %s\n", fd, strerror(e));
    unlink(fifo);

    /* POSIX message queue, 2 messages deep: the consumer waits first */
    char name[64];
    snprintf(name, sizeof name, "/gp-ipc-wait-%d", (int)getpid());
    struct mq_attr attr = {.mq_maxmsg = 2, .mq_msgsize = 32};
    mq = mq_open(name, O_CREAT | O_RDWR, 0600, &attr);
    if (mq == (mqd_t)-1) {
        perror("mq_open");
        return 1;
    }
    mq_unlink(name);
    pthread_create(&t, NULL, mq_producer, NULL);
    begin_wait();
    char m[64];
    n = mq_receive(mq, m, sizeof m, NULL);
    w = end_wait();
    int good = n > 0 && strcmp(m, "msg 0") == 0;
    for (int i = 1; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof want, "msg %d", i);
        usleep(i < 3 ? 20000 : 0); /* the producer meets a full queue */
        good += mq_receive(mq, m, sizeof m, NULL) > 0 && strcmp(m, want) == 0;
    }
    pthread_join(t, NULL);
    printf("mq_receive before the producer: ticks while waiting >= 20: %s; %d/10 in order\n", w,
           good);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 100000000;
    if (dl.tv_nsec >= 1000000000) dl.tv_sec++, dl.tv_nsec -= 1000000000;
    errno = 0;
    n = mq_timedreceive(mq, m, sizeof m, NULL, &dl);
    e = errno;
    printf("mq_timedreceive on an empty queue: %zd %s\n", n, strerror(e));
    dl.tv_nsec = 2000000000;
    errno = 0;
    n = mq_timedreceive(mq, m, sizeof m, NULL, &dl);
    e = errno;
    printf("mq_timedreceive with a bad timeout: %zd %s\n", n, strerror(e));
    errno = 0;
    n = mq_receive(mq, m, 8, NULL);
    e = errno;
    printf("mq_receive with a short buffer: %zd %s\n", n, strerror(e));
    mq_close(mq);

    /* System V message queue, limited to 64 bytes: the consumer waits first */
    msq = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
    struct msqid_ds ds;
    msgctl(msq, IPC_STAT, &ds);
    ds.msg_qbytes = 64;
    msgctl(msq, IPC_SET, &ds);
    pthread_create(&t, NULL, msg_producer, NULL);
    begin_wait();
    struct sysv_msg sm;
    n = msgrcv(msq, &sm, sizeof sm.text, 0, 0);
    w = end_wait();
    good = n > 0 && strcmp(sm.text, "msg 0") == 0;
    for (int i = 1; i < 10; i++) {
        char want[32];
        snprintf(want, sizeof want, "msg %d", i);
        usleep(i < 3 ? 20000 : 0);
        good += msgrcv(msq, &sm, sizeof sm.text, 0, 0) > 0 && strcmp(sm.text, want) == 0;
    }
    pthread_join(t, NULL);
    printf("msgrcv before the producer: ticks while waiting >= 20: %s; %d/10 in order\n", w, good);
    errno = 0;
    n = msgrcv(msq, &sm, sizeof sm.text, 0, IPC_NOWAIT);
    e = errno;
    printf("msgrcv(IPC_NOWAIT) on an empty queue: %zd %s\n", n, strerror(e));
    msgctl(msq, IPC_RMID, NULL);
    errno = 0;
    n = msgrcv(msq, &sm, sizeof sm.text, 0, 0);
    e = errno;
    printf("msgrcv on a removed queue: %zd %s\n", n, strerror(e));

    /* System V semaphore at 0: the waiter decrements first */
    sem = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
    pthread_create(&t, NULL, sem_poster, NULL);
    begin_wait();
    struct sembuf down = {0, -1, 0};
    int r = semop(sem, &down, 1);
    w = end_wait();
    pthread_join(t, NULL);
    printf("semop(-1) before the post: %d, ticks while waiting >= 20: %s\n", r, w);
    struct timespec rel = {0, 100000000};
    errno = 0;
    r = semtimedop(sem, &down, 1, &rel);
    e = errno;
    printf("semtimedop on a zero semaphore: %d %s\n", r, strerror(e));
    semctl(sem, 0, IPC_RMID);

    stop = 1;
    pthread_join(tk, NULL);
    return 0;
}
