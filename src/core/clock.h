/* clock.h - the bounded hybrid clock that orders concurrent writes.
 *
 * A clock value is (milliseconds since the Unix epoch << 16) | counter
 * (proto/entry.md, "Clock"). Causality is recorded by the writes
 * themselves (a write names the heads it supersedes); this clock only
 * breaks ties between writes that never saw each other. It follows other
 * nodes' clocks, but never beyond our own wall time plus
 * HZ_CLOCK_SKEW_MS_MAX, so one Pi set to 2038 cannot drag the mesh
 * (DECISIONS 8). Pure: the wall time comes in as an argument. */
#ifndef HZ_CLOCK_H
#define HZ_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* The clock for our next entry, given our wall time and the highest clock
 * among the entries we hold (ours and others'). Never below our wall time,
 * never above wall time plus the skew limit. */
uint64_t clock_next(uint64_t wall_ms, uint64_t seen_max);

/* True when @clock is further than the skew limit from @wall_ms, either
 * way: its author is flagged (a local observation, never in the state). */
bool clock_is_skewed(uint64_t clock, uint64_t wall_ms);

#endif
