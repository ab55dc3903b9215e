/* sim_gen.c - random local writes through the public API: every table,
 * new rows, edits of the same fields on different nodes (some at one
 * clock, so the author key orders them), vulnerability flags,
 * tombstones, events with the columns their table requires,
 * corrections, retries with the same id and content.
 *
 * Local writes respect what the library checks on local input: they
 * reference rows the writing node holds and has not seen deleted, give
 * stock quantities the sign their kind requires, close only check-ins the
 * node holds. A few writes break a rule on purpose and must be refused
 * without changing anything. Every accepted write is recorded in the model
 * with the heads the writer had seen, computed by the model itself. */
#include "sim_gen.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- entity writes */

static const char *const hot_households[] = {"status", "members", "cadre",
                                             "notes", NULL};
static const char *const hot_persons[] = {
    "condition",    "elderly_mobility", "disabled",
    "no_caretaker", "left_behind",      "pregnant",
    "chronic",      "household",        NULL};
static const char *const hot_sites[] = {"capacity", "open", "name", "area_m2",
                                        NULL};
static const char *const hot_items[] = {"name", "unit", "category", NULL};

static const char *const *hot_of(const struct table_def *t)
{
    if (strcmp(t->name, "households") == 0)
        return hot_households;
    if (strcmp(t->name, "persons") == 0)
        return hot_persons;
    if (strcmp(t->name, "sites") == 0)
        return hot_sites;
    return hot_items;
}

/* Set column @c of an entity op to a random value, a reference to a live
 * row, or (sometimes) clear it. False when there is nothing to refer to. */
static bool entity_field(struct sim_world *w, const struct gen_batch *b,
                         struct gen_op *o, int c, bool may_clear)
{
    const struct col_def *cd = &o->t->cols[c];
    if (gen_has_field(o, cd->name))
        return true;
    if (may_clear && sim_chance(&w->rng, 10)) {
        gen_field_add(w, o, cd->name, "", NULL);
        return true;
    }
    if (cd->type == COL_ID) {
        const struct table_def *rt = gen_table(cd->ref_table);
        long r = gen_pick_row(w, b->v, rt, o->row);
        if (r < 0)
            return false;
        gen_ref_field(w, o, cd->name, w->model->rows[r].hex);
        return true;
    }
    gen_scalar_field(w, o, cd->name);
    return true;
}

static void create_fields(struct sim_world *w, const struct gen_batch *b,
                          struct gen_op *o, const char *const *always)
{
    for (size_t k = 0; always[k] != NULL; k++)
        entity_field(w, b, o, gen_col(o->t, always[k]), false);
    size_t extra = sim_below(&w->rng, 3);
    for (size_t k = 0; k < extra; k++)
        entity_field(w, b, o, (int)sim_below(&w->rng, o->t->n_cols), false);
}

static bool act_create_site(struct sim_world *w, struct gen_batch *b)
{
    struct gen_op *o = gen_op_new(w, b, GEN_SET, gen_table("sites"));
    gen_op_new_id(w, o, true);
    static const char *const cols[] = {"name", "kind", "capacity", NULL};
    create_fields(w, b, o, cols);
    b->what = "create site";
    return true;
}

static bool act_create_item(struct sim_world *w, struct gen_batch *b)
{
    struct gen_op *o = gen_op_new(w, b, GEN_SET, gen_table("items"));
    gen_op_new_id(w, o, true);
    static const char *const cols[] = {"name", "unit", NULL};
    create_fields(w, b, o, cols);
    b->what = "create item";
    return true;
}

/* A household registered with its members in one action. */
static bool act_create_household(struct sim_world *w, struct gen_batch *b)
{
    struct gen_op *h = gen_op_new(w, b, GEN_SET, gen_table("households"));
    size_t members = sim_below(&w->rng, 3);
    gen_op_new_id(w, h, members == 0);
    static const char *const cols[] = {"head_name", "village", "status", NULL};
    create_fields(w, b, h, cols);
    for (size_t k = 0; k < members; k++) {
        struct gen_op *p = gen_op_new(w, b, GEN_SET, gen_table("persons"));
        gen_op_new_id(w, p, true);
        gen_ref_field(w, p, "household", h->hex);
        static const char *const pcols[] = {"name", "sex", "birth_year", NULL};
        create_fields(w, b, p, pcols);
    }
    b->what = "register household";
    return true;
}

