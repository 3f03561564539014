/* ns per call of getppid(2) made N times through libc ("libc") or with a
 * raw syscall instruction in the program ("raw"): what syscall user
 * dispatch costs a program that makes none, and one trapped call.
 * Usage: rawsys_bench libc|raw N */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long raw0(long nr)
{
    long ret;
    __asm__ volatile("syscall" : "=a"(ret) : "a"(nr) : "rcx", "r11", "memory");
    return ret;
}

int main(int argc, char **argv)
{
    if (argc < 3) return 2;
    long n = atol(argv[2]), s = 0;
    int raw = !strcmp(argv[1], "raw");
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) s += raw ? raw0(SYS_getppid) : getppid();
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("%.1f\n", ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n + (s == 1 ? 1e-9 : 0));
    return 0;
}
