/* capacity.c - strangers cannot fill a node (DECISIONS 34;
 * proto/limits.md, "Strangers").
 *
 * In a network, keys cost nothing: anyone who knows the network id can
 * sign entries that pass the transport checks, and such entries are kept
 * (denied, pending or fork evidence) until a certificate lets them in.
 * This file bounds them. It owns the table `stranger`: one row per entry
 * kept whose author had no certificate in effect (or was revoked before
 * its seq) when the transaction that brought it committed, and that has
 * not been applied since.
 *
 * Entries are noted as they are kept (capacity_note) and judged when the
 * transaction commits, after its trust is resolved (capacity_settle, from
 * node/txn.c): an entry whose author the batch's certificates let in
 * never counts. Over the per-source cap (one import, one relay batch) and
 * the total cap, counted entries are taken back highest seq first, so
 * every author's chain keeps its beginning; they are "not kept
 * (capacity)", counted and listed, and fetched again later. A certificate
 * in effect takes its subject's rows out (capacity_forget). */
#include "log.h"

#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../members/members.h"

#include <stdlib.h>
#include <string.h>

#define HZ_ASSERT_TXN(n) HZ_ASSERT(db_in_txn(&(n)->db))

int capacity_note(struct hz_node *n, const struct entry *e, size_t len,
                  struct hz_err *err)
{
    if (!n->networked || n->writing_own ||
        memcmp(e->author, n->id.pk, HZ_KEY_LEN) == 0)
        return 0;
    struct capacity_fresh *grown =
        hz_grow(n->fresh, &n->cap_fresh, n->n_fresh, sizeof *n->fresh);
    if (grown == NULL)
        return hz_err_set(err, HZ_ENOMEM, "entries kept");
    n->fresh = grown;
    struct capacity_fresh *f = &n->fresh[n->n_fresh++];
    memcpy(f->author, e->author, HZ_KEY_LEN);
    memcpy(f->id, e->id, HZ_HASH_LEN);
    f->seq = e->seq;
    f->len = len;
    return 0;
}

void capacity_abort(struct hz_node *n)
{
    n->n_fresh = 0;
}

void capacity_begin_run(struct hz_node *n)
{
    n->n_not_kept = 0;
}

void capacity_close(struct hz_node *n)
{
    free(n->fresh);
    free(n->not_kept);
    n->fresh = NULL;
    n->not_kept = NULL;
    n->n_fresh = n->cap_fresh = n->n_not_kept = 0;
}

size_t hz_ingest_not_kept(const hz_node *n, const struct hz_range **ranges)
{
    *ranges = n->not_kept;
    return n->n_not_kept;
}

int capacity_forget(struct hz_node *n, const uint8_t *author,
                    struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    /* Past a cut-off the author may write nothing: those still count. */
    uint64_t cut = 0;
    bool has_cut = false;
    int rv = roster_cutoff(n, author, &cut, &has_cut, err);
    if (rv == 0)
        rv = db_run(&n->db,
                    "DELETE FROM stranger WHERE author = ?1 AND seq <= ?2",
                    DB_ARGS(DB_KEY(author),
                            DB_INT(has_cut ? cut : (uint64_t)INT64_MAX)),
                    err);
    return rv;
}

int capacity_clear(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    return db_exec(&n->db, "DELETE FROM stranger", err);
}

int capacity_backfill(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    if (!n->networked)
        return 0;
    /* A database of format 2 kept no such rows: count what it holds of
     * authors with no certificate, or past their cut-off, as if it had
     * come in one source. */
    return db_run(
        &n->db,
        "WITH held(author, seq, id, len) AS (SELECT (SELECT name FROM"
        " names WHERE k = log.author), seq, id,"
        " length(bytes) FROM log WHERE state <> 0 UNION ALL SELECT author,"
        " seq, id, length(bytes) FROM pending UNION ALL SELECT author, seq,"
        " id, length(bytes) FROM forks)"
        " INSERT OR IGNORE INTO stranger(author, seq, id, len, src)"
        " SELECT author, seq, id, len, 0 FROM held WHERE author <> ?1 AND"
        " (author NOT IN (SELECT subject FROM member) OR seq > coalesce("
        "(SELECT c.seq FROM cutoff AS c WHERE c.subject = held.author),"
        " 9223372036854775807))",
        DB_ARGS(DB_KEY(n->id.pk)), err);
}

