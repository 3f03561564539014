#!/usr/bin/env bash
# The Debian packages, as a user meets them: built by debian/make-deb (what
# make deb runs) from a temporary copy of the tree, lintian-clean, installed
# on this machine with dpkg -i, used with nothing else set (LD_PRELOAD by the
# bare name, gevent-run from PATH, man, pkg-config, the systemd example),
# then removed with dpkg -r, leaving nothing behind. Packages are removed
# again at exit whatever happened; packages installed before the test are
# never touched (the install part is skipped, with the reason).
. "$(dirname "$0")/../lib.sh"
if ! command -v dpkg-buildpackage >/dev/null; then
    echo "1..0 # SKIP dpkg-buildpackage is missing (make deps installs dpkg-dev)"
    exit 0
fi
NPLAN=25
plan $NPLAN
# The programs it runs (make test has built them; test/run alone may not have).
make -s BUILD="$B" SANITIZE="${GP_SANITIZE:-}" all legacy >"$T/make.out" 2>&1 || { cat "$T/make.out"; exit 1; }
PKGS="gevent-run libgevent-patch-dev libgevent-patch0"
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
VERSION=$(head -n1 debian/changelog | cut -d' ' -f2 | tr -d '()')
CLEAN=(env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME="$T" LANG=C.UTF-8)
INSTALLED=""
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
remove_pkgs() { [ -n "$INSTALLED" ] && dpkg --purge $PKGS >/dev/null 2>&1; INSTALLED=""; }
trap 'remove_pkgs; kill_started; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM

# ---- build ----------------------------------------------------------------
status0=$(git status --porcelain 2>&1)
debian/make-deb "$T/deb" >"$T/make-deb.out" 2>&1
ok $? "debian/make-deb (make deb) builds the packages"
tail -n 25 "$T/make-deb.out" | diag "$(cat)"
D=$T/deb
deb() { echo "$D/${1}_${VERSION}_$2.deb"; }
LIBDEB=$(deb libgevent-patch0 "$(dpkg --print-architecture)")
RUNDEB=$(deb gevent-run "$(dpkg --print-architecture)")
DEVDEB=$(deb libgevent-patch-dev all)
[ -f "$LIBDEB" ] && [ -f "$RUNDEB" ] && [ -f "$DEVDEB" ]
ok $? "libgevent-patch0, gevent-run and libgevent-patch-dev, version $VERSION (debian/changelog)"
is "$(grep -c '^[EW]:' "$D/lintian.txt")" 0 "lintian: no error, no warning (overrides carry their reason)"
grep '^[EWI]:' "$D/lintian.txt" | diag "$(cat)"
is "$(git status --porcelain 2>&1)" "$status0" "the tree is as it was (git status): the build ran in a copy"
files=$(dpkg-deb -c "$LIBDEB" | awk '{print $6 $7 $8}')
grep -qx "./usr/lib/$MA/libgevent_patch.so.$VERSION" <<<"$files" &&
    grep -qx "./usr/lib/$MA/libgevent_patch.so.0->libgevent_patch.so.$VERSION" <<<"$files" &&
    grep -qx "./usr/lib/$MA/libgevent_patch.so->libgevent_patch.so.0" <<<"$files"
