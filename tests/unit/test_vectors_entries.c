/* test_vectors_entries.c - proto/vectors/entries.json, both directions
 * (proto/entry.md: "Envelope", "Signing", "Body"; STYLE 10; DECISIONS 2,
 * 12, 25).
 *
 * The keys derive from their seeds. Decoding each valid entry and encoding
 * it again gives its bytes; building it from its JSON description gives
 * the same bytes, body included; its id is BLAKE2b-256 of its signing
 * input, which is the tag and the first seven fields; signing again with
 * the author's seed gives the same signature. */
#include "vectors_common.h"

#include "core/clock.h"
#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/schema.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

static const uint8_t **ids_from_json(const json_t *arr, size_t *n,
                                     struct arena *a)
{
    *n = json_array_size(arr);
    const uint8_t **ids =
        arena_take(a, calloc(*n + 1, sizeof(const uint8_t *)));
    for (size_t i = 0; i < *n; i++) {
        uint8_t *id = arena_take(a, malloc(HZ_HASH_LEN));
        unhex_fixed(json_string_value(json_array_get(arr, i)), id, HZ_HASH_LEN);
        ids[i] = id;
    }
    return ids;
}

static void body_from_json(const json_t *j, struct body *b, struct arena *a)
{
    const struct schema *s = schema_current();
    const json_t *ops = json_object_get(j, "ops");
    memset(b, 0, sizeof *b);
    b->schema_version = (uint64_t)num(j, "schema_version");
    b->n_ops = json_array_size(ops);
    b->ops = arena_take(a, calloc(b->n_ops, sizeof *b->ops));
    for (size_t i = 0; i < b->n_ops; i++) {
        const json_t *oj = json_array_get(ops, i);
        struct op *o = &b->ops[i];
        const char *kind = str(oj, "kind");
        o->kind = strcmp(kind, "set") == 0   ? OP_SET
                  : strcmp(kind, "del") == 0 ? OP_DEL
                                             : OP_INS;
        o->table = schema_table_c(s, str(oj, "table"));
        assert_non_null(o->table);
        unhex_fixed(str(oj, "row"), o->row, HZ_ROW_LEN);
        if (o->kind == OP_DEL) {
            o->seen = ids_from_json(json_object_get(oj, "seen"), &o->n_seen, a);
            continue;
        }
        const json_t *fs = json_object_get(oj, "fields");
        o->n_fields = json_array_size(fs);
        o->fields = arena_take(a, calloc(o->n_fields, sizeof *o->fields));
        for (size_t k = 0; k < o->n_fields; k++) {
            const json_t *fj = json_array_get(fs, k);
            struct field *f = &o->fields[k];
            f->col = schema_col_c(o->table, str(fj, "column"));
            assert_true(f->col >= 0);
            value_from_json(json_object_get(fj, "value"), &f->val, a);
            if (o->kind == OP_SET)
                f->heads =
                    ids_from_json(json_object_get(fj, "heads"), &f->n_heads, a);
        }
    }
}

static void keys_derive_from_seeds(void **state)
{
    json_t *root = load(state, "entries.json");
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(root, "keys"), i, k)
    {
        uint8_t seed[32];
        struct identity id;
        unhex_fixed(str(k, "seed"), seed, sizeof seed);
        identity_from_seed(&id, seed);
        assert_hex(str(k, "public_key"), id.pk, HZ_KEY_LEN);
        identity_close(&id);
    }
    json_decref(root);
}

