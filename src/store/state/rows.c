/* rows.c - the owner of the materialized rows, "e_<table>" for entity
 * tables and "v_<table>" for event tables (proto/storage.md). Only
 * fields.c and events.c decide what they hold; query.c, views.c and
 * hash.c read them. Every change to a row of persons or households tells
 * search.c, which keeps the search index in step.
 *
 * Every change also numbers its row (format 15; DECISIONS 43): an
 * entity row's chg column gets the next number of the local change
 * counter in the statement that changes it (an event row is never
 * changed in place: put again, its rowid is the number), a row taken
 * away is recorded in
 * chg_gone, and the counter (meta "chg") is stored when the transaction
 * commits. So the rows numbered above a number are exactly those changed
 * since, which is what the county mirror copies (changes.c). Every
 * change of a row's conflicts rewrites the row as well (fields.c
 * refreshes the columns a write names, events.c puts an event row again
 * from its sources), so numbering the rows numbers those too. A row is
 * numbered once per run of statements on it: the columns of one write
 * after the first leave its number as it is. */
#include "state.h"

#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the statements, written once a table (the text of each was built
 * with snprintf at every call: 12 % of the instructions of an import,
 * BENCHMARKS.md "Statements written once") */

enum row_sql {
    SQL_ENSURE, /* ?2: the number */
    SQL_DELETE,
    SQL_SET_DELETED,     /* ?2: deleted */
    SQL_SET_DELETED_CHG, /* ?2: deleted, ?3: the number */
    SQL_STATE,
    SQL_STATE_SOLE, /* format 19 */
    SQL_SOLE_CLEAR, /* the row's sole fact moved into w (fields.c) */
    SQL_WHOLE,      /* an event row put whole (event tables only) */
    SQL_WHOLE_NEW,  /* a row inserted whole unless one is there */
    SQL_READ,       /* the row as query_select_sql reads it */
    SQL_FIXED
};

/* The sets of columns an edit of a row's sole fact writes whose
 * statement is kept (rows_edit_sole), at most this many a table: writes
 * of other sets take the general path, so a stranger's entries naming
 * every set of columns cannot fill the node's statement cache. */
#define EDIT_SETS 8

struct rows_sql {
    char *fixed[SQL_FIXED];
    int64_t k; /* the table's names.k; 0 until asked (rows_table_k) */
    /* one a column: UPDATE .. SET "col" = ?1 WHERE id = ?2, and the same
     * numbering the row: .. SET "col" = ?1, chg = ?3 WHERE id = ?2 */
    char **set_col, **set_col_chg;
    /* UPDATE .. SET sole = NULL, sole_bits = NULL, chg = coalesce(?2,
     * chg), "c1" = ?3, .. WHERE id = ?1, for the columns of cols[i] (a
     * bit a column index), in column order */
    size_t n_edits;
    uint64_t edit_cols[EDIT_SETS];
    char *edit[EDIT_SETS];
};

static char *sql_dup(const char *s, struct hz_err *err)
{
    char *d = strdup(s);
    if (d == NULL)
        hz_err_set(err, HZ_ENOMEM, "statement text");
    return d;
}

/* "@verb INTO "x_t"(id, @number, @second, every column) VALUES(?, ?,
 * @second_value, ?...)": one statement that writes a whole materialized
 * row, numbered. */
static void whole_row_sql(const struct table_def *t, const char *verb,
                          const char *number, const char *second,
                          const char *second_value, char *sql, size_t size)
{
    char name[96];
    db_table_name(t, name, sizeof name);
    size_t len = 0;
    db_sql_cat(sql, size, &len, "%s INTO %s(id, %s, %s", verb, name, number,
               second);
    for (size_t c = 0; c < t->n_cols; c++)
        db_sql_cat(sql, size, &len, ", \"%s\"", t->cols[c].name);
    db_sql_cat(sql, size, &len, ") VALUES(?, ?, %s", second_value);
    for (size_t c = 0; c < t->n_cols; c++)
        db_sql_cat(sql, size, &len, ", ?");
    db_sql_cat(sql, size, &len, ")");
}

