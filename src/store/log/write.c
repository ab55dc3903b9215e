/* write.c - our own writes: a batch of a person's action becomes one
 * entry (or several, each within the per-entry limits), signed and
 * applied in one BEGIN IMMEDIATE transaction (DECISIONS 6). Nothing about
 * our own chain is cached across transactions: `huzhu serve` and a CLI
 * call may write to one node at once.
 *
 * Checks on local input live here, not in the apply path (DECISIONS 4):
 * referenced rows exist, a birth year is not in the future, an event
 * written again with the same id and content is a no-op. */
#include "log.h"

#include "../../core/cert.h"
#include "../../core/clock.h"
#include "../../core/alloc.h"
#include "../../core/error_int.h"
#include "../../core/limits.h"
#include "../state/state.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct batch_op {
    enum op_kind kind;
    const struct table_def *table;
    uint8_t row[HZ_ROW_LEN];
    size_t n;
    char **cols;
    char **vals;
    bool skip; /* an event written again with the same content */
};

struct hz_batch {
    hz_node *node;
    struct batch_op *ops;
    size_t n, cap;
    /* hz_batch_limit: what a web account of this role may write */
    bool limited;
    bool health_only; /* the role health: care and health tables only */
    struct cert as;
    /* hz_batch_by: the account named in every entry (recorded_by) */
    char *by;
};

int hz_batch_open(hz_node *node, hz_batch **out, struct hz_err *err)
{
    *out = calloc(1, sizeof **out);
    if (*out == NULL)
        return hz_err_set(err, HZ_ENOMEM, "batch");
    (*out)->node = node;
    return 0;
}

static void op_free(struct batch_op *o)
{
    for (size_t i = 0; i < o->n; i++) {
        free(o->cols[i]);
        free(o->vals[i]);
    }
    free(o->cols);
    free(o->vals);
}

void hz_batch_close(hz_batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n; i++)
        op_free(&b->ops[i]);
    free(b->ops);
    free(b->by);
    free(b);
}

int hz_batch_by(hz_batch *b, const char *account, struct hz_err *err)
{
    size_t len = account != NULL ? strlen(account) : 0;
    if (len == 0 || len > HZ_ACCOUNT_LEN_MAX)
        return hz_err_set(err, HZ_EINVAL, "an account name of 1 to %d bytes",
                          HZ_ACCOUNT_LEN_MAX);
    char *copy = strdup(account);
    if (copy == NULL)
        return hz_err_set(err, HZ_ENOMEM, "batch");
    free(b->by);
    b->by = copy;
    return 0;
}

static int add_op(hz_batch *b, enum op_kind kind, const char *table,
                  const char *id, char *id_out, struct batch_op **out,
                  struct hz_err *err)
{
    const struct table_def *t = schema_table_c(b->node->schema, table);
    if (t == NULL)
        return hz_err_zh(err, hz_err_set(err, HZ_ESCHEMA, "unknown table"),
                         "没有「%.64s」这张表", table);
    if (t->flags & TABLE_BY_NODE)
        return hz_err_set(err, HZ_ESCHEMA,
                          "%s is written by the node itself, with the"
                          " action it belongs to",
                          t->name);
    if (kind != OP_DEL && t->kind == TABLE_EVENT)
        kind = OP_INS;
    if (kind == OP_DEL && t->kind == TABLE_EVENT)
        return hz_err_set(err, HZ_EINVAL,
                          "%s rows are events: correct them with a new"
                          " event that reverses them",
                          t->name);
    if (b->n >= HZ_QUERY_ROWS_MAX)
        return hz_err_set(err, HZ_ETOOBIG, "batch of %zu ops", b->n);
    struct batch_op *v = hz_grow(b->ops, &b->cap, b->n, sizeof *v);
    if (v == NULL)
        return hz_err_set(err, HZ_ENOMEM, "batch");
    b->ops = v;
    struct batch_op *o = &b->ops[b->n];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->table = t;
    if (id != NULL) {
        if (hex_decode(id, o->row, HZ_ROW_LEN) != 0)
            return hz_err_set(err, HZ_EINVAL,
                              "row id must be 32 lowercase hex digits");
    } else {
        env_random(b->node, o->row, HZ_ROW_LEN);
    }
    for (size_t i = 0; i < b->n; i++) {
        if (b->ops[i].table == t &&
            memcmp(b->ops[i].row, o->row, HZ_ROW_LEN) == 0)
            return hz_err_set(err, HZ_EINVAL, "one row twice in one action");
    }
    if (id_out != NULL)
        hex_encode(o->row, HZ_ROW_LEN, id_out);
    b->n++;
    *out = o;
    return 0;
}

