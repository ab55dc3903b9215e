/* test_node.c - a node directory: create, open, close (node.c;
 * DECISIONS 6, 13).
 *
 * Only hz_node_create makes a node: opening anything else is an error and
 * leaves the directory as it was, never a silent new identity. The key
 * file is private and matches the database. Two handles on one node
 * (`huzhu serve` and a CLI call) write one chain, never a fork of their
 * own key. */
#include "lib/unit_env.h"

#include "huzhu/trust.h"

#include "core/limits.h"
#include "store/db/db.h"

#include <dirent.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static struct hz_node_opts opts_for(struct unit_env *e)
{
    return (struct hz_node_opts){.version = HZ_NODE_OPTS_VERSION,
                                 .env = &e->env};
}

/* A node created in a new directory under /tmp, on a virtual clock. */
struct disk {
    char *tmp, *dir;
    struct unit_env e;
    struct hz_node_opts opts;
};

static hz_node *disk_create(struct disk *d)
{
    d->tmp = unit_tmpdir();
    d->dir = unit_path(d->tmp, "node"); /* a new directory */
    unit_env_init(&d->e, 1, UNIT_T0_MS);
    d->opts = opts_for(&d->e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(d->dir, "测试节点", &d->opts, &n, NULL), 0);
    return n;
}

static void disk_remove(struct disk *d)
{
    unit_rmtree(d->tmp);
    free(d->dir);
    free(d->tmp);
}

/* The next @count entries of @a's chain, each setting one household's
 * village, at clocks from @clock0 on. */
static void chain_of(struct unit_author *a, int count, uint64_t clock0,
                     struct unit_entries *es)
{
    struct enc body;
    enc_init(&body);
    static const uint8_t row[HZ_ROW_LEN] = {0x0d};
    struct value v = {.type = VALUE_STR, .s = {(const uint8_t *)"test", 4}};
    for (int i = 0; i < count; i++) {
        unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
        unit_author_next(a, (UNIT_T0_MS << 16) + clock0 + (uint64_t)i, &body,
                         es, NULL);
    }
    enc_close(&body);
}

/* Entries in @dir other than . and .. */
static size_t n_files(const char *dir)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void create_makes_a_node_that_open_finds_again(void **state)
{
    (void)state;
    struct disk d;
    hz_node *n = disk_create(&d);
    char key[2 * HZ_KEY_LEN + 1], again[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(n, key);
    assert_int_equal(strlen(key), HZ_KEY_HEX_LEN);
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(n, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), g, NULL),
                     0);
    hz_node_close(n);

    char *keyfile = unit_path(d.dir, "node.key");
    struct stat sb;
    assert_int_equal(stat(keyfile, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(sb.st_size, HZ_SEED_LEN);
    free(keyfile);

    assert_int_equal(hz_node_open(d.dir, &d.opts, &n, NULL), 0);
    hz_node_key_hex(n, again);
    assert_string_equal(key, again);
    unit_assert_field(n, "sites", g, "name", "\"测试安置点\"");
    /* SQLite was set up without its memory count (db.c, sqlite_setup):
     * it holds memory, and counts none. */
    assert_int_equal(sqlite3_memory_used(), 0);
    hz_node_close(n);
    hz_node_close(NULL); /* fine */
    disk_remove(&d);
}

/* A node in no network lists its members as none, and its own entries'
 * author as without a certificate: members is not an error there. */
static void members_of_a_node_in_no_network(void **state)
{
    (void)state;
    struct disk d;
    hz_node *n = disk_create(&d);
    char g[HZ_ROW_HEX_LEN + 1], key[2 * HZ_KEY_LEN + 1];
    assert_int_equal(unit_put(n, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), g, NULL),
                     0);
    hz_node_key_hex(n, key);
    char *json = NULL;
    struct hz_err err = {0};
    assert_int_equal(hz_members(n, &json, &err), 0);
    json_t *root = json_loads(json, 0, NULL);
    assert_non_null(root);
    assert_true(json_is_false(json_object_get(root, "networked")));
    assert_true(json_is_null(json_object_get(root, "network_name")));
    assert_int_equal(json_array_size(json_object_get(root, "members")), 0);
    json_t *unknown = json_object_get(root, "without_certificate");
    assert_int_equal(json_array_size(unknown), 1);
    json_t *me = json_array_get(unknown, 0);
    assert_string_equal(json_string_value(json_object_get(me, "key")), key);
    assert_int_equal(json_integer_value(json_object_get(me, "applied")), 1);
    json_decref(root);
    hz_free_string(json);
    hz_node_close(n);
    disk_remove(&d);
}

/* A node made by a build of database format 1 had no pending_count: it
 * is counted when the node is opened for writing, and the caps and
 * counts work from there (proto/storage.md, "Upgrades"). */
