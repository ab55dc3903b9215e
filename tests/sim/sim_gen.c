/* sim_gen.c - random local writes through the public API: every table,
 * new rows, edits of the same fields on different nodes (some at one
 * clock, so the author key orders them), vulnerability flags,
 * tombstones, events with the columns their table requires,
 * corrections, retries with the same id and content; duplicates merged
 * on purpose (chains, cycles, unmerges, crossed and raced merges on two
 * nodes) and events, relief among them, that name duplicates.
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

/* Up to @want fields of @o's row: mostly the columns people edit. */
static void edit_fields(struct sim_world *w, const struct gen_batch *b,
                        struct gen_op *o, size_t want)
{
    const char *const *hot = hot_of(o->t);
    size_t n_hot = 0;
    while (hot[n_hot] != NULL)
        n_hot++;
    for (size_t tries = 0; o->n < want && tries < 8; tries++) {
        int c = sim_chance(&w->rng, 70)
                    ? gen_col(o->t, hot[sim_below(&w->rng, n_hot)])
                    : (int)sim_below(&w->rng, o->t->n_cols);
        entity_field(w, b, o, c, true);
    }
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
    edit_fields(w, b, o, 1 + sim_below(&w->rng, 3));
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

/* ---- merges (DECISIONS 40; proto/schema.md, "Merged rows")
 *
 * A duplicate is merged by writing its merged_into to the id of the
 * record kept, and unmerged by writing it empty: an ordinary field,
 * merged like any other. The writes below make merges on purpose, with
 * the cases merge.md names: chains (C into B while B is in A), a record
 * that has duplicates merged on, a duplicate moved to another record,
 * cycles, unmerges, crossed merges on two nodes (write_crossed), and
 * edits, deletes, events and other merges racing them (write_race). */

/* Households or persons: one the node holds two live rows of, when it
 * holds two of either. */
static const struct table_def *merge_table(struct sim_world *w,
                                           const struct sim_view *v)
{
    bool h = sim_chance(&w->rng, 50);
    const struct table_def *t = gen_table(h ? "households" : "persons");
    size_t live = 0;
    for (size_t i = 0; i < w->model->n_rows && live < 2; i++)
        live += w->model->rows[i].t == t && model_row_live(w->model, v, i);
    return live == 2 ? t : gen_table(h ? "persons" : "households");
}

/* The row @row's merged_into names in view @v, or -1: empty, unset, or
 * a row the model has never seen. */
static long merged_target(struct sim_world *w, const struct sim_view *v,
                          size_t row)
{
    const struct table_def *t = w->model->rows[row].t;
    const char *to = model_value(w, v, row, gen_col(t, "merged_into"));
    if (to == NULL || to[0] == '\0')
        return -1;
    uint8_t id[HZ_ROW_LEN];
    gen_id_of_hex(to, id);
    return model_row_find(w->model, t, id);
}

/* A random live row of @t other than @except whose merged_into names a
 * row (a duplicate as written; the chain may still end at it), or -1. */
static long pick_duplicate(struct sim_world *w, const struct sim_view *v,
                           const struct table_def *t, long except)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        if (m->rows[i].t != t || (long)i == except ||
            !model_row_live(m, v, i) || merged_target(w, v, i) < 0)
            continue;
        if (sim_below(&w->rng, ++seen) == 0)
            found = (long)i;
    }
    return found;
}

/* A random live row of @t other than @except that a live row's
 * merged_into names (a record with duplicates), or -1. */
static long pick_merge_target(struct sim_world *w, const struct sim_view *v,
                              const struct table_def *t, long except)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        if (m->rows[i].t != t || !model_row_live(m, v, i))
            continue;
        long to = merged_target(w, v, i);
        if (to < 0 || to == except || !model_row_live(m, v, (size_t)to))
            continue;
        if (sim_below(&w->rng, ++seen) == 0)
            found = to;
    }
    return found;
}

/* The row an event names: often a duplicate, when the node has one, so
 * that stays, distributions, warnings and relief reach records through
 * their duplicates. */
