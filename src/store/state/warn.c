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

#include <stdio.h>
#include <string.h>

/* clang-format off */
#define NOTICES_SQL                                                            \
    "SELECT id, event, headline, urgency, severity, certainty, description,"   \
    " instruction, source, sender, identifier, sent, expires, area_desc,"      \
    " villages, grids FROM e_warning_notices WHERE deleted = 0"                \
    " AND (?1 IS NULL OR id = ?1) ORDER BY sent IS NULL, sent DESC, id"

#define HOUSEHOLDS_SQL                                                         \
    CAMPAIGN_BASE "SELECT id AS household, head_name, village, grid, cadre,"   \
    " phone, reached, tries, vulnerable, method, \"by\", time, note FROM cr"   \
    " ORDER BY reached, vulnerable > 0 DESC, village, cadre, head_name, id"
/* clang-format on */

/* One group of a campaign's sums (the totals, a village, a cadre). */
struct sums {
    json_int_t households, reached, unreached_vulnerable;
};

static void sums_add(struct sums *g, bool reached, bool vulnerable)
{
    g->households++;
    g->reached += reached;
    g->unreached_vulnerable += !reached && vulnerable;
}

/* @g as a row of sums, led by @key: @name (a village or a cadre; NULL
 * for the group of households without one) when @key is not NULL. */
static json_t *sums_row(const char *key, const char *name, const struct sums *g)
{
    json_t *row = key != NULL ? json_pack("{s:s?}", key, name) : json_object();
    json_object_set_new(row, "households", json_integer(g->households));
    json_object_set_new(row, "reached", json_integer(g->reached));
    json_object_set_new(row, "unreached",
                        json_integer(g->households - g->reached));
    json_object_set_new(row, "unreached_vulnerable",
                        json_integer(g->unreached_vulnerable));
    return row;
}

/* Each notice of @notices (rows of NOTICES_SQL) with its "totals", all
 * of them from one pass over the households (CAMPAIGN_TOTALS): a notice
 * whose area holds no household has zeros. @one: only that campaign's
 * (NULL: every live one's). */
static int add_totals(hz_node *n, const uint8_t *one, json_t *notices,
                      struct hz_err *err)
{
    json_t *rows = json_array();
    int rv =
        db_rows_json(&n->db, CAMPAIGN_TOTALS,
                     DB_ARGS(one != NULL ? DB_ROW(one) : DB_NULL), rows, err);
    json_t *by_id = json_object();
    size_t i;
    json_t *w;
    json_array_foreach(rows, i, w)
    {
        json_object_set(by_id,
                        json_string_value(json_object_get(w, "campaign")), w);
        json_object_del(w, "campaign");
    }
    json_array_foreach(notices, i, w)
    {
        json_t *t =
            json_object_get(by_id, json_string_value(json_object_get(w, "id")));
        static const struct sums none;
        json_object_set_new(w, "totals",
                            t != NULL ? json_incref(t)
                                      : sums_row(NULL, NULL, &none));
    }
    json_decref(by_id);
    json_decref(rows);
    return rv;
}

/* The notices (all, or o->id's), each with its totals when @totals. */
static int read_notices(hz_node *n, const struct hz_report_opts *o, bool totals,
                        json_t **out, struct hz_err *err)
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
        rv = hz_err_say(err, HZ_ENOTFOUND, "本节点没有这条预警",
                        "no warning notice %s", o->id);
    if (rv == 0 && totals)
        rv = add_totals(n, one ? id : NULL, notices, err);
    if (rv != 0) {
        json_decref(notices);
        return rv;
    }
    *out = notices;
    return 0;
}

int warn_campaigns(hz_node *n, const struct hz_report_opts *o, json_t **out,
                   struct hz_err *err)
{
    return read_notices(n, o, true, out, err);
}

/* The sums of each value of one column: @index maps a value to its sums'
 * place in @g; households without a value are summed in @none. */
struct groups {
    const char *key;
    json_t *index;
    struct sums *g;
    size_t n, cap;
    struct sums none;
};

static int groups_add(struct groups *gs, const char *value, bool reached,
                      bool vulnerable, struct hz_err *err)
{
    if (value == NULL) {
        sums_add(&gs->none, reached, vulnerable);
        return 0;
    }
    json_t *at = json_object_get(gs->index, value);
    size_t i = at != NULL ? (size_t)json_integer_value(at) : gs->n;
    if (at == NULL) {
        if (gs->n == gs->cap) {
            size_t cap = gs->cap ? 2 * gs->cap : 64;
            struct sums *g = realloc(gs->g, cap * sizeof *g);
            if (g == NULL)
                return hz_err_set(err, HZ_ENOMEM, "campaign");
            gs->g = g;
            gs->cap = cap;
        }
        gs->g[gs->n++] = (struct sums){0};
        if (json_object_set_new(gs->index, value, json_integer((json_int_t)i)))
            return hz_err_set(err, HZ_ENOMEM, "campaign");
    }
    sums_add(&gs->g[i], reached, vulnerable);
    return 0;
}

