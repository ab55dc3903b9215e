#!/usr/bin/python3
"""Abuse of `huzhu serve` over loopback (proto/sync.md, proto/limits.md
"Live sync", src/net/net.c).

Each case runs one `huzhu serve` on a root node whose network has one
member admitted, and pins that abusive connections are dropped and leave
the serve able to answer an honest `huzhu sync` from the member, after
which both nodes print one state hash:

- garbage: random bytes, 64 zero bytes and a msg1 with a wrong tag get
  nothing back and are closed at once (a correct msg1 gets its msg2);
- huge lengths: a msg3 `len` outside 16 … 16,656 is refused from its 4
  bytes; after a whole handshake made here in Python as the member (its
  network secret, device key and chain read from its own node directory
  and join token; the Python side is first checked against
  proto/vectors/handshake.json), a frame length over 1,048,592 ends the
  channel from its 4 bytes;
- slow trickle: a msg1 sent one byte a second, or a msg3's length and
  box one byte a second after a prompt msg1, is dropped by the 10 s
  handshake limit (not before 9 s, by 20 s) while a member syncs;
- 200 silent connections: an honest sync must go through while they are
  open; the serve's descriptors come back when they close or time out;
  its peak RSS (VmHWM) is printed;
- replay and reflection: the bytes a real `huzhu sync` sent (recorded by
  a relay here) replayed on a fresh connection, the server's msg2 sent
  back as a msg1, its msg4 sent back as a msg3, and recorded frames after
  a fresh handshake all get no msg4 / no more frames and change nothing;
- after all of it on one serve: an honest sync, exit 0 on SIGTERM (with
  silent connections still open), and a log without the member's full
  key, the secrets or record content.

Traffic goes only to 127.0.0.1; every loop is bounded and every wait has
a deadline."""
import base64
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import hz_test as T  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "vectors"))
import check_vectors as V  # noqa: E402

import nacl.bindings as nb  # noqa: E402
import nacl.exceptions  # noqa: E402
import nacl.signing  # noqa: E402
import zstandard  # noqa: E402

cases = T.Cases("sync_abuse")

VECTORS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "proto", "vectors", "handshake.json")

HOST = "127.0.0.1"
HELLO_LEN = 64                      # msg1, msg2
PROOF_BOX_MAX = 16640 + 16          # HZ_HS_PROOF_MAX + the box's tag
FRAME_LEN_MAX = 1048576 + 16        # HZ_FRAME_PLAIN_MAX + the AEAD tag
INBOUND_MAX = 64                    # HZ_INBOUND_MAX (src/net/net.h)
HS_TIMEOUT = 10.0                   # HZ_HS_TIMEOUT_MS
DROP_WITHIN = 5.0  # a refusal "from the bytes" comes well before HS_TIMEOUT


# ---- the handshake and frames, from proto/sync.md

# The handshake's parts as the vectors' checker computes them from
# proto/sync.md (tests/vectors/check_vectors.py), labels given as bytes.
def mac(k, label, *parts):
    return V.hs_mac(k, label.decode(), *parts)


share = V.hs_share


def proof(sign_seed, chain, sig_label, t, key):
    """len || secretbox(key, [pk, chain, Ed25519(sig_label || t)])."""
    return V.hs_proof(sign_seed, chain, sig_label.decode(), t, key)


def open_proof(msg, sig_label, t, key):
    """(pk, chain) of a proof that opens, is canonical and is signed;
    raises nacl.exceptions.CryptoError otherwise."""
    try:
        return V.hs_open_proof(msg, sig_label.decode(), t, key)
    except V.Bad as e:
        raise nacl.exceptions.CryptoError(str(e))


def msg1_of(k, ea):
    return ea + mac(k, b"huzhu hs1 v1", ea)


def msg2_of(k, ea, eb):
    return eb + mac(k, b"huzhu hs2 v1", ea, eb)


def frame_nonce(n):
    return bytes(16) + struct.pack(">Q", n)


def seal_frame(key, n, plain):
    hdr = struct.pack(">I", len(plain) + 16)
    return hdr + nb.crypto_aead_xchacha20poly1305_ietf_encrypt(
        plain, hdr, frame_nonce(n), key)


def open_frame(key, n, frame):
    return nb.crypto_aead_xchacha20poly1305_ietf_decrypt(
        frame[4:], frame[:4], frame_nonce(n), key)


