/* viewsql.h - SQL pieces shared by the derived views (views.c) and the
 * reports (reports.c): effective event rows, and the rows that stand for
 * themselves after merges (DECISIONS 40; proto/schema.md, "Who is not
 * accounted for"). Only for the state's readers. */
#ifndef HZ_STORE_STATE_VIEWSQL_H
#define HZ_STORE_STATE_VIEWSQL_H

/* A sum of integers that never fails (amounts, quantities): SQLite's
 * sum() raises an error when a total passes 2^63, and the schema lets one
 * row carry up to 10^15 fen, so 9,224 such rows would make a view fail on
 * every node holding them. total() adds in double precision, exact while
 * every partial sum stays below 2^53 (90 trillion yuan in fen); the cast
 * holds a total past 2^63 at the largest integer. Over no rows: 0. */
#define ISUM(x) "CAST(total(" x ") AS INTEGER)"

#define EFFECTIVE(t)                                                           \
    "SELECT * FROM " t " x WHERE x.reverses IS NULL AND NOT EXISTS"            \
    " (SELECT 1 FROM " t " r WHERE r.reverses = x.id)"

/* clang-format off */
/* The rows that stand for themselves (DECISIONS 40): PFX_end(start, rep)
 * maps each live row of TABLE to the end of its merged_into chain. A link
 * to a missing or deleted row ends the chain; a cycle ends at its lowest
 * id. Only rows whose merged_into names a live row (PFX_link) walk a
 * chain, so the cost follows the merges, not the table: every other live
 * row is its own end. UNION (not UNION ALL) keeps (start, cur) pairs
 * unique, so a cycle ends the recursion. A chain's end is the row it
 * reaches that links nowhere; a chain with none is a cycle, whose rows
 * are those reached again from their own link (PFX_chain holds
 * (link, row)), and its end their lowest id. */
#define MERGE_ENDS(pfx, table)                                                 \
    pfx "_link(id, nxt) AS (SELECT r.id, t.id FROM " table " r JOIN " table    \
    " t ON t.id = r.merged_into AND t.deleted = 0 WHERE r.deleted = 0), "      \
    pfx "_chain(start, cur) AS (SELECT id, id FROM " pfx "_link"               \
    " UNION SELECT c.start, l.nxt FROM " pfx "_chain c JOIN " pfx "_link l"    \
    " ON l.id = c.cur), "                                                      \
    pfx "_moved(start, rep) AS MATERIALIZED (SELECT c.start,"                 \
    " coalesce(max(CASE WHEN l.id IS NULL THEN c.cur END),"                    \
    " min(CASE WHEN c2.start IS NOT NULL THEN c.cur END)) FROM " pfx "_chain c" \
    " LEFT JOIN " pfx "_link l ON l.id = c.cur LEFT JOIN " pfx "_chain c2"     \
    " ON c2.start = l.nxt AND c2.cur = c.cur GROUP BY c.start), "              \
    pfx "_end(start, rep) AS (SELECT id, id FROM " table " WHERE deleted = 0"  \
    " AND id NOT IN (SELECT id FROM " pfx "_link) UNION ALL"                   \
    " SELECT start, rep FROM " pfx "_moved)"

/* The row that the row @col of TABLE stands for (MERGE_ENDS(pfx, TABLE)
 * in scope), itself when it is not on a chain. The row's own merged_into,
 * found by its id's index, guards the lookup, so a row that was never
 * merged costs one index probe: joining PFX_end (a compound of every
 * live row, which SQLite does not index) costs a scan per row. */
#define REP_OF(pfx, table, col)                                                \
    "CASE WHEN EXISTS (SELECT 1 FROM " table " g WHERE g.id = " col            \
    " AND g.merged_into IS NOT NULL) THEN coalesce((SELECT m.rep FROM " pfx    \
    "_moved m WHERE m.start = " col "), " col ") ELSE " col " END"

/* The live row that the row @col of TABLE stands for (MERGE_ENDS(pfx,
 * TABLE) in scope): NULL when @col names no live row, the end of its
 * merged_into chain when it is on one, else itself. One probe of the
 * id's index, and one of PFX_moved (the merged rows alone) for a row
 * whose own merged_into is set: the same answer as joining PFX_end, whose
 * every live row SQLite would materialize and index for each query. */
