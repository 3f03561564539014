/* CPU-bound threads beside a latency-sensitive one:
 *
 *   zecho N PINGS GAP_MS [hash [WORK_MS]]
 *
 * N threads compress a 256 KiB buffer with zlib over and over (or, with
 * "hash", hash it with a plain loop in this program), while one thread
 * answers pings on a socket pair (with WORK_MS, each worker stops after
 * that long). A child process (forked first, before
 * any thread) sends PINGS pings GAP_MS ms apart, measures each round trip
 * and prints p50 and p99 in ms on stderr ("rtt p50 X p99 Y"). The echo
 * thread prints how long each ping waited to be read ("wait p50 X p99 Y"),
 * and the same less the time the server's main OS thread waited for a CPU
 * meanwhile ("beyond_runq p50 X p99 Y"; meaningful when every thread runs
 * on that OS thread, as under the shim: on a loaded machine an OS thread
 * that is always busy waits for a CPU longer than one that mostly sleeps,
 * which no scheduling inside the process can change). stdout is
 * the same natively and under the shim: the pings answered and the
 * compressed size of the buffer. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define BUF (256 * 1024)

static volatile int stop;
static unsigned char *src;
static unsigned long zsize;
static int use_hash;
static double work_end;
static volatile unsigned long hsink;

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void *worker(void *a)
{
    (void)a;
    uLongf cap = compressBound(BUF);
    unsigned char *dst = malloc(cap);
    while (!stop && (!work_end || now_ms() < work_end)) {
        if (use_hash) {
            unsigned long h = 1469598103934665603ul;
            for (int r = 0; r < 8; r++)
                for (size_t i = 0; i < BUF; i++) h = (h ^ src[i]) * 1099511628211ul;
            hsink = h;
        } else {
            uLongf n = cap;
            if (compress2(dst, &n, src, BUF, 6) != Z_OK) exit(1);
            zsize = n;
        }
    }
    free(dst);
    return NULL;
}

static int sv[2];
static int pings;

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ms the given thread of the server has waited on a run queue for a CPU */
static double runq_ms(const char *path)
{
    char buf[128];
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    unsigned long long on = 0, wait = 0;
    if (!fgets(buf, sizeof buf, f) || sscanf(buf, "%llu %llu", &on, &wait) != 2) wait = 0;
    fclose(f);
    return (double)wait / 1e6;
}

static void *echo(void *a)
{
    (void)a;
    double m[2], *w = malloc(sizeof(double) * (size_t)pings),
                 *c = malloc(sizeof(double) * (size_t)pings);
    int n = 0;
    size_t got = 0;
    ssize_t r;
    while ((r = read(sv[0], (char *)m + got, sizeof m - got)) > 0) {
        if ((got += (size_t)r) < sizeof m) continue;
        got = 0;
        if (n < pings) {
            w[n] = now_ms() - m[0];
            c[n] = w[n] - (runq_ms("/proc/thread-self/schedstat") - m[1]);
        }
        if (write(sv[0], "p", 1) != 1) break;
        n++;
    }
    printf("answered %d pings\n", n);
    if (n == pings) {
        qsort(w, (size_t)n, sizeof *w, cmp);
        qsort(c, (size_t)n, sizeof *c, cmp);
        fprintf(stderr, "wait p50 %.2f p99 %.2f max %.2f\nbeyond_runq p50 %.2f p99 %.2f max %.2f\n",
                w[n / 2], w[n * 99 / 100], w[n - 1], c[n / 2], c[n * 99 / 100], c[n - 1]);
    }
    stop = 1;
    return NULL;
}

static void client(int fd, int gap_ms)
{
    double *rtt = malloc(sizeof(double) * (size_t)pings);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/schedstat", (int)getppid(), (int)getppid());
    struct timespec gap = {0, gap_ms * 1000000L};
    for (int i = 0; i < pings; i++) {
        nanosleep(&gap, NULL);
        char c;
        /* the server's main OS thread's run-queue wait, then the clock: the
         * echo thread works out how long the ping waited */
        double m[2];
        m[1] = runq_ms(path);
        m[0] = now_ms();
        if (write(fd, m, sizeof m) != (ssize_t)sizeof m || read(fd, &c, 1) != 1) _exit(1);
        rtt[i] = now_ms() - m[0];
    }
    qsort(rtt, (size_t)pings, sizeof *rtt, cmp);
    fprintf(stderr, "rtt p50 %.2f p99 %.2f max %.2f\n", rtt[pings / 2], rtt[pings * 99 / 100],
            rtt[pings - 1]);
    _exit(0);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: zecho N PINGS GAP_MS [hash]\n");
        return 2;
    }
    int n = atoi(argv[1]);
    pings = atoi(argv[2]);
    int gap = atoi(argv[3]);
    use_hash = argc > 4 && !strcmp(argv[4], "hash");
    if (argc > 5) work_end = now_ms() + atof(argv[5]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv)) return 1;
    pid_t kid = fork();
    if (kid == 0) {
        close(sv[0]);
        client(sv[1], gap);
    }
    close(sv[1]);
    src = malloc(BUF);
    unsigned x = 12345;
    for (size_t i = 0; i < BUF; i++) { /* compressible, not trivially */
        x = x * 1103515245u + 12345u;
        src[i] = (unsigned char)("abcdefgh"[(x >> 16) & 7] + ((x >> 24) & 1));
    }
    pthread_t e, w[64];
    pthread_create(&e, NULL, echo, NULL);
    for (int i = 0; i < n && i < 64; i++) pthread_create(&w[i], NULL, worker, NULL);
    int st;
    waitpid(kid, &st, 0);
    shutdown(sv[0], SHUT_RDWR);
    pthread_join(e, NULL);
    for (int i = 0; i < n && i < 64; i++) pthread_join(w[i], NULL);
    if (!use_hash) {
        uLongf cap = compressBound(BUF), m = cap;
        unsigned char *dst = malloc(cap);
        compress2(dst, &m, src, BUF, 6);
        printf("compressed %d bytes to %lu\n", BUF, (unsigned long)m);
        free(dst);
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : 1;
}
