/* gen_clock.c - proto/vectors/clock.json: the clock (proto/entry.md,
 * "Clock").
 *
 * clock_next for wall times and clocks seen (counters, a clock ahead
 * within and beyond the skew, a Pi in 1970, the end of the range), and
 * clock_is_skewed at and past HZ_CLOCK_SKEW_MS_MAX. */
#include "gen_common.h"

#include "core/clock.h"
#include "core/limits.h"

json_t *gen_clock(struct gen *g)
{
    static const struct {
        uint64_t wall, seen;
        const char *why;
    } cases[] = {
        {T0_MS, 0, "nothing seen: our wall time, counter 0"},
        {T0_MS, T0_MS << 16, "seen our own wall time: the counter moves"},
        {T0_MS, (T0_MS << 16) | 0x1234, "follows the highest clock seen"},
        {T0_MS, (T0_MS - 1000) << 16, "a clock seen in the past: wall time"},
        {T0_MS, (T0_MS + 60000) << 16,
         "a clock one minute ahead: followed (within the skew)"},
        {T0_MS, (T0_MS + 3600000) << 16,
         "a clock one hour ahead: capped at wall + skew, counter 0xffff"},
        {T1970_MS, (T0_MS << 16) | 7,
         "a Pi booted in 1970 that has seen 2024: wall + skew, not 2024"},
        {(UINT64_C(1) << 47) - 1, 0,
         "a wall time at the end of the range: clamped so the clock stays "
         "below 2^63"},
    };
    json_t *arr = json_array();
    for (size_t i = 0; i < N(cases); i++) {
        json_t *j = json_object();
        json_object_set_new(j, "wall_ms",
                            json_integer((json_int_t)cases[i].wall));
        json_object_set_new(j, "seen_max",
                            json_integer((json_int_t)cases[i].seen));
        json_object_set_new(
            j, "next",
            json_integer((json_int_t)clock_next(cases[i].wall, cases[i].seen)));
        json_object_set_new(j, "why", json_string(cases[i].why));
        json_array_append_new(arr, j);
    }
    static const struct {
        uint64_t clock, wall;
    } skew[] = {
        {T0_MS << 16, T0_MS},
        {(T0_MS + HZ_CLOCK_SKEW_MS_MAX) << 16, T0_MS},
        {((T0_MS + HZ_CLOCK_SKEW_MS_MAX + 1) << 16), T0_MS},
        {(T0_MS - HZ_CLOCK_SKEW_MS_MAX - 1) << 16, T0_MS},
        {T1970_MS << 16, T0_MS},
    };
    json_t *sk = json_array();
    for (size_t i = 0; i < N(skew); i++) {
        json_t *j = json_object();
        json_object_set_new(j, "clock",
                            json_integer((json_int_t)skew[i].clock));
        json_object_set_new(j, "wall_ms",
                            json_integer((json_int_t)skew[i].wall));
        json_object_set_new(
            j, "skewed",
            json_boolean(clock_is_skewed(skew[i].clock, skew[i].wall)));
        json_array_append_new(sk, j);
    }
    json_t *root = file_root(
        "The clock (proto/entry.md, \"Clock\"): clock = ms << 16 | counter. "
        "next = clock_next(wall_ms, seen_max); skewed = the entry's "
        "millisecond part is more than skew_ms_max from our wall time.");
    json_object_set_new(root, "skew_ms_max",
                        json_integer((json_int_t)HZ_CLOCK_SKEW_MS_MAX));
    json_object_set_new(root, "next", arr);
    json_object_set_new(root, "skew", sk);
    (void)g;
    return root;
}
