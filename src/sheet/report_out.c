/* report_out.c - the township's reports (proto/reports.md) laid out as
 * files from the JSON of hz_node_report: the disaster report's CSV and
 * XLSX, the relief list's, completeness as CSV, HXL, PFIF, and the rows
 * a submitted report is written as. The command line (huzhu report) and
 * the web (GET /api/reports/...) both call these, so a file downloaded
 * is the file the CLI writes, byte for byte but for the time it was made.
 * Nothing here reads or writes the node: the caller gives the report and
 * (for a submission) the function that puts a row into its batch. */
#include "sheet.h"

#include "../core/error_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const struct sheet_fig sheet_figs[SHEET_N_FIGS] = {
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

static const char *const kind_zh[][2] = {
    {"initial", "初报"}, {"daily", "续报"}, {"verified", "核报"}};

const char *sheet_kind_zh(const char *kind)
{
    for (size_t i = 0; i < 3; i++)
        if (kind != NULL && strcmp(kind, kind_zh[i][0]) == 0)
            return kind_zh[i][1];
    return kind != NULL ? kind : "";
}

bool sheet_report_kind_ok(const char *kind)
{
    for (size_t i = 0; i < 3; i++)
        if (kind != NULL && strcmp(kind, kind_zh[i][0]) == 0)
            return true;
    return false;
}

const char *sheet_village_text(json_t *row)
{
    const char *level = json_string_value(json_object_get(row, "level"));
    if (level != NULL && strcmp(level, "township") == 0)
        return "合计";
    const char *v = json_string_value(json_object_get(row, "village"));
    return v != NULL ? v : "(未填写村/社区)";
}

bool sheet_date_ok(const char *d)
{
    int y, m, day;
    char tail;
    if (d == NULL || strlen(d) != 10 || d[4] != '-' || d[7] != '-' ||
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

void sheet_local_time(int64_t t, bool day_only, char *out, size_t len)
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

char *sheet_number_text(json_t *v, bool two_decimals)
{
    char b[48];
    if (two_decimals)
        snprintf(b, sizeof b, "%.2f", json_number_value(v));
    else
        snprintf(b, sizeof b, "%lld", (long long)json_integer_value(v));
    return strdup(b);
}

/* A cell's text: a string as it is, an integer in digits, else "". */
static char *cell_of(json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (json_is_integer(v))
        return sheet_number_text(v, false);
    return strdup("");
}

/* @n_rows CSV records of @cols cells (@cells row-major, NULL a cell that
 * could not be made) under @head (NULL: none), with a byte-order mark
 * when @bom. 0, or -1 with errno. */
static int csv_table(FILE *fp, bool bom, const char *const *head,
                     char *const *cells, size_t n_rows, size_t cols)
{
    for (size_t k = 0; k < n_rows * cols; k++)
        if (cells[k] == NULL) {
            errno = ENOMEM;
            return -1;
        }
    bool ok = (!bom || fputs("\xEF\xBB\xBF", fp) != EOF) &&
              (head == NULL || sheet_csv_record(fp, head, cols) == 0);
    for (size_t i = 0; ok && i < n_rows; i++)
        ok = sheet_csv_record(fp, (const char *const *)&cells[i * cols],
                              cols) == 0;
    if (!ok && errno == 0)
        errno = EIO;
    return ok ? 0 : -1;
}

static void cells_free(char **cells, size_t n)
{
    for (size_t k = 0; cells != NULL && k < n; k++)
        free(cells[k]);
    free(cells);
}

/* ---- the disaster report */

int sheet_disaster_csv(FILE *fp, json_t *rep, bool zh)
{
    (void)zh; /* its headings are the statistics system's, in zh */
    json_t *rows = json_object_get(rep, "rows");
    size_t nr = json_array_size(rows);
    const size_t cols = SHEET_N_FIGS + 1;
    char **cells = calloc(nr * cols + 1, sizeof *cells);
    if (cells == NULL) {
        errno = ENOMEM;
        return -1;
    }
    const char *head[SHEET_N_FIGS + 1] = {"村/社区"};
    for (size_t k = 0; k < SHEET_N_FIGS; k++)
        head[k + 1] = sheet_figs[k].csv;
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        cells[i * cols] = strdup(sheet_village_text(row));
        for (size_t k = 0; k < SHEET_N_FIGS; k++)
            cells[i * cols + k + 1] =
                sheet_number_text(json_object_get(row, sheet_figs[k].key),
                                  strcmp(sheet_figs[k].key, "crops_mu") == 0);
    }
    int rv = csv_table(fp, true, head, cells, nr, cols);
    cells_free(cells, nr * cols);
    return rv;
}

#define TEXT_V(s) ((struct sheet_value){.kind = SHEET_V_TEXT, .text = (s)})
#define INT_V(n) ((struct sheet_value){.kind = SHEET_V_INT, .i = (n)})
#define REAL_V(x) ((struct sheet_value){.kind = SHEET_V_REAL, .r = (x)})
#define EMPTY_V ((struct sheet_value){.kind = SHEET_V_EMPTY})

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
    if (key == NULL)
        return "";
    for (size_t i = 0; i < sizeof fig_zh_explain / sizeof fig_zh_explain[0];
         i++)
        if (strcmp(fig_zh_explain[i][0], key) == 0)
            return fig_zh_explain[i][1];
    for (size_t i = 0; i < SHEET_N_FIGS; i++)
        if (strcmp(sheet_figs[i].key, key) == 0)
            return sheet_figs[i].zh;
    return key;
}

