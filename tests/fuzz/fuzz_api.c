/* fuzz_api.c - libFuzzer target: the web interface's request routing and
 * JSON request handling (api_handle, src/http/api.h; proto/api.md).
 *
 * One in-memory node per process holds a small village with fixed ids, so
 * seeds can name real rows (make_corpus.py, api_seeds, uses the same ids):
 *   sites      a0..01 (shelter), a0..02 (warehouse)
 *   items      d0..01
 *   households b0..01 (three persons), b0..02 (deleted), b0..03
 *   persons    c0..01 (checked in at a0..01), c0..02 (not checked in),
 *              c0..03 (checked in at a0..01 and at a0..02)
 *   stays      e0..01-e0..03; stock_moves f0..01; warnings 90..01
 * and a stranger's entries make conflicts: its village of b0..01 against
 * ours, and its delete of b0..03 against our edit (one per column).
 *
 * Input layout:
 *   byte 0   bits 0-1 the method: GET, POST, PATCH, DELETE; when bits 4-7
 *            are all set, one the API does not take instead (PUT, HEAD,
 *            "post", "")
 *   byte 1   bits 0-3, modulo 10, the account (accounts[] below): admin,
 *            coordinator, site of a0..01, site of a0..02, site of a site
 *            the node does not hold, viewer, two the account table never
 *            holds (a site account without a site, an unknown role),
 *            which must be refused like any other, and health staff
 *            (卫生人员: writes only visits, checks and disinfections,
 *            the only role that reads health fields), of the node and of
 *            a0..01
 *   then     path NUL query NUL body: the path as is when it starts with
 *            '/', else after "/api/"; the query as decoded pairs "k=v&k=v"
 *            (a piece without '=' has the value "", empty pieces are
 *            skipped, at most API_QUERY_MAX pairs: the server refuses more
 *            before api_handle); the body is every byte left (none: NULL)
 * Every string is handed over in a buffer of its exact size, so reading
 * past one is an AddressSanitizer report.
 *
 * Each input starts from the same state: after an input that changed the
 * node, every table but the name dictionary is copied back from a
 * snapshot taken at start-up (an attached in-memory database), so the
 * node never grows and every input reproduces alone. Properties:
 *   - the status is one api_handle may give (proto/api.md, "Errors": 200,
 *     201, or a refusal of the table there; never 500) and the body a JSON
 *     object (or, for a 200, an array: views and conflicts are lists) that
 *     json_dumps can write, as the server sends it;
 *   - a refusal (status >= 400) is {"error": {"code", "zh", "en",
 *     "field"?}} with non-empty strings and a code documented for that
 *     status; a success carries no "error";
 *   - a refusal, a GET, and any request of a viewer account change
 *     nothing (state hash and the number of entries in the log);
 *   - `wrote` is set exactly when the node changed (the server wakes the
 *     event streams by it).
 * Whether the node changed is read from sqlite3_total_changes64 first:
 * when no statement changed a row the node is as it was; only otherwise
 * are the state hash and the log counted, and the tables copied back (a
 * read or a refusal before any write costs nothing; a write two hashes
 * and the copy: ~11,000 inputs/s under ASan in all).
 * Set HZ_FUZZ_API_ECHO=1 to print every request's status and answer (to
 * see what a seed reaches). */
#include "fuzz_util.h"

#include "api.h"
#include "store/internal.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SITE "a0000000000000000000000000000001"
#define WAREHOUSE "a0000000000000000000000000000002"
#define ITEM "d0000000000000000000000000000001"
#define HOUSEHOLD "b0000000000000000000000000000001"
#define GONE "b0000000000000000000000000000002"
#define EDITED "b0000000000000000000000000000003"
#define PERSON_IN "c0000000000000000000000000000001"
#define PERSON_OUT "c0000000000000000000000000000002"
#define PERSON_TWICE "c0000000000000000000000000000003"

static hz_node *node;
static char fixture_hash[HZ_KEY_HEX_LEN + 1];
static int64_t fixture_log;
static int64_t changes; /* sqlite3_total_changes64 at the fixture state */
static char *restore_sql;
static int echo;

