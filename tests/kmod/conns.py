#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Many long-lived TCP connections, for the module's lifecycle tests.

  conns.py server ADDR PORT
      listen, print "listen pid=P", echo every byte back on every accepted
      connection, close a connection at EOF; until killed.
  conns.py client ADDR PORT COUNT BUSY GO
      open COUNT connections, exchange a message on each (round 1), print
      "ready conns=N"; then keep BUSY of them sending 16 KiB and reading it
      back (print "busy" once the first such exchange is done) until the file
      GO exists; then exchange a new message on every connection (round 2),
      print "done conns=N ok=M busy_bytes=B", close them all and exit 0 if
      every exchange returned exactly what was sent.
  conns.py netns COUNT TABLE
      COUNT times: a child process enters a network namespace of its own,
      brings lo up, listens on [::]:7000, makes two connections to it over
      127.0.0.1 (v4-mapped at the listener) and two over ::1, exchanges a
      message on each, makes one to 127.0.0.1:7001 where nothing listens,
      prints "cycle I ok=0|1 pending=P" (P: the "pending" line of the
      module's debugfs TABLE file then) and exits, which destroys the
      namespace; the next cycle starts once TABLE reads as it did before
      the first (or stops when it does not within 60 s).  Prints "netns
      cycles=N ok=M freed=F base_pending=P" (F: cycles after which TABLE
      came back) and exits 0 if all went well.

