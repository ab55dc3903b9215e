#!/usr/bin/python3
"""`huzhu mirror`: the county mirror in a real PostgreSQL (issue 18;
DECISIONS 43; proto/cli.md, "mirror").

The test starts its own PostgreSQL (Debian's `postgresql`: initdb and
pg_ctl, found on PATH or under /usr/lib/postgresql/*/bin) in a temporary
directory, on a Unix socket and on 127.0.0.2 (a loopback address the
mirror does not count as local, for the sslmode default), as the
unprivileged user nobody when the test runs as root, and stops it at the
end of each case. Without the binaries the test FAILS, saying so:
tools/deps.sh installs them.

Three nodes with records synced by bundles (a conflict among them), two
of them mirroring into one database in turn, the third never: every
table's rows are compared with `huzhu --json ls TABLE` on each, the
views with `huzhu show`; an edit and a delete copy only their two rows
and the tombstone reads deleted with every other column null; a mirror
killed inside a batch (HUZHU_TEST_MIRROR_KILL_IN_BATCH, SIGKILL after the
batch's rows were sent, before its COMMIT) resumes to the same rows with
nothing copied twice, and so does one whose PostgreSQL server process
was killed -9 inside a batch (HUZHU_TEST_MIRROR_STALL_IN_BATCH holds the
batch open until the server is back from its crash recovery); a URL with a password, an unreachable server, an
unknown role, a held lock and the verify-full default for a non-local
host are refused with clear messages; a revocation made on another
node, taking a device's later entry back, removes its row from the
mirror once it arrives at the mirroring node."""
import glob
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402
import test_report as R  # noqa: E402  (its township, written by hand)

cases = T.Cases("mirror")

T1 = 1717200000  # 2024-06-01 00:00 UTC, the events' time
SECRET = "hunter2-not-for-logs"


def pg_bin(name):
    """A PostgreSQL server program: on PATH, else Debian's directory."""
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.access(os.path.join(d, name), os.X_OK):
            return os.path.join(d, name)
    raise T.Failure("PostgreSQL's %s is not installed (Debian: postgresql;"
                    " tools/deps.sh installs it): the mirror cannot be"
                    " tested" % name)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.2", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Postgres:
    """A PostgreSQL of the test's own in @work: superuser hz, trust
    authentication, a Unix socket in @work/pg and TCP on 127.0.0.2."""

    def __init__(self, work):
        self.dir = os.path.join(work, "pg")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.db = "postgres"
        self.as_user = []
        os.chmod(work, 0o755)
        os.mkdir(self.dir, 0o700)
        if os.geteuid() == 0:
            # initdb refuses root: the server runs as nobody
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
            self.as_user = ["runuser", "-u", "nobody", "--"]
        self.initdb, self.pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
        self.psql_bin = shutil.which("psql") or pg_bin("psql")

    def start(self):
        subprocess.run(self.as_user + [self.initdb, "-D", self.data, "-U",
                                       "hz", "--auth=trust", "-E", "UTF8",
                                       "--no-locale", "--no-sync"],
                       check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, timeout=120)
        self.run_server()

    def run_server(self):
        # fsync off: a commit still reaches the OS before it returns, so
        # an immediate stop (no OS crash) loses no committed transaction
        opts = ("-k %s -p %d -c listen_addresses=127.0.0.2 -c fsync=off"
                % (self.dir, self.port))
        subprocess.run(self.as_user + [self.pg_ctl, "-D", self.data, "-o",
                                       opts, "-l",
                                       os.path.join(self.dir, "log"), "-w",
                                       "start"],
                       check=True, stdout=subprocess.DEVNULL, timeout=120)

    def stop(self):
        if os.path.exists(os.path.join(self.data, "postmaster.pid")):
            subprocess.run(self.as_user + [self.pg_ctl, "-D", self.data,
                                           "-m", "immediate", "stop"],
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=120)

    def url(self, extra=""):
        return ("postgresql:///%s?host=%s&port=%d&user=hz%s"
                % (self.db, self.dir, self.port, extra))

    def psql(self, sql, db=None, user="hz", expect_ok=True):
        """One value (text) of one query, or "" for none; with
        expect_ok=False, the error text of a query that must fail; with
        None, "" for a query that fails."""
        p = subprocess.run([self.psql_bin, "-X", "-A", "-t", "-q", "-v",
                            "ON_ERROR_STOP=1", "-h", self.dir, "-p",
                            str(self.port), "-U", user, "-d", db or self.db,
                            "-c", sql],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=60)
        if expect_ok and p.returncode != 0:
            raise T.Failure("psql %r: %s" % (sql, p.stderr.decode()))
        if expect_ok is None:  # either: the value, or "" on failure
            return p.stdout.decode().strip() if p.returncode == 0 else ""
        if not expect_ok:
            if p.returncode == 0:
                raise T.Failure("psql %r as %s succeeded" % (sql, user))
            return p.stderr.decode()
        return p.stdout.decode().strip()

    def json(self, sql):
        return json.loads(self.psql(sql) or "null")


SERVER = []  # the one server of this run, started by the first case


