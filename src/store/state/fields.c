/* fields.c - the owner of the field writes and tombstones of entity
 * rows: tables w (the applied writes, one fact per row and entry, with
 * the columns it wrote and those of them still heads), sup (which writes
 * a write supersedes), tomb and tomb_seen (tombstones and the writes each
 * had seen). proto/merge.md; DECISIONS 8, 9.
 *
 * A fact names its table and its author's key by names.k (db.c enters
 * them), its entry by the entry's place in the log, log.n, and its
 * columns by bits (storage.md, format 6): one author's entries enter the
 * log in seq order, so "a later write of the same author" is a greater
 * n. The entry ids that supersede and tombstone lists hold are looked up
 * in the log (log_n_of, log_id_of).
 *
 * The merge rule is computed over these stored facts, so a row's state
 * is a function of the set of applied entries, whatever their order:
 *   - a field write is a head unless an applied write names it as
 *     superseded (sup), or a later write by the same author to the same
 *     field exists;
 *   - a field's value is the head with the highest (clock, author);
 *   - a row with any applied tombstone is deleted and shows no values.
 *
 * A row that one entry alone has written (most rows: a household
 * registered, a person added, a whole import) keeps that fact in its own
 * columns, sole and sole_bits, instead of in w (format 19): its values
 * are the row's, its author and clock the log's, and every column it
 * wrote is a head, since nothing else mentions the row. That is a w row
 * and its w_heads entry fewer for every row written once. The fact moves
 * into w (spill) before a second write or a tombstone touches the row,
 * so that everything that reads w for a row with more than one fact
 * finds them all; what reads a row's facts without writing (its writers,
 * the heads a local write names, an undo) asks the row too. Invariant: a
 * row with a sole fact has no fact in w and no tombstone. */
#include "render.h"
#include "state.h"

#include "../../core/alloc.h"
#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../log/log.h"

#include <stdlib.h>
#include <string.h>

/* Applying a write reads a few facts of its row, never all of them, so
 * that a row with thousands of facts costs no more per write than a row
 * with one (storage.md, format 6):
 *   the key    (row, author, n): an author's latest write of a column
 *              before an entry, and whether a later one exists;
 *   w_heads    (row, clock, author) of the facts that are still a head of
 *              some column: a column's winner is among the last.
 * The facts of an entry are found by the key too: its rows are those its
 * ops name (read back from the log when it is taken back), its author is
 * the log's (format 18: an index by entry cost every write a b-tree
 * insert for the rare undo). Queries by heads name their index: the key
 * also starts with the row, and SQLite's planner may walk it, every fact
 * the row ever had.
 *
 * Statements bind a row as ?1 table name, ?2 row (ROW_KEY); sup, tomb and
 * tomb_seen keep the names as text. */
#define ROW_KEY(t, row) DB_TEXT((t)->name), DB_ROW(row)
#define TBL_K "(SELECT k FROM names WHERE name = ?1)"
#define ROW_IS "tbl = " TBL_K " AND row = ?2"

/* A stop that is not an error, for walks through db_each. */
enum { WALK_STOP = 1 };

/* ---- a row's writers (history.c) */

struct sources {
    struct hz_node *n;
    state_source_fn fn;
    void *data;
};

static int source_at(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct sources *s = data;
    return s->fn(s->data, sqlite3_column_int64(st, 0), err);
}

static int source_tomb(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct sources *s = data;
    if (sqlite3_column_bytes(st, 0) != HZ_HASH_LEN)
        return hz_err_set(err, HZ_ECORRUPT, "tomb entry id");
    int64_t at = 0;
    int rv = log_n_of(s->n, sqlite3_column_blob(st, 0), &at, err);
    return rv != 0 ? rv : s->fn(s->data, at, err);
}

/* The row's sole fact, or at 0 (also on a node older than format 19,
 * opened read-only, whose facts are all in w). */
static int sole_of(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, struct row_sole *sole,
                   struct hz_err *err)
{
    sole->at = 0;
    sole->bits = 0;
    bool exists, deleted;
    return n->db.format < 19
               ? 0
               : rows_state_sole(n, t, row, &exists, &deleted, sole, err);
}

int fields_sources(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, state_source_fn fn, void *data,
                   struct hz_err *err)
{
    struct sources s = {n, fn, data};
    struct row_sole sole;
    int rv = sole_of(n, t, row, &sole, err);
    if (rv == 0 && sole.at != 0)
        rv = fn(data, sole.at, err);
    if (rv == 0)
        rv = db_each(&n->db, "SELECT n FROM w WHERE " ROW_IS,
                     DB_ARGS(ROW_KEY(t, row)), source_at, &s, err);
    if (rv == 0)
        rv = db_each(&n->db, "SELECT eid FROM tomb WHERE tbl = ?1 AND row = ?2",
                     DB_ARGS(ROW_KEY(t, row)), source_tomb, &s, err);
    return rv;
}

/* ---- columns as bits */

/* The bit of column @c in a fact's masks: its rank among the table's
 * columns ordered by (since, wire name). A later schema version only adds
 * columns, with a greater since, so a column keeps its bit across
 * versions (storage.md). The columns are sorted by wire name: among those
 * of one version, the rank is the order of their indexes. */
unsigned fields_col_bit(const struct table_def *t, size_t c)
{
    unsigned r = 0;
    for (size_t i = 0; i < t->n_cols; i++)
        if (t->cols[i].since < t->cols[c].since ||
            (t->cols[i].since == t->cols[c].since && i < c))
            r++;
    return r;
}

uint64_t fields_col_mask(const struct table_def *t, size_t c)
{
    return UINT64_C(1) << fields_col_bit(t, c);
}

static uint64_t all_cols(const struct table_def *t)
{
    HZ_ASSERT(t->n_cols <= 64);
    return t->n_cols == 64 ? ~UINT64_C(0) : (UINT64_C(1) << t->n_cols) - 1;
}

/* The place of column bit @bit among the values of a fact that wrote
 * @wrote (its values are stored in bit order). */
static size_t val_rank(uint64_t wrote, uint64_t bit)
{
    return (size_t)__builtin_popcountll(wrote & (bit - 1));
}

