/* search.c - the owner of "sx", the search index of persons and
 * households (proto/storage.md, table sx; proto/api.md, search), and of
 * hz_node_search. The index is this node's own and derived: rows.c keeps
 * it up to date as the materialized rows change, it is rebuilt from them
 * when a database is upgraded, and it is never part of the state hash.
 *
 * A trigram index cannot find a two-character name such as 李四 (nor a
 * surname alone), and most Chinese names have two or three characters.
 * So each name is indexed by every pair of adjacent characters, the
 * first pair marked (or the character of a one-character name): a query
 * of two or more characters looks up its first pair, marked or not, and
 * checks the whole query against the name; a surname alone is a prefix
 * range of the marked keys (format 16: until then the first character
 * was a key of its own, one more per name).
 * Numbers are indexed reversed (phones, ID numbers with X upper-cased),
 * so the last digits a person reads off a card are a prefix range of the
 * index. Villages are indexed like names. A name is also indexed by its
 * pinyin and by the initials of it (core/pinyin.h: 张三 as "zhangsan" and
 * "zs", one spelling per reading of the surname), so letters typed on a
 * phone without Chinese input find it as a prefix range.
 *
 *   key = table letter ("p" persons, "h" households) + kind + ":" + text
 *   kinds: "n" name grams, "v" village grams, "d" a number reversed,
 *          "y" a pinyin spelling or its initials; the first gram of a
 *          name or village has "^" for ":" */
#include "state.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../../core/pinyin.h"
#include "render.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 96

/* What is indexed of a table: its name column, its number columns, its
 * village column (NULL when it has none). */
struct indexed {
    const char *table, *letter, *name, *phone, *id_number, *village;
    /* its rows (n, name, phone, id_number|NULL, village|NULL): all, and
     * one by id */
    const char *rows_all, *rows_one;
};

#define ROWS_SELECT(cols, table) "SELECT n, " cols " FROM \"e_" table "\""
#define PERSONS_ROWS                                                           \
    ROWS_SELECT("\"name\", \"phone\", \"id_number\", NULL", "persons")
#define HOUSEHOLDS_ROWS                                                        \
    ROWS_SELECT("\"head_name\", \"phone\", NULL, \"village\"", "households")

static const struct indexed tables[] = {
    {"persons", "p", "name", "phone", "id_number", NULL, PERSONS_ROWS,
     PERSONS_ROWS " WHERE id = ?1"},
    {"households", "h", "head_name", "phone", NULL, "village", HOUSEHOLDS_ROWS,
     HOUSEHOLDS_ROWS " WHERE id = ?1"},
};

static const struct indexed *indexed_of(const struct table_def *t)
{
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (strcmp(t->name, tables[i].table) == 0)
            return &tables[i];
    }
    return NULL;
}

bool search_indexes(const struct table_def *t, const struct col_def *c)
{
    const struct indexed *x = indexed_of(t);
    if (x == NULL)
        return false;
    if (c == NULL)
        return true;
    const char *cols[] = {x->name, x->phone, x->id_number, x->village};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        if (cols[i] != NULL && strcmp(cols[i], c->name) == 0)
            return true;
    }
    return false;
}

/* The length in bytes of the UTF-8 character at @p (1 for a stray byte,
 * so a damaged text still splits). */
static size_t char_len(const unsigned char *p)
{
    size_t n = *p < 0x80             ? 1
               : (*p & 0xe0) == 0xc0 ? 2
               : (*p & 0xf0) == 0xe0 ? 3
               : (*p & 0xf8) == 0xf0 ? 4
                                     : 1;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 1;
    }
    return n;
}

/* Keys are added, or taken away (the row's keys of its values before a
 * change: the index needs no second index by row). */
/* search_verify's collection of the keys the rows ought to have. */
struct want_key {
    char *k;
    int64_t r;    /* the row's number, e_<table>.n */
    uint32_t tag; /* the owed row keyed from its insert, or 0 */
};
/* The keys' text, in blocks that never move (a key's pointer stays
 * good while more are added): one allocation a block, not a key. */
#define TEXT_BLOCK 65536
struct text_block {
    struct text_block *next;
    size_t used;
    char text[TEXT_BLOCK];
};
struct want {
    struct want_key *v;
    size_t n, cap;
    struct text_block *text;
};

