/* unit_env.h - shared fixtures of the unit tests (tests/unit/).
 *
 * A deterministic world for one test: a virtual wall clock and a seeded
 * PRNG behind struct hz_env, in-memory nodes opened from a one-byte seed,
 * moving entries between nodes (store_relay_each / store_relay_ingest),
 * crafting and signing entries by hand, snapshots of what a refusal must not
 * change (DECISIONS 25: state hash, vector, and the row counts of log, pending
 * and fork evidence), and temporary node directories under /tmp.
 *
 * Every helper asserts (cmocka) on failures that are not the point of the
 * test, so a test reads as the behaviour it checks. */
#ifndef HZ_UNIT_ENV_H
#define HZ_UNIT_ENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>

#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "store/internal.h"

/* 2024-05-01T00:00:00Z and 2038-01-01T00:00:00Z, in milliseconds. */
#define UNIT_T0_MS UINT64_C(1714521600000)
#define UNIT_T2038_MS UINT64_C(2145916800000)

/* ---- deterministic environment */

struct unit_env {
    uint64_t now_ms; /* the wall clock the node reads; tests move it */
    uint64_t rng;    /* splitmix64 state */
    struct hz_env env;
};

void unit_env_init(struct unit_env *u, uint64_t seed, uint64_t now_ms);

/* splitmix64: the next value of @s. */
uint64_t unit_rand(uint64_t *s);
/* A value in [0, n). */
size_t unit_rand_below(uint64_t *s, size_t n);

/* ---- nodes */

/* An in-memory node whose key seed is 32 copies of @seed_byte, on the
 * clock and PRNG of @env (borrowed for the node's life). */
hz_node *unit_node_memory(uint8_t seed_byte, struct unit_env *env);
/* The same with a given schema. */
hz_node *unit_node_memory_schema(uint8_t seed_byte, const struct schema *s,
                                 struct unit_env *env);
void unit_seed(uint8_t seed_byte, uint8_t seed[HZ_SEED_LEN]);

/* A node on disk under @base/@sub, its own virtual clock (now UNIT_T0_MS)
 * and PRNG from @seed: what tests of networks, joins and files use. */
struct unit_site {
    char *dir;
    struct unit_env env;
    hz_node *n;
};
void unit_site_create(const char *base, struct unit_site *s, const char *sub,
                      uint64_t seed);
void unit_site_close(struct unit_site *s);
/* @by admits @who as a coordinator for @days (0: the default) and @who
 * joins with the token. */
void unit_admit_join(hz_node *by, hz_node *who, unsigned days);

/* The fields of a batch put, as an array literal and its length:
 *   unit_put(n, "households", NULL, UNIT_FIELDS({"village", "测试村"}),
 *            id, NULL); */
#define UNIT_FIELDS(...)                                                       \
    sizeof((const struct hz_field[]){__VA_ARGS__}) / sizeof(struct hz_field),  \
        ((const struct hz_field[]){__VA_ARGS__})

/* One put committed as one action. @id may be NULL (new row); the row id
 * goes to @id_out (33 bytes) when not NULL; *@n_entries (may be NULL)
 * gets the entries written. Returns hz_node_commit's result. */
int unit_put(hz_node *n, const char *table, const char *id, size_t n_fields,
             const struct hz_field *fields, char *id_out, size_t *n_entries);
/* One delete committed as one action. */
int unit_del(hz_node *n, const char *table, const char *id);

/* The JSON text of one field of a row ("\"测试村\"", "true", "12"), or
 * NULL when the row is absent or deleted or the field is empty. Owned:
 * free(). */
char *unit_field(hz_node *n, const char *table, const char *id,
                 const char *col);
void unit_assert_field(hz_node *n, const char *table, const char *id,
                       const char *col, const char *json_or_null);

/* The node's state hash, which must be 64 lowercase hex digits
 * (lib/hash_form.h); every comparison of states goes through it. */