/* The value of column bit @bit in a fact's stored values @u (unpacked),
 * borrowed from @u. */
int fields_value(const msgpack_unpacked *u, uint64_t wrote, uint64_t bit,
                 const char *what, struct value *out, struct hz_err *err)
{
    size_t i = val_rank(wrote, bit);
    if (u->data.type != MSGPACK_OBJECT_ARRAY || i >= u->data.via.array.size ||
        (wrote & bit) == 0 ||
        mp_value(&u->data.via.array.ptr[i], out, what, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored field value");
    return 0;
}

/* ---- the writer */

/* The writer of a fact: entry @e at @at in the log, its author's key as
 * names.k, and its op. */
struct writer {
    const struct entry *e;
    const struct op *o;
    int64_t at, a;
    uint64_t mask; /* the columns the op writes */
};

/* The op's field of column bit @bit, or NULL. */
static const struct field *op_field(const struct writer *by, uint64_t bit)
{
    const struct table_def *t = by->o->table;
    for (size_t k = 0; k < by->o->n_fields; k++)
        if (fields_col_mask(t, by->o->fields[k].col) == bit)
            return &by->o->fields[k];
    return NULL;
}

/* The op's values as a msgpack array in bit order into n->scratch. Each
 * field is placed by its bit once (op_field a bit costs fields times
 * columns a value: 3 % of a 1,000-record import's instructions). */
static int encode_values(struct hz_node *n, const struct writer *by)
{
    const struct op *o = by->o;
    const struct value *at_bit[64] = {0};
    for (size_t k = 0; k < o->n_fields; k++)
        at_bit[fields_col_bit(o->table, o->fields[k].col)] = &o->fields[k].val;
    enc_reset(&n->scratch);
    enc_array(&n->scratch, (size_t)__builtin_popcountll(by->mask));
    for (uint64_t m = by->mask; m != 0; m &= m - 1)
        enc_value(&n->scratch, at_bit[__builtin_ctzll(m)]);
    return enc_done(&n->scratch);
}

static int put_fact(struct hz_node *n, const struct writer *by, uint64_t heads,
                    struct hz_err *err)
{
    int64_t tbl = 0;
    int rv = encode_values(n, by);
    if (rv == 0)
        rv = rows_table_k(n, by->o->table, &tbl, err);
    if (rv != 0)
        return rv;
    return db_run(&n->db,
                  "INSERT INTO w(tbl, row, a, n, clock, wrote, heads, val)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                  DB_ARGS(DB_INT(tbl), DB_ROW(by->o->row), DB_INT(by->a),
                          DB_INT(by->at), DB_INT(by->e->clock),
                          DB_INT(by->mask), DB_INT(heads),
                          DB_BLOB(enc_data(&n->scratch), enc_len(&n->scratch))),
                  err);
}

/* The row's sole fact @sole into w, with the row's values of the columns
 * it wrote (the row holds exactly its values: nothing else has written
 * it), its author and clock from the log, the columns @heads of it heads;
 * the row then holds no sole fact, unless @keep (the caller's next
 * statement of the row says so). */
static int spill_fact(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, const struct row_sole *sole,
                      uint64_t heads, bool keep, struct hz_err *err)
{
    size_t col_at[64] = {0};
    for (size_t c = 0; c < t->n_cols; c++)
        col_at[fields_col_bit(t, c)] = c;
    if ((sole->bits & ~all_cols(t)) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "%s row's sole fact", t->name);
    sqlite3_stmt *st;
    int rv = rows_read(n, t, row, &st, err);
    if (rv != 1)
        return rv == 0 ? hz_err_set(err, HZ_ECORRUPT, "%s row", t->name) : rv;
    enc_reset(&n->scratch);
    enc_array(&n->scratch, (size_t)__builtin_popcountll(sole->bits));
    for (uint64_t m = sole->bits; rv == 1 && m != 0; m &= m - 1) {
        size_t c = col_at[__builtin_ctzll(m)];
        struct value v;
        if (db_column_value(&t->cols[c], st, (int)c + 2, &v) != 0)
            rv = hz_err_set(err, HZ_ECORRUPT, "%s row", t->name);
        else
            enc_value(&n->scratch, &v); /* before the reset: v borrows */
    }
    sqlite3_reset(st);
    if (rv != 1)
        return rv;
    int64_t tbl = 0;
    rv = enc_done(&n->scratch);
    if (rv == 0)
        rv = rows_table_k(n, t, &tbl, err);
    if (rv == 0)
        rv =
            db_run(&n->db,
                   "INSERT INTO w(tbl, row, a, n, clock, wrote, heads, val)"
                   " SELECT ?1, ?2, author, n, clock, ?4, ?6, ?5 FROM log"
                   " WHERE n = ?3",
                   DB_ARGS(DB_INT(tbl), DB_ROW(row), DB_INT(sole->at),
                           DB_INT(sole->bits),
                           DB_BLOB(enc_data(&n->scratch), enc_len(&n->scratch)),
                           DB_INT(heads)),
                   err);
    if (rv == 0 && db_changes(&n->db) != 1)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s row's sole fact not in the log",
                        t->name);
    return rv != 0 || keep ? rv : rows_sole_clear(n, t, row, err);
}

/* The row's sole fact into w, every column it wrote a head. */
static int spill(struct hz_node *n, const struct table_def *t,
                 const uint8_t *row, const struct row_sole *sole,
                 struct hz_err *err)
{
    return spill_fact(n, t, row, sole, sole->bits, false, err);
}

/* Whether a row has an applied tombstone, as the caller found it. */
enum row_tombs { ROW_LIVE, ROW_DELETED };

/* ---- winners */

/* The best head found so far for one column. */
struct winner {
    int64_t clock, a, n;
    uint8_t key[HZ_KEY_LEN];
};

struct winners {
    uint64_t left; /* columns not settled yet */
    uint64_t cur;  /* columns with a candidate at clock */
    int64_t clock;
    struct winner w[64];
};

/* One fact of the row, greatest clock first: a column's winner is its
 * head with the greatest clock, the greatest author key among equals;
 * once the clock falls, the columns with a candidate are settled. */
