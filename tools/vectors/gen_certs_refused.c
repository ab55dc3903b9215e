/* gen_certs_refused.c - certs.json's "refused": trust objects, bodies,
 * entries and join token payloads that must be refused (proto/trust.md:
 * "Certificates", "Revocations", "Trust operations in entries", "Join
 * tokens").
 *
 * Each is written field by field, wrong in one place, and checked to be
 * refused by the code with the code it is labelled with: certificates and
 * revocations fail to decode or verify, bodies fail to decode, entries
 * pass the envelope but not the trust content checks, token payloads
 * fail to decode. */
#include "gen_certs.h"

#include "core/cert.h"
#include "core/schema.h"
#include "core/token.h"

#include <stdlib.h>
#include <string.h>

struct raw_cert {
    uint64_t version;
    uint64_t role;
    bool site;
    int admits;     /* 0 false, 1 true, 2 the integer 0 */
    int days_width; /* 0 shortest form, 1 as uint8 (cc) */
    uint64_t valid_days;
    size_t name_len; /* 0: a usual name; else that many ASCII bytes */
};

static struct blob raw_cert(const struct tgen *t, const struct raw_cert *r)
{
    struct enc f;
    enc_init(&f);
    enc_uint(&f, r->version);
    enc_bin(&f, t->network, HZ_NET_LEN);
    enc_bin(&f, t->k[TK_DEVICE].pk, HZ_KEY_LEN);
    if (r->name_len > 0) {
        char name[256];
        if (r->name_len > sizeof name)
            die("name too long");
        memset(name, 'n', r->name_len);
        enc_str(&f, name, r->name_len);
    } else {
        enc_cstr(&f, "测试设备");
    }
    enc_uint(&f, r->role);
    if (r->site)
        enc_bin(&f, trust_site, HZ_ROW_LEN);
    else
        enc_nil(&f);
    if (r->admits == 2)
        enc_uint(&f, 0);
    else
        enc_bool(&f, r->admits == 1);
    enc_uint(&f, T0_MS);
    if (r->days_width == 1)
        enc_raw(&f, (const uint8_t[]){0xcc, (uint8_t)r->valid_days}, 2);
    else
        enc_uint(&f, r->valid_days);
    enc_bin(&f, t->k[TK_ROOT].pk, HZ_KEY_LEN);
    struct blob b = sign_fields(HZ_CERT_TAG, 10, &f, t->k[TK_ROOT].sk);
    enc_close(&f);
    return b;
}

/* A root-signed revocation of the device, written field by field. */
static struct blob raw_rev(const struct tgen *t, uint64_t version,
                           uint64_t after_seq, bool with_id)
{
    struct enc f;
    enc_init(&f);
    enc_uint(&f, version);
    enc_bin(&f, t->network, HZ_NET_LEN);
    enc_bin(&f, t->k[TK_DEVICE].pk, HZ_KEY_LEN);
    enc_uint(&f, after_seq);
    if (with_id)
        enc_bin(&f, trust_after_id, HZ_HASH_LEN);
    else
        enc_nil(&f);
    enc_uint(&f, T0_MS);
    enc_bin(&f, t->k[TK_ROOT].pk, HZ_KEY_LEN);
    struct blob b = sign_fields(HZ_REVOKE_TAG, 7, &f, t->k[TK_ROOT].sk);
    enc_close(&f);
    return b;
}

/* What the code says of @b read as @kind: 0 or the refusal. */
static int judge_trust(const struct tgen *t, const char *name, const char *kind,
                       const struct blob *b, struct hz_err *err)
{
    int rv;
    if (strcmp(kind, "cert") == 0) {
        struct cert c;
        rv = cert_decode(&c, b->p, b->len, err);
        return rv != 0 ? rv : cert_verify(&c, err);
    }
    if (strcmp(kind, "revocation") == 0) {
        struct revocation r;
        rv = revocation_decode(&r, b->p, b->len, err);
        return rv != 0 ? rv : revocation_verify(&r, err);
    }
    if (strcmp(kind, "token") == 0) {
        struct token tk;
        return token_decode(&tk, b->p, b->len, err);
    }
    const uint8_t *author = NULL;
    struct hz_bytes body = {b->p, b->len};
    struct entry e;
    if (strcmp(kind, "entry") == 0) {
        /* Transport checks pass: the failure is content (rejected). */
        decode_or_die(&e, b);
        check(entry_verify(&e, err), err, name);
        if (memcmp(e.network, t->network, HZ_NET_LEN) != 0)
            die("%s: another network's entry", name);
        author = e.author;
        body = e.body;
    }
    uint64_t version;
    struct body bd = {0};
    rv = body_peek_version(body.p, body.len, &version, err);
    if (rv == 0)
        rv = body_decode(&bd, schema_current(), body.p, body.len, err);
    if (rv == 0 && author == NULL)
        die("%s: the body decodes", name);
    if (rv == 0)
        rv = trust_body_check(t->network, author, &bd, err);
    body_close(&bd);
    return rv;
}

