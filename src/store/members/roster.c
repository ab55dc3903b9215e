/* roster.c - the owner of the membership tables (proto/storage.md):
 *   tobj      every certificate, revocation and epoch carried by a log
 *             entry
 *   member    the certificates in effect, by subject
 *   cutoff    the cut-off of each revoked device
 *   standing  a digest of each subject's certificates and cut-off, to
 *             find whose entries must be judged again after a change
 *   epochs    the bundle key epochs in effect
 *   bkeys     bundle keys this node was given or made
 * The only file with SQL on them; trust.c decides what they hold. */
#include "members.h"

#include "../../core/alloc.h"
#include "../../core/error_int.h"

#include <stdlib.h>
#include <string.h>

#define HZ_ASSERT_TXN(n) HZ_ASSERT(db_in_txn(&(n)->db))

int roster_carry(struct hz_node *n, const struct entry *e, const struct body *b,
                 struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    HZ_ASSERT(b->trust);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < b->n_ops; i++)
        rv = db_run(&n->db,
                    "INSERT INTO tobj(eid, idx, author, seq, kind, bytes)"
                    " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                    DB_ARGS(DB_HASH(e->id), DB_INT(i), DB_KEY(e->author),
                            DB_INT(e->seq), DB_INT(b->ops[i].kind),
                            DB_BLOB(b->ops[i].object.p, b->ops[i].object.len)),
                    err);
    return rv;
}

int roster_carries(struct hz_node *n, const uint8_t *author, bool *found,
                   struct hz_err *err)
{
    int64_t one;
    return db_int(&n->db, "SELECT 1 FROM tobj WHERE author = ?1 LIMIT 1",
                  DB_ARGS(DB_KEY(author)), &one, found, err);
}

int roster_has_cert(struct hz_node *n, const uint8_t *subject, bool *has,
                    struct hz_err *err)
{
    int64_t one;
    return db_int(&n->db, "SELECT 1 FROM member WHERE subject = ?1 LIMIT 1",
                  DB_ARGS(DB_KEY(subject)), &one, has, err);
}

int roster_in_effect(struct hz_node *n, const uint8_t *eid, bool *in_effect,
                     struct hz_err *err)
{
    int64_t v = 0;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM member WHERE eid = ?1)"
                    " OR EXISTS (SELECT 1 FROM cutoff WHERE eid = ?1)"
                    " OR EXISTS (SELECT 1 FROM epochs WHERE eid = ?1)",
                    DB_ARGS(DB_HASH(eid)), &v, NULL, err);
    *in_effect = v != 0;
    return rv;
}

int roster_uncarry(struct hz_node *n, const uint8_t *eid, bool *had,
                   struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    int rv = db_run(&n->db, "DELETE FROM tobj WHERE eid = ?1",
                    DB_ARGS(DB_HASH(eid)), err);
    *had = rv == 0 && db_changes(&n->db) > 0;
    return rv;
}

struct objs_walk {
    struct hz_node *n;
    int (*fn)(void *data, const struct roster_obj *o, struct hz_err *err);
    void *data;
};

static int obj_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct objs_walk *w = data;
    uint8_t author[HZ_KEY_LEN], eid[HZ_HASH_LEN];
    int rv = db_column_fixed(st, 0, author, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_column_fixed(st, 2, eid, HZ_HASH_LEN, err);
    if (rv != 0)
        return rv;
    /* Only the objects of applied or denied entries count: an entry
     * stopped by a fork carries nothing any more. */
    enum entry_state state;
    bool found;
    rv = log_state_of(w->n, eid, &state, &found, err);
    if (rv != 0 || !found || (state != ENTRY_APPLIED && state != ENTRY_DENIED))
        return rv;
    struct roster_obj o = {
        .author = author,
        .seq = (uint64_t)sqlite3_column_int64(st, 1),
        .eid = eid,
        .idx = (uint32_t)sqlite3_column_int(st, 3),
        .kind = (enum op_kind)sqlite3_column_int(st, 4),
        .bytes = sqlite3_column_blob(st, 5),
        .len = (size_t)sqlite3_column_bytes(st, 5),
    };
    return w->fn(w->data, &o, err);
}

