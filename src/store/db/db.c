/* db.c - the SQLite connection: settings, tables, cached statements,
 * one-row queries and the translation of SQLite errors to HZ_E codes
 * (STYLE 5). The lowest file of the store: it includes and calls nothing
 * else of it (tests/unit/layers.sh keeps it so).
 *
 * Storage settings (proto/storage.md): WAL journal, synchronous=FULL (in
 * simulated power cuts NORMAL lost acknowledged commits, FULL never),
 * a busy timeout so a CLI call and `huzhu serve` can share a node. */
#include "db.h"

#include "../../core/error_int.h"

#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STMT_CACHE 1024u
#define BUSY_TIMEOUT_MS 10000

struct stmt_slot {
    char *sql;
    sqlite3_stmt *st;
};

/* Statements by their SQL text, and a memo by the text's address: most
 * SQL is a string literal, asked for again and again from one place, so
 * the address finds its slot without hashing the text (the text is still
 * compared: a buffer reused for other SQL misses). */
#define STMT_MEMO 512u
struct stmt_cache {
    struct stmt_slot slot[STMT_CACHE];
    struct {
        const char *key;
        struct stmt_slot *slot;
    } memo[STMT_MEMO];
};

int db_err(struct db *d, int rc, const char *what, struct hz_err *err)
{
    int code;
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = HZ_EBUSY;
        break;
    case SQLITE_FULL:
        code = HZ_ENOSPC;
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        code = HZ_ECORRUPT;
        break;
    case SQLITE_READONLY:
        code = HZ_EREADONLY;
        break;
    case SQLITE_NOMEM:
        code = HZ_ENOMEM;
        break;
    default:
        code = HZ_EIO;
        break;
    }
    const char *msg = d->conn != NULL ? sqlite3_errmsg(d->conn) : "no database";
    return hz_err_set(err, code, "%s: sqlite: %s", what, msg);
}

int db_exec(struct db *d, const char *sql, struct hz_err *err)
{
    int rc = sqlite3_exec(d->conn, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_err(d, rc, "exec", err);
}

static size_t sql_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

#ifdef HZ_DEBUG_CHECKS
/* Debug builds (the sanitizer tests): a query whose plan runs one of its
 * WITH tables again for every row of a correlated subquery costs the
 * product of their sizes (the campaign view took minutes for 10,000
 * households). Such a plan is refused at the statement's first prepare,
 * so every test that runs the query catches it; MATERIALIZED, or a join
 * in place of the subquery, mends it. Subqueries in FROM ("(subquery-N)")
 * are correlated by their nature and not judged. */
#define PLAN_ROWS 512
static void plan_check(sqlite3 *conn, const char *sql)
{
    const char *p = sql + strspn(sql, " \t\n");
    /* Only a statement with WITH tables can re-run one (our SQL writes
     * the keyword in capitals); the rest, 94 % of what the tests prepare,
     * are not explained again. */
    if ((sqlite3_strnicmp(p, "SELECT", 6) != 0 &&
         sqlite3_strnicmp(p, "WITH", 4) != 0) ||
        strstr(p, "WITH") == NULL)
        return;
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st = NULL;
    HZ_ASSERT(q != NULL);
    int rc = sqlite3_prepare_v2(conn, q, -1, &st, NULL);
    sqlite3_free(q);
    if (rc != SQLITE_OK)
        return; /* prepared above: only a lack of memory fails here */
    struct plan_row {
        int id, parent;
        char detail[64];
    } *row = malloc(PLAN_ROWS * sizeof *row);
    HZ_ASSERT(row != NULL);
    int n = 0;
    while (n < PLAN_ROWS && sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 3);
        row[n].id = sqlite3_column_int(st, 0);
        row[n].parent = sqlite3_column_int(st, 1);
        snprintf(row[n].detail, sizeof row[n].detail, "%s",
                 t != NULL ? (const char *)t : "");
        n++;
    }
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        if (strncmp(row[i].detail, "CO-ROUTINE ", 11) != 0 ||
            strncmp(row[i].detail, "CO-ROUTINE (subquery-", 21) == 0)
            continue;
        for (int up = row[i].parent, hops = 0; up != 0 && hops < n; hops++) {
            int k = 0;
            while (k < n && row[k].id != up)
                k++;
            if (k == n)
                break;
            if (strncmp(row[k].detail, "CORRELATED ", 11) == 0) {
                fprintf(stderr,
                        "huzhu: query plan: %s runs again for every row of"
                        " a correlated subquery in: %.300s\n",
                        row[i].detail, p);
                HZ_ASSERT(!"a WITH table re-run per row");
            }
            up = row[k].parent;
        }
    }
    free(row);
}
#endif

