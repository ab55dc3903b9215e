#!/usr/bin/python3
"""check_vectors.py - an independent reader of the proto/ vectors.

    /usr/bin/python3 tests/vectors/check_vectors.py proto/vectors

Written from proto/*.md alone, without calling huzhu: it decodes every
entry with the canonical-msgpack rules, verifies Ed25519 signatures with
libsodium's rules written out in pure Python (and cross-checks PyNaCl),
recomputes entry ids, judges invalid entries as refused, rejected or held,
models a node taking entries in (chain, pending, forks), recomputes the
merge and the state hash, reads bundles frame by frame, checks the
schema tables of proto/schema.md against schema.json, and reads the
trust objects of certs.json from proto/trust.md (certificates and
revocations byte by byte, network ids, trust entries and their needs,
join tokens opened with the subject's key, and what must be refused), and
trust-bundles.json from proto/trust.md and proto/bundle.md (bundle key
epochs and their shares, sealed bundles opened with the secretstream as
each reader holds the keys, the recovery code and the backup file), and
handshake.json from proto/sync.md (the handshake's messages and keys
recomputed from the seeds, the frames, and what is refused), and
session.json from proto/sync.md (every frame of a recorded session opened
and its message read in its one form, the order rules, and each answer
against what the peer lacked at its vector), and beacon.json from
proto/discovery.md (beacon keys, beacons sealed and opened, what is
refused). If this
script passes, the spec was enough (DECISIONS 2, 12, 25).

Only the standard library and Debian's python3-msgpack and python3-nacl.
Exit status 0 when every vector agrees, 1 otherwise.
"""

import base64
import hashlib
import json
import math
import os
import re
import struct
import sys

import msgpack
import nacl.bindings
import nacl.exceptions
import nacl.public
import nacl.pwhash
import nacl.secret
import nacl.signing
import zstandard

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


# ---------------------------------------------------------------- limits
# proto/limits.md
ENTRY_LEN_MAX = 256 * 1024
BODY_LEN_MAX = ENTRY_LEN_MAX - 256
OPS_MAX = 1000
FIELDS_MAX = 64
HEADS_MAX = 64
SEEN_MAX = 1024
TEXT_LEN_MAX = 4096
NAME_LEN_MAX = 64
DEPTH_MAX = 8
FRAME_LEN_MAX = ENTRY_LEN_MAX + 64
FORK_EVIDENCE_MAX = 64
CLOCK_SKEW_MS_MAX = 10 * 60 * 1000
INT64_MAX = 2**63 - 1

ENTRY_TAG = b"huzhu entry v1"
STATE_TAG = b"huzhu state v1"
PLACEHOLDER_NETWORK = b"huzhu-no-network"
ZERO32 = bytes(32)


class Bad(Exception):
    """A check failed; code is the HZ_E name proto/ gives for it."""

    def __init__(self, code, why=""):
        super().__init__(code + ": " + why)
        self.code = code


# ------------------------------------------------------ canonical msgpack
# proto/entry.md, "Canonical msgpack"

def unpack(raw):
    """Exactly one msgpack object filling raw. Strings keep invalid UTF-8
    as surrogate escapes so that str and bin stay apart and nothing is
    lost; utf8_ok() says whether a string was valid."""
    try:
        obj = msgpack.unpackb(raw, raw=False, use_list=True,
                              strict_map_key=False,
                              unicode_errors="surrogateescape")
    except Exception as exc:  # msgpack raises several kinds
        raise Bad("HZ_EMALFORMED", "msgpack: %s" % exc)
    if depth(obj) > DEPTH_MAX:
        raise Bad("HZ_ETOOBIG", "nesting")
    return obj


def depth(obj):
    if isinstance(obj, list):
        return 1 + max([depth(x) for x in obj] + [0])
    if isinstance(obj, dict):
        return 1 + max([depth(x) for kv in obj.items() for x in kv] + [0])
    return 0


def canon(obj):
    """The values as huzhu writes them: -0.0 is written as 0.0."""
    if isinstance(obj, list):
        return [canon(x) for x in obj]
    if isinstance(obj, float) and obj == 0.0:
        return 0.0
    return obj


def pack(obj):
    return msgpack.packb(canon(obj), use_bin_type=True,
                         unicode_errors="surrogateescape")


def str_bytes(s):
    return s.encode("utf-8", "surrogateescape")


def utf8_ok(s):
    try:
        s.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False


def is_uint(x):
    return isinstance(x, int) and not isinstance(x, bool) and x >= 0


def arr(o, lo, hi, what):
    if not isinstance(o, list):
        raise Bad("HZ_EMALFORMED", what + ": not an array")
    if len(o) > hi:
        raise Bad("HZ_ETOOBIG", what)
    if len(o) < lo:
        raise Bad("HZ_EMALFORMED", what)
    return o


def uint(o, what):
    if not is_uint(o):
        raise Bad("HZ_EMALFORMED", what + ": not an unsigned int")
    return o


def binf(o, n, what):
    if not isinstance(o, bytes) or len(o) != n:
        raise Bad("HZ_EMALFORMED", "%s: not bin%d" % (what, n))
    return o


def text(o, limit, what):
    if not isinstance(o, str):
        raise Bad("HZ_EMALFORMED", what + ": not str")
    if len(str_bytes(o)) > limit:
        raise Bad("HZ_ETOOBIG", what)
    if not utf8_ok(o):
        raise Bad("HZ_EMALFORMED", what + ": invalid UTF-8")
    return o


def value(o, what):
    """A scalar value: nil, bool, int64, finite float64, str, bin."""
    if o is None or isinstance(o, bool):
        return o
    if isinstance(o, int):
        if o > INT64_MAX:
            raise Bad("HZ_EVALUE", what + ": integer over 2^63-1")
        return o
    if isinstance(o, float):
        if not math.isfinite(o):
            raise Bad("HZ_EMALFORMED", what + ": NaN or Inf")
        return o
    if isinstance(o, str):
        return text(o, TEXT_LEN_MAX, what)
    if isinstance(o, bytes):
        if len(o) > TEXT_LEN_MAX:
            raise Bad("HZ_ETOOBIG", what)
        return o
    raise Bad("HZ_EMALFORMED", what + ": not a scalar value")


# ---------------------------------------------------------------- Ed25519
# proto/entry.md, "Signature": libsodium 1.0.18 crypto_sign_verify_detached

P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)
SMALL_ORDER = [bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]


def small_order(s):
    """The 32 bytes encode a small-order point (bit 255 ignored)."""
    masked = s[:31] + bytes([s[31] & 0x7f])
    return masked in SMALL_ORDER


def canonical_point(s):
    y = int.from_bytes(s, "little") & (2**255 - 1)
    return y < P


