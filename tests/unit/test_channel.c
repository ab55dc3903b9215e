/* test_channel.c - the live-sync handshake and frames (src/core/channel.c;
 * proto/sync.md "Handshake", "Frames"; DECISIONS 33): two members open a
 * channel; an outsider learns nothing identifying and is refused before
 * the answering side shows anything of itself; every byte tampered,
 * replayed or reflected is refused; frames open once, in order, in their
 * own direction only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/channel.h"
#include "core/error_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

struct side {
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
    char chain[32];
    struct hs_self self;
};

static void side_init(struct side *s, uint8_t seed_byte)
{
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, seed_byte, sizeof seed);
    crypto_sign_seed_keypair(s->pk, s->sk, seed);
    snprintf(s->chain, sizeof s->chain, "chain of %02x", seed_byte);
    s->self = (struct hs_self){s->pk, s->sk, (const uint8_t *)s->chain,
                               strlen(s->chain)};
}

static const uint8_t net_k[HZ_HS_KEY_LEN] = {0x4b, 0x4b, 0x4b};

static void seed_of(uint8_t b, uint8_t out[32])
{
    memset(out, b, 32);
}

/* The four messages of one handshake between @a (client) and @b. */
struct run {
    struct hs c, s;
    struct enc m1, m2, m3, m4;
};

/* Seeds of the two key shares: the same for every run unless a test
 * asks otherwise, so that a message of one run is what another run with
 * the same sides would send and accept. */
static uint8_t seed_c = 0xc1, seed_s = 0x51;

static void run_open(struct run *r, const struct side *a, const struct side *b,
                     const uint8_t *kc, const uint8_t *ks)
{
    uint8_t sc[32], ss[32];
    seed_of(seed_c, sc);
    seed_of(seed_s, ss);
    enc_init(&r->m1);
    enc_init(&r->m2);
    enc_init(&r->m3);
    enc_init(&r->m4);
    assert_int_equal(hs_start(&r->c, HS_CLIENT, kc, &a->self, sc, &r->m1, NULL),
                     0);
    assert_int_equal(hs_start(&r->s, HS_SERVER, ks, &b->self, ss, &r->m2, NULL),
                     0);
    assert_int_equal(enc_len(&r->m1), HZ_HS_HELLO_LEN);
    assert_int_equal(enc_len(&r->m2), 0); /* the server speaks second */
}

static void run_close(struct run *r)
{
    enc_close(&r->m1);
    enc_close(&r->m2);
    enc_close(&r->m3);
    enc_close(&r->m4);
}

static int feed_all(struct hs *h, const struct enc *in, struct enc *out,
                    struct hz_err *err)
{
    size_t used = 0;
    int rv = hs_feed(h, enc_data(in), enc_len(in), &used, out, err);
    if (rv >= 0 && rv != HS_MORE)
        assert_int_equal(used, enc_len(in));
    return rv;
}

/* The two members of most tests: a dials, b answers. */
static void members(struct side *a, struct side *b)
{
    side_init(a, 0xa1);
    side_init(b, 0xb2);
}

/* msg1 to the server (msg2 made); with @msg3 also msg2 to the client
 * (msg3 made). */
static void run_to(struct run *r, bool msg3)
{
    assert_int_equal(feed_all(&r->s, &r->m1, &r->m2, NULL), HS_MORE);
    if (msg3)
        assert_int_equal(feed_all(&r->c, &r->m2, &r->m3, NULL), HS_MORE);
}

/* The whole handshake; both sides done. */
static void run_through(struct run *r, const struct side *a,
                        const struct side *b)
{
    assert_int_equal(feed_all(&r->s, &r->m1, &r->m2, NULL), HS_MORE);
    assert_int_equal(enc_len(&r->m2), HZ_HS_HELLO_LEN);
    assert_int_equal(feed_all(&r->c, &r->m2, &r->m3, NULL), HS_MORE);
    assert_int_equal(feed_all(&r->s, &r->m3, &r->m4, NULL), HS_PEER);
    /* The server knows the client; it has sent nothing of itself yet. */
    assert_memory_equal(r->s.peer_key, a->pk, 32);
    assert_int_equal(r->s.peer_chain_len, strlen(a->chain));
    assert_memory_equal(r->s.peer_chain, a->chain, strlen(a->chain));
    assert_int_equal(enc_len(&r->m4), 0);
    assert_int_equal(hs_accept(&r->s, &r->m4, NULL), HS_DONE);
    struct enc none;
    enc_init(&none);
    assert_int_equal(feed_all(&r->c, &r->m4, &none, NULL), HS_PEER);
    assert_memory_equal(r->c.peer_key, b->pk, 32);
    assert_memory_equal(r->c.peer_chain, b->chain, strlen(b->chain));
    assert_int_equal(hs_accept(&r->c, &none, NULL), HS_DONE);
    assert_int_equal(enc_len(&none), 0);
    enc_close(&none);
}

