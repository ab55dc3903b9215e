/* changes.c - reading the local change counter (proto/storage.md,
 * format 15; DECISIONS 43): which materialized rows changed after a
 * number, with what they hold now and their conflicts, for the county
 * mirror (src/mirror). rows.c numbers each row in the statement that
 * changes it (its chg column) and records the rows it takes away in
 * chg_gone; this file only reads them. */
#include "../store.h"
#include "render.h"
#include "state.h"

#include "../../core/alloc.h"
#include "../../core/error_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_changes_ready(hz_node *n, struct hz_err *err)
{
    int rv = txn_begin(n, err);
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++) {
        const struct table_def *t = &n->schema->tables[i];
        if (t->kind != TABLE_ENTITY)
            continue;
        char name[96], bare[96], sql[256];
        db_table_name(t, name, sizeof name);
        db_table_bare(t, bare, sizeof bare);
        snprintf(sql, sizeof sql,
                 "CREATE INDEX IF NOT EXISTS \"%s_chg\" ON %s(chg)", bare,
                 name);
        rv = db_exec(&n->db, sql, err);
    }
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0 && db_in_txn(&n->db))
        txn_rollback(n);
    return rv;
}

int store_changes_top(hz_node *n, int64_t *counter, char *state_hash,
                      char *network, struct hz_err *err)
{
    *counter = 0; /* none yet: nothing numbered */
    bool found;
    hex_encode(n->network, HZ_NET_LEN, network);
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = db_int(&n->db, "SELECT v FROM meta WHERE k = 'chg'", DB_NO_ARGS,
                    counter, &found, err);
    if (rv == 0 && state_hash != NULL)
        rv = state_hash_txn(n, state_hash, err);
    txn_rollback(n);
    return rv;
}

/* The row as huzhu ls gives it, or JSON null when the node holds it no
 * more. */
static int row_now(hz_node *n, const struct table_def *t, const uint8_t *row,
                   json_t **out, struct hz_err *err)
{
    char sql[1024];
    query_select_sql(t, sql, sizeof sql - 20);
    strcat(sql, " WHERE id = ?1");
    sqlite3_stmt *st;
    bool found = false;
    int rv = db_first(&n->db, sql, DB_ARGS(DB_ROW(row)), &st, &found, err);
    if (rv < 0)
        return rv;
    if (rv == 1) {
        *out = query_row_json(t, st);
        sqlite3_reset(st);
    } else {
        *out = json_null();
    }
    return 0;
}

/* One row changed: its number and where it is. */
struct change {
    int64_t c;
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
    bool gone;   /* from chg_gone: the node took the row away */
    json_t *now; /* the row now, once read (read_rows) */
};

struct changes {
    const struct schema *schema;
    const struct table_def *t; /* the table read; NULL: chg_gone */
    struct change *v;
    size_t count, cap;
};

static int add_change(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct changes *k = data;
    const struct table_def *t = k->t;
    if (t == NULL &&
        (t = schema_table_c(k->schema,
                            (const char *)sqlite3_column_text(st, 2))) == NULL)
        return 0; /* a table of a newer schema: not mirrored by this build */
    struct change *v = hz_grow(k->v, &k->cap, k->count, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "changes");
    k->v = v;
    v[k->count].c = sqlite3_column_int64(st, 0);
    v[k->count].t = t;
    v[k->count].gone = k->t == NULL;
    v[k->count].now = NULL;
    int rv = db_column_fixed(st, 1, v[k->count].row, HZ_ROW_LEN, err);
    k->count += rv == 0;
    return rv;
}

static int cmp_change(const void *a, const void *b)
{
    int64_t x = ((const struct change *)a)->c,
            y = ((const struct change *)b)->c;
    return (x > y) - (x < y);
}

/* The @max lowest numbers in (@after, @upto] of every table and of
 * chg_gone, in order: an entity table's read by its chg index
 * (store_changes_ready), an event table's by its rowid. */
static int collect(hz_node *n, int64_t after, int64_t upto, size_t max,
                   struct changes *k, struct hz_err *err)
{
    int rv = 0;
    for (size_t i = 0; rv == 0 && i <= n->schema->n_tables; i++) {
        char sql[256];
        if (i < n->schema->n_tables) {
            char name[96];
            k->t = &n->schema->tables[i];
            db_table_name(k->t, name, sizeof name);
            const char *num = k->t->kind == TABLE_ENTITY ? "chg" : "rowid";
            snprintf(sql, sizeof sql,
                     "SELECT %s, id FROM %s WHERE %s > ?1 AND %s <= ?2"
                     " ORDER BY %s LIMIT ?3",
                     num, name, num, num, num);
        } else {
            k->t = NULL;
            snprintf(sql, sizeof sql,
                     "SELECT c, row, t.name FROM chg_gone JOIN names AS t"
                     " ON t.k = tbl WHERE c > ?1 AND c <= ?2 ORDER BY c"
                     " LIMIT ?3");
        }
        rv = db_each(&n->db, sql,
                     DB_ARGS(DB_INT(after), DB_INT(upto), DB_INT(max)),
                     add_change, k, err);
    }
    if (rv == 0 && k->count > 0)
        qsort(k->v, k->count, sizeof k->v[0], cmp_change);
    if (k->count > max)
        k->count = max;
    return rv;
}

