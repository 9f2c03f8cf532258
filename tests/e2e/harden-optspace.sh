#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# TAP: the 40 bytes of option space, every data segment tagged
# (sample_bytes 0), one body for both paths:
#   harden-optspace.sh BACKEND
#   bpf   `totemd --backend bpf` attached (the host:
#         tests/host/harden-optspace.t);
#   kmod  totem.ko ($TOTEM_KO; the QEMU guests, tests/qemu/vm-tests.list),
#         which inserts its option in front of the stack's own at LOCAL_OUT
#         (kmod/hooks.c): it must leave signed segments alone and skip
#         where the 40 bytes are full.
# A Python peer (here below) moves data both ways at once.
#   - TCP_MD5SIG on both ends (IPv4 and IPv6): the connection works, tcpdump
#     -M KEY finds every signature valid (totem wrote nothing into a signed
#     header), no segment of it carries a TOT option, skip_md5 moves, the
#     kernels count no MD5 failure;
#   - SACK, timestamps, window scale, with loss (the tc program of
#     harden-lib.sh) so that data segments carry SACK blocks: every option
#     area of the capture is well formed and within the data offset, TOT and
#     SACK blocks share segments where they fit (at most 40 bytes), totem
#     skips where they do not and skip_nospace moves;
#   - TCP-AO (6.7+, TCP_AO_ADD_KEY) where the kernel has it: left alone.
# Bytes each way: HARDEN_OPTS_BYTES (8 MB; 1 MB under TCG in the QEMU
# guests), 2 MB (200 kB in the guests) for MD5.
set -u

BACKEND=${1:-}
# shellcheck source=tests/e2e/backend.sh
. "$(dirname "$0")/backend.sh"
NAME=opts
# shellcheck source=tests/host/harden-lib.sh
. "$(dirname "$0")/../host/harden-lib.sh"
# this script counts its poll tries in 50 ms steps on both paths
POLL_INTERVAL=0.05

MD5BYTES=2000000
if [ -n "${TOTEM_VM:-}" ]; then
	MD5BYTES=200000
	: "${HARDEN_OPTS_BYTES:=1000000}"
fi
BYTES=${HARDEN_OPTS_BYTES:-8000000}
SNAP=200
KEY=totem-hardening-key

harden_need "$TOTEMD" "$TOTEM"
[ -x "$PY" ] || skip_all "needs $PY"
need_cmd tcpdump nstat tc
[ "$BACKEND" = bpf ] && bpf_lock
netns_pair 1500
harden_tcbpf "$TMP/tc.o" 50 0 0 ||
	skip_all "cannot build a tc program: $(head -n1 "$TMP/harden_tc.err" 2>/dev/null)"

cat >"$TMP/md5peer.py" <<'EOPY'
# md5peer: bidirectional bulk TCP with an optional TCP_MD5SIG key.
#   md5peer server ADDR PORT PEER KEY|- BYTES
#   md5peer client ADDR PORT PEER KEY|- BYTES
# Both send BYTES (os.urandom-seeded) while receiving the peer's BYTES and
# print "ROLE pid=P local=HOST:PORT tx=SHA256 rx=SHA256 rxbytes=N".
import hashlib, os, socket, struct, sys, threading
TCP_MD5SIG = 14
role, addr, port, peer, key, nbytes = sys.argv[1:7]
port, nbytes = int(port), int(nbytes)
fam = socket.AF_INET6 if ':' in addr else socket.AF_INET

def md5(s):
    if key == '-':
        return
    if fam == socket.AF_INET:
        sa = struct.pack('=H', fam) + b'\0\0' + socket.inet_pton(fam, peer)
    else:
        sa = struct.pack('=H', fam) + b'\0' * 6 + socket.inet_pton(fam, peer)
    k = key.encode()
    s.setsockopt(socket.IPPROTO_TCP, TCP_MD5SIG,
                 sa.ljust(128, b'\0') + struct.pack('=BBHI', 0, 0, len(k), 0) + k.ljust(80, b'\0'))

if role == 'server':
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    md5(ls)
    ls.bind((addr, port))
    ls.listen(4)
    print('listen pid=%d' % os.getpid(), flush=True)
    s, _ = ls.accept()
else:
    s = socket.socket(fam, socket.SOCK_STREAM)
    md5(s)
    s.connect((addr, port))
txh = hashlib.sha256()
def sender():
    left = nbytes
    blk = os.urandom(65536)
    while left > 0:
        b = blk[:min(left, len(blk))]
        txh.update(b)
        s.sendall(b)
        left -= len(b)
        blk = hashlib.sha256(blk[:32]).digest() * 2048
    s.shutdown(socket.SHUT_WR)
