/* test_changes.c - the local change counter the county mirror follows
 * (DECISIONS 43; proto/storage.md, table chg): every change to a
 * materialized row or to its conflicts numbers the row above every number
 * held, in the transaction of the change, and store_changes_since gives
 * exactly the rows changed after a number with what they hold now. */
#include "lib/unit_env.h"

#include "huzhu/trust.h"
#include "store/store.h"

#include <jansson.h>
#include <string.h>

static int64_t top(hz_node *n)
{
    int64_t c = -1;
    char hash[2 * HZ_HASH_LEN + 1], network[2 * HZ_NET_LEN + 1];
    struct hz_err err = {0};
    assert_int_equal(store_changes_top(n, &c, hash, network, &err), 0);
    assert_int_equal(strlen(network), 2 * HZ_NET_LEN);
    assert_int_equal(strlen(hash), 2 * HZ_HASH_LEN);
    return c;
}

/* The changes after @after, as a JSON array (owned). */
static json_t *since(hz_node *n, int64_t after)
{
    json_t *arr = NULL;
    int64_t last = 0;
    struct hz_err err = {0};
    assert_int_equal(
        store_changes_since(n, after, INT64_MAX, 100, &arr, &last, &err), 0);
    if (json_array_size(arr) > 0)
        assert_int_equal(
            last,
            json_integer_value(json_object_get(
                json_array_get(arr, json_array_size(arr) - 1), "counter")));
    return arr;
}

static const char *str_of(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void every_change_numbers_its_row_once_and_anew(void **state)
{
    (void)state;
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0xa1, &e);
    assert_int_equal(top(n), 0);
    char h1[HZ_ROW_HEX_LEN + 1], h2[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h1, NULL),
                     0);
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村乙"}), h2, NULL),
                     0);
    /* Each row numbered once, the counter at the higher number. */
    assert_int_equal(unit_sql_int(n,
                                  "SELECT count(DISTINCT chg) FROM e_households"
                                  " WHERE chg > 0"),
                     2);
    int64_t seen = top(n);
    assert_int_equal(unit_sql_int(n, "SELECT max(chg) FROM e_households"),
                     seen);
    json_t *all = since(n, 0);
    assert_int_equal(json_array_size(all), 2);
    assert_string_equal(str_of(json_array_get(all, 0), "id"), h1);
    assert_string_equal(str_of(json_array_get(all, 1), "id"), h2);
    json_decref(all);

    /* An edit of h1 and a delete of h2: both numbered after @seen, the
     * deleted row with deleted true and no column. */
    assert_int_equal(unit_put(n, "households", h1,
                              UNIT_FIELDS({"village", "测试村丙"}), NULL, NULL),
                     0);
    assert_int_equal(unit_del(n, "households", h2), 0);
    json_t *later = since(n, seen);
    assert_int_equal(json_array_size(later), 2);
    json_t *row1 = json_object_get(json_array_get(later, 0), "row");
    assert_string_equal(str_of(row1, "village"), "测试村丙");
    json_t *row2 = json_object_get(json_array_get(later, 1), "row");
    assert_true(json_is_true(json_object_get(row2, "deleted")));
    assert_null(json_object_get(row2, "village"));
    json_decref(later);
    assert_int_equal(
        unit_sql_int(n, "SELECT count(*) FROM e_households WHERE chg > 0"), 2);
    assert_true(top(n) > seen);
    /* Nothing changed since the top: nothing to copy. */
    json_t *none = since(n, top(n));
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);
    hz_node_close(n);
}

static void a_conflict_arriving_numbers_its_row(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    unit_sync(a, b);
    assert_int_equal(unit_put(a, "households", h,
                              UNIT_FIELDS({"status", "home"}), NULL, NULL),
                     0);
    assert_int_equal(unit_put(b, "households", h,
                              UNIT_FIELDS({"status", "evacuated"}), NULL, NULL),
                     0);
    /* A's row holds the highest number already: the conflict arriving
     * must still number it anew (a mirror may have copied it since). */
    int64_t seen = top(a);
    unit_sync(b, a);
    json_t *later = since(a, seen);
    assert_int_equal(json_array_size(later), 1);
    json_t *o = json_array_get(later, 0);
    assert_string_equal(str_of(o, "table"), "households");
    json_t *conflicts = json_object_get(o, "conflicts");
    assert_int_equal(json_array_size(conflicts), 1);
    assert_string_equal(str_of(json_array_get(conflicts, 0), "column"),
                        "status");
    json_decref(later);
    hz_node_close(a);
    hz_node_close(b);
}

/* Every number held, entity rows', event rows' and the rows taken
 * away, is given once, and none is above the counter. */
static void assert_numbers_unique(hz_node *n)
{
    int64_t rows = unit_sql_int(
        n, "SELECT count(*) FROM (SELECT chg AS c FROM e_households UNION ALL"
           " SELECT rowid FROM v_warnings UNION ALL SELECT c FROM chg_gone)");
    int64_t distinct = unit_sql_int(
        n, "SELECT count(*) FROM (SELECT chg AS c FROM e_households UNION"
           " SELECT rowid FROM v_warnings UNION SELECT c FROM chg_gone)");
    assert_int_equal(rows, distinct);
    assert_true(unit_sql_int(n, "SELECT min(chg) FROM e_households") > 0);
    assert_true(unit_sql_int(n, "SELECT max(c) FROM (SELECT chg AS c FROM"
                                " e_households UNION ALL SELECT rowid FROM"
                                " v_warnings UNION ALL SELECT c FROM"
                                " chg_gone)") <= top(n));
}

