/* log.h - the log: every entry a node holds, and how entries get there.
 *
 *   log.c     owns the tables log, pending, forks, skew and prenet: the
 *             only file with SQL on them (proto/storage.md)
 *   capacity.c owns stranger: the caps on entries of authors with no
 *             certificate (DECISIONS 34)
 *   ingest.c  taking in one entry: transport checks, chain, pending,
 *             forks, verdict (DECISIONS 3)
 *   write.c   our own entries: local checks, signing (DECISIONS 6)
 *   relay.c   entries in and out without a file (simulator, sync)
 *   report.c  vector, status, log verify */
#ifndef HZ_STORE_LOG_H
#define HZ_STORE_LOG_H

#include "../../core/body.h"
#include "../../core/entry.h"
#include "../node/node.h"

struct sync_from; /* core/syncmsg.h */

/* Verdicts of stored entries (log.state). The values are stored: never
 * renumber them (proto/storage.md). */
enum entry_state {
    ENTRY_APPLIED = 0,
    ENTRY_REJECTED = 1, /* content checks failed: never applied */
    ENTRY_HELD = 2,     /* names a newer schema: applied after upgrade */
    ENTRY_STOPPED = 3,  /* at or past its author's fork point */
    ENTRY_DENIED = 4,   /* its author may not write it (members/trust.c);
                           judged again whenever the network's trust
                           changes */
};

_Static_assert(ENTRY_APPLIED == 0, "db.c's partial index log_state names it 0");

/* What ingest did with one entry. */
enum ingest_result {
    INGEST_APPLIED,
    INGEST_DUPLICATE,
    INGEST_PENDING,
    INGEST_REJECTED,
    INGEST_HELD,
    INGEST_STOPPED,
    INGEST_FORK,
    INGEST_DENIED,
    INGEST_CAPACITY, /* not kept: fork evidence past its cap (limits.md) */
};

/* ---- log.c: the tables of the log
 *
 * Functions that write require an open transaction (asserted). Entry
 * bytes handed in are stored as given; bytes handed out in a struct
 * log_row are borrowed until the callback returns. */

/* One stored entry, as a walk hands it out. */
struct log_row {
    const uint8_t *author;
    uint64_t seq;
    const uint8_t *id;
    enum entry_state state; /* the log only */
    int64_t mark;           /* the log and pending: the run that took it */
    int64_t at;             /* the relay walks: the row's number (n) */
    const uint8_t *bytes;
    size_t len;
    uint8_t id_buf[HZ_HASH_LEN]; /* where a copied id lives */
};
typedef int (*log_row_fn)(void *data, const struct log_row *r,
                          struct hz_err *err);

enum log_part {
    LOG_ARRIVAL, /* the log in arrival order */
    LOG_CHAINS,  /* the log by author, then seq */
    LOG_FORKS,   /* fork evidence by author, seq, id */
    LOG_PENDING, /* entries ahead of a gap by author, seq, id */
};

/* Walk one part of the log. */
int log_each(struct hz_node *n, enum log_part part, log_row_fn fn, void *data,
             struct hz_err *err);
/* The rows of the log, forks or pending numbered after @after, in
 * number order (a live session's push; numbers in forks and pending are
 * never given twice, in the log only after its newest entry was dropped,
 * capacity.c). */
int log_each_after(struct hz_node *n, enum log_part part, int64_t after,
                   log_row_fn fn, void *data, struct hz_err *err);
/* @author's entries in the log from @from_seq on, numbered at most
 * @upto, in seq order. */
int log_chain_upto(struct hz_node *n, const uint8_t *author, uint64_t from_seq,
                   int64_t upto, log_row_fn fn, void *data, struct hz_err *err);
/* The highest numbers in the log, forks and pending (0 when empty). */
int log_marks(struct hz_node *n, int64_t marks[3], struct hz_err *err);
/* @author's entries in the log from @from_seq on, in seq order: all of
 * them, or with @own_only those applied, stopped or denied. */
enum log_from { LOG_FROM_ALL, LOG_FROM_REISSUE, LOG_FROM_APPLIED };
int log_each_from(struct hz_node *n, const uint8_t *author, uint64_t from_seq,
                  enum log_from which, log_row_fn fn, void *data,
                  struct hz_err *err);
