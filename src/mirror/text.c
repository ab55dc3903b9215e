/* text.c - growing text for the county mirror: the SQL that mirror.c and
 * stage.c build from the schema registry, and the rows stage.c sends
 * with COPY, in PostgreSQL's text format (its documentation, COPY, "Text
 * Format": fields split by tabs, rows ended by newlines, \N for NULL,
 * backslash escapes). */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for @len more bytes and a NUL. */
static bool text_room(struct text *s, size_t len)
{
    if (s->failed)
        return false;
    if (s->p != NULL && s->len + len < s->cap)
        return true;
    size_t cap = (s->cap + len + 1) * 2;
    char *p = realloc(s->p, cap);
    if (p == NULL) {
        s->failed = true;
        return false;
    }
    s->p = p;
    s->cap = cap;
    return true;
}

void text_add(struct text *s, const char *fmt, ...)
{
    for (;;) {
        if (s->failed)
            return;
        va_list ap;
        va_start(ap, fmt);
        int len = vsnprintf(s->p != NULL ? s->p + s->len : NULL,
                            s->p != NULL ? s->cap - s->len : 0, fmt, ap);
        va_end(ap);
        if (len < 0) {
            s->failed = true;
            return;
        }
        if (s->p != NULL && s->len + (size_t)len < s->cap) {
            s->len += (size_t)len;
            return;
        }
        text_room(s, (size_t)len);
    }
}

void text_copy_field(struct text *s, const char *v, bool first)
{
    size_t len = v != NULL ? strlen(v) : 0;
    /* at worst every byte escaped, the tab and \N */
    if (!text_room(s, 2 * len + 3))
        return;
    if (!first)
        s->p[s->len++] = '\t';
    if (v == NULL) {
        memcpy(s->p + s->len, "\\N", 2);
        s->len += 2;
    }
    for (size_t i = 0; i < len; i++) {
        static const char from[] = "\\\b\f\n\r\t\v", to[] = "\\bfnrtv";
        const char *hit = v[i] != '\0' ? strchr(from, v[i]) : NULL;
        if (hit != NULL) {
            s->p[s->len++] = '\\';
            s->p[s->len++] = to[hit - from];
        } else
            s->p[s->len++] = v[i];
    }
    s->p[s->len] = '\0';
}

void text_free(struct text *s)
{
    free(s->p);
    *s = (struct text){0};
}
