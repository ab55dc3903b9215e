/* test_strangers.c - strangers cannot fill a node, and a long pending
 * chain costs what it holds (issue 11; DECISIONS 7, 34; proto/limits.md,
 * "Strangers").
 *
 * In a network anyone who knows its id can sign entries: keys cost
 * nothing. These tests flood a member node with the entries of 10,000 and
 * more fresh keys, by relay batches (sources) and by a bundle, and assert
 * counts and sizes, never times: what is kept stays under the caps, the
 * database does not grow with the flood, what goes goes highest seq
 * first, every entry is accounted for, an honest member's entries are
 * kept and applied, and a certificate arriving later lets a stranger in.
 *
 * Sizes are bounded (about 50,000 entries of 1.2 KB in all); the caps
 * they exercise are the real ones of src/core/limits.h. */
#include "lib/unit_env.h"

#include "core/limits.h"
#include "huzhu/trust.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ADDRESS_LEN 1000u /* each flood entry carries about 1.2 KB */

struct world {
    char *base;
    struct unit_site root, member, target;
};

/* Root R makes the network; member B and target T are admitted by R and
 * join. T never sees R's log: B's certificate reaches T only in the
 * chain B's first entry carries. */
static void world_open(struct world *w)
{
    w->base = unit_tmpdir();
    unit_site_create(w->base, &w->root, "root", 1);
    unit_site_create(w->base, &w->member, "member", 2);
    unit_site_create(w->base, &w->target, "target", 3);
    char *net = NULL;
    struct hz_err err = {0};
    if (hz_network_create(w->root.n, "测试网", &net, &err) != 0)
        fail_msg("network create: %s", err.msg);
    hz_free_string(net);
    unit_admit_join(w->root.n, w->member.n, 0);
    unit_admit_join(w->root.n, w->target.n, 0);
}

static void world_close(struct world *w)
{
    unit_site_close(&w->root);
    unit_site_close(&w->member);
    unit_site_close(&w->target);
    unit_rmtree(w->base);
    free(w->base);
}

static char *export(hz_node *n, const char *dir, const char *name)
{
    char *path = unit_path(dir, name);
    struct hz_err err = {0};
    if (hz_bundle_export(n, path, NULL, NULL, &err) != 0)
        fail_msg("export: %s", err.msg);
    return path;
}

static void import(hz_node *n, const char *path, struct hz_ingest_stats *st)
{
    struct hz_err err = {0};
    if (hz_bundle_import(n, path, st, &err) != 0)
        fail_msg("import: %s (%s)", hz_errname(err.code), err.msg);
}

/* ---- the flood */

/* Every entry of one run is accounted for exactly once. */
static uint64_t accounted(const struct hz_ingest_stats *s)
{
    return s->applied + s->duplicate + s->pending + s->rejected + s->held +
           s->stopped + s->forks + s->refused + s->denied + s->capacity;
}

static void flood_identity(uint32_t k, struct identity *id)
{
    uint8_t seed[HZ_SEED_LEN];
    memset(seed, 0x5a, sizeof seed);
    seed[0] = 0xf1;
    for (int b = 0; b < 4; b++)
        seed[1 + b] = (uint8_t)(k >> (24 - 8 * b));
    identity_from_seed(id, seed);
}

/* Three entries of the fresh key @k, each setting a 1,000-byte address
 * on a household of its own: seq 1, 2, 3 (keys 0-6 mod 10); seq 2, 3
 * only, so they wait ahead of a gap (7, 8); seq 1, 2 and a second seq 1,
 * fork evidence (9). */
