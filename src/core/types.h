/* types.h - sizes and small value types shared by the core.
 * Sizes are fixed by proto/entry.md. */
#ifndef HZ_TYPES_H
#define HZ_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HZ_NET_LEN 16u  /* network id */
#define HZ_KEY_LEN 32u  /* Ed25519 public key: an author */
#define HZ_HASH_LEN 32u /* BLAKE2b-256: entry id, previous hash */
#define HZ_SIG_LEN 64u  /* Ed25519 signature */
#define HZ_ROW_LEN 16u  /* random row id */

/* A borrowed view into a buffer someone else owns. */
struct hz_bytes {
    const uint8_t *p;
    size_t len;
};

/* A scalar field value as it travels in an operation. */
enum value_type {
    VALUE_NIL = 0,
    VALUE_BOOL,
    VALUE_INT,
    VALUE_REAL,
    VALUE_STR,
    VALUE_BIN,
};

struct value {
    enum value_type type;
    bool b;
    int64_t i;
    double r;
    struct hz_bytes s; /* STR or BIN: borrowed */
};

#endif
