/* test_codec.c - canonical msgpack writing and bounded reading (codec.c).
 *
 * "Canonical" is decided in one place (DECISIONS 2): integers in their
 * shortest form, reals as float64 with -0 written as 0, never NaN or Inf,
 * strings valid UTF-8. These tests pin the exact bytes, the refusals of
 * the typed readers, utf8_valid against a reference decoder, and hex. */
#include "lib/unit_env.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

/* A byte string literal as the (pointer, length) argument pair. */
#define BYTES(...)                                                             \
    ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

static void assert_enc(struct enc *e, const uint8_t *want, size_t len)
{
    assert_int_equal(enc_done(e), 0);
    assert_int_equal(enc_len(e), len);
    assert_memory_equal(enc_data(e), want, len);
    enc_reset(e);
}

/* ---- writing */

static void enc_uint_uses_the_shortest_form(void **state)
{
    (void)state;
    struct enc e;
    enc_init(&e);
    enc_uint(&e, 0);
    assert_enc(&e, BYTES(0x00));
    enc_uint(&e, 127);
    assert_enc(&e, BYTES(0x7f));
    enc_uint(&e, 128);
    assert_enc(&e, BYTES(0xcc, 0x80));
    enc_uint(&e, 255);
    assert_enc(&e, BYTES(0xcc, 0xff));
    enc_uint(&e, 256);
    assert_enc(&e, BYTES(0xcd, 0x01, 0x00));
    enc_uint(&e, 65535);
    assert_enc(&e, BYTES(0xcd, 0xff, 0xff));
    enc_uint(&e, 65536);
    assert_enc(&e, BYTES(0xce, 0x00, 0x01, 0x00, 0x00));
    enc_uint(&e, UINT32_MAX);
    assert_enc(&e, BYTES(0xce, 0xff, 0xff, 0xff, 0xff));
    enc_uint(&e, (uint64_t)UINT32_MAX + 1);
    assert_enc(&e, BYTES(0xcf, 0, 0, 0, 1, 0, 0, 0, 0));
    enc_uint(&e, UINT64_MAX);
    assert_enc(&e, BYTES(0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    enc_close(&e);
}

static void enc_int_uses_the_shortest_form(void **state)
{
    (void)state;
    struct enc e;
    enc_init(&e);
    /* Non-negative ints are written as the unsigned forms. */
    enc_int(&e, 5);
    assert_enc(&e, BYTES(0x05));
    enc_int(&e, 200);
    assert_enc(&e, BYTES(0xcc, 0xc8));
    enc_int(&e, 40000);
    assert_enc(&e, BYTES(0xcd, 0x9c, 0x40));
    enc_int(&e, -1);
    assert_enc(&e, BYTES(0xff));
    enc_int(&e, -32);
    assert_enc(&e, BYTES(0xe0));
    enc_int(&e, -33);
    assert_enc(&e, BYTES(0xd0, 0xdf));
    enc_int(&e, -128);
    assert_enc(&e, BYTES(0xd0, 0x80));
    enc_int(&e, -129);
    assert_enc(&e, BYTES(0xd1, 0xff, 0x7f));
    enc_int(&e, -32768);
    assert_enc(&e, BYTES(0xd1, 0x80, 0x00));
    enc_int(&e, -32769);
    assert_enc(&e, BYTES(0xd2, 0xff, 0xff, 0x7f, 0xff));
    enc_int(&e, INT32_MIN);
    assert_enc(&e, BYTES(0xd2, 0x80, 0, 0, 0));
    enc_int(&e, (int64_t)INT32_MIN - 1);
    assert_enc(&e, BYTES(0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff));
    enc_int(&e, INT64_MIN);
    assert_enc(&e, BYTES(0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0));
    enc_int(&e, INT64_MAX);
    assert_enc(&e, BYTES(0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    enc_close(&e);
}

static void enc_real_is_float64_and_negative_zero_is_zero(void **state)
{
    (void)state;
    struct enc e;
    enc_init(&e);
    /* 1.5 fits a float32 exactly; it is still written as float64. */
    enc_real(&e, 1.5);
    assert_enc(&e, BYTES(0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0));
    enc_real(&e, 0.0);
    assert_enc(&e, BYTES(0xcb, 0, 0, 0, 0, 0, 0, 0, 0));
    enc_real(&e, -0.0);
    assert_enc(&e, BYTES(0xcb, 0, 0, 0, 0, 0, 0, 0, 0));
    enc_real(&e, -2.25);
    assert_enc(&e, BYTES(0xcb, 0xc0, 0x02, 0, 0, 0, 0, 0, 0));
    /* A whole number stays a real: no silent switch to an int. */
    enc_real(&e, 3.0);
    assert_enc(&e, BYTES(0xcb, 0x40, 0x08, 0, 0, 0, 0, 0, 0));
    enc_close(&e);
}

static void enc_str_and_bin_use_the_shortest_header(void **state)
{
    (void)state;
    static const char text[300] = "互助";
    struct enc e;
    enc_init(&e);
    static const struct {
        size_t len;
        uint8_t hdr[3];
        size_t hdr_len;
    } str[] = {
        {0, {0xa0}, 1},        {31, {0xbf}, 1},        {32, {0xd9, 32}, 2},
        {255, {0xd9, 255}, 2}, {256, {0xda, 1, 0}, 3},
    };
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++) {
        enc_str(&e, text, str[i].len);
        assert_int_equal(enc_len(&e), str[i].hdr_len + str[i].len);
        assert_memory_equal(enc_data(&e), str[i].hdr, str[i].hdr_len);
        assert_memory_equal(enc_data(&e) + str[i].hdr_len, text, str[i].len);
        enc_reset(&e);
    }
    enc_bin(&e, text, 0);
    assert_enc(&e, BYTES(0xc4, 0x00));
    enc_bin(&e, text, 255);
    assert_int_equal(enc_len(&e), 257);
    assert_memory_equal(enc_data(&e), ((const uint8_t[]){0xc4, 0xff}), 2);
    enc_reset(&e);
    enc_bin(&e, text, 256);
    assert_int_equal(enc_len(&e), 259);
    assert_memory_equal(enc_data(&e), ((const uint8_t[]){0xc5, 1, 0}), 3);
    enc_reset(&e);
    enc_cstr(&e, "ab");
    assert_enc(&e, BYTES(0xa2, 'a', 'b'));
    enc_close(&e);
}

static void enc_value_writes_each_type(void **state)
{
    (void)state;
    struct enc e;
    enc_init(&e);
    struct value v = {.type = VALUE_NIL};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xc0));
    v = (struct value){.type = VALUE_BOOL, .b = true};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xc3));
    v = (struct value){.type = VALUE_BOOL, .b = false};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xc2));
    v = (struct value){.type = VALUE_INT, .i = -7};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xf9));
    v = (struct value){.type = VALUE_REAL, .r = -0.0};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xcb, 0, 0, 0, 0, 0, 0, 0, 0));
    v = (struct value){.type = VALUE_STR, .s = {(const uint8_t *)"x", 1}};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xa1, 'x'));
    v = (struct value){.type = VALUE_BIN, .s = {(const uint8_t *)"x", 1}};
    enc_value(&e, &v);
    assert_enc(&e, BYTES(0xc4, 1, 'x'));
    enc_array(&e, 2);
    enc_nil(&e);
    enc_bool(&e, true);
    assert_enc(&e, BYTES(0x92, 0xc0, 0xc3));
    enc_close(&e);
}

