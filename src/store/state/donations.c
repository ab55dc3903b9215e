/* donations.c - donations and their use (捐赠, issue 16) read from the
 * merged state: the public disclosure (捐赠公示) of an organisation or of
 * the township, and this node's checks of a ledger row or a correction
 * its own people type.
 *
 * What a donation received, committed and used is derived from the
 * effective donations and ledger rows (viewsql.h DONATION_ROWS;
 * proto/schema.md, "Donations and their use"), never stored, so two
 * expenditures written on two nodes that together exceed a donation are
 * both kept and the donation is flagged overdrawn everywhere. The
 * disclosure carries no personal data of recipients: no household, name,
 * ID number or phone, only counts per village (proto/reports.md,
 * "Donation disclosure"). */
#include "render.h"
#include "state.h"
#include "viewsql.h"

#include "../store.h"

#include "../../core/codec.h"
#include "../../core/error_int.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
/* The disclosure is one query whose rows feed its four parts: the
 * donations' rows (viewsql.h: all of them, or those of the organisation
 * ?1 with only their ledger rows read, by the ledger's donation index)
 * are summed once (ds) and read by the totals, the donations and the
 * uses; the uses with their places (lv) once, and read by the ledger list
 * and the villages. Each row is (part, the row as a JSON object, the
 * part's sort keys): the ledger list goes to its reader row by row as
 * SQLite makes it, never held whole. (Four queries, one per part, summed
 * the whole ledger six times: BENCHMARKS.md, "Needs, offers and
 * donations".) */

/* The parts, numbered as the query's first column numbers them. */
enum { PART_TOTALS, PART_DONATIONS, PART_LEDGER, PART_VILLAGES, N_PARTS };

/* An id (a blob, or NULL) as db_rows_json gives it: lowercase hex, or
 * null. json_object() takes no blob. */
#define JID(x) "nullif(lower(hex(" x ")), '')"

/* The donations a disclosure lists (ds): every one that is no
 * correction, except a reversed one that nothing uses. The effective
 * ledger rows of the listed donations, each with its place (lv): its
 * village, else the village of the household its relief payment paid
 * (the household itself never leaves this query, only counted). */
#define DISCLOSED_BASE(rows)                                                   \
    rows ", ds AS MATERIALIZED (SELECT * FROM donation_sums"                   \
    " WHERE reversed_by IS NULL OR transactions > 0), "                        \
    "lv AS MATERIALIZED (SELECT l.id, l.time, l.kind, l.donation,"             \
    " l.amount, d.currency, l.purpose, l.organisation, l.reference,"           \
    " l.relief, l.stock_move, l.match, coalesce(l.village, h.village) AS"      \
    " place, " REP_OF("h", "e_households", "rf.household") " AS hh"            \
    " FROM lx l JOIN ds d"                           \
    " ON d.donation = l.donation LEFT JOIN v_relief rf"                        \
    " ON rf.id = l.relief LEFT JOIN e_households h ON h.id = rf.household) "

/* The totals per currency (CNY first), each listed donation by time, each
 * use by time, and per village (none last) and currency the
 * disbursements and expenditures: households paid (counted, never
 * named), the amount and the number of transactions (grouped by columns
 * 4 and 5, the place and the currency, to keep the text within C's 4,095
 * bytes). */
