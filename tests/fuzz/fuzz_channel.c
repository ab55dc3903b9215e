/* fuzz_channel.c - libFuzzer target: the live-sync handshake and frames
 * (core/channel.h; proto/sync.md).
 *
 * Input: a mode byte, then its bytes.
 *   mode % 6 == 0  raw bytes to a server's handshake, cut into pieces at
 *                  the lengths the first bytes give: an outsider's bytes;
 *   mode % 6 == 1  the rest is the plaintext of a client proof, boxed by
 *                  the harness with the right key after a real msg1 and
 *                  msg2 (what a holder of the network secret could send);
 *   mode % 6 == 2  raw bytes to a channel's frame reader;
 *   mode % 6 == 3  the rest sealed as frames of at most 255 bytes by one
 *                  side and opened by the other;
 *   mode % 6 == 4  session messages (syncmsg.h): the rest cut into
 *                  messages at the lengths its bytes give, each decoded
 *                  and checked against the order of a session; a
 *                  zentries message is also opened (decompressed within
 *                  its size, prevs restored) and sent again by our
 *                  encoder, which must give back the same entries;
 *   mode % 6 == 5  a whole server session (core/session.h) with a store
 *                  of its own (fixed authors and entries): a real client
 *                  handshake, then the rest cut into messages as in mode
 *                  4, each sealed as a frame and fed to the session, which
 *                  is pumped after each with a room the next byte gives.
 * Properties:
 *   - every call returns HS_MORE, HS_PEER or an error code of the header's
 *     list, takes no more bytes than it was given, and sends nothing
 *     after an error;
 *   - a server sends exactly one 64-byte msg2, and only after a msg1 made
 *     with its network secret;
 *   - a proof is accepted only if it is a canonical [key, chain, sig]
 *     whose signature covers the transcript (mode 1: never, the harness
 *     cannot sign for a key it does not hold, unless the input is the
 *     real client's proof);
 *   - a frame opens only as sealed, in order; a declared length over the
 *     limit is refused from its 4 bytes;
 *   - a session message decodes to its type or is refused with
 *     HZ_EMALFORMED / HZ_ETOOBIG; one that decodes re-encodes to the same
 *     bytes (one form); the order check never accepts a second hello or
 *     anything before the first;
 *   - a session returns 0 or a code of its list, sends nothing after
 *     failing, hands the store only vectors in rising key order, and a
 *     pump makes no more than its room and one frame. */
#include "fuzz_util.h"

#include "core/channel.h"
#include "core/limits.h"
#include "core/session.h"
#include "core/syncmsg.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t net_k[HZ_HS_KEY_LEN] = {0x46, 0x55, 0x5a, 0x5a};

struct who {
    uint8_t pk[32], sk[64];
    struct hs_self self;
};

static struct who client, server;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        abort();
    uint8_t seed[32];
    memset(seed, 0xc1, sizeof seed);
    crypto_sign_seed_keypair(client.pk, client.sk, seed);
    memset(seed, 0x51, sizeof seed);
    crypto_sign_seed_keypair(server.pk, server.sk, seed);
    client.self =
        (struct hs_self){client.pk, client.sk, (const uint8_t *)"chain", 5};
    server.self =
        (struct hs_self){server.pk, server.sk, (const uint8_t *)"chain", 5};
    return 0;
}

static void check_rv(int rv, const struct hz_err *err)
{
    if (rv >= 0) {
        FUZZ_CHECK(rv == HS_MORE || rv == HS_PEER || rv == HS_DONE);
        return;
    }
    FUZZ_CODES("handshake", rv, err, HZ_ENETWORK, HZ_EBADSIG, HZ_EMALFORMED,
               HZ_ETOOBIG, HZ_EINVAL);
}

static struct hs *server_start(struct enc *out)
{
    static struct hs s;
    uint8_t seed[32] = {0x5e};
    FUZZ_CHECK(hs_start(&s, HS_SERVER, net_k, &server.self, seed, out, NULL) ==
               0);
    FUZZ_CHECK(enc_len(out) == 0);
    return &s;
}

