#!/usr/bin/python3
"""kill -9 during `huzhu bundle import`, again and again.

A bundle of HUZHU_CRASH_ENTRIES crafted entries (default 1500, 8 ops
each; signed with a source node's key, continuing its chain: stock
movements and household edits) takes a second or more to import. We
start the import and kill -9 it at a random moment, HUZHU_CRASH_RUNS
times (default 20; delays from HUZHU_CRASH_SEED, printed): half of the
moments anywhere in the import, half after it has committed a batch in
that run (found by polling node.db), so kills land while it applies. After each kill: PRAGMA integrity_check is ok, `huzhu log
verify` passes, nothing is pending or forked, the log only grows, and the
materialized state matches the entries the log holds (stock on hand and
household count computed here from the bundle's prefix). Finally a
complete import reaches the same state hash and vector as a node that
imported the bundle without interruption, and an import killed after a
commit is finished by `bundle import --resume` from its staged copy with
the file gone (DECISIONS 20, 22)."""
import os
import random
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("crash")
# Commits of 512 entries (HZ_IMPORT_BATCH is 32,768): the bundle below
# imports in three, so kills land between commits as well as in them.
os.environ["HUZHU_TEST_IMPORT_BATCH"] = "512"
RUNS = int(os.environ.get("HUZHU_CRASH_RUNS", "20"))
ENTRIES = int(os.environ.get("HUZHU_CRASH_ENTRIES", "1500"))
SEED = int(os.environ.get("HUZHU_CRASH_SEED", str(int(time.time()) % 100000)))
OPS = 8


def craft(s, count, network=T.NETWORK):
    """@count entries continuing node @s's chain, OPS ops each: stock
    movements and household edits, after a site, an item and a household
    written on @s with the CLI. (entries, model): model[i] = (stock qty
    added, households created) by entry i."""
    site = s.out("site", "add", "--name", "测试仓库", "--kind", "warehouse")
    item = s.out("item", "add", "--name", "测试物资", "--unit", "箱")
    hh = s.put("households", "head_name=测试户主")
    a = T.Author.from_node(s)
    rng = random.Random(7)
    pool = [bytes.fromhex(hh)]
    site_b, item_b = bytes.fromhex(site), bytes.fromhex(item)
    entries, model = [], []
    for i in range(count):
        ops, qty, created = [], 0, 0
        for k in range(OPS):
            r = rng.random()
            if r < 0.6:
                q = rng.randint(1, 50)
                ops.append(T.op_ins("stock_moves", T.new_row(), {
                    "site": site_b, "item": item_b, "kind": "received",
                    "qty": q, "time": 1700000000 + i}))
                qty += q
            elif r < 0.8 or len(pool) < 2:
                row = T.new_row()
                pool.append(row)
                ops.append(T.op_set("households", row, {
                    "head_name": "测试户%d" % (i * OPS + k),
                    "members": rng.randint(1, 9)}))
                created += 1
            else:
                # Edit a row this entry does not touch yet.
                taken = {o[2] for o in ops}
                row = rng.choice([p for p in pool if p not in taken] or
                                 [T.new_row()])
                if row not in pool:
                    pool.append(row)
                    created += 1
                ops.append(T.op_set("households", row,
                                    {"village": "测试村%d" % i}))
        entries.append(a.next(T.body(ops), network=network))
        model.append((qty, created))
    return entries, model


def build(work):
    """Source node, crafted bundle (the source's CLI entries first), and
    what each entry adds: model[i] = (stock qty added, households
    created) by entry i."""
    s = T.Node.create(work, "测试源节点", "s")
    crafted, model = craft(s, ENTRIES)
    path = os.path.join(work, "cli.bundle")
    s.export(path)
    entries = T.read_bundle(path)[1] + crafted
    model = [(0, 0), (0, 0), (0, 1)] + model
    bundle = T.write_file(os.path.join(work, "big.bundle"),
                          T.make_bundle(entries))
    return bundle, entries, model


def integrity(node):
    return node.query("PRAGMA integrity_check")[0][0]


def materialized(node):
    """Stock on hand and live households, read from the materialized
    tables (`show stock` is quadratic in the number of moves: see the
    report; it is not what this test measures)."""
    return tuple(node.query(
        "SELECT (SELECT coalesce(sum(qty), 0) FROM v_stock_moves),"
        " (SELECT count(*) FROM e_households WHERE deleted = 0)")[0])


