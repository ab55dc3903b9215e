/* mirror.c - the county mirror: the rows this node has materialized,
 * copied into PostgreSQL with libpq (issue 18; DECISIONS 43; proto/cli.md,
 * "mirror").
 *
 * It follows changes, not entries: the node numbers every change of a
 * materialized row or of its conflicts (proto/storage.md, "The change
 * counter"); a pass copies the rows numbered after the counter
 * stored in PostgreSQL, in batches, each batch one PostgreSQL transaction
 * together with the new counter, so a kill of either side loses nothing
 * and copies nothing twice. One node per network writes at a time: a
 * session advisory lock keyed by the network, held while connected.
 *
 * Tables come from the schema registry: one per registry table under its
 * wire name in the URL's schema (default public), keyed by (network, id),
 * each row with its source node and that node's state hash; a tombstoned
 * row keeps its id with deleted true and every other column null;
 * conflicts go to huzhu_conflicts, the counter to huzhu_mirror_state. A
 * newer schema adds columns (ADD COLUMN IF NOT EXISTS), never drops.
 *
 * The URL never carries a password (libpq reads PGPASSWORD or PGPASSFILE)
 * and is never printed; a host other than a Unix socket or loopback gets
 * sslmode=verify-full unless the URL sets sslmode (url.c). The derived
 * views are views.c's; which node's view is the newest, newest.c's. */
#include "mirror.h"
#include "newest.h"
#include "stage.h"
#include "text.h"
#include "url.h"
#include "views.h"

#include "../core/error_int.h"
#include "../core/limits.h"
#include "../core/schema.h"
#include "../store/store.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STR_(x) #x
#define STR(x) STR_(x)
#define MIRROR_URL_LEN_MAX 4096u
#define DETAIL_LEN_MAX 200u

struct mirror {
    hz_node *n;
    PGconn *pg;
    const struct schema *schema;
    char sch[MIRROR_SCHEMA_LEN_MAX + 1];
    const char *reader; /* borrowed from the opts, or NULL */
    char *vector;       /* this pass's {author: seq} (JSON text), owned */
    char network[2 * 16 + 1], node[2 * 32 + 1], hash[2 * 32 + 1];
    size_t batch;
    unsigned long kill_in_batch, stall_in_batch;
    const char *stall_until;
    struct stage stage; /* where a batch goes: points into this struct */
};

static int server_fail(struct mirror *m, PGresult *r, enum mirror_fault *fault,
                       const char *what, struct hz_err *err)
{
    char detail[MIRROR_DETAIL_LEN_MAX];
    url_first_line(r != NULL ? PQresultErrorMessage(r) : PQerrorMessage(m->pg),
                   detail, sizeof detail);
    *fault = MIRROR_SERVER;
    return hz_err_set(err, HZ_EIO, "%s: postgresql: %s", what, detail);
}

/* Run @sql (no parameters, no rows wanted). */
static int exec(struct mirror *m, const char *sql, enum mirror_fault *fault,
                const char *what, struct hz_err *err)
{
    PGresult *r = PQexec(m->pg, sql);
    ExecStatusType st = PQresultStatus(r);
    int rv = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                 ? 0
                 : server_fail(m, r, fault, what, err);
    PQclear(r);
    return rv;
}

/* Run the prepared statement @name; *@out (when not NULL) keeps the
 * result (PQclear it). */
