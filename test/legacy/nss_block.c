/* Name-service lookups while a thread ticks every 10 ms: with a slow NSS
 * module (the test's libnss_gptest, 300 ms per answer) the ticker must
 * keep ticking during each lookup. Usage: nss_block USER GROUP */
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile int ticks, stop;

static void *ticker(void *a)
{
    (void)a;
    while (!stop) {
        usleep(10000);
        ticks++;
    }
    return NULL;
}

static const char *enough(int t0)
{
    return ticks - t0 >= 20 ? "yes" : "no";
}

struct job {
    const char *user;
    int uid;
};

static void *lookup(void *a)
{
    struct job *j = a;
    struct passwd pw, *p = NULL;
    char buf[512];
    getpwnam_r(j->user, &pw, buf, sizeof buf, &p);
    j->uid = p ? (int)p->pw_uid : -1;
    return NULL;
}

int main(int argc, char **argv)
{
    const char *user = argc > 1 ? argv[1] : "root", *group = argc > 2 ? argv[2] : "root";
    pthread_t tk;
    pthread_create(&tk, NULL, ticker, NULL);
    usleep(20000);

    int t0 = ticks;
    struct passwd *p = getpwnam(user);
    printf("getpwnam(%s): uid %d home %s; ticks during >= 20: %s\n", user, p ? (int)p->pw_uid : -1,
           p ? p->pw_dir : "-", enough(t0));
    t0 = ticks;
    struct passwd pw, *res = NULL;
    char buf[1024];
    int r = getpwnam_r(user, &pw, buf, sizeof buf, &res);
    printf("getpwnam_r(%s): %d uid %d; ticks during >= 20: %s\n", user, r,
           res ? (int)res->pw_uid : -1, enough(t0));
    t0 = ticks;
    r = getpwuid_r(4242, &pw, buf, sizeof buf, &res);
    printf("getpwuid_r(4242): %d name %s; ticks during >= 20: %s\n", r, res ? res->pw_name : "-",
           enough(t0));
    t0 = ticks;
    r = getpwnam_r(user, &pw, buf, 8, &res);
    printf("getpwnam_r(%s) with an 8-byte buffer: %s, result %s\n", user, strerror(r),
           res ? "set" : "NULL");
    t0 = ticks;
    struct group *g = getgrnam(group);
    printf("getgrnam(%s): gid %d; ticks during >= 20: %s\n", group, g ? (int)g->gr_gid : -1,
           enough(t0));
    gid_t groups[16];
    int ng = 16;
    t0 = ticks;
    r = getgrouplist(user, 100, groups, &ng);
    printf("getgrouplist(%s): %d groups; ticks during >= 20: %s\n", user, r, enough(t0));
    p = getpwnam("no-such-user-gptest");
    printf("getpwnam(no-such-user-gptest): %s\n", p ? "found" : "NULL");

    /* ten threads looking up at once: natively about one answer's time */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    pthread_t t[10];
    struct job j[10];
    for (int i = 0; i < 10; i++) {
        j[i].user = user;
        pthread_create(&t[i], NULL, lookup, &j[i]);
    }
    int same = 0;
    for (int i = 0; i < 10; i++) {
        pthread_join(t[i], NULL);
        same += j[i].uid == j[0].uid;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    printf("10 concurrent getpwnam_r: %d agree\n", same);
    fprintf(stderr, "concurrent lookups took %.2f s\n",
            (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
    stop = 1;
    pthread_join(tk, NULL);
    return 0;
}
