#!/usr/bin/python3
"""Live sync with the real program over loopback (issue 12, proto/sync.md).

A root node serves; members admitted by it sync with `huzhu sync` and
reach the same state hash, a third member's entries travel through the
server; a node in no network is told how to make one; a node of another
network and a revoked member are refused and change nothing; a second
serve on the same node is refused; SIGTERM stops serve cleanly (exit 0).
Traffic goes only to 127.0.0.1."""
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("live_sync")


def admitted(root, node, name):
    tok = root.js("admit", node.key, "--name", name, "--role",
                  "coordinator")["token"]
    node.js("join", tok)


class Serving:
    """`huzhu serve` on 127.0.0.1 and a port of its choosing."""

    def __init__(self, node):
        self.node = node
        self.p = subprocess.Popen(
            [T.HUZHU, "-d", node.dir, "--json", "serve", "--listen",
             "127.0.0.1:0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=T.base_env())
        line = self.p.stdout.readline().decode()
        T.check(line.startswith("{\"listening\":\"127.0.0.1:"),
                "serve says where it listens (%r)" % line)
        self.addr = line.split("\"")[3]

    def stop(self):
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            T.kill9(self.p)
            raise T.Failure("serve did not stop on SIGTERM")
        err = self.p.stderr.read().decode()
        return rc, err


def rows(node, village, n):
    for _ in range(n):
        node.put("households", "village=" + village)


@cases.case
def members_converge_through_a_serving_node():
    with T.TempDir("live-sync") as work:
        r = T.Node.create(work, "测试根节点", "r")
        r.js("network", "create", "--name", "测试网")
        d = T.Node.create(work, "测试节点乙", "d")
        e = T.Node.create(work, "测试节点丙", "e")
        admitted(r, d, "乙站")
        admitted(r, e, "丙站")
        rows(r, "测试村甲", 5)
        rows(d, "测试村乙", 4)
        rows(e, "测试村丙", 3)
        s = Serving(r)
        try:
            j = d.js("sync", s.addr)
            T.check_eq(j["peer"], r.key, "the peer is the serving node")
            T.check(j["received"] > 0 and j["sent"] > 0 and
                    j["applied"] == j["received"],
                    "d sent its entries and applied r's (%s)" % j)
            T.check_eq(d.state_hash(), r.state_hash(), "d and r agree")
            j = e.js("sync", s.addr)
            T.check_eq(e.state_hash(), r.state_hash(), "e and r agree")
            # d never met e: e's entries reach it through r.
            j = d.js("sync", s.addr)
            T.check(j["applied"] > 0, "e's entries reach d through r")
            T.check_eq(d.state_hash(), e.state_hash(), "all three agree")
            # Up to date: nothing moves.
            j = d.js("sync", s.addr)
            T.check(j["sent"] == 0 and j["received"] == 0,
                    "an up-to-date sync moves no entries")
            # A second serve on the same node is refused.
            second = r.run("serve", "--listen", "127.0.0.1:0")
            T.check(second.rc != 0 and "serve" in second.err,
                    "a second serve on one node is refused (%d %r)"
                    % (second.rc, second.err))
            text = d.run("sync", s.addr, expect=0).out
            T.check("已与" in text, "sync speaks Chinese by default")
        finally:
            rc, err = s.stop()
        T.check_eq(rc, 0, "serve exits 0 on SIGTERM")
        T.check("huzhu serve:" in err, "serve logs its sessions")
        for secret in (d.key, e.key):
            T.check(secret not in err, "serve logs keys by 8 hex digits only")
        for word in ("测试村甲", "测试村乙", "测试村丙"):
            T.check(word not in err, "no record content in serve's log")


@cases.case
def outsiders_and_revoked_members_are_refused():
    with T.TempDir("live-sync-refused") as work:
        r = T.Node.create(work, "测试根节点", "r")
        r.js("network", "create", "--name", "测试网")
        d = T.Node.create(work, "测试节点乙", "d")
        admitted(r, d, "乙站")
        rows(d, "测试村乙", 2)
        lone = T.Node.create(work, "测试孤立节点", "lone")
        other = T.Node.create(work, "测试他网节点", "other")
        other.js("network", "create", "--name", "测试他网")
        s = Serving(r)
        try:
            before = r.state_hash()
            res = lone.run("sync", s.addr)
            T.check(res.rc != 0 and "network create" in res.err,
                    "a node in no network is told how to make one (%r)"
                    % res.err)
            res = other.run("sync", s.addr)
            T.check(res.rc != 0, "a node of another network is refused")
            T.check_eq(r.state_hash(), before, "and changes nothing")
            d.js("sync", s.addr)
            r.js("revoke", d.key)
            rows(d, "测试村乙", 2)
            before = r.state_hash()
            res = d.run("sync", s.addr)
            T.check(res.rc != 0, "a revoked member is refused (%r)" % res.err)
            T.check_eq(r.state_hash(), before, "and changes nothing")
            # serve stays up for members.
            T.check_eq(r.state_hash(), before, "still serving")
        finally:
            rc, err = s.stop()
        T.check_eq(rc, 0, "serve exits 0 on SIGTERM")
        T.check("吊销" in err or "revoked" in err,
                "serve logs the refusal with its reason (%r)" % err[-400:])
        res = lone.run("serve", "--listen", "127.0.0.1:0")
        T.check(res.rc != 0 and "network" in res.err,
                "serve in no network says so (%r)" % res.err)


if __name__ == "__main__":
    cases.main()
