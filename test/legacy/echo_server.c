/* A plain thread-per-connection echo server, the way it was written in 1998:
 * an accept loop, one pthread per connection, read/write until EOF.
 *   echo_server PORT [MAXCONN]   PORT 0 picks a free one; prints
 *   "listening on PORT" when ready; exits after MAXCONN connections closed
 *   (and, when MAXCONN is given, after 300 s whatever happens). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static long maxconn, closed;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof buf)) > 0) {
        ssize_t off = 0;
        while (off < n) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w <= 0) goto out;
            off += w;
        }
    }
out:
    close(fd);
    pthread_mutex_lock(&mu);
    int done = maxconn && ++closed >= maxconn;
    pthread_mutex_unlock(&mu);
    if (done) exit(0);
    return NULL;
}

int main(int argc, char **argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 0;
    maxconn = argc > 2 ? atol(argv[2]) : 0;
    if (maxconn) alarm(300);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 4096) < 0) {
        perror("bind/listen");
        return 1;
    }
    socklen_t l = sizeof a;
    getsockname(ls, (struct sockaddr *)&a, &l);
    printf("listening on %d\n", ntohs(a.sin_port));
    fflush(stdout);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&at, 64 * 1024);
    for (;;) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) {
            perror("accept");
            continue;
        }
        pthread_t t;
        if (pthread_create(&t, &at, serve, (void *)(long)c) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            close(c);
        }
    }
}
