#!/usr/bin/python3
"""The command-line contract, proto/cli.md: every form, its output, exit
codes and edge cases, one case per group of rows (each row of cli.md names
the case that pins it)."""
import json
import os
import sqlite3
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402

cases = T.Cases("cli_contract")


def fails(node_or_none, args, code, what, env=None):
    """Run and expect exit @code, nothing on stdout, a message on stderr."""
    if node_or_none is None:
        r = T.run(args, env=env)
    else:
        r = node_or_none.run(*args, env=env)
    T.check(r.rc == code and r.out == "" and r.err.strip() != "",
            "%s: exit %d (want %d), stdout empty, stderr: %s"
            % (what, r.rc, code, r.err.strip().splitlines()[0][:100]
               if r.err.strip() else "(empty)"))
    return r


def tree(path):
    """Every file under @path with its size and content hash."""
    out = {}
    for root, dirs, files in os.walk(path):
        for d in dirs:
            out[os.path.relpath(os.path.join(root, d), path) + "/"] = None
        for f in files:
            p = os.path.join(root, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, path)] = hash(fh.read())
    return out


@cases.case
def global_options_help_version_unknown_command():
    r = T.run(["--help"], expect=0)
    T.check("huzhu" in r.out and "bundle" in r.out and r.err == "",
            "--help: usage on stdout, exit 0")
    r = T.run(["-h", "--lang", "en"], expect=0)
    T.check("usage: huzhu" in r.out, "-h --lang en: English usage")
    r = T.run(["-V"], expect=0)
    T.check(r.out.startswith("huzhu ") and
            len(r.out.split()[1].split(".")) == 3, "-V prints huzhu X.Y.Z")
    T.check_eq(T.run(["--version"], expect=0).out, r.out, "--version too")
    r = T.run([])
    T.check(r.rc == 2 and r.out == "" and "huzhu" in r.err,
            "no command: help on stderr, exit 2")
    r = T.run(["--lang", "en", "frobnicate"])
    T.check(r.rc == 2 and r.out == "" and "unknown command" in r.err,
            "unknown command: exit 2, 'unknown command' on stderr")
    r = T.run(["--lang=en", "-h"], expect=0)
    T.check("usage: huzhu" in r.out, "--lang=en is --lang en")
    for args in (["--lang", "fr", "-h"], ["--lang", "EN", "-h"],
                 ["--lang=", "-h"], ["-h", "--lang"]):
        r = T.run(args)
        T.check(r.rc == 2 and r.out == "" and
                r.err == "huzhu: --lang 只能是 zh 或 en\n",
                "huzhu %s: exit 2, said, not Chinese in silence"
                % " ".join(args))
    r = T.run(["--lang", "en", "--lang", "de", "-h"])
    T.check(r.rc == 2 and r.err == "huzhu: --lang is zh or en\n",
            "said in the language chosen before it")
    for args in (["help", "nosuch"], ["--json", "help", "nosuch"],
                 ["--json", "help", "bundle", "nosuch"]):
        r = T.run(args)
        T.check(r.rc == 2 and r.out == "",
                "huzhu %s: exit 2, nothing on stdout" % " ".join(args))
    with T.TempDir("global") as work:
        d = os.path.join(work, "n")
        T.run(["-d", d, "init", "--name", "测试"], expect=0)
        a = T.run(["--json", "-d", d, "state-hash"], expect=0).out
        b = T.run(["-d", d, "state-hash", "--json"], expect=0).out
        c = T.run(["-d", d, "--lang", "en", "state-hash", "--json",
                   "--lang", "zh"], expect=0).out
        T.check(a == b == c and json.loads(a)["state_hash"],
                "--json and --lang are accepted before or after the command")


@cases.case
def node_directory_from_d_env_xdg_home():
    with T.TempDir("dirs") as work:
        env_dir = os.path.join(work, "from-env")
        r = T.run(["--json", "init", "--name", "测试环境"],
                  env={"HUZHU_DIR": env_dir}, expect=0)
        T.check(os.path.exists(os.path.join(env_dir, "node.db")),
                "$HUZHU_DIR chooses the node directory")
        T.check_eq(T.run(["id"], env={"HUZHU_DIR": env_dir}, expect=0)
                   .out.strip(), r.json()["key"], "and is used to open it")
        d = os.path.join(work, "from-d")
        T.run(["-d", d, "init", "--name", "测试"], expect=0)
        T.check(T.run(["-d", d, "id"], env={"HUZHU_DIR": env_dir},
                      expect=0).out.strip() != r.json()["key"],
                "-d wins over $HUZHU_DIR")
        xdg = os.path.join(work, "xdg", "deep")
        T.run(["init", "--name", "测试"], env={"XDG_DATA_HOME": xdg,
                                              "HOME": work}, expect=0)
        T.check(os.path.exists(os.path.join(xdg, "huzhu", "node.key")),
                "without -d or $HUZHU_DIR: $XDG_DATA_HOME/huzhu, parents"
                " created")
        home = os.path.join(work, "home")
        os.mkdir(home)
        env = {"HOME": home, "XDG_DATA_HOME": ""}
        T.run(["init", "--name", "测试"], env=env, expect=0)
        T.check(os.path.exists(os.path.join(home, ".local", "share", "huzhu",
                                            "node.key")),
                "else $HOME/.local/share/huzhu")
        T.run(["status"], env=env, expect=0)
        T.check_eq(T.run(["status"], env={"HOME": os.path.join(work, "nobody"),
                                          "XDG_DATA_HOME": ""}).rc,
                   T.EXIT_NOTFOUND, "no node at the default: exit 3")
        T.check(not os.path.exists(os.path.join(work, "nobody")),
                "and the default directory is not created by opening")
        fails(None, ["-d", os.path.join(work, "a", "b"), "init", "--name",
                     "测试"], T.EXIT_FAIL,
              "init -d with a missing parent directory")


@cases.case
def init_prints_the_key_and_refuses_a_non_empty_directory():
    with T.TempDir("init") as work:
        d = os.path.join(work, "节点")
        r = T.run(["-d", d, "init", "--name", "测试节点"], expect=0)
        lines = r.out.strip().splitlines()
        key = lines[-1].split()[-1]
        T.check(T.is_hex(key, 64) and "节点已创建" in r.out,
                "init prints 节点已创建 and the public key (64 hex)")
        with open(os.path.join(d, "node.key"), "rb") as f:
            seed = f.read()
        T.check(seed.hex() not in r.out + r.err and len(seed) == 32,
                "the secret key is not printed")
        T.check_eq(oct(os.stat(os.path.join(d, "node.key")).st_mode & 0o777),
                   "0o600", "node.key is mode 0600")
        r = T.run(["--lang", "en", "--json", "-d",
                   os.path.join(work, "n2"), "init", "--name", "测试"],
                  expect=0)
        T.check(set(r.json()) == {"key"} and T.is_hex(r.json()["key"], 64),
                '--json init prints {"key": KEY}')
        before = tree(d)
        r = fails(None, ["-d", d, "init", "--name", "另一个"], T.EXIT_INPUT,
                  "init on an existing node")
        T.check_eq(tree(d), before, "the existing node is unchanged")
        other = os.path.join(work, "other")
        os.mkdir(other)
        T.write_file(os.path.join(other, "照片.jpg"), b"\xff\xd8 not a node")
        before = tree(other)
        fails(None, ["-d", other, "init", "--name", "测试"], T.EXIT_INPUT,
              "init on a non-empty directory")
        T.check_eq(tree(other), before, "the directory is unchanged")
        empty = os.path.join(work, "empty")
        os.mkdir(empty)
        T.run(["-d", empty, "init", "--name", "测试"], expect=0)
        T.check(os.path.exists(os.path.join(empty, "node.db")),
                "init in an existing empty directory works")
        fails(None, ["-d", os.path.join(work, "n3"), "init"], T.EXIT_USAGE,
              "init without --name")
        T.check(not os.path.exists(os.path.join(work, "n3")),
                "and creates nothing")


