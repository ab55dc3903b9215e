/* test_schema.c - the schema registry as data, and typed values
 * (schema.c).
 *
 * The registry keeps its own invariants (sorted wire names, references
 * that exist, required columns only on events), which schema_check
 * enforces and refuses when broken; every name is found by lookup; text a
 * person types parses into the value the wire carries (Chinese and
 * English labels, 是/否, empty as nil); and enum labels never make one
 * input mean two values. */
#include "lib/unit_env.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "core/schema.h"

static const struct col_def *col(const char *table, const char *name)
{
    const struct table_def *t = schema_table_c(schema_current(), table);
    assert_non_null(t);
    int c = schema_col_c(t, name);
    assert_true(c >= 0);
    return &t->cols[c];
}

/* Parse @text for @table.@column; the result code. */
static int parse(const char *table, const char *column, const char *text,
                 struct value *v)
{
    static uint8_t id_buf[HZ_ROW_LEN];
    struct hz_err err = {0};
    int rv = schema_parse_value(col(table, column), text, id_buf, v, &err);
    if (rv != 0) {
        /* The message names the column, never the value; so does what
         * it says in Chinese, by the column's Chinese name. */
        assert_non_null(strstr(err.msg, column));
        assert_non_null(strstr(err.zh, col(table, column)->zh));
        if (strlen(text) > 2) {
            assert_null(strstr(err.msg, text));
            assert_null(strstr(err.zh, text));
        }
    }
    return rv;
}

static void assert_str_value(const struct value *v, const char *s)
{
    assert_int_equal(v->type, VALUE_STR);
    assert_int_equal(v->s.len, strlen(s));
    assert_memory_equal(v->s.p, s, v->s.len);
}

/* ---- the registry */

static void schema_current_passes_its_own_checks(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    assert_int_equal(schema_check(s), 0);
    assert_int_equal(s->version, HZ_SCHEMA_VERSION);
    assert_true(s->n_tables > 0);
    assert_int_equal(schema_check(unit_schema_next()), 0);
}

static void schema_current_fits_the_limits(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        assert_true(strlen(td->name) <= HZ_NAME_LEN_MAX);
        /* Materialization keeps a row's values on the stack. */
        assert_true(td->n_cols <= HZ_FIELDS_MAX);
        assert_non_null(td->zh);
        assert_non_null(td->en);
        for (size_t c = 0; c < td->n_cols; c++) {
            const struct col_def *cd = &td->cols[c];
            assert_true(strlen(cd->name) <= HZ_NAME_LEN_MAX);
            assert_non_null(cd->zh);
            assert_non_null(cd->en);
            /* Wire names are plain: [a-z0-9_]. */
            for (const char *p = cd->name; *p; p++)
                assert_true((*p >= 'a' && *p <= 'z') ||
                            (*p >= '0' && *p <= '9') || *p == '_');
        }
        /* Every event table a person writes can be corrected by a
         * reversing event (DECISIONS 10); what the node records about an
         * action (recorded_by) is not corrected on its own. */
        if (td->kind == TABLE_EVENT && !(td->flags & TABLE_BY_NODE)) {
            int r = schema_col_c(td, "reverses");
            assert_true(r >= 0);
            assert_int_equal(td->cols[r].type, COL_ID);
            assert_string_equal(td->cols[r].ref_table, td->name);
        }
    }
}

