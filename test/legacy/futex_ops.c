/* Raw futexes through libc's syscall(), as Rust's std and libstdc++ make
 * them: every operation with its return value and errno (bad arguments
 * included), 100 threads waiting and woken, wake counts and bitsets,
 * requeue, wake-op, timeouts on both clocks, a signal during a wait, a
 * shared futex between threads and between processes, and other system
 * call numbers passed through. The output is the same on any Linux run
 * natively and under the shim; nothing depends on timing except "not
 * before the deadline". */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long fx(void *f, int op, long val, const void *ts, void *f2, long v3)
{
    return syscall(SYS_futex, f, op, val, ts, f2, v3);
}

static void show(const char *what, long r)
{
    printf("%-44s %ld %s\n", what, r, r < 0 ? strerrorname_np(errno) : "");
}
#define T(what, call)                                                                              \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (call);                                                                          \
        show(what, r_);                                                                            \
    } while (0)

/* Waiters on f without waking any: a requeue of f onto itself counts them
 * (private and shared waiters apart, as the kernel keys them). */
static long nwaitx(uint32_t *f, int priv)
{
    return fx(f, FUTEX_CMP_REQUEUE | priv, 0, (void *)(long)INT_MAX, f,
              __atomic_load_n(f, __ATOMIC_SEQ_CST));
}
#define nwait(f) nwaitx(f, FUTEX_PRIVATE_FLAG)

static void until_waiting(uint32_t *f, long n)
{
    while (nwait(f) != n) usleep(1000);
}