static sqlite3_stmt *lookup(struct db *d, const char *sql, int *rv,
                            struct hz_err *err)
{
    struct stmt_cache *c = d->stmts;
    size_t m = ((uintptr_t)sql >> 3) % STMT_MEMO;
    if (c->memo[m].key == sql && strcmp(c->memo[m].slot->sql, sql) == 0) {
        sqlite3_stmt *st = c->memo[m].slot->st;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    size_t i = sql_hash(sql) % STMT_CACHE;
    for (size_t probe = 0; probe < STMT_CACHE; probe++) {
        struct stmt_slot *s = &c->slot[(i + probe) % STMT_CACHE];
        if (s->sql != NULL && strcmp(s->sql, sql) == 0) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            c->memo[m].key = sql;
            c->memo[m].slot = s;
            return s->st;
        }
        if (s->sql == NULL) {
            int rc = sqlite3_prepare_v3(
                d->conn, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
            if (rc != SQLITE_OK) {
                *rv = db_err(d, rc, "prepare", err);
                s->st = NULL;
                return NULL;
            }
#ifdef HZ_DEBUG_CHECKS
            plan_check(d->conn, sql);
#endif
            s->sql = strdup(sql);
            if (s->sql == NULL) {
                sqlite3_finalize(s->st);
                s->st = NULL;
                *rv = hz_err_set(err, HZ_ENOMEM, "statement cache");
                return NULL;
            }
            c->memo[m].key = sql;
            c->memo[m].slot = s;
            return s->st;
        }
    }
    *rv = hz_err_set(err, HZ_ETOOBIG, "statement cache full");
    return NULL;
}

int db_prep(struct db *d, const char *sql, sqlite3_stmt **st,
            struct hz_err *err)
{
    HZ_ASSERT(d->conn != NULL);
    int rv = 0;
    *st = lookup(d, sql, &rv, err);
    return *st != NULL ? 0 : rv;
}

int db_prep_once(struct db *d, const char *sql, sqlite3_stmt **st,
                 struct hz_err *err)
{
    HZ_ASSERT(d->conn != NULL);
    int rc = sqlite3_prepare_v2(d->conn, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        *st = NULL;
        return db_err(d, rc, "prepare", err);
    }
    return 0;
}

void db_sql_cat(char *sql, size_t size, size_t *len, const char *fmt, ...)
{
    HZ_ASSERT(*len < size);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(sql + *len, size - *len, fmt, ap);
    va_end(ap);
    HZ_ASSERT(n >= 0 && (size_t)n < size - *len);
    *len += (size_t)n;
}

int db_step_done(struct db *d, sqlite3_stmt *st, struct hz_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0
                                                 : db_err(d, rc, "step", err);
}

int db_changes(struct db *d)
{
    return sqlite3_changes(d->conn);
}

int64_t db_last_rowid(struct db *d)
{
    return sqlite3_last_insert_rowid(d->conn);
}

static int bind_args(sqlite3_stmt *st, const struct db_arg *args, size_t n_args)
{
    int rc = SQLITE_OK;
    for (size_t i = 0; rc == SQLITE_OK && i < n_args; i++) {
        const struct db_arg *a = &args[i];
        int at = (int)i + 1;
        switch (a->type) {
        case DB_A_NULL:
            rc = sqlite3_bind_null(st, at);
            break;
        case DB_A_INT:
            rc = sqlite3_bind_int64(st, at, a->i);
            break;
        case DB_A_BLOB:
            HZ_ASSERT(a->len <= INT32_MAX);
            rc = sqlite3_bind_blob(st, at, a->p, (int)a->len, SQLITE_STATIC);
            break;
        case DB_A_TEXT:
            rc = a->p == NULL
                     ? sqlite3_bind_null(st, at)
                     : sqlite3_bind_text(st, at, a->p, -1, SQLITE_STATIC);
            break;
        }
    }
    return rc;
}

int db_query(struct db *d, const char *sql, const struct db_arg *args,
             size_t n_args, sqlite3_stmt **st, struct hz_err *err)
{
    int rv = db_prep(d, sql, st, err);
    if (rv != 0)
        return rv;
    int rc = bind_args(*st, args, n_args);
    if (rc != SQLITE_OK) {
        sqlite3_reset(*st);
        return db_err(d, rc, "bind", err);
    }
    return 0;
}

int db_run(struct db *d, const char *sql, const struct db_arg *args,
           size_t n_args, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_query(d, sql, args, n_args, &st, err);
    return rv != 0 ? rv : db_step_done(d, st, err);
}

/* Step to the first row: 1 (on the row), 0 (none, reset) or an error
 * (reset). */
static int first_row(struct db *d, sqlite3_stmt *st, bool *found,
                     struct hz_err *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (found != NULL)
            *found = true;
        return 1;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return db_err(d, rc, "step", err);
    if (found == NULL)
        return hz_err_set(err, HZ_ECORRUPT, "query returned no row");
    *found = false;
    return 0;
}

int db_first(struct db *d, const char *sql, const struct db_arg *args,
             size_t n_args, sqlite3_stmt **st, bool *found, struct hz_err *err)
{
    int rv = db_query(d, sql, args, n_args, st, err);
    return rv != 0 ? rv : first_row(d, *st, found, err);
}

int db_int(struct db *d, const char *sql, const struct db_arg *args,
           size_t n_args, int64_t *out, bool *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    *out = 0;
    int rv = db_first(d, sql, args, n_args, &st, found, err);
    if (rv != 1)
        return rv;
    *out = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return 0;
}

int db_blob(struct db *d, const char *sql, const struct db_arg *args,
            size_t n_args, void *out, size_t len, bool *found,
            struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_first(d, sql, args, n_args, &st, found, err);
    if (rv != 1)
        return rv;
    rv = db_column_fixed(st, 0, out, len, err);
    sqlite3_reset(st);
    return rv;
}

int db_each(struct db *d, const char *sql, const struct db_arg *args,
            size_t n_args, db_row_fn row, void *data, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_query(d, sql, args, n_args, &st, err);
    if (rv != 0)
        return rv;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rv = row(data, st, err);
        if (rv != 0)
            break;
    }
    if (rv == 0 && rc != SQLITE_DONE)
        rv = db_err(d, rc, "step", err);
    sqlite3_reset(st);
    return rv;
}

int db_column_dup(sqlite3_stmt *st, int col, uint8_t **out, size_t *len,
                  struct hz_err *err)
{
    *len = (size_t)sqlite3_column_bytes(st, col);
    *out = malloc(*len > 0 ? *len : 1);
    if (*out == NULL)
        return hz_err_set(err, HZ_ENOMEM, "stored bytes");
    if (*len > 0)
        memcpy(*out, sqlite3_column_blob(st, col), *len);
    return 0;
}

int db_column_fixed(sqlite3_stmt *st, int col, void *out, size_t len,
                    struct hz_err *err)
{
    if ((size_t)sqlite3_column_bytes(st, col) != len ||
        sqlite3_column_type(st, col) != SQLITE_BLOB)
        return hz_err_set(err, HZ_ECORRUPT, "stored value of %zu bytes", len);
    memcpy(out, sqlite3_column_blob(st, col), len);
    return 0;
}

int db_begin(struct db *d, struct hz_err *err)
{
    HZ_ASSERT(!db_in_txn(d));
    d->interned.held = false;
    return db_exec(d, "BEGIN IMMEDIATE", err);
}

int db_begin_read(struct db *d, struct hz_err *err)
{
    HZ_ASSERT(!db_in_txn(d));
    d->interned.held = false;
    return db_exec(d, "BEGIN", err);
}

int db_commit(struct db *d, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(d));
    d->interned.held = false;
    int rv = db_exec(d, "COMMIT", err);
    /* Test hook for deterministic crash points (DECISIONS 22): the
     * process dies right after its Nth commit, before it can say so. */
    if (rv == 0 && d->kill_at_commit > 0 && --d->kill_at_commit == 0)
        raise(SIGKILL);
    return rv;
}

void db_rollback(struct db *d)
{
    d->interned.held = false;
    if (db_in_txn(d))
        sqlite3_exec(d->conn, "ROLLBACK", NULL, NULL, NULL);
}

bool db_in_txn(const struct db *d)
{
    return d->conn != NULL && !sqlite3_get_autocommit(d->conn);
}

/* A worn SD card that turned read-only still opens for reading
 * (DECISIONS 23): SQLite cannot create the WAL index there, so the
 * database is opened as immutable (no locks, no WAL index). */
static char *immutable_uri(const char *path)
{
    size_t len = strlen(path);
    char *uri = malloc(3 * len + 32);
    if (uri == NULL)
        return NULL;
    char *o = uri + sprintf(uri, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            o += sprintf(o, "%%%02x", (unsigned char)*p);
        else
            *o++ = *p;
    }
    strcpy(o, "?immutable=1");
    return uri;
}

/* Once a process, as it is loaded (before main, so before anything in
 * it starts SQLite; a benchmark that opened a database of its own first
 * kept the count on): SQLite's count of the memory it holds
 * (sqlite3_memory_used, the heap limits; none is used here) takes a
 * global mutex at every allocation — 5.7 % of an import's own
 * instructions (BENCHMARKS.md). Should SQLite have been started already,
 * the call is refused and the count stays: nothing else differs. */
