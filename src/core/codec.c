/* codec.c - canonical msgpack writing and bounded reading (codec.h).
 * Format rules: proto/entry.md, section "Canonical msgpack". */
#include "codec.h"

#include "error_int.h"
#include "limits.h"
#include "mpscan.h"

#include <math.h>
#include <string.h>

void enc_init(struct enc *e)
{
    msgpack_sbuffer_init(&e->sb);
    msgpack_packer_init(&e->pk, &e->sb, msgpack_sbuffer_write);
    e->failed = 0;
}

void enc_close(struct enc *e)
{
    msgpack_sbuffer_destroy(&e->sb);
    e->sb.data = NULL;
    e->sb.size = 0;
    e->sb.alloc = 0;
}

uint8_t *enc_release(struct enc *e, size_t *len)
{
    *len = e->sb.size;
    e->failed = 0;
    return (uint8_t *)msgpack_sbuffer_release(&e->sb);
}

void enc_reset(struct enc *e)
{
    e->sb.size = 0;
    e->failed = 0;
}

#define PACK(call)                                                             \
    do {                                                                       \
        if (!e->failed && (call) != 0)                                         \
            e->failed = 1;                                                     \
    } while (0)

void enc_array(struct enc *e, size_t n)
{
    HZ_ASSERT(n <= UINT32_MAX);
    PACK(msgpack_pack_array(&e->pk, n));
}

void enc_uint(struct enc *e, uint64_t v)
{
    PACK(msgpack_pack_uint64(&e->pk, v));
}

void enc_int(struct enc *e, int64_t v)
{
    PACK(msgpack_pack_int64(&e->pk, v));
}

void enc_bool(struct enc *e, bool v)
{
    PACK(v ? msgpack_pack_true(&e->pk) : msgpack_pack_false(&e->pk));
}

void enc_nil(struct enc *e)
{
    PACK(msgpack_pack_nil(&e->pk));
}

void enc_real(struct enc *e, double v)
{
    HZ_ASSERT(isfinite(v));
    if (v == 0.0)
        v = 0.0; /* -0 is written as 0 */
    PACK(msgpack_pack_double(&e->pk, v));
}

void enc_str(struct enc *e, const void *p, size_t len)
{
    PACK(msgpack_pack_str(&e->pk, len));
    if (len > 0)
        PACK(msgpack_pack_str_body(&e->pk, p, len));
}

void enc_cstr(struct enc *e, const char *s)
{
    enc_str(e, s, strlen(s));
}

void enc_bin(struct enc *e, const void *p, size_t len)
{
    PACK(msgpack_pack_bin(&e->pk, len));
    if (len > 0)
        PACK(msgpack_pack_bin_body(&e->pk, p, len));
}

void enc_bin_head(struct enc *e, size_t len)
{
    PACK(msgpack_pack_bin(&e->pk, len));
}

void enc_raw(struct enc *e, const void *p, size_t len)
{
    if (len > 0 && !e->failed && msgpack_sbuffer_write(&e->sb, p, len) != 0)
        e->failed = 1;
}

void enc_value(struct enc *e, const struct value *v)
{
    switch (v->type) {
    case VALUE_NIL:
        enc_nil(e);
        return;
    case VALUE_BOOL:
        enc_bool(e, v->b);
        return;
    case VALUE_INT:
        enc_int(e, v->i);
        return;
    case VALUE_REAL:
        enc_real(e, v->r);
        return;
    case VALUE_STR:
        enc_str(e, v->s.p, v->s.len);
        return;
    case VALUE_BIN:
        enc_bin(e, v->s.p, v->s.len);
        return;
    }
    hz_assert_fail("unknown value type", __FILE__, __LINE__);
}

int enc_done(const struct enc *e)
{
    return e->failed ? HZ_ENOMEM : 0;
}

const uint8_t *enc_data(const struct enc *e)
{
    return (const uint8_t *)e->sb.data;
}

size_t enc_len(const struct enc *e)
{
    return e->sb.size;
}

static int unpack(msgpack_unpacked *u, const uint8_t *buf, size_t len,
                  size_t bin_max, bool *canonical, struct hz_err *err)
{
    const struct mpscan_limits lim = {
        .depth_max = HZ_DEPTH_MAX,
        .str_len_max = bin_max,
        .bin_len_max = bin_max,
        .elems_max = HZ_ENTRY_LEN_MAX,
    };
    int rv = mpscan_check_canonical(buf, len, &lim, canonical);
    if (rv != 0) {
        return hz_err_set(err, rv == MPSCAN_EDEPTH ? HZ_ETOOBIG : HZ_EMALFORMED,
                          "msgpack pre-scan (%d)", rv);
    }
    msgpack_unpacked_init(u);
    size_t off = 0;
    msgpack_unpack_return r =
        msgpack_unpack_next(u, (const char *)buf, len, &off);
    if (r == MSGPACK_UNPACK_NOMEM_ERROR) {
        msgpack_unpacked_destroy(u);
        return hz_err_set(err, HZ_ENOMEM, "msgpack unpack");
    }
    if (r != MSGPACK_UNPACK_SUCCESS || off != len) {
        msgpack_unpacked_destroy(u);
        return hz_err_set(err, HZ_EMALFORMED, "msgpack unpack");
    }
    return 0;
}