ok $? "libgevent-patch0: the library, its SONAME link and the bare name in /usr/lib/$MA"
X=$T/x
dpkg-deb -x "$LIBDEB" "$X"
soname=$(readelf -d "$X/usr/lib/$MA/libgevent_patch.so.$VERSION" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
is "$soname" "libgevent_patch.so.0" "the packaged library's SONAME is libgevent_patch.so.0"

# ---- install --------------------------------------------------------------
already=""
for p in $PKGS; do dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok' && already="$already $p"; done
if [ "$(id -u)" != 0 ] || [ -n "$already" ]; then
    why="not root: dpkg -i needs root"
    [ -n "$already" ] && why="already installed on this machine, left alone:$already"
    while [ "$_n" -lt "$NPLAN" ]; do skip "$why"; done
    exit 0
fi
# Serialise with another run of this test on the machine (a lock on dpkg's
# database directory: nothing to create, nothing left behind; dpkg's own
# locks are fcntl locks on files in it, independent of this one).
exec 9</var/lib/dpkg
flock -w 400 9 || diag "waited 400 s for the lock on /var/lib/dpkg"
# What exists before, to tell afterwards what dpkg -r must have taken away.
listed() { for f in "$LIBDEB" "$RUNDEB" "$DEVDEB"; do dpkg-deb -c "$f"; done |
    awk '{print substr($6, 2)}' | sed 's|/$||' | grep -v '^$' | sort -u; }
before=$(listed | while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
INSTALLED=1
dpkg -i "$LIBDEB" "$RUNDEB" "$DEVDEB" >"$T/dpkg-i.out" 2>&1
ok $? "dpkg -i installs the three packages"
diag "$(tail -5 "$T/dpkg-i.out")"

# LD_PRELOAD by the bare name, nothing else set.
out=$("${CLEAN[@]}" LD_PRELOAD=libgevent_patch.so "$L/api_probe" 2>&1 | head -1)
is "$out" "shim: libgevent_patch $VERSION" "LD_PRELOAD=libgevent_patch.so: found by its bare name, reports version $VERSION"
maps=$("${CLEAN[@]}" LD_PRELOAD=libgevent_patch.so cat /proc/self/maps 2>&1)
like "$maps" "/usr/lib/$MA/libgevent_patch\.so\.$VERSION" "... the one in /usr/lib/$MA (the package's)"
[ -e /usr/local/lib/libgevent_patch.so ] && diag "note: /usr/local/lib/libgevent_patch.so (make install) comes first in the loader's search"
sampled "$T/sl.out" "${CLEAN[@]}" LD_PRELOAD=libgevent_patch.so "$L/sleepers" 20 200
is "$RC:$(cat "$T/sl.out")" "0:created 20, joined 20, slept enough 20" "20 sleeping threads under the installed library"
[ "$MAXTHREADS" -le 2 ]; ok $? "... as greenlets: at most 2 OS threads (saw $MAXTHREADS)"

# gevent-run from PATH finds the installed library by its compiled-in path.
is "$("${CLEAN[@]}" sh -c 'command -v gevent-run')" /usr/bin/gevent-run "gevent-run is on PATH"
"${CLEAN[@]}" gevent-run --list >"$T/list" 2>&1 && grep -q '^thread *pthread_create *patched' "$T/list"
ok $? "gevent-run --list prints the patch table"
maps=$("${CLEAN[@]}" gevent-run -- cat /proc/self/maps 2>&1)
like "$maps" "/usr/lib/$MA/libgevent_patch\.so\.$VERSION" "gevent-run preloads the library from /usr/lib/$MA"

# Manual pages.
is "$("${CLEAN[@]}" man -w gevent-run 2>&1)" /usr/share/man/man1/gevent-run.1.gz "man -w gevent-run"
page=$("${CLEAN[@]}" MANWIDTH=100 man 7 libgevent_patch 2>"$T/man.err" | sed 's/.\x08//g')
[[ "$page" == *"LIBGEVENT_PATCH(7)"* ]] && [[ "$page" == *"libgevent_patch $VERSION"* ]] &&
    [[ "$page" == *"Environment=LD_PRELOAD=libgevent_patch.so"* ]]
ok $? "man 7 libgevent_patch opens (version $VERSION in its footer, the systemd section in it)"
diag "$(head -3 "$T/man.err")"

# pkg-config: what a program that uses gevent_patch.h needs.
is "$("${CLEAN[@]}" pkg-config --modversion gevent_patch 2>&1)" "$VERSION" "pkg-config --modversion gevent_patch"
cat >"$T/api.c" <<'C'
#include <dlfcn.h>
#include <gevent_patch.h>
#include <stdio.h>
int main(void)
{
    __typeof__(gevent_version) *version = (__typeof__(gevent_version) *)dlsym(RTLD_DEFAULT, "gevent_version");
    __typeof__(gevent_is_patched) *patched = (__typeof__(gevent_is_patched) *)dlsym(RTLD_DEFAULT, "gevent_is_patched");
    if (!version || !patched) return puts("not loaded") < 0;
    printf("%s, nanosleep patched %d\n", version(), patched("nanosleep"));
    return 0;
}
C
flags=$("${CLEAN[@]}" pkg-config --cflags --libs gevent_patch)
diag "pkg-config --cflags --libs gevent_patch: $flags"
"${CLEAN[@]}" sh -c "cc -Wall -Wextra -Werror -o '$T/api' '$T/api.c' $flags" >"$T/cc.out" 2>&1
ok $? "a program using <gevent_patch.h> builds with \$(pkg-config --cflags --libs gevent_patch)"
diag "$(cat "$T/cc.out")"
out=$("${CLEAN[@]}" "$T/api"; "${CLEAN[@]}" LD_PRELOAD=libgevent_patch.so "$T/api")
is "$out" $'not loaded\nlibgevent_patch '"$VERSION"', nanosleep patched 1' "it runs without the shim and asks the preloaded one"

# The installed systemd example, as shipped (only the server stands in).
E=/usr/share/doc/gevent-run/examples
mkdir -p "$T/u/legacy-server.service.d"
sed "s|/usr/local/sbin/legacy-server|$L/echo_server|" "$E/legacy-server.service" >"$T/u/legacy-server.service"
sed "s|/usr/local/sbin/legacy-server|$L/echo_server|" "$E/gevent-run.conf" >"$T/u/legacy-server.service.d/gevent-run.conf"
if command -v systemd-analyze >/dev/null; then
    out=$(systemd-analyze verify "$T/u/legacy-server.service" 2>&1); rc=$?
    is "$rc:$out" "0:" "systemd-analyze verify: the installed example unit with its drop-in (/usr/bin/gevent-run)"
else
    skip "systemd-analyze is missing (package systemd)"
fi

# ---- remove ---------------------------------------------------------------
dpkg -r $PKGS >"$T/dpkg-r.out" 2>&1
ok $? "dpkg -r removes the three packages"
diag "$(tail -3 "$T/dpkg-r.out")"
left=""
for p in $PKGS; do dpkg -s "$p" 2>/dev/null | grep -q '^Status: .* installed$' && left="$left $p"; done
is "$left" "" "dpkg knows none of them as installed"
after=$(listed | while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
extra=$(comm -13 <(echo "$before") <(echo "$after"))
is "$extra" "" "every file and directory they brought is gone (what existed before stays)"
out=$("${CLEAN[@]}" LD_PRELOAD=libgevent_patch.so true 2>&1)
[[ "$out" == *"libgevent_patch.so"*"cannot be preloaded"* ]] && ! ldconfig -p | grep -q libgevent_patch
ok $? "the bare name no longer resolves (ld.so says so; not in the loader's cache)"
! "${CLEAN[@]}" man -w gevent-run >/dev/null 2>&1 && ! "${CLEAN[@]}" pkg-config --exists gevent_patch &&
    ! "${CLEAN[@]}" sh -c 'command -v gevent-run' >/dev/null
ok $? "no gevent-run on PATH, no manual page, no pkg-config module"
remove_pkgs
