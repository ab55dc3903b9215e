/* gen_beacon.c - proto/vectors/beacon.json: LAN discovery beacons
 * (proto/discovery.md).
 *
 * Two epochs' bundle keys and their beacon keys; beacons sealed under
 * each with fixed nonces (what beacon_seal writes, and what opening them
 * with both keys gives back); and datagrams a reader refuses, each with
 * its error: a changed byte, a key not held, a byte short, a version or
 * flags unknown, port 0. */
#include "gen_common.h"

#include "core/beacon.h"

#include <sodium.h>
#include <string.h>

/* Content sealed as beacon_seal would, except for what it holds. */
static void seal_plain(const uint8_t *plain, const uint8_t *key,
                       const uint8_t *nonce, uint8_t *out)
{
    memcpy(out, nonce, HZ_BEACON_NONCE_LEN);
    unsigned long long len;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + HZ_BEACON_NONCE_LEN, &len,
                                               plain, HZ_BEACON_PLAIN_LEN, NULL,
                                               0, NULL, nonce, key);
}

static void refused(json_t *arr, const char *name, const uint8_t *p, size_t len,
                    const uint8_t *keys, size_t n_keys, const char *code)
{
    struct beacon b;
    size_t which;
    struct hz_err err = {0};
    expect_refused(name, beacon_open(p, len, keys, n_keys, &b, &which, &err),
                   code, &err);
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "datagram", hex_json(p, len));
    /* the reader holds the first keys_held of "keys" */
    json_object_set_new(j, "keys_held", json_integer((json_int_t)n_keys));
    json_object_set_new(j, "code", json_string(code));
    json_array_append_new(arr, j);
}

json_t *gen_beacon(struct gen *g)
{
    (void)g;
    json_t *root = file_root(
        "LAN discovery beacons (proto/discovery.md): each epoch's beacon "
        "key from its bundle key; beacons sealed with fixed nonces, and "
        "what opening them with every key held gives; datagrams a reader "
        "refuses, with the error");
    json_object_set_new(root, "length", json_integer(HZ_BEACON_LEN));
    uint8_t bundle[2][32], keys[2 * HZ_BEACON_KEY_LEN];
    json_t *ka = json_array();
    for (size_t i = 0; i < 2; i++) {
        for (size_t k = 0; k < 32; k++)
            bundle[i][k] = (uint8_t)(0x10 * (i + 1) + k);
        beacon_key(bundle[i], keys + i * HZ_BEACON_KEY_LEN);
        json_t *j = json_object();
        json_object_set_new(j, "epoch", json_integer((json_int_t)i));
        json_object_set_new(j, "bundle_key", hex_json(bundle[i], 32));
        json_object_set_new(
            j, "beacon_key",
            hex_json(keys + i * HZ_BEACON_KEY_LEN, HZ_BEACON_KEY_LEN));
        json_array_append_new(ka, j);
    }
    json_object_set_new(root, "keys", ka);
    static const struct {
        size_t key;
        uint16_t port;
        uint64_t time_ms;
        uint8_t device, nonce;
        const char *why;
    } cases[] = {
        {1, 7420, T0_MS, 0xd1, 0x01,
         "the default port, sealed with the newer epoch's key"},
        {0, 40001, T0_MS + 5000, 0xd2, 0x02,
         "another port, the older epoch's key (a node that holds only it)"},
        {1, 7420, T1970_MS, 0xd3, 0x03,
         "a Pi whose clock says 1970: its time is carried as it is"},
    };
    json_t *ba = json_array();
    uint8_t first[HZ_BEACON_LEN];
    for (size_t i = 0; i < N(cases); i++) {
        struct beacon b = {.port = cases[i].port, .time_ms = cases[i].time_ms};
        memset(b.device, cases[i].device, HZ_KEY_LEN);
        uint8_t nonce[HZ_BEACON_NONCE_LEN], out[HZ_BEACON_LEN];
        memset(nonce, cases[i].nonce, sizeof nonce);
        beacon_seal(&b, keys + cases[i].key * HZ_BEACON_KEY_LEN, nonce, out);
        struct beacon got;
        size_t which;
        struct hz_err err = {0};
        check(beacon_open(out, sizeof out, keys, 2, &got, &which, &err), &err,
              cases[i].why);
        if (which != cases[i].key || got.port != b.port)
            die("beacon %zu opens wrong", i);
        if (i == 0)
            memcpy(first, out, sizeof out);
        json_t *j = json_object();
        json_object_set_new(j, "why", json_string(cases[i].why));
        json_object_set_new(j, "key", json_integer((json_int_t)cases[i].key));
        json_object_set_new(j, "nonce", hex_json(nonce, sizeof nonce));
        json_object_set_new(j, "port", json_integer(b.port));
        json_object_set_new(j, "time_ms", json_integer((json_int_t)b.time_ms));
        json_object_set_new(j, "device", hex_json(b.device, HZ_KEY_LEN));
        json_object_set_new(j, "datagram", hex_json(out, sizeof out));
        json_array_append_new(ba, j);
    }
    json_object_set_new(root, "beacons", ba);

    json_t *ra = json_array();
    uint8_t bad[HZ_BEACON_LEN + 1];
    memcpy(bad, first, HZ_BEACON_LEN);
    bad[40] ^= 0x01;
    refused(ra, "a byte of the sealed content changed", bad, HZ_BEACON_LEN,
            keys, 2, "HZ_EBADSIG");
    memcpy(bad, first, HZ_BEACON_LEN);
    bad[0] ^= 0x80;
    refused(ra, "a byte of the nonce changed", bad, HZ_BEACON_LEN, keys, 2,
            "HZ_EBADSIG");
    refused(ra,
            "sealed with the newer epoch's key, read by a node that holds"
            " only the older",
            first, HZ_BEACON_LEN, keys, 1, "HZ_EBADSIG");
    refused(ra, "one byte short", first, HZ_BEACON_LEN - 1, keys, 2,
            "HZ_EMALFORMED");
    memcpy(bad, first, HZ_BEACON_LEN);
    bad[HZ_BEACON_LEN] = 0;
    refused(ra, "one byte more", bad, HZ_BEACON_LEN + 1, keys, 2,
            "HZ_EMALFORMED");
    uint8_t plain[HZ_BEACON_PLAIN_LEN] = {1, 0, 0x1c, 0xfc};
    memset(plain + 12, 0xd4, HZ_KEY_LEN);
    uint8_t nonce[HZ_BEACON_NONCE_LEN];
    static const struct {
        size_t at;
        uint8_t value;
        const char *name, *code;
    } hand[] = {
        {0, 2, "version 2", "HZ_EVERSION"},
        {1, 1, "flags 1 (version 1 defines none)", "HZ_EVERSION"},
        {3, 0, "port 0", "HZ_EMALFORMED"},
    };
    for (size_t i = 0; i < N(hand); i++) {
        uint8_t p[HZ_BEACON_PLAIN_LEN];
        memcpy(p, plain, sizeof p);
        p[hand[i].at] = hand[i].value;
        if (hand[i].at == 3)
            p[2] = 0;
        memset(nonce, (int)(0x20 + i), sizeof nonce);
        seal_plain(p, keys + HZ_BEACON_KEY_LEN, nonce, bad);
        refused(ra, hand[i].name, bad, HZ_BEACON_LEN, keys, 2, hand[i].code);
    }
    json_object_set_new(root, "refused", ra);
    return root;
}
