/* gen_ingest.c - proto/vectors/ingest.json: entries of one author taken
 * in one at a time (proto/entry.md, "Taking an entry in", "Verdicts" and
 * "Pending"; proto/merge.md, "Forks").
 *
 * Author F writes a chain F1, F2, F3, a second branch F2x, F3x from F1,
 * a content failure F3bad followed by F4, and F4skip, at seq 4 after F2.
 * Each case feeds some of them, in its order, to a fresh node; the result
 * of every step is checked against the one the case states, and what the
 * node then stores is written out: its log with verdicts, pending
 * entries, fork evidence with the fork point each proves, and its state
 * hash. */
#include "gen_common.h"

#include "store/state/render.h"

#include <stdlib.h>
#include <string.h>

struct step {
    const char *entry;  /* name in the local table */
    const char *result; /* applied, duplicate, pending, rejected, held,
                         * stopped, fork, denied, capacity */
};

static const char *result_name(enum ingest_result r)
{
    switch (r) {
    case INGEST_APPLIED:
        return "applied";
    case INGEST_DUPLICATE:
        return "duplicate";
    case INGEST_PENDING:
        return "pending";
    case INGEST_REJECTED:
        return "rejected";
    case INGEST_HELD:
        return "held";
    case INGEST_STOPPED:
        return "stopped";
    case INGEST_FORK:
        return "fork";
    case INGEST_DENIED:
        return "denied";
    case INGEST_CAPACITY:
        return "capacity";
    }
    return "?";
}

static json_t *rows_json(hz_node *n, const char *sql)
{
    json_t *arr = json_array();
    struct hz_err err = {0};
    check(db_rows_json(&n->db, sql, DB_NO_ARGS, arr, &err), &err, sql);
    return arr;
}

#define CHAIN_MAX 16

struct chain_entry {
    const char *name;
    struct blob b;
};

static const struct blob *chain_find(const struct chain_entry *v, size_t n,
                                     const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].name, name) == 0)
            return &v[i].b;
    }
    die("no chain entry %s", name);
    return NULL;
}

static json_t *ingest_case(const char *name, const char *desc,
                           const struct chain_entry *v, size_t n_v,
                           const struct step *steps, size_t n_steps)
{
    struct genv fg;
    hz_node *n = fresh_node(&fg, SEED_RECEIVER);
    json_t *js = json_array();
    for (size_t i = 0; i < n_steps; i++) {
        const struct blob *b = chain_find(v, n_v, steps[i].entry);
        struct hz_err err = {0};
        enum ingest_result res;
        check(txn_begin(n, &err), &err, "begin");
        check(ingest_entry(n, b->p, b->len, &res, &err), &err, name);
        check(txn_commit(n, &err), &err, "commit");
        if (strcmp(result_name(res), steps[i].result) != 0)
            die("%s step %zu: %s, expected %s", name, i, result_name(res),
                steps[i].result);
        json_t *s = json_object();
        json_object_set_new(s, "entry", json_string(steps[i].entry));
        json_object_set_new(s, "result", json_string(steps[i].result));
        json_array_append_new(js, s);
    }
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "description", json_string(desc));
    json_object_set_new(j, "steps", js);
    static const char *const verdict[] = {"applied", "rejected", "held",
                                          "stopped"};
    json_t *log = rows_json(n, "SELECT a.name AS author, l.seq AS seq,"
                               " l.id AS id, l.state AS state FROM log AS l"
                               " JOIN names AS a ON a.k = l.author"
                               " ORDER BY a.name, l.seq");
    for (size_t i = 0; i < json_array_size(log); i++) {
        json_t *r = json_array_get(log, i);
        json_int_t s = json_integer_value(json_object_get(r, "state"));
        json_object_set_new(r, "verdict", json_string(verdict[s]));
        json_object_del(r, "state");
    }
    json_t *after = json_object();
    json_object_set_new(after, "log", log);
    json_object_set_new(after, "pending",
                        rows_json(n, "SELECT author, seq, id FROM pending"
                                     " ORDER BY author, seq, id"));
    json_object_set_new(after, "forks",
                        rows_json(n, "SELECT author, seq, id, point FROM"
                                     " forks ORDER BY author, seq, id"));
    char hash[2 * HZ_HASH_LEN + 1];
    struct hz_err err = {0};
    check(hz_node_state_hash(n, hash, &err), &err, "hash");
    json_object_set_new(after, "state_hash", json_string(hash));
    json_object_set_new(j, "after", after);
    hz_node_close(n);
    return j;
}

