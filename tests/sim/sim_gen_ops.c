/* sim_gen_ops.c - building one action's operations, committing them
 * through the public batch API, and recording in the model what was
 * written: each field write with the heads its writer had seen, each
 * tombstone with the writes it had seen, each event with its facts. */
#include "sim_gen.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const words[] = {
    "测试甲", "测试乙", "测试丙", "测试丁", "测试戊",
    "一号棚", "二号棚", "东区",   "西区",   "备用",
};

const struct table_def *gen_table(const char *name)
{
    return schema_table_c(schema_current(), name);
}

int gen_col(const struct table_def *t, const char *name)
{
    return schema_col_c(t, name);
}

char *gen_dup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

void gen_hex_of(const uint8_t *id, char *out)
{
    for (size_t i = 0; i < HZ_ROW_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

static int unhex(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

void gen_id_of_hex(const char *hex, uint8_t *id)
{
    for (size_t i = 0; i < HZ_ROW_LEN; i++)
        id[i] = (uint8_t)(unhex(hex[2 * i]) << 4 | unhex(hex[2 * i + 1]));
}

/* ---- building ops */

struct gen_op *gen_op_new(struct sim_world *w, struct gen_batch *b,
                          enum gen_kind kind, const struct table_def *t)
{
    if (b->n == OPS_MAX)
        sim_fail(w, "generator: batch full");
    struct gen_op *o = &b->ops[b->n++];
    memset(o, 0, sizeof *o);
    o->kind = kind;
    o->t = t;
    o->row = -1;
    o->ev = -1;
    o->proto.site = o->proto.item = o->proto.person = -1;
    o->proto.household = o->proto.closes = o->proto.reverses = -1;
    return o;
}

/* A new row: an id the library draws, or one the simulator chose. */
void gen_op_new_id(struct sim_world *w, struct gen_op *o, bool random_ok)
{
    o->random_id = random_ok && sim_chance(&w->rng, 50);
    for (size_t i = 0; i < HZ_ROW_LEN; i += 8) {
        uint64_t x = sim_rnd(&w->rng);
        memcpy(o->id + i, &x, 8);
    }
    gen_hex_of(o->id, o->hex);
}

void gen_op_row(struct gen_op *o, const struct m_row *r, size_t row)
{
    o->row = (long)row;
    memcpy(o->id, r->id, HZ_ROW_LEN);
    memcpy(o->hex, r->hex, sizeof o->hex);
}

void gen_field_add(struct sim_world *w, struct gen_op *o, const char *col,
                   const char *text, const char *canon)
{
    for (size_t k = 0; k < o->n; k++) {
        if (strcmp(o->f[k].col, col) == 0)
            sim_fail(w, "generator: column %s twice", col);
    }
    struct gen_field *f = &o->f[o->n++];
    snprintf(f->col, sizeof f->col, "%s", col);
    snprintf(f->text, sizeof f->text, "%s", text);
    f->canon = canon != NULL ? gen_dup(canon) : NULL;
}

bool gen_has_field(const struct gen_op *o, const char *col)
{
    for (size_t k = 0; k < o->n; k++) {
        if (strcmp(o->f[k].col, col) == 0)
            return true;
    }
    return false;
}

/* A random live row of @t in view @v, or -1. */
long gen_pick_row(struct sim_world *w, const struct sim_view *v,
                  const struct table_def *t, long except)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        if (m->rows[i].t != t || (long)i == except || !model_row_live(m, v, i))
            continue;
        if (sim_below(&w->rng, ++seen) == 0) /* reservoir of one */
            found = (long)i;
    }
    return found;
}

/* Most edits go to a few old rows every node knows, so that chains of
 * writes to one field, each made after seeing the one before, pile up
 * across authors. */
long gen_pick_hot_row(struct sim_world *w, const struct sim_view *v,
                      const struct table_def *t)
{
    if (!sim_chance(&w->rng, 60))
        return gen_pick_row(w, v, t, -1);
    const struct sim_model *m = w->model;
    long hot[2];
    size_t n = 0;
    for (size_t i = 0; i < m->n_rows && n < 2; i++) {
        if (m->rows[i].t == t && model_row_live(m, v, i))
            hot[n++] = (long)i;
    }
    return n == 0 ? -1 : hot[sim_below(&w->rng, n)];
}

long gen_pick_deleted_row(struct sim_world *w, const struct sim_view *v)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        if (model_row_deleted(m, v, i) && sim_below(&w->rng, ++seen) == 0)
            found = (long)i;
    }
    return found;
}

