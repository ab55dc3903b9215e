/* test_mpscan.c - the msgpack pre-scan (DECISIONS 21).
 *
 * mpscan must refuse every buffer whose declared counts the bytes cannot
 * back, before msgpack-c reserves memory for them, and must not refuse
 * what msgpack-c decodes whole within the limits. The randomized tests
 * hold it to msgpack-c 4.0 itself: under loose limits (and msgpack-c's own
 * nesting limit of 32) mpscan accepts exactly the buffers
 * msgpack_unpack_next decodes to their last byte. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <msgpack.h>

#include <stdlib.h>
#include <string.h>

#include "core/mpscan.h"

/* A byte string literal as the (pointer, length) argument pair. */
#define BYTES(...)                                                             \
    ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* msgpack-c 4.0 refuses nesting deeper than MSGPACK_EMBED_STACK_SIZE. */
#define MSGPACK_DEPTH 32u

static const struct mpscan_limits loose = {
    .depth_max = MSGPACK_DEPTH,
    .str_len_max = SIZE_MAX,
    .bin_len_max = SIZE_MAX,
    .elems_max = SIZE_MAX,
};

/* ---- helpers ---------------------------------------------------------- */

/* A deterministic PRNG (splitmix64), so a failure replays. */
static uint64_t rnd(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static size_t rnd_below(uint64_t *s, size_t n)
{
    return (size_t)(rnd(s) % n);
}

/* Bytes that make random strings likely to be msgpack: headers of every
 * kind, small lengths and counts, zero high bytes, and anything at all. */
static uint8_t rnd_byte(uint64_t *s)
{
    static const uint8_t heads[] = {
        0x80, 0x81, 0x82, 0x8f, 0x90, 0x91, 0x92, 0x93, 0x9f, 0xa0, 0xa1, 0xa2,
        0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca,
        0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6,
        0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
    };
    uint64_t r = rnd(s);
    switch (r % 4) {
    case 0:
        return (uint8_t)(r >> 8);
    case 1:
        return (uint8_t)((r >> 8) % 4);
    case 2:
        return heads[(r >> 8) % sizeof(heads)];
    default:
        return 0;
    }
}

/* msgpack_unpack_next on buf[0..len); *off is how far it read. */
static msgpack_unpack_return unpack(const uint8_t *buf, size_t len, size_t *off)
{
    msgpack_unpacked u;
    msgpack_unpacked_init(&u);
    *off = 0;
    msgpack_unpack_return r =
        msgpack_unpack_next(&u, (const char *)buf, len, off);
    msgpack_unpacked_destroy(&u);
    return r;
}

/* msgpack-c decodes buf[0..len) as one object ending at the last byte. */
static void assert_msgpack_whole(const uint8_t *buf, size_t len)
{
    size_t off = 0;
    assert_int_equal(unpack(buf, len, &off), MSGPACK_UNPACK_SUCCESS);
    assert_int_equal(off, len);
}

/* How often each mpscan result was seen: index -result, 0..6. */
struct tally {
    unsigned n[7];
};

/* Under loose limits, mpscan and msgpack-c agree on buf[0..len):
 *   0             <=> msgpack-c decodes it whole;
 *   MPSCAN_ETRAIL <=> msgpack-c decodes a shorter prefix, which mpscan
 *                     then accepts;
 *   anything else  => msgpack-c decodes nothing.
 * msgpack-c is not run on MPSCAN_EELEMS: that is exactly the input it
 * would reserve gigabytes for. (It cannot succeed there either: a whole
 * object never declares more elements than it has bytes.)
 * Under @tight, an acceptance must be one msgpack-c decodes whole, and
 * one the loose limits accept too. */
static void assert_agrees_with_msgpack(const uint8_t *buf, size_t len,
                                       const struct mpscan_limits *tight,
                                       struct tally *t)
{
    int rv = mpscan_check(buf, len, &loose);
    assert_true(rv <= 0 && rv >= MPSCAN_EBADBYTE);
    t->n[-rv]++;

    int rv_tight = mpscan_check(buf, len, tight);
    if (rv_tight == 0)
        assert_int_equal(rv, 0);

    if (rv == MPSCAN_EELEMS)
        return;
    size_t off = 0;
    msgpack_unpack_return r = unpack(buf, len, &off);
    if (rv == 0) {
        assert_int_equal(r, MSGPACK_UNPACK_SUCCESS);
        assert_int_equal(off, len);
    } else if (rv == MPSCAN_ETRAIL) {
        assert_int_equal(r, MSGPACK_UNPACK_SUCCESS);
        assert_true(off < len);
        assert_int_equal(mpscan_check(buf, off, &loose), 0);
    } else {
        assert_int_not_equal(r, MSGPACK_UNPACK_SUCCESS);
    }
}

/* What a packed object needs from the limits, to the unit. */
struct need {
    size_t depth;
    size_t str_len;
    size_t bin_len;
    size_t elems;
    int has_str;
    int has_bin;
};

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

static void pack_random_scalar(msgpack_packer *pk, uint64_t *s, struct need *nd)
{
    static const char text[300] = "mpscan";
    uint64_t r = rnd(s);
    /* Mostly short payloads; sometimes long enough for the 16-bit forms. */
    size_t len =
        rnd_below(s, 8) == 0 ? 256 + rnd_below(s, 44) : rnd_below(s, 40);
    switch (rnd_below(s, 22)) {
    case 0:
        msgpack_pack_nil(pk);
        break;
    case 1:
        msgpack_pack_true(pk);
        break;
    case 2:
        msgpack_pack_false(pk);
        break;
    case 3:
        msgpack_pack_uint64(pk, r >> rnd_below(s, 64));
        break;
    case 4:
        msgpack_pack_int64(pk, (int64_t)r >> rnd_below(s, 64));
        break;
    case 5:
        msgpack_pack_fix_uint8(pk, (uint8_t)r);
        break;
    case 6:
        msgpack_pack_fix_uint16(pk, (uint16_t)r);
        break;
    case 7:
        msgpack_pack_fix_uint32(pk, (uint32_t)r);
        break;
    case 8:
        msgpack_pack_fix_uint64(pk, r);
        break;
    case 9:
        msgpack_pack_fix_int8(pk, (int8_t)(uint8_t)r);
        break;
    case 10:
        msgpack_pack_fix_int16(pk, (int16_t)(uint16_t)r);
        break;
    case 11:
        msgpack_pack_fix_int32(pk, (int32_t)(uint32_t)r);
        break;
    case 12:
        msgpack_pack_fix_int64(pk, (int64_t)r);
        break;
    case 13:
        msgpack_pack_float(pk, 1.5f);
        break;
    case 14:
        msgpack_pack_double(pk, -2.25);
        break;
    case 15:
    case 16:
        msgpack_pack_str(pk, len);
        msgpack_pack_str_body(pk, text, len);
        nd->has_str = 1;
        nd->str_len = max_size(nd->str_len, len);
        break;
    case 17:
    case 18:
        msgpack_pack_bin(pk, len);
        msgpack_pack_bin_body(pk, text, len);
        nd->has_bin = 1;
        nd->bin_len = max_size(nd->bin_len, len);
        break;
    default: {
        /* 1, 2, 4, 8 and 16 pick the fixext forms. */
        static const size_t ext_lens[] = {1, 2, 4, 8, 16, 0, 3, 17, 300};
        size_t ext_len = ext_lens[rnd_below(s, 9)];
        msgpack_pack_ext(pk, ext_len, (int8_t)(r & 0x7f));
        msgpack_pack_ext_body(pk, text, ext_len);
        break;
    }
    }
}

/* Pack a random object whose containers sit at depth @depth + 1 and
 * below, nesting at most @depth_left more, and record what it needs. */
static void pack_random(msgpack_packer *pk, uint64_t *s, size_t depth,
                        size_t depth_left, struct need *nd)
{
    size_t pick = rnd_below(s, 10);
    if (depth_left == 0 || pick < 5) {
        pack_random_scalar(pk, s, nd);
        return;
    }
    /* Sometimes 16 or more, for the 16-bit count forms. */
    size_t n = rnd_below(s, 6) == 0 ? 16 + rnd_below(s, 4) : rnd_below(s, 5);
    nd->depth = max_size(nd->depth, depth + 1);
    if (pick < 8) {
        msgpack_pack_array(pk, n);
        nd->elems += n;
        for (size_t i = 0; i < n; i++)
            pack_random(pk, s, depth + 1, depth_left - 1, nd);
    } else {
        msgpack_pack_map(pk, n);
        nd->elems += 2 * n;
        for (size_t i = 0; i < 2 * n; i++)
            pack_random(pk, s, depth + 1, depth_left - 1, nd);
    }
}

/* One object using every format msgpack-c's packer writes. */
static void pack_rich(msgpack_packer *pk)
{
    static const char text[300] = "every format";

    msgpack_pack_map(pk, 3);

    msgpack_pack_str(pk, 4);
    msgpack_pack_str_body(pk, "ints", 4);
    msgpack_pack_array(pk, 10);
    msgpack_pack_int(pk, 7);
    msgpack_pack_int(pk, -7);
    msgpack_pack_fix_uint8(pk, 200);
    msgpack_pack_fix_uint16(pk, 60000);
    msgpack_pack_fix_uint32(pk, 4000000000u);
    msgpack_pack_fix_uint64(pk, UINT64_MAX);
    msgpack_pack_fix_int8(pk, -100);
    msgpack_pack_fix_int16(pk, -30000);
    msgpack_pack_fix_int32(pk, -2000000000);
    msgpack_pack_fix_int64(pk, INT64_MIN);

    msgpack_pack_str(pk, 4);
    msgpack_pack_str_body(pk, "misc", 4);
    msgpack_pack_array(pk, 17);
    msgpack_pack_nil(pk);
    msgpack_pack_true(pk);
    msgpack_pack_false(pk);
    msgpack_pack_float(pk, 0.5f);
    msgpack_pack_double(pk, 1e300);
    msgpack_pack_bin(pk, 3);
    msgpack_pack_bin_body(pk, text, 3);
    msgpack_pack_bin(pk, 300);
    msgpack_pack_bin_body(pk, text, 300);
    msgpack_pack_str(pk, 40);
    msgpack_pack_str_body(pk, text, 40);
    msgpack_pack_str(pk, 300);
    msgpack_pack_str_body(pk, text, 300);
    static const size_t ext_lens[] = {1, 2, 4, 8, 16, 3, 300};
    for (size_t i = 0; i < 7; i++) {
        msgpack_pack_ext(pk, ext_lens[i], (int8_t)((int)i - 3));
        msgpack_pack_ext_body(pk, text, ext_lens[i]);
    }
    msgpack_pack_array(pk, 16);
    for (int i = 0; i < 16; i++)
        msgpack_pack_int(pk, i);

    msgpack_pack_str(pk, 4);
    msgpack_pack_str_body(pk, "nest", 4);
    msgpack_pack_array(pk, 2);
    msgpack_pack_map(pk, 16);
    for (int i = 0; i < 16; i++) {
        msgpack_pack_int(pk, i);
        msgpack_pack_array(pk, 1);
        msgpack_pack_map(pk, 0);
    }
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 1);
    msgpack_pack_array(pk, 0);
}

