/* test_sim_care.c - warning campaigns, patrols and hazards across many
 * nodes (issue 17; proto/schema.md, "Warning campaigns", "Patrols,
 * hazards and duty"): every node records deliveries of one warning to
 * the households of its area (reached or not, by any method), patrol
 * rounds of the points at random times, hazards, and responses to the
 * hazards it sees, concurrently, with only some syncs between rounds;
 * then every node receives every entry in its own random order. All must
 * hold one state and read the campaign, the patrol points and the
 * hazards alike, and these must be those of a small reference model of
 * what was written (DECISIONS 25): a household is reached when any
 * delivery reached it (two staff reaching it on two nodes count once),
 * the unreached are the area's households no delivery reached, a point is
 * overdue when its last round is more than its interval before the time
 * asked (never patrolled: overdue), a hazard is open until any node
 * records a response. Since schema 10 they also record care visits to
 * the persons of the households and health checks at a shelter: the
 * persons due a visit are the vulnerable ones never visited or last
 * visited more than 7 days before the time asked, and a fever clue is
 * raised at the shelter when 3 or more persons had a fever check within
 * the 48 hours before it (proto/schema.md, "Care and health").
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

#define SEEDS_DEFAULT 60
#define NODES 4
#define HOUSEHOLDS 9 /* villages in turn: 甲 and 乙 in the area, 丙 not */
#define POINTS 3
#define ROUNDS 6
#define HAZARDS_MAX (ROUNDS * NODES)
#define ID_HEX (2 * HZ_ROW_LEN + 1)
#define T0 INT64_C(1717200000)
#define NOW (T0 + 36 * 3600) /* the patrol points asked as at */
#define PERSONS 6            /* the first VULNERABLE are vulnerable */
#define VULNERABLE 4
#define DAY INT64_C(86400)
#define CARE_NOW (T0 + 12 * DAY) /* the due list asked as at */
#define OB_NOW (T0 + 3 * DAY)    /* the outbreak clues asked as at */

static const char *const VILLAGES[] = {"测试甲村", "测试乙村", "测试丙村"};
static const char *const METHODS[] = {"phone", "door", "loudspeaker",
                                      "message"};
static const char *const SEVERITIES[] = {"minor", "moderate", "severe",
                                         "extreme"};

/* The reference model: what was written, and nothing the product
 * computes. */
struct model {
    char notice[ID_HEX];
    char household[HOUSEHOLDS][ID_HEX];
    int tries[HOUSEHOLDS];
    bool reached[HOUSEHOLDS];
    char point[POINTS][ID_HEX];
    int64_t interval_h[POINTS]; /* 0: none */
    int rounds[POINTS];
    int64_t last[POINTS]; /* 0: never */
    char hazard[HAZARDS_MAX][ID_HEX];
    bool answered[HAZARDS_MAX];
    size_t n_hazards;
    char site[ID_HEX];
    char person[PERSONS][ID_HEX];
    int64_t last_visit[PERSONS]; /* 0: never */
    bool fever[PERSONS];         /* a fever check within the window */
};

struct totals {
    unsigned long deliveries, reached_twice, rounds, hazards, responses;
    unsigned long overdue, open, unreached;
    unsigned long visits, checks, due, clues;
};

static bool in_area(int h)
{
    return h % 3 != 2;
}

static json_t *report(struct sim_world *w, int node, const char *name,
                      const char *id)
{
    char *text = NULL;
    struct hz_err err = {0};
    struct hz_report_opts o = {.id = id, .now = NOW};
    int rv = hz_node_report(w->nodes[node].node, name, &o, &text, &err);
    return sim_json(w, name, rv, text, &err);
}

/* The report @name as at @now (care_due, outbreaks: the defaults). */
static json_t *report_at(struct sim_world *w, int node, const char *name,
                         int64_t now)
{
    char *text = NULL;
    struct hz_err err = {0};
    struct hz_report_opts o = {.now = now};
    int rv = hz_node_report(w->nodes[node].node, name, &o, &text, &err);
    return sim_json(w, name, rv, text, &err);
}

static void text_of(int64_t v, char *out, size_t len)
{
    snprintf(out, len, "%" PRId64, v);
}

/* Node 0 writes the notice, the households and the points; everyone gets
 * them. */
