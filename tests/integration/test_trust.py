#!/usr/bin/python3
"""Network membership with the real program (issue 3, proto/trust.md).

An admin creates a network and admits devices; they join with tokens,
write, and pass bundles around until everyone holds everything. Entries
that their authors may not write (a device never admitted, a viewer, a
site node writing another site's stock or an item, a revoked device after
its cut-off) never reach state on any node, are listed with their reason,
and the state hashes still agree."""
import os
import sys

import nacl.signing

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("trust")
KEEP_DENIED = {"HUZHU_TEST_KEEP_DENIED": "1"}


def token_of(admin, node, *args):
    """Admit @node with @args; return the token."""
    j = admin.js("admit", node.key, *args)
    T.check(j["token"].startswith("HZ1") and j["key"] == node.key,
            "admit %s prints a token for that key" % args[1])
    return j["token"]


def exchange(nodes, work, tag, rounds=2):
    """Every node sends every other node a full bundle, @rounds times."""
    for r in range(rounds):
        paths = {}
        for i, n in enumerate(nodes):
            paths[i] = os.path.join(work, "%s-%d-%d.bundle" % (tag, r, i))
            n.export(paths[i])
        for i, n in enumerate(nodes):
            for k, p in paths.items():
                if k != i:
                    stats = n.import_(p)
                    T.check(stats["rejected"] == 0 and stats["forks"] == 0 and
                            stats["refused"] == 0,
                            "%s: import %d -> %d: nothing rejected, forked or"
                            " refused" % (tag, k, i))


def secret_of(node):
    with open(os.path.join(node.dir, "network.secret"), "rb") as f:
        return f.read()


def denied(node):
    """{entry id: reason} of the entries a node holds as denied."""
    return {e.hex(): r for e, r in
            node.query("SELECT id, reason FROM log WHERE state = 4")}


def ids_of(node, table):
    return {r["id"] for r in node.js("ls", table)}


class Network:
    """An admin with two sites, two site nodes, a viewer and a
    coordinator, all joined."""

    def __init__(self, work):
        self.a = T.Node.create(work, "测试乡政府", "a")
        j = self.a.js("network", "create", "--name", "测试乡")
        self.network = j["network"]
        T.check(T.is_hex(self.network, 32) and j["name"] == "测试乡",
                "network create prints the network id and name")
        self.s1 = self.a.js("site", "add", "--name", "测试一小", "--kind",
                            "shelter", "--capacity", "80")["id"]
        self.s2 = self.a.js("site", "add", "--name", "测试二小", "--kind",
                            "shelter", "--capacity", "60")["id"]
        self.item = self.a.js("item", "add", "--name", "测试矿泉水",
                              "--unit", "瓶")["id"]
        self.b = T.Node.create(work, "测试安置点一", "b")
        self.c = T.Node.create(work, "测试安置点二", "c")
        self.v = T.Node.create(work, "测试观察员", "v")
        self.k = T.Node.create(work, "测试协调员", "k")
        for node, args in ((self.b, ("--role", "site", "--site", self.s1)),
                           (self.c, ("--role", "site", "--site", self.s2)),
                           (self.v, ("--role", "viewer")),
                           (self.k, ("--role", "coordinator"))):
            tok = token_of(self.a, node, "--name",
                           node.dir.rsplit("/", 1)[1], *args)
            j = node.js("join", tok)
            T.check_eq(j["network"], self.network, "join: the network")
        self.all = [self.a, self.b, self.c, self.v, self.k]


@cases.case
def admin_admits_two_sites_and_everyone_agrees():
    with T.TempDir("trust") as work:
        net = Network(work)
        a, b, c, v, k = net.a, net.b, net.c, net.v, net.k
        # The sites and the item reach the site nodes first.
        exchange(net.all, work, "setup", rounds=1)

        # Each site registers people and checks them in, and records stock.
        hb = b.js("household", "add", "--head", "测试户主甲", "--village",
                  "东村", "--member", "测试成员甲,female,1950,elderly_mobility")
        sb = b.js("checkin", hb["members"][0], net.s1)["id"]
        mb = b.js("stock", "receive", net.s1, net.item, "100")["id"]
        hc = c.js("household", "add", "--head", "测试户主乙", "--village",
                  "西村")
        mc = c.js("stock", "distribute", net.s2, net.item, "3",
                  "--household", hc["id"])["id"]
        hk = k.js("household", "add", "--head", "测试户主丙")["id"]

        # What their authors may not write.
        r = v.run("household", "add", "--head", "测试越权", expect=8)
        T.check(r.out == "" and "viewer" in r.err,
                "a viewer's write is refused locally: exit 8, says viewer")
        bad_v = v.run("--json", "household", "add", "--head", "测试观察员写",
                      env=KEEP_DENIED, expect=0).json()["id"]
        b.run("stock", "receive", net.s2, net.item, "5", expect=8)
        bad_b_stock = b.run("--json", "stock", "receive", net.s2, net.item,
                            "5", env=KEEP_DENIED, expect=0).json()["id"]
        bad_b_item = b.run("--json", "item", "add", "--name", "测试越权物资",
                           "--unit", "箱", env=KEEP_DENIED,
                           expect=0).json()["id"]
        # A device never admitted writes entries of this network.
        stranger = T.Author()
        row = T.new_row()
        ent = stranger.next(T.body([T.op_set("households", row,
                                             {"head_name": "测试陌生人"})]),
                            network=bytes.fromhex(net.network))
        sp = T.write_file(os.path.join(work, "stranger.bundle"),
                          T.make_bundle([ent],
                                        network=bytes.fromhex(net.network)))
        st = a.import_(sp)
        T.check_eq((st["denied"], st["applied"]), (1, 0),
                   "a stranger's entry is stored denied, not applied")

        exchange(net.all, work, "round1")
        # The coordinator writes, is revoked at its current entry, and
        # writes again without knowing.
        before = k.js("household", "add", "--head", "测试撤销前")["id"]
        exchange([a, k], work, "k-to-a", rounds=1)
        top = a.js("members")
        krow = [m for m in top["members"] if m["key"] == k.key][0]
        rv = a.js("revoke", k.key)
        T.check_eq((rv["after_seq"], rv["signed_by"], rv["withdrawn_here"]),
                   (krow["last_seq"], "root", 0),
                   "revoke: cut at the last entry held, signed by root,"
                   " nothing taken back")
        after = k.js("household", "add", "--head", "测试撤销后")["id"]
        # The revoked coordinator's bundle still travels (its entry is
        # denied everywhere); bundles sealed after the revocation are
        # closed to it (DECISIONS 19).
        pk = os.path.join(work, "k-late.bundle")
        k.export(pk)
        members = [a, b, c, v]
        for n in members:
            n.import_(pk)
        exchange(members, work, "round2")
        r = k.run("bundle", "import", os.path.join(work, "round2-1-0.bundle"))
        T.check_eq(r.rc, 8, "the revoked device cannot read new bundles")

        T.same_state(members, "every member")
        for n in members:
            hh = ids_of(n, "households")
            T.check({hb["id"], hc["id"], hk, before} <= hh,
                    "%s: every permitted household is there" % n.dir)
            T.check(not ({bad_v, after, row.hex()} & hh),
                    "%s: the viewer's, the stranger's and the revoked"
                    " device's households are not" % n.dir)
            T.check(bad_b_item not in ids_of(n, "items"),
                    "%s: the site node's item is not there" % n.dir)
            moves = ids_of(n, "stock_moves")
            T.check({mb, mc} <= moves and bad_b_stock not in moves,
                    "%s: site stock moves there, the other site's not"
                    % n.dir)
            T.check(sb in ids_of(n, "stays"), "%s: the check-in" % n.dir)
            reasons = sorted(denied(n).values())
            T.check_eq(len(reasons), 5, "%s: five entries denied" % n.dir)
            want = ["author revoked after seq", "no certificate for the"
                    " author", "site may not write items", "site may not"
                    " write stock_moves", "viewer may not write households"]
            T.check(all(any(w in r for r in reasons) for w in want),
                    "%s: each with its reason: %r" % (n.dir, reasons))
            T.check_eq(n.status()["entries"]["denied"], 5,
                       "%s: status counts them" % n.dir)
            n.run("log", "verify", expect=0)
        # Every node lists the same members; the coordinator as revoked.
        views = []
        for n in members:
            m = n.js("members")
            views.append(sorted((x["key"], x["role"], x["revoked_after"])
                                for x in m["members"]))
            T.check_eq([x["key"] for x in m["without_certificate"]],
                       [stranger.hex], "%s: the stranger is listed apart"
                       % n.dir)
        T.check(all(v_ == views[0] for v_ in views),
                "every node lists the same members")
        T.check_eq(sorted(r for _, r, _ in views[0]),
                   ["admin", "coordinator", "site", "site", "viewer"],
                   "five members with their roles")
        T.check_eq([x for x in views[0] if x[2] is not None],
                   [(k.key, "coordinator", krow["last_seq"])],
                   "the coordinator is revoked at its cut-off")
        r = a.run("--lang", "en", "members", expect=0)
        T.check("测试乡政府" in r.out and "coordinator" in r.out,
                "members prints a table for people")


