#!/usr/bin/python3
"""Live sync with the real program over loopback (issue 12, proto/sync.md).

A root node serves; members admitted by it sync with `huzhu sync` and
reach the same state hash, a third member's entries travel through the
server; a node in no network is told how to make one; a node of another
network and a revoked member are refused and change nothing; a second
serve on the same node is refused; SIGTERM stops serve cleanly (exit 0).
Three serving nodes in a line a-b-c, a and c with b as their configured
peer, converge through b with no sync command, keep up with writes made
later by other processes (a write on a reaches c within seconds), and
show their peers in status; a peer removed is no longer dialled; a peer
added while serve runs is dialled without a restart, and one that cannot
be reached says why. Traffic goes only to 127.0.0.1."""
import os
import re
import select
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


# faketime(1) for the clock cases: the wall clock only (libuv's timers
# run on the monotonic clock; DECISIONS 29), in UTC.
FAKE = {"FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"}


def stamp(days):
    """A faketime timestamp @days from now (negative: before)."""
    return time.strftime("%Y-%m-%d %H:%M:%S",
                         time.gmtime(time.time() + days * 86400))


def Serving(node, faketime=None):
    """`huzhu serve` of @node (T.Serving), its wall clock at @faketime when
    given: libfaketime preloaded into serve itself (faketime(1) would
    stand between us and serve, and not pass SIGTERM on)."""
    env = None
    if faketime is not None:
        env = T.faketime_env(faketime, dict(FAKE, **(node.env or {})))
    return T.Serving(node, env=env)


def rows(node, village, n):
    for _ in range(n):
        node.put("households", "village=" + village)


def root_and_members(work, names, tags):
    """A network's root and two members it admitted ("乙站", "丙站"), with
    5, 4 and 3 rows of their own."""
    r = T.Node.create(work, names[0], tags[0])
    r.js("network", "create", "--name", "测试网")
    d = T.Node.create(work, names[1], tags[1])
    e = T.Node.create(work, names[2], tags[2])
    admitted(r, d, "乙站")
    admitted(r, e, "丙站")
    rows(r, "测试村甲", 5)
    rows(d, "测试村乙", 4)
    rows(e, "测试村丙", 3)
    return r, d, e


@cases.case
def a_sync_that_outlasts_the_round_interval_still_ends():
    """A one-shot sync longer than HZ_ROUND_MS (5 min; here 1 ms, by
    HUZHU_TEST_ROUND_MS) has later vector rounds of its own out when it
    catches up: it waits for their answer, then sends its closing round,
    and ends with exit 0 (a full sync of 1,000,000 entries failed with
    "a vector round while the last is unanswered")."""
    with T.TempDir("live-sync-rounds") as work:
        r, d, _ = root_and_members(
            work, ("测试根节点", "测试节点乙", "测试节点丙"), "rdx")
        fast = {"HUZHU_TEST_ROUND_MS": "1"}
        for n in (r, d):
            n.env = dict(n.env or {}, **fast)
        rows(r, "测试村甲", 20)
        s = Serving(r)
        try:
            for i in range(5):
                rows(d, "测试村乙%d" % i, 2)
                j = d.js("sync", s.addr)
                T.check_eq(d.state_hash(), r.state_hash(),
                           "sync %d with rounds every 1 ms: d and r agree"
                           % (i + 1))
            T.check(j["peer"] == r.key, "and every sync ended well")
        finally:
            rc, _ = s.stop()
        T.check_eq(rc, 0, "serve exits 0 on SIGTERM")


@cases.case
def members_converge_through_a_serving_node():
    with T.TempDir("live-sync") as work:
        r, d, e = root_and_members(
            work, ("测试根节点", "测试节点乙", "测试节点丙"), "rde")
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
            second = r.run("serve", "--listen", "127.0.0.1:0", "--http", "off")
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
            T.check(res.rc == T.EXIT_REFUSED and "network create" in res.err
                    and "尚未加入任何网络" in res.err,
                    "a node in no network is told so and how to make one"
                    " (%r)" % res.err)
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
        res = lone.run("--lang", "en", "serve", "--listen", "127.0.0.1:0",
                       "--http", "off")
        T.check(res.rc == T.EXIT_REFUSED and "in no network" in res.err,
                "serve in no network says so (%r)" % res.err)