#define DISCLOSED_SELECT                                                       \
    "SELECT 0, json_object('currency', currency,"                              \
    " 'donations', sum(reversed_by IS NULL), 'received', " ISUM("received")    \
    ", 'committed', " ISUM("committed") ", 'disbursed', " ISUM("disbursed")    \
    ", 'spent', " ISUM("spent") ", 'used', " ISUM("used") ", 'balance', "      \
    ISUM("balance") ", 'overdrawn', sum(overdrawn)),"                          \
    " currency <> 'CNY', currency, NULL FROM ds GROUP BY currency"             \
    " UNION ALL SELECT 1, json_object('donation', " JID("donation") ","        \
    " 'time', time, 'kind', kind, 'currency', currency, 'amount', amount,"     \
    " 'received', received, 'reversed', reversed_by IS NOT NULL,"              \
    " 'anonymous', anonymous, 'donor', CASE WHEN anonymous THEN NULL"          \
    " ELSE coalesce(donor_org_name, donor) END, 'goods', goods, 'qty', qty,"   \
    " 'organisation', " JID("organisation") ", 'organisation_name',"           \
    " organisation_name, 'restriction', restriction, 'reference', reference,"  \
    " 'committed', committed, 'disbursed', disbursed, 'spent', spent,"         \
    " 'used', used, 'balance', balance, 'overdrawn', overdrawn,"               \
    " 'transactions', transactions), time, donation, NULL FROM ds"             \
    " UNION ALL SELECT 2, json_object('tx', " JID("lv.id") ", 'time', lv.time,"\
    " 'kind', lv.kind, 'donation', " JID("lv.donation") ", 'amount',"          \
    " lv.amount, 'currency', lv.currency, 'purpose', lv.purpose, 'village',"   \
    " lv.place, 'organisation_name', o.name, 'reference', lv.reference,"       \
    " 'relief_payment', lv.relief IS NOT NULL, 'stock_move', lv.stock_move"    \
    " IS NOT NULL, 'matched', lv.match IS NOT NULL), lv.time, lv.id, NULL"     \
    " FROM lv LEFT JOIN e_organisations o ON o.id = lv.organisation"           \
    " AND o.deleted = 0"                                                       \
    " UNION ALL SELECT 3, json_object('village', coalesce(place, ''),"         \
    " 'currency', currency, 'households', count(DISTINCT hh), 'amount', "      \
    ISUM("amount") ", 'transactions', count(*)), coalesce(place, '') = '',"    \
    " coalesce(place, ''), currency FROM lv"                                   \
    " WHERE kind IN ('disbursement', 'expenditure')"                           \
    " GROUP BY 4, 5 ORDER BY 1, 3, 4, 5"
/* clang-format on */

static int id_arg(const char *hex, uint8_t *id, struct hz_err *err)
{
    if (strlen(hex) != 2 * HZ_ROW_LEN || hex_decode(hex, id, HZ_ROW_LEN) != 0)
        return hz_err_set(err, HZ_EINVAL,
                          "an organisation id is 32 hex digits");
    return 0;
}

/* The organisation @id as {organisation, name}, or HZ_ENOTFOUND. */
static int organisation_of(hz_node *n, const uint8_t *id, json_t **out,
                           struct hz_err *err)
{
    json_t *rows = json_array();
    int rv = db_rows_json(&n->db,
                          "SELECT id AS organisation, name FROM"
                          " e_organisations WHERE id = ?1 AND deleted = 0",
                          DB_ARGS(DB_ROW(id)), rows, err);
    if (rv == 0 && json_array_size(rows) == 0)
        rv = hz_err_set(err, HZ_ENOTFOUND, "no such organisation");
    *out = rv == 0 ? json_incref(json_array_get(rows, 0)) : NULL;
    json_decref(rows);
    return rv;
}

/* The parts as the query gives them: the ledger's rows to the caller's
 * rows_fn, or the page of them asked for, into the arrays. */
struct parts {
    const struct hz_report_opts *o;
    json_t *part[N_PARTS];
    uint64_t n_ledger;
};

static int part_row(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    struct parts *p = data;
    int part = sqlite3_column_int(st, 0);
    const char *text = (const char *)sqlite3_column_text(st, 1);
    HZ_ASSERT(part >= 0);
    HZ_ASSERT(part < N_PARTS);
    if (text == NULL)
        return hz_err_set(err, HZ_ENOMEM, "disclosure");
    if (part == PART_LEDGER) {
        const struct hz_report_opts *o = p->o;
        uint64_t i = p->n_ledger++;
        if (o->rows_fn != NULL)
            return o->rows_fn(o->rows_data, text, err);
        if (o->rows_limit > 0 &&
            (i < o->rows_offset || i - o->rows_offset >= o->rows_limit))
            return 0;
    }
    json_error_t je;
    json_t *row = json_loads(text, 0, &je);
    if (row == NULL)
        return hz_err_set(err, HZ_ECORRUPT, "disclosure: %s", je.text);
    return json_array_append_new(p->part[part], row) == 0
               ? 0
               : hz_err_set(err, HZ_ENOMEM, "disclosure");
}

