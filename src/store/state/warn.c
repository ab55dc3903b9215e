/* warn.c - warning campaigns (预警信息到户到人) read from the merged
 * state: each warning notice with how many households of its area were
 * reached, and one campaign per village, per responsible cadre (包保责任人)
 * and per household, the unreached vulnerable first (proto/schema.md,
 * "Warning campaigns"). The CLI and the web ask these through
 * hz_node_report ("campaigns", "campaign"), so both show the same rows.
 * warn_check_delivery is the node's own check of a delivery typed here
 * (DECISIONS 4: receivers judge only the schema's rules). */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/body.h"
#include "../../core/error_int.h"

#include <string.h>

/* clang-format off */
#define NOTICES_SQL                                                            \
    "SELECT id, event, headline, urgency, severity, certainty, description,"   \
    " instruction, source, sender, identifier, sent, expires, area_desc,"      \
    " villages, grids FROM e_warning_notices WHERE deleted = 0"                \
    " AND (?1 IS NULL OR id = ?1) ORDER BY sent IS NULL, sent DESC, id"

#define SUMS(key)                                                              \
    "SELECT " key "count(*) AS households, coalesce(sum(reached), 0)"          \
    " AS reached, count(*) - coalesce(sum(reached), 0) AS unreached,"          \
    " coalesce(sum(NOT reached AND vulnerable > 0), 0)"                        \
    " AS unreached_vulnerable FROM cr"

#define HOUSEHOLDS_SQL                                                         \
    CAMPAIGN_BASE "SELECT id AS household, head_name, village, grid, cadre,"   \
    " phone, reached, tries, vulnerable, method, \"by\", time, note FROM cr"   \
    " ORDER BY reached, vulnerable > 0 DESC, village, cadre, head_name, id"
/* clang-format on */

static const char *const totals_sql = CAMPAIGN_BASE SUMS("");
static const char *const by_village_sql =
    CAMPAIGN_BASE SUMS("village, ") " GROUP BY village ORDER BY village";
static const char *const by_cadre_sql =
    CAMPAIGN_BASE SUMS("cadre, ") " GROUP BY cadre ORDER BY cadre";

/* The rows of @sql for campaign @id into a new array at @key of @o. */
static int rows_into(hz_node *n, const char *sql, const uint8_t *id, json_t *o,
                     const char *key, struct hz_err *err)
{
    json_t *rows = json_array();
    int rv = db_rows_json(&n->db, sql, DB_ARGS(DB_ROW(id)), rows, err);
    json_object_set_new(o, key, rows);
    return rv;
}

/* Each notice of @notices (rows of NOTICES_SQL) with its "totals". */
static int add_totals(hz_node *n, json_t *notices, struct hz_err *err)
{
    size_t i;
    json_t *w;
    json_array_foreach(notices, i, w)
    {
        uint8_t id[HZ_ROW_LEN];
        bool ok =
            render_row_id(json_string_value(json_object_get(w, "id")), id);
        HZ_ASSERT(ok);
        json_t *sums = json_array();
        int rv =
            db_rows_json(&n->db, totals_sql, DB_ARGS(DB_ROW(id)), sums, err);
        json_object_set(w, "totals", json_array_get(sums, 0));
        json_decref(sums);
        if (rv != 0)
            return rv;
    }
    return 0;
}

int warn_campaigns(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err)
{
    *out = NULL;
    uint8_t id[HZ_ROW_LEN];
    bool one = o->id != NULL;
    if (one && !render_row_id(o->id, id))
        return hz_err_set(err, HZ_EINVAL, "a warning notice id is 32 hex");
    json_t *notices = json_array();
    int rv = db_rows_json(&n->db, NOTICES_SQL,
                          DB_ARGS(one ? DB_ROW(id) : DB_NULL), notices, err);
    if (rv == 0 && one && json_array_size(notices) == 0)
        rv = hz_err_set(err, HZ_ENOTFOUND, "no warning notice %s", o->id);
    if (rv == 0)
        rv = add_totals(n, notices, err);
    if (rv != 0) {
        json_decref(notices);
        return rv;
    }
    *out = notices;
    return 0;
}

int warn_campaign(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    json_t *notices = NULL;
    int rv = o->id != NULL
                 ? warn_campaigns(n, o, &notices, err)
                 : hz_err_set(err, HZ_EINVAL, "a campaign names its notice");
    if (rv != 0)
        return rv;
    uint8_t id[HZ_ROW_LEN];
    bool ok = render_row_id(o->id, id);
    HZ_ASSERT(ok);
    json_t *root = json_pack("{s:O}", "notice", json_array_get(notices, 0));
    json_decref(notices);
    json_object_set(root, "totals",
                    json_object_get(json_object_get(root, "notice"), "totals"));
    json_object_del(json_object_get(root, "notice"), "totals");
    rv = rows_into(n, by_village_sql, id, root, "by_village", err);
    if (rv == 0)
        rv = rows_into(n, by_cadre_sql, id, root, "by_cadre", err);
    if (rv == 0)
        rv = rows_into(n, HOUSEHOLDS_SQL, id, root, "households", err);
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
    render_bools(json_object_get(root, "households"), "reached");
    *out = root;
    return 0;
}

int warn_check_delivery(struct hz_node *n, const struct op *o,
                        struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    const struct value *c = body_op_value(o, "campaign");
    const struct value *h = body_op_value(o, "household");
    if (c == NULL || h == NULL || c->type != VALUE_BIN || h->type != VALUE_BIN)
        return 0; /* a warning of no campaign, or the schema refuses it */
    /* That the campaign and the household are live rows was checked with
     * every reference (write.c, check_ref). */
    int64_t yes = 0;
    int rv = db_int(
        &n->db,
        CAMPAIGN_BASE "SELECT EXISTS (SELECT 1 FROM ch WHERE"
                      " ch.id = " LIVE_REP("h", "e_households", "?2") ")",
        DB_ARGS(DB_BLOB(c->s.p, c->s.len), DB_BLOB(h->s.p, h->s.len)), &yes,
        NULL, err);
    if (rv == 0 && !yes)
        rv =
            hz_err_set(err, HZ_EVALUE, "household: not in the campaign's area");
    return rv;
}
