#!/usr/bin/python3
"""The web interface's server and API (issue 13; proto/api.md; DECISIONS
37, 38), driven over real sockets on loopback against `huzhu serve`.

Every refusal is checked to have written nothing: the node's entry count
(`huzhu status`) and the rows of the table touched are the same before
and after. Accounts are made with `huzhu user add`, the password on
standard input, as a script would."""
import http.client
import io
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("web")
PW = "测试密码-secret-1"


class Web:
    """`huzhu serve` with its web interface on @http (sync on loopback);
    the URLs and fingerprint it printed."""

    def __init__(self, node, http="127.0.0.1:0", extra=(), env=None):
        self.node = node
        cmd = [T.HUZHU, "-d", node.dir, "--json", "serve", "--listen",
               "127.0.0.1:0", "--http", http, *extra]
        e = T.base_env()
        e.update(env or {})
        self.p = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  env=e)
        T.PROCESSES[0] += 1
        first = self.p.stdout.readline().decode()
        T.check(first.startswith("{\"listening\":"),
                "serve says where it listens (%r)" % first)
        self.waiting = json.loads(first).get("waiting_for_network", False)
        web = json.loads(self.p.stdout.readline().decode())
        self.urls = web["web"]
        self.fingerprint = web.get("fingerprint")
        url = self.urls[-1]
        self.tls = url.startswith("https://")
        self.port = int(url.rsplit(":", 1)[1].strip("/"))

    def conn(self):
        if self.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port,
                                               context=ctx, timeout=20)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)

    def stop(self):
        """SIGTERM: serve ends the web's requests and streams and exits 0
        (a sanitizer's leak report would make it fail)."""
        self.p.terminate()
        try:
            rc = self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            rc = "hung"
        err = self.p.stderr.read().decode("utf-8", "replace")
        self.p.stdout.close()
        self.p.stderr.close()
        T.check(rc == 0, "serve with the web exits 0 at SIGTERM (%s): %s"
                % (rc, err[-2000:]))


class Client:
    """One browser: its cookie and CSRF token."""

    def __init__(self, web):
        self.web = web
        self.cookie = None
        self.csrf = None
        self.set_cookie = None

    def req(self, method, path, body=None, raw=None, headers=None,
            csrf=True, ctype="application/json"):
        c = self.web.conn()
        h = dict(headers or {})
        if self.cookie:
            h["Cookie"] = self.cookie
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None and ctype is not None:
            h["Content-Type"] = ctype
        if method != "GET" and csrf and self.csrf:
            h["X-CSRF-Token"] = self.csrf
        c.request(method, path, body=data, headers=h)
        r = c.getresponse()
        text = r.read()
        self.set_cookie = r.getheader("Set-Cookie")
        status, hdrs = r.status, dict(r.getheaders())
        c.close()
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        return status, js, hdrs, text

    def login(self, name, pw, expect=200):
        s, js, h, _ = self.req("POST", "/api/login",
                               {"name": name, "password": pw})
        T.check_eq(s, expect, "login of %s" % name)
        if s == 200:
            self.cookie = self.set_cookie.split(";")[0]
            self.csrf = js["csrf"]
        return s, js, h


def logged_in(web, *names):
    """A client of @web logged in as each account named (password PW)."""
    out = []
    for name in names:
        c = Client(web)
        c.login(name, PW)
        out.append(c)
    return out


def entries(node):
    return node.js("status")["entries"]


def user_add(node, name, role, site=None, pw=PW):
    args = ["user", "add", name, "--role", role]
    if site:
        args += ["--site", site]
    node.run(*args, input=pw + "\n", expect=0)


def setup(work):
    """A network's admin node with a shelter, a warehouse and accounts of
    every role."""
    n = T.Node.create(work, "测试乡镇", "town")
    n.js("network", "create", "--name", "测试网络")
    s1 = n.out("site", "add", "--name", "测试小学", "--kind", "shelter",
               "--capacity", "2", "--area", "7")
    s2 = n.out("site", "add", "--name", "测试仓库", "--kind", "warehouse")
    user_add(n, "管理员", "admin")
    user_add(n, "site1", "site", s1)
    user_add(n, "viewer1", "viewer")
    return n, s1, s2


def refused(client, node, method, path, body, status, code, what,
            table=None, **kw):
    """@method @path is refused with @status and error @code, and nothing
    is written."""
    before = entries(node)
    rows = node.js("ls", table) if table else None
    s, js, _, _ = client.req(method, path, body, **kw)
    got = (js or {}).get("error", {}).get("code")
    T.check(s == status and got == code,
            "%s: %d %s (want %d %s)" % (what, s, got, status, code))
    err = js["error"]
    T.check(err.get("zh") and err.get("en"),
            "%s: the message in Chinese and English" % what)
    T.check_eq(entries(node), before, "%s: no entry written" % what)
    if table:
        T.check_eq(node.js("ls", table), rows, "%s: %s unchanged" % (what,
                                                                     table))
    return js


@cases.case
def accounts_from_the_command_line():
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        ls = n.js("user", "ls")
        T.check_eq([(a["name"], a["role"], a["site"]) for a in ls],
                   [("site1", "site", s1), ("viewer1", "viewer", None),
                    ("管理员", "admin", None)],
                   "user ls: names, roles, the site account's site")
        T.check(all("hash" not in a for a in ls), "no hash is ever listed")
        stored = n.query("SELECT hash FROM account WHERE name = 'viewer1'")
        T.check(stored[0][0].startswith("$argon2id$v=19$m=32768,t=2,p=1$"),
                "Argon2id, 32 MiB, 2 passes (DECISIONS 38)")
        T.check(PW not in open(os.path.join(n.dir, "node.db"), "rb")
                .read().decode("latin-1"), "the password is not stored")
        for args, pw, code, what in (
                (["x", "--role", "viewer"], "short", 2, "a password of 5 bytes"),
                (["x", "--role", "chief"], PW, 2, "an unknown role"),
                (["x", "--role", "site"], PW, 2, "a site account with no site"),
                (["x", "--role", "admin", "--site", s1], PW, 2,
                 "--site on another role"),
                (["x", "--role", "site", "--site", "0" * 32], PW, 3,
                 "a site the node does not hold"),
                (["viewer1", "--role", "viewer"], PW, 4, "a name in use"),
                ([" x", "--role", "viewer"], PW, 2, "a name with a space"
                 " first")):
            r = n.run("user", "add", *args, input=pw + "\n")
            T.check_eq(r.rc, code, "user add refuses " + what)
        r = n.run("user", "add", "y", "--role", "viewer")
        T.check(r.rc == 2 and r.err.strip(),
                "user add with no terminal and nothing on stdin: exit 2")
        T.check_eq(len(n.js("user", "ls")), 3, "nothing was added")
        T.check_eq(n.run("user", "rm", "nobody").rc, 3, "rm of no account")


@cases.case
def login_sessions_and_their_end():
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        w = Web(n)
        try:
            T.check(not w.tls and w.fingerprint is None,
                    "plain HTTP on loopback, no certificate")
            c = Client(w)
            for path in ("/api/households", "/api/status", "/api/me",
                         "/api/events"):
                s, js, _, _ = c.req("GET", path)
                T.check(s == 401 and js["error"]["code"] == "no_session",
                        "GET %s without a session: 401" % path)
            refused(c, n, "POST", "/api/households", {"head_name": "测试"},
                    401, "no_session", "a write without a session",
                    "households")
            t0 = time.monotonic()
            s, me, _ = c.login("管理员", PW)
            T.check(time.monotonic() - t0 < 10, "a login answers")
            T.check_eq((me["name"], me["role"]), ("管理员", "admin"),
                       "login says who and what role")
            sc = c.set_cookie
            T.check("HttpOnly" in sc and "SameSite=Strict" in sc and
                    "Path=/" in sc and "Secure" not in sc,
                    "session cookie: HttpOnly, SameSite=Strict (%s)" % sc)
            tok = c.cookie.split("=", 1)[1]
            T.check(T.is_hex(tok, 64), "a 256-bit random token")
            s, js, _, _ = c.req("GET", "/api/me")
            T.check(s == 200 and js["csrf"] == c.csrf, "the session works")
            # logout ends it
            s, _, _, _ = c.req("POST", "/api/logout")
            T.check_eq(s, 200, "logout")
            s, _, _, _ = c.req("GET", "/api/me")
            T.check_eq(s, 401, "after logout the cookie opens nothing")
            # user rm and user passwd, from another process, end sessions
            c.login("viewer1", PW)
            n.run("user", "rm", "viewer1", expect=0)
            T.check_eq(c.req("GET", "/api/me")[0], 401,
                       "user rm ends the account's session at once")
            c.login("管理员", PW)
            n.run("user", "passwd", "管理员", input="新的密码-123\n", expect=0)
            T.check_eq(c.req("GET", "/api/me")[0], 401,
                       "user passwd ends the account's session")
            c.login("管理员", PW, expect=401)
            c.login("管理员", "新的密码-123")
        finally:
            w.stop()


@cases.case
def failed_logins_slow_down_and_never_lock():
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        w = Web(n)
        try:
            c = Client(w)
            for i in range(3):
                s, js, _ = c.login("管理员", "wrong-%d" % i, expect=401)
                T.check_eq(js["error"]["code"], "wrong_password",
                           "wrong password %d" % (i + 1))
            s, js, h = c.login("管理员", PW, expect=429)
            T.check(js["error"]["code"] == "slow_down" and
                    int(h["Retry-After"]) >= 1 and
                    js["error"]["retry_after"] >= 1,
                    "after 3 failures even the right password waits")
            s, js, _ = c.login("nobody", PW, expect=429)
            T.check_eq(js["error"]["code"], "slow_down",
                       "the address is slowed down too, whatever account")
            time.sleep(int(h["Retry-After"]) + 0.2)
            c.login("管理员", PW)
            s, js, _, _ = c.req("GET", "/api/me")
            T.check_eq(s, 200, "after the wait the right password logs in:"
                       " slowed down, not locked")
            c2 = Client(w)
            c2.login("nobody", PW, expect=401)
        finally:
            w.stop()


@cases.case
def csrf_roles_and_bad_input_write_nothing():
    with T.TempDir("web") as work:
        n, s1, s2 = setup(work)
        w = Web(n)
        try:
            a = Client(w)
            a.login("管理员", PW)
            good = {"head_name": "测试王一", "village": "测试村"}
            refused(a, n, "POST", "/api/households", good, 403, "csrf",
                    "a write without the CSRF token", "households",
                    csrf=False)
            refused(a, n, "POST", "/api/households", good, 403, "csrf",
                    "a write with a wrong CSRF token", "households",
                    headers={"X-CSRF-Token": "0" * 64}, csrf=False)
            refused(a, n, "POST", "/api/households", None, 400, "bad_json",
                    "malformed JSON", "households", raw=b'{"head_name": ')
            refused(a, n, "POST", "/api/households", None, 400, "bad_json",
                    "a JSON array, not an object", "households", raw=b"[1]")
            refused(a, n, "POST", "/api/households", None, 400, "bad_json",
                    "a repeated key", "households",
                    raw=b'{"head_name":"a","head_name":"b"}')
            refused(a, n, "POST", "/api/households", good, 415, "bad_json",
                    "a body that is not application/json", "households",
                    ctype="text/plain")
            refused(a, n, "POST", "/api/households", None, 413, "too_big",
                    "a body over 64 KiB", "households",
                    raw=b'{"notes":"' + b"x" * 70000 + b'"}')
            js = refused(a, n, "POST", "/api/households",
                         dict(good, shoe_size=42), 400, "unknown_field",
                         "an unknown field", "households")
            T.check_eq(js["error"]["field"], "shoe_size", "names the field")
            js = refused(a, n, "POST", "/api/households",
                         dict(good, members=[{"name": "测试", "birth_year":
                                              "一九五零"}]),
                         422, "bad_value", "a year that is not a number",
                         "persons")
            T.check_eq(js["error"]["field"], "members.0.birth_year",
                       "names the member's field")
            T.check("「出生年份」应为" in js["error"]["zh"],
                    "says in Chinese what the column takes (%s)"
                    % js["error"]["zh"])
            js = refused(a, n, "POST", "/api/households",
                         dict(good, members=[{"name": "测试", "id_number":
                                              "110105194912310021"}]),
                         422, "bad_value", "an ID number with a wrong"
                         " check digit", "persons")
            T.check(js["error"]["field"] == "members.0.id_number" and
                    "校验位" in js["error"]["zh"],
                    "the ID number's field, and why in Chinese")
            refused(a, n, "POST", "/api/households",
                    dict(good, status="floating"), 422, "bad_value",
                    "an enum value not in the list", "households")
            refused(a, n, "POST", "/api/households", {"village": "测试村"},
                    422, "missing", "no head of household", "households")
            refused(a, n, "POST", "/api/stays",
                    {"person": "0" * 32, "site": s1, "kind": "in"}, 422,
                    "bad_value", "a check-in of a person not held", "stays")
            refused(a, n, "GET", "/api/households?shoe_size=1", None, 400,
                    "unknown_field", "an unknown query column")
            refused(a, n, "GET", "/api/nothing", None, 404, "not_found",
                    "an unknown route")
            refused(a, n, "POST", "/api/conflicts/resolve",
                    {"table": "persons", "row": "0" * 32, "column": "name",
                     "value": "测试"}, 404, "not_found",
                    "resolving a row the node does not hold", "persons")
            refused(a, n, "DELETE", "/api/stays/" + "0" * 32, None, 405,
                    "method", "deleting an event")
            # viewer: nothing
            v = Client(w)
            v.login("viewer1", PW)
            T.check_eq(v.req("GET", "/api/households")[0], 200,
                       "a viewer reads")
            refused(v, n, "POST", "/api/households", good, 403, "forbidden",
                    "a viewer writing", "households")
            # site: households and persons, its own site, its own events
            s = Client(w)
            s.login("site1", PW)
            st, js, _, _ = s.req("POST", "/api/households", good)
            T.check_eq(st, 201, "a site account registers a household")
            hid = js["id"]
            st, js, _, _ = s.req("POST", "/api/persons",
                                 {"name": "测试一", "household": hid})
            T.check_eq(st, 201, "and a person")
            pid = js["id"]
            refused(s, n, "POST", "/api/checkin",
                    {"site": s2, "persons": [pid]}, 403, "forbidden",
                    "a site account checking in at another site", "stays")
            item = n.out("item", "add", "--name", "测试棉被", "--unit", "床")
            refused(s, n, "POST", "/api/stock_moves",
                    {"site": s2, "item": item, "kind": "received",
                     "qty": 1}, 403, "forbidden",
                    "a site account moving another site's stock",
                    "stock_moves")
            refused(s, n, "PATCH", "/api/sites/" + s2, {"capacity": 9}, 403,
                    "forbidden", "a site account editing another site's"
                    " row", "sites")
            refused(s, n, "POST", "/api/items", {"name": "测试"}, 403,
                    "forbidden", "a site account adding an item", "items")
            st, _, _, _ = s.req("PATCH", "/api/sites/" + s1, {"capacity": 3})
            T.check_eq(st, 200, "a site account edits its own site row")
            st, _, _, _ = s.req("POST", "/api/checkin",
                                {"site": s1, "persons": [pid]})
            T.check_eq(st, 201, "and checks in at its own site")
            # once, not twice: a second open stay there could not be told
            # apart by a check-out
            refused(s, n, "POST", "/api/checkin",
                    {"site": s1, "persons": [pid]}, 422, "bad_value",
                    "checking in someone already checked in there", "stays")
            pid2 = s.req("POST", "/api/persons",
                         {"name": "测试二", "household": hid})[1]["id"]
            refused(s, n, "POST", "/api/checkin",
                    {"site": s1, "persons": [pid2, pid2]}, 422, "bad_value",
                    "a person listed twice in one check-in", "stays")
            # a query parameter on a write is refused, not ignored while
            # the write goes ahead
            refused(a, n, "DELETE", "/api/items/" + item + "?dry_run=1",
                    None, 400, "unknown_field", "DELETE ...?dry_run=1",
                    "items")
            refused(a, n, "DELETE", "/api/items/" + "0" * 32, None, 404,
                    "not_found", "deleting a row the node does not hold",
                    "items")
            refused(a, n, "POST", "/api/checkout?site=" + s1,
                    {"persons": [pid]}, 400, "unknown_field",
                    "POST /api/checkout?site=", "stays")
            for path in ("/api/status?foo=1", "/api/schema?foo=1",
                         "/api/members?foo=1", "/api/conflicts?foo=1"):
                T.check_eq(a.req("GET", path)[0], 400,
                           "GET %s: 400 (an unknown query parameter)" % path)
            # leaving closes every open stay there: two nodes that each
            # checked the person in left two (made here by the store,
            # past the check-in's own check)
            n.put("stays", "person=" + pid, "site=" + s1, "kind=in")
            T.check_eq(sum(1 for r in n.js("show", "presence")
                           if r["person"] == pid), 2, "two open stays")
            st, js, _, _ = s.req("POST", "/api/checkout",
                                 {"site": s1, "persons": [pid]})
            T.check(st == 201 and not any(r["person"] == pid for r in
                                          n.js("show", "presence")),
                    "one check-out at the site closes both (%d %s)"
                    % (st, js))
            T.check_eq(n.js("get", "sites", s1)["capacity"], 3,
                       "the edit is in the node")
        finally:
            w.stop()


