"""hz_test.py - shared helpers for the multi-process integration tests.

Run the real `huzhu` program against node directories in temporary
directories; read node.db read-only with sqlite3; craft signed entries and
bundles in Python (msgpack + PyNaCl) following proto/ and src/core/entry.c,
src/store/bundle.c, so a test can hand a node exactly the bytes it wants.

Only the standard library plus Debian's python3-msgpack and python3-nacl;
run with /usr/bin/python3. Each test script takes the huzhu binary as its
first argument, registers its cases with `Cases`, and exits non-zero when
any case failed. Every wait polls a condition with a deadline.
"""

import hashlib
import json
import glob
import os
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import time
import traceback

import msgpack
import nacl.signing

NETWORK = b"huzhu-no-network"  # the placeholder network id (DECISIONS 14)
ENTRY_TAG = b"huzhu entry v1"
BUNDLE_MAGIC = b"HZBUNDLE"
FRAME_HEADER, FRAME_ENTRY, FRAME_TRAILER = 1, 2, 3
ENTRY_LEN_MAX = 256 * 1024

# Exit codes (src/cli/cli.h, proto/cli.md).
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_NOTFOUND = 0, 1, 2, 3
EXIT_INPUT, EXIT_REFUSED, EXIT_BUSY, EXIT_DELETED = 4, 5, 6, 7

HUZHU = None  # path of the huzhu binary, set by main()
PROCESSES = [0]  # huzhu processes started, for the run-time budget


class Failure(Exception):
    pass


def check(cond, what):
    """Assert @cond; print what was checked either way."""
    if cond:
        print("  ok   " + what, flush=True)
        return
    print("  FAIL " + what, flush=True)
    raise Failure(what)


def check_eq(got, want, what):
    if got == want:
        print("  ok   %s" % what, flush=True)
        return
    print("  FAIL %s\n       got:  %r\n       want: %r" % (what, got, want),
          flush=True)
    raise Failure(what)


def wait_until(cond, timeout, what, interval=0.02):
    """Poll @cond until it returns a true value or @timeout seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise Failure("timed out waiting for " + what)
        time.sleep(interval)


# ---- running huzhu

def wait_line(stream, timeout):
    """The next line of a process's @stream (bytes), or "" after @timeout
    seconds."""
    import select
    r, _, _ = select.select([stream], [], [], timeout)
    return stream.readline().decode() if r else ""


class Result:
    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise Failure("not JSON from %s: %r (%s)" %
                          (" ".join(self.args), self.out[:300], e))

    def __repr__(self):
        return "<huzhu %s rc=%d out=%r err=%r>" % (
            " ".join(self.args), self.rc, self.out[:200], self.err[:300])


def base_env(extra=None):
    env = dict(os.environ)
    # Tests choose the node with -d; no ambient node or language leaks in.
    for k in ("HUZHU_DIR", "HUZHU_LANG", "HUZHU_LOG"):
        env.pop(k, None)
    # libfaketime is LD_PRELOADed; a sanitizer build must tolerate that.
    env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") +
                           ":verify_asan_link_order=0").lstrip(":")
    if extra:
        env.update(extra)
    return env


# Under the sanitizers (tools/test.sh sets ASAN_OPTIONS=detect_leaks=1)
# LeakSanitizer's check at a process's exit costs about 40 ms whatever the
# process did (it scans the sanitizer runtime's 9.7 MB of globals): half
# of a short command line's cost, and the suite starts thousands of them.
# So a one-shot command line (one_shot_env) is checked for leaks in one
# process in HUZHU_LEAK_EVERY (default 4), counted per test file, which
# makes the choice the same on every run; every process still runs under
# AddressSanitizer and UndefinedBehaviorSanitizer, and servers, the unit
# tests and the simulator (in-process) are checked for leaks always.
# HUZHU_LEAK_EVERY=1 checks every process.
LEAK_EVERY = max(1, int(os.environ.get("HUZHU_LEAK_EVERY", "4")))


def one_shot_env(extra=None):
    """The environment of a one-shot huzhu command line: base_env(@extra),
    counted in PROCESSES, with the leak check at exit sampled as above."""
    PROCESSES[0] += 1
    env = base_env(extra)
    if (PROCESSES[0] % LEAK_EVERY != 0 and
            "detect_leaks=1" in env["ASAN_OPTIONS"]):
        env["ASAN_OPTIONS"] += ":detect_leaks=0"  # the last setting wins
    return env


def faketime_env(stamp, env=None):
    """@env (a dict or None) with libfaketime preloaded and the wall clock
    at @stamp ("YYYY-MM-DD HH:MM:SS", or libfaketime's own "@..."/"+..."
    forms). Not the faketime(1) wrapper: it keeps a semaphore and shared
    memory named by its pid in /dev/shm, and one left behind by a wrapper
    that died made a later one with the same pid fail ("sem_open: File
    exists")."""
    lib = glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
    if not lib:
        raise Failure("libfaketime is not installed (Debian: faketime)")
    out = dict(env or {})
    out["LD_PRELOAD"] = lib[0]
    out["FAKETIME"] = stamp if stamp[:1] in "@+-" else "@" + stamp
    return out


def run(args, expect=None, env=None, faketime=None, timeout=120,
        input=None):
    """Run huzhu with @args (a list). @expect: an exit code to assert, or
    None. @faketime: a timestamp to run the program under (faketime_env).
    @input: text for its standard input (else none: /dev/null)."""
    cmd = [HUZHU] + [str(a) for a in args]
    if faketime is not None:
        env = faketime_env(faketime, env)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=one_shot_env(env), timeout=timeout,
                       input=input.encode() if input is not None else None,
                       stdin=subprocess.DEVNULL if input is None else None)
    r = Result([str(a) for a in args], p.returncode,
               p.stdout.decode("utf-8", "replace"),
               p.stderr.decode("utf-8", "replace"))
    if expect is not None and r.rc != expect:
        raise Failure("huzhu %s: exit %d, expected %d\nstdout: %s\nstderr: %s"
                      % (" ".join(r.args), r.rc, expect, r.out[:500],
                         r.err[:1000]))
    return r