/* @needle nowhere in @hay. */
static void assert_absent(const struct enc *hay, const void *needle, size_t n)
{
    const uint8_t *h = enc_data(hay);
    for (size_t i = 0; i + n <= enc_len(hay); i++)
        assert_false(memcmp(h + i, needle, n) == 0);
}

static void two_members_open_a_channel_and_talk(void **state)
{
    (void)state;
    struct side a, b;
    members(&a, &b);
    struct run r;
    run_open(&r, &a, &b, net_k, net_k);
    run_through(&r, &a, &b);
    assert_memory_equal(r.c.tx_key, r.s.rx_key, HZ_HS_KEY_LEN);
    assert_memory_equal(r.c.rx_key, r.s.tx_key, HZ_HS_KEY_LEN);
    assert_memory_not_equal(r.c.tx_key, r.c.rx_key, HZ_HS_KEY_LEN);
    /* Nothing identifying in clear: no key, chain or network secret in
     * any message. */
    const struct enc *all[] = {&r.m1, &r.m2, &r.m3, &r.m4};
    for (size_t i = 0; i < 4; i++) {
        assert_absent(all[i], a.pk, 32);
        assert_absent(all[i], b.pk, 32);
        assert_absent(all[i], a.chain, strlen(a.chain));
        assert_absent(all[i], b.chain, strlen(b.chain));
        assert_absent(all[i], net_k, 16);
    }
    struct chan cc, cs;
    chan_init(&cc, &r.c);
    chan_init(&cs, &r.s);
    struct enc w;
    enc_init(&w);
    static const char hello[] = "互助 vector [1, 2]";
    assert_int_equal(
        chan_seal(&cc, (const uint8_t *)hello, sizeof hello, &w, NULL), 0);
    assert_int_equal(chan_seal(&cc, (const uint8_t *)"", 0, &w, NULL), 0);
    static uint8_t plain[HZ_FRAME_PLAIN_MAX];
    size_t used, got;
    assert_int_equal(
        chan_open(&cs, enc_data(&w), enc_len(&w), &used, plain, &got, NULL), 0);
    assert_int_equal(got, sizeof hello);
    assert_memory_equal(plain, hello, sizeof hello);
    size_t off = used;
    assert_int_equal(chan_open(&cs, enc_data(&w) + off, enc_len(&w) - off,
                               &used, plain, &got, NULL),
                     0);
    assert_int_equal(got, 0);
    assert_int_equal(off + used, enc_len(&w));
    /* And back. */
    enc_reset(&w);
    assert_int_equal(chan_seal(&cs, (const uint8_t *)"ok", 2, &w, NULL), 0);
    assert_int_equal(
        chan_open(&cc, enc_data(&w), enc_len(&w), &used, plain, &got, NULL), 0);
    assert_memory_equal(plain, "ok", 2);
    enc_close(&w);
    run_close(&r);
}

/* Without the network secret a dialler gets no answer, and an answering
 * side gets no proof: each learns nothing of the other. */
static void an_outsider_is_refused_before_anything_is_shown(void **state)
{
    (void)state;
    struct side a, b;
    members(&a, &b);
    static const uint8_t other_k[HZ_HS_KEY_LEN] = {0x4b, 0x4b, 0x4c};
    struct hz_err err = {0};
    struct run r;
    run_open(&r, &a, &b, other_k, net_k);
    assert_int_equal(feed_all(&r.s, &r.m1, &r.m2, &err), HZ_ENETWORK);
    assert_int_equal(enc_len(&r.m2), 0);
    run_close(&r);

    run_open(&r, &a, &b, net_k, other_k);
    assert_int_equal(feed_all(&r.s, &r.m1, &r.m2, NULL), HZ_ENETWORK);
    run_close(&r);
    /* An outsider answering a member's dial: msg2 under another secret. */
    run_open(&r, &a, &b, net_k, net_k);
    struct hs fake;
    struct enc m2;
    enc_init(&m2);
    uint8_t s[32];
    seed_of(0x66, s);
    assert_int_equal(hs_start(&fake, HS_SERVER, other_k, &b.self, s, &m2, NULL),
                     0);
    /* The fake keys msg1 with its secret: it cannot read a member's. */
    assert_int_equal(feed_all(&fake, &r.m1, &m2, NULL), HZ_ENETWORK);
    run_close(&r);
    enc_close(&m2);
}

