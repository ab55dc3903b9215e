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

static const struct mview {
    const char *name, *zh, *en, *sql;
} mviews[] = {
    {"occupancy", "各安置点入住情况(同 huzhu occupancy)",
     "occupancy of each site (as huzhu occupancy shows it)",
     "WITH RECURSIVE " MERGE_MOVED("p", "persons") ", "
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
     " WHERE NOT s.deleted"},
    {"stock", "各地点物资库存(同 huzhu stock)",
     "stock on hand per site and item (as huzhu stock shows it)",
     "WITH eff AS (" EFFECTIVE("stock_moves") ") "
     "SELECT e.network, e.site, s.name AS site_name, e.item, i.name AS"
     " item_name, i.unit, sum(e.qty)::bigint AS on_hand, count(*) AS moves"
     " FROM eff e LEFT JOIN @sites s ON s.network = e.network"
     " AND s.id = e.site LEFT JOIN @items i ON i.network = e.network"
     " AND i.id = e.item GROUP BY e.network, e.site, s.name, e.item, i.name,"
     " i.unit"},
    {"received", "各户已领取物资(同 huzhu received)",
     "what each household received (as huzhu received shows it)",
     "WITH RECURSIVE " MERGE_MOVED("h", "households") ", "
     "eff AS (" EFFECTIVE("stock_moves") "), "
     "got AS (SELECT e.network, " REP("h", "e.network", "e.household")
     " AS household, e.item, e.qty FROM eff e WHERE e.kind = 'distributed') "
     "SELECT g.network, g.household, h.head_name, g.item, i.name AS"
     " item_name, i.unit, (-sum(g.qty))::bigint AS received, count(*) AS"
     " times FROM got g LEFT JOIN @households h ON h.network = g.network"
     " AND h.id = g.household LEFT JOIN @items i ON i.network = g.network"
     " AND i.id = g.item GROUP BY g.network, g.household, h.head_name,"
     " g.item, i.name, i.unit"},
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

#define N_PARTS 11

/* The pieces of view @v's two statements: CREATE OR REPLACE VIEW and
 * COMMENT ON VIEW (the comment's text is ours, without quotes). */
static void view_parts(const struct mview *v, const char *parts[N_PARTS])
{
    const char *p[N_PARTS] = {"CREATE OR REPLACE VIEW @",
                              v->name,
                              " AS ",
                              v->sql,
                              "; COMMENT ON VIEW @",
                              v->name,
                              " IS '",
                              v->zh,
                              " / ",
                              v->en,
                              "';"};
    memcpy(parts, p, sizeof p);
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
