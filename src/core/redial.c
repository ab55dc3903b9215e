/* redial.c - see redial.h */
#include "redial.h"

void redial_init(struct redial *r, uint64_t now_ms)
{
    r->next_ms = now_ms;
    r->backoff_ms = HZ_REDIAL_MIN_MS / 2; /* doubled by the first failure */
    r->dialling = false;
}

bool redial_due(const struct redial *r, uint64_t now_ms)
{
    return !r->dialling && now_ms >= r->next_ms;
}

void redial_start(struct redial *r)
{
    r->dialling = true;
}

uint32_t redial_ended(struct redial *r, bool opened, uint64_t now_ms,
                      uint32_t draw)
{
    r->dialling = false;
    if (opened)
        r->backoff_ms = HZ_REDIAL_MIN_MS;
    else
        r->backoff_ms = r->backoff_ms >= HZ_REDIAL_MAX_MS / 2
                            ? HZ_REDIAL_MAX_MS
                            : r->backoff_ms * 2;
    /* 80 % of the wait, plus up to 40 % more by the draw. */
    uint64_t span = (uint64_t)r->backoff_ms * 2 / 5;
    uint32_t wait =
        r->backoff_ms * 4 / 5 + (uint32_t)(((uint64_t)draw * (span + 1)) >> 32);
    r->next_ms = now_ms + wait;
    return wait;
}