def decompress(s):
    y = int.from_bytes(s, "little") & (2**255 - 1)
    sign = s[31] >> 7
    u = (y * y - 1) % P
    v = (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P != 0:
        if (v * x * x + u) % P != 0:
            return None
        x = x * SQRT_M1 % P
    if (x & 1) != sign:
        x = (P - x) % P
    return (x, y, 1, x * y % P)


def add(p1, p2):
    x1, y1, z1, t1 = p1
    x2, y2, z2, t2 = p2
    a = (y1 - x1) * (y2 - x2) % P
    b = (y1 + x1) * (y2 + x2) % P
    c = 2 * D * t1 * t2 % P
    d = 2 * z1 * z2 % P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def mul(k, pt):
    acc = (0, 1, 1, 0)
    while k:
        if k & 1:
            acc = add(acc, pt)
        pt = add(pt, pt)
        k >>= 1
    return acc


def compress(pt):
    x, y, z, _ = pt
    zi = pow(z, P - 2, P)
    x, y = x * zi % P, y * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


BASE = decompress((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_valid(pk, msg, sig):
    """The rules of proto/entry.md, "Signature", in order."""
    r, s = sig[:32], int.from_bytes(sig[32:], "little")
    if s >= L or small_order(r):
        return False
    if not canonical_point(pk) or small_order(pk):
        return False
    a = decompress(pk)
    if a is None:
        return False
    k = int.from_bytes(hashlib.sha512(r + pk + msg).digest(), "little") % L
    neg_a = ((P - a[0]) % P, a[1], a[2], (P - a[3]) % P)
    return compress(add(mul(s, BASE), mul(k, neg_a))) == r


def nacl_valid(pk, msg, sig):
    try:
        nacl.signing.VerifyKey(pk).verify(msg, sig)
        return True
    except (nacl.exceptions.BadSignatureError, ValueError,
            nacl.exceptions.CryptoError):
        return False


def sig_valid(pk, msg, sig, what):
    mine = ed25519_valid(pk, msg, sig)
    check(mine == nacl_valid(pk, msg, sig),
          "%s: pure-Python Ed25519 and PyNaCl disagree" % what)
    return mine


# ------------------------------------------------------------- envelope
# proto/entry.md, "Envelope", "Signing"

class Entry:
    pass


def blake2b256(data):
    return hashlib.blake2b(data, digest_size=32).digest()


def signing_input(e):
    return ENTRY_TAG + pack([e.version, e.network, e.author, e.seq, e.prev,
                             e.clock, e.body])


def decode_entry(raw):
    """The envelope checks that are transport checks (refuse)."""
    if len(raw) > ENTRY_LEN_MAX:
        raise Bad("HZ_ETOOBIG", "entry")
    o = arr(unpack(raw), 8, 8, "entry")
    e = Entry()
    e.raw = raw
    e.version = uint(o[0], "version")
    if e.version != 1:
        raise Bad("HZ_EVERSION", "envelope version")
    e.network = binf(o[1], 16, "network")
    e.author = binf(o[2], 32, "author")
    e.seq = uint(o[3], "seq")
    e.prev = binf(o[4], 32, "prev")
    e.clock = uint(o[5], "clock")
    if not isinstance(o[6], bytes):
        raise Bad("HZ_EMALFORMED", "body: not bin")
    if len(o[6]) > BODY_LEN_MAX:
        raise Bad("HZ_ETOOBIG", "body")
    e.body = o[6]
    e.sig = binf(o[7], 64, "sig")
    if e.seq == 0 or e.seq > INT64_MAX:
        raise Bad("HZ_EMALFORMED", "seq out of range")
    if e.clock > INT64_MAX:
        raise Bad("HZ_EMALFORMED", "clock out of range")
    if e.seq == 1 and e.prev != ZERO32:
        raise Bad("HZ_EMALFORMED", "seq 1 with a previous hash")
    if pack(o) != raw:
        raise Bad("HZ_EMALFORMED", "not canonical")
    e.input = signing_input(e)
    e.id = blake2b256(e.input)
    return e


def transport(raw, network=PLACEHOLDER_NETWORK):
    e = decode_entry(raw)
    if e.network != network:
        raise Bad("HZ_ENETWORK", "network")
    if not sig_valid(e.author, e.input, e.sig, "entry " + e.id.hex()[:8]):
        raise Bad("HZ_EBADSIG", "signature")
    return e


# ------------------------------------------------------------- schema

class Schema:
    def __init__(self, doc):
        self.version = doc["version"]
        self.tables = {}
        for t in doc["tables"]:
            t["cols"] = {c["name"]: i for i, c in enumerate(t["columns"])}
            self.tables[t["name"]] = t


def check_value(col, v, version):
    """Returns the schema version the value needs."""
    since = col["since"]
    if v is None:
        return since
    t = col["type"]
    ok = {"text": isinstance(v, str),
          "int": isinstance(v, int) and not isinstance(v, bool),
          "real": isinstance(v, float),
          "bool": isinstance(v, bool),
          "id": isinstance(v, bytes) and len(v) == 16,
          "enum": isinstance(v, str)}[t]
    if not ok:
        raise Bad("HZ_EVALUE", col["name"] + ": wrong type")
    if t == "int" and "min" in col and not col["min"] <= v <= col["max"]:
        raise Bad("HZ_EVALUE", col["name"] + " out of range")
    if t in ("int", "real"):
        if col.get("positive") and not v > 0:
            raise Bad("HZ_EVALUE", col["name"])
        if col.get("nonneg") and v < 0:
            raise Bad("HZ_EVALUE", col["name"])
    if t == "enum":
        names = {x["name"]: x["since"] for x in col["values"]}
        if v not in names:
            raise Bad("HZ_ESCHEMA", col["name"] + ": unknown value")
        since = max(since, names[v])
    return since


def check_op(op, version):
    t = op["table"]
    if t["since"] > version:
        raise Bad("HZ_ESCHEMA", "table newer than the body")
    if (op["kind"] == 2) != (t["kind"] == "event"):
        raise Bad("HZ_ESCHEMA", "op kind does not fit the table")
    for name, v in op.get("fields", []):
        col = t["columns"][t["cols"][name]]
        if check_value(col, v, version) > version:
            raise Bad("HZ_ESCHEMA", "column or value newer than the body")
    if op["kind"] != 2:
        return
    given = dict(op["fields"])
    for col in t["columns"]:
        if col["name"] in given and given[col["name"]] is None:
            raise Bad("HZ_EVALUE", "nil in an event")
        if col["required"] and col["name"] not in given:
            raise Bad("HZ_EVALUE", col["name"] + " is required")
    # Table rules (proto/schema.md, "Rules across columns").
    if t["name"] == "stock_moves":
        kind, qty = given["kind"], given["qty"]
        if (kind == "counted") != ("counted" in given):
            raise Bad("HZ_EVALUE", "counted goes with kind counted only")
        incoming = kind in ("received", "donated", "transfer_in")
        if kind != "counted" and (qty <= 0 if incoming else qty >= 0):
            raise Bad("HZ_EVALUE", "qty sign")
        if kind != "distributed" and "household" in given:
            raise Bad("HZ_EVALUE", "household goes with distributed only")
        if kind != "received" and "match" in given:
            raise Bad("HZ_EVALUE", "match goes with received only")
    if t["name"] == "stays":
        if (given["kind"] == "out") != ("closes" in given):
            raise Bad("HZ_EVALUE", "a check-out names the check-in")
    if t["name"] == "damage":
        if ("facility" in given) == ("household" in given):
            raise Bad("HZ_EVALUE", "a household or a facility")
        if "village" in given and "facility" not in given:
            raise Bad("HZ_EVALUE", "village goes with a facility only")
    if t["name"] == "relief":
        if (not given.get("cash_fen") and not given.get("goods_fen")
                and "goods" not in given):
            raise Bad("HZ_EVALUE", "relief pays cash or goods")
    if t["name"] == "volunteer_service":
        if (given["kind"] == "out") != ("closes" in given):
            raise Bad("HZ_EVALUE", "a check-out names the check-in")
        if (given["kind"] == "hours") != ("minutes" in given):
            raise Bad("HZ_EVALUE", "minutes go with recorded hours only")


def ids(o, limit, what):
    arr(o, 0, limit, what)
    for i, x in enumerate(o):
        binf(x, 32, what)
        if i > 0 and o[i - 1] >= x:
            raise Bad("HZ_EMALFORMED", what + ": not sorted")
    return o


def decode_body(raw, schema):
    """proto/entry.md, "Body": a body that fails is a content failure."""
    obj = unpack(raw)
    top = arr(obj, 1, 2**32, "body")
    version = uint(top[0], "schema version")
    if version == 0:
        raise Bad("HZ_EMALFORMED", "schema version 0")
    if version > schema.version:
        return None  # held
    arr(top, 2, 2, "body")
    ops = []
    for o in arr(top[1], 1, OPS_MAX, "ops"):
        arr(o, 4, 4, "op")
        kind = uint(o[0], "op kind")
        tname = text(o[1], NAME_LEN_MAX, "table")
        row = binf(o[2], 16, "row")
        if kind > 2:
            raise Bad("HZ_ESCHEMA", "op kind")
        if tname not in schema.tables:
            raise Bad("HZ_ESCHEMA", "unknown table")
        t = schema.tables[tname]
        op = {"kind": kind, "table": t, "row": row}
        if kind == 1:
            op["seen"] = ids(o[3], SEEN_MAX, "seen")
        else:
            arity = 3 if kind == 0 else 2
            fields, heads, last = [], {}, -1
            for f in arr(o[3], 1, FIELDS_MAX, "fields"):
                arr(f, arity, arity, "field")
                name = text(f[0], NAME_LEN_MAX, "column")
                if name not in t["cols"]:
                    raise Bad("HZ_ESCHEMA", "unknown column")
                if t["cols"][name] <= last:
                    raise Bad("HZ_EMALFORMED", "columns not sorted")
                last = t["cols"][name]
                fields.append((name, value(f[1], name)))
                if kind == 0:
                    heads[name] = ids(f[2], HEADS_MAX, "heads")
            op["fields"], op["heads"] = fields, heads
        check_op(op, version)
        ops.append(op)
    rows = [(op["table"]["name"], op["row"]) for op in ops]
    if len(set(rows)) != len(rows):
        raise Bad("HZ_EMALFORMED", "two ops on one row")
    if pack(obj) != raw:
        raise Bad("HZ_EMALFORMED", "body is not canonical")
    return {"schema_version": version, "ops": ops}


# ------------------------------------------------------------- the node
# proto/entry.md, "Taking an entry in"; proto/merge.md, "Forks"

class Node:
    def __init__(self, schema, network=PLACEHOLDER_NETWORK):
        self.schema = schema
        self.network = network
        self.log = {}       # author -> {seq: [entry, verdict]}
        self.by_id = {}     # id -> [entry, verdict] (log)
        self.pending = {}   # id -> entry
        self.forks = {}     # id -> (entry, point)

    def top(self, author):
        return max(self.log.get(author, {}) or [0])

    def ahead_linking_top(self, e):
        """Step 3 comes before step 4: e is ahead of a gap although its
        prev is the id of the author's entry at top, so step 4 alone
        would have linked it."""
        top = self.top(e.author)
        return top > 0 and e.seq > top + 1 and \
            self.log[e.author][top][0].id == e.prev

    def fork_point(self, author):
        points = [p for e, p in self.forks.values() if e.author == author]
        return min(points) if points else 0

    def ingest(self, raw):
        e = transport(raw, self.network)
        res = self.place(e)
        if res in ("applied", "rejected", "held", "stopped"):
            self.drain(e.author)
        return res

    def place(self, e):
        if e.id in self.by_id or e.id in self.forks:
            return "duplicate"
        top = self.top(e.author)
        if e.seq > top + 1:
            self.pending[e.id] = e
            return "pending"
        chain = self.log.get(e.author, {})
        prev = chain[top][0].id if top > 0 else ZERO32
        if e.seq <= top or e.prev != prev:
            self.record_fork(e)
            return "fork"
        return self.append(e)

    def record_fork(self, e):
        point = e.seq
        chain = self.log.get(e.author, {})
        if e.seq > 1 and e.seq - 1 in chain and \
                chain[e.seq - 1][0].id != e.prev:
            point = e.seq - 1
        old = self.fork_point(e.author)
        held = [x for x, _ in self.forks.values() if x.author == e.author]
        if len(held) >= FORK_EVIDENCE_MAX:
            if old != 0 and point >= old:
                return
            latest = max(held, key=lambda x: (x.seq, x.id))
            del self.forks[latest.id]
        self.forks[e.id] = (e, point)
        if old == 0 or point < old:
            for seq, slot in chain.items():
                if seq >= point:
                    slot[1] = "stopped"

    def append(self, e):
        point = self.fork_point(e.author)
        if point and e.seq >= point:
            verdict = "stopped"
        else:
            verdict = judge(e, self.schema)[0]
        slot = [e, verdict]
        self.log.setdefault(e.author, {})[e.seq] = slot
        self.by_id[e.id] = slot
        return verdict

    def drain(self, author):
        """Pending entries the chain has reached: lowest seq, then id."""
        while True:
            reach = self.top(author) + 1
            ready = sorted((x.seq, x.id) for x in self.pending.values()
                           if x.author == author and x.seq <= reach)
            if not ready:
                return
            self.place(self.pending.pop(ready[0][1]))

    def applied(self):
        return [e for e, v in self.by_id.values() if v == "applied"]

    def vector(self):
        out = []
        for author in sorted(self.log):
            top = self.top(author)
            out.append({"author": author.hex(), "seq": top,
                        "hash": self.log[author][top][0].id.hex()})
        return {"network": self.network.hex(), "authors": out}


def judge(e, schema):
    """The verdict of an entry that links into its chain."""
    try:
        body = decode_body(e.body, schema)
    except Bad as bad:
        return ("rejected", bad.code)
    if body is None:
        return ("held", None)
    return ("applied", None)


# ---------------------------------------------------------- the merge
# proto/merge.md

def materialize(node):
    schema = node.schema
    writes, tombs, inserts = {}, {}, {}
    for e in node.applied():
        body = decode_body(e.body, schema)
        for op in body["ops"]:
            key = (op["table"]["name"], op["row"])
            if op["kind"] == 0:
                for name, v in op["fields"]:
                    writes.setdefault(key + (name,), []).append(
                        {"eid": e.id, "author": e.author, "seq": e.seq,
                         "clock": e.clock, "value": v,
                         "heads": op["heads"][name]})
            elif op["kind"] == 1:
                tombs.setdefault(key, []).append((e.id, op["seen"]))
            else:
                inserts.setdefault(key, []).append((e.id, op["fields"]))
    heads = {}
    for field, ws in writes.items():
        named = {h for w in ws for h in w["heads"]}
        heads[field] = [w for w in ws if w["eid"] not in named and not any(
            v["author"] == w["author"] and v["seq"] > w["seq"] for v in ws)]
    tables = {}
    for (tname, row, col) in writes:
        tables.setdefault(tname, {}).setdefault(row, {})
    for (tname, row) in tombs:
        tables.setdefault(tname, {}).setdefault(row, {})
    for (tname, row, col), hs in heads.items():
        if (tname, row) in tombs:
            continue
        win = max(hs, key=lambda w: (w["clock"], w["author"]))
        if win["value"] is not None:
            tables[tname][row][col] = win["value"]
    for (tname, row), ins in inserts.items():
        tables.setdefault(tname, {})[row] = dict(min(ins)[1])
    return {"tables": tables, "tombs": tombs, "heads": heads,
            "inserts": inserts}


def state_hash_input(node, m):
    out = b""
    for tname in sorted(node.schema.tables):
        t = node.schema.tables[tname]
        rows = m["tables"].get(tname, {})
        if not rows:
            continue
        out += pack(tname)
        for row in sorted(rows):
            cols = [[c["name"], rows[row][c["name"]]] for c in t["columns"]
                    if rows[row].get(c["name"]) is not None]
            if t["kind"] == "entity":
                out += pack([row, (tname, row) in m["tombs"], cols])
            else:
                out += pack([row, cols])
    return out


def json_value(v):
    if isinstance(v, bytes):
        return v.hex()
    return v


def conflicts(node, m):
    out = []
    order = lambda w: (-w["clock"], [-b for b in w["author"]])  # noqa
    for (tname, row, col), hs in sorted(m["heads"].items()):
        if len(hs) > 1 and (tname, row) not in m["tombs"]:
            out.append(("concurrent", tname, row, col, hs))
    for (tname, row, col), hs in sorted(m["heads"].items()):
        if (tname, row) in m["tombs"]:
            seen = {s for _, ss in m["tombs"][(tname, row)] for s in ss}
            if any(w["eid"] not in seen for w in hs):
                out.append(("delete_vs_edit", tname, row, col, hs))
    res = []
    for kind, tname, row, col, hs in out:
        res.append({"kind": kind, "table": tname, "id": row.hex(),
                    "column": col,
                    "heads": [{"entry": w["eid"].hex(),
                               "author": w["author"].hex(),
                               "clock": w["clock"],
                               "value": json_value(w["value"])}
                              for w in sorted(hs, key=order)]})
    for (tname, row), ins in sorted(m["inserts"].items()):
        contents = {pack([[c, v] for c, v in f]) for _, f in ins}
        if len(contents) > 1:
            res.append({"kind": "event_id_reused", "table": tname,
                        "id": row.hex(), "versions": len(ins)})
    return res


def stock(m):
    """proto/merge.md, "Derived views": stock."""
    moves = m["tables"].get("stock_moves", {})
    reversed_ids = {r["reverses"] for r in moves.values() if "reverses" in r}
    sums = {}
    for rid, r in moves.items():
        if "reverses" in r or rid in reversed_ids:
            continue
        k = (r["site"], r["item"])
        q, n = sums.get(k, (0, 0))
        sums[k] = (q + r["qty"], n + 1)
    sites = m["tables"].get("sites", {})
    items = m["tables"].get("items", {})
    out = []
    for (site, item), (q, n) in sums.items():
        out.append({"site": site.hex(),
                    "site_name": sites.get(site, {}).get("name"),
                    "item": item.hex(),
                    "item_name": items.get(item, {}).get("name"),
                    "unit": items.get(item, {}).get("unit"),
                    "on_hand": q, "moves": n})
    out.sort(key=lambda r: (r["site_name"] or "", r["item_name"] or "",
                            r["site"], r["item"]))
    return out


def state_hash(node):
    m = materialize(node)
    data = state_hash_input(node, m)
    return blake2b256(STATE_TAG + data).hex(), data, m


# --------------------------------------------------------------- files

def load(d, name):
    with open(os.path.join(d, name), encoding="utf-8") as f:
        return json.load(f)


def h(s):
    return bytes.fromhex(s)


def json_to_value(v):
    t, x = v
    return {"nil": lambda: None, "bool": lambda: x, "int": lambda: x,
            "real": lambda: float(x), "str": lambda: x,
            "bin": lambda: h(x)}[t]()


def check_schema_md(proto_dir, doc):
    """proto/schema.md's tables say what schema.json says."""
    with open(os.path.join(proto_dir, "schema.md"), encoding="utf-8") as f:
        md = f.read()
    tables = {}
    cur = None
    for line in md.splitlines():
        m = re.match(r"^### `(\w+)` \((entity|event) table, since (\d+)"
                     r"(, written by the node)?\)", line)
        if m:
            cur = {"kind": m.group(2), "since": int(m.group(3)), "cols": [],
                   "by_node": m.group(4) is not None}
            tables[m.group(1)] = cur
            continue
        m = re.match(r"^\| `(\w+)` \| (\w+) \| (\d+) \| ([^|]*) \| ([^|]*) \|",
                     line)
        if m and cur is not None:
            cur["cols"].append(m.groups())
    check(list(tables) == [t["name"] for t in doc["tables"]],
          "schema.md: tables %s" % list(tables))
    for t in doc["tables"]:
        mt = tables.get(t["name"])
        if mt is None:
            continue
        check(mt["kind"] == t["kind"] and mt["since"] == t["since"] and
              mt["by_node"] == t.get("by_node", False),
              "schema.md: %s kind/since/written by the node" % t["name"])
        check([c[0] for c in mt["cols"]] == [c["name"] for c in t["columns"]],
              "schema.md: %s columns" % t["name"])
        for (name, typ, since, flags, vals), c in zip(mt["cols"],
                                                      t["columns"]):
            what = "schema.md: %s.%s" % (t["name"], name)
            check(typ == c["type"] and int(since) == c["since"], what)
            fl = {x.strip() for x in flags.split(",") if x.strip()}
            want = {k for k in ("required", "personal", "nonneg", "positive",
                                "health")
                    if c.get(k)}
            check(fl == want, what + " flags %s" % fl)
            vals = vals.strip()
            if c["type"] == "int" and "min" in c:
                check(vals == "%d .. %d" % (c["min"], c["max"]),
                      what + " range")
            elif c["type"] == "id":
                check(vals == "→ `%s`" % c["ref"], what + " ref")
            elif c["type"] == "enum":
                got = [v.strip().strip("`") for v in vals.split(",")]
                check(got == [v["name"] for v in c["values"]],
                      what + " values")
            else:
                check(vals == "", what + " values")


def check_values(d):
    doc = load(d, "values.json")
    for c in doc["canonical"]:
        v = json_to_value(c["value"])
        check(pack(v) == h(c["msgpack"]), "values: %r" % (c["value"],))
        back = unpack(h(c["msgpack"]))
        check(pack(back) == h(c["msgpack"]), "values: back %r" % (back,))
    for c in doc["not_canonical"]:
        raw = h(c["msgpack"])
        back = unpack(raw)
        check(isinstance(back, dict) or pack(back) != raw,
              "values: %s taken as canonical" % c["msgpack"])


def check_clock(d):
    doc = load(d, "clock.json")
    skew = doc["skew_ms_max"]
    check(skew == CLOCK_SKEW_MS_MAX, "clock: skew")
    for c in doc["next"]:
        wall = min(c["wall_ms"], 2**47 - 1 - skew)
        floor = wall << 16
        ceiling = ((wall + skew) << 16) | 0xffff
        follow = c["seen_max"] + 1 if c["seen_max"] < ceiling else ceiling
        check(max(follow, floor) == c["next"], "clock: %s" % c["why"])
    for c in doc["skew"]:
        check((abs((c["clock"] >> 16) - c["wall_ms"]) > skew) == c["skewed"],
              "clock: skew of %d" % c["clock"])


def check_body_json(e, body, desc, what):
    check(body["schema_version"] == desc["schema_version"], what + " version")
    check(len(body["ops"]) == len(desc["ops"]), what + " ops")
    kinds = ["set", "del", "ins"]
    for op, dj in zip(body["ops"], desc["ops"]):
        check(kinds[op["kind"]] == dj["kind"] and
              op["table"]["name"] == dj["table"] and
              op["row"].hex() == dj["row"], what + " op")
        if op["kind"] == 1:
            check([s.hex() for s in op["seen"]] == dj["seen"], what + " seen")
            continue
        check(len(op["fields"]) == len(dj["fields"]), what + " fields")
        for (name, v), fj in zip(op["fields"], dj["fields"]):
            want = json_to_value(fj["value"])
            check(name == fj["column"] and v == want and
                  type(v) is type(want), what + " field " + name)
            if op["kind"] == 0:
                check([x.hex() for x in op["heads"][name]] == fj["heads"],
                      what + " heads " + name)


def check_entries(d, schema):
    doc = load(d, "entries.json")
    keys = {}
    for k in doc["keys"]:
        sk = nacl.signing.SigningKey(h(k["seed"]))
        check(bytes(sk.verify_key) == h(k["public_key"]),
              "entries: key %s" % k["name"])
        keys[k["name"]] = sk
    for j in doc["entries"]:
        what = "entries: " + j["name"]
        try:
            e = transport(h(j["entry"]))
        except Bad as bad:
            check(False, "%s refused: %s" % (what, bad))
            continue
        env = j["envelope"]
        check(e.version == env["version"] and e.network.hex() == env["network"]
              and e.author.hex() == env["author"] and e.seq == env["seq"]
              and e.prev.hex() == env["prev"] and e.clock == env["clock"]
              and e.body.hex() == env["body"] and e.sig.hex() == env["sig"],
              what + " envelope")
        check(e.clock >> 16 == env["clock_ms"] and
              e.clock & 0xffff == env["clock_counter"], what + " clock")
        check(e.input.hex() == j["signing_input"], what + " signing input")
        check(e.id.hex() == j["id"], what + " id")
        # Encoding the described fields gives the bytes.
        built = pack([env["version"], h(env["network"]), h(env["author"]),
                      env["seq"], h(env["prev"]), env["clock"],
                      h(env["body"]), h(env["sig"])])
        check(built == e.raw, what + " encoding")
        if j.get("author_name") in keys:
            sig = keys[j["author_name"]].sign(e.input).signature
            check(sig == e.sig, what + " signing again")
        try:
            body = decode_body(e.body, schema)
        except Bad as bad:
            check(False, "%s body: %s" % (what, bad))
            continue
        check_body_json(e, body, j["body"], what)


def check_invalid(d, schema):
    doc = load(d, "invalid.json")
    for j in doc["entries"]:
        what = "invalid: " + j["name"]
        node = Node(schema)
        try:
            res = node.ingest(h(j["entry"]))
        except Bad as bad:
            check(j["verdict"] == "refused", "%s refused (%s)" % (what, bad))
            check(bad.code == j.get("code"), "%s code %s" % (what, bad.code))
            continue
        check(res == j["verdict"], "%s: %s" % (what, res))
        if res == "rejected":
            e = node.log[next(iter(node.log))][1][0]
            check(judge(e, schema)[1] == j["code"],
                  "%s code %s" % (what, judge(e, schema)[1]))


def check_ed25519(d):
    doc = load(d, "ed25519.json")
    for c in doc["cases"]:
        got = sig_valid(h(c["public_key"]), h(c["message"]),
                        h(c["signature"]), "ed25519 " + c["name"])
        check(got == c["valid"], "ed25519: " + c["name"])


def check_state(d, schema):
    doc = load(d, "state.json")
    raws = [h(x["entry"]) for x in doc["entries"]]
    want = doc["state_hash"]
    for order in (raws, raws[::-1], raws[1::2] + raws[0::2]):
        node = Node(schema)
        for raw in order:
            node.ingest(raw)
        got, data, m = state_hash(node)
        check(got == want, "state: hash %s" % got)
        check(data.hex() == doc["hash_input"], "state: hash input")
        check(not node.pending and all(
            v == "applied" for _, v in node.by_id.values()), "state: all in")
        check(node.vector() == doc["vector"], "state: vector")
        check(conflicts(node, m) == doc["conflicts"], "state: conflicts")
        check(stock(m) == doc["stock"], "state: stock")
    check(blake2b256(STATE_TAG + h(doc["hash_input"])).hex() == want,
          "state: hash of the input")
    # The tables as described.
    for tname, rows in doc["tables"].items():
        mine = m["tables"].get(tname, {})
        check(sorted(r.hex() for r in mine) == [r["id"] for r in rows],
              "state: rows of " + tname)
        for r in rows:
            got = mine.get(h(r["id"]), {})
            cols = {k: json_to_value(v) for k, v in r["columns"].items()}
            check(got == cols, "state: %s %s" % (tname, r["id"]))


def check_ingest(d, schema):
    doc = load(d, "ingest.json")
    ents = {x["name"]: h(x["entry"]) for x in doc["entries"]}
    ahead_linking_top = 0
    for c in doc["cases"]:
        what = "ingest: " + c["name"]
        node = Node(schema)
        for i, s in enumerate(c["steps"]):
            raw = ents[s["entry"]]
            ahead_linking_top += node.ahead_linking_top(decode_entry(raw))
            res = node.ingest(raw)
            check(res == s["result"], "%s step %d: %s" % (what, i, res))
        a = c["after"]
        log = sorted(([e.author.hex(), e.seq, e.id.hex(), v]
                      for e, v in node.by_id.values()))
        check(log == [[r["author"], r["seq"], r["id"], r["verdict"]]
                      for r in a["log"]], what + " log")
        check(sorted([e.author.hex(), e.seq, e.id.hex()]
                     for e in node.pending.values()) ==
              [[r["author"], r["seq"], r["id"]] for r in a["pending"]],
              what + " pending")
        check(sorted([e.author.hex(), e.seq, e.id.hex(), p]
                     for e, p in node.forks.values()) ==
              [[r["author"], r["seq"], r["id"], r["point"]]
               for r in a["forks"]], what + " forks")
        check(state_hash(node)[0] == a["state_hash"], what + " state hash")
    # A node that linked on prev alone, before looking at seq, would agree
    # with every other case: the vectors must take such an entry in.
    check(ahead_linking_top > 0,
          "ingest: no step takes in an entry ahead of a gap whose prev is "
          "the id of the author's entry at top")


# -------------------------------------------------------------- bundles
# proto/bundle.md

def one_form(raw, n, what, version=None):
    """bundle.md, "Header and trailer" (and the sealed header, "Reading a
    sealed bundle"): the payload is one msgpack object, an array whose
    first element is the version when there is one (another unsigned int
    is HZ_EVERSION, whatever follows), of exactly @n elements. The caller
    checks the types, then canonical(). Every other failure is
    HZ_EMALFORMED, even a nesting too deep."""
    try:
        o = unpack(raw)
    except Bad as bad:
        raise Bad("HZ_EMALFORMED", "%s: %s" % (what, bad))
    if not isinstance(o, list) or not o:
        raise Bad("HZ_EMALFORMED", what + ": not an array")
    if version is not None:
        if not is_uint(o[0]):
            raise Bad("HZ_EMALFORMED", what + ": version")
        if o[0] != version:
            raise Bad("HZ_EVERSION", what + ": version %d" % o[0])
    if len(o) != n:
        raise Bad("HZ_EMALFORMED", "%s: %d elements" % (what, len(o)))
    return o


def canonical(o, raw, what):
    """The decoded values encode canonically to exactly the bytes read."""
    if pack(o) != raw:
        raise Bad("HZ_EMALFORMED", what + " is not canonical")


def bundle_header(raw, network):
    hdr = one_form(raw, 5, "header", version=1)
    binf(hdr[1], 16, "network")
    binf(hdr[2], 32, "exporter")
    uint(hdr[3], "created_ms")
    if uint(hdr[4], "scope") not in (0, 1):
        raise Bad("HZ_EMALFORMED", "scope")
    canonical(hdr, raw, "header")
    if hdr[1] != network:
        raise Bad("HZ_ENETWORK", "bundle")
    return hdr


def bundle_trailer(raw):
    tr = one_form(raw, 2, "trailer")
    uint(tr[0], "count")
    binf(tr[1], 32, "digest")
    canonical(tr, raw, "trailer")
    return tr


def read_bundle(raw, network=PLACEHOLDER_NETWORK):
    """Verify all of it without touching a node: the header, every frame,
    every entry's transport checks, the trailer's count and digest."""
    if len(raw) == 0:
        raise Bad("HZ_EMALFORMED", "empty")
    if raw[:8] != b"HZBUNDLE":
        raise Bad("HZ_EMALFORMED", "magic")
    at, frames = 8, []
    while True:
        if at == len(raw):
            raise Bad("HZ_EMALFORMED", "no trailer")
        if at + 5 > len(raw):
            raise Bad("HZ_EMALFORMED", "truncated")
        n, kind = struct.unpack(">IB", raw[at:at + 5])
        if n > FRAME_LEN_MAX - 5:
            raise Bad("HZ_ETOOBIG", "frame")
        if kind not in (1, 2, 3):
            raise Bad("HZ_EMALFORMED", "frame kind")
        if at + 5 + n > len(raw):
            raise Bad("HZ_EMALFORMED", "truncated")
        frames.append((kind, raw[at + 5:at + 5 + n], at))
        at += 5 + n
        if len(frames) == 1:
            if kind != 1:
                raise Bad("HZ_EMALFORMED", "no header")
            hdr = bundle_header(frames[0][1], network)
        elif kind == 1:
            raise Bad("HZ_EMALFORMED", "second header")
        elif kind == 2:
            transport(frames[-1][1], network)
        else:
            break
    count = len(frames) - 2
    tr = bundle_trailer(frames[-1][1])
    if tr[0] != count:
        raise Bad("HZ_EMALFORMED", "count")
    if tr[1] != blake2b256(raw[:frames[-1][2]]):
        raise Bad("HZ_EMALFORMED", "digest")
    if at != len(raw):
        raise Bad("HZ_EMALFORMED", "bytes after the trailer")
    return hdr, [f[1] for f in frames[1:-1]], blake2b256(raw[:frames[-1][2]])


def check_bundles(d, schema):
    doc = load(d, "bundle.json")
    for b in doc["bundles"]:
        what = "bundle: " + b["name"]
        try:
            hdr, entries, digest = read_bundle(h(b["bundle"]))
        except Bad as bad:
            check(b["verdict"] == "refused", "%s refused: %s" % (what, bad))
            check(bad.code == b.get("code"), "%s code %s" % (what, bad.code))
            continue
        check(b["verdict"] == "imported", what + " imported")
        if b["verdict"] != "imported":
            continue
        check(digest.hex() == b["digest"], what + " digest")
        check(len(entries) == b["count"], what + " count")
        check([decode_entry(e).id.hex() for e in entries] == b["entry_ids"],
              what + " entries")
        check(hdr[2].hex() == b["exporter"] and hdr[3] == b["created_ms"]
              and hdr[4] == b["scope"], what + " header")
        node = Node(schema)
        results = [node.ingest(e) for e in entries]
        check(results.count("applied") == b["fresh_node"]["applied"] and
              results.count("pending") == b["fresh_node"]["pending"],
              what + " import into an empty node")
        if "for_vector" in b:
            # The delta: the exporter's chain past the vector's seq.
            v = {x["author"]: x for x in b["for_vector"]["authors"]}
            full = [x for x in doc["bundles"] if x["name"] == "full"][0]
            _, all_entries, _ = read_bundle(h(full["bundle"]))
            want = []
            for e in map(decode_entry, all_entries):
                have = v.get(e.author.hex())
                if have is None or e.seq > have["seq"]:
                    want.append(e.id.hex())
            check([decode_entry(e).id.hex() for e in entries] == want,
                  what + " delta")
    vec = load(d, "vector.json")
    node = Node(schema)
    full = [x for x in doc["bundles"] if x["name"] == "full"][0]
    for e in read_bundle(h(full["bundle"]))[1]:
        node.ingest(e)
    check(node.vector() == vec["vector"], "vector.json")
    check(json.loads(vec["text"])["network"] == PLACEHOLDER_NETWORK.hex(),
          "vector.json text")


# ---------------------------------------------------------------- trust
# proto/trust.md: certificates, revocations, trust operations in entries,
# the objects' needs, join tokens.

CERT_TAG = b"huzhu cert v1"
REVOKE_TAG = b"huzhu revoke v1"
NETWORK_TAG = b"huzhu network v1"
TRUST_OBJ_MAX = 1024
CERT_NAME_MAX = 200
VALID_DAYS_MAX = 36500
ROLES = ["admin", "coordinator", "site", "viewer"]
ROLE_ADMIN, ROLE_COORDINATOR, ROLE_SITE = 0, 1, 2
OP_CERT, OP_REV, OP_EPOCH = 3, 4, 5
EPOCH_TAG = b"huzhu epoch v1"
EPOCH_OBJ_MAX = 131072
EPOCH_SHARES_MAX = 1000
EPOCH_SEALED_LEN = 80
TOKEN_PREFIX = "HZ1"
TOKEN_TEXT_MAX = 8192
TOKEN_NAME_MAX = 200
CHAIN_MAX = 8
EPOCHS_MAX = 64


def network_of(root_pk):
    """proto/trust.md, "Network id"."""
    return blake2b256(NETWORK_TAG + root_pk)[:16]


def is_root(network, key):
    return network_of(key) == network


class TrustObj:
    pass


def trust_bin(o, what, limit=TRUST_OBJ_MAX):
    if not isinstance(o, bytes):
        raise Bad("HZ_EMALFORMED", what + ": not bin")
    if len(o) > limit:
        raise Bad("HZ_ETOOBIG", what)
    return o


def signed_fields(raw, n, what, limit=TRUST_OBJ_MAX):
    """The n fields and the signature of a signed object, version 1."""
    if len(raw) > limit:
        raise Bad("HZ_ETOOBIG", what)
    o = unpack(raw)
    if not isinstance(o, list) or len(o) != n + 1:
        raise Bad("HZ_EMALFORMED", what + ": not an array of %d" % (n + 1))
    if uint(o[0], what + " version") != 1:
        raise Bad("HZ_EVERSION", what + " version")
    return o


def finish_signed(t, o, raw, tag, what):
    if pack(o) != raw:
        raise Bad("HZ_EMALFORMED", what + " is not canonical")
    t.raw = raw
    t.input = tag + pack(o[:-1])
    t.id = blake2b256(t.input)
    t.sig = binf(o[-1], 64, "sig")
    return t


def decode_cert(raw):
    """proto/trust.md, "Certificates"."""
    o = signed_fields(raw, 10, "cert")
    c = TrustObj()
    c.kind = OP_CERT
    c.network = binf(o[1], 16, "network")
    c.subject = binf(o[2], 32, "subject")
    c.name = text(o[3], CERT_NAME_MAX, "name")
    c.role = uint(o[4], "role")
    if c.role >= len(ROLES):
        raise Bad("HZ_EMALFORMED", "unknown role")
    c.site = None if o[5] is None else binf(o[5], 16, "site")
    if not isinstance(o[6], bool):
        raise Bad("HZ_EMALFORMED", "admits is not a boolean")
    c.admits = o[6]
    c.issued_ms = uint(o[7], "issued_ms")
    c.valid_days = uint(o[8], "valid_days")
    c.issuer = binf(o[9], 32, "issuer")
    binf(o[10], 64, "sig")
    if (c.site is not None) != (c.role == ROLE_SITE):
        raise Bad("HZ_EMALFORMED", "a site iff the site role")
    if c.admits and c.role != ROLE_COORDINATOR:
        raise Bad("HZ_EMALFORMED", "admits on a role other than coordinator")
    if c.issued_ms > INT64_MAX or c.valid_days > VALID_DAYS_MAX:
        raise Bad("HZ_EMALFORMED", "out of range")
    return finish_signed(c, o, raw, CERT_TAG, "cert")


def decode_rev(raw):
    """proto/trust.md, "Revocations"."""
    o = signed_fields(raw, 7, "revocation")
    r = TrustObj()
    r.kind = OP_REV
    r.network = binf(o[1], 16, "network")
    r.subject = binf(o[2], 32, "subject")
    r.after_seq = uint(o[3], "after_seq")
    r.after_id = None if o[4] is None else binf(o[4], 32, "after_id")
    r.issued_ms = uint(o[5], "issued_ms")
    r.issuer = binf(o[6], 32, "issuer")
    binf(o[7], 64, "sig")
    if (r.after_id is not None) != (r.after_seq > 0):
        raise Bad("HZ_EMALFORMED", "an after_id iff after_seq > 0")
    if r.after_seq > INT64_MAX or r.issued_ms > INT64_MAX:
        raise Bad("HZ_EMALFORMED", "out of range")
    return finish_signed(r, o, raw, REVOKE_TAG, "revocation")


def decode_epoch(raw):
    """proto/trust.md, "Bundle key epochs"."""
    o = signed_fields(raw, 7, "epoch", EPOCH_OBJ_MAX)
    e = TrustObj()
    e.kind = OP_EPOCH
    e.network = binf(o[1], 16, "network")
    e.epoch = uint(o[2], "epoch")
    e.key_id = binf(o[3], 16, "key_id")
    e.shares = []
    for p in arr(o[4], 1, EPOCH_SHARES_MAX, "shares"):
        arr(p, 2, 2, "share")
        e.shares.append((binf(p[0], 32, "subject"),
                         binf(p[1], EPOCH_SEALED_LEN, "sealed")))
    e.issued_ms = uint(o[5], "issued_ms")
    e.issuer = binf(o[6], 32, "issuer")
    binf(o[7], 64, "sig")
    if e.epoch == 0 or e.epoch > INT64_MAX or e.issued_ms > INT64_MAX:
        raise Bad("HZ_EMALFORMED", "out of range")
    for a, b in zip(e.shares, e.shares[1:]):
        if a[0] >= b[0]:
            raise Bad("HZ_EMALFORMED", "shares not sorted by subject")
    return finish_signed(e, o, raw, EPOCH_TAG, "epoch")


def decode_obj(kind, raw):
    if kind == OP_EPOCH:
        return decode_epoch(raw)
    return decode_cert(raw) if kind == OP_CERT else decode_rev(raw)


def verified(t, what):
    if not sig_valid(t.issuer, t.input, t.sig, what):
        raise Bad("HZ_EBADSIG", what)
    return t


def level_of(c):
    """proto/trust.md, "Authorization": the trust level a certificate
    gives its holder."""
    if c.role == ROLE_ADMIN:
        return 2
    return 1 if c.role == ROLE_COORDINATOR and c.admits else 0


def need_of(t, network, carrier):
    """What carrying t asks of the carrier's entry."""
    if is_root(network, t.issuer):
        return 0
    if t.kind == OP_CERT and t.issuer != carrier:
        return 0  # detached: counts by its issuer's standing
    if t.kind in (OP_REV, OP_EPOCH):
        return 2
    return 2 if t.role == ROLE_ADMIN or t.admits else 1


def trust_ops(raw, schema):
    """entry.md "Body" and trust.md "Trust operations in entries": the
    [(kind, object)] of a trust body; None for a body of data operations
    (decode_body judges those) or of a newer schema version (held)."""
    obj = unpack(raw)
    top = arr(obj, 1, 2**32, "body")
    version = uint(top[0], "schema version")
    if version == 0:
        raise Bad("HZ_EMALFORMED", "schema version 0")
    if version > schema.version:
        return None
    arr(top, 2, 2, "body")
    kinds = set()
    for o in arr(top[1], 1, OPS_MAX, "ops"):
        if not isinstance(o, list) or not o:
            raise Bad("HZ_EMALFORMED", "op")
        kinds.add(uint(o[0], "op kind") in (OP_CERT, OP_REV, OP_EPOCH))
    if kinds == {False}:
        decode_body(raw, schema)
        return None
    if kinds != {True}:
        raise Bad("HZ_EMALFORMED", "trust and data operations in one body")
    ops = []
    for o in top[1]:
        if len(o) != 2:
            raise Bad("HZ_EMALFORMED", "a trust op is [kind, object]")
        limit = EPOCH_OBJ_MAX if o[0] == OP_EPOCH else TRUST_OBJ_MAX
        ops.append((o[0], trust_bin(o[1], "trust object", limit)))
    if pack(obj) != raw:
        raise Bad("HZ_EMALFORMED", "body is not canonical")
    return ops


def trust_content(e, ops):
    """proto/trust.md, "Content checks": the objects of a trust body."""
    objs = []
    for i, (kind, raw) in enumerate(ops):
        t = verified(decode_obj(kind, raw), "op %d" % i)
        if t.network != e.network:
            raise Bad("HZ_ENETWORK", "op %d names another network" % i)
        if (kind in (OP_REV, OP_EPOCH) and not is_root(e.network, t.issuer)
                and t.issuer != e.author):
            raise Bad("HZ_EMALFORMED",
                      "a revocation or epoch signed by neither root nor "
                      "author")
        objs.append(t)
    return objs


def token_sealed(text_):
    """The sealed box of a token text: HZ1 || base64url, no padding."""
    if not text_.startswith(TOKEN_PREFIX):
        raise Bad("HZ_EMALFORMED", "no HZ1 prefix")
    b64 = text_[len(TOKEN_PREFIX):]
    if len(b64) > TOKEN_TEXT_MAX:
        raise Bad("HZ_ETOOBIG", "token text")
    if not re.fullmatch(r"[A-Za-z0-9_-]*", b64):
        raise Bad("HZ_EMALFORMED", "not base64url without padding")
    sealed = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
    if base64.urlsafe_b64encode(sealed).decode().rstrip("=") != b64:
        raise Bad("HZ_EMALFORMED", "base64 with stray bits")
    return sealed


def x25519_of(seed):
    """The X25519 key pair converted from an Ed25519 seed's key pair."""
    pk = bytes(nacl.signing.SigningKey(seed).verify_key)
    return (nacl.bindings.crypto_sign_ed25519_pk_to_curve25519(pk),
            nacl.bindings.crypto_sign_ed25519_sk_to_curve25519(seed + pk))


def open_token(text_, seed):
    _, xsk = x25519_of(seed)
    try:
        return nacl.public.SealedBox(nacl.public.PrivateKey(xsk)).decrypt(
            token_sealed(text_))
    except nacl.exceptions.CryptoError:
        raise Bad("HZ_EBADSIG", "the token does not open")


def decode_token(raw):
    """proto/trust.md, "Join tokens": the payload."""
    o = unpack(raw)
    if not isinstance(o, list) or len(o) != 6:
        raise Bad("HZ_EMALFORMED", "token: not an array of 6")
    if uint(o[0], "token version") != 1:
        raise Bad("HZ_EVERSION", "token version")
    tk = TrustObj()
    tk.name = text(o[1], TOKEN_NAME_MAX, "network name")
    tk.cert = trust_bin(o[2], "cert")
    tk.chain = [trust_bin(c, "chain cert")
                for c in arr(o[3], 0, CHAIN_MAX, "chain")]
    tk.secret = binf(o[4], 32, "network secret")
    tk.epochs = []
    for p in arr(o[5], 0, EPOCHS_MAX, "epochs"):
        arr(p, 2, 2, "epoch")
        tk.epochs.append((uint(p[0], "epoch"), binf(p[1], 32, "epoch key")))
    for a, b in zip(tk.epochs, tk.epochs[1:]):
        if a[0] >= b[0]:
            raise Bad("HZ_EMALFORMED", "epochs do not ascend")
    if pack(o) != raw:
        raise Bad("HZ_EMALFORMED", "token is not canonical")
    return tk


def check_chain(network, cert, chain, what):
    """Each chain certificate belongs to the previous one's issuer and
    gives the level that issuing needs, until the root key signed one."""
    c, need = cert, 2 if cert.role == ROLE_ADMIN or cert.admits else 1
    for raw in chain:
        check(not is_root(network, c.issuer), what + ": chain past the root")
        up = verified(decode_cert(raw), what + " chain")
        check(up.network == network, what + ": chain network")
        check(up.subject == c.issuer, what + ": chain names the issuer")
        check(level_of(up) >= need, what + ": chain level")
        c, need = up, 2 if up.role == ROLE_ADMIN or up.admits else 1
    check(is_root(network, c.issuer), what + ": chain ends at the root")


def check_cert_case(c, network, seeds):
    what = "certs: " + c["vector"]
    raw = h(c["cert"])
    try:
        t = verified(decode_cert(raw), what)
    except Bad as bad:
        check(False, "%s refused: %s" % (what, bad))
        return
    check(t.network == network and t.network.hex() == c["network"],
          what + ": network")
    check(t.subject.hex() == c["subject"] and t.issuer.hex() == c["issuer"],
          what + ": keys")
    check(t.name == c["name"] and ROLES[t.role] == c["role"], what + ": role")
    check((t.site.hex() if t.site else None) == c["site"], what + ": site")
    check(t.admits == c["admits"], what + ": admits")
    check(t.issued_ms == c["issued_ms"] and t.valid_days == c["valid_days"],
          what + ": validity")
    check(is_root(network, t.issuer) == c["issuer_is_root"],
          what + ": root-ness of the issuer")
    check(level_of(t) == c["level"], what + ": level")
    check(t.id.hex() == c["id"], what + ": id")
    site = h(c["site"]) if c["site"] else None
    built = pack([1, h(c["network"]), h(c["subject"]), c["name"],
                  ROLES.index(c["role"]), site, c["admits"], c["issued_ms"],
                  c["valid_days"], h(c["issuer"]), t.sig])
    check(built == raw, what + ": encoding the fields")
    sk = nacl.signing.SigningKey(seeds[c["issuer_key"]])
    check(sk.sign(t.input).signature == t.sig, what + ": signing again")


def check_rev_case(r, network, seeds):
    what = "certs: " + r["vector"]
    raw = h(r["revocation"])
    try:
        t = verified(decode_rev(raw), what)
    except Bad as bad:
        check(False, "%s refused: %s" % (what, bad))
        return
    check(t.network == network and t.network.hex() == r["network"],
          what + ": network")
    check(t.subject.hex() == r["subject"] and t.issuer.hex() == r["issuer"],
          what + ": keys")
    check(t.after_seq == r["after_seq"], what + ": after_seq")
    check((t.after_id.hex() if t.after_id else None) == r["after_id"],
          what + ": after_id")
    check(t.issued_ms == r["issued_ms"], what + ": issued_ms")
    check(is_root(network, t.issuer) == r["issuer_is_root"],
          what + ": root-ness of the issuer")
    check(t.id.hex() == r["id"], what + ": id")
    after_id = h(r["after_id"]) if r["after_id"] else None
    built = pack([1, h(r["network"]), h(r["subject"]), r["after_seq"],
                  after_id, r["issued_ms"], h(r["issuer"]), t.sig])
    check(built == raw, what + ": encoding the fields")
    sk = nacl.signing.SigningKey(seeds[r["issuer_key"]])
    check(sk.sign(t.input).signature == t.sig, what + ": signing again")


def check_trust_entry(j, network, schema, certs):
    what = "certs: entry " + j["name"]
    try:
        e = transport(h(j["entry"]), network)
        ops = trust_ops(e.body, schema)
        check(ops is not None, what + ": a trust body")
        objs = trust_content(e, ops or [])
    except Bad as bad:
        check(False, "%s refused: %s" % (what, bad))
        return
    env = j["envelope"]
    check(e.version == env["version"] and e.network.hex() == env["network"]
          and e.author.hex() == env["author"] and e.seq == env["seq"]
          and e.prev.hex() == env["prev"] and e.clock == env["clock"]
          and e.body.hex() == env["body"] and e.sig.hex() == env["sig"],
          what + ": envelope")
    check(e.input.hex() == j["signing_input"], what + ": signing input")
    check(e.id.hex() == j["id"], what + ": id")
    check(j["body"]["schema_version"] == 1, what + ": schema version")
    check(len(objs) == len(j["body"]["ops"]), what + ": ops")
    for (kind, raw), t, oj in zip(ops, objs, j["body"]["ops"]):
        w = "%s op %s" % (what, oj["vector"])
        check(kind == {"cert": OP_CERT, "rev": OP_REV}[oj["kind"]],
              w + ": kind")
        check(raw.hex() == oj["object"] and t.id.hex() == oj["id"],
              w + ": object")
        check(is_root(network, t.issuer) == oj["issuer_is_root"],
              w + ": root-ness")
        check((kind == OP_CERT and not oj["issuer_is_root"] and
               t.issuer != e.author) == oj["detached"], w + ": detached")
        check(need_of(t, network, e.author) == oj["need"], w + ": need")
    need = max(need_of(t, network, e.author) for t in objs)
    check(need == j["need"], what + ": need")
    # Authorization, rule 3: the author's best level covers the need.
    held = [certs[v] for v in j["author_certs"]]
    check(all(c.subject == e.author for c in held), what + ": author certs")
    check(max(level_of(c) for c in held) >= need, what + ": authorized")


def check_token(j, network, keys):
    what = "certs: token " + j["name"]
    seed = h(j["subject_seed"])
    check(bytes(nacl.signing.SigningKey(seed).verify_key).hex() ==
          j["subject"], what + ": subject seed")
    try:
        payload = open_token(j["token"], seed)
    except Bad as bad:
        check(False, "%s: %s" % (what, bad))
        return
    check(payload.hex() == j["payload"], what + ": opens to the payload")
    # libsodium's sealed box, from the fixed ephemeral seed.
    xpk, _ = x25519_of(seed)
    epk, esk = nacl.bindings.crypto_box_seed_keypair(h(j["ephemeral_seed"]))
    nonce = hashlib.blake2b(epk + xpk, digest_size=24).digest()
    sealed = epk + nacl.bindings.crypto_box(payload, nonce, xpk, esk)
    check(token_sealed(j["token"]) == sealed, what + ": sealed box")
    for name, k in keys.items():
        if k != seed:
            try:
                open_token(j["token"], k)
                check(False, what + ": opens for " + name)
            except Bad as bad:
                check(bad.code == "HZ_EBADSIG", what + ": " + name)
    try:
        tk = decode_token(payload)
        cert = verified(decode_cert(tk.cert), what + " cert")
    except Bad as bad:
        check(False, "%s payload: %s" % (what, bad))
        return
    check(tk.name == j["network_name"], what + ": network name")
    check(tk.cert.hex() == j["cert"], what + ": cert")
    check([c.hex() for c in tk.chain] == j["chain"], what + ": chain")
    check(tk.secret.hex() == j["network_secret"], what + ": secret")
    check([[n, k.hex()] for n, k in tk.epochs] == j["epochs"],
          what + ": epochs")
    check(cert.network == network, what + ": cert network")
    check(cert.subject.hex() == j["subject"], what + ": cert subject")
    check_chain(network, cert, tk.chain, what)
    built = pack([1, j["network_name"], h(j["cert"]),
                  [h(c) for c in j["chain"]], h(j["network_secret"]),
                  [[n, h(k)] for n, k in j["epochs"]]])
    check(built == payload, what + ": encoding the fields")


def refuse(j, network, schema):
    """What the reader says of a refused vector: raises Bad."""
    raw = h(j["bytes"])
    kind = j["kind"]
    if kind == "cert":
        verified(decode_cert(raw), "cert")
    elif kind == "revocation":
        verified(decode_rev(raw), "revocation")
    elif kind == "token":
        decode_token(raw)
    elif kind == "body":
        trust_ops(raw, schema)
    elif kind == "entry":
        try:
            e = transport(raw, network)
        except Bad as bad:
            check(False, "certs: refused %s: transport %s" % (j["name"], bad))
            return
        ops = trust_ops(e.body, schema)
        check(ops is not None, "certs: refused %s: a trust body" % j["name"])
        trust_content(e, ops or [])
    else:
        check(False, "certs: unknown kind " + kind)


def check_certs(d, schema):
    """proto/trust.md, every vector of certs.json."""
    doc = load(d, "certs.json")
    keys = {}
    for k in doc["keys"]:
        seed = h(k["seed"])
        check(bytes(nacl.signing.SigningKey(seed).verify_key).hex() ==
              k["public_key"], "certs: key " + k["name"])
        keys[k["name"]] = seed
    pks = {k["name"]: h(k["public_key"]) for k in doc["keys"]}
    network = h(doc["network"])
    check(network_of(pks["root"]) == network, "certs: network id")
    check(not is_root(network, pks["other_root"]), "certs: another root")
    certs = {}
    for c in doc["cases"]:
        check_cert_case(c, network, keys)
        certs[c["vector"]] = decode_cert(h(c["cert"]))
    roles = {(c["role"], c["admits"], c["issuer_is_root"])
             for c in doc["cases"]}
    for want in [("site", False, True), ("site", False, False),
                 ("coordinator", True, True), ("admin", False, True),
                 ("admin", False, False), ("viewer", False, False)]:
        check(want in roles, "certs: a case %s" % (want,))
    for r in doc["revocations"]:
        check_rev_case(r, network, keys)
    check({r["after_seq"] > 0 for r in doc["revocations"]} == {False, True},
          "certs: revocations with and without a cut-off")
    for j in doc["entries"]:
        check_trust_entry(j, network, schema, certs)
    for j in doc["tokens"]:
        check_token(j, network, keys)
    for j in doc["refused"]:
        what = "certs: refused " + j["name"]
        try:
            refuse(j, network, schema)
            check(False, what + " is accepted")
        except Bad as bad:
            check(bad.code == j["code"], "%s: %s, not %s" %
                  (what, bad, j["code"]))


# ------------------------------------------------ sealed bundles, root key
# proto/trust.md, "Bundle key epochs" and "Root key backup"; proto/bundle.md,
# "Sealed bundles". The vectors of trust-bundles.json.

SECRET_TAG = b"huzhu network secret v1"
BUNDLE_KEY_TAG = b"huzhu bundle key v1"
KEY_ID_TAG = b"huzhu bundle key id v1"
SEAL_MAGIC = b"HZSEALED"
SEAL_HEADER_MAX = 131328
SEAL_CHUNK = 65536
SS = "crypto_secretstream_xchacha20poly1305_"
SS_ABYTES = getattr(nacl.bindings, SS + "ABYTES")
SS_HEADERBYTES = getattr(nacl.bindings, SS + "HEADERBYTES")
TAG_MESSAGE = getattr(nacl.bindings, SS + "TAG_MESSAGE")
TAG_FINAL = getattr(nacl.bindings, SS + "TAG_FINAL")
CODE_TAG = b"huzhu recovery code v1"
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LETTERS = 55
BACKUP_MAGIC = b"HZROOT01"
argon2id = nacl.pwhash.argon2id


def blake2b(data, n, key=b""):
    return hashlib.blake2b(data, digest_size=n, key=key).digest()


def network_secret_of(root_seed):
    """trust.md, "Root key backup"."""
    return blake2b(SECRET_TAG, 32, key=root_seed)


def bundle_key0(secret):
    """bundle.md, "Sealed bundles": epoch 0's key."""
    return blake2b(BUNDLE_KEY_TAG + struct.pack(">Q", 0), 32, key=secret)


def key_id_of(key):
    return blake2b(KEY_ID_TAG + key, 16)


def public_of(seed):
    return bytes(nacl.signing.SigningKey(seed).verify_key)


def open_share(epoch_raw, seed, want_id):
    """The reader's share of an epoch object, if it names want_id."""
    try:
        ep = decode_epoch(epoch_raw)
    except Bad:
        return None
    if ep.key_id != want_id:
        return None
    pk = public_of(seed)
    _, xsk = x25519_of(seed)
    for subject, sealed in ep.shares:
        if subject != pk:
            continue
        try:
            key = nacl.public.SealedBox(
                nacl.public.PrivateKey(xsk)).decrypt(sealed)
        except nacl.exceptions.CryptoError:
            return None
        return key if key_id_of(key) == want_id else None
    return None


class Reader:
    """A device that joined with its token: it knows epoch 0's key and the
    keys its token gave, each the key of an epoch (bundle.md: "The opener
    finds the key ...")."""

    def __init__(self, seed, token_text):
        self.seed = seed
        self.token = decode_token(open_token(token_text, seed))
        k0 = bundle_key0(self.token.secret)
        self.keys = {key_id_of(k0): (0, k0)}
        for n, k in self.token.epochs:
            self.keys[key_id_of(k)] = (n, k)


def sealed_header(raw):
    """bundle.md, "Reading a sealed bundle", rules 2 and 3."""
    hdr = one_form(raw, 5, "sealed header", version=1)
    binf(hdr[1], 16, "network")
    binf(hdr[2], 16, "key id")
    uint(hdr[3], "epoch")
    carried = hdr[4]
    if carried is not None and (not isinstance(carried, bytes) or
                                not 1 <= len(carried) <= EPOCH_OBJ_MAX):
        raise Bad("HZ_EMALFORMED", "carried: not nil or an epoch object")
    canonical(hdr, raw, "sealed header")
    if (carried is None) != (hdr[3] == 0):
        raise Bad("HZ_EMALFORMED", "carried exactly when the epoch is not 0")
    if carried is not None:
        try:
            ep = decode_epoch(carried)
        except Bad as bad:
            raise Bad("HZ_EVERSION" if bad.code == "HZ_EVERSION"
                      else "HZ_EMALFORMED", "carried: %s" % bad)
        if (ep.network, ep.epoch, ep.key_id) != (hdr[1], hdr[3], hdr[2]):
            raise Bad("HZ_EMALFORMED", "carried: another epoch or key")
    return hdr


def pull_chunks(raw, at, key, ad):
    """bundle.md, "Reading a sealed bundle", rule 6: the plain bytes and
    [(plain length, tag)] of each chunk."""
    state = nacl.bindings.crypto_secretstream_xchacha20poly1305_state()
    nacl.bindings.crypto_secretstream_xchacha20poly1305_init_pull(
        state, raw[at:at + SS_HEADERBYTES], key)
    at += SS_HEADERBYTES
    plain, chunks = [], []
    while not chunks or chunks[-1][1] != TAG_FINAL:
        if at + 4 > len(raw):
            raise Bad("HZ_EMALFORMED", "ends before the FINAL chunk")
        (n,) = struct.unpack(">I", raw[at:at + 4])
        if n < SS_ABYTES or n > SEAL_CHUNK + SS_ABYTES:
            raise Bad("HZ_EMALFORMED", "a chunk of %d bytes" % n)
        if at + 4 + n > len(raw):
            raise Bad("HZ_EMALFORMED", "chunk cut short")
        try:
            m, tag = nacl.bindings.crypto_secretstream_xchacha20poly1305_pull(
                state, raw[at + 4:at + 4 + n], ad)
        except nacl.exceptions.CryptoError:
            raise Bad("HZ_EBADSIG", "a chunk does not authenticate")
        if tag == TAG_MESSAGE and len(m) != SEAL_CHUNK:
            raise Bad("HZ_EMALFORMED", "a MESSAGE chunk of %d bytes" % len(m))
        if tag == TAG_FINAL and not m:
            raise Bad("HZ_EMALFORMED", "an empty FINAL chunk")
        if tag not in (TAG_MESSAGE, TAG_FINAL):
            raise Bad("HZ_EMALFORMED", "a chunk of tag %d" % tag)
        plain.append(m)
        chunks.append((len(m), tag))
        at += 4 + n
    if at != len(raw):
        raise Bad("HZ_EMALFORMED", "bytes after the FINAL chunk")
    return b"".join(plain), chunks


def unseal(raw, network, reader):
    """bundle.md, "Reading a sealed bundle": (header, plain bundle,
    [(plain length, tag)] of each chunk), or Bad."""
    if raw[:8] != SEAL_MAGIC or len(raw) < 12:
        raise Bad("HZ_EMALFORMED", "magic")
    (hlen,) = struct.unpack(">I", raw[8:12])
    if hlen > SEAL_HEADER_MAX or 12 + hlen > len(raw):
        raise Bad("HZ_EMALFORMED", "header length")
    ad = raw[:12 + hlen]
    hdr = sealed_header(raw[12:12 + hlen])
    if hdr[1] != network:
        raise Bad("HZ_ENETWORK", "sealed for another network")
    epoch, key = reader.keys.get(hdr[2], (None, None))
    if key is None and hdr[4] is not None:
        key = open_share(hdr[4], reader.seed, hdr[2])
        epoch = hdr[3]  # rule 3: the carried object is the header's epoch
    if key is None:
        raise Bad("HZ_EPERM", "a key this device does not hold")
    if epoch != hdr[3]:
        raise Bad("HZ_EMALFORMED", "the header's epoch is not its key's")
    at = 12 + hlen
    if at + SS_HEADERBYTES > len(raw):
        raise Bad("HZ_EMALFORMED", "no stream header")
    plain, chunks = pull_chunks(raw, at, key, ad)
    return hdr, plain, chunks


def encode_code(seed):
    """trust.md, "Root key backup": the recovery code of a seed."""
    data = seed + blake2b(CODE_TAG + seed, 16)[:2]
    pad = CODE_LETTERS * 5 - len(data) * 8
    n = int.from_bytes(data, "big") << pad
    letters = "".join(CROCKFORD[(n >> (5 * (CODE_LETTERS - 1 - i))) & 31]
                      for i in range(CODE_LETTERS))
    return "-".join(letters[i:i + 5] for i in range(0, CODE_LETTERS, 5))


def decode_code(code):
    """The seed a recovery code holds, or Bad("HZ_EINVAL")."""
    vals = []
    for c in code:
        if c in "- ":
            continue
        c = {"I": "1", "L": "1", "O": "0"}.get(c.upper(), c.upper())
        if len(c) != 1 or c not in CROCKFORD:
            raise Bad("HZ_EINVAL", "a letter outside the alphabet")
        vals.append(CROCKFORD.index(c))
    if len(vals) != CODE_LETTERS:
        raise Bad("HZ_EINVAL", "%d letters" % len(vals))
    n = 0
    for v in vals:
        n = n << 5 | v
    pad = CODE_LETTERS * 5 - 34 * 8
    if n & ((1 << pad) - 1):
        raise Bad("HZ_EINVAL", "a padding bit set")
    data = (n >> pad).to_bytes(34, "big")
    if blake2b(CODE_TAG + data[:32], 16)[:2] != data[32:]:
        raise Bad("HZ_EINVAL", "the check does not match")
    return data[:32]


def read_backup(raw, passphrase):
    """trust.md, "Root key backup": (fields, seed), or Bad."""
    if raw[:8] != BACKUP_MAGIC:
        raise Bad("HZ_EMALFORMED", "not a root key backup")
    o = arr(unpack(raw[8:]), 8, 8, "root backup")
    if uint(o[0], "version") != 1:
        raise Bad("HZ_EVERSION", "root backup version")
    f = TrustObj()
    f.network = binf(o[1], 16, "network")
    f.name = text(o[2], CERT_NAME_MAX, "name")
    f.salt = binf(o[3], 16, "salt")
    f.ops = uint(o[4], "opslimit")
    f.mem = uint(o[5], "memlimit")
    f.nonce = binf(o[6], 24, "nonce")
    f.box = binf(o[7], 48, "box")
    f.canonical = pack(o) == raw[8:]
    if not (argon2id.OPSLIMIT_MIN <= f.ops <= argon2id.OPSLIMIT_SENSITIVE and
            argon2id.MEMLIMIT_MIN <= f.mem <= argon2id.MEMLIMIT_SENSITIVE):
        raise Bad("HZ_EMALFORMED", "Argon2id limits")
    key = argon2id.kdf(32, passphrase.encode(), f.salt, opslimit=f.ops,
                       memlimit=f.mem)
    try:
        seed = nacl.secret.SecretBox(key).decrypt(f.box, f.nonce)
    except nacl.exceptions.CryptoError:
        raise Bad("HZ_EBADSIG", "wrong passphrase")
    if network_of(public_of(seed)) != f.network:
        raise Bad("HZ_ECORRUPT", "the seed is another network's")
    return f, seed


def check_epoch(j, network, seeds, names, schema):
    what = "trust-bundles: " + j["vector"]
    raw = h(j["object"])
    try:
        ep = verified(decode_epoch(raw), what)
    except Bad as bad:
        check(False, "%s refused: %s" % (what, bad))
        return None
    key = h(j["key"])
    check(ep.network == network and j["network"] == network.hex(),
          what + ": network")
    check(ep.epoch == j["epoch"] and ep.issued_ms == j["issued_ms"],
          what + ": epoch")
    check(ep.key_id.hex() == j["key_id"] and key_id_of(key) == ep.key_id,
          what + ": key id = BLAKE2b-128(tag || key)")
    check(ep.id.hex() == j["id"], what + ": id")
    check(ep.issuer.hex() == j["issuer"] and
          public_of(seeds[j["issuer_key"]]) == ep.issuer, what + ": issuer")
    check(is_root(network, ep.issuer) == j["issuer_is_root"],
          what + ": root-ness of the issuer")
    built = pack([1, network, j["epoch"], h(j["key_id"]),
                  [[h(s["subject"]), h(s["sealed"])] for s in j["shares"]],
                  j["issued_ms"], h(j["issuer"]), ep.sig])
    check(built == raw, what + ": encoding the fields")
    check(nacl.signing.SigningKey(seeds[j["issuer_key"]]).sign(
        ep.input).signature == ep.sig, what + ": signing again")
    check([(h(s["subject"]), h(s["sealed"])) for s in j["shares"]] ==
          ep.shares, what + ": shares")
    check(2 <= len(ep.shares) <= 3, what + ": two or three shares")
    for subject, sealed in ep.shares:
        for name, seed in seeds.items():
            _, xsk = x25519_of(seed)
            try:
                got = nacl.public.SealedBox(
                    nacl.public.PrivateKey(xsk)).decrypt(sealed)
            except nacl.exceptions.CryptoError:
                got = None
            mine = public_of(seed) == subject
            check((got == key) if mine else got is None,
                  "%s: share of %s, opened by %s" %
                  (what, names[subject], name))
    revoked = public_of(seeds[j["revoked"]])
    check(revoked not in [s for s, _ in ep.shares],
          what + ": the revoked device has no share")
    # The entry hz_revoke wrote: [4, revocation], [5, epoch].
    ej = j["entry"]
    try:
        e = transport(h(ej["entry"]), network)
        ops = trust_ops(e.body, schema)
        objs = trust_content(e, ops or [])
    except Bad as bad:
        check(False, "%s entry refused: %s" % (what, bad))
        return ep
    check(e.id.hex() == ej["id"] and e.seq == ej["seq"] and
          e.author.hex() == ej["author"], what + ": entry")
    check([k for k, _ in ops] == [OP_REV, OP_EPOCH] ==
          [o["kind"] for o in ej["ops"]], what + ": ops [4, rev], [5, epoch]")
    check([r.hex() for _, r in ops] == [o["object"] for o in ej["ops"]] and
          ops[1][1] == raw, what + ": the ops' objects")
    check(objs[0].subject == revoked, what + ": revokes " + j["revoked"])
    check(objs[0].issuer == ep.issuer, what + ": one signer")
    check(max(need_of(t, network, e.author) for t in objs) == ej["need"],
          what + ": need")
    check(e.author in [s for s, _ in ep.shares],
          what + ": the writer keeps a share")
    return ep


def check_sealed(j, network, readers, epochs):
    what = "trust-bundles: sealed " + j["name"]
    raw = h(j["sealed"])
    try:
        hdr, plain, chunks = unseal(raw, network, readers[j["reader"]])
    except Bad as bad:
        check(j["verdict"] == "refused", "%s refused: %s" % (what, bad))
        check(bad.code == j.get("code"), "%s: %s, not %s" %
              (what, bad.code, j.get("code")))
        return
    check(j["verdict"] == "imported", what + " opens")
    if j["verdict"] != "imported":
        return
    check(plain.hex() == j["plain"] and len(plain) == j["plain_len"],
          what + ": the plain bundle")
    check(hdr[3] == j["epoch"] and hdr[2].hex() == j["key_id"],
          what + ": epoch and key id")
    carried = epochs.get(j["carried"]) if j["carried"] else None
    check(hdr[4] == (carried.raw if carried else None) and
          (hdr[3] == 0) == (hdr[4] is None), what + ": carried epoch")
    if carried:
        check(carried.key_id == hdr[2] and carried.epoch == hdr[3],
              what + ": carried epoch names the key")
    check(len(chunks) == j["chunks"] and chunks[-1][1] == TAG_FINAL and
          all(n == SEAL_CHUNK and t == TAG_MESSAGE for n, t in chunks[:-1]),
          what + ": chunks of 65,536 bytes, MESSAGE, then FINAL")
    try:
        bhdr, entries, _ = read_bundle(plain, network)
    except Bad as bad:
        check(False, "%s: the plain bundle is refused: %s" % (what, bad))
        return
    check(len(entries) == j["import"]["entries"], what + ": entries")
    check(j["import"]["applied"] + j["import"]["duplicate"] +
          j["import"]["pending"] + j["import"]["rejected"] +
          j["import"]["denied"] == len(entries), what + ": counted")


def check_trust_bundles(d, schema):
    doc = load(d, "trust-bundles.json")
    seeds = {k["name"]: h(k["seed"]) for k in doc["keys"]}
    names = {}
    for k in doc["keys"]:
        check(public_of(seeds[k["name"]]).hex() == k["public_key"],
              "trust-bundles: key " + k["name"])
        names[h(k["public_key"])] = k["name"]
    network = h(doc["network"])
    root = seeds["root"]
    check(network_of(public_of(root)) == network, "trust-bundles: network id")
    secret = network_secret_of(root)
    check(secret.hex() == doc["network_secret"],
          "trust-bundles: network secret = BLAKE2b(key = root seed, tag)")
    k0 = bundle_key0(secret)
    check(k0.hex() == doc["epoch0"]["key"] and
          key_id_of(k0).hex() == doc["epoch0"]["key_id"],
          "trust-bundles: epoch 0's key and key id")
    epochs = {}
    for j in doc["epochs"]:
        ep = check_epoch(j, network, seeds, names, schema)
        if ep is not None:
            epochs[j["vector"]] = ep
    check({e.epoch: is_root(network, e.issuer) for e in epochs.values()} ==
          {1: True, 2: False}, "trust-bundles: a root and an admin epoch")
    for j in doc["refused_epochs"]:
        what = "trust-bundles: refused " + j["name"]
        raw = h(j["bytes"])
        try:
            if j["kind"] == "epoch":
                verified(decode_epoch(raw), what)
            else:
                check(j["kind"] == "entry", what + ": kind")
                e = transport(raw, network)
                trust_content(e, trust_ops(e.body, schema) or [])
            check(False, what + " is accepted")
        except Bad as bad:
            check(bad.code == j["code"], "%s: %s, not %s" %
                  (what, bad, j["code"]))
    readers = {}
    for k in doc["keys"]:
        if k["token"] is None:
            continue
        what = "trust-bundles: token of " + k["name"]
        try:
            r = Reader(seeds[k["name"]], k["token"])
            cert = verified(decode_cert(r.token.cert), what)
        except Bad as bad:
            check(False, "%s: %s" % (what, bad))
            continue
        check(cert.subject.hex() == k["public_key"] and
              cert.network == network, what + ": certificate")
        check(r.token.secret == secret, what + ": network secret")
        readers[k["name"]] = r
    # W was admitted after epoch 1: its token gives that key.
    e1 = [j for j in doc["epochs"] if j["epoch"] == 1][0]
    check([(n, k.hex()) for n, k in readers["viewer_w"].token.epochs] ==
          [(1, e1["key"])], "trust-bundles: W's token carries epoch 1")
    for j in doc["sealed"]:
        check_sealed(j, network, readers, epochs)
    codes = {j.get("code") for j in doc["sealed"]}
    check(codes >= {None, "HZ_EBADSIG", "HZ_EMALFORMED", "HZ_EPERM",
                    "HZ_ENETWORK", "HZ_EVERSION"},
          "trust-bundles: every refusal of bundle.md")
    check(any(j.get("chunks", 0) >= 2 for j in doc["sealed"]),
          "trust-bundles: a bundle of two chunks")
    check(any(j["verdict"] == "imported" and j["plain_len"] % SEAL_CHUNK == 0
              and j["chunks"] == j["plain_len"] // SEAL_CHUNK
              for j in doc["sealed"]),
          "trust-bundles: a plain bundle of a multiple of 65,536 bytes, its "
          "last chunk a full FINAL one and no empty chunk after it")

    rec = doc["recovery"]
    check(h(rec["seed"]) == root, "recovery: the root seed")
    check(blake2b(CODE_TAG + root, 16)[:2].hex() == rec["check"],
          "recovery: check = BLAKE2b-128(tag || seed)[0..2]")
    check(encode_code(root) == rec["code"], "recovery: the code")
    check(len(rec["code"].replace("-", "")) == CODE_LETTERS and
          all(len(g) == 5 for g in rec["code"].split("-")),
          "recovery: 55 letters in groups of five")
    for j in rec["accepted"]:
        try:
            check(decode_code(j["code"]) == root, "recovery: " + j["name"])
        except Bad as bad:
            check(False, "recovery: %s refused: %s" % (j["name"], bad))
    for j in rec["refused"]:
        try:
            decode_code(j["code"])
            check(False, "recovery: %s accepted" % j["name"])
        except Bad as bad:
            check(bad.code == j["error"], "recovery: %s: %s" %
                  (j["name"], bad))

    bk = doc["backup"]
    try:
        f, seed = read_backup(h(bk["file"]), bk["passphrase"])
        check(seed == root, "backup: opens to the root seed")
        check(f.network == network and f.name == doc["network_name"],
              "backup: network and name")
        check(f.ops == argon2id.OPSLIMIT_MODERATE == bk["opslimit"] and
              f.mem == argon2id.MEMLIMIT_MODERATE == bk["memlimit"],
              "backup: written with libsodium's MODERATE limits")
        check(f.canonical, "backup: canonical msgpack")
    except Bad as bad:
        check(False, "backup refused: %s" % bad)
    for j in bk["refused"]:
        try:
            read_backup(h(j["file"]), j["passphrase"])
            check(False, "backup: %s accepted" % j["name"])
        except Bad as bad:
            check(bad.code == j["error"], "backup: %s: %s" % (j["name"], bad))


# ------------------------------------------------ live sync (sync.md)

def hs_mac(k, label, *parts):
    """sync.md: BLAKE2b-256 keyed with the network secret over label || parts."""
    m = hashlib.blake2b(digest_size=32, key=k)
    m.update(label.encode())
    for p in parts:
        m.update(p)
    return m.digest()


def hs_share(seed):
    """sync.md, "Roles and keys": a key share from its seed."""
    e = hashlib.blake2b(seed, digest_size=32,
                        key=b"huzhu hs share v1").digest()
    return e, nacl.bindings.crypto_scalarmult_base(e)


def hs_proof(sign_seed, chain, label, t, key):
    """len || secretbox(key, [A, chain, sig over label || t])."""
    sk = nacl.signing.SigningKey(sign_seed)
    sig = sk.sign(label.encode() + t).signature
    plain = pack([bytes(sk.verify_key), chain, sig])
    box = nacl.bindings.crypto_secretbox(plain, bytes(24), key)
    return struct.pack(">I", len(box)) + box


def hs_open_proof(msg, label, t, key):
    """The peer's key and chain from a proof, or Bad."""
    n = struct.unpack(">I", msg[:4])[0]
    if n < 16 or n > 16640 + 16 or len(msg) != 4 + n:
        raise Bad("HZ_ETOOBIG", "proof length")
    try:
        plain = nacl.bindings.crypto_secretbox_open(msg[4:], bytes(24), key)
    except nacl.exceptions.CryptoError:
        raise Bad("HZ_EBADSIG", "proof does not open")
    o = unpack(plain)
    if (not isinstance(o, list) or len(o) != 3 or pack(o) != plain or
            not all(isinstance(x, bytes) for x in o) or len(o[0]) != 32 or
            len(o[1]) > 16384 or len(o[2]) != 64):
        raise Bad("HZ_EMALFORMED", "proof")
    if not nacl_valid(o[0], label.encode() + t, o[2]):
        raise Bad("HZ_EBADSIG", "proof signature")
    return o[0], o[1]


def hs_server_hello(k, msg1, b):
    """The server's side of msg1: msg2 and the shared secret, or Bad."""
    ea, tag = msg1[:32], msg1[32:]
    if len(msg1) != 64 or hs_mac(k, "huzhu hs1 v1", ea) != tag:
        raise Bad("HZ_ENETWORK", "not keyed by this network")
    s = nacl.bindings.crypto_scalarmult(b[0], ea)
    if s == bytes(32):
        raise Bad("HZ_EBADSIG", "key share")
    return b[1] + hs_mac(k, "huzhu hs2 v1", ea, b[1]), s


class Handshake:
    pass


def hs_derive(doc, what):
    """sync.md, "Handshake": from the network secret and both members'
    seeds, chains and key share seeds, the four messages, what each side
    reads and the frame keys of the client's and the server's frames."""
    hs = Handshake()
    k = hs.k = h(doc["network_secret"])
    cl, sv = doc["client"], doc["server"]
    for side in (cl, sv):
        pk = bytes(nacl.signing.SigningKey(h(side["seed"])).verify_key)
        check(pk.hex() == side["key"], what + ": key of its seed")
    a, b = hs_share(h(cl["share_seed"])), hs_share(h(sv["share_seed"]))
    hs.b = b
    hs.msg1 = a[1] + hs_mac(k, "huzhu hs1 v1", a[1])
    hs.msg2, s = hs_server_hello(k, hs.msg1, b)
    check(nacl.bindings.crypto_scalarmult(a[0], b[1]) == s,
          what + ": both sides' shared secret")
    hs.t2 = hs_mac(k, "huzhu hs t2 v1", hs.msg1, hs.msg2)
    hs.k3 = hs_mac(k, "huzhu hs k3 v1", s, hs.t2)
    hs.msg3 = hs_proof(h(cl["seed"]), h(cl["chain"]), "huzhu hs client v1",
                       hs.t2, hs.k3)
    key, chain = hs_open_proof(hs.msg3, "huzhu hs client v1", hs.t2, hs.k3)
    check(key.hex() == cl["key"] and chain.hex() == cl["chain"],
          what + ": the server reads the client's key and chain")
    t3 = hs_mac(k, "huzhu hs t3 v1", hs.t2, hs.msg3)
    k4 = hs_mac(k, "huzhu hs k4 v1", s, t3)
    hs.msg4 = hs_proof(h(sv["seed"]), h(sv["chain"]), "huzhu hs server v1",
                       t3, k4)
    key, chain = hs_open_proof(hs.msg4, "huzhu hs server v1", t3, k4)
    check(key.hex() == sv["key"] and chain.hex() == sv["chain"],
          what + ": the client reads the server's key and chain")
    t4 = hs_mac(k, "huzhu hs t4 v1", t3, hs.msg4)
    hs.keys = {"client": hs_mac(k, "huzhu c2s v1", s, t4),
               "server": hs_mac(k, "huzhu s2c v1", s, t4)}
    for m in ("msg1", "msg2", "msg3", "msg4"):
        check(getattr(hs, m).hex() == doc[m], "%s: %s" % (what, m))
    check(hs.keys["client"].hex() == doc["c2s"], what + ": c2s")
    check(hs.keys["server"].hex() == doc["s2c"], what + ": s2c")
    return hs


def check_handshake(d):
    """proto/sync.md: the recorded handshake, its keys, frames, refusals."""
    doc = load(d, "handshake.json")
    hs = hs_derive(doc, "handshake")
    counters = {"client": 0, "server": 0}
    for f in doc["frames"]:
        who = f["from"]
        check(f["counter"] == counters[who], "frame counter")
        plain = h(f["plain"])
        ln = struct.pack(">I", len(plain) + 16)
        nonce = bytes(16) + struct.pack(">Q", counters[who])
        ct = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
            plain, ln, nonce, hs.keys[who])
        check((ln + ct).hex() == f["frame"], "frame %s %d" % (who, f["counter"]))
        counters[who] += 1
    for r in doc["refused"]:
        msg = h(r["message"])
        try:
            if "after msg1" in r["what"]:
                hs_open_proof(msg, "huzhu hs client v1", hs.t2, hs.k3)
            else:
                hs_server_hello(hs.k, msg, hs.b)
            got = "accepted"
        except Bad as e:
            got = e.code
        check(got == r["code"], "handshake refused: %s (%s)" % (r["what"], got))


# sync.md, "Frames" and "Session"
FRAME_PLAIN_MAX = 1024 * 1024
SYNC_VECTOR_MAX = 8192
SYNC_ENTRIES_BYTES = 1024 * 1024 - 4096
SYNC_TYPES = ["hello", "vector", "entries", "done", "keepalive", "zentries"]
SYNC_FIELDS = [2, 3, 2, 1, 1, 3]
SYNC_VERSION = 2


def entry_link(raw):
    """sync.md, "Compressed entries": author, seq and the offset of prev
    where the one form of an envelope puts them, or None."""
    if len(raw) < 55 or raw[:4] != b"\x98\x01\xc4\x10" or \
            raw[20:22] != b"\xc4\x20":
        return None
    b = raw[54]
    if b <= 0x7f:
        width, seq = 0, b
    elif 0xcc <= b <= 0xcf:
        width = 1 << (b - 0xcc)
        seq = int.from_bytes(raw[55:55 + width], "big")
    else:
        return None
    at = 55 + width
    if len(raw) < at + 34 or raw[at:at + 2] != b"\xc4\x20":
        return None
    return raw[22:54], seq, at + 2


def entry_id_of(raw):
    """The id from an entry's bytes: the tag, 0x97, the bytes between the
    first and the signature (c4 40 and 64 bytes), or None."""
    link = entry_link(raw)
    if link is None or len(raw) < link[2] + 32 + 66 or \
            raw[-66:-64] != b"\xc4\x40":
        return None
    return blake2b256(ENTRY_TAG + b"\x97" + raw[1:-66])


def zentries_list(size, frame):
    """sync.md, "Compressed entries": the list of a zentries message, its
    left-off prevs restored, or Bad."""
    if not 1 <= size:
        raise Bad("HZ_EMALFORMED", "zentries size")
    if size > FRAME_PLAIN_MAX:
        raise Bad("HZ_ETOOBIG", "zentries size")
    try:
        declared = zstandard.get_frame_parameters(frame).content_size
    except zstandard.ZstdError:
        raise Bad("HZ_EMALFORMED", "zentries: not a zstd frame")
    if declared != size:
        raise Bad("HZ_EMALFORMED", "zentries: the frame does not say its size")
    d = zstandard.ZstdDecompressor().decompressobj()
    try:
        raw = d.decompress(frame)
    except zstandard.ZstdError:
        raise Bad("HZ_EMALFORMED", "zentries: does not decompress")
    if not d.eof or d.unused_data or len(raw) != size:
        raise Bad("HZ_EMALFORMED", "zentries: not one frame of its size")
    lst = unpack(raw)
    arr(lst, 1, SYNC_ENTRIES_BYTES, "zentries list")
    for x in lst:
        if not isinstance(x, bytes):
            raise Bad("HZ_EMALFORMED", "zentries: not bin")
        if len(x) > ENTRY_LEN_MAX:
            raise Bad("HZ_ETOOBIG", "entry")
    if sum(len(x) for x in lst) > SYNC_ENTRIES_BYTES:
        raise Bad("HZ_ETOOBIG", "entries")
    canonical(lst, raw, "zentries list")
    out = []
    for x in lst:
        a, b = (entry_link(out[-1]) if out else None), entry_link(x)
        if a and b and b[0] == a[0] and b[1] == a[1] + 1 and \
                x[b[2]:b[2] + 32] == bytes(32):
            pid = entry_id_of(out[-1])
            if pid is not None:
                x = x[:b[2]] + pid + x[b[2] + 32:]
        out.append(x)
    return out


def frame_open(raw, key, counter):
    """sync.md, "Frames": the plaintext of one whole frame, or Bad."""
    if len(raw) < 4:
        raise Bad("HZ_EMALFORMED", "frame length")
    n = struct.unpack(">I", raw[:4])[0]
    if n > FRAME_PLAIN_MAX + 16:
        raise Bad("HZ_ETOOBIG", "frame length")
    if n < 16 or len(raw) != 4 + n:
        raise Bad("HZ_EMALFORMED", "frame length")
    nonce = bytes(16) + struct.pack(">Q", counter)
    try:
        return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            raw[4:], raw[:4], nonce, key)
    except nacl.exceptions.CryptoError:
        raise Bad("HZ_EBADSIG", "frame does not open")


def sync_message(plain, version=SYNC_VERSION):
    """sync.md, "Session": a message's type name and its decoded array,
    in its one form (a type this version does not know: "unknown"); a
    zentries message as [5, its list restored]."""
    o = unpack(plain)
    if not isinstance(o, list) or not o or not is_uint(o[0]):
        raise Bad("HZ_EMALFORMED", "not a session message")
    if o[0] >= len(SYNC_TYPES) or (o[0] == 5 and version < 2):
        return "unknown", o
    t = SYNC_TYPES[o[0]]
    if len(o) != SYNC_FIELDS[o[0]]:
        raise Bad("HZ_EMALFORMED", "%s: %d fields" % (t, len(o)))
    if t == "hello" and uint(o[1], "version") < 1:
        raise Bad("HZ_EMALFORMED", "version 0")
    if t == "vector":
        for x in arr(o[1], 0, SYNC_VECTOR_MAX, "vector"):
            arr(x, 3, 3, "vector author")
            binf(x[0], 32, "vector author")
            if not 1 <= uint(x[1], "vector seq") <= INT64_MAX:
                raise Bad("HZ_EMALFORMED", "vector seq")
            binf(x[2], 32, "vector hash")
        if not isinstance(o[2], bool):
            raise Bad("HZ_EMALFORMED", "vector: more")
    if t == "entries":
        arr(o[1], 1, SYNC_ENTRIES_BYTES, "entries")
        for x in o[1]:
            if not isinstance(x, bytes):
                raise Bad("HZ_EMALFORMED", "entries: not bin")
            if len(x) > ENTRY_LEN_MAX:
                raise Bad("HZ_ETOOBIG", "entry")
        if sum(len(x) for x in o[1]) > SYNC_ENTRIES_BYTES:
            raise Bad("HZ_ETOOBIG", "entries")
    if t == "zentries":
        uint(o[1], "zentries size")
        if not isinstance(o[2], bytes):
            raise Bad("HZ_EMALFORMED", "zentries frame")
    canonical(o, plain, t)
    if t == "zentries":
        return t, [5, zentries_list(o[1], o[2])]
    return t, o


def held_add(held, e):
    """A side's store: per author, per seq, the entry held (one each)."""
    held.setdefault(e.author, {}).setdefault(e.seq, e)


def held_chain(chain):
    """bundle.md, "Vector": the author's chain from seq 1, each entry's
    prev the id of the one before."""
    out = []
    while len(out) + 1 in chain:
        e = chain[len(out) + 1]
        if out and e.prev != out[-1].id:
            break
        out.append(e)
    return out


def held_vector(held):
    """Every author held, in key order, its chain's top seq and id."""
    return [(a, len(c), c[-1].id) for a in sorted(held)
            for c in [held_chain(held[a])] if c]


def held_lacks(held, vec):
    """sync.md, "Session" 2 (bundle.md, "Writing a bundle", for a
    vector): per author held, in key order, its chain from the first entry
    the peer lacks at @vec: from seq 1 when @vec does not name the author
    or names another entry at its seq, else from the vector's seq + 1.
    (The vector's stores hold no fork evidence and no pending entries.)"""
    has = {a: (q, x) for a, q, x in vec}
    out = []
    for a in sorted(held):
        c = held_chain(held[a])
        start = 1
        if a in has:
            q, x = has[a]
            if q > len(c) or c[q - 1].id == x:
                start = q + 1
        out += c[start - 1:]
    return out


def check_session(d, schema):
    """proto/sync.md, "Session": the recorded session of session.json,
    from the file alone: the entries, the handshake, every frame opened
    and its message read in its one form, the order rules, each side's
    answers against what the peer lacked at its vector, and the ending
    of `huzhu sync`."""
    doc = load(d, "session.json")
    w = "session: "
    net = h(doc["network"])
    keys = {}
    for a in doc["authors"]:
        pk = bytes(nacl.signing.SigningKey(h(a["seed"])).verify_key)
        check(pk.hex() == a["key"], w + "key of author " + a["name"])
        keys[a["name"]] = pk
    for side in ("client", "server"):
        check(keys[side].hex() == doc[side]["key"],
              w + "the %s's device key is its author key" % side)
    entries, names = {}, {}
    for j in doc["entries"]:
        what = w + "entry " + j["name"]
        try:
            e = transport(h(j["entry"]), net)
            decode_body(e.body, schema)
        except Bad as bad:
            check(False, "%s refused: %s" % (what, bad))
            continue
        check(e.author == keys[j["author_name"]], what + " author")
        check(e.id.hex() == j["id"] and e.input.hex() == j["signing_input"],
              what + " id and signing input")
        env = j["envelope"]
        check(e.seq == env["seq"] and e.prev.hex() == env["prev"] and
              e.clock == env["clock"] and e.body.hex() == env["body"] and
              e.sig.hex() == env["sig"], what + " envelope")
        entries[j["name"]] = e
        names[e.raw] = j["name"]

    hs = hs_derive(doc, "session")
    sides = {"client": "server", "server": "client"}
    # Each side's stream: msg1 (msg2), msg3 (msg4), then its frames; the
    # items' index, the frames' messages.
    msgs = {}
    for side in sides:
        msgs[side] = []
        for i, f in enumerate(doc[side + "_frames"]):
            what = "%s%s frame %d" % (w, side, i)
            check(f["counter"] == i, what + " counter")
            try:
                plain = frame_open(h(f["frame"]), hs.keys[side], i)
                t, o = sync_message(plain)
            except Bad as bad:
                check(False, "%s: %s" % (what, bad))
                return
            check(plain.hex() == f["plain"], what + " plain")
            check(t == f["message"], what + " is " + t)
            check(is_uint(f["after"]) and f["after"] >= 2,
                  what + ": sent once the channel was open")
            if t == "hello":
                check(o[1] == f["version"] == SYNC_VERSION, what + " version")
            if t == "vector":
                check([[x[0].hex(), x[1], x[2].hex()] for x in o[1]] ==
                      [[v["author"], v["seq"], v["hash"]]
                       for v in f["vector"]] and o[2] == f["more"],
                      what + " vector")
                check(all(keys[v["author_name"]].hex() == v["author"]
                          for v in f["vector"]), what + " author names")
            if t in ("entries", "zentries"):
                check([names.get(x) for x in o[1]] == f["entries"],
                      what + " entries")
            msgs[side].append((f, t, o))

    held = {}
    for side in sides:
        held[side] = {}
        for n in doc[side]["holds"]:
            held_add(held[side], entries[n])
        check([[a.hex(), q, x.hex()] for a, q, x in held_vector(held[side])]
              == [[v["author"], v["seq"], v["hash"]]
                  for v in doc[side]["vector"]], w + side + " vector")

    # The order each side checks of what it receives, per sender.
    rounds = {}  # side -> [(vector, item of its first and last message)]
    dones = {}   # side -> [item of each done]
    for side, peer in sides.items():
        what = w + side + "'s messages: "
        rounds[side], dones[side] = [], []
        vec, first, last = [], None, None
        for i, (f, t, o) in enumerate(msgs[side]):
            item = i + 2
            check((t == "hello") == (i == 0), what + "hello first and once")
            if t == "vector":
                if first is None:
                    first, vec = item, []
                for x in o[1]:
                    check(not vec or vec[-1][0] < x[0],
                          what + "authors rising within a round")
                    vec.append(tuple(x))
                check(f["round"] == len(rounds[side]) + 1, what + "round")
                if not o[2]:
                    rounds[side].append((vec, first, item))
                    first = None
            elif t in ("entries", "zentries", "done"):
                check(f["answers_round"] == len(dones[side]) + 1,
                      what + "answers_round")
                if t == "done":
                    dones[side].append(item)
            check(t != "unknown", what + "a type of version 2")
        check(first is None, what + "the last round whole")
    for side, peer in sides.items():
        what = w + side + "'s answers: "
        check(len(dones[side]) == len(rounds[peer]),
              what + "one done for each of the peer's rounds")
        for k, (vec, first, last) in enumerate(rounds[peer]):
            if k >= len(dones[side]):
                break
            # The frames answering round k: after the done before.
            lo = dones[side][k - 1] - 2 + 1 if k > 0 else 0
            ans = [m for m in msgs[side][lo:dones[side][k] - 2 + 1]
                   if m[1] in ("entries", "zentries", "done")]
            # Sent once the round was whole.
            check(ans[0][0]["after"] > last, what + "after the round")
            # The peer waits for done k before its next round, and this
            # side sends it before it takes that round in.
            if k + 1 < len(rounds[peer]):
                nxt = rounds[peer][k + 1][1]
                check(ans[-1][0]["after"] <= nxt,
                      what + "done before the next round arrived")
                check(msgs[peer][nxt - 2][0]["after"] > dones[side][k],
                      what + "the next round after the done")
            # Exactly what the peer lacked at its vector, from what this
            # side held then: its own and what it had taken in.
            have = {a: dict(c) for a, c in held[side].items()}
            for f, t, o in msgs[peer][:ans[0][0]["after"] - 2]:
                if t in ("entries", "zentries"):
                    for x in o[1]:
                        held_add(have, decode_entry(x))
            want = [e.raw for e in held_lacks(have, vec)]
            got = [x for f, t, o in ans if t in ("entries", "zentries")
                   for x in o[1]]
            check(got == want, what + "round %d: %s, not %s" % (
                k + 1, [names.get(x) for x in got],
                [names.get(x) for x in want]))
    # What each side took in (every entries message answers a round:
    # nothing is pushed), and that both end holding the same.
    for side, peer in sides.items():
        took = [x for f, t, o in msgs[peer]
                if t in ("entries", "zentries") for x in o[1]]
        check(all(f["answers_round"] <= len(rounds[side])
                  for f, t, o in msgs[peer] if t in ("entries", "zentries")),
              w + peer + "'s entries answer rounds")
        check([names.get(x) for x in took] == doc[side]["took_in"],
              w + side + " took_in")
        for x in took:
            held_add(held[side], decode_entry(x))
    check(held_vector(held["client"]) == held_vector(held["server"]),
          w + "both sides end with the same vector")
    # The first rounds are each side's vector; huzhu sync (the client)
    # sends one more once both answered, and its last message is that
    # round, answered by the server's last.
    for side in sides:
        check(rounds[side] and [[a.hex(), q, x.hex()]
                                for a, q, x in rounds[side][0][0]] ==
              [[v["author"], v["seq"], v["hash"]]
               for v in doc[side]["vector"]], w + side + " first round")
    check(len(rounds["client"]) == 2 and len(rounds["server"]) == 1,
          w + "the client's closing round, and no more")
    if len(rounds["client"]) == 2 and dones["client"] and dones["server"]:
        closing = rounds["client"][1]
        check(closing[1] > dones["client"][0],
              w + "the closing round after the client answered")
        check(msgs["client"][closing[1] - 2][0]["after"] > dones["server"][0],
              w + "the closing round after the server answered")
        check(closing[2] == len(msgs["client"]) + 1,
              w + "the closing round is the client's last message")
        check(dones["server"][-1] == len(msgs["server"]) + 1,
              w + "the server's done for it is its last")
        check([[a, q, x] for a, q, x in closing[0]] ==
              [[a, q, x] for a, q, x in held_vector(held["client"])],
              w + "the closing round is the client's vector at the end")


# ---- proto/discovery.md: beacons

BEACON_LEN = 84


def open_beacon(datagram, keys):
    """(port, time_ms, device, key index) of a beacon, or raise Bad."""
    if len(datagram) != BEACON_LEN:
        raise Bad("HZ_EMALFORMED", "a beacon of %d bytes" % len(datagram))
    nonce, sealed = datagram[:24], datagram[24:]
    for i, k in enumerate(keys):
        try:
            plain = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                sealed, None, nonce, k)
        except nacl.exceptions.CryptoError:
            continue
        if plain[0] != 1 or plain[1] != 0:
            raise Bad("HZ_EVERSION", "version %d flags %d"
                      % (plain[0], plain[1]))
        port = struct.unpack(">H", plain[2:4])[0]
        if port == 0:
            raise Bad("HZ_EMALFORMED", "port 0")
        return port, struct.unpack(">Q", plain[4:12])[0], plain[12:44], i
    raise Bad("HZ_EBADSIG", "no key held opens it")


