/* R threads each read their own file from disk (its page cache dropped
 * first with posix_fadvise) in 64 KiB chunks while two other threads play
 * socket ping-pong every millisecond; prints the ping round-trip latency
 * (median and worst) and the read throughput.
 * Usage: fileio_bench DIR [readers] [MiB per file] */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile int stop;
static int sv[2], nlat;
static double lat[100000];
static char dir[400];
static int mib = 32;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *reader(void *arg)
{
    char path[512];
    snprintf(path, sizeof path, "%s/r%d", dir, (int)(long)arg);
    int fd = open(path, O_RDONLY);
    posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    char *buf = malloc(65536);
    while (read(fd, buf, 65536) > 0) {
    }
    free(buf);
    close(fd);
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
    while (!stop && nlat < 100000) {
        double t = now();
        if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1) break;
        lat[nlat++] = now() - t;
        usleep(1000);
    }
    return NULL;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : "/tmp");
    int r = argc > 2 ? atoi(argv[2]) : 4;
    if (argc > 3) mib = atoi(argv[3]);
    if (argc > 4) { /* create the files */
        char path[512], *buf = calloc(1, 1 << 20);
        for (int i = 0; i < r; i++) {
            snprintf(path, sizeof path, "%s/r%d", dir, i);
            int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
            for (int m = 0; m < mib; m++)
                if (write(fd, buf, 1 << 20) != 1 << 20) return 1;
            fsync(fd);
            close(fd);
        }
        return 0;
    }
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    pthread_t e, p, *t = calloc((size_t)r, sizeof *t);
    pthread_create(&e, NULL, echoer, NULL);
    pthread_create(&p, NULL, pinger, NULL);
    double t0 = now();
    for (int i = 0; i < r; i++) pthread_create(&t[i], NULL, reader, (void *)(long)i);
    for (int i = 0; i < r; i++) pthread_join(t[i], NULL);
    double el = now() - t0;
    stop = 1;
    pthread_join(p, NULL);
    shutdown(sv[0], SHUT_WR);
    pthread_join(e, NULL);
    qsort(lat, (size_t)nlat, sizeof lat[0], cmp);
    printf("%.0f %.0f %d %.0f\n", nlat ? lat[nlat / 2] * 1e6 : 0, nlat ? lat[nlat - 1] * 1e6 : 0,
           nlat, r * mib / el);
    return 0;
}
