/* apply.c - materialize the operations of applied entries, and take them
 * back when a verdict changes (DECISIONS 5).
 *
 * The merge rule (DECISIONS 8, 9; proto/merge.md) is computed over stored
 * facts, so the state is a function of the set of applied entries,
 * whatever order they came in:
 *   - a field write is a head unless an applied write names it as
 *     superseded (sup), or a later write by the same author to the same
 *     field exists;
 *   - a field's value is the head with the highest (clock, author);
 *   - a row with any applied tombstone is deleted and shows no values;
 *   - an event row is the insert with the lowest entry id among those
 *     that name its row id. */
#include "store.h"

#include "../core/alloc.h"
#include "../core/error_int.h"
#include "../core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int bind_value(sqlite3_stmt *st, int i, const struct col_def *c,
                      const struct value *v)
{
    switch (v->type) {
    case VALUE_NIL:
        return sqlite3_bind_null(st, i);
    case VALUE_BOOL:
        return sqlite3_bind_int(st, i, v->b ? 1 : 0);
    case VALUE_INT:
        return sqlite3_bind_int64(st, i, v->i);
    case VALUE_REAL:
        return sqlite3_bind_double(st, i, v->r);
    case VALUE_STR:
        return sqlite3_bind_text(st, i, (const char *)v->s.p, (int)v->s.len,
                                 SQLITE_TRANSIENT);
    case VALUE_BIN:
        return sqlite3_bind_blob(st, i, v->s.p, (int)v->s.len,
                                 SQLITE_TRANSIENT);
    }
    (void)c;
    return SQLITE_MISUSE;
}

int apply_value_from_sql(const struct col_def *c, sqlite3_stmt *st, int i,
                         struct value *out)
{
    memset(out, 0, sizeof *out);
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        out->type = VALUE_NIL;
        return 0;
    }
    switch (c->type) {
    case COL_TEXT:
    case COL_ENUM:
        out->type = VALUE_STR;
        out->s.p = sqlite3_column_text(st, i);
        out->s.len = (size_t)sqlite3_column_bytes(st, i);
        return 0;
    case COL_INT:
        out->type = VALUE_INT;
        out->i = sqlite3_column_int64(st, i);
        return 0;
    case COL_BOOL:
        out->type = VALUE_BOOL;
        out->b = sqlite3_column_int(st, i) != 0;
        return 0;
    case COL_REAL:
        out->type = VALUE_REAL;
        out->r = sqlite3_column_double(st, i);
        return 0;
    case COL_ID:
        out->type = VALUE_BIN;
        out->s.p = sqlite3_column_blob(st, i);
        out->s.len = (size_t)sqlite3_column_bytes(st, i);
        return out->s.len == HZ_ROW_LEN ? 0 : HZ_ECORRUPT;
    }
    return HZ_ECORRUPT;
}

/* Run "@head <materialized table> @tail" with ?1 bound to @row. */
static int row_exec(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, const char *head, const char *tail,
                    struct hz_err *err)
{
    char name[96], sql[256];
    db_table_name(t, name, sizeof name);
    snprintf(sql, sizeof sql, "%s %s %s", head, name, tail);
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, row, HZ_ROW_LEN, SQLITE_STATIC);
    return db_step_done(n, st, err);
}

static int ensure_row(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, struct hz_err *err)
{
    return row_exec(n, t, row, "INSERT OR IGNORE INTO", "(id) VALUES(?1)", err);
}

static int delete_row(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, struct hz_err *err)
{
    return row_exec(n, t, row, "DELETE FROM", "WHERE id = ?1", err);
}

/* "@verb INTO "x_t"(id, @second, every column) VALUES(?, @second_value,
 * ?...)": one statement that writes a whole materialized row. */
static void whole_row_sql(const struct table_def *t, const char *verb,
                          const char *second, const char *second_value,
                          char *sql, size_t size)
{
    char name[96];
    db_table_name(t, name, sizeof name);
    int len = snprintf(sql, size, "%s INTO %s(id, %s", verb, name, second);
    for (size_t c = 0; c < t->n_cols; c++)
        len += snprintf(sql + len, size - (size_t)len, ", \"%s\"",
                        t->cols[c].name);
    len +=
        snprintf(sql + len, size - (size_t)len, ") VALUES(?, %s", second_value);
    for (size_t c = 0; c < t->n_cols; c++)
        len += snprintf(sql + len, size - (size_t)len, ", ?");
    snprintf(sql + len, size - (size_t)len, ")");
    HZ_ASSERT((size_t)len < size - 2);
}

