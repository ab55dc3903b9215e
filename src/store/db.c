/* db.c - the SQLite connection: settings, tables, cached statements and
 * the translation of SQLite errors to HZ_E codes (STYLE 5).
 *
 * Storage settings (proto/storage.md): WAL journal, synchronous=FULL (in
 * simulated power cuts NORMAL lost acknowledged commits, FULL never),
 * a busy timeout so a CLI call and `huzhu serve` can share a node. */
#include "store.h"

#include "../core/error_int.h"

#include <signal.h>
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

int db_err(struct hz_node *n, int rc, const char *what, struct hz_err *err)
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
    const char *msg = n->db != NULL ? sqlite3_errmsg(n->db) : "no database";
    return hz_err_set(err, code, "%s: sqlite: %s", what, msg);
}

int db_exec(struct hz_node *n, const char *sql, struct hz_err *err)
{
    int rc = sqlite3_exec(n->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : db_err(n, rc, "exec", err);
}

static size_t sql_hash(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static sqlite3_stmt *lookup(struct hz_node *n, const char *sql, int *rv,
                            struct hz_err *err)
{
    struct stmt_slot *cache = (struct stmt_slot *)n->stmts;
    size_t i = sql_hash(sql) % STMT_CACHE;
    for (size_t probe = 0; probe < STMT_CACHE; probe++) {
        struct stmt_slot *s = &cache[(i + probe) % STMT_CACHE];
        if (s->sql != NULL && strcmp(s->sql, sql) == 0) {
            sqlite3_reset(s->st);
            sqlite3_clear_bindings(s->st);
            return s->st;
        }
        if (s->sql == NULL) {
            int rc = sqlite3_prepare_v3(
                n->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->st, NULL);
            if (rc != SQLITE_OK) {
                *rv = db_err(n, rc, "prepare", err);
                s->st = NULL;
                return NULL;
            }
            s->sql = strdup(sql);
            if (s->sql == NULL) {
                sqlite3_finalize(s->st);
                s->st = NULL;
                *rv = hz_err_set(err, HZ_ENOMEM, "statement cache");
                return NULL;
            }
            return s->st;
        }
    }
    *rv = hz_err_set(err, HZ_ETOOBIG, "statement cache full");
    return NULL;
}

int db_prep(struct hz_node *n, const char *sql, sqlite3_stmt **st,
            struct hz_err *err)
{
    int rv = 0;
    *st = lookup(n, sql, &rv, err);
    return *st != NULL ? 0 : rv;
}

int db_step_done(struct hz_node *n, sqlite3_stmt *st, struct hz_err *err)
{
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0
                                                 : db_err(n, rc, "step", err);
}

int db_begin(struct hz_node *n, struct hz_err *err)
{
    return db_exec(n, "BEGIN IMMEDIATE", err);
}

int db_commit(struct hz_node *n, struct hz_err *err)
{
    /* Entries from outside that carried trust objects are resolved once
     * per transaction, not once per entry (trust.c). */
    if (n->trust_dirty) {
        n->trust_dirty = false;
        int rv = trust_refresh(n, err);
        if (rv != 0)
            return rv;
    }
    int rv = db_exec(n, "COMMIT", err);
    /* Test hook for deterministic crash points (DECISIONS 22): the
     * process dies right after its Nth commit, before it can say so. */
    if (rv == 0 && n->kill_at_commit > 0 && --n->kill_at_commit == 0)
        raise(SIGKILL);
    return rv;
}

void db_rollback(struct hz_node *n)
{
    n->trust_dirty = false;
    if (n->db != NULL && !sqlite3_get_autocommit(n->db))
        sqlite3_exec(n->db, "ROLLBACK", NULL, NULL, NULL);
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

int db_open(struct hz_node *n, const char *path, int create, struct hz_err *err)
{
    n->stmts = calloc(STMT_CACHE, sizeof(struct stmt_slot));
    if (n->stmts == NULL)
        return hz_err_set(err, HZ_ENOMEM, "statement cache");
    int flags = (n->flags & HZ_OPEN_READONLY) ? SQLITE_OPEN_READONLY
                                              : SQLITE_OPEN_READWRITE;
    if (create)
        flags |= SQLITE_OPEN_CREATE;
    char *uri = NULL;
    if ((n->flags & HZ_OPEN_READONLY) && n->dir != NULL &&
        access(n->dir, W_OK) != 0) {
        uri = immutable_uri(path);
        if (uri == NULL)
            return hz_err_set(err, HZ_ENOMEM, "uri");
        flags |= SQLITE_OPEN_URI;
    }
    int rc = sqlite3_open_v2(uri != NULL ? uri : path, &n->db,
                             flags | SQLITE_OPEN_NOMUTEX, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return db_err(n, rc, "open database", err);
    sqlite3_extended_result_codes(n->db, 1);
    sqlite3_busy_timeout(n->db, BUSY_TIMEOUT_MS);
    if (n->flags & HZ_OPEN_READONLY)
        return db_exec(n, "PRAGMA query_only=1", err);
    /* synchronous is per connection and changes nothing on disk; the
     * journal mode is set by db_configure once the file is known to be
     * ours, so a foreign database is never modified. */
    return db_exec(n, "PRAGMA synchronous=FULL", err);
}

int db_configure(struct hz_node *n, struct hz_err *err)
{
    if (n->flags & HZ_OPEN_READONLY)
        return 0;
    const char *test_kill = getenv("HUZHU_TEST_KILL_AT_COMMIT");
    if (test_kill != NULL)
        n->kill_at_commit = strtoul(test_kill, NULL, 10);
    /* Test hook: write entries this device's role does not allow, so tests
     * can show that every other node denies them. */
    const char *keep = getenv("HUZHU_TEST_KEEP_DENIED");
    n->keep_denied = keep != NULL && strcmp(keep, "1") == 0;
    /* A 16 MiB page cache (the default 2 MiB spills during imports) and a
     * WAL truncated back to 64 MiB after checkpoints: sized for a Pi. */
    int rv = db_exec(n, "PRAGMA journal_mode=WAL", err);
    if (rv == 0)
        rv = db_exec(n, "PRAGMA cache_size=-16384", err);
    if (rv == 0)
        rv = db_exec(n, "PRAGMA journal_size_limit=67108864", err);
    return rv;
}

void db_close(struct hz_node *n)
{
    struct stmt_slot *cache = (struct stmt_slot *)n->stmts;
    for (size_t i = 0; cache != NULL && i < STMT_CACHE; i++) {
        if (cache[i].sql != NULL) {
            sqlite3_finalize(cache[i].st);
            free(cache[i].sql);
        }
    }
    free(cache);
    n->stmts = NULL;
    if (n->db != NULL)
        sqlite3_close(n->db);
    n->db = NULL;
}

static const char base_schema[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v BLOB);"
    "CREATE TABLE IF NOT EXISTS log("
    " n INTEGER PRIMARY KEY, author BLOB NOT NULL, seq INTEGER NOT NULL,"
    " id BLOB NOT NULL UNIQUE, clock INTEGER NOT NULL,"
    " state INTEGER NOT NULL, reason TEXT, bytes BLOB NOT NULL,"
    " mark INTEGER NOT NULL DEFAULT 0, UNIQUE(author, seq));"
    "CREATE INDEX IF NOT EXISTS log_clock ON log(clock);"
    "CREATE INDEX IF NOT EXISTS log_state ON log(state) WHERE state <> 0;"
    "CREATE TABLE IF NOT EXISTS pending(author BLOB, seq INTEGER, id BLOB,"
    " bytes BLOB NOT NULL, mark INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY(author, seq, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS forks(author BLOB, seq INTEGER, id BLOB,"
    " point INTEGER NOT NULL, bytes BLOB NOT NULL,"
    " PRIMARY KEY(author, seq, id)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS skew(author BLOB PRIMARY KEY,"
    " clock INTEGER NOT NULL, wall INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS w(tbl TEXT, row BLOB, col TEXT, eid BLOB,"
    " author BLOB NOT NULL, seq INTEGER NOT NULL, clock INTEGER NOT NULL,"
    " val BLOB NOT NULL, head INTEGER NOT NULL,"
    " PRIMARY KEY(tbl, row, col, eid)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS w_eid ON w(eid);"
    "CREATE INDEX IF NOT EXISTS w_heads ON w(tbl, row, col) WHERE head = 1;"
    "CREATE TABLE IF NOT EXISTS sup(tbl TEXT, row BLOB, col TEXT, old BLOB,"
    " by BLOB, PRIMARY KEY(tbl, row, col, old, by)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS sup_by ON sup(by);"
    "CREATE TABLE IF NOT EXISTS tomb(tbl TEXT, row BLOB, eid BLOB,"
    " PRIMARY KEY(tbl, row, eid)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS tomb_eid ON tomb(eid);"
    "CREATE TABLE IF NOT EXISTS tomb_seen(tbl TEXT, row BLOB, eid BLOB,"
    " seen BLOB, PRIMARY KEY(tbl, row, eid, seen)) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS evsrc(tbl TEXT, row BLOB, eid BLOB,"
    " content BLOB NOT NULL, PRIMARY KEY(tbl, row, eid)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS evsrc_eid ON evsrc(eid);"
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

void db_table_name(const struct table_def *t, char *out, size_t len)
{
    snprintf(out, len, "\"%c_%s\"", t->kind == TABLE_ENTITY ? 'e' : 'v',
             t->name);
}

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

static int has_column(struct hz_node *n, const char *table, const char *col,
                      int *has, struct hz_err *err)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT 1 FROM pragma_table_info('%s') WHERE name = ?1", table);
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, col, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(n, rc, "table info", err);
    *has = rc == SQLITE_ROW;
    return 0;
}

/* One materialized table per registry table; columns added by an upgrade
 * are added with ALTER TABLE. */
static int setup_table(struct hz_node *n, const struct table_def *t,
                       struct hz_err *err)
{
    char name[96], sql[2048];
    db_table_name(t, name, sizeof name);
    /* A new table gets every column at once; an existing one (a node
     * made by an older schema) gets the missing columns added below. */
    int len =
        snprintf(sql, sizeof sql,
                 "CREATE TABLE IF NOT EXISTS %s(id BLOB PRIMARY KEY, %s", name,
                 t->kind == TABLE_ENTITY ? "deleted INTEGER NOT NULL DEFAULT 0"
                                         : "eid BLOB NOT NULL");
    for (size_t c = 0; c < t->n_cols; c++)
        len += snprintf(sql + len, sizeof sql - (size_t)len, ", \"%s\" %s",
                        t->cols[c].name, sql_type(t->cols[c].type));
    snprintf(sql + len, sizeof sql - (size_t)len, ")");
    HZ_ASSERT((size_t)len < sizeof sql - 2);
    int rv = db_exec(n, sql, err);
    char bare[96];
    snprintf(bare, sizeof bare, "%c_%s", t->kind == TABLE_ENTITY ? 'e' : 'v',
             t->name);
    for (size_t c = 0; rv == 0 && c < t->n_cols; c++) {
        int has = 0;
        rv = has_column(n, bare, t->cols[c].name, &has, err);
        if (rv != 0 || has)
            continue;
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN \"%s\" %s", name,
                 t->cols[c].name, sql_type(t->cols[c].type));
        rv = db_exec(n, sql, err);
    }
    /* Derived views join events on the rows they name (reverses, closes,
     * site, item, person, household): index every id column of events. */
    for (size_t c = 0; rv == 0 && t->kind == TABLE_EVENT && c < t->n_cols;
         c++) {
        if (t->cols[c].type != COL_ID)
            continue;
        snprintf(sql, sizeof sql,
                 "CREATE INDEX IF NOT EXISTS \"%s_%s\" ON %s(\"%s\")", bare,
                 t->cols[c].name, name, t->cols[c].name);
        rv = db_exec(n, sql, err);
    }
    return rv;
}

int db_setup(struct hz_node *n, struct hz_err *err)
{
    int rv = db_exec(n, base_schema, err);
    for (size_t i = 0; rv == 0 && i < n->schema->n_tables; i++)
        rv = setup_table(n, &n->schema->tables[i], err);
    return rv;
}

int db_meta_get(struct hz_node *n, const char *key, void *out, size_t len,
                struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, "SELECT v FROM meta WHERE k = ?1", &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        rv = rc == SQLITE_DONE ? hz_err_set(err, HZ_ECORRUPT, "meta %s", key)
                               : db_err(n, rc, "meta", err);
    else if ((size_t)sqlite3_column_bytes(st, 0) != len)
        rv = hz_err_set(err, HZ_ECORRUPT, "meta %s size", key);
    else
        memcpy(out, sqlite3_column_blob(st, 0), len);
    sqlite3_reset(st);
    return rv;
}

int db_meta_get_text(struct hz_node *n, const char *key, char **out,
                     struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, "SELECT v FROM meta WHERE k = ?1", &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *out = NULL;
    if (rc == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        *out = strdup(t != NULL ? t : "");
        if (*out == NULL)
            rv = HZ_ENOMEM;
    } else {
        rv = rc == SQLITE_DONE ? hz_err_set(err, HZ_ECORRUPT, "meta %s", key)
                               : db_err(n, rc, "meta", err);
    }
    sqlite3_reset(st);
    return rv;
}

int db_meta_put(struct hz_node *n, const char *key, const void *p, size_t len,
                struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, "INSERT OR REPLACE INTO meta(k, v) VALUES(?1, ?2)", &st,
                     err);
    if (rv != 0)
        return rv;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, p, (int)len, SQLITE_STATIC);
    return db_step_done(n, st, err);
}
