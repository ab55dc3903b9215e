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

/* The households of @src as CSV to @fp (the one writer of the list,
 * whatever holds it). */
static int campaign_csv(FILE *fp, struct sheet_src *src, bool zh)
{
    errno = 0;
    bool ok = fputs("\xEF\xBB\xBF", fp) != EOF &&
              sheet_csv_record(fp, zh ? head_zh : head_en, CAMPAIGN_COLS) == 0;
    json_t *h;
    while (ok && (h = sheet_src_next(src)) != NULL) {
        const char *cells[CAMPAIGN_COLS];
        char buf[3][32];
        household_cells(h, zh, cells, buf);
        ok = sheet_csv_record(fp, cells, CAMPAIGN_COLS) == 0;
    }
    sheet_src_done(src);
    return ok ? 0 : HZ_EIO;
}

int sheet_campaign_csv(FILE *fp, void *lines, bool zh)
{
    struct sheet_lines *x = lines;
    rewind(x->fp);
    struct sheet_src src = {.fp = x->fp};
    return campaign_csv(fp, &src, zh);
}

/* One household of the XLSX from the source (@data), as text cells. */
struct xlsx_rows {
    struct sheet_src *src;
    char buf[3][32];
};

static int xlsx_row(void *data, struct sheet_value *v, struct hz_err *err)
{
    struct xlsx_rows *x = data;
    json_t *h = sheet_src_next(x->src);
    if (h == NULL)
        return hz_err_set(err, HZ_EIO, "the households end early");
    const char *cells[CAMPAIGN_COLS];
    household_cells(h, true, cells, x->buf);
    for (size_t k = 0; k < CAMPAIGN_COLS; k++)
        v[k] = (struct sheet_value){.kind = SHEET_V_TEXT, .text = cells[k]};
    return 0;
}

/* The title (the notice of @rep) and headings, then @n households of
 * @src, written as they come. */
static int campaign_xlsx(const char *path, json_t *rep, struct sheet_src *src,
                         size_t n, struct hz_err *err)
{
    struct sheet_value v[2 * CAMPAIGN_COLS];
    json_t *notice = json_object_get(rep, "notice");
    const char *title = str(notice, "headline");
    v[0] = (struct sheet_value){
        .kind = SHEET_V_TEXT,
        .text = title[0] != '\0' ? title : str(notice, "event")};
    for (size_t k = 1; k < CAMPAIGN_COLS; k++)
        v[k] = (struct sheet_value){.kind = SHEET_V_EMPTY};
    for (size_t k = 0; k < CAMPAIGN_COLS; k++)
        v[CAMPAIGN_COLS + k] =
            (struct sheet_value){.kind = SHEET_V_TEXT, .text = head_zh[k]};
    static const struct sheet_merge merge[] = {{0, 0, 0, CAMPAIGN_COLS - 1}};
    struct xlsx_rows x = {.src = src};
    struct sheet_out s = {.name = "预警到户",
                          .rows = 2,
                          .cols = CAMPAIGN_COLS,
                          .cells = v,
                          .title_rows = 1,
                          .head_rows = 1,
                          .merges = merge,
                          .n_merges = 1,
                          .n_data = n,
                          .row = xlsx_row,
                          .row_data = &x};
    int rv = sheet_write_xlsx(path, &s, 1, err);
    sheet_src_done(src);
    return rv;
}

int sheet_campaign_xlsx(const char *path, json_t *rep,
                        struct sheet_lines *lines, struct hz_err *err)
{
    rewind(lines->fp);
    struct sheet_src src = {.fp = lines->fp};
    return campaign_xlsx(path, rep, &src, lines->n, err);
}
