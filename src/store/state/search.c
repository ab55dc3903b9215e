/* search.c - the owner of the search index of persons and households,
 * sx_p and sx_h (proto/storage.md, sx; proto/api.md, search), and of
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
 * The keys of a row are one document of SQLite's FTS5, contentless and
 * with no positions (format 17): its tokens are the keys, separated by
 * spaces, held by the built-in "ascii" tokenizer (which folds ASCII
 * letters, and splits at every ASCII character but letters, digits, ":"
 * and "^": grams leave those out). Until format 17 the index was a
 * b-tree of (key, row), a b-tree insert a key: FTS5 gathers a
 * transaction's keys in memory and writes them as one sorted segment,
 * merged in the background of later writes (BENCHMARKS.md, "The search
 * index in FTS5").
 *
 *   key = table letter ("p" persons, "h" households) + kind + ":" + text
 *   kinds: "n" name grams, "v" village grams, "d" a number reversed,
 *          "y" a pinyin spelling or its initials; the first gram of a
 *          name or village has "^" for ":" */
#include "state.h"

#include "../../core/alloc.h"
#include "../../core/codec.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../../core/pinyin.h"
#include "render.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 96
/* The database format of the index in FTS5 (db/db.h). */
#define SEARCH_FORMAT 17

/* What is indexed of a table: its name column, its number columns, its
 * village column (NULL when it has none). */
struct indexed {
    const char *table, *letter, *name, *phone, *id_number, *village;
    /* its rows (n, name, phone, id_number|NULL, village|NULL): all, and
     * one by id */
    const char *rows_all, *rows_one;
    /* its index (fts), and its statements: a batch of documents added
     * and taken away (hz_docs: batch_write sorts it, the ORDER BY is
     * that order and sorts nothing), all taken away; (key, row) in
     * order */
    const char *fts, *write, *clear, *walk;
};

#define ROWS_SELECT(cols, table) "SELECT n, " cols " FROM \"e_" table "\""
#define PERSONS_ROWS                                                           \
    ROWS_SELECT("\"name\", \"phone\", \"id_number\", NULL", "persons")
#define HOUSEHOLDS_ROWS                                                        \
    ROWS_SELECT("\"head_name\", \"phone\", NULL, \"village\"", "households")
#define INDEX_SQL(fts, vocab)                                                  \
    fts,                                                                       \
        "INSERT INTO " fts "(" fts ", rowid, k) SELECT CASE WHEN del THEN"     \
        " 'delete' END, n, k FROM hz_docs(?1) ORDER BY n, del DESC",           \
        "INSERT INTO " fts "(" fts ") VALUES('delete-all')",                   \
        "SELECT term, doc FROM " vocab " ORDER BY term, doc"

