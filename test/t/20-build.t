#!/usr/bin/env bash
# The built library: dependencies, exports, launcher.
. "$(dirname "$0")/../lib.sh"
plan 6
deps=$(release_lib; ldd "$LIB")
like "$deps" "libev\.so" "libev is linked dynamically"
! grep -q "libstdc++" <<<"$deps"; ok $? "no libstdc++ in the library (boost.context linked statically)"
! nm -D --defined-only "$LIB" | grep -qi fcontext; ok $? "boost.context symbols are not exported"
allowed=$(sed -n 's/^GP_SYM([A-Za-z0-9_]*, *\([A-Za-z0-9_]*\), *"[^"]*", *[a-z]*, *HOOK,.*/\1/p' patches/symbols.def)
extra=$(nm -D --defined-only "$LIB" | awk '{print $3}' | grep -v '^gevent_' | grep -vxF -f <(echo "$allowed"))
is "$extra" "" "exports only interposed libc symbols and gevent_*"
"$RUN" --help | grep -q -- "--only"; ok $? "gevent-run --help describes the options"
out=$("$RUN" -- "$L/sleepers" 3 10 2>&1)
is "$out" "created 3, joined 3, slept enough 3" "gevent-run runs a program under the shim"