@cases.case
def a_delegate_admits_and_entries_wait_for_its_certificate():
    """A coordinator given admission admits a site node, which works at
    once. The coordinator is later revoked after that admission: where
    its log has not arrived, the site node's entries wait (denied, no
    certificate); when it arrives they apply again."""
    with T.TempDir("trustdeleg") as work:
        a = T.Node.create(work, "测试管理员", "a")
        a.js("network", "create", "--name", "测试网")
        site = a.js("site", "add", "--name", "测试点")["id"]
        k = T.Node.create(work, "测试协调员", "k")
        d = T.Node.create(work, "测试安置点", "d")
        c = T.Node.create(work, "测试乙地", "c")
        k.js("join", token_of(a, k, "--name", "k", "--role", "coordinator",
                              "--admits"))
        c.js("join", token_of(a, c, "--name", "c", "--role", "coordinator"))
        pa = os.path.join(work, "a.bundle")
        a.export(pa)
        k.import_(pa)
        # The coordinator may admit a site node, not an admin.
        k.run("admit", d.key, "--name", "x", "--role", "admin", expect=8)
        tok = token_of(k, d, "--name", "d", "--role", "site", "--site", site)
        T.check_eq(d.js("join", tok)["role"], "site",
                   "the delegate's token admits a site")
        # The site node works at once, before it has seen anyone's log.
        hid = d.js("household", "add", "--head", "测试委托接纳")["id"]
        T.check(hid in ids_of(d, "households"),
                "its own records apply locally right away")
        pd = os.path.join(work, "d.bundle")
        d.export(pd)
        st = c.import_(pd)
        T.check(hid in ids_of(c, "households") and st["denied"] == 0,
                "elsewhere too: the token's chain came with it")
        # The admin gets the coordinator's log and revokes it after it.
        pk = os.path.join(work, "k.bundle")
        k.export(pk)
        a.import_(pk)
        a.js("revoke", k.key)
        a.import_(pd)
        T.check(hid in ids_of(a, "households"),
                "an admission before the cut-off stays")
        # C gets the revocation but not the coordinator's log.
        a.export(os.path.join(work, "a2.bundle"))
        with open(os.path.join(work, "a2.bundle"), "rb") as f:
            plain = T.unseal(f.read(), secret_of(a), a.seed())
        header, entries, _ = T.parse_bundle(plain)
        kpk = bytes.fromhex(k.key)
        only = [e for e in entries if T.decode_entry(e)["author"] != kpk]
        T.check(len(only) < len(entries), "the filtered bundle lacks K's log")
        pf = T.write_file(os.path.join(work, "a-no-k.bundle"),
                          T.make_bundle(only, network=header[1]))
        st = c.import_(pf)
        T.check(st["withdrawn"] >= 1 and hid not in ids_of(c, "households"),
                "without the coordinator's log the admission is unproven:"
                " taken back: %r" % st)
        T.check(any("no certificate" in r for r in denied(c).values()),
                "listed as waiting for a certificate")
        st = c.import_(pk)
        T.check(st["granted"] >= 1 and hid in ids_of(c, "households"),
                "the coordinator's log arrives: they apply again: %r" % st)
        T.check_eq(denied(c), {}, "nothing denied any more")
        # Every member converges; the revoked coordinator reads no more.
        a.export(pa)
        for n in (d, c):
            n.import_(pa)
        T.same_state([a, d, c], "every member agrees")
        T.check_eq(k.run("bundle", "import", pa).rc, 8,
                   "the revoked coordinator cannot read the admin's bundle")