static int64_t now_ns(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct waiter {
    pthread_t t;
    uint32_t *f;
    int op;
    uint32_t val, bitset;
    long ret;
    int err;
};

static void *wait_main(void *p)
{
    struct waiter *w = p;
    errno = 0;
    w->ret = fx(w->f, w->op, w->val, NULL, NULL, w->bitset);
    w->err = errno;
    return NULL;
}

static void start(struct waiter *w, uint32_t *f, int op, uint32_t val, uint32_t bitset)
{
    *w = (struct waiter){.f = f, .op = op, .val = val, .bitset = bitset};
    pthread_create(&w->t, NULL, wait_main, w);
}

/* How many of n waiters came back, and how: "k x 0, j x EINTR" */
static void results(const char *what, struct waiter *w, int n)
{
    int ok = 0, other = 0;
    for (int i = 0; i < n; i++) {
        pthread_join(w[i].t, NULL);
        if (w[i].ret == 0)
            ok++;
        else
            other++;
    }
    printf("%-44s %d woken with 0, %d otherwise\n", what, ok, other);
}

static uint32_t f1, f2, f3[4];

static void errors(void)
{
    struct timespec z = {0, 0}, neg = {-1, 0}, badns = {0, 1000000000};
    char *mis = (char *)&f1 + 1;
    void *kern = (void *)0xffffffff80000000ul;
    T("wake private NULL", fx(NULL, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    T("wake shared NULL", fx(NULL, FUTEX_WAKE, 1, 0, 0, 0));
    T("wake misaligned", fx(mis, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    T("wake kernel address", fx(kern, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    T("wake nobody", fx(&f1, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    T("wake shared nobody", fx(&f1, FUTEX_WAKE, 1, 0, 0, 0));
    T("wake_bitset bitset 0", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 0));
    T("wake CLOCK_REALTIME", fx(&f1, FUTEX_WAKE_PRIVATE | FUTEX_CLOCK_REALTIME, 1, 0, 0, 0));
    T("wait CLOCK_REALTIME", fx(&f1, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &z, 0, 0));
    T("wait CLOCK_REALTIME bad timeout",
      fx(&f1, FUTEX_WAIT_PRIVATE | FUTEX_CLOCK_REALTIME, 0, (void *)8, 0, 0));
    T("wait value differs", fx(&f1, FUTEX_WAIT_PRIVATE, 1, &z, 0, 0));
    T("wait value differs, no timeout", fx(&f1, FUTEX_WAIT_PRIVATE, 1, NULL, 0, 0));
    T("wait shared value differs", fx(&f1, FUTEX_WAIT, 1, NULL, 0, 0));
    T("wait zero timeout", fx(&f1, FUTEX_WAIT_PRIVATE, 0, &z, 0, 0));
    T("wait shared zero timeout", fx(&f1, FUTEX_WAIT, 0, &z, 0, 0));
    T("wait negative timeout", fx(&f1, FUTEX_WAIT_PRIVATE, 0, &neg, 0, 0));
    T("wait tv_nsec 1e9", fx(&f1, FUTEX_WAIT_PRIVATE, 0, &badns, 0, 0));
    T("wait value differs, negative timeout", fx(&f1, FUTEX_WAIT_PRIVATE, 1, &neg, 0, 0));
    T("wait bad timeout pointer", fx(&f1, FUTEX_WAIT_PRIVATE, 0, (void *)8, 0, 0));
    T("wait NULL", fx(NULL, FUTEX_WAIT_PRIVATE, 0, &z, 0, 0));
    T("wait unmapped", fx((void *)4096, FUTEX_WAIT_PRIVATE, 0, &z, 0, 0));
    T("wait shared NULL", fx(NULL, FUTEX_WAIT, 0, &z, 0, 0));
    T("wait misaligned", fx(mis, FUTEX_WAIT_PRIVATE, 0, &z, 0, 0));
    T("wait misaligned, bad timeout", fx(mis, FUTEX_WAIT_PRIVATE, 0, (void *)8, 0, 0));
    T("wait_bitset bitset 0", fx(&f1, FUTEX_WAIT_BITSET_PRIVATE, 0, &z, 0, 0));
    T("wait_bitset bitset 0, value differs", fx(&f1, FUTEX_WAIT_BITSET_PRIVATE, 1, &z, 0, 0));
    T("wait_bitset deadline 0 (past)", fx(&f1, FUTEX_WAIT_BITSET_PRIVATE, 0, &z, 0, -1));
    T("wait_bitset realtime deadline 0",
      fx(&f1, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &z, 0, -1));
    T("wait_bitset NULL, bitset 0", fx(NULL, FUTEX_WAIT_BITSET_PRIVATE, 0, &z, 0, 0));
    T("requeue nobody", fx(&f1, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &f2, 0));
    T("requeue negative wake", fx(&f1, FUTEX_REQUEUE_PRIVATE, -1, (void *)1, &f2, 0));
    T("requeue negative count", fx(&f1, FUTEX_REQUEUE_PRIVATE, 1, (void *)-1, &f2, 0));
    T("requeue onto itself", fx(&f1, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, &f1, 0));
    T("requeue onto NULL", fx(&f1, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, NULL, 0));
    T("requeue onto misaligned", fx(&f1, FUTEX_REQUEUE_PRIVATE, 1, (void *)1, mis, 0));
    T("cmp_requeue value differs", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &f2, 5));
    T("cmp_requeue nobody", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &f2, 0));
    T("cmp_requeue from NULL", fx(NULL, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, &f2, 0));
    T("cmp_requeue onto NULL", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)1, NULL, 0));
    T("wake_op add", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &f3[0],
                        FUTEX_OP(FUTEX_OP_ADD, 5, FUTEX_OP_CMP_EQ, 0)));
    printf("%-44s %u\n", "  word after wake_op add", f3[0]);
    T("wake_op onto NULL", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, NULL,
                              FUTEX_OP(FUTEX_OP_ADD, 1, FUTEX_OP_CMP_EQ, 0)));
    T("wake_op unknown op", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &f3[0], 7u << 28));
    T("wake_op unknown compare", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &f3[0], 15u << 24));
    printf("%-44s %u\n", "  word after unknown compare", f3[0]);
    T("unknown op 99", fx(&f1, 99, 1, 0, 0, 0));
}

static void timeouts(void)
{
    struct timespec rel = {0, 30000000}, abs;
    int64_t t0;

    t0 = now_ns(CLOCK_MONOTONIC);
    T("wait 30 ms relative", fx(&f1, FUTEX_WAIT_PRIVATE, 0, &rel, 0, 0));
    printf("%-44s %s\n", "  not before 30 ms",
           now_ns(CLOCK_MONOTONIC) - t0 >= 30000000 ? "yes" : "NO");

    t0 = now_ns(CLOCK_MONOTONIC);
    T("wait shared 30 ms relative", fx(&f1, FUTEX_WAIT, 0, &rel, 0, 0));
    printf("%-44s %s\n", "  not before 30 ms",
           now_ns(CLOCK_MONOTONIC) - t0 >= 30000000 ? "yes" : "NO");

    t0 = now_ns(CLOCK_MONOTONIC);
    abs.tv_sec = (t0 + 30000000) / 1000000000;
    abs.tv_nsec = (t0 + 30000000) % 1000000000;
    T("wait_bitset monotonic deadline +30 ms", fx(&f1, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, 0, -1));
    printf("%-44s %s\n", "  not before the deadline",
           now_ns(CLOCK_MONOTONIC) >= t0 + 30000000 ? "yes" : "NO");

    t0 = now_ns(CLOCK_REALTIME);
    abs.tv_sec = (t0 + 30000000) / 1000000000;
    abs.tv_nsec = (t0 + 30000000) % 1000000000;
    T("wait_bitset realtime deadline +30 ms",
      fx(&f1, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &abs, 0, -1));
    printf("%-44s %s\n", "  not before the deadline",
           now_ns(CLOCK_REALTIME) >= t0 + 30000000 ? "yes" : "NO");
}

