/* unit_env.c - shared fixtures of the unit tests (unit_env.h). */
#include "unit_env.h"

#include "core/body.h"
#include "core/entry.h"
#include "core/limits.h"
#include "huzhu/trust.h"
#include "lib/hash_form.h"
#include "store/db/db.h"
#include "store/state/state.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- deterministic environment */

uint64_t unit_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

size_t unit_rand_below(uint64_t *s, size_t n)
{
    return (size_t)(unit_rand(s) % n);
}

static uint64_t env_now(void *data)
{
    return ((struct unit_env *)data)->now_ms;
}

static void seeded_random(void *data, void *buf, size_t len)
{
    struct unit_env *u = data;
    uint8_t *p = buf;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t r = unit_rand(&u->rng);
        size_t k = len - i < 8 ? len - i : 8;
        memcpy(p + i, &r, k);
    }
}

void unit_env_init(struct unit_env *u, uint64_t seed, uint64_t now_ms)
{
    u->now_ms = now_ms;
    u->rng = seed;
    u->env.data = u;
    u->env.now_ms = env_now;
    u->env.random = seeded_random;
}

/* ---- nodes */

void unit_seed(uint8_t seed_byte, uint8_t seed[HZ_SEED_LEN])
{
    memset(seed, seed_byte, HZ_SEED_LEN);
}

hz_node *unit_node_memory_schema(uint8_t seed_byte, const struct schema *s,
                                 struct unit_env *env)
{
    uint8_t seed[HZ_SEED_LEN];
    unit_seed(seed_byte, seed);
    hz_node *n = NULL;
    struct hz_err err = {0};
    int rv = node_open_memory(seed, s, &env->env, &n, &err);
    if (rv != 0)
        fail_msg("node_open_memory: %s", err.msg);
    return n;
}

hz_node *unit_node_memory(uint8_t seed_byte, struct unit_env *env)
{
    return unit_node_memory_schema(seed_byte, schema_current(), env);
}

int unit_put(hz_node *n, const char *table, const char *id, size_t n_fields,
             const struct hz_field *fields, char *id_out, size_t *n_entries)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int rv = hz_batch_open(n, &b, &err);
    if (rv == 0)
        rv = hz_batch_put(b, table, id, n_fields, fields, id_out, &err);
    if (rv == 0)
        rv = hz_node_commit(n, b, n_entries, &err);
    hz_batch_close(b);
    return rv;
}

int unit_del(hz_node *n, const char *table, const char *id)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    int rv = hz_batch_open(n, &b, &err);
    if (rv == 0)
        rv = hz_batch_del(b, table, id, &err);
    if (rv == 0)
        rv = hz_node_commit(n, b, NULL, &err);
    hz_batch_close(b);
    return rv;
}

char *unit_field(hz_node *n, const char *table, const char *id, const char *col)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_get(n, table, id, &text, &err);
    if (rv == HZ_ENOTFOUND || rv == HZ_EDELETED) {
        hz_free_string(text);
        return NULL;
    }
    if (rv != 0)
        fail_msg("hz_node_get %s: %s", table, err.msg);
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    hz_free_string(text);
    assert_non_null(o);
    json_t *v = json_object_get(o, col);
    char *out = v != NULL ? json_dumps(v, JSON_ENCODE_ANY) : NULL;
    json_decref(o);
    return out;
}

void unit_assert_field(hz_node *n, const char *table, const char *id,
                       const char *col, const char *json_or_null)
{
    char *got = unit_field(n, table, id, col);
    if (json_or_null == NULL) {
        if (got != NULL)
            fail_msg("%s.%s: expected no value, got %s", table, col, got);
    } else {
        if (got == NULL)
            fail_msg("%s.%s: expected %s, got no value", table, col,
                     json_or_null);
        assert_string_equal(got, json_or_null);
    }
    free(got);
}

void unit_state_hash(hz_node *n, char out[2 * HZ_HASH_LEN + 1])
{
    struct hz_err err = {0};
    memset(out, 0, 2 * HZ_HASH_LEN + 1);
    int rv = hz_node_state_hash(n, out, &err);
    if (rv != 0)
        fail_msg("hz_node_state_hash: %s", err.msg);
    if (!hz_test_hash_form_ok(out))
        fail_msg("state hash \"%.64s\" is not 64 lowercase hex digits", out);
}

void unit_assert_same_state(hz_node *a, hz_node *b)
{
    char ha[2 * HZ_HASH_LEN + 1], hb[2 * HZ_HASH_LEN + 1];
    unit_state_hash(a, ha);
    unit_state_hash(b, hb);
    assert_string_equal(ha, hb);
}

