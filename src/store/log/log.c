/* log.c - the owner of the log's tables: the only file with SQL on
 * log (entries in their authors' chains, with verdicts), pending
 * (entries ahead of a gap), forks (fork evidence), skew (authors whose
 * clocks are far from ours) and prenet (entries held before joining a
 * network). Layout: proto/storage.md. It decides nothing: ingest.c,
 * write.c and members/trust.c decide, and call it.
 *
 * Verdicts are bound as enum entry_state names, never written as SQL
 * numbers; writes assert they run inside a transaction. */
#include "log.h"

#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"

#include <stdlib.h>
#include <string.h>

#define HZ_ASSERT_TXN(n) HZ_ASSERT(db_in_txn(&(n)->db))

/* log.author is the names.k of the author's key (format 11: 32 bytes
 * less in each row and in the (author, seq) index). A query names its
 * author by key, bound as ?1; a row's key is read back from names. */
#define BY_AUTHOR "author = (SELECT k FROM names WHERE name = ?1)"
#define AUTHOR_KEY "(SELECT name FROM names WHERE k = log.author)"

/* ---- walks */

struct walk {
    log_row_fn fn;
    void *data;
    int cols; /* which columns the query returns: see row_of */
};

/* Queries return (bytes, author, seq, id, state, mark) in that order,
 * the relay walks (bytes, author, seq, id, n); the shorter ones stop after
 * bytes or id. */
static int walk_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct walk *w = data;
    struct log_row r = {0};
    r.bytes = sqlite3_column_blob(st, 0);
    r.len = (size_t)sqlite3_column_bytes(st, 0);
    if (w->cols > 1) {
        if (sqlite3_column_bytes(st, 1) != (int)HZ_KEY_LEN ||
            sqlite3_column_bytes(st, 3) != (int)HZ_HASH_LEN)
            return hz_err_set(err, HZ_ECORRUPT, "stored entry row");
        r.author = sqlite3_column_blob(st, 1);
        r.seq = (uint64_t)sqlite3_column_int64(st, 2);
        r.id = sqlite3_column_blob(st, 3);
    }
    if (w->cols == 5)
        r.at = sqlite3_column_int64(st, 4);
    if (w->cols > 5) {
        r.state = (enum entry_state)sqlite3_column_int(st, 4);
        r.mark = sqlite3_column_int64(st, 5);
    }
    return w->fn(w->data, &r, err);
}

int log_each(struct hz_node *n, enum log_part part, log_row_fn fn, void *data,
             struct hz_err *err)
{
    static const char *const sql[] = {
        [LOG_ARRIVAL] = "SELECT bytes, " AUTHOR_KEY ", seq, id, state, mark"
                        " FROM log ORDER BY n",
        /* authors in key order (names' index), each chain by its own */
        [LOG_CHAINS] = "SELECT l.bytes, a.name, l.seq, l.id, l.state, l.mark"
                       " FROM names AS a CROSS JOIN log AS l"
                       " ON l.author = a.k ORDER BY a.name, l.seq",
        [LOG_FORKS] = "SELECT bytes, author, seq, id FROM forks"
                      " ORDER BY author, seq, id",
        [LOG_PENDING] = "SELECT bytes, author, seq, id FROM pending"
                        " ORDER BY author, seq, id",
    };
    HZ_ASSERT((size_t)part < sizeof sql / sizeof sql[0]);
    struct walk w = {fn, data, part <= LOG_CHAINS ? 6 : 4};
    return db_each(&n->db, sql[part], DB_NO_ARGS, walk_row, &w, err);
}

int log_each_after(struct hz_node *n, enum log_part part, int64_t after,
                   log_row_fn fn, void *data, struct hz_err *err)
{
    static const char *const sql[] = {
        [LOG_ARRIVAL] = "SELECT bytes, " AUTHOR_KEY ", seq, id, n FROM log"
                        " WHERE n > ?1 ORDER BY n",
        [LOG_FORKS] = "SELECT bytes, author, seq, id, n FROM forks"
                      " WHERE n > ?1 ORDER BY n",
        [LOG_PENDING] = "SELECT bytes, author, seq, id, n FROM pending"
                        " WHERE n > ?1 ORDER BY n",
    };
    HZ_ASSERT(part == LOG_ARRIVAL || part == LOG_FORKS || part == LOG_PENDING);
    struct walk w = {fn, data, 5};
    return db_each(&n->db, sql[part], DB_ARGS(DB_INT(after)), walk_row, &w,
                   err);
}

int log_chain_upto(struct hz_node *n, const uint8_t *author, uint64_t from_seq,
                   int64_t upto, log_row_fn fn, void *data, struct hz_err *err)
{
    struct walk w = {fn, data, 5};
    return db_each(&n->db,
                   "SELECT bytes, ?1, seq, id, n FROM log WHERE " BY_AUTHOR
                   " AND seq >= ?2 AND n <= ?3 ORDER BY seq",
                   DB_ARGS(DB_KEY(author), DB_INT(from_seq), DB_INT(upto)),
                   walk_row, &w, err);
}

int log_marks(struct hz_node *n, int64_t marks[3], struct hz_err *err)
{
    static const char *const sql[] = {
        "SELECT max(n) FROM log",
        "SELECT max(n) FROM forks",
        "SELECT max(n) FROM pending",
    };
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < 3; i++)
        rv = db_int(&n->db, sql[i], DB_NO_ARGS, &marks[i], NULL, err);
    return rv;
}

