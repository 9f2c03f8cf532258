#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""totem benchmarks: what totem costs on the data path and how fast it answers.

Run as root from `make bench` (docs/performance.md says what is measured and
how).  Three parts, each optional:

data path   two network namespaces joined by veth, IPv4 and IPv6; workloads
            bulk (iperf3, both directions), crr (tcpbench: connect, one
            request, one response, close) and rr (tcpbench: request/response
            on one long-lived connection); variants baseline (no totem),
            bpf (totemd --backend bpf, default sampling), bpf-all
            (sample_bytes 0: every data segment tagged) and other (another
            injector, TOTEM_BENCH_OTHER_BPF or TOTEM_BENCH_OTHER_CMD).  Rounds
            run in blocks, the variants in order in even blocks and in
            reverse order in odd ones (ABBA), one round per variant per
            block; per block, each variant's result is divided by the
            baseline's of the same block.  During rounds with BPF programs
            kernel.bpf_stats_enabled is on and the run_time_ns/run_cnt of
            the variant's programs are read before and after.
query path  one namespace on loopback with N established sockets (sockfarm),
            totemd running: qlookup times totem_sock_lookup() of one 4-tuple
            and totem_sock_dump() on each backend; `ss -tnp` with a filter
            for the same 4-tuple answers the same question; skmem shows
            what each socket is charged for totem's sk_storage.
module path not run here (the host cannot load modules): with --vm KVER,
            tests/bench/vm-bench.sh in a QEMU VM of that kernel: its
            data-path rounds (baseline vs insmod totem.ko), then the query
            path on libtotem's kmod backend against ss, as above.

Everything runs in namespaces and a cgroup of our own with unique names,
removed on exit; totemd runs in a private mount namespace with its own bpffs
so its pins cannot collide with another totemd's.
"""

import argparse
import glob
import json
import os
import re
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import time

PID = os.getpid()
SRC = os.environ.get("TOTEM_SRC") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.environ.get("TOTEM_BUILD") or os.path.join(SRC, "build")
BENCH = os.path.join(OUT, "bench")
TOTEMD = os.path.join(OUT, "totemd")
NS_PREFIX = "tbench-%d" % PID
CG_NAME = "totem-bench-%d" % PID
NET4 = ("10.199.0.1", "10.199.0.2")
NET6 = ("fd00:7074::1", "fd00:7074::2")
STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled"

WORKLOADS = {
    # name: (kind, family, reverse, label)
    "bulk4": ("bulk", 4, False, "bulk IPv4 c->s"),
    "bulk4r": ("bulk", 4, True, "bulk IPv4 s->c"),
    "bulk6": ("bulk", 6, False, "bulk IPv6 c->s"),
    "bulk6r": ("bulk", 6, True, "bulk IPv6 s->c"),
    "crr4": ("crr", 4, False, "conn rate IPv4"),
    "crr6": ("crr", 6, False, "conn rate IPv6"),
    "rr4": ("rr", 4, False, "req/resp IPv4"),
    "rr6": ("rr", 6, False, "req/resp IPv6"),
}
UNITS = {"bulk": "Gbit/s", "crr": "conn/s", "rr": "trans/s"}
TARGETS = {"bulk": 0.99, "crr": 0.97, "rr": 0.98}
VARIANT_LABELS = {
    "baseline": "baseline",
    "bpf": "bpf, default sampling",
    "bpf-all": "bpf, sample_bytes 0",
    "other": "other injector",
    "nop": "nop sockops (floor)",
    "bpf-rx": "bpf, enable none (owners, parsing)",
    "bpf-own": "bpf, enable none, parse off (owners)",
}
CPU_TARGET = 1.0        # % of one CPU during bulk
NS_PER_CALL_TARGET = 50
LOOKUP_TARGET_US = 50
LOOKUP_SPEEDUP_TARGET = 100
DUMP_TARGET_S = 1.0
MEM_TARGET = 64


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def run(cmd, check=True, **kw):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, **kw)
    if check and r.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                                r.stderr.strip()))
    return r


def poll(fn, timeout, what, step=0.05):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = fn()
        if v:
            return v
        time.sleep(step)
    raise RuntimeError("timed out after %.0f s waiting for %s" % (timeout, what))


def median(v):
    return statistics.median(v) if v else None


def quartiles(v):
    if len(v) < 2:
        return (v[0], v[0]) if v else (None, None)
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], q[2]


# ---- environment: cgroup, namespaces, processes ----

class Env:
    def __init__(self, tmp):
        self.tmp = tmp
        self.netns = []
        self.procs = []
        self.cgroup = None
        self.stats_saved = None
        self.foreign_wait = 300
        self.contaminated = set()

    def cgroup_create(self):
        root = None
        with open("/proc/self/mounts") as f:
            for line in f:
                p = line.split()
                if p[2] == "cgroup2":
                    root = p[1]
                    break
        if not root:
            raise RuntimeError("no cgroup v2 mount")
        self.cgroup = os.path.join(root, CG_NAME)
        os.mkdir(self.cgroup)

    def join_cgroup(self):
        # preexec_fn: the workload runs in our cgroup, where the programs are
        with open(os.path.join(self.cgroup, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))

    def ns_add(self, name):
        run(["ip", "netns", "add", name])
        self.netns.append(name)
        run(["ip", "-n", name, "link", "set", "lo", "up"])

    def spawn(self, cmd, ns=None, cgroup=True, **kw):
        full = (["ip", "netns", "exec", ns] if ns else []) + cmd
        p = subprocess.Popen(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, start_new_session=True,
                             preexec_fn=self.join_cgroup if cgroup else None, **kw)
        self.procs.append(p)
        return p

    def call(self, cmd, ns=None, cgroup=True, timeout=None, check=True):
        full = (["ip", "netns", "exec", ns] if ns else []) + cmd
        r = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=timeout,
                           preexec_fn=self.join_cgroup if cgroup else None)
        if check and r.returncode:
            raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                                    r.stderr.strip()[-500:]))
        return r

    def stop(self, p, timeout=10):
        if p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if p in self.procs:
            self.procs.remove(p)
        out, err = p.communicate()
        return out, err

    def stats_on(self):
        if self.stats_saved is None:
            with open(STATS_SYSCTL) as f:
                self.stats_saved = f.read().strip()
        with open(STATS_SYSCTL, "w") as f:
            f.write("1")

    def stats_off(self):
        if self.stats_saved is not None:
            with open(STATS_SYSCTL, "w") as f:
                f.write(self.stats_saved)

    def cleanup(self):
        for p in list(self.procs):
            try:
                self.stop(p, timeout=5)
            except Exception as e:  # keep cleaning
                log("cleanup: %s" % e)
        self.stats_off()
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        self.netns = []
        if self.cgroup and os.path.isdir(self.cgroup):
            # what the workload left there (a client blocked in connect()
            # to a namespace just deleted, after SIGTERM) goes with it
            self.cgroup_kill()
            poll(lambda: not open(os.path.join(self.cgroup, "cgroup.procs")).read(),
                 10, "the bench cgroup to empty")
            os.rmdir(self.cgroup)

    def cgroup_kill(self):
        try:
            with open(os.path.join(self.cgroup, "cgroup.kill"), "w") as f:
                f.write("1")    # 5.14+
            return
        except OSError:
            pass
        with open(os.path.join(self.cgroup, "cgroup.procs")) as f:
            for pid in f.read().split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except OSError:
                    pass


def listening(env, ns, port):
    r = env.call(["ss", "-Hltn", "sport = :%d" % port], ns=ns, cgroup=False, check=False)
    return bool(r.stdout.strip())


# ---- BPF program accounting ----

def prog_ids(pid):
    """IDs of the BPF programs process pid holds (program or link fds)."""
    ids = set()
    for fi in glob.glob("/proc/%d/fdinfo/*" % pid):
        try:
            with open(fi) as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def map_infos(pid):
    maps = {}
    for fi in glob.glob("/proc/%d/fdinfo/*" % pid):
        try:
            with open(fi) as f:
                kv = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l)
        except OSError:
            continue
        if "map_id" in kv:
            maps[int(kv["map_id"])] = {k: kv[k].strip() for k in
                                       ("map_type", "key_size", "value_size",
                                        "max_entries", "memlock") if k in kv}
    return maps


def prog_stats(ids):
    r = run(["bpftool", "-j", "prog", "show"])
    out = {}
    for p in json.loads(r.stdout):
        if p["id"] in ids:
            out[p["id"]] = {"name": p.get("name", "?"), "type": p.get("type", "?"),
                            "run_time_ns": p.get("run_time_ns", 0),
                            "run_cnt": p.get("run_cnt", 0)}
    return out


def proc_cpu_s(pid):
    """utime + stime of pid and its reaped children, in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in v[11:15]) / os.sysconf("SC_CLK_TCK")


