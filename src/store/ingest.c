/* ingest.c - taking in one entry: transport checks, the author's chain,
 * pending entries ahead of a gap, fork evidence, and the verdict.
 *
 * DECISIONS 3: transport checks (encoding, limits, network, signature,
 * chain link) refuse an entry and store nothing; content checks (the
 * body) store it in its author's chain with a verdict, so a bad value
 * never leaves a hole in an honest author's chain. Formats and rules:
 * proto/entry.md and proto/merge.md ("Forks"). */
#include "store.h"

#include "../core/clock.h"
#include "../core/error_int.h"
#include "../core/limits.h"

#include <stdlib.h>
#include <string.h>

static const uint8_t zero_hash[HZ_HASH_LEN];

void ingest_begin_counting(struct hz_node *n, struct hz_ingest_stats *s)
{
    n->counting = s;
    n->counting_base = s->pending;
    node_random(n, &n->counting_mark, sizeof n->counting_mark);
    n->counting_mark &= INT64_MAX;
    if (n->counting_mark == 0)
        n->counting_mark = 1;
}

int ingest_end_counting(struct hz_node *n, struct hz_err *err)
{
    /* Pending: this run's entries that still wait at its end (released
     * ones were counted with their final result). */
    sqlite3_stmt *st;
    int rv =
        db_prep(n, "SELECT count(*) FROM pending WHERE mark = ?1", &st, err);
    if (rv == 0) {
        sqlite3_bind_int64(st, 1, n->counting_mark);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && n->counting != NULL)
            n->counting->pending =
                n->counting_base + (uint64_t)sqlite3_column_int64(st, 0);
        else if (rc != SQLITE_ROW)
            rv = db_err(n, rc, "pending count", err);
        sqlite3_reset(st);
    }
    n->counting = NULL;
    return rv;
}

void ingest_count(struct hz_ingest_stats *s, enum ingest_result r)
{
    switch (r) {
    case INGEST_APPLIED:
        s->applied++;
        return;
    case INGEST_DUPLICATE:
        s->duplicate++;
        return;
    case INGEST_PENDING:
        s->pending++;
        return;
    case INGEST_REJECTED:
        s->rejected++;
        return;
    case INGEST_HELD:
        s->held++;
        return;
    case INGEST_STOPPED:
        s->stopped++;
        return;
    case INGEST_FORK:
        s->forks++;
        return;
    case INGEST_DENIED:
        s->denied++;
        return;
    }
    hz_assert_fail("unknown ingest result", __FILE__, __LINE__);
}

static int query_exists(struct hz_node *n, const char *sql, const uint8_t *id,
                        int *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, sql, &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return db_err(n, rc, "lookup", err);
    *found = rc == SQLITE_ROW;
    return 0;
}

/* The id of the author's entry at @seq in the log; *found = 0 if none. */
static int log_id_at(struct hz_node *n, const uint8_t *author, uint64_t seq,
                     uint8_t *id, int *found, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, "SELECT id FROM log WHERE author = ?1 AND seq = ?2",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    int rc = sqlite3_step(st);
    *found = rc == SQLITE_ROW;
    if (*found)
        memcpy(id, sqlite3_column_blob(st, 0), HZ_HASH_LEN);
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
                                                 : db_err(n, rc, "log", err);
}

static int chain_top(struct hz_node *n, const uint8_t *author, uint64_t *seq,
                     struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n, "SELECT max(seq) FROM log WHERE author = ?1", &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *seq = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_err(n, rc, "chain", err);
}

/* The author's fork point: the lowest seq at which evidence shows two
 * histories, or 0 when there is none. */