@cases.case
def likely_duplicates_and_second_distributions_are_warned_first():
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        item = n.out("item", "add", "--name", "测试棉被", "--unit", "床")
        n.out("stock", "receive", s1, item, "50")
        w = Web(n)
        try:
            a = Client(w)
            a.login("管理员", PW)
            first = {"head_name": "测试赵一", "village": "测试甲村",
                     "phone": "13800000001", "members": [
                         {"name": "测试赵一", "birth_year": 1950,
                          "id_number": "11010519491231002X"}]}
            st, js, _, _ = a.req("POST", "/api/households", first)
            T.check_eq(st, 201, "the first registration")
            hid = js["id"]
            for body, why, what in (
                    ({"head_name": "测试别人", "members": [
                        {"name": "测试别人", "id_number":
                         "11010519491231002x"}]}, "id_number",
                     "the same ID number (its x in lower case)"),
                    ({"head_name": "测试赵一", "village": "测试甲村",
                      "members": [{"name": "测试赵一", "birth_year": 1950}]},
                     "name_birth_village",
                     "the same name, birth year and village"),
                    ({"head_name": "测试别户", "phone": "13800000001"},
                     "phone", "the same phone")):
                js = refused(a, n, "POST", "/api/households", body, 409,
                             "possible_duplicate", what, "persons")
                T.check(any(m["why"] == why for m in js["matches"]),
                        "%s: the match says why (%s)" % (what, js["matches"]))
            # the same checks while a form is being typed, before saving
            for q, why, what in (
                    ("id_number=11010519491231002x", "id_number",
                     "an ID number typed"),
                    ("name=%E6%B5%8B%E8%AF%95%E8%B5%B5%E4%B8%80&birth_year=1950"
                     "&village=%E6%B5%8B%E8%AF%95%E7%94%B2%E6%9D%91",
                     "name_birth_village", "a name, year and village typed"),
                    ("phone=13800000001", "phone", "a phone typed")):
                st, js, _, _ = a.req("GET", "/api/duplicates?" + q)
                T.check(st == 200 and any(m["why"] == why
                                          for m in js["matches"]),
                        "%s: warned at once (%s)" % (what, js))
            st, js, _, _ = a.req("GET", "/api/duplicates?name=%E6%B5%8B%E8%AF"
                                 "%95%E8%B5%B5%E4%B8%80&birth_year=1950&"
                                 "village=%E6%B5%8B%E8%AF%95%E4%B9%99%E6%9D%91")
            T.check_eq(js["matches"], [], "the same name and year in another"
                       " village: no warning")
            refused(a, n, "GET", "/api/duplicates?birth_year=19x0", None, 422,
                    "bad_value", "a birth year that is not a year")
            refused(a, n, "GET", "/api/duplicates?shoe=1", None, 400,
                    "unknown_field", "an unknown parameter")
            st, _, _, _ = a.req("POST", "/api/households", {
                "head_name": "测试赵一", "village": "测试乙村", "members": [
                    {"name": "测试赵一", "birth_year": 1950}]})
            T.check_eq(st, 201, "the same name and year in another village"
                       " is another person")
            st, js, _, _ = a.req("POST", "/api/households", dict(
                first, confirm=True))
            T.check_eq(st, 201, "confirm: true saves it anyway")
            refused(a, n, "POST", "/api/households", dict(first, confirm="yes"),
                    422, "bad_value", "confirm that is not true/false",
                    "households")
            give = {"site": s1, "item": item, "kind": "distributed",
                    "qty": -2, "household": hid}
            T.check_eq(a.req("POST", "/api/stock_moves", give)[0], 201,
                       "a distribution")
            js = refused(a, n, "POST", "/api/stock_moves", give, 409,
                         "received_today", "the same item to the same"
                         " household again today", "stock_moves")
            T.check_eq(len(js["matches"]), 1, "the earlier one is shown")
            T.check_eq(a.req("POST", "/api/stock_moves",
                             dict(give, confirm=True))[0], 201,
                       "confirmed, it is given")
            # a distribution corrected away did not happen
            third = n.out("household", "add", "--head", "测试孙三")
            st, js, _, _ = a.req("POST", "/api/stock_moves",
                                 dict(give, household=third))
            T.check_eq(st, 201, "a distribution to a third household")
            n.out("put", "stock_moves", "site=" + s1, "item=" + item,
                  "kind=distributed", "qty=-2", "household=" + third,
                  "reverses=" + js["id"])
            T.check_eq(a.req("POST", "/api/stock_moves",
                             dict(give, household=third))[0], 201,
                       "after its correction, giving it is not warned")
            other = n.out("household", "add", "--head", "测试钱二")
            n.out("put", "stock_moves", "site=" + s1, "item=" + item,
                  "kind=distributed", "qty=-1", "household=" + other,
                  "time=%d" % (time.time() - 2 * 86400))
            T.check_eq(a.req("POST", "/api/stock_moves",
                             dict(give, household=other))[0], 201,
                       "a distribution two days ago does not count")
        finally:
            w.stop()


def unnumbered(db, table):
    """Turn @table into the shape of formats 1 to 10: id the primary key,
    no row number n."""
    cols = [r[1] for r in db.execute("PRAGMA table_info(%s)" % table)
            if r[1] != "n"]
    sql = db.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                     (table,)).fetchone()[0]
    sql = sql.replace("n INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE",
                      "id BLOB PRIMARY KEY")
    T.check("n INTEGER" not in sql, "the old shape of %s" % table)
    names = ", ".join('"%s"' % c for c in cols)
    db.execute("ALTER TABLE %s RENAME TO old_%s" % (table, table))
    db.execute(sql)
    # rows in another order than they were numbered
    db.execute("INSERT INTO %s(%s) SELECT %s FROM old_%s ORDER BY id DESC"
               % (table, names, names, table))
    db.execute("DROP TABLE old_%s" % table)


@cases.case
def a_node_of_format_8_10_16_17_or_18_is_brought_up_to_date_when_opened():
    for old in (8, 10, 16, 17, 18):
        with T.TempDir("web") as work:
            upgraded_search(work, old)


def upgraded_search(work, old):
    """A node of database format @old (8: no search index; 10: rows not
    numbered, the index by row id; 16: the index a b-tree of (key, row
    number); 17: the facts and event sources indexed by entry; 18: every
    fact in w) opened by this build."""
    if True:
        n = T.Node.create(work, "测试旧节点", "old")
        n.js("network", "create", "--name", "测试网络")
        pid = n.out("person", "add", "--name", "测试孙六", "--phone",
                    "13912345678")
        for i in range(20):
            n.out("household", "add", "--head", "测试户%d" % i, "--village",
                  "测试村", "--member", "测试户%d" % i)
        hid0 = n.query("SELECT lower(hex(id)) FROM e_households LIMIT 1")
        n.out("warn", hid0[0][0], "--method", "phone", "--notice",
              "测试通知")
        before = n.state_hash()
        entries = n.query("SELECT count(*) FROM log")[0][0]
        import sqlite3
        db = sqlite3.connect(os.path.join(n.dir, "node.db"))
        facts = without_sole(db)
        T.check(facts > 20, "each row's fact in w (%d)" % facts)
        # facts and event sources by entry (formats 6 to 17)
        if old < 18:
            db.executescript("CREATE INDEX w_n ON w(n);"
                             " CREATE INDEX evsrc_n ON evsrc(n);")
        # the index in FTS5 (format 17)
        if old < 17:
            db.executescript("DROP TABLE sxv_p; DROP TABLE sxv_h;"
                             " DROP TABLE sx_p; DROP TABLE sx_h;")
        if old == 16:
            db.execute("CREATE TABLE sx(k TEXT NOT NULL, r INTEGER NOT"
                       " NULL, PRIMARY KEY(k, r)) WITHOUT ROWID")
            db.execute("INSERT INTO sx SELECT 'pn^' || substr(name, 1, 2),"
                       " n FROM e_persons")
        elif old < 16:
            mat, event_indexes = older(db, old)
        db.execute("PRAGMA user_version = %d" % old)
        db.commit()
        db.close()
        n.out("status")  # opened for writing: upgraded
        T.check_eq(n.query("PRAGMA user_version")[0][0], 19,
                   "format %d -> 19" % old)
        T.check_eq(n.query("SELECT name FROM sqlite_master WHERE name IN"
                           " ('w_n', 'evsrc_n')"), [],
                   "the indexes by entry dropped (format 18)")
        T.check_eq(n.query("SELECT (SELECT count(*) FROM w) + (SELECT"
                           " count(*) FROM evsrc)")[0][0], facts,
                   "the facts and sources kept in w and evsrc (format 19)")
        T.check_eq(n.query("SELECT count(*) FROM e_households WHERE sole IS"
                           " NOT NULL"), [(0,)],
                   "no row of an older node has a sole fact")
        if old < 16:
            upgraded_before_16(n, mat, event_indexes)
        T.check_eq(n.state_hash(), before,
                   "the state is the same after the upgrade")
        T.check_eq(n.query("SELECT typeof(author), count(*) FROM log"
                           " GROUP BY 1"), [("integer", entries)],
                   "each entry's author as names.k")
        T.check_eq(n.query("SELECT count(*) FROM sqlite_master WHERE name ="
                           " 'sx'"), [(0,)], "the b-tree index dropped")
        T.check_eq(n.query("SELECT count(DISTINCT doc) FROM sxv_p"),
                   n.query("SELECT count(*) FROM e_persons"),
                   "the index rebuilt from the rows: every person")
        T.check_eq(n.query("SELECT count(DISTINCT doc) FROM sxv_h"),
                   n.query("SELECT count(*) FROM e_households"),
                   "and every household")
        n.run("log", "verify", expect=0)
        # log verify checks the index against the rows, both ways
        db = sqlite3.connect(os.path.join(n.dir, "node.db"))
        kept = db.execute("SELECT term, doc FROM sxv_p LIMIT 1").fetchone()
        db.execute("INSERT INTO sx_p(sx_p, rowid, k) VALUES('delete', ?, ?)",
                   (kept[1], kept[0]))
        db.commit()
        r = n.run("log", "verify")
        T.check(r.rc != 0 and "search index" in r.err,
                "a key missing from the index fails log verify (%s)"
                % r.err.strip()[:200])
        db.execute("INSERT INTO sx_p(rowid, k) VALUES(?, ?)",
                   (kept[1], kept[0]))
        db.execute("INSERT INTO sx_p(rowid, k) VALUES(?, 'pn:不在')",
                   (kept[1],))
        db.commit()
        r = n.run("log", "verify")
        T.check(r.rc != 0 and "search index" in r.err,
                "a key the rows do not give fails it too")
        db.execute("INSERT INTO sx_p(sx_p, rowid, k) VALUES('delete', ?,"
                   " 'pn:不在')", (kept[1],))
        db.commit()
        db.close()
        n.run("log", "verify", expect=0)
        # the merge goes on from the facts in w: an edit of a household
        # held before names its writer; a new one keeps its sole fact
        hid = n.query("SELECT hex(id) FROM e_households LIMIT 1")[0][0]
        n.out("put", "households", "members=7", "--id", hid.lower())
        T.check_eq(n.query("SELECT members FROM e_households WHERE"
                           " hex(id) = ?", (hid,)), [(7,)],
                   "an edit after the upgrade")
        T.check_eq(n.js("conflicts"), [], "names the row's writer")
        n.out("household", "add", "--head", "测试新户", "--village", "测试村")
        T.check_eq(n.query("SELECT count(*) FROM e_households WHERE sole IS"
                           " NOT NULL"), [(1,)],
                   "a household added after the upgrade: its sole fact")
        T.check_eq(n.query("SELECT (SELECT count(*) FROM w) + (SELECT"
                           " count(*) FROM evsrc)")[0][0], facts + 1,
                   "the edit's fact in w, the new row's not")
        w = Web(n)
        try:
            a = Client(w)
            user_add(n, "管理员", "admin")
            a.login("管理员", PW)
            for q in ("孙六", "5678", "ceshisunliu", "cssl"):
                st, js, _, _ = a.req("GET", "/api/search?q=" +
                                     urllib.parse.quote(q))
                T.check_eq([p["id"] for p in js["persons"]], [pid],
                           "found by %s after the upgrade" % q)
        finally:
            w.stop()