def foreign_progs(env, mine):
    """BPF programs not ours that would run on the bench's sockets: those
    effective on our cgroup (attached to it or to an ancestor, e.g. another
    totemd on the root cgroup) and tracing programs named totem_*."""
    found = set()
    r = run(["bpftool", "-j", "cgroup", "show", env.cgroup, "effective"], check=False)
    try:
        for p in json.loads(r.stdout or "[]"):
            if p["id"] not in mine:
                found.add("%s(%d, cgroup)" % (p.get("name", "?"), p["id"]))
    except ValueError:
        pass
    r = run(["bpftool", "-j", "prog", "show"], check=False)
    try:
        for p in json.loads(r.stdout or "[]"):
            if p.get("type") in ("tracing", "kprobe") and \
                    p.get("name", "").startswith("totem") and p["id"] not in mine:
                found.add("%s(%d, %s)" % (p["name"], p["id"], p["type"]))
    except ValueError:
        pass
    return found


def wait_clean(env, mine, what):
    """Wait until no foreign program runs on our sockets; True if clean."""
    end = time.monotonic() + env.foreign_wait
    f = foreign_progs(env, mine)
    if f:
        log("%s: waiting for foreign BPF programs to go: %s" % (what, " ".join(sorted(f))))
    while f and time.monotonic() < end:
        time.sleep(1)
        f = foreign_progs(env, mine)
    if f:
        env.contaminated.add(" ".join(sorted(f)))
    return not f


def stats_delta(before, after):
    d = {}
    for i, a in after.items():
        b = before.get(i, {"run_time_ns": 0, "run_cnt": 0})
        d[a["name"]] = {"type": a["type"],
                        "run_time_ns": a["run_time_ns"] - b["run_time_ns"],
                        "run_cnt": a["run_cnt"] - b["run_cnt"]}
    return d


# ---- variants ----

class Baseline:
    name = "baseline"
    pid = None

    def start(self, env):
        pass

    def stop(self, env):
        pass


class Totemd:
    """totemd --backend bpf in a private mount namespace with its own bpffs."""

    def __init__(self, name, sample_bytes=None, conf=None):
        self.name = name
        self.sample_bytes = sample_bytes
        self.conf = conf or {}
        self.p = None
        self.pid = None

    def start(self, env):
        conf = os.path.join(env.tmp, "totemd-%s.conf" % self.name)
        with open(conf, "w") as f:
            f.write("backend = bpf\ncgroup = %s\n" % env.cgroup)
            if self.sample_bytes is not None:
                f.write("sample_bytes = %d\n" % self.sample_bytes)
            for k, v in sorted(self.conf.items()):
                f.write("%s = %s\n" % (k, v))
        rundir = os.path.join(env.tmp, "run-" + self.name)
        os.makedirs(rundir, exist_ok=True)
        status = os.path.join(rundir, "status")
        if os.path.exists(status):
            os.unlink(status)
        # /run/totem holds totemd's pid file: private too
        inner = ("mount -t bpf bpf /sys/fs/bpf && mkdir -p /run/totem && "
                 "mount -t tmpfs tmpfs /run/totem && exec \"$0\" \"$@\"")
        cmd = ["unshare", "--mount", "--propagation", "slave", "sh", "-c", inner,
               TOTEMD, "-f", "--config", conf]
        self.p = env.spawn(cmd, cgroup=False,
                           env=dict(os.environ, TOTEM_RUNDIR=rundir))
        try:
            poll(lambda: os.path.exists(status) or self.p.poll() is not None, 30,
                 "totemd to start")
        except RuntimeError:
            env.stop(self.p)
            raise
        if self.p.poll() is not None:
            out, err = env.stop(self.p)
            raise RuntimeError("totemd exited %d: %s" % (self.p.returncode, err.strip()))
        self.pid = self.p.pid

    def stop(self, env):
        if self.p:
            env.stop(self.p)
        self.p = None
        self.pid = None


class OtherInjector:
    """Another injector: a BPF object (injattach) or a command."""

    def __init__(self, obj=None, cmd=None, name="other", progs=None):
        self.name = name
        self.obj, self.cmd = obj, cmd
        self.progs = progs if progs is not None else \
            os.environ.get("TOTEM_BENCH_OTHER_PROGS", "").split()
        self.p = None
        self.pid = None

    def start(self, env):
        if self.obj:
            cmd = [os.path.join(BENCH, "injattach"), self.obj, env.cgroup] + self.progs
        else:
            cmd = ["sh", "-c", self.cmd]
        self.p = env.spawn(cmd, cgroup=False,
                           env=dict(os.environ, TOTEM_BENCH_CGROUP=env.cgroup))
        if self.obj:
            line = self.p.stdout.readline()
            if not line.startswith("attached"):
                out, err = env.stop(self.p)
                raise RuntimeError("injattach: %s" % err.strip())
        else:
            wait = float(os.environ.get("TOTEM_BENCH_OTHER_WAIT", "2"))
            time.sleep(wait)    # an arbitrary command has no ready signal
            if self.p.poll() is not None:
                out, err = env.stop(self.p)
                raise RuntimeError("TOTEM_BENCH_OTHER_CMD exited: %s" % err.strip())
        self.pid = self.p.pid

    def stop(self, env):
        if self.p:
            env.stop(self.p)
        self.p = None
        self.pid = None


