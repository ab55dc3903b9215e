/* cmd_report.c - huzhu report: the township's reports (proto/reports.md)
 * as a table for people, JSON, CSV or XLSX; a disaster report submitted
 * as a signed entry; the reports submitted before. The figures come from
 * the library (hz_node_report); this file only lays them out. */
#include "cli.h"

#include "../sheet/sheet.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The disaster report's figures in their order, with their headings
 * (proto/reports.md, "Figures"; the CSV's and XLSX's headings). */
static const struct fig {
    const char *key, *zh, *en, *csv;
} figs[] = {
    {"affected", "受灾人口(人)", "affected", "受灾人口(人)"},
    {"dead", "因灾死亡人口(人)", "dead", "因灾死亡人口(人)"},
    {"missing", "因灾失踪人口(人)", "missing", "因灾失踪人口(人)"},
    {"relocated", "紧急转移安置人口(人)", "moved to safety",
     "紧急转移安置人口(人)"},
    {"relocated_shelter", "集中安置", "in a shelter",
     "紧急转移安置人口-集中安置"},
    {"relocated_relatives", "投亲靠友", "with relatives",
     "紧急转移安置人口-投亲靠友"},
    {"relocated_borrowed", "借住", "borrowed housing", "紧急转移安置人口-借住"},
    {"relocated_rented", "租房", "rented", "紧急转移安置人口-租房"},
    {"relocated_tent", "帐篷/简易房", "tent", "紧急转移安置人口-帐篷/简易房"},
    {"relocated_other", "安置方式未登记", "placement not recorded",
     "紧急转移安置人口-安置方式未登记"},
    {"needs_aid", "需紧急生活救助人口(人)", "needing aid",
     "需紧急生活救助人口(人)"},
    {"collapsed_hh", "倒塌房屋(户)", "collapsed (hh)", "倒塌房屋(户)"},
    {"collapsed_rooms", "倒塌房屋(间)", "collapsed (rooms)", "倒塌房屋(间)"},
    {"severe_hh", "严重损坏房屋(户)", "severe (hh)", "严重损坏房屋(户)"},
    {"severe_rooms", "严重损坏房屋(间)", "severe (rooms)", "严重损坏房屋(间)"},
    {"general_hh", "一般损坏房屋(户)", "general (hh)", "一般损坏房屋(户)"},
    {"general_rooms", "一般损坏房屋(间)", "general (rooms)",
     "一般损坏房屋(间)"},
    {"crops_mu", "农作物受灾面积(亩)", "crops (mu)", "农作物受灾面积(亩)"},
    {"loss_yuan", "直接经济损失(元)", "direct loss (yuan)", "直接经济损失(元)"},
};
#define N_FIGS (sizeof figs / sizeof figs[0])

static const char *const kind_zh[][2] = {
    {"initial", "初报"}, {"daily", "续报"}, {"verified", "核报"}};

static const char *kind_label(const struct cli *c, const char *kind)
{
    for (size_t i = 0; i < 3; i++)
        if (kind != NULL && strcmp(kind, kind_zh[i][0]) == 0)
            return c->lang == LANG_ZH ? kind_zh[i][1] : kind;
    return kind != NULL ? kind : "";
}

static const char *fig_label(const struct cli *c, const char *key)
{
    for (size_t i = 0; i < N_FIGS; i++)
        if (strcmp(figs[i].key, key) == 0)
            return cli_tr(c, figs[i].zh, figs[i].en);
    return key;
}

/* The first column's text of a report row. */
static const char *village_text(json_t *row)
{
    const char *level = json_string_value(json_object_get(row, "level"));
    if (level != NULL && strcmp(level, "township") == 0)
        return "合计";
    const char *v = json_string_value(json_object_get(row, "village"));
    return v != NULL ? v : "(未填写村/社区)";
}

/* A real-day date YYYY-MM-DD (leap years counted). */
static bool date_ok(const char *d)
{
    int y, m, day;
    char tail;
    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-' ||
        sscanf(d, "%4d-%2d-%2d%c", &y, &m, &day, &tail) != 3)
        return false;
    for (size_t i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return false;
    static const int len[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 2000 && m >= 1 && m <= 12 && day >= 1 &&
           day <= len[m - 1] + (m == 2 && leap);
}

/* Unix seconds @t as local time, "YYYY-MM-DD HH:MM" or, with
 * @day_only, "YYYY-MM-DD". */
static void local_time(int64_t t, bool day_only, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    out[0] = '\0';
    if (localtime_r(&tt, &tm) == NULL)
        return;
    if (day_only)
        strftime(out, len, "%Y-%m-%d", &tm);
    else
        strftime(out, len, "%Y-%m-%d %H:%M", &tm);
}

static char *number_text(json_t *v, bool two_decimals)
{
    char b[48];
    if (two_decimals)
        snprintf(b, sizeof b, "%.2f", json_number_value(v));
    else
        snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    return strdup(b);
}

/* ---- output files: stdout, or FILE written whole then renamed */

static FILE *out_open(const char *path, char *tmp, size_t len)
{
    if (path == NULL)
        return stdout;
    snprintf(tmp, len, "%s.tmp", path);
    return fopen(tmp, "wb");
}

static int out_failed(struct cli *c, const char *path)
{
    struct hz_err err = {0};
    snprintf(err.msg, sizeof err.msg, "%s: %s", path, strerror(errno));
    return cli_fail(c, HZ_EIO, &err);
}

static int out_close(struct cli *c, FILE *f, const char *path, const char *tmp,
                     bool ok)
{
    if (path == NULL)
        return fflush(stdout) == 0 && ok ? EXIT_OK : EXIT_FAIL;
    ok = fclose(f) == 0 && ok;
    if (ok && rename(tmp, path) == 0)
        return EXIT_OK;
    int rv = out_failed(c, path);
    remove(tmp);
    return rv;
}

/* The library's report @name as parsed JSON into *@rep, or the exit
 * code (the error printed). */
static int load_report(struct cli *c, const char *name,
                       const struct hz_report_opts *o, json_t **rep)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_report(c->node, name, o, &text, &err);
    *rep = rv == 0 ? json_loads(text, 0, NULL) : NULL;
    hz_free_string(text);
    if (rv != 0)
        return cli_fail(c, rv, &err);
    return *rep != NULL ? EXIT_OK : cli_fail(c, HZ_ENOMEM, NULL);
}