static int table_sql_build(const struct table_def *t, struct rows_sql *q,
                           struct hz_err *err)
{
    char name[96], sql[1024];
    db_table_name(t, name, sizeof name);
    bool entity = t->kind == TABLE_ENTITY;
    const char *around[][2] = {
        [SQL_ENSURE] = {"INSERT OR IGNORE INTO", "(id, chg) VALUES(?1, ?2)"},
        [SQL_DELETE] = {"DELETE FROM", "WHERE id = ?1"},
        [SQL_SET_DELETED] = {"UPDATE", "SET deleted = ?2 WHERE id = ?1"},
        [SQL_SET_DELETED_CHG] = {"UPDATE",
                                 "SET deleted = ?2, chg = ?3 WHERE id = ?1"},
        [SQL_STATE] = {entity ? "SELECT deleted FROM" : "SELECT 0 FROM",
                       "WHERE id = ?1"},
        [SQL_STATE_SOLE] = {entity ? "SELECT deleted, sole, sole_bits FROM"
                                   : "SELECT 0, NULL, NULL FROM",
                            "WHERE id = ?1"},
        /* entity tables only, as SQL_SET_DELETED */
        [SQL_SOLE_CLEAR] = {"UPDATE",
                            "SET sole = NULL, sole_bits = NULL WHERE id = ?1"},
    };
    for (size_t i = 0; i < SQL_WHOLE; i++) {
        snprintf(sql, sizeof sql, "%s %s %s", around[i][0], name, around[i][1]);
        if ((q->fixed[i] = sql_dup(sql, err)) == NULL)
            return HZ_ENOMEM;
    }
    /* an event row put again gets a new rowid, its new number */
    if (!entity) {
        whole_row_sql(t, "INSERT OR REPLACE", "rowid", "eid", "?", sql,
                      sizeof sql);
        if ((q->fixed[SQL_WHOLE] = sql_dup(sql, err)) == NULL)
            return HZ_ENOMEM;
    }
    /* An event row's first source inserts it unless the row is there
     * (another source's) with OR IGNORE: with OR REPLACE, which may
     * delete rows, SQLite journals the statement apart (26-39 us an
     * event row in an import's profile, 6-9 us without: BENCHMARKS.md,
     * "The import's own work"). A write to an entity row inserts it
     * unless it is there: most rows are new, and the insert's own look
     * at the id index answers whether it was. */
    if (entity)
        whole_row_sql(t, "INSERT OR IGNORE", "chg", "deleted, sole, sole_bits",
                      "0, ?, ?", sql, sizeof sql);
    else
        whole_row_sql(t, "INSERT OR IGNORE", "rowid", "eid", "?", sql,
                      sizeof sql);
    if ((q->fixed[SQL_WHOLE_NEW] = sql_dup(sql, err)) == NULL)
        return HZ_ENOMEM;
    query_select_sql(t, sql, sizeof sql - 20);
    strcat(sql, " WHERE id = ?1");
    if ((q->fixed[SQL_READ] = sql_dup(sql, err)) == NULL)
        return HZ_ENOMEM;
    q->set_col = calloc(t->n_cols, sizeof *q->set_col);
    q->set_col_chg = calloc(t->n_cols, sizeof *q->set_col_chg);
    if ((q->set_col == NULL || q->set_col_chg == NULL) && t->n_cols > 0)
        return hz_err_set(err, HZ_ENOMEM, "statement text");
    for (size_t c = 0; c < t->n_cols; c++) {
        snprintf(sql, sizeof sql, "UPDATE %s SET \"%s\" = ?1 WHERE id = ?2",
                 name, t->cols[c].name);
        if ((q->set_col[c] = sql_dup(sql, err)) == NULL)
            return HZ_ENOMEM;
        snprintf(sql, sizeof sql,
                 "UPDATE %s SET \"%s\" = ?1, chg = ?3 WHERE id = ?2", name,
                 t->cols[c].name);
        if ((q->set_col_chg[c] = sql_dup(sql, err)) == NULL)
            return HZ_ENOMEM;
    }
    return 0;
}

void rows_close(struct hz_node *n)
{
    if (n->rows_sql == NULL)
        return;
    for (size_t i = 0; i < n->schema->n_tables; i++) {
        struct rows_sql *q = &n->rows_sql[i];
        for (size_t k = 0; k < SQL_FIXED; k++)
            free(q->fixed[k]);
        for (size_t c = 0; c < n->schema->tables[i].n_cols; c++) {
            if (q->set_col != NULL)
                free(q->set_col[c]);
            if (q->set_col_chg != NULL)
                free(q->set_col_chg[c]);
        }
        free(q->set_col);
        free(q->set_col_chg);
        for (size_t k = 0; k < q->n_edits; k++)
            free(q->edit[k]);
    }
    free(n->rows_sql);
    n->rows_sql = NULL;
}