/* Recompute the materialized value of one field from its heads. */
static int refresh_field(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, const struct col_def *c,
                         struct hz_err *err)
{
    sqlite3_stmt *q;
    int rv = db_prep(n,
                     "SELECT val FROM w WHERE tbl = ?1 AND row = ?2 AND"
                     " col = ?3 AND head = 1 AND NOT EXISTS (SELECT 1 FROM"
                     " tomb WHERE tomb.tbl = ?1 AND tomb.row = ?2)"
                     " ORDER BY clock DESC, author DESC LIMIT 1",
                     &q, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, c->name, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sqlite3_reset(q);
        return db_err(n, rc, "read heads", err);
    }
    char name[96], sql[256];
    db_table_name(t, name, sizeof name);
    snprintf(sql, sizeof sql, "UPDATE %s SET \"%s\" = ?1 WHERE id = ?2", name,
             c->name);
    sqlite3_stmt *up;
    rv = db_prep(n, sql, &up, err);
    if (rv == 0 && rc == SQLITE_ROW) {
        msgpack_unpacked u;
        struct value v;
        rv = mp_unpack(&u, sqlite3_column_blob(q, 0),
                       (size_t)sqlite3_column_bytes(q, 0), err);
        if (rv == 0) {
            rv = mp_value(&u.data, &v, c->name, err);
            if (rv == 0)
                bind_value(up, 1, c, &v);
            if (rv == 0)
                sqlite3_bind_blob(up, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
            if (rv == 0)
                rv = db_step_done(n, up, err);
            msgpack_unpacked_destroy(&u);
        }
        if (rv != 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "stored field value");
    } else if (rv == 0) {
        sqlite3_bind_null(up, 1);
        sqlite3_bind_blob(up, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
        rv = db_step_done(n, up, err);
    }
    sqlite3_reset(q);
    return rv;
}

static int bind_field_key(sqlite3_stmt *st, const struct table_def *t,
                          const uint8_t *row, const struct col_def *c)
{
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
    return sqlite3_bind_text(st, 3, c->name, -1, SQLITE_STATIC);
}

static int apply_write(struct hz_node *n, const struct entry *e,
                       const struct op *o, const struct field *f,
                       struct hz_err *err)
{
    const struct col_def *c = &o->table->cols[f->col];
    sqlite3_stmt *st;
    int rv = 0;
    for (size_t h = 0; rv == 0 && h < f->n_heads; h++) {
        rv = db_prep(n,
                     "INSERT OR IGNORE INTO sup(tbl, row, col, old, by)"
                     " VALUES(?1, ?2, ?3, ?4, ?5)",
                     &st, err);
        if (rv != 0)
            break;
        bind_field_key(st, o->table, o->row, c);
        sqlite3_bind_blob(st, 4, f->heads[h], HZ_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, e->id, HZ_HASH_LEN, SQLITE_STATIC);
        rv = db_step_done(n, st, err);
        if (rv == 0)
            rv = db_prep(n,
                         "UPDATE w SET head = 0 WHERE tbl = ?1 AND row = ?2"
                         " AND col = ?3 AND eid = ?4 AND head = 1",
                         &st, err);
        if (rv == 0) {
            bind_field_key(st, o->table, o->row, c);
            sqlite3_bind_blob(st, 4, f->heads[h], HZ_HASH_LEN, SQLITE_STATIC);
            rv = db_step_done(n, st, err);
        }
    }
    /* An author's later write supersedes its earlier ones. */
    if (rv == 0)
        rv = db_prep(n,
                     "UPDATE w SET head = 0 WHERE tbl = ?1 AND row = ?2 AND"
                     " col = ?3 AND author = ?4 AND seq < ?5 AND head = 1",
                     &st, err);
    if (rv == 0) {
        bind_field_key(st, o->table, o->row, c);
        sqlite3_bind_blob(st, 4, e->author, HZ_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)e->seq);
        rv = db_step_done(n, st, err);
    }
    if (rv != 0)
        return rv;

    enc_reset(&n->scratch);
    enc_value(&n->scratch, &f->val);
    rv = enc_done(&n->scratch);
    if (rv == 0)
        rv = db_prep(n,
                     "INSERT INTO w(tbl, row, col, eid, author, seq, clock,"
                     " val, head) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                     " NOT EXISTS (SELECT 1 FROM sup WHERE tbl = ?1 AND"
                     " row = ?2 AND col = ?3 AND old = ?4) AND NOT EXISTS"
                     " (SELECT 1 FROM w WHERE tbl = ?1 AND row = ?2 AND"
                     " col = ?3 AND author = ?5 AND seq > ?6))",
                     &st, err);
    if (rv != 0)
        return rv;
    bind_field_key(st, o->table, o->row, c);
    sqlite3_bind_blob(st, 4, e->id, HZ_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, e->author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)e->seq);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)e->clock);
    sqlite3_bind_blob(st, 8, enc_data(&n->scratch), (int)enc_len(&n->scratch),
                      SQLITE_STATIC);
    rv = db_step_done(n, st, err);
    return rv != 0 ? rv : refresh_field(n, o->table, o->row, c, err);
}