static char *want_text(struct want *w, const char *key, size_t len)
{
    if (w->text == NULL || TEXT_BLOCK - w->text->used < len + 1) {
        struct text_block *b = malloc(sizeof *b);
        if (b == NULL)
            return NULL;
        b->next = w->text;
        b->used = 0;
        w->text = b;
    }
    char *at = w->text->text + w->text->used;
    memcpy(at, key, len + 1);
    w->text->used += len + 1;
    return at;
}
/* What is done with a key: added, taken away, or collected (@collect). */
#define BATCH_KEYS 24 /* one statement adds a row's keys, up to this many */
struct keyer {
    bool add;
    struct want *collect;
    uint32_t tag; /* of the keys collected */
    /* keys to add, all of one row, not yet written */
    size_t n;
    int64_t row;
    char key[BATCH_KEYS][KEY_MAX];
};

/* Write the keys to add in one INSERT of as many rows (one statement for
 * a row's dozen keys, not a dozen: the per-statement cost was half of
 * each key's). */
static int flush_keys(struct hz_node *n, struct keyer *kr, struct hz_err *err)
{
    if (kr->n == 0)
        return 0;
    char sql[64 + BATCH_KEYS * 8];
    int len =
        snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO sx(k, r) VALUES");
    for (size_t i = 0; i < kr->n; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s(?, ?)",
                        i ? "," : "");
    HZ_ASSERT((size_t)len < sizeof sql);
    sqlite3_stmt *st;
    int rv = db_prep(&n->db, sql, &st, err);
    for (size_t i = 0; rv == 0 && i < kr->n; i++) {
        sqlite3_bind_text(st, (int)(2 * i + 1), kr->key[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, (int)(2 * i + 2), kr->row);
    }
    if (rv == 0)
        rv = db_step_done(&n->db, st, err);
    kr->n = 0;
    return rv;
}

static int put_key(struct hz_node *n, int64_t row, const char *key,
                   struct keyer *kr, struct hz_err *err)
{
    size_t len = strlen(key);
    HZ_ASSERT(len < KEY_MAX);
    if (kr->collect != NULL) {
        struct want *w = kr->collect;
        if (w->n == w->cap) {
            size_t cap = w->cap ? 2 * w->cap : 256;
            struct want_key *v = realloc(w->v, cap * sizeof *v);
            if (v == NULL)
                return hz_err_set(err, HZ_ENOMEM, "search verify");
            w->v = v;
            w->cap = cap;
        }
        w->v[w->n].k = want_text(w, key, len);
        if (w->v[w->n].k == NULL)
            return hz_err_set(err, HZ_ENOMEM, "search verify");
        w->v[w->n].r = row;
        w->v[w->n].tag = kr->tag;
        w->n++;
        return 0;
    }
    if (!kr->add)
        return db_run(&n->db, "DELETE FROM sx WHERE k = ?1 AND r = ?2",
                      DB_ARGS(DB_TEXT(key), DB_INT(row)), err);
    int rv = 0;
    if (kr->n == BATCH_KEYS || (kr->n > 0 && kr->row != row))
        rv = flush_keys(n, kr, err);
    kr->row = row;
    memcpy(kr->key[kr->n++], key, len + 1);
    return rv;
}

/* One gram: @a then @b (the second character of a pair, or none) after
 * @prefix, whose ":" is "^" for a text's first gram. */
static int put_gram(struct hz_node *n, int64_t row, const char *prefix,
                    bool first, const unsigned char *a, size_t a_len,
                    const unsigned char *b, size_t b_len, struct keyer *kr,
                    struct hz_err *err)
{
    size_t pl = strlen(prefix);
    HZ_ASSERT(pl > 0 && prefix[pl - 1] == ':');
    if (pl + a_len + b_len >= KEY_MAX)
        return 0;
    char key[KEY_MAX];
    memcpy(key, prefix, pl);
    key[pl - 1] = first ? '^' : ':';
    memcpy(key + pl, a, a_len);
    if (b_len > 0)
        memcpy(key + pl + a_len, b, b_len);
    key[pl + a_len + b_len] = '\0';
    return put_key(n, row, key, kr, err);
}

/* The grams of @text, spaces left out: each pair of adjacent characters,
 * the first marked, or the one character of a text that has one. */
static int put_grams(struct hz_node *n, int64_t row, const char *prefix,
                     const char *text, struct keyer *kr, struct hz_err *err)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *prev = NULL;
    size_t prev_len = 0;
    int rv = 0;
    bool first = true;
    while (rv == 0 && *p != '\0') {
        size_t len = char_len(p);
        if (*p != ' ') {
            if (prev != NULL) {
                rv = put_gram(n, row, prefix, first, prev, prev_len, p, len, kr,
                              err);
                first = false;
            }
            prev = p;
            prev_len = len;
        }
        p += len;
    }
    if (rv == 0 && first && prev != NULL)
        rv = put_gram(n, row, prefix, true, prev, prev_len, NULL, 0, kr, err);
    return rv;
}

