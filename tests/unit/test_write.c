/* test_write.c - our own writes (write.c; DECISIONS 4, 6, 9, 10).
 *
 * One user action is one batch, committed as one entry (or several when
 * it passes the per-entry limits) in one transaction: all of it or
 * nothing. Checks on local input live here: referenced rows exist and are
 * not deleted, a tombstoned row takes no more writes, an event written
 * again with the same id and content is a no-op and with other content an
 * error, a birth year is not in the future. Derived quantities are sums of
 * events with corrections excluded. */
#include "lib/unit_env.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/body.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/schema.h"

static hz_node *node(uint8_t seed_byte, struct unit_env *env, uint64_t s)
{
    unit_env_init(env, s, UNIT_T0_MS);
    return unit_node_memory(seed_byte, env);
}

static int64_t n_log(hz_node *n)
{
    return unit_sql_int(n, "SELECT count(*) FROM log");
}

/* The rows of a view, parsed. json_decref. */
static json_t *view(hz_node *n, const char *name)
{
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_view(n, name, &text, &err) != 0)
        fail_msg("view %s: %s", name, err.msg);
    json_t *v = json_loads(text, 0, NULL);
    hz_free_string(text);
    assert_non_null(v);
    return v;
}

/* on_hand of @item at @site in the stock view; *found = 0 if no row. */
static int64_t on_hand(hz_node *n, const char *site, const char *item,
                       int *found)
{
    json_t *v = view(n, "stock");
    int64_t q = 0;
    *found = 0;
    for (size_t i = 0; i < json_array_size(v); i++) {
        json_t *r = json_array_get(v, i);
        if (strcmp(json_string_value(json_object_get(r, "site")), site) == 0 &&
            strcmp(json_string_value(json_object_get(r, "item")), item) == 0) {
            q = json_integer_value(json_object_get(r, "on_hand"));
            *found = 1;
        }
    }
    json_decref(v);
    return q;
}

/* A site and an item to move stock of. */
static void stock_setup(hz_node *n, char *site, char *item)
{
    assert_int_equal(
        unit_put(n, "sites", NULL,
                 UNIT_FIELDS({"kind", "shelter"}, {"name", "测试安置点"}), site,
                 NULL),
        0);
    assert_int_equal(
        unit_put(n, "items", NULL,
                 UNIT_FIELDS({"name", "测试饮用水"}, {"unit", "瓶"}), item,
                 NULL),
        0);
}

/* ---- one action, one entry */

static void each_commit_is_one_entry_in_our_chain(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    char h[HZ_ROW_HEX_LEN + 1];
    size_t written = 99;
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村"}), h, &written),
                     0);
    assert_int_equal(written, 1);
    assert_int_equal(strlen(h), HZ_ROW_HEX_LEN);
    for (int i = 0; i < 4; i++) {
        e.now_ms += 1;
        assert_int_equal(unit_put(n, "households", h,
                                  UNIT_FIELDS({"members", "2"}), NULL,
                                  &written),
                         0);
        assert_int_equal(written, 1);
    }
    struct unit_entries es = {0};
    unit_entries_collect(n, &es);
    assert_int_equal(es.n, 5);
    uint8_t prev[HZ_HASH_LEN] = {0};
    uint64_t last_clock = 0;
    for (size_t i = 0; i < es.n; i++) {
        struct entry x;
        assert_int_equal(entry_decode(&x, es.p[i], es.len[i], NULL), 0);
        assert_int_equal(entry_verify(&x, NULL), 0);
        assert_int_equal(x.seq, i + 1);
        assert_memory_equal(x.prev, prev, HZ_HASH_LEN);
        assert_memory_equal(x.author, n->id.pk, HZ_KEY_LEN);
        assert_true(x.clock > last_clock);
        last_clock = x.clock;
        memcpy(prev, x.id, HZ_HASH_LEN);
    }
    assert_int_equal(hz_node_log_verify(n, NULL, NULL), 0);
    unit_entries_free(&es);
    hz_node_close(n);
}

static void a_batch_is_committed_whole_or_not_at_all(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村"}), h, NULL),
                     0);
    struct unit_snapshot before;
    unit_snapshot_take(n, &before);

    static const struct {
        const char *table, *col, *value;
        int want;
    } bad[] = {
        {"persons", "warp_drive", "1", HZ_ESCHEMA},
        {"persons", "birth_year", "not a year", HZ_EVALUE},
        {"persons", "sex", "外星", HZ_EVALUE},
        {"persons", "household", "00000000000000000000000000000000",
         HZ_ENOTFOUND},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        hz_batch *b = NULL;
        assert_int_equal(hz_batch_open(n, &b, NULL), 0);
        const struct hz_field good[] = {{"name", "测试甲"}};
        assert_int_equal(hz_batch_put(b, "persons", NULL, 1, good, NULL, NULL),
                         0);
        assert_int_equal(
            hz_batch_put(b, "households", h, 1,
                         (const struct hz_field[]){{"members", "4"}}, NULL,
                         NULL),
            0);
        const struct hz_field f[] = {{bad[i].col, bad[i].value}};
        assert_int_equal(hz_batch_put(b, bad[i].table, NULL, 1, f, NULL, NULL),
                         0);
        size_t written = 99;
        struct hz_err err = {0};
        int rv = hz_node_commit(n, b, &written, &err);
        if (rv != bad[i].want)
            fail_msg("case %zu: %s (%s)", i, hz_errname(rv), err.msg);
        assert_int_equal(written, 0);
        hz_batch_close(b);
        unit_assert_unchanged(n, &before);
    }
    unit_snapshot_free(&before);
    hz_node_close(n);
}

