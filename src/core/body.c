/* body.c - decode, check and encode entry bodies (body.h).
 * Exact bytes: proto/entry.md, sections "Body" and "Operations". */
#include "body.h"

#include "alloc.h"
#include "error_int.h"
#include "limits.h"

#include <stdlib.h>
#include <string.h>

int body_peek_version(const uint8_t *buf, size_t len, uint64_t *version,
                      struct hz_err *err)
{
    msgpack_unpacked u;
    int rv = mp_unpack(&u, buf, len, err);
    if (rv != 0)
        return rv;
    const msgpack_object *items;
    size_t n;
    rv = mp_array(&u.data, 1, UINT32_MAX, &items, &n, "body", err);
    if (rv == 0)
        rv = mp_uint(&items[0], version, "schema version", err);
    msgpack_unpacked_destroy(&u);
    if (rv == 0 && *version == 0)
        rv = hz_err_set(err, HZ_EMALFORMED, "schema version 0");
    return rv;
}

/* Pass 1: the sizes to allocate. Shapes are checked again in pass 2. */
static void count(const msgpack_object *ops, size_t n_ops, size_t *n_fields,
                  size_t *n_ptrs)
{
    *n_fields = 0;
    *n_ptrs = 0;
    for (size_t i = 0; i < n_ops; i++) {
        const msgpack_object *o = &ops[i];
        if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size != 4)
            continue;
        const msgpack_object *list = &o->via.array.ptr[3];
        if (list->type != MSGPACK_OBJECT_ARRAY)
            continue;
        if (o->via.array.ptr[0].type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
            o->via.array.ptr[0].via.u64 == OP_DEL) {
            *n_ptrs += list->via.array.size;
            continue;
        }
        *n_fields += list->via.array.size;
        for (uint32_t k = 0; k < list->via.array.size; k++) {
            const msgpack_object *f = &list->via.array.ptr[k];
            if (f->type == MSGPACK_OBJECT_ARRAY && f->via.array.size == 3 &&
                f->via.array.ptr[2].type == MSGPACK_OBJECT_ARRAY)
                *n_ptrs += f->via.array.ptr[2].via.array.size;
        }
    }
}

/* A sorted, duplicate-free list of 32-byte ids. */
static int decode_ids(const msgpack_object *o, size_t max,
                      const uint8_t ***cursor, size_t *n, const char *what,
                      struct hz_err *err)
{
    const msgpack_object *items;
    int rv = mp_array(o, 0, max, &items, n, what, err);
    if (rv != 0)
        return rv;
    const uint8_t **out = *cursor;
    for (size_t i = 0; i < *n; i++) {
        if (items[i].type != MSGPACK_OBJECT_BIN ||
            items[i].via.bin.size != HZ_HASH_LEN)
            return hz_err_set(err, HZ_EMALFORMED, "%s: not bin32", what);
        out[i] = (const uint8_t *)items[i].via.bin.ptr;
        if (i > 0 && memcmp(out[i - 1], out[i], HZ_HASH_LEN) >= 0)
            return hz_err_set(err, HZ_EMALFORMED, "%s: not sorted", what);
    }
    *cursor += *n;
    return 0;
}