def without_sole(db):
    """Turn the database @db of this build into the shape of format 18:
    each entity row's sole fact put into w as format 18 kept it (the
    written columns' values as a msgpack array in the order of their
    bits, by (since, wire name): proto/storage.md), the columns sole and
    sole_bits dropped; each event row's sole source into evsrc. The
    number of facts and sources put."""
    import hashlib
    import msgpack
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "..", "..", "proto", "vectors",
                           "schema.json")) as f:
        schema = json.load(f)
    put = 0
    for t in schema["tables"]:
        if t["kind"] != "entity":
            continue
        cols = sorted(t["columns"], key=lambda c: (c["since"], c["name"]))
        table = "e_" + t["name"]
        names = ", ".join('"%s"' % c["name"] for c in cols)
        for row in db.execute('SELECT id, sole, sole_bits, %s FROM "%s"'
                              ' WHERE sole IS NOT NULL' % (names, table)
                              ).fetchall():
            rid, sole, bits, vals = row[0], row[1], row[2], row[3:]
            out = []
            for bit, c in enumerate(cols):
                if bits & (1 << bit):
                    v = vals[bit]
                    if v is not None and c["type"] == "bool":
                        v = bool(v)
                    out.append(v)
            val = msgpack.packb(out, use_bin_type=True)
            db.execute("INSERT INTO w(tbl, row, a, n, clock, wrote, heads,"
                       " val) SELECT (SELECT k FROM names WHERE name = ?),"
                       " ?, author, n, clock, ?, ?, ? FROM log WHERE n = ?",
                       (t["name"], rid, bits, bits, val, sole))
            put += 1
        db.execute('ALTER TABLE "%s" DROP COLUMN sole' % table)
        db.execute('ALTER TABLE "%s" DROP COLUMN sole_bits' % table)
    # each event row's sole source into evsrc, with the sum of its
    # content (its columns that are not NULL, in wire-name order)
    for t in schema["tables"]:
        if t["kind"] != "event":
            continue
        cols = sorted(t["columns"], key=lambda c: c["name"])
        names = ", ".join('"%s"' % c["name"] for c in cols)
        for row in db.execute(
                'SELECT id, eid, %s FROM "v_%s" AS v WHERE NOT EXISTS'
                ' (SELECT 1 FROM evsrc WHERE tbl = (SELECT k FROM names'
                ' WHERE name = ?) AND row = v.id)' % (names, t["name"]),
                (t["name"],)).fetchall():
            content = []
            for c, v in zip(cols, row[2:]):
                if v is None:
                    continue
                content.append([c["name"], bool(v) if c["type"] == "bool"
                                else v])
            raw = msgpack.packb(content, use_bin_type=True)
            db.execute("INSERT INTO evsrc(tbl, row, n, sum) VALUES((SELECT k"
                       " FROM names WHERE name = ?), ?, (SELECT n FROM log"
                       " WHERE id = ?), ?)",
                       (t["name"], row[0], row[1],
                        hashlib.blake2b(raw, digest_size=16).digest()))
            put += 1
    return put


def older(db, old):
    """Turn the database @db into the shape of format @old (8 or 10); its
    materialized tables and its events' indexes as they were."""
    for table in ("e_persons", "e_households", "e_sites", "e_items"):
        unnumbered(db, table)
    # each entry's author as its key, as formats 1 to 10 had it
    db.executescript(
        "DROP INDEX log_state; DELETE FROM meta WHERE k = 'clock';"
        "ALTER TABLE log RENAME TO log11;"
        "CREATE TABLE log(n INTEGER PRIMARY KEY, author BLOB NOT NULL,"
        " seq INTEGER NOT NULL, id BLOB NOT NULL UNIQUE, clock INTEGER"
        " NOT NULL, state INTEGER NOT NULL, reason TEXT, bytes BLOB NOT"
        " NULL, mark INTEGER NOT NULL DEFAULT 0, UNIQUE(author, seq));"
        "INSERT INTO log SELECT l.n, a.name, l.seq, l.id, l.clock,"
        " l.state, l.reason, l.bytes, l.mark FROM log11 AS l"
        " JOIN names AS a ON a.k = l.author; DROP TABLE log11;"
        "CREATE INDEX log_clock ON log(clock);"
        "CREATE INDEX log_state ON log(state) WHERE state <> 0;")
    # no roster ledger nor households by number (formats before 13),
    # nor persons by name (before 14)
    db.execute("DROP TABLE roster_seen")
    db.execute("DROP INDEX IF EXISTS e_households_number")
    db.execute("DROP INDEX IF EXISTS e_persons_name")
    # no change counter (before 15): no chg column, no chg_gone, the
    # event rows numbered 1, 2, ... in each table
    mat = [r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND"
        " (name LIKE 'e\\_%' ESCAPE '\\' OR name LIKE 'v\\_%'"
        " ESCAPE '\\')")]
    T.check(len(mat) > 10, "the materialized tables (%r)" % mat)
    for table in mat:
        if table.startswith("e_"):
            db.execute('ALTER TABLE "%s" DROP COLUMN chg' % table)
        else:
            db.execute('UPDATE "%s" SET rowid = -rowid' % table)
            db.execute('UPDATE "%s" SET rowid = (SELECT count(*) FROM'
                       ' "%s" AS x WHERE x.rowid <= "%s".rowid)'
                       % (table, table, table))
    db.execute("DROP TABLE chg_gone")
    db.execute("DELETE FROM meta WHERE k = 'chg'")
    # the events' indexes over every row (before format 16)
    event_indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND"
        " tbl_name LIKE 'v\\_%' ESCAPE '\\' AND sql IS NOT NULL"
        " ORDER BY name").fetchall()
    T.check(len(event_indexes) > 20 and all(
        q.endswith("IS NOT NULL") for _, q in event_indexes),
        "the events' indexes where not NULL (%d)" % len(event_indexes))
    for name, q in event_indexes:
        db.execute('DROP INDEX "%s"' % name)
        db.execute(q[:q.rindex(" WHERE ")])
    # contact without how far behind each side is (formats 7 to 11)
    db.execute("ALTER TABLE contact DROP COLUMN they_lack")
    db.execute("ALTER TABLE contact DROP COLUMN we_lack")
    if old == 10:
        # the index by row id, with a key of every row
        db.execute("CREATE TABLE sx(k TEXT NOT NULL, r BLOB NOT NULL,"
                   " PRIMARY KEY(k, r)) WITHOUT ROWID")
        db.execute("INSERT INTO sx SELECT 'pn:' || substr(name, 1, 1),"
                   " id FROM e_persons")
    return mat, event_indexes


def upgraded_before_16(n, mat, event_indexes):
    """The changes of formats 9 to 16 checked after an upgrade from 8 or
    10."""
    # the greatest clock in meta (format 16), not by an index
    T.check_eq(n.query("SELECT v FROM meta WHERE k = 'clock'"),
               n.query("SELECT max(clock) FROM log"),
               "the greatest clock of the log in meta")
    T.check_eq(n.query("SELECT count(*) FROM sqlite_master WHERE"
                       " name = 'log_clock'"), [(0,)],
               "log_clock dropped")
    T.check_eq(n.query("SELECT name, sql FROM sqlite_master WHERE type ="
                       " 'index' AND tbl_name LIKE 'v\\_%' ESCAPE '\\'"
                       " AND sql IS NOT NULL ORDER BY name"),
               [tuple(x) for x in event_indexes],
               "the events' indexes made again where not NULL")
    # every row of every materialized table numbered as changed once
    # (format 15), each with a number of its own, the counter at the
    # highest
    every = " UNION ALL ".join(
        'SELECT %s AS chg FROM "%s"'
        % ("chg" if t.startswith("e_") else "rowid", t) for t in mat)
    got = n.query("SELECT count(*), count(DISTINCT chg), min(chg),"
                  " max(chg) FROM (%s)" % every)[0]
    T.check(got[0] > 0 and got[0] == got[1] and got[2] > 0,
            "every row numbered once (%r)" % (got,))
    T.check_eq(n.query("SELECT v FROM meta WHERE k = 'chg'")[0][0],
               got[3], "the counter at the highest number")
    T.check_eq(n.query("SELECT count(*) FROM sqlite_master WHERE name IN"
                       " ('roster_seen', 'e_households_number',"
                       " 'e_persons_name')")[0][0],
               3, "the roster ledger and indexes made by the upgrade")
    for table in ("e_persons", "e_households"):
        rows = n.query("SELECT count(*), count(DISTINCT n), min(n) > 0"
                       " FROM %s" % table)[0]
        T.check(rows[0] > 0 and rows[0] == rows[1] and rows[2] == 1,
                "every row of %s numbered once (%r)" % (table, rows))


@cases.case
def admins_admit_and_revoke_devices_and_set_peers():
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        user_add(n, "协调员", "coordinator")
        dev = T.Node.create(work, "测试新设备", "dev")
        w = Web(n)
        try:
            a, c, v = logged_in(w, "管理员", "协调员", "viewer1")
            want = {"key": dev.key, "name": "测试新设备", "role": "site",
                    "site": s1}
            refused(c, n, "POST", "/api/admit", want, 403, "forbidden",
                    "a coordinator account admitting")
            refused(v, n, "POST", "/api/admit", want, 403, "forbidden",
                    "a viewer account admitting")
            refused(a, n, "POST", "/api/admit", dict(want, key="00" * 32),
                    422, "bad_value", "a key that is not a device's")
            refused(a, n, "POST", "/api/admit", dict(want, colour="red"),
                    400, "unknown_field", "an unknown field")
            st, js, _, _ = a.req("POST", "/api/admit", want)
            T.check_eq(st, 201, "an admin account admits a device")
            svg = js.get("qr_svg") or ""
            T.check(svg.startswith("<svg ") and svg.endswith("</svg>") and
                    "<script" not in svg,
                    "the join token also as a QR code (SVG), libqrencode"
                    " being installed here; the browser test reads it back")
            dev.js("join", js["token"])
            T.check(dev.js("status")["networked"] is True,
                    "the device joins the network with the token")
            st, js, _, _ = a.req("GET", "/api/members")
            keys = {m["key"]: m for m in js["members"]}
            T.check(dev.key in keys and keys[dev.key]["role"] == "site",
                    "members lists it as a site device")
            refused(c, n, "POST", "/api/revoke", {"key": dev.key}, 403,
                    "forbidden", "a coordinator account revoking")
            st, _, _, _ = a.req("POST", "/api/revoke", {"key": dev.key})
            T.check_eq(st, 200, "an admin account revokes it")
            m = {x["key"]: x for x in n.js("members")["members"]}
            T.check(m[dev.key]["revoked_after"] is not None,
                    "the node has the revocation")
            # peers
            for bad in ("192.168.1.20", "nowhere:7420", "1.2.3.4:0",
                        "[::1:7420", "1.2.3.4:99999"):
                refused(c, n, "POST", "/api/peers", {"address": bad}, 422,
                        "bad_value", "a peer address %r" % bad)
            refused(v, n, "POST", "/api/peers", {"address": "10.0.0.2:7420"},
                    403, "forbidden", "a viewer account adding a peer")
            st, js, _, _ = c.req("POST", "/api/peers",
                                 {"address": "10.0.0.2:7420"})
            T.check(st == 201 and js["added"], "a coordinator adds a peer")
            T.check_eq([p["address"] for p in n.js("peer", "ls")["peers"]],
                       ["10.0.0.2:7420"], "peer ls shows it")
            st, _, _, _ = c.req("POST", "/api/peers/remove",
                                {"address": "10.0.0.2:7420"})
            T.check_eq(st, 200, "and removes it")
            T.check_eq(n.js("peer", "ls")["peers"], [], "gone")
        finally:
            w.stop()


@cases.case
def stock_as_people_say_it():
    with T.TempDir("web") as work:
        n, s1, s2 = setup(work)
        item = n.out("item", "add", "--name", "测试瓶装水", "--unit", "箱")
        hid = n.out("household", "add", "--head", "测试周一")
        w = Web(n)
        try:
            a = Client(w)
            a.login("管理员", PW)

            def stock(site):
                return {(x["site"], x["item"]): x["on_hand"]
                        for x in n.js("show", "stock")}.get((site, item), 0)

            def move(body, status=201):
                st, js, _, _ = a.req("POST", "/api/stock", dict(
                    {"site": s1, "item": item}, **body))
                T.check_eq(st, status, "stock %s" % body)
                return js
            move({"action": "received", "qty": 100,
                  "counterpart": "县应急管理局"})
            T.check_eq(stock(s1), 100, "received: +100")
            move({"action": "distributed", "qty": 3, "household": hid})
            T.check_eq(stock(s1), 97, "distributed: -3, written negative")
            js = move({"action": "distributed", "qty": 1, "household": hid},
                      409)
            T.check_eq(js["error"]["code"], "received_today",
                       "the second distribution today is warned")
            move({"action": "count", "qty": 90})
            T.check_eq(stock(s1), 90, "a count sets what is on hand")
            js = n.js("ls", "stock_moves", "--where", "kind=counted")
            T.check(js[0]["counted"] == 90 and js[0]["qty"] == -7,
                    "the count records the counted value and the"
                    " adjustment (%s)" % js)
            move({"action": "transfer", "qty": 40, "to": s2})
            T.check_eq((stock(s1), stock(s2)), (50, 40),
                       "a transfer: out here and in there, one action")
            T.check_eq(len(n.js("ls", "stock_moves", "--where",
                                "kind=transfer_in")), 1,
                       "one transfer_in at the other site")
            for body, code, what in (
                    ({"action": "melt", "qty": 1}, "bad_value",
                     "an unknown action"),
                    ({"action": "received", "qty": 0}, "bad_value",
                     "a quantity of 0"),
                    ({"action": "received", "qty": -5}, "bad_value",
                     "a negative quantity"),
                    ({"action": "received", "qty": "5"}, "bad_value",
                     "a quantity as text"),
                    ({"action": "transfer", "qty": 1}, "missing",
                     "a transfer with nowhere to go"),
                    ({"action": "transfer", "qty": 1, "to": s1}, "missing",
                     "a transfer to the same site"),
                    ({"action": "received", "qty": 1, "to": s2},
                     "unknown_field", "a destination on a receipt")):
                refused(a, n, "POST", "/api/stock",
                        dict({"site": s1, "item": item}, **body),
                        400 if code == "unknown_field" else 422, code, what,
                        "stock_moves")
            s = Client(w)
            s.login("site1", PW)
            refused(s, n, "POST", "/api/stock",
                    {"site": s1, "item": item, "action": "transfer",
                     "qty": 1, "to": s2}, 403, "forbidden",
                    "a site account writing the other site's transfer-in",
                    "stock_moves")
        finally:
            w.stop()