static int set_deleted(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, struct hz_err *err)
{
    int rv =
        row_exec(n, t, row, "UPDATE", "SET deleted = 1 WHERE id = ?1", err);
    for (size_t c = 0; rv == 0 && c < t->n_cols; c++)
        rv = refresh_field(n, t, row, &t->cols[c], err);
    return rv;
}

static int apply_del(struct hz_node *n, const struct entry *e,
                     const struct op *o, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "INSERT OR IGNORE INTO tomb(tbl, row, eid)"
                     " VALUES(?1, ?2, ?3)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, o->table->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, o->row, HZ_ROW_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, e->id, HZ_HASH_LEN, SQLITE_STATIC);
    rv = db_step_done(n, st, err);
    for (size_t i = 0; rv == 0 && i < o->n_seen; i++) {
        rv = db_prep(n,
                     "INSERT OR IGNORE INTO tomb_seen(tbl, row, eid, seen)"
                     " VALUES(?1, ?2, ?3, ?4)",
                     &st, err);
        if (rv != 0)
            break;
        sqlite3_bind_text(st, 1, o->table->name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, o->row, HZ_ROW_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 3, e->id, HZ_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, o->seen[i], HZ_HASH_LEN, SQLITE_STATIC);
        rv = db_step_done(n, st, err);
    }
    if (rv == 0)
        rv = ensure_row(n, o->table, o->row, err);
    return rv != 0 ? rv : set_deleted(n, o->table, o->row, err);
}

/* Write the materialized event row from a decoded field list. */
static int put_event_row(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, const uint8_t *eid,
                         const struct value *vals, struct hz_err *err)
{
    char sql[1024];
    whole_row_sql(t, "INSERT OR REPLACE", "eid", "?", sql, sizeof sql);
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, row, HZ_ROW_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, eid, HZ_HASH_LEN, SQLITE_STATIC);
    for (size_t c = 0; c < t->n_cols; c++)
        bind_value(st, (int)c + 3, &t->cols[c], &vals[c]);
    return db_step_done(n, st, err);
}

/* Decode stored event content ([[col, value], ...]) into @vals. */
static int decode_content(const struct table_def *t, const uint8_t *p,
                          size_t len, msgpack_unpacked *u, struct value *vals,
                          struct hz_err *err)
{
    memset(vals, 0, t->n_cols * sizeof vals[0]);
    int rv = mp_unpack(u, p, len, err);
    if (rv != 0)
        return rv;
    const msgpack_object *items;
    size_t n_items;
    rv = mp_array(&u->data, 0, t->n_cols, &items, &n_items, "event", err);
    for (size_t i = 0; rv == 0 && i < n_items; i++) {
        const msgpack_object *f;
        size_t fn;
        struct hz_bytes name;
        rv = mp_array(&items[i], 2, 2, &f, &fn, "event field", err);
        if (rv == 0)
            rv = mp_str(&f[0], HZ_NAME_LEN_MAX, &name, "column", err);
        int c = rv == 0 ? schema_col(t, name.p, name.len) : -1;
        if (rv == 0 && c < 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "stored event column");
        if (rv == 0)
            rv = mp_value(&f[1], &vals[c], "value", err);
    }
    if (rv != 0)
        msgpack_unpacked_destroy(u);
    return rv;
}