static void a_format_1_database_gets_its_pending_counted(void **state)
{
    (void)state;
    struct disk d;
    hz_node *n = disk_create(&d);
    struct unit_author x;
    unit_author_init(&x, 0x58);
    struct unit_entries es = {0};
    chain_of(&x, 5, 0, &es);
    /* Seq 2..5 wait for seq 1. */
    assert_int_equal(unit_deliver_range(n, &es, 1, 4, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"), 4);
    unit_format_4(n);
    assert_int_equal(
        sqlite3_exec(n->db.conn, UNIT_FORMAT_3_W, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(n->db.conn,
                     "DROP TABLE pending_count; PRAGMA user_version=1;", NULL,
                     NULL, NULL),
        SQLITE_OK);
    hz_node_close(n);

    assert_int_equal(hz_node_open(d.dir, &d.opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(
        unit_sql_int(n, "SELECT n FROM pending_count WHERE author = X''"), 4);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending_count"), 2);
    /* Seq 1 arrives: the chain drains and the counts go with it. */
    assert_int_equal(unit_deliver_range(n, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"), 0);
    assert_int_equal(
        unit_sql_int(n, "SELECT n FROM pending_count WHERE author = X''"), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending_count"), 1);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log"), 5);
    hz_node_close(n);
    unit_author_close(&x);
    unit_entries_free(&es);
    disk_remove(&d);
}

/* The text of one SQL value of @n (owned). */
static char *sql_text(hz_node *n, const char *sql)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(n->db.conn, sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(st, 0);
    char *out = strdup(t != NULL ? t : "");
    sqlite3_finalize(st);
    return out;
}

/* A node of database formats 1 to 10 kept each entry's author as its key:
 * opened for writing, the log names authors by names.k (format 11), every
 * entry keeps its number, verdict and bytes, and the vector, the status
 * and a later delivery are as before. */
static void a_format_10_log_gets_its_authors_as_names(void **state)
{
    (void)state;
    struct disk d;
    hz_node *n = disk_create(&d);
    struct unit_author x, y;
    unit_author_init(&x, 0x58);
    unit_author_init(&y, 0x59);
    struct unit_entries ex = {0}, ey = {0};
    chain_of(&x, 5, 0, &ex);
    chain_of(&y, 3, 0, &ey);
    assert_int_equal(unit_deliver_range(n, &ex, 0, 4, NULL), 0);
    assert_int_equal(unit_deliver_range(n, &ey, 0, 2, NULL), 0);
    static const char rows_sql[] =
        "SELECT group_concat(n || ':' || seq || ':' || state || ':' ||"
        " hex(id) || ':' || hex(bytes), ',') FROM (SELECT * FROM log"
        " ORDER BY n)";
    char *rows = sql_text(n, rows_sql), *vector = NULL, *vector2 = NULL;
    assert_int_equal(hz_node_vector(n, &vector, NULL), 0);
    unit_format_10_log(n);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log WHERE"
                                     " typeof(author) = 'blob'"),
                     6);
    hz_node_close(n);

    assert_int_equal(hz_node_open(d.dir, &d.opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log WHERE"
                                     " typeof(author) = 'integer' AND author"
                                     " IN (SELECT k FROM names)"),
                     6);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM sqlite_master"
                                     " WHERE name = 'log_format10'"),
                     0);
    char *after = sql_text(n, rows_sql);
    assert_string_equal(after, rows);
    assert_int_equal(hz_node_vector(n, &vector2, NULL), 0);
    assert_string_equal(vector2, vector);
    /* The chains go on from where they were. */
    assert_int_equal(unit_deliver_range(n, &ex, 4, 1, NULL), 0);
    assert_int_equal(unit_deliver_range(n, &ey, 2, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log WHERE"
                                     " state = 0"),
                     8);
    uint64_t checked = 0;
    assert_int_equal(hz_node_log_verify(n, &checked, NULL), 0);
    assert_int_equal(checked, 8);
    free(rows);
    free(after);
    hz_free_string(vector);
    hz_free_string(vector2);
    hz_node_close(n);
    unit_author_close(&x);
    unit_author_close(&y);
    unit_entries_free(&ex);
    unit_entries_free(&ey);
    disk_remove(&d);
}

/* A node of database format 2 kept pending entries and fork evidence in
 * WITHOUT ROWID tables: opened for writing, they move to the rowid layout
 * of format 3 with every row, and the chain still drains. */
static void a_format_2_database_gets_the_rowid_layout(void **state)
{
    (void)state;
    struct disk d;
    hz_node *n = disk_create(&d);
    struct unit_author x, y;
    unit_author_init(&x, 0x58);
    unit_author_init(&y, 0x59);
    struct unit_entries es = {0}, fork = {0};
    chain_of(&x, 5, 0, &es);
    /* Y signs seq 1 twice, at two clocks: the second is fork evidence. */
    chain_of(&y, 1, 0, &fork);
    y.seq = 0;
    chain_of(&y, 1, 1, &fork);
    assert_int_equal(unit_deliver_range(n, &es, 1, 4, NULL), 0);
    assert_int_equal(unit_deliver(n, &fork, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM forks"), 1);
    /* The format-2 layout, as that build made it. */
    unit_format_4(n);
    assert_int_equal(
        sqlite3_exec(n->db.conn, UNIT_FORMAT_3_W, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            n->db.conn,
            "CREATE TABLE p2(author BLOB, seq INTEGER, id BLOB, bytes BLOB NOT"
            " NULL, mark INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(author, seq,"
            " id)) WITHOUT ROWID;"
            "INSERT INTO p2 SELECT author, seq, id, bytes, mark FROM pending;"
            "DROP TABLE pending; ALTER TABLE p2 RENAME TO pending;"
            "CREATE TABLE f2(author BLOB, seq INTEGER, id BLOB, point INTEGER"
            " NOT NULL, bytes BLOB NOT NULL, PRIMARY KEY(author, seq, id))"
            " WITHOUT ROWID;"
            "INSERT INTO f2 SELECT author, seq, id, point, bytes FROM forks;"
            "DROP TABLE forks; ALTER TABLE f2 RENAME TO forks;"
            "DROP TABLE stranger; PRAGMA user_version=2;",
            NULL, NULL, NULL),
        SQLITE_OK);
    hz_node_close(n);

    assert_int_equal(hz_node_open(d.dir, &d.opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM sqlite_master"
                                     " WHERE name IN ('pending', 'forks')"
                                     " AND sql LIKE '%WITHOUT ROWID%'"),
                     0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"), 4);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM forks"), 1);
    assert_int_equal(
        unit_sql_int(n, "SELECT count(*) FROM sqlite_master WHERE name IN"
                        " ('pending_v2', 'forks_v2')"),
        0);
    /* The fork is still known, and seq 1 drains X's chain. */
    assert_int_equal(unit_deliver(n, &fork, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM forks"), 1);
    assert_int_equal(unit_deliver_range(n, &es, 0, 1, NULL), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"), 0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log"), 6);
    hz_node_close(n);
    unit_author_close(&x);
    unit_author_close(&y);
    unit_entries_free(&es);
    unit_entries_free(&fork);
    disk_remove(&d);
}

/* What a build of database format 2 made: w keyed by (field, eid), and
 * w_heads without the merge order. */
static const char format_2_w[] =
    "DROP INDEX w_heads; DROP INDEX w_eid; ALTER TABLE w RENAME TO w3;"
    "CREATE TABLE w(tbl TEXT, row BLOB, col TEXT, eid BLOB,"
    " author BLOB NOT NULL, seq INTEGER NOT NULL, clock INTEGER NOT NULL,"
    " val BLOB NOT NULL, head INTEGER NOT NULL,"
    " PRIMARY KEY(tbl, row, col, eid)) WITHOUT ROWID;"
    "INSERT INTO w SELECT tbl, row, col, eid, author, seq, clock, val, head"
    " FROM w3; DROP TABLE w3;"
    "CREATE INDEX w_eid ON w(eid);"
    "CREATE INDEX w_heads ON w(tbl, row, col) WHERE head = 1;"
    "PRAGMA user_version=2;";

/* A node made by a build of database format 2, 3 or 5: a read-only open
 * reads it as it is; an open for writing makes w anew (format 6: one fact
 * per entry and row, names, authors and entries as integers) with w_heads
 * in merge order, and the merge goes on from there (proto/storage.md,
 * "Upgrades"). */
static void an_older_w_is_upgraded(int format)
{
    char *tmp = unit_tmpdir();
    char *dir = unit_path(tmp, "node");
    struct unit_env e, ez;
    unit_env_init(&e, 1, UNIT_T0_MS);
    unit_env_init(&ez, 2, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    /* Five authors write one field unseen by each other; later a sixth
     * with the highest clock, and the first again. */
    struct unit_author x[6];
    struct unit_entries early = {0}, late = {0};
    struct enc body;
    enc_init(&body);
    static const uint8_t row[HZ_ROW_LEN] = {0x0e};
    char id[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, id);
    struct value v = {.type = VALUE_STR, .s = {(const uint8_t *)"甲", 3}};
    for (int i = 0; i < 6; i++) {
        unit_author_init(&x[i], (uint8_t)(0x61 + i));
        v.s.p = (const uint8_t *)(i % 2 ? "乙" : "甲");
        unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
        unit_author_next(&x[i], (UNIT_T0_MS + 10 * (uint64_t)i) << 16, &body,
                         i < 5 ? &early : &late, NULL);
    }
    v.s.p = (const uint8_t *)"丙";
    unit_body_set(&body, 1, "households", row, "village", &v, 0, NULL);
    unit_author_next(&x[0], UNIT_T0_MS << 16, &body, &late, NULL);
    assert_int_equal(unit_deliver(n, &early, NULL), 0);
    unit_assert_field(n, "households", id, "village", "\"甲\"");
    char *listed = unit_conflicts_text(n);
    if (format == 5)
        unit_format_5(n);
    else
        unit_format_4(n);
    if (format < 4)
        assert_int_equal(
            sqlite3_exec(n->db.conn, UNIT_FORMAT_3_W, NULL, NULL, NULL),
            SQLITE_OK);
    if (format == 2)
        assert_int_equal(sqlite3_exec(n->db.conn, format_2_w, NULL, NULL, NULL),
                         SQLITE_OK);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 5);
    hz_node_close(n);

    /* Read-only: the older format as it is, the same heads in the same
     * order. */
    struct hz_node_opts ro = opts;
    ro.flags = HZ_OPEN_READONLY;
    assert_int_equal(hz_node_open(dir, &ro, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), format);
    char *again = unit_conflicts_text(n);
    assert_string_equal(again, listed);
    hz_free_string(again);
    hz_node_close(n);

    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(unit_sql_int(n, "SELECT instr(sql, 'clock, a)') > 0"
                                     " FROM sqlite_master"
                                     " WHERE name = 'w_heads'"),
                     1);
    /* One fact per entry and row (format 6), keyed by row, author and
     * entry, its columns as bits. */
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM"
                                     " pragma_table_info('w') WHERE"
                                     " (pk = 3 AND name = 'a') OR"
                                     " (pk = 4 AND name = 'n') OR"
                                     " name IN ('wrote', 'heads')"),
                     4);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM sqlite_master"
                                     " WHERE name LIKE 'w_format%'"),
                     0);
    assert_int_equal(
        unit_sql_int(n,
                     "SELECT count(*) FROM names WHERE typeof(name) = 'blob'"),
        5);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 5);
    again = unit_conflicts_text(n);
    assert_string_equal(again, listed);
    hz_free_string(again);
    /* The sixth author wins; the first one's second write replaces its
     * first: six heads. */
    assert_int_equal(unit_deliver(n, &late, NULL), 0);
    unit_assert_field(n, "households", id, "village", "\"乙\"");
    json_t *c = unit_conflicts(n);
    assert_int_equal(json_array_size(c), 1);
    assert_int_equal(
        json_array_size(json_object_get(json_array_get(c, 0), "heads")), 6);
    json_decref(c);
    /* As a node of this format that took the same entries. */
    hz_node *z = unit_node_memory(0x7a, &ez);
    assert_int_equal(unit_deliver(z, &early, NULL), 0);
    assert_int_equal(unit_deliver(z, &late, NULL), 0);
    unit_assert_same_state(n, z);
    char *zl = unit_conflicts_text(z), *nl = unit_conflicts_text(n);
    assert_string_equal(nl, zl);
    hz_free_string(zl);
    hz_free_string(nl);
    hz_node_close(z);
    hz_node_close(n);
    hz_free_string(listed);
    enc_close(&body);
    for (int i = 0; i < 6; i++)
        unit_author_close(&x[i]);
    unit_entries_free(&early);
    unit_entries_free(&late);
    unit_rmtree(tmp);
    free(dir);
    free(tmp);
}

