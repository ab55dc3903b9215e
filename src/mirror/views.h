/* views.h - the derived figures of the county mirror as PostgreSQL views
 * (views.c; proto/cli.md, "The county mirror", "Views"). */
#ifndef HZ_MIRROR_VIEWS_H
#define HZ_MIRROR_VIEWS_H

#include <stddef.h>

/* The SQL that makes or replaces every view in schema @sch (a name
 * mirror.c validated: lower-case letters, digits and _), with its
 * comment; malloc'd (free it), NULL when out of memory. */
char *mirror_views_sql(const char *sch);
/* How many views there are, and the name of view @i (NULL past them). */
size_t mirror_views_count(void);
const char *mirror_views_name(size_t i);

#endif
