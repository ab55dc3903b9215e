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
/* Open needs with something left to promise against available offers
 * with something left, of the same item, the same item or service named
 * alike, or the same category (the best of these as `same`: 3 item,
 * 2 name, 1 category). An offer whose availability ended before ?2 is
 * left out; ?1 narrows to one need. */
#define CANDIDATES_SQL                                                         \
    MATCH_SUMS NEED_ROWS ", " OFFER_ROWS " "                                   \
    "SELECT n.need, n.what AS need_what, n.category AS need_category,"         \
    " n.qty - n.promised AS need_left, n.unit AS need_unit, n.urgency,"        \
    " n.urgency_rank, n.needed_by, n.site AS need_site, n.site_name AS"        \
    " need_site_name, n.village AS need_village, n.lat AS need_lat, n.lon AS"  \
    " need_lon, f.offer, f.what AS offer_what, f.qty - f.promised AS"          \
    " offer_left, f.unit AS offer_unit, f.organisation, f.organisation_name,"  \
    " f.site AS offer_site, f.site_name AS offer_site_name, f.village AS"      \
    " offer_village, f.lat AS offer_lat, f.lon AS offer_lon,"                  \
    " CASE WHEN n.item IS NOT NULL AND n.item = f.item THEN 3"                 \
    " WHEN n.what IS NOT NULL AND lower(trim(n.what)) = lower(trim(f.what))"   \
    " THEN 2 ELSE 1 END AS same"                                               \
    " FROM need_rows n JOIN offer_rows f ON (n.item = f.item"                  \
    " OR lower(trim(n.what)) = lower(trim(f.what)) OR n.category = f.category)"\
    " WHERE n.state IN ('open', 'promised', 'partly_met')"                     \
    " AND n.qty > n.promised AND f.state = 'available' AND f.qty > f.promised" \
    " AND (f.available_until IS NULL OR f.available_until >= ?2)"              \
    " AND (?1 IS NULL OR n.need = ?1)"
/* clang-format on */

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

static bool num(json_t *o, const char *key, double *out)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        return false;
    *out = json_number_value(v);
    return true;
}

static json_int_t int_of(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* A ranked candidate @c made a suggestion: the suggested quantity (what
 * is left of the need, at most what is left of the offer) and whether the
 * offer covers the need's rest; the coordinates and rank dropped. */
static void complete(json_t *c)
{
    json_int_t need = int_of(c, "need_left"), offer = int_of(c, "offer_left");
    json_object_set_new(c, "qty", json_integer(need < offer ? need : offer));
    json_object_set_new(c, "fits", json_boolean(offer >= need));
    static const char *const drop[] = {"need_lat", "need_lon", "offer_lat",
                                       "offer_lon", "urgency_rank"};
    for (size_t k = 0; k < sizeof drop / sizeof drop[0]; k++)
        json_object_del(c, drop[k]);
}

static int cmp_int(json_int_t a, json_int_t b)
{
    return (a > b) - (a < b);
}

/* Best first: more urgent, the same item before the same name before the
 * same category, an offer that covers the need's rest, nearer (unknown
 * distance last), needed sooner (no date last), then by need and offer
 * id, so every node ranks alike. */
static int by_rank(const void *pa, const void *pb)
{
    json_t *a = *(json_t *const *)pa, *b = *(json_t *const *)pb;
    int r = cmp_int(int_of(b, "urgency_rank"), int_of(a, "urgency_rank"));
    if (r == 0)
        r = cmp_int(int_of(b, "same"), int_of(a, "same"));
    if (r == 0)
        r = cmp_int(int_of(b, "offer_left") >= int_of(b, "need_left"),
                    int_of(a, "offer_left") >= int_of(a, "need_left"));
    if (r == 0) {
        json_t *da = json_object_get(a, "distance_km");
        json_t *db = json_object_get(b, "distance_km");
        if (json_is_null(da) != json_is_null(db))
            r = json_is_null(da) ? 1 : -1;
        else if (!json_is_null(da))
            r = (json_real_value(da) > json_real_value(db)) -
                (json_real_value(da) < json_real_value(db));
    }
    if (r == 0) {
        json_t *na = json_object_get(a, "needed_by");
        json_t *nb = json_object_get(b, "needed_by");
        if (json_is_null(na) != json_is_null(nb))
            r = json_is_null(na) ? 1 : -1;
        else if (!json_is_null(na))
            r = cmp_int(json_integer_value(na), json_integer_value(nb));
    }
    if (r == 0)
        r = strcmp(json_string_value(json_object_get(a, "need")),
                   json_string_value(json_object_get(b, "need")));
    if (r == 0)
        r = strcmp(json_string_value(json_object_get(a, "offer")),
                   json_string_value(json_object_get(b, "offer")));
    return r;
}

/* Each candidate's distance (km, rounded to 0.1; null when a side has
 * no coordinates), before they are ranked. */
static void with_distance(json_t *rows)
{
    size_t i;
    json_t *c;
    json_array_foreach(rows, i, c)
    {
        double a, b, x, y;
        json_t *d = json_null();
        if (num(c, "need_lat", &a) && num(c, "need_lon", &b) &&
            num(c, "offer_lat", &x) && num(c, "offer_lon", &y))
            d = json_real(round(haversine_km(a, b, x, y) * 10) / 10);
        json_object_set_new(c, "distance_km", d);
    }
}

int needs_suggest(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    *out = NULL;
    uint8_t id[HZ_ROW_LEN];
    if (o->id != NULL && (strlen(o->id) != 2 * HZ_ROW_LEN ||
                          hex_decode(o->id, id, HZ_ROW_LEN) != 0))
        return hz_err_set(err, HZ_EINVAL, "a need id is 32 hex digits");
    json_t *rows = json_array();
    int rv = db_rows_json(
        &n->db, CANDIDATES_SQL,
        DB_ARGS(o->id != NULL ? DB_ROW(id) : DB_NULL, DB_INT(o->now)), rows,
        err);
    if (rv != 0) {
        json_decref(rows);
        return rv;
    }
    with_distance(rows);
    size_t count = json_array_size(rows);
    json_t **v = malloc((count > 0 ? count : 1) * sizeof *v);
    if (v == NULL) {
        json_decref(rows);
        return hz_err_set(err, HZ_ENOMEM, "suggestions");
    }
    for (size_t i = 0; i < count; i++)
        v[i] = json_array_get(rows, i);
    qsort(v, count, sizeof *v, by_rank);
    json_t *best = json_array();
    for (size_t i = 0; i < count && i < SUGGESTIONS_MAX; i++) {
        complete(v[i]);
        json_array_append(best, v[i]);
    }
    free(v);
    json_decref(rows);
    *out = json_pack("{s:I, s:I, s:o}", "now", (json_int_t)o->now, "candidates",
                     (json_int_t)count, "suggestions", best);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "suggestions");
}

