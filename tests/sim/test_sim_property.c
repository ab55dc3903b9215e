/* test_sim_property.c - the same entries applied in any order, in any
 * batching, any number of times, give byte-identical state (DESIGN,
 * "Convergence"; STYLE 10, "Property").
 *
 * Each seed runs a random scenario to the end (checked like sim.converge),
 * then feeds every entry it produced to fresh nodes: reversed, shuffled
 * with duplicates, chain by chain backwards, all at once. Along the way a
 * fresh node must show exactly the model's state for the entries it has
 * applied so far (order must not matter before the end either); at the end
 * its state hash, vector, conflicts and views equal the run's nodes, and
 * a second delivery of everything changes nothing.
 *
 * HUZHU_SIM_SEEDS / 20 seeds (at least 5); HUZHU_SIM_SEED replays one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEEDS_DEFAULT 50
/* Distinct from sim.converge's seeds, so the two tests cover more runs. */
#define SEED_BASE UINT64_C(1000000)

enum order {
    ORDER_REVERSED,      /* newest first: everything waits, then drains */
    ORDER_SHUFFLED_DUPS, /* random, each entry one to three times */
    ORDER_CHAINS_BACKWARDS,
    ORDER_ALL_AT_ONCE,
    ORDER_COUNT,
};

static const char *const order_names[] = {
    "reversed", "shuffled with duplicates", "chains backwards", "all at once"};

static void shuffle(struct sim_world *w, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)sim_below(&w->rng, i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Every entry of the run, arranged in @order; *out is malloc'ed. */
static size_t arrange(struct sim_world *w, enum order order, size_t **out)
{
    size_t n = w->n_reg;
    size_t *v = malloc((3 * n + 1) * sizeof *v);
    if (v == NULL)
        abort();
    size_t k = 0;
    switch (order) {
    case ORDER_REVERSED:
        for (size_t i = n; i > 0; i--)
            v[k++] = i - 1;
        break;
    case ORDER_SHUFFLED_DUPS:
        for (size_t i = 0; i < n; i++) {
            size_t times = 1 + (size_t)sim_below(&w->rng, 3);
            for (size_t t = 0; t < times; t++)
                v[k++] = i;
        }
        shuffle(w, v, k);
        break;
    case ORDER_CHAINS_BACKWARDS: {
        /* Authors in random turns, each chain from its newest entry. */
        uint64_t next[SIM_NODES_MAX];
        for (int a = 0; a < w->n_nodes; a++)
            next[a] = w->n_written[a];
        while (k < n) {
            int a = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
            if (next[a] > 0)
                v[k++] = sim_entry_of(w, a, next[a]--);
        }
        break;
    }
    case ORDER_ALL_AT_ONCE:
    case ORDER_COUNT:
        for (size_t i = 0; i < n; i++)
            v[k++] = i;
        shuffle(w, v, k);
        break;
    }
    *out = v;
    return k;
}

static char *read_json(struct sim_world *w, int node, const char *what)
{
    char *text = NULL;
    struct hz_err err = {0};
    hz_node *n = w->nodes[node].node;
    struct hz_report_opts opts = {0};
    int rv = strcmp(what, "vector") == 0 ? hz_node_vector(n, &text, &err)
             : strcmp(what, "conflicts") == 0
                 ? hz_node_conflicts(n, &text, &err)
             : strcmp(what, "relief") == 0
                 ? hz_node_report(n, what, &opts, &text, &err)
                 : hz_node_view(n, what, &text, &err);
    SIM_CHECK(w, rv == 0, "%s of node %d: %s (%s)", what, node, hz_errname(rv),
              err.msg);
    return text;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The rows of a JSON array as one string, in sorted order. */
static char *rows_sorted(struct sim_world *w, const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, 0, &je);
    SIM_CHECK(w, json_is_array(j), "not a JSON array: %.80s", text);
    size_t n = json_array_size(j), len = 1;
    char **rows = calloc(n + 1, sizeof *rows);
    if (rows == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        rows[i] =
            json_dumps(json_array_get(j, i), JSON_COMPACT | JSON_SORT_KEYS);
        len += strlen(rows[i]) + 1;
    }
    qsort(rows, n, sizeof *rows, cmp_str);
    char *out = malloc(len);
    if (out == NULL)
        abort();
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(strcat(out, rows[i]), "\n");
        free(rows[i]);
    }
    free(rows);
    json_decref(j);
    return out;
}

/* The fresh node reads exactly like node 0 of the run: byte for byte
 * (the relief list too, proto/reports.md: a function of the state).
 * "presence" is compared as a set of rows: its order is not a function of
 * the state yet (sim.views, presence_reads_the_same_on_equal_replicas). */