int roster_objs(struct hz_node *n,
                int (*fn)(void *data, const struct roster_obj *o,
                          struct hz_err *err),
                void *data, struct hz_err *err)
{
    struct objs_walk w = {n, fn, data};
    return db_each(&n->db,
                   "SELECT author, seq, eid, idx, kind, bytes FROM tobj"
                   " ORDER BY eid, idx",
                   DB_NO_ARGS, obj_row, &w, err);
}

struct bytes_walk {
    roster_bytes_fn fn;
    void *data;
};

static int bytes_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct bytes_walk *w = data;
    return w->fn(w->data, sqlite3_column_blob(st, 0),
                 (size_t)sqlite3_column_bytes(st, 0), err);
}

int roster_epoch_objs(struct hz_node *n, roster_bytes_fn fn, void *data,
                      struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    return db_each(&n->db, "SELECT bytes FROM tobj WHERE kind = ?1",
                   DB_ARGS(DB_INT(OP_EPOCH)), bytes_row, &w, err);
}

int roster_epoch_objs_for(struct hz_node *n, const uint8_t *key_id,
                          roster_bytes_fn fn, void *data, struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    return db_each(&n->db,
                   "SELECT t.bytes FROM tobj t JOIN epochs e ON t.eid = e.eid"
                   " WHERE t.kind = ?2 AND e.key_id = ?1",
                   DB_ARGS(DB_BLOB(key_id, HZ_KEY_ID_LEN), DB_INT(OP_EPOCH)),
                   bytes_row, &w, err);
}

int roster_all_certs(struct hz_node *n, roster_bytes_fn fn, void *data,
                     struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    return db_each(&n->db, "SELECT bytes FROM member ORDER BY id", DB_NO_ARGS,
                   bytes_row, &w, err);
}

int roster_is_admin(struct hz_node *n, const uint8_t *subject, bool *admin,
                    struct hz_err *err)
{
    int64_t v = 0;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM member WHERE subject = ?1"
                    " AND rank IS NOT NULL)",
                    DB_ARGS(DB_KEY(subject)), &v, NULL, err);
    *admin = v != 0;
    return rv;
}

int roster_epoch_objs_in_effect(struct hz_node *n, roster_bytes_fn fn,
                                void *data, struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    return db_each(&n->db,
                   "SELECT t.bytes FROM tobj t JOIN epochs e ON t.eid = e.eid"
                   " WHERE t.kind = ?1",
                   DB_ARGS(DB_INT(OP_EPOCH)), bytes_row, &w, err);
}

/* A revocation carried by an entry that set a cut-off (bytes, the
 * cut-off's revocation id): passed on when it is that revocation. */
static int applied_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct bytes_walk *w = data;
    const uint8_t *p = sqlite3_column_blob(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    struct revocation r;
    uint8_t rev[HZ_HASH_LEN];
    if (revocation_decode(&r, p, len, NULL) != 0 ||
        db_column_fixed(st, 1, rev, HZ_HASH_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "revocation");
    return memcmp(r.id, rev, HZ_HASH_LEN) == 0 ? w->fn(w->data, p, len, err)
                                               : 0;
}

int roster_revocations_applied(struct hz_node *n, roster_bytes_fn fn,
                               void *data, struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    return db_each(&n->db,
                   "SELECT t.bytes, c.rev FROM tobj t JOIN cutoff c"
                   " ON t.eid = c.eid WHERE t.kind = ?1",
                   DB_ARGS(DB_INT(OP_REVOKE)), applied_row, &w, err);
}

int roster_certs(struct hz_node *n, const uint8_t *subject, roster_bytes_fn fn,
                 void *data, struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    return db_each(&n->db,
                   "SELECT bytes FROM member WHERE subject = ?1 ORDER BY id",
                   DB_ARGS(DB_KEY(subject)), bytes_row, &w, err);
}

int roster_cert(struct hz_node *n, const uint8_t *id, roster_bytes_fn fn,
                void *data, struct hz_err *err)
{
    struct bytes_walk w = {fn, data};
    sqlite3_stmt *st;
    int rv = db_query(&n->db, "SELECT bytes FROM member WHERE id = ?1",
                      DB_ARGS(DB_HASH(id)), &st, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        rv = bytes_row(&w, st, err);
    else
        rv = rc == SQLITE_DONE ? hz_err_set(err, HZ_ECORRUPT, "member")
                               : db_err(&n->db, rc, "member", err);
    sqlite3_reset(st);
    return rv;
}

int roster_cutoff(struct hz_node *n, const uint8_t *subject, uint64_t *seq,
                  bool *found, struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db, "SELECT seq FROM cutoff WHERE subject = ?1",
                    DB_ARGS(DB_KEY(subject)), &v, found, err);
    *seq = (uint64_t)v;
    return rv;
}

int roster_knows(struct hz_node *n, const uint8_t *subject, bool *known,
                 struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM member WHERE subject = ?1)"
                    " OR EXISTS (SELECT 1 FROM cutoff WHERE subject = ?1)",
                    DB_ARGS(DB_KEY(subject)), &v, NULL, err);
    *known = v != 0;
    return rv;
}

