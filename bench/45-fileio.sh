#!/usr/bin/env bash
# Disk I/O: 4 threads each read a 32 MiB file whose page cache was dropped
# (posix_fadvise DONTNEED, and drop_caches when run as root) while two
# other threads play socket ping-pong every millisecond
# (test/legacy/fileio_bench.c): ping round trip natively, under the shim
# with GEVENT_FILEIO=direct (reads on the hub's OS thread) and =thread
# (reads on native workers). The same binary throughout.
cd "$(dirname "$0")/.." || exit 2
B=${GP_BUILD:-build}; LIB=$PWD/$B/libgevent_patch.so; L=$PWD/$B/legacy
T=$(mktemp -d "${GP_BENCH_DIR:-/var/tmp}/gp-fileio.XXXXXX"); trap 'rm -rf "$T"' EXIT
"$L/fileio_bench" "$T" 4 32 create || { echo "fileio: cannot create the files in $T"; exit 0; }
drop() { sync; [ "$(id -u)" = 0 ] && echo 3 >/proc/sys/vm/drop_caches 2>/dev/null; true; }
echo "== fileio: 4 threads read 32 MiB uncached files each, 2 threads ping every 1 ms =="
printf '%-28s %12s %12s %8s %10s\n' "" "ping p50 us" "ping max us" "pings" "read MiB/s"
for round in 1 2; do
    for m in native direct thread; do
        drop
        case $m in
        native) out=$("$L/fileio_bench" "$T" 4 32) ;;
        *) out=$(GEVENT_FILEIO=$m LD_PRELOAD="$LIB" "$L/fileio_bench" "$T" 4 32) ;;
        esac
        read -r p50 max n mbs <<<"$out"
        printf '%-28s %12s %12s %8s %10s\n' "$m (round $round)" "$p50" "$max" "$n" "$mbs"
    done
done