static long pick_for_event(struct sim_world *w, const struct sim_view *v,
                           const struct table_def *t)
{
    if (sim_chance(&w->rng, 45)) {
        long d = pick_duplicate(w, v, t, -1);
        if (d >= 0)
            return d;
    }
    return gen_pick_row(w, v, t, -1);
}

/* merged_into of @o's row: the id of @into, or empty (-1: an unmerge). */
static void merge_field(struct sim_world *w, struct gen_op *o, long into)
{
    if (into < 0)
        gen_field_add(w, o, "merged_into", "", NULL);
    else
        gen_ref_field(w, o, "merged_into", w->model->rows[into].hex);
}

/* The same household or person registered again (at another site, or by
 * another cadre): a new row with the record's name and a few of its
 * fields, to be merged later; now and then merged at once. */
static bool act_register_twice(struct sim_world *w, struct gen_batch *b)
{
    bool h = sim_chance(&w->rng, 50);
    const struct table_def *t = gen_table(h ? "households" : "persons");
    long of = gen_pick_row(w, b->v, t, -1);
    if (of < 0)
        return false;
    static const char *const hcols[] = {"head_name", "village", "phone", NULL};
    static const char *const pcols[] = {"name",      "sex",       "birth_year",
                                        "id_number", "household", NULL};
    struct gen_op *o = gen_op_new(w, b, GEN_SET, t);
    gen_op_new_id(w, o, true);
    for (const char *const *c = h ? hcols : pcols; *c != NULL; c++) {
        const char *val = model_value(w, b->v, (size_t)of, gen_col(t, *c));
        if (val == NULL || val[0] == '\0')
            continue;
        if (strcmp(*c, "household") == 0) {
            uint8_t id[HZ_ROW_LEN];
            gen_id_of_hex(val, id);
            long hh = model_row_find(w->model, gen_table("households"), id);
            if (hh < 0 || !model_row_live(w->model, b->v, (size_t)hh))
                continue;
        }
        gen_field_add(w, o, *c, val, val);
    }
    if (o->n == 0)
        entity_field(w, b, o, gen_col(t, h ? "head_name" : "name"), false);
    if (sim_chance(&w->rng, 25)) {
        merge_field(w, o, of);
        b->tally.merges++;
    }
    b->what = "register again";
    return true;
}

/* Merge one live row into another of its table. */
static bool act_merge(struct sim_world *w, struct gen_batch *b)
{
    const struct table_def *t = merge_table(w, b->v);
    long dup = -1, keep = -1;
    bool chain = false;
    uint64_t mode = sim_below(&w->rng, 100);
    if (mode < 25) {
        /* Into a duplicate: C -> B while B -> A (or back into a cycle
         * when C is B's own record). */
        keep = pick_duplicate(w, b->v, t, -1);
        dup = keep < 0 ? -1 : gen_pick_row(w, b->v, t, keep);
        chain = true;
    } else if (mode < 45) {
        /* A record that has duplicates merged on: B -> A, then A -> C. */
        dup = pick_merge_target(w, b->v, t, -1);
        keep = dup < 0 ? -1 : gen_pick_row(w, b->v, t, dup);
        chain = true;
    } else if (mode < 60) {
        /* A duplicate moved to another record. */
        dup = pick_duplicate(w, b->v, t, -1);
        keep = dup < 0 ? -1 : gen_pick_row(w, b->v, t, dup);
    }
    if (dup < 0 || keep < 0) {
        chain = false;
        dup = gen_pick_row(w, b->v, t, -1);
        keep = dup < 0 ? -1 : gen_pick_row(w, b->v, t, dup);
    }
    if (dup < 0 || keep < 0)
        return false;
    if (sim_chance(&w->rng, 2))
        keep = dup; /* into itself, as only a careless client writes */
    struct gen_op *o = gen_op_new(w, b, GEN_SET, t);
    gen_op_row(o, &w->model->rows[dup], (size_t)dup);
    merge_field(w, o, keep);
    if (sim_chance(&w->rng, 25)) /* and the duplicate's news copied over */
        edit_fields(w, b, o, 2);
    if (keep != dup && sim_chance(&w->rng, 25)) { /* the record kept, too */
        struct gen_op *k = gen_op_new(w, b, GEN_SET, t);
        gen_op_row(k, &w->model->rows[keep], (size_t)keep);
        edit_fields(w, b, k, 1);
        if (k->n == 0)
            b->n--;
    }
    b->tally.merges++;
    b->tally.chains += chain;
    b->what = chain ? "merge (chain)" : "merge";
    return true;
}

