/* test_vectors.c - the proto/vectors files, checked byte for byte in both
 * directions (STYLE 10; DECISIONS 2, 12, 25).
 *
 *   test_vectors PROTO_VECTORS_DIR [TEST_NAME_FILTER]
 *
 * Decoding each valid entry and encoding it again gives its bytes; building
 * it from its JSON description gives the same bytes; ids and signatures
 * match. Every invalid entry meets the fate it is labelled with and leaves
 * nothing behind when refused. Bundles import or are refused as labelled,
 * and exporting the same entries writes the same bytes. The state hash of
 * the state vector is reproduced whatever the order of arrival. Trust
 * objects (certs.json) decode, verify and re-sign to their bytes, trust
 * entries pass the content checks, join tokens open for their subject only,
 * and refused objects are refused with their code. Bundle key epochs
 * (trust-bundles.json) decode, verify, re-sign and open for their members
 * only; sealed bundles import through hz_bundle_import on a node of their
 * reader, or are refused with their code and change nothing; the root
 * key's recovery codes and backup file restore it or are refused. The files
 * are written by tools/vectors/gen_vectors and described in
 * proto/README.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/body.h"
#include "core/cert.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/schema.h"
#include "core/token.h"
#include "core/trust.h"
#include "store/internal.h"
#include "huzhu/trust.h"

#include <jansson.h>
#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers */

static json_t *load(void **state, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", (const char *)*state, file);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL)
        fail_msg("%s: %s", path, jerr.text);
    return j;
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (s == NULL)
        fail_msg("no string %s", key);
    return s;
}

static json_int_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("no integer %s", key);
    return json_integer_value(v);
}

struct bytes {
    uint8_t *p;
    size_t len;
};

static struct bytes unhex(const char *s)
{
    struct bytes b = {malloc(strlen(s) / 2 + 1), strlen(s) / 2};
    assert_non_null(b.p);
    assert_int_equal(strlen(s) % 2, 0);
    assert_int_equal(hex_decode(s, b.p, b.len), 0);
    return b;
}

static void unhex_fixed(const char *s, uint8_t *out, size_t len)
{
    assert_int_equal(strlen(s), 2 * len);
    assert_int_equal(hex_decode(s, out, len), 0);
}

static void assert_hex(const char *want, const void *p, size_t len)
{
    char *got = malloc(2 * len + 1);
    assert_non_null(got);
    hex_encode(p, len, got);
    assert_string_equal(got, want);
    free(got);
}

/* The deterministic world of a receiving node. */
struct world {
    uint64_t now_ms;
    uint64_t rng;
    struct hz_env env;
};

static uint64_t world_now(void *data)
{
    return ((struct world *)data)->now_ms;
}

static void world_random(void *data, void *buf, size_t len)
{
    struct world *w = data;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        uint64_t z = (w->rng += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        p[i] = (uint8_t)(z ^ (z >> 31));
    }
}

#define T0_MS UINT64_C(1717200000000)

static hz_node *memory_node(struct world *w, uint8_t seed_byte, uint64_t now_ms)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    w->now_ms = now_ms;
    w->rng = seed_byte;
    w->env = (struct hz_env){w, world_now, world_random};
    hz_node *n = NULL;
    struct hz_err err = {0};
    assert_int_equal(
        node_open_memory(seed, schema_current(), &w->env, &n, &err), 0);
    return n;
}

static int64_t count_rows(hz_node *n, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    sqlite3_stmt *st;
    struct hz_err err = {0};
    assert_int_equal(db_prep(&n->db, sql, &st, &err), 0);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t c = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return c;
}

static void state_hash(hz_node *n, char *out)
{
    struct hz_err err = {0};
    assert_int_equal(hz_node_state_hash(n, out, &err), 0);
}

/* Take in one entry inside its own transaction. */
static int ingest_one(hz_node *n, const struct bytes *b,
                      enum ingest_result *res, struct hz_err *why)
{
    struct hz_err err = {0};
    assert_int_equal(txn_begin(n, &err), 0);
    int rv = ingest_entry(n, b->p, b->len, res, why);
    if (rv == 0)
        assert_int_equal(txn_commit(n, &err), 0);
    else
        txn_rollback(n);
    return rv;
}

/* ---- values and bodies from their JSON description */

/* Allocations that live until the end of one test. */
struct arena {
    void *v[4096];
    size_t n;
};

static void *arena_take(struct arena *a, void *p)
{
    assert_non_null(p);
    assert_true(a->n < sizeof a->v / sizeof a->v[0]);
    a->v[a->n++] = p;
    return p;
}