int log_each_from(struct hz_node *n, const uint8_t *author, uint64_t from_seq,
                  enum log_from which, log_row_fn fn, void *data,
                  struct hz_err *err)
{
    struct walk w = {fn, data, 6};
    return db_each(&n->db,
                   "SELECT bytes, ?1, seq, id, state, mark FROM log"
                   " WHERE " BY_AUTHOR " AND seq >= ?2 AND (?3 = 0 OR"
                   " state = ?4 OR (?3 = 1 AND state IN (?5, ?6)))"
                   " ORDER BY seq",
                   DB_ARGS(DB_KEY(author), DB_INT(from_seq),
                           DB_INT(which == LOG_FROM_ALL       ? 0
                                  : which == LOG_FROM_REISSUE ? 1
                                                              : 2),
                           DB_INT(ENTRY_APPLIED), DB_INT(ENTRY_STOPPED),
                           DB_INT(ENTRY_DENIED)),
                   walk_row, &w, err);
}

int log_next_judged(struct hz_node *n, const uint8_t *author,
                    uint64_t after_seq, struct log_row *out, uint8_t **bytes,
                    bool *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    *bytes = NULL;
    int rv = db_first(&n->db,
                      "SELECT seq, state, bytes, mark FROM log WHERE " BY_AUTHOR
                      " AND seq > ?2 AND state IN (?3, ?4)"
                      " ORDER BY seq LIMIT 1",
                      DB_ARGS(DB_KEY(author), DB_INT(after_seq),
                              DB_INT(ENTRY_APPLIED), DB_INT(ENTRY_DENIED)),
                      &st, found, err);
    if (rv != 1)
        return rv;
    memset(out, 0, sizeof *out);
    out->author = author;
    out->seq = (uint64_t)sqlite3_column_int64(st, 0);
    out->state = (enum entry_state)sqlite3_column_int(st, 1);
    out->mark = sqlite3_column_int64(st, 3);
    rv = db_column_dup(st, 2, bytes, &out->len, err);
    out->bytes = *bytes;
    sqlite3_reset(st);
    return rv;
}

int log_next_held(struct hz_node *n, int64_t *after, uint8_t **bytes,
                  size_t *len, bool *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    *bytes = NULL;
    int rv =
        db_first(&n->db,
                 "SELECT bytes, n FROM log WHERE state = ?1 AND n > ?2"
                 " ORDER BY n LIMIT 1",
                 DB_ARGS(DB_INT(ENTRY_HELD), DB_INT(*after)), &st, found, err);
    if (rv != 1)
        return rv;
    *after = sqlite3_column_int64(st, 1);
    rv = db_column_dup(st, 0, bytes, len, err);
    sqlite3_reset(st);
    return rv;
}

struct keylist {
    uint8_t (*v)[HZ_KEY_LEN];
    size_t n, cap;
};

static int add_key(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct keylist *k = data;
    void *v = hz_grow(k->v, &k->cap, k->n, HZ_KEY_LEN);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "authors");
    k->v = v;
    return db_column_fixed(st, 0, k->v[k->n++], HZ_KEY_LEN, err);
}

struct tops {
    int (*cb)(void *data, const uint8_t *author, uint64_t seq,
              struct hz_err *err);
    void *data;
};

static int top_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    const struct tops *t = data;
    uint8_t key[HZ_KEY_LEN];
    int rv = db_column_fixed(st, 0, key, HZ_KEY_LEN, err);
    return rv != 0 ? rv
                   : t->cb(t->data, key, (uint64_t)sqlite3_column_int64(st, 1),
                           err);
}

int log_tops(struct hz_node *n,
             int (*cb)(void *data, const uint8_t *author, uint64_t seq,
                       struct hz_err *err),
             void *data, struct hz_err *err)
{
    struct tops t = {cb, data};
    return db_each(&n->db,
                   "SELECT name, top FROM (SELECT name, (SELECT max(seq)"
                   " FROM log WHERE author = names.k) AS top FROM names"
                   " WHERE typeof(name) = 'blob') WHERE top IS NOT NULL"
                   " ORDER BY name",
                   DB_NO_ARGS, top_row, &t, err);
}

int log_authors(struct hz_node *n, uint8_t (**keys)[HZ_KEY_LEN], size_t *count,
                struct hz_err *err)
{
    /* The keys in names (one row each), in order, with one index seek
     * each into log's (author, seq) key: a scan of the whole log for its
     * few authors made every vector cost the log's size (a no-op sync at
     * 600,000 entries spent 95 % of its time there). */
    struct keylist k = {0};
    int rv = db_each(&n->db,
                     "SELECT name FROM names WHERE typeof(name) = 'blob' AND"
                     " EXISTS (SELECT 1 FROM log WHERE author = names.k)"
                     " ORDER BY name",
                     DB_NO_ARGS, add_key, &k, err);
    if (rv != 0) {
        free(k.v);
        k.v = NULL;
        k.n = 0;
    }
    *keys = k.v;
    *count = k.n;
    return rv;
}

/* ---- single facts */

/* *@none: the table @table holds no row, asked once a transaction
 * (*@asked) and kept in *@kept (n->log_last) until a row is added there;
 * outside a transaction not known (false). */
static int none_in_txn(struct hz_node *n, const char *table, bool *asked,
                       bool *kept, bool *none, struct hz_err *err)
{
    *none = false;
    if (!db_in_txn(&n->db))
        return 0;
    if (!*asked) {
        char sql[64];
        snprintf(sql, sizeof sql, "SELECT EXISTS (SELECT 1 FROM %s)", table);
        int64_t any = 0;
        int rv = db_int(&n->db, sql, DB_NO_ARGS, &any, NULL, err);
        if (rv != 0)
            return rv;
        *asked = true;
        *kept = any == 0;
    }
    *none = *kept;
    return 0;
}

/* *@none: no fork evidence is held at all. Fork evidence is rare, and an
 * import asks for it by id an entry or two (a statement each, about 3 %
 * of an import's own work): asked once a transaction. */
