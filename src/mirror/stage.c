/* stage.c - one batch of the county mirror's changes sent with COPY
 * (issue 18; proto/cli.md, "mirror").
 *
 * A row at a time cost a round trip each: about a tenth of COPY's rate
 * (BENCHMARKS.md, "The county mirror"). A batch instead goes to the
 * server in a few statements, inside the transaction mirror.c opened for
 * it with the counter: the keys of every changed row and each table's
 * rows are loaded with COPY (PostgreSQL's text format, text.c) into
 * temporary tables of this session, emptied again (TRUNCATE) by the
 * batch's last statement, so that a batch rolled back leaves them empty
 * too. (ON COMMIT DELETE ROWS empties every such table at every commit:
 * 85 ms a batch with the registry's tables, more than the batch.) One
 * statement per table then removes the rows the node holds no more and
 * upserts the others (INSERT ... SELECT ... ON CONFLICT), the changed
 * rows' conflicts are removed in one statement and their present
 * conflicts loaded with COPY. What the tables hold after a batch is what
 * the statements of one row at a time left. */
#include "stage.h"
#include "text.h"
#include "url.h"

#include "../core/error_int.h"
#include "../core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *stage_pg_type(const struct col_def *c)
{
    switch (c->type) {
    case COL_TEXT:
    case COL_ENUM:
        return "text";
    case COL_INT:
        return schema_col_is_time(c) ? "timestamptz" : "bigint";
    case COL_REAL:
        return "double precision";
    case COL_BOOL:
        return "boolean";
    case COL_ID:
        return "uuid";
    }
    return "text";
}

static int stage_fail(const struct stage *g, PGresult *r,
                      enum mirror_fault *fault, const char *what,
                      struct hz_err *err)
{
    char detail[MIRROR_DETAIL_LEN_MAX];
    url_first_line(r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(g->pg),
                   detail, sizeof detail);
    *fault = MIRROR_SERVER;
    return hz_err_set(err, HZ_EIO, "%s: postgresql: %s", what, detail);
}

/* Run @s (no parameters, no rows wanted). */
static int stage_exec(const struct stage *g, const struct text *s,
                      enum mirror_fault *fault, const char *what,
                      struct hz_err *err)
{
    if (s->failed)
        return hz_err_set(err, HZ_ENOMEM, "mirror %s", what);
    PGresult *r = PQexec(g->pg, s->p);
    int rv = PQresultStatus(r) == PGRES_COMMAND_OK
                 ? 0
                 : stage_fail(g, r, fault, what, err);
    PQclear(r);
    return rv;
}

#define COPY_PIECE_LEN (1u << 20)

/* COPY @data (rows in text format) in with the statement @copy. */
static int copy_in(const struct stage *g, const struct text *copy,
                   const struct text *data, enum mirror_fault *fault,
                   struct hz_err *err)
{
    if (copy->failed || data->failed)
        return hz_err_set(err, HZ_ENOMEM, "mirror copy");
    if (data->len == 0)
        return 0;
    PGresult *r = PQexec(g->pg, copy->p);
    int rv = PQresultStatus(r) == PGRES_COPY_IN
                 ? 0
                 : stage_fail(g, r, fault, "copy", err);
    PQclear(r);
    if (rv != 0)
        return rv;
    /* In pieces of at most COPY_PIECE_LEN (PQputCopyData takes an int);
     * libpq queues what the socket does not take yet (a blocking
     * connection: it waits until it can). A call failing means the
     * connection is lost: the pass fails (serve --mirror connects again). */
    for (size_t at = 0; at < data->len; at += COPY_PIECE_LEN) {
        size_t len =
            data->len - at < COPY_PIECE_LEN ? data->len - at : COPY_PIECE_LEN;
        if (PQputCopyData(g->pg, data->p + at, (int)len) != 1)
            return stage_fail(g, NULL, fault, "copy", err);
    }
    if (PQputCopyEnd(g->pg, NULL) != 1)
        return stage_fail(g, NULL, fault, "copy", err);
    while ((r = PQgetResult(g->pg)) != NULL) {
        if (rv == 0 && PQresultStatus(r) != PGRES_COMMAND_OK)
            rv = stage_fail(g, r, fault, "copy", err);
        PQclear(r);
    }
    return rv;
}

