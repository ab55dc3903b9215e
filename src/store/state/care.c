/* care.c - care visits, health checks and disinfection (关爱走访, 健康监测,
 * 消毒) read from the merged state at a given time: the vulnerable persons
 * due a care visit per responsible cadre, the outbreak clues of the
 * shelters (a number of persons with fever or the same symptom at one
 * site within a window), and the last disinfection round per site and
 * area (proto/schema.md, "Care and health"). Nothing here is stored: each
 * answer is computed from the events when asked. The CLI and the web ask
 * these through hz_node_report ("care_due", "care_visits",
 * "health_checks", "outbreaks", "disinfections"), so both show the same
 * rows. Health fields (COL_HEALTH) and the persons behind a clue are in
 * an answer only when @o->health says its reader may see them.
 * care_check_write is the node's own check of a health check typed here
 * (DECISIONS 4: receivers judge only the schema's rules). */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/body.h"
#include "../../core/care.h"
#include "../../core/error_int.h"

#include <string.h>

#define DAY_S 86400

/* The symptom kinds as an SQL table kinds(k). */
#define SYMPTOM_SQL(w, zh_, en_) " UNION ALL SELECT '" w "'"
#define KINDS_SQL "kinds(k) AS (SELECT NULL WHERE 0" SYMPTOMS(SYMPTOM_SQL) ")"

/* clang-format off */

#define VULNERABLE(p)                                                          \
    "(coalesce(" p ".elderly_mobility, 0) OR coalesce(" p ".disabled, 0)"      \
    " OR coalesce(" p ".no_caretaker, 0) OR coalesce(" p ".left_behind, 0)"    \
    " OR coalesce(" p ".pregnant, 0) OR coalesce(" p ".chronic, 0))"

#define FLAG(p, f) "CASE WHEN coalesce(" p "." f ", 0) THEN '," f "' ELSE '' END"

/* ?1: T; ?2: D days; ?3: only this village, or NULL. */
#define DUE_SQL                                                                \
    "WITH RECURSIVE " MERGE_ENDS("p", "e_persons") ", "                        \
    MERGE_ENDS("h", "e_households") ", "                                       \
    "cv AS (SELECT " LIVE_REP("p", "e_persons", "x.person") " AS who, x.time"  \
    " FROM (" EFFECTIVE("v_care_visits") ") x WHERE x.time <= ?1), "           \
    "lv AS (SELECT who, max(time) AS last, count(*) AS visits FROM cv"         \
    " WHERE who IS NOT NULL GROUP BY who), "                                   \
    "pp AS (SELECT p.id, p.name, " LIVE_REP("h", "e_households",              \
    "p.household") " AS hid, substr(" FLAG("p", "elderly_mobility") " || "     \
    FLAG("p", "disabled") " || " FLAG("p", "no_caretaker") " || "              \
    FLAG("p", "left_behind") " || " FLAG("p", "pregnant") " || "               \
    FLAG("p", "chronic") ", 2) AS flags FROM e_persons p"                      \
    " WHERE " STANDS("p", "p") " AND p.condition IS NOT 'deceased'"            \
    " AND " VULNERABLE("p") ") "                                               \
    "SELECT pp.id AS person, pp.name, h.village, nullif(h.cadre, '') AS cadre," \
    " pp.flags, lv.last AS last_visit, coalesce(lv.visits, 0) AS visits"       \
    " FROM pp LEFT JOIN e_households h ON h.id = pp.hid"                       \
    " LEFT JOIN lv ON lv.who = pp.id"                                          \
    " WHERE (lv.last IS NULL OR lv.last + ?2 * 86400 < ?1)"                    \
    " AND (?3 IS NULL OR h.village = ?3)"                                      \
    " ORDER BY nullif(h.cadre, '') IS NOT NULL, nullif(h.cadre, ''),"          \
    " lv.last IS NOT NULL, lv.last, pp.name, pp.id"

/* ?1: only the visits of the person ?1 stands for (and of those standing
 * for it), or NULL. */
#define VISITS_SQL                                                             \
    "WITH RECURSIVE " MERGE_ENDS("p", "e_persons") " "                         \
    "SELECT x.id AS visit, x.person, pe.name, x.time, x.method, x.referral,"   \
    " x.needs, x.\"by\", x.site, s.name AS site_name, x.note,"                 \
    " (SELECT min(r.id) FROM v_care_visits r WHERE r.reverses = x.id)"         \
    " AS reversed_by FROM v_care_visits x"                                     \
    " LEFT JOIN e_persons pe ON pe.id = x.person"                              \
    " LEFT JOIN e_sites s ON s.id = x.site WHERE x.reverses IS NULL"           \
    " AND (?1 IS NULL OR coalesce(" LIVE_REP("p", "e_persons", "x.person")     \
    ", x.person) = coalesce(" LIVE_REP("p", "e_persons", "?1") ", ?1))"        \
    " ORDER BY x.time DESC, x.id DESC"