static const struct indexed tables[] = {
    {"persons", "p", "name", "phone", "id_number", NULL, PERSONS_ROWS,
     PERSONS_ROWS " WHERE id = ?1", INDEX_SQL("sx_p", "sxv_p")},
    {"households", "h", "head_name", "phone", NULL, "village", HOUSEHOLDS_ROWS,
     HOUSEHOLDS_ROWS " WHERE id = ?1", INDEX_SQL("sx_h", "sxv_h")},
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

/* ---- a row's keys, as one document of the full-text index */

/* search_verify's collection of the keys the rows ought to have. */
struct want_key {
    char *k;
    int64_t r; /* the row's number, e_<table>.n */
};
/* The keys' text, in blocks that never move (a key's pointer stays
 * good while more are added): one allocation a block, not a key. */
#define TEXT_BLOCK 65536
struct text_block {
    struct text_block *next;
    size_t used, cap;
    char text[]; /* cap bytes */
};
struct want {
    struct want_key *v;
    size_t n, cap;
    struct text_block *text;
};

/* @len bytes of @text and a NUL kept in the blocks of @list; NULL without
 * memory. A text longer than a block gets a block of its own size. */
static char *text_keep(struct text_block **list, const char *text, size_t len)
{
    if (*list == NULL || (*list)->cap - (*list)->used < len + 1) {
        size_t cap = len + 1 > TEXT_BLOCK ? len + 1 : TEXT_BLOCK;
        struct text_block *b = malloc(sizeof *b + cap);
        if (b == NULL)
            return NULL;
        b->next = *list;
        b->used = 0;
        b->cap = cap;
        *list = b;
    }
    char *at = (*list)->text + (*list)->used;
    memcpy(at, text, len);
    at[len] = '\0';
    (*list)->used += len + 1;
    return at;
}

static void text_free(struct text_block **list)
{
    while (*list != NULL) {
        struct text_block *b = *list;
        *list = b->next;
        free(b);
    }
}

/* No text kept in @list, its first block kept for the next. */
static void text_empty(struct text_block **list)
{
    if (*list != NULL) {
        text_free(&(*list)->next);
        (*list)->used = 0;
    }
}

static void want_free(struct want *w)
{
    text_free(&w->text);
    free(w->v);
    memset(w, 0, sizeof *w);
}

/* Documents to be written into an index by one statement (hz_docs),
 * sorted when written; the texts that would not last until then copied
 * into @text. */
struct doc_batch {
    struct db_doc *v;
    size_t n, cap;
    struct text_block *text;
};

static void batch_free(struct doc_batch *b)
{
    free(b->v);
    text_free(&b->text);
    memset(b, 0, sizeof *b);
}

/* What is done with a row's keys: its document added to the batch, or
 * made and left in the keyer (its text, separated by spaces), or the
 * keys collected (search_verify). */
enum key_do { KEY_ADD, KEY_MAKE, KEY_COLLECT };
struct keyer {
    enum key_do what;
    struct want *collect;
    struct doc_batch *batch; /* KEY_ADD: the documents to be written */
    /* the row's keys so far, separated by spaces (not when collecting) */
    char *doc;
    size_t len, cap;
    int64_t made; /* KEY_MAKE: the row's number, or 0 for none read */
};

static void keyer_free(struct keyer *kr)
{
    free(kr->doc);
    *kr = (struct keyer){.what = kr->what};
}

static int put_key(int64_t row, const char *key, struct keyer *kr,
                   struct hz_err *err)
{
    size_t len = strlen(key);
    HZ_ASSERT(len > 0 && len < KEY_MAX);
    if (kr->what == KEY_COLLECT) {
        struct want *w = kr->collect;
        if (w->n == w->cap) {
            size_t cap = w->cap ? 2 * w->cap : 256;
            struct want_key *v = realloc(w->v, cap * sizeof *v);
            if (v == NULL)
                return hz_err_set(err, HZ_ENOMEM, "search verify");
            w->v = v;
            w->cap = cap;
        }
        char *k = text_keep(&w->text, key, len);
        if (k == NULL)
            return hz_err_set(err, HZ_ENOMEM, "search verify");
        /* as the index's tokenizer holds it: ASCII letters folded */
        for (char *c = k; *c != '\0'; c++)
            if (*c >= 'A' && *c <= 'Z')
                *c = (char)(*c - 'A' + 'a');
        w->v[w->n].k = k;
        w->v[w->n].r = row;
        w->n++;
        return 0;
    }
    if (kr->cap - kr->len < len + 2) {
        size_t cap = kr->cap ? 2 * kr->cap : 1024;
        while (cap - kr->len < len + 2)
            cap *= 2;
        char *d = realloc(kr->doc, cap);
        if (d == NULL)
            return hz_err_set(err, HZ_ENOMEM, "search keys");
        kr->doc = d;
        kr->cap = cap;
    }
    if (kr->len > 0)
        kr->doc[kr->len++] = ' ';
    memcpy(kr->doc + kr->len, key, len + 1);
    kr->len += len;
    return 0;
}

/* Is the character at @p left out of grams? Spaces and every other
 * ASCII character but letters and digits: the index's tokenizer would
 * split a key at them (proto/storage.md, sx). */
static bool gram_skips(const unsigned char *p)
{
    return *p < 0x80 && !((*p >= '0' && *p <= '9') ||
                          (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'));
}

/* One gram: @a then @b (the second character of a pair, or none) after
 * @prefix, whose ":" is "^" for a text's first gram. */
static int put_gram(int64_t row, const char *prefix, bool first,
                    const unsigned char *a, size_t a_len,
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
    return put_key(row, key, kr, err);
}

/* The grams of @text, the characters gram_skips left out: each pair of
 * adjacent characters, the first marked, or the one character of a text
 * that has one. */
static int put_grams(int64_t row, const char *prefix, const char *text,
                     struct keyer *kr, struct hz_err *err)
{
    const unsigned char *p = (const unsigned char *)text;
    const unsigned char *prev = NULL;
    size_t prev_len = 0;
    int rv = 0;
    bool first = true;
    while (rv == 0 && *p != '\0') {
        size_t len = char_len(p);
        if (!gram_skips(p)) {
            if (prev != NULL) {
                rv = put_gram(row, prefix, first, prev, prev_len, p, len, kr,
                              err);
                first = false;
            }
            prev = p;
            prev_len = len;
        }
        p += len;
    }
    if (rv == 0 && first && prev != NULL)
        rv = put_gram(row, prefix, true, prev, prev_len, NULL, 0, kr, err);
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

bool search_number_match(const char *text, char *out, size_t cap)
{
    if (cap < 3 || !reversed_number("\"pd:", text, out, cap - 1))
        return false;
    strcat(out, "\"");
    return true;
}

static int put_number(int64_t row, const char *prefix, const char *text,
                      struct keyer *kr, struct hz_err *err)
{
    char key[KEY_MAX];
    return reversed_number(prefix, text, key, sizeof key)
               ? put_key(row, key, kr, err)
               : 0;
}

/* The pinyin spellings of @name and their initials. */
static int put_pinyin(int64_t row, const char *prefix, const char *name,
                      struct keyer *kr, struct hz_err *err)
{
    char full[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
    char initials[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
    size_t count = pinyin_spell(name, full, initials);
    int rv = 0;
    size_t pl = strlen(prefix);
    HZ_ASSERT(pl + PINYIN_SPELLING_MAX < KEY_MAX);
    char key[KEY_MAX];
    memcpy(key, prefix, pl);
    for (size_t i = 0; rv == 0 && i < count; i++) {
        /* (a spelling fits: pinyin_spell's own bound; memcpy where
         * snprintf was 1 % of an import) */
        size_t fl = strnlen(full[i], PINYIN_SPELLING_MAX);
        memcpy(key + pl, full[i], fl);
        key[pl + fl] = '\0';
        rv = put_key(row, key, kr, err);
        if (rv != 0 || strcmp(full[i], initials[i]) == 0)
            continue;
        size_t il = strnlen(initials[i], PINYIN_SPELLING_MAX);
        memcpy(key + pl, initials[i], il);
        key[pl + il] = '\0';
        rv = put_key(row, key, kr, err);
    }
    return rv;
}

/* Documents are written to the index in batches, one statement each,
 * in order of row number, a row's old document taken away before its new
 * one is added: FTS5 writes what it holds in memory as a segment
 * whenever a statement of SQLite may roll back alone, as every write to
 * a virtual table may, and whenever a row number is not greater than the
 * last (written a statement a document, or in any order, the index was a
 * segment a row and an import's slowest part; BENCHMARKS.md, "The search
 * index in FTS5"). A batch waits in memory, read by the statement
 * through hz_docs (db/docs.c; in a temporary table, a row and a statement
 * a document, it was 5 % of an import's instructions: BENCHMARKS.md,
 * "Search documents from memory"). */
#define BATCH_DOCS 4096

/* The document @doc of row number @row into @b, to be added or (@del)
 * taken away: none for no keys. @doc is copied unless @kept (it lasts
 * until the batch is written). */
static int batch_doc(struct doc_batch *b, bool del, int64_t row,
                     const char *doc, bool kept, struct hz_err *err)
{
    if (doc == NULL || doc[0] == '\0')
        return 0;
    size_t len = strlen(doc);
    HZ_ASSERT(len <= INT_MAX);
    struct db_doc *v = hz_grow(b->v, &b->cap, b->n, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "search keys");
    b->v = v;
    const char *k = kept ? doc : text_keep(&b->text, doc, len);
    if (k == NULL)
        return hz_err_set(err, HZ_ENOMEM, "search keys");
    b->v[b->n++] =
        (struct db_doc){.n = row, .k = k, .len = (int)len, .del = del};
    return 0;
}

/* By row number, a document taken away before one added. */
static int cmp_doc(const void *a, const void *b)
{
    const struct db_doc *x = a, *y = b;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return (int)y->del - (int)x->del;
}

/* Write the documents of @b into @x's index; @b is empty after, whatever
 * the outcome. */
static int batch_write(struct hz_node *n, const struct indexed *x,
                       struct doc_batch *b, struct hz_err *err)
{
    if (b->n == 0)
        return 0;
    qsort(b->v, b->n, sizeof *b->v, cmp_doc);
    const struct db_docs docs = {b->v, b->n};
    sqlite3_stmt *st;
    int rv = db_prep(&n->db, x->write, &st, err);
    if (rv == 0) {
        int rc = db_bind_docs(st, 1, &docs);
        rv = rc == SQLITE_OK ? db_step_done(&n->db, st, err)
                             : db_err(&n->db, rc, "hz_docs", err);
        sqlite3_clear_bindings(st); /* @docs is this frame's */
    }
    b->n = 0;
    text_empty(&b->text);
    return rv;
}

/* The keys of row number @row of @x whose name, phone, id_number and
 * village are @texts (each NULL when empty or not a column of the
 * table): collected, made, or its document added. */
static int key_texts(struct hz_node *n, const struct indexed *x, int64_t row,
                     const char *const *texts, struct keyer *kr,
                     struct hz_err *err)
{
    char prefix[] = {x->letter[0], 'n', ':', '\0'};
    int rv = 0;
    if (texts[0] != NULL)
        rv = put_grams(row, prefix, texts[0], kr, err);
    prefix[1] = 'y';
    if (rv == 0 && texts[0] != NULL)
        rv = put_pinyin(row, prefix, texts[0], kr, err);
    prefix[1] = 'd';
    for (int i = 1; rv == 0 && i < 3; i++) {
        if (texts[i] != NULL)
            rv = put_number(row, prefix, texts[i], kr, err);
    }
    prefix[1] = 'v';
    if (rv == 0 && texts[3] != NULL)
        rv = put_grams(row, prefix, texts[3], kr, err);
    if (rv == 0 && kr->what == KEY_ADD)
        rv = batch_doc(kr->batch, false, row, kr->len > 0 ? kr->doc : NULL,
                       false, err);
    if (rv == 0 && kr->what == KEY_ADD && kr->batch->n >= BATCH_DOCS)
        rv = batch_write(n, x, kr->batch, err);
    if (kr->what == KEY_MAKE)
        kr->made = row; /* the text stays for the caller */
    else
        kr->len = 0;
    return rv;
}

struct keying {
    struct hz_node *n;
    const struct indexed *x;
    struct keyer *kr;
};

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
    return key_texts(k->n, k->x, sqlite3_column_int64(st, 0), texts, k->kr,
                     err);
}

/* The keys of the rows of @x (all of them, or only @row) as their values
 * are now: added, taken away or collected as @kr says. */
static int key_rows(struct hz_node *n, const struct indexed *x,
                    const uint8_t *row, struct keyer *kr, struct hz_err *err)
{
    HZ_ASSERT(row != NULL || kr->what != KEY_MAKE);
    struct keying k = {n, x, kr};
    int rv = row != NULL
                 ? db_each(&n->db, x->rows_one, DB_ARGS(DB_ROW(row)), key_row,
                           &k, err)
                 : db_each(&n->db, x->rows_all, DB_NO_ARGS, key_row, &k, err);
    return rv != 0 || kr->what != KEY_ADD ? rv
                                          : batch_write(n, x, kr->batch, err);
}

/* ---- rows owed: the index is written when a transaction ends, not as
 * its rows change. A row's document in the index when it first changes
 * is kept (its text made from the values it then has), to be taken away
 * at the end; a row inserted whole has its document made from the values
 * it was inserted with; any other row changed is read back at the end.
 * Then each row owed has its old document, if any, taken away and its
 * new one added: one document for a row changed many times, and the
 * index's writes all together, where FTS5 gathers them in memory until
 * the commit (a statement of SQLite that may roll back alone makes FTS5
 * write what it holds: written as rows changed, that was a segment of
 * the index for nearly every change; BENCHMARKS.md, "The search index in
 * FTS5"). At most HZ_SEARCH_OWED_MAX rows are owed: then they are
 * written and the set starts again.
 *
 * A hash set of (table, row), open addressing; its hash is SipHash with
 * a key of the handle's own, so rows chosen by a stranger cannot pile
 * into one chain. */
#define OWED_SLOTS (2u * HZ_SEARCH_OWED_MAX)

struct owed_row {
    uint8_t row[HZ_ROW_LEN];
    uint8_t table;  /* 1 + its index in tables[]; 0: an empty slot */
    bool read_back; /* its new document made at the end, from the row */
    int64_t old_n, new_n;
    const char *old_doc; /* in the index now (row number old_n), or NULL */
    const char *new_doc; /* from its insert (row number new_n), or NULL */
};

struct search_owed {
    uint8_t key[crypto_shorthash_KEYBYTES];
    size_t n;
    uint32_t used[HZ_SEARCH_OWED_MAX]; /* the slots taken, in order */
    struct text_block *docs;           /* the documents' text */
    struct keyer kr;                   /* a document's buffer */
    struct doc_batch batch;            /* the documents to be written */
    struct owed_row v[OWED_SLOTS];
};

static uint8_t table_number(const struct indexed *x)
{
    return (uint8_t)(x - tables + 1);
}

/* The slot of (@x, @row): taken (table not 0) when the row is owed. */
static struct owed_row *owed_slot(struct search_owed *o,
                                  const struct indexed *x, const uint8_t *row)
{
    uint8_t in[1 + HZ_ROW_LEN], h[crypto_shorthash_BYTES];
    in[0] = table_number(x);
    memcpy(in + 1, row, HZ_ROW_LEN);
    crypto_shorthash(h, in, sizeof in, o->key);
    uint64_t i = 0;
    memcpy(&i, h, sizeof i);
    for (;; i++) { /* at most half the slots are taken: it ends */
        struct owed_row *s = &o->v[i & (OWED_SLOTS - 1)];
        if (s->table == 0 ||
            (s->table == in[0] && memcmp(s->row, row, HZ_ROW_LEN) == 0))
            return s;
    }
}

/* The handle's rows owed, made when first needed; NULL without memory. */
static struct search_owed *owed_set(struct hz_node *n, struct hz_err *err)
{
    if (n->sx_owed == NULL) {
        n->sx_owed = calloc(1, sizeof *n->sx_owed);
        if (n->sx_owed == NULL) {
            hz_err_set(err, HZ_ENOMEM, "search keys");
            return NULL;
        }
        env_random(n, n->sx_owed->key, sizeof n->sx_owed->key);
    }
    return n->sx_owed;
}

/* Take the slot @s of (@x, @row) for a row newly owed. */
static void owe(struct search_owed *o, struct owed_row *s,
                const struct indexed *x, const uint8_t *row)
{
    HZ_ASSERT(s->table == 0 && o->n < HZ_SEARCH_OWED_MAX);
    *s = (struct owed_row){.table = table_number(x)};
    memcpy(s->row, row, HZ_ROW_LEN);
    o->used[o->n++] = (uint32_t)(s - o->v);
}

/* The text the keyer made (or NULL for no keys), kept until the end. */
static int keep_doc(struct search_owed *o, const char **out, struct hz_err *err)
{
    *out = NULL;
    if (o->kr.len == 0)
        return 0;
    *out = text_keep(&o->docs, o->kr.doc, o->kr.len);
    o->kr.len = 0;
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "search keys");
}

/* The slot for a row not owed, @s, or after writing them all when
 * HZ_SEARCH_OWED_MAX are: never while a row owed is still to change (a
 * row is owed before it changes, and no other is owed meanwhile). */
static int make_room(struct hz_node *n, const struct indexed *x,
                     const uint8_t *row, struct owed_row **s,
                     struct hz_err *err)
{
    struct search_owed *o = n->sx_owed;
    if (o->n < HZ_SEARCH_OWED_MAX)
        return 0;
    int rv = search_settle(n, err);
    *s = owed_slot(o, x, row);
    return rv;
}

static int cmp_owed(const void *a, const void *b)
{
    const struct owed_row *x = a, *y = b;
    return x->table != y->table ? x->table - y->table
                                : memcmp(x->row, y->row, HZ_ROW_LEN);
}

int search_settle(struct hz_node *n, struct hz_err *err)
{
    struct search_owed *o = n->sx_owed;
    if (o == NULL || o->n == 0)
        return 0;
    HZ_ASSERT(db_in_txn(&n->db));
    /* The rows in key order: those read back are read in order. */
    struct owed_row *rows = malloc(o->n * sizeof *rows);
    if (rows == NULL)
        return hz_err_set(err, HZ_ENOMEM, "search keys");
    for (size_t i = 0; i < o->n; i++)
        rows[i] = o->v[o->used[i]];
    qsort(rows, o->n, sizeof *rows, cmp_owed);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < o->n; i++) {
        const struct owed_row *s = &rows[i];
        const struct indexed *x = &tables[s->table - 1];
        rv = batch_doc(&o->batch, true, s->old_n, s->old_doc, true, err);
        if (rv == 0 && s->read_back) {
            o->kr.what = KEY_MAKE;
            o->kr.len = 0;
            o->kr.made = 0;
            rv = key_rows(n, x, s->row, &o->kr, err);
            if (rv == 0 && o->kr.made != 0 && o->kr.len > 0)
                rv = batch_doc(&o->batch, false, o->kr.made, o->kr.doc, false,
                               err);
        } else if (rv == 0) {
            rv = batch_doc(&o->batch, false, s->new_n, s->new_doc, true, err);
        }
        /* a statement a table */
        if (rv == 0 && (i + 1 == o->n || rows[i + 1].table != s->table))
            rv = batch_write(n, x, &o->batch, err);
    }
    free(rows);
    search_abandon(n);
    return rv;
}

void search_abandon(struct hz_node *n)
{
    struct search_owed *o = n->sx_owed;
    if (o == NULL)
        return;
    for (size_t i = 0; i < o->n; i++)
        o->v[o->used[i]].table = 0;
    o->n = 0;
    o->kr.len = 0;
    o->batch.n = 0; /* what was not written goes with the transaction */
    text_empty(&o->batch.text);
    text_free(&o->docs);
}

void search_close(struct hz_node *n)
{
    if (n->sx_owed != NULL) {
        search_abandon(n);
        keyer_free(&n->sx_owed->kr);
        batch_free(&n->sx_owed->batch);
    }
    free(n->sx_owed);
    n->sx_owed = NULL;
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

/* The slot of @t's @row in the rows owed, into *@s (NULL, as *@x, for a
 * table not indexed). A row owed already is read back at the end: it has
 * changed since it was inserted, or since its document was kept. For a
 * row not owed, the slot it is to take (make_room), and the keyer ready
 * to make its document. */
static int owed_of(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, const struct indexed **x,
                   struct owed_row **s, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    *s = NULL;
    if ((*x = indexed_of(t)) == NULL)
        return 0;
    struct search_owed *o = owed_set(n, err);
    if (o == NULL)
        return HZ_ENOMEM;
    *s = owed_slot(o, *x, row);
    if ((*s)->table != 0) {
        (*s)->read_back = true;
        (*s)->new_doc = NULL;
        return 0;
    }
    int rv = make_room(n, *x, row, s, err); /* may use the keyer */
    o->kr =
        (struct keyer){.what = KEY_MAKE, .doc = o->kr.doc, .cap = o->kr.cap};
    return rv;
}

/* Owe the row in slot @s, the keyer's text (its document) kept in *@doc. */
static int owe_made(struct search_owed *o, struct owed_row *s,
                    const struct indexed *x, const uint8_t *row,
                    const char **doc, struct hz_err *err)
{
    int rv = keep_doc(o, doc, err);
    if (rv == 0)
        owe(o, s, x, row);
    return rv;
}

/* The document of a row of @t (indexed as @x) whose column c holds
 * value_of(c, @arg), made in @kr: its name, phone, ID number and village
 * texts, as key_texts takes them. */
static int make_doc(const struct table_def *t, const struct indexed *x,
                    const struct value *(*value_of)(int, const void *),
                    const void *arg, struct keyer *kr, struct hz_err *err)
{
    const char *cols[4] = {x->name, x->phone, x->id_number, x->village};
    const char *texts[4] = {0};
    static _Thread_local char buf[4][HZ_TEXT_LEN_MAX + 1];
    for (size_t i = 0; i < 4; i++) {
        int c = cols[i] != NULL ? schema_col_c(t, cols[i]) : -1;
        const struct value *v = c >= 0 ? value_of(c, arg) : NULL;
        if (v != NULL)
            texts[i] = value_text(v, buf[i]);
    }
    *kr = (struct keyer){.what = KEY_MAKE, .doc = kr->doc, .cap = kr->cap};
    return key_texts(NULL, x, 0, texts, kr, err);
}

static const struct value *value_in_row(int c, const void *vals)
{
    return &((const struct value *)vals)[c];
}

int search_add_inserted(struct hz_node *n, const struct table_def *t,
                        const uint8_t *row, int64_t number,
                        const struct value *vals, const char *doc_ahead,
                        struct hz_err *err)
{
    const struct indexed *x;
    struct owed_row *s;
    int rv = owed_of(n, t, row, &x, &s, err);
    if (rv != 0 || s == NULL || s->table != 0)
        return rv;
    struct search_owed *o = n->sx_owed;
    if (vals == NULL) {
        /* changed and not owed: search_forget was not called before the
         * change (a bug), so its old document cannot be taken away */
        HZ_ASSERT(!"a row changed without search_forget");
        owe(o, s, x, row);
        s->read_back = true;
        return 0;
    }
    const char *doc = NULL;
    if (doc_ahead != NULL) {
        /* made on the import's reader thread from the op's values, which
         * are this row's: kept as keep_doc keeps the keyer's (NULL for no
         * keys), without passing through the keyer */
#ifdef HZ_DEBUG_CHECKS
        rv = make_doc(t, x, value_in_row, vals, &o->kr, err);
        HZ_ASSERT(rv != 0 || (o->kr.len == strlen(doc_ahead) &&
                              (o->kr.len == 0 ||
                               memcmp(o->kr.doc, doc_ahead, o->kr.len) == 0)));
        o->kr.len = 0;
#endif
        size_t len = strlen(doc_ahead);
        if (rv == 0 && len > 0 &&
            (doc = text_keep(&o->docs, doc_ahead, len)) == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "search keys");
        if (rv == 0)
            owe(o, s, x, row);
    } else {
        rv = make_doc(t, x, value_in_row, vals, &o->kr, err);
        if (rv == 0)
            rv = owe_made(o, s, x, row, &doc, err);
    }
    if (rv == 0) {
        s->new_n = number;
        s->new_doc = doc;
    }
    return rv;
}

int search_add(struct hz_node *n, const struct table_def *t, const uint8_t *row,
               struct hz_err *err)
{
    return search_add_inserted(n, t, row, 0, NULL, NULL, err);
}

struct search_ahead {
    struct keyer kr;
    struct text_block *docs;
};

/* The value of column @c in the op @arg, or NULL (its fields are sorted
 * by column). */
static const struct value *value_in_op(int c, const void *arg)
{
    const struct op *o = arg;
    for (size_t k = 0; k < o->n_fields && o->fields[k].col <= c; k++) {
        if (o->fields[k].col == c)
            return &o->fields[k].val;
    }
    return NULL;
}

int search_ahead_docs(struct body *b, struct search_ahead **sa,
                      struct hz_err *err)
{
    if (*sa == NULL && (*sa = calloc(1, sizeof **sa)) == NULL)
        return hz_err_set(err, HZ_ENOMEM, "search keys");
    struct search_ahead *a = *sa;
    text_free(&a->docs);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < b->n_ops; i++) {
        struct op *o = &b->ops[i];
        const struct indexed *x =
            o->kind == OP_SET ? indexed_of(o->table) : NULL;
        if (x == NULL)
            continue;
        rv = make_doc(o->table, x, value_in_op, o, &a->kr, err);
        if (rv == 0) {
            o->sx_doc =
                text_keep(&a->docs, a->kr.len > 0 ? a->kr.doc : "", a->kr.len);
            if (o->sx_doc == NULL)
                rv = hz_err_set(err, HZ_ENOMEM, "search keys");
        }
    }
    return rv;
}

void search_ahead_free(struct search_ahead **sa)
{
    if (*sa == NULL)
        return;
    text_free(&(*sa)->docs);
    keyer_free(&(*sa)->kr);
    free(*sa);
    *sa = NULL;
}

int search_forget(struct hz_node *n, const struct table_def *t,
                  const uint8_t *row, struct hz_err *err)
{
    const struct indexed *x;
    struct owed_row *s;
    int rv = owed_of(n, t, row, &x, &s, err);
    if (rv != 0 || s == NULL || s->table != 0)
        return rv;
    /* The document the row has in the index: made from its values now. */
    struct search_owed *o = n->sx_owed;
    rv = key_rows(n, x, row, &o->kr, err);
    const char *doc = NULL;
    if (rv == 0)
        rv = owe_made(o, s, x, row, &doc, err);
    if (rv == 0) {
        s->old_n = o->kr.made;
        s->old_doc = o->kr.made != 0 ? doc : NULL;
        s->read_back = true;
    }
    return rv;
}

int search_clear(struct hz_node *n, struct hz_err *err)
{
    search_abandon(n);
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < sizeof tables / sizeof tables[0]; i++)
        rv = db_exec(&n->db, tables[i].clear, err);
    return rv;
}

int search_rebuild(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct doc_batch batch = {0};
    struct keyer add = {.what = KEY_ADD, .batch = &batch};
    int rv = search_clear(n, err);
    for (size_t i = 0; rv == 0 && i < sizeof tables / sizeof tables[0]; i++)
        rv = key_rows(n, &tables[i], NULL, &add, err);
    keyer_free(&add);
    batch_free(&batch);
    return rv;
}

/* ---- checking the index against the rows (hz_node_log_verify) */

/* ---- keys in order: by text, then row (cmp_want's order). Many keys
 * share their first bytes (a table letter, a kind, a common surname or
 * pinyin), so a multikey quicksort (Bentley and Sedgewick) looks at each
 * byte about once where qsort's comparisons start again from the first. */

static int cmp_want(const void *a, const void *b)
{
    const struct want_key *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c != 0 ? c : (x->r > y->r) - (x->r < y->r);
}

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
    /* the rows' keys, a key once a row as a document holds it */
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

/* @x's index against the keys its rows give. */
static int verify_table(struct hz_node *n, const struct indexed *x,
                        struct hz_err *err)
{
    struct want w = {0};
    struct keyer collect = {.what = KEY_COLLECT, .collect = &w};
    int rv = key_rows(n, x, NULL, &collect, err);
    if (rv == 0) {
        sort_keys(&w);
        struct walk k = {&w, 0};
        rv = db_each(&n->db, x->walk, DB_NO_ARGS, check_key, &k, err);
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

/* Read-only, an older database is read as it is: no index of FTS5 to
 * search or check (@what) until it is next opened for writing
 * (node/node.c, migrate): HZ_EREADONLY. */
static int index_made(struct hz_node *n, const char *what, struct hz_err *err)
{
    return n->db.format >= SEARCH_FORMAT
               ? 0
               : hz_err_set(err, HZ_EREADONLY,
                            "%s: the search index of this node's database"
                            " (format %d) is made when it is next opened for"
                            " writing",
                            what, n->db.format);
}

int search_verify(struct hz_node *n, struct hz_err *err)
{
    int rv = index_made(n, "not checked", err);
    for (size_t i = 0; rv == 0 && i < sizeof tables / sizeof tables[0]; i++)
        rv = verify_table(n, &tables[i], err);
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

/* A MATCH expression of the index: one key, or every key that starts
 * with it, ORed onto @m (KEY_MAX * 8 bytes). Keys hold no '"' (nor any
 * ASCII character the tokenizer splits at). */
#define MATCH_MAX (KEY_MAX * 8)
static void match_or(char *m, const char *key, bool prefix)
{
    HZ_ASSERT(strchr(key, '"') == NULL);
    size_t at = strlen(m);
    snprintf(m + at, MATCH_MAX - at, "%s\"%s\"%s", at > 0 ? " OR " : "", key,
             prefix ? " *" : "");
}

/* The keys a name query looks up (@letter_kind: "pn", "hv") onto @m: its
 * first pair among the later pairs, and the marked first grams that
 * start with the pair (or with its one character: a surname). The pair
 * is taken as put_grams takes them, characters it leaves out left out;
 * nothing for a query of none. */
static void name_match(const char *letter_kind, const char *q, char *m)
{
    const unsigned char *p = (const unsigned char *)q, *first = NULL;
    size_t a = 0, b = 0;
    for (; *p != '\0' && b == 0; p += char_len(p)) {
        if (gram_skips(p))
            continue;
        if (first == NULL)
            first = p, a = char_len(p);
        else
            b = char_len(p);
    }
    if (first == NULL || strlen(letter_kind) + 1 + a + b >= KEY_MAX)
        return;
    const unsigned char *second = p - b;
    char key[KEY_MAX];
    if (b > 0) {
        snprintf(key, sizeof key, "%s:%.*s%.*s", letter_kind, (int)a,
                 (const char *)first, (int)b, (const char *)second);
        match_or(m, key, false);
    }
    snprintf(key, sizeof key, "%s^%.*s%.*s", letter_kind, (int)a,
             (const char *)first, (int)b, (const char *)second);
    match_or(m, key, true);
}

static int search_table(struct hz_node *n, const struct indexed *x,
                        const char *q, size_t limit, json_t *out,
                        struct hz_err *err)
{
    const struct table_def *t = schema_table_c(n->schema, x->table);
    if (t == NULL)
        return hz_err_set(err, HZ_ESCHEMA, "no table %s", x->table);
    /* @by_text: keys whose rows are then checked against the whole query;
     * @by_pinyin: pinyin keys, taken as they are */
    char by_text[MATCH_MAX] = "", by_pinyin[MATCH_MAX] = "";
    char pre[8], key[KEY_MAX], py[KEY_MAX];
    snprintf(pre, sizeof pre, "%sn", x->letter);
    name_match(pre, q, by_text);
    if (x->village != NULL) {
        snprintf(pre, sizeof pre, "%sv", x->letter);
        name_match(pre, q, by_text);
    }
    snprintf(pre, sizeof pre, "%sd:", x->letter);
    /* The last 4 or more digits: a prefix of the reversed keys. */
    bool number = number_like(q) && strlen(q) >= 4 &&
                  reversed_number(pre, q, key, sizeof key);
    if (number)
        match_or(by_text, key, true);
    /* Letters: a prefix of the pinyin spellings and initials. */
    if (pinyin_like(q, py, sizeof py - 8)) {
        snprintf(key, sizeof key, "%.1sy:%.80s", x->letter, py);
        match_or(by_pinyin, key, true);
    }
    char sql[2048];
    query_select_sql(t, sql, 1024);
    size_t at = strlen(sql);
    db_sql_cat(sql, sizeof sql, &at, " WHERE deleted = 0 AND (");
    if (by_pinyin[0] != '\0')
        db_sql_cat(sql, sizeof sql, &at,
                   "n IN (SELECT rowid FROM %s WHERE %s MATCH ?4) OR ", x->fts,
                   x->fts);
    if (by_text[0] == '\0') {
        db_sql_cat(sql, sizeof sql, &at, "0");
    } else {
        db_sql_cat(sql, sizeof sql, &at,
                   "n IN (SELECT rowid FROM %s WHERE %s MATCH ?3)"
                   " AND (instr(\"%s\", ?1) > 0",
                   x->fts, x->fts, x->name);
        if (x->village != NULL)
            db_sql_cat(sql, sizeof sql, &at, " OR instr(\"%s\", ?1) > 0",
                       x->village);
        if (number) {
            db_sql_cat(sql, sizeof sql, &at,
                       " OR substr(\"%s\", -length(?1)) = ?1", x->phone);
            if (x->id_number != NULL)
                db_sql_cat(sql, sizeof sql, &at,
                           " OR substr(upper(\"%s\"), -length(?1)) ="
                           " upper(?1)",
                           x->id_number);
        }
        db_sql_cat(sql, sizeof sql, &at, ")");
    }
    db_sql_cat(sql, sizeof sql, &at,
               ") ORDER BY CASE WHEN \"%s\" = ?1 THEN 0 WHEN substr(\"%s\", 1,"
               " length(?1)) = ?1 THEN 1 ELSE 2 END, \"%s\", id LIMIT ?2",
               x->name, x->name, x->name);
    sqlite3_stmt *st;
    /* as many as the statement has: ?4 only with pinyin, ?3 with keys */
    const struct db_arg args[] = {DB_TEXT(q), DB_INT((int64_t)limit),
                                  DB_TEXT(by_text), DB_TEXT(by_pinyin)};
    size_t n_args = by_pinyin[0] != '\0' ? 4 : by_text[0] != '\0' ? 3 : 2;
    int rv = db_query(&n->db, sql, args, n_args, &st, err);
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
    int rv = index_made(n, "no search", err);
    if (rv != 0)
        return rv;
    json_t *persons = json_array(), *households = json_array();
    rv = txn_begin_read(n, err);
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
