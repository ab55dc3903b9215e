/* test_merge.c - how replicas merge field writes, tombstones and events
 * (apply.c; DESIGN "Causality and clocks"; DECISIONS 8, 9, 12).
 *
 * In-memory nodes with virtual clocks exchange entries through
 * store_relay_each / store_relay_ingest. A write made after seeing another wins
 * whatever the clocks say; truly concurrent writes pick the same winner
 * everywhere by (clock, author) and stay listed until a write that saw
 * them all; an author's later write supersedes its earlier; a tombstone
 * hides a row and lists the edits it had not seen; and any order of
 * arrival gives the same state hash. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

/* The clock of @author's latest entry in @n's log. */
static uint64_t clock_of(hz_node *n, const uint8_t *author)
{
    char hex[2 * HZ_KEY_LEN + 1], sql[256];
    hex_encode(author, HZ_KEY_LEN, hex);
    snprintf(sql, sizeof sql,
             "SELECT clock FROM log WHERE author = (SELECT k FROM"
             " names WHERE name = x'%s')"
             " ORDER BY seq DESC LIMIT 1",
             hex);
    return (uint64_t)unit_sql_int(n, sql);
}

static size_t n_conflicts(hz_node *n)
{
    json_t *c = unit_conflicts(n);
    size_t len = json_array_size(c);
    json_decref(c);
    return len;
}

static void assert_same_conflicts(hz_node *a, hz_node *b)
{
    char *ca = unit_conflicts_text(a), *cb = unit_conflicts_text(b);
    assert_string_equal(ca, cb);
    hz_free_string(ca);
    hz_free_string(cb);
}

static void sync_both(hz_node *a, hz_node *b)
{
    unit_sync(a, b);
    unit_sync(b, a);
}

/* ---- causality beats clocks */

static void causally_later_write_wins_whatever_the_clocks(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T2038_MS); /* a laptop set to 2038 */
    unit_env_init(&eb, 2, 0);             /* a Pi booted in 1970 */
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char h[HZ_ROW_HEX_LEN + 1];

    assert_int_equal(
        unit_put(a, "households", NULL,
                 UNIT_FIELDS({"status", "home"}, {"village", "测试村甲"}), h,
                 NULL),
        0);
    unit_sync(a, b);
    assert_int_equal(unit_put(b, "households", h,
                              UNIT_FIELDS({"status", "evacuated"}), NULL, NULL),
                     0);
    /* B's clock did not follow A's 2038 clock past its own bound... */
    assert_true(clock_ms(clock_of(b, b->id.pk)) <= 0 + HZ_CLOCK_SKEW_MS_MAX);
    assert_true(clock_of(b, b->id.pk) < clock_of(a, a->id.pk));
    unit_sync(b, a);

    /* ...yet its edit, made after seeing A's, wins on both. */
    unit_assert_field(a, "households", h, "status", "\"evacuated\"");
    unit_assert_field(b, "households", h, "status", "\"evacuated\"");
    unit_assert_field(a, "households", h, "village", "\"测试村甲\"");
    assert_int_equal(n_conflicts(a), 0);
    assert_int_equal(n_conflicts(b), 0);
    unit_assert_same_state(a, b);
    hz_node_close(a);
    hz_node_close(b);
}

static void
concurrent_writes_pick_one_winner_and_stay_listed_until_resolved(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    unit_sync(a, b);

    /* Neither has seen the other's edit; B's clock is later. */
    ea.now_ms = UNIT_T0_MS + 1000;
    eb.now_ms = UNIT_T0_MS + 2000;
    assert_int_equal(unit_put(a, "households", h,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    assert_int_equal(unit_put(b, "households", h,
                              UNIT_FIELDS({"village", "测试村丙"}), NULL, NULL),
                     0);
    sync_both(a, b);

    unit_assert_field(a, "households", h, "village", "\"测试村丙\"");
    unit_assert_field(b, "households", h, "village", "\"测试村丙\"");
    unit_assert_same_state(a, b);
    assert_same_conflicts(a, b);

    json_t *c = unit_conflicts(a);
    assert_int_equal(json_array_size(c), 1);
    json_t *x = json_array_get(c, 0);
    assert_string_equal(json_string_value(json_object_get(x, "kind")),
                        "concurrent");
    assert_string_equal(json_string_value(json_object_get(x, "table")),
                        "households");
    assert_string_equal(json_string_value(json_object_get(x, "id")), h);
    assert_string_equal(json_string_value(json_object_get(x, "column")),
                        "village");
    json_t *heads = json_object_get(x, "heads");
    assert_int_equal(json_array_size(heads), 2);
    /* The winner is listed first. */
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(heads, 0), "value")),
        "测试村丙");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(heads, 1), "value")),
        "测试村乙");
    json_decref(c);

    /* A person picks a value on A, which has seen both: resolved. */
    ea.now_ms = UNIT_T0_MS + 3000;
    assert_int_equal(unit_put(a, "households", h,
                              UNIT_FIELDS({"village", "测试村丁"}), NULL, NULL),
                     0);
    sync_both(a, b);
    unit_assert_field(a, "households", h, "village", "\"测试村丁\"");
    unit_assert_field(b, "households", h, "village", "\"测试村丁\"");
    assert_int_equal(n_conflicts(a), 0);
    assert_int_equal(n_conflicts(b), 0);
    unit_assert_same_state(a, b);
    hz_node_close(a);
    hz_node_close(b);
}

