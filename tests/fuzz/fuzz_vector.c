/* fuzz_vector.c - libFuzzer target: the vector text a peer hands us for
 * hz_bundle_export (include/huzhu/bundle.h, proto/bundle.md "Vector").
 *
 * A small in-memory node is built once per process: writes of its own,
 * a second author's chain, and one of that author's entries held ahead of
 * a gap, so every export path (delta per author, fork evidence, pending)
 * has something to write. Input: the vector JSON text (NUL-terminated
 * here; inputs over 64 KiB are skipped). Properties:
 *   - hz_bundle_export returns 0, HZ_EMALFORMED or HZ_ENETWORK, with a
 *     message; never a crash or leak;
 *   - on success the file is a well-formed bundle: magic, one header
 *     frame, *n_entries entry frames (no more than the node holds), and a
 *     trailer whose count and BLAKE2b-256 digest match.
 * Set HZ_FUZZ_DUMP_VECTOR=FILE to write this node's own vector to FILE
 * (the seed generator uses it). */
#include "fuzz_util.h"

#include "store/internal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_LEN_MAX (64u * 1024u)
#define FRAMES_MAX 256

static hz_node *node;
static uint64_t held; /* entries in log, forks and pending */
static char out_path[4200];

static void put(hz_node *n, const char *table, size_t n_fields,
                const struct hz_field *fields)
{
    hz_batch *b;
    struct hz_err err = {0};
    FUZZ_CHECK(hz_batch_open(n, &b, &err) == 0);
    FUZZ_CHECK(hz_batch_put(b, table, NULL, n_fields, fields, NULL, &err) == 0);
    int rv = hz_node_commit(n, b, NULL, &err);
    if (rv != 0)
        fprintf(stderr, "fuzz_vector: commit: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
    hz_batch_close(b);
}

/* A stranger writes three entries; we take the first and the third. */
static void add_stranger(void)
{
    static const uint8_t seed[HZ_SEED_LEN] = {0x51};
    hz_node *other;
    struct hz_err err = {0};
    FUZZ_CHECK(node_open_memory(seed, schema_current(), fuzz_env(), &other,
                                &err) == 0);
    static const struct hz_field f1[] = {{"name", "测试仓库"},
                                         {"kind", "warehouse"}};
    static const struct hz_field f2[] = {{"name", "测试米"}, {"unit", "kg"}};
    static const struct hz_field f3[] = {{"name", "测试水"},
                                         {"category", "water"}};
    put(other, "sites", 2, f1);
    put(other, "items", 2, f2);
    put(other, "items", 2, f3);
    struct enc all;
    const uint8_t *p[3];
    size_t len[3];
    FUZZ_CHECK(fuzz_relay_all(other, &all, p, len, 3) == 3);
    const uint8_t *take[2] = {p[0], p[2]};
    size_t take_len[2] = {len[0], len[2]};
    struct hz_ingest_stats st = {0};
    FUZZ_CHECK(store_relay_ingest(node, 2, take, take_len, &st, &err) == 0);
    FUZZ_CHECK(st.applied == 1 && st.pending == 1);
    enc_close(&all);
    hz_node_close(other);
}

static int count_one(void *data, const uint8_t *p, size_t len)
{
    (void)p;
    (void)len;
    (*(uint64_t *)data)++;
    return 0;
}

static void dump_vector(const char *path)
{
    char *json;
    struct hz_err err = {0};
    FUZZ_CHECK(hz_node_vector(node, &json, &err) == 0);
    fuzz_write_file(path, (const uint8_t *)json, strlen(json));
    hz_free_string(json);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    fuzz_env_reset();
    static const uint8_t seed[HZ_SEED_LEN] = {0x50};
    struct hz_err err = {0};
    FUZZ_CHECK(
        node_open_memory(seed, schema_current(), fuzz_env(), &node, &err) == 0);
    static const struct hz_field h[] = {{"head_name", "测试甲"},
                                        {"village", "测试村"}};
    static const struct hz_field s[] = {{"name", "测试安置点"},
                                        {"capacity", "40"}};
    put(node, "households", 2, h);
    put(node, "sites", 2, s);
    add_stranger();
    FUZZ_CHECK(store_relay_each(node, count_one, &held, &err) == 0);
    FUZZ_CHECK(held == 4);
    snprintf(out_path, sizeof out_path, "%s/out.hzb", fuzz_tmpdir());
    const char *dump = getenv("HZ_FUZZ_DUMP_VECTOR");
    if (dump != NULL && dump[0] != '\0')
        dump_vector(dump);
    return 0;
}

/* The bundle hz_bundle_export wrote: its frames, count and digest. */
static void check_bundle(uint64_t n_entries)
{
    size_t len;
    uint8_t *p = fuzz_read_file(out_path, &len);
    static struct fuzz_frame f[FRAMES_MAX];
    int n = fuzz_split_frames(p, len, f, FRAMES_MAX);
    FUZZ_CHECK(n >= 2);
    FUZZ_CHECK(f[0].kind == FUZZ_FRAME_HEADER);
    FUZZ_CHECK(f[n - 1].kind == FUZZ_FRAME_TRAILER);
    for (int i = 1; i < n - 1; i++)
        FUZZ_CHECK(f[i].kind == FUZZ_FRAME_ENTRY);
    FUZZ_CHECK((uint64_t)(n - 2) == n_entries);
    FUZZ_CHECK(n_entries <= held);

    /* [count, bin32 digest of every byte before the trailer frame] */
    const struct fuzz_frame *t = &f[n - 1];
    FUZZ_CHECK(t->len == 4 + HZ_HASH_LEN && n_entries < 128);
    FUZZ_CHECK(t->p[0] == 0x92 && t->p[1] == n_entries);
    FUZZ_CHECK(t->p[2] == 0xc4 && t->p[3] == HZ_HASH_LEN);
    uint8_t digest[HZ_HASH_LEN];
    crypto_generichash(digest, sizeof digest, p, (size_t)(t->p - p) - 5, NULL,
                       0);
    FUZZ_CHECK(memcmp(digest, t->p + 4, HZ_HASH_LEN) == 0);
    free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_LEN_MAX)
        return 0;
    char *text = malloc(size + 1);
    FUZZ_CHECK(text != NULL);
    memcpy(text, data, size);
    text[size] = '\0';

    uint64_t n_entries = UINT64_MAX;
    struct hz_err err = {0};
    int rv = hz_bundle_export(node, out_path, text, &n_entries, &err);
    if (rv != 0)
        FUZZ_CODES("hz_bundle_export", rv, &err, HZ_EMALFORMED, HZ_ENETWORK);
    else
        check_bundle(n_entries);
    free(text);
    return 0;
}