static void schema_lookup_finds_every_name_and_only_those(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        assert_ptr_equal(schema_table_c(s, td->name), td);
        assert_int_equal(schema_table_index(s, td), t);
        for (size_t c = 0; c < td->n_cols; c++)
            assert_int_equal(schema_col_c(td, td->cols[c].name), (int)c);
        /* A prefix of a name, or the name with more, is not it. */
        char longer[HZ_NAME_LEN_MAX + 2];
        snprintf(longer, sizeof longer, "%sx", td->name);
        assert_null(schema_table_c(s, longer));
        assert_null(
            schema_table(s, (const uint8_t *)td->name, strlen(td->name) - 1));
        assert_int_equal(schema_col_c(td, ""), -1);
        assert_int_equal(schema_col_c(td, "id"), -1);
        /* Looked for from any column on, a name is the same column, and
         * a name no column has is none. */
        for (size_t from = 0; from <= td->n_cols; from++) {
            for (size_t c = 0; c < td->n_cols; c++)
                assert_int_equal(
                    schema_col_from(td, (const uint8_t *)td->cols[c].name,
                                    strlen(td->cols[c].name), from),
                    (int)c);
            assert_int_equal(
                schema_col_from(td, (const uint8_t *)"zzz", 3, from), -1);
            assert_int_equal(
                schema_col_from(td, (const uint8_t *)"id", 2, from), -1);
            assert_int_equal(schema_col_from(td, (const uint8_t *)"", 0, from),
                             -1);
        }
    }
    assert_null(schema_table_c(s, ""));
    assert_null(schema_table_c(s, "Households"));
    assert_null(schema_table_c(s, "住户"));
}

/* Checks run on a copy of the registry with one thing broken. */
static struct table_def bad_tables[64];
static struct col_def bad_cols[64];

static struct schema copy_with_households_cols(void)
{
    const struct schema *s = schema_current();
    assert_true(s->n_tables <= 64);
    memcpy(bad_tables, s->tables, s->n_tables * sizeof bad_tables[0]);
    struct schema out = *s;
    out.tables = bad_tables;
    const struct table_def *h = schema_table_c(s, "households");
    size_t i = schema_table_index(s, h);
    memcpy(bad_cols, h->cols, h->n_cols * sizeof bad_cols[0]);
    bad_tables[i].cols = bad_cols;
    return out;
}

static void schema_check_refuses_a_broken_registry(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    struct schema b = copy_with_households_cols();
    assert_int_equal(schema_check(&b), 0);

    /* Tables out of order. */
    b = copy_with_households_cols();
    struct table_def t0 = bad_tables[0];
    bad_tables[0] = bad_tables[1];
    bad_tables[1] = t0;
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* A table twice. */
    b = copy_with_households_cols();
    bad_tables[1] = bad_tables[0];
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* Columns out of order. */
    b = copy_with_households_cols();
    struct col_def c0 = bad_cols[0];
    bad_cols[0] = bad_cols[1];
    bad_cols[1] = c0;
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* A column newer than the schema. */
    b = copy_with_households_cols();
    bad_cols[0].since = s->version + 1;
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* A reference to a table that does not exist. */
    b = copy_with_households_cols();
    int m = schema_col_c(schema_table_c(s, "households"), "merged_into");
    bad_cols[m].ref_table = "nowhere";
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* An enum without values. */
    b = copy_with_households_cols();
    int st = schema_col_c(schema_table_c(s, "households"), "status");
    bad_cols[st].values = NULL;
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* A required column on an entity table. */
    b = copy_with_households_cols();
    bad_cols[0].flags |= COL_REQUIRED;
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
    /* A table newer than the schema. */
    b = copy_with_households_cols();
    bad_tables[0].since = s->version + 1;
    assert_int_equal(schema_check(&b), HZ_ECORRUPT);
}

/* ---- parsing what people type */

static void parse_empty_text_is_nil_for_every_column(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    for (size_t t = 0; t < s->n_tables; t++) {
        for (size_t c = 0; c < s->tables[t].n_cols; c++) {
            struct value v = {.type = VALUE_INT};
            uint8_t id[HZ_ROW_LEN];
            assert_int_equal(
                schema_parse_value(&s->tables[t].cols[c], "", id, &v, NULL), 0);
            assert_int_equal(v.type, VALUE_NIL);
        }
    }
}

