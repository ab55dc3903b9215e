/* needs.c - needs, offers and matching (供需对接, issue 16) read from the
 * merged state: suggested matches of open offers to open needs, and this
 * node's checks of a match or a receipt its own people type.
 *
 * What a need or an offer has promised and received is derived from the
 * effective matches and receipts (viewsql.h MATCH_SUMS; proto/schema.md,
 * "Needs, offers and matches"), never stored, so two promises made on two
 * nodes that together exceed a need are both kept and the need is flagged
 * over-promised everywhere. The CLI and the web ask for suggestions
 * through hz_node_report ("match_suggestions"), so both rank alike. */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* At most this many suggestions in one answer (the best ones). */
#define SUGGESTIONS_MAX 200
#define EARTH_RADIUS_KM 6371.0

/* clang-format off */
/* Needs with something left to promise (open, promised or partly met),
 * ?1 narrowing to one: one without a quantity (a service) always has,
 * and its left is NULL. what_key: the name as compared (ASCII letters in
 * one case, no surrounding spaces). */
#define OPEN_NEEDS_SQL                                                         \
    MATCH_SUMS NEED_ROWS " SELECT need, what, lower(trim(what)) AS what_key,"  \
    " category, item, qty - promised AS left, unit, urgency, urgency_rank,"    \
    " needed_by, site, site_name, village, lat, lon FROM need_rows"            \
    " WHERE state IN ('open', 'promised', 'partly_met') AND (qty IS NULL"     \
    " OR qty > promised) AND (?1 IS NULL OR need = ?1) ORDER BY need"

/* Available offers with something left (one without a quantity always
 * has; its left is NULL), available until ?1 or later. */
#define OPEN_OFFERS_SQL                                                        \
    MATCH_SUMS OFFER_ROWS " SELECT offer, what, lower(trim(what)) AS"          \
    " what_key, category, item, qty - promised AS left, unit, organisation,"   \
    " organisation_name, site, site_name, village, lat, lon FROM offer_rows"   \
    " WHERE state = 'available' AND (qty IS NULL OR qty > promised) AND"      \
    " (available_until IS NULL OR available_until >= ?1) ORDER BY offer"
/* clang-format on */

/* One need or offer as the pairing reads it: borrowed from its JSON row.
 * Without has_left (no quantity: a service) it takes promises without
 * limit, and left means nothing. item_k, what_k and category_k number
 * its item, what_key and category (number_keys; 0: none). */
struct side {
    json_t *row;
    const char *id, *item, *what_key, *category;
    int item_k, what_k, category_k;
    json_int_t left, urgency, needed_by;
    bool has_left, has_by, has_pos;
    double lat, lon;
};

/* One pair: need @n and offer @o, alike by @same (3 item, 2 name,
 * 1 category), @dist km away (< 0: unknown). */
struct cand {
    size_t n, o;
    int same;
    bool fits;
    double dist;
};

/* The offers by one of their keys (KEY_ITEM, KEY_NAME, KEY_CATEGORY):
 * the indexes of those numbered k are at[start[k] .. start[k + 1]). */
enum { KEY_ITEM, KEY_NAME, KEY_CATEGORY, KEYS };
struct bucket {
    size_t *start, *at;
};

struct pairing {
    struct side *needs, *offers;
    size_t n_needs, n_offers;
    struct bucket by[KEYS];
};

/* Great-circle distance in km between two points in degrees. */
static double haversine_km(double lat1, double lon1, double lat2, double lon2)
{
    const double rad = 3.14159265358979323846 / 180.0;
    double dlat = (lat2 - lat1) * rad, dlon = (lon2 - lon1) * rad;
    double a =
        sin(dlat / 2) * sin(dlat / 2) +
        cos(lat1 * rad) * cos(lat2 * rad) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * EARTH_RADIUS_KM * atan2(sqrt(a), sqrt(1 - a));
}

