/* history.c - a row's history (proto/cli.md, "history"; proto/api.md):
 * every applied entry that wrote the row, oldest first, with its author,
 * the author's device name where a certificate gives one, its time, what
 * it wrote and, for a write made through the web, the staff account its
 * recorded_by row names (proto/schema.md).
 *
 * The entries are found through the state's own records of them (w and
 * tomb for entity rows, evsrc for event rows: fields.c, events.c) and read
 * back from the log, so the history is exactly what the row is made of.
 * Entries are ordered by (clock, entry id): every replica holding the same
 * entries lists them in the same order. */
#include "render.h"
#include "state.h"

#include "../../core/alloc.h"
#include "../../core/body.h"
#include "../../core/error_int.h"
#include "../log/log.h"
#include "../members/members.h"
#include "../store.h"

#include <stdlib.h>
#include <string.h>

struct ats {
    int64_t *at;
    size_t n, cap;
};

static int keep_at(void *data, int64_t at, struct hz_err *err)
{
    struct ats *a = data;
    int64_t *v = hz_grow(a->at, &a->cap, a->n, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "history");
    a->at = v;
    a->at[a->n++] = at;
    return 0;
}

static int cmp_at(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return (a > b) - (a < b);
}

/* One entry of the history, before sorting. */
struct step {
    uint64_t clock;
    uint8_t id[HZ_HASH_LEN];
    json_t *obj;
};

static int cmp_step(const void *x, const void *y)
{
    const struct step *a = x, *b = y;
    if (a->clock != b->clock)
        return a->clock < b->clock ? -1 : 1;
    return memcmp(a->id, b->id, HZ_HASH_LEN);
}

static const char *op_name(enum op_kind k)
{
    return k == OP_SET ? "set" : k == OP_DEL ? "del" : "ins";
}

/* The entry at @at, read back from the log and decoded: its bytes (to
 * free), the entry and its body (to close). */
struct stored {
    uint8_t *bytes;
    struct entry e;
    struct body b;
};

static int stored_open(struct hz_node *n, int64_t at, struct stored *s,
                       struct hz_err *err)
{
    *s = (struct stored){0};
    size_t len = 0;
    uint8_t id[HZ_HASH_LEN];
    int rv = log_id_of(n, at, id, err);
    if (rv == 0)
        rv = log_bytes_of(n, at, &s->bytes, &len, err);
    if (rv == 0)
        rv = entry_decode_known(&s->e, s->bytes, len, id, err);
    if (rv == 0)
        rv = body_decode(&s->b, n->schema, s->e.body.p, s->e.body.len, err);
    return rv;
}

static void stored_close(struct stored *s)
{
    body_close(&s->b);
    free(s->bytes);
}

/* "author_name" (its certificate's device name, or this node's name for
 * its own entries, else null) and "account" (its recorded_by row's, else
 * null) of entry @s into @obj. */
static int who_into(struct hz_node *n, const struct stored *s, json_t *obj,
                    struct hz_err *err)
{
    json_object_set_new(obj, "author_name", json_null());
    json_object_set_new(obj, "account", json_null());
    for (size_t i = 0; i < s->b.n_ops; i++) {
        const struct op *o = &s->b.ops[i];
        if (o->table != NULL && (o->table->flags & TABLE_BY_NODE) &&
            strcmp(o->table->name, "recorded_by") == 0 && o->n_fields == 1 &&
            o->fields[0].val.type == VALUE_STR)
            json_object_set_new(obj, "account",
                                json_stringn((const char *)o->fields[0].val.s.p,
                                             o->fields[0].val.s.len));
    }
    int rv = roster_name_into(n, s->e.author, obj, "author_name", err);
    char *own = NULL;
    struct hz_err quiet = {0};
    if (rv == 0 && json_is_null(json_object_get(obj, "author_name")) &&
        memcmp(s->e.author, n->id.pk, HZ_KEY_LEN) == 0 &&
        store_node_name(n, &own, &quiet) == 0 && own != NULL)
        json_object_set_new(obj, "author_name", json_string(own));
    free(own);
    return rv;
}

