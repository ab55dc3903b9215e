/* api.c - the routes of the JSON API (proto/api.md): every table of the
 * schema registry under /api/TABLE, households with their members in one
 * request, check-in and check-out of several persons in one tap, stock
 * movements, views, conflicts and their resolution, search, the
 * township's reports (as JSON and as the files the CLI writes, by the same
 * code: src/sheet/report_out.c) and their submission, likely duplicates
 * and merges, and the registry itself for the forms. Values are
 * validated by the registry (the same code as the CLI) before anything is
 * written; a refusal names the field and says why in Chinese and
 * English. */
#include "api.h"
#include "qr.h"

#include "../core/codec.h"
#include "../core/error_int.h"
#include "../core/limits.h"
#include "../core/schema.h"
#include "../sheet/sheet.h"
#include "../store/store.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SEG_MAX 4
#define SEG_LEN_MAX 64
#define MEMBERS_MAX 64
#define PERSONS_MAX 64
#define SEARCH_LIMIT_MAX 100
#define LIST_LIMIT_MAX 1000

json_t *api_error_body(const char *code, const char *field, const char *zh,
                       const char *en)
{
    json_t *e = json_pack("{s:s, s:s, s:s}", "code", code, "zh", zh, "en", en);
    if (e != NULL && field != NULL)
        json_object_set_new(e, "field", json_string(field));
    return json_pack("{s:o}", "error", e != NULL ? e : json_object());
}

static void refuse(struct api_res *out, int status, const char *code,
                   const char *field, const char *zh, const char *en)
{
    json_decref(out->body);
    out->status = status;
    out->body = api_error_body(code, field, zh, en);
}

static void ok(struct api_res *out, int status, json_t *body)
{
    json_decref(out->body);
    out->status = status;
    out->body = body != NULL ? body : json_object();
}

/* The length of the word of lowercase letters and '_' that @s begins
 * with when ": " follows it, else 0. */
static size_t head_word(const char *s)
{
    size_t i = 0;
    while ((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_')
        i++;
    return s[i] == ':' && s[i + 1] == ' ' ? i : 0;
}

/* The column a refusal names, as the node's checks of a write say it
 * ("ledger: amount: more than the donation has left ..."): a table of
 * the registry, then one of its columns; into @field (@len bytes),
 * empty when the message names none. */
static void msg_field(const char *msg, char *field, size_t len)
{
    field[0] = '\0';
    size_t nt = head_word(msg);
    const struct table_def *t =
        nt > 0 ? schema_table(schema_current(), (const uint8_t *)msg, nt)
               : NULL;
    if (t == NULL)
        return;
    const char *c = msg + nt + 2;
    size_t nc = head_word(c);
    if (nc > 0 && nc < len && schema_col(t, (const uint8_t *)c, nc) >= 0) {
        memcpy(field, c, nc);
        field[nc] = '\0';
    }
}

/* A failure of the library, as the API says it; a value refused names
 * the column its message names, so a form shows it there. */
static void refuse_hz(struct api_res *out, int rv, const struct hz_err *err)
{
    char field[HZ_ERR_MSG_MAX];
    char en[HZ_ERR_MSG_MAX + 64];
    snprintf(en, sizeof en, "%s%s%s", hz_strerror(rv),
             err->msg[0] != '\0' ? ": " : "", err->msg);
    switch (rv) {
    case HZ_ENOTFOUND:
        refuse(out, 404, "not_found", NULL, "找不到该记录", en);
        break;
    case HZ_EDELETED:
        refuse(out, 410, "deleted", NULL, "该记录已删除", en);
        break;
    case HZ_EVALUE:
    case HZ_ESCHEMA:
    case HZ_EINVAL:
    case HZ_ETOOBIG: {
        char zh[HZ_ERR_MSG_MAX + 64];
        snprintf(zh, sizeof zh, "输入的内容不被接受%s%s",
                 err->zh[0] != '\0' ? "：" : "", err->zh);
        msg_field(err->msg, field, sizeof field);
        refuse(out, 422, "bad_value", field[0] != '\0' ? field : NULL, zh, en);
        break;
    }
    case HZ_ECONFLICT:
        refuse(out, 409, "conflict", NULL, "该编号已用于不同的内容", en);
        break;
    case HZ_EPERM:
        refuse(out, 403, "forbidden", NULL, "您的角色不能做此操作", en);
        break;
    case HZ_EREVOKED:
    case HZ_ENOCERT:
        refuse(out, 403, "node_denied", NULL,
               "本节点目前不能写入（证书已吊销或尚未加入网络）", en);
        break;
    case HZ_ENETWORK:
        /* admit or revoke on a node in no network */
        refuse(out, 403, "node_denied", NULL,
               "本节点不在任何网络中(先创建或加入网络)", en);
        break;
    case HZ_EBUSY:
        refuse(out, 503, "busy", NULL, "节点正忙，请稍后再试", en);
        break;
    case HZ_EREADONLY:
    case HZ_ENOSPC:
        refuse(out, 507, "storage", NULL,
               "存储已满或只读，无法写入；请联系管理员", en);
        break;
    default:
        refuse(out, 500, "internal", NULL, "节点内部错误", en);
        break;
    }
}

/* ---- requests */

static const char *query(const struct api_req *r, const char *key)
{
    for (size_t i = 0; i < r->n_query; i++) {
        if (strcmp(r->qk[i], key) == 0)
            return r->qv[i];
    }
    return NULL;
}

/* Only @allowed (NULL-terminated) may be in the query. */
static bool query_only(const struct api_req *r, const char *const *allowed,
                       struct api_res *out)
{
    for (size_t i = 0; i < r->n_query; i++) {
        bool known = false;
        for (const char *const *a = allowed; *a != NULL && !known; a++)
            known = strcmp(*a, r->qk[i]) == 0;
        if (!known) {
            refuse(out, 400, "unknown_field", r->qk[i], "不认识的查询参数",
                   "unknown query parameter");
            return false;
        }
        /* one value a key: which of two would be taken is a guess */
        for (size_t j = 0; j < i; j++)
            if (strcmp(r->qk[j], r->qk[i]) == 0) {
                refuse(out, 400, "bad_value", r->qk[i], "查询参数重复",
                       "a query parameter given twice");
                return false;
            }
    }
    return true;
}

/* The body as a JSON object, or NULL after refusing. */
static json_t *body_object(const struct api_req *r, struct api_res *out)
{
    if (r->len == 0) {
        refuse(out, 400, "bad_json", NULL, "请求内容为空", "the body is empty");
        return NULL;
    }
    json_error_t je;
    json_t *o = json_loadb(r->body, r->len, JSON_REJECT_DUPLICATES, &je);
    if (o == NULL || !json_is_object(o)) {
        json_decref(o);
        refuse(out, 400, "bad_json", NULL, "请求内容不是有效的 JSON 对象",
               "the body is not a JSON object");
        return NULL;
    }
    return o;
}

/* A JSON value as the text a person would type for it ("" clears). */
static bool value_text(json_t *v, char *buf, size_t len, const char **out)
{
    if (json_is_string(v)) {
        *out = json_string_value(v);
        return strlen(*out) == json_string_length(v); /* no NUL inside */
    }
    if (json_is_integer(v))
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
    else if (json_is_real(v))
        snprintf(buf, len, "%.17g", json_real_value(v));
    else if (json_is_boolean(v))
        snprintf(buf, len, "%s", json_is_true(v) ? "true" : "false");
    else if (json_is_null(v))
        buf[0] = '\0';
    else
        return false;
    *out = buf;
    return true;
}

/* This year plus one of slack, as the store judges local input (a
 * clock before 2000 sets no bound: the store's check, at commit, uses
 * the node's own clock). */
static int this_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm) == NULL || tm.tm_year + 1900 < 2000)
        return 0;
    return tm.tm_year + 1900 + 1;
}

/* This year by the node's clock and time zone, as the command line
 * judges a roster's dates. */
static int local_year(void)
{
    time_t now = time(NULL);
    struct tm tm;
    return localtime_r(&now, &tm) != NULL ? tm.tm_year + 1900 : 0;
}

/* Check one field as the registry (and local input) would; on a
 * problem, refuse naming it. */
static bool field_ok(const struct table_def *t, const char *col,
                     const char *text, struct api_res *out)
{
    int c = schema_col_c(t, col);
    if (c < 0 || strcmp(col, "merged_into") == 0) {
        refuse(out, 400, "unknown_field", col, "表中没有这一栏",
               "the table has no such column");
        return c >= 0 ? false : false;
    }
    const struct col_def *d = &t->cols[c];
    struct value v;
    uint8_t id[HZ_ROW_LEN];
    struct hz_err err = {0};
    if (schema_parse_value(d, text, id, &v, &err) != 0) {
        char zh[HZ_ERR_MSG_MAX], en[HZ_ERR_MSG_MAX + 64];
        /* the registry says what the column takes (core/schema.c) */
        if (err.zh[0] != '\0')
            snprintf(zh, sizeof zh, "%s", err.zh);
        else
            snprintf(zh, sizeof zh, "「%s」的内容不被接受", d->zh);
        snprintf(en, sizeof en, "%s: %s", d->en, err.msg);
        refuse(out, 422, "bad_value", col, zh, en);
        return false;
    }
    if (strcmp(col, "id_number") == 0 && text[0] != '\0') {
        enum id_number_fault f = schema_id_number_check(text, this_year());
        if (f != IDN_OK) {
            refuse(out, 422, "bad_value", col, schema_id_number_fault_zh(f),
                   schema_id_number_fault_en(f));
            return false;
        }
    }
    return true;
}

/* Put the fields of object @o (skipping the keys in @skip) into @b as
 * one row of @t. */
static bool put_object(hz_batch *b, const struct table_def *t, const char *id,
                       json_t *o, const char *const *skip, char *id_out,
                       struct api_res *out)
{
    struct hz_field f[HZ_FIELDS_MAX];
    char nums[HZ_FIELDS_MAX][40];
    size_t n = 0;
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool skipped = false;
        for (const char *const *s = skip; s != NULL && *s != NULL; s++)
            skipped = skipped || strcmp(*s, key) == 0;
        if (skipped)
            continue;
        if (n == HZ_FIELDS_MAX) {
            refuse(out, 422, "bad_value", NULL, "栏目太多", "too many fields");
            return false;
        }
        const char *text;
        if (!value_text(v, nums[n], sizeof nums[n], &text)) {
            refuse(out, 422, "bad_value", key, "此栏应为文字、数字或是/否",
                   "a field is text, a number or true/false");
            return false;
        }
        if (!field_ok(t, key, text, out))
            return false;
        f[n++] = (struct hz_field){key, text};
    }
    if (n == 0 && t->kind == TABLE_EVENT) {
        refuse(out, 422, "bad_value", NULL, "没有填写任何内容",
               "nothing was filled in");
        return false;
    }
    struct hz_err err = {0};
    int rv = hz_batch_put(b, t->name, id, n, f, id_out, &err);
    if (rv != 0) {
        refuse_hz(out, rv, &err);
        return false;
    }
    return true;
}

/* A batch limited to what the account may write, or NULL after
 * refusing (a viewer writes nothing). */
static hz_batch *batch_for(hz_node *n, const struct api_req *r,
                           struct api_res *out)
{
    if (strcmp(r->user->role, "viewer") == 0) {
        refuse(out, 403, "forbidden", NULL, "查看账号不能修改数据",
               "a viewer account changes nothing");
        return NULL;
    }
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int rv = hz_batch_open(n, &b, &err);
    if (rv == 0)
        rv = hz_batch_limit(b, r->user->role,
                            r->user->site[0] != '\0' ? r->user->site : NULL,
                            &err);
    /* Every entry of the write names the account (recorded_by). */
    if (rv == 0)
        rv = hz_batch_by(b, r->user->name, &err);
    if (rv != 0) {
        hz_batch_close(b);
        refuse_hz(out, rv, &err);
        return NULL;
    }
    return b;
}

static bool commit(hz_node *n, hz_batch *b, struct api_res *out)
{
    struct hz_err err = {0};
    size_t entries = 0;
    int rv = hz_node_commit(n, b, &entries, &err);
    hz_batch_close(b);
    if (rv == HZ_ENOTFOUND) {
        /* at commit: a row the request refers to */
        char en[HZ_ERR_MSG_MAX + 64];
        snprintf(en, sizeof en, "a referenced row is not on this node: %s",
                 err.msg);
        refuse(out, 422, "bad_value", NULL, "所选的记录在本节点上不存在", en);
        return false;
    }
    if (rv != 0) {
        refuse_hz(out, rv, &err);
        return false;
    }
    out->wrote = entries > 0;
    return true;
}

/* Commit @b when everything so far was @fine, else let it go; whether it
 * was written. */
static bool finish(hz_node *n, hz_batch *b, bool fine, struct api_res *out)
{
    if (fine)
        return commit(n, b, out);
    hz_batch_close(b);
    return false;
}

/* ---- reading */

static json_t *loads(char *json)
{
    json_t *v = json_loads(json, 0, NULL);
    hz_free_string(json);
    return v;
}

/* A reading's JSON as the answer, or its failure. */
static void reply(struct api_res *out, int rv, char *json,
                  const struct hz_err *err)
{
    if (rv != 0) {
        hz_free_string(json);
        refuse_hz(out, rv, err);
        return;
    }
    json_t *v = loads(json);
    if (v == NULL)
        refuse(out, 500, "internal", NULL, "节点内部错误",
               "the node's answer did not parse");
    else
        ok(out, 200, v);
}

/* Whether @r's account reads health data (COL_HEALTH): the role health
 * only (proto/schema.md, "Care and health"). */
static bool reads_health(const struct api_req *r)
{
    return strcmp(r->user->role, "health") == 0;
}

/* @row (an object of table @t's columns) without the health columns. */
static void strip_health_row(const struct table_def *t, json_t *row)
{
    for (size_t i = 0; i < t->n_cols; i++) {
        if (t->cols[i].flags & COL_HEALTH)
            json_object_del(row, t->cols[i].name);
    }
}

/* The answer @v (a row, or an array of rows or of entries with "fields")
 * of table @t as @r's account may read it: without the health columns
 * unless it reads them. */