t = threading.Thread(target=sender)
t.start()
rxh = hashlib.sha256()
got = 0
while True:
    b = s.recv(262144)
    if not b:
        break
    rxh.update(b)
    got += len(b)
t.join()
l = s.getsockname()
print('%s pid=%d local=%s:%d tx=%s rx=%s rxbytes=%d' % (role, os.getpid(), l[0], l[1],
      txh.hexdigest(), rxh.hexdigest(), got), flush=True)
s.close()
EOPY

if [ "$BACKEND" = bpf ]; then
	harden_start "$TMP/totemd.log"
else
	load || skip_all "insmod $TOTEM_KO failed"
	at_exit unload
fi
cfg enable syn,synack,data
cfg sample_bytes 0
cfg format4 v1
cfg format6 v6

nst() { # NS FILE
	ip netns exec "$1" nstat -az >"$2" 2>/dev/null
}
nval() { # FILE NAME
	awk -v k="$2" '$1 == k { print $2 + 0 }' "$1"
}

# Capture on B's veth, run server in B and client in A.
xfer() { # NAME SERVER-ADDR CLIENT-ADDR PORT KEY|-
	local name=$1 sip=$2 cip=$3 port=$4 key=$5 f=$TMP/$1 tp sp

	stats >"$f.st0"
	nst "$NSA" "$f.na0"
	nst "$NSB" "$f.nb0"
	ip netns exec "$NSB" tcpdump -i "$VB" -s $SNAP -U -nn -w "$f.pcap" \
		tcp port "$port" 2>"$f.tcpdump" &
	tp=$!
	PIDS="$PIDS $tp"
	poll 200 grep -qs "listening on" "$f.tcpdump"
	ip netns exec "$NSB" timeout 120 "$PY" "$TMP/md5peer.py" server "$sip" "$port" \
		"$cip" "$key" $BYTES >"$f.srv" 2>&1 &
	sp=$!
	PIDS="$PIDS $sp"
	poll 200 grep -qs "^listen" "$f.srv"
	ip netns exec "$NSA" timeout 120 "$PY" "$TMP/md5peer.py" client "$sip" "$port" \
		"$sip" "$key" $BYTES >"$f.cli" 2>&1
	wait "$sp"
	poll 100 [ "$(tcpdump -r "$f.pcap" -nn 2>/dev/null | grep -c 'Flags \[[^]]*F')" -ge 2 ]
	kill -INT "$tp" 2>/dev/null
	wait "$tp" 2>/dev/null
	stats >"$f.st1"
	nst "$NSA" "$f.na1"
	nst "$NSB" "$f.nb1"
	tcpdump -tt -nn -x -r "$f.pcap" 2>/dev/null | awk -f "$DECODE" >"$f.pk"
	tcpdump -nn -r "$f.pcap" 2>/dev/null >"$f.txt"
	kv() { sed -n "s/^$1 .*$2=\([^ ]*\).*/\1/p" "$3"; }
	is "$(kv client tx "$f.cli")/$(kv client rxbytes "$f.cli")" \
		"$(kv server rx "$f.srv")/$BYTES" "$name: client to server, sha256 and length"
	is "$(kv server tx "$f.srv")/$(kv server rxbytes "$f.srv")" \
		"$(kv client rx "$f.cli")/$BYTES" "$name: server to client, sha256 and length"
	is "$(awk '$10 == "BAD"' "$f.pk" | wc -l)" 0 \
		"$name: every option area well formed, within the data offset ($(wc -l <"$f.pk") segments)"
}

# ---- MD5 ----
md5case() { # NAME SERVER-ADDR CLIENT-ADDR PORT
	local name=$1 f=$TMP/$1 segs valid d

	xfer "$@" "$KEY"
	segs=$(grep -c "md5" "$f.txt")
	[ "$segs" -gt 10 ]
	tap $? "$name: segments carry MD5 signatures ($segs)"
	tcpdump -nn -M "$KEY" -r "$f.pcap" 2>/dev/null >"$f.md5"
	valid=$(grep -c "md5 valid" "$f.md5")
	is "$valid" "$segs" "$name: tcpdump -M verifies every signature"
	is "$(awk '$10 != "-"' "$f.pk" | wc -l)" 0 "$name: no segment carries a TOT option"
	d=$(stat_delta "$f.st0" "$f.st1" skip_md5)
	[ "$d" -ge 1 ]
	tap $? "$name: skip_md5 moved ($d)"
	d=$(($(nval "$f.na1" TcpExtTCPMD5Failure) - $(nval "$f.na0" TcpExtTCPMD5Failure) +
		$(nval "$f.nb1" TcpExtTCPMD5Failure) - $(nval "$f.nb0" TcpExtTCPMD5Failure)))
	is "$d" 0 "$name: neither kernel saw a bad signature (TCPMD5Failure)"
}
if ip netns exec "$NSA" "$PY" -c 'import socket,sys; s=socket.socket()
try:
    s.setsockopt(socket.IPPROTO_TCP, 14, bytes(216))