/* @depth arrays (0x91), each holding the next, around @inner. */
static size_t nest_arrays(uint8_t *buf, size_t depth, uint8_t inner)
{
    for (size_t i = 0; i < depth; i++)
        buf[i] = 0x91;
    buf[depth] = inner;
    return depth + 1;
}

/* @depth one-entry maps (0x81 nil), each holding the next as value. */
static size_t nest_maps(uint8_t *buf, size_t depth, uint8_t inner)
{
    for (size_t i = 0; i < depth; i++) {
        buf[2 * i] = 0x81;
        buf[2 * i + 1] = 0xc0;
    }
    buf[2 * depth] = inner;
    return 2 * depth + 1;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* ---- tests ------------------------------------------------------------ */

static void mpscan_accepts_every_scalar_format(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[24];
        size_t len;
    } ok[] = {
        {{0x00}, 1}, /* positive fixint */
        {{0x7f}, 1},
        {{0xe0}, 1}, /* negative fixint */
        {{0xff}, 1},
        {{0xc0}, 1},       /* nil */
        {{0xc2}, 1},       /* false */
        {{0xc3}, 1},       /* true */
        {{0xc4, 0x00}, 2}, /* bin 8 */
        {{0xc4, 0x02, 0xc1, 0xc1}, 4},
        {{0xc5, 0x00, 0x01, 0xaa}, 4},             /* bin 16 */
        {{0xc6, 0x00, 0x00, 0x00, 0x01, 0xaa}, 6}, /* bin 32 */
        {{0xc7, 0x00, 0x05}, 3},                   /* ext 8 */
        {{0xc7, 0x01, 0x05, 0xaa}, 4},
        {{0xc8, 0x00, 0x01, 0xfb, 0xaa}, 5},             /* ext 16 */
        {{0xc9, 0x00, 0x00, 0x00, 0x01, 0x05, 0xaa}, 7}, /* ext 32 */
        {{0xca, 0x3f, 0x80, 0x00, 0x00}, 5},             /* float 32 */
        {{0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0}, 9},       /* float 64 */
        {{0xcc, 0xff}, 2},                               /* uint 8 */
        {{0xcd, 0xff, 0xff}, 3},                         /* uint 16 */
        {{0xce, 0xff, 0xff, 0xff, 0xff}, 5},             /* uint 32 */
        {{0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, 9},
        {{0xd0, 0x80}, 2},                          /* int 8 */
        {{0xd1, 0x80, 0x00}, 3},                    /* int 16 */
        {{0xd2, 0x80, 0, 0, 0}, 5},                 /* int 32 */
        {{0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}, 9},     /* int 64 */
        {{0xd4, 0x01, 0xaa}, 3},                    /* fixext 1 */
        {{0xd5, 0x01, 0xaa, 0xbb}, 4},              /* fixext 2 */
        {{0xd6, 0xff, 1, 2, 3, 4}, 6},              /* fixext 4 */
        {{0xd7, 0x01, 1, 2, 3, 4, 5, 6, 7, 8}, 10}, /* fixext 8 */
        {{0xd8, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
         18},        /* fixext 16 */
        {{0xa0}, 1}, /* fixstr */
        {{0xa3, 'a', 'b', 'c'}, 4},
        {{0xd9, 0x03, 'a', 'b', 'c'}, 5},                   /* str 8 */
        {{0xda, 0x00, 0x03, 'a', 'b', 'c'}, 6},             /* str 16 */
        {{0xdb, 0x00, 0x00, 0x00, 0x03, 'a', 'b', 'c'}, 8}, /* str 32 */
    };
    struct mpscan_limits scalars_only = loose;
    scalars_only.depth_max = 0;
    scalars_only.elems_max = 0;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(mpscan_check(ok[i].b, ok[i].len, &scalars_only), 0);
        assert_msgpack_whole(ok[i].b, ok[i].len);
    }
}

static void mpscan_accepts_every_container_format(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[16];
        size_t len;
    } ok[] = {
        {{0x90}, 1}, /* fixarray */
        {{0x92, 0x01, 0x02}, 3},
        {{0x80}, 1}, /* fixmap */
        {{0x81, 0x01, 0x02}, 3},
        {{0xdc, 0x00, 0x00}, 3}, /* array 16 */
        {{0xdc, 0x00, 0x02, 0x01, 0x02}, 5},
        {{0xdd, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02}, 7}, /* array 32 */
        {{0xde, 0x00, 0x00}, 3},                         /* map 16 */
        {{0xde, 0x00, 0x01, 0x01, 0x02}, 5},
        {{0xdf, 0x00, 0x00, 0x00, 0x01, 0xa1, 'k', 0x90}, 8}, /* map 32 */
        {{0x93, 0x90, 0x80, 0x92, 0x01, 0x91, 0x02}, 7}, /* [[],{},[1,[2]]] */
    };
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(mpscan_check(ok[i].b, ok[i].len, &loose), 0);
        assert_msgpack_whole(ok[i].b, ok[i].len);
    }
}

