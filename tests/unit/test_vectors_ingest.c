/* test_vectors_ingest.c - proto/vectors/ingest.json: entries taken in one
 * at a time (proto/entry.md, "Taking an entry in", "Verdicts", "Pending";
 * proto/merge.md, "Forks").
 *
 * Each case, on a fresh node, gives the result stated at every step, and
 * leaves the log with the verdicts stated, the pending entries at their
 * seq, the fork evidence with its points, and the state hash. Beside the
 * file: the fork point does not depend on the order the evidence arrives
 * in, even past the cap on evidence kept per author. */
#include "vectors_common.h"

#include "core/codec.h"
#include "core/entry.h"
#include "core/identity.h"
#include "core/limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Column 0 of the row @sql selects for the id @id_hex (its parameter
 * ?1), which must exist. */
static int64_t by_id(hz_node *n, const char *sql, const char *id_hex)
{
    uint8_t id[HZ_HASH_LEN];
    unhex_fixed(id_hex, id, HZ_HASH_LEN);
    sqlite3_stmt *st;
    struct hz_err err = {0};
    assert_int_equal(db_prep(&n->db, sql, &st, &err), 0);
    sqlite3_bind_blob(st, 1, id, HZ_HASH_LEN, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

/* The steps of case @c, each in its own transaction on @n: each gives
 * the result stated. */
static void take_in_steps(hz_node *n, const json_t *c, const json_t *entries)
{
    size_t si;
    json_t *s;
    json_array_foreach(json_object_get(c, "steps"), si, s)
    {
        const char *want = str(s, "entry");
        struct bytes b = {NULL, 0};
        size_t ei;
        json_t *e;
        json_array_foreach(entries, ei, e)
        {
            if (strcmp(str(e, "name"), want) == 0)
                b = unhex(str(e, "entry"));
        }
        assert_non_null(b.p);
        enum ingest_result res;
        struct hz_err why = {0};
        assert_int_equal(ingest_one(n, &b, &res, &why), 0);
        static const char *const names[] = {
            [INGEST_APPLIED] = "applied", [INGEST_DUPLICATE] = "duplicate",
            [INGEST_PENDING] = "pending", [INGEST_REJECTED] = "rejected",
            [INGEST_HELD] = "held",       [INGEST_STOPPED] = "stopped",
            [INGEST_FORK] = "fork",
        };
        if (strcmp(names[res], str(s, "result")) != 0)
            fail_msg("%s step %zu: %s", str(c, "name"), si, names[res]);
        free(b.p);
    }
}

/* What @n stores is what @after states: its state hash, its log with
 * the verdicts, the pending entries at their seq, the fork evidence with
 * its points. */
static void node_holds(hz_node *n, const json_t *after)
{
    char hash[2 * HZ_HASH_LEN + 1];
    state_hash(n, hash);
    assert_string_equal(hash, str(after, "state_hash"));
    assert_int_equal(count_rows(n, "log"),
                     (int64_t)json_array_size(json_object_get(after, "log")));
    assert_int_equal(
        count_rows(n, "pending"),
        (int64_t)json_array_size(json_object_get(after, "pending")));
    assert_int_equal(count_rows(n, "forks"),
                     (int64_t)json_array_size(json_object_get(after, "forks")));
    size_t li;
    json_t *l;
    json_array_foreach(json_object_get(after, "log"), li, l)
    {
        static const char *const verdicts[] = {"applied", "rejected", "held",
                                               "stopped"};
        int64_t v =
            by_id(n, "SELECT state FROM log WHERE id = ?1", str(l, "id"));
        assert_string_equal(verdicts[v], str(l, "verdict"));
    }
    json_array_foreach(json_object_get(after, "pending"), li, l)
    {
        assert_int_equal(
            by_id(n, "SELECT seq FROM pending WHERE id = ?1", str(l, "id")),
            num(l, "seq"));
    }
    json_array_foreach(json_object_get(after, "forks"), li, l)
    {
        assert_int_equal(
            by_id(n, "SELECT point FROM forks WHERE id = ?1", str(l, "id")),
            num(l, "point"));
    }
}

static void ingest_steps_give_the_labelled_results(void **state)
{
    json_t *root = load(state, "ingest.json");
    const json_t *entries = json_object_get(root, "entries");
    size_t ci;
    json_t *c;
    json_array_foreach(json_object_get(root, "cases"), ci, c)
    {
        struct world w;
        hz_node *n = memory_node(&w, 0x09, T0_MS + 3600000);
        take_in_steps(n, c, entries);
        node_holds(n, json_object_get(c, "after"));
        hz_node_close(n);
    }
    json_decref(root);
}

/* ---- the fork point, whatever the order of the evidence */

/* One entry of the author @id: households row ...0a, grid = @grid. */
static struct bytes fork_entry(const struct identity *id, uint64_t seq,
                               const uint8_t *prev, const char *grid)
{
    static const uint8_t net[HZ_NET_LEN] = "huzhu-no-network";
    uint8_t row[HZ_ROW_LEN] = {0x10};
    row[HZ_ROW_LEN - 1] = 0x0a;
    struct enc b, out;
    enc_init(&b);
    enc_init(&out);
    enc_array(&b, 2);
    enc_uint(&b, 1);
    enc_array(&b, 1);
    enc_array(&b, 4);
    enc_uint(&b, 0);
    enc_cstr(&b, "households");
    enc_bin(&b, row, HZ_ROW_LEN);
    enc_array(&b, 1);
    enc_array(&b, 3);
    enc_cstr(&b, "grid");
    enc_cstr(&b, grid);
    enc_array(&b, 0);
    struct entry e = {.version = 1, .seq = seq, .clock = T0_MS << 16};
    memcpy(e.network, net, HZ_NET_LEN);
    memcpy(e.author, id->pk, HZ_KEY_LEN);
    if (prev != NULL)
        memcpy(e.prev, prev, HZ_HASH_LEN);
    e.body = (struct hz_bytes){enc_data(&b), enc_len(&b)};
    assert_int_equal(entry_sign(&e, id->sk, &out), 0);
    struct bytes r = {malloc(enc_len(&out)), enc_len(&out)};
    assert_non_null(r.p);
    memcpy(r.p, enc_data(&out), r.len);
    enc_close(&b);
    enc_close(&out);
    return r;
}

/* proto/merge.md, "Forks": the author's fork point is the lowest point
 * any evidence proved, whatever order the evidence came in, although a
 * node keeps only HZ_FORK_EVIDENCE_MAX pieces per author: more forked
 * entries than that, arriving from the top down, must still stop the
 * chain where the ones arriving from the bottom up stop it. */
static void fork_point_does_not_depend_on_arrival_order(void **state)
{
    (void)state;
    enum { N = HZ_FORK_EVIDENCE_MAX + 6 };
    uint8_t seed[32];
    memset(seed, 0x0a, sizeof seed);
    struct identity id;
    identity_from_seed(&id, seed);
    struct bytes main_chain[N + 1], branch[N + 1];
    uint8_t prev[HZ_HASH_LEN];
    char grid[32];
    for (uint64_t s = 1; s <= N; s++) {
        snprintf(grid, sizeof grid, "main %u", (unsigned)s);
        main_chain[s] = fork_entry(&id, s, s > 1 ? prev : NULL, grid);
        struct entry e;
        struct hz_err err = {0};
        assert_int_equal(
            entry_decode(&e, main_chain[s].p, main_chain[s].len, &err), 0);
        memcpy(prev, e.id, HZ_HASH_LEN);
        if (s == 1)
            branch[1] = main_chain[1];
    }
    struct entry first;
    struct hz_err err = {0};
    assert_int_equal(
        entry_decode(&first, main_chain[1].p, main_chain[1].len, &err), 0);
    memcpy(prev, first.id, HZ_HASH_LEN);
    for (uint64_t s = 2; s <= N; s++) {
        snprintf(grid, sizeof grid, "branch %u", (unsigned)s);
        branch[s] = fork_entry(&id, s, prev, grid);
        struct entry e;
        assert_int_equal(entry_decode(&e, branch[s].p, branch[s].len, &err), 0);
        memcpy(prev, e.id, HZ_HASH_LEN);
    }
    char hash[2][2 * HZ_HASH_LEN + 1];
    for (int order = 0; order < 2; order++) {
        struct world w;
        hz_node *n = memory_node(&w, 0x09, T0_MS);
        enum ingest_result res;
        struct hz_err why = {0};
        for (uint64_t s = 1; s <= N; s++)
            assert_int_equal(ingest_one(n, &main_chain[s], &res, &why), 0);
        for (uint64_t k = 2; k <= N; k++) {
            uint64_t s = order == 0 ? k : N + 2 - k; /* up, or down */
            assert_int_equal(ingest_one(n, &branch[s], &res, &why), 0);
        }
        state_hash(n, hash[order]);
        hz_node_close(n);
    }
    for (uint64_t s = 1; s <= N; s++)
        free(main_chain[s].p);
    for (uint64_t s = 2; s <= N; s++)
        free(branch[s].p);
    identity_close(&id);
    assert_string_equal(hash[0], hash[1]);
}

int main(int argc, char **argv)
{
    void *dir = vectors_dir(argc, argv, "test_vectors_ingest");
    if (dir == NULL)
        return 2;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_prestate(ingest_steps_give_the_labelled_results, dir),
        cmocka_unit_test_prestate(fork_point_does_not_depend_on_arrival_order,
                                  dir),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
