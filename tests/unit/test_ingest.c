/* test_ingest.c - taking in entries written elsewhere (ingest.c, relay.c;
 * DECISIONS 3, 7, 13, 16, 17).
 *
 * Transport failures store nothing; an entry ahead of a gap waits, then
 * applies; a content failure is stored in its author's chain, never
 * applied, listed with its reason and relayed, and leaves no hole; two
 * entries at one seq from one key are kept as evidence and stop that
 * author's chain at the fork in whatever order they arrive; and a node
 * that receives an entry signed by its own key that it did not write
 * stops writing. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"

#define V_STR(x)                                                               \
    ((struct value){.type = VALUE_STR,                                         \
                    .s = {(const uint8_t *)(x), sizeof(x) - 1}})

static int64_t count_state(hz_node *n, int st)
{
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM log WHERE state = %d", st);
    return unit_sql_int(n, sql);
}

static hz_node *empty_node(uint8_t seed_byte, struct unit_env *env,
                           uint64_t env_seed)
{
    unit_env_init(env, env_seed, UNIT_T0_MS);
    return unit_node_memory(seed_byte, env);
}

/* ---- pending */

static void entry_ahead_of_a_gap_waits_then_applies(void **state)
{
    (void)state;
    struct unit_env ea, eb, ec;
    hz_node *a = empty_node(0xa1, &ea, 1);
    hz_node *b = empty_node(0xb2, &eb, 2);
    hz_node *c = empty_node(0xc3, &ec, 3);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    assert_int_equal(
        unit_put(a, "households", h, UNIT_FIELDS({"members", "2"}), NULL, NULL),
        0);
    struct unit_entries es = {0};
    unit_entries_collect(a, &es);
    assert_int_equal(es.n, 2);

    char empty[2 * HZ_HASH_LEN + 1], got[2 * HZ_HASH_LEN + 1];
    unit_state_hash(b, empty);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver_range(b, &es, 1, 1, &st), 0);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.applied, 0);
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM pending"), 1);
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM log"), 0);
    unit_state_hash(b, got);
    assert_string_equal(got, empty);

    /* The status names the missing range. */
    json_t *s = unit_status(b);
    json_t *missing = json_object_get(s, "missing");
    assert_int_equal(json_array_size(missing), 1);
    json_t *m = json_array_get(missing, 0);
    char key[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(a, key);
    assert_string_equal(json_string_value(json_object_get(m, "author")), key);
    assert_int_equal(json_integer_value(json_object_get(m, "from_seq")), 1);
    assert_int_equal(json_integer_value(json_object_get(m, "to_seq")), 1);
    json_decref(s);

    /* A pending entry is relayed too (DECISIONS 17). */
    unit_sync(b, c);
    assert_int_equal(unit_sql_int(c, "SELECT count(*) FROM pending"), 1);

    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver_range(b, &es, 0, 1, &st), 0);
    /* A run counts its own entries: seq 1 applied. Seq 2 went pending in
     * an earlier run and is released now (checked through the log). */
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.pending, 0);
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM pending"), 0);
    assert_int_equal(count_state(b, 0), 2);
    unit_assert_same_state(a, b);
    unit_assert_field(b, "households", h, "members", "2");
    s = unit_status(b);
    assert_int_equal(json_array_size(json_object_get(s, "missing")), 0);
    json_decref(s);

    unit_entries_free(&es);
    hz_node_close(a);
    hz_node_close(b);
    hz_node_close(c);
}

static void a_long_chain_delivered_backwards_applies_whole(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    hz_node *a = empty_node(0xa1, &ea, 1);
    hz_node *b = empty_node(0xb2, &eb, 2);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(
        unit_put(a, "households", NULL, UNIT_FIELDS({"members", "0"}), h, NULL),
        0);
    for (int i = 1; i <= 30; i++) {
        char v[8];
        snprintf(v, sizeof v, "%d", i);
        assert_int_equal(unit_put(a, "households", h,
                                  UNIT_FIELDS({"members", v}), NULL, NULL),
                         0);
    }
    struct unit_entries es = {0};
    unit_entries_collect(a, &es);
    for (size_t i = es.n; i-- > 0;) {
        struct hz_ingest_stats st = {0};
        assert_int_equal(unit_deliver_range(b, &es, i, 1, &st), 0);
        /* Each run counts its own entry; the last (seq 1) is applied and
         * releases the rest of the chain (checked through the log). */
        if (i > 0)
            assert_int_equal(st.pending, 1);
        else
            assert_int_equal(st.applied, 1);
    }
    assert_int_equal(unit_sql_int(b, "SELECT count(*) FROM pending"), 0);
    assert_int_equal(count_state(b, 0), (int64_t)es.n);
    unit_assert_field(b, "households", h, "members", "30");
    unit_assert_same_state(a, b);
    unit_entries_free(&es);
    hz_node_close(a);
    hz_node_close(b);
}

/* ---- a gap is judged by seq, never by the link (entry.md, "Taking an
 * entry in", steps 3 and 4) */

/* The verdict (enum entry_state) of each of @author's entries at seq
 * 1..@n, which must be all the log holds of it. */
static void assert_chain(hz_node *node, const uint8_t *author, const int *want,
                         size_t n)
{
    char key[2 * HZ_KEY_LEN + 1], sql[256];
    hex_encode(author, HZ_KEY_LEN, key);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM log WHERE author = (SELECT k FROM"
             " names WHERE name = x'%s')",
             key);
    assert_int_equal(unit_sql_int(node, sql), n);
    for (size_t i = 0; i < n; i++) {
        snprintf(sql, sizeof sql,
                 "SELECT state FROM log WHERE author = (SELECT k FROM"
                 " names WHERE name = x'%s') AND seq = %zu",
                 key, i + 1);
        int64_t got = unit_sql_int(node, sql);
        if (got != want[i])
            fail_msg("seq %zu: state %lld, want %d", i + 1, (long long)got,
                     want[i]);
    }
}

/* An entry of @x's key at @seq linking to @prev (NULL: zeros), whatever
 * its chain holds: a second history, or a link over a gap. */
static void sign_at(const struct unit_author *x, uint64_t seq,
                    const uint8_t *prev, uint64_t clock, const struct enc *body,
                    struct unit_entries *out, uint8_t *id_out)
{
    struct enc bytes;
    enc_init(&bytes);
    struct entry e;
    unit_sign(&x->id, unit_network, seq, prev, clock, enc_data(body),
              enc_len(body), &e, &bytes);
    if (id_out != NULL)
        memcpy(id_out, e.id, HZ_HASH_LEN);
    unit_entries_add(out, enc_data(&bytes), enc_len(&bytes));
    enc_close(&bytes);
}

/* A body setting one household row's village. */
static void village_body(struct enc *body, const uint8_t *row)
{
    struct value v = V_STR("测试村");
    unit_body_set(body, 1, "households", row, "village", &v, 0, NULL);
}

static void assert_row(hz_node *n, const uint8_t *row, bool present)
{
    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    unit_assert_field(n, "households", h, "village",
                      present ? "\"测试村\"" : NULL);
}

/* Author X holds seq 1..3 on a node. An entry at seq 5 whose prev is the
 * id of seq 3 (X's latest held entry) skips seq 4: it waits in pending
 * like any entry ahead of a gap, and is neither applied nor taken for
 * fork evidence. At seq 4 the same link applies. */
