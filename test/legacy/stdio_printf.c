/* P threads printf numbered lines to stdout (the test's pipe, which it
 * starts reading only after a second) while two other threads play socket
 * ping-pong with 10 ms pauses. Natively the printers block in write when
 * the pipe is full and the pingers go on; the same must hold under the
 * shim. Every line must come out whole (checked by the test). On stderr:
 * whether the pingers kept going while the pipe was full.
 * Usage: stdio_printf [printers] [lines] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int nprint = 20, nlines = 2000;
static volatile int stop;
static int sv[2];
static double t0;
static int pings_in_window; /* pings between 0.2 s and 0.8 s after start */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *printer(void *arg)
{
    int id = (int)(long)arg;
    for (int i = 0; i < nlines; i++)
        printf("T%02d L%05d %s\n", id, i, "0123456789abcdefghijklmnopqrstuvwxyz0123");
    return NULL;
}

static void *echoer(void *arg)
{
    (void)arg;
    char c;
    while (read(sv[1], &c, 1) == 1)
        if (write(sv[1], &c, 1) != 1) break;
    return NULL;
}

static void *pinger(void *arg)
{
    (void)arg;
    char c = 'x';
    while (!stop) {
        if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1) break;
        double t = now() - t0;
        if (t > 0.2 && t < 0.8) pings_in_window++;
        usleep(10000);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) nprint = atoi(argv[1]);
    if (argc > 2) nlines = atoi(argv[2]);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return 1;
    t0 = now();
    pthread_t e, p, *t = calloc((size_t)nprint, sizeof *t);
    pthread_create(&e, NULL, echoer, NULL);
    pthread_create(&p, NULL, pinger, NULL);
    for (int i = 0; i < nprint; i++) pthread_create(&t[i], NULL, printer, (void *)(long)i);
    for (int i = 0; i < nprint; i++) pthread_join(t[i], NULL);
    fflush(stdout);
    stop = 1;
    pthread_join(p, NULL);
    shutdown(sv[0], SHUT_WR);
    pthread_join(e, NULL);
    fprintf(stderr, "pingers kept going while stdout was full: %s\n",
            pings_in_window >= 20 ? "yes" : "no");
    return 0;
}