static int run(struct mirror *m, const char *name, int n_params,
               const char *const *params, PGresult **out,
               enum mirror_fault *fault, struct hz_err *err)
{
    PGresult *r = PQexecPrepared(m->pg, name, n_params, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    int rv = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK
                 ? 0
                 : server_fail(m, r, fault, name, err);
    if (rv == 0 && out != NULL)
        *out = r;
    else
        PQclear(r);
    return rv;
}

static int prepare(struct mirror *m, const char *name, const struct text *s,
                   enum mirror_fault *fault, struct hz_err *err)
{
    if (s->failed)
        return hz_err_set(err, HZ_ENOMEM, "mirror statements");
    PGresult *r = PQprepare(m->pg, name, s->p, 0, NULL);
    int rv = PQresultStatus(r) == PGRES_COMMAND_OK
                 ? 0
                 : server_fail(m, r, fault, name, err);
    PQclear(r);
    return rv;
}

/* ---- tables */

/* COMMENT ON @what IS 'zh / en', the text quoted by libpq. */
static void add_comment(struct mirror *m, struct text *s, const char *what,
                        const char *zh, const char *en)
{
    char text[512];
    snprintf(text, sizeof text, "%s / %s", zh, en);
    char *lit = PQescapeLiteral(m->pg, text, strlen(text));
    if (lit == NULL) {
        s->failed = true;
        return;
    }
    text_add(s, "COMMENT ON %s IS %s;", what, lit);
    PQfreemem(lit);
}

static void add_column(struct mirror *m, struct text *s, const char *table,
                       const char *col, const char *type, const char *zh,
                       const char *en)
{
    text_add(s, "ALTER TABLE \"%s\".\"%s\" ADD COLUMN IF NOT EXISTS \"%s\" %s;",
             m->sch, table, col, type);
    char what[256];
    snprintf(what, sizeof what, "COLUMN \"%s\".\"%s\".\"%s\"", m->sch, table,
             col);
    add_comment(m, s, what, zh, en);
}

static void add_table(struct mirror *m, struct text *s,
                      const struct table_def *t)
{
    text_add(s,
             "CREATE TABLE IF NOT EXISTS \"%s\".\"%s\"(network text NOT NULL,"
             " id uuid NOT NULL, PRIMARY KEY(network, id));",
             m->sch, t->name);
    char what[160];
    snprintf(what, sizeof what, "TABLE \"%s\".\"%s\"", m->sch, t->name);
    add_comment(m, s, what, t->zh, t->en);
    snprintf(what, sizeof what, "COLUMN \"%s\".\"%s\".network", m->sch,
             t->name);
    add_comment(m, s, what, "网络编号", "network id");
    snprintf(what, sizeof what, "COLUMN \"%s\".\"%s\".id", m->sch, t->name);
    add_comment(m, s, what, "行编号", "row id");
    if (t->kind == TABLE_ENTITY)
        add_column(m, s, t->name, "deleted", "boolean NOT NULL DEFAULT false",
                   "已删除(其余字段为空)", "deleted (every other column null)");
    for (size_t c = 0; c < t->n_cols; c++)
        if (stage_col_mirrored(&t->cols[c]))
            add_column(m, s, t->name, t->cols[c].name,
                       stage_pg_type(&t->cols[c]), t->cols[c].zh,
                       t->cols[c].en);
    add_column(m, s, t->name, "source_node", "text", "写入镜像的节点(公钥)",
               "the node that mirrored the row (its key)");
    add_column(m, s, t->name, "source_state", "text", "写入时该节点的状态哈希",
               "that node's state hash then");
}

/* The read-only role's rights (checked by check_reader): to find the
 * schema, and to read each table and view the mirror makes; nothing
 * else. */
static void grant_reader(struct mirror *m, struct text *s)
{
    text_add(s, "GRANT USAGE ON SCHEMA \"%s\" TO \"%s\";", m->sch, m->reader);
    text_add(s,
             "GRANT SELECT ON TABLE \"%s\".huzhu_mirror_state,"
             " \"%s\".huzhu_mirror_waiting, \"%s\".huzhu_conflicts",
             m->sch, m->sch, m->sch);
    for (size_t i = 0; i < m->schema->n_tables; i++)
        text_add(s, ", \"%s\".\"%s\"", m->sch, m->schema->tables[i].name);
    for (size_t i = 0; i < mirror_views_count(); i++)
        text_add(s, ", \"%s\".\"%s\"", m->sch, mirror_views_name(i));
    text_add(s, " TO \"%s\";", m->reader);
}

/* The role given for dashboards exists and cannot write through the
 * mirror's own rights: it is not the mirror's role, nor a member of it,
 * nor a superuser (pg_has_role holds for all three). */
static int check_reader(struct mirror *m, enum mirror_fault *fault,
                        struct hz_err *err)
{
    const char *params[] = {m->reader};
    PGresult *r = PQexecParams(m->pg,
                               "SELECT pg_has_role(oid, current_user,"
                               " 'USAGE') FROM pg_roles WHERE rolname = $1",
                               1, NULL, params, NULL, NULL, 0);
    int rv = 0;
    if (PQresultStatus(r) != PGRES_TUPLES_OK)
        rv = server_fail(m, r, fault, "reader", err);
    else if (PQntuples(r) != 1) {
        *fault = MIRROR_READER_MISSING;
        rv = hz_err_set(err, HZ_ENOTFOUND, "no role %s", m->reader);
    } else if (strcmp(PQgetvalue(r, 0, 0), "t") == 0) {
        *fault = MIRROR_READER_WRITES;
        rv = hz_err_set(err, HZ_EINVAL, "role %s can write as the mirror",
                        m->reader);
    }
    PQclear(r);
    return rv;
}

static int create_tables(struct mirror *m, enum mirror_fault *fault,
                         struct hz_err *err)
{
    struct text s = {0};
    text_add(&s, "BEGIN; CREATE SCHEMA IF NOT EXISTS \"%s\";", m->sch);
    text_add(&s,
             "CREATE TABLE IF NOT EXISTS \"%s\".huzhu_mirror_state(network text"
             " PRIMARY KEY, node text NOT NULL, counter bigint NOT NULL,"
             " state_hash text NOT NULL, full_copy boolean NOT NULL DEFAULT"
             " false, updated timestamptz NOT NULL DEFAULT now());",
             m->sch);
    text_add(&s,
             "ALTER TABLE \"%s\".huzhu_mirror_state ADD COLUMN IF NOT EXISTS"
             " vector jsonb;",
             m->sch);
    char what[160];
    snprintf(what, sizeof what, "COLUMN \"%s\".huzhu_mirror_state.vector",
             m->sch);
    add_comment(m, &s, what,
                "写入节点所见: 每个作者的最高连续序号(接管须不少于它)",
                "what the writing node had seen: each author's highest"
                " contiguous seq (a node taking over must hold as much)");
    text_add(&s,
             "CREATE TABLE IF NOT EXISTS \"%s\".huzhu_mirror_waiting(network"
             " text NOT NULL, node text NOT NULL, vector jsonb NOT NULL,"
             " asked timestamptz NOT NULL DEFAULT now(), PRIMARY KEY(network,"
             " node));",
             m->sch);
    snprintf(what, sizeof what, "TABLE \"%s\".huzhu_mirror_waiting", m->sch);
    add_comment(m, &s, what,
                "等待接管镜像的节点及其所见(更新者到来时写入者交出锁)",
                "nodes waiting to take a network's mirror over, with their"
                " view (the writer yields to a newer one)");
    snprintf(what, sizeof what, "TABLE \"%s\".huzhu_mirror_state", m->sch);
    add_comment(m, &s, what,
                "镜像进度: 每个网络由哪个节点写入、复制到其变更计数器的哪一处",
                "mirror progress: per network, the node writing it and the"
                " change counter copied up to");
    text_add(&s,
             "CREATE TABLE IF NOT EXISTS \"%s\".huzhu_conflicts(network text"
             " NOT NULL, \"table\" text NOT NULL, id uuid NOT NULL, kind text"
             " NOT NULL, \"column\" text, heads jsonb, versions bigint,"
             " source_node text NOT NULL, source_state text NOT NULL);"
             "CREATE INDEX IF NOT EXISTS huzhu_conflicts_row ON"
             " \"%s\".huzhu_conflicts(network, \"table\", id);",
             m->sch, m->sch);
    snprintf(what, sizeof what, "TABLE \"%s\".huzhu_conflicts", m->sch);
    add_comment(m, &s, what, "待复核的冲突(同 huzhu conflicts)",
                "conflicts to review (as huzhu conflicts lists them)");
    for (size_t i = 0; i < m->schema->n_tables; i++)
        add_table(m, &s, &m->schema->tables[i]);
    char *views = mirror_views_sql(m->sch);
    if (views == NULL)
        s.failed = true;
    else
        text_add(&s, "%s", views);
    free(views);
    if (m->reader != NULL)
        grant_reader(m, &s);
    text_add(&s, "COMMIT;");
    int rv = s.failed ? hz_err_set(err, HZ_ENOMEM, "mirror tables")
                      : exec(m, s.p, fault, "create tables", err);
    text_free(&s);
    return rv;
}

/* The statements of a pass, prepared once per connection: the progress
 * ("state_get", "state_put") and who waits ("waiting"); a batch's rows
 * go with COPY (stage.c). */
static int prepare_all(struct mirror *m, enum mirror_fault *fault,
                       struct hz_err *err)
{
    int rv = 0;
    /* name, the SQL before the schema's name and after it */
    static const char *const named[][3] = {
        {"waiting", "SELECT node, vector::text FROM \"",
         "\".huzhu_mirror_waiting WHERE network = $1 AND node <> $2 AND"
         " asked > now() - interval '" STR(MIRROR_WAITING_S) " seconds'"
                                                             " ORDER BY node"},
        {"state_get", "SELECT node, counter, full_copy, vector::text FROM \"",
         "\".huzhu_mirror_state WHERE network = $1"},
        {"state_put", "INSERT INTO \"",
         "\".huzhu_mirror_state(network, node, counter, state_hash,"
         " full_copy, vector, updated) VALUES($1, $2, $3::bigint, $4,"
         " $5::boolean, $6::jsonb, now()) ON CONFLICT (network) DO UPDATE"
         " SET node = EXCLUDED.node, counter = EXCLUDED.counter, state_hash"
         " = EXCLUDED.state_hash, full_copy = EXCLUDED.full_copy, vector ="
         " EXCLUDED.vector, updated = now()"},
    };
    for (size_t i = 0; rv == 0 && i < sizeof named / sizeof named[0]; i++) {
        struct text s = {0};
        text_add(&s, "%s%s%s", named[i][1], m->sch, named[i][2]);
        rv = prepare(m, named[i][0], &s, fault, err);
        text_free(&s);
    }
    return rv;
}

/* ---- the newest view (proto/cli.md, "The newest view") */

/* The lock is held by another: say, with this node's view, that it
 * waits, so that a writer with an older view yields (yield_if_newer). A
 * failure here changes nothing the refusal says: it is ignored (the
 * table may not exist yet). */
static void wait_for_lock(struct mirror *m)
{
    char *vector = NULL;
    struct hz_err e = {0};
    if (newest_vector(m->n, &vector, &e) != 0)
        return;
    char sql[512];
    snprintf(sql, sizeof sql,
             "INSERT INTO \"%s\".huzhu_mirror_waiting(network, node, vector,"
             " asked) VALUES($1, $2, $3::jsonb, now()) ON CONFLICT (network,"
             " node) DO UPDATE SET vector = EXCLUDED.vector, asked = now()",
             m->sch);
    const char *params[] = {m->network, m->node, vector};
    PGresult *r = PQexecParams(m->pg, sql, 3, NULL, params, NULL, NULL, 0);
    PQclear(r);
    free(vector);
}

/* A node waiting for the lock (asked within MIRROR_WAITING_S) whose view
 * is strictly newer than this writer's (m->vector): give the lock up, a
 * refusal (MIRROR_YIELDED) after which the caller disconnects. */
static int yield_if_newer(struct mirror *m, enum mirror_fault *fault,
                          struct hz_err *err)
{
    const char *params[] = {m->network, m->node};
    PGresult *r = NULL;
    int rv = run(m, "waiting", 2, params, &r, fault, err);
    for (int i = 0; rv == 0 && i < PQntuples(r); i++) {
        if (!newest_newer(PQgetvalue(r, i, 1), m->vector))
            continue;
        *fault = MIRROR_YIELDED;
        rv = hz_err_set(err, HZ_EBUSY,
                        "node %.8s waits with a newer view: lock given up",
                        PQgetvalue(r, i, 0));
    }
    PQclear(r);
    return rv;
}

/* ---- open and close */

int mirror_check_reader(const char *reader, enum mirror_fault *fault,
                        struct hz_err *err)
{
    if (reader == NULL || (strlen(reader) <= MIRROR_SCHEMA_LEN_MAX &&
                           url_name_ok(reader, strlen(reader))))
        return 0;
    *fault = MIRROR_READER_NAME;
    return hz_err_set(err, HZ_EINVAL,
                      "reader role: lower-case letters, digits and _");
}

int mirror_open(hz_node *n, const struct mirror_opts *o, struct mirror **out,
                enum mirror_fault *fault, struct hz_err *err)
{
    *out = NULL;
    *fault = MIRROR_OK;
    if (o->batch == 0 || o->batch > STORE_CHANGES_MAX)
        return hz_err_set(err, HZ_EINVAL, "batch of 1 to %u rows",
                          STORE_CHANGES_MAX);
    struct mirror *m = calloc(1, sizeof *m);
    char *clean = malloc(MIRROR_URL_LEN_MAX);
    if (m == NULL || clean == NULL) {
        free(m);
        free(clean);
        return hz_err_set(err, HZ_ENOMEM, "mirror");
    }
    m->n = n;
    m->schema = schema_current();
    m->batch = o->batch;
    m->kill_in_batch = o->kill_in_batch;
    m->stall_in_batch = o->stall_in_batch;
    m->stall_until = o->stall_until;
    m->reader = o->reader;
    int bad = mirror_check_reader(o->reader, fault, err);
    if (bad != 0) {
        free(m);
        free(clean);
        return bad;
    }
    hz_node_key_hex(n, m->node);
    int64_t top;
    int rv = url_take_schema(o->url, clean, m->sch, fault, err);
    if (rv == 0) {
        rv = store_changes_ready(n, err);
        if (rv == 0)
            rv = store_changes_top(n, &top, NULL, m->network, err);
        if (rv != 0)
            *fault = MIRROR_NODE;
    }
    if (rv == 0)
        rv = url_connect(clean, &m->pg, fault, err);
    free(clean);
    PGresult *r = NULL;
    if (rv == 0) {
        const char *params[] = {m->network};
        r = PQexecParams(m->pg,
                         "SELECT pg_try_advisory_lock(hashtextextended("
                         "'huzhu mirror ' || $1, 0))",
                         1, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_TUPLES_OK)
            rv = server_fail(m, r, fault, "lock", err);
        else if (strcmp(PQgetvalue(r, 0, 0), "t") != 0) {
            *fault = MIRROR_LOCKED;
            rv = hz_err_set(err, HZ_EBUSY,
                            "network %.8s: another node holds the lock",
                            m->network);
        }
        PQclear(r);
        if (*fault == MIRROR_LOCKED)
            wait_for_lock(m);
    }
    if (rv == 0 && m->reader != NULL)
        rv = check_reader(m, fault, err);
    if (rv == 0)
        rv = create_tables(m, fault, err);
    if (rv == 0)
        rv = prepare_all(m, fault, err);
    if (rv == 0) {
        m->stage = (struct stage){.pg = m->pg,
                                  .schema = m->schema,
                                  .sch = m->sch,
                                  .network = m->network,
                                  .node = m->node,
                                  .hash = m->hash};
        rv = stage_create(&m->stage, fault, err);
    }
    if (rv == 0) {
        /* holding the lock: this node waits no more */
        const char *params[] = {m->network, m->node};
        char sql[256];
        snprintf(sql, sizeof sql,
                 "DELETE FROM \"%s\".huzhu_mirror_waiting WHERE network = $1"
                 " AND node = $2",
                 m->sch);
        r = PQexecParams(m->pg, sql, 2, NULL, params, NULL, NULL, 0);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            rv = server_fail(m, r, fault, "waiting", err);
        PQclear(r);
    }
    if (rv != 0) {
        mirror_close(m);
        return rv;
    }
    *out = m;
    return 0;
}

void mirror_close(struct mirror *m)
{
    if (m == NULL)
        return;
    /* The lock let go before the connection closes: a session's advisory
     * locks go only when its server process ends, after PQfinish returns,
     * and a node taking the mirror over at once found it still held
     * (integration.mirror failed so in a clean-clone CI run). */
    if (m->pg != NULL && PQstatus(m->pg) == CONNECTION_OK)
        PQclear(PQexec(m->pg, "SELECT pg_advisory_unlock_all()"));
    if (m->pg != NULL)
        PQfinish(m->pg);
    free(m->vector);
    free(m);
}

const char *mirror_schema(const struct mirror *m)
{
    return m->sch;
}

const char *mirror_network(const struct mirror *m)
{
    return m->network;
}

const char *mirror_state_hash(const struct mirror *m)
{
    return m->hash;
}

/* ---- a pass */

static int put_state(struct mirror *m, int64_t counter, bool full,
                     enum mirror_fault *fault, struct hz_err *err)
{
    char c[32];
    snprintf(c, sizeof c, "%lld", (long long)counter);
    const char *params[] = {
        m->network, m->node, c, m->hash, full ? "true" : "false", m->vector};
    return run(m, "state_put", 6, params, NULL, fault, err);
}

/* The test hooks of struct mirror_opts, in batch @n of a pass. */
static void test_hooks(const struct mirror *m, uint64_t n)
{
    if (m->kill_in_batch == n)
        raise(SIGKILL);
    for (int i = 0; m->stall_in_batch == n && i < 1500; i++) {
        if (m->stall_until == NULL || access(m->stall_until, F_OK) == 0)
            break;
        struct timespec tick = {.tv_nsec = 20 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
}

/* One batch: the rows changed after p->to, at most m->batch of them, in
 * one transaction with the counter. *@done when there were none. */
static int batch(struct mirror *m, int64_t upto, bool full,
                 struct mirror_pass *p, bool *done, enum mirror_fault *fault,
                 struct hz_err *err)
{
    json_t *arr = NULL;
    int64_t last = p->to;
    int rv = store_changes_since(m->n, p->to, upto, m->batch, &arr, &last, err);
    if (rv != 0) {
        *fault = MIRROR_NODE;
        return rv;
    }
    *done = last == p->to;
    if (!*done)
        rv = exec(m, "BEGIN", fault, "begin", err);
    if (rv == 0 && !*done)
        rv = stage_send(&m->stage, arr, p, fault, err);
    json_decref(arr);
    if (rv == 0 && !*done)
        test_hooks(m, p->batches + 1);
    if (rv == 0 && !*done)
        rv = put_state(m, last, full, fault, err);
    if (rv == 0 && !*done)
        rv = exec(m, "COMMIT", fault, "commit", err);
    if (rv != 0 && !*done) {
        PGresult *r = PQexec(m->pg, "ROLLBACK");
        PQclear(r);
    }
    if (rv == 0 && !*done) {
        p->to = last;
        p->batches++;
    }
    return rv;
}

/* The end of a full copy: the rows of this network that another node
 * wrote and this one did not are not in this node's state. */
static int end_full_copy(struct mirror *m, struct mirror_pass *p,
                         enum mirror_fault *fault, struct hz_err *err)
{
    struct text s = {0};
    text_add(&s, "BEGIN;");
    for (size_t i = 0; i < m->schema->n_tables; i++)
        text_add(&s,
                 "DELETE FROM \"%s\".\"%s\" WHERE network = '%s' AND"
                 " source_node IS DISTINCT FROM '%s';",
                 m->sch, m->schema->tables[i].name, m->network, m->node);
    text_add(&s,
             "DELETE FROM \"%s\".huzhu_conflicts WHERE network = '%s' AND"
             " source_node IS DISTINCT FROM '%s';",
             m->sch, m->network, m->node);
    int rv = s.failed ? hz_err_set(err, HZ_ENOMEM, "mirror")
                      : exec(m, s.p, fault, "full copy", err);
    text_free(&s);
    if (rv == 0)
        rv = put_state(m, p->to, false, fault, err);
    if (rv == 0)
        rv = exec(m, "COMMIT", fault, "commit", err);
    if (rv != 0) {
        PGresult *r = PQexec(m->pg, "ROLLBACK");
        PQclear(r);
    }
    return rv;
}

/* Where the stored progress says to start: after its counter when this
 * node wrote it, else from the beginning as a full copy (counters of
 * two nodes are not comparable) - when this node's view is as new as
 * the writer's: the mirror goes to the newest view (DECISIONS 43). */
static int start_at(struct mirror *m, int64_t top, struct mirror_pass *p,
                    enum mirror_fault *fault, struct hz_err *err)
{
    const char *params[] = {m->network};
    PGresult *r = NULL;
    int rv = run(m, "state_get", 1, params, &r, fault, err);
    if (rv != 0)
        return rv;
    bool held = PQntuples(r) == 1;
    bool mine = held && strcmp(PQgetvalue(r, 0, 0), m->node) == 0;
    int64_t stored = mine ? strtoll(PQgetvalue(r, 0, 1), NULL, 10) : 0;
    p->full_copy = mine && strcmp(PQgetvalue(r, 0, 2), "t") == 0;
    char writer8[9] = "";
    struct newest_short why = {0};
    bool newer =
        !held || mine ||
        newest_holds(m->vector,
                     PQgetisnull(r, 0, 3) ? NULL : PQgetvalue(r, 0, 3), &why);
    if (held)
        snprintf(writer8, sizeof writer8, "%.8s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!newer) {
        *fault = MIRROR_OLDER;
        return hz_err_set(err, HZ_EBUSY,
                          "writer %s saw author %s up to seq %lld, this"
                          " node up to %lld",
                          writer8, why.author8, why.theirs, why.ours);
    }
    if (held && (!mine || stored > top)) {
        /* another node's, or a counter this node never reached (its
         * database was replaced): copy everything again; the first batch
         * committed says so in the progress (until then a pass killed
         * starts the full copy again) */
        p->full_copy = true;
        stored = 0;
    }
    p->from = p->to = stored;
    return rv;
}

int mirror_run(struct mirror *m, struct mirror_pass *p,
               enum mirror_fault *fault, struct hz_err *err)
{
    *p = (struct mirror_pass){0};
    *fault = MIRROR_OK;
    int64_t top = 0;
    char network[2 * 16 + 1];
    /* the vector first: every entry in it that was applied is numbered
     * at or before @top, so the rows copied hold the view it names */
    free(m->vector);
    int rv = newest_vector(m->n, &m->vector, err);
    if (rv == 0)
        rv = store_changes_top(m->n, &top, NULL, network, err);
    if (rv != 0) {
        *fault = MIRROR_NODE;
        return rv;
    }
    if (strcmp(network, m->network) != 0) {
        *fault = MIRROR_NODE;
        return hz_err_set(err, HZ_ENETWORK,
                          "the node entered another network: mirror again");
    }
    rv = yield_if_newer(m, fault, err);
    if (rv == 0)
        rv = start_at(m, top, p, fault, err);
    /* Nothing changed since the last pass: the state hash (which reads
     * every row) is not computed again. */
    if (rv == 0 && p->from == top && !p->full_copy && m->hash[0] != '\0')
        return 0;
    /* The hash of a snapshot at or after @top: a row changed after it is
     * numbered after @top and copied, with a newer hash, by the next
     * pass. */
    if (rv == 0) {
        int64_t now = 0;
        rv = store_changes_top(m->n, &now, m->hash, network, err);
        if (rv != 0)
            *fault = MIRROR_NODE;
    }
    bool done = false;
    while (rv == 0 && !done)
        rv = batch(m, top, p->full_copy, p, &done, fault, err);
    if (rv == 0 && p->batches == 0)
        rv = put_state(m, p->to, p->full_copy, fault, err);
    if (rv == 0 && p->full_copy)
        rv = end_full_copy(m, p, fault, err);
    return rv;
}