struct subjects_walk {
    int (*fn)(void *data, const uint8_t *subject, struct hz_err *err);
    void *data;
};

static int subject_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct subjects_walk *w = data;
    uint8_t subject[HZ_KEY_LEN];
    int rv = db_column_fixed(st, 0, subject, HZ_KEY_LEN, err);
    return rv != 0 ? rv : w->fn(w->data, subject, err);
}

int roster_good_members(struct hz_node *n, const uint8_t *excluded,
                        int (*fn)(void *data, const uint8_t *subject,
                                  struct hz_err *err),
                        void *data, struct hz_err *err)
{
    struct subjects_walk w = {fn, data};
    return db_each(&n->db,
                   "SELECT DISTINCT subject FROM member WHERE subject NOT IN"
                   " (SELECT subject FROM cutoff) AND subject <> ?1"
                   " ORDER BY subject",
                   DB_ARGS(DB_KEY(excluded)), subject_row, &w, err);
}

struct epochs_walk {
    int (*fn)(void *data, const uint8_t *key_id, uint64_t epoch,
              struct hz_err *err);
    void *data;
};

static int epoch_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct epochs_walk *w = data;
    uint8_t key_id[HZ_KEY_ID_LEN];
    int rv = db_column_fixed(st, 0, key_id, HZ_KEY_ID_LEN, err);
    return rv != 0 ? rv
                   : w->fn(w->data, key_id,
                           (uint64_t)sqlite3_column_int64(st, 1), err);
}

int roster_epochs(struct hz_node *n,
                  int (*fn)(void *data, const uint8_t *key_id, uint64_t epoch,
                            struct hz_err *err),
                  void *data, struct hz_err *err)
{
    struct epochs_walk w = {fn, data};
    return db_each(&n->db,
                   "SELECT key_id, epoch FROM epochs ORDER BY epoch DESC, id",
                   DB_NO_ARGS, epoch_row, &w, err);
}

int roster_next_epoch(struct hz_node *n, uint64_t *next, struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db, "SELECT coalesce(max(epoch), 0) + 1 FROM epochs",
                    DB_NO_ARGS, &v, NULL, err);
    *next = (uint64_t)v;
    return rv;
}

int roster_rows_json(struct hz_node *n, enum roster_rows which, json_t *arr,
                     struct hz_err *err)
{
    if (which == ROSTER_MEMBERS)
        return db_rows_json(&n->db,
                            "SELECT m.subject AS key, m.id AS cert, m.rank AS"
                            " admin_rank, c.seq AS revoked_after FROM member m"
                            " LEFT JOIN cutoff c ON c.subject = m.subject"
                            " ORDER BY m.subject, m.id",
                            DB_NO_ARGS, arr, err);
    return db_rows_json(&n->db,
                        "SELECT c.subject AS key, c.seq AS revoked_after"
                        " FROM cutoff c WHERE c.subject NOT IN (SELECT"
                        " subject FROM member) ORDER BY c.subject",
                        DB_NO_ARGS, arr, err);
}

/* ---- what resolution decided */

int roster_reset(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_exec(&n->db,
                   "DELETE FROM member; DELETE FROM cutoff;"
                   " DELETE FROM standing; DELETE FROM epochs;",
                   err);
}

