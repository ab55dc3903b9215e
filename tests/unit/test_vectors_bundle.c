/* test_vectors_bundle.c - proto/vectors/bundle.json: bundles
 * (proto/bundle.md, "Bundle file").
 *
 * Each bundle labelled imported imports into an empty node of its own
 * with the counts stated, its digest covering every byte before the
 * trailer frame; each refused one is refused with its code by one node
 * that stays empty. The exporter's node, rebuilt from the full bundle's
 * own entries, exports the same bytes, for the full bundle and for the
 * delta of its vector. */
#include "vectors_common.h"

#include "huzhu/bundle.h"

#include <sodium.h>

#include <stdlib.h>
#include <string.h>

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
        struct world w;
        hz_node *n = exporter_node(j, &w);

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
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_bundle");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(bundles_import_or_are_refused_as_labelled,
                                  dir),
        cmocka_unit_test_prestate(bundle_export_writes_the_vector_bytes, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