#define ACCOUNTS 10
static const struct api_user accounts[ACCOUNTS] = {
    {"测试管理员", "admin", ""},
    {"测试协调员", "coordinator", ""},
    {"测试安置点", "site", SITE},
    {"测试仓库", "site", WAREHOUSE},
    {"测试别处", "site", "a0000000000000000000000000000009"},
    {"测试查看", "viewer", ""},
    {"测试无点", "site", ""},
    {"测试未知", "root", ""},
    {"测试卫生员", "health", ""},
    {"测试卫生点", "health", SITE},
};

/* ---- the fixture */

#define FIELDS(...)                                                            \
    sizeof((const struct hz_field[]){__VA_ARGS__}) / sizeof(struct hz_field),  \
        ((const struct hz_field[]){__VA_ARGS__})

static void put(hz_batch *b, const char *table, const char *id, size_t n,
                const struct hz_field *f)
{
    struct hz_err err = {0};
    int rv = hz_batch_put(b, table, id, n, f, NULL, &err);
    if (rv != 0)
        fprintf(stderr, "fuzz_api: put %s: %s\n", table, err.msg);
    FUZZ_CHECK(rv == 0);
}

static void commit(hz_node *n, hz_batch *b)
{
    struct hz_err err = {0};
    int rv = hz_node_commit(n, b, NULL, &err);
    if (rv != 0)
        fprintf(stderr, "fuzz_api: commit: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
    hz_batch_close(b);
}

static hz_batch *batch(hz_node *n)
{
    hz_batch *b;
    struct hz_err err = {0};
    FUZZ_CHECK(hz_batch_open(n, &b, &err) == 0);
    return b;
}

static void write_village(hz_node *n)
{
    hz_batch *b = batch(n);
    put(b, "sites", SITE,
        FIELDS({"name", "测试安置点"}, {"kind", "shelter"}, {"capacity", "2"},
               {"open", "true"}));
    put(b, "sites", WAREHOUSE,
        FIELDS({"name", "测试仓库"}, {"kind", "warehouse"}));
    put(b, "items", ITEM,
        FIELDS({"name", "测试米"}, {"unit", "kg"}, {"category", "food"}));
    put(b, "households", HOUSEHOLD,
        FIELDS({"head_name", "测试甲"}, {"village", "测试村"},
               {"phone", "10000000000"}, {"status", "evacuated"},
               {"members", "3"}));
    put(b, "households", GONE, FIELDS({"head_name", "测试乙"}));
    put(b, "households", EDITED,
        FIELDS({"head_name", "测试丙"}, {"village", "测试二村"}));
    put(b, "persons", PERSON_IN,
        FIELDS({"name", "测试甲"}, {"household", HOUSEHOLD}, {"sex", "male"},
               {"birth_year", "1949"}, {"id_number", "11010519491231002X"},
               {"elderly_mobility", "true"}));
    put(b, "persons", PERSON_OUT,
        FIELDS({"name", "测试丁"}, {"household", HOUSEHOLD},
               {"phone", "13800000000"}, {"birth_year", "1990"}));
    put(b, "persons", PERSON_TWICE,
        FIELDS({"name", "测试戊"}, {"household", HOUSEHOLD},
               {"condition", "missing"}));
    commit(n, b);

    b = batch(n);
    put(b, "stays", "e0000000000000000000000000000001",
        FIELDS({"person", PERSON_IN}, {"site", SITE}, {"kind", "in"}));
    put(b, "stays", "e0000000000000000000000000000002",
        FIELDS({"person", PERSON_TWICE}, {"site", SITE}, {"kind", "in"}));
    put(b, "stays", "e0000000000000000000000000000003",
        FIELDS({"person", PERSON_TWICE}, {"site", WAREHOUSE}, {"kind", "in"}));
    put(b, "stock_moves", "f0000000000000000000000000000001",
        FIELDS({"item", ITEM}, {"site", SITE}, {"kind", "received"},
               {"qty", "100"}, {"counterpart", "测试捐赠方"}));
    put(b, "warnings", "90000000000000000000000000000001",
        FIELDS({"household", HOUSEHOLD}, {"method", "phone"},
               {"notice", "测试通知"}));
    put(b, "households", EDITED, FIELDS({"notes", "测试备注"}));
    struct hz_err err = {0};
    FUZZ_CHECK(hz_batch_del(b, "households", GONE, &err) == 0);
    commit(n, b);
}

/* A stranger sets the village of HOUSEHOLD and deletes EDITED, neither
 * having seen our writes: two conflicts for /api/conflicts to list and
 * /api/conflicts/resolve to settle. */
static void add_stranger(void)
{
    static const uint8_t seed[HZ_SEED_LEN] = {0x41};
    hz_node *other;
    struct hz_err err = {0};
    FUZZ_CHECK(node_open_memory(seed, schema_current(), fuzz_env(), &other,
                                &err) == 0);
    hz_batch *b = batch(other);
    put(b, "households", HOUSEHOLD, FIELDS({"village", "测试三村"}));
    put(b, "households", EDITED, FIELDS({"head_name", "测试丙"}));
    commit(other, b);
    b = batch(other);
    FUZZ_CHECK(hz_batch_del(b, "households", EDITED, &err) == 0);
    commit(other, b);

    struct enc all;
    const uint8_t *p[2];
    size_t len[2];
    FUZZ_CHECK(fuzz_relay_all(other, &all, p, len, 2) == 2);
    struct hz_ingest_stats st = {0};
    FUZZ_CHECK(store_relay_ingest(node, 2, p, len, &st, &err) == 0);
    FUZZ_CHECK(st.applied == 2);
    enc_close(&all);
    hz_node_close(other);
}

/* ---- the snapshot */

static void exec(const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(node->db.conn, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "fuzz_api: %s: %s\n", sql, msg != NULL ? msg : "?");
        FUZZ_CHECK(!"SQL of the snapshot");
    }
}