static int forks_none(struct hz_node *n, bool *none, struct hz_err *err)
{
    struct log_last *k = &n->log_last;
    int rv = none_in_txn(n, "forks", &k->forks_asked, &k->no_forks, none, err);
    if (rv != 0)
        return rv;
#ifdef HZ_DEBUG_CHECKS
    int64_t held = 0;
    HZ_ASSERT(!*none || (db_int(&n->db, "SELECT count(*) FROM forks",
                                DB_NO_ARGS, &held, NULL, NULL) == 0 &&
                         held == 0));
#endif
    return 0;
}

int log_holds(struct hz_node *n, const uint8_t *id, bool *found,
              struct hz_err *err)
{
    int64_t one;
    int rv = db_int(&n->db, "SELECT 1 FROM log WHERE id = ?1",
                    DB_ARGS(DB_HASH(id)), &one, found, err);
    return rv != 0 || *found ? rv : log_holds_fork(n, id, found, err);
}

int log_holds_fork(struct hz_node *n, const uint8_t *id, bool *found,
                   struct hz_err *err)
{
    int64_t one;
    bool none;
    int rv = forks_none(n, &none, err);
    *found = false;
    return rv != 0 || none ? rv
                           : db_int(&n->db, "SELECT 1 FROM forks WHERE id = ?1",
                                    DB_ARGS(DB_HASH(id)), &one, found, err);
}

int log_holds_fork_bytes(struct hz_node *n, const uint8_t *id,
                         const uint8_t *buf, size_t len, bool *held,
                         struct hz_err *err)
{
    int64_t same = 0;
    bool found = false, none;
    int rv = forks_none(n, &none, err);
    if (rv == 0 && !none)
        rv =
            db_int(&n->db, "SELECT bytes = ?2 FROM forks WHERE id = ?1",
                   DB_ARGS(DB_HASH(id), DB_BLOB(buf, len)), &same, &found, err);
    *held = rv == 0 && found && same;
    return rv;
}

int log_holds_bytes(struct hz_node *n, const uint8_t *id, const uint8_t *buf,
                    size_t len, bool *held, struct hz_err *err)
{
    int64_t same = 0;
    bool found = false, none;
    int rv = forks_none(n, &none, err);
    if (rv == 0)
        rv =
            db_int(&n->db,
                   none ? "SELECT bytes = ?2 FROM log WHERE id = ?1"
                        : "SELECT bytes = ?2 FROM log WHERE id = ?1 UNION ALL"
                          " SELECT bytes = ?2 FROM forks WHERE id = ?1"
                          " LIMIT 1",
                   DB_ARGS(DB_HASH(id), DB_BLOB(buf, len)), &same, &found, err);
    *held = rv == 0 && found && same;
    return rv;
}

/* ---- the last link appended: an import asks each entry's author's top
 * and the id there, its fork point and whether anything is pending
 * (place, append, drain_pending: six queries an entry), and the answers
 * are nearly always those of the entry appended just before. Held for
 * one transaction (n->log_last); the log gains entries only by
 * log_append and loses them only by log_drop_top and log_archive, fork
 * evidence and pending entries change only here too. */

void log_forget_last(struct hz_node *n)
{
    memset(&n->log_last, 0, sizeof n->log_last);
}

void log_abandon(struct hz_node *n)
{
    log_forget_last(n);
    memset(&n->clock_max, 0, sizeof n->clock_max);
}

static bool last_of(const struct hz_node *n, const uint8_t *author)
{
    return n->log_last.held && db_in_txn(&n->db) &&
           memcmp(n->log_last.author, author, HZ_KEY_LEN) == 0;
}

static int top_stored(struct hz_node *n, const uint8_t *author, uint64_t *seq,
                      struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db, "SELECT max(seq) FROM log WHERE " BY_AUTHOR,
                    DB_ARGS(DB_KEY(author)), &v, NULL, err);
    *seq = (uint64_t)v;
    return rv;
}

bool log_top_known(struct hz_node *n, const uint8_t *author, uint64_t *seq)
{
    if (!last_of(n, author))
        return false;
    *seq = n->log_last.seq;
#ifdef HZ_DEBUG_CHECKS
    uint64_t stored = 0;
    HZ_ASSERT(top_stored(n, author, &stored, NULL) != 0 || stored == *seq);
#endif
    return true;
}

int log_top(struct hz_node *n, const uint8_t *author, uint64_t *seq,
            struct hz_err *err)
{
    return log_top_known(n, author, seq) ? 0 : top_stored(n, author, seq, err);
}

static int id_stored(struct hz_node *n, const uint8_t *author, uint64_t seq,
                     uint8_t *id, bool *found, struct hz_err *err)
{
    return db_blob(
        &n->db, "SELECT id FROM log WHERE " BY_AUTHOR " AND seq = ?2",
        DB_ARGS(DB_KEY(author), DB_INT(seq)), id, HZ_HASH_LEN, found, err);
}

int log_id_at(struct hz_node *n, const uint8_t *author, uint64_t seq,
              uint8_t *id, bool *found, struct hz_err *err)
{
    if (!last_of(n, author) || seq != n->log_last.seq)
        return id_stored(n, author, seq, id, found, err);
    memcpy(id, n->log_last.id, HZ_HASH_LEN);
    *found = true;
#ifdef HZ_DEBUG_CHECKS
    uint8_t stored[HZ_HASH_LEN];
    bool there = false;
    int rv = id_stored(n, author, seq, stored, &there, err);
    HZ_ASSERT(rv != 0 || (there && memcmp(stored, id, HZ_HASH_LEN) == 0));
    return rv;
#else
    return 0;
#endif
}