/* Every row of @sql's result, each column's type and bytes, appended to
 * one buffer: two nodes hold the same when the buffers are equal. */
static char *dump_rows(hz_node *n, const char *sql, size_t *len)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(n->db.conn, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(n->db.conn));
    size_t cap = 1024, used = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        for (int c = 0; c < sqlite3_column_count(st); c++) {
            int type = sqlite3_column_type(st, c);
            const void *p = sqlite3_column_blob(st, c);
            size_t l = (size_t)sqlite3_column_bytes(st, c);
            while (used + l + 32 > cap) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            used +=
                (size_t)snprintf(buf + used, cap - used, "|%d:%zu:", type, l);
            if (l > 0)
                memcpy(buf + used, p, l);
            used += l;
        }
        buf[used++] = '\n';
    }
    if (rc != SQLITE_DONE)
        fail_msg("step %s: %s", sql, sqlite3_errmsg(n->db.conn));
    sqlite3_finalize(st);
    *len = used;
    return buf;
}

void unit_assert_same_rows(hz_node *a, hz_node *b, const char *sql)
{
    size_t la = 0, lb = 0;
    char *da = dump_rows(a, sql, &la), *db = dump_rows(b, sql, &lb);
    if (la != lb || memcmp(da, db, la) != 0)
        fail_msg("the two nodes differ: %s", sql);
    free(da);
    free(db);
}

void unit_assert_same_store(hz_node *fast, hz_node *general)
{
    static const char *const sql[] = {
        ("SELECT tbl, row, a, n, clock, wrote, heads, val FROM w"
         " ORDER BY tbl, row, a, n"),
        "SELECT tbl, row, col, old, by FROM sup ORDER BY 1, 2, 3, 4, 5",
        "SELECT * FROM tomb ORDER BY 1, 2, 3",
        "SELECT * FROM tomb_seen ORDER BY 1, 2, 3, 4",
        "SELECT * FROM chg_gone ORDER BY c",
        "SELECT n, state FROM log ORDER BY n",
        "SELECT count(*) FROM pending",
        "SELECT v FROM meta WHERE k = 'chg'",
        "SELECT term, doc FROM sxv_p ORDER BY 1, 2",
        "SELECT term, doc FROM sxv_h ORDER BY 1, 2",
    };
    for (size_t i = 0; i < sizeof sql / sizeof sql[0]; i++)
        unit_assert_same_rows(fast, general, sql[i]);
    const struct schema *s = fast->schema;
    for (size_t i = 0; i < s->n_tables; i++) {
        const struct table_def *t = &s->tables[i];
        char name[96], q[160];
        db_table_name(t, name, sizeof name);
        snprintf(q, sizeof q, "SELECT * FROM %s ORDER BY id", name);
        unit_assert_same_rows(fast, general, q);
    }
    unit_assert_same_state(fast, general);
    char *ca = unit_conflicts_text(fast), *cb = unit_conflicts_text(general);
    assert_string_equal(ca, cb);
    hz_free_string(ca);
    hz_free_string(cb);
    struct hz_err err = {0};
    assert_int_equal(search_verify(fast, &err), 0);
    assert_int_equal(search_verify(general, &err), 0);
}

int64_t unit_sql_int(hz_node *n, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(n->db.conn, sql, -1, &st, NULL);
    if (rc != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(n->db.conn));
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW)
        fail_msg("step %s: %s", sql, sqlite3_errmsg(n->db.conn));
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

size_t unit_history_len(hz_node *n, const char *table, const char *id)
{
    char *json = NULL;
    struct hz_err err = {0};
    if (hz_node_history(n, table, id, &json, &err) != 0)
        fail_msg("history of %s %s: %s", table, id, err.msg);
    json_t *h = json_loads(json, 0, NULL);
    hz_free_string(json);
    assert_non_null(h);
    size_t len = json_array_size(h);
    json_decref(h);
    return len;
}

