/* gen_vectors.c - write the proto/ test vectors from the code itself.
 *
 *   gen_vectors OUT_DIR
 *
 * Every vector is made by the library it describes: valid entries by
 * in-memory nodes writing through hz_batch / hz_node_commit and moving
 * entries with store_relay_each / store_relay_ingest; invalid ones by signing
 * crafted bytes with entry_sign or by hand. Everything is deterministic: fixed
 * Ed25519 seeds, fixed wall clocks, fixed row ids and a splitmix64 PRNG
 * behind struct hz_env, and a deterministic randombytes implementation for
 * what libsodium draws itself (det_rng), so two runs write identical files. CI
 * checks that (unit.vectors_fresh) instead of rewriting proto/vectors.
 *
 * Before writing, the generator checks its own claims against the code:
 * every valid entry decodes, re-encodes and verifies; every invalid entry
 * meets the fate it is labelled with; the state hash equals BLAKE2b of the
 * bytes written out as its input. The files are described in
 * proto/README.md ("Test vectors"). */
#include "core/body.h"
#include "core/clock.h"
#include "core/codec.h"
#include "core/cert.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/limits.h"
#include "core/schema.h"
#include "core/token.h"
#include "core/trust.h"
#include "store/state/render.h"
#include "store/internal.h"
#include "huzhu/trust.h"

#include <jansson.h>
#include <sodium.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* 2024-06-01T00:00:00Z: the wall clock of the well-set nodes. */
#define T0_MS UINT64_C(1717200000000)
/* A Raspberry Pi without a real-time clock, 90 s after it booted. */
#define T1970_MS UINT64_C(90000)

/* ---- failing loudly: a generator that cannot prove a vector stops */

static void die(const char *fmt, ...) HZ_PRINTF(1, 2);

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_vectors: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void check(int rv, const struct hz_err *err, const char *what)
{
    if (rv != 0)
        die("%s: %s (%s)", what, err != NULL ? err->msg : "", hz_errname(rv));
}

/* ---- bytes */

struct blob {
    uint8_t *p;
    size_t len;
};

static struct blob blob_copy(const void *p, size_t len)
{
    struct blob b = {malloc(len ? len : 1), len};
    if (b.p == NULL)
        die("out of memory");
    memcpy(b.p, p, len);
    return b;
}

/* @b's bytes and one more. */
static struct blob blob_plus_byte(const struct blob *b, uint8_t last)
{
    struct blob out = {malloc(b->len + 1), b->len + 1};
    if (out.p == NULL)
        die("out of memory");
    memcpy(out.p, b->p, b->len);
    out.p[b->len] = last;
    return out;
}

static struct blob blob_of_enc(const struct enc *e)
{
    if (enc_done(e) != 0)
        die("out of memory");
    return blob_copy(enc_data(e), enc_len(e));
}

static json_t *hex_json(const void *p, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (s == NULL)
        die("out of memory");
    hex_encode(p, len, s);
    json_t *j = json_string(s);
    free(s);
    return j;
}

static void hex_in(const char *s, uint8_t *out, size_t len)
{
    if (hex_decode(s, out, len) != 0)
        die("bad hex %s", s);
}

/* ---- a deterministic world: virtual wall clock, splitmix64 PRNG */

struct genv {
    uint64_t now_ms;
    uint64_t rng;
    struct hz_env env;
};

static uint64_t genv_now(void *data)
{
    return ((struct genv *)data)->now_ms;
}

static uint64_t splitmix(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static void genv_random(void *data, void *buf, size_t len)
{
    struct genv *g = data;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)splitmix(&g->rng);
}

/* ---- libsodium's own randomness, made reproducible
 *
 * Two calls draw from randombytes inside libsodium, out of reach of
 * struct hz_env: crypto_box_seal (its ephemeral key) and
 * crypto_secretstream_xchacha20poly1305_init_push (its header). main()
 * installs this generator with randombytes_set_implementation, the hook
 * libsodium documents for it, before libsodium initialises. Each draw is
 * randombytes_buf_deterministic under the seed with the draw counter
 * folded into its first 8 bytes. A writer that draws starts from a seed
 * named after it (det_rng_reset), so what one file draws never moves
 * another file's bytes. */

static struct {
    uint8_t seed[randombytes_SEEDBYTES];
    uint64_t draws;
} det_rng;

static const char *det_rng_name(void)
{
    return "gen_vectors deterministic";
}

static void det_rng_buf(void *buf, size_t len)
{
    uint8_t key[randombytes_SEEDBYTES];
    memcpy(key, det_rng.seed, sizeof key);
    for (size_t i = 0; i < 8; i++)
        key[i] ^= (uint8_t)(det_rng.draws >> (8 * i));
    det_rng.draws++;
    randombytes_buf_deterministic(buf, len, key);
}

static uint32_t det_rng_random(void)
{
    uint32_t v;
    det_rng_buf(&v, sizeof v);
    return v;
}

static void det_rng_stir(void)
{
}

/* Not const: randombytes_set_implementation takes a mutable pointer. */
static randombytes_implementation det_rng_impl = {
    .implementation_name = det_rng_name,
    .random = det_rng_random,
    .stir = det_rng_stir,
    .buf = det_rng_buf,
};

/* Start the draws over from a seed named @label. */
static void det_rng_reset(const char *label)
{
    crypto_generichash(det_rng.seed, sizeof det_rng.seed,
                       (const uint8_t *)label, strlen(label), NULL, 0);
    det_rng.draws = 0;
}

/* One author: a key from a fixed seed, an in-memory node, its own clock. */
struct author {
    const char *name;
    uint8_t seed[32];
    struct identity id;
    struct genv g;
    hz_node *node;
};

static void author_open(struct author *a, const char *name, uint8_t seed_byte,
                        uint64_t now_ms)
{
    struct hz_err err = {0};
    a->name = name;
    memset(a->seed, seed_byte, sizeof a->seed);
    identity_from_seed(&a->id, a->seed);
    a->g.now_ms = now_ms;
    a->g.rng = seed_byte;
    a->g.env = (struct hz_env){&a->g, genv_now, genv_random};
    check(
        node_open_memory(a->seed, schema_current(), &a->g.env, &a->node, &err),
        &err, "open node");
}

static void author_close(struct author *a)
{
    hz_node_close(a->node);
    identity_close(&a->id);
}

/* ---- entries held by a node */

struct list {
    struct blob *v;
    size_t n, cap;
};

static void list_add(struct list *l, struct blob b)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
        if (l->v == NULL)
            die("out of memory");
    }
    l->v[l->n++] = b;
}

static void list_free(struct list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].p);
    free(l->v);
    memset(l, 0, sizeof *l);
}

static int collect_cb(void *data, const uint8_t *p, size_t len)
{
    list_add(data, blob_copy(p, len));
    return 0;
}

static void node_entries(hz_node *n, struct list *out)
{
    struct hz_err err = {0};
    check(store_relay_each(n, collect_cb, out, &err), &err, "store_relay_each");
}

static void decode_or_die(struct entry *e, const struct blob *b)
{
    struct hz_err err = {0};
    check(entry_decode(e, b->p, b->len, &err), &err, "entry_decode");
}

/* Every entry @from holds, into @to (duplicates are fine). */
static void sync_to(struct author *from, struct author *to)
{
    struct list l = {0};
    node_entries(from->node, &l);
    const uint8_t **p = calloc(l.n + 1, sizeof *p);
    size_t *len = calloc(l.n + 1, sizeof *len);
    if (p == NULL || len == NULL)
        die("out of memory");
    for (size_t i = 0; i < l.n; i++) {
        p[i] = l.v[i].p;
        len[i] = l.v[i].len;
    }
    struct hz_ingest_stats st = {0};
    struct hz_err err = {0};
    check(store_relay_ingest(to->node, l.n, p, len, &st, &err), &err, "ingest");
    if (st.refused != 0)
        die("sync %s -> %s refused %llu", from->name, to->name,
            (unsigned long long)st.refused);
    free(p);
    free(len);
    list_free(&l);
}

/* ---- named entries of the scenario */

#define NAMED_MAX 64

struct named {
    char name[32];
    const char *author;
    const char *desc;
    struct blob b;
};

struct gen {
    const char *dir;
    struct named named[NAMED_MAX];
    size_t n_named;
    struct enc scratch;
};

static const struct named *find_named(const struct gen *g, const char *name)
{
    for (size_t i = 0; i < g->n_named; i++) {
        if (strcmp(g->named[i].name, name) == 0)
            return &g->named[i];
    }
    die("no entry named %s", name);
    return NULL;
}

#define PUT(b, table, id, ...)                                                 \
    put_fields(b, table, id, (const struct hz_field[]){__VA_ARGS__},           \
               N(((const struct hz_field[]){__VA_ARGS__})))

static void put_fields(hz_batch *b, const char *table, const char *id,
                       const struct hz_field *f, size_t n)
{
    struct hz_err err = {0};
    check(hz_batch_put(b, table, id, n, f, NULL, &err), &err, table);
}

static hz_batch *batch(struct author *a)
{
    hz_batch *b;
    struct hz_err err = {0};
    check(hz_batch_open(a->node, &b, &err), &err, "batch");
    return b;
}

/* Commit @b as one entry of @a and keep it under @name. */
static void commit(struct gen *g, struct author *a, hz_batch *b,
                   const char *name, const char *desc)
{
    struct hz_err err = {0};
    size_t n_entries = 0;
    check(hz_node_commit(a->node, b, &n_entries, &err), &err, name);
    hz_batch_close(b);
    if (n_entries != 1)
        die("%s: %zu entries", name, n_entries);
    struct list l = {0};
    node_entries(a->node, &l);
    size_t best = SIZE_MAX;
    uint64_t best_seq = 0;
    for (size_t i = 0; i < l.n; i++) {
        struct entry e;
        decode_or_die(&e, &l.v[i]);
        if (memcmp(e.author, a->id.pk, HZ_KEY_LEN) == 0 && e.seq > best_seq) {
            best = i;
            best_seq = e.seq;
        }
    }
    if (best == SIZE_MAX || g->n_named == NAMED_MAX)
        die("%s: no entry", name);
    struct named *nm = &g->named[g->n_named++];
    snprintf(nm->name, sizeof nm->name, "%s", name);
    nm->author = a->name;
    nm->desc = desc;
    nm->b = blob_copy(l.v[best].p, l.v[best].len);
    list_free(&l);
}

/* ---- describing entries as JSON */

static json_t *value_json(const struct value *v)
{
    json_t *a = json_array();
    switch (v->type) {
    case VALUE_NIL:
        json_array_append_new(a, json_string("nil"));
        json_array_append_new(a, json_null());
        break;
    case VALUE_BOOL:
        json_array_append_new(a, json_string("bool"));
        json_array_append_new(a, json_boolean(v->b));
        break;
    case VALUE_INT:
        json_array_append_new(a, json_string("int"));
        json_array_append_new(a, json_integer((json_int_t)v->i));
        break;
    case VALUE_REAL:
        json_array_append_new(a, json_string("real"));
        json_array_append_new(a, json_real(v->r));
        break;
    case VALUE_STR:
        json_array_append_new(a, json_string("str"));
        json_array_append_new(a, json_stringn((const char *)v->s.p, v->s.len));
        break;
    case VALUE_BIN:
        json_array_append_new(a, json_string("bin"));
        json_array_append_new(a, hex_json(v->s.p, v->s.len));
        break;
    }
    return a;
}

static json_t *ids_json(const uint8_t *const *ids, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, hex_json(ids[i], HZ_HASH_LEN));
    return a;
}

static json_t *body_json(const struct body *b)
{
    static const char *const kinds[] = {"set", "del", "ins"};
    json_t *ops = json_array();
    for (size_t i = 0; i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        json_t *j = json_object();
        json_object_set_new(j, "kind", json_string(kinds[o->kind]));
        json_object_set_new(j, "table", json_string(o->table->name));
        json_object_set_new(j, "row", hex_json(o->row, HZ_ROW_LEN));
        if (o->kind == OP_DEL) {
            json_object_set_new(j, "seen", ids_json(o->seen, o->n_seen));
        } else {
            json_t *fs = json_array();
            for (size_t k = 0; k < o->n_fields; k++) {
                const struct field *f = &o->fields[k];
                json_t *fj = json_object();
                json_object_set_new(fj, "column",
                                    json_string(o->table->cols[f->col].name));
                json_object_set_new(fj, "value", value_json(&f->val));
                if (o->kind == OP_SET)
                    json_object_set_new(fj, "heads",
                                        ids_json(f->heads, f->n_heads));
                json_array_append_new(fs, fj);
            }
            json_object_set_new(j, "fields", fs);
        }
        json_array_append_new(ops, j);
    }
    json_t *j = json_object();
    json_object_set_new(j, "schema_version",
                        json_integer((json_int_t)b->schema_version));
    json_object_set_new(j, "ops", ops);
    return j;
}

/* TAG || [version, network, author, seq, prev, clock, body]: written out
 * here from proto/entry.md, and checked against the id the code computed. */
static void signing_input(const struct entry *e, struct enc *out)
{
    enc_reset(out);
    enc_raw(out, HZ_ENTRY_TAG, strlen(HZ_ENTRY_TAG));
    enc_array(out, 7);
    enc_uint(out, e->version);
    enc_bin(out, e->network, HZ_NET_LEN);
    enc_bin(out, e->author, HZ_KEY_LEN);
    enc_uint(out, e->seq);
    enc_bin(out, e->prev, HZ_HASH_LEN);
    enc_uint(out, e->clock);
    enc_bin(out, e->body.p, e->body.len);
}

/* A valid entry, fully described; checks it both ways on the way. */
static json_t *entry_json(struct gen *g, const char *name, const char *author,
                          const char *desc, const struct blob *b)
{
    struct entry e;
    decode_or_die(&e, b);
    struct hz_err err = {0};
    check(entry_verify(&e, &err), &err, name);
    struct enc tmp;
    enc_init(&tmp);
    check(entry_encode(&e, &tmp), NULL, name);
    if (enc_len(&tmp) != b->len || memcmp(enc_data(&tmp), b->p, b->len) != 0)
        die("%s: re-encoding differs", name);
    signing_input(&e, &g->scratch);
    uint8_t id[HZ_HASH_LEN];
    crypto_generichash(id, sizeof id, enc_data(&g->scratch),
                       enc_len(&g->scratch), NULL, 0);
    if (memcmp(id, e.id, HZ_HASH_LEN) != 0)
        die("%s: id differs", name);

    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    if (author != NULL)
        json_object_set_new(j, "author_name", json_string(author));
    if (desc != NULL)
        json_object_set_new(j, "description", json_string(desc));
    json_object_set_new(j, "entry", hex_json(b->p, b->len));
    json_object_set_new(j, "signing_input",
                        hex_json(enc_data(&g->scratch), enc_len(&g->scratch)));
    json_object_set_new(j, "id", hex_json(e.id, HZ_HASH_LEN));
    json_t *env = json_object();
    json_object_set_new(env, "version", json_integer((json_int_t)e.version));
    json_object_set_new(env, "network", hex_json(e.network, HZ_NET_LEN));
    json_object_set_new(env, "author", hex_json(e.author, HZ_KEY_LEN));
    json_object_set_new(env, "seq", json_integer((json_int_t)e.seq));
    json_object_set_new(env, "prev", hex_json(e.prev, HZ_HASH_LEN));
    json_object_set_new(env, "clock", json_integer((json_int_t)e.clock));
    json_object_set_new(env, "clock_ms",
                        json_integer((json_int_t)clock_ms(e.clock)));
    json_object_set_new(env, "clock_counter",
                        json_integer((json_int_t)(e.clock & 0xffffu)));
    json_object_set_new(env, "body", hex_json(e.body.p, e.body.len));
    json_object_set_new(env, "sig", hex_json(e.sig, HZ_SIG_LEN));
    json_object_set_new(j, "envelope", env);

    struct body body;
    check(body_decode(&body, schema_current(), e.body.p, e.body.len, &err),
          &err, name);
    enc_reset(&tmp);
    check(body_encode(&body, &tmp), NULL, name);
    if (enc_len(&tmp) != e.body.len ||
        memcmp(enc_data(&tmp), e.body.p, e.body.len) != 0)
        die("%s: body re-encoding differs", name);
    json_object_set_new(j, "body", body_json(&body));
    body_close(&body);
    enc_close(&tmp);
    return j;
}

/* ---- output */

static void write_json(const struct gen *g, const char *file, json_t *root)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", g->dir, file);
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    FILE *f = fopen(path, "w");
    if (text == NULL || f == NULL)
        die("write %s", path);
    fputs(text, f);
    fputc('\n', f);
    if (fclose(f) != 0)
        die("write %s", path);
    free(text);
    json_decref(root);
}

static json_t *file_root(const char *description)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("huzhu vectors 1"));
    json_object_set_new(root, "description", json_string(description));
    return root;
}

/* ---- the authors' scenario: valid entries and the state they make */

#define H1 "10000000000000000000000000000001"
#define P1 "20000000000000000000000000000001"
#define P2 "20000000000000000000000000000002"
#define S1 "30000000000000000000000000000001"
#define I1 "40000000000000000000000000000001"
#define ST1 "50000000000000000000000000000001"
#define ST2 "50000000000000000000000000000002"
#define M1 "60000000000000000000000000000001"
#define M2 "60000000000000000000000000000002"
#define M3 "60000000000000000000000000000003"
#define W1 "70000000000000000000000000000001"

