/* What signal() and sigaction() return as the previous disposition, and
 * branches taken on it, as ripgrep does at start (signal(SIGPIPE, SIG_DFL)
 * after Rust's runtime set SIG_IGN). Under valgrind every value read here
 * must be defined. Plain C, no knowledge of the shim. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef void (*handler)(int);

static void on_usr1(int sig)
{
    (void)sig;
}

int main(void)
{
    int sigs[] = {SIGPIPE, SIGUSR1, SIGTERM, SIGCHLD, SIGHUP};
    for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        int s = sigs[i];
        handler a = signal(s, SIG_IGN);
        handler b = signal(s, on_usr1);
        handler c = signal(s, SIG_DFL);
        printf("%s: first %s, then %s, then %s\n", strsignal(s),
               a == SIG_DFL   ? "default"
               : a == SIG_IGN ? "ignored"
                              : "handler",
               b == SIG_IGN ? "ignored" : "other", c == on_usr1 ? "handler" : "other");
        struct sigaction act, old;
        memset(&act, 0, sizeof act);
        act.sa_handler = on_usr1;
        act.sa_flags = SA_RESTART;
        sigaddset(&act.sa_mask, SIGINT);
        sigaction(s, &act, NULL);
        if (sigaction(s, NULL, &old) != 0) {
            perror("sigaction");
            return 1;
        }
        printf("  sigaction: %s, restart %d, SIGINT in mask %d, SIGQUIT in mask %d\n",
               old.sa_handler == on_usr1 ? "handler" : "other", (old.sa_flags & SA_RESTART) != 0,
               sigismember(&old.sa_mask, SIGINT), sigismember(&old.sa_mask, SIGQUIT));
        signal(s, SIG_DFL);
    }
    return 0;
}
