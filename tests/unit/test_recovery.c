/* test_recovery.c - recovery plans read from the state
 * (state/recovery.c; proto/schema.md, "Recovery plans (一户一策)"): a
 * measure's progress is the greatest percent of its counted rows, not
 * the last; it is done when any row says done or 100 (and then its
 * progress is 100); a corrected row no longer counts; a cancelled
 * measure is not open and takes no progress typed here; the age is T −
 * agreed, none without agreed, negative for a measure agreed after T. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1717200000)
#define DAY INT64_C(86400)

static hz_node *node(struct unit_env *env)
{
    unit_env_init(env, 9, UNIT_T0_MS);
    return unit_node_memory(1, env);
}

/* A progress row of @measure at T0 + @day days: @percent ("" for none),
 * done when @done. Its id into @id (33 bytes) when not NULL. */
static int progress(hz_node *n, const char *measure, int day,
                    const char *percent, bool done, char *id)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)(T0 + day * DAY));
    struct hz_field f[4] = {{"measure", measure}, {"time", t}};
    size_t k = 2;
    if (percent[0] != '\0')
        f[k++] = (struct hz_field){"percent", percent};
    if (done)
        f[k++] = (struct hz_field){"done", "true"};
    return unit_put(n, "recovery_progress", NULL, k, f, id, NULL);
}

/* The report @name as at @now of household @id (may be NULL), parsed.
 * json_decref. */
static json_t *report(hz_node *n, const char *name, int64_t now, const char *id)
{
    struct hz_report_opts o = {.now = now, .id = id};
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_report(n, name, &o, &text, &err) != 0)
        fail_msg("%s: %s", name, err.msg);
    json_t *v = json_loads(text, 0, NULL);
    hz_free_string(text);
    assert_non_null(v);
    return v;
}

/* The measure @m of household @h's plan: its integer @key, or -1 when
 * null; booleans as 0 or 1. */
static long long measure_key(hz_node *n, const char *h, const char *m,
                             const char *key)
{
    json_t *plan = report(n, "recovery_plan", T0 + 10 * DAY, h);
    long long v = -2;
    size_t i;
    json_t *x;
    json_array_foreach(json_object_get(plan, "measures"), i, x)
    {
        if (strcmp(json_string_value(json_object_get(x, "measure")), m) != 0)
            continue;
        json_t *j = json_object_get(x, key);
        v = json_is_null(j)      ? -1
            : json_is_boolean(j) ? (long long)json_is_true(j)
                                 : (long long)json_integer_value(j);
    }
    json_decref(plan);
    assert_true(v != -2);
    return v;
}

static void household_and_measure(hz_node *n, char *h, char *m,
                                  const char *agreed)
{
    assert_int_equal(
        unit_put(n, "households", NULL,
                 UNIT_FIELDS({"head_name", "测试户"}, {"village", "测试村"}), h,
                 NULL),
        0);
    if (agreed != NULL)
        assert_int_equal(
            unit_put(n, "recovery_measures", NULL,
                     UNIT_FIELDS({"household", h}, {"kind", "repair"},
                                 {"agreed", agreed}),
                     m, NULL),
            0);
    else
        assert_int_equal(
            unit_put(n, "recovery_measures", NULL,
                     UNIT_FIELDS({"household", h}, {"kind", "repair"}), m,
                     NULL),
            0);
}