static void setup(struct sim_world *w, struct model *m)
{
    const struct hz_field notice[] = {{"headline", "测试洪水预警"},
                                      {"villages", "测试甲村,测试乙村"}};
    sim_put(w, 0, "warning_notices", NULL, 2, notice, m->notice);
    for (int h = 0; h < HOUSEHOLDS; h++) {
        char name[32];
        snprintf(name, sizeof name, "测试户%d", h);
        const struct hz_field f[] = {{"head_name", name},
                                     {"village", VILLAGES[h % 3]}};
        sim_put(w, 0, "households", NULL, 2, f, m->household[h]);
    }
    for (int p = 0; p < POINTS; p++) {
        char name[32], hours[24];
        snprintf(name, sizeof name, "测试堤段%d", p);
        /* the last point has no interval: never overdue */
        m->interval_h[p] =
            p == POINTS - 1 ? 0 : 1 + (int64_t)sim_below(&w->rng, 24);
        text_of(m->interval_h[p], hours, sizeof hours);
        const struct hz_field f[] = {{"name", name},
                                     {"kind", "dike"},
                                     {"village", VILLAGES[p % 2]},
                                     {"interval_h", hours}};
        sim_put(w, 0, "patrol_points", NULL, m->interval_h[p] > 0 ? 4 : 3, f,
                m->point[p]);
    }
    const struct hz_field site[] = {{"name", "测试安置点"},
                                    {"kind", "shelter"}};
    sim_put(w, 0, "sites", NULL, 2, site, m->site);
    for (int p = 0; p < PERSONS; p++) {
        char name[32];
        snprintf(name, sizeof name, "测试人%d", p);
        const struct hz_field f[] = {{"name", name},
                                     {"household", m->household[p]},
                                     {"chronic", "true"}};
        sim_put(w, 0, "persons", NULL, p < VULNERABLE ? 3 : 2, f, m->person[p]);
    }
    sim_quiesce(w);
}

static void deliver(struct sim_world *w, int node, struct model *m,
                    struct totals *t)
{
    int h;
    do
        h = (int)sim_below(&w->rng, HOUSEHOLDS);
    while (!in_area(h));
    bool reached = sim_chance(&w->rng, 60);
    char when[24];
    text_of(T0 + (int64_t)sim_below(&w->rng, 3600), when, sizeof when);
    const struct hz_field f[] = {{"campaign", m->notice},
                                 {"household", m->household[h]},
                                 {"method", METHODS[sim_below(&w->rng, 4)]},
                                 {"notice", "测试通知"},
                                 {"reached", reached ? "true" : "false"},
                                 {"time", when}};
    sim_put(w, node, "warnings", NULL, 6, f, NULL);
    t->reached_twice += reached && m->reached[h];
    m->reached[h] |= reached;
    m->tries[h]++;
    t->deliveries++;
}

static void patrol(struct sim_world *w, int node, struct model *m,
                   struct totals *t)
{
    int p = (int)sim_below(&w->rng, POINTS);
    int64_t at = T0 + (int64_t)sim_below(&w->rng, 36 * 3600);
    char when[24];
    text_of(at, when, sizeof when);
    const struct hz_field f[] = {
        {"point", m->point[p]}, {"time", when}, {"finding", "normal"}};
    sim_put(w, node, "patrols", NULL, 3, f, NULL);
    m->rounds[p]++;
    if (at > m->last[p])
        m->last[p] = at;
    t->rounds++;
}

static void hazard(struct sim_world *w, int node, struct model *m,
                   struct totals *t)
{
    if (m->n_hazards >= HAZARDS_MAX)
        return;
    char when[24];
    text_of(T0 + (int64_t)sim_below(&w->rng, 7200), when, sizeof when);
    const struct hz_field f[] = {
        {"kind", "seepage"},
        {"severity", SEVERITIES[sim_below(&w->rng, 4)]},
        {"village", VILLAGES[0]},
        {"time", when}};
    sim_put(w, node, "hazards", NULL, 4, f, m->hazard[m->n_hazards]);
    m->answered[m->n_hazards++] = false;
    t->hazards++;
}

/* A care visit to a person at a time in the 10 days after T0. */
static void visit(struct sim_world *w, int node, struct model *m,
                  struct totals *t)
{
    int p = (int)sim_below(&w->rng, PERSONS);
    int64_t at = T0 + (int64_t)sim_below(&w->rng, 10 * DAY);
    char when[24];
    text_of(at, when, sizeof when);
    const struct hz_field f[] = {
        {"person", m->person[p]}, {"time", when}, {"method", "home"}};
    sim_put(w, node, "care_visits", NULL, 3, f, NULL);
    if (at > m->last_visit[p])
        m->last_visit[p] = at;
    t->visits++;
}

/* A health check at the shelter in the 72 hours before OB_NOW, with a
 * fever or not. */
