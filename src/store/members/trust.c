/* trust.c - the network's membership in the store: trust objects taken
 * from the log, the resolved certificates and cut-offs, and the verdicts
 * of entries that follow them (DECISIONS 4, 5, 15, 18).
 *
 * The tables are roster.c's; the decisions themselves are pure
 * (src/core/trust.c). */
#include "members.h"

#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/trust.h"
#include "../state/state.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t placeholder[HZ_NET_LEN] = "huzhu-no-network";

bool trust_networked(const uint8_t *network)
{
    return memcmp(network, placeholder, HZ_NET_LEN) != 0;
}

int trust_check_body(struct hz_node *n, const struct entry *e,
                     const struct body *b, struct hz_err *why)
{
    if (!n->networked)
        return hz_err_set(why, HZ_EMALFORMED,
                          "trust operations outside a network");
    return trust_body_check(e->network, e->author, b, why);
}

/* ---- the standing of one author: certificates in effect and cut-off */

struct standing {
    size_t n;
    struct cert *certs;
    const struct cert **ptrs;
    uint8_t **bytes;
    bool has_cut;
    uint64_t cut;
};

static void standing_close(struct standing *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->bytes[i]);
    free(s->bytes);
    free(s->certs);
    free(s->ptrs);
    memset(s, 0, sizeof *s);
}

static int standing_add(void *data, const uint8_t *p, size_t len,
                        struct hz_err *err)
{
    struct standing *s = data;
    if ((s->n & (s->n - 1)) == 0) { /* 0, 1, 2, 4 ...: grow */
        size_t cap = s->n ? 2 * s->n : 1;
        struct cert *c = realloc(s->certs, cap * sizeof *c);
        if (c != NULL)
            s->certs = c;
        uint8_t **b = realloc(s->bytes, cap * sizeof *b);
        if (b != NULL)
            s->bytes = b;
        if (c == NULL || b == NULL)
            return hz_err_set(err, HZ_ENOMEM, "certificates");
    }
    s->bytes[s->n] = malloc(len ? len : 1);
    if (s->bytes[s->n] == NULL)
        return hz_err_set(err, HZ_ENOMEM, "certificate");
    memcpy(s->bytes[s->n], p, len);
    s->n++;
    return cert_decode(&s->certs[s->n - 1], s->bytes[s->n - 1], len, err);
}

static int standing_load(struct hz_node *n, const uint8_t *author,
                         struct standing *s, struct hz_err *err)
{
    memset(s, 0, sizeof *s);
    int rv = roster_cutoff(n, author, &s->cut, &s->has_cut, err);
    if (rv == 0)
        rv = roster_certs(n, author, standing_add, s, err);
    if (rv == 0 && s->n > 0) {
        s->ptrs = malloc(s->n * sizeof s->ptrs[0]);
        if (s->ptrs == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "certificates");
        for (size_t i = 0; rv == 0 && i < s->n; i++)
            s->ptrs[i] = &s->certs[i];
    }
    if (rv != 0)
        standing_close(s);
    return rv;
}

int trust_allowed(struct hz_node *n, const struct entry *e,
                  const struct body *b, bool *allowed, struct hz_err *why,
                  struct hz_err *err)
{
    *allowed = true;
    if (!n->networked)
        return 0;
    struct standing s;
    int rv = standing_load(n, e->author, &s, err);
    if (rv != 0)
        return rv;
    rv = trust_entry_allowed(e->network, e->author, e->seq, b, s.ptrs, s.n,
                             s.has_cut ? &s.cut : NULL, why);
    standing_close(&s);
    if (rv == HZ_ENOMEM)
        return hz_err_set(err, HZ_ENOMEM, "judging an entry");
    *allowed = rv == 0;
    return 0;
}