static void arena_free(struct arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

static void value_from_json(const json_t *j, struct value *v, struct arena *a)
{
    const char *type = json_string_value(json_array_get(j, 0));
    const json_t *x = json_array_get(j, 1);
    assert_non_null(type);
    memset(v, 0, sizeof *v);
    if (strcmp(type, "nil") == 0) {
        v->type = VALUE_NIL;
    } else if (strcmp(type, "bool") == 0) {
        v->type = VALUE_BOOL;
        v->b = json_is_true(x);
    } else if (strcmp(type, "int") == 0) {
        v->type = VALUE_INT;
        v->i = json_integer_value(x);
    } else if (strcmp(type, "real") == 0) {
        v->type = VALUE_REAL;
        v->r = json_number_value(x);
    } else if (strcmp(type, "str") == 0) {
        v->type = VALUE_STR;
        v->s.p = (const uint8_t *)json_string_value(x);
        v->s.len = json_string_length(x);
    } else if (strcmp(type, "bin") == 0) {
        struct bytes b = unhex(json_string_value(x));
        v->type = VALUE_BIN;
        v->s.p = arena_take(a, b.p);
        v->s.len = b.len;
    } else {
        fail_msg("value type %s", type);
    }
}

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

/* ---- entries.json */

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

/* ---- invalid.json and ed25519.json */

/* Rows of the merge's facts: what an applied entry would have left. */
static int64_t facts(hz_node *n)
{
    return count_rows(n, "w") + count_rows(n, "tomb") + count_rows(n, "evsrc");
}

/* Each vector is taken in alone by one empty node, inside a transaction
 * that is rolled back afterwards, so the next vector finds it empty. */
static void invalid_entries_meet_their_labelled_fate(void **state)
{
    json_t *root = load(state, "invalid.json");
    struct world w;
    hz_node *n = memory_node(&w, 0x09, T0_MS);
    char empty[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    state_hash(n, empty);
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "entries"), i, j)
    {
        struct bytes b = unhex(str(j, "entry"));
        const char *verdict = str(j, "verdict");
        enum ingest_result res = INGEST_DUPLICATE;
        struct hz_err why = {0};
        assert_int_equal(txn_begin(n, &why), 0);
        int rv = ingest_entry(n, b.p, b.len, &res, &why);
        if (strcmp(verdict, "refused") == 0) {
            if (rv == 0)
                fail_msg("%s: not refused", str(j, "name"));
            assert_string_equal(hz_errname(rv), str(j, "code"));
            assert_int_equal(count_rows(n, "log"), 0);
            assert_int_equal(count_rows(n, "pending"), 0);
            assert_int_equal(count_rows(n, "forks"), 0);
        } else {
            if (rv != 0)
                fail_msg("%s: refused: %s", str(j, "name"), why.msg);
            assert_int_equal(count_rows(n, "log"), 1);
            if (strcmp(verdict, "rejected") == 0) {
                assert_int_equal(res, INGEST_REJECTED);
                assert_int_equal(count_rows(n, "log WHERE state = 1"), 1);
                struct entry e;
                struct body body;
                assert_int_equal(entry_decode(&e, b.p, b.len, &why), 0);
                uint64_t version;
                int brv =
                    body_peek_version(e.body.p, e.body.len, &version, &why);
                if (brv == 0)
                    brv = body_decode(&body, schema_current(), e.body.p,
                                      e.body.len, &why);
                assert_string_equal(hz_errname(brv), str(j, "code"));
            } else {
                assert_string_equal(verdict, "held");
                assert_int_equal(res, INGEST_HELD);
                assert_int_equal(count_rows(n, "log WHERE state = 2"), 1);
            }
        }
        assert_int_equal(facts(n), 0);
        txn_rollback(n);
        free(b.p);
    }
    state_hash(n, after);
    assert_string_equal(after, empty);
    hz_node_close(n);
    json_decref(root);
}

static void ed25519_cases_match_libsodium(void **state)
{
    json_t *root = load(state, "ed25519.json");
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "cases"), i, j)
    {
        uint8_t pk[32], sig[64];
        unhex_fixed(str(j, "public_key"), pk, sizeof pk);
        unhex_fixed(str(j, "signature"), sig, sizeof sig);
        struct bytes m = unhex(str(j, "message"));
        int ok = crypto_sign_verify_detached(sig, m.p, m.len, pk) == 0;
        if (ok != json_is_true(json_object_get(j, "valid")))
            fail_msg("%s", str(j, "name"));
        free(m.p);
    }
    json_decref(root);
}

