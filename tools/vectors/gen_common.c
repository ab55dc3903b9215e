/* gen_common.c - the setup every vector generator shares (gen_common.h).
 *
 * Failing loudly, bytes, the deterministic world, JSON output and entries
 * crafted field by field. Everything is deterministic: fixed Ed25519
 * seeds, fixed wall clocks, a splitmix64 PRNG behind struct hz_env, and a
 * deterministic randombytes implementation for what libsodium draws
 * itself (det_rng), so two runs write identical files. The signing input
 * follows proto/entry.md, "Signing"; the files, proto/README.md ("Test
 * vectors"). */
#include "gen_common.h"

#include "core/clock.h"
#include "core/schema.h"

#include <sodium.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t placeholder_net[HZ_NET_LEN] = "huzhu-no-network";

/* ---- failing loudly: a generator that cannot prove a vector stops */

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gen_vectors: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void check(int rv, const struct hz_err *err, const char *what)
{
    if (rv != 0)
        die("%s: %s (%s)", what, err != NULL ? err->msg : "", hz_errname(rv));
}

/* ---- bytes */

struct blob blob_copy(const void *p, size_t len)
{
    struct blob b = {malloc(len ? len : 1), len};
    if (b.p == NULL)
        die("out of memory");
    memcpy(b.p, p, len);
    return b;
}

/* @b's bytes and one more. */
struct blob blob_plus_byte(const struct blob *b, uint8_t last)
{
    struct blob out = {malloc(b->len + 1), b->len + 1};
    if (out.p == NULL)
        die("out of memory");
    memcpy(out.p, b->p, b->len);
    out.p[b->len] = last;
    return out;
}

struct blob blob_splice(const struct blob *b, size_t at, size_t del,
                        const void *ins, size_t ins_len)
{
    if (at > b->len || del > b->len - at)
        die("splice past the end");
    struct blob out = {malloc(b->len - del + ins_len + 1),
                       b->len - del + ins_len};
    if (out.p == NULL)
        die("out of memory");
    memcpy(out.p, b->p, at);
    memcpy(out.p + at, ins, ins_len);
    memcpy(out.p + at + ins_len, b->p + at + del, b->len - at - del);
    return out;
}

struct blob blob_of_enc(const struct enc *e)
{
    if (enc_done(e) != 0)
        die("out of memory");
    return blob_copy(enc_data(e), enc_len(e));
}

json_t *hex_json(const void *p, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (s == NULL)
        die("out of memory");
    hex_encode(p, len, s);
    json_t *j = json_string(s);
    free(s);
    return j;
}

void hex_in(const char *s, uint8_t *out, size_t len)
{
    if (hex_decode(s, out, len) != 0)
        die("bad hex %s", s);
}

struct blob blob_dup(const struct blob *b)
{
    return blob_copy(b->p, b->len);
}

struct blob file_blob(const char *path)
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

void file_put(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
        die("write %s", path);
}

/* ---- a deterministic world: virtual wall clock, splitmix64 PRNG */

uint64_t genv_now(void *data)
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

void genv_random(void *data, void *buf, size_t len)
{
    struct genv *g = data;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i++)
        p[i] = (uint8_t)splitmix(&g->rng);
}

hz_node *fresh_node(struct genv *g, uint8_t seed_byte)
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

void ingest_all(hz_node *n, const struct blob *const *v, size_t count,
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

/* ---- libsodium's own randomness, made reproducible
 *
 * Two calls draw from randombytes inside libsodium, out of reach of
 * struct hz_env: crypto_box_seal (its ephemeral key) and
 * crypto_secretstream_xchacha20poly1305_init_push (its header).
 * det_rng_install() installs this generator with
 * randombytes_set_implementation, the hook libsodium documents for it;
 * main() calls it before libsodium initialises. Each draw is
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

void det_rng_reset(const char *label)
{
    crypto_generichash(det_rng.seed, sizeof det_rng.seed,
                       (const uint8_t *)label, strlen(label), NULL, 0);
    det_rng.draws = 0;
}

void det_rng_install(void)
{
    /* Before libsodium initialises: it draws from the implementation in
     * place then (libsodium's documented order). */
    if (randombytes_set_implementation(&det_rng_impl) != 0)
        die("randombytes_set_implementation");
}

/* ---- JSON */

json_t *file_root(const char *description)
{
    json_t *root = json_object();
    json_object_set_new(root, "format", json_string("huzhu vectors 1"));
    json_object_set_new(root, "description", json_string(description));
    return root;
}

void write_json(const char *dir, const char *file, json_t *root)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
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

json_t *value_json(const struct value *v)
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

json_t *parsed(const char *text)
{
    json_error_t jerr;
    json_t *j = json_loads(text, 0, &jerr);
    if (j == NULL)
        die("json: %s", jerr.text);
    return j;
}

json_t *node_json(hz_node *n, int (*fn)(hz_node *, char **, struct hz_err *))
{
    char *text;
    struct hz_err err = {0};
    check(fn(n, &text, &err), &err, "node json");
    json_t *j = parsed(text);
    hz_free_string(text);
    return j;
}

void key_json(json_t *o, const char *field, const uint8_t *pk, const char *name)
{
    char key[64];
    json_object_set_new(o, field, hex_json(pk, HZ_KEY_LEN));
    snprintf(key, sizeof key, "%s_key", field);
    json_object_set_new(o, key, json_string(name));
}

/* ---- entries */

