/* db.h - the SQLite connection, the lowest layer of the store.
 *
 * db.c talks to SQLite and to nothing above it: it opens the file with
 * the settings of proto/storage.md, creates the tables, caches prepared
 * statements, runs one-row queries, and translates SQLite's result codes
 * into HZ_E codes (STYLE 5). It never decides anything about entries,
 * trust or state: the layers above do, and commit through node/txn.c.
 *
 * The tables it creates each have one owner file, the only one that
 * writes them and the one that answers questions about them:
 *   meta                                   db/db.c (this file)
 *   log, pending, forks, skew, prenet      log/log.c
 *   w, sup, tomb, tomb_seen, e_<table>     state/fields.c
 *   evsrc, v_<table>                       state/events.c
 *   tobj, member, cutoff, standing,        members/roster.c
 *   epochs, bkeys
 * Reports that only read the materialized e_/v_ tables (state/query.c,
 * state/views.c, state/reports.c, state/hash.c) read them directly. */
#ifndef HZ_STORE_DB_H
#define HZ_STORE_DB_H

#include "huzhu/error.h"

#include "../../core/schema.h"
#include "../../core/types.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* PRAGMA user_version of node.db. 2: pending_count; 3: w keyed by
 * (field, author, seq), w_heads in merge order, pending and forks as rowid
 * tables, stranger; 4: w with names, authors and entries as integers
 * (names, authors, log.n); 5: evsrc with its table and entry as integers
 * and a sum of each insert's content in place of the content; 6: w with
 * one fact per entry and row, its columns as bits; 7: pending and forks
 * numbered with AUTOINCREMENT, and the peer and contact tables; 8: the
 * account table of the web interface; 9: sx, the search index; 10: sx
 * with the names' pinyin (rebuilt); 11: entity rows numbered, sx and
 * log.author by integers; 12: contact.they_lack and we_lack (how far
 * behind each side is); 13: roster_seen; 14: e_persons_name; 15: the
 * local change counter the county mirror follows (DECISIONS 43): chg on
 * every materialized row, chg_gone for rows taken away; 16: the greatest
 * clock in the log in meta, the index log_clock dropped, the indexes of
 * events' id columns only where not NULL, sx with the first gram of a
 * name marked (no key of its first character); 17: the search index in
 * FTS5 (sx_p, sx_h, a row's keys one document); 18: no index of the facts
 * (w_n) or of the event sources (evsrc_n) by entry; 19: an entity row
 * written by one entry keeps that fact itself (sole, sole_bits), not in
 * w, and an event row inserted by one entry its source (eid), not in
 * evsrc. An older database is brought up to date when it is opened for
 * writing (node/node.c). */
#define HZ_DB_FORMAT 19

/* The columns of pending and forks (format 7), for db.c's schema and the
 * upgrades in log/log.c. */
#define PENDING_COLS                                                           \
    "n INTEGER PRIMARY KEY AUTOINCREMENT, author BLOB NOT NULL, seq INTEGER"   \
    " NOT NULL, id BLOB NOT NULL, bytes BLOB NOT NULL, mark INTEGER NOT NULL"  \
    " DEFAULT 0, UNIQUE(author, seq, id)"
#define FORKS_COLS                                                             \
    "n INTEGER PRIMARY KEY AUTOINCREMENT, author BLOB NOT NULL, seq INTEGER"   \
    " NOT NULL, id BLOB NOT NULL, point INTEGER NOT NULL, bytes BLOB NOT"      \
    " NULL, UNIQUE(author, seq, id)"

struct db {
    sqlite3 *conn;
    void *stmts;   /* prepared statements by SQL text */
    bool readonly; /* opened with HZ_OPEN_READONLY */
    int format;    /* as read by db_format or set by db_set_format */
    unsigned long kill_at_commit; /* test hook: HUZHU_TEST_KILL_AT_COMMIT */
    /* A commit leaving the WAL longer than this many frames truncates it
     * (db_configure: DB_WAL_KEEP_BYTES of pages; a test may lower it). */
    int64_t wal_keep_frames;
    /* The key db_intern_key gave last in the current transaction: an
     * import asks the same author's twice an entry. */
    struct {
        bool held;
        int64_t k;
        uint8_t key[HZ_KEY_LEN];
    } interned;
};

/* ---- connection */

/* Open @path (":memory:" allowed) with synchronous=FULL; @dir, when not
 * NULL, is the node directory: a read-only open of a directory we cannot
 * write (a worn SD card) opens the file immutable (DECISIONS 23). */
int db_open(struct db *d, const char *path, const char *dir, bool readonly,
            bool create, struct hz_err *err);
/* Settings that write to the file (the WAL journal), once it is known to
 * be a node's; and the kill-at-commit test hook. */
int db_configure(struct db *d, struct hz_err *err);
/* The WAL a node keeps between imports (journal_size_limit: the PRAGMA
 * in db_configure says the same number), and SQLite's autocheckpoint. */
#define DB_WAL_KEEP_BYTES (64 * 1024 * 1024)
#define DB_WAL_AUTOCHECKPOINT 1000
/* The WAL checkpointed and truncated to nothing, if no reader holds an
 * older snapshot (never waiting: the WAL then stays, and nothing is
 * wrong): what a large job (an import) calls as it ends, so that its
 * pages are on the card once, in node.db. */
void db_wal_trim(struct db *d);
/* The page cache of this connection, in KiB: DB_CACHE_KIB unless a bulk
 * job (an import) asks for more while it runs. */
#define DB_CACHE_KIB 16384u
int db_cache_kib(struct db *d, unsigned kib, struct hz_err *err);
/* Whether SQLite zeroes what it frees on this connection (on: Debian's
 * build, SQLITE_SECURE_DELETE, the node's setting). An import turns it
 * off while it applies: what it frees is derived from, or still held in,
 * the signed log it keeps (bundle.c, apply_file). */
int db_secure_delete(struct db *d, bool on, struct hz_err *err);
/* Rolls back an open transaction, finalizes statements, closes. Accepts
 * a struct db that was never opened. */
void db_close(struct db *d);
/* Create or upgrade every table, one materialized table per registry
 * table included (new columns are added). */
int db_setup(struct db *d, const struct schema *schema, struct hz_err *err);
/* db_setup of a new in-memory database (outside a transaction): a copy
 * of the same schema's tables made once per process. */
int db_setup_memory(struct db *d, const struct schema *schema,
                    struct hz_err *err);
/* db_setup for a database of an older format @format (inside the
 * transaction that upgrades it): the tables whose shape changed since
 * are set aside, created as this build defines them and filled again. */
int db_upgrade(struct db *d, const struct schema *schema, int format,
               struct hz_err *err);
/* PRAGMA user_version: 0 for a database without our tables. */
int db_format(struct db *d, int *format, struct hz_err *err);
int db_set_format(struct db *d, struct hz_err *err);

/* ---- transactions (node/txn.c decides when; these only do it) */

int db_begin(struct db *d, struct hz_err *err);      /* BEGIN IMMEDIATE */
int db_begin_read(struct db *d, struct hz_err *err); /* BEGIN (deferred) */
int db_commit(struct db *d, struct hz_err *err);
void db_rollback(struct db *d);
bool db_in_txn(const struct db *d);

/* ---- statements */

/* Map a SQLite result to an HZ_E code, keeping SQLite's message. */
int db_err(struct db *d, int rc, const char *what, struct hz_err *err);
int db_exec(struct db *d, const char *sql, struct hz_err *err);
/* A statement for @sql that is not cached, for text whose variety has
 * no bound (a list's conditions in any order: cached, they would fill
 * the cache, whose every slot stays, and every statement after them
 * would be refused): the caller finalizes it. */
int db_prep_once(struct db *d, const char *sql, sqlite3_stmt **st,
                 struct hz_err *err);
/* Append to the statement text @sql of @size bytes, *@len of them used:
 * a text too long for it is a bug (the schema's names and the callers'
 * conditions are bounded), asserted, never a write past its end. */
void db_sql_cat(char *sql, size_t size, size_t *len, const char *fmt, ...)
    HZ_PRINTF(4, 5);
/* A cached statement for @sql into *@st, reset, bindings cleared. */
int db_prep(struct db *d, const char *sql, sqlite3_stmt **st,
            struct hz_err *err);
/* Step a statement that returns no row we read, then reset it. */
int db_step_done(struct db *d, sqlite3_stmt *st, struct hz_err *err);
/* Rows changed by the last statement. */
int db_changes(struct db *d);
/* The rowid of the last row inserted. */
int64_t db_last_rowid(struct db *d);

/* A batch of search documents (docs.c): the rows of the table-valued
 * function hz_docs(?1), columns n, del and k, in the order of @v, which
 * the caller sorts by (n, del DESC): SQLite takes that order on trust
 * for a statement asking it and sorts nothing (the debug build checks
 * it). The batch and its texts are borrowed until the statement has
 * stepped; clear the binding then. */
struct db_doc {
    int64_t n;
    const char *k;
    int len;
    bool del;
};
struct db_docs {
    const struct db_doc *v;
    size_t n;
};
/* hz_docs in connection @conn (db_open does it): a SQLite result. */
int db_docs_module(sqlite3 *conn);
/* @docs as parameter @at of @st: a SQLite result. */
int db_bind_docs(sqlite3_stmt *st, int at, const struct db_docs *docs);

/* One bound parameter. Build them with the DB_* macros below; blobs and
 * texts are borrowed until the statement has stepped. */
enum db_arg_type { DB_A_NULL, DB_A_INT, DB_A_BLOB, DB_A_TEXT };
struct db_arg {
    enum db_arg_type type;
    int64_t i;
    const void *p;
    size_t len;
};
#define DB_INT(v) ((struct db_arg){.type = DB_A_INT, .i = (int64_t)(v)})
#define DB_BLOB(ptr, n)                                                        \
    ((struct db_arg){.type = DB_A_BLOB, .p = (ptr), .len = (n)})
#define DB_KEY(ptr) DB_BLOB(ptr, HZ_KEY_LEN)
#define DB_HASH(ptr) DB_BLOB(ptr, HZ_HASH_LEN)
#define DB_ROW(ptr) DB_BLOB(ptr, HZ_ROW_LEN)
/* A text, or NULL when @s is NULL. */
#define DB_TEXT(s) ((struct db_arg){.type = DB_A_TEXT, .p = (s)})
#define DB_NULL ((struct db_arg){.type = DB_A_NULL})
/* The parameters ?1, ?2 ... in order: DB_ARGS(DB_KEY(a), DB_INT(seq)). */
#define DB_ARGS(...)                                                           \
    (const struct db_arg[]){__VA_ARGS__},                                      \
        sizeof((const struct db_arg[]){__VA_ARGS__}) / sizeof(struct db_arg)
#define DB_NO_ARGS NULL, 0

/* Prepare @sql and bind @args to ?1.. ?n. */
int db_query(struct db *d, const char *sql, const struct db_arg *args,
             size_t n_args, sqlite3_stmt **st, struct hz_err *err);
/* Prepare @sql with @args and step to its first row: 1 with the statement
 * on that row (read its columns, then sqlite3_reset it), 0 when there is
 * none (*@found false; with @found NULL that is HZ_ECORRUPT), or an error.
 * The statement is reset unless 1 is returned. */
int db_first(struct db *d, const char *sql, const struct db_arg *args,
             size_t n_args, sqlite3_stmt **st, bool *found, struct hz_err *err);
/* Run @sql with @args, reading nothing (INSERT, UPDATE, DELETE). */
int db_run(struct db *d, const char *sql, const struct db_arg *args,
           size_t n_args, struct hz_err *err);
/* The first row of @sql: its column 0 as an integer into *@out. *@found
 * says whether there was a row; with @found NULL a missing row is
 * HZ_ECORRUPT (aggregates always return one). A NULL column reads 0. */
int db_int(struct db *d, const char *sql, const struct db_arg *args,
           size_t n_args, int64_t *out, bool *found, struct hz_err *err);
/* The first row's column 0, a blob of exactly @len bytes, into @out:
 * another length is HZ_ECORRUPT (an SD card can lose power mid-write). */
int db_blob(struct db *d, const char *sql, const struct db_arg *args,
            size_t n_args, void *out, size_t len, bool *found,
            struct hz_err *err);
/* Call @row for each result row of @sql (the statement is on the row;
 * copy what you keep). A non-zero return from @row stops the walk and is
 * returned. */
typedef int (*db_row_fn)(void *data, sqlite3_stmt *st, struct hz_err *err);
int db_each(struct db *d, const char *sql, const struct db_arg *args,
            size_t n_args, db_row_fn row, void *data, struct hz_err *err);
/* Copy column @col (a blob) into a new buffer *@out of *@len bytes (the
 * caller frees it). */
int db_column_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len,
                  struct hz_err *err);