static void health_filter(const struct api_req *r, const struct table_def *t,
                          json_t *v)
{
    if (t == NULL || reads_health(r))
        return;
    if (json_is_object(v)) {
        strip_health_row(t, v);
        return;
    }
    size_t i;
    json_t *x;
    json_array_foreach(v, i, x)
    {
        json_t *fields = json_object_get(x, "fields");
        strip_health_row(t, json_is_object(fields) ? fields : x);
    }
}

/* A reading of table @table's rows as the answer, as @r may read it. */
static void reply_rows(const struct api_req *r, const char *table,
                       struct api_res *out, int rv, char *json,
                       const struct hz_err *err)
{
    reply(out, rv, json, err);
    if (rv == 0 && out->body != NULL)
        health_filter(r, schema_table_c(schema_current(), table), out->body);
}

/* Whether @id (32 hex) is a live row of @table; else the refusal (404, or
 * 410 for a deleted one) naming the query's @field. */
static bool live_row(hz_node *n, const char *table, const char *id,
                     const char *field, struct api_res *out)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_get(n, table, id, &json, &err);
    hz_free_string(json);
    if (rv == 0)
        return true;
    refuse_hz(out, rv, &err);
    json_t *e = json_object_get(out->body, "error");
    if (e != NULL && field != NULL)
        json_object_set_new(e, "field", json_string(field));
    return false;
}

static void get_row(hz_node *n, const struct api_req *r, const char *table,
                    const char *id, struct api_res *out)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_get(n, table, id, &json, &err);
    reply_rows(r, table, out, rv, json, &err);
}

/* GET /api/TABLE?col=value...&limit=&offset= */
static void list_rows(hz_node *n, const struct table_def *t,
                      const struct api_req *r, struct api_res *out)
{
    struct hz_field where[API_QUERY_MAX];
    size_t nw = 0;
    long limit = 200, offset = 0;
    bool paged[2] = {false, false}; /* limit, offset given */
    for (size_t i = 0; i < r->n_query; i++) {
        const char *k = r->qk[i], *v = r->qv[i];
        if (strcmp(k, "limit") == 0 || strcmp(k, "offset") == 0) {
            char *end;
            long x = strtol(v, &end, 10);
            bool *given = &paged[k[0] == 'l' ? 0 : 1];
            if (*given || *v == '\0' || *end != '\0' || x < 0 ||
                (k[0] == 'l' && (x < 1 || x > LIST_LIMIT_MAX))) {
                refuse(out, 400, "bad_value", k, "分页参数无效",
                       "limit is 1 to 1000, offset 0 or more");
                return;
            }
            *(k[0] == 'l' ? &limit : &offset) = x;
            *given = true;
            continue;
        }
        int col = schema_col_c(t, k);
        if (col < 0 ||
            ((t->cols[col].flags & COL_HEALTH) && !reads_health(r))) {
            refuse(out, 400, "unknown_field", k, "表中没有这一栏",
                   "the table has no such column");
            return;
        }
        where[nw++] = (struct hz_field){k, v};
    }
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_ls(n, t->name, nw, where, &json, &err);
    if (rv != 0) {
        hz_free_string(json);
        refuse_hz(out, rv, &err);
        return;
    }
    json_t *all = loads(json);
    json_t *page = json_array();
    size_t total = json_array_size(all);
    for (size_t i = (size_t)offset; i < total && i < (size_t)(offset + limit);
         i++)
        json_array_append(page, json_array_get(all, i));
    json_decref(all);
    health_filter(r, t, page);
    ok(out, 200,
       json_pack("{s:o, s:I}", "rows", page, "total", (json_int_t)total));
}

/* ---- households with their members */

static const char *const flag_cols[] = {"elderly_mobility", "disabled",
                                        "no_caretaker",     "left_behind",
                                        "pregnant",         "chronic"};

/* ---- likely duplicates (issue 13: "warned at once if the person or
 * household looks already registered"): hz_node_duplicates */

static json_t *duplicates_of(hz_node *n, json_t *o)
{
    char *in = json_dumps(o, JSON_COMPACT), *json = NULL;
    struct hz_err err = {0};
    json_t *m = NULL;
    if (in != NULL && hz_node_duplicates(n, in, &json, &err) == 0)
        m = loads(json);
    else
        hz_free_string(json);
    free(in);
    return m != NULL ? m : json_array();
}

/* GET /api/duplicates?name=&birth_year=&village=&id_number=&phone=: the
 * likely duplicates of one person being typed into a form (the checks of
 * POST /api/households, asked for at once), {"matches": [...]}. */
static void duplicates_route(hz_node *n, const struct api_req *r,
                             struct api_res *out)
{
    static const char *const allowed[] = {"name",      "birth_year", "village",
                                          "id_number", "phone",      NULL};
    if (!query_only(r, allowed, out))
        return;
    const char *year = query(r, "birth_year");
    char *end = NULL;
    long long y = year != NULL ? strtoll(year, &end, 10) : 0;
    if (year != NULL && (end == year || *end != '\0' || y < 1 || y > 9999)) {
        refuse(out, 422, "bad_value", "birth_year", "出生年份不正确",
               "birth_year is not a year");
        return;
    }
    json_t *m = json_object();
    static const char *const texts[] = {"name", "id_number", "phone"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        const char *v = query(r, texts[i]);
        if (v != NULL && v[0] != '\0')
            json_object_set_new(m, texts[i], json_string(v));
    }
    if (y > 0)
        json_object_set_new(m, "birth_year", json_integer(y));
    json_t *o = json_pack("{s:[o]}", "members", m);
    const char *village = query(r, "village");
    if (village != NULL && village[0] != '\0')
        json_object_set_new(o, "village", json_string(village));
    json_t *dups = duplicates_of(n, o);
    json_decref(o);
    ok(out, 200, json_pack("{s:o}", "matches", dups));
}

/* POST /api/households: {household fields..., "members": [{person
 * fields..., "flags": [...]}], "confirm"?: true}: the household and every
 * member, one action, one batch. Without "confirm", a likely duplicate
 * of rows the node holds is answered 409 possible_duplicate with the
 * matches, and nothing is written. */
static void household_add(hz_node *n, const struct api_req *r,
                          struct api_res *out)
{
    json_t *o = body_object(r, out);
    if (o == NULL)
        return;
    const struct schema *s = schema_current();
    const struct table_def *th = schema_table_c(s, "households");
    const struct table_def *tp = schema_table_c(s, "persons");
    json_t *members = json_object_get(o, "members");
    if (members != NULL &&
        (!json_is_array(members) || json_array_size(members) > MEMBERS_MAX)) {
        refuse(out, 422, "bad_value", "members", "成员应为列表（最多 64 人）",
               "members is a list of at most 64");
        json_decref(o);
        return;
    }
    json_t *confirm = json_object_get(o, "confirm");
    if (confirm != NULL && !json_is_boolean(confirm)) {
        refuse(out, 422, "bad_value", "confirm", "confirm 应为是/否",
               "confirm is true or false");
        json_decref(o);
        return;
    }
    bool confirmed = json_is_true(confirm);
    json_object_del(o, "confirm");
    const char *head = json_string_value(json_object_get(o, "head_name"));
    if (head == NULL || head[0] == '\0') {
        refuse(out, 422, "missing", "head_name", "请填写户主姓名",
               "the head of household's name is required");
        json_decref(o);
        return;
    }
    if (!confirmed && strcmp(r->user->role, "viewer") != 0) {
        json_t *dups = duplicates_of(n, o);
        if (json_array_size(dups) > 0) {
            refuse(
                out, 409, "possible_duplicate", NULL,
                "可能已经登记过：请核对下列记录，确认不是同一户/同一人后再保存",
                "this may be registered already: check the records below,"
                " then save again if they are not the same");
            json_object_set_new(out->body, "matches", dups);
            json_decref(o);
            return;
        }
        json_decref(dups);
    }
    hz_batch *b = batch_for(n, r, out);
    char hid[HZ_ROW_HEX_LEN + 1];
    /* "members" is the list; the household's count is its length. */
    json_t *hrow = json_deep_copy(o);
    json_object_del(hrow, "members");
    if (json_array_size(members) > 0)
        json_object_set_new(hrow, "members",
                            json_integer((json_int_t)json_array_size(members)));
    bool fine = b != NULL && put_object(b, th, NULL, hrow, NULL, hid, out);
    json_decref(hrow);
    json_t *ids = json_array();
    size_t i;
    json_t *m;
    json_array_foreach(members, i, m)
    {
        if (!fine)
            break;
        if (!json_is_object(m)) {
            refuse(out, 422, "bad_value", "members", "成员应为对象",
                   "a member is an object");
            fine = false;
            break;
        }
        const char *name = json_string_value(json_object_get(m, "name"));
        if (name == NULL || name[0] == '\0') {
            char field[48];
            snprintf(field, sizeof field, "members.%zu.name", i);
            refuse(out, 422, "missing", field, "请填写成员姓名",
                   "a member's name is required");
            fine = false;
            break;
        }
        json_t *flags = json_object_get(m, "flags");
        char field[96];
        /* a member belongs to the household being made: another one
         * named here would be replaced in silence */
        if (json_object_get(m, "household") != NULL) {
            snprintf(field, sizeof field, "members.%zu.household", i);
            refuse(out, 400, "unknown_field", field,
                   "成员属于正在登记的这一户，不能另指住户",
                   "a member belongs to the household being registered");
            fine = false;
            break;
        }
        json_t *row = json_deep_copy(m);
        json_object_del(row, "flags");
        json_object_set_new(row, "household", json_string(hid));
        size_t k;
        json_t *fl;
        json_array_foreach(flags, k, fl)
        {
            const char *col = json_string_value(fl);
            bool known = false;
            for (size_t c = 0; col != NULL && c < 6; c++)
                known = known || strcmp(col, flag_cols[c]) == 0;
            snprintf(field, sizeof field, "members.%zu.flags", i);
            if (!known) {
                refuse(out, 422, "bad_value", field, "不认识的困难标记",
                       "unknown vulnerability flag");
                fine = false;
                break;
            }
            /* a flag and its column saying two things: which is meant? */
            json_t *said = json_object_get(m, col);
            if (said != NULL && !json_is_true(said)) {
                snprintf(field, sizeof field, "members.%zu.%s", i, col);
                refuse(out, 422, "bad_value", field, "困难标记与该栏的取值矛盾",
                       "a flag given and its column set otherwise");
                fine = false;
                break;
            }
            json_object_set_new(row, col, json_true());
        }
        if (flags != NULL && !json_is_array(flags) && fine) {
            snprintf(field, sizeof field, "members.%zu.flags", i);
            refuse(out, 422, "bad_value", field, "困难标记应为列表",
                   "flags is a list");
            fine = false;
        }
        char pid[HZ_ROW_HEX_LEN + 1];
        if (fine && !put_object(b, tp, NULL, row, NULL, pid, out)) {
            /* name the member the problem is in */
            json_t *e = json_object_get(out->body, "error");
            const char *f = json_string_value(json_object_get(e, "field"));
            snprintf(field, sizeof field, "members.%zu.%s", i,
                     f != NULL ? f : "");
            json_object_set_new(e, "field", json_string(field));
            fine = false;
        }
        json_decref(row);
        if (fine)
            json_array_append_new(ids, json_string(pid));
    }
    fine = finish(n, b, fine, out);
    if (fine)
        ok(out, 201, json_pack("{s:s, s:O}", "id", hid, "members", ids));
    json_decref(ids);
    json_decref(o);
}

/* ---- supplies */

static bool keys_only(json_t *o, const char *const *keys, struct api_res *out);

/* Does @row's @col read @want (ignoring ASCII case)? */
static bool same_text(json_t *row, const char *col, const char *want)
{
    const char *v = json_string_value(json_object_get(row, col));
    return v != NULL && want != NULL && strcasecmp(v, want) == 0;
}

/* Local midnight today, in Unix seconds (the day a shelter counts in). */
static int64_t today_start(void)
{
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return (int64_t)mktime(&tm);
}

/* A distribution to a household that already received the same item
 * today, anywhere in the merged data, is answered 409 received_today with
 * those distributions unless the request says "confirm": true (taken out
 * of @o here). false after refusing. */
/* Whether a stock movement @m has been corrected: a row reverses it. */
static bool reversed(hz_node *n, json_t *m)
{
    const char *id = json_string_value(json_object_get(m, "id"));
    if (id == NULL)
        return false;
    struct hz_field where[] = {{"reverses", id}};
    char *json = NULL;
    struct hz_err err = {0};
    bool any = hz_node_ls(n, "stock_moves", 1, where, &json, &err) == 0 &&
               json != NULL && strcmp(json, "[]") != 0;
    hz_free_string(json);
    return any;
}

static bool distribution_ok(hz_node *n, const struct api_req *r, json_t *o,
                            struct api_res *out)
{
    json_t *confirm = json_object_get(o, "confirm");
    if (confirm != NULL && !json_is_boolean(confirm)) {
        refuse(out, 422, "bad_value", "confirm", "confirm 应为是/否",
               "confirm is true or false");
        return false;
    }
    bool confirmed = json_is_true(confirm);
    json_object_del(o, "confirm");
    const char *kind = json_string_value(json_object_get(o, "kind"));
    const char *hh = json_string_value(json_object_get(o, "household"));
    const char *item = json_string_value(json_object_get(o, "item"));
    if (confirmed || kind == NULL || strcmp(kind, "distributed") != 0 ||
        hh == NULL || item == NULL || strcmp(r->user->role, "viewer") == 0)
        return true;
    struct hz_field where[] = {
        {"household", hh}, {"item", item}, {"kind", "distributed"}};
    char *json = NULL;
    struct hz_err err = {0};
    if (hz_node_ls(n, "stock_moves", 3, where, &json, &err) != 0) {
        hz_free_string(json);
        return true; /* the commit will say what is wrong */
    }
    json_t *rows = loads(json);
    json_t *today = json_array();
    int64_t since = today_start();
    size_t i;
    json_t *m;
    json_array_foreach(rows, i, m)
    {
        /* a correction is not a distribution, and one corrected away did
         * not happen (DECISIONS 10) */
        if (json_integer_value(json_object_get(m, "time")) >= since &&
            json_object_get(m, "reverses") == NULL && !reversed(n, m))
            json_array_append(today, m);
    }
    json_decref(rows);
    if (json_array_size(today) == 0) {
        json_decref(today);
        return true;
    }
    refuse(out, 409, "received_today", "household",
           "该户今天已领取过此物资（见下列记录）；确认仍要发放后再保存",
           "this household already received this item today (below);"
           " save again to give it anyway");
    json_object_set_new(out->body, "matches", today);
    return false;
}