/* One SQL text with @fmt_sql once for every table of the node, each "%s"
 * in it replaced by the table's quoted name. Every table but `names`
 * (the dictionary of table, column and key names: not state, and only
 * ever added to), SQLite's own (sqlite_sequence numbers the rows of
 * pending and forks, which this node's own writes never add to) and the
 * virtual tables with their shadow tables (the search index in FTS5,
 * which caches what it read of its tables: restore_fixture builds it
 * again from the rows). */
static char *each_table(const char *fmt_sql)
{
    const char *sql =
        "SELECT group_concat(printf(?1, quote(name), quote(name),"
        " quote(name)), '') FROM sqlite_master AS m WHERE type = 'table'"
        " AND name <> 'names' AND name NOT LIKE 'sqlite_%' AND NOT EXISTS"
        " (SELECT 1 FROM sqlite_master AS v WHERE v.sql LIKE 'CREATE"
        " VIRTUAL TABLE%' AND (m.name = v.name OR m.name LIKE v.name ||"
        " '\\_%' ESCAPE '\\'))";
    sqlite3_stmt *st;
    FUZZ_CHECK(sqlite3_prepare_v2(node->db.conn, sql, -1, &st, NULL) ==
               SQLITE_OK);
    FUZZ_CHECK(sqlite3_bind_text(st, 1, fmt_sql, -1, SQLITE_STATIC) ==
               SQLITE_OK);
    FUZZ_CHECK(sqlite3_step(st) == SQLITE_ROW);
    const char *text = (const char *)sqlite3_column_text(st, 0);
    FUZZ_CHECK(text != NULL);
    char *out = strdup(text);
    FUZZ_CHECK(out != NULL);
    sqlite3_finalize(st);
    return out;
}

/* Copy every table into the attached database `snap`, and make the SQL
 * that copies them back. */
static void take_snapshot(void)
{
    exec("ATTACH DATABASE ':memory:' AS snap");
    char *copy = each_table("CREATE TABLE snap.%s AS SELECT * FROM main.%s;");
    exec(copy);
    free(copy);
    char *back = each_table(
        "DELETE FROM main.%s; INSERT INTO main.%s SELECT * FROM snap.%s;");
    size_t len = strlen(back) + 32;
    restore_sql = malloc(len);
    FUZZ_CHECK(restore_sql != NULL);
    snprintf(restore_sql, len, "BEGIN;%sCOMMIT;", back);
    free(back);
}

static int64_t log_count(void)
{
    int64_t v = -1;
    struct hz_err err = {0};
    FUZZ_CHECK(db_int(&node->db, "SELECT count(*) FROM log", DB_NO_ARGS, &v,
                      NULL, &err) == 0);
    return v;
}