static void flood_key(const uint8_t *network, uint32_t k,
                      struct unit_entries *out)
{
    struct identity id;
    flood_identity(k, &id);
    char address[ADDRESS_LEN + 1];
    memset(address, 'a' + (int)(k % 26), ADDRESS_LEN);
    address[ADDRESS_LEN] = '\0';
    struct value v = {.type = VALUE_STR,
                      .s = {(const uint8_t *)address, ADDRESS_LEN}};
    uint8_t row[HZ_ROW_LEN] = {0xf1};
    memcpy(row + 1, &k, sizeof k);
    uint8_t prev[HZ_HASH_LEN] = {0}, first[HZ_HASH_LEN] = {0};
    unsigned shape = k % 10;
    for (uint64_t seq = 1; seq <= 3; seq++) {
        struct enc body, bytes;
        enc_init(&body);
        enc_init(&bytes);
        row[HZ_ROW_LEN - 1] = (uint8_t)seq;
        uint64_t s = shape == 9 && seq == 3 ? 1 : seq;
        unit_body_set(&body, 1, "households", row, "address", &v, 0, NULL);
        struct entry e;
        unit_sign(&id, network, s, s > 1 ? prev : NULL,
                  (UNIT_T0_MS << 16) + seq, enc_data(&body), enc_len(&body), &e,
                  &bytes);
        if (seq == 1)
            memcpy(first, e.id, HZ_HASH_LEN);
        memcpy(prev, e.id, HZ_HASH_LEN);
        if (!(shape >= 7 && shape <= 8 && seq == 1))
            unit_entries_add(out, enc_data(&bytes), enc_len(&bytes));
        enc_close(&body);
        enc_close(&bytes);
    }
    (void)first;
    identity_close(&id);
}

/* Entries delivered of each shape: 3 per key, but 2 for keys 7 and 8. */
static void flood(const uint8_t *network, uint32_t first, uint32_t keys,
                  struct unit_entries *out)
{
    for (uint32_t k = first; k < first + keys; k++)
        flood_key(network, k, out);
}

static int64_t stranger_rows(hz_node *n)
{
    return unit_sql_int(n, "SELECT count(*) FROM stranger");
}

/* What the node really holds of authors with no certificate, or past
 * their cut-off: log, pending and fork evidence (not our table's say-so).
 * @what is count(*) or total(length(bytes)). */
static int64_t strangers_sum(hz_node *n, const char *what)
{
    char sql[1024];
    const char *who =
        "(author NOT IN (SELECT subject FROM member) OR seq > coalesce("
        "(SELECT c.seq FROM cutoff AS c WHERE c.subject = author), "
        "9223372036854775807))";
    snprintf(sql, sizeof sql,
             "SELECT (SELECT %s FROM (SELECT (SELECT name FROM names WHERE"
             " k = log.author) AS author, seq, bytes FROM log) WHERE %s) +"
             " (SELECT %s FROM pending"
             " WHERE %s) + (SELECT %s FROM forks WHERE %s)",
             what, who, what, who, what, who);
    return unit_sql_int(n, sql);
}

static int64_t strangers_bytes_held(hz_node *n)
{
    return strangers_sum(n, "total(length(bytes))");
}

static int64_t strangers_held(hz_node *n)
{
    return strangers_sum(n, "count(*)");
}

