/* ingest.c - taking in one entry: transport checks, the author's chain,
 * pending entries ahead of a gap, fork evidence, and the verdict.
 *
 * DECISIONS 3: transport checks (encoding, limits, network, signature,
 * chain link) refuse an entry and store nothing; content checks (the
 * body) store it in its author's chain with a verdict, so a bad value
 * never leaves a hole in an honest author's chain. Formats and rules:
 * proto/entry.md and proto/merge.md ("Forks"). */
#include "log.h"

#include "../../core/syncmsg.h"

#include "../../core/clock.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../members/members.h"
#include "../state/state.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t zero_hash[HZ_HASH_LEN];

void ingest_begin_counting(struct hz_node *n, struct hz_ingest_stats *s)
{
    HZ_ASSERT(n->counting == NULL); /* runs do not nest */
    n->counting = s;
    n->counting_base = s->pending;
    capacity_begin_run(n);
    env_random(n, &n->counting_mark, sizeof n->counting_mark);
    n->counting_mark &= INT64_MAX;
    if (n->counting_mark == 0)
        n->counting_mark = 1;
}

int ingest_end_counting(struct hz_node *n, struct hz_err *err)
{
    /* Pending: this run's entries that still wait at its end (released
     * ones were counted with their final result). */
    int64_t waiting = 0;
    int rv = log_pending_marked(n, n->counting_mark, &waiting, err);
    if (rv == 0 && n->counting != NULL)
        n->counting->pending = n->counting_base + (uint64_t)waiting;
    n->counting = NULL;
    return rv;
}

uint64_t *ingest_counter(struct hz_ingest_stats *s, enum entry_state state)
{
    switch (state) {
    case ENTRY_APPLIED:
        return &s->applied;
    case ENTRY_REJECTED:
        return &s->rejected;
    case ENTRY_HELD:
        return &s->held;
    case ENTRY_STOPPED:
        return &s->stopped;
    case ENTRY_DENIED:
        return &s->denied;
    }
    HZ_ASSERT(!"entry state");
    return &s->applied;
}

void ingest_count(struct hz_ingest_stats *s, enum ingest_result r)
{
    static const size_t counter[] = {
        [INGEST_APPLIED] = offsetof(struct hz_ingest_stats, applied),
        [INGEST_DUPLICATE] = offsetof(struct hz_ingest_stats, duplicate),
        [INGEST_PENDING] = offsetof(struct hz_ingest_stats, pending),
        [INGEST_REJECTED] = offsetof(struct hz_ingest_stats, rejected),
        [INGEST_HELD] = offsetof(struct hz_ingest_stats, held),
        [INGEST_STOPPED] = offsetof(struct hz_ingest_stats, stopped),
        [INGEST_FORK] = offsetof(struct hz_ingest_stats, forks),
        [INGEST_DENIED] = offsetof(struct hz_ingest_stats, denied),
        [INGEST_CAPACITY] = offsetof(struct hz_ingest_stats, capacity),
    };
    HZ_ASSERT((size_t)r < sizeof counter / sizeof counter[0]);
    uint64_t *c = (uint64_t *)(void *)((char *)s + counter[r]);
    (*c)++;
}

/* This run's entries that a fork stops end the run stopped: move their
 * count from the result they had (proto/cli.md, "bundle import"). */
static int count_stopping(struct hz_node *n, const uint8_t *author,
                          uint64_t point, struct hz_err *err)
{
    struct hz_ingest_stats *c = n->counting;
    if (c == NULL)
        return 0;
    int64_t was[ENTRY_DENIED + 1] = {0};
    int rv =
        log_count_marked_from(n, author, point, n->counting_mark, was, err);
    for (int s = 0; rv == 0 && s <= ENTRY_DENIED; s++) {
        uint64_t *from = ingest_counter(c, (enum entry_state)s);
        uint64_t moved = (uint64_t)was[s];
        if (s == ENTRY_STOPPED || moved == 0)
            continue;
        moved = moved < *from ? moved : *from;
        *from -= moved;
        c->stopped += moved;
    }
    return rv;
}

