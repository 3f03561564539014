/* N threads each popen() a command printing numbered lines, read them line
 * by line and check every line; then pclose() statuses, a "w" stream, and
 * popen's errors. Usage: popen_many [threads] [lines] */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static int lines = 200;
static int good, bad;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    char cmd[128], buf[128], want[128];
    /* a few pauses so that the readers really interleave */
    snprintf(cmd, sizeof cmd,
             "i=1; while [ $i -le %d ]; do echo \"%d line $i\"; "
             "[ $((i %% 50)) = 0 ] && sleep 0.05; i=$((i+1)); done",
             lines, id);
    FILE *f = popen(cmd, "r");
    int ok = f != NULL, got = 0;
    while (f && fgets(buf, sizeof buf, f)) {
        got++;
        snprintf(want, sizeof want, "%d line %d\n", id, got);
        if (strcmp(buf, want) != 0) ok = 0;
    }
    int st = f ? pclose(f) : -1;
    if (got != lines || st != 0) ok = 0;
    pthread_mutex_lock(&mu);
    if (ok)
        good++;
    else
        bad++;
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 20;
    if (argc > 2) lines = atoi(argv[2]);
    pthread_t *t = calloc((size_t)n, sizeof *t);
    for (int i = 0; i < n; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    free(t);
    printf("popen readers complete and correct: %d/%d, bad %d\n", good, n, bad);

    FILE *w = popen("wc -l", "w");
    for (int i = 0; i < 5; i++) fprintf(w, "x\n");
    fflush(stdout);
    int st = pclose(w);
    printf("write stream: pclose %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    FILE *e = popen("exit 5", "r");
    st = pclose(e);
    printf("exit 5: pclose -> %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    errno = 0;
    FILE *x = popen("true", "x");
    printf("mode x: %s errno %s\n", x ? "stream" : "NULL", strerror(errno));
    errno = 0;
    x = popen("true", "rw");
    printf("mode rw: %s errno %s\n", x ? "stream" : "NULL", strerror(errno));
    char line[64] = "";
    FILE *ce = popen("echo cloexec", "re");
    if (!ce || !fgets(line, sizeof line, ce)) line[0] = 0;
    printf("mode re: %s", line);
    printf("mode re: pclose %d\n", ce ? pclose(ce) : -1);
    return good == n ? 0 : 1;
}