static const char *text_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* A string of a side and where its number goes. */
struct key_ref {
    const char *s;
    int *k;
};

static int cmp_key_ref(const void *a, const void *b)
{
    return strcmp(((const struct key_ref *)a)->s,
                  ((const struct key_ref *)b)->s);
}

/* Number the items, names and categories of the @n_v sides of @v and
 * the @n_w of @w: equal strings get equal numbers (from 1), none 0. The
 * pairing then compares integers, not strings (5,000 x 20,000 strcmp
 * took 86% of its time), and finds offers by number (struct bucket).
 * Returns the highest number, or -1 when out of memory. */
static int number_keys(struct side *v, size_t n_v, struct side *w, size_t n_w)
{
    size_t n = 0;
    struct key_ref *r = malloc((3 * (n_v + n_w) + 1) * sizeof *r);
    if (r == NULL)
        return -1;
    for (size_t i = 0; i < n_v + n_w; i++) {
        struct side *s = i < n_v ? &v[i] : &w[i - n_v];
        const char *str[] = {s->item, s->what_key, s->category};
        int *k[] = {&s->item_k, &s->what_k, &s->category_k};
        for (size_t j = 0; j < 3; j++) {
            *k[j] = 0;
            if (str[j] != NULL)
                r[n++] = (struct key_ref){str[j], k[j]};
        }
    }
    qsort(r, n, sizeof *r, cmp_key_ref);
    int id = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || strcmp(r[i].s, r[i - 1].s) != 0)
            id++;
        *r[i].k = id;
    }
    free(r);
    return id;
}

static int key_of(const struct side *s, int key)
{
    return key == KEY_ITEM   ? s->item_k
           : key == KEY_NAME ? s->what_k
                             : s->category_k;
}

/* @b: the @count offers of @o by their @key, numbered up to @top.
 * Returns false when out of memory. */
static bool bucket_init(struct bucket *b, const struct side *o, size_t count,
                        int key, int top)
{
    b->start = calloc((size_t)top + 2, sizeof *b->start);
    b->at = malloc((count > 0 ? count : 1) * sizeof *b->at);
    if (b->start == NULL || b->at == NULL)
        return false;
    for (size_t i = 0; i < count; i++)
        b->start[key_of(&o[i], key) + 1]++;
    for (int k = 0; k < top + 1; k++)
        b->start[k + 1] += b->start[k];
    size_t *next = malloc(((size_t)top + 1) * sizeof *next);
    if (next == NULL)
        return false;
    memcpy(next, b->start, ((size_t)top + 1) * sizeof *next);
    for (size_t i = 0; i < count; i++)
        b->at[next[key_of(&o[i], key)]++] = i;
    free(next);
    return true;
}

static void bucket_close(struct bucket *b)
{
    free(b->start);
    free(b->at);
}

static bool same_key(int a, int b)
{
    return a != 0 && a == b;
}

/* @rows as sides (NULL when out of memory). */
static struct side *sides_of(json_t *rows)
{
    size_t count = json_array_size(rows);
    struct side *v = calloc(count > 0 ? count : 1, sizeof *v);
    for (size_t i = 0; v != NULL && i < count; i++) {
        json_t *r = json_array_get(rows, i),
               *by = json_object_get(r, "needed_by"),
               *left = json_object_get(r, "left");
        json_t *lat = json_object_get(r, "lat"),
               *lon = json_object_get(r, "lon");
        v[i] = (struct side){
            .row = r,
            .id = text_of(r, json_object_get(r, "need") ? "need" : "offer"),
            .item = text_of(r, "item"),
            .what_key = text_of(r, "what_key"),
            .category = text_of(r, "category"),
            .left = json_integer_value(left),
            .has_left = json_is_integer(left),
            .urgency = json_integer_value(json_object_get(r, "urgency_rank")),
            .needed_by = json_integer_value(by),
            .has_by = json_is_integer(by),
            .has_pos = json_is_number(lat) && json_is_number(lon),
            .lat = json_number_value(lat),
            .lon = json_number_value(lon),
        };
    }
    return v;
}