class PgCase:
    """A case's temporary directory and a database of its own (@tag) in
    the run's PostgreSQL, which main() stops at the end."""

    def __init__(self, tag):
        self.tag = tag

    def __enter__(self):
        self.tmp = T.TempDir(self.tag)
        self.work = self.tmp.__enter__()
        if not SERVER:
            root = T.TempDir("mirror-pg")
            pg = Postgres(root.__enter__())
            SERVER.append((root, pg))
            pg.start()
        pg = SERVER[0][1]
        pg.db = "postgres"
        db = self.tag.replace("-", "_")
        pg.psql('DROP DATABASE IF EXISTS "%s"' % db)
        pg.psql('CREATE DATABASE "%s"' % db)
        pg.db = db
        return self.work, pg

    def __exit__(self, *exc):
        self.tmp.__exit__(*exc)
        return False


def stop_server():
    for root, pg in SERVER:
        pg.stop()
        root.__exit__(None, None, None)


def mirror(n, pg, *args, expect=0, env=None, schema=""):
    r = n.run("--json", "mirror", pg.url(schema), "--once", *args,
              expect=expect, env=env)
    return r.json() if expect == 0 else r


def mirrored_tables(pg, schema="public"):
    return [t for t in pg.psql(
        "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM"
        " information_schema.tables WHERE table_schema = '%s' AND"
        " table_type = 'BASE TABLE' AND table_name NOT LIKE 'huzhu\\_%%'"
        % schema).split(",") if t]


def rows_sql(pg, tables, network, deleted=False, schema="public"):
    """A query of the rows of each of @tables as `huzhu ls` prints them
    (ids as 32 hex, times as Unix seconds, only the columns with a
    value), as one JSON object by table name: the columns of every table
    read in one psql call, the rows in one more (pg_rows_of)."""
    types = pg.json(
        "SELECT coalesce(json_object_agg(table_name, cols), '{}') FROM"
        " (SELECT table_name, json_object_agg(column_name, data_type) AS"
        " cols FROM information_schema.columns WHERE table_schema = '%s'"
        " AND table_name IN (%s) GROUP BY table_name) c"
        % (schema, ", ".join("'%s'" % t for t in tables)))
    each = []
    for table in tables:
        parts = []
        cols = types[table]
        for name in sorted(cols):
            if name in ("network", "source_node", "source_state", "deleted"):
                continue
            expr = '"%s"' % name
            if cols[name] == "uuid":
                expr = "replace(%s::text, '-', '')" % expr
            elif cols[name].startswith("timestamp"):
                expr = "extract(epoch from %s)::bigint" % expr
            parts.append("'%s', %s" % (name, expr))
        where = "network = '%s'" % network
        if "deleted" in cols:
            where += " AND %sdeleted" % ("" if deleted else "NOT ")
        each.append(
            "'%s', (SELECT coalesce(json_agg(json_strip_nulls("
            "json_build_object(%s)) ORDER BY id), '[]') FROM \"%s\".\"%s\""
            " WHERE %s)" % (table, ", ".join(parts), schema, table, where))
    return "SELECT json_build_object(%s)" % ", ".join(each)


def pg_rows_of(pg, tables, network, deleted=False, schema="public"):
    """The rows of each of @tables, by table name (rows_sql)."""
    return pg.json(rows_sql(pg, tables, network, deleted, schema))


def pg_rows(pg, table, network, deleted=False, schema="public"):
    """The rows of @table as `huzhu ls` prints them (rows_sql)."""
    return pg_rows_of(pg, [table], network, deleted, schema)[table]


def check_same_as_ls(n, pg, network, what, schema="public"):
    tables = mirrored_tables(pg, schema)
    T.check(len(tables) >= 10, "%s: the registry's tables were made (%s)"
            % (what, ",".join(tables)))
    got = pg_rows_of(pg, tables, network, schema=schema)
    for t in tables:
        T.check_eq(got[t], n.js("ls", t),
                   "%s: %s as huzhu ls lists it" % (what, t))


# The derived views and the columns `huzhu show VIEW --json` gives.
VIEWS = {
    "occupancy": ["site", "name", "kind", "capacity", "area_m2", "present",
                  "over_capacity", "m2_per_person"],
    "stock": ["site", "site_name", "item", "item_name", "unit", "on_hand",
              "moves"],
    "received": ["household", "head_name", "item", "item_name", "unit",
                 "received", "times"],
}


def pg_view(pg, view, network):
    """The rows of the mirror's view @view of @network, as huzhu show
    prints them (ids as 32 hex, over_capacity 0 or 1, nulls left out)."""
    cols = []
    for c in VIEWS[view]:
        expr = '"%s"' % c
        if c in ("site", "item", "household"):
            expr = "replace(%s::text, '-', '')" % expr
        elif c == "over_capacity":
            expr = "%s::int" % expr
        cols.append("'%s', %s" % (c, expr))
    return sorted(pg.json(
        "SELECT coalesce(json_agg(json_strip_nulls(json_build_object(%s))),"
        " '[]') FROM \"%s\" WHERE network = '%s'"
        % (", ".join(cols), view, network)), key=json.dumps)