/* A view's rows as JSON, only @site's (32 hex) when given and it is an
 * id; NULL when the view fails. */
static json_t *view_rows(hz_node *n, const char *view, const char *site)
{
    uint8_t id[HZ_ROW_LEN];
    bool one = site != NULL && hex_decode(site, id, sizeof id) == 0;
    json_t *v = NULL;
    struct hz_err err = {0};
    return store_view_json(n, view, one ? id : NULL, &v, &err) == 0 ? v : NULL;
}

/* The stock on hand of @item at @site in this node's view (the stock
 * view), 0 when none. */
static long long on_hand(hz_node *n, const char *site, const char *item)
{
    json_t *all = view_rows(n, "stock", site);
    long long q = 0;
    size_t i;
    json_t *v;
    json_array_foreach(all, i, v)
    {
        if (same_text(v, "site", site) && same_text(v, "item", item))
            q = (long long)json_integer_value(json_object_get(v, "on_hand"));
    }
    json_decref(all);
    return q;
}

/* POST /api/stock {"site", "item", "action", "qty", "household"?,
 * "counterpart"?, "reference"?, "to"?, "confirm"?}: a stock movement as a
 * person says it, a positive quantity and what happened (as `huzhu stock`
 * does): received, donated, distributed, lost, count (the counted value;
 * the adjustment against this node's view is written, DECISIONS 10), or
 * transfer to another site (its transfer_out here and transfer_in there,
 * one batch). A distribution goes through the same check as a
 * distribution to POST /api/stock_moves (received_today). */
static void stock_route(hz_node *n, const struct api_req *r,
                        struct api_res *out)
{
    static const char *const keys[] = {
        "site",        "item",      "action", "qty",     "household",
        "counterpart", "reference", "to",     "confirm", NULL};
    json_t *o = body_object(r, out);
    if (o == NULL || !keys_only(o, keys, out)) {
        json_decref(o);
        return;
    }
    static const struct {
        const char *action, *kind;
        int sign;
    } actions[] = {{"received", "received", 1},
                   {"donated", "donated", 1},
                   {"distributed", "distributed", -1},
                   {"lost", "lost", -1},
                   {"count", "counted", 0},
                   {"transfer", "transfer_out", -1}};
    const char *action = json_string_value(json_object_get(o, "action"));
    size_t a = 0;
    while (a < sizeof actions / sizeof actions[0] &&
           (action == NULL || strcmp(actions[a].action, action) != 0))
        a++;
    json_t *qty = json_object_get(o, "qty");
    const char *site = json_string_value(json_object_get(o, "site"));
    const char *item = json_string_value(json_object_get(o, "item"));
    const char *to = json_string_value(json_object_get(o, "to"));
    bool transfer = a < sizeof actions / sizeof actions[0] &&
                    strcmp(actions[a].action, "transfer") == 0;
    if (a == sizeof actions / sizeof actions[0]) {
        refuse(out, 422, "bad_value", "action", "请选择操作",
               "action is received, donated, distributed, lost, count or"
               " transfer");
    } else if (!json_is_integer(qty) || json_integer_value(qty) < 0 ||
               json_integer_value(qty) > 1000000000000 ||
               (actions[a].sign != 0 && json_integer_value(qty) == 0)) {
        refuse(out, 422, "bad_value", "qty", "数量应为正整数",
               "qty is a positive whole number");
    } else if (site == NULL || item == NULL) {
        refuse(out, 422, "missing", site == NULL ? "site" : "item",
               "请选择地点和物资", "choose a site and an item");
    } else if (transfer && (to == NULL || strcmp(to, site) == 0)) {
        refuse(out, 422, "missing", "to", "请选择调往的另一个地点",
               "choose the other site to transfer to");
    } else if (!transfer && to != NULL) {
        refuse(out, 400, "unknown_field", "to", "只有调拨需要目的地",
               "only a transfer has a destination");
    } else {
        long long q = (long long)json_integer_value(qty);
        long long delta = actions[a].sign * q;
        if (actions[a].sign == 0)
            delta = q - on_hand(n, site, item);
        json_t *row = json_deep_copy(o);
        json_object_del(row, "action");
        json_object_del(row, "to");
        json_object_set_new(row, "kind", json_string(actions[a].kind));
        json_object_set_new(row, "qty", json_integer(delta));
        if (actions[a].sign == 0)
            json_object_set_new(row, "counted", json_integer(q));
        bool fine = distribution_ok(n, r, row, out);
        hz_batch *b = fine ? batch_for(n, r, out) : NULL;
        const struct table_def *t =
            schema_table_c(schema_current(), "stock_moves");
        char id[HZ_ROW_HEX_LEN + 1];
        fine = b != NULL && put_object(b, t, NULL, row, NULL, id, out);
        if (fine && transfer) {
            json_t *in =
                json_pack("{s:s, s:s, s:s, s:I}", "site", to, "item", item,
                          "kind", "transfer_in", "qty", (json_int_t)q);
            json_t *ref = json_object_get(o, "reference");
            if (ref != NULL)
                json_object_set(in, "reference", ref);
            fine = put_object(b, t, NULL, in, NULL, id, out);
            json_decref(in);
        }
        fine = finish(n, b, fine, out);
        if (fine)
            ok(out, 201,
               json_pack("{s:s, s:I}", "kind", actions[a].kind, "qty",
                         (json_int_t)delta));
        json_decref(row);
    }
    json_decref(o);
}

/* ---- one table */

static void table_route(hz_node *n, const struct api_req *r,
                        const struct table_def *t, const char *id,
                        struct api_res *out)
{
    const char *m = r->method;
    if (id == NULL && strcmp(m, "GET") == 0) {
        list_rows(n, t, r, out);
        return;
    }
    if (id != NULL && strcmp(m, "GET") == 0) {
        get_row(n, r, t->name, id, out);
        return;
    }
    bool post = id == NULL && strcmp(m, "POST") == 0;
    bool patch =
        id != NULL && strcmp(m, "PATCH") == 0 && t->kind == TABLE_ENTITY;
    bool del =
        id != NULL && strcmp(m, "DELETE") == 0 && t->kind == TABLE_ENTITY;
    if (!post && !patch && !del) {
        refuse(out, 405, "method", NULL, "不支持此操作",
               "method not allowed here");
        return;
    }
    if (post && strcmp(t->name, "households") == 0) {
        household_add(n, r, out);
        return;
    }
    json_t *o = del ? NULL : body_object(r, out);
    if (!del && o == NULL)
        return;
    if (post && strcmp(t->name, "stock_moves") == 0 &&
        !distribution_ok(n, r, o, out)) {
        json_decref(o);
        return;
    }
    hz_batch *b = batch_for(n, r, out);
    char row[HZ_ROW_HEX_LEN + 1];
    bool fine = b != NULL;
    /* a delete of a row this node does not hold is 404 (410 deleted), as
     * a read or an edit of it */
    if (fine && del && !live_row(n, t->name, id, NULL, out))
        fine = false;
    if (fine && del) {
        struct hz_err err = {0};
        int rv = hz_batch_del(b, t->name, id, &err);
        if (rv != 0) {
            refuse_hz(out, rv, &err);
            fine = false;
        }
        snprintf(row, sizeof row, "%.32s", id);
    } else if (fine) {
        if (patch) {
            /* An edit of a row this node does not hold is refused. */
            char *json = NULL;
            struct hz_err err = {0};
            int rv = hz_node_get(n, t->name, id, &json, &err);
            hz_free_string(json);
            if (rv != 0) {
                refuse_hz(out, rv, &err);
                fine = false;
            }
        }
        fine = fine && put_object(b, t, patch ? id : NULL, o, NULL, row, out);
    }
    fine = finish(n, b, fine, out);
    if (fine && del)
        ok(out, 200, json_pack("{s:s, s:b}", "id", row, "deleted", 1));
    else if (fine)
        get_row(n, r, t->name, row, out);
    if (fine && post)
        out->status = 201;
    json_decref(o);
}

/* ---- check-in, check-out, stock */

/* POST /api/checkin {"site", "persons": [...]} and POST /api/checkout
 * {"persons": [...], "site"?}: one batch for all of them. */
static void stays_route(hz_node *n, const struct api_req *r, bool in,
                        struct api_res *out)
{
    json_t *o = body_object(r, out);
    if (o == NULL)
        return;
    const char *site = json_string_value(json_object_get(o, "site"));
    json_t *persons = json_object_get(o, "persons");
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "site") != 0 && strcmp(key, "persons") != 0) {
            refuse(out, 400, "unknown_field", key, "不认识的栏目",
                   "unknown field");
            json_decref(o);
            return;
        }
    }
    if (!json_is_array(persons) || json_array_size(persons) == 0 ||
        json_array_size(persons) > PERSONS_MAX) {
        refuse(out, 422, "bad_value", "persons", "请选择 1 到 64 人",
               "persons is a list of 1 to 64 person ids");
        json_decref(o);
        return;
    }
    if (in && site == NULL) {
        refuse(out, 422, "missing", "site", "请选择安置点", "choose a site");
        json_decref(o);
        return;
    }
    /* who is checked in (at the site, when one is named) */
    json_t *open = view_rows(n, "presence", site);
    hz_batch *b = batch_for(n, r, out);
    bool fine = b != NULL;
    const struct table_def *ts = schema_table_c(schema_current(), "stays");
    size_t i, k;
    json_t *p, *s;
    json_array_foreach(persons, i, p)
    {
        if (!fine)
            break;
        const char *pid = json_string_value(p);
        if (pid == NULL) {
            refuse(out, 422, "bad_value", "persons", "人员编号无效",
                   "a person id is text");
            fine = false;
            break;
        }
        for (size_t j = 0; j < i && fine; j++)
            fine = !json_equal(json_array_get(persons, j), p);
        if (!fine) {
            refuse(out, 422, "bad_value", "persons", "同一人列了两次",
                   "a person is listed twice");
            break;
        }
        /* the person's open stays here (checkout: at the one site they
         * are at, or the site named; two nodes that each checked them in
         * there left two, and leaving closes both) */
        const char *at = NULL;
        size_t found = 0;
        bool several = false;
        json_array_foreach(open, k, s)
        {
            const char *sp = json_string_value(json_object_get(s, "person"));
            const char *ss = json_string_value(json_object_get(s, "site"));
            if (sp == NULL || ss == NULL || strcmp(sp, pid) != 0 ||
                (site != NULL && strcmp(ss, site) != 0))
                continue;
            several = several || (at != NULL && strcmp(ss, at) != 0);
            at = at != NULL ? at : ss;
            found++;
        }
        if (in && found > 0) {
            refuse(out, 422, "bad_value", "persons", "此人已在该安置点入住",
                   "this person is already checked in at this site");
            fine = false;
            break;
        }
        if (!in && (found == 0 || several)) {
            refuse(out, 422, found == 0 ? "not_checked_in" : "ambiguous",
                   "persons",
                   found == 0 ? "此人当前未在任何安置点入住"
                              : "此人在多个安置点入住，请指定安置点",
                   found == 0 ? "this person is not checked in anywhere"
                              : "checked in at several sites: name one");
            fine = false;
            break;
        }
        char id[HZ_ROW_HEX_LEN + 1];
        if (in) {
            json_t *row = json_pack("{s:s, s:s, s:s}", "person", pid, "kind",
                                    "in", "site", site);
            fine = put_object(b, ts, NULL, row, NULL, id, out);
            json_decref(row);
            continue;
        }
        json_array_foreach(open, k, s)
        {
            const char *sp = json_string_value(json_object_get(s, "person"));
            const char *ss = json_string_value(json_object_get(s, "site"));
            if (!fine || sp == NULL || ss == NULL || strcmp(sp, pid) != 0 ||
                strcmp(ss, at) != 0)
                continue;
            json_t *row =
                json_pack("{s:s, s:s, s:s, s:O}", "person", pid, "kind", "out",
                          "site", at, "closes", json_object_get(s, "stay"));
            fine = put_object(b, ts, NULL, row, NULL, id, out);
            json_decref(row);
        }
    }
    fine = finish(n, b, fine, out);
    if (fine)
        ok(out, 201,
           json_pack("{s:I}", "persons", (json_int_t)json_array_size(persons)));
    json_decref(open);
    json_decref(o);
}

/* ---- views, conflicts, search, registry */

/* The rows of a view a request keeps: those whose columns named in its
 * query (@cols) hold the values asked (a shelter's page asks for its own
 * site, a household's page for its own household, a village's page for
 * its village). */
struct kept {
    json_t *rows;
    const struct api_req *r;
    const char *const *cols;
    const char *lacks; /* a column asked for that the view's rows lack */
};

static int keep_row(void *data, json_t *row, struct hz_err *err)
{
    struct kept *k = data;
    for (size_t i = 0; k->cols[i] != NULL; i++) {
        const char *want = query(k->r, k->cols[i]);
        if (want == NULL)
            continue;
        json_t *v = json_object_get(row, k->cols[i]);
        if (v == NULL)
            k->lacks = k->cols[i]; /* a view without it: not "none here" */
        const char *s = json_string_value(v);
        if (s == NULL || strcmp(s, want) != 0)
            return 0;
    }
    return json_array_append(k->rows, row) == 0
               ? 0
               : hz_err_set(err, HZ_ENOMEM, "view");
}

