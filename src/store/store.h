/* store.h - the SQLite adapter: log storage, materialization, queries.
 *
 * Tables (created by db.c, described in proto/storage.md):
 *   meta      node name, key, network, formats
 *   log       every entry that passed transport checks and links into its
 *             author's chain, with its verdict (applied, rejected, held,
 *             stopped); UNIQUE(author, seq)
 *   pending   entries ahead of a gap, verified but not yet linked
 *   forks     fork evidence: a second entry at a seq the log already holds
 *   skew      local observation: authors whose clocks are far from ours
 *   w, sup    field writes and the writes they supersede (merge.c)
 *   tomb      tombstones, and tomb_seen: the writes each had seen
 *   evsrc     which entries inserted each event row
 *   e_<t>     materialized entity rows; v_<t> materialized event rows
 * Every decision about data is made in src/core; this layer stores and
 * queries. No SQLite code escapes it. */
#ifndef HZ_STORE_H
#define HZ_STORE_H

#include "huzhu/bundle.h"
#include "huzhu/node.h"

#include "../core/body.h"
#include "../core/codec.h"
#include "../core/entry.h"
#include "../core/identity.h"
#include "../core/schema.h"

#include <sqlite3.h>
#include <stdio.h>

#define HZ_DB_FORMAT 1 /* PRAGMA user_version of node.db */
#define HZ_DB_FILE "node.db"
#define HZ_KEY_FILE "node.key"
#define HZ_NEW_KEY_FILE "node.key.new"  /* a rekey in progress */
#define HZ_STAGED_FILE "import.staging" /* an import in progress */

/* Verdicts of stored entries (log.state). */
enum entry_state {
    ENTRY_APPLIED = 0,
    ENTRY_REJECTED = 1, /* content checks failed: never applied */
    ENTRY_HELD = 2,     /* names a newer schema: applied after upgrade */
    ENTRY_STOPPED = 3,  /* at or past its author's fork point */
    ENTRY_DENIED = 4,   /* its author may not write it (trust.c); judged
                           again whenever the network's trust changes */
};

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
};

struct hz_node {
    sqlite3 *db;
    const struct schema *schema;
    struct identity id;
    uint8_t network[HZ_NET_LEN];
    char *dir;
    unsigned flags;
    struct hz_log log;
    struct hz_env env;
    int has_log;
    int writing_own;      /* write.c is storing an entry it just signed */
    bool networked;       /* in a real network: entries are authorized */
    bool trust_dirty;     /* trust objects changed in this transaction:
                             resolve before it commits (db_commit) */
    struct hz_err denial; /* why the last entry was denied */
    bool keep_denied;     /* write_entry keeps own entries it may not
                             write (re-issue at join; a test hook) */
    uint8_t last_eid[HZ_HASH_LEN]; /* the entry write_entry wrote last */
    /* When set, entries released from pending are counted here too: the
     * one that waited moves from "pending" to its final result. */
    struct hz_ingest_stats *counting;
    int64_t counting_mark;        /* pending rows this run added carry it */
    uint64_t counting_base;       /* the stats' pending count before the run */
    unsigned long kill_at_commit; /* test hook: HUZHU_TEST_KILL_AT_COMMIT */
    struct enc scratch;
    void *stmts; /* prepared statements cached by SQL text (db.c) */
};

/* ---- db.c: connection, schema, statements, errors */

/* Map a SQLite result to an HZ_E code with the SQLite message kept. */
int db_err(struct hz_node *n, int rc, const char *what, struct hz_err *err);
int db_exec(struct hz_node *n, const char *sql, struct hz_err *err);
/* A cached statement for @sql into *@st, reset and with bindings
 * cleared. 0 or an HZ_E code. */
int db_prep(struct hz_node *n, const char *sql, sqlite3_stmt **st,
            struct hz_err *err);
int db_begin(struct hz_node *n, struct hz_err *err); /* BEGIN IMMEDIATE */
int db_commit(struct hz_node *n, struct hz_err *err);
void db_rollback(struct hz_node *n);
/* Open @path (":memory:" allowed) with WAL and synchronous=FULL. */
int db_open(struct hz_node *n, const char *path, int create,
            struct hz_err *err);
/* Create or upgrade tables, materialized tables included. */
int db_setup(struct hz_node *n, struct hz_err *err);
/* Settings that write to the file (WAL journal), once it is known to be
 * a node's. */