@cases.case
def a_second_admin_without_the_root_key_admits_and_revokes():
    """A network has more than one admin: the township admits the county
    laptop as admin; the county, which never holds the root key, admits a
    device and revokes one, and every node agrees."""
    with T.TempDir("trustadmin2") as work:
        a = T.Node.create(work, "测试乡政府", "a")
        a.js("network", "create", "--name", "测试乡")
        z = T.Node.create(work, "测试县应急局", "z")
        z.js("join", token_of(a, z, "--name", "z", "--role", "admin"))
        T.check(not os.path.exists(os.path.join(z.dir, "network.key")),
                "the second admin holds no root key")
        y = T.Node.create(work, "测试丢失设备", "y")
        y.js("join", token_of(a, y, "--name", "y", "--role", "coordinator"))
        hy = y.js("household", "add", "--head", "测试丢失前")["id"]
        pa, py = (os.path.join(work, x) for x in ("a.bundle", "y.bundle"))
        a.export(pa)
        y.export(py)
        for p in (pa, py):
            z.import_(p)
        x = T.Node.create(work, "测试新点", "x")
        j = z.js("admit", x.key, "--name", "x", "--role", "coordinator")
        x.js("join", j["token"])
        hx = x.js("household", "add", "--head", "测试县接纳")["id"]
        rv = z.js("revoke", y.key)
        T.check_eq((rv["signed_by"], rv["after_seq"]), ("admin", 2),
                   "the county revokes with its own key, after y's last"
                   " entry it holds")
        late = y.js("household", "add", "--head", "测试丢失后")["id"]
        nodes = [a, z, x]
        py2 = os.path.join(work, "y2.bundle")
        y.export(py2)
        for n in nodes:
            n.import_(py2)
        exchange(nodes, work, "admins")
        T.same_state(nodes, "the three agree")
        for n in nodes:
            hh = ids_of(n, "households")
            T.check({hy, hx} <= hh and late not in hh,
                    "%s: the county's admission counts, y's entry after its"
                    " cut-off does not" % n.dir)
        m = {r["key"]: r for r in a.js("members")["members"]}
        T.check_eq((m[z.key]["role"], m[z.key]["admin_rank"]), ("admin", 1),
                   "the county is an admin of rank 1")
        T.check(m[x.key]["issuer"] == z.key and
                not m[x.key]["issuer_is_root"],
                "x's certificate was issued by the county")
        T.check_eq(m[y.key]["revoked_after"], 2, "y is revoked after seq 2")


@cases.case
def a_revoked_admins_trust_objects_count_only_before_its_cut_off():
    """DECISIONS 15, proto/trust.md ("Resolution"): an admin Z, admitted
    by the township A, admits P and R and revokes R; A revokes Z after
    those. Z, not knowing, then admits Q and revokes P. On every node,
    whatever order the bundles come in: P stays a member and writes
    (admitted before Z's cut-off; revoked only after it), R stays revoked
    at its cut-off, Q is no member and its entry is denied, and Z's
    entries past its cut-off are denied."""
    with T.TempDir("trustcutoff") as work:
        a = T.Node.create(work, "测试乡政府", "a")
        a.js("network", "create", "--name", "测试乡")
        z, b, c, p, r, q = (T.Node.create(work, "测试" + x, x)
                            for x in "zbcprq")
        z.js("join", token_of(a, z, "--name", "z", "--role", "admin"))
        for n in (b, c):
            n.js("join", token_of(a, n, "--name", os.path.basename(n.dir),
                                  "--role", "coordinator"))

        def carry(src, dst, name):
            path = os.path.join(work, name + ".bundle")
            src.export(path)
            dst.import_(path)

        carry(a, z, "a-to-z")  # Z learns of B and C
        for n in (p, r):
            n.js("join", token_of(z, n, "--name", os.path.basename(n.dir),
                                  "--role", "coordinator"))
        hp1 = p.js("household", "add", "--head", "测试甲早")["id"]
        hr1 = r.js("household", "add", "--head", "测试乙早")["id"]
        carry(r, z, "r-to-z")
        cut_r = z.js("revoke", r.key)["after_seq"]
        T.check_eq(cut_r, 2, "Z revokes R after R's 2 entries")
        hr2 = r.js("household", "add", "--head", "测试乙晚")["id"]
        carry(z, a, "z-to-a")
        rv = a.js("revoke", z.key)
        cut_z = rv["after_seq"]
        T.check_eq(cut_z, 4, "A revokes Z after its 4th entry (join, two"
                   " admissions, the revocation of R)")
        # Z does not know it is revoked.
        q.js("join", token_of(z, q, "--name", "q", "--role", "coordinator"))
        carry(p, z, "p-to-z")
        T.check_eq(z.js("revoke", p.key)["after_seq"], 2,
                   "Z, past its cut-off, revokes P after P's 2 entries")
        hp2 = p.js("household", "add", "--head", "测试甲晚")["id"]
        hq = q.js("household", "add", "--head", "测试丙")["id"]
        paths = {}
        for n in (a, z, p, q, r):
            paths[n] = os.path.join(work, "late-%s.bundle"
                                    % os.path.basename(n.dir))
            n.export(paths[n])
        orders = {a: [r, q, z, p], b: [z, p, q, r, a], c: [a, r, q, p, z]}
        for n, order in orders.items():
            for src in order:
                if n is b and src is a:
                    hh = ids_of(b, "households")
                    T.check(hq in hh and hp2 not in hh,
                            "b, before A's bundle: Z's late admission and"
                            " revocation count there for now")
                st = n.import_(paths[src])
                T.check(st["refused"] == 0 and st["forks"] == 0,
                        "%s imports %s's bundle" % (os.path.basename(n.dir),
                                                   os.path.basename(src.dir)))
        nodes = list(orders)
        for n in nodes:
            name = os.path.basename(n.dir)
            hh = ids_of(n, "households")
            rows = {hp1: "P's early", hp2: "P's late", hr1: "R's early",
                    hr2: "R's late", hq: "Q's"}
            T.check_eq(sorted(rows[h] for h in hh if h in rows),
                       ["P's early", "P's late", "R's early"],
                       "%s: P's households (before and after Z's late"
                       " revocation) and R's early one are there; R's late"
                       " one and Q's are not" % name)
            m = {x["key"]: x for x in n.js("members")["members"]}
            T.check_eq([(m[x.key]["role"], m[x.key]["revoked_after"])
                        for x in (z, p, r)],
                       [("admin", cut_z), ("coordinator", None),
                        ("coordinator", cut_r)],
                       "%s: Z revoked after %d, P in good standing, R revoked"
                       " after %d" % (name, cut_z, cut_r))
            T.check(q.key not in m, "%s: Q is no member" % name)
            zs = states(n, bytes.fromhex(z.key))
            T.check(sorted(zs) == [1, 2, 3, 4, 5, 6] and
                    all(zs[i][0] == 0 for i in range(1, 5)) and
                    all(zs[i][0] == 4 and "revoked after seq %d" % cut_z
                        in zs[i][1] for i in (5, 6)),
                    "%s: Z's entries 1-4 applied, 5 and 6 (admitting Q,"
                    " revoking P) denied: %r" % (name, zs))
            st, reason = states(n, bytes.fromhex(q.key))[2]
            T.check(st == 4 and "no certificate" in reason,
                    "%s: Q's household is denied: %s" % (name, reason))
        T.same_state(nodes, "A, B and C")