def serving_line(work):
    """b (root) between a and c, each serving; a and c dial b."""
    b, a, c = root_and_members(work, ("测试中间站", "测试甲站", "测试丙站"),
                               "bac")
    sb = Serving(b)
    for x in (a, c):
        j = x.js("peer", "add", sb.addr)
        T.check(j["added"], "peer add takes b's address")
    j = a.js("peer", "add", sb.addr)
    T.check(not j["added"], "adding it twice changes nothing")
    return a, b, c, sb


def agree(nodes, timeout, what):
    return T.wait_until(
        lambda: len({x.state_hash() for x in nodes}) == 1, timeout, what)


@cases.case
def serving_nodes_in_a_line_converge_and_keep_up():
    with T.TempDir("live-sync-line") as work:
        a, b, c, sb = serving_line(work)
        sa = sc = None
        try:
            sa, sc = Serving(a), Serving(c)
            agree((a, b, c), 30, "a, b and c to converge through b")
            T.check(True, "a, b and c converge with no sync command")
            # A write on a, by another process, reaches c through b.
            t0 = time.monotonic()
            a.put("households", "village=测试村甲")
            agree((a, c), 10, "a's new row to reach c")
            took = time.monotonic() - t0
            T.check(took < 5, "a write on a reaches c in %.2f s" % took)
            c.put("households", "village=测试村丙")
            agree((a, b, c), 10, "c's new row to reach a")
            st = a.js("status")
            T.check(st["serving"], "status says a serve is running")
            T.check_eq([p["address"] for p in st["peers"]], [sb.addr],
                       "a's configured peer is b")
            T.check_eq(st["peers"][0]["key"], b.key, "and it proved b's key")
            ct = [x for x in st["contacts"] if x["key"] == b.key]
            T.check(len(ct) == 1 and ct[0]["connected"] and
                    ct[0]["found"] == "configured" and
                    ct[0]["last_sync_ms"] is not None,
                    "b is connected and synced (%s)" % ct)
            T.check(T.wait_until(
                lambda: [x for x in a.js("status")["contacts"]
                         if x["key"] == b.key][0]["sent"] >= 4, 10,
                "a's sent count to include its rows"), "a counts what it sent")
            sb_status = b.js("status")
            names = {x["name"] for x in sb_status["contacts"]}
            T.check(names == {"乙站", "丙站"},
                    "b lists a and c by their names (%s)" % names)
            T.check(all(not x["found"] == "configured"
                        for x in sb_status["contacts"]),
                    "b says they dialled in")
            text = a.out("peer", "ls")
            T.check(sb.addr in text and "已连接" in text,
                    "peer ls shows b connected")
            # Removed: a stops dialling b; its rows no longer arrive.
            a.js("peer", "rm", sb.addr)
            T.wait_until(lambda: not [x for x in a.js("status")["contacts"]
                                      if x["connected"]], 10,
                         "a's session with b to close")
            T.check_eq(a.js("peer", "ls")["peers"], [], "a has no peers")
            before = a.state_hash()
            b.put("households", "village=测试村乙")
            agree((b, c), 10, "b's row to reach c")
            time.sleep(1.5)
            T.check_eq(a.state_hash(), before, "a, without peers, is left out")
            res = a.run("peer", "rm", sb.addr)
            T.check_eq(res.rc, T.EXIT_NOTFOUND, "removing it again: not found")
            # Added back while serving: dialled without a restart.
            a.js("peer", "add", sb.addr)
            agree((a, b, c), 10, "a to catch up once b is its peer again")
            T.check(True, "a peer added to a running serve is dialled")
            # A peer nobody answers at: tried, and the reason is shown.
            a.js("peer", "add", "127.0.0.1:9")
            T.wait_until(lambda: [p for p in a.js("peer", "ls")["peers"]
                                  if p["address"] == "127.0.0.1:9" and
                                  p["last_error"]], 10,
                         "the unreachable peer's error")
            T.check(True, "an unreachable peer says why")
            res = a.run("peer", "add", "not-an-address")
            T.check(res.rc == T.EXIT_USAGE and "ADDR:PORT" in res.err,
                    "a bad address is refused (%d %r)" % (res.rc, res.err))
            T.check(all(p["address"] != "not-an-address"
                        for p in a.js("peer", "ls")["peers"]),
                    "and not kept")
        finally:
            for s in (sa, sb, sc):
                if s is not None:
                    rc, err = s.stop()
                    T.check_eq(rc, 0, "serve exits 0 on SIGTERM")
        T.check(not a.js("status")["serving"], "no serve runs afterwards")


