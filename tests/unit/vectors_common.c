/* vectors_common.c - the setup every checker of proto/vectors shares
 * (vectors_common.h). */
#include "vectors_common.h"

#include "core/codec.h"
#include "core/identity.h"
#include "core/schema.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *vectors_dir(int argc, char **argv, const char *program)
{
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: %s PROTO_VECTORS_DIR [TEST_NAME_FILTER]\n",
                program);
        return NULL;
    }
    if (argc == 3)
        cmocka_set_test_filter(argv[2]);
    if (hz_init() != 0)
        return NULL;
    return argv[1];
}

/* ---- reading the files */

json_t *load(void **state, const char *file)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", (const char *)*state, file);
    json_error_t jerr;
    json_t *j = json_load_file(path, 0, &jerr);
    if (j == NULL)
        fail_msg("%s: %s", path, jerr.text);
    return j;
}

const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    if (s == NULL)
        fail_msg("no string %s", key);
    return s;
}

json_int_t num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_integer(v))
        fail_msg("no integer %s", key);
    return json_integer_value(v);
}

bool boolean(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    if (!json_is_boolean(v))
        fail_msg("no boolean %s", key);
    return json_is_true(v);
}

void json_text_equal(hz_node *n, const json_t *want,
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

const json_t *doc_key(const json_t *doc, const char *name, struct identity *id)
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
        return k;
    }
    fail_msg("no key %s", name);
    return NULL;
}

void assert_refused(const json_t *j, int rv, const struct hz_err *err)
{
    if (rv == 0)
        fail_msg("%s is accepted", str(j, "name"));
    if (strcmp(hz_errname(rv), str(j, "code")) != 0)
        fail_msg("%s: %s, not %s (%s)", str(j, "name"), hz_errname(rv),
                 str(j, "code"), err->msg);
}

/* ---- live sync */

void vside_load(const json_t *j, struct vside *s)
{
    unhex_fixed(str(j, "seed"), s->seed, 32);
    crypto_sign_seed_keypair(s->pk, s->sk, s->seed);
    assert_hex(str(j, "key"), s->pk, 32);
    const char *chain = str(j, "chain");
    size_t len = strlen(chain) / 2;
    assert_true(len <= sizeof s->chain);
    unhex_fixed(chain, s->chain, len);
    unhex_fixed(str(j, "share_seed"), s->share, 32);
    s->self = (struct hs_self){s->pk, s->sk, s->chain, len};
}

/* ---- bytes */

struct bytes unhex(const char *s)
{
    struct bytes b = {malloc(strlen(s) / 2 + 1), strlen(s) / 2};
    assert_non_null(b.p);
    assert_int_equal(strlen(s) % 2, 0);
    assert_int_equal(hex_decode(s, b.p, b.len), 0);
    return b;
}

void unhex_fixed(const char *s, uint8_t *out, size_t len)
{
    assert_int_equal(strlen(s), 2 * len);
    assert_int_equal(hex_decode(s, out, len), 0);
}

void assert_hex(const char *want, const void *p, size_t len)
{
    char *got = malloc(2 * len + 1);
    assert_non_null(got);
    hex_encode(p, len, got);
    assert_string_equal(got, want);
    free(got);
}

/* ---- nodes */

uint64_t world_now(void *data)
{
    return ((struct world *)data)->now_ms;
}

void world_random(void *data, void *buf, size_t len)
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

hz_node *memory_node(struct world *w, uint8_t seed_byte, uint64_t now_ms)
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

int64_t count_rows(hz_node *n, const char *table)
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

void state_hash(hz_node *n, char *out)
{
    struct hz_err err = {0};
    assert_int_equal(hz_node_state_hash(n, out, &err), 0);
}

/* Take in one entry inside its own transaction. */
int ingest_one(hz_node *n, const struct bytes *b, enum ingest_result *res,
               struct hz_err *why)
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

/* ---- files */

char *temp_dir(void)
{
    char *d = strdup("/tmp/hz_vectors_XXXXXX");
    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

void remove_tree(const char *dir)
{
    char cmd[4200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

void write_file(const char *path, const struct bytes *b)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->p, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
}

struct bytes read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    struct bytes b = {malloc(1 << 20), 0};
    assert_non_null(b.p);
    b.len = fread(b.p, 1, 1 << 20, f);
    fclose(f);
    return b;
}

/* ---- values from their JSON description */

void *arena_take(struct arena *a, void *p)
{
    assert_non_null(p);
    assert_true(a->n < sizeof a->v / sizeof a->v[0]);
    a->v[a->n++] = p;
    return p;
}

void arena_free(struct arena *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->v[i]);
    a->n = 0;
}

void value_from_json(const json_t *j, struct value *v, struct arena *a)
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

/* ---- bundle.json's exporter */

hz_node *exporter_node(const json_t *j, struct world *w)
{
    /* The full bundle's entries, from its frames. */
    struct bytes b = unhex(str(j, "bundle"));
    hz_node *n = memory_node(w, 0x01, (uint64_t)num(j, "created_ms"));
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
    free(b.p);
    return n;
}