int log_n_of(struct hz_node *n, const uint8_t *id, int64_t *at,
             struct hz_err *err)
{
    bool found;
    return db_int(&n->db, "SELECT n FROM log WHERE id = ?1",
                  DB_ARGS(DB_HASH(id)), at, &found, err);
}

int log_id_of(struct hz_node *n, int64_t at, uint8_t *id, struct hz_err *err)
{
    bool found = false;
    int rv = db_blob(&n->db, "SELECT id FROM log WHERE n = ?1",
                     DB_ARGS(DB_INT(at)), id, HZ_HASH_LEN, &found, err);
    return rv == 0 && !found
               ? hz_err_set(err, HZ_ECORRUPT, "log entry %lld", (long long)at)
               : rv;
}

int log_author_k_of(struct hz_node *n, int64_t at, int64_t *a,
                    struct hz_err *err)
{
    bool found = false;
    int rv = db_int(&n->db, "SELECT author FROM log WHERE n = ?1",
                    DB_ARGS(DB_INT(at)), a, &found, err);
    return rv == 0 && !found
               ? hz_err_set(err, HZ_ECORRUPT, "log entry %lld", (long long)at)
               : rv;
}

int log_bytes_of(struct hz_node *n, int64_t at, uint8_t **bytes, size_t *len,
                 struct hz_err *err)
{
    sqlite3_stmt *st;
    *bytes = NULL;
    *len = 0;
    int rv = db_query(&n->db, "SELECT bytes FROM log WHERE n = ?1",
                      DB_ARGS(DB_INT(at)), &st, err);
    if (rv != 0)
        return rv;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        *bytes = malloc(*len ? *len : 1);
        if (*bytes == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "log entry");
        else
            memcpy(*bytes, sqlite3_column_blob(st, 0), *len);
    } else if (rc == SQLITE_DONE) {
        rv = hz_err_set(err, HZ_ECORRUPT, "log entry %lld", (long long)at);
    } else {
        rv = db_err(&n->db, rc, "log entry", err);
    }
    sqlite3_reset(st);
    return rv;
}

int log_state_of(struct hz_node *n, const uint8_t *id, enum entry_state *state,
                 bool *found, struct hz_err *err)
{
    int64_t v;
    int rv = db_int(&n->db, "SELECT state FROM log WHERE id = ?1",
                    DB_ARGS(DB_HASH(id)), &v, found, err);
    *state = (enum entry_state)v;
    return rv;
}

/* The greatest clock in the log is kept in meta "clock" (format 16),
 * raised by log_append and stored by log_settle before the commit; it
 * never goes down (an entry dropped or archived leaves it: a clock our
 * own entries must exceed stays exceeded). */
#define CLOCK_KEY "clock"

int log_max_clock(struct hz_node *n, uint64_t *clock, struct hz_err *err)
{
    if (!db_in_txn(&n->db)) {
        int64_t v;
        int rv = db_meta_num(&n->db, CLOCK_KEY, &v, err);
        *clock = (uint64_t)v;
        return rv;
    }
    int rv = db_meta_num_load(&n->db, CLOCK_KEY, &n->clock_max, err);
    *clock = rv == 0 ? (uint64_t)n->clock_max.v : 0;
#ifdef HZ_DEBUG_CHECKS
    int64_t most = 0;
    HZ_ASSERT(rv != 0 ||
              db_int(&n->db, "SELECT max(clock) FROM log", DB_NO_ARGS, &most,
                     NULL, NULL) != 0 ||
              (uint64_t)most <= *clock);
#endif
    return rv;
}

int log_settle(struct hz_node *n, struct hz_err *err)
{
    int rv = db_meta_num_store(&n->db, CLOCK_KEY, &n->clock_max, err);
    memset(&n->clock_max, 0, sizeof n->clock_max);
    return rv;
}

int log_count_after(struct hz_node *n, const uint8_t *author, uint64_t seq,
                    enum entry_state state, int64_t *count, struct hz_err *err)
{
    return db_int(&n->db,
                  "SELECT count(*) FROM log WHERE " BY_AUTHOR
                  " AND seq > ?2 AND state = ?3",
                  DB_ARGS(DB_KEY(author), DB_INT(seq), DB_INT(state)), count,
                  NULL, err);
}

int log_author_json(struct hz_node *n, const uint8_t *author, json_t *obj,
                    struct hz_err *err)
{
    json_t *rows = json_array();
    int rv = db_rows_json(
        &n->db,
        "SELECT (SELECT max(seq) FROM log WHERE " BY_AUTHOR ") AS last_seq,"
        " (SELECT count(*) FROM log WHERE " BY_AUTHOR " AND state = ?2)"
        " AS applied, (SELECT count(*) FROM log WHERE " BY_AUTHOR " AND"
        " state = ?3) AS denied, (SELECT min(point) FROM forks WHERE"
        " author = ?1) AS fork_point",
        DB_ARGS(DB_KEY(author), DB_INT(ENTRY_APPLIED), DB_INT(ENTRY_DENIED)),
        rows, err);
    if (rv == 0 && json_object_update(obj, json_array_get(rows, 0)) != 0)
        rv = hz_err_set(err, HZ_ENOMEM, "author");
    json_decref(rows);
    return rv;
}

/* ---- the chain */

