/* identity.h - a node's Ed25519 key pair. The secret key lives only in
 * this struct, is wiped before release, and is never copied elsewhere. */
#ifndef HZ_IDENTITY_H
#define HZ_IDENTITY_H

#include "types.h"

#define HZ_SEED_LEN 32u

struct identity {
    uint8_t pk[HZ_KEY_LEN];
    uint8_t sk[64]; /* libsodium layout: seed || pk */
};

/* Derive the key pair from a 32-byte seed (drawn by the caller from its
 * randomness source, so the simulator stays deterministic). */
void identity_from_seed(struct identity *id, const uint8_t *seed);

/* Wipe the secret. */
void identity_close(struct identity *id);

#endif
