/* test_sim_clock.c - causality and clocks, scenario by scenario (issue 2;
 * DESIGN, "Causality and clocks"; DECISIONS 8).
 *
 * A node whose clock says 1970 or 2038 still converges, its causally
 * later edits still win, and its skew is reported; a far-future clock
 * does not drag other nodes' clocks with it. Each scenario also states
 * its contrast, so it fails if the clock, not causality, decided. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim.h"

#include "core/entry.h"
#include "core/limits.h"
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

#define HOUSEHOLD "0123456789abcdef0123456789abcdef"

static struct sim_world *world(int n, const enum sim_clock *clocks)
{
    return sim_world_new(UINT64_C(20380119), n, clocks);
}

/* One field of one row, written by @node as one action. */
static void set(struct sim_world *w, int node, const char *col,
                const char *value)
{
    hz_batch *b = NULL;
    struct hz_err err = {0};
    assert_int_equal(hz_batch_open(w->nodes[node].node, &b, &err), 0);
    struct hz_field f = {col, value};
    assert_int_equal(
        hz_batch_put(b, "households", HOUSEHOLD, 1, &f, NULL, &err), 0);
    size_t n_entries = 0;
    int rv = hz_node_commit(w->nodes[node].node, b, &n_entries, &err);
    hz_batch_close(b);
    if (rv != 0)
        fail_msg("commit on node %d: %s (%s)", node, hz_errname(rv), err.msg);
    assert_int_equal(n_entries, 1);
    sim_wrote(w, node);
}

/* The household's @col as node @node shows it (owned; NULL if unset). */
static char *get(struct sim_world *w, int node, const char *col)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv =
        hz_node_get(w->nodes[node].node, "households", HOUSEHOLD, &text, &err);
    json_t *j = sim_json(w, "get", rv, text, &err);
    const json_t *v = json_object_get(j, col);
    char *out = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    json_decref(j);
    return out;
}

static void assert_value(struct sim_world *w, int node, const char *col,
                         const char *want)
{
    char *got = get(w, node, col);
    if (got == NULL || strcmp(got, want) != 0)
        fail_msg("node %d shows %s = %s, expected %s", node, col,
                 got ? got : "(none)", want);
    free(got);
}

/* Conflicts kept for review on @node, as a JSON array. */
static size_t n_conflicts(struct sim_world *w, int node)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_conflicts(w->nodes[node].node, &text, &err);
    json_t *j = sim_json(w, "conflicts", rv, text, &err);
    size_t n = json_array_size(j);
    json_decref(j);
    return n;
}

static void assert_same_hash(struct sim_world *w)
{
    char h0[2 * HZ_HASH_LEN + 1], h[2 * HZ_HASH_LEN + 1];
    sim_state_hash(w, 0, h0);
    for (int i = 1; i < w->n_nodes; i++) {
        sim_state_hash(w, i, h);
        assert_string_equal(h, h0);
    }
}

struct newest {
    const uint8_t *author;
    uint64_t seq;
    uint64_t clock;
};

static int newest_cb(void *data, const uint8_t *p, size_t len)
{
    struct newest *n = data;
    struct entry e;
    int rv = entry_decode(&e, p, len, NULL);
    if (rv == 0 && memcmp(e.author, n->author, HZ_KEY_LEN) == 0 &&
        e.seq > n->seq) {
        n->seq = e.seq;
        n->clock = e.clock;
    }
    return rv;
}

/* The clock, in ms, of @author's newest entry among those @node holds:
 * read from store_relay_each's bytes with entry_decode. */
static uint64_t newest_clock_ms(struct sim_world *w, int node, int author)
{
    struct newest n = {.author = w->nodes[author].pk};
    struct hz_err err = {0};
    assert_int_equal(store_relay_each(w->nodes[node].node, newest_cb, &n, &err),
                     0);
    assert_true(n.seq > 0);
    return n.clock >> 16;
}

static bool lists_skewed(struct sim_world *w, int node, int author)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_status(w->nodes[node].node, &text, &err);
    json_t *j = sim_json(w, "status", rv, text, &err);
    const json_t *skewed = json_object_get(j, "skewed_authors");
    bool listed = false;
    for (size_t i = 0; i < json_array_size(skewed); i++) {
        const json_t *a = json_object_get(json_array_get(skewed, i), "author");
        listed |= strcmp(json_string_value(a), w->nodes[author].key_hex) == 0;
    }
    json_decref(j);
    return listed;
}

/* ---- scenarios */

