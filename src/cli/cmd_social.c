/* cmd_social.c - the social forces (社会力量) for people: the catalogue
 * of organisations and firms (org add, ls with search and the stale flag,
 * show, confirm) and volunteers (add, ls, show, assign, checkin,
 * checkout, hours, record with its CSV). Lists and the service record
 * come from the library (hz_node_report "organisations", "volunteer"),
 * as the web's do. What the log cannot judge (an organisation or site
 * that does not exist, a check-out without a check-in, a time in the
 * future, hours that are no positive number) is refused here, before
 * anything is written (DECISIONS 4). proto/cli.md is the contract. */
#include "cli.h"

#include "../sheet/sheet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Service cannot have happened in the future. */
static int not_future(struct cli *c, long long t)
{
    if (t <= (long long)time(NULL) + HZ_FUTURE_SLACK_S)
        return EXIT_OK;
    return cli_refused(c, EXIT_INPUT, "时间晚于现在：服务不能记录在将来",
                       "the time is after now: service is not recorded ahead");
}

/* ---- organisations */

int cmd_org_add(struct cli *c, struct form *f)
{
    long long confirmed = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--confirmed", &confirmed);
    if (rv == EXIT_OK)
        rv = cli_coords_ok(c, f);
    if (rv == EXIT_OK && form_get(f, "--site") != NULL)
        rv = cli_must_exist(c, "sites", form_get(f, "--site"), "地点", "site");
    if (rv != EXIT_OK)
        return rv;
    char at[24];
    snprintf(at, sizeof at, "%lld", confirmed);
    const struct hz_field when = {"confirmed_at", at};
    return cli_put_row(c, f, "organisations", form_get(f, "--id"), 1, &when);
}

int cmd_org_confirm(struct cli *c, struct form *f)
{
    long long now = (long long)time(NULL);
    const char *id = form_get(f, "ORG");
    int rv = cli_when_opt(c, f, "--time", &now);
    if (rv == EXIT_OK)
        rv = cli_must_exist(c, "organisations", id, "组织", "organisation");
    if (rv != EXIT_OK)
        return rv;
    char at[24];
    snprintf(at, sizeof at, "%lld", now);
    const struct hz_field when = {"confirmed_at", at};
    return cli_put_row(c, f, "organisations", id, 1, &when);
}

/* The catalogue as the library gives it: the organisation @id alone, or
 * (@id NULL) searched as the form of org ls says. */
static int org_list(struct cli *c, struct form *f, const char *id, json_t **rep)
{
    const char *days = form_get(f, "--stale-days");
    struct hz_report_opts o = {
        .skill = id == NULL ? form_get(f, "--skill") : NULL,
        .item = id == NULL ? form_get(f, "--item") : NULL,
        .village = id == NULL ? form_get(f, "--village") : NULL,
        .id = id,
        .stale_days = days != NULL ? atoll(days) : 0,
        .now = (int64_t)time(NULL),
    };
    return cli_report(c, "organisations", &o, rep);
}

/* "超过 N 天未确认" beside an entry not confirmed lately. */
static void mark_stale(const struct cli *c, json_t *rows, long long days)
{
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        char text[96] = "";
        if (json_is_true(json_object_get(r, "stale")))
            snprintf(
                text, sizeof text,
                TR_FMT(c, "超过 %lld 天未确认", "not confirmed in %lld days"),
                days);
        json_object_set_new(r, "stale_text", json_string(text));
    }
}

