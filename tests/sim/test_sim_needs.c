/* test_sim_needs.c - needs, offers and matching, and donations and their
 * use, across many nodes (issue 16; proto/schema.md, "Needs, offers and
 * matches", "Donations and their use"): every node promises offers to
 * needs as far as it sees something left, cancels promises and receives
 * goods against them, and commits, disburses and spends what it sees left
 * of donations or reverses a use, concurrently, with only some syncs
 * between rounds; then every node receives every entry in its own random
 * order. All must hold one state and read the same views, and every
 * need's and offer's promised, received and over-promised figures, and
 * every donation's committed, used, balance and overdrawn figures and the
 * disclosure's totals, must be those of a small reference model of the
 * operations written (DECISIONS 25), so a promise or a spending made apart
 * that together with another exceeds a need or a donation is kept and
 * flagged on every node, never dropped.
 *
 * HUZHU_SIM_SEEDS / 10 seeds run (60 without it), from
 * HUZHU_SIM_SEED_FIRST; HUZHU_SIM_SEED=<n> replays one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* About 0.04 s of CPU a seed (RelWithDebInfo), ten times that under the
 * sanitizers: HUZHU_SIM_SEEDS counts tenths here (the sanitizer pass's
 * 200 run 20 seeds), as sim.property scales it, so this test adds
 * seconds, not minutes, to either pass. */
#define SEEDS_DEFAULT 60
#define NODES 4
#define NEEDS 3
#define OFFERS 3
#define ROUNDS 6
#define MATCHES_MAX (ROUNDS * NODES * 2)
#define DONATIONS 2
#define USES_MAX (ROUNDS * NODES)
#define ID_HEX (2 * HZ_ROW_LEN + 1)

static const char *const SITE = "5173000000000000000000000000000a";
static const char *const ITEM = "17e3000000000000000000000000000a";

/* The reference model: what was written, and nothing the product
 * computes. */
struct m_match {
    char id[ID_HEX];
    int need, offer;
    int64_t qty, received;
    bool cancelled;
};

/* A ledger row: @kind 0 commitment, 1 disbursement, 2 expenditure. */
struct m_use {
    char id[ID_HEX];
    int donation, kind;
    int64_t amount;
    bool reversed;
};

struct model {
    char need[NEEDS][ID_HEX], offer[OFFERS][ID_HEX];
    int64_t need_qty[NEEDS], offer_qty[OFFERS];
    struct m_match m[MATCHES_MAX];
    size_t n;
    char donation[DONATIONS][ID_HEX];
    int64_t donation_amount[DONATIONS];
    struct m_use u[USES_MAX];
    size_t n_uses;
};

struct totals {
    unsigned long matches, cancels, receipts, over_needs, over_offers;
    unsigned long uses, reversals, overdrawn;
};

static const char *const LEDGER_KINDS[] = {"commitment", "disbursement",
                                           "expenditure"};

static json_t *view(struct sim_world *w, int node, const char *name)
{
    char *text = NULL;
    struct hz_err err = {0};
    int rv = hz_node_view(w->nodes[node].node, name, &text, &err);
    return sim_json(w, name, rv, text, &err);
}

static struct m_match *match_of(struct model *m, const char *id)
{
    for (size_t i = 0; i < m->n; i++)
        if (strcmp(m->m[i].id, id) == 0)
            return &m->m[i];
    return NULL;
}

/* Node 0 writes the site, the item, the needs and the offers; everyone
 * gets them. */