@cases.case
def every_web_write_names_its_account_in_the_rows_history():
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        w = Web(n)
        try:
            a = Client(w)
            a.login("管理员", PW)
            st, js, _, _ = a.req("POST", "/api/households", {
                "head_name": "测试赵一", "village": "测试村",
                "members": [{"name": "测试赵一"}, {"name": "测试赵二"}]})
            T.check_eq(st, 201, "a household registered through the web")
            hid, pids = js["id"], js["members"]
            n.run("put", "households", "--id", hid, "phone=13800000001",
                  expect=0)
            s = Client(w)
            s.login("site1", PW)
            st, _, _, _ = s.req("PATCH", "/api/households/" + hid,
                                {"members": 3})
            T.check_eq(st, 200, "the site account edits it")
            st, hist, _, _ = a.req("GET", "/api/history/households/" + hid)
            T.check_eq(st, 200, "its history")
            T.check_eq([(h["op"], h["account"]) for h in hist],
                       [("set", "管理员"), ("set", None), ("set", "site1")],
                       "each write with the account that made it, oldest"
                       " first; the command line's names none")
            T.check_eq(hist[0]["fields"]["head_name"], "测试赵一",
                       "what each wrote")
            T.check_eq(hist[1]["fields"], {"phone": "13800000001"},
                       "the command line's write")
            T.check(all(h["author_name"] == "测试乡镇" for h in hist),
                    "the device that signed each: this node")
            T.check_eq(n.js("history", "households", hid), hist,
                       "huzhu history says the same")
            text = n.out("history", "households", hid)
            T.check("管理员" in text and "site1" in text and "修改" in text,
                    "and in words, for a person")
            st, ph, _, _ = s.req("GET", "/api/history/persons/" + pids[1])
            T.check(st == 200 and [h["account"] for h in ph] == ["管理员"],
                    "each member row names the account too")
            got = n.js("ls", "recorded_by")
            T.check_eq(sorted(r["account"] for r in got),
                       ["site1", "管理员"],
                       "one recorded_by row per web entry, none for the"
                       " command line's")
            st, sch, _, _ = a.req("GET", "/api/schema")
            T.check("recorded_by" not in [t["name"] for t in sch["tables"]],
                    "no form offers recorded_by")
            refused(a, n, "POST", "/api/recorded_by", {"account": "假冒"},
                    403, "forbidden", "writing recorded_by directly",
                    "recorded_by")
            T.check_eq(n.run("put", "recorded_by", "account=假冒").rc, 4,
                       "nor from the command line")
            refused(a, n, "GET", "/api/history/households/" + "0" * 32, None,
                    404, "not_found", "the history of no row")
            refused(a, n, "GET", "/api/history/nothing/" + hid, None,
                    404, "not_found", "the history of no table")
            refused(a, n, "GET", "/api/history/households/" + hid + "?x=1",
                    None, 400, "unknown_field", "a history with a query")
            v = Client(w)
            v.login("viewer1", PW)
            T.check_eq(v.req("GET", "/api/history/households/" + hid)[0],
                       200, "a viewer reads a history")
        finally:
            w.stop()


@cases.case
def a_rekey_by_another_process_is_never_written_past():
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        old = n.key
        w = Web(n)
        try:
            a = Client(w)
            a.login("管理员", PW)
            st, _, _, _ = a.req("POST", "/api/persons", {"name": "测试前"})
            T.check_eq(st, 201, "a web write under the node's key")
            top = {v["author"]: v["seq"] for v in n.vector()["authors"]}[old]
            r = n.js("rekey")
            T.check(r, "huzhu rekey in another process: %s" % r)
            new = n.js("status")["key"]
            T.check(new != old, "the node has a new key")
            st, js, _, _ = a.req("POST", "/api/persons", {"name": "测试后"})
            T.check(st == 403 and js["error"]["code"] == "node_denied",
                    "the web writes with the new key, which needs admitting:"
                    " refused (%d %s)" % (st, js))
            T.check_eq({v["author"]: v["seq"] for v in n.vector()["authors"]}[old], top,
                       "nothing more was signed with the old key")
            n.run("log", "verify", expect=0)
        finally:
            w.stop()


@cases.case
def a_node_in_no_network_serves_the_web_alone_until_it_joins_one():
    with T.TempDir("web") as work:
        n = T.Node.create(work, "测试新笔记本", "fresh")
        user_add(n, "管理员", "admin")
        w = Web(n)
        try:
            T.check(w.waiting, "serve says it waits for a network")
            a = Client(w)
            a.login("管理员", PW)
            st, js, _, _ = a.req("POST", "/api/households",
                                 {"head_name": "测试入网前"})
            T.check_eq(st, 201, "the web registers a household before any"
                       " network")
            before = js["id"]
            # admit and revoke there were a 500
            refused(a, n, "POST", "/api/revoke", {"key": "00" * 32}, 403,
                    "node_denied", "a revocation on a node in no network")
            refused(a, n, "POST", "/api/admit",
                    {"key": "11" * 32, "name": "测试", "role": "site"}, 403,
                    "node_denied", "an admission on a node in no network")
            n.js("network", "create", "--name", "测试网络")
            line = T.wait_line(w.p.stdout, 15)
            T.check(line.startswith("{\"listening\":\"127.0.0.1:"),
                    "once the node is in a network, serve starts sync by"
                    " itself (%r)" % line)
            st, js, _, _ = a.req("POST", "/api/households",
                                 {"head_name": "测试入网后"})
            T.check_eq(st, 201, "the same session writes in the network")
            T.check_eq(n.js("get", "households", before)["head_name"],
                       "测试入网前", "the record written before is kept")
            n.run("log", "verify", expect=0)
            T.check_eq(n.js("status")["entries"]["rejected"], 0,
                       "nothing rejected: the web's entry after the"
                       " network came is signed for it")
        finally:
            w.stop()


@cases.case
def static_files_only_by_exact_path():
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        key = open(os.path.join(n.dir, "node.key"), "rb").read()
        w = Web(n)
        try:
            c = Client(w)
            s, _, h, body = c.req("GET", "/")
            T.check(s == 200 and b"<!doctype html>" in body.lower() and
                    h["Content-Type"].startswith("text/html"),
                    "/ is the page")
            T.check("default-src 'self'" in h["Content-Security-Policy"] and
                    h["X-Content-Type-Options"] == "nosniff",
                    "a strict Content-Security-Policy")
            for path in ("/app.js", "/app.css", "/icon.svg"):
                s, _, h, body = c.req("GET", path)
                T.check(s == 200 and len(body) > 0, "GET %s" % path)
                s2, _, _, body2 = c.req("GET", path,
                                        headers={"If-None-Match": h["ETag"]})
                T.check(s2 == 304 and body2 == b"",
                        "%s again with its ETag: 304" % path)
            page = c.req("GET", "/index.html")[3]
            for path in ("/../node.key", "/%2e%2e/node.key", "/node.key",
                         "/static/../../node.key", "/app.js/../node.key",
                         "/..%2fnode.key", "//etc/passwd", "/index.html%00",
                         "/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/node.db",
                         "/web-tls.key"):
                s, _, _, body = c.req("GET", path)
                # a NUL cuts the decoded path: the page itself, no file
                T.check((s in (400, 404) or (s == 200 and body == page)) and
                        key not in body and b"root:" not in body and
                        b"SQLite" not in body,
                        "%s: %d, nothing from the disk" % (path, s))
        finally:
            w.stop()


def read_event(sock_file, want, timeout):
    """Read server-sent events until one named @want; its data."""
    deadline = time.monotonic() + timeout
    event = None
    while time.monotonic() < deadline:
        line = sock_file.readline()
        if not line:
            return None
        line = line.decode().rstrip("\r\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: ") and event == want:
            return json.loads(line[6:])
    return None


@cases.case
def writes_of_the_web_and_events_without_reload():
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        w = Web(n)
        try:
            a = Client(w)
            a.login("管理员", PW)
            st, js, _, _ = a.req("POST", "/api/households", {
                "head_name": "测试王一", "village": "测试村", "members": [
                    {"name": "测试王一", "sex": "male", "birth_year": 1948,
                     "flags": ["elderly_mobility"]},
                    {"name": "李四", "id_number": "11010519491231002X"},
                    {"name": "测试小三", "birth_year": 2016,
                     "flags": ["left_behind", "no_caretaker"]}]})
            T.check_eq(st, 201, "a household of three in one request")
            hid, pids = js["id"], js["members"]
            T.check_eq(n.js("get", "households", hid)["members"], 3,
                       "its member count")
            li = n.js("ls", "persons", "--where", "household=" + hid)
            T.check_eq(sorted(p["name"] for p in li),
                       sorted(["测试王一", "李四", "测试小三"]),
                       "its members in the node")
            T.check(any(p.get("elderly_mobility") for p in li),
                    "the flags")
            # what a body says is done or refused naming where, never
            # replaced or dropped in silence
            for body, status, code, field, what in (
                    ({"head_name": "测试户二", "members": [
                        {"name": "测试甲", "household": hid}]}, 400,
                     "unknown_field", "members.0.household",
                     "a member naming another household"),
                    ({"head_name": "测试户二", "members": [
                        {"name": "测试乙"},
                        {"name": "测试丙", "flags": ["chronic"],
                         "chronic": False}]}, 422, "bad_value",
                     "members.1.chronic", "a flag its column contradicts"),
                    ({"head_name": "测试户二", "members": [
                        {"name": "测试丁", "flags": ["rich"]}]}, 422,
                     "bad_value", "members.0.flags", "an unknown flag")):
                js = refused(a, n, "POST", "/api/households", body, status,
                             code, what, "households")
                T.check_eq(js["error"].get("field"), field,
                           "%s: names %s" % (what, field))
            js = refused(a, n, "POST", "/api/sites",
                         {"name": "测试极地", "lat": 91.5, "lon": 100}, 422,
                         "bad_value", "a latitude past the pole", "sites")
            T.check_eq(js["error"].get("field"), "lat",
                       "a latitude past the pole: names lat")
            st, js, _, _ = a.req("GET", "/api/search?q=" +
                                 "%E6%9D%8E%E5%9B%9B")
            T.check(st == 200 and [p["name"] for p in js["persons"]] ==
                    ["李四"], "search finds a two-character name")
            st, js, _, _ = a.req("GET", "/api/search?q=1002X")
            T.check([p["name"] for p in js["persons"]] == ["李四"],
                    "and the last digits of an ID number")
            for q, want, what in (
                    ("lisi", ["李四"], "pinyin"),
                    ("LS", ["李四"], "pinyin initials, in capitals"),
                    ("li", ["李四"], "the pinyin of a surname"),
                    ("ceshiw", ["测试王一"], "a pinyin spelling's start"),
                    ("csxs", ["测试小三"], "initials of four characters"),
                    ("ceshixiaoer", [], "a spelling of no name"),
                    ("测试", ["测试小三", "测试王一"], "a surname alone"),
                    ("李", ["李四"], "a surname of one character"),
                    ("王", [], "one character is a surname, not any"
                     " character of a name"),
                    ("小三", ["测试小三"], "a given name"),
                    ("测试王一", ["测试王一"], "a whole name"),
                    ("11010519491231002x", ["李四"],
                     "a whole ID number, x in lower case")):
                st, js, _, _ = a.req("GET", "/api/search?q=" +
                                     urllib.parse.quote(q))
                T.check_eq(sorted(p["name"] for p in js["persons"]), want,
                           "search: " + what)
            st, js, _, _ = a.req("GET", "/api/search?q=" +
                                 urllib.parse.quote("测试村"))
            T.check_eq([h["id"] for h in js["households"]], [hid],
                       "search: a household by its village")
            st, js, _, _ = a.req("GET", "/api/search?q=" +
                                 urllib.parse.quote("测"))
            T.check_eq([h["id"] for h in js["households"]], [hid],
                       "search: a household by its village's first"
                       " character")
            one = n.out("person", "add", "--name", "鑫")
            st, js, _, _ = a.req("GET", "/api/search?q=" +
                                 urllib.parse.quote("鑫"))
            T.check_eq([p["id"] for p in js["persons"]], [one],
                       "search: a name of one character")
            n.run("del", "persons", one, expect=0)
            n.run("put", "persons", "--id", pids[1], "name=李五", expect=0)
            st, js, _, _ = a.req("GET", "/api/search?q=" +
                                 urllib.parse.quote("李四"))
            T.check_eq(js["persons"], [], "a renamed person is not found by"
                       " the old name")
            st, js, _, _ = a.req("GET", "/api/search?q=" +
                                 urllib.parse.quote("李五"))
            T.check_eq([p["id"] for p in js["persons"]], [pids[1]],
                       "and is by the new one (the index follows edits)")
            n.run("put", "persons", "--id", pids[1], "name=李四", expect=0)
            st, _, _, _ = a.req("POST", "/api/checkin",
                                {"site": s1, "persons": pids})
            T.check_eq(st, 201, "the whole household checks in at once")
            occ = {o["site"]: o for o in n.js("show", "occupancy")}[s1]
            T.check_eq((occ["present"], occ["over_capacity"]), (3, 1),
                       "occupancy counts them")
            other = n.out("site", "add", "--name", "测试别处", "--kind",
                          "shelter")
            n.out("checkin", n.out("person", "add", "--name", "测试别人"),
                  other)
            st, js, h, raw = a.req("GET", "/api/views/presence?site=" + s1)
            T.check(st == 200 and len(js) == 3 and
                    all(p["site"] == s1 for p in js),
                    "a view asked for one site holds only its rows")
            T.check("测试王一".encode() in raw,
                    "names travel as UTF-8, not as \\u escapes")
            st, js, _, _ = a.req("GET", "/api/views/presence")
            T.check_eq(len(js), 4, "without ?site, every site's")
            st, js, _, _ = a.req("GET", "/api/views/presence?household=" + hid)
            T.check(st == 200 and sorted(p["person"] for p in js) ==
                    sorted(pids) and all(p["household"] == hid for p in js),
                    "?household= keeps one household's members (its page)")
            T.check_eq(a.req("GET", "/api/views/presence?site=" + s1)[3], raw,
                       "asked again with nothing changed: the same answer")
            late = n.out("person", "add", "--name", "测试晚到")
            n.out("checkin", late, s1)
            st, js, _, _ = a.req("GET", "/api/views/presence?site=" + s1)
            T.check_eq(sorted(p["person"] for p in js), sorted(pids + [late]),
                       "an answer is never shared past another process's"
                       " write (the CLI's check-in shows at once)")
            st, _, _, _ = a.req("POST", "/api/checkout", {"persons": [late]})
            st, js, _, _ = a.req("GET", "/api/views/presence?site=" + s1)
            T.check_eq(sorted(p["person"] for p in js), sorted(pids),
                       "nor past the web's own write")
            refused(a, n, "GET", "/api/views/presence?shoe=1", None, 400,
                    "unknown_field", "a view with an unknown parameter")
            refused(a, n, "GET", "/api/views/presence?site=zz", None, 422,
                    "bad_value", "a view for a site that is no id")
            refused(a, n, "GET", "/api/views/nothing", None, 404,
                    "not_found", "a view that does not exist")
            # a village's page: its households of the whole list
            n.out("household", "add", "--head", "测试他村户", "--village",
                  "测试他村")
            every = n.js("show", "village")
            villages = {h["village"] for h in every}
            T.check(len(villages) >= 2, "households in two villages or more")
            for v in villages:
                if v is None:
                    continue
                st, js, _, _ = a.req("GET", "/api/views/village?village=" +
                                     urllib.parse.quote(v))
                T.check_eq((st, js), (200, [h for h in every
                                            if h["village"] == v]),
                           "?village=%s keeps that village's rows" % v)
            st, js, _, _ = a.req("GET", "/api/views/unaccounted")
            T.check(st == 200 and sorted(js) == ["rows", "totals"],
                    "the view of rows and totals is one object")
            # a filter that cannot be kept, or names nothing, is said: an
            # empty list would read as "nobody here"
            q = urllib.parse.quote
            for path, status, code, what in (
                    ("/api/views/unaccounted?village=" + q("测试他村"), 400,
                     "unknown_field", "the node's list and totals filtered"),
                    ("/api/views/vulnerable?village=" + q("测试他村"), 400,
                     "unknown_field", "a view whose rows name no village"),
                    ("/api/views/village?village=" + q("测试它村"), 404,
                     "not_found", "a village no household names"),
                    ("/api/views/villages?village=" + q("测试它村"), 404,
                     "not_found", "... in the list of villages"),
                    ("/api/views/needs?site=" + "0" * 32, 404, "not_found",
                     "needs of a site that does not exist"),
                    ("/api/views/presence?household=zzz", 422, "bad_value",
                     "a household that is no id"),
                    ("/api/views/received?household=" + "0" * 32, 404,
                     "not_found", "a household that does not exist"),
                    ("/api/views/occupancy?site=%s&site=%s" % (s1, s1), 400,
                     "bad_value", "a query key given twice"),
                    ("/api/households?limit=1&limit=1000", 400, "bad_value",
                     "limit given twice (which would be taken?)"),
                    ("/api/reports/hxl?by=site&by=village", 400,
                     "bad_value", "a report's key given twice")):
                refused(a, n, "GET", path, None, status, code, what)
            for view in ("occupancy", "stock", "vulnerable"):
                st, js, _, _ = a.req("GET", "/api/views/%s?site=%s"
                                     % (view, s1))
                T.check(st == 200 and all(x["site"] == s1 for x in js),
                        "%s for one site: that site's rows only" % view)
            st, every, _, _ = a.req("GET", "/api/views/vulnerable")
            st, js, _, _ = a.req("GET", "/api/views/vulnerable?site=" + s1)
            here = [x for x in every if x["site"] == s1]
            T.check(here != [] and js == here,
                    "the vulnerable persons at one site: those of the whole"
                    " list whose latest open stay is there (%d)" % len(here))
            st, _, _, _ = a.req("POST", "/api/checkout",
                                {"persons": [pids[2]]})
            T.check_eq(st, 201, "one checks out")
            refused(a, n, "POST", "/api/checkout", {"persons": [pids[2]]},
                    422, "not_checked_in", "checking out someone not in",
                    "stays")
            # a stream sees a CLI write on the node without a reload
            sock = socket.create_connection(("127.0.0.1", w.port), 20)
            sock.sendall(("GET /api/events HTTP/1.1\r\nHost: x\r\nCookie: "
                          "%s\r\n\r\n" % a.cookie).encode())
            f = sock.makefile("rb")
            T.check(read_event(f, "hello", 10) is not None,
                    "the event stream says hello")
            t0 = time.monotonic()
            n.out("person", "add", "--name", "测试新人")
            ev = read_event(f, "change", 10)
            T.check(ev is not None, "a CLI write shows up as a change")
            T.check(time.monotonic() - t0 < 5, "within seconds")
            a.req("POST", "/api/persons", {"name": "测试网页"})
            T.check(read_event(f, "change", 10) is not None,
                    "a web write shows up on every open page")
            sock.close()
        finally:
            w.stop()


