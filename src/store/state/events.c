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
 * read-only lists its conflicts from the content it holds.
 *
 * An event row inserted by one entry alone (nearly every event row) has
 * no source in evsrc at all (format 19): its source is the entry its row
 * names (eid), and the content it gave is the row's values. When a
 * second insert of the row id arrives, that sole source is put into
 * evsrc first (spill), with the sum of the content read from the row,
 * and from then on evsrc holds every source of the row: a row with
 * sources in evsrc has no other, and taking the last of them back takes
 * the row away. */
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

/* The sources in evsrc of an event row, in *@count (none: the row has
 * its sole source, or no row). */
static int listed_sources(struct hz_node *n, const struct table_def *t,
                          const uint8_t *row, state_source_fn fn, void *data,
                          size_t *count, struct hz_err *err);

/* The sole source of an event row (format 19): the entry its row names,
 * at @at in the log (0: no row, or not a node of format 19). */
static int sole_source(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, int64_t *at, struct hz_err *err)
{
    *at = 0;
    if (n->db.format < 19)
        return 0;
    sqlite3_stmt *st;
    int rv = rows_read(n, t, row, &st, err);
    if (rv != 1)
        return rv;
    uint8_t eid[HZ_HASH_LEN];
    rv = db_column_fixed(st, 1, eid, HZ_HASH_LEN, err);
    sqlite3_reset(st);
    if (rv == 0)
        rv = log_n_of(n, eid, at, err);
    if (rv == 0 && *at == 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s row's source not in the log",
                        t->name);
    return rv;
}

struct counted {
    state_source_fn fn;
    void *data;
    size_t count;
};

static int count_source(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct counted *c = data;
    c->count++;
    return c->fn != NULL ? c->fn(c->data, sqlite3_column_int64(st, 0), err) : 0;
}

static int listed_sources(struct hz_node *n, const struct table_def *t,
                          const uint8_t *row, state_source_fn fn, void *data,
                          size_t *count, struct hz_err *err)
{
    struct counted c = {fn, data, 0};
    int rv = db_each(
        &n->db, "SELECT n FROM evsrc WHERE tbl = " TBL_K " AND row = ?2",
        DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), count_source, &c, err);
    *count = c.count;
    return rv;
}

/* The log.n of the row's sole source when evsrc lists none of its
 * sources; 0 otherwise (listed, or no row). */
static int unlisted_sole(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, int64_t *sole, struct hz_err *err)
{
    size_t listed = 0;
    *sole = 0;
    int rv = listed_sources(n, t, row, NULL, NULL, &listed, err);
    return rv != 0 || listed > 0 ? rv : sole_source(n, t, row, sole, err);
}

int events_sources(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, state_source_fn fn, void *data,
                   struct hz_err *err)
{
    size_t count = 0;
    int64_t at = 0;
    int rv = listed_sources(n, t, row, fn, data, &count, err);
    if (rv == 0 && count == 0)
        rv = sole_source(n, t, row, &at, err);
    return rv != 0 || at == 0 ? rv : fn(data, at, err);
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
 * always one): the lowest id is found among them; @listed: only among
 * those in evsrc (a row whose sources are there). */
