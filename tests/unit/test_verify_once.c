/* test_verify_once.c - every entry's signature is checked exactly once
 * between its bytes arriving and its being stored, and a duplicate costs
 * none (issue 11, "Verify once"); an imported entry's body is decoded
 * once, a duplicate's never ("decoded once").
 *
 * The program is linked with -Wl,--wrap=crypto_sign_verify_detached and
 * -Wl,--wrap=body_decode (see CMakeLists.txt): every call from the core
 * goes through the counters below and on to the real function. A count,
 * never a timing. */
#include "lib/unit_env.h"

#include <sodium.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int __real_crypto_sign_verify_detached(const unsigned char *sig,
                                       const unsigned char *m,
                                       unsigned long long mlen,
                                       const unsigned char *pk);
int __wrap_crypto_sign_verify_detached(const unsigned char *sig,
                                       const unsigned char *m,
                                       unsigned long long mlen,
                                       const unsigned char *pk);

/* Pass 1 of an import checks signatures on several threads: the counter
 * is kept under a mutex (C11 atomics spun for ever under qemu-user's
 * aarch64 emulation, tools/aarch64.sh). */
static unsigned long verifies;
static pthread_mutex_t verifies_lock = PTHREAD_MUTEX_INITIALIZER;

int __wrap_crypto_sign_verify_detached(const unsigned char *sig,
                                       const unsigned char *m,
                                       unsigned long long mlen,
                                       const unsigned char *pk)
{
    pthread_mutex_lock(&verifies_lock);
    verifies++;
    pthread_mutex_unlock(&verifies_lock);
    return __real_crypto_sign_verify_detached(sig, m, mlen, pk);
}

/* Pass 2 of an import decodes bodies on its reader thread. */
struct body;
struct schema;
int __real_body_decode(struct body *b, const struct schema *s,
                       const uint8_t *buf, size_t len, struct hz_err *err);
int __wrap_body_decode(struct body *b, const struct schema *s,
                       const uint8_t *buf, size_t len, struct hz_err *err);

static unsigned long decodes;

int __wrap_body_decode(struct body *b, const struct schema *s,
                       const uint8_t *buf, size_t len, struct hz_err *err)
{
    pthread_mutex_lock(&verifies_lock);
    decodes++;
    pthread_mutex_unlock(&verifies_lock);
    return __real_body_decode(b, s, buf, len, err);
}

#define HOUSEHOLDS 20
#define N_ENTRIES (1 + 2 * HOUSEHOLDS) /* a site, two per household */

/* A source node with N_ENTRIES entries of its own: households, each
 * edited once (so heads are named), and a site. */
static hz_node *source(struct unit_env *e)
{
    hz_node *n = unit_node_memory(7, e);
    char site[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), site, NULL),
                     0);
    for (int i = 0; i < HOUSEHOLDS; i++) {
        char h[HZ_ROW_HEX_LEN + 1];
        assert_int_equal(unit_put(n, "households", NULL,
                                  UNIT_FIELDS({"village", "测试村"}), h, NULL),
                         0);
        assert_int_equal(unit_put(n, "households", h,
                                  UNIT_FIELDS({"status", "sheltered"}), NULL,
                                  NULL),
                         0);
    }
    return n;
}

static void own_writes_check_no_signature(void **state)
{
    (void)state;
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    verifies = 0;
    hz_node *n = source(&e);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log"), N_ENTRIES);
    /* We signed them ourselves, in the same transaction. */
    assert_int_equal(verifies, 0);
    hz_node_close(n);
}

static void relay_checks_each_new_entry_once_and_no_duplicate(void **state)
{
    (void)state;
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    hz_node *a = source(&e);
    struct unit_entries all = {0};
    unit_entries_collect(a, &all);
    assert_int_equal(all.n, N_ENTRIES);

    /* Backwards: every entry but the first waits in pending, then the
     * whole chain drains when seq 1 arrives. Each is checked once. */
    hz_node *b = unit_node_memory(8, &e);
    verifies = 0;
    for (size_t i = all.n; i-- > 0;) {
        struct hz_ingest_stats st = {0};
        assert_int_equal(unit_deliver_range(b, &all, i, 1, &st), 0);
    }
    assert_int_equal(verifies, N_ENTRIES);
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM log"), N_ENTRIES);
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM pending"), 0);
    unit_assert_same_state(a, b);

    /* Everything again: all duplicates, no signature work. */
    verifies = 0;
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(b, &all, &st), 0);
    assert_int_equal(st.duplicate, N_ENTRIES);
    assert_int_equal(verifies, 0);

    unit_entries_free(&all);
    hz_node_close(a);
    hz_node_close(b);
}

static void bundle_import_checks_each_new_entry_once(void **state)
{
    (void)state;
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    hz_node *a = source(&e);
    char *tmp = unit_tmpdir();
    char *file = unit_path(tmp, "all.bundle");
    char *dir = unit_path(tmp, "b");
    struct hz_err err = {0};
    uint64_t n_out = 0;
    assert_int_equal(hz_bundle_export(a, file, NULL, &n_out, &err), 0);
    assert_int_equal(n_out, N_ENTRIES);

    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION, .env = &e.env};
    hz_node *b = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &b, &err), 0);
    verifies = 0;
    decodes = 0;
    struct hz_ingest_stats st = {0};
    assert_int_equal(hz_bundle_import(b, file, &st, &err), 0);
    assert_int_equal(st.applied, N_ENTRIES);
    assert_int_equal(verifies, N_ENTRIES); /* pass 1 only */
    assert_int_equal(decodes, N_ENTRIES);  /* read ahead, applied as read */
    unit_assert_same_state(a, b);

    /* A re-import of a bundle the node holds: recognised by the ids, no
     * body read. */
    verifies = 0;
    decodes = 0;
    assert_int_equal(hz_bundle_import(b, file, &st, &err), 0);
    assert_int_equal(st.duplicate, N_ENTRIES);
    assert_int_equal(verifies, 0);
    assert_int_equal(decodes, 0);

    /* A half-held bundle: only the new half costs signature checks. */
    hz_node *c = NULL;
    char *dir_c = unit_path(tmp, "c");
    assert_int_equal(hz_node_create(dir_c, "测试节点", &opts, &c, &err), 0);
    struct unit_entries all = {0};
    unit_entries_collect(a, &all);
    struct hz_ingest_stats half = {0};
    assert_int_equal(unit_deliver_range(c, &all, 0, N_ENTRIES / 2, &half), 0);
    verifies = 0;
    decodes = 0;
    assert_int_equal(hz_bundle_import(c, file, &st, &err), 0);
    assert_int_equal(st.duplicate, N_ENTRIES / 2);
    assert_int_equal(st.applied, N_ENTRIES - N_ENTRIES / 2);
    assert_int_equal(verifies, N_ENTRIES - N_ENTRIES / 2);
    assert_int_equal(decodes, N_ENTRIES - N_ENTRIES / 2);

    unit_entries_free(&all);
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
        cmocka_unit_test(own_writes_check_no_signature),
        cmocka_unit_test(relay_checks_each_new_entry_once_and_no_duplicate),
        cmocka_unit_test(bundle_import_checks_each_new_entry_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