int db_configure(struct hz_node *n, struct hz_err *err);
void db_close(struct hz_node *n);
int db_meta_get(struct hz_node *n, const char *key, void *out, size_t len,
                struct hz_err *err);
int db_meta_get_text(struct hz_node *n, const char *key, char **out,
                     struct hz_err *err);
int db_meta_put(struct hz_node *n, const char *key, const void *p, size_t len,
                struct hz_err *err);
/* SQLite result code helpers for one-step statements. */
int db_step_done(struct hz_node *n, sqlite3_stmt *st, struct hz_err *err);
/* The quoted materialized table name: "e_households" / "v_stays". */
void db_table_name(const struct table_def *t, char *out, size_t len);

/* ---- ingest.c: transport checks, chain, pending, forks */

/* Take one entry from outside (or from our own writer) inside an open
 * transaction. Transport failures return an error and store nothing. */
int ingest_entry(struct hz_node *n, const uint8_t *buf, size_t len,
                 enum ingest_result *res, struct hz_err *err);
/* Apply held entries that this build's schema now defines. */
int ingest_upgrade(struct hz_node *n, struct hz_err *err);
void ingest_count(struct hz_ingest_stats *s, enum ingest_result r);
/* Count a run of ingests (a bundle, a relay batch) into @s: entries
 * released from pending are counted with their final result, and
 * ingest_end_counting sets s->pending to the run's entries still waiting.
 * Call end after the run's last commit. */
void ingest_begin_counting(struct hz_node *n, struct hz_ingest_stats *s);
int ingest_end_counting(struct hz_node *n, struct hz_err *err);

/* ---- trust.c: the network's membership, and the verdicts it decides */

/* Is the node in a network (not the placeholder of DECISIONS 14)? */
bool trust_networked(const uint8_t *network);
/* Content checks of a trust body (a failure rejects the entry). */
int trust_check_body(struct hz_node *n, const struct entry *e,
                     const struct body *b, struct hz_err *why);
/* May the entry's author write it, by the trust state held now? Sets
 * *allowed, and @why when not. */
int trust_allowed(struct hz_node *n, const struct entry *e,
                  const struct body *b, bool *allowed, struct hz_err *why,
                  struct hz_err *err);
/* A trust entry was just stored in the log (state DENIED until judged):
 * record its objects, resolve the network's trust again, judge every
 * entry whose author's standing changed, and then the entry itself. */
int trust_entry_stored(struct hz_node *n, const struct entry *e,
                       const struct body *b, enum entry_state *state,
                       struct hz_err *err);
/* The trust level (trust_level_of) and strongest role of @key by the
 * certificates in effect: -1 and NULL for none, -1 when revoked. */
int trust_level(struct hz_node *n, const uint8_t *key, int *level,
                const char **role, struct hz_err *err);
/* Resolve again after entries left the chain (a fork point moved). */
int trust_refresh(struct hz_node *n, struct hz_err *err);

/* ---- network.c */

/* Move the node into @network (its own earlier entries re-issued, other
 * entries archived), in one transaction. For in-process nodes of the
 * simulator and tests; the public paths are hz_network_create and
 * hz_join. */
int network_enter(struct hz_node *n, const uint8_t *network, const char *name,
                  struct hz_err *err);

/* After a rekey, re-issue the previous key's entries past its fork point
 * or cut-off once this node learns of it (own transaction; called after
 * imports and joins). */
int network_followup(struct hz_node *n, struct hz_err *err);
/* The 32-byte network secret (network.secret). HZ_ENOTFOUND without. */
int network_secret(struct hz_node *n, uint8_t *out, struct hz_err *err);

/* ---- seal.c: sealed bundles (proto/bundle.md, "Sealed bundles") */

/* Does a file starting with @head (len bytes) hold a sealed bundle? */
bool seal_is_sealed(const uint8_t *head, size_t len);
/* The key id of a bundle key (16 bytes). */
void seal_key_id(const uint8_t *key, uint8_t *key_id);
/* The bundle key named @key_id: epoch 0's (from the network secret), one
 * a join token gave (bkeys), or this node's share of an epoch in the log.
 * HZ_ENOTFOUND when this node holds none. */
int seal_key_by_id(struct hz_node *n, const uint8_t *key_id, uint8_t *key,
                   struct hz_err *err);
