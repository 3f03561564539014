/* Uses what libgp_ctor's constructor set up before main: threads already
 * waiting in accept, a listening socket, a resolved name. main connects
 * four clients (from threads of its own), then joins everything. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

extern int gp_ctor_listener, gp_ctor_port, gp_ctor_resolved;
extern pthread_t gp_ctor_threads[4];

static void *client(void *arg)
{
    char *res = arg;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_port = htons((unsigned short)gp_ctor_port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(s, (struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(res, 32, "connect failed");
        return NULL;
    }
    if (write(s, "hello", 5) != 5) snprintf(res, 32, "write failed");
    ssize_t n = read(s, res, 31);
    res[n > 0 ? n : 0] = 0;
    close(s);
    return NULL;
}

int main(void)
{
    printf("before main: listener %s, name %s\n", gp_ctor_listener >= 0 ? "open" : "closed",
           gp_ctor_resolved ? "resolved" : "not resolved");
    pthread_t c[4];
    char res[4][32];
    for (int i = 0; i < 4; i++) pthread_create(&c[i], NULL, client, res[i]);
    for (int i = 0; i < 4; i++) pthread_join(c[i], NULL);
    for (int i = 0; i < 4; i++) pthread_join(gp_ctor_threads[i], NULL);
    for (int i = 0; i < 4; i++) printf("client %d: %s", i, res[i]);
    return 0;
}