/* The statements of @t, a table of the node's schema, built at the
 * first use. */
static int table_sql(struct hz_node *n, const struct table_def *t,
                     const struct rows_sql **out, struct hz_err *err)
{
    HZ_ASSERT(t >= n->schema->tables &&
              t < n->schema->tables + n->schema->n_tables);
    if (n->rows_sql == NULL) {
        n->rows_sql = calloc(n->schema->n_tables, sizeof *n->rows_sql);
        if (n->rows_sql == NULL)
            return hz_err_set(err, HZ_ENOMEM, "statement text");
    }
    struct rows_sql *q = &n->rows_sql[t - n->schema->tables];
    if (q->fixed[SQL_FIXED - 1] == NULL) {
        int rv = table_sql_build(t, q, err);
        if (rv != 0)
            return rv;
    }
    *out = q;
    return 0;
}

int rows_table_k(struct hz_node *n, const struct table_def *t, int64_t *k,
                 struct hz_err *err)
{
    const struct rows_sql *q;
    int rv = table_sql(n, t, &q, err);
    if (rv != 0 || q->k != 0) {
        *k = rv == 0 ? q->k : 0;
        return rv;
    }
    /* Entered when the node was opened (db_setup), never taken away. */
    bool found = false;
    rv = db_int(&n->db, "SELECT k FROM names WHERE name = ?1",
                DB_ARGS(DB_TEXT(t->name)), k, &found, err);
    if (rv == 0 && !found)
        rv = hz_err_set(err, HZ_ECORRUPT, "no name for table %s", t->name);
    if (rv == 0)
        n->rows_sql[t - n->schema->tables].k = *k;
    return rv;
}

/* ---- the local change counter */

/* The next number of the counter, loaded at the first change of the
 * transaction. */
static int chg_take(struct hz_node *n, int64_t *c, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct rows_chg *k = &n->chg;
    if (!k->top.loaded)
        k->last_t = NULL;
    /* none yet: nothing numbered, 0 */
    int rv = db_meta_num_load(&n->db, "chg", &k->top, err);
    if (rv == 0)
        *c = ++k->top.v;
    return rv;
}

/* The number chg_take gave last given back: the statement it was for
 * changed nothing (an insert of a row that is there). Then the counter
 * stays at the highest number a row holds, which a mirror's pass reads
 * as "nothing changed since" (mirror/mirror.c). */
static void chg_untake(struct hz_node *n)
{
    HZ_ASSERT(n->chg.top.loaded && n->chg.top.v > 0);
    n->chg.top.v--;
}

/* Does the row still hold a number this transaction gave it (the last
 * row numbered)? Then a further change of it needs no other. */
static bool chg_held(const struct hz_node *n, const struct table_def *t,
                     const uint8_t *row)
{
    const struct rows_chg *k = &n->chg;
    return k->top.loaded && k->last_t == t &&
           memcmp(k->last_row, row, HZ_ROW_LEN) == 0;
}

static void chg_hold(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row)
{
    n->chg.last_t = t;
    memcpy(n->chg.last_row, row, HZ_ROW_LEN);
}

static void chg_forget(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row)
{
    if (chg_held(n, t, row))
        n->chg.last_t = NULL;
}

/* The row @row of @t taken away: numbered in chg_gone. */
static int chg_gone(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, struct hz_err *err)
{
    int64_t c = 0;
    int rv = chg_take(n, &c, err);
    chg_forget(n, t, row);
    return rv != 0
               ? rv
               : db_run(&n->db,
                        "INSERT INTO chg_gone(c, tbl, row) VALUES(?1,"
                        " (SELECT k FROM names WHERE name = ?2), ?3)",
                        DB_ARGS(DB_INT(c), DB_TEXT(t->name), DB_ROW(row)), err);
}

int rows_settle(struct hz_node *n, struct hz_err *err)
{
    int rv = db_meta_num_store(&n->db, "chg", &n->chg.top, err);
    if (rv == 0)
        rows_abandon(n);
    return rv;
}

void rows_abandon(struct hz_node *n)
{
    memset(&n->chg, 0, sizeof n->chg);
}

/* Run @t's statement @which with ?1 bound to @row and ?2 to @second
 * (when not NULL). */
