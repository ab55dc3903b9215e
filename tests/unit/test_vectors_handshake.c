/* test_vectors_handshake.c - proto/vectors/handshake.json: the live-sync
 * channel (proto/sync.md, "Handshake", "Frames").
 *
 * Both sides, started from the vector's keys, chains and key share seeds,
 * write each message byte for byte and reach its session keys; the frames
 * seal and open as recorded; the refusals are refused with their codes. */
#include "vectors_common.h"

#include "core/channel.h"

#include <sodium.h>

/* Feed the message in @hex to @h; what @h sends is appended to @out. */
static int feed_hex(struct hs *h, const char *hex, struct enc *out,
                    struct hz_err *err)
{
    size_t len = strlen(hex) / 2;
    uint8_t *b = malloc(len + 1);
    assert_non_null(b);
    unhex_fixed(hex, b, len);
    size_t used = 0;
    int rv = hs_feed(h, b, len, &used, out, err);
    free(b);
    return rv;
}

static void the_recorded_handshake_is_reproduced(void **state)
{
    json_t *root = load(state, "handshake.json");
    uint8_t net[HZ_HS_KEY_LEN];
    unhex_fixed(str(root, "network_secret"), net, sizeof net);
    static struct vside a, b;
    vside_load(json_object_get(root, "client"), &a);
    vside_load(json_object_get(root, "server"), &b);
    struct hs c, s;
    struct enc m1, m2, m3, m4, none;
    enc_init(&m1);
    enc_init(&m2);
    enc_init(&m3);
    enc_init(&m4);
    enc_init(&none);
    assert_int_equal(hs_start(&c, HS_CLIENT, net, &a.self, a.share, &m1, NULL),
                     0);
    assert_int_equal(hs_start(&s, HS_SERVER, net, &b.self, b.share, &m2, NULL),
                     0);
    assert_hex(str(root, "msg1"), enc_data(&m1), enc_len(&m1));
    assert_int_equal(feed_hex(&s, str(root, "msg1"), &m2, NULL), HS_MORE);
    assert_hex(str(root, "msg2"), enc_data(&m2), enc_len(&m2));
    assert_int_equal(feed_hex(&c, str(root, "msg2"), &m3, NULL), HS_MORE);
    assert_hex(str(root, "msg3"), enc_data(&m3), enc_len(&m3));
    assert_int_equal(feed_hex(&s, str(root, "msg3"), &m4, NULL), HS_PEER);
    assert_memory_equal(s.peer_key, a.pk, 32);
    assert_int_equal(hs_accept(&s, &m4, NULL), HS_DONE);
    assert_hex(str(root, "msg4"), enc_data(&m4), enc_len(&m4));
    assert_int_equal(feed_hex(&c, str(root, "msg4"), &none, NULL), HS_PEER);
    assert_memory_equal(c.peer_key, b.pk, 32);
    assert_int_equal(hs_accept(&c, &none, NULL), HS_DONE);
    assert_hex(str(root, "c2s"), c.tx_key, HZ_HS_KEY_LEN);
    assert_hex(str(root, "s2c"), s.tx_key, HZ_HS_KEY_LEN);

    struct chan cc, cs;
    chan_init(&cc, &c);
    chan_init(&cs, &s);
    size_t i;
    json_t *f;
    static uint8_t plain[HZ_FRAME_PLAIN_MAX], bytes[4096];
    json_array_foreach(json_object_get(root, "frames"), i, f)
    {
        bool client = strcmp(str(f, "from"), "client") == 0;
        struct chan *tx = client ? &cc : &cs, *rx = client ? &cs : &cc;
        assert_int_equal(num(f, "counter"), (json_int_t)tx->tx_n);
        size_t plen = strlen(str(f, "plain")) / 2;
        unhex_fixed(str(f, "plain"), bytes, plen);
        struct enc w;
        enc_init(&w);
        assert_int_equal(chan_seal(tx, bytes, plen, &w, NULL), 0);
        assert_hex(str(f, "frame"), enc_data(&w), enc_len(&w));
        size_t used, got;
        assert_int_equal(
            chan_open(rx, enc_data(&w), enc_len(&w), &used, plain, &got, NULL),
            0);
        assert_int_equal(got, plen);
        assert_memory_equal(plain, bytes, plen);
        enc_close(&w);
    }
    json_array_foreach(json_object_get(root, "refused"), i, f)
    {
        struct hs x;
        struct enc out;
        enc_init(&out);
        uint8_t seed[32];
        memcpy(seed, b.share, 32);
        assert_int_equal(
            hs_start(&x, HS_SERVER, net, &b.self, seed, &out, NULL), 0);
        if (strstr(str(f, "what"), "after msg1") != NULL)
            assert_int_equal(feed_hex(&x, str(root, "msg1"), &out, NULL),
                             HS_MORE);
        size_t before = enc_len(&out);
        struct hz_err err = {0};
        int rv = feed_hex(&x, str(f, "message"), &out, &err);
        assert_string_equal(hz_errname(rv), str(f, "code"));
        assert_int_equal(enc_len(&out), before); /* nothing sent */
        enc_close(&out);
    }
    hs_wipe(&c);
    hs_wipe(&s);
    enc_close(&m1);
    enc_close(&m2);
    enc_close(&m3);
    enc_close(&m4);
    enc_close(&none);
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_handshake");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(the_recorded_handshake_is_reproduced, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