static void parse_text(void **state)
{
    (void)state;
    struct value v;
    assert_int_equal(parse("persons", "name", "测试甲", &v), 0);
    assert_str_value(&v, "测试甲");
    assert_int_equal(parse("households", "village", " 测试村 ", &v), 0);
    assert_str_value(&v, " 测试村 ");
    assert_int_equal(parse("persons", "name", "\xff\xfe", &v), HZ_EVALUE);
    char *long_text = malloc(HZ_TEXT_LEN_MAX + 2);
    assert_non_null(long_text);
    memset(long_text, 'a', HZ_TEXT_LEN_MAX + 1);
    long_text[HZ_TEXT_LEN_MAX + 1] = '\0';
    assert_int_equal(parse("persons", "notes", long_text, &v), HZ_ETOOBIG);
    long_text[HZ_TEXT_LEN_MAX] = '\0';
    assert_int_equal(parse("persons", "notes", long_text, &v), 0);
    free(long_text);
}

static void parse_ints_and_their_ranges(void **state)
{
    (void)state;
    struct value v;
    assert_int_equal(parse("households", "members", "42", &v), 0);
    assert_int_equal(v.type, VALUE_INT);
    assert_int_equal(v.i, 42);
    assert_int_equal(parse("households", "members", "0", &v), 0);
    assert_int_equal(parse("households", "members", "100", &v), 0);
    assert_int_equal(parse("households", "members", "101", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "-1", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "4x", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "x4", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "4.0", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "四", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "-", &v), HZ_EVALUE);
    assert_int_equal(parse("households", "members", "42 ", &v), HZ_EVALUE);
    assert_int_equal(parse("persons", "birth_year", "1950", &v), 0);
    assert_int_equal(parse("persons", "birth_year", "1879", &v), HZ_EVALUE);
    assert_int_equal(parse("stock_moves", "qty", "-1000000000000", &v), 0);
    assert_int_equal(v.i, -1000000000000);
    assert_int_equal(parse("stock_moves", "qty", "1000000000001", &v),
                     HZ_EVALUE);
    assert_int_equal(parse("stock_moves", "counted", "9223372036854775807", &v),
                     0);
    assert_int_equal(parse("stock_moves", "counted", "9223372036854775808", &v),
                     HZ_EVALUE);
    assert_int_equal(parse("stock_moves", "counted", "-1", &v), HZ_EVALUE);
}

static void parse_reals(void **state)
{
    (void)state;
    struct value v;
    assert_int_equal(parse("sites", "area_m2", "350.5", &v), 0);
    assert_int_equal(v.type, VALUE_REAL);
    assert_true(v.r == 350.5);
    assert_int_equal(parse("sites", "area_m2", "12", &v), 0);
    assert_int_equal(v.type, VALUE_REAL);
    assert_int_equal(parse("sites", "area_m2", "-0", &v), 0);
    assert_true(v.r == 0.0);
    assert_false(signbit(v.r));
    assert_int_equal(parse("sites", "area_m2", "-0.5", &v), HZ_EVALUE);
    assert_int_equal(parse("sites", "area_m2", "nan", &v), HZ_EVALUE);
    assert_int_equal(parse("sites", "area_m2", "inf", &v), HZ_EVALUE);
    assert_int_equal(parse("sites", "area_m2", "1e999", &v), HZ_EVALUE);
    assert_int_equal(parse("sites", "area_m2", "12m2", &v), HZ_EVALUE);
}

static void parse_booleans_in_both_languages(void **state)
{
    (void)state;
    static const char *const yes[] = {"是", "true", "yes", "1", "y"};
    static const char *const no[] = {"否", "false", "no", "0", "n"};
    struct value v;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        assert_int_equal(parse("persons", "pregnant", yes[i], &v), 0);
        assert_int_equal(v.type, VALUE_BOOL);
        assert_true(v.b);
        assert_int_equal(parse("persons", "pregnant", no[i], &v), 0);
        assert_int_equal(v.type, VALUE_BOOL);
        assert_false(v.b);
    }
    assert_int_equal(parse("persons", "pregnant", "maybe", &v), HZ_EVALUE);
    assert_int_equal(parse("persons", "pregnant", "不是", &v), HZ_EVALUE);
    assert_int_equal(parse("persons", "pregnant", "2", &v), HZ_EVALUE);
}

