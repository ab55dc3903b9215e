/* test_alloc_faults.c - allocation failures (STYLE 6, 10: "fault
 * injection").
 *
 * hz_alloc_fail_after(k) makes the k-th allocation of the core fail. For
 * k = 1, 2, ... until a call runs without meeting the failure, every
 * failure must return an error, leave the state unchanged and leak
 * nothing (the sanitizer build runs LeakSanitizer at exit). An allocation
 * failure is not a verdict on an entry: it must never be stored as
 * "rejected" (DECISIONS 3). */
#include "lib/unit_env.h"

#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/body.h"

/* Runs of one fault-injected call are bounded: no path here allocates
 * through the core more than this many times. */
#define K_MAX 64

static void teardown_countdown(void)
{
    hz_alloc_fail_after(0);
}

/* Bodies of several shapes, encoded into @e. */
static void sample_body(struct enc *e, int which)
{
    static const uint8_t row[HZ_ROW_LEN] = {1}, other[HZ_ROW_LEN] = {2};
    static uint8_t head[HZ_HASH_LEN] = {3};
    enc_reset(e);
    enc_array(e, 2);
    enc_uint(e, 1);
    switch (which) {
    case 0: /* one set with a head */
        enc_array(e, 1);
        enc_array(e, 4);
        enc_uint(e, 0);
        enc_cstr(e, "households");
        enc_bin(e, row, HZ_ROW_LEN);
        enc_array(e, 1);
        enc_array(e, 3);
        enc_cstr(e, "village");
        enc_cstr(e, "测试村");
        enc_array(e, 1);
        enc_bin(e, head, HZ_HASH_LEN);
        break;
    case 1: /* a delete and an insert */
        enc_array(e, 2);
        enc_array(e, 4);
        enc_uint(e, 1);
        enc_cstr(e, "persons");
        enc_bin(e, row, HZ_ROW_LEN);
        enc_array(e, 1);
        enc_bin(e, head, HZ_HASH_LEN);
        enc_array(e, 4);
        enc_uint(e, 2);
        enc_cstr(e, "stays");
        enc_bin(e, other, HZ_ROW_LEN);
        enc_array(e, 4);
        enc_array(e, 2);
        enc_cstr(e, "kind");
        enc_cstr(e, "in");
        enc_array(e, 2);
        enc_cstr(e, "person");
        enc_bin(e, row, HZ_ROW_LEN);
        enc_array(e, 2);
        enc_cstr(e, "site");
        enc_bin(e, other, HZ_ROW_LEN);
        enc_array(e, 2);
        enc_cstr(e, "time");
        enc_uint(e, 1714521600);
        break;
    default: /* content that fails after allocating */
        enc_array(e, 1);
        enc_array(e, 4);
        enc_uint(e, 0);
        enc_cstr(e, "households");
        enc_bin(e, row, HZ_ROW_LEN);
        enc_array(e, 1);
        enc_array(e, 3);
        enc_cstr(e, "members");
        enc_int(e, 101);
        enc_array(e, 0);
        break;
    }
    assert_int_equal(enc_done(e), 0);
}

static void body_decode_fails_cleanly_at_every_allocation(void **state)
{
    (void)state;
    struct enc e;
    enc_init(&e);
    for (int which = 0; which < 3; which++) {
        sample_body(&e, which);
        struct body b;
        int want =
            body_decode(&b, schema_current(), enc_data(&e), enc_len(&e), NULL);
        body_close(&b);
        int k;
        for (k = 1; k <= K_MAX; k++) {
            hz_alloc_fail_after((unsigned long)k);
            int rv = body_decode(&b, schema_current(), enc_data(&e),
                                 enc_len(&e), NULL);
            teardown_countdown();
            if (rv == want)
                break; /* the k-th allocation was never reached */
            assert_int_equal(rv, HZ_ENOMEM);
            assert_null(b.mem);
            assert_int_equal(b.n_ops, 0);
        }
        assert_true(k > 1); /* at least one failure was injected */
        assert_true(k <= K_MAX);
        body_close(&b);
    }
    enc_close(&e);
}

