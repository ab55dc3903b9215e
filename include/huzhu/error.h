/* include/huzhu/error.h - error codes and the caller-owned error context.
 *
 * Every fallible function returns 0 or a negative HZ_E* code, and may fill
 * a struct hz_err with an English message for debugging (never personal
 * data). The codes and their texts are one table in src/core/error.c. */
#ifndef HUZHU_ERROR_H
#define HUZHU_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define HZ_API __attribute__((visibility("default")))
#define HZ_NODISCARD __attribute__((warn_unused_result))
#define HZ_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HZ_API
#define HZ_NODISCARD
#define HZ_PRINTF(a, b)
#endif

/* X(name, value, english text). A new code is one line here. */
#define HZ_ERRORS(X)                                                           \
    X(HZ_EINVAL, -1, "invalid argument")                                       \
    X(HZ_ENOMEM, -2, "out of memory")                                          \
    X(HZ_EIO, -3, "input/output error")                                        \
    X(HZ_EMALFORMED, -4, "bytes do not parse")                                 \
    X(HZ_ETOOBIG, -5, "a limit was exceeded")                                  \
    X(HZ_EBADSIG, -6, "signature does not verify")                             \
    X(HZ_ECHAIN, -7, "previous hash does not match the author's chain")        \
    X(HZ_EGAP, -8, "predecessor missing")                                      \
    X(HZ_EFORK, -9, "two entries at one sequence number")                      \
    X(HZ_EVERSION, -10, "newer format or schema")                              \
    X(HZ_ESCHEMA, -11, "unknown table, column or value")                       \
    X(HZ_EVALUE, -12, "value not allowed")                                     \
    X(HZ_ENETWORK, -13, "entry belongs to another network")                    \
    X(HZ_ENOTFOUND, -14, "not found")                                          \
    X(HZ_EEXIST, -15, "already exists")                                        \
    X(HZ_ENOTNODE, -16, "not a huzhu node directory")                          \
    X(HZ_ECORRUPT, -17, "local data fails its checks")                         \
    X(HZ_EBUSY, -18, "database is busy")                                       \
    X(HZ_ENOSPC, -19, "disk is full")                                          \
    X(HZ_EDELETED, -20, "row was deleted")                                     \
    X(HZ_ECONFLICT, -21, "same id written with different content")             \
    X(HZ_EREVOKED, -22, "author is revoked")                                   \
    X(HZ_EREADONLY, -23, "storage is read-only")                               \
    X(HZ_ECLONE, -24, "our own key signed an entry we did not write")          \
    X(HZ_EPERM, -25, "not allowed for this device's role")                     \
    X(HZ_ENOCERT, -26, "author holds no certificate in effect")

enum hz_error {
    HZ_OK = 0,
#define HZ_ERR_ENUM(name, value, text) name = value,
    HZ_ERRORS(HZ_ERR_ENUM)
#undef HZ_ERR_ENUM
};

#define HZ_ERR_MSG_MAX 256

/* Caller-owned context: code and a message built on the way up (English,
 * for logs and scripts). @zh, when not empty, says what was wrong in
 * Simplified Chinese for the person who gave it (a value refused, naming
 * its column as people know it): the command and the web show it in
 * place of @msg when they speak Chinese. */
struct hz_err {
    int code;
    char msg[HZ_ERR_MSG_MAX];
    char zh[HZ_ERR_MSG_MAX];
};

/* The English text for @code ("unknown error" for codes not in the table).
 * Returns a static string. */
HZ_API const char *hz_strerror(int code);

/* The symbolic name for @code, e.g. "HZ_EBADSIG". Returns a static string. */
HZ_API const char *hz_errname(int code);

#endif
