/* rows.c - the owner of the materialized rows, "e_<table>" for entity
 * tables and "v_<table>" for event tables (proto/storage.md). Only
 * fields.c and events.c decide what they hold; query.c, views.c and
 * hash.c read them. Every change to a row of persons or households tells
 * search.c, which keeps the search index in step. */
#include "state.h"

#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdio.h>
#include <string.h>

/* Run "@head <materialized table> @tail" with ?1 bound to @row and ?2 to
 * @second (when not NULL). */
static int row_exec(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, const char *head, const char *tail,
                    const struct db_arg *second, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    char name[96], sql[256];
    db_table_name(t, name, sizeof name);
    snprintf(sql, sizeof sql, "%s %s %s", head, name, tail);
    if (second == NULL)
        return db_run(&n->db, sql, DB_ARGS(DB_ROW(row)), err);
    return db_run(&n->db, sql, DB_ARGS(DB_ROW(row), *second), err);
}

int rows_ensure(struct hz_node *n, const struct table_def *t,
                const uint8_t *row, struct hz_err *err)
{
    return row_exec(n, t, row, "INSERT OR IGNORE INTO", "(id) VALUES(?1)", NULL,
                    err);
}

int rows_delete(struct hz_node *n, const struct table_def *t,
                const uint8_t *row, struct hz_err *err)
{
    int rv = search_forget(n, t, row, err);
    return rv != 0
               ? rv
               : row_exec(n, t, row, "DELETE FROM", "WHERE id = ?1", NULL, err);
}

int rows_set_deleted(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, bool deleted, struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_ENTITY);
    struct db_arg d = DB_INT(deleted);
    return row_exec(n, t, row, "UPDATE", "SET deleted = ?2 WHERE id = ?1", &d,
                    err);
}

int rows_set_field(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct col_def *c,
                   const struct value *v, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    char name[96], sql[256];
    db_table_name(t, name, sizeof name);
    snprintf(sql, sizeof sql, "UPDATE %s SET \"%s\" = ?1 WHERE id = ?2", name,
             c->name);
    bool indexed = search_indexes(t, c);
    int rv = indexed ? search_forget(n, t, row, err) : 0;
    sqlite3_stmt *st;
    if (rv == 0)
        rv = db_prep(&n->db, sql, &st, err);
    if (rv != 0)
        return rv;
    if (v != NULL)
        db_bind_value(st, 1, v);
    sqlite3_bind_blob(st, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
    rv = db_step_done(&n->db, st, err);
    if (rv == 0 && indexed)
        rv = search_add(n, t, row, err);
    return rv;
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

/* Bind ?1 = row, then (?2 = @eid when not NULL) and one value a column. */
static int put_whole(struct hz_node *n, const struct table_def *t,
                     const char *sql, const uint8_t *row, const uint8_t *eid,
                     const struct value *vals, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    sqlite3_stmt *st;
    int rv = db_prep(&n->db, sql, &st, err);
    if (rv != 0)
        return rv;
    int at = 1;
    sqlite3_bind_blob(st, at++, row, HZ_ROW_LEN, SQLITE_STATIC);
    if (eid != NULL)
        sqlite3_bind_blob(st, at++, eid, HZ_HASH_LEN, SQLITE_STATIC);
    for (size_t c = 0; c < t->n_cols; c++)
        db_bind_value(st, at++, &vals[c]);
    return db_step_done(&n->db, st, err);
}

int rows_insert_entity(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, const struct value *vals,
                       struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_ENTITY);
    char sql[1024];
    whole_row_sql(t, "INSERT", "deleted", "0", sql, sizeof sql);
    int rv = put_whole(n, t, sql, row, NULL, vals, err);
    if (rv == 0 && search_indexes(t, NULL))
        rv = search_add(n, t, row, err);
    return rv;
}

int rows_put_event(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const uint8_t *eid,
                   const struct value *vals, struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_EVENT);
    char sql[1024];
    whole_row_sql(t, "INSERT OR REPLACE", "eid", "?", sql, sizeof sql);
    return put_whole(n, t, sql, row, eid, vals, err);
}

int rows_state(struct hz_node *n, const struct table_def *t, const uint8_t *row,
               bool *exists, bool *deleted, struct hz_err *err)
{
    char name[96], sql[256];
    db_table_name(t, name, sizeof name);
    snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE id = ?1",
             t->kind == TABLE_ENTITY ? "deleted" : "0", name);
    int64_t del = 0;
    int rv = db_int(&n->db, sql, DB_ARGS(DB_ROW(row)), &del, exists, err);
    *deleted = rv == 0 && *exists && del != 0;
    return rv;
}

int rows_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++) {
        char table[96], sql[160];
        db_table_name(&n->schema->tables[i], table, sizeof table);
        snprintf(sql, sizeof sql, "DELETE FROM %s", table);
        rv = db_exec(&n->db, sql, err);
    }
    return rv != 0 ? rv : search_clear(n, err);
}
