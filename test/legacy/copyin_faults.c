/* Timeouts and fd sets the kernel reads from the caller's memory, given
 * bad and good pointers, in the main thread and in a second thread: the
 * result and errno of each call. Bad: an address in no mapping, a page just
 * unmapped, a PROT_NONE page, a timespec whose second half lies on a
 * PROT_NONE page. Good: on the calling thread's stack, on the main thread's
 * stack (read by the second thread), on the heap. Good contents {0, 1000}:
 * 1 us as a timespec, 1 ms as a timeval. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static const char *who;
static char *none, *edge; /* a PROT_NONE page; 8 bytes before one */
static struct timespec *main_ts;

#define SHOW(what, call)                                                                           \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        printf("%-6s %-34s -> %ld errno %s\n", who, what, r_,                                      \
               errno ? strerrorname_np(errno) : "0");                                              \
    } while (0)

/* every call that reads a timeout or a set, with that pointer */
static void calls(const char *kind, const void *p, int good)
{
    char what[64];
    fd_set rd;
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    FD_ZERO(&rd);
#define W(s) (snprintf(what, sizeof what, "%s %s", s, kind), what)
    SHOW(W("nanosleep"), nanosleep(p, NULL));
    SHOW(W("clock_nanosleep"), -clock_nanosleep(CLOCK_MONOTONIC, 0, p, NULL));
    if (good) { /* glibc reads these itself: a bad one is SIGSEGV natively */
        SHOW(W("select tv"), select(0, NULL, NULL, NULL, (struct timeval *)p));
        SHOW(W("pselect ts"), pselect(0, NULL, NULL, NULL, p, NULL));
        SHOW(W("ppoll ts"), ppoll(NULL, 0, p, NULL));
    }
    SHOW(W("sigtimedwait ts"), sigtimedwait(&usr1, NULL, p));
    /* a read fd_set: natively EFAULT before the (zero) timeout */
    struct timeval zero = {0, 0};
    SHOW(W("select readfds"), select(1, (fd_set *)p, NULL, NULL, &zero));
}

static void all(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    calls("bad (void *)1", (void *)1, 0);
    /* unmapped just before: nothing has been mapped there again yet */
    char *gone = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(gone, pg);
    calls("unmapped page", gone, 0);
    calls("PROT_NONE page", none, 0);
    calls("across into PROT_NONE", edge, 0);
    struct timespec own = {0, 1000};
    calls("on own stack", &own, 1);
    calls("on main's stack", main_ts, 1);
    struct timespec *heap = malloc(sizeof *heap);
    *heap = (struct timespec){0, 1000};
    calls("on the heap", heap, 1);
    free(heap);
}

static void *thread(void *arg)
{
    who = "thread";
    all();
    return arg;
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, NULL); /* sigtimedwait times out: EAGAIN */
    long pg = sysconf(_SC_PAGESIZE);
    char *m = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return 1;
    mprotect(m + pg, pg, PROT_NONE);
    edge = m + pg - 8;
    memset(edge, 0, 8); /* tv_sec 0; tv_nsec on the PROT_NONE page */
    none = mmap(NULL, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct timespec mine = {0, 1000};
    main_ts = &mine;
    who = "main";
    all();
    pthread_t t;
    pthread_create(&t, NULL, thread, NULL);
    pthread_join(t, NULL);
    return 0;
}
