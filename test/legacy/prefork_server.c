/* A fork-per-connection server whose children use threads, sleep and fork
 * again: the parent accepts, a forked worker serves each connection with a
 * helper thread and a grandchild; a forked client process with one thread
 * per request checks every reply. Usage: prefork_server [clients] */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int port, nclients = 10;
static char replies[64][128];

static int read_line(int fd, char *buf, size_t n)
{
    size_t i = 0;
    while (i + 1 < n) {
        ssize_t r = read(fd, buf + i, 1);
        if (r <= 0) break;
        if (buf[i++] == '\n') break;
    }
    buf[i] = 0;
    return (int)i;
}

static int write_all(int fd, const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w <= 0) return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static void *client(void *arg)
{
    int i = (int)(long)arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(replies[i], sizeof replies[i], "connect failed\n");
        return NULL;
    }
    char req[32];
    snprintf(req, sizeof req, "req %d\n", i);
    write_all(fd, req);
    if (!read_line(fd, replies[i], sizeof replies[i])) strcpy(replies[i], "no reply\n");
    close(fd);
    return NULL;
}

static void *helper(void *arg)
{
    usleep(20000);
    strcat((char *)arg, " thread-ok");
    return NULL;
}

static void serve(int fd)
{
    char req[64], reply[128];
    int n;
    if (!read_line(fd, req, sizeof req) || sscanf(req, "req %d", &n) != 1) _exit(2);
    snprintf(reply, sizeof reply, "REQ %d:", n);
    pthread_t t;
    pthread_create(&t, NULL, helper, reply);
    pid_t g = fork();
    if (g == 0) {
        usleep(10000);
        _exit(n);
    }
    int st;
    waitpid(g, &st, 0);
    pthread_join(t, NULL);
    char tail[32];
    snprintf(tail, sizeof tail, " grandchild-%d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    strcat(reply, tail);
    _exit(write_all(fd, reply) == 0 ? 0 : 3);
}

int main(int argc, char **argv)
{
    if (argc > 1) nclients = atoi(argv[1]);
    if (nclients > 64) nclients = 64;
    int ls = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) != 0 || listen(ls, 64) != 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) != 0) {
        perror("listen");
        return 1;
    }
    port = ntohs(a.sin_port);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) { /* the client process: a thread per request */
        close(ls);
        pthread_t t[64];
        for (int i = 0; i < nclients; i++) pthread_create(&t[i], NULL, client, (void *)(long)i);
        for (int i = 0; i < nclients; i++) pthread_join(t[i], NULL);
        for (int i = 0; i < nclients; i++) printf("%s", replies[i]);
        fflush(stdout);
        _exit(0);
    }
    pid_t workers[64];
    for (int i = 0; i < nclients; i++) {
        int fd = accept(ls, NULL, NULL);
        if (fd < 0) {
            perror("accept");
            return 1;
        }
        workers[i] = fork();
        if (workers[i] == 0) {
            close(ls);
            serve(fd);
        }
        close(fd);
    }
    int good = 0, st;
    for (int i = 0; i < nclients; i++)
        if (waitpid(workers[i], &st, 0) == workers[i] && WIFEXITED(st) && WEXITSTATUS(st) == 0)
            good++;
    waitpid(c, &st, 0);
    printf("served %d, workers ok %d, client %s\n", nclients, good,
           WIFEXITED(st) && WEXITSTATUS(st) == 0 ? "ok" : "failed");
    return good == nclients ? 0 : 1;
}
