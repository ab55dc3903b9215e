/* trust.h - who may write what, decided from data that replicates
 * (issue 3; DECISIONS 4, 5, 15, 18, 19). Exact rules: proto/trust.md.
 *
 * Certificates and revocations travel in entries as trust operations.
 * Everything here is pure: the same entries give the same verdicts on
 * every node, whatever order they arrived in. */
#ifndef HZ_TRUST_H
#define HZ_TRUST_H

#include "body.h"
#include "cert.h"

/* A trust object found in an entry of the log. */
struct trust_obj {
    uint8_t author[HZ_KEY_LEN]; /* the entry that carries it */
    uint64_t seq;
    uint8_t eid[HZ_HASH_LEN];
    uint32_t idx;      /* its op index in that entry */
    enum op_kind kind; /* OP_CERT, OP_REVOKE or OP_EPOCH */
    struct cert cert;
    struct revocation rev;
    /* OP_EPOCH: the epoch's number, issuer and id (its shares are read
     * where a key is needed, not here) */
    uint64_t epoch;
    uint8_t epoch_issuer[HZ_KEY_LEN];
    uint8_t epoch_id[HZ_HASH_LEN];
    uint8_t key_id[HZ_KEY_ID_LEN];
    bool root; /* signed by the network's root key */
    /* Set by trust_resolve: */
    bool effective;
    uint32_t rank; /* OP_CERT, role admin: the admin's distance from root */
};

/* The cut-off of one device: its entries after @seq are never applied. */
struct trust_cut {
    uint8_t subject[HZ_KEY_LEN];
    uint64_t seq;
    size_t by; /* index of the deciding revocation in the objects */
};

struct trust_result {
    size_t n_cuts;
    struct trust_cut *cuts; /* sorted by subject; trust_result_close */
};

/* Content checks of a trust body carried by @author in @network: every
 * object decodes, is signed by its issuer, names this network, and is
 * signed by the root key or by @author itself. Failure is a permanent
 * content verdict (the entry is rejected). */
int trust_body_check(const uint8_t *network, const uint8_t *author,
                     const struct body *b, struct hz_err *why);

/* Decode one object of a checked trust body into @o (author, seq, eid
 * and idx are the caller's). Does not verify the signature.
 * 0 or an HZ_E code. */
int trust_obj_decode(const uint8_t *network, enum op_kind kind,
                     struct hz_bytes bytes, struct trust_obj *o,
                     struct hz_err *err);

/* May @author write entry number @seq with body @b, holding the effective
 * certificates @certs and, when @cut is not NULL, revoked after *@cut?
 * 0 when allowed; otherwise the reason (proto/trust.md) under its own
 * code: HZ_EREVOKED past the author's cut-off, HZ_ENOCERT without a
 * certificate, HZ_EPERM for a role that does not allow an operation. @b must
 * have passed body_decode and, for trust bodies, trust_body_check. */
int trust_entry_allowed(const uint8_t *network, const uint8_t *author,
                        uint64_t seq, const struct body *b,
                        const struct cert *const *certs, size_t n_certs,
                        const uint64_t *cut, struct hz_err *why);

/* What a certificate lets its holder do with trust: 2 admin (admit
 * anyone, revoke), 1 a coordinator given admission (admit coordinators,
 * sites and viewers), 0 nothing. */
int trust_level_of(const struct cert *c);

/* Resolve the network's trust state from every trust object held
 * (proto/trust.md, "Resolution"): sets each object's `effective` and
 * `rank` and returns the cut-offs. The objects are reordered. 0 or
 * HZ_ENOMEM. */
int trust_resolve(const uint8_t *network, struct trust_obj *objs, size_t n,
                  struct trust_result *out, struct hz_err *err);
void trust_result_close(struct trust_result *r);

/* The cut-off of @subject in @r, or NULL. */
const struct trust_cut *trust_cut_of(const struct trust_result *r,
                                     const uint8_t *subject);

#endif
