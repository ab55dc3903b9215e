/* test_care.c - outbreak clues read from the state (state/care.c;
 * proto/schema.md, "Care and health"): K or more distinct persons with
 * fever (a temperature of 37.3 or more, or the symptom fever) or with
 * one other symptom at one site within (T - W, T]; the window's two
 * edges, a person checked twice or as a merged duplicate counted once,
 * a corrected check not counted, another site apart, and the bounds of
 * K and W. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1717200000)
#define H INT64_C(3600)

static hz_node *node(struct unit_env *env)
{
    unit_env_init(env, 9, UNIT_T0_MS);
    return unit_node_memory(1, env);
}

/* A check of @person at @site at T0 + @at seconds with @temp (NULL:
 * none) and @symptoms (NULL: none); its id into @id (33 bytes, may be
 * NULL). */
static void check(hz_node *n, const char *site, const char *person, int64_t at,
                  const char *temp, const char *symptoms, char *id)
{
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)(T0 + at));
    struct hz_field f[4] = {
        {"person", person}, {"site", site}, {"time", t}, {NULL, NULL}};
    size_t nf = 3;
    if (temp != NULL)
        f[nf++] = (struct hz_field){"temperature", temp};
    struct hz_field g[5];
    memcpy(g, f, sizeof f);
    if (symptoms != NULL)
        g[nf++] = (struct hz_field){"symptoms", symptoms};
    assert_int_equal(unit_put(n, "health_checks", NULL, nf, g, id, NULL), 0);
}

/* The clues as at T0 + @at with threshold @k and window @w hours (0:
 * the defaults) as "site-index:kind:persons" joined by spaces, the site
 * index into @sites. Returns hz_node_report's result. */
static int clues(hz_node *n, int64_t at, int64_t k, int64_t w, char sites[][33],
                 char *out, size_t len)
{
    struct hz_report_opts o = {
        .now = T0 + at, .outbreak_k = k, .outbreak_window_h = w};
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_report(n, "outbreaks", &o, &text, &err);
    out[0] = '\0';
    if (rv != 0)
        return rv;
    json_t *v = json_loads(text, 0, NULL);
    hz_free_string(text);
    assert_non_null(v);
    size_t o2 = 0, i;
    json_t *c;
    json_array_foreach(json_object_get(v, "clues"), i, c)
    {
        const char *site = json_string_value(json_object_get(c, "site"));
        int idx = strcmp(site, sites[0]) == 0 ? 0 : 1;
        o2 += (size_t)snprintf(
            out + o2, len - o2, "%s%d:%s:%lld", i ? " " : "", idx,
            json_string_value(json_object_get(c, "kind")),
            (long long)json_integer_value(json_object_get(c, "persons")));
        assert_true(o2 < len);
        /* Without o.health: no list of persons. */
        assert_null(json_object_get(c, "list"));
    }
    json_decref(v);
    return 0;
}