static int cmp_int(json_int_t a, json_int_t b)
{
    return (a > b) - (a < b);
}

/* The rank of @a against @b by what comes before the distance: urgency,
 * likeness, whether the offer covers the need's rest. */
static int before_distance(const struct pairing *p, const struct cand *a,
                           const struct cand *b)
{
    int r = cmp_int(p->needs[b->n].urgency, p->needs[a->n].urgency);
    if (r == 0)
        r = cmp_int(b->same, a->same);
    return r != 0 ? r : cmp_int(b->fits, a->fits);
}

/* Best first: more urgent, the same item before the same name before the
 * same category, an offer that covers the need's rest, nearer (unknown
 * distance last), needed sooner (no date last), then by need and offer
 * id, so every node ranks alike. Negative when @a is better. */
static int rank(const struct pairing *p, const struct cand *a,
                const struct cand *b)
{
    const struct side *na = &p->needs[a->n], *nb = &p->needs[b->n];
    int r = before_distance(p, a, b);
    if (r == 0 && (a->dist < 0) != (b->dist < 0))
        r = a->dist < 0 ? 1 : -1;
    if (r == 0 && a->dist >= 0)
        r = (a->dist > b->dist) - (a->dist < b->dist);
    if (r == 0 && na->has_by != nb->has_by)
        r = na->has_by ? -1 : 1;
    if (r == 0 && na->has_by)
        r = cmp_int(na->needed_by, nb->needed_by);
    if (r == 0)
        r = strcmp(na->id, nb->id);
    if (r == 0)
        r = strcmp(p->offers[a->o].id, p->offers[b->o].id);
    return r;
}

/* Whether offer @o covers what is left of need @n: one without a
 * quantity covers any need; a need without one only such an offer. */
static bool covers(const struct side *n, const struct side *o)
{
    return !o->has_left || (n->has_left && o->left >= n->left);
}

/* How need @n and offer @o are alike (0: not at all). */
static int alike(const struct side *n, const struct side *o)
{
    if (same_key(n->item_k, o->item_k))
        return 3;
    if (same_key(n->what_k, o->what_k))
        return 2;
    return same_key(n->category_k, o->category_k) ? 1 : 0;
}

/* Keep @c among the @k best of @best (sorted, at most SUGGESTIONS_MAX). */
static void keep_best(const struct pairing *p, struct cand *best, size_t *k,
                      const struct cand *c)
{
    if (*k == SUGGESTIONS_MAX && rank(p, c, &best[*k - 1]) >= 0)
        return;
    size_t i = *k < SUGGESTIONS_MAX ? (*k)++ : *k - 1;
    while (i > 0 && rank(p, c, &best[i - 1]) < 0) {
        best[i] = best[i - 1];
        i--;
    }
    best[i] = *c;
}

/* Need @i with each offer of its @key (see pair_all). */
static void pair_by(const struct pairing *p, size_t i, int key,
                    struct cand *best, size_t *k, size_t *count)
{
    const struct side *n = &p->needs[i];
    int kn = key_of(n, key);
    const struct bucket *b = &p->by[key];
    if (kn == 0)
        return; /* no item, name or category to share */
    for (size_t x = b->start[kn]; x < b->start[kn + 1]; x++) {
        size_t j = b->at[x];
        const struct side *o = &p->offers[j];
        int same = alike(n, o);
        if (same != KEY_CATEGORY + 1 - key)
            continue; /* alike by more: met in that key's bucket */
        struct cand c = {i, j, same, covers(n, o), -1};
        (*count)++;
        /* Worse than the worst kept before its distance counts: no need
         * to work the distance out. */
        if (*k == SUGGESTIONS_MAX && before_distance(p, &c, &best[*k - 1]) > 0)
            continue;
        if (n->has_pos && o->has_pos)
            c.dist =
                round(haversine_km(n->lat, n->lon, o->lat, o->lon) * 10) / 10;
        keep_best(p, best, k, &c);
    }
}

