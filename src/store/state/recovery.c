/* recovery.c - recovery plans (一户一策) read from the merged state: the
 * open list of a village (households with open measures and each
 * measure's age, the oldest first), one household's plan (its damage,
 * its measures with progress and history) and the township's housing
 * figures (damaged households, those with a repair or rebuild measure,
 * started, done), as proto/schema.md, "Recovery plans (一户一策)", and
 * proto/reports.md, "The recovery report", define them. Nothing here is
 * stored: each answer is computed from the rows when asked, and each
 * figure is a maximum, an "any" or a count, so no order of arrival
 * changes it. Households are counted through merges (MERGE_ENDS). The
 * CLI and the web ask these through hz_node_report ("recovery_open",
 * "recovery_plan", "recovery"), so both show the same rows.
 * recovery_check_write is the node's own check of progress typed here
 * (DECISIONS 4: receivers judge only the schema's rules). */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/body.h"
#include "../../core/error_int.h"

#include <string.h>

/* clang-format off */

/* Counted progress rows (px) and every live measure (ms) with the
 * household record it stands for (hid; NULL when none is live), its
 * progress, done and started flags, its counted updates and the time of
 * the last one. */
#define MEASURES_BASE                                                          \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    "px AS (" EFFECTIVE("v_recovery_progress") "), "                           \
    "ms0 AS (SELECT m.id, m.kind, m.what, m.cadre, m.agreed, m.due,"           \
    " m.amount_fen, coalesce(m.cancelled, 0) <> 0 AS cancelled, "              \
    LIVE_REP("h", "e_households", "m.household") " AS hid,"                    \
    " EXISTS (SELECT 1 FROM px p WHERE p.measure = m.id AND"                   \
    " (coalesce(p.done, 0) <> 0 OR p.percent = 100)) AS done,"                 \
    " coalesce((SELECT max(p.percent) FROM px p WHERE p.measure = m.id), 0)"   \
    " AS pmax, (SELECT count(*) FROM px p WHERE p.measure = m.id) AS updates," \
    " (SELECT max(p.time) FROM px p WHERE p.measure = m.id) AS last_progress"  \
    " FROM e_recovery_measures m WHERE m.deleted = 0), "                       \
    "ms AS (SELECT *, CASE WHEN done THEN 100 ELSE pmax END AS progress,"      \
    " NOT done AND NOT cancelled AND hid IS NOT NULL AS open FROM ms0) "

/* ?1: T (Unix seconds); ?2: only this village, or NULL. */
#define OPEN_SQL                                                               \
    MEASURES_BASE ", "                                                         \
    "op AS (SELECT ms.*, h.village, h.head_name, ?1 - ms.agreed AS age"        \
    " FROM ms JOIN e_households h ON h.id = ms.hid WHERE ms.open"              \
    " AND h.status IS NOT 'removed' AND (?2 IS NULL OR h.village = ?2)), "     \
    "oo AS (SELECT hid, max(age) AS oldest FROM op GROUP BY hid) "             \
    "SELECT op.id AS measure, op.hid AS household, op.head_name, op.village,"  \
    " op.kind, op.what, op.cadre, op.agreed, op.due, op.amount_fen,"           \
    " op.progress, op.updates, op.last_progress, op.age,"                      \
    " oo.oldest AS household_age FROM op JOIN oo ON oo.hid = op.hid"           \
    " ORDER BY op.village IS NULL, op.village, oo.oldest IS NULL,"             \
    " oo.oldest DESC, op.hid, op.age IS NULL, op.age DESC, op.id"

/* ?1: a household id: the record it stands for. */
#define PLAN_HOUSEHOLD_SQL                                                     \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") " "                      \
    "SELECT h.id AS household, h.head_name, h.village, h.cadre, h.status,"     \
    " h.members, coalesce(h.needs_aid, 0) AS needs_aid, h.family_type"         \
    " FROM e_households h WHERE h.id = " LIVE_REP("h", "e_households", "?1")

/* ?1: a household record: its latest effective damage (reports.md). */
#define PLAN_DAMAGE_SQL                                                        \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") " "                      \
    "SELECT d.id AS damage, d.time, d.house, coalesce(d.rooms, 0) AS rooms,"   \
    " coalesce(d.loss_yuan, 0) AS loss_yuan,"                                  \
    " coalesce(d.crops_mu, 0.0) AS crops_mu, d.photo, d.note"                  \
    " FROM (" EFFECTIVE("v_damage") ") d JOIN h_end he"                        \
    " ON he.start = d.household WHERE he.rep = ?1"                             \
    " ORDER BY d.time DESC, d.id DESC LIMIT 1"

/* ?1: a household record; ?2: T. Its measures, the open first, then
 * in the order agreed. */
