/* Blocking calls a signal ends, and a FIFO reader's open returning when
 * the writer opens (not when it writes):
 *   1. fcntl(F_SETLKW) on a lock a child process holds for 800 ms; another
 *      thread sends SIGUSR1 to the waiting thread after 150 ms. Without
 *      SA_RESTART the call fails with EINTR; with SA_RESTART it goes on and
 *      gets the lock once the child lets go.
 *   2. open(O_RDONLY) of a FIFO whose writer opens after 100 ms and writes
 *      500 ms later: the open returns with nothing to read yet.
 *   3. open(O_RDONLY) of a FIFO nobody opens, SIGUSR1 after 150 ms: EINTR,
 *      in the main thread first (pthread_kill to main).
 * The waits run in a thread of their own, the signals sent to it with
 * pthread_kill. Usage: block_intr DIR */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t handled;
static pthread_t target;
static char lockpath[512], fifo1[512], fifo2[512];

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void ms_sleep(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *kicker(void *arg)
{
    ms_sleep((int)(long)arg);
    pthread_kill(target, SIGUSR1);
    return NULL;
}

static void handler(int restart)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sa.sa_flags = restart ? SA_RESTART : 0;
    sigaction(SIGUSR1, &sa, NULL);
    handled = 0;
}

static void setlkw(int restart)
{
    int ready[2];
    if (pipe(ready) != 0) exit(1);
    pid_t child = fork();
    if (child == 0) {
        int fd = open(lockpath, O_RDWR);
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        fcntl(fd, F_SETLK, &fl);
        if (write(ready[1], "x", 1) != 1) _exit(1);
        ms_sleep(800);
        _exit(0);
    }
    char c;
    if (read(ready[0], &c, 1) != 1) exit(1);
    handler(restart);
    pthread_t k;
    pthread_create(&k, NULL, kicker, (void *)150L);
    int fd = open(lockpath, O_RDWR);
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    int r = fcntl(fd, F_SETLKW, &fl);
    int e = errno;
    int st;
    int exited = waitpid(child, &st, WNOHANG) == child;
    printf("F_SETLKW, SIGUSR1 after 150 ms, %s: %d %s, handler ran: %s, the holder had let go: %s\n",
           restart ? "SA_RESTART" : "no SA_RESTART", r, r ? strerror(e) : "(locked)",
           handled ? "yes" : "no", exited || r == 0 ? "yes" : "no");
    pthread_join(k, NULL);
    close(fd);
    if (!exited) waitpid(child, &st, 0);
    close(ready[0]);
    close(ready[1]);
}

static void *late_writer(void *arg)
{
    (void)arg;
    ms_sleep(100);
    int fd = open(fifo1, O_WRONLY);
    ms_sleep(500);
    if (write(fd, "data", 4) != 4) perror("write");
    close(fd);
    return NULL;
}

static void *waits(void *arg);

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    /* first the main thread, signalled by another with pthread_kill (before
     * it made any call that would tell the library about itself) */
    snprintf(fifo2, sizeof fifo2, "%s/fifo0", argv[1]);
    unlink(fifo2);
    if (mkfifo(fifo2, 0600)) return 1;
    target = pthread_self();
    handler(0);
    pthread_t t;
    pthread_create(&t, NULL, kicker, (void *)150L);
    int fd = open(fifo2, O_RDONLY);
    int e = errno;
    printf("main thread's FIFO open, SIGUSR1 after 150 ms: %d %s, handler ran: %s\n", fd,
           fd < 0 ? strerror(e) : "", handled ? "yes" : "no");
    pthread_join(t, NULL);
    unlink(fifo2);
    pthread_create(&t, NULL, waits, argv[1]);
    pthread_join(t, NULL);
    return 0;
}

/* In a thread of its own: the signals are sent to it with pthread_kill. */
static void *waits(void *arg)
{
    char *argv[2] = {NULL, arg};
    snprintf(lockpath, sizeof lockpath, "%s/lock", argv[1]);
    snprintf(fifo1, sizeof fifo1, "%s/fifo1", argv[1]);
    snprintf(fifo2, sizeof fifo2, "%s/fifo2", argv[1]);
    close(open(lockpath, O_RDWR | O_CREAT, 0600));
    unlink(fifo1);
    unlink(fifo2);
    if (mkfifo(fifo1, 0600) || mkfifo(fifo2, 0600)) exit(1);
    target = pthread_self();

    setlkw(0);
    setlkw(1);

    pthread_t w;
    pthread_create(&w, NULL, late_writer, NULL);
    int fd = open(fifo1, O_RDONLY);
    struct pollfd p = {fd, POLLIN, 0};
    int ready = poll(&p, 1, 0);
    printf("FIFO reader's open: %s, returned %s\n", fd >= 0 ? "opened" : strerror(errno),
           ready == 0 ? "when the writer opened (nothing to read yet)" : "only once data came");
    char buf[8] = {0};
    ssize_t n = read(fd, buf, sizeof buf - 1);
    printf("  then read: %zd \"%s\"\n", n, n > 0 ? buf : "");
    pthread_join(w, NULL);
    close(fd);

    handler(0);
    pthread_t k;
    pthread_create(&k, NULL, kicker, (void *)150L);
    fd = open(fifo2, O_RDONLY);
    int e = errno;
    printf("FIFO reader's open, nobody writing, SIGUSR1 after 150 ms: %d %s, handler ran: %s\n", fd,
           fd < 0 ? strerror(e) : "", handled ? "yes" : "no");
    pthread_join(k, NULL);
    unlink(fifo1);
    unlink(fifo2);
    unlink(lockpath);
    return NULL;
}
