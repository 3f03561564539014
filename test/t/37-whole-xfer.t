#!/usr/bin/env bash
# Issue 13 item 7: one helper (fdt_call_all) moves the whole of a blocking
# write, writev, send, sendto, sendmsg, sendfile and MSG_WAITALL read. Every
# byte is checked at the other end (a part sent twice or skipped shows);
# what a call returns when its peer stops, a timeout (SO_SNDTIMEO), a signal
# with or without SA_RESTART or O_NONBLOCK ends it part way; MSG_WAITALL on
# a datagram socket and on end of file; sendfile to a pipe (what fits): the
# same output natively and under the shim.
. "$(dirname "$0")/../lib.sh"
plan 4
same_native_and_shim "whole transfers: every byte once, partial counts as natively (timeout, signal, SA_RESTART, O_NONBLOCK, EOF, datagrams)" \
    timeout -s KILL 60 "$L/whole_xfer"
sampled "$T/w.out" shim "$L/whole_xfer"
[ "$RC" -eq 0 ] && [ "$MAXTHREADS" -le 2 ]
ok $? "whole_xfer under the shim: status 0 on at most 2 OS threads (saw $MAXTHREADS)"
n=$(timeout -s KILL 60 "$L/whole_xfer" 2>&1)
s=$(GEVENT_PATCH=socket,io,select,time,signal timeout -s KILL 60 env LD_PRELOAD="$LIB" "$L/whole_xfer" 2>&1)
is "$s" "$n" "whole_xfer with GEVENT_PATCH=socket,io,select,time,signal (real threads): same output"
like "$n" "== done" "whole_xfer ran to its end"
