/* test_beacon.c - LAN discovery beacons (core/beacon.c,
 * proto/discovery.md, DECISIONS 35).
 *
 * A beacon opens with the key it was sealed under, found among several
 * epochs' keys, and gives back what was sealed; with any other key, any
 * byte changed or a length other than HZ_BEACON_LEN it is refused; a
 * version or flags this build does not know and a port of 0 are refused;
 * two beacons of the same content share no byte pattern a stranger could
 * follow (fresh nonces). */
#include "lib/unit_env.h"

#include "core/beacon.h"

#include <sodium.h>

static void keys_of(uint8_t seed, uint8_t *bundle, uint8_t *key)
{
    memset(bundle, seed, 32);
    beacon_key(bundle, key);
}

static struct beacon sample(void)
{
    struct beacon b = {.port = 7420, .time_ms = UNIT_T0_MS};
    memset(b.device, 0x42, sizeof b.device);
    return b;
}

static void a_beacon_opens_with_the_key_it_was_sealed_under(void **state)
{
    (void)state;
    uint8_t bundle[32], keys[3 * HZ_BEACON_KEY_LEN], nonce[24], out[84];
    for (uint8_t i = 0; i < 3; i++)
        keys_of((uint8_t)(0xa0 + i), bundle, keys + i * HZ_BEACON_KEY_LEN);
    struct beacon b = sample(), got;
    memset(nonce, 7, sizeof nonce);
    assert_int_equal(HZ_BEACON_LEN, sizeof out);
    /* Sealed with the second epoch's key: found by trying each. */
    beacon_seal(&b, keys + HZ_BEACON_KEY_LEN, nonce, out);
    size_t which = 99;
    assert_int_equal(beacon_open(out, sizeof out, keys, 3, &got, &which, NULL),
                     0);
    assert_int_equal(which, 1);
    assert_int_equal(got.port, b.port);
    assert_int_equal(got.time_ms, b.time_ms);
    assert_memory_equal(got.device, b.device, HZ_KEY_LEN);
    /* The beacon key is the bundle key's, always the same, and no other
     * bundle key's. */
    uint8_t again[HZ_BEACON_KEY_LEN];
    keys_of(0xa1, bundle, again);
    assert_memory_equal(again, keys + HZ_BEACON_KEY_LEN, HZ_BEACON_KEY_LEN);
    assert_memory_not_equal(keys, keys + HZ_BEACON_KEY_LEN, HZ_BEACON_KEY_LEN);
    assert_memory_not_equal(bundle, again, HZ_BEACON_KEY_LEN);
}