static void
a_format_2_database_gets_its_heads_indexed_in_merge_order(void **state)
{
    (void)state;
    an_older_w_is_upgraded(2);
}

static void a_format_3_database_gets_its_writes_as_integers(void **state)
{
    (void)state;
    an_older_w_is_upgraded(3);
}

static void a_format_5_database_gets_one_fact_per_entry_and_row(void **state)
{
    (void)state;
    an_older_w_is_upgraded(5);
}

/* Format 5 kept one row per field write; format 6 one fact per entry and
 * row. An entry's fields can stop being heads one by one: the upgrade
 * keeps each field's head flag, so a node upgraded half-way through a
 * merge shows and goes on exactly as one that never was of format 5. */
static void a_fact_upgraded_keeps_each_fields_head(void **state)
{
    (void)state;
    char *tmp = unit_tmpdir();
    char *dir = unit_path(tmp, "node");
    struct unit_env e, ez;
    unit_env_init(&e, 1, UNIT_T0_MS);
    unit_env_init(&ez, 2, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    static const uint8_t row[HZ_ROW_LEN] = {0x0f};
    static const char *const cols[] = {"members", "village"};
    char id[HZ_ROW_HEX_LEN + 1];
    hex_encode(row, HZ_ROW_LEN, id);
    struct unit_author x, y, z;
    unit_author_init(&x, 0x71);
    unit_author_init(&y, 0x72);
    unit_author_init(&z, 0x73);
    struct unit_entries early = {0}, late = {0};
    struct enc body;
    enc_init(&body);
    uint8_t e1[HZ_HASH_LEN], e2[HZ_HASH_LEN];
    const uint8_t *none[] = {NULL, NULL};
    /* X writes both fields; Y, earlier by its clock, saw X's village
     * only; X then writes its members again. */
    const struct value v1[] = {{.type = VALUE_INT, .i = 3}, V_STR("测试村甲")};
    unit_body_set_fields(&body, row, 2, cols, v1, none, 0);
    unit_author_next(&x, UNIT_T0_MS << 16, &body, &early, e1);
    const struct value v2[] = {{.type = VALUE_INT, .i = 4}, V_STR("测试村乙")};
    const uint8_t *village_only[] = {NULL, e1};
    unit_body_set_fields(&body, row, 2, cols, v2, village_only, 0);
    unit_author_next(&y, (UNIT_T0_MS - 1000) << 16, &body, &early, e2);
    const struct value v3[] = {{.type = VALUE_INT, .i = 5}};
    unit_body_set_fields(&body, row, 1, cols, v3, none, 0);
    unit_author_next(&x, (UNIT_T0_MS + 10) << 16, &body, &early, NULL);
    /* Later, Z writes the village over Y's. */
    const struct value v4[] = {V_STR("测试村丙")};
    const uint8_t *y_village[] = {e2};
    unit_body_set_fields(&body, row, 1, cols + 1, v4, y_village, 0);
    unit_author_next(&z, (UNIT_T0_MS + 20) << 16, &body, &late, NULL);

    assert_int_equal(unit_deliver(n, &early, NULL), 0);
    unit_assert_field(n, "households", id, "members", "5");
    unit_assert_field(n, "households", id, "village", "\"测试村乙\"");
    char before[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n, before);
    char *listed = unit_conflicts_text(n);
    assert_non_null(strstr(listed, "\"members\""));
    /* Three facts, one of them (X's first) a head of nothing. */
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 3);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w WHERE heads = 0"),
                     1);
    unit_format_5(n);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 5);
    assert_int_equal(unit_sql_int(n, "SELECT sum(head) FROM w"), 3);
    hz_node_close(n);

    struct hz_node_opts ro = opts;
    ro.flags = HZ_OPEN_READONLY;
    assert_int_equal(hz_node_open(dir, &ro, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), 5);
    char *again = unit_conflicts_text(n);
    assert_string_equal(again, listed);
    hz_free_string(again);
    hz_node_close(n);

    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 3);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w WHERE heads = 0"),
                     1);
    char after[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n, after);
    assert_string_equal(after, before);
    again = unit_conflicts_text(n);
    assert_string_equal(again, listed);
    hz_free_string(again);

    assert_int_equal(unit_deliver(n, &late, NULL), 0);
    unit_assert_field(n, "households", id, "village", "\"测试村丙\"");
    hz_node *m = unit_node_memory(0x7b, &ez);
    assert_int_equal(unit_deliver(m, &early, NULL), 0);
    assert_int_equal(unit_deliver(m, &late, NULL), 0);
    unit_assert_same_state(n, m);
    char *nl = unit_conflicts_text(n), *ml = unit_conflicts_text(m);
    assert_string_equal(nl, ml);
    hz_free_string(nl);
    hz_free_string(ml);
    hz_node_close(m);
    hz_node_close(n);
    hz_free_string(listed);
    enc_close(&body);
    unit_author_close(&x);
    unit_author_close(&y);
    unit_author_close(&z);
    unit_entries_free(&early);
    unit_entries_free(&late);
    unit_rmtree(tmp);
    free(dir);
    free(tmp);
}