OPENING = [
    ["status"], ["id"], ["vector"], ["state-hash"], ["log", "verify"],
    ["conflicts"], ["put", "households", "head_name=测试"],
    ["get", "households", "0" * 32], ["ls", "households"],
    ["del", "households", "0" * 32], ["show", "stock"],
    ["household", "add", "--head", "测试"], ["site", "add", "--name", "测试"],
    ["bundle", "import", "/dev/null"], ["bundle", "export", "OUT"],
]


@cases.case
def opening_a_directory_that_is_not_a_node_fails_and_creates_nothing():
    with T.TempDir("notnode") as work:
        missing = os.path.join(work, "missing")
        empty = os.path.join(work, "empty")
        os.mkdir(empty)
        other = os.path.join(work, "other")
        os.mkdir(other)
        T.write_file(os.path.join(other, "笔记.txt"), "测试".encode())
        keyonly = os.path.join(work, "keyonly")
        os.mkdir(keyonly)
        T.write_file(os.path.join(keyonly, "node.key"), bytes(32))
        out = os.path.join(work, "out.bundle")
        for d in (missing, empty, other, keyonly):
            before = tree(work)
            # Every opening command on the first two; a few on the others.
            for args in (OPENING if d in (missing, empty) else
                         [OPENING[0], OPENING[6], OPENING[8], OPENING[11],
                          OPENING[13]]):
                args = [out if a == "OUT" else a for a in args]
                r = T.run(["--lang", "en", "-d", d] + args)
                T.check(r.rc == T.EXIT_NOTFOUND and r.out == "" and
                        "not a huzhu node" in r.err,
                        "%s: %s exits 3 'not a huzhu node directory'"
                        % (os.path.basename(d), " ".join(args[:2])))
            T.check_eq(tree(work), before,
                       "%s: nothing was created or changed"
                       % os.path.basename(d))


@cases.case
def opening_a_foreign_sqlite_file_changes_nothing():
    # A directory holding some other program's node.db (and a 32-byte
    # node.key) is not a node: opening it must not touch that database.
    with T.TempDir("foreign-db") as work:
        d = os.path.join(work, "foreign")
        os.mkdir(d)
        c = sqlite3.connect(os.path.join(d, "node.db"))
        c.execute("CREATE TABLE notes(x TEXT)")
        c.execute("INSERT INTO notes VALUES ('测试')")
        c.commit()
        c.close()
        T.write_file(os.path.join(d, "node.key"), bytes(32))
        before = tree(d)
        r = T.run(["--lang", "en", "-d", d, "status"])
        T.check(r.rc == T.EXIT_NOTFOUND and "not a huzhu node" in r.err,
                "a foreign SQLite node.db: exit 3, not a huzhu node directory")
        T.check_eq(tree(d), before,
                   "the foreign database file is left byte-for-byte as it was")


@cases.case
def id_and_keys_are_64_lowercase_hex():
    with T.TempDir("keys") as work:
        n = T.Node.create(work, "测试", "n")
        T.check(T.is_hex(n.key, 64), "init --json key is 64 lowercase hex")
        T.check_eq(n.out("id"), n.key, "id prints the same key")
        T.check_eq(n.js("id"), {"key": n.key}, '--json id: {"key": KEY}')
        T.check_eq(n.status()["key"], n.key, "status --json key")
        n.put("households", "head_name=测试甲")
        v = n.vector()
        T.check(T.is_hex(v["network"], 32) and
                bytes.fromhex(v["network"]) == T.NETWORK,
                "vector network: 32 hex, the placeholder network id")
        a = v["authors"][0]
        T.check(T.is_hex(a["author"], 64) and T.is_hex(a["hash"], 64) and
                a["author"] == n.key and a["seq"] == 1,
                "vector author and hash: 64 hex")


@cases.case
def put_prints_the_row_id():
    with T.TempDir("put") as work:
        n = T.Node.create(work, "测试", "n")
        r = n.run("put", "households", "head_name=测试甲", expect=0)
        rid = r.out.strip()
        T.check(T.is_hex(rid, 32) and r.out == rid + "\n" and r.err == "",
                "put prints exactly the row id: 32 lowercase hex and a"
                " newline")
        j = n.run("--json", "put", "households", "head_name=测试乙",
                  expect=0).json()
        T.check(set(j) == {"id"} and T.is_hex(j["id"], 32),
                '--json put: {"id": ID}')
        r = n.run("put", "households", "--id", rid, "village=测试村",
                  "members=3", expect=0)
        T.check_eq(r.out.strip(), rid, "put --id of an existing row: the"
                   " same id (an edit)")
        T.check_eq(n.js("get", "households", rid),
                   {"id": rid, "head_name": "测试甲", "village": "测试村",
                    "members": 3}, "get shows the merged row")
        T.check_eq(len(n.js("ls", "households")), 2, "no new row")
        n.put("households", "village=", id=rid)
        T.check("village" not in n.js("get", "households", rid),
                "an empty value clears the field")
        new = "0123456789abcdef0123456789abcdef"
        T.check_eq(n.put("households", "head_name=测试丙", id=new), new,
                   "put --id of a new row creates it with that id")
        log = n.counts()["log"]
        fails(n, ["put", "households", "--id", new.upper(), "head_name=x"],
              T.EXIT_USAGE, "an uppercase row id")
        fails(n, ["put", "households", "--id", "abc", "head_name=x"],
              T.EXIT_USAGE, "a short row id")
        fails(n, ["put", "no_such_table", "x=1"], T.EXIT_INPUT,
              "an unknown table")
        fails(n, ["put", "households", "no_such_column=1"], T.EXIT_INPUT,
              "an unknown column")
        fails(n, ["put", "households", "members=很多"], T.EXIT_INPUT,
              "an integer column given text")
        fails(n, ["put", "persons", "sex=unknown"], T.EXIT_INPUT,
              "an enum value not in the schema")
        fails(n, ["put", "persons", "birth_year=2999"], T.EXIT_INPUT,
              "a year of birth in the future")
        fails(n, ["put", "persons", "household=" + "f" * 32], T.EXIT_NOTFOUND,
              "a reference to a row that does not exist")
        fails(n, ["put", "households"], T.EXIT_USAGE, "no fields")
        fails(n, ["put", "households", "head_name"], T.EXIT_USAGE,
              "a field without =")
        T.check_eq(n.counts()["log"], log, "none of the refused puts wrote")


@cases.case
def a_refused_value_is_said_in_chinese_naming_its_column():
    with T.TempDir("says") as work:
        n = T.Node.create(work, "测试", "n")
        log = n.counts()["log"]
        said = [
            (["put", "households", "members=很多"],
             "取值不被接受：「人数」应为 0 到 100 之间的整数",
             "members: not an integer"),
            (["put", "households", "members=-3"],
             "取值不被接受：「人数」应为 0 到 100 之间的整数",
             "members out of range"),
            (["put", "persons", "sex=unknown"],
             "取值不被接受：「性别」应为以下之一：男、女",
             "sex: unknown value"),
            (["put", "households", "no_such_column=1"],
             "「住户」表中没有「no_such_column」这一栏",
             "households has no column no_such_column"),
            (["put", "no_such_table", "x=1"], "没有「no_such_table」这张表",
             "unknown table"),
            (["put", "persons", "id_number=123"],
             "取值不被接受：身份证号应为 18 位", "an ID number has 18"),
            (["put", "persons", "birth_year=2190"],
             "取值不被接受：「出生年份」不能晚于今年", "birth_year in the future"),
            (["put", "persons", "household=" + "f" * 32],
             "未找到：「户」所选的记录在本节点上不存在",
             "household: no such households row"),
        ]
        for args, zh, en in said:
            code = T.EXIT_NOTFOUND if "未找到" in zh else T.EXIT_INPUT
            r = fails(n, ["--lang", "zh"] + args, code, " ".join(args))
            T.check(zh in r.err and en in r.err,
                    "%s: said in Chinese, the English detail after it (%s)"
                    % (" ".join(args), r.err.strip()))
            r = fails(n, ["--lang", "en"] + args, code, " ".join(args))
            T.check(en in r.err and "「" not in r.err and "表" not in r.err,
                    "%s: English alone with --lang en (%s)"
                    % (" ".join(args), r.err.strip()))
        T.check_eq(n.counts()["log"], log, "nothing written")