class Client:
    """The dialling side of a handshake, as a member holding the network
    secret @k, the device seed @seed and showing @chain."""

    def __init__(self, k, seed, chain, share_seed=None):
        self.k, self.seed, self.chain = k, seed, chain
        self.a, self.ea = share(share_seed if share_seed is not None
                                else os.urandom(32))
        self.msg1 = msg1_of(k, self.ea)

    def answer(self, msg2):
        """msg3 for the server's msg2 (whose tag must check)."""
        eb = msg2[:32]
        if len(msg2) != HELLO_LEN or msg2_of(self.k, self.ea, eb) != msg2:
            raise T.Failure("msg2 is not keyed by this network")
        self.s = nb.crypto_scalarmult(self.a, eb)
        t2 = mac(self.k, b"huzhu hs t2 v1", self.msg1, msg2)
        k3 = mac(self.k, b"huzhu hs k3 v1", self.s, t2)
        self.msg3 = proof(self.seed, self.chain, b"huzhu hs client v1", t2,
                          k3)
        self.t3 = mac(self.k, b"huzhu hs t3 v1", t2, self.msg3)
        return self.msg3

    def finish(self, msg4):
        """The server's (key, chain) from msg4; the session keys set."""
        k4 = mac(self.k, b"huzhu hs k4 v1", self.s, self.t3)
        b, chain_b = open_proof(msg4, b"huzhu hs server v1", self.t3, k4)
        t4 = mac(self.k, b"huzhu hs t4 v1", self.t3, msg4)
        self.tx = mac(self.k, b"huzhu c2s v1", self.s, t4)
        self.rx = mac(self.k, b"huzhu s2c v1", self.s, t4)
        self.tx_n = self.rx_n = 0
        return b, chain_b

    def send_msg(self, sock, obj):
        sock.sendall(seal_frame(self.tx, self.tx_n, T.pack(obj)))
        self.tx_n += 1

    def recv_msg(self, sock, timeout=DROP_WITHIN):
        hdr = recv_exact(sock, 4, timeout, "a frame's length")
        n = struct.unpack(">I", hdr)[0]
        if n < 16 or n > FRAME_LEN_MAX:
            raise T.Failure("the server sent a frame length of %d" % n)
        f = hdr + recv_exact(sock, n, timeout, "a frame")
        plain = open_frame(self.rx, self.rx_n, f)
        self.rx_n += 1
        return T.unpack(plain)


# ---- sockets (127.0.0.1 only)

def dial(addr, timeout=5.0):
    host, port = addr.rsplit(":", 1)
    if host != HOST:
        raise T.Failure("only loopback: %s" % addr)
    return socket.create_connection((host, int(port)), timeout=timeout)


def recv_exact(sock, n, timeout, what):
    deadline = time.monotonic() + timeout
    buf = b""
    while len(buf) < n:
        left = deadline - time.monotonic()
        if left <= 0:
            raise T.Failure("%s: %d of %d bytes in %.1f s"
                            % (what, len(buf), n, timeout))
        sock.settimeout(left)
        try:
            chunk = sock.recv(n - len(buf))
        except socket.timeout:
            continue
        except ConnectionError:
            chunk = b""
        if not chunk:
            raise T.Failure("%s: the connection closed after %d of %d bytes"
                            % (what, len(buf), n))
        buf += chunk
    return buf


def read_until_closed(sock, timeout, limit=1 << 20):
    """(bytes received, closed, seconds): read until the peer closes
    (EOF or reset) or @timeout seconds pass."""
    t0 = time.monotonic()
    data = b""
    while True:
        left = t0 + timeout - time.monotonic()
        if left <= 0 or len(data) > limit:
            return data, False, time.monotonic() - t0
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionError:
            chunk = b""
        if not chunk:
            return data, True, time.monotonic() - t0
        data += chunk


def send_quiet(sock, data):
    """Send; False when the peer has already closed."""
    try:
        sock.sendall(data)
        return True
    except OSError:
        return False


def expect_dropped(sock, what, within=DROP_WITHIN):
    """The server sends nothing more and closes within @within seconds."""
    data, closed, secs = read_until_closed(sock, within)
    sock.close()
    T.check(data == b"", "%s: nothing (more) sent back (%d bytes)"
            % (what, len(data)))
    T.check(closed, "%s: the server closed the connection (%.2f s)"
            % (what, secs))


def closed_now(sock):
    """Whether the peer has closed @sock (EOF or reset), without waiting."""
    r, _, _ = select.select([sock], [], [], 0)
    if not r:
        return False
    try:
        sock.setblocking(False)
        return sock.recv(1, socket.MSG_PEEK) == b""
    except BlockingIOError:
        return False
    except ConnectionError:
        return True


# ---- the world: a root serving, a member admitted