/* One stock move, committed as one action on @n (@qty as text). */
static int put_move(hz_node *n, const char *id, const char *item,
                    const char *site, const char *qty)
{
    return unit_put(n, "stock_moves", id,
                    UNIT_FIELDS({"item", item}, {"kind", "distributed"},
                                {"qty", qty}, {"site", site}),
                    NULL, NULL);
}

/* A node of database formats 1 to 4 kept each event insert's content: a
 * read-only open lists the reused event ids from it; an open for writing
 * keeps a sum of it, with the table and the entry as integers (format
 * 5), and the rows, the conflicts and the checks of a retried event go on
 * as before (proto/storage.md, "Upgrades"). From format 3 the upgrade
 * also keys w anew. */
static void older_event_sources_are_upgraded(int format)
{
    struct disk d;
    hz_node *a = disk_create(&d);
    struct unit_env eb;
    unit_env_init(&eb, 2, UNIT_T0_MS);
    hz_node *b = unit_node_memory(0xb2, &eb);
    char site[HZ_ROW_HEX_LEN + 1], item[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(a, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), site, NULL),
                     0);
    assert_int_equal(unit_put(a, "items", NULL,
                              UNIT_FIELDS({"name", "测试大米"}), item, NULL),
                     0);
    unit_sync(a, b);
    /* Reused with other content, reused with the same, written once. */
    const char *other = "e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0e0";
    const char *same = "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1";
    const char *once = "e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2e2";
    assert_int_equal(put_move(a, other, item, site, "-10"), 0);
    assert_int_equal(put_move(b, other, item, site, "-20"), 0);
    assert_int_equal(put_move(a, same, item, site, "-5"), 0);
    assert_int_equal(put_move(b, same, item, site, "-5"), 0);
    assert_int_equal(put_move(a, once, item, site, "-1"), 0);
    unit_sync(b, a);
    char *listed = unit_conflicts_text(a);
    char hash[2 * HZ_HASH_LEN + 1], again[2 * HZ_HASH_LEN + 1];
    unit_state_hash(a, hash);
    /* two sources each of the reused ids; the event written once keeps
     * its sole source in its row (format 19) */
    assert_int_equal(unit_sql_int(a, "SELECT count(*) FROM evsrc"), 4);
    unit_format_4(a);
    assert_int_equal(
        unit_sql_int(a, "SELECT count(*) FROM evsrc WHERE typeof(content) ="
                        " 'blob' AND typeof(tbl) = 'text'"),
        5);
    if (format == 3)
        assert_int_equal(
            sqlite3_exec(a->db.conn, UNIT_FORMAT_3_W, NULL, NULL, NULL),
            SQLITE_OK);
    hz_node_close(a);

    /* Read-only: the content as it is, the same list. */
    struct hz_node_opts ro = d.opts;
    ro.flags = HZ_OPEN_READONLY;
    assert_int_equal(hz_node_open(d.dir, &ro, &a, NULL), 0);
    assert_int_equal(unit_sql_int(a, "PRAGMA user_version"), format);
    char *text = unit_conflicts_text(a);
    assert_string_equal(text, listed);
    hz_free_string(text);
    hz_node_close(a);

    assert_int_equal(hz_node_open(d.dir, &d.opts, &a, NULL), 0);
    assert_int_equal(unit_sql_int(a, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(unit_sql_int(a, "SELECT count(*) FROM sqlite_master"
                                     " WHERE name LIKE 'evsrc_format%'"),
                     0);
    assert_int_equal(
        unit_sql_int(a, "SELECT count(*) FROM evsrc WHERE typeof(tbl) ="
                        " 'integer' AND typeof(n) = 'integer' AND"
                        " length(sum) = 16"),
        5);
    text = unit_conflicts_text(a);
    assert_string_equal(text, listed);
    hz_free_string(text);
    unit_state_hash(a, again);
    assert_string_equal(again, hash);
    /* A retried event: the same content is a no-op, other content an
     * error, both judged by the content read back from the log. */
    assert_int_equal(put_move(a, same, item, site, "-5"), 0);
    assert_int_equal(put_move(a, once, item, site, "-2"), HZ_ECONFLICT);
    /* More reuse after the upgrade: both nodes end with the same rows
     * and list. */
    assert_int_equal(put_move(b, once, item, site, "-3"), 0);
    unit_sync(b, a);
    unit_sync(a, b);
    unit_assert_same_state(a, b);
    char *la = unit_conflicts_text(a), *lb = unit_conflicts_text(b);
    assert_string_equal(la, lb);
    json_t *c = unit_conflicts(a);
    assert_int_equal(json_array_size(c), 2);
    json_decref(c);
    hz_free_string(la);
    hz_free_string(lb);
    hz_free_string(listed);
    hz_node_close(b);
    hz_node_close(a);
    disk_remove(&d);
}

static void a_format_4_database_gets_its_event_sources_as_integers(void **state)
{
    (void)state;
    older_event_sources_are_upgraded(4);
}

static void a_format_3_database_gets_its_event_sources_too(void **state)
{
    (void)state;
    older_event_sources_are_upgraded(3);
}

static void create_refuses_a_directory_that_is_not_empty(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    hz_node_close(n);
    n = NULL;
    /* Already a node. */
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL),
                     HZ_EEXIST);
    assert_null(n);
    /* Some other directory with a file in it. */
    char *other = unit_tmpdir();
    char *file = unit_path(other, "notes.txt");
    unit_write_file(file, "x", 1);
    assert_int_equal(hz_node_create(other, "测试节点", &opts, &n, NULL),
                     HZ_EEXIST);
    assert_int_equal(n_files(other), 1);
    /* Names: 1 to 200 bytes. */
    char *fresh = unit_path(other, "fresh");
    assert_int_equal(hz_node_create(fresh, "", &opts, &n, NULL), HZ_EINVAL);
    char name[202];
    memset(name, 'n', sizeof name - 1);
    name[201] = '\0';
    assert_int_equal(hz_node_create(fresh, name, &opts, &n, NULL), HZ_EINVAL);
    /* Options of another version. */
    struct hz_node_opts bad = opts;
    bad.version = HZ_NODE_OPTS_VERSION + 1;
    assert_int_equal(hz_node_create(fresh, "测试节点", &bad, &n, NULL),
                     HZ_EINVAL);
    free(fresh);
    free(file);
    unit_rmtree(other);
    free(other);
    unit_rmtree(dir);
    free(dir);
}

