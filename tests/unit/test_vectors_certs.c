/* test_vectors_certs.c - proto/vectors/certs.json: trust objects
 * (proto/trust.md: "Certificates", "Revocations", "Trust operations in
 * entries", "Join tokens").
 *
 * Certificates and revocations decode, verify and re-sign to their bytes
 * and give the stated id, network and level; trust entries pass the
 * content checks and their authors' certificates allow them; join tokens
 * open for their subject only, to a payload that decodes to the stated
 * fields and encodes back to its bytes; refused objects are refused with
 * their code. */
#include "vectors_common.h"

#include "core/body.h"
#include "core/cert.h"
#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/schema.h"
#include "core/token.h"
#include "core/trust.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

static void trust_network(const json_t *doc, uint8_t *network)
{
    unhex_fixed(str(doc, "network"), network, HZ_NET_LEN);
}

/* proto/trust.md, "Certificates": the bytes decode, re-encode the same,
 * verify under the issuer, and give the stated id, network and level;
 * signing the stated fields with the issuer's seed gives the bytes. */
static void certificates_decode_verify_and_derive_ids(void **state)
{
    json_t *doc = load(state, "certs.json");
    uint8_t network[HZ_NET_LEN];
    trust_network(doc, network);
    struct identity root;
    doc_key(doc, "root", &root);
    uint8_t net[HZ_NET_LEN];
    cert_network_id(root.pk, net);
    assert_memory_equal(net, network, HZ_NET_LEN);
    identity_close(&root);
    json_t *cases = json_object_get(doc, "cases");
    assert_true(json_array_size(cases) >= 7);
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        struct bytes b = unhex(str(c, "cert"));
        struct cert got;
        assert_int_equal(cert_decode(&got, b.p, b.len, NULL), 0);
        assert_int_equal(cert_verify(&got, NULL), 0);
        assert_hex(str(c, "id"), got.id, HZ_HASH_LEN);
        assert_hex(str(c, "subject"), got.subject, HZ_KEY_LEN);
        assert_hex(str(c, "issuer"), got.issuer, HZ_KEY_LEN);
        assert_hex(str(c, "network"), got.network, HZ_NET_LEN);
        assert_memory_equal(got.network, network, HZ_NET_LEN);
        assert_int_equal(cert_is_root(network, got.issuer),
                         boolean(c, "issuer_is_root"));
        assert_string_equal(cert_role_name(got.role), str(c, "role"));
        assert_int_equal(got.admits, boolean(c, "admits"));
        assert_int_equal(trust_level_of(&got), num(c, "level"));
        assert_int_equal(got.issued_ms, num(c, "issued_ms"));
        assert_int_equal(got.valid_days, num(c, "valid_days"));
        assert_true(got.name.len == strlen(str(c, "name")) &&
                    memcmp(got.name.p, str(c, "name"), got.name.len) == 0);
        json_t *site = json_object_get(c, "site");
        assert_int_equal(got.has_site, !json_is_null(site));
        if (got.has_site)
            assert_hex(json_string_value(site), got.site, HZ_ROW_LEN);

        struct enc out;
        enc_init(&out);
        assert_int_equal(cert_encode(&got, &out), 0);
        assert_int_equal(enc_len(&out), b.len);
        assert_memory_equal(enc_data(&out), b.p, b.len);
        /* The other direction: the fields, signed by the issuer. */
        struct identity issuer;
        doc_key(doc, str(c, "issuer_key"), &issuer);
        struct cert made = got;
        memset(made.sig, 0, HZ_SIG_LEN);
        memset(made.id, 0, HZ_HASH_LEN);
        assert_int_equal(cert_sign(&made, issuer.sk, &out), 0);
        assert_int_equal(enc_len(&out), b.len);
        assert_memory_equal(enc_data(&out), b.p, b.len);
        assert_memory_equal(made.id, got.id, HZ_HASH_LEN);
        identity_close(&issuer);
        enc_close(&out);

        b.p[b.len - 1] ^= 1; /* a changed signature fails */
        struct cert bad;
        assert_int_equal(cert_decode(&bad, b.p, b.len, NULL), 0);
        assert_int_equal(cert_verify(&bad, NULL), HZ_EBADSIG);
        free(b.p);
    }
    json_decref(doc);
}