@cases.case
def get_prints_one_row_and_exits_7_for_deleted():
    with T.TempDir("get") as work:
        n = T.Node.create(work, "测试", "n")
        hh = n.put("households", "head_name=测试甲")
        p = n.put("persons", "name=测试乙", "household=" + hh,
                  "elderly_mobility=是", "birth_year=1950")
        r = n.run("get", "persons", p, expect=0)
        T.check_eq(json.loads(r.out), {"id": p, "name": "测试乙",
                                       "household": hh, "birth_year": 1950,
                                       "elderly_mobility": True},
                   "get prints the row as JSON (booleans true, ids hex)")
        T.check_eq(n.run("--json", "get", "persons", p, expect=0).out, r.out,
                   "get is JSON with or without --json")
        n.run("del", "persons", p, expect=0)
        for lang, word in (("en", "deleted"), ("zh", "删除")):
            r = n.run("--lang", lang, "get", "persons", p)
            T.check(r.rc == T.EXIT_DELETED, "get of a deleted row exits 7"
                    " (--lang %s)" % lang)
            T.check_eq(json.loads(r.out), {"id": p, "deleted": True},
                       'and prints {"id": ID, "deleted": true} on stdout')
            T.check(word in r.err, "and says %r on stderr" % word)
        fails(n, ["get", "persons", "e" * 32], T.EXIT_NOTFOUND, "no such row")
        fails(n, ["get", "persons", "E" * 32], T.EXIT_USAGE, "a bad row id")
        fails(n, ["get", "no_such_table", p], T.EXIT_INPUT, "an unknown table")
        fails(n, ["get", "persons"], T.EXIT_USAGE, "no id")


@cases.case
def del_tombstones_and_refuses_events():
    with T.TempDir("del") as work:
        n = T.Node.create(work, "测试", "n")
        a = n.put("households", "head_name=测试甲")
        b = n.put("households", "head_name=测试乙")
        r = n.run("del", "households", a, expect=0)
        T.check_eq(r.out, "", "del prints nothing")
        T.check_eq(n.run("--json", "del", "households", b, expect=0).json(),
                   {"deleted": b}, '--json del: {"deleted": ID}')
        fails(n, ["del", "households", a], T.EXIT_DELETED,
              "deleting it again")
        fails(n, ["put", "households", "--id", a, "village=测试村"],
              T.EXIT_DELETED, "editing a deleted row")
        fails(n, ["put", "persons", "name=测试丙", "household=" + a],
              T.EXIT_DELETED, "a reference to a deleted row")
        fails(n, ["del", "households", "d" * 32], T.EXIT_NOTFOUND,
              "deleting a row that does not exist")
        site = n.put("sites", "name=测试点")
        item = n.put("items", "name=测试品", "unit=个")
        mv = n.out("stock", "receive", site, item, "5")
        fails(n, ["del", "stock_moves", mv], T.EXIT_USAGE,
              "deleting an event (events are reversed, not deleted)")
        T.check_eq(n.js("get", "stock_moves", mv)["qty"], 5,
                   "the event is still there")


@cases.case
def ls_hides_tombstones_and_ands_where():
    with T.TempDir("ls") as work:
        n = T.Node.create(work, "测试", "n")
        rows = {
            "a": n.put("households", "head_name=测试甲", "village=东村",
                       "status=home"),
            "b": n.put("households", "head_name=测试乙", "village=东村",
                       "status=evacuated"),
            "c": n.put("households", "head_name=测试丙", "village=西村",
                       "status=home"),
            "d": n.put("households", "head_name=测试丁", "status=home"),
            "e": n.put("households", "head_name=测试戊", "village=东村",
                       "status=home"),
        }
        n.run("del", "households", rows["e"], expect=0)

        def ids(*where):
            args = ["ls", "households"]
            for w in where:
                args += ["--where", w]
            r = n.run(*args, expect=0)
            out = json.loads(r.out)
            T.check(isinstance(out, list), "ls prints a JSON array")
            return [x["id"] for x in out]

        got = ids()
        T.check_eq(sorted(got), sorted(rows[k] for k in "abcd"),
                   "ls hides the tombstoned row")
        T.check_eq(got, sorted(got), "rows are ordered by id")
        T.check_eq(sorted(ids("village=东村")), sorted([rows["a"], rows["b"]]),
                   "one --where filters (the deleted match is hidden)")
        T.check_eq(ids("village=东村", "status=home"), [rows["a"]],
                   "two --where are ANDed")
        T.check_eq(ids("village=东村", "status=在家"), [rows["a"]],
                   "a --where value is parsed like put (enum label 在家)")
        T.check_eq(ids("village="), [rows["d"]],
                   "--where COL= matches rows without a value")
        T.check_eq(ids("village=北村"), [], "no match: []")
        T.check_eq(n.run("--json", "ls", "households", expect=0).out,
                   n.run("ls", "households", expect=0).out,
                   "ls is JSON with or without --json")
        fails(n, ["ls", "households", "--where", "nope=1"], T.EXIT_INPUT,
              "--where on an unknown column")
        fails(n, ["ls", "households", "--where", "members=many"],
              T.EXIT_INPUT, "--where with a bad value")
        fails(n, ["ls", "households", "--where", "village"], T.EXIT_USAGE,
              "--where without =")
        fails(n, ["ls", "no_such_table"], T.EXIT_INPUT, "an unknown table")


@cases.case
def vector_output_is_accepted_verbatim_by_for():
    with T.TempDir("vector") as work:
        a = T.Node.create(work, "测试甲", "a")
        b = T.Node.create(work, "测试乙", "b")
        for i in range(3):
            a.put("households", "head_name=测试户%d" % i)
        b.put("households", "head_name=测试乙户")
        r = b.run("vector", expect=0)
        v = json.loads(r.out)
        T.check(set(v) == {"network", "authors"} and
                all(set(x) == {"author", "seq", "hash"} for x in v["authors"]),
                "vector: {network, authors: [{author, seq, hash}]}")
        T.check_eq(b.run("--json", "vector", expect=0).out, r.out,
                   "--json vector prints the same bytes")
        vf = os.path.join(work, "b.vector")
        with open(vf, "w", encoding="utf-8") as f:
            f.write(r.out)  # verbatim, trailing newline included
        out = os.path.join(work, "a-for-b.bundle")
        T.check_eq(a.js("bundle", "export", out, "--for", vf)["entries"], 3,
                   "export --for the saved vector: the 3 entries b lacks")
        b.import_(out)
        r = a.run("vector", expect=0)
        with open(vf, "w", encoding="utf-8") as f:
            f.write(b.run("vector", expect=0).out)
        T.check_eq(a.js("bundle", "export", out, "--for", vf)["entries"], 0,
                   "once b holds them: 0 entries")
        pipe = subprocess.run(
            "%s -d %s vector > %s.2 && %s -d %s bundle export %s --for %s.2"
            % (T.HUZHU, b.dir, vf, T.HUZHU, a.dir, out, vf), shell=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=T.base_env())
        T.check(pipe.returncode == 0,
                "a shell redirect of vector feeds --for directly")
        fails(a, ["bundle", "export", out, "--for",
                  os.path.join(work, "missing.vector")], T.EXIT_NOTFOUND,
              "--for a missing vector file")
        bad = T.write_file(os.path.join(work, "bad.vector"), b"{not json")
        fails(a, ["bundle", "export", out + "2", "--for", bad],
              T.EXIT_REFUSED, "--for a file that is not a vector")
        T.check(not os.path.exists(out + "2"), "no bundle written")