static void valid_entries_decode_and_encode_to_the_same_bytes(void **state)
{
    json_t *root = load(state, "entries.json");
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "entries"), i, j)
    {
        struct bytes b = unhex(str(j, "entry"));
        struct entry e;
        struct hz_err err = {0};
        assert_int_equal(entry_decode(&e, b.p, b.len, &err), 0);

        /* decode, encode: the same bytes */
        struct enc out;
        enc_init(&out);
        assert_int_equal(entry_encode(&e, &out), 0);
        assert_int_equal(enc_len(&out), b.len);
        assert_memory_equal(enc_data(&out), b.p, b.len);

        /* the fields are those described */
        const json_t *env = json_object_get(j, "envelope");
        assert_int_equal(e.version, (uint64_t)num(env, "version"));
        assert_hex(str(env, "network"), e.network, HZ_NET_LEN);
        assert_hex(str(env, "author"), e.author, HZ_KEY_LEN);
        assert_int_equal(e.seq, (uint64_t)num(env, "seq"));
        assert_hex(str(env, "prev"), e.prev, HZ_HASH_LEN);
        assert_int_equal(e.clock, (uint64_t)num(env, "clock"));
        assert_int_equal(clock_ms(e.clock), (uint64_t)num(env, "clock_ms"));
        assert_int_equal(e.clock & 0xffffu,
                         (uint64_t)num(env, "clock_counter"));
        assert_hex(str(env, "body"), e.body.p, e.body.len);
        assert_hex(str(env, "sig"), e.sig, HZ_SIG_LEN);

        /* and the other way: the described fields encode to the bytes */
        struct entry built = {0};
        built.version = (uint64_t)num(env, "version");
        unhex_fixed(str(env, "network"), built.network, HZ_NET_LEN);
        unhex_fixed(str(env, "author"), built.author, HZ_KEY_LEN);
        built.seq = (uint64_t)num(env, "seq");
        unhex_fixed(str(env, "prev"), built.prev, HZ_HASH_LEN);
        built.clock = (uint64_t)num(env, "clock");
        struct bytes body = unhex(str(env, "body"));
        built.body = (struct hz_bytes){body.p, body.len};
        unhex_fixed(str(env, "sig"), built.sig, HZ_SIG_LEN);
        assert_int_equal(entry_encode(&built, &out), 0);
        assert_int_equal(enc_len(&out), b.len);
        assert_memory_equal(enc_data(&out), b.p, b.len);

        /* the body, both ways */
        struct body dec;
        assert_int_equal(
            body_decode(&dec, schema_current(), body.p, body.len, &err), 0);
        enc_reset(&out);
        assert_int_equal(body_encode(&dec, &out), 0);
        assert_int_equal(enc_len(&out), body.len);
        assert_memory_equal(enc_data(&out), body.p, body.len);
        body_close(&dec);
        struct arena a = {0};
        struct body desc;
        body_from_json(json_object_get(j, "body"), &desc, &a);
        enc_reset(&out);
        assert_int_equal(body_encode(&desc, &out), 0);
        assert_int_equal(enc_len(&out), body.len);
        assert_memory_equal(enc_data(&out), body.p, body.len);
        arena_free(&a);

        enc_close(&out);
        free(body.p);
        free(b.p);
    }
    json_decref(root);
}

static void valid_entries_ids_and_signatures_match(void **state)
{
    json_t *root = load(state, "entries.json");
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "entries"), i, j)
    {
        struct bytes b = unhex(str(j, "entry"));
        struct bytes in = unhex(str(j, "signing_input"));
        struct entry e;
        struct hz_err err = {0};
        assert_int_equal(entry_decode(&e, b.p, b.len, &err), 0);
        assert_hex(str(j, "id"), e.id, HZ_HASH_LEN);
        assert_int_equal(entry_verify(&e, &err), 0);

        /* The signing input is the tag and the first seven fields. */
        size_t tag = strlen(HZ_ENTRY_TAG);
        assert_memory_equal(in.p, HZ_ENTRY_TAG, tag);
        assert_int_equal(in.p[tag], 0x97);
        assert_memory_equal(in.p + tag + 1, b.p + 1,
                            b.len - 1 - 2 - HZ_SIG_LEN);
        uint8_t id[HZ_HASH_LEN];
        crypto_generichash(id, sizeof id, in.p, in.len, NULL, 0);
        assert_memory_equal(id, e.id, HZ_HASH_LEN);
        assert_int_equal(
            crypto_sign_verify_detached(e.sig, in.p, in.len, e.author), 0);

        /* Signing again with the author's seed gives the same signature
         * (Ed25519 is deterministic). */
        const json_t *k;
        size_t ki;
        json_array_foreach(json_object_get(root, "keys"), ki, k)
        {
            if (json_object_get(j, "author_name") == NULL ||
                strcmp(str(k, "name"), str(j, "author_name")) != 0)
                continue;
            uint8_t seed[32];
            struct identity id_key;
            unhex_fixed(str(k, "seed"), seed, sizeof seed);
            identity_from_seed(&id_key, seed);
            struct entry again = e;
            memset(again.sig, 0, HZ_SIG_LEN);
            struct enc out;
            enc_init(&out);
            assert_int_equal(entry_sign(&again, id_key.sk, &out), 0);
            assert_int_equal(enc_len(&out), b.len);
            assert_memory_equal(enc_data(&out), b.p, b.len);
            enc_close(&out);
            identity_close(&id_key);
        }
        free(in.p);
        free(b.p);
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_entries");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(keys_derive_from_seeds, dir),
        cmocka_unit_test_prestate(
            valid_entries_decode_and_encode_to_the_same_bytes, dir),
        cmocka_unit_test_prestate(valid_entries_ids_and_signatures_match, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