static int decode_fields(struct op *op, const msgpack_object *list,
                         struct field **fcur, const uint8_t ***pcur,
                         struct hz_err *err)
{
    const msgpack_object *items;
    size_t n;
    int rv = mp_array(list, 1, HZ_FIELDS_MAX, &items, &n, "fields", err);
    if (rv != 0)
        return rv;
    op->fields = *fcur;
    op->n_fields = n;
    *fcur += n;
    size_t arity = op->kind == OP_SET ? 3 : 2;
    for (size_t k = 0; k < n; k++) {
        const msgpack_object *f;
        size_t fn;
        struct hz_bytes name;
        rv = mp_array(&items[k], arity, arity, &f, &fn, "field", err);
        if (rv == 0)
            rv = mp_str(&f[0], HZ_NAME_LEN_MAX, &name, "column", err);
        if (rv != 0)
            return rv;
        int col =
            schema_col_from(op->table, name.p, name.len,
                            k > 0 ? (size_t)op->fields[k - 1].col + 1 : 0);
        if (col < 0)
            return hz_err_set(err, HZ_ESCHEMA, "unknown column in %s",
                              op->table->name);
        if (k > 0 && col <= op->fields[k - 1].col)
            return hz_err_set(err, HZ_EMALFORMED, "columns not sorted");
        struct field *fd = &op->fields[k];
        fd->col = col;
        rv = mp_value(&f[1], &fd->val, op->table->cols[col].name, err);
        if (rv == 0 && op->kind == OP_SET) {
            fd->heads = *pcur;
            rv = decode_ids(&f[2], HZ_HEADS_MAX, pcur, &fd->n_heads, "heads",
                            err);
        }
        if (rv != 0)
            return rv;
    }
    return 0;
}

static int decode_trust_op(struct op *op, const msgpack_object *f, size_t n,
                           struct hz_err *err)
{
    if (n != 2)
        return hz_err_set(err, HZ_EMALFORMED, "trust op of %zu elements", n);
    return mp_bin(&f[1],
                  op->kind == OP_EPOCH ? HZ_EPOCH_OBJ_MAX : HZ_TRUST_OBJ_MAX,
                  &op->object, "trust object", err);
}

static int decode_op(struct op *op, const struct schema *s,
                     const msgpack_object *o, struct field **fcur,
                     const uint8_t ***pcur, struct hz_err *err)
{
    const msgpack_object *f;
    size_t n;
    uint64_t kind;
    struct hz_bytes tname;
    int rv = mp_array(o, 2, 4, &f, &n, "op", err);
    if (rv == 0)
        rv = mp_uint(&f[0], &kind, "op kind", err);
    if (rv != 0)
        return rv;
    if (kind > OP_EPOCH)
        return hz_err_set(err, HZ_ESCHEMA, "unknown op kind %llu",
                          (unsigned long long)kind);
    op->kind = (enum op_kind)kind;
    if (OP_IS_TRUST(op->kind))
        return decode_trust_op(op, f, n, err);
    if (n != 4)
        return hz_err_set(err, HZ_EMALFORMED, "op of %zu elements", n);
    rv = mp_str(&f[1], HZ_NAME_LEN_MAX, &tname, "table", err);
    if (rv == 0)
        rv = mp_bin_fixed(&f[2], op->row, HZ_ROW_LEN, "row", err);
    if (rv != 0)
        return rv;
    op->table = schema_table(s, tname.p, tname.len);
    if (op->table == NULL)
        return hz_err_set(err, HZ_ESCHEMA, "unknown table");
    if (op->kind == OP_DEL) {
        op->seen = *pcur;
        return decode_ids(&f[3], HZ_SEEN_MAX, pcur, &op->n_seen, "seen", err);
    }
    return decode_fields(op, &f[3], fcur, pcur, err);
}

static int cmp_op_row(const void *a, const void *b)
{
    const struct op *x = *(const struct op *const *)a;
    const struct op *y = *(const struct op *const *)b;
    if (x->table != y->table)
        return x->table < y->table ? -1 : 1;
    return memcmp(x->row, y->row, HZ_ROW_LEN);
}

static int check_one_op_per_row(const struct body *b, const struct op **idx,
                                struct hz_err *err)
{
    for (size_t i = 0; i < b->n_ops; i++)
        idx[i] = &b->ops[i];
    qsort(idx, b->n_ops, sizeof idx[0], cmp_op_row);
    for (size_t i = 1; i < b->n_ops; i++) {
        if (cmp_op_row(&idx[i - 1], &idx[i]) == 0)
            return hz_err_set(err, HZ_EMALFORMED, "two ops on one row");
    }
    return 0;
}