int trust_level(struct hz_node *n, const uint8_t *key, int *level,
                const char **role, struct hz_err *err)
{
    *level = -1;
    *role = NULL;
    struct standing s;
    int rv = standing_load(n, key, &s, err);
    if (rv != 0)
        return rv;
    int best_role = -1;
    for (size_t i = 0; i < s.n; i++) {
        int l = trust_level_of(&s.certs[i]);
        *level = l > *level ? l : *level;
        if (best_role < 0 || (int)s.certs[i].role < best_role)
            best_role = (int)s.certs[i].role;
    }
    if (s.has_cut)
        *level = -1; /* a revoked device admits and revokes no more */
    if (best_role >= 0)
        *role = cert_role_name((enum role)best_role);
    standing_close(&s);
    return 0;
}

/* ---- judging entries again */

/* Judge one stored entry (APPLIED or DENIED) by the trust held now and
 * move it across if its verdict changed. */
static int rejudge(struct hz_node *n, const uint8_t *buf, size_t len,
                   enum entry_state was, int64_t mark, bool count,
                   enum entry_state *now, struct hz_err *err)
{
    HZ_ASSERT(was == ENTRY_APPLIED || was == ENTRY_DENIED);
    HZ_ASSERT(n->networked);
    struct entry e;
    struct body b = {0};
    struct hz_err why = {0};
    bool allowed = false;
    int rv = entry_decode(&e, buf, len, err);
    if (rv == 0)
        rv = body_decode(&b, n->schema, e.body.p, e.body.len, err);
    if (rv == 0)
        rv = trust_allowed(n, &e, &b, &allowed, &why, err);
    *now = allowed ? ENTRY_APPLIED : ENTRY_DENIED;
    if (rv == 0 && !allowed)
        n->denial = why; /* what write_entry reports for our own */
    if (rv == 0 && *now != was) {
        if (was == ENTRY_APPLIED)
            rv = apply_undo(n, e.id, &b, err);
        else
            rv = apply_body(n, &e, 0, &b, APPLY_ANY, err);
        if (rv == 0)
            rv = log_set_state(n, e.id, *now, allowed ? NULL : why.msg, err);
        struct hz_ingest_stats *c = count ? n->counting : NULL;
        if (rv == 0 && c != NULL && mark == n->counting_mark) {
            /* Counted by this very run: it ends the run in its new state. */
            if (allowed && c->denied > 0) {
                c->denied--;
                c->applied++;
            } else if (!allowed && c->applied > 0) {
                c->applied--;
                c->denied++;
            }
        } else if (rv == 0 && c != NULL) {
            if (allowed)
                c->granted++;
            else
                c->withdrawn++;
        }
    } else if (rv == 0 && !allowed) {
        rv = log_set_state(n, e.id, ENTRY_DENIED, why.msg, err);
    }
    body_close(&b);
    return rv;
}

/* Judge again every entry of @author that trust decides. */
static int rejudge_author(struct hz_node *n, const uint8_t *author,
                          struct hz_err *err)
{
    uint64_t after = 0;
    for (;;) {
        struct log_row r;
        uint8_t *buf;
        bool found;
        int rv = log_next_judged(n, author, after, &r, &buf, &found, err);
        if (rv != 0 || !found)
            return rv;
        after = r.seq;
        enum entry_state now;
        rv = rejudge(n, r.bytes, r.len, r.state, r.mark, true, &now, err);
        free(buf);
        if (rv != 0)
            return rv;
    }
}

/* ---- resolution */

struct objs {
    const uint8_t *network;
    size_t n, cap;
    struct trust_obj *v;
    uint8_t **bytes; /* parallel to v before sorting: owned buffers */
    size_t n_bytes;
};

static void objs_close(struct objs *o)
{
    for (size_t i = 0; i < o->n_bytes; i++)
        free(o->bytes[i]);
    free(o->bytes);
    free(o->v);
    memset(o, 0, sizeof *o);
}