int cmd_org_ls(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = org_list(c, f, NULL, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *rows = json_object_get(rep, "organisations");
    if (form_get(f, "--stale") != NULL) {
        json_t *keep = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            if (json_is_true(json_object_get(r, "stale")))
                json_array_append(keep, r);
        }
        json_object_set_new(rep, "organisations", keep);
        rows = keep;
    }
    if (c->json) {
        cli_print_json_obj(rep);
    } else {
        long long days = json_integer_value(json_object_get(rep, "stale_days"));
        mark_stale(c, rows, days);
        static const char *const cols[] = {
            "name",         "kind",   "village",    "services",
            "stocks",       "teams",  "headcount",  "volunteers",
            "confirmed_at", "status", "stale_text", "id"};
        static const char *const zh[] = {
            "名称", "类型",   "村/社区",  "技能/服务", "可提供物资", "队伍",
            "人数", "志愿者", "最近确认", "状态",      "提醒",       "编号"};
        static const char *const en[] = {"name",      "kind",       "village",
                                         "services",  "stocks",     "teams",
                                         "headcount", "volunteers", "confirmed",
                                         "status",    "notice",     "id"};
        static const char *const fmt[] = {
            "",  "e:organisations.kind",   "", "", "", "", "", "",
            "t", "e:organisations.status", "", ""};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 12);
        printf(TR_FMT(c, "共 %zu 个；超过 %lld 天未确认的标出\n",
                      "%zu in all; those not confirmed in %lld days marked\n"),
               json_array_size(rows), days);
    }
    json_decref(rep);
    return EXIT_OK;
}