/* One format-4 evsrc row from a format-5 one (tbl, row, eid, bytes). */
static void format_4_source(hz_node *n, sqlite3_stmt *st, sqlite3_stmt *ins)
{
    const char *tbl = (const char *)sqlite3_column_text(st, 0);
    const uint8_t *row = sqlite3_column_blob(st, 1);
    struct entry e;
    struct body b = {0};
    assert_int_equal(entry_decode(&e, sqlite3_column_blob(st, 3),
                                  (size_t)sqlite3_column_bytes(st, 3), NULL),
                     0);
    assert_int_equal(body_decode(&b, n->schema, e.body.p, e.body.len, NULL), 0);
    const struct op *o = NULL;
    for (size_t i = 0; o == NULL && i < b.n_ops; i++)
        if (b.ops[i].kind == OP_INS && strcmp(b.ops[i].table->name, tbl) == 0 &&
            memcmp(b.ops[i].row, row, HZ_ROW_LEN) == 0)
            o = &b.ops[i];
    assert_non_null(o);
    struct enc c;
    enc_init(&c);
    enc_array(&c, o->n_fields);
    for (size_t k = 0; k < o->n_fields; k++) {
        enc_array(&c, 2);
        enc_cstr(&c, o->table->cols[o->fields[k].col].name);
        enc_value(&c, &o->fields[k].val);
    }
    assert_int_equal(enc_done(&c), 0);
    sqlite3_bind_text(ins, 1, tbl, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 2, row, HZ_ROW_LEN, SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 3, sqlite3_column_blob(st, 2), HZ_HASH_LEN,
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(ins, 4, enc_data(&c), (int)enc_len(&c), SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
    enc_close(&c);
    body_close(&b);
}

/* The format-5 w rows of one format-6 fact (table name, row, a, n, clock,
 * wrote, heads, val): one per column it wrote. */
static void format_5_writes(hz_node *n, sqlite3_stmt *st, sqlite3_stmt *ins)
{
    const struct table_def *t =
        schema_table_c(n->schema, (const char *)sqlite3_column_text(st, 0));
    assert_non_null(t);
    uint64_t wrote = (uint64_t)sqlite3_column_int64(st, 5);
    uint64_t heads = (uint64_t)sqlite3_column_int64(st, 6);
    msgpack_unpacked u;
    assert_int_equal(mp_unpack(&u, sqlite3_column_blob(st, 7),
                               (size_t)sqlite3_column_bytes(st, 7), NULL),
                     0);
    assert_int_equal(u.data.type, MSGPACK_OBJECT_ARRAY);
    for (size_t c = 0; c < t->n_cols; c++) {
        uint64_t bit = UINT64_C(1) << fields_col_bit(t, c);
        if ((wrote & bit) == 0)
            continue;
        size_t rank = (size_t)__builtin_popcountll(wrote & (bit - 1));
        assert_true(rank < u.data.via.array.size);
        struct value v;
        assert_int_equal(
            mp_value(&u.data.via.array.ptr[rank], &v, "value", NULL), 0);
        struct enc val;
        enc_init(&val);
        enc_value(&val, &v);
        assert_int_equal(enc_done(&val), 0);
        sqlite3_bind_text(ins, 1, t->name, -1, SQLITE_STATIC);
        sqlite3_bind_value(ins, 2, sqlite3_column_value(st, 1));
        sqlite3_bind_text(ins, 3, t->cols[c].name, -1, SQLITE_STATIC);
        for (int k = 4; k <= 6; k++)
            sqlite3_bind_int64(ins, k, sqlite3_column_int64(st, k - 2));
        sqlite3_bind_blob(ins, 7, enc_data(&val), (int)enc_len(&val),
                          SQLITE_TRANSIENT);
        sqlite3_bind_int(ins, 8, (heads & bit) != 0);
        assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
        sqlite3_reset(ins);
        enc_close(&val);
    }
    msgpack_unpacked_destroy(&u);
}

void unit_format_18(hz_node *n)
{
    sqlite3 *db = n->db.conn;
    assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_stmt *ins = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "INSERT INTO w(tbl, row, a, n, clock, wrote, heads,"
                           " val) SELECT (SELECT k FROM names WHERE name = ?1),"
                           " ?2, author, n, clock, ?3, ?3, ?4 FROM log"
                           " WHERE n = ?5",
                           -1, &ins, NULL),
        SQLITE_OK);
    struct enc e;
    enc_init(&e);
    for (size_t i = 0; i < n->schema->n_tables; i++) {
        const struct table_def *t = &n->schema->tables[i];
        if (t->kind != TABLE_ENTITY)
            continue;
        char sql[1024];
        query_select_sql(t, sql, sizeof sql - 64);
        /* id, deleted, the columns, then sole and sole_bits */
        char *from = strstr(sql, " FROM ");
        assert_non_null(from);
        char tail[128];
        snprintf(tail, sizeof tail, "%s", from);
        snprintf(from, sizeof sql - (size_t)(from - sql),
                 ", sole, sole_bits%s WHERE sole IS NOT NULL", tail);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        int at = (int)t->n_cols + 2;
        while (sqlite3_step(st) == SQLITE_ROW) {
            uint64_t bits = (uint64_t)sqlite3_column_int64(st, at + 1);
            enc_reset(&e);
            enc_array(&e, (size_t)__builtin_popcountll(bits));
            for (uint64_t m = bits; m != 0; m &= m - 1)
                for (size_t c = 0; c < t->n_cols; c++) {
                    if (fields_col_bit(t, c) != (unsigned)__builtin_ctzll(m))
                        continue;
                    struct value v;
                    assert_int_equal(
                        db_column_value(&t->cols[c], st, (int)c + 2, &v), 0);
                    enc_value(&e, &v);
                }
            assert_int_equal(enc_done(&e), 0);
            sqlite3_bind_text(ins, 1, t->name, -1, SQLITE_STATIC);
            sqlite3_bind_blob(ins, 2, sqlite3_column_blob(st, 0), HZ_ROW_LEN,
                              SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 3, (int64_t)bits);
            sqlite3_bind_blob(ins, 4, enc_data(&e), (int)enc_len(&e),
                              SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 5, sqlite3_column_int64(st, at));
            assert_int_equal(sqlite3_step(ins), SQLITE_DONE);
            assert_int_equal(sqlite3_changes(db), 1);
            sqlite3_reset(ins);
        }
        sqlite3_finalize(st);
        char name[96];
        db_table_name(t, name, sizeof name);
        snprintf(sql, sizeof sql,
                 "ALTER TABLE %s DROP COLUMN sole;"
                 " ALTER TABLE %s DROP COLUMN sole_bits;",
                 name, name);
        assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    }
    /* each event row's sole source into evsrc, with the sum of its
     * content, the row's columns that are not NULL */
    sqlite3_stmt *src = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "INSERT INTO evsrc(tbl, row, n, sum) VALUES((SELECT"
                           " k FROM names WHERE name = ?1), ?2, (SELECT n FROM"
                           " log WHERE id = ?3), ?4)",
                           -1, &src, NULL),
        SQLITE_OK);
    for (size_t i = 0; i < n->schema->n_tables; i++) {
        const struct table_def *t = &n->schema->tables[i];
        if (t->kind != TABLE_EVENT)
            continue;
        char sql[1024], tail[256];
        query_select_sql(t, sql, sizeof sql - 256);
        snprintf(tail, sizeof tail,
                 " AS v WHERE NOT EXISTS (SELECT 1 FROM evsrc WHERE tbl ="
                 " (SELECT k FROM names WHERE name = '%s') AND row = v.id)",
                 t->name);
        strcat(sql, tail);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
        while (sqlite3_step(st) == SQLITE_ROW) {
            struct value vals[HZ_FIELDS_MAX];
            size_t set = 0;
            for (size_t c = 0; c < t->n_cols; c++) {
                assert_int_equal(
                    db_column_value(&t->cols[c], st, (int)c + 2, &vals[c]), 0);
                set += vals[c].type != VALUE_NIL;
            }
            enc_reset(&e);
            enc_array(&e, set);
            for (size_t c = 0; c < t->n_cols; c++) {
                if (vals[c].type == VALUE_NIL)
                    continue;
                enc_array(&e, 2);
                enc_cstr(&e, t->cols[c].name);
                enc_value(&e, &vals[c]);
            }
            assert_int_equal(enc_done(&e), 0);
            uint8_t sum[DB_EVENT_SUM_LEN];
            db_event_sum(enc_data(&e), enc_len(&e), sum);
            sqlite3_bind_text(src, 1, t->name, -1, SQLITE_STATIC);
            sqlite3_bind_blob(src, 2, sqlite3_column_blob(st, 0), HZ_ROW_LEN,
                              SQLITE_TRANSIENT);
            sqlite3_bind_blob(src, 3, sqlite3_column_blob(st, 1), HZ_HASH_LEN,
                              SQLITE_TRANSIENT);
            sqlite3_bind_blob(src, 4, sum, sizeof sum, SQLITE_TRANSIENT);
            assert_int_equal(sqlite3_step(src), SQLITE_DONE);
            sqlite3_reset(src);
        }
        sqlite3_finalize(st);
    }
    sqlite3_finalize(src);
    enc_close(&e);
    sqlite3_finalize(ins);
    assert_int_equal(
        sqlite3_exec(db, "PRAGMA user_version=18; COMMIT;", NULL, NULL, NULL),
        SQLITE_OK);
}