@cases.case
def state_hash_and_log_verify_forms():
    with T.TempDir("hash") as work:
        n = T.Node.create(work, "测试", "n")
        h0 = n.run("state-hash", expect=0).out
        T.check(T.is_hex(h0.strip(), 64) and h0.endswith("\n"),
                "state-hash prints 64 hex")
        T.check_eq(n.js("state-hash"), {"state_hash": h0.strip()},
                   '--json state-hash: {"state_hash": H}')
        for i in range(3):
            n.put("households", "head_name=测试户%d" % i)
        T.check(n.state_hash() != h0.strip(), "a write changes the hash")
        r = n.run("--lang", "en", "log", "verify", expect=0)
        T.check(r.out.startswith("ok: 3 "), "log verify: 'ok: 3 ...'")
        T.check_eq(n.js("log", "verify"), {"ok": True, "entries": 3},
                   '--json log verify: {"ok": true, "entries": 3}')
        # Damage one stored entry: log verify must find it.
        path = os.path.join(n.dir, "node.db")
        c = sqlite3.connect(path)
        (n_, data) = c.execute("SELECT n, bytes FROM log WHERE seq = 2"
                               ).fetchone()
        data = bytearray(data)
        data[-1] ^= 1
        c.execute("UPDATE log SET bytes = ? WHERE n = ?", (bytes(data), n_))
        c.commit()
        c.close()
        r = fails(n, ["--lang", "en", "log", "verify"], T.EXIT_FAIL,
                  "log verify of a damaged entry")
        T.check("local data fails its checks" in r.err,
                "and says local data fails its checks")


@cases.case
def status_forms():
    with T.TempDir("status") as work:
        n = T.Node.create(work, "测试状态节点", "n")
        n.put("households", "head_name=测试甲")
        st = n.status()
        T.check_eq(set(st), {"name", "key", "schema", "clone_detected",
                             "interrupted_import", "entries", "missing",
                             "forks", "rejected", "denied", "skewed_authors",
                             "networked", "network", "rejected_cut",
                             "denied_cut", "strangers", "serving", "peers",
                             "contacts", "web_fingerprint"},
                   "status --json keys (restored_from only on a restored"
                   " node)")
        T.check(st["serving"] is False and st["peers"] == [] and
                st["contacts"] == [] and st["web_fingerprint"] is None,
                "no serve, no peers, no contacts and no web certificate on"
                " a new node")
        T.check_eq(st["interrupted_import"], False,
                   "interrupted_import is false")
        T.check_eq(st["strangers"], {"entries": 0, "bytes": 0,
                                     "max_entries": 50000,
                                     "max_bytes": 32 * 1024 * 1024},
                   "status --json strangers: none held, and the caps")
        T.check_eq(set(st["entries"]), {"total", "applied", "rejected", "held",
                                        "stopped", "denied", "authors",
                                        "pending", "fork_evidence"},
                   "status --json entries keys")
        T.check((st["name"], st["schema"], st["clone_detected"],
                 st["entries"]["total"], st["entries"]["applied"]) ==
                ("测试状态节点", T.SCHEMA, False, 1, 1),
                "name, this build's schema, no clone, 1 entry applied")
        T.check((st["networked"], st["network"]) ==
                (False, b"huzhu-no-network".hex()),
                "a node in no network shows the placeholder network")
        r = n.run("status", expect=0)
        T.check("测试状态节点" in r.out and n.key in r.out,
                "plain status names the node and its key")


def status_text(node, lang):
    return node.run("--lang", lang, "status", expect=0).out


@cases.case
def status_lists_the_first_1000_and_says_how_many_there_are():
    """status lists at most 1,000 rejected and 1,000 denied entries, the
    first by (author, seq); "entries" counts them all, rejected_cut and
    denied_cut say that a list stops short, and the text says so."""
    with T.TempDir("status_cut") as work:
        # Rejected: entries of an unknown table, on a node in no network.
        r = T.Node.create(work, "测试拒绝", "r")
        a = T.Author()
        bad = [a.next(T.body([T.op_set("no_such_table", T.new_row(),
                                       {"name": "测试"})]))
               for _ in range(1001)]
        r.import_(T.write_file(os.path.join(work, "r1.bundle"),
                               T.make_bundle(bad[:1000])))
        st = r.status()
        T.check_eq((st["entries"]["rejected"], len(st["rejected"]),
                    st["rejected_cut"]), (1000, 1000, False),
                   "1,000 rejected: all listed, rejected_cut false")
        for lang in ("zh", "en"):
            out = status_text(r, lang)
            T.check("仅列出" not in out and "showing the first" not in out,
                    "%s text: no cut line when all are listed" % lang)
        r.import_(T.write_file(os.path.join(work, "r2.bundle"),
                               T.make_bundle(bad[1000:])))
        st = r.status()
        T.check_eq((st["entries"]["rejected"], len(st["rejected"]),
                    st["rejected_cut"], st["denied_cut"]),
                   (1001, 1000, True, False),
                   "1,001 rejected: 1,000 listed, rejected_cut true, the"
                   " count in entries")
        T.check_eq([x["seq"] for x in st["rejected"]], list(range(1, 1001)),
                   "the first 1,000 by seq are listed")
        out = status_text(r, "zh")
        T.check_eq(out.count("拒绝: 设备"), 1000, "zh text: 1,000 lines")
        T.check("拒绝: 仅列出前 1000 条，共 1001 条\n" in out,
                "zh text says the list is cut: %r" % out[-120:])
        out = status_text(r, "en")
        T.check("rejected: showing the first 1000 of 1001\n" in out,
                "en text says the list is cut: %r" % out[-120:])

        # Denied: entries of a device never admitted, in a network.
        d = T.Node.create(work, "测试无权", "d")
        net = bytes.fromhex(d.js("network", "create", "--name",
                                 "测试网")["network"])
        s = T.Author()
        ents = [s.next(T.body([T.op_set("households", T.new_row(),
                                        {"head_name": "测试陌生人"})]),
                       network=net) for _ in range(1002)]
        stats = d.import_(T.write_file(os.path.join(work, "d.bundle"),
                                       T.make_bundle(ents, network=net)))
        T.check_eq(stats["denied"], 1002, "1,002 entries stored denied")
        st = d.status()
        T.check_eq((st["entries"]["denied"], len(st["denied"]),
                    st["denied_cut"], st["rejected_cut"]),
                   (1002, 1000, True, False),
                   "1,002 denied: 1,000 listed, denied_cut true")
        out = status_text(d, "zh")
        T.check_eq(out.count("无权(未生效): 设备"), 1000,
                   "zh text: 1,000 denied lines")
        T.check("无权(未生效): 仅列出前 1000 条，共 1002 条\n" in out,
                "zh text says the denied list is cut: %r" % out[-120:])
        T.check("denied: showing the first 1000 of 1002\n" in
                status_text(d, "en"), "en text says the denied list is cut")


@cases.case
def status_json_counts_are_integers_on_a_new_node():
    with T.TempDir("status0") as work:
        n = T.Node.create(work, "测试", "n")
        e = n.status()["entries"]
        T.check(all(isinstance(v, int) for v in e.values()),
                "status --json entries counts are integers on a node with no"
                " entries (got %r)" % e)


