/* conflicts.c - the conflicts kept for review, read from the facts of
 * fields.c (proto/merge.md, "Conflicts"; DECISIONS 9): "concurrent" (a
 * field of a live row with more than one head) and "delete_vs_edit" (a
 * head of a tombstoned row that no tombstone had seen), in the order of
 * table, row and column names, each with its heads in winner order.
 * A node of an older format opened read-only is listed from the w it
 * holds (storage.md, "Upgrades"). */
#include "render.h"
#include "state.h"

#include "../../core/alloc.h"
#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../log/log.h"

#include <stdlib.h>
#include <string.h>

#define ROW_KEY(t, row) DB_TEXT((t)->name), DB_ROW(row)
#define ROW_IS "tbl = (SELECT k FROM names WHERE name = ?1) AND row = ?2"

/* A head fact of a row, for the conflict list. */
struct hfact {
    int64_t n, clock;
    uint64_t wrote, heads;
    uint8_t eid[HZ_HASH_LEN], key[HZ_KEY_LEN];
    uint8_t *val;
    size_t val_len;
};

struct hfacts {
    struct hz_node *n;
    struct hfact *v;
    size_t count, cap;
};

static int add_hfact(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct hfacts *k = data;
    struct hfact *v = hz_grow(k->v, &k->cap, k->count, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "conflicts");
    k->v = v;
    struct hfact *f = &v[k->count];
    memset(f, 0, sizeof *f);
    f->n = sqlite3_column_int64(st, 0);
    f->clock = sqlite3_column_int64(st, 1);
    f->wrote = (uint64_t)sqlite3_column_int64(st, 2);
    f->heads = (uint64_t)sqlite3_column_int64(st, 3);
    int rv = db_column_fixed(st, 4, f->key, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_column_dup(st, 5, &f->val, &f->val_len, err);
    if (rv == 0)
        k->count++;
    return rv;
}

/* Winner order: greatest clock, then greatest author key, first. */
static int hfact_order(const void *pa, const void *pb)
{
    const struct hfact *a = pa, *b = pb;
    if (a->clock != b->clock)
        return a->clock > b->clock ? -1 : 1;
    return -memcmp(a->key, b->key, HZ_KEY_LEN);
}

static void hfacts_free(struct hfacts *k)
{
    for (size_t i = 0; i < k->count; i++)
        free(k->v[i].val);
    free(k->v);
    k->v = NULL;
    k->count = k->cap = 0;
}

/* The head facts of a row in winner order. */
static int read_hfacts(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, struct hfacts *k, struct hz_err *err)
{
    int rv = db_each(&n->db,
                     "SELECT n, clock, wrote, heads, (SELECT name FROM names"
                     " WHERE names.k = w.a), val FROM w INDEXED BY w_heads"
                     " WHERE " ROW_IS " AND heads <> 0",
                     DB_ARGS(ROW_KEY(t, row)), add_hfact, k, err);
    for (size_t i = 0; rv == 0 && i < k->count; i++)
        rv = log_id_of(n, k->v[i].n, k->v[i].eid, err);
    /* none: a row the node holds no more (the mirror asks of it) */
    if (rv == 0 && k->count > 0)
        qsort(k->v, k->count, sizeof k->v[0], hfact_order);
    return rv;
}

static json_t *head_json(const struct hfact *f, uint64_t bit, const char *col)
{
    json_t *h = json_object();
    json_object_set_new(h, "entry", render_hex(f->eid, HZ_HASH_LEN));
    json_object_set_new(h, "author", render_hex(f->key, HZ_KEY_LEN));
    json_object_set_new(h, "clock", json_integer(f->clock));
    msgpack_unpacked u;
    struct value v;
    if (mp_unpack(&u, f->val, f->val_len, NULL) == 0) {
        if (fields_value(&u, f->wrote, bit, col, &v, NULL) == 0)
            json_object_set_new(h, "value", render_value(&v));
        msgpack_unpacked_destroy(&u);
    }
    return h;
}

static void add_conflict_json(json_t *arr, const char *kind,
                              const struct table_def *t, const uint8_t *row,
                              size_t c, const struct hfacts *k)
{
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "table", json_string(t->name));
    json_object_set_new(o, "id", render_hex(row, HZ_ROW_LEN));
    json_object_set_new(o, "column", json_string(t->cols[c].name));
    json_t *heads = json_array();
    uint64_t bit = fields_col_mask(t, c);
    for (size_t i = 0; i < k->count; i++)
        if ((k->v[i].heads & bit) != 0)
            json_array_append_new(heads,
                                  head_json(&k->v[i], bit, t->cols[c].name));
    json_object_set_new(o, "heads", heads);
    json_array_append_new(arr, o);
}

