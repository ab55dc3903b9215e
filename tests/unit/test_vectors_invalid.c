/* test_vectors_invalid.c - proto/vectors/invalid.json: entries a node
 * must not apply (proto/entry.md, "Transport checks", "Content checks",
 * "Verdicts").
 *
 * Every entry meets the fate it is labelled with on an empty node:
 * refused with its code and nothing stored, or stored as rejected (the
 * body failing with its code) or held; none leaves a fact of the merge,
 * and the state hash is the empty node's afterwards. */
#include "vectors_common.h"

#include "core/body.h"
#include "core/entry.h"
#include "core/schema.h"

#include <string.h>

/* Rows of the merge's facts: what an applied entry would have left. */
static int64_t facts(hz_node *n)
{
    return count_rows(n, "w") + count_rows(n, "tomb") + count_rows(n, "evsrc");
}

/* Each vector is taken in alone by one empty node, inside a transaction
 * that is rolled back afterwards, so the next vector finds it empty. */
static void invalid_entries_meet_their_labelled_fate(void **state)
{
    json_t *root = load(state, "invalid.json");
    struct world w;
    hz_node *n = memory_node(&w, 0x09, T0_MS);
    char empty[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    state_hash(n, empty);
    size_t i;
    json_t *j;
    json_array_foreach(json_object_get(root, "entries"), i, j)
    {
        struct bytes b = unhex(str(j, "entry"));
        const char *verdict = str(j, "verdict");
        enum ingest_result res = INGEST_DUPLICATE;
        struct hz_err why = {0};
        assert_int_equal(txn_begin(n, &why), 0);
        int rv = ingest_entry(n, b.p, b.len, &res, &why);
        if (strcmp(verdict, "refused") == 0) {
            if (rv == 0)
                fail_msg("%s: not refused", str(j, "name"));
            assert_string_equal(hz_errname(rv), str(j, "code"));
            assert_int_equal(count_rows(n, "log"), 0);
            assert_int_equal(count_rows(n, "pending"), 0);
            assert_int_equal(count_rows(n, "forks"), 0);
        } else {
            if (rv != 0)
                fail_msg("%s: refused: %s", str(j, "name"), why.msg);
            assert_int_equal(count_rows(n, "log"), 1);
            if (strcmp(verdict, "rejected") == 0) {
                assert_int_equal(res, INGEST_REJECTED);
                assert_int_equal(count_rows(n, "log WHERE state = 1"), 1);
                struct entry e;
                struct body body;
                assert_int_equal(entry_decode(&e, b.p, b.len, &why), 0);
                uint64_t version;
                int brv =
                    body_peek_version(e.body.p, e.body.len, &version, &why);
                if (brv == 0)
                    brv = body_decode(&body, schema_current(), e.body.p,
                                      e.body.len, &why);
                assert_string_equal(hz_errname(brv), str(j, "code"));
            } else {
                assert_string_equal(verdict, "held");
                assert_int_equal(res, INGEST_HELD);
                assert_int_equal(count_rows(n, "log WHERE state = 2"), 1);
            }
        }
        assert_int_equal(facts(n), 0);
        txn_rollback(n);
        free(b.p);
    }
    state_hash(n, after);
    assert_string_equal(after, empty);
    hz_node_close(n);
    json_decref(root);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_invalid");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(invalid_entries_meet_their_labelled_fate,
                                  dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