/* GET /api/views/VIEW[?site=ID][&household=ID] */
static void view_route(hz_node *n, const struct api_req *r, const char *view,
                       struct api_res *out)
{
    static const char *const allowed[] = {"site", "household", "village", NULL};
    if (!query_only(r, allowed, out))
        return;
    /* A site's rows are made by the database alone (a shelter's page
     * costs its site, not every site). */
    const char *site = query(r, "site"), *household = query(r, "household");
    uint8_t site_id[HZ_ROW_LEN];
    if (site != NULL && hex_decode(site, site_id, sizeof site_id) != 0) {
        refuse(out, 422, "bad_value", "site", "安置点编号不正确",
               "site is not a row id (32 hex digits)");
        return;
    }
    /* an id that names nothing is said, not answered with no rows (a
     * household that is no id: 422, from the read) */
    if ((site != NULL && !live_row(n, "sites", site, "site", out)) ||
        (household != NULL &&
         !live_row(n, "households", household, "household", out)))
        return;
    json_t *v = NULL;
    struct hz_err err = {0};
    /* rows kept as they come: a village's page of a township's 100,000
     * households holds the village's */
    struct kept k = {json_array(), r, allowed, NULL};
    int rv = k.rows != NULL
                 ? store_view_each(n, view, site != NULL ? site_id : NULL,
                                   keep_row, &k, &err)
                 : hz_err_set(&err, HZ_ENOMEM, "view");
    if (rv == 0 && k.lacks != NULL) {
        json_decref(k.rows);
        refuse(out, 400, "unknown_field", k.lacks, "此视图不能按这一项筛选",
               "this view's rows have no such column to keep");
        return;
    }
    const char *village = query(r, "village");
    if (rv == 0 && village != NULL && json_array_size(k.rows) == 0) {
        rv = store_village_known(n, village, &err);
        if (rv != 0) {
            json_decref(k.rows);
            refuse_hz(out, rv, &err);
            return;
        }
    }
    if (rv == 0)
        v = k.rows;
    else
        json_decref(k.rows);
    /* not a view of rows (unaccounted: rows and totals, the node's whole
     * count, which a filter would leave untrue) or none at all */
    if (rv == HZ_EINVAL && r->n_query > 0 && store_view_totals(view)) {
        refuse(out, 400, "unknown_field", r->qk[0],
               "此视图是全乡镇的名单和合计，不能筛选(按村请用 village 视图)",
               "this view is the whole node's list and totals: no filter"
               " (the village view has a village's)");
        return;
    }
    if (rv == HZ_EINVAL)
        rv = store_view_json(n, view, site != NULL ? site_id : NULL, &v, &err);
    if (rv != 0) {
        /* HZ_EINVAL: not one of the store's views (the one list of them) */
        if (rv == HZ_EINVAL)
            refuse(out, 404, "not_found", NULL, "没有这个视图", "no such view");
        else
            refuse_hz(out, rv, &err);
        return;
    }
    ok(out, 200, v);
}

/* GET /api/history/TABLE/ID: who wrote what to the row, and when. */
static void history_route(hz_node *n, const struct api_req *r,
                          const char *table, const char *id,
                          struct api_res *out)
{
    static const char *const none[] = {NULL};
    if (!query_only(r, none, out))
        return;
    if (schema_table_c(schema_current(), table) == NULL) {
        refuse(out, 404, "not_found", NULL, "没有这个表", "no such table");
        return;
    }
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_history(n, table, id, &json, &err);
    reply_rows(r, table, out, rv, json, &err);
}

/* GET /api/conflicts: the kept values, each with who wrote it (device,
 * account), for people to choose between. */
static void conflicts_route(hz_node *n, struct api_res *out)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_conflicts(n, &json, &err);
    reply(out, rv, json, &err);
    size_t i, k;
    json_t *c, *h;
    json_array_foreach(out->status == 200 ? out->body : NULL, i, c)
    {
        json_array_foreach(json_object_get(c, "heads"), k, h)
        {
            uint8_t eid[HZ_HASH_LEN];
            const char *hex = json_string_value(json_object_get(h, "entry"));
            if (hex != NULL && hex_decode(hex, eid, sizeof eid) == 0)
                (void)store_entry_who(n, eid, h, &err);
        }
    }
}

/* POST /api/conflicts/resolve {"table", "row", "column", "value"}: a new
 * write that has seen every kept value, so it supersedes them all. */
static void resolve_route(hz_node *n, const struct api_req *r,
                          struct api_res *out)
{
    json_t *o = body_object(r, out);
    if (o == NULL)
        return;
    const char *table = json_string_value(json_object_get(o, "table"));
    const char *row = json_string_value(json_object_get(o, "row"));
    const char *col = json_string_value(json_object_get(o, "column"));
    json_t *value = json_object_get(o, "value");
    const struct table_def *t =
        table != NULL ? schema_table_c(schema_current(), table) : NULL;
    if (t == NULL || t->kind != TABLE_ENTITY || row == NULL || col == NULL ||
        value == NULL || json_object_size(o) != 4) {
        refuse(out, 422, "bad_value", NULL, "请给出表、行、栏目和选定的值",
               "give table, row, column and the chosen value");
        json_decref(o);
        return;
    }
    /* Only a row the node holds, and not deleted (a delete against an
     * edit is resolved by editing or deleting the row itself). */
    char *held = NULL;
    struct hz_err gerr = {0};
    int g = hz_node_get(n, table, row, &held, &gerr);
    hz_free_string(held);
    if (g != 0) {
        refuse_hz(out, g, &gerr);
        json_decref(o);
        return;
    }
    json_t *fields = json_object();
    json_object_set(fields, col, value);
    hz_batch *b = batch_for(n, r, out);
    char id[HZ_ROW_HEX_LEN + 1];
    bool fine = b != NULL && put_object(b, t, row, fields, NULL, id, out);
    fine = finish(n, b, fine, out);
    if (fine)
        get_row(n, r, table, row, out);
    json_decref(fields);
    json_decref(o);
}

/* GET /api/search?q=&limit=: hz_node_search (names anywhere, so a
 * surname or a two-character name; phone, ID number or its last digits;
 * village). */
static void search_route(hz_node *n, const struct api_req *r,
                         struct api_res *out)
{
    static const char *const allowed[] = {"q", "limit", NULL};
    if (!query_only(r, allowed, out))
        return;
    const char *q = query(r, "q");
    const char *lim = query(r, "limit");
    char *end = NULL;
    long limit = lim != NULL ? strtol(lim, &end, 10) : 50;
    if (q == NULL || q[0] == '\0' || strlen(q) > 64 ||
        (lim != NULL && (*lim == '\0' || *end != '\0')) || limit < 1 ||
        limit > SEARCH_LIMIT_MAX) {
        refuse(out, 400, "bad_value", "q", "请输入 1 到 64 字节的查询",
               "q has 1 to 64 bytes; limit 1 to 100");
        return;
    }
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_search(n, q, (size_t)limit, &json, &err);
    if (rv == HZ_EINVAL) {
        hz_free_string(json);
        refuse(out, 400, "bad_value", "q", "查询内容无效",
               "q is not valid text");
        return;
    }
    reply(out, rv, json, &err);
}

/* GET /api/schema: the registry, for the forms. */
static void schema_route(struct api_res *out)
{
    const struct schema *s = schema_current();
    json_t *tables = json_array();
    for (size_t i = 0; i < s->n_tables; i++) {
        const struct table_def *t = &s->tables[i];
        if (t->flags & TABLE_BY_NODE)
            continue; /* no form writes it */
        json_t *cols = json_array();
        for (size_t c = 0; c < t->n_cols; c++) {
            const struct col_def *d = &t->cols[c];
            static const char *const types[] = {"text", "int", "real",
                                                "bool", "id",  "enum"};
            json_t *col =
                json_pack("{s:s, s:s, s:s, s:s, s:b}", "name", d->name, "type",
                          types[d->type], "zh", d->zh, "en", d->en, "required",
                          (d->flags & COL_REQUIRED) != 0);
            if (d->type == COL_INT && d->min < d->max) {
                json_object_set_new(col, "min", json_integer(d->min));
                json_object_set_new(col, "max", json_integer(d->max));
            }
            if (d->type == COL_ID)
                json_object_set_new(col, "ref", json_string(d->ref_table));
            if (d->type == COL_ENUM) {
                json_t *vals = json_array();
                for (const struct enum_val *e = d->values; e->name != NULL; e++)
                    json_array_append_new(vals, json_pack("{s:s, s:s, s:s}",
                                                          "name", e->name, "zh",
                                                          e->zh, "en", e->en));
                json_object_set_new(col, "values", vals);
            }
            json_array_append_new(cols, col);
        }
        json_array_append_new(
            tables,
            json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", t->name, "kind",
                      t->kind == TABLE_ENTITY ? "entity" : "event", "zh", t->zh,
                      "en", t->en, "columns", cols));
    }
    ok(out, 200, json_pack("{s:o}", "tables", tables));
}

static void status_route(hz_node *n, const struct api_req *r,
                         struct api_res *out)
{
    char *json = NULL, hash[HZ_KEY_HEX_LEN + 1] = "", key[HZ_KEY_HEX_LEN + 1];
    struct hz_err err = {0};
    int rv = hz_node_status(n, &json, &err);
    if (rv == 0)
        rv = hz_node_state_hash(n, hash, &err);
    if (rv != 0) {
        hz_free_string(json);
        refuse_hz(out, rv, &err);
        return;
    }
    hz_node_key_hex(n, key);
    json_t *st = loads(json);
    json_object_set_new(st, "state_hash", json_string(hash));
    json_object_set_new(st, "key", json_string(key));
    json_object_set_new(st, "web_fingerprint",
                        r->fingerprint != NULL && r->fingerprint[0] != '\0'
                            ? json_string(r->fingerprint)
                            : json_null());
    ok(out, 200, st);
}

/* ---- the network: members, admission, revocation, peers */

static bool role_is(const struct api_req *r, const char *a, const char *b)
{
    return strcmp(r->user->role, a) == 0 ||
           (b != NULL && strcmp(r->user->role, b) == 0);
}

static void members_route(hz_node *n, struct api_res *out)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_members(n, &json, &err);
    reply(out, rv, json, &err);
}

/* Only the keys in @keys (NULL-terminated) may be in @o. */
static bool keys_only(json_t *o, const char *const *keys, struct api_res *out)
{
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        bool known = false;
        for (const char *const *k = keys; *k != NULL && !known; k++)
            known = strcmp(*k, key) == 0;
        if (!known) {
            refuse(out, 400, "unknown_field", key, "不认识的栏目",
                   "unknown field");
            return false;
        }
    }
    return true;
}

/* The request's object when the account is one of @a, @b (NULL: none
 * else) and it holds only @keys; NULL after refusing. */
static json_t *admin_body(const struct api_req *r, const char *a, const char *b,
                          const char *const *keys, struct api_res *out)
{
    if (!role_is(r, a, b)) {
        refuse(out, 403, "forbidden", NULL, "您的账号不能做网络管理",
               "this account may not manage the network");
        return NULL;
    }
    json_t *o = body_object(r, out);
    if (o != NULL && !keys_only(o, keys, out)) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* POST /api/admit {"key", "name", "role", "site"?, "valid_days"?}: an
 * admin account admits a device; the join token comes back to be copied
 * to the device. */
static void admit_route(hz_node *n, const struct api_req *r,
                        struct api_res *out)
{
    static const char *const keys[] = {"key",  "name",       "role",
                                       "site", "valid_days", NULL};
    json_t *o = admin_body(r, "admin", NULL, keys, out);
    if (o == NULL)
        return;
    json_t *days = json_object_get(o, "valid_days");
    struct hz_admission a = {
        .key = json_string_value(json_object_get(o, "key")),
        .name = json_string_value(json_object_get(o, "name")),
        .role = json_string_value(json_object_get(o, "role")),
        .site = json_string_value(json_object_get(o, "site")),
        .valid_days = json_is_integer(days) && json_integer_value(days) > 0 &&
                              json_integer_value(days) <= 36500
                          ? (unsigned)json_integer_value(days)
                          : 0};
    if (a.key == NULL || a.name == NULL || a.name[0] == '\0' ||
        a.role == NULL || (days != NULL && a.valid_days == 0)) {
        refuse(out, 422, "missing", a.key == NULL ? "key" : "name",
               "请填写设备公钥、名称和角色（有效天数 1 到 36500）",
               "give the device's key, a name and a role (valid days 1 to"
               " 36500)");
        json_decref(o);
        return;
    }
    char *token = NULL;
    struct hz_err err = {0};
    int rv = hz_admit(n, &a, &token, &err);
    if (rv == 0) {
        out->wrote = true;
        /* A second device's camera reads it (when libqrencode is here). */
        char *svg = qr_svg(token);
        ok(out, 201, json_pack("{s:s, s:s?}", "token", token, "qr_svg", svg));
        free(svg);
    } else if (rv == HZ_EINVAL) {
        char en[HZ_ERR_MSG_MAX + 32];
        snprintf(en, sizeof en, "not admitted: %s", err.msg);
        refuse(out, 422, "bad_value", NULL,
               "公钥、角色、安置点或有效天数不正确", en);
    } else {
        refuse_hz(out, rv, &err);
    }
    hz_free_string(token);
    json_decref(o);
}

/* POST /api/revoke {"key"}: an admin account revokes a device after the
 * last entry of it this node holds. */
static void revoke_route(hz_node *n, const struct api_req *r,
                         struct api_res *out)
{
    static const char *const keys[] = {"key", NULL};
    json_t *o = admin_body(r, "admin", NULL, keys, out);
    if (o == NULL)
        return;
    const char *key = json_string_value(json_object_get(o, "key"));
    if (key == NULL) {
        refuse(out, 422, "missing", "key", "请给出设备公钥",
               "give the device's key");
        json_decref(o);
        return;
    }
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_revoke(n, key, 0, 0, &json, &err);
    if (rv == 0)
        out->wrote = true;
    if (rv == HZ_EINVAL) {
        hz_free_string(json);
        refuse(out, 422, "bad_value", "key", "公钥不正确", err.msg);
    } else {
        reply(out, rv, json, &err);
    }
    json_decref(o);
}

/* An IPv4 literal and a port, or an IPv6 literal in brackets and a port
 * (what `huzhu peer add` takes). */
static bool peer_addr_ok(const char *a)
{
    const char *colon = a != NULL ? strrchr(a, ':') : NULL;
    if (colon == NULL || colon == a || strlen(a) > 64)
        return false;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535)
        return false;
    char host[65];
    size_t hl = (size_t)(colon - a);
    memcpy(host, a, hl);
    host[hl] = '\0';
    unsigned char buf[16];
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        host[hl - 1] = '\0';
        return inet_pton(AF_INET6, host + 1, buf) == 1;
    }
    return inet_pton(AF_INET, host, buf) == 1;
}