struct conflicts {
    struct hz_node *n;
    json_t *arr;
    bool deleted; /* listing the rows with a tombstone */
};

/* The conflicts of one row (table name, row), in column order: on a live
 * row every column with more than one head; on a tombstoned row every
 * column with a head whose entry no tombstone of the row had seen. */
static int one_row_conflicts(struct conflicts *k, const struct table_def *t,
                             const uint8_t *row, struct hz_err *err)
{
    struct hfacts h = {.n = k->n};
    /* Other statements: this one stays on its row. */
    int rv = read_hfacts(k->n, t, row, &h, err);
    for (size_t c = 0; rv == 0 && c < t->n_cols; c++) {
        uint64_t bit = fields_col_mask(t, c);
        size_t heads = 0;
        bool unseen = false;
        for (size_t i = 0; rv == 0 && i < h.count; i++) {
            if ((h.v[i].heads & bit) == 0)
                continue;
            heads++;
            int64_t seen = 1;
            if (k->deleted && !unseen)
                rv = db_int(&k->n->db,
                            "SELECT EXISTS (SELECT 1 FROM tomb_seen WHERE"
                            " tbl = ?1 AND row = ?2 AND seen = ?3)",
                            DB_ARGS(ROW_KEY(t, row), DB_HASH(h.v[i].eid)),
                            &seen, NULL, err);
            unseen |= !seen;
        }
        if (rv == 0 && (k->deleted ? unseen : heads > 1))
            add_conflict_json(k->arr,
                              k->deleted ? "delete_vs_edit" : "concurrent", t,
                              row, c, &h);
    }
    hfacts_free(&h);
    return rv;
}

static int row_conflicts(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct conflicts *k = data;
    const struct table_def *t =
        schema_table_c(k->n->schema, (const char *)sqlite3_column_text(st, 0));
    uint8_t row[HZ_ROW_LEN];
    if (t == NULL || db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return 0; /* a table this build does not know: not listed */
    return one_row_conflicts(k, t, row, err);
}

int fields_row_conflicts_json(struct hz_node *n, const struct table_def *t,
                              const uint8_t *row, json_t *arr,
                              struct hz_err *err)
{
    HZ_ASSERT(n->db.format >= 6);
    int64_t tombs = 0;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM tomb WHERE tbl = ?1 AND"
                    " row = ?2)",
                    DB_ARGS(ROW_KEY(t, row)), &tombs, NULL, err);
    struct conflicts k = {.n = n, .arr = arr, .deleted = tombs != 0};
    return rv != 0 ? rv : one_row_conflicts(&k, t, row, err);
}

/* ---- conflicts of an older node opened read-only (storage.md,
 * "Upgrades"): w with one row per field write, its names and authors as
 * names.k (formats 4 and 5), or as they are (formats 2 and 3). */

struct old_conflicts {
    struct hz_node *n;
    const char *kind;
    json_t *arr;
    /* delete_vs_edit: the last field listed (candidates come in order) */
    char last_tbl[HZ_NAME_LEN_MAX + 1], last_col[HZ_NAME_LEN_MAX + 1];
    uint8_t last_row[HZ_ROW_LEN];
};

struct heads_json {
    struct hz_node *n;
    json_t *arr;
};