static void
concurrent_writes_with_equal_clocks_are_ordered_by_author(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    unit_sync(a, b);
    ea.now_ms = eb.now_ms = UNIT_T0_MS + 1000;
    assert_int_equal(
        unit_put(a, "households", h, UNIT_FIELDS({"members", "3"}), NULL, NULL),
        0);
    assert_int_equal(
        unit_put(b, "households", h, UNIT_FIELDS({"members", "4"}), NULL, NULL),
        0);
    assert_int_equal(clock_of(a, a->id.pk), clock_of(b, b->id.pk));
    sync_both(a, b);
    const char *want = memcmp(a->id.pk, b->id.pk, HZ_KEY_LEN) > 0 ? "3" : "4";
    unit_assert_field(a, "households", h, "members", want);
    unit_assert_field(b, "households", h, "members", want);
    unit_assert_same_state(a, b);
    assert_int_equal(n_conflicts(a), 1);
    hz_node_close(a);
    hz_node_close(b);
}

/* An author's later write supersedes its earlier one even when neither
 * names the other and the later one carries the lower clock. */
static void later_write_by_one_author_supersedes_its_earlier(void **state)
{
    (void)state;
    static const uint8_t row[HZ_ROW_LEN] = {0x70, 0x70};
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    struct value v1 = V_STR("测试村甲"), v2 = V_STR("测试村乙");
    unit_body_set(&body, 1, "households", row, "village", &v1, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS + 60000) << 16, &body, &es, NULL);
    unit_body_set(&body, 1, "households", row, "village", &v2, 0, NULL);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, NULL);

    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    struct unit_env e1, e2;
    unit_env_init(&e1, 1, UNIT_T0_MS);
    unit_env_init(&e2, 2, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &e1);
    hz_node *m = unit_node_memory(0x12, &e2);
    assert_int_equal(unit_deliver(n, &es, NULL), 0);
    /* The other order: seq 2 waits for seq 1. */
    assert_int_equal(unit_deliver_range(m, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_deliver_range(m, &es, 0, 1, NULL), 0);
    unit_assert_field(n, "households", h, "village", "\"测试村乙\"");
    unit_assert_field(m, "households", h, "village", "\"测试村乙\"");
    assert_int_equal(n_conflicts(n), 0);
    unit_assert_same_state(n, m);

    /* Through the API: the wall clock jumps back an hour between two
     * edits; the second still wins though its clock is lower. */
    struct unit_env ea;
    unit_env_init(&ea, 3, UNIT_T0_MS + 3600000);
    hz_node *a = unit_node_memory(0xa1, &ea);
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点甲"}), g, NULL),
                     0);
    uint64_t first = clock_of(a, a->id.pk);
    ea.now_ms = UNIT_T0_MS;
    assert_int_equal(unit_put(a, "sites", g,
                              UNIT_FIELDS({"name", "测试安置点乙"}), NULL,
                              NULL),
                     0);
    assert_true(clock_of(a, a->id.pk) < first);
    unit_sync(a, n);
    unit_assert_field(a, "sites", g, "name", "\"测试安置点乙\"");
    unit_assert_field(n, "sites", g, "name", "\"测试安置点乙\"");

    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(a);
    hz_node_close(n);
    hz_node_close(m);
}

/* A write that names a head supersedes it even when it arrives first. */
static void superseded_write_arriving_late_never_becomes_a_head(void **state)
{
    (void)state;
    static const uint8_t row[HZ_ROW_LEN] = {0x71};
    struct unit_author x, y;
    unit_author_init(&x, 0x58);
    unit_author_init(&y, 0x59);
    struct unit_entries ex = {0}, ey = {0};
    struct enc body;
    enc_init(&body);
    uint8_t first[HZ_HASH_LEN];
    struct value v1 = V_STR("测试村甲"), v2 = V_STR("测试村乙");
    /* X writes with a high clock; Y saw it and overwrites, lower clock. */
    unit_body_set(&body, 1, "households", row, "village", &v1, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS + 60000) << 16, &body, &ex, first);
    const uint8_t *heads[] = {first};
    unit_body_set(&body, 1, "households", row, "village", &v2, 1, heads);
    unit_author_next(&y, UNIT_T0_MS << 16, &body, &ey, NULL);

    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    struct unit_env e1, e2;
    unit_env_init(&e1, 1, UNIT_T0_MS);
    unit_env_init(&e2, 2, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &e1);
    hz_node *m = unit_node_memory(0x12, &e2);
    assert_int_equal(unit_deliver(n, &ex, NULL), 0);
    assert_int_equal(unit_deliver(n, &ey, NULL), 0);
    assert_int_equal(unit_deliver(m, &ey, NULL), 0);
    unit_assert_field(m, "households", h, "village", "\"测试村乙\"");
    assert_int_equal(unit_deliver(m, &ex, NULL), 0);
    unit_assert_field(n, "households", h, "village", "\"测试村乙\"");
    unit_assert_field(m, "households", h, "village", "\"测试村乙\"");
    assert_int_equal(n_conflicts(n), 0);
    assert_int_equal(n_conflicts(m), 0);
    unit_assert_same_state(n, m);
    enc_close(&body);
    unit_entries_free(&ex);
    unit_entries_free(&ey);
    unit_author_close(&x);
    unit_author_close(&y);
    hz_node_close(n);
    hz_node_close(m);
}

/* A head named by a write supersedes only that field of the named entry;
 * and the writes of an entry that is not applied supersede nothing
 * (proto/merge.md, "Field writes"). */