static void setup(struct sim_world *w, struct model *m)
{
    const struct hz_field site[] = {{"name", "测试安置点"}};
    sim_put(w, 0, "sites", SITE, 1, site, NULL);
    const struct hz_field item[] = {{"name", "测试矿泉水"}, {"unit", "箱"}};
    sim_put(w, 0, "items", ITEM, 2, item, NULL);
    for (int i = 0; i < NEEDS + OFFERS; i++) {
        bool need = i < NEEDS;
        int64_t qty = 5 + (int64_t)sim_below(&w->rng, 16);
        char q[24];
        snprintf(q, sizeof q, "%" PRId64, qty);
        const struct hz_field f[] = {{"what", "测试矿泉水"},
                                     {"qty", q},
                                     {"category", "water"},
                                     {"item", ITEM},
                                     {"site", SITE}};
        if (need) {
            sim_put(w, 0, "needs", NULL, 5, f, m->need[i]);
            m->need_qty[i] = qty;
        } else {
            sim_put(w, 0, "offers", NULL, 5, f, m->offer[i - NEEDS]);
            m->offer_qty[i - NEEDS] = qty;
        }
    }
    for (int i = 0; i < DONATIONS; i++) {
        int64_t amount = 1000 + (int64_t)sim_below(&w->rng, 9000);
        char a[24];
        snprintf(a, sizeof a, "%" PRId64, amount);
        const struct hz_field f[] = {
            {"amount", a}, {"kind", "money"}, {"time", "1717200000"}};
        sim_put(w, 0, "donations", NULL, 3, f, m->donation[i]);
        m->donation_amount[i] = amount;
    }
    sim_quiesce(w);
}

/* A random element of @rows for which @ok holds, or NULL. */
static json_t *pick(struct sim_world *w, json_t *rows, bool (*ok)(json_t *row))
{
    json_t *cand[MATCHES_MAX + NEEDS + OFFERS];
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        if (ok(r) && n < sizeof cand / sizeof cand[0])
            cand[n++] = r;
    }
    return n > 0 ? cand[sim_below(&w->rng, n)] : NULL;
}

static bool has_left(json_t *r)
{
    const char *st = sim_str(r, "state");
    return sim_num(r, "qty") > sim_num(r, "promised") &&
           (st == NULL ||
            (strcmp(st, "closed") != 0 && strcmp(st, "cancelled") != 0 &&
             strcmp(st, "withdrawn") != 0));
}

static bool is_live(json_t *r)
{
    return json_is_null(json_object_get(r, "cancelled_by"));
}

/* A promise of what the node sees left of a need and an offer. */
static void promise(struct sim_world *w, int node, struct model *m,
                    struct totals *t)
{
    json_t *needs = view(w, node, "needs"), *offers = view(w, node, "offers");
    json_t *n = pick(w, needs, has_left), *o = pick(w, offers, has_left);
    if (n != NULL && o != NULL && m->n < MATCHES_MAX) {
        int64_t left = sim_num(n, "qty") - sim_num(n, "promised");
        int64_t oleft = sim_num(o, "qty") - sim_num(o, "promised");
        int64_t qty = 1 + (int64_t)sim_below(
                              &w->rng, (uint64_t)(left < oleft ? left : oleft));
        char q[24];
        snprintf(q, sizeof q, "%" PRId64, qty);
        const struct hz_field f[] = {{"need", sim_str(n, "need")},
                                     {"offer", sim_str(o, "offer")},
                                     {"qty", q},
                                     {"time", "1717200000"}};
        struct m_match *x = &m->m[m->n++];
        sim_put(w, node, "matches", NULL, 4, f, x->id);
        x->need = sim_index_of((const char(*)[ID_HEX])m->need, NEEDS,
                               sim_str(n, "need"));
        x->offer = sim_index_of((const char(*)[ID_HEX])m->offer, OFFERS,
                                sim_str(o, "offer"));
        x->qty = qty;
        x->received = 0;
        x->cancelled = false;
        t->matches++;
    }
    json_decref(needs);
    json_decref(offers);
}

/* A cancellation, or goods received, against a promise the node sees
 * live. */