void unit_format_10_log(hz_node *n)
{
    unit_format_18(n);
    assert_int_equal(
        sqlite3_exec(
            n->db.conn,
            "BEGIN; DROP INDEX log_state; DELETE FROM meta WHERE k = 'clock';"
            " ALTER TABLE log RENAME TO log11;"
            "CREATE TABLE log(n INTEGER PRIMARY KEY, author BLOB NOT NULL,"
            " seq INTEGER NOT NULL, id BLOB NOT NULL UNIQUE, clock INTEGER"
            " NOT NULL, state INTEGER NOT NULL, reason TEXT, bytes BLOB NOT"
            " NULL, mark INTEGER NOT NULL DEFAULT 0, UNIQUE(author, seq));"
            "INSERT INTO log SELECT l.n, a.name, l.seq, l.id, l.clock,"
            " l.state, l.reason, l.bytes, l.mark FROM log11 AS l"
            " JOIN names AS a ON a.k = l.author;"
            "DROP TABLE log11; CREATE INDEX log_clock ON log(clock);"
            "CREATE INDEX log_state ON log(state) WHERE state <> 0;"
            "ALTER TABLE contact DROP COLUMN they_lack;"
            "ALTER TABLE contact DROP COLUMN we_lack;"
            "PRAGMA user_version=10; COMMIT;",
            NULL, NULL, NULL),
        SQLITE_OK);
}