/* Unix seconds of T0, for event times. */
#define T0_S "1717200000"

static void scenario(struct gen *g, struct author *a, struct author *b,
                     struct author *c)
{
    hz_batch *x;

    /* 1. A registers a household and two of its members in one action. */
    x = batch(a);
    PUT(x, "households", H1, {"head_name", "测试甲"}, {"village", "测试村"},
        {"members", "3"}, {"status", "home"}, {"grid", "一组"});
    PUT(x, "persons", P1, {"name", "测试乙"}, {"household", H1},
        {"birth_year", "1950"}, {"elderly_mobility", "true"},
        {"sex", "female"});
    PUT(x, "persons", P2, {"name", "测试丙"}, {"household", H1},
        {"birth_year", "2015"}, {"no_caretaker", "false"});
    commit(g, a, x, "A1",
           "seq 1: three set ops in one entry (a household and two "
           "members), new rows, so no heads");

    /* 2. A registers a shelter (a real and a bool) and a supply item. */
    x = batch(a);
    PUT(x, "sites", S1, {"name", "测试安置点"}, {"kind", "shelter"},
        {"capacity", "200"}, {"area_m2", "120.5"}, {"open", "true"});
    PUT(x, "items", I1, {"name", "测试棉被"}, {"unit", "条"},
        {"category", "bedding"});
    commit(g, a, x, "A2",
           "seq 2: prev is the id of A1; a float64 value (area_m2) and a "
           "bool");
    sync_to(a, b);
    sync_to(a, c);

    /* 3. A and B edit the household at the same wall time, neither having
     * seen the other: equal clocks, so the author key decides. */
    a->g.now_ms = T0_MS + 5000;
    b->g.now_ms = T0_MS + 5000;
    x = batch(b);
    PUT(x, "households", H1, {"members", "5"}, {"grid", "二组"});
    commit(g, b, x, "B1",
           "set with heads: members and grid each name A1, the write B "
           "had seen");
    x = batch(a);
    PUT(x, "households", H1, {"members", "4"}, {"grid", "一组东"});
    commit(g, a, x, "A3",
           "concurrent with B1: same heads, same clock; the higher author "
           "key wins grid");

    /* 4. Events on both sides of the partition. */
    a->g.now_ms = T0_MS + 10000;
    b->g.now_ms = T0_MS + 10000;
    x = batch(a);
    PUT(x, "stays", ST1, {"person", P1}, {"site", S1}, {"kind", "in"},
        {"time", T0_S});
    commit(g, a, x, "A4", "ins into stays: a check-in");
    x = batch(a);
    PUT(x, "stock_moves", M3, {"item", I1}, {"site", S1},
        {"kind", "distributed"}, {"qty", "-10"}, {"household", H1},
        {"time", "1717200100"});
    commit(g, a, x, "A5", "ins into stock_moves: 10 handed out at A");
    x = batch(a);
    PUT(x, "warnings", W1, {"household", H1}, {"method", "door"},
        {"notice", "测试通知：请转移"}, {"by", "测试丁"},
        {"time", "1717200200"});
    commit(g, a, x, "A6", "ins into warnings");
    x = batch(a);
    PUT(x, "stays", ST2, {"person", P2}, {"site", S1}, {"kind", "in"},
        {"time", "1717200060"});
    commit(g, a, x, "A7",
           "ins into stays, row id reused by B4 with other content");
    x = batch(b);
    PUT(x, "stock_moves", M1, {"item", I1}, {"site", S1}, {"kind", "received"},
        {"qty", "100"}, {"reference", "测试单据-001"}, {"time", "1717200050"});
    commit(g, b, x, "B2", "ins into stock_moves: 100 received");
    x = batch(b);
    PUT(x, "stock_moves", M2, {"item", I1}, {"site", S1},
        {"kind", "distributed"}, {"qty", "-10"}, {"household", H1},
        {"time", "1717200100"});
    commit(g, b, x, "B3",
           "ins into stock_moves: 10 more handed out at B (20 gone in all)");
    x = batch(b);
    PUT(x, "stays", ST2, {"person", P2}, {"site", S1}, {"kind", "in"},
        {"time", "1717200120"});
    commit(g, b, x, "B4",
           "same row id as A7, other content: the insert with the lower "
           "entry id is the row");
    sync_to(a, b);
    sync_to(b, a);
    sync_to(a, c);

    /* 5. C boots in 1970 with everything, and settles members. Its clock
     * is decades behind, yet its write names both heads and wins. */
    x = batch(c);
    PUT(x, "households", H1, {"members", "6"});
    commit(g, c, x, "C1",
           "clock in 1970, causally after A3 and B1 (heads name both): "
           "wins members");

    /* 6. B edits a person while C deletes her, neither seeing the other. */
    b->g.now_ms = T0_MS + 20000;
    x = batch(b);
    PUT(x, "persons", P1, {"condition", "missing"});
    commit(g, b, x, "B5", "set of a field never written before: no heads");
    x = batch(c);
    struct hz_err err = {0};
    check(hz_batch_del(x, "persons", P1, &err), &err, "del");
    commit(g, c, x, "C2",
           "del with seen: the heads of the row C had seen (A1); B5 is "
           "unseen, a delete-vs-edit conflict");

    /* 7. A clears a field: an empty value is nil. */
    a->g.now_ms = T0_MS + 30000;
    x = batch(a);
    PUT(x, "households", H1, {"village", ""});
    commit(g, a, x, "A8", "set to nil: the field is cleared");

    sync_to(a, b);
    sync_to(b, c);
    sync_to(c, a);
    sync_to(a, b);
}

/* ---- crafted entries */

static const uint8_t placeholder_net[HZ_NET_LEN] = "huzhu-no-network";
static const uint8_t other_net[HZ_NET_LEN] = "another-network!";

/* Sign @body as an entry of @id with the given envelope fields. */
static struct blob craft(const struct identity *id, uint64_t version,
                         const uint8_t *net, uint64_t seq, const uint8_t *prev,
                         uint64_t clock, const struct blob *body,
                         struct entry *out)
{
    struct entry e = {0};
    e.version = version;
    memcpy(e.network, net, HZ_NET_LEN);
    memcpy(e.author, id->pk, HZ_KEY_LEN);
    e.seq = seq;
    if (prev != NULL)
        memcpy(e.prev, prev, HZ_HASH_LEN);
    e.clock = clock;
    e.body = (struct hz_bytes){body->p, body->len};
    struct enc o;
    enc_init(&o);
    check(entry_sign(&e, id->sk, &o), NULL, "sign");
    struct blob b = blob_of_enc(&o);
    enc_close(&o);
    if (out != NULL)
        *out = e;
    return b;
}

static struct blob encode_entry(const struct entry *e)
{
    struct enc o;
    enc_init(&o);
    check(entry_encode(e, &o), NULL, "encode");
    struct blob b = blob_of_enc(&o);
    enc_close(&o);
    return b;
}

/* Envelope encodings that are not canonical. */
enum tweak {
    TWEAK_SEQ_UINT16,    /* seq 1 as cd 00 01 */
    TWEAK_CLOCK_FLOAT32, /* clock as ca ... */
    TWEAK_MAP,           /* {0: version, 1: network, ...} */
    TWEAK_BODY_INLINE,   /* the body array itself instead of bin */
    TWEAK_AUTHOR_STR,    /* author as str32 instead of bin32 */
    TWEAK_ARRAY16,       /* the envelope array header as dc 00 08 */
    TWEAK_BIN16_SIG,     /* sig as c5 00 40 instead of c4 40 */
};

static struct blob envelope_tweak(const struct entry *e, enum tweak t)
{
    struct enc o;
    enc_init(&o);
    if (t == TWEAK_MAP)
        enc_raw(&o, "\x88", 1);
    else if (t == TWEAK_ARRAY16)
        enc_raw(&o, "\xdc\x00\x08", 3);
    else
        enc_array(&o, 8);
    for (unsigned i = 0; i < 8; i++) {
        if (t == TWEAK_MAP)
            enc_uint(&o, i);
        switch (i) {
        case 0:
            enc_uint(&o, e->version);
            break;
        case 1:
            enc_bin(&o, e->network, HZ_NET_LEN);
            break;
        case 2:
            if (t == TWEAK_AUTHOR_STR) {
                enc_raw(&o, "\xd9\x20", 2);
                enc_raw(&o, e->author, HZ_KEY_LEN);
            } else {
                enc_bin(&o, e->author, HZ_KEY_LEN);
            }
            break;
        case 3:
            if (t == TWEAK_SEQ_UINT16) {
                uint8_t w[3] = {0xcd, (uint8_t)(e->seq >> 8), (uint8_t)e->seq};
                enc_raw(&o, w, 3);
            } else {
                enc_uint(&o, e->seq);
            }
            break;
        case 4:
            enc_bin(&o, e->prev, HZ_HASH_LEN);
            break;
        case 5:
            if (t == TWEAK_CLOCK_FLOAT32) {
                /* 1.0f: a float where an unsigned int belongs */
                enc_raw(&o, "\xca\x3f\x80\x00\x00", 5);
            } else {
                enc_uint(&o, e->clock);
            }
            break;
        case 6:
            if (t == TWEAK_BODY_INLINE)
                enc_raw(&o, e->body.p, e->body.len);
            else
                enc_bin(&o, e->body.p, e->body.len);
            break;
        case 7:
            if (t == TWEAK_BIN16_SIG) {
                enc_raw(&o, "\xc5\x00\x40", 3);
                enc_raw(&o, e->sig, HZ_SIG_LEN);
            } else {
                enc_bin(&o, e->sig, HZ_SIG_LEN);
            }
            break;
        }
    }
    struct blob b = blob_of_enc(&o);
    enc_close(&o);
    return b;
}

/* Body building blocks: [schema_version, [op...]] written field by field,
 * so that a vector can be wrong in exactly one place. */
static void body_head(struct enc *b, uint64_t version, size_t n_ops)
{
    enc_reset(b);
    enc_array(b, 2);
    enc_uint(b, version);
    enc_array(b, n_ops);
}

static void op_head(struct enc *b, unsigned kind, const char *table,
                    const char *row_hex, size_t n_items)
{
    uint8_t row[HZ_ROW_LEN];
    hex_in(row_hex, row, HZ_ROW_LEN);
    enc_array(b, 4);
    enc_uint(b, kind);
    enc_cstr(b, table);
    enc_bin(b, row, HZ_ROW_LEN);
    enc_array(b, n_items);
}

/* [col, <value written by the caller>, []] starts here. */
static void set_field(struct enc *b, const char *col)
{
    enc_array(b, 3);
    enc_cstr(b, col);
}

static void no_heads(struct enc *b)
{
    enc_array(b, 0);
}

static void ins_field(struct enc *b, const char *col)
{
    enc_array(b, 2);
    enc_cstr(b, col);
}

static void bin_hex(struct enc *b, const char *hex)
{
    uint8_t v[HZ_ROW_LEN];
    hex_in(hex, v, HZ_ROW_LEN);
    enc_bin(b, v, HZ_ROW_LEN);
}

/* A minimal valid check-in, with one column swapped by the caller. */
static void stay_fields(struct enc *b, const char *skip, const char *kind)
{
    if (strcmp(skip, "kind") != 0) {
        ins_field(b, "kind");
        enc_cstr(b, kind);
    }
    if (strcmp(skip, "person") != 0) {
        ins_field(b, "person");
        bin_hex(b, P1);
    }
    if (strcmp(skip, "site") != 0) {
        ins_field(b, "site");
        bin_hex(b, S1);
    }
    if (strcmp(skip, "time") != 0) {
        ins_field(b, "time");
        enc_int(b, 1717200000);
    }
}

/* ---- Ed25519 by hand (for signatures libsodium must refuse) */

static const uint8_t ed_L[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10};
/* The neutral element (0, 1) and the point (0, -1) of order 2. */
static const uint8_t ed_identity[32] = {1};
static const uint8_t ed_order2[32] = {
    0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};

static void sc_from_hash(uint8_t out[32], const void *p, size_t len)
{
    uint8_t h[64];
    crypto_hash_sha512(h, p, len);
    crypto_core_ed25519_scalar_reduce(out, h);
}

/* h = SHA-512(R || A || M) mod L */
static void hram(uint8_t out[32], const uint8_t *r, const uint8_t *a,
                 const uint8_t *m, size_t m_len)
{
    crypto_hash_sha512_state st;
    uint8_t h[64];
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, r, 32);
    crypto_hash_sha512_update(&st, a, 32);
    crypto_hash_sha512_update(&st, m, m_len);
    crypto_hash_sha512_final(&st, h);
    crypto_core_ed25519_scalar_reduce(out, h);
}

/* The secret scalar of a libsodium key pair, reduced mod L. */
static void secret_scalar(const struct identity *id, uint8_t a[32])
{
    uint8_t wide[64] = {0};
    crypto_sign_ed25519_sk_to_curve25519(wide, id->sk); /* clamped */
    crypto_core_ed25519_scalar_reduce(a, wide);
}

static void add_L(uint8_t s[32])
{
    unsigned carry = 0;
    for (size_t i = 0; i < 32; i++) {
        unsigned v = s[i] + ed_L[i] + carry;
        s[i] = (uint8_t)v;
        carry = v >> 8;
    }
}

/* ---- invalid entries */

struct fate {
    const char *name;
    const char *verdict; /* refused, rejected, held */
    const char *code;    /* the HZ_E name huzhu reports */
    const char *reason;
    struct blob b;
};

/* What a fresh node does with @b alone: the refusal code, or the
 * verdict it stores. */
static void expect_fate(const struct fate *f, const struct identity *recv)
{
    struct genv g = {T0_MS, 99, {0}};
    g.env = (struct hz_env){&g, genv_now, genv_random};
    uint8_t seed[32];
    memset(seed, 0x09, sizeof seed);
    (void)recv;
    hz_node *n;
    struct hz_err err = {0};
    check(node_open_memory(seed, schema_current(), &g.env, &n, &err), &err,
          "open");
    check(txn_begin(n, &err), &err, "begin");
    enum ingest_result res = INGEST_DUPLICATE;
    struct hz_err why = {0};
    int rv = ingest_entry(n, f->b.p, f->b.len, &res, &why);
    const char *got = NULL, *code = NULL;
    if (rv != 0) {
        got = "refused";
        code = hz_errname(rv);
    } else if (res == INGEST_REJECTED) {
        got = "rejected";
    } else if (res == INGEST_HELD) {
        got = "held";
    } else if (res == INGEST_APPLIED) {
        got = "applied";
    } else {
        got = "other";
    }
    if (strcmp(got, f->verdict) != 0)
        die("%s: expected %s, got %s (%s)", f->name, f->verdict, got,
            rv ? why.msg : "");
    if (rv == 0 && res == INGEST_REJECTED) {
        /* The reason the body fails, by its code. */
        struct entry e;
        decode_or_die(&e, &f->b);
        struct body body;
        uint64_t version;
        int brv = body_peek_version(e.body.p, e.body.len, &version, &why);
        if (brv == 0)
            brv = body_decode(&body, schema_current(), e.body.p, e.body.len,
                              &why);
        if (brv == 0)
            die("%s: body decodes", f->name);
        code = hz_errname(brv);
    }
    if (code != NULL && strcmp(code, f->code) != 0)
        die("%s: expected %s, got %s (%s)", f->name, f->code, code, why.msg);
    txn_rollback(n);
    hz_node_close(n);
}

#define FATES_MAX 64

struct fates {
    struct fate v[FATES_MAX];
    size_t n;
};

static void fate_add(struct fates *fs, const char *name, const char *verdict,
                     const char *code, const char *reason, struct blob b)
{
    if (fs->n == FATES_MAX)
        die("too many invalid vectors");
    fs->v[fs->n++] = (struct fate){name, verdict, code, reason, b};
}

/* An entry of @id at seq 1 around the body in @b. */
static struct blob with_body(const struct identity *id, struct enc *b)
{
    struct blob body = blob_of_enc(b);
    struct blob out =
        craft(id, 1, placeholder_net, 1, NULL, T0_MS << 16, &body, NULL);
    free(body.p);
    return out;
}

/* A valid body: households H1 members = 3. */
static struct blob good_body(struct enc *b)
{
    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    return blob_of_enc(b);
}

static void transport_fates(struct fates *fs, const struct identity *d,
                            struct enc *b)
{
    struct blob body = good_body(b);
    struct entry e;
    struct blob ok =
        craft(d, 1, placeholder_net, 1, NULL, T0_MS << 16, &body, &e);

    fate_add(fs, "envelope_seq_uint16", "refused", "HZ_EMALFORMED",
             "seq 1 written as uint16 (cd 00 01): integers take their "
             "shortest form",
             envelope_tweak(&e, TWEAK_SEQ_UINT16));
    fate_add(fs, "envelope_array16", "refused", "HZ_EMALFORMED",
             "the envelope array header written as array16 (dc 00 08) "
             "instead of fixarray (98)",
             envelope_tweak(&e, TWEAK_ARRAY16));
    fate_add(fs, "envelope_sig_bin16", "refused", "HZ_EMALFORMED",
             "the signature written as bin16 (c5 00 40) instead of bin8",
             envelope_tweak(&e, TWEAK_BIN16_SIG));
    fate_add(fs, "envelope_clock_float32", "refused", "HZ_EMALFORMED",
             "the clock written as a float32: it must be an unsigned int",
             envelope_tweak(&e, TWEAK_CLOCK_FLOAT32));
    fate_add(fs, "envelope_map", "refused", "HZ_EMALFORMED",
             "the envelope as a map {0: version, 1: network, ...} instead "
             "of an array",
             envelope_tweak(&e, TWEAK_MAP));
    fate_add(fs, "envelope_body_inline", "refused", "HZ_EMALFORMED",
             "the body array placed inline instead of as bin bytes",
             envelope_tweak(&e, TWEAK_BODY_INLINE));
    fate_add(fs, "envelope_author_str", "refused", "HZ_EMALFORMED",
             "the author key as str instead of bin",
             envelope_tweak(&e, TWEAK_AUTHOR_STR));

