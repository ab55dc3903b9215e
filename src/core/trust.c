/* trust.c - trust objects in entries, authorization, resolution
 * (trust.h). Exact rules: proto/trust.md. */
#include "trust.h"

#include "alloc.h"
#include "error_int.h"
#include "limits.h"

#include <stdlib.h>
#include <string.h>

int trust_obj_decode(const uint8_t *network, enum op_kind kind,
                     struct hz_bytes bytes, struct trust_obj *o,
                     struct hz_err *err)
{
    o->kind = kind;
    o->effective = false;
    o->rank = UINT32_MAX;
    const uint8_t *net, *issuer;
    uint8_t epoch_net[HZ_NET_LEN];
    int rv;
    if (kind == OP_CERT) {
        rv = cert_decode(&o->cert, bytes.p, bytes.len, err);
        net = o->cert.network;
        issuer = o->cert.issuer;
    } else if (kind == OP_EPOCH) {
        struct epoch e;
        rv = epoch_decode(&e, bytes.p, bytes.len, err);
        memcpy(epoch_net, e.network, HZ_NET_LEN);
        o->epoch = e.epoch;
        memcpy(o->epoch_issuer, e.issuer, HZ_KEY_LEN);
        memcpy(o->epoch_id, e.id, HZ_HASH_LEN);
        memcpy(o->key_id, e.key_id, HZ_KEY_ID_LEN);
        epoch_close(&e);
        net = epoch_net;
        issuer = o->epoch_issuer;
    } else {
        rv = revocation_decode(&o->rev, bytes.p, bytes.len, err);
        net = o->rev.network;
        issuer = o->rev.issuer;
    }
    if (rv != 0)
        return rv;
    if (memcmp(net, network, HZ_NET_LEN) != 0)
        return hz_err_set(err, HZ_ENETWORK, "trust object of another network");
    o->root = cert_is_root(network, issuer);
    return 0;
}

static const uint8_t *obj_issuer(const struct trust_obj *o)
{
    if (o->kind == OP_EPOCH)
        return o->epoch_issuer;
    return o->kind == OP_CERT ? o->cert.issuer : o->rev.issuer;
}

static int verify_obj(const struct trust_obj *o, struct hz_bytes bytes,
                      struct hz_err *why)
{
    if (o->kind == OP_CERT)
        return cert_verify(&o->cert, why);
    if (o->kind == OP_REVOKE)
        return revocation_verify(&o->rev, why);
    struct epoch e;
    int rv = epoch_decode(&e, bytes.p, bytes.len, why);
    if (rv == 0)
        rv = epoch_verify(&e, why);
    epoch_close(&e);
    return rv;
}

int trust_body_check(const uint8_t *network, const uint8_t *author,
                     const struct body *b, struct hz_err *why)
{
    for (size_t i = 0; i < b->n_ops; i++) {
        struct trust_obj o;
        int rv = trust_obj_decode(network, b->ops[i].kind, b->ops[i].object, &o,
                                  why);
        if (rv == 0)
            rv = verify_obj(&o, b->ops[i].object, why);
        if (rv == 0 && o.kind != OP_CERT && !o.root &&
            memcmp(obj_issuer(&o), author, HZ_KEY_LEN) != 0)
            rv = hz_err_set(why, HZ_EMALFORMED,
                            "a revocation or epoch signed by neither the"
                            " root key nor the author");
        if (rv != 0)
            return hz_err_wrap(why, "op %zu", i);
    }
    return 0;
}

/* A certificate signed by a node key and carried by another device: it
 * counts by its issuer's standing, not by its carrier's (trust.md). */
static bool detached(const struct trust_obj *o, const uint8_t *author)
{
    return !o->root && o->kind == OP_CERT &&
           memcmp(o->cert.issuer, author, HZ_KEY_LEN) != 0;
}

/* The level a node-signed object asks of its issuer: 1 admission (a
 * coordinator given it, or an admin), 2 admin. */
static int issuer_need(const struct trust_obj *o)
{
    if (o->kind == OP_REVOKE || o->kind == OP_EPOCH)
        return 2;
    return o->cert.role == ROLE_ADMIN || o->cert.admits ? 2 : 1;
}

/* What a trust object asks of the entry that carries it: 0 any member
 * (root-signed objects and detached certificates prove themselves), else
 * its issuer's need, the issuer being the carrier. */
static int need_of(const struct trust_obj *o)
{
    if (o->root || detached(o, o->author))
        return 0;
    return issuer_need(o);
}

int trust_level_of(const struct cert *c)
{
    if (c->role == ROLE_ADMIN)
        return 2;
    return c->role == ROLE_COORDINATOR && c->admits ? 1 : 0;
}

static const char *need_text(int need)
{
    return need == 2 ? "revoke or admit admins" : "admit members";
}

