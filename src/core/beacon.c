/* beacon.c - LAN discovery beacons: see beacon.h and proto/discovery.md. */
#include "beacon.h"

#include "error_int.h"

#include <sodium.h>
#include <string.h>

_Static_assert(HZ_BEACON_LEN == HZ_BEACON_NONCE_LEN + HZ_BEACON_PLAIN_LEN +
                                    crypto_aead_xchacha20poly1305_ietf_ABYTES,
               "a beacon is its nonce, its content and a tag");
_Static_assert(HZ_BEACON_NONCE_LEN ==
                   crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
               "XChaCha20-Poly1305's nonce");

void beacon_key(const uint8_t *bundle_key, uint8_t *out)
{
    static const char tag[] = "huzhu beacon v1";
    crypto_generichash(out, HZ_BEACON_KEY_LEN, (const uint8_t *)tag,
                       sizeof tag - 1, bundle_key, 32);
}

static void put_be(uint8_t *p, uint64_t v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
}

static uint64_t get_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

void beacon_seal(const struct beacon *b, const uint8_t *key,
                 const uint8_t *nonce, uint8_t *out)
{
    uint8_t plain[HZ_BEACON_PLAIN_LEN];
    plain[0] = HZ_BEACON_VERSION;
    plain[1] = 0;
    put_be(plain + 2, b->port, 2);
    put_be(plain + 4, b->time_ms, 8);
    memcpy(plain + 12, b->device, HZ_KEY_LEN);
    memcpy(out, nonce, HZ_BEACON_NONCE_LEN);
    unsigned long long clen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out + HZ_BEACON_NONCE_LEN, &clen,
                                               plain, sizeof plain, NULL, 0,
                                               NULL, nonce, key);
    HZ_ASSERT(clen == HZ_BEACON_LEN - HZ_BEACON_NONCE_LEN);
}

struct beacon_heard *beacon_take(struct beacon_memory *m,
                                 const struct beacon *b, uint64_t now_ms)
{
    struct beacon_heard *slot = NULL, *oldest = NULL;
    for (size_t i = 0; i < HZ_BEACON_HEARD_MAX; i++) {
        struct beacon_heard *h = &m->v[i];
        if (h->used && memcmp(h->device, b->device, HZ_KEY_LEN) == 0) {
            slot = h;
            break;
        }
        if (!h->used) {
            if (oldest == NULL || oldest->used)
                oldest = h;
        } else if (oldest == NULL ||
                   (oldest->used && h->heard_ms < oldest->heard_ms)) {
            oldest = h;
        }
    }
    if (slot != NULL) {
        /* Not newer: a replay, or the device's clock was set back; after
         * HZ_BEACON_FORGET_MS with nothing newer, the clock is believed. */
        if (b->time_ms <= slot->time_ms &&
            now_ms - slot->heard_ms < HZ_BEACON_FORGET_MS)
            return NULL;
    } else {
        slot = oldest;
        memset(slot, 0, sizeof *slot);
        memcpy(slot->device, b->device, HZ_KEY_LEN);
        slot->used = true;
        redial_init(&slot->redial, now_ms);
    }
    slot->time_ms = b->time_ms;
    slot->heard_ms = now_ms;
    return slot;
}

struct beacon_heard *beacon_find(struct beacon_memory *m, const uint8_t *device)
{
    for (size_t i = 0; i < HZ_BEACON_HEARD_MAX; i++)
        if (m->v[i].used && memcmp(m->v[i].device, device, HZ_KEY_LEN) == 0)
            return &m->v[i];
    return NULL;
}

int beacon_open(const uint8_t *in, size_t len, const uint8_t *keys,
                size_t n_keys, struct beacon *b, size_t *which,
                struct hz_err *err)
{
    if (len != HZ_BEACON_LEN)
        return hz_err_set(err, HZ_EMALFORMED, "a beacon of %zu bytes", len);
    uint8_t plain[HZ_BEACON_PLAIN_LEN];
    size_t k = 0;
    for (; k < n_keys; k++) {
        unsigned long long plen = 0;
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                plain, &plen, NULL, in + HZ_BEACON_NONCE_LEN,
                HZ_BEACON_LEN - HZ_BEACON_NONCE_LEN, NULL, 0, in,
                keys + k * HZ_BEACON_KEY_LEN) == 0)
            break;
    }
    if (k == n_keys)
        return hz_err_set(err, HZ_EBADSIG, "a beacon no key held opens");
    int rv = 0;
    if (plain[0] != HZ_BEACON_VERSION || plain[1] != 0)
        rv = hz_err_set(err, HZ_EVERSION, "a beacon of version %u, flags %u",
                        (unsigned)plain[0], (unsigned)plain[1]);
    else if (get_be(plain + 2, 2) == 0)
        rv = hz_err_set(err, HZ_EMALFORMED, "a beacon with port 0");
    if (rv == 0) {
        b->port = (uint16_t)get_be(plain + 2, 2);
        b->time_ms = get_be(plain + 4, 8);
        memcpy(b->device, plain + 12, HZ_KEY_LEN);
        *which = k;
    }
    sodium_memzero(plain, sizeof plain);
    return rv;
}