/* @text reversed into @out after @prefix, X upper-cased; false when it is
 * not a number (digits, an X last) or too long. */
static bool reversed_number(const char *prefix, const char *text, char *out,
                            size_t cap)
{
    size_t len = strlen(text), pl = strlen(prefix);
    if (len == 0 || pl + len + 1 > cap)
        return false;
    memcpy(out, prefix, pl);
    for (size_t i = 0; i < len; i++) {
        char ch = text[len - 1 - i];
        if (ch == 'x')
            ch = 'X';
        if (!((ch >= '0' && ch <= '9') || (ch == 'X' && i == 0)))
            return false;
        out[pl + i] = ch;
    }
    out[pl + len] = '\0';
    return true;
}

bool search_number_key(const char *text, char *out, size_t cap)
{
    return reversed_number("pd:", text, out, cap);
}

static int put_number(struct hz_node *n, int64_t row, const char *prefix,
                      const char *text, struct keyer *kr, struct hz_err *err)
{
    char key[KEY_MAX];
    return reversed_number(prefix, text, key, sizeof key)
               ? put_key(n, row, key, kr, err)
               : 0;
}

/* The pinyin spellings of @name and their initials. */
static int put_pinyin(struct hz_node *n, int64_t row, const char *prefix,
                      const char *name, struct keyer *kr, struct hz_err *err)
{
    char full[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
    char initials[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
    size_t count = pinyin_spell(name, full, initials);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < count; i++) {
        char key[KEY_MAX];
        /* (the precision: a spelling fits; gcc cannot tell for a row) */
        snprintf(key, sizeof key, "%s%.*s", prefix, PINYIN_SPELLING_MAX,
                 full[i]);
        rv = put_key(n, row, key, kr, err);
        snprintf(key, sizeof key, "%s%.*s", prefix, PINYIN_SPELLING_MAX,
                 initials[i]);
        if (rv == 0 && strcmp(full[i], initials[i]) != 0)
            rv = put_key(n, row, key, kr, err);
    }
    return rv;
}

struct keying {
    struct hz_node *n;
    const struct indexed *x;
    struct keyer *kr;
};

/* The keys of row number @row whose name, phone, id_number and village
 * are @texts (each NULL when empty or not a column of the table). */
static int key_texts(const struct keying *k, int64_t row,
                     const char *const *texts, struct hz_err *err)
{
    char prefix[] = {k->x->letter[0], 'n', ':', '\0'};
    int rv = 0;
    if (texts[0] != NULL)
        rv = put_grams(k->n, row, prefix, texts[0], k->kr, err);
    prefix[1] = 'y';
    if (rv == 0 && texts[0] != NULL)
        rv = put_pinyin(k->n, row, prefix, texts[0], k->kr, err);
    prefix[1] = 'd';
    for (int i = 1; rv == 0 && i < 3; i++) {
        if (texts[i] != NULL)
            rv = put_number(k->n, row, prefix, texts[i], k->kr, err);
    }
    prefix[1] = 'v';
    if (rv == 0 && texts[3] != NULL)
        rv = put_grams(k->n, row, prefix, texts[3], k->kr, err);
    return rv;
}

/* One materialized row (n, name, phone, id_number|NULL, village|NULL):
 * its keys. */
static int key_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    const struct keying *k = data;
    if (sqlite3_column_type(st, 0) != SQLITE_INTEGER)
        return hz_err_set(err, HZ_ECORRUPT, "row number");
    const char *texts[4];
    for (int i = 0; i < 4; i++)
        texts[i] = (const char *)sqlite3_column_text(st, i + 1);
    return key_texts(k, sqlite3_column_int64(st, 0), texts, err);
}

/* Add (or take away) the keys of the rows of @x (all of them, or only
 * @row) as their values are now. */
static int key_rows(struct hz_node *n, const struct indexed *x,
                    const uint8_t *row, struct keyer *kr, struct hz_err *err)
{
    struct keying k = {n, x, kr};
    int rv = row != NULL
                 ? db_each(&n->db, x->rows_one, DB_ARGS(DB_ROW(row)), key_row,
                           &k, err)
                 : db_each(&n->db, x->rows_all, DB_NO_ARGS, key_row, &k, err);
    if (rv == 0 && kr->add && kr->collect == NULL)
        rv = flush_keys(n, kr, err);
    kr->n = 0;
    return rv;
}

/* ---- keys owed: the rows written in a transaction are keyed together
 * at its end, their keys sorted, so each page of the index is visited
 * once for all of them rather than once a key in random order (measured
 * on the import of 200,000 operations: the index was 40 % of its time
 * key by key; BENCHMARKS.md, "Search keys at commit").
 *
 * A hash set of (table, row), open addressing; its hash is SipHash with
 * a key of the handle's own, so rows chosen by a stranger cannot pile
 * into one chain. At most HZ_SEARCH_OWED_MAX rows (half the slots) are
 * owed: then they are written and the set starts again. */
