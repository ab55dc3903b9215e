/* gen_ingest.c - proto/vectors/ingest.json: entries of one author taken
 * in one at a time (proto/entry.md, "Taking an entry in", "Verdicts" and
 * "Pending"; proto/merge.md, "Forks").
 *
 * Author F writes a chain F1, F2, F3, a second branch F2x, F3x from F1,
 * and a content failure F3bad followed by F4. Each case feeds some of
 * them, in its order, to a fresh node; the result of every step is
 * checked against the one the case states, and what the node then stores
 * is written out: its log with verdicts, pending entries, fork evidence
 * with the fork point each proves, and its state hash. */
#include "gen_common.h"

#include "store/query.h"

#include <stdlib.h>
#include <string.h>

struct step {
    const char *entry;  /* name in the local table */
    const char *result; /* applied, duplicate, pending, rejected, held,
                         * stopped, fork */
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
    }
    return "?";
}

static json_t *rows_json(hz_node *n, const char *sql)
{
    json_t *arr = json_array();
    struct hz_err err = {0};
    check(query_rows(n, sql, arr, &err), &err, sql);
    return arr;
}

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

static json_t *ingest_case(struct gen *g, const char *name, const char *desc,
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
        check(db_begin(n, &err), &err, "begin");
        check(ingest_entry(n, b->p, b->len, &res, &err), &err, name);
        check(db_commit(n, &err), &err, "commit");
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
    json_t *log = rows_json(n, "SELECT author, seq, id, state FROM log"
                               " ORDER BY author, seq");
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
    (void)g;
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

json_t *gen_ingest(struct gen *g)
{
    uint8_t seed[32];
    memset(seed, SEED_INGEST, sizeof seed);
    struct identity f;
    identity_from_seed(&f, seed);
    struct enc b;
    enc_init(&b);
#define HX "10000000000000000000000000000006"
    struct chain_entry v[8];
    size_t n_v = 0;
    struct entry e;
    uint8_t prev_main[HZ_HASH_LEN], prev_fork[HZ_HASH_LEN];
    const uint64_t c0 = T0_MS << 16;

    struct blob body = set_body(&b, HX, "分支零");
    v[n_v++] = (struct chain_entry){
        "F1", craft(&f, 1, placeholder_net, 1, NULL, c0, &body, &e)};
    memcpy(prev_main, e.id, HZ_HASH_LEN);
    memcpy(prev_fork, e.id, HZ_HASH_LEN);
    free(body.p);
    body = set_body(&b, HX, "分支甲");
    v[n_v++] = (struct chain_entry){
        "F2", craft(&f, 1, placeholder_net, 2, prev_main, c0 + 1, &body, &e)};
    memcpy(prev_main, e.id, HZ_HASH_LEN);
    free(body.p);
    body = set_body(&b, HX, "分支甲二");
    v[n_v++] = (struct chain_entry){
        "F3", craft(&f, 1, placeholder_net, 3, prev_main, c0 + 2, &body, &e)};
    free(body.p);
    body = set_body(&b, HX, "分支乙");
    v[n_v++] = (struct chain_entry){
        "F2x", craft(&f, 1, placeholder_net, 2, prev_fork, c0 + 1, &body, &e)};
    memcpy(prev_fork, e.id, HZ_HASH_LEN);
    free(body.p);
    body = set_body(&b, HX, "分支乙二");
    v[n_v++] = (struct chain_entry){
        "F3x", craft(&f, 1, placeholder_net, 3, prev_fork, c0 + 2, &body, &e)};
    free(body.p);
    /* A content failure in the middle of a chain. */
    body_head(&b, 1, 1);
    op_head(&b, 0, "households", HX, 1);
    set_field(&b, "members");
    enc_int(&b, 500);
    no_heads(&b);
    body = blob_of_enc(&b);
    /* F3 carries on from F2 with a bad value at seq 3 instead: */
    struct entry e2;
    decode_or_die(&e2, chain_find(v, n_v, "F2"));
    v[n_v++] = (struct chain_entry){
        "F3bad", craft(&f, 1, placeholder_net, 3, e2.id, c0 + 2, &body, &e)};
    free(body.p);
    body = set_body(&b, HX, "分支甲三");
    v[n_v++] = (struct chain_entry){
        "F4", craft(&f, 1, placeholder_net, 4, e.id, c0 + 3, &body, NULL)};
    free(body.p);

    json_t *cases = json_array();
    static const struct step gap[] = {
        {"F3", "pending"}, {"F2", "pending"}, {"F1", "applied"}};
    json_array_append_new(
        cases, ingest_case(g, "gap",
                           "entries ahead of a gap wait in pending and are "
                           "applied when the gap closes",
                           v, n_v, gap, N(gap)));
    static const struct step dup[] = {{"F1", "applied"}, {"F1", "duplicate"}};
    json_array_append_new(cases,
                          ingest_case(g, "duplicate", "an entry held already",
                                      v, n_v, dup, N(dup)));
    static const struct step same_seq[] = {{"F1", "applied"},
                                           {"F2", "applied"},
                                           {"F3", "applied"},
                                           {"F2x", "fork"}};
    json_array_append_new(
        cases,
        ingest_case(g, "fork_same_seq",
                    "a second entry at seq 2 whose prev is the held seq 1: "
                    "fork point 2; the held entries at seq >= 2 are "
                    "stopped and taken back",
                    v, n_v, same_seq, N(same_seq)));
    static const struct step prev_differs[] = {{"F1", "applied"},
                                               {"F2", "applied"},
                                               {"F3", "applied"},
                                               {"F3x", "fork"}};
    json_array_append_new(
        cases,
        ingest_case(g, "fork_prev_differs",
                    "an entry at seq 3 whose prev is not the held seq 2: "
                    "it proves another entry at seq 2, so the fork point "
                    "is 2",
                    v, n_v, prev_differs, N(prev_differs)));
    static const struct step next_differs[] = {
        {"F1", "applied"}, {"F2", "applied"}, {"F3x", "fork"}};
    json_array_append_new(
        cases, ingest_case(g, "fork_next_prev_differs",
                           "the next seq (3) with a prev that is not the held "
                           "seq 2: fork point 2",
                           v, n_v, next_differs, N(next_differs)));
    static const struct step after_fork[] = {{"F1", "applied"},
                                             {"F2", "applied"},
                                             {"F2x", "fork"},
                                             {"F3", "stopped"}};
    json_array_append_new(
        cases, ingest_case(g, "after_fork",
                           "an entry linking into the chain past the fork "
                           "point is stored as stopped",
                           v, n_v, after_fork, N(after_fork)));
    static const struct step overtaken[] = {{"F3", "pending"},
                                            {"F3x", "pending"},
                                            {"F1", "applied"},
                                            {"F2", "applied"}};
    json_array_append_new(
        cases,
        ingest_case(g, "pending_overtaken",
                    "two entries wait at seq 3; when the chain reaches them "
                    "one links and the other becomes fork evidence "
                    "(point 2): nothing stays hidden in pending",
                    v, n_v, overtaken, N(overtaken)));
    static const struct step rejected[] = {{"F1", "applied"},
                                           {"F2", "applied"},
                                           {"F3bad", "rejected"},
                                           {"F4", "applied"}};
    json_array_append_new(
        cases,
        ingest_case(g, "rejected_keeps_chain",
                    "a content failure (members 500) is stored in the chain "
                    "as rejected; the next entry links to it and applies",
                    v, n_v, rejected, N(rejected)));

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
    json_object_set_new(root, "cases", cases);
    for (size_t i = 0; i < n_v; i++)
        free(v[i].b.p);
    enc_close(&b);
    identity_close(&f);
#undef HX
    return root;
}