def open_token(token, seed):
    """The payload of a join token, opened with the device's seed."""
    data = token[3:]
    sealed = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    pk = bytes(nacl.signing.SigningKey(seed).verify_key)
    xpk = nb.crypto_sign_ed25519_pk_to_curve25519(pk)
    xsk = nb.crypto_sign_ed25519_sk_to_curve25519(seed + pk)
    return T.unpack(nb.crypto_box_seal_open(sealed, xpk, xsk))


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class World:
    """Root r (in a network, serving) and member d admitted by it; what d
    holds to speak the handshake itself: the network secret, its device
    seed and the chain it shows (its certificate, then its issuers')."""

    def __init__(self, work):
        self.work = work
        self.r = T.Node.create(work, "测试根节点", "r")
        self.r.js("network", "create", "--name", "测试网")
        self.d = T.Node.create(work, "测试节点乙", "d")
        tok = self.r.js("admit", self.d.key, "--name", "乙站", "--role",
                        "coordinator")["token"]
        self.d.js("join", tok)
        self.words = []
        for _ in range(2):
            self.put(self.r, "甲")
            self.put(self.d, "乙")
        self.k = read_bytes(os.path.join(self.d.dir, "network.secret"))
        T.check(len(self.k) == 32 and self.k == read_bytes(
            os.path.join(self.r.dir, "network.secret")),
            "the member holds the network's 32-byte secret")
        self.seed = self.d.seed()
        payload = open_token(tok, self.seed)
        T.check(payload[4] == self.k, "the join token carries that secret")
        self.chain = T.pack([payload[2]] + list(payload[3]))

    def put(self, node, tag):
        word = "测试村%s%d号" % (tag, len(self.words))
        self.words.append(word)
        node.put("households", "village=" + word)

    def client(self):
        return Client(self.k, self.seed, self.chain)

    def honest_sync(self, s, what):
        """d writes a row and syncs with the serve: it goes through and
        both print one state hash."""
        self.put(self.d, "乙")
        res = self.d.run("--json", "sync", s.addr)
        T.check(res.rc == 0, "%s: an honest sync succeeds (exit %d, %s)"
                % (what, res.rc, res.err.strip()[:300]))
        j = res.json()
        T.check(j["peer"] == self.r.key and j["sent"] >= 1,
                "%s: it reached r and sent d's new entry" % what)
        T.check_eq(self.d.state_hash(), self.r.state_hash(),
                   "%s: d and r print one state hash" % what)
        return j


class Serving:
    """`huzhu serve` on 127.0.0.1 and a port of its choosing; its stderr
    goes to a file (a pipe nobody reads would fill and stall it)."""

    def __init__(self, node, work):
        self.node = node
        self.log_path = os.path.join(work, "serve-%d.log"
                                     % time.monotonic_ns())
        with open(self.log_path, "wb") as log:
            self.p = subprocess.Popen(
                [T.HUZHU, "-d", node.dir, "--json", "serve", "--listen",
                 HOST + ":0", "--http", "off"], stdout=subprocess.PIPE,
                stderr=log,
                env=T.base_env())
        T.PROCESSES[0] += 1
        r, _, _ = select.select([self.p.stdout], [], [], 20)
        line = self.p.stdout.readline().decode() if r else ""
        if not line.startswith("{\"listening\":\"127.0.0.1:"):
            T.kill9(self.p)
            raise T.Failure("serve did not say where it listens (%r)" % line)
        self.addr = json.loads(line)["listening"]
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def status_kb(self, field):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        return -1

    def log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stop(self, timeout=15):
        """SIGTERM; (exit code, seconds to exit, log)."""
        if not self.alive():
            return self.p.returncode, 0.0, self.log()
        t0 = time.monotonic()
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            T.kill9(self.p)
            raise T.Failure("serve did not stop within %d s of SIGTERM"
                            % timeout)
        return rc, time.monotonic() - t0, self.log()

    def kill(self):
        if self.alive():
            T.kill9(self.p)
        self.p.stdout.close()


def stopped_clean(w, s, what):
    """SIGTERM stops the serve with exit 0; its log names sessions but no
    full key, secret or record content."""
    rc, secs, err = s.stop()
    T.check_eq(rc, 0, "%s: serve exits 0 on SIGTERM (%.2f s)" % (what, secs))
    T.check("huzhu serve:" in err, "%s: serve logged its sessions" % what)
    for name, secret in (("the member's key", w.d.key),
                         ("the network secret", w.k.hex()),
                         ("the member's seed", w.seed.hex()),
                         ("the root's seed", w.r.seed().hex())):
        T.check(secret not in err, "%s: %s is not in serve's log"
                % (what, name))
    leaked = [x for x in w.words if x in err]
    T.check(not leaked, "%s: no record content in serve's log (%d words "
            "checked%s)" % (what, len(w.words),
                            leaked and ", found %r" % leaked or ""))
    return err


