/* test_trust.c - authorization and resolution of trust (src/core/trust.c;
 * proto/trust.md, "Trust operations in entries", "Authorization",
 * "Resolution").
 *
 * Pure functions only: certificates and revocations are signed here with
 * keys from fixed seeds, bodies go through body_decode, and the resolver
 * is fed trust objects directly. Resolution results are looked up by the
 * object (its carrier, seq and op index) or by the certificate's id,
 * never by position: trust_resolve sorts the objects it is given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core/body.h"
#include "core/cert.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/trust.h"
#include "huzhu/huzhu.h"

#include <string.h>

/* ---- keys: the network root key and device keys, from fixed seeds */

enum key { ROOT, A, B, C, S, V, X, OTHER_ROOT, N_KEYS };

struct world {
    struct identity k[N_KEYS];
    uint8_t net[HZ_NET_LEN];
    uint8_t other_net[HZ_NET_LEN];
};

static void world_init(struct world *w)
{
    for (int i = 0; i < N_KEYS; i++) {
        uint8_t seed[HZ_SEED_LEN];
        memset(seed, 0x40 + i, sizeof seed);
        identity_from_seed(&w->k[i], seed);
    }
    cert_network_id(w->k[ROOT].pk, w->net);
    cert_network_id(w->k[OTHER_ROOT].pk, w->other_net);
}

static void world_close(struct world *w)
{
    for (int i = 0; i < N_KEYS; i++)
        identity_close(&w->k[i]);
}

/* The key of @a and @b whose public key sorts first, and the other. */
static void by_key(const struct world *w, enum key a, enum key b, enum key *lo,
                   enum key *hi)
{
    bool a_first = memcmp(w->k[a].pk, w->k[b].pk, HZ_KEY_LEN) < 0;
    *lo = a_first ? a : b;
    *hi = a_first ? b : a;
}

static const uint8_t site_a[HZ_ROW_LEN] = {0x30, 0xaa};
static const uint8_t site_b[HZ_ROW_LEN] = {0x30, 0xbb};

/* ---- signed objects */

struct obj_bytes {
    uint8_t p[HZ_TRUST_OBJ_MAX];
    size_t len;
};

static void enc_to(const struct enc *e, struct obj_bytes *out)
{
    assert_int_equal(enc_done(e), 0);
    assert_true(enc_len(e) <= sizeof out->p);
    memcpy(out->p, enc_data(e), enc_len(e));
    out->len = enc_len(e);
}

/* A certificate of @net (NULL: the world's) for @subject, signed by
 * @issuer. */
static struct obj_bytes cert_in(const struct world *w, const uint8_t *net,
                                enum key subject, enum role role,
                                const uint8_t *site, bool admits,
                                enum key issuer)
{
    struct cert c = {0};
    c.version = HZ_CERT_VERSION;
    memcpy(c.network, net != NULL ? net : w->net, HZ_NET_LEN);
    memcpy(c.subject, w->k[subject].pk, HZ_KEY_LEN);
    c.name = (struct hz_bytes){(const uint8_t *)"测试设备", 12};
    c.role = role;
    c.has_site = site != NULL;
    if (site != NULL)
        memcpy(c.site, site, HZ_ROW_LEN);
    c.admits = admits;
    c.issued_ms = UINT64_C(1717200000000);
    c.valid_days = 90;
    memcpy(c.issuer, w->k[issuer].pk, HZ_KEY_LEN);
    struct enc e;
    enc_init(&e);
    assert_int_equal(cert_sign(&c, w->k[issuer].sk, &e), 0);
    struct obj_bytes out;
    enc_to(&e, &out);
    enc_close(&e);
    return out;
}

static struct obj_bytes cert_of(const struct world *w, enum key subject,
                                enum role role, enum key issuer)
{
    return cert_in(w, NULL, subject, role, role == ROLE_SITE ? site_a : NULL,
                   false, issuer);
}

/* An admitting coordinator's certificate. */
static struct obj_bytes admitting_of(const struct world *w, enum key subject,
                                     enum key issuer)
{
    return cert_in(w, NULL, subject, ROLE_COORDINATOR, NULL, true, issuer);
}

static struct obj_bytes rev_in(const struct world *w, const uint8_t *net,
                               enum key subject, uint64_t after_seq,
                               enum key issuer)
{
    struct revocation r = {0};
    r.version = HZ_CERT_VERSION;
    memcpy(r.network, net != NULL ? net : w->net, HZ_NET_LEN);
    memcpy(r.subject, w->k[subject].pk, HZ_KEY_LEN);
    r.after_seq = after_seq;
    r.has_after_id = after_seq > 0;
    memset(r.after_id, r.has_after_id ? 0x77 : 0, HZ_HASH_LEN);
    r.issued_ms = UINT64_C(1717200000000);
    memcpy(r.issuer, w->k[issuer].pk, HZ_KEY_LEN);
    struct enc e;
    enc_init(&e);
    assert_int_equal(revocation_sign(&r, w->k[issuer].sk, &e), 0);
    struct obj_bytes out;
    enc_to(&e, &out);
    enc_close(&e);
    return out;
}

static struct obj_bytes rev_of(const struct world *w, enum key subject,
                               uint64_t after_seq, enum key issuer)
{
    return rev_in(w, NULL, subject, after_seq, issuer);
}

/* The id of a certificate's bytes. */
static void cert_id(const struct obj_bytes *b, uint8_t *id)
{
    struct cert c;
    assert_int_equal(cert_decode(&c, b->p, b->len, NULL), 0);
    memcpy(id, c.id, HZ_HASH_LEN);
}

/* A certificate held by a device: decoded from @buf, which it borrows. */
static void holds(struct cert *c, struct obj_bytes *buf, struct obj_bytes b)
{
    *buf = b;
    assert_int_equal(cert_decode(c, buf->p, buf->len, NULL), 0);
}

/* ---- bodies */

struct tbody {
    struct enc e;
    struct body b;
};

static void tbody_decode(struct tbody *t)
{
    struct hz_err err = {0};
    assert_int_equal(enc_done(&t->e), 0);
    int rv = body_decode(&t->b, schema_current(), enc_data(&t->e),
                         enc_len(&t->e), &err);
    if (rv != 0)
        fail_msg("body_decode: %s", err.msg);
}

static void tbody_close(struct tbody *t)
{
    body_close(&t->b);
    enc_close(&t->e);
}

struct top {
    enum op_kind kind;
    const struct obj_bytes *o;
};

/* [1, [[kind, object], ...]] */
static void trust_body(struct tbody *t, size_t n, const struct top *ops)
{
    enc_init(&t->e);
    enc_array(&t->e, 2);
    enc_uint(&t->e, 1);
    enc_array(&t->e, n);
    for (size_t i = 0; i < n; i++) {
        enc_array(&t->e, 2);
        enc_uint(&t->e, (uint64_t)ops[i].kind);
        enc_bin(&t->e, ops[i].o->p, ops[i].o->len);
    }
    tbody_decode(t);
    assert_true(t->b.trust);
}

