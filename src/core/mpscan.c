/* mpscan.c - the allocation-free pre-scan run before msgpack-c unpacks.
 *
 * DECISIONS 21: msgpack-c 4.0 reserves memory for the counts a message
 * declares (32 nested arrays, each declaring no more than the bytes left,
 * made it reserve ~1 GiB for a 1 MB input), so before it sees a complete,
 * length-prefixed buffer we walk the buffer once here. The format is
 * msgpack's spec (github.com/msgpack/msgpack/blob/master/spec.md); every
 * first byte is classified below, and nothing is decoded beyond the
 * lengths and counts the check needs.
 *
 * The key invariant: every element takes at least one byte, so the
 * elements still owed across all open containers can never exceed the
 * bytes left. We keep that total in one counter and check it after each
 * container header. A small fixed array of per-container remaining counts
 * tells us when containers close, which is all nesting depth needs. */
#include "mpscan.h"

#include <string.h>

/* What an element's first byte says about it. */
enum kind {
    KIND_SCALAR, /* fixed size, known from the first byte */
    KIND_STR,
    KIND_BIN,
    KIND_EXT,
    KIND_ARRAY,
    KIND_MAP,
    KIND_BAD, /* 0xc1 */
};

struct head {
    enum kind kind;
    /* Bytes after the first byte that form the header (or, for a scalar,
     * the whole value): a big-endian length or count field, then for ext
     * the type byte. */
    size_t rest_len;
    /* Width of the big-endian length or count field at the start of
     * rest_len; 0 when the first byte carries it (fix formats). */
    size_t field_len;
    /* Length or count carried by a fix format's first byte. */
    uint64_t n;
};

static struct head classify(uint8_t b)
{
    struct head h = {KIND_SCALAR, 0, 0, 0};

    if (b <= 0x7f || b >= 0xe0) /* positive and negative fixint */
        return h;
    if (b <= 0x8f) {
        h.kind = KIND_MAP;
        h.n = (uint64_t)(b & 0x0fu);
        return h;
    }
    if (b <= 0x9f) {
        h.kind = KIND_ARRAY;
        h.n = (uint64_t)(b & 0x0fu);
        return h;
    }
    if (b <= 0xbf) {
        h.kind = KIND_STR;
        h.n = (uint64_t)(b & 0x1fu);
        return h;
    }
    switch (b) {
    case 0xc0: /* nil */
    case 0xc2: /* false */
    case 0xc3: /* true */
        break;
    case 0xc1:
        h.kind = KIND_BAD;
        break;
    case 0xc4: /* bin 8, 16, 32 */
    case 0xc5:
    case 0xc6:
        h.kind = KIND_BIN;
        h.field_len = (size_t)1 << (b - 0xc4);
        h.rest_len = h.field_len;
        break;
    case 0xc7: /* ext 8, 16, 32: length, then the type byte */
    case 0xc8:
    case 0xc9:
        h.kind = KIND_EXT;
        h.field_len = (size_t)1 << (b - 0xc7);
        h.rest_len = h.field_len + 1;
        break;
    case 0xca: /* float 32 */
        h.rest_len = 4;
        break;
    case 0xcb: /* float 64 */
        h.rest_len = 8;
        break;
    case 0xcc: /* uint 8, 16, 32, 64 */
    case 0xcd:
    case 0xce:
    case 0xcf:
        h.rest_len = (size_t)1 << (b - 0xcc);
        break;
    case 0xd0: /* int 8, 16, 32, 64 */
    case 0xd1:
    case 0xd2:
    case 0xd3:
        h.rest_len = (size_t)1 << (b - 0xd0);
        break;
    case 0xd4: /* fixext 1, 2, 4, 8, 16: type byte, then the data */
    case 0xd5:
    case 0xd6:
    case 0xd7:
    case 0xd8:
        h.rest_len = 1 + ((size_t)1 << (b - 0xd4));
        break;
    case 0xd9: /* str 8, 16, 32 */
    case 0xda:
    case 0xdb:
        h.kind = KIND_STR;
        h.field_len = (size_t)1 << (b - 0xd9);
        h.rest_len = h.field_len;
        break;
    case 0xdc: /* array 16, 32 */
    case 0xdd:
        h.kind = KIND_ARRAY;
        h.field_len = (size_t)2 << (b - 0xdc);
        h.rest_len = h.field_len;
        break;
    default: /* 0xde, 0xdf: map 16, 32 */
        h.kind = KIND_MAP;
        h.field_len = (size_t)2 << (b - 0xde);
        h.rest_len = h.field_len;
        break;
    }
    return h;
}