/* Re-materialize an event row from the lowest remaining source. */
static int refresh_event(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, struct hz_err *err)
{
    sqlite3_stmt *q;
    int rv = db_prep(n,
                     "SELECT eid, content FROM evsrc WHERE tbl = ?1 AND"
                     " row = ?2 ORDER BY eid LIMIT 1",
                     &q, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(q, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return delete_row(n, t, row, err);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return db_err(n, rc, "read event sources", err);
    }
    uint8_t eid[HZ_HASH_LEN];
    memcpy(eid, sqlite3_column_blob(q, 0), HZ_HASH_LEN);
    struct value vals[HZ_FIELDS_MAX];
    msgpack_unpacked u;
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    rv = decode_content(t, sqlite3_column_blob(q, 1),
                        (size_t)sqlite3_column_bytes(q, 1), &u, vals, err);
    if (rv == 0) {
        rv = put_event_row(n, t, row, eid, vals, err);
        msgpack_unpacked_destroy(&u);
    }
    sqlite3_reset(q);
    return rv;
}

static int apply_ins(struct hz_node *n, const struct entry *e,
                     const struct op *o, struct hz_err *err)
{
    enc_reset(&n->scratch);
    enc_array(&n->scratch, o->n_fields);
    for (size_t k = 0; k < o->n_fields; k++) {
        enc_array(&n->scratch, 2);
        enc_cstr(&n->scratch, o->table->cols[o->fields[k].col].name);
        enc_value(&n->scratch, &o->fields[k].val);
    }
    sqlite3_stmt *st;
    int rv = enc_done(&n->scratch);
    if (rv == 0)
        rv = db_prep(n,
                     "INSERT OR IGNORE INTO evsrc(tbl, row, eid, content)"
                     " VALUES(?1, ?2, ?3, ?4)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, o->table->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, o->row, HZ_ROW_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, e->id, HZ_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, enc_data(&n->scratch), (int)enc_len(&n->scratch),
                      SQLITE_STATIC);
    rv = db_step_done(n, st, err);
    if (rv != 0)
        return rv;
    /* The only source of this event row so far: write it from the op. */
    if (sqlite3_changes(n->db) == 1) {
        int only;
        rv = db_prep(n,
                     "SELECT count(*) = 1 FROM evsrc WHERE tbl = ?1 AND"
                     " row = ?2",
                     &st, err);
        if (rv != 0)
            return rv;
        sqlite3_bind_text(st, 1, o->table->name, -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 2, o->row, HZ_ROW_LEN, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        only = rc == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_reset(st);
        if (rc != SQLITE_ROW)
            return db_err(n, rc, "event sources", err);
        if (only) {
            struct value vals[HZ_FIELDS_MAX];
            HZ_ASSERT(o->table->n_cols <= HZ_FIELDS_MAX);
            memset(vals, 0, o->table->n_cols * sizeof vals[0]);
            for (size_t k = 0; k < o->n_fields; k++)
                vals[o->fields[k].col] = o->fields[k].val;
            return put_event_row(n, o->table, o->row, e->id, vals, err);
        }
    }
    return refresh_event(n, o->table, o->row, err);
}

/* Whether any applied write or tombstone mentions the row. */
static int row_facts(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, int *writes, int *tombs,
                     struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT EXISTS (SELECT 1 FROM w WHERE tbl = ?1 AND"
                     " row = ?2), EXISTS (SELECT 1 FROM tomb WHERE"
                     " tbl = ?1 AND row = ?2)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *writes = sqlite3_column_int(st, 0);
        *tombs = sqlite3_column_int(st, 1);
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_err(n, rc, "row facts", err);
}

/* A row no applied fact mentions yet. (Such a row has no supersede edges
 * either: only applied writes of the row add them, and taking a write
 * back removes its edges.) */
static int row_is_new(struct hz_node *n, const struct op *o, int *fresh,
                      struct hz_err *err)
{
    int writes = 0, tombs = 0;
    int rv = row_facts(n, o->table, o->row, &writes, &tombs, err);
    *fresh = rv == 0 && !writes && !tombs;
    return rv;
}

/* The first writes to a row: every field write is a head, and the row is
 * written once with all its values (the common case of an import). */
static int apply_new_row(struct hz_node *n, const struct entry *e,
                         const struct op *o, struct hz_err *err)
{
    const struct table_def *t = o->table;
    struct value vals[HZ_FIELDS_MAX];
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    memset(vals, 0, t->n_cols * sizeof vals[0]);
    sqlite3_stmt *st;
    int rv = 0;
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++) {
        const struct field *f = &o->fields[k];
        const struct col_def *c = &t->cols[f->col];
        vals[f->col] = f->val;
        for (size_t h = 0; rv == 0 && h < f->n_heads; h++) {
            rv = db_prep(n,
                         "INSERT OR IGNORE INTO sup(tbl, row, col, old, by)"
                         " VALUES(?1, ?2, ?3, ?4, ?5)",
                         &st, err);
            if (rv == 0) {
                bind_field_key(st, t, o->row, c);
                sqlite3_bind_blob(st, 4, f->heads[h], HZ_HASH_LEN,
                                  SQLITE_STATIC);
                sqlite3_bind_blob(st, 5, e->id, HZ_HASH_LEN, SQLITE_STATIC);
                rv = db_step_done(n, st, err);
            }
        }
        enc_reset(&n->scratch);
        enc_value(&n->scratch, &f->val);
        if (rv == 0)
            rv = enc_done(&n->scratch);
        if (rv == 0)
            rv = db_prep(n,
                         "INSERT INTO w(tbl, row, col, eid, author, seq,"
                         " clock, val, head) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                         " ?7, ?8, 1)",
                         &st, err);
        if (rv != 0)
            break;
        bind_field_key(st, t, o->row, c);
        sqlite3_bind_blob(st, 4, e->id, HZ_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_blob(st, 5, e->author, HZ_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (sqlite3_int64)e->seq);
        sqlite3_bind_int64(st, 7, (sqlite3_int64)e->clock);
        sqlite3_bind_blob(st, 8, enc_data(&n->scratch),
                          (int)enc_len(&n->scratch), SQLITE_STATIC);
        rv = db_step_done(n, st, err);
    }
    if (rv != 0)
        return rv;
    char sql[1024];
    whole_row_sql(t, "INSERT", "deleted", "0", sql, sizeof sql);
    rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, o->row, HZ_ROW_LEN, SQLITE_STATIC);
    for (size_t c = 0; c < t->n_cols; c++)
        bind_value(st, (int)c + 2, &t->cols[c], &vals[c]);
    return db_step_done(n, st, err);
}

static int apply_set(struct hz_node *n, const struct entry *e,
                     const struct op *o, struct hz_err *err)
{
    int fresh;
    int rv = row_is_new(n, o, &fresh, err);
    if (rv == 0 && fresh)
        return apply_new_row(n, e, o, err);
    if (rv == 0)
        rv = ensure_row(n, o->table, o->row, err);
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++)
        rv = apply_write(n, e, o, &o->fields[k], err);
    return rv;
}