static void mpscan_accepts_rich_packed_object(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_rich(&pk);

    const uint8_t *buf = (const uint8_t *)sb.data;
    assert_int_equal(mpscan_check(buf, sb.size, &loose), 0);
    assert_msgpack_whole(buf, sb.size);
    msgpack_sbuffer_destroy(&sb);
}

static void mpscan_rejects_empty_and_truncated_headers(void **state)
{
    (void)state;
    assert_int_equal(mpscan_check(NULL, 0, &loose), MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0xcd, 0x01), &loose), MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0xcb, 0, 0, 0), &loose), MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0xdc, 0x00), &loose), MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0xdb, 0, 0, 0), &loose), MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0xc7, 0x00), &loose), MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0xd6, 0x01, 0, 0, 0), &loose),
                     MPSCAN_ETRUNC);
    assert_int_equal(mpscan_check(BYTES(0x92, 0x01), &loose), MPSCAN_EELEMS);
    assert_int_equal(mpscan_check(BYTES(0x92, 0x01, 0xcd, 0x00), &loose),
                     MPSCAN_ETRUNC);
}

static void mpscan_rejects_truncated_at_every_cut(void **state)
{
    (void)state;
    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_rich(&pk);
    const uint8_t *buf = (const uint8_t *)sb.data;
    assert_int_equal(mpscan_check(buf, sb.size, &loose), 0);

    /* Copy each prefix into a buffer of exactly that size, so the
     * sanitizers catch any read past the end. */
    unsigned n_trunc = 0;
    for (size_t cut = 0; cut < sb.size; cut++) {
        uint8_t *prefix = malloc(cut > 0 ? cut : 1);
        assert_non_null(prefix);
        memcpy(prefix, buf, cut);
        int rv = mpscan_check(prefix, cut, &loose);
        assert_true(rv < 0);
        assert_int_not_equal(rv, MPSCAN_ETRAIL);
        assert_int_not_equal(rv, MPSCAN_EBADBYTE);
        if (rv == MPSCAN_ETRUNC)
            n_trunc++;
        free(prefix);
    }
    assert_true(n_trunc > 0);
    msgpack_sbuffer_destroy(&sb);
}