/* One head (log.n or entry id, author, clock, value) for the list. */
static int add_head_json(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct heads_json *k = data;
    uint8_t eid[HZ_HASH_LEN];
    int rv = sqlite3_column_type(st, 0) == SQLITE_INTEGER
                 ? log_id_of(k->n, sqlite3_column_int64(st, 0), eid, err)
                 : db_column_fixed(st, 0, eid, HZ_HASH_LEN, err);
    if (rv != 0)
        return rv;
    json_t *h = json_object();
    json_object_set_new(h, "entry", render_hex(eid, HZ_HASH_LEN));
    json_object_set_new(h, "author",
                        render_hex(sqlite3_column_blob(st, 1), HZ_KEY_LEN));
    json_object_set_new(h, "clock", json_integer(sqlite3_column_int64(st, 2)));
    msgpack_unpacked u;
    struct value v;
    if (mp_unpack(&u, sqlite3_column_blob(st, 3),
                  (size_t)sqlite3_column_bytes(st, 3), NULL) == 0) {
        if (mp_value(&u.data, &v, "value", NULL) == 0)
            json_object_set_new(h, "value", render_value(&v));
        msgpack_unpacked_destroy(&u);
    }
    json_array_append_new(k->arr, h);
    return 0;
}

static int list_old_heads(struct hz_node *n, const struct table_def *t,
                          const uint8_t *row, const struct col_def *c,
                          json_t *heads, struct hz_err *err)
{
    struct heads_json k = {n, heads};
    if (n->db.format < 4)
        return db_each(&n->db,
                       "SELECT eid, author, clock, val FROM w"
                       " WHERE tbl = ?1 AND row = ?2 AND col = ?3 AND"
                       " head = 1 ORDER BY clock DESC, author DESC",
                       DB_ARGS(ROW_KEY(t, row), DB_TEXT(c->name)),
                       add_head_json, &k, err);
    return db_each(&n->db,
                   "SELECT w.n, au.name, w.clock, w.val FROM w"
                   " JOIN names AS au ON au.k = w.a WHERE " ROW_IS
                   " AND col = (SELECT k FROM names WHERE name = ?3)"
                   " AND head = 1 ORDER BY w.clock DESC, au.name DESC",
                   DB_ARGS(ROW_KEY(t, row), DB_TEXT(c->name)), add_head_json,
                   &k, err);
}

