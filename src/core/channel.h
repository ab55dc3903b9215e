/* channel.h - the secure channel of live sync (proto/sync.md, "Handshake"
 * and "Frames"; DECISIONS 33): a handshake keyed by the network secret
 * and fresh X25519 key shares of both sides, in which the dialling side
 * (client) proves its device key and shows its certificate chain first,
 * and the answering side (server) reveals itself only after the caller
 * judged that chain; then frames encrypted and authenticated in each
 * direction with its own key and a counter.
 *
 *   msg1  client -> server  a_pub || BLAKE2b(key=K, "huzhu hs1 v1" || a_pub)
 *   msg2  server -> client  b_pub || BLAKE2b(key=K, "huzhu hs2 v1" || a_pub
 *                                                    || b_pub)
 *   msg3  client -> server  len || secretbox(k3, [A, chain, sig_A(T2)])
 *   msg4  server -> client  len || secretbox(k4, [B, chain, sig_B(T3)])
 *
 * Pure: no I/O, no clock, no randomness of its own (the caller gives the
 * ephemeral seed), so the simulator and the vectors run it as it is. The
 * chain is opaque here: the caller judges it against its trust state
 * (HS_PEER) and tells the machine to go on (hs_accept) or drops it. */
#ifndef HZ_CORE_CHANNEL_H
#define HZ_CORE_CHANNEL_H

#include "codec.h"
#include "types.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HZ_HS_KEY_LEN 32u
#define HZ_HS_HELLO_LEN 64u /* msg1 and msg2 */
/* A certificate chain shown in a handshake (limits.md). */
#define HZ_HS_CHAIN_MAX 16384u
/* msg3 and msg4 payloads: [key, chain, sig] with msgpack overhead. */
#define HZ_HS_PROOF_MAX (HZ_HS_CHAIN_MAX + 256u)
/* A frame's plaintext after the handshake (limits.md). */
#define HZ_FRAME_PLAIN_MAX (1024u * 1024u)
#define HZ_FRAME_TAG_LEN 16u

enum hs_role { HS_CLIENT, HS_SERVER };

/* What hs_feed and hs_accept return when they do not fail. */
enum hs_step {
    HS_MORE = 0, /* feed more bytes */
    HS_PEER = 1, /* the peer proved its key: judge hs->peer_key and its chain,
                    then hs_accept (or drop the connection) */
    HS_DONE = 2, /* the channel is open: hs->tx_key and rx_key are set */
};

/* This side: its Ed25519 key pair (libsodium's 64-byte secret key) and
 * the certificate chain it shows (canonical msgpack, opaque here). */
struct hs_self {
    const uint8_t *pk, *sk;
    const uint8_t *chain;
    size_t chain_len;
};

struct hs {
    enum hs_role role;
    int state;
    uint8_t net[HZ_HS_KEY_LEN]; /* the network secret */
    struct hs_self self;
    uint8_t eph_sk[32], eph_pk[32], peer_eph[32];
    uint8_t shared[32];
    uint8_t t[HZ_HASH_LEN]; /* transcript hash so far */
    uint8_t buf[4 + HZ_HS_PROOF_MAX + 16u];
    size_t have; /* bytes of the message being read */
    /* The peer, once proven (HS_PEER): its key and chain (in buf). */
    uint8_t peer_key[HZ_KEY_LEN];
    const uint8_t *peer_chain;
    size_t peer_chain_len;
    uint8_t plain[HZ_HS_PROOF_MAX];
    uint8_t tx_key[HZ_HS_KEY_LEN], rx_key[HZ_HS_KEY_LEN];
};

/* Start a handshake. @seed (32 bytes, fresh and secret, from the caller's
 * randomness) makes the ephemeral key share. A client's first message is
 * appended to @out. The chain must be at most HZ_HS_CHAIN_MAX bytes. */
int hs_start(struct hs *h, enum hs_role role, const uint8_t *net_secret,
             const struct hs_self *self, const uint8_t *seed, struct enc *out,
             struct hz_err *err);
/* Feed bytes received; *@used of them are taken (the rest belong to what
 * follows: feed them again after HS_PEER or HS_DONE). Bytes to send are
 * appended to @out. Errors, after which the connection is dropped with
 * nothing more sent: HZ_ENETWORK (not keyed by this network's secret),
 * HZ_EBADSIG (a box or signature that does not verify), HZ_EMALFORMED,
 * HZ_ETOOBIG. */
int hs_feed(struct hs *h, const uint8_t *in, size_t len, size_t *used,
            struct enc *out, struct hz_err *err);
/* After HS_PEER, the caller accepted the peer: a server sends its own
 * proof (appended to @out) and is done; a client is done. HS_DONE. */
int hs_accept(struct hs *h, struct enc *out, struct hz_err *err);
/* Forget the secrets. */
void hs_wipe(struct hs *h);

/* ---- frames after the handshake */

struct chan {
    uint8_t tx_key[HZ_HS_KEY_LEN], rx_key[HZ_HS_KEY_LEN];
    uint64_t tx_n, rx_n;
};

void chan_init(struct chan *c, const struct hs *done);
/* Append one frame of @len plaintext bytes (at most HZ_FRAME_PLAIN_MAX)
 * to @out: length (u32, big-endian, of what follows) and the ciphertext
 * with its tag. */
int chan_seal(struct chan *c, const uint8_t *p, size_t len, struct enc *out,
              struct hz_err *err);
/* Open the frame at the start of @in: 1 when @in does not hold a whole
 * frame yet; 0 with its plaintext in @plain (HZ_FRAME_PLAIN_MAX bytes)
 * and *@used bytes taken; an error (HZ_ETOOBIG for a declared length over
 * the limit, HZ_EBADSIG for a frame that does not open: tampered,
 * replayed, reordered or reflected) after which the channel is dropped. */
int chan_open(struct chan *c, const uint8_t *in, size_t len, size_t *used,
              uint8_t *plain, size_t *plain_len, struct hz_err *err);

#endif
