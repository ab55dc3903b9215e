/* test_clock.c - the bounded hybrid clock (clock.c, DECISIONS 8).
 *
 * A clock is (ms << 16) | counter. clock_next never goes below our wall
 * time, never beyond wall time plus HZ_CLOCK_SKEW_MS_MAX, and in between
 * follows the highest clock seen, so one Pi set to 2038 cannot drag the
 * mesh and a Pi booted in 1970 still orders its writes after what it saw
 * (as far as the bound allows). */
#include "lib/unit_env.h"

#include "core/clock.h"
#include "core/limits.h"

#define SKEW HZ_CLOCK_SKEW_MS_MAX

static uint64_t floor_of(uint64_t wall_ms)
{
    return wall_ms << 16;
}

static uint64_t ceiling_of(uint64_t wall_ms)
{
    return ((wall_ms + SKEW) << 16) | 0xffffu;
}

static void clock_next_starts_at_wall_time(void **state)
{
    (void)state;
    assert_int_equal(clock_next(UNIT_T0_MS, 0), floor_of(UNIT_T0_MS));
    /* Always past what was seen, even at the epoch. */
    assert_int_equal(clock_next(0, 0), 1);
    /* A seen clock behind our wall time does not hold us back. */
    assert_int_equal(clock_next(UNIT_T0_MS, floor_of(UNIT_T0_MS - 5000)),
                     floor_of(UNIT_T0_MS));
    assert_int_equal(clock_next(UNIT_T0_MS, floor_of(UNIT_T0_MS) - 1),
                     floor_of(UNIT_T0_MS));
}

static void clock_next_follows_a_seen_clock_within_the_skew(void **state)
{
    (void)state;
    uint64_t w = UNIT_T0_MS;
    uint64_t seen = floor_of(w) | 7;
    assert_int_equal(clock_next(w, seen), seen + 1);
    seen = floor_of(w + SKEW / 2) | 0x1234;
    assert_int_equal(clock_next(w, seen), seen + 1);
    /* Up to the last counter value under the bound. */
    seen = ceiling_of(w) - 1;
    assert_int_equal(clock_next(w, seen), ceiling_of(w));
}

static void clock_next_never_passes_wall_plus_skew(void **state)
{
    (void)state;
    uint64_t w = UNIT_T0_MS;
    /* A node whose clock says 2038. */
    uint64_t c = clock_next(w, floor_of(UNIT_T2038_MS));
    assert_int_equal(c, ceiling_of(w));
    assert_true(clock_ms(c) <= w + SKEW);
    /* At the ceiling the clock stays put rather than pass it. */
    assert_int_equal(clock_next(w, c), c);
    assert_int_equal(clock_next(w, UINT64_MAX >> 1), ceiling_of(w));
}

static void clock_next_from_1970_after_seeing_2038(void **state)
{
    (void)state;
    /* A Pi with no real-time clock boots at 0. */
    uint64_t c = clock_next(0, floor_of(UNIT_T2038_MS));
    assert_true(clock_ms(c) <= SKEW);
    assert_true(c >= floor_of(0));
}

static void clock_next_property_over_random_inputs(void **state)
{
    (void)state;
    uint64_t s = 0xc10c;
    for (int iter = 0; iter < 100000; iter++) {
        uint64_t w = unit_rand(&s) % (UNIT_T2038_MS * 2);
        uint64_t seen;
        switch (unit_rand(&s) % 3) {
        case 0: /* anywhere */
            seen = unit_rand(&s) >> 1;
            break;
        case 1: /* near our floor */
            seen = floor_of(w) + unit_rand(&s) % (1u << 20) - (1u << 19);
            break;
        default: /* near our ceiling */
            seen = ceiling_of(w) + unit_rand(&s) % (1u << 20) - (1u << 19);
            break;
        }
        uint64_t c = clock_next(w, seen);
        assert_true(c >= floor_of(w));
        assert_true(clock_ms(c) <= w + SKEW);
        assert_true(c <= (uint64_t)INT64_MAX);
        if (seen >= floor_of(w) && seen < ceiling_of(w))
            assert_int_equal(c, seen + 1);
        if (seen < floor_of(w))
            assert_int_equal(c, floor_of(w));
    }
}

static void clock_next_is_monotonic_for_repeated_writes(void **state)
{
    (void)state;
    uint64_t w = UNIT_T0_MS, c = 0;
    for (int i = 0; i < 70000; i++) {
        uint64_t next = clock_next(w, c);
        assert_true(next > c);
        c = next;
    }
    /* 70000 writes in one millisecond carried into the next ms. */
    assert_int_equal(clock_ms(c), w + 1);
}

static void clock_next_stays_in_63_bits_for_absurd_wall_times(void **state)
{
    (void)state;
    uint64_t walls[] = {UINT64_MAX, UINT64_MAX >> 16, (UINT64_C(1) << 47),
                        (UINT64_C(1) << 47) - 1};
    for (size_t i = 0; i < sizeof walls / sizeof walls[0]; i++) {
        assert_true(clock_next(walls[i], 0) <= (uint64_t)INT64_MAX);
        assert_true(clock_next(walls[i], UINT64_MAX) <= (uint64_t)INT64_MAX);
        assert_true(clock_next(walls[i], INT64_MAX) <= (uint64_t)INT64_MAX);
    }
}

static void clock_is_skewed_both_ways_beyond_the_limit(void **state)
{
    (void)state;
    uint64_t w = UNIT_T0_MS;
    assert_false(clock_is_skewed(floor_of(w), w));
    assert_false(clock_is_skewed(floor_of(w + SKEW) | 0xffff, w));
    assert_true(clock_is_skewed(floor_of(w + SKEW + 1), w));
    assert_false(clock_is_skewed(floor_of(w - SKEW), w));
    assert_true(clock_is_skewed(floor_of(w - SKEW - 1) | 0xffff, w));
    assert_true(clock_is_skewed(floor_of(UNIT_T2038_MS), w));
    assert_true(clock_is_skewed(floor_of(w), 0));
    assert_true(clock_is_skewed(0, w));
    assert_false(clock_is_skewed(0, 0));
    /* What clock_next produces is never skewed for its own wall time. */
    assert_false(clock_is_skewed(clock_next(w, floor_of(UNIT_T2038_MS)), w));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(clock_next_starts_at_wall_time),
        cmocka_unit_test(clock_next_follows_a_seen_clock_within_the_skew),
        cmocka_unit_test(clock_next_never_passes_wall_plus_skew),
        cmocka_unit_test(clock_next_from_1970_after_seeing_2038),
        cmocka_unit_test(clock_next_property_over_random_inputs),
        cmocka_unit_test(clock_next_is_monotonic_for_repeated_writes),
        cmocka_unit_test(clock_next_stays_in_63_bits_for_absurd_wall_times),
        cmocka_unit_test(clock_is_skewed_both_ways_beyond_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