static void health_check(struct sim_world *w, int node, struct model *m,
                         struct totals *t)
{
    int p = (int)sim_below(&w->rng, PERSONS);
    int64_t at = OB_NOW - (int64_t)sim_below(&w->rng, 72 * 3600);
    bool fever = sim_chance(&w->rng, 50);
    char when[24];
    text_of(at, when, sizeof when);
    const struct hz_field f[] = {{"person", m->person[p]},
                                 {"site", m->site},
                                 {"time", when},
                                 {"temperature", fever ? "38.4" : "36.6"}};
    sim_put(w, node, "health_checks", NULL, 4, f, NULL);
    m->fever[p] |= fever && at > OB_NOW - 48 * 3600;
    t->checks++;
}

/* Node @node's due list and outbreak clues against the model. */
static void check_care(struct sim_world *w, int node, const struct model *m,
                       struct totals *t)
{
    json_t *d = report_at(w, node, "care_due", CARE_NOW);
    bool listed[PERSONS] = {false};
    size_t i, k;
    json_t *g, *x;
    json_array_foreach(json_object_get(d, "cadres"), i, g)
    {
        json_array_foreach(json_object_get(g, "persons"), k, x)
        {
            int p = sim_index_of((const char(*)[ID_HEX])m->person, PERSONS,
                                 sim_str(x, "person"));
            SIM_CHECK(w, p >= 0 && !listed[p],
                      "node %d: a person listed"
                      " twice or unknown",
                      node);
            listed[p] = true;
            json_t *last = json_object_get(x, "last_visit");
            SIM_CHECK(w,
                      m->last_visit[p] == 0
                          ? json_is_null(last)
                          : sim_num(x, "last_visit") == m->last_visit[p],
                      "node %d: person %d's last visit", node, p);
        }
    }
    int due = 0;
    for (int p = 0; p < PERSONS; p++) {
        bool want = p < VULNERABLE && (m->last_visit[p] == 0 ||
                                       m->last_visit[p] + 7 * DAY < CARE_NOW);
        SIM_CHECK(w, listed[p] == want, "node %d: person %d due %d, model %d",
                  node, p, listed[p], want);
        due += want;
    }
    json_decref(d);
    json_t *o = report_at(w, node, "outbreaks", OB_NOW);
    int fevers = 0;
    for (int p = 0; p < PERSONS; p++)
        fevers += m->fever[p];
    json_t *clues = json_object_get(o, "clues");
    size_t want = fevers >= 3 ? 1 : 0;
    SIM_CHECK(w, json_array_size(clues) == want,
              "node %d: %zu clues, model %zu (%d persons with fever)", node,
              json_array_size(clues), want, fevers);
    if (want == 1) {
        x = json_array_get(clues, 0);
        SIM_CHECK(w,
                  strcmp(sim_str(x, "kind"), "fever") == 0 &&
                      sim_num(x, "persons") == fevers &&
                      strcmp(sim_str(x, "site"), m->site) == 0,
                  "node %d: the fever clue of %d persons", node, fevers);
    }
    json_decref(o);
    if (node == 0) {
        t->due += (unsigned long)due;
        t->clues += want;
    }
}

/* A response to a hazard this node sees, open or not (a second response
 * from another node changes nothing). */
static void respond(struct sim_world *w, int node, struct model *m,
                    struct totals *t)
{
    json_t *r = report(w, node, "hazards", NULL);
    json_t *hs = json_object_get(r, "hazards");
    size_t n = json_array_size(hs);
    if (n > 0) {
        json_t *x = json_array_get(hs, sim_below(&w->rng, n));
        int k = sim_index_of((const char(*)[ID_HEX])m->hazard,
                             (int)m->n_hazards, sim_str(x, "hazard"));
        SIM_CHECK(w, k >= 0, "node %d: an unknown hazard", node);
        const struct hz_field f[] = {{"hazard", m->hazard[k]},
                                     {"action", "测试加固"},
                                     {"time", "1717210000"}};
        sim_put(w, node, "hazard_responses", NULL, 3, f, NULL);
        m->answered[k] = true;
        t->responses++;
    }
    json_decref(r);
}

