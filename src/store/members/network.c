/* network.c - creating a network and entering one: re-issuing a node's earlier
 * entries, becoming an admin (include/huzhu/trust.h; proto/trust.md).
 * Admission, joining and revocation: admit.c; the root key's backup: rootkey.c;
 * members: members.c; rekey: rekey.c.
 *
 * Files in the node directory, each 0600 and never printed:
 *   network.key     the network root key's seed (the node that created the
 *                   network, or one it was restored onto)
 *   network.secret  the network secret every member holds (join tokens
 *                   carry it): discovery, the secure channel and bundle
 *                   encryption are keyed from it */
#include "members.h"

#include "huzhu/trust.h"

#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../../core/token.h"
#include "../../core/trust.h"
#include "../files/files.h"
#include "../state/render.h"
#include "../state/state.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int network_secret(struct hz_node *n, uint8_t *out, struct hz_err *err)
{
    return secret_read(n, SECRET_FILE, out, err);
}

/* The network secret follows from the root key, so the root key's
 * backup restores both (proto/trust.md, "Root key backup"). */
static void derive_secret(const uint8_t *root_seed, uint8_t *secret)
{
    static const char tag[] = "huzhu network secret v1";
    crypto_generichash(secret, HZ_SECRET_LEN, (const uint8_t *)tag,
                       sizeof tag - 1, root_seed, HZ_SECRET_LEN);
}

/* The root key, when this node holds it. *have = 0 otherwise. */
int network_root_key(struct hz_node *n, struct identity *root, int *have,
                     struct hz_err *err)
{
    uint8_t seed[HZ_SECRET_LEN];
    *have = 0;
    int rv = secret_read(n, ROOT_FILE, seed, err);
    if (rv == HZ_ENOTFOUND)
        return 0;
    if (rv != 0)
        return rv;
    identity_from_seed(root, seed);
    sodium_memzero(seed, sizeof seed);
    uint8_t net[HZ_NET_LEN];
    cert_network_id(root->pk, net);
    if (n->networked && memcmp(net, n->network, HZ_NET_LEN) != 0) {
        identity_close(root);
        return hz_err_set(err, HZ_ECORRUPT,
                          "network.key belongs to another network");
    }
    *have = 1;
    return 0;
}

/* ---- entering a network: re-issuing what was written before */

struct idmap {
    size_t n, cap;
    struct pair {
        uint8_t old[HZ_HASH_LEN];
        uint8_t now[HZ_HASH_LEN];
    } * v; /* sorted by old */
};

static const uint8_t *idmap_find(const struct idmap *m, const uint8_t *old)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(m->v[mid].old, old, HZ_HASH_LEN);
        if (c == 0)
            return m->v[mid].now;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int idmap_add(struct idmap *m, const uint8_t *old, const uint8_t *now)
{
    struct pair *v = hz_grow(m->v, &m->cap, m->n, sizeof *v);
    if (v == NULL)
        return HZ_ENOMEM;
    m->v = v;
    size_t at = m->n;
    while (at > 0 && memcmp(m->v[at - 1].old, old, HZ_HASH_LEN) > 0)
        at--;
    memmove(&m->v[at + 1], &m->v[at], (m->n - at) * sizeof m->v[0]);
    memcpy(m->v[at].old, old, HZ_HASH_LEN);
    memcpy(m->v[at].now, now, HZ_HASH_LEN);
    m->n++;
    return 0;
}

static int cmp_id_ptr(const void *a, const void *b)
{
    return memcmp(*(const uint8_t *const *)a, *(const uint8_t *const *)b,
                  HZ_HASH_LEN);
}

/* Point a list of superseded writes at the re-issued entries. Other
 * writes are dropped when entering a network (those devices re-issue
 * their own when they join) and kept on a rekey (they stay in the log). */
static void remap_ids(const struct idmap *m, bool keep, const uint8_t **ids,
                      size_t *n)
{
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        const uint8_t *now = idmap_find(m, ids[i]);
        if (now != NULL)
            ids[k++] = now;
        else if (keep)
            ids[k++] = ids[i];
    }
    *n = k;
    qsort(ids, k, sizeof ids[0], cmp_id_ptr);
}

