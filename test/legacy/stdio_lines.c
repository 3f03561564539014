/* A thread-per-connection line server written the classic way: each
 * connection's thread wraps the socket in two FILEs (fdopen), reads lines
 * with fgets and answers with fprintf + fflush. N client threads, in the
 * same process, each send R lines 50 ms apart through their own stdio
 * streams and check every answer. Usage: stdio_lines [clients] [lines] */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int nclients = 50, nlines = 10, port;
static int answered, bad;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    FILE *in = fdopen(fd, "r"), *out = fdopen(dup(fd), "w");
    char line[256];
    if (!in || !out || fileno(in) != fd) {
        fprintf(stderr, "server: fdopen/fileno broken\n");
        exit(1);
    }
    /* ungetc and getc mixed with fgets, as a parser peeking a byte does */
    int c;
    while ((c = getc(in)) != EOF) {
        ungetc(c, in);
        if (!fgets(line, sizeof line, in)) break;
        fprintf(out, "echo %s", line);
        fflush(out);
    }
    fclose(in);
    fclose(out);
    return NULL;
}

static void *acceptor(void *arg)
{
    int ls = (int)(long)arg;
    for (int i = 0; i < nclients; i++) {
        int c = accept(ls, NULL, NULL);
        if (c < 0) {
            perror("accept");
            exit(1);
        }
        pthread_t t;
        pthread_create(&t, NULL, serve, (void *)(long)c);
        pthread_detach(t);
    }
    return NULL;
}

static void *client(void *arg)
{
    int id = (int)(long)arg, ok = 0, wrong = 0;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        perror("connect");
        exit(1);
    }
    FILE *out = fdopen(s, "w"), *in = fdopen(dup(s), "r");
    char want[128], got[256];
    for (int i = 0; i < nlines; i++) {
        fprintf(out, "client %d line %d\n", id, i);
        fflush(out);
        snprintf(want, sizeof want, "echo client %d line %d\n", id, i);
        if (fgets(got, sizeof got, in) && strcmp(got, want) == 0)
            ok++;
        else
            wrong++;
        usleep(50000);
    }
    fclose(out);
    shutdown(fileno(in), SHUT_WR); /* the dup keeps the socket open */
    /* the server closes after our EOF: fgets sees it */
    if (fgets(got, sizeof got, in)) wrong++;
    fclose(in);
    pthread_mutex_lock(&mu);
    answered += ok;
    bad += wrong;
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) nclients = atoi(argv[1]);
    if (argc > 2) nlines = atoi(argv[2]);
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t l = sizeof a;
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 128) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &l) < 0) {
        perror("listen");
        return 1;
    }
    port = ntohs(a.sin_port);
    pthread_t acc, *t = calloc((size_t)nclients, sizeof *t);
    pthread_create(&acc, NULL, acceptor, (void *)(long)ls);
    for (int i = 0; i < nclients; i++) pthread_create(&t[i], NULL, client, (void *)(long)i);
    for (int i = 0; i < nclients; i++) pthread_join(t[i], NULL);
    pthread_join(acc, NULL);
    printf("answered %d/%d lines, bad %d\n", answered, nclients * nlines, bad);

    /* fdopen's checks, as glibc's */
    int p[2];
    if (pipe(p) == 0) {
        errno = 0;
        FILE *f = fdopen(p[0], "w");
        int e = errno;
        printf("fdopen(read end, \"w\"): %s %s\n", f ? "stream" : "NULL", strerror(e));
        errno = 0;
        f = fdopen(p[1], "x");
        e = errno;
        printf("fdopen(mode x): %s %s\n", f ? "stream" : "NULL", strerror(e));
        errno = 0;
        FILE *r = fdopen(p[0], "r"), *w = fdopen(p[1], "a");
        printf("fdopen(pipe, \"a\"): errno %s\n", strerror(errno));
        errno = 0;
        long off = ftell(r);
        printf("fdopen(pipe): fileno %s, ftell %ld (%s)\n",
               fileno(r) == p[0] && fileno(w) == p[1] ? "right" : "WRONG", off, strerror(errno));
        /* mixing: write(2) then stdio on the same pipe */
        if (write(p[1], "raw\n", 4) != 4) return 1;
        fputs("stdio\n", w);
        fclose(w);
        char b1[32] = "", b2[32] = "";
        if (!fgets(b1, sizeof b1, r) || !fgets(b2, sizeof b2, r)) return 1;
        printf("read back: %s", b1);
        printf("read back: %s", b2);
        printf("then: %s\n", fgets(b1, sizeof b1, r) ? "more" : feof(r) ? "EOF" : "error");
        fclose(r);
    }
    errno = 0;
    FILE *f = fdopen(-1, "r");
    printf("fdopen(-1): %s %s\n", f ? "stream" : "NULL", strerror(errno));
    return bad != 0;
}
