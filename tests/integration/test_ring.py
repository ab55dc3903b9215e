#!/usr/bin/python3
"""Three nodes write with both `put` and the friendly commands, then pass
delta bundles around a ring (A -> B -> C -> A), each made for the
receiver's `huzhu vector` output, until all three agree.

What this shows (issue 2): the same state hash, equal vectors, every log
verifying, and stock totals equal to the sum of what was written."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("ring")


def ring_pass(nodes, work, tag):
    """One pass around the ring: each node sends the next what it lacks."""
    moved = 0
    for i, src in enumerate(nodes):
        dst = nodes[(i + 1) % len(nodes)]
        path = os.path.join(work, "%s-%s-to-%s.bundle" % (tag, i, (i + 1) % 3))
        n = src.export(path, for_node=dst)["entries"]
        stats = dst.import_(path)
        T.check(stats["pending"] == 0 and stats["rejected"] == 0 and
                stats["forks"] == 0 and stats["refused"] == 0,
                "%s: node %d -> %d: %d entries, none pending, rejected or"
                " forked" % (tag, i, (i + 1) % 3, n))
        moved += stats["applied"]
    return moved


@cases.case
def three_nodes_converge_over_a_ring_of_delta_bundles():
    with T.TempDir("ring") as work:
        a = T.Node.create(work, "测试节点甲", "a")
        b = T.Node.create(work, "测试节点乙", "b")
        c = T.Node.create(work, "测试节点丙", "c")
        stock = {}  # (site, item) -> what was written

        def moved(site, item, qty):
            stock[(site, item)] = stock.get((site, item), 0) + qty

        # Round 1: each node registers its own things.
        ha = a.js("household", "add", "--head", "测试甲", "--village", "测试村",
                  "--member", "测试乙,男,1980", "--member", "测试丙，女，2012，留守")
        site_a = a.out("site", "add", "--name", "测试安置点甲", "--kind",
                       "shelter", "--capacity", "50", "--area", "200")
        water = a.out("item", "add", "--name", "矿泉水", "--unit", "瓶",
                      "--category", "water")
        a.out("stock", "receive", site_a, water, "100", "--from", "测试来源")
        moved(site_a, water, 100)

        hb = b.put("households", "head_name=测试丁", "village=测试村",
                   "status=home")
        site_b = b.put("sites", "name=测试仓库乙", "kind=warehouse")
        quilt = b.out("item", "add", "--name", "棉被", "--unit", "床",
                      "--category", "被褥")
        b.out("stock", "receive", site_b, quilt, "40")
        moved(site_b, quilt, 40)
        b.put("persons", "name=测试戊", "household=" + hb, "sex=女",
              "birth_year=1975")

        site_c = c.out("site", "add", "--name", "测试安置点丙", "--kind", "安置点")
        noodles = c.put("items", "name=方便面", "unit=箱", "category=food")
        c.out("stock", "donate", site_c, noodles, "25", "--from", "测试捐赠方")
        moved(site_c, noodles, 25)
        c.out("household", "add", "--head", "测试己")
        T.check(all(T.is_hex(x, 32) for x in
                    (ha["id"], site_a, water, hb, site_b, quilt, site_c,
                     noodles)) and len(ha["members"]) == 2,
                "round 1: every command printed 32-hex row ids")

        ring_pass([a, b, c], work, "r1")

        # Round 2: writes that reference rows from other nodes, and a
        # concurrent edit of one field at A and C.
        b.out("stock", "distribute", site_a, water, "30", "--household",
              ha["id"])
        moved(site_a, water, -30)
        b.out("checkin", ha["members"][0], site_b)
        c.out("stock", "receive", site_b, quilt, "10")
        moved(site_b, quilt, 10)
        c.put("households", "village=测试新村丙", id=ha["id"])
        a.out("stock", "distribute", site_c, noodles, "5", "--household",
              ha["id"])
        moved(site_c, noodles, -5)
        a.put("households", "village=测试新村甲", id=ha["id"])
        a.out("checkin", ha["members"][1], site_a)
        a.out("stock", "lose", site_a, water, "2")
        moved(site_a, water, -2)

        passes = 0
        while True:
            passes += 1
            ring_pass([a, b, c], work, "p%d" % passes)
            hashes = {n.state_hash() for n in (a, b, c)}
            if len(hashes) == 1 or passes == 4:
                break
        T.check(len(hashes) == 1,
                "all three print the same state-hash after %d passes" % passes)
        T.check(passes <= 2, "converged within two passes after the last write")
        T.check(a.vector() == b.vector() == c.vector(),
                "all three print the same vector")
        T.check_eq(len(a.vector()["authors"]), 3, "the vector names 3 authors")
        for name, n in (("a", a), ("b", b), ("c", c)):
            r = n.js("log", "verify")
            T.check(r["ok"] is True and r["entries"] == n.counts()["log"],
                    "node %s: log verify ok over %d entries" %
                    (name, r["entries"]))
            st = n.status()
            T.check(st["entries"]["pending"] == 0 and st["missing"] == [] and
                    st["forks"] == [] and st["rejected"] == [],
                    "node %s: status shows no gaps, forks or rejections" % name)
            got = {(r["site"], r["item"]): r["on_hand"]
                   for r in n.js("show", "stock")}
            T.check_eq(got, stock, "node %s: show stock --json totals equal the"
                       " sum of what was written" % name)
        # Water: 100 received, 30 and 2 out; 30 distributed at another node.
        T.check_eq(stock[(site_a, water)], 68, "water on hand is 100-30-2")
        T.check(a.js("conflicts") == b.js("conflicts") == c.js("conflicts"),
                "the conflicts list is the same everywhere")
        village = {n.js("get", "households", ha["id"])["village"]
                   for n in (a, b, c)}
        T.check(len(village) == 1 and village <= {"测试新村甲", "测试新村丙"},
                "the concurrent village edit has one winner everywhere")
        for x, y in ((a, b), (b, c), (c, a)):
            path = os.path.join(work, "final.bundle")
            T.check_eq(x.export(path, for_node=y)["entries"], 0,
                       "after convergence a delta bundle holds nothing")


if __name__ == "__main__":
    cases.main()