static int fork_point(struct hz_node *n, const uint8_t *author, uint64_t *point,
                      struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv =
        db_prep(n, "SELECT min(point) FROM forks WHERE author = ?1", &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    *point = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : db_err(n, rc, "forks", err);
}

/* Take back everything the author wrote at or past @point. */
static int stop_chain(struct hz_node *n, const uint8_t *author, uint64_t point,
                      struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT id FROM log WHERE author = ?1 AND seq >= ?2"
                     " AND state = 0 ORDER BY seq DESC LIMIT 1",
                     &st, err);
    while (rv == 0) {
        sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)point);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_DONE) {
            sqlite3_reset(st);
            break;
        }
        if (rc != SQLITE_ROW) {
            sqlite3_reset(st);
            return db_err(n, rc, "stop chain", err);
        }
        uint8_t id[HZ_HASH_LEN];
        memcpy(id, sqlite3_column_blob(st, 0), HZ_HASH_LEN);
        sqlite3_reset(st);
        rv = apply_undo(n, id, err);
        sqlite3_stmt *up;
        if (rv == 0)
            rv = db_prep(n, "UPDATE log SET state = 3 WHERE id = ?1", &up, err);
        if (rv == 0) {
            sqlite3_bind_blob(up, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
            rv = db_step_done(n, up, err);
        }
        if (rv == 0)
            rv = db_prep(n,
                         "SELECT id FROM log WHERE author = ?1 AND seq >= ?2"
                         " AND state = 0 ORDER BY seq DESC LIMIT 1",
                         &st, err);
    }
    if (rv != 0)
        return rv;
    rv = db_prep(n, "UPDATE log SET state = 3 WHERE author = ?1 AND seq >= ?2",
                 &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)point);
    rv = db_step_done(n, st, err);
    /* Trust objects in the stopped entries no longer count. */
    int found = 0;
    if (rv == 0 && n->networked)
        rv = query_exists(n, "SELECT 1 FROM tobj WHERE author = ?1 LIMIT 1",
                          author, &found, err);
    if (rv == 0 && found)
        n->trust_dirty = true; /* resolved before the commit (db.c) */
    return rv;
}

/* A second history of one author: keep the entry as evidence, and stop
 * the author's chain at the fork point it proves. */
