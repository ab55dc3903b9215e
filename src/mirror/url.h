/* url.h - the county mirror's URL and connection (url.c). */
#ifndef HZ_MIRROR_URL_H
#define HZ_MIRROR_URL_H

#include "mirror.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

#define MIRROR_URL_LEN_MAX 4096u
#define MIRROR_DETAIL_LEN_MAX 200u

/* The first line of libpq's message @msg (may be NULL) into @out (@cap
 * bytes), cut to fit: the detail of our errors. */
void url_first_line(const char *msg, char *out, size_t cap);
/* Is @name (@len bytes) a name we quote without escaping: lower-case
 * letters, digits and _, not a digit first, not empty? */
bool url_name_ok(const char *name, size_t len);
/* Take "schema=NAME" out of @url's query into @schema (default public;
 * MIRROR_SCHEMA_LEN_MAX + 1 bytes) and the rest of the URL into @clean
 * (MIRROR_URL_LEN_MAX bytes). 0, or *@fault MIRROR_URL and @err. */
int url_take_schema(const char *url, char *clean, char *schema,
                    enum mirror_fault *fault, struct hz_err *err);
/* Check @url (from url_take_schema: no password, parses; verify-full
 * unless local or set) and connect; *@out is the connection, which the
 * caller PQfinishes even when this fails (then *@fault and @err say
 * why, never the password). */
int url_connect(const char *url, PGconn **out, enum mirror_fault *fault,
                struct hz_err *err);

#endif