#define OWED_SLOTS (2u * HZ_SEARCH_OWED_MAX)
#define INSERT_PAIRS 32 /* (k, r) pairs a statement inserts */

struct owed_row {
    uint8_t row[HZ_ROW_LEN];
    uint8_t table; /* 1 + its index in tables[]; 0: an empty slot */
    bool keyed;    /* its keys are in keyed, from the values it was
                      inserted with; else read back at the commit */
    uint32_t tag;  /* its keys' tag, when it was keyed */
};

/* A row inserted whole (rows_insert_entity: most rows of an import) is
 * keyed from the values it was inserted with, not read back at the
 * commit; if it changes again in the transaction its keys are dropped
 * (by their tag, in stale: not by row number, which a row inserted after
 * a deleted one may take again) and it is read back like any other. */
struct search_owed {
    uint8_t key[crypto_shorthash_KEYBYTES];
    size_t n;
    struct want keyed;
    uint32_t tags; /* the last tag given */
    uint32_t *stale;
    size_t n_stale, cap_stale;
    struct owed_row v[OWED_SLOTS];
};

static struct owed_row *owed_slot(struct search_owed *o, uint8_t table,
                                  const uint8_t *row)
{
    uint8_t in[1 + HZ_ROW_LEN], h[crypto_shorthash_BYTES];
    in[0] = table;
    memcpy(in + 1, row, HZ_ROW_LEN);
    crypto_shorthash(h, in, sizeof in, o->key);
    uint64_t i = 0;
    memcpy(&i, h, sizeof i);
    for (;; i++) { /* at most half the slots are taken: it ends */
        struct owed_row *s = &o->v[i & (OWED_SLOTS - 1)];
        if (s->table == 0 ||
            (s->table == table && memcmp(s->row, row, HZ_ROW_LEN) == 0))
            return s;
    }
}

static uint8_t table_number(const struct indexed *x)
{
    return (uint8_t)(x - tables + 1);
}

/* The row's slot when its keys are owed, else NULL. */
static struct owed_row *owed(struct hz_node *n, const struct indexed *x,
                             const uint8_t *row)
{
    if (n->sx_owed == NULL || n->sx_owed->n == 0)
        return NULL;
    struct owed_row *s = owed_slot(n->sx_owed, table_number(x), row);
    return s->table != 0 ? s : NULL;
}

static int cmp_owed(const void *a, const void *b)
{
    const struct owed_row *x = a, *y = b;
    return x->table != y->table ? x->table - y->table
                                : memcmp(x->row, y->row, HZ_ROW_LEN);
}

static int cmp_want(const void *a, const void *b);

/* ---- keys in order: by text, then row (cmp_want's order). Many keys
 * share their first bytes (a table letter, a kind, a common surname or
 * pinyin), so a multikey quicksort (Bentley and Sedgewick) looks at each
 * byte about once where qsort's comparisons start again from the first:
 * qsort was 5 % of an import's own work. */

static int cmp_row(const void *a, const void *b)
{
    const struct want_key *x = a, *y = b;
    return (x->r > y->r) - (x->r < y->r);
}

static unsigned char byte_at(const struct want_key *x, size_t d)
{
    return (unsigned char)x->k[d];
}

static void swap_keys(struct want_key *a, struct want_key *b)
{
    struct want_key t = *a;
    *a = *b;
    *b = t;
}

static unsigned char median3(unsigned char a, unsigned char b, unsigned char c)
{
    if (a > b) {
        unsigned char t = a;
        a = b;
        b = t;
    }
    return c <= a ? a : c >= b ? b : c;
}

/* @v[0..n) share their first @d bytes: by the rest of the text, then row.
 * The recursion goes a byte deeper (keys are shorter than KEY_MAX) or
 * into the smaller side of a partition, so it is shallow. */