/* proto/trust.md, "Revocations", both directions. */
static void revocations_decode_verify_and_derive_ids(void **state)
{
    json_t *doc = load(state, "certs.json");
    uint8_t network[HZ_NET_LEN];
    trust_network(doc, network);
    json_t *revs = json_object_get(doc, "revocations");
    assert_true(json_array_size(revs) >= 2);
    size_t i;
    json_t *r;
    json_array_foreach(revs, i, r)
    {
        struct bytes b = unhex(str(r, "revocation"));
        struct revocation got;
        assert_int_equal(revocation_decode(&got, b.p, b.len, NULL), 0);
        assert_int_equal(revocation_verify(&got, NULL), 0);
        assert_hex(str(r, "id"), got.id, HZ_HASH_LEN);
        assert_hex(str(r, "subject"), got.subject, HZ_KEY_LEN);
        assert_hex(str(r, "issuer"), got.issuer, HZ_KEY_LEN);
        assert_memory_equal(got.network, network, HZ_NET_LEN);
        assert_int_equal(cert_is_root(network, got.issuer),
                         boolean(r, "issuer_is_root"));
        assert_int_equal(got.after_seq, num(r, "after_seq"));
        assert_int_equal(got.issued_ms, num(r, "issued_ms"));
        json_t *after_id = json_object_get(r, "after_id");
        assert_int_equal(got.has_after_id, !json_is_null(after_id));
        assert_int_equal(got.has_after_id, got.after_seq > 0);
        if (got.has_after_id)
            assert_hex(json_string_value(after_id), got.after_id, HZ_HASH_LEN);

        struct enc out;
        enc_init(&out);
        assert_int_equal(revocation_encode(&got, &out), 0);
        assert_int_equal(enc_len(&out), b.len);
        assert_memory_equal(enc_data(&out), b.p, b.len);
        struct identity issuer;
        doc_key(doc, str(r, "issuer_key"), &issuer);
        struct revocation made = got;
        memset(made.sig, 0, HZ_SIG_LEN);
        memset(made.id, 0, HZ_HASH_LEN);
        assert_int_equal(revocation_sign(&made, issuer.sk, &out), 0);
        assert_int_equal(enc_len(&out), b.len);
        assert_memory_equal(enc_data(&out), b.p, b.len);
        assert_memory_equal(made.id, got.id, HZ_HASH_LEN);
        identity_close(&issuer);
        enc_close(&out);
        free(b.p);
    }
    json_decref(doc);
}

/* The certificate named @vector among certs.json's cases. */
static struct bytes trust_cert_bytes(const json_t *doc, const char *vector)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(doc, "cases"), i, c)
    {
        if (strcmp(str(c, "vector"), vector) == 0)
            return unhex(str(c, "cert"));
    }
    fail_msg("no certificate %s", vector);
    return (struct bytes){NULL, 0};
}

/* proto/trust.md, "Trust operations in entries": each entry is an entry
 * of the network, its body holds trust operations only and re-encodes the
 * same, it passes the content checks, its objects are the stated ones,
 * and its author's certificates let it write the entry. */
static void trust_entries_pass_the_content_checks(void **state)
{
    json_t *doc = load(state, "certs.json");
    uint8_t network[HZ_NET_LEN];
    trust_network(doc, network);
    json_t *entries = json_object_get(doc, "entries");
    assert_true(json_array_size(entries) >= 4);
    size_t i;
    json_t *j;
    json_array_foreach(entries, i, j)
    {
        struct bytes raw = unhex(str(j, "entry"));
        struct entry e;
        assert_int_equal(entry_decode(&e, raw.p, raw.len, NULL), 0);
        assert_int_equal(entry_verify(&e, NULL), 0);
        assert_hex(str(j, "id"), e.id, HZ_HASH_LEN);
        assert_memory_equal(e.network, network, HZ_NET_LEN);
        const json_t *env = json_object_get(j, "envelope");
        assert_hex(str(env, "author"), e.author, HZ_KEY_LEN);
        assert_int_equal(e.seq, num(env, "seq"));
        assert_hex(str(env, "prev"), e.prev, HZ_HASH_LEN);
        assert_hex(str(env, "body"), e.body.p, e.body.len);

        struct body b;
        struct hz_err err = {0};
        assert_int_equal(
            body_decode(&b, schema_current(), e.body.p, e.body.len, &err), 0);
        assert_true(b.trust);
        struct enc out;
        enc_init(&out);
        assert_int_equal(body_encode(&b, &out), 0);
        assert_int_equal(enc_len(&out), e.body.len);
        assert_memory_equal(enc_data(&out), e.body.p, e.body.len);
        enc_close(&out);
        if (trust_body_check(network, e.author, &b, &err) != 0)
            fail_msg("%s: %s", str(j, "name"), err.msg);

        const json_t *ops = json_object_get(json_object_get(j, "body"), "ops");
        assert_int_equal(json_array_size(ops), b.n_ops);
        for (size_t k = 0; k < b.n_ops; k++) {
            const json_t *oj = json_array_get(ops, k);
            bool is_cert = strcmp(str(oj, "kind"), "cert") == 0;
            assert_int_equal(b.ops[k].kind, is_cert ? OP_CERT : OP_REVOKE);
            assert_hex(str(oj, "object"), b.ops[k].object.p,
                       b.ops[k].object.len);
            struct trust_obj o;
            assert_int_equal(trust_obj_decode(network, b.ops[k].kind,
                                              b.ops[k].object, &o, NULL),
                             0);
            assert_hex(str(oj, "id"), is_cert ? o.cert.id : o.rev.id,
                       HZ_HASH_LEN);
            assert_int_equal(o.root, boolean(oj, "issuer_is_root"));
        }

        const json_t *held = json_object_get(j, "author_certs");
        struct bytes cb[4];
        struct cert certs[4];
        const struct cert *ptrs[4];
        size_t n_held = json_array_size(held);
        assert_true(n_held >= 1 && n_held <= 4);
        for (size_t k = 0; k < n_held; k++) {
            cb[k] = trust_cert_bytes(
                doc, json_string_value(json_array_get(held, k)));
            assert_int_equal(cert_decode(&certs[k], cb[k].p, cb[k].len, NULL),
                             0);
            assert_memory_equal(certs[k].subject, e.author, HZ_KEY_LEN);
            ptrs[k] = &certs[k];
        }
        if (trust_entry_allowed(network, e.author, e.seq, &b, ptrs, n_held,
                                NULL, &err) != 0)
            fail_msg("%s: %s", str(j, "name"), err.msg);
        for (size_t k = 0; k < n_held; k++)
            free(cb[k].p);
        body_close(&b);
        free(raw.p);
    }
    json_decref(doc);
}