def is_hex(s, n):
    return (isinstance(s, str) and len(s) == n and
            all(c in "0123456789abcdef" for c in s))


def hash_form(h, what="state hash"):
    """@h, once it is checked to be a state hash as huzhu prints it:
    exactly 64 lowercase hex digits (DECISIONS 12, 24). Every comparison
    of state hashes goes through it (Node.state_hash), so a node that
    prints a wrong hash everywhere cannot pass by agreeing with itself."""
    if not is_hex(h, 64):
        raise Failure("%s %r is not 64 lowercase hex digits" % (what, h))
    return h


def exchange(td, a, b, same=True):
    """Nodes @a and @b swap what the other lacks by bundles in @td, then
    (unless not @same) hold the same state."""
    for x, y, name in ((a, b, "a2"), (b, a, "b2")):
        p = os.path.join(td, name + ".bundle")
        x.export(p, for_node=y)
        y.import_(p)
    if same:
        same_state([a, b], "after the exchange")


def same_state(nodes, what):
    """Check that @nodes print one state hash (each of the right form);
    return it."""
    hashes = {n.dir: n.state_hash() for n in nodes}
    check(len(set(hashes.values())) == 1,
          "%s: one state hash on %d nodes (%s)"
          % (what, len(nodes), ", ".join("%s %s" % (os.path.basename(d),
                                                    h[:8])
                                         for d, h in hashes.items())))
    return next(iter(hashes.values()))


