#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The family as described by docs/netlink/totem.yaml, driven by the kernel's
# own YNL CLI (tools/net/ynl from linux-source-6.12, extracted by `make
# tests` into $TOTEM_BUILD/ynl) and nothing else of totem: if the spec and
# the module disagree, this fails.
# shellcheck source=tests/kmod/lib.sh
. "$(dirname "$0")/lib.sh"
need_module
ynl=$BUILD/ynl/tools/net/ynl/cli.py
schema=$BUILD/ynl/Documentation/netlink/genetlink.yaml
spec=${TOTEM_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}/docs/netlink/totem.yaml
py=/usr/bin/python3
[ -f "$ynl" ] || skip_all "YNL CLI not extracted ($ynl; make tests)"
$py -c 'import yaml, jsonschema' 2>/dev/null || skip_all "python3 yaml/jsonschema missing"

cli() {
	$py "$ynl" --schema "$schema" --spec "$spec" --output-json "$@"
}

# jq-less JSON checks: python reads the CLI's JSON output on stdin.
check() {
	$py -c "import json, sys; d = json.load(sys.stdin); sys.exit(0 if ($1) else 1)"
}

tmpdir ynl
tmp=$TMP
at_exit unload

echo "1..8"
load sample_bytes=1234 format4=2 host_id=77
ok $? "insmod totem.ko sample_bytes=1234 format4=2 host_id=77"

cli --do config-get >"$tmp/cfg" 2>"$tmp/err"
check "d['config']['sample-bytes'] == 1234 and d['config']['format4'] == 2 and \
d['config']['host-id'] == 77 and d['config']['format6'] == 6 and d['config']['enable'] == 7" \
	<"$tmp/cfg"
ok $? "config-get reports the module parameters ($(tr -d '\n' <"$tmp/cfg"))"

cli --do config-set --json '{"config": {"sample-bytes": 0, "format4": 1}}' >"$tmp/set" 2>&1
check "d['config']['sample-bytes'] == 0 and d['config']['format4'] == 1 and d['config']['host-id'] == 77" \
	<"$tmp/set"
ok $? "config-set changes only the keys given and replies with the config"

cli --do config-set --json '{"config": {"format6": 4}}' >"$tmp/bad" 2>&1
grep -q "format6 must be 6" "$tmp/bad" && grep -q -- "-22\|Invalid argument" "$tmp/bad"
ok $? "config-set format6=4: EINVAL with the extack message"

cli --do stats-get >"$tmp/stats" 2>&1
check "len(d['stats']) == 16 and 'inject-syn' in d['stats'] and 'events-lost' in d['stats']" \
	<"$tmp/stats"
ok $? "stats-get names every counter"

# A listener and a connection of our own on loopback, held open.
$py -c '
import socket, sys, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname()); a, _ = l.accept()
c.sendall(b"x" * 100); a.recv(100); a.sendall(b"y" * 100); c.recv(100)
print(l.getsockname()[1], c.getsockname()[1], flush=True)
time.sleep(60)
' >"$tmp/ports" &
srv=$!
PIDS="$PIDS $srv"
poll 100 test -s "$tmp/ports"
read -r lport cport <"$tmp/ports"

cli --dump sock-get --json "{\"sock\": {\"owner-pid\": $srv}}" >"$tmp/dump" 2>&1
check "sorted((s['sock']['sport'], s['sock']['dport']) for s in d) == \
sorted([($lport, 0), ($cport, $lport), ($lport, $cport)]) and \
all(s['sock']['owner-pid'] == $srv and s['sock']['netns'] > 0 for s in d)" <"$tmp/dump"
ok $? "dump filtered by owner-pid $srv: listener, client, accepted socket"

cli --do sock-get --json "{\"sock\": {\"family\": 2, \"saddr\": \"7f000001\", \
\"daddr\": \"7f000001\", \"sport\": $cport, \"dport\": $lport}}" >"$tmp/do" 2>&1
check "d['sock']['owner-pid'] == $srv and d['sock']['saddr'] == '127.0.0.1' and \
d['sock']['peer-pid'] == $srv and d['sock']['peer-format'] == 1 and \
d['sock']['peer-addr'] == '127.0.0.1' and d['sock']['owner-comm'] == 'python3'" <"$tmp/do"
ok $? "sock-get by 4-tuple: owner, comm and the peer's v1 option"

cli --do sock-get --json '{"sock": {"family": 2, "saddr": "7f000001"}}' >"$tmp/miss" 2>&1
grep -q "are all required" "$tmp/miss"
ok $? "sock-get without ports: EINVAL with the extack message"
finish
