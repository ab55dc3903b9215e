/* test_vectors_trust_bundles.c - proto/vectors/trust-bundles.json: bundle
 * key epochs, sealed bundles and the root key's backup (proto/trust.md,
 * "Bundle key epochs" and "Root key backup"; proto/bundle.md, "Sealed
 * bundles").
 *
 * The network secret and epoch 0's key derive from the root seed. Bundle
 * key epochs decode, verify, re-sign and open for their members only, and
 * the entries carrying them pass the content checks; refused epochs are
 * refused with their code. Sealed bundles import through
 * hz_bundle_import on a node of their reader, or are refused with their
 * code and change nothing. The root key's recovery codes and backup file
 * restore it, or are refused. */
#include "vectors_common.h"

#include "core/body.h"
#include "core/cert.h"
#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/schema.h"
#include "core/token.h"
#include "core/trust.h"
#include "huzhu/trust.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The key named @name in trust-bundles.json's keys: its seed and, when
 * it has one, its join token (borrowed from @doc). */
static const char *tb_key(const json_t *doc, const char *name,
                          struct identity *id)
{
    return json_string_value(json_object_get(doc_key(doc, name, id), "token"));
}

/* BLAKE2b-@n of @a || @b, keyed with @key when not NULL. */
static void blake2b_of(uint8_t *out, size_t n, const void *a, size_t a_len,
                       const void *b, size_t b_len, const uint8_t *key)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, key, key ? 32 : 0, n);
    crypto_generichash_update(&st, a, a_len);
    crypto_generichash_update(&st, b, b_len);
    crypto_generichash_final(&st, out, n);
}

#define TB_KEY_ID_TAG "huzhu bundle key id v1"

/* The network secret and epoch 0's key follow from the root seed by the
 * formulas of trust.md and bundle.md; epoch 0's key id is the one the
 * product derives (seal_key_id). */
static void bundle_keys_derive_from_the_root_seed(void **state)
{
    json_t *doc = load(state, "trust-bundles.json");
    struct identity root;
    tb_key(doc, "root", &root);
    uint8_t network[HZ_NET_LEN];
    cert_network_id(root.pk, network);
    assert_hex(str(doc, "network"), network, HZ_NET_LEN);
    uint8_t secret[32], key[32], id[HZ_KEY_ID_LEN], id_product[HZ_KEY_ID_LEN];
    static const char tag[] = "huzhu network secret v1";
    blake2b_of(secret, 32, tag, sizeof tag - 1, NULL, 0, root.sk);
    assert_hex(str(doc, "network_secret"), secret, sizeof secret);
    static const char ktag[] = "huzhu bundle key v1";
    static const uint8_t epoch0[8] = {0};
    blake2b_of(key, 32, ktag, sizeof ktag - 1, epoch0, 8, secret);
    const json_t *e0 = json_object_get(doc, "epoch0");
    assert_hex(str(e0, "key"), key, sizeof key);
    blake2b_of(id, sizeof id, TB_KEY_ID_TAG, strlen(TB_KEY_ID_TAG), key, 32,
               NULL);
    seal_key_id(key, id_product);
    assert_memory_equal(id, id_product, sizeof id);
    assert_hex(str(e0, "key_id"), id, sizeof id);
    identity_close(&root);
    json_decref(doc);
}

/* Whether the key named @name opens @sealed (a share), and to what. */
static bool share_opens(const json_t *doc, const char *name,
                        const uint8_t *sealed, uint8_t *key)
{
    struct identity id;
    tb_key(doc, name, &id);
    uint8_t xpk[crypto_box_PUBLICKEYBYTES], xsk[crypto_box_SECRETKEYBYTES];
    assert_int_equal(crypto_sign_ed25519_pk_to_curve25519(xpk, id.pk), 0);
    assert_int_equal(crypto_sign_ed25519_sk_to_curve25519(xsk, id.sk), 0);
    bool ok =
        crypto_box_seal_open(key, sealed, HZ_EPOCH_SEALED_LEN, xpk, xsk) == 0;
    sodium_memzero(xsk, sizeof xsk);
    identity_close(&id);
    return ok;
}

/* One epoch of trust-bundles.json: its object decodes, verifies and
 * re-encodes (and re-signs) to its bytes; each share opens for its
 * subject only, to the key the key id names. */
