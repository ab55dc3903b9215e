/* gen_handshake.c - proto/vectors/handshake.json: the live-sync channel
 * (proto/sync.md, "Handshake", "Frames").
 *
 * One handshake between two members with fixed device keys, chains, key
 * share seeds and network secret: its four messages, the session keys,
 * three frames, and two refusals (a hello keyed by another secret, a
 * proof with one byte flipped). */
#include "gen_sync.h"

#include <sodium.h>

static void side_make(struct hs_side *s, uint8_t b, const char *chain)
{
    memset(s->seed, b, sizeof s->seed);
    memset(s->share, (uint8_t)(b ^ 0x5a), sizeof s->share);
    crypto_sign_seed_keypair(s->pk, s->sk, s->seed);
    s->chain_len = strlen(chain);
    if (s->chain_len > sizeof s->chain)
        die("chain too long");
    memcpy(s->chain, chain, s->chain_len);
    s->self = (struct hs_self){s->pk, s->sk, s->chain, s->chain_len};
}

void hs_net_secret(uint8_t net[HZ_HS_KEY_LEN])
{
    for (size_t i = 0; i < HZ_HS_KEY_LEN; i++)
        net[i] = (uint8_t)(0x40 + i);
}

void hs_sides(struct hs_side *client, struct hs_side *server)
{
    side_make(client, 0xa1, "client chain (opaque)");
    side_make(server, 0xb2, "server chain (opaque)");
}

json_t *side_json(const struct hs_side *s)
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
    if (rv != want || used != enc_len(in))
        die("handshake %s: %d (%s)", what, rv, err.msg);
}

void hs_run(const uint8_t *net, const struct hs_side *a,
            const struct hs_side *b, struct hs *c, struct hs *s,
            struct enc m[4])
{
    struct enc none;
    enc_init(&none);
    check(hs_start(c, HS_CLIENT, net, &a->self, a->share, &m[0], NULL), NULL,
          "client start");
    check(hs_start(s, HS_SERVER, net, &b->self, b->share, &m[1], NULL), NULL,
          "server start");
    feed(s, &m[0], &m[1], HS_MORE, "msg1");
    feed(c, &m[1], &m[2], HS_MORE, "msg2");
    feed(s, &m[2], &m[3], HS_PEER, "msg3");
    if (hs_accept(s, &m[3], NULL) != HS_DONE)
        die("server accept");
    feed(c, &m[3], &none, HS_PEER, "msg4");
    if (hs_accept(c, &none, NULL) != HS_DONE || enc_len(&none) != 0)
        die("client accept");
    enc_close(&none);
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

void hs_record(json_t *root, const struct enc m[4], const struct hs *c,
               const struct hs *s)
{
    static const char *const names[] = {"msg1", "msg2", "msg3", "msg4"};
    for (size_t i = 0; i < 4; i++)
        json_object_set_new(root, names[i],
                            hex_json(enc_data(&m[i]), enc_len(&m[i])));
    json_object_set_new(root, "c2s", hex_json(c->tx_key, HZ_HS_KEY_LEN));
    json_object_set_new(root, "s2c", hex_json(s->tx_key, HZ_HS_KEY_LEN));
}

json_t *gen_handshake(struct gen *g)
{
    (void)g;
    uint8_t net[HZ_HS_KEY_LEN];
    hs_net_secret(net);
    struct hs_side a, b;
    hs_sides(&a, &b);
    struct hs c, s;
    struct enc m[4];
    for (size_t i = 0; i < N(m); i++)
        enc_init(&m[i]);
    hs_run(net, &a, &b, &c, &s, m);

    json_t *root = file_root(
        "proto/sync.md: one handshake between two members (fixed device "
        "keys, chains, key share seeds and network secret), its four "
        "messages and session keys, frames each way, and refusals.");
    json_object_set_new(root, "network_secret", hex_json(net, sizeof net));
    json_object_set_new(root, "client", side_json(&a));
    json_object_set_new(root, "server", side_json(&b));
    hs_record(root, m, &c, &s);

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
    uint8_t *flip = malloc(enc_len(&m[2]));
    if (flip == NULL)
        die("out of memory");
    memcpy(flip, enc_data(&m[2]), enc_len(&m[2]));
    flip[enc_len(&m[2]) - 1] ^= 0x01;
    r = json_object();
    json_object_set_new(r, "what",
                        json_string("msg3 with its last byte flipped, after "
                                    "msg1"));
    json_object_set_new(r, "to", json_string("server"));
    json_object_set_new(r, "message", hex_json(flip, enc_len(&m[2])));
    json_object_set_new(r, "code", json_string("HZ_EBADSIG"));
    json_array_append_new(refused, r);
    free(flip);
    json_object_set_new(root, "refused", refused);
    hs_wipe(&c);
    hs_wipe(&s);
    enc_close(&xm);
    for (size_t i = 0; i < N(m); i++)
        enc_close(&m[i]);
    return root;
}
