/* views.c - derived quantities, answered by summing events (DESIGN,
 * "Domain model"; DECISIONS 10). Nothing here is stored: occupancy,
 * presence, stock and distributions are sums and joins over the
 * materialized event rows, so two sites that each hand out 10 blankets
 * end with 20 gone.
 *
 * An event row counts unless it is a correction (it names `reverses`) or
 * a correction names it. A person is at the site of each check-in that no
 * counted check-out closes; two such check-ins are listed for review.
 *
 * "unaccounted" is the one query of who is not accounted for (DECISIONS
 * 39), as proto/schema.md, "Who is not accounted for", defines it: the
 * CLI, the web and every report that needs it call this view. */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/error_int.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */

/* proto/schema.md, "Who is not accounted for": the households (hh) and
 * persons (pp) in scope, each with its reason, or NULL when accounted
 * for. */
#define UNACCOUNTED_BASE                                                       \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    MERGE_ENDS("p", "e_persons") ", "                                          \
    "wv AS (SELECT * FROM (" EFFECTIVE("v_warnings") ")"                      \
    " WHERE reached IS NOT 0), "                                               \
    "warned(hh) AS (SELECT DISTINCT rep FROM (SELECT "                         \
    LIVE_REP("h", "e_households", "wv.household") " AS rep FROM wv)"           \
    " WHERE rep IS NOT NULL), "                                                \
    PLACED ", "                                                                \
    "hh AS (SELECT h.id, h.head_name, h.village, h.grid, h.cadre, h.status,"   \
    " h.id IN (SELECT hh FROM warned) AS warned,"                              \
    " CASE WHEN h.status = 'unreachable' THEN 'unreachable'"                   \
    " WHEN (h.status IS NULL OR h.status = 'home')"                            \
    " AND h.id NOT IN (SELECT hh FROM warned) THEN 'not_contacted' END"        \
    " AS reason FROM e_households h WHERE " STANDS("h", "h")                   \
    " AND h.status IS NOT 'removed'), "                                        \
    "pin AS (SELECT p.*, hh.id AS hid, hh.head_name, hh.village,"              \
    " hh.status AS household_status, hh.warned, hh.reason AS hh_reason,"       \
    " p.id IN (SELECT person FROM placed) AS placed,"                          \
    " (coalesce(p.elderly_mobility, 0) OR coalesce(p.disabled, 0)"             \
    " OR coalesce(p.no_caretaker, 0) OR coalesce(p.left_behind, 0)"            \
    " OR coalesce(p.pregnant, 0) OR coalesce(p.chronic, 0)) AS vulnerable"     \
    " FROM (SELECT x.*, " LIVE_REP("h", "e_households", "x.household")         \
    " AS hrep FROM e_persons x WHERE " STANDS("p", "x") ") p"                  \
    " LEFT JOIN hh ON hh.id = p.hrep WHERE NOT EXISTS (SELECT 1"               \
    " FROM e_households r WHERE r.id = p.hrep AND r.status = 'removed')), "    \
    "pp AS (SELECT pin.*, CASE WHEN condition='deceased' THEN NULL"            \
    " WHEN condition='missing' THEN 'missing'"                                 \
    " WHEN placed OR condition = 'safe' OR household_status"                  \
    " IN ('relocated','borrowed','rented','tent')"                            \
    " OR (household_status = 'home' AND warned) THEN NULL"                     \
    " WHEN hh_reason IS NOT NULL THEN hh_reason ELSE 'no_place' END"           \
    " AS reason FROM pin) "

#define UNACCOUNTED_ROWS                                                       \
    "SELECT * FROM (SELECT 'person' AS kind, reason, id AS person, name,"      \
    " birth_year, condition, vulnerable, elderly_mobility, disabled,"          \
    " no_caretaker, left_behind, pregnant, chronic, hid AS household,"         \
    " head_name, village, household_status, warned FROM pp"                    \
    " WHERE reason IS NOT NULL"                                                \
    " UNION ALL SELECT 'household', reason, NULL, NULL, NULL, NULL, 0,"        \
    " NULL, NULL, NULL, NULL, NULL, NULL, id, head_name, village, status,"     \
    " warned FROM hh WHERE reason IS NOT NULL AND NOT EXISTS (SELECT 1"        \
    " FROM pp WHERE pp.hid = hh.id AND pp.reason IS NOT NULL))"                \
    " ORDER BY vulnerable DESC, CASE reason WHEN 'missing' THEN 0"             \
    " WHEN 'unreachable' THEN 1 WHEN 'not_contacted' THEN 2 ELSE 3 END,"       \
    " village, head_name, household, name, person"