/* ---- state.json */

static void ingest_list(hz_node *n, struct bytes *v, const size_t *order,
                        size_t count, size_t batch)
{
    for (size_t at = 0; at < count; at += batch) {
        const uint8_t *p[64];
        size_t len[64];
        size_t k = 0;
        for (; k < batch && at + k < count; k++) {
            p[k] = v[order[at + k]].p;
            len[k] = v[order[at + k]].len;
        }
        struct hz_ingest_stats st = {0};
        struct hz_err err = {0};
        assert_int_equal(store_relay_ingest(n, k, p, len, &st, &err), 0);
        assert_int_equal(st.refused, 0);
    }
}

static void json_text_equal(hz_node *n, const json_t *want,
                            int (*fn)(hz_node *, char **, struct hz_err *))
{
    char *text;
    struct hz_err err = {0};
    assert_int_equal(fn(n, &text, &err), 0);
    json_error_t jerr;
    json_t *got = json_loads(text, 0, &jerr);
    hz_free_string(text);
    assert_non_null(got);
    if (!json_equal(got, want)) {
        char *g = json_dumps(got, JSON_COMPACT);
        fail_msg("got %s", g);
    }
    json_decref(got);
}

static void state_hash_is_reproduced_in_any_order(void **state)
{
    json_t *root = load(state, "state.json");
    const json_t *entries = json_object_get(root, "entries");
    size_t count = json_array_size(entries);
    assert_true(count > 0 && count <= 64);
    struct bytes v[64];
    size_t forward[64], backward[64], shuffled[64];
    for (size_t i = 0; i < count; i++) {
        v[i] = unhex(str(json_array_get(entries, i), "entry"));
        forward[i] = i;
        backward[i] = count - 1 - i;
        shuffled[i] = i;
    }
    uint64_t s = 7;
    for (size_t i = count - 1; i > 0; i--) {
        s = s * UINT64_C(6364136223846793005) + 1442695040888963407u;
        size_t k = (size_t)(s >> 33) % (i + 1);
        size_t t = shuffled[i];
        shuffled[i] = shuffled[k];
        shuffled[k] = t;
    }
    const char *want = str(root, "state_hash");

    /* The hash is BLAKE2b-256 of the tag and hash_input. */
    struct bytes input = unhex(str(root, "hash_input"));
    crypto_generichash_state h;
    uint8_t digest[HZ_HASH_LEN];
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"huzhu state v1", 14);
    crypto_generichash_update(&h, input.p, input.len);
    crypto_generichash_final(&h, digest, sizeof digest);
    assert_hex(want, digest, HZ_HASH_LEN);
    free(input.p);

    const size_t *orders[] = {forward, backward, shuffled, shuffled};
    const size_t batches[] = {64, 64, 1, 3};
    for (size_t o = 0; o < 4; o++) {
        struct world w;
        hz_node *n = memory_node(&w, 0x09, T0_MS + 3600000);
        ingest_list(n, v, orders[o], count, batches[o]);
        /* Twice: applying again changes nothing. */
        ingest_list(n, v, orders[o], count, batches[o]);
        char got[2 * HZ_HASH_LEN + 1];
        state_hash(n, got);
        assert_string_equal(got, want);
        json_text_equal(n, json_object_get(root, "vector"), hz_node_vector);
        json_text_equal(n, json_object_get(root, "conflicts"),
                        hz_node_conflicts);
        assert_int_equal(count_rows(n, "pending"), 0);
        assert_int_equal(count_rows(n, "log WHERE state <> 0"), 0);
        hz_node_close(n);
    }
    for (size_t i = 0; i < count; i++)
        free(v[i].p);
    json_decref(root);
}

/* ---- bundle.json and vector.json */