/* A ledger batch whose rows each fit what the donation has left but
 * together exceed it is refused whole (donations.c, checked once the
 * batch is applied); rows that together fit are written. */
static void a_ledger_batch_that_overdraws_together_is_refused(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa7, &e, 7);
    char d[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "donations", NULL,
                              UNIT_FIELDS({"amount", "1000"}, {"kind", "money"},
                                          {"time", "1717200000"}),
                              d, NULL),
                     0);
    struct unit_snapshot before;
    unit_snapshot_take(n, &before);
    static const char *const second[] = {"600", "400"};
    for (size_t k = 0; k < 2; k++) {
        hz_batch *b = NULL;
        assert_int_equal(hz_batch_open(n, &b, NULL), 0);
        const char *amounts[] = {"600", second[k]};
        for (size_t i = 0; i < 2; i++) {
            const struct hz_field f[] = {{"amount", amounts[i]},
                                         {"donation", d},
                                         {"kind", "expenditure"},
                                         {"time", "1717200000"}};
            assert_int_equal(hz_batch_put(b, "ledger", NULL, 4, f, NULL, NULL),
                             0);
        }
        struct hz_err err = {0};
        int rv = hz_node_commit(n, b, NULL, &err);
        hz_batch_close(b);
        if (k == 0) {
            assert_int_equal(rv, HZ_EVALUE);
            assert_non_null(strstr(err.msg, "together"));
            unit_assert_unchanged(n, &before);
        } else {
            assert_int_equal(rv, 0);
        }
    }
    json_t *v = view(n, "donations");
    json_t *r = json_array_get(v, 0);
    assert_int_equal(json_integer_value(json_object_get(r, "used")), 1000);
    assert_int_equal(json_integer_value(json_object_get(r, "overdrawn")), 0);
    json_decref(v);
    unit_snapshot_free(&before);
    hz_node_close(n);
}

/* Sums can outgrow 64 bits: the schema lets a row carry up to 10^15 fen,
 * and 9,224 such rows pass 2^63. The donation views and the disclosure
 * still answer (an integer overflow in SQLite's sum() made them fail on
 * every node holding such rows): each donation's own figures exact, the
 * totals held at the largest integer. */
static void donation_sums_past_64_bits_still_answer(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa8, &e, 8);
    enum { N = 9300, PER = 500 };
    static char ids[N][HZ_ROW_HEX_LEN + 1];
    for (size_t i = 0; i < N; i += PER) {
        hz_batch *b = NULL;
        assert_int_equal(hz_batch_open(n, &b, NULL), 0);
        for (size_t j = i; j < i + PER && j < N; j++) {
            const struct hz_field f[] = {{"amount", "1000000000000000"},
                                         {"kind", "money"},
                                         {"time", "1717200000"}};
            assert_int_equal(
                hz_batch_put(b, "donations", NULL, 3, f, ids[j], NULL), 0);
        }
        struct hz_err err = {0};
        if (hz_node_commit(n, b, NULL, &err) != 0)
            fail_msg("donations: %s", err.msg);
        hz_batch_close(b);
    }
    for (size_t i = 0; i < N; i += PER) {
        hz_batch *b = NULL;
        assert_int_equal(hz_batch_open(n, &b, NULL), 0);
        for (size_t j = i; j < i + PER && j < N; j++) {
            const struct hz_field f[] = {{"amount", "1000000000000000"},
                                         {"donation", ids[j]},
                                         {"kind", "expenditure"},
                                         {"time", "1717200000"}};
            assert_int_equal(hz_batch_put(b, "ledger", NULL, 4, f, NULL, NULL),
                             0);
        }
        struct hz_err err = {0};
        if (hz_node_commit(n, b, NULL, &err) != 0)
            fail_msg("ledger: %s", err.msg);
        hz_batch_close(b);
    }
    json_t *v = view(n, "donations");
    assert_int_equal(json_array_size(v), N);
    for (size_t i = 0; i < N; i++) {
        json_t *r = json_array_get(v, i);
        assert_int_equal(json_integer_value(json_object_get(r, "used")),
                         1000000000000000);
        assert_int_equal(json_integer_value(json_object_get(r, "balance")), 0);
        assert_int_equal(json_integer_value(json_object_get(r, "overdrawn")),
                         0);
    }
    json_decref(v);
    struct hz_report_opts o = {.now = 1717300000};
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_report(n, "disclosure", &o, &text, &err) != 0)
        fail_msg("disclosure: %s", err.msg);
    json_t *d = json_loads(text, 0, NULL);
    hz_free_string(text);
    json_t *t = json_array_get(json_object_get(d, "totals"), 0);
    assert_int_equal(json_integer_value(json_object_get(t, "donations")), N);
    assert_int_equal(json_integer_value(json_object_get(t, "received")),
                     INT64_MAX);
    assert_int_equal(json_integer_value(json_object_get(t, "used")), INT64_MAX);
    assert_int_equal(json_integer_value(json_object_get(t, "overdrawn")), 0);
    json_t *vil = json_array_get(json_object_get(d, "villages"), 0);
    assert_int_equal(json_integer_value(json_object_get(vil, "amount")),
                     INT64_MAX);
    assert_int_equal(json_integer_value(json_object_get(vil, "transactions")),
                     N);
    json_decref(d);
    hz_node_close(n);
}