@cases.case
def bundle_export_and_import_forms():
    with T.TempDir("bundle") as work:
        a = T.Node.create(work, "测试甲", "a")
        b = T.Node.create(work, "测试乙", "b")
        a.put("households", "head_name=测试户")
        out = os.path.join(work, "全部.bundle")
        r = a.run("bundle", "export", out, expect=0)
        T.check("已导出 1 条" in r.out and out in r.out,
                "export prints 已导出 1 条 → FILE")
        T.check(not os.path.exists(out + ".tmp"), "no temporary file left")
        T.check_eq(a.js("bundle", "export", out), {"entries": 1},
                   '--json export: {"entries": N}')
        r = b.run("--lang", "en", "bundle", "import", out, expect=0)
        T.check("entries: 1" in r.out and "applied: 1" in r.out,
                "import prints the counts")
        j = b.run("--json", "bundle", "import", out, expect=0).json()
        T.check_eq(j, {"entries": 1, "applied": 0, "duplicate": 1,
                       "pending": 0, "rejected": 0, "held": 0, "stopped": 0,
                       "forks": 0, "refused": 0, "released": 0, "denied": 0,
                       "granted": 0, "withdrawn": 0, "capacity": 0,
                       "evicted": 0, "not_kept": []},
                   "--json import: every count, a second import is duplicate")
        T.check(not os.path.exists(os.path.join(b.dir, "import.staging")),
                "no staging copy left in the node directory")
        fails(b, ["bundle", "import"], T.EXIT_USAGE, "import without FILE")
        fails(b, ["bundle", "export"], T.EXIT_USAGE, "export without FILE")
        fails(b, ["bundle"], T.EXIT_USAGE, "bundle without a verb")
        fails(b, ["bundle", "import", os.path.join(work, "none")],
              T.EXIT_NOTFOUND, "import of a missing file")
        fails(b, ["bundle", "import", "--resume"], T.EXIT_NOTFOUND,
              "import --resume with no interrupted import")


@cases.case
def backup_and_restore_forms():
    with T.TempDir("backup") as work:
        a = T.Node.create(work, "测试旧设备", "a")
        a.put("households", "head_name=测试户")
        bak = os.path.join(work, "备份.db")
        r = a.run("backup", bak, expect=0)
        T.check("已备份" in r.out and os.path.exists(bak),
                "backup FILE writes the file and says 已备份")
        with open(bak, "rb") as f:
            T.check(a.seed() not in f.read(), "the backup holds no key")
        T.check_eq(a.js("backup", bak + "2"), {"backup": True},
                   '--json backup: {"backup": true}')
        d = os.path.join(work, "new")
        r = T.run(["-d", d, "--json", "restore", bak, "--name", "测试新设备"],
                  expect=0)
        key = r.json()["key"]
        T.check(T.is_hex(key, 64) and key != a.key,
                '--json restore: {"key": KEY}, a new key')
        n = T.Node(d)
        st = n.status()
        T.check_eq((st["name"], st["restored_from"]), ("测试新设备", a.key),
                   "status --json names the key it was restored from")
        T.check_eq(n.state_hash(), a.state_hash(), "the same state")
        r = T.run(["-d", os.path.join(work, "new2"), "restore", bak,
                   "--name", "测试"], expect=0)
        T.check("新公钥" in r.out, "text restore prints the new key")
        fails(None, ["-d", d, "restore", bak, "--name", "测试"], T.EXIT_INPUT,
              "restore into an existing node")
        fails(a, ["backup"], T.EXIT_USAGE, "backup without FILE")
        fails(None, ["-d", os.path.join(work, "x"), "restore", bak],
              T.EXIT_USAGE, "restore without --name")
        fails(None, ["-d", os.path.join(work, "y"), "restore",
                     os.path.join(work, "missing.db"), "--name", "测试"],
              T.EXIT_NOTFOUND, "restore of a missing file")
        T.check(not os.path.exists(os.path.join(work, "y")),
                "and no directory is created")


@cases.case
def restore_of_a_bad_backup_leaves_no_node():
    with T.TempDir("restore-bad") as work:
        bad = T.write_file(os.path.join(work, "bad.db"), b"not a backup\n" * 50)
        d = os.path.join(work, "new")
        r = T.run(["-d", d, "--lang", "en", "restore", bad, "--name", "测试"])
        T.check(r.rc != 0 and r.out == "" and r.err.startswith("huzhu: "),
                "restore of a file that is not a backup fails (exit %d: %s)"
                % (r.rc, r.err.strip()))
        T.check(not os.path.exists(os.path.join(d, "node.key")),
                "and leaves no node behind (a new empty node with a fresh"
                " key would look restored)")
        r = T.run(["-d", d, "init", "--name", "测试"])
        T.check_eq(r.rc, 0, "so init can still use the directory")


@cases.case
def conflicts_forms():
    with T.TempDir("conflicts") as work:
        a = T.Node.create(work, "测试甲", "a")
        b = T.Node.create(work, "测试乙", "b")
        hh = a.put("households", "head_name=测试户")
        p = os.path.join(work, "x.bundle")
        a.export(p)
        b.import_(p)
        T.check_eq(a.js("conflicts"), [], "no conflicts: []")
        a.put("households", "village=东村", id=hh)
        b.put("households", "village=西村", id=hh)
        b.export(p)
        a.import_(p)
        c = a.js("conflicts")
        T.check(len(c) == 1 and c[0]["kind"] == "concurrent" and
                c[0]["table"] == "households" and c[0]["id"] == hh and
                c[0]["column"] == "village" and len(c[0]["heads"]) == 2,
                "two concurrent edits: one conflict with two heads")
        T.check(all(set(h) == {"entry", "author", "clock", "value"}
                    for h in c[0]["heads"]),
                "heads: {entry, author, clock, value}")
        r = a.run("--lang", "en", "conflicts", expect=0)
        T.check("concurrent" in r.out and hh[:8] in r.out,
                "the text table shows the kind and the first 8 id digits")
        # one event id written with other content on each node
        site = a.put("sites", "name=测试点")
        item = a.put("items", "name=测试米", "unit=袋")
        a.export(p)
        b.import_(p)
        mid = "b" * 32
        a.out("stock", "receive", site, item, "5", "--id", mid)
        b.out("stock", "receive", site, item, "7", "--id", mid)
        b.export(p)
        a.import_(p)
        reused = [x for x in a.js("conflicts")
                  if x["kind"] == "event_id_reused"]
        T.check_eq(reused, [{"kind": "event_id_reused",
                             "table": "stock_moves", "id": mid,
                             "versions": 2}],
                   "an event id reused with other content: its table, id "
                   "and the number of versions")