/* Copy column @col, a blob of exactly @len bytes, into @out. */
int db_column_fixed(sqlite3_stmt *st, int col, void *out, size_t len,
                    struct hz_err *err);

/* ---- values and JSON (db/value.c) */

/* Bind @v (a value of column @c) to parameter @i. */
int db_bind_value(sqlite3_stmt *st, int i, const struct value *v);
/* The same without a copy of a text or blob: its bytes must stay as they
 * are until the statement has run and been reset, and every use of the
 * statement binds the parameter again (a row written whole from an op's
 * values: a copy a text was 1 % of an import's instructions). */
int db_bind_value_lent(sqlite3_stmt *st, int i, const struct value *v);
/* Read column @i of @st as a value of column @c (borrowed from @st until
 * its next step). HZ_ECORRUPT when the stored value cannot be one. */
int db_column_value(const struct col_def *c, sqlite3_stmt *st, int i,
                    struct value *out);
/* The row @st is on as a JSON object, as db_rows_json makes each (NULL
 * when out of memory). */
json_t *db_row_object(sqlite3_stmt *st);
/* Append one JSON object per result row of @sql to @arr: column names
 * become keys, blobs (ids, keys, hashes) become lowercase hex. */
int db_rows_json(struct db *d, const char *sql, const struct db_arg *args,
                 size_t n_args, json_t *arr, struct hz_err *err);