/* Health checks that are no correction, the newest first; the health
 * columns only when ?2 (the reader may see them). ?1: only this site, or
 * NULL. */
#define CHECKS_SQL                                                             \
    "SELECT x.id AS check_id, x.person, pe.name, x.site, s.name AS site_name," \
    " x.time, x.\"by\", CASE WHEN ?2 THEN x.temperature END AS temperature,"   \
    " CASE WHEN ?2 THEN x.symptoms END AS symptoms,"                           \
    " CASE WHEN ?2 THEN x.chronic_followup END AS chronic_followup,"           \
    " CASE WHEN ?2 THEN x.medication END AS medication,"                       \
    " CASE WHEN ?2 THEN x.note END AS note,"                                   \
    " (SELECT min(r.id) FROM v_health_checks r WHERE r.reverses = x.id)"       \
    " AS reversed_by FROM v_health_checks x"                                   \
    " LEFT JOIN e_persons pe ON pe.id = x.person"                              \
    " LEFT JOIN e_sites s ON s.id = x.site WHERE x.reverses IS NULL"           \
    " AND (?1 IS NULL OR x.site = ?1) ORDER BY x.time DESC, x.id DESC"

/* hk(site, kind, who, time): per counted health check with time in
 * (?1 - ?2 * 3600, ?1], each kind it shows (fever: temperature at or
 * above 37.3 °C or the symptom fever), who the person it stands for. */
#define OUTBREAK_BASE                                                          \
    "WITH RECURSIVE " MERGE_ENDS("p", "e_persons") ", " KINDS_SQL ", "         \
    "hc AS (SELECT x.site, x.time, x.temperature,"                             \
    " ',' || coalesce(x.symptoms, '') || ',' AS sl, coalesce("                 \
    LIVE_REP("p", "e_persons", "x.person") ", x.person) AS who"                \
    " FROM (" EFFECTIVE("v_health_checks") ") x"                               \
    " WHERE x.time > ?1 - ?2 * 3600 AND x.time <= ?1), "                       \
    "hk AS (SELECT hc.site, k.k AS kind, hc.who, hc.time FROM hc JOIN kinds k" \
    " ON instr(hc.sl, ',' || k.k || ',') > 0 OR (k.k = 'fever'"                \
    " AND hc.temperature >= 37.3)) "

/* ?3: K. */
#define OUTBREAKS_SQL                                                          \
    OUTBREAK_BASE                                                              \
    "SELECT hk.site, s.name AS site_name, hk.kind,"                            \
    " count(DISTINCT hk.who) AS persons, min(hk.time) AS first,"               \
    " max(hk.time) AS last FROM hk LEFT JOIN e_sites s ON s.id = hk.site"      \
    " GROUP BY hk.site, hk.kind HAVING count(DISTINCT hk.who) >= ?3"           \
    " ORDER BY last DESC, hk.site, hk.kind"

/* The persons behind the clue of kind ?4 at site ?3. */
#define OUTBREAK_LIST_SQL                                                      \
    OUTBREAK_BASE                                                              \
    "SELECT hk.who AS person, pe.name, max(hk.time) AS time FROM hk"           \
    " LEFT JOIN e_persons pe ON pe.id = hk.who"                                \
    " WHERE hk.site = ?3 AND hk.kind = ?4 GROUP BY hk.who"                     \
    " ORDER BY time DESC, hk.who"

/* The sites of the disinfection list: live shelters and the sites any
 * counted round names, with the last counted round by ?1 and whether it
 * is older than a day (flagged). */
#define DIS_BASE                                                               \
    "WITH dx AS (SELECT * FROM (" EFFECTIVE("v_disinfections") ")"             \
    " WHERE time <= ?1) "
#define DIS_SITES_SQL                                                          \
    DIS_BASE                                                                   \
    ", ds AS (SELECT id FROM e_sites WHERE deleted = 0 AND kind = 'shelter'"   \
    " UNION SELECT site FROM dx) SELECT ds.id AS site, s.name AS site_name,"   \
    " (SELECT max(time) FROM dx WHERE dx.site = ds.id) AS last,"               \
    " NOT EXISTS (SELECT 1 FROM dx WHERE dx.site = ds.id"                      \
    " AND dx.time > ?1 - 86400) AS flagged FROM ds"                            \
    " LEFT JOIN e_sites s ON s.id = ds.id"                                     \
    " ORDER BY flagged DESC, s.name, ds.id"
