/* test_edit_sole.c - an edit of a row that one entry alone wrote takes a
 * shorter path through the merge (state/fields.c, edit_sole): it must
 * leave exactly what the general path leaves — the facts in w with their
 * heads, the supersede edges, the rows with their change numbers and sole
 * facts, tombstones, the search index, the conflicts and the state hash —
 * whatever the order the entries arrive in.
 *
 * Three writers make households and persons, edit them (their own rows
 * and each other's, having seen the last write or not), delete some and
 * exchange entries now and then. Two fresh nodes then take every entry in
 * the same order, one with the short path and one with the general path
 * only (hz_node.merge_general); they are compared table by table, in the
 * order the writers made them and in shuffled orders (gaps wait as
 * pending). */
#include "lib/unit_env.h"

#include "store/state/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WRITERS 3
#define ROWS_MAX 64

struct world {
    struct unit_env env[WRITERS];
    hz_node *w[WRITERS];
    char ids[ROWS_MAX][33];
    const char *table[ROWS_MAX];
    size_t n_rows;
    uint64_t rng;
};

static const char *pick(uint64_t *rng, const char *const *from, size_t n)
{
    return from[unit_rand_below(rng, n)];
}

/* One step of writer @i: a new row, an edit of some columns of a row it
 * has (seen the last write or not), or a delete. */
static void step(struct world *w, size_t i)
{
    static const char *const names[] = {"测试甲", "测试乙", "王测试", "李四测",
                                        "张三丰测"};
    static const char *const phones[] = {"13800000001", "13900000002",
                                         "13700000003"};
    static const char *const conditions[] = {"safe", "injured", "missing"};
    static const char *const statuses[] = {"home", "sheltered", "relocated"};
    hz_node *n = w->w[i];
    size_t r = unit_rand_below(&w->rng, 100);
    size_t at = w->n_rows > 0 ? unit_rand_below(&w->rng, w->n_rows) : 0;
    if (w->n_rows == 0 || (r < 25 && w->n_rows < ROWS_MAX)) {
        bool person = unit_rand_below(&w->rng, 2) == 0;
        const char *table = person ? "persons" : "households";
        int rv =
            person ? unit_put(n, table, NULL,
                              UNIT_FIELDS({"name", pick(&w->rng, names, 5)},
                                          {"phone", pick(&w->rng, phones, 3)},
                                          {"notes", "测试"}),
                              w->ids[w->n_rows], NULL)
                   : unit_put(
                         n, table, NULL,
                         UNIT_FIELDS({"head_name", pick(&w->rng, names, 5)},
                                     {"village", "测试村"}, {"notes", "测试"}),
                         w->ids[w->n_rows], NULL);
        assert_int_equal(rv, 0);
        w->table[w->n_rows++] = table;
        return;
    }
    /* a row this writer does not hold yet is left alone */
    char *name =
        unit_field(n, w->table[at], w->ids[at],
                   strcmp(w->table[at], "persons") == 0 ? "name" : "head_name");
    if (name == NULL)
        return;
    free(name);
    if (r < 30) {
        assert_int_equal(unit_del(n, w->table[at], w->ids[at]), 0);
        return;
    }
    bool person = strcmp(w->table[at], "persons") == 0;
    const char *phone = pick(&w->rng, phones, 3);
    int rv;
    if (unit_rand_below(&w->rng, 4) == 0) {
        /* two or three columns of six, any of them: more sets of columns
         * than a table keeps a statement for (rows.c, EDIT_SETS) */
        static const struct hz_field pf[] = {
            {"birth_year", "1960"},   {"chronic", "yes"},
            {"condition", "safe"},    {"notes", "测试多"},
            {"phone", "13600000004"}, {"sex", "female"}};
        static const struct hz_field hf[] = {
            {"members", "4"},         {"notes", "测试多"},
            {"phone", "13600000005"}, {"status", "home"},
            {"village", "测试三村"},  {"grid", "测试网格"}};
        const struct hz_field *from = person ? pf : hf;
        struct hz_field f[3];
        size_t k = 0;
        for (size_t c = 0; c < 6 && k < 3; c++)
            if (unit_rand_below(&w->rng, 2) == 0)
                f[k++] = from[c];
        if (k < 2) {
            f[0] = from[0];
            f[1] = from[5];
            k = 2;
        }
        assert_int_equal(
            unit_put(n, w->table[at], w->ids[at], k, f, NULL, NULL), 0);
        return;
    }
    switch (unit_rand_below(&w->rng, 4)) {
    case 0: /* one column the first write wrote */
        rv = unit_put(n, w->table[at], w->ids[at],
                      UNIT_FIELDS({"phone", phone}), NULL, NULL);
        break;
    case 1: /* a column it did not write */
        rv = person
                 ? unit_put(
                       n, w->table[at], w->ids[at],
                       UNIT_FIELDS({"condition", pick(&w->rng, conditions, 3)}),
                       NULL, NULL)
                 : unit_put(n, w->table[at], w->ids[at],
                            UNIT_FIELDS({"status", pick(&w->rng, statuses, 3)}),
                            NULL, NULL);
        break;
    case 2: /* the indexed name, and another */
        if (person)
            rv = unit_put(n, w->table[at], w->ids[at],
                          UNIT_FIELDS({"name", pick(&w->rng, names, 5)},
                                      {"notes", "测试改"}),
                          NULL, NULL);
        else
            rv = unit_put(n, w->table[at], w->ids[at],
                          UNIT_FIELDS({"head_name", pick(&w->rng, names, 5)},
                                      {"notes", "测试改"}),
                          NULL, NULL);
        break;
    default: /* every column the first write wrote, and one more */
        rv = person
                 ? unit_put(n, w->table[at], w->ids[at],
                            UNIT_FIELDS({"condition", "safe"},
                                        {"name", pick(&w->rng, names, 5)},
                                        {"notes", "测试全"}, {"phone", phone}),
                            NULL, NULL)
                 : unit_put(n, w->table[at], w->ids[at],
                            UNIT_FIELDS({"head_name", pick(&w->rng, names, 5)},
                                        {"notes", "测试全"}, {"status", "home"},
                                        {"village", "测试二村"}),
                            NULL, NULL);
        break;
    }
    assert_int_equal(rv, 0);
}