static void one_object(struct tbody *t, enum op_kind kind,
                       const struct obj_bytes *o)
{
    struct top op = {kind, o};
    trust_body(t, 1, &op);
}

/* The data operations of the authorization table. */
enum dop {
    D_HOUSEHOLD_SET,
    D_PERSON_DEL,
    D_SITE_SET,
    D_SITE_DEL,
    D_ITEM_SET,
    D_STAY_INS,
    D_MOVE_INS,
    D_WARNING_INS,
    N_DOPS
};

static const char *const dop_table[N_DOPS] = {
    "households", "persons", "sites",       "sites",
    "items",      "stays",   "stock_moves", "warnings",
};

struct dspec {
    enum dop d;
    const uint8_t *site; /* the site row, or the event's site */
};

static void enc_ref(struct enc *e, uint8_t tag)
{
    uint8_t id[HZ_ROW_LEN] = {tag, 1};
    enc_bin(e, id, HZ_ROW_LEN);
}

static void enc_op_head(struct enc *e, enum op_kind kind, const char *table,
                        const uint8_t *row, size_t n)
{
    enc_array(e, 4);
    enc_uint(e, (uint64_t)kind);
    enc_cstr(e, table);
    enc_bin(e, row, HZ_ROW_LEN);
    enc_array(e, n);
}

static void enc_ins(struct enc *e, const char *col)
{
    enc_array(e, 2);
    enc_cstr(e, col);
}

static void enc_data_op(struct enc *e, const struct dspec *s, uint8_t i)
{
    uint8_t row[HZ_ROW_LEN] = {0x60, (uint8_t)s->d, i};
    switch (s->d) {
    case D_HOUSEHOLD_SET:
    case D_ITEM_SET:
        enc_op_head(e, OP_SET, dop_table[s->d], row, 1);
        enc_array(e, 3);
        enc_cstr(e, s->d == D_ITEM_SET ? "name" : "members");
        if (s->d == D_ITEM_SET)
            enc_cstr(e, "大米");
        else
            enc_int(e, 3);
        enc_array(e, 0);
        break;
    case D_PERSON_DEL:
        enc_op_head(e, OP_DEL, "persons", row, 0);
        break;
    case D_SITE_SET:
        enc_op_head(e, OP_SET, "sites", s->site, 1);
        enc_array(e, 3);
        enc_cstr(e, "name");
        enc_cstr(e, "测试安置点");
        enc_array(e, 0);
        break;
    case D_SITE_DEL:
        enc_op_head(e, OP_DEL, "sites", s->site, 0);
        break;
    case D_STAY_INS:
        enc_op_head(e, OP_INS, "stays", row, 4);
        enc_ins(e, "kind");
        enc_cstr(e, "in");
        enc_ins(e, "person");
        enc_ref(e, 0x20);
        enc_ins(e, "site");
        enc_bin(e, s->site, HZ_ROW_LEN);
        enc_ins(e, "time");
        enc_int(e, 1717200000);
        break;
    case D_MOVE_INS:
        enc_op_head(e, OP_INS, "stock_moves", row, 5);
        enc_ins(e, "item");
        enc_ref(e, 0x40);
        enc_ins(e, "kind");
        enc_cstr(e, "received");
        enc_ins(e, "qty");
        enc_int(e, 5);
        enc_ins(e, "site");
        enc_bin(e, s->site, HZ_ROW_LEN);
        enc_ins(e, "time");
        enc_int(e, 1717200000);
        break;
    case D_WARNING_INS:
        enc_op_head(e, OP_INS, "warnings", row, 4);
        enc_ins(e, "household");
        enc_ref(e, 0x10);
        enc_ins(e, "method");
        enc_cstr(e, "door");
        enc_ins(e, "notice");
        enc_cstr(e, "撤离");
        enc_ins(e, "time");
        enc_int(e, 1717200000);
        break;
    case N_DOPS:
        fail();
    }
}

static void data_body(struct tbody *t, size_t n, const struct dspec *ops)
{
    enc_init(&t->e);
    enc_array(&t->e, 2);
    enc_uint(&t->e, 1);
    enc_array(&t->e, n);
    for (size_t i = 0; i < n; i++)
        enc_data_op(&t->e, &ops[i], (uint8_t)i);
    tbody_decode(t);
    assert_false(t->b.trust);
}

/* trust_entry_allowed for @author at @seq, holding @certs. */
static int allowed(const struct world *w, enum key author, uint64_t seq,
                   const struct tbody *t, const struct cert *const *certs,
                   size_t n, const uint64_t *cut, struct hz_err *why)
{
    memset(why, 0, sizeof *why);
    return trust_entry_allowed(w->net, w->k[author].pk, seq, &t->b, certs, n,
                               cut, why);
}

/* Denied under @code (proto/trust.md, "Authorization": HZ_EPERM for a
 * role, HZ_EREVOKED past a cut-off, HZ_ENOCERT without a certificate),
 * the message holding @reason. */
static void assert_denied(int rv, const struct hz_err *why, int code,
                          const char *reason)
{
    assert_int_equal(rv, code);
    assert_int_equal(why->code, code);
    if (strstr(why->msg, reason) == NULL)
        fail_msg("reason \"%s\", expected \"%s\"", why->msg, reason);
}

/* ---- trust_body_check: the content checks */

static int body_check(const struct world *w, enum key author, enum op_kind kind,
                      const struct obj_bytes *o, struct hz_err *why)
{
    struct tbody t;
    one_object(&t, kind, o);
    memset(why, 0, sizeof *why);
    int rv = trust_body_check(w->net, w->k[author].pk, &t.b, why);
    tbody_close(&t);
    return rv;
}

static void content_check_accepts_root_own_and_detached_objects(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct hz_err why;
    /* Root-signed objects, carried by anyone. */
    struct obj_bytes o = cert_of(&w, S, ROLE_SITE, ROOT);
    assert_int_equal(body_check(&w, X, OP_CERT, &o, &why), 0);
    o = rev_of(&w, S, 0, ROOT);
    assert_int_equal(body_check(&w, X, OP_REVOKE, &o, &why), 0);
    /* The author's own objects. */
    o = cert_of(&w, S, ROLE_SITE, A);
    assert_int_equal(body_check(&w, A, OP_CERT, &o, &why), 0);
    o = rev_of(&w, S, 4, A);
    assert_int_equal(body_check(&w, A, OP_REVOKE, &o, &why), 0);
    /* A certificate signed by another device: detached, carried by anyone
     * (typically its subject after join). */
    o = cert_of(&w, S, ROLE_SITE, A);
    assert_int_equal(body_check(&w, S, OP_CERT, &o, &why), 0);
    assert_int_equal(body_check(&w, X, OP_CERT, &o, &why), 0);
    world_close(&w);
}

