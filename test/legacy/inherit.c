/* Descriptions shared with other processes keep the blocking mode they
 * had: the shim never switches an inherited fd to non-blocking, and a
 * child never inherits a description the shim made non-blocking.
 *   inherit stdin        reads fd 0 until EOF with read(), prints what came
 *                        and the O_NONBLOCK state of fd 0's description
 *   inherit child FD     prints whether FD's description is non-blocking
 *                        (read from /proc/self/fdinfo, not through fcntl)
 *   inherit exec|spawn|popen|system
 *                        a pipe and a socketpair made here (the shim owns
 *                        them) reach a child as its fds 1 and 5 through
 *                        fork+dup2+exec, posix_spawn file actions, popen,
 *                        system (fd 5 without FD_CLOEXEC): the child says
 *                        whether they are non-blocking. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* the description's real flags, as the kernel reports them */
static const char *mode_of(int fd)
{
    char path[64], line[128];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
    FILE *f = fopen(path, "r");
    if (!f) return "closed";
    long flags = -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "flags:", 6) == 0) flags = strtol(line + 6, NULL, 8);
    fclose(f);
    return flags < 0 ? "?" : flags & O_NONBLOCK ? "non-blocking" : "blocking";
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    setvbuf(stdout, NULL, _IOLBF, 0);
    char self[256];
    ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
    if (sl < 0) return 1;
    self[sl] = 0;
    if (strcmp(argv[1], "stdin") == 0) {
        char buf[256];
        ssize_t n, total = 0;
        printf("stdin before reading: %s\n", mode_of(0));
        while ((n = read(0, buf, sizeof buf - 1)) > 0) {
            buf[n] = 0;
            printf("read %zd bytes: %s", n, buf);
            total += n;
        }
        printf("read returned %zd after %zd bytes; stdin: %s\n", n, total, mode_of(0));
        return 0;
    }
    if (strcmp(argv[1], "child") == 0) {
        for (int i = 2; i < argc; i++) printf("child fd %s: %s\n", argv[i], mode_of(atoi(argv[i])));
        return 0;
    }
    int p[2], sv[2];
    if (pipe(p) < 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0) return 1;
    fcntl(sv[1], F_SETFD, FD_CLOEXEC);
    char *cargv[] = {self, "child", "1", "5", NULL};
    if (strcmp(argv[1], "exec") == 0) {
        pid_t pid = fork();
        if (pid == 0) {
            dup2(p[1], 1);
            dup2(sv[1], 5);
            execv(self, cargv);
            _exit(127);
        }
        close(p[1]);
        char buf[256];
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
        waitpid(pid, NULL, 0);
    } else if (strcmp(argv[1], "spawn") == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        posix_spawn_file_actions_adddup2(&fa, sv[1], 5);
        pid_t pid;
        if (posix_spawn(&pid, self, &fa, NULL, cargv, environ) != 0) return 1;
        close(p[1]);
        char buf[256];
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0) fwrite(buf, 1, (size_t)n, stdout);
        waitpid(pid, NULL, 0);
    } else if (strcmp(argv[1], "popen") == 0) {
        char cmd[512], line[256];
        dup2(sv[1], 5); /* no FD_CLOEXEC on the copy: the child gets it */
        snprintf(cmd, sizeof cmd, "%s child 1 5", self);
        FILE *f = popen(cmd, "r");
        while (f && fgets(line, sizeof line, f)) fputs(line, stdout);
        if (f) pclose(f);
    } else if (strcmp(argv[1], "system") == 0) {
        char cmd[512];
        dup2(sv[1], 5);
        snprintf(cmd, sizeof cmd, "%s child 5", self);
        if (system(cmd) != 0) return 1;
    } else {
        return 2;
    }
    /* the program's own view stayed what it asked for */
    printf("parent: pipe %s, socket %s (fcntl)\n",
           fcntl(p[0], F_GETFL) & O_NONBLOCK ? "non-blocking" : "blocking",
           fcntl(sv[0], F_GETFL) & O_NONBLOCK ? "non-blocking" : "blocking");
    return 0;
}
