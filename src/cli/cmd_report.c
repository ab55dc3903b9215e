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
#include <strings.h>
#include <time.h>

/* The disaster report's figures in their order, with their headings
 * (proto/reports.md, "Figures"; sheet_figs), and the layouts of the
 * files are in src/sheet/report_out.c, shared with the web. */

static const char *kind_label(const struct cli *c, const char *kind)
{
    if (c->lang == LANG_ZH || !sheet_report_kind_ok(kind))
        return sheet_kind_zh(kind);
    return kind;
}

static const char *fig_label(const struct cli *c, const char *key)
{
    for (size_t i = 0; i < SHEET_N_FIGS; i++)
        if (strcmp(sheet_figs[i].key, key) == 0)
            return cli_tr(c, sheet_figs[i].zh, sheet_figs[i].en);
    return key;
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

enum report_format { FORMAT_TABLE, FORMAT_JSON, FORMAT_CSV, FORMAT_XLSX };

/* The format a file's name says: .csv, .xlsx or .json, any case. */
static bool format_of_name(const char *path, enum report_format *out)
{
    static const char *const ext[] = {".json", ".csv", ".xlsx"};
    size_t len = strlen(path);
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(ext[i]);
        if (len > n && strcasecmp(path + len - n, ext[i]) == 0) {
            *out = (enum report_format)(FORMAT_JSON + i);
            return true;
        }
    }
    return false;
}

/* --format (default: JSON with --json, else a table; with --out and no
 * --format, the file name's .csv, .xlsx or .json), checked with --out: a
 * table is for the screen, so --out with a table is refused rather than
 * ignored. EXIT_OK or the usage error. */
static int report_format(struct cli *c, struct form *f, enum report_format *out)
{
    static const char *const names[] = {"table", "json", "csv", "xlsx"};
    const char *format = form_get(f, "--format"), *path = form_get(f, "--out");
    *out = c->json ? FORMAT_JSON : FORMAT_TABLE;
    if (format == NULL && path != NULL && !c->json &&
        !format_of_name(path, out))
        return cli_usage(
            c, f,
            cli_tr(c,
                   "--out 的文件名须以 .csv、.xlsx 或 .json 结尾，"
                   "或用 --format 指明格式",
                   "--out needs a name ending .csv, .xlsx or .json, or a "
                   "--format"));
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
    if (c->json && *out != FORMAT_JSON && path == NULL) {
        char why[160];
        snprintf(
            why, sizeof why,
            TR_FMT(
                c,
                "--json 输出 JSON，不能与 --format %s 同用(写文件请加 --out)",
                "--json prints JSON: not with --format %s (add --out "
                "for a file)"),
            names[*out]);
        return cli_usage(c, f, why);
    }
    if (*out == FORMAT_TABLE && path != NULL)
        return cli_usage(
            c, f,
            cli_tr(
                c,
                "表格只显示在屏幕上；写入文件请用 --format json、csv 或 xlsx",
                "a table is for the screen: --out takes json, "
                "csv or xlsx"));
    if (*out == FORMAT_XLSX && path == NULL)
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

/* A report laid out by @csv (src/sheet/report_out.c), to @path or
 * stdout. */
static int write_csv(struct cli *c, const char *path, json_t *rep, bool zh,
                     int (*csv)(FILE *fp, json_t *rep, bool zh))
{
    char tmp[CLI_PATH_LEN_MAX + 8];
    FILE *fp = out_open(path, tmp, sizeof tmp);
    if (fp == NULL)
        return out_failed(c, path);
    errno = 0;
    bool ok = csv(fp, rep, zh) == 0;
    if (!ok && errno == ENOMEM && path == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    return out_close(c, fp, path, tmp, ok);
}

/* @rep as the file @format names (JSON, CSV laid out by @csv, XLSX by
 * @xlsx), to @path (required for XLSX) or stdout; "已写入 PATH" after a
 * file for a person. */
static int
write_report(struct cli *c, enum report_format format, const char *path,
             json_t *rep, bool zh, int (*csv)(FILE *fp, json_t *rep, bool zh),
             int (*xlsx)(const char *path, json_t *rep, struct hz_err *err))
{
    int rv;
    if (format == FORMAT_JSON) {
        rv = write_json(c, rep, path);
    } else if (format == FORMAT_CSV) {
        rv = write_csv(c, path, rep, zh, csv);
    } else {
        struct hz_err err = {0};
        rv = xlsx(path, rep, &err);
        rv = rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
    }
    if (rv == EXIT_OK && path != NULL && !c->json)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), path);
    return rv;
}

/* ---- the disaster report */

