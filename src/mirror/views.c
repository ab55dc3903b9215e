/* views.c - the derived figures of the county mirror: PostgreSQL views
 * over the mirrored tables that answer what the node's own views answer
 * (src/store/state/views.c; DESIGN, "Domain model": quantities are sums
 * of events, never stored), so a dashboard reads occupancy, stock on hand
 * and what each household received as `huzhu occupancy|stock|received`
 * show them (proto/cli.md, "The county mirror", "Views").
 *
 * The same words as the node's SQL (viewsql.h), per network: an event
 * row counts unless it reverses another or another reverses it; a check-in
 * is open while no counted check-out closes it; a person or household
 * merged into another (DECISIONS 40) counts as the live row at the end of
 * its merged_into chain, a cycle ending at its lowest id (uuid order is
 * byte order, as the node compares its blob ids); tombstoned rows are
 * left out where the node leaves them out. Made with CREATE OR REPLACE
 * VIEW at every start, after the tables, so a newer version may add
 * columns at the end of a view. */
#include "views.h"

#include "../core/error_int.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */

/* An event table's counted rows; "@" stands for the quoted schema and a
 * dot (mirror_views_sql). */
#define EFFECTIVE(t)                                                           \
    "SELECT * FROM @" t " x WHERE x.reverses IS NULL AND NOT EXISTS"           \
    " (SELECT 1 FROM @" t " r WHERE r.network = x.network"                     \
    " AND r.reverses = x.id)"

/* PFX_moved(network, start, rep): each live row of TABLE whose
 * merged_into names a live row, with the row it stands for (viewsql.h,
 * MERGE_ENDS: the end of the chain, else a cycle's lowest id). Every
 * other row stands for itself: coalesce(rep, id). */
#define MERGE_MOVED(pfx, table)                                                \
    pfx "_link(network, id, nxt) AS (SELECT r.network, r.id, t.id FROM @"      \
    table " r JOIN @" table " t ON t.network = r.network"                      \
    " AND t.id = r.merged_into AND NOT t.deleted WHERE NOT r.deleted), "       \
    pfx "_chain(network, start, cur) AS (SELECT network, id, id FROM "         \
    pfx "_link UNION SELECT c.network, c.start, l.nxt FROM " pfx "_chain c"    \
    " JOIN " pfx "_link l ON l.network = c.network AND l.id = c.cur), "        \
    pfx "_moved(network, start, rep) AS (SELECT c.network, c.start,"           \
    " coalesce((array_agg(c.cur) FILTER (WHERE l.id IS NULL))[1],"             \
    " (array_agg(c.cur ORDER BY c.cur) FILTER (WHERE c2.start IS NOT NULL))"   \
    "[1]) FROM " pfx "_chain c LEFT JOIN " pfx "_link l"                       \
    " ON l.network = c.network AND l.id = c.cur LEFT JOIN " pfx "_chain c2"    \
    " ON c2.network = c.network AND c2.start = l.nxt AND c2.cur = c.cur"       \
    " GROUP BY c.network, c.start)"

#define REP(pfx, net, col)                                                     \
    "coalesce((SELECT m.rep FROM " pfx "_moved m WHERE m.network = " net       \
    " AND m.start = " col "), " col ")"

/* Whether the row @a of TABLE (PFX_moved in scope) is live and stands
 * for itself (viewsql.h, STANDS). */
#define STANDS(pfx, a)                                                         \
    "(NOT " a ".deleted AND " REP(pfx, a ".network", a ".id") " = " a ".id)"

/* proto/reports.md, "Words", per network: households in scope with their
 * latest effective damage (hh), persons in scope with their household
 * record, placement and own affectedness (pp), the latest assessment of
 * each facility (fac). */
#define DISASTER_MERGES                                                        \
    "WITH RECURSIVE " MERGE_MOVED("h", "households") ", "                      \
    MERGE_MOVED("p", "persons") ", "