static char *temp_dir(void)
{
    char *d = strdup("/tmp/hz_vectors_XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

static void write_file(const char *path, const struct bytes *b)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
}

static struct bytes read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct bytes b = {malloc(1 << 20), 0};
    assert_non_null(b.p);
    b.len = fread(b.p, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* Where the trailer frame starts: walk the frames after the magic. */
static size_t trailer_offset(const struct bytes *b)
{
    size_t at = 8;
    while (at + 5 <= b->len) {
        size_t len = (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
                     (size_t)b->p[at + 2] << 8 | b->p[at + 3];
        if (b->p[at + 4] == 3)
            return at;
        at += 5 + len;
    }
    fail_msg("no trailer frame");
    return 0;
}

static hz_node *dir_node(const char *dir, struct world *w)
{
    char node_dir[4200];
    snprintf(node_dir, sizeof node_dir, "%s/node", dir);
    *w = (struct world){T0_MS, 9, {0}};
    w->env = (struct hz_env){w, world_now, world_random};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &w->env};
    hz_node *n;
    struct hz_err err = {0};
    assert_int_equal(hz_node_create(node_dir, "测试", &opts, &n, &err), 0);
    return n;
}

/* Refused bundles all go to one node, which must stay empty; each bundle
 * that imports gets a node of its own. */
static void bundles_import_or_are_refused_as_labelled(void **state)
{
    json_t *root = load(state, "bundle.json");
    char *dir = temp_dir();
    char file[4200];
    snprintf(file, sizeof file, "%s/in.hzb", dir);
    struct world w;
    hz_node *refusing = dir_node(dir, &w);
    char empty[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    state_hash(refusing, empty);
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "bundles"), i, j)
    {
        struct bytes b = unhex(str(j, "bundle"));
        write_file(file, &b);
        struct hz_ingest_stats st = {0};
        struct hz_err err = {0};
        if (strcmp(str(j, "verdict"), "imported") != 0) {
            int rv = hz_bundle_import(refusing, file, &st, &err);
            if (rv == 0)
                fail_msg("%s: imported", str(j, "name"));
            assert_string_equal(hz_errname(rv), str(j, "code"));
            assert_int_equal(count_rows(refusing, "log"), 0);
            assert_int_equal(count_rows(refusing, "pending"), 0);
            assert_int_equal(count_rows(refusing, "forks"), 0);
            free(b.p);
            continue;
        }
        char *own = temp_dir();
        struct world w2;
        hz_node *n = dir_node(own, &w2);
        int rv = hz_bundle_import(n, file, &st, &err);
        if (rv != 0)
            fail_msg("%s: %s", str(j, "name"), err.msg);
        assert_int_equal(st.entries, (uint64_t)num(j, "count"));
        const json_t *fresh = json_object_get(j, "fresh_node");
        assert_int_equal(st.applied, (uint64_t)num(fresh, "applied"));
        assert_int_equal(st.pending, (uint64_t)num(fresh, "pending"));
        assert_int_equal(st.refused, 0);
        /* The digest covers every byte before the trailer frame. */
        uint8_t digest[HZ_HASH_LEN];
        size_t before = trailer_offset(&b);
        crypto_generichash(digest, sizeof digest, b.p, before, NULL, 0);
        assert_hex(str(j, "digest"), digest, HZ_HASH_LEN);
        assert_memory_equal(b.p + b.len - HZ_HASH_LEN, digest, HZ_HASH_LEN);
        hz_node_close(n);
        remove_tree(own);
        free(own);
        free(b.p);
    }
    state_hash(refusing, after);
    assert_string_equal(after, empty);
    hz_node_close(refusing);
    remove_tree(dir);
    free(dir);
    json_decref(root);
}

/* The exporter's node rebuilt from the bundle's own entries writes the
 * same bytes, for the full bundle and for the delta of a vector. */
static void bundle_export_writes_the_vector_bytes(void **state)
{
    json_t *root = load(state, "bundle.json");
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "bundles"), i, j)
    {
        if (strcmp(str(j, "verdict"), "imported") != 0 ||
            strcmp(str(j, "name"), "full") != 0)
            continue;
        /* The full bundle's entries, from its frames. */
        struct bytes b = unhex(str(j, "bundle"));
        struct world w;
        hz_node *n = memory_node(&w, 0x01, (uint64_t)num(j, "created_ms"));
        assert_hex(str(j, "exporter"), n->id.pk, HZ_KEY_LEN);
        size_t at = 8;
        n->writing_own = 1; /* the exporter's own entries */
        for (;;) {
            size_t len = (size_t)b.p[at] << 24 | (size_t)b.p[at + 1] << 16 |
                         (size_t)b.p[at + 2] << 8 | b.p[at + 3];
            uint8_t kind = b.p[at + 4];
            if (kind == 3)
                break;
            if (kind == 2) {
                struct bytes e = {b.p + at + 5, len};
                enum ingest_result res;
                struct hz_err why = {0};
                assert_int_equal(ingest_one(n, &e, &res, &why), 0);
                assert_int_equal(res, INGEST_APPLIED);
            }
            at += 5 + len;
        }
        n->writing_own = 0;

        json_t *k;
        size_t ki;
        json_array_foreach(json_object_get(root, "bundles"), ki, k)
        {
            if (strcmp(str(k, "verdict"), "imported") != 0)
                continue;
            char *dir = temp_dir();
            char file[4200];
            snprintf(file, sizeof file, "%s/out.hzb", dir);
            char *vector = NULL;
            if (json_object_get(k, "for_vector") != NULL)
                vector =
                    json_dumps(json_object_get(k, "for_vector"), JSON_COMPACT);
            uint64_t count = 0;
            struct hz_err err = {0};
            assert_int_equal(hz_bundle_export(n, file, vector, &count, &err),
                             0);
            assert_int_equal(count, (uint64_t)num(k, "count"));
            struct bytes got = read_file(file);
            struct bytes want = unhex(str(k, "bundle"));
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.p, want.p, want.len);
            free(got.p);
            free(want.p);
            free(vector);
            remove_tree(dir);
            free(dir);
        }
        hz_node_close(n);
        free(b.p);
    }
    json_decref(root);

    /* vector.json is what hz_node_vector prints for that node. */
    root = load(state, "vector.json");
    const json_t *vec = json_object_get(root, "vector");
    assert_string_equal(str(vec, "network"),
                        "68757a68752d6e6f2d6e6574776f726b");
    assert_int_equal(json_array_size(json_object_get(vec, "authors")), 1);
    json_decref(root);
}

