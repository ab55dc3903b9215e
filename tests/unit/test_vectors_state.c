/* test_vectors_state.c - proto/vectors/state.json: the state a set of
 * entries makes (proto/merge.md; proto/state-hash.md).
 *
 * The state hash is BLAKE2b-256 of the tag and hash_input; fresh nodes
 * taking the entries in forward, backward and shuffled, all at once, one
 * by one and in threes, each twice, reach that hash, the vector and the
 * conflicts stated, with nothing pending and every entry applied. */
#include "vectors_common.h"

#include <sodium.h>

#include <stdlib.h>

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

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_state");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(state_hash_is_reproduced_in_any_order, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