static bool act_create_person(struct sim_world *w, struct gen_batch *b)
{
    struct gen_op *p = gen_op_new(w, b, GEN_SET, gen_table("persons"));
    gen_op_new_id(w, p, true);
    static const char *const cols[] = {"name", "condition", NULL};
    create_fields(w, b, p, cols);
    b->what = "create person";
    return true;
}

static const struct table_def *entity_table(struct sim_world *w)
{
    static const char *const names[] = {"households", "persons", "persons",
                                        "sites", "items"};
    return gen_table(names[sim_below(&w->rng, 5)]);
}

/* A field of @row in conflict in the writer's view, or -1. */
static int conflicted_col(struct sim_world *w, const struct sim_view *v,
                          size_t row)
{
    const struct m_row *r = &w->model->rows[row];
    for (size_t c = 0; c < r->t->n_cols; c++) {
        size_t heads[64];
        if (model_heads(w->model, v, row, (int)c, heads, 64) > 1)
            return (int)c;
    }
    return -1;
}

static bool act_edit(struct sim_world *w, struct gen_batch *b)
{
    const struct table_def *t = entity_table(w);
    long row = gen_pick_hot_row(w, b->v, t);
    if (row < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_SET, t);
    gen_op_row(o, &w->model->rows[row], (size_t)row);
    int conflicted = conflicted_col(w, b->v, (size_t)row);
    if (conflicted >= 0 && sim_chance(&w->rng, 60))
        entity_field(w, b, o, conflicted, false); /* a person resolves it */
    size_t want = 1 + sim_below(&w->rng, 3);
    const char *const *hot = hot_of(t);
    size_t n_hot = 0;
    while (hot[n_hot] != NULL)
        n_hot++;
    for (size_t tries = 0; o->n < want && tries < 8; tries++) {
        int c = sim_chance(&w->rng, 70)
                    ? gen_col(t, hot[sim_below(&w->rng, n_hot)])
                    : (int)sim_below(&w->rng, t->n_cols);
        entity_field(w, b, o, c, true);
    }
    if (o->n == 0) {
        b->n--;
        return false;
    }
    b->what = "edit";
    return true;
}

/* Vulnerability flags are columns: two sites adding different flags
 * concurrently keep both (DECISIONS 11). */
static bool act_flags(struct sim_world *w, struct gen_batch *b)
{
    long row = gen_pick_hot_row(w, b->v, gen_table("persons"));
    if (row < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_SET, gen_table("persons"));
    gen_op_row(o, &w->model->rows[row], (size_t)row);
    static const char *const flags[] = {"elderly_mobility", "disabled",
                                        "no_caretaker",     "left_behind",
                                        "pregnant",         "chronic"};
    size_t n = 1 + sim_below(&w->rng, 2);
    for (size_t k = 0; k < n; k++) {
        const char *f = flags[sim_below(&w->rng, 6)];
        if (!gen_has_field(o, f))
            gen_field_add(w, o, f, sim_chance(&w->rng, 50) ? "是" : "yes",
                          "true");
    }
    b->what = "flag";
    return true;
}

static bool act_delete(struct sim_world *w, struct gen_batch *b)
{
    const struct table_def *t = entity_table(w);
    long row = gen_pick_row(w, b->v, t, -1);
    if (row < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_DEL, t);
    gen_op_row(o, &w->model->rows[row], (size_t)row);
    b->what = "delete";
    return true;
}

/* ---- events */

/* Event time: given explicitly, or left to the node's clock when that
 * clock is plausible (a node at 1970 must give it). */