/* ---- a match or a receipt, checked on local input (CLI and web alike) */

static bool is_id(const struct value *v)
{
    return v != NULL && v->type == VALUE_BIN && v->s.len == HZ_ROW_LEN;
}

/* What this node holds of a need or an offer named by a match. */
struct side {
    bool found;
    char state[16]; /* the derived state (NEED_ROWS, OFFER_ROWS) */
    int64_t qty, promised;
};

static int read_side(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct side *s = data;
    s->found = true;
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(s->state, sizeof s->state, "%s", t != NULL ? (const char *)t : "");
    s->qty = sqlite3_column_int64(st, 1);
    s->promised = sqlite3_column_int64(st, 2);
    return 0;
}

static int side_of(hz_node *n, bool need, const struct value *id,
                   struct side *s, struct hz_err *err)
{
    memset(s, 0, sizeof *s);
    return db_each(&n->db,
                   need ? MATCH_SUMS NEED_ROWS " SELECT state, qty, promised"
                                               " FROM need_rows WHERE need = ?1"
                        : MATCH_SUMS OFFER_ROWS
                       " SELECT state, qty, promised FROM offer_rows"
                       " WHERE offer = ?1",
                   DB_ARGS(DB_BLOB(id->s.p, id->s.len)), read_side, s, err);
}

/* A new promise: its need and offer exist here, are neither closed,
 * cancelled nor withdrawn, and have @qty left to promise. */
static int check_promise(hz_node *n, const struct op *o, struct hz_err *err)
{
    const struct value *need = body_op_value(o, "need"),
                       *offer = body_op_value(o, "offer");
    const struct value *qty = body_op_value(o, "qty");
    if (!is_id(need) || !is_id(offer) || qty == NULL)
        return 0; /* the schema's rules refuse it */
    struct side s;
    int rv = side_of(n, true, need, &s, err);
    if (rv == 0 && !s.found)
        return hz_err_set(err, HZ_EVALUE, "need: no such need");
    if (rv == 0 &&
        (strcmp(s.state, "closed") == 0 || strcmp(s.state, "cancelled") == 0))
        return hz_err_set(err, HZ_EVALUE, "need: it is %s", s.state);
    if (rv == 0 && qty->i > s.qty - s.promised)
        return hz_err_set(err, HZ_EVALUE,
                          "qty: more than the need has left to promise");
    if (rv == 0)
        rv = side_of(n, false, offer, &s, err);
    if (rv == 0 && !s.found)
        return hz_err_set(err, HZ_EVALUE, "offer: no such offer");
    if (rv == 0 && strcmp(s.state, "withdrawn") == 0)
        return hz_err_set(err, HZ_EVALUE, "offer: it is withdrawn");
    if (rv == 0 && qty->i > s.qty - s.promised)
        return hz_err_set(err, HZ_EVALUE,
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
        return hz_err_set(err, HZ_EVALUE, "reverses: no such promise");
    if (state == 2)
        return hz_err_set(err, HZ_EVALUE, "reverses: cancelled already");
    if (state == 1)
        return hz_err_set(err, HZ_EVALUE,
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
        rv = hz_err_set(err, HZ_EVALUE, "match: no such promise");
    else if (rv == 0 && !ok)
        rv = hz_err_set(err, HZ_EVALUE, "match: the promise was cancelled");
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
