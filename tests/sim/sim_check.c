/* sim_check.c - checks of nodes against the reference model, and of
 * nodes against each other once every entry has reached every node.
 *
 * Each check reads the node through its public reads (hz_node_ls, _get,
 * _view, _report, _conflicts, _vector, _status) and compares with what
 * the model derives from the operations the simulator generated and the
 * entries it delivered to that node. */
#include "sim.h"

#include "core/limits.h"
#include "store/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON helpers */

/* The model's canonical text of a JSON scalar; NULL for null. */
static char *canon_json(const json_t *j)
{
    char buf[64];
    if (j == NULL)
        return NULL;
    switch (json_typeof(j)) {
    case JSON_STRING:
        return strdup(json_string_value(j));
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT,
                 json_integer_value(j));
        return strdup(buf);
    case JSON_REAL:
        snprintf(buf, sizeof buf, "%.17g", json_real_value(j));
        return strdup(buf);
    case JSON_TRUE:
        return strdup("true");
    case JSON_FALSE:
        return strdup("false");
    default:
        return NULL;
    }
}

static const char *str_of(struct sim_world *w, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    SIM_CHECK(w, json_is_string(v), "JSON: %s is not a string", key);
    return json_string_value(v);
}

static int64_t int_of(struct sim_world *w, const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    SIM_CHECK(w, json_is_integer(v), "JSON: %s is not an integer", key);
    return (int64_t)json_integer_value(v);
}

static void id_of(struct sim_world *w, const char *hex, uint8_t *id, size_t len)
{
    SIM_CHECK(w, strlen(hex) == 2 * len, "JSON: id %s", hex);
    for (size_t i = 0; i < len; i++) {
        unsigned x;
        SIM_CHECK(w, sscanf(hex + 2 * i, "%2x", &x) == 1, "JSON: id %s", hex);
        id[i] = (uint8_t)x;
    }
}

/* ---- entries, vector, status */

static void check_vector(struct sim_world *w, int x)
{
    const struct sim_node *n = &w->nodes[x];
    struct hz_err err = {0};
    char *text = NULL;
    int rv = hz_node_vector(n->node, &text, &err);
    json_t *j = sim_json(w, "vector", rv, text, &err);
    const json_t *authors = json_object_get(j, "authors");
    size_t want = 0;
    for (int a = 0; a < w->n_nodes; a++)
        want += n->view.top[a] > 0;
    SIM_CHECK(w, json_array_size(authors) == want,
              "node %d vector lists %zu authors, model %zu", x,
              json_array_size(authors), want);
    for (size_t i = 0; i < json_array_size(authors); i++) {
        const json_t *o = json_array_get(authors, i);
        const char *key = str_of(w, o, "author");
        int a = -1;
        for (int k = 0; k < w->n_nodes; k++) {
            if (strcmp(w->nodes[k].key_hex, key) == 0)
                a = k;
        }
        SIM_CHECK(w, a >= 0 && n->view.top[a] > 0,
                  "node %d vector lists author %.8s", x, key);
        SIM_CHECK(w, (uint64_t)int_of(w, o, "seq") == n->view.top[a],
                  "node %d vector: author %d at %" PRId64 ", model %" PRIu64, x,
                  a, int_of(w, o, "seq"), n->view.top[a]);
        char hex[2 * HZ_HASH_LEN + 1];
        const struct sim_entry *e =
            sim_entry(w, sim_entry_of(w, a, n->view.top[a]));
        for (size_t k = 0; k < HZ_HASH_LEN; k++)
            snprintf(hex + 2 * k, 3, "%02x", e->id[k]);
        SIM_CHECK(w, strcmp(str_of(w, o, "hash"), hex) == 0,
                  "node %d vector: hash of author %d", x, a);
    }
    json_decref(j);
}

/* Skew is a local observation: an author is flagged once an entry of
 * theirs was applied while its clock was further than the limit from our
 * wall time. */
static bool model_skewed(struct sim_world *w, int x, int a)
{
    const struct sim_seqs *s = &w->nodes[x].seqs[a];
    for (uint64_t q = 1; q <= w->nodes[x].view.top[a]; q++) {
        uint64_t ms = sim_entry(w, sim_entry_of(w, a, q))->clock >> 16;
        uint64_t wall = s->applied_wall[q];
        uint64_t d = ms > wall ? ms - wall : wall - ms;
        if (d > HZ_CLOCK_SKEW_MS_MAX)
            return true;
    }
    return false;
}

