/* hash_form.h - the form of a state hash, checked before two are
 * compared (issue 19).
 *
 * huzhu prints a state hash as exactly 64 lowercase hex digits (DECISIONS
 * 12, 24; proto/state-hash.md). A test that only compares hashes between
 * nodes would pass a node that computes a wrong hash everywhere (empty,
 * cut short, upper case), so every such comparison checks the form first,
 * here (C) and in tests/lib/hz_test.py (Python). */
#ifndef HZ_TEST_HASH_FORM_H
#define HZ_TEST_HASH_FORM_H

#include <stdbool.h>
#include <stddef.h>

#define HZ_TEST_HASH_HEX 64

/* True when @h holds 64 lowercase hex digits and its terminating NUL
 * (reads at most 65 bytes: the size of a hash buffer). */
static inline bool hz_test_hash_form_ok(const char *h)
{
    for (size_t i = 0; i < HZ_TEST_HASH_HEX; i++) {
        if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
            return false;
    }
    return h[HZ_TEST_HASH_HEX] == '\0';
}

#endif