static int objs_add(void *data, const struct roster_obj *r, struct hz_err *err)
{
    struct objs *o = data;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 16;
        struct trust_obj *v = realloc(o->v, o->cap * sizeof *v);
        if (v != NULL)
            o->v = v;
        uint8_t **b = realloc(o->bytes, o->cap * sizeof *b);
        if (b != NULL)
            o->bytes = b;
        if (v == NULL || b == NULL)
            return hz_err_set(err, HZ_ENOMEM, "trust objects");
    }
    uint8_t *copy = malloc(r->len ? r->len : 1);
    if (copy == NULL)
        return hz_err_set(err, HZ_ENOMEM, "trust object");
    memcpy(copy, r->bytes, r->len);
    o->bytes[o->n_bytes++] = copy;
    struct trust_obj *t = &o->v[o->n];
    memset(t, 0, sizeof *t);
    int rv = trust_obj_decode(o->network, r->kind,
                              (struct hz_bytes){copy, r->len}, t, err);
    if (rv != 0)
        return hz_err_wrap(err, "stored trust object");
    memcpy(t->author, r->author, HZ_KEY_LEN);
    t->seq = r->seq;
    memcpy(t->eid, r->eid, HZ_HASH_LEN);
    t->idx = r->idx;
    o->n++;
    return 0;
}

static int objs_load(struct hz_node *n, struct objs *o, struct hz_err *err)
{
    memset(o, 0, sizeof *o);
    o->network = n->network;
    int rv = roster_objs(n, objs_add, o, err);
    if (rv != 0)
        objs_close(o);
    return rv;
}

static int cmp_digest(const void *a, const void *b)
{
    return memcmp(a, b, HZ_KEY_LEN);
}

static int new_digests(const struct objs *o, const struct trust_result *r,
                       struct roster_digest **out, size_t *n_out)
{
    /* One per subject with an effective certificate or a cut-off. */
    size_t cap = o->n + r->n_cuts + 1, n = 0;
    struct roster_digest *d = calloc(cap, sizeof *d);
    if (d == NULL)
        return HZ_ENOMEM;
    for (size_t i = 0; i < o->n; i++) {
        if (o->v[i].kind == OP_CERT && o->v[i].effective)
            memcpy(d[n++].subject, o->v[i].cert.subject, HZ_KEY_LEN);
    }
    for (size_t i = 0; i < r->n_cuts; i++)
        memcpy(d[n++].subject, r->cuts[i].subject, HZ_KEY_LEN);
    qsort(d, n, sizeof *d, cmp_digest);
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        if (u == 0 || memcmp(d[u - 1].subject, d[i].subject, HZ_KEY_LEN))
            d[u++] = d[i];
    }
    for (size_t k = 0; k < u; k++) {
        /* Certificate ids in effect, in id order, then the cut-off. */
        crypto_generichash_state h;
        crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
        const uint8_t *last = NULL;
        for (;;) {
            const uint8_t *next = NULL;
            for (size_t i = 0; i < o->n; i++) {
                const struct trust_obj *t = &o->v[i];
                if (t->kind != OP_CERT || !t->effective ||
                    memcmp(t->cert.subject, d[k].subject, HZ_KEY_LEN) != 0)
                    continue;
                if (last != NULL && memcmp(t->cert.id, last, HZ_HASH_LEN) <= 0)
                    continue;
                if (next == NULL || memcmp(t->cert.id, next, HZ_HASH_LEN) < 0)
                    next = t->cert.id;
            }
            if (next == NULL)
                break;
            crypto_generichash_update(&h, next, HZ_HASH_LEN);
            last = next;
        }
        const struct trust_cut *c = trust_cut_of(r, d[k].subject);
        uint8_t cut[9] = {0};
        if (c != NULL) {
            cut[0] = 1;
            for (int b = 0; b < 8; b++)
                cut[1 + b] = (uint8_t)(c->seq >> (56 - 8 * b));
        }
        crypto_generichash_update(&h, cut, sizeof cut);
        crypto_generichash_final(&h, d[k].d, HZ_HASH_LEN);
    }
    *out = d;
    *n_out = u;
    return 0;
}