static void time_field(struct sim_world *w, const struct gen_batch *b,
                       struct gen_op *o)
{
    int64_t wall_s = (int64_t)(w->nodes[b->node].wall_ms / 1000);
    bool plausible =
        wall_s >= SIM_EVENT_TIME_MIN && wall_s <= SIM_EVENT_TIME_MAX;
    if (plausible && sim_chance(&w->rng, 30))
        return;
    o->proto.time_given = true;
    gen_int_field(w, o, "time",
                  SIM_EVENT_TIME_BASE + (int64_t)sim_below(&w->rng, 10000000));
}

static bool act_stock(struct sim_world *w, struct gen_batch *b)
{
    long site = gen_pick_row(w, b->v, gen_table("sites"), -1);
    long item = gen_pick_row(w, b->v, gen_table("items"), -1);
    if (site < 0 || item < 0)
        return false;
    static const char *const kinds[] = {
        "received",    "donated", "distributed", "transfer_out",
        "transfer_in", "lost",    "counted"};
    const char *kind = kinds[sim_below(&w->rng, 7)];
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("stock_moves"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "site", w->model->rows[site].hex);
    gen_ref_field(w, o, "item", w->model->rows[item].hex);
    gen_enum_field(w, o, "kind", kind);
    int64_t q = 1 + (int64_t)sim_below(&w->rng, 50);
    bool in = strcmp(kind, "received") == 0 || strcmp(kind, "donated") == 0 ||
              strcmp(kind, "transfer_in") == 0;
    if (strcmp(kind, "counted") == 0) {
        /* A count records the adjustment against this node's view. */
        int64_t counted = (int64_t)sim_below(&w->rng, 101);
        gen_int_field(w, o, "counted", counted);
        q = counted - model_on_hand(w->model, b->v, site, item);
    } else if (!in) {
        q = -q;
    }
    gen_int_field(w, o, "qty", q);
    time_field(w, b, o);
    if (strcmp(kind, "distributed") == 0 && sim_chance(&w->rng, 60)) {
        long h = gen_pick_row(w, b->v, gen_table("households"), -1);
        if (h >= 0) {
            gen_ref_field(w, o, "household", w->model->rows[h].hex);
            o->proto.household = h;
        }
    }
    if (sim_chance(&w->rng, 30))
        gen_scalar_field(w, o, "reference");
    o->proto.site = site;
    o->proto.item = item;
    o->proto.qty = q;
    o->proto.distributed = strcmp(kind, "distributed") == 0;
    b->what = "stock move";
    return true;
}

static bool act_check_in(struct sim_world *w, struct gen_batch *b)
{
    long person = gen_pick_row(w, b->v, gen_table("persons"), -1);
    long site = gen_pick_row(w, b->v, gen_table("sites"), -1);
    if (person < 0 || site < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("stays"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "person", w->model->rows[person].hex);
    gen_ref_field(w, o, "site", w->model->rows[site].hex);
    gen_enum_field(w, o, "kind", "in");
    time_field(w, b, o);
    o->proto.person = person;
    o->proto.site = site;
    b->what = "check in";
    return true;
}

static bool event_refs_live(struct sim_world *w, const struct sim_view *v,
                            const struct m_event *e);

static bool act_check_out(struct sim_world *w, struct gen_batch *b)
{
    const struct sim_model *m = w->model;
    bool *counts = calloc(m->n_events + 1, sizeof *counts);
    bool *open = calloc(m->n_events + 1, sizeof *open);
    if (counts == NULL || open == NULL)
        abort();
    model_effective(m, b->v, counts, open);
    long in = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_events; i++) {
        if (open[i] && event_refs_live(w, b->v, &m->events[i]) &&
            sim_below(&w->rng, ++seen) == 0)
            in = (long)i;
    }
    free(counts);
    free(open);
    if (in < 0)
        return false;
    const struct m_event *e = &m->events[in];
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("stays"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "closes", e->hex);
    gen_ref_field(w, o, "person", m->rows[e->person].hex);
    gen_ref_field(w, o, "site", m->rows[e->site].hex);
    gen_enum_field(w, o, "kind", "out");
    time_field(w, b, o);
    o->proto.person = e->person;
    o->proto.site = e->site;
    o->proto.closes = in;
    o->proto.out = true;
    b->what = "check out";
    return true;
}

