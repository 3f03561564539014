/* File I/O calls with good and bad arguments, from several threads at
 * once: the output must not depend on where the calls are made.
 * Usage: fileio_parity DIR */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *dir;
static int ok_threads;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

static void *worker(void *arg)
{
    int id = (int)(long)arg, good = 1;
    char path[512], buf[8192], back[8192];
    snprintf(path, sizeof path, "%s/f%d", dir, id);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    for (int i = 0; i < (int)sizeof buf; i++) buf[i] = (char)(i * 7 + id);
    for (int round = 0; round < 20 && fd >= 0; round++) {
        if (pwrite(fd, buf, sizeof buf, (off_t)round * sizeof buf) != (ssize_t)sizeof buf) good = 0;
        if (pread(fd, back, sizeof back, (off_t)round * sizeof buf) != (ssize_t)sizeof back ||
            memcmp(buf, back, sizeof buf))
            good = 0;
    }
    struct stat st;
    if (fsync(fd) || fdatasync(fd) || stat(path, &st) || st.st_size != 20 * (off_t)sizeof buf)
        good = 0;
    lseek(fd, 0, SEEK_SET);
    struct iovec v[2] = {{back, 100}, {back + 100, 100}};
    if (readv(fd, v, 2) != 200 || memcmp(back, buf, 200)) good = 0;
    if (read(fd, back, 10) != 10 || write(fd, buf, 10) != 10) good = 0;
    close(fd);
    unlink(path);
    pthread_mutex_lock(&mu);
    ok_threads += good;
    pthread_mutex_unlock(&mu);
    return NULL;
}

#define SHOW(what, call)                                                                           \
    do {                                                                                           \
        errno = 0;                                                                                 \
        long r_ = (long)(call);                                                                    \
        int e_ = errno;                                                                            \
        printf("%s: %ld %s\n", what, r_, r_ < 0 ? strerror(e_) : "");                              \
    } while (0)

int main(int argc, char **argv)
{
    dir = argc > 1 ? argv[1] : "/tmp";
    pthread_t t[8];
    for (int i = 0; i < 8; i++) pthread_create(&t[i], NULL, worker, (void *)(long)i);
    for (int i = 0; i < 8; i++) pthread_join(t[i], NULL);
    printf("8 threads: pwrite/pread/fsync/stat/readv/read/write right in %d\n", ok_threads);
    char b[16], path[512];
    struct stat st;
    struct statx sx;
    int p[2];
    if (pipe(p)) return 1;
    snprintf(path, sizeof path, "%s/none", dir);
    SHOW("open(missing)", open(path, O_RDONLY));
    SHOW("openat(missing)", openat(AT_FDCWD, path, O_RDONLY));
    SHOW("stat(missing)", stat(path, &st));
    SHOW("lstat(missing)", lstat(path, &st));
    SHOW("fstatat(bad dirfd)", fstatat(9999, "x", &st, 0));
    SHOW("statx(missing)", statx(AT_FDCWD, path, 0, STATX_ALL, &sx));
    SHOW("pread(pipe)", pread(p[0], b, 1, 0));
    SHOW("pwrite(bad fd)", pwrite(9999, b, 1, 0));
    SHOW("fsync(pipe)", fsync(p[1]));
    SHOW("fdatasync(bad fd)", fdatasync(-1));
    SHOW("read(bad fd)", read(9999, b, 1));
    SHOW("stat(dir) is a directory", stat(dir, &st) == 0 && S_ISDIR(st.st_mode));
    return 0;
}
