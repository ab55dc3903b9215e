/* fuzz_beacon.c - libFuzzer target: a datagram heard on the LAN's
 * discovery port (beacon_open, core/beacon.h, proto/discovery.md).
 *
 * Input: its first byte chooses what the rest is.
 *   - 0: a datagram as it arrives, opened with two beacon keys held;
 *   - 1: a nonce (24 bytes) and a content (44 bytes) sealed under the
 *     second key by the harness, then opened: the content's checks are
 *     reached (a stranger's datagram never opens).
 * Properties: beacon_open returns 0 or HZ_EMALFORMED, HZ_EBADSIG or
 * HZ_EVERSION with a message, never crashes; a beacon it opens has a port
 * other than 0 and names a held key, and sealing what it gave with that
 * key and the datagram's nonce gives the datagram back byte for byte
 * (one form); a datagram of mode 0 never opens (the keys are the
 * harness's own). */
#include "fuzz_util.h"

#include "core/beacon.h"

#include <sodium.h>
#include <string.h>

static uint8_t keys[2 * HZ_BEACON_KEY_LEN];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(sodium_init() >= 0);
    uint8_t bundle[32];
    for (size_t i = 0; i < 2; i++) {
        memset(bundle, (int)(0x51 + i), sizeof bundle);
        beacon_key(bundle, keys + i * HZ_BEACON_KEY_LEN);
    }
    return 0;
}

static void open_and_check(const uint8_t *d, size_t len, bool may_open)
{
    struct beacon b;
    size_t which = 99;
    struct hz_err err = {0};
    int rv = beacon_open(d, len, keys, 2, &b, &which, &err);
    if (rv != 0) {
        FUZZ_CODES("beacon_open", rv, &err, HZ_EMALFORMED, HZ_EBADSIG,
                   HZ_EVERSION);
        return;
    }
    FUZZ_CHECK(may_open);
    FUZZ_CHECK(len == HZ_BEACON_LEN);
    FUZZ_CHECK(which < 2);
    FUZZ_CHECK(b.port != 0);
    uint8_t again[HZ_BEACON_LEN];
    beacon_seal(&b, keys + which * HZ_BEACON_KEY_LEN, d, again);
    FUZZ_CHECK(memcmp(again, d, HZ_BEACON_LEN) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    if (data[0] == 0) {
        open_and_check(p, n, false);
        return 0;
    }
    if (n != HZ_BEACON_NONCE_LEN + HZ_BEACON_PLAIN_LEN)
        return 0;
    uint8_t d[HZ_BEACON_LEN];
    memcpy(d, p, HZ_BEACON_NONCE_LEN);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        d + HZ_BEACON_NONCE_LEN, &clen, p + HZ_BEACON_NONCE_LEN,
        HZ_BEACON_PLAIN_LEN, NULL, 0, NULL, p, keys + HZ_BEACON_KEY_LEN);
    open_and_check(d, sizeof d, true);
    return 0;
}
