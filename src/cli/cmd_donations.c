/* cmd_donations.c - donations and their use (捐赠) for people: donation
 * add|ls|show|reverse, ledger commit|disburse|spend|ls|reverse. Lists come
 * from the library's views (donations, ledger), as the web's do. What the
 * log cannot judge (a donation, organisation, item, relief payment, stock
 * move or match that does not exist, more than a donation has left, a
 * correction of a corrected row) is refused before anything is written
 * (DECISIONS 4; the node checks ledger rows and corrections again,
 * donations.c). Amounts are typed in yuan (元, two decimals at most) and
 * stored in fen. proto/cli.md is the contract. */
#include "cli.h"

#include "../sheet/sheet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* --amount as fen into *@fen and its text into @text (24 bytes); a usage
 * error for what is no amount. */
static int amount_opt(struct cli *c, struct form *f, long long *fen, char *text)
{
    if (!cli_yuan_to_fen(form_get(f, "--amount"), text, 24) ||
        (*fen = strtoll(text, NULL, 10)) <= 0)
        return cli_usage(c, f,
                         cli_tr(c,
                                "--amount 须为正的金额(元)，最多两位小数，"
                                "如 1200 或 1200.50",
                                "--amount is a positive sum in yuan with at"
                                " most two decimals, such as 1200 or"
                                " 1200.50"));
    return EXIT_OK;
}

/* --time (default now) into @text (24 bytes). */
static int time_opt(struct cli *c, struct form *f, char *text)
{
    long long t = (long long)time(NULL);
    int rv = cli_when_opt(c, f, "--time", &t);
    snprintf(text, 24, "%lld", t);
    return rv;
}

/* The correction of row @id of @table (an event table): a row that
 * reverses it, repeating its kind and amount (and the column @also when
 * not NULL) from its view row @row, at --time. */
static int put_reversal(struct cli *c, struct form *f, const char *table,
                        json_t *row, const char *id, const char *also)
{
    char amount[24], at[24];
    snprintf(amount, sizeof amount, "%lld",
             (long long)json_integer_value(json_object_get(row, "amount")));
    int rv = time_opt(c, f, at);
    if (rv != EXIT_OK)
        return rv;
    struct hz_field cols[5] = {
        {"amount", amount},
        {"kind", json_string_value(json_object_get(row, "kind"))},
        {"reverses", id},
        {"time", at}};
    size_t n = 4;
    if (also != NULL)
        cols[n++] = (struct hz_field){
            also, json_string_value(json_object_get(row, also))};
    return cli_put_row(c, f, table, form_get(f, "--id"), n, cols);
}

/* Each of @n options names a live row of its table, when given. */
static int refs_exist(struct cli *c, struct form *f,
                      const char *const (*refs)[4], size_t n)
{
    int rv = EXIT_OK;
    for (size_t k = 0; rv == EXIT_OK && k < n; k++)
        if (form_get(f, refs[k][0]) != NULL)
            rv = cli_must_exist(c, refs[k][1], form_get(f, refs[k][0]),
                                refs[k][2], refs[k][3]);
    return rv;
}

/* What a donation and a ledger row both take: --amount into *@fen and
 * @amount, --time into @at (24 bytes each), and @n_refs options naming
 * live rows. */
static int amount_time_refs(struct cli *c, struct form *f,
                            const char *const (*refs)[4], size_t n_refs,
                            long long *fen, char *amount, char *at)
{
    int rv = amount_opt(c, f, fen, amount);
    if (rv == EXIT_OK)
        rv = time_opt(c, f, at);
    if (rv == EXIT_OK)
        rv = refs_exist(c, f, refs, n_refs);
    return rv;
}

/* Each row's fen amounts @keys also as yuan text (KEY_yuan), its state
 * in words, and an anonymous donor as such. */
static void add_yuan(const struct cli *c, json_t *rows, const char *const *keys,
                     size_t n)
{
    cli_yuan_of(rows, keys, n);
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        bool over = json_integer_value(json_object_get(r, "overdrawn")) != 0;
        bool reversed = json_is_string(json_object_get(r, "reversed_by"));
        json_object_set_new(r, "state_text",
                            json_string(over ? cli_tr(c, "超支!", "overdrawn!")
                                        : reversed
                                            ? cli_tr(c, "已更正", "reversed")
                                            : ""));
        if (json_integer_value(json_object_get(r, "anonymous")) != 0)
            json_object_set_new(r, "donor",
                                json_string(cli_tr(c, "匿名", "anonymous")));
    }
}

/* ---- donations */