static struct sheet_value opt_text_v(json_t *v)
{
    return json_is_string(v) ? TEXT_V(json_string_value(v)) : EMPTY_V;
}

static struct sheet_value number_v(json_t *v)
{
    if (json_is_real(v))
        return REAL_V(json_real_value(v));
    if (json_is_integer(v))
        return INT_V(json_integer_value(v));
    return EMPTY_V;
}

/* The lists behind the figures, one line at a time: from the report's
 * "explain" array (@arr), or read from a file of JSON lines (@fp). */
json_t *sheet_src_next(struct sheet_src *s)
{
    json_decref(s->cur);
    s->cur = NULL;
    if (s->fp != NULL) {
        json_error_t je;
        s->cur = json_loadf(s->fp, JSON_DISABLE_EOF_CHECK, &je);
    } else {
        s->cur = json_incref(json_array_get(s->arr, s->i));
    }
    s->i++;
    if (!json_is_object(s->cur)) {
        json_decref(s->cur);
        s->cur = NULL;
    }
    return s->cur;
}

void sheet_src_done(struct sheet_src *s)
{
    json_decref(s->cur);
    s->cur = NULL;
}

static int ex_row(void *data, struct sheet_value *r, struct hz_err *err)
{
    json_t *row = sheet_src_next(data);
    if (row == NULL)
        return hz_err_set(err, HZ_EIO,
                          "the list behind the figures ends"
                          " early");
    r[0] = TEXT_V(
        explain_heading(json_string_value(json_object_get(row, "figure"))));
    r[1] = opt_text_v(json_object_get(row, "village"));
    r[2] = opt_text_v(json_object_get(row, "head_name"));
    r[3] = opt_text_v(json_object_get(row, "household"));
    r[4] = opt_text_v(json_object_get(row, "name"));
    r[5] = opt_text_v(json_object_get(row, "person"));
    r[6] = opt_text_v(json_object_get(row, "facility"));
    r[7] = number_v(json_object_get(row, "value"));
    return 0;
}