enum report_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV, FORMAT_XLSX };

/* --format (default: JSON with --json, else a table), checked with
 * --out: EXIT_OK or the usage error. */
static int report_format(struct cli *c, struct form *f, enum report_format *out)
{
    static const char *const names[] = {"table", "json", "csv", "xlsx"};
    const char *format = form_get(f, "--format");
    *out = c->json ? FORMAT_JSON : FORMAT_TABLE;
    if (format != NULL) {
        size_t i = 0;
        while (i < 4 && strcmp(format, names[i]) != 0)
            i++;
        if (i == 4)
            return cli_usage(c, f,
                             cli_tr(c,
                                    "--format 只能是 table、json、csv 或 xlsx",
                                    "--format is table, json, csv or xlsx"));
        *out = (enum report_format)i;
    }
    if (*out == FORMAT_XLSX && form_get(f, "--out") == NULL)
        return cli_usage(
            c, f,
            cli_tr(c, "xlsx 须用 --out 指定文件", "xlsx needs --out FILE"));
    return EXIT_OK;
}

/* @rep as one line of JSON, to @path or stdout. */
static int write_json(struct cli *c, json_t *rep, const char *path)
{
    char tmp[CLI_PATH_LEN_MAX + 8];
    FILE *fp = out_open(path, tmp, sizeof tmp);
    if (fp == NULL)
        return out_failed(c, path);
    bool ok = json_dumpf(rep, fp, JSON_COMPACT) == 0 && fputc('\n', fp) != EOF;
    return out_close(c, fp, path, tmp, ok);
}

/* @n_rows CSV records of @cols cells (@cells row-major) under @head, with
 * a byte-order mark, to @path or stdout. */
static int write_csv(struct cli *c, const char *path, const char *const *head,
                     char *const *cells, size_t n_rows, size_t cols)
{
    char tmp[CLI_PATH_LEN_MAX + 8];
    FILE *fp = out_open(path, tmp, sizeof tmp);
    if (fp == NULL)
        return out_failed(c, path);
    bool ok = fputs("\xEF\xBB\xBF", fp) != EOF &&
              sheet_csv_record(fp, head, cols) == 0;
    for (size_t i = 0; ok && i < n_rows; i++)
        ok = sheet_csv_record(fp, (const char *const *)&cells[i * cols],
                              cols) == 0;
    return out_close(c, fp, path, tmp, ok);
}

/* ---- the disaster report */

static int disaster_csv(struct cli *c, json_t *rep, const char *path)
{
    json_t *rows = json_object_get(rep, "rows");
    size_t nr = json_array_size(rows);
    const size_t cols = N_FIGS + 1;
    char **cells = calloc(nr * cols + 1, sizeof *cells);
    if (cells == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    const char *head[N_FIGS + 1] = {"村/社区"};
    for (size_t k = 0; k < N_FIGS; k++)
        head[k + 1] = figs[k].csv;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        cells[i * cols] = strdup(village_text(row));
        for (size_t k = 0; k < N_FIGS; k++)
            cells[i * cols + k + 1] =
                number_text(json_object_get(row, figs[k].key),
                            strcmp(figs[k].key, "crops_mu") == 0);
    }
    int rv = write_csv(c, path, head, cells, nr, cols);
    for (size_t k = 0; k < nr * cols; k++)
        free(cells[k]);
    free(cells);
    return rv;
}

#define TEXT_V(s) ((struct sheet_value){.kind = SHEET_V_TEXT, .text = (s)})
#define INT_V(n) ((struct sheet_value){.kind = SHEET_V_INT, .i = (n)})
#define REAL_V(x) ((struct sheet_value){.kind = SHEET_V_REAL, .r = (x)})

static const char *const fig_zh_explain[][2] = {
    {"affected", "受灾人口"},
    {"dead", "因灾死亡人口"},
    {"missing", "因灾失踪人口"},
    {"relocated", "紧急转移安置人口"},
    {"relocated_shelter", "紧急转移安置人口-集中安置"},
    {"relocated_relatives", "紧急转移安置人口-投亲靠友"},
    {"relocated_borrowed", "紧急转移安置人口-借住"},
    {"relocated_rented", "紧急转移安置人口-租房"},
    {"relocated_tent", "紧急转移安置人口-帐篷/简易房"},
    {"relocated_other", "紧急转移安置人口-安置方式未登记"},
    {"needs_aid", "需紧急生活救助人口"},
};

static const char *explain_heading(const char *key)
{
    for (size_t i = 0; i < sizeof fig_zh_explain / sizeof fig_zh_explain[0];
         i++)
        if (strcmp(fig_zh_explain[i][0], key) == 0)
            return fig_zh_explain[i][1];
    for (size_t i = 0; i < N_FIGS; i++)
        if (strcmp(figs[i].key, key) == 0)
            return figs[i].zh;
    return key;
}