/* Node 1 (clock at 1970) edits a field after it received node 0's write
 * made in 2038: its edit wins on every node, in whichever order they get
 * the two entries, and no conflict is listed. */
static void later_edit_on_1970_node_wins_over_2038_write(void **state)
{
    (void)state;
    enum sim_clock clocks[] = {SIM_CLOCK_2038, SIM_CLOCK_1970,
                               SIM_CLOCK_CORRECT, SIM_CLOCK_CORRECT};
    struct sim_world *w = world(4, clocks);
    set(w, 0, "status", "evacuated");
    sim_sync(w, 0, 1);
    set(w, 1, "status", "sheltered");
    /* The 1970 edit carries the lower clock: only causality can make it
     * win. */
    assert_true(newest_clock_ms(w, 1, 1) < newest_clock_ms(w, 0, 0));
    size_t early = sim_entry_of(w, 0, 1), late = sim_entry_of(w, 1, 1);
    sim_deliver(w, 2, &late, 1); /* node 2: the later edit first */
    sim_deliver(w, 2, &early, 1);
    sim_deliver(w, 3, &early, 1); /* node 3: in the order they were made */
    sim_deliver(w, 3, &late, 1);
    sim_deliver(w, 0, &late, 1);
    assert_true(sim_quiescent(w));
    for (int i = 0; i < 4; i++) {
        assert_value(w, i, "status", "sheltered");
        assert_int_equal(n_conflicts(w, i), 0);
    }
    assert_same_hash(w);
    sim_world_free(w);
}

/* The contrast: when node 1 had not seen the 2038 write, the two writes
 * are concurrent. Every node shows the same winner, by clock (2038), and
 * lists the conflict; a later edit by the 1970 node that has seen both
 * resolves it everywhere. */
static void concurrent_edits_listed_until_1970_node_resolves(void **state)
{
    (void)state;
    enum sim_clock clocks[] = {SIM_CLOCK_2038, SIM_CLOCK_1970,
                               SIM_CLOCK_CORRECT};
    struct sim_world *w = world(3, clocks);
    set(w, 0, "status", "evacuated");
    set(w, 1, "status", "sheltered");
    sim_quiesce(w);
    for (int i = 0; i < 3; i++) {
        assert_value(w, i, "status", "evacuated");
        assert_int_equal(n_conflicts(w, i), 1);
    }
    assert_same_hash(w);
    set(w, 1, "status", "home");
    sim_quiesce(w);
    for (int i = 0; i < 3; i++) {
        assert_value(w, i, "status", "home");
        assert_int_equal(n_conflicts(w, i), 0);
    }
    assert_same_hash(w);
    sim_world_free(w);
}

/* Node 1 keeps correct time and receives an entry from node 0, whose
 * clock is in 2038. Node 1's next entry is stamped no further than its
 * own wall time plus HZ_CLOCK_SKEW_MS_MAX, node 0 is listed as skewed,
 * and node 2, which only hears from node 1, is not dragged either. */
static void correct_node_not_dragged_by_2038_clock(void **state)
{
    (void)state;
    enum sim_clock clocks[] = {SIM_CLOCK_2038, SIM_CLOCK_CORRECT,
                               SIM_CLOCK_CORRECT};
    struct sim_world *w = world(3, clocks);
    set(w, 0, "status", "evacuated");
    sim_sync(w, 0, 1);
    set(w, 1, "members", "4");
    uint64_t wall = w->nodes[1].wall_ms;
    uint64_t ms = newest_clock_ms(w, 1, 1);
    assert_true(ms >= wall);
    assert_true(ms <= wall + HZ_CLOCK_SKEW_MS_MAX);
    assert_true(lists_skewed(w, 1, 0));
    assert_false(lists_skewed(w, 1, 1));

    /* Node 2 hears only node 1: nothing skewed, nothing dragged. */
    size_t idx = sim_entry_of(w, 1, 1);
    sim_deliver(w, 2, &idx, 1);
    assert_false(lists_skewed(w, 2, 1));
    sim_advance(w, 1000);
    set(w, 2, "cadre", "测试甲");
    assert_true(newest_clock_ms(w, 2, 2) <=
                w->nodes[2].wall_ms + HZ_CLOCK_SKEW_MS_MAX);

    /* Once node 2 has node 0's entry it reports it too, and everything
     * converges. */
    sim_quiesce(w);
    assert_true(lists_skewed(w, 2, 0));
    assert_false(lists_skewed(w, 2, 1));
    for (int i = 0; i < 3; i++) {
        assert_value(w, i, "status", "evacuated");
        assert_value(w, i, "cadre", "测试甲");
    }
    assert_same_hash(w);
    sim_world_free(w);
}

