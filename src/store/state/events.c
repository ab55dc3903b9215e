/* events.c - the owner of evsrc: which applied entries inserted each
 * event row. An event row is the insert with the lowest entry id among
 * those that name its row id (DECISIONS 10); a second insert with other
 * content is listed as "event_id_reused" (proto/merge.md). The
 * materialized v_<table> rows follow (rows.c).
 *
 * A source is kept as its table (names.k), row, the inserting entry's
 * log.n and a sum of the content it gave (storage.md, format 5): equal
 * sums are equal content, which is all the conflict list asks. The
 * content itself is read back from the entry in the log on the rare
 * paths that need it: the row's source becomes another entry than the
 * one being applied (a second insert, an undo), or a local write of the
 * same event is compared (log/write.c). A node of an older format opened
 * read-only lists its conflicts from the content it holds. */
#include "render.h"
#include "state.h"

#include "../../core/alloc.h"
#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../log/log.h"

#include <stdlib.h>
#include <string.h>

/* Statements bind a source's table as ?1 (its name). */
#define TBL_K "(SELECT k FROM names WHERE name = ?1)"

/* The canonical content of an insert: [[column, value], ...]. */
static int encode_content(struct enc *out, const struct op *o)
{
    enc_reset(out);
    enc_array(out, o->n_fields);
    for (size_t k = 0; k < o->n_fields; k++) {
        enc_array(out, 2);
        enc_cstr(out, o->table->cols[o->fields[k].col].name);
        enc_value(out, &o->fields[k].val);
    }
    return enc_done(out);
}

/* The values of an insert, one per column of its table (borrowed). */
static void op_values(const struct op *o, struct value *vals)
{
    HZ_ASSERT(o->table->n_cols <= HZ_FIELDS_MAX);
    memset(vals, 0, o->table->n_cols * sizeof vals[0]);
    for (size_t k = 0; k < o->n_fields; k++)
        vals[o->fields[k].col] = o->fields[k].val;
}

struct sources {
    state_source_fn fn;
    void *data;
};

static int source_at(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct sources *s = data;
    return s->fn(s->data, sqlite3_column_int64(st, 0), err);
}

int events_sources(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, state_source_fn fn, void *data,
                   struct hz_err *err)
{
    struct sources s = {fn, data};
    return db_each(&n->db,
                   "SELECT n FROM evsrc WHERE tbl = " TBL_K " AND row = ?2",
                   DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), source_at, &s, err);
}

/* The lowest source of an event row: its log.n and entry id. */
struct lowest {
    struct hz_node *n;
    bool found;
    int64_t at;
    uint8_t id[HZ_HASH_LEN];
};

static int keep_lowest(void *data, int64_t at, struct hz_err *err)
{
    struct lowest *l = data;
    uint8_t id[HZ_HASH_LEN];
    int rv = log_id_of(l->n, at, id, err);
    if (rv == 0 && (!l->found || memcmp(id, l->id, HZ_HASH_LEN) < 0)) {
        l->found = true;
        l->at = at;
        memcpy(l->id, id, HZ_HASH_LEN);
    }
    return rv;
}

/* The sources of a row are the few entries that inserted it (nearly
 * always one): the lowest id is found among them. */
static int lowest_source(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, struct lowest *l,
                         struct hz_err *err)
{
    *l = (struct lowest){.n = n};
    return events_sources(n, t, row, keep_lowest, l, err);
}

/* An insert read back from the entry in the log that made it. */
struct stored_insert {
    uint8_t *bytes;
    struct body b;
    const struct op *op; /* borrowed from b */
};

static int stored_insert_open(struct hz_node *n, const struct table_def *t,
                              const uint8_t *row, const struct lowest *l,
                              struct stored_insert *s, struct hz_err *err)
{
    *s = (struct stored_insert){0};
    size_t len;
    struct entry e;
    int rv = log_bytes_of(n, l->at, &s->bytes, &len, err);
    if (rv == 0)
        rv = entry_decode_known(&e, s->bytes, len, l->id, err);
    if (rv == 0)
        rv = body_decode(&s->b, n->schema, e.body.p, e.body.len, err);
    /* A body has one op per row (body.h). */
    for (size_t i = 0; rv == 0 && s->op == NULL && i < s->b.n_ops; i++) {
        const struct op *o = &s->b.ops[i];
        if (o->kind == OP_INS && strcmp(o->table->name, t->name) == 0 &&
            memcmp(o->row, row, HZ_ROW_LEN) == 0)
            s->op = o;
    }
    if (rv == 0 && s->op == NULL)
        rv = hz_err_set(err, HZ_ECORRUPT, "stored event source");
    return rv;
}

static void stored_insert_close(struct stored_insert *s)
{
    body_close(&s->b);
    free(s->bytes);
}

/* Re-materialize an event row from its lowest remaining source; @at and
 * @o, when @o is not NULL, are the insert being applied (read from the
 * log only when another source is the lowest). */