static struct sheet_value opt_text_v(json_t *v)
{
    return json_is_string(v) ? TEXT_V(json_string_value(v))
                             : (struct sheet_value){.kind = SHEET_V_EMPTY};
}

static struct sheet_value number_v(json_t *v)
{
    if (json_is_real(v))
        return REAL_V(json_real_value(v));
    if (json_is_integer(v))
        return INT_V(json_integer_value(v));
    return (struct sheet_value){.kind = SHEET_V_EMPTY};
}

static int disaster_xlsx(struct cli *c, json_t *rep, const char *path)
{
    json_t *rows = json_object_get(rep, "rows");
    json_t *fac = json_object_get(rep, "facilities");
    json_t *ex = json_object_get(rep, "explain");
    size_t nr = json_array_size(rows), nf = json_array_size(fac),
           ne = json_array_size(ex);
    const size_t cols = N_FIGS + 1;
    struct sheet_value *a = calloc((4 + nr) * cols, sizeof *a);
    struct sheet_value *b = calloc((1 + nf) * 7, sizeof *b);
    struct sheet_value *e = calloc((1 + ne) * 8, sizeof *e);
    char **owned = calloc(2 + nf, sizeof *owned);
    if (a == NULL || b == NULL || e == NULL || owned == NULL) {
        free(a);
        free(b);
        free(e);
        free(owned);
        return cli_fail(c, HZ_ENOMEM, NULL);
    }
    char title[128], info[512], made[32];
    snprintf(title, sizeof title, "自然灾害情况统计表（%s）",
             kind_label(&(struct cli){.lang = LANG_ZH},
                        json_string_value(json_object_get(rep, "kind"))));
    local_time(json_integer_value(json_object_get(rep, "made")), false, made,
               sizeof made);
    const char *area = json_string_value(json_object_get(rep, "area"));
    snprintf(info, sizeof info, "%s%s%s报告日期：%s　制表时间：%s",
             area != NULL ? "填报单位：" : "", area != NULL ? area : "",
             area != NULL ? "　" : "",
             json_string_value(json_object_get(rep, "date")), made);
    a[0] = TEXT_V(title);
    a[cols] = TEXT_V(info);
    /* Row 3: the headings that span two rows or several columns. */
    static const size_t two_rows[] = {0, 1, 2, 3, 11, 18, 19};
    static const char *const two_rows_text[] = {
        "村/社区",          "受灾人口(人)",           "因灾死亡人口(人)",
        "因灾失踪人口(人)", "需紧急生活救助人口(人)", "农作物受灾面积(亩)",
        "直接经济损失(元)"};
    for (size_t k = 0; k < 7; k++)
        a[2 * cols + two_rows[k]] = TEXT_V(two_rows_text[k]);
    a[2 * cols + 4] = TEXT_V("紧急转移安置人口(人)");
    a[2 * cols + 12] = TEXT_V("倒塌房屋");
    a[2 * cols + 14] = TEXT_V("严重损坏房屋");
    a[2 * cols + 16] = TEXT_V("一般损坏房屋");
    static const char *const sub[] = {
        "合计", "集中安置",    "投亲靠友",      "借住",
        "租房", "帐篷/简易房", "安置方式未登记"};
    for (size_t k = 0; k < 7; k++)
        a[3 * cols + 4 + k] = TEXT_V(sub[k]);
    for (size_t k = 0; k < 6; k++)
        a[3 * cols + 12 + k] = TEXT_V(k % 2 == 0 ? "户" : "间");
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        struct sheet_value *r = &a[(4 + i) * cols];
        r[0] = TEXT_V(village_text(row));
        for (size_t k = 0; k < N_FIGS; k++)
            r[k + 1] = number_v(json_object_get(row, figs[k].key));
    }
    static const struct sheet_merge merges[] = {
        {0, 0, 0, 19},  {1, 0, 1, 19},  {2, 0, 3, 0},   {2, 1, 3, 1},
        {2, 2, 3, 2},   {2, 3, 3, 3},   {2, 4, 2, 10},  {2, 11, 3, 11},
        {2, 12, 2, 13}, {2, 14, 2, 15}, {2, 16, 2, 17}, {2, 18, 3, 18},
        {2, 19, 3, 19}};
    static const char *const fac_head[] = {"村/社区",
                                           "设施",
                                           "房屋损坏",
                                           "损坏间数",
                                           "农作物受灾面积(亩)",
                                           "直接经济损失(元)",
                                           "评估时间"};
    for (size_t k = 0; k < 7; k++)
        b[k] = TEXT_V(fac_head[k]);
    json_array_foreach(fac, i, row)
    {
        struct sheet_value *r = &b[(1 + i) * 7];
        r[0] = opt_text_v(json_object_get(row, "village"));
        r[1] = opt_text_v(json_object_get(row, "facility"));
        const char *house = json_string_value(json_object_get(row, "house"));
        const char *label =
            house != NULL ? hz_enum_label("damage", "house", house, HZ_LANG_ZH)
                          : NULL;
        r[2] = label != NULL ? TEXT_V(label)
                             : (struct sheet_value){.kind = SHEET_V_EMPTY};
        r[3] = number_v(json_object_get(row, "rooms"));
        r[4] = number_v(json_object_get(row, "crops_mu"));
        r[5] = number_v(json_object_get(row, "loss_yuan"));
        char when[32];
        local_time(json_integer_value(json_object_get(row, "time")), false,
                   when, sizeof when);
        owned[i] = strdup(when);
        r[6] = owned[i] != NULL ? TEXT_V(owned[i])
                                : (struct sheet_value){.kind = SHEET_V_EMPTY};
    }
    static const char *const ex_head[] = {"指标", "村/社区",  "户主", "户编号",
                                          "姓名", "人员编号", "设施", "数值"};
    for (size_t k = 0; k < 8; k++)
        e[k] = TEXT_V(ex_head[k]);
    json_array_foreach(ex, i, row)
    {
        struct sheet_value *r = &e[(1 + i) * 8];
        r[0] = TEXT_V(
            explain_heading(json_string_value(json_object_get(row, "figure"))));
        r[1] = opt_text_v(json_object_get(row, "village"));
        r[2] = opt_text_v(json_object_get(row, "head_name"));
        r[3] = opt_text_v(json_object_get(row, "household"));
        r[4] = opt_text_v(json_object_get(row, "name"));
        r[5] = opt_text_v(json_object_get(row, "person"));
        r[6] = opt_text_v(json_object_get(row, "facility"));
        r[7] = number_v(json_object_get(row, "value"));
    }
    struct sheet_out sheets[] = {
        {"灾情统计", 4 + nr, cols, a, 2, 2, merges,
         sizeof merges / sizeof merges[0]},
        {"公共设施", 1 + nf, 7, b, 0, 1, NULL, 0},
        {"明细", 1 + ne, 8, e, 0, 1, NULL, 0},
    };
    struct hz_err err = {0};
    int rv = sheet_write_xlsx(path, sheets, ex != NULL ? 3 : 2, &err);
    for (size_t k = 0; k < nf; k++)
        free(owned[k]);
    free(owned);
    free(a);
    free(b);
    free(e);
    return rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
}