static int row_exec(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, enum row_sql which,
                    const struct db_arg *second, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    const struct rows_sql *q;
    int rv = table_sql(n, t, &q, err);
    if (rv != 0)
        return rv;
    if (second == NULL)
        return db_run(&n->db, q->fixed[which], DB_ARGS(DB_ROW(row)), err);
    return db_run(&n->db, q->fixed[which], DB_ARGS(DB_ROW(row), *second), err);
}

int rows_ensure(struct hz_node *n, const struct table_def *t,
                const uint8_t *row, struct hz_err *err)
{
    int64_t c = 0;
    int rv = chg_take(n, &c, err);
    struct db_arg num = DB_INT(c);
    if (rv == 0)
        rv = row_exec(n, t, row, SQL_ENSURE, &num, err);
    if (rv == 0 && db_changes(&n->db) == 1)
        chg_hold(n, t, row); /* made here, numbered */
    else if (rv == 0)
        chg_untake(n); /* it was there */
    return rv;
}

int rows_delete(struct hz_node *n, const struct table_def *t,
                const uint8_t *row, struct hz_err *err)
{
    int rv = search_forget(n, t, row, err);
    if (rv == 0)
        rv = row_exec(n, t, row, SQL_DELETE, NULL, err);
    return rv != 0 || db_changes(&n->db) == 0 ? rv : chg_gone(n, t, row, err);
}

int rows_set_deleted(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, bool deleted, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(t->kind == TABLE_ENTITY);
    const struct rows_sql *q;
    int rv = table_sql(n, t, &q, err);
    if (rv != 0)
        return rv;
    if (chg_held(n, t, row))
        return db_run(&n->db, q->fixed[SQL_SET_DELETED],
                      DB_ARGS(DB_ROW(row), DB_INT(deleted)), err);
    int64_t c = 0;
    rv = chg_take(n, &c, err);
    if (rv == 0)
        rv = db_run(&n->db, q->fixed[SQL_SET_DELETED_CHG],
                    DB_ARGS(DB_ROW(row), DB_INT(deleted), DB_INT(c)), err);
    if (rv == 0)
        chg_hold(n, t, row);
    return rv;
}

/* Before a statement changes columns of the row (@indexed: some of them
 * the search index's): its document in the index kept, to be taken away
 * at the commit, and its number, *@num, unless it holds this
 * transaction's last (*@held). */
static int change_begin(struct hz_node *n, const struct table_def *t,
                        const uint8_t *row, bool indexed, bool *held,
                        int64_t *num, struct hz_err *err)
{
    int rv = indexed ? search_forget(n, t, row, err) : 0;
    *held = chg_held(n, t, row);
    *num = 0;
    return rv != 0 || *held ? rv : chg_take(n, num, err);
}

/* After it: the row holds the last number, and owes its document. */
static int change_end(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, bool indexed, bool held,
                      struct hz_err *err)
{
    if (!held)
        chg_hold(n, t, row);
    return indexed ? search_add(n, t, row, err) : 0;
}

int rows_set_field(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct col_def *c,
                   const struct value *v, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(c >= t->cols && c < t->cols + t->n_cols);
    const struct rows_sql *q;
    int rv = table_sql(n, t, &q, err);
    bool indexed = search_indexes(t, c), held = false;
    int64_t num = 0;
    if (rv == 0)
        rv = change_begin(n, t, row, indexed, &held, &num, err);
    sqlite3_stmt *st;
    if (rv == 0)
        rv = db_prep(&n->db,
                     held ? q->set_col[c - t->cols]
                          : q->set_col_chg[c - t->cols],
                     &st, err);
    if (rv != 0)
        return rv;
    if (v != NULL)
        db_bind_value(st, 1, v);
    sqlite3_bind_blob(st, 2, row, HZ_ROW_LEN, SQLITE_STATIC);
    if (!held)
        sqlite3_bind_int64(st, 3, num);
    rv = db_step_done(&n->db, st, err);
    return rv != 0 ? rv : change_end(n, t, row, indexed, held, err);
}

/* The statement of rows_edit_sole for the columns @cols (a bit a column
 * index) of @t, kept in @q: NULL when EDIT_SETS are kept already (*@rv
 * 0) or on an error (*@rv set). */