int trust_entry_allowed(const uint8_t *network, const uint8_t *author,
                        uint64_t seq, const struct body *b,
                        const struct cert *const *certs, size_t n_certs,
                        const uint64_t *cut, struct hz_err *why)
{
    if (cut != NULL && seq > *cut)
        return hz_err_set(why, HZ_EREVOKED, "author revoked after seq %llu",
                          (unsigned long long)*cut);
    if (n_certs == 0)
        return hz_err_set(why, HZ_ENOCERT, "no certificate for the author");
    if (b->trust) {
        int need = 0;
        for (size_t i = 0; i < b->n_ops; i++) {
            struct trust_obj o;
            int rv = trust_obj_decode(network, b->ops[i].kind, b->ops[i].object,
                                      &o, why);
            if (rv != 0)
                return rv;
            memcpy(o.author, author, HZ_KEY_LEN);
            int k = need_of(&o);
            need = k > need ? k : need;
        }
        int best = 0;
        for (size_t c = 0; c < n_certs; c++) {
            int l = trust_level_of(certs[c]);
            best = l > best ? l : best;
        }
        if (best >= need)
            return 0;
        return hz_err_set(why, HZ_EPERM, "the author's role may not %s",
                          need_text(need));
    }
    int rv = 0;
    for (size_t c = 0; c < n_certs; c++) {
        rv = 0;
        for (size_t i = 0; rv == 0 && i < b->n_ops; i++)
            rv = cert_allows(certs[c], &b->ops[i], why);
        if (rv == 0)
            return 0;
    }
    return rv;
}

/* ---- resolution */