static void progress_is_the_greatest_percent_done_by_any_row(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char h[33], m[33], late[33];
    household_and_measure(n, h, m, "1717200000");
    assert_int_equal(measure_key(n, h, m, "progress"), 0);
    /* 60 %, then a later row of 30 %: the greatest counts, not the last. */
    assert_int_equal(progress(n, m, 1, "60", false, NULL), 0);
    assert_int_equal(progress(n, m, 2, "30", false, late), 0);
    assert_int_equal(measure_key(n, h, m, "progress"), 60);
    assert_int_equal(measure_key(n, h, m, "done"), 0);
    assert_int_equal(measure_key(n, h, m, "open"), 1);
    /* A row with neither a percent nor done changes nothing. */
    assert_int_equal(progress(n, m, 3, "", false, NULL), 0);
    assert_int_equal(measure_key(n, h, m, "progress"), 60);
    /* Done by an early row without a percent: done, progress 100. */
    char done[33];
    assert_int_equal(progress(n, m, 0, "", true, done), 0);
    assert_int_equal(measure_key(n, h, m, "done"), 1);
    assert_int_equal(measure_key(n, h, m, "progress"), 100);
    assert_int_equal(measure_key(n, h, m, "open"), 0);
    /* The done row corrected: open again at 60 %. */
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)(T0 + 4 * DAY));
    assert_int_equal(
        unit_put(n, "recovery_progress", NULL,
                 UNIT_FIELDS({"measure", m}, {"time", t}, {"reverses", done}),
                 NULL, NULL),
        0);
    assert_int_equal(measure_key(n, h, m, "done"), 0);
    assert_int_equal(measure_key(n, h, m, "progress"), 60);
    /* 100 % without done: done. */
    assert_int_equal(progress(n, m, 5, "100", false, NULL), 0);
    assert_int_equal(measure_key(n, h, m, "done"), 1);
    assert_int_equal(measure_key(n, h, m, "open"), 0);
    hz_node_close(n);
}

static void a_cancelled_measure_is_not_open_and_takes_no_progress(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char h[33], m[33];
    household_and_measure(n, h, m, "1717200000");
    assert_int_equal(progress(n, m, 1, "20", false, NULL), 0);
    assert_int_equal(unit_put(n, "recovery_measures", m,
                              UNIT_FIELDS({"cancelled", "true"}), NULL, NULL),
                     0);
    assert_int_equal(measure_key(n, h, m, "open"), 0);
    assert_int_equal(measure_key(n, h, m, "cancelled"), 1);
    assert_int_equal(measure_key(n, h, m, "progress"), 20);
    int64_t before = unit_sql_int(n, "SELECT count(*) FROM log");
    assert_int_equal(progress(n, m, 2, "50", false, NULL), HZ_EVALUE);
    assert_int_equal(progress(n, m, 2, "", true, NULL), HZ_EVALUE);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log"), before);
    json_t *open = report(n, "recovery_open", T0, NULL);
    assert_int_equal(json_integer_value(json_object_get(open, "open")), 0);
    json_decref(open);
    /* Taken up again: open, and progress may be recorded. */
    assert_int_equal(unit_put(n, "recovery_measures", m,
                              UNIT_FIELDS({"cancelled", "false"}), NULL, NULL),
                     0);
    assert_int_equal(measure_key(n, h, m, "open"), 1);
    assert_int_equal(progress(n, m, 2, "50", false, NULL), 0);
    assert_int_equal(measure_key(n, h, m, "progress"), 50);
    hz_node_close(n);
}

/* The age of the one open measure as at @at, or -1 when null. */
static long long open_age(hz_node *n, int64_t at)
{
    json_t *rep = report(n, "recovery_open", at, NULL);
    json_t *ms = json_object_get(rep, "measures");
    assert_int_equal(json_array_size(ms), 1);
    json_t *age = json_object_get(json_array_get(ms, 0), "age");
    long long v = json_is_null(age) ? -1 : (long long)json_integer_value(age);
    json_decref(rep);
    return v;
}

static void age_is_the_time_since_agreed(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char h[33], m[33];
    household_and_measure(n, h, m, "1717200000");
    assert_int_equal(open_age(n, T0), 0);
    assert_int_equal(open_age(n, T0 + 3 * DAY + 5), 3 * DAY + 5);
    assert_int_equal(open_age(n, T0 - 10), -10);
    /* Without agreed: no age, whenever asked. */
    assert_int_equal(unit_put(n, "recovery_measures", m,
                              UNIT_FIELDS({"cancelled", "true"}), NULL, NULL),
                     0);
    char h2[33], m2[33];
    household_and_measure(n, h2, m2, NULL);
    assert_int_equal(open_age(n, T0 + DAY), -1);
    hz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(progress_is_the_greatest_percent_done_by_any_row),
        cmocka_unit_test(a_cancelled_measure_is_not_open_and_takes_no_progress),
        cmocka_unit_test(age_is_the_time_since_agreed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