/* ---- ingest.json */

static void ingest_steps_give_the_labelled_results(void **state)
{
    json_t *root = load(state, "ingest.json");
    const json_t *entries = json_object_get(root, "entries");
    size_t ci;
    json_t *c;
    json_array_foreach(json_object_get(root, "cases"), ci, c)
    {
        struct world w;
        hz_node *n = memory_node(&w, 0x09, T0_MS + 3600000);
        size_t si;
        json_t *s;
        json_array_foreach(json_object_get(c, "steps"), si, s)
        {
            const char *want = str(s, "entry");
            struct bytes b = {NULL, 0};
            size_t ei;
            json_t *e;
            json_array_foreach(entries, ei, e)
            {
                if (strcmp(str(e, "name"), want) == 0)
                    b = unhex(str(e, "entry"));
            }
            assert_non_null(b.p);
            enum ingest_result res;
            struct hz_err why = {0};
            assert_int_equal(ingest_one(n, &b, &res, &why), 0);
            static const char *const names[] = {
                [INGEST_APPLIED] = "applied", [INGEST_DUPLICATE] = "duplicate",
                [INGEST_PENDING] = "pending", [INGEST_REJECTED] = "rejected",
                [INGEST_HELD] = "held",       [INGEST_STOPPED] = "stopped",
                [INGEST_FORK] = "fork",
            };
            if (strcmp(names[res], str(s, "result")) != 0)
                fail_msg("%s step %zu: %s", str(c, "name"), si, names[res]);
            free(b.p);
        }
        const json_t *after = json_object_get(c, "after");
        char hash[2 * HZ_HASH_LEN + 1];
        state_hash(n, hash);
        assert_string_equal(hash, str(after, "state_hash"));
        assert_int_equal(
            count_rows(n, "log"),
            (int64_t)json_array_size(json_object_get(after, "log")));
        assert_int_equal(
            count_rows(n, "pending"),
            (int64_t)json_array_size(json_object_get(after, "pending")));
        assert_int_equal(
            count_rows(n, "forks"),
            (int64_t)json_array_size(json_object_get(after, "forks")));
        size_t li;
        json_t *l;
        json_array_foreach(json_object_get(after, "log"), li, l)
        {
            static const char *const verdicts[] = {"applied", "rejected",
                                                   "held", "stopped"};
            uint8_t id[HZ_HASH_LEN];
            unhex_fixed(str(l, "id"), id, HZ_HASH_LEN);
            sqlite3_stmt *st;
            struct hz_err err = {0};
            assert_int_equal(db_prep(&n->db,
                                     "SELECT state FROM log WHERE id = ?1", &st,
                                     &err),
                             0);
            sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            int v = sqlite3_column_int(st, 0);
            sqlite3_reset(st);
            assert_string_equal(verdicts[v], str(l, "verdict"));
        }
        json_array_foreach(json_object_get(after, "forks"), li, l)
        {
            uint8_t id[HZ_HASH_LEN];
            unhex_fixed(str(l, "id"), id, HZ_HASH_LEN);
            sqlite3_stmt *st;
            struct hz_err err = {0};
            assert_int_equal(db_prep(&n->db,
                                     "SELECT point FROM forks WHERE id = ?1",
                                     &st, &err),
                             0);
            sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
            assert_int_equal(sqlite3_step(st), SQLITE_ROW);
            int64_t point = sqlite3_column_int64(st, 0);
            sqlite3_reset(st);
            assert_int_equal(point, num(l, "point"));
        }
        hz_node_close(n);
    }
    json_decref(root);
}