/* A value for a scalar column as a person might type it, with the
 * canonical form the model keeps. */
static void scalar(struct sim_world *w, const struct table_def *t, int c,
                   char *text, size_t cap, char *canon, size_t ccap)
{
    const struct col_def *cd = &t->cols[c];
    struct sim_rng *r = &w->rng;
    switch (cd->type) {
    case COL_TEXT:
        if (strcmp(cd->name, "id_number") == 0) {
            /* Local input takes only real ID numbers (schema.md). */
            static const char *const ids[] = {
                "11010519491231002X", "440304195805121237",
                "510107196203014566", "330102194508227891",
                "210202196001010017"};
            snprintf(text, cap, "%s", ids[sim_below(r, 5)]);
            snprintf(canon, ccap, "%s", text);
            return;
        }
        if (sim_chance(r, 50))
            snprintf(text, cap, "%s", words[sim_below(r, 10)]);
        else
            snprintf(text, cap, "%s%u", words[sim_below(r, 10)],
                     (unsigned)sim_below(r, 1000));
        snprintf(canon, ccap, "%s", text);
        return;
    case COL_INT: {
        int64_t lo = 0, hi = 12;
        if (strcmp(cd->name, "birth_year") == 0) {
            /* Not in the future even on a node whose clock says 1970. */
            lo = 1930;
            hi = 1971;
        } else if (strcmp(cd->name, "capacity") == 0) {
            hi = 40;
        }
        int64_t x = lo + (int64_t)sim_below(r, (uint64_t)(hi - lo + 1));
        snprintf(text, cap, "%" PRId64, x);
        snprintf(canon, ccap, "%" PRId64, x);
        return;
    }
    case COL_REAL: {
        static const char *const reals[] = {"0",   "12.5",    "37.25", "100",
                                            "1e2", "250.125", "3.5"};
        /* a place is degrees: a local write refuses anything else */
        static const char *const lats[] = {"0",   "12.5", "37.25", "-90",
                                           "1e1", "90",   "-3.5"};
        static const char *const lons[] = {"0",   "117.25", "-180", "180",
                                           "1e2", "-73.5",  "3.5"};
        const char *const *pick = strcmp(cd->name, "lat") == 0   ? lats
                                  : strcmp(cd->name, "lon") == 0 ? lons
                                                                 : reals;
        snprintf(text, cap, "%s", pick[sim_below(r, 7)]);
        snprintf(canon, ccap, "%.17g", strtod(text, NULL));
        return;
    }
    case COL_BOOL: {
        static const char *const yes[] = {"true", "yes", "1", "是", "y"};
        static const char *const no[] = {"false", "no", "0", "否", "n"};
        bool b = sim_chance(r, 50);
        snprintf(text, cap, "%s", (b ? yes : no)[sim_below(r, 5)]);
        snprintf(canon, ccap, "%s", b ? "true" : "false");
        return;
    }
    case COL_ENUM: {
        size_t n = 0;
        while (cd->values[n].name != NULL)
            n++;
        const struct enum_val *ev = &cd->values[sim_below(r, n)];
        uint64_t form = sim_below(r, 10);
        snprintf(text, cap, "%s",
                 form < 7   ? ev->name
                 : form < 9 ? ev->zh
                            : ev->en);
        snprintf(canon, ccap, "%s", ev->name);
        return;
    }
    case COL_ID:
        break;
    }
    sim_fail(w, "generator: no scalar for %s.%s", t->name, cd->name);
}

void gen_scalar_field(struct sim_world *w, struct gen_op *o, const char *col)
{
    char text[200], canon[200];
    scalar(w, o->t, gen_col(o->t, col), text, sizeof text, canon, sizeof canon);
    gen_field_add(w, o, col, text, canon);
}

