/* cmd_recovery.c - recovery plans (一户一策) for people: plan
 * add|progress|cancel|show|ls and report recovery. The lists come from
 * the library (hz_node_report "recovery_open", "recovery_plan",
 * "recovery"), as the web's do. What the log cannot judge (a household or
 * measure that does not exist, progress on a cancelled measure, an
 * amount that is no sum of money, progress with neither a percent nor
 * done) is refused before anything is written, in Chinese first; the
 * node checks progress on a cancelled measure again
 * (recovery_check_write). proto/cli.md is the contract; proto/schema.md,
 * "Recovery plans (一户一策)", and proto/reports.md, "The recovery
 * report", the figures. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int cmd_plan_add(struct cli *c, struct form *f)
{
    char agreed[24], fen[24];
    int rv = cli_when_text(c, f, "--agreed", agreed);
    long long due = 0;
    if (rv == EXIT_OK)
        rv = cli_when_opt(c, f, "--due", &due);
    if (rv != EXIT_OK)
        return rv;
    const char *amount = form_get(f, "--amount");
    if (amount != NULL && (!cli_yuan_to_fen(amount, fen, sizeof fen) ||
                           strtoll(fen, NULL, 10) <= 0))
        return cli_usage(c, f,
                         cli_tr(c,
                                "--amount 须为正的金额(元)，最多两位小数，"
                                "如 20000 或 1200.50",
                                "--amount is a positive sum in yuan with at"
                                " most two decimals, such as 20000 or"
                                " 1200.50"));
    rv = cli_must_exist(c, "households", form_get(f, "HOUSEHOLD"), "住户",
                        "household");
    if (rv != EXIT_OK)
        return rv;
    char due_text[24];
    snprintf(due_text, sizeof due_text, "%lld", due);
    struct hz_field extra[3] = {{"agreed", agreed}};
    size_t n = 1;
    if (form_get(f, "--due") != NULL)
        extra[n++] = (struct hz_field){"due", due_text};
    if (amount != NULL)
        extra[n++] = (struct hz_field){"amount_fen", fen};
    return cli_put_row(c, f, "recovery_measures", form_get(f, "--id"), n,
                       extra);
}

/* Whether the measure row @row (hz_node_get's JSON) is cancelled. */
static bool is_cancelled(json_t *row)
{
    json_t *v = json_object_get(row, "cancelled");
    if (v == NULL && json_is_object(json_object_get(row, "fields")))
        v = json_object_get(json_object_get(row, "fields"), "cancelled");
    return json_is_true(v) || json_integer_value(v) != 0;
}

int cmd_plan_progress(struct cli *c, struct form *f)
{
    if (form_get(f, "--percent") == NULL && form_get(f, "--done") == NULL)
        return cli_usage(c, f,
                         cli_tr(c, "须给出 --percent 或 --done",
                                "give --percent or --done"));
    char at[24];
    int rv = cli_when_text(c, f, "--time", at);
    if (rv != EXIT_OK)
        return rv;
    json_t *m = cli_live_row(c, "recovery_measures", form_get(f, "MEASURE"),
                             "措施", "measure", &rv);
    if (m == NULL)
        return rv;
    bool cancelled = is_cancelled(m);
    json_decref(m);
    if (cancelled)
        return cli_refused(c, EXIT_INPUT, "该措施已取消，不能再记录进展",
                           "the measure is cancelled: no progress on it");
    struct hz_field extra[2] = {{"time", at}};
    size_t n = 1;
    if (form_get(f, "--done") != NULL)
        extra[n++] = (struct hz_field){"done", "true"};
    return cli_put_row(c, f, "recovery_progress", form_get(f, "--id"), n,
                       extra);
}

int cmd_plan_cancel(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "MEASURE");
    int rv = cli_must_exist(c, "recovery_measures", id, "措施", "measure");
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[] = {{"cancelled", "true"}};
    return cli_put_row(c, f, "recovery_measures", id, 1, extra);
}

/* The measures @rows as a table (@with_household: the open list's
 * columns). */