class Node:
    """One node directory driven through the huzhu command."""

    def __init__(self, path, faketime=None, env=None):
        self.dir = path
        self.faketime = faketime
        self.env = env
        self.key = None

    @classmethod
    def create(cls, parent, name, label=None, faketime=None, env=None):
        n = cls(os.path.join(parent, label or name), faketime, env)
        r = n.run("--json", "init", "--name", name, expect=0)
        n.key = r.json()["key"]
        return n

    def run(self, *args, expect=None, env=None, faketime=None, input=None):
        e = dict(self.env or {})
        e.update(env or {})
        return run(["-d", self.dir] + list(args), expect=expect, env=e,
                   faketime=faketime if faketime is not None
                   else self.faketime, input=input)

    def out(self, *args):
        """stdout of a command that must succeed, stripped."""
        return self.run(*args, expect=0).out.strip()

    def js(self, *args):
        return self.run("--json", *args, expect=0).json()

    def put(self, table, *fields, id=None):
        extra = ["--id", id] if id else []
        return self.out("put", table, *extra, *fields)

    def state_hash(self):
        """The node's state hash, checked for its form (hash_form)."""
        return hash_form(self.out("state-hash"),
                         "state hash of %s" % os.path.basename(self.dir))

    def vector_text(self):
        return self.run("vector", expect=0).out

    def vector(self):
        return json.loads(self.vector_text())

    def status(self):
        return self.js("status")

    def seed(self):
        with open(os.path.join(self.dir, "node.key"), "rb") as f:
            return f.read()

    def export(self, path, for_node=None, vector_file=None):
        args = ["export", path]
        if for_node is not None:
            vector_file = path + ".vector"
            with open(vector_file, "w", encoding="utf-8") as f:
                f.write(for_node.vector_text())
        if vector_file is not None:
            args += ["--for", vector_file]
        return self.js("bundle", *args)

    def import_(self, path, expect=0):
        r = self.run("--json", "bundle", "import", path, expect=expect)
        return r.json() if r.rc == 0 else r

    def db(self):
        """A read-only connection to node.db (close it)."""
        path = os.path.join(self.dir, "node.db")
        return sqlite3.connect("file:%s?mode=ro" % path, uri=True)

    def query(self, sql, args=()):
        """All rows of one read-only query on node.db."""
        c = self.db()
        try:
            return c.execute(sql, args).fetchall()
        finally:
            c.close()

    def counts(self):
        """Row counts of the log, pending and fork evidence tables."""
        row = self.query("SELECT (SELECT count(*) FROM log),"
                         " (SELECT count(*) FROM pending),"
                         " (SELECT count(*) FROM forks)")[0]
        return dict(zip(("log", "pending", "forks"), row))

    def log_states(self, author_hex):
        """{seq: state} of one author's entries in the log."""
        return dict(self.query("SELECT seq, state FROM log WHERE author ="
                               " (SELECT k FROM names WHERE name = ?)",
                               (bytes.fromhex(author_hex),)))

    def snapshot(self):
        """What a refusal must leave unchanged (DECISIONS 25)."""
        return {"state_hash": self.state_hash(),
                "vector": self.vector_text(), "counts": self.counts(),
                "files": sorted(os.listdir(self.dir))}

    def refused(self, args, rc, what):
        """huzhu @args refused with exit @rc, saying why, and nothing
        written (DECISIONS 25). Returns the run."""
        return self.refused_all([(args, rc, what)])[0]

    def refused_all(self, runs):
        """Each (args, rc, what) of @runs refused as refused() says, the
        node compared once before and once after them all (refusals only
        ever fail to add: one comparison covers them, for fewer
        processes). Returns the runs."""
        before = self.snapshot()
        done = []
        for args, rc, what in runs:
            r = self.run(*args)
            check(r.rc == rc, "%s: exit %d, expected %d (%s)" % (
                what, r.rc, rc, r.err.strip()))
            check(r.err.strip() != "", "%s: says why" % what)
            done.append(r)
        check_eq(self.snapshot(), before, "%s writes nothing" % (
            ", ".join(w for _, _, w in runs)))
        return done


# ---- temporary directories

class TempDir:
    def __init__(self, tag):
        self.tag = tag

    def __enter__(self):
        self.td = tempfile.TemporaryDirectory(prefix="huzhu-it-%s-" % self.tag)
        return self.td.name

    def __exit__(self, *exc):
        self.td.cleanup()
        return False


# ---- entries (proto/entry.md; src/core/entry.c, body.c)

def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


def unpack(b):
    return msgpack.unpackb(b, raw=False, strict_map_key=False)


def now_clock(ms=None):
    if ms is None:
        ms = int(time.time() * 1000)
    return ms << 16


def signing_input(version, network, author, seq, prev, clock, body):
    return ENTRY_TAG + pack([version, network, author, seq, prev, clock,
                             body])


def entry_id(entry_bytes):
    f = unpack(entry_bytes)
    return hashlib.blake2b(signing_input(*f[:7]), digest_size=32).digest()


def decode_entry(entry_bytes):
    f = unpack(entry_bytes)
    names = ("version", "network", "author", "seq", "prev", "clock", "body",
             "sig")
    e = dict(zip(names, f))
    e["id"] = hashlib.blake2b(signing_input(*f[:7]),
                              digest_size=32).digest()
    return e


def encode_entry(version, network, author, seq, prev, clock, body, sig):
    return pack([version, network, author, seq, prev, clock, body, sig])


