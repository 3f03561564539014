"""Python gevent's StreamServer as an echo server, for make bench: the
original system the shim imitates, serving the same workload as
test/legacy/echo_server (same interface).
    python3 bench/gevent_echo.py PORT [MAXCONN]
prints "listening on PORT"; exits after MAXCONN connections closed."""
import os
import sys

from gevent.server import StreamServer

port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
maxconn = int(sys.argv[2]) if len(sys.argv) > 2 else 0
closed = 0


def echo(sock, _addr):
    global closed
    try:
        while True:
            data = sock.recv(4096)
            if not data:
                break
            sock.sendall(data)
    except OSError:
        pass
    finally:
        sock.close()
        closed += 1
        if maxconn and closed >= maxconn:
            sys.stdout.flush()
            os._exit(0)


server = StreamServer(("127.0.0.1", port), echo, backlog=4096)
server.init_socket()
print("listening on %d" % server.server_port, flush=True)
server.serve_forever()
