/* gen_handshake.c - proto/vectors/handshake.json: the live-sync channel
 * (proto/sync.md, "Handshake", "Frames").
 *
 * One handshake between two members with fixed device keys, chains, key
 * share seeds and network secret: its four messages, the session keys,
 * three frames, and two refusals (a hello keyed by another secret, a
 * proof with one byte flipped). */
#include "gen_common.h"

#include "core/channel.h"

#include <sodium.h>

struct hs_side {
    uint8_t seed[32], pk[32], sk[64], share[32];
    uint8_t chain[24];
    size_t chain_len;
    struct hs_self self;
};

static void side_make(struct hs_side *s, uint8_t b, const char *chain)
{
    memset(s->seed, b, sizeof s->seed);
    memset(s->share, (uint8_t)(b ^ 0x5a), sizeof s->share);
    crypto_sign_seed_keypair(s->pk, s->sk, s->seed);
    s->chain_len = strlen(chain);
    memcpy(s->chain, chain, s->chain_len);
    s->self = (struct hs_self){s->pk, s->sk, s->chain, s->chain_len};
}

static json_t *side_json(const struct hs_side *s)
{
    json_t *j = json_object();
    json_object_set_new(j, "seed", hex_json(s->seed, 32));
    json_object_set_new(j, "key", hex_json(s->pk, 32));
    json_object_set_new(j, "chain", hex_json(s->chain, s->chain_len));
    json_object_set_new(j, "share_seed", hex_json(s->share, 32));
    return j;
}

static void feed(struct hs *h, const struct enc *in, struct enc *out, int want,
                 const char *what)
{
    size_t used = 0;
    struct hz_err err = {0};
    int rv = hs_feed(h, enc_data(in), enc_len(in), &used, out, &err);
    if (rv != want)
        die("handshake %s: %d (%s)", what, rv, err.msg);
}

static json_t *frame_json(struct chan *c, const char *from, const char *text)
{
    struct enc f;
    enc_init(&f);
    check(chan_seal(c, (const uint8_t *)text, strlen(text), &f, NULL), NULL,
          "frame");
    json_t *j = json_object();
    json_object_set_new(j, "from", json_string(from));
    json_object_set_new(j, "counter", json_integer((json_int_t)(c->tx_n - 1)));
    json_object_set_new(j, "plain", hex_json(text, strlen(text)));
    json_object_set_new(j, "frame", hex_json(enc_data(&f), enc_len(&f)));
    enc_close(&f);
    return j;
}

json_t *gen_handshake(struct gen *g)
{
    (void)g;
    uint8_t net[HZ_HS_KEY_LEN];
    for (size_t i = 0; i < sizeof net; i++)
        net[i] = (uint8_t)(0x40 + i);
    struct hs_side a, b;
    side_make(&a, 0xa1, "client chain (opaque)");
    side_make(&b, 0xb2, "server chain (opaque)");
    struct hs c, s;
    struct enc m1, m2, m3, m4, none;
    enc_init(&m1);
    enc_init(&m2);
    enc_init(&m3);
    enc_init(&m4);
    enc_init(&none);
    check(hs_start(&c, HS_CLIENT, net, &a.self, a.share, &m1, NULL), NULL,
          "client start");
    check(hs_start(&s, HS_SERVER, net, &b.self, b.share, &m2, NULL), NULL,
          "server start");
    feed(&s, &m1, &m2, HS_MORE, "msg1");
    feed(&c, &m2, &m3, HS_MORE, "msg2");
    feed(&s, &m3, &m4, HS_PEER, "msg3");
    if (hs_accept(&s, &m4, NULL) != HS_DONE)
        die("server accept");
    feed(&c, &m4, &none, HS_PEER, "msg4");
    if (hs_accept(&c, &none, NULL) != HS_DONE)
        die("client accept");

    json_t *root = file_root(
        "proto/sync.md: one handshake between two members (fixed device "
        "keys, chains, key share seeds and network secret), its four "
        "messages and session keys, frames each way, and refusals.");
    json_object_set_new(root, "network_secret", hex_json(net, sizeof net));
    json_object_set_new(root, "client", side_json(&a));
    json_object_set_new(root, "server", side_json(&b));
    json_object_set_new(root, "msg1", hex_json(enc_data(&m1), enc_len(&m1)));
    json_object_set_new(root, "msg2", hex_json(enc_data(&m2), enc_len(&m2)));
    json_object_set_new(root, "msg3", hex_json(enc_data(&m3), enc_len(&m3)));
    json_object_set_new(root, "msg4", hex_json(enc_data(&m4), enc_len(&m4)));
    json_object_set_new(root, "c2s", hex_json(c.tx_key, HZ_HS_KEY_LEN));
    json_object_set_new(root, "s2c", hex_json(s.tx_key, HZ_HS_KEY_LEN));

    struct chan cc, cs;
    chan_init(&cc, &c);
    chan_init(&cs, &s);
    json_t *frames = json_array();
    json_array_append_new(frames, frame_json(&cc, "client", "[1, \"hello\"]"));
    json_array_append_new(frames, frame_json(&cs, "server", "互助"));
    json_array_append_new(frames, frame_json(&cc, "client", ""));
    json_object_set_new(root, "frames", frames);

    /* Refusals: msg1 of a client keyed by another secret; msg3 with its
     * last byte flipped, to a server that took msg1. */
    json_t *refused = json_array();
    uint8_t other[HZ_HS_KEY_LEN];
    memcpy(other, net, sizeof other);
    other[0] ^= 0x01;
    struct hs x;
    struct enc xm;
    enc_init(&xm);
    check(hs_start(&x, HS_CLIENT, other, &a.self, a.share, &xm, NULL), NULL,
          "outsider start");
    json_t *r = json_object();
    json_object_set_new(r, "what",
                        json_string("msg1 keyed by another secret"
                                    " (its first byte flipped)"));
    json_object_set_new(r, "other_secret", hex_json(other, sizeof other));
    json_object_set_new(r, "to", json_string("server"));
    json_object_set_new(r, "message", hex_json(enc_data(&xm), enc_len(&xm)));
    json_object_set_new(r, "code", json_string("HZ_ENETWORK"));
    json_array_append_new(refused, r);
    uint8_t *flip = malloc(enc_len(&m3));
    if (flip == NULL)
        die("out of memory");
    memcpy(flip, enc_data(&m3), enc_len(&m3));
    flip[enc_len(&m3) - 1] ^= 0x01;
    r = json_object();
    json_object_set_new(r, "what",
                        json_string("msg3 with its last byte flipped, after "
                                    "msg1"));
    json_object_set_new(r, "to", json_string("server"));
    json_object_set_new(r, "message", hex_json(flip, enc_len(&m3)));
    json_object_set_new(r, "code", json_string("HZ_EBADSIG"));
    json_array_append_new(refused, r);
    free(flip);
    json_object_set_new(root, "refused", refused);
    hs_wipe(&c);
    hs_wipe(&s);
    enc_close(&xm);
    enc_close(&m1);
    enc_close(&m2);
    enc_close(&m3);
    enc_close(&m4);
    enc_close(&none);
    return root;
}