static void
content_check_refuses_a_revocation_signed_by_a_third_party(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct hz_err why;
    struct obj_bytes o = rev_of(&w, S, 0, A);
    assert_int_equal(body_check(&w, B, OP_REVOKE, &o, &why), HZ_EMALFORMED);
    assert_non_null(strstr(why.msg, "neither the root key nor the author"));
    /* Its subject cannot carry it either. */
    assert_int_equal(body_check(&w, S, OP_REVOKE, &o, &why), HZ_EMALFORMED);
    world_close(&w);
}

static void content_check_refuses_objects_of_another_network(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct hz_err why;
    /* Signed by that network's root key, and by the author itself. */
    struct obj_bytes o =
        cert_in(&w, w.other_net, S, ROLE_VIEWER, NULL, false, OTHER_ROOT);
    assert_int_equal(body_check(&w, A, OP_CERT, &o, &why), HZ_ENETWORK);
    o = cert_in(&w, w.other_net, S, ROLE_VIEWER, NULL, false, A);
    assert_int_equal(body_check(&w, A, OP_CERT, &o, &why), HZ_ENETWORK);
    o = rev_in(&w, w.other_net, S, 0, A);
    assert_int_equal(body_check(&w, A, OP_REVOKE, &o, &why), HZ_ENETWORK);
    world_close(&w);
}

static void content_check_refuses_a_bad_signature(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct hz_err why;
    struct obj_bytes o = cert_of(&w, S, ROLE_SITE, ROOT);
    o.p[o.len - 1] ^= 0x01;
    assert_int_equal(body_check(&w, S, OP_CERT, &o, &why), HZ_EBADSIG);
    /* A signed field changed, still canonical: the lowest byte of
     * issued_ms, before the issuer (c4 20 + 32) and the signature
     * (c4 40 + 64). */
    o = rev_of(&w, S, 7, A);
    assert_int_equal(body_check(&w, A, OP_REVOKE, &o, &why), 0);
    o.p[o.len - 101] ^= 0x01;
    struct revocation r;
    assert_int_equal(revocation_decode(&r, o.p, o.len, NULL), 0);
    assert_int_equal(body_check(&w, A, OP_REVOKE, &o, &why), HZ_EBADSIG);
    world_close(&w);
}

/* ---- trust_entry_allowed: data bodies */

static const struct dspec every_dop[] = {
    {D_HOUSEHOLD_SET, NULL}, {D_PERSON_DEL, NULL}, {D_SITE_SET, site_a},
    {D_SITE_DEL, site_a},    {D_SITE_SET, site_b}, {D_SITE_DEL, site_b},
    {D_ITEM_SET, NULL},      {D_STAY_INS, site_a}, {D_STAY_INS, site_b},
    {D_MOVE_INS, site_a},    {D_MOVE_INS, site_b}, {D_WARNING_INS, NULL},
};

/* Whether a site certificate for site_a allows @s (DECISIONS 18). */
static bool site_a_may(const struct dspec *s)
{
    switch (s->d) {
    case D_HOUSEHOLD_SET:
    case D_PERSON_DEL:
        return true;
    case D_SITE_SET:
    case D_SITE_DEL:
    case D_STAY_INS:
    case D_MOVE_INS:
        return s->site == site_a;
    default:
        return false;
    }
}

static void roles_write_the_tables_decisions_18_gives_them(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes buf[5];
    struct cert viewer, site, coord, admitting, admin;
    holds(&viewer, &buf[0], cert_of(&w, S, ROLE_VIEWER, ROOT));
    holds(&site, &buf[1], cert_of(&w, S, ROLE_SITE, ROOT));
    holds(&coord, &buf[2], cert_of(&w, S, ROLE_COORDINATOR, ROOT));
    holds(&admitting, &buf[3], admitting_of(&w, S, ROOT));
    holds(&admin, &buf[4], cert_of(&w, S, ROLE_ADMIN, ROOT));
    for (size_t i = 0; i < sizeof every_dop / sizeof every_dop[0]; i++) {
        struct tbody t;
        data_body(&t, 1, &every_dop[i]);
        struct hz_err why;
        char reason[64];
        const struct cert *one[1] = {&viewer};
        snprintf(reason, sizeof reason, "viewer may not write %s",
                 dop_table[every_dop[i].d]);
        assert_denied(allowed(&w, S, 1, &t, one, 1, NULL, &why), &why, HZ_EPERM,
                      reason);
        one[0] = &site;
        int rv = allowed(&w, S, 1, &t, one, 1, NULL, &why);
        if (site_a_may(&every_dop[i])) {
            assert_int_equal(rv, 0);
        } else {
            snprintf(reason, sizeof reason, "site may not write %s",
                     dop_table[every_dop[i].d]);
            assert_denied(rv, &why, HZ_EPERM, reason);
        }
        const struct cert *all[] = {&coord, &admitting, &admin};
        for (size_t k = 0; k < 3; k++) {
            one[0] = all[k];
            assert_int_equal(allowed(&w, S, 1, &t, one, 1, NULL, &why), 0);
        }
        tbody_close(&t);
    }
    world_close(&w);
}

/* "some single certificate of A allows every operation" */
static void a_data_entry_needs_one_certificate_allowing_all_of_it(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes buf[2];
    struct cert at_a, at_b;
    holds(&at_a, &buf[0], cert_of(&w, S, ROLE_SITE, ROOT));
    holds(&at_b, &buf[1], cert_in(&w, NULL, S, ROLE_SITE, site_b, false, ROOT));
    const struct cert *both[] = {&at_a, &at_b};
    struct hz_err why;
    struct tbody t;
    const struct dspec a_and_b[] = {{D_STAY_INS, site_a}, {D_STAY_INS, site_b}};
    data_body(&t, 2, a_and_b);
    assert_denied(allowed(&w, S, 1, &t, both, 2, NULL, &why), &why, HZ_EPERM,
                  "site may not write stays");
    tbody_close(&t);
    for (size_t i = 0; i < 2; i++) {
        const struct dspec with_household[] = {{D_HOUSEHOLD_SET, NULL},
                                               a_and_b[i]};
        data_body(&t, 2, with_household);
        assert_int_equal(allowed(&w, S, 1, &t, both, 2, NULL, &why), 0);
        /* Either certificate alone allows only its own site. */
        assert_int_equal(allowed(&w, S, 1, &t, &both[i], 1, NULL, &why), 0);
        assert_denied(allowed(&w, S, 1, &t, &both[1 - i], 1, NULL, &why), &why,
                      HZ_EPERM, "site may not write stays");
        tbody_close(&t);
    }
    world_close(&w);
}

/* ---- trust_entry_allowed: trust bodies */

