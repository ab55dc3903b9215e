/* gen_trust_bundles_epochs.c - trust-bundles.json's "epochs" and
 * "refused_epochs" (proto/trust.md, "Bundle key epochs").
 *
 * The epoch a revocation writes, read back from the revoking node: its
 * object decodes, verifies and re-encodes, its key id names the key the
 * node holds, each share opens for its subject only, and the entry that
 * carries it is [[4, revocation], [5, epoch]] passing the content checks.
 * Then epoch objects written field by field, each wrong in one place,
 * checked to be refused with their code. */
#include "gen_trust_bundles.h"

#include "core/cert.h"
#include "core/schema.h"
#include "core/trust.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* BLAKE2b-128(tag || key): a bundle key's id (proto/bundle.md). */
void tb_key_id(const uint8_t *key, uint8_t *id)
{
    static const char tag[] = "huzhu bundle key id v1";
    uint8_t in[sizeof tag - 1 + 32];
    memcpy(in, tag, sizeof tag - 1);
    memcpy(in + sizeof tag - 1, key, 32);
    crypto_generichash(id, HZ_KEY_ID_LEN, in, sizeof in, NULL, 0);
}

static enum sm tb_who(const struct sworld *w, const uint8_t *pk)
{
    for (int i = 0; i < SM_N; i++) {
        if (memcmp(w->k[i].pk, pk, HZ_KEY_LEN) == 0)
            return (enum sm)i;
    }
    die("a key of no one known");
    return SM_N;
}

static void tkey_set(json_t *o, const char *field, const struct sworld *w,
                     enum sm who)
{
    key_json(o, field, w->k[who].pk, sm[who].name);
}

/* The epoch @number that @d's revocation of @revoked just wrote, with
 * the entry carrying it (as hz_revoke writes it: [4, revocation] then
 * [5, epoch]) and its key; each share checked to open for its subject
 * only, to that key. The epoch's bytes go to *@obj. */