/* Commit the rows @f[i] (@nf[i] fields each) of @tables[i] as one batch;
 * each row's id into @ids[i]. A value "@k" is the id of row k of the
 * batch. */
static int commit_rows(hz_node *n, size_t count, const char *const *tables,
                       const struct hz_field *const *f, const size_t *nf,
                       char (*ids)[HZ_ROW_HEX_LEN + 1], struct hz_err *err)
{
    hz_batch *b = NULL;
    assert_int_equal(hz_batch_open(n, &b, NULL), 0);
    for (size_t i = 0; i < count; i++) {
        struct hz_field g[5];
        for (size_t k = 0; k < nf[i]; k++) {
            g[k] = f[i][k];
            if (g[k].value[0] == '@')
                g[k].value = ids[g[k].value[1] - '0'];
        }
        assert_int_equal(
            hz_batch_put(b, tables[i], NULL, nf[i], g, ids[i], NULL), 0);
    }
    int rv = hz_node_commit(n, b, NULL, err);
    hz_batch_close(b);
    return rv;
}

/* A batch's rows may name each other: a notice and its deliveries, a
 * household and its delivery, a check-in and its check-out are written
 * together (their checks read the state once the batch is applied; they
 * read it before, and refused). What the checks refuse is refused in a
 * batch as it is alone, writing nothing. */
static void rows_of_one_batch_may_name_each_other(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa9, &e, 9);
    char ids[4][HZ_ROW_HEX_LEN + 1];
    struct hz_err err = {0};
    static const char *const warn_tables[] = {"warning_notices", "households",
                                              "warnings"};
    static const struct hz_field notice[] = {{"headline", "测试预警"},
                                             {"villages", "测试村"}};
    static const struct hz_field here[] = {{"village", "测试村"},
                                           {"head_name", "测试户"}};
    static const struct hz_field away[] = {{"village", "别的村"},
                                           {"head_name", "测试户二"}};
    static const struct hz_field delivery[] = {{"campaign", "@0"},
                                               {"household", "@1"},
                                               {"method", "door"},
                                               {"notice", "测试通知"},
                                               {"time", "1717200000"}};
    static const size_t warn_n[] = {2, 2, 5};
    const struct hz_field *together[] = {notice, here, delivery};
    if (commit_rows(n, 3, warn_tables, together, warn_n, ids, &err) != 0)
        fail_msg("notice, household and delivery: %s", err.msg);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM v_warnings"), 1);

    struct unit_snapshot before;
    unit_snapshot_take(n, &before);
    const struct hz_field *outside[] = {notice, away, delivery};
    assert_int_equal(commit_rows(n, 3, warn_tables, outside, warn_n, ids, &err),
                     HZ_EVALUE);
    assert_non_null(strstr(err.msg, "not in the campaign's area"));
    assert_string_equal(err.zh, "这一户不在本次预警的范围内");
    unit_assert_unchanged(n, &before);
    unit_snapshot_free(&before);

    char site[HZ_ROW_HEX_LEN + 1], vol[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(
        unit_put(n, "sites", NULL,
                 UNIT_FIELDS({"kind", "shelter"}, {"name", "测试点"}), site,
                 NULL),
        0);
    assert_int_equal(unit_put(n, "volunteers", NULL,
                              UNIT_FIELDS({"name", "测试志愿者"}), vol, NULL),
                     0);
    static const char *const svc[] = {"volunteer_service", "volunteer_service",
                                      "volunteer_service"};
    const struct hz_field in[] = {{"kind", "in"},
                                  {"site", site},
                                  {"time", "1714400000"},
                                  {"volunteer", vol}};
    const struct hz_field in2[] = {{"kind", "in"},
                                   {"site", site},
                                   {"time", "1714410000"},
                                   {"volunteer", vol}};
    const struct hz_field out[] = {{"closes", "@0"},
                                   {"kind", "out"},
                                   {"site", site},
                                   {"time", "1714407200"},
                                   {"volunteer", vol}};
    const struct hz_field early[] = {{"closes", "@0"},
                                     {"kind", "out"},
                                     {"site", site},
                                     {"time", "1714300000"},
                                     {"volunteer", vol}};
    static const size_t in_out_n[] = {4, 5, 5}, in_in_n[] = {4, 4};
    const struct hz_field *in_out[] = {in, out};
    if (commit_rows(n, 2, svc, in_out, in_out_n, ids, &err) != 0)
        fail_msg("check-in and check-out: %s", err.msg);
    assert_int_equal(
        unit_sql_int(n, "SELECT count(*) FROM v_volunteer_service"), 2);
    unit_snapshot_take(n, &before);
    /* two check-ins open at once; a check-in closed twice; a check-out
     * before its check-in */
    const struct hz_field *in_in[] = {in, in2};
    assert_int_equal(commit_rows(n, 2, svc, in_in, in_in_n, ids, &err),
                     HZ_EVALUE);
    assert_non_null(strstr(err.msg, "check out first"));
    assert_string_equal(err.zh, "此志愿者已签到，请先签退");
    const struct hz_field *out_twice[] = {in, out, out};
    assert_int_equal(commit_rows(n, 3, svc, out_twice, in_out_n, ids, &err),
                     HZ_EVALUE);
    assert_non_null(strstr(err.msg, "checked out already"));
    assert_string_equal(err.zh, "这次签到已经签退过");
    const struct hz_field *too_early[] = {in, early};
    assert_int_equal(commit_rows(n, 2, svc, too_early, in_out_n, ids, &err),
                     HZ_EVALUE);
    assert_non_null(strstr(err.msg, "before its check-in"));
    unit_assert_unchanged(n, &before);
    unit_snapshot_free(&before);
    hz_node_close(n);
}

