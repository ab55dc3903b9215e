#!/usr/bin/python3
"""An entry whose body names a newer schema version (T.SCHEMA_NEXT) than
this build knows is stored in its author's chain as held: shown in `status`, relayed
in `bundle export`, not applied (state hash unchanged), and the author's
later entries still apply (DESIGN "Compatibility", DECISIONS 1, 17).
Applying held entries after an upgrade is a C unit test elsewhere."""
import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("newer_schema")


@cases.case
def entry_of_a_newer_schema_is_held_relayed_and_not_applied():
    with T.TempDir("schema2") as work:
        s = T.Node.create(work, "测试源节点", "s")
        t = T.Node.create(work, "测试目标节点", "t")
        c = T.Node.create(work, "测试第三节点", "c")
        hh = s.put("households", "head_name=测试甲")
        full = os.path.join(work, "s.bundle")
        s.export(full)
        t.import_(full)
        a = T.Author.from_node(s)
        row_v2 = T.new_row()
        # A plain v1 edit that names the next version (as a newer build
        # could write), and a body of the next version with a table and
        # column this build has never heard of.
        e2 = a.next(T.body([T.op_set("households", row_v2,
                                     {"head_name": "测试乙"})], schema=T.SCHEMA_NEXT))
        e3 = a.next(T.body([T.op_ins("damage_reports", T.new_row(),
                                     {"household": bytes.fromhex(hh),
                                      "severity": "collapsed",
                                      "time": 1700000000})], schema=T.SCHEMA_NEXT))
        before = t.state_hash()
        r = t.run("--lang", "en", "bundle", "import",
                  T.write_file(os.path.join(work, "v2.bundle"),
                               T.make_bundle([e2, e3])))
        T.check(r.rc == 0 and "held for upgrade: 2" in r.out,
                "import exits 0 and prints held for upgrade: 2 (%s)"
                % r.out.strip())
        r = t.run("--json", "bundle", "import",
                  os.path.join(work, "v2.bundle"), expect=0)
        T.check_eq(r.json()["duplicate"], 2, "importing again: 2 duplicate")
        T.check_eq(t.state_hash(), before, "state hash unchanged: not applied")
        T.check_eq(t.run("get", "households", row_v2.hex()).rc,
                   T.EXIT_NOTFOUND, "the v2 entry's row is not there")
        T.check_eq(t.log_states(a.hex), {1: 0, 2: 2, 3: 2},
                   "both stored in the author's chain as held (state 2)")
        st = t.status()
        T.check_eq(st["entries"]["held"], 2, "status --json counts 2 held")
        T.check(st["rejected"] == [] and st["forks"] == [] and
                st["missing"] == [], "held is not rejected, forked or missing")
        T.check_eq(t.vector()["authors"][0]["seq"], 3,
                   "the vector includes the held entries (seq 3)")

        exp = os.path.join(work, "t-all.bundle")
        t.export(exp)
        ents = T.read_bundle(exp)[1]
        T.check(e2 in ents and e3 in ents,
                "bundle export relays both held entries byte for byte")
        delta = os.path.join(work, "t-for-c.bundle")
        T.check_eq(t.export(delta, for_node=c)["entries"], 3,
                   "a delta for an empty node carries all 3 entries")
        stats = c.import_(delta)
        T.check_eq((stats["applied"], stats["held"]), (1, 2),
                   "the third node applies 1 and holds 2")
        T.check_eq(c.state_hash(), t.state_hash(),
                   "and reaches the same state hash")

        row_v1 = T.new_row()
        e4 = a.next(T.body([T.op_set("households", row_v1,
                                     {"head_name": "测试丙"})]))
        stats = t.import_(T.write_file(os.path.join(work, "v1.bundle"),
                                       T.make_bundle([e4])))
        T.check_eq(stats["applied"], 1, "the author's next v1 entry applies")
        T.check_eq(t.js("get", "households", row_v1.hex())["head_name"], "测试丙",
                   "its row is there")
        T.check_eq(t.js("log", "verify")["ok"], True, "log verify passes")


if __name__ == "__main__":
    cases.main()