#define DISASTER_BASE                                                          \
    "dmg AS (SELECT d.*, row_number() OVER (PARTITION BY d.network, d.hid"     \
    " ORDER BY d.time DESC, d.id DESC) AS rn FROM (SELECT x.*, "               \
    REP("h", "x.network", "x.household") " AS hid FROM (" EFFECTIVE("damage")  \
    ") x WHERE x.household IS NOT NULL) d), "                                  \
    "hh AS (SELECT h.network, h.id, h.village, h.status,"                      \
    " coalesce(h.needs_aid, false) AS needs_aid, CASE WHEN g.house IN"         \
    " ('collapsed', 'severe', 'general') THEN g.house END AS house,"           \
    " coalesce(g.rooms, 0) AS rooms, coalesce(g.crops_mu, 0) AS crops,"        \
    " coalesce(g.loss_yuan, 0) AS loss FROM @households h LEFT JOIN dmg g"     \
    " ON g.network = h.network AND g.hid = h.id AND g.rn = 1"                  \
    " WHERE " STANDS("h", "h") " AND h.status IS DISTINCT FROM 'removed'), "   \
    "eff AS (" EFFECTIVE("stays") "), "                                        \
    "placed AS (SELECT DISTINCT i.network, " REP("p", "i.network", "i.person") \
    " AS person FROM eff i WHERE i.kind = 'in' AND NOT EXISTS (SELECT 1"       \
    " FROM eff o WHERE o.network = i.network AND o.kind = 'out'"               \
    " AND o.closes = i.id)), "                                                 \
    "pin AS (SELECT x.network, x.id, x.condition, (SELECT " REP("h",           \
    "g.network", "g.id") " FROM @households g WHERE g.network = x.network"     \
    " AND g.id = x.household AND NOT g.deleted) AS hrep, EXISTS (SELECT 1"     \
    " FROM placed pl WHERE pl.network = x.network AND pl.person = x.id)"       \
    " AS placed FROM @persons x WHERE " STANDS("p", "x") "), "                 \
    "pp AS (SELECT pin.network, pin.id, hh.id AS hid, hh.village,"             \
    " pin.condition = 'deceased' AS dead, pin.condition = 'missing' AS"        \
    " missing, pin.condition = 'injured' AS injured,"                          \
    " CASE WHEN pin.condition IN ('deceased', 'missing') THEN NULL"            \
    " WHEN pin.placed THEN 'shelter' WHEN hh.status = 'relocated' THEN"        \
    " 'relatives' WHEN hh.status IN ('borrowed', 'rented', 'tent') THEN"       \
    " hh.status WHEN hh.status IN ('evacuated', 'sheltered') THEN 'other'"     \
    " END AS place, pin.condition IS DISTINCT FROM 'deceased'"                 \
    " AND pin.condition IS DISTINCT FROM 'missing'"                            \
    " AND coalesce(hh.needs_aid, false) AS needs_aid FROM pin LEFT JOIN hh"    \
    " ON hh.network = pin.network AND hh.id = pin.hrep WHERE NOT EXISTS"       \
    " (SELECT 1 FROM @households r WHERE r.network = pin.network"              \
    " AND r.id = pin.hrep AND r.status = 'removed')), "                        \
    "own AS (SELECT pp.*, (injured OR dead OR missing OR place IS NOT NULL)"   \
    " AS own FROM pp), "                                                       \
    "hha AS (SELECT hh.*, (house IS NOT NULL OR crops > 0 OR loss > 0"         \
    " OR needs_aid OR status IN ('evacuated', 'sheltered', 'relocated',"       \
    " 'borrowed', 'rented', 'tent') OR EXISTS (SELECT 1 FROM own"              \
    " WHERE own.network = hh.network AND own.hid = hh.id AND own.own))"        \
    " AS affected FROM hh), "                                                  \
    "fac AS (SELECT * FROM (SELECT d.*, row_number() OVER (PARTITION BY"       \
    " d.network, d.village, d.facility ORDER BY d.time DESC, d.id DESC) AS"   \
    " rn FROM (" EFFECTIVE("damage") ") d WHERE d.facility IS NOT NULL) f"     \
    " WHERE rn = 1), "

/* Per network and village (NULL: none) the figures of proto/reports.md,
 * "Figures", unrounded crops: a row for each village with a household in
 * scope or a facility, and the no-village row when one is used. */
