/* assert.c - what happens when one of our own invariants fails: stop,
 * before wrong state is written. abort() is the one way out of the core
 * that is not a return code; it is not I/O the core performs on data. */
#include "error_int.h"

#include <stdlib.h>

void hz_assert_fail(const char *expr, const char *file, int line)
{
    (void)expr;
    (void)file;
    (void)line;
    abort();
}