static int decode_all(struct body *b, const struct schema *s,
                      const msgpack_object *root, struct hz_err *err)
{
    const msgpack_object *top, *ops;
    size_t n, n_ops;
    int rv = mp_array(root, 2, 2, &top, &n, "body", err);
    if (rv == 0)
        rv = mp_uint(&top[0], &b->schema_version, "schema version", err);
    if (rv == 0)
        rv = mp_array(&top[1], 1, HZ_OPS_MAX, &ops, &n_ops, "ops", err);
    if (rv != 0)
        return rv;
    if (b->schema_version > s->version) /* held by the caller (ingest.c) */
        return hz_err_set(err, HZ_ESCHEMA, "schema version %llu is newer",
                          (unsigned long long)b->schema_version);

    size_t n_fields, n_ptrs;
    count(ops, n_ops, &n_fields, &n_ptrs);
    size_t size = n_ops * sizeof(struct op) + n_fields * sizeof(struct field) +
                  (n_ptrs + n_ops) * sizeof(const uint8_t *);
    b->mem = hz_calloc(1, size);
    if (b->mem == NULL)
        return hz_err_set(err, HZ_ENOMEM, "body of %zu ops", n_ops);
    b->ops = b->mem;
    b->n_ops = n_ops;
    struct field *fcur = (struct field *)(b->ops + n_ops);
    const uint8_t **pcur = (const uint8_t **)(fcur + n_fields);
    for (size_t i = 0; i < n_ops; i++) {
        rv = decode_op(&b->ops[i], s, &ops[i], &fcur, &pcur, err);
        if (rv != 0)
            return hz_err_wrap(err, "op %zu", i);
        bool trust = OP_IS_TRUST(b->ops[i].kind);
        if (i == 0)
            b->trust = trust;
        else if (trust != b->trust)
            return hz_err_set(err, HZ_EMALFORMED,
                              "trust and data operations in one body");
        unsigned since;
        rv =
            body_check_op(&b->ops[i], (unsigned)b->schema_version, &since, err);
        if (rv != 0)
            return hz_err_wrap(err, "op %zu", i);
    }
    return b->trust ? 0
                    : check_one_op_per_row(b, (const struct op **)pcur, err);
}

int body_decode(struct body *b, const struct schema *s, const uint8_t *buf,
                size_t len, struct hz_err *err)
{
    memset(b, 0, sizeof *b);
    if (len > HZ_BODY_LEN_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "body of %zu bytes", len);
    msgpack_unpacked u;
    bool canonical = false;
    int rv = mp_unpack_canonical(&u, buf, len, &canonical, err);
    if (rv != 0)
        return rv;
    rv = decode_all(b, s, &u.data, err);
    msgpack_unpacked_destroy(&u);
    /* The last content check (proto/entry.md): the bytes are the canonical
     * encoding of what was decoded. decode_all took every element and
     * checked every value the forms do not (UTF-8, no NaN), so the
     * pre-scan's verdict on the forms is that of re-encoding and
     * comparing, without the re-encoding (BENCHMARKS.md, "Canonical in
     * the pre-scan"); the debug build does both and compares them. */
#ifdef HZ_DEBUG_CHECKS
    if (rv == 0) {
        struct enc tmp;
        enc_init(&tmp);
        if (body_encode(b, &tmp) == 0) /* not when out of memory */
            HZ_ASSERT((enc_len(&tmp) == len &&
                       memcmp(enc_data(&tmp), buf, len) == 0) == canonical);
        enc_close(&tmp);
    }
#endif
    if (rv == 0 && !canonical)
        rv = hz_err_set(err, HZ_EMALFORMED, "body is not canonical");
    if (rv != 0)
        body_close(b);
    return rv;
}