/* A merge undone: merged_into written empty. */
static bool act_unmerge(struct sim_world *w, struct gen_batch *b)
{
    const struct table_def *t = merge_table(w, b->v);
    long dup = pick_duplicate(w, b->v, t, -1);
    if (dup < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_SET, t);
    gen_op_row(o, &w->model->rows[dup], (size_t)dup);
    merge_field(w, o, -1);
    b->tally.unmerges++;
    b->what = "unmerge";
    return true;
}

/* A record in a merge (a duplicate, or a record with duplicates) edited,
 * or deleted with a tombstone: a deleted record ends every chain
 * through it. */
static bool act_merge_touch(struct sim_world *w, struct gen_batch *b)
{
    const struct table_def *t = merge_table(w, b->v);
    long row = sim_chance(&w->rng, 50) ? pick_duplicate(w, b->v, t, -1)
                                       : pick_merge_target(w, b->v, t, -1);
    if (row < 0)
        return false;
    bool del = sim_chance(&w->rng, 35);
    struct gen_op *o = gen_op_new(w, b, del ? GEN_DEL : GEN_SET, t);
    gen_op_row(o, &w->model->rows[row], (size_t)row);
    if (!del) {
        edit_fields(w, b, o, 1 + sim_below(&w->rng, 2));
        if (o->n == 0) {
            b->n--;
            return false;
        }
    }
    b->tally.touched++;
    b->what = del ? "delete a merged record" : "edit a merged record";
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
        long h = pick_for_event(w, b->v, gen_table("households"));
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

static void check_in_op(struct sim_world *w, struct gen_batch *b, long person,
                        long site)
{
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("stays"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "person", w->model->rows[person].hex);
    gen_ref_field(w, o, "site", w->model->rows[site].hex);
    gen_enum_field(w, o, "kind", "in");
    time_field(w, b, o);
    o->proto.person = person;
    o->proto.site = site;
}

static bool act_check_in(struct sim_world *w, struct gen_batch *b)
{
    long person = pick_for_event(w, b->v, gen_table("persons"));
    long site = gen_pick_row(w, b->v, gen_table("sites"), -1);
    if (person < 0 || site < 0)
        return false;
    check_in_op(w, b, person, site);
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

static void warning_op(struct sim_world *w, struct gen_batch *b, long h)
{
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("warnings"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "household", w->model->rows[h].hex);
    gen_scalar_field(w, o, "method");
    gen_scalar_field(w, o, "notice");
    if (sim_chance(&w->rng, 40))
        gen_scalar_field(w, o, "by");
    time_field(w, b, o);
    o->proto.household = h;
}

static bool act_warning(struct sim_world *w, struct gen_batch *b)
{
    long h = pick_for_event(w, b->v, gen_table("households"));
    if (h < 0)
        return false;
    warning_op(w, b, h);
    b->what = "warning";
    return true;
}

/* Relief paid to household @h (schema version 4): a form of payment, and
 * cash, goods or both, in fen, so that the relief list sums exactly. A
 * few amounts are near the largest the schema takes. */
static int64_t fen(struct sim_world *w)
{
    if (sim_chance(&w->rng, 5))
        return INT64_C(1000000000000) - (int64_t)sim_below(&w->rng, 1000000);
    return 1 + (int64_t)sim_below(&w->rng, 500000);
}

static void relief_op(struct sim_world *w, struct gen_batch *b, long h)
{
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("relief"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "household", w->model->rows[h].hex);
    static const char *const methods[] = {"cash", "transfer", "in_kind",
                                          "mixed"};
    uint64_t method = sim_below(&w->rng, 4);
    gen_enum_field(w, o, "method", methods[method]);
    if (method != 2)
        gen_int_field(w, o, "cash_fen", fen(w));
    else if (sim_chance(&w->rng, 15))
        gen_int_field(w, o, "cash_fen", 0);
    if (method >= 2) {
        uint64_t goods = sim_below(&w->rng, 3); /* value, text or both */
        if (goods != 1)
            gen_int_field(w, o, "goods_fen", fen(w));
        if (goods != 0)
            gen_scalar_field(w, o, "goods");
    }
    if (sim_chance(&w->rng, 60))
        gen_scalar_field(w, o, "persons");
    if (sim_chance(&w->rng, 40))
        gen_scalar_field(w, o, "by");
    time_field(w, b, o);
    o->proto.household = h;
    b->tally.relief++;
    b->tally.relief_to_dup += merged_target(w, b->v, (size_t)h) >= 0;
}

static bool act_relief(struct sim_world *w, struct gen_batch *b)
{
    long h = pick_for_event(w, b->v, gen_table("households"));
    if (h < 0)
        return false;
    relief_op(w, b, h);
    b->what = "relief";
    return true;
}

/* Relief that pays nothing: refused (schema.md, "relief"). */
static bool act_bad_relief(struct sim_world *w, struct gen_batch *b)
{
    long h = gen_pick_row(w, b->v, gen_table("households"), -1);
    if (h < 0)
        return false;
    struct gen_op *o = gen_op_new(w, b, GEN_INS, gen_table("relief"));
    gen_op_new_id(w, o, true);
    gen_ref_field(w, o, "household", w->model->rows[h].hex);
    gen_enum_field(w, o, "method", sim_chance(&w->rng, 50) ? "cash" : "mixed");
    if (sim_chance(&w->rng, 50))
        gen_int_field(w, o, "cash_fen", 0);
    if (sim_chance(&w->rng, 50))
        gen_int_field(w, o, "goods_fen", 0);
    gen_int_field(w, o, "time", SIM_EVENT_TIME_BASE);
    b->expect = HZ_EVALUE;
    b->what = "relief of nothing (refused)";
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

/* A random event the node sees (@visible) or lacks, whose rows it could
 * refer to; of table @t, or of any with NULL. */
static long pick_event(struct sim_world *w, const struct sim_view *v,
                       bool visible, const struct table_def *t)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_events; i++) {
        if ((t == NULL || m->events[i].t == t) &&
            model_event_visible(m, v, i) == visible &&
            event_refs_live(w, v, &m->events[i]) &&
            sim_below(&w->rng, ++seen) == 0)
            found = (long)i;
    }
    return found;
}

/* A correction: the same facts, naming the event it reverses. */
static bool reverse_of(struct sim_world *w, struct gen_batch *b,
                       const struct table_def *t)
{
    long ev = pick_event(w, b->v, true, t);
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
    b->tally.relief_reversed += e->t == gen_table("relief");
    b->what = "reverse";
    return true;
}

static bool act_reverse(struct sim_world *w, struct gen_batch *b)
{
    return reverse_of(w, b, NULL);
}

/* Relief paid by mistake (or twice), corrected. */
static bool act_reverse_relief(struct sim_world *w, struct gen_batch *b)
{
    return reverse_of(w, b, gen_table("relief"));
}

/* The same event written again with the same id and content: a no-op on
 * a node that has it (a retried distribution is not counted twice), the
 * same row on one that does not. */
static bool act_retry(struct sim_world *w, struct gen_batch *b)
{
    bool visible = sim_chance(&w->rng, 75);
    long ev = pick_event(w, b->v, visible, NULL);
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
    long ev = pick_event(w, b->v, true, NULL);
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

/* ---- merges on several nodes at once */

/* Percent of random writes that are crossed or raced merges instead. */
#define MERGE_PAIR_PERCENT 5

static struct gen_batch *batch_on(struct sim_world *w, int node,
                                  const char *what)
{
    struct gen_batch *b = calloc(1, sizeof *b);
    if (b == NULL)
        abort();
    b->node = node;
    b->v = &w->nodes[node].view;
    b->what = what;
    return b;
}

/* Commit @b when it has anything to write; true when it had. */
static bool batch_commit(struct sim_world *w, struct gen_batch *b)
{
    bool any = b->n > 0;
    if (any)
        gen_commit(w, b);
    gen_batch_free(b);
    free(b);
    return any;
}

/* Two or three distinct nodes. */
static void pick_nodes(struct sim_world *w, int *v, int k)
{
    for (int i = 0; i < k; i++) {
        bool again = true;
        while (again) {
            v[i] = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
            again = false;
            for (int j = 0; j < i; j++)
                again |= v[j] == v[i];
        }
    }
}

static bool live_on(struct sim_world *w, const int *nodes, int k, long row)
{
    for (int i = 0; i < k; i++) {
        if (row < 0 ||
            !model_row_live(w->model, &w->nodes[nodes[i]].view, (size_t)row))
            return false;
    }
    return true;
}

/* A random row of @t live on all @k nodes, none of @except[0..n), and
 * (when @dup) a duplicate on the first; or -1. */
static long pick_shared(struct sim_world *w, const int *nodes, int k,
                        const struct table_def *t, const long *except, int n,
                        bool dup)
{
    const struct sim_model *m = w->model;
    long found = -1;
    size_t seen = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        bool skip = m->rows[i].t != t || !live_on(w, nodes, k, (long)i);
        for (int j = 0; j < n && !skip; j++)
            skip = except[j] == (long)i;
        if (skip || (dup && merged_target(w, &w->nodes[nodes[0]].view, i) < 0))
            continue;
        if (sim_below(&w->rng, ++seen) == 0)
            found = (long)i;
    }
    return found;
}

/* Crossed merges: node X merges A <- B (B.merged_into = A) while node Y,
 * not having seen it, merges B <- A; every node ends at the lower id
 * (DECISIONS 40). Sometimes three nodes close a cycle of three, and
 * sometimes two staff merge the same pair the same way. */
static bool write_crossed(struct sim_world *w)
{
    int k = w->n_nodes >= 3 && sim_chance(&w->rng, 25) ? 3 : 2;
    int nodes[3];
    pick_nodes(w, nodes, k);
    const struct table_def *t = merge_table(w, &w->nodes[nodes[0]].view);
    long rows[3];
    for (int i = 0; i < k; i++) {
        rows[i] = pick_shared(w, nodes, k, t, rows, i, false);
        if (rows[i] < 0)
            return false;
    }
    bool same = k == 2 && sim_chance(&w->rng, 20);
    sim_trace(w, "crossed merges of %s on %d nodes%s", t->name, k,
              same ? " (the same pair, the same way)" : "");
    for (int i = 0; i < k; i++) {
        int from = same ? 0 : i, to = same ? 1 : (i + 1) % k;
        struct gen_batch *b = batch_on(w, nodes[i], "crossed merge");
        struct gen_op *o = gen_op_new(w, b, GEN_SET, t);
        gen_op_row(o, &w->model->rows[rows[from]], (size_t)rows[from]);
        merge_field(w, o, rows[to]);
        b->tally.merges++;
        batch_commit(w, b);
    }
    w->stats.crossed++;
    return true;
}

/* A merge on node X raced, on node Y that has not seen it, by a delete
 * of either record, an edit of either, another merge or an unmerge of
 * the duplicate, or an event naming the duplicate (relief, a warning, a
 * check-in). */
static bool write_race(struct sim_world *w)
{
    int nodes[2];
    pick_nodes(w, nodes, 2);
    const struct table_def *t = merge_table(w, &w->nodes[nodes[0]].view);
    const struct sim_view *vy = &w->nodes[nodes[1]].view;
    long dup = sim_chance(&w->rng, 30)
                   ? pick_shared(w, nodes, 2, t, NULL, 0, true)
                   : -1;
    if (dup < 0)
        dup = pick_shared(w, nodes, 2, t, NULL, 0, false);
    long keep = dup < 0 ? -1 : pick_shared(w, nodes, 2, t, &dup, 1, false);
    if (keep < 0)
        return false;
    static const char *const kinds[] = {
        "delete the duplicate", "delete the record kept", "edit the duplicate",
        "edit the record kept", "merge it elsewhere",     "unmerge it",
        "an event naming it"};
    uint64_t kind = sim_below(&w->rng, 7);
    sim_trace(w, "node %d merges %s %.8s into %.8s; node %d: %s", nodes[0],
              t->name, w->model->rows[dup].hex, w->model->rows[keep].hex,
              nodes[1], kinds[kind]);
    struct gen_batch *bx = batch_on(w, nodes[0], "merge (raced)");
    struct gen_op *o = gen_op_new(w, bx, GEN_SET, t);
    gen_op_row(o, &w->model->rows[dup], (size_t)dup);
    merge_field(w, o, keep);
    bx->tally.merges++;
    struct gen_batch *by = batch_on(w, nodes[1], kinds[kind]);
    long row = kind == 1 || kind == 3 ? keep : dup;
    if (kind <= 1) {
        o = gen_op_new(w, by, GEN_DEL, t);
        gen_op_row(o, &w->model->rows[row], (size_t)row);
        by->tally.touched++;
    } else if (kind <= 3) {
        o = gen_op_new(w, by, GEN_SET, t);
        gen_op_row(o, &w->model->rows[row], (size_t)row);
        edit_fields(w, by, o, 1 + sim_below(&w->rng, 2));
        if (o->n == 0)
            by->n--;
        else
            by->tally.touched++;
    } else if (kind <= 5) {
        long other = kind == 5 ? -1 : gen_pick_row(w, vy, t, dup);
        if (kind == 4 && other < 0)
            other = keep;
        o = gen_op_new(w, by, GEN_SET, t);
        gen_op_row(o, &w->model->rows[dup], (size_t)dup);
        merge_field(w, o, other);
        by->tally.merges += other >= 0;
        by->tally.unmerges += other < 0;
    } else if (t == gen_table("households")) {
        if (sim_chance(&w->rng, 60))
            relief_op(w, by, dup);
        else
            warning_op(w, by, dup);
    } else {
        long site = gen_pick_row(w, vy, gen_table("sites"), -1);
        if (site >= 0)
            check_in_op(w, by, dup, site);
    }
    /* Either may commit first: neither node has seen the other's. */
    if (sim_chance(&w->rng, 50)) {
        batch_commit(w, bx);
        batch_commit(w, by);
    } else {
        batch_commit(w, by);
        batch_commit(w, bx);
    }
    w->stats.races++;
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
    {act_merge, 8, false},
    {act_register_twice, 2, false},
    {act_unmerge, 2, false},
    {act_merge_touch, 3, false},
    {act_relief, 6, false},
    {act_reverse_relief, 1, false},
    {act_retry, 4, false},
    {act_reuse_id, 1, true},
    {act_edit_deleted, 1, true},
    {act_ref_missing, 1, true},
    {act_bad_event, 1, true},
    {act_bad_relief, 1, true},
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
    if (w->n_nodes > 1 && sim_chance(&w->rng, MERGE_PAIR_PERCENT) &&
        (sim_chance(&w->rng, 40) ? write_crossed(w) : write_race(w)))
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
        struct gen_tally tally = b->tally;
        size_t a = pick_action(w);
        if (actions[a].alone || !actions[a].fn(w, b) || !rows_distinct(b)) {
            b->tally = tally;
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