static void a_batch_refuses_one_row_twice_and_bad_ids(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    hz_batch *b = NULL;
    assert_int_equal(hz_batch_open(n, &b, NULL), 0);
    const char *id = "0123456789abcdef0123456789abcdef";
    const struct hz_field f[] = {{"name", "测试甲"}};
    assert_int_equal(hz_batch_put(b, "persons", id, 1, f, NULL, NULL), 0);
    assert_int_equal(hz_batch_put(b, "persons", id, 1, f, NULL, NULL),
                     HZ_EINVAL);
    assert_int_equal(hz_batch_del(b, "persons", id, NULL), HZ_EINVAL);
    /* The same id in another table is another row. */
    assert_int_equal(hz_batch_put(b, "sites", id, 1, f, NULL, NULL), 0);
    assert_int_equal(hz_batch_put(b, "persons", "0123", 1, f, NULL, NULL),
                     HZ_EINVAL);
    assert_int_equal(hz_batch_put(b, "persons",
                                  "0123456789ABCDEF0123456789ABCDEF", 1, f,
                                  NULL, NULL),
                     HZ_EINVAL);
    assert_int_equal(hz_batch_put(b, "nowhere", NULL, 1, f, NULL, NULL),
                     HZ_ESCHEMA);
    assert_int_equal(hz_batch_put(b, "persons", NULL, 0, f, NULL, NULL),
                     HZ_EINVAL);
    assert_int_equal(hz_batch_del(b, "persons", NULL, NULL), HZ_EINVAL);
    /* Events are corrected by new events, never deleted (DECISIONS 10). */
    assert_int_equal(hz_batch_del(b, "stays", id, NULL), HZ_EINVAL);
    size_t written = 0;
    assert_int_equal(hz_node_commit(n, b, &written, NULL), 0);
    assert_int_equal(written, 1);
    hz_batch_close(b);
    unit_assert_field(n, "persons", id, "name", "\"测试甲\"");
    unit_assert_field(n, "sites", id, "name", "\"测试甲\"");

    /* A column given twice in one put. */
    assert_int_equal(
        unit_put(n, "persons", id,
                 UNIT_FIELDS({"name", "测试乙"}, {"name", "测试丙"}), NULL,
                 NULL),
        HZ_EINVAL);
    unit_assert_field(n, "persons", id, "name", "\"测试甲\"");
    hz_node_close(n);
}

static void an_empty_value_clears_a_field(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    char h[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(
        unit_put(n, "households", NULL,
                 UNIT_FIELDS({"members", "3"}, {"village", "测试村"}), h, NULL),
        0);
    assert_int_equal(
        unit_put(n, "households", h, UNIT_FIELDS({"members", ""}), NULL, NULL),
        0);
    unit_assert_field(n, "households", h, "members", NULL);
    unit_assert_field(n, "households", h, "village", "\"测试村\"");
    hz_node_close(n);
}

static void a_large_import_is_split_into_entries_within_the_limits(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    hz_batch *b = NULL;
    assert_int_equal(hz_batch_open(n, &b, NULL), 0);
    const struct hz_field f[] = {{"village", "测试村"}};
    for (size_t i = 0; i < HZ_OPS_MAX + 1; i++)
        assert_int_equal(hz_batch_put(b, "households", NULL, 1, f, NULL, NULL),
                         0);
    size_t written = 0;
    assert_int_equal(hz_node_commit(n, b, &written, NULL), 0);
    hz_batch_close(b);
    assert_int_equal(written, 2);
    assert_int_equal(n_log(n), 2);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM e_households"),
                     HZ_OPS_MAX + 1);
    hz_node_close(n);
}