static int by_bytes(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The groups as rows in the order of SQL's ORDER BY on the column: the
 * households without a value first, then by the value's bytes. */
static json_t *groups_rows(const struct groups *gs)
{
    json_t *rows = json_array();
    const char **names = malloc((gs->n ? gs->n : 1) * sizeof *names);
    if (rows == NULL || names == NULL) {
        free(names);
        json_decref(rows);
        return NULL;
    }
    size_t k = 0;
    const char *name;
    json_t *at;
    json_object_foreach(gs->index, name, at) names[k++] = name;
    qsort(names, k, sizeof *names, by_bytes);
    if (gs->none.households > 0)
        json_array_append_new(rows, sums_row(gs->key, NULL, &gs->none));
    for (size_t i = 0; i < k; i++) {
        at = json_object_get(gs->index, names[i]);
        json_array_append_new(rows,
                              sums_row(gs->key, names[i],
                                       &gs->g[(size_t)json_integer_value(at)]));
    }
    free(names);
    return rows;
}

/* Every household of the campaign, in the list's order, once: the sums
 * in total, per village and per cadre, and the page of rows asked for
 * (o->rows_limit > 0: at most that many from o->rows_offset). */
struct campaign_pass {
    const struct hz_report_opts *o;
    struct groups village, cadre;
    struct sums total;
    uint64_t listed; /* the rows the filters let through */
    json_t *households;
};

static bool same(const char *value, const char *wanted)
{
    return wanted == NULL || (value != NULL && strcmp(value, wanted) == 0);
}

/* The columns of HOUSEHOLDS_SQL campaign_row reads. */
enum { CR_VILLAGE = 2, CR_CADRE = 4, CR_REACHED = 6, CR_VULNERABLE = 8 };

static int campaign_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct campaign_pass *c = data;
    bool reached = sqlite3_column_int(st, CR_REACHED) != 0;
    bool vulnerable = sqlite3_column_int(st, CR_VULNERABLE) > 0;
    const char *village = (const char *)sqlite3_column_text(st, CR_VILLAGE),
               *cadre = (const char *)sqlite3_column_text(st, CR_CADRE);
    sums_add(&c->total, reached, vulnerable);
    int rv = groups_add(&c->village, village, reached, vulnerable, err);
    if (rv == 0)
        rv = groups_add(&c->cadre, cadre, reached, vulnerable, err);
    const struct hz_report_opts *o = c->o;
    if (rv != 0 || !same(village, o->village) || !same(cadre, o->cadre))
        return rv;
    uint64_t i = c->listed++;
    if (o->rows_limit > 0 &&
        (i < o->rows_offset || i - o->rows_offset >= o->rows_limit))
        return 0;
    json_t *row = db_row_object(st);
    if (row == NULL ||
        json_object_set_new(row, "reached", json_boolean(reached)) != 0) {
        json_decref(row);
        return hz_err_set(err, HZ_ENOMEM, "campaign");
    }
    if (o->rows_fn != NULL) {
        char *text = json_dumps(row, JSON_COMPACT);
        json_decref(row);
        if (text == NULL)
            return hz_err_set(err, HZ_ENOMEM, "campaign");
        rv = o->rows_fn(o->rows_data, text, err);
        free(text);
        return rv;
    }
    if (json_array_append_new(c->households, row) != 0)
        return hz_err_set(err, HZ_ENOMEM, "campaign");
    return 0;
}

int warn_campaign(hz_node *n, const struct hz_report_opts *o, json_t **out,
                  struct hz_err *err)
{
    json_t *found = NULL;
    /* Its totals are summed below, with its households. */
    int rv = o->id != NULL
                 ? read_notices(n, o, false, &found, err)
                 : hz_err_set(err, HZ_EINVAL, "a campaign names its notice");
    if (rv != 0)
        return rv;
    uint8_t id[HZ_ROW_LEN];
    bool ok = render_row_id(o->id, id);
    HZ_ASSERT(ok);
    json_t *root = json_pack("{s:O}", "notice", json_array_get(found, 0));
    json_decref(found);
    struct campaign_pass c = {
        .o = o,
        .village = {.key = "village", .index = json_object()},
        .cadre = {.key = "cadre", .index = json_object()},
        .households = json_array(),
    };
    rv = db_each(&n->db, HOUSEHOLDS_SQL, DB_ARGS(DB_ROW(id)), campaign_row, &c,
                 err);
    if (rv == 0) {
        json_t *v = groups_rows(&c.village), *k = groups_rows(&c.cadre);
        json_object_set_new(root, "totals", sums_row(NULL, NULL, &c.total));
        json_object_set_new(root, "by_village", v);
        json_object_set_new(root, "by_cadre", k);
        json_object_set(root, "households", c.households);
        json_object_set_new(root, "households_count",
                            json_integer((json_int_t)c.listed));
        if (v == NULL || k == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "campaign");
    }
    json_decref(c.village.index);
    json_decref(c.cadre.index);
    free(c.village.g);
    free(c.cadre.g);
    json_decref(c.households);
    if (rv != 0) {
        json_decref(root);
        return rv;
    }
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
        rv = hz_err_say(err, HZ_EVALUE, "这一户不在本次预警的范围内",
                        "household: not in the campaign's area");
    return rv;
}

bool store_alert_notice(hz_node *n, const char *sender, const char *identifier,
                        char *id)
{
    const struct hz_field w[2] = {{"identifier", identifier},
                                  {"sender", sender}};
    char *json = NULL;
    struct hz_err err = {0};
    json_t *rows = hz_node_ls(n, "warning_notices", 2, w, &json, &err) == 0
                       ? json_loads(json, 0, NULL)
                       : NULL;
    hz_free_string(json);
    const char *s =
        json_string_value(json_object_get(json_array_get(rows, 0), "id"));
    bool seen = s != NULL;
    if (seen)
        snprintf(id, HZ_ROW_HEX_LEN + 1, "%s", s);
    json_decref(rows);
    return seen;
}