/* ---- reading */

/* mp_value of exactly @buf, or its error code. */
static int read_value(const uint8_t *buf, size_t len, struct value *v)
{
    msgpack_unpacked u;
    struct hz_err err = {0};
    int rv = mp_unpack(&u, buf, len, &err);
    if (rv != 0)
        return rv;
    rv = mp_value(&u.data, v, "value", &err);
    msgpack_unpacked_destroy(&u);
    return rv;
}

static void mp_value_round_trips_each_type(void **state)
{
    (void)state;
    static const char text[] = "测试甲";
    const struct value vals[] = {
        {.type = VALUE_NIL},
        {.type = VALUE_BOOL, .b = true},
        {.type = VALUE_BOOL, .b = false},
        {.type = VALUE_INT, .i = 0},
        {.type = VALUE_INT, .i = -1},
        {.type = VALUE_INT, .i = INT64_MIN},
        {.type = VALUE_INT, .i = INT64_MAX},
        {.type = VALUE_INT, .i = 1000000000000},
        {.type = VALUE_REAL, .r = 0.1},
        {.type = VALUE_REAL, .r = -1e300},
        {.type = VALUE_STR, .s = {(const uint8_t *)text, sizeof text - 1}},
        {.type = VALUE_STR, .s = {(const uint8_t *)"", 0}},
        {.type = VALUE_BIN, .s = {(const uint8_t *)"\0\1\2", 3}},
    };
    struct enc e, again;
    enc_init(&e);
    enc_init(&again);
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        enc_reset(&e);
        enc_value(&e, &vals[i]);
        struct value v;
        /* Decode from the encoder's buffer: views borrow from it. */
        assert_int_equal(read_value(enc_data(&e), enc_len(&e), &v), 0);
        assert_int_equal(v.type, vals[i].type);
        enc_reset(&again);
        enc_value(&again, &v);
        assert_int_equal(enc_len(&again), enc_len(&e));
        assert_memory_equal(enc_data(&again), enc_data(&e), enc_len(&e));
    }
    enc_close(&e);
    enc_close(&again);
}

