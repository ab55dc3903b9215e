/* gen_certs.c - proto/vectors/certs.json: trust objects (proto/trust.md,
 * "Certificates", "Revocations", "Trust operations in entries" and "Join
 * tokens").
 *
 * Certificates of every role and issuer kind (root, admin, admitting
 * coordinator), revocations, entries of the network carrying them with
 * the need of each object and entry, and join tokens sealed to their
 * subject with a fixed ephemeral key. Each is checked against the code
 * before it is written: it decodes, verifies and re-encodes, an entry
 * passes the content checks and its author's certificates allow it, a
 * token opens for its subject only. What must be refused:
 * gen_certs_refused.c. */
#include "gen_certs.h"

#include "core/cert.h"
#include "core/schema.h"
#include "core/token.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every key of certs.json comes from 32 copies of one byte. */
static const struct {
    const char *name;
    uint8_t seed_byte;
} tkeys[TK_N] = {
    [TK_ROOT] = {"root", 0x0e},       [TK_DEVICE] = {"device", 0x0f},
    [TK_ADMIN_A] = {"admin_a", 0x10}, [TK_COORD] = {"coordinator_c", 0x11},
    [TK_SITE] = {"site_s", 0x12},     [TK_ADMIN_B] = {"admin_b", 0x13},
    [TK_VIEWER] = {"viewer_v", 0x14}, [TK_OTHER_ROOT] = {"other_root", 0x15},
};

const uint8_t trust_site[HZ_ROW_LEN] = {0x30, 0, 0, 0, 0, 0, 0, 0,
                                        0,    0, 0, 0, 0, 0, 0, 1};
/* The revoking admin's record of the device's entry at seq 3: any id will
 * do here, verdicts use after_seq only (proto/trust.md, "Revocations"). */
const uint8_t trust_after_id[HZ_HASH_LEN] = {
    0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3,
    0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3,
    0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0x03};
static void tobj_add(struct tgen *t, const char *vector, enum op_kind kind,
                     const struct enc *e)
{
    if (t->n_obj == TOBJ_MAX)
        die("too many trust objects");
    t->obj[t->n_obj].vector = vector;
    t->obj[t->n_obj].kind = kind;
    t->obj[t->n_obj].b = blob_of_enc(e);
    t->n_obj++;
}

static size_t tobj_at(const struct tgen *t, const char *vector)
{
    for (size_t i = 0; i < t->n_obj; i++) {
        if (strcmp(t->obj[i].vector, vector) == 0)
            return i;
    }
    die("no trust object %s", vector);
    return 0;
}

const struct blob *tobj(const struct tgen *t, const char *vector)
{
    return &t->obj[tobj_at(t, vector)].b;
}

static void tkey_json(json_t *o, const char *field, const struct tgen *t,
                      enum tkey k)
{
    key_json(o, field, t->k[k].pk, tkeys[k].name);
}

/* What an object asks of the entry that carries it (proto/trust.md,
 * "Authorization"): 0 when the root key signed it or when it is a
 * certificate detached from its issuer; else 2 for a revocation or an
 * admin's or an admitting coordinator's certificate, 1 for the others. */
static int need_of_obj(const struct trust_obj *o, const uint8_t *carrier)
{
    if (o->root)
        return 0;
    if (o->kind == OP_REVOKE)
        return 2;
    if (memcmp(o->cert.issuer, carrier, HZ_KEY_LEN) != 0)
        return 0;
    return o->cert.role == ROLE_ADMIN || o->cert.admits ? 2 : 1;
}

struct cert_spec {
    const char *vector;
    const char *name;
    enum tkey subject;
    enum role role;
    bool site;
    bool admits;
    enum tkey issuer;
};

static const struct cert_spec cert_specs[] = {
    {"site_by_root", "测试安置点", TK_DEVICE, ROLE_SITE, true, false, TK_ROOT},
    {"coordinator_by_root", "测试协调员", TK_DEVICE, ROLE_COORDINATOR, false,
     false, TK_ROOT},
    {"admin_by_root", "测试管理员甲", TK_ADMIN_A, ROLE_ADMIN, false, false,
     TK_ROOT},
    {"admitting_coordinator_by_root", "测试协调员丙", TK_COORD,
     ROLE_COORDINATOR, false, true, TK_ROOT},
    {"site_by_admin", "测试安置点设备", TK_SITE, ROLE_SITE, true, false,
     TK_ADMIN_A},
    {"admin_by_admin", "测试管理员乙", TK_ADMIN_B, ROLE_ADMIN, false, false,
     TK_ADMIN_A},
    {"viewer_by_coordinator", "测试查看员", TK_VIEWER, ROLE_VIEWER, false,
     false, TK_COORD},
};