void unit_state_hash(hz_node *n, char out[2 * HZ_HASH_LEN + 1]);
void unit_assert_same_state(hz_node *a, hz_node *b);
/* The rows of @sql equal, column by column and byte for byte, in both. */
void unit_assert_same_rows(hz_node *a, hz_node *b, const char *sql);
/* Everything the merge leaves equal in both: w, sup, tombstones, the
 * numbered changes, log states, pending, the change counter, the search
 * index, every materialized table, the state hash and the conflicts
 * (two nodes that took the same entries in the same order). */
void unit_assert_same_store(hz_node *a, hz_node *b);

/* A scalar from one SQL query on the node's database (counts). */
int64_t unit_sql_int(hz_node *n, const char *sql);
/* How many entries the history of row @id of @table lists. */
size_t unit_history_len(hz_node *n, const char *table, const char *id);

/* Turn the rows of this build into what builds of database format 18 and
 * older made: each entity row's sole fact put into w as they kept it (the
 * columns sole and sole_bits dropped), each event row's sole source into
 * evsrc; user_version 18. */
void unit_format_18(hz_node *n);
/* unit_format_18, then turn the log of this build into what builds of
 * database formats 1 to 10 made: each entry's author as its key (a blob);
 * user_version 10. */
void unit_format_10_log(hz_node *n);
/* unit_format_10_log, then turn the w of this build into what builds of
 * database formats 4 and 5 made: one row per field write, with its column
 * as names.k, its value and whether it is a head; user_version 5. */
void unit_format_5(hz_node *n);
/* unit_format_5, then turn the evsrc into what builds of database formats
 * 1 to 4 made: the table's name, the entry id and the content of each
 * insert ([[column, value], ...], read back from the entry in the log);
 * user_version 4. A test that makes a node older than format 5 from a new
 * one calls it first. */
void unit_format_4(hz_node *n);
/* SQL that turns the w of this build into what builds of database formats
 * 2 and 3 made: names, entry ids and authors' keys as they are, keyed by
 * (field, author, seq) as format 3 had it; user_version 3. A test that
 * makes an older node from a new one runs it after unit_format_4. */
#define UNIT_FORMAT_3_W                                                        \
    "DROP INDEX w_heads; DROP INDEX w_n; ALTER TABLE w RENAME TO w4;"          \
    "CREATE TABLE w(tbl TEXT, row BLOB, col TEXT, eid BLOB NOT NULL,"          \
    " author BLOB, seq INTEGER, clock INTEGER NOT NULL, val BLOB NOT NULL,"    \
    " head INTEGER NOT NULL, PRIMARY KEY(tbl, row, col, author, seq))"         \
    " WITHOUT ROWID;"                                                          \
    "INSERT INTO w SELECT t.name, w4.row, c.name, l.id, l.author, l.seq,"      \
    " w4.clock, w4.val, w4.head FROM w4 JOIN names AS t ON t.k = w4.tbl"       \
    " JOIN names AS c ON c.k = w4.col JOIN log AS l ON l.n = w4.n;"            \
    "DROP TABLE w4; DROP TABLE names;"                                         \
    "CREATE INDEX w_eid ON w(eid);"                                            \
    "CREATE INDEX w_heads ON w(tbl, row, col, clock, author) WHERE head = 1;"  \
    "PRAGMA user_version=3;"
/* The JSON of hz_node_conflicts / hz_node_status, parsed. Owned:
 * json_decref(). */
json_t *unit_conflicts(hz_node *n);
json_t *unit_status(hz_node *n);
/* The text of hz_node_conflicts, to compare nodes byte for byte. Owned:
 * hz_free_string(). */
char *unit_conflicts_text(hz_node *n);

/* ---- entries */

struct unit_entries {
    size_t n, cap;
    uint8_t **p;
    size_t *len;
};

void unit_entries_add(struct unit_entries *e, const uint8_t *p, size_t len);
/* Every entry @n holds, in store_relay_each order. */
void unit_entries_collect(hz_node *n, struct unit_entries *out);
void unit_entries_free(struct unit_entries *e);
/* store_relay_ingest of e[from..from+count), stats added into *@st (may be
 * NULL). Returns store_relay_ingest's result. */