/* Take back everything the author wrote at or past @point. */
static int stop_chain(struct hz_node *n, const uint8_t *author, uint64_t point,
                      struct hz_err *err)
{
    HZ_ASSERT(point > 0);
    int rv = count_stopping(n, author, point, err);
    for (int64_t top = INT64_MAX; rv == 0;) {
        uint8_t id[HZ_HASH_LEN];
        bool found;
        rv = log_last_applied_from(n, author, point, &top, id, &found, err);
        if (rv != 0 || !found)
            break;
        rv = apply_undo(n, id, NULL, err);
        if (rv == 0)
            rv = log_set_state(n, id, ENTRY_STOPPED, NULL, err);
    }
    if (rv == 0)
        rv = log_stop_from(n, author, point, err);
    /* Trust objects in the stopped entries no longer count: resolved
     * again before the transaction commits (node/txn.c). */
    bool carried = false;
    if (rv == 0 && n->networked)
        rv = roster_carries(n, author, &carried, err);
    if (rv == 0 && carried)
        n->trust_dirty = true;
    return rv;
}

/* A second history of one author: keep the entry as evidence, and stop
 * the author's chain at the fork point it proves. */
static int record_fork(struct hz_node *n, const struct entry *e,
                       const uint8_t *buf, size_t len, enum ingest_result *res,
                       struct hz_err *err)
{
    *res = INGEST_FORK;
    uint64_t point = e->seq;
    int rv = 0;
    if (e->seq > 1) {
        uint8_t prev[HZ_HASH_LEN];
        bool found;
        rv = log_id_at(n, e->author, e->seq - 1, prev, &found, err);
        if (rv != 0)
            return rv;
        if (found && memcmp(prev, e->prev, HZ_HASH_LEN) != 0)
            point = e->seq - 1;
    }
    int64_t held;
    uint64_t old_point;
    rv = log_fork_count(n, e->author, &held, err);
    if (rv == 0)
        rv = log_fork_point(n, e->author, &old_point, err);
    if (rv != 0)
        return rv;
    if (held >= (int64_t)HZ_FORK_EVIDENCE_MAX) {
        /* Enough evidence of this fork is held; only evidence of an
         * earlier fork point still matters, and it replaces the latest. */
        if (old_point != 0 && point >= old_point) {
            *res = INGEST_CAPACITY; /* not kept (limits.md) */
            return 0;
        }
        rv = log_fork_drop_latest(n, e->author, err);
        if (rv != 0)
            return rv;
    }
    rv = log_fork_put(n, e, point, buf, len, err);
    if (rv == 0)
        rv = capacity_note(n, e, len, err);
    if (rv == 0 && (old_point == 0 || point < old_point))
        rv = stop_chain(n, e->author, point, err);
    if (rv == 0) {
        char a[9];
        hex_encode(e->author, 4, a);
        env_logf(n, HZ_LOG_WARN, "fork author=%s seq=%llu point=%llu", a,
                 (unsigned long long)e->seq, (unsigned long long)point);
    }
    return rv;
}

/* The verdict of an entry that links into its chain (DECISIONS 3, 4).
 * Running out of memory is not a verdict: it returns HZ_ENOMEM and the
 * caller's transaction rolls back. */
