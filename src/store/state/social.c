/* social.c - the social forces (社会力量) read from the merged state: the
 * catalogue of organisations searched by skill, item and place with the
 * entries not confirmed for some days flagged, and one volunteer's
 * service record (志愿服务记录证明) with its totals by site and by task
 * (proto/schema.md, "Volunteer hours"). The CLI and the web ask these
 * through hz_node_report ("organisations", "volunteer"), so both show the
 * same rows and the same sums. */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/body.h"
#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <stdlib.h>
#include <string.h>

#define STALE_DAYS_DEFAULT 30
#define DAY_S 86400

/* clang-format off */
#define ORGANISATIONS_SQL                                                      \
    "SELECT o.id, o.name, o.kind, o.status, o.services, o.teams,"              \
    " o.headcount, o.equipment, o.stocks, o.storage, o.production,"            \
    " o.village, o.site, s.name AS site_name, o.lat, o.lon, o.contact,"        \
    " o.phone, o.note, o.confirmed_at, (SELECT count(*) FROM e_volunteers v"   \
    " WHERE v.deleted = 0 AND v.organisation = o.id) AS volunteers,"           \
    " CASE WHEN o.confirmed_at IS NULL THEN NULL"                              \
    " ELSE (?4 - o.confirmed_at) / 86400 END AS days_since_confirmed,"         \
    " (o.confirmed_at IS NULL OR o.confirmed_at < ?4 - ?5) AS stale"           \
    " FROM e_organisations o LEFT JOIN e_sites s ON s.id = o.site"             \
    " AND s.deleted = 0 WHERE o.deleted = 0"                                   \
    " AND (?1 IS NULL OR instr(lower(coalesce(o.services, '') || ',' ||"       \
    " coalesce(o.teams, '')), lower(?1)) > 0)"                                 \
    " AND (?2 IS NULL OR instr(lower(coalesce(o.stocks, '') || ',' ||"         \
    " coalesce(o.equipment, '')), lower(?2)) > 0)"                             \
    " AND (?3 IS NULL OR instr(lower(coalesce(o.village, '') || '|' ||"        \
    " coalesce(s.name, '')), lower(?3)) > 0)"                                  \
    " AND (?6 IS NULL OR o.id = ?6) ORDER BY o.name, o.id"

#define VOLUNTEER_SQL                                                          \
    "SELECT v.id, v.name, v.phone, v.skills, v.availability, v.id_number,"     \
    " v.note, v.organisation, o.name AS organisation_name FROM e_volunteers v" \
    " LEFT JOIN e_organisations o ON o.id = v.organisation AND o.deleted = 0"  \
    " WHERE v.id = ?1 AND v.deleted = 0"

#define PERIODS_SQL                                                            \
    VOLUNTEER_PERIODS "SELECT p.id AS service, p.site, s.name AS site_name,"   \
    " p.task, p.starts, p.ends, p.how, p.minutes, p.open FROM periods p"       \
    " LEFT JOIN e_sites s ON s.id = p.site WHERE p.volunteer = ?1"             \
    " ORDER BY p.starts, p.id"

#define BY_SITE_SQL                                                            \
    VOLUNTEER_PERIODS "SELECT p.site, s.name AS site_name,"                    \
    " coalesce(sum(p.minutes), 0) AS minutes, count(*) AS periods"             \
    " FROM periods p LEFT JOIN e_sites s ON s.id = p.site"                     \
    " WHERE p.volunteer = ?1 GROUP BY p.site ORDER BY s.name, p.site"

#define BY_TASK_SQL                                                            \
    VOLUNTEER_PERIODS "SELECT p.task, coalesce(sum(p.minutes), 0) AS minutes," \
    " count(*) AS periods FROM periods p WHERE p.volunteer = ?1"               \
    " GROUP BY p.task ORDER BY p.task IS NULL, p.task"

#define ASSIGNMENTS_SQL                                                        \
    "SELECT a.id, a.site, s.name AS site_name, a.task, a.starts, a.ends"       \
    " FROM e_volunteer_assignments a LEFT JOIN e_sites s ON s.id = a.site"     \
    " WHERE a.deleted = 0 AND a.volunteer = ?1 ORDER BY a.starts, a.id"
