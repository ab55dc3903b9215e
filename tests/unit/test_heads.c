/* test_heads.c - one field with thousands of concurrent heads (fields.c;
 * proto/merge.md, "Field writes: heads and the winner", "Conflicts").
 *
 * The heads of a field are found and ordered through indexes (storage.md),
 * so that a field written by thousands of devices that never saw each
 * other costs no more per write than a field with one head. These tests
 * pin what the merge rules say about such a field, computed here from the
 * writes themselves by a model that reads every write: which writes are
 * heads, which one wins, and how the conflict lists them. The nodes must
 * agree with the model whatever order the entries arrive in, and when
 * writes are taken back. */
#include "lib/unit_env.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    N_AUTHORS = 2000,  /* each writes the field once, unseen by the others */
    N_RESOLVERS = 40,  /* each names 4 heads it saw */
    NAMED_PER = 4,     /* heads a resolver names */
    SECOND_EVERY = 10, /* every 10th author writes a second time */
    THIRD_EVERY = 100, /* and every 100th a third */
};

static const uint8_t row[HZ_ROW_LEN] = {0x4e, 0xad};

/* One field write, as the model sees it. */
struct mw {
    size_t author; /* index into the authors */
    uint64_t seq, clock;
    uint8_t pk[HZ_KEY_LEN];
    uint8_t eid[HZ_HASH_LEN];
    uint8_t named[NAMED_PER][HZ_HASH_LEN]; /* the heads it names */
    size_t n_named;
    bool applied; /* false once its entry is taken back */
};

struct history {
    struct unit_author *authors;
    size_t n_authors;
    struct mw *w;
    size_t n;
    struct unit_entries es; /* one entry per write, in the order of w */
};

/* Author @k: a seed no other test uses, from the index. */
static void author_init(struct unit_author *a, size_t k)
{
    uint8_t seed[HZ_SEED_LEN] = {0};
    memcpy(seed, &k, sizeof k);
    seed[HZ_SEED_LEN - 1] = 0x4e;
    identity_from_seed(&a->id, seed);
    a->seq = 0;
    memset(a->prev, 0, sizeof a->prev);
}

static uint64_t at(uint64_t ms)
{
    return (UNIT_T0_MS + ms) << 16;
}

static int hash_order(const void *a, const void *b)
{
    return memcmp(a, b, HZ_HASH_LEN);
}

/* Author @k writes the field at @clock, naming @n_named heads. */
static void add_write(struct history *h, size_t k, uint64_t clock,
                      const struct mw *const *named, size_t n_named)
{
    struct mw *w = &h->w[h->n];
    memset(w, 0, sizeof *w);
    w->author = k;
    w->seq = h->authors[k].seq + 1;
    w->clock = clock;
    w->applied = true;
    memcpy(w->pk, h->authors[k].id.pk, HZ_KEY_LEN);
    const uint8_t *heads[NAMED_PER];
    assert_true(n_named <= NAMED_PER);
    for (size_t i = 0; i < n_named; i++)
        memcpy(w->named[i], named[i]->eid, HZ_HASH_LEN);
    /* A write lists its heads sorted (entry.md). */
    qsort(w->named, n_named, HZ_HASH_LEN, hash_order);
    for (size_t i = 0; i < n_named; i++)
        heads[i] = w->named[i];
    w->n_named = n_named;
    char text[32];
    snprintf(text, sizeof text, "测试村%zu", h->n);
    struct value v = {.type = VALUE_STR,
                      .s = {(const uint8_t *)text, strlen(text)}};
    struct enc body;
    enc_init(&body);
    unit_body_set(&body, 1, "households", row, "village", &v, n_named, heads);
    unit_author_next(&h->authors[k], clock, &body, &h->es, w->eid);
    enc_close(&body);
    h->n++;
}

/* The history: every author writes once, every 10th author first at a
 * clock above all others and then again, every 100th a third time (rule
 * 2 must drop all but the last);
 * the resolvers name writes that carry the highest clocks of all (rule 1
 * must drop them). The other clocks repeat, so that authors break many
 * ties. */
static void history_make(struct history *h)
{
    memset(h, 0, sizeof *h);
    h->n_authors = N_AUTHORS + N_RESOLVERS;
    h->authors = calloc(h->n_authors, sizeof *h->authors);
    h->w = calloc(h->n_authors * 3, sizeof *h->w);
    assert_non_null(h->authors);
    assert_non_null(h->w);
    for (size_t k = 0; k < h->n_authors; k++)
        author_init(&h->authors[k], k);
    struct mw *first[N_AUTHORS];
    for (size_t k = 0; k < N_AUTHORS; k++) {
        uint64_t clock = at((k * 37) % 101);
        if (k % SECOND_EVERY == 0)
            clock = at(1000);
        else if (k % 5 != 0 && k < 5 * N_RESOLVERS)
            clock = at(2000 + k); /* named by a resolver below */
        first[k] = &h->w[h->n];
        add_write(h, k, clock, NULL, 0);
    }
    for (size_t k = 0; k < N_AUTHORS; k += SECOND_EVERY)
        add_write(h, k, at((k * 37) % 101), NULL, 0);
    for (size_t k = 0; k < N_AUTHORS; k += THIRD_EVERY)
        add_write(h, k, at((k * 37) % 101), NULL, 0);
    for (size_t r = 0; r < N_RESOLVERS; r++) {
        const struct mw *named[NAMED_PER];
        for (size_t i = 0; i < NAMED_PER; i++)
            named[i] = first[5 * r + 1 + i];
        add_write(h, N_AUTHORS + r, at(50), named, NAMED_PER);
    }
}