static void open_never_creates_a_node(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), HZ_ENOTNODE);
    assert_null(n);
    assert_int_equal(n_files(dir), 0);
    char *missing = unit_path(dir, "missing");
    assert_int_equal(hz_node_open(missing, &opts, &n, NULL), HZ_ENOTNODE);
    struct stat sb;
    assert_int_not_equal(stat(missing, &sb), 0);
    free(missing);
    /* A key file alone is not a node either. */
    char *keyfile = unit_path(dir, "node.key");
    uint8_t seed[HZ_SEED_LEN] = {1};
    unit_write_file(keyfile, seed, sizeof seed);
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), HZ_ENOTNODE);
    assert_int_equal(n_files(dir), 1);
    free(keyfile);
    unit_rmtree(dir);
    free(dir);
}

static void open_refuses_a_newer_database_or_a_foreign_key(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    hz_node_close(n);

    char *keyfile = unit_path(dir, "node.key");
    size_t len;
    uint8_t *seed = unit_read_file(keyfile, &len);
    assert_int_equal(len, HZ_SEED_LEN);
    /* Another key. */
    uint8_t other[HZ_SEED_LEN];
    memcpy(other, seed, sizeof other);
    other[0] ^= 1;
    unit_write_file(keyfile, other, sizeof other);
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), HZ_ECORRUPT);
    /* A key file of the wrong size. */
    unit_write_file(keyfile, seed, HZ_SEED_LEN - 1);
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), HZ_ECORRUPT);
    unit_write_file(keyfile, seed, HZ_SEED_LEN);
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), 0);
    hz_node_close(n);

    /* A database written by a newer huzhu. */
    char *db = unit_path(dir, "node.db");
    sqlite3 *raw = NULL;
    assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", HZ_DB_FORMAT + 1);
    assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(raw);
    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), HZ_EVERSION);
    assert_null(n);
    free(db);
    free(seed);
    free(keyfile);
    unit_rmtree(dir);
    free(dir);
}

/* DECISIONS 6: nothing about our own chain is cached across
 * transactions, so two handles on one node write one chain. */
static void two_handles_on_one_node_write_one_chain(void **state)
{
    (void)state;
    char *dir = unit_tmpdir();
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *serve = NULL, *cli = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &serve, NULL), 0);
    assert_int_equal(hz_node_open(dir, &opts, &cli, NULL), 0);
    char g[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(unit_put(serve, "sites", NULL,
                              UNIT_FIELDS({"name", "测试安置点"}), g, NULL),
                     0);
    for (int i = 0; i < 6; i++) {
        char v[8];
        snprintf(v, sizeof v, "%d", 10 * (i + 1));
        hz_node *h = i % 2 ? serve : cli;
        assert_int_equal(
            unit_put(h, "sites", g, UNIT_FIELDS({"capacity", v}), NULL, NULL),
            0);
    }
    assert_int_equal(unit_sql_int(serve, "SELECT count(*) FROM log"), 7);
    assert_int_equal(unit_sql_int(serve, "SELECT max(seq) FROM log"), 7);
    assert_int_equal(unit_sql_int(serve, "SELECT count(*) FROM forks"), 0);
    assert_int_equal(hz_node_log_verify(cli, NULL, NULL), 0);
    unit_assert_field(serve, "sites", g, "capacity", "60");
    unit_assert_field(cli, "sites", g, "capacity", "60");
    unit_assert_same_state(serve, cli);
    json_t *s = unit_status(cli);
    assert_true(json_is_false(json_object_get(s, "clone_detected")));
    json_decref(s);
    hz_node_close(serve);
    hz_node_close(cli);
    unit_rmtree(dir);
    free(dir);
}