/* A big-endian unsigned field of @n <= 8 bytes, read byte by byte. */
static uint64_t load_be(const uint8_t *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

/* The two's-complement value of a big-endian signed field of @n bytes. */
static int64_t load_be_signed(const uint8_t *p, size_t n)
{
    uint64_t v = load_be(p, n);
    /* @n is 1, 2, 4 or 8: sign-extend from bit 8n - 1 */
    uint64_t sign = (uint64_t)1 << (8 * n - 1);
    return (int64_t)((v ^ sign) - sign);
}

/* Whether the element whose first byte is @b, with its header and scalar
 * bytes at @rest (all present) and its length or count @n, takes the one
 * form huzhu writes (proto/entry.md, "Canonical msgpack"): the shortest
 * form of each integer, length and count, unsigned forms for non-negative
 * integers, float64 only and never -0.0, no maps and no ext. */
static bool canonical_head(uint8_t b, const uint8_t *rest, uint64_t n)
{
    if (b <= 0x7f || b >= 0xe0) /* fixints */
        return true;
    if (b <= 0x8f) /* fixmap */
        return false;
    if (b <= 0xbf) /* fixarray, fixstr */
        return true;
    switch (b) {
    case 0xc0: /* nil, false, true */
    case 0xc2:
    case 0xc3:
        return true;
    case 0xc4: /* bin 8: the shortest bin form for every length it holds */
        return true;
    case 0xc5:
    case 0xda: /* bin 16, str 16 */
        return n > 0xff;
    case 0xc6:
    case 0xdb:
    case 0xdd: /* bin 32, str 32, array 32 */
        return n > 0xffff;
    case 0xd9: /* str 8 */
        return n > 31;
    case 0xdc: /* array 16 */
        return n > 15;
    case 0xcb: { /* float 64, but not -0.0 */
        static const uint8_t neg_zero[8] = {0x80};
        return memcmp(rest, neg_zero, sizeof neg_zero) != 0;
    }
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: { /* uint 8 .. 64: above what the next shorter form holds */
        static const uint64_t above[] = {0x7f, 0xff, 0xffff, 0xffffffffu};
        size_t w = (size_t)1 << (b - 0xcc);
        return load_be(rest, w) > above[b - 0xcc];
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: { /* int 8 .. 64: negative, below the next shorter form */
        static const int64_t below[] = {-32, -128, -32768, -2147483648LL};
        size_t w = (size_t)1 << (b - 0xd0);
        return load_be_signed(rest, w) < below[b - 0xd0];
    }
    default: /* float 32, maps, ext, 0xc1 */
        return false;
    }
}

/* Check a str/bin/ext payload of @n bytes at buf[*pos..) and step over it. */
static int skip_payload(size_t len, size_t *pos, uint64_t n, size_t n_max)
{
    if (n > n_max || n > len - *pos)
        return MPSCAN_ELEN;
    *pos += (size_t)n;
    return 0;
}

int mpscan_check(const uint8_t *buf, size_t len,
                 const struct mpscan_limits *lim)
{
    return mpscan_check_canonical(buf, len, lim, NULL);
}

int mpscan_check_canonical(const uint8_t *buf, size_t len,
                           const struct mpscan_limits *lim, bool *canonical)
{
    if (canonical != NULL)
        *canonical = true;
    /* rem[i]: elements not yet started in the open container at depth
     * i + 1. A container stays open while its last element is read, so an
     * entry may be 0 while a nested container is still inside it. */
    uint64_t rem[MPSCAN_DEPTH_CAP];
    size_t depth = 0; /* open containers around the next element */
    size_t depth_max =
        lim->depth_max < MPSCAN_DEPTH_CAP ? lim->depth_max : MPSCAN_DEPTH_CAP;
    /* Elements not yet started, summed over all open containers, plus the
     * top-level object until it starts; after the first byte it equals the
     * sum of rem[]. Each declared element has either started (taking a
     * byte of its own) or is owed, so once a header passes the owed check,
     * declared <= len. Both counters therefore stay below len + 2^33, and
     * 64 bits cannot overflow. */
    uint64_t owed = 1;
    uint64_t declared = 0; /* elements declared by all containers so far */
    size_t pos = 0;

    while (owed > 0) {
        if (pos >= len)
            return MPSCAN_ETRUNC;
        struct head h = classify(buf[pos]);
        pos++;
        owed--;
        /* Innermost open containers with nothing left were closed below,
         * so the one we are inside still owes this element. */
        if (depth > 0)
            rem[depth - 1]--;

        if (h.kind == KIND_BAD)
            return MPSCAN_EBADBYTE;
        if (h.rest_len > len - pos)
            return MPSCAN_ETRUNC;
        uint64_t n = h.field_len > 0 ? load_be(buf + pos, h.field_len) : h.n;
        if (canonical != NULL && *canonical &&
            !canonical_head(buf[pos - 1], buf + pos, n))
            *canonical = false;
        pos += h.rest_len;

        int rv = 0;
        switch (h.kind) {
        case KIND_STR:
            rv = skip_payload(len, &pos, n, lim->str_len_max);
            break;
        case KIND_BIN:
            rv = skip_payload(len, &pos, n, lim->bin_len_max);
            break;
        case KIND_EXT:
            rv = skip_payload(len, &pos, n, SIZE_MAX);
            break;
        case KIND_ARRAY:
        case KIND_MAP: {
            uint64_t n_elems = h.kind == KIND_MAP ? 2 * n : n;
            if (depth >= depth_max)
                return MPSCAN_EDEPTH;
            declared += n_elems;
            if (declared > lim->elems_max)
                return MPSCAN_EELEMS;
            owed += n_elems;
            if (owed > len - pos)
                return MPSCAN_EELEMS;
            if (n_elems > 0) {
                /* depth < depth_max <= MPSCAN_DEPTH_CAP: rem has room. */
                rem[depth] = n_elems;
                depth++;
                continue; /* its first element comes next */
            }
            break;
        }
        default: /* KIND_SCALAR: rest_len covered the whole value */
            break;
        }
        if (rv != 0)
            return rv;

        /* An element is complete: close every container it completed. */
        while (depth > 0 && rem[depth - 1] == 0)
            depth--;
    }
    /* owed == 0 here means every container opened has closed. */
    return pos == len ? 0 : MPSCAN_ETRAIL;
}