static void raw_handshake(const uint8_t *p, size_t n)
{
    struct enc out;
    enc_init(&out);
    struct hs *s = server_start(&out);
    /* The first byte: the length of each piece (1..256). */
    size_t piece = n > 0 ? (size_t)p[0] + 1 : 1;
    size_t off = n > 0 ? 1 : 0;
    int rv = HS_MORE;
    while (off < n && rv == HS_MORE) {
        size_t len = n - off < piece ? n - off : piece, used = 0;
        size_t sent = enc_len(&out);
        struct hz_err err = {0};
        rv = hs_feed(s, p + off, len, &used, &out, &err);
        check_rv(rv, &err);
        FUZZ_CHECK(used <= len);
        if (rv < 0)
            FUZZ_CHECK(enc_len(&out) == sent);
        off += used;
    }
    /* Without the secret no msg1 checks: nothing is ever sent. */
    FUZZ_CHECK(enc_len(&out) == 0 || enc_len(&out) == HZ_HS_HELLO_LEN);
    FUZZ_CHECK(rv != HS_PEER);
    enc_close(&out);
}

static void mac(const char *label, const uint8_t *a, size_t al,
                const uint8_t *b, size_t bl, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, net_k, HZ_HS_KEY_LEN, 32);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, a, al);
    crypto_generichash_update(&st, b, bl);
    crypto_generichash_final(&st, out, 32);
}

static void boxed_proof(const uint8_t *p, size_t n)
{
    if (n > HZ_HS_PROOF_MAX)
        n = HZ_HS_PROOF_MAX;
    struct enc m1, m2, m3, m4;
    enc_init(&m1);
    enc_init(&m2);
    enc_init(&m3);
    enc_init(&m4);
    static struct hs c;
    uint8_t seed[32] = {0xce};
    FUZZ_CHECK(hs_start(&c, HS_CLIENT, net_k, &client.self, seed, &m1, NULL) ==
               0);
    struct hs *s = server_start(&m2);
    size_t used;
    FUZZ_CHECK(hs_feed(s, enc_data(&m1), enc_len(&m1), &used, &m2, NULL) ==
               HS_MORE);
    FUZZ_CHECK(enc_len(&m2) == HZ_HS_HELLO_LEN);
    FUZZ_CHECK(hs_feed(&c, enc_data(&m2), enc_len(&m2), &used, &m3, NULL) ==
               HS_MORE);
    uint8_t t2[32], k3[32];
    mac("huzhu hs t2 v1", enc_data(&m1), HZ_HS_HELLO_LEN, enc_data(&m2),
        HZ_HS_HELLO_LEN, t2);
    mac("huzhu hs k3 v1", c.shared, 32, t2, 32, k3);
    size_t box_len = n + crypto_secretbox_MACBYTES;
    uint8_t *msg = malloc(4 + box_len);
    FUZZ_CHECK(msg != NULL);
    msg[0] = (uint8_t)(box_len >> 24);
    msg[1] = (uint8_t)(box_len >> 16);
    msg[2] = (uint8_t)(box_len >> 8);
    msg[3] = (uint8_t)box_len;
    static const uint8_t zero[crypto_secretbox_NONCEBYTES];
    crypto_secretbox_easy(msg + 4, p, n, zero, k3);
    struct hz_err err = {0};
    int rv = hs_feed(s, msg, 4 + box_len, &used, &m4, &err);
    check_rv(rv, &err);
    FUZZ_CHECK(enc_len(&m4) == 0); /* no msg4 before the caller accepts */
    /* Only the client's own proof carries a signature over this
     * transcript. */
    if (rv == HS_PEER) {
        FUZZ_CHECK(memcmp(s->peer_key, client.pk, 32) == 0);
        FUZZ_CHECK(s->peer_chain_len <= HZ_HS_CHAIN_MAX);
    }
    free(msg);
    enc_close(&m1);
    enc_close(&m2);
    enc_close(&m3);
    enc_close(&m4);
}

/* Two channel ends with fixed keys. */
static void chans(struct chan *tx, struct chan *rx)
{
    memset(tx, 0, sizeof *tx);
    memset(rx, 0, sizeof *rx);
    memset(tx->tx_key, 0x11, HZ_HS_KEY_LEN);
    memset(tx->rx_key, 0x22, HZ_HS_KEY_LEN);
    memset(rx->tx_key, 0x22, HZ_HS_KEY_LEN);
    memset(rx->rx_key, 0x11, HZ_HS_KEY_LEN);
}

static uint8_t plain[HZ_FRAME_PLAIN_MAX];