    struct blob trailing = blob_plus_byte(&ok, 0xc0);
    fate_add(fs, "envelope_trailing_byte", "refused", "HZ_EMALFORMED",
             "a valid entry followed by one more byte (c0)", trailing);

    struct entry bad = e;
    bad.sig[10] ^= 0x01;
    fate_add(fs, "bad_signature", "refused", "HZ_EBADSIG",
             "one bit of the signature flipped", encode_entry(&bad));

    /* A bit inside the body that keeps the msgpack valid: the last byte of
     * the body is the value 3 in members (a positive fixint). */
    struct blob flipped = blob_copy(ok.p, ok.len);
    size_t at = ok.len - HZ_SIG_LEN - 2 /* c4 40 */ - 2;
    if (flipped.p[at] != 0x03)
        die("flipped bit: unexpected layout");
    flipped.p[at] ^= 0x04;
    fate_add(fs, "flipped_body_bit", "refused", "HZ_EBADSIG",
             "one bit flipped inside the body (members 3 becomes 7): still "
             "valid msgpack, but the signature no longer verifies",
             flipped);

    fate_add(fs, "wrong_network", "refused", "HZ_ENETWORK",
             "signed for another network id (\"another-network!\")",
             craft(d, 1, other_net, 1, NULL, T0_MS << 16, &body, NULL));
    fate_add(fs, "seq_zero", "refused", "HZ_EMALFORMED",
             "seq 0: sequence numbers start at 1",
             craft(d, 1, placeholder_net, 0, NULL, T0_MS << 16, &body, NULL));
    uint8_t prev[HZ_HASH_LEN];
    memset(prev, 0xab, sizeof prev);
    fate_add(fs, "seq1_with_prev", "refused", "HZ_EMALFORMED",
             "seq 1 with a non-zero previous hash",
             craft(d, 1, placeholder_net, 1, prev, T0_MS << 16, &body, NULL));
    fate_add(fs, "envelope_version_2", "refused", "HZ_EVERSION",
             "envelope version 2: format 1 is the only envelope",
             craft(d, 2, placeholder_net, 1, NULL, T0_MS << 16, &body, NULL));
    fate_add(
        fs, "clock_over_int64", "refused", "HZ_EMALFORMED",
        "clock 2^63: clocks are at most 2^63-1",
        craft(d, 1, placeholder_net, 1, NULL, UINT64_C(1) << 63, &body, NULL));

    /* Ed25519 rules of libsodium 1.0.18 (proto/entry.md, "Signature"). */
    struct entry s = e;
    add_L(s.sig + 32);
    fate_add(fs, "sig_s_not_reduced", "refused", "HZ_EBADSIG",
             "S + L in place of S: the same point equation holds, but S "
             "must be below L",
             encode_entry(&s));

    struct entry r = e;
    uint8_t a[32], h[32];
    secret_scalar(d, a);
    memcpy(r.sig, ed_identity, 32);
    signing_input(&r, b);
    hram(h, r.sig, r.author, enc_data(b), enc_len(b));
    crypto_core_ed25519_scalar_mul(r.sig + 32, h, a);
    fate_add(fs, "sig_r_small_order", "refused", "HZ_EBADSIG",
             "R is the neutral element (small order) and S = h*a: the "
             "cofactorless equation holds, but R must not have small order",
             encode_entry(&r));

    struct entry k = e;
    memcpy(k.author, ed_identity, 32);
    uint8_t nonce[32];
    sc_from_hash(nonce, "huzhu vectors: small-order key", 30);
    check(crypto_scalarmult_ed25519_base_noclamp(k.sig, nonce), NULL, "R");
    memcpy(k.sig + 32, nonce, 32);
    fate_add(fs, "author_small_order", "refused", "HZ_EBADSIG",
             "the author key is the neutral element (small order); R = "
             "[S]B satisfies the equation for any message, so such keys "
             "are refused",
             encode_entry(&k));
    free(body.p);
    free(ok.p);
}

static void content_fates(struct fates *fs, const struct identity *d,
                          struct enc *b)
{
    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    /* schema version 1 as uint8: patch the second byte */
    struct blob wide = blob_of_enc(b);
    struct enc w;
    enc_init(&w);
    enc_raw(&w, "\x92\xcc\x01", 3);
    enc_raw(&w, wide.p + 2, wide.len - 2);
    free(wide.p);
    fate_add(fs, "body_int_uint8", "rejected", "HZ_EMALFORMED",
             "the body's schema version 1 written as uint8 (cc 01)",
             with_body(d, &w));
    enc_close(&w);

    body_head(b, 1, 1);
    op_head(b, 0, "sites", S1, 1);
    set_field(b, "area_m2");
    enc_raw(b, "\xca\x42\xf1\x00\x00", 5); /* 120.5f */
    no_heads(b);
    fate_add(fs, "body_float32", "rejected", "HZ_EMALFORMED",
             "a real written as float32 (ca 42 f1 00 00): reals are float64",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "sites", S1, 1);
    set_field(b, "area_m2");
    enc_raw(b, "\xcb\x80\x00\x00\x00\x00\x00\x00\x00", 9);
    no_heads(b);
    fate_add(fs, "body_negative_zero", "rejected", "HZ_EMALFORMED",
             "a real -0.0: written as 0.0, so -0.0 is not canonical",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "sites", S1, 1);
    set_field(b, "area_m2");
    enc_raw(b, "\xcb\x7f\xf8\x00\x00\x00\x00\x00\x00", 9);
    no_heads(b);
    fate_add(fs, "body_nan", "rejected", "HZ_EMALFORMED",
             "a real NaN: reals are finite", with_body(d, b));

    body_head(b, 1, 1);
    enc_raw(b, "\x84", 1); /* the op as a map */
    enc_uint(b, 0);
    enc_uint(b, 0);
    enc_uint(b, 1);
    enc_cstr(b, "households");
    enc_uint(b, 2);
    bin_hex(b, H1);
    enc_uint(b, 3);
    enc_array(b, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_map", "rejected", "HZ_EMALFORMED",
             "an op written as a map instead of an array", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "village");
    enc_str(b, "\xe6\xb5\x8b\xe8\xaf", 5); /* 测 then a cut character */
    no_heads(b);
    fate_add(fs, "body_bad_utf8", "rejected", "HZ_EMALFORMED",
             "a text value that is not valid UTF-8 (a cut 3-byte sequence)",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "village");
    enc_str(b, "\xed\xa0\x80", 3); /* U+D800 */
    no_heads(b);
    fate_add(fs, "body_utf8_surrogate", "rejected", "HZ_EMALFORMED",
             "a text value holding the surrogate U+D800 (ed a0 80)",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 2);
    set_field(b, "status");
    enc_cstr(b, "home");
    no_heads(b);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_unsorted_columns", "rejected", "HZ_EMALFORMED",
             "columns status then members: columns are sorted by wire name",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 2);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    set_field(b, "members");
    enc_int(b, 4);
    no_heads(b);
    fate_add(fs, "body_duplicate_column", "rejected", "HZ_EMALFORMED",
             "one column set twice in one op", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    enc_array(b, 2);
    uint8_t hi[HZ_HASH_LEN], lo[HZ_HASH_LEN];
    memset(hi, 0x22, sizeof hi);
    memset(lo, 0x11, sizeof lo);
    enc_bin(b, hi, HZ_HASH_LEN);
    enc_bin(b, lo, HZ_HASH_LEN);
    fate_add(fs, "body_unsorted_heads", "rejected", "HZ_EMALFORMED",
             "heads 2222.. before 1111..: heads are sorted and unique",
             with_body(d, b));

    body_head(b, 1, 2);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    op_head(b, 1, "households", H1, 0);
    fate_add(fs, "body_two_ops_one_row", "rejected", "HZ_EMALFORMED",
             "a set and a del of the same row in one entry: one op per row",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "shelters_v9", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_unknown_table", "rejected", "HZ_ESCHEMA",
             "table shelters_v9 under schema version 1: stored in the "
             "chain, never applied (content, not transport)",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "roof_color");
    enc_cstr(b, "red");
    no_heads(b);
    fate_add(fs, "body_unknown_column", "rejected", "HZ_ESCHEMA",
             "column roof_color does not exist in households v1",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "status");
    enc_cstr(b, "on_the_moon");
    no_heads(b);
    fate_add(fs, "body_unknown_enum", "rejected", "HZ_ESCHEMA",
             "status on_the_moon is not a v1 enum value", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 101);
    no_heads(b);
    fate_add(fs, "body_out_of_range", "rejected", "HZ_EVALUE",
             "members 101: the range is 0..100", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_cstr(b, "3");
    no_heads(b);
    fate_add(fs, "body_wrong_type", "rejected", "HZ_EVALUE",
             "members as the text \"3\": an int column takes an int",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_uint(b, UINT64_C(1) << 63);
    no_heads(b);
    fate_add(fs, "body_int_over_int64", "rejected", "HZ_EVALUE",
             "an integer 2^63 (cf ...): values are signed 64-bit",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stays", ST1, 4);
    ins_field(b, "kind");
    enc_cstr(b, "in");
    ins_field(b, "note");
    enc_cstr(b, "测试");
    ins_field(b, "site");
    bin_hex(b, S1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_event_missing_required", "rejected", "HZ_EVALUE",
             "a check-in without its required person", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stays", ST1, 5);
    ins_field(b, "kind");
    enc_cstr(b, "in");
    ins_field(b, "note");
    enc_nil(b);
    ins_field(b, "person");
    bin_hex(b, P1);
    ins_field(b, "site");
    bin_hex(b, S1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_nil_in_event", "rejected", "HZ_EVALUE",
             "an event column written as nil: events leave absent columns "
             "out",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 0, "stays", ST1, 1);
    set_field(b, "kind");
    enc_cstr(b, "in");
    no_heads(b);
    fate_add(fs, "body_set_on_event_table", "rejected", "HZ_ESCHEMA",
             "a set op on the event table stays: events are only inserted",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "households", H1, 1);
    ins_field(b, "members");
    enc_int(b, 3);
    fate_add(fs, "body_ins_on_entity_table", "rejected", "HZ_ESCHEMA",
             "an ins op on the entity table households", with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stays", ST1, 4);
    stay_fields(b, "", "out");
    fate_add(fs, "body_checkout_without_closes", "rejected", "HZ_EVALUE",
             "a check-out (kind out) that does not name the check-in it "
             "closes",
             with_body(d, b));

    body_head(b, 1, 1);
    op_head(b, 2, "stock_moves", M1, 5);
    ins_field(b, "item");
    bin_hex(b, I1);
    ins_field(b, "kind");
    enc_cstr(b, "received");
    ins_field(b, "qty");
    enc_int(b, -5);
    ins_field(b, "site");
    bin_hex(b, S1);
    ins_field(b, "time");
    enc_int(b, 1717200000);
    fate_add(fs, "body_stock_sign", "rejected", "HZ_EVALUE",
             "received with qty -5: incoming kinds take a positive qty",
             with_body(d, b));

    body_head(b, 0, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_schema_version_0", "rejected", "HZ_EMALFORMED",
             "schema version 0: versions start at 1", with_body(d, b));

    body_head(b, 1, 0);
    fate_add(fs, "body_no_ops", "rejected", "HZ_EMALFORMED", "an empty op list",
             with_body(d, b));

    enc_reset(b);
    enc_raw(b, "\xc1\x00", 2);
    fate_add(fs, "body_not_msgpack", "rejected", "HZ_EMALFORMED",
             "body bytes c1 00: not msgpack at all", with_body(d, b));

    body_head(b, 2, 1);
    op_head(b, 0, "shelters_v9", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    fate_add(fs, "body_newer_schema", "held", "",
             "schema version 2 on a version-1 node: stored and relayed, "
             "applied after an upgrade",
             with_body(d, b));
}

static json_t *fates_json(const struct fates *fs)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < fs->n; i++) {
        const struct fate *f = &fs->v[i];
        json_t *j = json_object();
        json_object_set_new(j, "name", json_string(f->name));
        json_object_set_new(j, "verdict", json_string(f->verdict));
        if (f->code[0] != '\0')
            json_object_set_new(j, "code", json_string(f->code));
        json_object_set_new(j, "reason", json_string(f->reason));
        json_object_set_new(j, "entry", hex_json(f->b.p, f->b.len));
        json_array_append_new(arr, j);
    }
    return arr;
}

/* ---- Ed25519 vectors without envelope */

static json_t *sig_case(const char *name, const uint8_t *pk, const uint8_t *m,
                        size_t m_len, const uint8_t *sig, bool valid,
                        const char *rule)
{
    bool got = crypto_sign_verify_detached(sig, m, m_len, pk) == 0;
    if (got != valid)
        die("ed25519 %s: libsodium says %s", name, got ? "valid" : "invalid");
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "public_key", hex_json(pk, 32));
    json_object_set_new(j, "message", hex_json(m, m_len));
    json_object_set_new(j, "signature", hex_json(sig, 64));
    json_object_set_new(j, "valid", json_boolean(valid));
    json_object_set_new(j, "rule", json_string(rule));
    return j;
}

/* An entry from a mixed-order key A = [a]B + T, T of order 2: libsodium
 * 1.0.18 checks neither the subgroup of A nor a cofactor, so a signature
 * whose h is even verifies. A second implementation must accept it. */
static struct blob mixed_order_entry(struct enc *tmp, json_t *sigs)
{
    uint8_t a[32], main_pt[32], pk[32];
    sc_from_hash(a, "huzhu vectors: mixed-order key", 30);
    check(crypto_scalarmult_ed25519_base_noclamp(main_pt, a), NULL, "aB");
    if (crypto_core_ed25519_add(pk, main_pt, ed_order2) != 0)
        die("mixed-order key");
    struct entry e = {0};
    e.version = 1;
    memcpy(e.network, placeholder_net, HZ_NET_LEN);
    memcpy(e.author, pk, 32);
    e.seq = 1;
    e.clock = T0_MS << 16;
    struct enc body;
    enc_init(&body);
    struct blob bb = good_body(&body);
    e.body = (struct hz_bytes){bb.p, bb.len};
    signing_input(&e, tmp);
    for (uint32_t ctr = 0;; ctr++) {
        uint8_t seedbuf[40], r[32], h[32], ha[32];
        memcpy(seedbuf, "huzhu vectors: mixed nonce", 26);
        memcpy(seedbuf + 26, &ctr, sizeof ctr);
        sc_from_hash(r, seedbuf, 30);
        check(crypto_scalarmult_ed25519_base_noclamp(e.sig, r), NULL, "R");
        hram(h, e.sig, pk, enc_data(tmp), enc_len(tmp));
        if (h[0] & 1)
            continue; /* [h]T must vanish: h even */
        crypto_core_ed25519_scalar_mul(ha, h, a);
        crypto_core_ed25519_scalar_add(e.sig + 32, r, ha);
        break;
    }
    json_array_append_new(
        sigs, sig_case("mixed_order_key", pk, enc_data(tmp), enc_len(tmp),
                       e.sig, true,
                       "A = [a]B + T with T of order 2 and h even: "
                       "libsodium 1.0.18 accepts (no subgroup check on A, "
                       "no cofactor in the equation)"));
    /* The same key and message, signed with h odd: [h]T = T != 0. */
    struct entry odd = e;
    for (uint32_t ctr = 1000;; ctr++) {
        uint8_t seedbuf[40], r[32], h[32], ha[32];
        memcpy(seedbuf, "huzhu vectors: mixed nonce", 26);
        memcpy(seedbuf + 26, &ctr, sizeof ctr);
        sc_from_hash(r, seedbuf, 30);
        check(crypto_scalarmult_ed25519_base_noclamp(odd.sig, r), NULL, "R");
        hram(h, odd.sig, pk, enc_data(tmp), enc_len(tmp));
        if (!(h[0] & 1))
            continue;
        crypto_core_ed25519_scalar_mul(ha, h, a);
        crypto_core_ed25519_scalar_add(odd.sig + 32, r, ha);
        break;
    }
    json_array_append_new(
        sigs, sig_case("mixed_order_key_odd_h", pk, enc_data(tmp), enc_len(tmp),
                       odd.sig, false,
                       "the same mixed-order key with h odd: [S]B - [h]A "
                       "= R - T, which is not R (the equation has no "
                       "cofactor)"));
    struct blob out = encode_entry(&e);
    enc_close(&body);
    free(bb.p);
    return out;
}

static void write_ed25519(struct gen *g, const struct fates *fs, json_t *sigs)
{
    /* The plain case and the refused ones, from the invalid entries. */
    static const struct {
        const char *fate;
        bool valid;
        const char *rule;
    } from[] = {
        {"sig_s_not_reduced", false,
         "S (the last 32 bytes, little-endian) must be below L"},
        {"sig_r_small_order", false,
         "R (the first 32 bytes) must not encode a point of small order"},
        {"author_small_order", false,
         "the public key must not encode a point of small order"},
        {"bad_signature", false, "the point equation must hold"},
    };
    for (size_t i = 0; i < N(from); i++) {
        const struct fate *f = NULL;
        for (size_t k = 0; k < fs->n; k++) {
            if (strcmp(fs->v[k].name, from[i].fate) == 0)
                f = &fs->v[k];
        }
        struct entry e;
        decode_or_die(&e, &f->b);
        signing_input(&e, &g->scratch);
        json_array_append_new(sigs, sig_case(from[i].fate, e.author,
                                             enc_data(&g->scratch),
                                             enc_len(&g->scratch), e.sig,
                                             from[i].valid, from[i].rule));
    }
    json_t *root = file_root(
        "Ed25519 signatures as libsodium 1.0.18 crypto_sign_verify_detached "
        "judges them (proto/entry.md, \"Signature\"). message is the "
        "entry's signing input.");
    json_object_set_new(root, "cases", sigs);
    write_json(g, "ed25519.json", root);
}

/* ---- state: the hash input written out row by row */

static json_t *state_tables(hz_node *n, struct enc *in)
{
    const struct schema *s = n->schema;
    json_t *tables = json_object();
    enc_reset(in);
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        char sql[1024];
        query_select_sql(td, sql, sizeof sql - 20);
        strcat(sql, " ORDER BY id");
        sqlite3_stmt *st;
        struct hz_err err = {0};
        check(db_prep(&n->db, sql, &st, &err), &err, "select");
        json_t *rows = json_array();
        while (sqlite3_step(st) == SQLITE_ROW) {
            if (json_array_size(rows) == 0)
                enc_cstr(in, td->name);
            struct value vals[HZ_FIELDS_MAX];
            size_t set = 0;
            for (size_t c = 0; c < td->n_cols; c++) {
                if (db_column_value(&td->cols[c], st, (int)c + 2, &vals[c]) !=
                    0)
                    die("value of %s", td->name);
                set += vals[c].type != VALUE_NIL;
            }
            bool entity = td->kind == TABLE_ENTITY;
            bool deleted = entity && sqlite3_column_int(st, 1) != 0;
            enc_array(in, entity ? 3 : 2);
            enc_bin(in, sqlite3_column_blob(st, 0), HZ_ROW_LEN);
            if (entity)
                enc_bool(in, deleted);
            enc_array(in, set);
            json_t *row = json_object();
            json_object_set_new(
                row, "id", hex_json(sqlite3_column_blob(st, 0), HZ_ROW_LEN));
            if (entity)
                json_object_set_new(row, "deleted", json_boolean(deleted));
            json_t *cols = json_object();
            for (size_t c = 0; c < td->n_cols; c++) {
                if (vals[c].type == VALUE_NIL)
                    continue;
                enc_array(in, 2);
                enc_cstr(in, td->cols[c].name);
                enc_value(in, &vals[c]);
                json_object_set_new(cols, td->cols[c].name,
                                    value_json(&vals[c]));
            }
            json_object_set_new(row, "columns", cols);
            json_array_append_new(rows, row);
        }
        sqlite3_reset(st);
        if (json_array_size(rows) > 0)
            json_object_set_new(tables, td->name, rows);
        else
            json_decref(rows);
    }
    return tables;
}

static json_t *parsed(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (j == NULL)
        die("json: %s", jerr.text);
    return j;
}

static json_t *node_json(hz_node *n,
                         int (*fn)(hz_node *, char **, struct hz_err *))
{
    char *text;
    struct hz_err err = {0};
    check(fn(n, &text, &err), &err, "node json");
    json_t *j = parsed(text);
    hz_free_string(text);
    return j;
}

static json_t *view_json(hz_node *n, const char *view)
{
    char *text;
    struct hz_err err = {0};
    check(hz_node_view(n, view, &text, &err), &err, view);
    json_t *j = parsed(text);
    hz_free_string(text);
    return j;
}

/* The state of @n: hash, its input, tables, conflicts, vector, stock. */
static json_t *state_json(struct gen *g, hz_node *n)
{
    char hash[2 * HZ_HASH_LEN + 1];
    struct hz_err err = {0};
    check(hz_node_state_hash(n, hash, &err), &err, "state hash");
    json_t *tables = state_tables(n, &g->scratch);
    crypto_generichash_state h;
    uint8_t digest[HZ_HASH_LEN];
    char mine[2 * HZ_HASH_LEN + 1];
    crypto_generichash_init(&h, NULL, 0, HZ_HASH_LEN);
    crypto_generichash_update(&h, (const uint8_t *)"huzhu state v1", 14);
    crypto_generichash_update(&h, enc_data(&g->scratch), enc_len(&g->scratch));
    crypto_generichash_final(&h, digest, sizeof digest);
    hex_encode(digest, sizeof digest, mine);
    if (strcmp(mine, hash) != 0)
        die("state hash: %s written out, %s from the node", mine, hash);
    json_t *j = json_object();
    json_object_set_new(j, "state_hash", json_string(hash));
    json_object_set_new(j, "hash_input",
                        hex_json(enc_data(&g->scratch), enc_len(&g->scratch)));
    json_object_set_new(j, "tables", tables);
    json_object_set_new(j, "conflicts", node_json(n, hz_node_conflicts));
    json_object_set_new(j, "vector", node_json(n, hz_node_vector));
    json_object_set_new(j, "stock", view_json(n, "stock"));
    return j;
}

static hz_node *fresh_node(struct genv *g, uint8_t seed_byte)
{
    uint8_t seed[32];
    memset(seed, seed_byte, sizeof seed);
    g->now_ms = T0_MS + 3600000;
    g->rng = seed_byte;
    g->env = (struct hz_env){g, genv_now, genv_random};
    hz_node *n;
    struct hz_err err = {0};
    check(node_open_memory(seed, schema_current(), &g->env, &n, &err), &err,
          "open");
    return n;
}

static void ingest_all(hz_node *n, const struct blob *const *v, size_t count,
                       struct hz_ingest_stats *st)
{
    const uint8_t **p = calloc(count + 1, sizeof *p);
    size_t *len = calloc(count + 1, sizeof *len);
    if (p == NULL || len == NULL)
        die("out of memory");
    for (size_t i = 0; i < count; i++) {
        p[i] = v[i]->p;
        len[i] = v[i]->len;
    }
    struct hz_err err = {0};
    check(store_relay_ingest(n, count, p, len, st, &err), &err, "ingest");
    free(p);
    free(len);
}

static void write_state(struct gen *g, const struct author *au, size_t n_au)
{
    /* Entries in a fixed order: by author name, then seq (the names sort
     * that way: A1 < A2 < ... < B1 < ... < C2). Ingested here in reverse,
     * so most arrive ahead of a gap and wait in pending. */
    const struct blob *order[NAMED_MAX];
    size_t count = g->n_named;
    for (size_t i = 0; i < count; i++)
        order[i] = &g->named[i].b;
    struct genv fg;
    hz_node *n = fresh_node(&fg, 0x09);
    const struct blob *rev[NAMED_MAX];
    for (size_t i = 0; i < count; i++)
        rev[i] = order[count - 1 - i];
    struct hz_ingest_stats st = {0};
    ingest_all(n, rev, count, &st);
    json_t *state = state_json(g, n);

    /* Every author's node holds the same state. */
    const char *want = json_string_value(json_object_get(state, "state_hash"));
    for (size_t i = 0; i < n_au; i++) {
        char hash[2 * HZ_HASH_LEN + 1];
        struct hz_err err = {0};
        check(hz_node_state_hash(au[i].node, hash, &err), &err, "hash");
        if (strcmp(hash, want) != 0)
            die("author %s does not converge", au[i].name);
    }
    hz_node_close(n);

    json_t *root = file_root(
        "A set of entries and the state they make (proto/merge.md, "
        "proto/state-hash.md). Apply the entries in any order; the state "
        "hash must equal state_hash. hash_input is every byte hashed after "
        "the tag \"huzhu state v1\". tables, conflicts, vector and stock "
        "are the same state as a reader sees it.");
    json_t *authors = json_array();
    for (size_t i = 0; i < n_au; i++) {
        json_t *a = json_object();
        json_object_set_new(a, "name", json_string(au[i].name));
        json_object_set_new(a, "seed", hex_json(au[i].seed, 32));
        json_object_set_new(a, "public_key", hex_json(au[i].id.pk, 32));
        json_array_append_new(authors, a);
    }
    json_object_set_new(root, "authors", authors);
    json_t *entries = json_array();
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "name", json_string(g->named[i].name));
        json_object_set_new(e, "description", json_string(g->named[i].desc));
        json_object_set_new(e, "entry",
                            hex_json(g->named[i].b.p, g->named[i].b.len));
        json_array_append_new(entries, e);
    }
    json_object_set_new(root, "entries", entries);
    json_object_update(root, state);
    json_decref(state);
    write_json(g, "state.json", root);
}

