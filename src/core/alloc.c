/* alloc.c - hz_malloc and friends, with a failure countdown for tests.
 * The countdown is the one piece of process-wide mutable state in the
 * core; it exists only to drive fault-injection tests. */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>

static unsigned long fail_countdown;

void hz_alloc_fail_after(unsigned long n)
{
    fail_countdown = n;
}

static int should_fail(void)
{
    if (fail_countdown == 0)
        return 0;
    return --fail_countdown == 0;
}

void *hz_malloc(size_t size)
{
    if (should_fail())
        return NULL;
    return malloc(size == 0 ? 1 : size);
}

void *hz_calloc(size_t n, size_t size)
{
    if (should_fail())
        return NULL;
    return calloc(n == 0 ? 1 : n, size == 0 ? 1 : size);
}

void hz_free(void *p)
{
    free(p);
}

void *hz_grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t more = *cap ? 2 * *cap : 8;
    if (size == 0 || more > SIZE_MAX / size || should_fail())
        return NULL;
    void *p = realloc(v, more * size);
    if (p != NULL)
        *cap = more;
    return p;
}