static int cmp_obj(const void *a, const void *b)
{
    const struct trust_obj *x = a, *y = b;
    int c = memcmp(x->author, y->author, HZ_KEY_LEN);
    if (c != 0)
        return c;
    if (x->seq != y->seq)
        return x->seq < y->seq ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

struct resolver {
    const uint8_t *network;
    struct trust_obj *objs;
    size_t n;
    bool *applied; /* revocations that have taken effect */
    struct trust_cut *cuts;
    size_t n_cuts;
};

static struct trust_cut *find_cut(struct trust_cut *cuts, size_t n,
                                  const uint8_t *subject)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = memcmp(cuts[mid].subject, subject, HZ_KEY_LEN);
        if (c == 0)
            return &cuts[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static void apply_revocation(struct resolver *r, size_t i)
{
    const struct revocation *v = &r->objs[i].rev;
    r->applied[i] = true;
    struct trust_cut *c = find_cut(r->cuts, r->n_cuts, v->subject);
    if (c != NULL) {
        if (v->after_seq < c->seq) {
            c->seq = v->after_seq;
            c->by = i;
        }
        return;
    }
    /* Keep cuts sorted: there is room for one per revocation. */
    size_t at = 0;
    while (at < r->n_cuts &&
           memcmp(r->cuts[at].subject, v->subject, HZ_KEY_LEN) < 0)
        at++;
    memmove(&r->cuts[at + 1], &r->cuts[at],
            (r->n_cuts - at) * sizeof r->cuts[0]);
    memcpy(r->cuts[at].subject, v->subject, HZ_KEY_LEN);
    r->cuts[at].seq = v->after_seq;
    r->cuts[at].by = i;
    r->n_cuts++;
}

/* The best level and rank the author's effective certificates give. */
static void author_standing(const struct resolver *r, const uint8_t *author,
                            int *level, uint32_t *rank)
{
    *level = -1;
    *rank = UINT32_MAX;
    for (size_t i = 0; i < r->n; i++) {
        const struct trust_obj *o = &r->objs[i];
        if (o->kind != OP_CERT || !o->effective ||
            memcmp(o->cert.subject, author, HZ_KEY_LEN) != 0)
            continue;
        int l = trust_level_of(&o->cert);
        *level = l > *level ? l : *level;
        if (o->cert.role == ROLE_ADMIN && o->rank < *rank)
            *rank = o->rank;
    }
}

/* Is the entry holding objects [s, e) authorized under the current
 * certificates and cut-offs? */
static bool group_authorized(const struct resolver *r, size_t s, size_t e)
{
    const struct trust_obj *first = &r->objs[s];
    const struct trust_cut *c = find_cut(r->cuts, r->n_cuts, first->author);
    if (c != NULL && first->seq > c->seq)
        return false;
    int need = 0;
    for (size_t i = s; i < e; i++) {
        int k = need_of(&r->objs[i]);
        need = k > need ? k : need;
    }
    int level;
    uint32_t rank;
    author_standing(r, first->author, &level, &rank);
    return level >= need;
}

static size_t group_end(const struct resolver *r, size_t s)
{
    size_t e = s + 1;
    while (e < r->n && r->objs[e].seq == r->objs[s].seq &&
           memcmp(r->objs[e].author, r->objs[s].author, HZ_KEY_LEN) == 0)
        e++;
    return e;
}

/* Admin ranks: 1 for a root-signed admin certificate, one more than its
 * issuer's for an admin-signed one (shortest path from the root). */
static void compute_ranks(struct resolver *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct trust_obj *o = &r->objs[i];
        o->rank = o->kind == OP_CERT && o->effective &&
                          o->cert.role == ROLE_ADMIN && o->root
                      ? 1
                      : UINT32_MAX;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (size_t i = 0; i < r->n; i++) {
            struct trust_obj *o = &r->objs[i];
            if (o->kind != OP_CERT || !o->effective || o->root ||
                o->cert.role != ROLE_ADMIN)
                continue;
            int level;
            uint32_t rank;
            author_standing(r, o->cert.issuer, &level, &rank);
            if (rank != UINT32_MAX && rank + 1 < o->rank) {
                o->rank = rank + 1;
                changed = true;
            }
        }
    }
}

/* With the cut-offs fixed, grant every certificate carried by an
 * authorized entry, until nothing more is granted (a least fixpoint:
 * grants only add). */
static void grant(struct resolver *r)
{
    for (size_t i = 0; i < r->n; i++) {
        struct trust_obj *o = &r->objs[i];
        o->effective = o->root || r->applied[i];
    }
    for (bool changed = true; changed;) {
        changed = false;
        /* Detached certificates: by their issuer's standing, while the
         * issuer has no cut-off (when it was issued is unknown). */
        for (size_t i = 0; i < r->n; i++) {
            struct trust_obj *o = &r->objs[i];
            if (o->effective || !detached(o, o->author) ||
                find_cut(r->cuts, r->n_cuts, o->cert.issuer) != NULL)
                continue;
            int level;
            uint32_t rank;
            author_standing(r, o->cert.issuer, &level, &rank);
            if (level >= issuer_need(o)) {
                o->effective = true;
                changed = true;
            }
        }
        for (size_t s = 0; s < r->n;) {
            size_t e = group_end(r, s);
            bool pending = false;
            for (size_t i = s; i < e; i++)
                pending |= !r->objs[i].effective &&
                           !detached(&r->objs[i], r->objs[i].author);
            if (pending && group_authorized(r, s, e)) {
                for (size_t i = s; i < e; i++)
                    if (!detached(&r->objs[i], r->objs[i].author))
                        r->objs[i].effective = true;
                changed = true;
            }
            s = e;
        }
    }
    compute_ranks(r);
}

/* The next revocation to take effect: authorized, not yet applied, the
 * lowest (author's rank, author, seq, index). SIZE_MAX when none. */
static size_t next_revocation(const struct resolver *r)
{
    size_t best = SIZE_MAX;
    uint32_t best_rank = UINT32_MAX;
    for (size_t i = 0; i < r->n; i++) {
        const struct trust_obj *o = &r->objs[i];
        if (o->kind != OP_REVOKE || !o->effective || r->applied[i])
            continue;
        int level;
        uint32_t rank;
        author_standing(r, o->author, &level, &rank);
        /* objs are sorted by (author, seq, idx): the first of a rank wins */
        if (best == SIZE_MAX || rank < best_rank) {
            best = i;
            best_rank = rank;
        }
    }
    return best;
}

int trust_resolve(const uint8_t *network, struct trust_obj *objs, size_t n,
                  struct trust_result *out, struct hz_err *err)
{
    memset(out, 0, sizeof *out);
    qsort(objs, n, sizeof objs[0], cmp_obj);
    struct resolver r = {network, objs, n, NULL, NULL, 0};
    r.applied = hz_calloc(n + 1, sizeof r.applied[0]);
    r.cuts = hz_calloc(n + 1, sizeof r.cuts[0]);
    if (r.applied == NULL || r.cuts == NULL) {
        hz_free(r.applied);
        hz_free(r.cuts);
        return hz_err_set(err, HZ_ENOMEM, "trust of %zu objects", n);
    }
    /* The root's revocations always hold. */
    for (size_t i = 0; i < n; i++) {
        if (objs[i].kind == OP_REVOKE && objs[i].root)
            apply_revocation(&r, i);
    }
    for (;;) {
        grant(&r);
        size_t next = next_revocation(&r);
        if (next == SIZE_MAX)
            break;
        apply_revocation(&r, next);
    }
    hz_free(r.applied);
    out->cuts = r.cuts;
    out->n_cuts = r.n_cuts;
    return 0;
}

void trust_result_close(struct trust_result *r)
{
    hz_free(r->cuts);
    memset(r, 0, sizeof *r);
}

const struct trust_cut *trust_cut_of(const struct trust_result *r,
                                     const uint8_t *subject)
{
    return find_cut(r->cuts, r->n_cuts, (uint8_t *)subject);
}
