/* donation_out.c - the donation disclosure (捐赠公示) as CSV and XLSX,
 * laid out as proto/reports.md, "Donation disclosure", says: the totals
 * per currency (received, committed, disbursed, spent, used, balance),
 * then the lists behind them (each donation, each use) and what was used
 * per village. Amounts are yuan (元) with two decimals, from the minor
 * units the library sums. The CLI (report disclosure) and the web
 * (/api/reports/disclosure/csv|xlsx) both write it here from the
 * library's JSON (hz_node_report "disclosure"), which holds no personal
 * data of recipients; the ledger's rows, the long list (100,000 in a
 * township), from its array or read line by line from the file the
 * library's rows_fn filled, and written to the XLSX in constant-memory
 * mode, so they are never held at once. */
#include "sheet.h"

#include "../core/error_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a column's cell is made from its row's JSON. */
enum cell_kind {
    C_TEXT,  /* a string as it is */
    C_INT,   /* an integer */
    C_FEN,   /* minor units as yuan with two decimals */
    C_TIME,  /* Unix seconds as local time */
    C_ENUM,  /* an enum value as people read it (@table.@key) */
    C_STATE, /* a donation's state: overdrawn, reversed or "" */
    C_LINK,  /* what a ledger row is linked to */
    C_DONOR, /* the donor, or 匿名 */
    C_PLACE, /* a village, or (未填写) */
};

struct col {
    const char *key, *zh, *en;
    enum cell_kind kind;
    const char *table; /* C_ENUM */
};

