/* identity.c - the node key pair (identity.h). */
#include "identity.h"

#include <sodium.h>

void identity_from_seed(struct identity *id, const uint8_t *seed)
{
    crypto_sign_seed_keypair(id->pk, id->sk, seed);
}

void identity_close(struct identity *id)
{
    sodium_memzero(id, sizeof *id);
}
