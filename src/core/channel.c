/* channel.c - the live-sync handshake and frames (channel.h;
 * proto/sync.md). Every key is a BLAKE2b-256 keyed with the network
 * secret over a label and what came before, so nothing of a session can
 * be computed without the secret and both key shares. */
#include "channel.h"

#include "error_int.h"
#include "limits.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

enum {
    ST_NONE,
    C_WAIT2, /* client: msg1 sent */
    C_WAIT4, /* client: msg3 sent */
    C_PEER,  /* client: msg4 proved the server */
    S_WAIT1, /* server: waiting for msg1 */
    S_WAIT3, /* server: msg2 sent */
    S_PEER,  /* server: msg3 proved the client */
    ST_DONE,
    ST_FAILED,
};

static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES];

/* BLAKE2b-256 keyed with the network secret over @label and up to three
 * parts (NULL ends them). */
static void mac(const struct hs *h, const char *label, const uint8_t *p1,
                size_t l1, const uint8_t *p2, size_t l2, const uint8_t *p3,
                size_t l3, uint8_t out[HZ_HASH_LEN])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, h->net, HZ_HS_KEY_LEN, HZ_HASH_LEN);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    if (p1 != NULL)
        crypto_generichash_update(&st, p1, l1);
    if (p2 != NULL)
        crypto_generichash_update(&st, p2, l2);
    if (p3 != NULL)
        crypto_generichash_update(&st, p3, l3);
    crypto_generichash_final(&st, out, HZ_HASH_LEN);
}

static int fail(struct hs *h, struct hz_err *err, int code, const char *what)
{
    h->state = ST_FAILED;
    return hz_err_set(err, code, "handshake: %s", what);
}

int hs_start(struct hs *h, enum hs_role role, const uint8_t *net_secret,
             const struct hs_self *self, const uint8_t *seed, struct enc *out,
             struct hz_err *err)
{
    memset(h, 0, sizeof *h);
    if (self->chain_len > HZ_HS_CHAIN_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "handshake: own chain");
    h->role = role;
    memcpy(h->net, net_secret, HZ_HS_KEY_LEN);
    h->self = *self;
    /* The share's secret is the seed hashed: a seed never serves twice. */
    crypto_generichash(h->eph_sk, sizeof h->eph_sk, seed, 32,
                       (const uint8_t *)"huzhu hs share v1", 17);
    crypto_scalarmult_base(h->eph_pk, h->eph_sk);
    if (role == HS_SERVER) {
        h->state = S_WAIT1;
        return 0;
    }
    uint8_t tag[HZ_HASH_LEN];
    mac(h, "huzhu hs1 v1", h->eph_pk, 32, NULL, 0, NULL, 0, tag);
    enc_raw(out, h->eph_pk, 32);
    enc_raw(out, tag, sizeof tag);
    /* T2 needs msg1 as sent: keep it where msg2 will not overwrite it. */
    memcpy(h->plain, h->eph_pk, 32);
    memcpy(h->plain + 32, tag, sizeof tag);
    h->state = C_WAIT2;
    return enc_done(out);
}

/* Gather the next message into h->buf: a hello of 64 bytes, or a proof
 * (u32 length, then that many bytes). 1 while incomplete. */
static int gather(struct hs *h, bool proof, const uint8_t *in, size_t len,
                  size_t *used, struct hz_err *err)
{
    size_t need = HZ_HS_HELLO_LEN;
    for (;;) {
        if (proof) {
            need = 4;
            if (h->have >= 4) {
                size_t l = (size_t)h->buf[0] << 24 | (size_t)h->buf[1] << 16 |
                           (size_t)h->buf[2] << 8 | h->buf[3];
                if (l > HZ_HS_PROOF_MAX + crypto_secretbox_MACBYTES ||
                    l < crypto_secretbox_MACBYTES)
                    return fail(h, err, HZ_ETOOBIG, "proof length");
                need = 4 + l;
            }
        }
        if (h->have >= need)
            return 0;
        if (*used == len)
            return 1;
        size_t take = need - h->have;
        if (take > len - *used)
            take = len - *used;
        memcpy(h->buf + h->have, in + *used, take);
        h->have += take;
        *used += take;
    }
}

/* The hello in h->buf: its tag must be @tag (else it was not made with
 * this network's secret); then the shared secret from its share. */
static int take_share(struct hs *h, const uint8_t *tag, struct hz_err *err)
{
    if (sodium_memcmp(tag, h->buf + 32, HZ_HASH_LEN) != 0)
        return fail(h, err, HZ_ENETWORK, "not keyed by this network");
    memcpy(h->peer_eph, h->buf, 32);
    /* A peer share of small order gives all zeros: refused. */
    if (crypto_scalarmult(h->shared, h->eph_sk, h->peer_eph) != 0)
        return fail(h, err, HZ_EBADSIG, "key share");
    return 0;
}

