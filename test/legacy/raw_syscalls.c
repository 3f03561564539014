/* System calls made without libc, as liburing, statically linked code and
 * hand-written assembly make them: one thread reads a socket with a raw
 * `syscall` instruction (read(2)) while the data comes 300 ms later, then
 * waits in liburing's io_uring_wait_cqe (liburing linked statically, so
 * its io_uring_enter is the program's own instruction) for a 300 ms
 * timeout request; another thread ticks every 10 ms meanwhile. Prints what
 * each call returned and whether the ticker kept ticking during each wait.
 * Usage: raw_syscalls */
#include <errno.h>
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static volatile int ticks, stop;

static long raw3(long nr, long a1, long a2, long a3)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3)
                     : "rcx", "r11", "memory");
    return ret;
}

static void *ticker(void *arg)
{
    (void)arg;
    struct timespec ts = {0, 10 * 1000 * 1000};
    while (!stop) {
        nanosleep(&ts, NULL);
        ticks++;
    }
    return NULL;
}

static void *late_writer(void *arg)
{
    int fd = *(int *)arg;
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, NULL);
    if (write(fd, "hello", 5) != 5) perror("write");
    return NULL;
}

static void report(const char *what, int before)
{
    int n = ticks - before;
    printf("  the other thread ticked during %s: %s\n", what, n >= 10 ? "yes (10 or more)" : "no");
    if (n < 10) fprintf(stderr, "%s: %d ticks\n", what, n);
}

int main(void)
{
    pthread_t tk, wr;
    int sv[2];
    pthread_create(&tk, NULL, ticker, NULL);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) return 1;
    pthread_create(&wr, NULL, late_writer, &sv[1]);

    char buf[16] = {0};
    int t0 = ticks;
    long r = raw3(SYS_read, sv[0], (long)buf, sizeof buf);
    printf("raw read: %ld %s\n", r, r > 0 ? buf : strerror((int)-r));
    report("the raw read", t0);
    pthread_join(wr, NULL);

    struct io_uring ring;
    int e = io_uring_queue_init(4, &ring, 0);
    if (e < 0) {
        printf("io_uring_queue_init: %s\n", strerror(-e));
    } else {
        struct __kernel_timespec ts = {0, 300 * 1000 * 1000};
        struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
        io_uring_prep_timeout(sqe, &ts, 0, 0);
        sqe->user_data = 42;
        io_uring_submit(&ring);
        struct io_uring_cqe *cqe;
        t0 = ticks;
        e = io_uring_wait_cqe(&ring, &cqe);
        printf("io_uring_wait_cqe: %d, user_data %llu, res %s\n", e,
               e ? 0ULL : (unsigned long long)cqe->user_data, e ? "-" : strerror(-cqe->res));
        report("io_uring_wait_cqe", t0);
        if (!e) io_uring_cqe_seen(&ring, cqe);
        io_uring_queue_exit(&ring);
    }
    /* and the quick ones made raw: their results as the kernel's */
    r = raw3(SYS_getppid, 0, 0, 0);
    printf("raw getppid: %s\n", r == getppid() ? "the parent" : "other");
    r = raw3(SYS_close, 12345, 0, 0);
    printf("raw close(12345): %s\n", strerror((int)-r));
    stop = 1;
    pthread_join(tk, NULL);
    return 0;
}