int cmd_org_show(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = org_list(c, f, form_get(f, "ORG"), &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *org = json_array_get(json_object_get(rep, "organisations"), 0);
    char where[96];
    snprintf(where, sizeof where, "organisation=%s", form_get(f, "ORG"));
    struct hz_field w;
    cli_field(where, &w);
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_ls(c->node, "volunteers", 1, &w, &json, &err);
    json_t *vols = code == 0 ? json_loads(json, 0, NULL) : NULL;
    hz_free_string(json);
    if (vols == NULL) {
        json_decref(rep);
        return cli_fail(c, code != 0 ? code : HZ_ENOMEM, &err);
    }
    size_t i;
    json_t *v;
    json_array_foreach(vols, i, v)
    {
        /* A list of the organisation's people, not their papers. */
        json_object_del(v, "id_number");
        json_object_del(v, "note");
    }
    json_object_set_new(org, "volunteer_list", vols);
    json_object_set(org, "stale_days", json_object_get(rep, "stale_days"));
    if (c->json) {
        cli_print_json_obj(org);
    } else {
        static const char *const cols[] = {
            "name",      "kind",        "status", "services", "teams",
            "headcount", "equipment",   "stocks", "storage",  "production",
            "village",   "lat",         "lon",    "contact",  "phone",
            "note",      "confirmed_at"};
        cli_print_fields(c, "organisations", org, cols,
                         sizeof cols / sizeof *cols);
        const char *site = json_string_value(json_object_get(org, "site_name"));
        if (site != NULL)
            printf("%s: %s\n", cli_tr(c, "所在地点", "site"), site);
        if (json_is_true(json_object_get(org, "stale")))
            printf(TR_FMT(c, "提醒: 超过 %lld 天未确认\n",
                          "notice: not confirmed in %lld days\n"),
                   (long long)json_integer_value(
                       json_object_get(rep, "stale_days")));
        static const char *const vc[] = {"name", "skills", "phone", "id"};
        static const char *const vzh[] = {"志愿者", "技能", "电话", "编号"};
        static const char *const ven[] = {"volunteer", "skills", "phone", "id"};
        if (json_array_size(vols) > 0)
            cli_print_table(c, vols, vc, c->lang == LANG_ZH ? vzh : ven, NULL,
                            4);
    }
    json_decref(rep);
    return EXIT_OK;
}

/* ---- volunteers */

int cmd_volunteer_add(struct cli *c, struct form *f)
{
    const char *org = form_get(f, "--org");
    int rv = org != NULL ? cli_must_exist(c, "organisations", org, "组织",
                                          "organisation")
                         : EXIT_OK;
    return rv == EXIT_OK
               ? cli_put_row(c, f, "volunteers", form_get(f, "--id"), 0, NULL)
               : rv;
}

/* The service record of @id, or the exit code (printed). */
static int record_of(struct cli *c, const char *id, json_t **rep)
{
    struct hz_report_opts o = {.id = id, .now = (int64_t)time(NULL)};
    return cli_report(c, "volunteer", &o, rep);
}

/* The volunteer's open check-in (a period of the record), or NULL. */
static json_t *open_checkin(json_t *rep)
{
    size_t i;
    json_t *p, *found = NULL;
    json_array_foreach(json_object_get(rep, "periods"), i, p)
    {
        if (json_is_true(json_object_get(p, "open")))
            found = p;
    }
    return found;
}

int cmd_volunteer_ls(struct cli *c, struct form *f)
{
    struct hz_field w[1];
    size_t n_w = 0;
    char where[96];
    if (form_get(f, "--org") != NULL) {
        int rv = cli_must_exist(c, "organisations", form_get(f, "--org"),
                                "组织", "organisation");
        if (rv != EXIT_OK)
            return rv;
        snprintf(where, sizeof where, "organisation=%s", form_get(f, "--org"));
        cli_field(where, &w[n_w++]);
    }
    char *json = NULL;
    struct hz_err err = {0};
    int code = hz_node_ls(c->node, "volunteers", n_w, w, &json, &err);
    json_t *all = code == 0 ? json_loads(json, 0, NULL) : NULL;
    hz_free_string(json);
    code = code == 0 ? hz_node_view(c->node, "volunteer_hours", &json, &err)
                     : code;
    json_t *hours = code == 0 ? json_loads(json, 0, NULL) : NULL;
    hz_free_string(json);
    if (all == NULL || hours == NULL) {
        json_decref(all);
        json_decref(hours);
        return cli_fail(c, code != 0 ? code : HZ_ENOMEM, &err);
    }
    const char *skill = form_get(f, "--skill");
    json_t *rows = json_array();
    size_t i, k;
    json_t *v, *h;
    json_array_foreach(all, i, v)
    {
        const char *s = json_string_value(json_object_get(v, "skills"));
        if (skill != NULL && (s == NULL || strstr(s, skill) == NULL))
            continue;
        const char *id = json_string_value(json_object_get(v, "id"));
        json_int_t minutes = 0;
        json_t *on_duty = json_null();
        json_array_foreach(hours, k, h)
        {
            if (strcmp(json_string_value(json_object_get(h, "volunteer")),
                       id) != 0)
                continue;
            minutes += json_integer_value(json_object_get(h, "minutes"));
            if (json_integer_value(json_object_get(h, "open")) > 0)
                on_duty = json_object_get(h, "site_name");
        }
        char text[32];
        sheet_hours_text(minutes, text, sizeof text);
        json_object_set_new(v, "minutes", json_integer(minutes));
        json_object_set_new(v, "hours", json_string(text));
        json_object_set(v, "on_duty_at", on_duty);
        json_array_append(rows, v);
    }
    if (c->json) {
        cli_print_json_obj(rows);
    } else {
        static const char *const cols[] = {"name",  "skills",     "phone",
                                           "hours", "on_duty_at", "id"};
        static const char *const zh[] = {
            "姓名", "技能", "电话", "服务时长(小时)", "正在服务地点", "编号"};
        static const char *const en[] = {"name",  "skills",     "phone",
                                         "hours", "on duty at", "id"};
        cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, NULL, 6);
    }
    json_decref(rows);
    json_decref(all);
    json_decref(hours);
    return EXIT_OK;
}

