#!/usr/bin/python3
"""tests/fuzz/make_corpus.py - regenerate the seed corpora in corpus/.

    /usr/bin/python3 tests/fuzz/make_corpus.py BUILD_DIR

BUILD_DIR holds a built `huzhu` and tests/fuzz/fuzz_vector (HZ_FUZZ=ON).
Three nodes write fictional records (测试甲, 测试村 ...) with the real CLI:
node A writes, node B imports A and writes concurrently, a copy of B
writes a second history (a fork), node C imports all three. Their bundles
and the entries and bodies inside them become seeds, with hand-made edge
cases beside them. Keys are random, so every run gives different bytes;
commit the result, do not regenerate in CI. The requests of fuzz_api are
written by hand against the fixed row ids of its harness (api_seeds):
those come out the same every time.

Uses Debian's python3-msgpack (run /usr/bin/python3, not a pyenv one).
"""
import hashlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
MAGIC = b"HZBUNDLE"


# ---- bundles (proto/bundle.md)

def frames(data):
    """[(kind, payload)] of a bundle, after its magic."""
    assert data[:8] == MAGIC, "not a bundle"
    out, pos = [], 8
    while pos < len(data):
        n, kind = struct.unpack(">IB", data[pos:pos + 5])
        out.append((kind, data[pos + 5:pos + 5 + n]))
        pos += 5 + n
    return out


def frame(kind, payload):
    return struct.pack(">IB", len(payload), kind) + payload


def bundle(header, entries):
    """A bundle with a trailer that matches: [count, BLAKE2b-256 of every
    byte before the trailer frame]."""
    body = MAGIC + frame(1, header) + b"".join(frame(2, e) for e in entries)
    digest = hashlib.blake2b(body, digest_size=32).digest()
    return body + frame(3, msgpack.packb([len(entries), digest]))


def entries_of(data):
    return [p for k, p in frames(data) if k == 2]


def header_of(data):
    return next(p for k, p in frames(data) if k == 1)


# ---- the nodes

class Cli:
    def __init__(self, build, tmp):
        self.exe = os.path.join(build, "huzhu")
        self.tmp = tmp
        self.env = dict(os.environ, HUZHU_LANG="en")

    def __call__(self, node, *args):
        cmd = [self.exe, "-d", os.path.join(self.tmp, node), "--json"]
        r = subprocess.run(cmd + list(args), env=self.env, check=True,
                           stdout=subprocess.PIPE, text=True)
        return r.stdout

    def id(self, node, *args):
        import json
        return json.loads(self(node, *args))["id"]

    def path(self, name):
        return os.path.join(self.tmp, name)


def make_nodes(cli):
    """Write the records; return {name: bundle bytes} and the vectors."""
    cli("a", "init", "--name", "测试节点甲")
    hh = cli.id("a", "household", "add", "--head", "测试甲", "--village",
                "测试村", "--phone", "10000000000", "--status", "home",
                "--member", "测试乙,female,1950")
    site = cli.id("a", "site", "add", "--name", "测试安置点", "--kind",
                  "shelter", "--capacity", "50")
    rice = cli.id("a", "item", "add", "--name", "测试米", "--unit", "kg",
                  "--category", "food")
    person = cli.id("a", "person", "add", "--household", hh, "--name",
                    "测试丙", "--sex", "male", "--born", "1990")
    cli("a", "put", "persons", "--id", person, "chronic=yes", "disabled=否",
        "condition=safe", "pregnant=0")
    cli("a", "put", "sites", "--id", site, "area_m2=120.5", "open=true",
        "address=测试路1号")
    cli("a", "checkin", person, site)
    cli("a", "stock", "receive", site, rice, "100", "--from", "测试捐赠方")
    cli("a", "stock", "distribute", site, rice, "5", "--household", hh)
    cli("a", "stock", "count", site, rice, "95")
    cli("a", "warn", hh, "--method", "phone", "--notice", "测试通知",
        "--by", "测试丁")
    cli("a", "checkout", person)
    cli("a", "put", "households", "--id", hh, "status=evacuated", "notes=")
    water = cli.id("a", "item", "add", "--name", "测试水", "--unit", "箱",
                   "--category", "water")
    cli("a", "del", "items", water)
    cli("a", "bundle", "export", cli.path("a1.hzb"))

    cli("b", "init", "--name", "测试节点乙")
    cli("b", "bundle", "import", cli.path("a1.hzb"))
    cli("b", "put", "households", "--id", hh, "cadre=测试戊", "members=3")
    cli("a", "put", "households", "--id", hh, "cadre=测试己",
        "grid=第一网格")
    cli("b", "person", "add", "--household", hh, "--name", "测试庚",
        "--sex", "male", "--born", "1988")
    shutil.copytree(cli.path("b"), cli.path("b2"))
    cli("b", "site", "add", "--name", "测试学校", "--kind", "village_office")
    cli("b2", "site", "add", "--name", "测试仓库", "--kind", "warehouse",
        "--area", "0")
    for n in ("a", "b", "b2"):
        cli(n, "bundle", "export", cli.path(n + ".hzb"))
    cli("c", "init", "--name", "测试节点丙")
    for n in ("a", "b", "b2"):
        cli("c", "bundle", "import", cli.path(n + ".hzb"))
    cli("c", "bundle", "export", cli.path("c.hzb"))
    vec_a = cli("a", "vector")
    with open(cli.path("a.vector"), "w") as f:
        f.write(vec_a)
    cli("c", "bundle", "export", cli.path("c_for_a.hzb"), "--for",
        cli.path("a.vector"))
    out = {}
    for n in ("a", "b", "b2", "c", "c_for_a"):
        with open(cli.path(n + ".hzb"), "rb") as f:
            out[n] = f.read()
    return out, vec_a, cli("c", "vector")


