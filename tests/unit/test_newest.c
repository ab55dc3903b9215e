/* test_newest.c - which node's view is the newest, for the county
 * mirror's writer (src/mirror/newest.c; DECISIONS 43; proto/cli.md, "The
 * newest view"): one vector holds another when it has every author of
 * the other at a seq at least as high; strictly newer when it holds the
 * other and is not held by it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mirror/newest.h"

static void a_view_holds_what_it_has_at_a_seq_as_high(void **state)
{
    (void)state;
    const char *ours = "{\"aa\":3,\"bb\":1}";
    assert_true(newest_holds(ours, "{\"aa\":2}", NULL));
    assert_true(newest_holds(ours, "{\"aa\":3,\"bb\":1}", NULL));
    assert_true(newest_holds(ours, "{}", NULL));
    /* a progress row from a huzhu that stored no vector */
    assert_true(newest_holds(ours, NULL, NULL));
}

static void a_view_short_of_an_author_says_where(void **state)
{
    (void)state;
    struct newest_short why = {0};
    assert_false(newest_holds("{\"aa\":3}", "{\"aa\":4}", &why));
    assert_string_equal(why.author8, "aa");
    assert_int_equal(why.theirs, 4);
    assert_int_equal(why.ours, 3);
    /* an author this view has never heard of: seq 0 */
    assert_false(newest_holds("{\"aa\":3}", "{\"aa\":1,\"cc\":2}", &why));
    assert_string_equal(why.author8, "cc");
    assert_int_equal(why.ours, 0);
}

static void text_that_does_not_parse_holds_nothing(void **state)
{
    (void)state;
    assert_false(newest_holds("{\"aa\":3}", "not json", NULL));
    assert_false(newest_holds(NULL, "{}", NULL));
    assert_false(newest_holds("[1]", "{}", NULL));
}

static void strictly_newer_only_when_it_holds_more(void **state)
{
    (void)state;
    assert_true(newest_newer("{\"aa\":3}", "{\"aa\":2}"));
    assert_true(newest_newer("{\"aa\":2,\"bb\":1}", "{\"aa\":2}"));
    /* equal views never hand the lock over */
    assert_false(newest_newer("{\"aa\":2}", "{\"aa\":2}"));
    /* neither holds the other: no one is newer */
    assert_false(newest_newer("{\"aa\":3}", "{\"bb\":1}"));
    assert_false(newest_newer("{\"bb\":1}", "{\"aa\":3}"));
    assert_false(newest_newer("{\"aa\":1}", "{\"aa\":2}"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_view_holds_what_it_has_at_a_seq_as_high),
        cmocka_unit_test(a_view_short_of_an_author_says_where),
        cmocka_unit_test(text_that_does_not_parse_holds_nothing),
        cmocka_unit_test(strictly_newer_only_when_it_holds_more),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
