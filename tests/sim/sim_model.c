/* sim_model.c - the reference model: what a node holding a given set of
 * entries must show, computed from the simulator's own record of the
 * operations it generated (DECISIONS 25).
 *
 * The rules are those of DESIGN ("Causality and clocks") and DECISIONS
 * 8-10, written out again independently of src/store:
 *   - a field write is a head unless a held write names it as superseded,
 *     or the same author wrote the field again later;
 *   - one head is the value; several are a conflict, shown as the head
 *     with the highest (clock, author key): on equal clocks the greater
 *     author key (bytewise) wins, and the conflict lists its heads in
 *     that order;
 *   - a row with any held tombstone is deleted and shows no values;
 *   - an event counts unless it is a correction or something corrects
 *     it; a check-in is open while no counted check-out closes it. */
#include "sim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *grow(void *v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return v;
    size_t c = *cap ? 2 * *cap : 16;
    void *p = realloc(v, c * size);
    if (p == NULL)
        abort();
    memset((char *)p + *cap * size, 0, (c - *cap) * size);
    *cap = c;
    return p;
}

static void list_add(struct m_list *l, size_t x)
{
    l->v = grow(l->v, &l->cap, l->n, sizeof *l->v);
    l->v[l->n++] = x;
}

static char *dup_or_null(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL)
        abort();
    return d;
}

struct sim_model *model_new(void)
{
    struct sim_model *m = calloc(1, sizeof *m);
    if (m == NULL)
        abort();
    return m;
}

void model_free(struct sim_model *m)
{
    if (m == NULL)
        return;
    for (size_t i = 0; i < m->n_rows; i++) {
        struct m_row *r = &m->rows[i];
        for (int c = 0; c < SIM_COLS_MAX; c++)
            free(r->cols[c].v);
        for (size_t k = 0; k < r->n_tombs; k++)
            free(r->tombs[k].seen);
        free(r->tombs);
    }
    free(m->rows);
    for (size_t i = 0; i < m->n_writes; i++) {
        free(m->writes[i].val);
        free(m->writes[i].sup);
    }
    free(m->writes);
    for (size_t i = 0; i < m->n_events; i++) {
        struct m_event *e = &m->events[i];
        for (size_t k = 0; k < e->n_fields; k++) {
            free(e->cols[k]);
            free(e->vals[k]);
        }
        for (int c = 0; c < SIM_COLS_MAX; c++)
            free(e->canon[c]);
        free(e->src);
    }
    free(m->events);
    free(m);
}

bool model_in(const struct sim_view *v, struct m_ref r)
{
    return r.seq >= 1 && r.seq <= v->top[r.a];
}

long model_row_find(const struct sim_model *m, const struct table_def *t,
                    const uint8_t *id)
{
    for (size_t i = 0; i < m->n_rows; i++) {
        if (m->rows[i].t == t && memcmp(m->rows[i].id, id, HZ_ROW_LEN) == 0)
            return (long)i;
    }
    return -1;
}

static void hex16(const uint8_t *id, char *out)
{
    for (size_t i = 0; i < HZ_ROW_LEN; i++)
        snprintf(out + 2 * i, 3, "%02x", id[i]);
}

size_t model_row_add(struct sim_model *m, const struct table_def *t,
                     const uint8_t *id)
{
    long found = model_row_find(m, t, id);
    if (found >= 0)
        return (size_t)found;
    m->rows = grow(m->rows, &m->rows_cap, m->n_rows, sizeof *m->rows);
    struct m_row *r = &m->rows[m->n_rows];
    memset(r, 0, sizeof *r);
    r->t = t;
    memcpy(r->id, id, HZ_ROW_LEN);
    hex16(id, r->hex);
    return m->n_rows++;
}

long model_event_find(const struct sim_model *m, const struct table_def *t,
                      const uint8_t *id)
{
    for (size_t i = 0; i < m->n_events; i++) {
        if (m->events[i].t == t && memcmp(m->events[i].id, id, HZ_ROW_LEN) == 0)
            return (long)i;
    }
    return -1;
}

