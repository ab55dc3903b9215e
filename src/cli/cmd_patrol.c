/* cmd_patrol.c - patrols, hazards and duty (巡查, 险情上报, 值班值守) for
 * people: patrol point|ls|round|rounds, hazard report|respond|ls, duty
 * add|now|gaps|handover. The lists come from the library (hz_node_report
 * "patrol_points", "patrol_rounds", "hazards", "duty"), as the web's do,
 * computed at the time asked (--at, default now). What the log cannot
 * judge (a point or hazard that does not exist, a shift that ends before
 * it starts) is refused before anything is written, in Chinese first; the
 * node checks shifts again (patrol_check_write). proto/cli.md is the
 * contract; proto/schema.md, "Patrols, hazards and duty", the lists. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The objects of @rows whose @key is true (all when @only is false). */
static json_t *only_true(json_t *rows, const char *key, bool only)
{
    json_t *keep = json_array();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (!only || json_is_true(json_object_get(r, key)))
            json_array_append(keep, r);
    }
    return keep;
}

/* ---- patrol points and rounds */

int cmd_patrol_point(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "--id");
    int rv = EXIT_OK;
    if (id != NULL)
        rv = cli_must_exist(c, "patrol_points", id, "巡查点", "patrol point");
    else if (form_get(f, "--name") == NULL)
        rv = cli_usage(c, f,
                       cli_tr(c, "新巡查点须给出 --name",
                              "a new patrol point takes --name"));
    if (rv == EXIT_OK)
        rv = cli_coords_ok(c, f);
    if (rv == EXIT_OK && form_get(f, "--person") != NULL)
        rv = cli_must_exist(c, "persons", form_get(f, "--person"), "人员",
                            "person");
    return rv == EXIT_OK ? cli_put_row(c, f, "patrol_points", id, 0, NULL) : rv;
}

int cmd_patrol_ls(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv =
        cli_report_at(c, f, "patrol_points", form_get(f, "--village"), &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *rows = only_true(json_object_get(rep, "points"), "overdue",
                             form_get(f, "--overdue") != NULL);
    if (c->json) {
        json_object_set(rep, "points", rows);
        cli_print_json_obj(rep);
    } else {
        static const char *const cols[] = {
            "overdue",    "name",         "kind",         "village",
            "cadre",      "last",         "last_finding", "due",
            "interval_h", "open_hazards", "point"};
        static const char *const zh[] = {"超时未巡",   "巡查点",   "类型",
                                         "村/社区",    "责任人",   "最近巡查",
                                         "结果",       "应巡时间", "间隔(时)",
                                         "未处置险情", "编号"};
        static const char *const en[] = {
            "overdue", "point", "kind",  "village", "cadre", "last",
            "finding", "due",   "hours", "hazards", "id"};
        static const char *const fmt[] = {"b",
                                          "",
                                          "e:patrol_points.kind",
                                          "",
                                          "",
                                          "t",
                                          "e:patrols.finding",
                                          "t",
                                          "",
                                          "",
                                          ""};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 11);
        printf(TR_FMT(c, "共 %zu 个巡查点，超时未巡 %lld 个\n",
                      "%zu patrol points, %lld overdue\n"),
               json_array_size(json_object_get(rep, "points")),
               (long long)json_integer_value(json_object_get(rep, "overdue")));
    }
    json_decref(rows);
    json_decref(rep);
    return EXIT_OK;
}

int cmd_patrol_round(struct cli *c, struct form *f)
{
    char at[24];
    int rv = cli_when_text(c, f, "--time", at);
    if (rv == EXIT_OK)
        rv = cli_must_exist(c, "patrol_points", form_get(f, "POINT"), "巡查点",
                            "patrol point");
    if (rv == EXIT_OK && form_get(f, "--hazard") != NULL)
        rv = cli_must_exist(c, "hazards", form_get(f, "--hazard"), "险情",
                            "hazard");
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"time", at}};
    return cli_put_row(c, f, "patrols", form_get(f, "--id"), 1, extra);
}