#define PLAN_MEASURES_SQL                                                      \
    MEASURES_BASE                                                              \
    "SELECT ms.id AS measure, ms.kind, ms.what, ms.cadre, ms.agreed, ms.due,"  \
    " ms.amount_fen, ms.cancelled, ms.done, ms.open, ms.progress, ms.updates," \
    " ms.last_progress, ?2 - ms.agreed AS age FROM ms WHERE ms.hid = ?1"       \
    " ORDER BY ms.open DESC, ms.agreed IS NULL, ms.agreed, ms.id"

/* ?1: a household record: every progress row of its measures that is no
 * correction, the newest first, with reversed_by. */
#define PLAN_HISTORY_SQL                                                       \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") " "                      \
    "SELECT x.id AS progress, x.measure, x.time, x.percent,"                   \
    " coalesce(x.done, 0) AS done, x.note, x.\"by\", (SELECT min(r.id)"        \
    " FROM v_recovery_progress r WHERE r.reverses = x.id) AS reversed_by"      \
    " FROM v_recovery_progress x JOIN e_recovery_measures m"                   \
    " ON m.id = x.measure AND m.deleted = 0 WHERE x.reverses IS NULL AND "     \
    LIVE_REP("h", "e_households", "m.household") " = ?1"                       \
    " ORDER BY x.time DESC, x.id DESC"

/* The housing figures per village (reports.md, "The recovery report"):
 * households in scope whose house is damaged, and of them those with a
 * housing measure (repair, rebuild; live, not cancelled), with one
 * started, with all done. ?1: only this village, or NULL. */
#define HOUSING_SQL                                                            \
    "WITH RECURSIVE " MERGE_ENDS("h", "e_households") ", "                     \
    "px AS (" EFFECTIVE("v_recovery_progress") "), "                           \
    "dmg AS (SELECT d.house, row_number() OVER (PARTITION BY he.rep"           \
    " ORDER BY d.time DESC, d.id DESC) AS rn, he.rep AS hid FROM ("            \
    EFFECTIVE("v_damage") ") d JOIN h_end he ON he.start = d.household), "     \
    "pm AS MATERIALIZED (SELECT measure, max(coalesce(done, 0) <> 0"          \
    " OR percent = 100) AS done, max(coalesce(done, 0) <> 0"                   \
    " OR percent > 0) AS started FROM px GROUP BY measure), "                  \
    "hm AS MATERIALIZED (SELECT he.rep AS hid, count(*) AS n,"                 \
    " sum(coalesce(pm.started, 0)) AS ns, sum(coalesce(pm.done, 0)) AS nd"     \
    " FROM e_recovery_measures m JOIN h_end he ON he.start = m.household"      \
    " LEFT JOIN pm ON pm.measure = m.id WHERE m.deleted = 0"                   \
    " AND coalesce(m.cancelled, 0) = 0 AND m.kind IN ('repair', 'rebuild')"    \
    " GROUP BY he.rep), "                                                      \
    "hh AS (SELECT h.village, g.house, coalesce(hm.n, 0) AS n,"                \
    " coalesce(hm.ns, 0) AS ns, coalesce(hm.nd, 0) AS nd FROM e_households h"  \
    " JOIN h_end he ON he.start = h.id AND he.rep = h.id"                      \
    " JOIN dmg g ON g.hid = h.id AND g.rn = 1 LEFT JOIN hm ON hm.hid = h.id"   \
    " WHERE h.status IS NOT 'removed'"                                         \
    " AND g.house IN ('collapsed', 'severe', 'general')"                       \
    " AND (?1 IS NULL OR h.village = ?1)) "                                    \
    "SELECT village, count(*) AS damaged,"                                     \
    " sum(house = 'collapsed') AS collapsed, sum(house = 'severe') AS severe," \
    " sum(house = 'general') AS general, sum(n > 0) AS with_measure,"          \
    " sum(ns > 0) AS started, sum(n > 0 AND nd = n) AS done FROM hh"           \
    " GROUP BY village ORDER BY village IS NULL, village"

/* clang-format on */

int recovery_open(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    json_t *rows;
    int rv =
        query_rows(n, OPEN_SQL,
                   DB_ARGS(DB_INT(o->now),
                           o->village != NULL ? DB_TEXT(o->village) : DB_NULL),
                   &rows, err);
    if (rv != 0)
        return rv;
    size_t households = 0, i;
    const char *last = NULL;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *h = json_string_value(json_object_get(r, "household"));
        households += last == NULL || h == NULL || strcmp(last, h) != 0;
        last = h;
    }
    *out = json_pack("{s:I, s:o, s:I, s:I}", "now", (json_int_t)o->now,
                     "measures", rows, "households", (json_int_t)households,
                     "open", (json_int_t)json_array_size(rows));
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "recovery open");
}