static void history_free(struct history *h)
{
    for (size_t k = 0; k < h->n_authors; k++)
        unit_author_close(&h->authors[k]);
    free(h->authors);
    free(h->w);
    unit_entries_free(&h->es);
}

/* ---- the model: proto/merge.md read literally, over every write */

static bool supersedes(const struct mw *v, const struct mw *w)
{
    for (size_t i = 0; i < v->n_named; i++)
        if (memcmp(v->named[i], w->eid, HZ_HASH_LEN) == 0)
            return true;
    return v->author == w->author && w->seq < v->seq;
}

static bool is_head(const struct history *h, const struct mw *w)
{
    if (!w->applied)
        return false;
    for (size_t i = 0; i < h->n; i++)
        if (h->w[i].applied && supersedes(&h->w[i], w))
            return false;
    return true;
}

/* Winner order: (clock, author) descending. */
static int winner_first(const void *a, const void *b)
{
    const struct mw *x = *(const struct mw *const *)a;
    const struct mw *y = *(const struct mw *const *)b;
    if (x->clock != y->clock)
        return x->clock > y->clock ? -1 : 1;
    return -memcmp(x->pk, y->pk, HZ_KEY_LEN);
}

/* The heads in winner order; returns how many. */
static size_t model_heads(const struct history *h, const struct mw **out)
{
    size_t count = 0;
    for (size_t i = 0; i < h->n; i++)
        if (is_head(h, &h->w[i]))
            out[count++] = &h->w[i];
    qsort(out, count, sizeof *out, winner_first);
    return count;
}

/* The node holds what the model says: the winner's value, and one
 * concurrent conflict listing every head in winner order. */
static void assert_as_model(hz_node *n, const struct history *h)
{
    const struct mw **heads = calloc(h->n, sizeof *heads);
    assert_non_null(heads);
    size_t count = model_heads(h, heads);
    assert_true(count > 1);
    char id[HZ_ROW_HEX_LEN + 1], want[64];
    hex_encode(row, HZ_ROW_LEN, id);
    snprintf(want, sizeof want, "\"测试村%zu\"", (size_t)(heads[0] - h->w));
    unit_assert_field(n, "households", id, "village", want);

    json_t *c = unit_conflicts(n);
    assert_int_equal(json_array_size(c), 1);
    json_t *k = json_array_get(c, 0);
    assert_string_equal(json_string_value(json_object_get(k, "kind")),
                        "concurrent");
    assert_string_equal(json_string_value(json_object_get(k, "column")),
                        "village");
    json_t *listed = json_object_get(k, "heads");
    assert_int_equal(json_array_size(listed), count);
    for (size_t i = 0; i < count; i++) {
        char eid[2 * HZ_HASH_LEN + 1];
        hex_encode(heads[i]->eid, HZ_HASH_LEN, eid);
        json_t *x = json_array_get(listed, i);
        assert_string_equal(json_string_value(json_object_get(x, "entry")),
                            eid);
        assert_int_equal(json_integer_value(json_object_get(x, "clock")),
                         (json_int_t)heads[i]->clock);
    }
    json_decref(c);
    free(heads);
}

/* @m holds what the model says, and the very state and conflicts of @n. */
static void assert_as_model_and_node(hz_node *m, const struct history *h,
                                     hz_node *n)
{
    assert_as_model(m, h);
    unit_assert_same_state(n, m);
    char *cn = unit_conflicts_text(n), *cm = unit_conflicts_text(m);
    assert_string_equal(cn, cm);
    hz_free_string(cn);
    hz_free_string(cm);
}

/* Deliver @h's entries in a seeded shuffle, in batches of up to 64. */
static void deliver_shuffled(hz_node *n, const struct history *h, uint64_t seed)
{
    size_t *order = malloc(h->n * sizeof *order);
    assert_non_null(order);
    for (size_t i = 0; i < h->n; i++)
        order[i] = i;
    for (size_t i = h->n - 1; i > 0; i--) {
        size_t j = unit_rand_below(&seed, i + 1);
        size_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < h->n;) {
        struct unit_entries batch = {0};
        for (size_t end = i + 1 + unit_rand_below(&seed, 64);
             i < end && i < h->n; i++)
            unit_entries_add(&batch, h->es.p[order[i]], h->es.len[order[i]]);
        struct hz_ingest_stats st = {0};
        assert_int_equal(unit_deliver(n, &batch, &st), 0);
        assert_int_equal(st.refused, 0);
        unit_entries_free(&batch);
    }
    free(order);
}

