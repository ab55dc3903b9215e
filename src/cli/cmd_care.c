/* cmd_care.c - care visits, health checks and disinfection (关爱走访,
 * 健康监测, 消毒) for people: care visit|due|visits, health
 * check|ls|outbreaks, disinfect add|ls. The lists come from the library
 * (hz_node_report "care_due", "care_visits", "health_checks",
 * "outbreaks", "disinfections"), as the web's do, computed at the time
 * asked (--at, default now). The command line is the node's own operator
 * (it holds the key and the database): it sees the health fields and the
 * persons behind an outbreak clue. What the log cannot judge (a person or
 * site that does not exist) is refused before anything is written, in
 * Chinese first; the node checks a health check's temperature and
 * symptoms (care_check_write). proto/cli.md is the contract;
 * proto/schema.md, "Care and health", the lists. */
#include "cli.h"

#include "../core/care.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An option @name of digits within [@lo, @hi] into *@out (left as it is
 * when not given); a usage error otherwise. */
static int bounded_opt(struct cli *c, struct form *f, const char *name,
                       long long lo, long long hi, int64_t *out)
{
    const char *s = form_get(f, name);
    if (s == NULL)
        return EXIT_OK;
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < lo || v > hi) {
        char why[160];
        snprintf(why, sizeof why,
                 TR_FMT(c, "%s 须为 %lld 到 %lld 的整数",
                        "%s takes a whole number from %lld to %lld"),
                 name, lo, hi);
        return cli_usage(c, f, why);
    }
    *out = v;
    return EXIT_OK;
}

/* The report @name with @o at --at (default now). */
static int report_opts_at(struct cli *c, struct form *f, const char *name,
                          struct hz_report_opts *o, json_t **rep)
{
    long long at = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--at", &at);
    o->now = (int64_t)at;
    o->health = true; /* the node's operator */
    return rv == EXIT_OK ? cli_report(c, name, o, rep) : rv;
}

/* With --json: @rep printed and released, true. */
static bool printed_json(const struct cli *c, json_t *rep)
{
    if (!c->json)
        return false;
    cli_print_json_obj(rep);
    json_decref(rep);
    return true;
}

/* An event's --time (default now) as text into @at (24 bytes), once the
 * person of parameter @person (NULL: none) and the site of parameter
 * @site, when given, are live rows here; or the exit code (printed). */
static int event_refs(struct cli *c, struct form *f, const char *person,
                      const char *site, char *at)
{
    int rv = cli_when_text(c, f, "--time", at);
    if (rv == EXIT_OK && person != NULL)
        rv =
            cli_must_exist(c, "persons", form_get(f, person), "人员", "person");
    if (rv == EXIT_OK && form_get(f, site) != NULL)
        rv = cli_must_exist(c, "sites", form_get(f, site), "地点", "site");
    return rv;
}

/* ---- care visits */

int cmd_care_visit(struct cli *c, struct form *f)
{
    char at[24];
    int rv = event_refs(c, f, "PERSON", "--site", at);
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"time", at}};
    return cli_put_row(c, f, "care_visits", form_get(f, "--id"), 1, extra);
}

int cmd_care_due(struct cli *c, struct form *f)
{
    struct hz_report_opts o = {.village = form_get(f, "--village")};
    json_t *rep = NULL;
    int rv = bounded_opt(c, f, "--days", 1, CARE_DAYS_MAX, &o.care_days);
    if (rv == EXIT_OK)
        rv = report_opts_at(c, f, "care_due", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (printed_json(c, rep))
        return EXIT_OK;
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(rep, "cadres"), i, g)
    {
        const char *cadre = json_string_value(json_object_get(g, "cadre"));
        printf("%s %s\n", cli_tr(c, "包保责任人:", "cadre:"),
               cadre != NULL ? cadre : cli_tr(c, "(未指定)", "(none)"));
        static const char *const cols[] = {"name",       "village", "flags",
                                           "last_visit", "visits",  "person"};
        static const char *const zh[] = {"姓名",     "村/社区",  "情况",
                                         "最近走访", "走访次数", "编号"};
        static const char *const en[] = {"name",       "village", "flags",
                                         "last visit", "visits",  "id"};
        static const char *const fmt[] = {"", "", "", "t", "", ""};
        cli_print_table(c, json_object_get(g, "persons"), cols,
                        c->lang == LANG_ZH ? zh : en, fmt, 6);
    }
    printf(TR_FMT(c, "超过 %lld 天未走访(或从未走访)的 %lld 人\n",
                  "%lld days or more without a visit (or never): %lld "
                  "persons\n"),
           (long long)json_integer_value(json_object_get(rep, "days")),
           (long long)json_integer_value(json_object_get(rep, "due")));
    json_decref(rep);
    return EXIT_OK;
}

