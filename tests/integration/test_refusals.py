#!/usr/bin/python3
"""What a node does with bundles and entries it must not apply.

Transport failures (a refused file: forged or altered signature, oversized
entry, tampered, truncated, foreign, empty or garbage file) exit non-zero
with a message on stderr and change nothing: state hash, vector, the row
counts of the log, pending and forks tables and the files of the node
directory are compared before and after (DECISIONS 20, 25).

Content failures (unknown table or column, bad value) are stored in the
author's chain as rejected, never applied, listed in `status` with a
reason, and the import exits 0 with the counts (DECISIONS 3, 24). A gap
is held pending; a second history of one key is fork evidence.

Entries are crafted in Python, signed with the secret seed of a source
node this test created, continuing that node's chain."""
import hashlib
import os
import random
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("refusals")
SEED = int(os.environ.get("HUZHU_TEST_SEED", "20240601"))
RANDOM_OFFSETS = int(os.environ.get("HUZHU_TAMPER_RANDOM", "12"))


class Setup:
    """A source node S with a few writes, and a target T that holds all of
    them. `author` signs as S, continuing S's chain."""

    def __init__(self, work):
        self.work = work
        self.s = T.Node.create(work, "测试源节点", "s")
        self.t = T.Node.create(work, "测试目标节点", "t")
        self.hh = self.s.out("household", "add", "--head", "测试甲",
                             "--member", "测试乙,男,1980")
        self.hh = self.hh.split()[0]
        self.site = self.s.out("site", "add", "--name", "测试安置点")
        self.s.put("households", "village=测试村", id=self.hh)
        self.full = self.path("s-full.bundle")
        self.s.export(self.full)
        stats = self.t.import_(self.full)
        T.check_eq(stats["applied"], 3, "setup: T applied S's 3 entries")
        self.author = T.Author.from_node(self.s)
        T.check_eq(self.author.seq, 3, "setup: S's chain is at seq 3")

    def path(self, name):
        return os.path.join(self.work, name)

    def bundle(self, name, entries, **kw):
        return T.write_file(self.path(name), T.make_bundle(entries, **kw))

    def household(self, head="测试丙"):
        """A valid body: a new household."""
        return self.household_row(head)[1]

    def household_row(self, head):
        """A new household's row id, and a valid body creating it."""
        row = T.new_row()
        return row, T.body([T.op_set("households", row, {"head_name": head})])


def snap(node):
    s = node.snapshot()
    s["files"] = [f for f in s["files"] if not f.endswith(("-wal", "-shm"))]
    return s


def refused(node, path, what, code=T.EXIT_REFUSED, before=None, word=None):
    """Import @path, expect it refused with exit @code, and the node
    unchanged."""
    before = before or snap(node)
    r = node.run("--lang", "en", "bundle", "import", path)
    T.check(r.rc == code and r.out == "" and r.err.startswith("huzhu: "),
            "%s: exit %d, nothing on stdout, a message on stderr (%s)"
            % (what, r.rc, r.err.strip()[:90]))
    if word is not None:
        T.check(word in r.err, "%s: the message says %r" % (what, word))
    after = snap(node)
    T.check_eq(after, before, "%s: state hash, vector, log/pending/forks"
               " counts and files unchanged" % what)
    return r


@cases.case
def forged_signature_is_refused_and_changes_nothing():
    with T.TempDir("forged") as work:
        w = Setup(work)
        a = w.author
        good, _ = a.sign(a.seq + 1, a.prev, T.now_clock(), w.household())
        f = T.unpack(good)
        f[7] = os.urandom(64)
        refused(w.t, w.bundle("random-sig", [T.pack(f)]),
                "random signature bytes", word="refused")
        other = T.Author()  # signs with another key, claims S as author
        si = T.signing_input(*f[:7])
        f[7] = other.sk.sign(si).signature
        refused(w.t, w.bundle("other-key", [T.pack(f)]),
                "signed by another key", word="signature")
        # The honest entry still goes in afterwards: nothing was poisoned.
        T.check_eq(w.t.import_(w.bundle("good", [good]))["applied"], 1,
                   "the genuine entry at that seq is applied afterwards")


