/* peer.c - who may open a live-sync channel (proto/sync.md, "The chain
 * a peer shows"; DECISIONS 18, 29, 32, 33): the chain this node shows,
 * the trusted time it judges certificates at, and the judgement of the
 * chain a peer showed. Reads only; a chain shown in a handshake never
 * enters the trust state (only entries do). */
#include "members.h"

#include "../store.h"

#include "../../core/alloc.h"
#include "../../core/cert.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../../core/token.h"
#include "../../core/trust.h"
#include "../log/log.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY_MS UINT64_C(86400000)
/* An object dated this far past all the others is ignored for the floor. */
#define FLOOR_OUTLIER_MS (30u * DAY_MS)

/* ---- trusted time */

struct times {
    uint64_t *v;
    size_t n, cap;
};

static int add_time(struct times *t, uint64_t ms, struct hz_err *err)
{
    uint64_t *v = hz_grow(t->v, &t->cap, t->n, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "trusted time");
    t->v = v;
    t->v[t->n++] = ms;
    return 0;
}

struct times_walk {
    struct hz_node *n;
    struct times t;
};

/* A certificate in effect counts when the root or an admin signed it. */
static int cert_time(void *data, const uint8_t *p, size_t len,
                     struct hz_err *err)
{
    struct times_walk *w = data;
    struct cert c;
    if (cert_decode(&c, p, len, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "member certificate");
    bool admin = cert_is_root(w->n->network, c.issuer);
    int rv = admin ? 0 : roster_is_admin(w->n, c.issuer, &admin, err);
    return rv != 0 || !admin ? rv : add_time(&w->t, c.issued_ms, err);
}

static int epoch_time(void *data, const uint8_t *p, size_t len,
                      struct hz_err *err)
{
    struct times *t = &((struct times_walk *)data)->t;
    struct epoch e;
    if (epoch_decode(&e, p, len, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "epoch");
    int rv = add_time(t, e.issued_ms, err);
    epoch_close(&e);
    return rv;
}

static int rev_time(void *data, const uint8_t *p, size_t len,
                    struct hz_err *err)
{
    struct times *t = &((struct times_walk *)data)->t;
    struct revocation r;
    if (revocation_decode(&r, p, len, NULL) != 0)
        return hz_err_set(err, HZ_ECORRUPT, "revocation");
    return add_time(t, r.issued_ms, err);
}

static int desc(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

int peer_trusted_time(struct hz_node *n, struct peer_time *out,
                      struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    out->wall_ms = env_now_ms(n);
    struct times_walk w = {n, {0}};
    struct times t = {0};
    int rv = roster_all_certs(n, cert_time, &w, err);
    if (rv == 0)
        rv = roster_epoch_objs_in_effect(n, epoch_time, &w, err);
    if (rv == 0)
        rv = roster_revocations_applied(n, rev_time, &w, err);
    t = w.t;
    if (rv == 0 && t.n > 0) {
        qsort(t.v, t.n, sizeof t.v[0], desc);
        size_t top = 0;
        while (top + 1 < t.n && t.v[top] > t.v[top + 1] + FLOOR_OUTLIER_MS)
            top++;
        out->ignored = top;
        out->floor_ms = t.v[top];
    }
    free(t.v);
    out->ms = out->floor_ms > out->wall_ms ? out->floor_ms : out->wall_ms;
    return rv;
}

/* ---- the chain this node shows */

int peer_own_chain(struct hz_node *n, struct enc *out, struct hz_err *err)
{
    struct token t = {0};
    struct blobs hold = {0};
    int rv = members_chain(n, n->id.pk, 0, &t, &hold, err);
    if (rv == HZ_EPERM)
        rv = hz_err_set(err, HZ_ENOCERT,
                        "this device holds no certificate in effect");
    if (rv == 0) {
        enc_reset(out);
        enc_array(out, t.n_chain);
        for (size_t i = 0; i < t.n_chain; i++)
            enc_bin(out, t.chain[i].p, t.chain[i].len);
        rv = enc_done(out);
    }
    blobs_close(&hold);
    return rv;
}

/* ---- judging a shown chain */

static void date_of(uint64_t ms, char out[11])
{
    time_t s = (time_t)(ms / 1000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* A certificate whose end is before the trusted time is refused; an
 * issue time in the future never is (DECISIONS 29). The reason names
 * this node's clock when the clock alone puts it past the end. */
static int check_end(const struct cert *c, const struct peer_time *tt,
                     const char *what, struct hz_err *err)
{
    uint64_t end = c->issued_ms + c->valid_days * DAY_MS;
    if (end >= tt->ms)
        return 0;
    char e[11], now[11];
    date_of(end, e);
    date_of(tt->ms, now);
    if (end >= tt->floor_ms)
        return hz_err_set(err, HZ_EPERM,
                          "%s ended %s, and this device's clock says %s:"
                          " if the clock is wrong, set it",
                          what, e, now);
    return hz_err_set(err, HZ_EPERM, "%s expired on %s", what, e);
}

struct own_cert {
    const struct peer_time *tt;
    bool current;
};

static int own_current(void *data, const uint8_t *p, size_t len,
                       struct hz_err *err)
{
    (void)err;
    struct own_cert *k = data;
    struct cert c;
    if (cert_decode(&c, p, len, NULL) == 0 &&
        check_end(&c, k->tt, "certificate", NULL) == 0)
        k->current = true;
    return 0;
}

/* The shown chain itself: [cert of @key, its issuer's, ... one signed by
 * the root], every link verified, of this network, not expired, its
 * issuer holding the level it needs, no subject cut off. */
static int check_links(struct hz_node *n, const uint8_t *key,
                       const msgpack_object *a, size_t count,
                       const struct peer_time *tt, struct hz_err *err)
{
    uint8_t want[HZ_KEY_LEN];
    memcpy(want, key, HZ_KEY_LEN);
    int need = 0;
    for (size_t i = 0; i < count; i++) {
        struct cert c;
        if (a[i].type != MSGPACK_OBJECT_BIN ||
            a[i].via.bin.size > HZ_TRUST_OBJ_MAX ||
            cert_decode(&c, (const uint8_t *)a[i].via.bin.ptr,
                        a[i].via.bin.size, NULL) != 0)
            return hz_err_set(err, HZ_EMALFORMED, "chain link %zu", i + 1);
        if (cert_verify(&c, NULL) != 0)
            return hz_err_set(err, HZ_EBADSIG, "chain link %zu", i + 1);
        if (memcmp(c.network, n->network, HZ_NET_LEN) != 0)
            return hz_err_set(err, HZ_ENETWORK, "chain link %zu", i + 1);
        if (memcmp(c.subject, want, HZ_KEY_LEN) != 0)
            return hz_err_set(err, HZ_EPERM,
                              "chain link %zu is not for the key before it",
                              i + 1);
        if (trust_level_of(&c) < need)
            return hz_err_set(err, HZ_EPERM,
                              "chain link %zu may not admit the link before"
                              " it",
                              i + 1);
        int rv =
            check_end(&c, tt, i == 0 ? "the certificate" : "a chain link", err);
        uint64_t seq;
        bool cut = false;
        if (rv == 0)
            rv = roster_cutoff(n, c.subject, &seq, &cut, err);
        if (rv == 0 && cut)
            rv = hz_err_set(err, HZ_EREVOKED, "chain link %zu is revoked",
                            i + 1);
        if (rv != 0)
            return rv;
        if (cert_is_root(n->network, c.issuer))
            return 0;
        memcpy(want, c.issuer, HZ_KEY_LEN);
        need = c.role == ROLE_ADMIN || c.admits ? 2 : 1;
    }
    return hz_err_set(err, HZ_EPERM, "the chain does not reach the root");
}

int peer_judge(struct hz_node *n, const uint8_t *key, const uint8_t *chain,
               size_t len, struct hz_err *err)
{
    if (!n->networked)
        return hz_err_set(err, HZ_ENETWORK,
                          "this node is in no network: no live sync"
                          " (DECISIONS 32)");
    uint64_t seq;
    bool cut = false;
    int rv = roster_cutoff(n, key, &seq, &cut, err);
    if (rv != 0)
        return rv;
    if (cut)
        return hz_err_set(err, HZ_EREVOKED, "the device is revoked");
    struct peer_time tt;
    rv = peer_trusted_time(n, &tt, err);
    if (rv != 0)
        return rv;
    /* A member this node already knows is judged by its trust state. */
    struct own_cert k = {&tt, false};
    rv = roster_certs(n, key, own_current, &k, err);
    if (rv != 0 || k.current)
        return rv;
    msgpack_unpacked u;
    if (mp_unpack(&u, chain, len, NULL) != 0)
        return hz_err_set(err, HZ_EMALFORMED, "chain");
    const msgpack_object *o = &u.data;
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size == 0 ||
        o->via.array.size > HZ_CHAIN_MAX + 1)
        rv = hz_err_set(err, HZ_EMALFORMED, "chain: 1 to %u certificates",
                        HZ_CHAIN_MAX + 1);
    else
        rv = check_links(n, key, o->via.array.ptr, o->via.array.size, &tt, err);
    msgpack_unpacked_destroy(&u);
    return rv;
}

/* ---- the narrow interface (../store.h) */

int store_channel_self(hz_node *n, struct store_self *out, struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    if (!n->networked)
        return hz_err_set(err, HZ_ENETWORK,
                          "this node is in no network: no live sync"
                          " (DECISIONS 32)");
    struct enc c;
    enc_init(&c);
    int rv = network_secret(n, out->secret, err);
    if (rv == 0)
        rv = peer_own_chain(n, &c, err);
    if (rv == 0) {
        out->chain = malloc(enc_len(&c));
        if (out->chain == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "chain");
    }
    if (rv == 0) {
        memcpy(out->chain, enc_data(&c), enc_len(&c));
        out->chain_len = enc_len(&c);
        out->pk = n->id.pk;
        out->sk = n->id.sk;
    }
    enc_close(&c);
    if (rv != 0)
        store_channel_self_close(out);
    return rv;
}

void store_channel_self_close(struct store_self *s)
{
    sodium_memzero(s->secret, sizeof s->secret);
    free(s->chain);
    memset(s, 0, sizeof *s);
}

int store_channel_judge(hz_node *n, const uint8_t *key, const uint8_t *chain,
                        size_t len, struct hz_err *err)
{
    return peer_judge(n, key, chain, len, err);
}
