/* docs.c - hz_docs(?1), a table-valued function over a batch of search
 * documents in memory (struct db_docs, bound with db_bind_docs), so that
 * one statement writes a whole batch into a full-text index: FTS5 writes
 * a segment whenever a statement that may roll back alone ends, so the
 * documents go in through one statement, and before this they waited in
 * a temporary table, a row and a statement each (BENCHMARKS.md, "Search
 * documents from memory"). A translation, not a decision: the caller
 * (state/search.c) says what the documents are and sorts them. Below
 * nothing of the store but db.h. */
#include "db.h"

#include "../../core/error_int.h"

#include <string.h>

/* The pointer type of a batch bound to ?1 (sqlite3_bind_pointer): a
 * batch is found only under this name, never from SQL text. */
#define DOCS_TYPE "hz_docs"

enum { COL_N, COL_DEL, COL_K, COL_BATCH };

struct docs_cursor {
    sqlite3_vtab_cursor base;
    const struct db_docs *batch; /* NULL: none bound */
    size_t at;
};

static int docs_connect(sqlite3 *conn, void *aux, int argc,
                        const char *const *argv, sqlite3_vtab **vt,
                        char **errmsg)
{
    (void)aux;
    (void)argc;
    (void)argv;
    (void)errmsg;
    int rc = sqlite3_declare_vtab(
        conn, "CREATE TABLE x(n INTEGER, del INTEGER, k TEXT, batch HIDDEN)");
    /* named only in statements the node prepares, never from a view or
     * a trigger stored in the file */
    if (rc == SQLITE_OK)
        rc = sqlite3_vtab_config(conn, SQLITE_VTAB_DIRECTONLY);
    if (rc != SQLITE_OK)
        return rc;
    *vt = sqlite3_malloc(sizeof **vt);
    if (*vt == NULL)
        return SQLITE_NOMEM;
    memset(*vt, 0, sizeof **vt);
    return SQLITE_OK;
}

static int docs_disconnect(sqlite3_vtab *vt)
{
    sqlite3_free(vt);
    return SQLITE_OK;
}

/* Only with the batch given (hz_docs(?1)); the rows come in the batch's
 * order, (n, del DESC), so a statement asking that order is not sorted
 * again. */
static int docs_best_index(sqlite3_vtab *vt, sqlite3_index_info *info)
{
    (void)vt;
    int batch = -1;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn == COL_BATCH && c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
            if (!c->usable)
                return SQLITE_CONSTRAINT;
            batch = i;
        }
    }
    if (batch < 0)
        return SQLITE_CONSTRAINT;
    info->aConstraintUsage[batch].argvIndex = 1;
    info->aConstraintUsage[batch].omit = 1;
    info->estimatedCost = 1000;
    info->estimatedRows = 1000;
    info->orderByConsumed =
        info->nOrderBy == 2 && info->aOrderBy[0].iColumn == COL_N &&
        !info->aOrderBy[0].desc && info->aOrderBy[1].iColumn == COL_DEL &&
        info->aOrderBy[1].desc;
    return SQLITE_OK;
}

static int docs_open(sqlite3_vtab *vt, sqlite3_vtab_cursor **cur)
{
    (void)vt;
    struct docs_cursor *c = sqlite3_malloc(sizeof *c);
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof *c);
    *cur = &c->base;
    return SQLITE_OK;
}

static int docs_close(sqlite3_vtab_cursor *cur)
{
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int docs_filter(sqlite3_vtab_cursor *cur, int idx, const char *idx_str,
                       int argc, sqlite3_value **argv)
{
    (void)idx;
    (void)idx_str;
    struct docs_cursor *c = (struct docs_cursor *)cur;
    c->batch = argc == 1 ? sqlite3_value_pointer(argv[0], DOCS_TYPE) : NULL;
    c->at = 0;
#ifdef HZ_DEBUG_CHECKS
    /* the order docs_best_index promises is the caller's (db.h) */
    for (size_t i = 1; c->batch != NULL && i < c->batch->n; i++) {
        const struct db_doc *a = &c->batch->v[i - 1], *b = &c->batch->v[i];
        HZ_ASSERT(a->n < b->n || (a->n == b->n && a->del && !b->del));
    }
#endif
    return SQLITE_OK;
}

static int docs_next(sqlite3_vtab_cursor *cur)
{
    ((struct docs_cursor *)cur)->at++;
    return SQLITE_OK;
}

static int docs_eof(sqlite3_vtab_cursor *cur)
{
    const struct docs_cursor *c = (const struct docs_cursor *)cur;
    return c->batch == NULL || c->at >= c->batch->n;
}

static int docs_column(sqlite3_vtab_cursor *cur, sqlite3_context *ctx, int col)
{
    const struct docs_cursor *c = (const struct docs_cursor *)cur;
    const struct db_doc *d = &c->batch->v[c->at];
    switch (col) {
    case COL_N:
        sqlite3_result_int64(ctx, d->n);
        break;
    case COL_DEL:
        sqlite3_result_int(ctx, d->del ? 1 : 0);
        break;
    case COL_K:
        /* the batch outlives the statement's run */
        sqlite3_result_text(ctx, d->k, d->len, SQLITE_STATIC);
        break;
    default:
        sqlite3_result_null(ctx);
        break;
    }
    return SQLITE_OK;
}

static int docs_rowid(sqlite3_vtab_cursor *cur, sqlite3_int64 *rowid)
{
    *rowid = (sqlite3_int64)((const struct docs_cursor *)cur)->at + 1;
    return SQLITE_OK;
}

/* Eponymous only (no xCreate): hz_docs exists in every connection and
 * no CREATE VIRTUAL TABLE can make one. Read-only: no xUpdate. */
static const sqlite3_module docs_module = {
    .xConnect = docs_connect,
    .xBestIndex = docs_best_index,
    .xDisconnect = docs_disconnect,
    .xOpen = docs_open,
    .xClose = docs_close,
    .xFilter = docs_filter,
    .xNext = docs_next,
    .xEof = docs_eof,
    .xColumn = docs_column,
    .xRowid = docs_rowid,
};

int db_docs_module(sqlite3 *conn)
{
    return sqlite3_create_module(conn, DOCS_TYPE, &docs_module, NULL);
}

int db_bind_docs(sqlite3_stmt *st, int at, const struct db_docs *docs)
{
    return sqlite3_bind_pointer(st, at, (void *)docs, DOCS_TYPE, NULL);
}