int hz_batch_put(hz_batch *b, const char *table, const char *id,
                 size_t n_fields, const struct hz_field *fields, char *id_out,
                 struct hz_err *err)
{
    if (n_fields == 0 || n_fields > HZ_FIELDS_MAX)
        return hz_err_set(err, HZ_EINVAL, "%zu fields", n_fields);
    struct batch_op *o;
    int rv = add_op(b, OP_SET, table, id, id_out, &o, err);
    if (rv != 0)
        return rv;
    o->cols = calloc(n_fields, sizeof(char *));
    o->vals = calloc(n_fields, sizeof(char *));
    if (o->cols == NULL || o->vals == NULL)
        goto oom;
    for (size_t i = 0; i < n_fields; i++) {
        o->cols[i] = strdup(fields[i].col);
        o->vals[i] = strdup(fields[i].value);
        o->n++;
        if (o->cols[i] == NULL || o->vals[i] == NULL)
            goto oom;
    }
    return 0;
oom:
    op_free(o);
    b->n--;
    return hz_err_set(err, HZ_ENOMEM, "batch");
}

int hz_batch_del(hz_batch *b, const char *table, const char *id,
                 struct hz_err *err)
{
    if (id == NULL)
        return hz_err_set(err, HZ_EINVAL, "delete needs a row id");
    struct batch_op *o;
    return add_op(b, OP_DEL, table, id, NULL, &o, err);
}

/* ---- local checks */

/* A referenced row must exist and not be deleted: in the node, or
 * written by this same action (a household and its members). */
static int check_ref(struct hz_node *n, const hz_batch *b,
                     const struct col_def *c, const struct value *v,
                     struct hz_err *err)
{
    if (c->type != COL_ID || v->type != VALUE_BIN)
        return 0;
    const struct table_def *ref = schema_table_c(n->schema, c->ref_table);
    for (size_t i = 0; i < b->n; i++) {
        if (b->ops[i].table == ref && b->ops[i].kind != OP_DEL &&
            memcmp(b->ops[i].row, v->s.p, HZ_ROW_LEN) == 0)
            return 0;
    }
    bool exists, deleted;
    int rv = rows_state(n, ref, v->s.p, &exists, &deleted, err);
    if (rv != 0)
        return rv;
    if (!exists)
        return hz_err_zh(err,
                         hz_err_set(err, HZ_ENOTFOUND, "%s: no such %s row",
                                    c->name, ref->name),
                         "「%s」所选的记录在本节点上不存在", c->zh);
    if (deleted)
        return hz_err_zh(
            err, hz_err_set(err, HZ_EDELETED, "%s: %s row", c->name, ref->name),
            "「%s」所选的记录已删除", c->zh);
    return 0;
}

/* Unix seconds to stamp local input with: our wall clock, or, when it
 * is before 2000 (a Pi without a real-time clock boots in 1970), the
 * newest clock among the entries we hold. 0 when neither is plausible. */
static int64_t local_now_s(struct hz_node *n)
{
    static const int64_t plausible = 946684800; /* 2000-01-01 */
    int64_t wall = (int64_t)(env_now_ms(n) / 1000);
    if (wall >= plausible)
        return wall;
    uint64_t clock = 0;
    if (log_max_clock(n, &clock, NULL) != 0)
        return 0;
    int64_t seen = (int64_t)(clock >> 16) / 1000;
    return seen >= plausible ? seen : 0;
}