/* Entries of every writer, each once. */
static void collect_all(struct world *w, struct unit_entries *all)
{
    hz_node *hub = unit_node_memory(40, &w->env[0]);
    for (size_t i = 0; i < WRITERS; i++)
        unit_sync(w->w[i], hub);
    unit_entries_collect(hub, all);
    hz_node_close(hub);
}

static void deliver_both(hz_node *fast, hz_node *general,
                         const struct unit_entries *e, const size_t *order)
{
    for (size_t k = 0; k < e->n; k++) {
        struct hz_ingest_stats a = {0}, b = {0};
        assert_int_equal(unit_deliver_range(fast, e, order[k], 1, &a), 0);
        assert_int_equal(unit_deliver_range(general, e, order[k], 1, &b), 0);
        assert_int_equal(a.applied, b.applied);
        assert_int_equal(a.pending, b.pending);
    }
}

static void both_paths_leave_the_same(void **state)
{
    (void)state;
    struct world w = {.rng = 0x5eed};
    for (size_t i = 0; i < WRITERS; i++) {
        /* clocks apart, so that concurrent writes are won either way */
        unit_env_init(&w.env[i], 11 + i, UNIT_T0_MS + 7000 * (i % 2));
        w.w[i] = unit_node_memory((uint8_t)(21 + i), &w.env[i]);
    }
    for (int s = 0; s < 500; s++) {
        step(&w, unit_rand_below(&w.rng, WRITERS));
        if (unit_rand_below(&w.rng, 5) == 0) {
            size_t a = unit_rand_below(&w.rng, WRITERS);
            size_t b = (a + 1 + unit_rand_below(&w.rng, WRITERS - 1)) % WRITERS;
            unit_sync(w.w[a], w.w[b]);
        }
    }
    struct unit_entries all = {0};
    collect_all(&w, &all);
    assert_true(all.n > 300);
    size_t *order = malloc(all.n * sizeof *order);
    assert_non_null(order);
    uint64_t edits = 0, general_edits = 0;
    for (int round = 0; round < 4; round++) {
        for (size_t k = 0; k < all.n; k++)
            order[k] = k;
        /* round 0 in the order held; then shuffled (Fisher-Yates) */
        for (size_t k = all.n; round > 0 && k > 1; k--) {
            size_t j = unit_rand_below(&w.rng, k);
            size_t t = order[k - 1];
            order[k - 1] = order[j];
            order[j] = t;
        }
        struct unit_env ef, eg;
        unit_env_init(&ef, 91, UNIT_T0_MS + 86400000);
        unit_env_init(&eg, 91, UNIT_T0_MS + 86400000);
        hz_node *fast = unit_node_memory(50, &ef);
        hz_node *general = unit_node_memory(50, &eg);
        general->merge_general = true;
        deliver_both(fast, general, &all, order);
        unit_assert_same_store(fast, general);
        edits += fast->merge_edits_sole;
        general_edits += general->merge_edits_sole;
        hz_node_close(fast);
        hz_node_close(general);
    }
    fprintf(stderr, "short path %llu\n", (unsigned long long)edits);
    /* The short path was taken, often; never with merge_general. */
    assert_true(edits > 100);
    assert_int_equal(general_edits, 0);
    free(order);
    unit_entries_free(&all);
    for (size_t i = 0; i < WRITERS; i++)
        hz_node_close(w.w[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(both_paths_leave_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
