/* test_vectors_vector.c - proto/vectors/vector.json: a vector
 * (proto/bundle.md, "Vector").
 *
 * The vector names the placeholder network and one author, and is what
 * hz_node_vector prints for the node that exported bundle.json's full
 * bundle (rebuilt from that bundle's entries); its compact text, a peer's
 * vector, is accepted verbatim by hz_bundle_export, which then exports
 * what the peer lacks. */
#include "vectors_common.h"

#include "huzhu/bundle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void vector_is_what_the_exporter_prints(void **state)
{
    json_t *root = load(state, "vector.json");
    const json_t *vec = json_object_get(root, "vector");
    assert_string_equal(str(vec, "network"),
                        "68757a68752d6e6f2d6e6574776f726b");
    assert_int_equal(json_array_size(json_object_get(vec, "authors")), 1);

    json_t *bundles = load(state, "bundle.json");
    size_t i;
    json_t *j;
    bool found = false;
    json_array_foreach(json_object_get(bundles, "bundles"), i, j)
    {
        if (strcmp(str(j, "name"), "full") != 0)
            continue;
        found = true;
        struct world w;
        hz_node *n = exporter_node(j, &w);
        json_text_equal(n, vec, hz_node_vector);
        /* The text asks for the entries past the peer's seq. */
        json_error_t jerr;
        json_t *peer = json_loads(str(root, "text"), 0, &jerr);
        assert_non_null(peer);
        const json_t *pa = json_array_get(json_object_get(peer, "authors"), 0);
        const json_t *va = json_array_get(json_object_get(vec, "authors"), 0);
        assert_string_equal(str(pa, "author"), str(va, "author"));
        char *dir = temp_dir();
        char file[4200];
        snprintf(file, sizeof file, "%s/out.hzb", dir);
        uint64_t count = 0;
        struct hz_err err = {0};
        assert_int_equal(
            hz_bundle_export(n, file, str(root, "text"), &count, &err), 0);
        assert_int_equal(count, num(va, "seq") - num(pa, "seq"));
        json_decref(peer);
        remove_tree(dir);
        free(dir);
        hz_node_close(n);
    }
    assert_true(found);
    json_decref(bundles);
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_vector");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(vector_is_what_the_exporter_prints, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