/* crypto_box_seal from a fixed ephemeral seed (libsodium's construction,
 * as certs.json describes it). */
static void seal_with_seed(const uint8_t *eph_seed, const uint8_t *xpk,
                           const struct bytes *m, uint8_t *out)
{
    uint8_t epk[crypto_box_PUBLICKEYBYTES], esk[crypto_box_SECRETKEYBYTES];
    uint8_t nonce[crypto_box_NONCEBYTES];
    assert_int_equal(crypto_box_seed_keypair(epk, esk, eph_seed), 0);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, sizeof nonce);
    crypto_generichash_update(&st, epk, sizeof epk);
    crypto_generichash_update(&st, xpk, crypto_box_PUBLICKEYBYTES);
    crypto_generichash_final(&st, nonce, sizeof nonce);
    memcpy(out, epk, sizeof epk);
    assert_int_equal(
        crypto_box_easy(out + sizeof epk, m->p, m->len, nonce, xpk, esk), 0);
}

/* proto/trust.md, "Join tokens": the subject opens the token to the
 * payload, nobody else does; the payload decodes to the stated fields and
 * encodes back to its bytes; the sealed box is the one the ephemeral seed
 * gives. */
static void join_tokens_open_for_their_subject_only(void **state)
{
    json_t *doc = load(state, "certs.json");
    json_t *tokens = json_object_get(doc, "tokens");
    assert_true(json_array_size(tokens) >= 2);
    size_t i;
    json_t *j;
    json_array_foreach(tokens, i, j)
    {
        const char *text = str(j, "token");
        assert_true(strncmp(text, "HZ1", 3) == 0);
        uint8_t sealed[4096];
        size_t sealed_len;
        assert_int_equal(
            sodium_base642bin(sealed, sizeof sealed, text + 3, strlen(text + 3),
                              NULL, &sealed_len, NULL,
                              sodium_base64_VARIANT_URLSAFE_NO_PADDING),
            0);
        struct bytes payload = unhex(str(j, "payload"));
        assert_int_equal(sealed_len, payload.len + crypto_box_SEALBYTES);

        struct identity sub, other;
        uint8_t seed[HZ_SEED_LEN];
        unhex_fixed(str(j, "subject_seed"), seed, sizeof seed);
        identity_from_seed(&sub, seed);
        assert_hex(str(j, "subject"), sub.pk, HZ_KEY_LEN);
        uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
        assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(xpk, sub.pk), 0);
        assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(xsk, sub.sk), 0);
        uint8_t plain[4096];
        assert_int_equal(
            crypto_box_seal_open(plain, sealed, sealed_len, xpk, xsk), 0);
        assert_memory_equal(plain, payload.p, payload.len);

        uint8_t eph_seed[crypto_box_SEEDBYTES];
        unhex_fixed(str(j, "ephemeral_seed"), eph_seed, sizeof eph_seed);
        uint8_t again[4096];
        seal_with_seed(eph_seed, xpk, &payload, again);
        assert_memory_equal(again, sealed, sealed_len);

        doc_key(doc, "admin_a", &other);
        assert_memory_not_equal(other.pk, sub.pk, HZ_KEY_LEN);
        assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(xpk, other.pk),
                         0);
        assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(xsk, other.sk),
                         0);
        assert_int_not_equal(
            crypto_box_seal_open(plain, sealed, sealed_len, xpk, xsk), 0);
        sodium_memzero(xsk, sizeof xsk);

        struct token t;
        struct hz_err err = {0};
        assert_int_equal(token_decode(&t, payload.p, payload.len, &err), 0);
        const char *name = str(j, "network_name");
        assert_true(t.name.len == strlen(name) &&
                    memcmp(t.name.p, name, t.name.len) == 0);
        assert_hex(str(j, "cert"), t.cert.p, t.cert.len);
        assert_hex(str(j, "network_secret"), t.secret, HZ_SECRET_LEN);
        const json_t *chain = json_object_get(j, "chain");
        assert_int_equal(t.n_chain, json_array_size(chain));
        for (size_t k = 0; k < t.n_chain; k++)
            assert_hex(json_string_value(json_array_get(chain, k)),
                       t.chain[k].p, t.chain[k].len);
        const json_t *epochs = json_object_get(j, "epochs");
        assert_int_equal(t.n_epochs, json_array_size(epochs));
        for (size_t k = 0; k < t.n_epochs; k++) {
            const json_t *p = json_array_get(epochs, k);
            assert_int_equal(t.epochs[k].epoch,
                             json_integer_value(json_array_get(p, 0)));
            assert_hex(json_string_value(json_array_get(p, 1)), t.epochs[k].key,
                       HZ_SECRET_LEN);
        }
        struct cert c;
        assert_int_equal(cert_decode(&c, t.cert.p, t.cert.len, NULL), 0);
        assert_int_equal(cert_verify(&c, NULL), 0);
        assert_memory_equal(c.subject, sub.pk, HZ_KEY_LEN);

        struct enc out;
        enc_init(&out);
        assert_int_equal(token_encode(&t, &out), 0);
        assert_int_equal(enc_len(&out), payload.len);
        assert_memory_equal(enc_data(&out), payload.p, payload.len);
        enc_close(&out);
        identity_close(&sub);
        identity_close(&other);
        free(payload.p);
    }
    json_decref(doc);
}