#define UNACCOUNTED_TOTALS                                                     \
    "SELECT (SELECT count(*) FROM hh) AS households,"                          \
    " (SELECT count(*) FROM pp) AS persons,"                                   \
    " (SELECT count(*) FROM pp WHERE placed) AS sheltered,"                    \
    " (SELECT count(*) FROM hh WHERE status = 'unreachable') AS unreachable,"  \
    " (SELECT count(*) FROM hh WHERE reason IS NOT NULL)"                      \
    " AS unaccounted_households,"                                              \
    " (SELECT count(*) FROM pp WHERE reason IS NOT NULL)"                      \
    " AS unaccounted_persons"

/* The village view (DECISIONS 39's sets): every household in scope with
 * its status, its cadre, the last warning delivered to it (to it or to a
 * duplicate that stands for it), how many of its persons are at a site
 * and where, and how many are not accounted for (counted in one pass over
 * the persons, pc: a count a household, each with an index SQLite built
 * for it, cost a fifth more). */
#define VILLAGE_ROWS                                                           \
    ", hw AS (SELECT he.rep AS hid, wv.method, wv.time, wv.id FROM wv"         \
    " JOIN h_end he ON he.start = wv.household), "                             \
    "at_site AS MATERIALIZED (SELECT DISTINCT pp.hid, s.name FROM open o"      \
    " JOIN p_end pe ON pe.start = o.person JOIN pp ON pp.id = pe.rep"          \
    " JOIN e_sites s ON s.id = o.site), "                                      \
    "pc AS MATERIALIZED (SELECT hid, count(*) AS persons, sum(placed) AS"      \
    " placed, sum(reason IS NOT NULL) AS unaccounted FROM pp GROUP BY hid) "   \
    "SELECT hh.id AS household, hh.head_name, hh.village, hh.grid, hh.cadre,"  \
    " hh.status, hh.warned, hh.reason,"                                        \
    " (SELECT method FROM hw WHERE hw.hid = hh.id ORDER BY time DESC, id DESC" \
    " LIMIT 1) AS warned_method,"                                              \
    " (SELECT max(time) FROM hw WHERE hw.hid = hh.id) AS warned_time,"         \
    " coalesce(pc.persons, 0) AS persons, coalesce(pc.placed, 0) AS placed,"   \
    " coalesce(pc.unaccounted, 0) AS unaccounted_persons,"                     \
    " (SELECT group_concat(name, '、') FROM (SELECT name FROM at_site"         \
    " WHERE at_site.hid = hh.id ORDER BY name)) AS sites"                      \
    " FROM hh LEFT JOIN pc ON pc.hid = hh.id"                                  \
    " ORDER BY hh.village, hh.head_name, hh.id"

/* clang-format on */

/* A view's SQL is @sql, or @sql followed by @tail: the views of who is
 * not accounted for share UNACCOUNTED_BASE, and each piece stays within
 * the length C guarantees for one string literal. */
struct view {
    const char *name;
    const char *sql;
    bool by_site; /* ?1: a site's id, or NULL for every site's rows */
    const char *tail;
};

