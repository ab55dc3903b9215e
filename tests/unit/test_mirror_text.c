/* test_mirror_text.c - the county mirror's rows in PostgreSQL's COPY text
 * format (src/mirror/text.c; PostgreSQL's documentation, COPY, "Text
 * Format"): fields split by tabs, \N for NULL, a backslash before the
 * characters that would otherwise end a field or a row. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mirror/stage.h"
#include "mirror/text.h"

static void fields_are_split_by_tabs_and_null_is_backslash_n(void **state)
{
    (void)state;
    struct text s = {0};
    text_copy_field(&s, "甲", true);
    text_copy_field(&s, NULL, false);
    text_copy_field(&s, "", false);
    assert_false(s.failed);
    assert_string_equal(s.p, "甲\t\\N\t");
    text_free(&s);
}

static void backslash_and_control_characters_are_escaped(void **state)
{
    (void)state;
    struct text s = {0};
    text_copy_field(&s, "a\\b\tc\nd\re\bf\fg\vh", true);
    assert_string_equal(s.p, "a\\\\b\\tc\\nd\\re\\bf\\fg\\vh");
    /* a field that reads \N is text, not NULL */
    text_free(&s);
    text_copy_field(&s, "\\N", true);
    assert_string_equal(s.p, "\\\\N");
    text_free(&s);
}

static void text_grows_past_its_first_allocation(void **state)
{
    (void)state;
    struct text s = {0};
    for (int i = 0; i < 1000; i++)
        text_add(&s, "%04d,", i);
    assert_false(s.failed);
    assert_int_equal(s.len, 5000);
    assert_int_equal(strlen(s.p), 5000);
    assert_memory_equal(s.p + 4995, "0999,", 5);
    text_free(&s);
}

/* The staging table of @table in @sql: from its CREATE to the next ";". */
static char *staging_table(const char *sql, const char *table)
{
    char head[96];
    snprintf(head, sizeof head, "pg_temp.\"hz_stage_%s\"(", table);
    const char *p = strstr(sql, head);
    assert_non_null(p);
    const char *end = strchr(p, ';');
    assert_non_null(end);
    return strndup(p, (size_t)(end - p));
}

/* proto/mirror.md: health data (COL_HEALTH) never goes to the county
 * mirror; the staging tables, whose columns are those the mirror copies,
 * have every other column and none of those. */
static void health_columns_are_never_mirrored(void **state)
{
    (void)state;
    const struct schema *sch = schema_current();
    struct text s = {0};
    stage_create_sql(sch, &s);
    assert_false(s.failed);
    size_t health = 0;
    for (size_t i = 0; i < sch->n_tables; i++) {
        const struct table_def *t = &sch->tables[i];
        char *ddl = staging_table(s.p, t->name);
        for (size_t c = 0; c < t->n_cols; c++) {
            char col[80];
            snprintf(col, sizeof col, ", \"%s\" ", t->cols[c].name);
            bool is_health = (t->cols[c].flags & COL_HEALTH) != 0;
            health += is_health;
            assert_int_equal(stage_col_mirrored(&t->cols[c]), !is_health);
            if (is_health)
                assert_null(strstr(ddl, col));
            else
                assert_non_null(strstr(ddl, col));
        }
        free(ddl);
    }
    /* health_checks' temperature, symptoms, chronic_followup, medication
     * and note */
    assert_int_equal(health, 5);
    char *hc = staging_table(s.p, "health_checks");
    assert_non_null(strstr(hc, "\"person\""));
    assert_null(strstr(hc, "temperature"));
    assert_null(strstr(hc, "symptoms"));
    free(hc);
    text_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_split_by_tabs_and_null_is_backslash_n),
        cmocka_unit_test(backslash_and_control_characters_are_escaped),
        cmocka_unit_test(text_grows_past_its_first_allocation),
        cmocka_unit_test(health_columns_are_never_mirrored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
