#define _GNU_SOURCE
/* fork in a threaded program with pthread_atfork handlers: they run in
 * their documented order (prepare in reverse, parent and child in
 * registration order); the child can create and join threads and use the
 * locks the handlers took and released. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static char log_[256];
static int n;

static void add(const char *s)
{
    while (*s && n < (int)sizeof log_ - 1) log_[n++] = *s++;
}
static void prep1(void)
{
    add("prepare1 ");
}
static void prep2(void)
{
    add("prepare2 ");
    pthread_mutex_lock(&m);
}
static void par1(void)
{
    add("parent1 ");
}
static void par2(void)
{
    pthread_mutex_unlock(&m);
    add("parent2 ");
}
static void ch1(void)
{
    add("child1 ");
}
static void ch2(void)
{
    pthread_mutex_unlock(&m);
    add("child2 ");
}

static void *work(void *a)
{
    pthread_mutex_lock(&m);
    pthread_mutex_unlock(&m);
    return a;
}
static void *idle(void *a)
{
    usleep(200000);
    return a;
}

int main(void)
{
    pthread_t t, bg;
    pthread_atfork(prep1, par1, ch1);
    pthread_atfork(prep2, par2, ch2);
    pthread_create(&bg, NULL, idle, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        log_[n] = 0;
        printf("child:  %s\n", log_);
        void *r = NULL;
        pthread_create(&t, NULL, work, (void *)7);
        pthread_join(t, &r);
        printf("child:  a new thread ran and returned %ld\n", (long)r);
        fflush(stdout);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    log_[n] = 0;
    printf("parent: %s\n", log_);
    printf("parent: child exited %d\n", WEXITSTATUS(st));
    pthread_join(bg, NULL);
    return 0;
}
