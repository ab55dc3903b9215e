/* render.h - values, ids and documents as JSON for the store's reports
 * (render.c). Output is UTF-8 JSON whose keys are wire names, so machine
 * output never depends on the language (DECISIONS 24). */
#ifndef HZ_STORE_RENDER_H
#define HZ_STORE_RENDER_H

#include "../../core/types.h"
#include "huzhu/error.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A value as JSON: ids as lowercase hex. */
json_t *render_value(const struct value *v);
/* @len bytes (at most a hash) as lowercase hex. */
json_t *render_hex(const void *p, size_t len);
/* Serialize and release @root (NULL: out of memory) into *@out. */
int render_dump(json_t *root, char **out, struct hz_err *err);
/* A new string holding @len bytes as lowercase hex; NULL when out of
 * memory. */
char *render_hex_string(const uint8_t *p, size_t len);
/* The 0/1 column @key of each object of @rows as a JSON boolean. */
void render_bools(json_t *rows, const char *key);
/* A row id typed as @hex (32 lowercase hex digits) into @id; false when
 * it is none. */
bool render_row_id(const char *hex, uint8_t *id);

#endif