#define DISASTER_ROWS                                                          \
    "per AS (SELECT o.network, o.village,"                                     \
    " count(*) FILTER (WHERE o.own OR coalesce(h.affected, false)) AS"         \
    " affected, count(*) FILTER (WHERE o.dead) AS dead,"                       \
    " count(*) FILTER (WHERE o.missing) AS missing,"                           \
    " count(o.place) AS relocated,"                                            \
    " count(*) FILTER (WHERE o.place = 'shelter') AS relocated_shelter,"       \
    " count(*) FILTER (WHERE o.place = 'relatives') AS relocated_relatives,"   \
    " count(*) FILTER (WHERE o.place = 'borrowed') AS relocated_borrowed,"     \
    " count(*) FILTER (WHERE o.place = 'rented') AS relocated_rented,"         \
    " count(*) FILTER (WHERE o.place = 'tent') AS relocated_tent,"             \
    " count(*) FILTER (WHERE o.place = 'other') AS relocated_other,"           \
    " count(*) FILTER (WHERE o.needs_aid) AS needs_aid FROM own o"             \
    " LEFT JOIN hha h ON h.network = o.network AND h.id = o.hid"               \
    " GROUP BY o.network, o.village), "                                        \
    "houses AS (SELECT network, village,"                                      \
    " count(*) FILTER (WHERE house = 'collapsed') AS collapsed_hh,"            \
    " coalesce(sum(rooms) FILTER (WHERE house = 'collapsed'), 0)"              \
    " AS collapsed_rooms, count(*) FILTER (WHERE house = 'severe')"            \
    " AS severe_hh, coalesce(sum(rooms) FILTER (WHERE house = 'severe'), 0)"   \
    " AS severe_rooms, count(*) FILTER (WHERE house = 'general')"              \
    " AS general_hh, coalesce(sum(rooms) FILTER (WHERE house = 'general'),"    \
    " 0) AS general_rooms FROM hha GROUP BY network, village), "               \
    "money AS (SELECT network, village, sum(crops) AS crops, sum(loss) AS"     \
    " loss FROM (SELECT network, village, crops, loss FROM hh UNION ALL"       \
    " SELECT network, village, coalesce(crops_mu, 0), coalesce(loss_yuan, 0)"  \
    " FROM fac) m GROUP BY network, village), "                                \
    "places AS (SELECT network, village FROM hh UNION SELECT network,"         \
    " village FROM fac UNION SELECT network, village FROM pp), "               \
    "rows AS (SELECT v.network, v.village, coalesce(per.affected, 0) AS"       \
    " affected, coalesce(per.dead, 0) AS dead, coalesce(per.missing, 0) AS"    \
    " missing, coalesce(per.relocated, 0) AS relocated,"                       \
    " coalesce(per.relocated_shelter, 0) AS relocated_shelter,"                \
    " coalesce(per.relocated_relatives, 0) AS relocated_relatives,"            \
    " coalesce(per.relocated_borrowed, 0) AS relocated_borrowed,"              \
    " coalesce(per.relocated_rented, 0) AS relocated_rented,"                  \
    " coalesce(per.relocated_tent, 0) AS relocated_tent,"                      \
    " coalesce(per.relocated_other, 0) AS relocated_other,"                    \
    " coalesce(per.needs_aid, 0) AS needs_aid,"                                \
    " coalesce(ho.collapsed_hh, 0) AS collapsed_hh,"                           \
    " coalesce(ho.collapsed_rooms, 0) AS collapsed_rooms,"                     \
    " coalesce(ho.severe_hh, 0) AS severe_hh,"                                 \
    " coalesce(ho.severe_rooms, 0) AS severe_rooms,"                           \
    " coalesce(ho.general_hh, 0) AS general_hh,"                               \
    " coalesce(ho.general_rooms, 0) AS general_rooms,"                         \
    " coalesce(mo.crops, 0) AS crops, coalesce(mo.loss, 0) AS loss"            \
    " FROM places v LEFT JOIN per ON per.network = v.network"                  \
    " AND per.village IS NOT DISTINCT FROM v.village LEFT JOIN houses ho"      \
    " ON ho.network = v.network AND ho.village IS NOT DISTINCT FROM v.village" \
    " LEFT JOIN money mo ON mo.network = v.network"                            \
    " AND mo.village IS NOT DISTINCT FROM v.village) "