static int record_fork(struct hz_node *n, const struct entry *e,
                       const uint8_t *buf, size_t len, struct hz_err *err)
{
    uint64_t point = e->seq;
    if (e->seq > 1) {
        uint8_t prev[HZ_HASH_LEN];
        int found;
        int rv = log_id_at(n, e->author, e->seq - 1, prev, &found, err);
        if (rv != 0)
            return rv;
        if (found && memcmp(prev, e->prev, HZ_HASH_LEN) != 0)
            point = e->seq - 1;
    }
    sqlite3_stmt *st;
    int rv =
        db_prep(n, "SELECT count(*) FROM forks WHERE author = ?1", &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t held = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_err(n, rc, "forks", err);
    uint64_t old_point;
    rv = fork_point(n, e->author, &old_point, err);
    if (rv != 0)
        return rv;
    if (held >= (int64_t)HZ_FORK_EVIDENCE_MAX) {
        /* Enough evidence of this fork is held; only evidence of an
         * earlier fork point still matters, and it replaces the latest. */
        if (old_point != 0 && point >= old_point)
            return 0;
        rv = db_prep(n,
                     "DELETE FROM forks WHERE author = ?1 AND (seq, id) ="
                     " (SELECT seq, id FROM forks WHERE author = ?1"
                     " ORDER BY seq DESC, id DESC LIMIT 1)",
                     &st, err);
        if (rv == 0) {
            sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
            rv = db_step_done(n, st, err);
        }
        if (rv != 0)
            return rv;
    }
    rv = db_prep(n,
                 "INSERT OR IGNORE INTO forks(author, seq, id, point,"
                 " bytes) VALUES(?1, ?2, ?3, ?4, ?5)",
                 &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
    sqlite3_bind_blob(st, 3, e->id, HZ_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)point);
    sqlite3_bind_blob(st, 5, buf, (int)len, SQLITE_STATIC);
    rv = db_step_done(n, st, err);
    if (rv == 0 && (old_point == 0 || point < old_point))
        rv = stop_chain(n, e->author, point, err);
    if (rv == 0) {
        char a[9];
        hex_encode(e->author, 4, a);
        node_logf(n, HZ_LOG_WARN, "fork author=%s seq=%llu point=%llu", a,
                  (unsigned long long)e->seq, (unsigned long long)point);
    }
    return rv;
}

/* The verdict of an entry that links into its chain (DECISIONS 3, 4).
 * Running out of memory is not a verdict: it returns HZ_ENOMEM and the
 * caller's transaction rolls back. */
static int judge(struct hz_node *n, const struct entry *e, struct body *b,
                 enum entry_state *state, struct hz_err *why,
                 struct hz_err *err)
{
    uint64_t version;
    int rv = body_peek_version(e->body.p, e->body.len, &version, why);
    if (rv == 0 && version > n->schema->version) {
        *state = ENTRY_HELD;
        return 0;
    }
    if (rv == 0)
        rv = body_decode(b, n->schema, e->body.p, e->body.len, why);
    if (rv == 0 && b->trust)
        rv = trust_check_body(n, e, b, why);
    if (rv == HZ_ENOMEM)
        return hz_err_set(err, HZ_ENOMEM, "judging an entry");
    *state = rv == 0 ? ENTRY_APPLIED : ENTRY_REJECTED;
    if (rv != 0 || !n->networked)
        return 0;
    /* Content is sound: may its author write it? A trust entry is judged
     * once its objects are recorded (trust_entry_stored). */
    if (b->trust) {
        *state = ENTRY_DENIED;
        return 0;
    }
    bool allowed;
    rv = trust_allowed(n, e, b, &allowed, why, err);
    if (rv == 0 && !allowed)
        *state = ENTRY_DENIED;
    return rv;
}

/* Store a linked entry in the log with its verdict, applying it if it
 * passes. */
static int append(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                  size_t len, enum ingest_result *res, struct hz_err *err)
{
    uint64_t point;
    int rv = fork_point(n, e->author, &point, err);
    if (rv != 0)
        return rv;
    struct body b = {0};
    struct hz_err why = {0};
    enum entry_state state = ENTRY_STOPPED;
    if (point == 0 || e->seq < point)
        rv = judge(n, e, &b, &state, &why, err);
    if (rv != 0)
        return rv;
    sqlite3_stmt *st;
    rv = db_prep(n,
                 "INSERT INTO log(author, seq, id, clock, state, reason,"
                 " bytes, mark) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                 &st, err);
    if (rv == 0) {
        sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
        sqlite3_bind_blob(st, 3, e->id, HZ_HASH_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, (sqlite3_int64)e->clock);
        sqlite3_bind_int(st, 5, (int)state);
        if (state == ENTRY_REJECTED || state == ENTRY_DENIED)
            sqlite3_bind_text(st, 6, why.msg, -1, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 7, buf, (int)len, SQLITE_STATIC);
        /* Entries counted by this run carry its mark, so that a later
         * change of verdict in the same run corrects their count. */
        sqlite3_bind_int64(st, 8, n->counting != NULL ? n->counting_mark : 0);
        rv = db_step_done(n, st, err);
    }
    if (rv == 0 && state == ENTRY_DENIED && b.trust)
        rv = trust_entry_stored(n, e, &b, &state, err);
    else if (rv == 0 && state == ENTRY_APPLIED)
        rv = apply_body(n, e, &b, err);
    body_close(&b);
    if (rv != 0)
        return rv;
    static const enum ingest_result of_state[] = {
        [ENTRY_APPLIED] = INGEST_APPLIED, [ENTRY_REJECTED] = INGEST_REJECTED,
        [ENTRY_HELD] = INGEST_HELD,       [ENTRY_STOPPED] = INGEST_STOPPED,
        [ENTRY_DENIED] = INGEST_DENIED,
    };
    *res = of_state[state];
    if (state == ENTRY_DENIED) {
        n->denial = why;
        char a[9];
        hex_encode(e->author, 4, a);
        node_logf(n, HZ_LOG_INFO, "denied author=%s seq=%llu", a,
                  (unsigned long long)e->seq);
    }
    if (state == ENTRY_REJECTED) {
        char a[9];
        hex_encode(e->author, 4, a);
        node_logf(n, HZ_LOG_WARN, "rejected author=%s seq=%llu code=%s", a,
                  (unsigned long long)e->seq, hz_errname(why.code));
    }
    return 0;
}

static int note_skew(struct hz_node *n, const struct entry *e,
                     struct hz_err *err)
{
    uint64_t now = node_now_ms(n);
    if (!clock_is_skewed(e->clock, now))
        return 0;
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "INSERT OR REPLACE INTO skew(author, clock, wall)"
                     " VALUES(?1, ?2, ?3)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->clock);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)now);
    return db_step_done(n, st, err);
}

static int hold_pending(struct hz_node *n, const struct entry *e,
                        const uint8_t *buf, size_t len, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = db_prep(n,
                     "SELECT (SELECT count(*) FROM pending WHERE author = ?1),"
                     " (SELECT count(*) FROM pending)",
                     &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    int64_t mine = sqlite3_column_int64(st, 0);
    int64_t all = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW)
        return db_err(n, rc, "pending", err);
    if (mine >= (int64_t)HZ_PENDING_PER_AUTHOR_MAX ||
        all >= (int64_t)HZ_PENDING_TOTAL_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "pending entries full");
    rv = db_prep(n,
                 "INSERT INTO pending(author, seq, id, bytes, mark)"
                 " VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT DO UPDATE SET"
                 " mark = excluded.mark",
                 &st, err);
    if (rv != 0)
        return rv;
    sqlite3_bind_blob(st, 1, e->author, HZ_KEY_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)e->seq);
    sqlite3_bind_blob(st, 3, e->id, HZ_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, buf, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, n->counting != NULL ? n->counting_mark : 0);
    return db_step_done(n, st, err);
}

/* Place a verified entry: duplicate, fork evidence, next link, or ahead
 * of a gap. */
static int place(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                 size_t len, enum ingest_result *res, struct hz_err *err)
{
    int found;
    int rv =
        query_exists(n, "SELECT 1 FROM log WHERE id = ?1", e->id, &found, err);
    if (rv == 0 && !found)
        rv = query_exists(n, "SELECT 1 FROM forks WHERE id = ?1", e->id, &found,
                          err);
    if (rv != 0)
        return rv;
    if (found) {
        *res = INGEST_DUPLICATE;
        return 0;
    }
    uint64_t top;
    rv = chain_top(n, e->author, &top, err);
    if (rv != 0)
        return rv;
    if (!n->writing_own && memcmp(e->author, n->id.pk, HZ_KEY_LEN) == 0) {
        /* Our key signed an entry we did not write: a cloned SD card or
         * a restored backup (DECISIONS 13). Keep it as evidence and stop
         * writing until the node is re-keyed. */
        node_logf(n, HZ_LOG_ERROR,
                  "clone seq=%llu: our key signed an entry"
                  " we did not write",
                  (unsigned long long)e->seq);
        rv = db_meta_put(n, "clone", "1", 1, err);
        *res = INGEST_FORK;
        return rv != 0 ? rv : record_fork(n, e, buf, len, err);
    }
    if (e->seq > top + 1) {
        *res = INGEST_PENDING;
        return hold_pending(n, e, buf, len, err);
    }
    uint8_t prev[HZ_HASH_LEN];
    memcpy(prev, zero_hash, HZ_HASH_LEN);
    if (e->seq == top + 1 && top > 0) {
        rv = log_id_at(n, e->author, top, prev, &found, err);
        if (rv != 0)
            return rv;
    }
    if (e->seq <= top || memcmp(prev, e->prev, HZ_HASH_LEN) != 0) {
        *res = INGEST_FORK;
        return record_fork(n, e, buf, len, err);
    }
    rv = note_skew(n, e, err);
    return rv != 0 ? rv : append(n, e, buf, len, res, err);
}

/* Step @st to its next row and copy the blob in column @col into *@buf
 * (the caller frees it). Returns 1 with the statement still on the row
 * (the caller reads other columns, then resets it), 0 when there are no
 * more rows (reset), or an error (reset). */
static int step_blob(struct hz_node *n, sqlite3_stmt *st, int col,
                     uint8_t **buf, size_t *len, struct hz_err *err)
{
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : db_err(n, rc, "stored entry", err);
    }
    *len = (size_t)sqlite3_column_bytes(st, col);
    *buf = malloc(*len > 0 ? *len : 1);
    if (*buf == NULL) {
        sqlite3_reset(st);
        return hz_err_set(err, HZ_ENOMEM, "stored entry");
    }
    memcpy(*buf, sqlite3_column_blob(st, col), *len);
    return 1;
}

