/* test_vectors_vector.c - proto/vectors/vector.json: a vector
 * (proto/bundle.md, "Vector").
 *
 * The vector names the placeholder network and one author. */
#include "vectors_common.h"

static void vector_names_the_network_and_its_author(void **state)
{
    json_t *root = load(state, "vector.json");
    const json_t *vec = json_object_get(root, "vector");
    assert_string_equal(str(vec, "network"),
                        "68757a68752d6e6f2d6e6574776f726b");
    assert_int_equal(json_array_size(json_object_get(vec, "authors")), 1);
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_vector");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(vector_names_the_network_and_its_author, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