static struct blob set_body(struct enc *b, const char *row, const char *grid)
{
    body_head(b, 1, 1);
    op_head(b, 0, "households", row, 1);
    set_field(b, "grid");
    enc_str(b, grid, strlen(grid));
    no_heads(b);
    return blob_of_enc(b);
}

#define HX "10000000000000000000000000000006"

/* An entry of @f at @seq linking to the entry named @prev (NULL at seq
 * 1), its clock T0 with counter seq - 1, around @body, kept in @v under
 * @name. */
static void chain_add(const struct identity *f, struct chain_entry *v,
                      size_t *n_v, const char *name, uint64_t seq,
                      const char *prev, const struct blob *body)
{
    if (*n_v == CHAIN_MAX)
        die("too many ingest entries");
    struct entry p;
    if (prev != NULL)
        decode_or_die(&p, chain_find(v, *n_v, prev));
    v[*n_v] = (struct chain_entry){
        name, craft(f, 1, placeholder_net, seq, prev ? p.id : NULL,
                    (T0_MS << 16) + seq - 1, body, NULL)};
    (*n_v)++;
}

/* F's entries (see the top of the file), in @v; returns how many. */
static size_t chain_entries(const struct identity *f, struct enc *b,
                            struct chain_entry *v)
{
    static const struct {
        const char *name;
        uint64_t seq;
        const char *prev;
        const char *grid; /* NULL: members 500, a content failure */
    } chain[] = {
        {"F1", 1, NULL, "分支零"},
        {"F2", 2, "F1", "分支甲"},
        {"F3", 3, "F2", "分支甲二"},
        {"F2x", 2, "F1", "分支乙"},
        {"F3x", 3, "F2x", "分支乙二"},
        /* F3 carries on from F2 with a bad value at seq 3 instead, and F4
         * links to it. */
        {"F3bad", 3, "F2", NULL},
        {"F4", 4, "F3bad", "分支甲三"},
        /* Seq 4 linking to F2: it skips seq 3, yet its prev names the
         * entry at the top of a chain that holds F1 and F2. */
        {"F4skip", 4, "F2", "分支跳号"},
    };
    size_t n_v = 0;
    for (size_t i = 0; i < N(chain); i++) {
        struct blob body;
        if (chain[i].grid != NULL) {
            body = set_body(b, HX, chain[i].grid);
        } else {
            body_head(b, 1, 1);
            op_head(b, 0, "households", HX, 1);
            set_field(b, "members");
            enc_int(b, 500);
            no_heads(b);
            body = blob_of_enc(b);
        }
        chain_add(f, v, &n_v, chain[i].name, chain[i].seq, chain[i].prev,
                  &body);
        free(body.p);
    }
    return n_v;
}

/* Each case: the entries a fresh node takes in, in order, and the result
 * each step must give. */
#define STEPS_MAX 6