/* Entries that waited for the one just appended: the next link, and any
 * held entry at a seq the log now covers (a duplicate, or fork evidence
 * that must not stay hidden in pending). */
static int drain_pending(struct hz_node *n, const uint8_t *author,
                         struct hz_err *err)
{
    for (;;) {
        uint64_t top;
        int rv = chain_top(n, author, &top, err);
        sqlite3_stmt *st;
        if (rv == 0)
            rv = db_prep(n,
                         "SELECT id, bytes, mark FROM pending WHERE"
                         " author = ?1 AND seq <= ?2 ORDER BY seq, id LIMIT 1",
                         &st, err);
        if (rv != 0)
            return rv;
        sqlite3_bind_blob(st, 1, author, HZ_KEY_LEN, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (sqlite3_int64)(top + 1));
        uint8_t *buf;
        size_t len;
        rv = step_blob(n, st, 1, &buf, &len, err);
        if (rv != 1)
            return rv;
        uint8_t id[HZ_HASH_LEN];
        memcpy(id, sqlite3_column_blob(st, 0), HZ_HASH_LEN);
        /* Counted only if it went pending in this run: an entry of an
         * earlier import is not this import's. */
        bool ours = n->counting != NULL &&
                    sqlite3_column_int64(st, 2) == n->counting_mark;
        sqlite3_reset(st);
        struct entry e;
        enum ingest_result res;
        rv = db_prep(n, "DELETE FROM pending WHERE id = ?1", &st, err);
        if (rv == 0) {
            sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
            rv = db_step_done(n, st, err);
        }
        /* Verified when it was stored: decode it again, place it. */
        if (rv == 0)
            rv = entry_decode(&e, buf, len, err);
        if (rv == 0)
            rv = place(n, &e, buf, len, &res, err);
        free(buf);
        if (rv != 0)
            return rv;
        if (ours && res != INGEST_PENDING)
            ingest_count(n->counting, res);
        else if (n->counting != NULL && !ours && res != INGEST_PENDING)
            n->counting->released++;
    }
}

