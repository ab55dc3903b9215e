/* alloc.h - the core's allocator. Tests can make the Nth call fail to
 * check that every failure leaves state unchanged (STYLE 6). */
#ifndef HZ_ALLOC_H
#define HZ_ALLOC_H

#include <stddef.h>

void *hz_malloc(size_t size);
void *hz_calloc(size_t n, size_t size);
void hz_free(void *p);

/* Test hook: the @n-th allocation from now fails (0 disables). */
void hz_alloc_fail_after(unsigned long n);

#endif