static int judge(struct hz_node *n, const struct entry *e,
                 struct body_ahead *ahead, struct body *b,
                 enum entry_state *state, struct hz_err *why,
                 struct hz_err *err)
{
    /* Decoded once: only a body this schema cannot read is asked its
     * version, to hold it when it is newer (the peek unpacks the whole
     * body too: 2 % of an import when done first for every entry). */
    int rv;
    if (ahead != NULL) {
        rv = ahead->rv;
        *b = ahead->b;
        ahead->b = (struct body){0};
        if (rv != 0)
            *why = ahead->why;
    } else {
        rv = body_decode(b, n->schema, e->body.p, e->body.len, why);
    }
    if (rv != 0 && rv != HZ_ENOMEM) {
        uint64_t version;
        struct hz_err peek = {0};
        if (body_peek_version(e->body.p, e->body.len, &version, &peek) != 0)
            *why = peek;
        else if (version > n->schema->version) {
            *state = ENTRY_HELD;
            return 0;
        }
    }
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
                  size_t len, struct body_ahead *ahead, enum ingest_result *res,
                  struct hz_err *err)
{
    uint64_t point;
    int rv = log_fork_point(n, e->author, &point, err);
    if (rv != 0)
        return rv;
    struct body b = {0};
    struct hz_err why = {0};
    enum entry_state state = ENTRY_STOPPED;
    if (point == 0 || e->seq < point)
        rv = judge(n, e, ahead, &b, &state, &why, err);
    if (point != 0 && e->seq >= point)
        HZ_ASSERT(state == ENTRY_STOPPED);
    if (rv != 0)
        return rv;
    /* Entries counted by this run carry its mark, so that a later
     * change of verdict in the same run corrects their count. */
    int64_t at = 0;
    rv = log_append(n, e, buf, len, state,
                    state == ENTRY_REJECTED || state == ENTRY_DENIED ? why.msg
                                                                     : NULL,
                    n->counting != NULL ? n->counting_mark : 0, &at, err);
    if (rv == 0 && state == ENTRY_DENIED && b.trust)
        rv = trust_entry_stored(n, e, &b, &state, err);
    else if (rv == 0 && state == ENTRY_APPLIED)
        rv = apply_body(n, e, at, &b, APPLY_LATEST, err);
    body_close(&b);
    if (rv == 0 && state != ENTRY_APPLIED)
        rv = capacity_note(n, e, len, err);
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
        env_logf(n, HZ_LOG_INFO, "denied author=%s seq=%llu", a,
                 (unsigned long long)e->seq);
    }
    if (state == ENTRY_REJECTED) {
        char a[9];
        hex_encode(e->author, 4, a);
        env_logf(n, HZ_LOG_WARN, "rejected author=%s seq=%llu code=%s", a,
                 (unsigned long long)e->seq, hz_errname(why.code));
    }
    return 0;
}

static int note_skew(struct hz_node *n, const struct entry *e,
                     struct hz_err *err)
{
    uint64_t now = env_now_ms(n);
    if (!clock_is_skewed(e->clock, now))
        return 0;
    return log_skew_note(n, e->author, e->clock, now, err);
}

static int hold_pending(struct hz_node *n, const struct entry *e,
                        const uint8_t *buf, size_t len, struct hz_err *err)
{
    int64_t mine, all;
    int rv = log_pending_counts(n, e->author, &mine, &all, err);
    if (rv != 0)
        return rv;
    if (mine >= (int64_t)HZ_PENDING_PER_AUTHOR_MAX ||
        all >= (int64_t)HZ_PENDING_TOTAL_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "pending entries full");
    rv = log_pending_put(n, e, buf, len,
                         n->counting != NULL ? n->counting_mark : 0, err);
    return rv != 0 ? rv : capacity_note(n, e, len, err);
}

/* Place a verified entry: duplicate, fork evidence, next link, or ahead
 * of a gap. */
