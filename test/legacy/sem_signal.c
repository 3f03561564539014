/* A signal handler posts the semaphore main waits on (sem_post is
 * async-signal-safe): with SA_RESTART the wait goes on and takes the
 * token; without it sem_wait fails with EINTR and the token stays. */
#include <errno.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static sem_t s;

static void post(int sig)
{
    (void)sig;
    sem_post(&s);
}

static void one(const char *name, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = post;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    ualarm(200000, 0);
    int r = sem_wait(&s);
    int e = errno, v;
    sem_getvalue(&s, &v);
    printf("%s: sem_wait %d%s, value %d\n", name, r, r ? (e == EINTR ? " EINTR" : " ?") : "", v);
    while (v-- > 0) sem_wait(&s);
}

int main(void)
{
    sem_init(&s, 0, 0);
    one("SA_RESTART", SA_RESTART);
    one("no SA_RESTART", 0);
    return 0;
}
