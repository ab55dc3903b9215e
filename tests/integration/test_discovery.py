#!/usr/bin/python3
"""LAN discovery with the real program in network namespaces (issue 14,
proto/discovery.md).

The test builds its own network: a namespace holding a bridge, and one
namespace per host, each with one veth cable to the bridge and an
address in 10.79.0.0/24; nothing is created in the machine's own
namespace, so nothing sent can leave. Serving nodes there, with no peer
configured, find each other by their beacons and converge; a node of
another network on the same segment hears the beacons, opens none and
gets nothing; `--no-discovery` sends none. It needs root and `ip`: when
either is missing it fails and says so (it never skips in silence)."""
import json
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402
from hz_netns import (Lan, Serving, admitted, contacts, in_ns, need,  # noqa: E402,E501
                      stop_all)

cases = T.Cases("discovery")

SUBNET = "10.79.0"


def root_and_member(work):
    """A network's root and a member it admitted."""
    r = T.Node.create(work, "测试根站", "r")
    r.js("network", "create", "--name", "测试网")
    d = T.Node.create(work, "测试乙站", "d")
    admitted(r, d, "乙站")
    return r, d


@cases.case
def members_on_one_lan_find_each_other_and_strangers_get_nothing():
    with T.TempDir("discovery") as work:
        lan = Lan(SUBNET)
        served = []
        try:
            r, d = root_and_member(work)
            x = T.Node.create(work, "测试外网站", "x")
            x.js("network", "create", "--name", "测试别的网")
            for n, v in ((r, "测试村甲"), (d, "测试村乙"), (x, "测试村外")):
                for _ in range(3):
                    n.put("households", "village=" + v)
            x_before = x.state_hash()
            hosts = [lan.host(h) for h in ("r", "d", "x")]
            for ns, n in zip(hosts, (r, d, x)):
                served.append(Serving(ns, n))
            T.wait_until(lambda: r.state_hash() == d.state_hash(), 60,
                         "r and d to converge with no peer configured")
            T.check(True, "two members on one LAN, no address typed,"
                    " converge")
            T.check_eq(d.js("peer", "ls")["peers"], [],
                       "d has no configured peer")
            cr, cd = contacts(r), contacts(d)
            T.check(d.key in cr and r.key in cd,
                    "each lists the other as a contact")
            found = {cr[d.key]["found"], cd[r.key]["found"]}
            T.check("discovered" in found,
                    "one side dialled the other after hearing it (%s)"
                    % found)
            # A write reaches the other side with no command.
            d.put("households", "village=测试村乙")
            T.wait_until(lambda: r.state_hash() == d.state_hash(), 20,
                         "d's new row to reach r")
            T.check(True, "and a later write follows")
            # x (another network) heard both for seconds: nothing.
            time.sleep(6)
            T.check_eq(x.state_hash(), x_before, "x's state is unchanged")
            T.check_eq(contacts(x), {}, "x met no device")
            T.check(x.key not in contacts(r) and x.key not in contacts(d),
                    "neither member met x")
            T.check(r.key not in json.dumps(x.js("status")),
                    "x learned no member's key")
        finally:
            stop_all(served, lan)


@cases.case
def members_on_an_ipv6_only_lan_find_each_other():
    """No IPv4 address at all: beacons to all nodes of the link (ff02::1)
    from the link-local addresses, and sessions dialled to them."""
    with T.TempDir("discovery-v6") as work:
        lan = Lan(SUBNET)
        served = []
        try:
            r, d = root_and_member(work)
            r.put("households", "village=测试村甲")
            d.put("households", "village=测试村乙")
            hosts = [lan.host(h, v4=False) for h in ("r6", "d6")]
            for ns, n in zip(hosts, (r, d)):
                served.append(Serving(ns, n))
            T.wait_until(lambda: r.state_hash() == d.state_hash(), 60,
                         "r and d, on a LAN with IPv6 alone, to converge")
            T.check(True, "two members on an IPv6-only LAN converge with no"
                    " address typed")
            addrs = [c["address"] for c in contacts(r).values()] + \
                [c["address"] for c in contacts(d).values()]
            T.check(addrs and all(a.startswith("[fe80:") for a in addrs),
                    "each met the other at a link-local address (%s)"
                    % addrs)
        finally:
            stop_all(served, lan)


def netns_python(ns, code, timeout):
    """Run Python @code in namespace @ns (bounded by @timeout s)."""
    r = subprocess.run(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c",
                        code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout + 10)
    if r.returncode != 0:
        raise T.Failure("python in %s: %s" % (ns, r.stderr.decode()[-400:]))
    return r.stdout


CAPTURE = """
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 7421))
s.settimeout(%d)
data, _ = s.recvfrom(2048)
sys.stdout.write(data.hex())
"""

REPLAY = """
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
for _ in range(3):
    s.sendto(bytes.fromhex("%s"), ("%s.255", 7421))
"""