static void print_measures(const struct cli *c, json_t *rows,
                           bool with_household)
{
    static const char *const cols[] = {
        "village", "head_name", "kind",        "what",  "cadre",  "age_days",
        "due",     "progress",  "amount_yuan", "state", "measure"};
    static const char *const zh[] = {
        "村/社区",  "户主",    "措施",     "内容", "责任人", "已过天数",
        "计划完成", "进度(%)", "金额(元)", "状态", "编号"};
    static const char *const en[] = {
        "village", "head",     "measure",       "what",  "cadre", "days",
        "due",     "progress", "amount (yuan)", "state", "id"};
    static const char *const fmt[] = {
        "", "", "e:recovery_measures.kind", "", "", "", "t", "", "", "", ""};
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *age = json_object_get(r, "age");
        if (json_is_integer(age))
            json_object_set_new(r, "age_days",
                                json_integer(json_integer_value(age) / 86400));
        const char *state = json_is_true(json_object_get(r, "done")) ? "done"
                            : json_is_true(json_object_get(r, "cancelled"))
                                ? "cancelled"
                                : "open";
        static const char *const zh_state[] = {"已完成", "已取消", "进行中"};
        size_t s = strcmp(state, "done") == 0        ? 0
                   : strcmp(state, "cancelled") == 0 ? 1
                                                     : 2;
        json_object_set_new(r, "state",
                            json_string(cli_tr(c, zh_state[s], state)));
    }
    static const char *const fen[] = {"amount_fen"};
    cli_yuan_of(rows, fen, 1);
    json_array_foreach(rows, i, r)
    {
        if (!json_is_integer(json_object_get(r, "amount_fen")))
            json_object_del(r, "amount_fen_yuan");
        json_t *y = json_object_get(r, "amount_fen_yuan");
        if (y != NULL)
            json_object_set(r, "amount_yuan", y);
    }
    size_t skip = with_household ? 0 : 2;
    cli_print_table(c, rows, cols + skip, (c->lang == LANG_ZH ? zh : en) + skip,
                    fmt + skip, 11 - skip);
}

int cmd_plan_ls(struct cli *c, struct form *f)
{
    long long at = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--at", &at);
    if (rv != EXIT_OK)
        return rv;
    struct hz_report_opts o = {.now = (int64_t)at,
                               .village = form_get(f, "--village")};
    json_t *rep = NULL;
    rv = cli_report(c, "recovery_open", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json) {
        cli_print_json_obj(rep);
    } else {
        print_measures(c, json_object_get(rep, "measures"), true);
        printf(
            TR_FMT(c, "未完成措施 %lld 项，涉及 %lld 户\n",
                   "%lld open measures of %lld households\n"),
            (long long)json_integer_value(json_object_get(rep, "open")),
            (long long)json_integer_value(json_object_get(rep, "households")));
    }
    json_decref(rep);
    return EXIT_OK;
}

/* The household, its damage and each measure with its history, for
 * people. */
static void print_plan(const struct cli *c, json_t *rep)
{
    json_t *h = json_object_get(rep, "household");
    const char *head = json_string_value(json_object_get(h, "head_name"));
    const char *village = json_string_value(json_object_get(h, "village"));
    printf("%s: %s  %s: %s\n", cli_tr(c, "户主", "head"),
           head != NULL ? head : "-", cli_tr(c, "村/社区", "village"),
           village != NULL ? village : "-");
    json_t *d = json_object_get(rep, "damage");
    if (json_is_object(d)) {
        json_t *one = json_pack("[O]", d);
        static const char *const cols[] = {"house", "rooms", "loss_yuan",
                                           "time"};
        static const char *const zh[] = {"房屋损坏", "损坏间数",
                                         "直接经济损失(元)", "评估时间"};
        static const char *const en[] = {"house", "rooms", "loss (yuan)",
                                         "assessed"};
        static const char *const fmt[] = {"e:damage.house", "", "", "t"};
        cli_print_table(c, one, cols, c->lang == LANG_ZH ? zh : en, fmt, 4);
        json_decref(one);
    } else {
        printf("%s\n", cli_tr(c, "尚无灾损评估", "no damage assessment"));
    }
    printf(TR_FMT(c, "需紧急生活救助: %s\n", "needs emergency aid: %s\n"),
           json_is_true(json_object_get(h, "needs_aid"))
               ? cli_tr(c, "是", "yes")
               : cli_tr(c, "否", "no"));
    json_t *ms = json_object_get(rep, "measures");
    print_measures(c, ms, false);
    size_t i;
    json_t *m;
    json_array_foreach(ms, i, m)
    {
        json_t *hist = json_object_get(m, "history");
        if (json_array_size(hist) == 0)
            continue;
        printf(TR_FMT(c, "措施 %s 的进展:\n", "progress of %s:\n"),
               json_string_value(json_object_get(m, "measure")));
        static const char *const cols[] = {"time", "percent", "done", "by",
                                           "note"};
        static const char *const zh[] = {"时间", "完成(%)", "已完成", "记录人",
                                         "进展情况"};
        static const char *const en[] = {"time", "percent", "done", "by",
                                         "note"};
        static const char *const fmt[] = {"t", "", "b", "", ""};
        cli_print_table(c, hist, cols, c->lang == LANG_ZH ? zh : en, fmt, 5);
    }
}

int cmd_plan_show(struct cli *c, struct form *f)
{
    const char *id = form_get(f, "HOUSEHOLD");
    int rv = cli_must_exist(c, "households", id, "住户", "household");
    struct hz_report_opts o = {.now = (int64_t)time(NULL), .id = id};
    json_t *rep = NULL;
    if (rv == EXIT_OK)
        rv = cli_report(c, "recovery_plan", &o, &rep);
    if (rv != EXIT_OK)
        return rv;
    if (c->json)
        cli_print_json_obj(rep);
    else
        print_plan(c, rep);
    json_decref(rep);
    return EXIT_OK;
}
