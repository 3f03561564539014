#!/usr/bin/env bash
# make install / uninstall into a prefix; the installed launcher finds the
# installed library.
. "$(dirname "$0")/../lib.sh"
plan 10
P=$T/prefix
make -s install BUILD="$B" PREFIX="$P" >"$T/log" 2>&1; ok $? "make install PREFIX=... succeeds"
[ -f "$P/lib/libgevent_patch.so" ] && [ -x "$P/bin/gevent-run" ] && [ -f "$P/include/gevent_patch.h" ]
ok $? "library, launcher and header are installed"
out=$("$P/bin/gevent-run" -- "$L/sleepers" 2 10 2>&1)
is "$out" "created 2, joined 2, slept enough 2" "the installed gevent-run finds the installed library"
"$P/bin/gevent-run" --list | grep -q "^thread *pthread_create *patched"; ok $? "the installed gevent-run --list prints the table"
make -s uninstall BUILD="$B" PREFIX="$P" >"$T/log" 2>&1
[ ! -e "$P/lib/libgevent_patch.so" ] && [ ! -e "$P/bin/gevent-run" ] && [ ! -e "$P/include/gevent_patch.h" ]
ok $? "make uninstall removes them"
# The Debian layout: a multiarch LIBDIR (not PREFIX/lib, so only the
# compiled-in LIBDIR leads the launcher there), the SONAME and bare-name
# links, the pkg-config file.
Q=$T/ma
MA=$(gcc -print-multiarch 2>/dev/null); MA=${MA:-x86_64-linux-gnu}
VERSION=$(head -n1 debian/changelog | cut -d' ' -f2 | tr -d '()')
make -s install BUILD="$B" PREFIX="$Q" LIBDIR="$Q/lib/$MA" >"$T/log" 2>&1; ok $? "make install LIBDIR=PREFIX/lib/$MA succeeds"
D=$Q/lib/$MA
[ -f "$D/libgevent_patch.so.$VERSION" ] && [ "$(readlink "$D/libgevent_patch.so.0")" = "libgevent_patch.so.$VERSION" ] &&
    [ "$(readlink "$D/libgevent_patch.so")" = libgevent_patch.so.0 ] &&
    readelf -d "$D/libgevent_patch.so.$VERSION" | grep -q 'SONAME.*\[libgevent_patch\.so\.0\]'
ok $? "libgevent_patch.so.$VERSION with SONAME libgevent_patch.so.0, the SONAME link and the bare name"
out=$("$Q/bin/gevent-run" -- cat /proc/self/maps 2>&1)
like "$out" "$D/libgevent_patch\.so\.$VERSION" "the installed gevent-run finds the library in the LIBDIR it was installed with"
out=$(export PKG_CONFIG_PATH=$Q/share/pkgconfig; pkg-config --modversion gevent_patch && pkg-config --cflags --libs gevent_patch)
out=$(tr '\n' ' ' <<<"$out")
like "$out" "^$VERSION -I$Q/include +-ldl" "pkg-config gevent_patch: the version, the include directory, -ldl for dlsym"
make -s uninstall BUILD="$B" PREFIX="$Q" LIBDIR="$Q/lib/$MA" >"$T/log" 2>&1
is "$(find "$Q" ! -type d)" "" "make uninstall removes every file it installed"