/* Sphere: at least 3.5 m2 of covered space per person. */
static const struct view views[] = {
    /* proto/schema.md, "Donations and their use": every donation that is
     * no correction, with what it received, committed and used. */
    {"donations",
     DONATION_ROWS "SELECT * FROM donation_sums ORDER BY time, donation", false,
     NULL},
    /* Every ledger row that is no correction (reversed_by: the one that
     * reverses it), with its donation's currency and its place. */
    {"ledger",
     "SELECT l.id AS tx, l.time, l.kind, l.donation, l.amount,"
     " coalesce(d.currency, 'CNY') AS currency, l.purpose,"
     " coalesce(l.village, h.village) AS village, l.organisation,"
     " o.name AS organisation_name, l.reference, l.relief, l.stock_move,"
     " l.match, l.by, l.note, (SELECT min(r.id) FROM v_ledger r"
     " WHERE r.reverses = l.id) AS reversed_by FROM v_ledger l"
     " LEFT JOIN v_donations d ON d.id = l.donation"
     " LEFT JOIN e_organisations o ON o.id = l.organisation AND o.deleted = 0"
     " LEFT JOIN v_relief rf ON rf.id = l.relief"
     " LEFT JOIN e_households h ON h.id = rf.household"
     " WHERE l.reverses IS NULL ORDER BY l.time, l.id",
     false, NULL},
    /* proto/schema.md, "Needs, offers and matches". */
    {"needs",
     MATCH_SUMS NEED_ROWS
     " SELECT * FROM need_rows WHERE ?1 IS NULL OR site = ?1"
     " ORDER BY state IN ('closed', 'cancelled', 'met'), urgency_rank DESC,"
     " needed_by IS NULL, needed_by, need",
     true, NULL},
    {"offers",
     MATCH_SUMS OFFER_ROWS
     " SELECT * FROM offer_rows WHERE ?1 IS NULL OR site = ?1"
     " ORDER BY state IN ('withdrawn', 'delivered'), available_from IS NULL,"
     " available_from, offer",
     true, NULL},
    /* Every promise, cancelled ones too (cancelled_by: the match that
     * reverses it), with what was received against it. */
    {"matches",
     "WITH sx AS (" EFFECTIVE(
         "v_stock_moves") ") SELECT m.id AS match,"
                          " m.need, n.what AS need_what, n.unit, n.site AS "
                          "need_site,"
                          " s.name AS need_site_name, n.village AS "
                          "need_village, m.offer,"
                          " f.what AS offer_what, o.name AS organisation_name, "
                          "m.qty, m.time,"
                          " m.by, m.note, (SELECT min(r.id) FROM v_matches r "
                          "WHERE r.reverses ="
                          " m.id) AS cancelled_by, (SELECT " ISUM(
                              "x.qty") " FROM sx x WHERE"
                                       " x.match = m.id AND x.kind = "
                                       "'received') AS "
                                       "received"
                                       " FROM v_matches m LEFT JOIN e_needs n "
                                       "ON n.id = "
                                       "m.need"
                                       " LEFT JOIN e_offers f ON f.id = "
                                       "m.offer LEFT JOIN "
                                       "e_organisations o"
                                       " ON o.id = f.organisation LEFT JOIN "
                                       "e_sites s ON "
                                       "s.id = n.site"
                                       " WHERE m.reverses IS NULL AND (?1 IS "
                                       "NULL OR n.site "
                                       "= ?1)"
                                       " ORDER BY m.time, m.id",
     true, NULL},
    {"occupancy",
     OPEN_STAYS_MERGED
     ", here AS (SELECT site, count(DISTINCT who) AS n FROM open GROUP BY"
     " site) SELECT s.id AS site, s.name AS name, s.kind AS kind, s.capacity"
     " AS capacity, s.area_m2 AS area_m2, coalesce(here.n, 0) AS present,"
     " CASE WHEN s.capacity IS NOT NULL AND coalesce(here.n, 0) > s.capacity"
     " THEN 1 ELSE 0 END AS over_capacity,"
     " CASE WHEN s.area_m2 IS NOT NULL AND here.n > 0 THEN s.area_m2 / here.n"
     " END AS m2_per_person FROM e_sites s LEFT JOIN here ON here.site = s.id"
     " WHERE s.deleted = 0 AND (?1 IS NULL OR s.id = ?1) ORDER BY s.name, s.id",
     true, NULL},
    {"presence",
     OPEN_STAYS_MERGED
     "SELECT o.who AS person, p.name AS name, p.household AS household,"
     " h.head_name AS head_name, o.site AS site, s.name AS"
     " site_name, o.id AS stay, o.time AS since, (SELECT count(*) FROM open"
     " o2 WHERE o2.who = o.who) > 1 AS several_sites FROM open o"
     " LEFT JOIN e_persons p ON p.id = o.who LEFT JOIN e_households h ON"
     " h.id = p.household LEFT JOIN e_sites s ON"
     " s.id = o.site WHERE ?1 IS NULL OR o.site = ?1"
     " ORDER BY s.name, p.name, o.who, o.id",
     true, NULL},
    {"stock",
     "WITH eff AS (" EFFECTIVE(
         "v_stock_moves") ") SELECT e.site AS site,"
                          " s.name AS site_name, e.item AS item, "
                          "i.name AS item_name, i.unit AS"
                          " unit, " ISUM(
                              "e.qty") " AS on_hand, count(*) AS "
                                       "moves FROM eff e LEFT JOIN"
                                       " e_sites s ON s.id = e.site LEFT JOIN "
                                       "e_items i ON i.id = e.item WHERE ?1 IS "
                                       "NULL OR e.site = ?1"
                                       " GROUP BY e.site, e.item ORDER BY "
                                       "s.name, "
                                       "i.name, e.site, e.item",
     true, NULL},
    {"received",
     "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", eff AS (" EFFECTIVE(
         "v_stock_moves") "), got AS (SELECT coalesce(he.rep,"
                          " e.household) AS household, e.item, e.qty FROM eff "
                          "e LEFT JOIN h_end he"
                          " ON he.start = e.household WHERE e.kind = "
                          "'distributed')"
                          " SELECT g.household AS household, h.head_name AS "
                          "head_name,"
                          " g.item AS item, i.name AS item_name, i.unit AS "
                          "unit,"
                          " -" ISUM(
                              "g.qty") " AS received, count(*) AS times FROM "
                                       "got g"
                                       " LEFT JOIN e_households h ON h.id = "
                                       "g.household"
                                       " LEFT JOIN e_items i ON i.id = g.item"
                                       " GROUP BY g.household, g.item ORDER BY "
                                       "h.head_name, "
                                       "g.household,"
                                       " i.name",
     false, NULL},
    {"vulnerable",
     OPEN_STAYS_MERGED
     ", vp AS (SELECT pe.rep AS id, max(coalesce(x.elderly_mobility, 0)) AS"
     " elderly_mobility, max(coalesce(x.disabled, 0)) AS disabled,"
     " max(coalesce(x.no_caretaker, 0)) AS no_caretaker,"
     " max(coalesce(x.left_behind, 0)) AS left_behind,"
     " max(coalesce(x.pregnant, 0)) AS pregnant, max(coalesce(x.chronic, 0))"
     " AS chronic FROM e_persons x JOIN p_end pe ON pe.start = x.id"
     " GROUP BY pe.rep), "
     /* The persons whose latest open stay is at site ?1: one list, read
      * once, not a scan of the stays per person. */
     "at AS (SELECT who FROM (SELECT who, site, row_number() OVER"
     " (PARTITION BY who ORDER BY time DESC, id DESC) AS k FROM open)"
     " WHERE k = 1 AND site = ?1) "
     "SELECT p.id AS person, p.name AS name, p.household AS household,"
     " p.birth_year AS birth_year, v.elderly_mobility AS elderly_mobility,"
     " v.disabled AS disabled, v.no_caretaker AS no_caretaker,"
     " v.left_behind AS left_behind, v.pregnant AS pregnant, v.chronic AS"
     " chronic, p.condition AS condition, (SELECT site FROM open WHERE"
     " open.who = p.id ORDER BY time DESC, id DESC LIMIT 1) AS site, (SELECT"
     " s.name FROM open JOIN e_sites s ON s.id = open.site WHERE"
     " open.who = p.id ORDER BY open.time DESC, open.id DESC LIMIT 1) AS "
     "site_name FROM"
     " e_persons p JOIN vp v ON v.id = p.id WHERE (v.elderly_mobility = 1 OR"
     " v.disabled = 1 OR v.no_caretaker = 1 OR v.left_behind = 1 OR"
     " v.pregnant = 1 OR v.chronic = 1) AND (?1 IS NULL OR p.id IN (SELECT"
     " who FROM at)) ORDER BY p.name, p.id",
     true, NULL},
    {"unaccounted", UNACCOUNTED_BASE, false, UNACCOUNTED_ROWS},
    /* The households not accounted for, with their reason, cadre and
     * phone: what the reports list beside the persons (reports.c). */
    {"unaccounted_households", UNACCOUNTED_BASE, false,
     "SELECT hh.id AS household, hh.reason, hh.village,"
     " hh.head_name, hh.cadre, hh.warned, h.phone FROM hh JOIN e_households h"
     " ON h.id = hh.id WHERE hh.reason IS NOT NULL"},
    {"village", UNACCOUNTED_BASE, false, VILLAGE_ROWS},
    {"volunteer_periods", VOLUNTEER_PERIODS, true,
     "SELECT p.id AS service, p.volunteer, v.name, p.site, s.name AS"
     " site_name, p.task, p.starts, p.ends, p.how, p.minutes, p.open"
     " FROM periods p LEFT JOIN e_volunteers v ON v.id = p.volunteer"
     " LEFT JOIN e_sites s ON s.id = p.site WHERE ?1 IS NULL OR p.site = ?1"
     " ORDER BY p.volunteer, p.starts, p.id"},
    /* Minutes by volunteer, site and task: what a service record totals. */
    {"volunteer_hours", VOLUNTEER_PERIODS, true,
     "SELECT p.volunteer, v.name, p.site, s.name AS site_name, p.task,"
     " coalesce(sum(p.minutes), 0) AS minutes, count(*) AS periods,"
     " sum(p.open) AS open FROM periods p LEFT JOIN e_volunteers v"
     " ON v.id = p.volunteer LEFT JOIN e_sites s ON s.id = p.site"
     " WHERE ?1 IS NULL OR p.site = ?1 GROUP BY p.volunteer, p.site, p.task"
     " ORDER BY p.volunteer, s.name, p.site, p.task"},
};