static bool act_warning(struct sim_world *w, struct gen_batch *b)
{
    long h = gen_pick_row(w, b->v, gen_table("households"), -1);
    if (h < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("warnings"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "household", w->model->rows[h].hex);
    gen_scalar_field(w, o, "method");
    gen_scalar_field(w, o, "notice");
    if (sim_chance(&w->rng, 40))
        gen_scalar_field(w, o, "by");
    time_field(w, b, o);
    o->proto.household = h;
    b->what = "warning";
    return true;
}

/* Every row an event's text refers to is one the node could refer to. */
static bool event_refs_live(struct sim_world *w, const struct sim_view *v,
                            const struct m_event *e)
{
    const struct sim_model *m = w->model;
    for (size_t c = 0; c < e->t->n_cols; c++) {
        const struct col_def *cd = &e->t->cols[c];
        if (cd->type != COL_ID || e->canon[c] == NULL)
            continue;
        uint8_t id[HZ_ROW_LEN];
        gen_id_of_hex(e->canon[c], id);
        const struct table_def *rt = gen_table(cd->ref_table);
        if (rt->kind == TABLE_EVENT) {
            long ev = model_event_find(m, rt, id);
            if (ev < 0 || !model_event_visible(m, v, (size_t)ev))
                return false;
        } else {
            long row = model_row_find(m, rt, id);
            if (row < 0 || !model_row_live(m, v, (size_t)row))
                return false;
        }
    }
    return true;
}

static long pick_event(struct sim_world *w, const struct sim_view *v,
                       bool visible)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_events; i++) {
        if (model_event_visible(m, v, i) == visible &&
            event_refs_live(w, v, &m->events[i]) &&
            sim_below(&w->rng, ++seen) == 0)
            found = (long)i;
    }
    return found;
}

/* A correction: the same facts, naming the event it reverses. */
static bool act_reverse(struct sim_world *w, struct gen_batch *b)
{
    long ev = pick_event(w, b->v, true);
    if (ev < 0)
        return false;
    const struct m_event *e = &w->model->events[ev];
    struct gen_op *o = gen_op_new(w, b, GEN_INS, e->t);
    gen_op_new_id(w, o, true);
    for (size_t c = 0; c < e->t->n_cols; c++) {
        if (e->canon[c] != NULL && strcmp(e->t->cols[c].name, "reverses"))
            gen_field_add(w, o, e->t->cols[c].name, e->canon[c], e->canon[c]);
    }
    gen_ref_field(w, o, "reverses", e->hex);
    o->proto = *e;
    memset(o->proto.cols, 0, sizeof o->proto.cols);
    memset(o->proto.vals, 0, sizeof o->proto.vals);
    memset(o->proto.canon, 0, sizeof o->proto.canon);
    o->proto.n_fields = 0;
    o->proto.src = NULL;
    o->proto.n_src = o->proto.src_cap = 0;
    o->proto.time_given = true;
    o->proto.reverses = ev;
    b->what = "reverse";
    return true;
}

/* The same event written again with the same id and content: a no-op on
 * a node that has it (a retried distribution is not counted twice), the
 * same row on one that does not. */