__attribute__((constructor)) static void sqlite_setup(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_open(struct db *d, const char *path, const char *dir, bool readonly,
            bool create, struct hz_err *err)
{
    d->readonly = readonly;
    d->stmts = calloc(1, sizeof(struct stmt_cache));
    if (d->stmts == NULL)
        return hz_err_set(err, HZ_ENOMEM, "statement cache");
    int flags = readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    char *uri = NULL;
    if (readonly && dir != NULL && access(dir, W_OK) != 0) {
        uri = immutable_uri(path);
        if (uri == NULL)
            return hz_err_set(err, HZ_ENOMEM, "uri");
        flags |= SQLITE_OPEN_URI;
    }
    int rc = sqlite3_open_v2(uri != NULL ? uri : path, &d->conn,
                             flags | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return db_err(d, rc, "open database", err);
    sqlite3_extended_result_codes(d->conn, 1);
    sqlite3_busy_timeout(d->conn, BUSY_TIMEOUT_MS);
    rc = db_docs_module(d->conn);
    if (rc != SQLITE_OK)
        return db_err(d, rc, "hz_docs", err);
    if (readonly)
        return db_exec(d, "PRAGMA query_only=1", err);
    /* synchronous and secure_delete are per connection and change
     * nothing on disk; the journal mode is set by db_configure once the
     * file is known to be ours, so a foreign database is never modified.
     * Freed space is zeroed (secure_delete, whatever the build's default):
     * an account's old password hash, say, leaves nothing behind. */
    int rv = db_exec(d, "PRAGMA synchronous=FULL", err);
    return rv != 0 ? rv : db_secure_delete(d, true, err);
}

/* A checkpoint that truncates the WAL to nothing, never waiting for a
 * reader (SQLITE_BUSY then). */
static int wal_truncate(sqlite3 *conn, const char *name)
{
    sqlite3_busy_timeout(conn, 0);
    int rc = sqlite3_wal_checkpoint_v2(conn, name, SQLITE_CHECKPOINT_TRUNCATE,
                                       NULL, NULL);
    sqlite3_busy_timeout(conn, BUSY_TIMEOUT_MS);
    return rc;
}

/* After each commit of this connection (SQLite's WAL hook; registering it
 * replaces SQLite's autocheckpoint, which is the same hook): from 1,000
 * frames on a passive checkpoint, as SQLite's own. Once the WAL holds
 * more than DB_WAL_KEEP_BYTES the checkpoint also truncates it to
 * nothing: an import's one transaction can make the WAL hundreds of MiB,
 * and SQLite would keep the file that size on the card until the next
 * write (journal_size_limit applies only then). It does not wait: if a
 * reader still holds an older snapshot (a report being read), the
 * passive checkpoint stands and the next large commit tries again; a
 * commit is never held up. Nothing here can fail the commit. */
static int wal_hook(void *arg, sqlite3 *conn, const char *name, int frames)
{
    const struct db *d = arg;
    if (frames < DB_WAL_AUTOCHECKPOINT)
        return SQLITE_OK;
    int rc = (int64_t)frames > d->wal_keep_frames ? wal_truncate(conn, name)
                                                  : SQLITE_BUSY;
    if (rc != SQLITE_OK)
        (void)sqlite3_wal_checkpoint_v2(conn, name, SQLITE_CHECKPOINT_PASSIVE,
                                        NULL, NULL);
    return SQLITE_OK;
}

void db_wal_trim(struct db *d)
{
    HZ_ASSERT(!db_in_txn(d));
    if (!d->readonly)
        (void)wal_truncate(d->conn, "main");
}

int db_configure(struct db *d, struct hz_err *err)
{
    if (d->readonly)
        return 0;
    const char *test_kill = getenv("HUZHU_TEST_KILL_AT_COMMIT");
    if (test_kill != NULL)
        d->kill_at_commit = strtoul(test_kill, NULL, 10);
    /* A 16 MiB page cache (the default 2 MiB spills during imports), a
     * WAL truncated back to 64 MiB when it restarts and to nothing after
     * a commit that made it larger (wal_hook): sized for a Pi. */
    int rv = db_exec(d, "PRAGMA journal_mode=WAL", err);
    if (rv == 0)
        rv = db_cache_kib(d, DB_CACHE_KIB, err);
    if (rv == 0)
        rv = db_exec(d, "PRAGMA journal_size_limit=67108864", err);
    int64_t page = 0;
    if (rv == 0)
        rv = db_int(d, "PRAGMA page_size", NULL, 0, &page, NULL, err);
    if (rv == 0) {
        d->wal_keep_frames = DB_WAL_KEEP_BYTES / (page > 0 ? page : 4096);
        sqlite3_wal_hook(d->conn, wal_hook, d);
    }
    return rv;
}

int db_cache_kib(struct db *d, unsigned kib, struct hz_err *err)
{
    char sql[48];
    snprintf(sql, sizeof sql, "PRAGMA cache_size=-%u", kib);
    return db_exec(d, sql, err);
}

int db_secure_delete(struct db *d, bool on, struct hz_err *err)
{
    return db_exec(d, on ? "PRAGMA secure_delete=1" : "PRAGMA secure_delete=0",
                   err);
}

void db_close(struct db *d)
{
    db_rollback(d);
    struct stmt_cache *cache = d->stmts;
    for (size_t i = 0; cache != NULL && i < STMT_CACHE; i++) {
        if (cache->slot[i].sql != NULL) {
            sqlite3_finalize(cache->slot[i].st);
            free(cache->slot[i].sql);
        }
    }
    free(cache);
    d->stmts = NULL;
    if (d->conn != NULL)
        sqlite3_close(d->conn);
    d->conn = NULL;
}

int db_format(struct db *d, int *format, struct hz_err *err)
{
    int64_t v = 0;
    int rv = db_int(d, "PRAGMA user_version", DB_NO_ARGS, &v, NULL, err);
    *format = (int)v;
    d->format = *format;
    return rv;
}

int db_set_format(struct db *d, struct hz_err *err)
{
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", HZ_DB_FORMAT);
    int rv = db_exec(d, pragma, err);
    if (rv == 0)
        d->format = HZ_DB_FORMAT;
    return rv;
}

static const char base_schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB);"
    "CREATE TABLE IF NOT EXISTS log("
    " n INTEGER PRIMARY KEY, author INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " id BLOB NOT NULL UNIQUE, clock INTEGER NOT NULL,"
    " state INTEGER NOT NULL, reason TEXT, bytes BLOB NOT NULL,"
    " mark INTEGER NOT NULL DEFAULT 0, UNIQUE(author, seq));"
    /* 0 is ENTRY_APPLIED (log/log.h asserts it): the index holds the
     * entries that are not applied, a few among many. */
    "CREATE INDEX IF NOT EXISTS log_state ON log(state) WHERE state <> 0;"
    /* pending and forks hold whole entries: rowid tables, so an entry of
     * a few KB stays on its page (a WITHOUT ROWID row keeps about 1 KB
     * there and puts the rest on an overflow page of its own). Their
     * numbers are never given twice (AUTOINCREMENT, format 7): a live
     * session pushes the rows after the last number it sent. */
    "CREATE TABLE IF NOT EXISTS pending(" PENDING_COLS ");"
    /* Entries in pending per author, and in all under the empty author:
     * the caps of DECISIONS 7 without counting rows (log/log.c). */
    "CREATE TABLE IF NOT EXISTS pending_count(author BLOB PRIMARY KEY,"
    " n INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS forks(" FORKS_COLS ");"
    /* Entries of authors with no certificate in effect, never applied:
     * the strangers' caps of DECISIONS 34 (log/capacity.c; format 3). */
    "CREATE TABLE IF NOT EXISTS stranger(author BLOB, seq INTEGER, id BLOB,"
    " len INTEGER NOT NULL, src INTEGER NOT NULL,"
    " PRIMARY KEY(author, seq, id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS stranger_seq ON stranger(seq, author, id);"
    "CREATE INDEX IF NOT EXISTS stranger_src ON stranger(src, seq, author,"
    " id);"
    "CREATE INDEX IF NOT EXISTS forks_id ON forks(id);"
    "CREATE TABLE IF NOT EXISTS skew(author BLOB PRIMARY KEY,"
    " clock INTEGER NOT NULL, wall INTEGER NOT NULL);"
    /* Names of tables and columns (text), and authors' keys (blobs: a
     * blob never equals a text), as small integers for w (format 4):
     * every name of the schema is entered by db_setup, an author with its
     * first applied write (db_intern_key). One table, not two: every
     * table costs a new node pages (tests/media fills a 640 KB card). */
    "CREATE TABLE IF NOT EXISTS names(k INTEGER PRIMARY KEY, name NOT NULL"
    " UNIQUE);"
    /* One fact per entry and entity row it wrote (format 6): the row
     * (table as names.k), the author (names.k of its key) and the entry's
     * log.n; the columns it wrote and those of them still heads as bits
     * (fields.c, fields_col_bit), and their values in bit order. One author's
     * entries enter the log in seq order, so its latest write of a column
     * before an entry, and whether a later one exists, are found by the
     * key. An entry taken back finds its facts by the key too, its rows
     * read from its ops (format 18: no index by entry, w_n until then). */
    "CREATE TABLE IF NOT EXISTS w(tbl INTEGER, row BLOB, a INTEGER,"
    " n INTEGER, clock INTEGER NOT NULL, wrote INTEGER NOT NULL,"
    " heads INTEGER NOT NULL, val BLOB NOT NULL, PRIMARY KEY(tbl, row, a, n))"
    " WITHOUT ROWID;"
    /* The facts still a head of some column, in merge order
     * (proto/merge.md): a column's winner is among the last facts of its
     * row (equal clocks are ordered by the authors' keys), a conflict
     * lists them. */
    "CREATE INDEX IF NOT EXISTS w_heads ON w(tbl, row, clock, a)"
    " WHERE heads <> 0;"
    "CREATE TABLE IF NOT EXISTS sup(tbl TEXT, row BLOB, col TEXT, old BLOB,"
    " by BLOB, PRIMARY KEY(tbl, row, col, old, by)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sup_by ON sup(by);"
    "CREATE TABLE IF NOT EXISTS tomb(tbl TEXT, row BLOB, eid BLOB,"
    " PRIMARY KEY(tbl, row, eid)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS tomb_eid ON tomb(eid);"
    "CREATE TABLE IF NOT EXISTS tomb_seen(tbl TEXT, row BLOB, eid BLOB,"
    " seen BLOB, PRIMARY KEY(tbl, row, eid, seen)) WITHOUT ROWID;"
    /* The sources of each event row: table as names.k, the inserting
     * entry's log.n and a sum of the content it gave (db_event_sum); the
     * content itself is read back from the entry when needed (format 5,
     * state/events.c). An entry taken back finds its sources by the key,
     * its rows read from its ops (format 18; evsrc_n until then). */
    "CREATE TABLE IF NOT EXISTS evsrc(tbl INTEGER, row BLOB, n INTEGER,"
    " sum BLOB NOT NULL, PRIMARY KEY(tbl, row, n)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS tobj(eid BLOB, idx INTEGER, author BLOB"
    " NOT NULL, seq INTEGER NOT NULL, kind INTEGER NOT NULL, bytes BLOB NOT"
    " NULL, PRIMARY KEY(eid, idx)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS tobj_author ON tobj(author, seq);"
    "CREATE TABLE IF NOT EXISTS member(subject BLOB, id BLOB, bytes BLOB NOT"
    " NULL, eid BLOB NOT NULL, rank INTEGER, PRIMARY KEY(subject, id))"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS cutoff(subject BLOB PRIMARY KEY, seq INTEGER"
    " NOT NULL, rev BLOB NOT NULL, issuer BLOB NOT NULL, root INTEGER NOT"
    " NULL, eid BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS standing(subject BLOB PRIMARY KEY, digest"
    " BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS prenet(n INTEGER PRIMARY KEY, bytes BLOB NOT"
    " NULL);"
    "CREATE TABLE IF NOT EXISTS epochs(id BLOB PRIMARY KEY, epoch INTEGER NOT"
    " NULL, key_id BLOB NOT NULL, eid BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS bkeys(key_id BLOB PRIMARY KEY, epoch INTEGER"
    " NOT NULL, key BLOB NOT NULL);";

/* Tables that are this node's own and never replicated, or derived from
 * the materialized rows (formats 7 to 9). */
static const char local_schema[] =
    /* Live sync, this node's own and never replicated (format 7;
     * members/peer.c): the peers an operator configured (huzhu peer add)
     * and every device a session met, with what came of it. Times are
     * wall-clock milliseconds. */
    "CREATE TABLE IF NOT EXISTS peer(addr TEXT PRIMARY KEY, added INTEGER"
    " NOT NULL, last_try INTEGER NOT NULL DEFAULT 0, last_error TEXT)"
    " WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS contact(key BLOB PRIMARY KEY, addr TEXT NOT"
    " NULL, dialled INTEGER NOT NULL, connected INTEGER NOT NULL DEFAULT 0,"
    " last_contact INTEGER NOT NULL DEFAULT 0, last_sync INTEGER NOT NULL"
    " DEFAULT 0, sent INTEGER NOT NULL DEFAULT 0, received INTEGER NOT NULL"
    " DEFAULT 0, last_error TEXT, they_lack INTEGER, we_lack INTEGER)"
    " WITHOUT ROWID;"
    /* The search index of persons and households, derived from their
     * materialized rows (format 9; FTS5 since 17; state/search.c): a
     * row's keys one document, its number the rowid, contentless (the
     * rows hold the text), no positions nor sizes (a key is looked up,
     * never ranked), the built-in ASCII tokenizer with ":" and "^" part
     * of a token; and the (key, row) pairs of each, for log verify. */
    "CREATE VIRTUAL TABLE IF NOT EXISTS sx_p USING fts5(k, content='',"
    " detail=none, columnsize=0, tokenize=\"ascii tokenchars '^:'\");"
    "CREATE VIRTUAL TABLE IF NOT EXISTS sx_h USING fts5(k, content='',"
    " detail=none, columnsize=0, tokenize=\"ascii tokenchars '^:'\");"
    "CREATE VIRTUAL TABLE IF NOT EXISTS sxv_p USING fts5vocab(sx_p,"
    " instance);"
    "CREATE VIRTUAL TABLE IF NOT EXISTS sxv_h USING fts5vocab(sx_h,"
    " instance);"
    /* Staff accounts of the web interface, this node's and never
     * replicated (format 8; members/accounts.c). */
    "CREATE TABLE IF NOT EXISTS account(name TEXT PRIMARY KEY, role TEXT NOT"
    " NULL, site TEXT, hash TEXT NOT NULL, serial INTEGER NOT NULL, created"
    " INTEGER NOT NULL, changed INTEGER NOT NULL) WITHOUT ROWID;"
    /* Roster imports, this node's own (format 13; files/roster.c): each
     * household a roster import wrote or found, by the digest of what
     * the roster said of it, so a re-run adds nothing twice. */
    "CREATE TABLE IF NOT EXISTS roster_seen(k BLOB PRIMARY KEY, household"
    " BLOB NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;"
    /* The local change counter's removals (format 15; state/rows.c): a
     * materialized row taken away, numbered like every change, so the
     * county mirror removes it too. The rows that are there carry the
     * number of their latest change in their own chg column. */
    "CREATE TABLE IF NOT EXISTS chg_gone(c INTEGER PRIMARY KEY, tbl INTEGER"
    " NOT NULL, row BLOB NOT NULL);";

void db_table_name(const struct table_def *t, char *out, size_t len)
{
    snprintf(out, len, "\"%c_%s\"", t->kind == TABLE_ENTITY ? 'e' : 'v',
             t->name);
}

void db_table_bare(const struct table_def *t, char *out, size_t len)
{
    snprintf(out, len, "%c_%s", t->kind == TABLE_ENTITY ? 'e' : 'v', t->name);
}

/* The change column of every entity row (format 15). */
#define ROW_CHG_COL "chg INTEGER NOT NULL DEFAULT 0"
/* An entity row's sole fact (format 19; state/fields.c): the log.n of
 * the one entry that wrote the row, and the columns it wrote, while no
 * other fact or tombstone mentions it; NULL otherwise (its facts in w). */
#define ROW_SOLE_COLS "sole INTEGER, sole_bits INTEGER"

static const char *sql_type(enum col_type t)
{
    switch (t) {
    case COL_INT:
    case COL_BOOL:
        return "INTEGER";
    case COL_REAL:
        return "REAL";
    case COL_ID:
        return "BLOB";
    case COL_TEXT:
    case COL_ENUM:
        return "TEXT";
    }
    return "BLOB";
}

static int has_column(struct db *d, const char *table, const char *col,
                      bool *has, struct hz_err *err)
{
    int64_t one;
    return db_int(d, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2",
                  DB_ARGS(DB_TEXT(table), DB_TEXT(col)), &one, has, err);
}

/* One materialized table per registry table; columns added by an upgrade
 * are added with ALTER TABLE. */
static int setup_table(struct db *d, const struct table_def *t,
                       struct hz_err *err)
{
    char name[96], sql[2048];
    db_table_name(t, name, sizeof name);
    /* A new table gets every column at once; an existing one (a node
     * made by an older schema) gets the missing columns added below.
     * (Asking each column of a new table was a third of the time of
     * making an in-memory node, which the simulator does often.) */
    char bare[96];
    db_table_bare(t, bare, sizeof bare);
    bool exists = false;
    int64_t one;
    int rv = db_int(d,
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND"
                    " name = ?1",
                    DB_ARGS(DB_TEXT(bare)), &one, &exists, err);
    /* An entity row has a number of this node's own, n (format 11): the
     * search index names a row by it, a few bytes instead of 16. It is
     * the rowid, declared so that it never changes (a VACUUM renumbers
     * undeclared rowids). */
    int len =
        snprintf(sql, sizeof sql, "CREATE TABLE IF NOT EXISTS %s(%s", name,
                 t->kind == TABLE_ENTITY
                     ? "n INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE,"
                       " deleted INTEGER NOT NULL DEFAULT 0, " ROW_CHG_COL
                       ", " ROW_SOLE_COLS
                     : "id BLOB PRIMARY KEY, eid BLOB NOT NULL");
    for (size_t c = 0; c < t->n_cols; c++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, ", \"%s\" %s",
                        t->cols[c].name, sql_type(t->cols[c].type));
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    HZ_ASSERT((size_t)len < sizeof sql - 2);
    if (rv == 0 && !exists)
        rv = db_exec(d, sql, err);
    for (size_t c = 0; rv == 0 && c <= t->n_cols; c++)
        rv = db_run(d, "INSERT OR IGNORE INTO names(name) VALUES(?1)",
                    DB_ARGS(DB_TEXT(c == 0 ? t->name : t->cols[c - 1].name)),
                    err);
    for (size_t c = 0; rv == 0 && exists && c < t->n_cols; c++) {
        bool has = false;
        rv = has_column(d, bare, t->cols[c].name, &has, err);
        if (rv != 0 || has)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN \"%s\" %s", name,
                 t->cols[c].name, sql_type(t->cols[c].type));
        rv = db_exec(d, sql, err);
    }
    /* An entity row's number of its latest change (format 15;
     * state/rows.c); an event row's is its rowid. */
    bool has_chg = true;
    if (rv == 0 && exists && t->kind == TABLE_ENTITY)
        rv = has_column(d, bare, "chg", &has_chg, err);
    if (rv == 0 && !has_chg) {
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN " ROW_CHG_COL,
                 name);
        rv = db_exec(d, sql, err);
    }
    /* Format 19: a row of an older node has its facts in w. */
    bool has_sole = true;
    if (rv == 0 && exists && t->kind == TABLE_ENTITY)
        rv = has_column(d, bare, "sole", &has_sole, err);
    if (rv == 0 && !has_sole) {
        snprintf(sql, sizeof sql,
                 "ALTER TABLE %s ADD COLUMN sole INTEGER;"
                 " ALTER TABLE %s ADD COLUMN sole_bits INTEGER",
                 name, name);
        rv = db_exec(d, sql, err);
    }
    /* Derived views join events on the rows they name (reverses, closes,
     * site, item, person, household): index every id column of events,
     * where it names one (format 16: most rows name no row they reverse
     * or close, and each such row cost an index entry; a join on the
     * column, x = y, implies it is not NULL, so it still uses the index). */
    for (size_t c = 0; rv == 0 && t->kind == TABLE_EVENT && c < t->n_cols;
         c++) {
        if (t->cols[c].type != COL_ID)
            continue;
        const char *col = t->cols[c].name;
        snprintf(sql, sizeof sql,
                 "CREATE INDEX IF NOT EXISTS \"%s_%s\" ON %s(\"%s\") WHERE"
                 " \"%s\" IS NOT NULL",
                 bare, col, name, col, col);
        rv = db_exec(d, sql, err);
    }
    return rv;
}