bool stage_col_mirrored(const struct col_def *c)
{
    return !(c->flags & COL_HEALTH);
}

void stage_create_sql(const struct schema *sch, struct text *s)
{
    text_add(
        s, "CREATE TEMP TABLE IF NOT EXISTS pg_temp.hz_keys(tbl text, id uuid,"
           " gone boolean);");
    for (size_t i = 0; i < sch->n_tables; i++) {
        const struct table_def *t = &sch->tables[i];
        text_add(
            s,
            "CREATE TEMP TABLE IF NOT EXISTS pg_temp.\"hz_stage_%s\"(network"
            " text, id uuid",
            t->name);
        if (t->kind == TABLE_ENTITY)
            text_add(s, ", deleted boolean");
        /* a time as the node gives it, seconds: to_timestamp() below */
        for (size_t c = 0; c < t->n_cols; c++)
            if (stage_col_mirrored(&t->cols[c]))
                text_add(s, ", \"%s\" %s", t->cols[c].name,
                         schema_col_is_time(&t->cols[c])
                             ? "double precision"
                             : stage_pg_type(&t->cols[c]));
        text_add(s, ", source_node text, source_state text);");
    }
}

int stage_create(const struct stage *g, enum mirror_fault *fault,
                 struct hz_err *err)
{
    struct text s = {0};
    stage_create_sql(g->schema, &s);
    int rv = stage_exec(g, &s, fault, "staging tables", err);
    text_free(&s);
    return rv;
}

/* A JSON value as text; NULL for null or absent. */
static const char *value_of(json_t *v, char *buf, size_t cap)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return buf;
    }
    if (json_is_real(v)) {
        snprintf(buf, cap, "%.17g", json_real_value(v));
        return buf;
    }
    if (json_is_boolean(v))
        return json_is_true(v) ? "true" : "false";
    return NULL;
}

/* A row of the staging table of @t, in its columns' order. */
static void add_row(const struct stage *g, const struct table_def *t,
                    const char *id, json_t *row, struct text *s)
{
    bool deleted = json_is_true(json_object_get(row, "deleted"));
    text_copy_field(s, g->network, true);
    text_copy_field(s, id, false);
    if (t->kind == TABLE_ENTITY)
        text_copy_field(s, deleted ? "true" : "false", false);
    for (size_t c = 0; c < t->n_cols; c++) {
        char buf[32];
        if (!stage_col_mirrored(&t->cols[c]))
            continue;
        text_copy_field(s,
                        deleted
                            ? NULL
                            : value_of(json_object_get(row, t->cols[c].name),
                                       buf, sizeof buf),
                        false);
    }
    text_copy_field(s, g->node, false);
    text_copy_field(s, g->hash, false);
    text_add(s, "\n");
}

/* The conflicts of a row, as rows of huzhu_conflicts. */
static size_t add_conflicts(const struct stage *g, const char *table,
                            const char *id, json_t *list, struct text *s)
{
    size_t i;
    json_t *c;
    json_array_foreach(list, i, c)
    {
        json_t *h = json_object_get(c, "heads");
        char *heads = h != NULL ? json_dumps(h, 0) : NULL;
        if (h != NULL && heads == NULL)
            s->failed = true;
        char versions[32];
        text_copy_field(s, g->network, true);
        text_copy_field(s, table, false);
        text_copy_field(s, id, false);
        text_copy_field(s, json_string_value(json_object_get(c, "kind")),
                        false);
        text_copy_field(s, json_string_value(json_object_get(c, "column")),
                        false);
        text_copy_field(s, heads, false);
        text_copy_field(
            s,
            value_of(json_object_get(c, "versions"), versions, sizeof versions),
            false);
        text_copy_field(s, g->node, false);
        text_copy_field(s, g->hash, false);
        text_add(s, "\n");
        free(heads);
    }
    return json_array_size(list);
}

