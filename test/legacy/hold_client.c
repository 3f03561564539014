/* Opens N connections to a local echo server, echoes one 64-byte message on
 * each (so the server's per-connection threads are all parked in read), then
 * holds them open, idle, for MS milliseconds and closes them.
 *   hold_client PORT N MS   prints "held N" once all are idle, "done" at the end */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: hold_client PORT N MS\n");
        return 2;
    }
    int port = atoi(argv[1]), n = atoi(argv[2]), ms = atoi(argv[3]);
    int *fds = calloc((size_t)n, sizeof *fds);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char out[64], in[64];
    for (int i = 0; i < n; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&a, sizeof a) < 0) {
            fprintf(stderr, "connect %d: %s\n", i, strerror(errno));
            return 1;
        }
        memset(out, 'a' + i % 26, sizeof out);
        if (write(fds[i], out, sizeof out) != (ssize_t)sizeof out) return 1;
        size_t got = 0;
        while (got < sizeof in) {
            ssize_t r = read(fds[i], in + got, sizeof in - got);
            if (r <= 0) {
                fprintf(stderr, "conn %d: no echo\n", i);
                return 1;
            }
            got += (size_t)r;
        }
        if (memcmp(in, out, sizeof in) != 0) return 1;
    }
    printf("held %d\n", n);
    fflush(stdout);
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
    for (int i = 0; i < n; i++) close(fds[i]);
    free(fds);
    printf("done\n");
    return 0;
}