static json_t *cert_case(struct tgen *t, const struct cert_spec *s)
{
    const struct identity *issuer = &t->k[s->issuer];
    struct cert c = {0};
    c.version = HZ_CERT_VERSION;
    memcpy(c.network, t->network, HZ_NET_LEN);
    memcpy(c.subject, t->k[s->subject].pk, HZ_KEY_LEN);
    c.name = (struct hz_bytes){(const uint8_t *)s->name, strlen(s->name)};
    c.role = s->role;
    c.has_site = s->site;
    if (s->site)
        memcpy(c.site, trust_site, HZ_ROW_LEN);
    c.admits = s->admits;
    c.issued_ms = T0_MS;
    c.valid_days = 90;
    memcpy(c.issuer, issuer->pk, HZ_KEY_LEN);
    struct enc out;
    enc_init(&out);
    check(cert_sign(&c, issuer->sk, &out), NULL, s->vector);
    struct cert back;
    struct hz_err err = {0};
    check(cert_decode(&back, enc_data(&out), enc_len(&out), &err), &err,
          s->vector);
    check(cert_verify(&back, &err), &err, s->vector);
    if (memcmp(back.id, c.id, HZ_HASH_LEN) != 0)
        die("%s: id differs", s->vector);
    bool root = cert_is_root(t->network, c.issuer);
    if (root != (s->issuer == TK_ROOT))
        die("%s: root-ness of the issuer", s->vector);

    json_t *o = json_object();
    json_object_set_new(o, "vector", json_string(s->vector));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "role", json_string(cert_role_name(s->role)));
    json_object_set_new(
        o, "site", s->site ? hex_json(trust_site, HZ_ROW_LEN) : json_null());
    json_object_set_new(o, "admits", json_boolean(s->admits));
    tkey_json(o, "subject", t, s->subject);
    tkey_json(o, "issuer", t, s->issuer);
    json_object_set_new(o, "issuer_is_root", json_boolean(root));
    json_object_set_new(o, "network", hex_json(c.network, HZ_NET_LEN));
    json_object_set_new(o, "issued_ms", json_integer((json_int_t)T0_MS));
    json_object_set_new(o, "valid_days", json_integer(90));
    json_object_set_new(o, "level", json_integer(trust_level_of(&c)));
    json_object_set_new(o, "cert", hex_json(enc_data(&out), enc_len(&out)));
    json_object_set_new(o, "id", hex_json(c.id, HZ_HASH_LEN));
    tobj_add(t, s->vector, OP_CERT, &out);
    enc_close(&out);
    return o;
}

struct rev_spec {
    const char *vector;
    enum tkey subject;
    uint64_t after_seq;
    enum tkey issuer;
};

static const struct rev_spec rev_specs[] = {
    {"root_revokes_admin_b_accepting_none", TK_ADMIN_B, 0, TK_ROOT},
    {"admin_revokes_device_after_seq_3", TK_DEVICE, 3, TK_ADMIN_A},
};

static json_t *rev_case(struct tgen *t, const struct rev_spec *s)
{
    const struct identity *issuer = &t->k[s->issuer];
    struct revocation r = {0};
    r.version = HZ_CERT_VERSION;
    memcpy(r.network, t->network, HZ_NET_LEN);
    memcpy(r.subject, t->k[s->subject].pk, HZ_KEY_LEN);
    r.after_seq = s->after_seq;
    r.has_after_id = s->after_seq > 0;
    if (r.has_after_id)
        memcpy(r.after_id, trust_after_id, HZ_HASH_LEN);
    r.issued_ms = T0_MS + 1000;
    memcpy(r.issuer, issuer->pk, HZ_KEY_LEN);
    struct enc out;
    enc_init(&out);
    check(revocation_sign(&r, issuer->sk, &out), NULL, s->vector);
    struct revocation back;
    struct hz_err err = {0};
    check(revocation_decode(&back, enc_data(&out), enc_len(&out), &err), &err,
          s->vector);
    check(revocation_verify(&back, &err), &err, s->vector);
    if (memcmp(back.id, r.id, HZ_HASH_LEN) != 0)
        die("%s: id differs", s->vector);
    bool root = cert_is_root(t->network, r.issuer);
    if (root != (s->issuer == TK_ROOT))
        die("%s: root-ness of the issuer", s->vector);

    json_t *o = json_object();
    json_object_set_new(o, "vector", json_string(s->vector));
    tkey_json(o, "subject", t, s->subject);
    json_object_set_new(o, "after_seq", json_integer((json_int_t)r.after_seq));
    json_object_set_new(o, "after_id",
                        r.has_after_id ? hex_json(r.after_id, HZ_HASH_LEN)
                                       : json_null());
    tkey_json(o, "issuer", t, s->issuer);
    json_object_set_new(o, "issuer_is_root", json_boolean(root));
    json_object_set_new(o, "network", hex_json(r.network, HZ_NET_LEN));
    json_object_set_new(o, "issued_ms", json_integer((json_int_t)r.issued_ms));
    json_object_set_new(o, "revocation",
                        hex_json(enc_data(&out), enc_len(&out)));
    json_object_set_new(o, "id", hex_json(r.id, HZ_HASH_LEN));
    tobj_add(t, s->vector, OP_REVOKE, &out);
    enc_close(&out);
    return o;
}

