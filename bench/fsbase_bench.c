/* make bench: what changing a thread's %fs base costs on this machine,
 * beside a bare system call: N calls of getppid, arch_prctl(ARCH_SET_FS)
 * (to the value it has: the kernel writes the base all the same) or
 * WRFSBASE when the CPU and kernel allow it; prints ns per call, or "-"
 * for wrfsbase where AT_HWCAP2 lacks HWCAP2_FSGSBASE. */
#include <asm/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s getppid|arch_prctl|wrfsbase N\n", argv[0]);
        return 2;
    }
    long n = atol(argv[2]);
    unsigned long fs;
    __asm__ volatile("mov %%fs:0, %0" : "=r"(fs));
    double t0 = now_ns();
    if (!strcmp(argv[1], "getppid")) {
        for (long i = 0; i < n; i++) syscall(SYS_getppid);
    } else if (!strcmp(argv[1], "arch_prctl")) {
        for (long i = 0; i < n; i++) syscall(SYS_arch_prctl, ARCH_SET_FS, fs);
    } else if (!strcmp(argv[1], "wrfsbase")) {
        if (!(getauxval(AT_HWCAP2) & 2)) {
            printf("-\n");
            return 0;
        }
        for (long i = 0; i < n; i++) __asm__ volatile("wrfsbase %0" ::"r"(fs) : "memory");
    } else {
        return 2;
    }
    printf("%.1f\n", (now_ns() - t0) / (double)n);
    return 0;
}