/* Format 16, before db_setup: the indexes of events' id columns dropped,
 * for db_setup to make them anew where not NULL. */
static int event_indexes_begin(struct db *d, const struct schema *schema,
                               struct hz_err *err)
{
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < schema->n_tables; i++) {
        const struct table_def *t = &schema->tables[i];
        char bare[96], sql[256];
        db_table_bare(t, bare, sizeof bare);
        for (size_t c = 0; rv == 0 && t->kind == TABLE_EVENT && c < t->n_cols;
             c++) {
            if (t->cols[c].type != COL_ID)
                continue;
            snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS \"%s_%s\"", bare,
                     t->cols[c].name);
            rv = db_exec(d, sql, err);
        }
    }
    return rv;
}

void db_event_sum(const uint8_t *content, size_t len,
                  uint8_t out[DB_EVENT_SUM_LEN])
{
    crypto_generichash(out, DB_EVENT_SUM_LEN, content, len, NULL, 0);
}

/* SQL event_sum(content), for the upgrade to format 5. */
static void sql_event_sum(sqlite3_context *cx, int argc, sqlite3_value **argv)
{
    HZ_ASSERT(argc == 1);
    uint8_t sum[DB_EVENT_SUM_LEN];
    db_event_sum(sqlite3_value_blob(argv[0]),
                 (size_t)sqlite3_value_bytes(argv[0]), sum);
    sqlite3_result_blob(cx, sum, sizeof sum, SQLITE_TRANSIENT);
}