@cases.case
def a_node_with_two_peers_applies_each_entry_once():
    """c dials d and e at once, and both hold the same entries: c takes
    them from both sessions together, applies each once (what its
    sessions applied adds up to exactly what it gained) and converges."""
    with T.TempDir("live-sync-two-peers") as work:
        r, d, e = root_and_members(work, ("测试根站", "测试乙站", "测试丙站"),
                                   "rde")
        # 300 households with their persons and events on d, one user
        # action an entry (about 1,800 entries: enough that both of c's
        # sessions are still sending when the other opens).
        fill = os.path.join(os.path.dirname(T.HUZHU), "tools", "bench",
                            "hz_bench_sync_fill")
        T.check(os.access(fill, os.X_OK), "the build has %s" % fill)
        subprocess.run([fill, d.dir, "--households", "300"], check=True,
                       stdout=subprocess.DEVNULL, timeout=300)
        c = T.Node.create(work, "测试丁站", "c")
        admitted(r, c, "丁站")
        served = []
        try:
            sr = Serving(r)
            for x in (d, e, d):  # d again: e's rows, given r after d came
                x.js("sync", sr.addr)
            rc, _ = sr.stop()
            T.check_eq(rc, 0, "r's serve exits 0")
            T.check_eq(d.js("vector"), e.js("vector"),
                       "d and e hold the same entries")
            want = d.js("status")["entries"]["total"]
            before = c.js("status")["entries"]["total"]
            served += [Serving(d), Serving(e)]
            for s in served:
                c.js("peer", "add", s.addr)
            sc = Serving(c)
            served.append(sc)
            agree((c, d, e), 60, "c to converge with d and e")
            T.wait_until(lambda: sum(x["connected"] for x in
                                     c.js("status")["contacts"]) == 2, 10,
                         "c to be in session with both")
            served.remove(sc)
            rc, err = sc.stop()
            T.check_eq(rc, 0, "c's serve exits 0")
            got = [tuple(int(v) for v in m) for m in re.findall(
                r"(?:收到|received) (\d+) \((?:新应用|applied) (\d+)\)",
                err)]
            T.check_eq(len(got), 2, "c's serve ended two sessions (%s)"
                       % err.strip()[-300:])
            received = sum(g[0] for g in got)
            applied = sum(g[1] for g in got)
            st = c.js("status")["entries"]
            T.check_eq(st["applied"], st["total"], "all of c's entries are"
                       " applied")
            gained = st["total"] - before
            T.check_eq(gained, want, "c gained every entry d and e hold")
            T.check_eq(applied, gained,
                       "c's two sessions applied %d entries between them,"
                       " exactly the %d it gained (received %d)"
                       % (applied, gained, received))
        finally:
            for s in served:
                rc, _ = s.stop()
                T.check_eq(rc, 0, "serve exits 0 on SIGTERM")


def established(ports):
    """TCP connections established to one of @ports on 127.0.0.1, as
    /proc/net/tcp lists them (one line per socket end: counted by the end
    whose local port is the listener's)."""
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            local, state = cols[1], cols[3]
            if state == "01" and int(local.split(":")[1], 16) in ports:
                n += 1
    return n