/* Entries of @author after @after_seq whose verdict trust decides
 * (APPLIED or DENIED), one at a time: *@found false when none is left.
 * @out's bytes are owned by the caller (free them). */
int log_next_judged(struct hz_node *n, const uint8_t *author,
                    uint64_t after_seq, struct log_row *out, uint8_t **bytes,
                    bool *found, struct hz_err *err);
/* The next HELD entry after arrival number *@after (updated). */
int log_next_held(struct hz_node *n, int64_t *after, uint8_t **bytes,
                  size_t *len, bool *found, struct hz_err *err);
/* Every author in the log with its chain's top seq, in key order: one
 * index seek each. */
int log_tops(struct hz_node *n,
             int (*cb)(void *data, const uint8_t *author, uint64_t seq,
                       struct hz_err *err),
             void *data, struct hz_err *err);
/* Every author in the log, sorted; *@keys owned (free). */
int log_authors(struct hz_node *n, uint8_t (**keys)[HZ_KEY_LEN], size_t *count,
                struct hz_err *err);

/* Does the log or the fork evidence hold the entry @id with exactly
 * these bytes? */
int log_holds_bytes(struct hz_node *n, const uint8_t *id, const uint8_t *buf,
                    size_t len, bool *held, struct hz_err *err);
/* The same of the fork evidence alone. */
int log_holds_fork_bytes(struct hz_node *n, const uint8_t *id,
                         const uint8_t *buf, size_t len, bool *held,
                         struct hz_err *err);
/* Is an entry with this id in the log or among fork evidence? */
int log_holds(struct hz_node *n, const uint8_t *id, bool *found,
              struct hz_err *err);
/* Is an entry with this id among fork evidence? */
int log_holds_fork(struct hz_node *n, const uint8_t *id, bool *found,
                   struct hz_err *err);
/* Forget the entry log_append stored last (the transaction ends). */
void log_forget_last(struct hz_node *n);
/* Before a commit: the greatest clock stored (log_max_clock). */
int log_settle(struct hz_node *n, struct hz_err *err);
/* At a transaction's start and after a rollback: what it knew forgotten. */
void log_abandon(struct hz_node *n);
/* The highest seq of @author in the log (0 when none). */
int log_top(struct hz_node *n, const uint8_t *author, uint64_t *seq,
            struct hz_err *err);
/* The same when the transaction knows it without asking the database
 * (its last append was @author's); false otherwise. */
bool log_top_known(struct hz_node *n, const uint8_t *author, uint64_t *seq);
/* The id of @author's entry at @seq; *@found false when none. */
int log_id_at(struct hz_node *n, const uint8_t *author, uint64_t seq,
              uint8_t *id, bool *found, struct hz_err *err);
/* The arrival number (log.n) of entry @id; 0 when the log does not hold
 * it. The facts of the state name applied entries by it (storage.md). */
int log_n_of(struct hz_node *n, const uint8_t *id, int64_t *at,
             struct hz_err *err);
/* The id of the entry at arrival number @at (HZ_ECORRUPT if none). */
int log_id_of(struct hz_node *n, int64_t at, uint8_t *id, struct hz_err *err);
/* The author of the entry at arrival number @at as names.k (the a of its
 * facts, storage.md); HZ_ECORRUPT if none. */
int log_author_k_of(struct hz_node *n, int64_t at, int64_t *a,
                    struct hz_err *err);
/* The bytes of the entry at arrival number @at, owned by the caller
 * (free them); HZ_ECORRUPT if none. */
int log_bytes_of(struct hz_node *n, int64_t at, uint8_t **bytes, size_t *len,
                 struct hz_err *err);
/* The verdict of the entry @id; *@found false when not in the log. */
int log_state_of(struct hz_node *n, const uint8_t *id, enum entry_state *state,
                 bool *found, struct hz_err *err);
/* The highest clock among stored entries (0 when none). */
int log_max_clock(struct hz_node *n, uint64_t *clock, struct hz_err *err);
/* How many of @author's entries after @seq are in @state. */
int log_count_after(struct hz_node *n, const uint8_t *author, uint64_t seq,
                    enum entry_state state, int64_t *count, struct hz_err *err);
/* Last seq, applied and denied counts and fork point of @author, as the
 * JSON fields last_seq, applied, denied, fork_point (null when none)
 * added to @obj. */