/* POST /api/peers {"address"} and POST /api/peers/remove {"address"}:
 * the peers `huzhu serve` dials (an admin or coordinator account). */
static void peers_route(hz_node *n, const struct api_req *r, bool add,
                        struct api_res *out)
{
    static const char *const keys[] = {"address", NULL};
    json_t *o = admin_body(r, "admin", "coordinator", keys, out);
    if (o == NULL)
        return;
    const char *addr = json_string_value(json_object_get(o, "address"));
    if (!peer_addr_ok(addr)) {
        refuse(out, 422, "bad_value", "address",
               "地址应为 IPv4 地址:端口，例如 192.168.1.20:7420",
               "an address is IPv4:PORT (192.168.1.20:7420) or [IPv6]:PORT");
        json_decref(o);
        return;
    }
    struct hz_err err = {0};
    bool added = false;
    int rv = add ? store_peer_add(n, addr, &added, &err)
                 : store_peer_remove(n, addr, &err);
    if (rv == 0)
        ok(out, add ? 201 : 200,
           json_pack("{s:s, s:b}", "address", addr, add ? "added" : "removed",
                     add ? added : 1));
    else
        refuse_hz(out, rv, &err);
    json_decref(o);
}

/* ---- the township's reports (proto/reports.md), likely duplicates and
 * merges */

/* The library's report @name as JSON into *@rep, or false after
 * refusing. */
static bool report_load(hz_node *n, const char *name,
                        const struct hz_report_opts *o, json_t **rep,
                        struct api_res *out)
{
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_report(n, name, o, &json, &err);
    if (rv != 0) {
        hz_free_string(json);
        refuse_hz(out, rv, &err);
        return false;
    }
    *rep = loads(json);
    if (*rep == NULL) {
        refuse(out, 500, "internal", NULL, "节点内部错误",
               "the node's answer did not parse");
        return false;
    }
    return true;
}

/* A disaster report's kind, date and area (NULL or "": the defaults, as
 * huzhu report disaster: initial, today in local time, none) into @o;
 * false after refusing. @today holds the date made (16 bytes). */
static bool disaster_label(const char *kind, const char *date, const char *area,
                           struct hz_report_opts *o, char *today,
                           struct api_res *out)
{
    if (kind == NULL || kind[0] == '\0')
        kind = "initial";
    if (!sheet_report_kind_ok(kind)) {
        refuse(
            out, 400, "bad_value", "kind",
            "报告类型只能是 initial（初报）、daily（续报）或 verified（核报）",
            "kind is initial, daily or verified");
        return false;
    }
    if (date == NULL || date[0] == '\0') {
        sheet_local_time((int64_t)time(NULL), true, today, 16);
        date = today;
    } else if (!sheet_date_ok(date)) {
        refuse(out, 400, "bad_value", "date",
               "报告日期须为存在的日期，格式 YYYY-MM-DD（如 2026-07-01）",
               "date is a day that exists, YYYY-MM-DD (2026-07-01)");
        return false;
    }
    if (area != NULL && area[0] == '\0')
        area = NULL;
    if (area != NULL && strlen(area) > 200) {
        refuse(out, 400, "bad_value", "area", "填报单位太长（最多 200 字节）",
               "area is at most 200 bytes");
        return false;
    }
    o->kind = kind;
    o->date = date;
    o->area = area;
    o->now = (int64_t)time(NULL);
    return true;
}

/* The lists behind a disaster report's figures as the web takes them,
 * line by line from the library, so that a large township's (a million
 * lines) is never held whole by the serving process: for the JSON, the
 * lines of one figure and village when asked (?figure=&village=), at
 * most EXPLAIN_WEB_MAX of them, with the count of all that match; for the
 * XLSX, every line to an unnamed temporary file, read into the 明细
 * sheets as they are written. */
#define EXPLAIN_WEB_MAX 10000u

struct web_lines {
    const char *figure;  /* NULL: every figure */
    const char *village; /* NULL: every village; "": the lines of none */
    json_t *arr;
    size_t total;
    struct sheet_lines file; /* the XLSX's (file.fp set) */
    size_t max;              /* EXPLAIN_WEB_MAX; fewer in tests */
};

static int web_line(void *data, const struct hz_explain_line *l,
                    struct hz_err *err)
{
    struct web_lines *w = data;
    if (w->file.fp != NULL)
        return sheet_lines_add(&w->file, l, err);
    if (w->figure != NULL && strcmp(l->figure, w->figure) != 0)
        return 0;
    if (w->village != NULL &&
        (l->village != NULL ? strcmp(l->village, w->village) != 0
                            : w->village[0] != '\0'))
        return 0;
    w->total++;
    if (json_array_size(w->arr) < w->max &&
        json_array_append_new(w->arr, json_loads(l->json, 0, NULL)) != 0)
        return hz_err_set(err, HZ_ENOMEM, "report");
    return 0;
}

/* The disaster report of the query ?kind=&date=&area=&explain=
 * [&figure=&village=]; the lists to a temporary file when @w->file.fp is set
 * (the XLSX), else into the JSON. False after refusing. */
static bool disaster_of_query(hz_node *n, const struct api_req *r, json_t **rep,
                              struct web_lines *w, struct api_res *out)
{
    static const char *const allowed[] = {
        "kind", "date", "area", "explain", "figure", "village", NULL};
    if (!query_only(r, allowed, out))
        return false;
    const char *ex = query(r, "explain");
    if (ex != NULL && strcmp(ex, "") != 0 && strcmp(ex, "0") != 0 &&
        strcmp(ex, "1") != 0) {
        refuse(out, 400, "bad_value", "explain", "explain 只能是 0 或 1",
               "explain is 0 or 1");
        return false;
    }
    bool explain = ex != NULL && strcmp(ex, "1") == 0;
    w->figure = query(r, "figure");
    w->village = query(r, "village");
    bool known = w->figure == NULL;
    for (size_t i = 0; !known && i < SHEET_N_FIGS; i++)
        known = strcmp(sheet_figs[i].key, w->figure) == 0;
    if (!known || ((w->figure != NULL || w->village != NULL) &&
                   (!explain || w->file.fp != NULL))) {
        refuse(
            out, 400, "bad_value",
            !known || w->figure != NULL ? "figure" : "village",
            "figure 须为报表的指标，figure 和 village 只用于 explain=1 的 JSON",
            "figure is a figure of the report; figure and village go with"
            " explain=1, in the JSON");
        return false;
    }
    w->max = EXPLAIN_WEB_MAX;
    const char *test = getenv("HUZHU_TEST_EXPLAIN_WEB_MAX");
    if (test != NULL && strtoul(test, NULL, 10) >= 1 &&
        strtoul(test, NULL, 10) < EXPLAIN_WEB_MAX)
        w->max = (size_t)strtoul(test, NULL, 10);
    char today[16];
    struct hz_report_opts o = {
        .explain = explain, .explain_fn = web_line, .explain_data = w};
    if (explain && w->file.fp == NULL && (w->arr = json_array()) == NULL) {
        refuse(out, 500, "internal", NULL, "节点内部错误", "out of memory");
        return false;
    }
    bool fine = disaster_label(query(r, "kind"), query(r, "date"),
                               query(r, "area"), &o, today, out) &&
                report_load(n, "disaster", &o, rep, out);
    if (fine && explain && w->file.fp == NULL) {
        json_object_set_new(*rep, "explain", w->arr);
        json_object_set_new(*rep, "explain_total", json_integer(w->total));
        w->arr = NULL;
    }
    json_decref(w->arr);
    w->arr = NULL;
    return fine;
}

/* Append @s to @d (of @cap bytes) percent-encoded as RFC 5987 says (an
 * attr-char as it is, any other byte as %XX). */
static void pct_append(char *d, size_t cap, const char *s)
{
    size_t len = strlen(d);
    for (const unsigned char *p = (const unsigned char *)s;
         *p != '\0' && len + 4 < cap; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p) != NULL)
            d[len++] = (char)*p;
        else
            len += (size_t)snprintf(d + len, cap - len, "%%%02X", *p);
    }
    d[len] = '\0';
}

/* The answer is the file @fd (unlinked; taken, closed on failure) of
 * @size bytes and @type, named @ascii (for old browsers) and @utf8 (in
 * Chinese). */
static void file_reply(struct api_res *out, int fd, uint64_t size,
                       const char *type, const char *ascii, const char *utf8)
{
    char disp[600];
    snprintf(disp, sizeof disp,
             "attachment; filename=\"%s\"; filename*=UTF-8''", ascii);
    pct_append(disp, sizeof disp, utf8);
    ok(out, 200, json_pack("{s:s, s:s}", "type", type, "disposition", disp));
    if (out->body == NULL || json_object_size(out->body) != 2) {
        close(fd);
        refuse(out, 500, "internal", NULL, "节点内部错误", "out of memory");
        return;
    }
    out->fd = fd;
    out->size = size;
}

/* A CSV written by @write of @data into an unlinked temporary file, as
 * the answer. */
static void csv_reply_with(struct api_res *out,
                           int (*write)(FILE *fp, void *data, bool zh),
                           void *data, const char *ascii, const char *utf8)
{
    FILE *fp = tmpfile();
    bool fine = fp != NULL && write(fp, data, true) == 0 && fflush(fp) == 0;
    off_t size = fine ? ftello(fp) : -1;
    int fd = size >= 0 ? dup(fileno(fp)) : -1;
    if (fp != NULL)
        fclose(fp);
    if (fd >= 0)
        file_reply(out, fd, (uint64_t)size, "text/csv; charset=utf-8", ascii,
                   utf8);
    else
        refuse(out, 500, "internal", NULL, "无法生成文件",
               "the file could not be made");
}

/* A CSV laid out by @csv (src/sheet/report_out.c) of @rep, as the
 * answer. */
static void csv_reply(struct api_res *out, json_t *rep,
                      int (*csv)(FILE *fp, json_t *rep, bool zh),
                      const char *ascii, const char *utf8)
{
    struct sheet_csv_of k = {csv, rep};
    csv_reply_with(out, sheet_csv_of_write, &k, ascii, utf8);
}

/* A file written to a path by @write (XLSX, PFIF) in a directory of our
 * own under $TMPDIR (or /tmp), read back whole as the answer; the
 * directory removed. */
static void path_reply(struct api_res *out, json_t *rep,
                       int (*write)(const char *path, json_t *rep,
                                    const void *ctx, struct hz_err *err),
                       const void *ctx, const char *type, const char *ascii,
                       const char *utf8)
{
    const char *base = getenv("TMPDIR");
    char dir[512], path[600];
    snprintf(dir, sizeof dir, "%s/huzhu-web-XXXXXX",
             base != NULL && base[0] != '\0' && strlen(base) < 400 ? base
                                                                   : "/tmp");
    if (mkdtemp(dir) == NULL) {
        refuse(out, 507, "storage", NULL, "无法写入临时文件",
               "cannot make a temporary directory");
        return;
    }
    snprintf(path, sizeof path, "%s/report", dir);
    struct hz_err err = {0};
    int rv = write(path, rep, ctx, &err);
    int fd = rv == 0 ? open(path, O_RDONLY | O_CLOEXEC) : -1;
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) != 0) {
        close(fd);
        fd = -1;
    }
    /* Unlinked at once: the open descriptor keeps the bytes until the
     * server has sent them. */
    remove(path);
    rmdir(dir);
    if (fd >= 0)
        file_reply(out, fd, (uint64_t)st.st_size, type, ascii, utf8);
    else
        refuse(out, 500, "internal", NULL, "无法生成文件",
               "the file could not be made");
}

static int disaster_xlsx_fn(const char *path, json_t *rep, const void *ctx,
                            struct hz_err *err)
{
    const struct web_lines *w = ctx;
    if (w->file.fp == NULL)
        return sheet_disaster_xlsx(path, rep, err);
    rewind(w->file.fp);
    return sheet_disaster_xlsx_lines(path, rep, w->file.fp, w->file.n, err);
}

static int relief_xlsx_fn(const char *path, json_t *rep, const void *ctx,
                          struct hz_err *err)
{
    (void)ctx;
    return sheet_relief_xlsx(path, rep, err);
}

static int recovery_xlsx_fn(const char *path, json_t *rep, const void *ctx,
                            struct hz_err *err)
{
    (void)ctx;
    return sheet_recovery_xlsx(path, rep, err);
}

/* The disclosure's files with the ledger's rows read from the file the
 * library's rows_fn filled (@ctx, a sheet_lines). */
static int disclosure_xlsx_fn(const char *path, json_t *rep, const void *ctx,
                              struct hz_err *err)
{
    const struct sheet_lines *x = ctx;
    rewind(x->fp);
    return sheet_disclosure_xlsx(path, rep, x->fp, x->n, err);
}

static int disclosure_csv_fn(const char *path, json_t *rep, const void *ctx,
                             struct hz_err *err)
{
    const struct sheet_lines *x = ctx;
    rewind(x->fp);
    FILE *fp = fopen(path, "wb");
    bool fine =
        fp != NULL && sheet_disclosure_csv(fp, rep, x->fp, x->n, true) == 0;
    if (fp != NULL)
        fine = fclose(fp) == 0 && fine;
    return fine ? 0 : hz_err_set(err, HZ_EIO, "disclosure.csv");
}

#define XLSX_TYPE                                                              \
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* A report that is also a CSV and an XLSX file, named @base (ASCII) and
 * @base_zh (for people) with their extension. */
struct sheet_forms {
    int (*csv)(FILE *fp, json_t *rep, bool zh);
    int (*xlsx)(const char *path, json_t *rep, const void *ctx,
                struct hz_err *err);
    const char *base, *base_zh;
};

/* GET /api/reports/NAME[/csv|/xlsx] with the query keys @allowed: the
 * report @name made with @o, as JSON or as one of @f's files. */