/* A peer whose chain the caller refuses (a revoked or unknown device)
 * has proved its key and learns nothing: no msg4 exists. */
static void a_refused_peer_gets_nothing_of_the_server(void **state)
{
    (void)state;
    struct side a, b;
    members(&a, &b);
    struct run r;
    run_open(&r, &a, &b, net_k, net_k);
    run_to(&r, true);
    size_t before = enc_len(&r.m4);
    assert_int_equal(feed_all(&r.s, &r.m3, &r.m4, NULL), HS_PEER);
    assert_int_equal(enc_len(&r.m4), before);
    /* The caller drops the connection: the client is still waiting. */
    struct enc none;
    enc_init(&none);
    size_t used = 0;
    assert_int_equal(hs_feed(&r.c, NULL, 0, &used, &none, NULL), HS_MORE);
    assert_int_equal(enc_len(&none), 0);
    enc_close(&none);
    hs_wipe(&r.s);
    run_close(&r);
}

/* Expect @h fed @m with byte @at flipped to fail or stall, never to prove
 * a peer. */
static void expect_refused(struct hs *h, const struct enc *m, size_t at)
{
    uint8_t *copy = malloc(enc_len(m));
    assert_non_null(copy);
    memcpy(copy, enc_data(m), enc_len(m));
    copy[at] ^= 0x20;
    struct enc out;
    enc_init(&out);
    size_t used = 0;
    int rv = hs_feed(h, copy, enc_len(m), &used, &out, NULL);
    if (rv == HS_PEER || rv == HS_DONE)
        fail_msg("byte %zu flipped: accepted", at);
    /* A stalled read (a length made larger) is dropped by its timeout. */
    assert_true(rv < 0 || rv == HS_MORE);
    free(copy);
    enc_close(&out);
}

static void every_byte_tampered_is_refused(void **state)
{
    (void)state;
    struct side a, b;
    members(&a, &b);
    struct run good;
    run_open(&good, &a, &b, net_k, net_k);
    run_through(&good, &a, &b);
    size_t n1 = enc_len(&good.m1), n2 = enc_len(&good.m2),
           n3 = enc_len(&good.m3), n4 = enc_len(&good.m4);
    /* Unflipped, each message is accepted by a fresh run of the same
     * sides: the refusals below are the flips'. */
    struct run same;
    run_open(&same, &a, &b, net_k, net_k);
    assert_int_equal(feed_all(&same.s, &good.m1, &same.m2, NULL), HS_MORE);
    assert_int_equal(feed_all(&same.c, &good.m2, &same.m3, NULL), HS_MORE);
    assert_int_equal(feed_all(&same.s, &good.m3, &same.m4, NULL), HS_PEER);
    assert_int_equal(hs_accept(&same.s, &same.m4, NULL), HS_DONE);
    assert_int_equal(feed_all(&same.c, &good.m4, &same.m4, NULL), HS_PEER);
    run_close(&same);
    for (size_t at = 0; at < n1; at++) {
        struct run r;
        run_open(&r, &a, &b, net_k, net_k);
        expect_refused(&r.s, &good.m1, at);
        run_close(&r);
    }
    for (size_t at = 0; at < n2; at++) {
        struct run r;
        run_open(&r, &a, &b, net_k, net_k);
        expect_refused(&r.c, &good.m2, at);
        run_close(&r);
    }
    for (size_t at = 0; at < n3; at++) {
        struct run r;
        run_open(&r, &a, &b, net_k, net_k);
        run_to(&r, false);
        expect_refused(&r.s, &good.m3, at);
        run_close(&r);
    }
    for (size_t at = 0; at < n4; at++) {
        struct run r;
        run_open(&r, &a, &b, net_k, net_k);
        run_to(&r, true);
        expect_refused(&r.c, &good.m4, at);
        run_close(&r);
    }
    run_close(&good);
}

/* A recorded handshake replayed to a fresh server, and messages sent back
 * to their sender, open nothing. */