/* ---- entries.json: the valid entries, fully described */

static void write_entries(struct gen *g, const struct author *au, size_t n_au,
                          struct blob mixed)
{
    json_t *root = file_root(
        "Valid entries (proto/entry.md): the envelope fields, the body "
        "decoded, the signing input, the entry id and the signature. "
        "Decoding entry and encoding it again must give the same bytes.");
    json_t *keys = json_array();
    for (size_t i = 0; i < n_au; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "name", json_string(au[i].name));
        json_object_set_new(k, "seed", hex_json(au[i].seed, 32));
        json_object_set_new(k, "public_key", hex_json(au[i].id.pk, 32));
        json_array_append_new(keys, k);
    }
    json_object_set_new(root, "keys", keys);
    json_t *arr = json_array();
    static const char *const pick[] = {"A1", "A2", "B1", "A3", "A4", "A5",
                                       "A6", "B2", "C1", "B5", "C2", "A8"};
    for (size_t i = 0; i < N(pick); i++) {
        const struct named *nm = find_named(g, pick[i]);
        json_array_append_new(
            arr, entry_json(g, nm->name, nm->author, nm->desc, &nm->b));
    }
    json_array_append_new(
        arr, entry_json(g, "mixed_order_author", NULL,
                        "an author key of mixed order (see ed25519.json, "
                        "mixed_order_key): valid under libsodium 1.0.18",
                        &mixed));
    json_object_set_new(root, "entries", arr);
    write_json(g, "entries.json", root);
}

/* ---- bundles */

static struct blob export_bundle(struct gen *g, hz_node *n, const char *vector)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/.gen_vectors.bundle", g->dir);
    uint64_t count = 0;
    struct hz_err err = {0};
    check(hz_bundle_export(n, path, vector, &count, &err), &err, "export");
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("read %s", path);
    struct enc e;
    enc_init(&e);
    uint8_t buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        enc_raw(&e, buf, got);
    fclose(f);
    unlink(path);
    struct blob b = blob_of_enc(&e);
    enc_close(&e);
    return b;
}

static json_t *bundle_case(const char *name, const char *verdict,
                           const char *code, const char *reason,
                           const struct blob *b)
{
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "verdict", json_string(verdict));
    if (code != NULL)
        json_object_set_new(j, "code", json_string(code));
    json_object_set_new(j, "reason", json_string(reason));
    json_object_set_new(j, "bundle", hex_json(b->p, b->len));
    return j;
}

/* What importing a bundle into an empty node does with its entries. */
static json_t *import_stats(int applied, int pending)
{
    json_t *j = json_object();
    json_object_set_new(j, "applied", json_integer(applied));
    json_object_set_new(j, "pending", json_integer(pending));
    return j;
}

/* Offset of the trailer frame in a bundle (walking the frames). */
static size_t trailer_at(const struct blob *b)
{
    size_t at = 8;
    for (;;) {
        size_t len = (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
                     (size_t)b->p[at + 2] << 8 | b->p[at + 3];
        if (b->p[at + 4] == 3)
            return at;
        at += 5 + len;
    }
}

static void write_bundles(struct gen *g, struct author *a)
{
    /* A's node when it held A1 and A2: rebuilt from those two entries. */
    struct genv fg;
    hz_node *n = fresh_node(&fg, 0x01);
    const struct blob *two[2] = {&find_named(g, "A1")->b,
                                 &find_named(g, "A2")->b};
    struct hz_ingest_stats st = {0};
    n->writing_own = 1; /* its own entries, as if written here */
    ingest_all(n, two, 2, &st);
    n->writing_own = 0;
    if (st.applied != 2)
        die("bundle node: %llu applied", (unsigned long long)st.applied);
    fg.now_ms = T0_MS + 60000;
    struct blob full = export_bundle(g, n, NULL);

    /* The same node for a peer that holds A1 only. */
    char vector[512];
    char pk[65], id[65];
    struct entry e1;
    decode_or_die(&e1, two[0]);
    hex_encode(a->id.pk, 32, pk);
    hex_encode(e1.id, 32, id);
    snprintf(vector, sizeof vector,
             "{\"network\":\"%s\",\"authors\":[{\"author\":\"%s\","
             "\"seq\":1,\"hash\":\"%s\"}]}",
             "68757a68752d6e6f2d6e6574776f726b", pk, id);
    struct blob delta = export_bundle(g, n, vector);
    json_t *vec_example = node_json(n, hz_node_vector);
    hz_node_close(n);

    json_t *root = file_root(
        "Bundles (proto/bundle.md): magic, frames, header, entries, "
        "trailer with the count and the BLAKE2b-256 digest of every byte "
        "before the trailer frame.");
    json_t *ok = json_array();
    json_t *j = bundle_case("full", "imported", NULL,
                            "every entry of a node holding A1 and A2", &full);
    size_t tr = trailer_at(&full);
    uint8_t digest[HZ_HASH_LEN];
    crypto_generichash(digest, sizeof digest, full.p, tr, NULL, 0);
    json_object_set_new(j, "digest", hex_json(digest, sizeof digest));
    json_object_set_new(j, "count", json_integer(2));
    json_t *ids = json_array();
    json_array_append_new(ids, hex_json(e1.id, 32));
    struct entry e2;
    decode_or_die(&e2, two[1]);
    json_array_append_new(ids, hex_json(e2.id, 32));
    json_object_set_new(j, "entry_ids", ids);
    json_object_set_new(j, "exporter", hex_json(a->id.pk, 32));
    json_object_set_new(j, "created_ms",
                        json_integer((json_int_t)(T0_MS + 60000)));
    json_object_set_new(j, "scope", json_integer(0));
    json_object_set_new(j, "fresh_node", import_stats(2, 0));
    json_array_append_new(ok, j);

    j = bundle_case("delta", "imported", NULL,
                    "what a peer whose vector holds A1 lacks: A2 only", &delta);
    tr = trailer_at(&delta);
    crypto_generichash(digest, sizeof digest, delta.p, tr, NULL, 0);
    json_object_set_new(j, "digest", hex_json(digest, sizeof digest));
    json_object_set_new(j, "count", json_integer(1));
    ids = json_array();
    json_array_append_new(ids, hex_json(e2.id, 32));
    json_object_set_new(j, "entry_ids", ids);
    json_object_set_new(j, "exporter", hex_json(a->id.pk, 32));
    json_object_set_new(j, "created_ms",
                        json_integer((json_int_t)(T0_MS + 60000)));
    json_object_set_new(j, "scope", json_integer(1));
    json_object_set_new(j, "for_vector", parsed(vector));
    json_object_set_new(j, "fresh_node", import_stats(0, 1));
    json_array_append_new(ok, j);

    /* Refused variants of the full bundle. */
    struct blob v;
    tr = trailer_at(&full);
    v = blob_copy(full.p, tr);
    json_array_append_new(ok,
                          bundle_case("no_trailer", "refused", "HZ_EMALFORMED",
                                      "cut before the trailer frame", &v));
    free(v.p);
    v = blob_copy(full.p, full.len);
    v.p[v.len - 1] ^= 0x01;
    json_array_append_new(
        ok, bundle_case("digest_flipped", "refused", "HZ_EMALFORMED",
                        "the last bit of the trailer digest flipped", &v));
    free(v.p);
    v = blob_copy(full.p, full.len);
    /* The trailer payload is [count, digest]: 92 02 c4 20 ... */
    if (v.p[tr + 5] != 0x92 || v.p[tr + 6] != 0x02)
        die("trailer layout");
    v.p[tr + 6] = 0x03;
    json_array_append_new(
        ok,
        bundle_case("count_wrong", "refused", "HZ_EMALFORMED",
                    "the trailer claims 3 entries, the bundle holds 2", &v));
    free(v.p);
    v = blob_copy(full.p, full.len);
    v.p[0] = 'X';
    json_array_append_new(ok,
                          bundle_case("bad_magic", "refused", "HZ_EMALFORMED",
                                      "the magic is XZBUNDLE", &v));
    free(v.p);
    v = blob_copy("", 0);
    json_array_append_new(ok, bundle_case("empty", "refused", "HZ_EMALFORMED",
                                          "a zero-byte file", &v));
    free(v.p);
    v = blob_plus_byte(&full, 0);
    json_array_append_new(ok, bundle_case("trailing_byte", "refused",
                                          "HZ_EMALFORMED",
                                          "one byte after the trailer", &v));
    free(v.p);
    /* An entry byte changed: the digest is recomputed so that only the
     * entry's signature can catch it. */
    v = blob_copy(full.p, full.len);
    size_t first_entry = 8 + 5 +
                         ((size_t)v.p[8] << 24 | (size_t)v.p[9] << 16 |
                          (size_t)v.p[10] << 8 | v.p[11]);
    v.p[first_entry + 5 + 30] ^= 0x01; /* inside the author key */
    crypto_generichash(v.p + v.len - HZ_HASH_LEN, HZ_HASH_LEN, v.p, tr, NULL,
                       0);
    json_array_append_new(
        ok, bundle_case("entry_tampered", "refused", "HZ_EBADSIG",
                        "one bit of the first entry's author flipped and "
                        "the digest recomputed: the entry's signature "
                        "fails",
                        &v));
    free(v.p);
    json_object_set_new(root, "bundles", ok);
    write_json(g, "bundle.json", root);

    json_t *vr = file_root(
        "A vector (proto/bundle.md, \"Vector\"): what a node holds, per "
        "author the highest seq of its contiguous chain and that entry's "
        "id. The output of huzhu vector, accepted verbatim by huzhu bundle "
        "export --for.");
    json_object_set_new(vr, "vector", vec_example);
    json_object_set_new(vr, "text", json_string(vector));
    write_json(g, "vector.json", vr);
    free(full.p);
    free(delta.p);
}

/* ---- ingest: chains, gaps, forks */

struct step {
    const char *entry;  /* name in the local table */
    const char *result; /* applied, duplicate, pending, rejected, held,
                         * stopped, fork */
};

static const char *result_name(enum ingest_result r)
{
    switch (r) {
    case INGEST_APPLIED:
        return "applied";
    case INGEST_DUPLICATE:
        return "duplicate";
    case INGEST_PENDING:
        return "pending";
    case INGEST_REJECTED:
        return "rejected";
    case INGEST_HELD:
        return "held";
    case INGEST_STOPPED:
        return "stopped";
    case INGEST_FORK:
        return "fork";
    case INGEST_DENIED:
        return "denied";
    }
    return "?";
}

static json_t *rows_json(hz_node *n, const char *sql)
{
    json_t *arr = json_array();
    struct hz_err err = {0};
    check(db_rows_json(&n->db, sql, DB_NO_ARGS, arr, &err), &err, sql);
    return arr;
}

struct chain_entry {
    const char *name;
    struct blob b;
};

static const struct blob *chain_find(const struct chain_entry *v, size_t n,
                                     const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].name, name) == 0)
            return &v[i].b;
    }
    die("no chain entry %s", name);
    return NULL;
}