/* Copy a table set aside as @old into its new shape with @sql, which
 * must copy every row (else HZ_ECORRUPT, naming @what), then drop it. */
static int copy_all(struct db *d, const char *old, const char *sql,
                    const char *what, struct hz_err *err)
{
    char count[96];
    snprintf(count, sizeof count, "SELECT count(*) FROM %s", old);
    int64_t before = 0, after = -1;
    int rv = db_int(d, count, DB_NO_ARGS, &before, NULL, err);
    if (rv == 0)
        rv = db_exec(d, sql, err);
    if (rv == 0)
        after = db_changes(d);
    /* Every fact is of an applied entry, which the log holds; every
     * row set aside is copied. */
    if (rv == 0 && after != before)
        rv = hz_err_set(err, HZ_ECORRUPT, "%lld %s set aside, %lld copied",
                        (long long)before, what, (long long)after);
    snprintf(count, sizeof count, "DROP TABLE %s", old);
    return rv != 0 ? rv : db_exec(d, count, err);
}

/* Format 11, before db_setup: an entity table without its row numbers
 * is set aside as "<table>_format10" (db_setup then makes it anew). */
static int number_rows_begin(struct db *d, const struct table_def *t,
                             struct hz_err *err)
{
    char bare[96], sql[256];
    db_table_bare(t, bare, sizeof bare);
    bool has_id = false, has_n = false;
    int rv =
        t->kind == TABLE_ENTITY ? has_column(d, bare, "id", &has_id, err) : 0;
    if (rv == 0 && has_id)
        rv = has_column(d, bare, "n", &has_n, err);
    if (rv != 0 || !has_id || has_n)
        return rv;
    snprintf(sql, sizeof sql, "ALTER TABLE \"%s\" RENAME TO \"%s_format10\"",
             bare, bare);
    return db_exec(d, sql, err);
}