static void epoch_object_checks(const json_t *doc, const json_t *j,
                                const uint8_t *network, struct bytes *obj)
{
    *obj = unhex(str(j, "object"));
    struct epoch e;
    struct hz_err err = {0};
    if (epoch_decode(&e, obj->p, obj->len, &err) != 0)
        fail_msg("%s: %s", str(j, "vector"), err.msg);
    assert_int_equal(epoch_verify(&e, NULL), 0);
    assert_hex(str(j, "id"), e.id, HZ_HASH_LEN);
    assert_memory_equal(e.network, network, HZ_NET_LEN);
    assert_int_equal(e.epoch, num(j, "epoch"));
    assert_int_equal(e.issued_ms, num(j, "issued_ms"));
    assert_hex(str(j, "issuer"), e.issuer, HZ_KEY_LEN);
    assert_int_equal(cert_is_root(network, e.issuer),
                     boolean(j, "issuer_is_root"));
    uint8_t key[32], id[HZ_KEY_ID_LEN];
    unhex_fixed(str(j, "key"), key, sizeof key);
    blake2b_of(id, sizeof id, TB_KEY_ID_TAG, strlen(TB_KEY_ID_TAG), key, 32,
               NULL);
    assert_memory_equal(e.key_id, id, sizeof id);
    assert_hex(str(j, "key_id"), e.key_id, HZ_KEY_ID_LEN);

    struct enc out;
    enc_init(&out);
    assert_int_equal(epoch_encode(&e, &out), 0);
    assert_int_equal(enc_len(&out), obj->len);
    assert_memory_equal(enc_data(&out), obj->p, obj->len);
    struct identity issuer;
    tb_key(doc, str(j, "issuer_key"), &issuer);
    struct epoch made = e;
    memset(made.sig, 0, HZ_SIG_LEN);
    memset(made.id, 0, HZ_HASH_LEN);
    assert_int_equal(epoch_sign(&made, issuer.sk, &out), 0);
    assert_int_equal(enc_len(&out), obj->len);
    assert_memory_equal(enc_data(&out), obj->p, obj->len);
    assert_memory_equal(made.id, e.id, HZ_HASH_LEN);
    identity_close(&issuer);
    enc_close(&out);

    const json_t *shares = json_object_get(j, "shares");
    assert_int_equal(e.n_shares, json_array_size(shares));
    assert_true(e.n_shares >= 2 && e.n_shares <= 3);
    struct identity revoked;
    tb_key(doc, str(j, "revoked"), &revoked);
    for (size_t k = 0; k < e.n_shares; k++) {
        const json_t *s = json_array_get(shares, k);
        assert_hex(str(s, "subject"), e.shares[k].subject, HZ_KEY_LEN);
        assert_hex(str(s, "sealed"), e.shares[k].sealed, HZ_EPOCH_SEALED_LEN);
        assert_memory_not_equal(e.shares[k].subject, revoked.pk, HZ_KEY_LEN);
        size_t i;
        json_t *kj;
        json_array_foreach(json_object_get(doc, "keys"), i, kj)
        {
            uint8_t got[32];
            bool mine = strcmp(str(kj, "name"), str(s, "subject_key")) == 0;
            bool opened =
                share_opens(doc, str(kj, "name"), e.shares[k].sealed, got);
            if (opened != mine)
                fail_msg("%s: the share of %s, opened by %s: %d",
                         str(j, "vector"), str(s, "subject_key"),
                         str(kj, "name"), opened);
            if (opened)
                assert_memory_equal(got, key, sizeof key);
        }
    }
    identity_close(&revoked);
    epoch_close(&e);
}

/* proto/trust.md, "Bundle key epochs": both epochs, and the entries that
 * carry them as hz_revoke writes them, [4, revocation] then [5, epoch],
 * passing the content checks. */