json_t *tb_epoch(struct sworld *w, struct dnode *d, const char *vector,
                 uint64_t number, enum sm revoked, const enum sm *members,
                 size_t n_members, struct blob *obj)
{
    sqlite3_stmt *st;
    struct hz_err err = {0};
    check(db_prep(&d->n->db,
                  "SELECT bytes FROM log WHERE author = (SELECT k FROM"
                  " names WHERE name = ?1) ORDER BY seq DESC LIMIT 1",
                  &st, &err),
          &err, vector);
    sqlite3_bind_blob(st, 1, d->n->id.pk, HZ_KEY_LEN, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW)
        die("%s: no entry", vector);
    struct blob raw = blob_copy(sqlite3_column_blob(st, 0),
                                (size_t)sqlite3_column_bytes(st, 0));
    sqlite3_reset(st);
    uint8_t key[32];
    check(
        db_prep(&d->n->db, "SELECT key FROM bkeys WHERE epoch = ?1", &st, &err),
        &err, vector);
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != 32)
        die("%s: no key", vector);
    memcpy(key, sqlite3_column_blob(st, 0), sizeof key);
    sqlite3_reset(st);

    struct entry e;
    decode_or_die(&e, &raw);
    check(entry_verify(&e, &err), &err, vector);
    struct body body;
    check(body_decode(&body, schema_current(), e.body.p, e.body.len, &err),
          &err, vector);
    check(trust_body_check(w->network, e.author, &body, &err), &err, vector);
    if (!body.trust || body.n_ops != 2 || body.ops[0].kind != OP_REVOKE ||
        body.ops[1].kind != OP_EPOCH)
        die("%s: not [[4, revocation], [5, epoch]]", vector);
    *obj = blob_copy(body.ops[1].object.p, body.ops[1].object.len);
    struct revocation rev;
    check(revocation_decode(&rev, body.ops[0].object.p, body.ops[0].object.len,
                            &err),
          &err, vector);
    if (memcmp(rev.subject, w->k[revoked].pk, HZ_KEY_LEN) != 0)
        die("%s: revokes another key", vector);

    struct epoch ep;
    check(epoch_decode(&ep, obj->p, obj->len, &err), &err, vector);
    check(epoch_verify(&ep, &err), &err, vector);
    struct enc out;
    enc_init(&out);
    check(epoch_encode(&ep, &out), NULL, vector);
    if (enc_len(&out) != obj->len || memcmp(enc_data(&out), obj->p, obj->len))
        die("%s: re-encoding differs", vector);
    enc_close(&out);
    uint8_t id[HZ_KEY_ID_LEN];
    tb_key_id(key, id);
    if (ep.epoch != number || memcmp(ep.key_id, id, HZ_KEY_ID_LEN) != 0 ||
        memcmp(ep.network, w->network, HZ_NET_LEN) != 0 ||
        (memcmp(ep.issuer, e.author, HZ_KEY_LEN) != 0 &&
         memcmp(ep.issuer, w->k[SM_ROOT].pk, HZ_KEY_LEN) != 0))
        die("%s: fields", vector);
    if (ep.n_shares != n_members)
        die("%s: %zu shares", vector, ep.n_shares);
    json_t *shares = json_array();
    for (size_t i = 0; i < ep.n_shares; i++) {
        enum sm who = tb_who(w, ep.shares[i].subject);
        bool member = false;
        for (size_t k = 0; k < n_members; k++)
            member = member || members[k] == who;
        if (!member)
            die("%s: a share for %s", vector, sm[who].name);
        /* Each member opens its own share, and only its own. */
        for (int k = 0; k < SM_N; k++) {
            uint8_t xpk[32], xsk[32], got[32];
            if (crypto_sign_ed25519_pk_to_curve25519(xpk, w->k[who].pk) != 0 ||
                crypto_sign_ed25519_sk_to_curve25519(xsk, w->k[k].sk) != 0)
                die("%s: X25519", vector);
            int opened = crypto_box_seal_open(got, ep.shares[i].sealed,
                                              HZ_EPOCH_SEALED_LEN, xpk, xsk);
            if ((opened == 0) != ((enum sm)k == who) ||
                (opened == 0 && memcmp(got, key, sizeof key) != 0))
                die("%s: share of %s opened by %s", vector, sm[who].name,
                    sm[k].name);
        }
        json_t *s = json_object();
        tkey_set(s, "subject", w, who);
        json_object_set_new(s, "sealed",
                            hex_json(ep.shares[i].sealed, HZ_EPOCH_SEALED_LEN));
        json_array_append_new(shares, s);
    }
    bool root = cert_is_root(w->network, ep.issuer);
    json_t *o = json_object();
    json_object_set_new(o, "vector", json_string(vector));
    json_object_set_new(o, "epoch", json_integer((json_int_t)ep.epoch));
    json_object_set_new(o, "object", hex_json(obj->p, obj->len));
    json_object_set_new(o, "id", hex_json(ep.id, HZ_HASH_LEN));
    json_object_set_new(o, "network", hex_json(ep.network, HZ_NET_LEN));
    json_object_set_new(o, "key_id", hex_json(ep.key_id, HZ_KEY_ID_LEN));
    json_object_set_new(o, "key", hex_json(key, sizeof key));
    json_object_set_new(o, "issued_ms", json_integer((json_int_t)ep.issued_ms));
    tkey_set(o, "issuer", w, tb_who(w, ep.issuer));
    json_object_set_new(o, "issuer_is_root", json_boolean(root));
    json_object_set_new(o, "revoked", json_string(sm[revoked].name));
    json_object_set_new(o, "shares", shares);
    json_t *ej = json_object();
    tkey_set(ej, "author", w, tb_who(w, e.author));
    json_object_set_new(ej, "seq", json_integer((json_int_t)e.seq));
    json_object_set_new(ej, "entry", hex_json(raw.p, raw.len));
    json_object_set_new(ej, "id", hex_json(e.id, HZ_HASH_LEN));
    json_t *ops = json_array();
    for (size_t i = 0; i < body.n_ops; i++) {
        json_t *op = json_object();
        json_object_set_new(op, "kind", json_integer(body.ops[i].kind));
        json_object_set_new(
            op, "object",
            hex_json(body.ops[i].object.p, body.ops[i].object.len));
        json_array_append_new(ops, op);
    }
    json_object_set_new(ej, "ops", ops);
    /* Signed by the root key, any member may carry it; by the carrier's
     * node key, the carrier needs an admin's level (proto/trust.md). */
    json_object_set_new(ej, "need", json_integer(root ? 0 : 2));
    json_object_set_new(o, "entry", ej);
    epoch_close(&ep);
    body_close(&body);
    free(raw.p);
    return o;
}

/* An epoch object written field by field from @base (proto/trust.md,
 * "Bundle key epochs"), wrong in one place, signed by @signer. */
enum raw_shares { RS_AS_IS, RS_REVERSED, RS_NONE, RS_SHORT };