static void refused_add(const struct tgen *t, json_t *a, const char *name,
                        const char *kind, struct blob b, const char *code,
                        const char *reason)
{
    struct hz_err err = {0};
    expect_refused(name, judge_trust(t, name, kind, &b, &err), code, &err);
    refused_json(a, name, kind, b, code, reason);
}

/* Admin A's entry at seq 1 carrying one object @o of @kind. */
static struct blob carried(const struct tgen *t, enum op_kind kind,
                           const struct blob *o)
{
    struct enc b;
    enc_init(&b);
    enc_array(&b, 2);
    enc_uint(&b, 1);
    enc_array(&b, 1);
    enc_array(&b, 2);
    enc_uint(&b, kind);
    enc_bin(&b, o->p, o->len);
    struct blob body = blob_of_enc(&b);
    enc_close(&b);
    struct blob e = craft(&t->k[TK_ADMIN_A], 1, t->network, 1, NULL,
                          T0_MS << 16, &body, NULL);
    free(body.p);
    return e;
}

static void refused_objects(const struct tgen *t, json_t *a)
{
    static const struct raw_cert ok = {1, ROLE_SITE, true, 0, 0, 90, 0};
    struct raw_cert r = ok;
    r.days_width = 1;
    refused_add(t, a, "cert_valid_days_uint8", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED",
                "valid_days 90 written as uint8 (cc 5a) instead of a "
                "positive fixint: not canonical");
    r = ok;
    r.version = 2;
    refused_add(t, a, "cert_version_2", "cert", raw_cert(t, &r), "HZ_EVERSION",
                "certificate version 2");
    r = ok;
    r.admits = 1;
    refused_add(t, a, "cert_admits_on_site", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED", "admits true on a site role");
    r = ok;
    r.role = ROLE_COORDINATOR;
    refused_add(t, a, "cert_site_on_coordinator", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED", "a coordinator certificate naming a site");
    r = ok;
    r.site = false;
    refused_add(t, a, "cert_site_role_without_site", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED", "a site certificate without a site");
    r = ok;
    r.role = 4;
    r.site = false;
    refused_add(t, a, "cert_unknown_role", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED", "role 4");
    r = ok;
    r.role = ROLE_COORDINATOR;
    r.site = false;
    r.admits = 2;
    refused_add(t, a, "cert_admits_not_bool", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED", "admits written as the integer 0");
    r = ok;
    r.valid_days = HZ_VALID_DAYS_MAX + 1;
    refused_add(t, a, "cert_valid_days_over_max", "cert", raw_cert(t, &r),
                "HZ_EMALFORMED", "valid_days 36501");
    r = ok;
    r.name_len = HZ_CERT_NAME_MAX + 1;
    refused_add(t, a, "cert_name_201_bytes", "cert", raw_cert(t, &r),
                "HZ_ETOOBIG", "a name of 201 bytes");
    struct blob b = raw_cert(t, &ok);
    struct blob trailing = blob_plus_byte(&b, 0xc0);
    refused_add(t, a, "cert_trailing_byte", "cert", trailing, "HZ_EMALFORMED",
                "a nil after the certificate");
    b.p[b.len - 1] ^= 0x01;
    refused_add(t, a, "cert_bad_signature", "cert", b, "HZ_EBADSIG",
                "the last signature byte flipped");

    refused_add(t, a, "rev_after_id_without_after_seq", "revocation",
                raw_rev(t, 1, 0, true), "HZ_EMALFORMED",
                "after_seq 0 with an after_id");
    refused_add(t, a, "rev_after_seq_without_after_id", "revocation",
                raw_rev(t, 1, 3, false), "HZ_EMALFORMED",
                "after_seq 3 with a nil after_id");
    refused_add(t, a, "rev_version_2", "revocation", raw_rev(t, 2, 0, false),
                "HZ_EVERSION", "revocation version 2");
}

static void refused_bodies(const struct tgen *t, json_t *a)
{
    const struct blob *cert = tobj(t, "admin_by_root");
    struct enc b;
    enc_init(&b);
    body_head(&b, 1, 2);
    op_head(&b, 0, "households", H1, 1);
    set_field(&b, "members");
    enc_int(&b, 3);
    no_heads(&b);
    enc_array(&b, 2);
    enc_uint(&b, OP_CERT);
    enc_bin(&b, cert->p, cert->len);
    refused_add(t, a, "body_trust_and_data", "body", blob_of_enc(&b),
                "HZ_EMALFORMED",
                "a body holding a set op and a cert op: trust and data "
                "operations never mix");
    body_head(&b, 1, 1);
    enc_array(&b, 3);
    enc_uint(&b, OP_CERT);
    enc_bin(&b, cert->p, cert->len);
    enc_nil(&b);
    refused_add(t, a, "body_cert_op_of_3", "body", blob_of_enc(&b),
                "HZ_EMALFORMED", "a cert op [3, cert, nil]");
    enc_close(&b);

    struct revocation r = {0};
    r.version = HZ_CERT_VERSION;
    memcpy(r.network, t->network, HZ_NET_LEN);
    memcpy(r.subject, t->k[TK_VIEWER].pk, HZ_KEY_LEN);
    r.issued_ms = T0_MS;
    memcpy(r.issuer, t->k[TK_COORD].pk, HZ_KEY_LEN);
    enc_init(&b);
    check(revocation_sign(&r, t->k[TK_COORD].sk, &b), NULL, "third party");
    struct blob third = blob_of_enc(&b);
    enc_close(&b);
    refused_add(t, a, "entry_third_party_revocation", "entry",
                carried(t, OP_REVOKE, &third), "HZ_EMALFORMED",
                "admin A carries a revocation signed by coordinator C: "
                "neither the root key nor the author signed it");
    free(third.p);
    struct cert c = {0};
    c.version = HZ_CERT_VERSION;
    cert_network_id(t->k[TK_OTHER_ROOT].pk, c.network);
    memcpy(c.subject, t->k[TK_DEVICE].pk, HZ_KEY_LEN);
    c.role = ROLE_VIEWER;
    c.issued_ms = T0_MS;
    c.valid_days = 90;
    memcpy(c.issuer, t->k[TK_OTHER_ROOT].pk, HZ_KEY_LEN);
    enc_init(&b);
    check(cert_sign(&c, t->k[TK_OTHER_ROOT].sk, &b), NULL, "other network");
    struct blob other = blob_of_enc(&b);
    enc_close(&b);
    refused_add(t, a, "entry_cert_of_another_network", "entry",
                carried(t, OP_CERT, &other), "HZ_ENETWORK",
                "a certificate signed by another network's root key, naming "
                "that network");
    free(other.p);
    struct blob forged = blob_copy(cert->p, cert->len);
    forged.p[forged.len - 1] ^= 0x01;
    refused_add(t, a, "entry_cert_bad_signature", "entry",
                carried(t, OP_CERT, &forged), "HZ_EBADSIG",
                "admin A carries its root certificate with the last "
                "signature byte flipped");
    free(forged.p);
}

/* A token payload written field by field. */
static struct blob raw_token(const struct tgen *t, uint64_t version,
                             size_t n_chain, uint64_t epoch0, uint64_t epoch1)
{
    const struct blob *cert = tobj(t, "site_by_admin");
    uint8_t key[HZ_SECRET_LEN];
    memset(key, 0x5e, sizeof key);
    struct enc e;
    enc_init(&e);
    const struct blob *chain = tobj(t, "admin_by_root");
    enc_array(&e, 6);
    enc_uint(&e, version);
    enc_cstr(&e, TRUST_NET_NAME);
    enc_bin(&e, cert->p, cert->len);
    enc_array(&e, n_chain);
    for (size_t i = 0; i < n_chain; i++)
        enc_bin(&e, chain->p, chain->len);
    enc_bin(&e, key, sizeof key);
    enc_array(&e, 2);
    enc_array(&e, 2);
    enc_uint(&e, epoch0);
    enc_bin(&e, key, sizeof key);
    enc_array(&e, 2);
    enc_uint(&e, epoch1);
    enc_bin(&e, key, sizeof key);
    struct blob b = blob_of_enc(&e);
    enc_close(&e);
    return b;
}

void certs_refused(const struct tgen *t, json_t *refused)
{
    refused_objects(t, refused);
    refused_bodies(t, refused);
    refused_add(t, refused, "token_version_2", "token",
                raw_token(t, 2, 1, 2, 5), "HZ_EVERSION",
                "token payload version 2");
    refused_add(t, refused, "token_epochs_out_of_order", "token",
                raw_token(t, 1, 1, 5, 2), "HZ_EMALFORMED",
                "epochs 5 then 2: epochs ascend");
    refused_add(t, refused, "token_chain_of_9", "token",
                raw_token(t, 1, HZ_CHAIN_MAX + 1, 2, 5), "HZ_ETOOBIG",
                "a chain of 9 certificates: at most 8");
}