int log_append(struct hz_node *n, const struct entry *e, const uint8_t *buf,
               size_t len, enum entry_state state, const char *reason,
               int64_t mark, int64_t *at, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    int rv = 0;
#ifdef HZ_DEBUG_CHECKS
    /* The handoff's other end: ingest.c placed it as the next link. */
    uint64_t top = 0;
    rv = log_top(n, e->author, &top, err);
    if (rv != 0)
        return rv;
    HZ_ASSERT(e->seq == top + 1);
#endif
    int64_t author = 0;
    rv = db_intern_key(&n->db, e->author, &author, err);
    /* Entry clocks are below 2^63 (entry_decode). */
    if (rv == 0)
        rv = db_meta_num_load(&n->db, CLOCK_KEY, &n->clock_max, err);
    if (rv == 0 && (int64_t)e->clock > n->clock_max.v)
        n->clock_max.v = (int64_t)e->clock;
    if (rv == 0)
        rv = db_run(&n->db,
                    "INSERT INTO log(author, seq, id, clock, state, reason,"
                    " bytes, mark) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    DB_ARGS(DB_INT(author), DB_INT(e->seq), DB_HASH(e->id),
                            DB_INT(e->clock), DB_INT(state), DB_TEXT(reason),
                            DB_BLOB(buf, len), DB_INT(mark)),
                    err);
    *at = rv == 0 ? db_last_rowid(&n->db) : 0;
    if (rv != 0)
        return rv;
    /* The fork point known stays known for the same author. */
    if (!last_of(n, e->author))
        n->log_last.point_known = false;
    n->log_last.held = true;
    n->log_last.seq = e->seq;
    memcpy(n->log_last.author, e->author, HZ_KEY_LEN);
    memcpy(n->log_last.id, e->id, HZ_HASH_LEN);
    return 0;
}

int log_set_state(struct hz_node *n, const uint8_t *id, enum entry_state state,
                  const char *reason, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_run(&n->db,
                  "UPDATE log SET state = ?2, reason = ?3 WHERE id = ?1",
                  DB_ARGS(DB_HASH(id), DB_INT(state), DB_TEXT(reason)), err);
}

int log_last_applied_from(struct hz_node *n, const uint8_t *author,
                          uint64_t point, int64_t *top, uint8_t *id,
                          bool *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_first(&n->db,
                      "SELECT id, seq FROM log WHERE " BY_AUTHOR
                      " AND seq >= ?2 AND seq <= ?4 AND state = ?3"
                      " ORDER BY seq DESC LIMIT 1",
                      DB_ARGS(DB_KEY(author), DB_INT(point),
                              DB_INT(ENTRY_APPLIED), DB_INT(*top)),
                      &st, found, err);
    if (rv != 1)
        return rv;
    rv = db_column_fixed(st, 0, id, HZ_HASH_LEN, err);
    *top = sqlite3_column_int64(st, 1) - 1;
    sqlite3_reset(st);
    return rv;
}

struct state_counts {
    int64_t *was;
};

static int count_state(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    const struct state_counts *c = data;
    int state = sqlite3_column_int(st, 0);
    if (state >= 0 && state <= ENTRY_DENIED)
        c->was[state] += sqlite3_column_int64(st, 1);
    return 0;
}

int log_count_marked_from(struct hz_node *n, const uint8_t *author,
                          uint64_t point, int64_t mark,
                          int64_t was[ENTRY_DENIED + 1], struct hz_err *err)
{
    struct state_counts c = {was};
    return db_each(&n->db,
                   "SELECT state, count(*) FROM log WHERE " BY_AUTHOR
                   " AND seq >= ?2 AND mark = ?3 AND state <> ?4"
                   " GROUP BY state",
                   DB_ARGS(DB_KEY(author), DB_INT(point), DB_INT(mark),
                           DB_INT(ENTRY_STOPPED)),
                   count_state, &c, err);
}

int log_stop_from(struct hz_node *n, const uint8_t *author, uint64_t point,
                  struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    HZ_ASSERT(point > 0);
    return db_run(
        &n->db, "UPDATE log SET state = ?3 WHERE " BY_AUTHOR " AND seq >= ?2",
        DB_ARGS(DB_KEY(author), DB_INT(point), DB_INT(ENTRY_STOPPED)), err);
}

int log_drop_top(struct hz_node *n, const uint8_t *author, const uint8_t *id,
                 enum entry_state *state, bool *found, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    sqlite3_stmt *st;
    int rv = db_first(
        &n->db,
        "SELECT state, seq = (SELECT max(seq) FROM log WHERE " BY_AUTHOR
        ") FROM log WHERE id = ?2 AND " BY_AUTHOR,
        DB_ARGS(DB_KEY(author), DB_HASH(id)), &st, found, err);
    if (rv != 1)
        return rv;
    *state = (enum entry_state)sqlite3_column_int(st, 0);
    *found = sqlite3_column_int(st, 1) != 0 && *state != ENTRY_APPLIED;
    sqlite3_reset(st);
    if (!*found)
        return 0;
    log_forget_last(n);
    return db_run(&n->db, "DELETE FROM log WHERE id = ?1", DB_ARGS(DB_HASH(id)),
                  err);
}

/* ---- forks */

int log_fork_take(struct hz_node *n, const uint8_t *author, uint64_t seq,
                  const uint8_t *id, uint64_t *point, bool *found,
                  struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    int64_t p = 0;
    int rv = db_int(&n->db,
                    "SELECT point FROM forks WHERE author = ?1 AND seq = ?2"
                    " AND id = ?3",
                    DB_ARGS(DB_KEY(author), DB_INT(seq), DB_HASH(id)), &p,
                    found, err);
    *point = (uint64_t)p;
    n->log_last.point_known = false;
    if (rv == 0 && *found)
        rv = db_run(&n->db,
                    "DELETE FROM forks WHERE author = ?1 AND seq = ?2"
                    " AND id = ?3",
                    DB_ARGS(DB_KEY(author), DB_INT(seq), DB_HASH(id)), err);
    return rv;
}