/* ---- taking entries back */

struct victim {
    uint8_t author[HZ_KEY_LEN];
    uint8_t id[HZ_HASH_LEN];
    uint64_t seq;
    int64_t len, src;
};

/* Rows and bytes taken out of the count of one source (0: of all). */
struct tally {
    int64_t src;
    int64_t rows, bytes;
};

static int read_victim(sqlite3_stmt *st, struct victim *v, struct hz_err *err)
{
    int rv = db_column_fixed(st, 0, v->author, HZ_KEY_LEN, err);
    if (rv == 0)
        rv = db_column_fixed(st, 2, v->id, HZ_HASH_LEN, err);
    v->seq = (uint64_t)sqlite3_column_int64(st, 1);
    v->len = sqlite3_column_int64(st, 3);
    v->src = sqlite3_column_int64(st, 4);
    sqlite3_reset(st);
    return rv;
}

/* The counted entry that goes first: the highest seq (of @src when not
 * 0; of @author at or past @from when @author is not NULL). */
static int next_victim(struct hz_node *n, int64_t src, const uint8_t *author,
                       uint64_t from, struct victim *v, bool *found,
                       struct hz_err *err)
{
    sqlite3_stmt *st;
    int rv;
    if (author != NULL)
        rv = db_first(&n->db,
                      "SELECT author, seq, id, len, src FROM stranger"
                      " WHERE author = ?1 AND seq >= ?2"
                      " ORDER BY seq DESC, id DESC LIMIT 1",
                      DB_ARGS(DB_KEY(author), DB_INT(from)), &st, found, err);
    else if (src != 0)
        rv = db_first(&n->db,
                      "SELECT author, seq, id, len, src FROM stranger"
                      " WHERE src = ?1"
                      " ORDER BY seq DESC, author DESC, id DESC LIMIT 1",
                      DB_ARGS(DB_INT(src)), &st, found, err);
    else
        rv = db_first(&n->db,
                      "SELECT author, seq, id, len, src FROM stranger"
                      " ORDER BY seq DESC, author DESC, id DESC LIMIT 1",
                      DB_NO_ARGS, &st, found, err);
    return rv != 1 ? rv : read_victim(st, v, err);
}

static int totals(struct hz_node *n, int64_t src, int64_t *rows, int64_t *bytes,
                  struct hz_err *err)
{
    sqlite3_stmt *st;
    bool found;
    int rv = src != 0
                 ? db_first(&n->db,
                            "SELECT count(*), total(len) FROM stranger"
                            " WHERE src = ?1",
                            DB_ARGS(DB_INT(src)), &st, &found, err)
                 : db_first(&n->db, "SELECT count(*), total(len) FROM stranger",
                            DB_NO_ARGS, &st, &found, err);
    if (rv != 1)
        return rv == 0 ? hz_err_set(err, HZ_ECORRUPT, "stranger count") : rv;
    *rows = sqlite3_column_int64(st, 0);
    *bytes = sqlite3_column_int64(st, 1);
    sqlite3_reset(st);
    return 0;
}

/* Add @v to the run's list, joining it to a range of its author it
 * extends. */
static void list_not_kept(struct hz_node *n, const struct victim *v)
{
    for (size_t i = 0; i < n->n_not_kept; i++) {
        struct hz_range *r = &n->not_kept[i];
        if (memcmp(r->author, v->author, HZ_KEY_LEN) != 0)
            continue;
        if (v->seq >= r->from_seq && v->seq <= r->to_seq)
            return;
        if (v->seq + 1 == r->from_seq) {
            r->from_seq = v->seq;
            return;
        }
        if (v->seq == r->to_seq + 1) {
            r->to_seq = v->seq;
            return;
        }
    }
    if (n->n_not_kept == HZ_NOT_KEPT_LISTED)
        return;
    if (n->not_kept == NULL) {
        n->not_kept = calloc(HZ_NOT_KEPT_LISTED, sizeof *n->not_kept);
        if (n->not_kept == NULL)
            return; /* the list is a courtesy; the counts stay right */
    }
    struct hz_range *r = &n->not_kept[n->n_not_kept++];
    memcpy(r->author, v->author, HZ_KEY_LEN);
    r->from_seq = r->to_seq = v->seq;
}

