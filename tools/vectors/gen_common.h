/* gen_common.h - what the generators of proto/vectors share.
 *
 * gen_vectors writes each file of proto/vectors from one gen_<name>.c,
 * which returns the file's JSON; the table in gen_vectors.c names the file
 * it goes to. What more than one of them needs lives here: failing
 * loudly, bytes, the deterministic world (fixed key seeds and wall clocks,
 * a splitmix64 PRNG behind struct hz_env, and det_rng for what libsodium
 * draws itself), JSON output, and entries crafted field by field
 * (gen_common.c). Two fixtures serve several files and are built once, on
 * first use: the authors' scenario (gen_scenario.c; entries, state, bundle
 * and vector) and the invalid entries (gen_invalid.c; invalid and
 * ed25519). The files are described in proto/README.md ("Test vectors"). */
#ifndef HZ_GEN_COMMON_H
#define HZ_GEN_COMMON_H

#include "core/body.h"
#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "store/internal.h"

#include <jansson.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct gen;

/* 2024-06-01T00:00:00Z: the wall clock of the well-set nodes. */
#define T0_MS UINT64_C(1717200000000)
/* A Raspberry Pi without a real-time clock, 90 s after it booted. */
#define T1970_MS UINT64_C(90000)
/* Unix seconds of T0, for event times. */
#define T0_S "1717200000"

/* Every key of the vectors is 32 copies of one byte (the root key of
 * trust-bundles.json excepted: 0x30, 0x31, ... 0x4f). The bytes of
 * certs.json's keys (0x0e to 0x15) and of trust-bundles.json's (0x30 to
 * 0x38) are in their generators' tables. */
enum seed_byte {
    SEED_A = 0x01,        /* author A of the scenario, and its node */
    SEED_B = 0x02,        /* author B */
    SEED_C = 0x03,        /* author C, whose clock is in 1970 */
    SEED_INVALID = 0x04,  /* the author of invalid.json's entries */
    SEED_INGEST = 0x06,   /* author F of ingest.json */
    SEED_RECEIVER = 0x09, /* the fresh node that takes entries in */
};

/* Row ids of the scenario and of crafted bodies. */
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

/* The network id of a node in no network (proto/README.md). */
extern const uint8_t placeholder_net[HZ_NET_LEN];

/* ---- failing loudly: a generator that cannot prove a vector stops */

void die(const char *fmt, ...) HZ_PRINTF(1, 2);
/* die() with @what, @err's message and the code's name unless @rv is 0. */
void check(int rv, const struct hz_err *err, const char *what);

/* ---- bytes: owned by whoever holds the struct, released with free(p) */

struct blob {
    uint8_t *p;
    size_t len;
};

struct blob blob_copy(const void *p, size_t len);
struct blob blob_dup(const struct blob *b);
/* @b's bytes and one more. */
struct blob blob_plus_byte(const struct blob *b, uint8_t last);
/* @b with the @del bytes at @at replaced by @ins[0..ins_len). */
struct blob blob_splice(const struct blob *b, size_t at, size_t del,
                        const void *ins, size_t ins_len);
struct blob blob_of_enc(const struct enc *e);
/* The bytes of the file at @path; a file that cannot be read dies. */
struct blob file_blob(const char *path);
void file_put(const char *path, const void *p, size_t len);
json_t *hex_json(const void *p, size_t len);
void hex_in(const char *s, uint8_t *out, size_t len);

/* ---- a deterministic world: virtual wall clock, splitmix64 PRNG */

struct genv {
    uint64_t now_ms;
    uint64_t rng;
    struct hz_env env;
};

uint64_t genv_now(void *data);
void genv_random(void *data, void *buf, size_t len);

/* An in-memory node of the key @seed_byte, its clock an hour past T0,
 * its PRNG in @g. Close with hz_node_close(). */