/* ---- a row listed twice in a batch (a counter for its removal and one
 * for its return) is written once: both were read from one snapshot */

struct key {
    size_t t, pos;
    const char *id;
};

static int cmp_row(const struct key *x, const struct key *y)
{
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return strcmp(x->id, y->id);
}

/* By row, then by position: the first listing leads its row's run. */
static int cmp_key(const void *a, const void *b)
{
    const struct key *x = a, *y = b;
    int c = cmp_row(x, y);
    return c != 0 ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* *@skip (owned: free) marks every listing of a row after its first. */
static int find_repeats(const struct stage *g, json_t *changes, bool **skip,
                        struct hz_err *err)
{
    size_t n = json_array_size(changes);
    struct key *k = calloc(n + 1, sizeof *k);
    *skip = calloc(n + 1, sizeof **skip);
    if (k == NULL || *skip == NULL) {
        free(k);
        free(*skip);
        *skip = NULL;
        return hz_err_set(err, HZ_ENOMEM, "mirror batch");
    }
    size_t i;
    json_t *o;
    json_array_foreach(changes, i, o)
    {
        const struct table_def *t = schema_table_c(
            g->schema, json_string_value(json_object_get(o, "table")));
        HZ_ASSERT(t != NULL);
        k[i].t = schema_table_index(g->schema, t);
        k[i].pos = i;
        k[i].id = json_string_value(json_object_get(o, "id"));
        HZ_ASSERT(k[i].id != NULL);
    }
    qsort(k, n, sizeof *k, cmp_key);
    for (i = 1; i < n; i++)
        if (cmp_row(&k[i - 1], &k[i]) == 0)
            (*skip)[k[i].pos] = true;
    free(k);
    return 0;
}

/* The statements after the COPYs: the changed rows' conflicts removed;
 * per table, the rows the node holds no more removed and the staged rows
 * upserted; the staging tables emptied. */
static void apply_sql(const struct stage *g, const bool *gone,
                      const struct text *rows, struct text *s)
{
    text_add(
        s,
        "DELETE FROM \"%s\".huzhu_conflicts AS c USING pg_temp.hz_keys AS k"
        " WHERE c.network = '%s' AND c.\"table\" = k.tbl AND c.id ="
        " k.id;",
        g->sch, g->network);
    for (size_t i = 0; i < g->schema->n_tables; i++) {
        const struct table_def *t = &g->schema->tables[i];
        if (gone[i])
            text_add(s,
                     "DELETE FROM \"%s\".\"%s\" AS r USING pg_temp.hz_keys AS k"
                     " WHERE r.network = '%s' AND k.gone AND k.tbl = '%s'"
                     " AND r.id = k.id;",
                     g->sch, t->name, g->network, t->name);
        if (rows[i].len == 0)
            continue;
        text_add(s, "INSERT INTO \"%s\".\"%s\"(network, id", g->sch, t->name);
        if (t->kind == TABLE_ENTITY)
            text_add(s, ", deleted");
        for (size_t c = 0; c < t->n_cols; c++)
            if (stage_col_mirrored(&t->cols[c]))
                text_add(s, ", \"%s\"", t->cols[c].name);
        text_add(s, ", source_node, source_state) SELECT network, id");
        if (t->kind == TABLE_ENTITY)
            text_add(s, ", deleted");
        for (size_t c = 0; c < t->n_cols; c++)
            if (stage_col_mirrored(&t->cols[c]))
                text_add(s,
                         schema_col_is_time(&t->cols[c])
                             ? ", to_timestamp(\"%s\")"
                             : ", \"%s\"",
                         t->cols[c].name);
        text_add(s,
                 ", source_node, source_state FROM pg_temp.\"hz_stage_%s\" ON"
                 " CONFLICT (network, id) DO UPDATE SET",
                 t->name);
        if (t->kind == TABLE_ENTITY)
            text_add(s, " deleted = EXCLUDED.deleted,");
        for (size_t c = 0; c < t->n_cols; c++)
            if (stage_col_mirrored(&t->cols[c]))
                text_add(s, " \"%s\" = EXCLUDED.\"%s\",", t->cols[c].name,
                         t->cols[c].name);
        text_add(s, " source_node = EXCLUDED.source_node, source_state ="
                    " EXCLUDED.source_state;");
    }
    text_add(s, "TRUNCATE pg_temp.hz_keys");
    for (size_t i = 0; i < g->schema->n_tables; i++)
        if (rows[i].len > 0)
            text_add(s, ", pg_temp.\"hz_stage_%s\"", g->schema->tables[i].name);
    text_add(s, ";");
}

/* Load what @changes says into texts: the keys, each table's rows (and
 * whether it lost any), the conflicts; count into @p. */
static void gather(const struct stage *g, json_t *changes, const bool *skip,
                   struct text *keys, struct text *rows, bool *gone,
                   struct text *cfs, struct mirror_pass *p)
{
    size_t k;
    json_t *o;
    json_array_foreach(changes, k, o)
    {
        if (skip[k])
            continue;
        const char *table = json_string_value(json_object_get(o, "table"));
        const char *id = json_string_value(json_object_get(o, "id"));
        const struct table_def *t = schema_table_c(g->schema, table);
        size_t i = schema_table_index(g->schema, t);
        json_t *row = json_object_get(o, "row");
        bool held = json_is_object(row);
        text_copy_field(keys, table, true);
        text_copy_field(keys, id, false);
        text_copy_field(keys, held ? "false" : "true", false);
        text_add(keys, "\n");
        if (held) {
            add_row(g, t, id, row, &rows[i]);
            p->rows++;
        } else {
            gone[i] = true;
            p->removed++;
        }
        p->conflicts +=
            add_conflicts(g, table, id, json_object_get(o, "conflicts"), cfs);
    }
}

int stage_send(const struct stage *g, json_t *changes, struct mirror_pass *p,
               enum mirror_fault *fault, struct hz_err *err)
{
    size_t n_tables = g->schema->n_tables;
    struct text *rows = calloc(n_tables, sizeof *rows);
    bool *gone = calloc(n_tables, sizeof *gone), *skip = NULL;
    struct text keys = {0}, cfs = {0}, s = {0};
    struct mirror_pass counted = {0};
    int rv = rows == NULL || gone == NULL
                 ? hz_err_set(err, HZ_ENOMEM, "mirror batch")
                 : find_repeats(g, changes, &skip, err);
    if (rv == 0) {
        gather(g, changes, skip, &keys, rows, gone, &cfs, &counted);
        text_add(&s, "COPY pg_temp.hz_keys(tbl, id, gone) FROM STDIN");
        rv = copy_in(g, &s, &keys, fault, err);
    }
    for (size_t i = 0; rv == 0 && i < n_tables; i++) {
        if (rows[i].len == 0)
            continue;
        text_free(&s);
        text_add(&s, "COPY pg_temp.\"hz_stage_%s\" FROM STDIN",
                 g->schema->tables[i].name);
        rv = copy_in(g, &s, &rows[i], fault, err);
    }
    if (rv == 0) {
        text_free(&s);
        apply_sql(g, gone, rows, &s);
        rv = stage_exec(g, &s, fault, "batch", err);
    }
    if (rv == 0 && cfs.len > 0) {
        text_free(&s);
        text_add(&s,
                 "COPY \"%s\".huzhu_conflicts(network, \"table\", id, kind,"
                 " \"column\", heads, versions, source_node, source_state)"
                 " FROM STDIN",
                 g->sch);
        rv = copy_in(g, &s, &cfs, fault, err);
    }
    if (rv == 0) {
        p->rows += counted.rows;
        p->removed += counted.removed;
        p->conflicts += counted.conflicts;
    }
    for (size_t i = 0; rows != NULL && i < n_tables; i++)
        text_free(&rows[i]);
    text_free(&keys);
    text_free(&cfs);
    text_free(&s);
    free(rows);
    free(gone);
    free(skip);
    return rv;
}