/* ---- local checks (DECISIONS 4) */

static void tombstoned_row_refuses_local_writes(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    hz_node *a = node(0xa1, &ea, 1);
    hz_node *b = node(0xb2, &eb, 2);
    char p[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(
        unit_put(a, "persons", NULL, UNIT_FIELDS({"name", "测试甲"}), p, NULL),
        0);
    assert_int_equal(unit_del(a, "persons", p), 0);
    struct unit_snapshot before;
    unit_snapshot_take(a, &before);
    assert_int_equal(
        unit_put(a, "persons", p, UNIT_FIELDS({"name", "测试乙"}), NULL, NULL),
        HZ_EDELETED);
    assert_int_equal(unit_del(a, "persons", p), HZ_EDELETED);
    unit_assert_unchanged(a, &before);
    unit_snapshot_free(&before);

    /* A tombstone that arrived from elsewhere blocks writes as well. */
    unit_sync(a, b);
    assert_int_equal(unit_put(b, "persons", p,
                              UNIT_FIELDS({"condition", "safe"}), NULL, NULL),
                     HZ_EDELETED);
    /* A row nobody wrote cannot be deleted. */
    assert_int_equal(unit_del(b, "persons", "00000000000000000000000000000001"),
                     HZ_ENOTFOUND);
    hz_node_close(a);
    hz_node_close(b);
}

static void referenced_rows_must_exist_and_not_be_deleted(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    char h[HZ_ROW_HEX_LEN + 1], gone[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村"}), h, NULL),
                     0);
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村"}), gone, NULL),
                     0);
    assert_int_equal(unit_del(n, "households", gone), 0);
    assert_int_equal(
        unit_put(n, "persons", NULL, UNIT_FIELDS({"household", h}), NULL, NULL),
        0);
    assert_int_equal(unit_put(n, "persons", NULL,
                              UNIT_FIELDS({"household", gone}), NULL, NULL),
                     HZ_EDELETED);
    assert_int_equal(
        unit_put(n, "persons", NULL,
                 UNIT_FIELDS({"household", "abababababababababababababababab"}),
                 NULL, NULL),
        HZ_ENOTFOUND);
    /* A household and its members in one action. */
    hz_batch *b = NULL;
    assert_int_equal(hz_batch_open(n, &b, NULL), 0);
    const char *hh = "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd";
    assert_int_equal(
        hz_batch_put(b, "households", hh, 1,
                     (const struct hz_field[]){{"village", "测试村"}}, NULL,
                     NULL),
        0);
    assert_int_equal(hz_batch_put(b, "persons", NULL, 1,
                                  (const struct hz_field[]){{"household", hh}},
                                  NULL, NULL),
                     0);
    size_t written = 0;
    assert_int_equal(hz_node_commit(n, b, &written, NULL), 0);
    assert_int_equal(written, 1);
    hz_batch_close(b);
    hz_node_close(n);
}

static void birth_year_in_the_future_is_refused_locally(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1); /* the wall clock says 2024 */
    assert_int_equal(unit_put(n, "persons", NULL,
                              UNIT_FIELDS({"birth_year", "2024"}), NULL, NULL),
                     0);
    assert_int_equal(unit_put(n, "persons", NULL,
                              UNIT_FIELDS({"birth_year", "2030"}), NULL, NULL),
                     HZ_EVALUE);
    hz_node_close(n);
}

/* ---- events (DECISIONS 10) */

static void event_written_again_with_the_same_content_is_a_noop(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    hz_node *a = node(0xa1, &ea, 1);
    hz_node *b = node(0xb2, &eb, 2);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    stock_setup(a, site, item);
    const char *id = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";
    size_t written = 99;
    assert_int_equal(unit_put(a, "stock_moves", id,
                              UNIT_FIELDS({"item", item}, {"kind", "received"},
                                          {"qty", "100"}, {"site", site},
                                          {"time", "1714521600"}),
                              NULL, &written),
                     0);
    assert_int_equal(written, 1);
    int found;
    assert_int_equal(on_hand(a, site, item, &found), 100);

    struct unit_snapshot before;
    unit_snapshot_take(a, &before);
    /* Retried: same id, same content. */
    written = 99;
    assert_int_equal(unit_put(a, "stock_moves", id,
                              UNIT_FIELDS({"item", item}, {"kind", "received"},
                                          {"qty", "100"}, {"site", site},
                                          {"time", "1714521600"}),
                              NULL, &written),
                     0);
    assert_int_equal(written, 0);
    unit_assert_unchanged(a, &before);
    /* Same id, other content. */
    written = 99;
    assert_int_equal(unit_put(a, "stock_moves", id,
                              UNIT_FIELDS({"item", item}, {"kind", "received"},
                                          {"qty", "99"}, {"site", site},
                                          {"time", "1714521600"}),
                              NULL, &written),
                     HZ_ECONFLICT);
    assert_int_equal(written, 0);
    unit_assert_unchanged(a, &before);
    unit_snapshot_free(&before);
    assert_int_equal(on_hand(a, site, item, &found), 100);

    /* The retry may happen on another node that received the event. */
    unit_sync(a, b);
    written = 99;
    assert_int_equal(unit_put(b, "stock_moves", id,
                              UNIT_FIELDS({"item", item}, {"kind", "received"},
                                          {"qty", "100"}, {"site", site},
                                          {"time", "1714521600"}),
                              NULL, &written),
                     0);
    assert_int_equal(written, 0);
    assert_int_equal(on_hand(b, site, item, &found), 100);
    hz_node_close(a);
    hz_node_close(b);
}

