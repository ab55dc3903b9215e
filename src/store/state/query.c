/* query.c - reading the materialized state as JSON: rows, lists, the
 * conflicts kept for review. One query layer serves the CLI and (later)
 * the HTTP API alike; output is UTF-8 JSON whose keys are wire names, so
 * machine output never depends on the language (DECISIONS 24). */
#include "render.h"
#include "state.h"

#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *query_row_json(const struct table_def *t, sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id",
                        render_hex(sqlite3_column_blob(st, 0), HZ_ROW_LEN));
    if (t->kind == TABLE_ENTITY && sqlite3_column_int(st, 1) != 0)
        json_object_set_new(o, "deleted", json_true());
    for (size_t c = 0; c < t->n_cols; c++) {
        struct value v;
        if (db_column_value(&t->cols[c], st, (int)c + 2, &v) != 0 ||
            v.type == VALUE_NIL)
            continue;
        json_object_set_new(o, t->cols[c].name, render_value(&v));
    }
    return o;
}

void query_select_sql(const struct table_def *t, char *sql, size_t len)
{
    char name[96];
    db_table_name(t, name, sizeof name);
    size_t at = 0;
    db_sql_cat(sql, len, &at, "SELECT id, %s",
               t->kind == TABLE_ENTITY ? "deleted" : "eid");
    for (size_t c = 0; c < t->n_cols; c++)
        db_sql_cat(sql, len, &at, ", \"%s\"", t->cols[c].name);
    db_sql_cat(sql, len, &at, " FROM %s", name);
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
    sqlite3_stmt *st;
    rv = rows_read(n, t, row, &st, err);
    if (rv != 1)
        return rv == 0 ? hz_err_set(err, HZ_ENOTFOUND, "%s row", t->name) : rv;
    json_t *o = query_row_json(t, st);
    int deleted = t->kind == TABLE_ENTITY && sqlite3_column_int(st, 1);
    sqlite3_reset(st);
    rv = render_dump(o, json, err);
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
    db_sql_cat(sql, sizeof sql, &at, " WHERE %s",
               t->kind == TABLE_ENTITY ? "deleted = 0" : "1");
    struct value vals[HZ_FIELDS_MAX];
    uint8_t ids[HZ_FIELDS_MAX][HZ_ROW_LEN];
    for (size_t i = 0; i < n_where; i++) {
        int c = schema_col_c(t, where[i].col);
        if (c < 0)
            return hz_err_zh(err,
                             hz_err_set(err, HZ_ESCHEMA, "%s has no column %s",
                                        t->name, where[i].col),
                             "「%s」表中没有「%.64s」这一栏",
                             t->zh != NULL ? t->zh : t->name, where[i].col);
        rv = schema_parse_value(&t->cols[c], where[i].value, ids[i], &vals[i],
                                err);
        if (rv != 0)
            return rv;
        db_sql_cat(sql, sizeof sql, &at,
                   vals[i].type == VALUE_NIL ? " AND \"%s\" IS NULL"
                                             : " AND \"%s\" = ?",
                   t->cols[c].name);
    }
    db_sql_cat(sql, sizeof sql, &at, " ORDER BY id");
    /* Without conditions the text is one a table: cached. With them, in
     * any order and number, it is prepared for this call only
     * (db_prep_once): cached, lists under varied conditions filled the
     * cache, whose every slot stays. */
    const bool once = n_where > 0;
    sqlite3_stmt *st;
    rv = once ? db_prep_once(&n->db, sql, &st, err)
              : db_prep(&n->db, sql, &st, err);
    if (rv != 0)
        return rv;
    int k = 1;
    for (size_t i = 0; i < n_where; i++) {
        if (vals[i].type != VALUE_NIL)
            db_bind_value(st, k++, &vals[i]);
    }
    json_t *arr = json_array();
    int rc;
    size_t rows = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && rows++ < HZ_QUERY_ROWS_MAX)
        json_array_append_new(arr, query_row_json(t, st));
    if (once)
        sqlite3_finalize(st);
    else
        sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        json_decref(arr);
        return db_err(&n->db, rc, "ls", err);
    }
    return render_dump(arr, json, err);
}

int hz_node_conflicts(hz_node *n, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *arr = json_array();
    int rv = fields_conflicts_json(n, arr, err);
    if (rv == 0)
        rv = events_conflicts_json(n, arr, err);
    if (rv != 0) {
        json_decref(arr);
        return rv;
    }
    return render_dump(arr, json, err);
}

int query_rows(struct hz_node *n, const char *sql, const struct db_arg *args,
               size_t n_args, json_t **rows, struct hz_err *err)
{
    *rows = json_array();
    int rv = *rows != NULL ? db_rows_json(&n->db, sql, args, n_args, *rows, err)
                           : hz_err_set(err, HZ_ENOMEM, "rows");
    if (rv != 0) {
        json_decref(*rows);
        *rows = NULL;
    }
    return rv;
}