enum kept_as { KEPT_NOWHERE, KEPT_PENDING, KEPT_LOG, KEPT_FORK };

/* This run's counts follow: an entry of its own that it does not keep
 * moves from its result to `capacity`; one of an earlier run is
 * `evicted`. */
static void count_not_kept(struct hz_node *n, const struct victim *v,
                           enum kept_as where, enum entry_state state)
{
    struct hz_ingest_stats *c = n->counting;
    if (c == NULL)
        return;
    if (v->src != n->counting_mark) {
        c->evicted++;
        return;
    }
    c->capacity++;
    /* Pending: the run's end counts what still waits. */
    uint64_t *was = where == KEPT_FORK  ? &c->forks
                    : where == KEPT_LOG ? ingest_counter(c, state)
                                        : NULL;
    if (was != NULL && *was > 0)
        (*was)--;
}

static int drop(struct hz_node *n, const struct victim *v, struct tally *t,
                struct hz_err *err);

/* Fork evidence taken back: the entries its point stopped go with it
 * (counted ones only; they would otherwise stay stopped without it). */
static int drop_stopped(struct hz_node *n, const struct victim *fork,
                        uint64_t point, struct tally *t, struct hz_err *err)
{
    for (;;) {
        struct victim v;
        bool found;
        int rv = next_victim(n, 0, fork->author, point, &v, &found, err);
        if (rv != 0 || !found)
            return rv;
        rv = drop(n, &v, t, err);
        if (rv != 0)
            return rv;
    }
}

/* Take @v out of the count, and out of the node unless it must stay: an
 * entry carrying an object in effect, or one that is not its author's
 * top (never leave a hole in a chain) is kept and no longer counted. */
static int drop(struct hz_node *n, const struct victim *v, struct tally *t,
                struct hz_err *err)
{
    int rv =
        db_run(&n->db,
               "DELETE FROM stranger WHERE author = ?1 AND seq = ?2"
               " AND id = ?3",
               DB_ARGS(DB_KEY(v->author), DB_INT(v->seq), DB_HASH(v->id)), err);
    if (rv != 0)
        return rv;
    if (t->src == 0 || t->src == v->src) {
        t->rows++;
        t->bytes += v->len;
    }
    enum kept_as where = KEPT_NOWHERE;
    enum entry_state state = ENTRY_DENIED;
    bool found, in_effect;
    uint64_t point = 0;
    rv = log_pending_del(n, v->author, v->seq, v->id, &found, err);
    if (rv == 0 && found)
        where = KEPT_PENDING;
    if (rv == 0 && where == KEPT_NOWHERE) {
        rv = roster_in_effect(n, v->id, &in_effect, err);
        if (rv == 0 && !in_effect)
            rv = log_drop_top(n, v->author, v->id, &state, &found, err);
        if (rv == 0 && !in_effect && found)
            where = KEPT_LOG;
    }
    if (rv == 0 && where == KEPT_LOG) {
        bool carried;
        rv = roster_uncarry(n, v->id, &carried, err);
        if (rv == 0 && carried)
            n->trust_dirty = true; /* resolved again before the commit */
    }
    if (rv == 0 && where == KEPT_NOWHERE) {
        rv = log_fork_take(n, v->author, v->seq, v->id, &point, &found, err);
        if (rv == 0 && found)
            where = KEPT_FORK;
    }
    if (rv != 0 || where == KEPT_NOWHERE)
        return rv;
    count_not_kept(n, v, where, state);
    list_not_kept(n, v);
    char a[9];
    hex_encode(v->author, 4, a);
    env_logf(n, HZ_LOG_INFO, "not kept (capacity) author=%s seq=%llu", a,
             (unsigned long long)v->seq);
    return where == KEPT_FORK ? drop_stopped(n, v, point, t, err) : 0;
}

