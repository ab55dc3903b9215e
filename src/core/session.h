/* session.h - one live-sync session, the whole protocol of proto/sync.md
 * as a state machine fed bytes and time: the handshake (channel.h), then
 * the session's messages (syncmsg.h). It returns bytes to send and hands
 * entries to the store through the caller's callbacks; it does no I/O of
 * its own, so the simulator and a socket run the same code.
 *
 *   s = sync_sess_new(role, ...)     client: bytes to send at once
 *   sync_sess_feed(s, bytes, now)   bytes received; more to send
 *   sync_sess_tick(s, now)          time passes: a handshake that takes
 *                                   too long ends the session
 *
 * A session is over when both sides sent done and received the other's
 * (one-shot sync) or when any call fails (the caller drops the
 * connection; nothing more is sent). */
#ifndef HZ_CORE_SESSION_H
#define HZ_CORE_SESSION_H

#include "channel.h"
#include "syncmsg.h"

/* A handshake must finish within this (limits.md). */
#define HZ_HS_TIMEOUT_MS 10000u

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
    /* The entries a peer with vector @has lacks: @emit once each. */
    int (*delta)(void *ctx, const struct sync_has *has, size_t n_has,
                 int (*emit)(void *s, const uint8_t *p, size_t len,
                             struct hz_err *err),
                 void *s, struct hz_err *err);
    /* Take @count entries in (one transaction); refusals of single
     * entries are the store's to count, not errors. */
    int (*ingest)(void *ctx, size_t count, const uint8_t *const *p,
                  const size_t *len, struct hz_err *err);
};

struct sync_sess;

/* What a session has done so far. */
struct sync_sess_stats {
    uint64_t frames_in, frames_out, bytes_in, bytes_out;
    uint64_t entries_in, entries_out;
};

/* Start a session as @role with this side's key pair and chain and the
 * network secret; @seed (32 fresh random bytes) makes the key share. A
 * client's first bytes are appended to @out. */
int sync_sess_new(struct sync_sess **out_s, enum hs_role role,
                  const uint8_t *secret, const struct hs_self *self,
                  const uint8_t *seed, const struct sync_io *io,
                  uint64_t now_ms, struct enc *out, struct hz_err *err);
/* Bytes received (any amount); bytes to send are appended to @out. */
int sync_sess_feed(struct sync_sess *s, const uint8_t *in, size_t len,
                   uint64_t now_ms, struct enc *out, struct hz_err *err);
/* HZ_EIO when the handshake has taken longer than HZ_HS_TIMEOUT_MS. */
int sync_sess_tick(struct sync_sess *s, uint64_t now_ms, struct hz_err *err);
/* Both sides sent done and received the other's. */
bool sync_sess_caught_up(const struct sync_sess *s);
/* The peer's key, once it proved it (NULL before). */
const uint8_t *sync_sess_peer(const struct sync_sess *s);
void sync_sess_stats(const struct sync_sess *s, struct sync_sess_stats *out);
void sync_sess_free(struct sync_sess *s);

#endif