@cases.case
def a_partition_heals_by_itself_and_a_replayed_beacon_gets_nothing():
    with T.TempDir("discovery-partition") as work:
        lan = Lan(SUBNET)
        served = []
        try:
            r, d = root_and_member(work)
            hid = r.out("put", "households", "village=测试村", "head_name=测试甲")
            hosts = [lan.host(h) for h in ("r3", "d3", "x3")]
            # A stranger on the segment records one of r's beacons.
            served.append(Serving(hosts[0], r))
            beacon = netns_python(hosts[2], CAPTURE % 15, 15).decode()
            T.check(len(beacon) == 168, "a beacon of 84 bytes was heard on"
                    " the LAN (%d hex digits)" % len(beacon))
            served.append(Serving(hosts[1], d))
            T.wait_until(lambda: r.state_hash() == d.state_hash(), 60,
                         "r and d to converge")
            # The cable between d and the switch is pulled; both write the
            # same field.
            lan.cable(hosts[1], "eth0", False)
            r.put("households", "village=测试村甲", id=hid)
            d.put("households", "village=测试村乙", id=hid)
            time.sleep(3)
            T.check(r.state_hash() != d.state_hash(),
                    "apart, they differ")
            lan.cable(hosts[1], "eth0", True)
            # Both entries held on both sides: the same vector (an equal
            # state hash alone can come first: one side's write may win
            # before the other's has arrived).
            T.wait_until(lambda: r.js("vector") == d.js("vector") and
                         r.state_hash() == d.state_hash(), 90,
                         "r and d to converge after the cable is back")
            T.check(True, "healed, they converge with no command typed")
            for n in (r, d):
                cs = [c for c in n.js("conflicts") if c["id"] == hid]
                vals = sorted(h["value"] for c in cs for h in c["heads"])
                T.check_eq(vals, ["测试村乙", "测试村甲"],
                           "%s lists the concurrent edit as a conflict"
                           % os.path.basename(n.dir))
            # r and d stop; a new node of their network hears r's old
            # beacon, replayed by the stranger: no session, nothing
            # exchanged.
            while served:
                rc, _ = served.pop().stop()
                T.check_eq(rc, 0, "serve exits 0 on SIGTERM")
            e = T.Node.create(work, "测试丙站", "e")
            admitted(r, e, "丙站")
            e_before = e.state_hash()
            served.append(Serving(lan.host("e3"), e))
            netns_python(hosts[2], REPLAY % (beacon, SUBNET), 5)
            time.sleep(3)
            T.check_eq(contacts(e), {}, "the replayed beacon opened no"
                       " session")
            T.check_eq(e.state_hash(), e_before, "and e took nothing in")
        finally:
            stop_all(served, lan)


def syn_count(ns):
    """TCP SYNs to port 7420 that @ns refused (its REJECT rules' packet
    counters, IPv4 and IPv6: a beacon may be heard by either)."""
    n = 0
    for tool in ("iptables", "ip6tables"):
        out = in_ns(ns, tool, "-L", "INPUT", "-v", "-x", "-n")
        for line in out.splitlines():
            if "REJECT" in line and "dpt:7420" in line:
                n += int(line.split()[0])
    return n


@cases.case
def a_device_heard_but_unreachable_is_redialled_with_backoff():
    """d beacons (every 0.3 s here), but refuses connections to its sync
    port and hears nothing: r hears it and dials, and each failed dial
    doubles r's wait before the next (1, 2, 4, 8 s, each 80-120 %), as
    for a configured peer, instead of dialling at every beacon. Once d
    answers again they converge with no command."""
    need("ip", "iptables", "ip6tables")
    with T.TempDir("discovery-backoff") as work:
        lan = Lan(SUBNET)
        served = []
        try:
            r, d = root_and_member(work)
            d.put("households", "village=测试村乙")
            hosts = [lan.host(h) for h in ("r3", "d3")]
            rules = [["-p", "tcp", "--dport", "7420", "--syn", "-j", "REJECT",
                      "--reject-with", "tcp-reset"],
                     ["-p", "udp", "--dport", "7421", "-j", "DROP"]]
            for tool in ("iptables", "ip6tables"):
                for rule in rules:
                    in_ns(hosts[1], tool, "-A", "INPUT", *rule)
            served.append(Serving(hosts[0], r))
            served.append(Serving(hosts[1], d,
                                  env={"HUZHU_TEST_BEACON_MS": "300"}))
            # Each dial is one refused SYN: when each came, to 0.1 s.
            dials, seen = [], 0
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and \
                    (not dials or time.monotonic() - dials[0] < 22):
                n = syn_count(hosts[1])
                if n > seen:
                    dials += [time.monotonic()] * (n - seen)
                    seen = n
                time.sleep(0.1)
            gaps = [b - a for a, b in zip(dials, dials[1:])]
            T.check(4 <= len(dials) <= 6,
                    "in 22 s after its first dial, r dialled d %d times"
                    " (1, 2, 4, 8 s apart: 5; at every beacon: ~70)"
                    % len(dials))
            # Gap k waits 2^k s (80-120 %) and then for the next beacon
            # (up to 0.36 s) and the next poll (0.1 s); a slow machine
            # adds a little.
            for k, g in enumerate(gaps[:4]):
                T.check(0.8 * 2 ** k - 0.15 <= g <= 1.2 * 2 ** k + 1.5,
                        "failed dial %d waited %.1f s (wants %d s,"
                        " 80-120 %%)" % (k + 1, g, 2 ** k))
            for tool in ("iptables", "ip6tables"):
                for rule in rules:
                    in_ns(hosts[1], tool, "-D", "INPUT", *rule)
            T.wait_until(lambda: r.state_hash() == d.state_hash(), 60,
                         "r and d to converge once d answers")
            T.check(True, "once d answers, they converge with no command")
        finally:
            stop_all(served, lan)


@cases.case
def no_discovery_sends_and_hears_nothing():
    with T.TempDir("discovery-off") as work:
        lan = Lan(SUBNET)
        served = []
        try:
            r, d = root_and_member(work)
            r.put("households", "village=测试村甲")
            before = d.state_hash()
            hosts = [lan.host(h) for h in ("r2", "d2")]
            served.append(Serving(hosts[0], r, "--no-discovery"))
            served.append(Serving(hosts[1], d))
            time.sleep(8)  # d beacons every 4-6 s; r neither sends nor hears
            T.check_eq(d.state_hash(), before,
                       "with --no-discovery on r, d and r never met")
            T.check_eq(contacts(r), {}, "r met no device")
        finally:
            stop_all(served, lan)


if __name__ == "__main__":
    cases.main()