size_t model_event_add(struct sim_model *m, const struct m_event *proto)
{
    m->events = grow(m->events, &m->events_cap, m->n_events, sizeof *m->events);
    struct m_event *e = &m->events[m->n_events];
    *e = *proto;
    hex16(e->id, e->hex);
    e->src = NULL;
    e->n_src = e->src_cap = 0;
    return m->n_events++;
}

void model_write(struct sim_model *m, size_t row, int col, struct m_ref at,
                 const char *val, const size_t *sup, size_t n_sup)
{
    m->writes = grow(m->writes, &m->writes_cap, m->n_writes, sizeof *m->writes);
    struct m_write *w = &m->writes[m->n_writes];
    w->row = row;
    w->col = col;
    w->at = at;
    w->val = dup_or_null(val);
    w->n_sup = n_sup;
    w->sup = malloc((n_sup ? n_sup : 1) * sizeof *w->sup);
    if (w->sup == NULL)
        abort();
    memcpy(w->sup, sup, n_sup * sizeof *sup);
    list_add(&m->rows[row].cols[col], m->n_writes);
    m->n_writes++;
}

void model_tomb(struct sim_model *m, size_t row, struct m_ref at,
                const struct m_ref *seen, size_t n_seen)
{
    struct m_row *r = &m->rows[row];
    r->tombs = grow(r->tombs, &r->tombs_cap, r->n_tombs, sizeof *r->tombs);
    struct m_tomb *t = &r->tombs[r->n_tombs++];
    t->at = at;
    t->n_seen = n_seen;
    t->seen = malloc((n_seen ? n_seen : 1) * sizeof *t->seen);
    if (t->seen == NULL)
        abort();
    memcpy(t->seen, seen, n_seen * sizeof *seen);
}

void model_event_source(struct sim_model *m, size_t ev, struct m_ref at)
{
    struct m_event *e = &m->events[ev];
    e->src = grow(e->src, &e->src_cap, e->n_src, sizeof *e->src);
    e->src[e->n_src++] = at;
}

/* ---- what a view shows */

bool model_row_deleted(const struct sim_model *m, const struct sim_view *v,
                       size_t row)
{
    const struct m_row *r = &m->rows[row];
    for (size_t k = 0; k < r->n_tombs; k++) {
        if (model_in(v, r->tombs[k].at))
            return true;
    }
    return false;
}

bool model_row_exists(const struct sim_model *m, const struct sim_view *v,
                      size_t row)
{
    const struct m_row *r = &m->rows[row];
    if (model_row_deleted(m, v, row))
        return true;
    for (size_t c = 0; c < r->t->n_cols; c++) {
        for (size_t k = 0; k < r->cols[c].n; k++) {
            if (model_in(v, m->writes[r->cols[c].v[k]].at))
                return true;
        }
    }
    return false;
}

bool model_row_live(const struct sim_model *m, const struct sim_view *v,
                    size_t row)
{
    return model_row_exists(m, v, row) && !model_row_deleted(m, v, row);
}

static bool supersedes(const struct m_write *by, size_t idx,
                       const struct m_write *old)
{
    if (by->at.a == old->at.a && by->at.seq > old->at.seq)
        return true;
    for (size_t k = 0; k < by->n_sup; k++) {
        if (by->sup[k] == idx)
            return true;
    }
    return false;
}

size_t model_heads(const struct sim_model *m, const struct sim_view *v,
                   size_t row, int col, size_t *out, size_t max)
{
    const struct m_list *l = &m->rows[row].cols[col];
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++) {
        const struct m_write *w = &m->writes[l->v[i]];
        if (!model_in(v, w->at))
            continue;
        bool head = true;
        for (size_t j = 0; head && j < l->n; j++) {
            const struct m_write *by = &m->writes[l->v[j]];
            if (j != i && model_in(v, by->at) && supersedes(by, l->v[i], w))
                head = false;
        }
        if (head && n < max)
            out[n++] = l->v[i];
    }
    return n;
}

