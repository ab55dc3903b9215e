/* test_vectors_clock.c - proto/vectors/clock.json: the clock
 * (proto/entry.md, "Clock").
 *
 * clock_next gives each next stated, clock_is_skewed each judgement, and
 * the skew limit is HZ_CLOCK_SKEW_MS_MAX. */
#include "vectors_common.h"

#include "core/clock.h"
#include "core/limits.h"

static void clock_vectors_match_clock_next(void **state)
{
    json_t *root = load(state, "clock.json");
    assert_int_equal(num(root, "skew_ms_max"), HZ_CLOCK_SKEW_MS_MAX);
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "next"), i, j)
    {
        assert_int_equal(clock_next((uint64_t)num(j, "wall_ms"),
                                    (uint64_t)num(j, "seen_max")),
                         (uint64_t)num(j, "next"));
    }
    json_array_foreach(json_object_get(root, "skew"), i, j)
    {
        assert_int_equal(clock_is_skewed((uint64_t)num(j, "clock"),
                                         (uint64_t)num(j, "wall_ms")),
                         json_is_true(json_object_get(j, "skewed")));
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_clock");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(clock_vectors_match_clock_next, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