static int refresh_event(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, int64_t at, const struct op *o,
                         struct hz_err *err)
{
    struct lowest l;
    int rv = lowest_source(n, t, row, &l, err);
    if (rv != 0)
        return rv;
    if (!l.found)
        return rows_delete(n, t, row, err);
    struct value vals[HZ_FIELDS_MAX];
    if (o != NULL && l.at == at) {
        op_values(o, vals);
        return rows_put_event(n, t, row, l.id, vals, err);
    }
    struct stored_insert s;
    rv = stored_insert_open(n, t, row, &l, &s, err);
    if (rv == 0) {
        op_values(s.op, vals);
        rv = rows_put_event(n, t, row, l.id, vals, err);
    }
    stored_insert_close(&s);
    return rv;
}

int events_insert(struct hz_node *n, const struct entry *e, int64_t at,
                  const struct op *o, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    HZ_ASSERT(db_in_txn(&n->db));
    uint8_t sum[DB_EVENT_SUM_LEN];
    int64_t tbl = 0;
    int rv = encode_content(&n->scratch, o);
    if (rv == 0)
        rv = rows_table_k(n, o->table, &tbl, err);
    if (rv == 0) {
        db_event_sum(enc_data(&n->scratch), enc_len(&n->scratch), sum);
        rv = db_run(&n->db,
                    "INSERT OR IGNORE INTO evsrc(tbl, row, n, sum)"
                    " VALUES(?1, ?2, ?3, ?4)",
                    DB_ARGS(DB_INT(tbl), DB_ROW(o->row), DB_INT(at),
                            DB_BLOB(sum, sizeof sum)),
                    err);
    }
    if (rv != 0)
        return rv;
    /* A new source: the only one of this event row unless the row is
     * there (one is exactly while a source is), so write it from the op
     * unless it is; else the lowest source decides. */
    if (db_changes(&n->db) == 1) {
        struct value vals[HZ_FIELDS_MAX];
        bool put = false;
        op_values(o, vals);
        rv = rows_insert_event(n, o->table, o->row, e->id, vals, &put, err);
        if (rv != 0 || put)
            return rv;
    }
    return refresh_event(n, o->table, o->row, at, o, err);
}

/* The sources an entry gave, taken away. */
int events_undo(struct hz_node *n, int64_t at, const struct body *b,
                struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    /* An entry's sources are found by the rows its inserts name (format
     * 18: no index by entry); a body has one op per row. */
    int rv = 0;
    for (size_t i = 0; rv == 0 && at != 0 && i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        if (o->kind != OP_INS)
            continue;
        rv = db_run(
            &n->db,
            "DELETE FROM evsrc WHERE tbl = " TBL_K " AND row = ?2"
            " AND n = ?3",
            DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row), DB_INT(at)), err);
        if (rv == 0 && db_changes(&n->db) > 0)
            rv = refresh_event(n, o->table, o->row, 0, NULL, err);
    }
    return rv;
}

int events_content(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row,
                   void (*fn)(void *data, const uint8_t *p, size_t len),
                   void *data, bool *found, struct hz_err *err)
{
    struct lowest l;
    int rv = lowest_source(n, t, row, &l, err);
    *found = rv == 0 && l.found;
    if (!*found)
        return rv;
    struct stored_insert s;
    struct enc content;
    enc_init(&content);
    rv = stored_insert_open(n, t, row, &l, &s, err);
    if (rv == 0)
        rv = encode_content(&content, s.op) == 0
                 ? 0
                 : hz_err_set(err, HZ_ENOMEM, "event");
    if (rv == 0)
        fn(data, enc_data(&content), enc_len(&content));
    enc_close(&content);
    stored_insert_close(&s);
    return rv;
}

static int add_reused(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string("event_id_reused"));
    json_object_set_new(o, "table",
                        json_string((const char *)sqlite3_column_text(st, 0)));
    json_object_set_new(o, "id",
                        render_hex(sqlite3_column_blob(st, 1), HZ_ROW_LEN));
    json_object_set_new(o, "versions",
                        json_integer(sqlite3_column_int64(st, 2)));
    json_array_append_new((json_t *)data, o);
    return 0;
}

int events_conflicts_json(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    /* Formats 1 to 4 (a node opened read-only, storage.md "Upgrades")
     * keep each source's content with the table's name. */
    if (n->db.format < 5)
        return db_each(&n->db,
                       "SELECT tbl, row, count(*) FROM evsrc GROUP BY tbl, row"
                       " HAVING count(DISTINCT content) > 1"
                       " ORDER BY tbl, row",
                       DB_NO_ARGS, add_reused, arr, err);
    return db_each(&n->db,
                   "SELECT t.name, s.row, count(*) FROM evsrc AS s"
                   " JOIN names AS t ON t.k = s.tbl GROUP BY s.tbl, s.row"
                   " HAVING count(DISTINCT s.sum) > 1 ORDER BY t.name, s.row",
                   DB_NO_ARGS, add_reused, arr, err);
}

int events_row_conflicts_json(struct hz_node *n, const struct table_def *t,
                              const uint8_t *row, json_t *arr,
                              struct hz_err *err)
{
    HZ_ASSERT(n->db.format >= 5);
    return db_each(&n->db,
                   "SELECT t.name, s.row, count(*) FROM evsrc AS s"
                   " JOIN names AS t ON t.k = s.tbl WHERE s.tbl = " TBL_K
                   " AND s.row = ?2 GROUP BY s.tbl, s.row"
                   " HAVING count(DISTINCT s.sum) > 1",
                   DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), add_reused, arr,
                   err);
}

int events_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    return db_exec(&n->db, "DELETE FROM evsrc", err);
}