def with_world(tag, body):
    with T.TempDir("sync-abuse-" + tag) as work:
        w = World(work)
        s = Serving(w.r, work)
        try:
            body(w, s)
            stopped_clean(w, s, tag)
        finally:
            s.kill()


# ---- the abuses, each a function so the last case can run them all

def abuse_garbage(w, s):
    cl = w.client()
    bad_tag = cl.msg1[:63] + bytes([cl.msg1[63] ^ 1])
    other = bytes([w.k[0] ^ 1]) + w.k[1:]
    for what, data in (
            ("64 random bytes", os.urandom(64)),
            ("4,096 random bytes", os.urandom(4096)),
            ("64 zero bytes", bytes(64)),
            ("a msg1 whose tag has one bit flipped", bad_tag),
            ("a msg1 keyed by another secret", msg1_of(other, cl.ea)),
            ("an HTTP request", b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                b"User-Agent: " + b"x" * 64 + b"\r\n\r\n")):
        sock = dial(s.addr)
        send_quiet(sock, data)
        expect_dropped(sock, what)
    # The same serve answers a msg1 keyed by the secret: the silence above
    # is a refusal, not a dead server.
    sock = dial(s.addr)
    sock.sendall(cl.msg1)
    msg2 = recv_exact(sock, HELLO_LEN, DROP_WITHIN, "msg2")
    T.check(msg2_of(w.k, cl.ea, msg2[:32]) == msg2,
            "a msg1 keyed by the secret gets a msg2 keyed by it")
    sock.close()
    T.check(s.alive(), "serve is still running")


def handshake(w, s, cl=None):
    """A whole handshake as the member, from Python: the socket and the
    client, the server's key checked and its opening (hello, vector)
    read."""
    cl = cl or w.client()
    sock = dial(s.addr)
    sock.sendall(cl.msg1)
    msg2 = recv_exact(sock, HELLO_LEN, DROP_WITHIN, "msg2")
    sock.sendall(cl.answer(msg2))
    hdr = recv_exact(sock, 4, DROP_WITHIN, "msg4's length")
    msg4 = hdr + recv_exact(sock, struct.unpack(">I", hdr)[0], DROP_WITHIN,
                            "msg4")
    key, _ = cl.finish(msg4)
    T.check_eq(key.hex(), w.r.key, "msg4 proves the serving node's key")
    hello = cl.recv_msg(sock)
    T.check_eq(hello, [0, 2], "the server's first frame is hello, version 2")
    vector = cl.recv_msg(sock)
    T.check(isinstance(vector, list) and vector[0] == 1 and
            vector[2] is False and len(vector[1]) >= 1,
            "then its vector (%d authors)" % len(vector[1]))
    return sock, cl, vector


def abuse_msg3_length(w, s):
    """msg3's len outside 16 … 16,656 is refused from its 4 bytes."""
    def after_msg2():
        cl = w.client()
        sock = dial(s.addr)
        sock.sendall(cl.msg1)
        msg2 = recv_exact(sock, HELLO_LEN, DROP_WITHIN, "msg2")
        cl.answer(msg2)  # checks msg2's tag
        return sock
    for n in (PROOF_BOX_MAX + 1, 0xFFFFFFFF, 0x7FFFFFFF, 15, 0):
        sock = after_msg2()
        sock.sendall(struct.pack(">I", n))
        expect_dropped(sock, "msg3 declaring len %d (only its 4 bytes sent)"
                       % n)
    # The largest allowed len is waited for, not refused from its bytes;
    # a box of that length that does not open is then refused.
    sock = after_msg2()
    sock.sendall(struct.pack(">I", PROOF_BOX_MAX))
    data, closed, _ = read_until_closed(sock, 1.0)
    T.check(not closed and data == b"",
            "msg3 declaring len %d (the limit) is waited for"
            % PROOF_BOX_MAX)
    send_quiet(sock, os.urandom(PROOF_BOX_MAX))
    expect_dropped(sock, "a msg3 box of %d random bytes" % PROOF_BOX_MAX)


def abuse_frame_length(w, s):
    """After a real handshake, a frame length over the limit ends the
    channel from its 4 bytes."""
    before = w.r.state_hash()
    # Positive control: the channel works both ways. Our hello and the
    # server's own vector sent back (we claim all it has) get its done.
    sock, cl, vector = handshake(w, s)
    cl.send_msg(sock, [0, 1])
    cl.send_msg(sock, vector)
    T.check_eq(cl.recv_msg(sock), [3],
               "frames from Python open on the server: it answers done")
    sock.sendall(struct.pack(">I", 0xFFFFFFFF))
    expect_dropped(sock, "a frame declaring len 0xFFFFFFFF after the "
                         "handshake (only its 4 bytes sent)")
    for n in (FRAME_LEN_MAX + 1, 15):
        sock, cl, _ = handshake(w, s)
        sock.sendall(struct.pack(">I", n))
        expect_dropped(sock, "a frame declaring len %d (only its 4 bytes "
                             "sent)" % n)
    T.check_eq(w.r.state_hash(), before, "r's state did not change")
    T.check(s.alive(), "serve is still running")


