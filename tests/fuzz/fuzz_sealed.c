/* fuzz_sealed.c - libFuzzer target: sealed bundles (proto/bundle.md,
 * "Sealed bundles") imported by a node in a network.
 *
 * One node per process, in a network made from a fixed root seed, with
 * an admitted device revoked so that bundle key epochs 0 and 1 exist.
 * Every input is written to a file and imported. Properties:
 *   - hz_bundle_import returns 0 or a documented refusal code with a
 *     message (another network, a key this node lacks, a chunk that does
 *     not authenticate, a cut or padded file, a malformed header or
 *     bundle); never an I/O or corruption code, a crash or a leak;
 *   - a refused file changes nothing (state hash, log verify) and leaves
 *     no staged copy.
 * Seeds: `FUZZ_SEALED_SEEDS=DIR fuzz_sealed -runs=0` writes this node's
 * own sealed bundles (epoch 0 and epoch 1) into DIR. */
#include "fuzz_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static hz_node *node;
static char in_path[4200], staged[4200];

static void make_node(const char *dir, const char *name, hz_node **out)
{
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = fuzz_env()};
    struct hz_err err = {0};
    if (hz_node_create(dir, name, &opts, out, &err) != 0) {
        fprintf(stderr, "fuzz_sealed: create node: %s\n", err.msg);
        abort();
    }
}

static void seed_file(const char *dir, const char *name, const char *from)
{
    char path[4300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *in = fopen(from, "rb"), *out = fopen(path, "wb");
    FUZZ_CHECK(in != NULL && out != NULL);
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        FUZZ_CHECK(fwrite(buf, 1, got, out) == got);
    fclose(in);
    fclose(out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    const char *dir = fuzz_tmpdir();
    char node_dir[4200], dev_dir[4200], key[4300];
    snprintf(node_dir, sizeof node_dir, "%s/node", dir);
    snprintf(dev_dir, sizeof dev_dir, "%s/device", dir);
    snprintf(in_path, sizeof in_path, "%s/in.hzb", dir);
    snprintf(staged, sizeof staged, "%s/import.staging", node_dir);
    fuzz_env_reset();
    make_node(node_dir, "fuzz", &node);
    /* A fixed root seed: the same network in every process. */
    uint8_t seed[32];
    memset(seed, 0x5a, sizeof seed);
    snprintf(key, sizeof key, "%s/network.key", node_dir);
    fuzz_write_file(key, seed, sizeof seed);
    chmod(key, 0600);
    struct hz_err err = {0};
    char *net = NULL;
    FUZZ_CHECK(hz_network_create(node, "测试网", &net, &err) == 0);
    hz_free_string(net);
    hz_node *dev;
    make_node(dev_dir, "device", &dev);
    char dev_key[HZ_KEY_HEX_LEN + 1];
    hz_node_key_hex(dev, dev_key);
    hz_node_close(dev);
    struct hz_admission a = {.key = dev_key, .name = "dev", .role = "viewer"};
    char *token = NULL, *summary = NULL;
    const char *seeds = getenv("FUZZ_SEALED_SEEDS");
    char b0[4300], b1[4300];
    snprintf(b0, sizeof b0, "%s/epoch0.hzb", dir);
    snprintf(b1, sizeof b1, "%s/epoch1.hzb", dir);
    FUZZ_CHECK(hz_bundle_export(node, b0, NULL, NULL, &err) == 0);
    FUZZ_CHECK(hz_admit(node, &a, &token, &err) == 0);
    FUZZ_CHECK(hz_revoke(node, dev_key, 1, 0, &summary, &err) == 0);
    hz_free_string(token);
    hz_free_string(summary);
    FUZZ_CHECK(hz_bundle_export(node, b1, NULL, NULL, &err) == 0);
    /* Both open here: the seeds reach the decryption, not just the
     * header (the node is rebuilt the same way in every process). */
    struct hz_ingest_stats st;
    FUZZ_CHECK(hz_bundle_import(node, b0, &st, &err) == 0);
    FUZZ_CHECK(hz_bundle_import(node, b1, &st, &err) == 0 && st.entries > 0);
    if (seeds != NULL) {
        seed_file(seeds, "epoch0", b0);
        seed_file(seeds, "epoch1", b1);
    }
    return 0;
}

static void state_hash(char *out)
{
    struct hz_err err = {0};
    FUZZ_CHECK(hz_node_state_hash(node, out, &err) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char before[HZ_KEY_HEX_LEN + 1], after[HZ_KEY_HEX_LEN + 1];
    state_hash(before);
    fuzz_write_file(in_path, data, size);
    struct hz_ingest_stats st;
    struct hz_err err = {0};
    int refused = hz_bundle_import(node, in_path, &st, &err);
    if (refused != 0)
        FUZZ_CODES("hz_bundle_import", refused, &err, HZ_EMALFORMED, HZ_EBADSIG,
                   HZ_ENETWORK, HZ_ECHAIN, HZ_ETOOBIG, HZ_EVERSION, HZ_EPERM);
    uint64_t checked = 0;
    memset(&err, 0, sizeof err);
    FUZZ_CHECK(hz_node_log_verify(node, &checked, &err) == 0);
    state_hash(after);
    if (refused != 0) {
        FUZZ_CHECK(strcmp(before, after) == 0);
        FUZZ_CHECK(access(staged, F_OK) != 0);
    }
    return 0;
}