/* The carrier's certificates, by the level they give. */
struct carrier {
    const char *name;
    enum role role;
    bool admits;
    int level;
};

static const struct carrier carriers[] = {
    {"viewer", ROLE_VIEWER, false, 0},
    {"site", ROLE_SITE, false, 0},
    {"coordinator", ROLE_COORDINATOR, false, 0},
    {"admitting coordinator", ROLE_COORDINATOR, true, 1},
    {"admin", ROLE_ADMIN, false, 2},
};

/* Author C carries @kind @o, holding each carrier certificate in turn: the
 * entry is allowed exactly when the level covers @need, and the reason
 * names what the role may not do. */
static void expect_need(const struct world *w, enum op_kind kind,
                        const struct obj_bytes *o, int need)
{
    struct tbody t;
    one_object(&t, kind, o);
    struct hz_err why;
    assert_int_equal(trust_body_check(w->net, w->k[C].pk, &t.b, &why), 0);
    for (size_t i = 0; i < sizeof carriers / sizeof carriers[0]; i++) {
        const struct carrier *ca = &carriers[i];
        struct obj_bytes buf;
        struct cert held;
        holds(&held, &buf,
              cert_in(w, NULL, C, ca->role,
                      ca->role == ROLE_SITE ? site_a : NULL, ca->admits, ROOT));
        assert_int_equal(trust_level_of(&held), ca->level);
        const struct cert *one[] = {&held};
        int rv = allowed(w, C, 3, &t, one, 1, NULL, &why);
        if (ca->level >= need) {
            if (rv != 0)
                fail_msg("%s, need %d: %s", ca->name, need, why.msg);
            continue;
        }
        if (rv == 0)
            fail_msg("%s (level %d) may carry an object needing %d", ca->name,
                     ca->level, need);
        assert_denied(rv, &why, HZ_EPERM,
                      need == 2 ? "the author's role may not revoke or admit "
                                  "admins"
                                : "the author's role may not admit members");
    }
    tbody_close(&t);
}

static void root_signed_and_detached_objects_need_no_level(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    /* Root-signed: any member carries them, a viewer too. */
    struct obj_bytes o = cert_of(&w, S, ROLE_SITE, ROOT);
    expect_need(&w, OP_CERT, &o, 0);
    o = cert_of(&w, C, ROLE_ADMIN, ROOT);
    expect_need(&w, OP_CERT, &o, 0);
    o = rev_of(&w, A, 0, ROOT);
    expect_need(&w, OP_REVOKE, &o, 0);
    /* Detached: signed by A, carried by C; it counts by A's standing. */
    o = cert_of(&w, S, ROLE_ADMIN, A);
    expect_need(&w, OP_CERT, &o, 0);
    o = cert_of(&w, C, ROLE_SITE, A);
    expect_need(&w, OP_CERT, &o, 0);
    world_close(&w);
}

static void revocations_by_the_carrier_need_an_admin(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes o = rev_of(&w, S, 0, C);
    expect_need(&w, OP_REVOKE, &o, 2);
    o = rev_of(&w, S, 9, C);
    expect_need(&w, OP_REVOKE, &o, 2);
    world_close(&w);
}

/* Issued certificates (signed by the carrier's own key): admins and
 * admitting coordinators need an admin (2), other roles admission (1). */
static void issued_certificates_need_admission_or_an_admin(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes o = cert_of(&w, S, ROLE_SITE, C);
    expect_need(&w, OP_CERT, &o, 1);
    o = cert_of(&w, S, ROLE_VIEWER, C);
    expect_need(&w, OP_CERT, &o, 1);
    o = cert_of(&w, S, ROLE_COORDINATOR, C);
    expect_need(&w, OP_CERT, &o, 1);
    o = admitting_of(&w, S, C);
    expect_need(&w, OP_CERT, &o, 2);
    o = cert_of(&w, S, ROLE_ADMIN, C);
    expect_need(&w, OP_CERT, &o, 2);
    world_close(&w);
}

/* A body's need is the highest of its objects'. */
static void a_trust_entry_needs_its_most_demanding_object(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes root_cert = cert_of(&w, C, ROLE_ADMIN, ROOT);
    struct obj_bytes rev = rev_of(&w, S, 0, C);
    struct top ops[] = {{OP_CERT, &root_cert}, {OP_REVOKE, &rev}};
    struct tbody t;
    trust_body(&t, 2, ops);
    struct obj_bytes buf;
    struct cert held;
    holds(&held, &buf, admitting_of(&w, C, ROOT));
    const struct cert *one[] = {&held};
    struct hz_err why;
    assert_denied(allowed(&w, C, 1, &t, one, 1, NULL, &why), &why, HZ_EPERM,
                  "revoke or admit admins");
    /* Several certificates: the best level counts. */
    struct obj_bytes buf2;
    struct cert admin;
    holds(&admin, &buf2, cert_of(&w, C, ROLE_ADMIN, ROOT));
    const struct cert *two[] = {&held, &admin};
    assert_int_equal(allowed(&w, C, 1, &t, two, 2, NULL, &why), 0);
    tbody_close(&t);
    world_close(&w);
}

static void trust_levels_follow_role_and_admission(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    for (size_t i = 0; i < sizeof carriers / sizeof carriers[0]; i++) {
        struct obj_bytes buf;
        struct cert c;
        holds(&c, &buf,
              cert_in(&w, NULL, S, carriers[i].role,
                      carriers[i].role == ROLE_SITE ? site_a : NULL,
                      carriers[i].admits, ROOT));
        assert_int_equal(trust_level_of(&c), carriers[i].level);
    }
    world_close(&w);
}

/* ---- trust_entry_allowed: cut-offs and no certificate */

static void
entries_up_to_the_cut_off_are_allowed_and_later_ones_not(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes buf;
    struct cert admin;
    holds(&admin, &buf, cert_of(&w, A, ROLE_ADMIN, ROOT));
    const struct cert *one[] = {&admin};
    struct tbody data, trust;
    const struct dspec hh = {D_HOUSEHOLD_SET, NULL};
    data_body(&data, 1, &hh);
    struct obj_bytes o = cert_of(&w, S, ROLE_SITE, A);
    one_object(&trust, OP_CERT, &o);
    const struct tbody *bodies[] = {&data, &trust};
    struct hz_err why;
    for (size_t i = 0; i < 2; i++) {
        uint64_t cut = 5;
        for (uint64_t seq = 1; seq <= 5; seq++)
            assert_int_equal(allowed(&w, A, seq, bodies[i], one, 1, &cut, &why),
                             0);
        assert_denied(allowed(&w, A, 6, bodies[i], one, 1, &cut, &why), &why,
                      HZ_EREVOKED, "author revoked after seq 5");
        assert_denied(allowed(&w, A, 1000, bodies[i], one, 1, &cut, &why), &why,
                      HZ_EREVOKED, "author revoked after seq 5");
        cut = 0; /* accepts none */
        assert_denied(allowed(&w, A, 1, bodies[i], one, 1, &cut, &why), &why,
                      HZ_EREVOKED, "author revoked after seq 0");
    }
    tbody_close(&data);
    tbody_close(&trust);
    world_close(&w);
}