static void follow_up(struct sim_world *w, int node, struct model *m,
                      struct totals *t, bool cancel)
{
    json_t *ms = view(w, node, "matches");
    json_t *r = pick(w, ms, is_live);
    struct m_match *x = r != NULL ? match_of(m, sim_str(r, "match")) : NULL;
    if (x != NULL && cancel) {
        char q[24];
        snprintf(q, sizeof q, "%" PRId64, x->qty);
        const struct hz_field f[] = {{"need", m->need[x->need]},
                                     {"offer", m->offer[x->offer]},
                                     {"qty", q},
                                     {"reverses", x->id},
                                     {"time", "1717200100"}};
        sim_put(w, node, "matches", NULL, 5, f, NULL);
        x->cancelled = true;
        t->cancels++;
    } else if (x != NULL) {
        int64_t qty = 1 + (int64_t)sim_below(&w->rng, (uint64_t)x->qty);
        char q[24];
        snprintf(q, sizeof q, "%" PRId64, qty);
        const struct hz_field f[] = {
            {"kind", "received"}, {"match", x->id}, {"qty", q},
            {"site", SITE},       {"item", ITEM},   {"time", "1717200200"}};
        sim_put(w, node, "stock_moves", NULL, 6, f, NULL);
        x->received += qty;
        t->receipts++;
    }
    json_decref(ms);
}

/* A commitment, a disbursement or an expenditure of what the node sees
 * left of a donation; or, now and then, the reversal of a use it sees
 * counted. */
static void use_donation(struct sim_world *w, int node, struct model *m,
                         struct totals *t)
{
    if (m->n_uses > 0 && sim_chance(&w->rng, 20)) {
        json_t *ls = view(w, node, "ledger");
        json_t *r = NULL;
        size_t i;
        json_t *x;
        json_array_foreach(ls, i, x)
        {
            if (json_is_null(json_object_get(x, "reversed_by")) &&
                (r == NULL || sim_chance(&w->rng, 50)))
                r = x;
        }
        for (size_t k = 0; r != NULL && k < m->n_uses; k++) {
            struct m_use *u = &m->u[k];
            if (strcmp(u->id, sim_str(r, "tx")) != 0)
                continue;
            char a[24];
            snprintf(a, sizeof a, "%" PRId64, u->amount);
            const struct hz_field f[] = {{"amount", a},
                                         {"donation", m->donation[u->donation]},
                                         {"kind", LEDGER_KINDS[u->kind]},
                                         {"reverses", u->id},
                                         {"time", "1717200300"}};
            sim_put(w, node, "ledger", NULL, 5, f, NULL);
            u->reversed = true;
            t->reversals++;
        }
        json_decref(ls);
        return;
    }
    int d = (int)sim_below(&w->rng, DONATIONS),
        kind = (int)sim_below(&w->rng, 3);
    json_t *ds = view(w, node, "donations");
    json_t *row = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(ds, i, x)
    {
        if (strcmp(sim_str(x, "donation"), m->donation[d]) == 0)
            row = x;
    }
    int64_t left = row == NULL
                       ? 0
                       : sim_num(row, "received") -
                             sim_num(row, kind == 0 ? "committed" : "used");
    if (left > 0 && m->n_uses < USES_MAX) {
        /* More than half of what is left: two such uses made apart
         * overdraw, which is what the check is for. */
        int64_t amount =
            left / 2 + 1 +
            (int64_t)sim_below(&w->rng, (uint64_t)(left - left / 2));
        char a[24];
        snprintf(a, sizeof a, "%" PRId64, amount);
        const struct hz_field f[] = {{"amount", a},
                                     {"donation", m->donation[d]},
                                     {"kind", LEDGER_KINDS[kind]},
                                     {"time", "1717200200"}};
        char id[ID_HEX];
        sim_put(w, node, "ledger", NULL, 4, f, id);
        struct m_use *u = &m->u[m->n_uses++];
        *u = (struct m_use){.donation = d, .kind = kind, .amount = amount};
        memcpy(u->id, id, ID_HEX);
        t->uses++;
    }
    json_decref(ds);
}

/* The model's figures of need or offer @i: promised, received. */
static void model_sums(const struct model *m, bool need, int i,
                       int64_t *promised, int64_t *received)
{
    *promised = *received = 0;
    for (size_t k = 0; k < m->n; k++) {
        const struct m_match *x = &m->m[k];
        if ((need ? x->need : x->offer) != i)
            continue;
        *promised += x->cancelled ? 0 : x->qty;
        *received += x->received;
    }
}