static void replayed_and_reflected_handshakes_are_refused(void **state)
{
    (void)state;
    struct side a, b;
    members(&a, &b);
    struct run old;
    run_open(&old, &a, &b, net_k, net_k);
    run_through(&old, &a, &b);
    /* Replay: the server's share is fresh, so the old proof does not
     * open under the new keys. */
    struct hs s;
    struct enc out;
    enc_init(&out);
    uint8_t seed[32];
    seed_of(0x52, seed);
    assert_int_equal(hs_start(&s, HS_SERVER, net_k, &b.self, seed, &out, NULL),
                     0);
    assert_int_equal(feed_all(&s, &old.m1, &out, NULL), HS_MORE);
    struct hz_err err = {0};
    assert_int_equal(feed_all(&s, &old.m3, &out, &err), HZ_EBADSIG);
    /* Reflection: a client fed its own msg1 as msg2, a server fed a msg2
     * as msg1. */
    struct run r;
    run_open(&r, &a, &b, net_k, net_k);
    assert_int_equal(feed_all(&r.c, &r.m1, &r.m3, NULL), HZ_ENETWORK);
    run_close(&r);
    run_open(&r, &a, &b, net_k, net_k);
    assert_int_equal(feed_all(&r.s, &old.m2, &r.m2, NULL), HZ_ENETWORK);
    run_close(&r);
    /* A client's proof sent back to it as the server's. */
    run_open(&r, &a, &b, net_k, net_k);
    run_to(&r, true);
    assert_int_equal(feed_all(&r.c, &r.m3, &out, NULL), HZ_EBADSIG);
    run_close(&r);
    /* A key share of small order, keyed right by a holder of the secret. */
    uint8_t m1[HZ_HS_HELLO_LEN] = {0};
    crypto_generichash_state st;
    crypto_generichash_init(&st, net_k, HZ_HS_KEY_LEN, HZ_HASH_LEN);
    crypto_generichash_update(&st, (const uint8_t *)"huzhu hs1 v1", 12);
    crypto_generichash_update(&st, m1, 32);
    crypto_generichash_final(&st, m1 + 32, HZ_HASH_LEN);
    run_open(&r, &a, &b, net_k, net_k);
    size_t used;
    assert_int_equal(hs_feed(&r.s, m1, sizeof m1, &used, &r.m2, NULL),
                     HZ_EBADSIG);
    assert_int_equal(enc_len(&r.m2), 0);
    run_close(&r);
    enc_close(&out);
    run_close(&old);
}

/* BLAKE2b-256 keyed with the network secret over @label || @a || @b: the
 * key schedule of proto/sync.md, written again here. */
static void kmac(const char *label, const uint8_t *a, size_t al,
                 const uint8_t *b, size_t bl, uint8_t out[32])
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, net_k, HZ_HS_KEY_LEN, 32);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, a, al);
    crypto_generichash_update(&st, b, bl);
    crypto_generichash_final(&st, out, 32);
}

/* A holder of the network secret (a revoked device) in the middle: it
 * answers a member's dial and so reads the member's proof (DECISIONS 33
 * lets the dialler show itself first), but cannot present that proof to
 * another node: the signature covers the other session's transcript. */
static void a_proof_relayed_by_a_holder_of_the_secret_is_refused(void **state)
{
    (void)state;
    struct side a, b, m;
    side_init(&a, 0xa1);
    side_init(&b, 0xb2);
    side_init(&m, 0xee);
    /* Member a dials m. */
    struct run am;
    run_open(&am, &a, &m, net_k, net_k);
    run_to(&am, true);
    assert_int_equal(feed_all(&am.s, &am.m3, &am.m4, NULL), HS_PEER);
    assert_memory_equal(am.s.peer_key, a.pk, 32);
    size_t plain_len = enc_len(&am.m3) - 4 - crypto_secretbox_MACBYTES;
    uint8_t payload[256];
    assert_true(plain_len <= sizeof payload);
    memcpy(payload, am.s.plain, plain_len); /* [a.pk, a's chain, sig] */
    /* m dials b and shows a's proof, boxed under its session's key (its
     * own fresh key share). */
    struct run mb;
    seed_c = 0xc2;
    seed_s = 0x52;
    run_open(&mb, &m, &b, net_k, net_k);
    seed_c = 0xc1;
    seed_s = 0x51;
    run_to(&mb, false);
    struct enc own;
    enc_init(&own);
    assert_int_equal(feed_all(&mb.c, &mb.m2, &own, NULL), HS_MORE);
    uint8_t t2[32], k3[32];
    kmac("huzhu hs t2 v1", enc_data(&mb.m1), HZ_HS_HELLO_LEN, enc_data(&mb.m2),
         HZ_HS_HELLO_LEN, t2);
    kmac("huzhu hs k3 v1", mb.c.shared, 32, t2, 32, k3);
    uint8_t forged[4 + 256 + crypto_secretbox_MACBYTES];
    size_t box_len = plain_len + crypto_secretbox_MACBYTES;
    forged[0] = forged[1] = 0;
    forged[2] = (uint8_t)(box_len >> 8);
    forged[3] = (uint8_t)box_len;
    static const uint8_t zero[crypto_secretbox_NONCEBYTES];
    crypto_secretbox_easy(forged + 4, payload, plain_len, zero, k3);
    /* The same box with m's own proof opens: the keys were right. */
    struct hs probe = mb.s;
    struct enc out;
    enc_init(&out);
    size_t used;
    assert_int_equal(
        hs_feed(&probe, enc_data(&own), enc_len(&own), &used, &out, NULL),
        HS_PEER);
    assert_memory_equal(probe.peer_key, m.pk, 32);
    struct hz_err err = {0};
    assert_int_equal(hs_feed(&mb.s, forged, 4 + box_len, &used, &out, &err),
                     HZ_EBADSIG);
    assert_non_null(strstr(err.msg, "signature"));
    enc_close(&out);
    enc_close(&own);
    run_close(&mb);
    run_close(&am);
}

