/* gen_scenario.c - the authors' scenario: the fixture of entries.json,
 * state.json, bundle.json and vector.json.
 *
 * Three authors write through hz_batch / hz_node_commit, on in-memory
 * nodes with fixed seeds and wall clocks, and move entries with
 * relay_each / relay_ingest: a household and its members, a shelter,
 * concurrent edits with equal clocks, events on both sides of a
 * partition, a node in 1970 whose write names both heads, a delete
 * against an unseen edit, a field cleared. Every entry is kept under its
 * name (A1, B2, ...) in the order written. What it illustrates:
 * proto/merge.md and proto/state-hash.md; the entries, proto/entry.md. */
#include "gen_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void author_open(struct author *a, const char *name, uint8_t seed_byte,
                        uint64_t now_ms)
{
    struct hz_err err = {0};
    a->name = name;
    memset(a->seed, seed_byte, sizeof a->seed);
    identity_from_seed(&a->id, a->seed);
    a->g.now_ms = now_ms;
    a->g.rng = seed_byte;
    a->g.env = (struct hz_env){&a->g, genv_now, genv_random};
    check(
        node_open_memory(a->seed, schema_current(), &a->g.env, &a->node, &err),
        &err, "open node");
}

/* ---- entries held by a node */

struct list {
    struct blob *v;
    size_t n, cap;
};

static void list_add(struct list *l, struct blob b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (l->v == NULL)
            die("out of memory");
    }
    l->v[l->n++] = b;
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].p);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int collect_cb(void *data, const uint8_t *p, size_t len)
{
    list_add(data, blob_copy(p, len));
    return 0;
}

static void node_entries(hz_node *n, struct list *out)
{
    struct hz_err err = {0};
    check(store_relay_each(n, collect_cb, out, &err), &err, "relay_each");
}

/* Every entry @from holds, into @to (duplicates are fine). */
static void sync_to(struct author *from, struct author *to)
{
    struct list l = {0};
    node_entries(from->node, &l);
    const struct blob **v = calloc(l.n + 1, sizeof *v);
    if (v == NULL)
        die("out of memory");
    for (size_t i = 0; i < l.n; i++)
        v[i] = &l.v[i];
    struct hz_ingest_stats st = {0};
    ingest_all(to->node, v, l.n, &st);
    if (st.refused != 0)
        die("sync %s -> %s refused %llu", from->name, to->name,
            (unsigned long long)st.refused);
    free(v);
    list_free(&l);
}

static hz_batch *batch(struct author *a)
{
    hz_batch *b;
    struct hz_err err = {0};
    check(hz_batch_open(a->node, &b, &err), &err, "batch");
    return b;
}

/* Commit @b as one entry of @a and keep it under @name. */
static void commit(struct scenario *sc, struct author *a, hz_batch *b,
                   const char *name, const char *desc)
{
    struct hz_err err = {0};
    size_t n_entries = 0;
    check(hz_node_commit(a->node, b, &n_entries, &err), &err, name);
    hz_batch_close(b);
    if (n_entries != 1)
        die("%s: %zu entries", name, n_entries);
    struct list l = {0};
    node_entries(a->node, &l);
    size_t best = SIZE_MAX;
    uint64_t best_seq = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct entry e;
        decode_or_die(&e, &l.v[i]);
        if (memcmp(e.author, a->id.pk, HZ_KEY_LEN) == 0 && e.seq > best_seq) {
            best = i;
            best_seq = e.seq;
        }
    }
    if (best == SIZE_MAX || sc->n_named == NAMED_MAX)
        die("%s: no entry", name);
    struct named *nm = &sc->named[sc->n_named++];
    snprintf(nm->name, sizeof nm->name, "%s", name);
    nm->author = a->name;
    nm->desc = desc;
    nm->b = blob_copy(l.v[best].p, l.v[best].len);
    list_free(&l);
}

static void scenario(struct scenario *sc, struct author *a, struct author *b,
                     struct author *c)
{
    hz_batch *x;