int cmd_volunteer_assign(struct cli *c, struct form *f)
{
    long long starts = (long long)time(NULL), ends = 0;
    int rv = cli_when_opt(c, f, "--from", &starts);
    if (rv == EXIT_OK)
        rv = cli_when_opt(c, f, "--to", &ends);
    if (rv == EXIT_OK && form_get(f, "--to") != NULL && ends < starts)
        rv = cli_usage(c, f,
                       cli_tr(c, "--to 早于 --from", "--to is before --from"));
    if (rv == EXIT_OK)
        rv = cli_must_exist(c, "volunteers", form_get(f, "VOLUNTEER"), "志愿者",
                            "volunteer");
    if (rv == EXIT_OK)
        rv = cli_must_exist(c, "sites", form_get(f, "SITE"), "地点", "site");
    if (rv != EXIT_OK)
        return rv;
    char a[24], b[24];
    snprintf(a, sizeof a, "%lld", starts);
    snprintf(b, sizeof b, "%lld", ends);
    struct hz_field cols[2] = {{"starts", a}, {"ends", b}};
    return cli_put_row(c, f, "volunteer_assignments", form_get(f, "--id"),
                       form_get(f, "--to") != NULL ? 2 : 1, cols);
}

/* The task of @vol's latest assignment at @site (from the record), or
 * NULL. */
static const char *assigned_task(json_t *rep, const char *site)
{
    const char *task = NULL;
    size_t i;
    json_t *a;
    json_array_foreach(json_object_get(rep, "assignments"), i, a)
    {
        const char *s = json_string_value(json_object_get(a, "site"));
        const char *t = json_string_value(json_object_get(a, "task"));
        if (s != NULL && strcmp(s, site) == 0 && t != NULL)
            task = t;
    }
    return task;
}

/* The record of VOLUNTEER, the time (--time, default now, never in the
 * future) into *@t, and SITE checked when @site (the command has one);
 * or the exit code, printed. */
static int service_start(struct cli *c, struct form *f, bool site, json_t **rep,
                         long long *t)
{
    *rep = NULL;
    *t = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--time", t);
    if (rv == EXIT_OK)
        rv = not_future(c, *t);
    if (rv == EXIT_OK)
        rv = record_of(c, form_get(f, "VOLUNTEER"), rep);
    if (rv == EXIT_OK && site)
        rv = cli_must_exist(c, "sites", form_get(f, "SITE"), "地点", "site");
    return rv;
}

/* A check-in at SITE, or with @minutes (text) hours recorded there, at
 * @t; the task is --task, else the volunteer's assigned task there (from
 * the record @rep). */
static int put_service(struct cli *c, struct form *f, json_t *rep, long long t,
                       const char *minutes)
{
    char at[24];
    snprintf(at, sizeof at, "%lld", t);
    const char *task = form_get(f, "--task");
    if (task == NULL)
        task = assigned_task(rep, form_get(f, "SITE"));
    struct hz_field cols[4] = {{"kind", minutes != NULL ? "hours" : "in"},
                               {"time", at}};
    size_t n = 2;
    if (minutes != NULL)
        cols[n++] = (struct hz_field){"minutes", minutes};
    if (task != NULL)
        cols[n++] = (struct hz_field){"task", task};
    return cli_put_row(c, f, "volunteer_service", form_get(f, "--id"), n, cols);
}

int cmd_volunteer_checkin(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    long long t;
    int rv = service_start(c, f, true, &rep, &t);
    json_t *open = rv == EXIT_OK ? open_checkin(rep) : NULL;
    if (open != NULL) {
        const char *at = json_string_value(json_object_get(open, "site_name"));
        fprintf(stderr,
                TR_FMT(c, "huzhu: 此志愿者已在 %s 签到，请先签退\n",
                       "huzhu: this volunteer is checked in at %s: check out"
                       " first\n"),
                at != NULL ? at : "?");
        rv = EXIT_INPUT;
    }
    if (rv != EXIT_OK) {
        json_decref(rep);
        return rv;
    }
    rv = put_service(c, f, rep, t, NULL);
    json_decref(rep);
    return rv;
}