static json_t *ingest_case(struct gen *g, const char *name, const char *desc,
                           const struct chain_entry *v, size_t n_v,
                           const struct step *steps, size_t n_steps)
{
    struct genv fg;
    hz_node *n = fresh_node(&fg, 0x09);
    json_t *js = json_array();
    for (size_t i = 0; i < n_steps; i++) {
        const struct blob *b = chain_find(v, n_v, steps[i].entry);
        struct hz_err err = {0};
        enum ingest_result res;
        check(txn_begin(n, &err), &err, "begin");
        check(ingest_entry(n, b->p, b->len, &res, &err), &err, name);
        check(txn_commit(n, &err), &err, "commit");
        if (strcmp(result_name(res), steps[i].result) != 0)
            die("%s step %zu: %s, expected %s", name, i, result_name(res),
                steps[i].result);
        json_t *s = json_object();
        json_object_set_new(s, "entry", json_string(steps[i].entry));
        json_object_set_new(s, "result", json_string(steps[i].result));
        json_array_append_new(js, s);
    }
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "description", json_string(desc));
    json_object_set_new(j, "steps", js);
    static const char *const verdict[] = {"applied", "rejected", "held",
                                          "stopped"};
    json_t *log = rows_json(n, "SELECT author, seq, id, state FROM log"
                               " ORDER BY author, seq");
    for (size_t i = 0; i < json_array_size(log); i++) {
        json_t *r = json_array_get(log, i);
        json_int_t s = json_integer_value(json_object_get(r, "state"));
        json_object_set_new(r, "verdict", json_string(verdict[s]));
        json_object_del(r, "state");
    }
    json_t *after = json_object();
    json_object_set_new(after, "log", log);
    json_object_set_new(after, "pending",
                        rows_json(n, "SELECT author, seq, id FROM pending"
                                     " ORDER BY author, seq, id"));
    json_object_set_new(after, "forks",
                        rows_json(n, "SELECT author, seq, id, point FROM"
                                     " forks ORDER BY author, seq, id"));
    char hash[2 * HZ_HASH_LEN + 1];
    struct hz_err err = {0};
    check(hz_node_state_hash(n, hash, &err), &err, "hash");
    json_object_set_new(after, "state_hash", json_string(hash));
    json_object_set_new(j, "after", after);
    hz_node_close(n);
    (void)g;
    return j;
}

static struct blob set_body(struct enc *b, const char *row, const char *grid)
{
    body_head(b, 1, 1);
    op_head(b, 0, "households", row, 1);
    set_field(b, "grid");
    enc_str(b, grid, strlen(grid));
    no_heads(b);
    return blob_of_enc(b);
}

static void write_ingest(struct gen *g)
{
    uint8_t seed[32];
    memset(seed, 0x06, sizeof seed);
    struct identity f;
    identity_from_seed(&f, seed);
    struct enc b;
    enc_init(&b);
#define HX "10000000000000000000000000000006"
    struct chain_entry v[8];
    size_t n_v = 0;
    struct entry e;
    uint8_t prev_main[HZ_HASH_LEN], prev_fork[HZ_HASH_LEN];
    const uint64_t c0 = T0_MS << 16;

    struct blob body = set_body(&b, HX, "分支零");
    v[n_v++] = (struct chain_entry){
        "F1", craft(&f, 1, placeholder_net, 1, NULL, c0, &body, &e)};
    memcpy(prev_main, e.id, HZ_HASH_LEN);
    memcpy(prev_fork, e.id, HZ_HASH_LEN);
    free(body.p);
    body = set_body(&b, HX, "分支甲");
    v[n_v++] = (struct chain_entry){
        "F2", craft(&f, 1, placeholder_net, 2, prev_main, c0 + 1, &body, &e)};
    memcpy(prev_main, e.id, HZ_HASH_LEN);
    free(body.p);
    body = set_body(&b, HX, "分支甲二");
    v[n_v++] = (struct chain_entry){
        "F3", craft(&f, 1, placeholder_net, 3, prev_main, c0 + 2, &body, &e)};
    free(body.p);
    body = set_body(&b, HX, "分支乙");
    v[n_v++] = (struct chain_entry){
        "F2x", craft(&f, 1, placeholder_net, 2, prev_fork, c0 + 1, &body, &e)};
    memcpy(prev_fork, e.id, HZ_HASH_LEN);
    free(body.p);
    body = set_body(&b, HX, "分支乙二");
    v[n_v++] = (struct chain_entry){
        "F3x", craft(&f, 1, placeholder_net, 3, prev_fork, c0 + 2, &body, &e)};
    free(body.p);
    /* A content failure in the middle of a chain. */
    body_head(&b, 1, 1);
    op_head(&b, 0, "households", HX, 1);
    set_field(&b, "members");
    enc_int(&b, 500);
    no_heads(&b);
    body = blob_of_enc(&b);
    /* F3 carries on from F2 with a bad value at seq 3 instead: */
    struct entry e2;
    decode_or_die(&e2, chain_find(v, n_v, "F2"));
    v[n_v++] = (struct chain_entry){
        "F3bad", craft(&f, 1, placeholder_net, 3, e2.id, c0 + 2, &body, &e)};
    free(body.p);
    body = set_body(&b, HX, "分支甲三");
    v[n_v++] = (struct chain_entry){
        "F4", craft(&f, 1, placeholder_net, 4, e.id, c0 + 3, &body, NULL)};
    free(body.p);

    json_t *cases = json_array();
    static const struct step gap[] = {
        {"F3", "pending"}, {"F2", "pending"}, {"F1", "applied"}};
    json_array_append_new(
        cases, ingest_case(g, "gap",
                           "entries ahead of a gap wait in pending and are "
                           "applied when the gap closes",
                           v, n_v, gap, N(gap)));
    static const struct step dup[] = {{"F1", "applied"}, {"F1", "duplicate"}};
    json_array_append_new(cases,
                          ingest_case(g, "duplicate", "an entry held already",
                                      v, n_v, dup, N(dup)));
    static const struct step same_seq[] = {{"F1", "applied"},
                                           {"F2", "applied"},
                                           {"F3", "applied"},
                                           {"F2x", "fork"}};
    json_array_append_new(
        cases,
        ingest_case(g, "fork_same_seq",
                    "a second entry at seq 2 whose prev is the held seq 1: "
                    "fork point 2; the held entries at seq >= 2 are "
                    "stopped and taken back",
                    v, n_v, same_seq, N(same_seq)));
    static const struct step prev_differs[] = {{"F1", "applied"},
                                               {"F2", "applied"},
                                               {"F3", "applied"},
                                               {"F3x", "fork"}};
    json_array_append_new(
        cases,
        ingest_case(g, "fork_prev_differs",
                    "an entry at seq 3 whose prev is not the held seq 2: "
                    "it proves another entry at seq 2, so the fork point "
                    "is 2",
                    v, n_v, prev_differs, N(prev_differs)));
    static const struct step next_differs[] = {
        {"F1", "applied"}, {"F2", "applied"}, {"F3x", "fork"}};
    json_array_append_new(
        cases, ingest_case(g, "fork_next_prev_differs",
                           "the next seq (3) with a prev that is not the held "
                           "seq 2: fork point 2",
                           v, n_v, next_differs, N(next_differs)));
    static const struct step after_fork[] = {{"F1", "applied"},
                                             {"F2", "applied"},
                                             {"F2x", "fork"},
                                             {"F3", "stopped"}};
    json_array_append_new(
        cases, ingest_case(g, "after_fork",
                           "an entry linking into the chain past the fork "
                           "point is stored as stopped",
                           v, n_v, after_fork, N(after_fork)));
    static const struct step overtaken[] = {{"F3", "pending"},
                                            {"F3x", "pending"},
                                            {"F1", "applied"},
                                            {"F2", "applied"}};
    json_array_append_new(
        cases,
        ingest_case(g, "pending_overtaken",
                    "two entries wait at seq 3; when the chain reaches them "
                    "one links and the other becomes fork evidence "
                    "(point 2): nothing stays hidden in pending",
                    v, n_v, overtaken, N(overtaken)));
    static const struct step rejected[] = {{"F1", "applied"},
                                           {"F2", "applied"},
                                           {"F3bad", "rejected"},
                                           {"F4", "applied"}};
    json_array_append_new(
        cases,
        ingest_case(g, "rejected_keeps_chain",
                    "a content failure (members 500) is stored in the chain "
                    "as rejected; the next entry links to it and applies",
                    v, n_v, rejected, N(rejected)));

    json_t *root = file_root(
        "Taking in entries one at a time on a fresh node (proto/entry.md, "
        "\"Verdicts\", and proto/merge.md, \"Forks\"): the result of each "
        "step, then what the node stores (log with verdicts, pending, fork "
        "evidence with the fork point it proves) and its state hash.");
    json_t *ents = json_array();
    for (size_t i = 0; i < n_v; i++) {
        json_t *x = json_object();
        json_object_set_new(x, "name", json_string(v[i].name));
        json_object_set_new(x, "entry", hex_json(v[i].b.p, v[i].b.len));
        json_array_append_new(ents, x);
    }
    json_object_set_new(root, "seed", hex_json(seed, 32));
    json_object_set_new(root, "entries", ents);
    json_object_set_new(root, "cases", cases);
    write_json(g, "ingest.json", root);
    for (size_t i = 0; i < n_v; i++)
        free(v[i].b.p);
    enc_close(&b);
    identity_close(&f);
#undef HX
}

/* ---- small things: clock, canonical values, schema */

static void write_clock(struct gen *g)
{
    static const struct {
        uint64_t wall, seen;
        const char *why;
    } cases[] = {
        {T0_MS, 0, "nothing seen: our wall time, counter 0"},
        {T0_MS, T0_MS << 16, "seen our own wall time: the counter moves"},
        {T0_MS, (T0_MS << 16) | 0x1234, "follows the highest clock seen"},
        {T0_MS, (T0_MS - 1000) << 16, "a clock seen in the past: wall time"},
        {T0_MS, (T0_MS + 60000) << 16,
         "a clock one minute ahead: followed (within the skew)"},
        {T0_MS, (T0_MS + 3600000) << 16,
         "a clock one hour ahead: capped at wall + skew, counter 0xffff"},
        {T1970_MS, (T0_MS << 16) | 7,
         "a Pi booted in 1970 that has seen 2024: wall + skew, not 2024"},
        {(UINT64_C(1) << 47) - 1, 0,
         "a wall time at the end of the range: clamped so the clock stays "
         "below 2^63"},
    };
    json_t *arr = json_array();
    for (size_t i = 0; i < N(cases); i++) {
        json_t *j = json_object();
        json_object_set_new(j, "wall_ms",
                            json_integer((json_int_t)cases[i].wall));
        json_object_set_new(j, "seen_max",
                            json_integer((json_int_t)cases[i].seen));
        json_object_set_new(
            j, "next",
            json_integer((json_int_t)clock_next(cases[i].wall, cases[i].seen)));
        json_object_set_new(j, "why", json_string(cases[i].why));
        json_array_append_new(arr, j);
    }
    static const struct {
        uint64_t clock, wall;
    } skew[] = {
        {T0_MS << 16, T0_MS},
        {(T0_MS + HZ_CLOCK_SKEW_MS_MAX) << 16, T0_MS},
        {((T0_MS + HZ_CLOCK_SKEW_MS_MAX + 1) << 16), T0_MS},
        {(T0_MS - HZ_CLOCK_SKEW_MS_MAX - 1) << 16, T0_MS},
        {T1970_MS << 16, T0_MS},
    };
    json_t *sk = json_array();
    for (size_t i = 0; i < N(skew); i++) {
        json_t *j = json_object();
        json_object_set_new(j, "clock",
                            json_integer((json_int_t)skew[i].clock));
        json_object_set_new(j, "wall_ms",
                            json_integer((json_int_t)skew[i].wall));
        json_object_set_new(
            j, "skewed",
            json_boolean(clock_is_skewed(skew[i].clock, skew[i].wall)));
        json_array_append_new(sk, j);
    }
    json_t *root = file_root(
        "The clock (proto/entry.md, \"Clock\"): clock = ms << 16 | counter. "
        "next = clock_next(wall_ms, seen_max); skewed = the entry's "
        "millisecond part is more than skew_ms_max from our wall time.");
    json_object_set_new(root, "skew_ms_max",
                        json_integer((json_int_t)HZ_CLOCK_SKEW_MS_MAX));
    json_object_set_new(root, "next", arr);
    json_object_set_new(root, "skew", sk);
    write_json(g, "clock.json", root);
}

static void write_values(struct gen *g)
{
    static const int64_t ints[] = {
        0,         1,      127,    128,           255,
        256,       65535,  65536,  4294967295,    4294967296,
        INT64_MAX, -1,     -32,    -33,           -128,
        -129,      -32768, -32769, -2147483648LL, -2147483649LL,
        INT64_MIN};
    static const double reals[] = {0.0,   -0.0,  1.0, 1.5,
                                   120.5, -2.25, 0.1, 1e300};
    static const char *const strs[] = {"", "a", "互助",
                                       "0123456789012345678901234567890",
                                       "01234567890123456789012345678901"};
    json_t *arr = json_array();
    struct enc *e = &g->scratch;
    struct value v;
    for (size_t i = 0; i < N(ints); i++) {
        v = (struct value){.type = VALUE_INT, .i = ints[i]};
        enc_reset(e);
        enc_value(e, &v);
        json_t *j = json_object();
        json_object_set_new(j, "value", value_json(&v));
        json_object_set_new(j, "msgpack", hex_json(enc_data(e), enc_len(e)));
        json_array_append_new(arr, j);
    }
    for (size_t i = 0; i < N(reals); i++) {
        v = (struct value){.type = VALUE_REAL, .r = reals[i]};
        enc_reset(e);
        enc_value(e, &v);
        json_t *j = json_object();
        json_object_set_new(j, "value", value_json(&v));
        json_object_set_new(j, "msgpack", hex_json(enc_data(e), enc_len(e)));
        if (i == 1)
            json_object_set_new(j, "note",
                                json_string("-0.0 is written as 0.0"));
        json_array_append_new(arr, j);
    }
    for (size_t i = 0; i < N(strs); i++) {
        v = (struct value){.type = VALUE_STR,
                           .s = {(const uint8_t *)strs[i], strlen(strs[i])}};
        enc_reset(e);
        enc_value(e, &v);
        json_t *j = json_object();
        json_object_set_new(j, "value", value_json(&v));
        json_object_set_new(j, "msgpack", hex_json(enc_data(e), enc_len(e)));
        json_array_append_new(arr, j);
    }
    uint8_t row[HZ_ROW_LEN];
    hex_in(H1, row, HZ_ROW_LEN);
    struct value others[] = {
        {.type = VALUE_NIL},
        {.type = VALUE_BOOL, .b = true},
        {.type = VALUE_BOOL, .b = false},
        {.type = VALUE_BIN, .s = {row, HZ_ROW_LEN}},
    };
    for (size_t i = 0; i < N(others); i++) {
        enc_reset(e);
        enc_value(e, &others[i]);
        json_t *j = json_object();
        json_object_set_new(j, "value", value_json(&others[i]));
        json_object_set_new(j, "msgpack", hex_json(enc_data(e), enc_len(e)));
        json_array_append_new(arr, j);
    }
    static const struct {
        const char *hex, *why;
    } bad[] = {
        {"cc05", "5 as uint8: a positive fixint is shorter"},
        {"cd00ff", "255 as uint16"},
        {"d0ff", "-1 as int8: a negative fixint is shorter"},
        {"d07f", "127 as int8: non-negative integers use the unsigned forms"},
        {"d1ff80", "-128 as int16: int8 is shorter"},
        {"ca3fc00000", "1.5 as float32: reals are float64"},
        {"cb8000000000000000", "-0.0: written as 0.0"},
        {"d90161", "\"a\" as str8: a fixstr is shorter"},
        {"dc0000", "an empty array as array16"},
        {"80", "a map: huzhu never writes maps"},
    };
    json_t *nc = json_array();
    for (size_t i = 0; i < N(bad); i++) {
        json_t *j = json_object();
        json_object_set_new(j, "msgpack", json_string(bad[i].hex));
        json_object_set_new(j, "why", json_string(bad[i].why));
        json_array_append_new(nc, j);
    }
    json_t *root = file_root(
        "Canonical msgpack of single values (proto/entry.md, \"Canonical "
        "msgpack\"), and encodings that are not canonical.");
    json_object_set_new(root, "canonical", arr);
    json_object_set_new(root, "not_canonical", nc);
    write_json(g, "values.json", root);
}