static void sort_keys_from(struct want_key *v, size_t n, size_t d)
{
    while (n > 12) {
        unsigned char p = median3(byte_at(&v[0], d), byte_at(&v[n / 2], d),
                                  byte_at(&v[n - 1], d));
        size_t lt = 0, i = 0, gt = n;
        while (i < gt) {
            unsigned char x = byte_at(&v[i], d);
            if (x < p)
                swap_keys(&v[lt++], &v[i++]);
            else if (x > p)
                swap_keys(&v[i], &v[--gt]);
            else
                i++;
        }
        /* [lt, gt) have byte p at @d: equal texts when it ends them */
        if (p == 0)
            qsort(v + lt, gt - lt, sizeof *v, cmp_row);
        else
            sort_keys_from(v + lt, gt - lt, d + 1); /* deeper by a byte */
        /* the smaller side by recursion, the larger by the loop */
        if (lt < n - gt) {
            sort_keys_from(v, lt, d);
            v += gt;
            n -= gt;
        } else {
            sort_keys_from(v + gt, n - gt, d);
            n = lt;
        }
    }
    for (size_t i = 1; i < n; i++) { /* a few: insertion */
        for (size_t j = i; j > 0; j--) {
            int c = strcmp(v[j - 1].k + d, v[j].k + d);
            if (c < 0 || (c == 0 && v[j - 1].r <= v[j].r))
                break;
            swap_keys(&v[j - 1], &v[j]);
        }
    }
}

static void sort_keys(struct want *w)
{
    sort_keys_from(w->v, w->n, 0);
#ifdef HZ_DEBUG_CHECKS
    for (size_t i = 1; i < w->n; i++)
        HZ_ASSERT(cmp_want(&w->v[i - 1], &w->v[i]) <= 0);
#endif
}

static int cmp_tag(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* The row's keys from its insert are no longer its keys. */
static int unkey(struct search_owed *o, struct owed_row *s, struct hz_err *err)
{
    if (!s->keyed)
        return 0;
    if (o->n_stale == o->cap_stale) {
        size_t cap = o->cap_stale ? 2 * o->cap_stale : 64;
        uint32_t *v = realloc(o->stale, cap * sizeof *v);
        if (v == NULL)
            return hz_err_set(err, HZ_ENOMEM, "search keys");
        o->stale = v;
        o->cap_stale = cap;
    }
    o->stale[o->n_stale++] = s->tag;
    s->keyed = false;
    return 0;
}

/* Drop from @w the keys tagged in @stale (sorted). */
static void drop_stale(struct want *w, const uint32_t *stale, size_t n_stale)
{
    size_t to = 0;
    for (size_t i = 0; i < w->n; i++)
        if (bsearch(&w->v[i].tag, stale, n_stale, sizeof *stale, cmp_tag) ==
            NULL)
            w->v[to++] = w->v[i];
    w->n = to;
}

/* Insert @w's keys (sorted, duplicates next to each other). */
static int insert_keys(struct hz_node *n, const struct want *w,
                       struct hz_err *err)
{
    char sql[64 + INSERT_PAIRS * 8];
    int len =
        snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO sx(k, r) VALUES");
    for (size_t i = 0; i < INSERT_PAIRS; i++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, "%s(?, ?)",
                        i ? "," : "");
    HZ_ASSERT((size_t)len < sizeof sql);
    int rv = 0;
    size_t i = 0;
    while (rv == 0 && i < w->n) {
        /* A full statement's worth of distinct keys, or one. */
        size_t take = 0, j = i;
        const struct want_key *pick[INSERT_PAIRS];
        for (; j < w->n && take < INSERT_PAIRS; j++)
            if (j == i || cmp_want(&w->v[j - 1], &w->v[j]) != 0)
                pick[take++] = &w->v[j];
        sqlite3_stmt *st;
        if (take == INSERT_PAIRS) {
            rv = db_prep(&n->db, sql, &st, err);
        } else {
            take = 1;
            j = i + 1;
            while (j < w->n && cmp_want(&w->v[j - 1], &w->v[j]) == 0)
                j++;
            rv = db_prep(&n->db, "INSERT OR IGNORE INTO sx(k, r) VALUES(?, ?)",
                         &st, err);
        }
        for (size_t k = 0; rv == 0 && k < take; k++) {
            sqlite3_bind_text(st, (int)(2 * k + 1), pick[k]->k, -1,
                              SQLITE_STATIC);
            sqlite3_bind_int64(st, (int)(2 * k + 2), pick[k]->r);
        }
        if (rv == 0)
            rv = db_step_done(&n->db, st, err);
        i = j;
    }
    return rv;
}

static void want_free(struct want *w)
{
    while (w->text != NULL) {
        struct text_block *b = w->text;
        w->text = b->next;
        free(b);
    }
    free(w->v);
    memset(w, 0, sizeof *w);
}

int search_settle(struct hz_node *n, struct hz_err *err)
{
    struct search_owed *o = n->sx_owed;
    if (o == NULL || o->n == 0)
        return 0;
    HZ_ASSERT(db_in_txn(&n->db));
    /* The rows in key order (their reads go through the table in order),
     * their keys gathered, sorted and inserted in order. */
    struct owed_row *rows = malloc(o->n * sizeof *rows);
    if (rows == NULL)
        return hz_err_set(err, HZ_ENOMEM, "search keys");
    size_t k = 0;
    for (size_t i = 0; i < OWED_SLOTS; i++)
        if (o->v[i].table != 0 && !o->v[i].keyed)
            rows[k++] = o->v[i];
    if (k > 0)
        qsort(rows, k, sizeof *rows, cmp_owed);
    struct want *w = &o->keyed;
    if (o->n_stale > 0) {
        qsort(o->stale, o->n_stale, sizeof *o->stale, cmp_tag);
        drop_stale(w, o->stale, o->n_stale);
    }
    struct keyer collect = {.add = true, .collect = w};
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < k; i++)
        rv =
            key_rows(n, &tables[rows[i].table - 1], rows[i].row, &collect, err);
    free(rows);
    if (rv == 0 && w->n > 0) {
        sort_keys(w);
        rv = insert_keys(n, w, err);
    }
    search_abandon(n);
    return rv;
}