/* What the rows of table @t numbered in (@after, @upto] hold now, read
 * in one pass of the table by its number (an entity table's chg index,
 * an event table's rowid) instead of one lookup a row: each set as the
 * now of its change in @v (they come in the same order). A row of @t
 * numbered there whose change was not collected cannot be: both reads
 * are of one snapshot. */
static int read_rows(hz_node *n, const struct table_def *t, int64_t after,
                     int64_t upto, struct change *v, size_t count,
                     struct hz_err *err)
{
    char sql[1200];
    const char *num = t->kind == TABLE_ENTITY ? "chg" : "rowid";
    query_select_sql(t, sql, sizeof sql - 80);
    size_t at = strlen(sql);
    snprintf(sql + at, sizeof sql - at,
             " WHERE %s > ?1 AND %s <= ?2 ORDER BY %s", num, num, num);
    sqlite3_stmt *st = NULL;
    int rv =
        db_query(&n->db, sql, DB_ARGS(DB_INT(after), DB_INT(upto)), &st, err);
    size_t j = 0;
    while (rv == 0) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE)
            break;
        if (rc != SQLITE_ROW) {
            rv = db_err(&n->db, rc, "changes", err);
            break;
        }
        while (j < count && (v[j].t != t || v[j].gone))
            j++;
        const void *id = sqlite3_column_blob(st, 0);
        HZ_ASSERT(j < count && id != NULL &&
                  sqlite3_column_bytes(st, 0) == HZ_ROW_LEN &&
                  memcmp(id, v[j].row, HZ_ROW_LEN) == 0);
        v[j++].now = query_row_json(t, st);
    }
    if (st != NULL)
        sqlite3_reset(st);
    return rv;
}

/* The change as a JSON object appended to @arr. */
static int add_changed(hz_node *n, struct change *x, json_t *arr,
                       struct hz_err *err)
{
    json_t *o = json_object(), *now = x->now, *conflicts = json_array();
    x->now = NULL;
    json_object_set_new(o, "counter", json_integer(x->c));
    json_object_set_new(o, "table", json_string(x->t->name));
    json_object_set_new(o, "id", render_hex(x->row, HZ_ROW_LEN));
    json_array_append_new(arr, o);
    int rv = now == NULL ? row_now(n, x->t, x->row, &now, err) : 0;
    json_object_set_new(o, "row", now != NULL ? now : json_null());
    json_object_set_new(o, "conflicts", conflicts);
    if (rv == 0)
        rv = x->t->kind == TABLE_ENTITY
                 ? fields_row_conflicts_json(n, x->t, x->row, conflicts, err)
                 : events_row_conflicts_json(n, x->t, x->row, conflicts, err);
    return rv;
}

int store_changes_since(hz_node *n, int64_t after, int64_t upto, size_t max,
                        json_t **out, int64_t *last, struct hz_err *err)
{
    *out = NULL;
    *last = after;
    if (max == 0 || max > STORE_CHANGES_MAX)
        return hz_err_set(err, HZ_EINVAL, "%zu changes at once (1 to %u)", max,
                          STORE_CHANGES_MAX);
    struct changes k = {.schema = n->schema};
    json_t *arr = json_array();
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = collect(n, after, upto, max, &k, err);
    /* the rows held now, a table at a time, up to the last change taken */
    int64_t top = k.count > 0 ? k.v[k.count - 1].c : after;
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++) {
        const struct table_def *t = &n->schema->tables[i];
        bool any = false;
        for (size_t j = 0; !any && j < k.count; j++)
            any = k.v[j].t == t && !k.v[j].gone;
        if (any)
            rv = read_rows(n, t, after, top, k.v, k.count, err);
    }
    for (size_t i = 0; rv == 0 && i < k.count; i++)
        rv = add_changed(n, &k.v[i], arr, err);
    txn_rollback(n);
    for (size_t i = 0; i < k.count; i++)
        json_decref(k.v[i].now);
    if (rv == 0 && k.count > 0)
        *last = k.v[k.count - 1].c;
    free(k.v);
    if (rv != 0) {
        json_decref(arr);
        return rv;
    }
    *out = arr;
    return 0;
}