static void an_author_without_a_certificate_is_denied(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct tbody data, trust;
    const struct dspec hh = {D_HOUSEHOLD_SET, NULL};
    data_body(&data, 1, &hh);
    /* Even an object that needs no level: the author must be a member. */
    struct obj_bytes o = cert_of(&w, X, ROLE_VIEWER, ROOT);
    one_object(&trust, OP_CERT, &o);
    struct hz_err why;
    assert_denied(allowed(&w, X, 1, &data, NULL, 0, NULL, &why), &why,
                  HZ_ENOCERT, "no certificate for the author");
    assert_denied(allowed(&w, X, 1, &trust, NULL, 0, NULL, &why), &why,
                  HZ_ENOCERT, "no certificate for the author");
    tbody_close(&data);
    tbody_close(&trust);
    world_close(&w);
}

/* ---- trust_resolve */

#define OBJS_MAX 40

struct objs {
    const struct world *w;
    size_t n;
    struct trust_obj v[OBJS_MAX];
    struct obj_bytes bytes[OBJS_MAX]; /* v's views point here */
};

/* @author's entry at @seq carries @b as op @idx. */
static void carry(struct objs *s, enum key author, uint64_t seq, uint32_t idx,
                  enum op_kind kind, struct obj_bytes b)
{
    assert_true(s->n < OBJS_MAX);
    s->bytes[s->n] = b;
    struct trust_obj *o = &s->v[s->n];
    memset(o, 0, sizeof *o);
    struct hz_err err = {0};
    int rv = trust_obj_decode(
        s->w->net, kind,
        (struct hz_bytes){s->bytes[s->n].p, s->bytes[s->n].len}, o, &err);
    if (rv != 0)
        fail_msg("trust_obj_decode: %s", err.msg);
    memcpy(o->author, s->w->k[author].pk, HZ_KEY_LEN);
    o->seq = seq;
    o->idx = idx;
    memset(o->eid, (int)seq, HZ_HASH_LEN);
    o->eid[0] = s->w->k[author].pk[0];
    s->n++;
}

static void resolve(struct objs *s, struct trust_result *r)
{
    struct hz_err err = {0};
    assert_int_equal(trust_resolve(s->w->net, s->v, s->n, r, &err), 0);
}

/* The object @author carried at @seq as op @idx. */
static const struct trust_obj *obj_at(const struct objs *s, enum key author,
                                      uint64_t seq, uint32_t idx)
{
    for (size_t i = 0; i < s->n; i++) {
        const struct trust_obj *o = &s->v[i];
        if (memcmp(o->author, s->w->k[author].pk, HZ_KEY_LEN) == 0 &&
            o->seq == seq && o->idx == idx)
            return o;
    }
    fail_msg("no object at seq %llu", (unsigned long long)seq);
    return NULL;
}

static bool effective_at(const struct objs *s, enum key author, uint64_t seq,
                         uint32_t idx)
{
    return obj_at(s, author, seq, idx)->effective;
}

/* Whether some copy of the certificate @b is in effect. */
static bool cert_in_effect(const struct objs *s, const struct obj_bytes *b)
{
    uint8_t id[HZ_HASH_LEN];
    cert_id(b, id);
    for (size_t i = 0; i < s->n; i++) {
        if (s->v[i].kind == OP_CERT && s->v[i].effective &&
            memcmp(s->v[i].cert.id, id, HZ_HASH_LEN) == 0)
            return true;
    }
    return false;
}

/* @subject's cut-off, or -1 when it has none. */
static int64_t cut_of(const struct objs *s, const struct trust_result *r,
                      enum key subject)
{
    const struct trust_cut *c = trust_cut_of(r, s->w->k[subject].pk);
    return c == NULL ? -1 : (int64_t)c->seq;
}

/* The revocation that decided @subject's cut-off. */
static const struct trust_obj *
cut_by(const struct objs *s, const struct trust_result *r, enum key subject)
{
    const struct trust_cut *c = trust_cut_of(r, s->w->k[subject].pk);
    assert_non_null(c);
    assert_true(c->by < s->n);
    assert_int_equal(s->v[c->by].kind, OP_REVOKE);
    return &s->v[c->by];
}

/* Admin certificates issued in a chain whose every link sorts before the
 * entry granting it (keys descending), so that granting needs as many
 * rounds as the chain is long; the first admin's own root certificate is
 * carried last, after its admissions. */
static void chain_of_admins(struct objs *s, const enum key *k, bool with_root)
{
    if (with_root)
        carry(s, k[0], 9, 0, OP_CERT, cert_of(s->w, k[0], ROLE_ADMIN, ROOT));
    carry(s, k[0], 5, 0, OP_CERT, cert_of(s->w, k[1], ROLE_ADMIN, k[0]));
    carry(s, k[1], 1, 0, OP_CERT, cert_of(s->w, S, ROLE_SITE, k[1]));
    carry(s, k[1], 2, 0, OP_CERT, cert_of(s->w, k[2], ROLE_ADMIN, k[1]));
    carry(s, k[2], 1, 0, OP_CERT, cert_of(s->w, V, ROLE_VIEWER, k[2]));
}

/* The keys A, B, C in descending order of their public keys. */
static void keys_descending(const struct world *w, enum key *k)
{
    k[0] = A;
    k[1] = B;
    k[2] = C;
    for (int i = 0; i < 3; i++) {
        for (int j = i + 1; j < 3; j++) {
            if (memcmp(w->k[k[i]].pk, w->k[k[j]].pk, HZ_KEY_LEN) < 0) {
                enum key t = k[i];
                k[i] = k[j];
                k[j] = t;
            }
        }
    }
}

static void
certificates_take_effect_when_their_issuers_cert_arrives(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    enum key k[3];
    keys_descending(&w, k);
    struct objs s = {.w = &w};
    chain_of_admins(&s, k, false);
    struct trust_result r;
    resolve(&s, &r);
    for (size_t i = 0; i < s.n; i++)
        assert_false(s.v[i].effective); /* no root behind any of them */
    trust_result_close(&r);

    s.n = 0;
    chain_of_admins(&s, k, true);
    resolve(&s, &r);
    for (size_t i = 0; i < s.n; i++)
        assert_true(s.v[i].effective);
    /* Ranks: the shortest distance from the root. */
    assert_int_equal(obj_at(&s, k[0], 9, 0)->rank, 1);
    assert_int_equal(obj_at(&s, k[0], 5, 0)->rank, 2);
    assert_int_equal(obj_at(&s, k[1], 2, 0)->rank, 3);
    assert_int_equal(r.n_cuts, 0);
    trust_result_close(&r);
    world_close(&w);
}

