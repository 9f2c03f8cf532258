# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Shared by the end-to-end scripts (sourced after tests/lib.sh): two
# network namespaces joined by a veth, `totem` queried inside them, and the
# helpers that read its JSON and its counters without jq.  The caller sets
# NSA, NSB, VA, VB, A4, B4, A6, B6 (its own addresses: scripts may run at
# the same time) and BACKEND (the -b of every query).

# Namespaces A (client side) and B (server side), veth VA <-> VB, both
# address families; skip_all when they cannot be made.
netns_pair() { # [MTU]
	local mtu=${1:-1500}

	netns_add "$NSA" "$NSB"
	veth_pair "$NSA" "$VA" "$NSB" "$VB"
	ip -n "$NSA" addr add "$A4/24" dev "$VA"
	ip -n "$NSB" addr add "$B4/24" dev "$VB"
	ip -n "$NSA" addr add "$A6/64" dev "$VA" nodad
	ip -n "$NSB" addr add "$B6/64" dev "$VB" nodad
	ip -n "$NSA" link set "$VA" mtu "$mtu" up
	ip -n "$NSB" link set "$VB" mtu "$mtu" up
}

T() { # NS ARGS...: totem in a namespace, on this backend
	local ns=$1

	shift
	ip netns exec "$ns" "$TOTEM" -b "$BACKEND" "$@"
}
cfg() { # KEY VALUE
	T "$NSA" config "$1" "$2" >/dev/null
}
stats() { # print "name value" lines
	T "$NSA" -j stats | tr -d '{}"' | tr ',' '\n' | tr ':' ' '
}
stat_of() { # FILE NAME
	awk -v k="$2" '$1 == k { print $2 }' "$1"
}

# One JSON object per line, from `totem -j sockets`.
objects() {
	awk 'BEGIN { RS = "\001" } {
		d = 0; s = ""
		for (i = 1; i <= length($0); i++) {
			c = substr($0, i, 1)
			if (c == "{") d++
			if (d > 0) s = s c
			if (c == "}") { d--; if (d == 0) { print s; s = "" } }
		}
	}'
}
jfield() { # OBJECT KEY: a number or string value at the top level
	echo "$1" | sed 's/"peer":{[^}]*}//' |
		sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}
jpeer() { # OBJECT KEY: a value inside "peer"
	echo "$1" | sed -n 's/.*"peer":{\([^}]*\)}.*/\1/p' |
		sed -n "s/.*\"$2\":\(\[[^]]*\]\|\"[^\"]*\"\|[^,]*\).*/\1/p" | tr -d '"'
}