#define N 100
static struct waiter ws[N];

static void many(void)
{
    f1 = 0;
    for (int i = 0; i < N; i++) start(&ws[i], &f1, FUTEX_WAIT_PRIVATE, 0, 0);
    until_waiting(&f1, N);
    T("100 waiting, counted by requeue onto itself", nwait(&f1));
    T("wake 1", fx(&f1, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    T("wake 0 (the kernel wakes one)", fx(&f1, FUTEX_WAKE_PRIVATE, 0, 0, 0, 0));
    T("wake -1 (one again)", fx(&f1, FUTEX_WAKE_PRIVATE, -1, 0, 0, 0));
    T("wake 10", fx(&f1, FUTEX_WAKE_PRIVATE, 10, 0, 0, 0));
    T("  left waiting", nwait(&f1));
    T("wake_bitset any, 7", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, 7, 0, 0, FUTEX_BITSET_MATCH_ANY));
    T("wake INT_MAX", fx(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0));
    results("100 waiters", ws, N);
}

static void bitsets(void)
{
    f1 = 0;
    start(&ws[0], &f1, FUTEX_WAIT_BITSET_PRIVATE, 0, 1);
    until_waiting(&f1, 1);
    start(&ws[1], &f1, FUTEX_WAIT_BITSET_PRIVATE, 0, 2);
    until_waiting(&f1, 2);
    start(&ws[2], &f1, FUTEX_WAIT_BITSET_PRIVATE, 0, 6);
    until_waiting(&f1, 3);
    T("wake_bitset 4 (matches one)", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, 0, 0, 4));
    pthread_join(ws[2].t, NULL);
    printf("%-44s %ld\n", "  the waiter with bitset 6 returned", ws[2].ret);
    T("wake_bitset 8 (matches none)", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, INT_MAX, 0, 0, 8));
    T("wake_bitset 3, 1 of them", fx(&f1, FUTEX_WAKE_BITSET_PRIVATE, 1, 0, 0, 3));
    T("plain wake of the rest", fx(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0));
    results("bitset waiters", ws, 2);
}

static void requeue(void)
{
    f1 = f2 = 0;
    for (int i = 0; i < 6; i++) start(&ws[i], &f1, FUTEX_WAIT_PRIVATE, 0, 0);
    until_waiting(&f1, 6);
    T("requeue wake 1, move 2", fx(&f1, FUTEX_REQUEUE_PRIVATE, 1, (void *)2, &f2, 0));
    T("  waiting on the first", nwait(&f1));
    T("  waiting on the second", nwait(&f2));
    T("cmp_requeue value differs", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)9, &f2, 1));
    T("cmp_requeue wake 0, move 9", fx(&f1, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)9, &f2, 0));
    T("  waiting on the first", nwait(&f1));
    T("  waiting on the second", nwait(&f2));
    T("wake the first", fx(&f1, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0));
    T("wake the second", fx(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0));
    results("requeued waiters", ws, 6);
}

static void wake_op(void)
{
    f1 = f2 = 0;
    for (int i = 0; i < 2; i++) start(&ws[i], &f1, FUTEX_WAIT_PRIVATE, 0, 0);
    until_waiting(&f1, 2);
    for (int i = 2; i < 4; i++) start(&ws[i], &f2, FUTEX_WAIT_PRIVATE, 0, 0);
    until_waiting(&f2, 2);
    T("wake_op set 1 if 0: one each", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &f2,
                                         FUTEX_OP(FUTEX_OP_SET, 1, FUTEX_OP_CMP_EQ, 0)));
    printf("%-44s %u\n", "  second word", f2);
    T("wake_op or 2 if 0: first only", fx(&f1, FUTEX_WAKE_OP_PRIVATE, 1, (void *)1, &f2,
                                          FUTEX_OP(FUTEX_OP_OR, 2, FUTEX_OP_CMP_EQ, 0)));
    printf("%-44s %u\n", "  second word", f2);
    T("wake the rest", fx(&f2, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0));
    results("wake_op waiters", ws, 4);
}