# ---- writing corpora

def write(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def reset(target):
    d = os.path.join(CORPUS, target)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)


def envelope(e):
    return msgpack.unpackb(e)


def entry_seeds(entries):
    for i, e in enumerate(entries):
        write("fuzz_entry", "entry-%02d" % i, e)
    e = entries[0]
    f = envelope(e)
    write("fuzz_entry", "edge-empty", b"")
    write("fuzz_entry", "edge-truncated", e[:len(e) // 2])
    bad = bytearray(e)
    bad[-1] ^= 1
    write("fuzz_entry", "edge-bad-sig", bytes(bad))
    # seq as uint64: the same values, not canonical
    wide = b"\x98" + msgpack.packb(f[0]) + msgpack.packb(f[1], use_bin_type=True) \
        + msgpack.packb(f[2]) + b"\xcf" + struct.pack(">Q", f[3]) \
        + b"".join(msgpack.packb(x) for x in f[4:])
    write("fuzz_entry", "edge-wide-seq", wide)
    v2 = [2] + f[1:]
    write("fuzz_entry", "edge-version-2", msgpack.packb(v2))
    write("fuzz_entry", "edge-seq-0", msgpack.packb(f[:3] + [0] + f[4:]))
    write("fuzz_entry", "edge-huge-array", b"\xdd\xff\xff\xff\xff")
    write("fuzz_entry", "edge-deep", b"\x91" * 40 + b"\xc0")
    write("fuzz_entry", "edge-map", msgpack.packb({"version": 1}))


def body_seeds(entries):
    bodies = []
    for e in entries:
        b = envelope(e)[6]
        if b not in bodies:
            bodies.append(b)
    for i, b in enumerate(bodies):
        write("fuzz_body", "body-%02d" % i, b)
    ops = msgpack.unpackb(bodies[0])[1]
    edge = {
        "edge-empty": b"",
        "edge-version-2": msgpack.packb([2, ops]),
        "edge-version-0": msgpack.packb([0, ops]),
        "edge-no-ops": msgpack.packb([1, []]),
        "edge-unknown-table": msgpack.packb(
            [1, [[0, "测试表", b"\x01" * 16, [["name", "x", []]]]]]),
        "edge-float32": b"\x92\x01\x91\x94\x00\xa5sites" + b"\xc4\x10"
                        + b"\x02" * 16 + b"\x91\x93\xa7area_m2\xca\x3f\x80"
                        b"\x00\x00\x90",
        "edge-two-ops-one-row": msgpack.packb(
            [1, [[1, "items", b"\x03" * 16, []],
                 [1, "items", b"\x03" * 16, []]]]),
        "edge-deep": b"\x92\x01" + b"\x91" * 20 + b"\xc0",
        "edge-stock-no-qty": msgpack.packb(
            [1, [[2, "stock_moves", b"\x04" * 16,
                  [["item", b"\x05" * 16], ["kind", "received"],
                   ["site", b"\x06" * 16], ["time", 1700000000]]]]]),
    }
    for name, data in edge.items():
        write("fuzz_body", name, data)
    return bodies


def mpscan_seeds(entries, bodies):
    wide = b"\x20\xff\xff\xff"   # depth 32, no other limit
    tight = b"\x08\x40\x40\x40"  # depth 8, 64-byte strings, 64 elements
    for i, e in enumerate(entries[:6]):
        write("fuzz_mpscan", "entry-%02d" % i, wide + e)
    for i, b in enumerate(bodies[:6]):
        write("fuzz_mpscan", "body-%02d" % i, tight + b)
    edge = {
        "edge-depth-32": wide + b"\x91" * 31 + b"\x90",
        "edge-depth-33": wide + b"\x91" * 32 + b"\x90",
        "edge-depth-33-limit-40": b"\x28\xff\xff\xff" + b"\x91" * 32
                                  + b"\x90",
        "edge-map-keys": wide + b"\x82\x91\x01\x02\x80\x90",
        "edge-ext": wide + b"\x93\xd4\x01\x02\xc7\x03\x05abc\xd8\x07"
                    + b"\x00" * 16,
        "edge-float": wide + b"\x92\xca\x00\x00\x00\x00\xcb" + b"\x00" * 8,
        "edge-c1": wide + b"\x92\x01\xc1",
        "edge-trailing": wide + b"\x91\x01\x02",
        "edge-truncated": wide + b"\x93\x01\x02",
        "edge-str8": b"\x20\x10\xff\xff" + b"\xd9\x20" + b"a" * 32,
        "edge-bin16": b"\x20\xff\x10\xff" + b"\xc5\x00\x20" + b"b" * 32,
        "edge-array32-lies": wide + b"\xdd\x00\x00\x10\x00" + b"\x01" * 8,
        "edge-clamp": b"\xf0\xff\xff\xff" + b"\x91" * 70 + b"\xc0",
        # found by fuzz_mpscan: msgpack-c wraps ext 32's length + 1
        "edge-ext32-wraps": b"\x00\xff\x2a\xff\xc9\xff\xff\xff\xff",
    }
    for name, data in edge.items():
        write("fuzz_mpscan", name, data)


def bundle_seeds(bundles):
    for name, data in bundles.items():
        write("fuzz_bundle", "bundle-" + name, data)
    c = bundles["c"]
    hdr, es = header_of(c), entries_of(c)
    h = msgpack.unpackb(hdr)
    edge = {
        "edge-empty": b"",
        "edge-magic-only": MAGIC,
        "edge-no-entries": bundle(hdr, []),
        "edge-truncated": c[:len(c) // 2],
        "edge-gap": bundle(hdr, es[:3] + es[4:8]),
        "edge-reversed": bundle(hdr, es[::-1]),
        "edge-duplicates": bundle(hdr, es[:4] + es[:4]),
        "edge-version-2": bundle(msgpack.packb([2] + h[1:]), es[:2]),
        "edge-other-network": bundle(
            msgpack.packb([h[0], b"\x01" * 16] + h[2:]), es[:2]),
        "edge-bad-digest": c[:-1] + bytes([c[-1] ^ 1]),
        "edge-frame-too-big": MAGIC + b"\x7f\xff\xff\xff\x01",
        "edge-kind-9": MAGIC + frame(9, hdr),
    }
    for name, data in edge.items():
        write("fuzz_bundle", name, data)


def ingest_input(pieces, build=False):
    """fuzz_ingest's layout: mode byte, big-endian lengths of all pieces
    but the last, then the pieces."""
    assert 1 <= len(pieces) <= 4
    mode = (len(pieces) - 1) | (4 if build else 0)
    out = bytes([mode])
    for p in pieces[:-1]:
        out += struct.pack(">H", len(p))
    return out + b"".join(pieces)


def ingest_seeds(bundles, bodies):
    a, b, b2 = (entries_of(bundles[n]) for n in ("a", "b", "b2"))
    seeds = {
        "raw-a-1-4": ingest_input(a[:4]),
        "raw-a-reversed": ingest_input(a[3::-1]),
        "raw-a-gap": ingest_input([a[0], a[2], a[3]]),
        "raw-a-one": ingest_input(a[:1]),
        "raw-duplicate": ingest_input([a[0], a[0]]),
        "raw-garbage": ingest_input([b"\x98\x01", b"", a[0][:-1]]),
    }
    # b's own chain starts after A's entries in its bundle
    own_b = [e for e in b if envelope(e)[2] == envelope(b[-1])[2]]
    seeds["raw-b-chain"] = ingest_input(own_b[:4])
    # b and b2 share their first entries, then differ: a fork. Taken in
    # reverse order, the second seq-3 entry used to stay pending and the
    # fork went unseen (FUZZING.md, finding 1); the reversed input is also
    # kept as a regression test in crashes/.
    seeds["raw-fork"] = ingest_input(own_b[:3] + [b2[-1]])
    seeds["raw-fork-reversed"] = ingest_input([b2[-1]] + own_b[2::-1])
    crash = os.path.join(HERE, "crashes")
    os.makedirs(crash, exist_ok=True)
    with open(os.path.join(crash, "fuzz_ingest-fork-left-in-pending"),
              "wb") as f:
        f.write(seeds["raw-fork-reversed"])
    for i in range(0, min(len(bodies), 12), 4):
        group = bodies[i:i + 4]
        pieces = [bytes([0, 0]) + x for x in group]
        seeds["built-chain-%02d" % i] = ingest_input(pieces, build=True)
    x, y = bodies[0], bodies[1 % len(bodies)]
    seeds["built-fork-same-seq"] = ingest_input(
        [b"\x00\x00" + x, b"\x04\x00" + y], build=True)
    # a chain of two, then a second entry at seq 2: taken in reverse, both
    # seq-2 entries wait in pending until seq 1 arrives
    seeds["built-fork-after-chain"] = ingest_input(
        [b"\x00\x00" + x, b"\x00\x00" + y, b"\x04\x00" + x], build=True)
    seeds["built-gap"] = ingest_input(
        [b"\x01\x00" + x, b"\x09\x00" + y], build=True)
    seeds["built-wrong-prev"] = ingest_input(
        [b"\x02\x00" + x, b"\x0e\x00" + y], build=True)
    seeds["built-own-key"] = ingest_input([b"\x03\x00" + x], build=True)
    seeds["built-skewed"] = ingest_input(
        [b"\x00\x7f" + x, b"\x01\x80" + y], build=True)
    seeds["built-two-authors"] = ingest_input(
        [b"\x00\x00" + x, b"\x01\x01" + x, b"\x00\x02" + y,
         b"\x01\x03" + y], build=True)
    for name, data in seeds.items():
        write("fuzz_ingest", name, data)


def vector_seeds(build, vec_a, vec_c, tmp):
    path = os.path.join(tmp, "harness.vector")
    exe = os.path.join(build, "tests", "fuzz", "fuzz_vector")
    subprocess.run([exe, "-runs=0"], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL,
                   env=dict(os.environ, HZ_FUZZ_DUMP_VECTOR=path))
    with open(path) as f:
        vec_h = f.read()
    import json
    h = json.loads(vec_h)
    net = h["network"]
    first = h["authors"][0]
    seeds = {
        "vector-harness": vec_h,
        "vector-cli-a": vec_a,
        "vector-cli-c": vec_c,
        "edge-no-authors": json.dumps({"network": net, "authors": []}),
        "edge-other-network": json.dumps(
            {"network": "00" * 16, "authors": []}),
        "edge-behind": json.dumps({"network": net, "authors": [
            dict(first, seq=1)]}),
        "edge-ahead": json.dumps({"network": net, "authors": [
            dict(first, seq=2**62)]}),
        "edge-other-hash": json.dumps({"network": net, "authors": [
            dict(first, hash="ab" * 32)]}),
        "edge-seq-0": json.dumps({"network": net, "authors": [
            dict(first, seq=0)]}),
        "edge-seq-string": json.dumps({"network": net, "authors": [
            dict(first, seq="1")]}),
        "edge-upper-hex": json.dumps({"network": net, "authors": [
            dict(first, author=first["author"].upper())]}),
        "edge-duplicate-key": '{"network":"%s","network":"%s",'
                              '"authors":[]}' % (net, net),
        "edge-empty-object": "{}",
        "edge-array": "[]",
        "edge-null": "null",
        "edge-empty": "",
        "edge-not-json": "{\"network\": ",
    }
    for name, data in seeds.items():
        write("fuzz_vector", name, data.encode())


def value_seeds():
    seeds = [
        "测试甲", "测试村 第一组", "12", "-5", "0", "100", "1000001",
        "-1000000000000", "9223372036854775807", "9223372036854775808",
        "1880", "2200", "1700000000", "120.5", "-0", "-0.0", "1e308",
        "1e309", "1e-400", "nan", "inf", "0x10", " 12", "12 ", "+3",
        "yes", "no", "是", "否", "true", "FALSE", "y", "1", "shelter",
        "安置点", "in a shelter", "village office", "received", "调入",
        "0123456789abcdef0123456789abcdef",
        "0123456789ABCDEF0123456789ABCDEF",
        "0123456789abcdef0123456789abcde", "g" * 32, "",
        "\xff\xfe", "a" * 4096, "a" * 4097,
    ]
    for i, s in enumerate(seeds):
        data = s.encode("utf-8", "surrogateescape") if isinstance(s, str) \
            else s
        write("fuzz_value", "value-%02d" % i, data)
    write("fuzz_value", "edge-invalid-utf8", b"\xc3\x28")
    write("fuzz_value", "edge-overlong", b"\xc0\xaf")
    write("fuzz_value", "edge-surrogate", b"\xed\xa0\x80")
    write("fuzz_value", "edge-nul-inside", b"12\x00abc")


# ---- fuzz_api: requests to the web API (tests/fuzz/fuzz_api.c)

# The rows the harness writes at start-up, by their fixed ids.
API_SITE = "a0000000000000000000000000000001"
API_WAREHOUSE = "a0000000000000000000000000000002"
API_ITEM = "d0000000000000000000000000000001"
API_HOUSEHOLD = "b0000000000000000000000000000001"
API_GONE = "b0000000000000000000000000000002"
API_EDITED = "b0000000000000000000000000000003"
API_PERSON_IN = "c0000000000000000000000000000001"
API_PERSON_OUT = "c0000000000000000000000000000002"
API_PERSON_TWICE = "c0000000000000000000000000000003"
API_STAY = "e0000000000000000000000000000001"
API_MOVE = "f0000000000000000000000000000001"
API_NOBODY = "c0000000000000000000000000000009"

API_METHODS = {"GET": 0, "POST": 1, "PATCH": 2, "DELETE": 3, "PUT": 0xf0,
               "HEAD": 0xf1}
API_ACCOUNTS = {"admin": 0, "coordinator": 1, "site": 2, "warehouse": 3,
                "elsewhere": 4, "viewer": 5, "no-site": 6, "root": 7}


def api_input(method, path, query="", body=b"", account="admin"):
    """[method, account] path NUL query NUL body (fuzz_api.c): a path
    without a leading '/' is under /api/; a dict body is sent as JSON."""
    import json
    if isinstance(body, (dict, list)):
        body = json.dumps(body, ensure_ascii=False)
    if isinstance(body, str):
        body = body.encode()
    if isinstance(query, str):
        query = query.encode()
    return (bytes([API_METHODS[method], API_ACCOUNTS[account]]) +
            path.encode() + b"\0" + query + b"\0" + body)


def cap_sample(name):
    """A CAP file of tests/integration/cap, as text."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                        "integration", "cap", name)
    with open(path, encoding="utf-8") as f:
        return f.read()


def api_seeds():
    """A request for every route of proto/api.md on the harness's rows,
    each role, and refusals of every kind."""
    tables = ("households", "items", "persons", "sites", "stays",
              "stock_moves", "warnings", "organisations", "volunteers",
              "volunteer_assignments", "volunteer_service", "needs",
              "offers", "matches", "warning_notices", "donations", "ledger",
              "patrol_points", "patrols", "hazards", "hazard_responses",
              "shifts", "handovers", "recovery_measures", "recovery_progress",
              "care_visits", "health_checks", "disinfections")
    views = ("occupancy", "presence", "stock", "received", "vulnerable",
             "unaccounted", "volunteer_periods", "volunteer_hours", "needs",
             "offers", "matches", "donations", "ledger")
    seeds = {
        "get-schema": ("GET", "schema"),
        "get-status": ("GET", "status"),
        "get-conflicts": ("GET", "conflicts"),
        "get-search-name": ("GET", "search", "q=测试甲"),
        "get-search-id-number": ("GET", "search", "q=1002X"),
        "get-search-phone": ("GET", "search", "q=13800&limit=5"),
        "get-search-village": ("GET", "search", "q=测试村"),
        "get-households-where": ("GET", "households",
                                 "village=测试村&limit=1&offset=0"),
        "get-persons-where": ("GET", "persons",
                              "household=%s&sex=male" % API_HOUSEHOLD),
        "get-sites-row": ("GET", "sites/" + API_SITE),
        "get-households-row": ("GET", "households/" + API_HOUSEHOLD),
        "get-persons-row": ("GET", "persons/" + API_PERSON_IN),
        "get-stays-row": ("GET", "stays/" + API_STAY),
        "get-deleted": ("GET", "households/" + API_GONE),
        "get-missing": ("GET", "persons/" + API_NOBODY),
        "post-sites": ("POST", "sites", "", {
            "name": "测试学校", "kind": "village_office", "capacity": 30,
            "area_m2": 120.5, "open": True}),
        "post-items": ("POST", "items", "", {
            "name": "测试水", "unit": "箱", "category": "water"}),
        "post-persons": ("POST", "persons", "", {
            "name": "测试己", "household": API_HOUSEHOLD, "sex": "female",
            "birth_year": 1985, "id_number": "11010519491231002X",
            "pregnant": True, "phone": "13900000000"}),
        "post-households-members": ("POST", "households", "", {
            "head_name": "测试庚", "village": "测试村", "status": "home",
            "members": [
                {"name": "测试庚", "sex": "male", "birth_year": 1948,
                 "flags": ["elderly_mobility", "chronic"]},
                {"name": "测试辛", "flags": ["left_behind", "no_caretaker"]}]}),
        "post-stays": ("POST", "stays", "", {
            "person": API_PERSON_OUT, "site": API_SITE, "kind": "in",
            "note": "测试"}),
        "post-stays-closes": ("POST", "stays", "", {
            "person": API_PERSON_IN, "site": API_SITE, "kind": "out",
            "closes": API_STAY, "time": 1700000000}),
        "post-stock-moves": ("POST", "stock_moves", "", {
            "item": API_ITEM, "site": API_SITE, "kind": "distributed",
            "qty": -5, "household": API_HOUSEHOLD}),
        "post-stock-reverses": ("POST", "stock_moves", "", {
            "item": API_ITEM, "site": API_SITE, "kind": "lost",
            "qty": -100, "reverses": API_MOVE}),
        "post-stock-counted": ("POST", "stock_moves", "", {
            "item": API_ITEM, "site": API_SITE, "kind": "counted", "qty": 0,
            "counted": 95, "reference": "测试单号"}),
        "post-warnings": ("POST", "warnings", "", {
            "household": API_HOUSEHOLD, "method": "door",
            "notice": "测试通知二", "by": "测试丁"}),
        "patch-sites": ("PATCH", "sites/" + API_SITE, "", {
            "capacity": 50, "manager": "测试负责人", "address": None}),
        "patch-items": ("PATCH", "items/" + API_ITEM, "", {"unit": ""}),
        "patch-households": ("PATCH", "households/" + API_HOUSEHOLD, "", {
            "status": "sheltered", "members": 4, "notes": "测试"}),
        "patch-persons": ("PATCH", "persons/" + API_PERSON_OUT, "", {
            "condition": "injured", "disabled": "是", "birth_year": "1991"}),
        "patch-deleted": ("PATCH", "households/" + API_GONE, "",
                          {"notes": "测试"}),
        "patch-missing": ("PATCH", "persons/" + API_NOBODY, "",
                          {"name": "测试"}),
        "delete-sites": ("DELETE", "sites/" + API_WAREHOUSE),
        "delete-items": ("DELETE", "items/" + API_ITEM),
        "delete-households": ("DELETE", "households/" + API_HOUSEHOLD),
        "delete-persons": ("DELETE", "persons/" + API_PERSON_OUT),
        "delete-stays": ("DELETE", "stays/" + API_STAY),
        "checkin": ("POST", "checkin", "", {
            "site": API_SITE, "persons": [API_PERSON_OUT]}),
        "checkin-two": ("POST", "checkin", "", {
            "site": API_WAREHOUSE, "persons": [API_PERSON_OUT,
                                               API_PERSON_IN]}),
        "checkout": ("POST", "checkout", "", {"persons": [API_PERSON_IN]}),
        "checkout-ambiguous": ("POST", "checkout", "",
                               {"persons": [API_PERSON_TWICE]}),
        "checkout-at-site": ("POST", "checkout", "", {
            "persons": [API_PERSON_TWICE], "site": API_WAREHOUSE}),
        "checkout-not-in": ("POST", "checkout", "",
                            {"persons": [API_PERSON_OUT]}),
        "resolve": ("POST", "conflicts/resolve", "", {
            "table": "households", "row": API_HOUSEHOLD,
            "column": "village", "value": "测试村"}),
        "resolve-deleted-row": ("POST", "conflicts/resolve", "", {
            "table": "households", "row": API_EDITED, "column": "notes",
            "value": "测试备注"}),
        "role-site-checkin": ("POST", "checkin", "", {
            "site": API_SITE, "persons": [API_PERSON_OUT]}, "site"),
        "role-site-checkin-other": ("POST", "checkin", "", {
            "site": API_WAREHOUSE, "persons": [API_PERSON_OUT]}, "site"),
        "role-site-patch-own": ("PATCH", "sites/" + API_SITE, "",
                                {"capacity": 3}, "site"),
        "role-site-patch-other": ("PATCH", "sites/" + API_WAREHOUSE, "",
                                  {"capacity": 3}, "site"),
        "role-site-post-items": ("POST", "items", "", {"name": "测试"},
                                 "site"),
        "role-site-household": ("POST", "households", "", {
            "head_name": "测试癸", "members": [{"name": "测试癸"}]}, "site"),
        "role-warehouse-stock": ("POST", "stock_moves", "", {
            "item": API_ITEM, "site": API_WAREHOUSE, "kind": "received",
            "qty": 10}, "warehouse"),
        "role-elsewhere-stay": ("POST", "stays", "", {
            "person": API_PERSON_OUT, "site": API_SITE, "kind": "in"},
            "elsewhere"),
        "role-coordinator-delete": ("DELETE", "sites/" + API_SITE, "", b"",
                                    "coordinator"),
        "role-viewer-get": ("GET", "households", "", b"", "viewer"),
        "role-viewer-post": ("POST", "households", "", {
            "head_name": "测试"}, "viewer"),
        "role-no-site": ("POST", "persons", "", {"name": "测试"}, "no-site"),
        "role-unknown": ("PATCH", "households/" + API_HOUSEHOLD, "",
                         {"notes": "测试"}, "root"),
        "edge-bad-json": ("POST", "households", "", '{"head_name": '),
        "edge-duplicate-key": ("POST", "households", "",
                               '{"head_name":"a","head_name":"b"}'),
        "edge-empty-body": ("POST", "items"),
        "edge-unknown-field": ("POST", "households", "", {
            "head_name": "测试", "shoe_size": 42}),
        "edge-bad-enum": ("POST", "households", "", {
            "head_name": "测试", "status": "floating"}),
        "edge-bad-id-number": ("POST", "persons", "", {
            "name": "测试", "id_number": "110105194912310021"}),
        "edge-member-bad-year": ("POST", "households", "", {
            "head_name": "测试", "members": [
                {"name": "测试", "birth_year": "一九五零"}]}),
        "edge-members-not-list": ("POST", "households", "", {
            "head_name": "测试", "members": 3}),
        "edge-bad-flag": ("POST", "households", "", {
            "head_name": "测试", "members": [
                {"name": "测试", "flags": ["tall"]}]}),
        "edge-merged-into": ("PATCH", "persons/" + API_PERSON_OUT, "", {
            "merged_into": API_PERSON_IN}),
        "edge-object-value": ("PATCH", "households/" + API_HOUSEHOLD, "", {
            "notes": {"a": 1}}),
        "edge-big-numbers": ("PATCH", "sites/" + API_SITE, "", '{"capacity":'
                             ' 1e300, "area_m2": -0.0}'),
        "edge-unknown-route": ("GET", "nothing"),
        "edge-not-api": ("GET", "/index.html"),
        "edge-too-many-segments": ("GET", "households/a/b/c/d"),
        "edge-upper-id": ("GET", "households/" + API_HOUSEHOLD.upper()),
        "edge-put": ("PUT", "households/" + API_HOUSEHOLD, "",
                     {"notes": "测试"}),
        "edge-post-with-id": ("POST", "households/" + API_HOUSEHOLD, "",
                              {"notes": "测试"}),
        "edge-query-unknown": ("GET", "households", "shoe_size=1"),
        "edge-query-limit-0": ("GET", "persons", "limit=0"),
        "edge-query-offset-huge": ("GET", "persons",
                                   "offset=9223372036854775807&limit=1000"),
        "edge-query-bad-utf8": ("GET", "households", b"village=\xff\xfe"),
        "edge-search-long": ("GET", "search", "q=" + "测" * 22),
        "edge-view-unknown": ("GET", "views/nothing"),
        "get-history": ("GET", "history/households/" + API_HOUSEHOLD),
        "get-duplicates": ("GET", "duplicates",
                           "name=测试&birth_year=1950&village=测试村"
                           "&id_number=11010519491231002X&phone=13800000001"),
        "edge-history-no-table": ("GET", "history/nothing/" + API_HOUSEHOLD),
        "edge-history-query": ("GET", "history/persons/" + API_PERSON_OUT,
                               "x=1"),
        "edge-recorded-by-write": ("POST", "recorded_by", "",
                                   {"account": "测试"}),
        "edge-resolve-event": ("POST", "conflicts/resolve", "", {
            "table": "stays", "row": API_STAY, "column": "kind",
            "value": "out"}),
        "edge-checkin-no-site": ("POST", "checkin", "",
                                 {"persons": [API_PERSON_OUT]}),
        "edge-checkin-nobody": ("POST", "checkin", "", {
            "site": API_SITE, "persons": [API_NOBODY]}),
        "edge-checkin-bad-id": ("POST", "checkin", "", {
            "site": API_SITE, "persons": ["xyz", 7]}),
        "edge-checkin-65": ("POST", "checkin", "", {
            "site": API_SITE, "persons": [API_PERSON_OUT] * 65}),
        "import-roster-dry": ("POST", "import/roster",
                              "name=村.csv&dry_run=1",
                              "户号,户主姓名,姓名,与户主关系,性别,出生日期\n"
                              "A1,测试甲,测试甲,户主,男,1950-01-01\n"
                              "A1,测试甲,测试乙,配偶,女,1952\n"),
        "import-roster": ("POST", "import/roster", "name=村.csv&village=测试村",
                          "姓名,身份证号,户号\n测试丙,11010519491231002X,B7\n"),
        "import-roster-mapping": ("POST", "import/roster",
                                  "dry_run=1&mapping=名字 = name",
                                  "名字,房号\n测试丁,C1\n"),
        "import-roster-zip": ("POST", "import/roster", "name=x.xlsx",
                              b"PK\x03\x04" + bytes(range(64))),
        "edge-import-roster-viewer": ("POST", "import/roster", "",
                                      "姓名,户号\n测试,1\n", "viewer"),
        # a CAP 1.2 alert from the page (POST /api/import/cap)
        "import-cap": ("POST", "import/cap", "villages=测试村",
                       cap_sample("rainstorm.xml")),
        "edge-import-cap-malformed": ("POST", "import/cap", "",
                                      cap_sample("malformed.xml")),
        "edge-import-cap-no-urgency": ("POST", "import/cap", "grids=1组",
                                       cap_sample("no_urgency.xml")),
        "edge-import-cap-viewer": ("POST", "import/cap", "",
                                   cap_sample("rainstorm.xml"), "viewer"),
        # social forces, needs and offers, warning campaigns (schema 5-7)
        "post-organisations": ("POST", "organisations", "", {
            "name": "测试救援队", "kind": "volunteer_team",
            "services": "搜救", "headcount": 12, "site": API_SITE,
            "lat": 30.9, "lon": 118.0}),
        "post-volunteers": ("POST", "volunteers", "", {
            "name": "测试志愿者", "phone": "13900000009",
            "skills": "医疗"}),
        "post-volunteer-service-nobody": ("POST", "volunteer_service", "", {
            "volunteer": API_NOBODY, "site": API_SITE, "kind": "in",
            "time": 1700000000}),
        "post-needs": ("POST", "needs", "", {
            "what": "测试矿泉水", "qty": 50, "unit": "箱",
            "category": "water", "item": API_ITEM, "urgency": "critical",
            "site": API_SITE}),
        "post-offers": ("POST", "offers", "", {
            "what": "测试矿泉水", "qty": 80, "category": "water",
            "site": API_WAREHOUSE}),
        "post-matches-unknown": ("POST", "matches", "", {
            "need": API_NOBODY, "offer": API_NOBODY, "qty": 5,
            "time": 1700000000}),
        "post-stock-against-match": ("POST", "stock_moves", "", {
            "item": API_ITEM, "site": API_SITE, "kind": "received",
            "qty": 5, "match": API_NOBODY}),
        "post-warning-notices": ("POST", "warning_notices", "", {
            "event": "暴雨", "headline": "测试预警", "villages": "测试村",
            "severity": "severe", "urgency": "immediate",
            "sent": 1700000000}),
        "post-warnings-campaign-unknown": ("POST", "warnings", "", {
            "household": API_HOUSEHOLD, "method": "phone",
            "notice": "测试", "campaign": API_NOBODY, "reached": False}),
        "get-report-organisations": ("GET", "reports/organisations",
                                     "skill=搜救"),
        "get-report-volunteer": ("GET", "reports/volunteer",
                                 "id=" + API_NOBODY),
        "get-report-volunteer-csv": ("GET", "reports/volunteer/csv",
                                     "id=" + API_NOBODY),
        "get-report-match-suggestions": ("GET", "reports/match_suggestions"),
        "get-report-match-suggestions-need": (
            "GET", "reports/match_suggestions", "need=" + API_NOBODY),
        "get-report-campaigns": ("GET", "reports/campaigns"),
        "get-report-campaign": ("GET", "reports/campaign",
                                "id=" + API_NOBODY),
        "get-report-campaign-csv": ("GET", "reports/campaign/csv",
                                    "id=xyz"),
        "post-donations": ("POST", "donations", "", {
            "kind": "money", "amount": 100000, "donor": "测试企业",
            "currency": "CNY", "time": 1700000000}),
        "post-ledger-unknown": ("POST", "ledger", "", {
            "donation": API_NOBODY, "kind": "expenditure", "amount": 5,
            "village": "测试村", "time": 1700000000}),
        "get-report-disclosure": ("GET", "reports/disclosure"),
        "get-report-disclosure-org": ("GET", "reports/disclosure",
                                      "org=" + API_NOBODY),
        "get-report-disclosure-csv": ("GET", "reports/disclosure/csv",
                                      "org=xyz"),
        "get-report-disclosure-xlsx": ("GET", "reports/disclosure/xlsx"),
        # patrols, hazards and duty (schema 9)
        "post-patrol-points": ("POST", "patrol_points", "", {
            "name": "测试东堤", "kind": "dike", "village": "测试村",
            "interval_h": 4, "cadre": "测试干部"}),
        "post-patrols-unknown": ("POST", "patrols", "", {
            "point": API_NOBODY, "seen": "无异常", "finding": "normal",
            "time": 1700000000}),
        "post-hazards": ("POST", "hazards", "", {
            "kind": "seepage", "severity": "severe", "village": "测试村",
            "at_risk": 30, "photo": "IMG_1.jpg", "time": 1700000000}),
        "post-hazard-responses-unknown": ("POST", "hazard_responses", "", {
            "hazard": API_NOBODY, "action": "加固", "time": 1700000000}),
        "post-shifts-ends-first": ("POST", "shifts", "", {
            "who": "测试值班员", "site": API_SITE, "starts": 1700003600,
            "ends": 1700000000}),
        "post-shifts": ("POST", "shifts", "", {
            "who": "测试值班员", "village": "测试村", "starts": 1700000000,
            "ends": 1700028800, "phone": "13900000009"}),
        "post-handovers": ("POST", "handovers", "", {
            "site": API_SITE, "note": "测试交接", "time": 1700000000}),
        "get-report-patrol-points": ("GET", "reports/patrol_points",
                                     "village=测试村"),
        "get-report-hazards": ("GET", "reports/hazards"),
        "get-report-duty": ("GET", "reports/duty"),
        "edge-report-duty-village": ("GET", "reports/duty", "village=x"),
        # recovery plans, 一户一策 (schema 10)
        "post-recovery-measures": ("POST", "recovery_measures", "", {
            "household": API_HOUSEHOLD, "kind": "repair", "what": "测试修缮",
            "cadre": "测试干部", "agreed": 1700000000, "due": 1710000000,
            "amount_fen": 2000050}),
        "post-recovery-progress-unknown": ("POST", "recovery_progress", "", {
            "measure": API_NOBODY, "percent": 40, "by": "测试员",
            "time": 1700000000}),
        "post-recovery-progress-percent-high": ("POST", "recovery_progress",
                                                "", {
            "measure": API_NOBODY, "percent": 150, "done": True,
            "time": 1700000000}),
        "get-report-recovery-open": ("GET", "reports/recovery_open",
                                     "village=测试村"),
        "get-report-recovery-plan": ("GET", "reports/recovery_plan",
                                     "id=" + API_HOUSEHOLD),
        "edge-report-recovery-plan-bad-id": ("GET", "reports/recovery_plan",
                                             "id=xyz"),
        "get-report-recovery": ("GET", "reports/recovery"),
        # care and health (schema 10)
        "post-care-visits": ("POST", "care_visits", "", {
            "person": API_PERSON_IN, "method": "home", "referral": "medical",
            "needs": "测试需求", "time": 1700000000}),
        "post-health-checks": ("POST", "health_checks", "", {
            "person": API_PERSON_IN, "site": API_SITE, "temperature": 38.5,
            "symptoms": "fever,cough", "medication": "测试用药",
            "time": 1700000000}),
        "post-health-checks-hot": ("POST", "health_checks", "", {
            "person": API_PERSON_IN, "site": API_SITE, "temperature": 50.0,
            "time": 1700000000}),
        "post-health-checks-symptom": ("POST", "health_checks", "", {
            "person": API_PERSON_IN, "site": API_SITE,
            "symptoms": "fever,,dizzy", "time": 1700000000}),
        "post-disinfections": ("POST", "disinfections", "", {
            "site": API_SITE, "area": "测试厕所", "agent": "84",
            "time": 1700000000}),
        "get-health-checks-filter": ("GET", "health_checks",
                                     "temperature=38.5", b"", "viewer"),
        "get-report-care-due": ("GET", "reports/care_due",
                                "days=7&village=测试村"),
        "get-report-care-visits": ("GET", "reports/care_visits",
                                   "person=" + API_PERSON_IN),
        "get-report-health-checks": ("GET", "reports/health_checks",
                                     "site=" + API_SITE, b"", "viewer"),
        "get-report-outbreaks": ("GET", "reports/outbreaks",
                                 "threshold=2&window_hours=48"),
        "edge-report-outbreaks-k": ("GET", "reports/outbreaks",
                                    "threshold=1&window_hours=x"),
        "get-report-disinfections": ("GET", "reports/disinfections"),
    }
    for t in tables:
        seeds["get-" + t] = ("GET", t)
    for v in views:
        seeds["get-view-" + v] = ("GET", "views/" + v)
    for name, args in seeds.items():
        write("fuzz_api", name, api_input(*args))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    build = os.path.abspath(sys.argv[1])
    for t in ("fuzz_entry", "fuzz_body", "fuzz_mpscan", "fuzz_bundle",
              "fuzz_ingest", "fuzz_vector", "fuzz_value", "fuzz_api"):
        reset(t)
    with tempfile.TemporaryDirectory(prefix="hz-corpus.") as tmp:
        cli = Cli(build, tmp)
        bundles, vec_a, vec_c = make_nodes(cli)
        all_entries = entries_of(bundles["c"])
        entry_seeds(all_entries)
        bodies = body_seeds(all_entries)
        mpscan_seeds(all_entries, bodies)
        bundle_seeds(bundles)
        ingest_seeds(bundles, bodies)
        vector_seeds(build, vec_a, vec_c, tmp)
    value_seeds()
    api_seeds()


if __name__ == "__main__":
    main()