static void bundle_key_epochs_decode_verify_and_open(void **state)
{
    json_t *doc = load(state, "trust-bundles.json");
    uint8_t network[HZ_NET_LEN];
    unhex_fixed(str(doc, "network"), network, HZ_NET_LEN);
    json_t *epochs = json_object_get(doc, "epochs");
    assert_int_equal(json_array_size(epochs), 2);
    size_t i;
    json_t *j;
    int roots = 0;
    json_array_foreach(epochs, i, j)
    {
        struct bytes obj;
        epoch_object_checks(doc, j, network, &obj);
        roots += boolean(j, "issuer_is_root");

        const json_t *ej = json_object_get(j, "entry");
        struct bytes raw = unhex(str(ej, "entry"));
        struct entry e;
        assert_int_equal(entry_decode(&e, raw.p, raw.len, NULL), 0);
        assert_int_equal(entry_verify(&e, NULL), 0);
        assert_hex(str(ej, "id"), e.id, HZ_HASH_LEN);
        assert_hex(str(ej, "author"), e.author, HZ_KEY_LEN);
        assert_memory_equal(e.network, network, HZ_NET_LEN);
        struct body b;
        struct hz_err err = {0};
        assert_int_equal(
            body_decode(&b, schema_current(), e.body.p, e.body.len, &err), 0);
        assert_true(b.trust);
        assert_int_equal(b.n_ops, 2);
        assert_int_equal(b.ops[0].kind, OP_REVOKE);
        assert_int_equal(b.ops[1].kind, OP_EPOCH);
        const json_t *ops = json_object_get(ej, "ops");
        for (size_t k = 0; k < 2; k++) {
            const json_t *o = json_array_get(ops, k);
            assert_int_equal(b.ops[k].kind, num(o, "kind"));
            assert_hex(str(o, "object"), b.ops[k].object.p,
                       b.ops[k].object.len);
        }
        assert_int_equal(b.ops[1].object.len, obj.len);
        assert_memory_equal(b.ops[1].object.p, obj.p, obj.len);
        if (trust_body_check(network, e.author, &b, &err) != 0)
            fail_msg("%s: %s", str(j, "vector"), err.msg);
        struct revocation r;
        assert_int_equal(
            revocation_decode(&r, b.ops[0].object.p, b.ops[0].object.len, NULL),
            0);
        struct identity revoked;
        tb_key(doc, str(j, "revoked"), &revoked);
        assert_memory_equal(r.subject, revoked.pk, HZ_KEY_LEN);
        identity_close(&revoked);
        struct trust_obj to;
        assert_int_equal(
            trust_obj_decode(network, OP_EPOCH, b.ops[1].object, &to, NULL), 0);
        assert_int_equal(to.root, boolean(j, "issuer_is_root"));
        assert_int_equal(to.epoch, num(j, "epoch"));
        body_close(&b);
        free(raw.p);
        free(obj.p);
    }
    assert_int_equal(roots, 1);
    json_decref(doc);
}

/* Every epoch object and entry of trust-bundles.json's refused_epochs
 * meets the stated refusal. */
static void refused_epochs_are_refused(void **state)
{
    json_t *doc = load(state, "trust-bundles.json");
    uint8_t network[HZ_NET_LEN];
    unhex_fixed(str(doc, "network"), network, HZ_NET_LEN);
    json_t *refused = json_object_get(doc, "refused_epochs");
    assert_true(json_array_size(refused) >= 5);
    size_t i;
    json_t *j;
    json_array_foreach(refused, i, j)
    {
        struct bytes b = unhex(str(j, "bytes"));
        struct hz_err err = {0};
        int rv;
        if (strcmp(str(j, "kind"), "epoch") == 0) {
            struct epoch e;
            rv = epoch_decode(&e, b.p, b.len, &err);
            if (rv == 0) {
                rv = epoch_verify(&e, &err);
                epoch_close(&e);
            }
        } else {
            assert_string_equal(str(j, "kind"), "entry");
            struct entry e;
            assert_int_equal(entry_decode(&e, b.p, b.len, NULL), 0);
            assert_int_equal(entry_verify(&e, NULL), 0);
            assert_memory_equal(e.network, network, HZ_NET_LEN);
            struct body bd;
            assert_int_equal(
                body_decode(&bd, schema_current(), e.body.p, e.body.len, &err),
                0);
            rv = trust_body_check(network, e.author, &bd, &err);
            body_close(&bd);
        }
        assert_refused(j, rv, &err);
        free(b.p);
    }
    json_decref(doc);
}

/* A node in @dir whose key is @seed: the first draw of its env. */
struct seeded {
    struct world w;
    uint8_t seed[HZ_SEED_LEN];
    bool given;
};

static uint64_t seeded_now(void *data)
{
    return ((struct seeded *)data)->w.now_ms;
}

