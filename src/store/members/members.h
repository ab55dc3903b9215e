/* members.h - the network's membership in the store (proto/trust.md).
 *
 *   roster.c   owner of tobj, member, cutoff, standing, epochs and bkeys:
 *              the trust objects carried by the log, what resolution
 *              decided from them, and the bundle keys this node holds
 *   trust.c    resolving trust and judging entries by it (DECISIONS 4,
 *              5, 15, 18); the decisions themselves are pure
 *              (src/core/trust.c)
 *   network.c  creating and entering a network, re-issuing entries
 *   admit.c    admission, join tokens, joining, revocation
 *   rekey.c    a new key for this node after a clone or a fork
 *   rootkey.c  the root key's recovery code and backup file
 *   members.c  the members report
 *   peer.c     the chain this node shows in a live-sync handshake, the
 *              trusted time, and the judgement of a peer's chain */
#ifndef HZ_STORE_MEMBERS_H
#define HZ_STORE_MEMBERS_H

#include "../../core/body.h"
#include "../../core/cert.h"
#include "../../core/entry.h"
#include "../../core/token.h"
#include "../log/log.h"
#include "../node/node.h"

#define ROOT_FILE "network.key"      /* the network root key's seed */
#define SECRET_FILE "network.secret" /* the secret every member holds */
#define TOKEN_PREFIX "HZ1"
#define DEFAULT_VALID_DAYS 365u
#define ADMIN_VALID_DAYS 3650u
#define HZ_SECRET_KEY_LEN 32u /* a bundle key (secretstream, files/seal.c) */

/* ---- roster.c: the membership tables */

/* Stored bytes, borrowed until the callback returns. */
typedef int (*roster_bytes_fn)(void *data, const uint8_t *p, size_t len,
                               struct hz_err *err);

/* A trust object as carried by an entry of the log. */
struct roster_obj {
    const uint8_t *author;
    uint64_t seq;
    const uint8_t *eid;
    uint32_t idx;
    enum op_kind kind;
    const uint8_t *bytes;
    size_t len;
};

/* Record the trust objects of a stored trust entry (inside a txn). */
int roster_carry(struct hz_node *n, const struct entry *e, const struct body *b,
                 struct hz_err *err);
/* Does any trust object come from @author's entries? */
int roster_carries(struct hz_node *n, const uint8_t *author, bool *found,
                   struct hz_err *err);
/* Does @subject hold a certificate in effect? */
int roster_has_cert(struct hz_node *n, const uint8_t *subject, bool *has,
                    struct hz_err *err);
/* Does the entry @eid carry an object in effect (a certificate, cut-off
 * or epoch the trust state holds)? */
int roster_in_effect(struct hz_node *n, const uint8_t *eid, bool *in_effect,
                     struct hz_err *err);
/* Forget the objects of the entry @eid (it is no longer kept); *@had
 * says whether it carried any. */
int roster_uncarry(struct hz_node *n, const uint8_t *eid, bool *had,
                   struct hz_err *err);
/* Every trust object whose entry is applied or denied (the input of
 * resolution: stopped, rejected and held entries carry nothing). */
int roster_objs(struct hz_node *n,
                int (*fn)(void *data, const struct roster_obj *o,
                          struct hz_err *err),
                void *data, struct hz_err *err);
/* Every epoch object carried by the log, in effect or not. */
int roster_epoch_objs(struct hz_node *n, roster_bytes_fn fn, void *data,
                      struct hz_err *err);
/* The epoch objects in effect whose key id is @key_id. */
int roster_epoch_objs_for(struct hz_node *n, const uint8_t *key_id,
                          roster_bytes_fn fn, void *data, struct hz_err *err);

/* Every certificate in effect, in id order. */
int roster_all_certs(struct hz_node *n, roster_bytes_fn fn, void *data,
                     struct hz_err *err);
/* Does @subject hold an admin certificate in effect? */
int roster_is_admin(struct hz_node *n, const uint8_t *subject, bool *admin,
                    struct hz_err *err);
/* Every epoch object in effect. */
int roster_epoch_objs_in_effect(struct hz_node *n, roster_bytes_fn fn,
                                void *data, struct hz_err *err);
/* Every revocation that set a cut-off now in effect. */
int roster_revocations_applied(struct hz_node *n, roster_bytes_fn fn,
                               void *data, struct hz_err *err);
/* Certificates in effect for @subject, in id order. */
int roster_certs(struct hz_node *n, const uint8_t *subject, roster_bytes_fn fn,
                 void *data, struct hz_err *err);