/* The lists behind the figures (--explain) as the library gives them,
 * line by line, kept in an unnamed temporary file rather than in memory
 * (a township of 100,000 households has over a million lines), then
 * spliced into the JSON or read into the XLSX. */
/* @rep as JSON with @key ("explain", "ledger"): the lines of @x, to
 * @path or stdout. */
int cli_json_lines(struct cli *c, json_t *rep, struct sheet_lines *x,
                   const char *key, const char *path)
{
    char *head = rep != NULL ? json_dumps(rep, JSON_COMPACT) : NULL;
    if (rep != NULL && head == NULL)
        return cli_fail(c, HZ_ENOMEM, NULL);
    char tmp[CLI_PATH_LEN_MAX + 8];
    FILE *fp = out_open(path, tmp, sizeof tmp);
    if (fp == NULL) {
        free(head);
        return out_failed(c, path);
    }
    size_t len = head != NULL ? strlen(head) : 0; /* "{...}": closed */
    bool ok = head == NULL
                  ? fputc('[', fp) != EOF
                  : len >= 2 && fwrite(head, 1, len - 1, fp) == len - 1 &&
                        fprintf(fp, "%s\"%s\":[", len > 2 ? "," : "", key) > 0;
    free(head);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    rewind(x->fp);
    for (size_t i = 0; ok && (got = getline(&line, &cap, x->fp)) > 0; i++) {
        if (line[got - 1] == '\n')
            line[--got] = '\0';
        ok = (i == 0 || fputc(',', fp) != EOF) &&
             fwrite(line, 1, (size_t)got, fp) == (size_t)got;
    }
    free(line);
    ok = ok && !ferror(x->fp) && fputs(rep != NULL ? "]}\n" : "]\n", fp) != EOF;
    return out_close(c, fp, path, tmp, ok);
}