static void entry_skipping_a_seq_waits_though_it_links_to_the_top(void **state)
{
    (void)state;
    static const uint8_t rows[6][HZ_ROW_LEN] = {{0},    {0x31}, {0x32},
                                                {0x33}, {0x34}, {0x35}};
    const uint64_t clock = UNIT_T0_MS << 16;
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct enc body;
    enc_init(&body);
    struct unit_entries first = {0}, e4 = {0}, e5 = {0}, skip = {0};
    for (int s = 1; s <= 3; s++) {
        village_body(&body, rows[s]);
        unit_author_next(&x, clock + (uint64_t)s, &body, &first, NULL);
    }
    uint8_t id3[HZ_HASH_LEN], id4[HZ_HASH_LEN];
    memcpy(id3, x.prev, HZ_HASH_LEN);
    village_body(&body, rows[4]);
    sign_at(&x, 4, id3, clock + 4, &body, &e4, id4);
    village_body(&body, rows[5]);
    sign_at(&x, 5, id4, clock + 5, &body, &e5, NULL);
    sign_at(&x, 5, id3, clock + 5, &body, &skip, NULL);

    /* N takes the seq-skipping entry, M the same link at seq 4, K X's
     * real seq 5; each holds X's seq 1..3. */
    struct unit_env envs[3];
    hz_node *nodes[3];
    for (int i = 0; i < 3; i++) {
        nodes[i] = empty_node((uint8_t)(0x11 + i), &envs[i], 1 + (uint64_t)i);
        assert_int_equal(unit_deliver(nodes[i], &first, NULL), 0);
        assert_chain(nodes[i], x.id.pk, (const int[]){0, 0, 0}, 3);
    }
    hz_node *n = nodes[0], *m = nodes[1], *k = nodes[2];
    struct hz_ingest_stats st = {0};
    struct unit_snapshot before;
    unit_snapshot_take(n, &before);

    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(n, &skip, &st), 0);
    assert_int_equal(st.pending, 1);
    assert_int_equal(st.applied + st.forks + st.stopped + st.refused, 0);
    struct unit_snapshot after;
    unit_snapshot_take(n, &after);
    assert_string_equal(after.hash, before.hash);
    assert_string_equal(after.vector, before.vector);
    assert_int_equal(after.log, before.log);
    assert_int_equal(after.forks, before.forks);
    assert_int_equal(after.pending, before.pending + 1);
    unit_snapshot_free(&after);
    assert_row(n, rows[5], false);
    json_t *s = unit_status(n);
    json_t *missing = json_array_get(json_object_get(s, "missing"), 0);
    assert_int_equal(json_array_size(json_object_get(s, "missing")), 1);
    assert_int_equal(json_integer_value(json_object_get(missing, "from_seq")),
                     4);
    assert_int_equal(json_integer_value(json_object_get(missing, "to_seq")), 4);
    assert_int_equal(json_integer_value(json_object_get(missing, "waiting")),
                     1);
    assert_int_equal(json_array_size(json_object_get(s, "forks")), 0);
    json_decref(s);

    /* The mirror: the same link at seq 4 is the next entry and applies. */
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(m, &e4, &st), 0);
    assert_int_equal(st.applied, 1);
    assert_chain(m, x.id.pk, (const int[]){0, 0, 0, 0}, 4);
    assert_row(m, rows[4], true);

    /* X's real seq 5 (prev = seq 4) waits the same way, and seq 4 then
     * brings in 4 and 5. */
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(k, &e5, &st), 0);
    assert_int_equal(st.pending, 1);
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(k, &e4, &st), 0);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.released, 1);
    assert_chain(k, x.id.pk, (const int[]){0, 0, 0, 0, 0}, 5);
    assert_row(k, rows[4], true);
    assert_row(k, rows[5], true);

    /* On N, seq 4 reaches the waiting entry: its prev is not seq 4's id,
     * so it proves a second entry at seq 4 (merge.md, "Forks": point =
     * seq - 1) and stops X's chain there. */
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(n, &e4, &st), 0);
    assert_int_equal(st.released, 1);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM forks"), 1);
    assert_int_equal(unit_sql_int(n, "SELECT point FROM forks"), 4);
    assert_chain(n, x.id.pk, (const int[]){0, 0, 0, 3}, 4);
    char hash[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n, hash);
    assert_string_equal(hash, before.hash);
    unit_snapshot_free(&before);

    enc_close(&body);
    unit_entries_free(&first);
    unit_entries_free(&e4);
    unit_entries_free(&e5);
    unit_entries_free(&skip);
    unit_author_close(&x);
    for (int i = 0; i < 3; i++)
        hz_node_close(nodes[i]);
}

/* ---- transport refusals (DECISIONS 3) */

static void transport_failures_store_nothing(void **state)
{
    (void)state;
    struct unit_env ea, eb, ef;
    hz_node *a = empty_node(0xa1, &ea, 1);
    hz_node *b = empty_node(0xb2, &eb, 2);
    hz_node *f = empty_node(0xf1, &ef, 3);
    memset(f->network, 0x66, HZ_NET_LEN); /* another network */
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), h, NULL),
                     0);
    assert_int_equal(unit_put(f, "households", NULL,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    struct unit_entries good = {0}, foreign = {0};
    unit_entries_collect(a, &good);
    unit_entries_collect(f, &foreign);
    /* B already holds something, so "unchanged" means something. */
    assert_int_equal(unit_put(b, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), NULL, NULL),
                     0);

    const uint8_t *p = good.p[0];
    size_t len = good.len[0];
    uint8_t *buf = malloc(len + 1);
    assert_non_null(buf);
    struct unit_entries bad = {0};
    unit_entries_add(&bad, foreign.p[0], foreign.len[0]);
    memcpy(buf, p, len);
    buf[len - 1] ^= 0x01; /* signature */
    unit_entries_add(&bad, buf, len);
    memcpy(buf, p, len);
    buf[len - HZ_SIG_LEN - 3] ^= 0x01; /* body */
    unit_entries_add(&bad, buf, len);
    unit_entries_add(&bad, p, len - 1); /* truncated */
    memcpy(buf, p, len);
    buf[len] = 0xc0;
    unit_entries_add(&bad, buf, len + 1); /* trailing byte */
    unit_entries_add(&bad, (const uint8_t *)"", 0);
    unit_entries_add(&bad, (const uint8_t *)"garbage", 7);

    struct unit_snapshot before;
    unit_snapshot_take(b, &before);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(b, &bad, &st), 0);
    assert_int_equal(st.refused, bad.n);
    assert_int_equal(st.entries, 0);
    unit_assert_unchanged(b, &before);
    unit_snapshot_free(&before);

    /* A refusal inside a batch does not stop the good entries. */
    struct unit_entries mixed = {0};
    unit_entries_add(&mixed, bad.p[1], bad.len[1]);
    unit_entries_add(&mixed, good.p[0], good.len[0]);
    unit_entries_add(&mixed, bad.p[0], bad.len[0]);
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(b, &mixed, &st), 0);
    assert_int_equal(st.refused, 2);
    assert_int_equal(st.applied, 1);
    unit_assert_field(b, "households", h, "village", "\"测试村甲\"");

    free(buf);
    unit_entries_free(&mixed);
    unit_entries_free(&bad);
    unit_entries_free(&good);
    unit_entries_free(&foreign);
    hz_node_close(a);
    hz_node_close(b);
    hz_node_close(f);
}

/* ---- content refusals (DECISIONS 3) */