static int disaster_xlsx(const char *path, json_t *rep, bool explain,
                         struct sheet_src *src, size_t ne, struct hz_err *err)
{
    json_t *rows = json_object_get(rep, "rows");
    json_t *fac = json_object_get(rep, "facilities");
    size_t nr = json_array_size(rows), nf = json_array_size(fac);
    const size_t cols = SHEET_N_FIGS + 1;
    struct sheet_value *a = calloc((4 + nr) * cols, sizeof *a);
    struct sheet_value *b = calloc((1 + nf) * 7, sizeof *b);
    struct sheet_value e[8];
    char **owned = calloc(2 + nf, sizeof *owned);
    if (a == NULL || b == NULL || owned == NULL) {
        free(a);
        free(b);
        free(owned);
        return hz_err_set(err, HZ_ENOMEM, "out of memory");
    }
    char title[128], info[512], made[32];
    snprintf(title, sizeof title, "自然灾害情况统计表（%s）",
             sheet_kind_zh(json_string_value(json_object_get(rep, "kind"))));
    sheet_local_time(json_integer_value(json_object_get(rep, "made")), false,
                     made, sizeof made);
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
        r[0] = TEXT_V(sheet_village_text(row));
        for (size_t k = 0; k < SHEET_N_FIGS; k++)
            r[k + 1] = number_v(json_object_get(row, sheet_figs[k].key));
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
        r[2] = label != NULL ? TEXT_V(label) : EMPTY_V;
        r[3] = number_v(json_object_get(row, "rooms"));
        r[4] = number_v(json_object_get(row, "crops_mu"));
        r[5] = number_v(json_object_get(row, "loss_yuan"));
        char when[32];
        sheet_local_time(json_integer_value(json_object_get(row, "time")),
                         false, when, sizeof when);
        owned[i] = strdup(when);
        r[6] = owned[i] != NULL ? TEXT_V(owned[i]) : EMPTY_V;
    }
    static const char *const ex_head[] = {"指标", "村/社区",  "户主", "户编号",
                                          "姓名", "人员编号", "设施", "数值"};
    for (size_t k = 0; k < 8; k++)
        e[k] = TEXT_V(ex_head[k]);
    struct sheet_out sheets[] = {
        {"灾情统计", 4 + nr, cols, a, 2, 2, merges,
         sizeof merges / sizeof merges[0], 0, NULL, NULL},
        {"公共设施", 1 + nf, 7, b, 0, 1, NULL, 0, 0, NULL, NULL},
        {"明细", 1, 8, e, 0, 1, NULL, 0, ne, ex_row, src},
    };
    int rv = sheet_write_xlsx(path, sheets, explain ? 3 : 2, err);
    for (size_t k = 0; k < nf; k++)
        free(owned[k]);
    free(owned);
    free(a);
    free(b);
    return rv;
}

int sheet_disaster_xlsx(const char *path, json_t *rep, struct hz_err *err)
{
    json_t *ex = json_object_get(rep, "explain");
    struct sheet_src src = {.arr = ex};
    int rv =
        disaster_xlsx(path, rep, ex != NULL, &src, json_array_size(ex), err);
    sheet_src_done(&src);
    return rv;
}

int sheet_lines_add(void *data, const struct hz_explain_line *l,
                    struct hz_err *err)
{
    struct sheet_lines *x = data;
    if (fputs(l->json, x->fp) == EOF || fputc('\n', x->fp) == EOF)
        return hz_err_set(err, errno == ENOSPC ? HZ_ENOSPC : HZ_EIO,
                          "temporary file: %s", strerror(errno));
    x->n++;
    return 0;
}

int sheet_csv_of_write(FILE *fp, void *data, bool zh)
{
    const struct sheet_csv_of *k = data;
    return k->csv(fp, k->rep, zh);
}

int sheet_rows_skip(void *data, const char *json, struct hz_err *err)
{
    (void)data;
    (void)json;
    (void)err;
    return 0;
}

int sheet_rows_add(void *data, const char *json, struct hz_err *err)
{
    struct hz_explain_line l = {.json = json};
    return sheet_lines_add(data, &l, err);
}

int sheet_disaster_xlsx_lines(const char *path, json_t *rep, FILE *lines,
                              size_t n, struct hz_err *err)
{
    struct sheet_src src = {.fp = lines};
    int rv = disaster_xlsx(path, rep, true, &src, n, err);
    sheet_src_done(&src);
    return rv;
}

/* ---- a disaster report submitted (proto/reports.md, "Submitted
 * reports") */