/* What a proof's signature covers: @label || the transcript hash. */
#define SIGNED_MAX (32u + HZ_HASH_LEN)
static size_t signed_input(const struct hs *h, const char *label,
                           uint8_t out[SIGNED_MAX])
{
    size_t ll = strlen(label);
    HZ_ASSERT(ll <= 32u);
    memcpy(out, label, ll);
    memcpy(out + ll, h->t, HZ_HASH_LEN);
    return ll + HZ_HASH_LEN;
}

/* [key, chain, sig] of this side, boxed under @key, appended to @out with
 * its length; the whole message into h->buf for the transcript. */
static int send_proof(struct hs *h, const char *sig_label, const uint8_t *key,
                      struct enc *out, size_t *msg_len, struct hz_err *err)
{
    uint8_t sig[crypto_sign_BYTES];
    uint8_t signed_msg[SIGNED_MAX];
    size_t sl = signed_input(h, sig_label, signed_msg);
    crypto_sign_detached(sig, NULL, signed_msg, sl, h->self.sk);
    struct enc p;
    enc_init(&p);
    enc_array(&p, 3);
    enc_bin(&p, h->self.pk, HZ_KEY_LEN);
    enc_bin(&p, h->self.chain, h->self.chain_len);
    enc_bin(&p, sig, sizeof sig);
    int rv = enc_done(&p);
    size_t box_len = enc_len(&p) + crypto_secretbox_MACBYTES;
    if (rv == 0 && box_len > sizeof h->buf - 4)
        rv = hz_err_set(err, HZ_ETOOBIG, "handshake: own proof");
    if (rv == 0) {
        uint8_t *m = h->buf;
        m[0] = (uint8_t)(box_len >> 24);
        m[1] = (uint8_t)(box_len >> 16);
        m[2] = (uint8_t)(box_len >> 8);
        m[3] = (uint8_t)box_len;
        crypto_secretbox_easy(m + 4, enc_data(&p), enc_len(&p), zero_nonce,
                              key);
        *msg_len = 4 + box_len;
        enc_raw(out, m, *msg_len);
        rv = enc_done(out);
    }
    enc_close(&p);
    sodium_memzero(signed_msg, sizeof signed_msg);
    return rv;
}

/* Open the proof in h->buf with @key and check its signature over
 * @sig_label || h->t: the peer's key and chain are set. */
static int open_proof(struct hs *h, const char *sig_label, const uint8_t *key,
                      struct hz_err *err)
{
    size_t box_len = h->have - 4;
    size_t plain_len = box_len - crypto_secretbox_MACBYTES;
    if (crypto_secretbox_open_easy(h->plain, h->buf + 4, box_len, zero_nonce,
                                   key) != 0)
        return fail(h, err, HZ_EBADSIG, "proof does not open");
    msgpack_unpacked u;
    if (mp_unpack(&u, h->plain, plain_len, NULL) != 0)
        return fail(h, err, HZ_EMALFORMED, "proof");
    const msgpack_object *o = &u.data;
    const msgpack_object *a =
        o->type == MSGPACK_OBJECT_ARRAY && o->via.array.size == 3
            ? o->via.array.ptr
            : NULL;
    bool ok = a != NULL && a[0].type == MSGPACK_OBJECT_BIN &&
              a[0].via.bin.size == HZ_KEY_LEN &&
              a[1].type == MSGPACK_OBJECT_BIN &&
              a[1].via.bin.size <= HZ_HS_CHAIN_MAX &&
              a[2].type == MSGPACK_OBJECT_BIN &&
              a[2].via.bin.size == crypto_sign_BYTES;
    uint8_t sig[crypto_sign_BYTES];
    const uint8_t *chain = NULL;
    size_t chain_len = 0;
    if (ok) {
        memcpy(h->peer_key, a[0].via.bin.ptr, HZ_KEY_LEN);
        chain = (const uint8_t *)a[1].via.bin.ptr;
        chain_len = a[1].via.bin.size;
        memcpy(sig, a[2].via.bin.ptr, sizeof sig);
    }
    msgpack_unpacked_destroy(&u);
    if (!ok)
        return fail(h, err, HZ_EMALFORMED, "proof fields");
    /* One form only: the bytes must be what this side would encode. */
    struct enc p;
    enc_init(&p);
    enc_array(&p, 3);
    enc_bin(&p, h->peer_key, HZ_KEY_LEN);
    enc_bin(&p, chain, chain_len);
    enc_bin(&p, sig, sizeof sig);
    ok = enc_done(&p) == 0 && enc_len(&p) == plain_len &&
         memcmp(enc_data(&p), h->plain, plain_len) == 0;
    enc_close(&p);
    if (!ok)
        return fail(h, err, HZ_EMALFORMED, "proof not in its one form");
    uint8_t signed_msg[SIGNED_MAX];
    size_t sl = signed_input(h, sig_label, signed_msg);
    if (crypto_sign_verify_detached(sig, signed_msg, sl, h->peer_key) != 0)
        return fail(h, err, HZ_EBADSIG, "proof signature");
    /* The chain stays in h->plain until hs_accept. */
    h->peer_chain = chain;
    h->peer_chain_len = chain_len;
    return 0;
}

