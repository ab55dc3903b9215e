#!/usr/bin/python3
"""kill -9 during live sync, again and again (issue 12, proto/sync.md).

A root node r serves HUZHU_CRASH_ENTRIES entries (default 1500, 8 ops
each) that a member m wrote; fresh members v sync them with `huzhu sync`
while a member u sends r another chain four times as long, and we kill -9 one side at
a random moment, HUZHU_SYNC_KILLS times (default 20; moments from
HUZHU_CRASH_SEED, printed): even runs kill v's `huzhu sync` while it
takes entries in (a new v once one has them all), odd runs kill r's
`huzhu serve` while it takes in u's chain (and start it again). After
each kill, on the side that took entries in: PRAGMA integrity_check is
ok, `huzhu log verify` passes, nothing is pending or forked, the log only
grows, and the stock on hand matches the prefix of the chain it holds.
Finally complete syncs bring u and v to r's state hash with exactly r's
entries (each held once: the counts agree, every entry received was
applied or counted a duplicate). Traffic goes only to
127.0.0.1."""
import os
import random
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, HERE)
import hz_test as T  # noqa: E402
import test_crash as C  # noqa: E402
from test_live_sync import Serving, admitted  # noqa: E402

cases = T.Cases("sync_crash")

RUNS = int(os.environ.get("HUZHU_SYNC_KILLS", "20"))
SEED = C.SEED


def author_count(node, key):
    return node.query("SELECT count(*) FROM log WHERE author ="
                      " (SELECT k FROM names WHERE name = ?)",
                      (bytes.fromhex(key),))[0][0]


def checked(node, what):
    """The node after a kill: whole, verified, nothing pending."""
    ok = C.integrity(node)
    r = node.run("--json", "log", "verify")
    counts = node.counts()
    T.check(ok == "ok" and r.rc == 0 and r.json()["ok"] is True,
            "%s: integrity_check ok and log verify passes" % what)
    T.check(counts["pending"] == 0 and counts["forks"] == 0,
            "%s: nothing pending or forked" % what)
    return counts["log"]


def stock_at(node, site):
    return node.query("SELECT coalesce(sum(qty), 0) FROM v_stock_moves"
                      " WHERE site = ?", (bytes.fromhex(site),))[0][0]


def chain(r, work, tag, net, count):
    """A member whose crafted chain of @count entries (and the site its
    stock goes to) the test makes: (node, entries, model, site)."""
    x = T.Node.create(work, "测试写入节点" + tag, tag)
    admitted(r, x, "写入站" + tag)
    entries, model = C.craft(x, count, network=net)
    site = x.js("ls", "sites")[0]["id"]
    return x, entries, model, site