@cases.case
def entry_with_one_field_altered_is_refused():
    with T.TempDir("altered") as work:
        w = Setup(work)
        a = w.author
        good, _ = a.sign(a.seq + 1, a.prev, T.now_clock(), w.household())
        f = T.unpack(good)
        alter = {
            "seq": lambda f: f.__setitem__(3, f[3] + 1),
            "prev": lambda f: f.__setitem__(4, bytes(31) + b"\x01"),
            "clock": lambda f: f.__setitem__(5, f[5] + 1),
            "body": lambda f: f.__setitem__(6, w.household("测试改")),
            "author": lambda f: f.__setitem__(2, T.Author().pk),
            "sig": lambda f: f.__setitem__(7, f[7][:63] + bytes([f[7][63] ^ 1])),
            "network": lambda f: f.__setitem__(1, b"huzhu-xx-network"),
        }
        state = snap(w.t)
        for name, fn in alter.items():
            g = list(f)
            fn(g)
            # The bundle's own digest is right: only the entry is wrong.
            refused(w.t, w.bundle("alt-" + name, [T.pack(g)]),
                    "entry with its %s altered" % name, before=state)
        # A whole bundle where one entry in the middle was altered.
        _, ents, _ = T.read_bundle(w.full)
        g = T.unpack(ents[1])
        g[5] += 1 << 16
        refused(w.t, w.bundle("alt-middle", [ents[0], T.pack(g), ents[2]]),
                "bundle with its second entry's clock altered", before=state)


@cases.case
def wrong_previous_hash_is_fork_evidence_not_applied():
    # The code (ingest.c place/record_fork) takes a validly signed entry
    # whose prev is not the author's entry before it as proof of a second
    # history at seq-1: kept as fork evidence, the entry is not applied
    # and the author's chain stops at the fork point (DESIGN "Forks",
    # DECISIONS 16). Nothing about it is refused.
    with T.TempDir("prev") as work:
        s = T.Node.create(work, "测试源节点", "s")
        t = T.Node.create(work, "测试目标节点", "t")
        first = s.put("households", "head_name=测试甲")
        full = os.path.join(work, "s.bundle")
        s.export(full)
        t.import_(full)
        a = T.Author.from_node(s)
        row = T.new_row()
        e2, eid = a.sign(2, os.urandom(32), T.now_clock(),
                         T.body([T.op_set("households", row,
                                          {"head_name": "测试乙"})]))
        before = t.counts()
        stats = t.import_(T.write_file(os.path.join(work, "prev.bundle"),
                                       T.make_bundle([e2])))
        T.check(stats["forks"] == 1 and stats["applied"] == 0,
                "import exits 0 and counts the entry as fork evidence")
        after = t.counts()
        T.check_eq((after["log"], after["pending"], after["forks"]),
                   (before["log"], before["pending"], before["forks"] + 1),
                   "kept in the forks table, not in the log or pending")
        T.check_eq(t.run("get", "households", row.hex()).rc, T.EXIT_NOTFOUND,
                   "the entry's row was not applied")
        st = t.status()
        T.check_eq([(f["author"], f["point"]) for f in st["forks"]],
                   [(a.hex, 1)], "status reports the fork at seq 1")
        T.check_eq(t.log_states(a.hex), {1: 3},
                   "the author's chain stops at the fork point (seq 1"
                   " stopped)")
        T.check_eq(t.run("get", "households", first).rc, T.EXIT_NOTFOUND,
                   "seq 1's row is taken back while the fork is unresolved")
        T.check_eq(t.js("log", "verify")["ok"], True, "log verify passes")
        exp = os.path.join(work, "t.bundle")
        t.export(exp)
        T.check(e2 in T.read_bundle(exp)[1],
                "the evidence is relayed in T's bundle")