/* The same objects one at a time to @fn (each freed after the call), so
 * that a long result is never held whole. */
int db_each_json(struct db *d, const char *sql, const struct db_arg *args,
                 size_t n_args,
                 int (*fn)(void *data, json_t *row, struct hz_err *err),
                 void *data, struct hz_err *err);

/* ---- names: the schema's names (entered by db_setup) and authors' keys
 * as small integers (proto/storage.md, format 4) */

/* The number of author key @key, entered if new (inside a transaction). */
int db_intern_key(struct db *d, const uint8_t *key, int64_t *k,
                  struct hz_err *err);

/* ---- evsrc.sum: what tells two inserts of one event row apart (format 5) */

#define DB_EVENT_SUM_LEN 16u
/* The BLAKE2b-128 of an insert's canonical content ([[column, value],
 * ...], proto/storage.md): equal for equal content. */
void db_event_sum(const uint8_t *content, size_t len,
                  uint8_t out[DB_EVENT_SUM_LEN]);

/* ---- meta: the node's own settings (k TEXT, v BLOB) */

/* A fixed-length value; absent is HZ_ECORRUPT (every node has them). */
int db_meta_get(struct db *d, const char *key, void *out, size_t len,
                struct hz_err *err);
/* A text value, owned by the caller; absent is HZ_ECORRUPT. */
int db_meta_get_text(struct db *d, const char *key, char **out,
                     struct hz_err *err);
int db_meta_has(struct db *d, const char *key, bool *has, struct hz_err *err);
int db_meta_put(struct db *d, const char *key, const void *p, size_t len,
                struct hz_err *err);
int db_meta_del(struct db *d, const char *key, struct hz_err *err);

/* A number kept in meta under one key and changed in transactions: read
 * at its first use in a transaction (0 when absent), written back before
 * the commit when it changed, forgotten at the transaction's end (the
 * change counter, the highest clock in the log). */
struct db_meta_num {
    bool loaded;
    int64_t v, stored;
};
/* The number itself, as stored (0 when absent). */
int db_meta_num(struct db *d, const char *key, int64_t *v, struct hz_err *err);
int db_meta_num_load(struct db *d, const char *key, struct db_meta_num *m,
                     struct hz_err *err);
int db_meta_num_store(struct db *d, const char *key,
                      const struct db_meta_num *m, struct hz_err *err);

/* ---- names */

/* The quoted materialized table name: "e_households" / "v_stays". */
void db_table_name(const struct table_def *t, char *out, size_t len);
/* The same without quotes. */
void db_table_bare(const struct table_def *t, char *out, size_t len);

#endif