@cases.case
def friendly_commands_forms():
    with T.TempDir("friendly") as work:
        n = T.Node.create(work, "测试", "n")
        j = n.js("household", "add", "--head", "测试甲", "--village", "东村",
                 "--phone", "10000000000", "--status", "集中安置",
                 "--member", "测试乙,女,1950,行动不便老人,慢性病",
                 "--member", "测试丙，男，2015，留守")
        hh, members = j["id"], j["members"]
        T.check(T.is_hex(hh, 32) and len(members) == 2,
                '--json household add: {"id", "members": [2 ids]}')
        row = n.js("get", "households", hh)
        T.check_eq((row["head_name"], row["status"], row["members"]),
                   ("测试甲", "sheltered", 2),
                   "status given in Chinese is stored by wire name; members"
                   " counted")
        m0 = n.js("get", "persons", members[0])
        T.check_eq((m0["sex"], m0["birth_year"], m0["elderly_mobility"],
                    m0["chronic"], m0["household"]),
                   ("female", 1950, True, True, hh),
                   "member flags given as Chinese words")
        m1 = n.js("get", "persons", members[1])
        T.check_eq((m1["sex"], m1["birth_year"], m1["left_behind"]),
                   ("male", 2015, True), "full-width commas separate too")
        r = n.run("household", "add", "--head", "测试丁", "--member",
                  "测试戊,男,1990", expect=0)
        lines = r.out.splitlines()
        T.check(len(lines) == 2 and T.is_hex(lines[0], 32) and
                lines[1].startswith("  成员 ") and T.is_hex(lines[1].split()[-1], 32),
                "text: the id, then '  成员 ID' per member")
        fails(n, ["household", "add", "--village", "东村"], T.EXIT_USAGE,
              "household add without --head")
        fails(n, ["household", "add", "--head", "x", "--member",
                  "测试,男,1990,飞行员"], T.EXIT_USAGE, "an unknown flag")
        # ID numbers are checked on local input (GB 11643: 18 characters,
        # a birth date that exists, the MOD 11-2 check character)
        for bad, why in (("000000000000000000", "a birth date 0000-00-00"),
                         ("11010519491231002", "17 characters"),
                         ("110105194912310021", "a wrong check digit"),
                         ("11010519490230002X", "30 February"),
                         ("1101051949123100AX", "a letter inside")):
            fails(n, ["person", "add", "--name", "测试", "--id-number", bad],
                  T.EXIT_INPUT, "an ID number with " + why)
        p = n.out("person", "add", "--household", hh, "--name", "测试己",
                  "--born", "1988", "--flag", "孕妇", "--id-number",
                  "11010519491231002x")
        T.check(n.js("get", "persons", p)["pregnant"] is True,
                "person add with --flag 孕妇")
        fails(n, ["person", "add", "--household", hh, "--name", "测试",
                  "--born", "2999"], T.EXIT_INPUT, "a year of birth in the"
              " future")
        s1 = n.out("site", "add", "--name", "测试学校", "--kind", "安置点",
                   "--capacity", "2", "--area", "10.5")
        s2 = n.js("site", "add", "--name", "测试仓库", "--kind", "warehouse")["id"]
        it = n.out("item", "add", "--name", "测试棉被", "--unit", "床",
                   "--category", "bedding")
        fails(n, ["item", "add", "--unit", "床"], T.EXIT_USAGE,
              "item add without --name")
        stay = n.js("checkin", members[0], s1)["id"]
        n.out("checkin", members[1], s1)
        n.out("checkin", p, s1)
        occ = {o["site"]: o for o in n.js("show", "occupancy")}
        T.check_eq((occ[s1]["present"], occ[s1]["over_capacity"],
                    occ[s1]["m2_per_person"], occ[s1]["capacity"]),
                   (3, 1, 3.5, 2), "show occupancy: 3 present, over capacity"
                   " 2, 3.5 m2 each")
        pres = n.js("show", "presence")
        T.check(any(x["person"] == members[0] and x["stay"] == stay and
                    x["site"] == s1 and x["several_sites"] == 0 for x in pres),
                "show presence lists the check-in")
        fails(n, ["checkin", members[1], s1], T.EXIT_INPUT,
              "a second check-in at the site one is checked in at")
        T.check_eq(n.js("checkin", members[0], s1, "--id", stay)["id"], stay,
                   "the same check-in again with its --id: a retry, exit 0")
        # two open stays at one site (two nodes each checked them in):
        # one check-out closes both
        n.put("stays", "person=" + members[1], "site=" + s1, "kind=in")
        T.check_eq(sum(x["person"] == members[1]
                       for x in n.js("show", "presence")), 2,
                   "two open stays at one site")
        n.out("checkout", members[1])
        T.check(not any(x["person"] == members[1]
                        for x in n.js("show", "presence")),
                "a check-out closes every open stay at that site")
        n.out("checkin", members[1], s1)
        n.out("checkin", members[0], s2)
        fails(n, ["checkout", members[0]], T.EXIT_INPUT,
              "checkout of a person checked in at two sites, no --site")
        out = n.js("checkout", members[0], "--site", s1)["id"]
        T.check_eq(n.js("get", "stays", out)["closes"], stay,
                   "checkout --site names the check-in it closes")
        n.out("checkout", members[0])
        fails(n, ["checkout", members[0]], T.EXIT_NOTFOUND,
              "checkout of a person not checked in")
        n.out("stock", "receive", s2, it, "100", "--from", "测试捐赠方",
              "--ref", "单据-001")
        n.out("stock", "donate", s2, it, "20")
        n.out("stock", "distribute", s2, it, "30", "--household", hh)
        n.out("stock", "lose", s2, it, "1")
        n.out("stock", "transfer-out", s2, it, "9", "--to", "测试学校")
        n.out("stock", "transfer-in", s1, it, "9", "--from", "测试仓库")
        stock = {(x["site"], x["item"]): x for x in n.js("show", "stock")}
        T.check_eq(stock[(s2, it)]["on_hand"], 80,
                   "show stock: 100+20-30-1-9 = 80 on hand")
        c = n.js("stock", "count", s2, it, "75")["id"]
        mv = n.js("get", "stock_moves", c)
        T.check_eq((mv["kind"], mv["counted"], mv["qty"]), ("counted", 75, -5),
                   "stock count stores the count and the adjustment -5")
        T.check_eq({(x["site"], x["item"]): x["on_hand"]
                    for x in n.js("show", "stock")}, {(s2, it): 75, (s1, it): 9},
                   "on hand follows the count")
        rec = n.js("show", "received")
        T.check(len(rec) == 1 and rec[0]["household"] == hh and
                rec[0]["received"] == 30 and rec[0]["times"] == 1,
                "show received: the household received 30")
        for q in ("0", "-3", "1.5", "十"):
            fails(n, ["stock", "receive", s2, it, q], T.EXIT_USAGE,
                  "QTY %r" % q)
        fails(n, ["stock", "receive", s2, it, "5", "--household", hh],
              T.EXIT_INPUT, "--household with receive")
        fails(n, ["stock", "steal", s2, it, "5"], T.EXIT_USAGE,
              "an unknown stock verb")
        w = n.js("warn", hh, "--method", "door", "--notice", "测试通知",
                 "--by", "测试人")["id"]
        T.check_eq(n.js("get", "warnings", w)["method"], "door", "warn")
        fails(n, ["warn", hh, "--method", "pigeon", "--notice", "x"],
              T.EXIT_INPUT, "warn with an unknown method")
        vul = n.js("show", "vulnerable")
        T.check_eq(sorted(x["person"] for x in vul),
                   sorted(members + [p]), "show vulnerable lists the flagged")
        keys = {
            "occupancy": {"site", "name", "kind", "capacity", "area_m2",
                          "present", "over_capacity", "m2_per_person"},
            "presence": {"person", "name", "household", "head_name", "site",
                         "site_name", "stay", "since", "several_sites"},
            "stock": {"site", "site_name", "item", "item_name", "unit",
                      "on_hand", "moves"},
            "received": {"household", "head_name", "item", "item_name",
                         "unit", "received", "times"},
            "vulnerable": {"person", "name", "household", "birth_year",
                           "elderly_mobility", "disabled", "no_caretaker",
                           "left_behind", "pregnant", "chronic", "condition",
                           "site", "site_name"},
            "village": {"household", "head_name", "village", "grid", "cadre",
                        "status", "warned", "reason", "warned_method",
                        "warned_time", "persons", "placed",
                        "unaccounted_persons", "sites"},
            "villages": {"village", "households", "persons", "placed",
                         "warned", "unaccounted_households",
                         "unaccounted_persons"},
        }
        for view, want in keys.items():
            rows = n.js("show", view)
            T.check(rows and all(set(x) == want for x in rows),
                    "show %s --json: rows with the keys of proto/cli.md"
                    % view)
        hh = n.js("show", "village")
        for v in n.js("show", "villages"):
            mine = [x for x in hh if x["village"] == v["village"]]
            T.check(v["households"] == len(mine) and
                    v["persons"] == sum(x["persons"] for x in mine) and
                    v["placed"] == sum(x["placed"] for x in mine) and
                    v["unaccounted_households"] ==
                    sum(x["reason"] is not None for x in mine),
                    "show villages sums show village for %s" % v["village"])
        for view in keys:
            r = n.run("show", view, expect=0)
            T.check(r.out.strip() != "" and not r.out.startswith("["),
                    "show %s prints a table for people" % view)
        fails(n, ["show", "everything"], T.EXIT_USAGE, "an unknown view")