static void disaster_table(struct cli *c, json_t *rep)
{
    const char *kind = json_string_value(json_object_get(rep, "kind"));
    const char *area = json_string_value(json_object_get(rep, "area"));
    printf(TR_FMT(c, "自然灾害情况统计表（%s）\n", "Disaster report (%s)\n"),
           kind_label(c, kind));
    printf("%s%s%s%s %s\n",
           area != NULL ? cli_tr(c, "填报单位: ", "unit: ") : "",
           area != NULL ? area : "", area != NULL ? "  " : "",
           cli_tr(c, "报告日期:", "date:"),
           json_string_value(json_object_get(rep, "date")));
    json_t *rows = json_deep_copy(json_object_get(rep, "rows"));
    const char *cols[N_FIGS + 1] = {"_village"};
    const char *heads[N_FIGS + 1] = {cli_tr(c, "村/社区", "village")};
    for (size_t k = 0; k < N_FIGS; k++) {
        cols[k + 1] = figs[k].key;
        heads[k + 1] = cli_tr(c, figs[k].zh, figs[k].en);
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_object_set_new(row, "_village", json_string(village_text(row)));
        char *crops = number_text(json_object_get(row, "crops_mu"), true);
        json_object_set_new(row, "crops_mu", json_string(crops ? crops : "?"));
        free(crops);
    }
    cli_print_table(c, rows, cols, heads, NULL, N_FIGS + 1);
    json_decref(rows);
    json_t *prev = json_object_get(rep, "previous");
    if (json_is_object(prev)) {
        json_t *changes = json_object_get(prev, "changes");
        json_t *total = json_array_get(changes, json_array_size(changes) - 1);
        printf(TR_FMT(c, "较上次上报(%s %s)：", "since the report of %s (%s):"),
               json_string_value(json_object_get(prev, "date")),
               kind_label(c, json_string_value(json_object_get(prev, "kind"))));
        bool any = false;
        for (size_t k = 0; k < N_FIGS; k++) {
            json_t *d = json_object_get(total, figs[k].key);
            if (json_number_value(d) == 0)
                continue;
            any = true;
            if (json_is_real(d))
                printf(" %s %+.2f", cli_tr(c, figs[k].zh, figs[k].en),
                       json_real_value(d));
            else
                printf(" %s %+lld", cli_tr(c, figs[k].zh, figs[k].en),
                       (long long)json_integer_value(d));
        }
        printf("%s\n", any ? "" : cli_tr(c, " 无变化", " no change"));
    }
    json_t *ex = json_object_get(rep, "explain");
    if (ex != NULL) {
        json_t *lines = json_deep_copy(ex);
        json_array_foreach(lines, i, row)
        {
            json_object_set_new(
                row, "_figure",
                json_string(fig_label(
                    c, json_string_value(json_object_get(row, "figure")))));
        }
        static const char *const ec[] = {"_figure",   "village", "head_name",
                                         "household", "name",    "facility",
                                         "value"};
        const char *eh[] = {
            cli_tr(c, "指标", "figure"), cli_tr(c, "村/社区", "village"),
            cli_tr(c, "户主", "head"),   cli_tr(c, "户编号", "household"),
            cli_tr(c, "姓名", "name"),   cli_tr(c, "设施", "facility"),
            cli_tr(c, "数值", "value")};
        printf("\n%s\n", cli_tr(c, "各数字对应的户和人员:",
                                "the households and persons behind each "
                                "figure:"));
        cli_print_table(c, lines, ec, eh, NULL, 7);
        json_decref(lines);
    }
}

/* --submit: the report's rows as one entry (proto/reports.md, "Submitted
 * reports"); the new report's id into @id (33 bytes). */
