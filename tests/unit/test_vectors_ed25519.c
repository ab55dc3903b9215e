/* test_vectors_ed25519.c - proto/vectors/ed25519.json: Ed25519 signatures
 * as libsodium 1.0.18 judges them (proto/entry.md, "Signature").
 *
 * crypto_sign_verify_detached accepts every case labelled valid and
 * refuses every other. */
#include "vectors_common.h"

#include <sodium.h>

#include <stdlib.h>

static void ed25519_cases_match_libsodium(void **state)
{
    json_t *root = load(state, "ed25519.json");
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "cases"), i, j)
    {
        uint8_t pk[32], sig[64];
        unhex_fixed(str(j, "public_key"), pk, sizeof pk);
        unhex_fixed(str(j, "signature"), sig, sizeof sig);
        struct bytes m = unhex(str(j, "message"));
        int ok = crypto_sign_verify_detached(sig, m.p, m.len, pk) == 0;
        if (ok != json_is_true(json_object_get(j, "valid")))
            fail_msg("%s", str(j, "name"));
        free(m.p);
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_ed25519");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(ed25519_cases_match_libsodium, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