static void named_head_supersedes_only_its_own_field(void **state)
{
    (void)state;
    static const uint8_t row[HZ_ROW_LEN] = {0x73};
    static const char *const cols[] = {"members", "village"};
    struct unit_author x, y, z;
    unit_author_init(&x, 0x58);
    unit_author_init(&y, 0x59);
    unit_author_init(&z, 0x5a);
    struct unit_entries es = {0}, bad = {0};
    struct enc body;
    enc_init(&body);
    uint8_t e1[HZ_HASH_LEN];
    const struct value v1[] = {{.type = VALUE_INT, .i = 3}, V_STR("测试村甲")};
    const uint8_t *none[] = {NULL, NULL};
    unit_body_set_fields(&body, row, 2, cols, v1, none, 0);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, e1);
    /* Y saw X's village, not its members. */
    const struct value v2[] = {{.type = VALUE_INT, .i = 4}, V_STR("测试村乙")};
    const uint8_t *village_only[] = {NULL, e1};
    unit_body_set_fields(&body, row, 2, cols, v2, village_only, 0);
    unit_author_next(&y, (UNIT_T0_MS - 1000) << 16, &body, &es, NULL);
    /* Z saw both of X's fields, but its entry is rejected. */
    const struct value v3[] = {{.type = VALUE_INT, .i = 5}, V_STR("测试村丙")};
    const uint8_t *both[] = {e1, e1};
    unit_body_set_fields(&body, row, 2, cols, v3, both, 1);
    unit_author_next(&z, (UNIT_T0_MS - 2000) << 16, &body, &bad, NULL);

    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &e);
    assert_int_equal(unit_deliver(n, &es, NULL), 0);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &bad, &st), 0);
    assert_int_equal(st.rejected, 1);
    /* village: Y's write superseded X's; members: both are heads, X's
     * clock is later. Z's rejected entry changes neither. */
    unit_assert_field(n, "households", h, "village", "\"测试村乙\"");
    unit_assert_field(n, "households", h, "members", "3");
    json_t *c = unit_conflicts(n);
    assert_int_equal(json_array_size(c), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(c, 0), "column")),
        "members");
    json_decref(c);
    enc_close(&body);
    unit_entries_free(&es);
    unit_entries_free(&bad);
    unit_author_close(&x);
    unit_author_close(&y);
    unit_author_close(&z);
    hz_node_close(n);
}

/* ---- tombstones */

static void tombstone_hides_values_and_lists_unseen_edit(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS + 5000);
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char p[HZ_ROW_HEX_LEN + 1], q[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "persons", NULL,
                              UNIT_FIELDS({"name", "测试甲"}, {"sex", "女"}), p,
                              NULL),
                     0);
    assert_int_equal(
        unit_put(a, "persons", NULL, UNIT_FIELDS({"name", "测试乙"}), q, NULL),
        0);
    unit_sync(a, b);

    /* A deletes the row; B, not knowing, marks the person missing. */
    ea.now_ms += 1000;
    assert_int_equal(unit_del(a, "persons", p), 0);
    assert_int_equal(unit_put(b, "persons", p,
                              UNIT_FIELDS({"condition", "missing"}), NULL,
                              NULL),
                     0);
    sync_both(a, b);

    hz_node *nodes[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        hz_node *n = nodes[i];
        char *json = NULL;
        assert_int_equal(hz_node_get(n, "persons", p, &json, NULL),
                         HZ_EDELETED);
        json_t *o = json_loads(json, 0, NULL);
        assert_non_null(o);
        assert_true(json_is_true(json_object_get(o, "deleted")));
        assert_null(json_object_get(o, "name"));
        assert_null(json_object_get(o, "condition"));
        json_decref(o);
        hz_free_string(json);

        /* ls hides the tombstone, not the other person. */
        assert_int_equal(hz_node_ls(n, "persons", 0, NULL, &json, NULL), 0);
        json_t *rows = json_loads(json, 0, NULL);
        assert_int_equal(json_array_size(rows), 1);
        assert_string_equal(
            json_string_value(json_object_get(json_array_get(rows, 0), "id")),
            q);
        json_decref(rows);
        hz_free_string(json);

        /* The edit the deleter had not seen is listed; the writes it
         * had seen are not. */
        json_t *c = unit_conflicts(n);
        assert_int_equal(json_array_size(c), 1);
        json_t *x = json_array_get(c, 0);
        assert_string_equal(json_string_value(json_object_get(x, "kind")),
                            "delete_vs_edit");
        assert_string_equal(json_string_value(json_object_get(x, "id")), p);
        assert_string_equal(json_string_value(json_object_get(x, "column")),
                            "condition");
        json_decref(c);
    }
    unit_assert_same_state(a, b);
    assert_same_conflicts(a, b);
    hz_node_close(a);
    hz_node_close(b);
}