void gen_enum_field(struct sim_world *w, struct gen_op *o, const char *col,
                    const char *name)
{
    const struct col_def *cd = &o->t->cols[gen_col(o->t, col)];
    for (const struct enum_val *ev = cd->values; ev->name; ev++) {
        if (strcmp(ev->name, name) != 0)
            continue;
        uint64_t form = sim_below(&w->rng, 10);
        gen_field_add(w, o, col,
                      form < 7   ? ev->name
                      : form < 9 ? ev->zh
                                 : ev->en,
                      ev->name);
        return;
    }
    sim_fail(w, "generator: no %s value %s", col, name);
}

void gen_ref_field(struct sim_world *w, struct gen_op *o, const char *col,
                   const char *hex)
{
    gen_field_add(w, o, col, hex, hex);
}

void gen_int_field(struct sim_world *w, struct gen_op *o, const char *col,
                   int64_t x)
{
    char text[32];
    snprintf(text, sizeof text, "%" PRId64, x);
    gen_field_add(w, o, col, text, text);
}

/* ---- committing and recording */

static void precompute(struct sim_world *w, struct gen_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        struct gen_op *o = &b->ops[i];
        if (o->kind == GEN_SET && o->row >= 0) {
            for (size_t k = 0; k < o->n; k++)
                o->n_sup[k] =
                    model_heads(w->model, b->v, (size_t)o->row,
                                gen_col(o->t, o->f[k].col), o->sup[k], 64);
        } else if (o->kind == GEN_DEL) {
            o->n_seen = model_row_head_entries(w->model, b->v, (size_t)o->row,
                                               o->seen, 256);
        }
    }
}

static void record_event(struct sim_world *w, const struct gen_batch *b,
                         struct gen_op *o, struct m_ref at)
{
    struct sim_model *m = w->model;
    if (o->ev >= 0) {
        model_event_source(m, (size_t)o->ev, at);
        return;
    }
    struct m_event *p = &o->proto;
    p->t = o->t;
    memcpy(p->id, o->id, HZ_ROW_LEN);
    p->n_fields = o->n;
    for (size_t k = 0; k < o->n; k++) {
        p->cols[k] = gen_dup(o->f[k].col);
        p->vals[k] = gen_dup(o->f[k].text);
        int c = gen_col(o->t, o->f[k].col);
        p->canon[c] = o->f[k].canon;
        o->f[k].canon = NULL;
    }
    int tc = gen_col(o->t, "time");
    if (p->canon[tc] == NULL) {
        char text[32];
        snprintf(text, sizeof text, "%" PRIu64,
                 w->nodes[b->node].wall_ms / 1000);
        p->canon[tc] = gen_dup(text);
    }
    size_t ev = model_event_add(m, p);
    model_event_source(m, ev, at);
}

static void record(struct sim_world *w, struct gen_batch *b, struct m_ref at)
{
    struct sim_model *m = w->model;
    for (size_t i = 0; i < b->n; i++) {
        struct gen_op *o = &b->ops[i];
        switch (o->kind) {
        case GEN_SET: {
            size_t row =
                o->row >= 0 ? (size_t)o->row : model_row_add(m, o->t, o->id);
            for (size_t k = 0; k < o->n; k++)
                model_write(m, row, gen_col(o->t, o->f[k].col), at,
                            o->f[k].canon, o->sup[k], o->n_sup[k]);
            break;
        }
        case GEN_DEL:
            model_tomb(m, (size_t)o->row, at, o->seen, o->n_seen);
            break;
        case GEN_INS:
            if (!o->noop)
                record_event(w, b, o, at);
            break;
        }
    }
}

void gen_batch_free(struct gen_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        for (size_t k = 0; k < b->ops[i].n; k++)
            free(b->ops[i].f[k].canon);
    }
}