/* ---- clock.json, values.json, schema-v1.json */

static void clock_vectors_match_clock_next(void **state)
{
    json_t *root = load(state, "clock.json");
    assert_int_equal(num(root, "skew_ms_max"), HZ_CLOCK_SKEW_MS_MAX);
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "next"), i, j)
    {
        assert_int_equal(clock_next((uint64_t)num(j, "wall_ms"),
                                    (uint64_t)num(j, "seen_max")),
                         (uint64_t)num(j, "next"));
    }
    json_array_foreach(json_object_get(root, "skew"), i, j)
    {
        assert_int_equal(clock_is_skewed((uint64_t)num(j, "clock"),
                                         (uint64_t)num(j, "wall_ms")),
                         json_is_true(json_object_get(j, "skewed")));
    }
    json_decref(root);
}

static void canonical_values_round_trip(void **state)
{
    json_t *root = load(state, "values.json");
    size_t i;
    json_t *j;
    struct enc e;
    enc_init(&e);
    json_array_foreach(json_object_get(root, "canonical"), i, j)
    {
        struct arena a = {0};
        struct value v;
        value_from_json(json_object_get(j, "value"), &v, &a);
        struct bytes want = unhex(str(j, "msgpack"));
        enc_reset(&e);
        enc_value(&e, &v);
        assert_int_equal(enc_len(&e), want.len);
        assert_memory_equal(enc_data(&e), want.p, want.len);
        msgpack_unpacked u;
        struct hz_err err = {0};
        assert_int_equal(mp_unpack(&u, want.p, want.len, &err), 0);
        struct value back;
        assert_int_equal(mp_value(&u.data, &back, "v", &err), 0);
        enc_reset(&e);
        enc_value(&e, &back);
        assert_memory_equal(enc_data(&e), want.p, want.len);
        msgpack_unpacked_destroy(&u);
        free(want.p);
        arena_free(&a);
    }
    json_array_foreach(json_object_get(root, "not_canonical"), i, j)
    {
        struct bytes b = unhex(str(j, "msgpack"));
        msgpack_unpacked u;
        struct hz_err err = {0};
        assert_int_equal(mp_unpack(&u, b.p, b.len, &err), 0);
        struct value v;
        if (mp_value(&u.data, &v, "v", &err) == 0) {
            enc_reset(&e);
            enc_value(&e, &v);
            assert_false(enc_len(&e) == b.len &&
                         memcmp(enc_data(&e), b.p, b.len) == 0);
        }
        msgpack_unpacked_destroy(&u);
        free(b.p);
    }
    enc_close(&e);
    json_decref(root);
}

static void schema_vector_matches_the_registry(void **state)
{
    json_t *root = load(state, "schema-v1.json");
    const struct schema *s = schema_current();
    assert_int_equal(num(root, "version"), s->version);
    const json_t *tables = json_object_get(root, "tables");
    assert_int_equal(json_array_size(tables), s->n_tables);
    for (size_t t = 0; t < s->n_tables; t++) {
        const json_t *tj = json_array_get(tables, t);
        assert_string_equal(str(tj, "name"), s->tables[t].name);
        const json_t *cols = json_object_get(tj, "columns");
        assert_int_equal(json_array_size(cols), s->tables[t].n_cols);
        for (size_t c = 0; c < s->tables[t].n_cols; c++)
            assert_string_equal(str(json_array_get(cols, c), "name"),
                                s->tables[t].cols[c].name);
    }
    json_decref(root);
}

/* ---- the fork point, whatever the order of the evidence */