static int submit(struct cli *c, json_t *rep, char *id)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int code = hz_batch_open(c->node, &b, &err);
    char when[24];
    snprintf(when, sizeof when, "%lld",
             (long long)json_integer_value(json_object_get(rep, "made")));
    const char *area = json_string_value(json_object_get(rep, "area"));
    struct hz_field head[4] = {
        {"date", json_string_value(json_object_get(rep, "date"))},
        {"kind", json_string_value(json_object_get(rep, "kind"))},
        {"time", when},
        {"area", area}};
    if (code == 0)
        code = hz_batch_put(b, "reports", NULL, area != NULL ? 4 : 3, head, id,
                            &err);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rep, "rows"), i, row)
    {
        if (code != 0)
            break;
        struct hz_field f[N_FIGS + 3];
        char *num[N_FIGS] = {0};
        size_t n = 0;
        f[n++] = (struct hz_field){"report", id};
        f[n++] = (struct hz_field){
            "level", json_string_value(json_object_get(row, "level"))};
        const char *v = json_string_value(json_object_get(row, "village"));
        if (v != NULL)
            f[n++] = (struct hz_field){"village", v};
        for (size_t k = 0; k < N_FIGS; k++) {
            num[k] = number_text(json_object_get(row, figs[k].key),
                                 strcmp(figs[k].key, "crops_mu") == 0);
            f[n++] = (struct hz_field){figs[k].key, num[k] ? num[k] : ""};
        }
        code = hz_batch_put(b, "report_figures", NULL, n, f, NULL, &err);
        for (size_t k = 0; k < N_FIGS; k++)
            free(num[k]);
    }
    if (code != 0) {
        hz_batch_close(b);
        return cli_fail(c, code, &err);
    }
    int rv = cli_commit(c, b);
    hz_batch_close(b);
    return rv;
}

int cmd_report_disaster(struct cli *c, struct form *f)
{
    const char *kind = form_get(f, "--kind"), *date = form_get(f, "--date"),
               *out = form_get(f, "--out");
    if (kind == NULL)
        kind = "initial";
    if (strcmp(kind, "initial") != 0 && strcmp(kind, "daily") != 0 &&
        strcmp(kind, "verified") != 0)
        return cli_usage(c, f,
                         cli_tr(c, "--kind 只能是 initial、daily 或 verified",
                                "--kind is initial, daily or verified"));
    char today[16];
    if (date == NULL) {
        local_time((int64_t)time(NULL), true, today, sizeof today);
        date = today;
    } else if (!date_ok(date)) {
        return cli_usage(c, f,
                         cli_tr(c, "--date 须为存在的日期 YYYY-MM-DD",
                                "--date is a real day, YYYY-MM-DD"));
    }
    enum report_format format;
    int usage = report_format(c, f, &format);
    if (usage != EXIT_OK)
        return usage;
    bool json = format == FORMAT_JSON;
    struct hz_report_opts o = {.kind = kind,
                               .date = date,
                               .area = form_get(f, "--area"),
                               .now = (int64_t)time(NULL),
                               .explain = form_get(f, "--explain") != NULL};
    json_t *rep = NULL;
    int rv = load_report(c, "disaster", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    char id[33] = "";
    rv = EXIT_OK;
    if (form_get(f, "--submit") != NULL) {
        rv = submit(c, rep, id);
        if (rv == EXIT_OK)
            json_object_set_new(rep, "submitted", json_string(id));
    }
    if (rv == EXIT_OK && json)
        rv = write_json(c, rep, out);
    else if (rv == EXIT_OK && format == FORMAT_CSV)
        rv = disaster_csv(c, rep, out);
    else if (rv == EXIT_OK && format == FORMAT_XLSX)
        rv = disaster_xlsx(c, rep, out);
    else if (rv == EXIT_OK)
        disaster_table(c, rep);
    if (rv == EXIT_OK && out != NULL && !c->json)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    if (rv == EXIT_OK && id[0] != '\0' && !json)
        printf(TR_FMT(c, "已报送并签名记录: %s\n",
                      "submitted and recorded, signed: %s\n"),
               id);
    json_decref(rep);
    return rv;
}

/* ---- the household relief list (应急统表10) */

static const char *const relief_keys[] = {
    "D03001", "D03002", "D03003", "D03004", "D03005",
    "D03006", "D03007", "D03008", "D03009", "D03010"};
static const char *const relief_zh[] = {
    "户主姓名", "户主身份证号",   "联系电话",
    "家庭类型", "家庭人口",       "家庭住址",
    "救助人口", "发放救助金(元)", "发放救助物资折款(元)",
    "发放形式"};

static char *cell_of(json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v))
        return number_text(v, false);
    return strdup("");
}