static void mpscan_rejects_trailing_bytes(void **state)
{
    (void)state;
    assert_int_equal(mpscan_check(BYTES(0xc0, 0xc0), &loose), MPSCAN_ETRAIL);
    assert_int_equal(mpscan_check(BYTES(0x90, 0x90), &loose), MPSCAN_ETRAIL);
    assert_int_equal(mpscan_check(BYTES(0x91, 0x01, 0x02), &loose),
                     MPSCAN_ETRAIL);
    assert_int_equal(mpscan_check(BYTES(0xa1, 'x', 0xc1), &loose),
                     MPSCAN_ETRAIL);

    msgpack_sbuffer sb;
    msgpack_packer pk;
    msgpack_sbuffer_init(&sb);
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    pack_rich(&pk);
    msgpack_pack_nil(&pk);
    assert_int_equal(mpscan_check((const uint8_t *)sb.data, sb.size, &loose),
                     MPSCAN_ETRAIL);
    msgpack_sbuffer_destroy(&sb);
}

static void mpscan_rejects_0xc1(void **state)
{
    (void)state;
    assert_int_equal(mpscan_check(BYTES(0xc1), &loose), MPSCAN_EBADBYTE);
    assert_int_equal(mpscan_check(BYTES(0x92, 0x01, 0xc1), &loose),
                     MPSCAN_EBADBYTE);
    assert_int_equal(mpscan_check(BYTES(0x81, 0xc1, 0x01), &loose),
                     MPSCAN_EBADBYTE);
    /* Inside a payload it is just a byte. */
    assert_int_equal(mpscan_check(BYTES(0xa1, 0xc1), &loose), 0);
    assert_int_equal(mpscan_check(BYTES(0xcc, 0xc1), &loose), 0);
    assert_int_equal(mpscan_check(BYTES(0xd4, 0xc1, 0xc1), &loose), 0);
}

static void mpscan_rejects_str_over_limit(void **state)
{
    (void)state;
    struct mpscan_limits lim = loose;
    lim.str_len_max = 3;

    assert_int_equal(mpscan_check(BYTES(0xa3, 'a', 'b', 'c'), &lim), 0);
    assert_int_equal(mpscan_check(BYTES(0xa4, 'a', 'b', 'c', 'd'), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xd9, 4, 'a', 'b', 'c', 'd'), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xda, 0, 4, 'a', 'b', 'c', 'd'), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(
        mpscan_check(BYTES(0xdb, 0, 0, 0, 4, 'a', 'b', 'c', 'd'), &lim),
        MPSCAN_ELEN);
    /* Inside a container, and not confused with bin. */
    assert_int_equal(mpscan_check(BYTES(0x91, 0xa4, 'a', 'b', 'c', 'd'), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xc4, 4, 'a', 'b', 'c', 'd'), &lim), 0);
}

static void mpscan_rejects_bin_over_limit(void **state)
{
    (void)state;
    struct mpscan_limits lim = loose;
    lim.bin_len_max = 1;

    assert_int_equal(mpscan_check(BYTES(0xc4, 1, 0xaa), &lim), 0);
    assert_int_equal(mpscan_check(BYTES(0xc4, 2, 0xaa, 0xbb), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xc5, 0, 2, 0xaa, 0xbb), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xc6, 0, 0, 0, 2, 0xaa, 0xbb), &lim),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xa2, 'a', 'b'), &lim), 0);
}

static void mpscan_rejects_length_past_end(void **state)
{
    (void)state;
    assert_int_equal(mpscan_check(BYTES(0xa3, 'a', 'b'), &loose), MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xd9, 5, 'a', 'b'), &loose),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xdb, 0xff, 0xff, 0xff, 0xff), &loose),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xc6, 0xff, 0xff, 0xff, 0xff), &loose),
                     MPSCAN_ELEN);
    assert_int_equal(mpscan_check(BYTES(0xc7, 2, 0x01, 0xaa), &loose),
                     MPSCAN_ELEN);
    assert_int_equal(
        mpscan_check(BYTES(0xc9, 0xff, 0xff, 0xff, 0xff, 0x01), &loose),
        MPSCAN_ELEN);
}

