/* test_upgrade.c - several software versions in one mesh (DECISIONS 1, 3,
 * 17; DESIGN "Compatibility").
 *
 * A test schema, the version after this build's (UNIT_V_NEXT), adds
 * households.boat_access. Node A runs it; node B still runs this build's.
 * An entry that needs the next version is held on B: stored in A's chain,
 * not applied, state unchanged, still relayed. A plain edit written by A
 * needs only version 1 and applies on B at once. When B is reopened with
 * the next version, the held entry is applied and A and B hold the same
 * state. The same holds for the real version 2 (recorded_by, the account
 * of a web write) against a node that still runs version 1. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/body.h"

struct world {
    char *dir_a, *dir_b;
    struct unit_env ea, eb;
    hz_node *a, *b;
    char h1[HZ_ROW_HEX_LEN + 1], h2[HZ_ROW_HEX_LEN + 1];
};

static hz_node *create_and_open(const char *dir, const char *name,
                                const struct schema *s, struct unit_env *env)
{
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &env->env};
    hz_node *n = NULL;
    struct hz_err err = {0};
    if (hz_node_create(dir, name, &opts, &n, &err) != 0)
        fail_msg("hz_node_create: %s", err.msg);
    hz_node_close(n);
    if (node_open_schema(dir, s, &opts, &n, &err) != 0)
        fail_msg("node_open_schema: %s", err.msg);
    return n;
}

static hz_node *reopen(const char *dir, const struct schema *s,
                       struct unit_env *env)
{
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &env->env};
    hz_node *n = NULL;
    struct hz_err err = {0};
    if (node_open_schema(dir, s, &opts, &n, &err) != 0)
        fail_msg("node_open_schema: %s", err.msg);
    return n;
}

/* The schema version the body of @n's entry at @seq (its own) names. */
static uint64_t body_version_of(hz_node *n, int64_t seq)
{
    struct unit_entries es = {0};
    unit_entries_collect(n, &es);
    uint64_t v = 0;
    for (size_t i = 0; i < es.n; i++) {
        struct entry e;
        assert_int_equal(entry_decode(&e, es.p[i], es.len[i], NULL), 0);
        if ((int64_t)e.seq == seq &&
            memcmp(e.author, n->id.pk, HZ_KEY_LEN) == 0)
            assert_int_equal(body_peek_version(e.body.p, e.body.len, &v, NULL),
                             0);
    }
    unit_entries_free(&es);
    return v;
}

static int64_t n_held(hz_node *n)
{
    return unit_sql_int(n, "SELECT count(*) FROM log WHERE state = 2");
}

static void world_open(struct world *w)
{
    w->dir_a = unit_tmpdir();
    w->dir_b = unit_tmpdir();
    unit_env_init(&w->ea, 1, UNIT_T0_MS);
    unit_env_init(&w->eb, 2, UNIT_T0_MS);
    w->a = create_and_open(w->dir_a, "测试节点甲", unit_schema_next(), &w->ea);
    w->b = create_and_open(w->dir_b, "测试节点乙", schema_current(), &w->eb);
    /* 1: needs the next version; 2: a plain edit; 3: a plain edit of the row
     * that entry 1 created. */
    assert_int_equal(
        unit_put(w->a, "households", NULL,
                 UNIT_FIELDS({"boat_access", "是"}, {"village", "测试村甲"}),
                 w->h1, NULL),
        0);
    assert_int_equal(unit_put(w->a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村乙"}), w->h2,
                              NULL),
                     0);
    w->ea.now_ms += 1000;
    assert_int_equal(unit_put(w->a, "households", w->h1,
                              UNIT_FIELDS({"village", "测试村丙"}), NULL, NULL),
                     0);
    assert_int_equal(body_version_of(w->a, 1), UNIT_V_NEXT);
    assert_int_equal(body_version_of(w->a, 2), 1);
    assert_int_equal(body_version_of(w->a, 3), 1);
}

static void world_close(struct world *w)
{
    hz_node_close(w->a);
    hz_node_close(w->b);
    unit_rmtree(w->dir_a);
    unit_rmtree(w->dir_b);
    free(w->dir_a);
    free(w->dir_b);
}

static void upgraded_node_writes_the_new_column(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    unit_assert_field(w.a, "households", w.h1, "boat_access", "true");
    unit_assert_field(w.a, "households", w.h1, "village", "\"测试村丙\"");
    /* The old build does not know the column. */
    assert_int_equal(unit_put(w.b, "households", NULL,
                              UNIT_FIELDS({"boat_access", "是"}), NULL, NULL),
                     HZ_ESCHEMA);
    world_close(&w);
}