static int64_t int_or_zero(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

static void check_status(struct sim_world *w, int x)
{
    const struct sim_node *n = &w->nodes[x];
    struct hz_err err = {0};
    char *text = NULL;
    int rv = hz_node_status(n->node, &text, &err);
    json_t *j = sim_json(w, "status", rv, text, &err);
    const json_t *e = json_object_get(j, "entries");
    uint64_t total = 0;
    for (int a = 0; a < w->n_nodes; a++)
        total += n->view.top[a];
    SIM_CHECK(w,
              (uint64_t)int_or_zero(e, "total") == total &&
                  (uint64_t)int_or_zero(e, "applied") == total &&
                  int_or_zero(e, "rejected") == 0 &&
                  int_or_zero(e, "held") == 0 &&
                  int_or_zero(e, "stopped") == 0 &&
                  (uint64_t)int_or_zero(e, "pending") == n->n_pending &&
                  int_or_zero(e, "fork_evidence") == 0,
              "node %d status entries: total %" PRId64 " applied %" PRId64
              " pending %" PRId64 "; model %" PRIu64 " applied, %zu pending",
              x, int_or_zero(e, "total"), int_or_zero(e, "applied"),
              int_or_zero(e, "pending"), total, n->n_pending);
    /* Missing ranges: per author with pending entries, from our top + 1
     * to just below the lowest pending seq. */
    const json_t *missing = json_object_get(j, "missing");
    size_t want_missing = 0;
    for (int a = 0; a < w->n_nodes; a++) {
        const struct sim_seqs *s = &n->seqs[a];
        uint64_t low = 0, waiting = 0;
        for (uint64_t q = n->view.top[a] + 1; q < s->cap; q++) {
            if (s->held[q]) {
                waiting++;
                if (low == 0)
                    low = q;
            }
        }
        if (waiting == 0)
            continue;
        want_missing++;
        bool found = false;
        for (size_t i = 0; i < json_array_size(missing); i++) {
            const json_t *o = json_array_get(missing, i);
            if (strcmp(str_of(w, o, "author"), w->nodes[a].key_hex) != 0)
                continue;
            found = true;
            SIM_CHECK(
                w,
                (uint64_t)int_of(w, o, "from_seq") == n->view.top[a] + 1 &&
                    (uint64_t)int_of(w, o, "to_seq") == low - 1 &&
                    (uint64_t)int_of(w, o, "waiting") == waiting,
                "node %d missing range of author %d: %" PRId64 "..%" PRId64
                " (%" PRId64 " waiting), model %" PRIu64 "..%" PRIu64
                " (%" PRIu64 ")",
                x, a, int_of(w, o, "from_seq"), int_of(w, o, "to_seq"),
                int_of(w, o, "waiting"), n->view.top[a] + 1, low - 1, waiting);
        }
        SIM_CHECK(w, found, "node %d status misses author %d's gap", x, a);
    }
    SIM_CHECK(w, json_array_size(missing) == want_missing,
              "node %d status lists %zu gaps, model %zu", x,
              json_array_size(missing), want_missing);
    SIM_CHECK(w, json_array_size(json_object_get(j, "rejected")) == 0,
              "node %d rejected entries", x);
    SIM_CHECK(w, json_array_size(json_object_get(j, "forks")) == 0,
              "node %d reports forks", x);
    const json_t *skewed = json_object_get(j, "skewed_authors");
    size_t want_skewed = 0;
    for (int a = 0; a < w->n_nodes; a++) {
        bool want = model_skewed(w, x, a);
        want_skewed += want;
        bool listed = false;
        for (size_t i = 0; i < json_array_size(skewed); i++) {
            listed |= strcmp(str_of(w, json_array_get(skewed, i), "author"),
                             w->nodes[a].key_hex) == 0;
        }
        SIM_CHECK(w, listed == want,
                  "node %d (clock %" PRIu64 ") %s author %d as skewed", x,
                  w->nodes[x].wall_ms, listed ? "lists" : "does not list", a);
    }
    SIM_CHECK(w, json_array_size(skewed) == want_skewed,
              "node %d lists %zu skewed authors, model %zu", x,
              json_array_size(skewed), want_skewed);
    json_decref(j);
}

/* ---- rows */

static void check_entity_row(struct sim_world *w, int x, size_t row,
                             const json_t *o)
{
    const struct m_row *r = &w->model->rows[row];
    const struct sim_view *v = &w->nodes[x].view;
    for (size_t c = 0; c < r->t->n_cols; c++) {
        const char *col = r->t->cols[c].name;
        const char *want = model_value(w, v, row, (int)c);
        char *got = canon_json(json_object_get(o, col));
        bool same = (want == NULL && got == NULL) ||
                    (want != NULL && got != NULL && strcmp(want, got) == 0);
        if (!same) {
            size_t heads[64];
            size_t nh = model_heads(w->model, v, row, (int)c, heads, 64);
            sim_fail(w, "node %d %s %.8s.%s = %s, model %s (%zu heads)", x,
                     r->t->name, r->hex, col, got ? got : "(none)",
                     want ? want : "(none)", nh);
        }
        free(got);
    }
}

static void check_entity_table(struct sim_world *w, int x,
                               const struct table_def *t)
{
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[x].view;
    struct hz_err err = {0};
    char *text = NULL;
    int rv = hz_node_ls(w->nodes[x].node, t->name, 0, NULL, &text, &err);
    json_t *j = sim_json(w, "ls", rv, text, &err);
    size_t live = 0;
    for (size_t i = 0; i < m->n_rows; i++)
        live += m->rows[i].t == t && model_row_live(m, v, i);
    SIM_CHECK(w, json_array_size(j) == live, "node %d lists %zu %s, model %zu",
              x, json_array_size(j), t->name, live);
    for (size_t i = 0; i < json_array_size(j); i++) {
        const json_t *o = json_array_get(j, i);
        uint8_t id[HZ_ROW_LEN];
        id_of(w, str_of(w, o, "id"), id, HZ_ROW_LEN);
        long row = model_row_find(m, t, id);
        SIM_CHECK(w, row >= 0 && model_row_live(m, v, (size_t)row),
                  "node %d lists %s %.8s that the model lacks", x, t->name,
                  str_of(w, o, "id"));
        check_entity_row(w, x, (size_t)row, o);
    }
    json_decref(j);
    /* Deleted rows: get says so, and shows no values. */
    for (size_t i = 0; i < m->n_rows; i++) {
        if (m->rows[i].t != t || !model_row_deleted(m, v, i))
            continue;
        text = NULL;
        rv =
            hz_node_get(w->nodes[x].node, t->name, m->rows[i].hex, &text, &err);
        SIM_CHECK(w, rv == HZ_EDELETED, "node %d get of deleted %s %.8s: %s", x,
                  t->name, m->rows[i].hex, hz_errname(rv));
        json_t *o = sim_json(w, "get", 0, text, &err);
        SIM_CHECK(w,
                  json_is_true(json_object_get(o, "deleted")) &&
                      json_object_size(o) == 2,
                  "node %d deleted %s %.8s shows values", x, t->name,
                  m->rows[i].hex);
        json_decref(o);
    }
}

static void check_event_table(struct sim_world *w, int x,
                              const struct table_def *t)
{
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[x].view;
    struct hz_err err = {0};
    char *text = NULL;
    int rv = hz_node_ls(w->nodes[x].node, t->name, 0, NULL, &text, &err);
    json_t *j = sim_json(w, "ls", rv, text, &err);
    size_t visible = 0;
    for (size_t i = 0; i < m->n_events; i++)
        visible += m->events[i].t == t && model_event_visible(m, v, i);
    SIM_CHECK(w, json_array_size(j) == visible,
              "node %d lists %zu %s, model %zu", x, json_array_size(j), t->name,
              visible);
    for (size_t i = 0; i < json_array_size(j); i++) {
        const json_t *o = json_array_get(j, i);
        uint8_t id[HZ_ROW_LEN];
        id_of(w, str_of(w, o, "id"), id, HZ_ROW_LEN);
        long ev = model_event_find(m, t, id);
        SIM_CHECK(w, ev >= 0 && model_event_visible(m, v, (size_t)ev),
                  "node %d lists %s %.8s that the model lacks", x, t->name,
                  str_of(w, o, "id"));
        const struct m_event *e = &m->events[ev];
        for (size_t c = 0; c < t->n_cols; c++) {
            char *got = canon_json(json_object_get(o, t->cols[c].name));
            const char *want = e->canon[c];
            bool same = (want == NULL && got == NULL) ||
                        (want != NULL && got != NULL && strcmp(want, got) == 0);
            if (!same)
                sim_fail(w, "node %d %s %.8s.%s = %s, model %s", x, t->name,
                         e->hex, t->cols[c].name, got ? got : "(none)",
                         want ? want : "(none)");
            free(got);
        }
    }
    json_decref(j);
}

/* ---- derived quantities */

static json_t *view_json(struct sim_world *w, int x, const char *name)
{
    struct hz_err err = {0};
    char *text = NULL;
    int rv = hz_node_view(w->nodes[x].node, name, &text, &err);
    return sim_json(w, name, rv, text, &err);
}

/* Key of a JSON row id column: the model row index, or -1 for null. */
static long json_row(struct sim_world *w, const json_t *o, const char *key,
                     const struct table_def *t)
{
    const json_t *v = json_object_get(o, key);
    if (json_is_null(v) || v == NULL)
        return -1;
    uint8_t id[HZ_ROW_LEN];
    id_of(w, str_of(w, o, key), id, HZ_ROW_LEN);
    long r = model_row_find(w->model, t, id);
    SIM_CHECK(w, r >= 0, "view names %s %.8s the model lacks", t->name,
              str_of(w, o, key));
    return r;
}

struct tally {
    long a, b; /* (site, item) or (household, item) */
    int64_t sum;
    int64_t count;
    bool matched;
};

static struct tally *tally_add(struct tally *t, size_t *n, long a, long b,
                               int64_t x)
{
    for (size_t i = 0; i < *n; i++) {
        if (t[i].a == a && t[i].b == b) {
            t[i].sum += x;
            t[i].count++;
            return t;
        }
    }
    t[*n] = (struct tally){a, b, x, 1, false};
    (*n)++;
    return t;
}

/* Stock on hand per (site, item) and distributions per (household,
 * item): sums of the quantities of counted events. */
/* The row that @row stands for in the views (DECISIONS 40; views.c,
 * MERGE_ENDS): merged_into followed through live rows of its table; a
 * link to a missing or deleted row ends the chain, and a cycle ends at
 * its lowest id. A row that is not live stands for itself (the views
 * keep what they cannot follow, such as a stay of a deleted person). */
static size_t model_rep_cycle(struct sim_world *w, const struct sim_view *v,
                              size_t row, bool *cycle)
{
    const struct sim_model *m = w->model;
    *cycle = false;
    if (!model_row_live(m, v, row))
        return row;
    const struct table_def *t = m->rows[row].t;
    int col = schema_col_c(t, "merged_into");
    if (col < 0)
        return row;
    size_t path[512], n = 0, cur = row;
    for (;;) {
        for (size_t i = 0; i < n; i++) {
            if (path[i] != cur)
                continue;
            size_t low = path[i]; /* a cycle: path[i..n) */
            for (size_t k = i + 1; k < n; k++)
                if (strcmp(m->rows[path[k]].hex, m->rows[low].hex) < 0)
                    low = path[k];
            *cycle = true;
            return low;
        }
        if (n == sizeof path / sizeof path[0])
            abort();
        path[n++] = cur;
        const char *to = model_value(w, v, cur, col);
        if (to == NULL || to[0] == '\0')
            return cur;
        uint8_t id[HZ_ROW_LEN];
        id_of(w, to, id, HZ_ROW_LEN);
        long next = model_row_find(m, t, id);
        if (next < 0 || !model_row_live(m, v, (size_t)next))
            return cur;
        cur = (size_t)next;
    }
}

static size_t model_rep(struct sim_world *w, const struct sim_view *v,
                        size_t row)
{
    bool cycle;
    return model_rep_cycle(w, v, row, &cycle);
}

static void check_sums(struct sim_world *w, int x, const bool *counts,
                       bool received)
{
    const struct sim_model *m = w->model;
    struct tally *t = calloc(m->n_events + 1, sizeof *t);
    if (t == NULL)
        abort();
    size_t n = 0;
    for (size_t i = 0; i < m->n_events; i++) {
        const struct m_event *e = &m->events[i];
        if (!counts[i] || strcmp(e->t->name, "stock_moves") != 0)
            continue;
        if (!received)
            tally_add(t, &n, e->site, e->item, e->qty);
        else if (e->distributed) /* to the household it stands for */
            tally_add(t, &n,
                      e->household < 0 ? e->household
                                       : (long)model_rep(w, &w->nodes[x].view,
                                                         (size_t)e->household),
                      e->item, -e->qty);
    }
    const char *name = received ? "received" : "stock";
    json_t *j = view_json(w, x, name);
    SIM_CHECK(w, json_array_size(j) == n, "node %d %s has %zu rows, model %zu",
              x, name, json_array_size(j), n);
    const struct table_def *ta =
        schema_table_c(schema_current(), received ? "households" : "sites");
    const struct table_def *items = schema_table_c(schema_current(), "items");
    for (size_t i = 0; i < json_array_size(j); i++) {
        const json_t *o = json_array_get(j, i);
        long a = json_row(w, o, received ? "household" : "site", ta);
        long b = json_row(w, o, "item", items);
        int64_t sum = int_of(w, o, received ? "received" : "on_hand");
        int64_t count = int_of(w, o, received ? "times" : "moves");
        bool found = false;
        for (size_t k = 0; k < n && !found; k++) {
            if (t[k].a != a || t[k].b != b)
                continue;
            found = true;
            SIM_CHECK(w,
                      !t[k].matched && t[k].sum == sum && t[k].count == count,
                      "node %d %s at (%ld, %ld): %" PRId64 " in %" PRId64
                      " events, model %" PRId64 " in %" PRId64,
                      x, name, a, b, sum, count, t[k].sum, t[k].count);
            t[k].matched = true;
        }
        SIM_CHECK(w, found, "node %d %s row (%ld, %ld) the model lacks", x,
                  name, a, b);
    }
    json_decref(j);
    free(t);
}

/* Occupancy per live site: distinct persons with an open check-in. */
static void check_occupancy(struct sim_world *w, int x, const bool *open)
{
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[x].view;
    const struct table_def *sites = schema_table_c(schema_current(), "sites");
    int cap_col = schema_col_c(sites, "capacity");
    json_t *j = view_json(w, x, "occupancy");
    size_t live = 0;
    for (size_t i = 0; i < m->n_rows; i++)
        live += m->rows[i].t == sites && model_row_live(m, v, i);
    SIM_CHECK(w, json_array_size(j) == live,
              "node %d occupancy lists %zu sites, model %zu", x,
              json_array_size(j), live);
    long *persons = malloc((m->n_events + 1) * sizeof *persons);
    if (persons == NULL)
        abort();
    for (size_t i = 0; i < json_array_size(j); i++) {
        const json_t *o = json_array_get(j, i);
        long site = json_row(w, o, "site", sites);
        SIM_CHECK(w, site >= 0 && model_row_live(m, v, (size_t)site),
                  "node %d occupancy lists a site it should not", x);
        size_t n = 0;
        for (size_t e = 0; e < m->n_events; e++) {
            if (!open[e] || m->events[e].site != site)
                continue;
            /* A person registered twice and merged counts once. */
            long who = m->events[e].person < 0
                           ? m->events[e].person
                           : (long)model_rep(w, v, (size_t)m->events[e].person);
            bool dup = false;
            for (size_t k = 0; k < n && !dup; k++)
                dup = persons[k] == who;
            if (!dup)
                persons[n++] = who;
        }
        int64_t present = int_of(w, o, "present");
        SIM_CHECK(w, present == (int64_t)n,
                  "node %d site %.8s: %" PRId64 " present, model %zu", x,
                  m->rows[site].hex, present, n);
        const char *cap = model_value(w, v, (size_t)site, cap_col);
        int64_t over = cap != NULL && (int64_t)n > strtoll(cap, NULL, 10);
        SIM_CHECK(w, int_of(w, o, "over_capacity") == over,
                  "node %d site %.8s over_capacity %" PRId64 ", model %" PRId64,
                  x, m->rows[site].hex, int_of(w, o, "over_capacity"), over);
    }
    free(persons);
    json_decref(j);
}

/* Presence: one row per open check-in, naming its person and site. */
static void check_presence(struct sim_world *w, int x, const bool *open)
{
    const struct sim_model *m = w->model;
    const struct table_def *stays = schema_table_c(schema_current(), "stays");
    json_t *j = view_json(w, x, "presence");
    size_t n = 0;
    for (size_t e = 0; e < m->n_events; e++)
        n += open[e];
    SIM_CHECK(w, json_array_size(j) == n,
              "node %d presence lists %zu stays, model %zu open", x,
              json_array_size(j), n);
    for (size_t i = 0; i < json_array_size(j); i++) {
        const json_t *o = json_array_get(j, i);
        uint8_t id[HZ_ROW_LEN];
        id_of(w, str_of(w, o, "stay"), id, HZ_ROW_LEN);
        long e = model_event_find(m, stays, id);
        SIM_CHECK(w, e >= 0 && open[e],
                  "node %d presence lists stay %.8s, not open in the model", x,
                  str_of(w, o, "stay"));
        const struct m_event *ev = &m->events[e];
        size_t who = model_rep(w, &w->nodes[x].view, (size_t)ev->person);
        SIM_CHECK(w,
                  strcmp(str_of(w, o, "person"), m->rows[who].hex) == 0 &&
                      strcmp(str_of(w, o, "site"), m->rows[ev->site].hex) == 0,
                  "node %d presence of stay %.8s: wrong person or site", x,
                  ev->hex);
    }
    json_decref(j);
}

/* The household relief list (proto/reports.md, "The household relief
 * list"): one row per household record with an effective relief row,
 * where a relief row counts for the household its household stands for
 * (model_rep: through duplicates; a household not live, deleted or not
 * yet held, stands for itself, so a payment to it keeps its own row).
 * Per row: the sums of cash_fen and goods_fen (and their yuan text),
 * the effective rows counted (payments), the forms of payment used, and
 * the greatest persons given; then the totals. Every effective payment
 * is counted once, under one household, and none is lost. */
struct relief_want {
    long h;
    int64_t cash, goods, payments, aided; /* aided: -1 when none gives it */
    unsigned methods;                     /* bit k: enum value k used */
    bool matched;
};

static int64_t canon_int(const struct m_event *e, const char *col)
{
    const char *s = e->canon[schema_col_c(e->t, col)];
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

static void yuan(int64_t fen, char *out, size_t cap)
{
    snprintf(out, cap, "%" PRId64 ".%02" PRId64, fen / 100, fen % 100);
}

/* Whether relief list row @a (household record @ha) may come before row
 * @b: village order, none last; then head_name; then the household id.
 * Where one head_name is missing the spec leaves the order open. */
static bool relief_before(struct sim_world *w, const struct sim_view *v,
                          size_t ha, size_t hb)
{
    const struct table_def *t = w->model->rows[ha].t;
    const char *va = model_value(w, v, ha, schema_col_c(t, "village"));
    const char *vb = model_value(w, v, hb, schema_col_c(t, "village"));
    if ((va == NULL) != (vb == NULL))
        return vb == NULL;
    if (va != NULL && strcmp(va, vb) != 0)
        return strcmp(va, vb) < 0;
    const char *na = model_value(w, v, ha, schema_col_c(t, "head_name"));
    const char *nb = model_value(w, v, hb, schema_col_c(t, "head_name"));
    if ((na == NULL) != (nb == NULL))
        return true;
    if (na != NULL && strcmp(na, nb) != 0)
        return strcmp(na, nb) < 0;
    return strcmp(w->model->rows[ha].hex, w->model->rows[hb].hex) < 0;
}

static void check_relief(struct sim_world *w, int x, const bool *counts)
{
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[x].view;
    const struct table_def *relief = schema_table_c(schema_current(), "relief");
    const struct table_def *households =
        schema_table_c(schema_current(), "households");
    const struct col_def *method_col =
        &relief->cols[schema_col_c(relief, "method")];
    struct relief_want *want = calloc(m->n_events + 1, sizeof *want);
    if (want == NULL)
        abort();
    size_t n = 0;
    int64_t total_cash = 0, total_goods = 0;
    unsigned long via_dup = 0, to_deleted = 0;
    for (size_t i = 0; i < m->n_events; i++) {
        const struct m_event *e = &m->events[i];
        if (!counts[i] || e->t != relief)
            continue;
        SIM_CHECK(w, e->household >= 0, "relief %.8s names no household",
                  e->hex);
        long h = (long)model_rep(w, v, (size_t)e->household);
        via_dup += h != e->household;
        to_deleted += model_row_deleted(m, v, (size_t)e->household);
        struct relief_want *r = NULL;
        for (size_t k = 0; k < n && r == NULL; k++)
            r = want[k].h == h ? &want[k] : NULL;
        if (r == NULL) {
            r = &want[n++];
            *r = (struct relief_want){.h = h, .aided = -1};
        }
        int64_t cash = canon_int(e, "cash_fen"),
                goods = canon_int(e, "goods_fen");
        r->cash += cash;
        r->goods += goods;
        total_cash += cash;
        total_goods += goods;
        r->payments++;
        const char *persons = e->canon[schema_col_c(relief, "persons")];
        if (persons != NULL && strtoll(persons, NULL, 10) > r->aided)
            r->aided = strtoll(persons, NULL, 10);
        const char *method = e->canon[schema_col_c(relief, "method")];
        for (unsigned k = 0; method_col->values[k].name != NULL; k++) {
            if (method != NULL &&
                strcmp(method_col->values[k].name, method) == 0)
                r->methods |= 1u << k;
        }
    }
    struct hz_err err = {0};
    struct hz_report_opts opts = {0};
    char *text = NULL;
    int rv = hz_node_report(w->nodes[x].node, "relief", &opts, &text, &err);
    json_t *j = sim_json(w, "relief list", rv, text, &err);
    const json_t *rows = json_object_get(j, "rows");
    SIM_CHECK(w, json_array_size(rows) == n,
              "node %d relief list has %zu households, model %zu", x,
              json_array_size(rows), n);
    long prev = -1;
    int village_col = schema_col_c(households, "village");
    int head_col = schema_col_c(households, "head_name");
    for (size_t i = 0; i < json_array_size(rows); i++) {
        const json_t *o = json_array_get(rows, i);
        long h = json_row(w, o, "household", households);
        /* The record's own fields (a deleted household shows none), in
         * the list's order. */
        const char *village = model_value(w, v, (size_t)h, village_col);
        const char *head = model_value(w, v, (size_t)h, head_col);
        const json_t *got_village = json_object_get(o, "village");
        SIM_CHECK(
            w,
            (village == NULL
                 ? json_is_null(got_village)
                 : json_is_string(got_village) &&
                       strcmp(json_string_value(got_village), village) == 0) &&
                strcmp(str_of(w, o, "D03001"), head != NULL ? head : "") == 0,
            "node %d relief list: household %.8s village or head_name"
            " not its record's (%s, %s)",
            x, m->rows[h].hex, village ? village : "(none)",
            head ? head : "(none)");
        SIM_CHECK(w, prev < 0 || relief_before(w, v, (size_t)prev, (size_t)h),
                  "node %d relief list: household %.8s listed after %.8s", x,
                  m->rows[h].hex, m->rows[prev].hex);
        prev = h;
        struct relief_want *r = NULL;
        for (size_t k = 0; k < n && r == NULL; k++)
            r = want[k].h == h ? &want[k] : NULL;
        SIM_CHECK(w, r != NULL && !r->matched,
                  "node %d relief list: household %.8s %s", x,
                  str_of(w, o, "household"),
                  r == NULL ? "has no effective relief in the model"
                            : "listed twice");
        r->matched = true;
        SIM_CHECK(w,
                  int_of(w, o, "cash_fen") == r->cash &&
                      int_of(w, o, "goods_fen") == r->goods &&
                      int_of(w, o, "payments") == r->payments,
                  "node %d relief list: household %.8s cash %" PRId64
                  " goods %" PRId64 " fen in %" PRId64
                  " payments, model %" PRId64 " and %" PRId64 " in %" PRId64,
                  x, m->rows[h].hex, int_of(w, o, "cash_fen"),
                  int_of(w, o, "goods_fen"), int_of(w, o, "payments"), r->cash,
                  r->goods, r->payments);
        char cash[32], goods[32], methods[128] = "";
        yuan(r->cash, cash, sizeof cash);
        yuan(r->goods, goods, sizeof goods);
        for (unsigned k = 0; method_col->values[k].name != NULL; k++) {
            if (r->methods & 1u << k)
                snprintf(methods + strlen(methods),
                         sizeof methods - strlen(methods), "%s%s",
                         methods[0] != '\0' ? "、" : "",
                         method_col->values[k].zh);
        }
        SIM_CHECK(w,
                  strcmp(str_of(w, o, "D03008"), cash) == 0 &&
                      strcmp(str_of(w, o, "D03009"), goods) == 0 &&
                      strcmp(str_of(w, o, "D03010"), methods) == 0,
                  "node %d relief list: household %.8s D03008 %s D03009 %s"
                  " D03010 %s, model %s %s %s",
                  x, m->rows[h].hex, str_of(w, o, "D03008"),
                  str_of(w, o, "D03009"), str_of(w, o, "D03010"), cash, goods,
                  methods);
        SIM_CHECK(w, r->aided < 0 || int_of(w, o, "D03007") == r->aided,
                  "node %d relief list: household %.8s D03007 %" PRId64
                  ", model %" PRId64,
                  x, m->rows[h].hex, int_of(w, o, "D03007"), r->aided);
    }
    const json_t *total = json_object_get(j, "total");
    SIM_CHECK(w,
              int_of(w, total, "households") == (int64_t)n &&
                  int_of(w, total, "cash_fen") == total_cash &&
                  int_of(w, total, "goods_fen") == total_goods,
              "node %d relief list total: %" PRId64 " households, cash %" PRId64
              " goods %" PRId64 " fen; model %zu, %" PRId64 ", %" PRId64,
              x, int_of(w, total, "households"), int_of(w, total, "cash_fen"),
              int_of(w, total, "goods_fen"), n, total_cash, total_goods);
    json_decref(j);
    free(want);
    w->stats.relief_rows_checked += n;
    w->stats.relief_via_dup += via_dup;
    w->stats.relief_to_deleted += to_deleted;
}

static void check_vulnerable(struct sim_world *w, int x)
{
    static const char *const flags[] = {"elderly_mobility", "disabled",
                                        "no_caretaker",     "left_behind",
                                        "pregnant",         "chronic"};
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[x].view;
    const struct table_def *persons =
        schema_table_c(schema_current(), "persons");
    json_t *j = view_json(w, x, "vulnerable");
    size_t want = 0;
    /* A person standing for itself, vulnerable when any record merged
     * into it is (its own included). */
    for (size_t i = 0; i < m->n_rows; i++) {
        if (m->rows[i].t != persons || !model_row_live(m, v, i) ||
            model_rep(w, v, i) != i)
            continue;
        bool any = false;
        for (size_t r = 0; r < m->n_rows && !any; r++) {
            if (m->rows[r].t != persons || !model_row_live(m, v, r) ||
                model_rep(w, v, r) != i)
                continue;
            for (size_t f = 0; f < 6 && !any; f++) {
                const char *val =
                    model_value(w, v, r, schema_col_c(persons, flags[f]));
                any = val != NULL && strcmp(val, "true") == 0;
            }
        }
        if (!any)
            continue;
        want++;
        bool listed = false;
        for (size_t k = 0; k < json_array_size(j) && !listed; k++)
            listed = strcmp(str_of(w, json_array_get(j, k), "person"),
                            m->rows[i].hex) == 0;
        SIM_CHECK(w, listed, "node %d does not list vulnerable person %.8s", x,
                  m->rows[i].hex);
    }
    SIM_CHECK(w, json_array_size(j) == want,
              "node %d lists %zu vulnerable persons, model %zu", x,
              json_array_size(j), want);
    json_decref(j);
}

/* ---- conflicts */

struct want_conflict {
    const char *kind;
    size_t row;
    int col;
    size_t heads[64];
    size_t n_heads;
    bool matched;
};

static bool seen_by_tomb(const struct sim_model *m, const struct sim_view *v,
                         size_t row, struct m_ref at)
{
    const struct m_row *r = &m->rows[row];
    for (size_t k = 0; k < r->n_tombs; k++) {
        if (!model_in(v, r->tombs[k].at))
            continue;
        for (size_t s = 0; s < r->tombs[k].n_seen; s++) {
            if (r->tombs[k].seen[s].a == at.a &&
                r->tombs[k].seen[s].seq == at.seq)
                return true;
        }
    }
    return false;
}

/* Concurrent heads of a live row's field; heads of a deleted row's field
 * that its tombstones had not seen (DECISIONS 9). */
static size_t want_conflicts(struct sim_world *w, int x,
                             struct want_conflict *out, size_t max)
{
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[x].view;
    size_t n = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        if (!model_row_exists(m, v, i))
            continue;
        bool deleted = model_row_deleted(m, v, i);
        for (size_t c = 0; c < m->rows[i].t->n_cols; c++) {
            struct want_conflict wc = {0};
            wc.n_heads = model_heads(m, v, i, (int)c, wc.heads, 64);
            bool listed = wc.n_heads > 1;
            if (deleted) {
                listed = false;
                for (size_t h = 0; h < wc.n_heads && !listed; h++)
                    listed = !seen_by_tomb(m, v, i, m->writes[wc.heads[h]].at);
            }
            if (!listed)
                continue;
            SIM_CHECK(w, n < max, "too many conflicts");
            wc.kind = deleted ? "delete_vs_edit" : "concurrent";
            wc.row = i;
            wc.col = (int)c;
            out[n++] = wc;
        }
    }
    return n;
}

static bool same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) ||
           (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Sort write indexes into the order heads rank in (model_ranks_before). */
static void rank_heads(struct sim_world *w, size_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        size_t x = v[i], j = i;
        for (; j > 0 && model_ranks_before(w, x, v[j - 1]); j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

static void check_conflicts(struct sim_world *w, int x)
{
    const struct sim_model *m = w->model;
    size_t max = 64;
    for (size_t i = 0; i < m->n_rows; i++)
        max += m->rows[i].t->n_cols;
    struct want_conflict *want = calloc(max, sizeof *want);
    if (want == NULL)
        abort();
    size_t n = want_conflicts(w, x, want, max);
    struct hz_err err = {0};
    char *text = NULL;
    int rv = hz_node_conflicts(w->nodes[x].node, &text, &err);
    json_t *j = sim_json(w, "conflicts", rv, text, &err);
    for (size_t i = 0; i < json_array_size(j); i++) {
        const json_t *o = json_array_get(j, i);
        const char *kind = str_of(w, o, "kind");
        SIM_CHECK(w, strcmp(kind, "event_id_reused") != 0,
                  "node %d lists an event id reused", x);
        const struct table_def *t =
            schema_table_c(schema_current(), str_of(w, o, "table"));
        SIM_CHECK(w, t != NULL, "conflict in an unknown table");
        uint8_t id[HZ_ROW_LEN];
        id_of(w, str_of(w, o, "id"), id, HZ_ROW_LEN);
        long row = model_row_find(m, t, id);
        int col = schema_col_c(t, str_of(w, o, "column"));
        struct want_conflict *wc = NULL;
        for (size_t k = 0; k < n && wc == NULL; k++) {
            if ((long)want[k].row == row && want[k].col == col &&
                strcmp(want[k].kind, kind) == 0)
                wc = &want[k];
        }
        SIM_CHECK(w, wc != NULL && !wc->matched,
                  "node %d lists a %s conflict on %s %.8s.%s the model"
                  " does not have",
                  x, kind, t->name, str_of(w, o, "id"), str_of(w, o, "column"));
        wc->matched = true;
        const json_t *heads = json_object_get(o, "heads");
        SIM_CHECK(w, json_array_size(heads) == wc->n_heads,
                  "node %d conflict on %s %.8s.%s: %zu heads, model %zu", x,
                  t->name, str_of(w, o, "id"), str_of(w, o, "column"),
                  json_array_size(heads), wc->n_heads);
        /* The heads in winner order (merge.md, "Conflicts"): clock, then
         * author key, descending. */
        rank_heads(w, wc->heads, wc->n_heads);
        bool tied = false;
        for (size_t h = 0; h < wc->n_heads; h++) {
            const struct m_write *mw = &m->writes[wc->heads[h]];
            const struct sim_entry *e =
                sim_entry(w, sim_entry_of(w, mw->at.a, mw->at.seq));
            char hex[2 * HZ_HASH_LEN + 1];
            for (size_t k = 0; k < HZ_HASH_LEN; k++)
                snprintf(hex + 2 * k, 3, "%02x", e->id[k]);
            const json_t *got = json_array_get(heads, h);
            SIM_CHECK(w,
                      strcmp(str_of(w, got, "entry"), hex) == 0 &&
                          (uint64_t)int_of(w, got, "clock") == e->clock &&
                          strcmp(str_of(w, got, "author"),
                                 w->nodes[mw->at.a].key_hex) == 0,
                      "node %d conflict on %s %.8s.%s: head %zu is not"
                      " %d#%" PRIu64 " (clock %" PRIu64 ")",
                      x, t->name, str_of(w, o, "id"), str_of(w, o, "column"), h,
                      mw->at.a, mw->at.seq, e->clock);
            if (h > 0) {
                const struct m_write *prev = &m->writes[wc->heads[h - 1]];
                tied |= model_clock(w, wc->heads[h]) ==
                            model_clock(w, wc->heads[h - 1]) &&
                        !same_text(prev->val, mw->val);
            }
        }
        if (tied && strcmp(kind, "concurrent") == 0)
            w->stats.tied_conflicts++;
    }
    for (size_t k = 0; k < n; k++) {
        SIM_CHECK(w, want[k].matched,
                  "node %d does not list the %s conflict on %s %.8s.%s", x,
                  want[k].kind, m->rows[want[k].row].t->name,
                  m->rows[want[k].row].hex,
                  m->rows[want[k].row].t->cols[want[k].col].name);
    }
    json_decref(j);
    free(want);
}

/* One integer from the node's database (an invariant of the store's own
 * bookkeeping, not of the model). */
static int64_t node_sql_int(struct sim_world *w, int x, const char *sql)
{
    sqlite3_stmt *st;
    struct hz_err err = {0};
    SIM_CHECK(w, db_prep(&w->nodes[x].node->db, sql, &st, &err) == 0,
              "node %d: %s: %s", x, sql, err.msg);
    SIM_CHECK(w, sqlite3_step(st) == SQLITE_ROW, "node %d: %s", x, sql);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

/* pending_count holds exactly the rows pending holds, per author and in
 * all, and no author at zero (log/log.c keeps it as entries come and go,
 * so the caps never count rows). */
static void check_pending_counts(struct sim_world *w, int x)
{
    SIM_CHECK(w,
              node_sql_int(w, x,
                           "SELECT count(*) FROM (SELECT author, count(*) AS c"
                           " FROM pending GROUP BY author) p FULL JOIN"
                           " (SELECT author, n FROM pending_count WHERE"
                           " author <> X'') q USING (author) WHERE p.c IS"
                           " NOT q.n") == 0,
              "node %d: pending_count per author differs from pending", x);
    SIM_CHECK(w,
              node_sql_int(w, x,
                           "SELECT coalesce((SELECT n FROM pending_count WHERE"
                           " author = X''), 0) = (SELECT count(*) FROM"
                           " pending)") == 1,
              "node %d: pending_count's total differs from pending", x);
}

void sim_check_node(struct sim_world *w, int x)
{
    check_pending_counts(w, x);
    const struct sim_model *m = w->model;
    size_t *all;
    free((sim_relay(w, x, &all), all)); /* registers, checks what it holds */
    check_vector(w, x);
    check_status(w, x);
    const struct schema *s = schema_current();
    for (size_t t = 0; t < s->n_tables; t++) {
        if (s->tables[t].kind == TABLE_ENTITY)
            check_entity_table(w, x, &s->tables[t]);
        else
            check_event_table(w, x, &s->tables[t]);
    }
    bool *counts = calloc(m->n_events + 1, sizeof *counts);
    bool *open = calloc(m->n_events + 1, sizeof *open);
    if (counts == NULL || open == NULL)
        abort();
    model_effective(m, &w->nodes[x].view, counts, open);
    check_sums(w, x, counts, false);
    check_sums(w, x, counts, true);
    check_occupancy(w, x, open);
    check_presence(w, x, open);
    check_relief(w, x, counts);
    free(counts);
    free(open);
    check_vulnerable(w, x);
    check_conflicts(w, x);
}

/* ---- after quiescence */

/* The clock contract for every entry: it follows what its writer had
 * seen (strictly above it) unless that would pass the writer's wall time
 * plus the skew limit, where it stops. */
static void check_clocks(struct sim_world *w)
{
    for (int a = 0; a < w->n_nodes; a++) {
        for (uint64_t q = 1; q <= w->n_written[a]; q++) {
            const struct sim_written *wr = &w->written[a][q - 1];
            uint64_t seen = 0;
            for (int b = 0; b < w->n_nodes; b++) {
                for (uint64_t k = 1; k <= wr->view.top[b]; k++) {
                    uint64_t c = sim_entry(w, sim_entry_of(w, b, k))->clock;
                    seen = c > seen ? c : seen;
                }
            }
            uint64_t clock = sim_entry(w, sim_entry_of(w, a, q))->clock;
            uint64_t ceiling =
                ((wr->wall_ms + HZ_CLOCK_SKEW_MS_MAX) << 16) | 0xffffu;
            SIM_CHECK(w, clock > seen || clock == ceiling,
                      "entry %d#%" PRIu64 " clock %" PRIu64
                      " neither follows %" PRIu64 " nor stops at %" PRIu64,
                      a, q, clock, seen, ceiling);
        }
    }
}

/* The brief's plain rule, independent of heads: a field whose every
 * write was made by a writer that had seen all earlier writes to it ends
 * with the last write. */
static void check_sequential_fields(struct sim_world *w)
{
    const struct sim_model *m = w->model;
    struct sim_view all = {{0}};
    for (int a = 0; a < w->n_nodes; a++)
        all.top[a] = w->n_written[a];
    for (size_t i = 0; i < m->n_rows; i++) {
        const struct m_row *r = &m->rows[i];
        if (model_row_deleted(m, &all, i))
            continue;
        for (size_t c = 0; c < r->t->n_cols; c++) {
            const struct m_list *l = &r->cols[c];
            bool sequential = l->n > 0;
            for (size_t k = 1; k < l->n && sequential; k++) {
                struct m_ref at = m->writes[l->v[k]].at;
                const struct sim_view *seen =
                    &w->written[at.a][at.seq - 1].view;
                for (size_t e = 0; e < k && sequential; e++)
                    sequential = model_in(seen, m->writes[l->v[e]].at);
            }
            if (!sequential)
                continue;
            const char *last = m->writes[l->v[l->n - 1]].val;
            const char *got = model_value(w, &all, i, (int)c);
            SIM_CHECK(
                w,
                (last == NULL && got == NULL) ||
                    (last != NULL && got != NULL && strcmp(last, got) == 0),
                "%s %.8s.%s: sequential writes end with %s, model"
                " says %s",
                r->t->name, r->hex, r->t->cols[c].name, last ? last : "(none)",
                got ? got : "(none)");
        }
    }
}

static char *read_text(struct sim_world *w, int x,
                       int (*fn)(hz_node *, char **, struct hz_err *),
                       const char *what)
{
    struct hz_err err = {0};
    char *text = NULL;
    int rv = fn(w->nodes[x].node, &text, &err);
    SIM_CHECK(w, rv == 0, "%s of node %d: %s (%s)", what, x, hz_errname(rv),
              err.msg);
    return text;
}

size_t sim_duplicates(struct sim_world *w, size_t *via_cycle)
{
    const struct sim_model *m = w->model;
    const struct sim_view *v = &w->nodes[0].view;
    size_t n = 0;
    *via_cycle = 0;
    for (size_t i = 0; i < m->n_rows; i++) {
        bool cycle;
        if (!model_row_live(m, v, i) || model_rep_cycle(w, v, i, &cycle) == i)
            continue;
        n++;
        *via_cycle += cycle;
    }
    return n;
}

void sim_check_converged(struct sim_world *w)
{
    SIM_CHECK(w, sim_quiescent(w), "not quiescent");
    char hash0[2 * HZ_HASH_LEN + 1];
    sim_state_hash(w, 0, hash0);
    char *vector0 = read_text(w, 0, hz_node_vector, "vector");
    char *conflicts0 = read_text(w, 0, hz_node_conflicts, "conflicts");
    uint64_t total = 0;
    for (int a = 0; a < w->n_nodes; a++)
        total += w->n_written[a];
    for (int i = 0; i < w->n_nodes; i++) {
        char hash[2 * HZ_HASH_LEN + 1];
        sim_state_hash(w, i, hash);
        SIM_CHECK(w, strcmp(hash, hash0) == 0,
                  "node %d state hash %.8s, node 0 %.8s", i, hash, hash0);
        char *vector = read_text(w, i, hz_node_vector, "vector");
        char *conflicts = read_text(w, i, hz_node_conflicts, "conflicts");
        bool same_vector = strcmp(vector, vector0) == 0;
        bool same_conflicts = strcmp(conflicts, conflicts0) == 0;
        hz_free_string(vector);
        hz_free_string(conflicts);
        SIM_CHECK(w, same_vector, "node %d vector differs from node 0", i);
        SIM_CHECK(w, same_conflicts, "node %d conflicts differ from node 0", i);
        struct hz_err err = {0};
        uint64_t checked = 0;
        /* Node 0's log verified whole; another's chains end at the same
         * ids (the vectors are equal), so their signatures are the same
         * bytes: checked once (a third of the simulator's time was
         * verifying every node's signatures again). */
        SIM_OK(w, log_verify(w->nodes[i].node, i == 0, &checked, &err), &err);
        SIM_CHECK(w, checked == total,
                  "node %d verified %" PRIu64 " entries of %" PRIu64, i,
                  checked, total);
        sim_check_node(w, i);
    }
    hz_free_string(vector0);
    hz_free_string(conflicts0);
    check_clocks(w);
    check_sequential_fields(w);
}