static bool act_retry(struct sim_world *w, struct gen_batch *b)
{
    bool visible = sim_chance(&w->rng, 75);
    long ev = pick_event(w, b->v, visible);
    if (ev < 0)
        return false;
    const struct m_event *e = &w->model->events[ev];
    int64_t wall_s = (int64_t)(w->nodes[b->node].wall_ms / 1000);
    bool plausible =
        wall_s >= SIM_EVENT_TIME_MIN && wall_s <= SIM_EVENT_TIME_MAX;
    /* Without its time, a retry takes the stored one; a node that lacks
     * the event would stamp its own. */
    if (!e->time_given && (!visible || !plausible))
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_INS, e->t);
    o->ev = ev;
    o->noop = visible;
    memcpy(o->id, e->id, HZ_ROW_LEN);
    memcpy(o->hex, e->hex, sizeof o->hex);
    for (size_t k = 0; k < e->n_fields; k++)
        gen_field_add(w, o, e->cols[k], e->vals[k], NULL);
    b->what = visible ? "retry (no-op)" : "same event elsewhere";
    return true;
}

/* Refused writes: they must change nothing. */
static bool act_reuse_id(struct sim_world *w, struct gen_batch *b)
{
    long ev = pick_event(w, b->v, true);
    if (ev < 0)
        return false;
    const struct m_event *e = &w->model->events[ev];
    struct gen_op *o = gen_op_new(w, b, GEN_INS, e->t);
    o->ev = ev;
    memcpy(o->hex, e->hex, sizeof o->hex);
    for (size_t c = 0; c < e->t->n_cols; c++) {
        const char *name = e->t->cols[c].name;
        if (e->canon[c] == NULL)
            continue;
        if (strcmp(name, "time") == 0) {
            gen_int_field(w, o, name, strtoll(e->canon[c], NULL, 10) + 1);
            continue;
        }
        gen_field_add(w, o, name, e->canon[c], NULL);
    }
    b->expect = HZ_ECONFLICT;
    b->what = "event id reused with other content (refused)";
    return true;
}

static bool act_edit_deleted(struct sim_world *w, struct gen_batch *b)
{
    long row = gen_pick_deleted_row(w, b->v);
    if (row < 0)
        return false;
    const struct m_row *r = &w->model->rows[row];
    bool del = sim_chance(&w->rng, 30);
    struct gen_op *o = gen_op_new(w, b, del ? GEN_DEL : GEN_SET, r->t);
    gen_op_row(o, r, (size_t)row);
    if (!del)
        gen_scalar_field(w, o, hot_of(r->t)[0]);
    b->expect = HZ_EDELETED;
    b->what = "write to a deleted row (refused)";
    return true;
}

static bool act_ref_missing(struct sim_world *w, struct gen_batch *b)
{
    const struct sim_model *m = w->model;
    long person = -1;
    for (size_t i = 0; i < m->n_rows && person < 0; i++) {
        if (strcmp(m->rows[i].t->name, "persons") == 0 &&
            !model_row_exists(m, b->v, i))
            person = (long)i;
    }
    long site = gen_pick_row(w, b->v, gen_table("sites"), -1);
    if (person < 0 || site < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("stays"));
    gen_op_new_id(w, o, false);
    gen_ref_field(w, o, "person", m->rows[person].hex);
    gen_ref_field(w, o, "site", m->rows[site].hex);
    gen_enum_field(w, o, "kind", "in");
    gen_int_field(w, o, "time", SIM_EVENT_TIME_BASE);
    b->expect = HZ_ENOTFOUND;
    b->what = "check-in of a person the node lacks (refused)";
    return true;
}

/* Events that break their table's rules: a quantity whose sign does not
 * fit its kind, a check-out that names no check-in. */
static bool act_bad_event(struct sim_world *w, struct gen_batch *b)
{
    long site = gen_pick_row(w, b->v, gen_table("sites"), -1);
    long item = gen_pick_row(w, b->v, gen_table("items"), -1);
    long person = gen_pick_row(w, b->v, gen_table("persons"), -1);
    if (site < 0 || item < 0 || person < 0)
        return false;
    const struct sim_model *m = w->model;
    struct gen_op *o;
    if (sim_chance(&w->rng, 50)) {
        o = gen_op_new(w, b, GEN_INS, gen_table("stock_moves"));
        gen_ref_field(w, o, "item", m->rows[item].hex);
        bool in = sim_chance(&w->rng, 50);
        gen_enum_field(w, o, "kind", in ? "received" : "distributed");
        gen_int_field(w, o, "qty", in ? -5 : 5);
        b->what = "stock move of the wrong sign (refused)";
    } else {
        o = gen_op_new(w, b, GEN_INS, gen_table("stays"));
        gen_ref_field(w, o, "person", m->rows[person].hex);
        gen_enum_field(w, o, "kind", "out");
        b->what = "check-out that closes nothing (refused)";
    }
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "site", m->rows[site].hex);
    gen_int_field(w, o, "time", SIM_EVENT_TIME_BASE);
    b->expect = HZ_EVALUE;
    return true;
}

