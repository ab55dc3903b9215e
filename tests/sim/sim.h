/* sim.h - the deterministic simulator: in-process nodes with virtual wall
 * clocks, a network the test drives entry by entry, and a reference model
 * of every operation the simulator generated (DECISIONS 25).
 *
 * One seeded PRNG drives everything: how many nodes there are and what
 * their clocks say, what each writes, which entries travel where, in what
 * order, batching and multiplicity. A failure prints its seed and the
 * command that replays it (STYLE 10, "Simulation").
 *
 * The model never asks the product what the state should be. It knows
 * which entries each node holds because the simulator delivered them, and
 * from that alone it derives every field's heads and value, every
 * conflict, tombstone, stock total and occupancy count. The only facts it
 * takes from the product are the entries' own envelopes (clock and id,
 * which order concurrent heads), read with entry_decode. */
#ifndef HZ_SIM_H
#define HZ_SIM_H

#include "huzhu/huzhu.h"

#include "core/schema.h"
#include "core/types.h"

#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIM_NODES_MAX 8 /* six writers, and fresh nodes that only listen */
#define SIM_COLS_MAX 16

/* Wall clocks of the field (DESIGN, "Who uses it"). */
#define SIM_MS_2024 UINT64_C(1717200000000) /* 2024-06-01 */
#define SIM_MS_2038 UINT64_C(2147483647000) /* 2038-01-19 03:14:07 */
/* Event `time` values the simulator writes (Unix seconds). */
#define SIM_EVENT_TIME_BASE INT64_C(1717200000)
/* The plausible range schema.c accepts for an event time. */
#define SIM_EVENT_TIME_MIN INT64_C(946684800)
#define SIM_EVENT_TIME_MAX INT64_C(4102444800)

/* ====================================================================
 * sim_world.c: PRNG, nodes and clocks, the entry registry, delivery */

/* splitmix64: small, fast, the same on every platform. */
struct sim_rng {
    uint64_t s;
};

uint64_t sim_rnd(struct sim_rng *r);
uint64_t sim_below(struct sim_rng *r, uint64_t n); /* 0..n-1; n > 0 */
bool sim_chance(struct sim_rng *r, unsigned percent);

enum sim_clock {
    SIM_CLOCK_CORRECT, /* 2024, moving with virtual time */
    SIM_CLOCK_1970,    /* a Pi without a real-time clock */
    SIM_CLOCK_2038,    /* a laptop far in the future */
    SIM_CLOCK_DRIFT,   /* 2024, off by minutes and running fast or slow */
};

/* What a node holds of one author: held[s] for seq s (applied or
 * pending), and the node's wall time when s became applied. */
struct sim_seqs {
    uint8_t *held;
    uint64_t *applied_wall;
    size_t cap;
};

/* What a node has applied: the contiguous prefix of each author. */
struct sim_view {
    uint64_t top[SIM_NODES_MAX];
};

struct sim_node {
    hz_node *node;
    struct hz_env env;
    uint64_t wall_ms;       /* what env.now_ms returns */
    unsigned rate_permille; /* wall ms per 1000 virtual ms */
    enum sim_clock clock;
    struct sim_rng rng; /* env.random: reproducible row ids */
    uint8_t pk[HZ_KEY_LEN];
    char key_hex[2 * HZ_KEY_LEN + 1];
    int group; /* partition: nodes sync only within their group */
    struct sim_seqs seqs[SIM_NODES_MAX];
    size_t n_pending;
    struct sim_view view;
};

/* One entry seen anywhere, decoded once. */
struct sim_entry {
    uint8_t *bytes;
    size_t len;
    int author; /* node index */
    uint64_t seq;
    uint64_t clock;
    uint8_t id[HZ_HASH_LEN];
};

/* What the simulator knew when a node wrote an entry. */
struct sim_written {
    size_t reg;           /* registry index; SIZE_MAX until relayed */
    uint64_t wall_ms;     /* the writer's wall time */
    struct sim_view view; /* what the writer had applied */
};

/* Entries picked up from one node, to be carried to another later. */
struct sim_bag {
    int dst;
    size_t *idx;
    size_t n;
};

struct sim_model;

struct sim_world {
    uint64_t seed;
    struct sim_rng rng;
    long step;
    bool verbose;
    jmp_buf *fail_jmp; /* sim_fail jumps here when set */

    uint64_t virt_ms;
    int n_nodes;
    struct sim_node nodes[SIM_NODES_MAX];

    struct sim_entry *reg; /* the registry of every entry seen */
    size_t n_reg, reg_cap;
    size_t *reg_index; /* open addressing on the signature: idx + 1 */
    size_t reg_index_cap;