/* The body [1, [[kind, object], ...]] of the named objects. */
static struct blob trust_body(const struct tgen *t, const char *const *vectors,
                              size_t n, struct enc *b)
{
    enc_reset(b);
    enc_array(b, 2);
    enc_uint(b, 1);
    enc_array(b, n);
    for (size_t i = 0; i < n; i++) {
        size_t at = tobj_at(t, vectors[i]);
        enc_array(b, 2);
        enc_uint(b, t->obj[at].kind);
        enc_bin(b, t->obj[at].b.p, t->obj[at].b.len);
    }
    return blob_of_enc(b);
}

/* The body of @e passes the content checks, and trust_entry_allowed lets
 * its author write it holding the certificates named @certs. (A
 * certificate of a lower level than the entry needs must not do: that is
 * checked in tests/unit/test_trust.c.) */
static void expect_allowed(const struct tgen *t, const char *name,
                           const struct entry *e, const char *const *certs,
                           size_t n_certs)
{
    struct body body;
    struct hz_err err = {0};
    check(body_decode(&body, schema_current(), e->body.p, e->body.len, &err),
          &err, name);
    if (!body.trust)
        die("%s: not a trust body", name);
    check(trust_body_check(t->network, e->author, &body, &err), &err, name);
    struct cert held[4];
    const struct cert *ptrs[4];
    if (n_certs > N(held))
        die("%s: too many certificates", name);
    for (size_t i = 0; i < n_certs; i++) {
        const struct blob *c = tobj(t, certs[i]);
        check(cert_decode(&held[i], c->p, c->len, &err), &err, name);
        if (memcmp(held[i].subject, e->author, HZ_KEY_LEN) != 0)
            die("%s: %s is not the author's", name, certs[i]);
        ptrs[i] = &held[i];
    }
    check(trust_entry_allowed(t->network, e->author, e->seq, &body, ptrs,
                              n_certs, NULL, &err),
          &err, name);
    body_close(&body);
}

/* An entry carrying trust operations: its bytes, signing input, id and
 * envelope, each checked against the code on the way. */
struct tentry_spec {
    const char *name;
    enum tkey author;
    const char *desc;
    const char *objs[3];
    size_t n;
    const char *held[2]; /* the author's certificates */
    size_t n_held;
};

static const struct tentry_spec tentry_specs[] = {
    {"admin_carries_own_cert",
     TK_ADMIN_A,
     "admin A carries its own root-signed certificate (needs 0)",
     {"admin_by_root"},
     1,
     {"admin_by_root"},
     1},
    {"admin_admits_and_revokes",
     TK_ADMIN_A,
     "admin A, at seq 2, admits a site device and admin B and revokes the "
     "device after its seq 3, all signed with A's node key: issued "
     "certificates and a revocation (needs 2)",
     {"site_by_admin", "admin_by_admin", "admin_revokes_device_after_seq_3"},
     3,
     {"admin_by_root"},
     1},
    {"coordinator_admits_viewer",
     TK_COORD,
     "coordinator C carries its root-signed certificate (admits true) and "
     "issues a viewer's (needs 1)",
     {"admitting_coordinator_by_root", "viewer_by_coordinator"},
     2,
     {"admitting_coordinator_by_root"},
     1},
    {"site_carries_detached_cert",
     TK_SITE,
     "site device S, after join, carries its token's chain (admin A's "
     "root-signed certificate) and then its own certificate, signed by A: "
     "a detached certificate (needs 0)",
     {"admin_by_root", "site_by_admin"},
     2,
     {"site_by_admin"},
     1},
    {"viewer_carries_root_revocation",
     TK_VIEWER,
     "viewer V carries a root-signed revocation (needs 0)",
     {"root_revokes_admin_b_accepting_none"},
     1,
     {"viewer_by_coordinator"},
     1},
};