/* Each pair alike, ranked; the best into @best (*@k of them), how many
 * pairs into *@count. A need meets only the offers of its item, its name
 * and its category (p->by), each pair once: in the bucket of the closest
 * likeness they share. */
static void pair_all(const struct pairing *p, struct cand *best, size_t *k,
                     size_t *count)
{
    *k = *count = 0;
    for (size_t i = 0; i < p->n_needs; i++)
        for (int key = KEY_ITEM; key < KEYS; key++)
            pair_by(p, i, key, best, k, count);
}

/* The quantity to suggest for need @n and offer @o: what is left of the
 * need, at most what is left of the offer; a side without a quantity
 * sets no bound, and with neither there is none to suggest (null). */
static json_t *suggested_qty(const struct side *n, const struct side *o)
{
    if (!n->has_left && !o->has_left)
        return json_null();
    if (!n->has_left || (o->has_left && o->left < n->left))
        return json_integer(o->left);
    return json_integer(n->left);
}

/* Suggestion @c as JSON: the need's and the offer's fields, how alike,
 * the distance (null when unknown), the suggested quantity and whether
 * the offer covers the need's rest. */
static json_t *suggestion(const struct pairing *p, const struct cand *c)
{
    const struct side *n = &p->needs[c->n], *o = &p->offers[c->o];
    static const char *const nk[][2] = {{"need", "need"},
                                        {"need_what", "what"},
                                        {"need_category", "category"},
                                        {"need_left", "left"},
                                        {"need_unit", "unit"},
                                        {"urgency", "urgency"},
                                        {"needed_by", "needed_by"},
                                        {"need_site", "site"},
                                        {"need_site_name", "site_name"},
                                        {"need_village", "village"}};
    static const char *const ok[][2] = {
        {"offer", "offer"},
        {"offer_what", "what"},
        {"offer_left", "left"},
        {"offer_unit", "unit"},
        {"organisation", "organisation"},
        {"organisation_name", "organisation_name"},
        {"offer_site", "site"},
        {"offer_site_name", "site_name"},
        {"offer_village", "village"}};
    json_t *s = json_object();
    for (size_t i = 0; i < sizeof nk / sizeof nk[0]; i++)
        json_object_set(s, nk[i][0], json_object_get(n->row, nk[i][1]));
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        json_object_set(s, ok[i][0], json_object_get(o->row, ok[i][1]));
    json_object_set_new(s, "same", json_integer(c->same));
    json_object_set_new(s, "distance_km",
                        c->dist >= 0 ? json_real(c->dist) : json_null());
    json_object_set_new(s, "qty", suggested_qty(n, o));
    json_object_set_new(s, "fits", json_boolean(c->fits));
    return s;
}