def node_view(n, view, unnamed=()):
    """huzhu show @view, only VIEWS' columns, nulls left out; the names
    of the rows in @unnamed (site, item or household ids the node holds
    as tombstones) left out as well: a tombstone in the mirror keeps no
    name (proto/cli.md, "The county mirror", "Views")."""
    rows = []
    for r in n.js("show", view):
        row = {c: r[c] for c in VIEWS[view] if r.get(c) is not None}
        for ref, name in (("site", "site_name"), ("item", "item_name"),
                          ("household", "head_name")):
            if row.get(ref) in unnamed:
                row.pop(name, None)
        rows.append(row)
    return sorted(rows, key=json.dumps)


def changes(n):
    """The numbers of the node's changes held (proto/storage.md, "The
    change counter"): every entity row's chg, every event row's rowid and
    every row taken away, in order."""
    tables = [r[0] for r in n.query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND"
        " (name LIKE 'e\\_%' ESCAPE '\\' OR name LIKE 'v\\_%' ESCAPE"
        " '\\')")]
    every = " UNION ALL ".join(
        ['SELECT %s FROM "%s"' % ("chg" if t.startswith("e_") else "rowid", t)
         for t in tables] + ["SELECT c FROM chg_gone"])
    return [r[0] for r in n.query("SELECT * FROM (%s) ORDER BY 1" % every)]


def counter(n):
    """The node's change counter: the last number given."""
    return n.query("SELECT v FROM meta WHERE k = 'chg'")[0][0]


def town(n):
    """A small township: sites, households, persons, an item, events."""
    site = n.put("sites", "name=测试安置点", "kind=shelter", "capacity=120",
                 "area_m2=350.5", "open=true")
    item = n.put("items", "name=棉被", "unit=条", "category=bedding")
    hh = [n.put("households", "head_name=测试户%d" % i, "village=甲村",
                "members=%d" % (i + 1), "status=home") for i in range(4)]
    persons = [n.put("persons", "name=测试人%d" % i, "household=" + hh[i % 4],
                     "birth_year=%d" % (1950 + i), "sex=female")
               for i in range(6)]
    n.out("checkin", persons[0], site, "--time", str(T1))
    n.out("stock", "receive", site, item, "40", "--from", "县民政局",
          "--time", str(T1))
    return {"site": site, "item": item, "households": hh,
            "persons": persons}