/* Keep a bundle key this node was given (a token, its own new epoch). */
int seal_key_keep(struct hz_node *n, const uint8_t *key, uint64_t epoch,
                  struct hz_err *err);
/* Open a crypto_box_seal addressed to this node's device key (its X25519
 * form) into @out (len - crypto_box_SEALBYTES bytes): 0, or -1. */
int seal_open_to_me(struct hz_node *n, uint8_t *out, const uint8_t *sealed,
                    size_t len);
/* The key to seal with: the newest epoch in effect this node holds. */
int seal_key_current(struct hz_node *n, uint8_t *key, uint8_t *key_id,
                     uint64_t *epoch, struct hz_err *err);
/* Seal a plain bundle onto @out as it is written, under the current
 * bundle key: seal_begin writes the header; seal_write takes plain bytes
 * (0, or an HZ_E code once a write failed); seal_end writes the last
 * chunk and frees the sealer (seal_free alone abandons it). */
struct seal_out;
int seal_begin(struct hz_node *n, FILE *out, struct seal_out **s,
               struct hz_err *err);
int seal_write(struct seal_out *s, const uint8_t *p, size_t len);
int seal_end(struct seal_out *s, struct hz_err *err);
void seal_free(struct seal_out *s);
/* Check and open a sealed bundle from @in (at its start) onto @out. A
 * file that is not complete, not authentic, of another network or under
 * a key this node does not hold is refused. */
int unseal_file(struct hz_node *n, FILE *in, FILE *out, struct hz_err *err);

/* ---- apply.c: materialize one decoded body, or take it back */

int apply_body(struct hz_node *n, const struct entry *e, const struct body *b,
               struct hz_err *err);
int apply_undo(struct hz_node *n, const uint8_t *eid, struct hz_err *err);
/* Encode a materialized SQLite column as a value of column @c. */
int apply_value_from_sql(const struct col_def *c, sqlite3_stmt *st, int i,
                         struct value *out);

/* ---- write.c: our own entries */

/* Sign and store one entry of ours. An entry our role does not allow is
 * HZ_EPERM and is not kept, unless n->keep_denied. */
int write_entry(struct hz_node *n, const struct body *b, struct hz_err *err);
/* One entry carrying one trust object. */
int write_trust(struct hz_node *n, enum op_kind kind, const uint8_t *obj,
                size_t len, struct hz_err *err);
/* One entry carrying @count trust operations (kind and object set). */
int write_trust_ops(struct hz_node *n, struct op *ops, size_t count,
                    struct hz_err *err);

/* ---- relay.c: entries in and out, for the simulator and (later) sync */

/* Call @cb with the bytes of every entry the node holds: the log in
 * arrival order, then fork evidence, then pending entries. Stops and
 * returns @cb's value when it is not 0. */
int relay_each(struct hz_node *n,
               int (*cb)(void *data, const uint8_t *p, size_t len), void *data,
               struct hz_err *err);
/* Take in @count entries (bytes and lengths) in one transaction.
 * Refused entries are counted in stats->refused and change nothing;
 * other errors roll the whole batch back. */
int relay_ingest(struct hz_node *n, size_t count, const uint8_t *const *p,
                 const size_t *len, struct hz_ingest_stats *stats,
                 struct hz_err *err);

/* ---- node.c */
uint64_t node_now_ms(struct hz_node *n);
/* This machine: BLAKE2b of /etc/machine-id and the board serial, or of
 * $HUZHU_TEST_MACHINE_ID (tests). Recorded at init; a node opened on
 * another machine stops writing until rekey (DECISIONS 13). */
void node_device_fingerprint(uint8_t *out);
/* Make node.key.new the node's key file (rekey, after its commit). */
int node_finish_rekey(struct hz_node *n, struct hz_err *err);
void node_random(struct hz_node *n, void *buf, size_t len);
void node_logf(struct hz_node *n, int level, const char *fmt, ...)
    HZ_PRINTF(3, 4);

/* Internal: open a node on an in-memory database with a given key seed
 * and schema (simulation and tests). */
int node_open_memory(const uint8_t *seed, const struct schema *schema,
                     const struct hz_env *env, hz_node **out,
                     struct hz_err *err);
/* Internal: open with a given schema (upgrade tests). */
int node_open_schema(const char *dir, const struct schema *schema,
                     const struct hz_node_opts *opts, hz_node **out,
                     struct hz_err *err);

#endif
