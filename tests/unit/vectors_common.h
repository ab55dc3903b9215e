/* vectors_common.h - what the checkers of proto/vectors share.
 *
 * One program per file of proto/vectors (test_vectors_<name>.c, the
 * CTest test unit.vectors.<name>), as libsodium keeps one test program
 * per primitive with its expected output beside it. Each takes the
 * directory of the vectors, and optionally a cmocka test name filter:
 *
 *   test_vectors_<name> PROTO_VECTORS_DIR [TEST_NAME_FILTER]
 *
 * Here: reading the JSON files (a missing field fails the test), bytes in
 * hex, the deterministic world of a receiving node (virtual clock,
 * splitmix64), nodes in memory and in temporary directories, and values
 * from their JSON description. The files are described in
 * proto/README.md ("Test vectors"). */
#ifndef HZ_VECTORS_COMMON_H
#define HZ_VECTORS_COMMON_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/body.h"
#include "core/channel.h"
#include "core/identity.h"
#include "store/internal.h"

#include <jansson.h>

#include <stdbool.h>

/* 2024-06-01T00:00:00Z, the wall clock of the vectors' nodes. */
#define T0_MS UINT64_C(1717200000000)

/* The vectors directory from the command line, with the test filter set
 * and the library initialised; NULL, after a message, when the arguments
 * are wrong or the library does not start. */
void *vectors_dir(int argc, char **argv, const char *program);

/* ---- reading the files: a missing or mistyped field fails the test */

/* @file of the vectors directory in *@state; release with json_decref. */
json_t *load(void **state, const char *file);
const char *str(const json_t *o, const char *key);
json_int_t num(const json_t *o, const char *key);
bool boolean(const json_t *o, const char *key);
/* The key named @name in @doc's "keys", from its seed into @id (close
 * with identity_close), its public key checked; the key's object,
 * borrowed from @doc. */
const json_t *doc_key(const json_t *doc, const char *name, struct identity *id);
/* @rv, what the code said of the object @j of a list of refusals, is a
 * refusal with the code @j states; @err says why. */
void assert_refused(const json_t *j, int rv, const struct hz_err *err);
/* Whether @fn (hz_node_vector, hz_node_conflicts) prints @want for @n. */
void json_text_equal(hz_node *n, const json_t *want,
                     int (*fn)(hz_node *, char **, struct hz_err *));

/* ---- live sync (handshake.json, session.json) */

/* A member: its device key, key share seed and chain. */
struct vside {
    uint8_t seed[32], pk[32], sk[64], share[32];
    uint8_t chain[HZ_HS_CHAIN_MAX];
    struct hs_self self;
};

/* The member @j (seed, key, chain, share_seed) into @s, its key checked. */
void vside_load(const json_t *j, struct vside *s);

/* ---- bytes: owned, released with free(p) */

struct bytes {
    uint8_t *p;
    size_t len;
};

struct bytes unhex(const char *s);
void unhex_fixed(const char *s, uint8_t *out, size_t len);
void assert_hex(const char *want, const void *p, size_t len);

/* ---- nodes */

/* The deterministic world of a receiving node. */
struct world {
    uint64_t now_ms;
    uint64_t rng;
    struct hz_env env;
};

uint64_t world_now(void *data);
void world_random(void *data, void *buf, size_t len);
/* An in-memory node of the key 32 x @seed_byte, its clock at @now_ms. */
hz_node *memory_node(struct world *w, uint8_t seed_byte, uint64_t now_ms);
int64_t count_rows(hz_node *n, const char *table);
void state_hash(hz_node *n, char *out);
/* Take in one entry inside its own transaction. */
int ingest_one(hz_node *n, const struct bytes *b, enum ingest_result *res,
               struct hz_err *why);

/* The node that exported the bundle @j of bundle.json (the key 32 x 0x01,
 * its clock at created_ms), rebuilt from the bundle's own entries as its
 * own. */
hz_node *exporter_node(const json_t *j, struct world *w);

/* ---- files */

/* A new directory under /tmp; free() the name, remove_tree() the tree. */
char *temp_dir(void);
void remove_tree(const char *dir);
void write_file(const char *path, const struct bytes *b);
struct bytes read_file(const char *path);

/* ---- values from their JSON description */

/* Allocations that live until the end of one test. */
struct arena {
    void *v[4096];
    size_t n;
};

void *arena_take(struct arena *a, void *p);
void arena_free(struct arena *a);
/* [type, value] into @v; text is borrowed from @j, bin from @a. */
void value_from_json(const json_t *j, struct value *v, struct arena *a);

#endif