static void content_rejected_entry_is_kept_and_leaves_no_hole(void **state)
{
    (void)state;
    static const uint8_t r1[HZ_ROW_LEN] = {0x01}, r2[HZ_ROW_LEN] = {0x02},
                         r3[HZ_ROW_LEN] = {0x03};
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    struct value v = V_STR("测试村");
    /* 1: an unknown column under schema 1 */
    unit_body_set(&body, 1, "households", r1, "warp_drive", &v, 0, NULL);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, NULL);
    /* 2: a good edit */
    unit_body_set(&body, 1, "households", r2, "village", &v, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 1, &body, &es, NULL);
    /* 3: a body that is not msgpack at all */
    enc_reset(&body);
    enc_raw(&body, "\xc1\xc1", 2);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 2, &body, &es, NULL);
    /* 4: a value out of range */
    struct value big = {.type = VALUE_INT, .i = 101};
    unit_body_set(&body, 1, "households", r3, "members", &big, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 3, &body, &es, NULL);
    /* 5: another good edit */
    unit_body_set(&body, 1, "households", r3, "village", &v, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 4, &body, &es, NULL);

    struct unit_env en, em, eo;
    hz_node *n = empty_node(0x11, &en, 1);
    hz_node *m = empty_node(0x12, &em, 2);
    hz_node *o = empty_node(0x13, &eo, 3);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &es, &st), 0);
    assert_int_equal(st.rejected, 3);
    assert_int_equal(st.applied, 2);
    assert_int_equal(st.refused, 0);
    assert_int_equal(count_state(n, 1), 3);
    assert_int_equal(count_state(n, 0), 2);

    char h1[HZ_ROW_HEX_LEN + 1], h2[HZ_ROW_HEX_LEN + 1], h3[HZ_ROW_HEX_LEN + 1];
    hex_encode(r1, HZ_ROW_LEN, h1);
    hex_encode(r2, HZ_ROW_LEN, h2);
    hex_encode(r3, HZ_ROW_LEN, h3);
    char *json = NULL;
    assert_int_equal(hz_node_get(n, "households", h1, &json, NULL),
                     HZ_ENOTFOUND);
    unit_assert_field(n, "households", h2, "village", "\"测试村\"");
    unit_assert_field(n, "households", h3, "village", "\"测试村\"");
    unit_assert_field(n, "households", h3, "members", NULL);

    /* Listed with its reason. */
    json_t *s = unit_status(n);
    json_t *rej = json_object_get(s, "rejected");
    assert_int_equal(json_array_size(rej), 3);
    json_t *first = json_array_get(rej, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "seq")), 1);
    const char *why = json_string_value(json_object_get(first, "reason"));
    assert_non_null(why);
    assert_non_null(strstr(why, "column"));
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(s, "entries"), "rejected")),
                     3);
    json_decref(s);

    /* Relayed like any other entry, and judged the same way there. */
    struct unit_entries relayed = {0};
    unit_entries_collect(n, &relayed);
    assert_int_equal(relayed.n, es.n);
    unit_entries_free(&relayed);
    unit_sync(n, o);
    assert_int_equal(count_state(o, 1), 3);
    unit_assert_same_state(n, o);

    /* In the other order the rejected entries still close the gaps. */
    for (size_t i = es.n; i-- > 0;)
        assert_int_equal(unit_deliver_range(m, &es, i, 1, NULL), 0);
    assert_int_equal(count_state(m, 1), 3);
    assert_int_equal(count_state(m, 0), 2);
    assert_int_equal(unit_sql_int(m, "SELECT count(*) FROM pending"), 0);
    unit_assert_same_state(n, m);

    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(n);
    hz_node_close(m);
    hz_node_close(o);
}

/* The greatest clock of our own entries. */
static int64_t own_last_clock(hz_node *n)
{
    char sql[256], me[2 * HZ_KEY_LEN + 1];
    hex_encode(n->id.pk, HZ_KEY_LEN, me);
    snprintf(sql, sizeof sql,
             "SELECT max(clock) FROM log WHERE author = (SELECT k FROM"
             " names WHERE name = x'%s')",
             me);
    return unit_sql_int(n, sql);
}