/* Node @node's view @name agrees with the model, row by row. */
static void check_sums(struct sim_world *w, int node, const struct model *m,
                       bool need, struct totals *t)
{
    json_t *rows = view(w, node, need ? "needs" : "offers");
    SIM_CHECK(w, json_array_size(rows) == (size_t)(need ? NEEDS : OFFERS),
              "node %d: %zu rows of %s", node, json_array_size(rows),
              need ? "needs" : "offers");
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        const char *id = sim_str(r, need ? "need" : "offer");
        int k = need ? sim_index_of(m->need, NEEDS, id)
                     : sim_index_of(m->offer, OFFERS, id);
        SIM_CHECK(w, k >= 0, "node %d: an unknown row %s", node, id);
        int64_t promised, received,
            qty = need ? m->need_qty[k] : m->offer_qty[k];
        model_sums(m, need, k, &promised, &received);
        SIM_CHECK(w, sim_num(r, "promised") == promised,
                  "node %d: %s promised %" PRId64 ", model %" PRId64, node, id,
                  sim_num(r, "promised"), promised);
        SIM_CHECK(w, sim_num(r, need ? "received" : "delivered") == received,
                  "node %d: %s received %" PRId64 ", model %" PRId64, node, id,
                  sim_num(r, need ? "received" : "delivered"), received);
        bool over = promised > qty;
        SIM_CHECK(w, (sim_num(r, "over_promised") != 0) == over,
                  "node %d: %s over_promised %" PRId64 ", model %d", node, id,
                  sim_num(r, "over_promised"), over);
        const char *want = NULL;
        if (need)
            want = received >= qty ? "met"
                   : received > 0  ? "partly_met"
                   : promised > 0  ? "promised"
                                   : "open";
        SIM_CHECK(w, !need || strcmp(sim_str(r, "state"), want) == 0,
                  "node %d: need %s is %s, model %s", node, id,
                  sim_str(r, "state"), want);
        if (node == 0 && over)
            *(need ? &t->over_needs : &t->over_offers) += 1;
    }
    json_decref(rows);
}

/* Node @node's donations view and disclosure agree with the model. */
static void check_donations(struct sim_world *w, int node,
                            const struct model *m, struct totals *t)
{
    json_t *rows = view(w, node, "donations");
    SIM_CHECK(w, json_array_size(rows) == DONATIONS, "node %d: %zu donations",
              node, json_array_size(rows));
    int64_t sum[4] = {0, 0, 0, 0}; /* received, committed, used, overdrawn */
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        int d = sim_index_of(m->donation, DONATIONS, sim_str(r, "donation"));
        SIM_CHECK(w, d >= 0, "node %d: an unknown donation", node);
        int64_t committed = 0, used = 0, received = m->donation_amount[d];
        for (size_t k = 0; k < m->n_uses; k++)
            if (m->u[k].donation == d && !m->u[k].reversed)
                *(m->u[k].kind == 0 ? &committed : &used) += m->u[k].amount;
        bool over = committed > received || used > received;
        SIM_CHECK(w,
                  sim_num(r, "received") == received &&
                      sim_num(r, "committed") == committed &&
                      sim_num(r, "used") == used &&
                      sim_num(r, "balance") == received - used &&
                      (sim_num(r, "overdrawn") != 0) == over,
                  "node %d: donation %d reads %" PRId64 "/%" PRId64 "/%" PRId64
                  " overdrawn %" PRId64 ", model %" PRId64 "/%" PRId64
                  "/%" PRId64 " %d",
                  node, d, sim_num(r, "received"), sim_num(r, "committed"),
                  sim_num(r, "used"), sim_num(r, "overdrawn"), received,
                  committed, used, over);
        sum[0] += received;
        sum[1] += committed;
        sum[2] += used;
        sum[3] += over;
        if (node == 0 && over)
            t->overdrawn++;
    }
    json_decref(rows);
    char *text = NULL;
    struct hz_err err = {0};
    struct hz_report_opts o = {.now = 1717200000};
    int rv = hz_node_report(w->nodes[node].node, "disclosure", &o, &text, &err);
    json_t *rep = sim_json(w, "disclosure", rv, text, &err);
    json_t *tot = json_array_get(json_object_get(rep, "totals"), 0);
    SIM_CHECK(w,
              sim_num(tot, "received") == sum[0] &&
                  sim_num(tot, "committed") == sum[1] &&
                  sim_num(tot, "used") == sum[2] &&
                  sim_num(tot, "balance") == sum[0] - sum[2] &&
                  sim_num(tot, "overdrawn") == sum[3],
              "node %d: the disclosure's totals differ from the model", node);
    json_decref(rep);
}

