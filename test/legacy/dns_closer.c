/* Resolves a name, closes every descriptor above 2 the way a daemon does
 * (the numbers listed in /proc/self/fd), opens socket pairs (they get the low
 * numbers back), resolves again from a thread, and checks what went
 * through them: only their own bytes. A resolver keeping a socket across
 * lookups at a number the program closed and reused would write its next
 * question into the program's socket, or fail.
 * DNS_TEST_NS=ip:port points the resolver at a test server (dns_test.h). */
#include <dirent.h>
#include <netdb.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns_test.h"

static void lookup(const char *name)
{
    struct addrinfo hints, *ai;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    dns_test_resolver();
    int r = getaddrinfo(name, NULL, &hints, &ai);
    if (r) {
        printf("%s: %s\n", name, gai_strerror(r));
        return;
    }
    char ip[64];
    inet_ntop(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, ip, sizeof ip);
    printf("%s: %s\n", name, ip);
    freeaddrinfo(ai);
}

static void *thread_lookup(void *name)
{
    lookup(name);
    return NULL;
}

static void close_all(void)
{
    int fds[4096], n = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d && (e = readdir(d)) && n < 4096) {
        int fd = atoi(e->d_name);
        if (fd > 2 && fd != dirfd(d)) fds[n++] = fd;
    }
    if (d) closedir(d);
    for (int i = 0; i < n; i++) close(fds[i]);
}

int main(void)
{
    lookup("a.test");
    close_all();
    /* the low numbers back, as many as a resolver may have held */
    int p[8][2];
    for (int i = 0; i < 8; i++) {
        if (socketpair(AF_UNIX, SOCK_STREAM, 0, p[i])) return 1;
        if (write(p[i][1], "mine", 4) != 4) return 1;
    }
    printf("pipes on %d..%d\n", p[0][0], p[7][1]);
    pthread_t t;
    pthread_create(&t, NULL, thread_lookup, "x.test");
    pthread_join(t, NULL);
    lookup("multi.test");
    for (int i = 0; i < 8; i++) {
        if (write(p[i][1], "!", 1) != 1) return 1;
        close(p[i][1]);
        char buf[512];
        ssize_t n, got = 0;
        while ((n = read(p[i][0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += n;
        buf[got] = 0;
        if (strcmp(buf, "mine!")) printf("pipe %d carried %zd bytes: %s\n", i, got, buf);
    }
    puts("every pipe carried its own bytes only");
    return 0;
}