static void seeded_random(void *data, void *buf, size_t len)
{
    struct seeded *s = data;
    if (!s->given && len == sizeof s->seed) {
        memcpy(buf, s->seed, len);
        s->given = true;
        return;
    }
    world_random(&s->w, buf, len);
}

static hz_node *seeded_node(const char *dir, struct seeded *s,
                            const struct identity *id)
{
    *s = (struct seeded){.w = {T0_MS + 86400000, 11, {0}}};
    memcpy(s->seed, id->sk, HZ_SEED_LEN);
    s->w.env = (struct hz_env){s, seeded_now, seeded_random};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &s->w.env};
    hz_node *n;
    struct hz_err err = {0};
    assert_int_equal(hz_node_create(dir, "测试读者", &opts, &n, &err), 0);
    assert_memory_equal(n->id.pk, id->pk, HZ_KEY_LEN);
    return n;
}

/* A fresh node of the key @name that joined with its token. */
static hz_node *reader_node(const json_t *doc, const char *name,
                            const char *dir, struct seeded *s)
{
    struct identity id;
    const char *token = tb_key(doc, name, &id);
    assert_non_null(token);
    hz_node *n = seeded_node(dir, s, &id);
    identity_close(&id);
    char *summary = NULL;
    struct hz_err err = {0};
    if (hz_join(n, token, &summary, &err) != 0)
        fail_msg("join as %s: %s", name, err.msg);
    hz_free_string(summary);
    return n;
}

/* The header of a sealed bundle (bundle.md, "Sealed bundles") against
 * its description: epoch, key id and the epoch object it carries (the
 * object of the named epoch, or nil); and its chunks. */