int log_fork_point(struct hz_node *n, const uint8_t *author, uint64_t *point,
                   struct hz_err *err)
{
    bool last = last_of(n, author);
    if (last && n->log_last.point_known) {
        *point = n->log_last.point;
#ifndef HZ_DEBUG_CHECKS
        return 0;
#endif
    }
    int64_t v;
    int rv = db_int(&n->db, "SELECT min(point) FROM forks WHERE author = ?1",
                    DB_ARGS(DB_KEY(author)), &v, NULL, err);
    HZ_ASSERT(rv != 0 || !last || !n->log_last.point_known ||
              n->log_last.point == (uint64_t)v);
    *point = (uint64_t)v;
    if (rv == 0 && last) {
        n->log_last.point_known = true;
        n->log_last.point = *point;
    }
    return rv;
}

int log_fork_count(struct hz_node *n, const uint8_t *author, int64_t *count,
                   struct hz_err *err)
{
    return db_int(&n->db, "SELECT count(*) FROM forks WHERE author = ?1",
                  DB_ARGS(DB_KEY(author)), count, NULL, err);
}

int log_fork_drop_latest(struct hz_node *n, const uint8_t *author,
                         struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    n->log_last.point_known = false;
    return db_run(&n->db,
                  "DELETE FROM forks WHERE author = ?1 AND (seq, id) ="
                  " (SELECT seq, id FROM forks WHERE author = ?1"
                  " ORDER BY seq DESC, id DESC LIMIT 1)",
                  DB_ARGS(DB_KEY(author)), err);
}

int log_fork_put(struct hz_node *n, const struct entry *e, uint64_t point,
                 const uint8_t *buf, size_t len, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    HZ_ASSERT(point > 0);
    HZ_ASSERT(point <= e->seq);
    n->log_last.point_known = false;
    n->log_last.no_forks = false;
    return db_run(&n->db,
                  "INSERT OR IGNORE INTO forks(author, seq, id, point, bytes)"
                  " VALUES(?1, ?2, ?3, ?4, ?5)",
                  DB_ARGS(DB_KEY(e->author), DB_INT(e->seq), DB_HASH(e->id),
                          DB_INT(point), DB_BLOB(buf, len)),
                  err);
}

/* ---- pending */

/* pending_count: one row per author holding pending entries, and the
 * total under the empty author (X''), kept as rows come and go. */
static const uint8_t all_authors[1];

static int pending_count_of(struct hz_node *n, const uint8_t *author,
                            size_t len, int64_t *count, struct hz_err *err)
{
    bool found;
    return db_int(&n->db, "SELECT n FROM pending_count WHERE author = ?1",
                  DB_ARGS(DB_BLOB(author, len)), count, &found, err);
}

static int pending_count_add(struct hz_node *n, const uint8_t *author,
                             int64_t delta, struct hz_err *err)
{
    const char *sql = "INSERT INTO pending_count(author, n) VALUES(?1, ?2)"
                      " ON CONFLICT DO UPDATE SET n = n + ?2";
    int rv = db_run(&n->db, sql, DB_ARGS(DB_KEY(author), DB_INT(delta)), err);
    if (rv == 0)
        rv = db_run(&n->db, sql,
                    DB_ARGS(DB_BLOB(all_authors, 0), DB_INT(delta)), err);
    if (rv == 0 && delta < 0)
        rv = db_run(&n->db,
                    "DELETE FROM pending_count WHERE author = ?1 AND n = 0",
                    DB_ARGS(DB_KEY(author)), err);
    return rv;
}

int log_pending_counts(struct hz_node *n, const uint8_t *author, int64_t *mine,
                       int64_t *all, struct hz_err *err)
{
    int rv = pending_count_of(n, author, HZ_KEY_LEN, mine, err);
    return rv != 0 ? rv : pending_count_of(n, all_authors, 0, all, err);
}

int log_count_pending(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_exec(&n->db,
                   "DELETE FROM pending_count;"
                   " INSERT INTO pending_count(author, n) SELECT author,"
                   " count(*) FROM pending GROUP BY author;"
                   " INSERT INTO pending_count(author, n) SELECT X'',"
                   " count(*) FROM pending;",
                   err);
}

/* pending and forks set aside and made anew in this build's layout, with
 * @cols of each old row copied in @order. */
static int remake_pending_forks(struct hz_node *n, const char *cols_p,
                                const char *cols_f, const char *order,
                                struct hz_err *err)
{
    log_forget_last(n); /* the tables are made again */
    char sql[1024];
    int len = snprintf(
        sql, sizeof sql,
        "ALTER TABLE pending RENAME TO pending_old;"
        " ALTER TABLE forks RENAME TO forks_old;"
        " DROP INDEX IF EXISTS forks_id;"
        " CREATE TABLE pending(" PENDING_COLS ");"
        " INSERT INTO pending(%s) SELECT %s FROM pending_old ORDER BY %s;"
        " CREATE TABLE forks(" FORKS_COLS ");"
        " INSERT INTO forks(%s) SELECT %s FROM forks_old ORDER BY %s;"
        " CREATE INDEX forks_id ON forks(id);"
        " DROP TABLE pending_old; DROP TABLE forks_old;",
        cols_p, cols_p, order, cols_f, cols_f, order);
    HZ_ASSERT(len > 0 && (size_t)len < sizeof sql);
    return db_exec(&n->db, sql, err);
}

int log_autoincrement(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    /* Format 7: pending and forks number their rows with AUTOINCREMENT,
     * so a number is never given twice (a live session pushes what
     * arrived after the last number it sent); the rows keep theirs. */
    return remake_pending_forks(n, "n, author, seq, id, bytes, mark",
                                "n, author, seq, id, point, bytes", "n", err);
}

