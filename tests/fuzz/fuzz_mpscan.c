/* fuzz_mpscan.c - libFuzzer target: the allocation-free msgpack pre-scan
 * (core/mpscan.h) against msgpack-c itself.
 *
 * Input: four limit bytes, then the buffer to scan.
 *   byte 0  depth_max: 0..40 (byte % 41) below 128, the byte itself above
 *           (values past MPSCAN_DEPTH_CAP check the clamp)
 *   byte 1  str_len_max: the byte, or unlimited for 255
 *   byte 2  bin_len_max: the byte, or unlimited for 255
 *   byte 3  elems_max:   the byte, or unlimited for 255
 * The buffer is scanned twice: with those limits, and with the widest
 * limits msgpack-c can follow (depth 32, everything else unlimited).
 * Properties:
 *   - mpscan never reads outside the buffer (ASan) and returns 0 or one of
 *     its enum codes;
 *   - accepted under the widest limits => msgpack_unpack_next unpacks the
 *     whole buffer, allocating at most a bounded multiple of its length
 *     (the DECISIONS 21 guarantee, measured with the allocator hooks);
 *   - and then the scan under the input's limits accepts exactly when the
 *     unpacked object fits them (depth, str and bin lengths, elements);
 *   - tighter limits never accept what the widest refuse;
 *   - and then mpscan_check_canonical calls it canonical exactly when
 *     msgpack-c's packer writes the unpacked object back as the same
 *     bytes and it holds no map, ext, float32 or -0.0 (proto/entry.md);
 *   - MPSCAN_ETRAIL => msgpack-c unpacks a shorter prefix, which mpscan
 *     accepts; MPSCAN_ETRUNC => msgpack-c asks for more bytes or refuses
 *     the buffer, and never returns an object. */
#include "fuzz_util.h"

#include "core/mpscan.h"

#include <math.h>
#include <msgpack.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Provided by the sanitizer runtimes; absent in a build without them. */
int __sanitizer_install_malloc_and_free_hooks(
    void (*malloc_hook)(const volatile void *, size_t),
    void (*free_hook)(const volatile void *)) __attribute__((weak));

/* msgpack-c's own nesting limit (MSGPACK_EMBED_STACK_SIZE). */
#define MSGPACK_DEPTH 32u

static int counting;
static size_t allocated;

static void on_malloc(const volatile void *p, size_t size)
{
    (void)p;
    if (counting)
        allocated += size;
}

static void on_free(const volatile void *p)
{
    (void)p;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (__sanitizer_install_malloc_and_free_hooks != NULL)
        __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
    return 0;
}

static const struct mpscan_limits widest = {
    .depth_max = MSGPACK_DEPTH,
    .str_len_max = SIZE_MAX,
    .bin_len_max = SIZE_MAX,
    .elems_max = SIZE_MAX,
};

/* What an unpacked object needs from the limits. */
struct needs {
    size_t depth;
    size_t str_len;
    size_t bin_len;
    size_t elems;
};

static void measure(const msgpack_object *o, size_t depth, struct needs *n)
{
    switch (o->type) {
    case MSGPACK_OBJECT_STR:
        if (o->via.str.size > n->str_len)
            n->str_len = o->via.str.size;
        return;
    case MSGPACK_OBJECT_BIN:
        if (o->via.bin.size > n->bin_len)
            n->bin_len = o->via.bin.size;
        return;
    case MSGPACK_OBJECT_ARRAY:
        /* Empty containers count towards depth (mpscan.h). */
        if (depth + 1 > n->depth)
            n->depth = depth + 1;
        n->elems += o->via.array.size;
        for (uint32_t i = 0; i < o->via.array.size; i++)
            measure(&o->via.array.ptr[i], depth + 1, n);
        return;
    case MSGPACK_OBJECT_MAP:
        if (depth + 1 > n->depth)
            n->depth = depth + 1;
        n->elems += 2 * (size_t)o->via.map.size;
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            measure(&o->via.map.ptr[i].key, depth + 1, n);
            measure(&o->via.map.ptr[i].val, depth + 1, n);
        }
        return;
    default:
        return;
    }
}

static size_t limit_of(uint8_t b)
{
    return b == 255 ? SIZE_MAX : b;
}

static int fits(const struct needs *n, const struct mpscan_limits *lim)
{
    size_t depth_max =
        lim->depth_max < MPSCAN_DEPTH_CAP ? lim->depth_max : MPSCAN_DEPTH_CAP;
    return n->depth <= depth_max && n->str_len <= lim->str_len_max &&
           n->bin_len <= lim->bin_len_max && n->elems <= lim->elems_max;
}

/* Unpack with msgpack-c, counting what it allocates. Only called on
 * buffers mpscan has vouched for (or on their accepted prefix). */
