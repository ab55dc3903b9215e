/* test_sim_delivery.c - what store_relay_ingest reports about a batch (struct
 * hz_ingest_stats; DECISIONS 24: an import that leaves entries pending
 * says so and prints the counts).
 *
 * Entries ahead of a gap wait as pending; an entry that closes a gap
 * releases those waiting behind it, possibly from an earlier batch. The
 * counts may move a released entry from "pending" to "applied", but an
 * entry of the batch that is still waiting when the batch ends must be
 * counted as pending. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim.h"

#include "store/internal.h"

#include <string.h>

/* Node 0 writes @n entries; node 1 receives them as the test says. */
static struct sim_world *world(int n)
{
    enum sim_clock clocks[] = {SIM_CLOCK_CORRECT, SIM_CLOCK_CORRECT};
    struct sim_world *w = sim_world_new(UINT64_C(7), 2, clocks);
    for (int i = 0; i < n; i++) {
        hz_batch *b = NULL;
        struct hz_err err = {0};
        assert_int_equal(hz_batch_open(w->nodes[0].node, &b, &err), 0);
        struct hz_field f = {"name", "测试被褥"};
        assert_int_equal(hz_batch_put(b, "items", NULL, 1, &f, NULL, &err), 0);
        assert_int_equal(hz_node_commit(w->nodes[0].node, b, NULL, &err), 0);
        hz_batch_close(b);
        sim_wrote(w, 0);
    }
    return w;
}

/* Give node 1 node 0's entries @seqs (0-terminated) in one batch,
 * directly, and return the counts. */
static struct hz_ingest_stats batch(struct sim_world *w, const int *seqs)
{
    const uint8_t *p[8];
    size_t len[8], n = 0;
    for (; seqs[n] != 0; n++) {
        const struct sim_entry *e =
            sim_entry(w, sim_entry_of(w, 0, (uint64_t)seqs[n]));
        p[n] = e->bytes;
        len[n] = e->len;
    }
    struct hz_ingest_stats st = {0};
    struct hz_err err = {0};
    assert_int_equal(store_relay_ingest(w->nodes[1].node, n, p, len, &st, &err),
                     0);
    assert_int_equal(st.entries, n);
    return st;
}

static int64_t pending_on_node(struct sim_world *w, int node)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_status(w->nodes[node].node, &text, &err);
    json_t *j = sim_json(w, "status", rv, text, &err);
    json_int_t pending = json_integer_value(
        json_object_get(json_object_get(j, "entries"), "pending"));
    json_decref(j);
    return (int64_t)pending;
}

/* Seq 3 waits (batch 1); seq 1 arrives (batch 2); then one batch brings
 * seq 5, which must wait for seq 4, and seq 2, which releases seq 3 from
 * batch 1. Seq 5 is still pending when the batch ends. */
static void batch_counts_its_entries_still_pending(void **state)
{
    (void)state;
    struct sim_world *w = world(5);
    struct hz_ingest_stats st = batch(w, (const int[]){3, 0});
    assert_int_equal(st.pending, 1);
    st = batch(w, (const int[]){1, 0});
    assert_int_equal(st.applied, 1);
    st = batch(w, (const int[]){5, 2, 0});
    assert_int_equal(pending_on_node(w, 1), 1); /* seq 5 waits */
    if (st.pending != 1)
        print_error("batch [5, 2]: applied %llu, pending %llu\n",
                    (unsigned long long)st.applied,
                    (unsigned long long)st.pending);
    bool ok = st.pending == 1 && st.applied >= 1 && st.applied <= 2;
    sim_world_free(w);
    assert_true(ok);
}

/* For contrast, a batch that closes its own gaps: seqs 3 and 2 wait until
 * seq 1 arrives, and nothing is left pending. However released entries
 * are counted, the counts stay within what happened. */
static void batch_in_reverse_order_applies_everything(void **state)
{
    (void)state;
    struct sim_world *w = world(3);
    struct hz_ingest_stats st = batch(w, (const int[]){3, 2, 1, 0});
    assert_int_equal(pending_on_node(w, 1), 0);
    assert_int_equal(st.duplicate, 0);
    assert_true(st.applied >= 1 && st.applied <= 3);
    assert_true(st.pending <= 2);
    sim_world_free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(batch_counts_its_entries_still_pending),
        cmocka_unit_test(batch_in_reverse_order_applies_everything),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