int mp_unpack(msgpack_unpacked *u, const uint8_t *buf, size_t len,
              struct hz_err *err)
{
    return unpack(u, buf, len, HZ_ENTRY_LEN_MAX, NULL, err);
}

int mp_unpack_wide(msgpack_unpacked *u, const uint8_t *buf, size_t len,
                   size_t bin_max, struct hz_err *err)
{
    return unpack(u, buf, len, bin_max, NULL, err);
}

int mp_unpack_canonical(msgpack_unpacked *u, const uint8_t *buf, size_t len,
                        bool *canonical, struct hz_err *err)
{
    return unpack(u, buf, len, HZ_ENTRY_LEN_MAX, canonical, err);
}

int mp_array(const msgpack_object *o, size_t n_min, size_t n_max,
             const msgpack_object **items, size_t *n, const char *what,
             struct hz_err *err)
{
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return hz_err_set(err, HZ_EMALFORMED, "%s: not an array", what);
    if (o->via.array.size > n_max)
        return hz_err_set(err, HZ_ETOOBIG, "%s: %u elements", what,
                          (unsigned)o->via.array.size);
    if (o->via.array.size < n_min)
        return hz_err_set(err, HZ_EMALFORMED, "%s: %u elements", what,
                          (unsigned)o->via.array.size);
    *items = o->via.array.ptr;
    *n = o->via.array.size;
    return 0;
}

int mp_uint(const msgpack_object *o, uint64_t *out, const char *what,
            struct hz_err *err)
{
    if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
        return hz_err_set(err, HZ_EMALFORMED, "%s: not an unsigned int", what);
    *out = o->via.u64;
    return 0;
}

int mp_bin_fixed(const msgpack_object *o, void *out, size_t len,
                 const char *what, struct hz_err *err)
{
    if (o->type != MSGPACK_OBJECT_BIN || o->via.bin.size != len)
        return hz_err_set(err, HZ_EMALFORMED, "%s: not bin%zu", what, len);
    memcpy(out, o->via.bin.ptr, len);
    return 0;
}

int mp_bin(const msgpack_object *o, size_t max, struct hz_bytes *out,
           const char *what, struct hz_err *err)
{
    if (o->type != MSGPACK_OBJECT_BIN)
        return hz_err_set(err, HZ_EMALFORMED, "%s: not bin", what);
    if (o->via.bin.size > max)
        return hz_err_set(err, HZ_ETOOBIG, "%s: %u bytes", what,
                          (unsigned)o->via.bin.size);
    out->p = (const uint8_t *)o->via.bin.ptr;
    out->len = o->via.bin.size;
    return 0;
}

int mp_str(const msgpack_object *o, size_t max, struct hz_bytes *out,
           const char *what, struct hz_err *err)
{
    if (o->type != MSGPACK_OBJECT_STR)
        return hz_err_set(err, HZ_EMALFORMED, "%s: not str", what);
    if (o->via.str.size > max)
        return hz_err_set(err, HZ_ETOOBIG, "%s: %u bytes", what,
                          (unsigned)o->via.str.size);
    out->p = (const uint8_t *)o->via.str.ptr;
    out->len = o->via.str.size;
    if (!utf8_valid(out->p, out->len))
        return hz_err_set(err, HZ_EMALFORMED, "%s: invalid UTF-8", what);
    return 0;
}

int mp_value(const msgpack_object *o, struct value *out, const char *what,
             struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    switch (o->type) {
    case MSGPACK_OBJECT_NIL:
        out->type = VALUE_NIL;
        return 0;
    case MSGPACK_OBJECT_BOOLEAN:
        out->type = VALUE_BOOL;
        out->b = o->via.boolean;
        return 0;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return hz_err_set(err, HZ_EVALUE, "%s: integer over 2^63-1", what);
        out->type = VALUE_INT;
        out->i = (int64_t)o->via.u64;
        return 0;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
        out->type = VALUE_INT;
        out->i = o->via.i64;
        return 0;
    case MSGPACK_OBJECT_FLOAT64:
        if (!isfinite(o->via.f64))
            return hz_err_set(err, HZ_EMALFORMED, "%s: NaN or Inf", what);
        out->type = VALUE_REAL;
        out->r = o->via.f64;
        return 0;
    case MSGPACK_OBJECT_STR:
        out->type = VALUE_STR;
        return mp_str(o, HZ_TEXT_LEN_MAX, &out->s, what, err);
    case MSGPACK_OBJECT_BIN:
        out->type = VALUE_BIN;
        return mp_bin(o, HZ_TEXT_LEN_MAX, &out->s, what, err);
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_ARRAY:
    case MSGPACK_OBJECT_MAP:
    case MSGPACK_OBJECT_EXT:
        break;
    }
    return hz_err_set(err, HZ_EMALFORMED, "%s: not a scalar value", what);
}

bool utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xc2 && c <= 0xdf) {
            n = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i <= n)
            return false;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0u) != 0x80u)
                return false;
            cp = (cp << 6) | (p[i + k] & 0x3fu);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += n + 1;
    }
    return true;
}

void hex_encode(const uint8_t *p, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 0x0f];
    }
    out[2 * len] = '\0';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int hex_decode(const char *s, uint8_t *out, size_t len)
{
    if (s == NULL || strlen(s) != 2 * len)
        return HZ_EINVAL;
    for (size_t i = 0; i < len; i++) {
        int hi = hex_digit(s[2 * i]);
        int lo = hex_digit(s[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return HZ_EINVAL;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