#define DISASTER_FIGURES(agg)                                                  \
    agg "(affected) AS affected, " agg "(dead) AS dead, " agg "(missing) AS"   \
    " missing, " agg "(relocated) AS relocated, " agg "(relocated_shelter)"    \
    " AS relocated_shelter, " agg "(relocated_relatives) AS"                  \
    " relocated_relatives, " agg "(relocated_borrowed) AS relocated_borrowed," \
    " " agg "(relocated_rented) AS relocated_rented, " agg "(relocated_tent)"  \
    " AS relocated_tent, " agg "(relocated_other) AS relocated_other, " agg    \
    "(needs_aid) AS needs_aid, " agg "(collapsed_hh) AS collapsed_hh, " agg    \
    "(collapsed_rooms) AS collapsed_rooms, " agg "(severe_hh) AS severe_hh, "  \
    agg "(severe_rooms) AS severe_rooms, " agg "(general_hh) AS general_hh, "  \
    agg "(general_rooms) AS general_rooms, round(" agg "(crops)::numeric, 2)"  \
    " AS crops_mu, " agg "(loss) AS loss_yuan"

/* A view's SQL is its pieces joined (each within the length C
 * guarantees for one string literal). */
#define SQL_PIECES 4

static const struct mview {
    const char *name, *zh, *en, *sql[SQL_PIECES];
} mviews[] = {
    {"occupancy", "各安置点入住情况(同 huzhu occupancy)",
     "occupancy of each site (as huzhu occupancy shows it)",
     {"WITH RECURSIVE " MERGE_MOVED("p", "persons") ", "
     "eff AS (" EFFECTIVE("stays") "), "
     "open AS (SELECT i.network, i.site, " REP("p", "i.network", "i.person")
     " AS who FROM eff i WHERE i.kind = 'in' AND NOT EXISTS (SELECT 1 FROM"
     " eff o WHERE o.network = i.network AND o.kind = 'out'"
     " AND o.closes = i.id)), "
     "here AS (SELECT network, site, count(DISTINCT who) AS n FROM open"
     " GROUP BY network, site) "
     "SELECT s.network, s.id AS site, s.name, s.kind, s.capacity, s.area_m2,"
     " coalesce(here.n, 0) AS present, s.capacity IS NOT NULL"
     " AND coalesce(here.n, 0) > s.capacity AS over_capacity,"
     " CASE WHEN s.area_m2 IS NOT NULL AND here.n > 0"
     " THEN s.area_m2 / here.n END AS m2_per_person FROM @sites s"
     " LEFT JOIN here ON here.network = s.network AND here.site = s.id"
     " WHERE NOT s.deleted"}},
    {"stock", "各地点物资库存(同 huzhu stock)",
     "stock on hand per site and item (as huzhu stock shows it)",
     {"WITH eff AS (" EFFECTIVE("stock_moves") ") "
     "SELECT e.network, e.site, s.name AS site_name, e.item, i.name AS"
     " item_name, i.unit, sum(e.qty)::bigint AS on_hand, count(*) AS moves"
     " FROM eff e LEFT JOIN @sites s ON s.network = e.network"
     " AND s.id = e.site LEFT JOIN @items i ON i.network = e.network"
     " AND i.id = e.item GROUP BY e.network, e.site, s.name, e.item, i.name,"
     " i.unit"}},
    {"received", "各户已领取物资(同 huzhu received)",
     "what each household received (as huzhu received shows it)",
     {"WITH RECURSIVE " MERGE_MOVED("h", "households") ", "
     "eff AS (" EFFECTIVE("stock_moves") "), "
     "got AS (SELECT e.network, " REP("h", "e.network", "e.household")
     " AS household, e.item, e.qty FROM eff e WHERE e.kind = 'distributed') "
     "SELECT g.network, g.household, h.head_name, g.item, i.name AS"
     " item_name, i.unit, (-sum(g.qty))::bigint AS received, count(*) AS"
     " times FROM got g LEFT JOIN @households h ON h.network = g.network"
     " AND h.id = g.household LEFT JOIN @items i ON i.network = g.network"
     " AND i.id = g.item GROUP BY g.network, g.household, h.head_name,"
     " g.item, i.name, i.unit"}},
    {"disaster_figures",
     "自然灾害情况统计表的指标(同 huzhu report disaster，各村一行、合计一行)",
     "the figures of the disaster report (as huzhu report disaster gives"
     " them: a row per village, then one for the township)",
     {DISASTER_MERGES, DISASTER_BASE, DISASTER_ROWS,
      "SELECT network, 'village' AS level, village, " DISASTER_FIGURES(
          "sum") " FROM rows GROUP BY network, village UNION ALL SELECT"
                 " network, 'township', NULL, " DISASTER_FIGURES(
                     "sum") " FROM rows GROUP BY network"}},
    {"disaster_facilities",
     "自然灾害情况统计表的公共设施(同 huzhu report disaster，各设施最近一次评估)",
     "the public facilities of the disaster report (as huzhu report"
     " disaster lists them: the latest assessment of each)",
     {"WITH fac AS (SELECT d.*, row_number() OVER (PARTITION BY d.network,"
      " d.village, d.facility ORDER BY d.time DESC, d.id DESC) AS rn FROM ("
      EFFECTIVE("damage") ") d WHERE d.facility IS NOT NULL) "
      "SELECT network, village, facility, house, coalesce(rooms, 0) AS rooms,"
      " coalesce(crops_mu, 0) AS crops_mu, coalesce(loss_yuan, 0) AS"
      " loss_yuan, time, id AS damage FROM fac WHERE rn = 1"}},
};