static void mp_value_refuses_float32_nan_inf_and_containers(void **state)
{
    (void)state;
    struct value v;
    /* float32 1.0 */
    assert_int_equal(read_value(BYTES(0xca, 0x3f, 0x80, 0, 0), &v),
                     HZ_EMALFORMED);
    /* float64 NaN, +Inf, -Inf */
    assert_int_equal(read_value(BYTES(0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0), &v),
                     HZ_EMALFORMED);
    assert_int_equal(read_value(BYTES(0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0), &v),
                     HZ_EMALFORMED);
    assert_int_equal(read_value(BYTES(0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0), &v),
                     HZ_EMALFORMED);
    assert_int_equal(read_value(BYTES(0x91, 0x01), &v), HZ_EMALFORMED);
    assert_int_equal(read_value(BYTES(0x81, 0x01, 0x02), &v), HZ_EMALFORMED);
    assert_int_equal(read_value(BYTES(0xd4, 0x01, 0x00), &v), HZ_EMALFORMED);
}

static void mp_value_refuses_uint_above_int64_max(void **state)
{
    (void)state;
    struct value v;
    assert_int_equal(
        read_value(BYTES(0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
                   &v),
        0);
    assert_int_equal(v.i, INT64_MAX);
    assert_int_equal(read_value(BYTES(0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0), &v),
                     HZ_EVALUE);
}

static void mp_value_refuses_invalid_utf8_and_overlong_text(void **state)
{
    (void)state;
    struct value v;
    assert_int_equal(read_value(BYTES(0xa2, 0xc0, 0x80), &v), HZ_EMALFORMED);
    assert_int_equal(read_value(BYTES(0xa3, 0xed, 0xa0, 0x80), &v),
                     HZ_EMALFORMED);
    /* Bytes are not text: bin may hold anything. */
    assert_int_equal(read_value(BYTES(0xc4, 0x02, 0xc0, 0x80), &v), 0);

    size_t len = HZ_TEXT_LEN_MAX + 1;
    uint8_t *buf = malloc(len + 3);
    assert_non_null(buf);
    buf[0] = 0xda;
    buf[1] = (uint8_t)(len >> 8);
    buf[2] = (uint8_t)len;
    memset(buf + 3, 'a', len);
    assert_int_equal(read_value(buf, len + 3, &v), HZ_ETOOBIG);
    buf[2] = (uint8_t)(len - 1);
    assert_int_equal(read_value(buf, len + 2, &v), 0);
    assert_int_equal(v.s.len, HZ_TEXT_LEN_MAX);
    buf[0] = 0xc5; /* the same length as bin */
    buf[2] = (uint8_t)len;
    assert_int_equal(read_value(buf, len + 3, &v), HZ_ETOOBIG);
    free(buf);
}

static void mp_unpack_refuses_trailing_truncated_and_deep_input(void **state)
{
    (void)state;
    msgpack_unpacked u;
    assert_int_equal(mp_unpack(&u, BYTES(0x92, 0x01, 0x02), NULL), 0);
    msgpack_unpacked_destroy(&u);
    assert_int_equal(mp_unpack(&u, BYTES(0x92, 0x01, 0x02, 0x03), NULL),
                     HZ_EMALFORMED);
    assert_int_equal(mp_unpack(&u, BYTES(0x92, 0x01), NULL), HZ_EMALFORMED);
    assert_int_equal(mp_unpack(&u, (const uint8_t *)"", 0, NULL),
                     HZ_EMALFORMED);
    assert_int_equal(mp_unpack(&u, BYTES(0xc1), NULL), HZ_EMALFORMED);

    uint8_t deep[HZ_DEPTH_MAX + 2];
    memset(deep, 0x91, sizeof deep);
    deep[HZ_DEPTH_MAX] = 0xc0;
    assert_int_equal(mp_unpack(&u, deep, HZ_DEPTH_MAX + 1, NULL), 0);
    msgpack_unpacked_destroy(&u);
    deep[HZ_DEPTH_MAX] = 0x91;
    deep[HZ_DEPTH_MAX + 1] = 0xc0;
    assert_int_equal(mp_unpack(&u, deep, HZ_DEPTH_MAX + 2, NULL), HZ_ETOOBIG);
}

static void mp_getters_check_types_and_sizes(void **state)
{
    (void)state;
    /* [[1, 2, 3], -1, bin4, "abc"] */
    static const uint8_t buf[] = {0x94, 0x93, 1,    2,    3,    0xff,
                                  0xc4, 4,    0xaa, 0xbb, 0xcc, 0xdd,
                                  0xa3, 'a',  'b',  'c'};
    msgpack_unpacked u;
    struct hz_err err = {0};
    assert_int_equal(mp_unpack(&u, buf, sizeof buf, &err), 0);
    const msgpack_object *top, *items;
    size_t n;
    assert_int_equal(mp_array(&u.data, 4, 4, &top, &n, "top", &err), 0);
    assert_int_equal(n, 4);
    assert_int_equal(mp_array(&top[0], 0, 2, &items, &n, "a", &err),
                     HZ_ETOOBIG);
    assert_int_equal(mp_array(&top[0], 4, 9, &items, &n, "a", &err),
                     HZ_EMALFORMED);
    assert_int_equal(mp_array(&top[1], 0, 9, &items, &n, "a", &err),
                     HZ_EMALFORMED);
    uint64_t x;
    assert_int_equal(mp_uint(&top[0].via.array.ptr[2], &x, "x", &err), 0);
    assert_int_equal(x, 3);
    assert_int_equal(mp_uint(&top[1], &x, "x", &err), HZ_EMALFORMED);
    uint8_t four[4], five[5];
    assert_int_equal(mp_bin_fixed(&top[2], four, 4, "b", &err), 0);
    assert_memory_equal(four, ((const uint8_t[]){0xaa, 0xbb, 0xcc, 0xdd}), 4);
    assert_int_equal(mp_bin_fixed(&top[2], five, 5, "b", &err), HZ_EMALFORMED);
    assert_int_equal(mp_bin_fixed(&top[3], four, 3, "b", &err), HZ_EMALFORMED);
    struct hz_bytes bytes;
    assert_int_equal(mp_bin(&top[2], 4, &bytes, "b", &err), 0);
    assert_int_equal(mp_bin(&top[2], 3, &bytes, "b", &err), HZ_ETOOBIG);
    assert_int_equal(mp_bin(&top[3], 9, &bytes, "b", &err), HZ_EMALFORMED);
    assert_int_equal(mp_str(&top[3], 3, &bytes, "s", &err), 0);
    assert_int_equal(bytes.len, 3);
    assert_int_equal(mp_str(&top[3], 2, &bytes, "s", &err), HZ_ETOOBIG);
    assert_int_equal(mp_str(&top[2], 9, &bytes, "s", &err), HZ_EMALFORMED);
    /* The message names the field, and the code's text follows. */
    assert_non_null(strstr(err.msg, "s: not str"));
    msgpack_unpacked_destroy(&u);
}

/* ---- UTF-8 */

/* The reference: a buffer is valid UTF-8 when it is a concatenation of
 * the shortest encodings of scalar values (not surrogates, <= U+10FFFF).
 * Decode greedily by the lead byte's pattern, re-encode, compare. */
static size_t ref_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xc0 | cp >> 6);
        out[1] = (uint8_t)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xe0 | cp >> 12);
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (uint8_t)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (uint8_t)(0xf0 | cp >> 18);
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (uint8_t)(0x80 | (cp & 0x3f));
    return 4;
}