static void retried_event_without_a_time_is_still_a_noop(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    stock_setup(n, site, item);
    const char *id = "1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e";
    size_t written = 0;
    assert_int_equal(
        unit_put(n, "stock_moves", id,
                 UNIT_FIELDS({"item", item}, {"kind", "distributed"},
                             {"qty", "-10"}, {"site", site}),
                 NULL, &written),
        0);
    assert_int_equal(written, 1);
    /* The retry comes a minute later: its default time would differ. */
    e.now_ms += 60000;
    written = 99;
    assert_int_equal(
        unit_put(n, "stock_moves", id,
                 UNIT_FIELDS({"item", item}, {"kind", "distributed"},
                             {"qty", "-10"}, {"site", site}),
                 NULL, &written),
        0);
    assert_int_equal(written, 0);
    int found;
    assert_int_equal(on_hand(n, site, item, &found), -10);
    hz_node_close(n);
}

static void stock_is_the_sum_of_events_from_every_site(void **state)
{
    (void)state;
    struct unit_env ea, eb;
    hz_node *a = node(0xa1, &ea, 1);
    hz_node *b = node(0xb2, &eb, 2);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    stock_setup(a, site, item);
    assert_int_equal(unit_put(a, "stock_moves", NULL,
                              UNIT_FIELDS({"item", item}, {"kind", "received"},
                                          {"qty", "100"}, {"site", site}),
                              NULL, NULL),
                     0);
    unit_sync(a, b);
    /* Two sites each hand out 10 from the same stock, unaware. */
    const struct hz_field give[] = {{"item", item},
                                    {"kind", "distributed"},
                                    {"qty", "-10"},
                                    {"site", site}};
    assert_int_equal(unit_put(a, "stock_moves", NULL, 4, give, NULL, NULL), 0);
    assert_int_equal(unit_put(b, "stock_moves", NULL, 4, give, NULL, NULL), 0);
    unit_sync(a, b);
    unit_sync(b, a);
    int found;
    assert_int_equal(on_hand(a, site, item, &found), 80);
    assert_int_equal(on_hand(b, site, item, &found), 80);
    hz_node_close(a);
    hz_node_close(b);
}

/* Rows of a view as hz_node_view_rows hands them, joined into the array
 * they make; @stop_after > 0 stops there with HZ_EIO. */
struct joined {
    char buf[65536];
    size_t len, rows, stop_after;
};

static int join_row(void *data, const char *json, struct hz_err *err)
{
    struct joined *j = data;
    if (j->stop_after > 0 && j->rows == j->stop_after)
        return hz_err_set(err, HZ_EIO, "stopped");
    size_t n = strlen(json);
    assert_true(j->len + n + 2 < sizeof j->buf);
    if (j->rows++ > 0)
        j->buf[j->len++] = ',';
    memcpy(j->buf + j->len, json, n);
    j->len += n;
    return 0;
}

static void a_views_rows_one_by_one_are_the_views_array(void **state)
{
    (void)state;
    struct unit_env env;
    hz_node *n = node(0xa3, &env, 1);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    stock_setup(n, site, item);
    for (int i = 0; i < 3; i++) {
        char qty[8];
        snprintf(qty, sizeof qty, "%d", 10 + i);
        assert_int_equal(
            unit_put(n, "stock_moves", NULL,
                     UNIT_FIELDS({"item", item}, {"kind", "received"},
                                 {"qty", qty}, {"site", site}),
                     NULL, NULL),
            0);
        assert_int_equal(unit_put(n, "households", NULL,
                                  UNIT_FIELDS({"head_name", "测试户"},
                                              {"village", i ? "乙村" : "甲村"}),
                                  NULL, NULL),
                         0);
    }
    static const char *const rows_views[] = {"stock", "village", "villages",
                                             "occupancy", "received"};
    for (size_t v = 0; v < sizeof rows_views / sizeof rows_views[0]; v++) {
        char *whole = NULL;
        struct hz_err err = {0};
        assert_int_equal(hz_node_view(n, rows_views[v], &whole, &err), 0);
        struct joined j = {.len = 1, .buf = "["};
        assert_int_equal(
            hz_node_view_rows(n, rows_views[v], join_row, &j, &err), 0);
        j.buf[j.len++] = ']';
        j.buf[j.len] = '\0';
        assert_string_equal(j.buf, whole);
        hz_free_string(whole);
    }
    /* the villages: one row each, summed as the households went by */
    struct joined j = {0};
    struct hz_err err = {0};
    assert_int_equal(hz_node_view_rows(n, "villages", join_row, &j, &err), 0);
    assert_int_equal(j.rows, 2);
    assert_non_null(strstr(j.buf, "\"village\":\"乙村\",\"households\":2"));
    /* a stop is the caller's code, after the rows before it */
    j = (struct joined){.stop_after = 1};
    assert_int_equal(hz_node_view_rows(n, "village", join_row, &j, &err),
                     HZ_EIO);
    assert_int_equal(j.rows, 1);
    /* rows and totals are no view of rows */
    assert_int_equal(hz_node_view_rows(n, "unaccounted", join_row, &j, &err),
                     HZ_EINVAL);
    assert_int_equal(hz_node_view_rows(n, "nothing", join_row, &j, &err),
                     HZ_EINVAL);
    hz_node_close(n);
}

