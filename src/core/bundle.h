/* bundle.h - the bundle file's own structures (proto/bundle.md): the
 * header and trailer frames of a plain bundle.
 *
 *   header  = [1, network bin16, exporter bin32, created_ms, scope]
 *   trailer = [count, digest bin32]
 *
 * One codec for writer and reader: encoded canonically (codec.h), and
 * decoded strictly, so that a reader accepts exactly the bytes a writer
 * emits for the same values ("Header and trailer"). Pure: the frames and
 * the digest live in src/store/files/bundle.c. */
#ifndef HZ_CORE_BUNDLE_H
#define HZ_CORE_BUNDLE_H

#include "codec.h"
#include "types.h"

#define HZ_BUNDLE_VERSION 1u

/* What a plain bundle holds: everything, or a delta for a vector. */
enum bundle_scope {
    BUNDLE_SCOPE_ALL = 0,
    BUNDLE_SCOPE_DELTA = 1,
};

struct bundle_header {
    uint8_t network[HZ_NET_LEN];
    uint8_t exporter[HZ_KEY_LEN];
    uint64_t created_ms;
    enum bundle_scope scope;
};

struct bundle_trailer {
    uint64_t count; /* entry frames */
    uint8_t digest[HZ_HASH_LEN];
};

/* Encode into @out (reset first). 0 or HZ_ENOMEM. */
int bundle_header_encode(const struct bundle_header *h, struct enc *out);
int bundle_trailer_encode(const struct bundle_trailer *t, struct enc *out);

/* Decode a header frame's payload @buf[0..len). Refuses, HZ_EMALFORMED,
 * anything but the canonical bytes of [1, network, exporter, created_ms,
 * scope] with scope 0 or 1; a first element that is an unsigned int
 * other than 1 is HZ_EVERSION. Does not compare the network. */
int bundle_header_decode(struct bundle_header *h, const uint8_t *buf,
                         size_t len, struct hz_err *err);

/* Decode a trailer frame's payload: the canonical bytes of [count,
 * digest], else HZ_EMALFORMED. Does not judge the count or the digest. */
int bundle_trailer_decode(struct bundle_trailer *t, const uint8_t *buf,
                          size_t len, struct hz_err *err);

#endif