void search_abandon(struct hz_node *n)
{
    struct search_owed *o = n->sx_owed;
    if (o != NULL && o->n > 0) {
        memset(o->v, 0, sizeof o->v);
        o->n = 0;
    }
    if (o != NULL) {
        want_free(&o->keyed);
        o->n_stale = 0;
        o->tags = 0;
    }
}

void search_close(struct hz_node *n)
{
    if (n->sx_owed != NULL) {
        want_free(&n->sx_owed->keyed);
        free(n->sx_owed->stale);
    }
    free(n->sx_owed);
    n->sx_owed = NULL;
}

/* @row's slot in the rows owed (a new one: table 0), or NULL. */
static struct owed_row *owe(struct hz_node *n, const struct indexed *x,
                            const uint8_t *row, struct hz_err *err)
{
    if (n->sx_owed == NULL) {
        n->sx_owed = calloc(1, sizeof *n->sx_owed);
        if (n->sx_owed == NULL) {
            hz_err_set(err, HZ_ENOMEM, "search keys");
            return NULL;
        }
        env_random(n, n->sx_owed->key, sizeof n->sx_owed->key);
    }
    return owed_slot(n->sx_owed, table_number(x), row);
}

/* Count a newly owed row; at HZ_SEARCH_OWED_MAX, write them all. */
static int owe_more(struct hz_node *n, struct hz_err *err)
{
    return ++n->sx_owed->n < HZ_SEARCH_OWED_MAX ? 0 : search_settle(n, err);
}

/* @v as a C string in @buf (HZ_TEXT_LEN_MAX + 1 bytes), or NULL. */
static const char *value_text(const struct value *v, char *buf)
{
    if (v->type != VALUE_STR || v->s.len > HZ_TEXT_LEN_MAX)
        return NULL;
    memcpy(buf, v->s.p, v->s.len);
    buf[v->s.len] = '\0';
    return buf;
}

int search_add_inserted(struct hz_node *n, const struct table_def *t,
                        const uint8_t *row, int64_t number,
                        const struct value *vals, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    const struct indexed *x = indexed_of(t);
    if (x == NULL)
        return 0;
    struct owed_row *s = owe(n, x, row, err);
    if (s == NULL)
        return HZ_ENOMEM;
    /* owed already (changed, or gone and back): read back at the commit */
    if (s->table != 0)
        return unkey(n->sx_owed, s, err);
    if (vals == NULL) {
        s->table = table_number(x);
        memcpy(s->row, row, HZ_ROW_LEN);
        return owe_more(n, err);
    }
    const char *cols[4] = {x->name, x->phone, x->id_number, x->village};
    const char *texts[4] = {0};
    static _Thread_local char buf[4][HZ_TEXT_LEN_MAX + 1];
    for (size_t i = 0; i < 4; i++) {
        int c = cols[i] != NULL ? schema_col_c(t, cols[i]) : -1;
        if (c >= 0)
            texts[i] = value_text(&vals[c], buf[i]);
    }
    struct search_owed *o = n->sx_owed;
    struct keyer collect = {
        .add = true, .collect = &o->keyed, .tag = ++o->tags};
    struct keying k = {n, x, &collect};
    int rv = key_texts(&k, number, texts, err);
    if (rv != 0)
        return rv;
    s->table = table_number(x);
    memcpy(s->row, row, HZ_ROW_LEN);
    s->keyed = true;
    s->tag = collect.tag;
    return owe_more(n, err);
}

int search_add(struct hz_node *n, const struct table_def *t, const uint8_t *row,
               struct hz_err *err)
{
    return search_add_inserted(n, t, row, 0, NULL, err);
}