/* One entry of the author @id: households row ...0a, grid = @grid. */
static struct bytes fork_entry(const struct identity *id, uint64_t seq,
                               const uint8_t *prev, const char *grid)
{
    static const uint8_t net[HZ_NET_LEN] = "huzhu-no-network";
    uint8_t row[HZ_ROW_LEN] = {0x10};
    row[HZ_ROW_LEN - 1] = 0x0a;
    struct enc b, out;
    enc_init(&b);
    enc_init(&out);
    enc_array(&b, 2);
    enc_uint(&b, 1);
    enc_array(&b, 1);
    enc_array(&b, 4);
    enc_uint(&b, 0);
    enc_cstr(&b, "households");
    enc_bin(&b, row, HZ_ROW_LEN);
    enc_array(&b, 1);
    enc_array(&b, 3);
    enc_cstr(&b, "grid");
    enc_cstr(&b, grid);
    enc_array(&b, 0);
    struct entry e = {.version = 1, .seq = seq, .clock = T0_MS << 16};
    memcpy(e.network, net, HZ_NET_LEN);
    memcpy(e.author, id->pk, HZ_KEY_LEN);
    if (prev != NULL)
        memcpy(e.prev, prev, HZ_HASH_LEN);
    e.body = (struct hz_bytes){enc_data(&b), enc_len(&b)};
    assert_int_equal(entry_sign(&e, id->sk, &out), 0);
    struct bytes r = {malloc(enc_len(&out)), enc_len(&out)};
    assert_non_null(r.p);
    memcpy(r.p, enc_data(&out), r.len);
    enc_close(&b);
    enc_close(&out);
    return r;
}

/* proto/merge.md, "Forks": the author's fork point is the lowest point
 * any evidence proved, whatever order the evidence came in, although a
 * node keeps only HZ_FORK_EVIDENCE_MAX pieces per author: more forked
 * entries than that, arriving from the top down, must still stop the
 * chain where the ones arriving from the bottom up stop it. */
static void fork_point_does_not_depend_on_arrival_order(void **state)
{
    (void)state;
    enum { N = HZ_FORK_EVIDENCE_MAX + 6 };
    uint8_t seed[32];
    memset(seed, 0x0a, sizeof seed);
    struct identity id;
    identity_from_seed(&id, seed);
    struct bytes main_chain[N + 1], branch[N + 1];
    uint8_t prev[HZ_HASH_LEN];
    char grid[32];
    for (uint64_t s = 1; s <= N; s++) {
        snprintf(grid, sizeof grid, "main %u", (unsigned)s);
        main_chain[s] = fork_entry(&id, s, s > 1 ? prev : NULL, grid);
        struct entry e;
        struct hz_err err = {0};
        assert_int_equal(
            entry_decode(&e, main_chain[s].p, main_chain[s].len, &err), 0);
        memcpy(prev, e.id, HZ_HASH_LEN);
        if (s == 1)
            branch[1] = main_chain[1];
    }
    struct entry first;
    struct hz_err err = {0};
    assert_int_equal(
        entry_decode(&first, main_chain[1].p, main_chain[1].len, &err), 0);
    memcpy(prev, first.id, HZ_HASH_LEN);
    for (uint64_t s = 2; s <= N; s++) {
        snprintf(grid, sizeof grid, "branch %u", (unsigned)s);
        branch[s] = fork_entry(&id, s, prev, grid);
        struct entry e;
        assert_int_equal(entry_decode(&e, branch[s].p, branch[s].len, &err), 0);
        memcpy(prev, e.id, HZ_HASH_LEN);
    }
    char hash[2][2 * HZ_HASH_LEN + 1];
    for (int order = 0; order < 2; order++) {
        struct world w;
        hz_node *n = memory_node(&w, 0x09, T0_MS);
        enum ingest_result res;
        struct hz_err why = {0};
        for (uint64_t s = 1; s <= N; s++)
            assert_int_equal(ingest_one(n, &main_chain[s], &res, &why), 0);
        for (uint64_t k = 2; k <= N; k++) {
            uint64_t s = order == 0 ? k : N + 2 - k; /* up, or down */
            assert_int_equal(ingest_one(n, &branch[s], &res, &why), 0);
        }
        state_hash(n, hash[order]);
        hz_node_close(n);
    }
    for (uint64_t s = 1; s <= N; s++)
        free(main_chain[s].p);
    for (uint64_t s = 2; s <= N; s++)
        free(branch[s].p);
    identity_close(&id);
    assert_string_equal(hash[0], hash[1]);
}

/* ---- proto/trust.md: certs.json */

/* The key named @name in certs.json's keys, from its seed. */
static void trust_key(const json_t *doc, const char *name, struct identity *id)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(doc, "keys"), i, k)
    {
        if (strcmp(str(k, "name"), name) != 0)
            continue;
        uint8_t seed[HZ_SEED_LEN];
        unhex_fixed(str(k, "seed"), seed, sizeof seed);
        identity_from_seed(id, seed);
        assert_hex(str(k, "public_key"), id->pk, HZ_KEY_LEN);
        return;
    }
    fail_msg("no key %s", name);
}

static void trust_network(const json_t *doc, uint8_t *network)
{
    unhex_fixed(str(doc, "network"), network, HZ_NET_LEN);
}

