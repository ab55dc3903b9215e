/* test_import_ahead.c - pass 2 of a bundle import reads ahead on a second
 * thread (DECISIONS 45): when applying fails with entries read and decoded
 * ahead of it, the import stops, keeps every batch it committed and
 * nothing of the failed one, leaks nothing (the sanitizer build runs
 * LeakSanitizer), and `--resume` finishes it.
 *
 * The program is linked with -Wl,--wrap=log_append (see CMakeLists.txt):
 * the store's append of an entry fails once, at the entry the test
 * names, as a full disk would; and it notes whether freed space is being
 * zeroed as entries apply (not while an import applies, again after). */
#include "lib/unit_env.h"

#include "store/state/state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __real_log_append(struct hz_node *n, const struct entry *e,
                      const uint8_t *buf, size_t len, enum entry_state state,
                      const char *reason, int64_t mark, int64_t *at,
                      struct hz_err *err);
int __wrap_log_append(struct hz_node *n, const struct entry *e,
                      const uint8_t *buf, size_t len, enum entry_state state,
                      const char *reason, int64_t mark, int64_t *at,
                      struct hz_err *err);

static unsigned long appends, fail_at;
/* Whether freed space was zeroed while entries applied: PRAGMA
 * secure_delete as each append saw it, -1 before any. */
static int64_t zeroing_seen = -1;

int __wrap_log_append(struct hz_node *n, const struct entry *e,
                      const uint8_t *buf, size_t len, enum entry_state state,
                      const char *reason, int64_t mark, int64_t *at,
                      struct hz_err *err)
{
    zeroing_seen = unit_sql_int(n, "PRAGMA secure_delete");
    if (++appends == fail_at) {
        if (err != NULL) {
            err->code = HZ_EIO;
            snprintf(err->msg, sizeof err->msg, "test: the disk failed");
        }
        return HZ_EIO;
    }
    return __real_log_append(n, e, buf, len, state, reason, mark, at, err);
}

/* The search index holds exactly the keys the rows give, and answers as
 * the source's does (the documents of new rows are made on the reader
 * thread). */
static void assert_same_search(hz_node *a, hz_node *b)
{
    struct hz_err err = {0};
    assert_int_equal(db_begin_read(&b->db, &err), 0);
    assert_int_equal(search_verify(b, &err), 0);
    db_rollback(&b->db);
    const char *queries[] = {"测试", "户1", "ceshi", "csh", "0007", "测试村"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *ja = NULL, *jb = NULL;
        assert_int_equal(hz_node_search(a, queries[i], 100, &ja, &err), 0);
        assert_int_equal(hz_node_search(b, queries[i], 100, &jb, &err), 0);
        assert_string_equal(ja, jb);
        assert_true(strlen(ja) > 2); /* found some */
        free(ja);
        free(jb);
    }
}

#define ENTRIES 40
#define BATCH "4"  /* entries a transaction */
#define FAIL_AT 23 /* in the sixth batch: five committed before it */

static void
failure_in_pass_two_keeps_committed_batches_and_resumes(void **state)
{
    /* With the reader thread, and without it (one core). */
    if (*state != NULL)
        assert_int_equal(setenv("HUZHU_TEST_IMPORT_NO_AHEAD", "1", 1), 0);
    else
        assert_int_equal(unsetenv("HUZHU_TEST_IMPORT_NO_AHEAD"), 0);
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    hz_node *a = unit_node_memory(7, &e);
    for (int i = 0; i < ENTRIES; i++) {
        char name[32], phone[32];
        snprintf(name, sizeof name, "测试户%d", i);
        snprintf(phone, sizeof phone, "1380000%04d", i);
        if (i == 0) /* a row with no search keys, first */
            assert_int_equal(unit_put(a, "households", NULL,
                                      UNIT_FIELDS({"members", "3"}), NULL,
                                      NULL),
                             0);
        else if (i % 2)
            assert_int_equal(
                unit_put(a, "persons", NULL,
                         UNIT_FIELDS({"name", name}, {"phone", phone}), NULL,
                         NULL),
                0);
        else
            assert_int_equal(
                unit_put(a, "households", NULL,
                         UNIT_FIELDS({"head_name", name}, {"phone", phone},
                                     {"village", "测试村"}),
                         NULL, NULL),
                0);
    }
    char *tmp = unit_tmpdir();
    char *file = unit_path(tmp, "all.bundle");
    char *dir = unit_path(tmp, "b");
    struct hz_err err = {0};
    uint64_t n_out = 0;
    assert_int_equal(hz_bundle_export(a, file, NULL, &n_out, &err), 0);
    assert_int_equal(n_out, ENTRIES);

    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION, .env = &e.env};
    hz_node *b = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &b, &err), 0);
    /* The node zeroes what SQLite frees; an import does not while its
     * entries apply (all it frees the log holds), and zeroes again
     * after, whether it failed or not. */
    assert_int_equal(unit_sql_int(b, "PRAGMA secure_delete"), 1);
    assert_int_equal(setenv("HUZHU_TEST_IMPORT_BATCH", BATCH, 1), 0);
    appends = 0;
    fail_at = FAIL_AT;
    struct hz_ingest_stats st = {0};
    assert_int_equal(hz_bundle_import(b, file, &st, &err), HZ_EIO);
    assert_non_null(strstr(err.msg, "the disk failed"));
    assert_int_equal(zeroing_seen, 0);
    assert_int_equal(unit_sql_int(b, "PRAGMA secure_delete"), 1);
    /* Five batches of four committed; the sixth rolled back whole. */
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM log"), 20);
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM e_households") +
                         unit_sql_int(b, "SELECT count(*) FROM e_persons"),
                     20);

    /* Resumed from the staged copy: the rest applied, the first twenty
     * recognised as held. */
    fail_at = 0;
    zeroing_seen = -1;
    assert_int_equal(hz_bundle_import(b, NULL, &st, &err), 0);
    assert_int_equal(zeroing_seen, 0);
    assert_int_equal(unit_sql_int(b, "PRAGMA secure_delete"), 1);
    assert_int_equal(st.duplicate, 20);
    assert_int_equal(st.applied, ENTRIES - 20);
    unit_assert_same_state(a, b);
    assert_same_search(a, b);
    /* The staged copy is gone: nothing left to resume. */
    assert_int_equal(hz_bundle_import(b, NULL, &st, &err), HZ_ENOTFOUND);

    /* A failure at the very first entry, with the reader ahead of it:
     * nothing stored. */
    hz_node *c = NULL;
    char *dir_c = unit_path(tmp, "c");
    assert_int_equal(hz_node_create(dir_c, "测试节点", &opts, &c, &err), 0);
    appends = 0;
    fail_at = 1;
    assert_int_equal(hz_bundle_import(c, file, &st, &err), HZ_EIO);
    assert_int_equal(unit_sql_int(c, "SELECT count(*) FROM log"), 0);
    fail_at = 0;
    assert_int_equal(unsetenv("HUZHU_TEST_IMPORT_BATCH"), 0);
    assert_int_equal(hz_bundle_import(c, NULL, &st, &err), 0);
    assert_int_equal(st.applied, ENTRIES);
    unit_assert_same_state(a, c);
    assert_same_search(a, c);

    hz_node_close(a);
    hz_node_close(b);
    hz_node_close(c);
    unit_rmtree(tmp);
    free(file);
    free(dir);
    free(dir_c);
    free(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(
            failure_in_pass_two_keeps_committed_batches_and_resumes, NULL),
        cmocka_unit_test_prestate(
            failure_in_pass_two_keeps_committed_batches_and_resumes,
            "one core"),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
