/* test_pinyin.c - core/pinyin.h: names in toneless pinyin, as the search
 * index keys them (proto/storage.md, sx "y:"). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "core/pinyin.h"

static void readings_come_customary_first(void **state)
{
    (void)state;
    const char *r[PINYIN_READINGS];
    assert_int_equal(pinyin_of(0x5F20, r), 1); /* 张 */
    assert_string_equal(r[0], "zhang");
    assert_int_equal(pinyin_of(0x66FE, r), 2); /* 曾: ceng, the surname zeng */
    assert_string_equal(r[0], "ceng");
    assert_string_equal(r[1], "zeng");
    assert_int_equal(pinyin_of(0x5355, r), 3); /* 单: dan, chan, shan */
    assert_string_equal(r[0], "dan");
    assert_string_equal(r[2], "shan");
    assert_int_equal(pinyin_of(0x5415, r), 1); /* 吕: u-umlaut as v */
    assert_string_equal(r[0], "lv");
    assert_int_equal(pinyin_of('a', r), 0);
    assert_int_equal(pinyin_of(0x3400, r), 0); /* outside U+4E00..U+9FFF */
    assert_int_equal(pinyin_of(0xA000, r), 0);
}

static void names_are_spelled_with_every_reading_of_the_surname(void **state)
{
    (void)state;
    char full[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
    char ini[PINYIN_READINGS][PINYIN_SPELLING_MAX + 1];
    assert_int_equal(pinyin_spell("张三", full, ini), 1);
    assert_string_equal(full[0], "zhangsan");
    assert_string_equal(ini[0], "zs");
    assert_int_equal(pinyin_spell("曾小明", full, ini), 2);
    assert_string_equal(full[1], "zengxiaoming");
    assert_string_equal(ini[1], "zxm");
    /* only the first character's readings multiply */
    assert_int_equal(pinyin_spell("李曾", full, ini), 1);
    assert_string_equal(full[0], "liceng");
    /* ASCII letters and digits stay, in lower case; the rest goes */
    assert_int_equal(pinyin_spell("A·李 2", full, ini), 1);
    assert_string_equal(full[0], "ali2");
    assert_string_equal(ini[0], "al2");
    assert_int_equal(pinyin_spell("Smith", full, ini), 0);
    assert_int_equal(pinyin_spell("", full, ini), 0);
    /* a broken byte is no character and no harm */
    assert_int_equal(pinyin_spell("\xff张\xe5", full, ini), 1);
    assert_string_equal(full[0], "zhang");
    /* a long name is cut at the maximum, never past it */
    char big[400] = "";
    for (int i = 0; i < 40; i++)
        strcat(big, "张");
    assert_int_equal(pinyin_spell(big, full, ini), 1);
    assert_int_equal(strlen(full[0]), PINYIN_SPELLING_MAX);
    assert_int_equal(strlen(ini[0]), 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(readings_come_customary_first),
        cmocka_unit_test(names_are_spelled_with_every_reading_of_the_surname),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