/* The current year for "not in the future" checks; 0 when unknown. */
static int current_year(struct hz_node *n)
{
    time_t s = (time_t)local_now_s(n);
    struct tm tm;
    if (s == 0 || gmtime_r(&s, &tm) == NULL)
        return 0;
    return tm.tm_year + 1900 + 1; /* one year of slack for time zones */
}

/* Parsed form of one batch op: fields sorted by column, values typed. */
struct parsed {
    struct op op;
    struct field fields[HZ_FIELDS_MAX + 1];
    uint8_t ids[HZ_FIELDS_MAX + 1][HZ_ROW_LEN];
    uint8_t (*heads)[HZ_HASH_LEN]; /* owned: every field's heads */
    const uint8_t **head_ptrs;     /* owned: pointers into heads */
    int time_default;              /* index of a defaulted time, or -1 */
};

static void parsed_close(struct parsed *p)
{
    free(p->heads);
    free(p->head_ptrs);
    p->heads = NULL;
    p->head_ptrs = NULL;
}

static int cmp_field(const void *a, const void *b)
{
    const struct field *x = a, *y = b;
    return (x->col > y->col) - (x->col < y->col);
}

static int parse_op(struct hz_node *n, const hz_batch *b,
                    const struct batch_op *bo, struct parsed *p,
                    struct hz_err *err)
{
    const struct table_def *t = bo->table;
    memset(&p->op, 0, sizeof p->op);
    p->op.kind = bo->kind;
    p->op.table = t;
    memcpy(p->op.row, bo->row, HZ_ROW_LEN);
    p->op.fields = p->fields;
    p->op.n_fields = bo->n;
    p->time_default = -1;
    bool has_time = false;
    for (size_t i = 0; i < bo->n; i++) {
        int c = schema_col_c(t, bo->cols[i]);
        if (c < 0)
            return hz_err_zh(err,
                             hz_err_set(err, HZ_ESCHEMA, "%s has no column %s",
                                        t->name, bo->cols[i]),
                             "「%s」表中没有「%.64s」这一栏",
                             t->zh != NULL ? t->zh : t->name, bo->cols[i]);
        p->fields[i].col = c;
        int rv = schema_parse_value(&t->cols[c], bo->vals[i], p->ids[i],
                                    &p->fields[i].val, err);
        if (rv == 0)
            rv = check_ref(n, b, &t->cols[c], &p->fields[i].val, err);
        if (rv != 0)
            return rv;
        if (strcmp(t->cols[c].name, "id_number") == 0 &&
            p->fields[i].val.type == VALUE_STR) {
            enum id_number_fault fault =
                schema_id_number_check(bo->vals[i], current_year(n));
            if (fault != IDN_OK)
                return hz_err_zh(err,
                                 hz_err_set(err, HZ_EVALUE, "id_number: %s",
                                            schema_id_number_fault_en(fault)),
                                 "%s", schema_id_number_fault_zh(fault));
        }
        if (strcmp(t->cols[c].name, "birth_year") == 0 &&
            p->fields[i].val.type == VALUE_INT && current_year(n) != 0 &&
            p->fields[i].val.i > current_year(n))
            return hz_err_zh(
                err, hz_err_set(err, HZ_EVALUE, "birth_year in the future"),
                "「%s」不能晚于今年", t->cols[c].zh);
        if (strcmp(t->cols[c].name, "time") == 0)
            has_time = true;
    }
    /* Events default their time to now. */
    int tc = schema_col_c(t, "time");
    if (bo->kind == OP_INS && !has_time && tc >= 0) {
        struct field *f = &p->fields[p->op.n_fields++];
        f->col = tc;
        f->val.type = VALUE_INT;
        f->val.i = local_now_s(n);
        if (f->val.i == 0)
            return hz_err_zh(err,
                             hz_err_set(err, HZ_EVALUE,
                                        "the device clock is wrong (before"
                                        " 2000) and no entry tells the time:"
                                        " set the clock or give time="),
                             "本机时钟不对（早于 2000 年），也没有记录可参照："
                             "请校准时钟，或填写时间 (time=)");
    }
    qsort(p->fields, p->op.n_fields, sizeof p->fields[0], cmp_field);
    for (size_t i = 0;
         bo->kind == OP_INS && !has_time && tc >= 0 && i < p->op.n_fields;
         i++) {
        if (p->fields[i].col == tc)
            p->time_default = (int)i;
    }
    for (size_t i = 1; i < p->op.n_fields; i++) {
        if (p->fields[i].col == p->fields[i - 1].col)
            return hz_err_set(err, HZ_EINVAL, "column %s given twice",
                              t->cols[p->fields[i].col].name);
    }
    if (bo->kind == OP_INS) {
        /* Events carry no nil: an empty value means "leave it out". */
        size_t k = 0;
        for (size_t i = 0; i < p->op.n_fields; i++) {
            if (p->fields[i].val.type == VALUE_NIL)
                continue;
            if (p->time_default == (int)i)
                p->time_default = (int)k;
            p->fields[k++] = p->fields[i];
        }
        p->op.n_fields = k;
    }
    unsigned since;
    return body_check_op(&p->op, n->schema->version, &since, err);
}

