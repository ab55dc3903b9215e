/* warn_out.c - a warning campaign's delivery list (预警到户清单) as CSV
 * and XLSX:
 * one line per household of the campaign's area, the unreached first and
 * among them the vulnerable, with whether, how, by whom and when it was
 * reached (proto/cli.md, "alert"). The CLI (--csv) and the web
 * (/api/reports/campaign/csv) both write it here from the library's
 * campaign JSON. */
#include "sheet.h"

#include "../core/error_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CAMPAIGN_COLS 12

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* One household of the campaign as its cells (@buf holds the numbers). */
static void household_cells(json_t *h, bool zh, const char **cells,
                            char (*buf)[32])
{
    enum hz_lang lang = zh ? HZ_LANG_ZH : HZ_LANG_EN;
    bool reached = json_is_true(json_object_get(h, "reached"));
    json_int_t tries = json_integer_value(json_object_get(h, "tries"));
    snprintf(buf[0], 32, "%lld",
             (long long)json_integer_value(json_object_get(h, "vulnerable")));
    snprintf(buf[1], 32, "%lld", (long long)tries);
    buf[2][0] = '\0';
    if (json_is_integer(json_object_get(h, "time")))
        sheet_local_time(json_integer_value(json_object_get(h, "time")), false,
                         buf[2], 32);
    const char *method =
        hz_enum_label("warnings", "method", str(h, "method"), lang);
    const char *state = reached     ? (zh ? "已送达" : "reached")
                        : tries > 0 ? (zh ? "未送达(已尝试)" : "tried")
                                    : (zh ? "未通知" : "not yet");
    const char *row[CAMPAIGN_COLS] = {str(h, "village"),
                                      str(h, "grid"),
                                      str(h, "cadre"),
                                      str(h, "head_name"),
                                      str(h, "phone"),
                                      buf[0],
                                      state,
                                      method != NULL ? method : "",
                                      str(h, "by"),
                                      buf[2],
                                      buf[1],
                                      str(h, "household")};
    memcpy(cells, row, sizeof row);
}

static const char *const head_zh[CAMPAIGN_COLS] = {
    "村/社区",  "网格", "包保责任人", "户主", "电话",     "弱势人数",
    "送达情况", "方式", "通知人",     "时间", "尝试次数", "户编号"};
static const char *const head_en[CAMPAIGN_COLS] = {
    "village", "grid",   "cadre", "head", "phone", "vulnerable persons",
    "state",   "method", "by",    "time", "tries", "household"};

int sheet_campaign_csv(FILE *fp, json_t *rep, bool zh)
{
    errno = 0;
    bool ok = fputs("\xEF\xBB\xBF", fp) != EOF &&
              sheet_csv_record(fp, zh ? head_zh : head_en, CAMPAIGN_COLS) == 0;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(rep, "households"), i, h)
    {
        if (!ok)
            break;
        const char *cells[CAMPAIGN_COLS];
        char buf[3][32];
        household_cells(h, zh, cells, buf);
        ok = sheet_csv_record(fp, cells, CAMPAIGN_COLS) == 0;
    }
    return ok ? 0 : HZ_EIO;
}

int sheet_campaign_xlsx(const char *path, json_t *rep, struct hz_err *err)
{
    json_t *hh = json_object_get(rep, "households");
    size_t n = json_array_size(hh), rows = n + 2;
    struct sheet_value *v = calloc(rows * CAMPAIGN_COLS, sizeof *v);
    char(*buf)[3][32] = calloc(n + 1, sizeof *buf);
    if (v == NULL || buf == NULL) {
        free(v);
        free(buf);
        return hz_err_set(err, HZ_ENOMEM, "out of memory");
    }
    json_t *notice = json_object_get(rep, "notice");
    const char *title = str(notice, "headline");
    v[0] = (struct sheet_value){
        .kind = SHEET_V_TEXT,
        .text = title[0] != '\0' ? title : str(notice, "event")};
    for (size_t k = 0; k < CAMPAIGN_COLS; k++)
        v[CAMPAIGN_COLS + k] =
            (struct sheet_value){.kind = SHEET_V_TEXT, .text = head_zh[k]};
    for (size_t i = 0; i < n; i++) {
        const char *cells[CAMPAIGN_COLS];
        household_cells(json_array_get(hh, i), true, cells, buf[i]);
        for (size_t k = 0; k < CAMPAIGN_COLS; k++)
            v[(i + 2) * CAMPAIGN_COLS + k] =
                (struct sheet_value){.kind = SHEET_V_TEXT, .text = cells[k]};
    }
    static const struct sheet_merge merge[] = {{0, 0, 0, CAMPAIGN_COLS - 1}};
    struct sheet_out s = {"预警到户", rows, CAMPAIGN_COLS, v,   1, 1, merge,
                          1,          0,    NULL,          NULL};
    int rv = sheet_write_xlsx(path, &s, 1, err);
    free(v);
    free(buf);
    return rv;
}