/* Set @obj's @field to the device name in @key's first certificate in
 * effect, unless it holds a name already; left as it is when @key has
 * none (members.c). */
int roster_name_into(struct hz_node *n, const uint8_t *key, json_t *obj,
                     const char *field, struct hz_err *err);
/* The certificate in effect whose id is @id; HZ_ECORRUPT when none. */
int roster_cert(struct hz_node *n, const uint8_t *id, roster_bytes_fn fn,
                void *data, struct hz_err *err);
/* @subject's cut-off (the last seq that stays); *@found false if none. */
int roster_cutoff(struct hz_node *n, const uint8_t *subject, uint64_t *seq,
                  bool *found, struct hz_err *err);
/* Does @subject hold a certificate in effect or a cut-off? */
int roster_knows(struct hz_node *n, const uint8_t *subject, bool *known,
                 struct hz_err *err);
/* Members in good standing (a certificate in effect, no cut-off) other
 * than @excluded, in key order. */
int roster_good_members(struct hz_node *n, const uint8_t *excluded,
                        int (*fn)(void *data, const uint8_t *subject,
                                  struct hz_err *err),
                        void *data, struct hz_err *err);
/* Epochs in effect, newest first. */
int roster_epochs(struct hz_node *n,
                  int (*fn)(void *data, const uint8_t *key_id, uint64_t epoch,
                            struct hz_err *err),
                  void *data, struct hz_err *err);
/* The number the next epoch takes (1 + the highest in effect). */
int roster_next_epoch(struct hz_node *n, uint64_t *next, struct hz_err *err);

/* The members report's rows: "members" (key, cert, admin_rank,
 * revoked_after) and "revoked" (key, revoked_after: cut-offs of devices
 * without a certificate in effect). */
enum roster_rows { ROSTER_MEMBERS, ROSTER_REVOKED };
int roster_rows_json(struct hz_node *n, enum roster_rows which, json_t *arr,
                     struct hz_err *err);

/* What resolution decided, replaced as a whole (inside a txn). */
struct roster_digest {
    uint8_t subject[HZ_KEY_LEN];
    uint8_t d[HZ_HASH_LEN]; /* certificates in effect and cut-off */
};
int roster_reset(struct hz_node *n, struct hz_err *err);
int roster_put_epoch(struct hz_node *n, const uint8_t *epoch_id, uint64_t epoch,
                     const uint8_t *key_id, const uint8_t *eid,
                     struct hz_err *err);
/* @rank: UINT32_MAX when the certificate gives none. */
int roster_put_member(struct hz_node *n, const struct cert *c,
                      const uint8_t *eid, uint32_t rank, struct hz_err *err);
int roster_put_cutoff(struct hz_node *n, const uint8_t *subject, uint64_t seq,
                      const uint8_t *rev, const uint8_t *issuer, bool root,
                      const uint8_t *eid, struct hz_err *err);
int roster_put_digest(struct hz_node *n, const struct roster_digest *d,
                      struct hz_err *err);
/* The digests stored by the last resolution, sorted by subject; *@out
 * owned (free). */
int roster_digests(struct hz_node *n, struct roster_digest **out, size_t *count,
                   struct hz_err *err);

/* Bundle keys this node holds (bkeys). */
int roster_bkey_put(struct hz_node *n, const uint8_t *key_id, uint64_t epoch,
                    const uint8_t *key, struct hz_err *err);
/* The key named @key_id and the epoch it was given for. */
int roster_bkey_get(struct hz_node *n, const uint8_t *key_id, uint8_t *key,
                    uint64_t *epoch, bool *found, struct hz_err *err);

/* Entering a network: every trust object and what it decided goes. */
int roster_clear(struct hz_node *n, struct hz_err *err);

/* ---- trust.c */

/* Is the node in a network (not the placeholder of DECISIONS 14)? */
bool trust_networked(const uint8_t *network);
/* Content checks of a trust body (a failure rejects the entry). */
int trust_check_body(struct hz_node *n, const struct entry *e,
                     const struct body *b, struct hz_err *why);
/* May the entry's author write it, by the trust state held now? Sets
 * *allowed, and @why when not. */
int trust_allowed(struct hz_node *n, const struct entry *e,
                  const struct body *b, bool *allowed, struct hz_err *why,
                  struct hz_err *err);
/* A trust entry was just stored in the log (state DENIED until judged):
 * record its objects, resolve the network's trust again (at once for our
 * own, at commit for others'), and judge the entry itself. */
