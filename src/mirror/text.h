/* text.h - growing text for the county mirror: SQL built from the schema
 * registry, and rows in PostgreSQL's COPY text format (text.c). */
#ifndef HZ_MIRROR_TEXT_H
#define HZ_MIRROR_TEXT_H

#include "huzhu/huzhu.h"

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialized before use; a failed allocation sets @failed and
 * every later call does nothing, so callers check once at the end. */
struct text {
    char *p; /* NUL-terminated when not NULL; owned (text_free) */
    size_t len, cap;
    bool failed;
};

void text_add(struct text *s, const char *fmt, ...) HZ_PRINTF(2, 3);
/* One field of a COPY ... FROM STDIN row in text format (PostgreSQL's
 * documentation, COPY, "Text Format"): @v with backslash and control
 * characters escaped, or \N for NULL; a tab before it unless @first. */
void text_copy_field(struct text *s, const char *v, bool first);
void text_free(struct text *s);

#endif