/* The highest number any row holds (entity rows', event rows', the rows
 * taken away), 0 for none. */
static int64_t highest_held(hz_node *n)
{
    return unit_sql_int(n, "SELECT coalesce(max(c), 0) FROM (SELECT chg AS c"
                           " FROM e_households UNION ALL SELECT rowid FROM"
                           " v_warnings UNION ALL SELECT c FROM chg_gone)");
}

/* After every commit the counter is the highest number a row holds: a
 * mirror's pass that finds its last copied number equal to the counter
 * has nothing to copy, so a number taken for a statement that changed
 * nothing (a row inserted unless it is there, and it was) is given back.
 * Edits and a tombstone arriving for a row that is there, one and two in
 * one delivery, a row written where it was last numbered: each moves the
 * counter by the rows it numbers. */
static void the_counter_ends_at_the_highest_number_held(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char h[HZ_ROW_HEX_LEN + 1], g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村乙"}), g, NULL),
                     0);
    unit_sync(a, b);
    hz_node *both[] = {a, b};
    for (size_t i = 0; i < 2; i++)
        assert_int_equal(top(both[i]), highest_held(both[i]));
    /* one edit of a row that is there: one number */
    int64_t before = top(a);
    assert_int_equal(unit_put(b, "households", h,
                              UNIT_FIELDS({"status", "home"}), NULL, NULL),
                     0);
    unit_sync(b, a);
    assert_int_equal(top(a), before + 1);
    assert_int_equal(top(a), highest_held(a));
    /* two edits of it in one delivery: the row numbered once */
    before = top(a);
    assert_int_equal(unit_put(b, "households", h,
                              UNIT_FIELDS({"status", "evacuated"}), NULL, NULL),
                     0);
    assert_int_equal(unit_put(b, "households", h,
                              UNIT_FIELDS({"village", "测试村丙"}), NULL, NULL),
                     0);
    unit_sync(b, a);
    assert_int_equal(top(a), before + 1);
    assert_int_equal(top(a), highest_held(a));
    /* a tombstone of a row that is there */
    before = top(a);
    assert_int_equal(unit_del(b, "households", g), 0);
    unit_sync(b, a);
    assert_int_equal(top(a), before + 1);
    assert_int_equal(top(a), highest_held(a));
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(top(both[i]), highest_held(both[i]));
        assert_numbers_unique(both[i]);
    }
    hz_node_close(a);
    hz_node_close(b);
}

/* The entry of @id last in @arr, or NULL. */
static json_t *last_of(json_t *arr, const char *id)
{
    json_t *found = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(str_of(json_array_get(arr, i), "id"), id) == 0)
            found = json_array_get(arr, i);
    return found;
}

/* An event row is numbered by its rowid; entering a network clears the
 * state and writes it again (members/network.c): every row held before
 * is numbered as taken away, then as written again, so a mirror that
 * copied the old rows ends with the rows held now. */
static void event_rows_and_a_cleared_state_are_numbered(void **state)
{
    (void)state;
    char *dir = unit_tmpdir(), *node_dir = unit_path(dir, "a");
    struct unit_env env;
    unit_env_init(&env, 3, UNIT_T0_MS);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &env.env};
    struct hz_err err = {0};
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(node_dir, "测试节点", &opts, &n, &err), 0);
    char h[HZ_ROW_HEX_LEN + 1], w[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    assert_int_equal(
        unit_put(n, "warnings", NULL,
                 UNIT_FIELDS({"household", h}, {"method", "phone"},
                             {"notice", "测试通知"}, {"time", "1700000000"}),
                 w, NULL),
        0);
    json_t *all = since(n, 0);
    assert_int_equal(json_array_size(all), 2);
    json_t *ev = last_of(all, w);
    assert_non_null(ev);
    assert_string_equal(str_of(ev, "table"), "warnings");
    assert_string_equal(str_of(json_object_get(ev, "row"), "notice"),
                        "测试通知");
    assert_int_equal(json_integer_value(json_object_get(ev, "counter")),
                     unit_sql_int(n, "SELECT rowid FROM v_warnings"));
    json_decref(all);
    assert_numbers_unique(n);

    int64_t seen = top(n);
    char *hex = NULL;
    assert_int_equal(hz_network_create(n, "测试网", &hex, &err), 0);
    hz_free_string(hex);
    json_t *later = since(n, seen);
    /* each row twice: taken away (numbered in chg_gone), then written
     * again by the re-issued entry, the later number holding the row */
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM chg_gone"), 2);
    assert_true(json_array_size(later) >= 4);
    const char *ids[] = {h, w};
    for (size_t i = 0; i < 2; i++) {
        json_t *o = last_of(later, ids[i]);
        assert_non_null(o);
        assert_true(json_is_object(json_object_get(o, "row")));
        assert_true(json_integer_value(json_object_get(o, "counter")) >
                    unit_sql_int(n, "SELECT max(c) FROM chg_gone"));
    }
    json_decref(later);
    assert_numbers_unique(n);
    hz_node_close(n);
    unit_rmtree(dir);
    free(node_dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_change_numbers_its_row_once_and_anew),
        cmocka_unit_test(a_conflict_arriving_numbers_its_row),
        cmocka_unit_test(the_counter_ends_at_the_highest_number_held),
        cmocka_unit_test(event_rows_and_a_cleared_state_are_numbered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
