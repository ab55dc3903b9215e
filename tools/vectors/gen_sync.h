/* gen_sync.h - what the generators of live sync's vectors share
 * (gen_handshake.c: handshake.json; gen_session.c: session.json;
 * proto/sync.md): the network secret, the two members with their fixed
 * device keys, key share seeds and opaque chains, and their handshake. */
#ifndef HZ_GEN_SYNC_H
#define HZ_GEN_SYNC_H

#include "gen_common.h"

#include "core/channel.h"

/* One member: its device key from 32 copies of a byte, its key share
 * seed from 32 copies of that byte ^ 0x5a, and its chain (opaque text). */
struct hs_side {
    uint8_t seed[32], pk[32], sk[64], share[32];
    uint8_t chain[24];
    size_t chain_len;
    struct hs_self self;
};

/* The network secret: 0x40, 0x41, ... 0x5f. */
void hs_net_secret(uint8_t net[HZ_HS_KEY_LEN]);
/* The client (0xa1) and the server (0xb2). */
void hs_sides(struct hs_side *client, struct hs_side *server);
/* seed, key, chain and share_seed. */
json_t *side_json(const struct hs_side *s);
/* The handshake of @a dialling @b, each accepting the other: msg1 to
 * msg4 appended to @m[0] to @m[3], both sides left done in @c and @s
 * (hs_wipe them). */
void hs_run(const uint8_t *net, const struct hs_side *a,
            const struct hs_side *b, struct hs *c, struct hs *s,
            struct enc m[4]);
/* msg1 to msg4 of @m and the session keys (c2s from @c, s2c from @s)
 * into @root. */
void hs_record(json_t *root, const struct enc m[4], const struct hs *c,
               const struct hs *s);

#endif
