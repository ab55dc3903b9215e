/* fields.c - the owner of the field writes and tombstones of entity
 * rows: tables w (every applied field write, with whether it is a head),
 * sup (which writes a write supersedes), tomb and tomb_seen (tombstones
 * and the writes each had seen). proto/merge.md; DECISIONS 8, 9.
 *
 * A write names its table, its column and its author's key by names.k
 * (db.c enters them) and its entry by the entry's place in the log, log.n
 * (storage.md, format 4): one author's entries enter the log in seq
 * order, so "a later write of the same author" is a greater n. The
 * entry ids that supersede and tombstone lists hold are looked up in the
 * log (log_n_of, log_id_of).
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
#include "../log/log.h"

#include <stdlib.h>
#include <string.h>

/* Applying a write reads a few of its field's writes, never all of
 * them, so that a field with thousands of heads costs no more per write
 * than a field with one (storage.md, formats 3 and 4):
 *   the key    (field, author, n): an author's latest write before an
 *              entry, and whether a later one exists;
 *   w_heads    (field, clock, author) of the heads: the winner is among
 *              the last (equal clocks: the greater author key wins);
 *   w_n        (n, then the key): the writes of an entry, and the write
 *              of an entry in a field.
 * Queries by entry or by heads name their index: the key also starts
 * with the field, and SQLite's planner may walk it, every write the
 * field ever had.
 *
 * Statements bind a field as ?1 table name, ?2 row, ?3 column name
 * (FIELD_KEY); sup, tomb and tomb_seen keep the names as text. */