/* A node of database format 16 (the search index a b-tree) opened
 * read-only, as a worn card is (DECISIONS 23), has no index of FTS5: a
 * search says so and changes nothing; opened for writing, the index is
 * made from the rows and finds them (proto/storage.md, "Upgrades"). */
static void a_format_16_node_searches_once_opened_for_writing(void **state)
{
    (void)state;
    char *tmp = unit_tmpdir();
    char *dir = unit_path(tmp, "node");
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    assert_int_equal(
        unit_put(n, "persons", NULL,
                 UNIT_FIELDS({"name", "测试孙六"}, {"phone", "13912345678"}),
                 NULL, NULL),
        0);
    unit_format_18(n);
    assert_int_equal(
        sqlite3_exec(n->db.conn,
                     "DROP TABLE sxv_p; DROP TABLE sxv_h; DROP TABLE sx_p;"
                     " DROP TABLE sx_h; CREATE TABLE sx(k TEXT NOT NULL, r"
                     " INTEGER NOT NULL, PRIMARY KEY(k, r)) WITHOUT ROWID;"
                     " INSERT INTO sx SELECT 'pn^' || substr(name, 1, 2), n"
                     " FROM e_persons; PRAGMA user_version=16;",
                     NULL, NULL, NULL),
        SQLITE_OK);
    hz_node_close(n);

    struct hz_node_opts ro = opts;
    ro.flags = HZ_OPEN_READONLY;
    assert_int_equal(hz_node_open(dir, &ro, &n, NULL), 0);
    char *json = NULL;
    struct hz_err err = {0};
    assert_int_equal(hz_node_search(n, "孙六", 10, &json, &err), HZ_EREADONLY);
    assert_null(json);
    assert_non_null(strstr(err.msg, "format 16"));
    /* log verify checks the rest and says the index waits, not that the
     * data is damaged */
    struct hz_err verr = {0};
    assert_int_equal(hz_node_log_verify(n, NULL, &verr), HZ_EREADONLY);
    assert_non_null(strstr(verr.msg, "format 16"));
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), 16);
    hz_node_close(n);

    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(
        unit_sql_int(n, "SELECT count(*) FROM sqlite_master WHERE name = 'sx'"),
        0);
    assert_int_equal(hz_node_search(n, "5678", 10, &json, NULL), 0);
    assert_non_null(strstr(json, "测试孙六"));
    hz_free_string(json);
    assert_int_equal(hz_node_log_verify(n, NULL, NULL), 0);
    hz_node_close(n);
    unit_rmtree(tmp);
    free(dir);
    free(tmp);
}

/* A node of database format 18 kept every fact in w: read-only it is read
 * as it is; opened for writing, its entity rows gain sole and sole_bits
 * (format 19), its facts stay in w, and the merge goes on from them: an
 * edit of a row it held names that row's writer, a row written after the
 * upgrade keeps its sole fact (proto/storage.md, "Upgrades"). */
static void a_format_18_node_keeps_its_facts_and_gains_sole_facts(void **state)
{
    (void)state;
    char *tmp = unit_tmpdir();
    char *dir = unit_path(tmp, "node");
    struct unit_env e;
    unit_env_init(&e, 1, UNIT_T0_MS);
    struct hz_node_opts opts = opts_for(&e);
    hz_node *n = NULL;
    assert_int_equal(hz_node_create(dir, "测试节点", &opts, &n, NULL), 0);
    char h1[HZ_ROW_HEX_LEN + 1], h2[HZ_ROW_HEX_LEN + 1];
    assert_int_equal(
        unit_put(n, "households", NULL,
                 UNIT_FIELDS({"village", "测试村甲"}, {"members", "2"}), h1,
                 NULL),
        0);
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村乙"}), h2, NULL),
                     0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 0);
    char before[2 * HZ_HASH_LEN + 1], after[2 * HZ_HASH_LEN + 1];
    unit_state_hash(n, before);
    unit_format_18(n);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 2);
    hz_node_close(n);

    struct hz_node_opts ro = opts;
    ro.flags = HZ_OPEN_READONLY;
    assert_int_equal(hz_node_open(dir, &ro, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), 18);
    assert_int_equal(unit_history_len(n, "households", h1), 1);
    unit_state_hash(n, after);
    assert_string_equal(before, after);
    hz_node_close(n);

    assert_int_equal(hz_node_open(dir, &opts, &n, NULL), 0);
    assert_int_equal(unit_sql_int(n, "PRAGMA user_version"), HZ_DB_FORMAT);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM"
                                     " pragma_table_info('e_households')"
                                     " WHERE name IN ('sole', 'sole_bits')"),
                     2);
    assert_int_equal(
        unit_sql_int(n, "SELECT count(*) FROM e_households WHERE sole IS NULL"),
        2);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 2);
    unit_state_hash(n, after);
    assert_string_equal(before, after);
    assert_int_equal(unit_history_len(n, "households", h1), 1);
    /* an edit of a row held before names its writer: no conflict */
    assert_int_equal(unit_put(n, "households", h1,
                              UNIT_FIELDS({"members", "3"}), NULL, NULL),
                     0);
    unit_assert_field(n, "households", h1, "members", "3");
    unit_assert_field(n, "households", h1, "village", "\"测试村甲\"");
    json_t *c = unit_conflicts(n);
    assert_int_equal(json_array_size(c), 0);
    json_decref(c);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 3);
    assert_int_equal(unit_history_len(n, "households", h1), 2);
    /* a row written after the upgrade keeps its sole fact */
    assert_int_equal(unit_put(n, "households", NULL,
                              UNIT_FIELDS({"village", "测试村丙"}), NULL, NULL),
                     0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM w"), 3);
    assert_int_equal(
        unit_sql_int(
            n, "SELECT count(*) FROM e_households WHERE sole IS NOT NULL"),
        1);
    assert_int_equal(hz_node_log_verify(n, NULL, NULL), 0);
    hz_node_close(n);
    unit_rmtree(tmp);
    free(dir);
    free(tmp);
}

/* A long-lived node (the web's GET /api/TABLE?col=...) asked for lists
 * under thousands of different conditions, in every order: each answers,
 * and the node still writes and reads after them (a list's statement was
 * cached by its text, and a full cache refused every new statement). */
