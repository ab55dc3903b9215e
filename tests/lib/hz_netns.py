"""Test networks in Linux network namespaces for the LAN tests
(test_discovery.py, test_mesh.py), and `huzhu serve` run inside them.

A Lan is a bridge in a namespace of its own with hosts cabled to it by
veth pairs, addressed in a /24 of 10.79.0.0/16; a host may be cabled to
several LANs (a relay). Nothing is created in the machine's own
namespace, so nothing sent can leave it. Names carry the test process's
pid, so two runs never share one. Needs root and `ip` (iproute2); a
lossy link also `iptables` (tests/lib/hz_nfq.py). When any is missing
the test fails and says so: it never skips in silence."""
import json
import os
import shutil
import subprocess
import sys

import hz_test as T

PREFIX = "hzn%d-" % (os.getpid() % 100000)
COUNT = [0]
NFQ = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hz_nfq.py")


def need(*tools):
    if os.geteuid() != 0 or any(shutil.which(t) is None for t in tools):
        raise T.Failure("network namespace tests need root and %s: run"
                        " them as root on Linux (tools/deps.sh installs"
                        " them)" % ", ".join(tools))


def ip(*args):
    r = subprocess.run(["ip"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        raise T.Failure("ip %s: %s" % (" ".join(args), r.stderr.decode()))
    return r.stdout.decode()


def in_ns(ns, *cmd, timeout=30):
    r = subprocess.run(["ip", "netns", "exec", ns] + list(cmd),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    if r.returncode != 0:
        raise T.Failure("%s in %s: %s" % (" ".join(cmd), ns,
                                          r.stderr.decode()[-400:]))
    return r.stdout.decode()


class Lan:
    """A bridge in a namespace of its own, and hosts cabled to it; the
    hosts' addresses are @subnet.1, .2, ... in the order cabled."""

    def __init__(self, subnet="10.79.0"):
        need("ip")
        COUNT[0] += 1
        self.prefix = "%s%d" % (PREFIX, COUNT[0])
        self.subnet = subnet
        self.br = self.prefix + "br"
        self.hosts = []   # namespaces this LAN made
        self.ports = {}   # (namespace, interface) -> bridge port
        ip("netns", "add", self.br)
        ip("-n", self.br, "link", "add", "br0", "type", "bridge")
        ip("-n", self.br, "link", "set", "br0", "up")

    def host(self, name, v4=True):
        """A new namespace with one interface, eth0, on this LAN (@v4
        False: with no IPv4 address, only IPv6's link-local one)."""
        ns = self.prefix + name
        ip("netns", "add", ns)
        self.hosts.append(ns)
        # IPv6 link-local addresses usable at once, without the second
        # of duplicate address detection.
        in_ns(ns, "sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0")
        ip("-n", ns, "link", "set", "lo", "up")
        self.attach(ns, "eth0", v4)
        return ns

    def attach(self, ns, ifname, v4=True):
        """Cable namespace @ns (of this LAN or another) to this LAN by a
        new interface @ifname; its IPv4 address (None without)."""
        port = "p%d" % (len(self.ports) + 1)
        n = len(self.ports) + 1
        ip("-n", ns, "link", "add", ifname, "type", "veth", "peer", "name",
           port, "netns", self.br)
        ip("-n", self.br, "link", "set", port, "master", "br0", "up")
        addr = "%s.%d" % (self.subnet, n) if v4 else None
        if v4:
            ip("-n", ns, "addr", "add", addr + "/24", "brd", "+", "dev",
               ifname)
        ip("-n", ns, "link", "set", ifname, "up")
        self.ports[(ns, ifname)] = port
        return addr

    def cable(self, ns, ifname, up):
        """Plug (@up) or pull the cable of @ns's @ifname at the switch."""
        ip("-n", self.br, "link", "set", self.ports[(ns, ifname)],
           "up" if up else "down")

    def close(self):
        for ns in self.hosts + [self.br]:
            subprocess.run(["ip", "netns", "del", ns], timeout=30,
                           stderr=subprocess.DEVNULL)


class Lossy:
    """Loss and delay on interface @ifname of namespace @ns, both ways:
    iptables and ip6tables send its packets to an NFQUEUE that hz_nfq.py
    serves."""

    def __init__(self, ns, ifname, loss, delay_ms, queue=7, seconds=600):
        need("ip", "iptables")
        self.ns, self.queue = ns, queue
        self.rules = [["INPUT", "-i", ifname], ["OUTPUT", "-o", ifname]]
        self.p = subprocess.Popen(
            ["ip", "netns", "exec", ns, sys.executable, NFQ, "--queue",
             str(queue), "--loss", str(loss), "--delay-ms", str(delay_ms),
             "--seconds", str(seconds)], stdout=subprocess.PIPE)
        T.PROCESSES[0] += 1
        line = self.p.stdout.readline().decode()
        if "ready" not in line:
            raise T.Failure("hz_nfq.py did not start (%r)" % line)
        # IPv4 and IPv6 alike: a session may run over either.
        for tool in ("iptables", "ip6tables"):
            for r in self.rules:
                in_ns(ns, tool, "-I", *r, "-j", "NFQUEUE", "--queue-num",
                      str(queue))

    def stop(self):
        """Take the rules out and stop the queue: what it did
        ({"packets", "dropped"})."""
        for tool in ("iptables", "ip6tables"):
            for r in self.rules:
                subprocess.run(["ip", "netns", "exec", self.ns, tool, "-D"] +
                               r + ["-j", "NFQUEUE", "--queue-num",
                                    str(self.queue)], timeout=30,
                               stderr=subprocess.DEVNULL)
        T.stop_term(self.p, "hz_nfq.py")
        out = self.p.stdout.read().decode()
        return json.loads(out.strip().splitlines()[-1])


class Serving:
    """`huzhu serve` inside namespace @ns, listening on every interface."""

    def __init__(self, ns, node, *extra, env=None):
        self.node = node
        self.log = os.path.join(node.dir, "..",
                                os.path.basename(node.dir) + ".serve.log")
        with open(self.log, "wb") as log:
            self.p = subprocess.Popen(
                ["ip", "netns", "exec", ns, T.HUZHU, "-d", node.dir, "--json",
                 "serve", "--listen", "0.0.0.0:7420", "--http", "off"] +
                list(extra), stdout=subprocess.PIPE, stderr=log,
                env=dict(T.base_env(), **(env or {})))
        T.PROCESSES[0] += 1
        line = self.p.stdout.readline().decode()
        T.check(line.startswith("{\"listening\":"),
                "serve in %s says where it listens (%r)" % (ns, line))

    def stop(self):
        rc = T.stop_term(self.p)
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return rc, f.read()


def stop_all(served, *lans):
    """Stop every serve (exit 0 on SIGTERM), then take the networks down,
    whatever happens."""
    try:
        for s in served:
            rc, _ = s.stop()
            T.check_eq(rc, 0, "serve exits 0 on SIGTERM")
    finally:
        for lan in lans:
            lan.close()


def admitted(root, node, name):
    tok = root.js("admit", node.key, "--name", name, "--role",
                  "coordinator")["token"]
    node.js("join", tok)


def contacts(node):
    return {c["key"]: c for c in node.js("status")["contacts"]}


def converged(nodes):
    """Every node holds the same entries (equal vectors) and the same
    state: an equal state hash alone can come first, when one side's
    write wins before the other's has arrived."""
    vs = [n.js("vector") for n in nodes]
    hs = [n.state_hash() for n in nodes]
    return all(v == vs[0] for v in vs) and all(h == hs[0] for h in hs)


def wait_converged(nodes, seconds, what):
    T.wait_until(lambda: converged(nodes), seconds, what)