static const char *col_type_name(enum col_type t)
{
    switch (t) {
    case COL_TEXT:
        return "text";
    case COL_INT:
        return "int";
    case COL_REAL:
        return "real";
    case COL_BOOL:
        return "bool";
    case COL_ID:
        return "id";
    case COL_ENUM:
        return "enum";
    }
    return "?";
}

static void write_schema(struct gen *g)
{
    const struct schema *s = schema_current();
    json_t *tables = json_array();
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        json_t *tj = json_object();
        json_object_set_new(tj, "name", json_string(td->name));
        json_object_set_new(
            tj, "kind",
            json_string(td->kind == TABLE_ENTITY ? "entity" : "event"));
        json_object_set_new(tj, "since", json_integer(td->since));
        json_t *cols = json_array();
        for (size_t c = 0; c < td->n_cols; c++) {
            const struct col_def *cd = &td->cols[c];
            json_t *cj = json_object();
            json_object_set_new(cj, "name", json_string(cd->name));
            json_object_set_new(cj, "type",
                                json_string(col_type_name(cd->type)));
            json_object_set_new(cj, "since", json_integer(cd->since));
            json_object_set_new(cj, "required",
                                json_boolean(cd->flags & COL_REQUIRED));
            json_object_set_new(cj, "personal",
                                json_boolean(cd->flags & COL_PERSONAL));
            if (cd->flags & COL_NONNEG)
                json_object_set_new(cj, "nonneg", json_true());
            if (cd->flags & COL_POSITIVE)
                json_object_set_new(cj, "positive", json_true());
            if (cd->type == COL_INT && cd->min < cd->max) {
                json_object_set_new(cj, "min",
                                    json_integer((json_int_t)cd->min));
                json_object_set_new(cj, "max",
                                    json_integer((json_int_t)cd->max));
            }
            if (cd->type == COL_ID)
                json_object_set_new(cj, "ref", json_string(cd->ref_table));
            if (cd->type == COL_ENUM) {
                json_t *ev = json_array();
                for (const struct enum_val *v = cd->values; v->name; v++) {
                    json_t *vj = json_object();
                    json_object_set_new(vj, "name", json_string(v->name));
                    json_object_set_new(vj, "since", json_integer(v->since));
                    json_array_append_new(ev, vj);
                }
                json_object_set_new(cj, "values", ev);
            }
            json_array_append_new(cols, cj);
        }
        json_object_set_new(tj, "columns", cols);
        json_array_append_new(tables, tj);
    }
    json_t *root = file_root(
        "The schema registry of version 1 as data (proto/schema.md): tables "
        "and columns in wire-name order, with types, ranges and enum "
        "values.");
    json_object_set_new(root, "version", json_integer(s->version));
    json_object_set_new(root, "tables", tables);
    write_json(g, "schema-v1.json", root);
}

static void write_invalid(struct gen *g, struct fates *fs)
{
    json_t *root = file_root(
        "Entries a node must not apply (proto/entry.md, \"Verdicts\"). "
        "Each is taken in alone by a fresh node on the placeholder "
        "network. refused: a transport check fails, nothing is stored. "
        "rejected: stored in the author's chain, never applied. held: "
        "stored, applied after an upgrade. code is the error huzhu "
        "reports (for rejected: why the body fails).");
    json_object_set_new(root, "entries", fates_json(fs));
    write_json(g, "invalid.json", root);
}

/* ---- trust (proto/trust.md): certificates of every role, revocations,
 * entries carrying trust operations, join tokens, and objects that must be
 * refused. All of it goes to certs.json. */

enum tkey {
    TK_ROOT,
    TK_DEVICE,
    TK_ADMIN_A,
    TK_COORD,
    TK_SITE,
    TK_ADMIN_B,
    TK_VIEWER,
    TK_OTHER_ROOT,
    TK_N,
};

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

static const uint8_t trust_site[HZ_ROW_LEN] = {0x30, 0, 0, 0, 0, 0, 0, 0,
                                               0,    0, 0, 0, 0, 0, 0, 1};
/* The revoking admin's record of the device's entry at seq 3: any id will
 * do here, verdicts use after_seq only (proto/trust.md, "Revocations"). */
static const uint8_t trust_after_id[HZ_HASH_LEN] = {
    0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3,
    0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3,
    0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0xe3, 0x03};
#define TRUST_NET_NAME "测试救灾网络"

#define TOBJ_MAX 16

struct tgen {
    struct gen *g;
    struct identity k[TK_N];
    uint8_t network[HZ_NET_LEN];
    struct {
        const char *vector;
        enum op_kind kind;
        struct blob b;
    } obj[TOBJ_MAX];
    size_t n_obj;
    uint64_t seq[TK_N]; /* each author's last entry */
    uint8_t prev[TK_N][HZ_HASH_LEN];
};

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

static const struct blob *tobj(const struct tgen *t, const char *vector)
{
    return &t->obj[tobj_at(t, vector)].b;
}

static void tkey_json(json_t *o, const char *field, const struct tgen *t,
                      enum tkey k)
{
    char name[64];
    json_object_set_new(o, field, hex_json(t->k[k].pk, HZ_KEY_LEN));
    snprintf(name, sizeof name, "%s_key", field);
    json_object_set_new(o, name, json_string(tkeys[k].name));
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
static json_t *trust_entry_json(struct tgen *t, const char *name,
                                enum tkey author, const char *desc,
                                const struct blob *raw)
{
    struct entry e;
    decode_or_die(&e, raw);
    struct hz_err err = {0};
    check(entry_verify(&e, &err), &err, name);
    struct enc tmp;
    enc_init(&tmp);
    check(entry_encode(&e, &tmp), NULL, name);
    if (enc_len(&tmp) != raw->len || memcmp(enc_data(&tmp), raw->p, raw->len))
        die("%s: re-encoding differs", name);
    enc_close(&tmp);
    signing_input(&e, &t->g->scratch);
    uint8_t id[HZ_HASH_LEN];
    crypto_generichash(id, sizeof id, enc_data(&t->g->scratch),
                       enc_len(&t->g->scratch), NULL, 0);
    if (memcmp(id, e.id, HZ_HASH_LEN) != 0)
        die("%s: id differs", name);
    json_t *j = json_object();
    json_object_set_new(j, "name", json_string(name));
    json_object_set_new(j, "author_name", json_string(tkeys[author].name));
    json_object_set_new(j, "description", json_string(desc));
    json_object_set_new(j, "entry", hex_json(raw->p, raw->len));
    json_object_set_new(
        j, "signing_input",
        hex_json(enc_data(&t->g->scratch), enc_len(&t->g->scratch)));
    json_object_set_new(j, "id", hex_json(e.id, HZ_HASH_LEN));
    json_t *env = json_object();
    json_object_set_new(env, "version", json_integer((json_int_t)e.version));
    json_object_set_new(env, "network", hex_json(e.network, HZ_NET_LEN));
    json_object_set_new(env, "author", hex_json(e.author, HZ_KEY_LEN));
    json_object_set_new(env, "seq", json_integer((json_int_t)e.seq));
    json_object_set_new(env, "prev", hex_json(e.prev, HZ_HASH_LEN));
    json_object_set_new(env, "clock", json_integer((json_int_t)e.clock));
    json_object_set_new(env, "body", hex_json(e.body.p, e.body.len));
    json_object_set_new(env, "sig", hex_json(e.sig, HZ_SIG_LEN));
    json_object_set_new(j, "envelope", env);
    return j;
}

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
    json_t *j = trust_entry_json(t, s->name, s->author, s->desc, &raw);
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

/* ---- trust objects that must be refused, each wrong in one place */

/* TAG || [fields] signed by @sk; the object is [fields..., sig]. @fields
 * holds the @n fields without an array header. */
static struct blob sign_fields(const char *tag, size_t n,
                               const struct enc *fields, const uint8_t *sk)
{
    struct enc e;
    enc_init(&e);
    enc_raw(&e, tag, strlen(tag));
    enc_array(&e, n);
    enc_raw(&e, enc_data(fields), enc_len(fields));
    uint8_t sig[HZ_SIG_LEN];
    if (enc_done(&e) != 0)
        die("out of memory");
    crypto_sign_detached(sig, NULL, enc_data(&e), enc_len(&e), sk);
    enc_reset(&e);
    enc_array(&e, n + 1);
    enc_raw(&e, enc_data(fields), enc_len(fields));
    enc_bin(&e, sig, HZ_SIG_LEN);
    struct blob b = blob_of_enc(&e);
    enc_close(&e);
    return b;
}

/* A root-signed certificate for the device, written field by field. */
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
    int rv = judge_trust(t, name, kind, &b, &err);
    if (rv == 0)
        die("%s: accepted", name);
    if (strcmp(hz_errname(rv), code) != 0)
        die("%s: expected %s, got %s (%s)", name, code, hz_errname(rv),
            err.msg);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "bytes", hex_json(b.p, b.len));
    json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
    free(b.p);
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

static void write_certs(struct gen *g)
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
    refused_objects(&t, refused);
    refused_bodies(&t, refused);
    refused_add(&t, refused, "token_version_2", "token",
                raw_token(&t, 2, 1, 2, 5), "HZ_EVERSION",
                "token payload version 2");
    refused_add(&t, refused, "token_epochs_out_of_order", "token",
                raw_token(&t, 1, 1, 5, 2), "HZ_EMALFORMED",
                "epochs 5 then 2: epochs ascend");
    refused_add(&t, refused, "token_chain_of_9", "token",
                raw_token(&t, 1, HZ_CHAIN_MAX + 1, 2, 5), "HZ_ETOOBIG",
                "a chain of 9 certificates: at most 8");
    json_object_set_new(doc, "refused", refused);
    write_json(g, "certs.json", doc);
    for (size_t i = 0; i < t.n_obj; i++)
        free(t.obj[i].b.p);
    for (int i = 0; i < TK_N; i++)
        identity_close(&t.k[i]);
}

/* ---- trust-bundles.json: bundle key epochs, sealed bundles and the root
 * key's recovery code and backup file (proto/trust.md, "Bundle key
 * epochs" and "Root key backup"; proto/bundle.md, "Sealed bundles").
 *
 * Everything here is written by real nodes in node directories under a
 * temporary directory, through the product's own calls: network create
 * (with network.key placed first, so the root key is a fixed seed),
 * admit, join, revoke, bundle export and import, recovery-code and
 * backup-key. Node keys come from fixed seeds (the first draw of each
 * node's env), clocks are fixed, and libsodium's own draws come from
 * det_rng, so every byte is reproducible. */

#define TB_NET_NAME "测试封装网络"
#define TB_PASS "测试口令 huzhu vectors"
#define TB_WRONG_PASS "测试口令 huzhu vectorz"

enum sm {
    SM_ROOT,
    SM_R,
    SM_A,
    SM_C,
    SM_V,
    SM_W,
    SM_OTHER_ROOT,
    SM_O,
    SM_RESTORED,
    SM_N,
};

/* Every key of trust-bundles.json comes from 32 copies of one byte, but
 * the root key's: the bytes 0x30, 0x31, ... 0x4f. */
static const struct {
    const char *name;
    const char *device; /* the device's name for people; NULL: a bare key */
    const char *role;   /* as admitted by R; NULL: not admitted */
    uint8_t seed_byte;
} sm[SM_N] = {
    [SM_ROOT] = {"root", NULL, NULL, 0x30},
    [SM_R] = {"node_r", "测试总部", NULL, 0x31},
    [SM_A] = {"admin_a", "测试管理员", "admin", 0x32},
    [SM_C] = {"coordinator_c", "测试协调员", "coordinator", 0x33},
    [SM_V] = {"viewer_v", "测试查看员甲", "viewer", 0x34},
    [SM_W] = {"viewer_w", "测试查看员乙", "viewer", 0x35},
    [SM_OTHER_ROOT] = {"other_root", NULL, NULL, 0x36},
    [SM_O] = {"node_o", "另一网络的节点", NULL, 0x37},
    [SM_RESTORED] = {"restored", "测试新电脑", NULL, 0x38},
};

/* A node in a directory whose key is the seed of @who: the node's first
 * draw from its env is its key (hz_node_create), the rest splitmix64. */
struct dnode {
    struct genv g;
    uint8_t seed[HZ_SEED_LEN];
    bool seed_given;
    hz_node *n;
    char dir[512];
};

static uint64_t dnode_now(void *data)
{
    return ((struct dnode *)data)->g.now_ms;
}

static void dnode_random(void *data, void *buf, size_t len)
{
    struct dnode *d = data;
    if (!d->seed_given) {
        if (len != sizeof d->seed)
            die("node key: a first draw of %zu bytes", len);
        memcpy(buf, d->seed, len);
        d->seed_given = true;
        return;
    }
    genv_random(&d->g, buf, len);
}

static void dnode_open(struct dnode *d, const char *base, const char *sub,
                       enum sm who, uint64_t now_ms)
{
    memset(d, 0, sizeof *d);
    snprintf(d->dir, sizeof d->dir, "%s/%s", base, sub);
    memset(d->seed, sm[who].seed_byte, sizeof d->seed);
    d->g.now_ms = now_ms;
    d->g.rng = sm[who].seed_byte;
    d->g.env = (struct hz_env){d, dnode_now, dnode_random};
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &d->g.env};
    struct hz_err err = {0};
    check(hz_node_create(d->dir, sm[who].device ? sm[who].device : "测试",
                         &opts, &d->n, &err),
          &err, sub);
    struct identity id;
    identity_from_seed(&id, d->seed);
    if (memcmp(id.pk, d->n->id.pk, HZ_KEY_LEN) != 0)
        die("%s: the node key is not its seed's", sub);
    identity_close(&id);
}

static struct blob file_blob(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        die("read %s", path);
    struct enc e;
    enc_init(&e);
    uint8_t buf[4096];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        enc_raw(&e, buf, got);
    fclose(f);
    struct blob b = blob_of_enc(&e);
    enc_close(&e);
    return b;
}

static void file_put(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
        die("write %s", path);
}

static json_t *stats_json(const struct hz_ingest_stats *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "entries", json_integer((json_int_t)s->entries));
    json_object_set_new(o, "applied", json_integer((json_int_t)s->applied));
    json_object_set_new(o, "duplicate", json_integer((json_int_t)s->duplicate));
    json_object_set_new(o, "pending", json_integer((json_int_t)s->pending));
    json_object_set_new(o, "rejected", json_integer((json_int_t)s->rejected));
    json_object_set_new(o, "denied", json_integer((json_int_t)s->denied));
    return o;
}

/* The world of trust-bundles.json. */
struct sworld {
    struct gen *g;
    char base[64];
    struct identity k[SM_N];
    uint8_t network[HZ_NET_LEN];
    uint8_t secret[HZ_SECRET_LEN];
    char *token[SM_N]; /* join tokens R wrote */
    size_t n_tmp;      /* names for scratch files and reader nodes */
};

static void tmp_name(struct sworld *w, const char *what, char *out, size_t len)
{
    snprintf(out, len, "%s/%s%zu", w->base, what, w->n_tmp++);
}

static char *key_hex(const struct sworld *w, enum sm who)
{
    char *s = malloc(2 * HZ_KEY_LEN + 1);
    if (s == NULL)
        die("out of memory");
    hex_encode(w->k[who].pk, HZ_KEY_LEN, s);
    return s;
}

/* R admits @who with its role; the token is kept. */
static void tb_admit(struct sworld *w, struct dnode *r, enum sm who)
{
    char *key = key_hex(w, who);
    struct hz_admission a = {
        .key = key, .name = sm[who].device, .role = sm[who].role};
    struct hz_err err = {0};
    check(hz_admit(r->n, &a, &w->token[who], &err), &err, sm[who].name);
    free(key);
    r->g.now_ms += 60000;
}

/* @d revokes @who (after the last entry it holds of it): the bundle key
 * epoch the revocation writes must be @epoch. */