static void other_keys_and_changed_bytes_are_refused(void **state)
{
    (void)state;
    uint8_t bundle[32], key[32], other[32], nonce[24], out[HZ_BEACON_LEN];
    keys_of(0xa0, bundle, key);
    keys_of(0xb0, bundle, other);
    struct beacon b = sample(), got;
    randombytes_buf(nonce, sizeof nonce);
    beacon_seal(&b, key, nonce, out);
    size_t which;
    struct hz_err err = {0};
    /* Another network's key, or no key at all. */
    assert_int_equal(beacon_open(out, sizeof out, other, 1, &got, &which, &err),
                     HZ_EBADSIG);
    assert_int_equal(beacon_open(out, sizeof out, key, 0, &got, &which, NULL),
                     HZ_EBADSIG);
    /* Every bit of every byte, the nonce's too. */
    for (size_t i = 0; i < sizeof out; i++) {
        for (int bit = 0; bit < 8; bit++) {
            out[i] ^= (uint8_t)(1u << bit);
            assert_int_equal(
                beacon_open(out, sizeof out, key, 1, &got, &which, NULL),
                HZ_EBADSIG);
            out[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* One byte short or long. */
    uint8_t longer[HZ_BEACON_LEN + 1] = {0};
    memcpy(longer, out, sizeof out);
    assert_int_equal(
        beacon_open(out, sizeof out - 1, key, 1, &got, &which, NULL),
        HZ_EMALFORMED);
    assert_int_equal(
        beacon_open(longer, sizeof longer, key, 1, &got, &which, NULL),
        HZ_EMALFORMED);
    assert_int_equal(beacon_open(out, sizeof out, key, 1, &got, &which, NULL),
                     0);
}

/* Content sealed by hand: what beacon_seal would not write. */
static void seal_plain(const uint8_t *plain, const uint8_t *key, uint8_t *out)
{
    memset(out, 9, HZ_BEACON_NONCE_LEN);
    unsigned long long len;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + HZ_BEACON_NONCE_LEN, &len,
                                               plain, HZ_BEACON_PLAIN_LEN, NULL,
                                               0, NULL, out, key);
}

static void unknown_versions_flags_and_port_0_are_refused(void **state)
{
    (void)state;
    uint8_t bundle[32], key[32], nonce[24], out[HZ_BEACON_LEN];
    keys_of(0xa0, bundle, key);
    struct beacon b = sample(), got;
    memset(nonce, 9, sizeof nonce);
    beacon_seal(&b, key, nonce, out);
    /* The same bytes by hand: the layout is the one described. */
    uint8_t plain[HZ_BEACON_PLAIN_LEN] = {1, 0, 0x1c, 0xfc};
    for (int i = 0; i < 8; i++)
        plain[4 + i] = (uint8_t)(UNIT_T0_MS >> (8 * (7 - i)));
    memset(plain + 12, 0x42, HZ_KEY_LEN);
    uint8_t hand[HZ_BEACON_LEN];
    seal_plain(plain, key, hand);
    assert_memory_equal(hand, out, HZ_BEACON_LEN);
    size_t which;
    struct {
        size_t at;
        uint8_t value;
        int want;
    } cases[] = {
        {0, 2, HZ_EVERSION},    {0, 0, HZ_EVERSION},   {1, 1, HZ_EVERSION},
        {1, 0x80, HZ_EVERSION}, {2, 0, HZ_EMALFORMED},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t p[HZ_BEACON_PLAIN_LEN];
        memcpy(p, plain, sizeof p);
        p[cases[i].at] = cases[i].value;
        if (cases[i].at == 2)
            p[3] = 0; /* port 0 */
        seal_plain(p, key, hand);
        struct hz_err err = {0};
        assert_int_equal(
            beacon_open(hand, sizeof hand, key, 1, &got, &which, &err),
            cases[i].want);
        assert_true(err.msg[0] != '\0');
    }
}

static void beacons_of_one_sender_share_no_pattern(void **state)
{
    (void)state;
    uint8_t bundle[32], key[32], n1[24], n2[24];
    uint8_t a[HZ_BEACON_LEN], c[HZ_BEACON_LEN];
    keys_of(0xa0, bundle, key);
    struct beacon b = sample();
    randombytes_buf(n1, sizeof n1);
    randombytes_buf(n2, sizeof n2);
    beacon_seal(&b, key, n1, a);
    beacon_seal(&b, key, n2, c);
    /* Same content, same length, and about 1 byte in 256 alike by
     * chance: a shared run of 4 equal bytes at one offset would be a
     * pattern (probability about 2^-32 per offset). */
    size_t same_run = 0, longest = 0;
    for (size_t i = 0; i < HZ_BEACON_LEN; i++) {
        same_run = a[i] == c[i] ? same_run + 1 : 0;
        longest = same_run > longest ? same_run : longest;
    }
    assert_true(longest < 4);
    /* The device key does not appear in clear. */
    for (size_t i = 0; i + 8 <= HZ_BEACON_LEN; i++)
        assert_memory_not_equal(a + i, b.device, 8);
}

/* The reader's memory: a device's beacon is taken once, a replay or an
 * older one not, unless nothing newer came for HZ_BEACON_FORGET_MS; when
 * full, the device heard longest ago goes. */
static void a_beacon_is_taken_once_and_a_replay_not(void **state)
{
    (void)state;
    struct beacon_memory *m = calloc(1, sizeof *m);
    assert_non_null(m);
    struct beacon b = sample();
    uint64_t t = 1000;
    struct beacon_heard *h = beacon_take(m, &b, t);
    assert_non_null(h);
    assert_int_equal(h->time_ms, b.time_ms);
    /* A device first heard is due for a dial at once. */
    assert_true(redial_due(&h->redial, t));
    redial_start(&h->redial);
    assert_false(redial_due(&h->redial, t + 1000000)); /* while dialling */
    uint32_t wait = redial_ended(&h->redial, false, t, 0);
    assert_null(beacon_take(m, &b, t + 10)); /* the same beacon again */
    struct beacon older = b;
    older.time_ms--;
    assert_null(beacon_take(m, &older, t + 20));
    struct beacon newer = b;
    newer.time_ms += 5000;
    struct beacon_heard *again = beacon_take(m, &newer, t + 5000);
    assert_ptr_equal(again, h);
    /* The caller's wait is kept while the device is remembered. */
    assert_int_equal(again->redial.next_ms, t + wait);
    assert_ptr_equal(beacon_find(m, b.device), h);
    /* A clock set back: believed once nothing newer came for a while. */
    assert_null(beacon_take(m, &b, t + 5000 + HZ_BEACON_FORGET_MS - 1));
    assert_non_null(beacon_take(m, &b, t + 5000 + HZ_BEACON_FORGET_MS));
    /* Full: the device heard longest ago is forgotten, the others kept. */
    for (uint8_t i = 0; i < HZ_BEACON_HEARD_MAX; i++) {
        struct beacon d = sample();
        memset(d.device, 0x80 + i, sizeof d.device);
        assert_non_null(beacon_take(m, &d, 100000 + i));
    }
    assert_null(beacon_find(m, b.device)); /* b's entry went */
    struct beacon_heard *back = beacon_take(m, &b, 100100);
    assert_non_null(back);
    assert_true(redial_due(&back->redial, 100100)); /* due anew */
    struct beacon second = sample();
    memset(second.device, 0x81, sizeof second.device);
    assert_null(beacon_take(m, &second, 100101)); /* the second is kept */
    free(m);
}

/* Redialling (core/redial.h): failed dials double the wait from 1 s to
 * 60 s, a session that opened brings it back to 1 s, each wait is drawn
 * from 80 % to 120 % of it, and a device is never due while a dial of it
 * is under way. */
static void failed_dials_back_off_and_a_session_resets(void **state)
{
    (void)state;
    struct redial r;
    uint64_t now = 5000;
    redial_init(&r, now);
    assert_true(redial_due(&r, now));
    const uint32_t want[] = {1000,  2000,  4000,  8000,
                             16000, 32000, 60000, 60000};
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        redial_start(&r);
        assert_false(redial_due(&r, now + 10 * HZ_REDIAL_MAX_MS));
        /* The draw's two ends: 80 % and 120 % of the wait. */
        struct redial lo = r, hi = r;
        uint32_t w_lo = redial_ended(&lo, false, now, 0);
        uint32_t w_hi = redial_ended(&hi, false, now, UINT32_MAX);
        assert_int_equal(w_lo, want[i] * 4 / 5);
        assert_int_equal(w_hi, want[i] * 6 / 5);
        uint32_t w = redial_ended(&r, false, now, 1u << 31);
        assert_in_range(w, want[i] * 4 / 5, want[i] * 6 / 5);
        assert_false(redial_due(&r, now + w - 1));
        assert_true(redial_due(&r, now + w));
        now += w;
    }
    /* A session opened: back to 1 s after it ends, and the next failure
     * waits 2 s, not 120. */
    redial_start(&r);
    assert_int_equal(redial_ended(&r, true, now, 1u << 31), 1000);
    redial_start(&r);
    assert_in_range(redial_ended(&r, false, now, 0), 1600, 1600);
    /* Draws spread between the ends (nodes that lost one link together
     * do not all dial together). */
    uint32_t seen_min = UINT32_MAX, seen_max = 0;
    for (uint32_t k = 0; k < 64; k++) {
        struct redial x;
        redial_init(&x, 0);
        redial_start(&x);
        uint32_t w = redial_ended(&x, false, 0, k * 67108864u);
        seen_min = w < seen_min ? w : seen_min;
        seen_max = w > seen_max ? w : seen_max;
    }
    assert_int_equal(seen_min, 800);
    assert_in_range(seen_max, 1190, 1200);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_beacon_opens_with_the_key_it_was_sealed_under),
        cmocka_unit_test(other_keys_and_changed_bytes_are_refused),
        cmocka_unit_test(unknown_versions_flags_and_port_0_are_refused),
        cmocka_unit_test(beacons_of_one_sender_share_no_pattern),
        cmocka_unit_test(a_beacon_is_taken_once_and_a_replay_not),
        cmocka_unit_test(failed_dials_back_off_and_a_session_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