def waits_in_pending(node, path, author, what):
    """Import @path, one entry of @author at seq 5 while the node holds
    1..3: exit 0, counted pending, and nothing but the pending table
    changes (DECISIONS 7, 25)."""
    before = snap(node)
    r = node.run("--lang", "en", "bundle", "import", path)
    T.check(r.rc == 0 and all(x in r.out for x in (
        "pending: 1", "applied: 0", "forks: 0")),
            "%s: exit 0, prints pending: 1, applied: 0, forks: 0" % what)
    after = snap(node)
    T.check_eq(after["state_hash"], before["state_hash"],
               "%s: state hash unchanged" % what)
    T.check_eq(after["vector"], before["vector"],
               "%s: vector unchanged" % what)
    T.check_eq(after["counts"], dict(before["counts"],
                                     pending=before["counts"]["pending"] + 1),
               "%s: one row more in pending, log and forks unchanged" % what)
    st = node.status()
    T.check_eq(st["missing"], [{"author": author.hex, "from_seq": 4,
                                "to_seq": 4, "waiting": 1}],
               "%s: status --json reports the missing range 4-4" % what)
    T.check_eq((st["entries"]["pending"], st["forks"]), (1, []),
               "%s: status counts 1 pending and no fork" % what)


@cases.case
def sequence_gap_is_pending_until_filled():
    with T.TempDir("gap") as work:
        w = Setup(work)
        a = w.author
        rows = [T.new_row(), T.new_row()]
        e4 = a.next(T.body([T.op_set("households", rows[0],
                                     {"head_name": "测试丙"})]))
        e5 = a.next(T.body([T.op_set("households", rows[1],
                                     {"head_name": "测试丁"})]))
        waits_in_pending(w.t, w.bundle("gap", [e5]), a, "seq 5 without 4")
        stats = w.t.import_(w.bundle("fill", [e4]))
        T.check_eq((stats["applied"], stats["pending"], stats["released"]),
                   (1, 0, 1),
                   "seq 4 arrives: the import counts its own entry applied,"
                   " and 5 that waited for it as released")
        st = w.t.status()
        T.check(st["missing"] == [] and st["entries"]["pending"] == 0,
                "nothing is missing or pending afterwards")
        T.check_eq(w.t.counts()["log"], 5, "seq 5 moved from pending to log")
        for r_ in rows:
            T.check_eq(w.t.js("get", "households", r_.hex())["id"], r_.hex(),
                       "row of the waiting entry applied")


@cases.case
def entry_that_skips_a_seq_is_pending_though_it_links_to_the_top():
    # A validly signed entry at seq 5 whose prev is the id of seq 3, the
    # author's latest entry the node holds: it is ahead of a gap (seq 4 is
    # missing), so it waits in pending; its link is judged only when the
    # chain reaches it (entry.md, "Taking an entry in", steps 3, 4, 6).
    with T.TempDir("skip") as work:
        w = Setup(work)
        a = w.author
        row, body = w.household_row("测试跳号")
        e5, _ = a.sign(5, a.prev, T.now_clock(), body)
        waits_in_pending(w.t, w.bundle("skip", [e5]), a,
                         "seq 5 linking to seq 3")
        T.check_eq(w.t.run("get", "households", row.hex()).rc,
                   T.EXIT_NOTFOUND, "its row is not applied")
        T.check_eq(w.t.log_states(a.hex), {1: 0, 2: 0, 3: 0},
                   "the author's chain is still 1..3, all applied")
        exp = w.path("relay.bundle")
        w.t.export(exp)
        T.check(e5 in T.read_bundle(exp)[1],
                "the waiting entry is relayed in T's bundle (DECISIONS 17)")