int log_author_json(struct hz_node *n, const uint8_t *author, json_t *obj,
                    struct hz_err *err);

/* Store a verified entry that links to @author's top as the next link,
 * with its verdict: e->seq must be top + 1 (asserted in debug builds: the
 * caller, ingest.c, placed it so). Its place in the log into *@at. */
int log_append(struct hz_node *n, const struct entry *e, const uint8_t *buf,
               size_t len, enum entry_state state, const char *reason,
               int64_t mark, int64_t *at, struct hz_err *err);
/* A new verdict for a stored entry; @reason may be NULL. */
int log_set_state(struct hz_node *n, const uint8_t *id, enum entry_state state,
                  const char *reason, struct hz_err *err);
/* The highest APPLIED entry of @author at or past @point and at seq
 * *@top or below; *@top becomes the seq below it. A walk down a chain
 * starts with *@top INT64_MAX and passes each entry once: the entries it
 * takes back stay in the log, stopped, and a search from the top each
 * time would pass all of them again (a fork near the start of a chain
 * of 16,000 entries: 1.6 ms an entry). */
int log_last_applied_from(struct hz_node *n, const uint8_t *author,
                          uint64_t point, int64_t *top, uint8_t *id,
                          bool *found, struct hz_err *err);
/* Every entry of @author at or past @point becomes STOPPED. */
int log_stop_from(struct hz_node *n, const uint8_t *author, uint64_t point,
                  struct hz_err *err);
/* @author's entries at or past @point that carry @mark and are not
 * stopped, counted by state into @was (indexed by enum entry_state). */
int log_count_marked_from(struct hz_node *n, const uint8_t *author,
                          uint64_t point, int64_t mark,
                          int64_t was[ENTRY_DENIED + 1], struct hz_err *err);

/* Take back an entry that is no longer kept (capacity.c): the log row
 * @id when it is @author's top entry and not applied (*@state is what
 * it was), or the fork evidence @id (*@point its fork point). *@found
 * false when neither holds it so. */
int log_drop_top(struct hz_node *n, const uint8_t *author, const uint8_t *id,
                 enum entry_state *state, bool *found, struct hz_err *err);
int log_fork_take(struct hz_node *n, const uint8_t *author, uint64_t seq,
                  const uint8_t *id, uint64_t *point, bool *found,
                  struct hz_err *err);

/* Fork evidence: the author's fork point (0 when none), how much
 * evidence is held, drop the latest piece, keep a new one. */
int log_fork_point(struct hz_node *n, const uint8_t *author, uint64_t *point,
                   struct hz_err *err);
int log_fork_count(struct hz_node *n, const uint8_t *author, int64_t *count,
                   struct hz_err *err);
int log_fork_drop_latest(struct hz_node *n, const uint8_t *author,
                         struct hz_err *err);
int log_fork_put(struct hz_node *n, const struct entry *e, uint64_t point,
                 const uint8_t *buf, size_t len, struct hz_err *err);

/* Pending entries: counts (of @author, and in all, from pending_count:
 * no rows counted), keep one, the first of @author at or below @max_seq
 * (its bytes owned by the caller), drop one, and how many carry @mark. */
int log_pending_counts(struct hz_node *n, const uint8_t *author, int64_t *mine,
                       int64_t *all, struct hz_err *err);
int log_pending_put(struct hz_node *n, const struct entry *e,
                    const uint8_t *buf, size_t len, int64_t mark,
                    struct hz_err *err);
int log_pending_next(struct hz_node *n, const uint8_t *author, uint64_t max_seq,
                     struct log_row *out, uint8_t **bytes, bool *found,
                     struct hz_err *err);
int log_pending_del(struct hz_node *n, const uint8_t *author, uint64_t seq,
                    const uint8_t *id, bool *gone, struct hz_err *err);
/* A database of format 2 or older: pending and forks in this build's
 * layout (storage.md, "Upgrades"). */
int log_relayout(struct hz_node *n, struct hz_err *err);
/* Format 7: pending and forks renumbered never to repeat a number. */
int log_autoincrement(struct hz_node *n, struct hz_err *err);
/* Count pending entries afresh (a database of format 1 had no counts). */
int log_count_pending(struct hz_node *n, struct hz_err *err);
int log_pending_marked(struct hz_node *n, int64_t mark, int64_t *count,
                       struct hz_err *err);