static bool ref_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        size_t n;
        uint8_t c = p[i];
        if ((c & 0x80) == 0)
            n = 1;
        else if ((c & 0xe0) == 0xc0)
            n = 2;
        else if ((c & 0xf0) == 0xe0)
            n = 3;
        else if ((c & 0xf8) == 0xf0)
            n = 4;
        else
            return false;
        if (len - i < n)
            return false;
        uint32_t cp = n == 1 ? c : (uint32_t)(c & (0x7f >> n));
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3fu);
        }
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        uint8_t again[4];
        if (ref_encode(cp, again) != n || memcmp(again, p + i, n) != 0)
            return false;
        i += n;
    }
    return true;
}

static void utf8_valid_accepts_boundaries_of_every_length(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[4];
        size_t len;
    } ok[] = {
        {{0x00}, 1},                   /* NUL is a character */
        {{0x7f}, 1},                   /* U+007F */
        {{0xc2, 0x80}, 2},             /* U+0080 */
        {{0xdf, 0xbf}, 2},             /* U+07FF */
        {{0xe0, 0xa0, 0x80}, 3},       /* U+0800 */
        {{0xe4, 0xb8, 0xad}, 3},       /* 中 */
        {{0xed, 0x9f, 0xbf}, 3},       /* U+D7FF */
        {{0xee, 0x80, 0x80}, 3},       /* U+E000 */
        {{0xef, 0xbf, 0xbf}, 3},       /* U+FFFF */
        {{0xf0, 0x90, 0x80, 0x80}, 4}, /* U+10000 */
        {{0xf0, 0x9f, 0x98, 0x80}, 4}, /* 😀 */
        {{0xf4, 0x8f, 0xbf, 0xbf}, 4}, /* U+10FFFF */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_true(utf8_valid(ok[i].b, ok[i].len));
        /* Every proper prefix of a multi-byte character is invalid. */
        for (size_t cut = 1; cut < ok[i].len; cut++)
            assert_false(utf8_valid(ok[i].b, cut));
    }
    assert_true(utf8_valid((const uint8_t *)"", 0));
    const char *mixed = "测试甲 lives at 安置点 #3 😀";
    assert_true(utf8_valid((const uint8_t *)mixed, strlen(mixed)));
}

