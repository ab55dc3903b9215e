/* codec.h - canonical msgpack writing and bounded msgpack reading.
 *
 * Every encoding in huzhu goes through here, so "canonical" is decided in
 * one place (proto/entry.md, "Canonical msgpack"): integers in their
 * shortest form, reals as float64 with -0 written as 0 and never NaN or
 * Inf, strings valid UTF-8, arrays only (no maps). Reading always runs the
 * allocation-free pre-scan (mpscan.c, DECISIONS 21) before msgpack-c. */
#ifndef HZ_CODEC_H
#define HZ_CODEC_H

#include "huzhu/error.h"
#include "types.h"

#include <msgpack.h>

/* A growable output buffer with a packer. Errors are sticky: after an
 * allocation failure every call is a no-op and enc_done() reports it. */
struct enc {
    msgpack_sbuffer sb;
    msgpack_packer pk;
    int failed;
};

void enc_init(struct enc *e);
void enc_close(struct enc *e);
void enc_reset(struct enc *e);
/* Hand the bytes written so far to the caller (free them; NULL when
 * none) and leave @e empty, with no buffer of its own. */
uint8_t *enc_release(struct enc *e, size_t *len);
void enc_array(struct enc *e, size_t n);
void enc_uint(struct enc *e, uint64_t v);
void enc_int(struct enc *e, int64_t v);
void enc_bool(struct enc *e, bool v);
void enc_nil(struct enc *e);
void enc_real(struct enc *e, double v);
void enc_str(struct enc *e, const void *p, size_t len);
void enc_cstr(struct enc *e, const char *s);
void enc_bin(struct enc *e, const void *p, size_t len);
/* A bin's header alone: its @len bytes follow by enc_raw. */
void enc_bin_head(struct enc *e, size_t len);
void enc_raw(struct enc *e, const void *p, size_t len);
void enc_value(struct enc *e, const struct value *v);
/* 0, or HZ_ENOMEM if any call failed. */
int enc_done(const struct enc *e);
const uint8_t *enc_data(const struct enc *e);
size_t enc_len(const struct enc *e);

/* Unpack exactly one msgpack object filling buf[0..len), after the
 * pre-scan. On success the caller owns @u (msgpack_unpacked_destroy) and
 * its strings point into @buf. */
int mp_unpack(msgpack_unpacked *u, const uint8_t *buf, size_t len,
              struct hz_err *err);
/* The same with text and bytes of up to @bin_max bytes (mp_unpack's are
 * at most an entry's length). */
int mp_unpack_wide(msgpack_unpacked *u, const uint8_t *buf, size_t len,
                   size_t bin_max, struct hz_err *err);
/* mp_unpack, and whether the bytes take the canonical forms
 * (mpscan_check_canonical) into *@canonical, in the same pre-scan. */
int mp_unpack_canonical(msgpack_unpacked *u, const uint8_t *buf, size_t len,
                        bool *canonical, struct hz_err *err);

/* Typed getters over an unpacked object. Each returns 0 or HZ_EMALFORMED
 * (or HZ_ETOOBIG for a size over @max) with a message naming @what. */
int mp_array(const msgpack_object *o, size_t n_min, size_t n_max,
             const msgpack_object **items, size_t *n, const char *what,
             struct hz_err *err);
int mp_uint(const msgpack_object *o, uint64_t *out, const char *what,
            struct hz_err *err);
int mp_bin_fixed(const msgpack_object *o, void *out, size_t len,
                 const char *what, struct hz_err *err);
int mp_bin(const msgpack_object *o, size_t max, struct hz_bytes *out,
           const char *what, struct hz_err *err);
int mp_str(const msgpack_object *o, size_t max, struct hz_bytes *out,
           const char *what, struct hz_err *err);
/* A scalar value: nil, bool, int, float64, str (UTF-8 checked) or bin. */
int mp_value(const msgpack_object *o, struct value *out, const char *what,
             struct hz_err *err);

/* True if p[0..len) is valid UTF-8 (no overlongs, no surrogates, no
 * code points above U+10FFFF). */
bool utf8_valid(const uint8_t *p, size_t len);

/* Lowercase hex of p[0..len) into out (2*len+1 bytes, NUL-terminated). */
void hex_encode(const uint8_t *p, size_t len, char *out);
/* Parse exactly 2*len lowercase hex digits (the only form ids and keys
 * take, proto/README.md). 0 or HZ_EINVAL. */
int hex_decode(const char *s, uint8_t *out, size_t len);

#endif