#define FIELD_KEY(t, row, c) DB_TEXT((t)->name), DB_ROW(row), DB_TEXT((c)->name)
#define TBL_K "(SELECT k FROM names WHERE name = ?1)"
#define COL_K "(SELECT k FROM names WHERE name = ?3)"
#define FIELD_IS "tbl = " TBL_K " AND row = ?2 AND col = " COL_K

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
    /* The greatest clock is the last entry of w_heads; heads at that
     * clock (rarely more than one) are ordered by their authors' keys. */
    int rv = db_query(&n->db,
                      "SELECT val FROM w INDEXED BY w_heads WHERE " FIELD_IS
                      " AND head = 1 AND clock = (SELECT clock FROM w INDEXED"
                      " BY w_heads WHERE " FIELD_IS " AND head = 1 ORDER BY"
                      " clock DESC LIMIT 1) ORDER BY (SELECT name FROM names"
                      " WHERE names.k = w.a) DESC LIMIT 1",
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

/* The writer of a write: entry @e at @at in the log, its author's key
 * as names.k. */
struct writer {
    const struct entry *e;
    int64_t at, a;
};

/* Insert the write with its head flag. */
static int put_write(struct hz_node *n, const struct writer *by,
                     const struct table_def *t, const uint8_t *row,
                     const struct col_def *c, const struct value *val,
                     enum head_rule rule, struct hz_err *err)
{
    enc_reset(&n->scratch);
    enc_value(&n->scratch, val);
    int rv = enc_done(&n->scratch);
    if (rv != 0)
        return rv;
#define INSERT_W                                                               \
    "INSERT INTO w(tbl, row, col, a, n, clock, val, head) VALUES(" TBL_K       \
    ", ?2, " COL_K ", ?5, ?6, ?7, ?8, "
#define NOT_NAMED                                                              \
    "NOT EXISTS (SELECT 1 FROM sup WHERE tbl = ?1 AND row = ?2 AND"            \
    " col = ?3 AND old = ?4)"
    static const char *const sql[] = {
        [HEAD_NEW_ROW] = INSERT_W "1)",
        [HEAD_LATEST] = INSERT_W NOT_NAMED ")",
        [HEAD_ANY] = INSERT_W NOT_NAMED " AND NOT EXISTS (SELECT 1 FROM w"
                                        " WHERE " FIELD_IS " AND a = ?5 AND"
                                        " n > ?6))",
    };
#undef INSERT_W
#undef NOT_NAMED
    const struct entry *e = by->e;
    return db_run(&n->db, sql[rule],
                  DB_ARGS(FIELD_KEY(t, row, c), DB_HASH(e->id), DB_INT(by->a),
                          DB_INT(by->at), DB_INT(e->clock),
                          DB_BLOB(enc_data(&n->scratch), enc_len(&n->scratch))),
                  err);
}

/* One field write onto a row that already has facts. */
static int write_field(struct hz_node *n, const struct writer *by,
                       const struct op *o, const struct field *f,
                       enum head_rule rule, enum row_tombs tombs,
                       struct hz_err *err)
{
    const struct table_def *t = o->table;
    const struct col_def *c = &t->cols[f->col];
    int rv = 0;
    for (size_t h = 0; rv == 0 && h < f->n_heads; h++) {
        int64_t old = 0; /* 0: not held, so no write of it to drop */
        rv = put_sup(n, t, o->row, c, f->heads[h], by->e->id, err);
        if (rv == 0)
            rv = log_n_of(n, f->heads[h], &old, err);
        if (rv == 0 && old != 0)
            rv = db_run(&n->db,
                        "UPDATE w INDEXED BY w_n SET head = 0 WHERE n = ?4"
                        " AND " FIELD_IS " AND head = 1",
                        DB_ARGS(FIELD_KEY(t, o->row, c), DB_INT(old)), err);
    }
    /* An author's later write supersedes its earlier ones. Of those,
     * only the latest can still be a head: each older one already has a
     * later write of its author, that latest one (merge.md, rule 2). */
    if (rv == 0)
        rv = db_run(
            &n->db,
            "UPDATE w SET head = 0 WHERE " FIELD_IS " AND a = ?4 AND"
            " head = 1 AND n = (SELECT max(n) FROM w WHERE " FIELD_IS
            " AND a = ?4 AND n < ?5)",
            DB_ARGS(FIELD_KEY(t, o->row, c), DB_INT(by->a), DB_INT(by->at)),
            err);
    if (rv == 0)
        rv = put_write(n, by, t, o->row, c, &f->val, rule, err);
    return rv != 0 ? rv : refresh_field(n, t, o->row, c, tombs, err);
}

/* Whether any applied write or tombstone mentions the row. */
static int row_facts(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, bool *writes, bool *tombs,
                     struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM w WHERE tbl = " TBL_K
                    " AND row = ?2) | (EXISTS (SELECT 1 FROM tomb WHERE"
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
static int new_row(struct hz_node *n, const struct writer *by,
                   const struct op *o, struct hz_err *err)
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
            rv = put_sup(n, t, o->row, c, f->heads[h], by->e->id, err);
        if (rv == 0)
            rv = put_write(n, by, t, o->row, c, &f->val, HEAD_NEW_ROW, err);
    }
    return rv != 0 ? rv : rows_insert_entity(n, t, o->row, vals, err);
}

int fields_set(struct hz_node *n, const struct entry *e, int64_t at,
               const struct op *o, unsigned flags, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_SET);
    HZ_ASSERT(at > 0);
    struct writer by = {e, at, 0};
    bool writes, tombs;
    int rv = db_intern_key(&n->db, e->author, &by.a, err);
    if (rv == 0)
        rv = row_facts(n, o->table, o->row, &writes, &tombs, err);
    if (rv == 0 && !writes && !tombs)
        return new_row(n, &by, o, err);
    if (rv == 0)
        rv = rows_ensure(n, o->table, o->row, err);
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++)
        rv = write_field(n, &by, o, &o->fields[k],
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
    /* A write of the field: its entry's id and place in the log, either
     * of which the query gives (the other is looked up). */
    uint8_t eid[HZ_HASH_LEN];
    int64_t at;
};

struct keys {
    struct hz_node *n;
    struct key *v;
    size_t count, cap;
};

