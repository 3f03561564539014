/* Closes every descriptor above 2 the way start-up code does, then serves
 * connections with threads:
 *   fd_closer MODE [N]      MODE: procfd (a loop over /proc/self/fd), loop (3 ..
 *                           sysconf(_SC_OPEN_MAX)), closefrom, close_range, dup2
 *                           (dup2 of /dev/null onto each, then close)
 *   fd_closer daemon FILE   double fork, setsid, close all, chdir /, /dev/null
 *                           on 0-2, then the same work; the report goes to FILE
 * A worker thread runs before the closing (so a threaded runtime is up).
 * Afterwards every number that was open answers EBADF to fcntl(F_GETFD) and
 * fstat, and N (default 200) connections are served by one thread each. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int listener, port;
static char report[512];

static void *warm(void *arg)
{
    usleep(1000);
    return arg;
}

static void *serve(void *arg)
{
    int c = (int)(long)arg;
    char b[64];
    ssize_t n = read(c, b, sizeof b);
    if (n > 0 && write(c, b, (size_t)n) != n) n = -1;
    close(c);
    return (void *)(long)(n > 0);
}

static void *client(void *arg)
{
    long i = (long)arg;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((unsigned short)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    char msg[32], back[32] = {0};
    int len = snprintf(msg, sizeof msg, "hello %ld", i);
    int ok = connect(s, (struct sockaddr *)&a, sizeof a) == 0 &&
             write(s, msg, (size_t)len) == len && read(s, back, sizeof back - 1) == len &&
             memcmp(msg, back, (size_t)len) == 0;
    close(s);
    return (void *)(long)ok;
}

static int open_fds(int *fds, int max)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < max) {
        int fd = atoi(e->d_name);
        if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d)) fds[n++] = fd;
    }
    if (d) closedir(d);
    return n;
}

static void close_all(const char *mode)
{
    if (strcmp(mode, "procfd") == 0 || strncmp(mode, "daemon", 6) == 0) {
        DIR *d = opendir("/proc/self/fd");
        struct dirent *e;
        while (d && (e = readdir(d)))
            if (e->d_name[0] != '.' && atoi(e->d_name) > 2 && atoi(e->d_name) != dirfd(d))
                close(atoi(e->d_name));
        if (d) closedir(d);
    } else if (strcmp(mode, "loop") == 0) {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = 3; fd < max; fd++) close((int)fd);
    } else if (strcmp(mode, "closefrom") == 0) {
        closefrom(3);
    } else if (strcmp(mode, "close_range") == 0) {
        if (close_range(3, ~0U, 0) != 0) perror("close_range");
    } else if (strcmp(mode, "dup2") == 0) {
        int fds[4096], n = open_fds(fds, 4096);
        int nul = open("/dev/null", O_RDONLY);
        for (int i = 0; i < n; i++)
            if (fds[i] != nul && dup2(nul, fds[i]) == fds[i]) close(fds[i]);
        close(nul);
    }
}

static int work(const char *mode, int nconn)
{
    pthread_t w;
    pthread_create(&w, NULL, warm, NULL);
    pthread_join(w, NULL);
    int before[4096], nb = open_fds(before, 4096);
    close_all(mode);
    int still = 0;
    struct stat st;
    for (int i = 0; i < nb; i++) {
        errno = 0;
        int r1 = fcntl(before[i], F_GETFD), e1 = errno;
        errno = 0;
        int r2 = fstat(before[i], &st), e2 = errno;
        if (!(r1 == -1 && e1 == EBADF && r2 == -1 && e2 == EBADF)) still++;
    }
    listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(listener, (struct sockaddr *)&a, sizeof a) || listen(listener, 256) ||
        getsockname(listener, (struct sockaddr *)&a, &len))
        return snprintf(report, sizeof report, "%s: listen failed: %s\n", mode, strerror(errno));
    port = ntohs(a.sin_port);
    pthread_t *cl = calloc((size_t)nconn, sizeof *cl), *sv = calloc((size_t)nconn, sizeof *sv);
    for (long i = 0; i < nconn; i++) pthread_create(&cl[i], NULL, client, (void *)i);
    int served = 0, answered = 0;
    for (int i = 0; i < nconn; i++) {
        int c = accept(listener, NULL, NULL);
        if (c >= 0) pthread_create(&sv[served++], NULL, serve, (void *)(long)c);
    }
    int good = 0;
    for (int i = 0; i < served; i++) {
        void *r;
        pthread_join(sv[i], &r);
        good += r != NULL;
    }
    for (int i = 0; i < nconn; i++) {
        void *r;
        pthread_join(cl[i], &r);
        answered += r != NULL;
    }
    return snprintf(report, sizeof report,
                    "%s: closed every descriptor above 2; numbers still open: %d; "
                    "served %d of %d connections, %d echoed, %d clients answered\n",
                    mode, still, served, nconn, good, answered);
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    if (strcmp(argv[1], "daemon") != 0) {
        /* twice: the second pass finds the first one's descriptors too */
        for (int pass = 0; pass < 2; pass++) {
            work(argv[1], argc > 2 ? atoi(argv[2]) : 200);
            fputs(report, stdout);
        }
        return 0;
    }
    if (argc < 3) return 2;
    const char *file = argv[2];
    pid_t p = fork();
    if (p < 0) return 1;
    if (p > 0) { /* the first child exits at once: wait for it */
        int st;
        waitpid(p, &st, 0);
        return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
    }
    if (setsid() < 0) _exit(1);
    if (fork() != 0) _exit(0);
    /* the daemon: a grandchild, session leader's child, no terminal */
    int fd0 = -1;
    work("daemon", 50); /* closes everything above 2, then threads and sockets */
    if (chdir("/") != 0) _exit(1);
    close(0), close(1), close(2);
    fd0 = open("/dev/null", O_RDWR);
    int fd1 = dup(fd0), fd2 = dup(fd0);
    /* still threads and sockets after the standard descriptors are gone */
    char first[512];
    snprintf(first, sizeof first, "%s", report);
    work("daemon-again", 50);
    int out = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dprintf(out, "/dev/null on %d %d %d\n%s%s", fd0, fd1, fd2, first, report);
    close(out);
    _exit(0);
}