static void clues_at_k_within_the_window(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char sites[2][33], p[6][33], hh[33];
    for (int i = 0; i < 2; i++)
        assert_int_equal(unit_put(n, "sites", NULL,
                                  UNIT_FIELDS({"name", i ? "乙" : "甲"}),
                                  sites[i], NULL),
                         0);
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"head_name", "测试"}), hh, NULL),
                     0);
    for (int i = 0; i < 6; i++)
        assert_int_equal(unit_put(n, "persons", NULL,
                                  UNIT_FIELDS({"household", hh}), p[i], NULL),
                         0);
    /* p5 is p0's duplicate. */
    assert_int_equal(unit_put(n, "persons", p[5],
                              UNIT_FIELDS({"merged_into", p[0]}), NULL, NULL),
                     0);
    /* At site 0: p0 twice and its duplicate once, all with fever, one
     * with cough; p1 at exactly 37.3; p2 at 37.2 (no fever) with cough;
     * p3 with the symptom fever 48 h - 10 s before T0; p4 with cough and
     * rash. At site 1: p2 with fever. */
    check(n, sites[0], p[0], 0, "38.5", NULL, NULL);
    check(n, sites[0], p[0], 60, NULL, "fever,cough", NULL);
    check(n, sites[0], p[5], 120, "39", NULL, NULL);
    check(n, sites[0], p[1], 180, "37.3", NULL, NULL);
    check(n, sites[0], p[2], 240, "37.2", "cough", NULL);
    check(n, sites[1], p[2], 240, "39.5", NULL, NULL);
    check(n, sites[0], p[3], -48 * H + 10, NULL, "fever", NULL);
    check(n, sites[0], p[4], 300, NULL, "cough,rash", NULL);
    char got[256];
    /* The window is (T - 48 h, T]. At T0 + 9 it holds p3's check (at
     * T - 48 h + 1) and p0's first: fever, 2 persons. */
    assert_int_equal(clues(n, 9, 2, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:fever:2");
    /* At T0 + 10 p3's check is at T - 48 h exactly: outside. */
    assert_int_equal(clues(n, 10, 2, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "");
    /* A check at T exactly is inside; one a second later is not. */
    assert_int_equal(clues(n, 0, 2, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:fever:2");
    assert_int_equal(clues(n, -1, 2, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "");
    /* At T0 + 300: fever p0 (three checks, one of them as its
     * duplicate p5: one person) and p1 at 37.3; cough p0, p2, p4; rash
     * p4; site 1 apart. K = 3: cough only. */
    assert_int_equal(clues(n, 300, 0, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:cough:3");
    /* K = 2: both, the latest last check first. */
    assert_int_equal(clues(n, 300, 2, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:cough:3 0:fever:2");
    /* A window of 1 hour at T0 + 300 holds the same checks. */
    assert_int_equal(clues(n, 300, 3, 1, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:cough:3");
    /* At T0 + 3600 + 60 a window of 1 hour has lost p0's first checks
     * (at T0 and T0 + 60) but not its duplicate's: cough p2, p4 only. */
    assert_int_equal(clues(n, H + 60, 2, 1, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:cough:2 0:fever:2");
    /* K = 3 for fever: a third person within the window raises it. */
    check(n, sites[0], p[4], 360, "37.9", NULL, NULL);
    assert_int_equal(clues(n, 360, 3, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:fever:3 0:cough:3");
    /* Bounds of K and W. */
    assert_int_equal(clues(n, 0, 1, 0, sites, got, sizeof got), HZ_EINVAL);
    assert_int_equal(clues(n, 0, 1001, 0, sites, got, sizeof got), HZ_EINVAL);
    assert_int_equal(clues(n, 0, 3, 721, sites, got, sizeof got), HZ_EINVAL);
    assert_int_equal(clues(n, 0, 3, -1, sites, got, sizeof got), HZ_EINVAL);
    hz_node_close(n);
}

static void a_corrected_check_does_not_count(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(&env);
    char sites[2][33], p[3][33], wrong[33];
    assert_int_equal(
        unit_put(n, "sites", NULL, UNIT_FIELDS({"name", "甲"}), sites[0], NULL),
        0);
    memcpy(sites[1], sites[0], sizeof sites[0]);
    for (int i = 0; i < 3; i++)
        assert_int_equal(unit_put(n, "persons", NULL,
                                  UNIT_FIELDS({"name", "测试"}), p[i], NULL),
                         0);
    check(n, sites[0], p[0], 0, "38", NULL, NULL);
    check(n, sites[0], p[1], 0, "38", NULL, NULL);
    check(n, sites[0], p[2], 0, "38", NULL, wrong);
    char got[256];
    assert_int_equal(clues(n, 0, 3, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "0:fever:3");
    char t[24];
    snprintf(t, sizeof t, "%lld", (long long)T0);
    assert_int_equal(unit_put(n, "health_checks", NULL,
                              UNIT_FIELDS({"person", p[2]}, {"site", sites[0]},
                                          {"time", t}, {"reverses", wrong}),
                              NULL, NULL),
                     0);
    assert_int_equal(clues(n, 0, 3, 0, sites, got, sizeof got), 0);
    assert_string_equal(got, "");
    hz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clues_at_k_within_the_window),
        cmocka_unit_test(a_corrected_check_does_not_count),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