static int lowest_source(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, bool listed, struct lowest *l,
                         struct hz_err *err)
{
    *l = (struct lowest){.n = n};
    size_t count = 0;
    return listed ? listed_sources(n, t, row, keep_lowest, l, &count, err)
                  : events_sources(n, t, row, keep_lowest, l, err);
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

/* Re-materialize an event row whose sources are in evsrc from its lowest
 * remaining one; @at and @o, when @o is not NULL, are the insert being
 * applied (read from the log only when another source is the lowest). */
static int refresh_event(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, int64_t at, const struct op *o,
                         struct hz_err *err)
{
    struct lowest l;
    int rv = lowest_source(n, t, row, true, &l, err);
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

/* A source into evsrc: the insert at @at in the log, the sum of @content
 * (canonical [[column, value], ...]). */
static int put_source(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, int64_t at, const struct enc *content,
                      struct hz_err *err)
{
    uint8_t sum[DB_EVENT_SUM_LEN];
    int64_t tbl = 0;
    int rv = rows_table_k(n, t, &tbl, err);
    if (rv != 0)
        return rv;
    db_event_sum(enc_data(content), enc_len(content), sum);
    return db_run(
        &n->db,
        "INSERT OR IGNORE INTO evsrc(tbl, row, n, sum)"
        " VALUES(?1, ?2, ?3, ?4)",
        DB_ARGS(DB_INT(tbl), DB_ROW(row), DB_INT(at), DB_BLOB(sum, sizeof sum)),
        err);
}

/* The content of a sole source read from its row: an insert writes no
 * nil (body.c), and its fields are in column order, so the row's
 * columns that are not NULL, in order, are the insert's fields: the
 * state hash's columns of the row. */
static int row_content(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, struct enc *out, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = rows_read(n, t, row, &st, err);
    if (rv != 1)
        return rv == 0 ? hz_err_set(err, HZ_ECORRUPT, "%s row", t->name) : rv;
    enc_reset(out);
    rv = state_row_columns(out, t, st) != 0
             ? hz_err_set(err, HZ_ECORRUPT, "%s row", t->name)
             : enc_done(out);
    sqlite3_reset(st);
    return rv;
}

/* The sole source @at of an event row into evsrc, before a second. */
static int spill(struct hz_node *n, const struct table_def *t,
                 const uint8_t *row, int64_t at, struct hz_err *err)
{
    int rv = row_content(n, t, row, &n->scratch, err);
#ifdef HZ_DEBUG_CHECKS
    /* the row's content is the entry's */
    struct lowest l = {.n = n, .found = true, .at = at};
    struct stored_insert si = {0};
    struct enc content;
    enc_init(&content);
    if (rv == 0)
        rv = log_id_of(n, at, l.id, err);
    if (rv == 0)
        rv = stored_insert_open(n, t, row, &l, &si, err);
    int made = rv != 0 ? 0 : encode_content(&content, si.op);
    if (rv == 0)
        HZ_ASSERT(made == 0 && enc_len(&content) == enc_len(&n->scratch) &&
                  memcmp(enc_data(&content), enc_data(&n->scratch),
                         enc_len(&content)) == 0);
    stored_insert_close(&si);
    enc_close(&content);
#endif
    return rv != 0 ? rv : put_source(n, t, row, at, &n->scratch, err);
}

int events_insert(struct hz_node *n, const struct entry *e, int64_t at,
                  const struct op *o, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    HZ_ASSERT(db_in_txn(&n->db));
    /* The first insert of a row id: the row, its sole source. */
    struct value vals[HZ_FIELDS_MAX];
    bool put = false;
    op_values(o, vals);
    int rv = rows_insert_event(n, o->table, o->row, e->id, vals, &put, err);
    if (rv != 0 || put)
        return rv;
    /* The row is there: its sole source goes into evsrc first (unless it
     * is this very entry, applied again), then this one; the lowest
     * source decides. */
    int64_t sole = 0;
    rv = unlisted_sole(n, o->table, o->row, &sole, err);
    if (rv == 0 && sole == at)
        return 0;
    if (rv == 0 && sole != 0)
        rv = spill(n, o->table, o->row, sole, err);
    if (rv == 0)
        rv = encode_content(&n->scratch, o);
    if (rv == 0)
        rv = put_source(n, o->table, o->row, at, &n->scratch, err);
    return rv != 0 ? rv : refresh_event(n, o->table, o->row, at, o, err);
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
        if (rv != 0)
            break;
        if (db_changes(&n->db) > 0) {
            rv = refresh_event(n, o->table, o->row, 0, NULL, err);
            continue;
        }
        /* none in evsrc: the row goes with its sole source */
        int64_t sole = 0;
        rv = unlisted_sole(n, o->table, o->row, &sole, err);
        if (rv == 0 && sole == at)
            rv = rows_delete(n, o->table, o->row, err);
    }
    return rv;
}

int events_content(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row,
                   void (*fn)(void *data, const uint8_t *p, size_t len),
                   void *data, bool *found, struct hz_err *err)
{
    struct lowest l;
    int rv = lowest_source(n, t, row, false, &l, err);
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