/* A retried event without an explicit time takes the stored one, so that
 * the retry compares equal (a retried distribution is not counted
 * twice). */
static void adopt_stored_time(struct parsed *p, const uint8_t *content,
                              size_t len)
{
    if (p->time_default < 0)
        return;
    msgpack_unpacked u;
    if (mp_unpack(&u, content, len, NULL) != 0)
        return;
    const msgpack_object *items;
    size_t n;
    if (mp_array(&u.data, 0, HZ_FIELDS_MAX, &items, &n, "event", NULL) == 0) {
        for (size_t i = 0; i < n; i++) {
            const msgpack_object *f;
            size_t fn;
            struct hz_bytes name;
            struct value v;
            if (mp_array(&items[i], 2, 2, &f, &fn, "field", NULL) == 0 &&
                mp_str(&f[0], HZ_NAME_LEN_MAX, &name, "col", NULL) == 0 &&
                name.len == 4 && memcmp(name.p, "time", 4) == 0 &&
                mp_value(&f[1], &v, "time", NULL) == 0 && v.type == VALUE_INT)
                p->fields[p->time_default].val.i = v.i;
        }
    }
    msgpack_unpacked_destroy(&u);
}

/* Comparing a retried event with the stored one. */
struct again {
    struct parsed *p;
    bool same;
};

static void compare_event(void *data, const uint8_t *content, size_t len)
{
    struct again *a = data;
    struct parsed *p = a->p;
    adopt_stored_time(p, content, len);
    struct enc e;
    enc_init(&e);
    enc_array(&e, p->op.n_fields);
    for (size_t k = 0; k < p->op.n_fields; k++) {
        enc_array(&e, 2);
        enc_cstr(&e, p->op.table->cols[p->op.fields[k].col].name);
        enc_value(&e, &p->op.fields[k].val);
    }
    a->same = enc_done(&e) == 0 && enc_len(&e) == len &&
              memcmp(enc_data(&e), content, len) == 0;
    enc_close(&e);
}

/* An event written again: the same content is a no-op, other content an
 * error (DECISIONS 10). */
static int check_event_again(struct hz_node *n, struct parsed *p, bool *skip,
                             struct hz_err *err)
{
    struct again a = {p, false};
    bool found = false;
    int rv = events_content(n, p->op.table, p->op.row, compare_event, &a,
                            &found, err);
    *skip = rv == 0 && found && a.same;
    if (rv == 0 && found && !a.same)
        rv = hz_err_set(err, HZ_ECONFLICT, "%s row", p->op.table->name);
    return rv;
}