static void sheet_report(hz_node *n, const struct api_req *r, const char *name,
                         const char *format, const char *const *allowed,
                         const struct hz_report_opts *o,
                         const struct sheet_forms *f, struct api_res *out)
{
    if (format != NULL && strcmp(format, "xlsx") != 0 &&
        strcmp(format, "csv") != 0) {
        refuse(out, 404, "not_found", NULL, "没有这个接口", "no such route");
        return;
    }
    json_t *rep = NULL;
    if (!query_only(r, allowed, out) || !report_load(n, name, o, &rep, out))
        return;
    char ascii[64], utf8[96];
    snprintf(ascii, sizeof ascii, "%s.%s", f->base,
             format != NULL ? format : "");
    snprintf(utf8, sizeof utf8, "%s.%s", f->base_zh,
             format != NULL ? format : "");
    if (format == NULL)
        ok(out, 200, json_incref(rep));
    else if (strcmp(format, "csv") == 0)
        csv_reply(out, rep, f->csv, ascii, utf8);
    else
        path_reply(out, rep, f->xlsx, NULL, XLSX_TYPE, ascii, utf8);
    json_decref(rep);
}

struct pfif_ctx {
    const char *domain;
    int64_t now;
};

static int pfif_fn(const char *path, json_t *rep, const void *ctx,
                   struct hz_err *err)
{
    const struct pfif_ctx *p = ctx;
    return sheet_pfif_report(path, rep, p->domain, p->now, err);
}

/* GET /api/reports/NAME[/FORMAT]: the report as JSON, or (with FORMAT)
 * the file huzhu report NAME --format FORMAT --out FILE writes. */
/* A page of a long list (a disclosure's uses, a campaign's households):
 * ?limit= (1 to 1000, default 100) and ?offset= (default 0) into @o;
 * false after refusing. */
static bool list_page(const struct api_req *r, struct hz_report_opts *o,
                      struct api_res *out)
{
    o->rows_limit = 100;
    for (size_t i = 0; i < 2; i++) {
        const char *k = i == 0 ? "limit" : "offset", *v = query(r, k);
        char *end = NULL;
        long long x = v != NULL ? strtoll(v, &end, 10) : 0;
        if (v != NULL && (*v == '\0' || *end != '\0' || x < 0 ||
                          (i == 0 && (x < 1 || x > LIST_LIMIT_MAX)))) {
            refuse(out, 400, "bad_value", k, "分页参数无效",
                   "limit is 1 to 1000, offset 0 or more");
            return false;
        }
        if (v != NULL)
            *(i == 0 ? &o->rows_limit : &o->rows_offset) = (uint64_t)x;
    }
    return true;
}

/* GET /api/reports/NAME[/csv]?id=ID: the report @name of one row (a
 * volunteer's record, a campaign), or its CSV laid out by @csv. A
 * campaign also takes ?village= and ?cadre= (empty: all): its sums stay
 * whole, its households are those of the village and the cadre; the page
 * gets a page of them (?limit=, ?offset=: 100,000 households in a
 * township), the CSV all of them, streamed (@csv is NULL for it). */
static void one_report(hz_node *n, const struct api_req *r, const char *name,
                       const char *format,
                       int (*csv)(FILE *fp, json_t *rep, bool zh),
                       const char *ascii, const char *utf8, struct api_res *out)
{
    static const char *const one[] = {"id", NULL};
    static const char *const page[] = {"id",    "village", "cadre",
                                       "limit", "offset",  NULL};
    static const char *const file[] = {"id", "village", "cadre", NULL};
    bool campaign = strcmp(name, "campaign") == 0;
    if (format != NULL && strcmp(format, "csv") != 0) {
        refuse(out, 404, "not_found", NULL, "没有这个接口", "no such route");
        return;
    }
    const char *village = query(r, "village"), *cadre = query(r, "cadre");
    struct hz_report_opts o = {.id = query(r, "id"),
                               .now = (int64_t)time(NULL)};
    if (campaign) {
        o.village = village != NULL && village[0] != '\0' ? village : NULL;
        o.cadre = cadre != NULL && cadre[0] != '\0' ? cadre : NULL;
    }
    /* A campaign's file: its households through a temporary file, never
     * held at once (100,000 in a township). */
    struct sheet_lines x = {0};
    if (campaign && format != NULL) {
        x.fp = tmpfile();
        if (x.fp == NULL) {
            refuse(out, 507, "storage", NULL, "无法写入临时文件",
                   "cannot make a temporary file");
            return;
        }
        o.rows_fn = sheet_rows_add;
        o.rows_data = &x;
    }
    json_t *rep = NULL;
    if (query_only(r,
                   !campaign        ? one
                   : format == NULL ? page
                                    : file,
                   out) &&
        (!campaign || format != NULL || list_page(r, &o, out)) &&
        report_load(n, name, &o, &rep, out)) {
        if (format == NULL)
            ok(out, 200, json_incref(rep));
        else if (x.fp != NULL)
            csv_reply_with(out, sheet_campaign_csv, &x, ascii, utf8);
        else
            csv_reply(out, rep, csv, ascii, utf8);
    }
    if (x.fp != NULL)
        fclose(x.fp);
    json_decref(rep);
}

/* GET /api/reports/disclosure[/csv|/xlsx][?org=ID]: the page gets one
 * page of the ledger's rows (?limit=, ?offset=), the totals, donations
 * and villages whole; the files every row, the rows through a temporary
 * file (100,000 in a township) rather than held at once. */
static void disclosure_route(hz_node *n, const struct api_req *r,
                             const char *format, struct api_res *out)
{
    static const char *const page[] = {"org", "limit", "offset", NULL};
    static const char *const file[] = {"org", NULL};
    bool csv = format != NULL && strcmp(format, "csv") == 0;
    if (format != NULL && !csv && strcmp(format, "xlsx") != 0) {
        refuse(out, 404, "not_found", NULL, "没有这个接口", "no such route");
        return;
    }
    const char *org = query(r, "org");
    struct hz_report_opts o = {.id = org != NULL && org[0] != '\0' ? org : NULL,
                               .now = (int64_t)time(NULL)};
    struct sheet_lines x = {0};
    if (!query_only(r, format == NULL ? page : file, out) ||
        (format == NULL && !list_page(r, &o, out)))
        return;
    if (format != NULL && (x.fp = tmpfile()) == NULL) {
        refuse(out, 507, "storage", NULL, "无法写入临时文件",
               "cannot make a temporary file");
        return;
    }
    if (x.fp != NULL) {
        o.rows_fn = sheet_rows_add;
        o.rows_data = &x;
    }
    json_t *rep = NULL;
    if (report_load(n, "disclosure", &o, &rep, out)) {
        if (format == NULL)
            ok(out, 200, json_incref(rep));
        else if (csv)
            path_reply(out, rep, disclosure_csv_fn, &x,
                       "text/csv; charset=utf-8", "disclosure.csv",
                       "捐赠公示.csv");
        else
            path_reply(out, rep, disclosure_xlsx_fn, &x, XLSX_TYPE,
                       "disclosure.xlsx", "捐赠公示.xlsx");
    }
    json_decref(rep);
    if (x.fp != NULL)
        fclose(x.fp);
}

/* The care and health reports (proto/schema.md, "Care and health"). */
static bool care_report(const char *name)
{
    static const char *const names[] = {"care_due", "care_visits",
                                        "health_checks", "outbreaks",
                                        "disinfections"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(name, names[i]) == 0)
            return true;
    }
    return false;
}

/* Query key @key, a whole number within [@lo, @hi], into *@v (left as it
 * is when absent); false after refusing. */
static bool query_bounded(const struct api_req *r, const char *key,
                          long long lo, long long hi, int64_t *v,
                          struct api_res *out)
{
    const char *s = query(r, key);
    if (s == NULL)
        return true;
    char *end;
    long long x = strtoll(s, &end, 10);
    if (*s == '\0' || *end != '\0' || x < lo || x > hi) {
        char zh[96], en[96];
        snprintf(zh, sizeof zh, "%s 须为 %lld 到 %lld 的整数", key, lo, hi);
        snprintf(en, sizeof en, "%s is a whole number from %lld to %lld", key,
                 lo, hi);
        refuse(out, 400, "bad_value", key, zh, en);
        return false;
    }
    *v = x;
    return true;
}

/* GET /api/reports/care_due?days=&village=, care_visits?person=,
 * health_checks?site=, outbreaks?threshold=&window_hours=,
 * disinfections: as at now, the health data only for a health account. */
static void care_route(hz_node *n, const struct api_req *r, const char *name,
                       struct api_res *out)
{
    static const char *const due[] = {"days", "village", NULL};
    static const char *const visits[] = {"person", NULL};
    static const char *const checks[] = {"site", NULL};
    static const char *const clues[] = {"threshold", "window_hours", NULL};
    static const char *const none[] = {NULL};
    struct hz_report_opts o = {.now = (int64_t)time(NULL),
                               .health = reads_health(r)};
    const char *const *allowed = none;
    bool fine = true;
    if (strcmp(name, "care_due") == 0) {
        allowed = due;
        o.village = query(r, "village");
        fine = query_bounded(r, "days", 1, 365, &o.care_days, out);
    } else if (strcmp(name, "care_visits") == 0) {
        allowed = visits;
        o.id = query(r, "person");
        /* a person or site that names nothing is said (as the command
         * line's), not a list of none */
        fine = o.id == NULL || live_row(n, "persons", o.id, "person", out);
    } else if (strcmp(name, "health_checks") == 0) {
        allowed = checks;
        o.id = query(r, "site");
        fine = o.id == NULL || live_row(n, "sites", o.id, "site", out);
    } else if (strcmp(name, "outbreaks") == 0) {
        allowed = clues;
        fine =
            query_bounded(r, "threshold", 2, 1000, &o.outbreak_k, out) &&
            query_bounded(r, "window_hours", 1, 720, &o.outbreak_window_h, out);
    }
    json_t *rep = NULL;
    if (fine && query_only(r, allowed, out) &&
        report_load(n, name, &o, &rep, out))
        ok(out, 200, rep);
}