static void state_hash(char *out)
{
    struct hz_err err = {0};
    int rv = hz_node_state_hash(node, out, &err);
    if (rv != 0)
        fprintf(stderr, "fuzz_api: state hash: %s\n", err.msg);
    FUZZ_CHECK(rv == 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    FUZZ_CHECK(hz_init() == 0);
    const char *e = getenv("HZ_FUZZ_API_ECHO");
    echo = e != NULL && strcmp(e, "1") == 0;
    fuzz_env_reset();
    static const uint8_t seed[HZ_SEED_LEN] = {0x40};
    struct hz_err err = {0};
    FUZZ_CHECK(
        node_open_memory(seed, schema_current(), fuzz_env(), &node, &err) == 0);
    write_village(node);
    add_stranger();
    char *json = NULL;
    FUZZ_CHECK(hz_node_conflicts(node, &json, &err) == 0);
    json_t *conflicts = json_loads(json, 0, NULL);
    /* one per column: village of HOUSEHOLD, three of EDITED */
    FUZZ_CHECK(json_array_size(conflicts) == 4);
    json_decref(conflicts);
    hz_free_string(json);
    take_snapshot();
    state_hash(fixture_hash);
    fixture_log = log_count();
    changes = sqlite3_total_changes64(node->db.conn);
    return 0;
}

/* ---- one request */

/* A copy of @len bytes in a buffer of exactly @len + @nul bytes. */
static char *copy(const uint8_t *p, size_t len, int nul)
{
    char *s = malloc(len + (size_t)nul > 0 ? len + (size_t)nul : 1);
    FUZZ_CHECK(s != NULL);
    if (len > 0)
        memcpy(s, p, len);
    if (nul)
        s[len] = '\0';
    return s;
}

/* The end of the field starting at @p: its NUL, or the end of the input. */
static size_t field_len(const uint8_t *p, size_t left)
{
    const uint8_t *z = memchr(p, 0, left);
    return z != NULL ? (size_t)(z - p) : left;
}

struct query {
    size_t n;
    char *k[API_QUERY_MAX], *v[API_QUERY_MAX];
};

static void split_query(const uint8_t *p, size_t len, struct query *q)
{
    q->n = 0;
    size_t pos = 0;
    while (pos < len && q->n < API_QUERY_MAX) {
        size_t end = pos;
        while (end < len && p[end] != '&')
            end++;
        if (end > pos) {
            size_t eq = pos;
            while (eq < end && p[eq] != '=')
                eq++;
            q->k[q->n] = copy(p + pos, eq - pos, 1);
            q->v[q->n] =
                eq < end ? copy(p + eq + 1, end - eq - 1, 1) : copy(p, 0, 1);
            q->n++;
        }
        pos = end + 1;
    }
}

/* The documented pairs of status and code (proto/api.md, "Errors"), of
 * those api_handle itself gives (sessions, CSRF, logins and content types
 * are the server's). */
static int documented(int status, const char *code)
{
    static const struct {
        int status;
        const char *code;
    } codes[] = {
        {400, "bad_json"},       {400, "unknown_field"},
        {400, "bad_value"},      {403, "forbidden"},
        {403, "node_denied"},    {404, "not_found"},
        {405, "method"},         {409, "conflict"},
        {410, "deleted"},        {409, "possible_duplicate"},
        {409, "received_today"}, {413, "too_big"},
        {422, "bad_value"},      {422, "missing"},
        {422, "ambiguous"},      {422, "not_checked_in"},
        {503, "busy"},           {507, "storage"},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (codes[i].status == status && strcmp(codes[i].code, code) == 0)
            return 1;
    }
    return 0;
}

static int text_set(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL && s[0] != '\0';
}

static void check_answer(const struct api_res *res)
{
    if (res->status != 200 && res->status != 201 &&
        !(res->status >= 400 && res->status <= 599))
        fprintf(stderr, "fuzz_api: status %d\n", res->status);
    FUZZ_CHECK(res->status == 200 || res->status == 201 ||
               (res->status >= 400 && res->status <= 599));
    /* an object; the lists of views and conflicts are arrays */
    FUZZ_CHECK(json_is_object(res->body) ||
               (res->status == 200 && json_is_array(res->body)));
    char *text = json_dumps(res->body, JSON_COMPACT | JSON_ENSURE_ASCII);
    FUZZ_CHECK(text != NULL);
    json_t *e = json_object_get(res->body, "error");
    if (echo)
        fprintf(stderr, "fuzz_api: %d %s\n", res->status, text);
    if (res->status < 400) {
        FUZZ_CHECK(e == NULL);
        free(text);
        return;
    }
    if (!json_is_object(e) || !text_set(e, "code") || !text_set(e, "zh") ||
        !text_set(e, "en") ||
        !documented(res->status, json_string_value(json_object_get(e, "code"))))
        fprintf(stderr, "fuzz_api: refusal %d %s\n", res->status, text);
    FUZZ_CHECK(json_is_object(e));
    FUZZ_CHECK(text_set(e, "code") && text_set(e, "zh") && text_set(e, "en"));
    FUZZ_CHECK(
        documented(res->status, json_string_value(json_object_get(e, "code"))));
    json_t *field = json_object_get(e, "field");
    FUZZ_CHECK(field == NULL || json_is_string(field));
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const char *const methods[] = {"GET", "POST", "PATCH", "DELETE"};
    static const char *const odd[] = {"PUT", "HEAD", "post", ""};
    const char *method =
        (data[0] & 0xf0) == 0xf0 ? odd[data[0] & 3] : methods[data[0] & 3];
    const struct api_user *user = &accounts[(data[1] & 15) % ACCOUNTS];
    const uint8_t *p = data + 2;
    size_t left = size - 2;

    size_t plen = field_len(p, left);
    char *path;
    if (plen > 0 && p[0] == '/') {
        path = copy(p, plen, 1);
    } else {
        path = malloc(5 + plen + 1);
        FUZZ_CHECK(path != NULL);
        memcpy(path, "/api/", 5);
        if (plen > 0)
            memcpy(path + 5, p, plen);
        path[5 + plen] = '\0';
    }
    p += plen < left ? plen + 1 : plen;
    left -= plen < left ? plen + 1 : plen;
    size_t qlen = field_len(p, left);
    struct query q;
    split_query(p, qlen, &q);
    p += qlen < left ? qlen + 1 : qlen;
    left -= qlen < left ? qlen + 1 : qlen;
    char *body = left > 0 ? copy(p, left, 0) : NULL;

    struct api_req r = {.method = method,
                        .path = path,
                        .n_query = q.n,
                        .body = body,
                        .len = left,
                        .user = user};
    for (size_t i = 0; i < q.n; i++) {
        r.qk[i] = q.k[i];
        r.qv[i] = q.v[i];
    }
    fuzz_env_reset();
    struct api_res res;
    api_handle(node, &r, &res);
    if (echo)
        fprintf(stderr, "fuzz_api: %s %s as %s (%zu query pairs, %zu bytes)\n",
                method, path, user->role, q.n, left);
    check_answer(&res);

    bool changed = false;
    if (sqlite3_total_changes64(node->db.conn) != changes) {
        char hash[HZ_KEY_HEX_LEN + 1];
        state_hash(hash);
        changed = strcmp(hash, fixture_hash) != 0 || log_count() != fixture_log;
    }
    if (changed != res.wrote)
        fprintf(stderr, "fuzz_api: %s %s as %s: status %d, wrote %d, node %s\n",
                method, path, user->role, res.status, (int)res.wrote,
                changed ? "changed" : "unchanged");
    FUZZ_CHECK(changed == res.wrote);
    FUZZ_CHECK(!changed || res.status < 400);
    FUZZ_CHECK(!changed || strcmp(method, "GET") != 0);
    FUZZ_CHECK(!changed || strcmp(user->role, "viewer") != 0);
    if (sqlite3_total_changes64(node->db.conn) != changes) {
        exec(restore_sql);
        struct hz_err err = {0};
        FUZZ_CHECK(txn_begin(node, &err) == 0);
        FUZZ_CHECK(search_rebuild(node, &err) == 0);
        FUZZ_CHECK(txn_commit(node, &err) == 0);
        char hash[HZ_KEY_HEX_LEN + 1];
        state_hash(hash);
        FUZZ_CHECK(strcmp(hash, fixture_hash) == 0);
        FUZZ_CHECK(log_count() == fixture_log);
        changes = sqlite3_total_changes64(node->db.conn);
    }

    json_decref(res.body);
    FUZZ_CHECK(res.fd < 0 || res.status == 200);
    if (res.fd >= 0)
        close(res.fd);
    for (size_t i = 0; i < q.n; i++) {
        free(q.k[i]);
        free(q.v[i]);
    }
    free(body);
    free(path);
    return 0;
}