/* Format 11, after db_setup: the rows set aside copied into the new
 * table, every column the old one had; then it is dropped. */
static int number_rows_end(struct db *d, const struct table_def *t,
                           struct hz_err *err)
{
    char bare[96], old[128], cols[4096], sql[2 * 4096 + 96 + 128 + 64];
    db_table_bare(t, bare, sizeof bare);
    snprintf(old, sizeof old, "%s_format10", bare);
    bool set_aside = false;
    int rv =
        t->kind == TABLE_ENTITY ? has_column(d, old, "id", &set_aside, err) : 0;
    if (rv != 0 || !set_aside)
        return rv;
    int len = snprintf(cols, sizeof cols, "id, deleted");
    for (size_t c = 0; rv == 0 && c < t->n_cols; c++) {
        bool has = false;
        rv = has_column(d, old, t->cols[c].name, &has, err);
        if (rv == 0 && has)
            len += snprintf(cols + len, sizeof cols - (size_t)len, ", \"%s\"",
                            t->cols[c].name);
    }
    HZ_ASSERT((size_t)len < sizeof cols - 1);
    if (rv != 0)
        return rv;
    snprintf(sql, sizeof sql,
             "INSERT INTO \"%s\"(%s) SELECT %s FROM \"%s\" ORDER BY rowid",
             bare, cols, cols, old);
    char quoted[132];
    snprintf(quoted, sizeof quoted, "\"%s\"", old);
    return copy_all(d, quoted, sql, "rows", err);
}

/* Format 11, before db_setup: a log whose author is a key (a blob) is
 * set aside as log_format10, its indexes dropped (db_setup makes them
 * anew for the new log). */
static int log_keys_begin(struct db *d, struct hz_err *err)
{
    bool found = false;
    int64_t one;
    int rv = db_int(d,
                    "SELECT 1 FROM pragma_table_info('log') WHERE"
                    " name = 'author' AND type = 'BLOB'",
                    DB_NO_ARGS, &one, &found, err);
    if (rv != 0 || !found)
        return rv;
    return db_exec(d,
                   "DROP INDEX IF EXISTS log_clock;"
                   " DROP INDEX IF EXISTS log_state;"
                   " ALTER TABLE log RENAME TO log_format10;",
                   err);
}

/* Format 11, after db_setup: every key of an author entered in names,
 * and the log copied with its author as names.k, every column the old
 * one had, each entry keeping its number. */
static int log_keys_end(struct db *d, struct hz_err *err)
{
    bool set_aside = false;
    int rv = has_column(d, "log_format10", "id", &set_aside, err);
    if (rv != 0 || !set_aside)
        return rv;
    static const char *const cols[] = {"n",     "seq",    "id",    "clock",
                                       "state", "reason", "bytes", "mark"};
    char into[256] = "author", from[256] = "a.k";
    for (size_t i = 0; rv == 0 && i < sizeof cols / sizeof cols[0]; i++) {
        bool has = false;
        rv = has_column(d, "log_format10", cols[i], &has, err);
        if (rv != 0 || !has)
            continue;
        size_t a = strlen(into), b = strlen(from);
        snprintf(into + a, sizeof into - a, ", %s", cols[i]);
        snprintf(from + b, sizeof from - b, ", l.%s", cols[i]);
    }
    if (rv == 0)
        rv = db_exec(d,
                     "INSERT OR IGNORE INTO names(name) SELECT DISTINCT author"
                     " FROM log_format10",
                     err);
    char sql[768];
    snprintf(sql, sizeof sql,
             "INSERT INTO log(%s) SELECT %s FROM log_format10 AS l"
             " JOIN names AS a ON a.name = l.author ORDER BY l.n",
             into, from);
    return rv != 0 ? rv : copy_all(d, "log_format10", sql, "entries", err);
}

/* Format 15: the rows of every materialized table numbered as changes,
 * table after table in rowid order (an entity row's number in chg, an
 * event row's as its rowid, moved above every rowid it held), and the
 * counter (meta "chg") set to the last number given. */
static int number_changes(struct db *d, const struct schema *schema,
                          struct hz_err *err)
{
    int64_t base = 0;
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < schema->n_tables; i++) {
        const struct table_def *t = &schema->tables[i];
        char name[96], sql[256];
        db_table_name(t, name, sizeof name);
        int64_t top = 0;
        snprintf(sql, sizeof sql, "SELECT coalesce(max(rowid), 0) FROM %s",
                 name);
        rv = db_int(d, sql, DB_NO_ARGS, &top, NULL, err);
        if (t->kind == TABLE_EVENT && base < top)
            base = top; /* rowid + base: above every rowid held */
        snprintf(sql, sizeof sql,
                 t->kind == TABLE_ENTITY ? "UPDATE %s SET chg = ?1 + rowid"
                                         : "UPDATE %s SET rowid = ?1 + rowid",
                 name);
        if (rv == 0)
            rv = db_run(d, sql, DB_ARGS(DB_INT(base)), err);
        base += top;
    }
    return rv != 0 ? rv
                   : db_run(d,
                            "INSERT OR REPLACE INTO meta(k, v)"
                            " VALUES('chg', ?1)",
                            DB_ARGS(DB_INT(base)), err);
}

