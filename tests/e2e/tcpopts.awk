# SPDX-License-Identifier: GPL-2.0
#
# Decode `tcpdump -tt -nn -x` output into one line per TCP packet, straight
# from the bytes (not from totem's codec):
#
#   IPVER SRC DST SPORT DPORT FLAGS SEQ PAYLEN IPLEN TOT
#
# SRC/DST: dotted IPv4 or 32 hex digits of IPv6; FLAGS: letters of
# S A F P R U (or "-"); SEQ: 8 hex digits; IPLEN: the IP datagram's length (the whole GSO
# packet when the capture sees one); TOT: "-" if the packet has no kind 253
# option with an ExID of 0xDEE9/0xDEEA/0xDEEB, else
# "LEN/EXID/PID/HEX" with PID in decimal and HEX the bytes after the PID,
# or "BAD" when the option area is malformed.  busybox awk compatible.

function hexval(s,    i, v) {
	s = tolower(s)
	v = 0
	for (i = 1; i <= length(s); i++)
		v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return v
}

function hx(v) {
	return sprintf("%02x", v)
}

function flush(    ver, ihl, iplen, off, i, sport, dport, seq, doff, fl,
		 flags, pay, src, dst, tot, o, end, kind, olen, exid, pid, rest) {
	if (n == 0)
		return
	ver = int(b[0] / 16)
	if (ver == 4) {
		ihl = (b[0] % 16) * 4
		iplen = b[2] * 256 + b[3]
		if (b[9] != 6) { n = 0; return }
		src = b[12] "." b[13] "." b[14] "." b[15]
		dst = b[16] "." b[17] "." b[18] "." b[19]
		off = ihl
	} else if (ver == 6) {
		iplen = 40 + b[4] * 256 + b[5]
		if (b[6] != 6) { n = 0; return }
		src = ""; dst = ""
		for (i = 8; i < 24; i++) src = src hx(b[i])
		for (i = 24; i < 40; i++) dst = dst hx(b[i])
		off = 40
	} else {
		n = 0
		return
	}
	sport = b[off] * 256 + b[off + 1]
	dport = b[off + 2] * 256 + b[off + 3]
	seq = hx(b[off + 4]) hx(b[off + 5]) hx(b[off + 6]) hx(b[off + 7])
	doff = int(b[off + 12] / 16) * 4
	fl = b[off + 13]
	flags = ""
	if (int(fl / 2) % 2) flags = flags "S"
	if (int(fl / 16) % 2) flags = flags "A"
	if (fl % 2) flags = flags "F"
	if (int(fl / 8) % 2) flags = flags "P"
	if (int(fl / 4) % 2) flags = flags "R"
	if (int(fl / 32) % 2) flags = flags "U"
	if (flags == "") flags = "-"
	pay = iplen - off - doff
	tot = "-"
	o = off + 20
	end = off + doff
	if (end > n) end = n
	while (o < end) {
		kind = b[o]
		if (kind == 0) break
		if (kind == 1) { o++; continue }
		if (o + 1 >= end) { tot = "BAD"; break }
		olen = b[o + 1]
		if (olen < 2 || o + olen > end) { tot = "BAD"; break }
		if (kind == 253 && olen >= 8) {
			exid = hx(b[o + 2]) hx(b[o + 3])
			if (exid == "dee9" || exid == "deea" || exid == "deeb") {
				pid = ((b[o + 4] * 256 + b[o + 5]) * 256 + b[o + 6]) * 256 + b[o + 7]
				rest = ""
				for (i = o + 8; i < o + olen; i++) rest = rest hx(b[i])
				tot = olen "/" exid "/" pid "/" rest
			}
		}
		o += olen
	}
	printf "%d %s %s %d %d %s %s %d %d %s\n", ver, src, dst, sport, dport, flags, seq, pay, iplen, tot
	n = 0
}

/^[0-9]/ { flush(); next }

/^[ \t]+0x[0-9a-f]+:/ {
	for (i = 2; i <= NF; i++) {
		if ($i !~ /^[0-9a-f]+$/ || length($i) > 4) break
		b[n++] = hexval(substr($i, 1, 2))
		if (length($i) == 4) b[n++] = hexval(substr($i, 3, 2))
	}
	next
}

END { flush() }