static void mpscan_rejects_huge_declared_array(void **state)
{
    (void)state;
    assert_int_equal(
        mpscan_check(BYTES(0xdd, 0xff, 0xff, 0xff, 0xff, 0x00), &loose),
        MPSCAN_EELEMS);
    assert_int_equal(
        mpscan_check(BYTES(0xdf, 0xff, 0xff, 0xff, 0xff, 0x00), &loose),
        MPSCAN_EELEMS);
    assert_int_equal(mpscan_check(BYTES(0xdc, 0xff, 0xff, 0x00), &loose),
                     MPSCAN_EELEMS);
}

static void mpscan_rejects_map_owing_more_than_bytes_left(void **state)
{
    (void)state;
    /* A map entry is owed two elements. */
    assert_int_equal(mpscan_check(BYTES(0x81, 0x01, 0x02), &loose), 0);
    assert_int_equal(mpscan_check(BYTES(0x81, 0x01), &loose), MPSCAN_EELEMS);
    assert_int_equal(mpscan_check(BYTES(0x82, 0x01, 0x02, 0x03), &loose),
                     MPSCAN_EELEMS);
    assert_int_equal(
        mpscan_check(BYTES(0xde, 0x00, 0x02, 0x01, 0x02, 0x03), &loose),
        MPSCAN_EELEMS);
    assert_int_equal(
        mpscan_check(BYTES(0xdf, 0x00, 0x00, 0x00, 0x02, 1, 2, 3), &loose),
        MPSCAN_EELEMS);
    /* What is owed adds up across open containers: after the inner header
     * 1 + 2 elements are owed and 1 byte is left. */
    assert_int_equal(mpscan_check(BYTES(0x92, 0x92, 0x01), &loose),
                     MPSCAN_EELEMS);
    assert_int_equal(mpscan_check(BYTES(0x82, 0x01, 0x81, 0x02), &loose),
                     MPSCAN_EELEMS);
}

static void mpscan_accepts_array_owing_exactly_bytes_left(void **state)
{
    (void)state;
    size_t len = 64 * 1024;
    uint8_t *buf = calloc(len, 1);
    assert_non_null(buf);
    buf[0] = 0xdd;
    put_be32(buf + 1, (uint32_t)(len - 5));
    assert_int_equal(mpscan_check(buf, len, &loose), 0);
    assert_msgpack_whole(buf, len);

    put_be32(buf + 1, (uint32_t)(len - 4));
    assert_int_equal(mpscan_check(buf, len, &loose), MPSCAN_EELEMS);
    free(buf);
}

static void mpscan_rejects_nested_bomb(void **state)
{
    (void)state;
    /* 32 nested arrays, each declaring as many elements as there are
     * bytes after its header; then zeros. This made msgpack-c reserve
     * about 1 GiB for 1 MiB. */
    size_t len = 1024 * 1024;
    uint8_t *buf = calloc(len, 1);
    assert_non_null(buf);
    for (size_t i = 0; i < 32; i++) {
        size_t pos = 5 * i;
        buf[pos] = 0xdd;
        put_be32(buf + pos + 1, (uint32_t)(len - pos - 5));
    }
    struct mpscan_limits lim = {
        .depth_max = MPSCAN_DEPTH_CAP,
        .str_len_max = SIZE_MAX,
        .bin_len_max = SIZE_MAX,
        .elems_max = SIZE_MAX,
    };
    assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EELEMS);
    assert_int_equal(mpscan_check(buf, len, &loose), MPSCAN_EELEMS);

    /* The same with maps, each declaring half the bytes left in entries. */
    for (size_t i = 0; i < 32; i++) {
        size_t pos = 5 * i;
        buf[pos] = 0xdf;
        put_be32(buf + pos + 1, (uint32_t)((len - pos - 5) / 2));
    }
    assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EELEMS);
    free(buf);
}

static void mpscan_rejects_elems_over_limit(void **state)
{
    (void)state;
    struct mpscan_limits lim = loose;
    lim.elems_max = 3;

    assert_int_equal(mpscan_check(BYTES(0x93, 1, 2, 3), &lim), 0);
    assert_int_equal(mpscan_check(BYTES(0x94, 1, 2, 3, 4), &lim),
                     MPSCAN_EELEMS);
    /* A map entry counts two. */
    assert_int_equal(mpscan_check(BYTES(0x81, 1, 2), &lim), 0);
    assert_int_equal(mpscan_check(BYTES(0x82, 1, 2, 3, 4), &lim),
                     MPSCAN_EELEMS);
    /* Counted over the whole object, not per container: 2 + 1 + 1. */
    assert_int_equal(mpscan_check(BYTES(0x92, 0x91, 1, 0x91, 2), &lim),
                     MPSCAN_EELEMS);
    assert_int_equal(mpscan_check(BYTES(0x92, 0x91, 1, 0x90), &lim), 0);
}

static void mpscan_rejects_depth_over_limit(void **state)
{
    (void)state;
    static const size_t depths[] = {0, 1, 2, 8, 31, 32, 63, 64};
    uint8_t buf[2 * MPSCAN_DEPTH_CAP + 8];

    for (size_t i = 0; i < sizeof(depths) / sizeof(depths[0]); i++) {
        size_t d = depths[i];
        struct mpscan_limits lim = loose;
        lim.depth_max = d;
        size_t len;

        /* Scalar innermost: d containers pass, d + 1 do not. */
        len = nest_arrays(buf, d, 0xc0);
        assert_int_equal(mpscan_check(buf, len, &lim), 0);
        len = nest_arrays(buf, d + 1, 0xc0);
        assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EDEPTH);
        len = nest_maps(buf, d, 0xc0);
        assert_int_equal(mpscan_check(buf, len, &lim), 0);
        len = nest_maps(buf, d + 1, 0xc0);
        assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EDEPTH);

        /* An empty container innermost counts as a level. */
        if (d > 0) {
            len = nest_arrays(buf, d - 1, 0x90);
            assert_int_equal(mpscan_check(buf, len, &lim), 0);
            len = nest_maps(buf, d - 1, 0x80);
            assert_int_equal(mpscan_check(buf, len, &lim), 0);
        }
        len = nest_arrays(buf, d, 0x90);
        assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EDEPTH);
        len = nest_maps(buf, d, 0x80);
        assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EDEPTH);
    }

    /* msgpack-c's own nesting limit agrees with depth_max 32. */
    size_t len = nest_arrays(buf, MSGPACK_DEPTH, 0xc0);
    assert_msgpack_whole(buf, len);
    len = nest_arrays(buf, MSGPACK_DEPTH + 1, 0xc0);
    size_t off = 0;
    assert_int_not_equal(unpack(buf, len, &off), MSGPACK_UNPACK_SUCCESS);
}

