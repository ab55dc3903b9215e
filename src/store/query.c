/* query.c - reading the materialized state as JSON: rows, lists, the
 * conflicts kept for review. One query layer serves the CLI and (later)
 * the HTTP API alike; output is UTF-8 JSON whose keys are wire names, so
 * machine output never depends on the language (DECISIONS 24). */
#include "query.h"
#include "store.h"

#include "../core/error_int.h"
#include "../core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hz_free_string(char *s)
{
    free(s);
}

json_t *query_value_json(const struct col_def *c, const struct value *v)
{
    char hex[2 * HZ_HASH_LEN + 1];
    switch (v->type) {
    case VALUE_NIL:
        return json_null();
    case VALUE_BOOL:
        return json_boolean(v->b);
    case VALUE_INT:
        return json_integer((json_int_t)v->i);
    case VALUE_REAL:
        return json_real(v->r);
    case VALUE_STR:
        return json_stringn((const char *)v->s.p, v->s.len);
    case VALUE_BIN:
        if (v->s.len > HZ_HASH_LEN)
            return json_null();
        hex_encode(v->s.p, v->s.len, hex);
        return json_string(hex);
    }
    (void)c;
    return json_null();
}

json_t *query_hex(const void *p, size_t len)
{
    char hex[2 * HZ_HASH_LEN + 1];
    HZ_ASSERT(len <= HZ_HASH_LEN);
    hex_encode(p, len, hex);
    return json_string(hex);
}

int query_dump(json_t *root, char **out, struct hz_err *err)
{
    if (root == NULL)
        return hz_err_set(err, HZ_ENOMEM, "json");
    *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "json");
}

/* One materialized row (SELECT * order: id, deleted|eid, columns). */
static json_t *row_json(const struct table_def *t, sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id",
                        query_hex(sqlite3_column_blob(st, 0), HZ_ROW_LEN));
    if (t->kind == TABLE_ENTITY && sqlite3_column_int(st, 1) != 0)
        json_object_set_new(o, "deleted", json_true());
    for (size_t c = 0; c < t->n_cols; c++) {
        struct value v;
        if (apply_value_from_sql(&t->cols[c], st, (int)c + 2, &v) != 0 ||
            v.type == VALUE_NIL)
            continue;
        json_object_set_new(o, t->cols[c].name,
                            query_value_json(&t->cols[c], &v));
    }
    return o;
}

void query_select_sql(const struct table_def *t, char *sql, size_t len)
{
    char name[96];
    db_table_name(t, name, sizeof name);
    int at = snprintf(sql, len, "SELECT id, %s",
                      t->kind == TABLE_ENTITY ? "deleted" : "eid");
    for (size_t c = 0; c < t->n_cols; c++)
        at += snprintf(sql + at, len - (size_t)at, ", \"%s\"", t->cols[c].name);
    snprintf(sql + at, len - (size_t)at, " FROM %s", name);
}

static int table_or_err(hz_node *n, const char *table,
                        const struct table_def **t, struct hz_err *err)
{
    *t = schema_table_c(n->schema, table);
    return *t != NULL ? 0 : hz_err_set(err, HZ_ESCHEMA, "no table %s", table);
}

int hz_node_get(hz_node *n, const char *table, const char *id, char **json,
                struct hz_err *err)
{
    *json = NULL;
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
    int rv = table_or_err(n, table, &t, err);
    if (rv != 0)
        return rv;
    if (hex_decode(id, row, HZ_ROW_LEN) != 0)
        return hz_err_set(err, HZ_EINVAL,
                          "row id must be 32 lowercase hex digits");
    char sql[1024];
    query_select_sql(t, sql, sizeof sql - 20);
    strcat(sql, " WHERE id = ?1");
    sqlite3_stmt *st;
    rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, row, HZ_ROW_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE
                   ? hz_err_set(err, HZ_ENOTFOUND, "%s row", t->name)
                   : db_err(n, rc, "get", err);
    }
    json_t *o = row_json(t, st);
    int deleted = t->kind == TABLE_ENTITY && sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    rv = query_dump(o, json, err);
    if (rv == 0 && deleted)
        rv = hz_err_set(err, HZ_EDELETED, "%s row", t->name);
    return rv;
}