int cmd_volunteer_checkout(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    long long t;
    int rv = service_start(c, f, false, &rep, &t);
    json_t *open = rv == EXIT_OK ? open_checkin(rep) : NULL;
    if (rv == EXIT_OK && open == NULL)
        rv = cli_refused(
            c, EXIT_NOTFOUND, "此志愿者当前未签到，不能签退",
            "this volunteer is not checked in: nothing to check out");
    if (rv == EXIT_OK &&
        t < json_integer_value(json_object_get(open, "starts")))
        rv = cli_refused(c, EXIT_INPUT, "签退时间早于签到时间",
                         "the check-out is before the check-in");
    if (rv != EXIT_OK) {
        json_decref(rep);
        return rv;
    }
    char at[24], in[HZ_ROW_HEX_LEN + 1], site[HZ_ROW_HEX_LEN + 1];
    snprintf(at, sizeof at, "%lld", t);
    snprintf(in, sizeof in, "%s",
             json_string_value(json_object_get(open, "service")));
    snprintf(site, sizeof site, "%s",
             json_string_value(json_object_get(open, "site")));
    const char *task = json_string_value(json_object_get(open, "task"));
    struct hz_field cols[6] = {{"kind", "out"},
                               {"time", at},
                               {"closes", in},
                               {"site", site},
                               {"volunteer", form_get(f, "VOLUNTEER")},
                               {"task", task}};
    rv = cli_put_row(c, f, "volunteer_service", form_get(f, "--id"),
                     task != NULL ? 6 : 5, cols);
    json_decref(rep);
    return rv;
}

/* Hours as typed ("3", "2.5", "0.75") into whole minutes; false for
 * anything else, 0, or more than the schema's 44640 minutes. */
static bool hours_minutes(const char *s, long long *minutes)
{
    long long whole = 0, frac = 0, scale = 1;
    size_t i = 0;
    for (; s[i] >= '0' && s[i] <= '9' && i < 6; i++)
        whole = whole * 10 + (s[i] - '0');
    if (i == 0)
        return false;
    if (s[i] == '.') {
        size_t d = 0;
        for (i++; s[i] >= '0' && s[i] <= '9' && d < 2; i++, d++) {
            frac = frac * 10 + (s[i] - '0');
            scale *= 10;
        }
        if (d == 0)
            return false;
    }
    if (s[i] != '\0')
        return false;
    *minutes = whole * 60 + (frac * 60 + scale / 2) / scale;
    return *minutes >= 1 && *minutes <= 44640;
}

int cmd_volunteer_hours(struct cli *c, struct form *f)
{
    long long minutes;
    if (!hours_minutes(form_get(f, "--hours"), &minutes))
        return cli_usage(c, f,
                         cli_tr(c,
                                "--hours 须为正数小时，最多两位小数，不超过"
                                " 744(如 3 或 2.5)",
                                "--hours is a positive number of hours, at"
                                " most 2 decimals and 744 (3 or 2.5)"));
    json_t *rep = NULL;
    long long t;
    int rv = service_start(c, f, true, &rep, &t);
    if (rv != EXIT_OK) {
        json_decref(rep);
        return rv;
    }
    char m[24];
    snprintf(m, sizeof m, "%lld", minutes);
    rv = put_service(c, f, rep, t, m);
    json_decref(rep);
    return rv;
}