static void raw_frames(const uint8_t *p, size_t n)
{
    struct chan tx, rx;
    chans(&tx, &rx);
    size_t off = 0;
    for (;;) {
        size_t used = 0, got = 0;
        struct hz_err err = {0};
        int rv = chan_open(&rx, p + off, n - off, &used, plain, &got, &err);
        if (rv == 1)
            break;
        if (rv != 0) {
            FUZZ_CODES("frame", rv, &err, HZ_ETOOBIG, HZ_EBADSIG);
            break;
        }
        /* A frame opened that was never sealed: the keys are the harness's
         * own, so only a frame sealed with them (impossible here without
         * the key) could. */
        FUZZ_CHECK(used >= 4 + HZ_FRAME_TAG_LEN && used <= n - off);
        FUZZ_CHECK(got + 4 + HZ_FRAME_TAG_LEN == used);
        off += used;
    }
}

static void sealed_frames(const uint8_t *p, size_t n)
{
    struct chan tx, rx;
    chans(&tx, &rx);
    struct enc w;
    enc_init(&w);
    size_t off = 0;
    while (off < n) {
        size_t len = p[off] < n - off - 1 ? p[off] : n - off - 1;
        FUZZ_CHECK(chan_seal(&tx, p + off + 1, len, &w, NULL) == 0);
        off += 1 + len;
    }
    size_t at = 0, frames = 0;
    off = 0;
    while (at < enc_len(&w)) {
        size_t used = 0, got = 0;
        FUZZ_CHECK(chan_open(&rx, enc_data(&w) + at, enc_len(&w) - at, &used,
                             plain, &got, NULL) == 0);
        size_t len = p[off] < n - off - 1 ? p[off] : n - off - 1;
        FUZZ_CHECK(got == len && memcmp(plain, p + off + 1, len) == 0);
        off += 1 + len;
        at += used;
        frames++;
    }
    FUZZ_CHECK(frames == tx.tx_n && rx.rx_n == tx.tx_n);
    enc_close(&w);
}

/* A zentries message opens to a list within the entries message's
 * limits, or is refused with a listed code; a list that opened, sent
 * again by our encoder, opens to the same entries (a prev restored is
 * left off and restored alike). */
static void zentries_roundtrip(const struct sync_msg *m)
{
    struct sync_zstd z = {0}, z2 = {0};
    struct sync_msg list;
    struct hz_err err = {0};
    int rv = sync_zentries_open(&z, m, &list, &err);
    if (rv != 0) {
        FUZZ_CODES("zentries", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG);
        sync_zstd_free(&z);
        return;
    }
    FUZZ_CHECK(list.type == SYNC_ENTRIES && list.count >= 1);
    const uint8_t **ep = calloc(list.count, sizeof *ep);
    size_t *el = calloc(list.count, sizeof *el);
    FUZZ_CHECK(ep != NULL && el != NULL);
    for (size_t i = 0; i < list.count; i++) {
        sync_msg_entry(&list, i, &ep[i], &el[i]);
        FUZZ_CHECK(el[i] <= HZ_ENTRY_LEN_MAX);
    }
    struct enc again;
    enc_init(&again);
    bool smaller;
    FUZZ_CHECK(
        sync_zentries_encode(&z2, ep, el, list.count, &smaller, &again) == 0);
    struct sync_msg m2, list2;
    FUZZ_CHECK(sync_msg_decode(&m2, enc_data(&again), enc_len(&again),
                               HZ_SYNC_VERSION, &err) == 0);
    if (smaller) {
        FUZZ_CHECK(sync_zentries_open(&z2, &m2, &list2, &err) == 0);
    } else {
        FUZZ_CHECK(m2.type == SYNC_ENTRIES);
        list2 = m2;
        memset(&m2, 0, sizeof m2);
    }
    FUZZ_CHECK(list2.count == list.count);
    for (size_t i = 0; i < list.count; i++) {
        const uint8_t *q;
        size_t ql;
        sync_msg_entry(&list2, i, &q, &ql);
        FUZZ_CHECK(ql == el[i] && memcmp(q, ep[i], ql) == 0);
    }
    sync_msg_close(&list2);
    if (smaller)
        sync_msg_close(&m2);
    enc_close(&again);
    free(ep);
    free(el);
    sync_msg_close(&list);
    sync_zstd_free(&z);
    sync_zstd_free(&z2);
}