static void run_seed(struct sim_world *w, struct totals *t)
{
    struct model *m = calloc(1, sizeof *m);
    SIM_CHECK(w, m != NULL, "out of memory");
    setup(w, m);
    for (int round = 0; round < ROUNDS; round++) {
        for (int node = 0; node < w->n_nodes; node++) {
            unsigned what = (unsigned)sim_below(&w->rng, 10);
            if (what < 5)
                promise(w, node, m, t);
            else if (what < 7)
                follow_up(w, node, m, t, true);
            else if (what < 9)
                follow_up(w, node, m, t, false);
            if (sim_chance(&w->rng, 12))
                use_donation(w, node, m, t);
        }
        /* Some nodes hear of some others' writes, most do not. */
        for (int node = 0; node < w->n_nodes; node++)
            if (sim_chance(&w->rng, 25))
                sim_sync(w, (int)sim_below(&w->rng, (uint64_t)w->n_nodes),
                         node);
    }
    sim_deliver_all_shuffled(w);
    char h0[2 * HZ_HASH_LEN + 1], h[2 * HZ_HASH_LEN + 1];
    sim_state_hash(w, 0, h0);
    static const char *const views[] = {"needs", "offers", "matches",
                                        "donations", "ledger"};
    json_t *v0[5];
    for (size_t k = 0; k < 5; k++)
        v0[k] = view(w, 0, views[k]);
    for (int node = 0; node < w->n_nodes; node++) {
        sim_state_hash(w, node, h);
        SIM_CHECK(w, strcmp(h, h0) == 0, "node %d: another state", node);
        for (size_t k = 0; k < 5; k++) {
            json_t *v = view(w, node, views[k]);
            bool same = json_equal(v, v0[k]);
            json_decref(v);
            SIM_CHECK(w, same, "node %d reads %s otherwise", node, views[k]);
        }
        check_sums(w, node, m, true, t);
        check_sums(w, node, m, false, t);
    }
    /* Every node reads the views donations and ledger as node 0 does
     * (above), so node 0's figures against the model are every node's. */
    check_donations(w, 0, m, t);
    for (size_t k = 0; k < 5; k++)
        json_decref(v0[k]);
    free(m);
}

static void run_one(struct sim_world *w, void *t)
{
    run_seed(w, t);
}

static void promises_and_spending_apart_converge_and_are_flagged(void **state)
{
    (void)state;
    enum sim_clock clocks[NODES] = {SIM_CLOCK_CORRECT, SIM_CLOCK_CORRECT,
                                    SIM_CLOCK_DRIFT, SIM_CLOCK_1970};
    struct totals t = {0};
    long seeds = sim_run_tenths(SEEDS_DEFAULT, NODES, clocks, run_one, &t);
    if (seeds < 0)
        fail_msg("a seed failed (see above)");
    printf("sim: needs: %lu seeds, %lu promises, %lu cancelled, %lu"
           " receipts; %lu needs and %lu offers over-promised, flagged on"
           " every node; %lu uses of donations, %lu reversed, %lu donations"
           " overdrawn, flagged on every node\n",
           (unsigned long)seeds, t.matches, t.cancels, t.receipts, t.over_needs,
           t.over_offers, t.uses, t.reversals, t.overdrawn);
    /* A generator that stopped promising apart would pass vacuously. */
    if (seeds >= 20) {
        assert_true(t.cancels > 0);
        assert_true(t.receipts > 0);
        assert_true(t.over_needs > 0);
        assert_true(t.over_offers > 0);
        assert_true(t.reversals > 0);
        assert_true(t.overdrawn > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(promises_and_spending_apart_converge_and_are_flagged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