class Author:
    """Signs entries as one key, continuing its chain.

    from_node() takes a node's secret seed (node.key) so a test can write as
    that node; the chain position is read from what that node holds."""

    def __init__(self, seed=None):
        self.seed = seed if seed is not None else os.urandom(32)
        self.sk = nacl.signing.SigningKey(self.seed)
        self.pk = bytes(self.sk.verify_key)
        self.seq = 0
        self.prev = bytes(32)
        self.clock = 0

    @classmethod
    def from_node(cls, node):
        a = cls(node.seed())
        for v in node.vector()["authors"]:
            if v["author"] == a.pk.hex():
                a.seq = v["seq"]
                a.prev = bytes.fromhex(v["hash"])
        a.clock = node.query("SELECT max(clock) FROM log")[0][0] or 0
        return a

    @property
    def hex(self):
        return self.pk.hex()

    def sign(self, seq, prev, clock, body, network=NETWORK, version=1):
        """Entry bytes and id for exactly these fields."""
        si = signing_input(version, network, self.pk, seq, prev, clock, body)
        sig = self.sk.sign(si).signature
        eid = hashlib.blake2b(si, digest_size=32).digest()
        return encode_entry(version, network, self.pk, seq, prev, clock,
                            body, sig), eid

    def next(self, body, clock=None, **kw):
        """The next entry in this author's chain (advances the chain)."""
        if clock is None:
            clock = max(now_clock(), self.clock + 1)
        self.clock = clock
        b, eid = self.sign(self.seq + 1, self.prev, clock, body, **kw)
        self.seq += 1
        self.prev = eid
        return b


# The schema version this build runs (proto/schema.md), and the next one,
# which it holds entries of unapplied (entry.md, "Held entries").
SCHEMA = 10
SCHEMA_NEXT = SCHEMA + 1


def body(ops, schema=1):
    return pack([schema, ops])


def new_row():
    return os.urandom(16)


def op_set(table, row, fields):
    """fields: {col: value} (heads empty) or [(col, value, heads)]."""
    if isinstance(fields, dict):
        fields = [(c, v, []) for c, v in fields.items()]
    return [0, table, row, [[c, v, sorted(h)] for c, v, h in
                            sorted(fields, key=lambda f: f[0].encode())]]


def op_del(table, row, seen=()):
    return [1, table, row, sorted(seen)]


def op_ins(table, row, fields):
    return [2, table, row, [[c, v] for c, v in
                            sorted(fields.items(), key=lambda f: f[0].encode())]]


# ---- certificates (proto/trust.md, "Certificates")

CERT_TAG = b"huzhu cert v1"
ROLES = {"admin": 0, "coordinator": 1, "site": 2, "viewer": 3}


def cert_fields(network, subject, role, issuer, name="测试证书", site=None,
                admits=False, issued_ms=None, valid_days=30):
    """The ten signed fields of a certificate."""
    if issued_ms is None:
        issued_ms = int(time.time() * 1000)
    return [1, network, subject, name, ROLES[role], site, admits, issued_ms,
            valid_days, issuer]


def cert_bytes(fields, signer=None, sig=None):
    """A certificate of @fields, signed by @signer (a SigningKey), or
    carrying @sig as its signature whatever it is."""
    if sig is None:
        sig = signer.sign(CERT_TAG + pack(fields)).signature
    return pack(list(fields) + [sig])


def op_cert(cert):
    """The trust operation carrying a certificate (in a body of its own:
    body([op_cert(c)]))."""
    return [3, cert]


# ---- bundles (proto/bundle.md; src/store/bundle.c)

def frame(kind, payload):
    return struct.pack(">IB", len(payload), kind) + payload


def make_bundle(entries, network=NETWORK, author=None, created_ms=None,
                scope=0, count=None, digest=None):
    """A bundle of @entries (bytes each). @count and @digest override the
    trailer's values (for tests that lie)."""
    if author is None:
        author = bytes(32)
    if created_ms is None:
        created_ms = int(time.time() * 1000)
    head = BUNDLE_MAGIC + frame(FRAME_HEADER, pack([1, network, author,
                                                    created_ms, scope]))
    body_ = b"".join(frame(FRAME_ENTRY, e) for e in entries)
    before = head + body_
    d = hashlib.blake2b(before, digest_size=32).digest()
    trailer = pack([len(entries) if count is None else count,
                    d if digest is None else digest])
    return before + frame(FRAME_TRAILER, trailer)