/* The content rules of one op at schema version @version. */
static int check_event(const struct op *o, struct hz_err *err)
{
    const struct table_def *t = o->table;
    size_t k = 0;
    for (size_t c = 0; c < t->n_cols; c++) {
        bool present = k < o->n_fields && o->fields[k].col == (int)c;
        if (present && o->fields[k].val.type == VALUE_NIL)
            return hz_err_zh(err,
                             hz_err_set(err, HZ_EVALUE, "%s: nil in an event",
                                        t->cols[c].name),
                             "「%s」不能留空（已记下的事件不再修改）",
                             t->cols[c].zh);
        if (!present && (t->cols[c].flags & COL_REQUIRED))
            return hz_err_zh(err,
                             hz_err_set(err, HZ_EVALUE, "%s.%s is required",
                                        t->name, t->cols[c].name),
                             "「%s」必须填写", t->cols[c].zh);
        if (present)
            k++;
    }
    return 0;
}

const struct value *body_op_value(const struct op *o, const char *col)
{
    int c = schema_col_c(o->table, col);
    for (size_t k = 0; c >= 0 && k < o->n_fields; k++) {
        if (o->fields[k].col == c)
            return &o->fields[k].val;
    }
    return NULL;
}

static bool value_is(const struct value *v, const char *s)
{
    return v != NULL && v->type == VALUE_STR && v->s.len == strlen(s) &&
           (v->s.len == 0 || memcmp(v->s.p, s, v->s.len) == 0);
}

/* Table rules that span columns: the sign of a stock movement follows its
 * kind; a check-out names the check-in it closes, a check-in does not; a
 * damage assessment is of a household or of a facility (with its village);
 * relief pays something; a volunteer's check-out names the check-in it
 * closes, and only hours recorded afterwards carry minutes (they must);
 * only goods received are received against a match. */
static int check_rules(const struct op *o, struct hz_err *err)
{
    const char *t = o->table->name;
    if (strcmp(t, "stock_moves") == 0) {
        const struct value *kind = body_op_value(o, "kind");
        const struct value *qty = body_op_value(o, "qty");
        int64_t q = qty->i;
        bool in = value_is(kind, "received") || value_is(kind, "donated") ||
                  value_is(kind, "transfer_in");
        bool counted = value_is(kind, "counted");
        if (counted != (body_op_value(o, "counted") != NULL))
            return hz_err_say(err, HZ_EVALUE,
                              "只有类别为“盘点”的记录填写盘点数量",
                              "counted goes with kind counted only");
        if (!counted && (in ? q <= 0 : q >= 0))
            return hz_err_say(err, HZ_EVALUE,
                              "数量的正负与类别不符（入库为正，出库为负）",
                              "qty sign does not fit kind");
        if (!value_is(kind, "distributed") &&
            body_op_value(o, "household") != NULL)
            return hz_err_say(err, HZ_EVALUE, "只有发放记录填写领取的住户",
                              "household goes with distributed only");
        if (!value_is(kind, "received") && body_op_value(o, "match") != NULL)
            return hz_err_say(err, HZ_EVALUE, "只有接收记录可以对应一条认领",
                              "match goes with received only");
    } else if (strcmp(t, "stays") == 0) {
        bool out = value_is(body_op_value(o, "kind"), "out");
        if (out != (body_op_value(o, "closes") != NULL))
            return hz_err_say(err, HZ_EVALUE,
                              "离开须指明对应的入住，入住不能指明",
                              "a check-out names the check-in it closes");
    } else if (strcmp(t, "damage") == 0) {
        bool facility = body_op_value(o, "facility") != NULL;
        if (facility == (body_op_value(o, "household") != NULL))
            return hz_err_say(err, HZ_EVALUE,
                              "损失评估须指明一户或一处设施（二者选一）",
                              "damage names a household or a facility");
        if (!facility && body_op_value(o, "village") != NULL)
            return hz_err_say(err, HZ_EVALUE, "只有设施的损失评估填写村",
                              "village goes with a facility only");
    } else if (strcmp(t, "relief") == 0) {
        const struct value *cash = body_op_value(o, "cash_fen");
        const struct value *value = body_op_value(o, "goods_fen");
        if ((cash == NULL || cash->i == 0) &&
            (value == NULL || value->i == 0) &&
            body_op_value(o, "goods") == NULL)
            return hz_err_say(err, HZ_EVALUE, "救助须发放现金或物资",
                              "relief pays cash or goods");
    } else if (strcmp(t, "volunteer_service") == 0) {
        const struct value *kind = body_op_value(o, "kind");
        if (value_is(kind, "out") != (body_op_value(o, "closes") != NULL))
            return hz_err_say(err, HZ_EVALUE,
                              "签退须指明对应的签到，签到不能指明",
                              "a check-out names the check-in it closes");
        if (value_is(kind, "hours") != (body_op_value(o, "minutes") != NULL))
            return hz_err_say(err, HZ_EVALUE,
                              "只有补记的服务时长填写分钟数（且必须填写）",
                              "minutes go with recorded hours only");
    }
    return 0;
}