static void
utf8_valid_refuses_overlongs_surrogates_and_out_of_range(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[4];
        size_t len;
    } bad[] = {
        {{0x80}, 1}, /* lone continuation */
        {{0xbf}, 1},
        {{0xc0, 0x80}, 2},             /* overlong NUL */
        {{0xc1, 0xbf}, 2},             /* overlong U+007F */
        {{0xe0, 0x80, 0x80}, 3},       /* overlong */
        {{0xe0, 0x9f, 0xbf}, 3},       /* overlong U+07FF */
        {{0xed, 0xa0, 0x80}, 3},       /* U+D800 */
        {{0xed, 0xbf, 0xbf}, 3},       /* U+DFFF */
        {{0xf0, 0x80, 0x80, 0x80}, 4}, /* overlong */
        {{0xf0, 0x8f, 0xbf, 0xbf}, 4}, /* overlong U+FFFF */
        {{0xf4, 0x90, 0x80, 0x80}, 4}, /* U+110000 */
        {{0xf5, 0x80, 0x80, 0x80}, 4},
        {{0xf8, 0x88, 0x80, 0x80}, 4}, /* 5-byte form */
        {{0xfe}, 1},
        {{0xff}, 1},
        {{0xe4, 0x41, 0xad}, 3}, /* ASCII inside a sequence */
        {{0xc3, 0xc3}, 2},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(ref_valid(bad[i].b, bad[i].len));
        assert_false(utf8_valid(bad[i].b, bad[i].len));
    }
}