static void far_clock_is_applied_and_its_author_flagged(void **state)
{
    (void)state;
    static const uint8_t row[HZ_ROW_LEN] = {0x09};
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    struct value v = V_STR("测试村");
    unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
    unit_author_next(&x, UNIT_T2038_MS << 16, &body, &es, NULL);
    struct unit_env en;
    hz_node *n = empty_node(0x11, &en, 1);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &es, &st), 0);
    assert_int_equal(st.applied, 1);
    char h[HZ_ROW_HEX_LEN + 1], key[2 * HZ_KEY_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    hex_encode(x.id.pk, HZ_KEY_LEN, key);
    unit_assert_field(n, "households", h, "village", "\"测试村\"");
    json_t *s = unit_status(n);
    json_t *skewed = json_object_get(s, "skewed_authors");
    assert_int_equal(json_array_size(skewed), 1);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(skewed, 0), "author")),
        key);
    json_decref(s);
    /* Our own next write does not jump to 2038. */
    assert_int_equal(unit_put(n, "households", h,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    assert_true((uint64_t)own_last_clock(n) >> 16 <=
                UNIT_T0_MS + HZ_CLOCK_SKEW_MS_MAX);
    /* A write that saw the 2038 one still wins over it. */
    unit_assert_field(n, "households", h, "village", "\"测试村乙\"");
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(n);
}

/* The greatest clock held is kept in meta (format 16, no index on
 * log.clock): raised by every entry taken in, stored with the commit,
 * not by a transaction rolled back, and our own next entry follows it
 * (clock_next). */

static void own_clock_follows_the_greatest_clock_held(void **state)
{
    (void)state;
    static const uint8_t row[HZ_ROW_LEN] = {0x0a};
    char h[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, h);
    struct unit_author x;
    unit_author_init(&x, 0x59);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    village_body(&body, row);
    /* a peer 60 s ahead of us (within the skew allowed), then 120 s */
    const uint64_t ahead = (UNIT_T0_MS + 60000) << 16;
    const uint64_t further = (UNIT_T0_MS + 120000) << 16;
    unit_author_next(&x, ahead, &body, &es, NULL);
    unit_author_next(&x, further, &body, &es, NULL);
    struct unit_env en;
    hz_node *n = empty_node(0x12, &en, 3);
    assert_int_equal(unit_deliver_range(n, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT v FROM meta WHERE k = 'clock'"),
                     (int64_t)ahead);
    assert_int_equal(unit_put(n, "households", h,
                              UNIT_FIELDS({"village", "测试村乙"}), NULL, NULL),
                     0);
    assert_int_equal(own_last_clock(n), (int64_t)ahead + 1);
    assert_int_equal(unit_sql_int(n, "SELECT v FROM meta WHERE k = 'clock'"),
                     (int64_t)ahead + 1);
    /* The later entry taken in by a transaction that is rolled back: the
     * clock stored stays, and so does the one the node knows. */
    struct hz_err err = {0};
    enum ingest_result res;
    assert_int_equal(txn_begin(n, &err), 0);
    assert_int_equal(ingest_entry(n, es.p[1], es.len[1], &res, &err), 0);
    assert_int_equal(res, INGEST_APPLIED);
    uint64_t seen = 0;
    assert_int_equal(log_max_clock(n, &seen, &err), 0);
    assert_int_equal(seen, further);
    txn_rollback(n);
    assert_int_equal(log_max_clock(n, &seen, &err), 0);
    assert_int_equal(seen, ahead + 1);
    assert_int_equal(unit_put(n, "households", h,
                              UNIT_FIELDS({"village", "测试村丙"}), NULL, NULL),
                     0);
    assert_int_equal(own_last_clock(n), (int64_t)ahead + 2);
    /* Taken in for good, it is followed. */
    assert_int_equal(unit_deliver_range(n, &es, 1, 1, NULL), 0);
    assert_int_equal(unit_put(n, "households", h,
                              UNIT_FIELDS({"village", "测试村丁"}), NULL, NULL),
                     0);
    assert_int_equal(own_last_clock(n), (int64_t)further + 1);
    assert_int_equal(unit_sql_int(n, "SELECT v FROM meta WHERE k = 'clock'"),
                     unit_sql_int(n, "SELECT max(clock) FROM log"));
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(n);
}

/* ---- forks (DECISIONS 16) */

struct fork_world {
    struct unit_env e1, e2, eb;
    hz_node *a1, *a2, *b; /* a1 and a2 share one key */
    struct unit_entries common, branch1, branch2, others, late1;
    char h1[HZ_ROW_HEX_LEN + 1], h2[HZ_ROW_HEX_LEN + 1], h3[HZ_ROW_HEX_LEN + 1];
};

static void entries_since(hz_node *n, int64_t seq, struct unit_entries *out)
{
    struct unit_entries all = {0};
    unit_entries_collect(n, &all);
    for (size_t i = 0; i < all.n; i++) {
        struct entry e;
        assert_int_equal(entry_decode(&e, all.p[i], all.len[i], NULL), 0);
        if ((int64_t)e.seq >= seq &&
            memcmp(e.author, n->id.pk, HZ_KEY_LEN) == 0)
            unit_entries_add(out, all.p[i], all.len[i]);
    }
    unit_entries_free(&all);
}

/* A1 writes seq 1; A2 is a restored backup of A1 holding seq 1; then
 * each writes on: A1 seq 2..5 (branch 1: a row, an edit, a delete, an
 * event), A2 its own seq 2 (branch 2). B writes on its own. late1 is
 * what A1 writes after that (seq 6). */
static void fork_open(struct fork_world *w)
{
    memset(w, 0, sizeof *w);
    unit_env_init(&w->e1, 1, UNIT_T0_MS);
    unit_env_init(&w->e2, 2, UNIT_T0_MS);
    unit_env_init(&w->eb, 3, UNIT_T0_MS);
    w->a1 = unit_node_memory(0xaa, &w->e1);
    w->a2 = unit_node_memory(0xaa, &w->e2);
    w->b = unit_node_memory(0xbb, &w->eb);
    assert_int_equal(unit_put(w->a1, "households", NULL,
                              UNIT_FIELDS({"village", "测试村甲"}), w->h1,
                              NULL),
                     0);
    unit_entries_collect(w->a1, &w->common);
    /* The backup: A2 holds seq 1 as its own. */
    w->a2->writing_own = 1;
    assert_int_equal(unit_deliver(w->a2, &w->common, NULL), 0);
    w->a2->writing_own = 0;
    assert_int_equal(count_state(w->a2, 0), 1);

    assert_int_equal(unit_put(w->a1, "households", NULL,
                              UNIT_FIELDS({"village", "测试村乙"}), w->h2,
                              NULL),
                     0);
    assert_int_equal(unit_put(w->a1, "households", w->h1,
                              UNIT_FIELDS({"members", "5"}), NULL, NULL),
                     0);
    /* Branch 1 also deletes a row of the common history and records an
     * event: both must be taken back at the fork. */
    assert_int_equal(unit_del(w->a1, "households", w->h1), 0);
    assert_int_equal(
        unit_put(w->a1, "warnings", NULL,
                 UNIT_FIELDS({"household", w->h2}, {"method", "phone"},
                             {"notice", "测试通知"}),
                 NULL, NULL),
        0);
    w->e2.now_ms += 7;
    assert_int_equal(unit_put(w->a2, "households", NULL,
                              UNIT_FIELDS({"village", "测试村丙"}), w->h3,
                              NULL),
                     0);
    entries_since(w->a1, 2, &w->branch1);
    entries_since(w->a2, 2, &w->branch2);
    assert_int_equal(w->branch1.n, 4);
    assert_int_equal(w->branch2.n, 1);
    assert_int_equal(unit_put(w->b, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), NULL, NULL),
                     0);
    unit_entries_collect(w->b, &w->others);
    /* What A1 writes after the fork. */
    assert_int_equal(unit_put(w->a1, "households", w->h2,
                              UNIT_FIELDS({"members", "6"}), NULL, NULL),
                     0);
    entries_since(w->a1, 6, &w->late1);
    assert_int_equal(w->late1.n, 1);
}

static void fork_close(struct fork_world *w)
{
    unit_entries_free(&w->common);
    unit_entries_free(&w->branch1);
    unit_entries_free(&w->branch2);
    unit_entries_free(&w->others);
    unit_entries_free(&w->late1);
    hz_node_close(w->a1);
    hz_node_close(w->a2);
    hz_node_close(w->b);
}

/* The fork point the status reports for its only fork, which must be
 * @key's. */
static int64_t status_fork_point(hz_node *n, const char *key)
{
    json_t *s = unit_status(n);
    json_t *forks = json_object_get(s, "forks");
    assert_int_equal(json_array_size(forks), 1);
    json_t *f = json_array_get(forks, 0);
    assert_string_equal(json_string_value(json_object_get(f, "author")), key);
    int64_t point = json_integer_value(json_object_get(f, "point"));
    json_decref(s);
    return point;
}

static void fork_keeps_evidence_and_stops_the_author_at_the_fork(void **state)
{
    (void)state;
    struct fork_world w;
    fork_open(&w);

    /* The reference: only what precedes the fork. */
    struct unit_env er, ec, ed;
    hz_node *ref = empty_node(0x51, &er, 11);
    assert_int_equal(unit_deliver(ref, &w.others, NULL), 0);
    assert_int_equal(unit_deliver(ref, &w.common, NULL), 0);

    /* C: branch 1 first, then branch 2. */
    hz_node *c = empty_node(0x52, &ec, 12);
    assert_int_equal(unit_deliver(c, &w.others, NULL), 0);
    assert_int_equal(unit_deliver(c, &w.common, NULL), 0);
    assert_int_equal(unit_deliver(c, &w.branch1, NULL), 0);
    unit_assert_field(c, "households", w.h1, "village", NULL); /* deleted */
    assert_int_equal(unit_sql_int(c, "SELECT count(*) FROM v_warnings"), 1);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(c, &w.branch2, &st), 0);
    assert_int_equal(st.forks, 1);
    assert_int_equal(st.refused, 0);
    unit_assert_same_state(c, ref);
    unit_assert_field(c, "households", w.h1, "village", "\"测试村甲\"");
    unit_assert_field(c, "households", w.h1, "members", NULL);
    unit_assert_field(c, "households", w.h2, "village", NULL);
    unit_assert_field(c, "households", w.h3, "village", NULL);
    assert_int_equal(unit_sql_int(c, "SELECT count(*) FROM v_warnings"), 0);
    assert_true(unit_sql_int(c, "SELECT count(*) FROM forks") >= 1);
    assert_int_equal(count_state(c, 3), 4);
    assert_int_equal(count_state(c, 0), 2);

    /* The status shows the fork and where it is. */
    char key[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(w.a1, key);
    assert_int_equal(status_fork_point(c, key), 2);

    /* D: branch 2 first, then branch 1. */
    hz_node *d = empty_node(0x53, &ed, 13);
    assert_int_equal(unit_deliver(d, &w.common, NULL), 0);
    assert_int_equal(unit_deliver(d, &w.branch2, NULL), 0);
    unit_assert_field(d, "households", w.h3, "village", "\"测试村丙\"");
    assert_int_equal(unit_deliver(d, &w.others, NULL), 0);
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(d, &w.branch1, &st), 0);
    assert_true(st.forks >= 1);
    unit_assert_same_state(d, c);
    unit_assert_same_state(d, ref);

    /* A1's entries after the fork are stored and stopped, not applied. */
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(c, &w.late1, &st), 0);
    assert_int_equal(st.stopped + st.forks, 1);
    assert_int_equal(st.applied, 0);
    unit_assert_same_state(c, ref);
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(d, &w.late1, &st), 0);
    assert_int_equal(st.applied, 0);
    unit_assert_same_state(d, ref);

    /* The evidence travels: a node that only relays from C learns the
     * fork too (DECISIONS 16). */
    struct unit_env ee;
    hz_node *e = empty_node(0x54, &ee, 14);
    unit_sync(c, e);
    assert_true(unit_sql_int(e, "SELECT count(*) FROM forks") >= 1);
    unit_assert_same_state(e, ref);

    hz_node_close(ref);
    hz_node_close(c);
    hz_node_close(d);
    hz_node_close(e);
    fork_close(&w);
}

/* Fork evidence recorded inside a transaction is held from then on in
 * that same transaction: the same entry arriving again is a duplicate,
 * though the transaction first learnt that no evidence was held at all
 * (log/log.c keeps that answer until evidence is recorded). */
static void fork_evidence_is_held_within_its_transaction(void **state)
{
    (void)state;
    struct fork_world w;
    fork_open(&w);
    struct unit_entries all = {0};
    const struct unit_entries *parts[] = {&w.common, &w.branch1, &w.branch2,
                                          &w.branch2};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (size_t j = 0; j < parts[i]->n; j++)
            unit_entries_add(&all, parts[i]->p[j], parts[i]->len[j]);
    struct unit_env ec;
    hz_node *c = empty_node(0x55, &ec, 15);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(c, &all, &st), 0); /* one transaction */
    assert_int_equal(st.forks, 1);
    assert_int_equal(st.duplicate, 1);
    assert_int_equal(st.refused, 0);
    assert_int_equal(unit_sql_int(c, "SELECT count(*) FROM forks"), 1);
    /* And in the next transaction, asked afresh. */
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(c, &w.branch2, &st), 0);
    assert_int_equal(st.duplicate, 1);
    assert_int_equal(st.forks, 0);
    unit_entries_free(&all);
    hz_node_close(c);
    fork_close(&w);
}