static void entry_of_a_newer_schema_is_held_and_relayed(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct unit_entries from_a = {0};
    unit_entries_collect(w.a, &from_a);
    assert_int_equal(from_a.n, 3);

    /* Entry 1 alone: held, and the state does not change. */
    char empty[2 * HZ_HASH_LEN + 1], got[2 * HZ_HASH_LEN + 1];
    unit_state_hash(w.b, empty);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver_range(w.b, &from_a, 0, 1, &st), 0);
    assert_int_equal(st.held, 1);
    assert_int_equal(st.applied, 0);
    assert_int_equal(st.rejected, 0);
    assert_int_equal(n_held(w.b), 1);
    unit_state_hash(w.b, got);
    assert_string_equal(got, empty);
    char *json = NULL;
    assert_int_equal(hz_node_get(w.b, "households", w.h1, &json, NULL),
                     HZ_ENOTFOUND);
    hz_free_string(json);
    json_t *s = unit_status(w.b);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(s, "entries"), "held")),
                     1);
    json_decref(s);

    /* The plain edits after it apply at once: no hole in the chain. */
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver_range(w.b, &from_a, 1, 2, &st), 0);
    assert_int_equal(st.applied, 2);
    assert_int_equal(n_held(w.b), 1);
    unit_assert_field(w.b, "households", w.h1, "village", "\"测试村丙\"");
    unit_assert_field(w.b, "households", w.h2, "village", "\"测试村乙\"");

    /* Relayed: by store_relay_each and in bundles. */
    struct unit_entries from_b = {0};
    unit_entries_collect(w.b, &from_b);
    assert_int_equal(from_b.n, 3);
    char *bundle = unit_path(w.dir_b, "out.hzb");
    uint64_t n_exported = 0;
    assert_int_equal(hz_bundle_export(w.b, bundle, NULL, &n_exported, NULL), 0);
    assert_int_equal(n_exported, 3);
    /* A node of this build that only hears from B holds it as well. */
    struct unit_env ed;
    unit_env_init(&ed, 4, UNIT_T0_MS);
    hz_node *d = unit_node_memory(0xd4, &ed);
    unit_sync(w.b, d);
    assert_int_equal(n_held(d), 1);
    unit_assert_same_state(d, w.b);

    unlink(bundle);
    free(bundle);
    unit_entries_free(&from_a);
    unit_entries_free(&from_b);
    hz_node_close(d);
    world_close(&w);
}

static void held_entry_applies_after_upgrade_and_states_converge(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    unit_sync(w.a, w.b);
    assert_int_equal(n_held(w.b), 1);
    /* B, still old, edits the row too; A learns of it. */
    w.eb.now_ms += 2000;
    assert_int_equal(unit_put(w.b, "households", w.h1,
                              UNIT_FIELDS({"members", "4"}), NULL, NULL),
                     0);
    unit_sync(w.b, w.a);
    char before[2 * HZ_HASH_LEN + 1];
    unit_state_hash(w.b, before);

    /* B is upgraded. */
    hz_node_close(w.b);
    w.b = reopen(w.dir_b, unit_schema_next(), &w.eb);
    assert_int_equal(n_held(w.b), 0);
    unit_assert_field(w.b, "households", w.h1, "boat_access", "true");
    unit_assert_field(w.b, "households", w.h1, "village", "\"测试村丙\"");
    unit_assert_field(w.b, "households", w.h1, "members", "4");
    unit_assert_same_state(w.a, w.b);
    char after[2 * HZ_HASH_LEN + 1];
    unit_state_hash(w.b, after);
    assert_string_not_equal(before, after);
    json_t *c = unit_conflicts(w.b);
    assert_int_equal(json_array_size(c), 0);
    json_decref(c);

    /* Opening again changes nothing. */
    hz_node_close(w.b);
    w.b = reopen(w.dir_b, unit_schema_next(), &w.eb);
    unit_assert_same_state(w.a, w.b);
    assert_int_equal(hz_node_log_verify(w.b, NULL, NULL), 0);
    world_close(&w);
}

static void held_entry_arriving_after_upgrade_applies_at_once(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    hz_node_close(w.b);
    w.b = reopen(w.dir_b, unit_schema_next(), &w.eb);
    struct hz_ingest_stats st = {0};
    struct unit_entries es = {0};
    unit_entries_collect(w.a, &es);
    assert_int_equal(unit_deliver(w.b, &es, &st), 0);
    assert_int_equal(st.applied, 3);
    assert_int_equal(st.held, 0);
    unit_assert_same_state(w.a, w.b);
    unit_entries_free(&es);
    world_close(&w);
}

/* After the upgrade each held entry gets the verdict the new schema
 * gives it: applied, rejected (a bad value), or still held (a schema
 * newer still). */