/* Bring the count of @src (0: all) under @max_rows and @max_bytes. */
static int trim(struct hz_node *n, int64_t src, int64_t max_rows,
                int64_t max_bytes, struct hz_err *err)
{
    int64_t rows = 0, bytes = 0;
    int rv = totals(n, src, &rows, &bytes, err);
    while (rv == 0 && (rows > max_rows || bytes > max_bytes)) {
        struct victim v;
        bool found;
        rv = next_victim(n, src, NULL, 0, &v, &found, err);
        if (rv == 0 && !found)
            rv = hz_err_set(err, HZ_ECORRUPT, "stranger count");
        struct tally t = {src, 0, 0};
        if (rv == 0)
            rv = drop(n, &v, &t, err);
        rows -= t.rows;
        bytes -= t.bytes;
    }
    return rv;
}

static int cmp_fresh(const void *a, const void *b)
{
    return memcmp(((const struct capacity_fresh *)a)->author,
                  ((const struct capacity_fresh *)b)->author, HZ_KEY_LEN);
}

int capacity_settle(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT_TXN(n);
    if (n->n_fresh == 0)
        return 0;
    int64_t src = n->counting != NULL ? n->counting_mark : 0;
    qsort(n->fresh, n->n_fresh, sizeof *n->fresh, cmp_fresh);
    bool member = false, has_cut = false, counted = false;
    uint64_t cut = 0;
    int rv = 0;
    for (size_t i = 0; rv == 0 && i < n->n_fresh; i++) {
        const struct capacity_fresh *f = &n->fresh[i];
        if (i == 0 || memcmp(f->author, n->fresh[i - 1].author, HZ_KEY_LEN)) {
            rv = roster_has_cert(n, f->author, &member, err);
            if (rv == 0)
                rv = roster_cutoff(n, f->author, &cut, &has_cut, err);
        }
        /* No certificate in effect, or past its cut-off (revoked): no
         * entry of it will ever apply here. */
        bool counts = !member || (has_cut && f->seq > cut);
        if (rv == 0 && counts)
            rv = db_run(&n->db,
                        "INSERT OR IGNORE INTO stranger(author, seq, id, len,"
                        " src) VALUES(?1, ?2, ?3, ?4, ?5)",
                        DB_ARGS(DB_KEY(f->author), DB_INT(f->seq),
                                DB_HASH(f->id), DB_INT(f->len), DB_INT(src)),
                        err);
        if (rv == 0 && counts && db_changes(&n->db) > 0)
            counted = true;
    }
    n->n_fresh = 0;
    /* Nothing newly counted (a member's entries waiting on a gap): the
     * counts did not grow, no need to read them. */
    if (rv != 0 || !counted)
        return rv;
    if (src != 0)
        rv = trim(n, src, HZ_STRANGER_SOURCE_MAX, HZ_STRANGER_SOURCE_BYTES_MAX,
                  err);
    if (rv == 0)
        rv = trim(n, 0, HZ_STRANGER_MAX, HZ_STRANGER_BYTES_MAX, err);
    return rv;
}

int capacity_status_json(struct hz_node *n, json_t *root, struct hz_err *err)
{
    int64_t rows = 0, bytes = 0;
    int rv = totals(n, 0, &rows, &bytes, err);
    if (rv != 0)
        return rv;
    json_t *o = json_object();
    json_object_set_new(o, "entries", json_integer(rows));
    json_object_set_new(o, "bytes", json_integer(bytes));
    json_object_set_new(o, "max_entries", json_integer(HZ_STRANGER_MAX));
    json_object_set_new(o, "max_bytes", json_integer(HZ_STRANGER_BYTES_MAX));
    json_object_set_new(root, "strangers", o);
    return 0;
}
