#!/usr/bin/python3
"""Wrong wall clocks, with Debian's faketime (LD_PRELOAD; clock_gettime
is intercepted): a Pi that boots in 1970 and a laptop set to 2038.

What this shows (DESIGN "Causality and clocks", DECISIONS 8): an edit
made after seeing another wins whatever the clocks say, on every node; a
far-off clock is reported (`status --json` skewed_authors); and a node
that has seen a 2038 entry still never writes a clock beyond its own wall
time plus the documented skew (10 minutes)."""
import calendar
import os
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("clocks")
Y2038 = "2038-01-01 00:00:00"
Y1970 = "1970-01-02 00:00:00"
SKEW_MS = 10 * 60 * 1000
UTC = {"TZ": "UTC"}


def epoch_ms(stamp):
    return calendar.timegm(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")) * 1000


def entries_by(node, author_hex, path):
    """Decoded entries of @author_hex in @node's full bundle."""
    node.export(path)
    return [T.decode_entry(e) for e in T.read_bundle(path)[1]
            if T.decode_entry(e)["author"].hex() == author_hex]


@cases.case
def faketime_reaches_the_huzhu_binary():
    with T.TempDir("probe") as work:
        for stamp in (Y2038, Y1970):
            n = T.Node.create(work, "测试探针", "p%s" % stamp[:4],
                              faketime=stamp, env=UTC)
            n.put("households", "head_name=测试甲")
            (e,) = entries_by(n, n.key, os.path.join(work, "probe.bundle"))
            ms = e["clock"] >> 16
            T.check(epoch_ms(stamp) <= ms < epoch_ms(stamp) + 3600 * 1000,
                    "under faketime '%s' huzhu writes clock %d ms (%s UTC)"
                    % (stamp, ms, time.strftime("%Y-%m-%d %H:%M",
                                                time.gmtime(ms // 1000))))


@cases.case
def later_edit_wins_whatever_the_clocks_and_skew_is_reported():
    with T.TempDir("clocks") as work:
        n38 = T.Node.create(work, "测试未来节点", "n2038", faketime=Y2038,
                            env=UTC)
        n70 = T.Node.create(work, "测试过去节点", "n1970", faketime=Y1970,
                            env=UTC)
        ok = T.Node.create(work, "测试正常节点", "ok", env=UTC)
        hh = n38.out("household", "add", "--head", "测试甲", "--village",
                     "测试村").split()[0]
        b38 = os.path.join(work, "from-2038.bundle")
        n38.export(b38)
        n70.import_(b38)
        ok.import_(b38)
        n70.put("households", "head_name=测试乙", id=hh)
        b70 = os.path.join(work, "from-1970.bundle")
        n70.export(b70)
        n38.import_(b70)
        ok.import_(b70)

        (w38,) = entries_by(n38, n38.key, os.path.join(work, "x.bundle"))
        (w70,) = entries_by(n70, n70.key, os.path.join(work, "y.bundle"))
        T.check(w70["clock"] < w38["clock"] and
                (w70["clock"] >> 16) <= epoch_ms(Y1970) + 3600 * 1000,
                "the 1970 edit carries a 1970 clock, far below the 2038 one"
                " (it cannot win by clock)")
        for name, n in (("2038", n38), ("1970", n70), ("correct", ok)):
            T.check_eq(n.js("get", "households", hh)["head_name"], "测试乙",
                       "%s node: the later edit (made in 1970) wins" % name)
            T.check(not any(c.get("id") == hh for c in n.js("conflicts")),
                    "%s node: it is not listed as a conflict" % name)
        T.check(len({n.state_hash() for n in (n38, n70, ok)}) == 1,
                "all three nodes print the same state-hash")

        skewed = {s["author"]: s for s in ok.status()["skewed_authors"]}
        T.check(n38.key in skewed,
                "the correct-clock node reports the 2038 node in"
                " skewed_authors")
        T.check(abs(skewed[n38.key]["clock_ms"] - (w38["clock"] >> 16)) < 1000,
                "with the clock it wrote (%d ms)" % skewed[n38.key]["clock_ms"])
        T.check(n70.key in skewed, "and the 1970 node as well")
        T.check(ok.key not in skewed, "but not itself")

        before = int(time.time() * 1000)
        ok.put("households", "village=测试新村", id=hh)
        after = int(time.time() * 1000)
        (mine,) = entries_by(ok, ok.key, os.path.join(work, "z.bundle"))
        ms = mine["clock"] >> 16
        T.check(before <= ms <= after + SKEW_MS,
                "a correct-clock node that holds a 2038 entry writes clock %d"
                " ms: within [wall, wall + 10 min] (wall %d..%d), not 2038"
                % (ms, before, after))
        T.check_eq(ok.js("get", "households", hh)["village"], "测试新村",
                   "and its edit (after seeing the 2038 write) wins locally")
        b_ok = os.path.join(work, "from-ok.bundle")
        ok.export(b_ok)
        n38.import_(b_ok)
        T.check_eq(n38.js("get", "households", hh)["village"], "测试新村",
                   "and on the 2038 node too")


@cases.case
def join_tokens_expire_but_a_clock_at_1970_still_joins():
    """DECISIONS 18: a certificate's validity gates join tokens. A token
    whose certificate has expired is refused and changes nothing; a
    device whose clock is behind the token (a Pi with no real-time
    clock, at 1970) still joins."""
    with T.TempDir("tokclock") as work:
        a = T.Node.create(work, "测试管理员", "a")
        a.js("network", "create", "--name", "测试网")
        old = T.Node.create(work, "测试过期", "old")
        tok = a.js("admit", old.key, "--name", "old", "--role", "viewer",
                   "--valid-days", "1")["token"]
        later = time.strftime("%Y-%m-%d %H:%M:%S",
                              time.gmtime(time.time() + 3 * 86400))
        before = old.snapshot()
        r = old.run("join", tok, faketime=later, env=UTC)
        T.check(r.rc == 2 and "expired" in r.err,
                "a token whose certificate expired: exit %d, %s"
                % (r.rc, r.err.strip()))
        T.check_eq(old.snapshot(), before, "nothing changed")
        pi = T.Node.create(work, "测试无时钟", "pi")
        tok = a.js("admit", pi.key, "--name", "pi", "--role", "viewer")["token"]
        r = pi.run("join", tok, faketime=Y1970, env=UTC)
        T.check_eq(r.rc, 0, "a device whose clock says 1970 joins")


if __name__ == "__main__":
    cases.main()