int search_forget(struct hz_node *n, const struct table_def *t,
                  const uint8_t *row, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    const struct indexed *x = indexed_of(t);
    if (x == NULL)
        return 0;
    /* Keys still owed are not in the index yet: they will be the row's
     * values at the commit's (those from its insert are dropped). */
    struct owed_row *s = owed(n, x, row);
    if (s != NULL)
        return unkey(n->sx_owed, s, err);
    struct keyer drop = {.add = false};
    return key_rows(n, x, row, &drop, err);
}

int search_clear(struct hz_node *n, struct hz_err *err)
{
    search_abandon(n);
    return db_exec(&n->db, "DELETE FROM sx", err);
}

int search_rebuild(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct keyer add = {.add = true};
    int rv = search_clear(n, err);
    for (size_t i = 0; rv == 0 && i < sizeof tables / sizeof tables[0]; i++)
        rv = key_rows(n, &tables[i], NULL, &add, err);
    return rv;
}

/* ---- checking the index against the rows (hz_node_log_verify) */

static int cmp_want(const void *a, const void *b)
{
    const struct want_key *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c != 0 ? c : (x->r > y->r) - (x->r < y->r);
}

struct walk {
    struct want *w;
    size_t i;
};

static int check_key(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct walk *k = data;
    const char *key = (const char *)sqlite3_column_text(st, 0);
    if (key == NULL || sqlite3_column_type(st, 1) != SQLITE_INTEGER)
        return hz_err_set(err, HZ_ECORRUPT, "search index: a damaged key");
    int64_t r = sqlite3_column_int64(st, 1);
    /* the rows' keys, deduplicated as INSERT OR IGNORE does */
    while (k->i + 1 < k->w->n &&
           cmp_want(&k->w->v[k->i], &k->w->v[k->i + 1]) == 0)
        k->i++;
    if (k->i >= k->w->n || strcmp(k->w->v[k->i].k, key) != 0 ||
        k->w->v[k->i].r != r)
        return hz_err_set(err, HZ_ECORRUPT,
                          "search index: a key the rows do not give");
    k->i++;
    return 0;
}

int search_verify(struct hz_node *n, struct hz_err *err)
{
    struct want w = {0};
    struct keyer collect = {.add = true, .collect = &w};
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < sizeof tables / sizeof tables[0]; i++)
        rv = key_rows(n, &tables[i], NULL, &collect, err);
    if (rv == 0) {
        sort_keys(&w);
        struct walk k = {&w, 0};
        rv = db_each(&n->db, "SELECT k, r FROM sx ORDER BY k, r", DB_NO_ARGS,
                     check_key, &k, err);
        while (rv == 0 && k.i < w.n && k.i > 0 &&
               cmp_want(&w.v[k.i - 1], &w.v[k.i]) == 0)
            k.i++;
        if (rv == 0 && k.i != w.n)
            rv = hz_err_set(err, HZ_ECORRUPT,
                            "search index: a key the rows give is missing");
    }
    want_free(&w);
    return rv;
}

/* ---- hz_node_search */

/* @q as a pinyin query in @out (lower case), when it is 2 or more ASCII
 * letters and nothing else. */
static bool pinyin_like(const char *q, char *out, size_t cap)
{
    size_t len = strlen(q);
    if (len < 2 || len >= cap)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = q[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c < 'a' || c > 'z')
            return false;
        out[i] = c;
    }
    out[len] = '\0';
    return true;
}

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

/* The keys a name query looks up (@letter and @kind: "pn", "hv"): its
 * first pair (or its one character) @later among the later pairs ("-"
 * for one character, which is only ever a first), and as a prefix range
 * [@lo, @hi) of the marked first grams: the pair itself, or every first
 * pair that starts with the one character (a surname). */
struct name_keys {
    char later[KEY_MAX], lo[KEY_MAX], hi[KEY_MAX];
};

static void name_keys(const char *letter_kind, const char *q,
                      struct name_keys *k)
{
    const unsigned char *p = (const unsigned char *)q;
    while (*p == ' ')
        p++;
    size_t a = *p != '\0' ? char_len(p) : 0;
    size_t b = a > 0 && p[a] != '\0' && p[a] != ' ' ? char_len(p + a) : 0;
    if (a == 0) { /* only spaces: no gram */
        *k = (struct name_keys){"-", "-", "-"};
        return;
    }
    if (b > 0)
        snprintf(k->later, sizeof k->later, "%s:%.*s", letter_kind,
                 (int)(a + b), (const char *)p);
    else
        snprintf(k->later, sizeof k->later, "-");
    snprintf(k->lo, sizeof k->lo, "%s^%.*s", letter_kind, (int)(a + b),
             (const char *)p);
    memcpy(k->hi, k->lo, sizeof k->hi);
    /* the last byte of a UTF-8 text is never 0xff */
    k->hi[strlen(k->hi) - 1]++;
}

