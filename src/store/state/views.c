/* views.c - derived quantities, answered by summing events (DESIGN,
 * "Domain model"; DECISIONS 10). Nothing here is stored: occupancy,
 * presence, stock and distributions are sums and joins over the
 * materialized event rows, so two sites that each hand out 10 blankets
 * end with 20 gone.
 *
 * An event row counts unless it is a correction (it names `reverses`) or
 * a correction names it. A person is at the site of each check-in that no
 * counted check-out closes; two such check-ins are listed for review. */
#include "render.h"
#include "state.h"

#include "../../core/error_int.h"

#include <string.h>

#define EFFECTIVE(t)                                                           \
    "SELECT * FROM " t " x WHERE x.reverses IS NULL AND NOT EXISTS"            \
    " (SELECT 1 FROM " t " r WHERE r.reverses = x.id)"

#define OPEN_STAYS                                                             \
    "WITH eff AS (" EFFECTIVE(                                                 \
        "v_stays") "), open AS (SELECT i.* FROM eff"                           \
                   " i WHERE i.kind = 'in' AND NOT EXISTS (SELECT 1 FROM eff " \
                   "o WHERE"                                                   \
                   " o.kind = 'out' AND o.closes = i.id)) "

struct view {
    const char *name;
    const char *sql;
};

/* Sphere: at least 3.5 m2 of covered space per person. */
static const struct view views[] = {
    {"occupancy", OPEN_STAYS
     "SELECT s.id AS site, s.name AS name, s.kind AS kind, s.capacity AS"
     " capacity, s.area_m2 AS area_m2, (SELECT count(DISTINCT person) FROM"
     " open WHERE open.site = s.id) AS present,"
     " CASE WHEN s.capacity IS NOT NULL AND (SELECT count(DISTINCT person)"
     " FROM open WHERE open.site = s.id) > s.capacity THEN 1 ELSE 0 END AS"
     " over_capacity,"
     " CASE WHEN s.area_m2 IS NOT NULL AND (SELECT count(DISTINCT person)"
     " FROM open WHERE open.site = s.id) > 0 THEN s.area_m2 / (SELECT"
     " count(DISTINCT person) FROM open WHERE open.site = s.id) END AS"
     " m2_per_person FROM e_sites s WHERE s.deleted = 0"
     " ORDER BY s.name, s.id"},
    {"presence", OPEN_STAYS
     "SELECT o.person AS person, p.name AS name, o.site AS site, s.name AS"
     " site_name, o.id AS stay, o.time AS since, (SELECT count(*) FROM open"
     " o2 WHERE o2.person = o.person) > 1 AS several_sites FROM open o"
     " LEFT JOIN e_persons p ON p.id = o.person LEFT JOIN e_sites s ON"
     " s.id = o.site ORDER BY s.name, p.name, o.person, o.id"},
    {"stock", "WITH eff AS (" EFFECTIVE(
                  "v_stock_moves") ") SELECT e.site AS site,"
                                   " s.name AS site_name, e.item AS item, "
                                   "i.name AS item_name, i.unit AS"
                                   " unit, sum(e.qty) AS on_hand, count(*) AS "
                                   "moves FROM eff e LEFT JOIN"
                                   " e_sites s ON s.id = e.site LEFT JOIN "
                                   "e_items i ON i.id = e.item"
                                   " GROUP BY e.site, e.item ORDER BY s.name, "
                                   "i.name, e.site, e.item"},
    {"received", "WITH eff AS (" EFFECTIVE(
                     "v_stock_moves") ") SELECT e.household AS"
                                      " household, h.head_name AS head_name, "
                                      "e.item AS item, i.name AS"
                                      " item_name, i.unit AS unit, -sum(e.qty) "
                                      "AS received, count(*) AS"
                                      " times FROM eff e LEFT JOIN "
                                      "e_households h ON h.id = e.household"
                                      " LEFT JOIN e_items i ON i.id = e.item "
                                      "WHERE e.kind = 'distributed'"
                                      " GROUP BY e.household, e.item ORDER BY "
                                      "h.head_name, e.household,"
                                      " i.name"},
    {"vulnerable", OPEN_STAYS
     "SELECT p.id AS person, p.name AS name, p.household AS household,"
     " p.birth_year AS birth_year, p.elderly_mobility AS elderly_mobility,"
     " p.disabled AS disabled, p.no_caretaker AS no_caretaker,"
     " p.left_behind AS left_behind, p.pregnant AS pregnant, p.chronic AS"
     " chronic, p.condition AS condition, (SELECT site FROM open WHERE"
     " open.person = p.id ORDER BY time DESC, id DESC LIMIT 1) AS site, (SELECT"
     " s.name FROM open JOIN e_sites s ON s.id = open.site WHERE"
     " open.person = p.id ORDER BY open.time DESC, open.id DESC LIMIT 1) AS "
     "site_name FROM"
     " e_persons p WHERE p.deleted = 0 AND (p.elderly_mobility = 1 OR"
     " p.disabled = 1 OR p.no_caretaker = 1 OR p.left_behind = 1 OR"
     " p.pregnant = 1 OR p.chronic = 1) ORDER BY p.name, p.id"},
};

int hz_node_view(hz_node *n, const char *view, char **json, struct hz_err *err)
{
    *json = NULL;
    const struct view *v = NULL;
    for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
        if (strcmp(views[i].name, view) == 0)
            v = &views[i];
    }
    if (v == NULL)
        return hz_err_set(err, HZ_EINVAL, "no view %s", view);
    json_t *arr = json_array();
    int rv = db_rows_json(&n->db, v->sql, DB_NO_ARGS, arr, err);
    if (rv != 0) {
        json_decref(arr);
        return rv;
    }
    return render_dump(arr, json, err);
}