int cmd_care_visits(struct cli *c, struct form *f)
{
    const char *person = form_get(f, "PERSON");
    int rv = person != NULL
                 ? cli_must_exist(c, "persons", person, "人员", "person")
                 : EXIT_OK;
    json_t *rows = NULL;
    struct hz_report_opts o = {.id = person};
    if (rv == EXIT_OK)
        rv = cli_report(c, "care_visits", &o, &rows);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rows);
    } else {
        static const char *const cols[] = {
            "time", "name", "method", "referral", "needs", "by", "visit"};
        static const char *const zh[] = {"走访时间", "走访对象", "方式", "转介",
                                         "需求",     "走访人",   "编号"};
        static const char *const en[] = {
            "time", "person", "method", "referral", "needs", "by", "id"};
        static const char *const fmt[] = {
            "t", "", "e:care_visits.method", "e:care_visits.referral", "",
            "",  ""};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 7);
    }
    json_decref(rows);
    return EXIT_OK;
}

/* ---- health checks */

/* The symptoms @list as people type them (wire names or Chinese labels,
 * separated by ',', '，' or '、', spaces around them) into @out as stored:
 * wire names separated by ',', each once. False when an item is no
 * symptom. */
static bool symptoms_text(const char *list, char *out, size_t cap)
{
    size_t len = 0, n_seen = 0;
    const struct care_symptom *seen[16];
    const char *p = list;
    out[0] = '\0';
    while (*p != '\0') {
        size_t n = strcspn(p, ",");
        const char *zh1 = strstr(p, "，"), *zh2 = strstr(p, "、");
        if (zh1 != NULL && (size_t)(zh1 - p) < n)
            n = (size_t)(zh1 - p);
        if (zh2 != NULL && (size_t)(zh2 - p) < n)
            n = (size_t)(zh2 - p);
        const char *a = p, *b = p + n;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        const struct care_symptom *s = care_symptom_of(a, (size_t)(b - a));
        if (s == NULL)
            return false;
        bool dup = false;
        for (size_t i = 0; i < n_seen; i++)
            dup = dup || seen[i] == s;
        if (!dup) {
            if (len + strlen(s->name) + 2 > cap ||
                n_seen == sizeof seen / sizeof seen[0])
                return false;
            if (len > 0)
                out[len++] = ',';
            memcpy(out + len, s->name, strlen(s->name) + 1);
            len += strlen(s->name);
            seen[n_seen++] = s;
        }
        p += n;
        if (*p == ',')
            p++;
        else if (*p != '\0')
            p += strlen("，"); /* '，' and '、' are both 3 bytes */
    }
    return len > 0;
}

int cmd_health_check(struct cli *c, struct form *f)
{
    char at[24];
    int rv = event_refs(c, f, "PERSON", "--site", at);
    if (rv != EXIT_OK)
        return rv;
    const char *temp = form_get(f, "--temp");
    if (temp != NULL) {
        char *end;
        double t = strtod(temp, &end);
        if (*temp == '\0' || *end != '\0' || !(t >= CARE_TEMP_MIN) ||
            !(t <= CARE_TEMP_MAX))
            return cli_refused(c, EXIT_INPUT,
                               "体温须为 34.0 到 43.0 之间的数(°C)",
                               "a temperature is a number from 34.0 to "
                               "43.0 (°C)");
    }
    char symptoms[256] = "";
    const char *list = form_get(f, "--symptoms");
    if (list != NULL && !symptoms_text(list, symptoms, sizeof symptoms))
        return cli_refused(c, EXIT_INPUT,
                           "症状只能是: 发热 咳嗽 咽痛 腹泻 呕吐 皮疹 红眼 "
                           "其他(或 fever cough sore_throat diarrhoea "
                           "vomiting rash red_eye other)，以逗号分隔",
                           "symptoms are among fever, cough, sore_throat, "
                           "diarrhoea, vomiting, rash, red_eye, other, "
                           "separated by commas");
    struct hz_field extra[] = {{"time", at}, {"symptoms", symptoms}};
    return cli_put_row(c, f, "health_checks", form_get(f, "--id"),
                       list != NULL ? 2 : 1, extra);
}

