/* session.h - one live-sync session, the whole protocol of proto/sync.md
 * as a state machine fed bytes and time: the handshake (channel.h), then
 * the session's messages (syncmsg.h). It returns bytes to send and hands
 * entries to the store through the caller's callbacks; it does no I/O of
 * its own, so the simulator and a socket run the same code.
 *
 *   s = sync_sess_new(role, ...)     client: bytes to send at once
 *   sync_sess_feed(s, bytes, now)    bytes received; replies to send
 *   sync_sess_pump(s, now, room)     entries to send, as many as @room
 *                                    bytes allow: the caller's flow
 *                                    control (call it when its send
 *                                    queue drains, and on a timer: new
 *                                    entries in the store are pushed)
 *
 * A session runs until the caller closes it or any call fails (the
 * caller drops the connection; nothing more is sent). After the first
 * vector round each side pushes what its store gains; a one-shot sync,
 * once caught up (sync_sess_caught_up), sends one more round
 * (sync_sess_round) and closes when the peer answered it
 * (sync_sess_answered). */
#ifndef HZ_CORE_SESSION_H
#define HZ_CORE_SESSION_H

#include "channel.h"
#include "syncmsg.h"

/* A handshake must finish within this (limits.md). */
#define HZ_HS_TIMEOUT_MS 10000u
/* A keepalive goes out after this long with nothing sent, and a new
 * vector round this long after this side sent its last, once both sides
 * answered every round (proto/sync.md). */
#define HZ_KEEPALIVE_MS 15000u
#define HZ_ROUND_MS 300000u
/* Authors whose held chain a session remembers for its peer (push skips
 * what the peer holds); past it, entries of further authors may be sent
 * to a peer that has them (a duplicate, no more). */
#define HZ_SESS_KNOWN_MAX 16384u

/* One entry the store hands a session to send: a chain entry of the log
 * (@chain) or fork evidence or a pending entry; @pushed when it is sent
 * because it arrived after the session's first vector round. */
struct sync_item {
    const uint8_t *author;
    uint64_t seq;
    bool chain, pushed;
    const uint8_t *p;
    size_t len;
};
/* What an item callback returns when the message is full: the item was
 * not taken, and the store gives it again at the next call. */
#define SYNC_FULL 1
typedef int (*sync_emit_fn)(void *s, const struct sync_item *it,
                            struct hz_err *err);

/* What the caller provides: the store's side of a session. Each returns 0
 * or an error code (with @err), which ends the session. */
struct sync_io {
    void *ctx;
    /* May the peer that proved @key, showing @chain, sync with us? */
    int (*judge)(void *ctx, const uint8_t *key, const uint8_t *chain,
                 size_t len, struct hz_err *err);
    /* Our vector: @emit once per author, in key order. */
    int (*vector)(void *ctx,
                  int (*emit)(void *s, const struct sync_has *h,
                              struct hz_err *err),
                  void *s, struct hz_err *err);
    /* A vector round of the peer's is whole: what it lacks at @has
     * (rising key order) is what @next gives until it says the round
     * is done. The first round also fixes where pushing starts. */
    int (*round)(void *ctx, const struct sync_has *has, size_t n_has,
                 struct hz_err *err);
    /* Entries to send, @emit once each until it returns SYNC_FULL or
     * none is left: the round's, then (*@round_done set true, and
     * nothing emitted after it in the same call) what arrived since the
     * last call. */
    int (*next)(void *ctx, sync_emit_fn emit, void *s, bool *round_done,
                struct hz_err *err);
    /* Take @count entries in (one transaction); refusals of single
     * entries are the store's to count, not errors. @from (@count of
     * them, zeroed) gets whose each entry is, from the store's one
     * decoding of it. */
    int (*ingest)(void *ctx, size_t count, const uint8_t *const *p,
                  const size_t *len, struct sync_from *from,
                  struct hz_err *err);
};

struct sync_sess;

/* What a session has done so far. */
struct sync_sess_stats {
    uint64_t frames_in, frames_out, bytes_in, bytes_out;
    uint64_t entries_in, entries_out;
    uint64_t zentries_in, zentries_out; /* entries messages compressed */
};

/* Start a session as @role with this side's key pair and chain and the
 * network secret; @seed (32 fresh random bytes) makes the key share. A
 * client's first bytes are appended to @out. */
int sync_sess_new(struct sync_sess **out_s, enum hs_role role,
                  const uint8_t *secret, const struct hs_self *self,
                  const uint8_t *seed, const struct sync_io *io,
                  uint64_t now_ms, struct enc *out, struct hz_err *err);
/* Bytes received (any amount); replies to send are appended to @out. */
int sync_sess_feed(struct sync_sess *s, const uint8_t *in, size_t len,
                   uint64_t now_ms, struct enc *out, struct hz_err *err);
/* Append to @out what there is to send while it holds less than @room
 * bytes (entries, done, a keepalive, a new round): 0, or HZ_EIO when the
 * handshake has taken longer than HZ_HS_TIMEOUT_MS, or the store's
 * failure. */
int sync_sess_pump(struct sync_sess *s, uint64_t now_ms, size_t room,
                   struct enc *out, struct hz_err *err);
/* Send a vector round now (HZ_EINVAL while the last is unanswered). The
 * peer takes messages in order, so its done for this round says it has
 * taken in everything this side sent before it: a one-shot sync ends on
 * that, not on its own writes. */
int sync_sess_round(struct sync_sess *s, uint64_t now_ms, struct enc *out,
                    struct hz_err *err);
/* The peer answered every vector round this side sent. */
bool sync_sess_answered(const struct sync_sess *s);
/* Both sides answered the other's first vector round (sent done). */
bool sync_sess_caught_up(const struct sync_sess *s);
/* The channel is open: both sides proved and accepted the other. */
bool sync_sess_open(const struct sync_sess *s);
/* The peer's key, once it proved it by its signature (NULL before), also
 * when this side then refused it. */
const uint8_t *sync_sess_peer(const struct sync_sess *s);
/* Once the channel is open, an id both sides of this session compute
 * alike and no other session has (HZ_HASH_LEN bytes; NULL before): which
 * of two sessions between one pair is kept (proto/sync.md). */
const uint8_t *sync_sess_id(const struct sync_sess *s);
void sync_sess_stats(const struct sync_sess *s, struct sync_sess_stats *out);
/* How far behind each side is, against @ours (every author this node
 * holds with its chain's top seq, in key order, e.g. store_tops): the
 * entries the peer lacks of ours and we of its, from what the session
 * knows the peer holds (its vectors, raised by entries moved either way:
 * per author, the difference of the chains' tops). False before the
 * peer's first vector round was whole (nothing known). Past
 * HZ_SESS_KNOWN_MAX authors the peer is taken to hold nothing of the
 * others'. */
bool sync_sess_lag(const struct sync_sess *s, const struct sync_has *ours,
                   size_t n_ours, uint64_t *they_lack, uint64_t *we_lack);
/* Say @version (1 to HZ_SYNC_VERSION) in this side's hello instead of
 * HZ_SYNC_VERSION, as an older node would: before the channel opens,
 * else HZ_EINVAL. */
int sync_sess_set_version(struct sync_sess *s, uint64_t version);
/* Send later vector rounds every @ms instead of HZ_ROUND_MS (tests: a
 * sync longer than a round interval, in seconds instead of minutes). */
void sync_sess_set_round_ms(struct sync_sess *s, uint64_t ms);
/* The version the session speaks (the lower hello), 0 before the peer's
 * hello. */
uint64_t sync_sess_version(const struct sync_sess *s);
void sync_sess_free(struct sync_sess *s);

#endif