@cases.case
def three_nodes_synced_two_mirror_as_ls_shows_them_then_what_changed():
    """The issue's scenario: a, b and c write and sync (bundles: a with b,
    b with c); a mirrors, then b takes the network's mirror over; c,
    which never mirrors, holds what the mirror holds once synced."""
    with PgCase("mirror") as (work, pg):
        a = T.Node.create(work, "测试乡镇甲", "a")
        b = T.Node.create(work, "测试乡镇乙", "b")
        c = T.Node.create(work, "测试乡镇丙", "c")
        rows = town(a)
        c_hh = c.put("households", "village=测试丙村", "head_name=丙节点户主")
        c.put("persons", "name=丙节点人", "household=" + c_hh)
        T.exchange(work, a, b, same=False)
        T.exchange(work, b, c, same=False)
        b.put("persons", "name=乙节点人", "household=" + rows["households"][1])
        # a conflict: the same field written on both sides unseen
        a.put("households", "status=evacuated", id=rows["households"][2])
        b.put("households", "status=sheltered", id=rows["households"][2])
        T.exchange(work, a, b, same=False)
        T.exchange(work, b, c, same=False)
        T.exchange(work, a, b, same=False)
        T.same_state([a, b, c], "a, b and c after the exchanges")
        conflicts = a.js("conflicts")
        T.check_eq(len(conflicts), 1, "one conflict held")

        r = mirror(a, pg, "--batch", "4")
        network = r["network"]
        T.check(T.is_hex(network, 32), "the network id is 32 hex")
        T.check_eq(r["from"], 0, "a first mirror starts at 0")
        T.check(r["batches"] >= 3, "several batches of 4 (%d)" % r["batches"])
        T.check_eq(r["state_hash"], a.state_hash(), "a's state hash")
        check_same_as_ls(a, pg, network, "mirror of a")
        T.check_eq(pg.psql("SELECT count(DISTINCT source_node) || ',' ||"
                           " min(source_node) || ',' || min(source_state)"
                           " FROM households"),
                   "1,%s,%s" % (a.key, a.state_hash()),
                   "rows carry their source node and its state hash")
        got = pg.json("SELECT json_agg(json_build_object('table', \"table\","
                      " 'id', replace(id::text, '-', ''), 'column', \"column\","
                      " 'kind', kind, 'heads', jsonb_array_length(heads)))"
                      " FROM huzhu_conflicts")
        T.check_eq(got, [{"table": "households", "id": rows["households"][2],
                          "column": "status", "kind": "concurrent",
                          "heads": 2}], "the conflict in huzhu_conflicts")
        T.check_eq(pg.psql("SELECT counter || ',' || node FROM"
                           " huzhu_mirror_state"),
                   "%d,%s" % (r["to"], a.key), "the stored counter")
        T.check_eq(pg.psql("SELECT col_description('persons'::regclass,"
                           " (SELECT attnum FROM pg_attribute WHERE attrelid"
                           " = 'persons'::regclass AND attname = 'name'))"),
                   "姓名 / name", "columns commented in Chinese and English")
        T.check_eq(pg.psql("SELECT data_type FROM information_schema.columns"
                           " WHERE table_name = 'stays' AND column_name ="
                           " 'time'"),
                   "timestamp with time zone", "a time is a timestamptz")

        # nothing changed: nothing copied
        again = mirror(a, pg)
        T.check_eq((again["rows"], again["removed"], again["batches"]),
                   (0, 0, 0), "a second mirror with no change copies nothing")

        # the mirror goes to the newest view (DECISIONS 43): b, lacking
        # a's newest entry, is refused and changes nothing; once it holds
        # all a's mirror saw, it takes over
        # a name with what COPY's text format escapes (stage.c)
        a.put("items", "name=测试\\新\t物\n资\\N", "unit=个")
        mirror(a, pg)
        T.check_eq(pg.json("SELECT vector FROM huzhu_mirror_state"),
                   {x["author"]: x["seq"] for x in a.vector()["authors"]},
                   "the writer's vector stored with its counter")
        state = "SELECT row_to_json(s)::text FROM huzhu_mirror_state s"
        before = pg.psql(state)
        older = b.run("mirror", pg.url(), "--once")
        T.check_eq(older.rc, T.EXIT_BUSY, "an older view: refused, exit 6")
        T.check("本节点的数据比正在写入镜像的节点旧" in older.err,
                "says why: " + older.err)
        T.check_eq(pg.psql(state), before, "the mirror unchanged")
        T.exchange(work, a, b, same=False)

        # a writer that stays connected hands the lock to a node with a
        # newer view that asked for it
        holder = subprocess.Popen([T.HUZHU, "-d", a.dir, "mirror", pg.url()],
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=T.base_env())
        try:
            T.wait_until(lambda: pg.psql(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
                == "1", 20, "a's mirror holds the lock")
            b.put("persons", "name=乙节点新人", "household=" + rows["households"][0])
            r = b.run("mirror", pg.url(), "--once")
            T.check_eq(r.rc, T.EXIT_BUSY, "the lock held: b refused, exit 6")
            T.check_eq(pg.psql("SELECT node FROM huzhu_mirror_waiting"), b.key,
                       "b waits for the lock")
            _, held_err = holder.communicate(timeout=30)
        finally:
            if holder.poll() is None:
                T.kill9(holder)
        T.check_eq(holder.returncode, T.EXIT_BUSY, "a gave the lock up")
        T.check("视图更新的节点在等待接管" in held_err.decode(),
                "a says why: %r" % held_err.decode())

        # b takes over the network's mirror: a full copy of its rows
        rb = mirror(b, pg)
        T.check_eq(pg.psql("SELECT count(*) FROM huzhu_mirror_waiting"), "0",
                   "b waits no more")
        T.check(rb["full_copy"], "another node's mirror: a full copy")
        T.check_eq(pg_rows(pg, "persons", network), b.js("ls", "persons"),
                   "mirror of b: persons as huzhu ls lists them")
        T.check_eq(pg.psql("SELECT string_agg(DISTINCT source_node, ',')"
                           " FROM persons"), b.key, "b's rows now")

        # an edit and a delete: only their two rows
        b.put("persons", "name=测试人改", id=rows["persons"][3])
        b.out("del", "sites", rows["site"])
        r2 = mirror(b, pg)
        T.check_eq((r2["rows"], r2["removed"], r2["from"]),
                   (2, 0, rb["to"]),
                   "only the edited and the deleted rows were copied")
        check_same_as_ls(b, pg, network, "after the edit and delete")
        T.check_eq(pg_rows(pg, "sites", network, deleted=True),
                   [{"id": rows["site"]}],
                   "the tombstone: its id, deleted, every other column null")
        T.check_eq(pg.psql("SELECT deleted FROM sites"), "t", "deleted = true")

        # the derived views: merges, check-outs, corrections, tombstones
        p, hh = rows["persons"], rows["households"]
        site2 = b.put("sites", "name=二号点", "kind=shelter", "capacity=2",
                      "area_m2=10")
        item2 = b.put("items", "name=饮用水", "unit=箱")
        for person in (p[1], p[2], p[4], p[5]):
            b.out("checkin", person, site2, "--time", str(T1))
        b.out("checkout", p[2])
        b.out("merge", "persons", p[4], p[5])  # counted once
        undone = b.js("checkin", p[3], site2, "--time", str(T1))["id"]
        b.put("stays", "reverses=" + undone, "kind=in", "person=" + p[3],
              "site=" + site2, "time=%d" % T1)
        b.out("stock", "receive", site2, item2, "30", "--time", str(T1))
        b.out("stock", "distribute", site2, item2, "5", "--household", hh[0],
              "--time", str(T1))
        b.out("stock", "distribute", site2, item2, "3", "--household", hh[1],
              "--time", str(T1))
        b.out("merge", "households", hh[0], hh[1])
        wrong = b.js("stock", "distribute", site2, item2, "2", "--household",
                     hh[3], "--time", str(T1))["id"]
        b.put("stock_moves", "reverses=" + wrong, "kind=distributed",
              "site=" + site2, "item=" + item2, "qty=-2",
              "household=" + hh[3], "time=%d" % T1)
        b.out("del", "households", hh[3])
        mirror(b, pg)
        occupancy = node_view(b, "occupancy")
        T.check_eq([(r["present"], r["over_capacity"]) for r in occupancy],
                   [(2, 0)], "the scenario: two at site 2 (merged once)")
        for view in VIEWS:
            T.check_eq(pg_view(pg, view, network),
                       node_view(b, view, unnamed=(rows["site"],)),
                       "the view %s as huzhu show %s gives it" % (view, view))
        T.check_eq(pg.psql("SELECT obj_description('received'::regclass)"),
                   "各户已领取物资(同 huzhu received) / what each household"
                   " received (as huzhu received shows it)",
                   "views commented in Chinese and English")

        # a read-only role for dashboards: reads the tables and views,
        # writes nothing; a role missing, or one that could write, refused
        pg.psql("CREATE ROLE dash LOGIN")
        for role, rc, text in (("dash_missing", T.EXIT_NOTFOUND, "没有该只读角色"),
                               ("hz", T.EXIT_USAGE, "不能作只读角色"),
                               ("Dash;", T.EXIT_USAGE, "只读角色名只能由")):
            r = b.run("mirror", pg.url(), "--once", "--reader", role)
            T.check_eq(r.rc, rc, "--reader %s refused" % role)
            T.check(text in r.err, "says why: " + r.err)
        T.check_eq(pg.psql("SELECT has_schema_privilege('dash', 'public',"
                           " 'USAGE') AND has_table_privilege('dash',"
                           " 'persons', 'SELECT')"), "f",
                   "nothing granted by the refusals")
        mirror(b, pg, "--reader", "dash")
        T.check_eq(pg.psql("SELECT count(*) FROM persons", user="dash"),
                   pg.psql("SELECT count(*) FROM persons"), "dash reads")
        T.check_eq(pg.psql("SELECT sum(present) FROM occupancy", user="dash"),
                   "2", "dash reads the views")
        for sql in ("INSERT INTO sites(network, id) VALUES('x',"
                    " gen_random_uuid())", "UPDATE persons SET name = 'x'",
                    "DELETE FROM huzhu_mirror_state",
                    "CREATE TABLE public.mine(x int)"):
            T.check("permission denied" in pg.psql(sql, user="dash",
                                                   expect_ok=False),
                    "dash may not: " + sql)

        # c, which never mirrored, synced from b: its rows are the mirror's
        T.exchange(work, b, c, same=False)
        T.same_state([b, c], "c synced from b")
        check_same_as_ls(c, pg, network, "c's huzhu ls")
        for view in VIEWS:
            T.check_eq(pg_view(pg, view, network),
                       node_view(c, view, unnamed=(rows["site"],)),
                       "the view %s as huzhu show %s gives it on c"
                       % (view, view))


@cases.case
def a_mirror_killed_inside_a_batch_resumes_to_the_same_rows():
    with PgCase("mirror-kill") as (work, pg):
        a = T.Node.create(work, "测试乡镇", "a")
        town(a)
        top = counter(a)
        total = len(changes(a))
        r = a.run("--json", "mirror", pg.url(), "--once", "--batch", "3",
                  env={"HUZHU_TEST_MIRROR_KILL_IN_BATCH": "3"})
        T.check_eq(r.rc, -signal.SIGKILL, "killed inside its third batch")
        stored = int(pg.psql("SELECT counter FROM huzhu_mirror_state"))
        copied = int(pg.psql(
            "SELECT (SELECT count(*) FROM households) + (SELECT count(*) FROM"
            " persons) + (SELECT count(*) FROM sites) + (SELECT count(*) FROM"
            " items) + (SELECT count(*) FROM stays) + (SELECT count(*) FROM"
            " stock_moves)"))
        T.check_eq(copied, 6, "two batches of 3 committed, the third not")
        T.check_eq(stored, changes(a)[5], "the counter committed with them")
        r2 = mirror(a, pg, "--batch", "3")
        T.check_eq((r2["from"], r2["to"]), (stored, top), "resumed after it")
        T.check_eq(r2["rows"], total - 6, "nothing copied twice")
        check_same_as_ls(a, pg, r2["network"], "after the resume")


@cases.case
def postgresql_killed_inside_a_batch_loses_only_that_batch():
    with PgCase("mirror-pg-kill") as (work, pg):
        a = T.Node.create(work, "测试乡镇", "a")
        town(a)
        total = len(changes(a))
        go = os.path.join(work, "go")
        p = subprocess.Popen(
            [T.HUZHU, "-d", a.dir, "--json", "mirror", pg.url(), "--once",
             "--batch", "3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=T.base_env({"HUZHU_TEST_MIRROR_STALL_IN_BATCH": "2:" + go}))
        try:
            T.wait_until(lambda: pg.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name"
                " = 'huzhu mirror' AND state = 'idle in transaction'") == "1",
                30, "the mirror inside its second batch")
            # kill -9 the server process of the open transaction: the
            # postmaster ends every other one too and recovers from its
            # WAL (crash recovery), as after a crash of the server
            backend = int(pg.psql(
                "SELECT pid FROM pg_stat_activity WHERE application_name ="
                " 'huzhu mirror'"))
            os.kill(backend, signal.SIGKILL)
            T.wait_until(lambda: pg.psql("SELECT 1", expect_ok=None) == "1",
                         60, "PostgreSQL back after its crash recovery")
            T.check("terminated by signal 9" in open(os.path.join(
                pg.dir, "log"), errors="replace").read(),
                    "PostgreSQL saw the kill -9 (its log)")
            open(go, "w").close()
            out, err = p.communicate(timeout=60)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        T.check_eq(p.returncode, T.EXIT_FAIL, "its COMMIT failed: exit 1")
        T.check("PostgreSQL 执行失败" in err.decode(), "says so: %r" % err)
        T.check_eq(pg.psql("SELECT counter FROM huzhu_mirror_state"),
                   str(changes(a)[2]),
                   "the first batch's counter kept")
        r = mirror(a, pg, "--batch", "3")
        T.check_eq(r["rows"], total - 3, "the rest copied, nothing twice")
        check_same_as_ls(a, pg, r["network"], "after PostgreSQL's recovery")


@cases.case
def a_revocation_arriving_later_removes_the_revoked_rows():
    """Three nodes: k writes, the admin a revokes k after k's first
    household, and the revocation reaches the mirroring node m from a in
    a bundle after m mirrored both households."""
    with PgCase("mirror-revoke") as (work, pg):
        a = T.Node.create(work, "测试乡政府", "a")
        a.js("network", "create", "--name", "测试乡")
        k, m = (T.Node.create(work, name, tag) for name, tag in
                (("测试协调员", "k"), ("测试县镜像站", "m")))
        for node, tag in ((k, "k"), (m, "m")):
            node.js("join", a.js("admit", node.key, "--name", tag, "--role",
                                 "coordinator")["token"])
        early = k.js("household", "add", "--head", "测试撤销前")["id"]
        seq = [x["seq"] for x in k.vector()["authors"]
               if x["author"] == k.key][0]
        late = k.js("household", "add", "--head", "测试撤销后")["id"]
        T.exchange(work, a, k, same=False)
        T.exchange(work, a, m, same=False)
        r = mirror(m, pg)
        T.check_eq(sorted(x["id"] for x in pg_rows(pg, "households",
                                                  r["network"])),
                   sorted([early, late]), "both of k's households mirrored")
        rv = a.js("revoke", k.key, "--after", str(seq))
        T.check_eq(rv["withdrawn_here"], 1, "the later entry taken back")
        T.exchange(work, a, m, same=False)
        r2 = mirror(m, pg)
        T.check_eq((r2["rows"], r2["removed"]), (0, 1),
                   "the revoked row removed, nothing else copied")
        T.check_eq(pg_rows(pg, "households", r["network"]),
                   m.js("ls", "households"), "households as huzhu ls on m")
        T.check_eq([x["id"] for x in pg_rows(pg, "households",
                                             r["network"])], [early],
                   "only the household written before the cut-off")


@cases.case
def the_disaster_figures_view_is_the_report():
    """The views disaster_figures and disaster_facilities on test_report's
    township (every clause of the figures: merges, re-assessments,
    corrections, facilities, a removed household, persons with no
    village): the rows and facilities of huzhu report disaster and those
    written by hand."""
    with PgCase("mirror-report") as (work, pg):
        n = T.Node.create(work, "测试乡镇", "town", env=R.ENV)
        ids = R.town(n)
        network = mirror(n, pg)["network"]
        cols = ", ".join("'%s', %s" % (f, f) for f in ["level", "village"]
                         + R.FIGURES)
        got = pg.json(
            "SELECT json_agg(json_build_object(%s) ORDER BY level = 'township',"
            " village IS NULL, convert_to(village, 'UTF8')) FROM"
            " disaster_figures WHERE network = '%s'" % (cols, network))
        T.check_eq(got, R.disaster(n)["rows"],
                   "disaster_figures as huzhu report disaster gives them")
        T.check_eq(got, R.WANT, "and as the report's rows written by hand")
        fac = pg.json(
            "SELECT json_agg(json_build_object('village', village,"
            " 'facility', facility, 'house', house, 'rooms', rooms,"
            " 'crops_mu', crops_mu, 'loss_yuan', loss_yuan, 'time',"
            " extract(epoch FROM time)::bigint, 'damage', replace(damage::text,"
            " '-', '')) ORDER BY village IS NULL, convert_to(village, 'UTF8'),"
            " convert_to(facility, 'UTF8')) FROM disaster_facilities"
            " WHERE network = '%s'" % network)
        T.check_eq(fac, R.disaster(n)["facilities"],
                   "disaster_facilities as huzhu report disaster lists them")
        T.check_eq(fac, R.want_facilities(ids),
                   "and as the report's facilities written by hand")


def township_and_site(work):
    """A network made by the township node r, the site node d admitted to
    it as a coordinator."""
    r = T.Node.create(work, "测试乡政府", "r")
    r.js("network", "create", "--name", "测试乡")
    d = T.Node.create(work, "测试站点", "d")
    d.js("join", r.js("admit", d.key, "--name", "d", "--role",
                      "coordinator")["token"])
    return r, d


@cases.case
def serve_mirror_follows_synced_writes_and_outlives_postgresql():
    with PgCase("mirror-serve") as (work, pg):
        r, d = township_and_site(work)
        r.run("serve", "--mirror", "postgresql://hz:%s@localhost/x" % SECRET,
              expect=T.EXIT_USAGE)  # refused before serving

        def mirrored(name):
            # "": no table yet (the mirror thread connects after serve
            # says it listens), or PostgreSQL down: not yet mirrored.
            return pg.psql("SELECT count(*) FROM sites WHERE name = '%s'"
                           % name, expect_ok=None) == "1"

        s = T.Serving(r, "--mirror", pg.url())
        try:
            d.put("sites", "name=同步点甲", "kind=shelter")
            T.check(d.js("sync", s.addr)["sent"] > 0, "d synced")
            T.wait_until(lambda: mirrored("同步点甲"), 30,
                         "a write synced into serve reaches PostgreSQL")
            # PostgreSQL down: serving goes on, the mirror catches up later
            pg.stop()
            d.put("sites", "name=同步点乙", "kind=shelter")
            T.check(d.js("sync", s.addr)["sent"] > 0,
                    "serve syncs while PostgreSQL is down")
            pg.run_server()
            T.wait_until(lambda: mirrored("同步点乙"), 90,
                         "the mirror resumes once PostgreSQL is back")
        finally:
            rc, err = s.stop()
        T.check_eq(rc, 0, "serve exits 0 on SIGTERM")
        T.check_eq((err.count("镜像暂停"), err.count("镜像已恢复")), (1, 1),
                   "the pause and the recovery said once each: %r" % err)
        T.check_eq(pg_rows(pg, "sites", r.status()["network"]),
                   r.js("ls", "sites"), "sites as huzhu ls on the server")


@cases.case
def serve_mirror_names_the_new_key_after_a_rekey():
    """huzhu rekey by another process while the node serves a mirror: the
    mirror opens the node again with its new key, so the rows it copies
    next name the new key as their source, and so does the mirror's
    progress (before, they named the old key until a pass failed). The
    serving mirror grants its --mirror-reader role read access; a bad
    role name, or the option without --mirror, is refused before
    serving."""
    with PgCase("mirror-rekey") as (work, pg):
        r, d = township_and_site(work)

        def source(name):
            return pg.psql("SELECT source_node FROM sites WHERE name = '%s'"
                           % name, expect_ok=None)  # "": no table yet

        for args in (("--mirror-reader", "dash_serve"),
                     ("--mirror", pg.url(), "--mirror-reader", "Dash;")):
            refused = d.run("serve", "--http", "off", *args)
            T.check_eq(refused.rc, T.EXIT_USAGE, "serve %s refused" % (args,))
        pg.psql("CREATE ROLE dash_serve LOGIN")
        s = T.Serving(d, "--mirror", pg.url(), "--mirror-reader", "dash_serve")
        try:
            d.put("sites", "name=换钥前站点", "kind=shelter")
            T.wait_until(lambda: source("换钥前站点") != "", 30,
                         "a write reaches PostgreSQL")
            T.check_eq(source("换钥前站点"), d.key, "named by the old key")
            new = d.js("rekey")["key"]
            T.check(new != d.key, "a new key")
            d.js("join", r.js("admit", new, "--name", "d2", "--role",
                              "coordinator")["token"])
            d.put("sites", "name=换钥后站点", "kind=shelter")
            T.wait_until(lambda: source("换钥后站点") != "", 30,
                         "a write after the rekey reaches PostgreSQL")
            T.check_eq(source("换钥后站点"), new, "named by the new key")
            T.check_eq(pg.psql("SELECT node FROM huzhu_mirror_state"), new,
                       "the mirror's progress names the new key")
            T.check_eq(pg.psql("SELECT count(*) FROM sites", user="dash_serve"),
                       "2", "the reader role reads what serve mirrored")
            T.check("permission denied" in pg.psql(
                "DELETE FROM sites", user="dash_serve", expect_ok=False),
                "and may not write")
        finally:
            rc, _ = s.stop()
        T.check_eq(rc, 0, "serve exits 0 on SIGTERM")


@cases.case
def refusals_say_why_and_never_show_the_password():
    with PgCase("mirror-refuse") as (work, pg):
        a = T.Node.create(work, "测试乡镇", "a")
        a.put("sites", "name=测试点", "kind=shelter")
        before = a.snapshot()
        for url in ("postgresql://hz:%s@localhost/postgres" % SECRET,
                    "postgresql:///postgres?user=hz&password=%s" % SECRET):
            r = a.run("mirror", url, "--once")
            T.check_eq(r.rc, T.EXIT_USAGE, "a password in the URL: exit 2")
            T.check("地址中不得含密码" in r.err, "says why (zh): " + r.err)
            T.check(SECRET not in r.err + r.out, "the password never shown")
        r = a.run("--lang", "en", "mirror", url, "--once")
        T.check("must not carry a password" in r.err, "en: " + r.err)

        r = a.run("mirror", "postgresql:///postgres?host=%s&user=hz"
                  % os.path.join(work, "nothing-here"), "--once")
        T.check_eq(r.rc, T.EXIT_FAIL, "no server: exit 1")
        T.check("无法连接 PostgreSQL 服务器" in r.err, "unreachable: " + r.err)

        r = a.run("mirror", pg.url().replace("user=hz", "user=nobody_here"),
                  "--once")
        T.check_eq(r.rc, 8, "a role the server refuses: exit 8")
        T.check("PostgreSQL 拒绝登录" in r.err, "auth failure: " + r.err)

        # a non-local host gets sslmode=verify-full: this server has no TLS
        tcp = "postgresql://hz@127.0.0.2:%d/%s" % (pg.port, pg.db)
        r = a.run("mirror", tcp, "--once")
        T.check_eq(r.rc, T.EXIT_FAIL, "verify-full by default: refused")
        T.check("SSL" in r.err or "ssl" in r.err, "says SSL: " + r.err)
        a.run("mirror", tcp + "?sslmode=disable", "--once", expect=0)

        # another holds the network's lock
        network = a.status()["network"]
        holder = subprocess.Popen(
            [pg.psql_bin, "-X", "-q", "-h", pg.dir, "-p", str(pg.port), "-U",
             "hz", "-d", pg.db, "-c",
             "SELECT pg_advisory_lock(hashtextextended('huzhu mirror ' ||"
             " '%s', 0)); SELECT pg_sleep(60)" % network],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            T.wait_until(lambda: pg.psql("SELECT count(*) FROM pg_locks WHERE"
                                         " locktype = 'advisory'") == "1",
                         20, "the lock held by another session")
            r = a.run("mirror", pg.url(), "--once")
            T.check_eq(r.rc, T.EXIT_BUSY, "lock held: exit 6")
            T.check("另一个节点正在写入本网络的镜像" in r.err, "says so: " + r.err)
        finally:
            holder.kill()
            holder.wait()
        after = a.snapshot()
        T.check_eq(after, before, "the node is unchanged by all of it")


@cases.case
def a_schema_of_the_url_and_a_newer_column_keep_the_data():
    with PgCase("mirror-schema") as (work, pg):
        a = T.Node.create(work, "测试乡镇", "a")
        town(a)
        r = mirror(a, pg, schema="&schema=county")
        check_same_as_ls(a, pg, r["network"], "schema county", "county")
        T.check_eq(mirrored_tables(pg, "public"), [], "nothing in public")
        # a column the next schema drops (simulated): kept, not dropped;
        # a column missing (an older mirror; the view occupancy with it):
        # added again
        pg.psql("ALTER TABLE county.sites ADD COLUMN old_note text;"
                " UPDATE county.sites SET old_note = 'kept';"
                " ALTER TABLE county.sites DROP COLUMN capacity CASCADE")
        a.put("sites", "name=新安置点", "kind=shelter", "capacity=9")
        mirror(a, pg, schema="&schema=county")
        T.check_eq(pg.psql("SELECT count(*) FROM county.sites WHERE old_note"
                           " = 'kept'"), "1", "the old column's data kept")
        T.check_eq(pg.psql("SELECT capacity FROM county.sites WHERE name ="
                           " '新安置点'"), "9", "the missing column added")
        T.check_eq(pg.psql("SELECT capacity FROM county.occupancy WHERE name"
                           " = '新安置点'"), "9", "the view made again")

        # without --once: a pass every second until SIGTERM
        p = subprocess.Popen([T.HUZHU, "-d", a.dir, "--json", "mirror",
                              pg.url("&schema=county")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=T.base_env())
        try:
            a.put("sites", "name=跟随安置点", "kind=shelter")
            T.wait_until(lambda: pg.psql("SELECT count(*) FROM county.sites"
                                         " WHERE name = '跟随安置点'") == "1",
                         20, "a write followed into the mirror")
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=20)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        T.check_eq(p.returncode, 0, "SIGTERM ends it with exit 0 (%r)" % err)
        T.check(all("rows" in json.loads(line)
                    for line in out.decode().splitlines()),
                "one JSON line per pass that copied")
        T.check_eq(pg.psql("SELECT count(*) FROM county.sites"), "3",
                   "every site followed")


if __name__ == "__main__":
    try:
        cases.main()
    finally:
        stop_server()