int sheet_report_submit(json_t *rep, sheet_put_fn put, void *data, char *id,
                        struct hz_err *err)
{
    char when[24];
    snprintf(when, sizeof when, "%lld",
             (long long)json_integer_value(json_object_get(rep, "made")));
    const char *area = json_string_value(json_object_get(rep, "area"));
    struct hz_field head[4] = {
        {"date", json_string_value(json_object_get(rep, "date"))},
        {"kind", json_string_value(json_object_get(rep, "kind"))},
        {"time", when},
        {"area", area}};
    int code = put(data, "reports", area != NULL ? 4 : 3, head, id, err);
    size_t i;
    json_t *row;
    json_array_foreach(json_object_get(rep, "rows"), i, row)
    {
        if (code != 0)
            break;
        struct hz_field f[SHEET_N_FIGS + 3];
        char *num[SHEET_N_FIGS] = {0};
        size_t n = 0;
        f[n++] = (struct hz_field){"report", id};
        f[n++] = (struct hz_field){
            "level", json_string_value(json_object_get(row, "level"))};
        const char *v = json_string_value(json_object_get(row, "village"));
        if (v != NULL)
            f[n++] = (struct hz_field){"village", v};
        for (size_t k = 0; k < SHEET_N_FIGS; k++) {
            num[k] =
                sheet_number_text(json_object_get(row, sheet_figs[k].key),
                                  strcmp(sheet_figs[k].key, "crops_mu") == 0);
            f[n++] = (struct hz_field){sheet_figs[k].key, num[k] ? num[k] : ""};
        }
        code = put(data, "report_figures", n, f, NULL, err);
        for (size_t k = 0; k < SHEET_N_FIGS; k++)
            free(num[k]);
    }
    return code;
}

/* ---- the household relief list (应急统表10) */

static const char *const relief_keys[] = {
    "D03001", "D03002", "D03003", "D03004", "D03005",
    "D03006", "D03007", "D03008", "D03009", "D03010"};
const char *const sheet_relief_zh[10] = {
    "户主姓名", "户主身份证号",   "联系电话",
    "家庭类型", "家庭人口",       "家庭住址",
    "救助人口", "发放救助金(元)", "发放救助物资折款(元)",
    "发放形式"};

/* The same cells for CSV and XLSX: village, D03001 .. D03010, the rows
 * then the total (`合计`); (nr + 1) * 11 of them, or NULL. */
static char **relief_cells(json_t *rep, size_t *nr)
{
    json_t *rows = json_object_get(rep, "rows");
    *nr = json_array_size(rows);
    char **cells = calloc((*nr + 1) * 11, sizeof *cells);
    for (size_t i = 0; cells != NULL && i <= *nr; i++) {
        json_t *row =
            i < *nr ? json_array_get(rows, i) : json_object_get(rep, "total");
        cells[i * 11] =
            i < *nr ? cell_of(json_object_get(row, "village")) : strdup("合计");
        for (size_t k = 0; k < 10; k++)
            cells[i * 11 + 1 + k] =
                cell_of(json_object_get(row, relief_keys[k]));
    }
    return cells;
}

int sheet_relief_csv(FILE *fp, json_t *rep, bool zh)
{
    (void)zh; /* its headings are the statistics system's, in zh */
    size_t nr;
    char **cells = relief_cells(rep, &nr);
    if (cells == NULL) {
        errno = ENOMEM;
        return -1;
    }
    const char *head[11] = {"村/社区"};
    for (size_t k = 0; k < 10; k++)
        head[k + 1] = sheet_relief_zh[k];
    int rv = csv_table(fp, true, head, cells, nr + 1, 11);
    cells_free(cells, (nr + 1) * 11);
    return rv;
}

int sheet_relief_xlsx(const char *path, json_t *rep, struct hz_err *err)
{
    size_t nr;
    char **cells = relief_cells(rep, &nr);
    struct sheet_value *v =
        cells != NULL ? calloc((nr + 4) * 11, sizeof *v) : NULL;
    if (v == NULL) {
        cells_free(cells, cells != NULL ? (nr + 1) * 11 : 0);
        return hz_err_set(err, HZ_ENOMEM, "out of memory");
    }
    v[0] = TEXT_V("因灾救助家庭情况表");
    v[11] = TEXT_V("");
    v[22] = TEXT_V("村/社区");
    for (size_t k = 0; k < 10; k++) {
        v[11 + 1 + k] = TEXT_V(relief_keys[k]);
        v[22 + 1 + k] = TEXT_V(sheet_relief_zh[k]);
    }
    for (size_t i = 0; i <= nr; i++)
        for (size_t k = 0; k < 11; k++) {
            const char *t = cells[i * 11 + k];
            /* Counts as numbers; amounts keep their 2 decimals as
             * numbers too. */
            bool num = k == 5 || k == 7 || k == 8 || k == 9;
            v[(3 + i) * 11 + k] = num && t != NULL && t[0] != '\0'
                                      ? REAL_V(strtod(t, NULL))
                                      : TEXT_V(t != NULL ? t : "");
        }
    static const struct sheet_merge title[] = {{0, 0, 0, 10}};
    struct sheet_out s = {"救助发放", nr + 4, 11, v,    1,   2,
                          title,      1,      0,  NULL, NULL};
    int rv = sheet_write_xlsx(path, &s, 1, err);
    free(v);
    cells_free(cells, (nr + 1) * 11);
    return rv;
}