/* Views that also have totals (one row): their JSON is {rows, totals}. */
static const struct view totals[] = {
    {"unaccounted", UNACCOUNTED_BASE, false, UNACCOUNTED_TOTALS},
};

static const struct view *find(const struct view *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].name, name) == 0)
            return &v[i];
    }
    return NULL;
}

/* The whole SQL of @v (its pieces joined), to free; NULL when out of
 * memory. */
static char *view_sql(const struct view *v)
{
    const char *tail = v->tail != NULL ? v->tail : "";
    size_t a = strlen(v->sql), b = strlen(tail);
    char *sql = malloc(a + b + 1);
    if (sql != NULL) {
        memcpy(sql, v->sql, a);
        memcpy(sql + a, tail, b + 1);
    }
    return sql;
}

/* Add @by to the integer @key of @o. */
static void add_to(json_t *o, const char *key, json_int_t by)
{
    json_object_set_new(
        o, key, json_integer(json_integer_value(json_object_get(o, key)) + by));
}

/* "villages": per village, the sums of the village view's rows (the
 * township's overview), in village order (the village view's), summed
 * as the rows go by: only the sums are held. */
struct villages {
    json_t *out, *last;
};

static int village_row(void *data, json_t *r, struct hz_err *err)
{
    static const char *const sums[] = {"persons", "placed", "warned",
                                       "unaccounted_persons"};
    struct villages *s = data;
    json_t *v = json_object_get(r, "village");
    if (s->last == NULL ||
        !json_equal(json_object_get(s->last, "village"), v)) {
        s->last =
            json_pack("{s:O, s:i, s:i, s:i, s:i, s:i, s:i}", "village",
                      v != NULL ? v : json_null(), "households", 0, "persons",
                      0, "placed", 0, "warned", 0, "unaccounted_households", 0,
                      "unaccounted_persons", 0);
        if (s->last == NULL || json_array_append_new(s->out, s->last) != 0)
            return hz_err_set(err, HZ_ENOMEM, "villages");
    }
    add_to(s->last, "households", 1);
    add_to(s->last, "unaccounted_households",
           !json_is_null(json_object_get(r, "reason")));
    for (size_t k = 0; k < sizeof sums / sizeof sums[0]; k++)
        add_to(s->last, sums[k],
               json_integer_value(json_object_get(r, sums[k])));
    return 0;
}