def abuse_zip_bomb(w, s):
    """Compressed entries (sync.md, "Compressed entries"): a frame that
    would give more than the size its message declares, or a size over
    the limit, ends the session; nothing is written. A small list in its
    one form first: the server takes it (the entries are not ours to
    sign: each is refused, counted, and the session goes on)."""
    before = w.r.state_hash()
    bomb = zstandard.ZstdCompressor(level=19).compress(bytes(2 << 20))
    T.check(len(bomb) < 1000, "a 2 MiB bomb in %d bytes" % len(bomb))
    cases = [
        ("a bomb declaring its 2 MiB", [5, 2 << 20, bomb]),
        ("a bomb declaring 1,000 bytes", [5, 1000, bomb]),
        ("a frame declaring no size",
         [5, 3, zstandard.ZstdCompressor(write_content_size=False)
          .compress(b"\x91\xc4\x00")]),
    ]
    for what, msg in cases:
        sock, cl, vector = handshake(w, s)
        cl.send_msg(sock, [0, 2])
        cl.send_msg(sock, vector)
        T.check_eq(cl.recv_msg(sock), [3], "a version-2 session: done")
        cl.send_msg(sock, msg)
        expect_dropped(sock, what)
    T.check_eq(w.r.state_hash(), before, "r's state did not change")
    T.check(s.alive(), "serve is still running")


class Relay(threading.Thread):
    """One connection relayed from a port on 127.0.0.1 to @upstream, the
    bytes each way recorded."""

    def __init__(self, upstream):
        super().__init__(daemon=True)
        self.upstream = upstream
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.bind((HOST, 0))
        self.ls.listen(1)
        self.addr = "%s:%d" % (HOST, self.ls.getsockname()[1])
        self.c2s, self.s2c = bytearray(), bytearray()
        self.error = None

    def run(self):
        socks = []
        try:
            deadline = time.monotonic() + 40
            self.ls.settimeout(30)
            down, _ = self.ls.accept()
            up = dial(self.upstream)
            socks = [down, up]
            route = {down: (up, self.c2s), up: (down, self.s2c)}
            live = {down, up}
            while live and time.monotonic() < deadline:
                ready, _, _ = select.select(list(live), [], [], 0.5)
                for src in ready:
                    dst, rec = route[src]
                    try:
                        data = src.recv(65536)
                    except ConnectionError:
                        data = b""
                    if data:
                        rec += data
                        send_quiet(dst, data)
                    else:
                        live.discard(src)
                        try:
                            dst.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
            if live:
                self.error = "the relayed session did not end in 40 s"
        except Exception as e:  # reported by the case
            self.error = repr(e)
        finally:
            for x in socks + [self.ls]:
                x.close()