/* clang-format on */

int social_organisations(hz_node *n, const struct hz_report_opts *o,
                         json_t **out, struct hz_err *err)
{
    *out = NULL;
    int64_t days = o->stale_days > 0 ? o->stale_days : STALE_DAYS_DEFAULT;
    if (days > 36500)
        return hz_err_set(err, HZ_EINVAL, "stale days are 1 to 36500");
    uint8_t id[HZ_ROW_LEN];
    if (o->id != NULL && !render_row_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "an organisation id is 32 hex");
#define OPT_TEXT(s) ((s) != NULL && (s)[0] != '\0' ? DB_TEXT(s) : DB_NULL)
    json_t *rows = json_array();
    int rv = db_rows_json(&n->db, ORGANISATIONS_SQL,
                          DB_ARGS(OPT_TEXT(o->skill), OPT_TEXT(o->item),
                                  OPT_TEXT(o->village), DB_INT(o->now),
                                  DB_INT(days * DAY_S),
                                  o->id != NULL ? DB_ROW(id) : DB_NULL),
                          rows, err);
#undef OPT_TEXT
    if (rv != 0) {
        json_decref(rows);
        return rv;
    }
    render_bools(rows, "stale");
    if (o->id != NULL && json_array_size(rows) == 0) {
        json_decref(rows);
        return hz_err_say(err, HZ_ENOTFOUND, "本节点没有这个组织",
                          "no organisation %s", o->id);
    }
    *out = json_pack("{s:I, s:I, s:o}", "stale_days", (json_int_t)days, "now",
                     (json_int_t)o->now, "organisations", rows);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "organisations");
}

/* An ID number shown on a record: its first 6 and last 4 characters,
 * the rest as '*' (all of it when shorter than 11). */
static json_t *masked(json_t *v)
{
    const char *s = json_string_value(v);
    if (s == NULL)
        return json_null();
    size_t len = strlen(s);
    char m[64];
    if (len >= sizeof m)
        len = sizeof m - 1;
    for (size_t i = 0; i < len; i++)
        m[i] = len > 10 && (i < 6 || i + 4 >= len) ? s[i] : '*';
    m[len] = '\0';
    return json_string(m);
}

int social_volunteer(hz_node *n, const struct hz_report_opts *o, json_t **out,
                     struct hz_err *err)
{
    *out = NULL;
    uint8_t id[HZ_ROW_LEN];
    if (!render_row_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "a volunteer id is 32 hex digits");
    static const char *const keys[] = {"periods", "by_site", "by_task",
                                       "assignments"};
    static const char *const sqls[] = {PERIODS_SQL, BY_SITE_SQL, BY_TASK_SQL,
                                       ASSIGNMENTS_SQL};
    json_t *who = json_array();
    int rv = db_rows_json(&n->db, VOLUNTEER_SQL, DB_ARGS(DB_ROW(id)), who, err);
    if (rv == 0 && json_array_size(who) == 0)
        rv = hz_err_say(err, HZ_ENOTFOUND, "本节点没有这名志愿者",
                        "no volunteer %s", o->id);
    json_t *root = NULL;
    if (rv == 0) {
        json_t *v = json_array_get(who, 0);
        json_object_set_new(v, "id_number",
                            masked(json_object_get(v, "id_number")));
        root =
            json_pack("{s:O, s:I}", "volunteer", v, "made", (json_int_t)o->now);
    }
    json_decref(who);
    for (size_t k = 0; rv == 0 && k < sizeof keys / sizeof keys[0]; k++) {
        json_t *rows = json_array();
        rv = db_rows_json(&n->db, sqls[k], DB_ARGS(DB_ROW(id)), rows, err);
        json_object_set_new(root, keys[k], rows);
    }
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    json_t *periods = json_object_get(root, "periods");
    render_bools(periods, "open");
    json_int_t minutes = 0, open = 0;
    size_t i;
    json_t *p;
    json_array_foreach(periods, i, p)
    {
        minutes += json_integer_value(json_object_get(p, "minutes"));
        open += json_is_true(json_object_get(p, "open"));
    }
    json_object_set_new(root, "total_minutes", json_integer(minutes));
    json_object_set_new(root, "open", json_integer(open));
    *out = root;
    return 0;
}