static void entry_paths_fail_cleanly_at_every_allocation(void **state)
{
    (void)state;
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    sample_body(&body, 0);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, NULL);
    for (int k = 1; k <= K_MAX; k++) {
        hz_alloc_fail_after((unsigned long)k);
        struct entry e;
        int rv = entry_decode(&e, es.p[0], es.len[0], NULL);
        if (rv == 0)
            rv = entry_verify(&e, NULL);
        struct enc out;
        enc_init(&out);
        int rv2 = rv == 0 ? entry_encode(&e, &out) : rv;
        enc_close(&out);
        teardown_countdown();
        assert_true(rv == 0 || rv == HZ_ENOMEM);
        assert_true(rv2 == 0 || rv2 == HZ_ENOMEM);
        if (rv == 0 && rv2 == 0)
            break;
    }
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
}

/* A commit with its k-th allocation failing, for k = 1, 2, ... until one
 * succeeds: every failure returns an error (HZ_ENOMEM when
 * @expect_enomem) and changes nothing. */
static void commit_under_faults(int expect_enomem)
{
    struct unit_env env;
    unit_env_init(&env, 1, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0xa1, &env);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村"}), h, NULL),
                     0);
    int k, wrong = 0;
    for (k = 1; k <= K_MAX; k++) {
        struct unit_snapshot before;
        unit_snapshot_take(n, &before);
        hz_alloc_fail_after((unsigned long)k);
        size_t written = 99;
        int rv = unit_put(n, "households", h, UNIT_FIELDS({"members", "3"}),
                          NULL, &written);
        teardown_countdown();
        if (rv == 0) {
            assert_int_equal(written, 1);
            unit_snapshot_free(&before);
            break;
        }
        if (expect_enomem && rv != HZ_ENOMEM && wrong == 0)
            wrong = rv;
        unit_assert_unchanged(n, &before);
        unit_snapshot_free(&before);
    }
    assert_true(k > 1);
    unit_assert_field(n, "households", h, "members", "3");
    hz_node_close(n);
    /* Checked last, so that a failure leaks nothing. */
    if (wrong != 0)
        fail_msg("an allocation failure gave %s, expected HZ_ENOMEM",
                 hz_errname(wrong));
}

static void commit_under_allocation_failure_changes_nothing(void **state)
{
    (void)state;
    commit_under_faults(0);
}

/* hz_node_commit: "Errors: ... HZ_EIO" — an allocation failure is
 * reported as such, not as corrupt local data. */
static void commit_under_allocation_failure_reports_enomem(void **state)
{
    (void)state;
    commit_under_faults(1);
}

/* An entry received while memory is short is not judged: the batch fails
 * and nothing is stored, so the entry applies when it comes again. */
static void ingest_under_allocation_failure_stores_nothing(void **state)
{
    (void)state;
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    sample_body(&body, 0);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, NULL);
    sample_body(&body, 1);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 1, &body, &es, NULL);

    struct unit_env env;
    unit_env_init(&env, 1, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &env);
    int k, bad_k = 0, bad_rv = 0;
    uint64_t bad_rejected = 0;
    for (k = 1; k <= K_MAX; k++) {
        struct unit_snapshot before;
        unit_snapshot_take(n, &before);
        struct hz_ingest_stats st = {0};
        hz_alloc_fail_after((unsigned long)k);
        int rv = unit_deliver(n, &es, &st);
        teardown_countdown();
        if (rv == 0 && st.applied == es.n && st.rejected == 0) {
            unit_snapshot_free(&before);
            break;
        }
        if (rv != HZ_ENOMEM || st.rejected != 0) {
            /* Stored as a verdict: the state has changed for good. */
            bad_k = k;
            bad_rv = rv;
            bad_rejected = st.rejected;
            unit_snapshot_free(&before);
            break;
        }
        unit_assert_unchanged(n, &before);
        unit_snapshot_free(&before);
    }
    int64_t applied =
        unit_sql_int(n, "SELECT count(*) FROM log WHERE state = 0");
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(n);
    /* Checked last, so that a failure leaks nothing. */
    if (bad_k != 0)
        fail_msg("allocation %d failed: %s, %llu entries stored as rejected",
                 bad_k, hz_errname(bad_rv), (unsigned long long)bad_rejected);
    assert_true(k > 1);
    assert_int_equal(applied, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_decode_fails_cleanly_at_every_allocation),
        cmocka_unit_test(entry_paths_fail_cleanly_at_every_allocation),
        cmocka_unit_test(commit_under_allocation_failure_changes_nothing),
        cmocka_unit_test(commit_under_allocation_failure_reports_enomem),
        cmocka_unit_test(ingest_under_allocation_failure_stores_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