static void session_keys(struct hs *h)
{
    uint8_t c2s[HZ_HASH_LEN], s2c[HZ_HASH_LEN];
    mac(h, "huzhu c2s v1", h->shared, 32, h->t, HZ_HASH_LEN, NULL, 0, c2s);
    mac(h, "huzhu s2c v1", h->shared, 32, h->t, HZ_HASH_LEN, NULL, 0, s2c);
    memcpy(h->tx_key, h->role == HS_CLIENT ? c2s : s2c, HZ_HS_KEY_LEN);
    memcpy(h->rx_key, h->role == HS_CLIENT ? s2c : c2s, HZ_HS_KEY_LEN);
    sodium_memzero(c2s, sizeof c2s);
    sodium_memzero(s2c, sizeof s2c);
    h->state = ST_DONE;
}

/* This side's proof: boxed under mac(@key_label, s, T), signed with
 * @sig_label over T, sent; then T becomes mac(@t_label, T, the proof). */
static int prove(struct hs *h, const char *key_label, const char *sig_label,
                 const char *t_label, struct enc *out, struct hz_err *err)
{
    uint8_t k[HZ_HASH_LEN], t[HZ_HASH_LEN];
    mac(h, key_label, h->shared, 32, h->t, HZ_HASH_LEN, NULL, 0, k);
    size_t len = 0;
    int rv = send_proof(h, sig_label, k, out, &len, err);
    sodium_memzero(k, sizeof k);
    if (rv != 0)
        return rv;
    mac(h, t_label, h->t, HZ_HASH_LEN, h->buf, len, NULL, 0, t);
    memcpy(h->t, t, HZ_HASH_LEN);
    return 0;
}

/* Server: msg1 arrived. */
static int on_msg1(struct hs *h, struct enc *out, struct hz_err *err)
{
    uint8_t tag[HZ_HASH_LEN];
    mac(h, "huzhu hs1 v1", h->buf, 32, NULL, 0, NULL, 0, tag);
    int rv = take_share(h, tag, err);
    if (rv != 0)
        return rv;
    uint8_t msg2[HZ_HS_HELLO_LEN];
    memcpy(msg2, h->eph_pk, 32);
    mac(h, "huzhu hs2 v1", h->peer_eph, 32, h->eph_pk, 32, NULL, 0, msg2 + 32);
    mac(h, "huzhu hs t2 v1", h->buf, HZ_HS_HELLO_LEN, msg2, sizeof msg2, NULL,
        0, h->t);
    enc_raw(out, msg2, sizeof msg2);
    h->state = S_WAIT3;
    return enc_done(out);
}

/* Client: msg2 arrived; msg1 is in h->plain. */
static int on_msg2(struct hs *h, struct enc *out, struct hz_err *err)
{
    uint8_t tag[HZ_HASH_LEN];
    mac(h, "huzhu hs2 v1", h->eph_pk, 32, h->buf, 32, NULL, 0, tag);
    int rv = take_share(h, tag, err);
    if (rv != 0)
        return rv;
    mac(h, "huzhu hs t2 v1", h->plain, HZ_HS_HELLO_LEN, h->buf, HZ_HS_HELLO_LEN,
        NULL, 0, h->t);
    rv = prove(h, "huzhu hs k3 v1", "huzhu hs client v1", "huzhu hs t3 v1", out,
               err);
    if (rv == 0)
        h->state = C_WAIT4;
    return rv;
}

