/* test_dl.c - libraries loaded when first used (src/dl/dl.h): a missing
 * library or function is a clear error naming what to install, never a
 * crash; a present one is loaded once, whichever thread asks first; and
 * every library huzhu loads this way has every function its shim names
 * in the version Debian 12 ships. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "dl/dl.h"

static const char *const cos_only[] = {"cos"};
static const char *const cos_and_missing[] = {"cos", "hz_no_such_function"};

static void a_missing_library_names_the_package_to_install(void **state)
{
    (void)state;
    hz_dl_fn slots[1];
    struct hz_dl lib = {.soname = "libhz-no-such-library.so.9",
                        .package = "hz-no-such-package",
                        .names = cos_only,
                        .count = 1,
                        .slots = slots,
                        .lock = PTHREAD_MUTEX_INITIALIZER};
    struct hz_err err = {0};
    assert_int_equal(hz_dl_load(&lib, &err), HZ_EIO);
    assert_non_null(strstr(err.msg, "libhz-no-such-library.so.9"));
    assert_non_null(strstr(err.msg, "sudo apt install hz-no-such-package"));
    /* Remembered: the same answer, without trying again. */
    struct hz_err again = {0};
    assert_int_equal(hz_dl_load(&lib, &again), HZ_EIO);
    assert_string_equal(again.msg, err.msg);
    assert_int_equal(hz_dl_load(&lib, NULL), HZ_EIO);
}

static void a_library_without_a_function_is_not_loaded(void **state)
{
    (void)state;
    hz_dl_fn slots[2];
    struct hz_dl lib = {.soname = "libm.so.6",
                        .package = "libc6",
                        .names = cos_and_missing,
                        .count = 2,
                        .slots = slots,
                        .lock = PTHREAD_MUTEX_INITIALIZER};
    struct hz_err err = {0};
    assert_int_equal(hz_dl_load(&lib, &err), HZ_EIO);
    assert_non_null(strstr(err.msg, "no function hz_no_such_function"));
}

static void *load_cos(void *arg)
{
    return hz_dl_load(arg, NULL) == 0 ? arg : NULL;
}

static void a_library_loads_once_from_any_thread(void **state)
{
    (void)state;
    hz_dl_fn slots[1];
    struct hz_dl lib = {.soname = "libm.so.6",
                        .package = "libc6",
                        .names = cos_only,
                        .count = 1,
                        .slots = slots,
                        .lock = PTHREAD_MUTEX_INITIALIZER};
    pthread_t t[8];
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&t[i], NULL, load_cos, &lib), 0);
    for (size_t i = 0; i < 8; i++) {
        void *ok = NULL;
        assert_int_equal(pthread_join(t[i], &ok), 0);
        assert_ptr_equal(ok, &lib);
    }
    double (*f)(double) = (double (*)(double))hz_dl_sym(&lib, 0);
    assert_true(f(0.0) == 1.0);
}

static void every_lazy_library_has_every_function_huzhu_calls(void **state)
{
    (void)state;
    struct hz_dl *libs[] = {&hz_dl_pq,     &hz_dl_mhd,        &hz_dl_gnutls,
                            &hz_dl_zip,    &hz_dl_xlsxwriter, &hz_dl_xml2,
                            &hz_dl_opencc, &hz_dl_qrencode};
    for (size_t i = 0; i < sizeof libs / sizeof libs[0]; i++) {
        struct hz_err err = {0};
        if (hz_dl_load(libs[i], &err) != 0)
            fail_msg("%s: %s", libs[i]->soname, err.msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_missing_library_names_the_package_to_install),
        cmocka_unit_test(a_library_without_a_function_is_not_loaded),
        cmocka_unit_test(a_library_loads_once_from_any_thread),
        cmocka_unit_test(every_lazy_library_has_every_function_huzhu_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