/* Rows (and fields, when the query returns a third column, and writes,
 * when it returns a fourth: an entry id or a log.n). */
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
    if (sqlite3_column_count(st) > 3) {
        if (sqlite3_column_type(st, 3) == SQLITE_INTEGER)
            x.at = sqlite3_column_int64(st, 3);
        else if (db_column_fixed(st, 3, x.eid, HZ_HASH_LEN, NULL) != 0)
            return hz_err_set(err, HZ_ECORRUPT, "stored write");
    }
    struct key *v = hz_grow(k->v, &k->cap, k->count, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "undo");
    k->v = v;
    k->v[k->count++] = x;
    return 0;
}

/* The writes whose head flag may change when the writes of @eid (at @at
 * in the log) go: the writes it names, and its author's latest earlier
 * write of each field (merge.md, rules 1 and 2). Every other write keeps
 * what supersedes it. */
static int undo_candidates(struct hz_node *n, const uint8_t *eid, int64_t at,
                           struct keys *out, struct hz_err *err)
{
    int rv = db_each(&n->db, "SELECT tbl, row, col, old FROM sup WHERE by = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, out, err);
    size_t named = out->count;
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT t.name, row, c.name, prev FROM (SELECT tbl, row,"
                     " col, (SELECT p.n FROM w AS p WHERE p.tbl = w.tbl AND"
                     " p.row = w.row AND p.col = w.col AND p.a = w.a AND"
                     " p.n < w.n ORDER BY p.n DESC LIMIT 1) AS prev"
                     " FROM w INDEXED BY w_n WHERE n = ?1)"
                     " JOIN names AS t ON t.k = tbl JOIN names AS c"
                     " ON c.k = col WHERE prev IS NOT NULL",
                     DB_ARGS(DB_INT(at)), add_key, out, err);
    /* A named write not held (at 0) has no flag to change. */
    for (size_t i = 0; rv == 0 && i < out->count; i++)
        rv = i < named ? log_n_of(n, out->v[i].eid, &out->v[i].at, err)
                       : log_id_of(n, out->v[i].at, out->v[i].eid, err);
    return rv;
}

/* The head flag of one write, from the facts as they are; its field's
 * value follows with its row (refresh_row). A write not held changes
 * nothing. */
static int recompute_head(struct hz_node *n, const struct key *k,
                          struct hz_err *err)
{
    if (k->at == 0)
        return 0;
    return db_run(
        &n->db,
        "UPDATE w INDEXED BY w_n SET head = NOT EXISTS (SELECT 1"
        " FROM sup WHERE sup.tbl = ?1 AND sup.row = ?2 AND"
        " sup.col = ?3 AND sup.old = ?4) AND NOT EXISTS"
        " (SELECT 1 FROM w AS l WHERE l.tbl = w.tbl AND"
        " l.row = w.row AND l.col = w.col AND l.a = w.a AND"
        " l.n > w.n) WHERE n = ?5 AND " FIELD_IS,
        DB_ARGS(FIELD_KEY(k->t, k->row, k->c), DB_HASH(k->eid), DB_INT(k->at)),
        err);
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
    int64_t at = 0; /* 0: not in the log, so no writes */
    int rv = log_n_of(n, eid, &at, err);
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT t.name, row, c.name FROM w INDEXED BY w_n"
                     " JOIN names AS t ON t.k = tbl JOIN names AS c"
                     " ON c.k = col WHERE n = ?1",
                     DB_ARGS(DB_INT(at)), add_key, &fields, err);
    if (rv == 0)
        rv = db_each(&n->db, "SELECT tbl, row FROM tomb WHERE eid = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, &tombs, err);
    if (rv == 0)
        rv = undo_candidates(n, eid, at, &cands, err);
    if (rv == 0)
        rv = db_run(&n->db, "DELETE FROM w INDEXED BY w_n WHERE n = ?1",
                    DB_ARGS(DB_INT(at)), err);
    static const char *const drop[] = {
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
    int64_t *at;
    size_t max, count;
};

static int add_head(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct heads *h = data;
    if (h->count == h->max)
        return hz_err_set(err, HZ_ETOOBIG, "more than %zu heads", h->max);
    h->at[h->count++] = sqlite3_column_int64(st, 0);
    return 0;
}

static int hash_order(const void *a, const void *b)
{
    return memcmp(a, b, HZ_HASH_LEN);
}

int fields_heads(struct hz_node *n, const struct table_def *t,
                 const uint8_t *row, const char *col,
                 uint8_t (*out)[HZ_HASH_LEN], size_t max, size_t *count,
                 struct hz_err *err)
{
    *count = 0;
    struct heads h = {calloc(max > 0 ? max : 1, sizeof(int64_t)), max, 0};
    if (h.at == NULL)
        return hz_err_set(err, HZ_ENOMEM, "heads");
    int rv;
    if (col != NULL)
        rv = db_each(&n->db,
                     "SELECT n FROM w INDEXED BY w_heads WHERE " FIELD_IS
                     " AND head = 1",
                     DB_ARGS(DB_TEXT(t->name), DB_ROW(row), DB_TEXT(col)),
                     add_head, &h, err);
    else
        rv = db_each(&n->db,
                     "SELECT DISTINCT n FROM w INDEXED BY w_heads WHERE"
                     " tbl = " TBL_K " AND row = ?2 AND head = 1",
                     DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), add_head, &h, err);
    for (size_t i = 0; rv == 0 && i < h.count; i++)
        rv = log_id_of(n, h.at[i], out[i], err);
    free(h.at);
    if (rv != 0)
        return rv;
    qsort(out, h.count, HZ_HASH_LEN, hash_order);
    *count = h.count;
    return 0;
}

/* ---- conflicts */

struct conflicts {
    struct hz_node *n;
    const char *kind;
    json_t *arr;
    /* delete_vs_edit: the last field listed (candidates come in order) */
    char last_tbl[HZ_NAME_LEN_MAX + 1], last_col[HZ_NAME_LEN_MAX + 1];
    uint8_t last_row[HZ_ROW_LEN];
};

struct heads_json {
    struct hz_node *n;
    json_t *arr;
};

/* One head (log.n or entry id, author, clock, value) for the list. */
static int add_head_json(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct heads_json *k = data;
    uint8_t eid[HZ_HASH_LEN];
    int rv = sqlite3_column_type(st, 0) == SQLITE_INTEGER
                 ? log_id_of(k->n, sqlite3_column_int64(st, 0), eid, err)
                 : db_column_fixed(st, 0, eid, HZ_HASH_LEN, err);
    if (rv != 0)
        return rv;
    json_t *h = json_object();
    json_object_set_new(h, "entry", render_hex(eid, HZ_HASH_LEN));
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
    json_array_append_new(k->arr, h);
    return 0;
}

/* The heads of a field in winner order: format 4, and (a node of an
 * older format opened read-only, storage.md "Upgrades") formats 2 and 3,
 * whose w holds names, entry ids and authors' keys as they are. */
static int list_heads(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, const struct col_def *c,
                      json_t *heads, struct hz_err *err)
{
    struct heads_json k = {n, heads};
    if (n->db.format < 4)
        return db_each(&n->db,
                       "SELECT eid, author, clock, val FROM w"
                       " WHERE tbl = ?1 AND row = ?2 AND col = ?3 AND"
                       " head = 1 ORDER BY clock DESC, author DESC",
                       DB_ARGS(FIELD_KEY(t, row, c)), add_head_json, &k, err);
    return db_each(&n->db,
                   "SELECT w.n, au.name, w.clock, w.val FROM w INDEXED BY"
                   " w_heads JOIN names AS au ON au.k = w.a WHERE " FIELD_IS
                   " AND head = 1 ORDER BY w.clock DESC, au.name DESC",
                   DB_ARGS(FIELD_KEY(t, row, c)), add_head_json, &k, err);
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
    /* Other statements: this one stays on its row. */
    return list_heads(k->n, t, row, &t->cols[c], heads, err);
}

/* A head of a tombstoned row (tbl, row, col, n): listed (once per field)
 * when no tombstone of the row had seen its entry. */
static int add_unseen(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct conflicts *k = data;
    const char *tbl = (const char *)sqlite3_column_text(st, 0);
    const char *col = (const char *)sqlite3_column_text(st, 2);
    uint8_t row[HZ_ROW_LEN], eid[HZ_HASH_LEN];
    if (tbl == NULL || col == NULL || strlen(tbl) > HZ_NAME_LEN_MAX ||
        strlen(col) > HZ_NAME_LEN_MAX ||
        db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored field");
    if (strcmp(tbl, k->last_tbl) == 0 && strcmp(col, k->last_col) == 0 &&
        memcmp(row, k->last_row, HZ_ROW_LEN) == 0)
        return 0;
    int64_t seen = 0;
    int rv = log_id_of(k->n, sqlite3_column_int64(st, 3), eid, err);
    if (rv == 0)
        rv = db_int(&k->n->db,
                    "SELECT EXISTS (SELECT 1 FROM tomb_seen WHERE tbl = ?1 AND"
                    " row = ?2 AND seen = ?3)",
                    DB_ARGS(DB_TEXT(tbl), DB_ROW(row), DB_HASH(eid)), &seen,
                    NULL, err);
    if (rv != 0 || seen)
        return rv;
    strcpy(k->last_tbl, tbl);
    strcpy(k->last_col, col);
    memcpy(k->last_row, row, HZ_ROW_LEN);
    return add_conflict(k, st, err);
}

/* Formats 2 and 3, read-only: w holds names and entry ids as text and
 * blobs. */
static int conflicts_older(struct hz_node *n, struct conflicts *k,
                           struct hz_err *err)
{
    int rv = db_each(
        &n->db,
        "SELECT tbl, row, col FROM w WHERE head = 1 AND NOT EXISTS"
        " (SELECT 1 FROM tomb WHERE tomb.tbl = w.tbl AND tomb.row = w.row)"
        " GROUP BY tbl, row, col HAVING count(*) > 1 ORDER BY tbl, row, col",
        DB_NO_ARGS, add_conflict, k, err);
    k->kind = "delete_vs_edit";
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT DISTINCT tbl, row, col FROM w WHERE head = 1 AND"
                     " EXISTS (SELECT 1 FROM tomb WHERE tomb.tbl = w.tbl AND"
                     " tomb.row = w.row) AND NOT EXISTS (SELECT 1 FROM"
                     " tomb_seen s WHERE s.tbl = w.tbl AND s.row = w.row AND"
                     " s.seen = w.eid) ORDER BY tbl, row, col",
                     DB_NO_ARGS, add_conflict, k, err);
    return rv;
}

int fields_conflicts_json(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    struct conflicts k = {.n = n, .kind = "concurrent", .arr = arr};
    if (n->db.format < 4)
        return conflicts_older(n, &k, err);
    int rv = db_each(
        &n->db,
        "SELECT t.name, w.row, c.name FROM w JOIN names AS t ON t.k = w.tbl"
        " JOIN names AS c ON c.k = w.col WHERE w.head = 1 AND NOT EXISTS"
        " (SELECT 1 FROM tomb WHERE tomb.tbl = t.name AND tomb.row = w.row)"
        " GROUP BY w.tbl, w.row, w.col HAVING count(*) > 1"
        " ORDER BY t.name, w.row, c.name",
        DB_NO_ARGS, add_conflict, &k, err);
    k.kind = "delete_vs_edit";
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT t.name, w.row, c.name, w.n FROM w JOIN names AS t"
                     " ON t.k = w.tbl JOIN names AS c ON c.k = w.col"
                     " WHERE w.head = 1 AND EXISTS (SELECT 1 FROM tomb WHERE"
                     " tomb.tbl = t.name AND tomb.row = w.row)"
                     " ORDER BY t.name, w.row, c.name",
                     DB_NO_ARGS, add_unseen, &k, err);
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
