/* events.c - the owner of evsrc: which applied entries inserted each
 * event row, with the content each gave. An event row is the insert with
 * the lowest entry id among those that name its row id (DECISIONS 10);
 * a second insert with other content is listed as "event_id_reused"
 * (proto/merge.md). The materialized v_<table> rows follow (rows.c). */
#include "render.h"
#include "state.h"

#include "../../core/codec.h"
#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdlib.h>
#include <string.h>

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

/* The lowest source of an event row: (eid, content), not yet stepped. */
static int lowest_source(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, sqlite3_stmt **q,
                         struct hz_err *err)
{
    return db_query(&n->db,
                    "SELECT eid, content FROM evsrc WHERE tbl = ?1 AND"
                    " row = ?2 ORDER BY eid LIMIT 1",
                    DB_ARGS(DB_TEXT(t->name), DB_ROW(row)), q, err);
}

/* Re-materialize an event row from its lowest remaining source. */
static int refresh_event(struct hz_node *n, const struct table_def *t,
                         const uint8_t *row, struct hz_err *err)
{
    sqlite3_stmt *q;
    int rv = lowest_source(n, t, row, &q, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(q);
        return rows_delete(n, t, row, err);
    }
    if (rc != SQLITE_ROW) {
        sqlite3_reset(q);
        return db_err(&n->db, rc, "read event sources", err);
    }
    uint8_t eid[HZ_HASH_LEN];
    struct value vals[HZ_FIELDS_MAX];
    msgpack_unpacked u;
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    rv = db_column_fixed(q, 0, eid, HZ_HASH_LEN, err);
    if (rv == 0)
        rv = decode_content(t, sqlite3_column_blob(q, 1),
                            (size_t)sqlite3_column_bytes(q, 1), &u, vals, err);
    if (rv == 0) {
        rv = rows_put_event(n, t, row, eid, vals, err);
        msgpack_unpacked_destroy(&u);
    }
    sqlite3_reset(q);
    return rv;
}

int events_insert(struct hz_node *n, const struct entry *e, const struct op *o,
                  struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    HZ_ASSERT(db_in_txn(&n->db));
    enc_reset(&n->scratch);
    enc_array(&n->scratch, o->n_fields);
    for (size_t k = 0; k < o->n_fields; k++) {
        enc_array(&n->scratch, 2);
        enc_cstr(&n->scratch, o->table->cols[o->fields[k].col].name);
        enc_value(&n->scratch, &o->fields[k].val);
    }
    int rv = enc_done(&n->scratch);
    if (rv == 0)
        rv = db_run(
            &n->db,
            "INSERT OR IGNORE INTO evsrc(tbl, row, eid, content)"
            " VALUES(?1, ?2, ?3, ?4)",
            DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row), DB_HASH(e->id),
                    DB_BLOB(enc_data(&n->scratch), enc_len(&n->scratch))),
            err);
    if (rv != 0)
        return rv;
    /* The only source of this event row so far: write it from the op. */
    if (db_changes(&n->db) == 1) {
        int64_t sources;
        rv = db_int(&n->db,
                    "SELECT count(*) FROM evsrc WHERE tbl = ?1 AND row = ?2",
                    DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row)), &sources,
                    NULL, err);
        if (rv != 0)
            return rv;
        if (sources == 1) {
            struct value vals[HZ_FIELDS_MAX];
            HZ_ASSERT(o->table->n_cols <= HZ_FIELDS_MAX);
            memset(vals, 0, o->table->n_cols * sizeof vals[0]);
            for (size_t k = 0; k < o->n_fields; k++)
                vals[o->fields[k].col] = o->fields[k].val;
            return rows_put_event(n, o->table, o->row, e->id, vals, err);
        }
    }
    return refresh_event(n, o->table, o->row, err);
}

/* The event rows an entry inserted. */
struct source {
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
};

struct sources {
    struct hz_node *n;
    struct source *v;
    size_t count, cap;
};

static int add_source(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct sources *s = data;
    struct source *v = hz_grow(s->v, &s->cap, s->count, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "undo");
    s->v = v;
    v[s->count].t =
        schema_table_c(s->n->schema, (const char *)sqlite3_column_text(st, 0));
    if (v[s->count].t == NULL ||
        db_column_fixed(st, 1, v[s->count].row, HZ_ROW_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored event source");
    s->count++;
    return 0;
}

int events_undo(struct hz_node *n, const uint8_t *eid, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct sources s = {.n = n};
    int rv = db_each(&n->db, "SELECT tbl, row FROM evsrc WHERE eid = ?1",
                     DB_ARGS(DB_HASH(eid)), add_source, &s, err);
    if (rv == 0)
        rv = db_run(&n->db, "DELETE FROM evsrc WHERE eid = ?1",
                    DB_ARGS(DB_HASH(eid)), err);
    for (size_t i = 0; rv == 0 && i < s.count; i++)
        rv = refresh_event(n, s.v[i].t, s.v[i].row, err);
    free(s.v);
    return rv;
}

int events_content(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row,
                   void (*fn)(void *data, const uint8_t *p, size_t len),
                   void *data, bool *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = lowest_source(n, t, row, &st, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        fn(data, sqlite3_column_blob(st, 1),
           (size_t)sqlite3_column_bytes(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE
               ? 0
               : db_err(&n->db, rc, "event", err);
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
    return db_each(&n->db,
                   "SELECT tbl, row, count(*) FROM evsrc GROUP BY tbl, row"
                   " HAVING count(DISTINCT content) > 1 ORDER BY tbl, row",
                   DB_NO_ARGS, add_reused, arr, err);
}

int events_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    return db_exec(&n->db, "DELETE FROM evsrc", err);
}