/* A clock far from ours, seen on an entry of @author. */
int log_skew_note(struct hz_node *n, const uint8_t *author, uint64_t clock,
                  uint64_t wall, struct hz_err *err);

/* Entering a network (DECISIONS 14): every entry but @own's applied ones
 * moves to prenet and the log's tables are emptied; *@archived counts
 * what prenet holds. */
int log_archive(struct hz_node *n, const uint8_t *own, uint64_t *archived,
                struct hz_err *err);

/* The status report's parts (hz_node_status): "entries" as an object,
 * "missing", "forks", "rejected", "denied", "skewed_authors" as arrays,
 * and "rejected_cut", "denied_cut" (true when that list holds fewer than
 * "entries" counts: it stops at HZ_STATUS_LIST_MAX), set on @root. Inside
 * a transaction, so that the parts are one snapshot. */
int log_status_json(struct hz_node *n, json_t *root, struct hz_err *err);
/* The vector's authors: [{author, seq, hash}] sorted by author. */
int log_vector_json(struct hz_node *n, json_t *arr, struct hz_err *err);

/* ---- relay.c */

/* What a peer whose vector is @has (@n_has authors, sorted by key)
 * lacks, as a bundle for that vector carries it (proto/bundle.md,
 * "Writing a bundle"): for each author in the log, in key order, its
 * entries from the first the peer lacks; then all fork evidence and all
 * pending entries. Inside the caller's (read) transaction. */
struct sync_has;
int relay_delta(struct hz_node *n, const struct sync_has *has, size_t n_has,
                log_row_fn fn, void *data, struct hz_err *err);

/* Owned entry bytes, in order (re-issue, rekey). */
struct blobs {
    size_t n;
    uint8_t **p;
    size_t *len;
};
void blobs_close(struct blobs *b);
/* @author's entries from @from_seq on, in seq order, into @out. */
int log_load(struct hz_node *n, const uint8_t *author, uint64_t from_seq,
             enum log_from which, struct blobs *out, struct hz_err *err);

/* ---- capacity.c: strangers cannot fill a node (DECISIONS 34) */

/* An entry from outside kept and not applied in this transaction: judged
 * when it commits (our own entries are never counted). */
int capacity_note(struct hz_node *n, const struct entry *e, size_t len,
                  struct hz_err *err);
/* At commit, after trust is resolved: count the noted entries of authors
 * with no certificate in effect, and take back what is over the caps,
 * highest seq first. May set n->trust_dirty (an entry taken back carried
 * trust objects). */
int capacity_settle(struct hz_node *n, struct hz_err *err);
/* @author holds a certificate now: its entries up to its cut-off, if it
 * has one, count no more. */
int capacity_forget(struct hz_node *n, const uint8_t *author,
                    struct hz_err *err);
/* The transaction rolled back; a run begins (its list is emptied). */
void capacity_abort(struct hz_node *n);
void capacity_begin_run(struct hz_node *n);
/* Entering a network empties the log: no stranger is left. */
int capacity_clear(struct hz_node *n, struct hz_err *err);
/* A database of format 2: count the entries it holds of strangers. */
int capacity_backfill(struct hz_node *n, struct hz_err *err);
void capacity_close(struct hz_node *n);
/* The status report's "strangers": {"entries", "bytes", "max_entries",
 * "max_bytes"} (what the caps count now, and the caps). */
int capacity_status_json(struct hz_node *n, json_t *root, struct hz_err *err);

/* ---- ingest.c */

/* Take one entry from outside inside an open transaction: decode,
 * ingest_check, ingest_checked. Transport failures return an error and
 * store nothing. */
int ingest_entry(struct hz_node *n, const uint8_t *buf, size_t len,
                 enum ingest_result *res, struct hz_err *err);
/* ingest_entry, and @from (when not NULL) gets the entry's author and seq
 * once it decoded. */
int ingest_entry_from(struct hz_node *n, const uint8_t *buf, size_t len,
                      enum ingest_result *res, struct sync_from *from,
                      struct hz_err *err);