static const char *edit_sql(const struct table_def *t, struct rows_sql *q,
                            uint64_t cols, int *rv, struct hz_err *err)
{
    *rv = 0;
    for (size_t k = 0; k < q->n_edits; k++)
        if (q->edit_cols[k] == cols)
            return q->edit[k];
    if (q->n_edits == EDIT_SETS)
        return NULL;
    char name[96], sql[2048];
    db_table_name(t, name, sizeof name);
    size_t len = 0;
    db_sql_cat(sql, sizeof sql, &len,
               "UPDATE %s SET sole = NULL, sole_bits = NULL, chg ="
               " coalesce(?2, chg)",
               name);
    int at = 3;
    for (size_t c = 0; c < t->n_cols; c++)
        if (cols & (UINT64_C(1) << c))
            db_sql_cat(sql, sizeof sql, &len, ", \"%s\" = ?%d", t->cols[c].name,
                       at++);
    db_sql_cat(sql, sizeof sql, &len, " WHERE id = ?1");
    char *d = sql_dup(sql, err);
    if (d == NULL) {
        *rv = HZ_ENOMEM;
        return NULL;
    }
    q->edit_cols[q->n_edits] = cols;
    q->edit[q->n_edits++] = d;
    return d;
}

int rows_edit_sole(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct op *o, bool *done,
                   struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(t->kind == TABLE_ENTITY && t->n_cols <= 64);
    *done = false;
    const struct value *at_col[64] = {0};
    uint64_t cols = 0;
    bool indexed = false;
    for (size_t k = 0; k < o->n_fields; k++) {
        size_t c = (size_t)o->fields[k].col;
        HZ_ASSERT(c < t->n_cols);
        cols |= UINT64_C(1) << c;
        at_col[c] = &o->fields[k].val;
        indexed = indexed || search_indexes(t, &t->cols[c]);
    }
    const struct rows_sql *cq;
    int rv = table_sql(n, t, &cq, err);
    const char *sql = rv == 0 ? edit_sql(t, &n->rows_sql[t - n->schema->tables],
                                         cols, &rv, err)
                              : NULL;
    if (sql == NULL)
        return rv;
    /* as rows_set_field's, column by column */
    bool held = false;
    int64_t num = 0;
    rv = change_begin(n, t, row, indexed, &held, &num, err);
    sqlite3_stmt *st;
    if (rv == 0)
        rv = db_prep(&n->db, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, row, HZ_ROW_LEN, SQLITE_STATIC);
    if (!held)
        sqlite3_bind_int64(st, 2, num);
    int at = 3;
    for (size_t c = 0; c < t->n_cols; c++)
        if (cols & (UINT64_C(1) << c))
            db_bind_value_lent(st, at++, at_col[c]);
    rv = db_step_done(&n->db, st, err);
    if (rv == 0 && db_changes(&n->db) != 1)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s row", t->name);
    if (rv == 0)
        rv = change_end(n, t, row, indexed, held, err);
    *done = rv == 0;
    return rv;
}

/* Run @t's statement @which (SQL_WHOLE or SQL_WHOLE_NEW), binding ?1 =
 * row, the number, then @eid (an event row's) or @sole (an entity row's)
 * and one value a column. */
static int put_whole(struct hz_node *n, const struct table_def *t,
                     enum row_sql which, const uint8_t *row, const uint8_t *eid,
                     const struct row_sole *sole, const struct value *vals,
                     struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    const struct rows_sql *q;
    int64_t num = 0;
    int rv = table_sql(n, t, &q, err);
    if (rv == 0)
        rv = chg_take(n, &num, err);
    sqlite3_stmt *st;
    if (rv == 0)
        rv = db_prep(&n->db, q->fixed[which], &st, err);
    if (rv != 0)
        return rv;
    int at = 1;
    sqlite3_bind_blob(st, at++, row, HZ_ROW_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, at++, num);
    if (eid != NULL)
        sqlite3_bind_blob(st, at++, eid, HZ_HASH_LEN, SQLITE_STATIC);
    if (sole != NULL) {
        sqlite3_bind_int64(st, at++, sole->at);
        sqlite3_bind_int64(st, at++, (int64_t)sole->bits);
    }
    for (size_t c = 0; c < t->n_cols; c++)
        db_bind_value_lent(st, at++, &vals[c]);
    rv = db_step_done(&n->db, st, err);
    if (rv == 0 && db_changes(&n->db) == 1)
        chg_hold(n, t, row);
    else if (rv == 0)
        chg_untake(n); /* a row was there: nothing numbered */
    return rv;
}