static void tombstone_supersedes_writes_it_never_saw(void **state)
{
    (void)state;
    /* X deletes a row naming nothing seen; Y's write to it, with a far
     * later clock, arrives after: the row stays deleted. */
    static const uint8_t row[HZ_ROW_LEN] = {0x72};
    struct unit_author x, y;
    unit_author_init(&x, 0x58);
    unit_author_init(&y, 0x59);
    struct unit_entries ex = {0}, ey = {0};
    struct enc body;
    enc_init(&body);
    enc_array(&body, 2);
    enc_uint(&body, 1);
    enc_array(&body, 1);
    enc_array(&body, 4);
    enc_uint(&body, 1);
    enc_cstr(&body, "sites");
    enc_bin(&body, row, HZ_ROW_LEN);
    enc_array(&body, 0);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &ex, NULL);
    struct value v = V_STR("测试安置点");
    unit_body_set(&body, 1, "sites", row, "name", &v, 0, NULL);
    unit_author_next(&y, (UNIT_T0_MS + 600000) << 16, &body, &ey, NULL);

    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    struct unit_env e1, e2;
    unit_env_init(&e1, 1, UNIT_T0_MS);
    unit_env_init(&e2, 2, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0x11, &e1);
    hz_node *m = unit_node_memory(0x12, &e2);
    assert_int_equal(unit_deliver(n, &ex, NULL), 0);
    assert_int_equal(unit_deliver(n, &ey, NULL), 0);
    assert_int_equal(unit_deliver(m, &ey, NULL), 0);
    unit_assert_field(m, "sites", h, "name", "\"测试安置点\"");
    assert_int_equal(unit_deliver(m, &ex, NULL), 0);
    unit_assert_field(n, "sites", h, "name", NULL);
    unit_assert_field(m, "sites", h, "name", NULL);
    char *json = NULL;
    assert_int_equal(hz_node_get(n, "sites", h, &json, NULL), HZ_EDELETED);
    hz_free_string(json);
    unit_assert_same_state(n, m);
    assert_same_conflicts(n, m);
    assert_int_equal(n_conflicts(n), 1);
    enc_close(&body);
    unit_entries_free(&ex);
    unit_entries_free(&ey);
    unit_author_close(&x);
    unit_author_close(&y);
    hz_node_close(n);
    hz_node_close(m);
}

/* ---- events */

/* Two sites record one event id with different content, unaware of each
 * other: both keep the same one (the lowest entry id) and list the
 * reuse for review. */
static void event_id_reused_concurrently_converges_and_is_listed(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), site, NULL),
                     0);
    assert_int_equal(unit_put(a, "items", NULL,
                              UNIT_FIELDS({"name", "测试大米"}), item, NULL),
                     0);
    unit_sync(a, b);
    const char *id = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";
    assert_int_equal(
        unit_put(a, "stock_moves", id,
                 UNIT_FIELDS({"item", item}, {"kind", "distributed"},
                             {"qty", "-10"}, {"site", site}),
                 NULL, NULL),
        0);
    assert_int_equal(
        unit_put(b, "stock_moves", id,
                 UNIT_FIELDS({"item", item}, {"kind", "distributed"},
                             {"qty", "-20"}, {"site", site}),
                 NULL, NULL),
        0);
    sync_both(a, b);
    unit_assert_same_state(a, b);
    assert_same_conflicts(a, b);
    assert_int_equal(unit_sql_int(a, "SELECT count(*) FROM v_stock_moves"), 1);
    json_t *c = unit_conflicts(a);
    assert_int_equal(json_array_size(c), 1);
    json_t *x = json_array_get(c, 0);
    assert_string_equal(json_string_value(json_object_get(x, "kind")),
                        "event_id_reused");
    assert_string_equal(json_string_value(json_object_get(x, "id")), id);
    json_decref(c);
    /* Written again locally with either content: the stored one decides. */
    char *qty = unit_field(a, "stock_moves", id, "qty");
    assert_non_null(qty);
    const char *other = strcmp(qty, "-10") == 0 ? "-20" : "-10";
    assert_int_equal(
        unit_put(a, "stock_moves", id,
                 UNIT_FIELDS({"item", item}, {"kind", "distributed"},
                             {"qty", other}, {"site", site}),
                 NULL, NULL),
        HZ_ECONFLICT);
    free(qty);
    hz_node_close(a);
    hz_node_close(b);
}

/* ---- convergence */

/* Three nodes write overlapping histories: creates, concurrent edits,
 * clears, a tombstone with an unseen edit, events, a reversal. */