/* A and B are root-signed admins, each carrying its own certificate at
 * seq 1. */
static void two_root_admins(struct objs *s)
{
    carry(s, A, 1, 0, OP_CERT, cert_of(s->w, A, ROLE_ADMIN, ROOT));
    carry(s, B, 1, 0, OP_CERT, cert_of(s->w, B, ROLE_ADMIN, ROOT));
}

static void a_revoked_admin_keeps_what_it_did_up_to_its_cut_off(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes before = cert_of(&w, S, ROLE_SITE, A);
    struct obj_bytes after = cert_of(&w, V, ROLE_VIEWER, A);
    /* A is revoked after seq 3 by the root key, or by B, the admin who
     * admitted it (closer to the root). */
    for (int by_admin = 0; by_admin < 2; by_admin++) {
        struct objs s = {.w = &w};
        if (by_admin) {
            carry(&s, B, 1, 0, OP_CERT, cert_of(&w, B, ROLE_ADMIN, ROOT));
            carry(&s, B, 2, 0, OP_CERT, cert_of(&w, A, ROLE_ADMIN, B));
            carry(&s, B, 3, 0, OP_REVOKE, rev_of(&w, A, 3, B));
        } else {
            carry(&s, A, 1, 0, OP_CERT, cert_of(&w, A, ROLE_ADMIN, ROOT));
            carry(&s, C, 1, 0, OP_REVOKE, rev_of(&w, A, 3, ROOT));
        }
        carry(&s, A, 2, 0, OP_CERT, before);
        carry(&s, A, 3, 0, OP_REVOKE, rev_of(&w, X, 0, A));
        carry(&s, A, 4, 0, OP_CERT, after);
        carry(&s, A, 5, 0, OP_REVOKE, rev_of(&w, C, 0, A));
        struct trust_result r;
        resolve(&s, &r);
        assert_int_equal(cut_of(&s, &r, A), 3);
        assert_true(effective_at(&s, A, 2, 0));
        assert_true(cert_in_effect(&s, &before));
        assert_int_equal(cut_of(&s, &r, X), 0); /* seq 3: before the cut */
        assert_false(effective_at(&s, A, 4, 0));
        assert_false(cert_in_effect(&s, &after));
        assert_int_equal(cut_of(&s, &r, C), -1); /* seq 5: after it */
        assert_false(effective_at(&s, A, 5, 0));
        /* A's own certificate still holds: the cut-off limits it. */
        assert_true(effective_at(&s, by_admin ? B : A, by_admin ? 2 : 1, 0));
        trust_result_close(&r);
    }
    world_close(&w);
}

static void
admins_revoking_each_other_the_one_closer_to_the_root_wins(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    /* The farther admin has the lower key, so that a tie-break on keys
     * alone would pick the wrong revocation. */
    enum key near, far;
    by_key(&w, A, B, &far, &near);
    struct objs s = {.w = &w};
    carry(&s, near, 1, 0, OP_CERT, cert_of(&w, near, ROLE_ADMIN, ROOT));
    carry(&s, near, 2, 0, OP_CERT, cert_of(&w, far, ROLE_ADMIN, near));
    carry(&s, near, 3, 0, OP_REVOKE, rev_of(&w, far, 1, near));
    carry(&s, far, 1, 0, OP_CERT, cert_of(&w, S, ROLE_SITE, far));
    carry(&s, far, 2, 0, OP_REVOKE, rev_of(&w, near, 2, far));
    struct trust_result r;
    resolve(&s, &r);
    assert_int_equal(obj_at(&s, near, 1, 0)->rank, 1);
    assert_int_equal(obj_at(&s, near, 2, 0)->rank, 2);
    assert_int_equal(cut_of(&s, &r, far), 1);
    assert_int_equal(cut_of(&s, &r, near), -1);
    assert_true(cut_by(&s, &r, far) == obj_at(&s, near, 3, 0));
    assert_false(effective_at(&s, far, 2, 0));
    assert_true(effective_at(&s, far, 1, 0)); /* before its cut-off */
    assert_true(effective_at(&s, near, 2, 0));
    trust_result_close(&r);
    world_close(&w);
}

static void
admins_of_equal_rank_revoking_each_other_the_lower_key_wins(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    enum key lo, hi;
    by_key(&w, A, B, &lo, &hi);
    struct objs s = {.w = &w};
    two_root_admins(&s);
    carry(&s, A, 2, 0, OP_REVOKE, rev_of(&w, B, 1, A));
    carry(&s, B, 2, 0, OP_REVOKE, rev_of(&w, A, 1, B));
    struct trust_result r;
    resolve(&s, &r);
    assert_int_equal(obj_at(&s, A, 1, 0)->rank, 1);
    assert_int_equal(obj_at(&s, B, 1, 0)->rank, 1);
    assert_int_equal(cut_of(&s, &r, hi), 1);
    assert_int_equal(cut_of(&s, &r, lo), -1);
    assert_true(cut_by(&s, &r, hi) == obj_at(&s, lo, 2, 0));
    assert_false(effective_at(&s, hi, 2, 0));
    trust_result_close(&r);
    world_close(&w);
}

static void a_stolen_admin_key_gets_nothing_after_its_cut_off(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct objs s = {.w = &w};
    two_root_admins(&s);
    carry(&s, C, 1, 0, OP_REVOKE, rev_of(&w, A, 2, ROOT));
    /* The thief, after seq 2: revokes B, admits itself as admin and a
     * site, and the new admin carries its certificate itself. */
    struct obj_bytes thief = cert_of(&w, X, ROLE_ADMIN, A);
    struct obj_bytes site = cert_of(&w, S, ROLE_SITE, A);
    carry(&s, A, 3, 0, OP_REVOKE, rev_of(&w, B, 0, A));
    carry(&s, A, 4, 0, OP_CERT, thief);
    carry(&s, A, 5, 0, OP_CERT, site);
    carry(&s, X, 1, 0, OP_CERT, thief);
    carry(&s, X, 2, 0, OP_REVOKE, rev_of(&w, B, 0, X));
    struct trust_result r;
    resolve(&s, &r);
    assert_int_equal(cut_of(&s, &r, A), 2);
    assert_int_equal(cut_of(&s, &r, B), -1);
    assert_int_equal(cut_of(&s, &r, X), -1);
    assert_false(cert_in_effect(&s, &thief));
    assert_false(cert_in_effect(&s, &site));
    assert_false(effective_at(&s, A, 3, 0));
    assert_false(effective_at(&s, X, 2, 0));
    trust_result_close(&r);
    world_close(&w);
}

