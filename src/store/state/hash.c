/* hash.c - the state hash (proto/state-hash.md): BLAKE2b-256 over the
 * tag "huzhu state v1" and then, for each table in wire-name order that
 * holds at least one row, the table name (msgpack str) followed by its
 * rows in id-byte order: entity rows as [id, deleted, [[column, value],
 * ...]], event rows as [id, [[column, value], ...]], columns in
 * wire-name order and only those with a value. Local observations
 * (pending, skew, arrival order, verdict reasons) are not part of it. */
#include "state.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <sodium.h>
#include <string.h>

#define STATE_TAG "huzhu state v1"

int state_row_columns(struct enc *e, const struct table_def *t,
                      sqlite3_stmt *st)
{
    size_t set = 0;
    struct value vals[HZ_FIELDS_MAX];
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    for (size_t c = 0; c < t->n_cols; c++) {
        if (db_column_value(&t->cols[c], st, (int)c + 2, &vals[c]) != 0)
            return HZ_ECORRUPT;
        set += vals[c].type != VALUE_NIL;
    }
    enc_array(e, set);
    for (size_t c = 0; c < t->n_cols; c++) {
        if (vals[c].type == VALUE_NIL)
            continue;
        enc_array(e, 2);
        enc_cstr(e, t->cols[c].name);
        enc_value(e, &vals[c]);
    }
    return 0;
}

static int hash_table(hz_node *n, const struct table_def *t,
                      crypto_generichash_state *h, struct hz_err *err)
{
    char sql[1024];
    query_select_sql(t, sql, sizeof sql - 20);
    strcat(sql, " ORDER BY id");
    sqlite3_stmt *st;
    int rv = db_prep(&n->db, sql, &st, err);
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
        if (sqlite3_column_bytes(st, 0) != (int)HZ_ROW_LEN) {
            rv = hz_err_set(err, HZ_ECORRUPT, "materialized %s", t->name);
            break;
        }
        enc_array(e, t->kind == TABLE_ENTITY ? 3 : 2);
        enc_bin(e, sqlite3_column_blob(st, 0), HZ_ROW_LEN);
        if (t->kind == TABLE_ENTITY)
            enc_bool(e, sqlite3_column_int(st, 1) != 0);
        if (state_row_columns(e, t, st) != 0) {
            rv = hz_err_set(err, HZ_ECORRUPT, "materialized %s", t->name);
            break;
        }
        rv = enc_done(e);
        if (rv == 0)
            crypto_generichash_update(h, enc_data(e), enc_len(e));
    }
    sqlite3_reset(st);
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(&n->db, rc, "state hash", err);
    return rv;
}

int state_hash_txn(hz_node *n, char *out, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)STATE_TAG,
                              strlen(STATE_TAG));
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++)
        rv = hash_table(n, &n->schema->tables[i], &h, err);
    uint8_t digest[HZ_HASH_LEN];
    crypto_generichash_final(&h, digest, sizeof digest);
    if (rv == 0)
        hex_encode(digest, sizeof digest, out);
    return rv;
}

int hz_node_state_hash(hz_node *n, char *out, struct hz_err *err)
{
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = state_hash_txn(n, out, err);
    txn_rollback(n);
    return rv;
}