/* Each progress row of @history under its measure's "history" in
 * @measures (both in the order they came). */
static void attach_history(json_t *measures, json_t *history)
{
    size_t i;
    json_t *m;
    json_array_foreach(measures, i, m)
    {
        json_object_set_new(m, "history", json_array());
    }
    json_t *x;
    json_array_foreach(history, i, x)
    {
        const char *id = json_string_value(json_object_get(x, "measure"));
        size_t k;
        json_array_foreach(measures, k, m)
        {
            const char *mid = json_string_value(json_object_get(m, "measure"));
            if (id != NULL && mid != NULL && strcmp(id, mid) == 0)
                json_array_append(json_object_get(m, "history"), x);
        }
    }
}

int recovery_plan(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    uint8_t id[HZ_ROW_LEN], rep[HZ_ROW_LEN];
    if (o->id == NULL || !render_row_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "a household id is 32 hex");
    json_t *hh = NULL, *dmg = NULL, *ms = NULL, *hist = NULL;
    int rv = query_rows(n, PLAN_HOUSEHOLD_SQL, DB_ARGS(DB_ROW(id)), &hh, err);
    if (rv == 0 && json_array_size(hh) == 0)
        rv = hz_err_say(err, HZ_ENOTFOUND, "本节点没有这一户",
                        "no such household");
    const char *rep_hex = rv == 0 ? json_string_value(json_object_get(
                                        json_array_get(hh, 0), "household"))
                                  : NULL;
    if (rv == 0 && (rep_hex == NULL || !render_row_id(rep_hex, rep)))
        rv = hz_err_set(err, HZ_ECORRUPT, "household id");
    if (rv == 0)
        rv = query_rows(n, PLAN_DAMAGE_SQL, DB_ARGS(DB_ROW(rep)), &dmg, err);
    if (rv == 0)
        rv = query_rows(n, PLAN_MEASURES_SQL,
                        DB_ARGS(DB_ROW(rep), DB_INT(o->now)), &ms, err);
    if (rv == 0)
        rv = query_rows(n, PLAN_HISTORY_SQL, DB_ARGS(DB_ROW(rep)), &hist, err);
    if (rv == 0) {
        render_bools(hh, "needs_aid");
        static const char *const flags[] = {"cancelled", "done", "open"};
        for (size_t k = 0; k < 3; k++)
            render_bools(ms, flags[k]);
        render_bools(hist, "done");
        attach_history(ms, hist);
        json_t *d = json_array_get(dmg, 0);
        *out = json_pack("{s:I, s:O, s:O, s:O}", "now", (json_int_t)o->now,
                         "household", json_array_get(hh, 0), "damage",
                         d != NULL ? d : json_null(), "measures", ms);
        if (*out == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "recovery plan");
    }
    json_decref(hist);
    json_decref(ms);
    json_decref(dmg);
    json_decref(hh);
    return rv;
}

int recovery_report(hz_node *n, const struct hz_report_opts *o, json_t **out,
                    struct hz_err *err)
{
    json_t *rows;
    int rv =
        query_rows(n, HOUSING_SQL,
                   DB_ARGS(o->village != NULL ? DB_TEXT(o->village) : DB_NULL),
                   &rows, err);
    if (rv != 0)
        return rv;
    static const char *const keys[] = {"damaged", "collapsed",    "severe",
                                       "general", "with_measure", "started",
                                       "done"};
    json_t *total = json_object();
    for (size_t k = 0; k < 7; k++) {
        json_int_t sum = 0;
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            sum += json_integer_value(json_object_get(r, keys[k]));
        }
        json_object_set_new(total, keys[k], json_integer(sum));
    }
    *out = json_pack("{s:o, s:o}", "villages", rows, "total", total);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "recovery report");
}

static int read_cancelled(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    *(bool *)data = sqlite3_column_int(st, 0) != 0;
    return 0;
}

int recovery_check_write(struct hz_node *n, const struct op *o,
                         struct hz_err *err)
{
    if (o->kind != OP_INS || strcmp(o->table->name, "recovery_progress") != 0)
        return 0;
    const struct value *m = body_op_value(o, "measure");
    if (m == NULL || m->type != VALUE_BIN || m->s.len != HZ_ROW_LEN)
        return 0; /* the schema's rules refuse it */
    bool cancelled = false;
    int rv = db_each(&n->db,
                     "SELECT coalesce(cancelled, 0) FROM e_recovery_measures"
                     " WHERE id = ?1 AND deleted = 0",
                     DB_ARGS(DB_ROW(m->s.p)), read_cancelled, &cancelled, err);
    if (rv != 0)
        return rv;
    if (cancelled)
        return hz_err_say(err, HZ_EVALUE, "所选的帮扶措施已取消",
                          "measure: cancelled");
    return 0;
}