# ---- data path ----

class DataPath:
    def __init__(self, env, args):
        self.env = env
        self.args = args
        self.cns = NS_PREFIX + "-c"
        self.sns = NS_PREFIX + "-s"
        self.port = 15000

    def setup(self):
        e = self.env
        e.ns_add(self.cns)
        e.ns_add(self.sns)
        run(["ip", "-n", self.cns, "link", "add", "veth0", "type", "veth", "peer", "name",
             "veth1", "netns", self.sns])
        for ns, dev, a4, a6 in ((self.cns, "veth0", NET4[0], NET6[0]),
                                (self.sns, "veth1", NET4[1], NET6[1])):
            run(["ip", "-n", ns, "addr", "add", a4 + "/24", "dev", dev])
            run(["ip", "-n", ns, "addr", "add", a6 + "/64", "dev", dev, "nodad"])
            run(["ip", "-n", ns, "link", "set", dev, "up"])
        # many short connections: a wide port range on the client
        e.call(["sysctl", "-qw", "net.ipv4.ip_local_port_range=1024 65000"],
               ns=self.cns, cgroup=False)

    def next_port(self):
        self.port += 1
        if self.port > 16000:
            self.port = 15001
        return self.port

    def round(self, wl, variant):
        """One round, repeated while a foreign program was seen during it."""
        for attempt in range(5):
            r = self.round_once(wl, variant)
            if not r.pop("foreign"):
                return r
            log("%s %s: foreign BPF programs during the round; again" % (wl, variant.name))
        r["contaminated"] = True
        return r

    def round_once(self, wl, variant):
        kind, fam, rev, _ = WORKLOADS[wl]
        saddr = NET4[1] if fam == 4 else NET6[1]
        port = self.next_port()
        e = self.env
        t = self.args.time
        variant.start(e)
        srv = None
        try:
            if kind == "bulk":
                srv = e.spawn(["iperf3", "-s", "-1", "-B", saddr, "-p", str(port)], ns=self.sns)
                poll(lambda: listening(e, self.sns, port) or srv.poll() is not None, 10,
                     "iperf3 to listen")
                cmd = ["iperf3", "-c", saddr, "-p", str(port), "-J"]
                if self.args.bulk_bytes:
                    cmd += ["-n", self.args.bulk_bytes]
                else:
                    cmd += ["-t", str(max(1, int(round(t * self.args.bulk_factor))))]
                if rev:
                    cmd.append("-R")
            else:
                scmd = [os.path.join(BENCH, "tcpbench"), "serve", saddr, str(port),
                        "-w", str(self.args.procs)]
                if kind == "crr":
                    scmd.append("-1")
                srv = e.spawn(scmd, ns=self.sns)
                if not srv.stdout.readline().startswith("listening"):
                    raise RuntimeError("tcpbench serve: %s" % e.stop(srv)[1].strip())
                cmd = [os.path.join(BENCH, "tcpbench"), kind, saddr, str(port),
                       "-t", str(t), "-n", str(self.args.procs if kind == "crr" else 1)]
            mine = prog_ids(variant.pid) if variant.pid else set()
            ids = mine if self.args.stats else set()
            clean = wait_clean(e, mine, "%s %s" % (wl, variant.name))
            if ids:
                e.stats_on()
                before = prog_stats(ids)
            cpu0 = proc_cpu_s(variant.pid) if variant.pid else 0
            r = e.call(cmd, ns=self.cns, timeout=t * 10 + 30)
            cpu1 = proc_cpu_s(variant.pid) if variant.pid else 0
            if ids:
                after = prog_stats(ids)
                e.stats_off()
            if kind == "bulk":
                j = json.loads(r.stdout)
                s = j["end"]["sum_received"]
                value, secs = s["bits_per_second"] / 1e9, s["seconds"]
            else:
                m = dict(kv.split("=") for kv in r.stdout.split()[1:])
                value, secs = float(m["rate"]), float(m["seconds"])
            res = {"value": value, "seconds": secs,
                   "foreign": clean and bool(foreign_progs(e, mine))}
            if not clean:
                res["contaminated"] = True
            if variant.pid:
                res["daemon_cpu_s"] = cpu1 - cpu0
            if ids:
                res["progs"] = stats_delta(before, after)
            return res
        finally:
            if srv:
                e.stop(srv)
            variant.stop(e)

    def run(self, variants):
        results = {}
        order = list(variants)
        for wl in self.args.workloads:
            res = {v.name: [] for v in variants}
            for block in range(self.args.pairs):
                seq = order if block % 2 == 0 else order[::-1]
                for v in seq:
                    r = self.round(wl, v)
                    r["block"] = block
                    res[v.name].append(r)
                log("%s block %d/%d: %s" % (
                    wl, block + 1, self.args.pairs,
                    " ".join("%s=%.4g" % (v.name, res[v.name][-1]["value"])
                             for v in variants)))
            results[wl] = res
        return results


def summarize_datapath(raw):
    """Medians, per-block ratios and BPF cost per workload and variant."""
    out = {}
    for wl, res in raw.items():
        base = {r["block"]: r["value"] for r in res.get("baseline", [])}
        s = {}
        for vname, rounds in res.items():
            vals = [r["value"] for r in rounds]
            d = {"median": median(vals), "rounds": len(vals)}
            ratios = [r["value"] / base[r["block"]] for r in rounds
                      if base.get(r["block"])]
            if vname != "baseline" and ratios:
                q1, q3 = quartiles(ratios)
                d.update(ratio_median=median(ratios), ratio_q1=q1, ratio_q3=q3,
                         ratio_min=min(ratios), ratio_max=max(ratios))
            progs = {}
            wall = sum(r["seconds"] for r in rounds if "progs" in r)
            shares = []
            for r in rounds:
                if "progs" not in r:
                    continue
                rt = sum(p["run_time_ns"] for p in r["progs"].values())
                shares.append(100.0 * rt / (r["seconds"] * 1e9))
                for name, p in r["progs"].items():
                    a = progs.setdefault(name, {"type": p["type"], "run_time_ns": 0,
                                                "run_cnt": 0})
                    a["run_time_ns"] += p["run_time_ns"]
                    a["run_cnt"] += p["run_cnt"]
            if wall:
                for a in progs.values():
                    a["cpu_pct"] = 100.0 * a["run_time_ns"] / (wall * 1e9)
                    a["ns_per_call"] = (a["run_time_ns"] / a["run_cnt"]
                                        if a["run_cnt"] else None)
                    a["calls_per_s"] = a["run_cnt"] / wall
                tot_rt = sum(a["run_time_ns"] for a in progs.values())
                tot_cnt = sum(a["run_cnt"] for a in progs.values())
                dcpu = sum(r.get("daemon_cpu_s", 0) for r in rounds if "progs" in r)
                d["bpf"] = {"progs": progs, "cpu_pct": 100.0 * tot_rt / (wall * 1e9),
                            "daemon_cpu_pct": 100.0 * dcpu / wall,
                            "cpu_pct_round_median": median(shares),
                            "ns_per_call": tot_rt / tot_cnt if tot_cnt else None,
                            "max_ns_per_call": max((a["ns_per_call"] or 0)
                                                   for a in progs.values()),
                            "seconds": wall}
            s[vname] = d
        out[wl] = s
    return out


