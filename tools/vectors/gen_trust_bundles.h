/* gen_trust_bundles.h - what the parts of trust-bundles.json's generator
 * share: the keys, the nodes in directories and the world they live in
 * (gen_trust_bundles.c), sealed bundles (gen_trust_bundles_sealed.c),
 * bundle key epochs (gen_trust_bundles_epochs.c) and the root key's
 * recovery code and backup file (gen_trust_bundles_rootkey.c).
 * proto/trust.md, "Bundle key epochs" and "Root key backup";
 * proto/bundle.md, "Sealed bundles". */
#ifndef HZ_GEN_TRUST_BUNDLES_H
#define HZ_GEN_TRUST_BUNDLES_H

#include "gen_common.h"

#include "core/token.h"

#define TB_NET_NAME "测试封装网络"
#define TB_PASS "测试口令 huzhu vectors"
#define TB_WRONG_PASS "测试口令 huzhu vectorz"

enum sm {
    SM_ROOT,
    SM_R,
    SM_A,
    SM_C,
    SM_V,
    SM_W,
    SM_OTHER_ROOT,
    SM_O,
    SM_RESTORED,
    SM_N,
};

/* Every key of trust-bundles.json comes from 32 copies of one byte, but
 * the root key's: the bytes 0x30, 0x31, ... 0x4f (sm, gen_trust_bundles.c). */
struct sm_key {
    const char *name;
    const char *device; /* the device's name for people; NULL: a bare key */
    const char *role;   /* as admitted by R; NULL: not admitted */
    uint8_t seed_byte;
};

extern const struct sm_key sm[SM_N];

/* A node in a directory whose key is the seed of @who: the node's first
 * draw from its env is its key (hz_node_create), the rest splitmix64. */
struct dnode {
    struct genv g;
    uint8_t seed[HZ_SEED_LEN];
    bool seed_given;
    hz_node *n;
    char dir[512];
};

/* The world of trust-bundles.json. */
struct sworld {
    struct gen *g;
    char base[64];
    struct identity k[SM_N];
    uint8_t network[HZ_NET_LEN];
    uint8_t secret[HZ_SECRET_LEN];
    char *token[SM_N]; /* join tokens R wrote */
    size_t n_tmp;      /* names for scratch files and reader nodes */
};

/* The bundles R and A export on the way. */
struct tb_exports {
    struct blob e0;    /* R after admitting A, C and V: epoch 0 */
    struct blob e1;    /* R after revoking V: epoch 1, carried */
    struct blob full;  /* R after admitting W */
    struct blob e2;    /* A after revoking W: epoch 2, carried */
    struct blob big;   /* A after records with long notes: two chunks */
    struct blob other; /* a node of another network, its own epoch 0 */
};

/* ---- the world (gen_trust_bundles.c) */

/* A node of @who in @base/@sub, its clock at @now_ms. */
void dnode_open(struct dnode *d, const char *base, const char *sub, enum sm who,
                uint64_t now_ms);
/* A fresh name for a scratch file or node in @w's directory. */
void tmp_name(struct sworld *w, const char *what, char *out, size_t len);

/* @d's bundle of everything it holds, as export writes it. */
struct blob tb_export(struct sworld *w, struct dnode *d);

/* ---- sealed bundles (gen_trust_bundles_sealed.c) */

/* Records with long notes on @d, so that its bundle takes two chunks. */
void tb_long_records(struct dnode *d);
/* The plain bundle inside @sealed, opened by @d (it holds the key). */
struct blob tb_unseal(struct dnode *d, const struct blob *sealed);
/* A fresh node of @who, joined with the token R wrote for it, imports
 * @b. Returns 0 or the refusal; a refusal must change nothing. */
int tb_read(struct sworld *w, enum sm who, const struct blob *b,
            struct hz_ingest_stats *st, struct hz_err *err);
/* One sealed bundle of trust-bundles.json into @a: @reader (a fresh node
 * joined with its token) imports it, or refuses it with @code. An
 * imported one is described: its plain bundle (opened by @opener), epoch,
 * key id, the epoch it carries (@carried names it) and its chunks. */
void tb_sealed(struct sworld *w, json_t *a, const char *name, const char *desc,
               enum sm reader, const struct blob *b, const char *code,
               struct dnode *opener, const char *carried);
/* Every sealed bundle of the file, imported or refused by a fresh node
 * of its reader; @r and @a open the imported ones. */
json_t *tb_sealed_cases(struct sworld *w, const struct tb_exports *x,
                        struct dnode *r, struct dnode *a);

/* ---- sealed bundles that break one rule (gen_trust_bundles_reseal.c) */

/* Bundles of @x sealed again by hand, each breaking one rule of
 * bundle.md, "Reading a sealed bundle", refused by a reader that imports
 * them in the one form; and C's bundle of exactly 65,536 plain bytes.
 * @r and @a hold the keys; @ep1, @ep2 are epochs 1 and 2's objects. Into
 * @sealed. Draws from det_rng: call it after everything else. */
void tb_resealed_cases(struct sworld *w, const struct tb_exports *x,
                       struct dnode *r, struct dnode *a, const struct blob *ep1,
                       const struct blob *ep2, json_t *sealed);

/* ---- bundle key epochs (gen_trust_bundles_epochs.c) */

/* BLAKE2b-128(tag || key): a bundle key's id (proto/bundle.md). */
void tb_key_id(const uint8_t *key, uint8_t *id);
json_t *tb_epoch(struct sworld *w, struct dnode *d, const char *vector,
                 uint64_t number, enum sm revoked, const enum sm *members,
                 size_t n_members, struct blob *obj);
/* Epoch objects and an entry that must be refused, each made from epoch
 * 1's fields (@ep1) and wrong in one place. */
json_t *tb_refused_epochs(const struct sworld *w, const struct blob *ep1);

/* ---- the root key's recovery code and backup (gen_trust_bundles_rootkey.c) */

/* R's recovery code, and codes read and refused by a fresh node. */
json_t *tb_recovery(struct sworld *w, struct dnode *r);
/* R's backup file, and files or passphrases refused by a fresh node. */
json_t *tb_backup(struct sworld *w, struct dnode *r);

#endif
