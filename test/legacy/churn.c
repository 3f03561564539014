/* Threads created and joined in batches: memory must not grow with the
 * number of batches.   churn BATCHES PER_BATCH */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long rss_kib(void)
{
    char line[256];
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) v = atol(line + 6);
    if (f) fclose(f);
    return v;
}

static void *work(void *arg)
{
    char buf[2048]; /* touch some stack */
    memset(buf, (int)(long)arg, sizeof buf);
    return (void *)(long)buf[100];
}

int main(int argc, char **argv)
{
    int batches = argc > 1 ? atoi(argv[1]) : 100, per = argc > 2 ? atoi(argv[2]) : 10000;
    pthread_t *t = calloc((size_t)per, sizeof *t);
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 64 * 1024);
    long first = 0, total = 0;
    for (int b = 0; b < batches; b++) {
        for (int i = 0; i < per; i++) {
            int r = pthread_create(&t[i], &a, work, (void *)(long)(i & 0x7f));
            if (r) {
                printf("pthread_create failed: %s\n", strerror(r));
                return 1;
            }
        }
        for (int i = 0; i < per; i++) {
            void *ret;
            pthread_join(t[i], &ret);
            total += (long)ret == (i & 0x7f);
        }
        if (b == 0) first = rss_kib();
    }
    long last = rss_kib();
    printf("%d batches of %d threads, %ld joined with the right result\n", batches, per, total);
    printf("rss after first batch %ld KiB, after the last %ld KiB, growth %ld KiB\n", first, last,
           last - first);
    return 0;
}
