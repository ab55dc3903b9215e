/* error.c - the one table of error codes, and the context helpers.
 *
 * Codes and texts are defined once (include/huzhu/error.h, HZ_ERRORS);
 * this file turns them into names and texts, and builds the messages that
 * travel up in a caller-owned struct hz_err. Messages never hold personal
 * data: callers pass ids, counts and codes only. */
#include "error_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *hz_strerror(int code)
{
    switch (code) {
    case HZ_OK:
        return "success";
#define HZ_ERR_TEXT(name, value, text)                                         \
    case name:                                                                 \
        return text;
        HZ_ERRORS(HZ_ERR_TEXT)
#undef HZ_ERR_TEXT
    default:
        return "unknown error";
    }
}

const char *hz_errname(int code)
{
    switch (code) {
    case HZ_OK:
        return "HZ_OK";
#define HZ_ERR_NAME(name, value, text)                                         \
    case name:                                                                 \
        return #name;
        HZ_ERRORS(HZ_ERR_NAME)
#undef HZ_ERR_NAME
    default:
        return "HZ_EUNKNOWN";
    }
}

int hz_err_set(struct hz_err *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->zh[0] = '\0';
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof err->msg - 2) {
        snprintf(err->msg + n, sizeof err->msg - (size_t)n, ": %s",
                 hz_strerror(code));
    }
    return code;
}

int hz_err_wrap(struct hz_err *err, const char *fmt, ...)
{
    if (err == NULL)
        return HZ_EINVAL;
    char prefix[HZ_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[HZ_ERR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    /* Truncation keeps the front of the message, which is the context. */
    size_t len = strlen(prefix);
    if (len > sizeof err->msg - 3)
        len = sizeof err->msg - 3;
    memcpy(err->msg, prefix, len);
    memcpy(err->msg + len, ": ", 2);
    size_t room = sizeof err->msg - len - 3;
    size_t old_len = strnlen(old, room);
    memcpy(err->msg + len + 2, old, old_len);
    err->msg[len + 2 + old_len] = '\0';
    return err->code;
}

int hz_err_say(struct hz_err *err, int code, const char *zh, const char *fmt,
               ...)
{
    if (err == NULL)
        return code;
    char msg[HZ_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return hz_err_zh(err, hz_err_set(err, code, "%s", msg), "%s", zh);
}

int hz_err_zh(struct hz_err *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->zh, sizeof err->zh, fmt, ap);
    va_end(ap);
    return code;
}

void hz_err_clear(struct hz_err *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->msg[0] = '\0';
    err->zh[0] = '\0';
}