int store_entry_who(hz_node *n, const uint8_t *eid, json_t *obj,
                    struct hz_err *err)
{
    int64_t at = 0;
    int rv = log_n_of(n, eid, &at, err);
    if (rv == 0 && at == 0)
        rv = hz_err_set(err, HZ_ECORRUPT, "an entry the state names");
    struct stored s = {0};
    if (rv == 0)
        rv = stored_open(n, at, &s, err);
    if (rv == 0) {
        json_object_set_new(obj, "author", render_hex(s.e.author, HZ_KEY_LEN));
        rv = who_into(n, &s, obj, err);
    }
    stored_close(&s);
    return rv;
}

/* The history entry of the entry at @at, about @row of @t. */
static int step_of(struct hz_node *n, const struct table_def *t,
                   const uint8_t *row, int64_t at, struct step *st,
                   struct hz_err *err)
{
    struct stored s;
    int rv = stored_open(n, at, &s, err);
    if (rv != 0) {
        stored_close(&s);
        return rv;
    }
    const struct entry *e = &s.e;
    json_t *obj = json_object();
    json_object_set_new(obj, "entry", render_hex(e->id, HZ_HASH_LEN));
    json_object_set_new(obj, "author", render_hex(e->author, HZ_KEY_LEN));
    json_object_set_new(obj, "seq", json_integer((json_int_t)e->seq));
    json_object_set_new(obj, "time_ms",
                        json_integer((json_int_t)(e->clock >> 16)));
    for (size_t i = 0; i < s.b.n_ops; i++) {
        const struct op *o = &s.b.ops[i];
        if (o->table != t || memcmp(o->row, row, HZ_ROW_LEN) != 0)
            continue;
        json_object_set_new(obj, "op", json_string(op_name(o->kind)));
        json_t *fields = json_object();
        for (size_t k = 0; k < o->n_fields; k++)
            json_object_set_new(fields, t->cols[o->fields[k].col].name,
                                render_value(&o->fields[k].val));
        json_object_set_new(obj, "fields", fields);
    }
    if (json_object_get(obj, "op") == NULL)
        rv = hz_err_set(err, HZ_ECORRUPT, "a source of %s names no op on it",
                        t->name);
    if (rv == 0)
        rv = who_into(n, &s, obj, err);
    st->clock = e->clock;
    memcpy(st->id, e->id, HZ_HASH_LEN);
    st->obj = obj;
    stored_close(&s);
    return rv;
}

int hz_node_history(hz_node *n, const char *table, const char *id, char **json,
                    struct hz_err *err)
{
    *json = NULL;
    const struct table_def *t = schema_table_c(n->schema, table);
    if (t == NULL)
        return hz_err_set(err, HZ_ESCHEMA, "no table %s", table);
    uint8_t row[HZ_ROW_LEN];
    if (id == NULL || hex_decode(id, row, HZ_ROW_LEN) != 0)
        return hz_err_set(err, HZ_EINVAL,
                          "row id must be 32 lowercase hex digits");
    struct ats a = {0};
    int rv = txn_begin_read(n, err);
    if (rv != 0)
        return rv;
    rv = t->kind == TABLE_ENTITY ? fields_sources(n, t, row, keep_at, &a, err)
                                 : events_sources(n, t, row, keep_at, &a, err);
    /* An entry that wrote fields of the row and tombstoned it is one. */
    size_t count = 0;
    if (rv == 0 && a.n > 0) {
        qsort(a.at, a.n, sizeof a.at[0], cmp_at);
        for (size_t i = 0; i < a.n; i++) {
            if (count == 0 || a.at[i] != a.at[count - 1])
                a.at[count++] = a.at[i];
        }
    }
    struct step *steps = count > 0 ? hz_calloc(count, sizeof *steps) : NULL;
    if (rv == 0 && count > 0 && steps == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "history");
    size_t made = 0;
    for (; rv == 0 && made < count; made++)
        rv = step_of(n, t, row, a.at[made], &steps[made], err);
    txn_rollback(n);
    free(a.at);
    if (rv == 0 && count == 0)
        rv = hz_err_set(err, HZ_ENOTFOUND, "%s row", t->name);
    json_t *arr = rv == 0 ? json_array() : NULL;
    if (rv == 0)
        qsort(steps, count, sizeof *steps, cmp_step);
    for (size_t i = 0; i < made; i++) {
        if (arr != NULL)
            json_array_append(arr, steps[i].obj);
        json_decref(steps[i].obj);
    }
    free(steps);
    return rv != 0 ? rv : render_dump(arr, json, err);
}
