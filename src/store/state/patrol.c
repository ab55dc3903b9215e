/* patrol.c - patrols, hazards and duty (巡查, 险情上报, 值班值守) read from
 * the merged state at a given time: the patrol points with their last
 * round and whether they are overdue, the hazards reported with the open
 * ones (no response recorded) first, and per site or village who is on
 * duty now and the gaps in the next 24 hours (proto/schema.md, "Patrols,
 * hazards and duty"). Nothing here is stored: each answer is computed
 * from the events when asked. The CLI and the web ask these through
 * hz_node_report ("patrol_points", "hazards", "duty"), so both show the
 * same rows. patrol_check_write is the node's own check of a shift typed
 * here (DECISIONS 4: receivers judge only the schema's rules). */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/body.h"
#include "../../core/error_int.h"

#include <string.h>

#define DAY_S 86400

/* clang-format off */

/* The effective rounds (eff) and hazards that no effective response
 * answers (open_hz). */
#define PATROL_BASE                                                            \
    "WITH eff AS (" EFFECTIVE("v_patrols") "), "                               \
    "rx AS (" EFFECTIVE("v_hazard_responses") "), "                            \
    "open_hz AS (SELECT h.* FROM (" EFFECTIVE("v_hazards") ") h"               \
    " WHERE NOT EXISTS (SELECT 1 FROM rx WHERE rx.hazard = h.id)), "           \
    "last AS (SELECT point, max(time) AS last, count(*) AS rounds FROM eff"    \
    " GROUP BY point) "

/* ?1: now (Unix seconds); ?2: only this village, or NULL. */
#define POINTS_SQL                                                             \
    PATROL_BASE                                                                \
    "SELECT p.id AS point, p.name, p.kind, p.village, p.cadre, p.interval_h,"  \
    " p.lat, p.lon, p.person, l.last, coalesce(l.rounds, 0) AS rounds,"        \
    " (SELECT e.finding FROM eff e WHERE e.point = p.id"                       \
    " ORDER BY e.time DESC, e.id DESC LIMIT 1) AS last_finding,"               \
    " (SELECT e.seen FROM eff e WHERE e.point = p.id"                          \
    " ORDER BY e.time DESC, e.id DESC LIMIT 1) AS last_seen,"                  \
    " (SELECT e.\"by\" FROM eff e WHERE e.point = p.id"                        \
    " ORDER BY e.time DESC, e.id DESC LIMIT 1) AS last_by,"                    \
    " CASE WHEN p.interval_h IS NOT NULL THEN l.last + p.interval_h * 3600"    \
    " END AS due,"                                                             \
    " CASE WHEN p.interval_h IS NOT NULL AND (l.last IS NULL"                  \
    " OR l.last + p.interval_h * 3600 < ?1) THEN 1 ELSE 0 END AS overdue,"     \
    " (SELECT count(*) FROM open_hz o WHERE o.point = p.id) AS open_hazards"   \
    " FROM e_patrol_points p LEFT JOIN last l ON l.point = p.id"               \
    " WHERE p.deleted = 0 AND (?2 IS NULL OR p.village = ?2)"                  \
    " ORDER BY overdue DESC, p.interval_h IS NULL, due, p.village, p.name,"    \
    " p.id"

/* ?1: only this point's, or NULL. */
#define ROUNDS_SQL                                                             \
    "SELECT x.id AS round, x.point, p.name AS point_name, x.time, x.finding,"  \
    " x.seen, x.\"by\", x.hazard, x.note, (SELECT min(r.id) FROM v_patrols r"  \
    " WHERE r.reverses = x.id) AS reversed_by FROM v_patrols x"                \
    " LEFT JOIN e_patrol_points p ON p.id = x.point"                           \
    " WHERE x.reverses IS NULL AND (?1 IS NULL OR x.point = ?1)"               \
    " ORDER BY x.time DESC, x.id DESC"

/* Every effective hazard, the open ones first, then by severity (the
 * gravest first) and the newest first. ?1: only this village, or NULL. */
#define HAZARDS_SQL                                                            \
    PATROL_BASE                                                                \
    "SELECT h.id AS hazard, h.time, h.kind, h.severity,"                       \
    " coalesce(h.village, pt.village) AS village, h.location, h.point,"        \
    " pt.name AS point_name, h.at_risk, h.photo, h.lat, h.lon, h.\"by\","      \
    " h.note, (SELECT count(*) FROM rx WHERE rx.hazard = h.id) AS responses,"  \
    " (SELECT max(rx.time) FROM rx WHERE rx.hazard = h.id) AS responded,"      \
    " (SELECT rx.action FROM rx WHERE rx.hazard = h.id"                        \
    " ORDER BY rx.time DESC, rx.id DESC LIMIT 1) AS last_action,"              \
    " h.id IN (SELECT id FROM open_hz) AS open"                                \
    " FROM (" EFFECTIVE("v_hazards") ") h"                                     \
    " LEFT JOIN e_patrol_points pt ON pt.id = h.point AND pt.deleted = 0"      \
    " WHERE ?1 IS NULL OR coalesce(h.village, pt.village) = ?1"                \
    " ORDER BY open DESC, CASE h.severity WHEN 'extreme' THEN 0"               \
    " WHEN 'severe' THEN 1 WHEN 'moderate' THEN 2 ELSE 3 END, h.time DESC,"    \
    " h.id"