@cases.case
def two_nodes_that_dial_each_other_keep_one_session():
    with T.TempDir("live-sync-pair") as work:
        b, a, _ = root_and_members(work, ("测试根站", "测试甲站", "测试丙站"),
                                   "bac")
        sa, sb = Serving(a), Serving(b)
        ports = {int(x.addr.rsplit(":", 1)[1]) for x in (sa, sb)}
        errs = {}
        try:
            a.js("peer", "add", sb.addr)
            b.js("peer", "add", sa.addr)
            agree((a, b), 30, "a and b to converge")
            T.check(True, "a and b, each the other's peer, converge")
            T.wait_until(lambda: established(ports) == 1, 15,
                         "one connection between a and b")
            # Not dialled again while the session lasts (a dial every
            # second would show here), and it keeps both up to date.
            samples = []
            for i in range(6):
                time.sleep(0.5)
                samples.append(established(ports))
            T.check_eq(samples, [1] * 6,
                       "one connection, sampled every 0.5 s for 3 s")
            a.put("households", "village=测试村甲")
            agree((a, b), 10, "a's new row to reach b")
            b.put("households", "village=测试村乙")
            agree((a, b), 10, "b's new row to reach a")
            T.check(True, "writes on either side reach the other")
            for x, y in ((a, b), (b, a)):
                ct = [c for c in x.js("status")["contacts"]
                      if c["key"] == y.key]
                T.check(len(ct) == 1 and ct[0]["connected"],
                        "%s shows %s connected (%s)" % (x.dir, y.dir, ct))
        finally:
            for name, srv in (("a", sa), ("b", sb)):
                rc, errs[name] = srv.stop()
                T.check_eq(rc, 0, "serve %s exits 0 on SIGTERM" % name)
        # The node with the larger key gave its own dial up, once.
        larger = "a" if a.key > b.key else "b"
        smaller = "b" if larger == "a" else "a"
        said = {k: v.count("one per pair") for k, v in errs.items()}
        T.check(said[larger] == 1 and said[smaller] == 0,
                "only the larger key's node closed its second session,"
                " once (%s)" % said)


@cases.case
def a_serving_node_rekeyed_by_another_process_serves_with_its_new_key():
    """huzhu rekey while the node serves: within a second serve ends its
    sessions and serves again with a handle of the new key, so the next
    handshake proves the new key (before, serve went on proving the old
    one until it was restarted)."""
    with T.TempDir("live-sync-rekey") as work:
        r, d, e = root_and_members(
            work, ("测试根节点", "测试节点乙", "测试节点丙"), "rde")
        s = Serving(e)
        try:
            T.check_eq(d.js("sync", s.addr)["peer"], e.key,
                       "before: the handshake proves e's key")
            rk = e.js("rekey")
            T.check(rk["key"] != e.key, "a new key")
            e.key = rk["key"]
            admitted(r, e, "丙站新钥")
            ready, _, _ = select.select([s.p.stdout], [], [], 20)
            line = s.p.stdout.readline().decode() if ready else ""
            T.check(line.startswith("{\"listening\":\"127.0.0.1:"),
                    "serve listens again by itself (%r)" % line)
            addr = line.split("\"")[3] if line else s.addr
            j = d.js("sync", addr)
            T.check_eq(j["peer"], rk["key"],
                       "after: the handshake proves the new key")
            T.check_eq(d.state_hash(), e.state_hash(), "and they agree")
        finally:
            rc, err = s.stop()
            T.check_eq(rc, 0, "serve exits 0")
            T.check("serving again" in err or "重新开始同步" in err,
                    "serve says why it served again")


@cases.case
def a_rekeyed_serve_waits_for_the_new_keys_certificate():
    """huzhu rekey while the node serves, and the admin's certificate for
    the new key arrives only after serve noticed: serve waits for it and
    then serves with the new key (it exited with 'denied' before)."""
    with T.TempDir("live-sync-rekey-wait") as work:
        r, d, e = root_and_members(
            work, ("测试根节点", "测试节点乙", "测试节点丙"), "rde")
        s = Serving(e)
        try:
            rk = e.js("rekey")
            e.key = rk["key"]
            time.sleep(2.5)  # serve looks every second: it has noticed
            T.check(s.p.poll() is None, "serve still runs without the"
                    " new key's certificate")
            admitted(r, e, "丙站新钥")
            ready, _, _ = select.select([s.p.stdout], [], [], 20)
            line = s.p.stdout.readline().decode() if ready else ""
            T.check(line.startswith("{\"listening\":\"127.0.0.1:"),
                    "serve listens again once admitted (%r)" % line)
            addr = line.split("\"")[3] if line else s.addr
            j = d.js("sync", addr)
            T.check_eq(j["peer"], rk["key"], "the handshake proves the new"
                       " key")
            T.check_eq(d.state_hash(), e.state_hash(), "and they agree")
        finally:
            rc, err = s.stop()
            T.check_eq(rc, 0, "serve exits 0")
            T.check("no certificate yet" in err or "尚无有效证书" in err,
                    "serve said what it waited for (%s)" % err[-300:])