static void mpscan_clamps_depth_max_to_cap(void **state)
{
    (void)state;
    uint8_t buf[MPSCAN_DEPTH_CAP + 2];
    struct mpscan_limits lim = loose;
    lim.depth_max = SIZE_MAX;

    size_t len = nest_arrays(buf, MPSCAN_DEPTH_CAP, 0xc0);
    assert_int_equal(mpscan_check(buf, len, &lim), 0);
    len = nest_arrays(buf, MPSCAN_DEPTH_CAP + 1, 0xc0);
    assert_int_equal(mpscan_check(buf, len, &lim), MPSCAN_EDEPTH);
}

static void mpscan_depth_counts_only_enclosing_containers(void **state)
{
    (void)state;
    struct mpscan_limits lim = loose;
    lim.depth_max = 2;

    /* [[1],[2]] and fifteen siblings [[1],...]: depth 2, however many. */
    assert_int_equal(mpscan_check(BYTES(0x92, 0x91, 1, 0x91, 2), &lim), 0);
    uint8_t buf[1 + 15 * 2];
    buf[0] = 0x9f;
    for (size_t i = 0; i < 15; i++) {
        buf[1 + 2 * i] = 0x91;
        buf[2 + 2 * i] = (uint8_t)i;
    }
    assert_int_equal(mpscan_check(buf, sizeof(buf), &lim), 0);
    /* A container as the last element is still inside its parent. */
    assert_int_equal(mpscan_check(BYTES(0x92, 1, 0x91, 0x91, 2), &lim),
                     MPSCAN_EDEPTH);
    assert_int_equal(mpscan_check(BYTES(0x81, 1, 0x81, 2, 0x90), &lim),
                     MPSCAN_EDEPTH);
    /* Keys nest too. */
    assert_int_equal(mpscan_check(BYTES(0x81, 0x91, 0x91, 1, 2), &lim),
                     MPSCAN_EDEPTH);
}

static void mpscan_accepts_packed_objects_at_their_exact_limits(void **state)
{
    (void)state;
    uint64_t seed = 0x6875a7685f6d7073u;

    for (int iter = 0; iter < 500; iter++) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        struct need nd = {0, 0, 0, 0, 0, 0};
        pack_random(&pk, &seed, 0, 1 + rnd_below(&seed, 8), &nd);
        const uint8_t *buf = (const uint8_t *)sb.data;

        assert_msgpack_whole(buf, sb.size);
        assert_int_equal(mpscan_check(buf, sb.size, &loose), 0);
        struct mpscan_limits exact = {
            .depth_max = nd.depth,
            .str_len_max = nd.str_len,
            .bin_len_max = nd.bin_len,
            .elems_max = nd.elems,
        };
        assert_int_equal(mpscan_check(buf, sb.size, &exact), 0);

        struct mpscan_limits lim = exact;
        if (nd.depth > 0) {
            lim.depth_max--;
            assert_int_equal(mpscan_check(buf, sb.size, &lim), MPSCAN_EDEPTH);
            lim = exact;
        }
        if (nd.has_str && nd.str_len > 0) {
            lim.str_len_max--;
            assert_int_equal(mpscan_check(buf, sb.size, &lim), MPSCAN_ELEN);
            lim = exact;
        }
        if (nd.has_bin && nd.bin_len > 0) {
            lim.bin_len_max--;
            assert_int_equal(mpscan_check(buf, sb.size, &lim), MPSCAN_ELEN);
            lim = exact;
        }
        if (nd.elems > 0) {
            lim.elems_max--;
            assert_int_equal(mpscan_check(buf, sb.size, &lim), MPSCAN_EELEMS);
        }
        msgpack_sbuffer_destroy(&sb);
    }
}

static void mpscan_random_bytes_agree_with_msgpack(void **state)
{
    (void)state;
    uint64_t seed = 0x0123456789abcdefu;
    struct tally t = {{0}};
    struct mpscan_limits tight = {
        .depth_max = 3,
        .str_len_max = 4,
        .bin_len_max = 4,
        .elems_max = 8,
    };

    for (int iter = 0; iter < 4000; iter++) {
        uint8_t bytes[64];
        size_t len = rnd_below(&seed, sizeof(bytes) + 1);
        for (size_t i = 0; i < len; i++)
            bytes[i] = rnd_byte(&seed);
        /* Every prefix, each in a buffer of exactly its size so the
         * sanitizers see any overread. */
        for (size_t cut = 0; cut <= len; cut++) {
            uint8_t *buf = malloc(cut > 0 ? cut : 1);
            assert_non_null(buf);
            memcpy(buf, bytes, cut);
            assert_agrees_with_msgpack(buf, cut, &tight, &t);
            free(buf);
        }
    }
    /* Not vacuous: plenty accepted, and every refusal seen. */
    assert_true(t.n[0] >= 1000);
    assert_true(t.n[-MPSCAN_ETRUNC] > 0);
    assert_true(t.n[-MPSCAN_ELEN] > 0);
    assert_true(t.n[-MPSCAN_EELEMS] > 0);
    assert_true(t.n[-MPSCAN_ETRAIL] > 0);
    assert_true(t.n[-MPSCAN_EBADBYTE] > 0);
}