void unit_format_5(hz_node *n)
{
    unit_format_10_log(n);
    sqlite3 *db = n->db.conn;
    assert_int_equal(
        sqlite3_exec(db,
                     "BEGIN; DROP INDEX w_heads; DROP INDEX IF EXISTS w_n;"
                     " ALTER TABLE w RENAME TO w6;"
                     "CREATE TABLE w(tbl INTEGER, row BLOB, col INTEGER,"
                     " a INTEGER, n INTEGER, clock INTEGER NOT NULL,"
                     " val BLOB NOT NULL, head INTEGER NOT NULL,"
                     " PRIMARY KEY(tbl, row, col, a, n)) WITHOUT ROWID;"
                     "CREATE INDEX w_n ON w(n);"
                     "CREATE INDEX w_heads ON w(tbl, row, col, clock, a)"
                     " WHERE head = 1;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *st = NULL, *ins = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT t.name, w6.row, w6.a, w6.n, w6.clock,"
                           " w6.wrote, w6.heads, w6.val FROM w6"
                           " JOIN names AS t ON t.k = w6.tbl",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "INSERT INTO w VALUES((SELECT k FROM names WHERE"
                           " name = ?1), ?2, (SELECT k FROM names WHERE"
                           " name = ?3), ?4, ?5, ?6, ?7, ?8)",
                           -1, &ins, NULL),
        SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        format_5_writes(n, st, ins);
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE w6; PRAGMA user_version=5;"
                                  " COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
}

void unit_format_4(hz_node *n)
{
    unit_format_5(n);
    sqlite3 *db = n->db.conn;
    assert_int_equal(
        sqlite3_exec(db,
                     "BEGIN; DROP INDEX IF EXISTS evsrc_n;"
                     " ALTER TABLE evsrc RENAME TO evsrc5;"
                     "CREATE TABLE evsrc(tbl TEXT, row BLOB, eid BLOB,"
                     " content BLOB NOT NULL, PRIMARY KEY(tbl, row, eid))"
                     " WITHOUT ROWID;"
                     "CREATE INDEX evsrc_eid ON evsrc(eid);",
                     NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_stmt *st = NULL, *ins = NULL;
    assert_int_equal(
        sqlite3_prepare_v2(db,
                           "SELECT t.name, s.row, l.id, l.bytes FROM evsrc5"
                           " AS s JOIN names AS t ON t.k = s.tbl"
                           " JOIN log AS l ON l.n = s.n",
                           -1, &st, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO evsrc VALUES(?1, ?2, ?3,"
                                        " ?4)",
                                        -1, &ins, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        format_4_source(n, st, ins);
    sqlite3_finalize(st);
    sqlite3_finalize(ins);
    assert_int_equal(sqlite3_exec(db,
                                  "DROP TABLE evsrc5; PRAGMA user_version=4;"
                                  " COMMIT;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
}

static json_t *parse_json(char *text)
{
    json_error_t jerr;
    json_t *o = json_loads(text, 0, &jerr);
    hz_free_string(text);
    if (o == NULL)
        fail_msg("bad JSON: %s", jerr.text);
    return o;
}

char *unit_conflicts_text(hz_node *n)
{
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_conflicts(n, &text, &err) != 0)
        fail_msg("hz_node_conflicts: %s", err.msg);
    return text;
}

json_t *unit_conflicts(hz_node *n)
{
    return parse_json(unit_conflicts_text(n));
}

json_t *unit_status(hz_node *n)
{
    char *text = NULL;
    struct hz_err err = {0};
    if (hz_node_status(n, &text, &err) != 0)
        fail_msg("hz_node_status: %s", err.msg);
    return parse_json(text);
}

/* ---- entries */

void unit_entries_add(struct unit_entries *e, const uint8_t *p, size_t len)
{
    if (e->n == e->cap) {
        e->cap = e->cap ? 2 * e->cap : 16;
        e->p = realloc(e->p, e->cap * sizeof *e->p);
        e->len = realloc(e->len, e->cap * sizeof *e->len);
        assert_non_null(e->p);
        assert_non_null(e->len);
    }
    e->p[e->n] = malloc(len ? len : 1);
    assert_non_null(e->p[e->n]);
    memcpy(e->p[e->n], p, len);
    e->len[e->n] = len;
    e->n++;
}

static int collect_cb(void *data, const uint8_t *p, size_t len)
{
    unit_entries_add(data, p, len);
    return 0;
}

void unit_entries_collect(hz_node *n, struct unit_entries *out)
{
    struct hz_err err = {0};
    if (store_relay_each(n, collect_cb, out, &err) != 0)
        fail_msg("store_relay_each: %s", err.msg);
}

void unit_entries_free(struct unit_entries *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->p[i]);
    free(e->p);
    free(e->len);
    memset(e, 0, sizeof *e);
}

int unit_deliver_range(hz_node *to, const struct unit_entries *e, size_t from,
                       size_t count, struct hz_ingest_stats *st)
{
    struct hz_ingest_stats local = {0};
    struct hz_err err = {0};
    assert_true(from + count <= e->n);
    /* (none collected yet: no arrays, and no offset into them) */
    const uint8_t *const *p =
        e->p != NULL ? (const uint8_t *const *)e->p + from : NULL;
    int rv =
        store_relay_ingest(to, count, p, e->len != NULL ? e->len + from : NULL,
                           st != NULL ? st : &local, &err);
    return rv;
}

int unit_deliver(hz_node *to, const struct unit_entries *e,
                 struct hz_ingest_stats *st)
{
    return unit_deliver_range(to, e, 0, e->n, st);
}

void unit_sync(hz_node *from, hz_node *to)
{
    struct unit_entries e = {0};
    struct hz_ingest_stats st = {0};
    unit_entries_collect(from, &e);
    int rv = unit_deliver(to, &e, &st);
    unit_entries_free(&e);
    assert_int_equal(rv, 0);
    assert_int_equal(st.refused, 0);
}

void unit_sign(const struct identity *id, const uint8_t *network, uint64_t seq,
               const uint8_t *prev, uint64_t clock, const uint8_t *body,
               size_t body_len, struct entry *e, struct enc *out)
{
    memset(e, 0, sizeof *e);
    e->version = HZ_ENTRY_VERSION;
    memcpy(e->network, network, HZ_NET_LEN);
    memcpy(e->author, id->pk, HZ_KEY_LEN);
    e->seq = seq;
    if (prev != NULL)
        memcpy(e->prev, prev, HZ_HASH_LEN);
    e->clock = clock;
    e->body = (struct hz_bytes){body, body_len};
    assert_int_equal(entry_sign(e, id->sk, out), 0);
}

const uint8_t unit_network[HZ_NET_LEN] = "huzhu-no-network";

void unit_author_init(struct unit_author *a, uint8_t seed_byte)
{
    uint8_t seed[HZ_SEED_LEN];
    unit_seed(seed_byte, seed);
    identity_from_seed(&a->id, seed);
    a->seq = 0;
    memset(a->prev, 0, sizeof a->prev);
}

void unit_author_next(struct unit_author *a, uint64_t clock,
                      const struct enc *body, struct unit_entries *out,
                      uint8_t *id_out)
{
    assert_int_equal(enc_done(body), 0);
    struct enc bytes;
    enc_init(&bytes);
    struct entry e;
    unit_sign(&a->id, unit_network, a->seq + 1, a->seq > 0 ? a->prev : NULL,
              clock, enc_data(body), enc_len(body), &e, &bytes);
    a->seq++;
    memcpy(a->prev, e.id, HZ_HASH_LEN);
    if (id_out != NULL)
        memcpy(id_out, e.id, HZ_HASH_LEN);
    unit_entries_add(out, enc_data(&bytes), enc_len(&bytes));
    enc_close(&bytes);
}

void unit_author_close(struct unit_author *a)
{
    identity_close(&a->id);
}

void unit_body_set(struct enc *e, uint64_t version, const char *table,
                   const uint8_t *row, const char *col, const struct value *v,
                   size_t n_heads, const uint8_t *const *heads)
{
    enc_reset(e);
    enc_array(e, 2);
    enc_uint(e, version);
    enc_array(e, 1);
    enc_array(e, 4);
    enc_uint(e, 0);
    enc_cstr(e, table);
    enc_bin(e, row, HZ_ROW_LEN);
    enc_array(e, 1);
    enc_array(e, 3);
    enc_cstr(e, col);
    enc_value(e, v);
    enc_array(e, n_heads);
    for (size_t i = 0; i < n_heads; i++)
        enc_bin(e, heads[i], HZ_HASH_LEN);
    assert_int_equal(enc_done(e), 0);
}

void unit_body_set_fields(struct enc *e, const uint8_t *row, size_t n,
                          const char *const *cols, const struct value *vals,
                          const uint8_t *const *head_per_field, int with_bad_op)
{
    enc_reset(e);
    enc_array(e, 2);
    enc_uint(e, 1);
    enc_array(e, with_bad_op ? 2 : 1);
    enc_array(e, 4);
    enc_uint(e, 0);
    enc_cstr(e, "households");
    enc_bin(e, row, HZ_ROW_LEN);
    enc_array(e, n);
    for (size_t i = 0; i < n; i++) {
        enc_array(e, 3);
        enc_cstr(e, cols[i]);
        enc_value(e, &vals[i]);
        enc_array(e, head_per_field[i] != NULL ? 1 : 0);
        if (head_per_field[i] != NULL)
            enc_bin(e, head_per_field[i], HZ_HASH_LEN);
    }
    if (with_bad_op) {
        static const uint8_t other[HZ_ROW_LEN] = {0x7f};
        enc_array(e, 4);
        enc_uint(e, 0);
        enc_cstr(e, "households");
        enc_bin(e, other, HZ_ROW_LEN);
        enc_array(e, 1);
        enc_array(e, 3);
        enc_cstr(e, "warp_drive");
        enc_nil(e);
        enc_array(e, 0);
    }
    assert_int_equal(enc_done(e), 0);
}

/* ---- sites */

void unit_site_create(const char *base, struct unit_site *s, const char *sub,
                      uint64_t seed)
{
    s->dir = unit_path(base, sub);
    unit_env_init(&s->env, seed, UNIT_T0_MS);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &s->env.env};
    struct hz_err err = {0};
    if (hz_node_create(s->dir, sub, &opts, &s->n, &err) != 0)
        fail_msg("create %s: %s", sub, err.msg);
}

void unit_site_close(struct unit_site *s)
{
    hz_node_close(s->n);
    free(s->dir);
}

void unit_admit_join(hz_node *by, hz_node *who, unsigned days)
{
    char key[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(who, key);
    struct hz_admission a = {.key = key,
                             .name = "测试设备",
                             .role = "coordinator",
                             .valid_days = days};
    char *token = NULL, *summary = NULL;
    struct hz_err err = {0};
    if (hz_admit(by, &a, &token, &err) != 0)
        fail_msg("admit: %s", err.msg);
    if (hz_join(who, token, &summary, &err) != 0)
        fail_msg("join: %s", err.msg);
    hz_free_string(token);
    hz_free_string(summary);
}

/* ---- snapshots */

void unit_snapshot_take(hz_node *n, struct unit_snapshot *s)
{
    struct hz_err err = {0};
    unit_state_hash(n, s->hash);
    if (hz_node_vector(n, &s->vector, &err) != 0)
        fail_msg("hz_node_vector: %s", err.msg);
    s->log = unit_sql_int(n, "SELECT count(*) FROM log");
    s->pending = unit_sql_int(n, "SELECT count(*) FROM pending");
    s->forks = unit_sql_int(n, "SELECT count(*) FROM forks");
    s->skew = unit_sql_int(n, "SELECT count(*) FROM skew");
}

void unit_snapshot_free(struct unit_snapshot *s)
{
    hz_free_string(s->vector);
    s->vector = NULL;
}

void unit_assert_unchanged(hz_node *n, const struct unit_snapshot *before)
{
    struct unit_snapshot now;
    unit_snapshot_take(n, &now);
    assert_string_equal(now.hash, before->hash);
    assert_string_equal(now.vector, before->vector);
    assert_int_equal(now.log, before->log);
    assert_int_equal(now.pending, before->pending);
    assert_int_equal(now.forks, before->forks);
    assert_int_equal(now.skew, before->skew);
    unit_snapshot_free(&now);
}

/* ---- schemas */

#define V2_TABLES_MAX 64u
#define V2_VALUES_MAX 64u

const struct schema *unit_schema_next(void)
{
    static struct table_def tables[V2_TABLES_MAX];
    static struct col_def households[HZ_FIELDS_MAX];
    static struct enum_val status[V2_VALUES_MAX];
    static const struct col_def boats[] = {
        {.name = "name",
         .type = COL_TEXT,
         .since = UNIT_V_NEXT,
         .zh = "船名",
         .en = "name"},
    };
    static struct schema v2;
    static bool built;
    if (built)
        return &v2;

    const struct schema *v1 = schema_current();
    assert_int_equal(v1->version + 1, UNIT_V_NEXT);
    assert_true(v1->n_tables + 1 <= V2_TABLES_MAX);
    size_t nt = 0;
    tables[nt++] = (struct table_def){"boats", TABLE_ENTITY, UNIT_V_NEXT, boats,
                                      1,       "船只",       "boats",     0};
    for (size_t t = 0; t < v1->n_tables; t++) {
        const struct table_def *td = &v1->tables[t];
        assert_true(strcmp(td->name, "boats") > 0);
        tables[nt] = *td;
        if (strcmp(td->name, "households") == 0) {
            size_t nc = 0;
            bool added = false;
            assert_true(td->n_cols + 1 <= HZ_FIELDS_MAX);
            for (size_t c = 0; c < td->n_cols; c++) {
                if (!added && strcmp(td->cols[c].name, "boat_access") > 0) {
                    households[nc++] = (struct col_def){.name = "boat_access",
                                                        .type = COL_BOOL,
                                                        .since = UNIT_V_NEXT,
                                                        .zh = "可通船",
                                                        .en = "boat access"};
                    added = true;
                }
                households[nc] = td->cols[c];
                if (strcmp(td->cols[c].name, "status") == 0) {
                    size_t nv = 0;
                    for (const struct enum_val *v = td->cols[c].values;
                         v->name != NULL; v++) {
                        assert_true(nv + 2 < V2_VALUES_MAX);
                        status[nv++] = *v;
                    }
                    status[nv++] =
                        (struct enum_val){"boat_rescued", UNIT_V_NEXT,
                                          "船只救出", "rescued by boat"};
                    status[nv] = (struct enum_val){NULL, 0, NULL, NULL};
                    households[nc].values = status;
                }
                nc++;
            }
            assert_true(added);
            tables[nt].cols = households;
            tables[nt].n_cols = nc;
        }
        nt++;
    }
    v2.tables = tables;
    v2.n_tables = nt;
    v2.version = UNIT_V_NEXT;
    assert_int_equal(schema_check(&v2), 0);
    built = true;
    return &v2;
}

/* The registry as schema version 1 had it: what an older huzhu runs. */
const struct schema *unit_schema_v1(void)
{
    static struct table_def tables[V2_TABLES_MAX];
    static struct col_def cols[V2_TABLES_MAX][HZ_FIELDS_MAX];
    static struct schema v1;
    const struct schema *now = schema_current();
    size_t nt = 0;
    for (size_t t = 0; t < now->n_tables; t++) {
        const struct table_def *td = &now->tables[t];
        if (td->since > 1)
            continue;
        assert_true(nt < V2_TABLES_MAX);
        /* Its columns of version 1 (later ones added households.number
         * and persons.relation, for instance). */
        size_t nc = 0;
        for (size_t c = 0; c < td->n_cols; c++)
            if (td->cols[c].since == 1)
                cols[nt][nc++] = td->cols[c];
        tables[nt] = *td;
        tables[nt].cols = cols[nt];
        tables[nt].n_cols = nc;
        nt++;
    }
    v1.tables = tables;
    v1.n_tables = nt;
    v1.version = 1;
    assert_int_equal(schema_check(&v1), 0);
    return &v1;
}

/* ---- files */

char *unit_tmpdir(void)
{
    char *dir = strdup("/tmp/hz-unit-XXXXXX");
    assert_non_null(dir);
    if (mkdtemp(dir) == NULL)
        fail_msg("mkdtemp failed");
    return dir;
}

void unit_rmtree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char *p = unit_path(dir, de->d_name);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            unit_rmtree(p);
        else
            unlink(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

char *unit_path(const char *dir, const char *name)
{
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    assert_non_null(p);
    snprintf(p, len, "%s/%s", dir, name);
    return p;
}

void unit_write_file(const char *path, const void *p, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

uint8_t *unit_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    *len = n;
    return buf;
}
