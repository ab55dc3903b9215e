/* state.c - what a replica holds, summarised: the state hash, the vector,
 * the status report, and the re-verification of the whole log.
 *
 * State hash (proto/state-hash.md): BLAKE2b-256 over the tag
 * "huzhu state v1" and then, for each table in wire-name order that holds
 * at least one row, the table name (msgpack str) followed by its rows in
 * id-byte order: entity rows as [id, deleted, [[column, value], ...]],
 * event rows as [id, [[column, value], ...]], columns in wire-name order
 * and only those with a value. Local observations (pending, skew, arrival
 * order, verdict reasons) are not part of it. */
#include "query.h"
#include "store.h"

#include "../core/error_int.h"
#include "../core/limits.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_TAG "huzhu state v1"

static int hash_table(hz_node *n, const struct table_def *t,
                      crypto_generichash_state *h, struct hz_err *err)
{
    char sql[1024];
    query_select_sql(t, sql, sizeof sql - 20);
    strcat(sql, " ORDER BY id");
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    struct enc *e = &n->scratch;
    int rc;
    bool first = true;
    while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        enc_reset(e);
        if (first)
            enc_cstr(e, t->name);
        first = false;
        size_t set = 0;
        struct value vals[HZ_FIELDS_MAX];
        HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
        for (size_t c = 0; c < t->n_cols; c++) {
            rv = apply_value_from_sql(&t->cols[c], st, (int)c + 2, &vals[c]);
            if (rv != 0)
                break;
            set += vals[c].type != VALUE_NIL;
        }
        if (rv != 0 || sqlite3_column_bytes(st, 0) != (int)HZ_ROW_LEN) {
            rv = hz_err_set(err, HZ_ECORRUPT, "materialized %s", t->name);
            break;
        }
        enc_array(e, t->kind == TABLE_ENTITY ? 3 : 2);
        enc_bin(e, sqlite3_column_blob(st, 0), HZ_ROW_LEN);
        if (t->kind == TABLE_ENTITY)
            enc_bool(e, sqlite3_column_int(st, 1) != 0);
        enc_array(e, set);
        for (size_t c = 0; c < t->n_cols; c++) {
            if (vals[c].type == VALUE_NIL)
                continue;
            enc_array(e, 2);
            enc_cstr(e, t->cols[c].name);
            enc_value(e, &vals[c]);
        }
        rv = enc_done(e);
        if (rv == 0)
            crypto_generichash_update(h, enc_data(e), enc_len(e));
    }
    sqlite3_reset(st);
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(n, rc, "state hash", err);
    return rv;
}

int hz_node_state_hash(hz_node *n, char *out, struct hz_err *err)
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)STATE_TAG,
                              strlen(STATE_TAG));
    int rv = db_exec(n, "BEGIN", err);
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++)
        rv = hash_table(n, &n->schema->tables[i], &h, err);
    db_rollback(n);
    uint8_t digest[HZ_HASH_LEN];
    crypto_generichash_final(&h, digest, sizeof digest);
    if (rv == 0)
        hex_encode(digest, sizeof digest, out);
    return rv;
}

int hz_node_vector(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT author, max(seq), id FROM log GROUP BY author"
                     " ORDER BY author",
                     &st, err);
    if (rv != 0)
        return rv;
    json_t *root = json_object();
    json_t *arr = json_array();
    json_object_set_new(root, "network", query_hex(n->network, HZ_NET_LEN));
    json_object_set_new(root, "authors", arr);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "author",
                            query_hex(sqlite3_column_blob(st, 0), HZ_KEY_LEN));
        json_object_set_new(o, "seq",
                            json_integer(sqlite3_column_int64(st, 1)));
        json_object_set_new(o, "hash",
                            query_hex(sqlite3_column_blob(st, 2), HZ_HASH_LEN));
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        json_decref(root);
        return db_err(n, rc, "vector", err);
    }
    return query_dump(root, json, err);
}

