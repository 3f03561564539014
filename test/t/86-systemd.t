#!/usr/bin/env bash
# The example systemd unit and drop-in (examples/systemd/) pass
# systemd-analyze verify, alone and together, and what they set works: the
# unit's Environment= lines run a program under the shim, the drop-in's
# gevent-run options are real ones. The manual page and the README show it.
. "$(dirname "$0")/../lib.sh"
if ! command -v systemd-analyze >/dev/null; then
    echo "1..0 # SKIP systemd-analyze is missing (package systemd; make deps installs it)"
    exit 0
fi
plan 8
# The programs it runs (make test has built them; test/run alone may not have).
make -s BUILD="$B" SANITIZE="${GP_SANITIZE:-}" all legacy >"$T/make.out" 2>&1 || { cat "$T/make.out"; exit 1; }
E=examples/systemd
# verify wants ExecStart= to name an executable: the example's server
# (/usr/local/sbin/legacy-server) stands for the user's, and gevent-run is
# this build's until the packages are installed (test 90-deb verifies the
# installed copy as it is).
units() { # units DIR: the unit (and the drop-in, with a second argument)
    mkdir -p "$1"
    sed "s|/usr/local/sbin/legacy-server|$L/echo_server|" "$E/legacy-server.service" >"$1/legacy-server.service"
    [ $# -gt 1 ] || return 0
    mkdir -p "$1/legacy-server.service.d"
    sed -e "s|/usr/local/sbin/legacy-server|$L/echo_server|" -e "s|/usr/bin/gevent-run|$RUN|" \
        "$E/gevent-run.conf" >"$1/legacy-server.service.d/gevent-run.conf"
}
verify() { out=$(systemd-analyze verify "$1/legacy-server.service" 2>&1); }

units "$T/a"
verify "$T/a"; rc=$?
is "$rc:$out" "0:" "legacy-server.service: systemd-analyze verify passes, no message"
units "$T/b" dropin
verify "$T/b"; rc=$?
is "$rc:$out" "0:" "with the gevent-run.conf drop-in: systemd-analyze verify passes, no message"
# The drop-in's empty ExecStart= matters, and verify does read the drop-in.
sed -i '/^ExecStart=$/d' "$T/b/legacy-server.service.d/gevent-run.conf"
verify "$T/b"; rc=$?
[ "$rc" -ne 0 ] && [[ "$out" == *"more than one ExecStart"* ]]
ok $? "without its empty ExecStart= the drop-in is refused (verify reads it)"
diag "$out"

# The unit's Environment= assignments, as systemd passes them (the bare
# library name stands for the installed library: this build's here).
envs=()
while IFS= read -r a; do envs+=("${a/#LD_PRELOAD=libgevent_patch.so/LD_PRELOAD=$LIB}"); done \
    < <(sed -n 's/^Environment=//p' "$E/legacy-server.service")
like "${envs[*]}" "^LD_PRELOAD=$LIB( |$)" "the unit preloads libgevent_patch.so by its bare name"
sampled "$T/env.out" env "${envs[@]}" "$L/sleepers" 20 200
is "$RC:$(cat "$T/env.out")" "0:created 20, joined 20, slept enough 20" \
    "a program started with the unit's environment runs (every GEVENT_* value accepted)"
[ "$MAXTHREADS" -le 2 ]; ok $? "... on greenlets: at most 2 OS threads (saw $MAXTHREADS)"

# The drop-in's gevent-run options, in front of another program.
opts=$(sed -n 's|^ExecStart=/usr/bin/gevent-run \(.*\) -- .*|\1|p' "$E/gevent-run.conf")
out=$("$RUN" $opts -- "$L/sleepers" 2 10 2>"$T/run.err"); rc=$?
is "$rc:$out" "0:created 2, joined 2, slept enough 2" "gevent-run with the drop-in's options ($opts) runs a program"

txt=$(MANWIDTH=200 man -l -Tutf8 man/libgevent_patch.7 2>/dev/null | sed 's/.\x08//g')
grep -q "Environment=LD_PRELOAD=libgevent_patch.so" <<<"$txt" && grep -q "ExecStart=/usr/bin/gevent-run" <<<"$txt" &&
    grep -q "Environment=LD_PRELOAD=libgevent_patch.so" README && grep -q "examples/systemd" README
ok $? "libgevent_patch(7) and the README show both ways, the README points at the examples"
