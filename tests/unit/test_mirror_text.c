/* test_mirror_text.c - the county mirror's rows in PostgreSQL's COPY text
 * format (src/mirror/text.c; PostgreSQL's documentation, COPY, "Text
 * Format"): fields split by tabs, \N for NULL, a backslash before the
 * characters that would otherwise end a field or a row. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fields_are_split_by_tabs_and_null_is_backslash_n),
        cmocka_unit_test(backslash_and_control_characters_are_escaped),
        cmocka_unit_test(text_grows_past_its_first_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