static void held_entries_get_their_verdict_at_upgrade(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    struct unit_env eb;
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *b = create_and_open(dir, "测试节点乙", schema_current(), &eb);
    static const uint8_t row[HZ_ROW_LEN] = {0x0c};
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    struct value five = {.type = VALUE_INT, .i = 5};
    struct value yes = {.type = VALUE_BOOL, .b = true};
    /* 1: the next version, a bool column given an int: rejected once
     * known. */
    unit_body_set(&body, UNIT_V_NEXT, "households", row, "boat_access", &five,
                  0, NULL);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, NULL);
    /* 2: the version after it: held by an upgraded node too. */
    unit_body_set(&body, UNIT_V_NEXT + 1, "households", row, "boat_access",
                  &yes, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 1, &body, &es, NULL);
    /* 3: the next version and good. */
    unit_body_set(&body, UNIT_V_NEXT, "households", row, "boat_access", &yes, 0,
                  NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 2, &body, &es, NULL);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(b, &es, &st), 0);
    assert_int_equal(st.held, 3);
    assert_int_equal(n_held(b), 3);

    hz_node_close(b);
    b = reopen(dir, unit_schema_next(), &eb);
    assert_int_equal(unit_sql_int(b, "SELECT state FROM log WHERE seq = 1"), 1);
    assert_int_equal(unit_sql_int(b, "SELECT state FROM log WHERE seq = 2"), 2);
    assert_int_equal(unit_sql_int(b, "SELECT state FROM log WHERE seq = 3"), 0);
    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    unit_assert_field(b, "households", h, "boat_access", "true");
    /* An upgraded node that receives them directly agrees. */
    struct unit_env ec;
    unit_env_init(&ec, 3, UNIT_T0_MS);
    hz_node *c = unit_node_memory_schema(0xc3, unit_schema_next(), &ec);
    assert_int_equal(unit_deliver(c, &es, NULL), 0);
    unit_assert_same_state(b, c);
    hz_node_close(c);
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(b);
    unit_rmtree(dir);
    free(dir);
}

/* The real version 2: a web write names its account in a recorded_by
 * row, so its entry names version 2. A node still running version 1 (its
 * database as version 1 left it) holds that entry, with the household it
 * registers, and applies it once upgraded; then both nodes hold the same
 * state, the account included. */
static void
a_web_write_waits_on_a_version_1_node_until_it_upgrades(void **state)
{
    (void)state;
    char *da = unit_tmpdir(), *db = unit_tmpdir();
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *a = create_and_open(da, "测试节点甲", schema_current(), &ea);
    hz_node *b = create_and_open(db, "测试节点乙", unit_schema_v1(), &eb);
    assert_int_equal(sqlite3_exec(b->db.conn,
                                  "UPDATE meta SET v = '1' WHERE k = 'schema';"
                                  " DROP TABLE \"v_recorded_by\"",
                                  NULL, NULL, NULL),
                     SQLITE_OK);

    hz_batch *bt = NULL;
    char hid[HZ_ROW_HEX_LEN + 1];
    const struct hz_field f[] = {{"members", "3"}, {"village", "测试村"}};
    assert_int_equal(hz_batch_open(a, &bt, NULL), 0);
    assert_int_equal(hz_batch_by(bt, "", NULL), HZ_EINVAL);
    assert_int_equal(hz_batch_by(bt, "测试王芳", NULL), 0);
    assert_int_equal(hz_batch_put(bt, "households", NULL, 2, f, hid, NULL), 0);
    assert_int_equal(hz_batch_put(bt, "recorded_by", NULL, 1,
                                  (const struct hz_field[]){{"account", "x"}},
                                  NULL, NULL),
                     HZ_ESCHEMA);
    size_t n = 0;
    assert_int_equal(hz_node_commit(a, bt, &n, NULL), 0);
    hz_batch_close(bt);
    assert_int_equal(n, 1);
    assert_int_equal(body_version_of(a, 1), 2);
    assert_int_equal(unit_sql_int(a, "SELECT count(*) FROM \"v_recorded_by\""
                                     " WHERE account = '测试王芳'"),
                     1);
    /* A write with no account (the command line's) names version 1. */
    assert_int_equal(unit_put(a, "households", hid,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    assert_int_equal(body_version_of(a, 2), 1);

    unit_sync(a, b);
    assert_int_equal(n_held(b), 1);
    /* The later plain edit applies; what the held entry wrote waits. */
    unit_assert_field(b, "households", hid, "village", "\"测试村乙\"");
    unit_assert_field(b, "households", hid, "members", NULL);

    hz_node_close(b);
    b = reopen(db, schema_current(), &eb);
    assert_int_equal(n_held(b), 0);
    unit_assert_field(b, "households", hid, "village", "\"测试村乙\"");
    unit_assert_field(b, "households", hid, "members", "3");
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM \"v_recorded_by\""
                                     " WHERE account = '测试王芳'"),
                     1);
    unit_assert_same_state(a, b);
    assert_int_equal(hz_node_log_verify(b, NULL, NULL), 0);
    hz_node_close(a);
    hz_node_close(b);
    unit_rmtree(da);
    unit_rmtree(db);
    free(da);
    free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(upgraded_node_writes_the_new_column),
        cmocka_unit_test(entry_of_a_newer_schema_is_held_and_relayed),
        cmocka_unit_test(held_entry_applies_after_upgrade_and_states_converge),
        cmocka_unit_test(held_entry_arriving_after_upgrade_applies_at_once),
        cmocka_unit_test(held_entries_get_their_verdict_at_upgrade),
        cmocka_unit_test(
            a_web_write_waits_on_a_version_1_node_until_it_upgrades),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