static json_t *tentry_case(struct tgen *t, const struct tentry_spec *s)
{
    const struct identity *a = &t->k[s->author];
    struct enc b;
    enc_init(&b);
    struct blob body = trust_body(t, s->objs, s->n, &b);
    enc_close(&b);
    uint64_t seq = ++t->seq[s->author];
    struct blob raw =
        craft(a, 1, t->network, seq, seq > 1 ? t->prev[s->author] : NULL,
              (T0_MS + 60000 * seq) << 16, &body, NULL);
    free(body.p);
    struct entry e;
    decode_or_die(&e, &raw);
    memcpy(t->prev[s->author], e.id, HZ_HASH_LEN);
    int need = 0;
    json_t *ops = json_array();
    for (size_t i = 0; i < s->n; i++) {
        size_t at = tobj_at(t, s->objs[i]);
        const struct blob *o = &t->obj[at].b;
        struct trust_obj to;
        struct hz_err err = {0};
        check(trust_obj_decode(t->network, t->obj[at].kind,
                               (struct hz_bytes){o->p, o->len}, &to, &err),
              &err, s->name);
        int k = need_of_obj(&to, a->pk);
        need = k > need ? k : need;
        bool is_cert = to.kind == OP_CERT;
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(is_cert ? "cert" : "rev"));
        json_object_set_new(j, "vector", json_string(s->objs[i]));
        json_object_set_new(j, "object", hex_json(o->p, o->len));
        json_object_set_new(
            j, "id", hex_json(is_cert ? to.cert.id : to.rev.id, HZ_HASH_LEN));
        json_object_set_new(j, "issuer_is_root", json_boolean(to.root));
        json_object_set_new(
            j, "detached",
            json_boolean(is_cert && !to.root &&
                         memcmp(to.cert.issuer, a->pk, HZ_KEY_LEN) != 0));
        json_object_set_new(j, "need", json_integer(k));
        json_array_append_new(ops, j);
    }
    expect_allowed(t, s->name, &e, s->held, s->n_held);
    json_t *j = entry_head_json(t->g, s->name, tkeys[s->author].name, s->desc,
                                &raw, CLOCK_ALONE, &e);
    json_t *bj = json_object();
    json_object_set_new(bj, "schema_version", json_integer(1));
    json_object_set_new(bj, "ops", ops);
    json_object_set_new(j, "body", bj);
    json_object_set_new(j, "need", json_integer(need));
    json_t *held = json_array();
    for (size_t i = 0; i < s->n_held; i++)
        json_array_append_new(held, json_string(s->held[i]));
    json_object_set_new(j, "author_certs", held);
    free(raw.p);
    return j;
}

/* crypto_box_seal with a fixed ephemeral key, following libsodium's
 * documented construction: epk || crypto_box_easy(m, nonce, pk, esk) with
 * nonce = BLAKE2b-192(epk || pk). The product draws the ephemeral key at
 * random (crypto_box_seal); a fixed one keeps the vectors reproducible,
 * and crypto_box_seal_open must open both alike. */
static struct blob seal_fixed(const uint8_t *eph_seed, const uint8_t *ed_pk,
                              const struct blob *m)
{
    uint8_t pk[crypto_box_PUBLICKEYBYTES], epk[crypto_box_PUBLICKEYBYTES];
    uint8_t esk[crypto_box_SECRETKEYBYTES], nonce[crypto_box_NONCEBYTES];
    if (crypto_sign_ed25519_pk_to_curve25519(pk, ed_pk) != 0 ||
        crypto_box_seed_keypair(epk, esk, eph_seed) != 0)
        die("seal keys");
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof nonce);
    crypto_generichash_update(&st, epk, sizeof epk);
    crypto_generichash_update(&st, pk, sizeof pk);
    crypto_generichash_final(&st, nonce, sizeof nonce);
    struct blob out = {malloc(m->len + crypto_box_SEALBYTES),
                       m->len + crypto_box_SEALBYTES};
    if (out.p == NULL)
        die("out of memory");
    memcpy(out.p, epk, sizeof epk);
    if (crypto_box_easy(out.p + sizeof epk, m->p, m->len, nonce, pk, esk) != 0)
        die("crypto_box_easy");
    sodium_memzero(esk, sizeof esk);
    return out;
}