@cases.case
def two_entries_at_one_seq_are_fork_evidence():
    with T.TempDir("fork") as work:
        w = Setup(work)
        a = w.author
        r_early = T.new_row()
        e4 = a.next(T.body([T.op_set("households", r_early,
                                     {"head_name": "测试丙"})]))
        T.check_eq(w.t.import_(w.bundle("e4", [e4]))["applied"], 1,
                   "seq 4 applied")
        r5, r5b, r6 = T.new_row(), T.new_row(), T.new_row()
        prev5 = a.prev
        e5 = a.next(T.body([T.op_set("households", r5,
                                     {"head_name": "测试丁"})]))
        e6 = a.next(T.body([T.op_set("households", r6,
                                     {"head_name": "测试戊"})]))
        e5b, _ = a.sign(5, prev5, T.now_clock(),
                        T.body([T.op_set("households", r5b,
                                         {"head_name": "测试己"})]))
        T.check_eq(w.t.import_(w.bundle("e56", [e5, e6]))["applied"], 2,
                   "seq 5 and 6 applied")
        before = w.t.counts()
        stats = w.t.import_(w.bundle("e5b", [e5b]))
        T.check(stats["forks"] == 1 and stats["applied"] == 0,
                "a second, valid entry at seq 5: import exits 0, counted as"
                " a fork")
        after = w.t.counts()
        T.check_eq((after["log"], after["forks"]),
                   (before["log"], before["forks"] + 1),
                   "both kept: the first in the log, the second as evidence")
        st = w.t.status()
        T.check_eq([(f["author"], f["point"]) for f in st["forks"]],
                   [(a.hex, 5)], "status --json reports the fork at seq 5")
        r = w.t.run("--lang", "en", "status", expect=0)
        T.check("fork" in r.out, "plain status mentions the fork")
        T.check_eq(w.t.log_states(a.hex),
                   {1: 0, 2: 0, 3: 0, 4: 0, 5: 3, 6: 3},
                   "the chain is applied up to seq 4 and stopped from 5")
        T.check_eq(w.t.run("get", "households", r_early.hex()).rc, 0,
                   "the row of seq 4 (before the fork) stays")
        for row, what in ((r5, "seq 5"), (r5b, "the other seq 5"),
                          (r6, "seq 6")):
            T.check_eq(w.t.run("get", "households", row.hex()).rc,
                       T.EXIT_NOTFOUND, "the row of %s is not applied" % what)
        e7 = a.next(T.body([T.op_set("households", T.new_row(),
                                     {"head_name": "测试庚"})]))
        stats = w.t.import_(w.bundle("e7", [e7]))
        T.check(stats["stopped"] == 1 and stats["applied"] == 0,
                "a later entry of the forked author is stored, not applied")
        T.check_eq(w.t.js("log", "verify")["ok"], True, "log verify passes")
        # A node that receives T's bundle learns of the fork too.
        u = T.Node.create(work, "测试第三节点", "u")
        exp = w.path("t-all.bundle")
        w.t.export(exp)
        u.import_(exp)
        T.check_eq([(f["author"], f["point"]) for f in u.status()["forks"]],
                   [(a.hex, 5)], "the evidence spreads: a third node sees"
                   " the fork")
        T.check_eq(u.state_hash(), w.t.state_hash(),
                   "and reaches the same state")


@cases.case
def oversized_entry_is_refused():
    with T.TempDir("big") as work:
        w = Setup(work)
        a = w.author

        def entry_of(total):
            n = total - 200
            for _ in range(10):
                e, _ = a.sign(a.seq + 1, a.prev, T.now_clock(), b"\x00" * n)
                if len(e) == total:
                    return e
                n += total - len(e)
            raise T.Failure("could not size an entry to %d bytes" % total)

        e = entry_of(T.ENTRY_LEN_MAX + 1)
        refused(w.t, w.bundle("big1", [e]),
                "an entry of 256 KiB + 1 byte", word="size limit")
        e = entry_of(300 * 1024)
        refused(w.t, w.bundle("big300", [e]), "an entry of 300 KiB",
                word="size limit")