static struct blob raw_epoch(const struct sworld *w, const struct epoch *base,
                             uint64_t version, uint64_t number,
                             enum raw_shares shares, enum sm signer)
{
    struct enc f;
    enc_init(&f);
    enc_uint(&f, version);
    enc_bin(&f, base->network, HZ_NET_LEN);
    enc_uint(&f, number);
    enc_bin(&f, base->key_id, HZ_KEY_ID_LEN);
    size_t n = shares == RS_NONE ? 0 : base->n_shares;
    enc_array(&f, n);
    for (size_t i = 0; i < n; i++) {
        size_t k = shares == RS_REVERSED ? n - 1 - i : i;
        enc_array(&f, 2);
        enc_bin(&f, base->shares[k].subject, HZ_KEY_LEN);
        enc_bin(&f, base->shares[k].sealed,
                HZ_EPOCH_SEALED_LEN - (shares == RS_SHORT && i == 0));
    }
    enc_uint(&f, base->issued_ms);
    enc_bin(&f, w->k[signer].pk, HZ_KEY_LEN);
    struct blob b = sign_fields(HZ_EPOCH_TAG, 7, &f, w->k[signer].sk);
    enc_close(&f);
    return b;
}

/* What the code says of @b read as @kind ("epoch": the object decodes and
 * verifies; "entry": the entry passes transport, its trust content not). */
static void tb_refused_add(const struct sworld *w, json_t *a, const char *name,
                           const char *kind, struct blob b, const char *code,
                           const char *reason)
{
    struct hz_err err = {0};
    int rv;
    if (strcmp(kind, "epoch") == 0) {
        struct epoch e;
        rv = epoch_decode(&e, b.p, b.len, &err);
        if (rv == 0) {
            rv = epoch_verify(&e, &err);
            epoch_close(&e);
        }
    } else {
        struct entry e;
        decode_or_die(&e, &b);
        check(entry_verify(&e, &err), &err, name);
        struct body body;
        check(body_decode(&body, schema_current(), e.body.p, e.body.len, &err),
              &err, name);
        rv = trust_body_check(w->network, e.author, &body, &err);
        body_close(&body);
    }
    expect_refused(name, rv, code, &err);
    refused_json(a, name, kind, b, code, reason);
}

/* Epoch objects and an entry that must be refused, each made from epoch
 * 1's fields and wrong in one place. */
json_t *tb_refused_epochs(const struct sworld *w, const struct blob *ep1)
{
    struct epoch e;
    struct hz_err err = {0};
    check(epoch_decode(&e, ep1->p, ep1->len, &err), &err, "epoch 1");
    json_t *a = json_array();
    tb_refused_add(w, a, "epoch_version_2", "epoch",
                   raw_epoch(w, &e, 2, 1, RS_AS_IS, SM_ROOT), "HZ_EVERSION",
                   "epoch object version 2");
    tb_refused_add(w, a, "epoch_number_0", "epoch",
                   raw_epoch(w, &e, 1, 0, RS_AS_IS, SM_ROOT), "HZ_EMALFORMED",
                   "epoch 0, which no object carries: its key derives from "
                   "the network secret");
    tb_refused_add(w, a, "epoch_shares_unsorted", "epoch",
                   raw_epoch(w, &e, 1, 1, RS_REVERSED, SM_ROOT),
                   "HZ_EMALFORMED", "the shares in descending subject order");
    tb_refused_add(w, a, "epoch_no_shares", "epoch",
                   raw_epoch(w, &e, 1, 1, RS_NONE, SM_ROOT), "HZ_EMALFORMED",
                   "an empty share list (1 to 1000)");
    tb_refused_add(w, a, "epoch_share_of_79_bytes", "epoch",
                   raw_epoch(w, &e, 1, 1, RS_SHORT, SM_ROOT), "HZ_EMALFORMED",
                   "the first share's sealed key one byte short");
    struct blob bad = blob_dup(ep1);
    bad.p[bad.len - 1] ^= 0x01;
    tb_refused_add(w, a, "epoch_bad_signature", "epoch", bad, "HZ_EBADSIG",
                   "epoch1_by_root with the last signature byte flipped");
    /* C carries an epoch A's node key signed: neither the root key nor
     * the carrier signed it. */
    struct blob third = raw_epoch(w, &e, 1, 1, RS_AS_IS, SM_A);
    struct enc b;
    enc_init(&b);
    enc_array(&b, 2);
    enc_uint(&b, 1);
    enc_array(&b, 1);
    enc_array(&b, 2);
    enc_uint(&b, OP_EPOCH);
    enc_bin(&b, third.p, third.len);
    struct blob body = blob_of_enc(&b);
    enc_close(&b);
    tb_refused_add(
        w, a, "entry_epoch_of_a_third_party", "entry",
        craft(&w->k[SM_C], 1, w->network, 1, NULL, T0_MS << 16, &body, NULL),
        "HZ_EMALFORMED",
        "coordinator_c carries an epoch signed by admin_a's node "
        "key: neither the root key nor the author signed it");
    free(body.p);
    free(third.p);
    epoch_close(&e);
    return a;
}
