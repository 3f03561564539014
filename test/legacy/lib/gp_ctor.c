/* A library whose constructor does a program's start-up work before main
 * (and before the shim's own constructor, which runs after those of the
 * program's libraries): it starts threads, opens a listening socket and
 * resolves a name. ctor_main then uses all three. */
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int gp_ctor_listener = -1, gp_ctor_port, gp_ctor_resolved;
pthread_t gp_ctor_threads[4];
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static int served;

/* Each thread accepts one connection and answers "ok N". */
static void *serve(void *arg)
{
    (void)arg;
    int c = accept(gp_ctor_listener, NULL, NULL);
    if (c < 0) return NULL;
    char b[16];
    ssize_t n = read(c, b, sizeof b);
    pthread_mutex_lock(&mu);
    int k = ++served;
    pthread_mutex_unlock(&mu);
    char out[32];
    int m = snprintf(out, sizeof out, "ok %zd %d\n", n, k > 0);
    if (write(c, out, (size_t)m) != m) perror("write");
    close(c);
    return NULL;
}

__attribute__((constructor)) static void gp_ctor_init(void)
{
    struct addrinfo *ai = NULL, hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM};
    gp_ctor_resolved = getaddrinfo("localhost", "80", &hints, &ai) == 0 && ai != NULL;
    if (ai) freeaddrinfo(ai);
    gp_ctor_listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(gp_ctor_listener, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(gp_ctor_listener, 16) != 0 ||
        getsockname(gp_ctor_listener, (struct sockaddr *)&a, &len) != 0) {
        perror("listener");
        return;
    }
    gp_ctor_port = ntohs(a.sin_port);
    for (int i = 0; i < 4; i++) pthread_create(&gp_ctor_threads[i], NULL, serve, NULL);
}
