/* value.c - translating between huzhu's values and SQLite's: binding a
 * value to a parameter, reading a materialized column back as a value,
 * and result rows as JSON objects. A translation, not a decision: the
 * merge rules that choose values live in state/ and src/core. Below
 * nothing of the store but db.h. */
#include "db.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <string.h>

static int bind_value(sqlite3_stmt *st, int i, const struct value *v,
                      sqlite3_destructor_type keep)
{
    switch (v->type) {
    case VALUE_NIL:
        return sqlite3_bind_null(st, i);
    case VALUE_BOOL:
        return sqlite3_bind_int(st, i, v->b ? 1 : 0);
    case VALUE_INT:
        return sqlite3_bind_int64(st, i, v->i);
    case VALUE_REAL:
        return sqlite3_bind_double(st, i, v->r);
    case VALUE_STR:
        return sqlite3_bind_text(st, i, (const char *)v->s.p, (int)v->s.len,
                                 keep);
    case VALUE_BIN:
        return sqlite3_bind_blob(st, i, v->s.p, (int)v->s.len, keep);
    }
    return SQLITE_MISUSE;
}

int db_bind_value(sqlite3_stmt *st, int i, const struct value *v)
{
    return bind_value(st, i, v, SQLITE_TRANSIENT);
}

int db_bind_value_lent(sqlite3_stmt *st, int i, const struct value *v)
{
    return bind_value(st, i, v, SQLITE_STATIC);
}

int db_column_value(const struct col_def *c, sqlite3_stmt *st, int i,
                    struct value *out)
{
    memset(out, 0, sizeof *out);
    if (sqlite3_column_type(st, i) == SQLITE_NULL) {
        out->type = VALUE_NIL;
        return 0;
    }
    switch (c->type) {
    case COL_TEXT:
    case COL_ENUM:
        out->type = VALUE_STR;
        out->s.p = sqlite3_column_text(st, i);
        out->s.len = (size_t)sqlite3_column_bytes(st, i);
        return 0;
    case COL_INT:
        out->type = VALUE_INT;
        out->i = sqlite3_column_int64(st, i);
        return 0;
    case COL_BOOL:
        out->type = VALUE_BOOL;
        out->b = sqlite3_column_int(st, i) != 0;
        return 0;
    case COL_REAL:
        out->type = VALUE_REAL;
        out->r = sqlite3_column_double(st, i);
        return 0;
    case COL_ID:
        out->type = VALUE_BIN;
        out->s.p = sqlite3_column_blob(st, i);
        out->s.len = (size_t)sqlite3_column_bytes(st, i);
        return out->s.len == HZ_ROW_LEN ? 0 : HZ_ECORRUPT;
    }
    return HZ_ECORRUPT;
}

/* One result row as an object: blobs of at most hash size become hex,
 * longer ones are left out (entry bytes never reach a report). */
json_t *db_row_object(sqlite3_stmt *st)
{
    json_t *o = json_object();
    for (int i = 0; i < sqlite3_column_count(st); i++) {
        const char *k = sqlite3_column_name(st, i);
        switch (sqlite3_column_type(st, i)) {
        case SQLITE_INTEGER:
            json_object_set_new(o, k,
                                json_integer(sqlite3_column_int64(st, i)));
            break;
        case SQLITE_FLOAT:
            json_object_set_new(o, k, json_real(sqlite3_column_double(st, i)));
            break;
        case SQLITE_TEXT:
            json_object_set_new(
                o, k, json_string((const char *)sqlite3_column_text(st, i)));
            break;
        case SQLITE_BLOB: {
            size_t len = (size_t)sqlite3_column_bytes(st, i);
            char hex[2 * HZ_HASH_LEN + 1];
            if (len <= HZ_HASH_LEN) {
                hex_encode(sqlite3_column_blob(st, i), len, hex);
                json_object_set_new(o, k, json_string(hex));
            }
            break;
        }
        default:
            json_object_set_new(o, k, json_null());
            break;
        }
    }
    return o;
}

static int append_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    json_array_append_new((json_t *)data, db_row_object(st));
    return 0;
}

struct each_json {
    int (*fn)(void *data, json_t *row, struct hz_err *err);
    void *data;
};

static int each_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct each_json *e = data;
    json_t *o = db_row_object(st);
    if (o == NULL)
        return hz_err_set(err, HZ_ENOMEM, "row");
    int rv = e->fn(e->data, o, err);
    json_decref(o);
    return rv;
}

int db_each_json(struct db *d, const char *sql, const struct db_arg *args,
                 size_t n_args,
                 int (*fn)(void *data, json_t *row, struct hz_err *err),
                 void *data, struct hz_err *err)
{
    struct each_json e = {fn, data};
    return db_each(d, sql, args, n_args, each_row, &e, err);
}

int db_rows_json(struct db *d, const char *sql, const struct db_arg *args,
                 size_t n_args, json_t *arr, struct hz_err *err)
{
    return db_each(d, sql, args, n_args, append_row, arr, err);
}