/* The service record for people: who, each period, the totals. */
static void print_record(const struct cli *c, json_t *rep)
{
    json_t *v = json_object_get(rep, "volunteer");
    static const char *const who[] = {"name", "id_number", "skills",
                                      "availability"};
    printf("%s\n", cli_tr(c, "志愿服务记录证明", "Volunteer service record"));
    cli_print_fields(c, "volunteers", v, who, 4);
    const char *org =
        json_string_value(json_object_get(v, "organisation_name"));
    if (org != NULL)
        printf("%s: %s\n", cli_tr(c, "所属组织", "organisation"), org);
    json_t *periods = json_object_get(rep, "periods");
    size_t i;
    json_t *p;
    json_array_foreach(periods, i, p)
    {
        char text[32] = "";
        if (!json_is_true(json_object_get(p, "open")))
            sheet_hours_text(json_integer_value(json_object_get(p, "minutes")),
                             text, sizeof text);
        json_object_set_new(p, "hours", json_string(text));
    }
    static const char *const cols[] = {"starts", "ends",  "site_name",
                                       "task",   "hours", "service"};
    static const char *const zh[] = {"开始", "结束",       "服务地点",
                                     "任务", "时长(小时)", "记录编号"};
    static const char *const en[] = {"from", "to",    "site",
                                     "task", "hours", "record"};
    static const char *const fmt[] = {"t", "t", "", "", "", ""};
    cli_print_table(c, periods, cols, c->lang == LANG_ZH ? zh : en, fmt, 6);
    const char *const keys[2] = {"by_site", "by_task"};
    const char *const names[2] = {"site_name", "task"};
    for (size_t k = 0; k < 2; k++) {
        printf("%s\n", k == 0 ? cli_tr(c, "按服务地点合计", "by site")
                              : cli_tr(c, "按任务合计", "by task"));
        json_array_foreach(json_object_get(rep, keys[k]), i, p)
        {
            char text[32];
            sheet_hours_text(json_integer_value(json_object_get(p, "minutes")),
                             text, sizeof text);
            const char *name = json_string_value(json_object_get(p, names[k]));
            printf("  %s: %s %s\n",
                   name != NULL ? name : cli_tr(c, "(未填)", "(none)"), text,
                   cli_tr(c, "小时", "hours"));
        }
    }
    char total[32];
    sheet_hours_text(json_integer_value(json_object_get(rep, "total_minutes")),
                     total, sizeof total);
    printf(TR_FMT(c, "合计 %s 小时；未签退 %lld 次\n",
                  "total %s hours; %lld not checked out\n"),
           total, (long long)json_integer_value(json_object_get(rep, "open")));
}

int cmd_volunteer_record(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = record_of(c, form_get(f, "VOLUNTEER"), &rep);
    if (rv != EXIT_OK)
        return rv;
    const char *csv = form_get(f, "--csv");
    rv = csv != NULL ? cli_csv_file(c, csv, sheet_volunteer_csv, rep) : EXIT_OK;
    if (rv != EXIT_OK) {
        json_decref(rep);
        return rv;
    }
    if (c->json)
        cli_print_json_obj(rep);
    else if (csv == NULL)
        print_record(c, rep);
    json_decref(rep);
    return EXIT_OK;
}

int cmd_volunteer_show(struct cli *c, struct form *f)
{
    json_t *rep = NULL;
    int rv = record_of(c, form_get(f, "VOLUNTEER"), &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rep);
    } else {
        json_t *v = json_object_get(rep, "volunteer");
        static const char *const cols[] = {
            "name", "phone", "id_number", "skills", "availability", "note"};
        cli_print_fields(c, "volunteers", v, cols, 6);
        const char *org =
            json_string_value(json_object_get(v, "organisation_name"));
        if (org != NULL)
            printf("%s: %s\n", cli_tr(c, "所属组织", "organisation"), org);
        json_t *open = open_checkin(rep);
        if (open != NULL)
            printf("%s: %s\n", cli_tr(c, "正在服务", "on duty at"),
                   json_string_value(json_object_get(open, "site_name")));
        static const char *const ac[] = {"site_name", "task", "starts", "ends",
                                         "id"};
        static const char *const azh[] = {"分派地点", "任务", "开始", "结束",
                                          "编号"};
        static const char *const aen[] = {"assigned to", "task", "from", "to",
                                          "id"};
        static const char *const afmt[] = {"", "", "t", "t", ""};
        json_t *as = json_object_get(rep, "assignments");
        if (json_array_size(as) > 0)
            cli_print_table(c, as, ac, c->lang == LANG_ZH ? azh : aen, afmt, 5);
        char total[32];
        sheet_hours_text(
            json_integer_value(json_object_get(rep, "total_minutes")), total,
            sizeof total);
        printf(TR_FMT(c, "服务时长合计 %s 小时\n", "%s hours served in all\n"),
               total);
    }
    json_decref(rep);
    return EXIT_OK;
}