static void check_same_as_run(struct sim_world *w, int fresh, enum order order)
{
    static const char *const reads[] = {"vector",     "conflicts", "stock",
                                        "received",   "occupancy", "presence",
                                        "vulnerable", "relief"};
    char h0[2 * HZ_HASH_LEN + 1], h[2 * HZ_HASH_LEN + 1];
    sim_state_hash(w, 0, h0);
    sim_state_hash(w, fresh, h);
    SIM_CHECK(w, strcmp(h, h0) == 0,
              "entries %s: state hash %.8s, the run's nodes %.8s",
              order_names[order], h, h0);
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
        char *ja = read_json(w, 0, reads[i]);
        char *jb = read_json(w, fresh, reads[i]);
        bool as_set = strcmp(reads[i], "presence") == 0;
        char *a = as_set ? rows_sorted(w, ja) : strdup(ja);
        char *b = as_set ? rows_sorted(w, jb) : strdup(jb);
        hz_free_string(ja);
        hz_free_string(jb);
        if (a == NULL || b == NULL)
            abort();
        bool same = strcmp(a, b) == 0;
        if (!same)
            fprintf(stderr, "sim: node 0 %s: %s\nsim: fresh %s: %s\n", reads[i],
                    a, reads[i], b);
        free(a);
        free(b);
        SIM_CHECK(w, same, "entries %s: %s differs from the run's nodes",
                  order_names[order], reads[i]);
    }
}

static void feed_fresh_node(struct sim_world *w, enum order order)
{
    int fresh = sim_add_node(w, (enum sim_clock)sim_below(&w->rng, 4));
    size_t *v;
    size_t n = arrange(w, order, &v);
    sim_trace(w, "fresh node %d: %zu entries %s", fresh, n, order_names[order]);
    for (size_t i = 0; i < n;) {
        size_t k =
            order == ORDER_ALL_AT_ONCE ? n : 1 + (size_t)sim_below(&w->rng, 16);
        if (k > n - i)
            k = n - i;
        sim_deliver(w, fresh, v + i, k);
        i += k;
        /* State is a function of the entries applied so far. */
        if (i < n && sim_chance(&w->rng, 15))
            sim_check_node(w, fresh);
    }
    SIM_CHECK(w, sim_quiescent(w), "entries %s: not everything applied",
              order_names[order]);
    sim_check_node(w, fresh);
    check_same_as_run(w, fresh, order);
    /* Any number of times: everything again changes nothing. */
    char before[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    sim_state_hash(w, fresh, before);
    shuffle(w, v, n);
    sim_deliver(w, fresh, v, n); /* checks: every entry a duplicate */
    sim_state_hash(w, fresh, after);
    SIM_CHECK(w, strcmp(before, after) == 0,
              "entries %s: delivering them again changed the state",
              order_names[order]);
    free(v);
    sim_drop_node(w);
}

static void
any_order_batching_and_repetition_gives_identical_state(void **state)
{
    (void)state;
    uint64_t first = SEED_BASE;
    uint64_t count = sim_env_seeds(SEEDS_DEFAULT * 20) / 20;
    if (count < 5)
        count = 5;
    if (sim_env_seed(&first))
        count = 1;
    unsigned long entries = 0, merged_seeds = 0, merges = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        struct sim_world *w = sim_world_random(seed);
        jmp_buf jb;
        w->fail_jmp = &jb;
        if (setjmp(jb) != 0) {
            sim_world_free(w);
            fail_msg("seed %" PRIu64 " failed (see above)", seed);
        }
        struct sim_rng r = {seed};
        sim_run(w, 60 + (long)sim_below(&r, 60));
        uint64_t total = 0;
        for (int a = 0; a < w->n_nodes; a++)
            total += w->n_written[a];
        SIM_CHECK(w, w->n_reg == total, "%zu entries registered of %" PRIu64,
                  w->n_reg, total);
        for (int o = 0; o < ORDER_COUNT; o++)
            feed_fresh_node(w, (enum order)o);
        entries += w->n_reg;
        merged_seeds += w->stats.merges > 0;
        merges += w->stats.merges;
        sim_world_free(w);
    }
    printf("sim: %" PRIu64 " seeds from %" PRIu64 ": %lu entries, each fed"
           " to %d fresh nodes\n",
           count, first, entries, ORDER_COUNT);
    printf("sim: %lu of those seeds with merges on purpose (%lu merges)\n",
           merged_seeds, merges);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(
            any_order_batching_and_repetition_gives_identical_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