    /* 1. A registers a household and two of its members in one action. */
    x = batch(a);
    PUT(x, "households", H1, {"head_name", "测试甲"}, {"village", "测试村"},
        {"members", "3"}, {"status", "home"}, {"grid", "一组"});
    PUT(x, "persons", P1, {"name", "测试乙"}, {"household", H1},
        {"birth_year", "1950"}, {"elderly_mobility", "true"},
        {"sex", "female"});
    PUT(x, "persons", P2, {"name", "测试丙"}, {"household", H1},
        {"birth_year", "2015"}, {"no_caretaker", "false"});
    commit(sc, a, x, "A1",
           "seq 1: three set ops in one entry (a household and two "
           "members), new rows, so no heads");

    /* 2. A registers a shelter (a real and a bool) and a supply item. */
    x = batch(a);
    PUT(x, "sites", S1, {"name", "测试安置点"}, {"kind", "shelter"},
        {"capacity", "200"}, {"area_m2", "120.5"}, {"open", "true"});
    PUT(x, "items", I1, {"name", "测试棉被"}, {"unit", "条"},
        {"category", "bedding"});
    commit(sc, a, x, "A2",
           "seq 2: prev is the id of A1; a float64 value (area_m2) and a "
           "bool");
    sync_to(a, b);
    sync_to(a, c);

    /* 3. A and B edit the household at the same wall time, neither having
     * seen the other: equal clocks, so the author key decides. */
    a->g.now_ms = T0_MS + 5000;
    b->g.now_ms = T0_MS + 5000;
    x = batch(b);
    PUT(x, "households", H1, {"members", "5"}, {"grid", "二组"});
    commit(sc, b, x, "B1",
           "set with heads: members and grid each name A1, the write B "
           "had seen");
    x = batch(a);
    PUT(x, "households", H1, {"members", "4"}, {"grid", "一组东"});
    commit(sc, a, x, "A3",
           "concurrent with B1: same heads, same clock; the higher author "
           "key wins grid");

    /* 4. Events on both sides of the partition. */
    a->g.now_ms = T0_MS + 10000;
    b->g.now_ms = T0_MS + 10000;
    x = batch(a);
    PUT(x, "stays", ST1, {"person", P1}, {"site", S1}, {"kind", "in"},
        {"time", T0_S});
    commit(sc, a, x, "A4", "ins into stays: a check-in");
    x = batch(a);
    PUT(x, "stock_moves", M3, {"item", I1}, {"site", S1},
        {"kind", "distributed"}, {"qty", "-10"}, {"household", H1},
        {"time", "1717200100"});
    commit(sc, a, x, "A5", "ins into stock_moves: 10 handed out at A");
    x = batch(a);
    PUT(x, "warnings", W1, {"household", H1}, {"method", "door"},
        {"notice", "测试通知：请转移"}, {"by", "测试丁"},
        {"time", "1717200200"});
    commit(sc, a, x, "A6", "ins into warnings");
    x = batch(a);
    PUT(x, "stays", ST2, {"person", P2}, {"site", S1}, {"kind", "in"},
        {"time", "1717200060"});
    commit(sc, a, x, "A7",
           "ins into stays, row id reused by B4 with other content");
    x = batch(b);
    PUT(x, "stock_moves", M1, {"item", I1}, {"site", S1}, {"kind", "received"},
        {"qty", "100"}, {"reference", "测试单据-001"}, {"time", "1717200050"});
    commit(sc, b, x, "B2", "ins into stock_moves: 100 received");
    x = batch(b);
    PUT(x, "stock_moves", M2, {"item", I1}, {"site", S1},
        {"kind", "distributed"}, {"qty", "-10"}, {"household", H1},
        {"time", "1717200100"});
    commit(sc, b, x, "B3",
           "ins into stock_moves: 10 more handed out at B (20 gone in all)");
    x = batch(b);
    PUT(x, "stays", ST2, {"person", P2}, {"site", S1}, {"kind", "in"},
        {"time", "1717200120"});
    commit(sc, b, x, "B4",
           "same row id as A7, other content: the insert with the lower "
           "entry id is the row");
    sync_to(a, b);
    sync_to(b, a);
    sync_to(a, c);