/* Read the heads this op supersedes (a set: per field; a delete: every
 * head of the row) into memory the op owns. */
static int fill_heads(struct hz_node *n, struct parsed *p,
                      uint8_t (*tmp)[HZ_HASH_LEN], struct hz_err *err)
{
    const struct table_def *t = p->op.table;
    parsed_close(p);
    if (p->op.kind == OP_INS)
        return 0;
    size_t total = 0;
    size_t counts[HZ_FIELDS_MAX];
    int rv = 0;
    if (p->op.kind == OP_DEL) {
        rv = fields_heads(n, t, p->op.row, NULL, tmp, HZ_SEEN_MAX, &total, err);
    } else {
        for (size_t k = 0; rv == 0 && k < p->op.n_fields; k++) {
            rv = fields_heads(n, t, p->op.row, t->cols[p->fields[k].col].name,
                              tmp + total, HZ_HEADS_MAX, &counts[k], err);
            total += counts[k];
        }
    }
    if (rv != 0)
        return rv;
    p->heads = malloc((total ? total : 1) * HZ_HASH_LEN);
    p->head_ptrs = malloc((total ? total : 1) * sizeof *p->head_ptrs);
    if (p->heads == NULL || p->head_ptrs == NULL)
        return hz_err_set(err, HZ_ENOMEM, "heads");
    memcpy(p->heads, tmp, total * HZ_HASH_LEN);
    for (size_t i = 0; i < total; i++)
        p->head_ptrs[i] = p->heads[i];
    if (p->op.kind == OP_DEL) {
        p->op.seen = p->head_ptrs;
        p->op.n_seen = total;
        return 0;
    }
    size_t at = 0;
    for (size_t k = 0; k < p->op.n_fields; k++) {
        p->fields[k].heads = p->head_ptrs + at;
        p->fields[k].n_heads = counts[k];
        at += counts[k];
    }
    return 0;
}

/* A place written here (sites, organisations, patrol points, hazards)
 * is degrees: latitude -90 to 90, longitude -180 to 180. Local writes
 * only, as the other checks of this chain: an entry from another node is
 * taken as the schema takes it, so that every replica converges. */
static int coords_check_write(const struct op *o, struct hz_err *err)
{
    const struct value *lat = body_op_value(o, "lat");
    const struct value *lon = body_op_value(o, "lon");
    bool lat_bad = lat != NULL && lat->type == VALUE_REAL &&
                   !(lat->r >= -90 && lat->r <= 90);
    bool lon_bad = lon != NULL && lon->type == VALUE_REAL &&
                   !(lon->r >= -180 && lon->r <= 180);
    if (!lat_bad && !lon_bad)
        return 0;
    /* the column first, so that a form can show it there */
    return hz_err_zh(err,
                     hz_err_set(err, HZ_EVALUE,
                                "%s: coordinates are degrees: latitude -90"
                                " to 90, longitude -180 to 180",
                                lat_bad ? "lat" : "lon"),
                     "坐标须为度: 纬度 -90 至 90，经度 -180 至 180");
}

static int check_target(struct hz_node *n, const struct parsed *p,
                        struct hz_err *err)
{
    if (p->op.kind == OP_INS)
        return 0;
    bool exists, deleted;
    int rv = rows_state(n, p->op.table, p->op.row, &exists, &deleted, err);
    if (rv != 0)
        return rv;
    if (deleted)
        return hz_err_set(err, HZ_EDELETED, "%s row", p->op.table->name);
    if (p->op.kind == OP_DEL && !exists)
        return hz_err_set(err, HZ_ENOTFOUND, "%s row", p->op.table->name);
    return 0;
}

/* Our next entry's seq, previous id and clock, read inside the
 * transaction that writes it (DECISIONS 6: nothing about our own chain
 * is cached across transactions). */
