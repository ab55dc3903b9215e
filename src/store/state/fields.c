/* fields.c - the owner of the field writes and tombstones of entity
 * rows: tables w (every applied field write, with whether it is a head),
 * sup (which writes a write supersedes), tomb and tomb_seen (tombstones
 * and the writes each had seen). proto/merge.md; DECISIONS 8, 9.
 *
 * The merge rule is computed over these stored facts, so a row's state
 * is a function of the set of applied entries, whatever their order:
 *   - a field write is a head unless an applied write names it as
 *     superseded (sup), or a later write by the same author to the same
 *     field exists;
 *   - a field's value is the head with the highest (clock, author);
 *   - a row with any applied tombstone is deleted and shows no values. */
#include "render.h"
#include "state.h"

#include "../../core/codec.h"
#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdlib.h>
#include <string.h>

/* Applying a write reads a few of its field's writes, never all of
 * them, so that a field with thousands of heads costs no more per write
 * than a field with one (storage.md, format 3):
 *   the key    (field, author, seq): an author's latest write before a
 *              seq, and whether a later one exists;
 *   w_heads    (field, clock, author) of the heads: the winner is the
 *              last, and the heads are listed in merge order unsorted;
 *   w_eid      (eid, then the key): the writes of an entry, and the
 *              write of an entry in a field.
 * Queries by eid or by heads name their index: the key also starts with
 * the field, and SQLite's planner may walk it, every write the field
 * ever had. */
#define FIELD_KEY(t, row, c) DB_TEXT((t)->name), DB_ROW(row), DB_TEXT((c)->name)

/* Whether a row has an applied tombstone, as the caller found it. */
enum row_tombs { ROW_LIVE, ROW_DELETED };

/* Recompute the materialized value of one field from its heads: none on
 * a deleted row (the caller knows: the query below stops at the winner,
 * while a test of tomb in its WHERE would read every head). */
static int refresh_field(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, const struct col_def *c,
                         enum row_tombs tombs, struct hz_err *err)
{
    if (tombs == ROW_DELETED)
        return rows_set_field(n, t, row, c, NULL, err);
    sqlite3_stmt *q;
    int rv = db_query(&n->db,
                      "SELECT val FROM w INDEXED BY w_heads WHERE tbl = ?1 AND"
                      " row = ?2 AND col = ?3 AND head = 1"
                      " ORDER BY clock DESC, author DESC LIMIT 1",
                      DB_ARGS(FIELD_KEY(t, row, c)), &q, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return rows_set_field(n, t, row, c, NULL, err);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return db_err(&n->db, rc, "read heads", err);
    }
    msgpack_unpacked u;
    struct value v;
    rv = mp_unpack(&u, sqlite3_column_blob(q, 0),
                   (size_t)sqlite3_column_bytes(q, 0), err);
    if (rv == 0) {
        rv = mp_value(&u.data, &v, c->name, err);
        /* The statement of rows_set_field is another one: q stays on
         * its row, and v borrows from the unpacked copy. */
        if (rv == 0)
            rv = rows_set_field(n, t, row, c, &v, err);
        else
            rv = hz_err_set(err, HZ_ECORRUPT, "stored field value");
        msgpack_unpacked_destroy(&u);
    } else {
        rv = hz_err_set(err, HZ_ECORRUPT, "stored field value");
    }
    sqlite3_reset(q);
    return rv;
}

static int put_sup(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct col_def *c,
                   const uint8_t *old, const uint8_t *by, struct hz_err *err)
{
    return db_run(&n->db,
                  "INSERT OR IGNORE INTO sup(tbl, row, col, old, by)"
                  " VALUES(?1, ?2, ?3, ?4, ?5)",
                  DB_ARGS(FIELD_KEY(t, row, c), DB_HASH(old), DB_HASH(by)),
                  err);
}

/* How a new write's head flag is found. */
enum head_rule {
    HEAD_NEW_ROW, /* the row's first writes: a head */
    HEAD_LATEST,  /* a head unless named superseded (no later write of its
                     author can exist: APPLY_LATEST) */
    HEAD_ANY,     /* also not a head when a later write of its author to
                     the field exists (an entry applied out of order) */
};