static void session_messages(const uint8_t *p, size_t n)
{
    struct sync_order o = {0};
    size_t off = 0;
    while (off < n) {
        size_t len = p[off] < n - off - 1 ? p[off] : n - off - 1;
        const uint8_t *m = p + off + 1;
        off += 1 + len;
        struct sync_msg msg;
        struct hz_err err = {0};
        int rv = sync_msg_decode(&msg, m, len, o.hello ? o.version : 0, &err);
        if (rv != 0) {
            FUZZ_CODES("sync message", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG);
            continue;
        }
        struct enc e;
        enc_init(&e);
        if (msg.type == SYNC_HELLO) {
            enc_array(&e, 2);
            enc_uint(&e, SYNC_HELLO);
            enc_uint(&e, msg.version);
            FUZZ_CHECK(enc_done(&e) == 0 && enc_len(&e) == len &&
                       memcmp(enc_data(&e), m, len) == 0);
        } else if (msg.type == SYNC_DONE) {
            FUZZ_CHECK(sync_done_encode(&e) == 0 && enc_len(&e) == len &&
                       memcmp(enc_data(&e), m, len) == 0);
        } else if (msg.type == SYNC_KEEPALIVE) {
            FUZZ_CHECK(sync_keepalive_encode(&e) == 0 && enc_len(&e) == len &&
                       memcmp(enc_data(&e), m, len) == 0);
        }
        enc_close(&e);
        if (msg.type == SYNC_ZENTRIES)
            zentries_roundtrip(&msg);
        bool had_hello = o.hello;
        uint64_t dones = o.dones;
        /* As if this side answered every round at once and sent one of
         * its own for every round of the peer's. */
        rv = sync_order_take(&o, &msg, o.rounds, o.rounds, &err);
        if (rv == 0 && msg.type == SYNC_DONE)
            FUZZ_CHECK(o.dones == dones + 1 && o.dones <= o.rounds);
        if (rv == 0 && msg.type != SYNC_UNKNOWN && msg.type != SYNC_HELLO)
            FUZZ_CHECK(had_hello);
        if (rv == 0 && msg.type == SYNC_HELLO)
            FUZZ_CHECK(!had_hello && o.version >= 1 &&
                       o.version <= HZ_SYNC_VERSION);
        if (rv != 0)
            FUZZ_CODES("sync order", rv, &err, HZ_EMALFORMED, HZ_ETOOBIG);
        sync_msg_close(&msg);
    }
}

/* ---- mode 5: a whole server session */

/* The server's store: two authors of its own, three entries to give in
 * each round, then one pushed; ingest counts. */
struct fake {
    int in_round, given, pushed;
    unsigned long took;
};

static int fake_judge(void *ctx, const uint8_t *key, const uint8_t *chain,
                      size_t len, struct hz_err *err)
{
    (void)ctx;
    (void)chain;
    (void)len;
    (void)err;
    FUZZ_CHECK(memcmp(key, client.pk, 32) == 0);
    return 0;
}

static int fake_vector(void *ctx,
                       int (*emit)(void *s, const struct sync_has *h,
                                   struct hz_err *err),
                       void *s, struct hz_err *err)
{
    (void)ctx;
    for (uint8_t a = 1; a <= 2; a++) {
        struct sync_has h = {{a}, 3, {a}};
        int rv = emit(s, &h, err);
        if (rv != 0)
            return rv;
    }
    return 0;
}

static int fake_round(void *ctx, const struct sync_has *has, size_t n_has,
                      struct hz_err *err)
{
    (void)err;
    for (size_t i = 1; i < n_has; i++)
        FUZZ_CHECK(memcmp(has[i - 1].author, has[i].author, 32) < 0);
    struct fake *f = ctx;
    f->in_round = 1;
    f->given = 0;
    return 0;
}

static int fake_next(void *ctx, sync_emit_fn emit, void *s, bool *round_done,
                     struct hz_err *err)
{
    struct fake *f = ctx;
    static uint8_t bytes[300];
    memset(bytes, 0xe7, sizeof bytes);
    *round_done = false;
    while (f->in_round && f->given < 3) {
        uint8_t author[32] = {(uint8_t)(1 + f->given % 2)};
        struct sync_item it = {author, (uint64_t)f->given + 1,     true, false,
                               bytes,  100 + (size_t)f->given * 50};
        int rv = emit(s, &it, err);
        if (rv == SYNC_FULL)
            return 0;
        if (rv != 0)
            return rv;
        f->given++;
    }
    if (f->in_round) {
        f->in_round = 0;
        *round_done = true;
        return 0;
    }
    if (f->pushed < 1) {
        uint8_t author[32] = {3};
        struct sync_item it = {author, 1, true, true, bytes, 64 + 1};
        int rv = emit(s, &it, err);
        if (rv == 0)
            f->pushed++;
        return rv == SYNC_FULL ? 0 : rv;
    }
    return 0;
}

