/* bundle.h - the bundle file's own structures (proto/bundle.md): the
 * header and trailer frames of a plain bundle, the header of a sealed
 * one, and the rule its chunks follow.
 *
 *   header  = [1, network bin16, exporter bin32, created_ms, scope]
 *   trailer = [count, digest bin32]
 *   sealed header = [1, network bin16, key_id bin16, epoch, carried]
 *
 * One codec for writer and reader: encoded canonically (codec.h), and
 * decoded strictly, so that a reader accepts exactly the bytes a writer
 * emits for the same values ("Header and trailer", "Sealed bundles").
 * Pure: the frames, the digest, the keys and the secretstream live in
 * src/store/files (bundle.c, seal.c). */
#ifndef HZ_CORE_BUNDLE_H
#define HZ_CORE_BUNDLE_H

#include "cert.h"
#include "codec.h"
#include "types.h"

#define HZ_BUNDLE_VERSION 1u
#define HZ_SEALED_VERSION 1u

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

struct sealed_header {
    uint8_t network[HZ_NET_LEN];
    uint8_t key_id[HZ_KEY_ID_LEN];
    uint64_t epoch;
    /* The epoch object (trust.md) of @epoch, borrowed; p NULL at epoch 0. */
    struct hz_bytes carried;
};

/* Encode into @out (reset first). 0 or HZ_ENOMEM. */
int bundle_header_encode(const struct bundle_header *h, struct enc *out);
int bundle_trailer_encode(const struct bundle_trailer *t, struct enc *out);
int bundle_sealed_header_encode(const struct sealed_header *h, struct enc *out);

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

/* Decode a sealed bundle's header (borrowing from @buf): the canonical
 * bytes of [1, network, key_id, epoch, carried], carried nil at epoch 0
 * and otherwise an epoch object naming this network, epoch and key id
 * (its signature is not checked: sealing gives secrecy, not trust).
 * HZ_EVERSION for another version of the header or of the epoch object
 * it carries, else HZ_EMALFORMED. Does not compare the network or look
 * for the key. */
int bundle_sealed_header_decode(struct sealed_header *h, const uint8_t *buf,
                                size_t len, struct hz_err *err);

/* The length field of sealed chunk @index (from 0): 17 (the tag) to
 * 65,536 + 17 bytes of ciphertext, else HZ_EMALFORMED naming it. */
int bundle_chunk_len_check(uint64_t index, size_t len, struct hz_err *err);

/* Chunk @index authenticated with @tag and @plain_len bytes (at most
 * HZ_SEALED_CHUNK_LEN): a MESSAGE chunk of exactly 65,536 bytes (*last
 * false) or a FINAL chunk of 1 to 65,536 (*last true); anything else is
 * HZ_EMALFORMED naming it. */
int bundle_chunk_check(uint64_t index, unsigned tag, size_t plain_len,
                       bool *last, struct hz_err *err);

#endif