int hz_node_ls(hz_node *n, const char *table, size_t n_where,
               const struct hz_field *where, char **json, struct hz_err *err)
{
    *json = NULL;
    const struct table_def *t;
    int rv = table_or_err(n, table, &t, err);
    if (rv != 0)
        return rv;
    if (n_where > HZ_FIELDS_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "%zu conditions", n_where);
    char sql[4096];
    query_select_sql(t, sql, 1024);
    size_t at = strlen(sql);
    at += (size_t)snprintf(sql + at, sizeof sql - at, " WHERE %s",
                           t->kind == TABLE_ENTITY ? "deleted = 0" : "1");
    struct value vals[HZ_FIELDS_MAX];
    uint8_t ids[HZ_FIELDS_MAX][HZ_ROW_LEN];
    for (size_t i = 0; i < n_where; i++) {
        int c = schema_col_c(t, where[i].col);
        if (c < 0)
            return hz_err_set(err, HZ_ESCHEMA, "%s has no column %s", t->name,
                              where[i].col);
        rv = schema_parse_value(&t->cols[c], where[i].value, ids[i], &vals[i],
                                err);
        if (rv != 0)
            return rv;
        at += (size_t)snprintf(sql + at, sizeof sql - at,
                               vals[i].type == VALUE_NIL ? " AND \"%s\" IS NULL"
                                                         : " AND \"%s\" = ?",
                               t->cols[c].name);
    }
    snprintf(sql + at, sizeof sql - at, " ORDER BY id");
    sqlite3_stmt *st;
    rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    int k = 1;
    for (size_t i = 0; i < n_where; i++) {
        struct value *v = &vals[i];
        if (v->type == VALUE_BOOL)
            sqlite3_bind_int(st, k++, v->b);
        else if (v->type == VALUE_INT)
            sqlite3_bind_int64(st, k++, v->i);
        else if (v->type == VALUE_REAL)
            sqlite3_bind_double(st, k++, v->r);
        else if (v->type == VALUE_STR)
            sqlite3_bind_text(st, k++, (const char *)v->s.p, (int)v->s.len,
                              SQLITE_TRANSIENT);
        else if (v->type == VALUE_BIN)
            sqlite3_bind_blob(st, k++, v->s.p, (int)v->s.len, SQLITE_TRANSIENT);
    }
    json_t *arr = json_array();
    int rc;
    size_t rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && rows++ < HZ_QUERY_ROWS_MAX)
        json_array_append_new(arr, row_json(t, st));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        json_decref(arr);
        return db_err(n, rc, "ls", err);
    }
    return query_dump(arr, json, err);
}

/* The heads of one field with their values, for the conflict list. */
static int heads_json(hz_node *n, const struct table_def *t,
                      const struct col_def *c, const void *row, json_t *out,
                      struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT eid, author, clock, val FROM w WHERE tbl = ?1"
                     " AND row = ?2 AND col = ?3 AND head = 1"
                     " ORDER BY clock DESC, author DESC",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, row, HZ_ROW_LEN, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, c->name, -1, SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *h = json_object();
        json_object_set_new(h, "entry",
                            query_hex(sqlite3_column_blob(st, 0), HZ_HASH_LEN));
        json_object_set_new(h, "author",
                            query_hex(sqlite3_column_blob(st, 1), HZ_KEY_LEN));
        json_object_set_new(h, "clock",
                            json_integer(sqlite3_column_int64(st, 2)));
        msgpack_unpacked u;
        struct value v;
        if (mp_unpack(&u, sqlite3_column_blob(st, 3),
                      (size_t)sqlite3_column_bytes(st, 3), NULL) == 0) {
            if (mp_value(&u.data, &v, "value", NULL) == 0)
                json_object_set_new(h, "value", query_value_json(c, &v));
            msgpack_unpacked_destroy(&u);
        }
        json_array_append_new(out, h);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_err(n, rc, "heads", err);
}