/* Both histories arrive ahead of a gap and wait in pending; when the gap
 * closes, the node must see the fork as a node that received them in
 * order does. */
static void fork_waiting_in_pending_is_found_when_the_gap_closes(void **state)
{
    (void)state;
    struct fork_world w;
    fork_open(&w);
    struct unit_env ex, ey;
    hz_node *x = empty_node(0x52, &ex, 12);
    hz_node *y = empty_node(0x53, &ey, 13);
    /* Only the two entries at seq 2, so no later link gives the fork
     * away. X: in order. */
    assert_int_equal(unit_deliver(x, &w.common, NULL), 0);
    assert_int_equal(unit_deliver_range(x, &w.branch1, 0, 1, NULL), 0);
    assert_int_equal(unit_deliver(x, &w.branch2, NULL), 0);
    assert_int_equal(unit_sql_int(x, "SELECT count(*) FROM forks"), 1);
    /* Y: both seq 2 entries first, then seq 1. */
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver_range(y, &w.branch1, 0, 1, &st), 0);
    assert_int_equal(unit_deliver(y, &w.branch2, &st), 0);
    assert_int_equal(st.pending, 2);
    assert_int_equal(unit_deliver(y, &w.common, NULL), 0);
    assert_true(unit_sql_int(y, "SELECT count(*) FROM forks") >= 1);
    unit_assert_same_state(x, y);
    hz_node_close(x);
    hz_node_close(y);
    fork_close(&w);
}

static void fork_at_seq_one_stops_the_whole_chain(void **state)
{
    (void)state;
    struct unit_env e1, e2, ec, ed, er;
    hz_node *a1 = empty_node(0xaa, &e1, 1);
    hz_node *a2 = empty_node(0xaa, &e2, 2);
    assert_int_equal(unit_put(a1, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点甲"}), NULL,
                              NULL),
                     0);
    assert_int_equal(unit_put(a2, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点乙"}), NULL,
                              NULL),
                     0);
    struct unit_entries b1 = {0}, b2 = {0};
    unit_entries_collect(a1, &b1);
    unit_entries_collect(a2, &b2);
    hz_node *c = empty_node(0x52, &ec, 3);
    hz_node *d = empty_node(0x53, &ed, 4);
    hz_node *ref = empty_node(0x51, &er, 5);
    assert_int_equal(unit_deliver(c, &b1, NULL), 0);
    assert_int_equal(unit_deliver(c, &b2, NULL), 0);
    assert_int_equal(unit_deliver(d, &b2, NULL), 0);
    assert_int_equal(unit_deliver(d, &b1, NULL), 0);
    unit_assert_same_state(c, ref);
    unit_assert_same_state(d, ref);
    assert_int_equal(count_state(c, 0), 0);
    unit_entries_free(&b1);
    unit_entries_free(&b2);
    hz_node_close(a1);
    hz_node_close(a2);
    hz_node_close(c);
    hz_node_close(d);
    hz_node_close(ref);
}

/* proto/cli.md, "bundle import": each entry of a run is counted once, by
 * where it stands at the run's end. X's seq 1..3 arrive and apply; fork
 * evidence at seq 2 later in the same run stops seq 2 and 3: they count
 * as stopped, not applied. Then 70 more second histories of seq 3: the
 * evidence kept per author stops at 64, and a piece that proves no lower
 * point is not kept and counts as capacity, not as a fork. */
static void a_run_counts_each_entry_by_where_it_ends(void **state)
{
    (void)state;
    struct unit_env ee;
    hz_node *n = empty_node(0x5e, &ee, 6);
    struct unit_author x;
    unit_author_init(&x, 0x5f);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    uint8_t ids[3][HZ_HASH_LEN];
    static const uint8_t rows[3][HZ_ROW_LEN] = {{0x71}, {0x72}, {0x73}};
    for (int i = 0; i < 3; i++) {
        village_body(&body, rows[i]);
        unit_author_next(&x, (UNIT_T0_MS << 16) + (uint64_t)i, &body, &es,
                         ids[i]);
    }
    /* A second seq 2 after seq 1: the fork point is 2. */
    static const uint8_t other[HZ_ROW_LEN] = {0x7f};
    village_body(&body, other);
    sign_at(&x, 2, ids[0], (UNIT_T0_MS << 16) + 9, &body, &es, NULL);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &es, &st), 0);
    assert_int_equal(st.entries, 4);
    assert_int_equal(st.applied, 1);
    assert_int_equal(st.stopped, 2);
    assert_int_equal(st.forks, 1);
    assert_int_equal(st.capacity, 0);
    assert_row(n, rows[0], true);
    assert_row(n, rows[1], false);

    /* 70 second histories at seq 3, each a piece of evidence of a point
     * no lower than 2: 63 more are kept (64 in all), 7 are not. */
    struct unit_entries more = {0};
    for (int i = 0; i < 70; i++) {
        village_body(&body, rows[2]);
        sign_at(&x, 3, ids[1], (UNIT_T0_MS << 16) + 100 + (uint64_t)i, &body,
                &more, NULL);
    }
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(n, &more, &st), 0);
    assert_int_equal(st.entries, 70);
    assert_int_equal(st.forks, HZ_FORK_EVIDENCE_MAX - 1);
    assert_int_equal(st.capacity, 70 - (HZ_FORK_EVIDENCE_MAX - 1));
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM forks"),
                     HZ_FORK_EVIDENCE_MAX);
    enc_close(&body);
    unit_entries_free(&es);
    unit_entries_free(&more);
    unit_author_close(&x);
    hz_node_close(n);
}

/* merge.md, "Forks": the point a piece of evidence proves is its seq, or
 * the seq before when the log holds that one and the evidence's prev is
 * another id; the author's point is the lowest proved, whatever the
 * order; entries at or past it are stopped and their effects taken back.
 * Author F: F1, F2, F3 (F3 edits F1's row); F2x (prev F1) and F3x
 * (prev F2x) a second branch; F3y a second seq 3 after F2. */
struct point_world {
    struct unit_author f;
    struct unit_entries f1, f2, f3, f2x, f3x, f3y;
    struct unit_env er1, er2;
    hz_node *ref1, *ref2; /* holding F1, and F1 F2 */
};

/* The rows F1, F2, F2x, F3x and F3y create. */
static const uint8_t point_rows[5][HZ_ROW_LEN] = {
    {0x61}, {0x62}, {0x6a}, {0x6b}, {0x6c}};
#define POINT_R1 point_rows[0]
#define POINT_R2 point_rows[1]

static void point_open(struct point_world *w)
{
    memset(w, 0, sizeof *w);
    const uint64_t clock = UNIT_T0_MS << 16;
    unit_author_init(&w->f, 0x46);
    struct enc body;
    enc_init(&body);
    uint8_t id1[HZ_HASH_LEN], id2[HZ_HASH_LEN], id2x[HZ_HASH_LEN];
    village_body(&body, POINT_R1);
    unit_author_next(&w->f, clock + 1, &body, &w->f1, id1);
    village_body(&body, POINT_R2);
    unit_author_next(&w->f, clock + 2, &body, &w->f2, id2);
    struct value five = {.type = VALUE_INT, .i = 5};
    unit_body_set(&body, 1, "households", POINT_R1, "members", &five, 0, NULL);
    unit_author_next(&w->f, clock + 3, &body, &w->f3, NULL);
    village_body(&body, point_rows[2]);
    sign_at(&w->f, 2, id1, clock + 4, &body, &w->f2x, id2x);
    village_body(&body, point_rows[3]);
    sign_at(&w->f, 3, id2x, clock + 5, &body, &w->f3x, NULL);
    village_body(&body, point_rows[4]);
    sign_at(&w->f, 3, id2, clock + 6, &body, &w->f3y, NULL);
    enc_close(&body);
    w->ref1 = empty_node(0x71, &w->er1, 71);
    w->ref2 = empty_node(0x72, &w->er2, 72);
    assert_int_equal(unit_deliver(w->ref1, &w->f1, NULL), 0);
    assert_int_equal(unit_deliver(w->ref2, &w->f1, NULL), 0);
    assert_int_equal(unit_deliver(w->ref2, &w->f2, NULL), 0);
}