static int next_link(struct hz_node *n, struct entry *e, struct hz_err *err)
{
    uint64_t top = 0, seen = 0;
    int rv = log_top(n, n->id.pk, &top, err);
    if (rv == 0)
        rv = log_max_clock(n, &seen, err);
    bool found = true;
    if (rv == 0 && top > 0)
        rv = log_id_at(n, n->id.pk, top, e->prev, &found, err);
    if (rv == 0 && !found)
        rv = hz_err_set(err, HZ_ECORRUPT, "own chain");
    e->seq = top + 1;
    e->clock = clock_next(env_now_ms(n), seen);
    return rv;
}

int write_entry(struct hz_node *n, const struct body *b, struct hz_err *err)
{
    HZ_ASSERT(db_in_txn(&n->db));
    struct enc body;
    enc_init(&body);
    int rv = body_encode(b, &body);
    if (rv == 0 && enc_len(&body) > HZ_BODY_LEN_MAX)
        rv = hz_err_set(err, HZ_ETOOBIG, "body of %zu bytes", enc_len(&body));
    struct entry e = {0};
    if (rv == 0)
        rv = next_link(n, &e, err);
    if (rv != 0) {
        enc_close(&body);
        return rv;
    }
    e.version = HZ_ENTRY_VERSION;
    memcpy(e.network, n->network, HZ_NET_LEN);
    memcpy(e.author, n->id.pk, HZ_KEY_LEN);
    e.body = (struct hz_bytes){enc_data(&body), enc_len(&body)};
    struct enc out;
    enc_init(&out);
    rv = entry_sign(&e, n->id.sk, &out);
    enum ingest_result res = INGEST_DUPLICATE;
    if (rv == 0) {
        n->writing_own = true;
        rv = ingest_checked(n, &e, enc_data(&out), enc_len(&out), &res, err);
        n->writing_own = false;
    }
    if (rv == 0)
        memcpy(n->last_eid, e.id, HZ_HASH_LEN);
    if (rv == 0 && res == INGEST_DENIED && !n->keep_denied) {
        /* The denial's own code: a role, a revocation, no certificate. */
        HZ_ASSERT(n->denial.code != 0);
        rv = n->denial.code;
        if (err != NULL)
            *err = n->denial;
    } else if (rv == 0 && res != INGEST_APPLIED && res != INGEST_DENIED)
        rv = hz_err_set(err, HZ_ECORRUPT, "own entry not applied (%d)",
                        (int)res);
    enc_close(&out);
    enc_close(&body);
    return rv;
}

int write_trust(struct hz_node *n, enum op_kind kind, const uint8_t *obj,
                size_t len, struct hz_err *err)
{
    struct op o = {.kind = kind, .object = {obj, len}};
    return write_trust_ops(n, &o, 1, err);
}

int write_trust_ops(struct hz_node *n, struct op *ops, size_t count,
                    struct hz_err *err)
{
    struct body b = {
        .schema_version = 1, .n_ops = count, .ops = ops, .trust = 1};
    return write_entry(n, &b, err);
}

/* The recorded_by op of one entry of @b: a new row naming b->by. */
static int by_op(struct hz_node *n, const hz_batch *b, struct batch_op *bo,
                 struct parsed *p, struct hz_err *err)
{
    static char account[] = "account";
    memset(bo, 0, sizeof *bo);
    bo->kind = OP_INS;
    bo->table = schema_table_c(n->schema, "recorded_by");
    HZ_ASSERT(bo->table != NULL);
    env_random(n, bo->row, HZ_ROW_LEN);
    bo->n = 1;
    char *cols[1] = {account}, *vals[1] = {b->by};
    bo->cols = cols;
    bo->vals = vals;
    int rv = parse_op(n, b, bo, p, err);
    bo->cols = bo->vals = NULL; /* the arrays were this frame's */
    return rv;
}

/* Write ops[0..count) as entries of at most HZ_OPS_MAX ops, halving a
 * slice whose body would exceed the size limit. When @b names an account
 * (hz_batch_by), every entry ends with a recorded_by row naming it. */
