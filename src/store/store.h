/* store.h - the part of the store that the network and web layers may
 * use (src/net, src/http): moving whole entries in and out of a node.
 * Everything else they need is the public API (include/huzhu). The
 * store's private headers (node/node.h and the per-concern headers, all
 * gathered by internal.h) stay inside src/store and the tests;
 * tests/unit/layers.sh fails the build's tests when net or http include
 * them. */
#ifndef HZ_STORE_H
#define HZ_STORE_H

#include "huzhu/bundle.h"
#include "huzhu/node.h"

#include "../core/session.h"
#include "../core/syncmsg.h"

#include <stddef.h>
#include <stdint.h>

/* Call @cb with the bytes of every entry the node holds: the log in
 * arrival order, then fork evidence, then pending entries, from one
 * snapshot. Stops and returns @cb's value when it is not 0. */
int store_relay_each(hz_node *n,
                     int (*cb)(void *data, const uint8_t *p, size_t len),
                     void *data, struct hz_err *err);
/* Take in @count entries (bytes and lengths) in one transaction, with
 * exactly the checks of a bundle import. Refused entries are counted in
 * stats->refused and change nothing; a failure of the node itself (disk,
 * memory) rolls the whole batch back and is returned. */
int store_relay_ingest(hz_node *n, size_t count, const uint8_t *const *p,
                       const size_t *len, struct hz_ingest_stats *stats,
                       struct hz_err *err);

/* What this node needs to open a live-sync channel (proto/sync.md): the
 * network secret, its device key pair (libsodium's 64-byte secret key;
 * borrowed from the node) and the chain it shows (owned: free with
 * store_channel_self_close). HZ_ENETWORK in no network (DECISIONS 32),
 * HZ_ENOCERT without a certificate in effect. */
struct store_self {
    uint8_t secret[32];
    const uint8_t *pk, *sk;
    uint8_t *chain;
    size_t chain_len;
};
int store_channel_self(hz_node *n, struct store_self *out, struct hz_err *err);
void store_channel_self_close(struct store_self *s);
/* May the device that proved @key in a handshake, showing @chain, open a
 * channel with this node? 0, or the refusal with its reason
 * (proto/sync.md, "The chain a peer shows"). Reads only. */
int store_channel_judge(hz_node *n, const uint8_t *key, const uint8_t *chain,
                        size_t len, struct hz_err *err);

/* This node's vector, author by author in key order: its chain's top
 * seq and the entry id there (proto/bundle.md, "Vector"; the live-sync
 * vector message, proto/sync.md). One snapshot. */
int store_vector_each(hz_node *n,
                      int (*cb)(void *data, const struct sync_has *h,
                                struct hz_err *err),
                      void *data, struct hz_err *err);
/* Call @cb with the bytes of every entry a peer whose vector is @has
 * (@n_has authors in rising key order, else HZ_EINVAL) lacks, as a bundle
 * for that vector carries them (proto/bundle.md, "Writing a bundle"),
 * from one snapshot. */
int store_delta_each(hz_node *n, const struct sync_has *has, size_t n_has,
                     int (*cb)(void *data, const uint8_t *p, size_t len,
                               struct hz_err *err),
                     void *data, struct hz_err *err);

/* The store's side of a live-sync session (core/session.h) for @n:
 * judging the peer, our vector, the peer's delta, and ingest in one
 * transaction per entries message, counted into @ctx->got. */
struct store_sync {
    hz_node *n;
    struct hz_ingest_stats got;
};
void store_sync_io(struct store_sync *ctx, struct sync_io *io);

#endif