struct section {
    const char *key; /* the report's array */
    const char *zh;  /* sheet and section title */
    const char *en;
    const struct col *cols;
    size_t n;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static const struct col totals_cols[] = {
    {"currency", "币种", "currency", C_ENUM, "donations"},
    {"donations", "捐赠笔数", "donations", C_INT, NULL},
    {"received", "接收", "received", C_FEN, NULL},
    {"committed", "分配(承诺)", "committed", C_FEN, NULL},
    {"disbursed", "拨付", "disbursed", C_FEN, NULL},
    {"spent", "支出", "spent", C_FEN, NULL},
    {"used", "使用(拨付+支出)", "used", C_FEN, NULL},
    {"balance", "结余", "balance", C_FEN, NULL},
    {"overdrawn", "超支笔数", "overdrawn", C_INT, NULL},
};

static const struct col donation_cols[] = {
    {"donation", "编号", "id", C_TEXT, NULL},
    {"time", "接收时间", "received at", C_TIME, NULL},
    {"donor", "捐赠方", "donor", C_DONOR, NULL},
    {"kind", "类型", "kind", C_ENUM, "donations"},
    {"goods", "物资", "goods", C_TEXT, NULL},
    {"qty", "数量", "quantity", C_INT, NULL},
    {"currency", "币种", "currency", C_ENUM, "donations"},
    {"received", "金额/折价", "amount or value", C_FEN, NULL},
    {"organisation_name", "受赠组织", "received by", C_TEXT, NULL},
    {"restriction", "限定用途", "restricted to", C_TEXT, NULL},
    {"reference", "收据号", "receipt", C_TEXT, NULL},
    {"committed", "已分配", "committed", C_FEN, NULL},
    {"used", "已使用", "used", C_FEN, NULL},
    {"balance", "结余", "balance", C_FEN, NULL},
    {"overdrawn", "状态", "state", C_STATE, NULL},
};

static const struct col ledger_cols[] = {
    {"tx", "编号", "id", C_TEXT, NULL},
    {"time", "时间", "time", C_TIME, NULL},
    {"kind", "类型", "kind", C_ENUM, "ledger"},
    {"donation", "捐赠编号", "donation", C_TEXT, NULL},
    {"currency", "币种", "currency", C_ENUM, "donations"},
    {"amount", "金额", "amount", C_FEN, NULL},
    {"purpose", "用途", "purpose", C_TEXT, NULL},
    {"village", "村/社区", "village", C_PLACE, NULL},
    {"organisation_name", "接收组织", "receiving organisation", C_TEXT, NULL},
    {"reference", "凭证号", "voucher", C_TEXT, NULL},
    {"relief_payment", "关联", "linked to", C_LINK, NULL},
};

static const struct col village_cols[] = {
    {"village", "村/社区", "village", C_PLACE, NULL},
    {"currency", "币种", "currency", C_ENUM, "donations"},
    {"households", "受助户数", "households paid", C_INT, NULL},
    {"amount", "使用金额", "amount used", C_FEN, NULL},
    {"transactions", "笔数", "transactions", C_INT, NULL},
};

static const struct section sections[] = {
    {"totals", "合计", "totals", totals_cols, N(totals_cols)},
    {"donations", "捐赠明细", "donations", donation_cols, N(donation_cols)},
    {"ledger", "使用明细", "uses", ledger_cols, N(ledger_cols)},
    {"villages", "各村受益", "per village", village_cols, N(village_cols)},
};

#define COLS_MAX 15
_Static_assert(N(donation_cols) <= COLS_MAX, "the widest section fits");

void sheet_fen_text(int64_t fen, char *out, size_t len)
{
    unsigned long long a =
        fen < 0 ? 0ull - (unsigned long long)fen : (unsigned long long)fen;
    snprintf(out, len, "%s%llu.%02llu", fen < 0 ? "-" : "", a / 100, a % 100);
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

/* The text of column @c of @row into @buf (64 bytes) or borrowed from
 * the row or the schema's labels. */
static const char *cell_text(const struct col *c, json_t *row, bool zh,
                             char *buf)
{
    json_t *v = json_object_get(row, c->key);
    enum hz_lang lang = zh ? HZ_LANG_ZH : HZ_LANG_EN;
    buf[0] = '\0';
    switch (c->kind) {
    case C_TEXT:
        return str(row, c->key);
    case C_INT:
        if (json_is_integer(v))
            snprintf(buf, 64, "%lld", (long long)json_integer_value(v));
        return buf;
    case C_FEN:
        if (json_is_integer(v))
            sheet_fen_text(json_integer_value(v), buf, 64);
        return buf;
    case C_TIME:
        if (json_is_integer(v))
            sheet_local_time(json_integer_value(v), false, buf, 64);
        return buf;
    case C_ENUM: {
        const char *l = hz_enum_label(c->table, c->key, str(row, c->key), lang);
        return l != NULL ? l : str(row, c->key);
    }
    case C_STATE:
        if (json_integer_value(json_object_get(row, "overdrawn")) != 0)
            return zh ? "超支" : "overdrawn";
        if (json_integer_value(json_object_get(row, "reversed")) != 0)
            return zh ? "已更正" : "reversed";
        return "";
    case C_LINK:
        if (json_integer_value(json_object_get(row, "relief_payment")) != 0)
            return zh ? "救助发放" : "relief payment";
        if (json_integer_value(json_object_get(row, "stock_move")) != 0)
            return zh ? "物资出入库" : "stock move";
        if (json_integer_value(json_object_get(row, "matched")) != 0)
            return zh ? "供需对接" : "match";
        return "";
    case C_DONOR:
        if (json_integer_value(json_object_get(row, "anonymous")) != 0)
            return zh ? "匿名" : "anonymous";
        return str(row, "donor");
    case C_PLACE:
        return str(row, c->key)[0] != '\0' ? str(row, c->key)
                                           : (zh ? "(未填写)" : "(none)");
    }
    return "";
}

/* "捐赠公示", whose (the organisation, else the township), and when. */
static void title_cells(json_t *rep, bool zh, const char **cells, char *made)
{
    json_t *org = json_object_get(rep, "organisation");
    sheet_local_time(json_integer_value(json_object_get(rep, "made")), false,
                     made, 64);
    cells[0] = zh ? "捐赠公示" : "donation disclosure";
    cells[1] = json_is_object(org) ? str(org, "name")
               : zh                ? "全乡镇(街道)"
                                   : "the township";
    cells[2] = zh ? "制表时间" : "made";
    cells[3] = made;
}

/* The rows of a section one at a time: the report's array, or for the
 * ledger given line by line (hz_report_opts.rows_fn) a file of @n JSON
 * lines, read as they are written out. */
struct rows_src {
    json_t *arr;
    FILE *fp;
    size_t i, n;
    json_t *row; /* the current row, held until the next */
};

static struct rows_src rows_of(json_t *rep, const struct section *sec,
                               FILE *ledger, size_t n_ledger)
{
    if (ledger != NULL && strcmp(sec->key, "ledger") == 0)
        return (struct rows_src){.fp = ledger, .n = n_ledger};
    json_t *arr = json_object_get(rep, sec->key);
    return (struct rows_src){.arr = arr, .n = json_array_size(arr)};
}

/* The next row (borrowed until the next call), or NULL: at the end
 * (*@rv 0) or when the file ends early (*@rv HZ_EIO). */
static json_t *rows_next(struct rows_src *r, int *rv)
{
    json_decref(r->row);
    r->row = NULL;
    *rv = 0;
    if (r->i >= r->n)
        return NULL;
    if (r->fp != NULL) {
        json_error_t je;
        r->row = json_loadf(r->fp, JSON_DISABLE_EOF_CHECK, &je);
    } else {
        r->row = json_incref(json_array_get(r->arr, r->i));
    }
    r->i++;
    if (!json_is_object(r->row))
        *rv = HZ_EIO;
    return *rv == 0 ? r->row : NULL;
}

int sheet_disclosure_csv(FILE *fp, json_t *rep, FILE *ledger, size_t n_ledger,
                         bool zh)
{
    const char *cells[COLS_MAX];
    char made[64], buf[COLS_MAX][64];
    title_cells(rep, zh, cells, made);
    errno = 0;
    bool ok =
        fputs("\xEF\xBB\xBF", fp) != EOF && sheet_csv_record(fp, cells, 4) == 0;
    for (size_t s = 0; ok && s < N(sections); s++) {
        const struct section *sec = &sections[s];
        const char *title = zh ? sec->zh : sec->en;
        for (size_t k = 0; k < sec->n; k++)
            cells[k] = zh ? sec->cols[k].zh : sec->cols[k].en;
        ok = sheet_csv_record(fp, NULL, 0) == 0 &&
             sheet_csv_record(fp, &title, 1) == 0 &&
             sheet_csv_record(fp, cells, sec->n) == 0;
        struct rows_src src = rows_of(rep, sec, ledger, n_ledger);
        json_t *row;
        int rv = 0;
        while (ok && (row = rows_next(&src, &rv)) != NULL) {
            for (size_t k = 0; k < sec->n; k++)
                cells[k] = cell_text(&sec->cols[k], row, zh, buf[k]);
            ok = sheet_csv_record(fp, cells, sec->n) == 0;
        }
        json_decref(src.row);
        ok = ok && rv == 0;
    }
    return ok ? 0 : HZ_EIO;
}

/* Row @row's cells of @sec into @v: amounts and counts as numbers, the
 * rest as texts in @buf (sec->n texts of 64 bytes). */
static void cells_of(const struct section *sec, json_t *row,
                     struct sheet_value *v, char (*buf)[64])
{
    for (size_t k = 0; k < sec->n; k++) {
        const struct col *c = &sec->cols[k];
        json_t *x = json_object_get(row, c->key);
        if ((c->kind == C_INT || c->kind == C_FEN) && json_is_integer(x))
            v[k] = c->kind == C_INT
                       ? (struct sheet_value){.kind = SHEET_V_INT,
                                              .i = json_integer_value(x)}
                       : (struct sheet_value){
                             .kind = SHEET_V_REAL,
                             .r = (double)json_integer_value(x) / 100.0};
        else
            v[k] = (struct sheet_value){
                .kind = SHEET_V_TEXT, .text = cell_text(c, row, true, buf[k])};
    }
}

/* The title and the headings of @sec's sheet into @v (2 x sec->n). */
static void head_of(const struct section *sec, const char *org,
                    struct sheet_value *v)
{
    v[0] = (struct sheet_value){.kind = SHEET_V_TEXT, .text = org};
    for (size_t k = 0; k < sec->n; k++)
        v[sec->n + k] =
            (struct sheet_value){.kind = SHEET_V_TEXT, .text = sec->cols[k].zh};
}

/* The ledger's sheet row by row (sheet_out.row), from its file. */
struct ledger_rows {
    const struct section *sec;
    struct rows_src src;
    char buf[COLS_MAX][64];
};

static int ledger_row(void *data, struct sheet_value *cells, struct hz_err *err)
{
    struct ledger_rows *l = data;
    int rv;
    json_t *row = rows_next(&l->src, &rv);
    if (row == NULL)
        return hz_err_set(err, HZ_EIO, "the ledger's rows end early");
    cells_of(l->sec, row, cells, l->buf);
    return 0;
}

int sheet_disclosure_xlsx(const char *path, json_t *rep, FILE *ledger,
                          size_t n_ledger, struct hz_err *err)
{
    const char *cells[4];
    char made[64], title[256];
    title_cells(rep, true, cells, made);
    snprintf(title, sizeof title, "%s %s (%s %s)", cells[0], cells[1], cells[2],
             made);
    struct sheet_out out[N(sections)];
    struct sheet_value *vals[N(sections)] = {NULL};
    char(*bufs[N(sections)])[64] = {NULL};
    static const struct sheet_merge merge[N(sections)][1] = {
        {{0, 0, 0, N(totals_cols) - 1}},
        {{0, 0, 0, N(donation_cols) - 1}},
        {{0, 0, 0, N(ledger_cols) - 1}},
        {{0, 0, 0, N(village_cols) - 1}}};
    struct ledger_rows lr = {.sec = &sections[2]};
    int rv = 0;
    for (size_t s = 0; s < N(sections); s++) {
        const struct section *sec = &sections[s];
        struct rows_src src = rows_of(rep, sec, ledger, n_ledger);
        bool streamed = src.fp != NULL;
        size_t n_rows = (streamed ? 0 : src.n) + 2, n = sec->n;
        vals[s] = calloc(n_rows * n, sizeof *vals[s]);
        bufs[s] = calloc(n_rows * n, sizeof *bufs[s]);
        if (vals[s] == NULL || bufs[s] == NULL) {
            rv = hz_err_set(err, HZ_ENOMEM, "out of memory");
            continue;
        }
        head_of(sec, title, vals[s]);
        json_t *row;
        int end = 0;
        for (size_t i = 2; !streamed && (row = rows_next(&src, &end)) != NULL;
             i++)
            cells_of(sec, row, &vals[s][i * n], &bufs[s][i * n]);
        json_decref(src.row);
        out[s] = (struct sheet_out){.name = sec->zh,
                                    .rows = n_rows,
                                    .cols = n,
                                    .cells = vals[s],
                                    .title_rows = 1,
                                    .head_rows = 1,
                                    .merges = merge[s],
                                    .n_merges = 1};
        if (streamed) {
            lr.src = src;
            out[s].n_data = src.n;
            out[s].row = ledger_row;
            out[s].row_data = &lr;
        }
    }
    if (rv == 0)
        rv = sheet_write_xlsx(path, out, N(sections), err);
    json_decref(lr.src.row);
    for (size_t s = 0; s < N(sections); s++) {
        free(vals[s]);
        free(bufs[s]);
    }
    return rv;
}
