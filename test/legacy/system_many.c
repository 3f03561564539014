/* N threads each run system(cmd) and check the status.
 * Usage: system_many [threads] [command] */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

static const char *cmd = "sleep 0.3";
static int good, bad;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    (void)arg;
    int st = system(cmd);
    pthread_mutex_lock(&mu);
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
        good++;
    else
        bad++;
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 50;
    if (argc > 2) cmd = argv[2];
    pthread_t *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    int st = system("exit 7");
    printf("system ok %d/%d, bad %d; exit 7 -> %d; shell available: %s\n", good, n, bad,
           WIFEXITED(st) ? WEXITSTATUS(st) : -1, system(NULL) ? "yes" : "no");
    return good == n ? 0 : 1;
}