int unit_deliver_range(hz_node *to, const struct unit_entries *e, size_t from,
                       size_t count, struct hz_ingest_stats *st);
int unit_deliver(hz_node *to, const struct unit_entries *e,
                 struct hz_ingest_stats *st);
/* Everything @from holds, into @to; asserts success. */
void unit_sync(hz_node *from, hz_node *to);

/* Sign an entry by hand: network, seq, prev (NULL = zeros), clock and
 * body bytes, with @id's key. The bytes go to @out (enc_init'ed by the
 * caller); e->id is filled. */
void unit_sign(const struct identity *id, const uint8_t *network, uint64_t seq,
               const uint8_t *prev, uint64_t clock, const uint8_t *body,
               size_t body_len, struct entry *e, struct enc *out);

/* The placeholder network every node shares until networks exist
 * (DECISIONS 14). */
extern const uint8_t unit_network[HZ_NET_LEN];

/* An author whose chain a test writes by hand: any body, any clock. */
struct unit_author {
    struct identity id;
    uint64_t seq;              /* of the last entry signed */
    uint8_t prev[HZ_HASH_LEN]; /* its id */
};

void unit_author_init(struct unit_author *a, uint8_t seed_byte);
/* Sign the next entry of @a's chain over @body (enc_done'd bytes) at
 * @clock, and append its bytes to @out. Its id goes to @id_out (may be
 * NULL). */
void unit_author_next(struct unit_author *a, uint64_t clock,
                      const struct enc *body, struct unit_entries *out,
                      uint8_t *id_out);
void unit_author_close(struct unit_author *a);

/* A string value of a literal. */
#define V_STR(x)                                                               \
    ((struct value){.type = VALUE_STR,                                         \
                    .s = {(const uint8_t *)(x), sizeof(x) - 1}})

/* A body (written into @e, which is reset first) of one set op of one
 * field: [version, [[0, table, row, [[col, v, heads]]]]]. */
void unit_body_set(struct enc *e, uint64_t version, const char *table,
                   const uint8_t *row, const char *col, const struct value *v,
                   size_t n_heads, const uint8_t *const *heads);
/* A body of one set op on households row @row of @n fields (@cols sorted),
 * field i naming head_per_field[i] (NULL: none); with @with_bad_op a
 * second op naming a column no schema has (the entry is rejected). */
void unit_body_set_fields(struct enc *e, const uint8_t *row, size_t n,
                          const char *const *cols, const struct value *vals,
                          const uint8_t *const *head_per_field,
                          int with_bad_op);

/* ---- snapshots (DECISIONS 25) */

struct unit_snapshot {
    char hash[2 * HZ_HASH_LEN + 1];
    char *vector;
    int64_t log, pending, forks, skew;
};

void unit_snapshot_take(hz_node *n, struct unit_snapshot *s);
void unit_snapshot_free(struct unit_snapshot *s);
void unit_assert_unchanged(hz_node *n, const struct unit_snapshot *before);

/* ---- schemas */

/* The schema version after this build's, UNIT_V_NEXT, for upgrade tests
 * (DECISIONS 1): this build's schema plus
 *   households.boat_access  BOOL, since UNIT_V_NEXT
 *   households.status       value "boat_rescued", since UNIT_V_NEXT
 *   boats                   a new entity table (name TEXT), since
 *                           UNIT_V_NEXT
 * built from schema_current() so it follows changes to the registry. */
#define UNIT_V_NEXT (HZ_SCHEMA_VERSION + 1u)
const struct schema *unit_schema_next(void);
/* Schema version 1, as an older huzhu runs it. */
const struct schema *unit_schema_v1(void);

/* ---- files */

/* A new empty directory under /tmp. Owned: free() after unit_rmtree(). */
char *unit_tmpdir(void);
/* Remove @dir and everything in it. */
void unit_rmtree(const char *dir);
/* "@dir/@name", owned: free(). */
char *unit_path(const char *dir, const char *name);
void unit_write_file(const char *path, const void *p, size_t len);
/* The whole file, owned: free(). */
uint8_t *unit_read_file(const char *path, size_t *len);

#endif