int apply_body(struct hz_node *n, const struct entry *e, const struct body *b,
               struct hz_err *err)
{
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        switch (o->kind) {
        case OP_SET:
            rv = apply_set(n, e, o, err);
            break;
        case OP_DEL:
            rv = apply_del(n, e, o, err);
            break;
        case OP_INS:
            rv = apply_ins(n, e, o, err);
            break;
        case OP_CERT:
        case OP_REVOKE:
        case OP_EPOCH:
            break; /* trust state is resolved by trust.c */
        }
    }
    return rv;
}

/* ---- Taking an entry back (fork point moved, later: revocation). */

struct key {
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
    const struct col_def *c;
};

struct keys {
    struct key *v;
    size_t n, cap;
};

static int keys_add(struct keys *k, const struct key *x)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 16;
        struct key *v = realloc(k->v, cap * sizeof *v);
        if (v == NULL)
            return HZ_ENOMEM;
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = *x;
    return 0;
}

/* Rows and fields touched by @eid in one of the fact tables. */
static int collect(struct hz_node *n, const char *sql, const uint8_t *eid,
                   struct keys *out, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, eid, HZ_HASH_LEN, SQLITE_STATIC);
    int rc;
    while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct key k = {0};
        k.t =
            schema_table_c(n->schema, (const char *)sqlite3_column_text(st, 0));
        if (k.t == NULL || sqlite3_column_bytes(st, 1) != (int)HZ_ROW_LEN) {
            rv = hz_err_set(err, HZ_ECORRUPT, "stored fact");
            break;
        }
        memcpy(k.row, sqlite3_column_blob(st, 1), HZ_ROW_LEN);
        if (sqlite3_column_count(st) > 2) {
            int c = schema_col_c(k.t, (const char *)sqlite3_column_text(st, 2));
            if (c < 0) {
                rv = hz_err_set(err, HZ_ECORRUPT, "stored column");
                break;
            }
            k.c = &k.t->cols[c];
        }
        rv = keys_add(out, &k) == 0 ? 0 : hz_err_set(err, HZ_ENOMEM, "undo");
    }
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(n, rc, "collect", err);
    sqlite3_reset(st);
    return rv;
}