size_t model_row_head_entries(const struct sim_model *m,
                              const struct sim_view *v, size_t row,
                              struct m_ref *out, size_t max)
{
    size_t n = 0;
    const struct m_row *r = &m->rows[row];
    for (size_t c = 0; c < r->t->n_cols; c++) {
        size_t heads[64];
        size_t nh = model_heads(m, v, row, (int)c, heads, 64);
        for (size_t h = 0; h < nh; h++) {
            struct m_ref at = m->writes[heads[h]].at;
            bool dup = false;
            for (size_t k = 0; k < n && !dup; k++)
                dup = out[k].a == at.a && out[k].seq == at.seq;
            if (!dup && n < max)
                out[n++] = at;
        }
    }
    return n;
}

uint64_t model_clock(struct sim_world *w, size_t i)
{
    const struct m_write *x = &w->model->writes[i];
    return sim_entry(w, sim_entry_of(w, x->at.a, x->at.seq))->clock;
}

bool model_ranks_before(struct sim_world *w, size_t a, size_t b)
{
    uint64_t ca = model_clock(w, a), cb = model_clock(w, b);
    if (ca != cb)
        return ca > cb;
    /* Equal clocks: the author keys compared bytewise, the greater key
     * first. One author has at most one head per field, so this is a
     * total order of the heads. */
    const struct m_write *x = &w->model->writes[a], *y = &w->model->writes[b];
    return memcmp(w->nodes[x->at.a].pk, w->nodes[y->at.a].pk, HZ_KEY_LEN) > 0;
}

const char *model_value(struct sim_world *w, const struct sim_view *v,
                        size_t row, int col)
{
    const struct sim_model *m = w->model;
    if (model_row_deleted(m, v, row))
        return NULL;
    size_t heads[64];
    size_t n = model_heads(m, v, row, col, heads, 64);
    if (n == 0)
        return NULL;
    size_t best = heads[0];
    for (size_t h = 1; h < n; h++) {
        if (model_ranks_before(w, heads[h], best))
            best = heads[h];
    }
    return m->writes[best].val;
}

bool model_event_visible(const struct sim_model *m, const struct sim_view *v,
                         size_t ev)
{
    const struct m_event *e = &m->events[ev];
    for (size_t k = 0; k < e->n_src; k++) {
        if (model_in(v, e->src[k]))
            return true;
    }
    return false;
}

void model_effective(const struct sim_model *m, const struct sim_view *v,
                     bool *counts, bool *open)
{
    size_t n = m->n_events;
    bool *vis = calloc(n ? n : 1, sizeof *vis);
    bool *corrected = calloc(n ? n : 1, sizeof *corrected);
    bool *closed = calloc(n ? n : 1, sizeof *closed);
    if (vis == NULL || corrected == NULL || closed == NULL)
        abort();
    for (size_t i = 0; i < n; i++)
        vis[i] = model_event_visible(m, v, i);
    for (size_t i = 0; i < n; i++) {
        if (vis[i] && m->events[i].reverses >= 0)
            corrected[m->events[i].reverses] = true;
    }
    for (size_t i = 0; i < n; i++)
        counts[i] = vis[i] && m->events[i].reverses < 0 && !corrected[i];
    for (size_t i = 0; i < n; i++) {
        const struct m_event *e = &m->events[i];
        if (counts[i] && e->out && e->closes >= 0)
            closed[e->closes] = true;
    }
    for (size_t i = 0; open != NULL && i < n; i++) {
        const struct m_event *e = &m->events[i];
        open[i] = counts[i] && strcmp(e->t->name, "stays") == 0 && !e->out &&
                  !closed[i];
    }
    free(vis);
    free(corrected);
    free(closed);
}

int64_t model_on_hand(const struct sim_model *m, const struct sim_view *v,
                      long site, long item)
{
    bool *counts = calloc(m->n_events ? m->n_events : 1, sizeof *counts);
    if (counts == NULL)
        abort();
    model_effective(m, v, counts, NULL);
    int64_t sum = 0;
    for (size_t i = 0; i < m->n_events; i++) {
        const struct m_event *e = &m->events[i];
        if (counts[i] && strcmp(e->t->name, "stock_moves") == 0 &&
            e->site == site && e->item == item)
            sum += e->qty;
    }
    free(counts);
    return sum;
}