/* Insert the write with its head flag. */
static int put_write(struct hz_node *n, const struct entry *e,
                     const struct table_def *t, const uint8_t *row,
                     const struct col_def *c, const struct value *val,
                     enum head_rule rule, struct hz_err *err)
{
    enc_reset(&n->scratch);
    enc_value(&n->scratch, val);
    int rv = enc_done(&n->scratch);
    if (rv != 0)
        return rv;
    static const char *const sql[] = {
        [HEAD_NEW_ROW] = "INSERT INTO w(tbl, row, col, eid, author, seq,"
                         " clock, val, head) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                         " ?7, ?8, 1)",
        [HEAD_LATEST] = "INSERT INTO w(tbl, row, col, eid, author, seq,"
                        " clock, val, head) VALUES(?1, ?2, ?3, ?4, ?5, ?6,"
                        " ?7, ?8, NOT EXISTS (SELECT 1 FROM sup WHERE"
                        " tbl = ?1 AND row = ?2 AND col = ?3 AND old = ?4))",
        [HEAD_ANY] = "INSERT INTO w(tbl, row, col, eid, author, seq, clock,"
                     " val, head) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
                     " NOT EXISTS (SELECT 1 FROM sup WHERE tbl = ?1 AND"
                     " row = ?2 AND col = ?3 AND old = ?4) AND NOT EXISTS"
                     " (SELECT 1 FROM w WHERE tbl = ?1 AND row = ?2 AND"
                     " col = ?3 AND author = ?5 AND seq > ?6))",
    };
    return db_run(&n->db, sql[rule],
                  DB_ARGS(FIELD_KEY(t, row, c), DB_HASH(e->id),
                          DB_KEY(e->author), DB_INT(e->seq), DB_INT(e->clock),
                          DB_BLOB(enc_data(&n->scratch), enc_len(&n->scratch))),
                  err);
}

/* One field write onto a row that already has facts. */
static int write_field(struct hz_node *n, const struct entry *e,
                       const struct op *o, const struct field *f,
                       enum head_rule rule, enum row_tombs tombs,
                       struct hz_err *err)
{
    const struct table_def *t = o->table;
    const struct col_def *c = &t->cols[f->col];
    int rv = 0;
    for (size_t h = 0; rv == 0 && h < f->n_heads; h++) {
        rv = put_sup(n, t, o->row, c, f->heads[h], e->id, err);
        if (rv == 0)
            rv = db_run(&n->db,
                        "UPDATE w INDEXED BY w_eid SET head = 0 WHERE"
                        " eid = ?4 AND tbl = ?1 AND row = ?2 AND col = ?3"
                        " AND head = 1",
                        DB_ARGS(FIELD_KEY(t, o->row, c), DB_HASH(f->heads[h])),
                        err);
    }
    /* An author's later write supersedes its earlier ones. Of those,
     * only the latest can still be a head: each older one already has a
     * later write of its author, that latest one (merge.md, rule 2). */
    if (rv == 0)
        rv = db_run(
            &n->db,
            "UPDATE w SET head = 0 WHERE tbl = ?1 AND row = ?2 AND"
            " col = ?3 AND author = ?4 AND head = 1 AND seq = (SELECT"
            " max(seq) FROM w WHERE tbl = ?1 AND row = ?2 AND col = ?3 AND"
            " author = ?4 AND seq < ?5)",
            DB_ARGS(FIELD_KEY(t, o->row, c), DB_KEY(e->author), DB_INT(e->seq)),
            err);
    if (rv == 0)
        rv = put_write(n, e, t, o->row, c, &f->val, rule, err);
    return rv != 0 ? rv : refresh_field(n, t, o->row, c, tombs, err);
}

/* Whether any applied write or tombstone mentions the row. */
static int row_facts(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, bool *writes, bool *tombs,
                     struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM w WHERE tbl = ?1 AND"
                    " row = ?2) | (EXISTS (SELECT 1 FROM tomb WHERE"
                    " tbl = ?1 AND row = ?2) << 1)",
                    DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), &v, NULL, err);
    *writes = (v & 1) != 0;
    *tombs = (v & 2) != 0;
    return rv;
}

/* The first writes to a row no applied fact mentions yet: every field
 * write is a head, and the row is written once with all its values (the
 * common case of an import). Such a row has no supersede edges either:
 * only applied writes of the row add them, and taking a write back
 * removes its edges. */