int cmd_report_relief(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out");
    enum report_format format;
    int usage = report_format(c, f, &format);
    if (usage != EXIT_OK)
        return usage;
    struct hz_report_opts o = {.now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = load_report(c, "relief", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *rows = json_object_get(rep, "rows");
    json_t *total = json_deep_copy(json_object_get(rep, "total"));
    json_object_set_new(total, "village", json_string("合计"));
    size_t nr = json_array_size(rows);
    if (format == FORMAT_JSON) {
        rv = write_json(c, rep, out);
    } else if (format != FORMAT_TABLE) {
        /* The same cells for both: village, D03001 .. D03010. */
        size_t n_cells = (nr + 1) * 11;
        char **cells = calloc(n_cells, sizeof *cells);
        for (size_t i = 0; cells != NULL && i <= nr; i++) {
            json_t *row = i < nr ? json_array_get(rows, i) : total;
            cells[i * 11] = cell_of(json_object_get(row, "village"));
            for (size_t k = 0; k < 10; k++)
                cells[i * 11 + 1 + k] =
                    cell_of(json_object_get(row, relief_keys[k]));
        }
        if (cells == NULL) {
            rv = cli_fail(c, HZ_ENOMEM, NULL);
        } else if (format == FORMAT_CSV) {
            const char *head[11] = {"村/社区"};
            for (size_t k = 0; k < 10; k++)
                head[k + 1] = relief_zh[k];
            rv = write_csv(c, out, head, cells, nr + 1, 11);
        } else {
            struct sheet_value *v = calloc((nr + 4) * 11, sizeof *v);
            if (v == NULL) {
                rv = cli_fail(c, HZ_ENOMEM, NULL);
            } else {
                v[0] = TEXT_V("因灾救助家庭情况表");
                v[11] = TEXT_V("");
                v[22] = TEXT_V("村/社区");
                for (size_t k = 0; k < 10; k++) {
                    v[11 + 1 + k] = TEXT_V(relief_keys[k]);
                    v[22 + 1 + k] = TEXT_V(relief_zh[k]);
                }
                for (size_t i = 0; i <= nr; i++)
                    for (size_t k = 0; k < 11; k++) {
                        const char *t = cells[i * 11 + k];
                        /* Counts as numbers; amounts keep their 2
                         * decimals as numbers too. */
                        bool num = k == 5 || k == 7 || k == 8 || k == 9;
                        v[(3 + i) * 11 + k] = num && t != NULL && t[0] != '\0'
                                                  ? REAL_V(strtod(t, NULL))
                                                  : TEXT_V(t != NULL ? t : "");
                    }
                static const struct sheet_merge title[] = {{0, 0, 0, 10}};
                struct sheet_out s = {"救助发放", nr + 4, 11,    v,
                                      1,          2,      title, 1};
                struct hz_err err = {0};
                rv = sheet_write_xlsx(out, &s, 1, &err);
                rv = rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
                free(v);
            }
        }
        for (size_t i = 0; cells != NULL && i < n_cells; i++)
            free(cells[i]);
        free(cells);
        if (rv == EXIT_OK && out != NULL && !c->json)
            printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    } else {
        printf("%s\n", cli_tr(c, "因灾救助家庭情况表 (应急统表10)",
                              "household relief list (form 10)"));
        json_t *shown = json_deep_copy(rows);
        json_array_append(shown, total);
        const char *cols[11] = {"village"};
        const char *heads[11] = {cli_tr(c, "村/社区", "village")};
        for (size_t k = 0; k < 10; k++) {
            cols[k + 1] = relief_keys[k];
            heads[k + 1] = relief_zh[k];
        }
        cli_print_table(c, shown, cols, heads, NULL, 11);
        json_decref(shown);
    }
    json_decref(total);
    json_decref(rep);
    return rv;
}

/* ---- reports submitted before */

int cmd_report_submitted(struct cli *c, struct form *f)
{
    const char *id = form_row(f)->params != NULL ? form_get(f, "ID") : NULL;
    struct hz_report_opts o = {.id = id};
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_report(c->node, "submitted", &o, &text, &err);
    if (rv != 0) {
        hz_free_string(text);
        return cli_fail(c, rv, &err);
    }
    if (c->json) {
        printf("%s\n", text);
        hz_free_string(text);
        return EXIT_OK;
    }
    json_t *list = json_loads(text, 0, NULL);
    hz_free_string(text);
    size_t i;
    json_t *r;
    if (id == NULL) {
        static const char *const cols[] = {
            "report", "kind", "date", "time", "area", "author_name", "author"};
        const char *heads[] = {
            cli_tr(c, "编号", "id"),       cli_tr(c, "类型", "kind"),
            cli_tr(c, "报告日期", "date"), cli_tr(c, "报送时间", "submitted"),
            cli_tr(c, "填报单位", "unit"), cli_tr(c, "报送设备", "device"),
            cli_tr(c, "设备公钥", "key")};
        static const char *const fmts[] = {
            "", "e:reports.kind", "", "t", "", "", ""};
        cli_print_table(c, list, cols, heads, fmts, 7);
        json_decref(list);
        return EXIT_OK;
    }
    json_array_foreach(list, i, r)
    {
        char when[32];
        local_time(json_integer_value(json_object_get(r, "time")), false, when,
                   sizeof when);
        const char *who = json_string_value(json_object_get(r, "author_name"));
        printf(TR_FMT(c, "%s（%s），报送于 %s，设备 %s %s\n",
                      "%s (%s), submitted %s by %s %s\n"),
               json_string_value(json_object_get(r, "date")),
               kind_label(c, json_string_value(json_object_get(r, "kind"))),
               when, who != NULL ? who : "-",
               json_string_value(json_object_get(r, "author")));
        json_t *rows = json_object_get(r, "rows");
        json_t *shown = json_deep_copy(rows);
        size_t k;
        json_t *row;
        json_array_foreach(shown, k, row)
        {
            json_object_set_new(row, "_village",
                                json_string(village_text(row)));
        }
        const char *cols[N_FIGS + 1] = {"_village"};
        const char *heads[N_FIGS + 1] = {cli_tr(c, "村/社区", "village")};
        for (size_t j = 0; j < N_FIGS; j++) {
            cols[j + 1] = figs[j].key;
            heads[j + 1] = cli_tr(c, figs[j].zh, figs[j].en);
        }
        cli_print_table(c, shown, cols, heads, NULL, N_FIGS + 1);
        json_decref(shown);
    }
    json_decref(list);
    return EXIT_OK;
}

/* ---- completeness (不遗漏一户一人) */

static const char *line_label(const struct cli *c, json_t *l)
{
    const char *k = json_string_value(json_object_get(l, "kind"));
    bool warned = json_integer_value(json_object_get(l, "warned")) != 0;
    if (strcmp(k, "missing") == 0)
        return cli_tr(c, "失踪", "missing");
    if (strcmp(k, "whereabouts") == 0)
        return cli_tr(c, "下落不明", "whereabouts unknown");
    if (strcmp(k, "unreachable") == 0)
        return warned ? cli_tr(c, "已通知但未找到", "warned, not found")
                      : cli_tr(c, "未联系上", "unreachable");
    return cli_tr(c, "从未联系", "never contacted");
}

int cmd_report_completeness(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out");
    enum report_format format;
    int usage = report_format(c, f, &format);
    if (usage != EXIT_OK)
        return usage;
    if (format == FORMAT_XLSX)
        return cli_usage(c, f,
                         cli_tr(c, "此报表为 table、json 或 csv",
                                "this report is table, json or csv"));
    struct hz_report_opts o = {.village = form_get(f, "--village"),
                               .now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = load_report(c, "completeness", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *villages = json_object_get(rep, "villages");
    size_t i, k;
    json_t *v, *l;
    if (format == FORMAT_JSON) {
        rv = write_json(c, rep, out);
    } else if (format == FORMAT_CSV) {
        size_t n = 0;
        json_array_foreach(villages, i, v)
        {
            n += json_array_size(json_object_get(v, "lines"));
        }
        char **cells = calloc(n * 8 + 1, sizeof *cells);
        size_t r = 0;
        json_array_foreach(cells != NULL ? villages : NULL, i, v)
        {
            json_array_foreach(json_object_get(v, "lines"), k, l)
            {
                char **row = &cells[r++ * 8];
                json_t *vi = json_object_get(l, "village");
                row[0] = strdup(json_is_string(vi) ? json_string_value(vi)
                                                   : "(未填写村/社区)");
                row[1] = strdup(line_label(c, l));
                row[2] = strdup(
                    json_integer_value(json_object_get(l, "vulnerable")) != 0
                        ? "是"
                        : "");
                static const char *const keys[] = {"head_name", "name", "cadre",
                                                   "phone", "household"};
                for (size_t j = 0; j < 5; j++) {
                    json_t *x = json_object_get(l, keys[j]);
                    row[3 + j] =
                        strdup(json_is_string(x) ? json_string_value(x) : "");
                }
            }
        }
        static const char *const head[] = {"村/社区", "类别",  "重点人员",
                                           "户主",    "姓名",  "包保责任人",
                                           "电话",    "户编号"};
        rv = cells == NULL ? cli_fail(c, HZ_ENOMEM, NULL)
                           : write_csv(c, out, head, cells, n, 8);
        for (size_t j = 0; cells != NULL && j < n * 8; j++)
            free(cells[j]);
        free(cells);
    } else {
        json_t *t = json_object_get(rep, "totals");
#define CNT(o, key) ((long long)json_integer_value(json_object_get(o, key)))
        printf(TR_FMT(c,
                      "不遗漏一户一人: 从未联系 %lld 户，未联系上 %lld 户"
                      "(其中已通知 %lld 户)，下落不明 %lld 人(其中重点人员 "
                      "%lld 人)，失踪 %lld 人\n",
                      "not yet accounted for: %lld households never "
                      "contacted, %lld unreachable (%lld warned), %lld persons"
                      " whose whereabouts are unknown (%lld vulnerable), "
                      "%lld missing\n"),
               CNT(t, "not_contacted"), CNT(t, "unreachable"),
               CNT(t, "unreachable_warned"), CNT(t, "whereabouts_unknown"),
               CNT(t, "vulnerable_not_safe"), CNT(t, "missing"));
        json_array_foreach(villages, i, v)
        {
            json_t *vi = json_object_get(v, "village");
            json_t *cn = json_object_get(v, "counts");
            printf(TR_FMT(c,
                          "\n%s: 从未联系 %lld 户，未联系上 %lld 户，下落不明 "
                          "%lld 人，失踪 %lld 人\n",
                          "\n%s: %lld never contacted, %lld unreachable, %lld "
                          "whereabouts unknown, %lld missing\n"),
                   json_is_string(vi)
                       ? json_string_value(vi)
                       : cli_tr(c, "(未填写村/社区)", "(no village)"),
                   CNT(cn, "not_contacted"), CNT(cn, "unreachable"),
                   CNT(cn, "whereabouts_unknown"), CNT(cn, "missing"));
#undef CNT
            json_t *shown = json_deep_copy(json_object_get(v, "lines"));
            json_array_foreach(shown, k, l)
            {
                json_object_set_new(l, "_kind", json_string(line_label(c, l)));
            }
            static const char *const cols[] = {
                "_kind", "vulnerable", "head_name", "name",
                "cadre", "phone",      "household"};
            const char *heads[] = {cli_tr(c, "类别", "kind"),
                                   cli_tr(c, "重点人员", "vulnerable"),
                                   cli_tr(c, "户主", "head"),
                                   cli_tr(c, "姓名", "name"),
                                   cli_tr(c, "包保责任人", "cadre"),
                                   cli_tr(c, "电话", "phone"),
                                   cli_tr(c, "户编号", "household")};
            static const char *const fmts[] = {"", "b", "", "", "", "", ""};
            cli_print_table(c, shown, cols, heads, fmts, 7);
            json_decref(shown);
        }
    }
    json_decref(rep);
    return rv;
}

/* ---- HXL (proto/reports.md, "HXL"): CSV with a hashtag row */

int cmd_report_hxl(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out"), *by = form_get(f, "--by");
    if (by != NULL && strcmp(by, "village") != 0 && strcmp(by, "site") != 0)
        return cli_usage(c, f,
                         cli_tr(c, "--by 只能是 village 或 site",
                                "--by is village or site"));
    struct hz_report_opts o = {.by = by, .now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = load_report(c, "hxl", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        rv = write_json(c, rep, out);
        json_decref(rep);
        return rv;
    }
    json_t *cols = json_object_get(rep, "columns"),
           *rows = json_object_get(rep, "rows");
    size_t nc = json_array_size(cols), nr = json_array_size(rows);
    /* The heading row, the hashtag row, then the rows: all cells. */
    char **cells = calloc((nr + 2) * nc + 1, sizeof *cells);
    for (size_t k = 0; cells != NULL && k < nc; k++) {
        json_t *col = json_array_get(cols, k);
        cells[k] = strdup(json_string_value(json_object_get(col, "heading")));
        cells[nc + k] = strdup(json_string_value(json_object_get(col, "tag")));
    }
    size_t i;
    json_t *row;
    json_array_foreach(cells != NULL ? rows : NULL, i, row)
    {
        for (size_t k = 0; k < nc; k++) {
            json_t *v = json_array_get(row, k);
            cells[(i + 2) * nc + k] =
                json_is_integer(v) ? number_text(v, false) : cell_of(v);
        }
    }
    if (cells == NULL) {
        rv = cli_fail(c, HZ_ENOMEM, NULL);
    } else {
        /* No byte-order mark: HXL tools read the first heading as is. */
        char tmp[CLI_PATH_LEN_MAX + 8];
        FILE *fp = out_open(out, tmp, sizeof tmp);
        bool ok = fp != NULL;
        for (size_t r = 0; ok && r < nr + 2; r++)
            ok = sheet_csv_record(fp, (const char *const *)&cells[r * nc],
                                  nc) == 0;
        rv = fp != NULL ? out_close(c, fp, out, tmp, ok) : out_failed(c, out);
        for (size_t k = 0; k < (nr + 2) * nc; k++)
            free(cells[k]);
    }
    free(cells);
    if (rv == EXIT_OK && out != NULL)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    json_decref(rep);
    return rv;
}

/* ---- PFIF 1.4 (proto/reports.md, "PFIF") */

static const char *pfif_text(const char *status)
{
    if (strcmp(status, "believed_dead") == 0)
        return "因灾死亡 (deceased)";
    if (strcmp(status, "believed_missing") == 0)
        return "失踪 (missing)";
    if (strcmp(status, "information_sought") == 0)
        return "下落尚未落实 (whereabouts not yet known)";
    return "已落实 (accounted for)";
}

int cmd_report_pfif(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out"), *domain = form_get(f, "--domain");
    if (domain == NULL)
        domain = "huzhu.invalid";
    for (const char *p = domain; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-') ||
            p - domain > 200)
            return cli_usage(
                c, f,
                cli_tr(c, "--domain 须为域名(小写字母、数字、点、横线)",
                       "--domain is a domain name (a-z, 0-9, ., -)"));
    struct hz_report_opts o = {.now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = load_report(c, "pfif", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        rv = write_json(c, rep, out);
        json_decref(rep);
        return rv;
    }
    json_t *persons = json_object_get(rep, "persons");
    size_t n = json_array_size(persons);
    struct pfif_person *pp = calloc(n + 1, sizeof *pp);
    char **owned = calloc(4 * n + 1, sizeof *owned);
    size_t i;
    json_t *x;
    json_array_foreach(pp != NULL && owned != NULL ? persons : NULL, i, x)
    {
        const char *id = json_string_value(json_object_get(x, "person"));
        char buf[320];
        snprintf(buf, sizeof buf, "%s/person.%s", domain, id);
        owned[4 * i] = strdup(buf);
        snprintf(buf, sizeof buf, "%s/note.%s", domain, id);
        owned[4 * i + 1] = strdup(buf);
        json_t *born = json_object_get(x, "birth_year");
        if (json_is_integer(born)) {
            snprintf(buf, sizeof buf, "%04lld",
                     (long long)json_integer_value(born));
            owned[4 * i + 2] = strdup(buf);
        }
        const char *status = json_string_value(json_object_get(x, "status"));
        const char *site = json_string_value(json_object_get(x, "site"));
        if (site != NULL) {
            snprintf(buf, sizeof buf, "%s；在安置点 %s", pfif_text(status),
                     site);
            owned[4 * i + 3] = strdup(buf);
        }
        pp[i] = (struct pfif_person){
            .record_id = owned[4 * i],
            .note_id = owned[4 * i + 1],
            .full_name = json_string_value(json_object_get(x, "name")),
            .sex = json_string_value(json_object_get(x, "sex")),
            .birth = owned[4 * i + 2],
            .city = json_string_value(json_object_get(x, "village")),
            .status = status,
            .location = site,
            .text = owned[4 * i + 3] != NULL ? owned[4 * i + 3]
                                             : pfif_text(status)};
    }
    if (pp == NULL || owned == NULL) {
        rv = cli_fail(c, HZ_ENOMEM, NULL);
    } else {
        char when[32];
        time_t now = (time_t)o.now;
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        struct hz_err err = {0};
        rv = sheet_write_pfif(out, "huzhu", when, pp, n, &err);
        rv = rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
    }
    for (size_t k = 0; owned != NULL && k < 4 * n; k++)
        free(owned[k]);
    free(owned);
    free(pp);
    if (rv == EXIT_OK && out != NULL)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    json_decref(rep);
    return rv;
}
