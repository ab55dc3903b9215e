/* mpscan.h - the allocation-free pre-scan run before msgpack-c unpacks.
 *
 * msgpack-c 4.0 (Debian 12) reserves memory for the element counts a
 * message declares before it has seen the elements: six bytes declaring an
 * array of 2^32-1 elements ask for gigabytes. mpscan_check() walks a
 * complete, length-prefixed buffer once, without allocating, and refuses
 * anything whose declarations the bytes cannot back (DECISIONS 21). It
 * follows msgpack's own format spec; it is a bounds check, not a parser:
 * decoding stays with msgpack-c. */
#ifndef HZ_MPSCAN_H
#define HZ_MPSCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Deepest nesting mpscan can track. A depth_max above it is treated as
 * MPSCAN_DEPTH_CAP. Note that msgpack-c 4.0 itself refuses nesting deeper
 * than 32 (MSGPACK_EMBED_STACK_SIZE), so a depth_max above 32 lets through
 * objects that msgpack_unpack_next will then reject (safely). */
#define MPSCAN_DEPTH_CAP 64u

/* Why mpscan_check() refused a buffer. All negative; 0 means accepted. */
enum mpscan_err {
    MPSCAN_ETRUNC = -1,   /* the input ends inside the object */
    MPSCAN_EDEPTH = -2,   /* containers nested deeper than depth_max */
    MPSCAN_ELEN = -3,     /* a str, bin or ext length is too long */
    MPSCAN_EELEMS = -4,   /* more elements declared than can fit or allowed */
    MPSCAN_ETRAIL = -5,   /* bytes after the object */
    MPSCAN_EBADBYTE = -6, /* 0xc1, the byte msgpack never uses */
};

/* Limits for one scan. Each is inclusive: a value equal to the limit passes.
 * @depth_max:   containers that may enclose one another; a top-level array
 *               or map is depth 1, so 0 allows scalars only. Empty
 *               containers count. Values above MPSCAN_DEPTH_CAP are clamped.
 * @str_len_max: bytes in one str.
 * @bin_len_max: bytes in one bin. (ext payloads are bounded only by the
 *               bytes left.)
 * @elems_max:   elements declared by all containers of the object
 *               together; a map entry counts two (key and value), the
 *               top-level object itself does not count. */
struct mpscan_limits {
    size_t depth_max;
    size_t str_len_max;
    size_t bin_len_max;
    size_t elems_max;
};

/* Check that buf[0..len) holds exactly one complete msgpack object, with
 * no trailing bytes, that is safe to give msgpack_unpack_next: after a 0,
 * every element any container declares is present in the buffer, so
 * msgpack-c reserves at most one msgpack_object (or kv pair) per input
 * byte. @buf is borrowed for the call and may be NULL when @len is 0;
 * @lim is borrowed for the call and must not be NULL. Reads no byte at or
 * past buf + len, allocates nothing, uses no recursion.
 *
 * Returns 0, or the first of these problems met reading from the front:
 *   MPSCAN_ETRUNC    the input ends inside the object (also for len 0);
 *   MPSCAN_EDEPTH    a container would be nested deeper than depth_max;
 *   MPSCAN_ELEN      a str longer than str_len_max, a bin longer than
 *                    bin_len_max, or any str/bin/ext length exceeding the
 *                    bytes left;
 *   MPSCAN_EELEMS    after a container header, the elements still owed
 *                    across all open containers (a map entry counts two)
 *                    exceed the bytes left, or the elements declared so
 *                    far exceed elems_max;
 *   MPSCAN_ETRAIL    a complete object is followed by more bytes;
 *   MPSCAN_EBADBYTE  an element starts with 0xc1. */
int mpscan_check(const uint8_t *buf, size_t len,
                 const struct mpscan_limits *lim);

/* mpscan_check(), and in the same walk whether every element takes the
 * one form huzhu writes (proto/entry.md, "Canonical msgpack": the
 * shortest form of each integer, length and count; unsigned forms for
 * non-negative integers; float64 only and never -0.0; no maps, no ext)
 * into *@canonical (meaningful when it returns 0). @canonical may be
 * NULL. What the rules say of the values themselves
 * (text that is UTF-8, no NaN) stays with the decoder: with those, bytes
 * that decode and pass here are the canonical encoding of what they hold,
 * and no other bytes are (what a re-encode and compare would find). */
int mpscan_check_canonical(const uint8_t *buf, size_t len,
                           const struct mpscan_limits *lim, bool *canonical);

#endif