int trust_entry_stored(struct hz_node *n, const struct entry *e,
                       const struct body *b, enum entry_state *state,
                       struct hz_err *err);
/* The trust level (trust_level_of) and strongest role of @key by the
 * certificates in effect: -1 and NULL for none, -1 when revoked. */
int trust_level(struct hz_node *n, const uint8_t *key, int *level,
                const char **role, struct hz_err *err);
/* Resolve the network's trust again and judge every entry whose author's
 * standing changed (node/txn.c calls it before a commit when trust
 * objects arrived or left). */
int trust_refresh(struct hz_node *n, struct hz_err *err);

/* ---- network.c */

/* What re-issuing did. */
struct reissue {
    uint64_t written, denied, archived;
};

/* The 32-byte network secret (network.secret). HZ_ENOTFOUND without. */
int network_secret(struct hz_node *n, uint8_t *out, struct hz_err *err);
/* The root key, when this node holds it (*have = 0 otherwise). */
int network_root_key(struct hz_node *n, struct identity *root, int *have,
                     struct hz_err *err);
/* Inside a transaction: archive every entry held, clear the state, and
 * make @network the node's; *@own gets its own applied entries. */
int network_move(struct hz_node *n, const uint8_t *network, const char *name,
                 struct blobs *own, struct reissue *r, struct hz_err *err);
/* Write @own again under the node's current key and network, with the
 * writes they superseded pointed at the re-issued copies; other writes
 * are kept (@keep) or dropped. Denied ones are kept, not lost. */
int network_reissue(struct hz_node *n, const struct blobs *own, bool keep,
                    struct reissue *r, struct hz_err *err);
/* Roll back a transaction that may have moved the node into a network. */
void network_roll_back(struct hz_node *n);
/* Move the node into @network (its own earlier entries re-issued, other
 * entries archived), in one transaction. For in-process nodes of the
 * simulator and tests; the public paths are hz_network_create and
 * hz_join. */
int network_enter(struct hz_node *n, const uint8_t *network, const char *name,
                  struct hz_err *err);
int network_check_name(const char *name, struct hz_err *err);
/* Make this node an admin of the network of the root key @seed. */
int network_become_admin(struct hz_node *n, const uint8_t *seed,
                         const char *name, char **network_hex,
                         struct hz_err *err);

/* ---- admit.c */

/* The certificates that make @key a member up to one signed by the root
 * key, @key's own first: for each device one certificate in effect with
 * the level needed (@need for @key's; a root-signed one first), appended
 * to @t->chain and owned by @hold. HZ_EPERM when @key holds none. */
int members_chain(struct hz_node *n, const uint8_t *key, int need,
                  struct token *t, struct blobs *hold, struct hz_err *err);

/* ---- peer.c: live-sync peers (proto/sync.md, "The chain a peer shows") */

/* The time certificates are judged at (DECISIONS 29): the wall clock
 * raised to the floor, the newest issue time among the root- or
 * admin-signed certificates, epochs and applied revocations in effect,
 * leaving out (@ignored of them) any dated more than 30 days past all
 * the others. */
struct peer_time {
    uint64_t ms, wall_ms, floor_ms;
    size_t ignored;
};
int peer_trusted_time(struct hz_node *n, struct peer_time *out,
                      struct hz_err *err);
/* This node's chain for a handshake, canonical msgpack, into @out. */
int peer_own_chain(struct hz_node *n, struct enc *out, struct hz_err *err);
/* May the device that proved @key in a handshake, showing @chain, open a
 * channel? 0, or a refusal with its reason: HZ_ENETWORK (this node is in
 * no network, or a link is of another), HZ_EREVOKED, HZ_EPERM (expired,
 * not reaching the root, an issuer without the level), HZ_EBADSIG,
 * HZ_EMALFORMED. */
int peer_judge(struct hz_node *n, const uint8_t *key, const uint8_t *chain,
               size_t len, struct hz_err *err);

/* ---- rekey.c */

/* After a rekey, re-issue the previous key's entries past its fork point
 * or cut-off once this node learns of it (own transaction; called after
 * imports and joins). */
int rekey_followup(struct hz_node *n, struct hz_err *err);

/* ---- contacts.c */

/* "peers" (configured), "contacts" (devices sessions met) and "serving"
 * (a serve holds the node) for the status report. */
int contacts_status_json(struct hz_node *n, json_t *root, struct hz_err *err);

#endif