/* The live shifts that have a start before their end, by place (a site,
 * else a village; places in order of their name, a site's or the
 * village's), then start. */
#define SHIFTS_SQL                                                             \
    "SELECT CASE WHEN s.site IS NOT NULL THEN 's' || hex(s.site)"              \
    " ELSE 'v' || coalesce(s.village, '') END AS place, s.id AS shift,"        \
    " s.site, st.name AS site_name, CASE WHEN s.site IS NULL THEN s.village"   \
    " END AS village, s.who, s.phone, s.role, s.starts, s.ends"                \
    " FROM e_shifts s LEFT JOIN e_sites st ON st.id = s.site"                  \
    " WHERE s.deleted = 0 AND s.starts IS NOT NULL AND s.ends IS NOT NULL"     \
    " AND s.ends > s.starts ORDER BY coalesce(st.name, s.village, ''), place,"  \
    " s.starts, s.ends, s.id"

/* clang-format on */

/* The rows of @sql with @flag read as a boolean, into *@rows, and how
 * many have it set into *@count. */
static int flagged_rows(hz_node *n, const char *sql, const struct db_arg *args,
                        size_t n_args, const char *flag, json_t **rows,
                        size_t *count, struct hz_err *err)
{
    *count = 0;
    int rv = query_rows(n, sql, args, n_args, rows, err);
    if (rv != 0)
        return rv;
    render_bools(*rows, flag);
    size_t i;
    json_t *r;
    json_array_foreach(*rows, i, r)
    {
        *count += json_is_true(json_object_get(r, flag));
    }
    return 0;
}

int patrol_points(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    json_t *rows;
    size_t late;
    int rv = flagged_rows(n, POINTS_SQL,
                          DB_ARGS(DB_INT(o->now), o->village != NULL
                                                      ? DB_TEXT(o->village)
                                                      : DB_NULL),
                          "overdue", &rows, &late, err);
    if (rv != 0)
        return rv;
    *out = json_pack("{s:I, s:o, s:I}", "now", (json_int_t)o->now, "points",
                     rows, "overdue", (json_int_t)late);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "patrol points");
}

int patrol_rounds(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    uint8_t id[HZ_ROW_LEN];
    bool one = o->id != NULL;
    if (one && !render_row_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "a patrol point id is 32 hex");
    json_t *rows = json_array();
    int rv = db_rows_json(&n->db, ROUNDS_SQL,
                          DB_ARGS(one ? DB_ROW(id) : DB_NULL), rows, err);
    if (rv != 0) {
        json_decref(rows);
        return rv;
    }
    *out = rows;
    return 0;
}

int patrol_hazards(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err)
{
    json_t *rows;
    size_t open;
    int rv = flagged_rows(
        n, HAZARDS_SQL,
        DB_ARGS(o->village != NULL ? DB_TEXT(o->village) : DB_NULL), "open",
        &rows, &open, err);
    if (rv != 0)
        return rv;
    *out = json_pack("{s:o, s:I}", "hazards", rows, "open", (json_int_t)open);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "hazards");
}

/* The place @s (a row of SHIFTS_SQL) belongs to, as a new object with
 * its site, site_name and village and empty on_duty and gaps. */
static json_t *new_place(json_t *s)
{
    json_t *p = json_object();
    static const char *const keys[] = {"site", "site_name", "village"};
    for (size_t k = 0; k < 3; k++) {
        json_t *v = json_object_get(s, keys[k]);
        json_object_set(p, keys[k], v != NULL ? v : json_null());
    }
    json_object_set_new(p, "on_duty", json_array());
    json_object_set_new(p, "gaps", json_array());
    return p;
}

/* Close the place @p whose shifts were swept up to *@cover: the time
 * after the last cover until @until is a gap. */
static void end_place(json_t *p, int64_t cover, int64_t until)
{
    if (p != NULL && cover < until)
        json_array_append_new(json_object_get(p, "gaps"),
                              json_pack("{s:I, s:I}", "from", (json_int_t)cover,
                                        "to", (json_int_t)until));
}