static void build_history(hz_node *a, hz_node *b, hz_node *c,
                          struct unit_env *ea, struct unit_env *eb,
                          struct unit_env *ec)
{
    char h[HZ_ROW_HEX_LEN + 1], p[HZ_ROW_HEX_LEN + 1], s[HZ_ROW_HEX_LEN + 1],
        it[HZ_ROW_HEX_LEN + 1], mv[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(
        unit_put(a, "households", NULL,
                 UNIT_FIELDS({"members", "3"}, {"village", "测试村甲"}), h,
                 NULL),
        0);
    assert_int_equal(
        unit_put(a, "sites", NULL,
                 UNIT_FIELDS({"capacity", "200"}, {"kind", "安置点"},
                             {"name", "测试安置点"}),
                 s, NULL),
        0);
    assert_int_equal(unit_put(a, "items", NULL,
                              UNIT_FIELDS({"category", "bedding"},
                                          {"name", "测试被子"}, {"unit", "条"}),
                              it, NULL),
                     0);
    unit_sync(a, b);
    unit_sync(a, c);
    ea->now_ms += 10;
    eb->now_ms += 20;
    ec->now_ms += 30;
    assert_int_equal(unit_put(b, "persons", NULL,
                              UNIT_FIELDS({"household", h}, {"name", "测试乙"},
                                          {"pregnant", "是"}),
                              p, NULL),
                     0);
    assert_int_equal(unit_put(a, "households", h,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    assert_int_equal(
        unit_put(c, "households", h,
                 UNIT_FIELDS({"members", ""}, {"village", "测试村丙"}), NULL,
                 NULL),
        0);
    assert_int_equal(unit_put(b, "stock_moves", NULL,
                              UNIT_FIELDS({"item", it}, {"kind", "received"},
                                          {"qty", "100"}, {"site", s}),
                              NULL, NULL),
                     0);
    assert_int_equal(unit_put(c, "stock_moves", NULL,
                              UNIT_FIELDS({"household", h}, {"item", it},
                                          {"kind", "distributed"},
                                          {"qty", "-10"}, {"site", s}),
                              mv, NULL),
                     0);
    assert_int_equal(
        unit_put(c, "stock_moves", NULL,
                 UNIT_FIELDS({"household", h}, {"item", it},
                             {"kind", "distributed"}, {"qty", "-10"},
                             {"reverses", mv}, {"site", s}),
                 NULL, NULL),
        0);
    unit_sync(b, a);
    ea->now_ms += 10;
    assert_int_equal(unit_del(a, "persons", p), 0);
    assert_int_equal(unit_put(b, "persons", p,
                              UNIT_FIELDS({"condition", "safe"}), NULL, NULL),
                     0);
    assert_int_equal(
        unit_put(b, "stays", NULL,
                 UNIT_FIELDS({"kind", "in"}, {"person", p}, {"site", s}), NULL,
                 NULL),
        0);
}

struct world {
    struct unit_env ea, eb, ec, ez;
    hz_node *a, *b, *c, *z;
    struct unit_entries all;
};

static void world_open(struct world *w)
{
    unit_env_init(&w->ea, 1, UNIT_T0_MS);
    unit_env_init(&w->eb, 2, UNIT_T0_MS);
    unit_env_init(&w->ec, 3, UNIT_T0_MS);
    unit_env_init(&w->ez, 4, UNIT_T0_MS);
    w->a = unit_node_memory(0xa1, &w->ea);
    w->b = unit_node_memory(0xb2, &w->eb);
    w->c = unit_node_memory(0xc3, &w->ec);
    build_history(w->a, w->b, w->c, &w->ea, &w->eb, &w->ec);
    /* Z holds everything: the reference state. */
    w->z = unit_node_memory(0xd4, &w->ez);
    unit_sync(w->a, w->z);
    unit_sync(w->b, w->z);
    unit_sync(w->c, w->z);
    memset(&w->all, 0, sizeof w->all);
    unit_entries_collect(w->z, &w->all);
}

static void world_close(struct world *w)
{
    unit_entries_free(&w->all);
    hz_node_close(w->a);
    hz_node_close(w->b);
    hz_node_close(w->c);
    hz_node_close(w->z);
}

static void same_entries_in_any_order_give_the_same_state(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    size_t n = w.all.n;
    assert_true(n >= 12);
    assert_int_equal(unit_sql_int(w.z, "SELECT count(*) FROM log"), (int64_t)n);
    assert_true(n_conflicts(w.z) >= 2);
    char want[2 * HZ_HASH_LEN + 1];
    unit_state_hash(w.z, want);
    char *want_conflicts = unit_conflicts_text(w.z);

    uint64_t seed = 0x5eed;
    size_t *order = malloc(n * sizeof *order);
    assert_non_null(order);
    for (int round = 0; round < 16; round++) {
        for (size_t i = 0; i < n; i++)
            order[i] = round == 1 ? n - 1 - i : i;
        if (round >= 2) {
            for (size_t i = n - 1; i > 0; i--) {
                size_t j = unit_rand_below(&seed, i + 1);
                size_t t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
        struct unit_env ef;
        unit_env_init(&ef, 100 + (uint64_t)round, UNIT_T0_MS);
        hz_node *f = unit_node_memory(0xf0, &ef);
        /* In batches of random size, some entries twice. */
        size_t i = 0;
        while (i < n) {
            size_t k = 1 + unit_rand_below(&seed, 4);
            struct unit_entries batch = {0};
            for (size_t j = i; j < i + k && j < n; j++) {
                unit_entries_add(&batch, w.all.p[order[j]],
                                 w.all.len[order[j]]);
                if (unit_rand_below(&seed, 5) == 0)
                    unit_entries_add(&batch, w.all.p[order[j]],
                                     w.all.len[order[j]]);
            }
            struct hz_ingest_stats st = {0};
            assert_int_equal(unit_deliver(f, &batch, &st), 0);
            assert_int_equal(st.refused, 0);
            unit_entries_free(&batch);
            i += k;
        }
        char got[2 * HZ_HASH_LEN + 1];
        unit_state_hash(f, got);
        if (strcmp(got, want) != 0)
            fail_msg("round %d: state differs", round);
        char *conflicts = unit_conflicts_text(f);
        assert_string_equal(conflicts, want_conflicts);
        hz_free_string(conflicts);
        assert_int_equal(unit_sql_int(f, "SELECT count(*) FROM pending"), 0);
        assert_int_equal(unit_sql_int(f, "SELECT count(*) FROM log"),
                         (int64_t)n);
        hz_node_close(f);
    }
    free(order);
    hz_free_string(want_conflicts);
    world_close(&w);
}

static void entries_applied_again_change_nothing(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    struct unit_snapshot before;
    unit_snapshot_take(w.z, &before);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(w.z, &w.all, &st), 0);
    assert_int_equal(st.duplicate, w.all.n);
    assert_int_equal(st.applied, 0);
    unit_assert_unchanged(w.z, &before);
    unit_snapshot_free(&before);
    /* Every node that has synced with Z converges on Z's state. */
    unit_sync(w.z, w.a);
    unit_sync(w.z, w.b);
    unit_sync(w.z, w.c);
    unit_assert_same_state(w.a, w.z);
    unit_assert_same_state(w.b, w.z);
    unit_assert_same_state(w.c, w.z);
    world_close(&w);
}

static void state_hash_changes_with_state_and_not_with_local_facts(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    unit_env_init(&ea, 1, UNIT_T0_MS);
    unit_env_init(&eb, 2, UNIT_T0_MS + 3600000); /* another wall time */
    hz_node *a = unit_node_memory(0xa1, &ea);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char empty[2 * HZ_HASH_LEN + 1], h1[2 * HZ_HASH_LEN + 1],
        h2[2 * HZ_HASH_LEN + 1];
    unit_state_hash(a, empty);
    unit_assert_same_state(a, b); /* two empty nodes */
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), g, NULL),
                     0);
    unit_state_hash(a, h1);
    assert_string_not_equal(h1, empty);
    assert_int_equal(
        unit_put(a, "sites", g, UNIT_FIELDS({"open", "是"}), NULL, NULL), 0);
    unit_state_hash(a, h2);
    assert_string_not_equal(h2, h1);
    /* B receives at another time, flags nothing, holds the same. */
    unit_sync(a, b);
    unit_assert_same_state(a, b);
    hz_node_close(a);
    hz_node_close(b);
}

/* ---- a row's sole fact (format 19; fields.c, storage.md) */

/* Every fact of @n's w as text, by author key and clock: the same facts
 * on two nodes give the same text, whatever their places in each log. */
static char *facts_text(hz_node *n)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(
            n->db.conn,
            "SELECT coalesce(group_concat(x, ';'), '') FROM (SELECT"
            " hex(au.name) || ',' || w.clock || ',' || w.wrote || ',' ||"
            " w.heads || ',' || hex(w.val) AS x FROM w JOIN names AS au"
            " ON au.k = w.a ORDER BY x)",
            -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    assert_non_null(text);
    return text;
}

static int64_t n_sole(hz_node *n)
{
    return unit_sql_int(
        n, "SELECT count(*) FROM e_households WHERE sole IS NOT NULL");
}

/* A row written by one entry keeps that fact in the row, not in w; a
 * second write or a tombstone moves it into w first, as the fact it
 * would have been, and every rule reads it as before: it is named as a
 * head, it is in the row's history, it comes back when a write that
 * superseded it is taken back, and the row goes when it goes. */
static void a_row_written_once_keeps_its_fact_until_a_second_write(void **state)
{
    (void)state;
    static const uint8_t r[HZ_ROW_LEN] = {0x50, 0x1e};
    char hex[HZ_ROW_HEX_LEN + 1];
    hex_encode(r, HZ_ROW_LEN, hex);
    struct unit_author A, B;
    unit_author_init(&A, 0x5a);
    unit_author_init(&B, 0x5b);
    struct unit_entries es = {0}, fork = {0};
    struct enc body;
    enc_init(&body);
    uint8_t ea[HZ_HASH_LEN];
    const char *both[] = {"members", "village"};
    struct value va[] = {{.type = VALUE_INT, .i = 3}, V_STR("测试村甲")};
    const uint8_t *none[] = {NULL, NULL};
    unit_body_set_fields(&body, r, 2, both, va, none, 0);
    unit_author_next(&A, (UNIT_T0_MS + 1000) << 16, &body, &es, ea);
    /* B changes the members, having seen A's write */
    const char *members[] = {"members"};
    struct value vb[] = {{.type = VALUE_INT, .i = 4}};
    const uint8_t *named[] = {ea};
    unit_body_set_fields(&body, r, 1, members, vb, named, 0);
    unit_author_next(&B, (UNIT_T0_MS + 2000) << 16, &body, &es, NULL);
    /* and evidence that B forked at that seq: its writes go */
    B.seq = 0;
    struct value vf[] = {{.type = VALUE_INT, .i = 9}};
    unit_body_set_fields(&body, r, 1, members, vf, none, 0);
    unit_author_next(&B, (UNIT_T0_MS + 3000) << 16, &body, &fork, NULL);

    struct unit_env e1, e2, e3, e4;
    unit_env_init(&e1, 1, UNIT_T0_MS + 10000);
    unit_env_init(&e2, 2, UNIT_T0_MS + 10000);
    unit_env_init(&e3, 3, UNIT_T0_MS + 10000);
    unit_env_init(&e4, 4, UNIT_T0_MS + 10000);
    hz_node *n1 = unit_node_memory(0xc1, &e1);
    hz_node *n2 = unit_node_memory(0xc2, &e2);
    hz_node *n3 = unit_node_memory(0xc3, &e3);
    hz_node *n4 = unit_node_memory(0xc4, &e4);

    /* Written once: the fact is the row's, w holds none. */
    assert_int_equal(unit_deliver_range(n1, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n1, "SELECT count(*) FROM w"), 0);
    assert_int_equal(n_sole(n1), 1);
    assert_int_equal(unit_sql_int(n1, "SELECT sole FROM e_households"),
                     unit_sql_int(n1, "SELECT max(n) FROM log"));
    assert_int_equal(unit_history_len(n1, "households", hex), 1);
    char h1[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n1, h1);

    /* A second write moves it into w: B's names A's as superseded. */
    assert_int_equal(unit_deliver_range(n1, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n1, "SELECT count(*) FROM w"), 2);
    assert_int_equal(n_sole(n1), 0);
    unit_assert_field(n1, "households", hex, "members", "4");
    unit_assert_field(n1, "households", hex, "village", "\"测试村甲\"");
    assert_int_equal(n_conflicts(n1), 0);
    assert_int_equal(unit_history_len(n1, "households", hex), 2);

    /* The other order: B's write first, its row's sole fact, then A's.
     * The facts are the same, byte for byte. */
    assert_int_equal(unit_deliver_range(n2, &es, 1, 1, NULL), 0);
    assert_int_equal(n_sole(n2), 1);
    assert_int_equal(unit_sql_int(n2, "SELECT count(*) FROM w"), 0);
    assert_int_equal(unit_deliver_range(n2, &es, 0, 1, NULL), 0);
    char *f1 = facts_text(n1), *f2 = facts_text(n2);
    assert_true(strlen(f1) > 0);
    assert_string_equal(f1, f2);
    free(f1);
    free(f2);
    unit_assert_same_state(n1, n2);

    /* B's write taken back: A's values come back from the fact moved
     * out of its row, as on a node that only ever had A's write. */
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n1, &fork, &st), 0);
    assert_int_equal(st.forks, 1);
    unit_assert_field(n1, "households", hex, "members", "3");
    char h1b[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n1, h1b);
    assert_string_equal(h1, h1b);
    assert_int_equal(unit_history_len(n1, "households", hex), 1);

    /* B's write alone, then taken back: the row goes with its sole fact. */
    assert_int_equal(unit_deliver_range(n3, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n3, "SELECT count(*) FROM e_households"), 1);
    assert_int_equal(unit_deliver(n3, &fork, &st), 0);
    assert_int_equal(unit_sql_int(n3, "SELECT count(*) FROM e_households"), 0);
    assert_int_equal(unit_sql_int(n3, "SELECT count(*) FROM w"), 0);
    /* and A's write after it: a row written once again */
    assert_int_equal(unit_deliver_range(n3, &es, 0, 1, NULL), 0);
    assert_int_equal(n_sole(n3), 1);
    unit_assert_same_state(n1, n3);

    /* A local edit of a row written once names its writer (else two
     * heads, a conflict); a tombstone moves the fact into w, and an
     * edit the tombstone had not seen is listed against it. */
    assert_int_equal(unit_deliver_range(n4, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_put(n4, "households", hex,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    assert_int_equal(n_conflicts(n4), 0);
    unit_assert_field(n4, "households", hex, "village", "\"测试村乙\"");
    assert_int_equal(unit_sql_int(n4, "SELECT count(*) FROM w"), 2);
    hz_node *n5 = unit_node_memory(0xc5, &e4);
    assert_int_equal(unit_deliver_range(n5, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_del(n5, "households", hex), 0);
    assert_int_equal(n_sole(n5), 0);
    assert_int_equal(unit_sql_int(n5, "SELECT count(*) FROM w"), 1);
    assert_int_equal(unit_deliver_range(n5, &es, 1, 1, NULL), 0);
    json_t *c = unit_conflicts(n5);
    assert_int_equal(json_array_size(c), 1);
    json_t *x = json_array_get(c, 0);
    assert_string_equal(json_string_value(json_object_get(x, "kind")),
                        "delete_vs_edit");
    assert_string_equal(json_string_value(json_object_get(x, "column")),
                        "members");
    json_decref(c);

    for (hz_node **n = (hz_node *[]){n1, n2, n3, n4, n5, NULL}; *n; n++)
        hz_node_close(*n);
    enc_close(&body);
    unit_entries_free(&es);
    unit_entries_free(&fork);
    unit_author_close(&A);
    unit_author_close(&B);
}

/* Every source in @n's evsrc as text, by author key and sum. */
static char *sources_text(hz_node *n)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(n->db.conn,
                           "SELECT coalesce(group_concat(x, ';'), '') FROM"
                           " (SELECT hex(au.name) || ',' || hex(s.sum) AS x"
                           " FROM evsrc AS s JOIN log AS l ON l.n = s.n"
                           " JOIN names AS au ON au.k = l.author ORDER BY x)",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *text = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    assert_non_null(text);
    return text;
}

/* A warning of household @hh inserted as event row @r with @notice. */
static void warning_body(struct enc *e, const uint8_t *r, const uint8_t *hh,
                         const char *notice)
{
    enc_reset(e);
    enc_array(e, 2);
    enc_uint(e, 1);
    enc_array(e, 1);
    enc_array(e, 4);
    enc_uint(e, 2);
    enc_cstr(e, "warnings");
    enc_bin(e, r, HZ_ROW_LEN);
    enc_array(e, 4);
    enc_array(e, 2);
    enc_cstr(e, "household");
    enc_bin(e, hh, HZ_ROW_LEN);
    enc_array(e, 2);
    enc_cstr(e, "method");
    enc_cstr(e, "phone");
    enc_array(e, 2);
    enc_cstr(e, "notice");
    enc_cstr(e, notice);
    enc_array(e, 2);
    enc_cstr(e, "time");
    enc_uint(e, UNIT_T0_MS / 1000);
    assert_int_equal(enc_done(e), 0);
}

/* An event row inserted by one entry keeps no source in evsrc: its row
 * names the entry. A second insert of the row id puts that sole source
 * into evsrc first, with the sum of the content it gave, and from then on
 * the rules read evsrc as before: the reused id is listed, the lowest
 * entry id decides, taking the second back leaves the first, and taking
 * the sole source back takes the row. */
static void an_event_inserted_once_keeps_its_source_in_its_row(void **state)
{
    (void)state;
    static const uint8_t r[HZ_ROW_LEN] = {0xe5, 0x01};
    static const uint8_t hh[HZ_ROW_LEN] = {0xe5, 0x02};
    char hex[HZ_ROW_HEX_LEN + 1];
    hex_encode(r, HZ_ROW_LEN, hex);
    struct unit_author A, B;
    unit_author_init(&A, 0x6a);
    unit_author_init(&B, 0x6b);
    struct unit_entries es = {0}, fork = {0};
    struct enc body;
    enc_init(&body);
    warning_body(&body, r, hh, "测试通知甲");
    unit_author_next(&A, (UNIT_T0_MS + 1000) << 16, &body, &es, NULL);
    warning_body(&body, r, hh, "测试通知乙");
    unit_author_next(&B, (UNIT_T0_MS + 2000) << 16, &body, &es, NULL);
    B.seq = 0;
    warning_body(&body, r, hh, "测试通知丙");
    unit_author_next(&B, (UNIT_T0_MS + 3000) << 16, &body, &fork, NULL);

    struct unit_env e1, e2, e3, e4;
    unit_env_init(&e1, 1, UNIT_T0_MS + 10000);
    unit_env_init(&e2, 2, UNIT_T0_MS + 10000);
    unit_env_init(&e3, 3, UNIT_T0_MS + 10000);
    unit_env_init(&e4, 4, UNIT_T0_MS + 10000);
    hz_node *n1 = unit_node_memory(0xd1, &e1);
    hz_node *n2 = unit_node_memory(0xd2, &e2);
    hz_node *n3 = unit_node_memory(0xd3, &e3);
    hz_node *n4 = unit_node_memory(0xd4, &e4);
    assert_int_equal(unit_deliver_range(n4, &es, 0, 1, NULL), 0);
    char only_a[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n4, only_a);

    assert_int_equal(unit_deliver_range(n1, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n1, "SELECT count(*) FROM v_warnings"), 1);
    assert_int_equal(unit_sql_int(n1, "SELECT count(*) FROM evsrc"), 0);
    assert_int_equal(unit_history_len(n1, "warnings", hex), 1);
    assert_int_equal(unit_deliver_range(n1, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n1, "SELECT count(*) FROM evsrc"), 2);
    assert_int_equal(unit_history_len(n1, "warnings", hex), 2);
    json_t *c = unit_conflicts(n1);
    assert_int_equal(json_array_size(c), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(c, 0), "kind")),
        "event_id_reused");
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(c, 0), "versions")),
        2);
    json_decref(c);

    /* the other order: the same sources, byte for byte, the same state */
    assert_int_equal(unit_deliver_range(n2, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n2, "SELECT count(*) FROM evsrc"), 0);
    assert_int_equal(unit_deliver_range(n2, &es, 0, 1, NULL), 0);
    char *s1 = sources_text(n1), *s2 = sources_text(n2);
    assert_true(strlen(s1) > 0);
    assert_string_equal(s1, s2);
    free(s1);
    free(s2);
    unit_assert_same_state(n1, n2);
    assert_same_conflicts(n1, n2);

    /* B's insert taken back: A's is the row, nothing is listed */
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n1, &fork, &st), 0);
    assert_int_equal(st.forks, 1);
    unit_assert_field(n1, "warnings", hex, "notice", "\"测试通知甲\"");
    assert_int_equal(n_conflicts(n1), 0);
    char h1[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n1, h1);
    assert_string_equal(h1, only_a);
    assert_int_equal(unit_history_len(n1, "warnings", hex), 1);

    /* B's insert alone, taken back: the row goes with its sole source */
    assert_int_equal(unit_deliver_range(n3, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_deliver(n3, &fork, &st), 0);
    assert_int_equal(unit_sql_int(n3, "SELECT count(*) FROM v_warnings"), 0);
    assert_int_equal(unit_deliver_range(n3, &es, 0, 1, NULL), 0);
    unit_assert_same_state(n3, n4);

    for (hz_node **n = (hz_node *[]){n1, n2, n3, n4, NULL}; *n; n++)
        hz_node_close(*n);
    enc_close(&body);
    unit_entries_free(&es);
    unit_entries_free(&fork);
    unit_author_close(&A);
    unit_author_close(&B);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(causally_later_write_wins_whatever_the_clocks),
        cmocka_unit_test(
            concurrent_writes_pick_one_winner_and_stay_listed_until_resolved),
        cmocka_unit_test(
            concurrent_writes_with_equal_clocks_are_ordered_by_author),
        cmocka_unit_test(later_write_by_one_author_supersedes_its_earlier),
        cmocka_unit_test(superseded_write_arriving_late_never_becomes_a_head),
        cmocka_unit_test(named_head_supersedes_only_its_own_field),
        cmocka_unit_test(tombstone_hides_values_and_lists_unseen_edit),
        cmocka_unit_test(tombstone_supersedes_writes_it_never_saw),
        cmocka_unit_test(event_id_reused_concurrently_converges_and_is_listed),
        cmocka_unit_test(same_entries_in_any_order_give_the_same_state),
        cmocka_unit_test(entries_applied_again_change_nothing),
        cmocka_unit_test(
            state_hash_changes_with_state_and_not_with_local_facts),
        cmocka_unit_test(
            a_row_written_once_keeps_its_fact_until_a_second_write),
        cmocka_unit_test(an_event_inserted_once_keeps_its_source_in_its_row),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