@cases.case
def unknown_table_or_column_is_stored_rejected_not_applied():
    with T.TempDir("unknown") as work:
        w = Setup(work)
        a = w.author
        bad = [
            ("unknown table", T.body([T.op_set("no_such_table", T.new_row(),
                                               {"name": "测试"})])),
            ("unknown column", T.body([T.op_set("households", T.new_row(),
                                                {"no_such_column": "x"})])),
            ("unknown event column",
             T.body([T.op_ins("warnings", T.new_row(),
                              {"household": bytes.fromhex(w.hh),
                               "method": "phone", "notice": "测试",
                               "time": 1700000000, "no_such": 1})])),
        ]
        entries = [a.next(b) for _, b in bad]
        good_row = T.new_row()
        entries.append(a.next(T.body([T.op_set("households", good_row,
                                               {"head_name": "测试后续"})])))
        before = snap(w.t)
        r = w.t.run("--lang", "en", "--json", "bundle", "import",
                    w.bundle("unknown", entries[:3]))
        T.check(r.rc == 0, "import exits 0 when entries are rejected")
        T.check_eq((r.json()["rejected"], r.json()["applied"]), (3, 0),
                   "and prints the counts: 3 rejected, 0 applied")
        after = snap(w.t)
        T.check_eq(after["state_hash"], before["state_hash"],
                   "nothing applied: state hash unchanged")
        T.check_eq(after["counts"]["log"], before["counts"]["log"] + 3,
                   "the 3 entries are stored in the author's chain")
        T.check_eq(w.t.log_states(a.hex), {1: 0, 2: 0, 3: 0, 4: 1, 5: 1,
                                           6: 1}, "stored as rejected")
        st = w.t.status()
        rej = {x["seq"]: x for x in st["rejected"]}
        T.check(sorted(rej) == [4, 5, 6] and
                all(x["author"] == a.hex and x["reason"] for x in
                    rej.values()), "status lists each with a reason")
        T.check("unknown table" in rej[4]["reason"] and
                "unknown column" in rej[5]["reason"],
                "the reasons name what was unknown (%s / %s)"
                % (rej[4]["reason"], rej[5]["reason"]))
        T.check_eq(st["entries"]["rejected"], 3, "status counts 3 rejected")
        stats = w.t.import_(w.bundle("after", entries[3:]))
        T.check_eq(stats["applied"], 1,
                   "the author's next entry applies: no hole in the chain")
        T.check_eq(w.t.js("get", "households", good_row.hex())["head_name"],
                   "测试后续", "its row is there")
        exp = w.path("relay.bundle")
        w.t.export(exp)
        T.check(all(e in T.read_bundle(exp)[1] for e in entries),
                "rejected entries are relayed in T's bundle (DECISIONS 17)")


@cases.case
def bad_value_is_stored_rejected_not_applied():
    with T.TempDir("value") as work:
        w = Setup(work)
        a = w.author
        hh = bytes.fromhex(w.hh)
        site = bytes.fromhex(w.site)
        bad = [
            ("birth_year 'abc'", T.body([T.op_set(
                "persons", T.new_row(), {"birth_year": "abc",
                                         "name": "测试丙"})])),
            ("sex not in the enum", T.body([T.op_set(
                "persons", T.new_row(), {"sex": "alien", "name": "测试丁"})])),
            ("birth_year out of range", T.body([T.op_set(
                "persons", T.new_row(), {"birth_year": 99999})])),
            ("household id of 3 bytes", T.body([T.op_set(
                "persons", T.new_row(), {"household": b"abc"})])),
            ("stock move without item", T.body([T.op_ins(
                "stock_moves", T.new_row(), {"site": site, "kind": "received",
                                             "qty": 5,
                                             "time": 1700000000})])),
            ("distribution with a positive qty", T.body([T.op_ins(
                "stock_moves", T.new_row(), {"site": site, "item": site,
                                             "kind": "distributed", "qty": 5,
                                             "household": hh,
                                             "time": 1700000000})])),
            ("an edit of an existing row with a bad value",
             T.body([T.op_set("households", hh, {"members": "many"})])),
        ]
        entries = [a.next(b) for _, b in bad]
        before = snap(w.t)
        r = w.t.run("--lang", "en", "bundle", "import",
                    w.bundle("bad", entries))
        T.check(r.rc == 0 and ("rejected: %d" % len(bad)) in r.out,
                "import exits 0 and prints rejected: %d (%s)"
                % (len(bad), r.out.strip()))
        after = snap(w.t)
        T.check_eq(after["state_hash"], before["state_hash"],
                   "nothing applied: state hash unchanged")
        T.check_eq(after["counts"]["log"], before["counts"]["log"] + len(bad),
                   "every entry is stored in the chain")
        st = w.t.status()
        T.check_eq(sorted(x["seq"] for x in st["rejected"]),
                   list(range(4, 4 + len(bad))),
                   "status lists every one as rejected")
        for (what, _), x in zip(bad, sorted(st["rejected"],
                                            key=lambda x: x["seq"])):
            T.check(x["reason"] != "", "%s: reason %r" % (what, x["reason"]))
        T.check_eq(w.t.js("get", "households", w.hh).get("members"), 1,
                   "the existing row keeps its value")