static void reversed_events_are_excluded_from_the_stock_view(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa1, &e, 1);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1],
        h[HZ_ROW_HEX_LEN + 1], give[HZ_ROW_HEX_LEN + 1];
    stock_setup(n, site, item);
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"head_name", "测试甲"}), h, NULL),
                     0);
    assert_int_equal(unit_put(n, "stock_moves", NULL,
                              UNIT_FIELDS({"item", item}, {"kind", "received"},
                                          {"qty", "100"}, {"site", site}),
                              NULL, NULL),
                     0);
    assert_int_equal(unit_put(n, "stock_moves", NULL,
                              UNIT_FIELDS({"household", h}, {"item", item},
                                          {"kind", "distributed"},
                                          {"qty", "-10"}, {"site", site}),
                              give, NULL),
                     0);
    int found;
    assert_int_equal(on_hand(n, site, item, &found), 90);
    json_t *r = view(n, "received");
    assert_int_equal(json_array_size(r), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(r, 0), "received")),
        10);
    json_decref(r);

    /* The distribution was recorded by mistake: reverse it. */
    assert_int_equal(
        unit_put(n, "stock_moves", NULL,
                 UNIT_FIELDS({"household", h}, {"item", item},
                             {"kind", "distributed"}, {"qty", "-10"},
                             {"reverses", give}, {"site", site}),
                 NULL, NULL),
        0);
    assert_int_equal(on_hand(n, site, item, &found), 100);
    json_t *s = view(n, "stock");
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(s, 0), "moves")), 1);
    json_decref(s);
    r = view(n, "received");
    assert_int_equal(json_array_size(r), 0);
    json_decref(r);
    hz_node_close(n);
}

static void read_only_node_refuses_writes(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION, .env = &e.env};
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), g, NULL),
                     0);
    hz_node_close(n);
    opts.flags = HZ_OPEN_READONLY;
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), 0);
    assert_int_equal(
        unit_put(n, "sites", g, UNIT_FIELDS({"open", "是"}), NULL, NULL),
        HZ_EREADONLY);
    unit_assert_field(n, "sites", g, "name", "\"测试安置点\"");
    hz_node_close(n);
    unit_rmtree(dir);
    free(dir);
}

/* ---- a volunteer's service (schema.md, "Volunteer hours")
 *
 * The node refuses, on local input, a check-out closing another
 * volunteer's check-in; such an entry from elsewhere is applied (peers
 * are judged by the schema's rules only) and the views join a check-out
 * to its check-in by the volunteer too, so it closes nothing. */

/* total_minutes and open of volunteer @v's service record. */
static void service_record(hz_node *n, const char *v, int64_t *minutes,
                           int64_t *open)
{
    struct hz_report_opts o = {.id = v, .now = (int64_t)(UNIT_T0_MS / 1000)};
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_report(n, "volunteer", &o, &text, &err) != 0)
        fail_msg("volunteer record: %s", err.msg);
    json_t *r = json_loads(text, 0, NULL);
    hz_free_string(text);
    assert_non_null(r);
    *minutes = json_integer_value(json_object_get(r, "total_minutes"));
    *open = json_integer_value(json_object_get(r, "open"));
    json_decref(r);
}