#define LIVE_REP(pfx, table, col)                                              \
    "(SELECT CASE WHEN g.merged_into IS NULL THEN g.id ELSE coalesce((SELECT"  \
    " m.rep FROM " pfx "_moved m WHERE m.start = g.id), g.id) END FROM "       \
    table " g WHERE g.id = " col " AND g.deleted = 0)"

/* Whether the row @a (an alias of TABLE in a scan of it) is live and
 * stands for itself (PFX_end holds (a.id, a.id)). */
#define STANDS(pfx, a)                                                         \
    "(" a ".deleted = 0 AND (" a ".merged_into IS NULL OR coalesce((SELECT"    \
    " m.rep FROM " pfx "_moved m WHERE m.start = " a ".id), " a ".id) = " a    \
    ".id))"

/* The persons (records that stand for themselves) with an open check-in at any
 * site: eff (effective stays), open (check-ins that no effective
 * check-out closes) and placed(person). Needs MERGE_ENDS("p", ...). */
#define PLACED                                                                 \
    "eff AS (" EFFECTIVE("v_stays") "), "                                      \
    "open AS (SELECT i.* FROM eff i WHERE i.kind = 'in' AND NOT EXISTS"        \
    " (SELECT 1 FROM eff o WHERE o.kind = 'out' AND o.closes = i.id)), "       \
    "placed(person) AS (SELECT DISTINCT rep FROM (SELECT "                     \
    LIVE_REP("p", "e_persons", "o.person") " AS rep FROM open o)"              \
    " WHERE rep IS NOT NULL)"

/* Open check-ins (no counted check-out closes them), each with who: the
 * person that stands
 * for its person (the end of its merged_into chain, DECISIONS 40), so a
 * person registered twice and merged is counted once, at every site
 * either record was checked in to. */
#define OPEN_STAYS_MERGED                                                      \
    "WITH RECURSIVE " MERGE_ENDS("p", "e_persons") ", "                        \
    "eff AS (" EFFECTIVE("v_stays") "), "                                      \
    "open AS (SELECT i.*, " REP_OF("p", "e_persons", "i.person") " AS who"     \
    " FROM eff i WHERE i.kind = 'in' AND NOT"                                  \
    " EXISTS (SELECT 1 FROM eff o WHERE o.kind = 'out' AND o.closes = i.id)) "

/* proto/schema.md, "Volunteer hours": each period a volunteer served, one
 * per effective check-in (closed by the earliest effective check-out that
 * names it, or open) and one per record of hours. */
#define VOLUNTEER_PERIODS                                                      \
    "WITH eff AS (" EFFECTIVE("v_volunteer_service") "), "                     \
    "per AS (SELECT i.id, i.volunteer, i.site, i.task, i.time AS starts,"      \
    " 'checkin' AS how, (SELECT min(o.time) FROM eff o WHERE o.kind = 'out'"   \
    " AND o.closes = i.id AND o.volunteer = i.volunteer) AS ends"            \
    " FROM eff i WHERE i.kind = 'in'"                                           \
    " UNION ALL SELECT h.id, h.volunteer, h.site, h.task, h.time, 'hours',"    \
    " h.time + 60 * h.minutes FROM eff h WHERE h.kind = 'hours'), "            \
    "periods AS (SELECT per.*, CASE WHEN ends IS NULL THEN NULL"               \
    " ELSE max(0, (ends - starts) / 60) END AS minutes,"                       \
    " ends IS NULL AS open FROM per) "

/* proto/schema.md, "Needs, offers and matches": what each need and each
 * offer has promised (the effective matches, mx) and has received (the
 * effective receipts against a match that is no cancellation, gx), as
 * need_sums(need, promised, matches, received) and offer_sums(offer,
 * promised, matches, delivered). */