int cmd_donation_add(struct cli *c, struct form *f)
{
    bool goods = strcmp(form_get(f, "--kind"), "goods") == 0 ||
                 strcmp(form_get(f, "--kind"), "物资") == 0;
    bool named =
        form_get(f, "--goods") != NULL || form_get(f, "--item") != NULL;
    if (goods ? !named : named || form_get(f, "--qty") != NULL)
        return cli_usage(c, f,
                         cli_tr(c,
                                "物资捐赠须给出 --goods 或 --item；"
                                "资金捐赠不带 --goods、--item、--qty",
                                "goods name --goods or --item; money takes"
                                " no --goods, --item or --qty"));
    static const char *const refs[][4] = {
        {"--org", "organisations", "组织", "organisation"},
        {"--donor-org", "organisations", "组织", "organisation"},
        {"--item", "items", "物资品类", "item"},
        {"--stock-move", "stock_moves", "出入库记录", "stock move"},
    };
    long long fen;
    char amount[24], at[24];
    int rv = amount_time_refs(c, f, refs, sizeof refs / sizeof *refs, &fen,
                              amount, at);
    if (rv != EXIT_OK)
        return rv;
    struct hz_field extra[3] = {{"amount", amount}, {"time", at}};
    size_t n = 2;
    if (form_get(f, "--anonymous") != NULL)
        extra[n++] = (struct hz_field){"anonymous", "yes"};
    return cli_put_row(c, f, "donations", form_get(f, "--id"), n, extra);
}

static void print_donations(const struct cli *c, json_t *rows)
{
    static const char *const fen[] = {"received", "committed", "used",
                                      "balance"};
    add_yuan(c, rows, fen, 4);
    static const char *const cols[] = {
        "time",         "donor",          "kind",
        "currency",     "received_yuan",  "organisation_name",
        "restriction",  "committed_yuan", "used_yuan",
        "balance_yuan", "state_text",     "donation"};
    static const char *const zh[] = {
        "接收时间", "捐赠方", "类型",   "币种", "金额(元)", "受赠组织",
        "限定用途", "已分配", "已使用", "结余", "状态",     "编号"};
    static const char *const en[] = {
        "received",   "donor",     "kind", "currency", "amount", "received by",
        "restricted", "committed", "used", "balance",  "state",  "id"};
    static const char *const fmt[] = {"t",
                                      "",
                                      "e:donations.kind",
                                      "e:donations.currency",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      "",
                                      ""};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 12);
}

int cmd_donation_ls(struct cli *c, struct form *f)
{
    json_t *rows = NULL;
    int rv =
        cli_view_rows_by(c, "donations", "organisation", form_get(f, "--org"),
                         "organisations", "组织", "organisation", &rows);
    if (rv != EXIT_OK)
        return rv;
    if (form_get(f, "--overdrawn") != NULL) {
        json_t *keep = json_array();
        size_t i;
        json_t *r;
        json_array_foreach(rows, i, r)
        {
            if (json_integer_value(json_object_get(r, "overdrawn")) != 0)
                json_array_append(keep, r);
        }
        json_decref(rows);
        rows = keep;
    }
    if (c->json)
        cli_print_json_obj(rows);
    else
        print_donations(c, rows);
    json_decref(rows);
    return EXIT_OK;
}

static void print_ledger(const struct cli *c, json_t *rows)
{
    static const char *const fen[] = {"amount"};
    add_yuan(c, rows, fen, 1);
    static const char *const cols[] = {
        "time",       "kind",    "amount_yuan",       "currency",
        "purpose",    "village", "organisation_name", "reference",
        "state_text", "tx"};
    static const char *const zh[] = {"时间", "类型",    "金额(元)", "币种",
                                     "用途", "村/社区", "接收组织", "凭证号",
                                     "状态", "编号"};
    static const char *const en[] = {
        "time",    "kind",      "amount",  "currency", "purpose",
        "village", "receiving", "voucher", "state",    "id"};
    static const char *const fmt[] = {
        "t", "e:ledger.kind", "", "e:donations.currency", "", "", "", "", "",
        ""};
    cli_print_table(c, rows, cols, c->lang == LANG_ZH ? zh : en, fmt, 10);
}

int cmd_donation_show(struct cli *c, struct form *f)
{
    int rv;
    const char *id = form_get(f, "DONATION");
    json_t *d =
        cli_view_row(c, "donations", "donation", id, "捐赠", "donation", &rv);
    if (d == NULL)
        return rv;
    json_t *uses = NULL;
    rv = cli_view_rows(c, "ledger", "donation", id, &uses);
    if (rv != EXIT_OK) {
        json_decref(d);
        return rv;
    }
    json_object_set_new(d, "ledger", uses);
    if (c->json) {
        cli_print_json_obj(d);
    } else {
        json_t *one = json_array();
        json_array_append(one, d);
        print_donations(c, one);
        json_decref(one);
        if (json_array_size(uses) > 0)
            print_ledger(c, uses);
    }
    json_decref(d);
    return EXIT_OK;
}