int cmd_patrol_rounds(struct cli *c, struct form *f)
{
    const char *point = form_get(f, "POINT");
    int rv = point != NULL ? cli_must_exist(c, "patrol_points", point, "巡查点",
                                            "patrol point")
                           : EXIT_OK;
    json_t *rows = NULL;
    struct hz_report_opts o = {.id = point};
    if (rv == EXIT_OK)
        rv = cli_report(c, "patrol_rounds", &o, &rows);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rows);
    } else {
        static const char *const cols[] = {"time", "point_name", "finding",
                                           "seen", "by",         "round"};
        static const char *const zh[] = {"巡查时间", "巡查点", "结果",
                                         "巡查情况", "巡查人", "编号"};
        static const char *const en[] = {"time", "point", "finding",
                                         "seen", "by",    "id"};
        static const char *const fmt[] = {"t", "", "e:patrols.finding",
                                          "",  "", ""};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 6);
    }
    json_decref(rows);
    return EXIT_OK;
}

/* ---- hazards */

int cmd_hazard_report(struct cli *c, struct form *f)
{
    if (form_get(f, "--village") == NULL && form_get(f, "--location") == NULL &&
        form_get(f, "--point") == NULL)
        return cli_usage(c, f,
                         cli_tr(c,
                                "须给出 --village、--location 或 --point"
                                "(险情位置)",
                                "give --village, --location or --point"
                                " (where)"));
    char at[24];
    int rv = cli_when_text(c, f, "--time", at);
    if (rv == EXIT_OK)
        rv = cli_coords_ok(c, f);
    if (rv == EXIT_OK && form_get(f, "--point") != NULL)
        rv = cli_must_exist(c, "patrol_points", form_get(f, "--point"),
                            "巡查点", "patrol point");
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"time", at}};
    return cli_put_row(c, f, "hazards", form_get(f, "--id"), 1, extra);
}

int cmd_hazard_respond(struct cli *c, struct form *f)
{
    char at[24];
    int rv = cli_when_text(c, f, "--time", at);
    if (rv == EXIT_OK)
        rv = cli_must_exist(c, "hazards", form_get(f, "HAZARD"), "险情",
                            "hazard");
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"time", at}};
    return cli_put_row(c, f, "hazard_responses", form_get(f, "--id"), 1, extra);
}

/* The hazards @rows as a table. */
static void print_hazards(const struct cli *c, json_t *rows)
{
    static const char *const cols[] = {
        "open",    "severity", "kind", "village",     "location",
        "at_risk", "time",     "by",   "last_action", "hazard"};
    static const char *const zh[] = {
        "未处置",     "等级",     "类型",   "村/社区",  "位置",
        "受威胁人数", "发现时间", "报告人", "最近处置", "编号"};
    static const char *const en[] = {
        "open",    "severity", "kind", "village",     "location",
        "at risk", "time",     "by",   "last action", "id"};
    static const char *const fmt[] = {
        "b", "e:hazards.severity", "e:hazards.kind", "", "", "", "t", "", "",
        ""};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 10);
}

int cmd_hazard_ls(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    struct hz_report_opts o = {.village = form_get(f, "--village")};
    int rv = cli_report(c, "hazards", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *rows = only_true(json_object_get(rep, "hazards"), "open",
                             form_get(f, "--open") != NULL);
    if (c->json) {
        json_object_set(rep, "hazards", rows);
        cli_print_json_obj(rep);
    } else {
        print_hazards(c, rows);
        printf(TR_FMT(c, "未处置险情 %lld 处\n", "%lld open hazards\n"),
               (long long)json_integer_value(json_object_get(rep, "open")));
    }
    json_decref(rows);
    json_decref(rep);
    return EXIT_OK;
}

/* ---- duty */

int cmd_duty_add(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "--id");
    long long from = 0, to = 0;
    int rv = cli_when_opt(c, f, "--from", &from);
    if (rv == EXIT_OK)
        rv = cli_when_opt(c, f, "--to", &to);
    if (rv != EXIT_OK)
        return rv;
    if (to <= from)
        return cli_refused(c, EXIT_INPUT, "班次的结束时间须晚于开始时间",
                           "a shift ends after it starts");
    if (id != NULL)
        rv = cli_must_exist(c, "shifts", id, "班次", "shift");
    if (rv == EXIT_OK && form_get(f, "--site") != NULL)
        rv = cli_must_exist(c, "sites", form_get(f, "--site"), "地点", "site");
    if (rv != EXIT_OK)
        return rv;
    char starts[24], ends[24];
    snprintf(starts, sizeof starts, "%lld", from);
    snprintf(ends, sizeof ends, "%lld", to);
    struct hz_field extra[] = {{"starts", starts}, {"ends", ends}};
    return cli_put_row(c, f, "shifts", id, 2, extra);
}