# ---- query path ----

def ss_summary(times, found):
    """ss's wall times (us) over its runs, found: how many named the owner."""
    times = sorted(times)
    return {"runs": len(times), "found": found, "median_us": median(times),
            "p99_us": times[min(len(times) - 1, int(0.99 * len(times)))] if times else None}


def btf_struct_sizes(names):
    r = run(["bpftool", "btf", "dump", "file", "/sys/kernel/btf/vmlinux", "format", "raw"],
            check=False)
    out = {}
    for name in names:
        m = re.search(r"STRUCT '%s' size=(\d+)" % re.escape(name), r.stdout)
        out[name] = int(m.group(1)) if m else None
    return out


def kmalloc_class(n):
    for c in (8, 16, 32, 64, 96, 128, 192, 256, 512, 1024, 2048, 4096):
        if n <= c:
            return c
    return n


def skmem_omem(env, ns):
    r = env.call(["ss", "-Htm", "state", "established"], ns=ns, cgroup=False)
    vals = [int(m) for m in re.findall(r"skmem:\([^)]*?,o(\d+),", r.stdout)]
    return vals


class QueryPath:
    def __init__(self, env, args):
        self.env = env
        self.args = args
        self.ns = NS_PREFIX + "-q"

    def setup(self):
        self.env.ns_add(self.ns)

    def farm(self, sockets, base):
        p = self.env.spawn([os.path.join(BENCH, "sockfarm"), "127.0.0.1", str(base),
                            str(sockets)], ns=self.ns)
        line = p.stdout.readline()
        if not line.startswith("ready"):
            raise RuntimeError("sockfarm: %s" % self.env.stop(p)[1].strip())
        return p, dict(kv.split("=", 1) for kv in line.split()[1:])

    def qlookup(self, backend, info, totemd_pid, dumps):
        cmd = [os.path.join(BENCH, "qlookup"), "-b", backend, "-p", info["pid"],
               "-n", str(self.args.lookups), "-T", "5", "-d", str(dumps),
               info["local"], info["remote"]]
        if backend == "bpf":
            # the pins live in totemd's mount namespace
            full = ["nsenter", "-t", str(totemd_pid), "-m",
                    "--net=/run/netns/" + self.ns] + cmd
            r = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        else:
            r = self.env.call(cmd, ns=self.ns, cgroup=False, check=False)
        if r.returncode:
            return {"error": r.stderr.strip()[-300:]}
        return json.loads(r.stdout)

    def ss(self, info, runs):
        lport = info["local"].rsplit(":", 1)
        rport = info["remote"].rsplit(":", 1)
        cmd = ["ss", "-Htnp", "state", "established", "src", info["local"],
               "dst", info["remote"]]
        times, found = [], 0
        for _ in range(runs):
            t0 = time.monotonic()
            r = self.env.call(cmd, ns=self.ns, cgroup=False)
            times.append((time.monotonic() - t0) * 1e6)
            if "pid=%s," % info["pid"] in r.stdout and lport[1] in r.stdout \
                    and rport[1] in r.stdout:
                found += 1
        return ss_summary(times, found)

    def run(self, backends):
        e = self.env
        out = {"sizes": {}}
        totemd = Totemd("query") if "bpf" in backends else None
        if totemd:
            totemd.start(e)
            out["maps"] = map_infos(totemd.pid)
            for m in json.loads(run(["bpftool", "-j", "map", "show"]).stdout):
                if m["id"] in out["maps"]:
                    out["maps"][m["id"]].update(name=m.get("name"), type=m.get("type"))
                    if m.get("type") == "sk_storage" and m.get("name") == "sock_record":
                        out["record_size"] = m.get("bytes_value")
        try:
            base = 20000
            mine = prog_ids(totemd.pid) if totemd else set()
            for n in self.args.sockets:
                log("query path: %d sockets" % n)
                wait_clean(e, mine, "query path")
                p, info = self.farm(n, base)
                base += int(info["procs"]) + 1
                res = {"sockfarm": info}
                try:
                    for b in backends:
                        res[b] = self.qlookup(b, info, totemd.pid if totemd else None,
                                              self.args.dumps)
                    res["ss"] = self.ss(info, self.args.ss_runs)
                    if totemd:
                        om = skmem_omem(e, self.ns)
                        res["omem"] = {"sockets": len(om), "median": median(om),
                                       "min": min(om) if om else None,
                                       "max": max(om) if om else None,
                                       "foreign": sorted(foreign_progs(e, mine))}
                finally:
                    e.stop(p)
                out["sizes"][str(n)] = res
        finally:
            if totemd:
                totemd.stop(e)
        # what a socket is charged without totem (another injector's
        # sk_storage would be counted as ours: measure again if one came)
        for attempt in range(5):
            wait_clean(e, set(), "query path baseline")
            p, info = self.farm(200, base)
            base += int(info["procs"]) + 1
            try:
                om = skmem_omem(e, self.ns)
                dirty = bool(foreign_progs(e, set()))
            finally:
                e.stop(p)
            if not dirty:
                break
            log("query path baseline: foreign BPF programs appeared; again")
        out["omem_baseline"] = median(om)
        out["btf"] = btf_struct_sizes(("bpf_local_storage", "bpf_local_storage_elem"))
        return out


# ---- module path (QEMU VM) ----