static void point_close(struct point_world *w)
{
    struct unit_entries *all[] = {&w->f1,  &w->f2,  &w->f3,
                                  &w->f2x, &w->f3x, &w->f3y};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        unit_entries_free(all[i]);
    unit_author_close(&w->f);
    hz_node_close(w->ref1);
    hz_node_close(w->ref2);
}

/* Deliver each of the NULL-terminated list, one batch each. */
static void give(hz_node *n, struct unit_entries *const *list,
                 struct hz_ingest_stats *st)
{
    for (size_t i = 0; list[i] != NULL; i++)
        assert_int_equal(unit_deliver(n, list[i], st), 0);
}

/* F's fork point on @n, as stored and as the status reports it; the
 * chain's verdicts; and the state of the reference holding only what
 * precedes the point. */
static void assert_point(const struct point_world *w, hz_node *n,
                         uint64_t point, const int *chain, size_t len)
{
    char key[2 * HZ_KEY_LEN + 1], sql[256];
    hex_encode(w->f.id.pk, HZ_KEY_LEN, key);
    snprintf(sql, sizeof sql,
             "SELECT min(point) FROM forks WHERE author = x'%s'", key);
    assert_int_equal(unit_sql_int(n, sql), point);
    assert_int_equal(status_fork_point(n, key), point);
    assert_chain(n, w->f.id.pk, chain, len);
    unit_assert_same_state(n, point == 2 ? w->ref1 : w->ref2);
    /* F3's edit of F1's row is taken back with F3. */
    char h1[HZ_ROW_HEX_LEN + 1];
    hex_encode(POINT_R1, HZ_ROW_LEN, h1);
    unit_assert_field(n, "households", h1, "members", NULL);
    unit_assert_field(n, "households", h1, "village", "\"测试村\"");
    assert_row(n, POINT_R2, point > 2);
    for (size_t r = 2; r < 5; r++)
        assert_row(n, point_rows[r], false);
}

static void fork_point_is_the_seq_or_the_one_before_it(void **state)
{
    (void)state;
    struct point_world w;
    point_open(&w);
    struct unit_env e[5];
    hz_node *n[5];
    for (int i = 0; i < 5; i++)
        n[i] = empty_node((uint8_t)(0x21 + i), &e[i], 21 + (uint64_t)i);
    struct hz_ingest_stats st = {0};

    /* Held F1 F2 F3, F2x arrives: F2x is at seq 2 and links to F1. */
    give(n[0], (struct unit_entries *[]){&w.f1, &w.f2, &w.f3, NULL}, NULL);
    assert_row(n[0], POINT_R2, true);
    give(n[0], (struct unit_entries *[]){&w.f2x, NULL}, &st);
    assert_int_equal(st.forks, 1);
    assert_point(&w, n[0], 2, (const int[]){0, 3, 3}, 3);

    /* Held F1 F2 F3, F3x arrives: its prev is not F2, so it proves a
     * second seq 2 as well. */
    give(n[1], (struct unit_entries *[]){&w.f1, &w.f2, &w.f3, &w.f3x, NULL},
         NULL);
    assert_point(&w, n[1], 2, (const int[]){0, 3, 3}, 3);

    /* Held F1 F2 F3, F3y arrives (prev F2): point 3. Then F2x lowers it
     * to 2; the higher piece of evidence stays. */
    give(n[2], (struct unit_entries *[]){&w.f1, &w.f2, &w.f3, &w.f3y, NULL},
         NULL);
    assert_point(&w, n[2], 3, (const int[]){0, 0, 3}, 3);
    give(n[2], (struct unit_entries *[]){&w.f2x, NULL}, NULL);
    assert_point(&w, n[2], 2, (const int[]){0, 3, 3}, 3);
    assert_int_equal(unit_sql_int(n[2], "SELECT count(*) FROM forks"), 2);

    /* Held F1 F2, F3x arrives at the next seq with a prev that is not
     * F2: point 2. F3, linking to F2, is then stored stopped. */
    give(n[3], (struct unit_entries *[]){&w.f1, &w.f2, &w.f3x, NULL}, NULL);
    assert_point(&w, n[3], 2, (const int[]){0, 3}, 2);
    memset(&st, 0, sizeof st);
    give(n[3], (struct unit_entries *[]){&w.f3, NULL}, &st);
    assert_int_equal(st.stopped, 1);
    assert_point(&w, n[3], 2, (const int[]){0, 3, 3}, 3);

    /* Nothing held; F3 and F3x wait in pending; F1, then F2. */
    memset(&st, 0, sizeof st);
    give(n[4], (struct unit_entries *[]){&w.f3, &w.f3x, NULL}, &st);
    assert_int_equal(st.pending, 2);
    give(n[4], (struct unit_entries *[]){&w.f1, &w.f2, NULL}, NULL);
    assert_int_equal(unit_sql_int(n[4], "SELECT count(*) FROM pending"), 0);
    assert_point(&w, n[4], 2, (const int[]){0, 3, 3}, 3);

    for (int i = 0; i < 5; i++)
        hz_node_close(n[i]);
    point_close(&w);
}

/* Forks, rejected entries, gaps and duplicates, in any order and any
 * batching: one state (DECISIONS 5). */
static void forks_and_rejections_in_any_order_give_the_same_state(void **state)
{
    (void)state;
    struct fork_world w;
    fork_open(&w);
    /* An author with a rejected entry between two good ones. */
    static const uint8_t row[HZ_ROW_LEN] = {0x0b};
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries xs = {0};
    struct enc body;
    enc_init(&body);
    struct value v = V_STR("测试村");
    unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &xs, NULL);
    unit_body_set(&body, 1, "households", row, "warp_drive", &v, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 1, &body, &xs, NULL);
    struct value m = {.type = VALUE_INT, .i = 7};
    unit_body_set(&body, 1, "households", row, "members", &m, 0, NULL);
    unit_author_next(&x, (UNIT_T0_MS << 16) + 2, &body, &xs, NULL);

    struct unit_entries all = {0};
    const struct unit_entries *parts[] = {&w.common, &w.branch1, &w.branch2,
                                          &w.others, &w.late1,   &xs};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        for (size_t k = 0; k < parts[i]->n; k++)
            unit_entries_add(&all, parts[i]->p[k], parts[i]->len[k]);

    struct unit_env er;
    hz_node *ref = empty_node(0x51, &er, 11);
    assert_int_equal(unit_deliver(ref, &all, NULL), 0);
    char want[2 * HZ_HASH_LEN + 1];
    unit_state_hash(ref, want);

    uint64_t seed = 0xf07c;
    size_t n = all.n;
    size_t *order = malloc(n * sizeof *order);
    assert_non_null(order);
    for (int round = 0; round < 16; round++) {
        for (size_t i = 0; i < n; i++)
            order[i] = round == 0 ? n - 1 - i : i;
        for (size_t i = n - 1; round > 0 && i > 0; i--) {
            size_t j = unit_rand_below(&seed, i + 1);
            size_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        struct unit_env ef;
        hz_node *f = empty_node(0x5f, &ef, 100 + (uint64_t)round);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + unit_rand_below(&seed, 3);
            struct unit_entries batch = {0};
            for (size_t j = i; j < i + k && j < n; j++)
                unit_entries_add(&batch, all.p[order[j]], all.len[order[j]]);
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
        hz_node_close(f);
    }
    free(order);
    hz_node_close(ref);
    unit_entries_free(&all);
    unit_entries_free(&xs);
    enc_close(&body);
    unit_author_close(&x);
    fork_close(&w);
}

/* ---- clones (DECISIONS 13) */