static int add_winner(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct winners *k = data;
    int64_t clock = sqlite3_column_int64(st, 0);
    if (k->cur != 0 && clock != k->clock) {
        k->left &= ~k->cur;
        k->cur = 0;
        if (k->left == 0)
            return WALK_STOP;
    }
    k->clock = clock;
    uint64_t hit = (uint64_t)sqlite3_column_int64(st, 3) & k->left;
    if (hit == 0)
        return 0;
    uint8_t key[HZ_KEY_LEN];
    if (db_column_fixed(st, 4, key, HZ_KEY_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored author");
    for (uint64_t m = hit; m != 0; m &= m - 1) {
        uint64_t bit = m & -m;
        struct winner *w = &k->w[__builtin_ctzll(bit)];
        if ((k->cur & bit) != 0 && memcmp(key, w->key, HZ_KEY_LEN) < 0)
            continue;
        w->clock = clock;
        w->a = sqlite3_column_int64(st, 1);
        w->n = sqlite3_column_int64(st, 2);
        memcpy(w->key, key, HZ_KEY_LEN);
        k->cur |= bit;
    }
    return 0;
}

/* The winners of the columns in @mask into @k: k->left ends as the
 * columns without a head. */
static int find_winners(struct hz_node *n, const struct table_def *t,
                        const uint8_t *row, uint64_t mask, struct winners *k,
                        struct hz_err *err)
{
    k->left = mask;
    k->cur = 0;
    int rv = db_each(&n->db,
                     "SELECT clock, a, n, heads, (SELECT name FROM names"
                     " WHERE names.k = w.a) FROM w INDEXED BY w_heads"
                     " WHERE " ROW_IS " AND heads <> 0 ORDER BY clock DESC",
                     DB_ARGS(ROW_KEY(t, row)), add_winner, k, err);
    if (rv == WALK_STOP)
        rv = 0;
    k->left &= ~k->cur;
    return rv;
}

/* A fact's stored values, unpacked: the one read last is kept, since the
 * columns of a row mostly share their winner. */
struct fact_vals {
    int64_t n;
    uint64_t wrote;
    bool held;
    uint8_t *buf; /* a copy of val: u borrows its strings */
    size_t len;
    msgpack_unpacked u;
};

static void fact_vals_close(struct fact_vals *f)
{
    if (f->held)
        msgpack_unpacked_destroy(&f->u);
    free(f->buf);
    f->buf = NULL;
    f->held = false;
}

static int fact_vals_read(struct hz_node *n, const struct table_def *t,
                          const uint8_t *row, const struct winner *w,
                          struct fact_vals *f, struct hz_err *err)
{
    if (f->held && f->n == w->n)
        return 0;
    fact_vals_close(f);
    sqlite3_stmt *q;
    int rv = db_first(
        &n->db,
        "SELECT wrote, val FROM w WHERE " ROW_IS " AND a = ?3 AND n = ?4",
        DB_ARGS(ROW_KEY(t, row), DB_INT(w->a), DB_INT(w->n)), &q, NULL, err);
    if (rv != 1)
        return rv == 0 ? hz_err_set(err, HZ_ECORRUPT, "stored fact") : rv;
    f->wrote = (uint64_t)sqlite3_column_int64(q, 0);
    rv = db_column_dup(q, 1, &f->buf, &f->len, err);
    sqlite3_reset(q);
    if (rv != 0)
        return rv;
    if (mp_unpack(&f->u, f->buf, f->len, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored field value");
    f->n = w->n;
    f->held = true;
    return 0;
}

/* Recompute the materialized values of the columns in @mask from their
 * heads: none on a deleted row. @by, when not NULL, is the fact just
 * written, whose values are in its op. */
static int refresh(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, uint64_t mask, enum row_tombs tombs,
                   const struct writer *by, struct hz_err *err)
{
    struct winners k;
    int rv = 0;
    if (tombs == ROW_DELETED)
        k.left = mask;
    else
        rv = find_winners(n, t, row, mask, &k, err);
    struct fact_vals f = {0};
    for (size_t c = 0; rv == 0 && c < t->n_cols; c++) {
        uint64_t bit = fields_col_mask(t, c);
        if ((mask & bit) == 0)
            continue;
        if ((k.left & bit) != 0) {
            rv = rows_set_field(n, t, row, &t->cols[c], NULL, err);
            continue;
        }
        const struct winner *w = &k.w[__builtin_ctzll(bit)];
        if (by != NULL && w->n == by->at) {
            rv = rows_set_field(n, t, row, &t->cols[c], &op_field(by, bit)->val,
                                err);
            continue;
        }
        struct value v;
        rv = fact_vals_read(n, t, row, w, &f, err);
        if (rv == 0)
            rv = fields_value(&f.u, f.wrote, bit, t->cols[c].name, &v, err);
        if (rv == 0)
            rv = rows_set_field(n, t, row, &t->cols[c], &v, err);
    }
    fact_vals_close(&f);
    return rv;
}

/* ---- applying a write */

static int put_sup(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct col_def *c,
                   const uint8_t *old, const uint8_t *by, struct hz_err *err)
{
    return db_run(
        &n->db,
        "INSERT OR IGNORE INTO sup(tbl, row, col, old, by)"
        " VALUES(?1, ?2, ?3, ?4, ?5)",
        DB_ARGS(ROW_KEY(t, row), DB_TEXT(c->name), DB_HASH(old), DB_HASH(by)),
        err);
}

/* The author (names.k) of the entry at @at in the log: with the row, the
 * key of the entry's fact. */
#define AUTHOR_AT(p) "(SELECT author FROM log WHERE n = " p ")"

/* Column bits @bits of the fact at @at in the row are no longer heads. */
static int drop_heads(struct hz_node *n, const struct table_def *t,
                      const uint8_t *row, int64_t at, uint64_t bits,
                      struct hz_err *err)
{
    return db_run(&n->db,
                  "UPDATE w SET heads = heads & ~?3 WHERE " ROW_IS
                  " AND a = " AUTHOR_AT("?4") " AND n = ?4 AND heads & ?3 <> 0",
                  DB_ARGS(ROW_KEY(t, row), DB_INT(bits), DB_INT(at)), err);
}

/* One author's facts of a row, walked from an entry: each column of
 * @left is found at its first fact that wrote it. */
struct walk {
    uint64_t left;
    size_t count;
    struct {
        int64_t n;
        uint64_t bits; /* the columns found at this fact */
        uint64_t heads;
    } hit[64];
};

static int add_walked(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct walk *k = data;
    uint64_t bits = (uint64_t)sqlite3_column_int64(st, 1) & k->left;
    if (bits != 0) {
        HZ_ASSERT(k->count < 64);
        k->hit[k->count].n = sqlite3_column_int64(st, 0);
        k->hit[k->count].bits = bits;
        k->hit[k->count].heads = (uint64_t)sqlite3_column_int64(st, 2);
        k->count++;
        k->left &= ~bits;
    }
    return k->left == 0 ? WALK_STOP : 0;
}

/* Walk author @a's facts of the row before (@later false) or after @at,
 * nearest first, until every column of @mask is found. Each fact is
 * passed at most once per column by the writes that follow it in order,
 * so the walks of a chain of writes cost its length (storage.md). */
static int walk_author(struct hz_node *n, const struct table_def *t,
                       const uint8_t *row, int64_t a, int64_t at, bool later,
                       uint64_t mask, struct walk *k, struct hz_err *err)
{
    k->left = mask;
    k->count = 0;
    if (mask == 0)
        return 0;
    int rv = db_each(&n->db,
                     later ? "SELECT n, wrote, heads FROM w WHERE " ROW_IS
                             " AND a = ?3 AND n > ?4 ORDER BY n"
                           : "SELECT n, wrote, heads FROM w WHERE " ROW_IS
                             " AND a = ?3 AND n < ?4 ORDER BY n DESC",
                     DB_ARGS(ROW_KEY(t, row), DB_INT(a), DB_INT(at)),
                     add_walked, k, err);
    return rv == WALK_STOP ? 0 : rv;
}

/* The columns of @by named as superseded by an applied write. */
static int named_cols(struct hz_node *n, const struct writer *by,
                      uint64_t *named, struct hz_err *err)
{
    const struct table_def *t = by->o->table;
    *named = 0;
    int rv = 0;
    for (size_t k = 0; rv == 0 && k < by->o->n_fields; k++) {
        size_t c = by->o->fields[k].col;
        int64_t yes = 0;
        rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM sup WHERE tbl = ?1 AND"
                    " row = ?2 AND col = ?3 AND old = ?4)",
                    DB_ARGS(ROW_KEY(t, by->o->row), DB_TEXT(t->cols[c].name),
                            DB_HASH(by->e->id)),
                    &yes, NULL, err);
        if (yes)
            *named |= fields_col_mask(t, c);
    }
    return rv;
}

/* A write onto a row that already has facts: the heads it names and its
 * author's latest earlier writes of its columns stop being heads
 * (merge.md, rules 1 and 2); its own columns are heads unless named
 * superseded or, applied out of order (no APPLY_LATEST), written again
 * by a later entry of its author. */
static int write_fields(struct hz_node *n, const struct writer *by,
                        unsigned flags, enum row_tombs tombs,
                        struct hz_err *err)
{
    const struct op *o = by->o;
    const struct table_def *t = o->table;
    int rv = 0;
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++) {
        const struct field *f = &o->fields[k];
        for (size_t h = 0; rv == 0 && h < f->n_heads; h++) {
            int64_t old = 0; /* 0: not held, so no head to drop */
            rv = put_sup(n, t, o->row, &t->cols[f->col], f->heads[h], by->e->id,
                         err);
            if (rv == 0)
                rv = log_n_of(n, f->heads[h], &old, err);
            if (rv == 0 && old != 0)
                rv = drop_heads(n, t, o->row, old, fields_col_mask(t, f->col),
                                err);
        }
    }
    /* Of an author's earlier writes of a column, only the latest can
     * still be a head: each older one has a later write, that one. */
    struct walk k;
    if (rv == 0)
        rv = walk_author(n, t, o->row, by->a, by->at, false, by->mask, &k, err);
    for (size_t i = 0; rv == 0 && i < k.count; i++)
        if ((k.hit[i].heads & k.hit[i].bits) != 0)
            rv = drop_heads(n, t, o->row, k.hit[i].n, k.hit[i].bits, err);
    uint64_t heads = by->mask, named = 0;
    if (rv == 0)
        rv = named_cols(n, by, &named, err);
    heads &= ~named;
    if (rv == 0 && !(flags & APPLY_LATEST)) {
        rv = walk_author(n, t, o->row, by->a, by->at, true, heads, &k, err);
        heads &= k.left;
    }
    if (rv == 0)
        rv = put_fact(n, by, heads, err);
    return rv != 0 ? rv : refresh(n, t, o->row, by->mask, tombs, by, err);
}

/* Whether any applied write or tombstone mentions the row. */
static int row_facts(struct hz_node *n, const struct table_def *t,
                     const uint8_t *row, bool *writes, bool *tombs,
                     struct hz_err *err)
{
    int64_t v = 0;
    struct row_sole sole;
    int rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM w WHERE " ROW_IS ")"
                    " | (EXISTS (SELECT 1 FROM tomb WHERE"
                    " tbl = ?1 AND row = ?2) << 1)",
                    DB_ARGS(ROW_KEY(t, row)), &v, NULL, err);
    if (rv == 0)
        rv = sole_of(n, t, row, &sole, err);
    /* a sole fact is the row's only mention: else the file was damaged */
    if (rv == 0 && sole.at != 0 && v != 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "%s row's sole fact beside others",
                        t->name);
    *writes = (v & 1) != 0 || (rv == 0 && sole.at != 0);
    *tombs = (v & 2) != 0;
    return rv;
}