def abuse_replay(w, s):
    """A recorded handshake replayed, and reflections, open nothing."""
    relay = Relay(s.addr)
    relay.start()
    w.put(w.d, "乙")
    res = w.d.run("--json", "sync", relay.addr)
    relay.join(45)
    T.check(res.rc == 0 and relay.error is None and not relay.is_alive(),
            "an honest sync through a recording relay (exit %d, %s, %s)"
            % (res.rc, res.err.strip()[:200], relay.error))
    T.check_eq(w.d.state_hash(), w.r.state_hash(),
               "d and r print one state hash after it")
    c2s, s2c = bytes(relay.c2s), bytes(relay.s2c)
    n3 = struct.unpack(">I", c2s[64:68])[0]
    n4 = struct.unpack(">I", s2c[64:68])[0]
    msg1, msg3, frames = c2s[:64], c2s[64:68 + n3], c2s[68 + n3:]
    msg2, msg4 = s2c[:64], s2c[64:68 + n4]
    T.check(len(msg3) == 4 + n3 and len(msg4) == 4 + n4 and
            len(frames) >= 3 * 20 and msg2_of(w.k, msg1[:32], msg2[:32]) ==
            msg2, "recorded: msg1, msg2, msg3 (%d), msg4 (%d), %d bytes of "
                  "the client's frames" % (len(msg3), len(msg4), len(frames)))
    before = w.r.snapshot()

    # All the client sent, replayed at once.
    sock = dial(s.addr)
    send_quiet(sock, c2s)
    data, closed, secs = read_until_closed(sock, DROP_WITHIN)
    sock.close()
    T.check(len(data) <= HELLO_LEN and data[:32] != msg2[:32],
            "replayed session: at most a fresh msg2 back, no msg4 (%d bytes)"
            % len(data))
    T.check(closed, "replayed session: the server closed (%.2f s)" % secs)

    # Step by step: the recorded msg1, a fresh msg2, the recorded msg3.
    sock = dial(s.addr)
    sock.sendall(msg1)
    fresh = recv_exact(sock, HELLO_LEN, DROP_WITHIN, "msg2")
    T.check(fresh[:32] != msg2[:32] and
            msg2_of(w.k, msg1[:32], fresh[:32]) == fresh,
            "a replayed msg1 meets a fresh share")
    send_quiet(sock, msg3)
    expect_dropped(sock, "the recorded msg3 after a fresh msg2")

    # Reflection: the server's recorded msg2, and a fresh one, as msg1.
    sock = dial(s.addr)
    send_quiet(sock, msg2)
    expect_dropped(sock, "the server's recorded msg2 sent back as msg1")
    cl = w.client()
    sock = dial(s.addr)
    sock.sendall(cl.msg1)
    live_msg2 = recv_exact(sock, HELLO_LEN, DROP_WITHIN, "msg2")
    other = dial(s.addr)
    send_quiet(other, live_msg2)
    expect_dropped(other, "a live msg2 sent back as msg1 on a second "
                          "connection")
    # ... and the server's msg4 sent back to it as msg3.
    send_quiet(sock, msg4)
    expect_dropped(sock, "the server's recorded msg4 sent back as msg3")

    # Recorded frames after a fresh handshake of our own do not open.
    sock, cl, _ = handshake(w, s)
    send_quiet(sock, frames)
    expect_dropped(sock, "the recorded session's frames after a fresh "
                         "handshake")
    after = w.r.snapshot()
    T.check_eq(after, before, "r's state hash, vector, counts and files "
                              "did not change")
    T.check(s.alive(), "serve is still running")


# ---- the cases

@cases.case
def python_handshake_matches_the_vectors():
    """The Python side used below makes and reads exactly the recorded
    handshake (proto/vectors/handshake.json), so a refusal seen below is
    the server's doing, not a wrong client."""
    with open(VECTORS, encoding="utf-8") as f:
        doc = json.load(f)
    h = bytes.fromhex
    k = h(doc["network_secret"])
    cv, sv = doc["client"], doc["server"]
    cl = Client(k, h(cv["seed"]), h(cv["chain"]), h(cv["share_seed"]))
    T.check_eq(cl.msg1.hex(), doc["msg1"], "msg1")
    b, eb = share(h(sv["share_seed"]))
    msg2 = msg2_of(k, cl.ea, eb)
    T.check_eq(msg2.hex(), doc["msg2"], "msg2")
    msg3 = cl.answer(msg2)
    T.check_eq(msg3.hex(), doc["msg3"], "msg3")
    s = nb.crypto_scalarmult(b, cl.ea)
    t2 = mac(k, b"huzhu hs t2 v1", cl.msg1, msg2)
    key, chain = open_proof(msg3, b"huzhu hs client v1", t2,
                            mac(k, b"huzhu hs k3 v1", s, t2))
    T.check(key.hex() == cv["key"] and chain.hex() == cv["chain"],
            "the server's side reads the client's key and chain")
    t3 = mac(k, b"huzhu hs t3 v1", t2, msg3)
    msg4 = proof(h(sv["seed"]), h(sv["chain"]), b"huzhu hs server v1", t3,
                 mac(k, b"huzhu hs k4 v1", s, t3))
    T.check_eq(msg4.hex(), doc["msg4"], "msg4")
    key, chain = cl.finish(msg4)
    T.check(key.hex() == sv["key"] and chain.hex() == sv["chain"],
            "the client reads the server's key and chain")
    T.check_eq((cl.tx.hex(), cl.rx.hex()), (doc["c2s"], doc["s2c"]),
               "c2s and s2c")
    keys = {"client": cl.tx, "server": cl.rx}
    for f in doc["frames"]:
        key = keys[f["from"]]
        T.check_eq(seal_frame(key, f["counter"], h(f["plain"])).hex(),
                   f["frame"], "frame %s %d" % (f["from"], f["counter"]))
        T.check_eq(open_frame(key, f["counter"], h(f["frame"])),
                   h(f["plain"]), "and it opens")
    refused = {r["code"]: h(r["message"]) for r in doc["refused"]}
    bad1 = refused["HZ_ENETWORK"]
    T.check(msg1_of(k, bad1[:32]) != bad1, "a msg1 of another secret fails")
    try:
        open_proof(refused["HZ_EBADSIG"], b"huzhu hs client v1", t2,
                   mac(k, b"huzhu hs k3 v1", s, t2))
        opened = True
    except nacl.exceptions.CryptoError:
        opened = False
    T.check(not opened, "a tampered msg3 does not open")


