/* test_patrol.c - patrols, hazards and duty read from the state
 * (state/patrol.c; proto/schema.md, "Patrols, hazards and duty"): the
 * gaps of a place are the parts of the next 24 hours that none of its
 * shifts covers, whatever the shifts' overlaps, nesting, order or
 * adjacency; a shift that holds the time asked is on duty; the node's
 * own check of a shift written here. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1717200000)
#define H INT64_C(3600)

static hz_node *node(struct unit_env *env)
{
    unit_env_init(env, 7, UNIT_T0_MS);
    return unit_node_memory(1, env);
}

/* A shift of @who at @site from T0 + @from_h to T0 + @to_h hours. */
static void shift(hz_node *n, const char *site, const char *who, int from_h,
                  int to_h)
{
    char from[24], to[24];
    snprintf(from, sizeof from, "%lld", (long long)(T0 + from_h * H));
    snprintf(to, sizeof to, "%lld", (long long)(T0 + to_h * H));
    assert_int_equal(unit_put(n, "shifts", NULL,
                              UNIT_FIELDS({"who", who}, {"site", site},
                                          {"starts", from}, {"ends", to}),
                              NULL, NULL),
                     0);
}

/* The "duty" report as at T0 + @at_h hours, parsed. json_decref. */
static json_t *duty(hz_node *n, int at_h)
{
    struct hz_report_opts o = {.now = T0 + at_h * H};
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_report(n, "duty", &o, &text, &err) != 0)
        fail_msg("duty: %s", err.msg);
    json_t *v = json_loads(text, 0, NULL);
    hz_free_string(text);
    assert_non_null(v);
    return v;
}

/* The gaps of the one place of @rep as "from-to" in hours after T0,
 * joined by spaces, into @out. */
static void gaps_text(json_t *rep, char *out, size_t len)
{
    json_t *places = json_object_get(rep, "places");
    assert_int_equal(json_array_size(places), 1);
    json_t *gaps = json_object_get(json_array_get(places, 0), "gaps");
    size_t o = 0, i;
    json_t *g;
    out[0] = '\0';
    json_array_foreach(gaps, i, g)
    {
        long long a = (json_integer_value(json_object_get(g, "from")) - T0);
        long long b = (json_integer_value(json_object_get(g, "to")) - T0);
        o += (size_t)snprintf(out + o, len - o, "%s%lld-%lld", i ? " " : "",
                              a / H, b / H);
        assert_true(o < len);
    }
}

static void gaps_are_what_no_shift_covers(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char site[33];
    assert_int_equal(unit_put(n, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), site, NULL),
                     0);
    /* Before now into the window; nested in it; adjacent to it; two that
     * overlap; one after the window; one ending before it. */
    shift(n, site, "甲", -2, 6);
    shift(n, site, "乙", 1, 3);
    shift(n, site, "丙", 6, 8);
    shift(n, site, "丁", 10, 14);
    shift(n, site, "戊", 12, 16);
    shift(n, site, "己", 30, 40);
    shift(n, site, "庚", -10, -5);
    json_t *rep = duty(n, 0);
    char got[256];
    gaps_text(rep, got, sizeof got);
    assert_string_equal(got, "8-10 16-24");
    json_t *on = json_object_get(
        json_array_get(json_object_get(rep, "places"), 0), "on_duty");
    assert_int_equal(json_array_size(on), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(on, 0), "who")), "甲");
    json_decref(rep);
    /* At 2 h both 甲 and 乙 are on duty; a shift ending now is not. */
    rep = duty(n, 2);
    on = json_object_get(json_array_get(json_object_get(rep, "places"), 0),
                         "on_duty");
    assert_int_equal(json_array_size(on), 2);
    json_decref(rep);
    rep = duty(n, 16);
    gaps_text(rep, got, sizeof got);
    assert_string_equal(got, "16-30");
    json_decref(rep);
    hz_node_close(n);
}

static void a_place_with_no_shift_ahead_has_one_gap_of_a_day(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    assert_int_equal(
        unit_put(n, "shifts", NULL,
                 UNIT_FIELDS({"who", "甲"}, {"village", "东村"},
                             {"starts", "1717100000"}, {"ends", "1717110000"}),
                 NULL, NULL),
        0);
    json_t *rep = duty(n, 0);
    char got[64];
    gaps_text(rep, got, sizeof got);
    assert_string_equal(got, "0-24");
    json_t *p = json_array_get(json_object_get(rep, "places"), 0);
    assert_string_equal(json_string_value(json_object_get(p, "village")),
                        "东村");
    assert_int_equal(json_array_size(json_object_get(p, "on_duty")), 0);
    json_decref(rep);
    hz_node_close(n);
}

static void a_shift_written_here_ends_after_it_starts(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char id[33];
    assert_int_equal(
        unit_put(n, "shifts", NULL,
                 UNIT_FIELDS({"who", "甲"}, {"village", "东村"},
                             {"starts", "1717200000"}, {"ends", "1717210000"}),
                 id, NULL),
        0);
    int64_t before = unit_sql_int(n, "SELECT count(*) FROM log");
    /* No end, an end at the start, an edit ending it first, no place. */
    assert_int_equal(unit_put(n, "shifts", NULL,
                              UNIT_FIELDS({"who", "乙"}, {"village", "东村"},
                                          {"starts", "1717200000"}),
                              NULL, NULL),
                     HZ_EVALUE);
    assert_int_equal(
        unit_put(n, "shifts", NULL,
                 UNIT_FIELDS({"who", "乙"}, {"village", "东村"},
                             {"starts", "1717200000"}, {"ends", "1717200000"}),
                 NULL, NULL),
        HZ_EVALUE);
    assert_int_equal(unit_put(n, "shifts", id,
                              UNIT_FIELDS({"ends", "1717100000"}), NULL, NULL),
                     HZ_EVALUE);
    assert_int_equal(
        unit_put(n, "shifts", NULL,
                 UNIT_FIELDS({"who", "乙"}, {"starts", "1717200000"},
                             {"ends", "1717210000"}),
                 NULL, NULL),
        HZ_EVALUE);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log"), before);
    /* An edit of the note alone keeps the stored times and place. */
    assert_int_equal(
        unit_put(n, "shifts", id, UNIT_FIELDS({"role", "值班员"}), NULL, NULL),
        0);
    hz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gaps_are_what_no_shift_covers),
        cmocka_unit_test(a_place_with_no_shift_ahead_has_one_gap_of_a_day),
        cmocka_unit_test(a_shift_written_here_ends_after_it_starts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