def flip_offsets(data, rng):
    """Bytes worth flipping: the magic, each frame's length, kind, first
    and last payload byte, and some random ones (HUZHU_TAMPER_RANDOM)."""
    offs = {0, 7}
    for start, body, end in T.bundle_frames(data):
        offs |= {start, start + 3, start + 4, body, (body + end) // 2,
                 end - 1}
    offs |= {rng.randrange(len(data)) for _ in range(RANDOM_OFFSETS)}
    return sorted(o for o in offs if 0 <= o < len(data))


def cut_offsets(data, rng):
    """Lengths to cut at: inside the magic, at and around every frame
    boundary, one byte short of the end, and some random ones."""
    offs = {0, 1, 7, 8, len(data) - 1}
    for start, body, end in T.bundle_frames(data):
        offs |= {start + 1, start + 4, body, body + 1, end - 1}
    offs |= {rng.randrange(len(data)) for _ in range(RANDOM_OFFSETS)}
    return sorted(o for o in offs if 0 <= o < len(data))


@cases.case
def tampered_bundle_is_refused_at_every_byte_tried():
    rng = random.Random(SEED)
    print("  seed %d (HUZHU_TEST_SEED)" % SEED)
    with T.TempDir("tamper") as work:
        w = Setup(work)
        u = T.Node.create(work, "测试空节点", "u")
        with open(w.full, "rb") as f:
            data = f.read()
        offs = flip_offsets(data, rng)
        before = snap(u)
        bad = []
        for o in offs:
            bit = 1 << rng.randrange(8)
            t = data[:o] + bytes([data[o] ^ bit]) + data[o + 1:]
            p = T.write_file(w.path("tampered"), t)
            r = u.run("bundle", "import", p)
            if r.rc != T.EXIT_REFUSED or r.out != "" or not r.err:
                bad.append((o, bit, r.rc, r.err.strip()))
        T.check(not bad, "a bit flipped at each of %d offsets of a %d-byte"
                " bundle: every import exits 5 with a message (failures:"
                " %r)" % (len(offs), len(data), bad[:5]))
        T.check_eq(snap(u), before, "the node is unchanged after all of them")
        T.check(u.import_(w.full)["applied"] == 3,
                "the untouched bundle still imports")


@cases.case
def truncated_bundle_is_refused_at_every_cut_tried():
    rng = random.Random(SEED + 1)
    with T.TempDir("trunc") as work:
        w = Setup(work)
        u = T.Node.create(work, "测试空节点", "u")
        with open(w.full, "rb") as f:
            data = f.read()
        offs = cut_offsets(data, rng)
        before = snap(u)
        bad = []
        for o in offs:
            p = T.write_file(w.path("cut"), data[:o])
            r = u.run("bundle", "import", p)
            if r.rc != T.EXIT_REFUSED or r.out != "" or not r.err:
                bad.append((o, r.rc, r.err.strip()))
        T.check(not bad, "cut at each of %d offsets (0 .. %d): every import"
                " exits 5 with a message (failures: %r)"
                % (len(offs), len(data) - 1, bad[:5]))
        T.check_eq(snap(u), before, "the node is unchanged after all of them")
        refused(u, T.write_file(w.path("extra"), data + b"\x00"),
                "a byte appended after the trailer")