/* The rows of @view's own SQL (a view of rows, or the rows of one with
 * totals) handed to @fn. */
static int view_rows(hz_node *n, const char *view, const uint8_t *site,
                     int (*fn)(void *data, json_t *row, struct hz_err *err),
                     void *data, struct hz_err *err)
{
    const struct view *v = find(views, sizeof views / sizeof views[0], view);
    if (v == NULL)
        return hz_err_set(err, HZ_EINVAL, "no view %s", view);
    char *sql = view_sql(v);
    if (sql == NULL)
        return hz_err_set(err, HZ_ENOMEM, "view %s", view);
    int rv = v->by_site
                 ? db_each_json(&n->db, sql,
                                DB_ARGS(site != NULL ? DB_ROW(site) : DB_NULL),
                                fn, data, err)
                 : db_each_json(&n->db, sql, DB_NO_ARGS, fn, data, err);
    free(sql);
    return rv;
}

int store_view_each(hz_node *n, const char *view, const uint8_t *site,
                    int (*fn)(void *data, json_t *row, struct hz_err *err),
                    void *data, struct hz_err *err)
{
    if (strcmp(view, "villages") == 0) {
        struct villages s = {json_array(), NULL};
        int rv = s.out != NULL
                     ? store_view_each(n, "village", NULL, village_row, &s, err)
                     : hz_err_set(err, HZ_ENOMEM, "villages");
        size_t i;
        json_t *row;
        json_array_foreach(s.out, i, row)
        {
            if (rv == 0)
                rv = fn(data, row, err);
        }
        json_decref(s.out);
        return rv;
    }
    if (find(totals, sizeof totals / sizeof totals[0], view) != NULL)
        return hz_err_set(err, HZ_EINVAL, "view %s is not rows", view);
    return view_rows(n, view, site, fn, data, err);
}