/* ---- concurrent writes at one clock */

/* Percent of random writes that are a tied pair instead. */
#define TIED_PERCENT 4

/* The highest clock in @node's log (the prefixes it has applied): what
 * its clock_next follows. */
static uint64_t seen_max(struct sim_world *w, int node)
{
    uint64_t m = 0;
    for (int a = 0; a < w->n_nodes; a++) {
        for (uint64_t q = 1; q <= w->nodes[node].view.top[a]; q++) {
            uint64_t c = sim_entry(w, sim_entry_of(w, a, q))->clock;
            m = c > m ? c : m;
        }
    }
    return m;
}

/* One node's half of a tied pair: columns @cols of @row, committed as one
 * action. False when it wrote nothing. */
static bool tied_half(struct sim_world *w, int node, long row, const int *cols,
                      size_t n_cols)
{
    struct gen_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        abort();
    b->node = node;
    b->v = &w->nodes[node].view;
    b->what = "edit at a tied clock";
    const struct m_row *r = &w->model->rows[row];
    struct gen_op *o = gen_op_new(w, b, GEN_SET, r->t);
    gen_op_row(o, r, (size_t)row);
    for (size_t k = 0; k < n_cols; k++)
        entity_field(w, b, o, cols[k], false);
    bool wrote = o->n > 0;
    if (wrote)
        gen_commit(w, b);
    gen_batch_free(b);
    free(b);
    return wrote;
}

/* Two nodes edit the same fields of one row, neither having seen the
 * other's edit, at one clock: for these two writes both wall clocks read
 * one instant past every clock either node has seen, so clock_next gives
 * both wall << 16 (entry.md, "Clock"). The two heads tie on the clock and
 * the author key orders them (merge.md, "Field writes"). The clocks go
 * back afterwards, as after a reset battery. */
static bool write_tied(struct sim_world *w)
{
    int x = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
    int y = (int)sim_below(&w->rng, (uint64_t)w->n_nodes - 1);
    y += y >= x;
    const struct table_def *t = entity_table(w);
    long row = gen_pick_hot_row(w, &w->nodes[x].view, t);
    if (row < 0 || !model_row_live(w->model, &w->nodes[y].view, (size_t)row))
        return false;
    const char *const *hot = hot_of(t);
    size_t n_hot = 0;
    while (hot[n_hot] != NULL)
        n_hot++;
    int cols[2];
    size_t n_cols = 1 + (size_t)sim_below(&w->rng, 2);
    cols[0] = gen_col(t, hot[sim_below(&w->rng, n_hot)]);
    cols[1] = gen_col(t, hot[sim_below(&w->rng, n_hot)]);
    if (cols[1] == cols[0])
        n_cols = 1;
    uint64_t sx = seen_max(w, x), sy = seen_max(w, y);
    uint64_t at = ((sx > sy ? sx : sy) >> 16) + 1;
    uint64_t wall_x = w->nodes[x].wall_ms, wall_y = w->nodes[y].wall_ms;
    at = at > wall_x ? at : wall_x;
    at = at > wall_y ? at : wall_y;
    w->nodes[x].wall_ms = w->nodes[y].wall_ms = at;
    sim_trace(w, "nodes %d and %d edit %s %.8s at one clock (%" PRIu64 " ms)",
              x, y, t->name, w->model->rows[row].hex, at);
    uint64_t qx = sim_next_seq(w, x), qy = sim_next_seq(w, y);
    bool both = tied_half(w, x, row, cols, n_cols) &&
                tied_half(w, y, row, cols, n_cols);
    w->nodes[x].wall_ms = wall_x;
    w->nodes[y].wall_ms = wall_y;
    if (!both)
        return true;
    uint64_t cx = sim_entry(w, sim_entry_of(w, x, qx))->clock;
    uint64_t cy = sim_entry(w, sim_entry_of(w, y, qy))->clock;
    SIM_CHECK(w, cx == at << 16 && cy == at << 16,
              "tied writes %d#%" PRIu64 " and %d#%" PRIu64
              " have clocks %" PRIu64 " and %" PRIu64 ", not %" PRIu64,
              x, qx, y, qy, cx, cy, at << 16);
    w->stats.tied_writes++;
    return true;
}