def parse_bundle(data):
    """(header, [entry bytes], trailer) of a bundle; raises on bad input."""
    if data[:8] != BUNDLE_MAGIC:
        raise ValueError("no magic")
    i, header, entries, trailer = 8, None, [], None
    while i < len(data):
        n, kind = struct.unpack(">IB", data[i:i + 5])
        payload = data[i + 5:i + 5 + n]
        i += 5 + n
        if kind == FRAME_HEADER:
            header = unpack(payload)
        elif kind == FRAME_ENTRY:
            entries.append(payload)
        else:
            trailer = unpack(payload)
    return header, entries, trailer


# ---- sealed bundles (proto/bundle.md, "Sealed bundles"), from the spec

SEAL_MAGIC = b"HZSEALED"
SEAL_CHUNK = 65536  # plain bytes per chunk


def bundle_key(secret, epoch=0):
    """The bundle key of @epoch from the network secret, and its id."""
    key = hashlib.blake2b(b"huzhu bundle key v1" + struct.pack(">Q", epoch),
                          digest_size=32, key=secret).digest()
    kid = hashlib.blake2b(b"huzhu bundle key id v1" + key,
                          digest_size=16).digest()
    return key, kid


def epoch_share(epoch_bytes, device_seed):
    """A member's bundle key from an epoch object (proto/trust.md)."""
    import nacl.bindings as nb
    sk = nacl.signing.SigningKey(device_seed)
    pk = bytes(sk.verify_key)
    fields = unpack(epoch_bytes)
    for subject, sealed in fields[4]:
        if subject == pk:
            xpk = nb.crypto_sign_ed25519_pk_to_curve25519(pk)
            xsk = nb.crypto_sign_ed25519_sk_to_curve25519(
                device_seed + pk)
            return nb.crypto_box_seal_open(sealed, xpk, xsk)
    return None


def unseal(data, secret, device_seed=None):
    """The plain bundle inside a sealed one (raises on any damage, and on
    chunks not in the one form: MESSAGE chunks of 65,536 bytes, then one
    FINAL chunk of 1 to 65,536). Epoch 0 opens with the network secret; a
    later epoch with the device's share of the epoch the header carries."""
    import nacl.bindings as nb
    if data[:8] != SEAL_MAGIC:
        raise ValueError("not sealed")
    hl = struct.unpack(">I", data[8:12])[0]
    header = data[12:12 + hl]
    ad = data[:12 + hl]
    version, network, kid, epoch, carried = unpack(header)
    if epoch == 0:
        key, want = bundle_key(secret, 0)
    else:
        key = epoch_share(carried, device_seed)
        want = hashlib.blake2b(b"huzhu bundle key id v1" + key,
                               digest_size=16).digest()
    if version != 1 or kid != want:
        raise ValueError("version or key id")
    pos = 12 + hl
    st = nb.crypto_secretstream_xchacha20poly1305_state()
    nb.crypto_secretstream_xchacha20poly1305_init_pull(st, data[pos:pos + 24],
                                                       key)
    pos += 24
    out, final = b"", False
    while not final:
        n = struct.unpack(">I", data[pos:pos + 4])[0]
        m, tag = nb.crypto_secretstream_xchacha20poly1305_pull(
            st, data[pos + 4:pos + 4 + n], ad)
        out += m
        pos += 4 + n
        final = tag == nb.crypto_secretstream_xchacha20poly1305_TAG_FINAL
        message = tag == nb.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
        if not (final and m or message and len(m) == SEAL_CHUNK):
            raise ValueError("a chunk of %d bytes, tag %d" % (len(m), tag))
    if pos != len(data):
        raise ValueError("bytes after the final chunk")
    return out


def bundle_frames(data):
    """(start, payload start, end) of every frame of a plain bundle, after
    the magic, as its length fields say (proto/bundle.md)."""
    out, i = [], len(BUNDLE_MAGIC)
    while i + 5 <= len(data):
        n = struct.unpack(">I", data[i:i + 4])[0]
        out.append((i, i + 5, i + 5 + n))
        i += 5 + n
    return out