int cmd_donation_reverse(struct cli *c, struct form *f)
{
    int rv;
    const char *id = form_get(f, "DONATION");
    json_t *d =
        cli_view_row(c, "donations", "donation", id, "捐赠", "donation", &rv);
    if (d == NULL)
        return rv;
    json_int_t uses = json_integer_value(json_object_get(d, "transactions"));
    if (json_is_string(json_object_get(d, "reversed_by")))
        rv = cli_refused(c, EXIT_INPUT, "该捐赠已更正",
                         "the donation was reversed already");
    else if (uses > 0) {
        fprintf(stderr,
                TR_FMT(c, "huzhu: 该捐赠有 %lld 笔使用记录，请先更正这些记录\n",
                       "huzhu: %lld ledger rows use the donation: reverse"
                       " them first\n"),
                (long long)uses);
        rv = EXIT_INPUT;
    } else
        rv = put_reversal(c, f, "donations", d, id, NULL);
    json_decref(d);
    return rv;
}

/* ---- the ledger */

/* What donation @d (its view row) has left for a row of @kind: refused,
 * printed, when @fen is more. */
static int left_for(struct cli *c, json_t *d, const char *kind, long long fen)
{
    if (json_is_string(json_object_get(d, "reversed_by")))
        return cli_refused(c, EXIT_INPUT, "该捐赠已更正，不能再使用",
                           "the donation was reversed: it cannot be used");
    bool commit = strcmp(kind, "commitment") == 0;
    long long left =
        json_integer_value(json_object_get(d, "received")) -
        json_integer_value(json_object_get(d, commit ? "committed" : "used"));
    if (fen <= left)
        return EXIT_OK;
    char want[32], has[32];
    sheet_fen_text(fen, want, sizeof want);
    sheet_fen_text(left > 0 ? left : 0, has, sizeof has);
    fprintf(stderr,
            TR_FMT(c, "huzhu: 金额 %s 元超过该捐赠尚可%s的 %s 元，未写入\n",
                   "huzhu: %s yuan is more than the donation has left to"
                   " %s (%s yuan); nothing written\n"),
            want,
            commit ? cli_tr(c, "分配", "commit") : cli_tr(c, "使用", "use"),
            has);
    return EXIT_INPUT;
}

static int ledger_add(struct cli *c, struct form *f, const char *kind)
{
    static const char *const refs[][4] = {
        {"--org", "organisations", "组织", "organisation"},
        {"--relief", "relief", "救助发放记录", "relief payment"},
        {"--stock-move", "stock_moves", "出入库记录", "stock move"},
        {"--match", "matches", "承诺", "match"},
    };
    long long fen;
    char amount[24], at[24];
    int rv = amount_time_refs(c, f, refs, sizeof refs / sizeof *refs, &fen,
                              amount, at);
    json_t *d = rv == EXIT_OK ? cli_view_row(c, "donations", "donation",
                                             form_get(f, "DONATION"), "捐赠",
                                             "donation", &rv)
                              : NULL;
    if (d == NULL)
        return rv;
    rv = left_for(c, d, kind, fen);
    json_decref(d);
    if (rv != EXIT_OK)
        return rv;
    const struct hz_field extra[3] = {
        {"amount", amount}, {"kind", kind}, {"time", at}};
    return cli_put_row(c, f, "ledger", form_get(f, "--id"), 3, extra);
}

int cmd_ledger_commit(struct cli *c, struct form *f)
{
    return ledger_add(c, f, "commitment");
}

int cmd_ledger_disburse(struct cli *c, struct form *f)
{
    return ledger_add(c, f, "disbursement");
}

int cmd_ledger_spend(struct cli *c, struct form *f)
{
    return ledger_add(c, f, "expenditure");
}

int cmd_ledger_ls(struct cli *c, struct form *f)
{
    json_t *rows = NULL;
    int rv =
        cli_view_rows_by(c, "ledger", "donation", form_get(f, "--donation"),
                         "donations", "捐赠", "donation", &rows);
    if (rv != EXIT_OK)
        return rv;
    if (c->json)
        cli_print_json_obj(rows);
    else
        print_ledger(c, rows);
    json_decref(rows);
    return EXIT_OK;
}

int cmd_ledger_reverse(struct cli *c, struct form *f)
{
    int rv;
    const char *id = form_get(f, "TX");
    json_t *t =
        cli_view_row(c, "ledger", "tx", id, "使用记录", "ledger row", &rv);
    if (t == NULL)
        return rv;
    if (json_is_string(json_object_get(t, "reversed_by")))
        rv = cli_refused(c, EXIT_INPUT, "该记录已更正",
                         "the ledger row was reversed already");
    else
        rv = put_reversal(c, f, "ledger", t, id, "donation");
    json_decref(t);
    return rv;
}
