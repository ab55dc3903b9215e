/* gen_certs.h - what the two halves of certs.json's generator share
 * (gen_certs.c: the objects, entries and tokens that must be accepted;
 * gen_certs_refused.c: those that must be refused). proto/trust.md. */
#ifndef HZ_GEN_CERTS_H
#define HZ_GEN_CERTS_H

#include "gen_common.h"

#include "core/trust.h"

/* The keys of certs.json, each from 32 copies of one byte (tkeys,
 * gen_certs.c). */
enum tkey {
    TK_ROOT,
    TK_DEVICE,
    TK_ADMIN_A,
    TK_COORD,
    TK_SITE,
    TK_ADMIN_B,
    TK_VIEWER,
    TK_OTHER_ROOT,
    TK_N,
};

/* The site the site certificates name, and the revoking admin's record
 * of the device's entry at seq 3 (gen_certs.c). */
extern const uint8_t trust_site[HZ_ROW_LEN];
extern const uint8_t trust_after_id[HZ_HASH_LEN];

#define TRUST_NET_NAME "测试救灾网络"

#define TOBJ_MAX 16

/* The world of certs.json: its keys, its network, and the objects made so
 * far under their vector names. */
struct tgen {
    struct gen *g;
    struct identity k[TK_N];
    uint8_t network[HZ_NET_LEN];
    struct {
        const char *vector;
        enum op_kind kind;
        struct blob b;
    } obj[TOBJ_MAX];
    size_t n_obj;
    uint64_t seq[TK_N]; /* each author's last entry */
    uint8_t prev[TK_N][HZ_HASH_LEN];
};

/* The bytes of the object named @vector; an unknown name dies. */
const struct blob *tobj(const struct tgen *t, const char *vector);

/* The objects, bodies, entries and token payloads that must be refused,
 * each checked against the code, into @a. */
void certs_refused(const struct tgen *t, json_t *a);

#endif