@cases.case
def a_cloned_node_forks_and_the_documented_recovery_works():
    """Copy a node directory, write on both copies, merge at a third node:
    the fork is detected and reported, the earlier history stays, and the
    recovery of proto/trust.md (revoke after the last good entry, rekey
    each copy, admit the new keys) loses nothing."""
    import shutil
    with T.TempDir("trustclone") as work:
        a = T.Node.create(work, "测试管理员", "a")
        a.js("network", "create", "--name", "测试网")
        b = T.Node.create(work, "测试原机", "b")
        b.js("join", token_of(a, b, "--name", "b", "--role", "coordinator"))
        h1 = b.js("household", "add", "--head", "测试复制前")["id"]
        b2 = T.Node(os.path.join(work, "b2"))
        shutil.copytree(b.dir, b2.dir)
        b2.key = b.key
        h2 = b.js("household", "add", "--head", "测试原机写")["id"]
        h3 = b2.js("household", "add", "--head", "测试副本写")["id"]
        pb, pb2 = (os.path.join(work, x) for x in ("b.bundle", "b2.bundle"))
        b.export(pb)
        b2.export(pb2)
        a.import_(pb)
        st = a.import_(pb2)
        T.check(st["forks"] >= 1, "the third node sees the fork: %r" % st)
        forks = a.status()["forks"]
        T.check(len(forks) == 1 and forks[0]["author"] == b.key,
                "status reports the fork of that key")
        point = forks[0]["point"]
        row = [m for m in a.js("members")["members"] if m["key"] == b.key][0]
        T.check_eq(row["fork_point"], point, "members shows the fork point")
        hh = ids_of(a, "households")
        T.check(h1 in hh and not ({h2, h3} & hh),
                "the history before the fork stays; neither branch applies")
        # The recovery: revoke after the last good entry ...
        rv = a.js("revoke", b.key, "--after", str(point - 1))
        T.check_eq(rv["after_seq"], point - 1, "revoked after the last good")
        pa = os.path.join(work, "a.bundle")
        a.export(pa)
        # ... a revoked key reads no new bundle: the operator of each copy
        # is told to rekey, the admin admits the new key, and once the
        # copy reads the admin's log its entries past the cut-off are
        # re-issued under the new key.
        orig = b.key
        for node in (b, b2):
            r = node.run("bundle", "import", pa)
            T.check(r.rc == 8 and "epoch" in r.err,
                    "%s cannot read the admin's bundle any more" % node.dir)
            j = node.js("rekey")
            T.check(j["old_key"] == orig and j["key"] != orig and
                    j["reissued"] == 0 and j["from_seq"] is None,
                    "%s: a new key; nothing known to re-issue yet: %r"
                    % (node.dir, j))
            node.key = j["key"]
            tok = token_of(a, node, "--name", node.dir.rsplit("/", 1)[1],
                           "--role", "coordinator")
            node.js("join", tok)
            st = node.import_(pa)
            T.check(st["entries"] > 0, "%s reads it again" % node.dir)
            T.check(not node.status()["clone_detected"],
                    "%s: the old key's other branch is no clone of the new"
                    % node.dir)
            mine = node.query("SELECT count(*) FROM log WHERE author ="
                              " (SELECT k FROM names WHERE name = ?)",
                              (bytes.fromhex(node.key),))[0][0]
            T.check(mine == 2, "%s: its certificate entry and the entry past"
                    " the cut-off, re-issued (%d entries)" % (node.dir, mine))
        T.check(b.key != b2.key, "each copy has its own key")
        nodes = [a, b, b2]
        exchange(nodes, work, "heal")
        T.same_state(nodes, "all three agree")
        for n in nodes:
            hh = ids_of(n, "households")
            T.check({h1, h2, h3} <= hh,
                    "%s: nothing registered in either branch is lost"
                    % n.dir)
            n.run("log", "verify", expect=0)
        m = {x["key"]: x for x in a.js("members")["members"]}
        T.check(m[b.key]["revoked_after"] is None and
                m[b2.key]["revoked_after"] is None,
                "the new keys are members in good standing")
        r = a.js("members")
        old = [x for x in r["members"] if x["revoked_after"] is not None]
        T.check(len(old) == 1 and old[0]["revoked_after"] == point - 1,
                "the old key is listed revoked at its last good entry")


@cases.case
def a_node_copied_to_another_machine_stops_writing_until_rekey():
    import shutil
    with T.TempDir("trustmove") as work:
        b = T.Node.create(work, "测试节点", "b")
        h = b.js("household", "add", "--head", "测试户")["id"]
        moved = T.Node(os.path.join(work, "moved"),
                       env={"HUZHU_TEST_MACHINE_ID": "another-machine"})
        shutil.copytree(b.dir, moved.dir)
        r = moved.run("household", "add", "--head", "测试复制卡写")
        T.check(r.rc == 1 and "rekey" in r.err,
                "a copied card does not write: exit 1, says rekey")
        T.check(moved.status()["clone_detected"], "status says so")
        T.check(h in ids_of(moved, "households"), "reading still works")
        j = moved.js("rekey")
        T.check(j["key"] != b.key and j["reissued"] == 0,
                "rekey: a new key, nothing to re-issue")
        moved.key = j["key"]
        T.check_eq(moved.js("id")["key"], j["key"], "id prints the new key")
        h2 = moved.js("household", "add", "--head", "测试换钥后")["id"]
        T.check(not os.path.exists(os.path.join(moved.dir, "node.key.new")),
                "no key file left over")
        # The original and the re-keyed copy merge without a fork.
        p = os.path.join(work, "m.bundle")
        moved.export(p)
        st = b.import_(p)
        T.check(st["forks"] == 0 and h2 in ids_of(b, "households"),
                "the two merge without a fork: %r" % st)


@cases.case
def records_written_before_joining_are_reissued():
    with T.TempDir("trustpre") as work:
        a = T.Node.create(work, "测试管理员", "a")
        pre_a = a.js("household", "add", "--head", "测试建网前")["id"]
        a.put("households", "village=测试村", id=pre_a)
        a.js("network", "create", "--name", "测试网")
        T.check_eq(a.js("get", "households", pre_a)["village"], "测试村",
                   "the admin's earlier record is still there, edits too")
        b = T.Node.create(work, "测试点", "b")
        pre_b = b.js("household", "add", "--head", "测试入网前")["id"]
        other = os.path.join(work, "pre.bundle")
        a2 = T.Node.create(work, "测试他人", "o")
        a2.js("household", "add", "--head", "测试他人记录")
        a2.export(other)
        b.import_(other)
        j = b.js("join", token_of(a, b, "--name", "b", "--role",
                                  "coordinator"))
        T.check_eq((j["reissued"], j["reissued_denied"], j["archived"]),
                   (1, 0, 1), "join re-issues the node's own record and"
                   " keeps the other device's aside")
        T.check_eq([h["id"] for h in b.js("ls", "households")], [pre_b],
                   "after joining: the node's own record, re-issued")
        p = os.path.join(work, "b.bundle")
        b.export(p)
        a.import_(p)
        T.check(pre_b in ids_of(a, "households"),
                "the re-issued record reaches the admin and applies")
        st = b.status()
        T.check(st["networked"] and st["network_name"] == "测试网",
                "status names the network")


