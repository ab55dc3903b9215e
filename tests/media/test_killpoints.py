#!/usr/bin/env python3
"""Deterministic kill points (DECISIONS 22): the process is killed right
after its Nth commit (HUZHU_TEST_KILL_AT_COMMIT=N), before it can report
anything. What was committed is all there and whole; what was not is
absent; `bundle import --resume` finishes the import; a killed `put`
either wrote its row or wrote nothing, and the node goes on."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import hz_test as T  # noqa: E402

# Commits of 4,096 entries (HUZHU_TEST_IMPORT_BATCH; the product's are
# HZ_IMPORT_BATCH, 32,768, or 2 s): where the test's commits fall must not
# depend on the machine's speed, and what a commit guarantees does not
# depend on its size.
BATCH = 4096
ENTRIES = 3 * BATCH + 100
BATCH_ENV = {"HUZHU_TEST_IMPORT_BATCH": str(BATCH)}


def killed(r):
    return r.rc == -9 or r.rc == 137


def main():
    T.HUZHU = os.path.abspath(sys.argv[1])
    with T.TempDir("killpoints") as work:
        src = T.Node.create(work, "测试源", "src")
        a = T.Author.from_node(src)
        entries = []
        for i in range(ENTRIES):
            entries.append(a.next(T.body([T.op_set(
                "households", T.new_row(), {"head_name": "测试户%d" % i})])))
        path = os.path.join(work, "big.bundle")
        T.write_file(path, T.make_bundle(entries))

        ref = T.Node.create(work, "测试参照", "ref")
        T.run(["-d", ref.dir, "bundle", "import", path], expect=0)
        want = ref.state_hash()

        for n in (1, 2, 3):
            node = T.Node.create(work, "测试目标%d" % n, "t%d" % n)
            r = T.run(["-d", node.dir, "bundle", "import", path],
                      env=dict(BATCH_ENV,
                               HUZHU_TEST_KILL_AT_COMMIT=str(n)))
            T.check(killed(r), "import killed after commit %d (rc %d)" % (n, r.rc))
            T.check(r.out == "", "a killed import printed no result")
            rows = node.query("SELECT count(*) FROM log")[0][0]
            T.check_eq(rows, n * BATCH, "entries held after commit %d" % n)
            T.check_eq(node.query("PRAGMA integrity_check")[0][0], "ok",
                       "integrity after commit %d" % n)
            T.run(["-d", node.dir, "log", "verify"], expect=0)
            T.run(["-d", node.dir, "bundle", "import", "--resume"],
                  expect=0, env=BATCH_ENV)
            T.check_eq(node.state_hash(), want,
                       "state after resuming from kill point %d" % n)
            T.check(not os.path.exists(os.path.join(node.dir, "import.staging")),
                    "the staged copy is gone once the import completed")

        # A local write killed right after its commit: the row is there
        # (committed, though never acknowledged), and the node goes on.
        node = T.Node.create(work, "测试本地", "local")
        r = T.run(["-d", node.dir, "put", "households", "head_name=测试甲"],
                  env={"HUZHU_TEST_KILL_AT_COMMIT": "1"})
        T.check(killed(r) and r.out == "", "put killed before printing its id")
        T.check_eq(node.query("SELECT count(*) FROM log")[0][0], 1,
                   "the killed put's entry is committed")
        T.run(["-d", node.dir, "log", "verify"], expect=0)
        T.run(["-d", node.dir, "put", "households", "head_name=测试乙"], expect=0)
        T.check_eq(node.query("SELECT count(*) FROM log")[0][0], 2,
                   "the next write follows it")
    print("kill points: import killed after commits 1, 2, 3 holds exactly"
          " %d, %d, %d entries, verifies, and resumes to the same state;"
          " a put killed after its commit keeps its row"
          % (BATCH, 2 * BATCH, 3 * BATCH))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except T.Failure as e:
        print("FAIL:", e)
        sys.exit(1)