int needs_suggest(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    *out = NULL;
    uint8_t id[HZ_ROW_LEN];
    if (o->id != NULL && (strlen(o->id) != 2 * HZ_ROW_LEN ||
                          hex_decode(o->id, id, HZ_ROW_LEN) != 0))
        return hz_err_set(err, HZ_EINVAL, "a need id is 32 hex digits");
    json_t *needs = json_array(), *offers = json_array();
    int rv =
        db_rows_json(&n->db, OPEN_NEEDS_SQL,
                     DB_ARGS(o->id != NULL ? DB_ROW(id) : DB_NULL), needs, err);
    if (rv == 0)
        rv = db_rows_json(&n->db, OPEN_OFFERS_SQL, DB_ARGS(DB_INT(o->now)),
                          offers, err);
    struct pairing p = {.n_needs = json_array_size(needs),
                        .n_offers = json_array_size(offers)};
    struct cand *best = NULL;
    if (rv == 0) {
        p.needs = sides_of(needs);
        p.offers = sides_of(offers);
        best = malloc(SUGGESTIONS_MAX * sizeof *best);
        int top = p.needs != NULL && p.offers != NULL
                      ? number_keys(p.needs, p.n_needs, p.offers, p.n_offers)
                      : -1;
        for (int key = KEY_ITEM; top >= 0 && key < KEYS; key++)
            if (!bucket_init(&p.by[key], p.offers, p.n_offers, key, top))
                top = -1;
        if (top < 0 || best == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "suggestions");
    }
    size_t k = 0, count = 0;
    json_t *list = NULL;
    if (rv == 0) {
        pair_all(&p, best, &k, &count);
        list = json_array();
        for (size_t i = 0; i < k; i++)
            json_array_append_new(list, suggestion(&p, &best[i]));
        *out = json_pack("{s:I, s:I, s:o}", "now", (json_int_t)o->now,
                         "candidates", (json_int_t)count, "suggestions", list);
        if (*out == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "suggestions");
    }
    for (int key = KEY_ITEM; key < KEYS; key++)
        bucket_close(&p.by[key]);
    free(best);
    free(p.needs);
    free(p.offers);
    json_decref(needs);
    json_decref(offers);
    return rv;
}

/* ---- a match or a receipt, checked on local input (CLI and web alike) */

static bool is_id(const struct value *v)
{
    return v != NULL && v->type == VALUE_BIN && v->s.len == HZ_ROW_LEN;
}

/* What this node holds of a need or an offer named by a match. */
struct held {
    bool found;
    bool has_qty;   /* no quantity (a service): promises without limit */
    char state[16]; /* the derived state (NEED_ROWS, OFFER_ROWS) */
    int64_t qty, promised;
};

static int read_side(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct held *s = data;
    s->found = true;
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(s->state, sizeof s->state, "%s", t != NULL ? (const char *)t : "");
    s->has_qty = sqlite3_column_type(st, 1) != SQLITE_NULL;
    s->qty = sqlite3_column_int64(st, 1);
    s->promised = sqlite3_column_int64(st, 2);
    return 0;
}

static int side_of(hz_node *n, bool need, const struct value *id,
                   struct held *s, struct hz_err *err)
{
    memset(s, 0, sizeof *s);
    return db_each(
        &n->db,
        need ? MATCH_SUMS_OF_NEED NEED_ROWS
            " SELECT state, qty, promised FROM need_rows WHERE need = ?1"
             : MATCH_SUMS_OF_OFFER OFFER_ROWS
            " SELECT state, qty, promised FROM offer_rows"
            " WHERE offer = ?1",
        DB_ARGS(DB_BLOB(id->s.p, id->s.len)), read_side, s, err);
}

/* A new promise: its need and offer exist here, are neither closed,
 * cancelled nor withdrawn, and have @qty left to promise (one without a
 * quantity, a service, has no limit). */
static int check_promise(hz_node *n, const struct op *o, struct hz_err *err)
{
    const struct value *need = body_op_value(o, "need"),
                       *offer = body_op_value(o, "offer");
    const struct value *qty = body_op_value(o, "qty");
    if (!is_id(need) || !is_id(offer) || qty == NULL)
        return 0; /* the schema's rules refuse it */
    struct held s;
    int rv = side_of(n, true, need, &s, err);
    if (rv == 0 && !s.found)
        return hz_err_say(err, HZ_EVALUE, "本节点没有所选的需求",
                          "need: no such need");
    if (rv == 0 &&
        (strcmp(s.state, "closed") == 0 || strcmp(s.state, "cancelled") == 0))
        return hz_err_say(err, HZ_EVALUE,
                          strcmp(s.state, "closed") == 0 ? "所选的需求已关闭"
                                                         : "所选的需求已取消",
                          "need: it is %s", s.state);
    if (rv == 0 && s.has_qty && qty->i > s.qty - s.promised)
        return hz_err_say(err, HZ_EVALUE, "数量超过该需求尚未认领的数量",
                          "qty: more than the need has left to promise");
    if (rv == 0)
        rv = side_of(n, false, offer, &s, err);
    if (rv == 0 && !s.found)
        return hz_err_say(err, HZ_EVALUE, "本节点没有所选的供给",
                          "offer: no such offer");
    if (rv == 0 && strcmp(s.state, "withdrawn") == 0)
        return hz_err_say(err, HZ_EVALUE, "所选的供给已撤回",
                          "offer: it is withdrawn");
    if (rv == 0 && s.has_qty && qty->i > s.qty - s.promised)
        return hz_err_say(err, HZ_EVALUE, "数量超过该供给尚未认领的数量",
                          "qty: more than the offer has left to promise");
    return rv;
}