/* clang-format on */

/* The length of @src with each "@" as "SCH". (SCH @sch_len bytes). */
static size_t sql_len(const char *src, size_t sch_len)
{
    size_t len = 0;
    for (; *src != '\0'; src++)
        len += *src == '@' ? sch_len + 3 : 1;
    return len;
}

/* Append @src to @out at *@at with each "@" as "SCH". (the caller sized
 * @out by sql_len). */
static void put_sql(char *out, size_t *at, const char *src, const char *sch)
{
    for (; *src != '\0'; src++) {
        if (*src != '@') {
            out[(*at)++] = *src;
            continue;
        }
        out[(*at)++] = '"';
        memcpy(out + *at, sch, strlen(sch));
        *at += strlen(sch);
        memcpy(out + *at, "\".", 2);
        *at += 2;
    }
}

#define N_PARTS (10 + SQL_PIECES)

/* The pieces of view @v's two statements: CREATE OR REPLACE VIEW and
 * COMMENT ON VIEW (the comment's text is ours, without quotes: a
 * _Static_assert cannot see into it, the integration test reads every
 * comment back). */
static void view_parts(const struct mview *v, const char *parts[N_PARTS])
{
    size_t k = 0;
    parts[k++] = "CREATE OR REPLACE VIEW @";
    parts[k++] = v->name;
    parts[k++] = " AS ";
    for (size_t i = 0; i < SQL_PIECES; i++)
        parts[k++] = v->sql[i] != NULL ? v->sql[i] : "";
    parts[k++] = "; COMMENT ON VIEW @";
    parts[k++] = v->name;
    parts[k++] = " IS '";
    parts[k++] = v->zh;
    parts[k++] = " / ";
    parts[k++] = v->en;
    parts[k++] = "';";
    HZ_ASSERT(k == N_PARTS);
}

char *mirror_views_sql(const char *sch)
{
    size_t sch_len = strlen(sch), cap = 1;
    const char *parts[N_PARTS];
    for (size_t i = 0; i < sizeof mviews / sizeof mviews[0]; i++) {
        view_parts(&mviews[i], parts);
        for (size_t k = 0; k < N_PARTS; k++)
            cap += sql_len(parts[k], sch_len);
    }
    char *out = malloc(cap);
    if (out == NULL)
        return NULL;
    size_t at = 0;
    for (size_t i = 0; i < sizeof mviews / sizeof mviews[0]; i++) {
        view_parts(&mviews[i], parts);
        for (size_t k = 0; k < N_PARTS; k++)
            put_sql(out, &at, parts[k], sch);
    }
    out[at] = '\0';
    return out;
}

size_t mirror_views_count(void)
{
    return sizeof mviews / sizeof mviews[0];
}

const char *mirror_views_name(size_t i)
{
    return i < mirror_views_count() ? mviews[i].name : NULL;
}