def check_beacons(d):
    doc = load(d, "beacon.json")
    check(doc["length"] == BEACON_LEN, "beacon: length")
    keys = []
    for k in doc["keys"]:
        bk = hashlib.blake2b(b"huzhu beacon v1", digest_size=32,
                             key=bytes.fromhex(k["bundle_key"])).digest()
        check(bk.hex() == k["beacon_key"],
              "beacon: epoch %d's beacon key" % k["epoch"])
        keys.append(bk)
    for c in doc["beacons"]:
        w = "beacon: %s: " % c["why"]
        nonce = bytes.fromhex(c["nonce"])
        plain = (bytes([1, 0]) + struct.pack(">HQ", c["port"], c["time_ms"]) +
                 bytes.fromhex(c["device"]))
        sealed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
            plain, None, nonce, keys[c["key"]])
        check((nonce + sealed).hex() == c["datagram"], w + "sealed bytes")
        got = open_beacon(bytes.fromhex(c["datagram"]), keys)
        check(got == (c["port"], c["time_ms"], bytes.fromhex(c["device"]),
                      c["key"]), w + "opened")
    for c in doc["refused"]:
        w = "beacon refused: %s: " % c["name"]
        try:
            open_beacon(bytes.fromhex(c["datagram"]), keys[:c["keys_held"]])
            check(False, w + "accepted")
        except Bad as e:
            check(e.code == c["code"], w + "%s, not %s" % (e.code, c["code"]))


def main():
    if len(sys.argv) != 2:
        print("usage: check_vectors.py PROTO_VECTORS_DIR")
        return 2
    d = sys.argv[1]
    schema_doc = load(d, "schema.json")
    schema = Schema(schema_doc)
    check_schema_md(os.path.dirname(os.path.abspath(d)), schema_doc)
    check_values(d)
    check_clock(d)
    check_ed25519(d)
    check_entries(d, schema)
    check_invalid(d, schema)
    check_state(d, schema)
    check_ingest(d, schema)
    check_bundles(d, schema)
    check_certs(d, schema)
    check_trust_bundles(d, schema)
    check_handshake(d)
    check_session(d, schema)
    check_beacons(d)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all vectors agree with proto/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