/* ---- the recovery report (恢复重建进度; proto/reports.md) */

static const char *const recovery_keys[8] = {
    "village", "damaged",      "collapsed", "severe",
    "general", "with_measure", "started",   "done"};
const char *const sheet_recovery_zh[8] = {
    "村/社区",  "房屋受损户",        "倒塌",   "严重损坏",
    "一般损坏", "已有修缮/重建措施", "已开工", "已完工"};
const char *const sheet_recovery_en[8] = {"village", "damaged", "collapsed",
                                          "severe",  "general", "with measure",
                                          "started", "done"};

/* The villages' rows and the total row ("合计", or "total" in English)
 * as text, 8 cells each, *@nr the villages. */
static char **recovery_cells(json_t *rep, bool zh, size_t *nr)
{
    json_t *rows = json_object_get(rep, "villages");
    *nr = json_array_size(rows);
    char **cells = calloc((*nr + 1) * 8, sizeof *cells);
    for (size_t i = 0; cells != NULL && i <= *nr; i++) {
        json_t *row =
            i < *nr ? json_array_get(rows, i) : json_object_get(rep, "total");
        cells[i * 8] = i < *nr ? cell_of(json_object_get(row, "village"))
                               : strdup(zh ? "合计" : "total");
        for (size_t k = 1; k < 8; k++)
            cells[i * 8 + k] = cell_of(json_object_get(row, recovery_keys[k]));
    }
    for (size_t k = 0; cells != NULL && k < (*nr + 1) * 8; k++)
        if (cells[k] == NULL) {
            cells_free(cells, (*nr + 1) * 8);
            return NULL;
        }
    return cells;
}

int sheet_recovery_csv(FILE *fp, json_t *rep, bool zh)
{
    size_t nr;
    char **cells = recovery_cells(rep, zh, &nr);
    if (cells == NULL) {
        errno = ENOMEM;
        return -1;
    }
    int rv = csv_table(fp, true, zh ? sheet_recovery_zh : sheet_recovery_en,
                       cells, nr + 1, 8);
    cells_free(cells, (nr + 1) * 8);
    return rv;
}

int sheet_recovery_xlsx(const char *path, json_t *rep, struct hz_err *err)
{
    size_t nr;
    char **cells = recovery_cells(rep, true, &nr);
    struct sheet_value *v =
        cells != NULL ? calloc((nr + 3) * 8, sizeof *v) : NULL;
    if (v == NULL) {
        cells_free(cells, cells != NULL ? (nr + 1) * 8 : 0);
        return hz_err_set(err, HZ_ENOMEM, "out of memory");
    }
    v[0] = TEXT_V("恢复重建进度(住房修缮/重建)");
    for (size_t k = 1; k < 8; k++)
        v[k] = EMPTY_V;
    for (size_t k = 0; k < 8; k++)
        v[8 + k] = TEXT_V(sheet_recovery_zh[k]);
    for (size_t i = 0; i <= nr; i++)
        for (size_t k = 0; k < 8; k++) {
            const char *t = cells[i * 8 + k];
            v[(2 + i) * 8 + k] =
                k > 0 ? INT_V(strtoll(t, NULL, 10)) : TEXT_V(t);
        }
    static const struct sheet_merge title[] = {{0, 0, 0, 7}};
    struct sheet_out s = {"恢复重建进度", nr + 3, 8, v,    1,   1,
                          title,          1,      0, NULL, NULL};
    int rv = sheet_write_xlsx(path, &s, 1, err);
    free(v);
    cells_free(cells, (nr + 1) * 8);
    return rv;
}

/* ---- completeness (不遗漏一户一人) */