typedef bool (*action_fn)(struct sim_world *w, struct gen_batch *b);

static const struct {
    action_fn fn;
    unsigned weight;
    bool alone; /* refused writes stand alone in their batch */
} actions[] = {
    {act_create_site, 4, false},
    {act_create_item, 4, false},
    {act_create_household, 6, false},
    {act_create_person, 3, false},
    {act_edit, 26, false},
    {act_flags, 6, false},
    {act_delete, 3, false},
    {act_stock, 14, false},
    {act_check_in, 9, false},
    {act_check_out, 7, false},
    {act_warning, 4, false},
    {act_reverse, 5, false},
    {act_retry, 4, false},
    {act_reuse_id, 1, true},
    {act_edit_deleted, 1, true},
    {act_ref_missing, 1, true},
    {act_bad_event, 1, true},
};
#define N_ACTIONS (sizeof actions / sizeof actions[0])

static size_t pick_action(struct sim_world *w)
{
    unsigned total = 0;
    for (size_t i = 0; i < N_ACTIONS; i++)
        total += actions[i].weight;
    unsigned r = (unsigned)sim_below(&w->rng, total);
    for (size_t i = 0; i < N_ACTIONS; i++) {
        if (r < actions[i].weight)
            return i;
        r -= actions[i].weight;
    }
    return 0;
}

/* A row may appear once per action. */
static bool rows_distinct(const struct gen_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        for (size_t j = i + 1; j < b->n; j++) {
            if (b->ops[i].t == b->ops[j].t &&
                strcmp(b->ops[i].hex, b->ops[j].hex) == 0 &&
                !b->ops[i].random_id && !b->ops[j].random_id)
                return false;
        }
    }
    return true;
}

void sim_write_random(struct sim_world *w)
{
    if (w->n_nodes > 1 && sim_chance(&w->rng, TIED_PERCENT) && write_tied(w))
        return;
    struct gen_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        abort();
    b->node = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
    b->v = &w->nodes[b->node].view;
    /* Early on, give the network something to work with. */
    bool built = false;
    for (int tries = 0; tries < 6 && !built; tries++) {
        size_t a = pick_action(w);
        built = actions[a].fn(w, b);
        if (built && actions[a].alone)
            break;
        if (!built && tries == 5) {
            static const action_fn starters[] = {
                act_create_site, act_create_item, act_create_household};
            built = starters[sim_below(&w->rng, 3)](w, b);
        }
    }
    /* Sometimes one action does two things (an edit and an event). */
    if (built && b->expect == 0 && b->n < OPS_MAX - 3 &&
        sim_chance(&w->rng, 15)) {
        size_t saved = b->n;
        size_t a = pick_action(w);
        if (actions[a].alone || !actions[a].fn(w, b) || !rows_distinct(b)) {
            for (size_t i = saved; i < b->n; i++) {
                for (size_t k = 0; k < b->ops[i].n; k++)
                    free(b->ops[i].f[k].canon);
            }
            b->n = saved;
        }
        b->what = "combined action";
    }
    gen_commit(w, b);
    gen_batch_free(b);
    free(b);
}