def run_vm(args, tmp):
    """Boot KVER under QEMU with tests/bench/vm-bench.sh as the only test."""
    kver = args.vm
    lst = os.path.join(tmp, "vm-bench.list")
    wls = [w for w in args.workloads if w in ("bulk4", "bulk4r", "bulk6", "bulk6r",
                                              "crr4", "crr6", "rr4", "rr6")] \
        if args.vm_datapath else []
    with open(lst, "w") as f:
        f.write("bench\tVM_BENCH_PAIRS=%d VM_BENCH_TIME=%d VM_BENCH_WORKLOADS='%s' "
                "VM_BENCH_SOCKETS='%s' VM_BENCH_LOOKUPS=%d VM_BENCH_DUMPS=%d "
                "VM_BENCH_SS_RUNS=%d tests/bench/vm-bench.sh\n" % (
                    args.vm_pairs, max(1, round(args.vm_time)), " ".join(wls),
                    " ".join(str(n) for n in args.vm_sockets), args.lookups, args.dumps,
                    args.ss_runs))
    budget = len(wls) * args.vm_pairs * 2 * (args.vm_time + 8) + 120
    # query path under TCG, per 1000 sockets: the farm, each dump and
    # each ss (they walk every socket), and 5 s of lookups per size
    budget += sum(n / 1000 * (2 + args.dumps + args.ss_runs) + 60 for n in args.vm_sockets)
    env = dict(os.environ, TOTEM_SRC=SRC, TOTEM_BUILD=OUT, VM_TESTS=lst, VM_UNIT_TESTS="0",
               VM_TEST_TIMEOUT=str(int(budget)), VM_TIMEOUT=str(int(budget + 300)))
    # the farm's sockets and files: 1 GB (run-vm.sh's default) gives
    # fs.file-max below 100,000
    if "VM_MEM" not in env and max(args.vm_sockets, default=0) > 20000:
        env["VM_MEM"] = "2G"
    # run from `make bench O=...`: the module's kernel make must not inherit O=
    for k in ("MAKEFLAGS", "MFLAGS", "MAKEOVERRIDES", "MAKELEVEL"):
        env.pop(k, None)
    log("module path: booting %s (up to %d s)" % (kver, budget + 300))
    t0 = time.monotonic()
    r = subprocess.run([os.path.join(SRC, "tests/qemu/run-vm.sh"), kver], env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    raw, taps, hooks, mem, query = {}, [], {}, None, {}
    try:
        with open(os.path.join(OUT, "vm", kver, "result.log"), errors="replace") as f:
            for line in f:
                m = re.match(r"# BENCH round (\S+) (\S+) (\d+) ([\d.e+]+) ([\d.]+)", line)
                h = re.match(r"# BENCH hooks (\S+) (\d+) ([\d.]+) (.*)", line)
                mm = re.match(r"# BENCH memory (\d+) (\d+) (\d+) (\d+)", line)
                qm = re.match(r"# BENCH (query|qlookup|ss) (\d+) (.*)", line)
                if mm:
                    mem = dict(zip(("state_size", "entry_size", "entry_alloc", "buckets"),
                                   map(int, mm.groups())))
                if qm:
                    what, n, rest = qm.groups()
                    q = query.setdefault(n, {})
                    if what == "query":
                        q["sockfarm"] = dict(kv.split("=", 1) for kv in rest.split())
                    elif what == "qlookup":
                        b, js = rest.split(" ", 1)
                        q[b] = json.loads(js)
                    else:
                        v = rest.split()
                        q["ss"] = ss_summary([float(x) for x in v[2:]], int(v[0]))
                if m:
                    wl, v, b, val, secs = m.groups()
                    raw.setdefault(wl, {}).setdefault(v, []).append(
                        {"block": int(b), "value": float(val), "seconds": float(secs)})
                elif h:
                    wl, b, secs, words = h.groups()
                    per = {}
                    for w in words.split():
                        name, calls, ns = w.split(":")
                        per[name] = {"run_cnt": int(calls), "run_time_ns": int(ns)}
                    hooks.setdefault(wl, []).append(
                        {"block": int(b), "seconds": float(secs), "hooks": per})
                elif re.match(r"(not )?ok \d+ - ", line):
                    taps.append(line.strip())
    except OSError as e:
        taps.append("no result.log: %s" % e)
    out = {"kver": kver, "rc": r.returncode, "tap": taps, "raw": raw,
           "summary": summarize_datapath(raw), "seconds": time.monotonic() - t0,
           "run_vm_tail": r.stdout[-2000:], "hooks": hooks, "memory": mem,
           "hook_summary": {wl: hook_summary(v) for wl, v in hooks.items()},
           "query": query}
    rows = []
    area = "module (VM %s, TCG)" % kver.split("-")[0]
    for wl, sm in out["summary"].items():
        kind, _, _, label = WORKLOADS[wl]
        d = sm.get("kmod")
        if not d or d.get("ratio_median") is None:
            continue
        rows.append([area, label, "totem.ko",
                     "ratio only", "%.3f [%.3f-%.3f]" % (d["ratio_median"], d["ratio_q1"],
                                                         d["ratio_q3"]),
                     ">= %.2f" % TARGETS[kind], verdict(d["ratio_median"] >= TARGETS[kind])])
        hs = out["hook_summary"].get(wl)
        if hs and hs["calls"]:
            top = max(hs["per"].items(), key=lambda kv: kv[1]["ns_per_call"])
            cpu_ok = hs["cpu_pct"] <= CPU_TARGET and hs["ns_per_call"] <= NS_PER_CALL_TARGET
            rows.append([area + " cost", label, "totem.ko hooks",
                         "%.3f%% of 1 vCPU, %s ns/call (max %s %s), %s calls/s" % (
                             hs["cpu_pct"], fmt(hs["ns_per_call"]), top[0],
                             fmt(top[1]["ns_per_call"]), fmt(hs["calls_per_s"])), "",
                         ("<= 1% CPU, " if kind == "bulk" else "") +
                         "<= %d ns/call" % NS_PER_CALL_TARGET,
                         verdict(cpu_ok if kind == "bulk" else
                                 hs["ns_per_call"] <= NS_PER_CALL_TARGET)])
    if mem:
        rows.append(["memory", "per socket", "kmod table entry (VM %s)" % kver.split("-")[0],
                     "%d B of totem state; %d B struct totem_entry with the table's "
                     "links, a %d B object of its slab cache; plus a fixed %d-bucket "
                     "hash (%d KiB)" % (mem["state_size"], mem["entry_size"],
                                        mem["entry_alloc"], mem["buckets"],
                                        mem["buckets"] * 8 // 1024), "",
                     "<= %d B" % MEM_TARGET, verdict(mem["state_size"] <= MEM_TARGET)])
    for n, q in query.items():
        if "kmod" not in q:
            q["kmod"] = {"error": "qlookup gave no answer (see %s/vm/%s/result.log)" % (
                OUT, kver)}
        rows += query_rows(n, q, vm="VM %s, TCG" % kver.split("-")[0])
    out["rows"] = rows
    if r.returncode or not rows:
        log("module path: run-vm.sh exit %d; %s" % (r.returncode, "; ".join(
            t for t in taps if t.startswith("not ok")) or r.stdout[-500:]))
    return out


def hook_summary(rounds):
    """The module's hook times over all rounds of one workload."""
    secs = sum(r["seconds"] for r in rounds)
    per = {}
    for r in rounds:
        for name, a in r["hooks"].items():
            p = per.setdefault(name, {"run_cnt": 0, "run_time_ns": 0})
            p["run_cnt"] += a["run_cnt"]
            p["run_time_ns"] += a["run_time_ns"]
    calls = sum(p["run_cnt"] for p in per.values())
    ns = sum(p["run_time_ns"] for p in per.values())
    for p in per.values():
        p["ns_per_call"] = p["run_time_ns"] / p["run_cnt"] if p["run_cnt"] else 0
        p["calls_per_s"] = p["run_cnt"] / secs if secs else 0
    per = {k: v for k, v in per.items() if v["run_cnt"]}
    return {"seconds": secs, "calls": calls, "ns": ns, "per": per,
            "ns_per_call": ns / calls if calls else 0,
            "calls_per_s": calls / secs if secs else 0,
            "cpu_pct": 100.0 * ns / (secs * 1e9) if secs else 0}


# ---- report ----

def fmt(v, nd=3):
    if v is None:
        return "-"
    if abs(v) >= 1000:
        return "%.0f" % v
    return ("%%.%dg" % nd) % v


def verdict(ok):
    return "yes" if ok else "NO"


def table(results):
    rows = []
    dp = results.get("datapath", {})
    for wl, s in dp.items():
        kind, _, _, label = WORKLOADS[wl]
        unit = UNITS[kind]
        b = s.get("baseline")
        if b:
            rows.append(["data", label, "baseline", "%s %s" % (fmt(b["median"], 4), unit),
                         "1", "", ""])
        for vname, d in s.items():
            if vname == "baseline":
                continue
            ratio = "-"
            ok = ""
            if d.get("ratio_median") is not None:
                ratio = "%.3f [%.3f-%.3f]" % (d["ratio_median"], d["ratio_q1"],
                                              d["ratio_q3"])
                ok = verdict(d["ratio_median"] >= TARGETS[kind])
            rows.append(["data", label, VARIANT_LABELS.get(vname, vname),
                         "%s %s" % (fmt(d["median"], 4), unit), ratio,
                         ">= %.2f" % TARGETS[kind], ok])
            bpf = d.get("bpf")
            if bpf:
                cpu_ok = bpf["cpu_pct"] <= CPU_TARGET if kind == "bulk" else True
                ns_ok = (bpf["ns_per_call"] or 0) <= NS_PER_CALL_TARGET
                worst = max(bpf["progs"].items(), key=lambda kv: kv[1]["ns_per_call"] or 0)
                rows.append(["cost", label, VARIANT_LABELS.get(vname, vname),
                             "BPF %.3f%% of 1 CPU, %s ns/call (max %s %s); daemon %.2f%%" % (
                                 bpf["cpu_pct"], fmt(bpf["ns_per_call"]),
                                 worst[0], fmt(worst[1]["ns_per_call"]),
                                 bpf["daemon_cpu_pct"]),
                             "",
                             ("<= %g%% CPU, " % CPU_TARGET if kind == "bulk" else "") +
                             "<= %d ns/call" % NS_PER_CALL_TARGET,
                             verdict(cpu_ok and ns_ok)])
    q = results.get("query")
    if q:
        for n, r in q["sizes"].items():
            rows += query_rows(n, r)
        mem = memory_summary(q)
        if mem:
            rows.append(["memory", "per socket", "bpf sk_storage",
                         "%d B of totem state; %s B charged with the kernel's "
                         "sk_storage headers (%s B kmalloc)" % (
                             mem["value"], fmt(mem["charged"]), fmt(mem["slab"])), "",
                         "<= %d B" % MEM_TARGET, verdict(mem["value"] <= MEM_TARGET)])
    vm = results.get("vm")
    if vm:
        for row in vm.get("rows", []):
            rows.append(row)
    return rows


def query_rows(n, r, vm=None):
    """The query path's rows for one farm of n sockets.  vm: the label of
    a TCG VM the figures come from (its absolute times are not held
    against the targets, only the speed-up over ss in the same VM)."""
    rows = []
    ss = r.get("ss", {})
    label = "%s sockets" % n
    where = " (%s)" % vm if vm else ""
    if ss:
        rows.append(["query", label, "ss -tnp (filtered)" + where,
                     "%s us median, %s p99 (%d/%d found)" % (
                         fmt(ss["median_us"], 4), fmt(ss["p99_us"], 4),
                         ss["found"], ss["runs"]), "", "", ""])
    for b in ("bpf", "kmod", "proc"):
        if b not in r:
            continue
        d = r[b]
        if "error" in d:
            rows.append(["query", label, "libtotem %s%s" % (b, where), "error: " + d["error"],
                         "", "", "NO"])
            continue
        lu = d["lookup_us"]
        speed = ss["median_us"] / lu["median"] if ss and lu["median"] else None
        # answers whose owner libtotem had to take from /proc (qlookup
        # before from_proc was counted: none known)
        proc = d.get("from_proc", 0)
        right = d["found"] == d["lookups"] and (b == "proc" or (
            d["attributed"] == d["found"] and not proc))
        fast = bool(speed) and speed >= LOOKUP_SPEEDUP_TARGET
        if vm:
            target, ok = ">= %dx (TCG: times not judged)" % LOOKUP_SPEEDUP_TARGET, \
                fast and right
        else:
            target = "<= %d us, >= %dx" % (LOOKUP_TARGET_US, LOOKUP_SPEEDUP_TARGET)
            ok = (lu["median"] <= LOOKUP_TARGET_US and lu["p99"] <= LOOKUP_TARGET_US and
                  fast and d["found"] == d["lookups"])
        rows.append(["query", label, "libtotem %s lookup%s" % (b, where),
                     "%s us median, %s p99 (%d/%d found, %d attributed%s)" % (
                         fmt(lu["median"]), fmt(lu["p99"]), d["found"], d["lookups"],
                         d["attributed"],
                         ", %d from /proc" % proc if b != "proc" and "from_proc" in d
                         else ""),
                     "%sx faster than ss" % fmt(speed),
                     target if b != "proc" else "", verdict(ok) if b != "proc" else ""])
        if "dump_s" in d:
            dproc = d.get("dump_from_proc")
            if vm:
                target = ok = ""
            else:
                target = "<= %g s" % DUMP_TARGET_S if b != "proc" else ""
                ok = verdict(d["dump_s"]["median"] <= DUMP_TARGET_S) if b != "proc" else ""
            rows.append(["query", label, "libtotem %s dump%s" % (b, where),
                         "%s s median, %d sockets, %d owned%s" % (
                             fmt(d["dump_s"]["median"]), d["dump_sockets"], d["dump_owned"],
                             " (%d from /proc)" % dproc if b != "proc" and dproc is not None
                             else ""), "", target, ok])
    return rows


def memory_summary(q):
    sizes = [r for r in q["sizes"].values() if "omem" in r and r["omem"]["median"]
             and not r["omem"].get("foreign")]
    if not sizes:
        return None
    charged = sizes[-1]["omem"]["median"] - (q.get("omem_baseline") or 0)
    if charged <= 0:
        return None
    st = q["btf"].get("bpf_local_storage")
    value = q.get("record_size") or 64
    # the kernel charges sizeof(struct bpf_local_storage) once per socket and
    # offsetof(struct bpf_local_storage_elem, sdata.data[value_size]) per map
    el = charged - st if st else None
    slab = kmalloc_class(st) + kmalloc_class(el) if st and el and el > 0 else None
    return {"charged": charged, "slab": slab, "value": value, "storage": st, "elem": el}


def render(rows, header=("Area", "Case", "Variant", "Result (median)",
                         "Ratio to baseline [IQR] / speedup", "Target", "Met")):
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def prog_table(results):
    lines = ["| Workload | Variant | Program | Calls/s | ns/call | % of 1 CPU |",
             "|---|---|---|---|---|---|"]
    n = 0
    for wl, s in results.get("datapath", {}).items():
        for vname, d in s.items():
            for name, a in sorted(d.get("bpf", {}).get("progs", {}).items()):
                if not a["run_cnt"]:
                    continue
                lines.append("| %s | %s | %s | %s | %s | %.4f |" % (
                    WORKLOADS[wl][3], VARIANT_LABELS.get(vname, vname), name,
                    fmt(a["calls_per_s"]), fmt(a["ns_per_call"]), a["cpu_pct"]))
                n += 1
    return "\n".join(lines) if n else ""


def machine():
    def first(path, key):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return "?"
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return {"kernel": os.uname().release, "cpu": first("/proc/cpuinfo", "model name"),
            "cpus": os.cpu_count(), "mem": first("/proc/meminfo", "MemTotal"),
            "load_before": load}


def update_doc(path, text, section):
    begin, end = "<!-- bench:%s:begin -->" % section, "<!-- bench:%s:end -->" % section
    with open(path) as f:
        doc = f.read()
    i, j = doc.find(begin), doc.find(end)
    if i < 0 or j < 0:
        raise RuntimeError("%s: no %s ... %s markers" % (path, begin, end))
    doc = doc[:i + len(begin)] + "\n" + text + "\n" + doc[j:]
    with open(path, "w") as f:
        f.write(doc)


def report(results, args):
    m = results["machine"]
    parts = ["Run %s UTC, %s; kernel %s, %d x %s, %s; load average before %s, after %s." % (
        results["started"], results["duration"], m["kernel"], m["cpus"], m["cpu"], m["mem"],
        m["load_before"], results["load_after"]),
        "Command: `%s`." % results["command"], "",
        render(table(results))]
    pt = prog_table(results)
    if pt:
        parts += ["", "BPF programs (kernel.bpf_stats_enabled, summed over all rounds):", "",
                  pt]
    vm = results.get("vm") or {}
    if vm.get("hook_summary"):
        lines = ["| Workload | Hook | Calls/s | ns/call | % of 1 vCPU |", "|---|---|---|---|---|"]
        for wl, hs in vm["hook_summary"].items():
            for name, p in sorted(hs["per"].items()):
                lines.append("| %s | %s | %s | %s | %.4f |" % (
                    WORKLOADS[wl][3], name, fmt(p["calls_per_s"]), fmt(p["ns_per_call"]),
                    100.0 * p["run_time_ns"] / (hs["seconds"] * 1e9)))
        parts += ["", "Module hooks in the VM (totem.ko hook_stats=1, local_clock() around "
                  "each hook body, summed over all module rounds; TCG inflates every "
                  "absolute time):", "", "\n".join(lines)]
    q = results.get("query")
    if q:
        mem = memory_summary(q)
        if mem:
            parts += ["", ("Memory: sk_storage charged to each socket (skmem o, median over "
                           "%s sockets, minus %s B without totem) %s B = struct "
                           "bpf_local_storage %s B (once per socket) + element %s B "
                           "(header + the %d B struct totem_sock_state); in kmalloc size "
                           "classes %s B.  A socket that received a TOA has a second "
                           "element (struct totem_toa, 24 B) in sock_toa.  "
                           "Maps (fixed cost): %s.") % (
                list(q["sizes"])[-1], fmt(q.get("omem_baseline")), fmt(mem["charged"]),
                mem["storage"], fmt(mem["elem"]), mem["value"], fmt(mem["slab"]),
                ", ".join("%s (%s, %s entries) %s B" % (v.get("name"), v.get("type"),
                                                       v.get("max_entries"),
                                                       v.get("memlock"))
                          for v in q.get("maps", {}).values()))]
    for note in results.get("notes", []):
        parts += ["", note]
    return "\n".join(parts)


def parse_args(argv):
    ap = argparse.ArgumentParser(description="totem benchmarks (docs/performance.md)")
    ap.add_argument("--pairs", type=int, default=10,
                    help="ABBA blocks: rounds per variant per workload (default 10)")
    ap.add_argument("--time", type=float, default=1.0,
                    help="seconds per crr/rr round (default 1)")
    ap.add_argument("--bulk-factor", type=float, default=2.0,
                    help="bulk rounds last TIME x this, whole seconds, >= 1 (default 2)")
    ap.add_argument("--bulk-bytes", help="bulk rounds send this much (iperf3 -n) instead")
    ap.add_argument("--procs", type=int, default=4, help="crr client processes (default 4)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS),
                    help="comma-separated subset of " + ",".join(WORKLOADS))
    ap.add_argument("--variants", default="baseline,bpf,bpf-all",
                    help="baseline,bpf,bpf-all,bpf-rx,bpf-own,nop (bpf-rx: no option "
                         "written; bpf-own: neither written nor parsed, owners only; "
                         "nop: a sockops program asking for "
                         "the same callbacks and doing nothing, the floor under ns/call; "
                         "other is added when TOTEM_BENCH_OTHER_* is set); 'auto': "
                         "baseline,bpf,bpf-all, the bpf ones only if totemd can run bpf")
    ap.add_argument("--no-stats", dest="stats", action="store_false",
                    help="no kernel.bpf_stats_enabled (ratios without its overhead)")
    ap.add_argument("--sockets", default=None,
                    help="query path: established sockets (default 10000,100000)")
    ap.add_argument("--backends", default="auto",
                    help="query path backends: auto (bpf when it runs, and proc) or a list")
    ap.add_argument("--lookups", type=int, default=None, help="default 2000")
    ap.add_argument("--dumps", type=int, default=None, help="default 5")
    ap.add_argument("--ss-runs", type=int, default=None, help="default 10")
    ap.add_argument("--foreign-wait", type=float, default=300,
                    help="seconds to wait for another injector's programs to go")
    ap.add_argument("--no-datapath", dest="datapath", action="store_false")
    ap.add_argument("--no-query", dest="query", action="store_false")
    ap.add_argument("--vm", metavar="KVER",
                    help="also run the module path in a QEMU VM of kernel KVER "
                         "(e.g. 6.1.0-56-amd64; TOTEM_BUILD must not be under /tmp)")
    ap.add_argument("--vm-pairs", type=int, default=10, help="ABBA blocks in the VM")
    ap.add_argument("--vm-time", type=float, default=2, help="seconds per VM round")
    ap.add_argument("--vm-no-datapath", dest="vm_datapath", action="store_false",
                    help="the VM skips its data-path rounds (the query path only)")
    ap.add_argument("--vm-sockets", default=None,
                    help="the VM's query path on the kmod backend: established sockets "
                         "(default 10000; 'none': no query path; above 20000 the VM gets "
                         "2 GB unless VM_MEM is set)")
    ap.add_argument("--json", help="write all results as JSON here")
    ap.add_argument("--doc", help="replace the results section of this markdown file")
    ap.add_argument("--doc-section", default="results",
                    help="which section: <!-- bench:NAME:begin/end --> (default results)")
    ap.add_argument("--quick", action="store_true",
                    help="harness smoke: 1 block, 0.2 s rounds, 256 MB bulk rounds, "
                         "1000 sockets")
    a = ap.parse_args(argv)
    quick = {"sockets": "1000", "lookups": 50, "dumps": 1, "ss_runs": 2,
             "vm_sockets": "1000"}
    full = {"sockets": "10000,100000", "lookups": 2000, "dumps": 5, "ss_runs": 10,
            "vm_sockets": "10000"}
    for k, v in (quick if a.quick else full).items():
        if getattr(a, k) is None:
            setattr(a, k, v)
    if a.quick:
        a.pairs, a.time, a.bulk_bytes = 1, 0.2, a.bulk_bytes or "256M"
    a.workloads = [w for w in a.workloads.split(",") if w]
    for w in a.workloads:
        if w not in WORKLOADS:
            ap.error("unknown workload %s" % w)
    a.sockets = [int(n) for n in a.sockets.split(",") if n]
    a.vm_sockets = [int(n) for n in a.vm_sockets.split(",") if n and n != "none"]
    return a


def bpf_usable(env):
    """Can totemd run the bpf path here?  (reason, ok)"""
    if not os.access(TOTEMD, os.X_OK):
        return "%s not built" % TOTEMD, False
    t = Totemd("probe")
    try:
        t.start(env)
    except RuntimeError as e:
        return str(e), False
    t.stop(env)
    return "", True


def main(argv):
    args = parse_args(argv)
    if os.geteuid():
        log("needs root (network namespaces, cgroups, BPF)")
        return 4
    for tool in ("tcpbench", "sockfarm", "qlookup"):
        if not os.access(os.path.join(BENCH, tool), os.X_OK):
            log("%s/%s not built (make bench-tools)" % (BENCH, tool))
            return 1
    started = time.time()
    results = {"started": time.strftime("%Y-%m-%d %H:%M", time.gmtime(started)),
               "machine": machine(), "notes": [],
               "command": " ".join(shlex.quote(a) for a in
                                   ["tests/bench/bench.py"] + list(argv)),
               "args": {k: v for k, v in vars(args).items()}}
    tmp = tempfile.mkdtemp(prefix="totem-bench.")
    env = Env(tmp)
    env.foreign_wait = args.foreign_wait
    rc = 0
    old = signal.signal(signal.SIGTERM, lambda s, f: sys.exit(143))
    try:
        env.cgroup_create()
        names = [v for v in args.variants.split(",") if v]
        auto = "auto" in names
        if auto:
            names = ["baseline", "bpf", "bpf-all"]
        why, ok = ("", True)
        if (args.datapath and any(v.startswith("bpf") for v in names)) or args.query:
            why, ok = bpf_usable(env)
        if not ok:
            note = "The eBPF path did not run (%s): baseline only." % why
            results["notes"].append(note)
            log(note)
            names = [v for v in names if not v.startswith("bpf")]
        variants = []
        for v in names:
            if v == "baseline":
                variants.append(Baseline())
            elif v == "bpf":
                variants.append(Totemd("bpf"))
            elif v == "bpf-all":
                variants.append(Totemd("bpf-all", sample_bytes=0))
            elif v == "bpf-rx":
                variants.append(Totemd("bpf-rx", conf={"enable": "none"}))
            elif v == "bpf-own":
                variants.append(Totemd("bpf-own", conf={"enable": "none",
                                                        "parse": "off"}))
            elif v == "nop":
                variants.append(OtherInjector(obj=os.path.join(BENCH, "nop.bpf.o"),
                                              name="nop", progs=[]))
            elif v != "other":
                raise RuntimeError("unknown variant %s" % v)
        obj = os.environ.get("TOTEM_BENCH_OTHER_BPF")
        ocmd = os.environ.get("TOTEM_BENCH_OTHER_CMD")
        if obj or ocmd:
            variants.append(OtherInjector(obj=obj, cmd=ocmd))
            VARIANT_LABELS["other"] = os.environ.get("TOTEM_BENCH_OTHER_NAME") or \
                "other: %s" % os.path.basename(obj or ocmd.split()[0])
        if variants and variants[0].name != "baseline":
            variants.insert(0, Baseline())
        if args.datapath and args.workloads:
            dp = DataPath(env, args)
            dp.setup()
            raw = dp.run(variants)
            results["datapath_raw"] = raw
            results["datapath"] = summarize_datapath(raw)
            if args.stats and len(variants) > 1:
                results["notes"].append(
                    "kernel.bpf_stats_enabled was on during every round with BPF programs "
                    "(not during baseline rounds): the ratios include its cost (two clock "
                    "reads per program run); --no-stats measures ratios without it.")
        if args.query:
            backends = (["bpf", "proc"] if ok else ["proc"]) if args.backends == "auto" \
                else args.backends.split(",")
            qp = QueryPath(env, args)
            qp.setup()
            results["query"] = qp.run(backends)
        if args.vm:
            results["vm"] = run_vm(args, tmp)
            if not results["vm"]["rows"]:
                results["notes"].append(
                    "Module path: the VM run gave no ratios (run-vm.sh exit %d): %s" % (
                        results["vm"]["rc"], "; ".join(results["vm"]["tap"][-5:])))
            else:
                results["notes"].append(
                    "Module path: %s under QEMU TCG, %s; %s." % (
                        args.vm, "%d ABBA blocks of %g s rounds, baseline vs insmod "
                        "totem.ko" % (args.vm_pairs, args.vm_time)
                        if results["vm"]["raw"] else "no data-path rounds",
                        "; ".join(t for t in results["vm"]["tap"] if "option" in t)))
            if results["vm"]["query"]:
                results["notes"].append(
                    "Query path in the VM (%s): totem.ko loaded before sockfarm made the "
                    "sockets, qlookup on libtotem's kmod backend (generic netlink), ss -tnp "
                    "in the same VM; %s.  TCG translates every instruction, so the "
                    "absolute times are not comparable with the host's rows or the "
                    "targets: the speed-up over ss, both measured in the same VM, is the "
                    "figure to read." % (
                        args.vm, "; ".join(
                            "%s sockets: the module's table (max_sockets %s) held %s entries"
                            % (n, q.get("sockfarm", {}).get("max_sockets", "?"),
                               q.get("sockfarm", {}).get("entries", "?"))
                            for n, q in results["vm"]["query"].items())))
        elif args.datapath:
            results["notes"].append(
                "Module path: not measured in this run (--vm KVER; see "
                "docs/performance.md).")
    except (RuntimeError, subprocess.SubprocessError, OSError, KeyError, ValueError) as e:
        log("error: %s" % e)
        rc = 1
    finally:
        try:
            env.cleanup()
        except Exception as e:
            log("cleanup: %s" % e)
            rc = 1
        subprocess.run(["rm", "-rf", tmp])
        signal.signal(signal.SIGTERM, old)
    if rc:
        return rc
    results["duration"] = "%.0f s" % (time.time() - started)
    if env.contaminated:
        n = sum(1 for w in results.get("datapath_raw", {}).values() for rr in w.values()
                for r in rr if r.get("contaminated"))
        results["notes"].append(
            "Another injector's BPF programs ran on the bench's sockets during part of "
            "the run (%s); %d data-path rounds ran with them after waiting %g s." % (
                "; ".join(sorted(env.contaminated)), n, args.foreign_wait))
    with open("/proc/loadavg") as f:
        results["load_after"] = " ".join(f.read().split()[:3])
    text = report(results, args)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, default=str)
    if args.doc:
        update_doc(args.doc, text, args.doc_section)
    if args.vm and not results["vm"]["rows"]:
        log("the module path gave no results")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