static bool boolean(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_boolean(v))
        fail_msg("no boolean %s", key);
    return json_is_true(v);
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
    trust_key(doc, "root", &root);
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
        trust_key(doc, str(c, "issuer_key"), &issuer);
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
        trust_key(doc, str(r, "issuer_key"), &issuer);
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

        trust_key(doc, "admin_a", &other);
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
        if (rv == 0)
            fail_msg("%s is accepted", str(j, "name"));
        if (strcmp(hz_errname(rv), str(j, "code")) != 0)
            fail_msg("%s: %s, not %s (%s)", str(j, "name"), hz_errname(rv),
                     str(j, "code"), err.msg);
        free(b.p);
    }
    json_decref(doc);
}

/* ---- proto/trust.md and proto/bundle.md: trust-bundles.json */

/* The key named @name in trust-bundles.json's keys: its seed and, when
 * it has one, its join token (borrowed from @doc). */
static const char *tb_key(const json_t *doc, const char *name,
                          struct identity *id)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(doc, "keys"), i, k)
    {
        if (strcmp(str(k, "name"), name) != 0)
            continue;
        uint8_t seed[HZ_SEED_LEN];
        unhex_fixed(str(k, "seed"), seed, sizeof seed);
        identity_from_seed(id, seed);
        assert_hex(str(k, "public_key"), id->pk, HZ_KEY_LEN);
        return json_string_value(json_object_get(k, "token"));
    }
    fail_msg("no key %s", name);
    return NULL;
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
        if (rv == 0)
            fail_msg("%s is accepted", str(j, "name"));
        if (strcmp(hz_errname(rv), str(j, "code")) != 0)
            fail_msg("%s: %s, not %s (%s)", str(j, "name"), hz_errname(rv),
                     str(j, "code"), err.msg);
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
     * but the last of 65,536 plain bytes. */
    size_t at = 12 + hl + crypto_secretstream_xchacha20poly1305_HEADERBYTES;
    size_t full = 65536 + crypto_secretstream_xchacha20poly1305_ABYTES;
    json_int_t chunks = 0;
    size_t plain = 0;
    while (at + 4 <= b->len) {
        size_t len = (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
                     (size_t)b->p[at + 2] << 8 | b->p[at + 3];
        assert_true(len >= crypto_secretstream_xchacha20poly1305_ABYTES);
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
            if (rv == 0)
                fail_msg("%s: imported", str(j, "name"));
            if (strcmp(hz_errname(rv), str(j, "code")) != 0)
                fail_msg("%s: %s, not %s (%s)", str(j, "name"), hz_errname(rv),
                         str(j, "code"), err.msg);
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
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: test_vectors PROTO_VECTORS_DIR"
                        " [TEST_NAME_FILTER]\n");
        return 2;
    }
    if (argc == 3)
        cmocka_set_test_filter(argv[2]);
    if (hz_init() != 0)
        return 1;
    void *dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(keys_derive_from_seeds, dir),
        cmocka_unit_test_prestate(
            valid_entries_decode_and_encode_to_the_same_bytes, dir),
        cmocka_unit_test_prestate(valid_entries_ids_and_signatures_match, dir),
        cmocka_unit_test_prestate(invalid_entries_meet_their_labelled_fate,
                                  dir),
        cmocka_unit_test_prestate(ed25519_cases_match_libsodium, dir),
        cmocka_unit_test_prestate(state_hash_is_reproduced_in_any_order, dir),
        cmocka_unit_test_prestate(bundles_import_or_are_refused_as_labelled,
                                  dir),
        cmocka_unit_test_prestate(bundle_export_writes_the_vector_bytes, dir),
        cmocka_unit_test_prestate(ingest_steps_give_the_labelled_results, dir),
        cmocka_unit_test_prestate(clock_vectors_match_clock_next, dir),
        cmocka_unit_test_prestate(canonical_values_round_trip, dir),
        cmocka_unit_test_prestate(schema_vector_matches_the_registry, dir),
        cmocka_unit_test_prestate(fork_point_does_not_depend_on_arrival_order,
                                  dir),
        cmocka_unit_test_prestate(certificates_decode_verify_and_derive_ids,
                                  dir),
        cmocka_unit_test_prestate(revocations_decode_verify_and_derive_ids,
                                  dir),
        cmocka_unit_test_prestate(trust_entries_pass_the_content_checks, dir),
        cmocka_unit_test_prestate(join_tokens_open_for_their_subject_only, dir),
        cmocka_unit_test_prestate(refused_trust_objects_are_refused, dir),
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