@cases.case
def bundle_cut_at_every_frame_boundary_is_refused():
    # A cut between two frames leaves only whole frames: the file ends
    # after the magic, right after the header, after any entry, or with
    # the trailer dropped whole. Each is refused for lack of what follows
    # (proto/bundle.md: "the file ends without a trailer"), on a node that
    # lacks the entries and holds something of its own.
    with T.TempDir("bounds") as work:
        w = Setup(work)
        u = T.Node.create(work, "测试空节点", "u")
        u.put("households", "head_name=测试自有")
        with open(w.full, "rb") as f:
            data = f.read()
        frames = T.bundle_frames(data)
        kinds = [T.FRAME_HEADER] + [T.FRAME_ENTRY] * 3 + [T.FRAME_TRAILER]
        T.check_eq([data[start + 4] for start, _, _ in frames], kinds,
                   "the bundle is a header, 3 entries and a trailer")
        T.check_eq(frames[-1][2], len(data), "and nothing follows")
        cuts = [(8, "the magic alone", "header")]
        cuts.append((frames[0][2], "right after the header", "trailer"))
        for k, (_, _, end) in enumerate(frames[1:-1], 1):
            cuts.append((end, "after entry %d of 3%s" % (
                k, ", the trailer dropped whole" if k == 3 else ""),
                "trailer"))
        before = snap(u)
        for at, what, word in cuts:
            refused(u, T.write_file(w.path("cut-%d" % at), data[:at]),
                    "cut at byte %d, %s" % (at, what), before=before,
                    word=word)
        T.check_eq(u.import_(w.full)["applied"], 3,
                   "the whole bundle still imports afterwards")


@cases.case
def foreign_bundle_is_refused():
    with T.TempDir("foreign") as work:
        w = Setup(work)
        other = b"other-network-01"
        refused(w.t, w.bundle("foreign-empty", [], network=other),
                "a bundle of another network (no entries)",
                word="another network")
        _, ents, _ = T.read_bundle(w.full)
        refused(w.t, w.bundle("foreign-hdr", ents, network=other),
                "our entries under another network's header")
        x = T.Author()
        e = x.next(T.body([T.op_set("households", T.new_row(),
                                    {"head_name": "测试"})]), network=other)
        refused(w.t, w.bundle("foreign-entry", [e]),
                "an entry of another network in our bundle",
                word="another network")
        vec = w.path("foreign.vector")
        with open(vec, "w") as f:
            f.write('{"network":"%s","authors":[]}' % other.hex())
        r = w.t.run("bundle", "export", w.path("x.bundle"), "--for", vec)
        T.check(r.rc == T.EXIT_REFUSED and r.err.startswith("huzhu: ") and
                not os.path.exists(w.path("x.bundle")),
                "export --for a vector of another network exits 5, writes"
                " no file")


@cases.case
def empty_garbage_and_missing_files_are_refused():
    with T.TempDir("garbage") as work:
        w = Setup(work)
        refused(w.t, T.write_file(w.path("zero"), b""), "a zero-byte file",
                word="refused")
        refused(w.t, T.write_file(w.path("garbage"),
                                  random.Random(SEED).randbytes(4096)),
                "a garbage file", word="not a huzhu bundle")
        refused(w.t, T.write_file(w.path("magic"), b"HZBUNDLE"),
                "the magic alone, no header")
        refused(w.t, T.write_file(w.path("text"), "互助\n".encode() * 100),
                "a text file")
        # A frame that declares 4 GiB.
        refused(w.t, T.write_file(w.path("huge"), b"HZBUNDLE\xff\xff\xff\xff\x01"),
                "a header frame declaring 4 GiB")
        before = snap(w.t)
        r = w.t.run("bundle", "import", w.path("no-such-file"))
        T.check(r.rc == T.EXIT_NOTFOUND and r.err.startswith("huzhu: "),
                "a missing file: exit 3 with a message")
        T.check_eq(snap(w.t), before, "a missing file changes nothing")
        r = w.t.run("bundle", "import", w.work)
        T.check(r.rc != 0 and r.err.startswith("huzhu: "),
                "a directory: non-zero exit (%d) with a message" % r.rc)
        T.check_eq(snap(w.t), before, "a directory changes nothing")