/* Node @node's campaign, points and hazards against the model. */
static void check_node(struct sim_world *w, int node, const struct model *m,
                       struct totals *t)
{
    json_t *c = report(w, node, "campaign", m->notice);
    json_t *hs = json_object_get(c, "households");
    int area = 0, reached = 0;
    for (int h = 0; h < HOUSEHOLDS; h++) {
        area += in_area(h);
        reached += m->reached[h];
    }
    SIM_CHECK(w, json_array_size(hs) == (size_t)area,
              "node %d: %zu households in the campaign, model %d", node,
              json_array_size(hs), area);
    size_t i;
    json_t *x;
    json_array_foreach(hs, i, x)
    {
        int h = sim_index_of((const char(*)[ID_HEX])m->household, HOUSEHOLDS,
                             sim_str(x, "household"));
        SIM_CHECK(w, h >= 0 && in_area(h),
                  "node %d: a household not in"
                  " the area listed",
                  node);
        SIM_CHECK(w,
                  json_is_true(json_object_get(x, "reached")) ==
                          m->reached[h] &&
                      sim_num(x, "tries") == m->tries[h],
                  "node %d: household %d reached %d, %" PRId64 " tries;"
                  " model %d, %d",
                  node, h, json_is_true(json_object_get(x, "reached")),
                  sim_num(x, "tries"), m->reached[h], m->tries[h]);
    }
    json_t *tot = json_object_get(c, "totals");
    SIM_CHECK(w,
              sim_num(tot, "households") == area &&
                  sim_num(tot, "reached") == reached &&
                  sim_num(tot, "unreached") == area - reached,
              "node %d: campaign totals %" PRId64 "/%" PRId64 ", model %d/%d",
              node, sim_num(tot, "reached"), sim_num(tot, "unreached"), reached,
              area - reached);
    /* The list of campaigns sums every campaign's households in one pass
     * of its own: the same totals as the campaign's report. */
    json_t *all = report(w, node, "campaigns", NULL), *listed = NULL;
    json_array_foreach(all, i, x)
    {
        if (strcmp(sim_str(x, "id"), m->notice) == 0)
            listed = json_object_get(x, "totals");
    }
    SIM_CHECK(w, listed != NULL && json_equal(listed, tot),
              "node %d: the list of campaigns gives other totals", node);
    json_decref(all);
    json_decref(c);

    json_t *pr = report(w, node, "patrol_points", NULL);
    json_t *ps = json_object_get(pr, "points");
    SIM_CHECK(w, json_array_size(ps) == POINTS, "node %d: %zu points", node,
              json_array_size(ps));
    int overdue = 0;
    json_array_foreach(ps, i, x)
    {
        int p = sim_index_of((const char(*)[ID_HEX])m->point, POINTS,
                             sim_str(x, "point"));
        SIM_CHECK(w, p >= 0, "node %d: an unknown point", node);
        bool late =
            m->interval_h[p] > 0 &&
            (m->rounds[p] == 0 || m->last[p] + m->interval_h[p] * 3600 < NOW);
        json_t *last = json_object_get(x, "last");
        SIM_CHECK(w,
                  sim_num(x, "rounds") == m->rounds[p] &&
                      (m->rounds[p] == 0 ? json_is_null(last)
                                         : sim_num(x, "last") == m->last[p]) &&
                      json_is_true(json_object_get(x, "overdue")) == late,
                  "node %d: point %d: %" PRId64 " rounds, last %" PRId64
                  ", overdue %d; model %d, %" PRId64 ", %d",
                  node, p, sim_num(x, "rounds"), sim_num(x, "last"),
                  json_is_true(json_object_get(x, "overdue")), m->rounds[p],
                  m->last[p], late);
        overdue += late;
    }
    SIM_CHECK(w, sim_num(pr, "overdue") == overdue,
              "node %d: %" PRId64 " overdue, model %d", node,
              sim_num(pr, "overdue"), overdue);
    json_decref(pr);

    json_t *hr = report(w, node, "hazards", NULL);
    int open = 0;
    for (size_t k = 0; k < m->n_hazards; k++)
        open += !m->answered[k];
    SIM_CHECK(w,
              json_array_size(json_object_get(hr, "hazards")) == m->n_hazards &&
                  sim_num(hr, "open") == open,
              "node %d: %zu hazards, %" PRId64 " open; model %zu, %d", node,
              json_array_size(json_object_get(hr, "hazards")),
              sim_num(hr, "open"), m->n_hazards, open);
    json_array_foreach(json_object_get(hr, "hazards"), i, x)
    {
        int k = sim_index_of((const char(*)[ID_HEX])m->hazard,
                             (int)m->n_hazards, sim_str(x, "hazard"));
        SIM_CHECK(w,
                  k >= 0 && json_is_true(json_object_get(x, "open")) ==
                                !m->answered[k],
                  "node %d: hazard %d open or not as the model says", node, k);
    }
    json_decref(hr);
    check_care(w, node, m, t);
    if (node == 0) {
        t->overdue += (unsigned long)overdue;
        t->open += (unsigned long)open;
        t->unreached += (unsigned long)(area - reached);
    }
}

