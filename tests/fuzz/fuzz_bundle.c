/* fuzz_bundle.c - libFuzzer target: hz_bundle_import of arbitrary files
 * into a node on disk (include/huzhu/bundle.h, proto/bundle.md).
 *
 * One node is created per process, in a directory under $TMPDIR, and
 * every input is imported into it: state accumulates, as on a real node
 * that takes many bundles (only valid, signed entries can add to it).
 * Each input is imported twice when its frames parse:
 *   1. as given;
 *   2. with the trailer's count and digest recomputed, so that reordered,
 *      dropped, duplicated or corrupted frames get past the whole-file
 *      digest and reach the per-entry checks and the apply pass.
 * Properties, for each import:
 *   - it returns 0 or one of the documented refusal codes, with a
 *     message; never an I/O or corruption code, never a crash or leak;
 *   - the counts add up: every entry read is counted once;
 *   - afterwards hz_node_log_verify passes and hz_node_state_hash works;
 *   - a refused file changes nothing (the state hash is unchanged). */
#include "fuzz_util.h"

#include "core/types.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FRAMES_MAX 4096

static hz_node *node;
static char in_path[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    const char *dir = fuzz_tmpdir();
    char node_dir[4200];
    snprintf(node_dir, sizeof node_dir, "%s/node", dir);
    snprintf(in_path, sizeof in_path, "%s/in.hzb", dir);
    fuzz_env_reset();
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = fuzz_env()};
    struct hz_err err = {0};
    if (hz_node_create(node_dir, "fuzz", &opts, &node, &err) != 0) {
        fprintf(stderr, "fuzz_bundle: create node: %s\n", err.msg);
        abort();
    }
    return 0;
}

static void state_hash(char *out)
{
    struct hz_err err = {0};
    int rv = hz_node_state_hash(node, out, &err);
    if (rv != 0)
        fprintf(stderr, "state hash: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
}

static void import(const uint8_t *p, size_t len)
{
    char before[HZ_KEY_HEX_LEN + 1], after[HZ_KEY_HEX_LEN + 1];
    state_hash(before);
    fuzz_write_file(in_path, p, len);

    struct hz_ingest_stats st;
    struct hz_err err = {0};
    int refused = hz_bundle_import(node, in_path, &st, &err);
    if (refused != 0) {
        /* bundle.h lists the first five; read_header also refuses a
         * bundle format other than 1 with HZ_EVERSION (FUZZING.md). */
        FUZZ_CODES("hz_bundle_import", refused, &err, HZ_EMALFORMED, HZ_EBADSIG,
                   HZ_ENETWORK, HZ_ECHAIN, HZ_ETOOBIG, HZ_EVERSION);
    } else {
        FUZZ_CHECK(st.applied + st.duplicate + st.pending + st.rejected +
                       st.held + st.stopped + st.forks + st.refused ==
                   st.entries);
    }

    uint64_t checked = 0;
    memset(&err, 0, sizeof err);
    int rv = hz_node_log_verify(node, &checked, &err);
    if (rv != 0)
        fprintf(stderr, "log verify: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
    state_hash(after);
    if (refused != 0)
        FUZZ_CHECK(strcmp(before, after) == 0);
}

/* The frames again, with a trailer that matches them: [count, BLAKE2b-256
 * of every byte before the trailer frame]. NULL when the input does not
 * split into frames or has no trailer, or already carries this one. */
static uint8_t *fix_trailer(const uint8_t *data, size_t size, size_t *len)
{
    static struct fuzz_frame frames[FRAMES_MAX];
    int n = fuzz_split_frames(data, size, frames, FRAMES_MAX);
    if (n < 1 || frames[n - 1].kind != FUZZ_FRAME_TRAILER)
        return NULL;
    size_t body_len = (size_t)(frames[n - 1].p - data) - 5;
    uint64_t count = 0;
    for (int i = 0; i < n - 1; i++)
        count += frames[i].kind == FUZZ_FRAME_ENTRY;

    uint8_t trailer[1 + 9 + 2 + HZ_HASH_LEN];
    size_t t = 0;
    trailer[t++] = 0x92; /* [count, digest] */
    if (count < 128) {
        trailer[t++] = (uint8_t)count;
    } else {
        trailer[t++] = 0xcf; /* uint64: canonical enough for a reader */
        for (int s = 56; s >= 0; s -= 8)
            trailer[t++] = (uint8_t)(count >> s);
    }
    trailer[t++] = 0xc4;
    trailer[t++] = HZ_HASH_LEN;
    crypto_generichash(trailer + t, HZ_HASH_LEN, data, body_len, NULL, 0);
    t += HZ_HASH_LEN;

    if (frames[n - 1].len == t && memcmp(frames[n - 1].p, trailer, t) == 0)
        return NULL;
    uint8_t *out = malloc(body_len + 5 + t);
    FUZZ_CHECK(out != NULL);
    memcpy(out, data, body_len);
    uint8_t hdr[5] = {0, 0, 0, (uint8_t)t, FUZZ_FRAME_TRAILER};
    memcpy(out + body_len, hdr, sizeof hdr);
    memcpy(out + body_len + 5, trailer, t);
    *len = body_len + 5 + t;
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    import(data, size);
    size_t len;
    uint8_t *fixed = fix_trailer(data, size, &len);
    if (fixed != NULL) {
        import(fixed, len);
        free(fixed);
    }
    return 0;
}
