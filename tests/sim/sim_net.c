/* sim_net.c - the network the simulator drives: syncs between nodes in
 * random orders, batches and multiplicities, couriers carrying entries
 * across partitions, partitions that come and heal, clocks that change;
 * and one whole random run. */
#include "sim.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- moving entries */

static void shuffle(struct sim_world *w, size_t *v, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)sim_below(&w->rng, i);
        size_t t = v[i - 1];
        v[i - 1] = v[j];
        v[j] = t;
    }
}

/* Later seqs first: a peer that sends a chain backwards, or a bundle
 * whose first half was lost. */
struct by_seq {
    uint64_t seq;
    int author;
    size_t idx;
};

static int cmp_seq_desc(const void *a, const void *b)
{
    const struct by_seq *x = a, *y = b;
    if (x->seq != y->seq)
        return (x->seq < y->seq) - (x->seq > y->seq);
    return (x->author > y->author) - (x->author < y->author);
}

static void sort_seq_desc(struct sim_world *w, size_t *v, size_t n)
{
    struct by_seq *s = malloc((n + 1) * sizeof *s);
    if (s == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        const struct sim_entry *e = sim_entry(w, v[i]);
        s[i] = (struct by_seq){e->seq, e->author, v[i]};
    }
    qsort(s, n, sizeof *s, cmp_seq_desc);
    for (size_t i = 0; i < n; i++)
        v[i] = s[i].idx;
    free(s);
}

/* Deliver @v[0..n) in random batches. */
static void deliver_batches(struct sim_world *w, int dst, const size_t *v,
                            size_t n)
{
    if (sim_chance(&w->rng, 40)) {
        sim_deliver(w, dst, v, n);
        return;
    }
    for (size_t i = 0; i < n;) {
        size_t k = 1 + (size_t)sim_below(&w->rng, 8);
        if (k > n - i)
            k = n - i;
        sim_deliver(w, dst, v + i, k);
        i += k;
    }
}

static bool pick_pair(struct sim_world *w, bool same_group, int *src, int *dst)
{
    for (int tries = 0; tries < 12; tries++) {
        int a = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
        int b = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
        if (a != b && (!same_group || w->nodes[a].group == w->nodes[b].group)) {
            *src = a;
            *dst = b;
            return true;
        }
    }
    return false;
}

static void step_exchange(struct sim_world *w)
{
    int src, dst;
    if (!pick_pair(w, true, &src, &dst))
        return;
    size_t *all;
    size_t n = sim_relay(w, src, &all);
    size_t *v = malloc(2 * (n + 1) * sizeof *v);
    if (v == NULL)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const struct sim_entry *e = sim_entry(w, all[i]);
        if (!sim_holds(w, dst, e->author, e->seq) || sim_chance(&w->rng, 5))
            v[k++] = all[i];
    }
    free(all);
    uint64_t mode = sim_below(&w->rng, 4);
    static const char *const modes[] = {"in order", "shuffled, lossy",
                                        "later seqs first", "one author"};
    if (mode == 1) {
        shuffle(w, v, k);
        size_t m = 0;
        for (size_t i = 0; i < k; i++) {
            if (sim_chance(&w->rng, 15))
                continue; /* dropped */
            v[m++] = v[i];
            if (sim_chance(&w->rng, 10))
                v[m++] = v[i]; /* duplicated */
        }
        k = m;
        shuffle(w, v, k);
    } else if (mode == 2) {
        sort_seq_desc(w, v, k);
    } else if (mode == 3 && k > 0) {
        /* One author's chain only: what the node lacks of it (so it holds
         * that chain without the others'), or a later part that waits as
         * pending. */
        int a = sim_entry(w, v[sim_below(&w->rng, k)])->author;
        uint64_t from = sim_chance(&w->rng, 50)
                            ? w->nodes[dst].view.top[a] + 1
                            : 1 + sim_below(&w->rng, w->n_written[a]);
        size_t m = 0;
        for (size_t i = 0; i < k; i++) {
            const struct sim_entry *e = sim_entry(w, v[i]);
            if (e->author == a && e->seq >= from)
                v[m++] = v[i];
        }
        k = m;
    }
    sim_trace(w, "sync %d -> %d: %zu entries, %s", src, dst, k, modes[mode]);
    deliver_batches(w, dst, v, k);
    free(v);
    w->stats.syncs++;
    /* A node that just took a partial, reordered delivery is the one most
     * likely to show an order-dependent state. */
    if (sim_chance(&w->rng, 20)) {
        sim_trace(w, "check node %d against the model", dst);
        sim_check_node(w, dst);
        w->stats.checks++;
    }
}

