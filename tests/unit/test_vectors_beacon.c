/* test_vectors_beacon.c - proto/vectors/beacon.json: LAN discovery
 * beacons (proto/discovery.md).
 *
 * Each beacon key is its bundle key's; each beacon is what beacon_seal
 * writes for its content and nonce, and opening it with every key gives
 * its content and key back; each refused datagram gets its error. */
#include "vectors_common.h"

#include "core/beacon.h"

static void beacons_match_beacon_seal_and_open(void **state)
{
    json_t *root = load(state, "beacon.json");
    assert_int_equal(num(root, "length"), HZ_BEACON_LEN);
    const json_t *ks = json_object_get(root, "keys");
    size_t n_keys = json_array_size(ks);
    assert_int_equal(n_keys, 2);
    uint8_t keys[2 * HZ_BEACON_KEY_LEN];
    size_t i;
    json_t *j;
    json_array_foreach(ks, i, j)
    {
        uint8_t bundle[32];
        unhex_fixed(str(j, "bundle_key"), bundle, sizeof bundle);
        beacon_key(bundle, keys + i * HZ_BEACON_KEY_LEN);
        assert_hex(str(j, "beacon_key"), keys + i * HZ_BEACON_KEY_LEN,
                   HZ_BEACON_KEY_LEN);
    }
    json_array_foreach(json_object_get(root, "beacons"), i, j)
    {
        struct beacon b = {.port = (uint16_t)num(j, "port"),
                           .time_ms = (uint64_t)num(j, "time_ms")};
        unhex_fixed(str(j, "device"), b.device, HZ_KEY_LEN);
        uint8_t nonce[HZ_BEACON_NONCE_LEN], out[HZ_BEACON_LEN];
        unhex_fixed(str(j, "nonce"), nonce, sizeof nonce);
        size_t key = (size_t)num(j, "key");
        beacon_seal(&b, keys + key * HZ_BEACON_KEY_LEN, nonce, out);
        assert_hex(str(j, "datagram"), out, sizeof out);
        struct beacon got;
        size_t which = 99;
        assert_int_equal(
            beacon_open(out, sizeof out, keys, n_keys, &got, &which, NULL), 0);
        assert_int_equal(which, key);
        assert_int_equal(got.port, b.port);
        assert_int_equal(got.time_ms, b.time_ms);
        assert_memory_equal(got.device, b.device, HZ_KEY_LEN);
    }
    json_array_foreach(json_object_get(root, "refused"), i, j)
    {
        struct bytes d = unhex(str(j, "datagram"));
        struct beacon got;
        size_t which;
        struct hz_err err = {0};
        size_t held = (size_t)num(j, "keys_held");
        assert_true(held <= n_keys);
        assert_refused(
            j, beacon_open(d.p, d.len, keys, held, &got, &which, &err), &err);
        free(d.p);
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_beacon");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(beacons_match_beacon_seal_and_open, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