static void thousands_of_heads_pick_the_merge_winner(void **state)
{
    (void)state;
    struct history h;
    history_make(&h);
    const struct mw **heads = calloc(h.n, sizeof *heads);
    assert_non_null(heads);
    /* Every author keeps one head, less the 160 the resolvers named. */
    assert_int_equal(model_heads(&h, heads),
                     N_AUTHORS - N_RESOLVERS * NAMED_PER + N_RESOLVERS);
    /* Neither a write superseded by its author's later one nor a named
     * one wins, though they carry the highest clocks. */
    assert_true(heads[0]->clock < at(1000));
    free(heads);

    struct unit_env e1, e2;
    unit_env_init(&e1, 1, UNIT_T0_MS);
    unit_env_init(&e2, 2, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &e1);
    hz_node *m = unit_node_memory(0x12, &e2);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &h.es, &st), 0);
    assert_int_equal(st.applied, h.n);
    assert_as_model(n, &h);

    deliver_shuffled(m, &h, 0x4ead5);
    assert_int_equal(unit_sql_int(m, "SELECT count(*) FROM pending"), 0);
    assert_as_model_and_node(m, &h, n);
    hz_node_close(n);
    hz_node_close(m);
    history_free(&h);
}

static uint64_t winner_clock(const struct history *h)
{
    const struct mw **heads = calloc(h->n, sizeof *heads);
    assert_non_null(heads);
    assert_true(model_heads(h, heads) > 0);
    uint64_t clock = heads[0]->clock;
    free(heads);
    return clock;
}

/* The model's write of author @k at @seq. */
static struct mw *find_write(struct history *h, size_t k, uint64_t seq)
{
    for (size_t i = 0; i < h->n; i++)
        if (h->w[i].author == k && h->w[i].seq == seq)
            return &h->w[i];
    fail_msg("no write of author %zu at seq %" PRIu64, k, seq);
    return NULL;
}

/* Fork evidence against author @k at @seq: a second entry there, linked
 * to the author's entry at seq - 1, so the fork point is @seq and the
 * author's writes from @seq on are taken back (merge.md, "Forks"). */
static void fork_at(struct history *h, size_t k, uint64_t seq,
                    struct unit_entries *out)
{
    const struct mw *prev = seq > 1 ? find_write(h, k, seq - 1) : NULL;
    struct value v = {.type = VALUE_STR, .s = {(const uint8_t *)"叉", 3}};
    struct enc body, bytes;
    enc_init(&body);
    enc_init(&bytes);
    unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
    assert_int_equal(enc_done(&body), 0);
    struct entry e;
    unit_sign(&h->authors[k].id, unit_network, seq,
              prev != NULL ? prev->eid : NULL, at(3000), enc_data(&body),
              enc_len(&body), &e, &bytes);
    unit_entries_add(out, enc_data(&bytes), enc_len(&bytes));
    enc_close(&body);
    enc_close(&bytes);
    for (size_t i = 0; i < h->n; i++)
        if (h->w[i].author == k && h->w[i].seq >= seq)
            h->w[i].applied = false;
}

/* Taking writes back from a field with thousands of heads brings back
 * exactly the heads they superseded (merge.md, "Taking entries back"),
 * as if they had never been applied. */
static void taking_writes_back_restores_what_they_superseded(void **state)
{
    (void)state;
    struct history h;
    history_make(&h);
    struct unit_env e1, e2;
    unit_env_init(&e1, 1, UNIT_T0_MS);
    unit_env_init(&e2, 2, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &e1);
    assert_int_equal(unit_deliver(n, &h.es, NULL), 0);
    assert_as_model(n, &h);

    /* Two authors' second writes go: their first ones, with the highest
     * clock of the heads, are heads again and one of them wins. */
    struct unit_entries forks = {0}, batch = {0};
    fork_at(&h, 10, 2, &batch);
    fork_at(&h, 20, 2, &batch);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &batch, &st), 0);
    assert_int_equal(st.forks, 2);
    assert_int_equal(winner_clock(&h), at(1000));
    assert_as_model(n, &h);
    unit_entries_free(&batch);

    /* A resolver goes: the four writes it named are heads again, and
     * the one with the highest clock of all wins. */
    fork_at(&h, N_AUTHORS, 1, &batch);
    st = (struct hz_ingest_stats){0};
    assert_int_equal(unit_deliver(n, &batch, &st), 0);
    assert_int_equal(st.forks, 1);
    assert_int_equal(winner_clock(&h), at(2000 + NAMED_PER));
    assert_as_model(n, &h);
    unit_entries_free(&batch);

    /* A node that got the evidence first never applied those writes. */
    fork_at(&h, 10, 2, &forks);
    fork_at(&h, 20, 2, &forks);
    fork_at(&h, N_AUTHORS, 1, &forks);
    hz_node *m = unit_node_memory(0x12, &e2);
    assert_int_equal(unit_deliver(m, &forks, NULL), 0);
    deliver_shuffled(m, &h, 0xf02c);
    assert_as_model_and_node(m, &h, n);
    unit_entries_free(&forks);
    hz_node_close(n);
    hz_node_close(m);
    history_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thousands_of_heads_pick_the_merge_winner),
        cmocka_unit_test(taking_writes_back_restores_what_they_superseded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