/* Move this node into @network inside the open transaction: every entry
 * held so far is archived in `prenet`; the state is cleared; the caller
 * then writes the certificate entry and calls network_reissue(). Returns this
 * node's own applied entries (bytes, in seq order) in *@own. */

/* This node's applied entries from @from_seq on, in seq order. */
static int load_own(struct hz_node *n, uint64_t from_seq, struct blobs *own,
                    struct hz_err *err)
{
    return log_load(n, n->id.pk, from_seq, LOG_FROM_APPLIED, own, err);
}

int network_move(struct hz_node *n, const uint8_t *network, const char *name,
                 struct blobs *own, struct reissue *r, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    int rv = load_own(n, 0, own, err);
    if (rv == 0)
        rv = log_archive(n, n->id.pk, &r->archived, err);
    if (rv == 0)
        rv = apply_clear(n, err);
    if (rv == 0)
        rv = roster_clear(n, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "network", network, HZ_NET_LEN, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "network_name", name, strlen(name), err);
    if (rv == 0) {
        memcpy(n->network, network, HZ_NET_LEN);
        n->networked = true;
    }
    return rv;
}

/* Write this node's earlier entries again, in order, into the network:
 * the same rows and values, with the writes they superseded pointed at
 * their re-issued copies. Entries the node's role does not allow are
 * kept (denied) rather than lost. */
int network_reissue(struct hz_node *n, const struct blobs *own, bool keep,
                    struct reissue *r, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct idmap m = {0};
    int rv = 0;
    bool kept = n->keep_denied;
    n->keep_denied = true;
    for (size_t i = 0; rv == 0 && i < own->n; i++) {
        struct entry e;
        struct body b = {0};
        rv = entry_decode(&e, own->p[i], own->len[i], err);
        if (rv == 0)
            rv = body_decode(&b, n->schema, e.body.p, e.body.len, err);
        for (size_t k = 0; rv == 0 && k < b.n_ops; k++) {
            struct op *o = &b.ops[k];
            if (o->kind == OP_DEL)
                remap_ids(&m, keep, o->seen, &o->n_seen);
            for (size_t f = 0; o->kind == OP_SET && f < o->n_fields; f++)
                remap_ids(&m, keep, o->fields[f].heads, &o->fields[f].n_heads);
        }
        if (rv == 0)
            rv = write_entry(n, &b, err);
        body_close(&b);
        if (rv == 0 && idmap_add(&m, e.id, n->last_eid) != 0)
            rv = hz_err_set(err, HZ_ENOMEM, "re-issue");
        if (rv == 0) {
            r->written++;
            enum entry_state state;
            bool found;
            rv = log_state_of(n, n->last_eid, &state, &found, err);
            if (rv == 0 && found && state == ENTRY_DENIED)
                r->denied++;
        }
    }
    n->keep_denied = kept;
    free(m.v);
    return rv;
}

/* Roll back a transaction that may have moved the node into a network:
 * the in-memory network follows the database back. */
void network_roll_back(struct hz_node *n)
{
    txn_rollback(n);
    int back = db_meta_get(&n->db, "network", n->network, HZ_NET_LEN, NULL);
    n->networked = back == 0 && trust_networked(n->network);
}

/* In one transaction: move into @network (with @move; else the node is in
 * it already), write @cert as a trust entry when given, and re-issue this
 * node's earlier entries. */
