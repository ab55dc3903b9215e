/* test_vectors_schema.c - proto/vectors/schema.json: the schema
 * registry as data (proto/schema.md).
 *
 * The registry holds the version, the tables and, per table, the columns
 * the file lists, in its order. (The Python reader compares the file with
 * proto/schema.md.) */
#include "vectors_common.h"

#include "core/schema.h"

static void schema_vector_matches_the_registry(void **state)
{
    json_t *root = load(state, "schema.json");
    const struct schema *s = schema_current();
    assert_int_equal(num(root, "version"), s->version);
    const json_t *tables = json_object_get(root, "tables");
    assert_int_equal(json_array_size(tables), s->n_tables);
    for (size_t t = 0; t < s->n_tables; t++) {
        const json_t *tj = json_array_get(tables, t);
        assert_string_equal(str(tj, "name"), s->tables[t].name);
        const json_t *cols = json_object_get(tj, "columns");
        assert_int_equal(json_array_size(cols), s->tables[t].n_cols);
        for (size_t c = 0; c < s->tables[t].n_cols; c++)
            assert_string_equal(str(json_array_get(cols, c), "name"),
                                s->tables[t].cols[c].name);
    }
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_schema");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(schema_vector_matches_the_registry, dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
