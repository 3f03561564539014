/* N threads each fork a child that sleeps and exits with a distinct code,
 * then waitpid() their own child. Prints how many statuses were exact and
 * whether any child is left. Usage: fork_many [threads] [child_ms] */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_ms = 200;
static int exact, wrong;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    int code = (int)(long)arg % 250 + 1;
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        usleep((useconds_t)child_ms * 1000);
        _exit(code);
    }
    int st = 0;
    pid_t r;
    while ((r = waitpid(pid, &st, 0)) < 0 && errno == EINTR) {
    }
    pthread_mutex_lock(&mu);
    if (r == pid && WIFEXITED(st) && WEXITSTATUS(st) == code)
        exact++;
    else
        wrong++;
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 200;
    if (argc > 2) child_ms = atoi(argv[2]);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)(long)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    errno = 0;
    pid_t left = waitpid(-1, NULL, WNOHANG);
    printf("exact %d/%d, wrong %d, children left: %s\n", exact, n, wrong,
           left < 0 && errno == ECHILD ? "none" : "some");
    return exact == n ? 0 : 1;
}