int rows_insert_entity(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, const struct row_sole *sole,
                       const struct value *vals, const char *sx_doc, bool *put,
                       struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_ENTITY);
    HZ_ASSERT(sole->at > 0);
    int rv = put_whole(n, t, SQL_WHOLE_NEW, row, NULL, sole, vals, err);
    *put = rv == 0 && db_changes(&n->db) == 1;
    if (*put && search_indexes(t, NULL))
        rv = search_add_inserted(n, t, row, db_last_rowid(&n->db), vals, sx_doc,
                                 err);
    return rv;
}

int rows_put_event(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const uint8_t *eid,
                   const struct value *vals, struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_EVENT);
    return put_whole(n, t, SQL_WHOLE, row, eid, NULL, vals, err);
}

int rows_insert_event(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, const uint8_t *eid,
                      const struct value *vals, bool *put, struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_EVENT);
    int rv = put_whole(n, t, SQL_WHOLE_NEW, row, eid, NULL, vals, err);
    *put = rv == 0 && db_changes(&n->db) == 1;
    return rv;
}

int rows_state_sole(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, bool *exists, bool *deleted,
                    struct row_sole *sole, struct hz_err *err)
{
    const struct rows_sql *q;
    *exists = *deleted = false;
    sole->at = 0;
    sole->bits = 0;
    int rv = table_sql(n, t, &q, err);
    sqlite3_stmt *st;
    if (rv == 0)
        rv = db_first(&n->db, q->fixed[SQL_STATE_SOLE], DB_ARGS(DB_ROW(row)),
                      &st, exists, err);
    if (rv != 1)
        return rv;
    *deleted = sqlite3_column_int64(st, 0) != 0;
    sole->at = sqlite3_column_int64(st, 1);
    sole->bits = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite3_reset(st);
    /* A row with a sole fact was written once, by that fact alone. */
    if (sole->at < 0 || (sole->at > 0 && (*deleted || sole->bits == 0)))
        return hz_err_set(err, HZ_ECORRUPT, "%s row's sole fact", t->name);
    return 0;
}

int rows_state(struct hz_node *n, const struct table_def *t, const uint8_t *row,
               bool *exists, bool *deleted, struct hz_err *err)
{
    const struct rows_sql *q;
    int64_t del = 0;
    *exists = false;
    int rv = table_sql(n, t, &q, err);
    if (rv == 0)
        rv = db_int(&n->db, q->fixed[SQL_STATE], DB_ARGS(DB_ROW(row)), &del,
                    exists, err);
    *deleted = rv == 0 && *exists && del != 0;
    return rv;
}

int rows_read(struct hz_node *n, const struct table_def *t, const uint8_t *row,
              sqlite3_stmt **st, struct hz_err *err)
{
    const struct rows_sql *q;
    int rv = table_sql(n, t, &q, err);
    bool found = false;
    return rv != 0 ? rv
                   : db_first(&n->db, q->fixed[SQL_READ], DB_ARGS(DB_ROW(row)),
                              st, &found, err);
}

int rows_sole_clear(struct hz_node *n, const struct table_def *t,
                    const uint8_t *row, struct hz_err *err)
{
    HZ_ASSERT(t->kind == TABLE_ENTITY);
    return row_exec(n, t, row, SQL_SOLE_CLEAR, NULL, err);
}

int rows_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    int64_t base = 0;
    int rv = chg_take(n, &base, err);
    base--; /* the numbers given here start at the next */
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++) {
        const struct table_def *t = &n->schema->tables[i];
        char table[96], sql[256];
        db_table_name(t, table, sizeof table);
        /* every row taken away, numbered as a change */
        snprintf(sql, sizeof sql,
                 "INSERT INTO chg_gone(c, tbl, row) SELECT ?1 + row_number()"
                 " OVER (ORDER BY rowid), (SELECT k FROM names WHERE name ="
                 " ?2), id FROM %s",
                 table);
        rv = db_run(&n->db, sql, DB_ARGS(DB_INT(base), DB_TEXT(t->name)), err);
        base += rv == 0 ? db_changes(&n->db) : 0;
        snprintf(sql, sizeof sql, "DELETE FROM %s", table);
        if (rv == 0)
            rv = db_exec(&n->db, sql, err);
    }
    n->chg.top.v = base > n->chg.top.v ? base : n->chg.top.v;
    n->chg.last_t = NULL;
    return rv != 0 ? rv : search_clear(n, err);
}