int db_upgrade(struct db *d, const struct schema *schema, int format,
               struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(d));
    int rv = 0;
    /* 3: w keyed by (field, author, seq) instead of (field, eid), and
     * w_heads in merge order; 4: names, authors and entries as integers
     * (log.n). Formats 2 and 3 have the same columns: w is copied from
     * either into the shape of formats 4 and 5, w_format5. 5: evsrc by
     * names.k and log.n, with a sum of the content; its columns were the
     * same from format 1 to 4. 6: one fact per entry and row, made from
     * w_format5 by fields_upgrade (state/fields.c), which the caller
     * runs next. */
    if (format < 4)
        rv = db_exec(d,
                     "DROP INDEX IF EXISTS w_eid; DROP INDEX IF EXISTS w_heads;"
                     " ALTER TABLE w RENAME TO w_format3;"
                     "CREATE TABLE w_format5(tbl INTEGER, row BLOB,"
                     " col INTEGER, a INTEGER, n INTEGER, clock INTEGER NOT"
                     " NULL, val BLOB NOT NULL, head INTEGER NOT NULL,"
                     " PRIMARY KEY(tbl, row, col, a, n)) WITHOUT ROWID;",
                     err);
    else if (format < 6)
        rv = db_exec(d,
                     "DROP INDEX IF EXISTS w_n; DROP INDEX IF EXISTS w_heads;"
                     " ALTER TABLE w RENAME TO w_format5;",
                     err);
    if (rv == 0 && format < 5)
        rv = db_exec(d,
                     "DROP INDEX IF EXISTS evsrc_eid;"
                     " ALTER TABLE evsrc RENAME TO evsrc_format4;",
                     err);
    /* 12: how far behind each side of a contact is (formats 7 to 11 have
     * the table without; older ones get it whole from db_setup). */
    int64_t add_lag = 0;
    if (rv == 0 && format < 12)
        rv = db_int(d,
                    "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type ="
                    " 'table' AND name = 'contact') AND NOT EXISTS(SELECT 1"
                    " FROM pragma_table_info('contact') WHERE name ="
                    " 'they_lack')",
                    DB_NO_ARGS, &add_lag, NULL, err);
    if (rv == 0 && add_lag)
        rv = db_exec(d,
                     "ALTER TABLE contact ADD COLUMN they_lack INTEGER;"
                     " ALTER TABLE contact ADD COLUMN we_lack INTEGER;",
                     err);
    /* 11: entity rows numbered (n), the search index keyed by them; 17:
     * the index in FTS5 (search_rebuild fills it). */
    if (rv == 0 && format < 17)
        rv = db_exec(d, "DROP TABLE IF EXISTS sx;", err);
    /* 18: facts and event sources found by their key alone. */
    if (rv == 0 && format < 18)
        rv = db_exec(
            d, "DROP INDEX IF EXISTS w_n; DROP INDEX IF EXISTS evsrc_n;", err);
    for (size_t i = 0; rv == 0 && format < 11 && i < schema->n_tables; i++)
        rv = number_rows_begin(d, &schema->tables[i], err);
    if (rv == 0 && format < 11)
        rv = log_keys_begin(d, err);
    if (rv == 0 && format < 16)
        rv = event_indexes_begin(d, schema, err);
    if (rv == 0)
        rv = db_setup(d, schema, err);
    if (rv == 0 && format < 11)
        rv = log_keys_end(d, err);
    for (size_t i = 0; rv == 0 && format < 11 && i < schema->n_tables; i++)
        rv = number_rows_end(d, &schema->tables[i], err);
    /* 15: every materialized row counts as changed once, so a mirror
     * starting from nothing copies them all. */
    if (rv == 0 && format < 15)
        rv = number_changes(d, schema, err);
    /* 16: the greatest clock in the log kept in meta, not by an index
     * (and the events' indexes where not NULL, above). */
    if (rv == 0 && format < 16)
        rv = db_exec(d,
                     "DROP INDEX IF EXISTS log_clock;"
                     " INSERT OR REPLACE INTO meta(k, v) SELECT 'clock',"
                     " max(clock) FROM log HAVING count(*) > 0;",
                     err);
    if (rv == 0 && format < 4)
        rv = db_exec(d,
                     "INSERT OR IGNORE INTO names(name) SELECT tbl FROM"
                     " w_format3 UNION SELECT col FROM w_format3;"
                     "INSERT OR IGNORE INTO names(name) SELECT DISTINCT author"
                     " FROM w_format3;",
                     err);
    if (rv == 0 && format < 4)
        rv = copy_all(d, "w_format3",
                      "INSERT INTO w_format5(tbl, row, col, a, n, clock, val,"
                      " head) SELECT t.k, w.row, c.k, au.k, l.n, w.clock,"
                      " w.val, w.head FROM w_format3 AS w"
                      " JOIN names AS t ON t.name = w.tbl"
                      " JOIN names AS c ON c.name = w.col"
                      " JOIN names AS au ON au.name = w.author"
                      " JOIN log AS l ON l.id = w.eid",
                      "field writes", err);
    if (rv == 0 && format < 5) {
        int rc = sqlite3_create_function_v2(
            d->conn, "event_sum", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
            sql_event_sum, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return db_err(d, rc, "event_sum", err);
        rv = db_exec(d,
                     "INSERT OR IGNORE INTO names(name) SELECT DISTINCT tbl"
                     " FROM evsrc_format4",
                     err);
        if (rv == 0)
            rv = copy_all(d, "evsrc_format4",
                          "INSERT INTO evsrc(tbl, row, n, sum)"
                          " SELECT t.k, e.row, l.n, event_sum(e.content)"
                          " FROM evsrc_format4 AS e"
                          " JOIN names AS t ON t.name = e.tbl"
                          " JOIN log AS l ON l.id = e.eid",
                          "event sources", err);
        sqlite3_create_function_v2(d->conn, "event_sum", 1, SQLITE_UTF8, NULL,
                                   NULL, NULL, NULL, NULL);
    }
    return rv;
}

int db_setup(struct db *d, const struct schema *schema, struct hz_err *err)
{
    int rv = db_exec(d, base_schema, err);
    if (rv == 0)
        rv = db_exec(d, local_schema, err);
    for (size_t i = 0; rv == 0 && i < schema->n_tables; i++)
        rv = setup_table(d, &schema->tables[i], err);
    /* Households by their roster number (format 13): a roster import
     * matches rows by it (DECISIONS 41). */
    const struct table_def *hh = schema_table_c(schema, "households");
    if (rv == 0 && hh != NULL && schema_col_c(hh, "number") >= 0)
        rv = db_exec(d,
                     "CREATE INDEX IF NOT EXISTS e_households_number ON"
                     " e_households(number) WHERE number IS NOT NULL",
                     err);
    /* Persons by name (format 14): a roster import looks for the same
     * name, birth year and village among the persons held, once per
     * person it writes. */
    if (rv == 0 && schema_table_c(schema, "persons") != NULL)
        rv = db_exec(d,
                     "CREATE INDEX IF NOT EXISTS e_persons_name ON"
                     " e_persons(name, birth_year) WHERE name IS NOT NULL",
                     err);
    return rv;
}