int hs_feed(struct hs *h, const uint8_t *in, size_t len, size_t *used,
            struct enc *out, struct hz_err *err)
{
    *used = 0;
    int rv;
    switch (h->state) {
    case S_WAIT1:
    case C_WAIT2:
        rv = gather(h, false, in, len, used, err);
        if (rv != 0)
            return rv < 0 ? rv : HS_MORE;
        h->have = 0;
        rv = h->state == S_WAIT1 ? on_msg1(h, out, err) : on_msg2(h, out, err);
        if (rv != 0)
            return rv;
        /* A proof may follow in the same bytes. */
        size_t more = 0;
        rv = hs_feed(h, in + *used, len - *used, &more, out, err);
        *used += more;
        return rv;
    case S_WAIT3:
    case C_WAIT4: {
        rv = gather(h, true, in, len, used, err);
        if (rv != 0)
            return rv < 0 ? rv : HS_MORE;
        uint8_t k[HZ_HASH_LEN];
        if (h->state == S_WAIT3)
            mac(h, "huzhu hs k3 v1", h->shared, 32, h->t, HZ_HASH_LEN, NULL, 0,
                k);
        else
            mac(h, "huzhu hs k4 v1", h->shared, 32, h->t, HZ_HASH_LEN, NULL, 0,
                k);
        rv = open_proof(h,
                        h->state == S_WAIT3 ? "huzhu hs client v1"
                                            : "huzhu hs server v1",
                        k, err);
        sodium_memzero(k, sizeof k);
        if (rv != 0)
            return rv;
        /* The transcript takes the proof as it came. */
        uint8_t t[HZ_HASH_LEN];
        mac(h, h->state == S_WAIT3 ? "huzhu hs t3 v1" : "huzhu hs t4 v1", h->t,
            HZ_HASH_LEN, h->buf, h->have, NULL, 0, t);
        memcpy(h->t, t, HZ_HASH_LEN);
        h->have = 0;
        h->state = h->state == S_WAIT3 ? S_PEER : C_PEER;
        return HS_PEER;
    }
    default:
        return fail(h, err, HZ_EINVAL, "no bytes expected now");
    }
}

int hs_accept(struct hs *h, struct enc *out, struct hz_err *err)
{
    if (h->state == C_PEER) {
        session_keys(h);
        return HS_DONE;
    }
    if (h->state != S_PEER)
        return fail(h, err, HZ_EINVAL, "nothing to accept");
    int rv = prove(h, "huzhu hs k4 v1", "huzhu hs server v1", "huzhu hs t4 v1",
                   out, err);
    if (rv != 0)
        return rv;
    session_keys(h);
    return HS_DONE;
}

void hs_wipe(struct hs *h)
{
    sodium_memzero(h, sizeof *h);
}

/* ---- frames */

void chan_init(struct chan *c, const struct hs *done)
{
    HZ_ASSERT(done->state == ST_DONE);
    memcpy(c->tx_key, done->tx_key, HZ_HS_KEY_LEN);
    memcpy(c->rx_key, done->rx_key, HZ_HS_KEY_LEN);
    c->tx_n = c->rx_n = 0;
}

static void frame_nonce(uint64_t n, uint8_t out[24])
{
    memset(out, 0, 24);
    for (int i = 0; i < 8; i++)
        out[16 + i] = (uint8_t)(n >> (56 - 8 * i));
}

int chan_seal(struct chan *c, const uint8_t *p, size_t len, struct enc *out,
              struct hz_err *err)
{
    if (len > HZ_FRAME_PLAIN_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "frame");
    size_t l = len + HZ_FRAME_TAG_LEN;
    uint8_t hdr[4] = {(uint8_t)(l >> 24), (uint8_t)(l >> 16), (uint8_t)(l >> 8),
                      (uint8_t)l};
    uint8_t nonce[24];
    frame_nonce(c->tx_n++, nonce);
    uint8_t *ct = malloc(l);
    if (ct == NULL)
        return hz_err_set(err, HZ_ENOMEM, "frame");
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        ct, NULL, p, len, hdr, sizeof hdr, NULL, nonce, c->tx_key);
    enc_raw(out, hdr, sizeof hdr);
    enc_raw(out, ct, l);
    free(ct);
    return enc_done(out);
}

int chan_open(struct chan *c, const uint8_t *in, size_t len, size_t *used,
              uint8_t *plain, size_t *plain_len, struct hz_err *err)
{
    *used = 0;
    if (len < 4)
        return 1;
    size_t l =
        (size_t)in[0] << 24 | (size_t)in[1] << 16 | (size_t)in[2] << 8 | in[3];
    if (l > HZ_FRAME_PLAIN_MAX + HZ_FRAME_TAG_LEN || l < HZ_FRAME_TAG_LEN)
        return hz_err_set(err, HZ_ETOOBIG, "frame length %zu", l);
    if (len < 4 + l)
        return 1;
    uint8_t nonce[24];
    frame_nonce(c->rx_n, nonce);
    unsigned long long got = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plain, &got, NULL, in + 4, l, in, 4, nonce, c->rx_key) != 0)
        return hz_err_set(err, HZ_EBADSIG, "frame does not open");
    c->rx_n++;
    *plain_len = (size_t)got;
    *used = 4 + l;
    return 0;
}
