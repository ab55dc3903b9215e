/* bench_util.h - what the benchmark programs (bench_search.c,
 * bench_needs.c) share: a seeded draw, the monotonic clock in ms, an
 * order of doubles for qsort, and stopping with a message. Header-only,
 * static: each program is one file and links none of the others. */
#ifndef HZ_BENCH_UTIL_H
#define HZ_BENCH_UTIL_H

#include "huzhu/node.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* A number below @n from the xorshift state *@s (not 0). */
static inline uint32_t bench_below(uint64_t *s, uint32_t n)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)(*s % n);
}

/* "@prog: @what: @err's message" on stderr, then exit 1. */
static inline void bench_die(const char *prog, const char *what,
                             const struct hz_err *err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, err != NULL ? err->msg : "");
    exit(1);
}

static inline double bench_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#endif