static void put_ops(struct sim_world *w, struct gen_batch *b, hz_batch *hb)
{
    for (size_t i = 0; i < b->n; i++) {
        struct gen_op *o = &b->ops[i];
        struct hz_err err = {0};
        if (o->kind == GEN_DEL) {
            SIM_OK(w, hz_batch_del(hb, o->t->name, o->hex, &err), &err);
            continue;
        }
        struct hz_field fields[SIM_COLS_MAX];
        for (size_t k = 0; k < o->n; k++)
            fields[k] = (struct hz_field){o->f[k].col, o->f[k].text};
        char id_out[2 * HZ_ROW_LEN + 1] = "";
        SIM_OK(w,
               hz_batch_put(hb, o->t->name, o->random_id ? NULL : o->hex, o->n,
                            fields, id_out, &err),
               &err);
        if (o->random_id) {
            memcpy(o->hex, id_out, sizeof o->hex);
            gen_id_of_hex(o->hex, o->id);
        }
        SIM_CHECK(w, strcmp(id_out, o->hex) == 0,
                  "hz_batch_put gave id %s for %s", id_out, o->hex);
    }
}

/* What a write that must change nothing could have changed: the state
 * hash, the vector and the status counts (DECISIONS 25). */
struct snapshot {
    char hash[2 * HZ_HASH_LEN + 1];
    char *vector;
    char *status;
};

static void snapshot_take(struct sim_world *w, int node, struct snapshot *s)
{
    struct hz_err err = {0};
    hz_node *n = w->nodes[node].node;
    sim_state_hash(w, node, s->hash);
    SIM_OK(w, hz_node_vector(n, &s->vector, &err), &err);
    SIM_OK(w, hz_node_status(n, &s->status, &err), &err);
}

static void snapshot_same(struct sim_world *w, const struct gen_batch *b,
                          struct snapshot *before)
{
    struct snapshot after;
    snapshot_take(w, b->node, &after);
    bool hash = strcmp(before->hash, after.hash) == 0;
    bool vector = strcmp(before->vector, after.vector) == 0;
    bool status = strcmp(before->status, after.status) == 0;
    hz_free_string(before->vector);
    hz_free_string(before->status);
    hz_free_string(after.vector);
    hz_free_string(after.status);
    SIM_CHECK(w, hash && vector && status, "node %d %s changed the%s%s%s",
              b->node, b->what, hash ? "" : " state hash",
              vector ? "" : " vector", status ? "" : " status");
}

void gen_commit(struct sim_world *w, struct gen_batch *b)
{
    struct sim_node *n = &w->nodes[b->node];
    precompute(w, b);
    bool any = false;
    for (size_t i = 0; i < b->n; i++)
        any |= !b->ops[i].noop;
    bool nothing = b->expect != 0 || !any;
    struct snapshot before;
    if (nothing)
        snapshot_take(w, b->node, &before);
    hz_batch *hb = NULL;
    struct hz_err err = {0};
    SIM_OK(w, hz_batch_open(n->node, &hb, &err), &err);
    put_ops(w, b, hb);
    size_t n_entries = 99;
    int rv = hz_node_commit(n->node, hb, &n_entries, &err);
    hz_batch_close(hb);
    sim_trace(w, "node %d %s: %zu ops -> %s, %zu entries", b->node, b->what,
              b->n, rv ? hz_errname(rv) : "ok", n_entries);
    if (nothing) {
        SIM_CHECK(w, rv == b->expect,
                  "node %d %s: commit returned %s (%s), expected %s", b->node,
                  b->what, hz_errname(rv), err.msg,
                  b->expect ? hz_errname(b->expect) : "0");
        SIM_CHECK(w, n_entries == 0, "node %d %s: %zu entries written", b->node,
                  b->what, n_entries);
        snapshot_same(w, b, &before);
        if (b->expect != 0)
            w->stats.refusals++;
        else
            w->stats.noops++;
        return;
    }
    SIM_CHECK(w, rv == 0, "node %d %s: commit: %s (%s)", b->node, b->what,
              hz_errname(rv), err.msg);
    SIM_CHECK(w, n_entries == 1, "node %d %s: %zu entries, expected 1", b->node,
              b->what, n_entries);
    uint64_t seq = sim_wrote(w, b->node);
    record(w, b, (struct m_ref){b->node, seq});
    w->stats.writes++;
    w->stats.merges += b->tally.merges;
    w->stats.chains += b->tally.chains;
    w->stats.unmerges += b->tally.unmerges;
    w->stats.touched += b->tally.touched;
    w->stats.relief += b->tally.relief;
    w->stats.relief_to_dup += b->tally.relief_to_dup;
    w->stats.relief_reversed += b->tally.relief_reversed;
}