hz_node *fresh_node(struct genv *g, uint8_t seed_byte);
/* Every blob of @v into @n through relay_ingest, in one call. */
void ingest_all(hz_node *n, const struct blob *const *v, size_t count,
                struct hz_ingest_stats *st);

/* libsodium's own draws, made reproducible: det_rng_install() before
 * hz_init(); det_rng_reset() starts the draws over from a seed named
 * @label, so what one file draws never moves another file's bytes. */
void det_rng_install(void);
void det_rng_reset(const char *label);

/* ---- JSON */

/* The object every vector file is: format and description. */
json_t *file_root(const char *description);
/* @root, indented, into @dir/@file; @root is taken. */
void write_json(const char *dir, const char *file, json_t *root);
/* [type, value] (proto/README.md, "Test vectors"). */
json_t *value_json(const struct value *v);
/* @text parsed; text that is not JSON dies. */
json_t *parsed(const char *text);
/* @field: the public key @pk, and @field_key: the name of its key. */
void key_json(json_t *o, const char *field, const uint8_t *pk,
              const char *name);
/* What @fn (hz_node_vector, hz_node_conflicts) prints for @n, parsed. */
json_t *node_json(hz_node *n, int (*fn)(hz_node *, char **, struct hz_err *));

/* ---- entries */

void decode_or_die(struct entry *e, const struct blob *b);
/* TAG || [version, network, author, seq, prev, clock, body] into @out. */
void signing_input(const struct entry *e, struct enc *out);
/* Sign @body as an entry of @id with the given envelope fields; *@out
 * (may be NULL) gets the entry, its body borrowed from @body. */
struct blob craft(const struct identity *id, uint64_t version,
                  const uint8_t *net, uint64_t seq, const uint8_t *prev,
                  uint64_t clock, const struct blob *body, struct entry *out);
struct blob encode_entry(const struct entry *e);

/* Whether an envelope's JSON spells out the clock's parts. */
enum envelope_clock { CLOCK_ALONE, CLOCK_WITH_PARTS };

/* The valid entry @b, checked both ways against the code on the way (it
 * decodes, verifies and re-encodes to @b; its id is BLAKE2b-256 of the
 * signing input written out here, left in g->scratch), into *@e; and its
 * JSON: name, author_name and description (each when not NULL), entry,
 * signing_input, id and the envelope's fields. */
json_t *entry_head_json(struct gen *g, const char *name, const char *author,
                        const char *desc, const struct blob *b,
                        enum envelope_clock clock, struct entry *e);

/* Dies unless @name was refused (@rv) with the code named @code. */
void expect_refused(const char *name, int rv, const char *code,
                    const struct hz_err *err);
/* {name, kind, bytes, code, reason} of an object refused, into @a; @b is
 * taken. */
void refused_json(json_t *a, const char *name, const char *kind, struct blob b,
                  const char *code, const char *reason);
/* TAG || [fields] signed by @sk: the object [fields..., sig]. @fields
 * holds the @n fields without an array header. */
struct blob sign_fields(const char *tag, size_t n, const struct enc *fields,
                        const uint8_t *sk);

/* Body building blocks: [schema_version, [op...]] written field by field,
 * so that a vector can be wrong in exactly one place. */
void body_head(struct enc *b, uint64_t version, size_t n_ops);
void op_head(struct enc *b, unsigned kind, const char *table,
             const char *row_hex, size_t n_items);
/* [col, <value written by the caller>, <heads>] starts here. */
void set_field(struct enc *b, const char *col);
void no_heads(struct enc *b);
void ins_field(struct enc *b, const char *col);
void bin_hex(struct enc *b, const char *hex);
/* A valid body: households H1 members = 3. */
struct blob good_body(struct enc *b);

/* hz_batch_put of the fields listed, on @b. */
#define PUT(b, table, id, ...)                                                 \
    put_fields(b, table, id, (const struct hz_field[]){__VA_ARGS__},           \
               N(((const struct hz_field[]){__VA_ARGS__})))