static int append_to(void *data, json_t *row, struct hz_err *err)
{
    return json_array_append(data, row) == 0
               ? 0
               : hz_err_set(err, HZ_ENOMEM, "view");
}

bool store_view_totals(const char *view)
{
    return find(totals, sizeof totals / sizeof totals[0], view) != NULL;
}

int store_view_json(hz_node *n, const char *view, const uint8_t *site,
                    json_t **out, struct hz_err *err)
{
    *out = NULL;
    const struct view *t = find(totals, sizeof totals / sizeof totals[0], view);
    json_t *arr = json_array();
    int rv = arr == NULL ? hz_err_set(err, HZ_ENOMEM, "view %s", view)
             : t == NULL ? store_view_each(n, view, site, append_to, arr, err)
                         : view_rows(n, view, site, append_to, arr, err);
    if (rv != 0 || t == NULL) {
        if (rv != 0)
            json_decref(arr);
        else
            *out = arr;
        return rv;
    }
    /* rows and totals */
    char *sums_sql = view_sql(t);
    json_t *sums = json_array();
    rv = sums_sql != NULL && sums != NULL
             ? db_rows_json(&n->db, sums_sql, DB_NO_ARGS, sums, err)
             : hz_err_set(err, HZ_ENOMEM, "view %s", view);
    free(sums_sql);
    json_t *root = json_object();
    json_object_set_new(root, "rows", arr);
    json_object_set(root, "totals", json_array_get(sums, 0));
    json_decref(sums);
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    *out = root;
    return 0;
}

int hz_node_view(hz_node *n, const char *view, char **json, struct hz_err *err)
{
    *json = NULL;
    json_t *root = NULL;
    int rv = store_view_json(n, view, NULL, &root, err);
    return rv != 0 ? rv : render_dump(root, json, err);
}

struct view_text {
    int (*fn)(void *data, const char *json, struct hz_err *err);
    void *data;
};

static int row_text(void *data, json_t *row, struct hz_err *err)
{
    struct view_text *t = data;
    char *text = json_dumps(row, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL)
        return hz_err_set(err, HZ_ENOMEM, "view row");
    int rv = t->fn(t->data, text, err);
    free(text);
    return rv;
}

int hz_node_view_rows(hz_node *n, const char *view,
                      int (*fn)(void *data, const char *json,
                                struct hz_err *err),
                      void *data, struct hz_err *err)
{
    struct view_text t = {fn, data};
    return store_view_each(n, view, NULL, row_text, &t, err);
}