static void on_usr1(int sig)
{
    (void)sig;
}

static void signals(void)
{
    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    f1 = 0;
    start(&ws[0], &f1, FUTEX_WAIT_PRIVATE, 0, 0);
    until_waiting(&f1, 1);
    pthread_kill(ws[0].t, SIGUSR1);
    pthread_join(ws[0].t, NULL);
    errno = ws[0].err;
    show("signal during a wait (no SA_RESTART)", ws[0].ret);

    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, NULL);
    start(&ws[0], &f1, FUTEX_WAIT_PRIVATE, 0, 0);
    until_waiting(&f1, 1);
    pthread_kill(ws[0].t, SIGUSR1);
    usleep(20000);
    T("  SA_RESTART: still waiting", nwait(&f1));
    T("  then woken", fx(&f1, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    pthread_join(ws[0].t, NULL);
    errno = ws[0].err;
    show("signal during a wait (SA_RESTART)", ws[0].ret);
}

static volatile int ticks;

static void *ticker(void *p)
{
    (void)p;
    for (int i = 0; i < 5; i++) {
        usleep(2000);
        ticks++;
    }
    return NULL;
}

static void shared(void)
{
    /* between threads: a plain wait and wake on a non-private futex, while
     * another thread keeps running */
    f1 = 0;
    pthread_t tk;
    pthread_create(&tk, NULL, ticker, NULL);
    start(&ws[0], &f1, FUTEX_WAIT, 0, 0);
    while (nwaitx(&f1, 0) != 1) usleep(1000);
    T("  a private wake does not wake it", fx(&f1, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    pthread_join(tk, NULL);
    printf("%-44s %d\n", "ticks while a shared wait went on", ticks);
    __atomic_store_n(&f1, 1, __ATOMIC_SEQ_CST);
    long r = fx(&f1, FUTEX_WAKE, 1, 0, 0, 0);
    printf("%-44s %s\n", "shared wake between threads", r == 1 ? "1" : "NOT 1");
    results("shared waiter", ws, 1);

    /* between processes: the child waits on a word in shared memory until
     * the parent changes it and wakes it */
    uint32_t *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        long rr;
        __atomic_store_n(&w[1], 1, __ATOMIC_SEQ_CST); /* about to wait */
        while ((rr = fx(&w[0], FUTEX_WAIT, 0, NULL, NULL, 0)) == 0 &&
               __atomic_load_n(&w[0], __ATOMIC_SEQ_CST) == 0)
            ;
        _exit(rr == 0 || errno == EAGAIN ? 0 : 1);
    }
    while (!__atomic_load_n(&w[1], __ATOMIC_SEQ_CST)) usleep(1000);
    usleep(20000);
    __atomic_store_n(&w[0], 1, __ATOMIC_SEQ_CST);
    fx(&w[0], FUTEX_WAKE, 1, 0, 0, 0); /* natively 1, or 0 if not asleep yet */
    int st;
    waitpid(pid, &st, 0);
    printf("%-44s %s\n", "child process woken from a shared futex",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
    munmap(w, 4096);
}

static void others(void)
{
    T("syscall(SYS_getpid) == getpid()", syscall(SYS_getpid) == getpid());
    T("syscall(SYS_write, 1, ...)", syscall(SYS_write, 1, "written by syscall()\n", 21));
    T("syscall(SYS_close, -1)", syscall(SYS_close, -1));
    T("syscall(100000)", syscall(100000));
    char buf[8];
    T("syscall(SYS_getrandom, 8 bytes)", syscall(SYS_getrandom, buf, sizeof buf, 0));
    struct timespec ts = {0, 1000000};
    T("syscall(SYS_nanosleep, 1 ms)", syscall(SYS_nanosleep, &ts, NULL));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    errors();
    timeouts();
    many();
    bitsets();
    requeue();
    wake_op();
    signals();
    shared();
    others();
    return 0;
}