def seal(plain, secret, network, chunk=SEAL_CHUNK, empty_final=False,
         final=True):
    """A sealed bundle of epoch 0 around @plain, written from the spec
    (proto/bundle.md, "Sealed bundles"): chunks of 65,536 plain bytes, the
    last one FINAL. For refusals: @chunk cuts other sizes; @empty_final
    tags all of them MESSAGE and adds an empty FINAL one; without @final
    no chunk is FINAL."""
    import nacl.bindings as nb
    pieces = [plain[i:i + chunk] for i in range(0, len(plain), chunk)]
    if empty_final or not pieces:
        pieces.append(b"")
    key, kid = bundle_key(secret, 0)
    header = pack([1, network, kid, 0, None])
    ad = SEAL_MAGIC + struct.pack(">I", len(header)) + header
    st = nb.crypto_secretstream_xchacha20poly1305_state()
    out = ad + nb.crypto_secretstream_xchacha20poly1305_init_push(st, key)
    for i, m in enumerate(pieces):
        tag = (nb.crypto_secretstream_xchacha20poly1305_TAG_FINAL
               if final and i == len(pieces) - 1 else
               nb.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE)
        c = nb.crypto_secretstream_xchacha20poly1305_push(st, m, ad, tag)
        out += struct.pack(">I", len(c)) + c
    return out


def sealed_boundaries(data):
    """Where a sealed bundle's parts end, as its length fields say: the
    magic, the header length, the header, the stream header, then each
    chunk (the last is the end of the file)."""
    hl = struct.unpack(">I", data[8:12])[0]
    out = [len(SEAL_MAGIC), 12, 12 + hl, 12 + hl + 24]
    i = out[-1]
    while i + 4 <= len(data):
        i += 4 + struct.unpack(">I", data[i:i + 4])[0]
        out.append(i)
    return out


def read_bundle(path):
    with open(path, "rb") as f:
        return parse_bundle(f.read())


def write_file(path, data):
    with open(path, "wb") as f:
        f.write(data)
    return path


# ---- processes that a test kills

class Serving:
    """`huzhu serve` of @node on 127.0.0.1 and a port of its choosing, the
    web interface off, with @args after it; its environment @env, else
    the node's."""

    def __init__(self, node, *args, env=None):
        self.node = node
        cmd = [HUZHU, "-d", node.dir, "--json", "serve", "--listen",
               "127.0.0.1:0", "--http", "off", *args]
        self.p = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=base_env(env if env is not None else node.env))
        line = self.p.stdout.readline().decode()
        check(line.startswith("{\"listening\":\"127.0.0.1:"),
              "serve says where it listens (%r)" % line)
        self.addr = line.split("\"")[3]

    def stop(self):
        rc = stop_term(self.p)
        return rc, self.p.stderr.read().decode()


def kill9(p):
    """kill -9 a process this test started (by its pid only)."""
    try:
        os.kill(p.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    p.wait()


def stop_term(p, what="serve"):
    """SIGTERM a process this test started (unless it ended) and wait up
    to 30 s: its exit code. One that does not stop is killed (-9) and the
    test fails."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        kill9(p)
        raise Failure("%s did not stop on SIGTERM" % what)


# ---- the cases of one script

# Set by CMake for a build with sanitizers (tests/integration/CMakeLists.txt).
SANITIZED = os.environ.get("HUZHU_SANITIZED") == "1"


class NotHere(Exception):
    """Raised by a case that cannot run in this build, with the reason and
    where it does run: printed and listed at the end, never silent."""


class Cases:
    def __init__(self, name):
        self.name = name
        self.cases = []

    def case(self, fn):
        self.cases.append(fn)
        return fn

    def main(self):
        global HUZHU
        if len(sys.argv) < 2:
            print("usage: %s HUZHU_BINARY [CASE...]" % sys.argv[0])
            sys.exit(2)
        HUZHU = os.path.abspath(sys.argv[1])
        only = set(sys.argv[2:])
        failed = []
        not_here = []
        for fn in self.cases:
            if only and fn.__name__ not in only:
                continue
            print("== %s.%s" % (self.name, fn.__name__), flush=True)
            t0 = time.monotonic()
            p0 = PROCESSES[0]
            try:
                fn()
                print("   passed (%.1fs, %d huzhu processes)"
                      % (time.monotonic() - t0, PROCESSES[0] - p0),
                      flush=True)
            except NotHere as e:
                not_here.append(fn.__name__)
                print("   NOT RUN in this build: %s" % e, flush=True)
            except Failure as e:
                failed.append(fn.__name__)
                print("   FAILED: %s" % str(e)[:2000], flush=True)
            except Exception:
                failed.append(fn.__name__)
                traceback.print_exc()
                print("   FAILED with an exception", flush=True)
        if not_here:
            print("%d not run in this build (see why above): %s"
                  % (len(not_here), ", ".join(not_here)))
        if failed:
            print("%d failed: %s" % (len(failed), ", ".join(failed)))
            sys.exit(1)
        print("all passed" if not not_here else "all the others passed")
