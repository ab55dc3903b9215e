/* clock.c - the bounded hybrid clock (clock.h; proto/entry.md, "Clock"). */
#include "clock.h"

#include "limits.h"

#define CLOCK_MS_MAX ((UINT64_C(1) << 47) - 1) /* keeps clocks <= 2^63-1 */

uint64_t clock_next(uint64_t wall_ms, uint64_t seen_max)
{
    if (wall_ms > CLOCK_MS_MAX - HZ_CLOCK_SKEW_MS_MAX)
        wall_ms = CLOCK_MS_MAX - HZ_CLOCK_SKEW_MS_MAX;
    uint64_t floor = wall_ms << 16;
    uint64_t ceiling = ((wall_ms + HZ_CLOCK_SKEW_MS_MAX) << 16) | 0xffffu;
    uint64_t follow = seen_max < ceiling ? seen_max + 1 : ceiling;
    return follow > floor ? follow : floor;
}

bool clock_is_skewed(uint64_t clock, uint64_t wall_ms)
{
    uint64_t ms = clock >> 16;
    uint64_t d = ms > wall_ms ? ms - wall_ms : wall_ms - ms;
    return d > HZ_CLOCK_SKEW_MS_MAX;
}