/* A Pi booted without a real-time clock (1970) writes; nodes at correct
 * time apply its entries, converge with it, and report it as skewed; it
 * reports them in turn. */
static void node_at_1970_converges_and_is_reported_skewed(void **state)
{
    (void)state;
    enum sim_clock clocks[] = {SIM_CLOCK_1970, SIM_CLOCK_CORRECT,
                               SIM_CLOCK_CORRECT};
    struct sim_world *w = world(3, clocks);
    set(w, 0, "status", "evacuated");
    set(w, 1, "members", "3");
    set(w, 2, "cadre", "测试乙");
    sim_quiesce(w);
    assert_true(lists_skewed(w, 1, 0));
    assert_true(lists_skewed(w, 2, 0));
    assert_true(lists_skewed(w, 0, 1));
    assert_false(lists_skewed(w, 1, 2));
    for (int i = 0; i < 3; i++) {
        assert_value(w, i, "status", "evacuated");
        assert_value(w, i, "cadre", "测试乙");
        assert_int_equal(n_conflicts(w, i), 0);
    }
    assert_same_hash(w);
    sim_world_free(w);
}

/* A node writes in 2038, then its clock is reset to 1970 (a flat RTC
 * battery) and it writes the field again: its later write wins on every
 * node although its clock is lower, also on a node that receives the two
 * entries in reverse order (the later one waits as pending). */
static void same_author_later_write_wins_after_clock_jumps_back(void **state)
{
    (void)state;
    enum sim_clock clocks[] = {SIM_CLOCK_2038, SIM_CLOCK_CORRECT};
    struct sim_world *w = world(2, clocks);
    set(w, 0, "status", "evacuated");
    uint64_t first = newest_clock_ms(w, 0, 0);
    sim_set_clock(w, 0, SIM_CLOCK_1970);
    set(w, 0, "status", "home");
    assert_true(newest_clock_ms(w, 0, 0) < first);
    size_t e2 = sim_entry_of(w, 0, 2), e1 = sim_entry_of(w, 0, 1);
    sim_deliver(w, 1, &e2, 1); /* pending: seq 1 is missing */
    sim_deliver(w, 1, &e1, 1);
    assert_true(sim_quiescent(w));
    for (int i = 0; i < 2; i++) {
        assert_value(w, i, "status", "home");
        assert_int_equal(n_conflicts(w, i), 0);
    }
    assert_same_hash(w);
    sim_world_free(w);
}

/* Node 0 writes a field, node 1 overwrites it after seeing that, node 0
 * overwrites it again after seeing node 1's write. Node 2 receives node
 * 0's two entries but not yet node 1's: node 0's second write supersedes
 * its first (an author's later write supersedes its earlier ones), so no
 * conflict is shown while node 1's entry is missing. */
static void own_later_write_supersedes_while_write_between_missing(void **state)
{
    (void)state;
    enum sim_clock clocks[] = {SIM_CLOCK_CORRECT, SIM_CLOCK_CORRECT,
                               SIM_CLOCK_CORRECT};
    struct sim_world *w = world(3, clocks);
    set(w, 0, "status", "evacuated");
    sim_sync(w, 0, 1);
    set(w, 1, "status", "sheltered");
    sim_sync(w, 1, 0);
    set(w, 0, "status", "home");
    size_t e[2] = {sim_entry_of(w, 0, 1), sim_entry_of(w, 0, 2)};
    sim_deliver(w, 2, e, 2);
    assert_value(w, 2, "status", "home");
    assert_int_equal(n_conflicts(w, 2), 0);
    sim_quiesce(w);
    for (int i = 0; i < 3; i++) {
        assert_value(w, i, "status", "home");
        assert_int_equal(n_conflicts(w, i), 0);
    }
    assert_same_hash(w);
    sim_world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(later_edit_on_1970_node_wins_over_2038_write),
        cmocka_unit_test(concurrent_edits_listed_until_1970_node_resolves),
        cmocka_unit_test(correct_node_not_dragged_by_2038_clock),
        cmocka_unit_test(node_at_1970_converges_and_is_reported_skewed),
        cmocka_unit_test(same_author_later_write_wins_after_clock_jumps_back),
        cmocka_unit_test(
            own_later_write_supersedes_while_write_between_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