@cases.case
def kill_9_during_a_large_sync_loses_nothing_and_resumes():
    print("  HUZHU_CRASH_SEED=%d HUZHU_SYNC_KILLS=%d HUZHU_CRASH_ENTRIES=%d"
          % (SEED, RUNS, C.ENTRIES), flush=True)
    rng = random.Random(SEED)
    with T.TempDir("sync-crash") as work:
        r = T.Node.create(work, "测试根节点", "r")
        r.js("network", "create", "--name", "测试网")
        net = bytes.fromhex(r.status()["network"])
        # m's chain is at r for the victims to take; u holds y's chain,
        # which r takes in from u while it is killed.
        m, x_entries, x_model, x_site = chain(r, work, "m", net,
                                                  C.ENTRIES)
        # Four times as much for r to take in: room for several kills.
        y, y_entries, y_model, y_site = chain(r, work, "y", net,
                                              4 * C.ENTRIES)
        u = T.Node.create(work, "测试上传节点", "u")
        admitted(r, u, "上传站")
        s = Serving(r)
        try:
            for x, entries, node in ((m, x_entries, r), (y, y_entries, u)):
                x.js("sync", s.addr)  # the chain's CLI entries first
                if node is u:
                    u.js("sync", s.addr)
                got = node.import_(T.write_file(
                    os.path.join(work, x.dir[-1] + ".bundle"),
                    T.make_bundle(entries, network=net)))
                T.check_eq(got["applied"], len(entries),
                           "the crafted chain applies (%d entries)"
                           % len(entries))
            y_head = author_count(r, y.key)  # y's own CLI entries
            victims = 0

            def new_victim():
                v = T.Node.create(work, "测试受害节点", "v%d" % victims)
                admitted(r, v, "受害站%d" % victims)
                return v

            v = new_victim()
            t0 = time.monotonic()
            v.js("sync", s.addr)
            took = time.monotonic() - t0
            T.check_eq(v.state_hash(), r.state_hash(),
                       "an uninterrupted sync reaches r (%.2f s)" % took)
            x_head = author_count(v, m.key) - len(x_entries)
            victims += 1
            v = new_victim()
            last_v = last_r = 0
            kills = [0, 0]
            for run_no in range(RUNS):
                kill_serve = run_no % 2 == 1
                client = u if kill_serve else v
                p = subprocess.Popen(
                    [T.HUZHU, "-d", client.dir, "sync", s.addr],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    env=T.base_env())
                victim = s.p if kill_serve else p
                # Half the moments anywhere in the session, half after the
                # side that takes entries in committed some in this run.
                if run_no % 4 >= 2:
                    def taken():
                        return (author_count(r, y.key) if kill_serve
                                else v.counts()["log"])
                    before = taken()
                    try:
                        T.wait_until(lambda: p.poll() is not None or
                                     taken() > before, took * 5 + 10,
                                     "the session to commit entries",
                                     interval=0.005)
                    except T.Failure:
                        T.kill9(p)
                        raise
                # The moment comes unless the sync ended before it.
                try:
                    p.wait(timeout=rng.uniform(0.0, took / 2))
                    finished = True
                except subprocess.TimeoutExpired:
                    finished = False
                    T.kill9(victim)
                    kills[kill_serve] += 1
                if kill_serve:
                    try:
                        p.wait(timeout=30)
                    except subprocess.TimeoutExpired:
                        T.kill9(p)
                        raise T.Failure("sync did not end when serve died")
                    if not finished:
                        s.p.stderr.close()
                        s = Serving(r)
                node = r if kill_serve else v
                held = checked(node, "run %d, %s" % (run_no, node.dir[-2:]))
                # Each chain's stock matches the prefix of it held.
                chains = [(y, y_model, y_site, y_head)]
                if not kill_serve:
                    chains.append((m, x_model, x_site, x_head))
                held_of = []
                for author, model, site, head in chains:
                    mine = max(author_count(node, author.key) - head, 0)
                    held_of.append(mine)
                    want = sum(q for q, _ in model[:mine])
                    T.check_eq(stock_at(node, site), want,
                               "run %d: stock on hand matches the %d crafted"
                               " entries held" % (run_no, mine))
                print("  run %2d: %s %s; crafted entries held: %s"
                      % (run_no, "finished" if finished else "killed",
                         "serve" if kill_serve else "sync", held_of),
                      flush=True)
                last = last_r if kill_serve else last_v
                T.check(held >= last, "run %d: the log only grew (%d -> %d)"
                        % (run_no, last, held))
                if kill_serve:
                    last_r = held
                elif finished:
                    victims += 1
                    v = new_victim()
                    last_v = 0
                else:
                    last_v = held
            print("  killed mid-sync: %d syncs, %d serves" % tuple(kills))
            T.check(kills[0] > 0 and kills[1] > 0 or RUNS < 4,
                    "both sides were killed mid-sync (%d, %d)" % tuple(kills))
            for node in (u, v):
                j = node.js("sync", s.addr)
                T.check_eq(node.state_hash(), r.state_hash(),
                           "a complete sync brings %s to r's state hash"
                           % node.dir[-1])
                T.check_eq(node.counts(), r.counts(),
                           "it and r hold the same entries, each once")
                T.check(j["applied"] + j["duplicate"] == j["received"],
                        "every entry received was applied or a duplicate")
            T.check_eq(r.js("log", "verify")["entries"], r.counts()["log"],
                       "log verify passes over every entry at r")
        finally:
            rc, err = s.stop()
        T.check_eq(rc, 0, "serve exits 0 on SIGTERM")


if __name__ == "__main__":
    cases.main()