@cases.case
def https_off_loopback_with_the_nodes_certificate():
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        w = Web(n, http="0.0.0.0:0")
        try:
            T.check(w.tls and w.urls[0].startswith("https://"),
                    "off loopback it speaks HTTPS (%s)" % w.urls)
            fp = w.fingerprint
            T.check(fp and len(fp.split(":")) == 32,
                    "serve prints the certificate's SHA-256 fingerprint")
            st = os.stat(os.path.join(n.dir, "web-tls.key"))
            T.check_eq(st.st_mode & 0o777, 0o600, "its key is 0600")
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            with socket.create_connection(("127.0.0.1", w.port), 10) as raw:
                with ctx.wrap_socket(raw) as tls:
                    der = tls.getpeercert(binary_form=True)
            import hashlib
            got = ":".join("%02X" % b for b in hashlib.sha256(der).digest())
            T.check_eq(got, fp, "the browser sees the printed fingerprint")
            T.check_eq(n.js("status")["web_fingerprint"], fp,
                       "huzhu status shows it (DECISIONS 38)")
            T.check(fp in n.out("status"), "in the text too")
            c = Client(w)
            c.login("管理员", PW)
            T.check("Secure" in c.set_cookie, "the cookie is Secure")
            # plain HTTP to it gets no page and no session
            with socket.create_connection(("127.0.0.1", w.port), 10) as s:
                s.sendall(b"GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n")
                s.settimeout(10)
                try:
                    got = s.recv(4096)
                except (ConnectionResetError, socket.timeout):
                    got = b""
            T.check(b"HTTP/1.1 200" not in got and b"csrf" not in got,
                    "plain HTTP to the HTTPS port is refused")
        finally:
            w.stop()
        # the certificate is kept: the same fingerprint next time
        w2 = Web(n, http="0.0.0.0:0")
        try:
            T.check_eq(w2.fingerprint, fp, "the certificate is the node's")
        finally:
            w2.stop()
        # plain HTTP off loopback only when asked, and said
        w3 = Web(n, http="0.0.0.0:0", extra=("--insecure-http",))
        try:
            T.check(not w3.tls, "--insecure-http: plain HTTP")
            c = Client(w3)
            c.login("管理员", PW)
        finally:
            w3.stop()
        r = n.run("serve", "--listen", "127.0.0.1:0", "--http", "nonsense")
        T.check(r.rc == 2 and r.err.strip(),
                "an address that does not parse: exit 2")


def township(n, site):
    """A few households and persons in two villages and none, a damage
    assessment, relief paid, a check-in, and two likely duplicates."""
    ids = {}
    ids["H1"] = n.put("households", "head_name=测试甲户", "village=甲村",
                      "status=sheltered", "needs_aid=true", "phone=13800000001")
    ids["H2"] = n.put("households", "head_name=测试乙户", "village=乙村",
                      "status=relocated")
    ids["H3"] = n.put("households", "head_name=测试无村户", "status=home")
    ids["P1"] = n.put("persons", "name=测试甲一", "household=" + ids["H1"],
                      "sex=female", "birth_year=1950", "relation=户主")
    ids["P2"] = n.put("persons", "name=测试甲二", "household=" + ids["H1"],
                      "condition=missing")
    ids["P3"] = n.put("persons", "name=测试乙一", "household=" + ids["H2"],
                      "sex=male", "birth_year=1988")
    ids["P4"] = n.put("persons", "name=测试乙一", "household=" + ids["H2"],
                      "sex=male", "birth_year=1988")
    n.put("damage", "household=" + ids["H1"], "house=collapsed", "rooms=3",
          "crops_mu=2.5", "loss_yuan=20000")
    n.put("damage", "facility=桥梁", "village=乙村", "crops_mu=0.75",
          "loss_yuan=80000")
    n.out("relief", ids["H1"], "--method", "cash", "--cash", "300.50",
          "--persons", "2")
    n.out("checkin", ids["P1"], site)
    return ids


def no_made(j):
    """A report's JSON without the second it was made."""
    j = dict(j)
    j.pop("made", None)
    return j


def xlsx_cells(data):
    """Every sheet of an XLSX as (name, merged ranges, rows of values),
    the time it was made left out."""
    import openpyxl  # Debian: python3-openpyxl
    wb = openpyxl.load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        rows = [[re.sub("制表时间：.*", "制表时间：", c)
                 if isinstance(c, str) else c for c in r]
                for r in ws.iter_rows(values_only=True)]
        out.append((ws.title, sorted(str(m) for m in ws.merged_cells.ranges),
                    rows))
    return out


def cli_file(n, work, name, *args):
    path = os.path.join(work, name)
    n.out("report", *args, "--out", path)
    with open(path, "rb") as f:
        return f.read()


