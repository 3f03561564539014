/* Threads contending for file locks while another thread ticks every 10 ms:
 * flock and fcntl(F_OFD_SETLKW) between two threads (each with its own
 * open of the file), fcntl(F_SETLKW) and lockf(F_LOCK) against a child
 * process holding a POSIX lock, and F_SETLKW's deadlock detection between
 * two processes. The holder lets go once the waiter has waited 25 ticks
 * (or after 3 s): a waiter that holds the OS thread sees no ticks.
 * Usage: file_locks FILE */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *path;
static volatile int ticks, stop, waiting, wait_start, released, holder_go;

static void *ticker(void *a)
{
    (void)a;
    while (!stop) {
        usleep(10000);
        ticks++;
    }
    return NULL;
}

/* Until the waiter has waited 25 ticks, at least 300 ms, at most 3 s. */
static void hold_until_waited(void)
{
    for (int ms = 0; ms < 3000; ms += 5) {
        if (ms >= 300 && waiting && ticks - wait_start >= 25) break;
        usleep(5000);
    }
}

enum { FLOCK, OFD };
static int kind;
static volatile int holder_has_it;

static int lock(int fd, int type)
{
    if (kind == FLOCK) return flock(fd, type == F_UNLCK ? LOCK_UN : LOCK_EX);
    struct flock fl = {.l_type = (short)type, .l_whence = SEEK_SET};
    return fcntl(fd, F_OFD_SETLKW, &fl);
}

static void *holder(void *a)
{
    (void)a;
    int fd = open(path, O_RDWR);
    if (lock(fd, F_WRLCK) != 0) perror("holder lock");
    holder_has_it = 1;
    hold_until_waited();
    released = 1;
    lock(fd, F_UNLCK);
    close(fd);
    return NULL;
}

static void waiter(const char *name)
{
    int fd = open(path, O_RDWR);
    while (!holder_has_it) usleep(1000);
    wait_start = ticks;
    waiting = 1;
    int r = lock(fd, F_WRLCK);
    int waited = ticks - wait_start;
    waiting = 0;
    printf("%s: %s, after the holder let go: %s, ticks during the wait >= 20: %s\n", name,
           r == 0 ? "locked" : strerror(errno), released ? "yes" : "no",
           waited >= 20 ? "yes" : "no");
    lock(fd, F_UNLCK);
    close(fd);
}

static void threads_contend(int k, const char *name)
{
    pthread_t h;
    kind = k;
    holder_has_it = released = 0;
    pthread_create(&h, NULL, holder, NULL);
    waiter(name);
    pthread_join(h, NULL);
}

/* A child process holds a write lock on the whole file until told to let
 * go (a byte on its pipe) or 3 s have passed. */
static pid_t child_holder(int *tell)
{
    int up[2], down[2];
    if (pipe(up) || pipe(down)) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(path, O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &fl) != 0) _exit(1);
        if (write(up[1], "L", 1) != 1) _exit(1);
        struct timeval tv = {3, 0};
        fd_set s;
        FD_ZERO(&s);
        FD_SET(down[0], &s);
        select(down[0] + 1, &s, NULL, NULL, &tv);
        _exit(0);
    }
    char c;
    if (read(up[0], &c, 1) != 1) exit(1);
    close(up[0]);
    close(up[1]);
    close(down[0]);
    *tell = down[1];
    return pid;
}

static void *teller(void *a)
{
    int fd = *(int *)a;
    while (!(waiting && ticks - wait_start >= 25)) usleep(5000);
    released = 1;
    if (write(fd, "U", 1) != 1) perror("tell");
    return NULL;
}

static void process_contend(int use_lockf)
{
    int tell, st;
    released = 0;
    pid_t pid = child_holder(&tell);
    pthread_t t;
    pthread_create(&t, NULL, teller, &tell);
    int fd = open(path, O_RDWR);
    wait_start = ticks;
    waiting = 1;
    int r;
    if (use_lockf) {
        r = lockf(fd, F_LOCK, 0);
    } else {
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        r = fcntl(fd, F_SETLKW, &fl);
    }
    int waited = ticks - wait_start;
    waiting = 0;
    pthread_join(t, NULL);
    waitpid(pid, &st, 0);
    printf("%s against a child process: %s, after it let go: %s, ticks during the wait >= 20: %s\n",
           use_lockf ? "lockf(F_LOCK)" : "fcntl(F_SETLKW)", r == 0 ? "locked" : strerror(errno),
           released ? "yes" : "no", waited >= 20 ? "yes" : "no");
    close(fd); /* drops our POSIX locks */
    close(tell);
}

/* We hold byte 0, the child byte 1; the child blocks for byte 0, then we
 * ask for byte 1: the kernel sees the cycle and refuses us. */
static void deadlock(void)
{
    int fd = open(path, O_RDWR), sync[2], st;
    struct flock b0 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    struct flock b1 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 1, .l_len = 1};
    if (fcntl(fd, F_SETLK, &b0) != 0 || pipe(sync)) exit(1);
    pid_t pid = fork();
    if (pid == 0) {
        int cfd = open(path, O_RDWR);
        if (fcntl(cfd, F_SETLK, &b1) != 0) _exit(1);
        if (write(sync[1], "x", 1) != 1) _exit(1);
        _exit(fcntl(cfd, F_SETLKW, &b0) == 0 ? 0 : 2); /* waits for us */
    }
    char c;
    if (read(sync[0], &c, 1) != 1) exit(1);
    usleep(200000); /* the child is blocked in F_SETLKW by now */
    int r = fcntl(fd, F_SETLKW, &b1);
    printf("F_SETLKW closing a cycle with another process: %s\n",
           r == 0 ? "locked" : strerror(errno));
    close(fd); /* lets the child have byte 0 */
    waitpid(pid, &st, 0);
    printf("the other process then got its lock: %s\n",
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "yes" : "no");
}

int main(int argc, char **argv)
{
    path = argc > 1 ? argv[1] : "/tmp/file_locks.test";
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "0123456789", 10) != 10) return 1;
    close(fd);
    pthread_t tk;
    pthread_create(&tk, NULL, ticker, NULL);
    threads_contend(FLOCK, "flock(LOCK_EX) between threads");
    threads_contend(OFD, "fcntl(F_OFD_SETLKW) between threads");
    process_contend(0);
    process_contend(1);
    deadlock();
    /* errors from the first try, as natively */
    int r;
    errno = 0;
    r = flock(-1, LOCK_EX);
    printf("flock(-1): %d %s\n", r, strerror(errno));
    fd = open(path, O_RDWR);
    errno = 0;
    r = flock(fd, 12345);
    printf("flock(bad op): %d %s\n", r, strerror(errno));
    struct flock bad = {.l_type = 99, .l_whence = SEEK_SET};
    errno = 0;
    r = fcntl(fd, F_SETLKW, &bad);
    printf("F_SETLKW bad type: %d %s\n", r, strerror(errno));
    errno = 0;
    r = fcntl(fd, F_SETLKW, (struct flock *)8);
    printf("F_SETLKW bad pointer: %d %s\n", r, strerror(errno));
    errno = 0;
    r = lockf(fd, F_TEST, 0);
    printf("lockf(F_TEST) unlocked: %d %s\n", r, strerror(errno));
    close(fd);
    stop = 1;
    pthread_join(tk, NULL);
    unlink(path);
    return 0;
}