#define MATCH_SUMS MATCH_SUMS_WHERE("", EFFECTIVE("v_stock_moves"))
/* The same with the matches narrowed to the need ?1, or the offer ?1
 * (the sums of every other need and offer are then 0: read only that
 * one's): a local promise's check reads its rows by their indexes (the
 * matches by need or offer, their stock moves by match), not every
 * match and stock move. The + keeps SQLite from reading the stock moves
 * by their reverses index, all of whose keys are NULL. */
#define MATCH_SUMS_OF_NEED MATCH_SUMS_OF("need")
#define MATCH_SUMS_OF_OFFER MATCH_SUMS_OF("offer")
#define MATCH_SUMS_OF(col)                                                     \
    MATCH_SUMS_WHERE(                                                          \
        " AND x." col " = ?1",                                                 \
        "SELECT x.* FROM v_matches m JOIN v_stock_moves x ON x.match = m.id"   \
        " WHERE m." col " = ?1 AND +x.reverses IS NULL AND NOT EXISTS"        \
        " (SELECT 1 FROM v_stock_moves r WHERE r.reverses = x.id)")
#define MATCH_SUMS_WHERE(mx_and, sx)                                           \
    "WITH mx AS (" EFFECTIVE("v_matches") mx_and "), "                         \
    "sx AS (" sx "), "                                                         \
    "gx AS (SELECT m.need, m.offer, s.qty FROM sx s JOIN v_matches m"          \
    " ON m.id = s.match AND m.reverses IS NULL WHERE s.kind = 'received'), "   \
    "need_sums AS (SELECT need, " ISUM("promised") " AS promised, sum(n) AS"   \
    " matches, " ISUM("received") " AS received FROM (SELECT need, qty AS promised, 1 AS n,"   \
    " 0 AS received FROM mx UNION ALL SELECT need, 0, 0, qty FROM gx)"         \
    " GROUP BY need), "                                                        \
    "offer_sums AS (SELECT offer, " ISUM("promised") " AS promised, sum(n) AS" \
    " matches, " ISUM("delivered") " AS delivered FROM (SELECT offer, qty AS"         \
    " promised, 1 AS n, 0 AS delivered FROM mx UNION ALL SELECT offer, 0, 0,"  \
    " qty FROM gx) GROUP BY offer), "

/* Each live need with its sums and its derived state: closed or
 * cancelled as a coordinator set it, else met (received at least the
 * quantity), partly_met (something received), promised (something
 * promised) or open; over_promised when the effective matches together
 * exceed its quantity. A need without a quantity (a service) takes
 * promises without limit: never met by receipts alone, never
 * over-promised. Needs MATCH_SUMS. */
#define NEED_ROWS                                                              \
    "need_rows AS (SELECT n.id AS need, n.what, n.category, n.item,"           \
    " i.name AS item_name, n.qty, n.unit, n.urgency, n.needed_by, n.site,"     \
    " s.name AS site_name, n.village, s.lat, s.lon, n.note, n.status,"         \
    " coalesce(ns.promised, 0) AS promised, coalesce(ns.received, 0) AS"       \
    " received, coalesce(ns.matches, 0) AS matches,"                           \
    " CASE WHEN n.status IN ('closed', 'cancelled') THEN n.status"            \
    " WHEN coalesce(ns.received, 0) > 0 AND n.qty IS NOT NULL"                 \
    " AND ns.received >= n.qty THEN 'met'"                                     \
    " WHEN coalesce(ns.received, 0) > 0 THEN 'partly_met'"                     \
    " WHEN coalesce(ns.promised, 0) > 0 THEN 'promised' ELSE 'open' END"       \
    " AS state, n.qty IS NOT NULL AND coalesce(ns.promised, 0) > n.qty"        \
    " AS over_promised,"                                                       \
    " CASE n.urgency WHEN 'critical' THEN 3 WHEN 'high' THEN 2"                \
    " WHEN 'low' THEN 0 ELSE 1 END AS urgency_rank"                            \
    " FROM e_needs n LEFT JOIN need_sums ns ON ns.need = n.id"                 \
    " LEFT JOIN e_sites s ON s.id = n.site AND s.deleted = 0"                  \
    " LEFT JOIN e_items i ON i.id = n.item AND i.deleted = 0"                  \
    " WHERE n.deleted = 0)"