@cases.case
def reports_dups_and_merges_as_the_command_line_gives_them():
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        user_add(n, "协调员", "coordinator")
        ids = township(n, s1)
        w = Web(n)
        try:
            a, v, co, st = logged_in(w, "管理员", "viewer1", "协调员",
                                     "site1")

            # JSON: what `huzhu report ... --json` gives for the same node.
            q = "kind=daily&date=2026-07-01&area=" + \
                urllib.parse.quote("测试乡")
            for path, args in (
                    ("/api/reports/disaster?" + q,
                     ["--kind", "daily", "--date", "2026-07-01", "--area",
                      "测试乡"]),
                    ("/api/reports/disaster?explain=1&" + q,
                     ["--kind", "daily", "--date", "2026-07-01", "--area",
                      "测试乡", "--explain"])):
                s, js, h, _ = v.req("GET", path)
                T.check_eq(s, 200, "GET " + path)
                if "--explain" in args:
                    T.check_eq(js.pop("explain_total"), len(js["explain"]),
                               "explain_total counts the lines given")
                T.check_eq(no_made(js), no_made(n.js("report", "disaster",
                                                     *args)),
                           "%s is report disaster --json" % path)
                T.check(h["Content-Type"].startswith("application/json"),
                        "a report is JSON")
            # The lines of one figure and village: those of the full list.
            full = n.js("report", "disaster", "--explain")["explain"]
            for fig, village in (("affected", "甲村"), ("collapsed_hh", None),
                                 ("loss_yuan", "")):
                path = "/api/reports/disaster?explain=1&figure=" + fig + (
                    "&village=" + urllib.parse.quote(village)
                    if village is not None else "")
                s, js, _, _ = v.req("GET", path)
                want = [e for e in full if e["figure"] == fig and (
                    village is None or (e["village"] or "") == village)]
                T.check(s == 200 and js["explain"] == want and
                        js["explain_total"] == len(want),
                        "%s: the %d lines of the full list (%d %s)"
                        % (path, len(want), s, js and js.get("explain_total")))
                T.check(fig != "affected" or len(want) > 0,
                        "%s: the case has lines to show" % path)
            s, js, _, _ = v.req("GET", "/api/reports/disaster")
            today = n.js("report", "disaster")
            T.check(s == 200 and js["kind"] == "initial" and
                    js["date"] == today["date"] and js["area"] is None,
                    "the defaults: initial, today (local), no unit")
            for path, args in (
                    ("/api/reports/completeness", ["completeness"]),
                    ("/api/reports/completeness?village=" +
                     urllib.parse.quote("甲村"),
                     ["completeness", "--village", "甲村"]),
                    ("/api/reports/relief", ["relief"]),
                    ("/api/reports/hxl", ["hxl"]),
                    ("/api/reports/hxl?by=site", ["hxl", "--by", "site"]),
                    ("/api/reports/pfif", ["pfif"]),
                    ("/api/reports/submitted", ["submitted"])):
                s, js, _, _ = v.req("GET", path)
                T.check_eq((s, js), (200, n.js("report", *args)),
                           "%s is report %s --json" % (path, " ".join(args)))
            refused(v, n, "GET", "/api/reports/completeness?village=" +
                    urllib.parse.quote("甲"), None, 404, "not_found",
                    "completeness of a village no household names")
            s, js, _, _ = v.req("GET", "/api/dups")
            dups = n.js("dups")
            T.check_eq((s, js), (200, dups), "/api/dups is huzhu dups --json")
            T.check(any({r["id"] for r in g.get("persons", [])} ==
                        {ids["P3"], ids["P4"]} for g in dups["groups"]),
                    "the two 测试乙一 are a likely duplicate")

            # Bad input: 400 with the message, nothing written.
            for path, field in (
                    ("/api/reports/disaster?date=2026-02-30", "date"),
                    ("/api/reports/disaster/xlsx?date=2026-13-01", "date"),
                    ("/api/reports/disaster?date=26-07-01", "date"),
                    ("/api/reports/disaster?kind=final", "kind"),
                    ("/api/reports/disaster?explain=yes", "explain"),
                    ("/api/reports/disaster?explain=1&figure=weather",
                     "figure"),
                    ("/api/reports/disaster?figure=affected", "figure"),
                    ("/api/reports/disaster/xlsx?explain=1&village=" +
                     urllib.parse.quote("甲村"), "village"),
                    ("/api/reports/hxl/csv?by=county", "by"),
                    ("/api/reports/pfif/xml?domain=A_B", "domain")):
                js = refused(v, n, "GET", path, None, 400, "bad_value",
                             "GET " + path)
                T.check_eq(js["error"].get("field"), field,
                           "%s names %s" % (path, field))
            js = refused(v, n, "GET", "/api/reports/disaster?date=2026-02-30",
                         None, 400, "bad_value", "a date that does not exist")
            T.check("YYYY-MM-DD" in js["error"]["en"] and
                    "日期" in js["error"]["zh"], "the message says the form")
            refused(v, n, "GET", "/api/reports/disaster?when=1", None, 400,
                    "unknown_field", "an unknown parameter")
            refused(v, n, "GET", "/api/reports/disaster/pdf", None, 404,
                    "not_found", "a format there is not")
            refused(v, n, "GET", "/api/reports/weather", None, 404,
                    "not_found", "a report there is not")
            refused(v, n, "GET", "/api/reports/submitted/" + "0" * 32, None,
                    404, "not_found", "a report never submitted")

            # Files: the CLI's bytes (CSV, HXL), cells (XLSX), PFIF but
            # for the time made.
            dq = "kind=initial&date=2026-07-01"
            dargs = ["disaster", "--kind", "initial", "--date", "2026-07-01"]
            for path, args, name, ctype in (
                    ("/api/reports/disaster/csv?" + dq,
                     dargs + ["--format", "csv"],
                     "disaster-initial-2026-07-01.csv", "text/csv"),
                    ("/api/reports/relief/csv", ["relief", "--format", "csv"],
                     "relief.csv", "text/csv"),
                    ("/api/reports/completeness/csv",
                     ["completeness", "--format", "csv"], "completeness.csv",
                     "text/csv"),
                    ("/api/reports/hxl/csv", ["hxl"], "hxl-village.csv",
                     "text/csv"),
                    ("/api/reports/hxl/csv?by=site", ["hxl", "--by", "site"],
                     "hxl-site.csv", "text/csv"),
                    ("/api/reports/disaster/xlsx?explain=1&" + dq,
                     dargs + ["--explain", "--format", "xlsx"],
                     "disaster-initial-2026-07-01.xlsx",
                     "application/vnd.openxmlformats-officedocument."
                     "spreadsheetml.sheet"),
                    ("/api/reports/disaster/xlsx?" + dq,
                     dargs + ["--format", "xlsx"],
                     "disaster-initial-2026-07-01.xlsx",
                     "application/vnd.openxmlformats-officedocument."
                     "spreadsheetml.sheet"),
                    ("/api/reports/relief/xlsx",
                     ["relief", "--format", "xlsx"], "relief.xlsx",
                     "application/vnd.openxmlformats-officedocument."
                     "spreadsheetml.sheet"),
                    ("/api/reports/recovery/csv",
                     ["recovery", "--format", "csv"], "recovery.csv",
                     "text/csv"),
                    ("/api/reports/recovery/xlsx",
                     ["recovery", "--format", "xlsx"], "recovery.xlsx",
                     "application/vnd.openxmlformats-officedocument."
                     "spreadsheetml.sheet"),
                    ("/api/reports/pfif/xml", ["pfif"], "pfif.xml",
                     "application/xml")):
                s, _, h, body = v.req("GET", path)
                T.check_eq(s, 200, "GET " + path)
                T.check(h["Content-Type"].startswith(ctype),
                        "%s: Content-Type %s" % (path, h["Content-Type"]))
                disp = h.get("Content-Disposition", "")
                T.check(disp.startswith('attachment; filename="%s"; '
                                        "filename*=UTF-8''" % name),
                        "%s: a download named %s (%s)" % (path, name, disp))
                utf8 = urllib.parse.unquote(disp.split("UTF-8''", 1)[1])
                T.check(utf8.endswith(name.rsplit(".", 1)[1]),
                        "%s: the UTF-8 name %s" % (path, utf8))
                T.check_eq(h.get("Cache-Control"), "no-store",
                           "%s: not cached" % path)
                want = cli_file(n, work, "f-" + name, *args)
                if name.endswith(".xlsx"):
                    T.check_eq(xlsx_cells(body), xlsx_cells(want),
                               "%s: the CLI's sheets and cells" % path)
                elif name.endswith(".xml"):
                    t = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
                    T.check_eq(re.sub(t, "T", body.decode()),
                               re.sub(t, "T", want.decode()),
                               "%s: the CLI's PFIF" % path)
                else:
                    T.check_eq(body, want, "%s: the CLI's bytes" % path)
            s, _, h, _ = v.req("GET", "/api/reports/disaster/csv?" + dq)
            T.check("filename*=UTF-8''" + urllib.parse.quote(
                "自然灾害情况统计表-初报-2026-07-01.csv") in
                h["Content-Disposition"], "the Chinese name, encoded")

            # A viewer submits and merges nothing; a site account merges
            # nothing.
            h0 = n.state_hash()
            body = {"kind": "initial", "date": "2026-07-01"}
            refused(v, n, "POST", "/api/reports/disaster/submit", body, 403,
                    "forbidden", "a viewer's submission", "reports")
            refused(st, n, "POST", "/api/reports/disaster/submit", body, 403,
                    "forbidden", "a site account's submission", "reports")
            for c, who in ((v, "a viewer"), (st, "a site account")):
                refused(c, n, "POST", "/api/merge",
                        {"table": "persons", "keep": ids["P3"],
                         "dup": ids["P4"]}, 403, "forbidden",
                        who + "'s merge", "persons")
                refused(c, n, "POST", "/api/unmerge",
                        {"table": "persons", "dup": ids["P4"]}, 403,
                        "forbidden", who + "'s unmerge", "persons")
            refused(a, n, "POST", "/api/reports/disaster/submit",
                    {"kind": "initial", "date": "2026-02-29"}, 400,
                    "bad_value", "a submission of a day there is not",
                    "reports")
            refused(a, n, "POST", "/api/reports/disaster/submit",
                    {"kind": "initial", "when": "now"}, 400,
                    "unknown_field", "a submission with another field",
                    "reports")
            T.check_eq(n.state_hash(), h0, "the refusals changed nothing")

            # A submission: as --submit writes it, by the account.
            s, js, _, _ = a.req("POST", "/api/reports/disaster/submit",
                                {"kind": "daily", "date": "2026-07-01",
                                 "area": "测试乡"})
            T.check_eq(s, 201, "an admin submits")
            rid = js.get("submitted")
            T.check(T.is_hex(rid or "", 32), "the new report's id")
            sub = n.js("report", "submitted")
            T.check_eq([(r["report"], r["kind"], r["date"], r["area"],
                         r["account"]) for r in sub],
                       [(rid, "daily", "2026-07-01", "测试乡", "管理员")],
                       "report submitted lists it with the account")
            one = n.js("report", "show", rid)
            T.check_eq([{k: x for k, x in r.items() if k != "id"}
                        for r in one[0]["rows"]],
                       js["rows"],
                       "the figures submitted are the report's")
            hist = n.js("history", "reports", rid)
            T.check_eq([e["account"] for e in hist], ["管理员"],
                       "history reports ID shows the account")
            s, got, _, _ = v.req("GET", "/api/reports/submitted/" + rid)
            T.check_eq((s, got), (200, n.js("report", "show", rid)),
                       "/api/reports/submitted/ID is report show --json")
            s, got, _, _ = v.req("GET", "/api/reports/submitted")
            T.check_eq(got, n.js("report", "submitted"),
                       "the list, after the submission")
            s, js, _, _ = co.req("POST", "/api/reports/disaster/submit", {})
            T.check(s == 201 and js["kind"] == "initial" and
                    js["previous"]["report"] == rid,
                    "a coordinator submits; the defaults; the previous one")

            # Merges: the CLI's checks.
            P3, P4 = ids["P3"], ids["P4"]
            h0 = n.state_hash()
            for body, status, code, what in (
                    ({"table": "sites", "keep": P3, "dup": P4}, 400,
                     "bad_value", "another table"),
                    ({"table": "persons", "keep": P3, "dup": P3}, 400,
                     "bad_value", "KEEP = DUP"),
                    ({"table": "persons", "keep": P3, "dup": "xyz"}, 400,
                     "bad_value", "a malformed id"),
                    ({"table": "persons", "keep": P3, "dup": "f" * 32}, 404,
                     "not_found", "a record not held"),
                    ({"table": "households", "keep": ids["H1"], "dup": P4},
                     404, "not_found", "a person as a household"),
                    ({"table": "persons", "keep": P3}, 422, "missing",
                     "no DUP"),
                    ({"table": "persons", "keep": P3, "dup": P4, "x": 1}, 400,
                     "unknown_field", "another field")):
                refused(co, n, "POST", "/api/merge", body, status, code,
                        "merge: " + what, "persons")
            refused(co, n, "POST", "/api/unmerge",
                    {"table": "persons", "dup": P4}, 409, "conflict",
                    "unmerge of a record not merged", "persons")
            T.check_eq(n.state_hash(), h0, "the refusals changed nothing")
            s, js, _, _ = co.req("POST", "/api/merge",
                                 {"table": "persons", "keep": P3, "dup": P4})
            T.check_eq((s, js), (200, {"table": "persons", "id": P4,
                                       "merged_into": P3}),
                       "a coordinator merges, as huzhu merge --json says")
            T.check_eq(n.js("get", "persons", P4).get("merged_into"), P3,
                       "DUP's merged_into is KEEP")
            T.check_eq([e["account"] for e in
                        n.js("history", "persons", P4)][-1], "协调员",
                       "the merge names the account")
            s, js, _, _ = v.req("GET", "/api/dups")
            T.check(not any(P4 in {r["id"] for r in g.get("persons", [])}
                            for g in js["groups"]),
                    "a merged record is no longer a likely duplicate")
            refused(a, n, "POST", "/api/merge",
                    {"table": "persons", "keep": P4, "dup": P3}, 409,
                    "conflict", "a merge that would make a cycle", "persons")
            s, js, _, _ = a.req("POST", "/api/unmerge",
                                {"table": "persons", "dup": P4})
            T.check_eq((s, js), (200, {"table": "persons", "id": P4,
                                       "merged_into": None}),
                       "an admin unmerges")
            T.check(n.js("get", "persons", P4).get("merged_into") is None,
                    "DUP stands for itself again")
        finally:
            w.stop()
        # Past the web's bound (3 here, 10,000 in the field) the list
        # is cut, saying how long it is; the XLSX has all of it.
        w3 = Web(n, env={"HUZHU_TEST_EXPLAIN_WEB_MAX": "3"})
        try:
            v3 = logged_in(w3, "viewer1")[0]
            s, js, _, _ = v3.req("GET", "/api/reports/disaster?explain=1")
            full = n.js("report", "disaster", "--explain")["explain"]
            T.check(s == 200 and js["explain"] == full[:3] and
                    js["explain_total"] == len(full) and len(full) > 3,
                    "the web gives the first 3 of %d lines and their "
                    "count (%d %s)" % (len(full), s,
                                       js and js.get("explain_total")))
            s, _, _, data = v3.req("GET",
                                   "/api/reports/disaster/xlsx?explain=1")
            sheets = {name: rows for name, _, rows in xlsx_cells(data)}
            T.check(s == 200 and len(sheets.get("明细", [])) == len(full) + 1,
                    "the XLSX downloaded has every line (%d %d)"
                    % (s, len(sheets.get("明细", []))))
        finally:
            w3.stop()


ROSTERS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "roster")


def upload(client, name, query="", ctype="application/octet-stream",
           data=None, **kw):
    """POST a roster file of tests/roster to /api/import/roster."""
    if data is None:
        with open(os.path.join(ROSTERS, name), "rb") as f:
            data = f.read()
    q = "name=" + urllib.parse.quote(name) + ("&" + query if query else "")
    return client.req("POST", "/api/import/roster?" + q, raw=data,
                      ctype=ctype, **kw)


def as_uploaded(j, name):
    """The command's --json as the upload of @name gives it: the file as
    the browser named it."""
    j = dict(j)
    j["file"] = name
    return j


@cases.case
def a_roster_uploaded_is_imported_as_the_command_line_imports_it():
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        user_add(n, "协调员", "coordinator")
        other = T.Node.create(work, "对照", "cli")
        w = Web(n)
        try:
            a, v, co, st = logged_in(w, "管理员", "viewer1", "协调员",
                                     "site1")
            gb = os.path.join(ROSTERS, "roster-gb18030.csv")

            # The dry run: what the command's dry run says, nothing written.
            before = entries(n)
            s, js, _, _ = upload(a, "roster-gb18030.csv", "dry_run=1")
            want = n.js("import", "roster", gb, "--dry-run")
            T.check_eq((s, js), (200, as_uploaded(want, "roster-gb18030.csv")),
                       "a dry run answers as import roster --dry-run --json")
            T.check(js["dry_run"] and js["encoding"] == "gb18030" and
                    js["households"]["new"] == 3 and
                    js["persons"]["new"] == 6,
                    "GB18030 found; 3 households and 6 persons would be added")
            T.check_eq(entries(n), before, "the dry run wrote nothing")
            T.check(not [f for f in os.listdir(n.dir)
                         if f.startswith(".upload-")],
                    "the uploaded file is not left in the node directory")

            # An upload left behind by a serve that died reading it is
            # removed with the next.
            stale = os.path.join(n.dir, ".upload-deadbe")
            with open(stale, "wb") as f:
                f.write(b"a roster a dead process left")
            s, _, _, _ = upload(a, "roster-gb18030.csv", "dry_run=1")
            T.check(s == 200 and not os.path.exists(stale),
                    "a leftover upload is removed with the next (%d)" % s)

            # The import itself, once; its entries name the account.
            s, js, _, _ = upload(co, "roster-gb18030.csv")
            T.check(s == 200 and not js["dry_run"] and
                    js["households"]["new"] == 3 and
                    js["persons"]["new"] == 6,
                    "a coordinator's upload writes 3 households, 6 persons "
                    "(%d %s)" % (s, js and js.get("households")))
            hh = n.js("ls", "households")
            T.check_eq(sorted(h["number"] for h in hh), ["001", "002", "003"],
                       "the households are on the node with their 户号")
            T.check_eq([e["account"] for e in
                        n.js("history", "households", hh[0]["id"])],
                       ["协调员"], "the import names the account")
            theirs = other.js("import", "roster", gb)
            T.check_eq((theirs["households"], theirs["persons"]),
                       (js["households"], js["persons"]),
                       "the same counts as the command line on a node of "
                       "its own")
            h1 = n.state_hash()
            s, js, _, _ = upload(co, "roster-gb18030.csv")
            T.check(s == 200 and js["households"]["seen"] == 3 and
                    js["households"]["new"] == 0 and
                    js["persons"]["new"] == 0,
                    "the same upload again adds nothing (%s)"
                    % (js and js.get("households")))
            T.check_eq(n.state_hash(), h1, "and changes nothing")

            # Broken rows: refused by their line, the rest written.
            s, js, _, _ = upload(a, "roster-broken.csv", "dry_run=1")
            want = n.js("import", "roster",
                        os.path.join(ROSTERS, "roster-broken.csv"),
                        "--dry-run")
            T.check_eq((s, js), (200, as_uploaded(want, "roster-broken.csv")),
                       "broken rows: the same refusals, by row, as the "
                       "command line")
            T.check({r["row"] for r in js["refused"]} >= {3, 4, 5, 6},
                    "each broken row by its line")
            T.check(all(r["why_zh"] and r["why"] for r in js["refused"]),
                    "every refusal says why in Chinese and English")

            # An XLSX, its sheet chosen by name.
            s, js, _, _ = upload(a, "roster-persons.xlsx", "dry_run=1&sheet=" +
                                 urllib.parse.quote(
                                     want_sheet(n, "roster-persons.xlsx")))
            want = n.js("import", "roster",
                        os.path.join(ROSTERS, "roster-persons.xlsx"),
                        "--dry-run")
            T.check_eq((s, js), (200, as_uploaded(want,
                                                  "roster-persons.xlsx")),
                       "an XLSX upload reads the sheet named as the command "
                       "line finds it")

            # A village's roster past the 64 KiB of a JSON body: 3,000
            # households of two persons (about 190 KB).
            rows = ["户号,户主姓名,姓名,与户主关系,性别,出生日期"]
            for i in range(3000):
                rows.append("V%04d,测试户主%d,测试户主%d,户主,男,1960-01-01"
                            % (i, i, i))
                rows.append("V%04d,测试户主%d,测试家属%d,配偶,女,1962-05-01"
                            % (i, i, i))
            data = ("\n".join(rows) + "\n").encode()
            T.check(len(data) > 128 * 1024, "the roster is over 128 KiB")
            s, js, _, _ = upload(a, "village.csv", "dry_run=1&village=" +
                                 urllib.parse.quote("测试村"), data=data)
            T.check(s == 200 and js["households"]["new"] == 3000 and
                    js["persons"]["new"] == 6000 and js["refused"] == [],
                    "a 190 KB roster: 3,000 households, 6,000 persons "
                    "(%d %s)" % (s, js and js.get("households")))

            # Refusals: each a clear error, nothing written.
            h1 = n.state_hash()
            for who, c in (("a viewer", v), ("a site account", st)):
                refused(c, n, "POST", "/api/import/roster?name=x.csv", None,
                        403, "forbidden", who + "'s upload", "households",
                        raw=open(gb, "rb").read(),
                        ctype="application/octet-stream")
            refused(a, n, "POST", "/api/import/roster?name=x.csv", None, 403,
                    "csrf", "an upload without the CSRF token", "households",
                    raw=open(gb, "rb").read(),
                    ctype="application/octet-stream", csrf=False)
            refused(a, n, "POST", "/api/import/roster?name=x.csv", None, 415,
                    "bad_type", "an upload sent as JSON", "households",
                    raw=open(gb, "rb").read(), ctype="application/json")
            refused(a, n, "POST", "/api/import/roster?name=x.csv", None, 400,
                    "bad_value", "an empty upload", "households", raw=b"",
                    ctype="application/octet-stream")
            for query, status, code, field, what in (
                    ("encoding=latin1", 400, "bad_value", "encoding",
                     "an encoding it does not read"),
                    ("mapping=" + urllib.parse.quote("姓名 = nationality"),
                     422, "bad_value", "mapping", "a mapping to no field"),
                    ("colour=red", 400, "unknown_field", "colour",
                     "an unknown parameter"),
                    ("sheet=" + urllib.parse.quote("没有这张表"), 422,
                     "bad_value", "sheet", "a CSV has no named sheet")):
                js = refused(a, n, "POST", "/api/import/roster?name=x.csv&" +
                             query, None, status, code, what, "households",
                             raw=open(gb, "rb").read(),
                             ctype="application/octet-stream")
                T.check_eq(js["error"].get("field"), field,
                           what + ": the field named")
            rows = "".join("Q%d,测试户主%d,测试户主%d,户主\n" % (i, i, i)
                           for i in range(600))
            for data, what in ((("户号,户主姓名,姓名,与户主关系\n" + rows +
                                 'Q9,"测试\n').encode(),
                                "a roster whose last line cannot be read, "
                                "after 600 good households"),
                               (b"\x00\x01 not a roster \xff" * 100,
                                "bytes that are no spreadsheet"),
                               (b"PK\x03\x04" + os.urandom(2000),
                                "a broken zip")):
                js = refused(a, n, "POST", "/api/import/roster?name=x.xlsx",
                             None, 422, "bad_value", what, "households",
                             raw=data, ctype="application/octet-stream")
                T.check_eq(js["error"].get("field"), "file",
                           what + ": the file named as the fault")
            # Declared over 32 MiB: answered before a byte of it is read.
            refused(a, n, "POST", "/api/import/roster?name=big.csv", None,
                    413, "too_big", "an upload declaring over 32 MiB",
                    "households", raw=b"a",
                    headers={"Content-Length": str(32 * 1024 * 1024 + 1)},
                    ctype="application/octet-stream")
            refused(a, n, "POST", "/api/households", None, 413, "too_big",
                    "a JSON body over 64 KiB elsewhere", "households",
                    raw=b"[" + b"1," * 40000 + b"1]")
            T.check_eq(n.state_hash(), h1, "the refusals changed nothing")
            T.check(not [f for f in os.listdir(n.dir)
                         if f.startswith(".upload-")],
                    "no refused upload is left in the node directory")
        finally:
            w.stop()