struct token_spec {
    const char *name;
    enum tkey subject;
    const char *cert;
    const char *chain; /* the issuer's certificate, or NULL */
    uint8_t eph_byte;
    size_t n_epochs;
};

static const struct token_spec token_specs[] = {
    {"site_device", TK_SITE, "site_by_admin", "admin_by_root", 0x70, 0},
    {"viewer_with_epochs", TK_VIEWER, "viewer_by_coordinator",
     "admitting_coordinator_by_root", 0x71, 2},
    {"device_by_root", TK_DEVICE, "coordinator_by_root", NULL, 0x72, 0},
};

static json_t *token_case(struct tgen *t, const struct token_spec *s)
{
    struct token tk = {0};
    const struct blob *cert = tobj(t, s->cert);
    tk.name = (struct hz_bytes){(const uint8_t *)TRUST_NET_NAME,
                                strlen(TRUST_NET_NAME)};
    tk.cert = (struct hz_bytes){cert->p, cert->len};
    if (s->chain != NULL) {
        const struct blob *c = tobj(t, s->chain);
        tk.chain[tk.n_chain++] = (struct hz_bytes){c->p, c->len};
    }
    memset(tk.secret, 0x5e, HZ_SECRET_LEN);
    tk.n_epochs = s->n_epochs;
    for (size_t i = 0; i < s->n_epochs; i++) {
        tk.epochs[i].epoch = 2 + 3 * i;
        memset(tk.epochs[i].key, 0x61 + (int)i, HZ_SECRET_LEN);
    }
    struct enc e;
    enc_init(&e);
    check(token_encode(&tk, &e), NULL, s->name);
    struct blob payload = blob_of_enc(&e);
    enc_close(&e);
    struct token back;
    struct hz_err err = {0};
    check(token_decode(&back, payload.p, payload.len, &err), &err, s->name);

    uint8_t eph_seed[crypto_box_SEEDBYTES];
    memset(eph_seed, s->eph_byte, sizeof eph_seed);
    const struct identity *sub = &t->k[s->subject];
    struct blob sealed = seal_fixed(eph_seed, sub->pk, &payload);
    /* The subject opens it as join does; nobody else can. */
    uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
    uint8_t *plain = malloc(payload.len + 1);
    if (plain == NULL)
        die("out of memory");
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, sub->pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(xsk, sub->sk) != 0 ||
        crypto_box_seal_open(plain, sealed.p, sealed.len, xpk, xsk) != 0 ||
        memcmp(plain, payload.p, payload.len) != 0)
        die("%s: the subject cannot open its token", s->name);
    const struct identity *other = &t->k[TK_ADMIN_A];
    if (crypto_sign_ed25519_pk_to_curve25519(xpk, other->pk) != 0 ||
        crypto_sign_ed25519_sk_to_curve25519(xsk, other->sk) != 0 ||
        crypto_box_seal_open(plain, sealed.p, sealed.len, xpk, xsk) == 0)
        die("%s: another device opens the token", s->name);
    sodium_memzero(xsk, sizeof xsk);
    free(plain);
    size_t b64 = sodium_base64_ENCODED_LEN(
        sealed.len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *text = malloc(3 + b64);
    if (text == NULL)
        die("out of memory");
    memcpy(text, "HZ1", 3);
    sodium_bin2base64(text + 3, b64, sealed.p, sealed.len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);

    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    tkey_json(o, "subject", t, s->subject);
    json_object_set_new(o, "subject_seed", hex_json(sub->sk, HZ_SEED_LEN));
    json_object_set_new(o, "ephemeral_seed",
                        hex_json(eph_seed, sizeof eph_seed));
    json_object_set_new(o, "network_name", json_string(TRUST_NET_NAME));
    json_object_set_new(o, "cert_vector", json_string(s->cert));
    json_object_set_new(o, "cert", hex_json(cert->p, cert->len));
    json_t *chain = json_array();
    for (size_t i = 0; i < tk.n_chain; i++)
        json_array_append_new(chain, hex_json(tk.chain[i].p, tk.chain[i].len));
    json_object_set_new(o, "chain", chain);
    json_object_set_new(o, "network_secret",
                        hex_json(tk.secret, HZ_SECRET_LEN));
    json_t *ep = json_array();
    for (size_t i = 0; i < tk.n_epochs; i++) {
        json_t *pair = json_array();
        json_array_append_new(pair,
                              json_integer((json_int_t)tk.epochs[i].epoch));
        json_array_append_new(pair, hex_json(tk.epochs[i].key, HZ_SECRET_LEN));
        json_array_append_new(ep, pair);
    }
    json_object_set_new(o, "epochs", ep);
    json_object_set_new(o, "payload", hex_json(payload.p, payload.len));
    json_object_set_new(o, "token", json_string(text));
    free(text);
    free(sealed.p);
    free(payload.p);
    return o;
}