static int new_row(struct hz_node *n, const struct entry *e, const struct op *o,
                   struct hz_err *err)
{
    const struct table_def *t = o->table;
    struct value vals[HZ_FIELDS_MAX];
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    memset(vals, 0, t->n_cols * sizeof vals[0]);
    int rv = 0;
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++) {
        const struct field *f = &o->fields[k];
        const struct col_def *c = &t->cols[f->col];
        vals[f->col] = f->val;
        for (size_t h = 0; rv == 0 && h < f->n_heads; h++)
            rv = put_sup(n, t, o->row, c, f->heads[h], e->id, err);
        if (rv == 0)
            rv = put_write(n, e, t, o->row, c, &f->val, HEAD_NEW_ROW, err);
    }
    return rv != 0 ? rv : rows_insert_entity(n, t, o->row, vals, err);
}

int fields_set(struct hz_node *n, const struct entry *e, const struct op *o,
               unsigned flags, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_SET);
    bool writes, tombs;
    int rv = row_facts(n, o->table, o->row, &writes, &tombs, err);
    if (rv == 0 && !writes && !tombs)
        return new_row(n, e, o, err);
    if (rv == 0)
        rv = rows_ensure(n, o->table, o->row, err);
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++)
        rv = write_field(n, e, o, &o->fields[k],
                         flags & APPLY_LATEST ? HEAD_LATEST : HEAD_ANY,
                         tombs ? ROW_DELETED : ROW_LIVE, err);
    return rv;
}

static int refresh_columns(struct hz_node *n, const struct table_def *t,
                           const uint8_t *row, enum row_tombs tombs,
                           struct hz_err *err)
{
    int rv = 0;
    for (size_t c = 0; rv == 0 && c < t->n_cols; c++)
        rv = refresh_field(n, t, row, &t->cols[c], tombs, err);
    return rv;
}

int fields_tomb(struct hz_node *n, const struct entry *e, const struct op *o,
                struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_DEL);
    int rv = db_run(
        &n->db,
        "INSERT OR IGNORE INTO tomb(tbl, row, eid)"
        " VALUES(?1, ?2, ?3)",
        DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row), DB_HASH(e->id)), err);
    for (size_t i = 0; rv == 0 && i < o->n_seen; i++)
        rv = db_run(&n->db,
                    "INSERT OR IGNORE INTO tomb_seen(tbl, row, eid, seen)"
                    " VALUES(?1, ?2, ?3, ?4)",
                    DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row),
                            DB_HASH(e->id), DB_HASH(o->seen[i])),
                    err);
    if (rv == 0)
        rv = rows_ensure(n, o->table, o->row, err);
    if (rv == 0)
        rv = rows_set_deleted(n, o->table, o->row, true, err);
    return rv != 0 ? rv
                   : refresh_columns(n, o->table, o->row, ROW_DELETED, err);
}

/* ---- taking writes back */

struct key {
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
    const struct col_def *c;
    uint8_t eid[HZ_HASH_LEN]; /* a write of the field */
};

struct keys {
    struct hz_node *n;
    struct key *v;
    size_t count, cap;
};

/* Rows (and fields, when the query returns a third column, and writes,
 * when it returns a fourth) touched. */