/* A cancellation (a match naming the match it reverses): that match is a
 * promise held here, not cancelled yet, with the same need, offer and
 * qty. */
static int check_cancel(hz_node *n, const struct op *o, const struct value *r,
                        struct hz_err *err)
{
    const struct value *need = body_op_value(o, "need"),
                       *offer = body_op_value(o, "offer");
    const struct value *qty = body_op_value(o, "qty");
    if (!is_id(need) || !is_id(offer) || qty == NULL)
        return 0;
    int64_t state = 0;
    bool found = false;
    int rv = db_int(&n->db,
                    "SELECT CASE WHEN m.reverses IS NOT NULL THEN 3"
                    " WHEN EXISTS (SELECT 1 FROM v_matches c WHERE"
                    " c.reverses = m.id) THEN 2 WHEN m.need = ?2 AND"
                    " m.offer = ?3 AND m.qty = ?4 THEN 0 ELSE 1 END"
                    " FROM v_matches m WHERE m.id = ?1",
                    DB_ARGS(DB_BLOB(r->s.p, r->s.len),
                            DB_BLOB(need->s.p, need->s.len),
                            DB_BLOB(offer->s.p, offer->s.len), DB_INT(qty->i)),
                    &state, &found, err);
    if (rv != 0)
        return rv;
    if (!found || state == 3)
        return hz_err_say(err, HZ_EVALUE, "要取消的认领不存在",
                          "reverses: no such promise");
    if (state == 2)
        return hz_err_say(err, HZ_EVALUE, "这条认领已经取消过",
                          "reverses: cancelled already");
    if (state == 1)
        return hz_err_say(err, HZ_EVALUE,
                          "取消认领须与原认领的需求、供给和数量相同",
                          "reverses: a cancellation repeats the promise's"
                          " need, offer and qty");
    return 0;
}

/* Goods received against a match: the match is a promise held here and
 * not cancelled. */
static int check_receipt(hz_node *n, const struct value *m, struct hz_err *err)
{
    int64_t ok = 0;
    bool found = false;
    int rv = db_int(&n->db,
                    "SELECT NOT EXISTS (SELECT 1 FROM v_matches c WHERE"
                    " c.reverses = m.id) FROM v_matches m WHERE m.id = ?1"
                    " AND m.reverses IS NULL",
                    DB_ARGS(DB_BLOB(m->s.p, m->s.len)), &ok, &found, err);
    if (rv == 0 && !found)
        rv = hz_err_say(err, HZ_EVALUE, "所选的认领不存在",
                        "match: no such promise");
    else if (rv == 0 && !ok)
        rv = hz_err_say(err, HZ_EVALUE, "所选的认领已取消",
                        "match: the promise was cancelled");
    return rv;
}

int needs_check_write(hz_node *n, const struct op *o, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    const char *t = o->table->name;
    if (strcmp(t, "matches") == 0) {
        const struct value *r = body_op_value(o, "reverses");
        return is_id(r) ? check_cancel(n, o, r, err) : check_promise(n, o, err);
    }
    if (strcmp(t, "stock_moves") == 0) {
        const struct value *m = body_op_value(o, "match");
        return is_id(m) ? check_receipt(n, m, err) : 0;
    }
    return 0;
}