int donations_disclosure(hz_node *n, const struct hz_report_opts *o,
                         json_t **out, struct hz_err *err)
{
    *out = NULL;
    uint8_t id[HZ_ROW_LEN];
    json_t *org = NULL;
    int rv = o->id != NULL ? id_arg(o->id, id, err) : 0;
    if (rv == 0 && o->id != NULL)
        rv = organisation_of(n, id, &org, err);
    const struct db_arg by = o->id != NULL ? DB_ROW(id) : DB_NULL;
    /* the query in two pieces, each within the 4,095 bytes of a string
     * literal C guarantees */
    static const char *const base[2] = {DISCLOSED_BASE(DONATION_ROWS),
                                        DISCLOSED_BASE(DONATION_ROWS_OF_ORG)};
    const char *pick = base[o->id != NULL];
    size_t len = strlen(pick);
    char *sql = malloc(len + sizeof DISCLOSED_SELECT);
    if (rv == 0 && sql == NULL)
        rv = hz_err_set(err, HZ_ENOMEM, "disclosure");
    if (sql != NULL) {
        memcpy(sql, pick, len);
        memcpy(sql + len, DISCLOSED_SELECT, sizeof DISCLOSED_SELECT);
    }
    static const char *const keys[N_PARTS] = {"totals", "donations", "ledger",
                                              "villages"};
    struct parts p = {.o = o};
    for (size_t i = 0; i < N_PARTS; i++)
        p.part[i] = json_array();
    if (rv == 0)
        rv = db_each(&n->db, sql, DB_ARGS(by), part_row, &p, err);
    free(sql);
    if (rv == 0) {
        *out = json_pack("{s:s, s:I, s:O?}", "report", "disclosure", "made",
                         (json_int_t)o->now, "organisation", org);
        for (size_t i = 0; *out != NULL && i < N_PARTS; i++)
            if (i != PART_LEDGER || o->rows_fn == NULL)
                json_object_set(*out, keys[i], p.part[i]);
        if (*out != NULL)
            json_object_set_new(*out, "ledger_count",
                                json_integer((json_int_t)p.n_ledger));
        if (*out == NULL)
            rv = hz_err_set(err, HZ_ENOMEM, "disclosure");
    }
    for (size_t i = 0; i < N_PARTS; i++)
        json_decref(p.part[i]);
    json_decref(org);
    return rv;
}

/* ---- a ledger row or a correction, checked on local input */

static bool is_id(const struct value *v)
{
    return v != NULL && v->type == VALUE_BIN && v->s.len == HZ_ROW_LEN;
}

static bool is_commitment(const struct value *kind)
{
    return kind != NULL && kind->type == VALUE_STR && kind->s.len == 10 &&
           memcmp(kind->s.p, "commitment", 10) == 0;
}

/* What this node holds of a donation. */
struct held {
    bool found, reversed;
    int64_t received, committed, used, transactions;
};

static int read_donation(void *data, sqlite3_stmt *st, struct hz_err *err)
{
    (void)err;
    struct held *h = data;
    h->found = true;
    h->reversed = sqlite3_column_type(st, 0) != SQLITE_NULL;
    h->received = sqlite3_column_int64(st, 1);
    h->committed = sqlite3_column_int64(st, 2);
    h->used = sqlite3_column_int64(st, 3);
    h->transactions = sqlite3_column_int64(st, 4);
    return 0;
}

static int donation_held(hz_node *n, const struct value *id, struct held *h,
                         struct hz_err *err)
{
    memset(h, 0, sizeof *h);
    return db_each(
        &n->db,
        DONATION_ROWS_OF_ONE "SELECT reversed_by, received, committed, used,"
                             " transactions FROM donation_sums"
                             " WHERE donation = ?2",
        DB_ARGS(DB_NULL, DB_BLOB(id->s.p, id->s.len)), read_donation, h, err);
}

/* A new ledger row: its donation is held here, not reversed, and has
 * @amount left to commit (a commitment) or to use (a disbursement or an
 * expenditure). */
static int check_use(hz_node *n, const struct op *o, struct hz_err *err)
{
    const struct value *d = body_op_value(o, "donation"),
                       *kind = body_op_value(o, "kind"),
                       *amount = body_op_value(o, "amount");
    if (!is_id(d) || kind == NULL || kind->type != VALUE_STR || amount == NULL)
        return 0; /* the schema's rules refuse it */
    struct held h;
    int rv = donation_held(n, d, &h, err);
    if (rv != 0)
        return rv;
    if (!h.found)
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "donation: no such donation"),
            "本节点没有所选的捐赠");
    if (h.reversed)
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "donation: it was reversed"),
            "所选的捐赠已被冲销");
    bool commit = is_commitment(kind);
    int64_t left = h.received - (commit ? h.committed : h.used);
    long long shown = (long long)(left > 0 ? left : 0);
    if (amount->i > left)
        return hz_err_zh(
            err,
            hz_err_set(err, HZ_EVALUE,
                       "amount: more than the donation has left"
                       " to %s (%lld in minor units)",
                       commit ? "commit" : "use", shown),
            "金额超过该捐赠尚可%s的 %lld（最小货币单位，人民币为分）",
            commit ? "承诺" : "使用", shown);
    return 0;
}

