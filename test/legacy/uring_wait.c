/* A completion thread waits in io_uring_wait_cqe (liburing) for a read of
 * a pipe that a writer thread fills only after the waiter has waited 25
 * ticks of a thread ticking every 10 ms, while two more threads play
 * socket ping-pong. Then io_uring_wait_cqe_timeout on an idle ring, and
 * io_uring_submit_and_wait. Usage: uring_wait */
#include <liburing.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile int ticks, stop, waiting, wait_start, pings;
static int p[2], sv[2];

static void *ticker(void *a)
{
    (void)a;
    while (!stop) {
        usleep(10000);
        ticks++;
    }
    return NULL;
}

static void *writer(void *a)
{
    (void)a;
    for (int ms = 0; ms < 3000 && !(waiting && ticks - wait_start >= 25); ms += 5) usleep(5000);
    if (write(p[1], "hello\n", 6) != 6) perror("write");
    return NULL;
}

static void *echoer(void *a)
{
    (void)a;
    char c;
    while (read(sv[1], &c, 1) == 1)
        if (write(sv[1], &c, 1) != 1) break;
    return NULL;
}

static void *pinger(void *a)
{
    (void)a;
    char c = 'x';
    while (!stop) {
        if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1) break;
        if (waiting) pings++;
        usleep(10000);
    }
    return NULL;
}

int main(void)
{
    struct io_uring ring;
    if (pipe(p) || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) || io_uring_queue_init(8, &ring, 0)) {
        perror("setup");
        return 1;
    }
    pthread_t tk, w, e, pg;
    pthread_create(&tk, NULL, ticker, NULL);
    pthread_create(&e, NULL, echoer, NULL);
    pthread_create(&pg, NULL, pinger, NULL);
    pthread_create(&w, NULL, writer, NULL);

    char buf[32] = "";
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, p[0], buf, sizeof buf - 1, 0);
    io_uring_sqe_set_data64(sqe, 42);
    io_uring_submit(&ring);
    wait_start = ticks;
    waiting = 1;
    struct io_uring_cqe *cqe = NULL;
    int r = io_uring_wait_cqe(&ring, &cqe);
    waiting = 0;
    int waited = ticks - wait_start;
    printf("io_uring_wait_cqe: %d, data %llu, res %d: %s", r,
           cqe ? (unsigned long long)cqe->user_data : 0ULL, cqe ? cqe->res : -1, buf);
    printf("ticks while waiting >= 20: %s; pings meanwhile >= 5: %s\n", waited >= 20 ? "yes" : "no",
           pings >= 5 ? "yes" : "no");
    if (cqe) io_uring_cqe_seen(&ring, cqe);
    pthread_join(w, NULL);

    struct __kernel_timespec ts = {0, 100000000};
    r = io_uring_wait_cqe_timeout(&ring, &cqe, &ts);
    printf("io_uring_wait_cqe_timeout on an idle ring: %s\n", strerror(-r));

    sqe = io_uring_get_sqe(&ring);
    io_uring_prep_nop(sqe);
    r = io_uring_submit_and_wait(&ring, 1);
    int got = io_uring_peek_cqe(&ring, &cqe);
    printf("io_uring_submit_and_wait(nop): %d submitted, peek %d res %d\n", r, got,
           cqe ? cqe->res : -1);
    io_uring_queue_exit(&ring);
    stop = 1;
    pthread_join(pg, NULL);
    shutdown(sv[0], SHUT_WR);
    pthread_join(e, NULL);
    pthread_join(tk, NULL);
    return 0;
}
