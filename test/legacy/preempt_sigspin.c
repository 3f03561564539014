/* A thread that computes without calling anything takes the signals sent
 * to the process while it runs (posix pthread_equal/2-1, pthread_atfork/3-3
 * under GEVENT_PREEMPT): the others block SIGUSR1, a sender kills the
 * process and waits on a semaphore its handler posts, N times; the
 * spinner's loop ends once it has handled N. Natively the kernel
 * interrupts the spinner; under the shim, preemption switches it out and
 * the signal handed to it meanwhile must run its handler when it resumes.
 *   preempt_sigspin [N] */
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static sem_t handled;
static volatile sig_atomic_t got;
static volatile int in_spinner;
static pthread_t spinner_id;
static int n = 50;

static void on_usr1(int sig)
{
    (void)sig;
    got++;
    in_spinner += pthread_equal(pthread_self(), spinner_id) != 0;
    sem_post(&handled);
}

static void *spinner(void *arg)
{
    sigset_t *s = arg;
    pthread_sigmask(SIG_UNBLOCK, s, NULL);
    unsigned long spins = 0;
    while (got < n) spins++; /* no call: only a signal ends it */
    return spins > 0 ? arg : NULL;
}

static void *sender(void *arg)
{
    (void)arg;
    for (int i = 0; i < n; i++) {
        kill(getpid(), SIGUSR1);
        while (sem_wait(&handled) != 0) {
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc > 1) n = atoi(argv[1]);
    struct sigaction sa = {.sa_handler = on_usr1};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL); /* inherited: only the spinner takes it */
    sem_init(&handled, 0, 0);
    pthread_t a, b;
    void *spun;
    pthread_create(&spinner_id, NULL, spinner, &s);
    pthread_create(&b, NULL, sender, NULL);
    a = spinner_id;
    pthread_join(b, NULL);
    pthread_join(a, &spun);
    printf("%d signals sent, %d handled, %d in the spinner, it spun: %s\n", n, (int)got, in_spinner,
           spun ? "yes" : "no");
    return 0;
}