static int fake_ingest(void *ctx, size_t count, const uint8_t *const *p,
                       const size_t *len, struct sync_from *from,
                       struct hz_err *err)
{
    (void)err;
    (void)from; /* left undecoded: the session raises nothing */
    struct fake *f = ctx;
    for (size_t i = 0; i < count; i++)
        FUZZ_CHECK(p[i] != NULL && len[i] > 0);
    f->took += count;
    return 0;
}

static void check_session_rv(int rv, const struct hz_err *err)
{
    if (rv != 0)
        FUZZ_CODES("session", rv, err, HZ_EMALFORMED, HZ_ETOOBIG, HZ_EBADSIG,
                   HZ_EINVAL);
}

static void whole_session(const uint8_t *p, size_t n)
{
    struct fake f = {0};
    struct sync_io io = {&f,         fake_judge, fake_vector,
                         fake_round, fake_next,  fake_ingest};
    struct enc to_c, to_s, scratch;
    enc_init(&to_c);
    enc_init(&to_s);
    enc_init(&scratch);
    static struct hs c;
    struct sync_sess *s = NULL;
    uint8_t seed_c[32] = {0xce}, seed_s[32] = {0x5e};
    uint64_t now = 1000;
    FUZZ_CHECK(
        hs_start(&c, HS_CLIENT, net_k, &client.self, seed_c, &to_s, NULL) == 0);
    FUZZ_CHECK(sync_sess_new(&s, HS_SERVER, net_k, &server.self, seed_s, &io,
                             now, &to_c, NULL) == 0);
    /* The handshake, honestly: msg1, msg2, msg3, msg4. */
    size_t used = 0;
    FUZZ_CHECK(sync_sess_feed(s, enc_data(&to_s), enc_len(&to_s), now, &to_c,
                              NULL) == 0);
    enc_reset(&to_s);
    FUZZ_CHECK(hs_feed(&c, enc_data(&to_c), enc_len(&to_c), &used, &to_s,
                       NULL) == HS_MORE);
    enc_reset(&to_c);
    FUZZ_CHECK(sync_sess_feed(s, enc_data(&to_s), enc_len(&to_s), now, &to_c,
                              NULL) == 0);
    enc_reset(&to_s);
    FUZZ_CHECK(sync_sess_open(s));
    /* msg4 first in what the server sent; its frames after it are not
     * read here. */
    FUZZ_CHECK(hs_feed(&c, enc_data(&to_c), enc_len(&to_c), &used, &scratch,
                       NULL) == HS_PEER);
    FUZZ_CHECK(hs_accept(&c, &scratch, NULL) == HS_DONE);
    struct chan ch;
    chan_init(&ch, &c);
    size_t room = n > 0 ? (size_t)1 << (p[0] % 22) : 4096;
    size_t off = n > 0 ? 1 : 0;
    int rv = 0;
    while (rv == 0 && off < n) {
        size_t len = p[off] < n - off - 1 ? p[off] : n - off - 1;
        const uint8_t *m = p + off + 1;
        off += 1 + len;
        enc_reset(&to_s);
        FUZZ_CHECK(chan_seal(&ch, m, len, &to_s, NULL) == 0);
        enc_reset(&to_c);
        struct hz_err err = {0};
        rv = sync_sess_feed(s, enc_data(&to_s), enc_len(&to_s), now, &to_c,
                            &err);
        check_session_rv(rv, &err);
        if (rv != 0) {
            FUZZ_CHECK(enc_len(&to_c) == 0);
            break;
        }
        now += 7000; /* keepalives, and in time new rounds */
        enc_reset(&to_c);
        rv = sync_sess_pump(s, now, room, &to_c, &err);
        check_session_rv(rv, &err);
        FUZZ_CHECK(enc_len(&to_c) <= room + HZ_FRAME_PLAIN_MAX + 64);
    }
    sync_sess_free(s);
    hs_wipe(&c);
    sodium_memzero(&ch, sizeof ch);
    enc_close(&to_c);
    enc_close(&to_s);
    enc_close(&scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    switch (data[0] % 6) {
    case 0:
        raw_handshake(p, n);
        break;
    case 1:
        boxed_proof(p, n);
        break;
    case 2:
        raw_frames(p, n);
        break;
    case 3:
        sealed_frames(p, n);
        break;
    case 4:
        session_messages(p, n);
        break;
    default:
        whole_session(p, n);
        break;
    }
    return 0;
}
