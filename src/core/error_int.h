/* error_int.h - building error messages inside the library. */
#ifndef HZ_ERROR_INT_H
#define HZ_ERROR_INT_H

#include "huzhu/error.h"

/* Set @err to @code with a formatted message (the code's text is appended).
 * @err may be NULL. Returns @code, so callers can `return hz_err_set(...)`. */
int hz_err_set(struct hz_err *err, int code, const char *fmt, ...)
    HZ_PRINTF(3, 4);

/* Say in Simplified Chinese what @err's message says (struct hz_err,
 * zh), formatted; after hz_err_set, which clears it. Returns @code:
 * `return hz_err_zh(err, hz_err_set(err, ...), "「%s」应为整数", ...)`. */
int hz_err_zh(struct hz_err *err, int code, const char *fmt, ...)
    HZ_PRINTF(3, 4);

/* hz_err_set with @zh, said as it is, for its Chinese side. */
int hz_err_say(struct hz_err *err, int code, const char *zh, const char *fmt,
               ...) HZ_PRINTF(4, 5);

/* Prefix the message in @err with context (the English one only). Returns
 * err->code (HZ_EINVAL when @err is NULL). */
int hz_err_wrap(struct hz_err *err, const char *fmt, ...) HZ_PRINTF(2, 3);

void hz_err_clear(struct hz_err *err);

/* Assertions guard our own logic (STYLE 7); they stay on in every build. */
void hz_assert_fail(const char *expr, const char *file, int line);
#define HZ_ASSERT(x)                                                           \
    do {                                                                       \
        if (!(x))                                                              \
            hz_assert_fail(#x, __FILE__, __LINE__);                            \
    } while (0)
#ifdef HZ_DEBUG_CHECKS
#define HZ_ASSERT_DEBUG(x) HZ_ASSERT(x)
#else
#define HZ_ASSERT_DEBUG(x) ((void)0)
#endif

#endif