int log_relayout(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    /* Format 3: pending and forks become rowid tables (db/db.c says why);
     * the rows move over as they are, numbered afresh. */
    return remake_pending_forks(n, "author, seq, id, bytes, mark",
                                "author, seq, id, point, bytes",
                                "author, seq, id", err);
}

int log_pending_put(struct hz_node *n, const struct entry *e,
                    const uint8_t *buf, size_t len, int64_t mark,
                    struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    n->log_last.no_pending = false;
    int rv = db_run(&n->db,
                    "INSERT OR IGNORE INTO pending(author, seq, id, bytes,"
                    " mark) VALUES(?1, ?2, ?3, ?4, ?5)",
                    DB_ARGS(DB_KEY(e->author), DB_INT(e->seq), DB_HASH(e->id),
                            DB_BLOB(buf, len), DB_INT(mark)),
                    err);
    if (rv == 0 && db_changes(&n->db) == 1)
        return pending_count_add(n, e->author, 1, err);
    /* Held already: it now counts for this run. */
    if (rv == 0)
        rv = db_run(&n->db,
                    "UPDATE pending SET mark = ?3 WHERE author = ?1 AND"
                    " seq = ?2 AND id = ?4",
                    DB_ARGS(DB_KEY(e->author), DB_INT(e->seq), DB_INT(mark),
                            DB_HASH(e->id)),
                    err);
    return rv;
}

int log_pending_next(struct hz_node *n, const uint8_t *author, uint64_t max_seq,
                     struct log_row *out, uint8_t **bytes, bool *found,
                     struct hz_err *err)
{
    sqlite3_stmt *st;
    *bytes = NULL;
    *found = false;
    /* Asked after every entry appended: whether anything is pending at
     * all is asked once a transaction, while nothing is. */
    struct log_last *k = &n->log_last;
    bool none;
    int rv = none_in_txn(n, "pending", &k->pending_asked, &k->no_pending, &none,
                         err);
    if (rv != 0 || none)
        return rv;
    rv = db_first(&n->db,
                  "SELECT seq, id, bytes, mark FROM pending WHERE"
                  " author = ?1 AND seq <= ?2 ORDER BY seq, id LIMIT 1",
                  DB_ARGS(DB_KEY(author), DB_INT(max_seq)), &st, found, err);
    if (rv != 1)
        return rv;
    memset(out, 0, sizeof *out);
    out->author = author;
    out->seq = (uint64_t)sqlite3_column_int64(st, 0);
    out->mark = sqlite3_column_int64(st, 3);
    rv = db_column_fixed(st, 1, out->id_buf, HZ_HASH_LEN, err);
    out->id = out->id_buf;
    if (rv == 0)
        rv = db_column_dup(st, 2, bytes, &out->len, err);
    out->bytes = *bytes;
    sqlite3_reset(st);
    return rv;
}

int log_pending_del(struct hz_node *n, const uint8_t *author, uint64_t seq,
                    const uint8_t *id, bool *gone_out, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    int rv = db_run(&n->db,
                    "DELETE FROM pending WHERE author = ?1 AND seq = ?2 AND"
                    " id = ?3",
                    DB_ARGS(DB_KEY(author), DB_INT(seq), DB_HASH(id)), err);
    int gone = rv == 0 ? db_changes(&n->db) : 0;
    if (gone_out != NULL)
        *gone_out = gone > 0;
    if (gone > 0)
        rv = pending_count_add(n, author, -gone, err);
    return rv;
}

int log_pending_marked(struct hz_node *n, int64_t mark, int64_t *count,
                       struct hz_err *err)
{
    return db_int(&n->db, "SELECT count(*) FROM pending WHERE mark = ?1",
                  DB_ARGS(DB_INT(mark)), count, NULL, err);
}

int log_skew_note(struct hz_node *n, const uint8_t *author, uint64_t clock,
                  uint64_t wall, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_run(&n->db,
                  "INSERT OR REPLACE INTO skew(author, clock, wall)"
                  " VALUES(?1, ?2, ?3)",
                  DB_ARGS(DB_KEY(author), DB_INT(clock), DB_INT(wall)), err);
}

/* ---- entering a network */

int log_archive(struct hz_node *n, const uint8_t *own, uint64_t *archived,
                struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    log_forget_last(n);
    int rv = db_run(&n->db,
                    "INSERT INTO prenet(bytes) SELECT bytes FROM log WHERE"
                    " NOT (state = ?2 AND " BY_AUTHOR ") ORDER BY n",
                    DB_ARGS(DB_KEY(own), DB_INT(ENTRY_APPLIED)), err);
    if (rv == 0)
        rv = db_exec(&n->db,
                     "INSERT INTO prenet(bytes) SELECT bytes FROM pending;"
                     "INSERT INTO prenet(bytes) SELECT bytes FROM forks;"
                     "DELETE FROM log; DELETE FROM pending; DELETE FROM forks;"
                     "DELETE FROM skew; DELETE FROM pending_count;",
                     err);
    if (rv == 0)
        rv = capacity_clear(n, err);
    int64_t count = 0;
    if (rv == 0)
        rv = db_int(&n->db, "SELECT count(*) FROM prenet", DB_NO_ARGS, &count,
                    NULL, err);
    *archived = (uint64_t)count;
    return rv;
}

/* ---- reports */