static int exec_eid(struct hz_node *n, const char *sql, const uint8_t *eid,
                    struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, eid, HZ_HASH_LEN, SQLITE_STATIC);
    return db_step_done(n, st, err);
}

static int recompute_heads(struct hz_node *n, const struct key *k,
                           struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "UPDATE w SET head = NOT EXISTS (SELECT 1 FROM sup"
                     " WHERE sup.tbl = w.tbl AND sup.row = w.row AND"
                     " sup.col = w.col AND sup.old = w.eid) AND NOT EXISTS"
                     " (SELECT 1 FROM w AS l WHERE l.tbl = w.tbl AND"
                     " l.row = w.row AND l.col = w.col AND"
                     " l.author = w.author AND l.seq > w.seq)"
                     " WHERE tbl = ?1 AND row = ?2 AND col = ?3",
                     &st, err);
    if (rv != 0)
        return rv;
    bind_field_key(st, k->t, k->row, k->c);
    rv = db_step_done(n, st, err);
    return rv != 0 ? rv : refresh_field(n, k->t, k->row, k->c, err);
}

/* An entity row that no applied fact mentions any more disappears. */
static int refresh_row(struct hz_node *n, const struct key *k,
                       struct hz_err *err)
{
    int writes = 0, tombs = 0;
    int rv = row_facts(n, k->t, k->row, &writes, &tombs, err);
    if (rv != 0)
        return rv;
    if (!writes && !tombs)
        return delete_row(n, k->t, k->row, err);
    char name[96], sql[256];
    db_table_name(k->t, name, sizeof name);
    snprintf(sql, sizeof sql, "UPDATE %s SET deleted = ?2 WHERE id = ?1", name);
    sqlite3_stmt *st;
    rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, k->row, HZ_ROW_LEN, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, tombs);
    rv = db_step_done(n, st, err);
    for (size_t c = 0; rv == 0 && c < k->t->n_cols; c++)
        rv = refresh_field(n, k->t, k->row, &k->t->cols[c], err);
    return rv;
}

int apply_undo(struct hz_node *n, const uint8_t *eid, struct hz_err *err)
{
    struct keys fields = {0}, tombs = {0}, events = {0};
    int rv = collect(n, "SELECT tbl, row, col FROM w WHERE eid = ?1", eid,
                     &fields, err);
    if (rv == 0)
        rv = collect(n, "SELECT tbl, row FROM tomb WHERE eid = ?1", eid, &tombs,
                     err);
    if (rv == 0)
        rv = collect(n, "SELECT tbl, row FROM evsrc WHERE eid = ?1", eid,
                     &events, err);
    if (rv == 0)
        rv = exec_eid(n, "DELETE FROM w WHERE eid = ?1", eid, err);
    if (rv == 0)
        rv = exec_eid(n, "DELETE FROM sup WHERE by = ?1", eid, err);
    if (rv == 0)
        rv = exec_eid(n, "DELETE FROM tomb WHERE eid = ?1", eid, err);
    if (rv == 0)
        rv = exec_eid(n, "DELETE FROM tomb_seen WHERE eid = ?1", eid, err);
    if (rv == 0)
        rv = exec_eid(n, "DELETE FROM evsrc WHERE eid = ?1", eid, err);
    for (size_t i = 0; rv == 0 && i < fields.n; i++)
        rv = recompute_heads(n, &fields.v[i], err);
    for (size_t i = 0; rv == 0 && i < fields.n; i++)
        rv = refresh_row(n, &fields.v[i], err);
    for (size_t i = 0; rv == 0 && i < tombs.n; i++)
        rv = refresh_row(n, &tombs.v[i], err);
    for (size_t i = 0; rv == 0 && i < events.n; i++)
        rv = refresh_event(n, events.v[i].t, events.v[i].row, err);
    free(fields.v);
    free(tombs.v);
    free(events.v);
    return rv;
}