static void
entry_signed_by_our_key_that_we_did_not_write_stops_writes(void **state)
{
    (void)state;
    struct unit_env e1, e2;
    hz_node *a = empty_node(0xaa, &e1, 1);
    hz_node *twin = empty_node(0xaa, &e2, 2); /* a cloned SD card */
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点甲"}), NULL,
                              NULL),
                     0);
    assert_int_equal(unit_put(twin, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点乙"}), NULL,
                              NULL),
                     0);
    json_t *s = unit_status(a);
    assert_true(json_is_false(json_object_get(s, "clone_detected")));
    json_decref(s);

    struct hz_ingest_stats st = {0};
    struct unit_entries es = {0};
    unit_entries_collect(twin, &es);
    assert_int_equal(unit_deliver(a, &es, &st), 0);
    assert_int_equal(st.forks, 1);
    s = unit_status(a);
    assert_true(json_is_true(json_object_get(s, "clone_detected")));
    json_decref(s);

    struct unit_snapshot before;
    unit_snapshot_take(a, &before);
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点丙"}), NULL,
                              NULL),
                     HZ_ECLONE);
    unit_assert_unchanged(a, &before);
    unit_snapshot_free(&before);
    unit_entries_free(&es);
    hz_node_close(a);
    hz_node_close(twin);
}

static void our_own_entries_echoed_back_are_not_a_clone(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    hz_node *a = empty_node(0xa1, &ea, 1);
    hz_node *b = empty_node(0xb2, &eb, 2);
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), g, NULL),
                     0);
    unit_sync(a, b);
    struct hz_ingest_stats st = {0};
    struct unit_entries es = {0};
    unit_entries_collect(b, &es);
    assert_int_equal(unit_deliver(a, &es, &st), 0);
    assert_int_equal(st.duplicate, 1);
    assert_int_equal(st.forks, 0);
    json_t *s = unit_status(a);
    assert_true(json_is_false(json_object_get(s, "clone_detected")));
    json_decref(s);
    assert_int_equal(
        unit_put(a, "sites", g, UNIT_FIELDS({"open", "是"}), NULL, NULL), 0);
    unit_entries_free(&es);
    hz_node_close(a);
    hz_node_close(b);
}

/* ---- the log re-verified */