static int place(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                 size_t len, struct body_ahead *ahead, enum ingest_result *res,
                 struct hz_err *err)
{
    /* An entry past its author's top cannot be in the log (its id is a
     * hash of its author and seq among its bytes): only fork evidence
     * may hold it. In an import the top is nearly always known, the
     * entry appended just before (log_top_known): one lookup instead of
     * three an entry. */
    uint64_t top = 0;
    bool known = log_top_known(n, e->author, &top), found;
    int rv = known && e->seq > top ? log_holds_fork(n, e->id, &found, err)
                                   : log_holds(n, e->id, &found, err);
    if (rv != 0)
        return rv;
    if (found) {
        *res = INGEST_DUPLICATE;
        return 0;
    }
    if (!known && (rv = log_top(n, e->author, &top, err)) != 0)
        return rv;
    if (!n->writing_own && memcmp(e->author, n->id.pk, HZ_KEY_LEN) == 0) {
        /* Our key signed an entry we did not write: a cloned SD card or
         * a restored backup (DECISIONS 13). Keep it as evidence and stop
         * writing until the node is re-keyed. */
        env_logf(n, HZ_LOG_ERROR,
                 "clone seq=%llu: our key signed an entry"
                 " we did not write",
                 (unsigned long long)e->seq);
        rv = db_meta_put(&n->db, "clone", "1", 1, err);
        return rv != 0 ? rv : record_fork(n, e, buf, len, res, err);
    }
    if (e->seq > top + 1) {
        *res = INGEST_PENDING;
        return hold_pending(n, e, buf, len, err);
    }
    uint8_t prev[HZ_HASH_LEN];
    memcpy(prev, zero_hash, HZ_HASH_LEN);
    if (e->seq == top + 1 && top > 0) {
        rv = log_id_at(n, e->author, top, prev, &found, err);
        if (rv == 0 && !found)
            rv = hz_err_set(err, HZ_ECORRUPT, "log: no entry at the top");
        if (rv != 0)
            return rv;
    }
    HZ_ASSERT(e->seq <= top + 1);
    if (e->seq <= top || memcmp(prev, e->prev, HZ_HASH_LEN) != 0) {
        return record_fork(n, e, buf, len, res, err);
    }
    rv = note_skew(n, e, err);
    return rv != 0 ? rv : append(n, e, buf, len, ahead, res, err);
}

/* Entries that waited for the one just appended: the next link, and any
 * held entry at a seq the log now covers (a duplicate, or fork evidence
 * that must not stay hidden in pending). */
static int drain_pending(struct hz_node *n, const uint8_t *author,
                         struct hz_err *err)
{
    for (;;) {
        uint64_t top;
        struct log_row r;
        uint8_t *buf = NULL;
        bool found = false;
        int rv = log_top(n, author, &top, err);
        if (rv == 0)
            rv = log_pending_next(n, author, top + 1, &r, &buf, &found, err);
        if (rv != 0 || !found)
            return rv;
        /* Counted only if it went pending in this run: an entry of an
         * earlier import is not this import's. */
        bool ours = n->counting != NULL && r.mark == n->counting_mark;
        struct entry e;
        enum ingest_result res = INGEST_PENDING;
        rv = log_pending_del(n, author, r.seq, r.id, NULL, err);
        /* Verified when it was stored: read its fields, place it. */
        if (rv == 0)
            rv = entry_decode_known(&e, buf, r.len, r.id, err);
        if (rv == 0)
            rv = place(n, &e, buf, r.len, NULL, &res, err);
        free(buf);
        if (rv != 0)
            return rv;
        if (ours && res != INGEST_PENDING)
            ingest_count(n->counting, res);
        else if (n->counting != NULL && !ours && res != INGEST_PENDING)
            n->counting->released++;
    }
}

int ingest_held(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                size_t len, bool *held, struct hz_err *err)
{
    return ingest_held_above(n, e, buf, len, UINT64_MAX, held, err);
}

int ingest_held_above(struct hz_node *n, const struct entry *e,
                      const uint8_t *buf, size_t len, uint64_t top, bool *held,
                      struct hz_err *err)
{
    if (memcmp(e->network, n->network, HZ_NET_LEN) != 0)
        return hz_err_set(err, HZ_ENETWORK, "entry");
    /* An entry already held with these very bytes was verified when it
     * was stored: recognised by its id, it costs no signature check. One
     * past its author's top is not in the log (its id hashes its author
     * and seq, as in place). */
    return e->seq > top ? log_holds_fork_bytes(n, e->id, buf, len, held, err)
                        : log_holds_bytes(n, e->id, buf, len, held, err);
}

