/* social_out.c - a volunteer's service record (志愿服务记录证明) as CSV:
 * who, each period served, then the totals by site and by task and the
 * whole, in hours with two decimals (proto/cli.md, "volunteer record").
 * The CLI (--csv) and the web (/api/reports/volunteer/csv) both write it
 * here from the library's record JSON. */
#include "sheet.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Minutes as hours with two decimals, into @out. */
void sheet_hours_text(json_int_t minutes, char *out, size_t len)
{
    snprintf(out, len, "%lld.%02lld", (long long)(minutes / 60),
             (long long)((minutes % 60) * 100 + 30) / 60);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

static bool rec(FILE *fp, const char *a, const char *b, const char *c,
                const char *d)
{
    const char *cells[4] = {a, b, c, d};
    size_t n = d != NULL ? 4 : c != NULL ? 3 : 2;
    return sheet_csv_record(fp, cells, n) == 0;
}

/* The totals of @rows (by_site or by_task) under their heading. */
static bool totals(FILE *fp, json_t *rows, const char *key, const char *title,
                   const char *col, bool zh)
{
    bool ok = rec(fp, "", "", NULL, NULL) && rec(fp, title, "", NULL, NULL) &&
              rec(fp, col, zh ? "时长(小时)" : "hours", zh ? "次数" : "periods",
                  NULL);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (!ok)
            break;
        char h[32], n[32];
        sheet_hours_text(json_integer_value(json_object_get(r, "minutes")), h,
                         sizeof h);
        snprintf(n, sizeof n, "%lld",
                 (long long)json_integer_value(json_object_get(r, "periods")));
        const char *name = str(r, key);
        ok = rec(fp, name[0] != '\0' ? name : (zh ? "(未填)" : "(none)"), h, n,
                 NULL);
    }
    return ok;
}

int sheet_volunteer_csv(FILE *fp, json_t *rep, bool zh)
{
    json_t *v = json_object_get(rep, "volunteer");
    char made[32], total[32];
    sheet_local_time(json_integer_value(json_object_get(rep, "made")), false,
                     made, sizeof made);
    sheet_hours_text(json_integer_value(json_object_get(rep, "total_minutes")),
                     total, sizeof total);
    errno = 0;
    bool ok = fputs("\xEF\xBB\xBF", fp) != EOF &&
              rec(fp, zh ? "志愿服务记录证明" : "Volunteer service record", "",
                  NULL, NULL) &&
              rec(fp, zh ? "姓名" : "name", str(v, "name"), NULL, NULL) &&
              rec(fp, zh ? "身份证号" : "ID number", str(v, "id_number"), NULL,
                  NULL) &&
              rec(fp, zh ? "所属组织" : "organisation",
                  str(v, "organisation_name"), NULL, NULL) &&
              rec(fp, zh ? "技能" : "skills", str(v, "skills"), NULL, NULL) &&
              rec(fp, zh ? "制表时间" : "made", made, NULL, NULL) &&
              rec(fp, "", "", NULL, NULL);
    const char *head[7] = {
        zh ? "开始" : "from",        zh ? "结束" : "to",
        zh ? "服务地点" : "site",    zh ? "任务" : "task",
        zh ? "方式" : "recorded as", zh ? "时长(小时)" : "hours",
        zh ? "记录编号" : "record"};
    ok = ok && sheet_csv_record(fp, head, 7) == 0;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(rep, "periods"), i, p)
    {
        if (!ok)
            break;
        char from[32], to[32] = "", h[32] = "";
        sheet_local_time(json_integer_value(json_object_get(p, "starts")),
                         false, from, sizeof from);
        bool open = json_is_true(json_object_get(p, "open"));
        if (!open) {
            sheet_local_time(json_integer_value(json_object_get(p, "ends")),
                             false, to, sizeof to);
            sheet_hours_text(json_integer_value(json_object_get(p, "minutes")),
                             h, sizeof h);
        }
        bool in = strcmp(str(p, "how"), "checkin") == 0;
        const char *cells[7] = {from,
                                open ? (zh ? "(未签退)" : "(not checked out)")
                                     : to,
                                str(p, "site_name"),
                                str(p, "task"),
                                in ? (zh ? "签到签退" : "check-in/out")
                                   : (zh ? "补录" : "recorded afterwards"),
                                h,
                                str(p, "service")};
        ok = sheet_csv_record(fp, cells, 7) == 0;
    }
    ok = ok &&
         totals(fp, json_object_get(rep, "by_site"), "site_name",
                zh ? "按服务地点合计" : "by site", zh ? "服务地点" : "site",
                zh) &&
         totals(fp, json_object_get(rep, "by_task"), "task",
                zh ? "按任务合计" : "by task", zh ? "任务" : "task", zh) &&
         rec(fp, "", "", NULL, NULL) &&
         rec(fp, zh ? "合计(小时)" : "total (hours)", total, NULL, NULL);
    if (!ok && errno == 0)
        errno = EIO;
    return ok ? 0 : -1;
}
