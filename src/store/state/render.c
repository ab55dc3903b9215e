/* render.c - values, ids and documents as JSON, for every report of the
 * store (query.c, views.c, the members and status reports). */
#include "render.h"

#include "huzhu/node.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <stdlib.h>
#include <string.h>

void hz_free_string(char *s)
{
    free(s);
}

json_t *render_value(const struct value *v)
{
    char hex[2 * HZ_HASH_LEN + 1];
    switch (v->type) {
    case VALUE_NIL:
        return json_null();
    case VALUE_BOOL:
        return json_boolean(v->b);
    case VALUE_INT:
        return json_integer((json_int_t)v->i);
    case VALUE_REAL:
        return json_real(v->r);
    case VALUE_STR:
        return json_stringn((const char *)v->s.p, v->s.len);
    case VALUE_BIN:
        if (v->s.len > HZ_HASH_LEN)
            return json_null();
        hex_encode(v->s.p, v->s.len, hex);
        return json_string(hex);
    }
    return json_null();
}

json_t *render_hex(const void *p, size_t len)
{
    char hex[2 * HZ_HASH_LEN + 1];
    HZ_ASSERT(len <= HZ_HASH_LEN);
    hex_encode(p, len, hex);
    return json_string(hex);
}

int render_dump(json_t *root, char **out, struct hz_err *err)
{
    if (root == NULL)
        return hz_err_set(err, HZ_ENOMEM, "json");
    *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(root);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "json");
}

char *render_hex_string(const uint8_t *p, size_t len)
{
    char *s = malloc(2 * len + 1);
    if (s != NULL)
        hex_encode(p, len, s);
    return s;
}

void render_bools(json_t *rows, const char *key)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *v = json_object_get(r, key);
        if (json_is_integer(v))
            json_object_set_new(r, key, json_boolean(json_integer_value(v)));
    }
}

bool render_row_id(const char *hex, uint8_t *id)
{
    return hex != NULL && strlen(hex) == 2 * HZ_ROW_LEN &&
           hex_decode(hex, id, HZ_ROW_LEN) == 0;
}
