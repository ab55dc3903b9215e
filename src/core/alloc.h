/* alloc.h - the core's allocator. Tests can make the Nth call fail to
 * check that every failure leaves state unchanged (STYLE 6). */
#ifndef HZ_ALLOC_H
#define HZ_ALLOC_H

#include <stddef.h>

void *hz_malloc(size_t size);
void *hz_calloc(size_t n, size_t size);
void hz_free(void *p);
/* Room for one more element in the array @v of *@cap elements of @size
 * bytes, @n of them used: when full, the capacity doubles (8 at first).
 * Returns the array (moved, perhaps), or NULL when out of memory or the
 * size would overflow, leaving @v and *@cap as they were. Free the array
 * with free() (or hz_free). */
void *hz_grow(void *v, size_t *cap, size_t n, size_t size);

/* Test hook: the @n-th allocation from now fails (0 disables). The
 * countdown is not shared safely between threads: arm it only around
 * calls that allocate on one thread (a bundle import decodes on a reader
 * thread too; HUZHU_TEST_IMPORT_NO_AHEAD keeps it on one). */
void hz_alloc_fail_after(unsigned long n);

#endif
