/* syncmsg.h - the messages of a live-sync session (proto/sync.md,
 * "Session"), one per frame of the channel (channel.h), and the order a
 * session allows them in. Pure: the caller moves the frames, gives its
 * vector and the entries the peer lacks, and hands what arrives to the
 * store's ingest.
 *
 *   hello   = [0, version]                   first, each side
 *   vector  = [1, [[author, seq, hash], ...], more]
 *   entries = [2, [entry bytes, ...]]
 *   done    = [3]                            all the peer lacked at its
 *                                            last vector round was sent
 *   keepalive = [4]                          nothing else to say
 *   zentries = [5, size, zstd frame]         version 2: entries, their
 *                                            list compressed (below)
 *
 * A message of a type this version does not know is skipped (a newer
 * peer may send more); a known one must have exactly its form. */
#ifndef HZ_CORE_SYNCMSG_H
#define HZ_CORE_SYNCMSG_H

#include "codec.h"
#include "types.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HZ_SYNC_VERSION 2u
/* Authors in one vector message, and entry bytes in one entries message
 * (below HZ_FRAME_PLAIN_MAX with room for the framing). limits.md. */
#define HZ_SYNC_VECTOR_MAX 8192u
/* Authors in one vector round, over all its messages (a receiver keeps
 * the round: 72 bytes an author, 9 MiB at most). More than members and
 * the strangers' cap (limits.h) together hold in any real network; a
 * sender with more lists the first this many. */
#define HZ_SYNC_ROUND_MAX 131072u
#define HZ_SYNC_ENTRIES_BYTES (1024u * 1024u - 4096u)

enum sync_type {
    SYNC_HELLO = 0,
    SYNC_VECTOR = 1,
    SYNC_ENTRIES = 2,
    SYNC_DONE = 3,
    SYNC_KEEPALIVE = 4,
    SYNC_ZENTRIES = 5, /* version 2 */
    SYNC_UNKNOWN = -1, /* a type this version skips */
};

/* The session version that knows zentries. */
#define HZ_SYNC_VERSION_ZSTD 2u

/* One author of a vector: its chain's top seq and the entry id there. */
struct sync_has {
    uint8_t author[HZ_KEY_LEN];
    uint64_t seq;
    uint8_t hash[HZ_HASH_LEN];
};

/* Whose an entry taken in is, as the store decoded it (@decoded false: it
 * did not decode, and the store refused it). */
struct sync_from {
    uint8_t author[HZ_KEY_LEN];
    uint64_t seq;
    bool decoded;
};

/* A decoded message; items borrow from @u (sync_msg_close frees it). */
struct sync_msg {
    enum sync_type type;
    uint64_t version; /* hello */
    size_t count;     /* vector: authors; entries: entries */
    bool more;        /* vector: another vector message follows */
    msgpack_unpacked u;
    const msgpack_object *items;
    /* zentries: the list's size and its zstd frame, borrowed */
    uint64_t zsize;
    const uint8_t *z;
    size_t zlen;
};

/* zstd's contexts and a buffer for one list, made on first use and kept
 * for the session (sync_zstd_free); all zero before. */
struct sync_zstd {
    void *cctx, *dctx;
    uint8_t *list; /* HZ_FRAME_PLAIN_MAX */
    struct enc plain;
};
void sync_zstd_free(struct sync_zstd *z);

/* @version: the highest this side speaks (1 to HZ_SYNC_VERSION). */
int sync_hello_encode(uint64_t version, struct enc *out);
int sync_vector_encode(const struct sync_has *has, size_t n, bool more,
                       struct enc *out);
/* @count entries (at most HZ_SYNC_ENTRIES_BYTES in all: the caller
 * fills a message up to that). */
int sync_entries_encode(const uint8_t *const *p, const size_t *len,
                        size_t count, struct enc *out);
/* The same entries as a zentries message (proto/sync.md, "Compressed
 * entries"): the list with the prev of each entry that follows its
 * predecessor left off, compressed; *@smaller false when that is not
 * shorter than the entries message, and then @out holds the entries
 * message instead. */
int sync_zentries_encode(struct sync_zstd *z, const uint8_t *const *p,
                         const size_t *len, size_t count, bool *smaller,
                         struct enc *out);
int sync_done_encode(struct enc *out);
int sync_keepalive_encode(struct enc *out);

/* Decode one message's plaintext, in a session that speaks @version
 * (0 before the peer's hello: zentries is then a type not known).
 * HZ_EMALFORMED for a known type in another form, HZ_ETOOBIG past the
 * limits. */
int sync_msg_decode(struct sync_msg *m, const uint8_t *p, size_t len,
                    uint64_t version, struct hz_err *err);
/* A zentries message's list, decompressed within its declared size into
 * @z's buffer and decoded as an entries message @out (type SYNC_ENTRIES,
 * every prev left off restored). HZ_EMALFORMED for a frame that is not
 * one zstd frame of exactly that size, or a list not in its one form;
 * HZ_ETOOBIG past the limits. */
int sync_zentries_open(struct sync_zstd *z, const struct sync_msg *m,
                       struct sync_msg *out, struct hz_err *err);
void sync_msg_close(struct sync_msg *m);
/* Item @i of a vector message. */
void sync_msg_has(const struct sync_msg *m, size_t i, struct sync_has *out);
/* Entry @i of an entries message, borrowed. */
void sync_msg_entry(const struct sync_msg *m, size_t i, const uint8_t **p,
                    size_t *len);

/* The order of one side's incoming messages: hello first (the session
 * speaks the lower version); then vector rounds, each of vector messages
 * with authors in strictly rising order until one says no more, a new
 * round only once the one before was answered (its done sent); one done
 * for each of our rounds; entries and keepalives at any time after
 * hello. */
struct sync_order {
    bool hello, in_round, any_author;
    uint64_t mine;    /* the version this side says (0: HZ_SYNC_VERSION) */
    uint64_t version; /* the session's, once the peer's hello came */
    uint64_t rounds;  /* the peer's vector rounds received whole */
    uint64_t round_authors; /* in the round being received */
    uint64_t dones;         /* the peer's done messages */
    uint8_t last_author[HZ_KEY_LEN];
};

/* Check @m against the order so far and advance it, given how many of
 * the peer's rounds this side has @answered (sent done for) and how many
 * rounds of its own it has @sent whole: 0, or HZ_EMALFORMED (out of
 * order: the session ends). */
int sync_order_take(struct sync_order *o, const struct sync_msg *m,
                    uint64_t answered, uint64_t sent, struct hz_err *err);

#endif