@cases.case
def garbage_gets_nothing_and_is_closed():
    def body(w, s):
        w.honest_sync(s, "before")
        abuse_garbage(w, s)
        w.honest_sync(s, "after garbage")
    with_world("garbage", body)


@cases.case
def huge_lengths_are_refused_from_their_bytes():
    def body(w, s):
        abuse_msg3_length(w, s)
        abuse_frame_length(w, s)
        abuse_zip_bomb(w, s)
        w.honest_sync(s, "after huge lengths")
    with_world("huge", body)


def trickle(addr, first, slow, out):
    """Send @first at once, then @slow one byte a second, until the
    server closes (or 25 s): out gets what was received and when the
    connection closed, in seconds after connecting."""
    t0 = time.monotonic()
    got, closed_at, sent = b"", None, 0
    try:
        sock = dial(addr)
        if first:
            sock.sendall(first)
            got += recv_exact(sock, HELLO_LEN, DROP_WITHIN, "msg2")
        while sent < len(slow) and time.monotonic() - t0 < 25:
            if not send_quiet(sock, slow[sent:sent + 1]):
                closed_at = time.monotonic() - t0
                break
            sent += 1
            data, closed, _ = read_until_closed(sock, 1.0)
            got += data
            if closed:
                closed_at = time.monotonic() - t0
                break
        sock.close()
    except Exception as e:  # reported by the case
        out["error"] = repr(e)
    out.update(received=got, closed_at=closed_at, sent=sent)


@cases.case
def slow_trickles_end_at_the_handshake_limit():
    def body(w, s):
        a, b = w.client(), w.client()
        # b's msg3 (msg2 comes back at once; a stands in for its length).
        slow3 = struct.pack(">I", 200) + os.urandom(200)
        res = {"msg1": {}, "msg3": {}}
        threads = [threading.Thread(target=trickle, daemon=True,
                                    args=(s.addr, b"", a.msg1, res["msg1"])),
                   threading.Thread(target=trickle, daemon=True,
                                    args=(s.addr, b.msg1, slow3,
                                          res["msg3"]))]
        for t in threads:
            t.start()
        time.sleep(2)
        w.honest_sync(s, "while two connections trickle")
        for t in threads:
            t.join(30)
        T.check(not any(t.is_alive() for t in threads),
                "both tricklers ended")
        for what, r, want in (
                ("msg1 one byte a second", res["msg1"], 0),
                ("msg3 one byte a second after msg1", res["msg3"], HELLO_LEN)):
            T.check("error" not in r, "%s: no error (%s)"
                    % (what, r.get("error")))
            at = r["closed_at"]
            T.check(at is not None and HS_TIMEOUT - 1 <= at <= 20,
                    "%s: closed by the 10 s handshake limit (after %s s, "
                    "%d bytes sent)" % (what, at and "%.1f" % at, r["sent"]))
            T.check(len(r["received"]) == want,
                    "%s: nothing sent back but the msg2 asked for (%d bytes)"
                    % (what, len(r["received"])))
        w.honest_sync(s, "after the trickles")
    with_world("trickle", body)


def open_silent(addr, n):
    socks = []
    for _ in range(n):
        socks.append(dial(addr))
    return socks


def wait_fds(s, cond, timeout):
    """Poll the serve's descriptor count until cond(count); the last
    count and whether cond held."""
    deadline = time.monotonic() + timeout
    while True:
        n = s.fds()
        if cond(n) or time.monotonic() > deadline:
            return n, cond(n)
        time.sleep(0.05)