int cmd_health_ls(struct cli *c, struct form *f)
{
    const char *site = form_get(f, "--site");
    int rv = site != NULL ? cli_must_exist(c, "sites", site, "地点", "site")
                          : EXIT_OK;
    json_t *rows = NULL;
    struct hz_report_opts o = {.id = site, .health = true};
    if (rv == EXIT_OK)
        rv = cli_report(c, "health_checks", &o, &rows);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rows);
    } else {
        static const char *const cols[] = {
            "time",     "name",       "site_name",        "temperature",
            "symptoms", "medication", "chronic_followup", "by",
            "check_id"};
        static const char *const zh[] = {"检查时间", "姓名",   "安置点",
                                         "体温",     "症状",   "用药需求",
                                         "慢病随访", "检查人", "编号"};
        static const char *const en[] = {"time",    "name",     "site",
                                         "temp",    "symptoms", "medication",
                                         "chronic", "by",       "id"};
        static const char *const fmt[] = {"t", "", "", "", "", "", "", "", ""};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 9);
    }
    json_decref(rows);
    return EXIT_OK;
}

/* The label of clue kind @kind (fever or a symptom) for people. */
static const char *kind_label(const struct cli *c, const char *kind)
{
    const struct care_symptom *s =
        kind != NULL ? care_symptom_of(kind, strlen(kind)) : NULL;
    return s == NULL ? "?" : cli_tr(c, s->zh, s->en);
}

int cmd_health_outbreaks(struct cli *c, struct form *f)
{
    struct hz_report_opts o = {0};
    json_t *rep = NULL;
    int rv = bounded_opt(c, f, "--threshold", 2, OUTBREAK_K_MAX, &o.outbreak_k);
    if (rv == EXIT_OK)
        rv = bounded_opt(c, f, "--window-hours", 1, OUTBREAK_WINDOW_MAX,
                         &o.outbreak_window_h);
    if (rv == EXIT_OK)
        rv = report_opts_at(c, f, "outbreaks", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (printed_json(c, rep))
        return EXIT_OK;
    json_t *clues = json_object_get(rep, "clues");
    size_t i;
    json_t *k;
    json_array_foreach(clues, i, k)
    {
        const char *site = json_string_value(json_object_get(k, "site_name"));
        printf(TR_FMT(c, "! %s: %s %lld 人\n", "! %s: %s, %lld persons\n"),
               site != NULL ? site : "?",
               kind_label(c, json_string_value(json_object_get(k, "kind"))),
               (long long)json_integer_value(json_object_get(k, "persons")));
        static const char *const cols[] = {"name", "time", "person"};
        static const char *const zh[] = {"姓名", "最近检查", "编号"};
        static const char *const en[] = {"name", "last check", "id"};
        static const char *const fmt[] = {"", "t", ""};
        cli_print_table(c, json_object_get(k, "list"), cols,
                        c->lang == LANG_ZH ? zh : en, fmt, 3);
    }
    printf(TR_FMT(c, "疫情线索 %zu 条(同一安置点 %lld 人及以上，%lld 小时内)\n",
                  "%zu outbreak clues (%lld or more persons at one site "
                  "within %lld hours)\n"),
           json_array_size(clues),
           (long long)json_integer_value(json_object_get(rep, "threshold")),
           (long long)json_integer_value(json_object_get(rep, "window_hours")));
    json_decref(rep);
    return EXIT_OK;
}

/* ---- disinfection */

int cmd_disinfect_add(struct cli *c, struct form *f)
{
    char at[24];
    int rv = event_refs(c, f, NULL, "SITE", at);
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"time", at}};
    return cli_put_row(c, f, "disinfections", form_get(f, "--id"), 1, extra);
}

int cmd_disinfect_ls(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = cli_report_at(c, f, "disinfections", NULL, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (printed_json(c, rep))
        return EXIT_OK;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(rep, "sites"), i, s)
    {
        const char *name = json_string_value(json_object_get(s, "site_name"));
        printf("%s%s\n", name != NULL ? name : "?",
               json_is_true(json_object_get(s, "flagged"))
                   ? cli_tr(c, " (24 小时内未消毒!)",
                            " (not disinfected in 24 hours!)")
                   : "");
        static const char *const cols[] = {"area", "time", "agent", "by"};
        static const char *const zh[] = {"区域", "最近消毒", "消毒剂",
                                         "消毒人"};
        static const char *const en[] = {"area", "last round", "agent", "by"};
        static const char *const fmt[] = {"", "t", "", ""};
        cli_print_table(c, json_object_get(s, "areas"), cols,
                        c->lang == LANG_ZH ? zh : en, fmt, 4);
    }
    printf(TR_FMT(c, "24 小时内未消毒的地点 %lld 处\n",
                  "%lld sites not disinfected in 24 hours\n"),
           (long long)json_integer_value(json_object_get(rep, "flagged")));
    json_decref(rep);
    return EXIT_OK;
}