/* The database file after a checkpoint: the WAL is folded in. */
static int64_t db_bytes(hz_node *n)
{
    assert_int_equal(sqlite3_exec(n->db.conn, "PRAGMA wal_checkpoint(TRUNCATE)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    return unit_sql_int(n, "SELECT page_count * page_size FROM"
                           " pragma_page_count(), pragma_page_size()");
}

/* SQLite keeps every page of a table at least a third full, so what the
 * caps keep takes at most about three times its bytes on disk, however
 * long the flood (proto/limits.md, "Strangers"); 16 MiB for the rest. */
static int64_t disk_bound(void)
{
    return 3ll * HZ_STRANGER_BYTES_MAX + 16ll * 1024 * 1024;
}

/* Relay batches of @per entries: one source each. Returns what the runs
 * did not keep (their own entries, and earlier ones they made room for). */
static uint64_t deliver_sources(hz_node *to, const struct unit_entries *e,
                                size_t per)
{
    uint64_t gone = 0;
    for (size_t from = 0; from < e->n; from += per) {
        size_t count = e->n - from < per ? e->n - from : per;
        struct hz_ingest_stats st = {0};
        assert_int_equal(unit_deliver_range(to, e, from, count, &st), 0);
        assert_int_equal(st.entries, count);
        assert_int_equal(accounted(&st), count);
        assert_int_equal(st.applied, 0);
        gone += st.capacity + st.evicted;
    }
    return gone;
}

static void assert_under_the_caps(hz_node *n)
{
    assert_true(stranger_rows(n) <= (int64_t)HZ_STRANGER_MAX);
    assert_true(unit_sql_int(n, "SELECT total(len) FROM stranger") <=
                (int64_t)HZ_STRANGER_BYTES_MAX);
    /* The table says what the node holds, entry for entry. */
    assert_int_equal(strangers_held(n), stranger_rows(n));
    assert_int_equal(strangers_bytes_held(n),
                     unit_sql_int(n, "SELECT total(len) FROM stranger"));
    /* And status says the same. */
    json_t *st = unit_status(n);
    json_t *s = json_object_get(st, "strangers");
    assert_int_equal(json_integer_value(json_object_get(s, "entries")),
                     stranger_rows(n));
    assert_int_equal(json_integer_value(json_object_get(s, "bytes")),
                     strangers_bytes_held(n));
    json_decref(st);
}

static void member_writes(hz_node *b, int rows)
{
    for (int i = 0; i < rows; i++)
        assert_int_equal(unit_put(b, "households", NULL,
                                  UNIT_FIELDS({"village", "测试村"}), NULL,
                                  NULL),
                         0);
}

static int64_t applied_of(hz_node *n, hz_node *author)
{
    char sql[256], key[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(author, key);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM log WHERE author = (SELECT k FROM names"
             " WHERE name = x'%s') AND state = 0",
             key);
    return unit_sql_int(n, sql);
}

static int64_t rows_of(hz_node *n, const char *where)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM stranger WHERE %s", where);
    return unit_sql_int(n, sql);
}

static void a_flood_of_fresh_keys_leaves_the_disk_bounded(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    hz_node *t = w.target.n;
    const uint8_t *net = t->network;

    /* Round 1: 10,000 fresh keys, 28,000 entries (about 34 MB, over the
     * 32 MiB cap), in relay batches of 2,000 (each under the per-source
     * cap); an honest member's bundle arrives in the middle. */
    struct unit_entries one = {0};
    flood(net, 0, 10000, &one);
    assert_int_equal(one.n, 28000);
    struct unit_entries first_half = {.n = 14000, .p = one.p, .len = one.len};
    struct unit_entries second_half = {
        .n = 14000, .p = one.p + 14000, .len = one.len + 14000};
    uint64_t gone = deliver_sources(t, &first_half, 2000);

    member_writes(w.member.n, 20);
    char *bundle = export(w.member.n, w.base, "member.hzb");
    struct hz_ingest_stats st = {0};
    import(t, bundle, &st);
    free(bundle);
    int64_t honest = applied_of(w.member.n, w.member.n);
    assert_true(honest > 20);
    /* Its first entry carries its certificate's chain: all applied, none
     * counted as a stranger's. */
    assert_int_equal(st.applied, (uint64_t)honest);
    assert_int_equal(st.capacity + st.evicted + st.denied, 0);
    assert_int_equal(applied_of(t, w.member.n), honest);

    gone += deliver_sources(t, &second_half, 2000);
    assert_under_the_caps(t);
    /* The cap bound: something went, and everything is accounted for. */
    assert_true(gone > 0);
    assert_int_equal((uint64_t)stranger_rows(t) + gone, 28000);
    /* Highest seq first: every seq-1 entry (7,000 chains, 1,000 forked
     * chains and their 1,000 pieces of evidence) is still here, and the
     * seq-3 ones went first. */
    assert_int_equal(rows_of(t, "seq = 1"), 9000);
    assert_true(rows_of(t, "seq = 3") < 9000);
    int64_t size1 = db_bytes(t);
    assert_true(size1 <= disk_bound());

    /* Round 2: 3,000 more fresh keys. The database does not grow with the
     * flood: what is kept stays under the caps. */
    struct unit_entries two = {0};
    flood(net, 10000, 3000, &two);
    gone += deliver_sources(t, &two, 2000);
    assert_under_the_caps(t);
    assert_int_equal((uint64_t)stranger_rows(t) + gone, 28000 + two.n);
    assert_int_equal(rows_of(t, "seq = 1"), 9000 + 2700);
    int64_t size2 = db_bytes(t);
    char *dbstat = getenv("HUZHU_TEST_DBSTAT");
    if (dbstat != NULL) {
        sqlite3_stmt *q;
        sqlite3_prepare_v2(t->db.conn,
                           "SELECT name, sum(pgsize), sum(unused), sum(ncell),"
                           " sum(pagetype = 'overflow') FROM dbstat GROUP BY"
                           " name ORDER BY 2 DESC LIMIT 12",
                           -1, &q, NULL);
        while (sqlite3_step(q) == SQLITE_ROW)
            print_message("%s %lld unused %lld cells %lld overflow %lld\n",
                          sqlite3_column_text(q, 0),
                          (long long)sqlite3_column_int64(q, 1),
                          (long long)sqlite3_column_int64(q, 2),
                          (long long)sqlite3_column_int64(q, 3),
                          (long long)sqlite3_column_int64(q, 4));
        sqlite3_finalize(q);
    }
    print_message("strangers: %lld rows, %lld bytes held; database %lld"
                  " bytes after round 1, %lld after round 2\n",
                  (long long)stranger_rows(t),
                  (long long)strangers_bytes_held(t), (long long)size1,
                  (long long)size2);
    assert_true(size2 <= disk_bound());

    /* The honest member's entries are all still applied. */
    assert_int_equal(applied_of(t, w.member.n), honest);

    /* A certificate arriving later lets a stranger in by the normal
     * path: key 0's entries still held apply, and count no more. */
    struct identity k0;
    flood_identity(0, &k0);
    char key[2 * HZ_KEY_LEN + 1];
    hex_encode(k0.pk, HZ_KEY_LEN, key);
    struct hz_admission a = {
        .key = key, .name = "迟到的设备", .role = "coordinator"};
    char *token = NULL;
    struct hz_err err = {0};
    if (hz_admit(w.root.n, &a, &token, &err) != 0)
        fail_msg("admit: %s", err.msg);
    hz_free_string(token);
    char where[200];
    snprintf(where, sizeof where, "author = x'%s'", key);
    int64_t held_k0 = rows_of(t, where);
    assert_true(held_k0 >= 1);
    bundle = export(w.root.n, w.base, "root.hzb");
    memset(&st, 0, sizeof st);
    import(t, bundle, &st);
    free(bundle);
    assert_int_equal(rows_of(t, where), 0);
    assert_int_equal(st.granted, (uint64_t)held_k0);
    char sql[256];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM log WHERE author = (SELECT k FROM names"
             " WHERE name = x'%s') AND state = 0",
             key);
    assert_int_equal(unit_sql_int(t, sql), held_k0);
    /* What went is fetched again later, and now it applies. */
    struct unit_entries again = {0};
    flood_key(net, 0, &again);
    memset(&st, 0, sizeof st);
    assert_int_equal(unit_deliver(t, &again, &st), 0);
    assert_int_equal(unit_sql_int(t, sql), 3);
    assert_int_equal(st.capacity, 0);

    identity_close(&k0);
    unit_entries_free(&again);
    unit_entries_free(&one);
    unit_entries_free(&two);
    world_close(&w);
}

/* A revoked device may write nothing past its cut-off: those entries are
 * kept (denied) and count against the caps like a stranger's, while what
 * it wrote before the cut-off stays applied and uncounted. */
static void a_revoked_device_counts_past_its_cut_off(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    hz_node *t = w.target.n, *b = w.member.n;
    member_writes(b, 5);
    char *bundle = export(b, w.base, "before.hzb");
    struct hz_ingest_stats st = {0};
    import(t, bundle, &st);
    import(w.root.n, bundle, NULL); /* the root cuts off what it holds */
    free(bundle);
    int64_t top = applied_of(b, b);
    assert_int_equal(applied_of(t, b), top);

    /* The root revokes B after the entries both hold, and T learns it. */
    char key[2 * HZ_KEY_LEN + 1];
    hz_node_key_hex(b, key);
    char *summary = NULL;
    struct hz_err err = {0};
    if (hz_revoke(w.root.n, key, 1, (uint64_t)top, &summary, &err) != 0)
        fail_msg("revoke: %s", err.msg);
    hz_free_string(summary);
    bundle = export(w.root.n, w.base, "root.hzb");
    memset(&st, 0, sizeof st);
    import(t, bundle, &st);
    free(bundle);
    assert_int_equal(stranger_rows(t), 0);

    /* B, unaware, writes on: 30 entries past its cut-off. */
    member_writes(b, 30);
    bundle = export(b, w.base, "after.hzb");
    memset(&st, 0, sizeof st);
    import(t, bundle, &st);
    free(bundle);
    assert_int_equal(st.denied, 30);
    assert_int_equal(applied_of(t, b), top);
    char where[200];
    snprintf(where, sizeof where, "author = x'%s' AND seq > %lld", key,
             (long long)top);
    assert_int_equal(rows_of(t, where), 30);
    assert_int_equal(stranger_rows(t), 30);
    assert_under_the_caps(t);
    world_close(&w);
}

/* One bundle is one source: over the per-source cap its entries are not
 * kept, highest seq first, counted and listed, and the import succeeds. */
static void a_bundle_of_strangers_is_capped_per_source(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    hz_node *t = w.target.n;
    /* A relay outside the network's trust that holds the flood: an
     * in-memory node given the network's id (a test-only shortcut). */
    struct unit_env em;
    unit_env_init(&em, 9, UNIT_T0_MS);
    hz_node *m = unit_node_memory(0xc9, &em);
    memcpy(m->network, t->network, HZ_NET_LEN);
    struct unit_entries e = {0};
    flood(t->network, 0, 4000, &e);
    assert_int_equal(unit_deliver(m, &e, NULL), 0);
    char *bundle = export(m, w.base, "flood.hzb");

    struct hz_ingest_stats st = {0};
    import(t, bundle, &st);
    assert_int_equal(st.entries, e.n);
    assert_int_equal(accounted(&st), e.n);
    assert_int_equal(st.evicted, 0);
    assert_true(st.capacity > 0);
    assert_int_equal((uint64_t)stranger_rows(t) + st.capacity, e.n);
    assert_true(stranger_rows(t) <= (int64_t)HZ_STRANGER_SOURCE_MAX);
    assert_true(unit_sql_int(t, "SELECT total(len) FROM stranger") <=
                (int64_t)HZ_STRANGER_SOURCE_BYTES_MAX);
    assert_under_the_caps(t);
    /* Listed by range, at most 1,000 of them, the highest seqs first. */
    const struct hz_range *r;
    size_t listed = hz_ingest_not_kept(t, &r);
    /* Every key lost its seq 3 at least: more ranges than are listed. */
    assert_int_equal(listed, HZ_NOT_KEPT_LISTED);
    uint64_t in_ranges = 0;
    for (size_t i = 0; i < listed; i++) {
        assert_true(r[i].from_seq <= r[i].to_seq);
        assert_true(r[i].from_seq >= 2);
        in_ranges += r[i].to_seq - r[i].from_seq + 1;
    }
    assert_true(in_ranges <= st.capacity);
    assert_int_equal(rows_of(t, "seq = 1"), 3600);

    /* The same bundle again, a new source: what was kept is a duplicate
     * (or, ahead of a gap, pending again), what was not comes in again
     * under the same caps. */
    int64_t kept = stranger_rows(t);
    int64_t waiting = unit_sql_int(t, "SELECT count(*) FROM pending");
    struct hz_ingest_stats again = {0};
    import(t, bundle, &again);
    assert_int_equal(accounted(&again), e.n);
    assert_int_equal(again.duplicate + (uint64_t)waiting, (uint64_t)kept);
    assert_int_equal(again.evicted, 0);
    assert_int_equal((uint64_t)stranger_rows(t) + again.capacity, e.n);
    assert_under_the_caps(t);

    free(bundle);
    hz_node_close(m);
    unit_entries_free(&e);
    world_close(&w);
}

/* A database of format 2 kept no count of strangers: opened for writing,
 * it counts what it holds. */
static void an_older_database_counts_its_strangers(void **state)
{
    (void)state;
    struct world w;
    world_open(&w);
    hz_node *t = w.target.n;
    struct unit_entries e = {0};
    flood(t->network, 0, 100, &e);
    assert_int_equal(unit_deliver(t, &e, NULL), 0);
    int64_t held = stranger_rows(t);
    assert_int_equal(held, (int64_t)e.n);
    unit_format_4(t);
    assert_int_equal(sqlite3_exec(t->db.conn,
                                  UNIT_FORMAT_3_W "DELETE FROM stranger;"
                                                  " PRAGMA user_version = 2",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    hz_node_close(t);
    struct hz_node_opts opts = {.version = HZ_NODE_OPTS_VERSION,
                                .env = &w.target.env.env};
    struct hz_err err = {0};
    if (hz_node_open(w.target.dir, &opts, &w.target.n, &err) != 0)
        fail_msg("open: %s", err.msg);
    t = w.target.n;
    assert_int_equal(stranger_rows(t), held);
    assert_int_equal(unit_sql_int(t, "PRAGMA user_version"), HZ_DB_FORMAT);
    unit_entries_free(&e);
    world_close(&w);
}

/* ---- a long pending chain */

/* 20,000 entries of one author arriving last first, in batches: each
 * waits ahead of the gap until seq 1 comes, then all apply. Counts and
 * the pending area's bookkeeping, not times (the scaling benchmark
 * measures the cost: tools/bench/scale.sh). */
static void a_long_chain_arriving_backwards_applies_whole(void **state)
{
    (void)state;
    enum { CHAIN = 20000, BATCH = 512 };
    struct unit_env eu;
    unit_env_init(&eu, 5, UNIT_T0_MS);
    hz_node *n = unit_node_memory(0xd1, &eu);
    struct unit_author x;
    unit_author_init(&x, 0x5d);
    struct unit_entries es = {0};
    struct enc body;
    enc_init(&body);
    uint8_t row[HZ_ROW_LEN] = {0xd1};
    for (uint32_t i = 0; i < CHAIN; i++) {
        memcpy(row + 1, &i, sizeof i);
        struct value v = {.type = VALUE_INT, .i = 1 + i % 50};
        unit_body_set(&body, 1, "households", row, "members", &v, 0, NULL);
        unit_author_next(&x, (UNIT_T0_MS << 16) + i, &body, &es, NULL);
    }
    /* Reverse the entries: the last first. */
    for (size_t i = 0; i < es.n / 2; i++) {
        uint8_t *p = es.p[i];
        size_t l = es.len[i];
        es.p[i] = es.p[es.n - 1 - i];
        es.len[i] = es.len[es.n - 1 - i];
        es.p[es.n - 1 - i] = p;
        es.len[es.n - 1 - i] = l;
    }
    uint64_t pending_seen = 0, applied = 0;
    for (size_t from = 0; from < es.n; from += BATCH) {
        size_t count = es.n - from < BATCH ? es.n - from : BATCH;
        struct hz_ingest_stats st = {0};
        assert_int_equal(unit_deliver_range(n, &es, from, count, &st), 0);
        assert_int_equal(accounted(&st), count);
        applied += st.applied + st.released;
        if (from + count < es.n) {
            assert_int_equal(st.pending, count);
            pending_seen += st.pending;
            assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"),
                             (int64_t)pending_seen);
            assert_int_equal(
                unit_sql_int(n, "SELECT n FROM pending_count WHERE author ="
                                " X''"),
                (int64_t)pending_seen);
        }
    }
    assert_int_equal(applied, CHAIN);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM pending"), 0);
    assert_int_equal(unit_sql_int(n, "SELECT coalesce(sum(n), 0) FROM"
                                     " pending_count"),
                     0);
    assert_int_equal(unit_sql_int(n, "SELECT count(*) FROM log WHERE"
                                     " state = 0"),
                     CHAIN);
    enc_close(&body);
    unit_entries_free(&es);
    unit_author_close(&x);
    hz_node_close(n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_flood_of_fresh_keys_leaves_the_disk_bounded),
        cmocka_unit_test(a_bundle_of_strangers_is_capped_per_source),
        cmocka_unit_test(a_revoked_device_counts_past_its_cut_off),
        cmocka_unit_test(an_older_database_counts_its_strangers),
        cmocka_unit_test(a_long_chain_arriving_backwards_applies_whole),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