static int write_ops(struct hz_node *n, const hz_batch *batch,
                     struct parsed *ps, size_t count, size_t *n_entries,
                     struct hz_err *err)
{
    size_t per = HZ_FIELDS_MAX * HZ_HEADS_MAX;
    if (per < HZ_SEEN_MAX)
        per = HZ_SEEN_MAX;
    uint8_t(*tmp)[HZ_HASH_LEN] = malloc(per * HZ_HASH_LEN);
    struct op *ops = calloc(count + 1, sizeof *ops);
    if (ops == NULL || tmp == NULL) {
        free(ops);
        free(tmp);
        return hz_err_set(err, HZ_ENOMEM, "ops");
    }
    size_t room = batch->by != NULL ? HZ_OPS_MAX - 1 : HZ_OPS_MAX;
    int rv = 0;
    size_t i = 0;
    while (rv == 0 && i < count) {
        size_t take = count - i < room ? count - i : room;
        struct batch_op bo;
        struct parsed by = {0};
        if (batch->by != NULL)
            rv = by_op(n, batch, &bo, &by, err);
        for (; rv == 0;) {
            for (size_t k = 0; rv == 0 && k < take; k++) {
                rv = fill_heads(n, &ps[i + k], tmp, err);
                ops[k] = ps[i + k].op;
            }
            if (rv != 0)
                break;
            size_t n_ops = take;
            if (batch->by != NULL)
                ops[n_ops++] = by.op;
            struct body b = {.schema_version = 0, .n_ops = n_ops, .ops = ops};
            b.schema_version = body_min_version(&b);
            struct enc sized;
            enc_init(&sized);
            rv = body_encode(&b, &sized);
            size_t len = enc_len(&sized);
            enc_close(&sized);
            if (rv == 0 && len > HZ_BODY_LEN_MAX && take > 1) {
                take /= 2;
                continue;
            }
            if (rv == 0)
                rv = write_entry(n, &b, err);
            break;
        }
        parsed_close(&by);
        if (rv == 0) {
            (*n_entries)++;
            i += take;
        }
    }
    free(ops);
    free(tmp);
    return rv;
}

int hz_batch_limit(hz_batch *b, const char *role, const char *site,
                   struct hz_err *err)
{
    memset(&b->as, 0, sizeof b->as);
    b->health_only = role != NULL && strcmp(role, "health") == 0;
    if (b->health_only)
        role = site != NULL && site[0] != '\0' ? "site" : "coordinator";
    if (role == NULL || cert_role_parse(role, &b->as.role) != 0)
        return hz_err_set(err, HZ_EINVAL, "no role %s",
                          role != NULL ? role : "(none)");
    b->as.has_site = site != NULL && site[0] != '\0';
    if (b->as.has_site &&
        (strlen(site) != 2 * HZ_ROW_LEN ||
         sodium_hex2bin(b->as.site, HZ_ROW_LEN, site, 2 * HZ_ROW_LEN, NULL,
                        NULL, NULL) != 0))
        return hz_err_set(err, HZ_EINVAL, "site id %s", site);
    if ((b->as.role == ROLE_SITE) != b->as.has_site)
        return hz_err_set(err, HZ_EINVAL, "a site role names its site");
    b->limited = true;
    return 0;
}