@cases.case
def household_member_with_an_empty_sex_or_year():
    # proto/cli.md: "SEX and YEAR may be empty" (src/cli/cmd_domain.c says
    # so too): the positions of the later parts must not shift.
    with T.TempDir("member") as work:
        n = T.Node.create(work, "测试", "n")
        for spec, want in (("测试乙,,2015", {"birth_year": 2015}),
                           ("测试丙,女,,留守", {"sex": "female",
                                             "left_behind": True}),
                           ("测试丁，，，孕妇", {"pregnant": True})):
            r = n.run("--json", "household", "add", "--head", "测试户",
                      "--member", spec)
            T.check(r.rc == 0, "--member %s: exit 0 (got %d: %s)"
                    % (spec, r.rc, r.err.strip()))
            if r.rc != 0:
                continue
            row = n.js("get", "persons", r.json()["members"][0])
            got = {k: row.get(k) for k in want}
            T.check_eq(got, want, "--member %s: the parts keep their places"
                       % spec)
            T.check(set(row) & {"sex", "birth_year"} ==
                    set(want) & {"sex", "birth_year"},
                    "--member %s: the empty parts are left empty" % spec)


@cases.case
def retried_event_with_same_id_is_a_noop_and_other_content_an_error():
    with T.TempDir("retry") as work:
        n = T.Node.create(work, "测试", "n")
        hh = n.put("households", "head_name=测试户")
        site = n.put("sites", "name=测试点")
        item = n.put("items", "name=测试米", "unit=袋")
        n.out("stock", "receive", site, item, "50")
        mid = "a" * 32
        r1 = n.out("stock", "distribute", site, item, "10", "--household", hh,
                   "--id", mid)
        log = n.counts()["log"]
        hash1 = n.state_hash()
        r2 = n.out("stock", "distribute", site, item, "10", "--household", hh,
                   "--id", mid)
        T.check(r1 == r2 == mid, "the retry exits 0 and prints the same id")
        T.check_eq((n.counts()["log"], n.state_hash()), (log, hash1),
                   "the retry writes nothing (a distribution is not counted"
                   " twice)")
        T.check_eq(n.js("show", "stock")[0]["on_hand"], 40, "on hand 50-10")
        r = fails(n, ["--lang", "en", "stock", "distribute", site, item, "11",
                      "--household", hh, "--id", mid], T.EXIT_INPUT,
                  "the same --id with another qty")
        T.check("other content" in r.err, "says the id was used for other"
                " content")
        T.check_eq(n.counts()["log"], log, "nothing written")
        sid = "b" * 32
        person = n.put("persons", "name=测试人")
        n.out("checkin", person, site, "--id", sid, "--time", "1700000000")
        n.out("checkin", person, site, "--id", sid, "--time", "1700000000")
        T.check_eq(len(n.js("show", "presence")), 1, "a retried checkin: one"
                   " stay")
        fails(n, ["checkin", person, site, "--id", sid, "--time",
                  "1700000001"], T.EXIT_INPUT, "a checkin --id with another"
              " time")
        eid = "c" * 32
        fields = ["site=" + site, "item=" + item, "kind=received", "qty=5",
                  "time=1700000000"]
        n.put("stock_moves", *fields, id=eid)
        log = n.counts()["log"]
        T.check_eq(n.put("stock_moves", *fields, id=eid), eid,
                   "put of the same event again: exit 0, same id")
        T.check_eq(n.counts()["log"], log, "and nothing written")
        fails(n, ["put", "stock_moves", "--id", eid] + fields[:-2] +
              ["qty=6", "time=1700000000"], T.EXIT_INPUT,
              "put of that event id with other content")


@cases.case
def json_output_is_valid_and_independent_of_lang():
    with T.TempDir("lang") as work:
        a = T.Node.create(work, "测试甲", "a")
        b = T.Node.create(work, "测试乙", "b")
        hh = a.js("household", "add", "--head", "测试户", "--member",
                  "测试人,女,1940,行动不便老人")
        site = a.out("site", "add", "--name", "测试点", "--capacity", "10")
        item = a.out("item", "add", "--name", "测试水", "--unit", "瓶")
        a.out("stock", "receive", site, item, "10")
        a.out("checkin", hh["members"][0], site)
        p = os.path.join(work, "x.bundle")
        a.export(p)
        b.import_(p)
        a.put("households", "village=东村", id=hh["id"])
        b.put("households", "village=西村", id=hh["id"])
        b.export(p)
        a.import_(p)
        reads = [["status"], ["id"], ["vector"], ["state-hash"],
                 ["log", "verify"], ["conflicts"],
                 ["get", "households", hh["id"]], ["ls", "persons"],
                 ["show", "occupancy"], ["show", "presence"],
                 ["show", "stock"], ["show", "received"],
                 ["show", "vulnerable"],
                 ["bundle", "export", os.path.join(work, "y.bundle")]]
        for i, args in enumerate(reads):
            outs = [a.run("--json", "--lang", "zh", *args, expect=0).out,
                    a.run("--json", "--lang", "en", *args, expect=0).out]
            if i % 3 == 0:
                outs.append(a.run("--json", *args,
                                  env={"HUZHU_LANG": "en_US.UTF-8"},
                                  expect=0).out)
            T.check(all(o == outs[0] for o in outs),
                    "%s --json: the same bytes in zh and en%s"
                    % (" ".join(args[:2]),
                       " and HUZHU_LANG=en" if len(outs) == 3 else ""))
            json.loads(outs[0])
            T.check(outs[0].count("\n") == 1 and outs[0].endswith("\n"),
                    "%s --json: one line of valid JSON" % " ".join(args[:2]))
        T.check("测试户" in a.run("--json", "get", "households", hh["id"],
                                 expect=0).out,
                "Chinese is written as UTF-8, not \\u escapes")
        writes = [["put", "households", "head_name=测试"],
                  ["household", "add", "--head", "测试"],
                  ["site", "add", "--name", "测试"],
                  ["stock", "receive", site, item, "1"],
                  ["init", "--name", "测试"]]
        for args in writes:
            keys = []
            for i, lang in enumerate(("zh", "en")):
                node = a if args[0] != "init" else T.Node(
                    os.path.join(work, "init-%s" % lang))
                keys.append(sorted(node.run("--json", "--lang", lang, *args,
                                            expect=0).json()))
            T.check(keys[0] == keys[1], "%s --json: the same keys in zh and"
                    " en" % args[0])
        r_zh = a.run("--lang", "zh", "status", expect=0).out
        r_en = a.run("--lang", "en", "status", expect=0).out
        T.check(r_zh != r_en, "(plain text does follow the language)")


