/* query.h - JSON helpers shared by the query files of the store. */
#ifndef HZ_QUERY_H
#define HZ_QUERY_H

#include "store.h"

#include <jansson.h>

json_t *query_value_json(const struct col_def *c, const struct value *v);
json_t *query_hex(const void *p, size_t len);
/* Serialize and release @root. */
int query_dump(json_t *root, char **out, struct hz_err *err);
/* "SELECT id, deleted|eid, "col"... FROM "x_table"" */
void query_select_sql(const struct table_def *t, char *sql, size_t len);

/* Append one JSON object per result row of @sql to @arr: column names
 * become keys, blobs (ids, keys, hashes) become hex. */
int query_rows(hz_node *n, const char *sql, json_t *arr, struct hz_err *err);

#endif
