#!/usr/bin/env bash
# Issue 15, item 4: user and group lookups through an NSS module that takes
# its time (built here: libnss_gptest, 500 ms per answer, like a slow LDAP
# server) run on the shim's native workers while other threads go on.
# glibc reads /etc/nsswitch.conf only: the programs run in a private mount
# namespace where a test nsswitch.conf is bind-mounted over it (root).
. "$(dirname "$0")/../lib.sh"
plan 6
cat >"$T/nss_gptest.c" <<'C'
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
static enum nss_status fill(struct passwd *pw, char *buf, size_t n, int *err)
{
    usleep(500000); /* a slow directory server */
    if (n < 64) { *err = ERANGE; return NSS_STATUS_TRYAGAIN; }
    strcpy(buf, "gpuser"); strcpy(buf + 8, "x"); strcpy(buf + 16, "/home/gpuser"); strcpy(buf + 40, "/bin/sh");
    pw->pw_name = buf; pw->pw_passwd = buf + 8; pw->pw_uid = 4242; pw->pw_gid = 4242;
    pw->pw_gecos = buf + 8; pw->pw_dir = buf + 16; pw->pw_shell = buf + 40;
    return NSS_STATUS_SUCCESS;
}
enum nss_status _nss_gptest_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t n, int *err)
{
    if (strcmp(name, "gpuser")) { usleep(500000); return NSS_STATUS_NOTFOUND; }
    return fill(pw, buf, n, err);
}
enum nss_status _nss_gptest_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t n, int *err)
{
    if (uid != 4242) { usleep(500000); return NSS_STATUS_NOTFOUND; }
    return fill(pw, buf, n, err);
}
enum nss_status _nss_gptest_getgrnam_r(const char *name, struct group *gr, char *buf, size_t n, int *err)
{
    usleep(500000);
    if (strcmp(name, "gpgroup")) return NSS_STATUS_NOTFOUND;
    if (n < 32) { *err = ERANGE; return NSS_STATUS_TRYAGAIN; }
    strcpy(buf, "gpgroup"); strcpy(buf + 8, "x");
    memset(buf + 16, 0, 8);
    gr->gr_name = buf; gr->gr_passwd = buf + 8; gr->gr_gid = 4243; gr->gr_mem = (char **)(buf + 16);
    return NSS_STATUS_SUCCESS;
}
enum nss_status _nss_gptest_initgroups_dyn(const char *user, gid_t group, long *start, long *size,
                                           gid_t **groupsp, long limit, int *err)
{
    (void)group; (void)limit; (void)err;
    usleep(500000);
    if (strcmp(user, "gpuser")) return NSS_STATUS_NOTFOUND;
    if (*start < *size) (*groupsp)[(*start)++] = 4243;
    return NSS_STATUS_SUCCESS;
}
C
cc -O2 -shared -fPIC -Wall -o "$T/libnss_gptest.so.2" "$T/nss_gptest.c"
printf 'passwd: files gptest\ngroup: files gptest\n' >"$T/nsswitch.conf"
cat >"$T/run.sh" <<SH
#!/bin/sh
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf || exit 99
export LD_LIBRARY_PATH="$T"
exec "\$@"
SH
chmod +x "$T/run.sh"
if ! unshare -m "$T/run.sh" true 2>/dev/null; then
    for d in "same output" "ticker" "concurrent" "status" "threads" "files only"; do
        todo "NSS $d" "needs root for unshare -m and a bind mount over /etc/nsswitch.conf"
    done
    exit 0
fi
native=$(unshare -m "$T/run.sh" timeout 60 "$L/nss_block" gpuser gpgroup 2>/dev/null)
sampled "$T/s.out" unshare -m "$T/run.sh" env LD_PRELOAD="$LIB" timeout 60 "$L/nss_block" gpuser gpgroup
s=$(grep -v "^concurrent lookups took" "$T/s.out")
is "$s" "$native" "same answers natively and under the shim (users, groups, ERANGE, not found)"
is "$(grep -c 'ticks during >= 20: yes' <<<"$s")" 5 \
    "shim: getpwnam, getpwnam_r, getpwuid_r, getgrnam, getgrouplist through the slow module: the ticker kept ticking"
took=$(awk '/^concurrent lookups took/{print $4}' "$T/s.out")
less_than "${took:-99}" 2.5; ok $? "shim: 10 concurrent getpwnam_r of 500 ms each took ${took} s (not 5 s one after the other)"
is "$RC" 0 "shim: exit status 0"
# the sampled process is unshare's child chain; Threads are counted for the
# program itself: the ticker and main are greenlets, the workers native
sampled "$T/f.out" shim "$L/nss_block" root root
like "$(cat "$T/f.out")" "getpwnam\(root\): uid 0 home /root" "shim: with files only, answered directly (root)"
same_native_and_shim "files-only lookups: same output as native" sh -c '"$0" root root 2>/dev/null' "$L/nss_block"