/* The first write to a row no applied fact mentions yet, unless the row
 * is there (*@put false: nothing written): every column it writes is a
 * head, and the row is written once with all its values and its sole
 * fact (the common case of an import). Such a row has no supersede edges
 * either: only applied writes of the row add them, and taking a write
 * back removes its edges. */
static int new_row(struct hz_node *n, const struct writer *by, bool *put,
                   struct hz_err *err)
{
    const struct op *o = by->o;
    const struct table_def *t = o->table;
    struct value vals[HZ_FIELDS_MAX];
    HZ_ASSERT(t->n_cols <= HZ_FIELDS_MAX);
    memset(vals, 0, t->n_cols * sizeof vals[0]);
    for (size_t k = 0; k < o->n_fields; k++)
        vals[o->fields[k].col] = o->fields[k].val;
    struct row_sole sole = {by->at, by->mask};
    int rv = rows_insert_entity(n, t, o->row, &sole, vals, o->sx_doc, put, err);
    for (size_t k = 0; rv == 0 && *put && k < o->n_fields; k++) {
        const struct field *f = &o->fields[k];
        for (size_t h = 0; rv == 0 && h < f->n_heads; h++)
            rv = put_sup(n, t, o->row, &t->cols[f->col], f->heads[h], by->e->id,
                         err);
    }
    return rv;
}