int body_check_op(const struct op *o, unsigned version, unsigned *since,
                  struct hz_err *err)
{
    const struct table_def *t = o->table;
    if (OP_IS_TRUST(o->kind)) {
        *since = 1;
        return 0;
    }
    *since = t->since;
    if (t->since > version)
        return hz_err_set(err, HZ_ESCHEMA, "table %s is newer than v%u",
                          t->name, version);
    bool entity = t->kind == TABLE_ENTITY;
    if ((o->kind == OP_INS) == entity)
        return hz_err_set(err, HZ_ESCHEMA, "op kind %d on %s table %s",
                          (int)o->kind, entity ? "entity" : "event", t->name);
    for (size_t k = 0; k < o->n_fields; k++) {
        const struct col_def *c = &t->cols[o->fields[k].col];
        unsigned need;
        int rv = schema_check_value(c, &o->fields[k].val, &need, err);
        if (rv != 0)
            return rv;
        if (need > version)
            return hz_err_set(err, HZ_ESCHEMA, "%s.%s is newer than v%u",
                              t->name, c->name, version);
        if (need > *since)
            *since = need;
    }
    if (o->kind != OP_INS)
        return 0;
    int rv = check_event(o, err);
    return rv != 0 ? rv : check_rules(o, err);
}

unsigned body_min_version(const struct body *b)
{
    unsigned v = 1;
    for (size_t i = 0; i < b->n_ops; i++) {
        unsigned since;
        if (body_check_op(&b->ops[i], UINT32_MAX, &since, NULL) == 0 &&
            since > v)
            v = since;
    }
    return v;
}

static void encode_ids(struct enc *e, const uint8_t *const *ids, size_t n)
{
    enc_array(e, n);
    for (size_t i = 0; i < n; i++)
        enc_bin(e, ids[i], HZ_HASH_LEN);
}

int body_encode(const struct body *b, struct enc *out)
{
    enc_array(out, 2);
    enc_uint(out, b->schema_version);
    enc_array(out, b->n_ops);
    for (size_t i = 0; i < b->n_ops; i++) {
        const struct op *o = &b->ops[i];
        if (OP_IS_TRUST(o->kind)) {
            enc_array(out, 2);
            enc_uint(out, (uint64_t)o->kind);
            enc_bin(out, o->object.p, o->object.len);
            continue;
        }
        enc_array(out, 4);
        enc_uint(out, (uint64_t)o->kind);
        enc_cstr(out, o->table->name);
        enc_bin(out, o->row, HZ_ROW_LEN);
        if (o->kind == OP_DEL) {
            encode_ids(out, o->seen, o->n_seen);
            continue;
        }
        enc_array(out, o->n_fields);
        for (size_t k = 0; k < o->n_fields; k++) {
            const struct field *f = &o->fields[k];
            enc_array(out, o->kind == OP_SET ? 3 : 2);
            enc_cstr(out, o->table->cols[f->col].name);
            enc_value(out, &f->val);
            if (o->kind == OP_SET)
                encode_ids(out, f->heads, f->n_heads);
        }
    }
    return enc_done(out);
}

void body_close(struct body *b)
{
    hz_free(b->mem);
    memset(b, 0, sizeof *b);
}
