// Stress for preemption (issue 14): THREADS threads each run ITERS rounds
// of malloc/free, snprintf, fprintf to a shared stream, qsort with a
// callback, and a C++ exception thrown and caught through a few frames,
// with pure computation in between (where a preemption signal can land).
//
//   preempt_stress THREADS ITERS
//
// stdout: one line per thread with its checksum, in thread order, and a
// total: the same natively and under the shim. Exit 0.
#include <pthread.h>
#include <stdexcept>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <string>

static FILE *sink;
static unsigned long sums[1000];
static long iters;

static int cmp(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;
    // some work inside the callback, where preemption must not happen
    volatile unsigned z = 0;
    for (int i = 0; i < 20; i++) z = z + (x ^ (unsigned)i);
    return x < y ? -1 : x > y;
}

static unsigned long deep(int d, unsigned long v)
{
    if (d == 0) {
        if (v % 3 == 0) throw std::runtime_error("v " + std::to_string(v));
        return v;
    }
    std::string keep(16, (char)('a' + d)); // a destructor to run while unwinding
    return deep(d - 1, v + keep.size());
}

static void *run(void *arg)
{
    long id = (long)arg;
    unsigned long sum = 0, x = (unsigned long)id * 2654435761u + 1;
    for (long it = 0; it < iters; it++) {
        // pure computation
        for (int i = 0; i < 2000; i++) x = x * 6364136223846793005ul + 1442695040888963407ul;
        size_t n = 16 + (x >> 33) % 4000;
        unsigned char *p = (unsigned char *)malloc(n);
        memset(p, (int)(x & 0xff), n);
        sum += p[n - 1];
        char buf[64];
        int len = snprintf(buf, sizeof buf, "%ld:%lu", id, x % 100000);
        sum += (unsigned long)len;
        fprintf(sink, "%s %zu\n", buf, n);
        unsigned a[64];
        for (int i = 0; i < 64; i++) a[i] = (unsigned)((x >> (i % 32)) ^ (unsigned)i * 7919u);
        qsort(a, 64, sizeof a[0], cmp);
        sum += a[0] + a[63];
        try {
            sum += deep(3, x % 1000);
        } catch (const std::exception &e) {
            sum += strlen(e.what());
        }
        free(p);
    }
    sums[id] = sum;
    return nullptr;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: preempt_stress THREADS ITERS\n");
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 1 || n > 1000) return 2;
    iters = atol(argv[2]);
    sink = fopen("/dev/null", "w");
    static pthread_t t[1000];
    for (long i = 0; i < n; i++)
        if (pthread_create(&t[i], nullptr, run, (void *)i)) return 1;
    unsigned long total = 0;
    for (long i = 0; i < n; i++) {
        pthread_join(t[i], nullptr);
        printf("thread %ld sum %lu\n", i, sums[i]);
        total += sums[i];
    }
    printf("total %lu\n", total);
    fclose(sink);
    return 0;
}