static void lists_under_any_conditions_leave_the_node_working(void **state)
{
    (void)state;
    struct unit_env e;
    unit_env_init(&e, 5, UNIT_T0_MS);
    hz_node *n = unit_node_memory(9, &e);
    char id[33];
    assert_int_equal(unit_put(n, "persons", NULL,
                              UNIT_FIELDS({"name", "测试甲"}, {"notes", ""}),
                              id, NULL),
                     0);
    static const char *const cols[] = {
        "notes",       "phone",           "relation",   "sex",
        "chronic",     "condition",       "pregnant",   "household",
        "id_number",   "merged_into",     "birth_year", "disabled",
        "left_behind", "elderly_mobility"};
    const size_t k = sizeof cols / sizeof cols[0];
    size_t lists = 0;
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++)
            for (size_t c = 0; c < k; c++) {
                if (a == b || b == c || a == c)
                    continue;
                /* empty: IS NULL; the one person matches every list */
                struct hz_field w[3] = {
                    {cols[a], ""}, {cols[b], ""}, {cols[c], ""}};
                char *json = NULL;
                struct hz_err err = {0};
                if (hz_node_ls(n, "persons", 3, w, &json, &err) != 0)
                    fail_msg("list %zu: %s", lists, err.msg);
                assert_non_null(strstr(json, id));
                hz_free_string(json);
                lists++;
            }
    assert_true(lists > 2000);
    assert_int_equal(unit_put(n, "persons", id,
                              UNIT_FIELDS({"phone", "13800000001"}), NULL,
                              NULL),
                     0);
    unit_assert_field(n, "persons", id, "phone", "\"13800000001\"");
    hz_node_close(n);
}

/* The rows of @sql (one column of integers, then of texts) joined as
 * "n/del/k," for each row, with @docs bound to ?1 when not NULL. */
static void docs_rows(struct db *d, const char *sql, const struct db_docs *docs,
                      char *out, size_t cap)
{
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(d->conn, sql, -1, &st, NULL),
                     SQLITE_OK);
    if (docs != NULL)
        assert_int_equal(db_bind_docs(st, 1, docs), SQLITE_OK);
    size_t at = 0;
    out[0] = '\0';
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        at += (size_t)snprintf(out + at, cap - at, "%lld/%d/%s,",
                               (long long)sqlite3_column_int64(st, 0),
                               sqlite3_column_int(st, 1),
                               (const char *)sqlite3_column_text(st, 2));
    assert_int_equal(rc, SQLITE_DONE);
    sqlite3_finalize(st);
}

/* The size of @dir's node.db-wal, 0 when there is none. */
static off_t wal_size(const char *dir)
{
    char *p = unit_path(dir, "node.db-wal");
    struct stat st;
    off_t size = stat(p, &st) == 0 ? st.st_size : 0;
    free(p);
    return size;
}

/* One transaction writing about 8 MiB of new pages (2,000 of 4 KiB). */
static void big_commit(hz_node *n)
{
    assert_int_equal(
        sqlite3_exec(n->db.conn,
                     "CREATE TABLE IF NOT EXISTS scratch(b BLOB);"
                     "BEGIN;"
                     "INSERT INTO scratch SELECT randomblob(4000) FROM"
                     " (WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT"
                     " i + 1 FROM c WHERE i < 2000) SELECT i FROM c);"
                     "COMMIT;",
                     NULL, NULL, NULL),
        SQLITE_OK);
}

/* A commit that leaves the WAL longer than a node keeps truncates it to
 * nothing (db.c, wal_hook): an import of a million operations made a WAL
 * of hundreds of MiB that stayed on the card until the next write. With
 * a reader on an older snapshot the commit does not wait for it; the
 * next large commit after the reader ends truncates. */