static void frames_open_once_in_order_and_one_way(void **state)
{
    (void)state;
    struct side a, b;
    members(&a, &b);
    struct run r;
    run_open(&r, &a, &b, net_k, net_k);
    run_through(&r, &a, &b);
    struct chan cc, cs;
    chan_init(&cc, &r.c);
    chan_init(&cs, &r.s);
    struct enc f1, f2;
    enc_init(&f1);
    enc_init(&f2);
    assert_int_equal(chan_seal(&cc, (const uint8_t *)"one", 3, &f1, NULL), 0);
    assert_int_equal(chan_seal(&cc, (const uint8_t *)"two", 3, &f2, NULL), 0);
    static uint8_t plain[HZ_FRAME_PLAIN_MAX];
    size_t used, got;
    /* Partial: wait. */
    assert_int_equal(chan_open(&cs, enc_data(&f1), enc_len(&f1) - 1, &used,
                               plain, &got, NULL),
                     1);
    /* Out of order, or reflected to its sender: refused. */
    struct chan probe = cs;
    assert_int_equal(chan_open(&probe, enc_data(&f2), enc_len(&f2), &used,
                               plain, &got, NULL),
                     HZ_EBADSIG);
    probe = cc;
    assert_int_equal(chan_open(&probe, enc_data(&f1), enc_len(&f1), &used,
                               plain, &got, NULL),
                     HZ_EBADSIG);
    /* Every byte flipped: refused. */
    for (size_t at = 0; at < enc_len(&f1); at++) {
        uint8_t copy[64];
        memcpy(copy, enc_data(&f1), enc_len(&f1));
        copy[at] ^= 0x01;
        probe = cs;
        int rv =
            chan_open(&probe, copy, enc_len(&f1), &used, plain, &got, NULL);
        assert_true(rv == HZ_EBADSIG || rv == HZ_ETOOBIG || rv == 1);
    }
    assert_int_equal(
        chan_open(&cs, enc_data(&f1), enc_len(&f1), &used, plain, &got, NULL),
        0);
    /* Replayed: refused. */
    probe = cs;
    assert_int_equal(chan_open(&probe, enc_data(&f1), enc_len(&f1), &used,
                               plain, &got, NULL),
                     HZ_EBADSIG);
    assert_int_equal(
        chan_open(&cs, enc_data(&f2), enc_len(&f2), &used, plain, &got, NULL),
        0);
    assert_memory_equal(plain, "two", 3);
    /* A declared length over the limit is refused from its 4 bytes. */
    static const uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
    assert_int_equal(chan_open(&cs, huge, 4, &used, plain, &got, NULL),
                     HZ_ETOOBIG);
    uint8_t *big = malloc(HZ_FRAME_PLAIN_MAX + 1);
    assert_non_null(big);
    assert_int_equal(chan_seal(&cc, big, HZ_FRAME_PLAIN_MAX + 1, &f1, NULL),
                     HZ_ETOOBIG);
    free(big);
    enc_close(&f1);
    enc_close(&f2);
    run_close(&r);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(two_members_open_a_channel_and_talk),
        cmocka_unit_test(an_outsider_is_refused_before_anything_is_shown),
        cmocka_unit_test(a_refused_peer_gets_nothing_of_the_server),
        cmocka_unit_test(every_byte_tampered_is_refused),
        cmocka_unit_test(replayed_and_reflected_handshakes_are_refused),
        cmocka_unit_test(a_proof_relayed_by_a_holder_of_the_secret_is_refused),
        cmocka_unit_test(frames_open_once_in_order_and_one_way),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