    /* 5. C boots in 1970 with everything, and settles members. Its clock
     * is decades behind, yet its write names both heads and wins. */
    x = batch(c);
    PUT(x, "households", H1, {"members", "6"});
    commit(sc, c, x, "C1",
           "clock in 1970, causally after A3 and B1 (heads name both): "
           "wins members");

    /* 6. B edits a person while C deletes her, neither seeing the other. */
    b->g.now_ms = T0_MS + 20000;
    x = batch(b);
    PUT(x, "persons", P1, {"condition", "missing"});
    commit(sc, b, x, "B5", "set of a field never written before: no heads");
    x = batch(c);
    struct hz_err err = {0};
    check(hz_batch_del(x, "persons", P1, &err), &err, "del");
    commit(sc, c, x, "C2",
           "del with seen: the heads of the row C had seen (A1); B5 is "
           "unseen, a delete-vs-edit conflict");

    /* 7. A clears a field: an empty value is nil. */
    a->g.now_ms = T0_MS + 30000;
    x = batch(a);
    PUT(x, "households", H1, {"village", ""});
    commit(sc, a, x, "A8", "set to nil: the field is cleared");

    sync_to(a, b);
    sync_to(b, c);
    sync_to(c, a);
    sync_to(a, b);
}

const struct scenario *scenario_get(struct gen *g)
{
    struct scenario *sc = &g->sc;
    if (sc->built)
        return sc;
    author_open(&sc->au[0], "A", SEED_A, T0_MS);
    author_open(&sc->au[1], "B", SEED_B, T0_MS);
    author_open(&sc->au[2], "C", SEED_C, T1970_MS);
    sc->built = true;
    scenario(sc, &sc->au[0], &sc->au[1], &sc->au[2]);
    return sc;
}

const struct named *scenario_entry(struct gen *g, const char *name)
{
    const struct scenario *sc = scenario_get(g);
    for (size_t i = 0; i < sc->n_named; i++) {
        if (strcmp(sc->named[i].name, name) == 0)
            return &sc->named[i];
    }
    die("no entry named %s", name);
    return NULL;
}

hz_node *scenario_node_a12(struct gen *g, struct genv *fg)
{
    hz_node *n = fresh_node(fg, SEED_A);
    const struct blob *two[2] = {&scenario_entry(g, "A1")->b,
                                 &scenario_entry(g, "A2")->b};
    struct hz_ingest_stats st = {0};
    n->writing_own = 1; /* its own entries, as if written here */
    ingest_all(n, two, 2, &st);
    n->writing_own = 0;
    if (st.applied != 2)
        die("bundle node: %llu applied", (unsigned long long)st.applied);
    return n;
}

void scenario_vector_a1(struct gen *g, char *out, size_t len)
{
    const struct scenario *sc = scenario_get(g);
    char pk[65], id[65];
    struct entry e1;
    decode_or_die(&e1, &scenario_entry(g, "A1")->b);
    hex_encode(sc->au[0].id.pk, 32, pk);
    hex_encode(e1.id, 32, id);
    snprintf(out, len,
             "{\"network\":\"%s\",\"authors\":[{\"author\":\"%s\","
             "\"seq\":1,\"hash\":\"%s\"}]}",
             "68757a68752d6e6f2d6e6574776f726b", pk, id);
}

json_t *scenario_keys_json(struct gen *g)
{
    const struct scenario *sc = scenario_get(g);
    json_t *keys = json_array();
    for (size_t i = 0; i < AUTHORS; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "name", json_string(sc->au[i].name));
        json_object_set_new(k, "seed", hex_json(sc->au[i].seed, 32));
        json_object_set_new(k, "public_key", hex_json(sc->au[i].id.pk, 32));
        json_array_append_new(keys, k);
    }
    return keys;
}