int log_status_json(struct hz_node *n, json_t *root, struct hz_err *err)
{
    /* One snapshot: a list's length and its count in "entries" agree. */
    HZ_ASSERT_TXN(n);
    /* Each part binds the verdicts it names, ?1 first. */
    const struct db_arg all[] = {DB_INT(ENTRY_APPLIED), DB_INT(ENTRY_REJECTED),
                                 DB_INT(ENTRY_HELD), DB_INT(ENTRY_STOPPED),
                                 DB_INT(ENTRY_DENIED)};
    const struct db_arg rejected[] = {DB_INT(ENTRY_REJECTED),
                                      DB_INT(HZ_STATUS_LIST_MAX)};
    const struct db_arg denied[] = {DB_INT(ENTRY_DENIED),
                                    DB_INT(HZ_STATUS_LIST_MAX)};
    const struct {
        const char *key;
        const char *sql;
        const struct db_arg *args;
        size_t n_args;
    } parts[] = {
        {"entries",
         "SELECT count(*) AS total, coalesce(sum(state = ?1), 0) AS applied,"
         " coalesce(sum(state = ?2), 0) AS rejected,"
         " coalesce(sum(state = ?3), 0) AS held,"
         " coalesce(sum(state = ?4), 0) AS stopped,"
         " coalesce(sum(state = ?5), 0) AS denied,"
         " count(DISTINCT author) AS authors,"
         " (SELECT count(*) FROM pending) AS pending,"
         " (SELECT count(*) FROM forks) AS fork_evidence FROM log",
         all, 5},
        {"missing",
         "SELECT p.author AS author, coalesce((SELECT max(seq) FROM log"
         " WHERE log.author = (SELECT k FROM names WHERE name = p.author)),"
         " 0) + 1 AS from_seq,"
         " min(p.seq) - 1 AS to_seq, count(*) AS waiting FROM pending p"
         " GROUP BY p.author ORDER BY p.author",
         NULL, 0},
        {"forks",
         "SELECT author, min(point) AS point, count(*) AS evidence"
         " FROM forks GROUP BY author ORDER BY author",
         NULL, 0},
        {"rejected",
         "SELECT a.name AS author, l.seq AS seq, l.id AS entry, l.reason AS"
         " reason FROM log AS l JOIN names AS a ON a.k = l.author"
         " WHERE l.state = ?1 ORDER BY a.name, l.seq LIMIT ?2",
         rejected, 2},
        {"denied",
         "SELECT a.name AS author, l.seq AS seq, l.id AS entry, l.reason AS"
         " reason FROM log AS l JOIN names AS a ON a.k = l.author"
         " WHERE l.state = ?1 ORDER BY a.name, l.seq LIMIT ?2",
         denied, 2},
        {"skewed_authors",
         "SELECT author, clock >> 16 AS clock_ms, wall AS our_wall_ms FROM"
         " skew ORDER BY author",
         NULL, 0},
    };
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < sizeof parts / sizeof parts[0]; i++) {
        json_t *arr = json_array();
        rv = db_rows_json(&n->db, parts[i].sql, parts[i].args, parts[i].n_args,
                          arr, err);
        if (i == 0 && json_array_size(arr) == 1) {
            json_object_set(root, parts[i].key, json_array_get(arr, 0));
            json_decref(arr);
        } else {
            json_object_set_new(root, parts[i].key, arr);
        }
    }
    /* A list holds the first HZ_STATUS_LIST_MAX; whether it left some out
     * is said beside it, and the count of all is in "entries". */
    static const char *const cut[][2] = {{"rejected", "rejected_cut"},
                                         {"denied", "denied_cut"}};
    json_t *counts = json_object_get(root, "entries");
    for (size_t i = 0; rv == 0 && i < sizeof cut / sizeof cut[0]; i++) {
        json_int_t total =
            json_integer_value(json_object_get(counts, cut[i][0]));
        size_t listed = json_array_size(json_object_get(root, cut[i][0]));
        HZ_ASSERT(listed <= HZ_STATUS_LIST_MAX);
        json_object_set_new(root, cut[i][1],
                            json_boolean((json_int_t)listed < total));
    }
    return rv;
}

int log_vector_json(struct hz_node *n, json_t *arr, struct hz_err *err)
{
    uint8_t(*list)[HZ_KEY_LEN] = NULL;
    size_t count = 0;
    int rv = log_authors(n, &list, &count, err);
    for (size_t i = 0; rv == 0 && i < count; i++)
        rv = db_rows_json(
            &n->db,
            "SELECT ?1 AS author, seq, id AS hash FROM log WHERE " BY_AUTHOR
            " ORDER BY seq DESC LIMIT 1",
            DB_ARGS(DB_KEY(list[i])), arr, err);
    free(list);
    return rv;
}

/* ---- owned copies */

void blobs_close(struct blobs *b)
{
    for (size_t i = 0; i < b->n; i++)
        free(b->p[i]);
    free(b->p);
    free(b->len);
    memset(b, 0, sizeof *b);
}

static int blobs_add(void *data, const struct log_row *r, struct hz_err *err)
{
    struct blobs *b = data;
    if ((b->n & (b->n - 1)) == 0) { /* 0, 1, 2, 4 ...: grow */
        size_t cap = b->n ? 2 * b->n : 1;
        uint8_t **p = realloc(b->p, cap * sizeof *p);
        if (p != NULL)
            b->p = p;
        size_t *l = realloc(b->len, cap * sizeof *l);
        if (l != NULL)
            b->len = l;
        if (p == NULL || l == NULL)
            return hz_err_set(err, HZ_ENOMEM, "entries");
    }
    b->p[b->n] = malloc(r->len ? r->len : 1);
    if (b->p[b->n] == NULL)
        return hz_err_set(err, HZ_ENOMEM, "entries");
    memcpy(b->p[b->n], r->bytes, r->len);
    b->len[b->n++] = r->len;
    return 0;
}

int log_load(struct hz_node *n, const uint8_t *author, uint64_t from_seq,
             enum log_from which, struct blobs *out, struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    int rv = log_each_from(n, author, from_seq, which, blobs_add, out, err);
    if (rv != 0)
        blobs_close(out);
    return rv;
}