static int search_table(struct hz_node *n, const struct indexed *x,
                        const char *q, size_t limit, json_t *out,
                        struct hz_err *err)
{
    const struct table_def *t = schema_table_c(n->schema, x->table);
    if (t == NULL)
        return hz_err_set(err, HZ_ESCHEMA, "no table %s", x->table);
    char lo[KEY_MAX], hi[KEY_MAX], pre[8];
    char py[KEY_MAX], py_lo[KEY_MAX], py_hi[KEY_MAX];
    struct name_keys name_k, vill_k;
    snprintf(pre, sizeof pre, "%sn", x->letter);
    name_keys(pre, q, &name_k);
    snprintf(pre, sizeof pre, "%sv", x->letter);
    name_keys(pre, q, &vill_k);
    if (x->village == NULL)
        vill_k = (struct name_keys){"-", "-", "-"};
    snprintf(pre, sizeof pre, "%sd:", x->letter);
    /* The last 4 or more digits: a prefix range of the reversed keys. */
    bool number = number_like(q) && strlen(q) >= 4 &&
                  reversed_number(pre, q, lo, sizeof lo);
    if (number) {
        memcpy(hi, lo, sizeof hi);
        hi[strlen(hi) - 1]++;
    } else {
        snprintf(lo, sizeof lo, "-");
        snprintf(hi, sizeof hi, "-");
    }
    /* Letters: a prefix range of the pinyin spellings and initials. */
    if (pinyin_like(q, py, sizeof py - 8)) {
        snprintf(py_lo, sizeof py_lo, "%.1sy:%.80s", x->letter, py);
        memcpy(py_hi, py_lo, sizeof py_hi);
        py_hi[strlen(py_hi) - 1]++;
    } else {
        snprintf(py_lo, sizeof py_lo, "-");
        snprintf(py_hi, sizeof py_hi, "-");
    }
    char sql[2048];
    query_select_sql(t, sql, 1024);
    size_t at = strlen(sql);
    at += (size_t)snprintf(
        sql + at, sizeof sql - at,
        " WHERE deleted = 0 AND (n IN (SELECT r FROM sx WHERE k >= ?7 AND"
        " k < ?8) OR n IN (SELECT r FROM sx WHERE k = ?2 OR k = ?3 OR"
        " (k >= ?4 AND k < ?5) OR (k >= ?9 AND k < ?10) OR (k >= ?11 AND"
        " k < ?12)) AND (instr(\"%s\", ?1) > 0",
        x->name);
    if (x->village != NULL)
        at += (size_t)snprintf(sql + at, sizeof sql - at,
                               " OR instr(\"%s\", ?1) > 0", x->village);
    if (number) {
        at +=
            (size_t)snprintf(sql + at, sizeof sql - at,
                             " OR substr(\"%s\", -length(?1)) = ?1", x->phone);
        if (x->id_number != NULL)
            at += (size_t)snprintf(sql + at, sizeof sql - at,
                                   " OR substr(upper(\"%s\"), -length(?1)) ="
                                   " upper(?1)",
                                   x->id_number);
    }
    snprintf(sql + at, sizeof sql - at,
             ")) ORDER BY CASE WHEN \"%s\" = ?1 THEN 0 WHEN substr(\"%s\", 1,"
             " length(?1)) = ?1 THEN 1 ELSE 2 END, \"%s\", id LIMIT ?6",
             x->name, x->name, x->name);
    sqlite3_stmt *st;
    int rv = db_query(
        &n->db, sql,
        DB_ARGS(DB_TEXT(q), DB_TEXT(name_k.later), DB_TEXT(vill_k.later),
                DB_TEXT(lo), DB_TEXT(hi), DB_INT((int64_t)limit),
                DB_TEXT(py_lo), DB_TEXT(py_hi), DB_TEXT(name_k.lo),
                DB_TEXT(name_k.hi), DB_TEXT(vill_k.lo), DB_TEXT(vill_k.hi)),
        &st, err);
    if (rv != 0)
        return rv;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(out, query_row_json(t, st));
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
        rv = search_table(n, &tables[0], q, limit, persons, err);
    if (rv == 0)
        rv = search_table(n, &tables[1], q, limit, households, err);
    txn_rollback(n);
    json_t *o =
        json_pack("{s:o, s:o}", "persons", persons, "households", households);
    if (rv != 0) {
        json_decref(o);
        return rv;
    }
    return render_dump(o, json, err);
}