/* Each live offer with its sums and its derived state: withdrawn as its
 * status says, else delivered (all of it promised and all that was
 * promised received), promised (all of it promised) or available;
 * over_promised as for needs. An offer without a quantity (a service)
 * stays available and is never over-promised (SQL: a comparison with
 * NULL is never true). Coordinates: its site's, else its
 * organisation's. Needs MATCH_SUMS. */
#define OFFER_ROWS                                                             \
    "offer_rows AS (SELECT f.id AS offer, f.what, f.category, f.item,"         \
    " i.name AS item_name, f.qty, f.unit, f.organisation, o.name AS"           \
    " organisation_name, f.site, s.name AS site_name,"                         \
    " coalesce(f.village, o.village) AS village,"                              \
    " coalesce(s.lat, o.lat) AS lat, coalesce(s.lon, o.lon) AS lon,"           \
    " f.available_from, f.available_until, f.note, f.status,"                  \
    " coalesce(os.promised, 0) AS promised, coalesce(os.delivered, 0) AS"      \
    " delivered, coalesce(os.matches, 0) AS matches,"                          \
    " CASE WHEN f.status = 'withdrawn' THEN 'withdrawn'"                       \
    " WHEN coalesce(os.promised, 0) >= f.qty"                                  \
    " AND os.promised > 0 AND os.delivered >= os.promised THEN 'delivered'"    \
    " WHEN coalesce(os.promised, 0) >= f.qty"                                  \
    " AND os.promised > 0 THEN 'promised' ELSE 'available' END AS state,"      \
    " f.qty IS NOT NULL AND coalesce(os.promised, 0) > f.qty"                  \
    " AS over_promised FROM e_offers f"                                        \
    " LEFT JOIN offer_sums os ON os.offer = f.id"                              \
    " LEFT JOIN e_organisations o ON o.id = f.organisation AND o.deleted = 0"  \
    " LEFT JOIN e_sites s ON s.id = f.site AND s.deleted = 0"                  \
    " LEFT JOIN e_items i ON i.id = f.item AND i.deleted = 0"                  \
    " WHERE f.deleted = 0)"
/* proto/schema.md, "Warning campaigns": the households of campaign ?1 (a
 * live warning_notices row): ch, the household records in scope whose
 * village or grid is an item of its villages or grids; cd, the campaign's
 * effective deliveries, each with hid, the record its household stands
 * for; cr, each household of ch with whether it was reached, its tries,
 * its last delivery and its vulnerable persons. */
#define CAMPAIGN_LIST(col)                                                     \
    "',' || replace(replace(coalesce(" col ", ''), '，', ','), '、', ',')"     \
    " || ','"
/* Whether the household row h is in the area of the notice row wn (its
 * village or grid an item of wn.vl or wn.gl). */
#define CAMPAIGN_IN_AREA                                                       \
    "((h.village <> '' AND instr(wn.vl, ',' || h.village || ',') > 0)"         \
    " OR (h.grid <> '' AND instr(wn.gl, ',' || h.grid || ',') > 0))"
/* pv(hid, n): each household record's vulnerable persons (alive, with a
 * vulnerability flag), through merges. */
#define CAMPAIGN_VULNERABLE                                                    \
    "pv AS MATERIALIZED (SELECT " LIVE_REP("h", "e_households", "p.household")\
    " AS hid,"                                                                 \
    " count(*) AS n FROM e_persons p WHERE " STANDS("p", "p")                  \
    " AND p.condition IS NOT 'deceased' AND (coalesce(p.elderly_mobility, 0)"  \
    " OR coalesce(p.disabled, 0) OR coalesce(p.no_caretaker, 0)"               \
    " OR coalesce(p.left_behind, 0) OR coalesce(p.pregnant, 0)"                \
    " OR coalesce(p.chronic, 0)) GROUP BY 1)"