static void a_root_revocation_overrides_any_admin(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    for (int carrier = 0; carrier < 2; carrier++) {
        struct objs s = {.w = &w};
        two_root_admins(&s);
        carry(&s, A, 2, 0, OP_REVOKE, rev_of(&w, B, 0, A));
        carry(&s, A, 3, 0, OP_CERT, cert_of(&w, S, ROLE_SITE, A));
        /* Carried by B, or by a stranger holding no certificate. */
        carry(&s, carrier ? X : B, 2, 0, OP_REVOKE, rev_of(&w, A, 1, ROOT));
        struct trust_result r;
        resolve(&s, &r);
        assert_int_equal(cut_of(&s, &r, A), 1);
        assert_int_equal(cut_of(&s, &r, B), -1);
        assert_true(cut_by(&s, &r, A)->root);
        assert_false(effective_at(&s, A, 2, 0));
        assert_false(effective_at(&s, A, 3, 0));
        trust_result_close(&r);
    }
    world_close(&w);
}

/* cutoff(subject) = min(after_seq) over the applied revocations. */
static void the_lowest_applied_cut_off_holds(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct objs s = {.w = &w};
    two_root_admins(&s);
    carry(&s, A, 2, 0, OP_REVOKE, rev_of(&w, S, 7, A));
    carry(&s, B, 2, 0, OP_REVOKE, rev_of(&w, S, 4, B));
    carry(&s, X, 1, 0, OP_REVOKE, rev_of(&w, S, 9, ROOT));
    struct trust_result r;
    resolve(&s, &r);
    assert_int_equal(cut_of(&s, &r, S), 4);
    assert_true(cut_by(&s, &r, S) == obj_at(&s, B, 2, 0));
    trust_result_close(&r);
    world_close(&w);
}

static void
a_revocation_may_come_before_the_certificate_it_concerns(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes site = cert_of(&w, S, ROLE_SITE, A);
    struct objs s = {.w = &w};
    carry(&s, A, 1, 0, OP_CERT, cert_of(&w, A, ROLE_ADMIN, ROOT));
    carry(&s, A, 1, 1, OP_REVOKE, rev_of(&w, S, 2, A));
    struct trust_result r;
    resolve(&s, &r);
    assert_int_equal(cut_of(&s, &r, S), 2);
    trust_result_close(&r);

    carry(&s, A, 2, 0, OP_CERT, site);
    resolve(&s, &r);
    assert_int_equal(cut_of(&s, &r, S), 2);
    assert_true(cert_in_effect(&s, &site));
    /* S writes up to seq 2 and no further. */
    struct cert held;
    struct obj_bytes buf;
    holds(&held, &buf, site);
    const struct cert *one[] = {&held};
    struct tbody t;
    const struct dspec hh = {D_HOUSEHOLD_SET, NULL};
    data_body(&t, 1, &hh);
    uint64_t cut = trust_cut_of(&r, w.k[S].pk)->seq;
    struct hz_err why;
    assert_int_equal(allowed(&w, S, 2, &t, one, 1, &cut, &why), 0);
    assert_denied(allowed(&w, S, 3, &t, one, 1, &cut, &why), &why, HZ_EREVOKED,
                  "author revoked after seq 2");
    tbody_close(&t);
    trust_result_close(&r);
    world_close(&w);
}

static void a_detached_certificate_counts_by_its_issuers_standing(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    struct obj_bytes site = cert_of(&w, S, ROLE_SITE, A);
    struct obj_bytes by_c = cert_of(&w, V, ROLE_VIEWER, C);
    struct obj_bytes admin_by_c = cert_of(&w, X, ROLE_ADMIN, C);
    /* A is an admin; C an admitting coordinator (level 1). */
    struct objs s = {.w = &w};
    carry(&s, S, 1, 0, OP_CERT, cert_of(&w, A, ROLE_ADMIN, ROOT));
    carry(&s, S, 1, 1, OP_CERT, site);
    carry(&s, V, 1, 0, OP_CERT, admitting_of(&w, C, ROOT));
    carry(&s, V, 1, 1, OP_CERT, by_c);
    carry(&s, X, 1, 0, OP_CERT, admin_by_c);
    struct trust_result r;
    resolve(&s, &r);
    assert_true(effective_at(&s, S, 1, 1));
    assert_true(effective_at(&s, V, 1, 1));
    assert_false(effective_at(&s, X, 1, 0)); /* needs 2, C gives 1 */
    trust_result_close(&r);

    /* Once its issuer has any cut-off, only the issued copy counts, where
     * the issuer's chain shows it. */
    for (uint64_t cut = 1; cut <= 5; cut += 4) {
        struct objs t = {.w = &w};
        carry(&t, A, 1, 0, OP_CERT, cert_of(&w, A, ROLE_ADMIN, ROOT));
        carry(&t, A, 2, 0, OP_CERT, site);
        carry(&t, S, 1, 0, OP_CERT, site);
        carry(&t, B, 1, 0, OP_REVOKE, rev_of(&w, A, cut, ROOT));
        resolve(&t, &r);
        assert_false(effective_at(&t, S, 1, 0));
        assert_int_equal(effective_at(&t, A, 2, 0), cut >= 2);
        assert_int_equal(cert_in_effect(&t, &site), cut >= 2);
        trust_result_close(&r);
    }
    world_close(&w);
}

/* ---- the same set of objects, in any order */

/* Everything above at once: a chain of admins revoking one another,
 * admins of equal rank revoking each other (a tie broken by key), two
 * equal revocations in one entry (broken by op index), detached and
 * issued copies, a root revocation carried by a viewer. */
static void many_objects(struct objs *s)
{
    const struct world *w = s->w;
    enum key k[3];
    keys_descending(w, k);
    chain_of_admins(s, k, true); /* ranks: k[0] 1, k[1] 2, k[2] 3 */
    carry(s, k[0], 6, 0, OP_REVOKE, rev_of(w, k[2], 3, k[0]));
    carry(s, k[0], 7, 0, OP_REVOKE, rev_of(w, S, 2, k[0]));
    carry(s, k[2], 2, 0, OP_REVOKE, rev_of(w, k[1], 1, k[2]));
    carry(s, k[2], 4, 0, OP_REVOKE, rev_of(w, k[0], 0, k[2]));
    carry(s, k[1], 3, 0, OP_REVOKE, rev_of(w, k[2], 1, k[1]));
    carry(s, k[1], 3, 1, OP_CERT, cert_of(w, X, ROLE_SITE, k[1]));
    carry(s, X, 1, 0, OP_CERT, cert_of(w, X, ROLE_SITE, k[1]));
    carry(s, X, 1, 1, OP_CERT, cert_of(w, S, ROLE_ADMIN, ROOT)); /* rank 1 */
    carry(s, S, 1, 0, OP_REVOKE, rev_of(w, V, 2, S));
    carry(s, S, 1, 1, OP_REVOKE, rev_of(w, V, 2, S));
    carry(s, S, 2, 0, OP_CERT, admitting_of(w, C, S));
    carry(s, S, 3, 0, OP_REVOKE, rev_of(w, k[0], 5, S));
    carry(s, C, 1, 0, OP_CERT, cert_of(w, V, ROLE_VIEWER, C));
    carry(s, V, 1, 0, OP_REVOKE, rev_of(w, X, 1, ROOT));
    carry(s, V, 1, 1, OP_CERT, cert_of(w, V, ROLE_VIEWER, k[2]));
}