static int parse_all(struct hz_node *n, hz_batch *b, struct parsed *ps,
                     size_t *count, struct hz_err *err)
{
    *count = 0;
    for (size_t i = 0; i < b->n; i++) {
        struct parsed *p = &ps[*count];
        int rv = parse_op(n, b, &b->ops[i], p, err);
        if (rv == 0 && b->limited)
            rv = cert_allows(&b->as, &p->op, err);
        if (rv == 0 && b->health_only && !care_health_may_write(p->op.table))
            rv = hz_err_set(err, HZ_EPERM, "health may not write %s",
                            p->op.table->name);
        if (rv == 0)
            rv = check_target(n, p, err);
        bool skip = false;
        if (rv == 0 && p->op.kind == OP_INS)
            rv = check_event_again(n, p, &skip, err);
        if (rv == 0 && !skip &&
            strcmp(p->op.table->name, "volunteer_service") == 0)
            rv = social_check_service(n, &p->op, local_now_s(n),
                                      b->n > 1 ? CHECK_STATELESS : CHECK_BEFORE,
                                      err);
        if (rv == 0 && !skip && p->op.kind == OP_INS)
            rv = needs_check_write(n, &p->op, err);
        if (rv == 0 && !skip && p->op.kind == OP_INS)
            rv = donations_check_write(n, &p->op, err);
        if (rv == 0 && !skip && b->n == 1 &&
            strcmp(p->op.table->name, "warnings") == 0)
            rv = warn_check_delivery(n, &p->op, err);
        if (rv == 0 && !skip)
            rv = patrol_check_write(n, &p->op, err);
        if (rv == 0 && !skip)
            rv = recovery_check_write(n, &p->op, err);
        if (rv == 0 && !skip)
            rv = care_check_write(n, &p->op, err);
        if (rv == 0 && !skip)
            rv = coords_check_write(&p->op, err);
        if (rv != 0)
            return hz_err_wrap(err, "%s", b->ops[i].table->name);
        if (!skip)
            (*count)++;
    }
    return 0;
}

/* The checks of one row of a batch of several, once the batch is
 * applied (state.h, enum check_stage). */
static int check_applied(hz_node *n, const struct op *o, struct hz_err *err)
{
    if (o->kind != OP_INS)
        return 0;
    int rv = donations_check_applied(n, o, err);
    if (rv == 0 && strcmp(o->table->name, "volunteer_service") == 0)
        rv = social_check_service(n, o, 0, CHECK_APPLIED, err);
    if (rv == 0 && strcmp(o->table->name, "warnings") == 0)
        rv = warn_check_delivery(n, o, err);
    return rv != 0 ? hz_err_wrap(err, "%s", o->table->name) : 0;
}

int hz_node_commit(hz_node *n, hz_batch *b, size_t *n_entries,
                   struct hz_err *err)
{
    return write_commit_within(n, b, n_entries, NULL, NULL, err);
}

int write_commit_within(hz_node *n, hz_batch *b, size_t *n_entries,
                        int (*within)(hz_node *n, void *data,
                                      struct hz_err *err),
                        void *data, struct hz_err *err)
{
    size_t written = 0;
    if (n_entries != NULL)
        *n_entries = 0;
    if (n->flags & HZ_OPEN_READONLY)
        return hz_err_set(err, HZ_EREADONLY, "node opened read-only");
    if (b->n == 0 && within == NULL)
        return 0;
    struct parsed *ps = calloc(b->n ? b->n : 1, sizeof *ps);
    if (ps == NULL)
        return hz_err_set(err, HZ_ENOMEM, "commit");
    int rv = txn_begin(n, err);
    if (rv == 0)
        rv = node_check_writable(n, err);
    size_t count = 0;
    if (rv == 0)
        rv = parse_all(n, b, ps, &count, err);
    if (rv == 0)
        rv = write_ops(n, b, ps, count, &written, err);
    /* Each row was checked against the state before the batch; what the
     * batch's rows use together is checked once they are applied (a
     * batch of one row was checked whole already), and so are the rows
     * a batch of several may have written for each other (a check-in
     * and its check-out, a notice and its deliveries). */
    for (size_t i = 0; rv == 0 && b->n > 1 && i < count; i++)
        rv = check_applied(n, &ps[i].op, err);
    if (rv == 0 && within != NULL)
        rv = within(n, data, err);
    if (rv == 0)
        rv = txn_commit(n, err);
    if (rv != 0)
        txn_rollback(n);
    for (size_t i = 0; i < b->n; i++)
        parsed_close(&ps[i]);
    free(ps);
    if (rv == 0 && n_entries != NULL)
        *n_entries = written;
    return rv;
}