static int enter(struct hz_node *n, const uint8_t *network, const char *name,
                 bool move, const struct enc *cert, struct reissue *r,
                 struct hz_err *err)
{
    struct blobs own = {0};
    int rv = txn_begin(n, err);
    if (rv == 0 && move)
        rv = network_move(n, network, name, &own, r, err);
    if (rv == 0 && cert != NULL)
        rv = write_trust(n, OP_CERT, enc_data(cert), enc_len(cert), err);
    if (rv == 0)
        rv = network_reissue(n, &own, false, r, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        network_roll_back(n);
    blobs_close(&own);
    return rv;
}

int network_enter(struct hz_node *n, const uint8_t *network, const char *name,
                  struct hz_err *err)
{
    struct reissue r = {0};
    return enter(n, network, name, true, NULL, &r, err);
}

int network_check_name(const char *name, struct hz_err *err)
{
    if (name == NULL || name[0] == '\0' || strlen(name) > HZ_CERT_NAME_MAX ||
        !utf8_valid((const uint8_t *)name, strlen(name)))
        return hz_err_set(err, HZ_EINVAL,
                          "network name: 1 to %u bytes of UTF-8",
                          HZ_CERT_NAME_MAX);
    return 0;
}

/* Make this node an admin of the network of the root key @seed: the root
 * key and the network secret into their files (they come first: a crash
 * before the database commits leaves them for the next attempt), then in
 * one transaction the network entered (unless already in it) and a
 * root-signed admin certificate for this node. */
int network_become_admin(struct hz_node *n, const uint8_t *seed,
                         const char *name, char **network_hex,
                         struct hz_err *err)
{
    struct identity root;
    identity_from_seed(&root, seed);
    uint8_t network[HZ_NET_LEN], secret[HZ_SECRET_LEN];
    cert_network_id(root.pk, network);
    int rv = 0;
    if (n->networked && memcmp(network, n->network, HZ_NET_LEN) != 0)
        rv = hz_err_set(err, HZ_EEXIST, "this node is in another network");
    if (rv == 0)
        rv = secret_write(n, ROOT_FILE, seed, err);
    derive_secret(seed, secret);
    if (rv == 0)
        rv = secret_write(n, SECRET_FILE, secret, err);
    sodium_memzero(secret, sizeof secret);
    char *me = NULL;
    struct reissue r = {0};
    struct enc out;
    enc_init(&out);
    if (rv == 0)
        rv = node_name(n, &me, err);
    if (rv == 0) {
        struct cert c = {.version = HZ_CERT_VERSION, .role = ROLE_ADMIN};
        memcpy(c.network, network, HZ_NET_LEN);
        memcpy(c.subject, n->id.pk, HZ_KEY_LEN);
        size_t len = strlen(me);
        if (len > HZ_CERT_NAME_MAX)
            len = HZ_CERT_NAME_MAX;
        c.name = (struct hz_bytes){(const uint8_t *)me, len};
        c.issued_ms = env_now_ms(n);
        c.valid_days = ADMIN_VALID_DAYS;
        memcpy(c.issuer, root.pk, HZ_KEY_LEN);
        rv = cert_sign(&c, root.sk, &out);
    }
    if (rv == 0)
        rv = enter(n, network, name, !n->networked, &out, &r, err);
    identity_close(&root);
    enc_close(&out);
    free(me);
    if (rv == 0) {
        *network_hex = render_hex_string(network, HZ_NET_LEN);
        if (*network_hex == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "network id");
        char a[9];
        hex_encode(network, 4, a);
        env_logf(n, HZ_LOG_INFO, "admin of network id=%s reissued=%llu", a,
                 (unsigned long long)r.written);
    }
    return rv;
}

int hz_network_create(hz_node *n, const char *name, char **network_hex,
                      struct hz_err *err)
{
    *network_hex = NULL;
    int rv = node_check_writable(n, err);
    if (rv == 0)
        rv = network_check_name(name, err);
    if (rv == 0 && n->networked)
        rv = hz_err_set(err, HZ_EEXIST, "this node is already in a network");
    if (rv != 0)
        return rv;
    uint8_t seed[HZ_SECRET_LEN];
    rv = secret_read(n, ROOT_FILE, seed, err);
    if (rv == HZ_ENOTFOUND)
        env_random(n, seed, sizeof seed);
    if (rv == 0 || rv == HZ_ENOTFOUND)
        rv = network_become_admin(n, seed, name, network_hex, err);
    sodium_memzero(seed, sizeof seed);
    return rv;
}