#define DIS_AREAS_SQL                                                          \
    DIS_BASE                                                                   \
    "SELECT d.area, d.time, d.agent, d.\"by\" FROM dx d WHERE d.site = ?2"     \
    " AND d.id = (SELECT d2.id FROM dx d2 WHERE d2.site = d.site"              \
    " AND d2.area = d.area ORDER BY d2.time DESC, d2.id DESC LIMIT 1)"         \
    " ORDER BY d.area"

/* clang-format on */

/* The id @hex (NULL: none) into @id; false when it is no row id. */
static bool optional_id(const char *hex, uint8_t *id)
{
    return hex == NULL || render_row_id(hex, id);
}

int care_due(hz_node *n, const struct hz_report_opts *o, json_t **out,
             struct hz_err *err)
{
    int64_t days = o->care_days != 0 ? o->care_days : CARE_DAYS_DEFAULT;
    if (days < 1 || days > CARE_DAYS_MAX)
        return hz_err_set(err, HZ_EINVAL, "days: 1 to %d", CARE_DAYS_MAX);
    json_t *rows;
    int rv =
        query_rows(n, DUE_SQL,
                   DB_ARGS(DB_INT(o->now), DB_INT(days),
                           o->village != NULL ? DB_TEXT(o->village) : DB_NULL),
                   &rows, err);
    if (rv != 0)
        return rv;
    /* Rows come grouped by cadre: one group per cadre in their order. */
    json_t *cadres = json_array(), *cur = NULL;
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *c = json_object_get(r, "cadre");
        if (cur == NULL || !json_equal(json_object_get(cur, "cadre"), c)) {
            cur = json_pack("{s:O, s:[]}", "cadre", c, "persons");
            json_array_append_new(cadres, cur);
        }
        json_array_append(json_object_get(cur, "persons"), r);
    }
    size_t due = json_array_size(rows);
    json_decref(rows);
    *out =
        json_pack("{s:I, s:I, s:I, s:o}", "now", (json_int_t)o->now, "days",
                  (json_int_t)days, "due", (json_int_t)due, "cadres", cadres);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "care due");
}

int care_visit_list(hz_node *n, const struct hz_report_opts *o, json_t **out,
                    struct hz_err *err)
{
    uint8_t id[HZ_ROW_LEN];
    if (!optional_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "a person id is 32 hex");
    return query_rows(n, VISITS_SQL,
                      DB_ARGS(o->id != NULL ? DB_ROW(id) : DB_NULL), out, err);
}

int care_health_checks(hz_node *n, const struct hz_report_opts *o, json_t **out,
                       struct hz_err *err)
{
    uint8_t id[HZ_ROW_LEN];
    if (!optional_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "a site id is 32 hex");
    int rv = query_rows(
        n, CHECKS_SQL,
        DB_ARGS(o->id != NULL ? DB_ROW(id) : DB_NULL, DB_INT(o->health)), out,
        err);
    if (rv != 0 || o->health)
        return rv;
    /* Not even the keys of what the reader may not see. */
    static const char *const health[] = {
        "temperature", "symptoms", "chronic_followup", "medication", "note"};
    size_t i;
    json_t *r;
    json_array_foreach(*out, i, r)
    {
        for (size_t k = 0; k < sizeof health / sizeof health[0]; k++)
            json_object_del(r, health[k]);
    }
    return 0;
}

int care_outbreaks(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err)
{
    int64_t k = o->outbreak_k != 0 ? o->outbreak_k : OUTBREAK_K_DEFAULT;
    int64_t w = o->outbreak_window_h != 0 ? o->outbreak_window_h
                                          : OUTBREAK_WINDOW_DEFAULT;
    if (k < 2 || k > OUTBREAK_K_MAX)
        return hz_err_set(err, HZ_EINVAL, "threshold: 2 to %d", OUTBREAK_K_MAX);
    if (w < 1 || w > OUTBREAK_WINDOW_MAX)
        return hz_err_set(err, HZ_EINVAL, "window: 1 to %d hours",
                          OUTBREAK_WINDOW_MAX);
    json_t *clues;
    int rv =
        query_rows(n, OUTBREAKS_SQL,
                   DB_ARGS(DB_INT(o->now), DB_INT(w), DB_INT(k)), &clues, err);
    size_t i;
    json_t *c;
    json_array_foreach(clues, i, c)
    {
        if (rv != 0 || !o->health)
            break;
        uint8_t site[HZ_ROW_LEN];
        const char *hex = json_string_value(json_object_get(c, "site"));
        if (hex == NULL || !render_row_id(hex, site))
            continue;
        json_t *list;
        rv = query_rows(
            n, OUTBREAK_LIST_SQL,
            DB_ARGS(DB_INT(o->now), DB_INT(w), DB_ROW(site),
                    DB_TEXT(json_string_value(json_object_get(c, "kind")))),
            &list, err);
        if (rv == 0)
            json_object_set_new(c, "list", list);
    }
    if (rv != 0) {
        json_decref(clues);
        return rv;
    }
    *out = json_pack("{s:I, s:I, s:I, s:o}", "now", (json_int_t)o->now,
                     "threshold", (json_int_t)k, "window_hours", (json_int_t)w,
                     "clues", clues);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "outbreaks");
}