static void mpscan_mutated_objects_agree_with_msgpack(void **state)
{
    (void)state;
    uint64_t seed = 0xfeedfacecafebeefu;
    struct tally t = {{0}};

    for (int obj = 0; obj < 100; obj++) {
        msgpack_sbuffer sb;
        msgpack_packer pk;
        msgpack_sbuffer_init(&sb);
        msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
        struct need nd = {0, 0, 0, 0, 0, 0};
        if (obj == 0)
            pack_rich(&pk);
        else
            pack_random(&pk, &seed, 0, 1 + rnd_below(&seed, 6), &nd);
        /* Limits the unmutated object just meets (the rich one: loose). */
        struct mpscan_limits tight = {
            .depth_max = obj == 0 ? MSGPACK_DEPTH : nd.depth,
            .str_len_max = obj == 0 ? SIZE_MAX : nd.str_len,
            .bin_len_max = obj == 0 ? SIZE_MAX : nd.bin_len,
            .elems_max = obj == 0 ? SIZE_MAX : nd.elems,
        };

        for (int iter = 0; iter < 100; iter++) {
            size_t len = sb.size;
            uint8_t *buf = malloc(len + 4);
            assert_non_null(buf);
            memcpy(buf, sb.data, len);
            size_t n_mut = 1 + rnd_below(&seed, 3);
            for (size_t m = 0; m < n_mut && len > 0; m++) {
                size_t at = rnd_below(&seed, len);
                switch (rnd_below(&seed, 5)) {
                case 0: /* overwrite a byte */
                    buf[at] = rnd_byte(&seed);
                    break;
                case 1: /* flip a bit */
                    buf[at] ^= (uint8_t)(1u << rnd_below(&seed, 8));
                    break;
                case 2: /* cut the tail */
                    len = at;
                    break;
                case 3: /* drop a byte */
                    memmove(buf + at, buf + at + 1, len - at - 1);
                    len--;
                    break;
                default: /* append a byte */
                    buf[len++] = rnd_byte(&seed);
                    break;
                }
            }
            /* Exactly len bytes, so the sanitizers see any overread. */
            uint8_t *exact = malloc(len > 0 ? len : 1);
            assert_non_null(exact);
            memcpy(exact, buf, len);
            assert_agrees_with_msgpack(exact, len, &tight, &t);
            free(exact);
            free(buf);
        }
        msgpack_sbuffer_destroy(&sb);
    }
    assert_true(t.n[0] > 0);
    assert_true(t.n[-MPSCAN_ETRAIL] > 0);
}

/* ---- canonical forms -------------------------------------------------- */

/* mpscan_check_canonical's verdict on @b, which must pass the scan. */
static bool canon(const uint8_t *b, size_t n)
{
    bool from_true = true, from_false = false; /* set whatever it held */
    assert_int_equal(mpscan_check_canonical(b, n, &loose, &from_true), 0);
    assert_int_equal(mpscan_check_canonical(b, n, &loose, &from_false), 0);
    assert_int_equal(from_true, from_false);
    return from_true;
}

static size_t put_be(uint8_t *p, uint64_t v, size_t w)
{
    for (size_t i = 0; i < w; i++)
        p[i] = (uint8_t)(v >> (8 * (w - 1 - i)));
    return w;
}

/* The canonical forms are the ones msgpack-c's packer writes (proto/
 * entry.md): each integer at the edges of every form, written in every
 * form that holds it, is canonical exactly when it is the packer's bytes;
 * so is each length of text and bytes and each count of an array. */