@cases.case
def bundle_with_no_entries_is_a_noop():
    with T.TempDir("noentries") as work:
        w = Setup(work)
        empty = T.Node.create(work, "测试空节点", "e")
        p = w.path("empty-node.bundle")
        T.check_eq(empty.export(p)["entries"], 0,
                   "an empty node exports a bundle of 0 entries")
        T.check_eq(len(T.read_bundle(p)[1]), 0, "it holds no entry frames")
        before = snap(w.t)
        stats = w.t.import_(p)
        T.check_eq(stats["entries"], 0, "import exits 0 with entries: 0")
        T.check_eq(snap(w.t), before, "and changes nothing")
        stats = w.t.import_(w.bundle("crafted-empty", []))
        T.check_eq(stats["entries"], 0, "a crafted empty bundle: exit 0")
        T.check_eq(snap(w.t), before, "and changes nothing")
        stats = w.t.import_(w.full)
        T.check(stats["duplicate"] == 3 and stats["applied"] == 0,
                "a bundle of entries already held: exit 0, 3 duplicate")
        T.check_eq(snap(w.t), before, "and changes nothing")


def bundle_of_payloads(header, entries, trailer=None):
    """A bundle with the header payload @header as given; its trailer
    payload @trailer as given, or the canonical [count, digest]."""
    before = T.BUNDLE_MAGIC + T.frame(T.FRAME_HEADER, header) + b"".join(
        T.frame(T.FRAME_ENTRY, e) for e in entries)
    if trailer is None:
        trailer = T.pack([len(entries), hashlib.blake2b(
            before, digest_size=32).digest()])
    return before + T.frame(T.FRAME_TRAILER, trailer)


@cases.case
def header_or_trailer_not_in_its_one_form_is_refused():
    """proto/bundle.md, "Header and trailer": a header or trailer that is
    not the canonical encoding of its values, or holds a value the format
    does not define, refuses the file (exit 5, HZ_EMALFORMED) and changes
    nothing; a version other than 1 is read first (exit 5, newer)."""
    with T.TempDir("oneform") as work:
        w = Setup(work)
        a = w.author
        good, _ = a.sign(a.seq + 1, a.prev, T.now_clock(), w.household())
        ms = int(time.time() * 1000)
        head = [1, T.NETWORK, bytes(32), ms, 0]
        hdr = T.pack(head)
        dig = hashlib.blake2b(T.BUNDLE_MAGIC + T.frame(
            T.FRAME_HEADER, hdr) + T.frame(T.FRAME_ENTRY, good),
            digest_size=32).digest()
        cases_ = [
            ("header", "scope 2", T.pack(head[:4] + [2]), None),
            ("header", "the version as uint8", b"\x95\xcc\x01" + hdr[2:],
             None),
            ("header", "a sixth element", b"\x96" + hdr[1:] + b"\x00", None),
            ("header", "a byte after the array", hdr + b"\xc0", None),
            ("header", "the network as bin16",
             hdr[:2] + b"\xc5\x00\x10" + hdr[4:], None),
            ("trailer", "the count as uint8", hdr,
             b"\x92\xcc\x01\xc4\x20" + dig),
            ("trailer", "a byte after the array", hdr,
             T.pack([1, dig]) + b"\x00"),
        ]
        state = snap(w.t)
        for part, what, h, t in cases_:
            refused(w.t, T.write_file(w.path("form-" + what.replace(" ", "-")),
                                      bundle_of_payloads(h, [good], t)),
                    "%s: %s" % (part, what), before=state, word=part)
        r = refused(w.t, T.write_file(w.path("form-v2"), bundle_of_payloads(
            T.pack([2]), [good])), "a header [2]", before=state)
        T.check("newer" in r.err, "a header [2]: a newer format, says %r"
                % r.err.strip()[:90])
        # The same bundle in its one form imports: the refusals could fail.
        st = w.t.import_(T.write_file(w.path("form-good"),
                                      bundle_of_payloads(hdr, [good])))
        T.check_eq(st["applied"], 1, "the canonical bundle imports its entry")


if __name__ == "__main__":
    cases.main()
