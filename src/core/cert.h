/* cert.h - network membership certificates and the authorization rule
 * (issue 3; DECISIONS 18, 19). Format: proto/trust.md.
 *
 *   cert       = [version, network, subject, name, role, site, admits,
 *                 issued_ms, valid_days, issuer, sig]
 *   revocation = [version, network, subject, after_seq, after_id,
 *                 issued_ms, issuer, sig]
 *
 * A certificate says that a device key (the subject) belongs to a network
 * with a role and, for the site role, a site. It is signed by the
 * network's root key or by an admin; it is self-authenticating, so it can
 * travel inside any entry. Whether an operation is allowed is decided
 * from the entry and the certificate alone (pure; DECISIONS 4, 18).
 *
 * A revocation cuts a device off after one of its entries (DECISIONS 15).
 * Both are signed objects: the network root key signs them anywhere; an
 * admin's node key signs them inside that admin's own entries. */
#ifndef HZ_CERT_H
#define HZ_CERT_H

#include "body.h"
#include "codec.h"
#include "types.h"

#define HZ_CERT_VERSION 1u
#define HZ_CERT_TAG "huzhu cert v1"
#define HZ_NETWORK_TAG "huzhu network v1"
#define HZ_REVOKE_TAG "huzhu revoke v1"
#define HZ_CERT_NAME_MAX 200u
#define HZ_VALID_DAYS_MAX 36500u

enum role {
    ROLE_ADMIN = 0,       /* admits, revokes, resolves forks; writes all */
    ROLE_COORDINATOR = 1, /* writes every domain table */
    ROLE_SITE = 2,        /* households, persons, its site, its events */
    ROLE_VIEWER = 3,      /* writes nothing */
};

struct cert {
    uint64_t version;
    uint8_t network[HZ_NET_LEN];
    uint8_t subject[HZ_KEY_LEN];
    struct hz_bytes name; /* UTF-8, borrowed */
    enum role role;
    bool has_site;
    uint8_t site[HZ_ROW_LEN];
    bool admits; /* a coordinator that may admit others (delegation) */
    uint64_t issued_ms;
    uint64_t valid_days;
    uint8_t issuer[HZ_KEY_LEN];
    uint8_t sig[HZ_SIG_LEN];
    uint8_t id[HZ_HASH_LEN]; /* BLAKE2b-256 of the signing input */
};

struct revocation {
    uint64_t version;
    uint8_t network[HZ_NET_LEN];
    uint8_t subject[HZ_KEY_LEN];
    uint64_t after_seq; /* the subject's last accepted seq; 0: none */
    bool has_after_id;  /* the id of that entry, when after_seq > 0 */
    uint8_t after_id[HZ_HASH_LEN];
    uint64_t issued_ms;
    uint8_t issuer[HZ_KEY_LEN];
    uint8_t sig[HZ_SIG_LEN];
    uint8_t id[HZ_HASH_LEN];
};

/* A bundle key epoch: a new bundle key, sealed to each member
 * (crypto_box_seal to the X25519 form of its key; DECISIONS 19). */
struct epoch_share {
    const uint8_t *subject; /* HZ_KEY_LEN bytes, borrowed */
    const uint8_t *sealed;  /* HZ_EPOCH_SEALED_LEN bytes, borrowed */
};

#define HZ_EPOCH_TAG "huzhu epoch v1"
#define HZ_EPOCH_SEALED_LEN 80u /* crypto_box_SEALBYTES + 32 */
#define HZ_KEY_ID_LEN 16u

struct epoch {
    uint64_t version;
    uint8_t network[HZ_NET_LEN];
    uint64_t epoch; /* >= 1; epoch 0 derives from the network secret */
    uint8_t key_id[HZ_KEY_ID_LEN]; /* names the key in sealed bundles */
    size_t n_shares;
    struct epoch_share *shares; /* sorted by subject; epoch_close */
    uint64_t issued_ms;
    uint8_t issuer[HZ_KEY_LEN];
    uint8_t sig[HZ_SIG_LEN];
    uint8_t id[HZ_HASH_LEN];
};

/* The network id of a root public key: the first 16 bytes of
 * BLAKE2b-256(HZ_NETWORK_TAG || root_pk). */
void cert_network_id(const uint8_t *root_pk, uint8_t *network);

/* Sign @c (all fields but sig and id) with the issuer's Ed25519 secret
 * key @sk (libsodium layout; c->issuer must be its public key). Writes
 * the certificate's bytes into @out (reset first). 0 or HZ_ENOMEM. */
int cert_sign(struct cert *c, const uint8_t *sk, struct enc *out);

/* The certificate's bytes (signed already) into @out (reset first). */
int cert_encode(const struct cert *c, struct enc *out);

/* Decode canonical certificate bytes (borrowed views into @buf) and
 * compute c->id. Checks types, sizes, the role and that a site role has a
 * site and other roles none. Does not check the signature.
 * Errors: HZ_EMALFORMED, HZ_ETOOBIG, HZ_EVERSION. */
int cert_decode(struct cert *c, const uint8_t *buf, size_t len,
                struct hz_err *err);

/* The signature, with libsodium's strict Ed25519 rules. 0 or HZ_EBADSIG. */
int cert_verify(const struct cert *c, struct hz_err *err);

/* Whether @issuer is the root key of @network. */
bool cert_is_root(const uint8_t *network, const uint8_t *issuer);

/* Revocations: the same contract as cert_sign, cert_decode (a revocation
 * names an after_id exactly when after_seq > 0) and cert_verify. */
int revocation_sign(struct revocation *r, const uint8_t *sk, struct enc *out);
int revocation_decode(struct revocation *r, const uint8_t *buf, size_t len,
                      struct hz_err *err);
int revocation_verify(const struct revocation *r, struct hz_err *err);
int revocation_encode(const struct revocation *r, struct enc *out);

/* Epochs: the same contract as certificates. Shares are sorted by
 * subject without duplicates; decode allocates e->shares. */
int epoch_sign(struct epoch *e, const uint8_t *sk, struct enc *out);
int epoch_decode(struct epoch *e, const uint8_t *buf, size_t len,
                 struct hz_err *err);
int epoch_verify(const struct epoch *e, struct hz_err *err);
int epoch_encode(const struct epoch *e, struct enc *out);
void epoch_close(struct epoch *e);

/* Whether @now_ms lies within the certificate's validity (gates the live
 * channel and join tokens, never the acceptance of entries). */
bool cert_is_current(const struct cert *c, uint64_t now_ms);

/* May the holder of @c write @o? Pure (DECISIONS 18):
 *   viewer       nothing;
 *   site         households and persons (any row: people move), its own
 *                sites row, and event rows whose `site` is its site;
 *   coordinator  every domain table;
 *   admin        as coordinator.
 * Trust operations (certificates, revocations) are judged by the trust
 * resolver (trust.h), not here.
 * 0 when allowed, else HZ_EPERM with a message naming the table. */
int cert_allows(const struct cert *c, const struct op *o, struct hz_err *err);

/* The role's wire name ("admin", ...), or NULL for an unknown value. */
const char *cert_role_name(enum role r);
/* Parse a role's wire name. 0 or HZ_EINVAL. */
int cert_role_parse(const char *name, enum role *out);

#endif