    struct sim_written *written[SIM_NODES_MAX]; /* by seq - 1 */
    size_t n_written[SIM_NODES_MAX], written_cap[SIM_NODES_MAX];

    struct sim_bag bags[3];
    size_t n_bags;

    struct sim_model *model;
    struct {
        unsigned long writes, noops, refusals, syncs, delivered, batches;
        unsigned long pending_seen, checks;
        /* Pairs of concurrent writes made at one clock (sim_gen.c), and
         * checks of a conflict whose heads tie on the clock with
         * different values, so the author key decides (sim_check.c). */
        unsigned long tied_writes, tied_conflicts;
        /* Merges on purpose (sim_gen.c, "Merges"): merged_into written to
         * another live row of the table (chains among them: into a
         * duplicate, or of a record that has duplicates), written back
         * empty, crossed on two nodes (A<-B here, B<-A there), raced on
         * two nodes by an edit, a delete, another merge or an event, and
         * records in a merge edited or deleted. */
        unsigned long merges, chains, unmerges, crossed, races, touched;
        /* Relief rows written (naming a duplicate among them), and
         * corrections of relief rows. */
        unsigned long relief, relief_to_dup, relief_reversed;
        /* Checks of the relief list (sim_check.c): rows compared,
         * effective payments counted under a record other than the
         * household they name, and payments to a deleted household
         * (listed under its own id). */
        unsigned long relief_rows_checked, relief_via_dup, relief_to_deleted;
    } stats;
};

/* A world for @seed with @n_nodes nodes on the clocks @clocks (NULL: the
 * seed picks), each opened in memory with a key drawn from the seed. */
struct sim_world *sim_world_new(uint64_t seed, int n_nodes,
                                const enum sim_clock *clocks);
void sim_world_free(struct sim_world *w);
/* Run @run on a new world of @n_nodes nodes on @clocks for each seed:
 * HUZHU_SIM_SEEDS / 10 of them (@seeds_default without it; at least
 * one), from HUZHU_SIM_SEED_FIRST, or the one HUZHU_SIM_SEED replays.
 * Returns the number run, or -1 once a seed failed (said already). */
long sim_run_tenths(uint64_t seeds_default, int n_nodes,
                    const enum sim_clock *clocks,
                    void (*run)(struct sim_world *w, void *data), void *data);
/* Open one more node (the property test's fresh listeners); returns its
 * index. sim_drop_node closes the last one, which must not have written. */
int sim_add_node(struct sim_world *w, enum sim_clock clock);
void sim_drop_node(struct sim_world *w);

/* Print "seed=.. step=..: message" and the replay command, then jump to
 * w->fail_jmp (abort when none is set). */
_Noreturn void sim_fail(struct sim_world *w, const char *fmt, ...)
    HZ_PRINTF(2, 3);
/* What every simulator says when a seed fails: the test @name, the seed
 * and step, the message, and how to replay it (ctest -R @pattern); then
 * longjmp to @jb, or abort without one. */
_Noreturn void sim_failv(const char *name, const char *pattern, uint64_t seed,
                         long step, jmp_buf *jb, const char *fmt, va_list ap)
    HZ_PRINTF(6, 0);
/* Checks that fail a seed through @fail (sim_fail, or a test's own). */
#define SIM_CHECK_BY(fail, w, cond, ...)                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            fail((w), __VA_ARGS__);                                            \
    } while (0)