static void tb_revoke(struct sworld *w, struct dnode *d, enum sm who,
                      json_int_t epoch)
{
    char *key = key_hex(w, who);
    char *summary = NULL;
    struct hz_err err = {0};
    check(hz_revoke(d->n, key, 0, 0, &summary, &err), &err, "revoke");
    json_t *o = parsed(summary);
    if (json_integer_value(json_object_get(o, "bundle_epoch")) != epoch)
        die("revoke %s: bundle epoch %s", sm[who].name, summary);
    json_decref(o);
    hz_free_string(summary);
    free(key);
    d->g.now_ms += 60000;
}

static struct blob tb_export(struct sworld *w, struct dnode *d)
{
    char path[600];
    tmp_name(w, "export", path, sizeof path);
    uint64_t count = 0;
    struct hz_err err = {0};
    check(hz_bundle_export(d->n, path, NULL, &count, &err), &err, "export");
    struct blob b = file_blob(path);
    unlink(path);
    return b;
}

/* The plain bundle inside @sealed, opened by @d (it holds the key). */
static struct blob tb_unseal(struct dnode *d, const struct blob *sealed)
{
    FILE *in = fmemopen(sealed->p, sealed->len, "rb");
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (in == NULL || out == NULL)
        die("unseal: streams");
    struct hz_err err = {0};
    check(unseal_file(d->n, in, out, &err), &err, "unseal");
    fclose(in);
    if (fclose(out) != 0)
        die("unseal: stream");
    struct blob b = blob_copy(buf, len);
    free(buf);
    return b;
}

/* Where things sit in a sealed bundle: proto/bundle.md, "Sealed bundles".
 * The header of a bundle this generator wrote is
 *   95 01 c4 10 <network> c4 10 <key id> <epoch> <carried>
 * and the offsets below are checked against it. */
#define SEAL_AT_VERSION 1u
#define SEAL_AT_KEY_ID 22u
#define SEAL_AT_EPOCH 38u
#define SEAL_CHUNKS_MAX 8

struct seal_layout {
    size_t header_len;
    size_t n_chunks;
    size_t chunk_at[SEAL_CHUNKS_MAX]; /* each chunk's 4-byte length */
    size_t chunk_len[SEAL_CHUNKS_MAX];
};

static size_t be32_at(const struct blob *b, size_t at)
{
    if (at + 4 > b->len)
        die("sealed bundle: cut");
    return (size_t)b->p[at] << 24 | (size_t)b->p[at + 1] << 16 |
           (size_t)b->p[at + 2] << 8 | b->p[at + 3];
}

static void seal_layout(const struct blob *b, const uint8_t *network,
                        struct seal_layout *s)
{
    memset(s, 0, sizeof *s);
    if (b->len < 12 || memcmp(b->p, "HZSEALED", 8) != 0)
        die("not a sealed bundle");
    s->header_len = be32_at(b, 8);
    const uint8_t *h = b->p + 12;
    if (h[0] != 0x95 || h[1] != 0x01 || h[2] != 0xc4 || h[3] != 0x10 ||
        memcmp(h + 4, network, HZ_NET_LEN) != 0 || h[20] != 0xc4 ||
        h[21] != 0x10)
        die("sealed header: not the layout expected");
    size_t at = 12 + s->header_len + 24;
    while (at < b->len) {
        if (s->n_chunks == SEAL_CHUNKS_MAX)
            die("sealed bundle: too many chunks");
        s->chunk_at[s->n_chunks] = at;
        s->chunk_len[s->n_chunks] = be32_at(b, at);
        at += 4 + s->chunk_len[s->n_chunks++];
    }
    if (at != b->len)
        die("sealed bundle: chunks do not fill it");
}

static int64_t count_log(hz_node *n)
{
    sqlite3_stmt *st;
    struct hz_err err = {0};
    check(db_prep(&n->db, "SELECT count(*) FROM log", &st, &err), &err, "log");
    if (sqlite3_step(st) != SQLITE_ROW)
        die("count log");
    int64_t c = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return c;
}

/* A fresh node of @who, joined with the token R wrote for it, imports
 * @b. Returns 0 or the refusal; a refusal must change nothing. */
static int tb_read(struct sworld *w, enum sm who, const struct blob *b,
                   struct hz_ingest_stats *st, struct hz_err *err)
{
    char sub[32], path[600];
    snprintf(sub, sizeof sub, "reader%zu", w->n_tmp++);
    struct dnode d;
    dnode_open(&d, w->base, sub, who, T0_MS + 86400000);
    char *summary = NULL;
    struct hz_err jerr = {0};
    check(hz_join(d.n, w->token[who], &summary, &jerr), &jerr, "join");
    hz_free_string(summary);
    tmp_name(w, "in", path, sizeof path);
    file_put(path, b->p, b->len);
    char before[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    struct hz_err herr = {0};
    check(hz_node_state_hash(d.n, before, &herr), &herr, "state hash");
    int64_t log_before = count_log(d.n);
    memset(st, 0, sizeof *st);
    int rv = hz_bundle_import(d.n, path, st, err);
    check(hz_node_state_hash(d.n, after, &herr), &herr, "state hash");
    if (rv != 0 && (strcmp(before, after) != 0 || count_log(d.n) != log_before))
        die("a refused sealed bundle changed the node");
    hz_node_close(d.n);
    unlink(path);
    return rv;
}

/* BLAKE2b-128(tag || key): a bundle key's id (proto/bundle.md). */
static void tb_key_id(const uint8_t *key, uint8_t *id)
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
    char name[64];
    json_object_set_new(o, field, hex_json(w->k[who].pk, HZ_KEY_LEN));
    snprintf(name, sizeof name, "%s_key", field);
    json_object_set_new(o, name, json_string(sm[who].name));
}

/* The epoch @number that @d's revocation of @revoked just wrote, with
 * the entry carrying it (as hz_revoke writes it: [4, revocation] then
 * [5, epoch]) and its key; each share checked to open for its subject
 * only, to that key. The epoch's bytes go to *@obj. */
static json_t *tb_epoch(struct sworld *w, struct dnode *d, const char *vector,
                        uint64_t number, enum sm revoked,
                        const enum sm *members, size_t n_members,
                        struct blob *obj)
{
    sqlite3_stmt *st;
    struct hz_err err = {0};
    check(db_prep(&d->n->db,
                  "SELECT bytes FROM log WHERE author = ?1"
                  " ORDER BY seq DESC LIMIT 1",
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

/* One sealed bundle of trust-bundles.json: @reader (a fresh node joined
 * with its token) imports it, or refuses it with @code. An imported one
 * is described: its plain bundle (opened by @opener), epoch, key id, the
 * epoch it carries and its chunks. */
static void tb_sealed(struct sworld *w, json_t *a, const char *name,
                      const char *desc, enum sm reader, const struct blob *b,
                      const char *code, struct dnode *opener,
                      const char *carried)
{
    struct hz_ingest_stats st;
    struct hz_err err = {0};
    int rv = tb_read(w, reader, b, &st, &err);
    if (code == NULL && rv != 0)
        die("%s: refused: %s (%s)", name, err.msg, hz_errname(rv));
    if (code != NULL && rv == 0)
        die("%s: imported", name);
    if (code != NULL && strcmp(hz_errname(rv), code) != 0)
        die("%s: expected %s, got %s (%s)", name, code, hz_errname(rv),
            err.msg);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "description", json_string(desc));
    json_object_set_new(o, "reader", json_string(sm[reader].name));
    json_object_set_new(o, "verdict",
                        json_string(code == NULL ? "imported" : "refused"));
    if (code != NULL)
        json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "sealed", hex_json(b->p, b->len));
    if (code == NULL) {
        struct seal_layout s;
        seal_layout(b, w->network, &s);
        struct blob plain = tb_unseal(opener, b);
        json_object_set_new(o, "plain", hex_json(plain.p, plain.len));
        json_object_set_new(o, "plain_len",
                            json_integer((json_int_t)plain.len));
        json_object_set_new(o, "chunks", json_integer((json_int_t)s.n_chunks));
        /* Every chunk but the last holds 65,536 plain bytes. */
        size_t full = 65536 + crypto_secretstream_xchacha20poly1305_ABYTES;
        for (size_t i = 0; i + 1 < s.n_chunks; i++) {
            if (s.chunk_len[i] != full)
                die("%s: chunk %zu of %zu bytes", name, i, s.chunk_len[i]);
        }
        if (s.n_chunks == 0 || s.chunk_len[s.n_chunks - 1] > full)
            die("%s: the last chunk", name);
        json_object_set_new(o, "epoch", json_integer(b->p[12 + SEAL_AT_EPOCH]));
        json_object_set_new(o, "key_id",
                            hex_json(b->p + 12 + SEAL_AT_KEY_ID, 16));
        json_object_set_new(o, "carried",
                            carried ? json_string(carried) : json_null());
        json_object_set_new(o, "import", stats_json(&st));
        free(plain.p);
    }
    json_array_append_new(a, o);
}

static struct blob blob_dup(const struct blob *b)
{
    return blob_copy(b->p, b->len);
}

/* Records with long notes: the plain bundle passes 65,536 bytes, so
 * it is sealed in two chunks. Test text, no one's data. */
static void tb_long_records(struct dnode *d)
{
    char notes[2600];
    size_t at = 0;
    while (at + 6 < sizeof notes) {
        memcpy(notes + at, "测试", 6);
        at += 6;
    }
    notes[at] = '\0';
    for (int e = 0; e < 3; e++) {
        hz_batch *x;
        struct hz_err err = {0};
        check(hz_batch_open(d->n, &x, &err), &err, "batch");
        for (int i = 0; i < 8; i++) {
            char id[33], members[4];
            snprintf(id, sizeof id, "1a0000000000000000000000000000%02x",
                     e * 8 + i);
            snprintf(members, sizeof members, "%d", 1 + i);
            PUT(x, "households", id, {"members", members}, {"notes", notes},
                {"village", "测试村"});
        }
        size_t n = 0;
        check(hz_node_commit(d->n, x, &n, &err), &err, "records");
        hz_batch_close(x);
        d->g.now_ms += 60000;
    }
}

/* A fresh node restores the root key from @path with @pass, or from
 * @code: 0 (the node is then the network's admin, network.key holds the
 * root seed) or the refusal, which leaves the node outside any network
 * and without network.key. */
static int tb_restore(struct sworld *w, const char *path, const char *pass,
                      const char *code, struct hz_err *err)
{
    char sub[32], file[600];
    snprintf(sub, sizeof sub, "restore%zu", w->n_tmp++);
    struct dnode d;
    dnode_open(&d, w->base, sub, SM_RESTORED, T0_MS + 2 * 86400000);
    char *hex = NULL;
    int rv = hz_network_restore(d.n, path, code, pass, NULL, &hex, err);
    snprintf(file, sizeof file, "%s/network.key", d.dir);
    if (rv == 0) {
        struct blob seed = file_blob(file);
        char want[2 * HZ_NET_LEN + 1];
        hex_encode(w->network, HZ_NET_LEN, want);
        if (seed.len != HZ_SEED_LEN ||
            memcmp(seed.p, w->k[SM_ROOT].sk, HZ_SEED_LEN) != 0 || hex == NULL ||
            strcmp(hex, want) != 0 || !d.n->networked)
            die("restore: not the root key");
        free(seed.p);
    } else if (d.n->networked || access(file, F_OK) == 0) {
        die("a refused restore changed the node");
    }
    hz_free_string(hex);
    hz_node_close(d.n);
    return rv;
}

static void tb_code_case(struct sworld *w, json_t *a, const char *name,
                         const char *code, const char *want, const char *reason)
{
    struct hz_err err = {0};
    int rv = tb_restore(w, NULL, NULL, code, &err);
    if (want == NULL && rv != 0)
        die("%s: %s", name, err.msg);
    if (want != NULL && (rv == 0 || strcmp(hz_errname(rv), want) != 0))
        die("%s: %s, not %s", name, rv ? hz_errname(rv) : "accepted", want);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "code", json_string(code));
    if (want != NULL)
        json_object_set_new(o, "error", json_string(want));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
}

static json_t *tb_recovery(struct sworld *w, struct dnode *r)
{
    char *code = NULL;
    struct hz_err err = {0};
    check(hz_network_recovery_code(r->n, &code, &err), &err, "code");
    if (strlen(code) != 55 + 10)
        die("recovery code of %zu characters", strlen(code));
    static const char tag[] = "huzhu recovery code v1";
    uint8_t in[sizeof tag - 1 + HZ_SEED_LEN], check16[16];
    memcpy(in, tag, sizeof tag - 1);
    memcpy(in + sizeof tag - 1, w->k[SM_ROOT].sk, HZ_SEED_LEN);
    crypto_generichash(check16, sizeof check16, in, sizeof in, NULL, 0);
    json_t *o = json_object();
    json_object_set_new(o, "seed", hex_json(w->k[SM_ROOT].sk, HZ_SEED_LEN));
    json_object_set_new(o, "check", hex_json(check16, 2));
    json_object_set_new(o, "code", json_string(code));
    json_t *ok = json_array(), *bad = json_array();
    tb_code_case(w, ok, "as_printed", code, NULL, "the code as printed");
    /* Lower case, no dashes, and the letters read as digits. */
    char loose[80];
    size_t n = 0;
    for (const char *p = code; *p; p++) {
        char c = *p;
        if (c == '-')
            continue;
        c = c == '0' ? 'o' : c == '1' ? (n % 2 ? 'i' : 'l') : c;
        loose[n++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    loose[n] = '\0';
    if (strpbrk(code, "01") == NULL)
        die("the code has no 0 or 1 to write as a letter");
    tb_code_case(w, ok, "lowercase_no_dashes_o_i_l", loose, NULL,
                 "lower case without dashes, 0 written o and 1 written i "
                 "or l");
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    char v[80];
    snprintf(v, sizeof v, "%s", code);
    v[0] = alphabet[(strchr(alphabet, v[0]) - alphabet + 1) % 32];
    tb_code_case(w, bad, "one_wrong_letter", v, "HZ_EINVAL",
                 "the first letter changed: the check does not match");
    snprintf(v, sizeof v, "%.*s", 59, code);
    tb_code_case(w, bad, "short", v, "HZ_EINVAL",
                 "the last group left out: 50 letters");
    snprintf(v, sizeof v, "%s0", code);
    tb_code_case(w, bad, "one_letter_too_many", v, "HZ_EINVAL", "56 letters");
    snprintf(v, sizeof v, "%s", code);
    v[2] = 'U';
    tb_code_case(w, bad, "letter_outside_alphabet", v, "HZ_EINVAL",
                 "a U, which the alphabet leaves out");
    snprintf(v, sizeof v, "%s", code);
    size_t last = strlen(v) - 1;
    v[last] = alphabet[(strchr(alphabet, v[last]) - alphabet) | 1];
    if (v[last] == code[last])
        die("the last letter has its lowest bit set already");
    tb_code_case(w, bad, "padding_bit_set", v, "HZ_EINVAL",
                 "the last letter's lowest bit, past the 272 bits, set");
    json_object_set_new(o, "accepted", ok);
    json_object_set_new(o, "refused", bad);
    hz_free_string(code);
    return o;
}

static void tb_backup_case(struct sworld *w, json_t *a, const char *name,
                           const struct blob *file, const char *pass,
                           const char *want, const char *reason)
{
    char path[600];
    tmp_name(w, "backup", path, sizeof path);
    file_put(path, file->p, file->len);
    struct hz_err err = {0};
    int rv = tb_restore(w, path, pass, NULL, &err);
    if (rv == 0 || strcmp(hz_errname(rv), want) != 0)
        die("%s: %s, not %s", name, rv ? hz_errname(rv) : "accepted", want);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "file", hex_json(file->p, file->len));
    json_object_set_new(o, "passphrase", json_string(pass));
    json_object_set_new(o, "error", json_string(want));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
    unlink(path);
}

static json_t *tb_backup(struct sworld *w, struct dnode *r)
{
    char path[600];
    tmp_name(w, "backup", path, sizeof path);
    struct hz_err err = {0};
    check(hz_network_backup_key(r->n, path, TB_PASS, &err), &err, "backup");
    struct blob file = file_blob(path);
    struct hz_err rerr = {0};
    check(tb_restore(w, path, TB_PASS, NULL, &rerr), &rerr, "restore");
    /* "HZROOT01" 98 01 c4 10 <network> a? <name> c4 10 <salt> ... */
    static const uint8_t head[] = {'H', 'Z', 'R',  'O',  'O',  'T',
                                   '0', '1', 0x98, 0x01, 0xc4, 0x10};
    if (file.len < sizeof head + HZ_NET_LEN ||
        memcmp(file.p, head, sizeof head) != 0 ||
        memcmp(file.p + sizeof head, w->network, HZ_NET_LEN) != 0)
        die("backup: not the layout expected");
    json_t *o = json_object();
    json_object_set_new(o, "passphrase", json_string(TB_PASS));
    json_object_set_new(o, "file", hex_json(file.p, file.len));
    json_object_set_new(o, "opslimit",
                        json_integer(crypto_pwhash_OPSLIMIT_MODERATE));
    json_object_set_new(o, "memlimit",
                        json_integer(crypto_pwhash_MEMLIMIT_MODERATE));
    json_t *bad = json_array();
    tb_backup_case(w, bad, "wrong_passphrase", &file, TB_WRONG_PASS,
                   "HZ_EBADSIG",
                   "the last character of the passphrase "
                   "changed: the box does not open");
    struct blob other = blob_dup(&file);
    cert_network_id(w->k[SM_OTHER_ROOT].pk, other.p + sizeof head);
    tb_backup_case(w, bad, "names_another_network", &other, TB_PASS,
                   "HZ_ECORRUPT",
                   "the network field changed to another network's id: the "
                   "seed opens, but its network id differs");
    free(other.p);
    json_object_set_new(o, "refused", bad);
    free(file.p);
    unlink(path);
    return o;
}

/* Enter the network of root key @root on @d, network.key placed first so
 * that network create takes that seed. */
static void tb_create(struct sworld *w, struct dnode *d, enum sm root,
                      const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/network.key", d->dir);
    file_put(path, w->k[root].sk, HZ_SEED_LEN);
    if (chmod(path, 0600) != 0)
        die("chmod");
    char *hex = NULL;
    struct hz_err err = {0};
    check(hz_network_create(d->n, name, &hex, &err), &err, "network create");
    uint8_t net[HZ_NET_LEN];
    cert_network_id(w->k[root].pk, net);
    char want[2 * HZ_NET_LEN + 1];
    hex_encode(net, HZ_NET_LEN, want);
    if (strcmp(hex, want) != 0)
        die("network create: another network");
    hz_free_string(hex);
    d->g.now_ms += 60000;
}

static json_t *tb_members(const struct sworld *w)
{
    json_t *a = json_array();
    for (int i = 0; i < SM_N; i++) {
        json_t *k = json_object();
        json_object_set_new(k, "name", json_string(sm[i].name));
        json_object_set_new(k, "seed", hex_json(w->k[i].sk, HZ_SEED_LEN));
        json_object_set_new(k, "public_key", hex_json(w->k[i].pk, HZ_KEY_LEN));
        json_object_set_new(
            k, "token", w->token[i] ? json_string(w->token[i]) : json_null());
        json_array_append_new(a, k);
    }
    return a;
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
    if (rv == 0)
        die("%s: accepted", name);
    if (strcmp(hz_errname(rv), code) != 0)
        die("%s: expected %s, got %s (%s)", name, code, hz_errname(rv),
            err.msg);
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "bytes", hex_json(b.p, b.len));
    json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
    free(b.p);
}