/* A volunteer carries what one node has to another, across any
 * partition, and arrives some steps later. */
static void step_courier(struct sim_world *w)
{
    if (w->n_bags > 0 && (w->n_bags == 3 || sim_chance(&w->rng, 50))) {
        size_t i = (size_t)sim_below(&w->rng, w->n_bags);
        struct sim_bag bag = w->bags[i];
        w->bags[i] = w->bags[--w->n_bags];
        sim_trace(w, "courier delivers %zu entries to %d", bag.n, bag.dst);
        deliver_batches(w, bag.dst, bag.idx, bag.n);
        free(bag.idx);
        return;
    }
    int src, dst;
    if (!pick_pair(w, false, &src, &dst))
        return;
    struct sim_bag *bag = &w->bags[w->n_bags++];
    bag->dst = dst;
    bag->n = sim_relay(w, src, &bag->idx);
    sim_trace(w, "courier picks up %zu entries at %d for %d", bag->n, src, dst);
}

static void step_partition(struct sim_world *w)
{
    if (sim_chance(&w->rng, 45)) {
        for (int i = 0; i < w->n_nodes; i++)
            w->nodes[i].group = 0;
        sim_trace(w, "partition healed");
        return;
    }
    int groups = 2 + (int)sim_below(&w->rng, 2);
    for (int i = 0; i < w->n_nodes; i++)
        w->nodes[i].group = (int)sim_below(&w->rng, (uint64_t)groups);
    sim_trace(w, "partitioned into %d groups", groups);
}

static void step_clock(struct sim_world *w)
{
    int i = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
    sim_set_clock(w, i, (enum sim_clock)sim_below(&w->rng, 4));
}

void sim_step(struct sim_world *w)
{
    w->step++;
    sim_advance(w, sim_below(&w->rng, 60001));
    uint64_t r = sim_below(&w->rng, 100);
    if (r < 54) {
        sim_write_random(w);
    } else if (r < 84) {
        step_exchange(w);
    } else if (r < 89) {
        step_courier(w);
    } else if (r < 93) {
        step_partition(w);
    } else if (r < 95) {
        step_clock(w);
    } else {
        int i = (int)sim_below(&w->rng, (uint64_t)w->n_nodes);
        sim_trace(w, "check node %d against the model", i);
        sim_check_node(w, i);
        w->stats.checks++;
    }
}

/* ---- one run */

struct sim_world *sim_world_random(uint64_t seed)
{
    struct sim_rng r = {seed ^ UINT64_C(0x5eed5eed5eed5eed)};
    int n_nodes = 3 + (int)sim_below(&r, 4);
    return sim_world_new(seed, n_nodes, NULL);
}

void sim_run(struct sim_world *w, long steps)
{
    for (long i = 0; i < steps; i++)
        sim_step(w);
    w->step++;
    sim_trace(w, "heal, deliver the couriers' bags, quiesce");
    for (int i = 0; i < w->n_nodes; i++)
        w->nodes[i].group = 0;
    while (w->n_bags > 0) {
        struct sim_bag bag = w->bags[--w->n_bags];
        sim_deliver(w, bag.dst, bag.idx, bag.n);
        free(bag.idx);
    }
    sim_quiesce(w);
    sim_check_converged(w);
}