static void mpscan_canonical_is_the_packers_form(void **state)
{
    (void)state;
    static const int64_t ints[] = {
        0,      1,           31,          127,        128,        255,
        256,    65535,       65536,       4294967295, 4294967296, INT64_MAX,
        -1,     -32,         -33,         -128,       -129,       -32768,
        -32769, -2147483648, -2147483649, INT64_MIN};
    msgpack_sbuffer sb;
    msgpack_sbuffer_init(&sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, &sb, msgpack_sbuffer_write);
    uint8_t b[70000];
    size_t checked = 0;
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        int64_t v = ints[i];
        msgpack_sbuffer_clear(&sb);
        msgpack_pack_int64(&pk, v);
        assert_true(canon((const uint8_t *)sb.data, sb.size));
        /* uint 8..64 (cc..cf), then int 8..64 (d0..d3), where they hold v */
        for (unsigned f = 0xcc; f <= 0xd3; f++) {
            bool is_signed = f >= 0xd0;
            size_t w = (size_t)1 << (f - (is_signed ? 0xd0 : 0xcc));
            bool holds =
                is_signed ? (w == 8 || (v >= -(INT64_C(1) << (8 * w - 1)) &&
                                        v < (INT64_C(1) << (8 * w - 1))))
                          : (v >= 0 && (w == 8 || (uint64_t)v >> (8 * w) == 0));
            if (!holds)
                continue;
            b[0] = (uint8_t)f;
            size_t n = 1 + put_be(b + 1, (uint64_t)v, w);
            bool packers = n == sb.size && memcmp(b, sb.data, n) == 0;
            assert_int_equal(canon(b, n), packers);
            checked += !packers;
        }
    }
    static const size_t lens[] = {0, 1, 15, 16, 31, 32, 255, 256, 65535, 65536};
    for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        size_t len = lens[i];
        for (int kind = 0; kind < 3; kind++) { /* str, bin, array */
            msgpack_sbuffer_clear(&sb);
            if (kind == 0)
                msgpack_pack_str(&pk, len);
            else if (kind == 1)
                msgpack_pack_bin(&pk, len);
            else
                msgpack_pack_array(&pk, len);
            size_t head = sb.size;
            /* the body: len bytes of 'a', or len nils */
            for (size_t k = 0; k < len; k++)
                msgpack_sbuffer_write(&sb, kind == 2 ? "\xc0" : "a", 1);
            assert_true(canon((const uint8_t *)sb.data, sb.size));
            static const uint8_t fix[] = {0xa0, 0, 0x90};
            static const uint8_t wide[3][3] = {
                {0xd9, 0xda, 0xdb}, {0xc4, 0xc5, 0xc6}, {0, 0xdc, 0xdd}};
            static const size_t fix_max[] = {31, 0, 15};
            for (int form = -1; form < 3; form++) {
                size_t n;
                if (form < 0) {
                    if (kind == 1 || len > fix_max[kind])
                        continue;
                    b[0] = (uint8_t)(fix[kind] | len);
                    n = 1;
                } else {
                    size_t w = (size_t)1 << form; /* 1, 2, 4 */
                    if (wide[kind][form] == 0 || (w < 4 && len >> (8 * w) != 0))
                        continue;
                    b[0] = wide[kind][form];
                    n = 1 + put_be(b + 1, len, w);
                }
                memcpy(b + n, sb.data + head, sb.size - head);
                n += sb.size - head;
                bool packers = n == sb.size && memcmp(b, sb.data, n) == 0;
                assert_int_equal(canon(b, n), packers);
                checked += !packers;
            }
        }
    }
    assert_true(checked > 60); /* the wider forms were tried */
    msgpack_sbuffer_destroy(&sb);
}

/* What the packer also writes but huzhu never does: float32, -0.0, maps
 * and ext; and one such element anywhere makes the whole not canonical. */
static void mpscan_canonical_refuses_floats32_neg_zero_maps_ext(void **state)
{
    (void)state;
    assert_true(canon(BYTES(0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0))); /* 1.5 */
    assert_true(canon(BYTES(0xcb, 0, 0, 0, 0, 0, 0, 0, 0)));       /* 0.0 */
    assert_false(canon(BYTES(0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0)));   /* -0.0 */
    assert_true(canon(BYTES(0xcb, 0x80, 0, 0, 0, 0, 0, 0, 1)));    /* tiny */
    assert_false(canon(BYTES(0xca, 0x3f, 0xc0, 0, 0)));            /* f32 */
    assert_false(canon(BYTES(0x80)));                              /* {} */
    assert_false(canon(BYTES(0x81, 0x01, 0x02)));                  /* map */
    assert_false(canon(BYTES(0xde, 0x00, 0x00)));                  /* map16 */
    assert_false(canon(BYTES(0xd4, 0x01, 0x00)));                  /* fixext */
    assert_false(canon(BYTES(0xc7, 0x01, 0x05, 0x00)));            /* ext8 */
    assert_true(canon(BYTES(0x93, 0xc0, 0xc2, 0xc3)));
    assert_true(canon(BYTES(0x92, 0x01, 0x92, 0xa1, 0x61, 0xc4, 0x00)));
    assert_false(canon(BYTES(0x92, 0x01, 0x92, 0xa1, 0x61, 0xcc, 0x05)));
    assert_false(canon(BYTES(0x93, 0xcc, 0x05, 0x01, 0x02)));
    assert_false(canon(BYTES(0x92, 0x91, 0xd0, 0x05, 0x91, 0x01)));
    /* NULL: the scan alone, as mpscan_check */
    assert_int_equal(mpscan_check_canonical(BYTES(0xcc, 0x05), &loose, NULL),
                     0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mpscan_accepts_every_scalar_format),
        cmocka_unit_test(mpscan_accepts_every_container_format),
        cmocka_unit_test(mpscan_accepts_rich_packed_object),
        cmocka_unit_test(mpscan_rejects_empty_and_truncated_headers),
        cmocka_unit_test(mpscan_rejects_truncated_at_every_cut),
        cmocka_unit_test(mpscan_rejects_trailing_bytes),
        cmocka_unit_test(mpscan_rejects_0xc1),
        cmocka_unit_test(mpscan_rejects_str_over_limit),
        cmocka_unit_test(mpscan_rejects_bin_over_limit),
        cmocka_unit_test(mpscan_rejects_length_past_end),
        cmocka_unit_test(mpscan_rejects_huge_declared_array),
        cmocka_unit_test(mpscan_rejects_map_owing_more_than_bytes_left),
        cmocka_unit_test(mpscan_accepts_array_owing_exactly_bytes_left),
        cmocka_unit_test(mpscan_rejects_nested_bomb),
        cmocka_unit_test(mpscan_rejects_elems_over_limit),
        cmocka_unit_test(mpscan_rejects_depth_over_limit),
        cmocka_unit_test(mpscan_clamps_depth_max_to_cap),
        cmocka_unit_test(mpscan_depth_counts_only_enclosing_containers),
        cmocka_unit_test(mpscan_accepts_packed_objects_at_their_exact_limits),
        cmocka_unit_test(mpscan_random_bytes_agree_with_msgpack),
        cmocka_unit_test(mpscan_mutated_objects_agree_with_msgpack),
        cmocka_unit_test(mpscan_canonical_is_the_packers_form),
        cmocka_unit_test(mpscan_canonical_refuses_floats32_neg_zero_maps_ext),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
