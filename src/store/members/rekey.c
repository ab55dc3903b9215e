/* rekey.c - a new key for this node, and re-issuing the previous key's
 * refused entries (DECISIONS 13, 16; proto/trust.md, "Forks, clones and
 * rekey"). */
#include "members.h"

#include "huzhu/trust.h"

#include "../../core/error_int.h"
#include "../../core/token.h"
#include "../files/files.h"
#include "../state/render.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- rekey */

/* The first seq of @key that is no longer good: its fork point, else one
 * past its cut-off; 0 when neither is known here. */
static int bad_from(struct hz_node *n, const uint8_t *key, uint64_t *from,
                    struct hz_err *err)
{
    uint64_t cut = 0;
    bool revoked = false;
    int rv = log_fork_point(n, key, from, err);
    if (rv == 0)
        rv = roster_cutoff(n, key, &cut, &revoked, err);
    if (rv == 0 && revoked && (*from == 0 || cut + 1 < *from))
        *from = cut + 1;
    return rv;
}

/* Was this node re-keyed (its previous key into @old) without its old
 * key's refused entries re-issued yet? */
static bool rekey_pending(struct hz_node *n, uint8_t *old)
{
    bool done = false;
    return db_meta_get(&n->db, "rekeyed_from", old, HZ_KEY_LEN, NULL) == 0 &&
           db_meta_has(&n->db, "rekey_reissued", &done, NULL) == 0 && !done;
}

/* Inside a transaction: once the fork point or cut-off of this node's
 * previous key is known, re-issue that key's entries from there on under
 * the current key, once (DECISIONS 16). */
static int rekey_catch_up(struct hz_node *n, uint64_t *from, struct reissue *r,
                          struct hz_err *err)
{
    *from = 0;
    uint8_t old[HZ_KEY_LEN];
    if (!rekey_pending(n, old))
        return 0;
    int rv = bad_from(n, old, from, err);
    if (rv != 0 || *from == 0)
        return rv;
    struct blobs own = {0};
    rv = log_load(n, old, *from, LOG_FROM_REISSUE, &own, err);
    if (rv == 0)
        rv = network_reissue(n, &own, true, r, err);
    blobs_close(&own);
    char text[24];
    snprintf(text, sizeof text, "%llu", (unsigned long long)*from);
    if (rv == 0)
        rv = db_meta_put(&n->db, "rekey_reissued", text, strlen(text), err);
    return rv;
}

int rekey_followup(struct hz_node *n, struct hz_err *err)
{
    if (n->flags & HZ_OPEN_READONLY)
        return 0;
    uint8_t old[HZ_KEY_LEN];
    if (!rekey_pending(n, old))
        return 0;
    uint64_t from;
    struct reissue r = {0};
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = rekey_catch_up(n, &from, &r, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    else if (r.written > 0)
        env_logf(n, HZ_LOG_WARN, "rekey: re-issued %llu entries from seq %llu",
                 (unsigned long long)r.written, (unsigned long long)from);
    return rv;
}

int hz_node_rekey(hz_node *n, char **summary, struct hz_err *err)
{
    *summary = NULL;
    if (n->flags & HZ_OPEN_READONLY)
        return hz_err_set(err, HZ_EREADONLY, "node opened read-only");
    if (n->dir == NULL)
        return hz_err_set(err, HZ_EINVAL, "needs a node directory");
    uint8_t seed[HZ_SECRET_LEN], old_pk[HZ_KEY_LEN];
    env_random(n, seed, sizeof seed);
    struct identity fresh, old = n->id;
    memcpy(old_pk, old.pk, HZ_KEY_LEN);
    identity_from_seed(&fresh, seed);
    /* The new key waits beside the old one until the database says it
     * is the node's key (node.c finishes or discards it on open). */
    int rv = secret_write(n, HZ_KEY_FILE ".new", seed, err);
    sodium_memzero(seed, sizeof seed);
    if (rv != 0) {
        identity_close(&fresh);
        return rv;
    }
    uint64_t from = 0;
    struct reissue r = {0};
    uint8_t device[HZ_HASH_LEN];
    node_device_fingerprint(device);
    rv = txn_begin(n, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "key", fresh.pk, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "rekeyed_from", old_pk, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_meta_del(&n->db, "clone", err);
    if (rv == 0)
        rv = db_meta_del(&n->db, "rekey_reissued", err);
    if (rv == 0)
        rv = db_meta_put(&n->db, "device", device, sizeof device, err);
    /* What of the old key's is known to be refused is re-issued now; the
     * rest once its cut-off or fork reaches this node (rekey_followup). */
    if (rv == 0) {
        n->id = fresh;
        sodium_memzero(&fresh, sizeof fresh); /* n->id holds it now */
        rv = rekey_catch_up(n, &from, &r, err);
    }
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0) {
        txn_rollback(n);
        if (memcmp(n->id.pk, old.pk, HZ_KEY_LEN) != 0)
            identity_close(&n->id); /* the new key, never to be used */
        identity_close(&fresh);
        n->id = old;
        sodium_memzero(&old, sizeof old);
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.new", n->dir, HZ_KEY_FILE);
        unlink(path);
        return rv;
    }
    identity_close(&old);
    rv = node_finish_rekey(n, err);
    if (rv == 0) {
        json_t *o = json_object();
        json_object_set_new(o, "old_key", render_hex(old_pk, HZ_KEY_LEN));
        json_object_set_new(o, "key", render_hex(n->id.pk, HZ_KEY_LEN));
        json_object_set_new(o, "from_seq",
                            from > 0 ? json_integer((json_int_t)from)
                                     : json_null());
        json_object_set_new(o, "reissued", json_integer((json_int_t)r.written));
        json_object_set_new(o, "networked", json_boolean(n->networked));
        rv = render_dump(o, summary, err);
        char a[9], b[9];
        hex_encode(old_pk, 4, a);
        hex_encode(n->id.pk, 4, b);
        env_logf(n, HZ_LOG_WARN, "rekeyed old=%s new=%s reissued=%llu", a, b,
                 (unsigned long long)r.written);
    }
    return rv;
}
