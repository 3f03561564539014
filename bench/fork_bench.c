/* make bench, 60-fork: N times fork, _exit(0) in the child, waitpid in the
 * parent. Prints microseconds per fork: wall clock, and CPU time of the
 * parent plus its children (getrusage), which a loaded machine disturbs
 * less. "hub": one usleep first (under the shim, the hub then exists). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double us(struct timeval t)
{
    return t.tv_sec * 1e6 + t.tv_usec;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (argc > 2 && strcmp(argv[2], "hub") == 0) usleep(1);
    struct timespec a, b;
    struct rusage s0, s1, c0, c1;
    getrusage(RUSAGE_SELF, &s0);
    getrusage(RUSAGE_CHILDREN, &c0);
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < n; i++) {
        pid_t p = fork();
        if (p == 0) _exit(0);
        if (p < 0 || waitpid(p, NULL, 0) != p) return 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    getrusage(RUSAGE_SELF, &s1);
    getrusage(RUSAGE_CHILDREN, &c1);
    double wall = ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e3 / n;
    double cpu = (us(s1.ru_utime) + us(s1.ru_stime) - us(s0.ru_utime) - us(s0.ru_stime) +
                  us(c1.ru_utime) + us(c1.ru_stime) - us(c0.ru_utime) - us(c0.ru_stime)) /
                 n;
    printf("%.1f %.1f\n", wall, cpu);
    return 0;
}