Y1970 = "1970-01-02 00:00:00"


def synced(server, server_time, client, client_time, what):
    """@client syncs with @server serving, each at its faketime (None:
    the real clock): both end with one state hash."""
    s = Serving(server, faketime=server_time)
    try:
        res = client.run("--json", "sync", s.addr, faketime=client_time,
                         env=FAKE)
        T.check(res.rc == 0 and client.state_hash() == server.state_hash(),
                "%s (%d %s)" % (what, res.rc, res.err.strip()))
    finally:
        T.check_eq(s.stop()[0], 0, "serve exits 0")


@cases.case
def certificates_are_judged_at_the_trusted_time_over_sockets():
    """DECISIONS 18 and 29 with faketime over real sockets: a Pi at 1970
    dials and serves; a network whose admin's clock says 1970 syncs; a
    serve whose clock runs past a member's certificate refuses it naming
    its clock; a certificate that ended before the floor is expired for
    every honest clock; refusals change nothing."""
    if T.SANITIZED:
        raise T.NotHere("libfaketime's LD_PRELOAD deadlocks a sanitized"
                        " process at start-up (ASan's allocator, called"
                        " from libfaketime's constructor); the plain pass"
                        " of tools/test.sh runs this case")
    with T.TempDir("live-sync-clocks") as work:
        r, d, e = root_and_members(
            work, ("测试根节点", "测试节点乙", "测试节点丙"), "rde")
        f = T.Node.create(work, "测试短期节点", "f")
        tok = r.js("admit", f.key, "--name", "短期站", "--role",
                   "coordinator", "--valid-days", "1")["token"]
        f.js("join", tok)
        rows(f, "测试村丁", 2)
        synced(r, None, d, Y1970, "a Pi at 1970 dials a serve and syncs")
        synced(r, Y1970, e, None, "a serve at 1970 lets members in: the"
               " floor is the newest issue time")
        # r's clock three days on: f's day is over by r's clock alone.
        s = Serving(r, faketime=stamp(3))
        try:
            before = r.snapshot()
            res = f.run("sync", s.addr)
            T.check(res.rc != 0, "f is refused by a serve whose clock is"
                    " past f's certificate (%d)" % res.rc)
            T.check_eq(r.snapshot(), before, "and nothing changed")
        finally:
            rc, err = s.stop()
        T.check(rc == 0 and "clock" in err,
                "the serve names its clock as the cause (%r)" % err[-300:])
        # An admission dated three days on (an admin's clock ahead, less
        # than 30 days: it counts) moves the floor past f's end: expired
        # for every honest clock, the correct one too.
        g = T.Node.create(work, "测试新节点", "g")
        tok = r.run("--json", "admit", g.key, "--name", "新站", "--role",
                    "coordinator", faketime=stamp(3), env=FAKE,
                    expect=0).json()["token"]
        g.js("join", tok)
        s = Serving(r)
        try:
            before = r.snapshot()
            res = f.run("sync", s.addr)
            T.check(res.rc != 0, "f is refused at the correct time too")
            T.check_eq(r.snapshot(), before, "and nothing changed")
            res = g.run("--json", "sync", s.addr)
            T.check_eq(res.rc, 0, "the member admitted ahead syncs")
        finally:
            rc, err = s.stop()
        T.check(rc == 0 and "expired" in err,
                "the serve says f's certificate expired (%r)" % err[-300:])
    with T.TempDir("live-sync-1970") as work:
        # A network made and admitted on Pis at 1970, all serving and
        # syncing at 1970.
        a = T.Node.create(work, "测试无时钟根", "a", faketime=Y1970,
                          env=FAKE)
        a.js("network", "create", "--name", "测试网")
        b = T.Node.create(work, "测试无时钟站", "b", faketime=Y1970,
                          env=FAKE)
        tok = a.js("admit", b.key, "--name", "无时钟站", "--role",
                   "coordinator")["token"]
        b.js("join", tok)
        rows(a, "测试村甲", 2)
        rows(b, "测试村乙", 2)
        synced(a, Y1970, b, None,
               "members admitted by an admin at 1970 sync at 1970")


if __name__ == "__main__":
    cases.main()