static void run_seed(struct sim_world *w, struct totals *t)
{
    struct model *m = calloc(1, sizeof *m);
    SIM_CHECK(w, m != NULL, "out of memory");
    setup(w, m);
    for (int round = 0; round < ROUNDS; round++) {
        for (int node = 0; node < w->n_nodes; node++) {
            unsigned what = (unsigned)sim_below(&w->rng, 10);
            if (what < 4)
                deliver(w, node, m, t);
            else if (what < 7)
                patrol(w, node, m, t);
            else if (what < 8)
                hazard(w, node, m, t);
            else if (what < 9)
                respond(w, node, m, t);
            /* care and health beside: draws of their own */
            if (sim_chance(&w->rng, 35))
                visit(w, node, m, t);
            if (sim_chance(&w->rng, 40))
                health_check(w, node, m, t);
        }
        for (int node = 0; node < w->n_nodes; node++)
            if (sim_chance(&w->rng, 25))
                sim_sync(w, (int)sim_below(&w->rng, (uint64_t)w->n_nodes),
                         node);
    }
    sim_deliver_all_shuffled(w);
    char h0[2 * HZ_HASH_LEN + 1], h[2 * HZ_HASH_LEN + 1];
    sim_state_hash(w, 0, h0);
    json_t *c0 = report(w, 0, "campaign", m->notice),
           *p0 = report(w, 0, "patrol_points", NULL),
           *z0 = report(w, 0, "hazards", NULL),
           *d0 = report_at(w, 0, "care_due", CARE_NOW),
           *o0 = report_at(w, 0, "outbreaks", OB_NOW);
    for (int node = 0; node < w->n_nodes; node++) {
        sim_state_hash(w, node, h);
        SIM_CHECK(w, strcmp(h, h0) == 0, "node %d: another state", node);
        json_t *c = report(w, node, "campaign", m->notice),
               *p = report(w, node, "patrol_points", NULL),
               *z = report(w, node, "hazards", NULL),
               *d = report_at(w, node, "care_due", CARE_NOW),
               *o = report_at(w, node, "outbreaks", OB_NOW);
        bool same = json_equal(c, c0) && json_equal(p, p0) &&
                    json_equal(z, z0) && json_equal(d, d0) && json_equal(o, o0);
        json_decref(c);
        json_decref(p);
        json_decref(z);
        json_decref(d);
        json_decref(o);
        SIM_CHECK(w, same,
                  "node %d reads the campaign, the points, the"
                  " hazards, the due list or the clues otherwise",
                  node);
        check_node(w, node, m, t);
    }
    json_decref(c0);
    json_decref(p0);
    json_decref(z0);
    json_decref(d0);
    json_decref(o0);
    free(m);
}

static void run_one(struct sim_world *w, void *t)
{
    run_seed(w, t);
}

static void deliveries_rounds_and_hazards_apart_converge(void **state)
{
    (void)state;
    enum sim_clock clocks[NODES] = {SIM_CLOCK_CORRECT, SIM_CLOCK_CORRECT,
                                    SIM_CLOCK_DRIFT, SIM_CLOCK_1970};
    struct totals t = {0};
    long seeds = sim_run_tenths(SEEDS_DEFAULT, NODES, clocks, run_one, &t);
    if (seeds < 0)
        fail_msg("a seed failed (see above)");
    printf("sim: care: %lu seeds, %lu deliveries (%lu reaching a household"
           " reached already), %lu patrol rounds, %lu hazards, %lu"
           " responses; at the end %lu households unreached, %lu points"
           " overdue, %lu hazards open; %lu care visits, %lu health"
           " checks, %lu persons due, %lu fever clues; as the model on every"
           " node\n",
           (unsigned long)seeds, t.deliveries, t.reached_twice, t.rounds,
           t.hazards, t.responses, t.unreached, t.overdue, t.open, t.visits,
           t.checks, t.due, t.clues);
    /* A generator that stopped making these would pass vacuously. */
    if (seeds >= 20) {
        assert_true(t.reached_twice > 0);
        assert_true(t.unreached > 0);
        assert_true(t.overdue > 0);
        assert_true(t.open > 0);
        assert_true(t.responses > 0);
        assert_true(t.due > 0);
        assert_true(t.clues > 0);
        assert_true(t.clues < (unsigned long)seeds);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(deliveries_rounds_and_hazards_apart_converge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
