/* token.h - the payload of a join token (proto/trust.md, "Join tokens").
 *
 *   payload = [version, network_name, cert, [issuer_cert, ...],
 *              network_secret, [[epoch, bundle_key], ...]]
 *
 * The store seals it to the joining device's key (crypto_box_seal, which
 * draws randomness, so sealing lives outside the core). */
#ifndef HZ_TOKEN_H
#define HZ_TOKEN_H

#include "codec.h"
#include "types.h"

#define HZ_TOKEN_VERSION 1u
#define HZ_SECRET_LEN 32u
#define HZ_EPOCHS_MAX 64u /* bundle key epochs a token carries */
#define HZ_CHAIN_MAX 8u   /* issuer certificates, up to the root */
/* A payload's bytes: a sealed token (+48) in base64url stays within the
 * 8,192 characters join reads. */
#define HZ_TOKEN_PAYLOAD_MAX 6000u

struct token_epoch {
    uint64_t epoch;
    uint8_t key[HZ_SECRET_LEN];
};

struct token {
    struct hz_bytes name; /* the network's name, UTF-8, borrowed */
    struct hz_bytes cert; /* the device's certificate bytes, borrowed */
    size_t n_chain;       /* the issuer's certificates up to the root */
    struct hz_bytes chain[HZ_CHAIN_MAX];
    uint8_t secret[HZ_SECRET_LEN];
    size_t n_epochs;
    struct token_epoch epochs[HZ_EPOCHS_MAX];
};

/* Encode @t canonically into @out (reset first). 0 or HZ_ENOMEM. */
int token_encode(const struct token *t, struct enc *out);

/* Decode a payload (borrowing from @buf). Refuses non-canonical bytes,
 * an unknown version (HZ_EVERSION), epochs out of order or too many.
 * Does not judge the certificate. */
int token_decode(struct token *t, const uint8_t *buf, size_t len,
                 struct hz_err *err);

#endif