static void sealed_layout_matches(const json_t *doc, const json_t *j,
                                  const struct bytes *b)
{
    assert_true(b->len > 12);
    assert_memory_equal(b->p, "HZSEALED", 8);
    size_t hl = (size_t)b->p[8] << 24 | (size_t)b->p[9] << 16 |
                (size_t)b->p[10] << 8 | b->p[11];
    msgpack_unpacked u;
    assert_int_equal(mp_unpack(&u, b->p + 12, hl, NULL), 0);
    const msgpack_object *f;
    size_t nf;
    uint64_t version, epoch;
    uint8_t net[HZ_NET_LEN], key_id[HZ_KEY_ID_LEN];
    assert_int_equal(mp_array(&u.data, 5, 5, &f, &nf, "header", NULL), 0);
    assert_int_equal(mp_uint(&f[0], &version, "version", NULL), 0);
    assert_int_equal(version, 1);
    assert_int_equal(mp_bin_fixed(&f[1], net, sizeof net, "network", NULL), 0);
    assert_hex(str(doc, "network"), net, sizeof net);
    assert_int_equal(mp_bin_fixed(&f[2], key_id, sizeof key_id, "id", NULL), 0);
    assert_hex(str(j, "key_id"), key_id, sizeof key_id);
    assert_int_equal(mp_uint(&f[3], &epoch, "epoch", NULL), 0);
    assert_int_equal(epoch, num(j, "epoch"));
    const json_t *carried = json_object_get(j, "carried");
    if (json_is_null(carried)) {
        assert_int_equal(f[4].type, MSGPACK_OBJECT_NIL);
        assert_int_equal(epoch, 0);
    } else {
        struct hz_bytes obj;
        assert_int_equal(mp_bin(&f[4], HZ_EPOCH_OBJ_MAX, &obj, "epoch", NULL),
                         0);
        size_t i;
        json_t *e;
        bool found = false;
        json_array_foreach(json_object_get(doc, "epochs"), i, e)
        {
            if (strcmp(str(e, "vector"), json_string_value(carried)) != 0)
                continue;
            assert_hex(str(e, "object"), obj.p, obj.len);
            assert_hex(str(e, "key_id"), key_id, sizeof key_id);
            found = true;
        }
        assert_true(found);
    }
    msgpack_unpacked_destroy(&u);
    /* Chunks: 4-byte length and ciphertext, to the end of the file; each
     * but the last of 65,536 plain bytes, none empty (proto/bundle.md,
     * "Sealed bundles"). */
    size_t at = 12 + hl + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    size_t full = 65536 + crypto_secretstream_xchacha20poly1305_ABYTES;
    json_int_t chunks = 0;
    size_t plain = 0;
    while (at + 4 <= b->len) {
        size_t len = (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
                     (size_t)b->p[at + 2] << 8 | b->p[at + 3];
        assert_true(len > crypto_secretstream_xchacha20poly1305_ABYTES);
        assert_true(len <= full);
        if (chunks > 0)
            assert_int_equal(plain % 65536, 0);
        plain += len - crypto_secretstream_xchacha20poly1305_ABYTES;
        at += 4 + len;
        chunks++;
    }
    assert_int_equal(at, b->len);
    assert_int_equal(chunks, num(j, "chunks"));
    assert_int_equal(plain, num(j, "plain_len"));
}

/* proto/bundle.md, "Sealed bundles", through the real import path: each
 * imported bundle opens, on a fresh node of its reader that joined with
 * its token, to the stated plain bundle and imports with the stated
 * counts; each refused one is refused with its code and changes
 * nothing. */
static void sealed_bundles_import_or_are_refused_as_labelled(void **state)
{
    json_t *doc = load(state, "trust-bundles.json");
    json_t *sealed = json_object_get(doc, "sealed");
    assert_true(json_array_size(sealed) >= 10);
    size_t i;
    json_t *j;
    json_array_foreach(sealed, i, j)
    {
        char *dir = temp_dir();
        char node_dir[4200], file[4200], staged[4300];
        snprintf(node_dir, sizeof node_dir, "%s/node", dir);
        snprintf(file, sizeof file, "%s/in.hzs", dir);
        snprintf(staged, sizeof staged, "%s/%s", node_dir, HZ_STAGED_FILE);
        struct seeded s;
        hz_node *n = reader_node(doc, str(j, "reader"), node_dir, &s);
        struct bytes b = unhex(str(j, "sealed"));
        write_file(file, &b);
        char before[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
        state_hash(n, before);
        int64_t log_before = count_rows(n, "log");
        int64_t tobj_before = count_rows(n, "tobj");
        int64_t bkeys_before = count_rows(n, "bkeys");
        struct hz_ingest_stats st = {0};
        struct hz_err err = {0};
        if (strcmp(str(j, "verdict"), "imported") != 0) {
            int rv = hz_bundle_import(n, file, &st, &err);
            assert_refused(j, rv, &err);
            state_hash(n, after);
            assert_string_equal(after, before);
            assert_int_equal(count_rows(n, "log"), log_before);
            assert_int_equal(count_rows(n, "tobj"), tobj_before);
            assert_int_equal(count_rows(n, "bkeys"), bkeys_before);
            assert_int_equal(count_rows(n, "pending"), 0);
            assert_int_not_equal(access(staged, F_OK), 0);
        } else {
            sealed_layout_matches(doc, j, &b);
            /* Opened as import stages it, before anything is taken in. */
            struct bytes plain = unhex(str(j, "plain"));
            assert_int_equal(plain.len, num(j, "plain_len"));
            FILE *in = fopen(file, "rb");
            char *got = NULL;
            size_t got_len = 0;
            FILE *out = open_memstream(&got, &got_len);
            assert_non_null(in);
            assert_non_null(out);
            if (unseal_file(n, in, out, &err) != 0)
                fail_msg("%s: %s", str(j, "name"), err.msg);
            fclose(in);
            assert_int_equal(fclose(out), 0);
            assert_int_equal(got_len, plain.len);
            assert_memory_equal(got, plain.p, plain.len);
            free(got);
            free(plain.p);
            if (hz_bundle_import(n, file, &st, &err) != 0)
                fail_msg("%s: %s", str(j, "name"), err.msg);
            const json_t *im = json_object_get(j, "import");
            assert_int_equal(st.entries, (uint64_t)num(im, "entries"));
            assert_int_equal(st.applied, (uint64_t)num(im, "applied"));
            assert_int_equal(st.duplicate, (uint64_t)num(im, "duplicate"));
            assert_int_equal(st.pending, (uint64_t)num(im, "pending"));
            assert_int_equal(st.rejected, (uint64_t)num(im, "rejected"));
            assert_int_equal(st.denied, (uint64_t)num(im, "denied"));
            assert_int_equal(count_rows(n, "log"),
                             log_before + num(im, "applied"));
        }
        hz_node_close(n);
        free(b.p);
        remove_tree(dir);
        free(dir);
    }
    json_decref(doc);
}

/* Restore the root key on a fresh node from a code, or from @file with
 * @pass: 0 with network.key holding the root seed, or the refusal with
 * the node left outside any network and without network.key. */
static int restore_on_fresh_node(const json_t *doc, const char *code,
                                 const struct bytes *file, const char *pass,
                                 struct hz_err *err)
{
    char *dir = temp_dir();
    char node_dir[4200], path[4200], key_path[4300];
    snprintf(node_dir, sizeof node_dir, "%s/node", dir);
    snprintf(path, sizeof path, "%s/root.backup", dir);
    snprintf(key_path, sizeof key_path, "%s/network.key", node_dir);
    if (file != NULL)
        write_file(path, file);
    struct identity root, fresh;
    tb_key(doc, "root", &root);
    tb_key(doc, "restored", &fresh);
    struct seeded s;
    hz_node *n = seeded_node(node_dir, &s, &fresh);
    char *hex = NULL;
    int rv =
        hz_network_restore(n, file ? path : NULL, code, pass, NULL, &hex, err);
    if (rv == 0) {
        assert_string_equal(hex, str(doc, "network"));
        struct bytes seed = read_file(key_path);
        assert_int_equal(seed.len, HZ_SEED_LEN);
        assert_memory_equal(seed.p, root.sk, HZ_SEED_LEN);
        free(seed.p);
        char secret_path[4300];
        snprintf(secret_path, sizeof secret_path, "%s/network.secret",
                 node_dir);
        struct bytes secret = read_file(secret_path);
        assert_int_equal(secret.len, 32);
        assert_hex(str(doc, "network_secret"), secret.p, secret.len);
        free(secret.p);
        /* The restored node prints the same code. */
        char *again = NULL;
        assert_int_equal(hz_network_recovery_code(n, &again, NULL), 0);
        assert_string_equal(again,
                            str(json_object_get(doc, "recovery"), "code"));
        hz_free_string(again);
    } else {
        assert_false(n->networked);
        assert_int_not_equal(access(key_path, F_OK), 0);
    }
    hz_free_string(hex);
    hz_node_close(n);
    identity_close(&root);
    identity_close(&fresh);
    remove_tree(dir);
    free(dir);
    return rv;
}

/* proto/trust.md, "Root key backup": the codes read and refused, and the
 * backup file opened with its passphrase and refused otherwise. */
static void root_key_code_and_backup_restore_or_are_refused(void **state)
{
    json_t *doc = load(state, "trust-bundles.json");
    const json_t *rec = json_object_get(doc, "recovery");
    const char *code = str(rec, "code");
    assert_int_equal(strlen(code), 55 + 10);
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(rec, "accepted"), i, j)
    {
        struct hz_err err = {0};
        if (restore_on_fresh_node(doc, str(j, "code"), NULL, NULL, &err) != 0)
            fail_msg("%s: %s", str(j, "name"), err.msg);
    }
    json_array_foreach(json_object_get(rec, "refused"), i, j)
    {
        struct hz_err err = {0};
        int rv = restore_on_fresh_node(doc, str(j, "code"), NULL, NULL, &err);
        if (rv == 0)
            fail_msg("%s: accepted", str(j, "name"));
        assert_string_equal(hz_errname(rv), str(j, "error"));
    }
    const json_t *bk = json_object_get(doc, "backup");
    struct bytes file = unhex(str(bk, "file"));
    struct hz_err err = {0};
    if (restore_on_fresh_node(doc, NULL, &file, str(bk, "passphrase"), &err))
        fail_msg("backup: %s", err.msg);
    free(file.p);
    json_array_foreach(json_object_get(bk, "refused"), i, j)
    {
        struct bytes f = unhex(str(j, "file"));
        int rv =
            restore_on_fresh_node(doc, NULL, &f, str(j, "passphrase"), &err);
        if (rv == 0)
            fail_msg("%s: accepted", str(j, "name"));
        assert_string_equal(hz_errname(rv), str(j, "error"));
        free(f.p);
    }
    json_decref(doc);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_trust_bundles");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(bundle_keys_derive_from_the_root_seed, dir),
        cmocka_unit_test_prestate(bundle_key_epochs_decode_verify_and_open,
                                  dir),
        cmocka_unit_test_prestate(refused_epochs_are_refused, dir),
        cmocka_unit_test_prestate(
            sealed_bundles_import_or_are_refused_as_labelled, dir),
        cmocka_unit_test_prestate(
            root_key_code_and_backup_restore_or_are_refused, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