static int field_conflicts(hz_node *n, const char *sql, const char *kind,
                           json_t *arr, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    int rc;
    while (rv == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const struct table_def *t =
            schema_table_c(n->schema, (const char *)sqlite3_column_text(st, 0));
        int c = t != NULL
                    ? schema_col_c(t, (const char *)sqlite3_column_text(st, 2))
                    : -1;
        if (c < 0)
            continue;
        uint8_t row[HZ_ROW_LEN];
        memcpy(row, sqlite3_column_blob(st, 1), HZ_ROW_LEN);
        json_t *o = json_object();
        json_object_set_new(o, "kind", json_string(kind));
        json_object_set_new(o, "table", json_string(t->name));
        json_object_set_new(o, "id", query_hex(row, HZ_ROW_LEN));
        json_object_set_new(o, "column", json_string(t->cols[c].name));
        json_t *heads = json_array();
        json_object_set_new(o, "heads", heads);
        json_array_append_new(arr, o);
        /* heads_json uses another statement; this one stays positioned. */
        rv = heads_json(n, t, &t->cols[c], row, heads, err);
    }
    sqlite3_reset(st);
    return rv;
}

int hz_node_conflicts(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *arr = json_array();
    int rv = field_conflicts(
        n,
        "SELECT tbl, row, col FROM w WHERE head = 1 AND NOT EXISTS"
        " (SELECT 1 FROM tomb WHERE tomb.tbl = w.tbl AND tomb.row = w.row)"
        " GROUP BY tbl, row, col HAVING count(*) > 1 ORDER BY tbl, row, col",
        "concurrent", arr, err);
    if (rv == 0)
        rv = field_conflicts(
            n,
            "SELECT DISTINCT tbl, row, col FROM w WHERE head = 1 AND EXISTS"
            " (SELECT 1 FROM tomb WHERE tomb.tbl = w.tbl AND"
            " tomb.row = w.row) AND NOT EXISTS (SELECT 1 FROM tomb_seen s"
            " WHERE s.tbl = w.tbl AND s.row = w.row AND s.seen = w.eid)"
            " ORDER BY tbl, row, col",
            "delete_vs_edit", arr, err);
    sqlite3_stmt *st;
    if (rv == 0)
        rv = db_prep(n,
                     "SELECT tbl, row, count(*) FROM evsrc GROUP BY tbl, row"
                     " HAVING count(DISTINCT content) > 1 ORDER BY tbl, row",
                     &st, err);
    if (rv == 0) {
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *o = json_object();
            json_object_set_new(o, "kind", json_string("event_id_reused"));
            json_object_set_new(
                o, "table",
                json_string((const char *)sqlite3_column_text(st, 0)));
            json_object_set_new(
                o, "id", query_hex(sqlite3_column_blob(st, 1), HZ_ROW_LEN));
            json_object_set_new(o, "versions",
                                json_integer(sqlite3_column_int64(st, 2)));
            json_array_append_new(arr, o);
        }
        sqlite3_reset(st);
    }
    if (rv != 0) {
        json_decref(arr);
        return rv;
    }
    return query_dump(arr, json, err);
}

/* Append one row per result of @sql: column names become keys; blobs of
 * key or hash size become hex. */
int query_rows(hz_node *n, const char *sql, json_t *arr, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *k = sqlite3_column_name(st, i);
            switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER:
                json_object_set_new(o, k,
                                    json_integer(sqlite3_column_int64(st, i)));
                break;
            case SQLITE_FLOAT:
                json_object_set_new(o, k,
                                    json_real(sqlite3_column_double(st, i)));
                break;
            case SQLITE_TEXT:
                json_object_set_new(
                    o, k,
                    json_string((const char *)sqlite3_column_text(st, i)));
                break;
            case SQLITE_BLOB: {
                int len = sqlite3_column_bytes(st, i);
                if (len <= (int)HZ_HASH_LEN)
                    json_object_set_new(
                        o, k,
                        query_hex(sqlite3_column_blob(st, i), (size_t)len));
                break;
            }
            default:
                json_object_set_new(o, k, json_null());
                break;
            }
        }
        json_array_append_new(arr, o);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_err(n, rc, "status", err);
}