static void log_verify_passes_after_every_kind_of_arrival(void **state)
{
    (void)state;
    struct fork_world w;
    fork_open(&w);
    struct unit_env ec;
    hz_node *c = empty_node(0x52, &ec, 12);
    assert_int_equal(unit_deliver(c, &w.branch2, NULL), 0); /* pending */
    assert_int_equal(unit_deliver(c, &w.others, NULL), 0);
    assert_int_equal(unit_deliver(c, &w.common, NULL), 0);
    assert_int_equal(unit_deliver(c, &w.branch1, NULL), 0); /* fork */
    uint64_t checked = 0;
    struct hz_err err = {0};
    assert_int_equal(hz_node_log_verify(c, &checked, &err), 0);
    assert_int_equal(
        checked, (uint64_t)(unit_sql_int(c, "SELECT count(*) FROM log") +
                            unit_sql_int(c, "SELECT count(*) FROM pending") +
                            unit_sql_int(c, "SELECT count(*) FROM forks")));
    /* A stored entry altered on disk is found. */
    assert_int_equal(sqlite3_exec(c->db.conn,
                                  "UPDATE log SET bytes = substr(bytes, 1,"
                                  " length(bytes) - 1) || CASE WHEN"
                                  " substr(bytes, -1) = x'00' THEN x'01'"
                                  " ELSE x'00' END WHERE n = 1",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(hz_node_log_verify(c, NULL, &err), HZ_ECORRUPT);
    hz_node_close(c);
    fork_close(&w);
}

/* How many rows hz_node_search finds for @q (persons and households). */
static size_t found(hz_node *n, const char *q)
{
    char *json = NULL;
    assert_int_equal(hz_node_search(n, q, 100, &json, NULL), 0);
    json_t *j = json_loads(json, 0, NULL);
    hz_free_string(json);
    assert_non_null(j);
    size_t k = json_array_size(json_object_get(j, "persons")) +
               json_array_size(json_object_get(j, "households"));
    json_decref(j);
    return k;
}

/* A row's keys leave the search index when it first changes in a
 * transaction and are written again, read back, when it ends
 * (state/search.c): rows created, renamed and deleted by entries
 * delivered in one transaction leave exactly the keys of the rows as
 * they end (log verify compares every key), and more rows than
 * HZ_SEARCH_OWED_MAX in one transaction are all found. */
static void
search_keys_written_at_a_transactions_end_match_its_rows(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    hz_node *a = empty_node(0x61, &ea, 12), *b = empty_node(0x62, &eb, 12);
    char renamed[33], gone[33];
    assert_int_equal(unit_put(a, "persons", NULL,
                              UNIT_FIELDS({"name", "测试张三"}), renamed, NULL),
                     0);
    assert_int_equal(
        unit_put(a, "persons", renamed,
                 UNIT_FIELDS({"name", "测试李四"}, {"phone", "13800001234"}),
                 NULL, NULL),
        0);
    assert_int_equal(unit_put(a, "persons", NULL,
                              UNIT_FIELDS({"name", "测试王五"}), gone, NULL),
                     0);
    assert_int_equal(unit_del(a, "persons", gone), 0);
    /* A household's village (keyed from the values it was inserted
     * with) changed before the transaction ends. */
    char moved[33];
    assert_int_equal(unit_put(a, "households", NULL,
                              UNIT_FIELDS({"head_name", "测试钱七"},
                                          {"village", "测试甲村"}),
                              moved, NULL),
                     0);
    assert_int_equal(unit_put(a, "households", moved,
                              UNIT_FIELDS({"village", "测试乙村"}), NULL, NULL),
                     0);
    char late[33];
    assert_int_equal(unit_put(a, "persons", NULL,
                              UNIT_FIELDS({"name", "测试吴九"}), late, NULL),
                     0);
    /* One local action of more rows than are owed at once: one
     * transaction (several entries). */
    hz_batch *batch = NULL;
    assert_int_equal(hz_batch_open(a, &batch, NULL), 0);
    const struct hz_field f[] = {{"name", "测试赵六"}};
    for (size_t i = 0; i < HZ_SEARCH_OWED_MAX + 10; i++)
        assert_int_equal(hz_batch_put(batch, "persons", NULL, 1, f, NULL, NULL),
                         0);
    assert_int_equal(hz_node_commit(a, batch, NULL, NULL), 0);
    hz_batch_close(batch);
    /* Renamed once all those are owed: for b, when the rows owed are
     * written mid-transaction to make room. */
    assert_int_equal(unit_put(a, "persons", late,
                              UNIT_FIELDS({"name", "测试郑十"}), NULL, NULL),
                     0);
    /* b takes everything in one delivery: one transaction. */
    unit_sync(a, b);
    hz_node *both[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        hz_node *n = both[i];
        assert_int_equal(hz_node_log_verify(n, NULL, NULL), 0);
        assert_int_equal(found(n, "测试李四"), 1);
        assert_int_equal(found(n, "1234"), 1);
        assert_int_equal(found(n, "测试张三"), 0); /* renamed */
        assert_int_equal(found(n, "测试王五"), 0); /* deleted */
        assert_int_equal(found(n, "测试乙村"), 1);
        assert_int_equal(found(n, "测试甲村"), 0); /* its village before */
        assert_int_equal(found(n, "测试钱七"), 1);
        assert_int_equal(found(n, "测试郑十"), 1);
        assert_int_equal(found(n, "测试吴九"), 0);   /* renamed late */
        assert_int_equal(found(n, "测试赵六"), 100); /* the limit */
        assert_int_equal(
            unit_sql_int(n, "SELECT count(*) FROM sx_p WHERE sx_p MATCH"
                            " '\"pn:赵六\"'"),
            HZ_SEARCH_OWED_MAX + 10);
    }
    hz_node_close(a);
    hz_node_close(b);
}

/* Keys that share long prefixes, in every order: names drawn from a few
 * characters (so that whole names, their pairs and their pinyin repeat
 * and differ late) and phone numbers that differ only in their last
 * digits, all in one transaction. Log verify walks the index in its
 * order (FTS5's: byte by byte, then row) against the rows' keys sorted
 * by state/search.c's own sort, so a key missing, extra or sorted
 * otherwise fails it. */
static void search_keys_sharing_long_prefixes_are_written_in_order(void **state)
{
    (void)state;
    struct unit_env ea;
    hz_node *a = empty_node(0x63, &ea, 12);
    static const char *const chars[] = {"王", "李", "张", "测", "试",
                                        "1",  "0",  "a",  "A"};
    uint64_t rng = 0x5ea5c4;
    enum { ROWS = 1500 };
    static char names[ROWS][64], phones[ROWS][16];
    hz_batch *batch = NULL;
    assert_int_equal(hz_batch_open(a, &batch, NULL), 0);
    for (size_t i = 0; i < ROWS; i++) {
        size_t len = 1 + unit_rand_below(&rng, 6), at = 0;
        for (size_t k = 0; k < len; k++)
            at += (size_t)snprintf(
                names[i] + at, sizeof names[i] - at, "%s",
                chars[unit_rand_below(&rng, sizeof chars / sizeof *chars)]);
        snprintf(phones[i], sizeof phones[i], "1380000%04zu",
                 unit_rand_below(&rng, 300));
        /* every third a household, its village another row's name */
        const struct hz_field f[] = {{"name", names[i]}, {"phone", phones[i]}};
        const struct hz_field h[] = {{"head_name", names[i]},
                                     {"phone", phones[i]},
                                     {"village", names[(i * 7) % (i + 1)]}};
        assert_int_equal(
            i % 3 == 0
                ? hz_batch_put(batch, "households", NULL, 3, h, NULL, NULL)
                : hz_batch_put(batch, "persons", NULL, 2, f, NULL, NULL),
            0);
    }
    assert_int_equal(hz_node_commit(a, batch, NULL, NULL), 0);
    hz_batch_close(batch);
    assert_int_equal(hz_node_log_verify(a, NULL, NULL), 0);
    for (size_t i = 0; i < ROWS; i += 97) {
        assert_true(found(a, phones[i] + 7) >= 1); /* its last digits */
        assert_true(found(a, names[i]) >= 1);
    }
    hz_node_close(a);
}

/* Names as people write them: ASCII punctuation, spaces, quotes and
 * letters of either case. The index's tokenizer splits at ASCII
 * punctuation and folds letters, so grams leave punctuation out and log
 * verify folds as it does (state/search.c); a query made of punctuation
 * looks nothing up and is no error; rows renamed and deleted keep the
 * index exact. */
static void search_takes_names_with_punctuation_quotes_and_case(void **state)
{
    (void)state;
    struct unit_env ea;
    hz_node *a = empty_node(0x64, &ea, 12);
    static const char *const names[] = {
        "O'Brien", "Anna Lee", "(测试)张三", "李\"四\"", "ABC",     "abc",
        "a-b-c",   "赵·六",    "-",          "X",        "测 试 王"};
    enum { N = sizeof names / sizeof *names };
    char ids[N][33];
    hz_batch *batch = NULL;
    assert_int_equal(hz_batch_open(a, &batch, NULL), 0);
    for (size_t i = 0; i < N; i++) {
        const struct hz_field f[] = {{"name", names[i]}};
        assert_int_equal(
            hz_batch_put(batch, "persons", NULL, 1, f, ids[i], NULL), 0);
    }
    assert_int_equal(hz_node_commit(a, batch, NULL, NULL), 0);
    hz_batch_close(batch);
    assert_int_equal(hz_node_log_verify(a, NULL, NULL), 0);
    assert_int_equal(found(a, "O'Brien"), 1);
    assert_int_equal(found(a, "Brien"), 1);
    assert_int_equal(found(a, "Anna Lee"), 1);
    assert_int_equal(found(a, "(测试"), 1);
    assert_int_equal(found(a, "张三"), 1);
    assert_int_equal(found(a, "李\"四"), 1);
    assert_int_equal(found(a, "ABC"), 1); /* the case as written */
    assert_int_equal(found(a, "abc"), 1);
    assert_int_equal(found(a, "a-b"), 1);
    assert_int_equal(found(a, "赵·六"), 1);
    assert_int_equal(found(a, "测 试"), 1);
    assert_int_equal(found(a, "\""), 0); /* no key: nothing, no error */
    assert_int_equal(found(a, "()"), 0);
    assert_int_equal(found(a, "\" OR *"), 0);
    /* the longest names a row may have: a document of ~50 KB */
    static char longest[HZ_TEXT_LEN_MAX + 1], village[HZ_TEXT_LEN_MAX + 1];
    for (size_t i = 0; i < HZ_TEXT_LEN_MAX; i++) {
        longest[i] = (char)('a' + i * 5 % 26); /* never "abc" */
        village[i] = (char)('A' + i * 7 % 26);
    }
    assert_int_equal(
        unit_put(a, "households", NULL,
                 UNIT_FIELDS({"head_name", longest}, {"village", village}),
                 NULL, NULL),
        0);
    assert_int_equal(hz_node_log_verify(a, NULL, NULL), 0);
    char part[7];
    memcpy(part, longest + 3000, 6);
    part[6] = '\0';
    assert_int_equal(found(a, part), 1); /* by a gram 3,000 bytes in */
    /* renamed in one transaction and again in the next; one deleted */
    assert_int_equal(unit_put(a, "persons", ids[0],
                              UNIT_FIELDS({"name", "O'Neil (测试)"}), NULL,
                              NULL),
                     0);
    assert_int_equal(unit_del(a, "persons", ids[3]), 0);
    assert_int_equal(unit_put(a, "persons", ids[1],
                              UNIT_FIELDS({"name", "Ann-Marie"}), NULL, NULL),
                     0);
    assert_int_equal(unit_put(a, "persons", ids[1],
                              UNIT_FIELDS({"name", "ANN MARIE"}), NULL, NULL),
                     0);
    /* b takes it all in one delivery: each row changed in one transaction */
    struct unit_env eb;
    hz_node *b = empty_node(0x65, &eb, 12);
    unit_sync(a, b);
    hz_node *both[] = {a, b};
    for (size_t i = 0; i < 2; i++) {
        hz_node *n = both[i];
        assert_int_equal(hz_node_log_verify(n, NULL, NULL), 0);
        assert_int_equal(found(n, "O'Brien"), 0);
        assert_int_equal(found(n, "O'Neil"), 1);
        assert_int_equal(found(n, "李\"四"), 0);
        assert_int_equal(found(n, "Anna"), 0);
        assert_int_equal(found(n, "ANN MARIE"), 1);
        assert_int_equal(found(n, "Ann-Marie"), 0);
        assert_int_equal(found(n, "abc"), 1);
    }
    hz_node_close(a);
    hz_node_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(entry_ahead_of_a_gap_waits_then_applies),
        cmocka_unit_test(a_long_chain_delivered_backwards_applies_whole),
        cmocka_unit_test(entry_skipping_a_seq_waits_though_it_links_to_the_top),
        cmocka_unit_test(transport_failures_store_nothing),
        cmocka_unit_test(content_rejected_entry_is_kept_and_leaves_no_hole),
        cmocka_unit_test(far_clock_is_applied_and_its_author_flagged),
        cmocka_unit_test(own_clock_follows_the_greatest_clock_held),
        cmocka_unit_test(fork_keeps_evidence_and_stops_the_author_at_the_fork),
        cmocka_unit_test(fork_at_seq_one_stops_the_whole_chain),
        cmocka_unit_test(a_run_counts_each_entry_by_where_it_ends),
        cmocka_unit_test(fork_point_is_the_seq_or_the_one_before_it),
        cmocka_unit_test(forks_and_rejections_in_any_order_give_the_same_state),
        cmocka_unit_test(fork_evidence_is_held_within_its_transaction),
        cmocka_unit_test(fork_waiting_in_pending_is_found_when_the_gap_closes),
        cmocka_unit_test(
            entry_signed_by_our_key_that_we_did_not_write_stops_writes),
        cmocka_unit_test(our_own_entries_echoed_back_are_not_a_clone),
        cmocka_unit_test(log_verify_passes_after_every_kind_of_arrival),
        cmocka_unit_test(
            search_keys_written_at_a_transactions_end_match_its_rows),
        cmocka_unit_test(
            search_keys_sharing_long_prefixes_are_written_in_order),
        cmocka_unit_test(search_takes_names_with_punctuation_quotes_and_case),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