static int add_key(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct keys *k = data;
    struct key x = {0};
    x.t =
        schema_table_c(k->n->schema, (const char *)sqlite3_column_text(st, 0));
    if (x.t == NULL || db_column_fixed(st, 1, x.row, HZ_ROW_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored fact");
    if (sqlite3_column_count(st) > 2) {
        int c = schema_col_c(x.t, (const char *)sqlite3_column_text(st, 2));
        if (c < 0)
            return hz_err_set(err, HZ_ECORRUPT, "stored column");
        x.c = &x.t->cols[c];
    }
    if (sqlite3_column_count(st) > 3 &&
        db_column_fixed(st, 3, x.eid, HZ_HASH_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored write");
    struct key *v = hz_grow(k->v, &k->cap, k->count, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "undo");
    k->v = v;
    k->v[k->count++] = x;
    return 0;
}

/* The writes whose head flag may change when the writes of @eid go:
 * the writes it names, and its author's latest earlier write of each
 * field (merge.md, rules 1 and 2). Every other write keeps what
 * supersedes it. */
static int undo_candidates(struct hz_node *n, const uint8_t *eid,
                           struct keys *out, struct hz_err *err)
{
    int rv = db_each(&n->db, "SELECT tbl, row, col, old FROM sup WHERE by = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, out, err);
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT tbl, row, col, prev FROM (SELECT tbl, row, col,"
                     " (SELECT p.eid FROM w AS p WHERE p.tbl = w.tbl AND"
                     " p.row = w.row AND p.col = w.col AND"
                     " p.author = w.author AND p.seq < w.seq"
                     " ORDER BY p.seq DESC LIMIT 1) AS prev"
                     " FROM w INDEXED BY w_eid WHERE eid = ?1)"
                     " WHERE prev IS NOT NULL",
                     DB_ARGS(DB_HASH(eid)), add_key, out, err);
    return rv;
}

/* The head flag of one write, from the facts as they are; its field's
 * value follows with its row (refresh_row). A write not held changes
 * nothing. */
static int recompute_head(struct hz_node *n, const struct key *k,
                          struct hz_err *err)
{
    return db_run(&n->db,
                  "UPDATE w INDEXED BY w_eid SET head = NOT EXISTS (SELECT 1"
                  " FROM sup WHERE sup.tbl = w.tbl AND sup.row = w.row AND"
                  " sup.col = w.col AND sup.old = w.eid) AND NOT EXISTS"
                  " (SELECT 1 FROM w AS l WHERE l.tbl = w.tbl AND"
                  " l.row = w.row AND l.col = w.col AND"
                  " l.author = w.author AND l.seq > w.seq)"
                  " WHERE eid = ?4 AND tbl = ?1 AND row = ?2 AND col = ?3",
                  DB_ARGS(FIELD_KEY(k->t, k->row, k->c), DB_HASH(k->eid)), err);
}

/* An entity row that no applied fact mentions any more disappears. */
static int refresh_row(struct hz_node *n, const struct key *k,
                       struct hz_err *err)
{
    bool writes, tombs;
    int rv = row_facts(n, k->t, k->row, &writes, &tombs, err);
    if (rv != 0)
        return rv;
    if (!writes && !tombs)
        return rows_delete(n, k->t, k->row, err);
    rv = rows_set_deleted(n, k->t, k->row, tombs, err);
    return rv != 0 ? rv
                   : refresh_columns(n, k->t, k->row,
                                     tombs ? ROW_DELETED : ROW_LIVE, err);
}

int fields_undo(struct hz_node *n, const uint8_t *eid, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct keys fields = {.n = n}, tombs = {.n = n}, cands = {.n = n};
    int rv = db_each(&n->db,
                     "SELECT tbl, row, col FROM w INDEXED BY w_eid WHERE"
                     " eid = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, &fields, err);
    if (rv == 0)
        rv = db_each(&n->db, "SELECT tbl, row FROM tomb WHERE eid = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, &tombs, err);
    if (rv == 0)
        rv = undo_candidates(n, eid, &cands, err);
    static const char *const drop[] = {
        "DELETE FROM w INDEXED BY w_eid WHERE eid = ?1",
        "DELETE FROM sup WHERE by = ?1",
        "DELETE FROM tomb WHERE eid = ?1",
        "DELETE FROM tomb_seen WHERE eid = ?1",
    };
    for (size_t i = 0; rv == 0 && i < sizeof drop / sizeof drop[0]; i++)
        rv = db_run(&n->db, drop[i], DB_ARGS(DB_HASH(eid)), err);
    for (size_t i = 0; rv == 0 && i < cands.count; i++)
        rv = recompute_head(n, &cands.v[i], err);
    for (size_t i = 0; rv == 0 && i < fields.count; i++)
        rv = refresh_row(n, &fields.v[i], err);
    for (size_t i = 0; rv == 0 && i < tombs.count; i++)
        rv = refresh_row(n, &tombs.v[i], err);
    free(fields.v);
    free(tombs.v);
    free(cands.v);
    return rv;
}

/* ---- reading heads */

struct heads {
    uint8_t (*out)[HZ_HASH_LEN];
    size_t max, count;
};

static int add_head(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct heads *h = data;
    if (h->count == h->max)
        return hz_err_set(err, HZ_ETOOBIG, "more than %zu heads", h->max);
    return db_column_fixed(st, 0, h->out[h->count++], HZ_HASH_LEN, err);
}

int fields_heads(struct hz_node *n, const struct table_def *t,
                 const uint8_t *row, const char *col,
                 uint8_t (*out)[HZ_HASH_LEN], size_t max, size_t *count,
                 struct hz_err *err)
{
    struct heads h = {out, max, 0};
    int rv;
    if (col != NULL)
        rv = db_each(&n->db,
                     "SELECT eid FROM w INDEXED BY w_heads WHERE tbl = ?1 AND"
                     " row = ?2 AND col = ?3 AND head = 1 ORDER BY eid",
                     DB_ARGS(DB_TEXT(t->name), DB_ROW(row), DB_TEXT(col)),
                     add_head, &h, err);
    else
        rv = db_each(&n->db,
                     "SELECT DISTINCT eid FROM w INDEXED BY w_heads WHERE"
                     " tbl = ?1 AND row = ?2 AND head = 1 ORDER BY eid",
                     DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), add_head, &h, err);
    *count = h.count;
    return rv;
}

/* ---- conflicts */

struct conflicts {
    struct hz_node *n;
    const char *kind;
    json_t *arr;
};

/* One head with its value, for the conflict list. */
static int add_head_json(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    json_t *arr = data;
    (void)err;
    json_t *h = json_object();
    json_object_set_new(h, "entry",
                        render_hex(sqlite3_column_blob(st, 0), HZ_HASH_LEN));
    json_object_set_new(h, "author",
                        render_hex(sqlite3_column_blob(st, 1), HZ_KEY_LEN));
    json_object_set_new(h, "clock", json_integer(sqlite3_column_int64(st, 2)));
    msgpack_unpacked u;
    struct value v;
    if (mp_unpack(&u, sqlite3_column_blob(st, 3),
                  (size_t)sqlite3_column_bytes(st, 3), NULL) == 0) {
        if (mp_value(&u.data, &v, "value", NULL) == 0)
            json_object_set_new(h, "value", render_value(&v));
        msgpack_unpacked_destroy(&u);
    }
    json_array_append_new(arr, h);
    return 0;
}

static int add_conflict(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct conflicts *k = data;
    const struct table_def *t =
        schema_table_c(k->n->schema, (const char *)sqlite3_column_text(st, 0));
    int c = t != NULL
                ? schema_col_c(t, (const char *)sqlite3_column_text(st, 2))
                : -1;
    uint8_t row[HZ_ROW_LEN];
    if (c < 0 || db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return 0; /* a column this build does not know: not listed */
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(k->kind));
    json_object_set_new(o, "table", json_string(t->name));
    json_object_set_new(o, "id", render_hex(row, HZ_ROW_LEN));
    json_object_set_new(o, "column", json_string(t->cols[c].name));
    json_t *heads = json_array();
    json_object_set_new(o, "heads", heads);
    json_array_append_new(k->arr, o);
    /* Another statement: this one stays on its row. */
    return db_each(&k->n->db,
                   "SELECT eid, author, clock, val FROM w INDEXED BY w_heads"
                   " WHERE tbl = ?1 AND row = ?2 AND col = ?3 AND head = 1"
                   " ORDER BY clock DESC, author DESC",
                   DB_ARGS(FIELD_KEY(t, row, &t->cols[c])), add_head_json,
                   heads, err);
}

int fields_conflicts_json(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    struct conflicts k = {n, "concurrent", arr};
    int rv = db_each(
        &n->db,
        "SELECT tbl, row, col FROM w WHERE head = 1 AND NOT EXISTS"
        " (SELECT 1 FROM tomb WHERE tomb.tbl = w.tbl AND tomb.row = w.row)"
        " GROUP BY tbl, row, col HAVING count(*) > 1 ORDER BY tbl, row, col",
        DB_NO_ARGS, add_conflict, &k, err);
    k.kind = "delete_vs_edit";
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT DISTINCT tbl, row, col FROM w WHERE head = 1 AND"
                     " EXISTS (SELECT 1 FROM tomb WHERE tomb.tbl = w.tbl AND"
                     " tomb.row = w.row) AND NOT EXISTS (SELECT 1 FROM"
                     " tomb_seen s WHERE s.tbl = w.tbl AND s.row = w.row AND"
                     " s.seen = w.eid) ORDER BY tbl, row, col",
                     DB_NO_ARGS, add_conflict, &k, err);
    return rv;
}

int fields_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    return db_exec(&n->db,
                   "DELETE FROM w; DELETE FROM sup; DELETE FROM tomb;"
                   " DELETE FROM tomb_seen;",
                   err);
}