int ingest_check(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                 size_t len, bool *held, struct hz_err *err)
{
    int rv = ingest_held(n, e, buf, len, held, err);
    if (rv == 0 && !*held)
        rv = entry_verify_bytes(e, buf, len, err);
    return rv;
}

int ingest_entry(struct hz_node *n, const uint8_t *buf, size_t len,
                 enum ingest_result *res, struct hz_err *err)
{
    return ingest_entry_from(n, buf, len, res, NULL, err);
}

int ingest_entry_from(struct hz_node *n, const uint8_t *buf, size_t len,
                      enum ingest_result *res, struct sync_from *from,
                      struct hz_err *err)
{
    struct entry e;
    bool held;
    int rv = entry_decode(&e, buf, len, err);
    if (rv == 0 && from != NULL) {
        memcpy(from->author, e.author, HZ_KEY_LEN);
        from->seq = e.seq;
        from->decoded = true;
    }
    if (rv == 0)
        rv = ingest_check(n, &e, buf, len, &held, err);
    if (rv == 0 && held) { /* these very bytes are stored: nothing to do */
        *res = INGEST_DUPLICATE;
        return 0;
    }
    return rv != 0 ? rv : ingest_checked(n, &e, buf, len, res, err);
}

int ingest_checked(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                   size_t len, enum ingest_result *res, struct hz_err *err)
{
    return ingest_checked_ahead(n, e, buf, len, NULL, res, err);
}

int ingest_checked_ahead(struct hz_node *n, const struct entry *e,
                         const uint8_t *buf, size_t len,
                         struct body_ahead *ahead, enum ingest_result *res,
                         struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    HZ_ASSERT(memcmp(e->network, n->network, HZ_NET_LEN) == 0);
    int rv = place(n, e, buf, len, ahead, res, err);
    if (rv == 0 && (*res == INGEST_APPLIED || *res == INGEST_REJECTED ||
                    *res == INGEST_HELD || *res == INGEST_STOPPED ||
                    *res == INGEST_DENIED))
        rv = drain_pending(n, e->author, err);
    return rv;
}

int ingest_upgrade(struct hz_node *n, struct hz_err *err)
{
    int64_t after = 0;
    for (;;) {
        uint8_t *buf;
        size_t len;
        bool found;
        int rv = log_next_held(n, &after, &buf, &len, &found, err);
        if (rv != 0 || !found)
            return rv;
        struct entry e;
        rv = entry_decode(&e, buf, len, err);
        struct body b = {0};
        struct hz_err why = {0};
        enum entry_state state = ENTRY_HELD;
        if (rv == 0)
            rv = judge(n, &e, NULL, &b, &state, &why, err);
        if (rv == 0 && state == ENTRY_HELD) {
            /* Still newer than this build: it waits for the next one. */
            free(buf);
            continue;
        }
        if (rv == 0)
            rv = log_set_state(n, e.id, state,
                               state == ENTRY_REJECTED || state == ENTRY_DENIED
                                   ? why.msg
                                   : NULL,
                               err);
        if (rv == 0 && state == ENTRY_DENIED && b.trust)
            rv = trust_entry_stored(n, &e, &b, &state, err);
        else if (rv == 0 && state == ENTRY_APPLIED)
            rv = apply_body(n, &e, 0, &b, APPLY_ANY, err);
        body_close(&b);
        free(buf);
        if (rv != 0)
            return rv;
    }
}

bool ingest_is_local_failure(int code)
{
    return code == HZ_EIO || code == HZ_ENOSPC || code == HZ_EBUSY ||
           code == HZ_ENOMEM || code == HZ_ECORRUPT || code == HZ_EREADONLY;
}