#define CAMPAIGN_BASE                                                          \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    MERGE_ENDS("p", "e_persons") ", "                                          \
    "wn AS (SELECT " CAMPAIGN_LIST("villages") " AS vl, "                      \
    CAMPAIGN_LIST("grids") " AS gl FROM e_warning_notices"                     \
    " WHERE id = ?1 AND deleted = 0), "                                        \
    "cd AS (SELECT " LIVE_REP("h", "e_households", "d.household") " AS hid,"   \
    " d.* FROM (" EFFECTIVE("v_warnings") ") d WHERE d.campaign = ?1), "       \
    "ch AS (SELECT h.id, h.head_name, h.village, h.grid, h.cadre, h.phone"     \
    " FROM e_households h JOIN wn WHERE " STANDS("h", "h")                     \
    " AND h.status IS NOT 'removed' AND " CAMPAIGN_IN_AREA "), "               \
    CAMPAIGN_VULNERABLE ", "                                                   \
    "ct AS MATERIALIZED (SELECT hid, max(reached IS NOT 0) AS reached,"      \
    " count(*) AS tries FROM cd GROUP BY hid), "                               \
    "cl AS MATERIALIZED (SELECT * FROM (SELECT hid, method, \"by\", time,"      \
    " note, row_number() OVER (PARTITION BY hid ORDER BY reached IS NOT 0"     \
    " DESC, time DESC, id DESC) AS k FROM cd) WHERE k = 1), "                  \
    "cr AS (SELECT ch.*, coalesce(ct.reached, 0) AS reached,"                  \
    " coalesce(ct.tries, 0) AS tries, coalesce(pv.n, 0) AS vulnerable,"        \
    " cl.method, cl.by, cl.time, cl.note FROM ch"                              \
    " LEFT JOIN ct ON ct.hid = ch.id LEFT JOIN pv ON pv.hid = ch.id"           \
    " LEFT JOIN cl ON cl.hid = ch.id) "
/* The totals of every live campaign (?1 NULL) or of campaign ?1, as
 * CAMPAIGN_BASE's cr summed: a row (campaign, households, reached,
 * unreached, unreached_vulnerable) per campaign with at least one
 * household in its area. Households and persons are read once for all
 * campaigns, and the households summed per village and grid (cells)
 * before the areas are matched, so the cost follows the households plus
 * the deliveries plus cells times campaigns, not households times
 * campaigns: the reached are counted from the deliveries. */
#define CAMPAIGN_TOTALS                                                        \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    MERGE_ENDS("p", "e_persons") ", "                                          \
    "wn AS MATERIALIZED (SELECT id AS campaign, " CAMPAIGN_LIST("villages")    \
    " AS vl, " CAMPAIGN_LIST("grids") " AS gl FROM e_warning_notices"          \
    " WHERE deleted = 0 AND (?1 IS NULL OR id = ?1)), "                        \
    "hs AS MATERIALIZED (SELECT h.id, h.village, h.grid FROM e_households h"   \
    " WHERE " STANDS("h", "h") " AND h.status IS NOT 'removed'), "             \
    CAMPAIGN_VULNERABLE ", "                                                   \
    "cells AS MATERIALIZED (SELECT h.village, h.grid, count(*) AS n,"          \
    " count(pv.hid) AS nv FROM hs h LEFT JOIN pv ON pv.hid = h.id"             \
    " GROUP BY h.village, h.grid), "                                           \
    "area AS (SELECT wn.campaign, sum(h.n) AS households,"                     \
    " sum(h.nv) AS vulnerable FROM cells h JOIN wn WHERE " CAMPAIGN_IN_AREA    \
    " GROUP BY wn.campaign), "                                                 \
    "cd AS (SELECT d.campaign, "                                               \
    LIVE_REP("h", "e_households", "d.household") " AS hid, d.reached"          \
    " FROM (" EFFECTIVE("v_warnings") ") d"                                    \
    " WHERE d.campaign IN (SELECT campaign FROM wn)), "                        \
    "ct AS MATERIALIZED (SELECT campaign, hid FROM cd GROUP BY campaign, hid"  \
    " HAVING max(reached IS NOT 0) = 1), "                                     \
    "rc AS (SELECT ct.campaign, count(*) AS reached,"                          \
    " count(pv.hid) AS reached_vulnerable FROM ct JOIN hs h ON h.id = ct.hid"  \
    " JOIN wn ON wn.campaign = ct.campaign LEFT JOIN pv ON pv.hid = ct.hid"    \
    " WHERE " CAMPAIGN_IN_AREA " GROUP BY ct.campaign) "                       \
    "SELECT a.campaign, a.households, coalesce(rc.reached, 0) AS reached,"     \
    " a.households - coalesce(rc.reached, 0) AS unreached,"                    \
    " a.vulnerable - coalesce(rc.reached_vulnerable, 0)"                       \
    " AS unreached_vulnerable FROM area a"                                     \
    " LEFT JOIN rc ON rc.campaign = a.campaign"

