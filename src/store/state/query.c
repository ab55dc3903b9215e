/* query.c - reading the materialized state as JSON: rows, lists, the
 * conflicts kept for review. One query layer serves the CLI and (later)
 * the HTTP API alike; output is UTF-8 JSON whose keys are wire names, so
 * machine output never depends on the language (DECISIONS 24). */
#include "render.h"
#include "state.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One materialized row (SELECT * order: id, deleted|eid, columns). */
static json_t *row_json(const struct table_def *t, sqlite3_stmt *st)
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
    rv = db_query(&n->db, sql, DB_ARGS(DB_ROW(row)), &st, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE
                   ? hz_err_set(err, HZ_ENOTFOUND, "%s row", t->name)
                   : db_err(&n->db, rc, "get", err);
    }
    json_t *o = row_json(t, st);
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
    rv = db_prep(&n->db, sql, &st, err);
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
        json_array_append_new(arr, row_json(t, st));
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
        json_decref(arr);
        return db_err(&n->db, rc, "ls", err);
    }
    return render_dump(arr, json, err);
}

/* ---- search (proto/api.md, "search") */

/* Digits, with an X or x allowed last (an ID number's check character). */
static bool number_like(const char *q)
{
    size_t len = strlen(q);
    for (size_t i = 0; i < len; i++) {
        bool last = i + 1 == len;
        if (!(q[i] >= '0' && q[i] <= '9') &&
            !(last && (q[i] == 'X' || q[i] == 'x')))
            return false;
    }
    return len > 0;
}

/* Rows of @t whose @name_col holds @q anywhere (a surname, a whole
 * two-character name: a substring test, not n-grams, so no length is too
 * short), or for a number, whose phone holds it or whose ID number ends
 * with it (4 or more) or is it; for other text also the village. Exact
 * names first, then names that start with @q, then the rest, each by
 * name. */
static int search_table(hz_node *n, const char *table, const char *name_col,
                        const char *q, size_t limit, json_t *out,
                        struct hz_err *err)
{
    const struct table_def *t = schema_table_c(n->schema, table);
    if (t == NULL)
        return hz_err_set(err, HZ_ESCHEMA, "no table %s", table);
    bool number = number_like(q);
    bool has_idn = schema_col_c(t, "id_number") >= 0;
    bool has_village = schema_col_c(t, "village") >= 0;
    char sql[2048];
    query_select_sql(t, sql, 1024);
    size_t at = strlen(sql);
    at += (size_t)snprintf(sql + at, sizeof sql - at,
                           " WHERE deleted = 0 AND (instr(\"%s\", ?1) > 0",
                           name_col);
    if (number) {
        at += (size_t)snprintf(sql + at, sizeof sql - at,
                               " OR instr(phone, ?1) > 0");
        if (has_idn)
            at += (size_t)snprintf(
                sql + at, sizeof sql - at,
                " OR upper(id_number) = upper(?1) OR (length(?1) >= 4 AND"
                " substr(upper(id_number), -length(?1)) = upper(?1))");
    } else if (has_village) {
        at += (size_t)snprintf(sql + at, sizeof sql - at,
                               " OR instr(village, ?1) > 0");
    }
    snprintf(sql + at, sizeof sql - at,
             ") ORDER BY CASE WHEN \"%s\" = ?1 THEN 0 WHEN substr(\"%s\", 1,"
             " length(?1)) = ?1 THEN 1 ELSE 2 END, \"%s\", id LIMIT ?2",
             name_col, name_col, name_col);
    sqlite3_stmt *st;
    int rv = db_query(&n->db, sql, DB_ARGS(DB_TEXT(q), DB_INT((int64_t)limit)),
                      &st, err);
    if (rv != 0)
        return rv;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(out, row_json(t, st));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : db_err(&n->db, rc, "search", err);
}

int hz_node_search(hz_node *n, const char *q, size_t limit, char **json,
                   struct hz_err *err)
{
    *json = NULL;
    size_t len = strlen(q);
    if (len == 0 || len > HZ_SEARCH_LEN_MAX ||
        !utf8_valid((const uint8_t *)q, len))
        return hz_err_set(err, HZ_EINVAL, "a search is 1 to %u bytes of text",
                          HZ_SEARCH_LEN_MAX);
    if (limit == 0 || limit > HZ_SEARCH_ROWS_MAX)
        return hz_err_set(err, HZ_EINVAL, "a search lists 1 to %u rows",
                          HZ_SEARCH_ROWS_MAX);
    json_t *persons = json_array(), *households = json_array();
    int rv = txn_begin_read(n, err);
    if (rv == 0)
        rv = search_table(n, "persons", "name", q, limit, persons, err);
    if (rv == 0)
        rv = search_table(n, "households", "head_name", q, limit, households,
                          err);
    txn_rollback(n);
    json_t *o =
        json_pack("{s:o, s:o}", "persons", persons, "households", households);
    return rv != 0 ? (json_decref(o), rv) : render_dump(o, json, err);
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