int roster_put_epoch(struct hz_node *n, const uint8_t *epoch_id, uint64_t epoch,
                     const uint8_t *key_id, const uint8_t *eid,
                     struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_run(&n->db,
                  "INSERT OR IGNORE INTO epochs(id, epoch, key_id, eid)"
                  " VALUES(?1, ?2, ?3, ?4)",
                  DB_ARGS(DB_HASH(epoch_id), DB_INT(epoch),
                          DB_BLOB(key_id, HZ_KEY_ID_LEN), DB_HASH(eid)),
                  err);
}

int roster_put_member(struct hz_node *n, const struct cert *c,
                      const uint8_t *eid, uint32_t rank, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    struct enc tmp;
    enc_init(&tmp);
    int rv = cert_encode(c, &tmp);
    if (rv == 0)
        rv =
            db_run(&n->db,
                   "INSERT OR IGNORE INTO member(subject, id, bytes, eid,"
                   " rank) VALUES(?1, ?2, ?3, ?4, ?5)",
                   DB_ARGS(DB_KEY(c->subject), DB_HASH(c->id),
                           DB_BLOB(enc_data(&tmp), enc_len(&tmp)), DB_HASH(eid),
                           rank != UINT32_MAX ? DB_INT(rank) : DB_NULL),
                   err);
    enc_close(&tmp);
    return rv;
}

int roster_put_cutoff(struct hz_node *n, const uint8_t *subject, uint64_t seq,
                      const uint8_t *rev, const uint8_t *issuer, bool root,
                      const uint8_t *eid, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_run(&n->db,
                  "INSERT INTO cutoff(subject, seq, rev, issuer, root, eid)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                  DB_ARGS(DB_KEY(subject), DB_INT(seq), DB_HASH(rev),
                          DB_KEY(issuer), DB_INT(root), DB_HASH(eid)),
                  err);
}

int roster_put_digest(struct hz_node *n, const struct roster_digest *d,
                      struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_run(&n->db,
                  "INSERT INTO standing(subject, digest) VALUES(?1, ?2)",
                  DB_ARGS(DB_KEY(d->subject), DB_HASH(d->d)), err);
}

struct digests {
    struct roster_digest *v;
    size_t count, cap;
};

static int digest_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct digests *k = data;
    struct roster_digest *v = hz_grow(k->v, &k->cap, k->count, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "standing");
    k->v = v;
    struct roster_digest *d = &k->v[k->count];
    int rv = db_column_fixed(st, 0, d->subject, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_column_fixed(st, 1, d->d, HZ_HASH_LEN, err);
    if (rv == 0)
        k->count++;
    return rv;
}

int roster_digests(struct hz_node *n, struct roster_digest **out, size_t *count,
                   struct hz_err *err)
{
    struct digests k = {0};
    int rv =
        db_each(&n->db, "SELECT subject, digest FROM standing ORDER BY subject",
                DB_NO_ARGS, digest_row, &k, err);
    if (rv != 0) {
        free(k.v);
        k.v = NULL;
        k.count = 0;
    }
    *out = k.v;
    *count = k.count;
    return rv;
}

/* ---- bundle keys */

int roster_bkey_put(struct hz_node *n, const uint8_t *key_id, uint64_t epoch,
                    const uint8_t *key, struct hz_err *err)
{
    return db_run(&n->db,
                  "INSERT OR REPLACE INTO bkeys(key_id, epoch, key)"
                  " VALUES(?1, ?2, ?3)",
                  DB_ARGS(DB_BLOB(key_id, HZ_KEY_ID_LEN), DB_INT(epoch),
                          DB_BLOB(key, HZ_SECRET_KEY_LEN)),
                  err);
}

int roster_bkey_get(struct hz_node *n, const uint8_t *key_id, uint8_t *key,
                    uint64_t *epoch, bool *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_first(&n->db, "SELECT key, epoch FROM bkeys WHERE key_id = ?1",
                      DB_ARGS(DB_BLOB(key_id, HZ_KEY_ID_LEN)), &st, found, err);
    if (rv != 1)
        return rv;
    /* A key of another length is not one this node can use. */
    if (db_column_fixed(st, 0, key, HZ_SECRET_KEY_LEN, NULL) != 0)
        *found = false;
    *epoch = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

int roster_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_exec(&n->db,
                   "DELETE FROM tobj; DELETE FROM member; DELETE FROM cutoff;"
                   " DELETE FROM standing;",
                   err);
}