/* Epoch objects and an entry that must be refused, each made from epoch
 * 1's fields and wrong in one place. */
static json_t *tb_refused_epochs(const struct sworld *w, const struct blob *ep1)
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

/* The node directories of write_trust_bundles, removed at exit. */
static char tb_tmp[64];

static void tb_cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tb_tmp);
    if (tb_tmp[0] != '\0' && system(cmd) != 0)
        fprintf(stderr, "gen_vectors: could not remove %s\n", tb_tmp);
}

static void write_trust_bundles(struct gen *g)
{
    det_rng_reset("trust-bundles.json");
    struct sworld w = {.g = g};
    snprintf(w.base, sizeof w.base, "/tmp/hz_gen_vectors_XXXXXX");
    if (mkdtemp(w.base) == NULL)
        die("mkdtemp");
    /* die() exits: the node directories go all the same. */
    snprintf(tb_tmp, sizeof tb_tmp, "%s", w.base);
    atexit(tb_cleanup);
    for (int i = 0; i < SM_N; i++) {
        uint8_t seed[HZ_SEED_LEN];
        memset(seed, sm[i].seed_byte, sizeof seed);
        /* The root seed's bytes all differ, so that the recovery code
         * pins the order of bytes and bits. */
        for (size_t k = 0; i == SM_ROOT && k < sizeof seed; k++)
            seed[k] = (uint8_t)(sm[i].seed_byte + k);
        identity_from_seed(&w.k[i], seed);
    }
    cert_network_id(w.k[SM_ROOT].pk, w.network);
    struct hz_err err = {0};

    /* R creates the network: the network secret and epoch 0's key follow
     * from the root seed (trust.md, "Root key backup"; bundle.md). */
    struct dnode r;
    dnode_open(&r, w.base, "node_r", SM_R, T0_MS);
    tb_create(&w, &r, SM_ROOT, TB_NET_NAME);
    static const char secret_tag[] = "huzhu network secret v1";
    crypto_generichash(w.secret, sizeof w.secret, (const uint8_t *)secret_tag,
                       sizeof secret_tag - 1, w.k[SM_ROOT].sk, HZ_SEED_LEN);
    uint8_t held[HZ_SECRET_LEN];
    check(network_secret(r.n, held, &err), &err, "network.secret");
    if (memcmp(held, w.secret, sizeof held) != 0)
        die("network.secret is not BLAKE2b(key = root seed, tag)");
    static const char key_tag[] = "huzhu bundle key v1";
    uint8_t msg[sizeof key_tag - 1 + 8] = {0}, k0[32], k0_id[16];
    memcpy(msg, key_tag, sizeof key_tag - 1);
    crypto_generichash(k0, sizeof k0, msg, sizeof msg, w.secret,
                       sizeof w.secret);
    tb_key_id(k0, k0_id);
    uint8_t cur[32], cur_id[16];
    uint64_t cur_epoch = 1;
    check(seal_key_current(r.n, cur, cur_id, &cur_epoch, &err), &err, "key");
    if (cur_epoch != 0 || memcmp(cur, k0, 32) != 0 ||
        memcmp(cur_id, k0_id, 16) != 0)
        die("epoch 0's key is not the one bundle.md derives");

    /* R admits A (admin), C (coordinator) and V (viewer); its bundles are
     * sealed with epoch 0's key. */
    tb_admit(&w, &r, SM_A);
    tb_admit(&w, &r, SM_C);
    tb_admit(&w, &r, SM_V);
    struct blob e0 = tb_export(&w, &r);
    /* R revokes V: epoch 1, signed by the root key, shared with R, A and
     * C; its bundles carry the epoch. */
    static const enum sm epoch1_members[] = {SM_R, SM_A, SM_C};
    static const enum sm epoch2_members[] = {SM_R, SM_A, SM_C};
    tb_revoke(&w, &r, SM_V, 1);
    struct blob ep1, ep2;
    json_t *epochs = json_array();
    json_array_append_new(epochs,
                          tb_epoch(&w, &r, "epoch1_by_root", 1, SM_V,
                                   epoch1_members, N(epoch1_members), &ep1));
    struct blob e1 = tb_export(&w, &r);
    /* W, admitted after, gets epoch 1's key in its token. */
    tb_admit(&w, &r, SM_W);
    struct blob full = tb_export(&w, &r);

    /* A joins, takes R's log in from a sealed bundle (its share of epoch 1
     * is in the header) and revokes W: epoch 2, signed by A's node key. */
    struct dnode a;
    dnode_open(&a, w.base, "node_a", SM_A, T0_MS + 3600000);
    char *summary = NULL;
    check(hz_join(a.n, w.token[SM_A], &summary, &err), &err, "join");
    hz_free_string(summary);
    char path[600];
    tmp_name(&w, "in", path, sizeof path);
    file_put(path, full.p, full.len);
    struct hz_ingest_stats st = {0};
    check(hz_bundle_import(a.n, path, &st, &err), &err, "A imports");
    if (st.applied != st.entries)
        die("A applies %llu of %llu", (unsigned long long)st.applied,
            (unsigned long long)st.entries);
    unlink(path);
    a.g.now_ms += 60000;
    tb_revoke(&w, &a, SM_W, 2);
    json_array_append_new(epochs,
                          tb_epoch(&w, &a, "epoch2_by_admin", 2, SM_W,
                                   epoch2_members, N(epoch2_members), &ep2));
    struct blob e2 = tb_export(&w, &a);
    tb_long_records(&a);
    struct blob big = tb_export(&w, &a);

    /* Another network's node. */
    struct dnode o;
    dnode_open(&o, w.base, "node_o", SM_O, T0_MS);
    tb_create(&w, &o, SM_OTHER_ROOT, "另一个测试网络");
    struct blob other = tb_export(&w, &o);

    json_t *sealed = json_array();
    tb_sealed(&w, sealed, "epoch0",
              "R's bundle after admitting A, C and V: "
              "epoch 0, its key derived from the network secret; carried nil",
              SM_C, &e0, NULL, &r, NULL);
    tb_sealed(&w, sealed, "epoch1_carried",
              "R's bundle after revoking V: epoch 1, whose object the header "
              "carries; C opens its share from the header",
              SM_C, &e1, NULL, &r, "epoch1_by_root");
    tb_sealed(&w, sealed, "epoch1_by_token_key",
              "the same bundle read by W, admitted after the revocation: no "
              "share of its own, the key is in W's join token",
              SM_W, &e1, NULL, &r, "epoch1_by_root");
    tb_sealed(&w, sealed, "epoch2_carried",
              "A's bundle after revoking W: epoch 2, signed by A's node key, "
              "carried in the header",
              SM_C, &e2, NULL, &a, "epoch2_by_admin");
    tb_sealed(&w, sealed, "epoch2_two_chunks",
              "A's bundle after records with long notes: the plain bundle "
              "is longer than 65,536 bytes, so two chunks, MESSAGE then "
              "FINAL",
              SM_C, &big, NULL, &a, "epoch2_by_admin");

    struct seal_layout lay0, lay_big;
    seal_layout(&e0, w.network, &lay0);
    seal_layout(&big, w.network, &lay_big);
    if (lay_big.n_chunks != 2)
        die("the long bundle has %zu chunks", lay_big.n_chunks);
    if (e0.p[12 + SEAL_AT_EPOCH] != 0 || e0.p[12 + SEAL_AT_VERSION] != 1)
        die("epoch 0's header: not the layout expected");
    struct blob b = blob_dup(&e0);
    b.p[lay0.chunk_at[0] + 4 + 16] ^= 0x01;
    tb_sealed(&w, sealed, "ciphertext_byte_flipped",
              "epoch0 with byte 16 of the chunk's ciphertext flipped", SM_C, &b,
              "HZ_EBADSIG", NULL, NULL);
    free(b.p);
    b = blob_dup(&e0);
    b.p[12 + SEAL_AT_EPOCH] = 1;
    tb_sealed(&w, sealed, "header_epoch_changed",
              "epoch0 with the header's epoch changed to 1: the key id still "
              "names epoch 0's key, but the header is additional data of "
              "every chunk",
              SM_C, &b, "HZ_EBADSIG", NULL, NULL);
    free(b.p);
    b = blob_copy(big.p, lay_big.chunk_at[1]);
    tb_sealed(&w, sealed, "cut_before_final",
              "epoch2_two_chunks cut after its first chunk: every chunk "
              "there authenticates, but the FINAL one is missing",
              SM_C, &b, "HZ_EMALFORMED", NULL, NULL);
    free(b.p);
    b = blob_plus_byte(&e0, 0x00);
    tb_sealed(&w, sealed, "byte_after_final",
              "epoch0 with one zero byte after the FINAL chunk", SM_C, &b,
              "HZ_EMALFORMED", NULL, NULL);
    free(b.p);
    b = blob_dup(&e0);
    b.p[12 + SEAL_AT_KEY_ID] ^= 0x01;
    tb_sealed(&w, sealed, "unknown_key_id",
              "epoch0 with the first byte of the key id flipped: a key no "
              "member holds",
              SM_C, &b, "HZ_EPERM", NULL, NULL);
    free(b.p);
    b = blob_dup(&e0);
    b.p[12 + SEAL_AT_VERSION] = 2;
    tb_sealed(&w, sealed, "version_2",
              "epoch0 with the sealed format version 2", SM_C, &b,
              "HZ_EVERSION", NULL, NULL);
    free(b.p);
    tb_sealed(&w, sealed, "another_network",
              "a bundle sealed by a node of another network (its own epoch "
              "0)",
              SM_C, &other, "HZ_ENETWORK", NULL, NULL);
    tb_sealed(&w, sealed, "revoked_v_reads_epoch1",
              "epoch1_carried read by V, the device epoch 1 revoked: no "
              "share, no key",
              SM_V, &e1, "HZ_EPERM", NULL, NULL);
    tb_sealed(&w, sealed, "revoked_w_reads_epoch2",
              "epoch2_carried read by W: its token holds epoch 1's key, and "
              "epoch 2 left it out",
              SM_W, &e2, "HZ_EPERM", NULL, NULL);

    json_t *doc = file_root(
        "Bundle key epochs (proto/trust.md, \"Bundle key epochs\"), sealed "
        "bundles (proto/bundle.md, \"Sealed bundles\") and the root key's "
        "recovery code and backup file (proto/trust.md, \"Root key "
        "backup\"), all written by real nodes. keys: each from a seed of 32 "
        "equal bytes, but root's (0x30, 0x31, ... 0x4f), the network root "
        "key; node_r the node that "
        "created the network (an admin), admin_a, coordinator_c, viewer_v "
        "and viewer_w admitted by node_r, each with its join token (opened "
        "with its own seed, trust.md \"Join tokens\"); other_root and node_o "
        "another network. network_secret = BLAKE2b-256(key = root seed, "
        "\"huzhu network secret v1\"); epoch0 key = BLAKE2b-256(key = "
        "network_secret, \"huzhu bundle key v1\" || u64be(0)); key_id = "
        "BLAKE2b-128(\"huzhu bundle key id v1\" || key). epochs: node_r "
        "revokes viewer_v (epoch 1, root-signed), then admin_a revokes "
        "viewer_w (epoch 2, signed by admin_a's node key); each with its "
        "object, key, shares (crypto_box_seal of the key to the X25519 form "
        "of each subject's key, opened with crypto_box_seal_open) and the "
        "entry hz_revoke wrote, [[4, revocation], [5, epoch]]. "
        "refused_epochs: epoch objects that fail to decode or verify (kind "
        "epoch) and an entry whose trust content fails (kind entry), with "
        "the code huzhu reports. sealed: "
        "bundles as huzhu export writes them, each read by a fresh node of "
        "`reader` that joined with its token: the opener's keys are epoch "
        "0's, its token's, and its share in the epoch the header carries. "
        "Imported ones give the plain bundle and what the import counts; "
        "refused ones the code. recovery: the code for the root seed and "
        "codes read and refused; backup: the file for the root seed and "
        "passphrase, and files or passphrases refused. libsodium's own "
        "draws (the sealed boxes' ephemeral keys, the secretstream header, "
        "and nothing else) come from a deterministic randombytes "
        "implementation in the generator.");
    json_object_set_new(doc, "network", hex_json(w.network, HZ_NET_LEN));
    json_object_set_new(doc, "network_name", json_string(TB_NET_NAME));
    json_object_set_new(doc, "network_secret",
                        hex_json(w.secret, sizeof w.secret));
    json_t *j0 = json_object();
    json_object_set_new(j0, "key", hex_json(k0, sizeof k0));
    json_object_set_new(j0, "key_id", hex_json(k0_id, sizeof k0_id));
    json_object_set_new(doc, "epoch0", j0);
    json_object_set_new(doc, "keys", tb_members(&w));
    json_object_set_new(doc, "epochs", epochs);
    json_object_set_new(doc, "refused_epochs", tb_refused_epochs(&w, &ep1));
    json_object_set_new(doc, "sealed", sealed);
    json_object_set_new(doc, "recovery", tb_recovery(&w, &r));
    json_object_set_new(doc, "backup", tb_backup(&w, &r));
    write_json(g, "trust-bundles.json", doc);

    hz_node_close(r.n);
    hz_node_close(a.n);
    hz_node_close(o.n);
    struct blob *blobs[] = {&e0, &e1, &e2, &big, &full, &other, &ep1, &ep2};
    for (size_t i = 0; i < N(blobs); i++)
        free(blobs[i]->p);
    for (int i = 0; i < SM_N; i++) {
        hz_free_string(w.token[i]);
        identity_close(&w.k[i]);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_vectors OUT_DIR\n");
        return 2;
    }
    /* Before libsodium initialises: it draws from the implementation in
     * place then (libsodium's documented order). */
    if (randombytes_set_implementation(&det_rng_impl) != 0)
        die("randombytes_set_implementation");
    if (hz_init() != 0)
        die("libsodium");
    det_rng_reset("gen_vectors");
    struct gen g = {.dir = argv[1]};
    enc_init(&g.scratch);

    struct author au[3];
    author_open(&au[0], "A", 0x01, T0_MS);
    author_open(&au[1], "B", 0x02, T0_MS);
    author_open(&au[2], "C", 0x03, T1970_MS);
    scenario(&g, &au[0], &au[1], &au[2]);

    struct fates fs = {0};
    uint8_t seed[32];
    memset(seed, 0x04, sizeof seed);
    struct identity d;
    identity_from_seed(&d, seed);
    transport_fates(&fs, &d, &g.scratch);
    content_fates(&fs, &d, &g.scratch);
    for (size_t i = 0; i < fs.n; i++)
        expect_fate(&fs.v[i], &d);

    json_t *sigs = json_array();
    struct enc tmp;
    enc_init(&tmp);
    struct blob mixed = mixed_order_entry(&tmp, sigs);
    enc_close(&tmp);

    write_entries(&g, au, N(au), mixed);
    write_invalid(&g, &fs);
    write_ed25519(&g, &fs, sigs);
    write_state(&g, au, N(au));
    write_bundles(&g, &au[0]);
    write_ingest(&g);
    write_clock(&g);
    write_values(&g);
    write_schema(&g);
    write_certs(&g);
    write_trust_bundles(&g);

    free(mixed.p);
    for (size_t i = 0; i < fs.n; i++)
        free(fs.v[i].b.p);
    for (size_t i = 0; i < g.n_named; i++)
        free(g.named[i].b.p);
    for (size_t i = 0; i < N(au); i++)
        author_close(&au[i]);
    identity_close(&d);
    enc_close(&g.scratch);
    return 0;
}