struct outcome {
    bool effective[OBJS_MAX];
    uint32_t rank[OBJS_MAX];
    int64_t cut[N_KEYS];
    const struct trust_obj *by[N_KEYS];
};

/* The outcome keyed by object (carrier, seq, op index) and by subject. */
static void outcome_of(const struct objs *s, const struct trust_result *r,
                       const struct objs *ref, struct outcome *out)
{
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < ref->n; i++) {
        const struct trust_obj *o = NULL;
        for (size_t j = 0; j < s->n; j++) {
            if (memcmp(s->v[j].author, ref->v[i].author, HZ_KEY_LEN) == 0 &&
                s->v[j].seq == ref->v[i].seq && s->v[j].idx == ref->v[i].idx)
                o = &s->v[j];
        }
        assert_non_null(o);
        out->effective[i] = o->effective;
        out->rank[i] = o->rank;
    }
    for (int k = 0; k < N_KEYS; k++) {
        out->cut[k] = cut_of(s, r, (enum key)k);
        if (out->cut[k] < 0)
            continue;
        const struct trust_obj *by = cut_by(s, r, (enum key)k);
        for (size_t i = 0; i < ref->n; i++) {
            if (memcmp(ref->v[i].author, by->author, HZ_KEY_LEN) == 0 &&
                ref->v[i].seq == by->seq && ref->v[i].idx == by->idx)
                out->by[k] = &ref->v[i];
        }
        assert_non_null(out->by[k]);
    }
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void
the_trust_state_does_not_depend_on_the_order_of_objects(void **state)
{
    (void)state;
    struct world w;
    world_init(&w);
    /* The reference, in the order written (its positions are the keys). */
    static struct objs ref, s;
    ref = (struct objs){.w = &w};
    many_objects(&ref);
    s = ref;
    for (size_t i = 0; i < s.n; i++) /* re-point the views at s's bytes */
        assert_int_equal(
            trust_obj_decode(w.net, s.v[i].kind,
                             (struct hz_bytes){s.bytes[i].p, s.bytes[i].len},
                             &s.v[i], NULL),
            0);
    struct trust_result r;
    resolve(&s, &r);
    struct outcome first, again;
    outcome_of(&s, &r, &ref, &first);
    trust_result_close(&r);
    /* The scenario decides something: some in effect, some not, cuts. */
    size_t n_effective = 0;
    for (size_t i = 0; i < ref.n; i++)
        n_effective += first.effective[i];
    assert_true(n_effective > 0 && n_effective < ref.n);
    assert_true(first.cut[A] >= 0 || first.cut[B] >= 0 || first.cut[C] >= 0);

    uint64_t seed = 0x7275737400u;
    for (int round = 0; round < 300; round++) {
        s = ref;
        for (size_t i = s.n - 1; i > 0; i--) {
            size_t j = (size_t)(splitmix(&seed) % (i + 1));
            struct trust_obj tv = s.v[i];
            s.v[i] = s.v[j];
            s.v[j] = tv;
            struct obj_bytes tb = s.bytes[i];
            s.bytes[i] = s.bytes[j];
            s.bytes[j] = tb;
        }
        for (size_t i = 0; i < s.n; i++) {
            struct trust_obj *o = &s.v[i];
            uint8_t author[HZ_KEY_LEN];
            uint64_t seq = o->seq;
            uint32_t idx = o->idx;
            memcpy(author, o->author, HZ_KEY_LEN);
            assert_int_equal(trust_obj_decode(w.net, o->kind,
                                              (struct hz_bytes){s.bytes[i].p,
                                                                s.bytes[i].len},
                                              o, NULL),
                             0);
            memcpy(o->author, author, HZ_KEY_LEN);
            o->seq = seq;
            o->idx = idx;
            o->effective = round % 2; /* stale results must not matter */
        }
        resolve(&s, &r);
        outcome_of(&s, &r, &ref, &again);
        trust_result_close(&r);
        for (size_t i = 0; i < ref.n; i++) {
            if (again.effective[i] != first.effective[i] ||
                again.rank[i] != first.rank[i])
                fail_msg("round %d: object %zu differs", round, i);
        }
        for (int k = 0; k < N_KEYS; k++) {
            if (again.cut[k] != first.cut[k] || again.by[k] != first.by[k])
                fail_msg("round %d: cut-off of key %d differs", round, k);
        }
    }
    world_close(&w);
}

int main(void)
{
    if (hz_init() != 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(content_check_accepts_root_own_and_detached_objects),
        cmocka_unit_test(
            content_check_refuses_a_revocation_signed_by_a_third_party),
        cmocka_unit_test(content_check_refuses_objects_of_another_network),
        cmocka_unit_test(content_check_refuses_a_bad_signature),
        cmocka_unit_test(roles_write_the_tables_decisions_18_gives_them),
        cmocka_unit_test(a_data_entry_needs_one_certificate_allowing_all_of_it),
        cmocka_unit_test(root_signed_and_detached_objects_need_no_level),
        cmocka_unit_test(revocations_by_the_carrier_need_an_admin),
        cmocka_unit_test(issued_certificates_need_admission_or_an_admin),
        cmocka_unit_test(a_trust_entry_needs_its_most_demanding_object),
        cmocka_unit_test(trust_levels_follow_role_and_admission),
        cmocka_unit_test(
            entries_up_to_the_cut_off_are_allowed_and_later_ones_not),
        cmocka_unit_test(an_author_without_a_certificate_is_denied),
        cmocka_unit_test(
            certificates_take_effect_when_their_issuers_cert_arrives),
        cmocka_unit_test(a_revoked_admin_keeps_what_it_did_up_to_its_cut_off),
        cmocka_unit_test(
            admins_revoking_each_other_the_one_closer_to_the_root_wins),
        cmocka_unit_test(
            admins_of_equal_rank_revoking_each_other_the_lower_key_wins),
        cmocka_unit_test(a_stolen_admin_key_gets_nothing_after_its_cut_off),
        cmocka_unit_test(a_root_revocation_overrides_any_admin),
        cmocka_unit_test(the_lowest_applied_cut_off_holds),
        cmocka_unit_test(
            a_revocation_may_come_before_the_certificate_it_concerns),
        cmocka_unit_test(a_detached_certificate_counts_by_its_issuers_standing),
        cmocka_unit_test(
            the_trust_state_does_not_depend_on_the_order_of_objects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