/* proto/schema.md, "Donations and their use": every donation that is no
 * correction, with what it received (its amount unless a correction
 * reverses it, then 0), committed, disbursed and spent (the effective
 * ledger rows naming it), used (disbursed + spent), balance (received -
 * used) and overdrawn (committed or used above received), as
 * donation_rows. ?1: only the donations received by this organisation
 * (NULL: all). */
#define DONATION_ROWS DONATION_ROWS_WHERE("")
/* The same with the ledger narrowed to the donation ?2 (the sums of the
 * others are then 0): a local ledger write's check reads that one
 * donation's rows by their index, not the whole ledger. */
#define DONATION_ROWS_OF_ONE DONATION_ROWS_WHERE(" AND x.donation = ?2")
/* The same with the ledger narrowed to the donations of the organisation
 * ?1, which must not be NULL (a disclosure of one organisation). */
#define DONATION_ROWS_OF_ORG                                                   \
    DONATION_ROWS_WHERE(" AND x.donation IN (SELECT id FROM v_donations"      \
                        " WHERE organisation = ?1)")
#define DONATION_ROWS_WHERE(lx_and)                                            \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                    \
    "lx AS (" EFFECTIVE("v_ledger") lx_and "), "                               \
    "ls AS (SELECT donation, " ISUM("CASE WHEN kind = 'commitment' THEN"       \
    " amount ELSE 0 END") " AS committed, " ISUM("CASE WHEN kind ="            \
    " 'disbursement' THEN amount ELSE 0 END") " AS disbursed, "                \
    ISUM("CASE WHEN kind = 'expenditure' THEN amount ELSE 0 END") " AS spent," \
    " count(*) AS transactions FROM lx"                                        \
    " GROUP BY donation), "                                                    \
    "dr AS (SELECT d.*, (SELECT min(r.id) FROM v_donations r WHERE"            \
    " r.reverses = d.id) AS reversed_by FROM v_donations d"                    \
    " WHERE d.reverses IS NULL AND (?1 IS NULL OR d.organisation = ?1)), "     \
    "donation_rows AS (SELECT dr.id AS donation, dr.time, dr.kind,"            \
    " coalesce(dr.currency, 'CNY') AS currency, dr.amount,"                    \
    " CASE WHEN dr.reversed_by IS NULL THEN dr.amount ELSE 0 END AS received," \
    " dr.reversed_by, coalesce(dr.anonymous, 0) AS anonymous, dr.donor,"       \
    " dr.donor_org, dg.name AS donor_org_name, dr.goods, dr.item, dr.qty,"     \
    " dr.organisation, o.name AS organisation_name, dr.restriction,"           \
    " dr.reference, dr.stock_move, dr.note,"                                   \
    " coalesce(ls.committed, 0) AS committed,"                                 \
    " coalesce(ls.disbursed, 0) AS disbursed,"                                 \
    " coalesce(ls.spent, 0) AS spent,"                                         \
    " coalesce(ls.disbursed, 0) + coalesce(ls.spent, 0) AS used,"              \
    " coalesce(ls.transactions, 0) AS transactions FROM dr"                    \
    " LEFT JOIN ls ON ls.donation = dr.id"                                     \
    " LEFT JOIN e_organisations o ON o.id = dr.organisation AND o.deleted = 0" \
    " LEFT JOIN e_organisations dg ON dg.id = dr.donor_org"                    \
    " AND dg.deleted = 0), "                                                   \
    "donation_sums AS (SELECT *, received - used AS balance,"                  \
    " (committed > received OR used > received) AS overdrawn"                 \
    " FROM donation_rows) "

/* clang-format on */

#endif