static void report_route(hz_node *n, const struct api_req *r, const char *name,
                         const char *format, struct api_res *out)
{
    json_t *rep = NULL;
    bool dis = strcmp(name, "disaster") == 0;
    if (dis) {
        if (format != NULL && strcmp(format, "xlsx") != 0 &&
            strcmp(format, "csv") != 0) {
            refuse(out, 404, "not_found", NULL, "没有这个接口",
                   "no such route");
            return;
        }
        struct web_lines w = {0};
        const char *ex = query(r, "explain");
        if (format != NULL && strcmp(format, "xlsx") == 0 && ex != NULL &&
            strcmp(ex, "1") == 0 && (w.file.fp = tmpfile()) == NULL) {
            refuse(out, 507, "storage", NULL, "无法写入临时文件",
                   "cannot make a temporary file");
            return;
        }
        if (!disaster_of_query(n, r, &rep, &w, out)) {
            if (w.file.fp != NULL)
                fclose(w.file.fp);
            return;
        }
        char ascii[96], utf8[160];
        const char *kind = json_string_value(json_object_get(rep, "kind"));
        const char *date = json_string_value(json_object_get(rep, "date"));
        snprintf(ascii, sizeof ascii, "disaster-%s-%s.%s", kind, date,
                 format != NULL ? format : "");
        snprintf(utf8, sizeof utf8, "自然灾害情况统计表-%s-%s.%s",
                 sheet_kind_zh(kind), date, format != NULL ? format : "");
        if (format == NULL)
            ok(out, 200, json_incref(rep));
        else if (strcmp(format, "csv") == 0)
            csv_reply(out, rep, sheet_disaster_csv, ascii, utf8);
        else
            path_reply(out, rep, disaster_xlsx_fn, &w, XLSX_TYPE, ascii, utf8);
        if (w.file.fp != NULL)
            fclose(w.file.fp);
    } else if (strcmp(name, "relief") == 0) {
        static const char *const none[] = {NULL};
        static const struct sheet_forms forms = {
            sheet_relief_csv, relief_xlsx_fn, "relief", "因灾救助家庭情况表"};
        struct hz_report_opts o = {.now = (int64_t)time(NULL)};
        sheet_report(n, r, name, format, none, &o, &forms, out);
    } else if (strcmp(name, "disclosure") == 0) {
        disclosure_route(n, r, format, out);
    } else if (strcmp(name, "completeness") == 0) {
        static const char *const allowed[] = {"village", NULL};
        if (format != NULL && strcmp(format, "csv") != 0) {
            refuse(out, 404, "not_found", NULL, "没有这个接口",
                   "no such route");
            return;
        }
        const char *v = query(r, "village");
        struct hz_report_opts o = {.village =
                                       v != NULL && v[0] != '\0' ? v : NULL,
                                   .now = (int64_t)time(NULL)};
        if (!query_only(r, allowed, out) ||
            !report_load(n, "completeness", &o, &rep, out))
            return;
        if (format == NULL)
            ok(out, 200, json_incref(rep));
        else
            csv_reply(out, rep, sheet_completeness_csv, "completeness.csv",
                      "不遗漏一户一人.csv");
    } else if (strcmp(name, "hxl") == 0) {
        static const char *const allowed[] = {"by", NULL};
        if (format != NULL && strcmp(format, "csv") != 0) {
            refuse(out, 404, "not_found", NULL, "没有这个接口",
                   "no such route");
            return;
        }
        if (!query_only(r, allowed, out))
            return;
        const char *by = query(r, "by");
        if (by != NULL && strcmp(by, "village") != 0 &&
            strcmp(by, "site") != 0) {
            refuse(out, 400, "bad_value", "by", "by 只能是 village 或 site",
                   "by is village or site");
            return;
        }
        struct hz_report_opts o = {.by = by, .now = (int64_t)time(NULL)};
        if (!report_load(n, "hxl", &o, &rep, out))
            return;
        bool site = by != NULL && strcmp(by, "site") == 0;
        if (format == NULL)
            ok(out, 200, json_incref(rep));
        else
            csv_reply(out, rep, sheet_hxl_csv,
                      site ? "hxl-site.csv" : "hxl-village.csv",
                      site ? "HXL-安置点.csv" : "HXL-村社区.csv");
    } else if (strcmp(name, "pfif") == 0) {
        static const char *const allowed[] = {"domain", NULL};
        if (format != NULL && strcmp(format, "xml") != 0) {
            refuse(out, 404, "not_found", NULL, "没有这个接口",
                   "no such route");
            return;
        }
        if (!query_only(r, allowed, out))
            return;
        const char *domain = query(r, "domain");
        if (domain == NULL || domain[0] == '\0')
            domain = "huzhu.invalid";
        if (!sheet_pfif_domain_ok(domain)) {
            refuse(out, 400, "bad_value", "domain",
                   "domain 须为域名（小写字母、数字、点、横线）",
                   "domain is a domain name (a-z, 0-9, ., -)");
            return;
        }
        struct hz_report_opts o = {.now = (int64_t)time(NULL)};
        if (!report_load(n, "pfif", &o, &rep, out))
            return;
        struct pfif_ctx ctx = {domain, o.now};
        if (format == NULL)
            ok(out, 200, json_incref(rep));
        else
            path_reply(out, rep, pfif_fn, &ctx,
                       "application/xml; charset=utf-8", "pfif.xml",
                       "pfif.xml");
    } else if (strcmp(name, "organisations") == 0 && format == NULL) {
        static const char *const allowed[] = {"skill", "item", "village",
                                              "stale_days", NULL};
        const char *days = query(r, "stale_days");
        char *end = NULL;
        long long d = days != NULL ? strtoll(days, &end, 10) : 0;
        if (days != NULL &&
            (end == days || *end != '\0' || d < 1 || d > 36500)) {
            refuse(out, 400, "bad_value", "stale_days",
                   "stale_days 须为 1 至 36500 的整数",
                   "stale_days is a whole number from 1 to 36500");
            return;
        }
        struct hz_report_opts o = {.skill = query(r, "skill"),
                                   .item = query(r, "item"),
                                   .village = query(r, "village"),
                                   .stale_days = d,
                                   .now = (int64_t)time(NULL)};
        if (!query_only(r, allowed, out) ||
            !report_load(n, "organisations", &o, &rep, out))
            return;
        ok(out, 200, json_incref(rep));
    } else if (strcmp(name, "match_suggestions") == 0 && format == NULL) {
        static const char *const allowed[] = {"need", NULL};
        struct hz_report_opts o = {.id = query(r, "need"),
                                   .now = (int64_t)time(NULL)};
        if (!query_only(r, allowed, out) ||
            !report_load(n, "match_suggestions", &o, &rep, out))
            return;
        ok(out, 200, json_incref(rep));
    } else if (strcmp(name, "volunteer") == 0) {
        one_report(n, r, name, format, sheet_volunteer_csv,
                   "volunteer-record.csv", "志愿服务记录证明.csv", out);
    } else if (strcmp(name, "campaigns") == 0 && format == NULL) {
        static const char *const none[] = {NULL};
        struct hz_report_opts o = {.now = (int64_t)time(NULL)};
        if (!query_only(r, none, out) ||
            !report_load(n, "campaigns", &o, &rep, out))
            return;
        ok(out, 200, json_incref(rep));
    } else if (strcmp(name, "campaign") == 0) {
        /* Its CSV is written from the households streamed (one_report). */
        one_report(n, r, name, format, NULL, "campaign.csv", "预警到户清单.csv",
                   out);
    } else if (format == NULL &&
               (strcmp(name, "patrol_points") == 0 ||
                strcmp(name, "hazards") == 0 || strcmp(name, "duty") == 0)) {
        /* proto/schema.md, "Patrols, hazards and duty": as at now. */
        static const char *const by_village[] = {"village", NULL};
        static const char *const none[] = {NULL};
        bool villages = strcmp(name, "duty") != 0;
        struct hz_report_opts o = {.village =
                                       villages ? query(r, "village") : NULL,
                                   .now = (int64_t)time(NULL)};
        if (!query_only(r, villages ? by_village : none, out) ||
            !report_load(n, name, &o, &rep, out))
            return;
        ok(out, 200, json_incref(rep));
    } else if (format != NULL && strcmp(name, "recovery") == 0) {
        /* The township's housing figures as files (proto/reports.md,
         * "The recovery report"). */
        static const char *const by_village[] = {"village", NULL};
        static const struct sheet_forms forms = {
            sheet_recovery_csv, recovery_xlsx_fn, "recovery", "恢复重建进度"};
        struct hz_report_opts o = {.village = query(r, "village"),
                                   .now = (int64_t)time(NULL)};
        sheet_report(n, r, name, format, by_village, &o, &forms, out);
    } else if (format == NULL && (strcmp(name, "recovery_open") == 0 ||
                                  strcmp(name, "recovery_plan") == 0 ||
                                  strcmp(name, "recovery") == 0)) {
        /* proto/schema.md, "Recovery plans (一户一策)": as at now; one
         * household's plan by ?id=, the others by ?village=. */
        static const char *const by_village[] = {"village", NULL};
        static const char *const by_id[] = {"id", NULL};
        bool plan = strcmp(name, "recovery_plan") == 0;
        struct hz_report_opts o = {.village = plan ? NULL : query(r, "village"),
                                   .id = plan ? query(r, "id") : NULL,
                                   .now = (int64_t)time(NULL)};
        if (!query_only(r, plan ? by_id : by_village, out) ||
            !report_load(n, name, &o, &rep, out))
            return;
        ok(out, 200, json_incref(rep));
    } else if (format == NULL && care_report(name)) {
        care_route(n, r, name, out);
    } else {
        refuse(out, 404, "not_found", NULL, "没有这个报表", "no such report");
    }
    json_decref(rep);
}

/* GET /api/reports/submitted[/ID]: the reports submitted, newest first,
 * or one with its figures. */
static void submitted_route(hz_node *n, const struct api_req *r, const char *id,
                            struct api_res *out)
{
    static const char *const none[] = {NULL};
    if (!query_only(r, none, out))
        return;
    struct hz_report_opts o = {.id = id, .now = (int64_t)time(NULL)};
    json_t *rep = NULL;
    if (report_load(n, "submitted", &o, &rep, out))
        ok(out, 200, rep);
}

static int put_row(void *data, const char *table, size_t n_fields,
                   const struct hz_field *f, char *id_out, struct hz_err *err)
{
    return hz_batch_put(data, table, NULL, n_fields, f, id_out, err);
}

/* POST /api/reports/disaster/submit {"kind"?, "date"?, "area"?}: the
 * disaster report made now, written as huzhu report disaster --submit
 * writes it (one entry: its `reports` row and a `report_figures` row per
 * report row), by the account. */
static void submit_route(hz_node *n, const struct api_req *r,
                         struct api_res *out)
{
    if (strcmp(r->user->role, "viewer") == 0) {
        refuse(out, 403, "forbidden", NULL, "查看账号不能报送报表",
               "a viewer account submits nothing");
        return;
    }
    static const char *const keys[] = {"kind", "date", "area", NULL};
    json_t *o = body_object(r, out);
    if (o == NULL)
        return;
    if (!keys_only(o, keys, out)) {
        json_decref(o);
        return;
    }
    const char *text[3];
    for (size_t k = 0; k < 3; k++) {
        json_t *v = json_object_get(o, keys[k]);
        text[k] = json_string_value(v);
        if (v != NULL && !json_is_null(v) &&
            (text[k] == NULL || strlen(text[k]) != json_string_length(v))) {
            refuse(out, 400, "bad_value", keys[k], "此栏应为文字",
                   "a field is text");
            json_decref(o);
            return;
        }
    }
    char today[16];
    struct hz_report_opts opts = {0};
    json_t *rep = NULL;
    if (!disaster_label(text[0], text[1], text[2], &opts, today, out) ||
        !report_load(n, "disaster", &opts, &rep, out)) {
        json_decref(o);
        return;
    }
    hz_batch *b = batch_for(n, r, out);
    char id[HZ_ROW_HEX_LEN + 1] = "";
    bool fine = false;
    if (b != NULL) {
        struct hz_err err = {0};
        int rv = sheet_report_submit(rep, put_row, b, id, &err);
        if (rv != 0)
            refuse_hz(out, rv, &err);
        fine = rv == 0;
    }
    if (finish(n, b, fine, out)) {
        json_object_set_new(rep, "submitted", json_string(id));
        ok(out, 201, json_incref(rep));
    }
    json_decref(rep);
    json_decref(o);
}

/* GET /api/dups: likely duplicates across the replica (huzhu dups). */
static void dups_route(hz_node *n, const struct api_req *r, struct api_res *out)
{
    static const char *const none[] = {NULL};
    if (!query_only(r, none, out))
        return;
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_dups(n, &json, &err);
    reply(out, rv, json, &err);
}

/* POST /api/import/cap?villages=&grids=: the body is a CAP 1.2 alert (at
 * most SHEET_CAP_LEN_MAX bytes), written as a warning notice as huzhu
 * alert import writes it (its villages: those given and those of this
 * node its areas name), naming the account. An alert imported before
 * (the same sender and identifier) is not written again. */
static void cap_route(hz_node *n, const struct api_req *r, struct api_res *out)
{
    static const char *const allowed[] = {"villages", "grids", NULL};
    if (!query_only(r, allowed, out))
        return;
    if (r->len == 0) {
        refuse(out, 400, "bad_value", "file", "请选择要导入的 CAP 预警文件",
               "the body is the CAP alert: it was empty");
        return;
    }
    hz_batch *b = batch_for(n, r, out); /* a viewer reads nothing here */
    if (b == NULL)
        return;
    char villages[4096] = "", grids[4096] = "", path[4096],
         id[HZ_ROW_HEX_LEN + 1];
    const char *vq = query(r, "villages"), *gq = query(r, "grids");
    snprintf(villages, sizeof villages, "%s", vq != NULL ? vq : "");
    snprintf(grids, sizeof grids, "%s", gq != NULL ? gq : "");
    struct sheet_cap *cap = calloc(1, sizeof *cap);
    struct hz_err err = {0};
    int rv = cap == NULL ? hz_err_set(&err, HZ_ENOMEM, "cap")
                         : store_upload_file(n, r->body, r->len, path,
                                             sizeof path, &err);
    if (rv == 0) {
        rv = sheet_cap_read(path, cap, &err);
        unlink(path);
    }
    char *json = NULL;
    json_t *all = NULL;
    bool seen =
        rv == 0 && store_alert_notice(n, cap->sender, cap->identifier, id);
    if (rv == 0 && !seen && hz_node_view(n, "villages", &json, &err) == 0)
        all = loads(json);
    if (rv == 0 && !seen && all == NULL)
        rv = err.code != 0 ? err.code : hz_err_set(&err, HZ_ENOMEM, "cap");
    if (rv == 0 && !seen) {
        struct sheet_cap_notice buf;
        struct hz_field f[SHEET_CAP_FIELDS];
        sheet_cap_villages(cap, all, villages, sizeof villages);
        size_t nf = sheet_cap_notice(cap, villages, grids, &buf, f);
        rv = hz_batch_put(b, "warning_notices", NULL, nf, f, id, &err);
    }
    json_decref(all);
    free(cap);
    if (rv == HZ_EMALFORMED || rv == HZ_ETOOBIG) {
        char en[HZ_ERR_MSG_MAX + 64];
        snprintf(en, sizeof en, "not a readable CAP 1.2 alert: %s", err.msg);
        refuse(out, 422, "bad_value", "file",
               "不是可读的 CAP 1.2 预警文件，未写入", en);
    } else if (rv != 0) {
        refuse_hz(out, rv, &err);
    }
    if (seen) {
        hz_batch_close(b);
        ok(out, 200, json_pack("{s:s, s:b}", "id", id, "seen", 1));
    } else if (finish(n, b, rv == 0, out)) {
        ok(out, 201,
           json_pack("{s:s, s:b, s:s, s:s}", "id", id, "seen", 0, "villages",
                     villages, "grids", grids));
    }
}

/* POST /api/import/roster?dry_run=&village=&encoding=&sheet=&name=
 * &mapping=: the body is the roster file itself (CSV or XLSX, as
 * application/octet-stream, up to API_UPLOAD_MAX), imported as huzhu
 * import roster imports it, by the same code (src/sheet/roster_read.c,
 * the store's roster_import.c), every entry naming the account. The
 * answer is the command's --json; a file that stops being readable part
 * way is refused, with nothing written (it is read whole, dry, first),
 * and what was read before the fault under "result". */