int ingest_entry(struct hz_node *n, const uint8_t *buf, size_t len,
                 enum ingest_result *res, struct hz_err *err)
{
    struct entry e;
    int rv = entry_decode(&e, buf, len, err);
    if (rv != 0)
        return rv;
    if (memcmp(e.network, n->network, HZ_NET_LEN) != 0)
        return hz_err_set(err, HZ_ENETWORK, "entry");
    rv = entry_verify(&e, err);
    if (rv != 0)
        return rv;
    rv = place(n, &e, buf, len, res, err);
    if (rv == 0 && (*res == INGEST_APPLIED || *res == INGEST_REJECTED ||
                    *res == INGEST_HELD || *res == INGEST_STOPPED ||
                    *res == INGEST_DENIED))
        rv = drain_pending(n, e.author, err);
    return rv;
}

int ingest_upgrade(struct hz_node *n, struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv = 0;
    int64_t after = 0;
    for (;;) {
        rv = db_prep(n,
                     "SELECT bytes, n FROM log WHERE state = 2 AND n > ?1"
                     " ORDER BY n LIMIT 1",
                     &st, err);
        if (rv != 0)
            return rv;
        sqlite3_bind_int64(st, 1, after);
        uint8_t *buf;
        size_t len;
        rv = step_blob(n, st, 0, &buf, &len, err);
        if (rv != 1)
            return rv;
        after = sqlite3_column_int64(st, 1);
        sqlite3_reset(st);
        struct entry e;
        rv = entry_decode(&e, buf, len, err);
        struct body b = {0};
        struct hz_err why = {0};
        enum entry_state state = ENTRY_HELD;
        if (rv == 0)
            rv = judge(n, &e, &b, &state, &why, err);
        if (rv == 0 && state == ENTRY_HELD) {
            /* Still newer than this build: it waits for the next one. */
            free(buf);
            continue;
        }
        if (rv == 0)
            rv = db_prep(n,
                         "UPDATE log SET state = ?2, reason = ?3 WHERE"
                         " id = ?1",
                         &st, err);
        if (rv == 0) {
            sqlite3_bind_blob(st, 1, e.id, HZ_HASH_LEN, SQLITE_STATIC);
            sqlite3_bind_int(st, 2, (int)state);
            if (state == ENTRY_REJECTED || state == ENTRY_DENIED)
                sqlite3_bind_text(st, 3, why.msg, -1, SQLITE_TRANSIENT);
            rv = db_step_done(n, st, err);
        }
        if (rv == 0 && state == ENTRY_DENIED && b.trust)
            rv = trust_entry_stored(n, &e, &b, &state, err);
        else if (rv == 0 && state == ENTRY_APPLIED)
            rv = apply_body(n, &e, &b, err);
        body_close(&b);
        free(buf);
        if (rv != 0)
            return rv;
    }
}