int care_disinfections(hz_node *n, const struct hz_report_opts *o, json_t **out,
                       struct hz_err *err)
{
    json_t *sites;
    int rv = query_rows(n, DIS_SITES_SQL, DB_ARGS(DB_INT(o->now)), &sites, err);
    if (rv != 0)
        return rv;
    render_bools(sites, "flagged");
    size_t i, flagged = 0;
    json_t *s;
    json_array_foreach(sites, i, s)
    {
        flagged += json_is_true(json_object_get(s, "flagged"));
        uint8_t site[HZ_ROW_LEN];
        const char *hex = json_string_value(json_object_get(s, "site"));
        json_t *areas = NULL;
        if (rv == 0 && hex != NULL && render_row_id(hex, site))
            rv = query_rows(n, DIS_AREAS_SQL,
                            DB_ARGS(DB_INT(o->now), DB_ROW(site)), &areas, err);
        json_object_set_new(s, "areas", areas != NULL ? areas : json_array());
    }
    if (rv != 0) {
        json_decref(sites);
        return rv;
    }
    *out = json_pack("{s:I, s:o, s:I}", "now", (json_int_t)o->now, "sites",
                     sites, "flagged", (json_int_t)flagged);
    return *out != NULL ? 0 : hz_err_set(err, HZ_ENOMEM, "disinfections");
}

bool care_health_may_write(const struct table_def *t)
{
    static const char *const tables[] = {"care_visits", "health_checks",
                                         "disinfections", "recorded_by"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        if (strcmp(t->name, tables[i]) == 0)
            return true;
    }
    return false;
}

/* Whether @v (text) is a set of symptoms as stored: wire names separated
 * by ',', at least one, none twice. */
static bool symptoms_valid(const struct value *v)
{
    const char *p = (const char *)v->s.p, *end = p + v->s.len;
    const struct care_symptom
        *seen[sizeof care_symptoms / sizeof care_symptoms[0]];
    size_t n_seen = 0;
    for (;;) {
        const char *comma = memchr(p, ',', (size_t)(end - p));
        const char *stop = comma != NULL ? comma : end;
        const struct care_symptom *s = care_symptom_of(p, (size_t)(stop - p));
        if (s == NULL || strncmp(s->name, p, (size_t)(stop - p)) != 0)
            return false;
        for (size_t i = 0; i < n_seen; i++)
            if (seen[i] == s)
                return false;
        seen[n_seen++] = s;
        if (comma == NULL)
            return true;
        p = comma + 1;
    }
}

int care_check_write(struct hz_node *n, const struct op *o, struct hz_err *err)
{
    (void)n;
    if (o->kind != OP_INS || strcmp(o->table->name, "health_checks") != 0)
        return 0;
    const struct value *t = body_op_value(o, "temperature");
    if (t != NULL && t->type == VALUE_REAL &&
        !(t->r >= CARE_TEMP_MIN && t->r <= CARE_TEMP_MAX))
        return hz_err_say(err, HZ_EVALUE, "体温应在 34.0 到 43.0 °C 之间",
                          "temperature: 34.0 to 43.0 °C");
    const struct value *s = body_op_value(o, "symptoms");
    if (s != NULL && s->type == VALUE_STR && !symptoms_valid(s))
        return hz_err_say(
            err, HZ_EVALUE,
            "症状只能是以下代码，以英文逗号分隔：fever 发热、cough 咳嗽、"
            "sore_throat 咽痛、diarrhoea 腹泻、vomiting 呕吐、rash 皮疹、"
            "red_eye 红眼、other 其他",
            "symptoms: only fever, cough, sore_throat, diarrhoea, vomiting,"
            " rash, red_eye, other, separated by ','");
    return 0;
}