static int add_old_conflict(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct old_conflicts *k = data;
    const struct table_def *t =
        schema_table_c(k->n->schema, (const char *)sqlite3_column_text(st, 0));
    int c = t != NULL
                ? schema_col_c(t, (const char *)sqlite3_column_text(st, 2))
                : -1;
    uint8_t row[HZ_ROW_LEN];
    if (c < 0 || db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return 0; /* a column this build does not know: not listed */
    json_t *o = json_object();
    json_object_set_new(o, "kind", json_string(k->kind));
    json_object_set_new(o, "table", json_string(t->name));
    json_object_set_new(o, "id", render_hex(row, HZ_ROW_LEN));
    json_object_set_new(o, "column", json_string(t->cols[c].name));
    json_t *heads = json_array();
    json_object_set_new(o, "heads", heads);
    json_array_append_new(k->arr, o);
    /* Other statements: this one stays on its row. */
    return list_old_heads(k->n, t, row, &t->cols[c], heads, err);
}

/* A head of a tombstoned row (tbl, row, col, n or eid): listed (once per
 * field) when no tombstone of the row had seen its entry. */
static int add_old_unseen(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct old_conflicts *k = data;
    const char *tbl = (const char *)sqlite3_column_text(st, 0);
    const char *col = (const char *)sqlite3_column_text(st, 2);
    uint8_t row[HZ_ROW_LEN], eid[HZ_HASH_LEN];
    if (tbl == NULL || col == NULL || strlen(tbl) > HZ_NAME_LEN_MAX ||
        strlen(col) > HZ_NAME_LEN_MAX ||
        db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored field");
    if (strcmp(tbl, k->last_tbl) == 0 && strcmp(col, k->last_col) == 0 &&
        memcmp(row, k->last_row, HZ_ROW_LEN) == 0)
        return 0;
    int64_t seen = 0;
    int rv = sqlite3_column_type(st, 3) == SQLITE_INTEGER
                 ? log_id_of(k->n, sqlite3_column_int64(st, 3), eid, err)
                 : db_column_fixed(st, 3, eid, HZ_HASH_LEN, err);
    if (rv == 0)
        rv = db_int(&k->n->db,
                    "SELECT EXISTS (SELECT 1 FROM tomb_seen WHERE tbl = ?1 AND"
                    " row = ?2 AND seen = ?3)",
                    DB_ARGS(DB_TEXT(tbl), DB_ROW(row), DB_HASH(eid)), &seen,
                    NULL, err);
    if (rv != 0 || seen)
        return rv;
    strcpy(k->last_tbl, tbl);
    strcpy(k->last_col, col);
    memcpy(k->last_row, row, HZ_ROW_LEN);
    return add_old_conflict(k, st, err);
}

static int conflicts_older(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    struct old_conflicts k = {.n = n, .kind = "concurrent", .arr = arr};
    /* The field's table and column names, as they are or by names.k. */
#define OLD_FIELD(named) named ? "t.name, w.row, c.name" : "w.tbl, w.row, w.col"
#define OLD_NAMES(named)                                                       \
    named ? " JOIN names AS t ON t.k = w.tbl JOIN names AS c ON c.k = w.col"   \
          : ""
    bool named = n->db.format >= 4;
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT %s FROM w%s WHERE w.head = 1 AND NOT EXISTS (SELECT 1"
             " FROM tomb WHERE tomb.tbl = %s AND tomb.row = w.row)"
             " GROUP BY w.tbl, w.row, w.col HAVING count(*) > 1"
             " ORDER BY 1, 2, 3",
             OLD_FIELD(named), OLD_NAMES(named), named ? "t.name" : "w.tbl");
    int rv = db_each(&n->db, sql, DB_NO_ARGS, add_old_conflict, &k, err);
    k.kind = "delete_vs_edit";
    snprintf(sql, sizeof sql,
             "SELECT %s, %s FROM w%s WHERE w.head = 1 AND EXISTS (SELECT 1"
             " FROM tomb WHERE tomb.tbl = %s AND tomb.row = w.row)"
             " ORDER BY 1, 2, 3",
             OLD_FIELD(named), named ? "w.n" : "w.eid", OLD_NAMES(named),
             named ? "t.name" : "w.tbl");
#undef OLD_FIELD
#undef OLD_NAMES
    if (rv == 0)
        rv = db_each(&n->db, sql, DB_NO_ARGS, add_old_unseen, &k, err);
    return rv;
}

int fields_conflicts_json(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    if (n->db.format < 6)
        return conflicts_older(n, arr, err);
    /* Rows with more than one head fact, then tombstoned rows with any. */
    struct conflicts k = {.n = n, .arr = arr};
    int rv =
        db_each(&n->db,
                "SELECT t.name, w.row FROM w JOIN names AS t ON t.k = w.tbl"
                " WHERE w.heads <> 0 AND NOT EXISTS (SELECT 1 FROM tomb WHERE"
                " tomb.tbl = t.name AND tomb.row = w.row) GROUP BY w.tbl, w.row"
                " HAVING count(*) > 1 ORDER BY t.name, w.row",
                DB_NO_ARGS, row_conflicts, &k, err);
    k.deleted = true;
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT t.name, w.row FROM w JOIN names AS t"
                     " ON t.k = w.tbl WHERE w.heads <> 0 AND EXISTS (SELECT 1"
                     " FROM tomb WHERE tomb.tbl = t.name AND tomb.row = w.row)"
                     " GROUP BY w.tbl, w.row ORDER BY t.name, w.row",
                     DB_NO_ARGS, row_conflicts, &k, err);
    return rv;
}
