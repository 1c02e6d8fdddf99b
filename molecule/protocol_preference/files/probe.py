"""A long-running client: resolves NAME every 0.2 s with glibc's getaddrinfo() (Python's socket module calls it)
and writes the first address to OUT. It names itself COMM (what /proc/PID/comm and ps show) and holds a listening
TCP socket on loopback, as a client holds its connections, so it counts as a process with network sockets."""
import ctypes
import os
import socket
import sys
import time

name, port, out, comm = sys.argv[1:5]
ctypes.CDLL(None).prctl(15, comm.encode()[:15], 0, 0, 0)  # PR_SET_NAME
held = socket.socket()
held.bind(("127.0.0.1", 0))
held.listen(1)
while True:
    first = socket.getaddrinfo(name, int(port), type=socket.SOCK_STREAM)[0][4][0]
    with open(out + ".tmp", "w") as handle:
        handle.write(first + "\n")
    os.replace(out + ".tmp", out)
    time.sleep(0.2)