void decode_or_die(struct entry *e, const struct blob *b)
{
    struct hz_err err = {0};
    check(entry_decode(e, b->p, b->len, &err), &err, "entry_decode");
}

/* TAG || [version, network, author, seq, prev, clock, body]: written out
 * here from proto/entry.md, and checked against the id the code computed. */
void signing_input(const struct entry *e, struct enc *out)
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

struct blob craft(const struct identity *id, uint64_t version,
                  const uint8_t *net, uint64_t seq, const uint8_t *prev,
                  uint64_t clock, const struct blob *body, struct entry *out)
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

json_t *entry_head_json(struct gen *g, const char *name, const char *author,
                        const char *desc, const struct blob *b,
                        enum envelope_clock clock, struct entry *e)
{
    decode_or_die(e, b);
    struct hz_err err = {0};
    check(entry_verify(e, &err), &err, name);
    struct enc tmp;
    enc_init(&tmp);
    check(entry_encode(e, &tmp), NULL, name);
    if (enc_len(&tmp) != b->len || memcmp(enc_data(&tmp), b->p, b->len) != 0)
        die("%s: re-encoding differs", name);
    enc_close(&tmp);
    signing_input(e, &g->scratch);
    uint8_t id[HZ_HASH_LEN];
    crypto_generichash(id, sizeof id, enc_data(&g->scratch),
                       enc_len(&g->scratch), NULL, 0);
    if (memcmp(id, e->id, HZ_HASH_LEN) != 0)
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
    json_object_set_new(j, "id", hex_json(e->id, HZ_HASH_LEN));
    json_t *env = json_object();
    json_object_set_new(env, "version", json_integer((json_int_t)e->version));
    json_object_set_new(env, "network", hex_json(e->network, HZ_NET_LEN));
    json_object_set_new(env, "author", hex_json(e->author, HZ_KEY_LEN));
    json_object_set_new(env, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(env, "prev", hex_json(e->prev, HZ_HASH_LEN));
    json_object_set_new(env, "clock", json_integer((json_int_t)e->clock));
    if (clock == CLOCK_WITH_PARTS) {
        json_object_set_new(env, "clock_ms",
                            json_integer((json_int_t)clock_ms(e->clock)));
        json_object_set_new(env, "clock_counter",
                            json_integer((json_int_t)(e->clock & 0xffffu)));
    }
    json_object_set_new(env, "body", hex_json(e->body.p, e->body.len));
    json_object_set_new(env, "sig", hex_json(e->sig, HZ_SIG_LEN));
    json_object_set_new(j, "envelope", env);
    return j;
}

void expect_refused(const char *name, int rv, const char *code,
                    const struct hz_err *err)
{
    if (rv == 0)
        die("%s: accepted", name);
    if (strcmp(hz_errname(rv), code) != 0)
        die("%s: expected %s, got %s (%s)", name, code, hz_errname(rv),
            err->msg);
}

void refused_json(json_t *a, const char *name, const char *kind, struct blob b,
                  const char *code, const char *reason)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "bytes", hex_json(b.p, b.len));
    json_object_set_new(o, "code", json_string(code));
    json_object_set_new(o, "reason", json_string(reason));
    json_array_append_new(a, o);
    free(b.p);
}

struct blob encode_entry(const struct entry *e)
{
    struct enc o;
    enc_init(&o);
    check(entry_encode(e, &o), NULL, "encode");
    struct blob b = blob_of_enc(&o);
    enc_close(&o);
    return b;
}

struct blob sign_fields(const char *tag, size_t n, const struct enc *fields,
                        const uint8_t *sk)
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

void body_head(struct enc *b, uint64_t version, size_t n_ops)
{
    enc_reset(b);
    enc_array(b, 2);
    enc_uint(b, version);
    enc_array(b, n_ops);
}

void op_head(struct enc *b, unsigned kind, const char *table,
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
void set_field(struct enc *b, const char *col)
{
    enc_array(b, 3);
    enc_cstr(b, col);
}

void no_heads(struct enc *b)
{
    enc_array(b, 0);
}

void ins_field(struct enc *b, const char *col)
{
    enc_array(b, 2);
    enc_cstr(b, col);
}

void bin_hex(struct enc *b, const char *hex)
{
    uint8_t v[HZ_ROW_LEN];
    hex_in(hex, v, HZ_ROW_LEN);
    enc_bin(b, v, HZ_ROW_LEN);
}

struct blob good_body(struct enc *b)
{
    body_head(b, 1, 1);
    op_head(b, 0, "households", H1, 1);
    set_field(b, "members");
    enc_int(b, 3);
    no_heads(b);
    return blob_of_enc(b);
}

void put_fields(hz_batch *b, const char *table, const char *id,
                const struct hz_field *f, size_t n)
{
    struct hz_err err = {0};
    check(hz_batch_put(b, table, id, n, f, NULL, &err), &err, table);
}

/* ---- one run of the generator */

void gen_init(struct gen *g, const char *dir)
{
    memset(g, 0, sizeof *g);
    g->dir = dir;
    enc_init(&g->scratch);
}

void gen_close(struct gen *g)
{
    for (size_t i = 0; i < g->fs.n; i++)
        free(g->fs.v[i].b.p);
    for (size_t i = 0; i < g->sc.n_named; i++)
        free(g->sc.named[i].b.p);
    for (size_t i = 0; g->sc.built && i < AUTHORS; i++) {
        hz_node_close(g->sc.au[i].node);
        identity_close(&g->sc.au[i].id);
    }
    enc_close(&g->scratch);
}