const char *sheet_line_label(json_t *l, bool zh)
{
    const char *k = json_string_value(json_object_get(l, "kind"));
    bool warned = json_integer_value(json_object_get(l, "warned")) != 0;
    if (k != NULL && strcmp(k, "missing") == 0)
        return zh ? "失踪" : "missing";
    if (k != NULL && strcmp(k, "whereabouts") == 0)
        return zh ? "下落不明" : "whereabouts unknown";
    if (k != NULL && strcmp(k, "unreachable") == 0)
        return warned ? (zh ? "已通知但未找到" : "warned, not found")
                      : (zh ? "未联系上" : "unreachable");
    return zh ? "从未联系" : "never contacted";
}

int sheet_completeness_csv(FILE *fp, json_t *rep, bool zh)
{
    json_t *villages = json_object_get(rep, "villages");
    size_t i, k, n = 0;
    json_t *v, *l;
    json_array_foreach(villages, i, v)
    {
        n += json_array_size(json_object_get(v, "lines"));
    }
    char **cells = calloc(n * 8 + 1, sizeof *cells);
    if (cells == NULL) {
        errno = ENOMEM;
        return -1;
    }
    size_t r = 0;
    json_array_foreach(villages, i, v)
    {
        json_array_foreach(json_object_get(v, "lines"), k, l)
        {
            char **row = &cells[r++ * 8];
            json_t *vi = json_object_get(l, "village");
            row[0] = strdup(json_is_string(vi) ? json_string_value(vi)
                                               : "(未填写村/社区)");
            row[1] = strdup(sheet_line_label(l, zh));
            row[2] = strdup(
                json_integer_value(json_object_get(l, "vulnerable")) != 0 ? "是"
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
    int rv = csv_table(fp, true, head, cells, n, 8);
    cells_free(cells, n * 8);
    return rv;
}

/* ---- HXL: the heading row, the hashtag row, then the rows; no
 * byte-order mark (HXL tools read the first heading as it is). */

int sheet_hxl_csv(FILE *fp, json_t *rep, bool zh)
{
    (void)zh; /* its headings are the statistics system's, in zh */
    json_t *cols = json_object_get(rep, "columns"),
           *rows = json_object_get(rep, "rows");
    size_t nc = json_array_size(cols), nr = json_array_size(rows);
    char **cells = calloc((nr + 2) * nc + 1, sizeof *cells);
    if (cells == NULL) {
        errno = ENOMEM;
        return -1;
    }
    for (size_t k = 0; k < nc; k++) {
        json_t *col = json_array_get(cols, k);
        cells[k] = cell_of(json_object_get(col, "heading"));
        cells[nc + k] = cell_of(json_object_get(col, "tag"));
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        for (size_t k = 0; k < nc; k++)
            cells[(i + 2) * nc + k] = cell_of(json_array_get(row, k));
    }
    int rv = csv_table(fp, false, NULL, cells, nr + 2, nc);
    cells_free(cells, (nr + 2) * nc);
    return rv;
}

/* ---- PFIF 1.4 */

bool sheet_pfif_domain_ok(const char *domain)
{
    for (const char *p = domain; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '-') ||
            p - domain > 200)
            return false;
    return true;
}

static const char *pfif_text(const char *status)
{
    if (status == NULL)
        return "";
    if (strcmp(status, "believed_dead") == 0)
        return "因灾死亡 (deceased)";
    if (strcmp(status, "believed_missing") == 0)
        return "失踪 (missing)";
    if (strcmp(status, "information_sought") == 0)
        return "下落尚未落实 (whereabouts not yet known)";
    return "已落实 (accounted for)";
}

int sheet_pfif_report(const char *path, json_t *rep, const char *domain,
                      int64_t now, struct hz_err *err)
{
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
    int rv;
    if (pp == NULL || owned == NULL) {
        rv = hz_err_set(err, HZ_ENOMEM, "out of memory");
    } else {
        char when[32];
        time_t t = (time_t)now;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        rv = sheet_write_pfif(path, "huzhu", when, pp, n, err);
    }
    for (size_t k = 0; owned != NULL && k < 4 * n; k++)
        free(owned[k]);
    free(owned);
    free(pp);
    return rv;
}