/* A write @by, the latest of its author (APPLY_LATEST), onto a row one
 * earlier entry alone has written (its sole fact S, @sole), as most edits
 * are. When every column of S that the write also writes stops being a
 * head of S — the write names S as the head it replaces, or S is an
 * earlier entry of the write's own author (merge.md, rules 1 and 2) — the
 * merge's outcome needs no look at w: S's fact goes into w with its other
 * columns heads, the write's with all of its own (nothing can name it:
 * S's edges are the row's only ones), the write's edges into sup, and the
 * row takes the write's values and drops its sole fact in one statement
 * (*@done). That is what spill and write_fields write — the same facts,
 * edges, row, number and search document (unit.edit_sole compares both
 * paths in many orders of arrival) — in half the statements. Otherwise
 * (a concurrent write to a column, an entry applied again after later
 * ones, or too many sets of columns, rows_edit_sole) nothing is written,
 * and the general path follows. */
static int edit_sole(struct hz_node *n, const struct writer *by,
                     const struct row_sole *sole, unsigned flags, bool *done,
                     struct hz_err *err)
{
    const struct op *o = by->o;
    const struct table_def *t = o->table;
    *done = false;
    if (n->merge_general || !(flags & APPLY_LATEST))
        return 0; /* an entry applied again, after later ones: general */
    sqlite3_stmt *q;
    bool found = false;
    int rv = db_first(&n->db, "SELECT author, id FROM log WHERE n = ?1",
                      DB_ARGS(DB_INT(sole->at)), &q, &found, err);
    if (rv != 1)
        return rv != 0
                   ? rv
                   : hz_err_set(err, HZ_ECORRUPT,
                                "%s row's sole fact not in the log", t->name);
    int64_t s_a = sqlite3_column_int64(q, 0);
    uint8_t s_id[HZ_HASH_LEN];
    rv = db_column_fixed(q, 1, s_id, HZ_HASH_LEN, NULL);
    sqlite3_reset(q);
    if (rv != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored entry id");
    if (s_a == by->a && sole->at > by->at)
        return 0; /* S a later write of this author (APPLY_LATEST says not) */
    uint64_t over = s_a == by->a ? by->mask : 0; /* S's heads that end */
    for (size_t k = 0; k < o->n_fields; k++) {
        const struct field *f = &o->fields[k];
        for (size_t h = 0; h < f->n_heads; h++)
            if (memcmp(f->heads[h], s_id, HZ_HASH_LEN) == 0)
                over |= fields_col_mask(t, f->col);
    }
    if ((sole->bits & by->mask & ~over) != 0)
        return 0; /* both write a column: the general path picks */
#ifdef HZ_DEBUG_CHECKS
    /* No column of the write is named superseded (named_cols): sup holds
     * only applied writes' edges, so the row's are S's, and an edge of S
     * naming the write in one of the write's columns would be in a column
     * both write, which the write names (above) — each naming the other,
     * a cycle of entry ids, which are hashes of what they name. (S may
     * name the write in a column only S writes: a crafted entry can name
     * anything; that edge supersedes nothing of the write.) */
    uint64_t named = 0;
    rv = named_cols(n, by, &named, err);
    if (rv != 0)
        return rv;
    HZ_ASSERT(named == 0);
#endif
    rv = spill_fact(n, t, o->row, sole, sole->bits & ~by->mask, true, err);
    for (size_t k = 0; rv == 0 && k < o->n_fields; k++) {
        const struct field *f = &o->fields[k];
        for (size_t h = 0; rv == 0 && h < f->n_heads; h++)
            rv = put_sup(n, t, o->row, &t->cols[f->col], f->heads[h], by->e->id,
                         err);
    }
    if (rv == 0)
        rv = put_fact(n, by, by->mask, err);
    bool edited = false;
    if (rv == 0)
        rv = rows_edit_sole(n, t, o->row, o, &edited, err);
    if (rv == 0 && !edited) /* no statement for these columns: by column */
        rv = rows_sole_clear(n, t, o->row, err);
    if (rv == 0 && !edited)
        rv = refresh(n, t, o->row, by->mask, ROW_LIVE, by, err);
    *done = rv == 0;
    n->merge_edits_sole += *done;
    return rv;
}

int fields_set(struct hz_node *n, const struct entry *e, int64_t at,
               const struct op *o, unsigned flags, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_SET);
    HZ_ASSERT(at > 0);
    struct writer by = {e, o, at, 0, 0};
    for (size_t k = 0; k < o->n_fields; k++)
        by.mask |= fields_col_mask(o->table, o->fields[k].col);
    /* An entity row is materialized exactly while an applied write or
     * tombstone mentions it (refresh_row), and "deleted" while a
     * tombstone does: the row answers what row_facts asks of w and tomb
     * (three b-tree descents; 8 % of an import). Most rows are new: the
     * row is inserted unless it is there, whose look at the id index
     * answers whether it was (a lookup first was 3 % of an import). */
    bool exists, deleted, put = false;
    struct row_sole sole;
    int rv = db_intern_key(&n->db, e->author, &by.a, err);
#ifdef HZ_DEBUG_CHECKS
    bool writes = false, tombs = false;
    if (rv == 0)
        rv = row_facts(n, o->table, o->row, &writes, &tombs, err);
#endif
    if (rv == 0)
        rv = new_row(n, &by, &put, err);
    HZ_ASSERT_DEBUG(rv != 0 || put == !(writes || tombs));
    if (rv != 0 || put)
        return rv;
    rv = rows_state_sole(n, o->table, o->row, &exists, &deleted, &sole, err);
    if (rv == 0 && !exists) /* the insert was ignored: it is there */
        rv = hz_err_set(err, HZ_ECORRUPT, "%s row", o->table->name);
    HZ_ASSERT_DEBUG(rv != 0 || deleted == tombs);
    if (rv == 0 && sole.at != 0) {
        bool done = false;
        rv = edit_sole(n, &by, &sole, flags, &done, err);
        if (rv != 0 || done)
            return rv;
        rv = spill(n, o->table, o->row, &sole, err);
    }
    return rv != 0 ? rv
                   : write_fields(n, &by, flags,
                                  deleted ? ROW_DELETED : ROW_LIVE, err);
}