int hz_node_status(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = json_object();
    char key[2 * HZ_KEY_LEN + 1];
    hex_encode(n->id.pk, HZ_KEY_LEN, key);
    char *name = NULL;
    int rv = db_meta_get_text(n, "name", &name, err);
    json_object_set_new(root, "name", json_string(name ? name : ""));
    free(name);
    json_object_set_new(root, "key", json_string(key));
    json_object_set_new(root, "schema", json_integer(n->schema->version));
    json_object_set_new(root, "networked", json_boolean(n->networked));
    json_object_set_new(root, "network", query_hex(n->network, HZ_NET_LEN));
    char *net_name = NULL;
    if (db_meta_get_text(n, "network_name", &net_name, NULL) == 0 &&
        net_name != NULL)
        json_object_set_new(root, "network_name", json_string(net_name));
    free(net_name);
    uint8_t old[HZ_KEY_LEN];
    if (db_meta_get(n, "restored_from", old, sizeof old, NULL) == 0)
        json_object_set_new(root, "restored_from", query_hex(old, HZ_KEY_LEN));
    char staged[4096];
    snprintf(staged, sizeof staged, "%s/%s", n->dir ? n->dir : ".",
             HZ_STAGED_FILE);
    json_object_set_new(
        root, "interrupted_import",
        json_boolean(n->dir != NULL && access(staged, F_OK) == 0));
    char *clone = NULL;
    json_object_set_new(
        root, "clone_detected",
        json_boolean(db_meta_get_text(n, "clone", &clone, NULL) == 0));
    free(clone);
    static const struct {
        const char *key;
        const char *sql;
    } parts[] = {
        {"entries",
         "SELECT count(*) AS total, coalesce(sum(state = 0), 0) AS applied,"
         " coalesce(sum(state = 1), 0) AS rejected,"
         " coalesce(sum(state = 2), 0) AS held,"
         " coalesce(sum(state = 3), 0) AS stopped,"
         " coalesce(sum(state = 4), 0) AS denied,"
         " count(DISTINCT author) AS authors,"
         " (SELECT count(*) FROM pending) AS pending,"
         " (SELECT count(*) FROM forks) AS fork_evidence FROM log"},
        {"missing",
         "SELECT p.author AS author, coalesce((SELECT max(seq) FROM log"
         " WHERE log.author = p.author), 0) + 1 AS from_seq,"
         " min(p.seq) - 1 AS to_seq, count(*) AS waiting FROM pending p"
         " GROUP BY p.author ORDER BY p.author"},
        {"forks",
         "SELECT author, min(point) AS point, count(*) AS evidence FROM"
         " forks GROUP BY author ORDER BY author"},
        {"rejected",
         "SELECT author, seq, id AS entry, reason FROM log WHERE state = 1"
         " ORDER BY author, seq LIMIT 1000"},
        {"denied",
         "SELECT author, seq, id AS entry, reason FROM log WHERE state = 4"
         " ORDER BY author, seq LIMIT 1000"},
        {"skewed_authors",
         "SELECT author, clock >> 16 AS clock_ms, wall AS our_wall_ms FROM"
         " skew ORDER BY author"},
    };
    for (size_t i = 0; rv == 0 && i < sizeof parts / sizeof parts[0]; i++) {
        json_t *arr = json_array();
        rv = query_rows(n, parts[i].sql, arr, err);
        if (i == 0 && json_array_size(arr) == 1) {
            json_object_set(root, parts[i].key, json_array_get(arr, 0));
            json_decref(arr);
        } else {
            json_object_set_new(root, parts[i].key, arr);
        }
    }
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    return query_dump(root, json, err);
}

/* Every stored entry again: canonical bytes, signature, network, id, and
 * for the log the chain links from seq 1. */
static int verify_log(hz_node *n, uint64_t *checked, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT author, seq, id, bytes FROM log ORDER BY"
                     " author, seq",
                     &st, err);
    if (rv != 0)
        return rv;
    uint8_t author[HZ_KEY_LEN] = {0}, prev[HZ_HASH_LEN] = {0};
    uint64_t want = 1;
    int rc;
    while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct entry e;
        rv = entry_decode(&e, sqlite3_column_blob(st, 3),
                          (size_t)sqlite3_column_bytes(st, 3), err);
        if (rv == 0)
            rv = entry_verify(&e, err);
        if (rv != 0)
            break;
        if (memcmp(e.author, author, HZ_KEY_LEN) != 0) {
            memcpy(author, e.author, HZ_KEY_LEN);
            memset(prev, 0, sizeof prev);
            want = 1;
        }
        char a[9];
        hex_encode(e.author, 4, a);
        if (e.seq != want || (uint64_t)sqlite3_column_int64(st, 1) != e.seq)
            rv =
                hz_err_set(err, HZ_ECORRUPT, "%s: seq %llu, expected %llu", a,
                           (unsigned long long)e.seq, (unsigned long long)want);
        else if (memcmp(e.prev, prev, HZ_HASH_LEN) != 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "%s#%llu: chain link", a,
                            (unsigned long long)e.seq);
        else if (memcmp(e.id, sqlite3_column_blob(st, 2), HZ_HASH_LEN) != 0 ||
                 memcmp(e.network, n->network, HZ_NET_LEN) != 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "%s#%llu: stored id or network",
                            a, (unsigned long long)e.seq);
        memcpy(prev, e.id, HZ_HASH_LEN);
        want++;
        (*checked)++;
    }
    sqlite3_reset(st);
    return rv;
}

static int verify_held(hz_node *n, const char *sql, uint64_t *checked,
                       struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    while (rv == 0 && sqlite3_step(st) == SQLITE_ROW) {
        struct entry e;
        rv = entry_decode(&e, sqlite3_column_blob(st, 0),
                          (size_t)sqlite3_column_bytes(st, 0), err);
        if (rv == 0)
            rv = entry_verify(&e, err);
        (*checked)++;
    }
    if (st != NULL)
        sqlite3_reset(st);
    return rv;
}

int hz_node_log_verify(hz_node *n, uint64_t *n_checked, struct hz_err *err)
{
    uint64_t checked = 0;
    sqlite3_stmt *st;
    int rv = db_exec(n, "BEGIN", err);
    if (rv == 0)
        rv = db_prep(n, "PRAGMA integrity_check", &st, err);
    if (rv == 0) {
        int rc = sqlite3_step(st);
        const char *r =
            rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        if (r == NULL || strcmp(r, "ok") != 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "integrity_check: %.80s",
                            r ? r : "failed");
        sqlite3_reset(st);
    }
    if (rv == 0)
        rv = verify_log(n, &checked, err);
    if (rv == 0)
        rv = verify_held(n, "SELECT bytes FROM pending", &checked, err);
    if (rv == 0)
        rv = verify_held(n, "SELECT bytes FROM forks", &checked, err);
    db_rollback(n);
    if (rv != 0 && rv != HZ_ECORRUPT && rv != HZ_EBUSY && rv != HZ_EIO) {
        /* A stored entry fails a transport check: local data is bad. */
        rv = HZ_ECORRUPT;
        if (err != NULL)
            err->code = rv;
    }
    if (n_checked != NULL)
        *n_checked = checked;
    return rv;
}
