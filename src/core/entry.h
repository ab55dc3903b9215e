/* entry.h - the signed entry envelope of format 1 (proto/entry.md).
 *
 *   entry = [version, network, author, seq, prev, clock, body, sig]
 *
 * The envelope never changes; only the body evolves (DECISIONS 1). The
 * signature covers TAG || [version, network, author, seq, prev, clock,
 * body] and the entry id is BLAKE2b-256 of the same bytes. */
#ifndef HZ_ENTRY_H
#define HZ_ENTRY_H

#include "codec.h"
#include "types.h"

#include <stdbool.h>

#define HZ_ENTRY_VERSION 1u
#define HZ_ENTRY_TAG "huzhu entry v1"

struct entry {
    uint64_t version;
    uint8_t network[HZ_NET_LEN];
    uint8_t author[HZ_KEY_LEN];
    uint64_t seq;
    uint8_t prev[HZ_HASH_LEN]; /* all zero for seq 1 */
    uint64_t clock;
    struct hz_bytes body; /* borrowed from the buffer decoded or encoded */
    uint8_t sig[HZ_SIG_LEN];
    uint8_t id[HZ_HASH_LEN]; /* computed: BLAKE2b-256 of the signing input */
};

/* Decode @buf as one entry: bounded unpack, field types and sizes, and the
 * canonical-bytes rule (re-encoding must give @buf exactly). Computes
 * e->id. Does not check the signature. e->body borrows from @buf.
 * Errors: HZ_EMALFORMED, HZ_ETOOBIG, HZ_EVERSION (envelope version other
 * than 1). */
int entry_decode(struct entry *e, const uint8_t *buf, size_t len,
                 struct hz_err *err);

/* Decode the bytes of an entry this node has already checked (stored in
 * its log or pending, or verified in pass 1 of an import): the fields
 * read where the canonical encoding puts them, every length checked,
 * without unpacking again, the canonical-bytes rule or the id hash,
 * which held when the bytes were checked. e->id is copied from @id.
 * Bytes without that shape: HZ_EMALFORMED. */
int entry_decode_known(struct entry *e, const uint8_t *buf, size_t len,
                       const uint8_t *id, struct hz_err *err);

/* Check e->sig over the signing input with libsodium's strict Ed25519
 * verification. 0 or HZ_EBADSIG. */
int entry_verify(const struct entry *e, struct hz_err *err);
/* The same for @e decoded from its canonical bytes @buf (entry_decode or
 * entry_decode_known of @buf): the signing input is taken from them, not
 * encoded again. 0, HZ_EBADSIG or HZ_ENOMEM. */
int entry_verify_bytes(const struct entry *e, const uint8_t *buf, size_t len,
                       struct hz_err *err);

/* Sign @e (all fields but sig and id set, body borrowed) with the Ed25519
 * secret key @sk (64 bytes, libsodium layout), fill e->sig and e->id, and
 * write the entry bytes into @out (reset first). 0 or HZ_ENOMEM. */
int entry_sign(struct entry *e, const uint8_t *sk, struct enc *out);

/* Write the entry's bytes (with its signature) into @out (reset first). */
int entry_encode(const struct entry *e, struct enc *out);

/* The chain fields of an entry's bytes, read from where the one form a
 * writer emits puts them (proto/sync.md, "Compressed entries"): array of
 * 8, version 1, network bin 16, author bin 32, seq as a msgpack unsigned
 * (any width), prev bin 32. @author borrows from the bytes; @prev_at is
 * the offset of prev's 32 bytes. False when the bytes do not begin so
 * (nothing else is checked: the store decodes the entry). */
struct entry_link {
    const uint8_t *author;
    uint64_t seq;
    size_t prev_at;
};
bool entry_link(const uint8_t *p, size_t len, struct entry_link *out);

/* The entry id of an entry's bytes (with entry_link's shape and ending in
 * its signature, c4 40 and 64 bytes): BLAKE2b-256 of the tag, 0x97 and
 * the bytes between the first and the signature. False when the bytes do
 * not have that shape. */
bool entry_id_of(const uint8_t *p, size_t len, uint8_t *id);

/* The clock fields (proto/entry.md, "Clock"). */
static inline uint64_t clock_ms(uint64_t clock)
{
    return clock >> 16;
}

#endif
