/* beacon.h - LAN discovery beacons (proto/discovery.md): the datagram a
 * serving node broadcasts so that members nearby can dial it, and only
 * members can read. Pure: keys, nonces and times come in as arguments.
 *
 * A beacon is HZ_BEACON_LEN bytes, all of them random to anyone without
 * a key: a 24-byte nonce, then the 44-byte content sealed with
 * XChaCha20-Poly1305 (libsodium's crypto_aead_xchacha20poly1305_ietf,
 * no additional data) under a beacon key. The beacon key of a bundle key
 * (an epoch's, trust.md) is BLAKE2b-256 keyed by it of "huzhu beacon v1":
 * a sender seals with the newest epoch it holds, a receiver tries every
 * epoch it holds (DECISIONS 35). The content:
 *
 *   0       version, 1
 *   1       flags, 0 (version 1 defines none)
 *   2..3    the sync port to dial, big-endian, not 0
 *   4..11   the sender's wall clock when it sealed, ms, big-endian
 *   12..43  the sender's device key
 *
 * Nothing in clear names the network, the sender or a counter, and a
 * fresh nonce makes every beacon's bytes unrelated to the last. */
#ifndef HZ_BEACON_H
#define HZ_BEACON_H

#include "redial.h"
#include "types.h"

#include <stddef.h>
#include <stdint.h>

#define HZ_BEACON_NONCE_LEN 24u
#define HZ_BEACON_PLAIN_LEN 44u
#define HZ_BEACON_LEN (HZ_BEACON_NONCE_LEN + HZ_BEACON_PLAIN_LEN + 16u)
#define HZ_BEACON_KEY_LEN 32u
#define HZ_BEACON_VERSION 1u

struct hz_err;

struct beacon {
    uint16_t port;
    uint64_t time_ms;
    uint8_t device[HZ_KEY_LEN];
};

/* The beacon key of a 32-byte bundle key. */
void beacon_key(const uint8_t *bundle_key, uint8_t *out);

/* @b sealed under @key with @nonce (HZ_BEACON_NONCE_LEN bytes, fresh
 * randomness for every beacon) into @out (HZ_BEACON_LEN bytes). */
void beacon_seal(const struct beacon *b, const uint8_t *key,
                 const uint8_t *nonce, uint8_t *out);

/* Open the datagram @in (@len bytes) with the first of @n_keys beacon
 * keys (HZ_BEACON_KEY_LEN bytes each, @keys) that opens it: 0, *@b and
 * which key in *@which. Errors, after which nothing is to be done with
 * it: HZ_EMALFORMED (not HZ_BEACON_LEN bytes; a port of 0), HZ_EBADSIG
 * (no key opens it: another network's, an epoch not held, tampered),
 * HZ_EVERSION (a version or flags this build does not know). */
int beacon_open(const uint8_t *in, size_t len, const uint8_t *keys,
                size_t n_keys, struct beacon *b, size_t *which,
                struct hz_err *err);

/* What a reader remembers of the devices it heard: per device the newest
 * beacon time it took, when it heard it (a monotonic clock) and when it
 * may be dialled again (its caller's to keep; core/redial.h). Bounded:
 * when full, the device heard longest ago is forgotten. */
#define HZ_BEACON_HEARD_MAX 64u
#define HZ_BEACON_FORGET_MS 60000u
struct beacon_heard {
    uint8_t device[HZ_KEY_LEN];
    uint64_t time_ms, heard_ms;
    struct redial redial; /* due at once when first heard */
    bool used;
};
struct beacon_memory {
    struct beacon_heard v[HZ_BEACON_HEARD_MAX];
};

/* A beacon just opened, heard at @now_ms: its device's entry when its
 * time is newer than every beacon of that device taken before, or none
 * was taken for HZ_BEACON_FORGET_MS (a clock set back); then it is
 * remembered. NULL when it is not (seen already, or replayed). */
struct beacon_heard *beacon_take(struct beacon_memory *m,
                                 const struct beacon *b, uint64_t now_ms);

/* The device @device's entry, or NULL when it is not remembered. */
struct beacon_heard *beacon_find(struct beacon_memory *m,
                                 const uint8_t *device);

#endif