Every message is different (connection, round, offset), so an echo that
comes back from the wrong connection, truncated or changed is a failure.
"""
import ctypes
import fcntl
import os
import resource
import selectors
import socket
import struct
import sys
import time

BUSY_CHUNK = 16384
GO_TIMEOUT = 240  # s: the test touches GO long before this


def sockaddr(addr, port):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    return family, (addr, int(port))


def raise_nofile(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))


def server(addr, port):
    family, sa = sockaddr(addr, port)
    raise_nofile(8192)
    lsk = socket.socket(family, socket.SOCK_STREAM)
    lsk.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsk.bind(sa)
    lsk.listen(4096)
    lsk.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(lsk, selectors.EVENT_READ, None)
    print("listen pid=%d" % os.getpid(), flush=True)
    pending = {}  # socket -> bytes not yet echoed
    while True:
        for key, events in sel.select():
            sk = key.fileobj
            if sk is lsk:
                try:
                    c, _ = lsk.accept()
                except BlockingIOError:
                    continue
                c.setblocking(False)
                pending[c] = b""
                sel.register(c, selectors.EVENT_READ, None)
                continue
            if events & selectors.EVENT_READ:
                try:
                    data = sk.recv(65536)
                except (BlockingIOError, InterruptedError):
                    data = None
                except OSError:
                    data = b""
                if data == b"":
                    sel.unregister(sk)
                    del pending[sk]
                    sk.close()
                    continue
                if data:
                    pending[sk] += data
            if pending[sk]:
                try:
                    sent = sk.send(pending[sk])
                except (BlockingIOError, InterruptedError):
                    sent = 0
                pending[sk] = pending[sk][sent:]
            sel.modify(sk, selectors.EVENT_READ |
                       (selectors.EVENT_WRITE if pending[sk] else 0), None)


PATTERN = bytes(range(256)) * (BUSY_CHUNK // 256 + 2)


def message(i, rnd, size):
    head = b"conn %d round %d " % (i, rnd)
    off = (i * 31 + rnd * 7) & 0xff
    return head + PATTERN[off:off + size - len(head)]


def recv_exact(sk, size):
    buf = bytearray()
    while len(buf) < size:
        data = sk.recv(size - len(buf))
        if not data:
            break
        buf += data
    return bytes(buf)


def exchange(sk, msg):
    try:
        sk.sendall(msg)
        return recv_exact(sk, len(msg)) == msg
    except OSError as e:
        print("# exchange: %s" % e, file=sys.stderr)
        return False


def client(addr, port, count, busy, go):
    family, sa = sockaddr(addr, port)
    raise_nofile(count + 64)
    conns = []
    for _ in range(count):
        sk = socket.socket(family, socket.SOCK_STREAM)
        sk.settimeout(60)
        try:
            sk.connect(sa)
        except OSError as e:
            print("# connect %d: %s" % (len(conns), e), file=sys.stderr)
            sk.close()
            break
        conns.append(sk)
    ok = sum(exchange(sk, message(i, 1, 64)) for i, sk in enumerate(conns))
    print("ready conns=%d ok=%d" % (len(conns), ok), flush=True)
    if len(conns) != count or ok != count:
        return 1

    busy_bytes = 0
    busy_ok = True
    rnd = 2
    deadline = time.monotonic() + GO_TIMEOUT
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            print("# %s never appeared" % go, file=sys.stderr)
            return 1
        for i in range(min(busy, count)):
            if not exchange(conns[i], message(i, rnd, BUSY_CHUNK)):
                busy_ok = False
                break
            busy_bytes += BUSY_CHUNK
        if not busy_ok:
            break
        if busy and rnd == 2:
            print("busy", flush=True)
        if not busy:
            time.sleep(0.05)
        rnd += 1

    ok = sum(exchange(sk, message(i, 0, 64)) for i, sk in enumerate(conns))
    print("done conns=%d ok=%d busy_bytes=%d busy_ok=%d" %
          (len(conns), ok, busy_bytes, busy_ok), flush=True)
    for sk in conns:
        sk.close()
    return 0 if ok == count and busy_ok else 1


CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1


def lo_up():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sk:
        ifr = fcntl.ioctl(sk, SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))
        flags = struct.unpack("16sH14x", ifr)[1] | IFF_UP
        fcntl.ioctl(sk, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags))


def table_read(path):
    """The socket counts of the module's table file: {"entries": N, "pending": N}.

    Its other lines are left out: "procs" (owners' details, which outlive
    their sockets by design) and sizes.
    """
    counts = {}
    try:
        with open(path) as f:
            for line in f:
                k, v = line.split()
                if k in ("entries", "pending"):
                    counts[k] = int(v)
    except (OSError, ValueError):
        pass
    return counts


def table_wait(path, want, timeout):
    deadline = time.monotonic() + timeout
    while table_read(path) != want:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def netns_cycle(i, table):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET):
        print("# unshare: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
        return False
    lo_up()
    lsk = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    lsk.bind(("::", 7000))
    lsk.listen(16)
    ok = True
    for n, addr in enumerate(("127.0.0.1", "127.0.0.1", "::1", "::1")):
        family, sa = sockaddr(addr, 7000)
        with socket.socket(family, socket.SOCK_STREAM) as c:
            c.settimeout(30)
            c.connect(sa)
            s, _ = lsk.accept()
            with s:
                msg = message(i, n, 64)
                c.sendall(msg)
                s.sendall(recv_exact(s, len(msg)))
                ok = recv_exact(c, len(msg)) == msg and ok
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as c:
        c.settimeout(30)
        try:
            c.connect(("127.0.0.1", 7001))
            ok = False
        except ConnectionRefusedError:
            pass
    lsk.close()
    print("cycle %d ok=%d pending=%d" % (i, ok, table_read(table).get("pending", -1)),
          flush=True)
    return ok


def netns(count, table):
    """Each cycle starts with the table as it was before the first one."""
    base = table_read(table)
    if "pending" not in base:
        print("# cannot read %s" % table, file=sys.stderr)
        return 1
    good = freed = ran = 0
    for i in range(count):
        ran += 1
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                rc = 0 if netns_cycle(i, table) else 1
            except OSError as e:
                print("# cycle %d: %s" % (i, e), file=sys.stderr, flush=True)
                rc = 1
            os._exit(rc)
        _, status = os.waitpid(pid, 0)
        good += status == 0
        # The namespace is freed from a workqueue after the child's exit.
        if not table_wait(table, base, 60):
            # the next cycles would start from a different table: stop
            print("# cycle %d: table %s, was %s" % (i, table_read(table), base),
                  file=sys.stderr, flush=True)
            break
        freed += 1
    print("netns cycles=%d ok=%d freed=%d base_pending=%d" %
          (ran, good, freed, base["pending"]), flush=True)
    return 0 if good == count and freed == count else 1


def main(argv):
    if len(argv) == 4 and argv[1] == "server":
        server(argv[2], argv[3])
        return 0
    if len(argv) == 7 and argv[1] == "client":
        return client(argv[2], argv[3], int(argv[4]), int(argv[5]), argv[6])
    if len(argv) == 4 and argv[1] == "netns":
        return netns(int(argv[2]), argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