/* The transport checks after decoding (DECISIONS 3): the network, and the
 * signature, unless the node already holds these very bytes (*@held;
 * recognised by the id, no signature work). Reads only: pass 1 of an
 * import calls it outside a transaction. */
int ingest_check(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                 size_t len, bool *held, struct hz_err *err);
/* ingest_check without the signature: the network, and whether these very
 * bytes are held. The caller checks the signature of an entry not held
 * (entry_verify; pass 1 of an import does it on several threads). */
int ingest_held(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                size_t len, bool *held, struct hz_err *err);
/* The same knowing its author's top in the log, @top (log_top, in the
 * caller's transaction): an entry past it is looked for among the fork
 * evidence only. */
int ingest_held_above(struct hz_node *n, const struct entry *e,
                      const uint8_t *buf, size_t len, uint64_t top, bool *held,
                      struct hz_err *err);
/* Store and judge an entry that passed ingest_check (in this call or in
 * pass 1 of an import): its signature is never checked again. */
int ingest_checked(struct hz_node *n, const struct entry *e, const uint8_t *buf,
                   size_t len, enum ingest_result *res, struct hz_err *err);
/* A body decoded before its entry's turn (by the reader thread of an
 * import's pass 2, DECISIONS 45): body_decode's result, its error, and
 * on success the body, which borrows from the entry's bytes. */
struct body_ahead {
    int rv;
    struct hz_err why;
    struct body b;
};
/* ingest_checked with the entry's body decoded already in @ahead (against
 * n->schema; NULL: decoded here). The body is taken when the entry is
 * judged (ahead->b zeroed then); body_close(&ahead->b) is the caller's
 * either way. */
int ingest_checked_ahead(struct hz_node *n, const struct entry *e,
                         const uint8_t *buf, size_t len,
                         struct body_ahead *ahead, enum ingest_result *res,
                         struct hz_err *err);
/* Apply held entries that this build's schema now defines. */
int ingest_upgrade(struct hz_node *n, struct hz_err *err);
void ingest_count(struct hz_ingest_stats *s, enum ingest_result r);
/* The count of a run's entries stored in @state. */
uint64_t *ingest_counter(struct hz_ingest_stats *s, enum entry_state state);
/* Count a run of ingests (a bundle, a relay batch) into @s: entries
 * released from pending are counted with their final result, and
 * ingest_end_counting sets s->pending to the run's entries still waiting.
 * Call end after the run's last commit. */
void ingest_begin_counting(struct hz_node *n, struct hz_ingest_stats *s);
int ingest_end_counting(struct hz_node *n, struct hz_err *err);
/* Is @code a failure of the node itself (disk, memory, database) rather
 * than of one entry? Such a failure rolls a whole batch back. */
bool ingest_is_local_failure(int code);

/* ---- write.c: our own entries */

/* Sign and store one entry of ours. An entry we may not write is not
 * kept, unless n->keep_denied, and returns the denial's code:
 * HZ_EPERM (our role does not allow it), HZ_EREVOKED (past our cut-off)
 * or HZ_ENOCERT (no certificate yet: joined or rekeyed, not admitted). */
int write_entry(struct hz_node *n, const struct body *b, struct hz_err *err);
/* One entry carrying one trust object. */
int write_trust(struct hz_node *n, enum op_kind kind, const uint8_t *obj,
                size_t len, struct hz_err *err);
/* One entry carrying @count trust operations (kind and object set). */
int write_trust_ops(struct hz_node *n, struct op *ops, size_t count,
                    struct hz_err *err);
/* hz_node_commit, and @within(@data) in the same transaction after the
 * batch's entries are written (a roster import's record of what it
 * wrote: both or neither). @within may be NULL. */
int write_commit_within(hz_node *n, hz_batch *b, size_t *n_entries,
                        int (*within)(hz_node *n, void *data,
                                      struct hz_err *err),
                        void *data, struct hz_err *err);

/* ---- report.c */

/* hz_node_log_verify; with @chain_sigs false the signatures of the
 * authors' chains are not checked again, only everything else (bytes,
 * ids, links, held entries' signatures, the database): for a node whose
 * chains end at the same ids as those of a node verified whole (the
 * links then make them the same bytes; the simulator's check). */
int log_verify(struct hz_node *n, bool chain_sigs, uint64_t *n_checked,
               struct hz_err *err);

#endif