def want_sheet(n, name):
    """The sheet the command line reads of @name."""
    return n.js("import", "roster", os.path.join(ROSTERS, name),
                "--dry-run")["sheet"]


@cases.case
def social_forces_catalogue_and_service_record():
    """The catalogue and a volunteer's record over the API are what huzhu
    org ls and volunteer record give; roles hold (a viewer writes nothing,
    a site account records service at its own site only)."""
    with T.TempDir("web") as work:
        n, s1, s2 = setup(work)
        user_add(n, "协调员", "coordinator")
        w = Web(n)
        try:
            co, site, viewer = logged_in(w, "协调员", "site1", "viewer1")
            s, org, _, _ = co.req("POST", "/api/organisations",
                                  {"name": "蓝天救援队", "kind": "volunteer_team",
                                   "services": "水上救援", "village": "东村",
                                   "confirmed_at": 1717200000})
            T.check_eq(s, 201, "an organisation added")
            s, js, _, _ = co.req("GET", "/api/reports/organisations?skill=水上"
                                 .replace("水上", "%E6%B0%B4%E4%B8%8A"))
            T.check_eq([o["name"] for o in js["organisations"]], ["蓝天救援队"],
                       "searched by skill")
            T.check(js["organisations"][0]["stale"], "flagged stale")
            T.check_eq(js, n.js("org", "ls", "--skill", "水上") | {
                "now": js["now"]}, "the same as huzhu org ls")
            refused(co, n, "GET", "/api/reports/organisations?stale_days=0",
                    None, 400, "bad_value", "0 stale days")
            s, v, _, _ = co.req("POST", "/api/volunteers",
                                {"name": "测试志愿者", "organisation": org["id"]})
            T.check_eq(s, 201, "a volunteer registered")
            s, cin, _, _ = site.req("POST", "/api/volunteer_service",
                                    {"kind": "in", "volunteer": v["id"],
                                     "site": s1, "task": "医疗",
                                     "time": 1717200000})
            T.check_eq(s, 201, "a site account checks a volunteer in there")
            s, _, _, _ = site.req("POST", "/api/volunteer_service",
                                  {"kind": "out", "volunteer": v["id"],
                                   "site": s1, "closes": cin["id"],
                                   "task": "医疗", "time": 1717200000 + 5400})
            T.check_eq(s, 201, "and out")
            # The checks huzhu volunteer checkin/checkout make, made by the
            # node itself for a web write too (each refusal writes nothing).
            s, cin2, _, _ = site.req("POST", "/api/volunteer_service",
                                     {"kind": "in", "volunteer": v["id"],
                                      "site": s1, "time": 1717300000})
            T.check_eq(s, 201, "checked in again after the check-out")
            for body, why in [
                    ({"kind": "in", "volunteer": v["id"], "site": s1,
                      "time": 1717300100}, "a second check-in"),
                    ({"kind": "out", "volunteer": v["id"], "site": s1,
                      "closes": cin2["id"], "time": 1717299999},
                     "a check-out before its check-in"),
                    ({"kind": "out", "volunteer": v["id"], "site": s1,
                      "closes": cin["id"], "time": 1717300200},
                     "a check-out of a check-in closed already"),
                    ({"kind": "hours", "volunteer": v["id"], "site": s1,
                      "minutes": 60, "time": 4000000000},
                     "service in the future")]:
                refused(site, n, "POST", "/api/volunteer_service", body, 422,
                        "bad_value", why)
            s, _, _, _ = site.req("POST", "/api/volunteer_service",
                                  {"kind": "out", "volunteer": v["id"],
                                   "site": s1, "closes": cin2["id"],
                                   "time": 1717300000 + 1800})
            T.check_eq(s, 201, "the second check-in closed")
            refused(site, n, "POST", "/api/volunteer_service",
                    {"kind": "hours", "volunteer": v["id"], "site": s2,
                     "minutes": 60, "time": 1717200000}, 403, "forbidden",
                    "a site account's hours at another site")
            refused(site, n, "POST", "/api/organisations", {"name": "x"},
                    403, "forbidden", "a site account adds no organisation")
            refused(viewer, n, "POST", "/api/volunteers", {"name": "x"},
                    403, "forbidden", "a viewer registers nobody")
            refused(co, n, "POST", "/api/volunteer_service",
                    {"kind": "out", "volunteer": v["id"], "site": s1,
                     "time": 1717200000}, 422, "bad_value",
                    "a check-out naming no check-in")
            s, rec, _, _ = viewer.req("GET", "/api/reports/volunteer?id="
                                      + v["id"])
            T.check_eq(s, 200, "a viewer reads the record")
            want = n.js("volunteer", "record", v["id"])
            rec.pop("made")
            want.pop("made")
            T.check_eq(rec, want, "the record as huzhu volunteer record")
            T.check_eq(rec["total_minutes"], 120, "90 and 30 minutes")
            s, _, h, body = viewer.req("GET", "/api/reports/volunteer/csv?id="
                                       + v["id"])
            T.check(s == 200 and h.get("Content-Type", "").startswith(
                "text/csv"), "the record as CSV")
            path = os.path.join(work, "r.csv")
            n.run("volunteer", "record", v["id"], "--csv", path, expect=0)
            with open(path, "rb") as f:
                cli = f.read()
            strip = lambda b: [x for x in b.split(b"\r\n")
                               if not x.startswith("\"制表时间\"".encode())]
            T.check_eq(strip(body), strip(cli), "the CSV as the CLI writes it")
            s, js, _, _ = viewer.req("GET", "/api/reports/volunteer?id=00")
            T.check_eq(s, 422, "a bad id")
            s, js, _, _ = viewer.req("GET", "/api/reports/volunteer?id="
                                     + "0" * 32)
            T.check_eq(s, 404, "no such volunteer")
        finally:
            w.stop()


@cases.case
def needs_offers_and_matches():
    """A need promised and met over the API as huzhu need and match show
    it; suggestions as huzhu match suggest gives them; a promise of more
    than is left, to a closed need, or a receipt against a cancelled
    promise refused with 422, writing nothing."""
    with T.TempDir("web") as work:
        n, s1, s2 = setup(work)
        user_add(n, "协调员", "coordinator")
        w = Web(n)
        try:
            co, site, viewer = logged_in(w, "协调员", "site1", "viewer1")
            item = n.out("item", "add", "--name", "矿泉水", "--unit", "箱")
            s, need, _, _ = co.req("POST", "/api/needs",
                                   {"what": "矿泉水", "qty": 100,
                                    "category": "water", "item": item,
                                    "urgency": "high", "site": s1})
            T.check_eq(s, 201, "a need published")
            s, offer, _, _ = co.req("POST", "/api/offers",
                                    {"what": "矿泉水", "qty": 60,
                                     "category": "water", "site": s2})
            T.check_eq(s, 201, "an offer recorded")
            s, js, _, _ = viewer.req("GET", "/api/reports/match_suggestions")
            T.check_eq(s, 200, "suggestions")
            want = n.js("match", "suggest")
            T.check_eq(js["suggestions"], want["suggestions"],
                       "the same as huzhu match suggest")
            T.check_eq([(x["need"], x["offer"], x["qty"])
                        for x in js["suggestions"]],
                       [(need["id"], offer["id"], 60)], "one suggestion")
            s, m, _, _ = co.req("POST", "/api/matches",
                                {"need": need["id"], "offer": offer["id"],
                                 "qty": 60, "time": 1717200000})
            T.check_eq(s, 201, "a promise")
            for body, why in [
                    ({"need": need["id"], "offer": offer["id"], "qty": 1,
                      "time": 1717200000}, "more than the offer has left"),
                    ({"need": need["id"], "offer": offer["id"], "qty": 0,
                      "time": 1717200000}, "a quantity of 0")]:
                refused(co, n, "POST", "/api/matches", body, 422,
                        "bad_value", why, table="matches")
            s, js, _, _ = viewer.req("GET", "/api/views/needs")
            T.check_eq([(x["need"], x["state"], x["promised"]) for x in js],
                       [(need["id"], "promised", 60)], "promised")
            s, _, _, _ = site.req("POST", "/api/stock_moves",
                                  {"kind": "received", "match": m["id"],
                                   "qty": 60, "site": s1, "item": item,
                                   "time": 1717200000})
            T.check_eq(s, 201, "received at the shelter against the match")
            s, js, _, _ = viewer.req("GET", "/api/views/needs?site=" + s1)
            T.check_eq([(x["state"], x["received"]) for x in js],
                       [("partly_met", 60)], "partly met")
            T.check_eq(js, n.js("need", "ls", "--site", s1),
                       "the view as huzhu need ls")
            s, c, _, _ = co.req("POST", "/api/matches",
                                {"need": need["id"], "offer": offer["id"],
                                 "qty": 60, "reverses": m["id"],
                                 "time": 1717200000})
            T.check_eq(s, 201, "the promise cancelled")
            refused(site, n, "POST", "/api/stock_moves",
                    {"kind": "received", "match": m["id"], "qty": 1,
                     "site": s1, "item": item, "time": 1717200000}, 422,
                    "bad_value", "a receipt against a cancelled promise",
                    table="stock_moves")
            s, _, _, _ = co.req("PATCH", "/api/needs/" + need["id"],
                                {"status": "closed"})
            T.check_eq(s, 200, "the need closed")
            refused(co, n, "POST", "/api/matches",
                    {"need": need["id"], "offer": offer["id"], "qty": 1,
                     "time": 1717200000}, 422, "bad_value",
                    "a promise to a closed need", table="matches")
            refused(viewer, n, "POST", "/api/needs", {"what": "x", "qty": 1},
                    403, "forbidden", "a viewer publishes no need")
        finally:
            w.stop()