int fields_tomb(struct hz_node *n, const struct entry *e, const struct op *o,
                struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_DEL);
    bool exists, deleted;
    struct row_sole sole;
    int rv =
        rows_state_sole(n, o->table, o->row, &exists, &deleted, &sole, err);
    if (rv == 0 && sole.at != 0)
        rv = spill(n, o->table, o->row, &sole, err);
    if (rv == 0)
        rv = db_run(
            &n->db,
            "INSERT OR IGNORE INTO tomb(tbl, row, eid)"
            " VALUES(?1, ?2, ?3)",
            DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row), DB_HASH(e->id)),
            err);
    for (size_t i = 0; rv == 0 && i < o->n_seen; i++)
        rv = db_run(&n->db,
                    "INSERT OR IGNORE INTO tomb_seen(tbl, row, eid, seen)"
                    " VALUES(?1, ?2, ?3, ?4)",
                    DB_ARGS(DB_TEXT(o->table->name), DB_ROW(o->row),
                            DB_HASH(e->id), DB_HASH(o->seen[i])),
                    err);
    if (rv == 0)
        rv = rows_ensure(n, o->table, o->row, err);
    if (rv == 0)
        rv = rows_set_deleted(n, o->table, o->row, true, err);
    return rv != 0 ? rv
                   : refresh(n, o->table, o->row, all_cols(o->table),
                             ROW_DELETED, NULL, err);
}

/* ---- taking writes back */

struct key {
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
    int64_t a;     /* the fact's author (names.k) */
    uint64_t bits; /* its columns whose head flag may change */
    int64_t at;    /* its entry's place in the log; 0: not held */
    uint8_t eid[HZ_HASH_LEN];
    bool sole; /* the row's sole fact, not in w */
};

struct keys {
    struct hz_node *n;
    struct key *v;
    size_t count, cap;
};

static struct key *key_add(struct keys *k, struct hz_err *err)
{
    struct key *v = hz_grow(k->v, &k->cap, k->count, sizeof *v);
    if (v == NULL) {
        hz_err_set(err, HZ_ENOMEM, "undo");
        return NULL;
    }
    k->v = v;
    memset(&v[k->count], 0, sizeof *v);
    return &v[k->count++];
}

/* A row (table name, row; then author and columns of a fact), or a named
 * write (table name, row, column name, entry id). */