static int disaster_xlsx(struct cli *c, json_t *rep, struct sheet_lines *x,
                         const char *path)
{
    struct hz_err err = {0};
    int rv = 0;
    if (x->fp != NULL) {
        rewind(x->fp);
        rv = sheet_disaster_xlsx_lines(path, rep, x->fp, x->n, &err);
    } else {
        rv = sheet_disaster_xlsx(path, rep, &err);
    }
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
    const char *cols[SHEET_N_FIGS + 1] = {"_village"};
    const char *heads[SHEET_N_FIGS + 1] = {cli_tr(c, "村/社区", "village")};
    for (size_t k = 0; k < SHEET_N_FIGS; k++) {
        cols[k + 1] = sheet_figs[k].key;
        heads[k + 1] = cli_tr(c, sheet_figs[k].zh, sheet_figs[k].en);
    }
    size_t i;
    json_t *row;
    json_array_foreach(rows, i, row)
    {
        json_object_set_new(row, "_village",
                            json_string(sheet_village_text(row)));
        char *crops = sheet_number_text(json_object_get(row, "crops_mu"), true);
        json_object_set_new(row, "crops_mu", json_string(crops ? crops : "?"));
        free(crops);
    }
    cli_print_table(c, rows, cols, heads, NULL, SHEET_N_FIGS + 1);
    json_decref(rows);
    json_t *prev = json_object_get(rep, "previous");
    if (json_is_object(prev)) {
        json_t *changes = json_object_get(prev, "changes");
        json_t *total = json_array_get(changes, json_array_size(changes) - 1);
        printf(TR_FMT(c, "较上次上报(%s %s)：", "since the report of %s (%s):"),
               json_string_value(json_object_get(prev, "date")),
               kind_label(c, json_string_value(json_object_get(prev, "kind"))));
        bool any = false;
        for (size_t k = 0; k < SHEET_N_FIGS; k++) {
            json_t *d = json_object_get(total, sheet_figs[k].key);
            if (json_number_value(d) == 0)
                continue;
            any = true;
            if (json_is_real(d))
                printf(" %s %+.2f",
                       cli_tr(c, sheet_figs[k].zh, sheet_figs[k].en),
                       json_real_value(d));
            else
                printf(" %s %+lld",
                       cli_tr(c, sheet_figs[k].zh, sheet_figs[k].en),
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

static int put_row(void *data, const char *table, size_t n,
                   const struct hz_field *f, char *id_out, struct hz_err *err)
{
    return hz_batch_put(data, table, NULL, n, f, id_out, err);
}

/* --submit: the report's rows as one entry (proto/reports.md, "Submitted
 * reports"; the rows by sheet_report_submit, as the web writes them);
 * the new report's id into @id (33 bytes). */
static int submit(struct cli *c, json_t *rep, char *id)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int code = hz_batch_open(c->node, &b, &err);
    if (code == 0)
        code = sheet_report_submit(rep, put_row, b, id, &err);
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
    if (!sheet_report_kind_ok(kind))
        return cli_usage(c, f,
                         cli_tr(c, "--kind 只能是 initial、daily 或 verified",
                                "--kind is initial, daily or verified"));
    char today[16];
    if (date == NULL) {
        sheet_local_time((int64_t)time(NULL), true, today, sizeof today);
        date = today;
    } else if (!sheet_date_ok(date)) {
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
    /* The lists go through a temporary file for JSON and XLSX; a table
     * (for a person to read) takes them as the JSON array. */
    struct sheet_lines x = {0};
    if (o.explain && (json || format == FORMAT_XLSX)) {
        x.fp = tmpfile();
        if (x.fp == NULL)
            return out_failed(c, "tmpfile");
        o.explain_fn = sheet_lines_add;
        o.explain_data = &x;
    }
    json_t *rep = NULL;
    int rv = cli_report(c, "disaster", &o, &rep);
    if (rv != EXIT_OK) {
        if (x.fp != NULL)
            fclose(x.fp);
        return rv;
    }
    char id[33] = "";
    rv = EXIT_OK;
    if (form_get(f, "--submit") != NULL && out != NULL) {
        /* --out that cannot be written refuses before the report is
         * signed and recorded: a retry would record it twice */
        char tmp[CLI_PATH_LEN_MAX + 8];
        FILE *probe = out_open(out, tmp, sizeof tmp);
        if (probe == NULL)
            rv = out_failed(c, out);
        else if (fclose(probe) != 0 || remove(tmp) != 0)
            rv = out_failed(c, out);
    }
    if (rv == EXIT_OK && form_get(f, "--submit") != NULL) {
        rv = submit(c, rep, id);
        if (rv == EXIT_OK)
            json_object_set_new(rep, "submitted", json_string(id));
    }
    if (rv == EXIT_OK && json)
        rv = x.fp != NULL ? cli_json_lines(c, rep, &x, "explain", out)
                          : write_json(c, rep, out);
    else if (rv == EXIT_OK && format == FORMAT_CSV)
        rv = write_csv(c, out, rep, true, sheet_disaster_csv);
    else if (rv == EXIT_OK && format == FORMAT_XLSX)
        rv = disaster_xlsx(c, rep, &x, out);
    else if (rv == EXIT_OK)
        disaster_table(c, rep);
    if (rv == EXIT_OK && out != NULL && !c->json)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    if (rv == EXIT_OK && id[0] != '\0' && !json)
        printf(TR_FMT(c, "已报送并签名记录: %s\n",
                      "submitted and recorded, signed: %s\n"),
               id);
    else if (rv != EXIT_OK && id[0] != '\0')
        fprintf(stderr,
                TR_FMT(c,
                       "huzhu: 报表已报送并签名记录: %s，文件未写成；"
                       "可用 huzhu report show %s 取回，不要重复报送\n",
                       "huzhu: the report was submitted and recorded, signed:"
                       " %s; the file was not written: huzhu report show %s"
                       " gives it, do not submit again\n"),
                id, id);
    json_decref(rep);
    if (x.fp != NULL)
        fclose(x.fp);
    return rv;
}

/* ---- the household relief list (应急统表10) */

static const char *const relief_keys[] = {
    "D03001", "D03002", "D03003", "D03004", "D03005",
    "D03006", "D03007", "D03008", "D03009", "D03010"};

int cmd_report_relief(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out");
    enum report_format format;
    int usage = report_format(c, f, &format);
    if (usage != EXIT_OK)
        return usage;
    struct hz_report_opts o = {.now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = cli_report(c, "relief", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *rows = json_object_get(rep, "rows");
    json_t *total = json_deep_copy(json_object_get(rep, "total"));
    json_object_set_new(total, "village", json_string("合计"));
    if (format != FORMAT_TABLE) {
        rv = write_report(c, format, out, rep, true, sheet_relief_csv,
                          sheet_relief_xlsx);
    } else {
        printf("%s\n", cli_tr(c, "因灾救助家庭情况表 (应急统表10)",
                              "household relief list (form 10)"));
        json_t *shown = json_deep_copy(rows);
        json_array_append(shown, total);
        const char *cols[11] = {"village"};
        const char *heads[11] = {cli_tr(c, "村/社区", "village")};
        for (size_t k = 0; k < 10; k++) {
            cols[k + 1] = relief_keys[k];
            heads[k + 1] = sheet_relief_zh[k];
        }
        cli_print_table(c, shown, cols, heads, NULL, 11);
        json_decref(shown);
    }
    json_decref(total);
    json_decref(rep);
    return rv;
}

/* ---- the recovery report (恢复重建进度; proto/reports.md) */

int cmd_report_recovery(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out");
    enum report_format format;
    int usage = report_format(c, f, &format);
    if (usage != EXIT_OK)
        return usage;
    struct hz_report_opts o = {.now = (int64_t)time(NULL),
                               .village = form_get(f, "--village")};
    json_t *rep = NULL;
    int rv = cli_report(c, "recovery", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    bool zh = c->lang == LANG_ZH;
    if (format != FORMAT_TABLE) {
        rv = write_report(c, format, out, rep, zh, sheet_recovery_csv,
                          sheet_recovery_xlsx);
    } else {
        static const char *const cols[] = {"village", "damaged", "collapsed",
                                           "severe",  "general", "with_measure",
                                           "started", "done"};
        json_t *rows = json_deep_copy(json_object_get(rep, "villages"));
        json_t *total = json_deep_copy(json_object_get(rep, "total"));
        json_object_set_new(total, "village",
                            json_string(cli_tr(c, "合计", "total")));
        json_array_append_new(rows, total);
        printf("%s\n", cli_tr(c, "恢复重建进度: 住房修缮/重建",
                              "recovery: housing repair and rebuilding"));
        cli_print_table(c, rows, cols,
                        zh ? sheet_recovery_zh : sheet_recovery_en, NULL, 8);
        json_decref(rows);
    }
    json_decref(rep);
    return rv;
}

/* ---- the donation disclosure (捐赠公示) */

/* The totals per currency and what was used per village, for people;
 * the lists are in --format csv or xlsx. */
static void print_disclosure(const struct cli *c, json_t *rep)
{
    json_t *org = json_object_get(rep, "organisation");
    printf("%s: %s\n", cli_tr(c, "捐赠公示", "donation disclosure"),
           json_is_object(org) ? json_string_value(json_object_get(org, "name"))
                               : cli_tr(c, "全乡镇(街道)", "the township"));
    json_t *totals = json_object_get(rep, "totals");
    static const char *const fen[] = {"received", "committed", "disbursed",
                                      "spent",    "used",      "balance",
                                      "amount"};
    cli_yuan_of(totals, fen, 6);
    static const char *const tc[] = {
        "currency",       "donations",      "received_yuan",
        "committed_yuan", "disbursed_yuan", "spent_yuan",
        "used_yuan",      "balance_yuan",   "overdrawn"};
    static const char *const tz[] = {"币种",     "捐赠笔数", "接收(元)",
                                     "分配(元)", "拨付(元)", "支出(元)",
                                     "使用(元)", "结余(元)", "超支笔数"};
    static const char *const te[] = {"currency",  "donations", "received",
                                     "committed", "disbursed", "spent",
                                     "used",      "balance",   "overdrawn"};
    static const char *const tf[] = {
        "e:donations.currency", "", "", "", "", "", "", "", ""};
    cli_print_table(c, totals, tc, c->lang == LANG_ZH ? tz : te, tf, 9);
    json_t *villages = json_object_get(rep, "villages");
    cli_yuan_of(villages, fen + 6, 1);
    static const char *const vc[] = {"village", "currency", "households",
                                     "amount_yuan", "transactions"};
    static const char *const vz[] = {"村/社区", "币种", "受助户数", "使用(元)",
                                     "笔数"};
    static const char *const ve[] = {"village", "currency", "households",
                                     "used", "transactions"};
    static const char *const vf[] = {"", "e:donations.currency", "", "", ""};
    if (json_array_size(villages) > 0)
        cli_print_table(c, villages, vc, c->lang == LANG_ZH ? vz : ve, vf, 5);
    printf(TR_FMT(c,
                  "捐赠 %zu 笔，使用记录 %lld 条；明细见 --format csv 或"
                  " xlsx\n",
                  "%zu donations, %lld ledger rows; the lists are in"
                  " --format csv or xlsx\n"),
           json_array_size(json_object_get(rep, "donations")),
           (long long)json_integer_value(json_object_get(rep, "ledger_count")));
}

/* A table shows the ledger's rows counted, not listed. */

/* The ledger's rows (100,000 in a township) go line by line into an
 * unnamed temporary file, never held at once, then spliced into the JSON
 * or read into the CSV or XLSX as they are written out. */
static int disclosure_out(struct cli *c, enum report_format format, json_t *rep,
                          struct sheet_lines *x, const char *out)
{
    rewind(x->fp);
    if (format == FORMAT_JSON)
        return cli_json_lines(c, rep, x, "ledger", out);
    if (format == FORMAT_XLSX) {
        struct hz_err err = {0};
        int rv = sheet_disclosure_xlsx(out, rep, x->fp, x->n, &err);
        return rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
    }
    char tmp[CLI_PATH_LEN_MAX + 8];
    FILE *fp = out_open(out, tmp, sizeof tmp);
    if (fp == NULL)
        return out_failed(c, out);
    bool ok =
        sheet_disclosure_csv(fp, rep, x->fp, x->n, c->lang == LANG_ZH) == 0;
    return out_close(c, fp, out, tmp, ok);
}

int cmd_report_disclosure(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out");
    enum report_format format;
    int usage = report_format(c, f, &format);
    if (usage != EXIT_OK)
        return usage;
    struct sheet_lines x = {0};
    struct hz_report_opts o = {.id = form_get(f, "--org"),
                               .now = (int64_t)time(NULL),
                               .rows_fn = sheet_rows_skip};
    if (format != FORMAT_TABLE) {
        x.fp = tmpfile();
        if (x.fp == NULL)
            return out_failed(c, "tmpfile");
        o.rows_fn = sheet_rows_add;
        o.rows_data = &x;
    }
    json_t *rep = NULL;
    int rv = cli_report(c, "disclosure", &o, &rep);
    if (rv == EXIT_OK && format != FORMAT_TABLE)
        rv = disclosure_out(c, format, rep, &x, out);
    else if (rv == EXIT_OK)
        print_disclosure(c, rep);
    if (rv == EXIT_OK && out != NULL && format != FORMAT_TABLE && !c->json)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    json_decref(rep);
    if (x.fp != NULL)
        fclose(x.fp);
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
        sheet_local_time(json_integer_value(json_object_get(r, "time")), false,
                         when, sizeof when);
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
                                json_string(sheet_village_text(row)));
        }
        const char *cols[SHEET_N_FIGS + 1] = {"_village"};
        const char *heads[SHEET_N_FIGS + 1] = {cli_tr(c, "村/社区", "village")};
        for (size_t j = 0; j < SHEET_N_FIGS; j++) {
            cols[j + 1] = sheet_figs[j].key;
            heads[j + 1] = cli_tr(c, sheet_figs[j].zh, sheet_figs[j].en);
        }
        cli_print_table(c, shown, cols, heads, NULL, SHEET_N_FIGS + 1);
        json_decref(shown);
    }
    json_decref(list);
    return EXIT_OK;
}

/* ---- completeness (不遗漏一户一人) */

static const char *line_label(const struct cli *c, json_t *l)
{
    return sheet_line_label(l, c->lang == LANG_ZH);
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
    int rv = cli_report(c, "completeness", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    json_t *villages = json_object_get(rep, "villages");
    size_t i, k;
    json_t *v, *l;
    if (format == FORMAT_JSON) {
        rv = write_json(c, rep, out);
    } else if (format == FORMAT_CSV) {
        rv = write_csv(c, out, rep, c->lang == LANG_ZH, sheet_completeness_csv);
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
    if (rv == EXIT_OK && out != NULL && !c->json)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
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
    int rv = cli_report(c, "hxl", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        rv = write_json(c, rep, out);
        json_decref(rep);
        return rv;
    }
    /* No byte-order mark: HXL tools read the first heading as is. */
    rv = write_csv(c, out, rep, true, sheet_hxl_csv);
    if (rv == EXIT_OK && out != NULL)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    json_decref(rep);
    return rv;
}

/* ---- PFIF 1.4 (proto/reports.md, "PFIF") */

int cmd_report_pfif(struct cli *c, struct form *f)
{
    const char *out = form_get(f, "--out"), *domain = form_get(f, "--domain");
    if (domain == NULL)
        domain = "huzhu.invalid";
    if (!sheet_pfif_domain_ok(domain))
        return cli_usage(c, f,
                         cli_tr(c,
                                "--domain 须为域名(小写字母、数字、点、横线)",
                                "--domain is a domain name (a-z, 0-9, ., -)"));
    struct hz_report_opts o = {.now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    int rv = cli_report(c, "pfif", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        rv = write_json(c, rep, out);
        json_decref(rep);
        return rv;
    }
    struct hz_err err = {0};
    rv = sheet_pfif_report(out, rep, domain, o.now, &err);
    rv = rv != 0 ? cli_fail(c, rv, &err) : EXIT_OK;
    if (rv == EXIT_OK && out != NULL)
        printf(TR_FMT(c, "已写入 %s\n", "written to %s\n"), out);
    json_decref(rep);
    return rv;
}