static void another_volunteers_check_out_closes_nothing(void **state)
{
    (void)state;
    struct unit_env e;
    hz_node *n = node(0xa7, &e, 7);
    char site[HZ_ROW_HEX_LEN + 1], v1[HZ_ROW_HEX_LEN + 1],
        v2[HZ_ROW_HEX_LEN + 1], in[HZ_ROW_HEX_LEN + 1];
    char at[24];
    snprintf(at, sizeof at, "%lld", (long long)(UNIT_T0_MS / 1000 - 3600));
    assert_int_equal(
        unit_put(n, "sites", NULL,
                 UNIT_FIELDS({"kind", "shelter"}, {"name", "测试安置点"}), site,
                 NULL),
        0);
    assert_int_equal(unit_put(n, "volunteers", NULL,
                              UNIT_FIELDS({"name", "测试甲"}), v1, NULL),
                     0);
    assert_int_equal(unit_put(n, "volunteers", NULL,
                              UNIT_FIELDS({"name", "测试乙"}), v2, NULL),
                     0);
    assert_int_equal(unit_put(n, "volunteer_service", NULL,
                              UNIT_FIELDS({"kind", "in"}, {"volunteer", v1},
                                          {"site", site}, {"time", at}),
                              in, NULL),
                     0);
    /* Typed here: refused, nothing written. */
    int64_t entries = n_log(n);
    assert_int_equal(
        unit_put(n, "volunteer_service", NULL,
                 UNIT_FIELDS({"kind", "out"}, {"volunteer", v2}, {"closes", in},
                             {"site", site}, {"time", at}),
                 NULL, NULL),
        HZ_EVALUE);
    assert_int_equal(n_log(n), entries);
    /* The same from another device: applied, and closes nothing. */
    const struct table_def *t =
        schema_table_c(schema_current(), "volunteer_service");
    assert_non_null(t);
    uint8_t b_v2[HZ_ROW_LEN], b_in[HZ_ROW_LEN], b_site[HZ_ROW_LEN],
        row[HZ_ROW_LEN] = {0x5e};
    assert_int_equal(hex_decode(v2, b_v2, HZ_ROW_LEN), 0);
    assert_int_equal(hex_decode(in, b_in, HZ_ROW_LEN), 0);
    assert_int_equal(hex_decode(site, b_site, HZ_ROW_LEN), 0);
    static const char out[] = "out";
    const char *names[] = {"closes", "kind", "site", "time", "volunteer"};
    struct value vals[] = {
        {.type = VALUE_BIN, .s = {b_in, HZ_ROW_LEN}},
        {.type = VALUE_STR, .s = {(const uint8_t *)out, 3}},
        {.type = VALUE_BIN, .s = {b_site, HZ_ROW_LEN}},
        {.type = VALUE_INT, .i = (int64_t)(UNIT_T0_MS / 1000 - 1800)},
        {.type = VALUE_BIN, .s = {b_v2, HZ_ROW_LEN}},
    };
    struct field fields[5];
    for (size_t i = 0; i < 5; i++) {
        fields[i] =
            (struct field){.col = schema_col_c(t, names[i]), .val = vals[i]};
        assert_true(fields[i].col >= 0);
        assert_true(i == 0 || fields[i].col > fields[i - 1].col);
    }
    struct op op = {
        .kind = OP_INS, .table = t, .n_fields = 5, .fields = fields};
    memcpy(op.row, row, HZ_ROW_LEN);
    struct body b = {.n_ops = 1, .ops = &op};
    b.schema_version = body_min_version(&b);
    struct enc body;
    enc_init(&body);
    assert_int_equal(body_encode(&b, &body), 0);
    struct unit_author x;
    unit_author_init(&x, 0x5f);
    struct unit_entries es = {0};
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &es, NULL);
    struct hz_ingest_stats st = {0};
    assert_int_equal(unit_deliver(n, &es, &st), 0);
    assert_int_equal(st.applied, 1);
    int64_t minutes, open;
    service_record(n, v1, &minutes, &open);
    assert_int_equal(minutes, 0);
    assert_int_equal(open, 1); /* still checked in */
    service_record(n, v2, &minutes, &open);
    assert_int_equal(minutes, 0);
    assert_int_equal(open, 0);
    unit_entries_free(&es);
    unit_author_close(&x);
    enc_close(&body);
    hz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_commit_is_one_entry_in_our_chain),
        cmocka_unit_test(another_volunteers_check_out_closes_nothing),
        cmocka_unit_test(a_batch_is_committed_whole_or_not_at_all),
        cmocka_unit_test(a_ledger_batch_that_overdraws_together_is_refused),
        cmocka_unit_test(a_batch_refuses_one_row_twice_and_bad_ids),
        cmocka_unit_test(an_empty_value_clears_a_field),
        cmocka_unit_test(
            a_large_import_is_split_into_entries_within_the_limits),
        cmocka_unit_test(tombstoned_row_refuses_local_writes),
        cmocka_unit_test(referenced_rows_must_exist_and_not_be_deleted),
        cmocka_unit_test(birth_year_in_the_future_is_refused_locally),
        cmocka_unit_test(event_written_again_with_the_same_content_is_a_noop),
        cmocka_unit_test(retried_event_without_a_time_is_still_a_noop),
        cmocka_unit_test(stock_is_the_sum_of_events_from_every_site),
        cmocka_unit_test(reversed_events_are_excluded_from_the_stock_view),
        cmocka_unit_test(read_only_node_refuses_writes),
        cmocka_unit_test(a_views_rows_one_by_one_are_the_views_array),
        cmocka_unit_test(donation_sums_past_64_bits_still_answer),
        cmocka_unit_test(rows_of_one_batch_may_name_each_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