static msgpack_unpack_return unpack(msgpack_unpacked *u, const uint8_t *p,
                                    size_t len, size_t *off)
{
    msgpack_unpacked_init(u);
    *off = 0;
    allocated = 0;
    counting = 1;
    msgpack_unpack_return r = msgpack_unpack_next(u, (const char *)p, len, off);
    counting = 0;
    /* Every declared element is backed by a byte: at most one object (24
     * bytes) or kv pair (48 bytes for two bytes) per input byte, and the
     * zone rounds chunks up to at most twice a request or its 8 KiB chunk
     * size. */
    FUZZ_CHECK(allocated <= 64 * len + 64 * 1024);
    return r;
}

/* A map, an ext, a float32 or a -0.0 anywhere in @o: what huzhu never
 * writes, though msgpack-c's packer does. */
static bool never_written(const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_MAP:
    case MSGPACK_OBJECT_EXT:
    case MSGPACK_OBJECT_FLOAT32:
        return true;
    case MSGPACK_OBJECT_FLOAT64:
        return o->via.f64 == 0.0 && signbit(o->via.f64);
    case MSGPACK_OBJECT_ARRAY:
        for (uint32_t i = 0; i < o->via.array.size; i++)
            if (never_written(&o->via.array.ptr[i]))
                return true;
        return false;
    default:
        return false;
    }
}

/* The canonical verdict against msgpack-c's packer. */
static void check_canonical(const msgpack_object *o, const uint8_t *p,
                            size_t len)
{
    bool canonical = false;
    FUZZ_CHECK(mpscan_check_canonical(p, len, &widest, &canonical) == 0);
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    FUZZ_CHECK(msgpack_pack_object(&pk, *o) == 0);
    bool packers = sb.size == len && memcmp(sb.data, p, len) == 0;
    FUZZ_CHECK(canonical == (packers && !never_written(o)));
    msgpack_sbuffer_destroy(&sb);
}

static void check_accepted(const uint8_t *p, size_t len, int r_lim,
                           const struct mpscan_limits *lim)
{
    msgpack_unpacked u;
    size_t off;
    msgpack_unpack_return r = unpack(&u, p, len, &off);
    FUZZ_CHECK(r == MSGPACK_UNPACK_SUCCESS);
    FUZZ_CHECK(off == len);
    struct needs n = {0};
    measure(&u.data, 0, &n);
    FUZZ_CHECK(n.depth <= MSGPACK_DEPTH);
    FUZZ_CHECK((r_lim == 0) == fits(&n, lim));
    check_canonical(&u.data, p, len);
    msgpack_unpacked_destroy(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 4)
        return 0;
    struct mpscan_limits lim = {
        .depth_max = data[0] < 128 ? data[0] % 41u : data[0],
        .str_len_max = limit_of(data[1]),
        .bin_len_max = limit_of(data[2]),
        .elems_max = limit_of(data[3]),
    };
    /* The buffer ends where the input ends, so ASan sees any overread. */
    const uint8_t *p = data + 4;
    size_t len = size - 4;

    int r_lim = mpscan_check(p, len, &lim);
    int r_max = mpscan_check(p, len, &widest);
    FUZZ_CHECK(r_lim <= 0 && r_lim >= MPSCAN_EBADBYTE);
    FUZZ_CHECK(r_max <= 0 && r_max >= MPSCAN_EBADBYTE);
    if (r_lim == 0 && lim.depth_max <= MSGPACK_DEPTH)
        FUZZ_CHECK(r_max == 0);

    msgpack_unpacked u;
    size_t off;
    msgpack_unpack_return r;
    switch (r_max) {
    case 0:
        check_accepted(p, len, r_lim, &lim);
        break;
    case MPSCAN_ETRAIL:
        r = unpack(&u, p, len, &off);
        FUZZ_CHECK(r == MSGPACK_UNPACK_EXTRA_BYTES ||
                   r == MSGPACK_UNPACK_SUCCESS);
        FUZZ_CHECK(off > 0 && off < len);
        msgpack_unpacked_destroy(&u);
        FUZZ_CHECK(mpscan_check(p, off, &widest) == 0);
        break;
    case MPSCAN_ETRUNC:
        /* msgpack-c asks for more bytes, or refuses a header it cannot
         * follow (ext 32 of 2^32-1 bytes: its length + 1 wraps). */
        r = unpack(&u, p, len, &off);
        FUZZ_CHECK(r == MSGPACK_UNPACK_CONTINUE ||
                   r == MSGPACK_UNPACK_PARSE_ERROR);
        msgpack_unpacked_destroy(&u);
        break;
    case MPSCAN_EDEPTH:
        /* Deeper than msgpack-c follows. A scan with a depth limit past
         * 32 may still accept it: msgpack-c must then refuse it, cheaply. */
        if (r_lim == 0) {
            r = unpack(&u, p, len, &off);
            FUZZ_CHECK(r != MSGPACK_UNPACK_SUCCESS);
            msgpack_unpacked_destroy(&u);
        }
        break;
    default:
        break;
    }
    return 0;
}