static void parse_row_ids(void **state)
{
    (void)state;
    struct value v;
    uint8_t id[HZ_ROW_LEN];
    assert_int_equal(schema_parse_value(col("persons", "household"),
                                        "00112233445566778899aabbccddeeff", id,
                                        &v, NULL),
                     0);
    assert_int_equal(v.type, VALUE_BIN);
    assert_int_equal(v.s.len, HZ_ROW_LEN);
    assert_ptr_equal(v.s.p, id);
    assert_int_equal(id[0], 0x00);
    assert_int_equal(id[15], 0xff);
    assert_int_equal(
        parse("persons", "household", "00112233445566778899aabbccddeef", &v),
        HZ_EVALUE);
    assert_int_equal(
        parse("persons", "household", "00112233445566778899aabbccddeeff0", &v),
        HZ_EVALUE);
    assert_int_equal(
        parse("persons", "household", "00112233445566778899AABBCCDDEEFF", &v),
        HZ_EVALUE);
    assert_int_equal(parse("persons", "household", "测试", &v), HZ_EVALUE);
}

static void parse_enum_values_by_wire_name_or_label(void **state)
{
    (void)state;
    static const struct {
        const char *table, *column, *text, *wire;
    } ok[] = {
        {"persons", "sex", "男", "male"},
        {"persons", "sex", "女", "female"},
        {"persons", "sex", "female", "female"},
        {"sites", "kind", "安置点", "shelter"},
        {"sites", "kind", "村委会", "village_office"},
        {"sites", "kind", "village office", "village_office"},
        {"sites", "kind", "village_office", "village_office"},
        {"households", "status", "投亲靠友/异地", "relocated"},
        {"households", "status", "已转移", "evacuated"},
        {"persons", "condition", "失踪", "missing"},
        {"stock_moves", "kind", "发放", "distributed"},
        {"warnings", "method", "入户", "door"},
    };
    struct value v;
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(parse(ok[i].table, ok[i].column, ok[i].text, &v), 0);
        assert_str_value(&v, ok[i].wire);
    }
    assert_int_equal(parse("persons", "sex", "外星", &v), HZ_EVALUE);
    assert_int_equal(parse("persons", "sex", "Male", &v), HZ_EVALUE);
    assert_int_equal(parse("sites", "kind", "male", &v), HZ_EVALUE);
}

/* Every value of every enum column parses from its wire name and both
 * labels, and no input names two different values. */
static void enum_labels_are_unambiguous_and_all_parse(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    size_t n_checked = 0;
    for (size_t t = 0; t < s->n_tables; t++) {
        const struct table_def *td = &s->tables[t];
        for (size_t c = 0; c < td->n_cols; c++) {
            const struct col_def *cd = &td->cols[c];
            if (cd->type != COL_ENUM)
                continue;
            for (const struct enum_val *a = cd->values; a->name; a++) {
                const char *inputs[] = {a->name, a->zh, a->en};
                for (size_t k = 0; k < 3; k++) {
                    struct value v;
                    uint8_t id[HZ_ROW_LEN];
                    assert_int_equal(
                        schema_parse_value(cd, inputs[k], id, &v, NULL), 0);
                    assert_str_value(&v, a->name);
                    n_checked++;
                }
                for (const struct enum_val *b = cd->values; b->name; b++) {
                    if (a == b)
                        continue;
                    const char *mine[] = {a->name, a->zh, a->en};
                    const char *theirs[] = {b->name, b->zh, b->en};
                    for (size_t x = 0; x < 3; x++)
                        for (size_t y = 0; y < 3; y++)
                            if (strcmp(mine[x], theirs[y]) == 0)
                                fail_msg("%s.%s: \"%s\" names %s and %s",
                                         td->name, cd->name, mine[x], a->name,
                                         b->name);
                }
                unsigned since;
                struct value w = {
                    .type = VALUE_STR,
                    .s = {(const uint8_t *)a->name, strlen(a->name)}};
                assert_int_equal(schema_check_value(cd, &w, &since, NULL), 0);
                assert_int_equal(since,
                                 a->since > cd->since ? a->since : cd->since);
            }
        }
    }
    assert_true(n_checked > 30);
}