static void import_route(hz_node *n, const struct api_req *r,
                         struct api_res *out)
{
    static const char *const allowed[] = {
        "dry_run", "village", "encoding", "sheet", "name", "mapping", NULL};
    if (!role_is(r, "admin", "coordinator")) {
        refuse(out, 403, "forbidden", NULL, "只有管理员和协调员能导入花名册",
               "only admin and coordinator accounts import rosters");
        return;
    }
    if (!query_only(r, allowed, out))
        return;
    /* The query reaches messages and the answer: UTF-8 only. */
    for (size_t i = 0; i < r->n_query; i++) {
        json_t *v = json_string(r->qv[i]);
        json_decref(v);
        if (v == NULL) {
            refuse(out, 400, "bad_value", r->qk[i], "参数须为 UTF-8 文本",
                   "a parameter must be UTF-8 text");
            return;
        }
    }
    const char *dry_q = query(r, "dry_run");
    bool dry =
        dry_q != NULL && strcmp(dry_q, "0") != 0 && strcmp(dry_q, "false") != 0;
    const char *name = query(r, "name");
    bool name_ok = name != NULL && name[0] != '\0' && strlen(name) <= 255;
    for (const char *p = name; name_ok && *p != '\0'; p++)
        name_ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
    struct sheet_roster_in in = {
        .name = name_ok ? name : "upload",
        .sheet = query(r, "sheet"),
        .village = query(r, "village"),
        .mapping = query(r, "mapping"),
        .this_year = local_year(),
        .household = store_roster_household,
    };
    struct sheet_mapping_fault fault;
    const char *enc = query(r, "encoding");
    if (r->len == 0) {
        refuse(out, 400, "bad_value", "file", "请选择要导入的花名册文件",
               "the body is the roster file: it was empty");
        return;
    }
    if (enc != NULL && enc[0] != '\0' && sheet_encoding_of(enc, &in.enc) != 0) {
        refuse(out, 400, "bad_value", "encoding", "编码应为 utf-8 或 gb18030",
               "encoding: utf-8 or gb18030");
        return;
    }
    if (in.village != NULL && in.village[0] == '\0')
        in.village = NULL;
    if (in.sheet != NULL && in.sheet[0] == '\0')
        in.sheet = NULL;
    if (in.mapping != NULL &&
        sheet_roster_mapping_check(in.mapping, &fault) != 0) {
        char zh[160], en[160];
        snprintf(zh, sizeof zh, "列映射第 %u 行: %s %s", fault.line, fault.zh,
                 fault.field);
        snprintf(en, sizeof en, "mapping line %u: %s %s", fault.line, fault.en,
                 fault.field);
        refuse(out, 422, "bad_value", "mapping", zh, en);
        return;
    }
    char path[4096];
    struct hz_err err = {0};
    struct store_roster *w = NULL;
    json_t *o = NULL;
    int rv = store_upload_file(n, r->body, r->len, path, sizeof path, &err);
    bool have_file = rv == 0;
    in.path = path;
    /* A real import reads the whole file dry first: a file that cannot
     * be read to its end is refused with nothing written (the command
     * line instead keeps the batches before the fault, to go on). */
    for (int pass = dry ? 1 : 0; rv == 0 && pass < 2; pass++) {
        store_roster_free(w);
        w = NULL;
        json_decref(o);
        o = NULL;
        bool dry_pass = dry || pass == 0;
        rv = store_roster_open(n, dry_pass, &w, &err);
        if (rv == 0)
            rv = store_roster_by(w, r->user->name, &err);
        in.data = w;
        if (rv == 0)
            rv = sheet_roster_read(&in, &o, &err);
        if (rv == 0)
            rv = store_roster_close(w, &err);
    }
    if (have_file)
        unlink(path);
    json_t *res = o != NULL && w != NULL ? store_roster_result(w) : NULL;
    if (res != NULL && rv == 0)
        json_object_update(o, res);
    json_decref(res);
    out->wrote = w != NULL && store_roster_wrote(w);
    if (rv == 0) {
        ok(out, 200, o);
        o = NULL;
    } else if (rv == HZ_EMALFORMED || rv == HZ_ETOOBIG ||
               (rv == HZ_ENOTFOUND && in.sheet != NULL)) {
        char en[HZ_ERR_MSG_MAX + 64];
        snprintf(en, sizeof en, "the file cannot be read: %s", err.msg);
        refuse(out, 422, "bad_value", rv == HZ_ENOTFOUND ? "sheet" : "file",
               rv == HZ_ENOTFOUND ? "文件中没有这个工作表"
               : rv == HZ_ETOOBIG ? "文件超出限制(太大或太多行、列)，未能读完"
                                  : "文件无法读取: 不是花名册表格，或找不到表头"
                                    "(可用列映射指明)",
               en);
    } else {
        refuse_hz(out, rv, &err);
    }
    if (o != NULL && out->body != NULL)
        json_object_set_new(out->body, "result", o);
    else
        json_decref(o);
    store_roster_free(w);
}

/* The row @id of @table (a record that stands: held, not deleted) into
 * *@row, or false after refusing. */
static bool merge_row(hz_node *n, const char *table, const char *field,
                      const char *id, json_t **row, struct api_res *out)
{
    uint8_t raw[HZ_ROW_LEN];
    if (id == NULL) {
        refuse(out, 422, "missing", field, "请给出要保留和要合并的记录",
               "give the record to keep and the duplicate");
        return false;
    }
    if (strlen(id) != HZ_ROW_HEX_LEN || hex_decode(id, raw, sizeof raw) != 0) {
        refuse(out, 400, "bad_value", field, "记录编号应为 32 位十六进制",
               "an id is 32 hex digits");
        return false;
    }
    char *json = NULL;
    struct hz_err err = {0};
    int rv = hz_node_get(n, table, id, &json, &err);
    if (rv != 0) {
        hz_free_string(json);
        refuse_hz(out, rv, &err);
        json_t *e = json_object_get(out->body, "error");
        json_object_set_new(e, "field", json_string(field));
        return false;
    }
    *row = loads(json);
    if (*row == NULL)
        refuse(out, 500, "internal", NULL, "节点内部错误",
               "the node's answer did not parse");
    return *row != NULL;
}

/* POST /api/merge {"table", "keep", "dup"} and POST /api/unmerge
 * {"table", "dup"}: DUP's merged_into, written as huzhu merge and
 * unmerge write it, with their checks (a coordinator or admin account). */
static void merge_route(hz_node *n, const struct api_req *r, bool merge,
                        struct api_res *out)
{
    static const char *const mkeys[] = {"table", "keep", "dup", NULL};
    static const char *const ukeys[] = {"table", "dup", NULL};
    if (!role_is(r, "admin", "coordinator")) {
        refuse(out, 403, "forbidden", NULL, "只有管理员和协调员能合并记录",
               "only admin and coordinator accounts merge records");
        return;
    }
    json_t *o = body_object(r, out);
    if (o == NULL)
        return;
    if (!keys_only(o, merge ? mkeys : ukeys, out)) {
        json_decref(o);
        return;
    }
    const char *table = json_string_value(json_object_get(o, "table"));
    const char *keep = json_string_value(json_object_get(o, "keep"));
    const char *dup = json_string_value(json_object_get(o, "dup"));
    json_t *k = NULL, *d = NULL;
    if (table == NULL ||
        (strcmp(table, "persons") != 0 && strcmp(table, "households") != 0)) {
        refuse(out, 400, "bad_value", "table",
               "只能合并 persons（人员）或 households（户）",
               "merges persons or households");
    } else if (merge && keep != NULL && dup != NULL && strcmp(keep, dup) == 0) {
        refuse(out, 400, "bad_value", "dup", "不能把一条记录合并到它自己",
               "a record cannot be merged into itself");
    } else if ((!merge || merge_row(n, table, "keep", keep, &k, out)) &&
               merge_row(n, table, "dup", dup, &d, out)) {
        bool fine = true;
        if (merge) {
            /* KEEP's own chain reaching DUP would make a cycle. */
            json_t *at = json_incref(k);
            for (int step = 0; fine && at != NULL && step < 64; step++) {
                const char *next =
                    json_string_value(json_object_get(at, "merged_into"));
                if (next != NULL && strcmp(next, dup) == 0) {
                    refuse(out, 409, "conflict", "keep",
                           "要保留的记录已合并到这条记录：请先撤销那次合并",
                           "KEEP is merged into DUP already: unmerge it "
                           "first");
                    fine = false;
                }
                char *json = NULL;
                struct hz_err err = {0};
                json_t *nx = NULL;
                if (fine && next != NULL &&
                    hz_node_get(n, table, next, &json, &err) == 0)
                    nx = json_loads(json, 0, NULL);
                hz_free_string(json);
                json_decref(at);
                at = nx;
            }
            json_decref(at);
        } else if (json_object_get(d, "merged_into") == NULL) {
            refuse(out, 409, "conflict", "dup", "该记录未合并到其他记录",
                   "that record is not merged");
            fine = false;
        }
        hz_batch *b = fine ? batch_for(n, r, out) : NULL;
        if (b != NULL) {
            const struct hz_field f = {"merged_into", merge ? keep : ""};
            struct hz_err err = {0};
            int rv = hz_batch_put(b, table, dup, 1, &f, NULL, &err);
            if (rv != 0)
                refuse_hz(out, rv, &err);
            if (finish(n, b, rv == 0, out))
                ok(out, 200,
                   json_pack("{s:s, s:s, s:s?}", "table", table, "id", dup,
                             "merged_into", merge ? keep : NULL));
        }
    }
    json_decref(k);
    json_decref(d);
    json_decref(o);
}

/* ---- routing */

bool api_upload_path(const char *path)
{
    return strcmp(path, "/api/import/roster") == 0 ||
           strcmp(path, "/api/import/cap") == 0;
}

size_t api_body_max(const char *method, const char *path)
{
    if (strcmp(method, "POST") != 0 || !api_upload_path(path))
        return API_BODY_MAX;
    return strcmp(path, "/api/import/cap") == 0 ? SHEET_CAP_LEN_MAX
                                                : API_UPLOAD_MAX;
}

/* Split @path after "/api/" into at most SEG_MAX segments of [a-z0-9_]
 * (ids are hex, table and view names are wire names). */
static size_t split(const char *path, char seg[SEG_MAX][SEG_LEN_MAX + 1])
{
    if (strncmp(path, "/api/", 5) != 0)
        return 0;
    const char *p = path + 5;
    size_t n = 0;
    while (*p != '\0') {
        if (n == SEG_MAX)
            return 0;
        size_t len = 0;
        while (p[len] != '\0' && p[len] != '/')
            len++;
        if (len == 0 || len > SEG_LEN_MAX)
            return 0;
        for (size_t i = 0; i < len; i++) {
            char ch = p[i];
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
                  ch == '_'))
                return 0;
        }
        memcpy(seg[n], p, len);
        seg[n][len] = '\0';
        n++;
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

void api_handle(hz_node *n, const struct api_req *r, struct api_res *out)
{
    out->status = 500;
    out->body = NULL;
    out->wrote = false;
    out->fd = -1;
    out->size = 0;
    char seg[SEG_MAX][SEG_LEN_MAX + 1];
    size_t ns = split(r->path, seg);
    bool get = strcmp(r->method, "GET") == 0;
    bool post = strcmp(r->method, "POST") == 0;
    if (ns == 0) {
        refuse(out, 404, "not_found", NULL, "没有这个接口", "no such route");
        return;
    }
    if (!get && r->len > api_body_max(r->method, r->path)) {
        refuse(out, 413, "too_big", NULL, "请求内容太大", "body too big");
        return;
    }
    /* A write takes its request in its body: a query parameter there
     * (?dry_run=1 on a DELETE) would be ignored while the write went
     * ahead. The roster import alone reads its options from the query. */
    static const char *const no_query[] = {NULL};
    if (!get && !(ns == 2 && strcmp(seg[0], "import") == 0) &&
        !query_only(r, no_query, out))
        return;
    if (ns == 1 && get && strcmp(seg[0], "schema") == 0) {
        if (query_only(r, no_query, out))
            schema_route(out);
    } else if (ns == 1 && get && strcmp(seg[0], "status") == 0) {
        if (query_only(r, no_query, out))
            status_route(n, r, out);
    } else if (ns == 1 && get && strcmp(seg[0], "search") == 0) {
        search_route(n, r, out);
    } else if (ns == 2 && get && strcmp(seg[0], "views") == 0) {
        view_route(n, r, seg[1], out);
    } else if (ns == 1 && get && strcmp(seg[0], "duplicates") == 0) {
        duplicates_route(n, r, out);
    } else if (ns == 3 && get && strcmp(seg[0], "history") == 0) {
        history_route(n, r, seg[1], seg[2], out);
    } else if (ns == 1 && get && strcmp(seg[0], "conflicts") == 0) {
        if (query_only(r, no_query, out))
            conflicts_route(n, out);
    } else if (ns == 2 && post && strcmp(seg[0], "conflicts") == 0 &&
               strcmp(seg[1], "resolve") == 0) {
        resolve_route(n, r, out);
    } else if (ns == 1 && post &&
               (strcmp(seg[0], "checkin") == 0 ||
                strcmp(seg[0], "checkout") == 0)) {
        stays_route(n, r, strcmp(seg[0], "checkin") == 0, out);
    } else if (ns == 1 && post && strcmp(seg[0], "stock") == 0) {
        stock_route(n, r, out);
    } else if (ns == 1 && get && strcmp(seg[0], "members") == 0) {
        if (query_only(r, no_query, out))
            members_route(n, out);
    } else if (ns == 1 && post && strcmp(seg[0], "admit") == 0) {
        admit_route(n, r, out);
    } else if (ns == 1 && post && strcmp(seg[0], "revoke") == 0) {
        revoke_route(n, r, out);
    } else if (post && strcmp(seg[0], "peers") == 0 &&
               (ns == 1 || (ns == 2 && strcmp(seg[1], "remove") == 0))) {
        peers_route(n, r, ns == 1, out);
    } else if (get && ns >= 2 && ns <= 3 && strcmp(seg[0], "reports") == 0 &&
               strcmp(seg[1], "submitted") == 0) {
        submitted_route(n, r, ns == 3 ? seg[2] : NULL, out);
    } else if (post && ns == 3 && strcmp(seg[0], "reports") == 0 &&
               strcmp(seg[1], "disaster") == 0 &&
               strcmp(seg[2], "submit") == 0) {
        submit_route(n, r, out);
    } else if (get && ns >= 2 && ns <= 3 && strcmp(seg[0], "reports") == 0 &&
               strlen(seg[1]) != HZ_ROW_HEX_LEN) {
        report_route(n, r, seg[1], ns == 3 ? seg[2] : NULL, out);
    } else if (ns == 2 && post && strcmp(seg[0], "import") == 0 &&
               strcmp(seg[1], "roster") == 0) {
        import_route(n, r, out);
    } else if (ns == 2 && post && strcmp(seg[0], "import") == 0 &&
               strcmp(seg[1], "cap") == 0) {
        cap_route(n, r, out);
    } else if (ns == 1 && get && strcmp(seg[0], "dups") == 0) {
        dups_route(n, r, out);
    } else if (ns == 1 && post &&
               (strcmp(seg[0], "merge") == 0 ||
                strcmp(seg[0], "unmerge") == 0)) {
        merge_route(n, r, strcmp(seg[0], "merge") == 0, out);
    } else if (ns <= 2 && schema_table_c(schema_current(), seg[0]) != NULL) {
        const struct table_def *t = schema_table_c(schema_current(), seg[0]);
        if ((t->flags & TABLE_BY_NODE) && !get)
            refuse(out, 403, "forbidden", NULL,
                   "此表由节点随每次修改自动记录，不能直接写入",
                   "this table is written by the node with each change, never"
                   " directly");
        else
            table_route(n, r, t, ns == 2 ? seg[1] : NULL, out);
    } else {
        refuse(out, 404, "not_found", NULL, "没有这个接口", "no such route");
    }
    if (out->body == NULL)
        ok(out, out->status, json_object());
}