#define SIM_OK_BY(fail, w, call, err)                                          \
    do {                                                                       \
        int sim_rv_ = (call);                                                  \
        if (sim_rv_ != 0)                                                      \
            fail((w), "%s: %s (%s)", #call, hz_errname(sim_rv_), (err)->msg);  \
    } while (0)
#define SIM_CHECK(w, cond, ...) SIM_CHECK_BY(sim_fail, w, cond, __VA_ARGS__)
#define SIM_OK(w, call, err) SIM_OK_BY(sim_fail, w, call, err)

void sim_trace(struct sim_world *w, const char *fmt, ...) HZ_PRINTF(2, 3);

/* Move virtual time by @ms: every wall clock moves at its own rate. */
void sim_advance(struct sim_world *w, uint64_t ms);
/* Set a node's wall clock (fixed by NTP, or reset by a flat battery). */
void sim_set_clock(struct sim_world *w, int node, enum sim_clock clock);

/* The registry index of the entry @p[0..len), decoding and adding it
 * when new. */
size_t sim_register(struct sim_world *w, const uint8_t *p, size_t len);
/* Every entry the node relays (store_relay_each), as registry indexes in relay
 * order, checked against what the simulator delivered. *out is
 * malloc'ed. */
size_t sim_relay(struct sim_world *w, int node, size_t **out);
/* The registry index of author @a's entry @seq. */
size_t sim_entry_of(struct sim_world *w, int a, uint64_t seq);
const struct sim_entry *sim_entry(const struct sim_world *w, size_t idx);

bool sim_holds(const struct sim_world *w, int node, int a, uint64_t seq);
/* Deliver registry entries idx[0..n) to @node in one store_relay_ingest batch
 * and check its counts against the prediction. */
void sim_deliver(struct sim_world *w, int node, const size_t *idx, size_t n);
/* Everything @src holds that @dst lacks, in relay order, in one batch. */
void sim_sync(struct sim_world *w, int src, int dst);
/* Pairwise syncs until every node holds every entry. */
void sim_quiesce(struct sim_world *w);
/* Every entry written, to every node, each in its own random order and
 * batches (entries ahead of a gap wait as pending). */
void sim_deliver_all_shuffled(struct sim_world *w);
bool sim_quiescent(const struct sim_world *w);

/* @node committed one entry: note it as applied there. Returns its seq. */
uint64_t sim_wrote(struct sim_world *w, int node);
/* The seq the node's next entry will have. */
uint64_t sim_next_seq(const struct sim_world *w, int node);

/* Parse JSON returned by a read call (freeing @text); fails the run when
 * @rv is not 0 or the text does not parse. */
json_t *sim_json(struct sim_world *w, const char *what, int rv, char *text,
                 const struct hz_err *err);
/* A state hash that must be computable and 64 lowercase hex digits
 * (lib/hash_form.h): every comparison of states goes through it. */
void sim_state_hash(struct sim_world *w, int node, char *out);

/* HUZHU_SIM_SEEDS (or @dflt), and HUZHU_SIM_SEED when set. */
uint64_t sim_env_seeds(uint64_t dflt);
/* One user action on @node: a put of @n fields into @table (row @row_id,
 * NULL: a new one) committed as one entry and noted (sim_wrote); the
 * row's id (32 hex) into @id (may be NULL). A refusal fails the run. */
void sim_put(struct sim_world *w, int node, const char *table,
             const char *row_id, size_t n, const struct hz_field *f, char *id);
/* A string or an integer member of a JSON object (NULL / 0 when absent). */
const char *sim_str(json_t *o, const char *key);
int64_t sim_num(json_t *o, const char *key);
/* The index of the id @id (32 hex) among @ids[0..n), or -1. */
int sim_index_of(const char (*ids)[2 * HZ_ROW_LEN + 1], int n, const char *id);
/* HUZHU_SIM_SEED_FIRST, else 1. */
uint64_t sim_first_seed(void);
/* A sharded test's arguments "[shard shards]" into *@shard, *@shards
 * (left as they are without them); false, with the usage said, when they
 * make no sense. */
bool sim_shard_args(int argc, char **argv, unsigned *shard, unsigned *shards);
bool sim_env_seed(uint64_t *seed);

/* ====================================================================
 * sim_model.c: the reference model */

/* An entry by author (node index) and seq. */
struct m_ref {
    int a;
    uint64_t seq;
};

/* One field write. */
struct m_write {
    size_t row;
    int col;
    struct m_ref at;
    char *val;   /* canonical; NULL: the field was cleared */
    size_t *sup; /* writes this one supersedes: the writer's heads */
    size_t n_sup;
};

struct m_tomb {
    struct m_ref at;
    struct m_ref *seen; /* entries of the heads the deleter had seen */
    size_t n_seen;
};

struct m_list {
    size_t *v;
    size_t n, cap;
};

struct m_row {
    const struct table_def *t;
    uint8_t id[HZ_ROW_LEN];
    char hex[2 * HZ_ROW_LEN + 1];
    struct m_list cols[SIM_COLS_MAX]; /* write indexes per column */
    struct m_tomb *tombs;
    size_t n_tombs, tombs_cap;
};

/* One event row, as written (to retry it) and as it should read. */
struct m_event {
    const struct table_def *t;
    uint8_t id[HZ_ROW_LEN];
    char hex[2 * HZ_ROW_LEN + 1];
    size_t n_fields;
    char *cols[SIM_COLS_MAX]; /* the text the writer gave */
    char *vals[SIM_COLS_MAX];
    bool time_given;
    char *canon[SIM_COLS_MAX]; /* by column: the materialized value */
    /* Facts the derived quantities use. Row and event indexes, or -1. */
    long site, item, person, household, closes, reverses;
    bool out;         /* stays: a check-out */
    bool distributed; /* stock_moves kind */
    int64_t qty;
    struct m_ref *src; /* entries that inserted it */
    size_t n_src, src_cap;
};

struct sim_model {
    struct m_row *rows;
    size_t n_rows, rows_cap;
    struct m_write *writes;
    size_t n_writes, writes_cap;
    struct m_event *events;
    size_t n_events, events_cap;
};

struct sim_model *model_new(void);
void model_free(struct sim_model *m);

bool model_in(const struct sim_view *v, struct m_ref r);
long model_row_find(const struct sim_model *m, const struct table_def *t,
                    const uint8_t *id);
size_t model_row_add(struct sim_model *m, const struct table_def *t,
                     const uint8_t *id);
long model_event_find(const struct sim_model *m, const struct table_def *t,
                      const uint8_t *id);

/* Record writes, tombstones and event sources. @val is copied. */
void model_write(struct sim_model *m, size_t row, int col, struct m_ref at,
                 const char *val, const size_t *sup, size_t n_sup);
void model_tomb(struct sim_model *m, size_t row, struct m_ref at,
                const struct m_ref *seen, size_t n_seen);
void model_event_source(struct sim_model *m, size_t ev, struct m_ref at);
/* Add an event row; takes the strings of @proto. Returns its index. */
size_t model_event_add(struct sim_model *m, const struct m_event *proto);

/* Questions about the state a node with view @v must show. */
bool model_row_exists(const struct sim_model *m, const struct sim_view *v,
                      size_t row);
bool model_row_deleted(const struct sim_model *m, const struct sim_view *v,
                       size_t row);
/* Usable as a reference by a local write: exists and not deleted. */
bool model_row_live(const struct sim_model *m, const struct sim_view *v,
                    size_t row);
/* The heads of a field (write indexes, sorted) into @out; returns the
 * count. */
size_t model_heads(const struct sim_model *m, const struct sim_view *v,
                   size_t row, int col, size_t *out, size_t max);
/* The entries of the heads of every field of @row, without repeats. */
size_t model_row_head_entries(const struct sim_model *m,
                              const struct sim_view *v, size_t row,
                              struct m_ref *out, size_t max);
/* Whether field write @a ranks before write @b among concurrent heads:
 * the greater clock, and on equal clocks the greater author key
 * (proto/merge.md, "Field writes"). Needs @w's registry for the clocks. */
bool model_ranks_before(struct sim_world *w, size_t a, size_t b);
/* The clock of field write @i (from its entry's envelope). */
uint64_t model_clock(struct sim_world *w, size_t i);
/* The value a field shows: NULL when deleted, unset or cleared; among
 * concurrent heads, the one that ranks first (model_ranks_before). */
const char *model_value(struct sim_world *w, const struct sim_view *v,
                        size_t row, int col);
bool model_event_visible(const struct sim_model *m, const struct sim_view *v,
                         size_t ev);

/* Per event: counts toward derived quantities (visible, not a correction,
 * not corrected) and, for check-ins, still open. Arrays of n_events. */
void model_effective(const struct sim_model *m, const struct sim_view *v,
                     bool *counts, bool *open);
/* Stock on hand at (site, item) by the events the view counts. */
int64_t model_on_hand(const struct sim_model *m, const struct sim_view *v,
                      long site, long item);

/* ====================================================================
 * sim_gen.c, sim_net.c: random steps */

/* A random local write on a random node (sim_gen.c). */
void sim_write_random(struct sim_world *w);

/* One random step: a local write, a sync, a courier, a partition, a clock
 * change, or a check of one node against the model (sim_net.c). */
void sim_step(struct sim_world *w);

/* ====================================================================
 * sim_check.c: checks against the model */

/* One node against the model of what it holds: relayed entries, vector,
 * status, every row, the views and the conflicts. */
void sim_check_node(struct sim_world *w, int node);
/* After sim_quiesce: every node equal to the others and to the model,
 * its log verified, every entry's clock within its bounds. */
void sim_check_converged(struct sim_world *w);
/* Live households and persons of node 0 that stand for another record
 * (model_rep): the duplicates the views follow; *@via_cycle of them end
 * on a cycle (its lowest id). */
size_t sim_duplicates(struct sim_world *w, size_t *via_cycle);

/* A world for @seed: 3 to 6 nodes on clocks the seed picks. */
struct sim_world *sim_world_random(uint64_t seed);
/* @steps random steps, then heal, quiesce and check everything. A
 * failure jumps to w->fail_jmp after printing. */
void sim_run(struct sim_world *w, long steps);

#endif