@cases.case
def errors_go_to_stderr_with_non_zero_exit():
    with T.TempDir("errors") as work:
        n = T.Node.create(work, "测试", "n")
        hh = n.put("households", "head_name=测试户")
        cases_ = [
            (["put"], T.EXIT_USAGE),
            (["put", "households", "--bogus", "x=1"], T.EXIT_USAGE),
            (["get", "households", "xyz"], T.EXIT_USAGE),
            (["ls"], T.EXIT_USAGE),
            (["del", "households"], T.EXIT_USAGE),
            (["status", "extra"], T.EXIT_USAGE),
            (["log"], T.EXIT_USAGE),
            (["log", "check"], T.EXIT_USAGE),
            (["vector", "x"], T.EXIT_USAGE),
            (["state-hash", "x"], T.EXIT_USAGE),
            (["id", "x"], T.EXIT_USAGE),
            (["show"], T.EXIT_USAGE),
            (["checkin", hh], T.EXIT_USAGE),
            (["household", "list"], T.EXIT_USAGE),
            (["put", "households", "members=abc"], T.EXIT_INPUT),
            (["get", "households", "0" * 32], T.EXIT_NOTFOUND),
            (["bundle", "import", os.path.join(work, "none")],
             T.EXIT_NOTFOUND),
            (["bundle", "import", T.write_file(os.path.join(work, "g"),
                                               b"garbage")], T.EXIT_REFUSED),
        ]
        for lang in ("zh", "en"):
            for args, code in cases_:
                r = n.run("--lang", lang, *args)
                T.check(r.rc == code and r.out == "" and r.err.strip() != "",
                        "[%s] huzhu %s: exit %d, a message on stderr only"
                        % (lang, " ".join(a[:12] for a in args), code))
        r = n.run("--lang", "zh", "get", "households", "0" * 32)
        T.check(r.err.startswith("huzhu: 未找到"),
                "messages are in the chosen language (zh: 未找到)")
        r = n.run("--lang", "en", "get", "households", "0" * 32)
        T.check(r.err.startswith("huzhu: not found"), "(en: not found)")
        r = n.run("--lang", "en", "put")
        T.check("usage: huzhu" in r.err, "a usage error shows the usage")


def run_to(path, node, args):
    """Run huzhu on @node with stdout written to the file @path (as a
    script's `> FILE`); its exit code and stderr."""
    with open(path, "wb") as out:
        p = subprocess.run([T.HUZHU, "-d", node.dir] + args, stdout=out,
                           stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           env=T.one_shot_env(), timeout=120)
    return p.returncode, p.stderr.decode("utf-8", "replace")


@cases.case
def output_that_cannot_be_written_is_an_error():
    """`huzhu show vulnerable --json > /media/usb/x.json` on a full stick:
    only exit 0 says stdout holds the whole answer."""
    with T.TempDir("full") as work:
        n = T.Node.create(work, "测试", "n")
        hh = n.js("household", "add", "--head", "测试户", "--member",
                  "测试人,女,1940,行动不便老人")
        site = n.out("site", "add", "--name", "测试点", "--capacity", "10")
        n.out("checkin", hh["members"][0], site)
        reads = [["--json", "show", "vulnerable"], ["show", "vulnerable"],
                 ["--json", "show", "unaccounted"], ["ls", "persons"],
                 ["--json", "status"], ["get", "households", hh["id"]],
                 ["state-hash"], ["--json", "help"], ["--help"]]
        before = n.out("state-hash")
        whole = os.path.join(work, "out.json")
        for args in reads:
            rc, err = run_to(whole, n, args)
            T.check(rc == 0 and err == "" and os.path.getsize(whole) > 0,
                    "huzhu %s > FILE: exit 0, the answer in the file"
                    % " ".join(args))
            for lang, says in (("zh", "huzhu: 输出未能完整写出 (stdout: "),
                               ("en", "huzhu: the output could not be"
                                " written (stdout: ")):
                rc, err = run_to("/dev/full", n, ["--lang", lang] + args)
                T.check(rc == T.EXIT_FAIL and err.startswith(says),
                        "[%s] huzhu %s > /dev/full: exit %d (want 1), "
                        "stderr %r" % (lang, " ".join(args), rc,
                                       err.strip()[:80]))
        T.check_eq(n.out("state-hash"), before,
                   "reads whose output was lost changed nothing")
        rc, err = run_to("/dev/full", n,
                         ["put", "households", "head_name=测试满"])
        T.check(rc == T.EXIT_FAIL and "stdout" in err,
                "a write whose printed id was lost exits 1")
        heads = [r["head_name"] for r in n.js("ls", "households")]
        T.check(sorted(heads) == ["测试户", "测试满"],
                "the write itself stands (the output is what failed): %r"
                % heads)


@cases.case
def chinese_names_work_everywhere():
    with T.TempDir("zh") as work:
        d = os.path.join(work, "安置点节点")
        r = T.run(["--json", "-d", d, "init", "--name", "第一安置点(测试)"],
                  expect=0)
        n = T.Node(d)
        n.key = r.json()["key"]
        T.check_eq(n.status()["name"], "第一安置点(测试)",
                   "a Chinese node name in a Chinese directory")
        hh = n.out("household", "add", "--head", "测试·欧阳", "--village",
                   "测试村（东）", "--address", "测试路１号", "--member",
                   "测试小明,男,2016,无人照料儿童").split()[0]
        site = n.out("site", "add", "--name", "测试小学体育馆", "--kind", "安置点")
        item = n.out("item", "add", "--name", "方便面", "--unit", "箱",
                     "--category", "食品")
        T.check_eq(n.js("get", "items", item)["category"], "food",
                   "an enum given by its Chinese label (食品)")
        n.out("stock", "receive", site, item, "12", "--from", "测试红十字会")
        T.check_eq([x["id"] for x in n.js("ls", "households", "--where",
                                          "village=测试村（东）")], [hh],
                   "--where with a Chinese value")
        r = n.run("show", "stock", expect=0)
        lines = r.out.splitlines()
        T.check(len(lines) == 2 and "测试小学体育馆" in lines[1] and
                "方便面" in lines[1], "show stock prints Chinese names")
        head, row = lines

        def width(s):
            return sum(2 if ord(ch) >= 0x1100 else 1 for ch in s)

        T.check(width(head[:head.index("物资")]) ==
                width(row[:row.index("方便面")]),
                "table columns line up with wide characters")
        out = os.path.join(work, "数据包·第1批.bundle")
        n.export(out)
        m = T.Node.create(work, "第二节点", "第二节点")
        m.import_(out)
        T.check_eq(m.js("get", "households", hh)["head_name"], "测试·欧阳",
                   "a bundle with a Chinese file name carries Chinese values")
        T.check_eq(m.state_hash(), n.state_hash(), "and the same state")


@cases.case
def busy_database_waits_then_exits_6():
    with T.TempDir("busy") as work:
        n = T.Node.create(work, "测试", "n")
        path = os.path.join(n.dir, "node.db")
        lock = sqlite3.connect(path, isolation_level=None)
        p = None
        try:
            lock.execute("BEGIN IMMEDIATE")
            p = subprocess.Popen([T.HUZHU, "-d", n.dir, "put", "households",
                                  "head_name=测试甲"], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, env=T.base_env())
            try:
                p.wait(timeout=1.0)
                T.check(False, "a write while another process holds the"
                        " write lock waits (it exited %d)" % p.returncode)
            except subprocess.TimeoutExpired:
                T.check(True, "a write while another process holds the write"
                        " lock waits (still running after 1 s)")
            lock.execute("ROLLBACK")
            out, err = p.communicate(timeout=30)
            T.check(p.returncode == 0 and T.is_hex(out.decode().strip(), 32),
                    "once the lock is released it completes and prints the id")
            lock.execute("BEGIN IMMEDIATE")
            t0 = time.monotonic()
            r = n.run("--lang", "en", "put", "households", "head_name=测试乙")
            took = time.monotonic() - t0
            T.check(r.rc == T.EXIT_BUSY and r.out == "" and
                    "database is busy" in r.err,
                    "held for good: exit 6 'database is busy' after %.1fs"
                    % took)
            r = n.run("ls", "households", expect=0)
            T.check_eq(len(json.loads(r.out)), 1,
                       "readers are not blocked by the writer (WAL)")
        finally:
            lock.close()
            if p is not None and p.poll() is None:
                T.kill9(p)


if __name__ == "__main__":
    cases.main()