/* ---- checking received values */

static void
check_value_accepts_nil_everywhere_and_refuses_wrong_types(void **state)
{
    (void)state;
    const struct schema *s = schema_current();
    const struct value samples[] = {
        {.type = VALUE_BOOL, .b = true},
        {.type = VALUE_INT, .i = 1},
        {.type = VALUE_REAL, .r = 1.0},
        {.type = VALUE_STR, .s = {(const uint8_t *)"x", 1}},
        {.type = VALUE_BIN, .s = {(const uint8_t *)"0123456789abcdef", 16}},
    };
    for (size_t t = 0; t < s->n_tables; t++) {
        for (size_t c = 0; c < s->tables[t].n_cols; c++) {
            const struct col_def *cd = &s->tables[t].cols[c];
            unsigned since;
            struct value nil = {.type = VALUE_NIL};
            assert_int_equal(schema_check_value(cd, &nil, &since, NULL), 0);
            size_t accepted = 0;
            for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
                struct hz_err err = {0};
                int rv = schema_check_value(cd, &samples[i], &since, &err);
                if (rv == 0) {
                    accepted++;
                    continue;
                }
                assert_true(rv == HZ_EVALUE || rv == HZ_ESCHEMA);
                /* said in Chinese too, by the column's Chinese name */
                assert_non_null(strstr(err.zh, cd->zh));
            }
            /* One value type per column at most. */
            assert_true(accepted <= 1);
        }
    }
}

/* A message said in Chinese belongs to its error: the next error set
 * on the same context does not carry it on. */
static void an_error_set_again_says_nothing_in_chinese_of_the_last(void **state)
{
    (void)state;
    struct value v;
    uint8_t id[HZ_ROW_LEN];
    struct hz_err err = {0};
    assert_int_equal(
        schema_parse_value(col("households", "members"), "很多", id, &v, &err),
        HZ_EVALUE);
    assert_string_equal(err.zh, "「人数」应为 0 到 100 之间的整数");
    assert_int_equal(hz_err_set(&err, HZ_EIO, "disk"), HZ_EIO);
    assert_string_equal(err.zh, "");
    assert_int_equal(
        schema_parse_value(col("persons", "sex"), "x", id, &v, &err),
        HZ_EVALUE);
    assert_string_equal(err.zh, "「性别」应为以下之一：男、女");
    assert_int_equal(
        schema_parse_value(col("households", "status"), "x", id, &v, &err),
        HZ_EVALUE);
    /* every value of a long list, or as many as fit with "…" */
    assert_non_null(strstr(err.zh, "「状态」应为以下之一：在家、"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(schema_current_passes_its_own_checks),
        cmocka_unit_test(schema_current_fits_the_limits),
        cmocka_unit_test(schema_lookup_finds_every_name_and_only_those),
        cmocka_unit_test(schema_check_refuses_a_broken_registry),
        cmocka_unit_test(parse_empty_text_is_nil_for_every_column),
        cmocka_unit_test(parse_text),
        cmocka_unit_test(parse_ints_and_their_ranges),
        cmocka_unit_test(parse_reals),
        cmocka_unit_test(parse_booleans_in_both_languages),
        cmocka_unit_test(parse_row_ids),
        cmocka_unit_test(parse_enum_values_by_wire_name_or_label),
        cmocka_unit_test(
            an_error_set_again_says_nothing_in_chinese_of_the_last),
        cmocka_unit_test(enum_labels_are_unambiguous_and_all_parse),
        cmocka_unit_test(
            check_value_accepts_nil_everywhere_and_refuses_wrong_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