/* In-memory databases (the simulator makes thousands, and making the
 * tables was a sixth of its time): a schema's tables made once per
 * process in a template, and each new in-memory database a copy of it. */
#define TEMPLATES 4
static struct {
    pthread_mutex_t lock;
    struct template
    {
        const struct schema *schema;
        unsigned char *bytes; /* sqlite3_serialize's, kept to the end */
        sqlite3_int64 len;
    }
    t[TEMPLATES];
} templates = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* db_setup of @d in a transaction of its own. */
static int setup_alone(struct db *d, const struct schema *schema,
                       struct hz_err *err)
{
    int rv = db_begin(d, err);
    if (rv == 0)
        rv = db_setup(d, schema, err);
    if (rv == 0)
        rv = db_commit(d, err);
    if (rv != 0 && db_in_txn(d))
        db_rollback(d);
    return rv;
}

static int template_make(struct template *t, const struct schema *schema,
                         struct hz_err *err)
{
    struct db m = {0};
    int rv = db_open(&m, ":memory:", NULL, false, true, err);
    if (rv == 0)
        rv = setup_alone(&m, schema, err);
    if (rv == 0) {
        t->bytes = sqlite3_serialize(m.conn, "main", &t->len, 0);
        if (t->bytes == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "database template");
        else
            t->schema = schema;
    }
    db_close(&m);
    return rv;
}

int db_setup_memory(struct db *d, const struct schema *schema,
                    struct hz_err *err)
{
    HZ_ASSERT(!db_in_txn(d));
    pthread_mutex_lock(&templates.lock);
    struct template *t = NULL;
    int rv = 0;
    for (size_t i = 0; t == NULL && i < TEMPLATES; i++)
        if (templates.t[i].schema == schema || templates.t[i].schema == NULL)
            t = &templates.t[i];
    if (t != NULL && t->schema == NULL)
        rv = template_make(t, schema, err);
    unsigned char *copy = NULL;
    if (rv == 0 && t != NULL) {
        copy = sqlite3_malloc64((sqlite3_uint64)t->len);
        if (copy != NULL)
            memcpy(copy, t->bytes, (size_t)t->len);
    }
    sqlite3_int64 len = t != NULL ? t->len : 0;
    pthread_mutex_unlock(&templates.lock);
    if (rv != 0)
        return rv;
    if (t == NULL) /* more schemas than templates: made here */
        return setup_alone(d, schema, err);
    if (copy == NULL)
        return hz_err_set(err, HZ_ENOMEM, "database template");
    int rc = sqlite3_deserialize(d->conn, "main", copy, len, len,
                                 SQLITE_DESERIALIZE_FREEONCLOSE |
                                     SQLITE_DESERIALIZE_RESIZEABLE);
    return rc == SQLITE_OK ? 0 : db_err(d, rc, "database template", err);
}

int db_intern_key(struct db *d, const uint8_t *key, int64_t *k,
                  struct hz_err *err)
{
    /* Every entry stored asks (log.author), and each of its writes: an
     * author is nearly always the one asked last, or known already, so
     * look first. Held for one transaction (names loses no row, but a
     * rollback takes back one entered in it). */
    if (d->interned.held && db_in_txn(d) &&
        memcmp(d->interned.key, key, HZ_KEY_LEN) == 0) {
        *k = d->interned.k;
        return 0;
    }
    bool found = false;
    int rv = db_int(d, "SELECT k FROM names WHERE name = ?1",
                    DB_ARGS(DB_KEY(key)), k, &found, err);
    if (rv == 0 && !found) {
        rv = db_run(d, "INSERT INTO names(name) VALUES(?1)",
                    DB_ARGS(DB_KEY(key)), err);
        *k = rv == 0 ? db_last_rowid(d) : 0;
    }
    d->interned.held = rv == 0 && db_in_txn(d);
    if (d->interned.held) {
        d->interned.k = *k;
        memcpy(d->interned.key, key, HZ_KEY_LEN);
    }
    return rv;
}

int db_meta_get(struct db *d, const char *key, void *out, size_t len,
                struct hz_err *err)
{
    bool found;
    int rv = db_blob(d, "SELECT v FROM meta WHERE k = ?1",
                     DB_ARGS(DB_TEXT(key)), out, len, &found, err);
    if (rv == 0 && !found)
        return hz_err_set(err, HZ_ECORRUPT, "meta %s", key);
    return rv == HZ_ECORRUPT ? hz_err_wrap(err, "meta %s", key) : rv;
}

int db_meta_get_text(struct db *d, const char *key, char **out,
                     struct hz_err *err)
{
    sqlite3_stmt *st;
    *out = NULL;
    bool found = false;
    int rv = db_first(d, "SELECT v FROM meta WHERE k = ?1",
                      DB_ARGS(DB_TEXT(key)), &st, &found, err);
    if (rv == 0)
        return hz_err_set(err, HZ_ECORRUPT, "meta %s", key);
    if (rv != 1)
        return rv;
    const char *t = (const char *)sqlite3_column_text(st, 0);
    *out = strdup(t != NULL ? t : "");
    sqlite3_reset(st);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "meta %s", key);
}

int db_meta_has(struct db *d, const char *key, bool *has, struct hz_err *err)
{
    int64_t one;
    return db_int(d, "SELECT 1 FROM meta WHERE k = ?1", DB_ARGS(DB_TEXT(key)),
                  &one, has, err);
}

int db_meta_put(struct db *d, const char *key, const void *p, size_t len,
                struct hz_err *err)
{
    return db_run(d, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)",
                  DB_ARGS(DB_TEXT(key), DB_BLOB(p, len)), err);
}

int db_meta_del(struct db *d, const char *key, struct hz_err *err)
{
    return db_run(d, "DELETE FROM meta WHERE k = ?1", DB_ARGS(DB_TEXT(key)),
                  err);
}

int db_meta_num(struct db *d, const char *key, int64_t *v, struct hz_err *err)
{
    bool found;
    *v = 0;
    return db_int(d, "SELECT v FROM meta WHERE k = ?1", DB_ARGS(DB_TEXT(key)),
                  v, &found, err);
}

int db_meta_num_load(struct db *d, const char *key, struct db_meta_num *m,
                     struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(d));
    if (m->loaded)
        return 0;
    int64_t v;
    int rv = db_meta_num(d, key, &v, err);
    if (rv != 0)
        return rv;
    m->loaded = true;
    m->v = v;
    m->stored = v;
    return 0;
}

int db_meta_num_store(struct db *d, const char *key,
                      const struct db_meta_num *m, struct hz_err *err)
{
    if (!m->loaded || m->v == m->stored)
        return 0;
    return db_run(d, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)",
                  DB_ARGS(DB_TEXT(key), DB_INT(m->v)), err);
}