static void utf8_valid_agrees_with_reference_on_all_short_inputs(void **state)
{
    (void)state;
    uint8_t b[4];
    /* Every 1- and 2-byte string. */
    for (unsigned x = 0; x < 0x10000; x++) {
        b[0] = (uint8_t)(x >> 8);
        b[1] = (uint8_t)x;
        assert_int_equal(utf8_valid(b, 1), ref_valid(b, 1));
        assert_int_equal(utf8_valid(b, 2), ref_valid(b, 2));
    }
    /* Every 3-byte string with a 3-byte lead. */
    for (unsigned x = 0; x < 0x100000; x++) {
        b[0] = (uint8_t)(0xe0 | x >> 16);
        b[1] = (uint8_t)(x >> 8);
        b[2] = (uint8_t)x;
        if (utf8_valid(b, 3) != ref_valid(b, 3))
            fail_msg("%02x %02x %02x", b[0], b[1], b[2]);
    }
    /* 4-byte leads, with continuation bytes around the boundaries. */
    static const uint8_t conts[] = {0x00, 0x7f, 0x80, 0x8f, 0x90,
                                    0xa0, 0xbf, 0xc0, 0xff};
    for (unsigned lead = 0xf0; lead <= 0xff; lead++) {
        for (size_t i = 0; i < sizeof conts; i++) {
            for (size_t j = 0; j < sizeof conts; j++) {
                for (size_t k = 0; k < sizeof conts; k++) {
                    b[0] = (uint8_t)lead;
                    b[1] = conts[i];
                    b[2] = conts[j];
                    b[3] = conts[k];
                    assert_int_equal(utf8_valid(b, 4), ref_valid(b, 4));
                }
            }
        }
    }
}

/* ---- hex */

static void hex_encode_is_lowercase_and_round_trips(void **state)
{
    (void)state;
    static const uint8_t bytes[] = {0x00, 0x01, 0x9a, 0xbc, 0xde, 0xff};
    char hex[2 * sizeof bytes + 1];
    hex_encode(bytes, sizeof bytes, hex);
    assert_string_equal(hex, "00019abcdeff");
    uint8_t back[sizeof bytes];
    assert_int_equal(hex_decode(hex, back, sizeof back), 0);
    assert_memory_equal(back, bytes, sizeof bytes);

    uint64_t s = 42;
    for (int iter = 0; iter < 200; iter++) {
        uint8_t row[HZ_ROW_LEN], again[HZ_ROW_LEN];
        char text[2 * HZ_ROW_LEN + 1];
        for (size_t i = 0; i < sizeof row; i++)
            row[i] = (uint8_t)unit_rand(&s);
        hex_encode(row, sizeof row, text);
        assert_int_equal(strlen(text), HZ_ROW_HEX_LEN);
        assert_int_equal(hex_decode(text, again, sizeof again), 0);
        assert_memory_equal(again, row, sizeof row);
    }
    hex_encode(bytes, 0, hex);
    assert_string_equal(hex, "");
}

/* Row ids and keys are lowercase hex (node.h, HZ_ROW_HEX_LEN; DECISIONS
 * 24), so there is one spelling of each. */
static void hex_decode_refuses_wrong_length_non_hex_and_uppercase(void **state)
{
    (void)state;
    uint8_t out[2];
    assert_int_equal(hex_decode("0a1b", out, 2), 0);
    assert_int_equal(hex_decode("0a1", out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode("0a1b2", out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode("", out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode("0g1b", out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode("0a 1", out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode("0A1B", out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode(NULL, out, 2), HZ_EINVAL);
    assert_int_equal(hex_decode("", out, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(enc_uint_uses_the_shortest_form),
        cmocka_unit_test(enc_int_uses_the_shortest_form),
        cmocka_unit_test(enc_real_is_float64_and_negative_zero_is_zero),
        cmocka_unit_test(enc_str_and_bin_use_the_shortest_header),
        cmocka_unit_test(enc_value_writes_each_type),
        cmocka_unit_test(mp_value_round_trips_each_type),
        cmocka_unit_test(mp_value_refuses_float32_nan_inf_and_containers),
        cmocka_unit_test(mp_value_refuses_uint_above_int64_max),
        cmocka_unit_test(mp_value_refuses_invalid_utf8_and_overlong_text),
        cmocka_unit_test(mp_unpack_refuses_trailing_truncated_and_deep_input),
        cmocka_unit_test(mp_getters_check_types_and_sizes),
        cmocka_unit_test(utf8_valid_accepts_boundaries_of_every_length),
        cmocka_unit_test(
            utf8_valid_refuses_overlongs_surrogates_and_out_of_range),
        cmocka_unit_test(utf8_valid_agrees_with_reference_on_all_short_inputs),
        cmocka_unit_test(hex_encode_is_lowercase_and_round_trips),
        cmocka_unit_test(hex_decode_refuses_wrong_length_non_hex_and_uppercase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