static int store_result(struct hz_node *n, const struct objs *o,
                        const struct trust_result *r,
                        const struct roster_digest *d, size_t n_d,
                        struct hz_err *err)
{
    int rv = roster_reset(n, err);
    for (size_t i = 0; rv == 0 && i < o->n; i++) {
        const struct trust_obj *t = &o->v[i];
        if (t->kind == OP_EPOCH && t->effective)
            rv = roster_put_epoch(n, t->epoch_id, t->epoch, t->key_id, t->eid,
                                  err);
    }
    for (size_t i = 0; rv == 0 && i < o->n; i++) {
        const struct trust_obj *t = &o->v[i];
        if (t->kind == OP_CERT && t->effective)
            rv = roster_put_member(n, &t->cert, t->eid, t->rank, err);
    }
    for (size_t i = 0; rv == 0 && i < r->n_cuts; i++) {
        HZ_ASSERT(r->cuts[i].by < o->n);
        const struct trust_obj *t = &o->v[r->cuts[i].by];
        rv = roster_put_cutoff(n, r->cuts[i].subject, r->cuts[i].seq, t->rev.id,
                               t->rev.issuer, t->root, t->eid, err);
    }
    for (size_t i = 0; rv == 0 && i < n_d; i++)
        rv = roster_put_digest(n, &d[i], err);
    return rv;
}

int trust_refresh(struct hz_node *n, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    if (!n->networked)
        return 0;
    struct objs o;
    int rv = objs_load(n, &o, err);
    if (rv != 0)
        return rv;
    struct trust_result r = {0};
    struct roster_digest *nd = NULL, *od = NULL;
    size_t n_nd = 0, n_od = 0;
    rv = trust_resolve(n->network, o.v, o.n, &r, err);
    if (rv == 0 && new_digests(&o, &r, &nd, &n_nd) != 0)
        rv = hz_err_set(err, HZ_ENOMEM, "standing");
    if (rv == 0)
        rv = roster_digests(n, &od, &n_od, err);
    if (rv == 0)
        rv = store_result(n, &o, &r, nd, n_nd, err);
    /* Merge the two sorted lists: a subject whose digest differs, or that
     * is in one list only, is judged again. */
    size_t i = 0, k = 0;
    while (rv == 0 && (i < n_nd || k < n_od)) {
        int c = i == n_nd   ? 1
                : k == n_od ? -1
                            : memcmp(nd[i].subject, od[k].subject, HZ_KEY_LEN);
        const uint8_t *who = c <= 0 ? nd[i].subject : od[k].subject;
        bool changed = c != 0 || memcmp(nd[i].d, od[k].d, HZ_HASH_LEN) != 0;
        if (changed)
            rv = rejudge_author(n, who, err);
        /* A certificate in effect: the author's entries are no stranger's
         * (DECISIONS 34). */
        bool member = false;
        if (rv == 0 && changed)
            rv = roster_has_cert(n, who, &member, err);
        if (rv == 0 && member)
            rv = capacity_forget(n, who, err);
        if (c <= 0)
            i++;
        if (c >= 0)
            k++;
    }
    free(nd);
    free(od);
    trust_result_close(&r);
    objs_close(&o);
    return rv;
}

int trust_entry_stored(struct hz_node *n, const struct entry *e,
                       const struct body *b, enum entry_state *state,
                       struct hz_err *err)
{
    HZ_ASSERT(b->trust);
    HZ_ASSERT(n->networked);
    int rv = roster_carry(n, e, b, err);
    /* Our own trust entries take effect at once (what we write next
     * depends on them); entries from outside are resolved together when
     * the transaction commits: until then they are judged by the trust
     * state held, and whatever the resolution changes is judged again. */
    if (rv == 0 && n->writing_own)
        rv = trust_refresh(n, err);
    else if (rv == 0)
        n->trust_dirty = true;
    if (rv != 0)
        return rv;
    /* The refresh judged this entry if its author's standing changed; if
     * not, judge it now. Either way read back where it stands. */
    enum entry_state was;
    bool found;
    rv = log_state_of(n, e->id, &was, &found, err);
    if (rv == 0 && !found)
        rv = hz_err_set(err, HZ_ECORRUPT, "stored trust entry not in the log");
    if (rv != 0)
        return rv;
    struct enc tmp;
    enc_init(&tmp);
    rv = entry_encode(e, &tmp);
    if (rv == 0)
        rv = rejudge(n, enc_data(&tmp), enc_len(&tmp), was, 0, false, state,
                     err);
    enc_close(&tmp);
    return rv;
}