def states(node, author):
    """{seq: (state, reason)} of one author's entries in the log."""
    return {q: (st, r) for q, st, r in node.query(
        "SELECT seq, state, reason FROM log WHERE author ="
        " (SELECT k FROM names WHERE name = ?)", (author,))}


@cases.case
def a_forged_certificate_gives_its_subject_no_rights():
    """Certificates whose signature does not verify, each carried by a
    validly signed entry: by its subject (issuer the root key, signed by
    the subject; an admin's certificate with the subject swapped; issuer
    an admin's node key, signature random), by a stranger (a root
    signature with one bit flipped), by an admin (its own key signs the
    entry; the certificate's signature is not its). The carrying entry is
    stored rejected with its reason on every node that gets it, the
    subject gets no rights (its household is denied: no certificate),
    and the honest members agree, whatever the order. The control, a
    certificate the root key signs properly, made the same way, admits
    its subject."""
    with T.TempDir("trustforge") as work:
        a = T.Node.create(work, "测试管理员", "a")
        net = bytes.fromhex(a.js("network", "create",
                                 "--name", "测试网")["network"])
        b = T.Node.create(work, "测试点乙", "b")
        c = T.Node.create(work, "测试点丙", "c")
        for n in (b, c):
            n.js("join", token_of(a, n, "--name", os.path.basename(n.dir),
                                  "--role", "coordinator"))
        with open(os.path.join(a.dir, "network.key"), "rb") as f:
            root = nacl.signing.SigningKey(f.read())
        rpk = bytes(root.verify_key)
        apk = bytes.fromhex(a.key)
        admin_cert = a.query("SELECT bytes FROM member WHERE subject = ?",
                             (apk,))[0][0]

        def coordinator(subject, issuer=rpk):
            return T.cert_fields(net, subject.pk, "coordinator", issuer)

        x, y, w, z, s, g = (T.Author() for _ in range(6))
        swapped = T.unpack(admin_cert)
        swapped[2] = y.pk
        flipped = T.unpack(T.cert_bytes(coordinator(z), root))
        flipped[10] = flipped[10][:63] + bytes([flipped[10][63] ^ 0x40])
        carried = [  # (carrier, certificate, what)
            (x, T.cert_bytes(coordinator(x), x.sk),
             "issuer the root key, signed by the subject"),
            (y, T.pack(swapped), "the admin's certificate, subject swapped"),
            (w, T.cert_bytes(coordinator(w, apk), sig=os.urandom(64)),
             "issuer the admin's key, a random signature"),
            (s, T.pack(flipped), "carried by a stranger, one bit flipped"),
            (g, T.cert_bytes(coordinator(g), root), "the control"),
        ]
        entries, rows, forged = [], {}, []
        for carrier, cert, what in carried:
            e = carrier.next(T.body([T.op_cert(cert)]), network=net)
            entries.append(e)
            if carrier is not g:
                forged.append((T.entry_id(e), what))
        for subject in (x, y, w, z, g):
            rows[subject.hex] = T.new_row()
            entries.append(subject.next(T.body([T.op_set(
                "households", rows[subject.hex],
                {"head_name": "测试" + subject.hex[:6]})]), network=net))
        # The admin's key signs an entry the admin never wrote: only B and
        # C get it (A would take it for a clone of its key).
        v = T.Author()
        by_a = T.Author.from_node(a)
        e_a = by_a.next(T.body([T.op_cert(T.cert_bytes(
            coordinator(v, apk), v.sk))]), network=net)
        forged.append((T.entry_id(e_a), "carried by the admin"))
        rows[v.hex] = T.new_row()
        e_v = v.next(T.body([T.op_set("households", rows[v.hex],
                                      {"head_name": "测试管理员证书"})]),
                     network=net)

        def bundle(name, ents):
            return T.write_file(os.path.join(work, name),
                                T.make_bundle(ents, network=net))

        a.import_(bundle("to-a", entries))
        b.import_(bundle("to-b", entries + [e_a, e_v]))
        c.import_(bundle("to-c-1", [e_v, e_a]))
        c.import_(bundle("to-c-2", entries[::-1]))
        pa = os.path.join(work, "a.bundle")
        a.export(pa)
        for n in (b, c):
            n.import_(pa)
        exchange([b, c], work, "forged", rounds=1)
        for n in (a, b, c):
            name = os.path.basename(n.dir)
            held = {e.hex(): (st, r) for e, st, r in n.query(
                "SELECT id, state, reason FROM log")}
            for eid, what in forged:
                if n is a and what == "carried by the admin":
                    continue
                st, reason = held.get(eid.hex(), (None, None))
                T.check(st == 1 and "signature does not verify" in
                        (reason or ""),
                        "%s: the entry carrying a forged certificate (%s) is"
                        " stored rejected: %r" % (name, what, reason))
            hh = ids_of(n, "households")
            T.check(rows[g.hex].hex() in hh,
                    "%s: the control's subject writes" % name)
            members = {m["key"] for m in n.js("members")["members"]}
            T.check(g.hex in members, "%s: and is a member" % name)
            for subject in (x, y, w, z) + ((v,) if n is not a else ()):
                T.check(rows[subject.hex].hex() not in hh and
                        subject.hex not in members,
                        "%s: %s.. gets no rights, is no member"
                        % (name, subject.hex[:8]))
                st, reason = states(n, subject.pk)[subject.seq]
                T.check(st == 4 and "no certificate for the author" in reason,
                        "%s: %s..'s household is denied: %s"
                        % (name, subject.hex[:8], reason))
        T.same_state([a, b, c], "the honest members")