@cases.case
def kill_9_during_import_leaves_a_consistent_node_that_resumes():
    print("  HUZHU_CRASH_SEED=%d HUZHU_CRASH_RUNS=%d HUZHU_CRASH_ENTRIES=%d"
          % (SEED, RUNS, ENTRIES), flush=True)
    rng = random.Random(SEED)
    with T.TempDir("crash") as work:
        bundle, entries, model = build(work)
        print("  bundle: %d entries, %d bytes" %
              (len(entries), os.path.getsize(bundle)))
        ref = T.Node.create(work, "测试参照节点", "ref")
        t0 = time.monotonic()
        stats = ref.import_(bundle)
        took = time.monotonic() - t0
        T.check_eq(stats["applied"], len(entries),
                   "uninterrupted import applies all (%.2fs)" % took)
        want_hash, want_vector = ref.state_hash(), ref.vector()

        victims = 0

        def new_victim():
            return T.Node.create(work, "测试受害节点", "v%d" % victims)

        v = new_victim()
        last = 0
        kills = 0
        for run_no in range(RUNS):
            # Even runs: a moment anywhere in the import (staging, the
            # verify pass, applying). Odd runs: a moment after the import
            # has committed a batch in this run, so kills land while it
            # applies however long verifying takes.
            delay = rng.uniform(0.0, took)
            after_commit = run_no % 2 == 1
            if after_commit:
                delay = rng.uniform(0.0, took / 4)
            start = v.counts()["log"]
            cmd = [T.HUZHU, "-d", v.dir, "bundle", "import", bundle]
            p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=T.base_env())
            if after_commit:
                try:
                    T.wait_until(lambda: p.poll() is not None or
                                 v.counts()["log"] > start, took * 5 + 10,
                                 "the import to commit a batch")
                except T.Failure:
                    T.kill9(p)
                    raise
            try:
                p.wait(timeout=delay)
                finished = True
            except subprocess.TimeoutExpired:
                finished = False
                T.kill9(p)
                kills += 1
            ok = integrity(v)
            log = v.counts()
            r = v.run("--json", "log", "verify")
            held = log["log"]
            want = (sum(m[0] for m in model[:held]),
                    sum(m[1] for m in model[:held]))
            got = materialized(v)
            print("  run %2d: %s %.3fs after %s; log %d entries" %
                  (run_no, "import finished" if finished else "killed",
                   delay, "a commit" if after_commit else "the start",
                   held), flush=True)
            T.check(ok == "ok" and r.rc == 0 and r.json()["ok"] is True,
                    "run %d: integrity_check ok and log verify passes" %
                    run_no)
            T.check(held >= last and log["pending"] == 0 and
                    log["forks"] == 0,
                    "run %d: the log only grew (%d -> %d), nothing pending or"
                    " forked" % (run_no, last, held))
            T.check(got == want,
                    "run %d: the state matches the %d entries held (on hand"
                    " %d, %d households; got %d, %d)" %
                    ((run_no, held) + want + got))
            last = held
            if finished:
                T.check(p.returncode == 0 and v.state_hash() == want_hash,
                        "run %d: the import exited 0 and reached the"
                        " reference state hash" % run_no)
                victims += 1
                v = new_victim()
                last = 0
        T.check(kills > 0 or RUNS == 0, "%d of %d runs were killed mid-import"
                % (kills, RUNS))
        stats = v.import_(bundle)
        T.check_eq(stats["applied"] + stats["duplicate"], len(entries),
                   "a complete import takes the rest")
        T.check_eq(v.state_hash(), want_hash,
                   "same state hash as the uninterrupted node")
        T.check_eq(v.vector(), want_vector, "same vector")
        T.check_eq(v.js("log", "verify")["entries"], len(entries),
                   "log verify passes over every entry")
        T.check_eq(v.status()["interrupted_import"], False,
                   "status no longer reports an interrupted import")

        # Killed after a commit, the staged copy stays in the node
        # directory: `bundle import --resume` finishes without the file.
        for attempt in range(3):
            victims += 1
            r_ = new_victim()
            p = subprocess.Popen([T.HUZHU, "-d", r_.dir, "bundle", "import",
                                  bundle], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=T.base_env())
            try:
                T.wait_until(lambda: p.poll() is not None or
                             r_.counts()["log"] > 0, took * 5 + 10,
                             "the import to commit a batch")
            finally:
                T.kill9(p)
            if r_.counts()["log"] < len(entries):
                break
        held = r_.counts()["log"]
        T.check(0 < held < len(entries),
                "killed after its first commit: %d of %d entries held"
                % (held, len(entries)))
        T.check_eq(r_.status()["interrupted_import"], True,
                   "status --json reports the interrupted import")
        os.rename(bundle, bundle + ".away")  # the USB stick is gone
        stats = r_.import_("--resume")
        os.rename(bundle + ".away", bundle)
        T.check_eq(stats["applied"] + stats["duplicate"], len(entries),
                   "bundle import --resume finishes from the staged copy")
        T.check_eq(r_.state_hash(), want_hash,
                   "and reaches the reference state hash")
        T.check_eq(r_.status()["interrupted_import"], False,
                   "nothing is left staged")
        r = r_.run("bundle", "import", "--resume")
        T.check_eq(r.rc, T.EXIT_NOTFOUND, "--resume with nothing staged:"
                   " exit 3")


if __name__ == "__main__":
    cases.main()