/* A correction (a row naming the row it reverses) of @table: that row is
 * held here, is no correction itself, is not reversed already, and the
 * correction repeats its @same columns. */
static int check_reversal(hz_node *n, const struct op *o, const char *table,
                          const struct value *r, struct hz_err *err)
{
    const struct value *donation = body_op_value(o, "donation"),
                       *kind = body_op_value(o, "kind"),
                       *amount = body_op_value(o, "amount");
    bool ledger = strcmp(table, "ledger") == 0;
    if (kind == NULL || kind->type != VALUE_STR || amount == NULL ||
        (ledger && !is_id(donation)))
        return 0;
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN x.reverses IS NOT NULL THEN 3 WHEN EXISTS"
             " (SELECT 1 FROM v_%s c WHERE c.reverses = x.id) THEN 2"
             " WHEN x.kind = ?2 AND x.amount = ?3 AND %s THEN 0 ELSE 1 END"
             " FROM v_%s x WHERE x.id = ?1",
             table, ledger ? "x.donation = ?4" : "?4 IS NULL", table);
    char kind_text[32]; /* an enum value: short, checked by the schema */
    snprintf(kind_text, sizeof kind_text, "%.*s", (int)kind->s.len,
             (const char *)kind->s.p);
    int64_t state = 0;
    bool found = false;
    int rv = db_int(
        &n->db, sql,
        DB_ARGS(DB_BLOB(r->s.p, r->s.len), DB_TEXT(kind_text),
                DB_INT(amount->i),
                ledger ? DB_BLOB(donation->s.p, donation->s.len) : DB_NULL),
        &state, &found, err);
    if (rv != 0)
        return rv;
    if (!found || state == 3)
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "reverses: no such %s row", table),
            "要冲销的记录不存在（或本身就是一条冲销）");
    if (state == 2)
        return hz_err_zh(
            err, hz_err_set(err, HZ_EVALUE, "reverses: reversed already"),
            "这条记录已经冲销过");
    if (state == 1)
        return hz_err_zh(err,
                         hz_err_set(err, HZ_EVALUE,
                                    "reverses: a correction repeats the kind"
                                    " and amount%s of the row it reverses",
                                    ledger ? ", and the donation," : ""),
                         "冲销须与原记录的类别、金额%s相同",
                         ledger ? "和捐赠" : "");
    if (ledger)
        return 0;
    /* A donation that ledger rows use stays: reversing it would leave
     * them overdrawn. */
    struct held h;
    rv = donation_held(n, r, &h, err);
    if (rv == 0 && h.transactions > 0)
        rv = hz_err_zh(err,
                       hz_err_set(err, HZ_EVALUE,
                                  "reverses: %lld ledger rows use the"
                                  " donation; reverse them first",
                                  (long long)h.transactions),
                       "该捐赠已有 %lld 条使用记录，请先冲销这些记录",
                       (long long)h.transactions);
    return rv;
}

int donations_check_write(hz_node *n, const struct op *o, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    const char *t = o->table->name;
    bool ledger = strcmp(t, "ledger") == 0;
    if (!ledger && strcmp(t, "donations") != 0)
        return 0;
    const struct value *r = body_op_value(o, "reverses");
    if (is_id(r))
        return check_reversal(n, o, t, r, err);
    return ledger ? check_use(n, o, err) : 0;
}

int donations_check_applied(hz_node *n, const struct op *o, struct hz_err *err)
{
    HZ_ASSERT(o->kind == OP_INS);
    HZ_ASSERT(db_in_txn(&n->db));
    const struct value *d = body_op_value(o, "donation");
    if (strcmp(o->table->name, "ledger") != 0 ||
        is_id(body_op_value(o, "reverses")) || !is_id(d))
        return 0;
    bool commit = is_commitment(body_op_value(o, "kind"));
    struct held h;
    int rv = donation_held(n, d, &h, err);
    if (rv == 0 && (commit ? h.committed : h.used) > h.received)
        rv = hz_err_zh(err,
                       hz_err_set(err, HZ_EVALUE,
                                  "amount: the batch's rows together use more"
                                  " than the donation has left"),
                       "这几条记录合计超过该捐赠尚可使用的金额");
    return rv;
}