/* "站点名" or the village of place @p. */
static const char *place_name(json_t *p)
{
    const char *s = json_string_value(json_object_get(p, "site_name"));
    if (s == NULL)
        s = json_string_value(json_object_get(p, "village"));
    return s != NULL ? s : "-";
}

int cmd_duty_now(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = cli_report_at(c, f, "duty", NULL, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *places = json_object_get(rep, "places");
    if (c->json) {
        json_t *out = json_array();
        size_t i;
        json_t *p;
        json_array_foreach(places, i, p)
        {
            json_array_append_new(
                out, json_pack("{s:O, s:O, s:O, s:O}", "site",
                               json_object_get(p, "site"), "site_name",
                               json_object_get(p, "site_name"), "village",
                               json_object_get(p, "village"), "on_duty",
                               json_object_get(p, "on_duty")));
        }
        json_object_set_new(rep, "places", out);
        cli_print_json_obj(rep);
        json_decref(rep);
        return EXIT_OK;
    }
    size_t i;
    json_t *p;
    json_array_foreach(places, i, p)
    {
        json_t *on = json_object_get(p, "on_duty");
        printf("%s: ", place_name(p));
        if (json_array_size(on) == 0)
            printf("%s\n", cli_tr(c, "无人值班!", "nobody on duty!"));
        size_t k;
        json_t *s;
        json_array_foreach(on, k, s)
        {
            const char *who = json_string_value(json_object_get(s, "who"));
            const char *phone = json_string_value(json_object_get(s, "phone"));
            printf("%s%s%s%s", k > 0 ? "、" : "", who != NULL ? who : "-",
                   phone != NULL ? " " : "", phone != NULL ? phone : "");
            if (k + 1 == json_array_size(on))
                printf("\n");
        }
    }
    printf(TR_FMT(c, "共 %zu 处值守地点\n", "%zu places on the roster\n"),
           json_array_size(places));
    json_decref(rep);
    return EXIT_OK;
}

int cmd_duty_gaps(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = cli_report_at(c, f, "duty", NULL, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *gaps = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rep, "places"), i, p)
    {
        size_t k;
        json_t *g;
        json_array_foreach(json_object_get(p, "gaps"), k, g)
        {
            json_array_append_new(
                gaps, json_pack("{s:O, s:O, s:O, s:O, s:O}", "site",
                                json_object_get(p, "site"), "site_name",
                                json_object_get(p, "site_name"), "village",
                                json_object_get(p, "village"), "from",
                                json_object_get(g, "from"), "to",
                                json_object_get(g, "to")));
        }
    }
    json_object_del(rep, "places");
    json_object_set_new(rep, "gaps", gaps);
    if (c->json) {
        cli_print_json_obj(rep);
    } else {
        static const char *const cols[] = {"site_name", "village", "from",
                                           "to"};
        static const char *const zh[] = {"值守地点", "村/社区", "从", "到"};
        static const char *const en[] = {"site", "village", "from", "to"};
        static const char *const fmt[] = {"", "", "t", "t"};
        cli_print_table(c, gaps, cols, c->lang == LANG_ZH ? zh : en, fmt, 4);
        printf(TR_FMT(c, "未来 24 小时无人值班的时段 %zu 个\n",
                      "%zu gaps in the next 24 hours\n"),
               json_array_size(gaps));
    }
    json_decref(rep);
    return EXIT_OK;
}

int cmd_duty_handover(struct cli *c, struct form *f)
{
    char at[24];
    int rv = cli_when_text(c, f, "--time", at);
    if (rv == EXIT_OK && form_get(f, "--shift") != NULL)
        rv = cli_must_exist(c, "shifts", form_get(f, "--shift"), "班次",
                            "shift");
    if (rv == EXIT_OK && form_get(f, "--site") != NULL)
        rv = cli_must_exist(c, "sites", form_get(f, "--site"), "地点", "site");
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"time", at}};
    return cli_put_row(c, f, "handovers", form_get(f, "--id"), 1, extra);
}
