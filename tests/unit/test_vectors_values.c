/* test_vectors_values.c - proto/vectors/values.json: canonical msgpack of
 * single values (proto/entry.md, "Canonical msgpack").
 *
 * Each value encodes to its bytes, and its bytes decode to a value that
 * encodes to them again; no encoding labelled not canonical is what the
 * encoder writes for the value it holds. The pre-scan's verdict on the
 * forms (mp_unpack_canonical, which a body's last check uses in place of
 * re-encoding) agrees with each. */
#include "vectors_common.h"

#include "core/codec.h"

#include <stdlib.h>
#include <string.h>

static void canonical_values_round_trip(void **state)
{
    json_t *root = load(state, "values.json");
    size_t i;
    json_t *j;
    struct enc e;
    enc_init(&e);
    json_array_foreach(json_object_get(root, "canonical"), i, j)
    {
        struct arena a = {0};
        struct value v;
        value_from_json(json_object_get(j, "value"), &v, &a);
        struct bytes want = unhex(str(j, "msgpack"));
        enc_reset(&e);
        enc_value(&e, &v);
        assert_int_equal(enc_len(&e), want.len);
        assert_memory_equal(enc_data(&e), want.p, want.len);
        msgpack_unpacked u;
        struct hz_err err = {0};
        bool canonical = false;
        assert_int_equal(
            mp_unpack_canonical(&u, want.p, want.len, &canonical, &err), 0);
        assert_true(canonical);
        struct value back;
        assert_int_equal(mp_value(&u.data, &back, "v", &err), 0);
        enc_reset(&e);
        enc_value(&e, &back);
        assert_memory_equal(enc_data(&e), want.p, want.len);
        msgpack_unpacked_destroy(&u);
        free(want.p);
        arena_free(&a);
    }
    json_array_foreach(json_object_get(root, "not_canonical"), i, j)
    {
        struct bytes b = unhex(str(j, "msgpack"));
        msgpack_unpacked u;
        struct hz_err err = {0};
        bool canonical = true;
        assert_int_equal(mp_unpack_canonical(&u, b.p, b.len, &canonical, &err),
                         0);
        assert_false(canonical);
        struct value v;
        if (mp_value(&u.data, &v, "v", &err) == 0) {
            enc_reset(&e);
            enc_value(&e, &v);
            assert_false(enc_len(&e) == b.len &&
                         memcmp(enc_data(&e), b.p, b.len) == 0);
        }
        msgpack_unpacked_destroy(&u);
        free(b.p);
    }
    enc_close(&e);
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_values");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(canonical_values_round_trip, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