@cases.case
def refusals_change_nothing():
    with T.TempDir("trustref") as work:
        net = Network(work)
        a, b, v = net.a, net.b, net.v
        x = T.Node.create(work, "测试外人", "x")
        tok_x = token_of(a, x, "--name", "x", "--role", "viewer")
        cases_ = [
            (b, ["join", tok_x], 5, "a token for another device"),
            (x, ["join", tok_x[:-6] + "AAAAAA"], 5, "a damaged token"),
            (x, ["join", "HZ1"], 5, "an empty token"),
            (x, ["join", "hello"], 5, "not a token"),
            (b, ["admit", x.key, "--name", "x", "--role", "viewer"], 8,
             "a site node admits"),
            (v, ["revoke", b.key], 8, "a viewer revokes"),
            (a, ["admit", x.key, "--name", "x", "--role", "boss"], 2,
             "an unknown role"),
            (a, ["admit", x.key, "--name", "x", "--role", "site"], 2,
             "a site role without --site"),
            (a, ["admit", x.key, "--name", "x", "--role", "viewer",
                 "--site", net.s1], 2, "a site on a viewer"),
            (a, ["admit", x.key, "--name", "x", "--role", "site", "--site",
                 "0" * 32], 3, "a site that does not exist"),
            (a, ["admit", "abcd", "--name", "x", "--role", "viewer"], 2,
             "a key that is not a key"),
            (a, ["admit", "00" * 32, "--name", "x", "--role", "viewer"], 2,
             "64 hex digits that are no device key (no certificate is"
             " left in the log)"),
            (a, ["admit", x.key, "--name", "x", "--role", "viewer",
                 "--valid-days", "0"], 2, "zero days"),
            (a, ["admit", x.key, "--name", "x", "--role", "site", "--site",
                 net.s1, "--admits"], 2, "--admits on a site"),
            (a, ["network", "create", "--name", "again"], 4,
             "network create twice"),
            (a, ["revoke", b.key, "--after", "99"], 3,
             "a cut-off at an entry not held"),
            (a, ["revoke", a.key], 2, "revoking itself"),
        ]
        for node, args, code, what in cases_:
            before = node.snapshot()
            r = node.run(*args)
            T.check(r.rc == code and r.out == "" and r.err.startswith(
                "huzhu: "), "%s: exit %d (want %d), stderr %r"
                % (what, r.rc, code, r.err[:200]))
            T.check_eq(node.snapshot(), before, "%s: nothing changed" % what)
        # A token sealed by someone who knows b's key and certificate but
        # not the network's secret (tokens are sealed anonymously).
        import msgpack
        import nacl.bindings as nb
        import nacl.public
        cert = a.query("SELECT bytes FROM member WHERE subject = ?",
                       (bytes.fromhex(b.key),))[0][0]
        payload = msgpack.packb([1, "测试乡", cert, [], bytes(32), []],
                                use_bin_type=True)
        xpk = nb.crypto_sign_ed25519_pk_to_curve25519(bytes.fromhex(b.key))
        sealed = nacl.public.SealedBox(nacl.public.PublicKey(xpk)).encrypt(
            payload)
        import base64
        forged = "HZ1" + base64.urlsafe_b64encode(sealed).decode().rstrip("=")
        before = b.snapshot()
        r = b.run("join", forged)
        T.check(r.rc == 5 and "secret" in r.err,
                "a token with another network secret on a joined node:"
                " exit %d, %s" % (r.rc, r.err.strip()))
        T.check_eq(b.snapshot(), before, "nothing changed")
        with open(os.path.join(b.dir, "network.secret"), "rb") as f:
            T.check(f.read() == secret_of(a), "the secret file is intact")
        # Another network's token on a joined node.
        other = T.Node.create(work, "测试别网", "o")
        other.js("network", "create", "--name", "别的网")
        tok = token_of(other, b, "--name", "b", "--role", "viewer")
        before = b.snapshot()
        r = b.run("join", tok)
        T.check_eq(r.rc, 4, "a token of another network on a joined node")
        T.check_eq(b.snapshot(), before, "nothing changed")
        for n in net.all + [x, other]:
            n.run("log", "verify", expect=0)