void put_fields(hz_batch *b, const char *table, const char *id,
                const struct hz_field *f, size_t n);

/* ---- fixtures: the authors' scenario (gen_scenario.c) */

/* One author: a key from a fixed seed, an in-memory node, its own clock. */
struct author {
    const char *name;
    uint8_t seed[32];
    struct identity id;
    struct genv g;
    hz_node *node;
};

#define NAMED_MAX 64
#define AUTHORS 3

/* An entry of the scenario, under its name (A1, B2, ...). */
struct named {
    char name[32];
    const char *author;
    const char *desc;
    struct blob b;
};

/* Authors A, B and C write, sync and converge; the entries they wrote
 * are kept in the order written. */
struct scenario {
    bool built;
    struct author au[AUTHORS];
    struct named named[NAMED_MAX];
    size_t n_named;
};

/* ---- fixtures: the invalid entries (gen_invalid.c) */

struct fate {
    const char *name;
    const char *verdict; /* refused, rejected, held */
    const char *code;    /* the HZ_E name huzhu reports */
    const char *reason;
    struct blob b;
};

#define FATES_MAX 64

struct fates {
    bool built;
    struct fate v[FATES_MAX];
    size_t n;
};

/* ---- one run of the generator */

struct gen {
    const char *dir;
    struct enc scratch;
    struct scenario sc; /* scenario_get() */
    struct fates fs;    /* fates_get() */
};

void gen_init(struct gen *g, const char *dir);
void gen_close(struct gen *g);

/* The scenario, written on first use. */
const struct scenario *scenario_get(struct gen *g);
/* The scenario's entry @name; an unknown name dies. */
const struct named *scenario_entry(struct gen *g, const char *name);
/* A's node when it held A1 and A2, rebuilt from those two entries in
 * @fg; close with hz_node_close(). */
hz_node *scenario_node_a12(struct gen *g, struct genv *fg);
/* The vector, as hz_node_vector writes it, of a peer holding A1. */
void scenario_vector_a1(struct gen *g, char *out, size_t len);
/* The authors' names, seeds and public keys. */
json_t *scenario_keys_json(struct gen *g);

/* The invalid entries, each checked to meet its fate, made on first use. */
const struct fates *fates_get(struct gen *g);

/* ---- Ed25519 by hand, for signatures libsodium must refuse or accept
 * (gen_ed25519.c) */

extern const uint8_t ed_identity[32];
/* SHA-512(@p) mod L. */
void sc_from_hash(uint8_t out[32], const void *p, size_t len);
/* h = SHA-512(R || A || M) mod L */
void hram(uint8_t out[32], const uint8_t *r, const uint8_t *a, const uint8_t *m,
          size_t m_len);
/* The secret scalar of a libsodium key pair, reduced mod L. */
void secret_scalar(const struct identity *id, uint8_t a[32]);
/* @s += L, the group order. */
void add_L(uint8_t s[32]);
/* An entry of a mixed-order author key, valid under libsodium 1.0.18; its
 * signature and one with h odd go to @sigs as ed25519.json cases. */
struct blob mixed_order_entry(struct enc *tmp, json_t *sigs);

/* ---- one generator per file of proto/vectors: its JSON */

json_t *gen_entries(struct gen *g);
json_t *gen_invalid(struct gen *g);
json_t *gen_ed25519(struct gen *g);
json_t *gen_state(struct gen *g);
json_t *gen_bundle(struct gen *g);
json_t *gen_vector(struct gen *g);
json_t *gen_ingest(struct gen *g);
json_t *gen_clock(struct gen *g);
json_t *gen_beacon(struct gen *g);
json_t *gen_values(struct gen *g);
json_t *gen_schema(struct gen *g);
json_t *gen_certs(struct gen *g);
json_t *gen_trust_bundles(struct gen *g);
json_t *gen_handshake(struct gen *g);
json_t *gen_session(struct gen *g);

#endif