/* proto/schema.md, "Patrols, hazards and duty": per place, the shifts
 * that hold @now (starts <= now < ends), and the gaps: the times in
 * [now, now + 24 h) that no shift of the place covers. @shifts are in
 * place order, then by start. */
static json_t *duty_places(json_t *shifts, int64_t now)
{
    int64_t until = now + DAY_S, cover = now;
    json_t *places = json_array(), *cur = NULL;
    const char *key = NULL;
    size_t i;
    json_t *s;
    json_array_foreach(shifts, i, s)
    {
        const char *place = json_string_value(json_object_get(s, "place"));
        HZ_ASSERT(place != NULL);
        if (key == NULL || strcmp(key, place) != 0) {
            end_place(cur, cover, until);
            cur = new_place(s);
            json_array_append_new(places, cur);
            key = place;
            cover = now;
        }
        int64_t from = json_integer_value(json_object_get(s, "starts"));
        int64_t to = json_integer_value(json_object_get(s, "ends"));
        HZ_ASSERT(from < to);
        if (from <= now && now < to)
            json_array_append(json_object_get(cur, "on_duty"), s);
        if (to <= cover || from >= until)
            continue;
        if (from > cover)
            json_array_append_new(json_object_get(cur, "gaps"),
                                  json_pack("{s:I, s:I}", "from",
                                            (json_int_t)cover, "to",
                                            (json_int_t)from));
        cover = to;
    }
    end_place(cur, cover, until);
    /* The place key was for the sweep only. */
    json_array_foreach(shifts, i, s)
    {
        json_object_del(s, "place");
    }
    return places;
}

int patrol_duty(hz_node *n, const struct hz_report_opts *o, json_t **out,
                struct hz_err *err)
{
    json_t *shifts = json_array();
    int rv = db_rows_json(&n->db, SHIFTS_SQL, DB_NO_ARGS, shifts, err);
    if (rv != 0) {
        json_decref(shifts);
        return rv;
    }
    json_t *places = duty_places(shifts, o->now);
    json_decref(shifts);
    *out = json_pack("{s:I, s:I, s:o}", "now", (json_int_t)o->now, "until",
                     (json_int_t)(o->now + DAY_S), "places", places);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "duty");
}

/* The integer value column @col has after the op: the op's when it
 * writes the column (NULL when it clears it), else @stored (the stored
 * row's), or NULL when neither is an integer. */
static const struct value *int_of(const struct op *o, const char *col,
                                  const struct value *stored)
{
    const struct value *v = body_op_value(o, col);
    if (v != NULL)
        return v->type == VALUE_INT ? v : NULL;
    return stored->type == VALUE_INT ? stored : NULL;
}

struct shift_row {
    bool found;
    struct value starts, ends;
    bool placed; /* has a site or a village */
};

static int read_shift(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct shift_row *s = data;
    s->found = true;
    if (sqlite3_column_type(st, 0) == SQLITE_INTEGER)
        s->starts =
            (struct value){.type = VALUE_INT, .i = sqlite3_column_int64(st, 0)};
    if (sqlite3_column_type(st, 1) == SQLITE_INTEGER)
        s->ends =
            (struct value){.type = VALUE_INT, .i = sqlite3_column_int64(st, 1)};
    s->placed = sqlite3_column_int(st, 2) != 0;
    return 0;
}

/* Whether the op sets column @col to a value (not to nothing). */
static bool op_sets(const struct op *o, const char *col)
{
    const struct value *v = body_op_value(o, col);
    return v != NULL && v->type != VALUE_NIL;
}

int patrol_check_write(struct hz_node *n, const struct op *o,
                       struct hz_err *err)
{
    if (o->kind != OP_SET || strcmp(o->table->name, "shifts") != 0)
        return 0;
    struct shift_row s = {0};
    int rv = db_each(&n->db,
                     "SELECT starts, ends, site IS NOT NULL OR"
                     " coalesce(village, '') <> '' FROM e_shifts"
                     " WHERE id = ?1 AND deleted = 0",
                     DB_ARGS(DB_ROW(o->row)), read_shift, &s, err);
    if (rv != 0)
        return rv;
    const struct value *from = int_of(o, "starts", &s.starts);
    const struct value *to = int_of(o, "ends", &s.ends);
    if (from == NULL || to == NULL)
        return hz_err_set(err, HZ_EVALUE, "a shift has starts and ends");
    if (to->i <= from->i)
        return hz_err_set(err, HZ_EVALUE, "ends: not after starts");
    if (!s.placed && !op_sets(o, "site") && !op_sets(o, "village"))
        return hz_err_set(err, HZ_EVALUE, "a shift names a site or village");
    return 0;
}