@cases.case
def bundles_are_sealed_so_a_lost_stick_reveals_nothing():
    with T.TempDir("trustseal") as work:
        net = Network(work)
        a, b = net.a, net.b
        exchange([a, b], work, "setup", rounds=1)
        b.js("household", "add", "--head", "测试隐私户主", "--phone",
             "13800000000", "--village", "测试隐秘村")
        p = os.path.join(work, "stick.bundle")
        b.export(p)
        with open(p, "rb") as f:
            data = f.read()
        T.check(data[:8] == b"HZSEALED", "a member's bundle is sealed")
        for s in ("测试隐私户主", "13800000000", "测试隐秘村", "测试一小"):
            T.check(s.encode() not in data,
                    "the stick does not show %s" % s)
        T.check(bytes.fromhex(b.key) not in data,
                "nor even which devices wrote it")
        # Any member can import it; the spec alone opens it.
        plain = T.unseal(data, secret_of(a))
        _, entries, _ = T.parse_bundle(plain)
        T.check(len(entries) > 0, "the reader of proto/ opens it with the"
                " network secret: %d entries" % len(entries))
        st = net.c.import_(p)
        T.check(st["applied"] > 0, "another member imports it")
        # An outsider, a damaged copy, a cut one: refused, nothing changed.
        x = T.Node.create(work, "测试外人", "x")
        other = T.Node.create(work, "测试别网", "o")
        other.js("network", "create", "--name", "别的网")
        bad = bytearray(data)
        bad[len(bad) // 2] ^= 1
        pbad = T.write_file(os.path.join(work, "bad.bundle"), bytes(bad))
        pcut = T.write_file(os.path.join(work, "cut.bundle"),
                            data[:len(data) - 20])
        pnofinal = T.write_file(os.path.join(work, "nofinal.bundle"),
                                data[:len(data) - 100])
        for node, path, code, what in (
                (x, p, 5, "a node in no network"),
                (other, p, 5, "a node of another network"),
                (net.c, pbad, 5, "a flipped bit"),
                (net.c, pcut, 5, "a cut file"),
                (net.c, pnofinal, 5, "a file cut at a chunk")):
            before = node.snapshot()
            r = node.run("bundle", "import", path)
            T.check(r.rc == code and r.err.startswith("huzhu: "),
                    "%s: exit %d (want %d): %s" % (what, r.rc, code,
                                                   r.err.strip()[:120]))
            T.check_eq(node.snapshot(), before, "%s: nothing changed" % what)
        # The plain bundle was never written next to the sealed one.
        T.check_eq(sorted(os.listdir(work)).count("stick.bundle.tmp"), 0,
                   "no temporary file left")
        extra = set(os.listdir(b.dir)) - {"network.secret", "node.db",
                                          "node.db-shm", "node.db-wal",
                                          "node.key"}
        T.check_eq(extra, set(), "no plain copy in the node directory")


def refused_unchanged(node, path, what, word):
    """Import @path: exit 5, a message with @word, and @node unchanged."""
    before = node.snapshot()
    r = node.run("--lang", "en", "bundle", "import", path)
    T.check(r.rc == 5 and r.out == "" and word in r.err,
            "%s: exit %d, says %r: %s" % (what, r.rc, word,
                                          r.err.strip()[:110]))
    T.check_eq(node.snapshot(), before, "%s: nothing changed" % what)


@cases.case
def sealed_bundle_cut_at_every_boundary_is_refused():
    """A sealed bundle cut where one of its parts ends (proto/bundle.md,
    "Sealed bundles") is refused and changes nothing: after the magic, the
    header length, the header, the stream header, and before the FINAL
    chunk. So is the whole plain bundle sealed in chunks of another form
    (no FINAL one, an empty FINAL one, 1,000 bytes each), and a well
    sealed bundle whose plain bundle inside is cut at a frame boundary
    (the trailer dropped whole, among others)."""
    with T.TempDir("trustcut") as work:
        a = T.Node.create(work, "测试管理员", "a")
        net = bytes.fromhex(a.js("network", "create",
                                 "--name", "测试网")["network"])
        b = T.Node.create(work, "测试点", "b")
        b.js("join", token_of(a, b, "--name", "b", "--role", "coordinator"))
        # More than one chunk of plain text: three entries of ~28 KB.
        for i in range(3):
            a.put("households", *("%s=测试%d%s" % (c, i, "x" * 3990) for c in
                                  ("address", "cadre", "grid", "head_name",
                                   "notes", "phone", "village")))
        p = os.path.join(work, "a.bundle")
        a.export(p)
        with open(p, "rb") as f:
            data = f.read()
        ends = T.sealed_boundaries(data)
        T.check(ends[-1] == len(data) and len(ends) >= 6,
                "the sealed bundle is %d chunks, nothing after the last"
                % (len(ends) - 4))
        for at in ends[:-1]:
            refused_unchanged(b, T.write_file(os.path.join(
                work, "cut-%d" % at), data[:at]),
                "sealed bundle cut at byte %d of %d" % (at, len(data)),
                "sealed")
        # Sealed here from proto/ alone, in chunks of another form than
        # bundle.md's ("Reading a sealed bundle"): each refused, the
        # message naming the chunk. (Without a FINAL chunk nothing says
        # the file is whole; an empty FINAL chunk is not the one form.)
        secret = secret_of(a)
        plain = T.unseal(data, secret)
        for name, kw, what in [
                ("nofinal", dict(final=False), "MESSAGE chunks, no FINAL"),
                ("empty-final", dict(empty_final=True),
                 "MESSAGE chunks then an empty FINAL one"),
                ("chunk-1000", dict(chunk=1000), "chunks of 1,000 bytes")]:
            refused_unchanged(b, T.write_file(os.path.join(work, name),
                                              T.seal(plain, secret, net, **kw)),
                              "the whole plain bundle sealed in " + what,
                              "sealed chunk")
        whole = T.seal(plain, secret, net)
        frames = T.bundle_frames(plain)
        for at, word in [(8, "header")] + [(end, "trailer")
                                           for _, _, end in frames[:-1]]:
            refused_unchanged(b, T.write_file(
                os.path.join(work, "plain-cut-%d" % at),
                T.seal(plain[:at], secret, net)),
                "sealed whole, the plain bundle inside cut at byte %d of %d"
                % (at, len(plain)), word)
        st = b.import_(T.write_file(os.path.join(work, "whole"), whole))
        T.check_eq(st["applied"], len(frames) - 2,
                   "the same bundle sealed whole imports: every entry")


@cases.case
def the_root_key_is_backed_up_and_restored_on_new_hardware():
    """Losing the township laptop does not orphan the network: its root
    key comes back from a recovery code or a passphrase-sealed file, and
    the new laptop admits devices that every node accepts."""
    with T.TempDir("trustroot") as work:
        a = T.Node.create(work, "测试乡政府旧", "a")
        net = a.js("network", "create", "--name", "测试乡")["network"]
        b = T.Node.create(work, "测试点", "b")
        b.js("join", token_of(a, b, "--name", "b", "--role", "coordinator"))
        b.js("household", "add", "--head", "测试户")
        code = a.js("network", "recovery-code")["code"]
        T.check(len(code.replace("-", "")) == 55 and code.count("-") == 10,
                "a recovery code of 55 letters in groups of five")
        T.check(set(code.replace("-", "")) <=
                set("0123456789ABCDEFGHJKMNPQRSTVWXYZ"),
                "Crockford base32 only: no I, L, O or U to misread")
        pf = T.write_file(os.path.join(work, "pass"), b"measured-flood-2026\n")
        key = os.path.join(work, "root.hzkey")
        a.run("network", "backup-key", key, "--passphrase-file", pf,
              expect=0)
        with open(os.path.join(a.dir, "network.key"), "rb") as f:
            seed = f.read()
        with open(key, "rb") as f:
            data = f.read()
        T.check(data[:8] == b"HZROOT01" and seed not in data,
                "the backup file does not hold the key in the clear")
        # Refusals.
        c = T.Node.create(work, "测试新电脑甲", "c")
        wrong = T.write_file(os.path.join(work, "wrong"), b"not-the-pass\n")
        bad_code = ("Z" if code[0] != "Z" else "Y") + code[1:]
        for args, rc, what in (
                (["network", "restore", "--file", key, "--passphrase-file",
                  wrong], 5, "a wrong passphrase"),
                (["network", "restore", "--code", bad_code], 2,
                 "a recovery code with one wrong letter"),
                (["network", "restore", "--code", code[:-6]], 2,
                 "a recovery code cut short")):
            before = c.snapshot()
            r = c.run(*args)
            T.check(r.rc == rc and r.err.startswith("huzhu: "),
                    "%s: exit %d (want %d)" % (what, r.rc, rc))
            T.check_eq(c.snapshot(), before, "%s: nothing changed" % what)
        b.run("network", "recovery-code", expect=8)
        # From the code, on new hardware.
        j = c.js("network", "restore", "--code", code.lower())
        T.check_eq(j["network"], net, "the code restores the network")
        pb = os.path.join(work, "b.bundle")
        b.export(pb)
        st = c.import_(pb)
        T.check(st["applied"] > 0 and st["denied"] == 0,
                "the new laptop reads the members' sealed bundles")
        d = T.Node.create(work, "测试新设备", "d")
        d.js("join", token_of(c, d, "--name", "d", "--role", "site",
                              "--site", c.js("site", "add", "--name",
                                             "测试新点")["id"]))
        hd = d.js("household", "add", "--head", "测试新户")["id"]
        pd = os.path.join(work, "d.bundle")
        d.export(pd)
        pc = os.path.join(work, "c.bundle")
        c.export(pc)
        b.import_(pc)
        b.import_(pd)
        T.check(hd in ids_of(b, "households"),
                "a device the new laptop admitted is accepted by the others")
        # From the file, too.
        e = T.Node.create(work, "测试新电脑乙", "e")
        j = e.js("network", "restore", "--file", key, "--passphrase-file", pf)
        T.check_eq(j["network"], net, "the file restores the network")
        T.check_eq(e.status()["network_name"], "测试乡",
                   "and its name")
        roles = {m["key"]: m["role"] for m in e.js("members")["members"]}
        T.check_eq(roles.get(e.key), "admin", "the new laptop is an admin")


def sealed_epoch(path):
    """The epoch named in a sealed bundle's header."""
    import struct
    with open(path, "rb") as f:
        data = f.read()
    hl = struct.unpack(">I", data[8:12])[0]
    return T.unpack(data[12:12 + hl])[3]


@cases.case
def a_revoked_device_cannot_read_bundles_sealed_after_it():
    """DECISIONS 19: a revocation writes a new bundle key epoch sealed to
    each remaining member; bundles sealed with it are closed to the
    revoked device, open to every other member and to members admitted
    later."""
    with T.TempDir("trustepoch") as work:
        net = Network(work)
        a, b, c, k = net.a, net.b, net.c, net.k
        exchange(net.all, work, "setup", rounds=1)
        pb0 = os.path.join(work, "b0.bundle")
        b.export(pb0)
        T.check_eq(sealed_epoch(pb0), 0, "before any revocation: epoch 0")
        k.import_(pb0)
        rv = a.js("revoke", k.key)
        T.check_eq(rv["bundle_epoch"], 1, "the revocation starts epoch 1")
        pa = os.path.join(work, "a.bundle")
        a.export(pa)
        T.check_eq(sealed_epoch(pa), 1, "the admin seals with it at once")
        for n in (b, c):
            n.import_(pa)
        hb = b.js("household", "add", "--head", "测试撤销后的户")["id"]
        pb = os.path.join(work, "b1.bundle")
        b.export(pb)
        T.check_eq(sealed_epoch(pb), 1, "a member seals with epoch 1 once"
                   " it holds the admin's entry")
        st = c.import_(pb)
        T.check(hb in ids_of(c, "households"), "another member reads it")
        before = k.snapshot()
        r = k.run("bundle", "import", pb)
        T.check(r.rc == 8 and "epoch 1" in r.err,
                "the revoked device cannot: exit %d, %s" % (r.rc, r.err))
        T.check_eq(k.snapshot(), before, "and nothing changed there")
        # A device admitted after the revocation gets the key in its token.
        d = T.Node.create(work, "测试后来者", "d")
        d.js("join", token_of(a, d, "--name", "d", "--role", "viewer"))
        st = d.import_(pb)
        T.check(hb in ids_of(d, "households"),
                "a member admitted later reads it: %r" % st)


@cases.case
def secrets_stay_in_their_files():
    with T.TempDir("trustsec") as work:
        a = T.Node.create(work, "测试管理员", "a")
        a.js("network", "create", "--name", "测试网")
        for f in ("network.key", "network.secret"):
            p = os.path.join(a.dir, f)
            T.check_eq(oct(os.stat(p).st_mode & 0o777), "0o600",
                       "%s is 0600" % f)
        with open(os.path.join(a.dir, "network.key"), "rb") as f:
            root = f.read()
        with open(os.path.join(a.dir, "network.secret"), "rb") as f:
            secret = f.read()
        b = T.Node.create(work, "测试点", "b")
        r = a.run("--json", "admit", b.key, "--name", "b", "--role",
                  "viewer", env={"HUZHU_LOG": "debug"}, expect=0)
        b.run("join", r.json()["token"], env={"HUZHU_LOG": "debug"},
              expect=0)
        with open(os.path.join(b.dir, "network.secret"), "rb") as f:
            T.check_eq(f.read(), secret, "the token carried the secret")
        bk = os.path.join(work, "a.backup")
        a.run("backup", bk, expect=0)
        with open(bk, "rb") as f:
            data = f.read()
        for name, s in (("root key", root), ("secret", secret)):
            T.check(s not in data, "the backup does not hold the %s" % name)
            for hx in (s.hex(),):
                T.check(hx not in r.out + r.err,
                        "the %s is never printed" % name)
        T.check(not os.path.exists(os.path.join(b.dir, "network.key")),
                "a member does not get the root key")


@cases.case
def each_denied_write_says_why():
    """A write this device may not make says why, in the words of that
    reason and no other's: a role (viewer), no certificate yet (a node
    rekeyed, not admitted again), a revocation. The same reasons are what
    the log keeps for an entry stored denied (proto/trust.md,
    "Authorization"; cli.md, exit 8)."""
    with T.TempDir("trustwhy") as work:
        a = T.Node.create(work, "测试管理员", "a")
        a.js("network", "create", "--name", "测试网")
        v, r, k = (T.Node.create(work, name, label) for name, label in
                   (("测试观察员", "v"), ("测试换钥", "r"),
                    ("测试被吊销", "k")))
        for node, role in ((v, "viewer"), (r, "coordinator"),
                           (k, "coordinator")):
            node.js("join", token_of(a, node, "--name", node.dir[-1:],
                                     "--role", role))

        def refused(node, what, zh, en, reason):
            """@node's write exits 8 and says @zh / @en, then @reason;
            kept (HUZHU_TEST_KEEP_DENIED) it is stored with @reason."""
            for lang, text in (("zh", zh), ("en", en)):
                res = node.run("--lang", lang, "household", "add", "--head",
                               "测试不应写入", expect=8)
                T.check_eq((res.out, res.err),
                           ("", "huzhu: %s (%s)\n" % (text, reason)),
                           "%s, %s: exit 8 and the message" % (what, lang))
            row = node.run("--json", "household", "add", "--head",
                           "测试留存", env=KEEP_DENIED, expect=0).json()["id"]
            st = node.status()
            T.check(row not in ids_of(node, "households") and
                    [x["reason"] for x in st["denied"]] == [reason],
                    "%s: kept, it is denied with that reason: %r"
                    % (what, st["denied"]))

        refused(v, "a viewer's write", "本设备的角色无权进行此操作",
                "not allowed for this device's role",
                "viewer may not write households: not allowed for this"
                " device's role")

        r.key = r.js("rekey")["key"]
        refused(r, "a write under a key not admitted yet", "本设备尚无证书",
                "this device has no certificate yet",
                "no certificate for the author: author holds no"
                " certificate in effect")

        # K is revoked after its last entry, and learns it from the
        # admin's log (unsealed here: bundles sealed from now on are
        # closed to it).
        pk = os.path.join(work, "k.bundle")
        k.export(pk)
        a.import_(pk)
        cut = a.js("revoke", k.key)["after_seq"]
        pa = os.path.join(work, "a.bundle")
        a.export(pa)
        with open(pa, "rb") as f:
            plain = T.unseal(f.read(), secret_of(a), a.seed())
        k.import_(T.write_file(os.path.join(work, "a-plain.bundle"), plain))
        refused(k, "a revoked device's write", "设备已被吊销",
                "device is revoked",
                "author revoked after seq %d: author is revoked" % cut)


if __name__ == "__main__":
    cases.main()
