/* node.h - the node: its private struct, opening and closing it, the
 * environment it runs in (env.c) and its transactions (txn.c).
 *
 * Private to src/store: the network and web layers include only
 * ../store.h, never this header (tests/unit/layers.sh keeps it so). */
#ifndef HZ_STORE_NODE_H
#define HZ_STORE_NODE_H

#include "huzhu/bundle.h"
#include "huzhu/node.h"

#include "../../core/codec.h"
#include "../../core/identity.h"
#include "../../core/schema.h"
#include "../../core/error_int.h"
#include "../db/db.h"

#include <stdbool.h>
#include <stdint.h>

#define HZ_DB_FILE "node.db"
#define HZ_KEY_FILE "node.key"
#define HZ_NEW_KEY_FILE "node.key.new"  /* a rekey in progress */
#define HZ_STAGED_FILE "import.staging" /* an import in progress */

struct capacity_fresh {
    uint8_t author[HZ_KEY_LEN];
    uint8_t id[HZ_HASH_LEN];
    uint64_t seq;
    size_t len;
};

struct hz_node {
    struct db db;
    const struct schema *schema;
    struct identity id;
    uint8_t network[HZ_NET_LEN];
    char *dir;
    unsigned flags;
    struct hz_log log;
    bool has_log;
    struct hz_env env;
    bool writing_own;     /* log/write.c is storing an entry it just signed */
    bool networked;       /* in a real network: entries are authorized */
    bool trust_dirty;     /* trust objects changed in this transaction:
                             resolved before it commits (txn.c) */
    struct hz_err denial; /* why the last entry was denied */
    bool keep_denied;     /* write_entry keeps own entries it may not
                             write (re-issue at join; a test hook) */
    uint8_t last_eid[HZ_HASH_LEN]; /* the entry write_entry wrote last */
    bool merge_general;        /* every write to a row takes the general path of
                                  the merge (state/fields.c, edit_sole): a test
                                  hook, for comparing both */
    uint64_t merge_edits_sole; /* writes that took the short path */
    /* When set, entries released from pending are counted here too: the
     * one that waited moves from "pending" to its final result. */
    struct hz_ingest_stats *counting;
    int64_t counting_mark;  /* pending rows this run added carry it */
    uint64_t counting_base; /* the stats' pending count before the run */
    /* Entries from outside this transaction kept and not applied: at its
     * commit, those whose author has no certificate count against the
     * strangers' caps (log/capacity.c, DECISIONS 34). */
    struct capacity_fresh *fresh;
    size_t n_fresh, cap_fresh;
    /* What the current run did not keep for capacity (hz_ingest_not_kept). */
    struct hz_range *not_kept;
    size_t n_not_kept;
    struct enc scratch;
    /* Rows changed in this transaction whose search documents are owed,
     * written together at its commit (state/search.c); NULL until the
     * first. */
    struct search_owed *sx_owed;
    /* The text of the statements that write materialized rows, a table
     * at a time (state/rows.c); NULL until the first. */
    struct rows_sql *rows_sql;
    /* The local change counter in the current transaction (state/rows.c):
     * loaded at its first change; the last number given and the one
     * stored; the row numbered last, which keeps its number while the
     * transaction changes it further. */
    struct rows_chg {
        struct db_meta_num top;
        const struct table_def *last_t;
        uint8_t last_row[HZ_ROW_LEN];
    } chg;
    /* What an import asks of the log for every entry, as the current
     * transaction last learnt it (log/log.c): the entry log_append stored
     * last, its author's top and the id there (log_top, log_id_at), that
     * author's fork point once asked (log_fork_point), whether no entry
     * is pending at all (log_pending_next) and whether no fork evidence
     * is held at all (log_holds and the like). Forgotten at every
     * transaction's start and end, each part when what it says changes. */
    struct log_last {
        bool held, point_known, pending_asked, no_pending;
        bool forks_asked, no_forks;
        uint64_t seq, point;
        uint8_t author[HZ_KEY_LEN];
        uint8_t id[HZ_HASH_LEN];
    } log_last;
    /* The greatest clock of the entries in the log (meta "clock", format
     * 16: an index on log.clock cost every entry an insert to answer
     * this), as the current transaction knows it (log/log.c). */
    struct db_meta_num clock_max;
    /* Transactions this handle committed: with SQLite's data_version
     * (other connections' commits), whether anything may have changed
     * (store_change_stamp). */
    uint64_t commits;
};

/* ---- node.c */

/* This machine: BLAKE2b of /etc/machine-id and the board serial, or of
 * $HUZHU_TEST_MACHINE_ID (tests). Recorded at init; a node opened on
 * another machine stops writing until rekey (DECISIONS 13). */
void node_device_fingerprint(uint8_t *out);
/* Make node.key.new the node's key file (rekey, after its commit). */
int node_finish_rekey(struct hz_node *n, struct hz_err *err);
/* Read-only or cloned nodes write nothing: 0 or the HZ_E code. */
int node_check_writable(struct hz_node *n, struct hz_err *err);
/* The node's name (owned by the caller). */
int node_name(struct hz_node *n, char **name, struct hz_err *err);
/* Open a node on an in-memory database with a given key seed and schema
 * (simulation and tests). */
int node_open_memory(const uint8_t *seed, const struct schema *schema,
                     const struct hz_env *env, hz_node **out,
                     struct hz_err *err);
/* Open with a given schema (upgrade tests). */
int node_open_schema(const char *dir, const struct schema *schema,
                     const struct hz_node_opts *opts, hz_node **out,
                     struct hz_err *err);

/* ---- env.c: the world as the node sees it (clock, randomness, log) */

/* Wall clock in ms; may be wrong (a Pi boots in 1970). */
uint64_t env_now_ms(struct hz_node *n);
void env_random(struct hz_node *n, void *buf, size_t len);
/* One log line through the node's logger, if it has one at @level.
 * Never personal data (STYLE 9). */
void env_logf(struct hz_node *n, int level, const char *fmt, ...)
    HZ_PRINTF(3, 4);
/* Fill @env with the real clock and randomness, then what @opts sets. */
void env_init(struct hz_env *env, const struct hz_env *opts);

/* ---- txn.c: the store's transactions
 *
 * Every write of the store runs inside txn_begin .. txn_commit. The
 * commit is where the store, not the database file, decides what must
 * happen before the transaction ends: trust objects that arrived in it
 * are resolved once (members/trust.c) before COMMIT. */
int txn_begin(struct hz_node *n, struct hz_err *err); /* BEGIN IMMEDIATE */
int txn_commit(struct hz_node *n, struct hz_err *err);
/* Roll back what is open (nothing is fine), forgetting pending work. */
void txn_rollback(struct hz_node *n);
/* A read that must see one snapshot (BEGIN .. ROLLBACK). */
int txn_begin_read(struct hz_node *n, struct hz_err *err);

#endif