@cases.case
def donations_and_their_disclosure():
    """Donations over the API as huzhu donation ls gives them; a use of
    more than is left refused with 422, writing nothing; the disclosure
    (捐赠公示) as JSON, CSV and XLSX as huzhu report disclosure gives it,
    for the township and for one organisation; no such organisation 404."""
    with T.TempDir("web") as work:
        n, s1, s2 = setup(work)
        user_add(n, "协调员", "coordinator")
        org = n.out("org", "add", "--name", "红十字会", "--kind", "social_org")
        w = Web(n)
        try:
            co, viewer = logged_in(w, "协调员", "viewer1")
            s, d, _, _ = co.req("POST", "/api/donations",
                                {"kind": "money", "amount": 100000,
                                 "donor": "某企业", "organisation": org,
                                 "time": 1717200000})
            T.check_eq(s, 201, "a donation recorded")
            s, _, _, _ = co.req("POST", "/api/ledger",
                                {"donation": d["id"], "kind": "expenditure",
                                 "amount": 30050, "village": "东村",
                                 "purpose": "饮用水", "time": 1717200000})
            T.check_eq(s, 201, "spent")
            js = refused(co, n, "POST", "/api/ledger",
                         {"donation": d["id"], "kind": "disbursement",
                          "amount": 70000, "time": 1717200000}, 422,
                         "bad_value", "more than the donation has left",
                         table="ledger")
            T.check_eq(js["error"].get("field"), "amount",
                       "the node's check names the amount, for the form")
            s, js, _, _ = viewer.req("GET", "/api/views/donations")
            T.check_eq((s, js), (200, n.js("donation", "ls")),
                       "the view as huzhu donation ls")
            for q, args in (("", []), ("?org=" + org, ["--org", org])):
                s, js, _, _ = viewer.req("GET", "/api/reports/disclosure" + q)
                T.check_eq((s, no_made(js)),
                           (200, no_made(n.js("report", "disclosure", *args))),
                           "/api/reports/disclosure%s as the CLI's" % q)
                T.check_eq(js["totals"][0]["used"], 30050, "the use counted")
                for fmt, name in (("csv", "disclosure.csv"),
                                  ("xlsx", "disclosure.xlsx")):
                    s, _, h, body = viewer.req(
                        "GET", "/api/reports/disclosure/%s%s" % (fmt, q))
                    T.check(s == 200 and 'filename="%s"' % name in
                            h.get("Content-Disposition", ""),
                            "the %s download (%d)" % (fmt, s))
                    want = cli_file(n, work, "dc." + fmt, "disclosure", *args,
                                    "--format", fmt)
                    if fmt == "csv":  # the line saying when it was made
                        T.check_eq(body.split(b"\r\n")[1:],
                                   want.split(b"\r\n")[1:],
                                   "the CLI's CSV" + q)
                    else:
                        T.check_eq([(t, m, r[1:]) for t, m, r in
                                    xlsx_cells(body)],
                                   [(t, m, r[1:]) for t, m, r in
                                    xlsx_cells(want)], "the CLI's XLSX" + q)
            # The page gets the uses a page at a time, with their count.
            co.req("POST", "/api/ledger",
                   {"donation": d["id"], "kind": "commitment",
                    "amount": 100, "time": 1717200001})
            whole = n.js("report", "disclosure")
            T.check_eq(whole["ledger_count"], 2, "two uses")
            for q, want in (("?limit=1", whole["ledger"][:1]),
                            ("?limit=1&offset=1", whole["ledger"][1:]),
                            ("?offset=2", []),
                            ("?org=%s&limit=1000" % org, whole["ledger"])):
                s, js, _, _ = viewer.req("GET", "/api/reports/disclosure" + q)
                T.check_eq((s, js["ledger"], js["ledger_count"],
                            js["totals"], js["villages"]),
                           (200, want, 2, whole["totals"], whole["villages"]),
                           "the uses' page %s, the rest whole" % q)
            for q in ("?limit=0", "?limit=1001", "?offset=-1", "?limit=x"):
                refused(viewer, n, "GET", "/api/reports/disclosure" + q,
                        None, 400, "bad_value", "a page " + q)
            refused(viewer, n, "GET", "/api/reports/disclosure/csv?limit=1",
                    None, 400, "unknown_field", "the files have every use")
            refused(viewer, n, "GET", "/api/reports/disclosure?org=" +
                    "0" * 32, None, 404, "not_found", "no such organisation")
            refused(viewer, n, "GET", "/api/reports/disclosure?village=x",
                    None, 400, "unknown_field", "an unknown parameter")
            refused(viewer, n, "POST", "/api/donations",
                    {"kind": "money", "amount": 1, "time": 1717200000}, 403,
                    "forbidden", "a viewer records no donation")
        finally:
            w.stop()


@cases.case
def warning_campaign_and_refused_delivery():
    """A campaign over the API is what huzhu alert show gives; a delivery
    recorded there moves a household to reached, and one for a household
    outside the area is refused with 422, writing nothing."""
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        user_add(n, "协调员", "coordinator")
        east = n.js("household", "add", "--head", "测试甲", "--village",
                    "东村", "--cadre", "王干部")["id"]
        south = n.js("household", "add", "--head", "测试乙", "--village",
                     "南村")["id"]
        w = Web(n)
        try:
            co, viewer = logged_in(w, "协调员", "viewer1")
            s, notice, _, _ = co.req("POST", "/api/warning_notices",
                                     {"event": "暴雨", "villages": "东村",
                                      "severity": "severe",
                                      "sent": 1717200000})
            T.check_eq(s, 201, "a notice added")
            cid = notice["id"]
            s, ls, _, _ = viewer.req("GET", "/api/reports/campaigns")
            T.check_eq((s, ls), (200, n.js("alert", "ls")),
                       "campaigns as huzhu alert ls")
            refused(co, n, "POST", "/api/warnings",
                    {"campaign": cid, "household": south, "method": "door",
                     "notice": "暴雨", "time": 1717200600}, 422, "bad_value",
                    "a household outside the area", table="warnings")
            refused(viewer, n, "POST", "/api/warnings",
                    {"campaign": cid, "household": east, "method": "door",
                     "notice": "暴雨", "time": 1717200600}, 403, "forbidden",
                    "a viewer records no delivery", table="warnings")
            s, _, _, _ = co.req("POST", "/api/warnings",
                                {"campaign": cid, "household": east,
                                 "method": "phone", "notice": "暴雨",
                                 "reached": True, "time": 1717200600})
            T.check_eq(s, 201, "a delivery recorded")
            s, rep, _, _ = viewer.req("GET", "/api/reports/campaign?id="
                                      + cid)
            T.check_eq((s, rep), (200, n.js("alert", "show", cid)),
                       "the campaign as huzhu alert show")
            T.check_eq(rep["totals"]["reached"], 1, "reached")
            s, _, h, body = viewer.req("GET", "/api/reports/campaign/csv?id="
                                       + cid)
            path = os.path.join(work, "c.csv")
            n.run("alert", "show", cid, "--csv", path, expect=0)
            with open(path, "rb") as f:
                T.check(s == 200 and body == f.read(),
                        "the CSV as the CLI writes it")
            s, _, _, _ = viewer.req("GET", "/api/reports/campaign?id="
                                    + "0" * 32)
            T.check_eq(s, 404, "no such campaign")
            # a township's 100,000 households: the page asks for a page of
            # them, of one village or cadre, the sums staying whole
            north = n.js("household", "add", "--head", "测试丁", "--village",
                         "东村", "--cadre", "李干部")["id"]
            whole = n.js("alert", "show", cid)
            T.check_eq([h["household"] for h in whole["households"]],
                       [north, east], "the unreached first")
            s, rep, _, _ = viewer.req("GET", "/api/reports/campaign?id="
                                      + cid + "&limit=1&offset=1")
            T.check_eq((s, rep["households"], rep["households_count"],
                        rep["totals"], rep["by_cadre"]),
                       (200, whole["households"][1:], 2, whole["totals"],
                        whole["by_cadre"]),
                       "a page: the second household, the sums whole")
            s, rep, _, _ = viewer.req("GET", "/api/reports/campaign?id="
                                      + cid + "&cadre=%E7%8E%8B%E5%B9%B2"
                                      "%E9%83%A8&village=%E4%B8%9C%E6%9D%91")
            T.check_eq((s, [h["household"] for h in rep["households"]],
                        rep["households_count"], rep["totals"]),
                       (200, [east], 1, whole["totals"]),
                       "one cadre's households of one village")
            s, rep, _, _ = viewer.req("GET", "/api/reports/campaign?id="
                                      + cid + "&village=%E5%8D%97%E6%9D%91")
            T.check_eq((s, rep["households"], rep["households_count"]),
                       (200, [], 0), "a village outside the area: none")
            for q in ("&limit=0", "&limit=1001", "&offset=-1", "&limit=x"):
                refused(viewer, n, "GET", "/api/reports/campaign?id=" + cid
                        + q, None, 400, "bad_value", "a page " + q)
            refused(viewer, n, "GET", "/api/reports/campaign/csv?id=" + cid
                    + "&limit=1", None, 400, "unknown_field",
                    "the CSV has every household")
            s, _, h, body = viewer.req("GET", "/api/reports/campaign/csv?id="
                                       + cid + "&cadre=%E6%9D%8E%E5%B9%B2"
                                       "%E9%83%A8")
            T.check(s == 200 and "测试丁".encode() in body and
                    "测试甲".encode() not in body,
                    "the CSV of one cadre's households")
        finally:
            w.stop()


@cases.case
def cap_alert_imported_from_the_page():
    """A CAP 1.2 alert uploaded to POST /api/import/cap becomes the notice
    huzhu alert import makes of it (its villages those of this node its
    areas name), once; a malformed, foreign, incomplete or oversized
    file, a JSON body and a viewer are refused, writing nothing."""
    cap = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cap")
    with T.TempDir("web") as work:
        n, _, _ = setup(work)
        user_add(n, "协调员", "coordinator")
        for head, village in (("测试甲", "东村"), ("测试乙", "西村"),
                              ("测试丙", "南村"), ("测试丁", "北村")):
            n.js("household", "add", "--head", head, "--village", village)
        with open(os.path.join(cap, "rainstorm.xml"), "rb") as f:
            xml = f.read()
        w = Web(n)
        try:
            co, viewer = logged_in(w, "协调员", "viewer1")
            refused(viewer, n, "POST", "/api/import/cap", None, 403,
                    "forbidden", "a viewer imports nothing", raw=xml,
                    ctype="application/octet-stream")
            s, js, _, _ = co.req("POST", "/api/import/cap?villages=%E5%8C%97"
                                 "%E6%9D%91", raw=xml,
                                 ctype="application/octet-stream")
            T.check_eq((s, js["seen"], js["villages"]),
                       (201, False, "北村,东村,南村,西村"),
                       "written: the villages given, then those its areas"
                       " name")
            notice = n.js("alert", "show", js["id"])["notice"]
            # what huzhu alert import writes of the same file
            m = T.Node.create(work, "对照", "cli")
            for head, village in (("测试甲", "东村"), ("测试乙", "西村"),
                                  ("测试丙", "南村"), ("测试丁", "北村")):
                m.js("household", "add", "--head", head, "--village",
                     village)
            cli = m.js("alert", "show", m.js(
                "alert", "import", os.path.join(cap, "rainstorm.xml"),
                "--villages", "北村")["id"])["notice"]
            T.check_eq({k: v for k, v in notice.items() if k != "id"},
                       {k: v for k, v in cli.items() if k != "id"},
                       "the notice huzhu alert import makes of the file")
            before = entries(n)
            s, again, _, _ = co.req("POST", "/api/import/cap", raw=xml,
                                    ctype="application/octet-stream")
            T.check_eq((s, again), (200, {"id": js["id"], "seen": True}),
                       "the same alert again: its notice, not written")
            T.check_eq(entries(n), before, "the same alert: nothing written")
            for name in ("malformed.xml", "not_cap.xml", "no_urgency.xml"):
                with open(os.path.join(cap, name), "rb") as f:
                    bad = refused(co, n, "POST", "/api/import/cap", None,
                                  422, "bad_value", name, "warning_notices",
                                  raw=f.read(),
                                  ctype="application/octet-stream")
                T.check_eq(bad["error"].get("field"), "file",
                           name + ": the file named as the fault")
            refused(co, n, "POST", "/api/import/cap", None, 413, "too_big",
                    "an alert declaring over 1 MiB", "warning_notices",
                    raw=b"a",
                    headers={"Content-Length": str((1 << 20) + 1)},
                    ctype="application/octet-stream")
            refused(co, n, "POST", "/api/import/cap", {"x": 1}, 415,
                    "bad_type", "a JSON body", "warning_notices")
            refused(co, n, "POST", "/api/import/cap", None, 400,
                    "bad_value", "an empty body", "warning_notices", raw=b"",
                    ctype="application/octet-stream")
        finally:
            w.stop()


@cases.case
def patrols_hazards_and_duty():
    """Patrol points, hazards and duty over the API are what huzhu patrol
    ls, hazard ls and duty now give; a hazard reported there is open
    until a response is recorded there; a response to no hazard and a
    shift ending before it starts are refused, writing nothing."""
    with T.TempDir("web") as work:
        n, s1, _ = setup(work)
        user_add(n, "协调员", "coordinator")
        w = Web(n)
        try:
            co, viewer = logged_in(w, "协调员", "viewer1")
            s, pt, _, _ = co.req("POST", "/api/patrol_points",
                                 {"name": "东堤", "kind": "dike",
                                  "village": "东村", "interval_h": 4})
            T.check_eq(s, 201, "a patrol point added")
            s, _, _, _ = co.req("POST", "/api/patrols",
                                {"point": pt["id"], "seen": "无异常",
                                 "finding": "normal", "time": 1717200000})
            T.check_eq(s, 201, "a round recorded")
            s, hz, _, _ = co.req("POST", "/api/hazards",
                                 {"kind": "seepage", "severity": "severe",
                                  "point": pt["id"], "at_risk": 12,
                                  "time": 1717200600})
            T.check_eq(s, 201, "a hazard reported")
            s, rep, _, _ = viewer.req("GET", "/api/reports/hazards")
            T.check_eq((s, rep), (200, n.js("hazard", "ls")),
                       "hazards as huzhu hazard ls")
            T.check_eq((rep["open"], rep["hazards"][0]["village"]),
                       (1, "东村"), "open, in its point's village")
            s, pts, _, _ = viewer.req("GET", "/api/reports/patrol_points")
            T.check_eq((s, pts["points"]),
                       (200, n.js("patrol", "ls")["points"]),
                       "points as huzhu patrol ls")
            T.check_eq((pts["overdue"], pts["points"][0]["open_hazards"]),
                       (1, 1), "overdue since 2024, one open hazard")
            refused(co, n, "POST", "/api/hazard_responses",
                    {"hazard": "0" * 32, "action": "x", "time": 1717200900},
                    422, "bad_value", "a response to no hazard",
                    table="hazard_responses")
            refused(co, n, "POST", "/api/shifts",
                    {"who": "王五", "site": s1, "starts": 1717200000,
                     "ends": 1717196400}, 422, "bad_value",
                    "a shift ending before it starts", table="shifts")
            refused(viewer, n, "POST", "/api/hazard_responses",
                    {"hazard": hz["id"], "action": "x",
                     "time": 1717200900}, 403, "forbidden",
                    "a viewer records no response",
                    table="hazard_responses")
            s, _, _, _ = co.req("POST", "/api/hazard_responses",
                                {"hazard": hz["id"], "action": "已加固",
                                 "time": 1717200900})
            T.check_eq(s, 201, "a response recorded")
            s, rep, _, _ = viewer.req("GET", "/api/reports/hazards")
            T.check_eq((rep["open"], rep["hazards"][0]["open"]), (0, False),
                       "the response closes it")
            s, _, _, _ = co.req("POST", "/api/shifts",
                                {"who": "王五", "site": s1,
                                 "starts": 1717200000,
                                 "ends": 4102444000})
            T.check_eq(s, 201, "a shift added")
            s, duty, _, _ = viewer.req("GET", "/api/reports/duty")
            want = n.js("duty", "now")["places"]
            T.check_eq([(p["site_name"], [x["who"] for x in p["on_duty"]])
                        for p in duty["places"]],
                       [(p["site_name"], [x["who"] for x in p["on_duty"]])
                        for p in want], "on duty as huzhu duty now")
            T.check_eq(duty["places"][0]["gaps"], [], "no gap")
            refused(viewer, n, "GET", "/api/reports/duty?village=x", None,
                    400, "unknown_field", "duty takes no village")
        finally:
            w.stop()


if __name__ == "__main__":
    cases.main()