static int add_key(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct keys *k = data;
    const struct table_def *t =
        schema_table_c(k->n->schema, (const char *)sqlite3_column_text(st, 0));
    uint8_t row[HZ_ROW_LEN];
    if (t == NULL || db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored fact");
    struct key *x = key_add(k, err);
    if (x == NULL)
        return HZ_ENOMEM;
    x->t = t;
    memcpy(x->row, row, HZ_ROW_LEN);
    if (sqlite3_column_count(st) < 4)
        return 0;
    if (sqlite3_column_type(st, 2) == SQLITE_INTEGER) {
        x->a = sqlite3_column_int64(st, 2);
        x->bits = (uint64_t)sqlite3_column_int64(st, 3);
        return 0;
    }
    int c = schema_col_c(t, (const char *)sqlite3_column_text(st, 2));
    if (c < 0 || db_column_fixed(st, 3, x->eid, HZ_HASH_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored write");
    x->bits = fields_col_mask(t, (size_t)c);
    return 0;
}

/* The facts whose head flags may change when the facts of @eid (at @at in
 * the log, @facts) go: the writes it names, and its author's latest
 * earlier write of each column it wrote (merge.md, rules 1 and 2). Every
 * other fact keeps what supersedes it. */
static int undo_candidates(struct hz_node *n, const uint8_t *eid, int64_t at,
                           const struct keys *facts, struct keys *out,
                           struct hz_err *err)
{
    int rv = db_each(&n->db, "SELECT tbl, row, col, old FROM sup WHERE by = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, out, err);
    for (size_t i = 0; rv == 0 && i < out->count; i++) {
        struct key *x = &out->v[i];
        bool found = false;
        rv = log_n_of(n, x->eid, &x->at, err);
        if (rv == 0 && x->at != 0)
            rv = db_int(&n->db,
                        "SELECT a FROM w WHERE " ROW_IS
                        " AND a = " AUTHOR_AT("?3") " AND n = ?3",
                        DB_ARGS(ROW_KEY(x->t, x->row), DB_INT(x->at)), &x->a,
                        &found, err);
        if (rv == 0 && !found)
            x->at = 0; /* not held, or not a write of that row */
    }
    for (size_t i = 0; rv == 0 && i < facts->count; i++) {
        const struct key *f = &facts->v[i];
        struct walk k;
        rv = walk_author(n, f->t, f->row, f->a, at, false, f->bits, &k, err);
        for (size_t h = 0; rv == 0 && h < k.count; h++) {
            struct key *x = key_add(out, err);
            if (x == NULL)
                return HZ_ENOMEM;
            *x = *f;
            x->bits = k.hit[h].bits;
            x->at = k.hit[h].n;
            rv = log_id_of(n, x->at, x->eid, err);
        }
    }
    return rv;
}

/* The head flags of one fact's columns @k->bits, from the facts as they
 * are; its row's values follow (refresh_row). */
static int recompute_heads(struct hz_node *n, const struct key *k,
                           struct hz_err *err)
{
    if (k->at == 0)
        return 0;
    uint64_t heads = 0;
    int rv = 0;
    for (size_t c = 0; rv == 0 && c < k->t->n_cols; c++) {
        uint64_t bit = fields_col_mask(k->t, c);
        if ((k->bits & bit) == 0)
            continue;
        int64_t named = 0;
        rv = db_int(&n->db,
                    "SELECT EXISTS (SELECT 1 FROM sup WHERE tbl = ?1 AND"
                    " row = ?2 AND col = ?3 AND old = ?4)",
                    DB_ARGS(ROW_KEY(k->t, k->row), DB_TEXT(k->t->cols[c].name),
                            DB_HASH(k->eid)),
                    &named, NULL, err);
        if (!named)
            heads |= bit;
    }
    struct walk later;
    if (rv == 0)
        rv =
            walk_author(n, k->t, k->row, k->a, k->at, true, heads, &later, err);
    if (rv == 0)
        heads &= later.left;
    return rv != 0 ? rv
                   : db_run(&n->db,
                            "UPDATE w SET heads = (heads & ~?3) | (?4 & wrote)"
                            " WHERE " ROW_IS " AND a = ?6 AND n = ?5",
                            DB_ARGS(ROW_KEY(k->t, k->row), DB_INT(k->bits),
                                    DB_INT(heads), DB_INT(k->at), DB_INT(k->a)),
                            err);
}

/* An entity row that no applied fact mentions any more disappears. */
static int refresh_row(struct hz_node *n, const struct key *k,
                       struct hz_err *err)
{
    bool writes, tombs;
    int rv = row_facts(n, k->t, k->row, &writes, &tombs, err);
    if (rv != 0)
        return rv;
    if (!writes && !tombs)
        return rows_delete(n, k->t, k->row, err);
    rv = rows_set_deleted(n, k->t, k->row, tombs, err);
    return rv != 0 ? rv
                   : refresh(n, k->t, k->row, all_cols(k->t),
                             tombs ? ROW_DELETED : ROW_LIVE, NULL, err);
}

/* The facts of the entry at @at by author @a: one for each row an op
 * of @b sets, when it holds one (a body has one op per row). */
static int entry_facts(struct hz_node *n, const struct body *b, int64_t at,
                       int64_t a, struct keys *facts, struct hz_err *err)
{
    int rv = 0;
    for (size_t i = 0; rv == 0 && b != NULL && i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        if (o->kind != OP_SET)
            continue;
        struct row_sole sole;
        int64_t wrote = 0;
        bool found = false;
        rv = sole_of(n, o->table, o->row, &sole, err);
        if (rv == 0 && sole.at == 0)
            rv = db_int(
                &n->db,
                "SELECT wrote FROM w WHERE " ROW_IS " AND a = ?3"
                " AND n = ?4",
                DB_ARGS(ROW_KEY(o->table, o->row), DB_INT(a), DB_INT(at)),
                &wrote, &found, err);
        else if (rv == 0 && sole.at == at) {
            wrote = (int64_t)sole.bits;
            found = true;
        }
        if (rv != 0 || !found)
            continue;
        struct key *x = key_add(facts, err);
        if (x == NULL)
            return HZ_ENOMEM;
        x->t = o->table;
        memcpy(x->row, o->row, HZ_ROW_LEN);
        x->a = a;
        x->bits = (uint64_t)wrote;
        x->sole = sole.at != 0;
    }
    return rv;
}

int fields_undo(struct hz_node *n, const uint8_t *eid, int64_t at, int64_t a,
                const struct body *b, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(at == 0 || b != NULL);
    struct keys facts = {.n = n}, tombs = {.n = n}, cands = {.n = n};
    int rv = entry_facts(n, b, at, a, &facts, err);
    if (rv == 0)
        rv = db_each(&n->db, "SELECT tbl, row FROM tomb WHERE eid = ?1",
                     DB_ARGS(DB_HASH(eid)), add_key, &tombs, err);
    if (rv == 0)
        rv = undo_candidates(n, eid, at, &facts, &cands, err);
    for (size_t i = 0; rv == 0 && i < facts.count; i++)
        rv =
            facts.v[i].sole
                ? rows_sole_clear(n, facts.v[i].t, facts.v[i].row, err)
                : db_run(&n->db,
                         "DELETE FROM w WHERE " ROW_IS " AND a = ?3 AND n = ?4",
                         DB_ARGS(ROW_KEY(facts.v[i].t, facts.v[i].row),
                                 DB_INT(a), DB_INT(at)),
                         err);
    static const char *const drop[] = {
        "DELETE FROM sup WHERE by = ?1",
        "DELETE FROM tomb WHERE eid = ?1",
        "DELETE FROM tomb_seen WHERE eid = ?1",
    };
    for (size_t i = 0; rv == 0 && i < sizeof drop / sizeof drop[0]; i++)
        rv = db_run(&n->db, drop[i], DB_ARGS(DB_HASH(eid)), err);
    for (size_t i = 0; rv == 0 && i < cands.count; i++)
        rv = recompute_heads(n, &cands.v[i], err);
    for (size_t i = 0; rv == 0 && i < facts.count; i++)
        rv = refresh_row(n, &facts.v[i], err);
    for (size_t i = 0; rv == 0 && i < tombs.count; i++)
        rv = refresh_row(n, &tombs.v[i], err);
    free(facts.v);
    free(tombs.v);
    free(cands.v);
    return rv;
}

/* ---- reading heads */

struct heads {
    int64_t *at;
    size_t max, count;
};

static int add_head(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct heads *h = data;
    if (h->count == h->max)
        return hz_err_set(err, HZ_ETOOBIG, "more than %zu heads", h->max);
    h->at[h->count++] = sqlite3_column_int64(st, 0);
    return 0;
}

static int hash_order(const void *a, const void *b)
{
    return memcmp(a, b, HZ_HASH_LEN);
}

int fields_heads(struct hz_node *n, const struct table_def *t,
                 const uint8_t *row, const char *col,
                 uint8_t (*out)[HZ_HASH_LEN], size_t max, size_t *count,
                 struct hz_err *err)
{
    *count = 0;
    uint64_t bits = all_cols(t);
    if (col != NULL) {
        int c = schema_col_c(t, col);
        HZ_ASSERT(c >= 0);
        bits = fields_col_mask(t, (size_t)c);
    }
    struct row_sole sole;
    int rv = sole_of(n, t, row, &sole, err);
    if (rv != 0 || sole.at != 0) {
        if (rv != 0 || (sole.bits & bits) == 0)
            return rv;
        if (max == 0)
            return hz_err_set(err, HZ_ETOOBIG, "more than %zu heads", max);
        rv = log_id_of(n, sole.at, out[0], err);
        *count = rv == 0 ? 1 : 0;
        return rv;
    }
    struct heads h = {calloc(max > 0 ? max : 1, sizeof(int64_t)), max, 0};
    if (h.at == NULL)
        return hz_err_set(err, HZ_ENOMEM, "heads");
    rv = db_each(&n->db,
                 "SELECT n FROM w INDEXED BY w_heads WHERE " ROW_IS
                 " AND heads <> 0 AND heads & ?3 <> 0",
                 DB_ARGS(ROW_KEY(t, row), DB_INT(bits)), add_head, &h, err);
    for (size_t i = 0; rv == 0 && i < h.count; i++)
        rv = log_id_of(n, h.at[i], out[i], err);
    free(h.at);
    if (rv != 0)
        return rv;
    qsort(out, h.count, HZ_HASH_LEN, hash_order);
    *count = h.count;
    return 0;
}

/* ---- upgrading (storage.md, "Upgrades") */

/* The rows of w_format5 of one fact (table, row, author, entry), into a
 * fact of this format. */
struct upgrade {
    struct hz_node *n;
    const struct table_def *t;
    uint8_t row[HZ_ROW_LEN];
    int64_t a, at, clock;
    uint64_t wrote, heads;
    uint8_t *val[64];
    size_t len[64];
    int64_t rows, facts;
};

static void upgrade_reset(struct upgrade *u)
{
    for (size_t i = 0; i < 64; i++) {
        free(u->val[i]);
        u->val[i] = NULL;
    }
    u->t = NULL;
    u->wrote = u->heads = 0;
}

static int upgrade_flush(struct upgrade *u, struct hz_err *err)
{
    if (u->t == NULL)
        return 0;
    struct hz_node *n = u->n;
    enc_reset(&n->scratch);
    enc_array(&n->scratch, (size_t)__builtin_popcountll(u->wrote));
    for (uint64_t m = u->wrote; m != 0; m &= m - 1) {
        size_t b = (size_t)__builtin_ctzll(m);
        enc_raw(&n->scratch, u->val[b], u->len[b]);
    }
    int rv = enc_done(&n->scratch);
    if (rv == 0)
        rv = db_run(
            &n->db,
            "INSERT INTO w(tbl, row, a, n, clock, wrote, heads, val)"
            " VALUES(" TBL_K ", ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            DB_ARGS(ROW_KEY(u->t, u->row), DB_INT(u->a), DB_INT(u->at),
                    DB_INT(u->clock), DB_INT(u->wrote), DB_INT(u->heads),
                    DB_BLOB(enc_data(&n->scratch), enc_len(&n->scratch))),
            err);
    u->facts++;
    upgrade_reset(u);
    return rv;
}

/* One field write (table name, row, column name, a, n, clock, val,
 * head), in the order of their facts. */
static int upgrade_write(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct upgrade *u = data;
    const struct table_def *t =
        schema_table_c(u->n->schema, (const char *)sqlite3_column_text(st, 0));
    int c = t != NULL
                ? schema_col_c(t, (const char *)sqlite3_column_text(st, 2))
                : -1;
    uint8_t row[HZ_ROW_LEN];
    if (c < 0 || db_column_fixed(st, 1, row, HZ_ROW_LEN, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored field write");
    int64_t a = sqlite3_column_int64(st, 3), at = sqlite3_column_int64(st, 4);
    int rv = 0;
    if (u->t != t || memcmp(u->row, row, HZ_ROW_LEN) != 0 || u->a != a ||
        u->at != at)
        rv = upgrade_flush(u, err);
    if (rv != 0)
        return rv;
    u->t = t;
    memcpy(u->row, row, HZ_ROW_LEN);
    u->a = a;
    u->at = at;
    u->clock = sqlite3_column_int64(st, 5);
    uint64_t bit = fields_col_mask(t, (size_t)c);
    size_t b = (size_t)__builtin_ctzll(bit);
    if ((u->wrote & bit) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "stored field write twice");
    u->wrote |= bit;
    if (sqlite3_column_int64(st, 7) != 0)
        u->heads |= bit;
    u->rows++;
    return db_column_dup(st, 6, &u->val[b], &u->len[b], err);
}

int fields_upgrade(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct upgrade u = {.n = n};
    int64_t before = 0;
    int rv = db_int(&n->db, "SELECT count(*) FROM w_format5", DB_NO_ARGS,
                    &before, NULL, err);
    if (rv == 0)
        rv = db_each(&n->db,
                     "SELECT t.name, w.row, c.name, w.a, w.n, w.clock, w.val,"
                     " w.head FROM w_format5 AS w JOIN names AS t"
                     " ON t.k = w.tbl JOIN names AS c ON c.k = w.col"
                     " ORDER BY w.tbl, w.row, w.a, w.n",
                     DB_NO_ARGS, upgrade_write, &u, err);
    if (rv == 0)
        rv = upgrade_flush(&u, err);
    upgrade_reset(&u);
    if (rv == 0 && u.rows != before)
        rv = hz_err_set(err, HZ_ECORRUPT,
                        "%lld field writes, %lld of known"
                        " fields",
                        (long long)before, (long long)u.rows);
    if (rv == 0)
        rv = db_exec(&n->db, "DROP TABLE w_format5", err);
    return rv;
}

int fields_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    return db_exec(&n->db,
                   "DELETE FROM w; DELETE FROM sup; DELETE FROM tomb;"
                   " DELETE FROM tomb_seen;",
                   err);
}
