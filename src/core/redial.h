/* redial.h - when a node dials a device again: a configured peer (huzhu
 * peer add) or a member heard by its beacon (proto/discovery.md).
 *
 * After a session ends the device is due again HZ_REDIAL_MIN_MS later;
 * after a dial that opened no session the wait doubles, up to
 * HZ_REDIAL_MAX_MS, and goes back to the least once a session opens.
 * Each wait is drawn from 80 % to 120 % of it, so nodes that lost a link
 * together do not all dial together when it returns. Pure: the time and
 * the random draw come in as arguments (STYLE 1). */
#ifndef HZ_REDIAL_H
#define HZ_REDIAL_H

#include <stdbool.h>
#include <stdint.h>

#define HZ_REDIAL_MIN_MS 1000u
#define HZ_REDIAL_MAX_MS 60000u

struct redial {
    uint64_t next_ms;    /* due from then */
    uint32_t backoff_ms; /* the wait drawn around after the next end */
    bool dialling;       /* a dial or its session is under way */
};

/* A device just learnt of: due at @now_ms; its first failure waits
 * HZ_REDIAL_MIN_MS. */
void redial_init(struct redial *r, uint64_t now_ms);

/* Due at @now_ms: not being dialled, and its wait is over. */
bool redial_due(const struct redial *r, uint64_t now_ms);

/* A dial to it starts. */
void redial_start(struct redial *r);

/* Its dial or session ended at @now_ms; @opened when a session opened.
 * @draw is uniform in [0, 2^32): where in 80-120 % the wait falls. The
 * wait, in ms (the device is due at @now_ms plus it). */
uint32_t redial_ended(struct redial *r, bool opened, uint64_t now_ms,
                      uint32_t draw);

#endif