/* ---- a volunteer's service, checked on local input (CLI and web alike) */

static bool is_kind(const struct value *v, const char *kind)
{
    return v != NULL && v->type == VALUE_STR && v->s.len == strlen(kind) &&
           memcmp(v->s.p, kind, v->s.len) == 0;
}

/* The volunteer's check-in @in as VOLUNTEER_PERIODS has it. */
struct checkin {
    bool found, open;
    int64_t starts;
};

static int read_checkin(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct checkin *c = data;
    c->found = true;
    c->starts = sqlite3_column_int64(st, 0);
    c->open = sqlite3_column_int64(st, 1) != 0;
    return 0;
}

int social_check_service(struct hz_node *n, const struct op *o, int64_t now,
                         enum check_stage stage, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    const struct value *kind = body_op_value(o, "kind"),
                       *time = body_op_value(o, "time");
    const struct value *who = body_op_value(o, "volunteer");
    if (time == NULL || who == NULL || who->type != VALUE_BIN)
        return 0; /* the schema's rules refuse it */
    if (stage != CHECK_APPLIED && now != 0 && time->i > now + HZ_FUTURE_SLACK_S)
        return hz_err_say(err, HZ_EVALUE, "时间晚于现在：服务不能提前登记",
                          "time: after now (service is not recorded ahead)");
    if (stage == CHECK_STATELESS)
        return 0;
    if (is_kind(kind, "in")) {
        int64_t open = 0;
        int rv =
            db_int(&n->db,
                   VOLUNTEER_PERIODS "SELECT count(*) FROM periods"
                                     " WHERE volunteer = ?1 AND open",
                   DB_ARGS(DB_BLOB(who->s.p, who->s.len)), &open, NULL, err);
        if (rv == 0 && open > (stage == CHECK_APPLIED))
            rv = hz_err_say(err, HZ_EVALUE, "此志愿者已签到，请先签退",
                            "the volunteer is checked in: check out first");
        return rv;
    }
    if (!is_kind(kind, "out"))
        return 0;
    const struct value *closes = body_op_value(o, "closes");
    if (closes == NULL || closes->type != VALUE_BIN)
        return hz_err_say(err, HZ_EVALUE, "签退须指明对应的签到",
                          "closes: a check-out names its"
                          " check-in");
    struct checkin c = {0};
    int rv = db_each(&n->db,
                     VOLUNTEER_PERIODS "SELECT starts, open FROM periods"
                                       " WHERE id = ?1 AND volunteer = ?2"
                                       " AND how = 'checkin'",
                     DB_ARGS(DB_BLOB(closes->s.p, closes->s.len),
                             DB_BLOB(who->s.p, who->s.len)),
                     read_checkin, &c, err);
    /* applied: this check-out is in the state, and must be the only
     * one closing its check-in */
    int64_t outs = 0;
    if (rv == 0 && c.found && stage == CHECK_APPLIED)
        rv = db_int(&n->db,
                    "WITH eff AS (" EFFECTIVE(
                        "v_volunteer_service") ") SELECT count(*) FROM eff"
                                               " WHERE kind = 'out' AND"
                                               " closes = ?1 AND volunteer"
                                               " = ?2",
                    DB_ARGS(DB_BLOB(closes->s.p, closes->s.len),
                            DB_BLOB(who->s.p, who->s.len)),
                    &outs, NULL, err);
    if (rv == 0 && !c.found)
        rv = hz_err_say(err, HZ_EVALUE, "找不到此志愿者的这次签到",
                        "closes: no check-in of this volunteer");
    else if (rv == 0 && (stage == CHECK_APPLIED ? outs > 1 : !c.open))
        rv = hz_err_say(err, HZ_EVALUE, "这次签到已经签退过",
                        "closes: that check-in is checked out already");
    else if (rv == 0 && time->i < c.starts)
        rv = hz_err_say(err, HZ_EVALUE, "签退时间早于签到时间",
                        "time: the check-out is before its check-in");
    return rv;
}