static const struct {
    const char *name;
    const char *desc;
    struct step steps[STEPS_MAX];
} cases[] = {
    {"gap",
     "entries ahead of a gap wait in pending and are applied when the gap "
     "closes",
     {{"F3", "pending"}, {"F2", "pending"}, {"F1", "applied"}}},
    {"duplicate",
     "an entry held already",
     {{"F1", "applied"}, {"F1", "duplicate"}}},
    {"fork_same_seq",
     "a second entry at seq 2 whose prev is the held seq 1: fork point 2; "
     "the held entries at seq >= 2 are stopped and taken back",
     {{"F1", "applied"},
      {"F2", "applied"},
      {"F3", "applied"},
      {"F2x", "fork"}}},
    {"fork_prev_differs",
     "an entry at seq 3 whose prev is not the held seq 2: it proves another "
     "entry at seq 2, so the fork point is 2",
     {{"F1", "applied"},
      {"F2", "applied"},
      {"F3", "applied"},
      {"F3x", "fork"}}},
    {"fork_next_prev_differs",
     "the next seq (3) with a prev that is not the held seq 2: fork point 2",
     {{"F1", "applied"}, {"F2", "applied"}, {"F3x", "fork"}}},
    {"after_fork",
     "an entry linking into the chain past the fork point is stored as "
     "stopped",
     {{"F1", "applied"},
      {"F2", "applied"},
      {"F2x", "fork"},
      {"F3", "stopped"}}},
    {"pending_overtaken",
     "two entries wait at seq 3; when the chain reaches them one links and "
     "the other becomes fork evidence (point 2): nothing stays hidden in "
     "pending",
     {{"F3", "pending"},
      {"F3x", "pending"},
      {"F1", "applied"},
      {"F2", "applied"}}},
    {"rejected_keeps_chain",
     "a content failure (members 500) is stored in the chain as rejected; "
     "the next entry links to it and applies",
     {{"F1", "applied"},
      {"F2", "applied"},
      {"F3bad", "rejected"},
      {"F4", "applied"}}},
    {"gap_prev_is_top",
     "an entry at seq 4 whose prev is the id of the held top, F2 at seq 2: "
     "it skips seq 3, so it waits in pending, although its prev names the "
     "author's latest entry",
     {{"F1", "applied"}, {"F2", "applied"}, {"F4skip", "pending"}}},
    {"gap_prev_is_top_closed",
     "then F3 arrives and links at seq 3; F4skip, placed again when the "
     "chain reaches seq 4, names F2 and not F3 as its prev: it never links, "
     "it proves a second entry at seq 3 (fork point 3), and F3 is stopped",
     {{"F1", "applied"},
      {"F2", "applied"},
      {"F4skip", "pending"},
      {"F3", "applied"}}},
};

json_t *gen_ingest(struct gen *g)
{
    uint8_t seed[32];
    memset(seed, SEED_INGEST, sizeof seed);
    struct identity f;
    identity_from_seed(&f, seed);
    struct chain_entry v[CHAIN_MAX];
    size_t n_v = chain_entries(&f, &g->scratch, v);

    json_t *cs = json_array();
    for (size_t i = 0; i < N(cases); i++) {
        size_t n_steps = 0;
        while (n_steps < STEPS_MAX && cases[i].steps[n_steps].entry != NULL)
            n_steps++;
        json_array_append_new(cs, ingest_case(cases[i].name, cases[i].desc, v,
                                              n_v, cases[i].steps, n_steps));
    }
    json_t *root = file_root(
        "Taking in entries one at a time on a fresh node (proto/entry.md, "
        "\"Verdicts\", and proto/merge.md, \"Forks\"): the result of each "
        "step, then what the node stores (log with verdicts, pending, fork "
        "evidence with the fork point it proves) and its state hash.");
    json_t *ents = json_array();
    for (size_t i = 0; i < n_v; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(v[i].name));
        json_object_set_new(x, "entry", hex_json(v[i].b.p, v[i].b.len));
        json_array_append_new(ents, x);
    }
    json_object_set_new(root, "seed", hex_json(seed, 32));
    json_object_set_new(root, "entries", ents);
    json_object_set_new(root, "cases", cs);
    for (size_t i = 0; i < n_v; i++)
        free(v[i].b.p);
    identity_close(&f);
    return root;
}