except OSError as e:
    sys.exit(e.errno == 92)'; then
	# whole segments, for tcpdump to check the signatures
	SNAP=0 BYTES=$MD5BYTES md5case md5-v4 $B4 $A4 7200
	SNAP=0 BYTES=$MD5BYTES md5case md5-v6 $B6 $A6 7201
else
	tap_skip "MD5: the kernel has no TCP_MD5SIG"
fi

# ---- SACK blocks on data: loss in both directions, data both ways ----
# MTU-sized segments (no TSO/GSO) and 5% loss, so that SACKs ride on data.
# The loss is on ingress: a drop on the sender's egress hook is reported to
# TCP as a local drop and resent without any SACK.
for x in "$NSA $VA" "$NSB $VB"; do
	set -- $x
	ip netns exec "$1" ethtool -K "$2" tso off gso off >/dev/null 2>&1
done
tc -n "$NSA" qdisc add dev "$VA" clsact &&
	tc -n "$NSA" filter add dev "$VA" ingress bpf da obj "$TMP/tc.o" sec tc/netem &&
	tc -n "$NSB" qdisc add dev "$VB" clsact &&
	tc -n "$NSB" filter add dev "$VB" ingress bpf da obj "$TMP/tc.o" sec tc/netem ||
	skip_all "cannot attach a cls_bpf filter (tc)"
xfer sack $B4 $A4 7202 -
f=$TMP/sack
# tcpdump -x lines are per segment; a SACK block is kind 5
both=$(grep -c "sack [0-9].*unknown-253\|unknown-253.*sack [0-9]" "$f.txt")
sackdata=$(grep "sack [0-9]" "$f.txt" | grep -vc "length 0$")
[ "$sackdata" -gt 0 ]
tap $? "sack: data segments with SACK blocks seen ($sackdata; $both with a TOT option too)"
sackts=$(grep "sack [0-9]" "$f.txt" | grep "TS val" | grep -vc "length 0$")
# with timestamps (10+2 bytes), three SACK blocks (2+24) leave 2 bytes
over=$(tcpdump -tt -nn -x -r "$f.pcap" 2>/dev/null | awk '
	/^[0-9]/ { if (n) chk(); n = 0; next }
	/^[ \t]+0x/ { for (i = 2; i <= NF; i++) { if ($i !~ /^[0-9a-f]+$/ || length($i) > 4) break
		b[n++] = substr($i, 1, 2); if (length($i) == 4) b[n++] = substr($i, 3, 2) } }
	function chk(   off, doff) {
		off = (substr(b[0], 1, 1) == "4") ? (index("0123456789abcdef", substr(b[0], 2, 1)) - 1) * 4 : 40
		doff = (index("0123456789abcdef", substr(b[off + 12], 1, 1)) - 1) * 4
		if (doff - 20 > 40 || doff < 20) bad++
	}
	END { if (n) chk(); print bad + 0 }')
is "$over" 0 "sack: no TCP header above 60 bytes (option area <= 40)"
d=$(stat_delta "$f.st0" "$f.st1" skip_nospace)
m=$(stat_delta "$f.st0" "$f.st1" skip_mss)
tot=$(grep "sack [0-9]" "$f.txt" | grep "TS val" | grep -v "length 0$" | grep -c "unknown-253")
if [ "$tot" -lt "$sackts" ]; then
	[ $((d + m)) -ge 1 ]
	tap $? "sack: $((sackts - tot)) data segments with SACK+TS went untagged, skip_nospace/skip_mss moved ($d/$m)"
else
	tap 0 "sack: every data segment with SACK+TS still had room for TOT ($tot of $sackts; skip_nospace $d)"
fi

# ---- TCP-AO ----
if ip netns exec "$NSA" "$PY" -c 'import socket,sys; s=socket.socket()
try:
    s.setsockopt(socket.IPPROTO_TCP, 38, bytes(8))
except OSError as e:
    sys.exit(e.errno in (92, 95))'; then
	tap_skip "TCP-AO: not tested (a peer with TCP_AO_ADD_KEY is still to write)"
else
	tap_skip "TCP-AO: this kernel has no TCP_AO_ADD_KEY (CONFIG_TCP_AO off or before 6.7)"
fi

harden_alive
done_testing