json_t *gen_certs(struct gen *g)
{
    struct tgen t = {.g = g};
    for (int i = 0; i < TK_N; i++) {
        uint8_t seed[HZ_SEED_LEN];
        memset(seed, tkeys[i].seed_byte, sizeof seed);
        identity_from_seed(&t.k[i], seed);
    }
    cert_network_id(t.k[TK_ROOT].pk, t.network);
    json_t *doc = file_root(
        "Trust objects (proto/trust.md). keys: each from a seed of 32 equal "
        "bytes; root is the network root key, network = the first 16 bytes "
        "of BLAKE2b-256(\"huzhu network v1\" || root public key). cases: "
        "certificates of every role, signed by the root key or a node key, "
        "with their id = BLAKE2b-256(\"huzhu cert v1\" || msgpack(fields "
        "0..9)) and trust level. revocations: with after_seq 0 and nil "
        "after_id, and after_seq 3 with an after_id (a stand-in: verdicts "
        "use after_seq only). entries: entries of the network carrying "
        "trust operations [3, cert] and [4, revocation], with the need of "
        "each object and of the entry. tokens: join token payloads and "
        "their sealed text, HZ1 || base64url without padding of "
        "crypto_box_seal to the subject's key converted to X25519; the "
        "ephemeral X25519 key comes from crypto_box_seed_keypair("
        "ephemeral_seed) so the text is reproducible (libsodium's "
        "construction: epk || crypto_box_easy(payload, BLAKE2b-192(epk || "
        "pk), pk, esk)); only the subject (subject_seed) opens it. refused: "
        "objects, bodies, entries and payloads that must be refused, each "
        "with the code huzhu reports; kind cert and revocation: decoding "
        "or the signature fails; body: the body fails to decode; entry: "
        "the envelope passes, the trust content checks fail; token: the "
        "payload fails to decode.");
    json_object_set_new(doc, "network", hex_json(t.network, HZ_NET_LEN));
    json_t *keys = json_array();
    for (int i = 0; i < TK_N; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "name", json_string(tkeys[i].name));
        json_object_set_new(k, "seed", hex_json(t.k[i].sk, HZ_SEED_LEN));
        json_object_set_new(k, "public_key", hex_json(t.k[i].pk, HZ_KEY_LEN));
        json_array_append_new(keys, k);
    }
    json_object_set_new(doc, "keys", keys);
    json_t *cases = json_array();
    for (size_t i = 0; i < N(cert_specs); i++)
        json_array_append_new(cases, cert_case(&t, &cert_specs[i]));
    json_object_set_new(doc, "cases", cases);
    json_t *revs = json_array();
    for (size_t i = 0; i < N(rev_specs); i++)
        json_array_append_new(revs, rev_case(&t, &rev_specs[i]));
    json_object_set_new(doc, "revocations", revs);
    json_t *entries = json_array();
    for (size_t i = 0; i < N(tentry_specs); i++)
        json_array_append_new(entries, tentry_case(&t, &tentry_specs[i]));
    json_object_set_new(doc, "entries", entries);
    json_t *tokens = json_array();
    for (size_t i = 0; i < N(token_specs); i++)
        json_array_append_new(tokens, token_case(&t, &token_specs[i]));
    json_object_set_new(doc, "tokens", tokens);
    json_t *refused = json_array();
    certs_refused(&t, refused);
    json_object_set_new(doc, "refused", refused);
    for (size_t i = 0; i < t.n_obj; i++)
        free(t.obj[i].b.p);
    for (int i = 0; i < TK_N; i++)
        identity_close(&t.k[i]);
    return doc;
}