static void a_large_commit_leaves_no_wal_behind(void **state)
{
    (void)state;
    struct disk d;
    hz_node *n = disk_create(&d);
    n->db.wal_keep_frames = 1500; /* 6 MiB here; 64 MiB in a node */
    big_commit(n);
    assert_int_equal(wal_size(d.dir), 0);

    /* a reader holding its snapshot: the WAL stays, the commit returns */
    char *db = unit_path(d.dir, "node.db");
    sqlite3 *r = NULL;
    assert_int_equal(sqlite3_open_v2(db, &r, SQLITE_OPEN_READONLY, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(r, "BEGIN; SELECT count(*) FROM scratch;",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    big_commit(n);
    assert_true(wal_size(d.dir) > 0);
    int64_t rows = 0;
    assert_int_equal(db_int(&n->db, "SELECT count(*) FROM scratch", NULL, 0,
                            &rows, NULL, NULL),
                     0);
    assert_int_equal(rows, 4000);
    assert_int_equal(sqlite3_exec(r, "COMMIT;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(r);
    free(db);
    big_commit(n);
    assert_int_equal(wal_size(d.dir), 0);

    /* below the node's bound, as SQLite's autocheckpoint: the WAL file
     * stays for the next writes */
    n->db.wal_keep_frames = 1000000;
    big_commit(n);
    assert_true(wal_size(d.dir) > 0);
    hz_node_close(n);
    disk_remove(&d);
}

/* hz_docs (db/docs.c), through which the search index takes a batch of
 * documents: only a batch bound to it as one, in the batch's order when
 * that is the order asked for (no sort), sorted by SQLite for any other
 * order, and nothing from SQL text alone. */
static void search_documents_come_only_from_a_batch_bound_to_them(void **state)
{
    (void)state;
    struct db d = {0};
    struct hz_err err = {0};
    assert_int_equal(db_open(&d, ":memory:", NULL, false, true, &err), 0);
    const struct db_doc v[] = {
        {.n = 3, .k = "pn:a pd:1", .len = 9, .del = true},
        {.n = 3, .k = "pn:b", .len = 4, .del = false},
        {.n = 7, .k = "py:c", .len = 4, .del = false},
    };
    const struct db_docs docs = {v, 3};
    char rows[256];
    docs_rows(&d, "SELECT n, del, k FROM hz_docs(?1) ORDER BY n, del DESC",
              &docs, rows, sizeof rows);
    assert_string_equal(rows, "3/1/pn:a pd:1,3/0/pn:b,7/0/py:c,");
    docs_rows(&d, "SELECT n, del, k FROM hz_docs(?1) ORDER BY n DESC, del",
              &docs, rows, sizeof rows);
    assert_string_equal(rows, "7/0/py:c,3/0/pn:b,3/1/pn:a pd:1,");
    /* the order asked for by the search index is not sorted again */
    sqlite3_stmt *st;
    assert_int_equal(
        sqlite3_prepare_v2(d.conn,
                           "EXPLAIN QUERY PLAN SELECT n, del, k FROM"
                           " hz_docs(?1) ORDER BY n, del DESC",
                           -1, &st, NULL),
        SQLITE_OK);
    bool plan = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *detail = (const char *)sqlite3_column_text(st, 3);
        assert_null(strstr(detail, "TEMP B-TREE"));
        plan = true;
    }
    sqlite3_finalize(st);
    assert_true(plan);
    /* a value that is not a batch bound as one gives no rows */
    docs_rows(&d, "SELECT n, del, k FROM hz_docs(7)", NULL, rows, sizeof rows);
    assert_string_equal(rows, "");
    assert_int_equal(sqlite3_prepare_v2(d.conn,
                                        "SELECT n, del, k FROM hz_docs(?1)", -1,
                                        &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_bind_blob(st, 1, &docs, sizeof docs, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    /* nor without the batch named, nor as a table of its own */
    assert_int_not_equal(
        sqlite3_prepare_v2(d.conn, "SELECT n FROM hz_docs", -1, &st, NULL),
        SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(d.conn,
                                      "CREATE VIRTUAL TABLE x USING hz_docs",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    /* nor from a view or trigger a database file could carry */
    assert_int_equal(sqlite3_exec(d.conn,
                                  "CREATE VIEW v AS SELECT n FROM hz_docs(1)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_not_equal(
        sqlite3_prepare_v2(d.conn, "SELECT n FROM v", -1, &st, NULL),
        SQLITE_OK);
    db_close(&d);
}

/* A row taken away and another inserted in one transaction, the second
 * given the first's number (the greatest, which SQLite gives again): the
 * index gets the first's document taken away before the second's is
 * added, whichever of the two rows comes first in the rows owed — done
 * the other way, the keys both documents share would be lost. */
static void a_row_number_given_again_keeps_the_new_rows_keys(void **state)
{
    (void)state;
    struct unit_env env;
    unit_env_init(&env, 9, UNIT_T0_MS);
    hz_node *n = unit_node_memory(9, &env);
    char hex[2 * HZ_ROW_LEN + 1];
    assert_int_equal(
        unit_put(n, "persons", NULL,
                 UNIT_FIELDS({"name", "王小明"}, {"phone", "13800000001"}), hex,
                 NULL),
        0);
    uint8_t row_a[HZ_ROW_LEN];
    assert_int_equal(
        sodium_hex2bin(row_a, sizeof row_a, hex, strlen(hex), NULL, NULL, NULL),
        0);
    int64_t number = unit_sql_int(n, "SELECT max(n) FROM e_persons");
    /* a row id before every other: owed first */
    const uint8_t row_b[HZ_ROW_LEN] = {0};
    assert_true(memcmp(row_b, row_a, HZ_ROW_LEN) < 0);
    const struct table_def *t = schema_table_c(schema_current(), "persons");
    struct value vals[HZ_FIELDS_MAX] = {0};
    const char *name = "王小红", *phone = "13800000001";
    vals[schema_col_c(t, "name")] = (struct value){
        .type = VALUE_STR, .s = {(const uint8_t *)name, strlen(name)}};
    vals[schema_col_c(t, "phone")] = (struct value){
        .type = VALUE_STR, .s = {(const uint8_t *)phone, strlen(phone)}};
    struct hz_err err = {0};
    assert_int_equal(txn_begin(n, &err), 0);
    assert_int_equal(search_forget(n, t, row_a, &err), 0);
    assert_int_equal(db_run(&n->db, "DELETE FROM e_persons WHERE id = ?1",
                            DB_ARGS(DB_ROW(row_a)), &err),
                     0);
    assert_int_equal(
        db_run(&n->db,
               "INSERT INTO e_persons(id, chg, name, phone) VALUES(?1, 0, ?2,"
               " ?3)",
               DB_ARGS(DB_ROW(row_b), DB_TEXT(name), DB_TEXT(phone)), &err),
        0);
    assert_int_equal(db_last_rowid(&n->db), number);
    assert_int_equal(search_add_inserted(n, t, row_b, number, vals, NULL, &err),
                     0);
    assert_int_equal(txn_commit(n, &err), 0);
    if (search_verify(n, &err) != 0)
        fail_msg("search_verify: %s", err.msg);
    /* the keys the two share (the surname's gram, the phone) find it */
    const char *const queries[] = {"王小", "13800000001", "wxh"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *json = NULL;
        assert_int_equal(hz_node_search(n, queries[i], 10, &json, &err), 0);
        if (strstr(json, "王小红") == NULL)
            fail_msg("%s: %s", queries[i], json);
        hz_free_string(json);
    }
    hz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists_under_any_conditions_leave_the_node_working),
        cmocka_unit_test(search_documents_come_only_from_a_batch_bound_to_them),
        cmocka_unit_test(a_row_number_given_again_keeps_the_new_rows_keys),
        cmocka_unit_test(create_makes_a_node_that_open_finds_again),
        cmocka_unit_test(create_refuses_a_directory_that_is_not_empty),
        cmocka_unit_test(members_of_a_node_in_no_network),
        cmocka_unit_test(a_format_1_database_gets_its_pending_counted),
        cmocka_unit_test(a_format_10_log_gets_its_authors_as_names),
        cmocka_unit_test(a_format_2_database_gets_the_rowid_layout),
        cmocka_unit_test(
            a_format_2_database_gets_its_heads_indexed_in_merge_order),
        cmocka_unit_test(a_format_3_database_gets_its_writes_as_integers),
        cmocka_unit_test(a_format_5_database_gets_one_fact_per_entry_and_row),
        cmocka_unit_test(a_fact_upgraded_keeps_each_fields_head),
        cmocka_unit_test(
            a_format_4_database_gets_its_event_sources_as_integers),
        cmocka_unit_test(a_format_3_database_gets_its_event_sources_too),
        cmocka_unit_test(a_format_16_node_searches_once_opened_for_writing),
        cmocka_unit_test(a_format_18_node_keeps_its_facts_and_gains_sole_facts),
        cmocka_unit_test(open_never_creates_a_node),
        cmocka_unit_test(open_refuses_a_newer_database_or_a_foreign_key),
        cmocka_unit_test(two_handles_on_one_node_write_one_chain),
        cmocka_unit_test(a_large_commit_leaves_no_wal_behind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
