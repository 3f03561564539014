/* The wait family, SIGCHLD, system/popen/spawn/exec and fork corners,
 * printed so that two runs can be compared line by line. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, long r)
{
    printf("%-40s -> %ld%s%s\n", what, r, r < 0 ? " " : "", r < 0 ? strerror(errno) : "");
    fflush(stdout);
}

static const char *desc(int st)
{
    static char b[64];
    if (WIFEXITED(st))
        snprintf(b, sizeof b, "exited %d", WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        snprintf(b, sizeof b, "killed by %d", WTERMSIG(st));
    else if (WIFSTOPPED(st))
        snprintf(b, sizeof b, "stopped by %d", WSTOPSIG(st));
    else if (WIFCONTINUED(st))
        snprintf(b, sizeof b, "continued");
    else
        snprintf(b, sizeof b, "? %#x", st);
    return b;
}

static pid_t kid(int ms, int code)
{
    pid_t p = fork();
    if (p == 0) {
        usleep((useconds_t)ms * 1000);
        _exit(code);
    }
    return p;
}

static volatile sig_atomic_t h_calls, h_pid_ok, h_code;
static volatile pid_t h_expect;
static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    h_calls++;
    if (si->si_pid == h_expect) h_pid_ok = 1;
    h_code = si->si_code;
}
static void on_chld_plain(int sig)
{
    (void)sig;
    h_calls++;
}

static int atfork_verbose;
static char order[256];
static void prep(void)
{
    if (atfork_verbose) strcat(order, " prepare1");
}
static void prep2(void)
{
    if (atfork_verbose) strcat(order, " prepare2");
}
static void parent1(void)
{
    if (atfork_verbose) strcat(order, " parent1");
}
static void parent2(void)
{
    if (atfork_verbose) strcat(order, " parent2");
}
static void child1(void)
{
    if (atfork_verbose) strcat(order, " child1");
}
static void child2(void)
{
    if (atfork_verbose) strcat(order, " child2");
}

static void *napper(void *arg)
{
    (void)arg;
    usleep(20000);
    return NULL;
}

static void *forker(void *arg)
{
    (void)arg;
    pid_t p = fork();
    if (p == 0) { /* only this thread survives: it may make threads again */
        pthread_t t;
        int r = pthread_create(&t, NULL, napper, NULL);
        if (r == 0) r = pthread_join(t, NULL);
        _exit(r == 0 ? 42 : 1);
    }
    int st;
    waitpid(p, &st, 0);
    return (void *)(long)(WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int main(void)
{
    int st = 0;
    errno = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("-- no children\n");
    show("waitpid(-1, 0)", waitpid(-1, &st, 0));
    show("waitpid(-1, WNOHANG)", waitpid(-1, &st, WNOHANG));
    show("waitpid(getpid(), 0)", waitpid(getpid(), &st, 0));
    show("waitpid(1, 0)", waitpid(1, &st, 0));
    show("waitpid(0, 0)", waitpid(0, &st, 0));
    show("waitpid(-99999, 0)", waitpid(-99999, &st, 0));
    show("waitpid(-1, bad options)", waitpid(-1, &st, 0x7000));
    show("wait()", wait(&st));
    show("wait3(0)", wait3(&st, 0, NULL));
    show("wait4(-1, 0)", wait4(-1, &st, 0, NULL));
    siginfo_t si;
    show("waitid(P_ALL, WEXITED)", waitid(P_ALL, 0, &si, WEXITED));
    show("waitid(P_ALL, no event option)", waitid(P_ALL, 0, &si, 0));
    show("waitid(bad idtype)", waitid((idtype_t)77, 0, &si, WEXITED));

    printf("-- one child\n");
    pid_t p = kid(100, 9);
    show("waitpid(child, WNOHANG) while it runs", waitpid(p, &st, WNOHANG));
    show("waitpid(child, bad options)", waitpid(p, &st, 0x7000));
    show("waitpid(child, 0) == child", waitpid(p, &st, 0) == p);
    printf("status: %s\n", desc(st));
    show("waitpid(child) again", waitpid(p, &st, 0));

    p = kid(50, 3);
    struct rusage ru;
    show("wait4(child, rusage) == child", wait4(p, &st, 0, &ru) == p);
    printf("status: %s\n", desc(st));
    p = kid(50, 4);
    show("wait3 == child", wait3(&st, 0, &ru) == p);
    printf("status: %s\n", desc(st));
    p = kid(50, 5);
    memset(&si, 0, sizeof si);
    show("waitid(P_PID, WEXITED|WNOWAIT)", waitid(P_PID, (id_t)p, &si, WEXITED | WNOWAIT));
    printf("siginfo: pid ok %d, code %d, status %d\n", si.si_pid == p, si.si_code, si.si_status);
    show("waitid(P_PID, WEXITED)", waitid(P_PID, (id_t)p, &si, WEXITED));
    show("waitpid(child) after waitid", waitpid(p, &st, 0));
    p = kid(50, 6);
    show("waitpid(child, bad status ptr)", waitpid(p, (int *)8, 0));
    show("waitpid(child) after EFAULT", waitpid(p, &st, 0));

    printf("-- stop and continue\n");
    p = kid(300, 7);
    kill(p, SIGSTOP);
    show("waitpid(WUNTRACED) == child", waitpid(p, &st, WUNTRACED) == p);
    printf("status: %s\n", desc(st));
    kill(p, SIGCONT);
    show("waitpid(WCONTINUED) == child", waitpid(p, &st, WCONTINUED) == p);
    printf("status: %s\n", desc(st));
    show("waitpid(__WALL) == child", waitpid(p, &st, __WALL) == p);
    printf("status: %s\n", desc(st));
    p = kid(300, 0);
    kill(p, SIGTERM);
    show("waitpid(killed) == child", waitpid(p, &st, 0) == p);
    printf("status: %s\n", desc(st));

    printf("-- process groups\n");
    p = fork();
    if (p == 0) {
        setpgid(0, 0);
        usleep(50000);
        _exit(11);
    }
    setpgid(p, p);
    show("waitpid(-pgid) == child", waitpid(-p, &st, 0) == p);
    printf("status: %s\n", desc(st));
    p = kid(50, 12);
    show("waitpid(0) == child", waitpid(0, &st, 0) == p);
    printf("status: %s\n", desc(st));
    p = kid(50, 13);
    pid_t q = kid(150, 14);
    show("waitpid(-1) == first", waitpid(-1, &st, 0) == p);
    printf("status: %s\n", desc(st));
    show("wait() == second", wait(&st) == q);
    printf("status: %s\n", desc(st));

    printf("-- SIGCHLD\n");
    struct sigaction sa, old;
    show("sigaction(SIGCHLD) query", sigaction(SIGCHLD, NULL, &old));
    printf("default: handler %s\n", old.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR1);
    show("sigaction(SIGCHLD, handler)", sigaction(SIGCHLD, &sa, &old));
    show("sigaction(SIGCHLD) read back", sigaction(SIGCHLD, NULL, &old));
    printf("read back: same handler %d, flags %#x, SIGUSR1 in mask %d\n",
           old.sa_sigaction == on_chld, old.sa_flags, sigismember(&old.sa_mask, SIGUSR1));
    h_expect = p = kid(50, 15);
    show("waitpid(child) with a handler == child", waitpid(p, &st, 0) == p);
    usleep(20000);
    printf("handler calls %d, si_pid right %d, si_code %d\n", (int)h_calls, (int)h_pid_ok,
           (int)h_code);
    sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: the wait is interrupted */
    sigaction(SIGCHLD, &sa, NULL);
    p = kid(20, 16);
    q = kid(300, 17);
    long r = waitpid(q, &st, 0);
    show("waitpid(long child), other exits, no SA_RESTART", r);
    show("waitpid(long child) again == child", waitpid(q, &st, 0) == q);
    show("waitpid(short child) == child", waitpid(p, &st, 0) == p);
    sa.sa_flags = SA_SIGINFO | SA_NOCLDSTOP | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    h_calls = 0;
    p = kid(200, 0);
    kill(p, SIGSTOP);
    usleep(50000);
    kill(p, SIGCONT);
    usleep(50000);
    printf("SA_NOCLDSTOP: handler calls for stop/continue %d\n", (int)h_calls);
    waitpid(p, &st, 0);
    show("signal(SIGCHLD, plain) returns old == handler",
         signal(SIGCHLD, on_chld_plain) == (void (*)(int))(void *)on_chld);
    h_calls = 0;
    p = kid(20, 18);
    waitpid(p, &st, 0);
    usleep(20000);
    printf("plain handler calls %d\n", (int)h_calls);
    show("signal(SIGCHLD, SIG_IGN) returns plain", signal(SIGCHLD, SIG_IGN) == on_chld_plain);
    p = kid(50, 19);
    show("SIG_IGN: waitpid(child) blocks then", waitpid(p, &st, 0));
    show("SIG_IGN: wait()", wait(&st));
    int sys = system("exit 3");
    printf("SIG_IGN: system(exit 3) -> %d\n", sys == -1 ? -1 : WEXITSTATUS(sys));
    show("signal(SIGCHLD, SIG_DFL) returns SIG_IGN", signal(SIGCHLD, SIG_DFL) == SIG_IGN);

    printf("-- system, popen, spawn, exec\n");
    sys = system("exit 7");
    printf("system(exit 7) -> %s\n", desc(sys));
    sys = system("kill -TERM $$");
    printf("system(kill self) -> %s\n", desc(sys));
    printf("system(NULL) -> %d\n", system(NULL) != 0);
    FILE *f = popen("echo hello; exit 2", "r");
    char line[64] = "";
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    printf("popen read: %s", line);
    printf("pclose -> %s\n", desc(pclose(f)));
    char *argv[] = {"sh", "-c", "exit 21", NULL};
    show("posix_spawn(sh)", posix_spawn(&p, "/bin/sh", NULL, NULL, argv, environ));
    show("waitpid(spawned) == child", waitpid(p, &st, 0) == p);
    printf("status: %s\n", desc(st));
    show("posix_spawnp(sh)", posix_spawnp(&p, "sh", NULL, NULL, argv, environ));
    waitpid(p, &st, 0);
    printf("status: %s\n", desc(st));
    /* the child's stdin: a pipe given with a dup2 file action, and a "w"
     * popen stream's; both must reach the child blocking (flags as set) */
    int pp[2];
    if (pipe(pp) == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, pp[0], 0);
        char *fargv[] = {"sh", "-c", "grep flags /proc/self/fdinfo/0", NULL};
        fflush(stdout);
        if (posix_spawn(&p, "/bin/sh", &fa, NULL, fargv, environ) == 0) waitpid(p, &st, 0);
        posix_spawn_file_actions_destroy(&fa);
        close(pp[0]);
        close(pp[1]);
    }
    fflush(stdout);
    FILE *w = popen("grep flags /proc/self/fdinfo/0; cat >/dev/null", "w");
    fputs("data\n", w);
    printf("popen w: pclose -> %s\n", desc(pclose(w)));
    char *nargv[] = {"nope", NULL};
    show("posix_spawn(missing)", posix_spawn(&p, "/nonexistent/x", NULL, NULL, nargv, environ));
    errno = 0;
    show("execv(missing)", execv("/nonexistent/x", nargv));
    show("execlp(missing)", execlp("no-such-program-here", "x", (char *)NULL));
    p = fork();
    if (p == 0) {
        execl("/bin/sh", "sh", "-c", "exit 22", (char *)NULL);
        _exit(1);
    }
    waitpid(p, &st, 0);
    printf("execl in a child: %s\n", desc(st));
    p = vfork();
    if (p == 0) _exit(23);
    waitpid(p, &st, 0);
    printf("vfork: %s\n", desc(st));

    printf("-- fork\n");
    pthread_atfork(prep, parent1, child1);
    pthread_atfork(prep2, parent2, child2);
    int ofd[2];
    if (pipe(ofd) != 0) return 1;
    atfork_verbose = 1;
    p = fork();
    if (p == 0) {
        ssize_t w = write(ofd[1], order, strlen(order));
        _exit(w < 0);
    }
    atfork_verbose = 0;
    close(ofd[1]);
    waitpid(p, &st, 0);
    printf("atfork in the parent:%s\n", order);
    char corder[256];
    ssize_t cn = read(ofd[0], corder, sizeof corder - 1);
    corder[cn > 0 ? cn : 0] = 0;
    printf("atfork in the child:%s\n", corder);
    close(ofd[0]);
    pthread_t t;
    void *res;
    pthread_create(&t, NULL, forker, NULL);
    pthread_join(t, &res);
    printf("fork from a thread, child made a thread: %ld\n", (long)res);
    int pfd[2];
    if (pipe(pfd) != 0) return 1;
    p = fork();
    if (p == 0) { /* double fork: the grandchild outlives its parent */
        close(pfd[0]);
        setsid();
        if (fork() == 0) {
            usleep(50000);
            if (write(pfd[1], "grandchild\n", 11) != 11) _exit(1);
            _exit(0);
        }
        _exit(0);
    }
    close(pfd[1]);
    waitpid(p, &st, 0);
    printf("double fork: middle %s\n", desc(st));
    ssize_t n = read(pfd[0], line, sizeof line - 1);
    line[n > 0 ? n : 0] = 0;
    printf("double fork: %s", line);
    show("no children left", waitpid(-1, &st, WNOHANG));
    return 0;
}