/* Every object of certs.json's refused list meets the stated refusal. */
static void refused_trust_objects_are_refused(void **state)
{
    json_t *doc = load(state, "certs.json");
    uint8_t network[HZ_NET_LEN];
    trust_network(doc, network);
    json_t *refused = json_object_get(doc, "refused");
    assert_true(json_array_size(refused) >= 10);
    size_t i;
    json_t *j;
    json_array_foreach(refused, i, j)
    {
        const char *kind = str(j, "kind");
        struct bytes b = unhex(str(j, "bytes"));
        struct hz_err err = {0};
        int rv;
        if (strcmp(kind, "cert") == 0) {
            struct cert c;
            rv = cert_decode(&c, b.p, b.len, &err);
            if (rv == 0)
                rv = cert_verify(&c, &err);
        } else if (strcmp(kind, "revocation") == 0) {
            struct revocation r;
            rv = revocation_decode(&r, b.p, b.len, &err);
            if (rv == 0)
                rv = revocation_verify(&r, &err);
        } else if (strcmp(kind, "token") == 0) {
            struct token t;
            rv = token_decode(&t, b.p, b.len, &err);
        } else {
            struct hz_bytes body = {b.p, b.len};
            struct entry e;
            bool is_entry = strcmp(kind, "entry") == 0;
            if (is_entry) {
                /* The envelope passes: the failure is content. */
                assert_int_equal(entry_decode(&e, b.p, b.len, NULL), 0);
                assert_int_equal(entry_verify(&e, NULL), 0);
                assert_memory_equal(e.network, network, HZ_NET_LEN);
                body = e.body;
            } else {
                assert_string_equal(kind, "body");
            }
            struct body bd;
            rv = body_decode(&bd, schema_current(), body.p, body.len, &err);
            if (rv == 0) {
                assert_true(is_entry);
                rv = trust_body_check(network, e.author, &bd, &err);
                body_close(&bd);
            }
        }
        assert_refused(j, rv, &err);
        free(b.p);
    }
    json_decref(doc);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_certs");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(certificates_decode_verify_and_derive_ids,
                                  dir),
        cmocka_unit_test_prestate(revocations_decode_verify_and_derive_ids,
                                  dir),
        cmocka_unit_test_prestate(trust_entries_pass_the_content_checks, dir),
        cmocka_unit_test_prestate(join_tokens_open_for_their_subject_only, dir),
        cmocka_unit_test_prestate(refused_trust_objects_are_refused, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