@cases.case
def silent_connections_do_not_lock_out_members():
    def body(w, s):
        failures = []

        def soft(cond, what):
            print("  %s %s" % ("ok  " if cond else "FAIL", what), flush=True)
            if not cond:
                failures.append(what)

        w.honest_sync(s, "before")
        base_fds = s.fds()
        base_hwm = s.status_kb("VmHWM")
        print("  serve: %d fds, VmHWM %d kB, VmRSS %d kB before"
              % (base_fds, base_hwm, s.status_kb("VmRSS")), flush=True)

        # Round 1: 200 silent connections; an honest sync while they are
        # open; then we close them and the descriptors come back.
        socks = open_silent(s.addr, 200)
        peak, _ = wait_fds(s, lambda n: n >= base_fds + INBOUND_MAX, 5)
        time.sleep(0.3)
        peak = max(peak, s.fds())
        dropped = sum(closed_now(x) for x in socks)
        print("  200 silent connections: serve holds %d fds (+%d); it "
              "closed %d of ours at once" % (peak, peak - base_fds, dropped),
              flush=True)
        t0 = time.monotonic()
        w.put(w.d, "乙")
        res = w.d.run("--json", "sync", s.addr)
        secs = time.monotonic() - t0
        soft(res.rc == 0,
             "an honest sync succeeds while 200 silent connections are open "
             "(exit %d after %.2f s: %s)" % (res.rc, secs,
                                             res.err.strip()[:300]))
        if res.rc == 0:
            soft(w.d.state_hash() == w.r.state_hash(),
                 "and d and r print one state hash")
        for x in socks:
            x.close()
        after, ok = wait_fds(s, lambda n: n <= base_fds + 2, 15)
        soft(ok, "serve's fds come back near %d once we close them (%d)"
             % (base_fds, after))
        T.check(s.alive(), "serve is still running")

        # Round 2: 200 silent connections held past the handshake limit:
        # the serve drops them itself, and a member gets through.
        socks = open_silent(s.addr, 200)
        peak2, _ = wait_fds(s, lambda n: n >= base_fds + INBOUND_MAX, 5)
        t0 = time.monotonic()
        after, ok = wait_fds(s, lambda n: n <= base_fds + 2, HS_TIMEOUT + 10)
        soft(ok, "held open by us, they are dropped by the handshake limit "
             "(fds %d -> %d in %.1f s)" % (peak2, after,
                                           time.monotonic() - t0))
        try:
            w.honest_sync(s, "200 connections still open on our side, "
                             "dropped by the serve")
        except T.Failure as e:
            failures.append(str(e))
        for x in socks:
            x.close()
        after, ok = wait_fds(s, lambda n: n <= base_fds + 2, 15)
        soft(ok, "serve's fds back near %d (%d)" % (base_fds, after))
        hwm = s.status_kb("VmHWM")
        print("  serve: peak RSS (VmHWM) %d kB before, %d kB after 2 x 200 "
              "silent connections (+%d kB); VmRSS now %d kB; fds baseline "
              "%d, peak %d / %d, after %d"
              % (base_hwm, hwm, hwm - base_hwm, s.status_kb("VmRSS"),
                 base_fds, peak, peak2, after), flush=True)
        w.honest_sync(s, "after")
        if failures:
            raise T.Failure("; ".join(failures))
    with_world("silent", body)


@cases.case
def replayed_and_reflected_handshakes_open_nothing():
    def body(w, s):
        abuse_replay(w, s)
        w.honest_sync(s, "after replays")
    with_world("replay", body)


@cases.case
def after_all_abuse_serve_answers_and_stops_clean():
    with T.TempDir("sync-abuse-all") as work:
        w = World(work)
        s = Serving(w.r, work)
        try:
            abuse_garbage(w, s)
            abuse_msg3_length(w, s)
            abuse_frame_length(w, s)
            abuse_replay(w, s)
            # More silent connections than inbound slots, closed by us.
            base = s.fds()
            socks = open_silent(s.addr, INBOUND_MAX + 6)
            wait_fds(s, lambda n: n >= base + INBOUND_MAX, 5)
            for x in socks:
                x.close()
            n, ok = wait_fds(s, lambda n: n <= base, 10)
            T.check(ok, "serve's fds back to %d after %d silent connections "
                    "(%d)" % (base, INBOUND_MAX + 6, n))
            w.honest_sync(s, "after all abuse")
            # SIGTERM with connections still open: it stops anyway.
            socks = open_silent(s.addr, 3)
            n, ok = wait_fds(s, lambda n: n >= base + 3, 5)
            T.check(ok, "serve holds 3 silent connections (%d fds)" % n)
            err = stopped_clean(w, s, "after all abuse, 3 connections open")
            for x in socks:
                x.close()
            # A line for every session of a member; connections that
            # proved no key only as a count, so strangers cannot flood
            # the log (at most one line per 10 s, and one at exit).
            lines = [x for x in err.splitlines()
                     if x.startswith("huzhu serve:")]
            mine = [x for x in lines if w.d.key[:8] in x]
            T.check(len(mine) >= 1, "serve logged each of d's sessions (%d)"
                    % len(mine))
            counted = [int(x.rsplit(" ", 1)[1]) for x in lines
                       if "proved no key" in x or "未证明身份" in x]
            T.check(sum(counted) >= INBOUND_MAX,
                    "the connections that proved no key are counted (%r)"
                    % counted)
            T.check(len(lines) - len(mine) <= 20,
                    "and not logged one by one (%d lines)" % len(lines))
        finally:
            s.kill()


if __name__ == "__main__":
    cases.main()
